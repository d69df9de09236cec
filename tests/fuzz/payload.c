/*
 * payload.c — a plugin's payload loader (its load()), on mutated
 * payloads.  Built once per built-in plugin, linked with that plugin's
 * own files: build-fuzz/fuzz/payload_kmeans, payload_linear, ...  The
 * seeds are payloads saved by fitting small models (make-seeds.sh).
 *
 * Input: the payload bytes.  Every payload ends in a CRC-32 of the rest
 * (plugins/kit/blobio.h), which a random mutation almost never keeps, so
 * each input is loaded twice: as it is (the checksum must refuse it
 * cleanly), and with its last four bytes replaced by the right checksum
 * (the mutation reaches the field parser: dimensions, counts, versions,
 * non-finite numbers).
 *
 * Checks, on every input: no crash, leak or undefined behaviour; load()
 * returns LATHE_OK with a model or a LATHE_E* code with a one-line
 * message and no model.  A model that loads must behave: its summary
 * is produced, save() gives a payload that loads again, and saving that
 * gives the same bytes; predict() is tried on 20 rows for d = 1..64
 * features (rows 16-19 with missing values: gbdt walks rows 0-15 as a
 * group without NaN and rows 4-19, the tail, as a group with NaN), refusing the wrong d cleanly,
 * and for the right d the reloaded model predicts bit for bit what the
 * loaded one does; for the tree plugins (tree, forest, gbdt), whose
 * answers are exact, each row predicted alone gives its batch answer.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lathe_plugin.h"
#include "kit/blobio.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct lathe_plugin *P;

static void __attribute__((noreturn))
fail(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz: invariant broken: %s: %s: %s\n", P->name, what,
	    detail ? detail : "");
	abort();
}

static void
check_status(int rc, const struct lathe_model *m, char *err, const char *op)
{
	if (rc == LATHE_OK)
		return;
	if (rc < 0 || rc > LATHE_ENUMERIC)
		fail(op, "an unknown status");
	if (m != NULL)
		fail(op, "failed but handed a model over");
	if (err && strchr(err, '\n'))
		fail(op, err);
}

#define MAXD 64
#define NROWS 20

static void
exercise(struct lathe_model *m)
{
	struct lathe_model *m2 = NULL;
	void *b1 = NULL, *b2 = NULL;
	size_t n1 = 0, n2 = 0;
	char *err = NULL, *json = NULL;
	double X[NROWS * MAXD];
	int exact = strcmp(P->name, "tree") == 0 || strcmp(P->name, "forest") == 0 ||
	    strcmp(P->name, "gbdt") == 0;

	size_t width = P->output_width(m);
	if (P->summary && P->summary(m, &json, &err) == LATHE_OK && json == NULL)
		fail("summary", "no JSON");
	free(json);
	free(err);
	err = NULL;
	int rc = P->save(m, &b1, &n1, &err);
	if (rc != LATHE_OK)
		fail("save of a loaded model", err);
	rc = P->load(b1, n1, &m2, &err);
	if (rc != LATHE_OK)
		fail("load of a saved model", err);
	if (P->save(m2, &b2, &n2, &err) != LATHE_OK)
		fail("save of a reloaded model", err);
	if (n1 != n2 || memcmp(b1, b2, n1) != 0)
		fail("save, load, save", "changed the bytes");
	if (P->output_width(m2) != width)
		fail("reload", "changed output_width");
	if (width == 0 || width > 4096)
		goto out;
	double *o1 = malloc(NROWS * width * sizeof *o1), *o2 = malloc(NROWS * width * sizeof *o2);
	if (o1 == NULL || o2 == NULL) {
		free(o1);
		free(o2);
		goto out;
	}
	for (size_t d = 1; d <= MAXD; d++) {
		/* NROWS rows of d values; one missing value in each of rows 16-19 */
		for (size_t i = 0; i < NROWS * d; i++)
			X[i] = (double)((i * 7919) % 23) / 4.0 - 2.5;
		for (size_t r = 16; r < NROWS; r++)
			X[r * d + r % d] = NAN;
		free(err);
		err = NULL;
		rc = P->predict(m, NROWS, d, X, o1, &err);
		check_status(rc, NULL, err, "predict");
		if (rc != LATHE_OK)
			continue;
		free(err);
		err = NULL;
		if (P->predict(m2, NROWS, d, X, o2, &err) != LATHE_OK)
			fail("predict", "the reloaded model refuses what the loaded one takes");
		if (memcmp(o1, o2, NROWS * width * sizeof *o1) != 0)
			fail("predict", "the reloaded model predicts otherwise");
		if (!exact)
			continue;
		for (size_t i = 0; i < NROWS; i++) {
			if (P->predict(m, 1, d, X + i * d, o2, &err) != LATHE_OK)
				fail("predict", "one row refused where the batch was taken");
			if (memcmp(o1 + i * width, o2, width * sizeof *o1) != 0)
				fail("predict", "a row alone predicts otherwise than in a batch");
		}
	}
	free(o1);
	free(o2);
out:
	free(err);
	free(b1);
	free(b2);
	P->destroy(m2);
}

static void
try_load(const uint8_t *buf, size_t len)
{
	struct lathe_model *m = NULL;
	char *err = NULL;
	int rc = P->load(buf, len, &m, &err);
	check_status(rc, m, err, "load");
	if (rc == LATHE_OK) {
		if (m == NULL)
			fail("load", "succeeded without a model");
		exercise(m);
	}
	P->destroy(m);
	free(err);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (P == NULL)
		P = lathe_plugin_entry();
	/* as it is, from a buffer of exactly its size */
	uint8_t *buf = malloc(size ? size : 1);
	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	try_load(buf, size);
	/* with the checksum made right */
	if (size >= 12) {
		uint32_t c = blob_crc32(buf, size - 4), old;
		memcpy(&old, buf + size - 4, 4);
		uint8_t le[4] = { (uint8_t)c, (uint8_t)(c >> 8), (uint8_t)(c >> 16),
		    (uint8_t)(c >> 24) };
		if (memcmp(le, buf + size - 4, 4) != 0) {
			memcpy(buf + size - 4, le, 4);
			try_load(buf, size);
		}
	}
	free(buf);
	return 0;
}
