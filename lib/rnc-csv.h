/* librnc: CSV numeric tables.
 *
 * One reader serves both the csvdec element (bytes arrive in pieces) and the
 * training tool (a whole file): an RncCsvReader is fed bytes, cuts them into
 * records (an LF outside quotes ends a record; a CR before it is dropped),
 * splits records into fields (RFC 4180 quoting: "a, ""b""" is one field, and
 * a quoted field may hold delimiters and line breaks), and turns the chosen
 * columns of every data record into one frame of floats.
 *
 * Rules, decided once for every user of the reader:
 * - Empty or blank lines are ignored. A UTF-8 byte order mark is skipped.
 * - A number is decimal: [+-]digits[.digits][(e|E)[+-]digits] (".5" and "5."
 *   too), surrounded by optional spaces; it must fit a float. Hex, "inf" and
 *   thousands separators are not numbers.
 * - A missing value is an empty field or one of nan, na, n/a, null, none
 *   (any case). The NaN policy says what a missing value in a chosen column
 *   does: error (RNC_CSV_ERROR_MISSING), skip (drop the record) or hold
 *   (repeat the column's last value; records before the column's first value
 *   are dropped).
 * - Header detection (RNC_CSV_HEADER_AUTO) looks at the first two non-empty
 *   records: the first is a header when one of its fields is text (neither
 *   a number nor a missing value) while the same field of the second record
 *   is a number. A lone first record is a header when it has no number.
 *   "time,value" over "1949-01,112" is a header; "1949-01,112" over
 *   "1949-02,118" is data.
 * - Columns are chosen by a comma-separated list of header names or 0-based
 *   indices (a name that equals a header field wins over an index). Without
 *   a list, every column whose field in the first data record is a number
 *   or a missing value is chosen, so a date or label column is left out.
 * - A record holding a NUL byte is an error (the input is not text).
 * - Errors name the line (1-based, the first line of the record): "line N:
 *   reason" from the reader, "NAME:N: reason" from the whole-text helpers.
 */
#pragma once

#include <glib.h>
#include <stddef.h>

G_BEGIN_DECLS

#define RNC_CSV_ERROR (rnc_csv_error_quark ())
GQuark rnc_csv_error_quark (void);

typedef enum {
  RNC_CSV_ERROR_IO,             /* cannot read the file */
  RNC_CSV_ERROR_OPTIONS,        /* bad delimiter or column list */
  RNC_CSV_ERROR_SYNTAX,         /* unterminated quote, text after a closing quote */
  RNC_CSV_ERROR_TOO_LONG,       /* a record longer than RNC_CSV_MAX_RECORD bytes */
  RNC_CSV_ERROR_COLUMN,         /* unknown column, or no numeric column to choose */
  RNC_CSV_ERROR_FIELDS,         /* a record lacks a chosen column */
  RNC_CSV_ERROR_NUMBER,         /* a chosen field is not a number */
  RNC_CSV_ERROR_MISSING,        /* a chosen field is missing and the policy is error */
  RNC_CSV_ERROR_FAILED,
} RncCsvError;

/* Longest record accepted, in bytes (bounds memory on hostile input). */
#define RNC_CSV_MAX_RECORD (1u << 20)
/* Most columns chosen or fields per record. */
#define RNC_CSV_MAX_FIELDS 65536

typedef enum {
  RNC_CSV_HEADER_AUTO = 0,
  RNC_CSV_HEADER_PRESENT = 1,   /* the first non-empty record is a header */
  RNC_CSV_HEADER_ABSENT = 2,    /* every record is data */
} RncCsvHeaderMode;

typedef enum {
  RNC_CSV_NAN_ERROR = 0,
  RNC_CSV_NAN_SKIP = 1,
  RNC_CSV_NAN_HOLD = 2,
} RncCsvNanPolicy;

typedef struct {
  char delimiter;               /* default ',' */
  RncCsvHeaderMode header;      /* default auto */
  RncCsvNanPolicy nan;          /* default error */
  const char *columns;          /* NULL or "": every numeric column */
} RncCsvOptions;

/* Fills @opts with the defaults. */
void rnc_csv_options_init (RncCsvOptions *opts);

/* Parses a delimiter as users write it: one ASCII character other than
 * '"', CR or LF, or "\t" / "tab" for a tab. RNC_CSV_ERROR_OPTIONS otherwise. */
gboolean rnc_csv_parse_delimiter (const char *text, char *delimiter,
    GError **error);

typedef struct _RncCsvReader RncCsvReader;

/* (transfer full) Validates the options (delimiter, column list syntax);
 * RNC_CSV_ERROR_OPTIONS on a bad one. */
RncCsvReader *rnc_csv_reader_new (const RncCsvOptions *opts, GError **error);
void rnc_csv_reader_free (RncCsvReader *reader);
/* Back to the state before the first byte: the header is detected and the
 * columns are chosen again. */
void rnc_csv_reader_reset (RncCsvReader *reader);

/* Parses the complete records at the start of @data (@len bytes) and appends
 * one frame (width floats) per data record to @frames (a GArray of float).
 * *consumed is set to the bytes of the complete records read; the caller
 * keeps the rest and passes it again, followed by more bytes, on the next
 * call (the reader remembers how far it scanned, so a long record that
 * arrives byte by byte is scanned once). With @at_eof the end of @data also
 * ends the last record, and a record held back for header detection is
 * decided. On error returns FALSE with @error set in RNC_CSV_ERROR (message
 * "line N: ..."); frames of the records before the bad one stay appended and
 * *consumed covers them. */
gboolean rnc_csv_reader_feed (RncCsvReader *reader, const char *data,
    size_t len, gboolean at_eof, size_t *consumed, GArray *frames,
    GError **error);

/* Number of chosen columns, or 0 until they are known (after the header or
 * the first data record). */
size_t rnc_csv_reader_get_width (const RncCsvReader *reader);
/* (transfer none) Names of the chosen columns from the header
 * (NULL-terminated), or NULL without a header or before it was read. */
const char *const *rnc_csv_reader_get_column_names (const RncCsvReader *reader);
/* Whether the input had a header line (FALSE until decided). */
gboolean rnc_csv_reader_has_header (const RncCsvReader *reader);
/* Forgets a record left incomplete by the last feed (after a gap in the
 * input, when the caller drops the bytes it kept). */
void rnc_csv_reader_discard_partial (RncCsvReader *reader);
/* The input resumes somewhere inside the same text (a byte seek): forgets
 * the incomplete record and drops the next bytes up to and including the
 * first LF (the rest of the line the input resumed in), keeping the
 * header, the chosen columns and the NaN policy's held values. Line
 * numbers go on counting from where they were (they are no longer the
 * file's). */
void rnc_csv_reader_resync (RncCsvReader *reader);
/* Lines consumed so far (complete records only). */
guint64 rnc_csv_reader_get_lines (const RncCsvReader *reader);
/* (transfer none) The 0-based field index of each chosen column (width of
 * them), or NULL until they are known. */
const size_t *rnc_csv_reader_get_columns (const RncCsvReader *reader);
/* Data records dropped for a missing value (nan=skip, and nan=hold before
 * a column's first value), and missing values replaced by the column's last
 * one (nan=hold), since the last reset. */
guint64 rnc_csv_reader_get_n_dropped (const RncCsvReader *reader);
guint64 rnc_csv_reader_get_n_held (const RncCsvReader *reader);

/* A whole CSV input read into memory. */
typedef struct {
  float *values;                /* (n_rows, width) row-major */
  size_t n_rows, width;
  char **names;                 /* (width + 1) the chosen columns' header
                                 * names, NULL-terminated; NULL without a
                                 * header */
  size_t *columns;              /* (width) 0-based field index of each */
  guint64 n_dropped, n_held;    /* as rnc_csv_reader_get_n_dropped/_held */
} RncCsvTable;

/* Frees what @table holds and zeroes it (a zeroed table is fine). */
void rnc_csv_table_clear (RncCsvTable *table);

/* Whole-text helpers (for tools). Parse @data (@len bytes) as one CSV text
 * into @table (cleared first; rnc_csv_table_clear() it after success). A
 * text without any data record is RNC_CSV_ERROR_COLUMN. Errors are written
 * "NAME:N: reason" (@name, then the line) or "NAME: reason". */
gboolean rnc_csv_parse_data (const char *data, size_t len,
    const RncCsvOptions *opts, const char *name, RncCsvTable *table,
    GError **error);
/* The same for the file at @path (@path is the NAME), read in pieces: only
 * the values are held in memory. A file that cannot be opened or read is
 * RNC_CSV_ERROR_IO. */
gboolean rnc_csv_read_file (const char *path, const RncCsvOptions *opts,
    RncCsvTable *table, GError **error);

/* Formatting for csvenc. Appends @n_rows lines (each terminated by "\n")
 * of @width values from @values (n_rows, width) separated by @delimiter,
 * each with @precision significant digits (1..9; 9 round-trips a float), in
 * the C locale. NaN is written "nan", infinities "inf" / "-inf". */
void rnc_csv_format_floats (GString *out, const float *values, size_t n_rows,
    size_t width, int precision, char delimiter);
void rnc_csv_format_ints (GString *out, const gint32 *values, size_t n_rows,
    size_t width, char delimiter);
/* Appends a header line; a name holding the delimiter, a quote, a space at
 * either end or a line break is quoted. */
void rnc_csv_format_header (GString *out, const char *const *names, size_t n,
    char delimiter);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RncCsvReader, rnc_csv_reader_free)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (RncCsvTable, rnc_csv_table_clear)

G_END_DECLS
