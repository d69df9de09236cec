/*
 * core/ingest/ — the subsystem's main header.  Owns turning outside data
 * into tables: CSV import (csv_import) and the column statistics and
 * hashes computed on the way in (profile).  May use: core/base, core/store;
 * libcsv.  The map of who may use whom is in docs/architecture.md.
 *
 * csv_import.h — CSV text to a typed, columnar table.
 *
 * Tokenizing is libcsv's (RFC 4180 quoting, strict mode: a stray quote or a
 * character after a closing quote is an error).  Around it this module
 * adds: a UTF-8 byte-order mark, LF/CRLF/CR endings, delimiter sniffing
 * among , ; TAB |, header detection, missing-value tokens, per-column type
 * inference and the checks that make bad input a one-line error with file,
 * line and column.
 *
 * Speed: the file is mmap'd and split at line breaks into one piece per
 * core; each piece is parsed speculatively by its own libcsv parser.  A
 * split that fell inside a quoted field is detected (the previous piece
 * does not end between records) and the file is then parsed sequentially,
 * so the result never depends on the split.  Numbers are converted by
 * numparse's exact fast path, strings are interned into per-column
 * dictionaries, and values are written straight into 64k-row chunks: no
 * per-cell allocation and no copy of the text.
 *
 * Types: a column whose non-missing cells all parse as numbers is numeric;
 * otherwise it is a string column, later classified categorical or text by
 * the profiler.  A column is guessed from a sample first; a column that
 * turns out not to be numeric after all is re-read as strings in a second
 * pass over just that column.
 */
#ifndef LATHE_CSV_IMPORT_H
#define LATHE_CSV_IMPORT_H

#include <stddef.h>
#include "store/table.h"

#define IMPORT_CHUNK_ROWS 65536

struct import_opts {
	int		  delimiter;	/* 0 = sniff among , ; \t | */
	int		  header;	/* -1 detect, 0 none, 1 first line is the header */
	const char	**na;		/* extra missing-value tokens */
	size_t		  nna;
	int		  threads;	/* 0 = one per online CPU (max 8) */
	const char	**force_string;	/* columns read as strings whatever they hold */
	size_t		  nforce;
	int		  progress;	/* draw a progress bar on stderr */
};

/* What import found out, for the dataset record and the user. */
struct import_info {
	int	delimiter;
	int	header;		/* 1 if the first line was taken as names */
	int	bom;
	size_t	bytes;
	int	threads;	/* parser threads actually used */
	int	passes;		/* 2 when some column had to be re-read as text */
};

/* Read path into a new table (caller frees with table_free).  On failure
 * returns -1 and *err is "FILE:LINE:COL: what was found, what was expected". */
int	csv_import(const char *path, const struct import_opts *o,
	    struct table **out, struct import_info *info, char **err);

/* The built-in missing-value tokens (besides the empty cell). */
extern const char *const csv_default_na[];
extern const size_t csv_default_nna;

#endif
