/* librnc: vocabularies, building from counts, unknown-word signatures. */
#include "rnc-vocab.h"

#include "rnc-json.h"
#include "rnc-model-io.h"
#include "rnc-safetensors.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

G_DEFINE_QUARK (rnc-vocab-error-quark, rnc_vocab_error)

/* Vocabulary files above this size are refused rather than read. */
#define VOCAB_FILE_MAX_BYTES ((gsize) 1 << 30)

struct _RncVocab
{
  GPtrArray *tokens;            /* id -> char * (in chunk) */
  GHashTable *index;            /* char * -> GINT_TO_POINTER (id + 1) */
  GStringChunk *chunk;
  int32_t unk_id;
};

RncVocab *
rnc_vocab_new (void)
{
  RncVocab *v = g_new0 (RncVocab, 1);
  v->tokens = g_ptr_array_new ();
  v->index = g_hash_table_new (g_str_hash, g_str_equal);
  v->chunk = g_string_chunk_new (4096);
  v->unk_id = -1;
  return v;
}

void
rnc_vocab_free (RncVocab * v)
{
  if (v == NULL)
    return;
  g_ptr_array_unref (v->tokens);
  g_hash_table_unref (v->index);
  g_string_chunk_free (v->chunk);
  g_free (v);
}

gboolean
rnc_vocab_token_is_valid (const char *token, size_t len)
{
  if (token == NULL || len == 0 || len > RNC_VOCAB_MAX_TOKEN_BYTES)
    return FALSE;
  if (memchr (token, '\n', len) || memchr (token, '\r', len))
    return FALSE;
  return g_utf8_validate_len (token, len, NULL);
}

/* A printable excerpt of a token for error messages: at most ~40 bytes,
 * cut at a character boundary when the token is valid UTF-8. */
static char *
excerpt (const char *s, size_t len)
{
  size_t n = MIN (len, 40);
  if (g_utf8_validate_len (s, len, NULL))
    while (n < len && n > 0 && (((guchar) s[n]) & 0xc0) == 0x80)
      n--;
  return g_strdup_printf ("%.*s%s", (int) n, s, n < len ? "..." : "");
}

/* Why @len bytes cannot be a token, as an error code and a short reason. */
static gboolean
check_token (const char *token, size_t len, RncVocabError * code,
    const char **why)
{
  if (len == 0) {
    *code = RNC_VOCAB_ERROR_EMPTY_LINE;
    *why = "empty token";
    return FALSE;
  }
  if (len > RNC_VOCAB_MAX_TOKEN_BYTES) {
    *code = RNC_VOCAB_ERROR_INVALID;
    *why = "token longer than 65536 bytes";
    return FALSE;
  }
  if (!g_utf8_validate_len (token, len, NULL)) {
    *code = RNC_VOCAB_ERROR_ENCODING;
    *why = "not valid UTF-8 (or contains a NUL byte)";
    return FALSE;
  }
  if (memchr (token, '\n', len) || memchr (token, '\r', len)) {
    *code = RNC_VOCAB_ERROR_INVALID;
    *why = "token contains a line break";
    return FALSE;
  }
  return TRUE;
}

/* Appends a checked, new token. */
static int32_t
append_token (RncVocab * v, const char *token, size_t len)
{
  char *copy = g_string_chunk_insert_len (v->chunk, token, (gssize) len);
  int32_t id = (int32_t) v->tokens->len;

  g_ptr_array_add (v->tokens, copy);
  g_hash_table_insert (v->index, copy, GINT_TO_POINTER (id + 1));
  if (v->unk_id < 0 && strcmp (copy, RNC_VOCAB_UNK) == 0)
    v->unk_id = id;
  return id;
}

int32_t
rnc_vocab_add (RncVocab * v, const char *token, GError ** error)
{
  RncVocabError code;
  const char *why;
  size_t len;
  int32_t id;

  g_return_val_if_fail (v != NULL && token != NULL, -1);

  id = rnc_vocab_lookup (v, token);
  if (id >= 0)
    return id;
  len = strlen (token);
  if (!check_token (token, len, &code, &why)) {
    g_set_error (error, RNC_VOCAB_ERROR, code, "cannot add a token: %s", why);
    return -1;
  }
  if (v->tokens->len >= RNC_VOCAB_MAX_SIZE) {
    g_set_error (error, RNC_VOCAB_ERROR, RNC_VOCAB_ERROR_TOO_LARGE,
        "a vocabulary holds at most %u tokens", RNC_VOCAB_MAX_SIZE);
    return -1;
  }
  return append_token (v, token, len);
}

size_t
rnc_vocab_get_size (const RncVocab * v)
{
  g_return_val_if_fail (v != NULL, 0);
  return v->tokens->len;
}

int32_t
rnc_vocab_lookup (const RncVocab * v, const char *token)
{
  gpointer p;

  g_return_val_if_fail (v != NULL && token != NULL, -1);
  p = g_hash_table_lookup (v->index, token);
  return p ? GPOINTER_TO_INT (p) - 1 : -1;
}

const char *
rnc_vocab_get_token (const RncVocab * v, int32_t id)
{
  g_return_val_if_fail (v != NULL, NULL);
  if (id < 0 || (guint) id >= v->tokens->len)
    return NULL;
  return g_ptr_array_index (v->tokens, (guint) id);
}

int32_t
rnc_vocab_get_unk_id (const RncVocab * v)
{
  g_return_val_if_fail (v != NULL, -1);
  return v->unk_id;
}

/* ------------------------------------------------------------------------ */
/* Files */

RncVocab *
rnc_vocab_load_from_data (const char *data, size_t size, const char *name,
    GError ** error)
{
  RncVocab *v;
  size_t pos = 0, line_no = 0;

  g_return_val_if_fail (data != NULL || size == 0, NULL);
  if (name == NULL)
    name = "(vocabulary)";

  v = rnc_vocab_new ();
  while (pos < size) {
    const char *line = data + pos;
    const char *nl = memchr (line, '\n', size - pos);
    size_t len = nl ? (size_t) (nl - line) : size - pos;
    RncVocabError code;
    const char *why;
    gpointer prev;

    pos += len + (nl ? 1 : 0);
    line_no++;
    if (len > 0 && line[len - 1] == '\r')
      len--;
    if (len == 0) {
      g_set_error (error, RNC_VOCAB_ERROR, RNC_VOCAB_ERROR_EMPTY_LINE,
          "%s:%zu: empty line (a vocabulary file holds one token per line, "
          "line k being id k-1)", name, line_no);
      goto failed;
    }
    if (!check_token (line, len, &code, &why)) {
      g_set_error (error, RNC_VOCAB_ERROR, code, "%s:%zu: %s", name, line_no,
          why);
      goto failed;
    }
    if (v->tokens->len >= RNC_VOCAB_MAX_SIZE) {
      g_set_error (error, RNC_VOCAB_ERROR, RNC_VOCAB_ERROR_TOO_LARGE,
          "%s:%zu: more than %u tokens", name, line_no, RNC_VOCAB_MAX_SIZE);
      goto failed;
    }
    /* Look up through a terminated copy in the chunk only when new: most
     * lines are, and the chunk keeps the bytes anyway. */
    {
      char *copy = g_string_chunk_insert_len (v->chunk, line, (gssize) len);
      prev = g_hash_table_lookup (v->index, copy);
      if (prev) {
        char *ex = excerpt (line, len);
        g_set_error (error, RNC_VOCAB_ERROR, RNC_VOCAB_ERROR_DUPLICATE,
            "%s:%zu: duplicate token '%s' (first on line %d)", name, line_no,
            ex, GPOINTER_TO_INT (prev));
        g_free (ex);
        goto failed;
      }
      g_ptr_array_add (v->tokens, copy);
      g_hash_table_insert (v->index, copy,
          GINT_TO_POINTER ((int) v->tokens->len));
      if (v->unk_id < 0 && strcmp (copy, RNC_VOCAB_UNK) == 0)
        v->unk_id = (int32_t) v->tokens->len - 1;
    }
  }
  return v;

  /* ERRORS */
failed:
  rnc_vocab_free (v);
  return NULL;
}

RncVocab *
rnc_vocab_load (const char *path, GError ** error)
{
  GError *err = NULL;
  GStatBuf st;
  char *data = NULL;
  gsize size = 0;
  RncVocab *v;

  g_return_val_if_fail (path != NULL, NULL);

  if (g_stat (path, &st) != 0) {
    int e = errno;
    g_set_error (error, RNC_VOCAB_ERROR, RNC_VOCAB_ERROR_IO,
        "%s: cannot read vocabulary: %s", path, g_strerror (e));
    return NULL;
  }
  if (!S_ISREG (st.st_mode) || (guint64) st.st_size > VOCAB_FILE_MAX_BYTES) {
    g_set_error (error, RNC_VOCAB_ERROR, RNC_VOCAB_ERROR_IO,
        "%s: not a regular file of at most 1 GiB", path);
    return NULL;
  }
  if (!g_file_get_contents (path, &data, &size, &err)) {
    g_set_error (error, RNC_VOCAB_ERROR, RNC_VOCAB_ERROR_IO,
        "cannot read vocabulary: %s", err->message);
    g_error_free (err);
    return NULL;
  }
  v = rnc_vocab_load_from_data (data, size, path, error);
  g_free (data);
  return v;
}

char *
rnc_vocab_to_data (const RncVocab * v, size_t *size)
{
  GString *s;
  guint i;

  g_return_val_if_fail (v != NULL, NULL);
  s = g_string_new (NULL);
  for (i = 0; i < v->tokens->len; i++) {
    g_string_append (s, g_ptr_array_index (v->tokens, i));
    g_string_append_c (s, '\n');
  }
  if (size)
    *size = s->len;
  return g_string_free (s, FALSE);
}

gboolean
rnc_vocab_save (const RncVocab * v, const char *path, GError ** error)
{
  GError *err = NULL;
  size_t size = 0;
  char *data;
  gboolean ok;

  g_return_val_if_fail (v != NULL && path != NULL, FALSE);
  data = rnc_vocab_to_data (v, &size);
  ok = g_file_set_contents_full (path, data, (gssize) size,
      G_FILE_SET_CONTENTS_CONSISTENT, 0666, &err);
  g_free (data);
  if (!ok) {
    g_set_error (error, RNC_VOCAB_ERROR, RNC_VOCAB_ERROR_IO,
        "cannot write vocabulary: %s", err->message);
    g_error_free (err);
  }
  return ok;
}

/* ------------------------------------------------------------------------ */
/* JSON */

char *
rnc_vocab_to_json (const RncVocab * v)
{
  JsonArray *array;
  JsonNode *root;
  JsonGenerator *gen;
  char *out;
  gsize len = 0;
  guint i;

  g_return_val_if_fail (v != NULL, NULL);
  array = json_array_sized_new (v->tokens->len);
  for (i = 0; i < v->tokens->len; i++)
    json_array_add_string_element (array, g_ptr_array_index (v->tokens, i));
  root = json_node_new (JSON_NODE_ARRAY);
  json_node_take_array (root, array);
  gen = json_generator_new ();
  json_generator_set_root (gen, root);
  out = json_generator_to_data (gen, &len);
  g_object_unref (gen);
  json_node_unref (root);
  return rnc_json_escape_controls (out, len, NULL);
}

RncVocab *
rnc_vocab_new_from_json (const char *json, gssize length, const char *name,
    GError ** error)
{
  JsonNode *root;
  JsonArray *array;
  GError *err = NULL;
  RncVocab *v = NULL;
  guint i, n;

  g_return_val_if_fail (json != NULL, NULL);
  if (name == NULL)
    name = "(JSON vocabulary)";

  /* one value per token plus the list: a longer list is refused before
   * json-glib builds it */
  root = rnc_json_parse (json, length, "the text",
      RNC_JSON_METADATA_MAX_DEPTH, (size_t) RNC_VOCAB_MAX_SIZE + 1, &err);
  if (root == NULL) {
    g_set_error (error, RNC_VOCAB_ERROR,
        err->code == RNC_JSON_ERROR_TOO_LARGE ? RNC_VOCAB_ERROR_TOO_LARGE :
        err->code == RNC_JSON_ERROR_ENCODING || err->code == RNC_JSON_ERROR_NUL
        ? RNC_VOCAB_ERROR_ENCODING : RNC_VOCAB_ERROR_JSON,
        "%s: not a JSON list of strings: %s", name, err->message);
    g_error_free (err);
    goto out;
  }
  if (!JSON_NODE_HOLDS_ARRAY (root)) {
    g_set_error (error, RNC_VOCAB_ERROR, RNC_VOCAB_ERROR_JSON,
        "%s: not a JSON list of strings", name);
    goto out;
  }
  array = json_node_get_array (root);
  n = json_array_get_length (array);
  if (n > RNC_VOCAB_MAX_SIZE) {
    g_set_error (error, RNC_VOCAB_ERROR, RNC_VOCAB_ERROR_TOO_LARGE,
        "%s: %u tokens, more than %u", name, n, RNC_VOCAB_MAX_SIZE);
    goto out;
  }

  v = rnc_vocab_new ();
  for (i = 0; i < n; i++) {
    JsonNode *node = json_array_get_element (array, i);
    const char *token, *why;
    RncVocabError code;
    size_t len;
    int32_t prev;

    if (!JSON_NODE_HOLDS_VALUE (node)
        || json_node_get_value_type (node) != G_TYPE_STRING) {
      g_set_error (error, RNC_VOCAB_ERROR, RNC_VOCAB_ERROR_JSON,
          "%s: element %u is not a string", name, i);
      goto failed;
    }
    token = json_node_get_string (node);
    len = strlen (token);
    if (!check_token (token, len, &code, &why)) {
      g_set_error (error, RNC_VOCAB_ERROR, code, "%s: element %u: %s", name,
          i, why);
      goto failed;
    }
    prev = rnc_vocab_lookup (v, token);
    if (prev >= 0) {
      char *ex = excerpt (token, len);
      g_set_error (error, RNC_VOCAB_ERROR, RNC_VOCAB_ERROR_DUPLICATE,
          "%s: element %u: duplicate token '%s' (first at element %d)", name,
          i, ex, prev);
      g_free (ex);
      goto failed;
    }
    append_token (v, token, len);
  }
  goto out;

  /* ERRORS */
failed:
  rnc_vocab_free (v);
  v = NULL;
out:
  if (root)
    json_node_unref (root);
  return v;
}

RncVocab *
rnc_vocab_new_from_metadata (const char *value, const char *base_dir,
    const char *name, const char *key, GError ** error)
{
  const char *p = value;
  GError *err = NULL;
  RncVocab *v;
  char *where, *path;

  g_return_val_if_fail (value != NULL, NULL);
  if (name == NULL)
    name = "(model)";
  if (key == NULL)
    key = "vocabulary";

  while (g_ascii_isspace (*p))
    p++;
  where = g_strdup_printf ("%s: %s", name, key);
  if (*p == '[') {
    v = rnc_vocab_new_from_json (value, -1, where, error);
    g_free (where);
    return v;
  }
  if (*p == '\0') {
    g_set_error (error, RNC_VOCAB_ERROR, RNC_VOCAB_ERROR_FAILED,
        "%s is empty (expected a JSON list or a vocabulary file name)", where);
    g_free (where);
    return NULL;
  }
  if (g_path_is_absolute (value) || base_dir == NULL)
    path = g_strdup (value);
  else
    path = g_build_filename (base_dir, value, NULL);
  v = rnc_vocab_load (path, &err);
  if (v == NULL) {
    g_set_error (error, RNC_VOCAB_ERROR, err->code, "%s names a file: %s",
        where, err->message);
    g_error_free (err);
  }
  g_free (path);
  g_free (where);
  return v;
}

/* ------------------------------------------------------------------------ */
/* Vocabulary or model file */

/* safetensors caps its header at 100 MB. */
#define SAFETENSORS_MAX_HEADER ((guint64) 100000000)

gboolean
rnc_file_is_safetensors (const char *path)
{
  guint8 head[24];
  guint64 n = 0;
  GStatBuf st;
  size_t got, i;
  FILE *f;

  g_return_val_if_fail (path != NULL, FALSE);
  if (g_stat (path, &st) != 0 || !S_ISREG (st.st_mode) || st.st_size < 10)
    return FALSE;
  f = g_fopen (path, "rb");
  if (f == NULL)
    return FALSE;
  got = fread (head, 1, sizeof (head), f);
  fclose (f);
  if (got < 10)
    return FALSE;
  for (i = 0; i < 8; i++)
    n |= (guint64) head[i] << (8 * i);
  if (n < 2 || n > SAFETENSORS_MAX_HEADER || n > (guint64) st.st_size - 8)
    return FALSE;
  for (i = 8; i < got && i < 8 + n; i++) {
    if (head[i] == '{')
      return TRUE;
    if (head[i] != ' ' && head[i] != '\t' && head[i] != '\n' && head[i] != '\r')
      return FALSE;
  }
  return FALSE;
}

RncVocab *
rnc_vocab_load_any (const char *path, const char *const *keys,
    GError ** error)
{
  RncModel *model;
  RncVocab *v = NULL;
  const char *const *k;

  g_return_val_if_fail (path != NULL, NULL);

  if (!rnc_file_is_safetensors (path) && !g_str_has_suffix (path, ".onnx"))
    return rnc_vocab_load (path, error);

  /* A model file: its metadata names or holds the vocabulary. */
  model = rnc_model_load (path, error);
  if (model == NULL)
    return NULL;
  for (k = keys; k && *k; k++) {
    const char *value = rnc_model_get_metadata (model, *k);
    if (value != NULL) {
      char *dir = g_path_get_dirname (path);
      v = rnc_vocab_new_from_metadata (value, dir, path, *k, error);
      g_free (dir);
      break;
    }
  }
  if (k == NULL || *k == NULL) {
    char *want = keys ? g_strjoinv (" or ", (char **) keys) : g_strdup ("?");
    g_set_error (error, RNC_VOCAB_ERROR, RNC_VOCAB_ERROR_FAILED,
        "%s: the model has no %s metadata (no vocabulary)", path, want);
    g_free (want);
  }
  rnc_model_free (model);
  return v;
}

/* ------------------------------------------------------------------------ */
/* Building */

void
rnc_vocab_build_options_init (RncVocabBuildOptions * options)
{
  g_return_if_fail (options != NULL);
  memset (options, 0, sizeof (*options));
  options->order = RNC_VOCAB_ORDER_SORTED;
  options->max_size = 0;
  options->min_count = 1;
  options->add_unk = FALSE;
}

struct _RncVocabCounter
{
  GPtrArray *tokens;            /* index -> char * (in chunk) */
  GArray *counts;               /* index -> uint64_t */
  GHashTable *index;            /* char * -> GINT_TO_POINTER (index + 1) */
  GStringChunk *chunk;
};

RncVocabCounter *
rnc_vocab_counter_new (void)
{
  RncVocabCounter *c = g_new0 (RncVocabCounter, 1);
  c->tokens = g_ptr_array_new ();
  c->counts = g_array_new (FALSE, TRUE, sizeof (uint64_t));
  c->index = g_hash_table_new (g_str_hash, g_str_equal);
  c->chunk = g_string_chunk_new (4096);
  return c;
}

void
rnc_vocab_counter_free (RncVocabCounter * c)
{
  if (c == NULL)
    return;
  g_ptr_array_unref (c->tokens);
  g_array_unref (c->counts);
  g_hash_table_unref (c->index);
  g_string_chunk_free (c->chunk);
  g_free (c);
}

int32_t
rnc_vocab_counter_add (RncVocabCounter * c, const char *token)
{
  gpointer p;
  int32_t idx;
  uint64_t one = 1;
  char *copy;

  g_return_val_if_fail (c != NULL && token != NULL, -1);
  p = g_hash_table_lookup (c->index, token);
  if (p) {
    idx = GPOINTER_TO_INT (p) - 1;
    g_array_index (c->counts, uint64_t, idx)++;
    return idx;
  }
  if (c->tokens->len >= RNC_VOCAB_COUNTER_MAX_SIZE)
    return -1;
  copy = g_string_chunk_insert (c->chunk, token);
  idx = (int32_t) c->tokens->len;
  g_ptr_array_add (c->tokens, copy);
  g_array_append_val (c->counts, one);
  g_hash_table_insert (c->index, copy, GINT_TO_POINTER (idx + 1));
  return idx;
}

size_t
rnc_vocab_counter_get_size (const RncVocabCounter * c)
{
  g_return_val_if_fail (c != NULL, 0);
  return c->tokens->len;
}

const char *
rnc_vocab_counter_get_token (const RncVocabCounter * c, int32_t index)
{
  g_return_val_if_fail (c != NULL, NULL);
  if (index < 0 || (guint) index >= c->tokens->len)
    return NULL;
  return g_ptr_array_index (c->tokens, (guint) index);
}

uint64_t
rnc_vocab_counter_get_count (const RncVocabCounter * c, const char *token)
{
  gpointer p;

  g_return_val_if_fail (c != NULL && token != NULL, 0);
  p = g_hash_table_lookup (c->index, token);
  return p ? g_array_index (c->counts, uint64_t, GPOINTER_TO_INT (p) - 1) : 0;
}

typedef struct
{
  const char *token;
  uint64_t count;
} Entry;

static int
cmp_bytes (const void *a, const void *b)
{
  return strcmp (((const Entry *) a)->token, ((const Entry *) b)->token);
}

static int
cmp_frequency (const void *a, const void *b)
{
  const Entry *x = a, *y = b;
  if (x->count != y->count)
    return x->count > y->count ? -1 : 1;
  return strcmp (x->token, y->token);
}

RncVocab *
rnc_vocab_counter_build (const RncVocabCounter * c,
    const RncVocabBuildOptions * options, GError ** error)
{
  RncVocabBuildOptions defaults;
  Entry *entries;
  size_t n = 0, keep, i;
  RncVocab *v;

  g_return_val_if_fail (c != NULL, NULL);
  if (options == NULL) {
    rnc_vocab_build_options_init (&defaults);
    options = &defaults;
  }

  entries = g_new (Entry, c->tokens->len + 1);
  for (i = 0; i < c->tokens->len; i++) {
    const char *token = g_ptr_array_index (c->tokens, i);
    uint64_t count = g_array_index (c->counts, uint64_t, i);
    if (count < options->min_count)
      continue;
    if (options->add_unk && strcmp (token, RNC_VOCAB_UNK) == 0)
      continue;
    entries[n].token = token;
    entries[n].count = count;
    n++;
  }

  keep = n;
  if (options->max_size > 0) {
    size_t room = options->max_size - (options->add_unk ? 1 : 0);
    if (room < n) {
      /* the most frequent ones, ties in byte order */
      qsort (entries, n, sizeof (Entry), cmp_frequency);
      keep = room;
    }
  }
  if (keep + (options->add_unk ? 1 : 0) > RNC_VOCAB_MAX_SIZE) {
    g_set_error (error, RNC_VOCAB_ERROR, RNC_VOCAB_ERROR_TOO_LARGE,
        "%zu distinct tokens, more than a vocabulary holds (%u); set a "
        "max-size or a min-count", keep, RNC_VOCAB_MAX_SIZE);
    g_free (entries);
    return NULL;
  }
  qsort (entries, keep, sizeof (Entry),
      options->order == RNC_VOCAB_ORDER_FREQUENCY ? cmp_frequency : cmp_bytes);

  v = rnc_vocab_new ();
  if (options->add_unk)
    append_token (v, RNC_VOCAB_UNK, strlen (RNC_VOCAB_UNK));
  for (i = 0; i < keep; i++)
    append_token (v, entries[i].token, strlen (entries[i].token));
  g_free (entries);
  return v;
}

/* ------------------------------------------------------------------------ */
/* Unknown words */

/* Longest first, so that "-less", "-ness" and "-ous" win over "-s". */
static const char *const unk_suffixes[] = {
  "less", "ness", "ment", "able", "ing", "ion", "ous", "ful", "ity", "est",
  "ive", "ed", "ly", "er", "al", "ic", "s", "y",
};

/* "<unk-cap-num-hyph-less>" is the longest signature: 23 bytes + NUL. */
#define SIGNATURE_SIZE 32

typedef struct
{
  gboolean cap, num, hyph;
  const char *suffix;           /* NULL: none */
} Signature;

static void
signature_of (const char *word, Signature * sig)
{
  size_t len = strlen (word), chars;
  const char *p;
  gunichar first;
  size_t i;

  memset (sig, 0, sizeof (*sig));
  if (!g_utf8_validate_len (word, len, NULL)) {
    /* not text: only the byte-level features */
    sig->hyph = memchr (word, '-', len) != NULL;
    return;
  }
  first = g_utf8_get_char (word);
  sig->cap = len > 0 && (g_unichar_isupper (first) || g_unichar_istitle (first));
  for (p = word; *p; p = g_utf8_next_char (p)) {
    gunichar c = g_utf8_get_char (p);
    if (g_unichar_isdigit (c))
      sig->num = TRUE;
    else if (c == '-')
      sig->hyph = TRUE;
  }
  chars = (size_t) g_utf8_strlen (word, (gssize) len);
  for (i = 0; i < G_N_ELEMENTS (unk_suffixes); i++) {
    size_t sl = strlen (unk_suffixes[i]);
    if (chars > sl + 2
        && g_ascii_strncasecmp (word + len - sl, unk_suffixes[i], sl) == 0) {
      sig->suffix = unk_suffixes[i];
      break;
    }
  }
}

static void
format_signature (const Signature * sig, gboolean num_hyph,
    gboolean suffix, char out[SIGNATURE_SIZE])
{
  g_snprintf (out, SIGNATURE_SIZE, "<unk%s%s%s%s%s>",
      sig->cap ? "-cap" : "",
      num_hyph && sig->num ? "-num" : "",
      num_hyph && sig->hyph ? "-hyph" : "",
      suffix && sig->suffix ? "-" : "", suffix && sig->suffix ? sig->suffix : "");
}

char *
rnc_vocab_unknown_signature (const char *word)
{
  Signature sig;
  char buf[SIGNATURE_SIZE];

  g_return_val_if_fail (word != NULL, NULL);
  signature_of (word, &sig);
  format_signature (&sig, TRUE, TRUE, buf);
  return g_strdup (buf);
}

int32_t
rnc_vocab_lookup_unknown (const RncVocab * v, const char *word)
{
  Signature sig;
  char buf[SIGNATURE_SIZE];
  int32_t id;

  g_return_val_if_fail (v != NULL && word != NULL, -1);
  signature_of (word, &sig);

  format_signature (&sig, TRUE, TRUE, buf);
  if ((id = rnc_vocab_lookup (v, buf)) >= 0)
    return id;
  format_signature (&sig, TRUE, FALSE, buf);
  if ((id = rnc_vocab_lookup (v, buf)) >= 0)
    return id;
  format_signature (&sig, FALSE, FALSE, buf);
  if ((id = rnc_vocab_lookup (v, buf)) >= 0)
    return id;
  return v->unk_id;
}

gboolean
rnc_vocab_add_unknown_classes (RncVocab * v, const char *word,
    GError ** error)
{
  Signature sig;
  char buf[SIGNATURE_SIZE];

  g_return_val_if_fail (v != NULL && word != NULL, FALSE);
  signature_of (word, &sig);
  format_signature (&sig, TRUE, TRUE, buf);
  if (rnc_vocab_add (v, buf, error) < 0)
    return FALSE;
  format_signature (&sig, TRUE, FALSE, buf);
  if (rnc_vocab_add (v, buf, error) < 0)
    return FALSE;
  format_signature (&sig, FALSE, FALSE, buf);
  return rnc_vocab_add (v, buf, error) >= 0;
}

/* ------------------------------------------------------------------------ */
/* Frames */

void
rnc_vocab_ids_to_onehot (const int32_t * ids, size_t n, size_t width,
    float *onehot)
{
  size_t t;

  g_return_if_fail ((ids != NULL && onehot != NULL) || n == 0);
  for (t = 0; t < n; t++) {
    float *row = onehot + t * width;    /* (width) */
    memset (row, 0, width * sizeof (float));
    if (ids[t] >= 0 && (size_t) ids[t] < width)
      row[ids[t]] = 1.0f;
  }
}
