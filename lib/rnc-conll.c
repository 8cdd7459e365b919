/* librnc: CoNLL two-column tagged text (see rnc-conll.h). */
#include "rnc-conll.h"

#include <string.h>

G_DEFINE_QUARK (rnc-conll-error-quark, rnc_conll_error)

void
rnc_conll_clear (RncConll *c)
{
  if (!c)
    return;
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
  g_return_val_if_fail (c != NULL, 0);
  return c->offsets ? c->offsets->len - 1 : 0;
}

static gboolean
is_space (char ch)
{
  return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' || ch == '\f'
      || ch == '\v';
}

static gboolean
is_blank (const char *s, size_t n)
{
  size_t i;

  for (i = 0; i < n; i++)
    if (!is_space (s[i]))
      return FALSE;
  return TRUE;
}

/* Ends the sentence in progress, if any. */
static void
close_sentence (RncConll *c, size_t *start)
{
  size_t n = c->words->len;

  if (n > *start) {
    g_array_append_val (c->offsets, n);
    c->max_len = MAX (c->max_len, n - *start);
    *start = n;
  }
}

gboolean
rnc_conll_parse_data (const char *data, size_t len, const char *name,
    RncConll *c, GError **error)
{
  const char *p = data, *end = data + len, *nul;
  size_t start = 0, zero = 0, line = 0;

  g_return_val_if_fail (c != NULL && (data != NULL || len == 0), FALSE);
  memset (c, 0, sizeof (*c));
  if (!name)
    name = "(data)";
  nul = len ? memchr (data, '\0', len) : NULL;
  c->words = g_ptr_array_new_with_free_func (g_free);
  c->tags = g_ptr_array_new_with_free_func (g_free);
  c->offsets = g_array_new (FALSE, FALSE, sizeof (size_t));
  g_array_append_val (c->offsets, zero);

  while (p < end) {
    const char *nl = memchr (p, '\n', (size_t) (end - p));
    const char *stop = nl ? nl : end, *tab, *tag;
    size_t n = (size_t) (stop - p), tag_len;

    line++;
    if (n > 0 && p[n - 1] == '\r')
      n--;
    if (nul && nul < stop)
      goto has_nul;
    if (is_blank (p, n)) {
      close_sentence (c, &start);
      p = nl ? nl + 1 : end;
      continue;
    }
    if (!g_utf8_validate_len (p, n, NULL))
      goto bad_utf8;
    tab = memchr (p, '\t', n);
    if (!tab || memchr (tab + 1, '\t', n - (size_t) (tab + 1 - p)))
      goto bad_columns;
    tag = tab + 1;
    tag_len = n - (size_t) (tag - p);
    while (tag_len > 0 && is_space (*tag)) {
      tag++;
      tag_len--;
    }
    while (tag_len > 0 && is_space (tag[tag_len - 1]))
      tag_len--;
    if (tab == p || tag_len == 0)
      goto bad_empty;
    if (c->words->len - start >= RNC_CONLL_MAX_SENTENCE)
      goto too_long;
    g_ptr_array_add (c->words, g_strndup (p, (size_t) (tab - p)));
    g_ptr_array_add (c->tags, g_strndup (tag, tag_len));
    p = nl ? nl + 1 : end;
  }
  close_sentence (c, &start);
  if (c->words->len == 0)
    goto empty;
  return TRUE;

  /* ERRORS */
has_nul:
  g_set_error (error, RNC_CONLL_ERROR, RNC_CONLL_ERROR_PARSE,
      "%s:%zu: a NUL byte: this is not a text file", name, line);
  goto failed;
bad_utf8:
  g_set_error (error, RNC_CONLL_ERROR, RNC_CONLL_ERROR_PARSE,
      "%s:%zu: not valid UTF-8", name, line);
  goto failed;
bad_columns:
  g_set_error (error, RNC_CONLL_ERROR, RNC_CONLL_ERROR_PARSE,
      "%s:%zu: expected 'word<TAB>tag' (two columns separated by one tab)",
      name, line);
  goto failed;
bad_empty:
  g_set_error (error, RNC_CONLL_ERROR, RNC_CONLL_ERROR_PARSE,
      "%s:%zu: empty word or tag", name, line);
  goto failed;
too_long:
  g_set_error (error, RNC_CONLL_ERROR, RNC_CONLL_ERROR_PARSE,
      "%s:%zu: the sentence has more than %d tokens (missing blank line?)",
      name, line, RNC_CONLL_MAX_SENTENCE);
  goto failed;
empty:
  g_set_error (error, RNC_CONLL_ERROR, RNC_CONLL_ERROR_EMPTY,
      "%s: no tagged tokens", name);
  goto failed;
failed:
  rnc_conll_clear (c);
  return FALSE;
}

gboolean
rnc_conll_read (const char *path, RncConll *c, GError **error)
{
  g_autofree char *data = NULL;
  GError *io = NULL;
  gsize size = 0;

  g_return_val_if_fail (path != NULL && c != NULL, FALSE);
  memset (c, 0, sizeof (*c));
  if (!g_file_get_contents (path, &data, &size, &io)) {
    g_set_error (error, RNC_CONLL_ERROR, RNC_CONLL_ERROR_IO, "%s",
        io->message);
    g_error_free (io);
    return FALSE;
  }
  if (size > RNC_CONLL_MAX_FILE_BYTES) {
    g_set_error (error, RNC_CONLL_ERROR, RNC_CONLL_ERROR_IO,
        "%s: %" G_GSIZE_FORMAT " bytes, more than the %" G_GSIZE_FORMAT
        " read", path, size, (gsize) RNC_CONLL_MAX_FILE_BYTES);
    return FALSE;
  }
  return rnc_conll_parse_data (data, size, path, c, error);
}
