/* Fuzz target: CoNLL tagged text (rnc_conll_parse_data). Input: the text.
 * Invariants of a text that parses (rnc-conll.h): words and tags pair up,
 * are non-empty valid UTF-8 without tab, line break or NUL, tags have no
 * surrounding white space; sentences are 1..RNC_CONLL_MAX_SENTENCE tokens
 * and max_len is the longest; writing the result back as "word\ttag" lines
 * with a blank line after each sentence parses to the same result. */
#include "fuzz-util.h"

#include "rnc-conll.h"

static void
check_same (const RncConll *a, const RncConll *b)
{
  guint i;

  FUZZ_CHECK (a->words->len == b->words->len);
  FUZZ_CHECK (a->offsets->len == b->offsets->len);
  FUZZ_CHECK (a->max_len == b->max_len);
  for (i = 0; i < a->words->len; i++) {
    FUZZ_CHECK (strcmp (a->words->pdata[i], b->words->pdata[i]) == 0);
    FUZZ_CHECK (strcmp (a->tags->pdata[i], b->tags->pdata[i]) == 0);
  }
  FUZZ_CHECK (memcmp (a->offsets->data, b->offsets->data,
          a->offsets->len * sizeof (size_t)) == 0);
}

static void
check_field (const char *s, gboolean stripped)
{
  size_t len = strlen (s);

  FUZZ_CHECK (len > 0);
  FUZZ_CHECK (g_utf8_validate (s, -1, NULL));
  FUZZ_CHECK (strpbrk (s, "\t\n") == NULL);
  if (stripped)
    FUZZ_CHECK (!g_ascii_isspace (s[0]) && !g_ascii_isspace (s[len - 1]));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_auto (RncConll) c = { 0 };
  g_auto (RncConll) back = { 0 };
  g_autoptr (GError) err = NULL;
  GString *s;
  size_t n, k, max_len = 0;
  guint i;

  fuzz_init ();
  if (!rnc_conll_parse_data ((const char *) data, size, "fuzz.conll", &c,
          &err)) {
    FUZZ_CHECK (err->domain == RNC_CONLL_ERROR);
    FUZZ_CHECK (g_str_has_prefix (err->message, "fuzz.conll"));
    return 0;
  }
  n = rnc_conll_get_n_sentences (&c);
  FUZZ_CHECK (n >= 1 && c.offsets->len == n + 1);
  FUZZ_CHECK (c.words->len == c.tags->len);
  FUZZ_CHECK (g_array_index (c.offsets, size_t, 0) == 0);
  FUZZ_CHECK (g_array_index (c.offsets, size_t, n) == c.words->len);
  for (k = 0; k < n; k++) {
    size_t len = g_array_index (c.offsets, size_t, k + 1)
        - g_array_index (c.offsets, size_t, k);

    FUZZ_CHECK (len >= 1 && len <= RNC_CONLL_MAX_SENTENCE);
    max_len = MAX (max_len, len);
  }
  FUZZ_CHECK (max_len == c.max_len);

  s = g_string_new (NULL);
  for (k = 0; k < n; k++) {
    for (i = (guint) g_array_index (c.offsets, size_t, k);
        i < g_array_index (c.offsets, size_t, k + 1); i++) {
      check_field (c.words->pdata[i], FALSE);
      check_field (c.tags->pdata[i], TRUE);
      g_string_append_printf (s, "%s\t%s\n", (char *) c.words->pdata[i],
          (char *) c.tags->pdata[i]);
    }
    g_string_append_c (s, '\n');
  }
  if (!rnc_conll_parse_data (s->str, s->len, "written", &back, &err)) {
    fprintf (stderr, "%s\n", err->message);
    FUZZ_CHECK (!"the written text parses");
  }
  check_same (&c, &back);
  g_string_free (s, TRUE);
  return 0;
}
