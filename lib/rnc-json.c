/* librnc: hardened JSON reading. See rnc-json.h for what is checked and
 * why json-glib needs it. */
#include "rnc-json.h"

#include <string.h>

G_DEFINE_QUARK (rnc-json-error-quark, rnc_json_error)

typedef struct {
  const char *s;
  size_t n, i;                  /* text, length, cursor */
  const char *what;
  GError **error;
} Cursor;

static gboolean
syntax (Cursor *c, const char *expected)
{
  if (c->i >= c->n)
    g_set_error (c->error, RNC_JSON_ERROR, RNC_JSON_ERROR_SYNTAX,
        "%s is not valid JSON: it ends at byte %zu where %s was expected",
        c->what, c->n, expected);
  else if ((guchar) c->s[c->i] >= 0x20 && (guchar) c->s[c->i] < 0x7f)
    g_set_error (c->error, RNC_JSON_ERROR, RNC_JSON_ERROR_SYNTAX,
        "%s is not valid JSON: '%c' at byte %zu where %s was expected",
        c->what, c->s[c->i], c->i, expected);
  else
    g_set_error (c->error, RNC_JSON_ERROR, RNC_JSON_ERROR_SYNTAX,
        "%s is not valid JSON: byte 0x%02x at byte %zu where %s was expected",
        c->what, (guchar) c->s[c->i], c->i, expected);
  return FALSE;
}

static inline void
skip_ws (Cursor *c)
{
  while (c->i < c->n && (c->s[c->i] == ' ' || c->s[c->i] == '\t'
          || c->s[c->i] == '\n' || c->s[c->i] == '\r'))
    c->i++;
}

static int
hex4 (const char *p)
{
  int v = 0, k;

  for (k = 0; k < 4; k++) {
    char h = p[k];
    v <<= 4;
    if (h >= '0' && h <= '9')
      v |= h - '0';
    else if (h >= 'a' && h <= 'f')
      v |= h - 'a' + 10;
    else if (h >= 'A' && h <= 'F')
      v |= h - 'A' + 10;
    else
      return -1;
  }
  return v;
}

/* At the opening quote; leaves the cursor after the closing one. */
static gboolean
scan_string (Cursor *c)
{
  size_t start = c->i;

  c->i++;
  while (c->i < c->n) {
    guchar b = (guchar) c->s[c->i];

    if (b == '"') {
      c->i++;
      return TRUE;
    }
    if (b < 0x20)
      return syntax (c, "a string character (control characters must be "
          "escaped)");
    if (b != '\\') {
      c->i++;
      continue;
    }
    if (c->i + 1 >= c->n)
      break;
    switch (c->s[c->i + 1]) {
      case '"':
      case '\\':
      case '/':
      case 'b':
      case 'f':
      case 'n':
      case 'r':
      case 't':
        c->i += 2;
        break;
      case 'u':{
        int u = c->i + 6 <= c->n ? hex4 (c->s + c->i + 2) : -1;

        if (u < 0) {
          c->i += 2;
          return syntax (c, "4 hex digits after \\u");
        }
        if (u == 0) {
          g_set_error (c->error, RNC_JSON_ERROR, RNC_JSON_ERROR_ENCODING,
              "%s holds an escaped NUL (\\u0000) in a string at byte %zu",
              c->what, c->i);
          return FALSE;
        }
        if (u >= 0xdc00 && u <= 0xdfff)
          goto surrogate;
        if (u >= 0xd800 && u <= 0xdbff) {
          int lo = c->i + 12 <= c->n && c->s[c->i + 6] == '\\'
              && c->s[c->i + 7] == 'u' ? hex4 (c->s + c->i + 8) : -1;
          if (lo < 0xdc00 || lo > 0xdfff)
            goto surrogate;
          c->i += 6;
        }
        c->i += 6;
        break;
      }
      default:
        c->i++;
        return syntax (c, "an escape (one of \\\" \\\\ \\/ \\b \\f \\n \\r "
            "\\t \\u)");
    }
  }
  g_set_error (c->error, RNC_JSON_ERROR, RNC_JSON_ERROR_SYNTAX,
      "%s is not valid JSON: the string at byte %zu has no closing quote",
      c->what, start);
  return FALSE;

surrogate:
  g_set_error (c->error, RNC_JSON_ERROR, RNC_JSON_ERROR_ENCODING,
      "%s holds an unpaired UTF-16 surrogate escape in a string at byte %zu",
      c->what, c->i);
  return FALSE;
}

static inline gboolean
is_digit (Cursor *c)
{
  return c->i < c->n && c->s[c->i] >= '0' && c->s[c->i] <= '9';
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static gboolean
scan_number (Cursor *c)
{
  if (c->s[c->i] == '-')
    c->i++;
  if (!is_digit (c))
    return syntax (c, "a digit");
  if (c->s[c->i] == '0')
    c->i++;
  else
    while (is_digit (c))
      c->i++;
  if (c->i < c->n && c->s[c->i] == '.') {
    c->i++;
    if (!is_digit (c))
      return syntax (c, "a digit after the decimal point");
    while (is_digit (c))
      c->i++;
  }
  if (c->i < c->n && (c->s[c->i] == 'e' || c->s[c->i] == 'E')) {
    c->i++;
    if (c->i < c->n && (c->s[c->i] == '+' || c->s[c->i] == '-'))
      c->i++;
    if (!is_digit (c))
      return syntax (c, "a digit in the exponent");
    while (is_digit (c))
      c->i++;
  }
  if (c->i < c->n && (g_ascii_isalnum (c->s[c->i]) || c->s[c->i] == '.'))
    return syntax (c, "',', ']', '}' or the end after a number");
  return TRUE;
}

static gboolean
scan_literal (Cursor *c, const char *word)
{
  size_t k = strlen (word);

  if (c->n - c->i < k || memcmp (c->s + c->i, word, k) != 0
      || (c->i + k < c->n && g_ascii_isalnum (c->s[c->i + k])))
    return syntax (c, "a value");
  c->i += k;
  return TRUE;
}

static gboolean
check_encoding (const char *text, size_t len, const char *what,
    GError **error)
{
  const char *bad = NULL;
  size_t off, from;
  char *ctx, *esc;

  if (g_utf8_validate_len (text, len, &bad))
    return TRUE;
  off = (size_t) (bad - text);
  if (*bad == '\0') {
    g_set_error (error, RNC_JSON_ERROR, RNC_JSON_ERROR_NUL,
        "%s holds a NUL byte at offset %zu", what, off);
    return FALSE;
  }
  /* the bytes before @bad are valid UTF-8; start on a character */
  from = off > 40 ? off - 40 : 0;
  while (from < off && (text[from] & 0xc0) == 0x80)
    from++;
  ctx = g_strndup (text + from, off - from);
  esc = g_strescape (ctx, NULL);
  g_set_error (error, RNC_JSON_ERROR, RNC_JSON_ERROR_ENCODING,
      "%s is not valid UTF-8 at byte %zu (after \"%s\")", what, off, esc);
  g_free (ctx);
  g_free (esc);
  return FALSE;
}

gboolean
rnc_json_check (const char *text, size_t len, const char *what,
    guint max_depth, size_t max_values, GError **error)
{
  /* what each open level is: '[' or '{' */
  char stack[RNC_JSON_MAX_DEPTH];
  guint depth = 0;
  size_t values = 0;
  Cursor c = { text, len, 0, what ? what : "JSON text", error };

  g_return_val_if_fail (text != NULL || len == 0, FALSE);
  g_return_val_if_fail (max_depth >= 1 && max_depth <= RNC_JSON_MAX_DEPTH,
      FALSE);

  if (!check_encoding (text, len, c.what, error))
    return FALSE;

  skip_ws (&c);
  if (c.i == c.n) {
    g_set_error (error, RNC_JSON_ERROR, RNC_JSON_ERROR_SYNTAX,
        "%s is not valid JSON: it holds no value", c.what);
    return FALSE;
  }

  for (;;) {
    /* here a value starts */
    if (c.i >= c.n)
      return syntax (&c, "a value");
    if (max_values && ++values > max_values)
      goto too_many;
    switch (c.s[c.i]) {
      case '[':
      case '{':
        if (depth >= max_depth)
          goto too_deep;
        stack[depth++] = c.s[c.i++];
        skip_ws (&c);
        if (c.i < c.n && c.s[c.i] == (stack[depth - 1] == '[' ? ']' : '}')) {
          c.i++;
          depth--;
          break;                /* an empty container is a whole value */
        }
        if (stack[depth - 1] == '{')
          goto key;
        continue;
      case '"':
        if (!scan_string (&c))
          return FALSE;
        break;
      case 't':
        if (!scan_literal (&c, "true"))
          return FALSE;
        break;
      case 'f':
        if (!scan_literal (&c, "false"))
          return FALSE;
        break;
      case 'n':
        if (!scan_literal (&c, "null"))
          return FALSE;
        break;
      default:
        if (c.s[c.i] == '-' || (c.s[c.i] >= '0' && c.s[c.i] <= '9')) {
          if (!scan_number (&c))
            return FALSE;
          break;
        }
        return syntax (&c, "a value");
    }

    /* a value ended: close containers, or go on to the next value */
    for (;;) {
      skip_ws (&c);
      if (depth == 0)
        goto done;
      if (c.i < c.n && c.s[c.i] == ',') {
        c.i++;
        skip_ws (&c);
        if (stack[depth - 1] == '{')
          goto key;
        break;
      }
      if (c.i < c.n && c.s[c.i] == (stack[depth - 1] == '[' ? ']' : '}')) {
        c.i++;
        depth--;
        continue;
      }
      return syntax (&c, stack[depth - 1] == '[' ? "',' or ']'" :
          "',' or '}'");
    }
    continue;

  key:
    if (c.i >= c.n || c.s[c.i] != '"')
      return syntax (&c, "a member name in double quotes");
    if (max_values && ++values > max_values)
      goto too_many;
    if (!scan_string (&c))
      return FALSE;
    skip_ws (&c);
    if (c.i >= c.n || c.s[c.i] != ':')
      return syntax (&c, "':'");
    c.i++;
    skip_ws (&c);
  }

done:
  if (c.i != c.n) {
    g_set_error (error, RNC_JSON_ERROR, RNC_JSON_ERROR_TRAILING,
        "%s is not valid JSON: more data after the first value, at byte %zu",
        c.what, c.i);
    return FALSE;
  }
  return TRUE;

  /* ERRORS */
too_deep:
  g_set_error (error, RNC_JSON_ERROR, RNC_JSON_ERROR_DEPTH,
      "%s nests deeper than %u levels (byte %zu)", c.what, max_depth, c.i);
  return FALSE;
too_many:
  g_set_error (error, RNC_JSON_ERROR, RNC_JSON_ERROR_TOO_LARGE,
      "%s has more than %zu JSON values", c.what, max_values);
  return FALSE;
}

gboolean
rnc_json_parser_load (JsonParser *parser, const char *text, size_t len,
    const char *what, guint max_depth, size_t max_values, GError **error)
{
  GError *jerr = NULL;

  g_return_val_if_fail (JSON_IS_PARSER (parser), FALSE);
  if (what == NULL)
    what = "JSON text";
  if (len > G_MAXSSIZE) {
    g_set_error (error, RNC_JSON_ERROR, RNC_JSON_ERROR_TOO_LARGE,
        "%s is too large (%zu bytes)", what, len);
    return FALSE;
  }
  if (!rnc_json_check (text, len, what, max_depth, max_values, error))
    return FALSE;
  /* json-glib needs a non-NULL buffer even for an empty one; the check
   * refused empty text already */
  if (!json_parser_load_from_data (parser, text, (gssize) len, &jerr)) {
    g_set_error (error, RNC_JSON_ERROR, RNC_JSON_ERROR_SYNTAX,
        "%s is not valid JSON: %s", what, jerr->message);
    g_error_free (jerr);
    return FALSE;
  }
  if (json_parser_get_root (parser) == NULL) {
    g_set_error (error, RNC_JSON_ERROR, RNC_JSON_ERROR_SYNTAX,
        "%s is not valid JSON: it holds no value", what);
    return FALSE;
  }
  return TRUE;
}

JsonNode *
rnc_json_parse (const char *text, gssize len, const char *what,
    guint max_depth, size_t max_values, GError **error)
{
  JsonParser *parser;
  JsonNode *root = NULL;

  g_return_val_if_fail (text != NULL, NULL);
  parser = json_parser_new_immutable ();
  if (rnc_json_parser_load (parser, text, len < 0 ? strlen (text) :
          (size_t) len, what, max_depth, max_values, error))
    root = json_parser_steal_root (parser);
  g_object_unref (parser);
  return root;
}
