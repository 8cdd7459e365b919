/* librnc: vocabularies (token <-> id), built from counts or read from a file
 * or from a model's metadata, and unknown-word signatures.
 *
 * A vocabulary file holds one token per line; line k (0-based) is id k. A
 * token is non-empty valid UTF-8 of at most RNC_VOCAB_MAX_TOKEN_BYTES bytes
 * without '\n' or '\r' (one trailing '\r' of a CRLF line end is dropped on
 * reading), and appears once. A vocabulary has at most RNC_VOCAB_MAX_SIZE
 * tokens, so ids fit S32 frames and one-hot widths fit a model dimension.
 */
#pragma once

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

G_BEGIN_DECLS

#define RNC_VOCAB_ERROR (rnc_vocab_error_quark ())
GQuark rnc_vocab_error_quark (void);

typedef enum {
  RNC_VOCAB_ERROR_IO,           /* cannot read or write the file */
  RNC_VOCAB_ERROR_ENCODING,     /* a token is not valid UTF-8 (or has a NUL) */
  RNC_VOCAB_ERROR_EMPTY_LINE,   /* an empty line or empty token */
  RNC_VOCAB_ERROR_DUPLICATE,    /* a token appears twice */
  RNC_VOCAB_ERROR_INVALID,      /* a token has '\n' / '\r' or is too long */
  RNC_VOCAB_ERROR_JSON,         /* not a JSON list of strings */
  RNC_VOCAB_ERROR_TOO_LARGE,    /* more than RNC_VOCAB_MAX_SIZE tokens */
  RNC_VOCAB_ERROR_FAILED,
} RncVocabError;

#define RNC_VOCAB_MAX_SIZE (1u << 24)
#define RNC_VOCAB_MAX_TOKEN_BYTES (1u << 16)
#define RNC_VOCAB_UNK "<unk>"

typedef struct _RncVocab RncVocab;

/* (transfer full) An empty vocabulary. */
RncVocab *rnc_vocab_new (void);
void rnc_vocab_free (RncVocab *vocab);

/* Whether @len bytes form a token a vocabulary (and its file) can hold. */
gboolean rnc_vocab_token_is_valid (const char *token, size_t len);

/* Appends @token (NUL-terminated) as the next id, or returns the id it has
 * already. Returns -1 and sets @error (INVALID, ENCODING, EMPTY_LINE,
 * TOO_LARGE) when it cannot be added. */
int32_t rnc_vocab_add (RncVocab *vocab, const char *token, GError **error);

size_t rnc_vocab_get_size (const RncVocab *vocab);
/* The id of @token, or -1. Allocates nothing. */
int32_t rnc_vocab_lookup (const RncVocab *vocab, const char *token);
/* (transfer none) The token of @id, or NULL when @id is out of range. */
const char *rnc_vocab_get_token (const RncVocab *vocab, int32_t id);
/* The id of RNC_VOCAB_UNK, or -1. */
int32_t rnc_vocab_get_unk_id (const RncVocab *vocab);

/* (transfer full) Reads a vocabulary file. Every line is checked; the first
 * bad one fails with a GError in RNC_VOCAB_ERROR whose message names the
 * file and the 1-based line (and, for a duplicate, the earlier line). */
RncVocab *rnc_vocab_load (const char *path, GError **error);
/* The same from memory; @name is used in error messages. */
RncVocab *rnc_vocab_load_from_data (const char *data, size_t size,
    const char *name, GError **error);
/* (transfer full) The file content: every token followed by '\n'. */
char *rnc_vocab_to_data (const RncVocab *vocab, size_t *size);
/* Writes the file atomically (temporary file + rename). */
gboolean rnc_vocab_save (const RncVocab *vocab, const char *path,
    GError **error);

/* (transfer full) The vocabulary as a JSON list of strings, in id order. */
char *rnc_vocab_to_json (const RncVocab *vocab);
/* (transfer full) From a JSON list of strings (validated as a file's lines;
 * errors name @name and the 0-based list index). The text goes through
 * rnc_json_check() first (depth RNC_JSON_METADATA_MAX_DEPTH, nothing after
 * the list, no escaped NUL): RNC_VOCAB_ERROR_JSON, _ENCODING or _TOO_LARGE. */
RncVocab *rnc_vocab_new_from_json (const char *json, gssize length,
    const char *name, GError **error);
/* (transfer full) A model metadata value (rnc.vocab, rnc.labels): an inline
 * JSON list when it starts with '[' (after white space), otherwise a
 * vocabulary file name, taken relative to @base_dir when not absolute.
 * @name (the model file) and @key are used in error messages. */
RncVocab *rnc_vocab_new_from_metadata (const char *value,
    const char *base_dir, const char *name, const char *key, GError **error);

/* Whether the file at @path starts like a safetensors file (a little-endian
 * u64 header length that fits the file, then a JSON object), whatever its
 * name. FALSE when it cannot be read. */
gboolean rnc_file_is_safetensors (const char *path);
/* (transfer full) What a `vocab` property names: a safetensors model file
 * (detected by content) or an ONNX model (a name ending in .onnx), loaded with rnc_model_load(), whose metadata value
 * under the first of @keys present (NULL-terminated, e.g. "rnc.labels",
 * "rnc.vocab") is read with rnc_vocab_new_from_metadata (file names
 * relative to the model's folder), or else a vocabulary file. Errors are in
 * RNC_VOCAB_ERROR, or RNC_MODEL_ERROR for a model that does not load; a
 * model without any of @keys is RNC_VOCAB_ERROR_FAILED. */
RncVocab *rnc_vocab_load_any (const char *path, const char *const *keys,
    GError **error);

/* ------------------------------------------------------------------------ */
/* Building from counts */

typedef enum {
  RNC_VOCAB_ORDER_SORTED = 0,   /* byte order = Python's sorted() on str */
  RNC_VOCAB_ORDER_FREQUENCY = 1,        /* count descending, then byte order */
} RncVocabOrder;

typedef struct {
  RncVocabOrder order;
  /* At most this many tokens (RNC_VOCAB_UNK included), 0 = no limit. The
   * most frequent ones are kept (ties: byte order), whatever the order. */
  size_t max_size;
  /* Tokens seen fewer times are left out; 0 and 1 keep everything. */
  uint64_t min_count;
  /* Put RNC_VOCAB_UNK first (id 0), whether or not it was counted. */
  gboolean add_unk;
} RncVocabBuildOptions;

/* order sorted, no max-size, min-count 1, no <unk>. */
void rnc_vocab_build_options_init (RncVocabBuildOptions *options);

typedef struct _RncVocabCounter RncVocabCounter;

RncVocabCounter *rnc_vocab_counter_new (void);
void rnc_vocab_counter_free (RncVocabCounter *counter);
#define RNC_VOCAB_COUNTER_MAX_SIZE (1u << 26)

/* Counts one occurrence of @token, which must satisfy
 * rnc_vocab_token_is_valid. Returns its index in first-seen order (stable,
 * so a caller can record a sequence of indices and map it later), or -1
 * when the counter already holds RNC_VOCAB_COUNTER_MAX_SIZE distinct
 * tokens. */
int32_t rnc_vocab_counter_add (RncVocabCounter *counter, const char *token);
size_t rnc_vocab_counter_get_size (const RncVocabCounter *counter);
/* (transfer none) Token of a first-seen index, or NULL. */
const char *rnc_vocab_counter_get_token (const RncVocabCounter *counter,
    int32_t index);
uint64_t rnc_vocab_counter_get_count (const RncVocabCounter *counter,
    const char *token);
/* (transfer full) Chooses and orders the tokens per @options. Fails with
 * RNC_VOCAB_ERROR_TOO_LARGE when the result would exceed
 * RNC_VOCAB_MAX_SIZE (use max-size). */
RncVocab *rnc_vocab_counter_build (const RncVocabCounter *counter,
    const RncVocabBuildOptions *options, GError **error);

/* ------------------------------------------------------------------------ */
/* Unknown words */

/* (transfer full) The signature of a word no vocabulary holds, for taggers:
 * "<unk" + "-cap" when the first character is upper- or titlecase + "-num"
 * when it has a decimal digit + "-hyph" when it has '-' + "-SUFFIX" for the
 * first of less ness ment able ing ion ous ful ity est ive ed ly er al ic s y
 * (longest first) that ends the word (ASCII case-insensitive) when the word is longer than
 * the suffix by more than 2 characters + ">". E.g. "Pre-1990s" ->
 * "<unk-cap-num-hyph-s>", "walking" -> "<unk-ing>". */
char *rnc_vocab_unknown_signature (const char *word);
/* The id for an unknown @word: its full signature, then the signature
 * without the suffix part, then without -num and -hyph (keeping -cap), then
 * RNC_VOCAB_UNK; the first that is in @vocab. -1 when none is. Allocates
 * nothing. */
int32_t rnc_vocab_lookup_unknown (const RncVocab *vocab, const char *word);
/* Adds to @vocab (when missing) every class rnc_vocab_lookup_unknown tries
 * for @word, in its order: the full signature, without the suffix, only
 * -cap ("<unk-cap>" or "<unk>"). So a tagger's training sees exactly the
 * classes the pipeline looks up. FALSE with @error when one cannot be added
 * (a full vocabulary). */
gboolean rnc_vocab_add_unknown_classes (RncVocab *vocab, const char *word,
    GError **error);

/* ------------------------------------------------------------------------ */
/* Frames */

/* onehot (n, width) <- 1.0 at each id, 0.0 elsewhere; ids outside
 * [0, width) give a row of zeros. */
void rnc_vocab_ids_to_onehot (const int32_t *ids, size_t n, size_t width,
    float *onehot);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RncVocab, rnc_vocab_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RncVocabCounter, rnc_vocab_counter_free)

G_END_DECLS
