/* librnc: CSV numeric tables (see rnc-csv.h for the rules). */
#include "rnc-csv.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

G_DEFINE_QUARK (rnc-csv-error-quark, rnc_csv_error)

struct _RncCsvReader;
static void set_line_error (struct _RncCsvReader *r, GError **error,
    gint code, guint64 line, const char *format, ...) G_GNUC_PRINTF (5, 6);

/* Where the record scanner is: a quote opens a quoted field only at the
 * start of a field, as split_record() reads it. */
typedef enum {
  SCAN_FIELD_START,
  SCAN_UNQUOTED,
  SCAN_QUOTED,
  SCAN_QUOTE_IN_QUOTED,         /* a quote inside a quoted field: "" or its end */
} ScanState;

struct _RncCsvReader
{
  /* options */
  char delim;
  RncCsvHeaderMode header_mode;
  RncCsvNanPolicy nan;
  char **col_tokens;            /* chosen columns as given, or NULL */

  /* progress */
  guint64 lines;                /* physical lines consumed */
  gboolean started;             /* a non-empty record was seen */
  gboolean decided;             /* header or not is known */
  gboolean have_header;
  char **first;                 /* auto mode: first record held back */
  guint64 first_line;

  /* chosen columns, once resolved */
  gboolean resolved;
  size_t width;
  size_t *cols;                 /* (width) field indices */
  size_t max_col;
  char **names;                 /* (width + 1) or NULL */
  char **header;                /* header fields, or NULL */
  float *frame;                 /* (width) */
  float *hold;                  /* (width) last values, for NAN_HOLD */
  gboolean *have_hold;          /* (width) */
  guint64 n_dropped, n_held;    /* records dropped, values held (NaN policy) */
  guint64 error_line;           /* line of the last error, 0 if none */

  /* one record split into fields: NUL-terminated strings in buf */
  GString *buf;
  GArray *starts;               /* size_t offsets into buf */
  GPtrArray *fields;            /* char * views into buf (valid until next record) */

  /* after rnc_csv_reader_resync: the bytes up to the next LF are dropped */
  gboolean resync;

  /* scan of an incomplete record, relative to the start of the next data */
  size_t scan_pos;
  int scan_state;               /* ScanState */
  guint scan_newlines;
};

/* Every error about the input goes through here: "line N: reason", and the
 * line is remembered so that the whole-text helpers can write
 * "NAME:N: reason" instead. */
static void
set_line_error (RncCsvReader *r, GError **error, gint code, guint64 line,
    const char *format, ...)
{
  va_list args;
  char *reason;

  va_start (args, format);
  reason = g_strdup_vprintf (format, args);
  va_end (args);
  r->error_line = line;
  g_set_error (error, RNC_CSV_ERROR, code, "line %" G_GUINT64_FORMAT ": %s",
      line, reason);
  g_free (reason);
}

/* ---- options ------------------------------------------------------------ */

void
rnc_csv_options_init (RncCsvOptions *opts)
{
  g_return_if_fail (opts != NULL);
  memset (opts, 0, sizeof (*opts));
  opts->delimiter = ',';
  opts->header = RNC_CSV_HEADER_AUTO;
  opts->nan = RNC_CSV_NAN_ERROR;
  opts->columns = NULL;
}

static gboolean
delimiter_ok (char c)
{
  return c != '"' && c != '\r' && c != '\n' && c != '\0'
      && (unsigned char) c < 0x80;
}

gboolean
rnc_csv_parse_delimiter (const char *text, char *delimiter, GError **error)
{
  g_return_val_if_fail (delimiter != NULL, FALSE);

  if (text && (strcmp (text, "\\t") == 0 || g_ascii_strcasecmp (text,
              "tab") == 0)) {
    *delimiter = '\t';
    return TRUE;
  }
  if (!text || strlen (text) != 1 || !delimiter_ok (text[0])) {
    g_set_error (error, RNC_CSV_ERROR, RNC_CSV_ERROR_OPTIONS,
        "invalid delimiter \"%s\": use one ASCII character other than a "
        "quote or a line break, or \"\\t\" for a tab", text ? text : "");
    return FALSE;
  }
  *delimiter = text[0];
  return TRUE;
}

/* ---- fields --------------------------------------------------------------- */

static gboolean
is_blank (char c, char delim)
{
  return c == ' ' || (c == '\t' && delim != '\t');
}

/* Trims blanks in place; returns the start. */
static const char *
trim (const char *s, size_t *n, char delim)
{
  size_t len = strlen (s);

  while (len > 0 && is_blank (*s, delim)) {
    s++;
    len--;
  }
  while (len > 0 && is_blank (s[len - 1], delim))
    len--;
  *n = len;
  return s;
}

static gboolean
is_missing (const char *s, size_t n)
{
  static const char *const spellings[] = { "nan", "na", "n/a", "null", "none" };
  guint i;

  if (n == 0)
    return TRUE;
  for (i = 0; i < G_N_ELEMENTS (spellings); i++)
    if (strlen (spellings[i]) == n && g_ascii_strncasecmp (s, spellings[i],
            n) == 0)
      return TRUE;
  return FALSE;
}

/* Parses a trimmed decimal number of @n bytes at @s (not NUL-terminated at n
 * necessarily). */
static gboolean
parse_number (const char *s, size_t n, float *out)
{
  char tmp[128];
  size_t i = 0, digits = 0;
  double d;
  char *end = NULL;

  if (n == 0 || n >= sizeof (tmp))
    return FALSE;
  if (s[i] == '+' || s[i] == '-')
    i++;
  while (i < n && g_ascii_isdigit (s[i])) {
    i++;
    digits++;
  }
  if (i < n && s[i] == '.') {
    i++;
    while (i < n && g_ascii_isdigit (s[i])) {
      i++;
      digits++;
    }
  }
  if (digits == 0)
    return FALSE;
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    size_t exp_digits = 0;
    i++;
    if (i < n && (s[i] == '+' || s[i] == '-'))
      i++;
    while (i < n && g_ascii_isdigit (s[i])) {
      i++;
      exp_digits++;
    }
    if (exp_digits == 0)
      return FALSE;
  }
  if (i != n)
    return FALSE;

  memcpy (tmp, s, n);
  tmp[n] = '\0';
  errno = 0;
  d = g_ascii_strtod (tmp, &end);
  if (end != tmp + n)
    return FALSE;
  /* A float holds it when it does not round to infinity: everything below
   * the midpoint of FLT_MAX and 2^128 rounds to at most FLT_MAX (so
   * "3.40282347e+38", FLT_MAX printed with 9 digits, is a number). */
  if (!isfinite (d) || fabs (d) >= 0x1.ffffffp127)
    return FALSE;
  *out = (float) d;
  return TRUE;
}

/* Splits the record @rec (@len bytes, no terminator) into r->fields. */
static gboolean
split_record (RncCsvReader *r, const char *rec, size_t len, guint64 line,
    GError **error)
{
  size_t i = 0, k;

  g_string_truncate (r->buf, 0);
  g_array_set_size (r->starts, 0);
  g_ptr_array_set_size (r->fields, 0);
  if (memchr (rec, '\0', len))
    goto nul;

  for (;;) {
    size_t start = r->buf->len, j = i;

    if (r->starts->len >= RNC_CSV_MAX_FIELDS)
      goto too_many;
    g_array_append_val (r->starts, start);
    /* leading blanks before a quote are skipped */
    while (j < len && is_blank (rec[j], r->delim))
      j++;
    if (j < len && rec[j] == '"') {
      i = j + 1;
      for (;;) {
        if (i >= len)
          goto unterminated;
        if (rec[i] == '"') {
          if (i + 1 < len && rec[i + 1] == '"') {
            g_string_append_c (r->buf, '"');
            i += 2;
            continue;
          }
          i++;
          break;
        }
        g_string_append_c (r->buf, rec[i]);
        i++;
      }
      while (i < len && is_blank (rec[i], r->delim))
        i++;
      if (i < len && rec[i] != r->delim)
        goto after_quote;
    } else {
      while (i < len && rec[i] != r->delim) {
        g_string_append_c (r->buf, rec[i]);
        i++;
      }
    }
    g_string_append_c (r->buf, '\0');
    if (i >= len)
      break;
    i++;                        /* the delimiter */
  }

  /* buf no longer grows: take the views */
  for (k = 0; k < r->starts->len; k++)
    g_ptr_array_add (r->fields, r->buf->str + g_array_index (r->starts,
            size_t, k));
  return TRUE;

  /* ERRORS */
unterminated:
  set_line_error (r, error, RNC_CSV_ERROR_SYNTAX, line,
      "unterminated quoted field");
  return FALSE;
after_quote:
  set_line_error (r, error, RNC_CSV_ERROR_SYNTAX, line,
      "unexpected character '%c' after a closing "
      "quote", rec[i]);
  return FALSE;
nul:
  set_line_error (r, error, RNC_CSV_ERROR_SYNTAX, line,
      "a NUL byte: this is not a text file");
  return FALSE;
too_many:
  set_line_error (r, error, RNC_CSV_ERROR_TOO_LONG, line,
      "more than %d fields", RNC_CSV_MAX_FIELDS);
  return FALSE;
}

/* A field is numeric, missing, or text. */
typedef enum { FIELD_NUMBER, FIELD_MISSING, FIELD_TEXT } FieldKind;

static FieldKind
classify (const RncCsvReader *r, const char *field)
{
  size_t n;
  const char *s = trim (field, &n, r->delim);
  float v;

  if (is_missing (s, n))
    return FIELD_MISSING;
  return parse_number (s, n, &v) ? FIELD_NUMBER : FIELD_TEXT;
}

/* ---- reader --------------------------------------------------------------- */

static void
clear_columns (RncCsvReader *r)
{
  r->resolved = FALSE;
  r->width = 0;
  r->max_col = 0;
  g_clear_pointer (&r->cols, g_free);
  g_clear_pointer (&r->names, g_strfreev);
  g_clear_pointer (&r->header, g_strfreev);
  g_clear_pointer (&r->frame, g_free);
  g_clear_pointer (&r->hold, g_free);
  g_clear_pointer (&r->have_hold, g_free);
}

void
rnc_csv_reader_reset (RncCsvReader *r)
{
  g_return_if_fail (r != NULL);
  clear_columns (r);
  g_clear_pointer (&r->first, g_strfreev);
  r->lines = 0;
  r->started = FALSE;
  r->decided = r->header_mode != RNC_CSV_HEADER_AUTO;
  r->have_header = FALSE;
  r->scan_pos = 0;
  r->scan_state = SCAN_FIELD_START;
  r->scan_newlines = 0;
  r->n_dropped = 0;
  r->n_held = 0;
  r->error_line = 0;
  r->resync = FALSE;
}

void
rnc_csv_reader_resync (RncCsvReader *r)
{
  g_return_if_fail (r != NULL);
  rnc_csv_reader_discard_partial (r);
  r->resync = TRUE;
}

RncCsvReader *
rnc_csv_reader_new (const RncCsvOptions *opts, GError **error)
{
  RncCsvReader *r;
  RncCsvOptions defaults;
  char **tokens = NULL;
  guint i;

  if (!opts) {
    rnc_csv_options_init (&defaults);
    opts = &defaults;
  }
  if (!delimiter_ok (opts->delimiter)) {
    g_set_error (error, RNC_CSV_ERROR, RNC_CSV_ERROR_OPTIONS,
        "invalid delimiter 0x%02x", (unsigned) (unsigned char) opts->delimiter);
    return NULL;
  }
  if ((guint) opts->header > RNC_CSV_HEADER_ABSENT
      || (guint) opts->nan > RNC_CSV_NAN_HOLD) {
    g_set_error (error, RNC_CSV_ERROR, RNC_CSV_ERROR_OPTIONS,
        "invalid header mode or NaN policy");
    return NULL;
  }
  if (opts->columns && opts->columns[0] != '\0') {
    tokens = g_strsplit (opts->columns, ",", -1);
    for (i = 0; tokens[i]; i++) {
      g_strstrip (tokens[i]);
      if (tokens[i][0] == '\0') {
        g_set_error (error, RNC_CSV_ERROR, RNC_CSV_ERROR_OPTIONS,
            "empty entry in column list \"%s\"", opts->columns);
        g_strfreev (tokens);
        return NULL;
      }
    }
    if (i > RNC_CSV_MAX_FIELDS) {
      g_set_error (error, RNC_CSV_ERROR, RNC_CSV_ERROR_OPTIONS,
          "more than %d columns chosen", RNC_CSV_MAX_FIELDS);
      g_strfreev (tokens);
      return NULL;
    }
  }

  r = g_new0 (RncCsvReader, 1);
  r->delim = opts->delimiter;
  r->header_mode = opts->header;
  r->nan = opts->nan;
  r->col_tokens = tokens;
  r->buf = g_string_sized_new (256);
  r->starts = g_array_new (FALSE, FALSE, sizeof (size_t));
  r->fields = g_ptr_array_new ();
  rnc_csv_reader_reset (r);
  return r;
}

void
rnc_csv_reader_free (RncCsvReader *r)
{
  if (!r)
    return;
  clear_columns (r);
  g_strfreev (r->first);
  g_strfreev (r->col_tokens);
  g_string_free (r->buf, TRUE);
  g_array_unref (r->starts);
  g_ptr_array_unref (r->fields);
  g_free (r);
}

size_t
rnc_csv_reader_get_width (const RncCsvReader *r)
{
  return r->resolved ? r->width : 0;
}

const char *const *
rnc_csv_reader_get_column_names (const RncCsvReader *r)
{
  return (const char *const *) r->names;
}

gboolean
rnc_csv_reader_has_header (const RncCsvReader *r)
{
  return r->have_header;
}

void
rnc_csv_reader_discard_partial (RncCsvReader *r)
{
  g_return_if_fail (r != NULL);
  r->scan_pos = 0;
  r->scan_state = SCAN_FIELD_START;
  r->scan_newlines = 0;
}

guint64
rnc_csv_reader_get_lines (const RncCsvReader *r)
{
  return r->lines;
}

const size_t *
rnc_csv_reader_get_columns (const RncCsvReader *r)
{
  return r->resolved ? r->cols : NULL;
}

guint64
rnc_csv_reader_get_n_dropped (const RncCsvReader *r)
{
  return r->n_dropped;
}

guint64
rnc_csv_reader_get_n_held (const RncCsvReader *r)
{
  return r->n_held;
}

static void
alloc_columns (RncCsvReader *r, size_t width)
{
  r->width = width;
  r->cols = g_new0 (size_t, width);
  r->frame = g_new0 (float, width);
  r->hold = g_new0 (float, width);
  r->have_hold = g_new0 (gboolean, width);
  r->max_col = 0;
}

static gboolean
parse_index (const char *tok, size_t *index)
{
  guint64 v;

  if (!g_ascii_string_to_unsigned (tok, 10, 0, RNC_CSV_MAX_FIELDS - 1, &v,
          NULL))
    return FALSE;
  *index = (size_t) v;
  return TRUE;
}

/* Chooses columns from the list given; @header may be NULL. */
static gboolean
resolve_listed (RncCsvReader *r, char **header, guint64 line, GError **error)
{
  guint n = g_strv_length (r->col_tokens), i, j;
  guint n_header = header ? g_strv_length (header) : 0;

  alloc_columns (r, n);
  if (header)
    r->names = g_new0 (char *, n + 1);
  for (i = 0; i < n; i++) {
    const char *tok = r->col_tokens[i];
    gboolean found = FALSE;
    size_t index = 0;

    for (j = 0; j < n_header && !found; j++)
      if (strcmp (header[j], tok) == 0) {
        index = j;
        found = TRUE;
      }
    if (!found && parse_index (tok, &index)) {
      if (header && index >= n_header)
        goto index_out_of_range;
      found = TRUE;
    }
    if (!found)
      goto unknown;
    r->cols[i] = index;
    r->max_col = MAX (r->max_col, index);
    if (header)
      r->names[i] = g_strdup (header[index]);
  }
  r->resolved = TRUE;
  return TRUE;

  /* ERRORS */
index_out_of_range:
  set_line_error (r, error, RNC_CSV_ERROR_COLUMN, line,
      "column %s is out of range: the header has "
      "%u fields", r->col_tokens[i], n_header);
  clear_columns (r);
  return FALSE;
unknown:
  if (header) {
    char *list = g_strjoinv (", ", header);
    set_line_error (r, error, RNC_CSV_ERROR_COLUMN, line,
        "no column named \"%s\" (header: %s)", r->col_tokens[i], list);
    g_free (list);
  } else {
    set_line_error (r, error, RNC_CSV_ERROR_COLUMN, line,
        "column \"%s\" is chosen by name but the "
        "input has no header line", r->col_tokens[i]);
  }
  clear_columns (r);
  return FALSE;
}

/* Default choice: the fields of the first data record that are numbers or
 * missing values (text such as a date is left out). */
static gboolean
resolve_numeric (RncCsvReader *r, char **fields, guint n_fields, guint64 line,
    GError **error)
{
  guint i, n = 0;
  size_t k = 0;
  guint n_header = r->header ? g_strv_length (r->header) : 0;

  for (i = 0; i < n_fields; i++)
    if (classify (r, fields[i]) != FIELD_TEXT)
      n++;
  if (n == 0)
    goto none;
  alloc_columns (r, n);
  if (r->header)
    r->names = g_new0 (char *, n + 1);
  for (i = 0; i < n_fields; i++)
    if (classify (r, fields[i]) != FIELD_TEXT) {
      r->cols[k] = i;
      r->max_col = i;
      if (r->header)
        r->names[k] = g_strdup (i < n_header ? r->header[i] : "");
      k++;
    }
  r->resolved = TRUE;
  return TRUE;

  /* ERRORS */
none:
  set_line_error (r, error, RNC_CSV_ERROR_COLUMN, line,
      "no numeric field in the first data line; choose columns by name or "
      "index");
  return FALSE;
}

static gboolean
take_header (RncCsvReader *r, char **fields, guint n, guint64 line,
    GError **error)
{
  guint i;

  r->have_header = TRUE;
  r->header = g_new0 (char *, n + 1);
  for (i = 0; i < n; i++) {
    size_t len;
    const char *s = trim (fields[i], &len, r->delim);
    r->header[i] = g_strndup (s, len);
  }
  if (r->col_tokens)
    return resolve_listed (r, r->header, line, error);
  return TRUE;
}

/* One data record; appends a frame unless it is dropped by the NaN policy. */
static gboolean
take_data (RncCsvReader *r, char **fields, guint n, guint64 line,
    GArray *frames, GError **error)
{
  gboolean drop = FALSE;
  size_t k, held = 0;

  if (!r->resolved) {
    if (r->col_tokens) {
      if (!resolve_listed (r, r->header, line, error))
        return FALSE;
    } else if (!resolve_numeric (r, fields, n, line, error)) {
      return FALSE;
    }
  }
  if (n <= r->max_col)
    goto too_few;

  for (k = 0; k < r->width; k++) {
    size_t len;
    const char *s = trim (fields[r->cols[k]], &len, r->delim);
    float v;

    if (is_missing (s, len)) {
      if (r->nan == RNC_CSV_NAN_ERROR)
        goto missing;
      if (r->nan == RNC_CSV_NAN_HOLD && r->have_hold[k]) {
        r->frame[k] = r->hold[k];
        held++;
      } else {
        drop = TRUE;
      }
    } else if (parse_number (s, len, &v)) {
      r->frame[k] = v;
    } else {
      goto not_a_number;
    }
  }
  /* every value of the record is valid or held: remember them */
  for (k = 0; k < r->width; k++) {
    size_t len;
    const char *s = trim (fields[r->cols[k]], &len, r->delim);
    if (!is_missing (s, len)) {
      r->hold[k] = r->frame[k];
      r->have_hold[k] = TRUE;
    }
  }
  if (drop) {
    r->n_dropped++;
  } else {
    r->n_held += held;
    g_array_append_vals (frames, r->frame, r->width);
  }
  return TRUE;

  /* ERRORS */
too_few:
  set_line_error (r, error, RNC_CSV_ERROR_FIELDS, line,
      "%u field%s, but column %zu is chosen", n, n == 1 ? "" : "s", r->max_col);
  return FALSE;
missing:
  if (r->names)
    set_line_error (r, error, RNC_CSV_ERROR_MISSING, line,
        "missing value in column \"%s\" "
        "(nan=error)", r->names[k]);
  else
    set_line_error (r, error, RNC_CSV_ERROR_MISSING, line,
        "missing value in column %zu (nan=error)", r->cols[k]);
  return FALSE;
not_a_number:
  {
    size_t len;
    const char *s = trim (fields[r->cols[k]], &len, r->delim);
    char *shown = g_strndup (s, MIN (len, 40));
    if (r->names)
      set_line_error (r, error, RNC_CSV_ERROR_NUMBER, line,
          "\"%s\" in column \"%s\" is not a number", shown, r->names[k]);
    else
      set_line_error (r, error, RNC_CSV_ERROR_NUMBER, line,
          "\"%s\" in column %zu is not a number", shown, r->cols[k]);
    g_free (shown);
    return FALSE;
  }
}

/* Auto mode: decides from the held first record and the second one. */
static gboolean
looks_like_header (const RncCsvReader *r, char **first, char **second)
{
  guint i, n1 = g_strv_length (first), n2 = second ? g_strv_length (second) : 0;

  if (!second) {
    for (i = 0; i < n1; i++)
      if (classify (r, first[i]) == FIELD_NUMBER)
        return FALSE;
    return TRUE;
  }
  for (i = 0; i < MIN (n1, n2); i++)
    if (classify (r, first[i]) == FIELD_TEXT
        && classify (r, second[i]) == FIELD_NUMBER)
      return TRUE;
  return FALSE;
}

/* Handles one non-empty record already split into r->fields. */
static gboolean
take_record (RncCsvReader *r, guint64 line, GArray *frames, GError **error)
{
  char **fields = (char **) r->fields->pdata;
  guint n = r->fields->len;

  if (!r->started) {
    r->started = TRUE;
    if (r->header_mode == RNC_CSV_HEADER_AUTO) {
      /* hold it back until the next record tells */
      guint i;
      r->first = g_new0 (char *, n + 1);
      for (i = 0; i < n; i++)
        r->first[i] = g_strdup (fields[i]);
      r->first_line = line;
      return TRUE;
    }
    if (r->header_mode == RNC_CSV_HEADER_PRESENT) {
      r->decided = TRUE;
      return take_header (r, fields, n, line, error);
    }
  }

  if (!r->decided) {
    /* second record in auto mode: decide about the first */
    char **first = r->first;
    gboolean header;
    char **second = g_new0 (char *, n + 1);
    gboolean ok;

    memcpy (second, fields, n * sizeof (char *));
    header = looks_like_header (r, first, second);
    g_free (second);
    r->first = NULL;
    r->decided = TRUE;
    if (header)
      ok = take_header (r, first, g_strv_length (first), r->first_line, error);
    else
      ok = take_data (r, first, g_strv_length (first), r->first_line, frames,
          error);
    g_strfreev (first);
    if (!ok)
      return FALSE;
  }
  return take_data (r, fields, n, line, frames, error);
}

/* At the end of the input, a record held back is decided alone. */
static gboolean
finish (RncCsvReader *r, GArray *frames, GError **error)
{
  char **first = r->first;
  gboolean ok;

  if (r->decided || !first)
    return TRUE;
  r->first = NULL;
  r->decided = TRUE;
  if (looks_like_header (r, first, NULL))
    ok = take_header (r, first, g_strv_length (first), r->first_line, error);
  else
    ok = take_data (r, first, g_strv_length (first), r->first_line, frames,
        error);
  g_strfreev (first);
  return ok;
}

static gboolean
is_blank_record (const char *rec, size_t len)
{
  size_t i;

  for (i = 0; i < len; i++)
    if (rec[i] != ' ' && rec[i] != '\t' && rec[i] != '\r')
      return FALSE;
  return TRUE;
}

gboolean
rnc_csv_reader_feed (RncCsvReader *r, const char *data, size_t len,
    gboolean at_eof, size_t *consumed, GArray *frames, GError **error)
{
  size_t start = 0;

  g_return_val_if_fail (r != NULL && consumed != NULL && frames != NULL,
      FALSE);
  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (g_array_get_element_size (frames) == sizeof (float),
      FALSE);

  *consumed = 0;
  if (G_UNLIKELY (r->resync)) {
    /* the rest of the line the input resumed in is not a record */
    const char *lf = len ? memchr (data, '\n', len) : NULL;
    size_t skip, rest = 0;
    gboolean ok;

    if (!lf) {
      *consumed = len;
      if (at_eof)
        r->resync = FALSE;
      return TRUE;
    }
    skip = (size_t) (lf - data) + 1;
    r->resync = FALSE;
    r->lines++;
    ok = rnc_csv_reader_feed (r, data + skip, len - skip, at_eof, &rest,
        frames, error);
    *consumed = skip + rest;
    return ok;
  }
  while (start < len) {
    /* resume the scan of a record left incomplete by the previous call */
    size_t i = start + r->scan_pos;
    ScanState st = (ScanState) r->scan_state;
    gboolean complete = FALSE;
    guint newlines = r->scan_newlines;
    size_t rec_len, next;
    const char *rec;
    guint64 line;

    for (; i < len && !complete; i++) {
      char c = data[i];
      switch (st) {
        case SCAN_FIELD_START:
          if (c == '"')
            st = SCAN_QUOTED;
          else if (c == '\n')
            complete = TRUE;
          else if (c != r->delim && !is_blank (c, r->delim))
            st = SCAN_UNQUOTED;
          break;
        case SCAN_UNQUOTED:
          if (c == r->delim)
            st = SCAN_FIELD_START;
          else if (c == '\n')
            complete = TRUE;
          break;
        case SCAN_QUOTED:
          if (c == '"')
            st = SCAN_QUOTE_IN_QUOTED;
          else if (c == '\n')
            newlines++;
          break;
        case SCAN_QUOTE_IN_QUOTED:
          if (c == '"')
            st = SCAN_QUOTED;
          else if (c == r->delim)
            st = SCAN_FIELD_START;
          else if (c == '\n')
            complete = TRUE;
          else
            st = SCAN_UNQUOTED;   /* split_record reports it */
          break;
      }
    }
    if (complete)
      i--;                      /* i is the LF */
    if (!complete) {
      if (i - start > RNC_CSV_MAX_RECORD)
        goto too_long;
      if (!at_eof) {
        r->scan_pos = i - start;
        r->scan_state = st;
        r->scan_newlines = newlines;
        break;
      }
    }
    if (i - start > RNC_CSV_MAX_RECORD)
      goto too_long;

    rec = data + start;
    rec_len = i - start;
    next = complete ? i + 1 : len;
    line = r->lines + 1;
    r->scan_pos = 0;
    r->scan_state = SCAN_FIELD_START;
    r->scan_newlines = 0;

    if (rec_len > 0 && rec[rec_len - 1] == '\r')
      rec_len--;
    if (!r->started && r->lines == 0 && rec_len >= 3
        && memcmp (rec, "\xEF\xBB\xBF", 3) == 0) {
      rec += 3;
      rec_len -= 3;
    }
    if (!is_blank_record (rec, rec_len)) {
      if (!split_record (r, rec, rec_len, line, error))
        return FALSE;
      if (!take_record (r, line, frames, error))
        return FALSE;
    }
    r->lines += 1 + newlines;
    start = next;
    *consumed = start;
  }

  if (at_eof)
    return finish (r, frames, error);
  return TRUE;

  /* ERRORS */
too_long:
  set_line_error (r, error, RNC_CSV_ERROR_TOO_LONG, r->lines + 1,
      "record longer than %u bytes", RNC_CSV_MAX_RECORD);
  return FALSE;
}

/* ---- whole texts ---------------------------------------------------------- */

void
rnc_csv_table_clear (RncCsvTable *t)
{
  if (!t)
    return;
  g_free (t->values);
  g_strfreev (t->names);
  g_free (t->columns);
  memset (t, 0, sizeof (*t));
}

/* Most floats a table holds (a GArray counts in guint). */
#define MAX_TABLE_VALUES ((size_t) G_MAXINT32)

/* Rewrites @error (from @r, or NULL for one without a reader) as
 * "NAME:LINE: reason" or "NAME: reason". */
static void
name_error (const RncCsvReader *r, const char *name, GError **error)
{
  if (!error || !*error || !name)
    return;
  if (r && r->error_line > 0) {
    char *prefix = g_strdup_printf ("line %" G_GUINT64_FORMAT ": ",
        r->error_line);
    if (g_str_has_prefix ((*error)->message, prefix)) {
      char *msg = g_strdup_printf ("%s:%" G_GUINT64_FORMAT ": %s", name,
          r->error_line, (*error)->message + strlen (prefix));
      g_free ((*error)->message);
      (*error)->message = msg;
      g_free (prefix);
      return;
    }
    g_free (prefix);
  }
  g_prefix_error (error, "%s: ", name);
}

/* Feeds @len bytes (the rest of the input kept by the caller in @pending)
 * and moves what the reader took into @frames. */
static gboolean
feed_pending (RncCsvReader *r, GByteArray *pending, gboolean at_eof,
    GArray *frames, GError **error)
{
  size_t consumed = 0;

  if (!rnc_csv_reader_feed (r, (const char *) pending->data, pending->len,
          at_eof, &consumed, frames, error))
    return FALSE;
  g_byte_array_remove_range (pending, 0, (guint) consumed);
  if (frames->len > MAX_TABLE_VALUES) {
    g_set_error (error, RNC_CSV_ERROR, RNC_CSV_ERROR_TOO_LONG,
        "more than %zu values", MAX_TABLE_VALUES);
    return FALSE;
  }
  return TRUE;
}

/* The reader's result after the last feed. */
static gboolean
finish_table (RncCsvReader *r, GArray *frames, RncCsvTable *t,
    GError **error)
{
  size_t w = rnc_csv_reader_get_width (r);
  const char *const *names = rnc_csv_reader_get_column_names (r);

  if (w == 0 || frames->len == 0) {
    g_set_error (error, RNC_CSV_ERROR, RNC_CSV_ERROR_COLUMN,
        "no data line");
    return FALSE;
  }
  t->width = w;
  t->n_rows = frames->len / w;
  t->values = (float *) g_array_steal (frames, NULL);
  t->names = names ? g_strdupv ((char **) names) : NULL;
  t->columns = g_memdup2 (rnc_csv_reader_get_columns (r), w * sizeof (size_t));
  t->n_dropped = rnc_csv_reader_get_n_dropped (r);
  t->n_held = rnc_csv_reader_get_n_held (r);
  return TRUE;
}

gboolean
rnc_csv_parse_data (const char *data, size_t len, const RncCsvOptions *opts,
    const char *name, RncCsvTable *table, GError **error)
{
  g_autoptr (RncCsvReader) r = NULL;
  g_autoptr (GArray) frames = NULL;
  size_t consumed = 0;

  g_return_val_if_fail (table != NULL, FALSE);
  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  memset (table, 0, sizeof (*table));

  r = rnc_csv_reader_new (opts, error);
  if (!r)
    goto failed;
  frames = g_array_new (FALSE, FALSE, sizeof (float));
  if (!rnc_csv_reader_feed (r, data, len, TRUE, &consumed, frames, error)
      || !finish_table (r, frames, table, error))
    goto failed;
  return TRUE;

failed:
  name_error (r, name, error);
  return FALSE;
}

gboolean
rnc_csv_read_file (const char *path, const RncCsvOptions *opts,
    RncCsvTable *table, GError **error)
{
  g_autoptr (RncCsvReader) r = NULL;
  g_autoptr (GArray) frames = NULL;
  g_autoptr (GByteArray) pending = NULL;
  g_autofree guint8 *chunk = NULL;
  FILE *f;
  gboolean fed = TRUE, eof = FALSE;

  g_return_val_if_fail (path != NULL && table != NULL, FALSE);
  memset (table, 0, sizeof (*table));

  r = rnc_csv_reader_new (opts, error);
  if (!r)
    goto failed;
  f = fopen (path, "rb");
  if (!f) {
    int e = errno;
    g_set_error (error, RNC_CSV_ERROR, RNC_CSV_ERROR_IO, "%s: %s", path,
        g_strerror (e));
    return FALSE;
  }
  frames = g_array_new (FALSE, FALSE, sizeof (float));
  pending = g_byte_array_new ();
  chunk = g_malloc (65536);
  while (!eof) {
    size_t n = fread (chunk, 1, 65536, f);
    if (n < 65536) {
      if (ferror (f)) {
        int e = errno;
        g_set_error (error, RNC_CSV_ERROR, RNC_CSV_ERROR_IO, "%s: %s", path,
            g_strerror (e));
        fclose (f);
        return FALSE;
      }
      eof = TRUE;
    }
    g_byte_array_append (pending, chunk, (guint) n);
    fed = feed_pending (r, pending, eof, frames, error);
    if (!fed)
      break;
  }
  fclose (f);
  if (fed && finish_table (r, frames, table, error))
    return TRUE;

failed:
  name_error (r, path, error);
  return FALSE;
}

/* ---- formatting ----------------------------------------------------------- */

static void
append_float (GString *out, float v, int precision)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  char fmt[8];

  if (isnan (v)) {
    g_string_append (out, "nan");
    return;
  }
  if (isinf (v)) {
    g_string_append (out, v > 0 ? "inf" : "-inf");
    return;
  }
  g_snprintf (fmt, sizeof (fmt), "%%.%dg", precision);
  g_ascii_formatd (buf, sizeof (buf), fmt, (double) v);
  g_string_append (out, buf);
}

void
rnc_csv_format_floats (GString *out, const float *values, size_t n_rows,
    size_t width, int precision, char delimiter)
{
  size_t r, i;

  g_return_if_fail (out != NULL && (values != NULL || n_rows * width == 0));
  precision = CLAMP (precision, 1, 9);
  for (r = 0; r < n_rows; r++) {
    for (i = 0; i < width; i++) {
      if (i)
        g_string_append_c (out, delimiter);
      append_float (out, values[r * width + i], precision);
    }
    g_string_append_c (out, '\n');
  }
}

void
rnc_csv_format_ints (GString *out, const gint32 *values, size_t n_rows,
    size_t width, char delimiter)
{
  size_t r, i;

  g_return_if_fail (out != NULL && (values != NULL || n_rows * width == 0));
  for (r = 0; r < n_rows; r++) {
    for (i = 0; i < width; i++) {
      if (i)
        g_string_append_c (out, delimiter);
      g_string_append_printf (out, "%" G_GINT32_FORMAT, values[r * width + i]);
    }
    g_string_append_c (out, '\n');
  }
}

void
rnc_csv_format_header (GString *out, const char *const *names, size_t n,
    char delimiter)
{
  size_t i;

  g_return_if_fail (out != NULL && (names != NULL || n == 0));
  for (i = 0; i < n; i++) {
    const char *s = names[i] ? names[i] : "";
    size_t len = strlen (s);
    gboolean quote = strchr (s, delimiter) || strchr (s, '"')
        || strchr (s, '\n') || strchr (s, '\r')
        || (len > 0 && (s[0] == ' ' || s[len - 1] == ' '));

    if (i)
      g_string_append_c (out, delimiter);
    if (quote) {
      g_string_append_c (out, '"');
      for (; *s; s++) {
        if (*s == '"')
          g_string_append_c (out, '"');
        g_string_append_c (out, *s);
      }
      g_string_append_c (out, '"');
    } else {
      g_string_append (out, s);
    }
  }
  g_string_append_c (out, '\n');
}
