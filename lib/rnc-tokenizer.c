/* librnc: streaming WordPunct tokenizer and word sets. See rnc-tokenizer.h
 * for the character classes and their relation to Python's re module. */
#include "rnc-tokenizer.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

G_DEFINE_QUARK (rnc-tokenizer-error-quark, rnc_tokenizer_error)

#define CLS_SPACE 0
#define CLS_WORD 1
#define CLS_OTHER 2

/* Word lists above this size are refused rather than read into memory. */
#define WORD_LIST_MAX_BYTES ((gsize) 1 << 30)

/* ------------------------------------------------------------------------ */
/* Character classes */

int
rnc_unichar_word_class (gunichar c)
{
  if (c < 0x80) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
        (c >= '0' && c <= '9') || c == '_')
      return CLS_WORD;
    /* U+0000 is a separator (Python would make it punctuation): a token is
     * a C string everywhere downstream (token lines, vocabularies), so a
     * NUL inside one would cut it short or make it empty. */
    if (c == 0 || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x20))
      return CLS_SPACE;
    return CLS_OTHER;
  }
  switch (g_unichar_type (c)) {
    case G_UNICODE_UPPERCASE_LETTER:
    case G_UNICODE_LOWERCASE_LETTER:
    case G_UNICODE_TITLECASE_LETTER:
    case G_UNICODE_MODIFIER_LETTER:
    case G_UNICODE_OTHER_LETTER:
    case G_UNICODE_DECIMAL_NUMBER:
    case G_UNICODE_LETTER_NUMBER:
    case G_UNICODE_OTHER_NUMBER:
      return CLS_WORD;
    default:
      break;
  }
  /* Python's str.isspace(): bidirectional class WS, B or S, or category Zs.
   * GLib's g_unichar_isspace() differs (it misses U+0085 and U+001C..1F,
   * and U+180E changed class across Unicode versions), so the short list is
   * spelled out. */
  if (c == 0x85 || c == 0xa0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200a)
      || c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f
      || c == 0x3000)
    return CLS_SPACE;
  return CLS_OTHER;
}

/* Python's Uppercase / Lowercase properties (GLib's isupper/islower are the
 * Lu / Ll categories only): add the Other_Uppercase / Other_Lowercase
 * characters that have case mappings (Roman numerals, circled letters) and
 * the ordinal indicators. Other modifier letters with Other_Lowercase are
 * not covered. */
static gboolean
py_isupper (gunichar c)
{
  return g_unichar_isupper (c) || (c >= 0x2160 && c <= 0x216f)
      || (c >= 0x24b6 && c <= 0x24cf);
}

static gboolean
py_islower (gunichar c)
{
  return g_unichar_islower (c) || (c >= 0x2170 && c <= 0x217f)
      || (c >= 0x24d0 && c <= 0x24e9) || c == 0xaa || c == 0xba;
}

static gboolean
py_iscased (gunichar c)
{
  return py_isupper (c) || py_islower (c) || g_unichar_istitle (c);
}

/* Python's Case_Ignorable, close enough for the final-sigma rule: Mn Me Cf
 * Lm Sk, and the Word_Break MidLetter / MidNumLet / Single_Quote marks. */
static gboolean
py_is_case_ignorable (gunichar c)
{
  switch (g_unichar_type (c)) {
    case G_UNICODE_NON_SPACING_MARK:
    case G_UNICODE_ENCLOSING_MARK:
    case G_UNICODE_FORMAT:
    case G_UNICODE_MODIFIER_LETTER:
    case G_UNICODE_MODIFIER_SYMBOL:
      return TRUE;
    default:
      break;
  }
  return c == '\'' || c == '.' || c == ':' || c == 0xb7 || c == 0x387
      || c == 0x5f4 || c == 0x2018 || c == 0x2019 || c == 0x2024
      || c == 0x2027 || c == 0xfe13 || c == 0xfe52 || c == 0xfe55
      || c == 0xff07 || c == 0xff0e || c == 0xff1a;
}

gboolean
rnc_utf8_is_python_lower (const char *s, size_t len)
{
  const char *p = s, *end = s + len;
  gboolean cased = FALSE;

  while (p < end) {
    gunichar c;
    if ((guchar) * p < 0x80) {
      /* ASCII: only A-Z and a-z are cased */
      if (*p >= 'A' && *p <= 'Z')
        return FALSE;
      if (*p >= 'a' && *p <= 'z')
        cased = TRUE;
      p++;
      continue;
    }
    c = g_utf8_get_char (p);
    if (py_isupper (c) || g_unichar_istitle (c))
      return FALSE;
    if (py_islower (c))
      cased = TRUE;
    p = g_utf8_next_char (p);
  }
  return cased;
}

/* ------------------------------------------------------------------------ */
/* UTF-8 decoding with maximal-subpart error recovery (Unicode 3.9, U+FFFD
 * substitution of maximal subparts, which Python's decoder also follows). */

typedef enum {
  DEC_OK,
  DEC_NEED_MORE,                /* all bytes given are a valid prefix */
  DEC_INVALID,                  /* *n = length of the maximal subpart */
} DecodeResult;

static DecodeResult
decode_utf8 (const guint8 * p, size_t avail, gunichar * out, size_t *n)
{
  guint8 b0 = p[0], lo = 0x80, hi = 0xbf;
  size_t need, i;
  gunichar c;

  if (b0 < 0x80) {
    *out = b0;
    *n = 1;
    return DEC_OK;
  } else if (b0 >= 0xc2 && b0 <= 0xdf) {
    need = 2;
    c = b0 & 0x1f;
  } else if (b0 >= 0xe0 && b0 <= 0xef) {
    need = 3;
    c = b0 & 0x0f;
    if (b0 == 0xe0)
      lo = 0xa0;
    else if (b0 == 0xed)
      hi = 0x9f;
  } else if (b0 >= 0xf0 && b0 <= 0xf4) {
    need = 4;
    c = b0 & 0x07;
    if (b0 == 0xf0)
      lo = 0x90;
    else if (b0 == 0xf4)
      hi = 0x8f;
  } else {
    *n = 1;
    return DEC_INVALID;
  }

  for (i = 1; i < need; i++) {
    guint8 b;
    if (i >= avail) {
      *n = avail;
      return DEC_NEED_MORE;
    }
    b = p[i];
    if (b < lo || b > hi) {
      *n = i;
      return DEC_INVALID;
    }
    lo = 0x80;
    hi = 0xbf;
    c = (c << 6) | (b & 0x3f);
  }
  *out = c;
  *n = need;
  return DEC_OK;
}

/* ------------------------------------------------------------------------ */
/* Word sets */

struct _RncWordSet
{
  GHashTable *words;            /* char * (in chunk) -> itself */
  GStringChunk *chunk;
};

RncWordSet *
rnc_word_set_new (void)
{
  RncWordSet *set = g_new0 (RncWordSet, 1);
  set->words = g_hash_table_new (g_str_hash, g_str_equal);
  set->chunk = g_string_chunk_new (4096);
  return set;
}

void
rnc_word_set_free (RncWordSet * set)
{
  if (set == NULL)
    return;
  g_hash_table_unref (set->words);
  g_string_chunk_free (set->chunk);
  g_free (set);
}

static void
word_set_add_len (RncWordSet * set, const char *word, size_t len)
{
  char *copy;

  /* The lookup needs a NUL-terminated key: insert_len copies and
   * terminates, so look it up only once it is a proper string. */
  copy = g_string_chunk_insert_len (set->chunk, word, (gssize) len);
  if (!g_hash_table_contains (set->words, copy))
    g_hash_table_add (set->words, copy);
}

void
rnc_word_set_add (RncWordSet * set, const char *word)
{
  g_return_if_fail (set != NULL && word != NULL);
  if (!g_hash_table_contains (set->words, word))
    word_set_add_len (set, word, strlen (word));
}

gboolean
rnc_word_set_contains (const RncWordSet * set, const char *word)
{
  g_return_val_if_fail (set != NULL && word != NULL, FALSE);
  return g_hash_table_contains (set->words, word);
}

size_t
rnc_word_set_get_size (const RncWordSet * set)
{
  g_return_val_if_fail (set != NULL, 0);
  return g_hash_table_size (set->words);
}

RncWordSet *
rnc_word_set_load_from_data (const char *data, size_t size, const char *name,
    RncWordSetRule rule, GError ** error)
{
  RncWordSet *set;
  size_t pos = 0, line_no = 0;

  g_return_val_if_fail (data != NULL || size == 0, NULL);
  if (name == NULL)
    name = "(word list)";

  set = rnc_word_set_new ();
  while (pos < size) {
    const char *line = data + pos;
    const char *nl = memchr (line, '\n', size - pos);
    size_t len = nl ? (size_t) (nl - line) : size - pos;

    pos += len + (nl ? 1 : 0);
    line_no++;
    if (len > 0 && line[len - 1] == '\r')
      len--;
    if (len == 0)
      continue;
    if (!g_utf8_validate_len (line, len, NULL)) {
      g_set_error (error, RNC_TOKENIZER_ERROR, RNC_TOKENIZER_ERROR_ENCODING,
          "%s:%zu: not valid UTF-8 (or contains a NUL byte)", name, line_no);
      rnc_word_set_free (set);
      return NULL;
    }
    if (rule == RNC_WORD_SET_RULE_LOWERCASE
        && !rnc_utf8_is_python_lower (line, len))
      continue;
    word_set_add_len (set, line, len);
  }
  return set;
}

RncWordSet *
rnc_word_set_load (const char *path, RncWordSetRule rule, GError ** error)
{
  GError *err = NULL;
  GStatBuf st;
  char *data = NULL;
  gsize size = 0;
  RncWordSet *set;

  g_return_val_if_fail (path != NULL, NULL);

  if (g_stat (path, &st) != 0) {
    int e = errno;
    g_set_error (error, RNC_TOKENIZER_ERROR, RNC_TOKENIZER_ERROR_IO,
        "%s: cannot read word list: %s", path, g_strerror (e));
    return NULL;
  }
  if (!S_ISREG (st.st_mode) || (guint64) st.st_size > WORD_LIST_MAX_BYTES) {
    g_set_error (error, RNC_TOKENIZER_ERROR, RNC_TOKENIZER_ERROR_IO,
        "%s: not a regular file of at most 1 GiB", path);
    return NULL;
  }
  if (!g_file_get_contents (path, &data, &size, &err)) {
    g_set_error (error, RNC_TOKENIZER_ERROR, RNC_TOKENIZER_ERROR_IO,
        "cannot read word list: %s", err->message);
    g_error_free (err);
    return NULL;
  }
  set = rnc_word_set_load_from_data (data, size, path, rule, error);
  g_free (data);
  return set;
}

/* NLTK corpora/stopwords/english (179 words), in the file's order. */
static const char *const english_stopwords[] = {
  "i", "me", "my", "myself", "we", "our", "ours", "ourselves", "you",
  "you're", "you've", "you'll", "you'd", "your", "yours", "yourself",
  "yourselves", "he", "him", "his", "himself", "she", "she's", "her",
  "hers", "herself", "it", "it's", "its", "itself", "they", "them",
  "their", "theirs", "themselves", "what", "which", "who", "whom", "this",
  "that", "that'll", "these", "those", "am", "is", "are", "was", "were",
  "be", "been", "being", "have", "has", "had", "having", "do", "does",
  "did", "doing", "a", "an", "the", "and", "but", "if", "or", "because",
  "as", "until", "while", "of", "at", "by", "for", "with", "about",
  "against", "between", "into", "through", "during", "before", "after",
  "above", "below", "to", "from", "up", "down", "in", "out", "on", "off",
  "over", "under", "again", "further", "then", "once", "here", "there",
  "when", "where", "why", "how", "all", "any", "both", "each", "few",
  "more", "most", "other", "some", "such", "no", "nor", "not", "only",
  "own", "same", "so", "than", "too", "very", "s", "t", "can", "will",
  "just", "don", "don't", "should", "should've", "now", "d", "ll", "m",
  "o", "re", "ve", "y", "ain", "aren", "aren't", "couldn", "couldn't",
  "didn", "didn't", "doesn", "doesn't", "hadn", "hadn't", "hasn",
  "hasn't", "haven", "haven't", "isn", "isn't", "ma", "mightn",
  "mightn't", "mustn", "mustn't", "needn", "needn't", "shan", "shan't",
  "shouldn", "shouldn't", "wasn", "wasn't", "weren", "weren't", "won",
  "won't", "wouldn", "wouldn't",
};

const char *const *
rnc_english_stopwords (size_t *n_words)
{
  if (n_words)
    *n_words = G_N_ELEMENTS (english_stopwords);
  return english_stopwords;
}

RncWordSet *
rnc_word_set_new_english_stopwords (void)
{
  RncWordSet *set = rnc_word_set_new ();
  size_t i;

  for (i = 0; i < G_N_ELEMENTS (english_stopwords); i++)
    rnc_word_set_add (set, english_stopwords[i]);
  return set;
}

RncWordSet *
rnc_word_set_new_stopwords (const char *spec, GError ** error)
{
  if (spec == NULL || spec[0] == '\0' || strcmp (spec, "none") == 0)
    return NULL;
  if (strcmp (spec, "english") == 0)
    return rnc_word_set_new_english_stopwords ();
  return rnc_word_set_load (spec, RNC_WORD_SET_RULE_ALL, error);
}

/* ------------------------------------------------------------------------ */
/* Tokenizer */

struct _RncTokenizer
{
  RncTokenizerConfig config;
  RncWordSet *dictionary;
  RncWordSet *stopwords;

  /* Incomplete UTF-8 sequence carried to the next feed. */
  guint8 pend[4];
  size_t pend_len;
  uint64_t pend_offset;

  /* The token being built: tok_len bytes of valid UTF-8, class tok_cls. */
  char *tok;                    /* (max_token_bytes + 1) */
  size_t tok_len;
  int tok_cls;
  gboolean tok_ascii;

  /* Lowercased token; full case mapping grows a token by at most 3/2. */
  char *lower;                  /* (lower_size) */
  size_t lower_size;

  gboolean at_start;            /* no character seen yet (BOM check) */
  gboolean space_pending;       /* char mode: spaces since the last char */
  gboolean done;                /* max_tokens reached */

  uint64_t offset;              /* bytes fed since reset */
  uint64_t n_raw, n_tokens, n_invalid;
  int64_t first_invalid;
};

void
rnc_tokenizer_config_init (RncTokenizerConfig * config)
{
  g_return_if_fail (config != NULL);
  memset (config, 0, sizeof (*config));
  config->mode = RNC_TOKENIZER_MODE_WORD;
  config->invalid = RNC_TOKENIZER_INVALID_REPLACE;
  config->lowercase = FALSE;
  config->max_token_bytes = RNC_TOKENIZER_DEFAULT_MAX_TOKEN_BYTES;
  config->max_tokens = 0;
}

RncTokenizer *
rnc_tokenizer_new (const RncTokenizerConfig * config, GError ** error)
{
  RncTokenizer *t;

  g_return_val_if_fail (config != NULL, NULL);

  if (config->max_token_bytes < RNC_TOKENIZER_MIN_TOKEN_BYTES
      || config->max_token_bytes > RNC_TOKENIZER_MAX_TOKEN_BYTES) {
    g_set_error (error, RNC_TOKENIZER_ERROR, RNC_TOKENIZER_ERROR_INVALID,
        "max-token-bytes %zu is outside [%u, %u]", config->max_token_bytes,
        RNC_TOKENIZER_MIN_TOKEN_BYTES, RNC_TOKENIZER_MAX_TOKEN_BYTES);
    return NULL;
  }
  if (config->mode != RNC_TOKENIZER_MODE_WORD
      && config->mode != RNC_TOKENIZER_MODE_CHAR) {
    g_set_error (error, RNC_TOKENIZER_ERROR, RNC_TOKENIZER_ERROR_INVALID,
        "unknown tokenizer mode %d", (int) config->mode);
    return NULL;
  }

  t = g_new0 (RncTokenizer, 1);
  t->config = *config;
  t->tok = g_malloc (config->max_token_bytes + 1);
  t->lower_size = 2 * config->max_token_bytes + 8;
  t->lower = g_malloc (t->lower_size);
  rnc_tokenizer_reset (t);
  return t;
}

void
rnc_tokenizer_free (RncTokenizer * t)
{
  if (t == NULL)
    return;
  rnc_word_set_free (t->dictionary);
  rnc_word_set_free (t->stopwords);
  g_free (t->tok);
  g_free (t->lower);
  g_free (t);
}

void
rnc_tokenizer_set_dictionary (RncTokenizer * t, RncWordSet * dictionary)
{
  g_return_if_fail (t != NULL);
  rnc_word_set_free (t->dictionary);
  t->dictionary = dictionary;
}

void
rnc_tokenizer_set_stopwords (RncTokenizer * t, RncWordSet * stopwords)
{
  g_return_if_fail (t != NULL);
  rnc_word_set_free (t->stopwords);
  t->stopwords = stopwords;
}

void
rnc_tokenizer_set_lowercase (RncTokenizer * t, gboolean lowercase)
{
  g_return_if_fail (t != NULL);
  t->config.lowercase = lowercase ? TRUE : FALSE;
}

void
rnc_tokenizer_discard (RncTokenizer * t)
{
  g_return_if_fail (t != NULL);
  t->pend_len = 0;
  t->tok_len = 0;
  t->tok_cls = CLS_SPACE;
  t->tok_ascii = TRUE;
  t->space_pending = FALSE;
}

void
rnc_tokenizer_reset (RncTokenizer * t)
{
  g_return_if_fail (t != NULL);
  t->pend_len = 0;
  t->pend_offset = 0;
  t->tok_len = 0;
  t->tok_cls = CLS_SPACE;
  t->tok_ascii = TRUE;
  t->at_start = TRUE;
  t->space_pending = FALSE;
  t->done = FALSE;
  t->offset = 0;
  t->n_raw = 0;
  t->n_tokens = 0;
  t->n_invalid = 0;
  t->first_invalid = -1;
}

uint64_t
rnc_tokenizer_get_n_raw_tokens (const RncTokenizer * t)
{
  return t->n_raw;
}

uint64_t
rnc_tokenizer_get_n_tokens (const RncTokenizer * t)
{
  return t->n_tokens;
}

uint64_t
rnc_tokenizer_get_n_invalid (const RncTokenizer * t)
{
  return t->n_invalid;
}

int64_t
rnc_tokenizer_get_first_invalid_offset (const RncTokenizer * t)
{
  return t->first_invalid;
}

/* Lowercases tok (len bytes of valid UTF-8) into t->lower as Python's
 * str.lower(): GLib's simple mapping plus what Python adds (full mapping
 * of U+0130, Final_Sigma, and the Nl / So letters GLib leaves alone).
 * Returns the length; the output is NUL-terminated. */
static size_t
lowercase_token (RncTokenizer * t, const char *tok, size_t len)
{
  const char *p = tok, *end = tok + len;
  char *o = t->lower, *oend = t->lower + t->lower_size - 8;

  while (p < end && o < oend) {
    gunichar c = g_utf8_get_char (p), l;
    const char *next = g_utf8_next_char (p);

    if (c < 0x80) {
      *o++ = g_ascii_tolower ((char) c);
      p = next;
      continue;
    }
    if (c == 0x130) {
      /* LATIN CAPITAL LETTER I WITH DOT ABOVE -> i + COMBINING DOT ABOVE */
      *o++ = 'i';
      o += g_unichar_to_utf8 (0x307, o);
      p = next;
      continue;
    }
    if (c >= 0x2160 && c <= 0x216f)
      l = c + 16;
    else if (c >= 0x24b6 && c <= 0x24cf)
      l = c + 26;
    else if (c == 0x3a3) {
      /* Final_Sigma: preceded by a cased letter and not followed by one
       * (case-ignorable characters skipped on both sides). */
      const char *q = p;
      gboolean final = FALSE;
      while (q > tok) {
        gunichar pc;
        q = g_utf8_prev_char (q);
        pc = g_utf8_get_char (q);
        if (!py_is_case_ignorable (pc)) {
          final = py_iscased (pc);
          break;
        }
      }
      for (q = next; final && q < end; q = g_utf8_next_char (q)) {
        gunichar nc = g_utf8_get_char (q);
        if (!py_is_case_ignorable (nc)) {
          final = !py_iscased (nc);
          break;
        }
      }
      l = final ? 0x3c2 : 0x3c3;
    } else
      l = g_unichar_tolower (c);
    o += g_unichar_to_utf8 (l, o);
    p = next;
  }
  *o = '\0';
  return (size_t) (o - t->lower);
}

static void
emit (RncTokenizer * t, char *s, size_t len, RncTokenFunc func, gpointer ud)
{
  const char *out = s;

  if (t->done)
    return;
  t->n_raw++;
  if (t->config.max_tokens > 0 && t->n_raw >= t->config.max_tokens)
    t->done = TRUE;

  s[len] = '\0';
  if (t->config.lowercase) {
    if (t->tok_ascii && s == t->tok) {
      /* ASCII tokens lowercase in place: Python's lower() on ASCII */
      size_t i;
      for (i = 0; i < len; i++)
        s[i] = g_ascii_tolower (s[i]);
    } else {
      len = lowercase_token (t, s, len);
      out = t->lower;
    }
  }
  if (t->dictionary && !g_hash_table_contains (t->dictionary->words, out))
    return;
  if (t->stopwords && g_hash_table_contains (t->stopwords->words, out))
    return;
  t->n_tokens++;
  func (out, len, ud);
}

static inline void
end_token (RncTokenizer * t, RncTokenFunc func, gpointer ud)
{
  if (t->tok_len > 0) {
    emit (t, t->tok, t->tok_len, func, ud);
    t->tok_len = 0;
    t->tok_ascii = TRUE;
  }
  t->tok_cls = CLS_SPACE;
}

/* One decoded character (its @n bytes at @bytes) of class @cls. */
static inline void
push_char (RncTokenizer * t, gunichar c, int cls, const guint8 * bytes,
    size_t n, RncTokenFunc func, gpointer ud)
{
  if (G_UNLIKELY (t->at_start)) {
    t->at_start = FALSE;
    if (c == 0xfeff)
      return;
  }

  if (t->config.mode == RNC_TOKENIZER_MODE_CHAR) {
    if (cls == CLS_SPACE) {
      /* a space run becomes one " " token, emitted only between chars */
      t->space_pending = t->n_raw > 0;
      return;
    }
    if (t->space_pending) {
      t->space_pending = FALSE;
      t->tok[0] = ' ';
      t->tok_ascii = TRUE;
      emit (t, t->tok, 1, func, ud);
    }
    memcpy (t->tok, bytes, n);
    t->tok_ascii = n == 1;
    emit (t, t->tok, n, func, ud);
    t->tok_ascii = TRUE;
    return;
  }

  if (cls == CLS_SPACE) {
    end_token (t, func, ud);
    return;
  }
  if (t->tok_cls != cls || t->tok_len + n > t->config.max_token_bytes)
    end_token (t, func, ud);
  memcpy (t->tok + t->tok_len, bytes, n);
  t->tok_len += n;
  t->tok_cls = cls;
  if (n > 1)
    t->tok_ascii = FALSE;
}

static const guint8 replacement[3] = { 0xef, 0xbf, 0xbd };

static void
push_invalid (RncTokenizer * t, uint64_t offset, RncTokenFunc func,
    gpointer ud)
{
  if (t->n_invalid++ == 0)
    t->first_invalid = (int64_t) offset;
  if (t->config.invalid == RNC_TOKENIZER_INVALID_REPLACE)
    push_char (t, 0xfffd, CLS_OTHER, replacement, 3, func, ud);
}

static guint8 ascii_class[128];

static void
init_ascii_class (void)
{
  static gsize once = 0;
  if (g_once_init_enter (&once)) {
    gunichar c;
    for (c = 0; c < 128; c++)
      ascii_class[c] = (guint8) rnc_unichar_word_class (c);
    g_once_init_leave (&once, 1);
  }
}

gboolean
rnc_tokenizer_feed (RncTokenizer * t, const guint8 * data, size_t size,
    RncTokenFunc func, gpointer ud)
{
  size_t i = 0;
  const gboolean word_mode = t->config.mode == RNC_TOKENIZER_MODE_WORD;

  g_return_val_if_fail (t != NULL && func != NULL, TRUE);
  g_return_val_if_fail (data != NULL || size == 0, t->done);
  init_ascii_class ();

  /* Complete a sequence left over from the previous feed, one byte at a
   * time (at most 3 more). */
  while (t->pend_len > 0 && i < size && !t->done) {
    gunichar c = 0;
    size_t n = 0;
    DecodeResult r;

    t->pend[t->pend_len++] = data[i++];
    r = decode_utf8 (t->pend, t->pend_len, &c, &n);
    if (r == DEC_NEED_MORE)
      continue;
    if (r == DEC_OK) {
      push_char (t, c, rnc_unichar_word_class (c), t->pend, n, func, ud);
    } else {
      /* The carried bytes were a valid prefix, so the byte just added
       * broke it: the prefix is one invalid subpart, and that byte is
       * looked at again as the start of something new. */
      push_invalid (t, t->pend_offset, func, ud);
      i--;
    }
    t->pend_len = 0;
  }

  while (i < size && !t->done) {
    guint8 b = data[i];
    gunichar c = 0;
    size_t n = 0;
    DecodeResult r;

    if (b < 0x80 && word_mode && !t->at_start) {
      /* ASCII fast path: extend or end the current token. */
      int cls = ascii_class[b];
      if (cls == CLS_SPACE) {
        if (t->tok_len > 0)
          end_token (t, func, ud);
      } else {
        if (t->tok_cls != cls || t->tok_len >= t->config.max_token_bytes)
          end_token (t, func, ud);
        t->tok[t->tok_len++] = (char) b;
        t->tok_cls = cls;
      }
      i++;
      continue;
    }

    r = decode_utf8 (data + i, size - i, &c, &n);
    if (r == DEC_OK) {
      push_char (t, c, rnc_unichar_word_class (c), data + i, n, func, ud);
    } else if (r == DEC_NEED_MORE) {
      memcpy (t->pend, data + i, n);
      t->pend_len = n;
      t->pend_offset = t->offset + i;
    } else {
      push_invalid (t, t->offset + i, func, ud);
    }
    i += n;
  }

  t->offset += size;
  return t->done;
}

void
rnc_tokenizer_finish (RncTokenizer * t, RncTokenFunc func, gpointer ud)
{
  g_return_if_fail (t != NULL && func != NULL);

  if (!t->done) {
    if (t->pend_len > 0)
      push_invalid (t, t->pend_offset, func, ud);
    end_token (t, func, ud);
  }
  /* Ready for a new stream; the counters stay until rnc_tokenizer_reset. */
  rnc_tokenizer_discard (t);
  t->at_start = TRUE;
}
