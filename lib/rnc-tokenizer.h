/* librnc: streaming WordPunct tokenizer and word sets (dictionary, stopwords).
 *
 * Tokens are NLTK's WordPunctTokenizer tokens, the matches of the Python 3
 * regex \w+|[^\w\s]+ on str (Unicode) input: maximal runs of word characters,
 * or maximal runs of characters that are neither word nor space characters.
 *
 *   word  = Python's str.isalnum() or '_': general categories Lu Ll Lt Lm Lo
 *           Nd Nl No, and U+005F. (Python also counts characters that carry a
 *           numeric value; all of those are letters or numbers already.)
 *           Combining marks (Mn Mc Me) are not word characters, as in Python.
 *   space = Python's str.isspace(): U+0009..U+000D, U+001C..U+001F, U+0020,
 *           U+0085, U+00A0, U+1680, U+2000..U+200A, U+2028, U+2029, U+202F,
 *           U+205F, U+3000; and U+0000 (NUL), which Python counts as
 *           punctuation: here it is a separator in both modes, so that no
 *           token ever holds a NUL byte (token lines and vocabularies are
 *           C strings).
 *
 * Categories come from GLib's Unicode tables (Unicode 15 in GLib 2.74);
 * Python 3.11 uses Unicode 14, so the two disagree only on the 4,388 code
 * points that Unicode 15 assigned as letters or digits (Python calls them
 * punctuation, being unassigned there).
 *
 * Input is UTF-8, fed in arbitrary chunks: a character or token split across
 * chunks is joined. Invalid UTF-8 is replaced by U+FFFD (one per maximal
 * invalid subpart, as Python's decode(errors="replace")) or skipped, and
 * counted either way. A U+FEFF byte order mark at the very start of a stream
 * is dropped.
 */
#pragma once

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

G_BEGIN_DECLS

#define RNC_TOKENIZER_ERROR (rnc_tokenizer_error_quark ())
GQuark rnc_tokenizer_error_quark (void);

typedef enum {
  RNC_TOKENIZER_ERROR_IO,       /* cannot read a word-list file */
  RNC_TOKENIZER_ERROR_ENCODING, /* a word-list line is not valid UTF-8 */
  RNC_TOKENIZER_ERROR_INVALID,  /* a configuration value is out of range */
  RNC_TOKENIZER_ERROR_FAILED,
} RncTokenizerError;

/* ------------------------------------------------------------------------ */
/* Word sets */

typedef struct _RncWordSet RncWordSet;

typedef enum {
  /* Every non-empty line is a word. */
  RNC_WORD_SET_RULE_ALL = 0,
  /* Only lines for which Python's str.islower() holds (at least one cased
   * character, none upper- or titlecase): the notebook's
   * english_dict = set(w for w in words.words('en') if w.islower()). */
  RNC_WORD_SET_RULE_LOWERCASE = 1,
} RncWordSetRule;

RncWordSet *rnc_word_set_new (void);
void rnc_word_set_free (RncWordSet *set);
/* Adds a copy of @word (NUL-terminated). */
void rnc_word_set_add (RncWordSet *set, const char *word);
gboolean rnc_word_set_contains (const RncWordSet *set, const char *word);
size_t rnc_word_set_get_size (const RncWordSet *set);

/* (transfer full) Reads a word list as NLTK's WordListCorpusReader does:
 * lines end at '\n' (one trailing '\r' is dropped), blank lines are skipped,
 * nothing else is stripped; then @rule picks the lines to keep. Fails with
 * RNC_TOKENIZER_ERROR_IO (unreadable, over 1 GiB) or _ENCODING naming the
 * file and the 1-based line of the first invalid UTF-8 (or NUL) line. */
RncWordSet *rnc_word_set_load (const char *path, RncWordSetRule rule,
    GError **error);
/* The same from memory; @name is used in error messages. */
RncWordSet *rnc_word_set_load_from_data (const char *data, size_t size,
    const char *name, RncWordSetRule rule, GError **error);

/* NLTK's English stopword list (corpora/stopwords/english, 179 words, in the
 * file's order), compiled in. (transfer none) */
const char *const *rnc_english_stopwords (size_t *n_words);
/* (transfer full) A set holding rnc_english_stopwords(). */
RncWordSet *rnc_word_set_new_english_stopwords (void);
/* (transfer full) Stopwords by the name a user types: "none" (or NULL or "")
 * gives NULL without error, "english" the built-in list, anything else is
 * a word-list file (RNC_WORD_SET_RULE_ALL); use "./english" for a file of
 * that name. On failure returns NULL and sets @error. */
RncWordSet *rnc_word_set_new_stopwords (const char *spec, GError **error);

/* Python's str.islower() on @len bytes of valid UTF-8. */
gboolean rnc_utf8_is_python_lower (const char *s, size_t len);

/* ------------------------------------------------------------------------ */
/* Tokenizer */

typedef enum {
  RNC_TOKENIZER_MODE_WORD = 0,  /* \w+ and [^\w\s]+ runs */
  /* Every character is a token, except that a run of space characters is
   * one token " " (U+0020), so that token lines keep word boundaries. */
  RNC_TOKENIZER_MODE_CHAR = 1,
} RncTokenizerMode;

typedef enum {
  RNC_TOKENIZER_INVALID_REPLACE = 0,    /* U+FFFD, a punctuation character */
  RNC_TOKENIZER_INVALID_SKIP = 1,       /* as if the bytes were absent */
} RncTokenizerInvalid;

#define RNC_TOKENIZER_MIN_TOKEN_BYTES 4
#define RNC_TOKENIZER_MAX_TOKEN_BYTES (1u << 20)
#define RNC_TOKENIZER_DEFAULT_MAX_TOKEN_BYTES 1024

typedef struct {
  RncTokenizerMode mode;
  RncTokenizerInvalid invalid;
  /* Lowercase each token as Python's str.lower() does (full case mapping:
   * U+0130 becomes "i\u0307", a final capital sigma becomes U+03C2). */
  gboolean lowercase;
  /* A run longer than this many bytes is cut (at character boundaries)
   * into pieces of at most this size, each a token. The limit applies to
   * the token before lowercasing. RNC_TOKENIZER_MIN_TOKEN_BYTES ..
   * RNC_TOKENIZER_MAX_TOKEN_BYTES. */
  size_t max_token_bytes;
  /* Stop after this many raw tokens (counted before the dictionary and
   * stopword filters, pieces of cut runs included); 0 = no limit. The
   * notebook's list(text)[:50000] is max_tokens = 50000. */
  uint64_t max_tokens;
} RncTokenizerConfig;

/* The defaults: word mode, replace, no lowercase, 1024 bytes, no limit. */
void rnc_tokenizer_config_init (RncTokenizerConfig *config);

typedef struct _RncTokenizer RncTokenizer;

/* Called once per token that passes the filters. @token is NUL-terminated
 * (@len bytes, valid UTF-8, never containing '\n') and valid only during
 * the call. */
typedef void (*RncTokenFunc) (const char *token, size_t len,
    gpointer user_data);

/* (transfer full) Fails with RNC_TOKENIZER_ERROR_INVALID when
 * max_token_bytes is out of range. Allocates all buffers here; feeding
 * allocates nothing. */
RncTokenizer *rnc_tokenizer_new (const RncTokenizerConfig *config,
    GError **error);
void rnc_tokenizer_free (RncTokenizer *tok);

/* Filters, applied in the notebook's order after lowercasing: keep a token
 * only if it is in @dictionary, then drop it if it is in @stopwords.
 * (transfer full) each; NULL removes the filter. */
void rnc_tokenizer_set_dictionary (RncTokenizer *tok, RncWordSet *dictionary);
void rnc_tokenizer_set_stopwords (RncTokenizer *tok, RncWordSet *stopwords);
/* Takes effect from the next token emitted. */
void rnc_tokenizer_set_lowercase (RncTokenizer *tok, gboolean lowercase);

/* Tokenizes @size bytes, calling @func for every token completed by them.
 * The last, possibly unfinished token (and an incomplete UTF-8 sequence) is
 * kept for the next call. Returns TRUE once max_tokens raw tokens have been
 * produced; input after that is ignored. Allocates nothing. */
gboolean rnc_tokenizer_feed (RncTokenizer *tok, const guint8 *data,
    size_t size, RncTokenFunc func, gpointer user_data);
/* End of stream: emits the pending token (an incomplete UTF-8 sequence at
 * the end counts as invalid) and gets ready for a new stream; the counters
 * (and a reached max_tokens) stay until rnc_tokenizer_reset(). */
void rnc_tokenizer_finish (RncTokenizer *tok, RncTokenFunc func,
    gpointer user_data);
/* A gap in the input (DISCONT): drops the pending token and partial
 * character; the counters (and max_tokens) carry on. */
void rnc_tokenizer_discard (RncTokenizer *tok);
/* Starts a new stream: drops the pending token and partial character and
 * clears the counters. */
void rnc_tokenizer_reset (RncTokenizer *tok);

/* Counters since the last reset. */
uint64_t rnc_tokenizer_get_n_raw_tokens (const RncTokenizer *tok);
uint64_t rnc_tokenizer_get_n_tokens (const RncTokenizer *tok);
/* Invalid UTF-8 subparts replaced or skipped. */
uint64_t rnc_tokenizer_get_n_invalid (const RncTokenizer *tok);
/* Byte offset (from the last reset) of the first invalid subpart, or -1. */
int64_t rnc_tokenizer_get_first_invalid_offset (const RncTokenizer *tok);

/* Character classes, exposed for tests: 0 = space, 1 = word, 2 = other. */
int rnc_unichar_word_class (gunichar c);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RncWordSet, rnc_word_set_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RncTokenizer, rnc_tokenizer_free)

G_END_DECLS
