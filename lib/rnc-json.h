/* librnc: hardened JSON reading, for every JSON text taken from a file
 * (safetensors headers, metadata values such as rnc.input_mean, rnc.vocab,
 * rnc.labels, rnc.residual_quantiles).
 *
 * json-glib 1.6 is not safe on hostile text by itself: it recurses once per
 * nesting level without a limit (100,000 '[' overflow the stack), accepts
 * and silently drops anything after the first value ("[1] [2]" is [1], and
 * the dropped nodes leak), accepts comments, single-quoted strings, hex and
 * leading-dot numbers (so a scan that only knows double-quoted strings can
 * be fooled: / * " * / [[[[...), and truncates a string at "\u0000".
 *
 * rnc_json_check() is a strict, non-recursive RFC 8259 checker: the text
 * must be valid UTF-8 without NUL bytes and hold exactly one JSON value,
 * optionally surrounded by whitespace (space, tab, CR, LF); strings have no
 * raw control characters, only the standard escapes, no escaped NUL and no
 * unpaired surrogate; nesting and the number of values are bounded. Text
 * that passes is a subset of what json-glib accepts, parsed the same way,
 * so handing it to json-glib afterwards is safe. rnc_json_parse() and
 * rnc_json_parser_load() do both steps; nothing else in the project calls
 * json_parser_load_from_data().
 *
 * Errors (RNC_JSON_ERROR) are whole sentences that start with @what, the
 * caller's name for the text ("header", "metadata 'rnc.input_mean'"), and
 * give the byte offset at fault. Callers re-raise them in their own domain
 * (the codes map onto RNC_MODEL_ERROR_JSON / _ENCODING, RNC_VOCAB_ERROR_*). */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>
#include <stddef.h>

G_BEGIN_DECLS

#define RNC_JSON_ERROR (rnc_json_error_quark ())
GQuark rnc_json_error_quark (void);

typedef enum {
  RNC_JSON_ERROR_SYNTAX,        /* not JSON, or no value at all */
  RNC_JSON_ERROR_TRAILING,      /* something other than whitespace after the value */
  RNC_JSON_ERROR_DEPTH,         /* nested deeper than the limit */
  RNC_JSON_ERROR_TOO_LARGE,     /* more values than the limit */
  RNC_JSON_ERROR_NUL,           /* a raw NUL byte */
  RNC_JSON_ERROR_ENCODING,      /* not UTF-8, an escaped NUL or an unpaired surrogate */
  RNC_JSON_ERROR_FAILED,
} RncJsonError;

/* Limits for JSON values stored in model metadata (each metadata value is
 * one string of the header): deep enough for any structure the project
 * writes (rnc.residual_quantiles nests 3 levels). */
#define RNC_JSON_METADATA_MAX_DEPTH 16
/* Hard cap on any depth passed in (the checker keeps one byte per level). */
#define RNC_JSON_MAX_DEPTH 256

/* Checks @len bytes of @text (no NUL terminator needed) as described
 * above. Nesting: each '[' or '{' is one level, and more than @max_depth
 * levels open at once is RNC_JSON_ERROR_DEPTH (@max_depth 1..
 * RNC_JSON_MAX_DEPTH). Values: every scalar, array, object and object key
 * counts one; more than @max_values is RNC_JSON_ERROR_TOO_LARGE (0 = no
 * limit). Linear time, no allocation, no recursion. */
gboolean rnc_json_check (const char *text, size_t len, const char *what,
    guint max_depth, size_t max_values, GError **error);

/* rnc_json_check(), then json-glib loads the text into @parser (which may
 * have signal handlers connected). */
gboolean rnc_json_parser_load (JsonParser *parser, const char *text,
    size_t len, const char *what, guint max_depth, size_t max_values,
    GError **error);

/* (transfer full) rnc_json_check(), then the root node of the text; @len
 * -1 means NUL-terminated. */
JsonNode *rnc_json_parse (const char *text, gssize len, const char *what,
    guint max_depth, size_t max_values, GError **error);

G_END_DECLS
