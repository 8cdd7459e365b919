/* rnc-train: readers for the training data files (CSV series, CoNLL tagged
 * sentences). Every error names the file and the 1-based line. */
#pragma once

#include <glib.h>
#include <stddef.h>

G_BEGIN_DECLS

#define RNC_DATA_ERROR (rnc_data_error_quark ())
GQuark rnc_data_error_quark (void);

typedef enum {
  RNC_DATA_ERROR_IO,            /* cannot read the file, or it is too large */
  RNC_DATA_ERROR_PARSE,         /* a line is malformed */
  RNC_DATA_ERROR_VALUE,         /* a value is missing or not a finite number */
  RNC_DATA_ERROR_COLUMN,        /* an asked column does not exist */
  RNC_DATA_ERROR_EMPTY,         /* no data */
} RncDataError;

/* Files larger than this are refused (the data is held in memory). */
#define RNC_DATA_MAX_FILE_BYTES ((gsize) 1 << 30)

typedef enum {
  RNC_CSV_HEADER_AUTO = 0,      /* a header when a field of the first line is
                                 * not a number where the second line's is */
  RNC_CSV_HEADER_TRUE = 1,
  RNC_CSV_HEADER_FALSE = 2,
} RncCsvHeader;

typedef enum {
  RNC_CSV_NAN_ERROR = 0,        /* a missing or non-numeric value is an error */
  RNC_CSV_NAN_SKIP = 1,         /* the row is dropped */
  RNC_CSV_NAN_HOLD = 2,         /* the column's previous value is repeated */
} RncCsvNan;

typedef struct {
  size_t n_rows, n_cols;
  float *values;                /* (n_rows, n_cols) */
  char **names;                 /* (n_cols) header names or "column K" */
  size_t *indices;              /* (n_cols) 0-based column indices in the file */
  size_t n_skipped;             /* rows dropped or held by the NaN policy */
} RncCsvTable;

/* Reads the numeric columns @columns (comma-separated names or 0-based
 * indices; NULL or "" = every column whose first data row is numeric) of a
 * CSV file. Blank lines are ignored; fields may be double-quoted. */
gboolean rnc_csv_read (const char *path, const char *columns, char delimiter,
    RncCsvHeader header, RncCsvNan nan, RncCsvTable *table, GError **error);
void rnc_csv_table_clear (RncCsvTable *table);

/* Tagged sentences: words[i] / tags[i] for every token, sentence s is
 * tokens [offsets[s], offsets[s + 1]). */
typedef struct {
  GPtrArray *words;             /* char*, owned */
  GPtrArray *tags;              /* char*, owned */
  GArray *offsets;              /* size_t, n_sentences + 1 */
  size_t max_len;
} RncConll;

#define RNC_CONLL_MAX_SENTENCE 4096

/* Reads CoNLL two-column data: "word<TAB>tag" per line, a blank line after
 * each sentence (the last one may be missing). A line without exactly one
 * tab, an empty word or tag, invalid UTF-8 or a sentence longer than
 * RNC_CONLL_MAX_SENTENCE tokens is an error naming the file and line. */
gboolean rnc_conll_read (const char *path, RncConll *conll, GError **error);
void rnc_conll_clear (RncConll *conll);
size_t rnc_conll_get_n_sentences (const RncConll *conll);

G_END_DECLS
