/* rnc-train: CSV and CoNLL readers. */
#include "rnc-train-data.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

G_DEFINE_QUARK (rnc-data-error-quark, rnc_data_error)

static gboolean
read_file (const char *path, char **data, gsize *size, GError **error)
{
  GError *err = NULL;

  if (!g_file_get_contents (path, data, size, &err)) {
    g_set_error (error, RNC_DATA_ERROR, RNC_DATA_ERROR_IO, "%s", err->message);
    g_error_free (err);
    return FALSE;
  }
  if (*size > RNC_DATA_MAX_FILE_BYTES) {
    g_set_error (error, RNC_DATA_ERROR, RNC_DATA_ERROR_IO,
        "%s: %" G_GSIZE_FORMAT " bytes, more than the %" G_GSIZE_FORMAT
        " this tool reads", path, *size, (gsize) RNC_DATA_MAX_FILE_BYTES);
    g_free (*data);
    *data = NULL;
    return FALSE;
  }
  return TRUE;
}

/* Iterates lines: returns the next line (without '\n' and one '\r'),
 * NUL-terminated in place, or NULL at the end. */
typedef struct {
  char *p, *end;
  size_t line;                  /* 1-based number of the line returned */
} Lines;

static char *
next_line (Lines *it)
{
  char *start, *nl;

  if (it->p >= it->end)
    return NULL;
  start = it->p;
  nl = memchr (start, '\n', (size_t) (it->end - start));
  if (nl) {
    *nl = '\0';
    it->p = nl + 1;
  } else {
    it->p = it->end;            /* the buffer is NUL-terminated at end */
    nl = it->end;
  }
  if (nl > start && nl[-1] == '\r')
    nl[-1] = '\0';
  it->line++;
  return start;
}

static gboolean
is_blank (const char *s)
{
  for (; *s; s++)
    if (!g_ascii_isspace (*s))
      return FALSE;
  return TRUE;
}

/* ---- CSV ---------------------------------------------------------------- */

/* Splits @line into fields (unquoted in place) appended to @fields. FALSE on
 * an unterminated quote. */
static gboolean
split_fields (char *line, char delim, GPtrArray *fields)
{
  char *p = line;

  g_ptr_array_set_size (fields, 0);
  for (;;) {
    char *out = p, *field = p;
    if (*p == '"') {
      p++;
      for (;;) {
        if (*p == '\0')
          return FALSE;
        if (*p == '"') {
          if (p[1] == '"') {
            *out++ = '"';
            p += 2;
            continue;
          }
          p++;
          break;
        }
        *out++ = *p++;
      }
      /* anything between the closing quote and the delimiter is kept */
      while (*p && *p != delim)
        *out++ = *p++;
    } else {
      while (*p && *p != delim)
        p++;
      out = p;
    }
    g_ptr_array_add (fields, field);
    if (*p == '\0') {
      *out = '\0';
      return TRUE;
    }
    p++;
    *out = '\0';
  }
}

/* A finite number filling the whole field (surrounding spaces allowed). */
static gboolean
parse_number (const char *s, double *v)
{
  char *end;
  double d;

  while (g_ascii_isspace (*s))
    s++;
  if (*s == '\0')
    return FALSE;
  d = g_ascii_strtod (s, &end);
  if (end == s)
    return FALSE;
  while (g_ascii_isspace (*end))
    end++;
  if (*end != '\0' || !isfinite (d))
    return FALSE;
  *v = d;
  return TRUE;
}

static gboolean
field_is_number (const char *s)
{
  double v;

  return parse_number (s, &v);
}

void
rnc_csv_table_clear (RncCsvTable *t)
{
  g_free (t->values);
  g_strfreev (t->names);
  g_free (t->indices);
  memset (t, 0, sizeof (*t));
}

/* Resolves the column spec against the first line's fields. */
static gboolean
select_columns (const char *path, const char *spec, GPtrArray *head,
    gboolean has_header, GPtrArray *first_data, size_t first_line,
    GArray *cols, GError **error)
{
  size_t i;

  if (!spec || !*spec) {
    for (i = 0; i < first_data->len; i++)
      if (field_is_number (g_ptr_array_index (first_data, i)))
        g_array_append_val (cols, i);
    if (cols->len == 0)
      goto no_numeric;
    return TRUE;
  } else {
    g_auto (GStrv) items = g_strsplit (spec, ",", -1);
    for (i = 0; items[i]; i++) {
      char *it = g_strstrip (items[i]);
      guint64 idx;
      size_t k;
      gboolean found = FALSE;
      if (*it == '\0')
        continue;
      if (has_header)
        for (k = 0; k < head->len && !found; k++)
          if (strcmp (g_strstrip ((char *) g_ptr_array_index (head, k)), it)
              == 0) {
            g_array_append_val (cols, k);
            found = TRUE;
          }
      if (!found && g_ascii_string_to_unsigned (it, 10, 0, G_MAXUINT32, &idx,
              NULL)) {
        if (idx >= first_data->len) {
          g_set_error (error, RNC_DATA_ERROR, RNC_DATA_ERROR_COLUMN,
              "%s:%zu: column %s does not exist (the line has %u fields)",
              path, first_line, it, first_data->len);
          return FALSE;
        }
        k = (size_t) idx;
        g_array_append_val (cols, k);
        found = TRUE;
      }
      if (!found) {
        g_set_error (error, RNC_DATA_ERROR, RNC_DATA_ERROR_COLUMN,
            "%s: no column named '%s'%s", path, it, has_header ? "" :
            " (the file has no header line; use 0-based indices)");
        return FALSE;
      }
    }
    if (cols->len == 0)
      goto no_numeric;
    return TRUE;
  }

  /* ERRORS */
no_numeric:
  g_set_error (error, RNC_DATA_ERROR, RNC_DATA_ERROR_COLUMN,
      "%s:%zu: no numeric column to use", path, first_line);
  return FALSE;
}

gboolean
rnc_csv_read (const char *path, const char *columns, char delimiter,
    RncCsvHeader header, RncCsvNan nan, RncCsvTable *table, GError **error)
{
  g_autofree char *data = NULL;
  g_autoptr (GPtrArray) lines = g_ptr_array_new ();      /* char*, in data */
  g_autoptr (GArray) numbers = g_array_new (FALSE, FALSE, sizeof (size_t));
  g_autoptr (GPtrArray) f0 = g_ptr_array_new ();
  g_autoptr (GPtrArray) f1 = g_ptr_array_new ();
  g_autoptr (GPtrArray) fields = g_ptr_array_new ();
  g_autoptr (GArray) cols = g_array_new (FALSE, FALSE, sizeof (size_t));
  g_autoptr (GArray) vals = g_array_new (FALSE, FALSE, sizeof (float));
  g_autofree char *line0 = NULL, *line1 = NULL;
  g_autofree double *prev = NULL;
  g_autofree gboolean *have_prev = NULL;
  gsize size;
  Lines it;
  char *line;
  size_t l0 = 0, l1 = 0, lno = 0, n_fields, i, D, r, n_rows = 0;
  gboolean has_header = FALSE;

  memset (table, 0, sizeof (*table));
  if (!read_file (path, &data, &size, error))
    return FALSE;
  if (memchr (data, '\0', size))
    goto binary;

  it.p = data;
  it.end = data + size;
  it.line = 0;
  while ((line = next_line (&it)))
    if (!is_blank (line)) {
      g_ptr_array_add (lines, line);
      g_array_append_val (numbers, it.line);
    }
  if (lines->len == 0)
    goto empty;

  /* the first two lines decide the header and the columns (split copies:
   * splitting unquotes in place) */
  line0 = g_strdup (g_ptr_array_index (lines, 0));
  l0 = g_array_index (numbers, size_t, 0);
  if (!split_fields (line0, delimiter, f0)) {
    lno = l0;
    goto bad_quote;
  }
  if (lines->len > 1) {
    line1 = g_strdup (g_ptr_array_index (lines, 1));
    l1 = g_array_index (numbers, size_t, 1);
    if (!split_fields (line1, delimiter, f1)) {
      lno = l1;
      goto bad_quote;
    }
  }
  if (header == RNC_CSV_HEADER_TRUE) {
    has_header = TRUE;
  } else if (header == RNC_CSV_HEADER_AUTO) {
    for (i = 0; i < MIN (f0->len, f1->len) && !has_header; i++)
      if (!field_is_number (g_ptr_array_index (f0, i))
          && field_is_number (g_ptr_array_index (f1, i)))
        has_header = TRUE;
  }
  if (has_header && !line1)
    goto empty;
  if (!select_columns (path, columns, f0, has_header, has_header ? f1 : f0,
          has_header ? l1 : l0, cols, error))
    return FALSE;
  n_fields = has_header ? f1->len : f0->len;
  D = cols->len;

  table->n_cols = D;
  table->names = g_new0 (char *, D + 1);
  table->indices = g_new (size_t, D);
  for (i = 0; i < D; i++) {
    size_t k = g_array_index (cols, size_t, i);
    table->indices[i] = k;
    table->names[i] = has_header && k < f0->len ?
        g_strstrip (g_strdup (g_ptr_array_index (f0, k))) :
        g_strdup_printf ("column %zu", k);
  }

  prev = g_new0 (double, D);
  have_prev = g_new0 (gboolean, D);
  for (r = has_header ? 1 : 0; r < lines->len; r++) {
    gboolean drop = FALSE;
    lno = g_array_index (numbers, size_t, r);
    if (!split_fields (g_ptr_array_index (lines, r), delimiter, fields))
      goto bad_quote;
    if (fields->len != n_fields)
      goto bad_count;
    for (i = 0; i < D; i++) {
      const char *s = g_ptr_array_index (fields, table->indices[i]);
      double v;
      if (!parse_number (s, &v)) {
        if (nan == RNC_CSV_NAN_ERROR
            || (nan == RNC_CSV_NAN_HOLD && !have_prev[i])) {
          g_set_error (error, RNC_DATA_ERROR, RNC_DATA_ERROR_VALUE,
              "%s:%zu: column '%s': '%s' is not a number%s", path, lno,
              table->names[i], g_strstrip ((char *) s),
              nan == RNC_CSV_NAN_HOLD ? " (and there is no earlier value to"
              " hold)" : " (see --nan)");
          goto failed;
        }
        if (nan == RNC_CSV_NAN_SKIP) {
          drop = TRUE;
          break;
        }
        v = prev[i];
        table->n_skipped++;
      } else if (!isfinite ((float) v)) {
        g_set_error (error, RNC_DATA_ERROR, RNC_DATA_ERROR_VALUE,
            "%s:%zu: column '%s': %s does not fit a 32-bit float", path, lno,
            table->names[i], g_strstrip ((char *) s));
        goto failed;
      }
      prev[i] = v;
      have_prev[i] = TRUE;
    }
    if (drop) {
      table->n_skipped++;
      continue;
    }
    for (i = 0; i < D; i++) {
      float f = (float) prev[i];
      g_array_append_val (vals, f);
    }
    n_rows++;
  }
  if (n_rows == 0)
    goto empty;
  table->n_rows = n_rows;
  table->values = (float *) g_array_free (g_steal_pointer (&vals), FALSE);
  return TRUE;

  /* ERRORS */
binary:
  g_set_error (error, RNC_DATA_ERROR, RNC_DATA_ERROR_PARSE,
      "%s: has NUL bytes, not a CSV text file", path);
  return FALSE;
empty:
  g_set_error (error, RNC_DATA_ERROR, RNC_DATA_ERROR_EMPTY,
      "%s: no data rows", path);
  goto failed;
bad_quote:
  g_set_error (error, RNC_DATA_ERROR, RNC_DATA_ERROR_PARSE,
      "%s:%zu: unterminated quoted field", path, lno);
  goto failed;
bad_count:
  g_set_error (error, RNC_DATA_ERROR, RNC_DATA_ERROR_PARSE,
      "%s:%zu: %u fields, the first data line has %zu", path, lno,
      fields->len, n_fields);
  goto failed;
failed:
  rnc_csv_table_clear (table);
  return FALSE;
}

/* ---- CoNLL -------------------------------------------------------------- */

void
rnc_conll_clear (RncConll *c)
{
  if (c->words)
    g_ptr_array_unref (c->words);
  if (c->tags)
    g_ptr_array_unref (c->tags);
  if (c->offsets)
    g_array_unref (c->offsets);
  memset (c, 0, sizeof (*c));
}

size_t
rnc_conll_get_n_sentences (const RncConll *c)
{
  return c->offsets ? c->offsets->len - 1 : 0;
}

gboolean
rnc_conll_read (const char *path, RncConll *c, GError **error)
{
  g_autofree char *data = NULL;
  gsize size;
  Lines it;
  char *line;
  size_t start = 0, zero = 0, n;

  memset (c, 0, sizeof (*c));
  if (!read_file (path, &data, &size, error))
    return FALSE;
  if (memchr (data, '\0', size))
    goto binary;
  c->words = g_ptr_array_new_with_free_func (g_free);
  c->tags = g_ptr_array_new_with_free_func (g_free);
  c->offsets = g_array_new (FALSE, FALSE, sizeof (size_t));
  g_array_append_val (c->offsets, zero);

  it.p = data;
  it.end = data + size;
  it.line = 0;
  while ((line = next_line (&it))) {
    char *tab, *tag;
    if (is_blank (line)) {
      n = c->words->len;
      if (n > start) {
        g_array_append_val (c->offsets, n);
        start = n;
      }
      continue;
    }
    if (!g_utf8_validate (line, -1, NULL))
      goto bad_utf8;
    tab = strchr (line, '\t');
    if (!tab || strchr (tab + 1, '\t'))
      goto bad_columns;
    *tab = '\0';
    tag = tab + 1;
    if (*line == '\0' || is_blank (tag))
      goto bad_empty;
    g_ptr_array_add (c->words, g_strdup (line));
    g_ptr_array_add (c->tags, g_strdup (g_strstrip (tag)));
    if (c->words->len - start > RNC_CONLL_MAX_SENTENCE)
      goto too_long;
  }
  n = c->words->len;
  if (n > start)
    g_array_append_val (c->offsets, n);
  if (n == 0)
    goto empty;
  for (n = 0; n + 1 < c->offsets->len; n++)
    c->max_len = MAX (c->max_len, g_array_index (c->offsets, size_t, n + 1)
        - g_array_index (c->offsets, size_t, n));
  return TRUE;

  /* ERRORS */
binary:
  g_set_error (error, RNC_DATA_ERROR, RNC_DATA_ERROR_PARSE,
      "%s: has NUL bytes, not a CoNLL text file", path);
  return FALSE;
bad_utf8:
  g_set_error (error, RNC_DATA_ERROR, RNC_DATA_ERROR_PARSE,
      "%s:%zu: not valid UTF-8", path, it.line);
  goto failed;
bad_columns:
  g_set_error (error, RNC_DATA_ERROR, RNC_DATA_ERROR_PARSE,
      "%s:%zu: expected 'word<TAB>tag' (two columns separated by one tab)",
      path, it.line);
  goto failed;
bad_empty:
  g_set_error (error, RNC_DATA_ERROR, RNC_DATA_ERROR_PARSE,
      "%s:%zu: empty word or tag", path, it.line);
  goto failed;
too_long:
  g_set_error (error, RNC_DATA_ERROR, RNC_DATA_ERROR_PARSE,
      "%s:%zu: the sentence has more than %d tokens (missing blank line?)",
      path, it.line, RNC_CONLL_MAX_SENTENCE);
  goto failed;
empty:
  g_set_error (error, RNC_DATA_ERROR, RNC_DATA_ERROR_EMPTY,
      "%s: no tagged tokens", path);
  goto failed;
failed:
  rnc_conll_clear (c);
  return FALSE;
}
