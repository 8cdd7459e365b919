/* librnc: CoNLL two-column tagged text, as taggers are trained on.
 *
 * "word<TAB>tag" per line, a blank line after each sentence (the last one
 * may be missing). A CR before the LF is dropped; the tag is stripped of
 * surrounding white space, the word is kept as written (vocab-encode looks
 * words up exactly). Every error names the file and the 1-based line:
 * "train.conll:12: reason".
 */
#pragma once

#include <glib.h>
#include <stddef.h>

G_BEGIN_DECLS

#define RNC_CONLL_ERROR (rnc_conll_error_quark ())
GQuark rnc_conll_error_quark (void);

typedef enum {
  RNC_CONLL_ERROR_IO,           /* cannot read the file, or it is too large */
  RNC_CONLL_ERROR_PARSE,        /* a line is malformed */
  RNC_CONLL_ERROR_EMPTY,        /* no tagged token */
} RncConllError;

/* Files larger than this are refused (the text is held in memory). */
#define RNC_CONLL_MAX_FILE_BYTES ((gsize) 1 << 30)
/* Longest sentence, in tokens (a missing blank line shows up as one). */
#define RNC_CONLL_MAX_SENTENCE 4096

/* Tagged sentences: words[i] / tags[i] for every token; sentence s is
 * tokens [offsets[s], offsets[s + 1]). */
typedef struct {
  GPtrArray *words;             /* char*, owned */
  GPtrArray *tags;              /* char*, owned */
  GArray *offsets;              /* size_t, n_sentences + 1 */
  size_t max_len;               /* tokens of the longest sentence */
} RncConll;

/* Reads @path into @conll (cleared first). A line without exactly one tab,
 * an empty word or tag, invalid UTF-8, a NUL byte or a sentence longer than
 * RNC_CONLL_MAX_SENTENCE tokens is RNC_CONLL_ERROR_PARSE naming the file and
 * line. */
gboolean rnc_conll_read (const char *path, RncConll *conll, GError **error);
/* The same from memory; @name is used in error messages. */
gboolean rnc_conll_parse_data (const char *data, size_t len,
    const char *name, RncConll *conll, GError **error);
/* Frees what @conll holds and zeroes it (a zeroed one is fine). */
void rnc_conll_clear (RncConll *conll);
size_t rnc_conll_get_n_sentences (const RncConll *conll);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (RncConll, rnc_conll_clear)

G_END_DECLS
