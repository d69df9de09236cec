/*
 * fuzz_recipe.c — feature recipes (core/features/recipe.c): the text a
 * user writes, then everything done with a recipe that parses.
 *
 * Input: the recipe text (cut at the first NUL).  Parsed; a recipe that
 * parses is fitted on rows 0-5 of the fixed table of fuzz.h (numeric,
 * categorical and text columns, a missing value, an infinity), and one
 * that fits is saved as JSON and loaded back.  Checks, on every input:
 * no crash, leak or undefined behaviour; the saved JSON loads, and saving
 * the loaded recipe gives the same JSON; applied to rows 6-7, the fitted
 * recipe and the reloaded one give the same frame, bit for bit (what
 * training does and what `lathe predict` and serving do are the same).
 */
#include "fuzz.h"
#include "features/recipe.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t train[] = { 0, 1, 2, 3, 4, 5 }, test[] = { 6, 7 };
	struct recipe *r = NULL, *r2 = NULL;
	struct frame *f = NULL, *g[2] = { NULL, NULL };
	char *text = malloc(size + 1), *err = NULL, *json = NULL, *json2 = NULL, why[256];
	int rc[2];

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (recipe_parse(text, "fuzz", &r, &err) != 0) {
		if (err == NULL || strncmp(err, "fuzz:", 5) != 0)
			fuzz_fail("parse error without its place: %s", err ? err : "(none)");
		goto out;
	}
	const struct table *t = fuzz_table();
	if ((f = frame_from_table(t, train, 6, NULL)) == NULL)
		goto out;
	if (recipe_fit(r, f, &err) != 0)
		goto out;
	struct sbuf b;
	sbuf_init(&b);
	recipe_describe(r, &b);
	sbuf_free(&b);
	if ((json = recipe_save(r)) == NULL)
		goto out;
	free(err);
	err = NULL;
	if (recipe_load(json, &r2, &err) != 0)
		fuzz_fail("saved recipe does not load: %s\n%s", err, json);
	if ((json2 = recipe_save(r2)) == NULL)
		goto out;
	if (strcmp(json, json2) != 0)
		fuzz_fail("save, load, save changed the JSON:\n%s\n%s", json, json2);
	for (int k = 0; k < 2; k++) {
		if ((g[k] = frame_from_table(t, test, 2, NULL)) == NULL)
			goto out;
		free(err);
		err = NULL;
		rc[k] = recipe_apply(k ? r2 : r, g[k], &err);
	}
	if (rc[0] != rc[1])
		fuzz_fail("fitted recipe %s, reloaded one %s", rc[0] ? "fails" : "applies",
		    rc[1] ? "fails" : "applies");
	if (rc[0] == 0 && fuzz_same_frames(g[0], g[1], why) != 0)
		fuzz_fail("fitted and reloaded recipes differ: %s\n%s", why, json);
out:
	frame_free(g[0]);
	frame_free(g[1]);
	frame_free(f);
	recipe_free(r);
	recipe_free(r2);
	free(json);
	free(json2);
	free(err);
	free(text);
	return 0;
}
