/* librnc: safetensors reader and writer.
 *
 * The reader runs in three passes, all before the caller allocates anything
 * sized by the file:
 *   1. the 8-byte header length against the file size and the 100 MB limit;
 *   2. rnc_json_check(): strict RFC 8259 with nesting depth and value count
 *      bounded, UTF-8, no NUL, no "\u0000" escape, nothing after the
 *      object (rnc-json.h says why json-glib alone is not safe);
 *   3. json-glib parses the header while an "object-member" handler counts
 *      the members it sees per object: json-glib keeps the last of two
 *      equal keys silently, so a count above the object's size is a
 *      duplicate. Then every entry is checked, and the tensors sorted by
 *      offset must tile the data section exactly (no overlap, no gap, no
 *      trailing bytes), as in the reference implementation. */
#include "rnc-safetensors.h"

#include "rnc-json.h"
#include "rnc-model-io.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const struct {
  const char *name;
  size_t size;
} dtypes[] = {
  [RNC_DTYPE_BOOL] = {"BOOL", 1},
  [RNC_DTYPE_U8] = {"U8", 1},
  [RNC_DTYPE_I8] = {"I8", 1},
  [RNC_DTYPE_F8_E5M2] = {"F8_E5M2", 1},
  [RNC_DTYPE_F8_E4M3] = {"F8_E4M3", 1},
  [RNC_DTYPE_I16] = {"I16", 2},
  [RNC_DTYPE_U16] = {"U16", 2},
  [RNC_DTYPE_F16] = {"F16", 2},
  [RNC_DTYPE_BF16] = {"BF16", 2},
  [RNC_DTYPE_I32] = {"I32", 4},
  [RNC_DTYPE_U32] = {"U32", 4},
  [RNC_DTYPE_F32] = {"F32", 4},
  [RNC_DTYPE_I64] = {"I64", 8},
  [RNC_DTYPE_U64] = {"U64", 8},
  [RNC_DTYPE_F64] = {"F64", 8},
};

const char *
rnc_dtype_to_string (RncDtype dtype)
{
  g_return_val_if_fail ((size_t) dtype < G_N_ELEMENTS (dtypes), "?");
  return dtypes[dtype].name;
}

size_t
rnc_dtype_get_size (RncDtype dtype)
{
  g_return_val_if_fail ((size_t) dtype < G_N_ELEMENTS (dtypes), 0);
  return dtypes[dtype].size;
}

gboolean
rnc_dtype_from_string (const char *s, RncDtype *dtype)
{
  size_t i;

  for (i = 0; i < G_N_ELEMENTS (dtypes); i++)
    if (strcmp (s, dtypes[i].name) == 0) {
      *dtype = (RncDtype) i;
      return TRUE;
    }
  return FALSE;
}

struct _RncSafetensors
{
  char *name;                   /* for messages */
  RncTensorInfo *tensors;       /* (n_tensors), by offset; names owned */
  size_t n_tensors;
  GHashTable *by_name;          /* name -> RncTensorInfo*, borrowed */
  GHashTable *metadata;         /* char* -> char*, owned */
};

/* A printable, bounded excerpt of a string from the file for messages:
 * valid UTF-8, at most 64 characters. */
static char *
excerpt_str (const char *s)
{
  char *valid = g_utf8_make_valid (s, -1);
  char *head, *out;

  if (g_utf8_strlen (valid, -1) <= 64)
    return valid;
  head = g_utf8_substring (valid, 0, 61);
  out = g_strconcat (head, "...", NULL);
  g_free (head);
  g_free (valid);
  return out;
}

/* ------------------------------------------------------------------------ */
/* Pass 3: JSON with duplicate detection. */

typedef struct {
  GHashTable *counts;           /* JsonObject* -> members seen */
  guint depth;                  /* objects open */
  char *dup;                    /* first duplicate key */
  guint dup_depth;
} DupCheck;

static void
on_object_start (JsonParser *parser, gpointer data)
{
  ((DupCheck *) data)->depth++;
}

static void
on_object_end (JsonParser *parser, JsonObject *object, gpointer data)
{
  DupCheck *d = data;

  if (d->depth > 0)
    d->depth--;
}

static void
on_object_member (JsonParser *parser, JsonObject *object, const char *member,
    gpointer data)
{
  DupCheck *d = data;
  guint seen = GPOINTER_TO_UINT (g_hash_table_lookup (d->counts, object)) + 1;

  g_hash_table_insert (d->counts, object, GUINT_TO_POINTER (seen));
  if (seen != json_object_get_size (object) && !d->dup) {
    d->dup = g_strdup (member);
    d->dup_depth = d->depth;
  }
}

/* Reads a JSON integer node as a size; FALSE when it is not an integer
 * >= 0 (json-glib maps integers above INT64_MAX to negative values). */
static gboolean
node_to_size (JsonNode *node, guint64 *out)
{
  gint64 v;

  if (!node || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_INT64)
    return FALSE;
  v = json_node_get_int (node);
  if (v < 0 || (guint64) v > SIZE_MAX)
    return FALSE;
  *out = (guint64) v;
  return TRUE;
}

static char *
format_shape (const RncTensorInfo *t)
{
  GString *s = g_string_new ("(");
  size_t k;

  for (k = 0; k < t->rank; k++)
    g_string_append_printf (s, "%s%zu", k ? ", " : "", t->shape[k]);
  if (t->rank == 1)
    g_string_append_c (s, ',');
  g_string_append_c (s, ')');
  return g_string_free (s, FALSE);
}

/* Validates one tensor entry; fills @t except data. */
static gboolean
parse_entry (const char *file, const char *name, JsonNode *node,
    size_t data_size, RncTensorInfo *t, GError **error)
{
  JsonObject *obj;
  JsonNode *dt, *sh, *of;
  JsonArray *arr;
  const char *dtype_str;
  guint64 begin, end, v;
  size_t k, n_el = 1, n_bytes;
  char *nm = excerpt_str (name), *shape_str;

  if (!JSON_NODE_HOLDS_OBJECT (node)) {
    g_set_error (error, RNC_MODEL_ERROR, RNC_MODEL_ERROR_JSON,
        "%s: tensor '%s': entry is not a JSON object", file, nm);
    goto fail;
  }
  obj = json_node_get_object (node);
  dt = json_object_get_member (obj, "dtype");
  sh = json_object_get_member (obj, "shape");
  of = json_object_get_member (obj, "data_offsets");

  /* dtype */
  if (!dt || !JSON_NODE_HOLDS_VALUE (dt)
      || json_node_get_value_type (dt) != G_TYPE_STRING) {
    g_set_error (error, RNC_MODEL_ERROR, RNC_MODEL_ERROR_JSON,
        "%s: tensor '%s': field 'dtype' is missing or not a string", file, nm);
    goto fail;
  }
  dtype_str = json_node_get_string (dt);
  if (!rnc_dtype_from_string (dtype_str, &t->dtype)) {
    char *d = excerpt_str (dtype_str);
    g_set_error (error, RNC_MODEL_ERROR, RNC_MODEL_ERROR_DTYPE,
        "%s: tensor '%s': unknown dtype '%s'", file, nm, d);
    g_free (d);
    goto fail;
  }

  /* shape */
  if (!sh || !JSON_NODE_HOLDS_ARRAY (sh)) {
    g_set_error (error, RNC_MODEL_ERROR, RNC_MODEL_ERROR_JSON,
        "%s: tensor '%s': field 'shape' is missing or not an array", file, nm);
    goto fail;
  }
  arr = json_node_get_array (sh);
  t->rank = json_array_get_length (arr);
  if (t->rank > RNC_SAFETENSORS_MAX_RANK) {
    g_set_error (error, RNC_MODEL_ERROR, RNC_MODEL_ERROR_SHAPE,
        "%s: tensor '%s': rank %zu is above the limit of %d", file, nm,
        t->rank, RNC_SAFETENSORS_MAX_RANK);
    goto fail;
  }
  for (k = 0; k < t->rank; k++) {
    if (!node_to_size (json_array_get_element (arr, k), &v)) {
      g_set_error (error, RNC_MODEL_ERROR, RNC_MODEL_ERROR_SHAPE,
          "%s: tensor '%s': shape dimension %zu is not a non-negative integer",
          file, nm, k);
      goto fail;
    }
    if (v > RNC_MAX_DIM) {
      g_set_error (error, RNC_MODEL_ERROR, RNC_MODEL_ERROR_OVERFLOW,
          "%s: tensor '%s': shape dimension %zu is %" G_GUINT64_FORMAT
          ", above the limit of %u", file, nm, k, v, RNC_MAX_DIM);
      goto fail;
    }
    t->shape[k] = (size_t) v;
    if (!g_size_checked_mul (&n_el, n_el, t->shape[k]))
      goto overflow;
  }
  if (!g_size_checked_mul (&n_bytes, n_el, rnc_dtype_get_size (t->dtype))
      || n_bytes > (size_t) INT64_MAX)
    goto overflow;
  t->n_elements = n_el;
  t->n_bytes = n_bytes;

  /* data_offsets */
  if (!of || !JSON_NODE_HOLDS_ARRAY (of)) {
    g_set_error (error, RNC_MODEL_ERROR, RNC_MODEL_ERROR_JSON,
        "%s: tensor '%s': field 'data_offsets' is missing or not an array",
        file, nm);
    goto fail;
  }
  arr = json_node_get_array (of);
  if (json_array_get_length (arr) != 2
      || !node_to_size (json_array_get_element (arr, 0), &begin)
      || !node_to_size (json_array_get_element (arr, 1), &end)) {
    g_set_error (error, RNC_MODEL_ERROR, RNC_MODEL_ERROR_OFFSETS,
        "%s: tensor '%s': data_offsets must be two non-negative integers",
        file, nm);
    goto fail;
  }
  if (begin > end) {
    g_set_error (error, RNC_MODEL_ERROR, RNC_MODEL_ERROR_OFFSETS,
        "%s: tensor '%s': data_offsets [%" G_GUINT64_FORMAT ", %"
        G_GUINT64_FORMAT ") end before they begin", file, nm, begin, end);
    goto fail;
  }
  if (end > data_size) {
    g_set_error (error, RNC_MODEL_ERROR, RNC_MODEL_ERROR_OFFSETS,
        "%s: tensor '%s': data_offsets [%" G_GUINT64_FORMAT ", %"
        G_GUINT64_FORMAT ") lie outside the data section of %zu bytes", file,
        nm, begin, end, data_size);
    goto fail;
  }
  if (end - begin != n_bytes) {
    shape_str = format_shape (t);
    g_set_error (error, RNC_MODEL_ERROR, RNC_MODEL_ERROR_OFFSETS,
        "%s: tensor '%s': data_offsets span %" G_GUINT64_FORMAT
        " bytes but shape %s of %s needs %zu", file, nm, end - begin,
        shape_str, rnc_dtype_to_string (t->dtype), n_bytes);
    g_free (shape_str);
    goto fail;
  }
  t->offset = (size_t) begin;
  g_free (nm);
  return TRUE;

  /* ERRORS */
overflow:
  g_set_error (error, RNC_MODEL_ERROR, RNC_MODEL_ERROR_OVERFLOW,
      "%s: tensor '%s': the size of its shape overflows", file, nm);
fail:
  g_free (nm);
  return FALSE;
}

static gboolean
parse_metadata (const char *file, JsonNode *node, GHashTable *out,
    GError **error)
{
  JsonObject *obj;
  GList *members, *l;
  gboolean ok = TRUE;

  if (!JSON_NODE_HOLDS_OBJECT (node)) {
    g_set_error (error, RNC_MODEL_ERROR, RNC_MODEL_ERROR_JSON,
        "%s: __metadata__ is not a JSON object", file);
    return FALSE;
  }
  obj = json_node_get_object (node);
  members = json_object_get_members (obj);
  for (l = members; l && ok; l = l->next) {
    const char *key = l->data;
    JsonNode *v = json_object_get_member (obj, key);
    char *k;

    if (!JSON_NODE_HOLDS_VALUE (v)
        || json_node_get_value_type (v) != G_TYPE_STRING) {
      k = excerpt_str (key);
      g_set_error (error, RNC_MODEL_ERROR, RNC_MODEL_ERROR_JSON,
          "%s: __metadata__ '%s' is not a string", file, k);
      g_free (k);
      ok = FALSE;
    } else if (!g_utf8_validate (key, -1, NULL)
        || !g_utf8_validate (json_node_get_string (v), -1, NULL)) {
      k = excerpt_str (key);
      g_set_error (error, RNC_MODEL_ERROR, RNC_MODEL_ERROR_ENCODING,
          "%s: __metadata__ '%s' is not valid UTF-8", file, k);
      g_free (k);
      ok = FALSE;
    } else {
      g_hash_table_replace (out, g_strdup (key),
          g_strdup (json_node_get_string (v)));
    }
  }
  g_list_free (members);
  return ok;
}

static int
cmp_by_offset (const void *a, const void *b)
{
  const RncTensorInfo *x = a, *y = b;

  if (x->offset != y->offset)
    return x->offset < y->offset ? -1 : 1;
  if (x->n_bytes != y->n_bytes)
    return x->n_bytes < y->n_bytes ? -1 : 1;
  return strcmp (x->name, y->name);
}

void
rnc_safetensors_free (RncSafetensors *st)
{
  size_t i;

  if (!st)
    return;
  for (i = 0; i < st->n_tensors; i++)
    g_free ((char *) st->tensors[i].name);
  g_free (st->tensors);
  if (st->by_name)
    g_hash_table_unref (st->by_name);
  if (st->metadata)
    g_hash_table_unref (st->metadata);
  g_free (st->name);
  g_free (st);
}

RncSafetensors *
rnc_safetensors_parse (const guint8 *data, size_t size, const char *name,
    GError **error)
{
  RncSafetensors *st = NULL;
  JsonParser *parser = NULL;
  DupCheck dup = { 0 };
  GError *jerr = NULL;
  JsonObject *root;
  GList *members = NULL, *l;
  const char *file = name ? name : "<data>";
  guint64 hlen = 0;
  size_t data_size, i, n, cursor;
  const guint8 *base;

  g_return_val_if_fail (data != NULL || size == 0, NULL);

  /* Pass 1: header length */
  if (size < 8) {
    g_set_error (error, RNC_MODEL_ERROR, RNC_MODEL_ERROR_TRUNCATED,
        "%s: file is %zu bytes, shorter than the 8-byte header length", file,
        size);
    return NULL;
  }
  for (i = 0; i < 8; i++)
    hlen |= (guint64) data[i] << (8 * i);
  if (hlen == 0 || hlen > RNC_SAFETENSORS_MAX_HEADER) {
    if (hlen == 0)
      g_set_error (error, RNC_MODEL_ERROR, RNC_MODEL_ERROR_HEADER,
          "%s: header length is zero", file);
    else
      g_set_error (error, RNC_MODEL_ERROR, RNC_MODEL_ERROR_HEADER,
          "%s: header length %" G_GUINT64_FORMAT " is above the limit of %zu "
          "bytes", file, hlen, RNC_SAFETENSORS_MAX_HEADER);
    return NULL;
  }
  if (hlen > size - 8) {
    g_set_error (error, RNC_MODEL_ERROR, RNC_MODEL_ERROR_TRUNCATED,
        "%s: header length %" G_GUINT64_FORMAT " runs past the end of the "
        "file (%zu bytes)", file, hlen, size);
    return NULL;
  }
  data_size = size - 8 - (size_t) hlen;
  base = data + 8 + hlen;

  /* Passes 2 and 3 */
  parser = json_parser_new ();
  dup.counts = g_hash_table_new (NULL, NULL);
  g_signal_connect (parser, "object-start", G_CALLBACK (on_object_start), &dup);
  g_signal_connect (parser, "object-end", G_CALLBACK (on_object_end), &dup);
  g_signal_connect (parser, "object-member", G_CALLBACK (on_object_member),
      &dup);
  if (!rnc_json_parser_load (parser, (const char *) data + 8, (size_t) hlen,
          "header", RNC_SAFETENSORS_MAX_DEPTH, RNC_SAFETENSORS_MAX_VALUES,
          &jerr)) {
    g_set_error (error, RNC_MODEL_ERROR,
        jerr->code == RNC_JSON_ERROR_ENCODING ? RNC_MODEL_ERROR_ENCODING :
        RNC_MODEL_ERROR_JSON, "%s: %s", file, jerr->message);
    g_clear_error (&jerr);
    goto fail;
  }
  if (dup.dup) {
    char *d = excerpt_str (dup.dup);
    g_set_error (error, RNC_MODEL_ERROR, RNC_MODEL_ERROR_DUPLICATE,
        "%s: header has %s '%s' twice", file,
        dup.dup_depth <= 1 ? "tensor name" : "key", d);
    g_free (d);
    goto fail;
  }
  if (!json_parser_get_root (parser)
      || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser))) {
    g_set_error (error, RNC_MODEL_ERROR, RNC_MODEL_ERROR_JSON,
        "%s: header is not a JSON object", file);
    goto fail;
  }
  root = json_node_get_object (json_parser_get_root (parser));

  st = g_new0 (RncSafetensors, 1);
  st->name = g_strdup (file);
  st->metadata = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      g_free);
  st->by_name = g_hash_table_new (g_str_hash, g_str_equal);
  n = json_object_get_size (root);
  st->tensors = g_new0 (RncTensorInfo, n ? n : 1);

  members = json_object_get_members (root);
  for (l = members; l; l = l->next) {
    const char *key = l->data;
    JsonNode *node = json_object_get_member (root, key);
    RncTensorInfo *t;

    if (strcmp (key, "__metadata__") == 0) {
      if (!parse_metadata (file, node, st->metadata, error))
        goto fail;
      continue;
    }
    if (!g_utf8_validate (key, -1, NULL)) {
      char *k = excerpt_str (key);
      g_set_error (error, RNC_MODEL_ERROR, RNC_MODEL_ERROR_ENCODING,
          "%s: tensor name '%s' is not valid UTF-8", file, k);
      g_free (k);
      goto fail;
    }
    t = &st->tensors[st->n_tensors];
    if (!parse_entry (file, key, node, data_size, t, error))
      goto fail;
    t->name = g_strdup (key);
    st->n_tensors++;
  }

  /* Sorted by offset, the tensors must tile [0, data_size) exactly. */
  qsort (st->tensors, st->n_tensors, sizeof (RncTensorInfo), cmp_by_offset);
  cursor = 0;
  for (i = 0; i < st->n_tensors; i++) {
    RncTensorInfo *t = &st->tensors[i];

    if (t->offset < cursor) {
      const RncTensorInfo *p = &st->tensors[i - 1];
      char *a = excerpt_str (p->name), *b = excerpt_str (t->name);
      g_set_error (error, RNC_MODEL_ERROR, RNC_MODEL_ERROR_OVERLAP,
          "%s: tensors '%s' [%zu, %zu) and '%s' [%zu, %zu) overlap", file, a,
          p->offset, p->offset + p->n_bytes, b, t->offset,
          t->offset + t->n_bytes);
      g_free (a);
      g_free (b);
      goto fail;
    }
    if (t->offset > cursor) {
      char *b = excerpt_str (t->name);
      g_set_error (error, RNC_MODEL_ERROR, RNC_MODEL_ERROR_OFFSETS,
          "%s: tensor '%s': %zu unused bytes before its data_offsets begin "
          "at %zu", file, b, t->offset - cursor, t->offset);
      g_free (b);
      goto fail;
    }
    cursor = t->offset + t->n_bytes;
    t->data = base + t->offset;
  }
  if (cursor != data_size) {
    g_set_error (error, RNC_MODEL_ERROR, RNC_MODEL_ERROR_OFFSETS,
        "%s: %zu bytes of data after the last tensor (data section of %zu "
        "bytes)", file, data_size - cursor, data_size);
    goto fail;
  }
  for (i = 0; i < st->n_tensors; i++)
    g_hash_table_insert (st->by_name, (char *) st->tensors[i].name,
        &st->tensors[i]);

  g_list_free (members);
  g_hash_table_unref (dup.counts);
  g_free (dup.dup);
  g_object_unref (parser);
  return st;

fail:
  g_list_free (members);
  g_hash_table_unref (dup.counts);
  g_free (dup.dup);
  g_object_unref (parser);
  rnc_safetensors_free (st);
  return NULL;
}

const char *
rnc_safetensors_get_name (const RncSafetensors *st)
{
  return st->name;
}

size_t
rnc_safetensors_get_n_tensors (const RncSafetensors *st)
{
  return st->n_tensors;
}

const RncTensorInfo *
rnc_safetensors_get_tensor (const RncSafetensors *st, size_t i)
{
  g_return_val_if_fail (i < st->n_tensors, NULL);
  return &st->tensors[i];
}

const RncTensorInfo *
rnc_safetensors_lookup (const RncSafetensors *st, const char *name)
{
  return g_hash_table_lookup (st->by_name, name);
}

const char *
rnc_safetensors_get_metadata (const RncSafetensors *st, const char *key)
{
  return g_hash_table_lookup (st->metadata, key);
}

static int
cmp_str (const void *a, const void *b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

const char **
rnc_safetensors_list_metadata (const RncSafetensors *st, guint *n_keys)
{
  guint n = 0;
  const char **keys =
      (const char **) g_hash_table_get_keys_as_array (st->metadata, &n);

  qsort (keys, n, sizeof (char *), cmp_str);
  if (n_keys)
    *n_keys = n;
  return keys;
}

#if G_BYTE_ORDER == G_BIG_ENDIAN
/* Reverses each @esize-byte element of @p (n elements) in place. */
static void
swap_elements (guint8 *p, size_t n, size_t esize)
{
  size_t i, k;

  if (esize < 2)
    return;
  for (i = 0; i < n; i++, p += esize)
    for (k = 0; k < esize / 2; k++) {
      guint8 tmp = p[k];
      p[k] = p[esize - 1 - k];
      p[esize - 1 - k] = tmp;
    }
}
#endif

void
rnc_tensor_info_copy (const RncTensorInfo *t, void *dst)
{
  if (t->n_bytes)
    memcpy (dst, t->data, t->n_bytes);
#if G_BYTE_ORDER == G_BIG_ENDIAN
  swap_elements (dst, t->n_elements, rnc_dtype_get_size (t->dtype));
#endif
}

size_t
rnc_tensor_info_find_nonfinite (const RncTensorInfo *t)
{
  size_t i;

  /* memcpy per element: the data need not be aligned */
  if (t->dtype == RNC_DTYPE_F32) {
    for (i = 0; i < t->n_elements; i++) {
      guint32 bits;
      memcpy (&bits, t->data + 4 * i, 4);
      bits = GUINT32_FROM_LE (bits);
      if ((bits & 0x7f800000u) == 0x7f800000u)
        return i;
    }
  } else if (t->dtype == RNC_DTYPE_F64) {
    for (i = 0; i < t->n_elements; i++) {
      guint64 bits;
      memcpy (&bits, t->data + 8 * i, 8);
      bits = GUINT64_FROM_LE (bits);
      if ((bits & G_GUINT64_CONSTANT (0x7ff0000000000000))
          == G_GUINT64_CONSTANT (0x7ff0000000000000))
        return i;
    }
  }
  return (size_t) -1;
}

/* ------------------------------------------------------------------------ */
/* Writer */

typedef struct {
  char *name;
  RncDtype dtype;
  size_t rank;
  size_t shape[RNC_SAFETENSORS_MAX_RANK];
  size_t n_elements, n_bytes;
  const void *data;
} WTensor;

struct _RncSafetensorsWriter
{
  GArray *tensors;              /* WTensor */
  GHashTable *names;            /* set of tensor names, borrowed */
  GHashTable *metadata;         /* owned strings */
};

static void
wtensor_clear (gpointer p)
{
  g_free (((WTensor *) p)->name);
}

RncSafetensorsWriter *
rnc_safetensors_writer_new (void)
{
  RncSafetensorsWriter *w = g_new0 (RncSafetensorsWriter, 1);

  w->tensors = g_array_new (FALSE, TRUE, sizeof (WTensor));
  g_array_set_clear_func (w->tensors, wtensor_clear);
  w->names = g_hash_table_new (g_str_hash, g_str_equal);
  w->metadata = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      g_free);
  return w;
}

void
rnc_safetensors_writer_free (RncSafetensorsWriter *w)
{
  if (!w)
    return;
  g_hash_table_unref (w->names);
  g_array_unref (w->tensors);
  g_hash_table_unref (w->metadata);
  g_free (w);
}

gboolean
rnc_safetensors_writer_add (RncSafetensorsWriter *w, const char *name,
    RncDtype dtype, size_t rank, const size_t *shape, const void *data,
    GError **error)
{
  WTensor t = { 0 };
  size_t k;

  g_return_val_if_fail (w != NULL && name != NULL, FALSE);
  g_return_val_if_fail ((size_t) dtype < G_N_ELEMENTS (dtypes), FALSE);
  g_return_val_if_fail (rank == 0 || shape != NULL, FALSE);

  if (!g_utf8_validate (name, -1, NULL) || name[0] == '\0'
      || strcmp (name, "__metadata__") == 0) {
    g_set_error (error, RNC_MODEL_ERROR, RNC_MODEL_ERROR_ENCODING,
        "tensor name is empty, reserved or not valid UTF-8");
    return FALSE;
  }
  if (g_hash_table_contains (w->names, name)) {
    g_set_error (error, RNC_MODEL_ERROR, RNC_MODEL_ERROR_DUPLICATE,
        "tensor '%s' added twice", name);
    return FALSE;
  }
  if (rank > RNC_SAFETENSORS_MAX_RANK) {
    g_set_error (error, RNC_MODEL_ERROR, RNC_MODEL_ERROR_SHAPE,
        "tensor '%s': rank %zu is above the limit of %d", name, rank,
        RNC_SAFETENSORS_MAX_RANK);
    return FALSE;
  }
  t.n_elements = 1;
  for (k = 0; k < rank; k++) {
    if (shape[k] > RNC_MAX_DIM
        || !g_size_checked_mul (&t.n_elements, t.n_elements, shape[k])) {
      g_set_error (error, RNC_MODEL_ERROR, RNC_MODEL_ERROR_OVERFLOW,
          "tensor '%s': dimension %zu is too large", name, k);
      return FALSE;
    }
    t.shape[k] = shape[k];
  }
  if (!g_size_checked_mul (&t.n_bytes, t.n_elements, dtypes[dtype].size)) {
    g_set_error (error, RNC_MODEL_ERROR, RNC_MODEL_ERROR_OVERFLOW,
        "tensor '%s': size overflows", name);
    return FALSE;
  }
  g_return_val_if_fail (data != NULL || t.n_bytes == 0, FALSE);
  t.name = g_strdup (name);
  t.dtype = dtype;
  t.rank = rank;
  t.data = data;
  g_array_append_val (w->tensors, t);
  /* the array may move, the strings do not */
  g_hash_table_add (w->names, t.name);
  return TRUE;
}

void
rnc_safetensors_writer_set_metadata (RncSafetensorsWriter *w, const char *key,
    const char *value)
{
  g_return_if_fail (w != NULL && key != NULL);
  if (value)
    g_hash_table_replace (w->metadata, g_strdup (key), g_strdup (value));
  else
    g_hash_table_remove (w->metadata, key);
}

static char *
build_header (RncSafetensorsWriter *w, size_t *len, GError **error)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonGenerator) gen = NULL;
  g_autoptr (JsonNode) root = NULL;
  guint n_keys = 0, i;
  size_t off = 0, k;
  gsize glen = 0;
  char *text;
  const char **keys;

  json_builder_begin_object (b);
  if (g_hash_table_size (w->metadata) > 0) {
    keys = (const char **) g_hash_table_get_keys_as_array (w->metadata,
        &n_keys);
    qsort (keys, n_keys, sizeof (char *), cmp_str);
    for (i = 0; i < n_keys; i++) {
      const char *v = g_hash_table_lookup (w->metadata, keys[i]);
      if (!g_utf8_validate (keys[i], -1, NULL) || !g_utf8_validate (v, -1, NULL)) {
        g_set_error (error, RNC_MODEL_ERROR, RNC_MODEL_ERROR_ENCODING,
            "metadata pair %u is not valid UTF-8", i);
        g_free (keys);
        return NULL;
      }
    }
    json_builder_set_member_name (b, "__metadata__");
    json_builder_begin_object (b);
    for (i = 0; i < n_keys; i++) {
      json_builder_set_member_name (b, keys[i]);
      json_builder_add_string_value (b,
          g_hash_table_lookup (w->metadata, keys[i]));
    }
    json_builder_end_object (b);
    g_free (keys);
  }
  for (i = 0; i < w->tensors->len; i++) {
    const WTensor *t = &g_array_index (w->tensors, WTensor, i);

    json_builder_set_member_name (b, t->name);
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "dtype");
    json_builder_add_string_value (b, dtypes[t->dtype].name);
    json_builder_set_member_name (b, "shape");
    json_builder_begin_array (b);
    for (k = 0; k < t->rank; k++)
      json_builder_add_int_value (b, (gint64) t->shape[k]);
    json_builder_end_array (b);
    json_builder_set_member_name (b, "data_offsets");
    json_builder_begin_array (b);
    json_builder_add_int_value (b, (gint64) off);
    if (!g_size_checked_add (&off, off, t->n_bytes) || off > (size_t) INT64_MAX) {
      g_set_error (error, RNC_MODEL_ERROR, RNC_MODEL_ERROR_OVERFLOW,
          "the data section overflows at tensor '%s'", t->name);
      return NULL;
    }
    json_builder_add_int_value (b, (gint64) off);
    json_builder_end_array (b);
    json_builder_end_object (b);
  }
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  gen = json_generator_new ();
  json_generator_set_root (gen, root);
  text = json_generator_to_data (gen, &glen);
  return rnc_json_escape_controls (text, glen, len);
}

char *
rnc_json_escape_controls (char *text, size_t len, size_t *out_len)
{
  GString *out = g_string_sized_new (len + 1);
  gboolean in_string = FALSE;
  size_t i;

  for (i = 0; i < len; i++) {
    guchar ch = (guchar) text[i];

    if (in_string && ch == '\\' && i + 1 < len) {
      g_string_append_c (out, text[i]);
      g_string_append_c (out, text[++i]);
      continue;
    }
    if (ch == '"')
      in_string = !in_string;
    if (in_string && ch < 0x20)
      g_string_append_printf (out, "\\u%04x", ch);
    else
      g_string_append_c (out, (char) ch);
  }
  g_free (text);
  if (out_len)
    *out_len = out->len;
  return g_string_free (out, FALSE);
}

guint8 *
rnc_safetensors_writer_to_data (RncSafetensorsWriter *w, size_t *size,
    GError **error)
{
  size_t hlen, padded, total, data_bytes = 0, pos, i;
  char *header;
  guint8 *out;

  g_return_val_if_fail (w != NULL && size != NULL, NULL);

  header = build_header (w, &hlen, error);
  if (!header)
    return NULL;
  /* pad with spaces so that 8 + header is a multiple of 8 */
  padded = (hlen + 7) / 8 * 8;
  for (i = 0; i < w->tensors->len; i++)
    data_bytes += g_array_index (w->tensors, WTensor, i).n_bytes;   /* checked in build_header */
  if (padded > RNC_SAFETENSORS_MAX_HEADER
      || !g_size_checked_add (&total, 8 + padded, data_bytes)) {
    g_set_error (error, RNC_MODEL_ERROR, RNC_MODEL_ERROR_OVERFLOW,
        "the file would be too large (header of %zu bytes)", padded);
    g_free (header);
    return NULL;
  }
  out = g_malloc (total);
  for (i = 0; i < 8; i++)
    out[i] = (guint8) (((guint64) padded >> (8 * i)) & 0xff);
  memcpy (out + 8, header, hlen);
  memset (out + 8 + hlen, ' ', padded - hlen);
  g_free (header);
  pos = 8 + padded;
  for (i = 0; i < w->tensors->len; i++) {
    const WTensor *t = &g_array_index (w->tensors, WTensor, i);
    if (t->n_bytes)
      memcpy (out + pos, t->data, t->n_bytes);
#if G_BYTE_ORDER == G_BIG_ENDIAN
    swap_elements (out + pos, t->n_elements, dtypes[t->dtype].size);
#endif
    pos += t->n_bytes;
  }
  *size = total;
  return out;
}

/* write() all of @data, retrying interrupted and short writes. */
static gboolean
write_all (int fd, const guint8 *data, size_t size, int *err)
{
  while (size > 0) {
    ssize_t k = write (fd, data, MIN (size, (size_t) G_MAXSSIZE));
    if (k < 0) {
      if (errno == EINTR)
        continue;
      *err = errno;
      return FALSE;
    }
    data += k;
    size -= (size_t) k;
  }
  return TRUE;
}

/* Replaces @path with @data so that a crash at any moment leaves the old
 * file or the new one, whole: the data goes to "@path.tmp" in the same
 * folder (one fixed name: a temporary file left by a killed writer is
 * overwritten by the next write instead of piling up), is fsync'ed, renamed
 * over @path, and the folder is fsync'ed so that the rename itself is on
 * disk. On failure before the rename @path is untouched and the temporary
 * file removed; @error says which step failed and why (G_FILE_ERROR). */
static gboolean
write_atomic (const char *path, const guint8 *data, size_t size,
    GError **error)
{
  char *tmp = g_strconcat (path, ".tmp", NULL), *dir = NULL;
  const char *step;
  int fd, dfd, err = 0;
  gboolean ok = FALSE;

  step = "cannot create the temporary file";
  fd = open (tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) {
    err = errno;
    goto out;
  }
  step = "cannot write the temporary file";
  if (!write_all (fd, data, size, &err))
    goto fail_fd;
  step = "cannot flush the temporary file to disk";
  if (fsync (fd) != 0) {
    err = errno;
    goto fail_fd;
  }
  step = "cannot close the temporary file";
  if (close (fd) != 0) {
    err = errno;
    goto fail_unlink;
  }
  step = "cannot rename the temporary file over it";
  if (rename (tmp, path) != 0) {
    err = errno;
    goto fail_unlink;
  }
  /* the new file is in place; make the rename durable */
  dir = g_path_get_dirname (path);
  dfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    /* some filesystems cannot fsync a folder (EINVAL): nothing to do there */
    if (fsync (dfd) != 0 && errno != EINVAL && errno != EROFS) {
      err = errno;
      step = "written, but cannot flush its folder to disk";
      close (dfd);
      goto out;
    }
    close (dfd);
  }
  ok = TRUE;
  goto out;

fail_fd:
  close (fd);
fail_unlink:
  unlink (tmp);
out:
  if (!ok) {
    char *disp_tmp = g_filename_display_name (tmp);
    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (err),
        "%s (%s): %s", step, disp_tmp, g_strerror (err));
    g_free (disp_tmp);
  }
  g_free (dir);
  g_free (tmp);
  return ok;
}

gboolean
rnc_safetensors_write_atomic (const char *path, const guint8 *data,
    size_t size, GError **error)
{
  GError *err = NULL;

  g_return_val_if_fail (path != NULL, FALSE);
  if (write_atomic (path, data, size, &err))
    return TRUE;
  {
    char *disp = g_filename_display_name (path);
    g_set_error (error, RNC_MODEL_ERROR, RNC_MODEL_ERROR_IO,
        "%s: cannot write: %s", disp, err->message);
    g_free (disp);
    g_clear_error (&err);
  }
  return FALSE;
}

gboolean
rnc_safetensors_writer_to_file (RncSafetensorsWriter *w, const char *path,
    GError **error)
{
  size_t size = 0;
  guint8 *data;
  gboolean ok;

  g_return_val_if_fail (path != NULL, FALSE);

  data = rnc_safetensors_writer_to_data (w, &size, error);
  if (!data)
    return FALSE;
  ok = rnc_safetensors_write_atomic (path, data, size, error);
  g_free (data);
  return ok;
}
