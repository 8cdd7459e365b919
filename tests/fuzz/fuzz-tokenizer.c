/* Fuzz target: the streaming tokenizer (rnc-tokenizer.h). Input: two option
 * bytes (mode, invalid-UTF-8 policy, lowercase, max token bytes, max
 * tokens; chunking seed), then the text. Invariants: every token is
 * non-empty valid UTF-8 without NUL or '\n' (issue 13, bug 1: NUL), holds
 * no space character, and is one run of one class (word mode) or one
 * character (char mode) of at most max_token_bytes; feeding the text in
 * pieces gives the same tokens and counters as feeding it whole; on valid
 * UTF-8 the tokens are the text without its spaces (word mode) or with
 * each run of spaces between two characters made one " " (char mode). */
#include "fuzz-util.h"

#include "rnc-tokenizer.h"

typedef struct {
  GString *text;                /* tokens, concatenated */
  GArray *lens;                 /* size_t per token */
  const RncTokenizerConfig *config;
} Tokens;

static void
on_token (const char *token, size_t len, gpointer user_data)
{
  Tokens *t = user_data;
  const RncTokenizerConfig *c = t->config;
  const char *p, *end = token + len;
  int first_class = -1;

  FUZZ_CHECK (len > 0);
  FUZZ_CHECK (token[len] == '\0');
  if (memchr (token, '\0', len) != NULL) {
    if (!fuzz_skip_known_bugs ())
      fuzz_fail (__FILE__, __LINE__, "a token holds a NUL byte (issue 13, bug 1)");
    goto record;
  }
  FUZZ_CHECK (g_utf8_validate_len (token, len, NULL));
  FUZZ_CHECK (memchr (token, '\n', len) == NULL);
  if (c->mode == RNC_TOKENIZER_MODE_CHAR && len == 1 && token[0] == ' ') {
    /* a run of spaces */
  } else {
    for (p = token; p < end; p = g_utf8_next_char (p)) {
      int cls = rnc_unichar_word_class (g_utf8_get_char (p));

      FUZZ_CHECK (cls != 0);
      if (first_class < 0)
        first_class = cls;
      else if (!c->lowercase && c->mode == RNC_TOKENIZER_MODE_WORD)
        FUZZ_CHECK (cls == first_class);
    }
    if (c->mode == RNC_TOKENIZER_MODE_CHAR && !c->lowercase)
      FUZZ_CHECK (g_utf8_next_char (token) == end);
  }
  if (!c->lowercase)
    FUZZ_CHECK (len <= c->max_token_bytes);
record:
  g_string_append_len (t->text, token, (gssize) len);
  g_array_append_val (t->lens, len);
}

typedef struct {
  guint64 raw, tokens, invalid;
  gint64 first_invalid;
  gboolean stopped;
} Counters;

static void
run (RncTokenizer *tok, const uint8_t *data, size_t size, FuzzChunker *ch,
    Tokens *t, Counters *k)
{
  size_t pos = 0;

  rnc_tokenizer_reset (tok);
  k->stopped = FALSE;
  while (pos < size) {
    size_t n = ch ? fuzz_chunker_next (ch, size - pos) : size - pos;
    gboolean stop = rnc_tokenizer_feed (tok, data + pos, n, on_token, t);

    /* Once max_tokens is reached it stays reached. */
    FUZZ_CHECK (!k->stopped || stop);
    k->stopped = stop;
    pos += n;
  }
  rnc_tokenizer_finish (tok, on_token, t);
  k->raw = rnc_tokenizer_get_n_raw_tokens (tok);
  k->tokens = rnc_tokenizer_get_n_tokens (tok);
  k->invalid = rnc_tokenizer_get_n_invalid (tok);
  k->first_invalid = rnc_tokenizer_get_first_invalid_offset (tok);
  FUZZ_CHECK (k->tokens == t->lens->len);
  FUZZ_CHECK (k->tokens <= k->raw);
  FUZZ_CHECK (t->config->max_tokens == 0 || k->raw <= t->config->max_tokens);
  FUZZ_CHECK ((k->invalid == 0) == (k->first_invalid == -1));
}

/* What the tokens of valid UTF-8 text concatenate to. */
static GString *
expected_text (const char *text, size_t len, RncTokenizerMode mode)
{
  GString *s = g_string_new (NULL);
  const char *p = text, *end = text + len;
  gboolean in_space = FALSE;

  if (len >= 3 && memcmp (p, "\xef\xbb\xbf", 3) == 0)
    p += 3;
  for (; p < end; p = g_utf8_next_char (p)) {
    if (rnc_unichar_word_class (g_utf8_get_char (p)) == 0) {
      in_space = TRUE;
    } else {
      /* char mode: a space run between two characters is one " " (none
       * at the start or the end of the stream) */
      if (mode == RNC_TOKENIZER_MODE_CHAR && in_space && s->len > 0)
        g_string_append_c (s, ' ');
      g_string_append_len (s, p, g_utf8_next_char (p) - p);
      in_space = FALSE;
    }
  }
  return s;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static const size_t max_bytes[4] = { 4, 5, 16, 1024 };
  RncTokenizerConfig config;
  g_autoptr (RncTokenizer) tok = NULL;
  guint8 o = fuzz_take (&data, &size), seed = fuzz_take (&data, &size);
  Tokens whole, pieces;
  Counters kw, kp;
  FuzzChunker ch;

  fuzz_init ();
  rnc_tokenizer_config_init (&config);
  config.mode = (o & 1) ? RNC_TOKENIZER_MODE_CHAR : RNC_TOKENIZER_MODE_WORD;
  config.invalid = (o & 2) ? RNC_TOKENIZER_INVALID_SKIP
      : RNC_TOKENIZER_INVALID_REPLACE;
  config.lowercase = (o & 4) != 0;
  config.max_token_bytes = max_bytes[(o >> 3) & 3];
  config.max_tokens = (o & 0x20) ? 1 + (o >> 6) * 7 : 0;
  tok = rnc_tokenizer_new (&config, NULL);
  FUZZ_CHECK (tok != NULL);

  whole.text = g_string_new (NULL);
  whole.lens = g_array_new (FALSE, FALSE, sizeof (size_t));
  whole.config = &config;
  pieces = whole;
  pieces.text = g_string_new (NULL);
  pieces.lens = g_array_new (FALSE, FALSE, sizeof (size_t));
  run (tok, data, size, NULL, &whole, &kw);
  fuzz_chunker_init (&ch, seed);
  run (tok, data, size, &ch, &pieces, &kp);

  FUZZ_CHECK (g_string_equal (whole.text, pieces.text));
  FUZZ_CHECK (whole.lens->len == pieces.lens->len);
  FUZZ_CHECK (whole.lens->len == 0 || memcmp (whole.lens->data,
          pieces.lens->data, whole.lens->len * sizeof (size_t)) == 0);
  FUZZ_CHECK (kw.raw == kp.raw && kw.tokens == kp.tokens);
  FUZZ_CHECK (kw.invalid == kp.invalid && kw.first_invalid == kp.first_invalid);
  FUZZ_CHECK (kw.stopped == kp.stopped);

  if (!config.lowercase && config.max_tokens == 0
      && g_utf8_validate_len ((const char *) data, size, NULL)) {
    GString *e = expected_text ((const char *) data, size, config.mode);

    FUZZ_CHECK (kw.invalid == 0);
    FUZZ_CHECK (g_string_equal (e, whole.text));
    g_string_free (e, TRUE);
  }
  g_string_free (whole.text, TRUE);
  g_string_free (pieces.text, TRUE);
  g_array_unref (whole.lens);
  g_array_unref (pieces.lens);
  return 0;
}
