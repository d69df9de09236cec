/*
 * fuzz_recipe_load.c — fitted recipes as they travel with a model
 * (recipe_load in core/features/recipe.c): the JSON stored beside every
 * run's model and inside every bundle, read back by `lathe predict`,
 * the server and bundles.
 *
 * Input: the JSON text (cut at the first NUL).  A recipe that loads is
 * saved and loaded again (the second save must equal the first: the
 * loader keeps everything it accepted), and applied to all 8 rows of the
 * fixed table of fuzz.h, both copies giving the same frame.  A recipe
 * that does not load must say why in one line.
 */
#include "fuzz.h"
#include "features/recipe.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct recipe *r = NULL, *r2 = NULL;
	struct frame *g[2] = { NULL, NULL };
	char *text = malloc(size + 1), *err = NULL, *json = NULL, *json2 = NULL, why[256];
	int rc[2];

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (recipe_load(text, &r, &err) != 0) {
		if (err == NULL)
			fuzz_fail("recipe_load failed without a message");
		goto out;
	}
	struct sbuf b;
	sbuf_init(&b);
	recipe_describe(r, &b);
	sbuf_free(&b);
	for (size_t i = 0; i < recipe_ninputs(r); i++)
		(void)recipe_input_name(r, i);
	if ((json = recipe_save(r)) == NULL)
		goto out;
	if (recipe_load(json, &r2, &err) != 0)
		fuzz_fail("a loaded recipe, saved, does not load: %s\n%s", err, json);
	if ((json2 = recipe_save(r2)) == NULL)
		goto out;
	if (strcmp(json, json2) != 0)
		fuzz_fail("load, save, load, save changed the JSON:\n%s\n%s", json, json2);
	const struct table *t = fuzz_table();
	for (int k = 0; k < 2; k++) {
		if ((g[k] = frame_from_table(t, NULL, 0, NULL)) == NULL)
			goto out;
		free(err);
		err = NULL;
		rc[k] = recipe_apply(k ? r2 : r, g[k], &err);
	}
	if (rc[0] != rc[1])
		fuzz_fail("loaded recipe %s, reloaded one %s", rc[0] ? "fails" : "applies",
		    rc[1] ? "fails" : "applies");
	if (rc[0] == 0 && fuzz_same_frames(g[0], g[1], why) != 0)
		fuzz_fail("loaded and reloaded recipes differ: %s\n%s", why, json);
out:
	frame_free(g[0]);
	frame_free(g[1]);
	recipe_free(r);
	recipe_free(r2);
	free(json);
	free(json2);
	free(err);
	free(text);
	return 0;
}
