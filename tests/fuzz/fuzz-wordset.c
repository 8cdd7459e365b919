/* Fuzz target: word lists (dictionary, stopwords: rnc_word_set_load_from_data)
 * and their use as tokenizer filters. Input: a word list. Invariants: a
 * list loads with RNC_WORD_SET_RULE_ALL exactly when it loads with
 * RNC_WORD_SET_RULE_LOWERCASE; every non-blank line (one trailing CR
 * dropped) is in the ALL set, and in the LOWERCASE set exactly when
 * rnc_utf8_is_python_lower() holds; the tokens of the same bytes that pass
 * the set as a dictionary are all in it, and as stopwords none is. */
#include "fuzz-util.h"

#include "rnc-tokenizer.h"

typedef struct {
  const RncWordSet *set;
  gboolean inside;
} FilterCheck;

static void
on_token (const char *token, size_t len, gpointer user_data)
{
  FilterCheck *f = user_data;

  FUZZ_CHECK (rnc_word_set_contains (f->set, token) == f->inside);
}

static void
check_filter (RncWordSet *set, gboolean dictionary, const uint8_t *data,
    size_t size)
{
  RncTokenizerConfig config;
  g_autoptr (RncTokenizer) tok = NULL;
  FilterCheck f = { set, dictionary };

  rnc_tokenizer_config_init (&config);
  tok = rnc_tokenizer_new (&config, NULL);
  if (dictionary)
    rnc_tokenizer_set_dictionary (tok, set);
  else
    rnc_tokenizer_set_stopwords (tok, set);
  rnc_tokenizer_feed (tok, data, size, on_token, &f);
  rnc_tokenizer_finish (tok, on_token, &f);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  RncWordSet *all, *lower;
  g_autoptr (GError) err = NULL;
  g_autoptr (GError) err2 = NULL;
  const char *text = (const char *) data;
  size_t pos = 0, n_lines = 0;

  fuzz_init ();
  all = rnc_word_set_load_from_data (text, size, "fuzz.words",
      RNC_WORD_SET_RULE_ALL, &err);
  lower = rnc_word_set_load_from_data (text, size, "fuzz.words",
      RNC_WORD_SET_RULE_LOWERCASE, &err2);
  FUZZ_CHECK ((all == NULL) == (lower == NULL));
  if (!all) {
    FUZZ_CHECK (err->domain == RNC_TOKENIZER_ERROR
        && err->code == RNC_TOKENIZER_ERROR_ENCODING);
    FUZZ_CHECK (g_str_has_prefix (err->message, "fuzz.words:"));
    FUZZ_CHECK (fuzz_same_error (err, err2));
    return 0;
  }

  /* A reference reading of the lines (NLTK's WordListCorpusReader). */
  while (pos < size) {
    const char *line = text + pos, *nl = memchr (line, '\n', size - pos);
    size_t len = nl ? (size_t) (nl - line) : size - pos;
    char *word;

    pos += len + (nl != NULL);
    if (len > 0 && line[len - 1] == '\r')
      len--;
    if (len == 0)
      continue;
    n_lines++;
    FUZZ_CHECK (g_utf8_validate_len (line, len, NULL));
    word = g_strndup (line, len);
    FUZZ_CHECK (rnc_word_set_contains (all, word));
    FUZZ_CHECK (rnc_word_set_contains (lower, word)
        == rnc_utf8_is_python_lower (word, len));
    g_free (word);
  }
  FUZZ_CHECK (rnc_word_set_get_size (all) <= n_lines);
  FUZZ_CHECK (rnc_word_set_get_size (lower) <= rnc_word_set_get_size (all));

  check_filter (lower, TRUE, data, size);       /* takes @lower */
  check_filter (all, FALSE, data, size);        /* takes @all */
  return 0;
}
