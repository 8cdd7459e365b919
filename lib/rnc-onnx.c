/* librnc: ONNX import. See rnc-onnx.h and docs/interop.md.
 *
 * Three steps, nothing sized by the file allocated before its checks:
 * 1. scan: the protobuf wire format is walked with the generated message
 *    descriptors, iteratively per message and with a depth limit, so that
 *    the decoder (which recurses) never sees a hostile nesting;
 * 2. decode: protobuf-c unpacks with an allocator that refuses past a
 *    budget proportional to the file size;
 * 3. plan: the chain of nodes from the graph's output back to its input is
 *    collected, each node checked (op, attributes, constant inputs, shapes,
 *    finite weights) and the model configuration derived; only then is the
 *    model allocated and its weights copied, gates reordered. */
#include "rnc-onnx.h"

#include "rnc-model-io.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

gboolean
rnc_onnx_data_looks_like (const guint8 *data, size_t size, const char *name)
{
  if (size >= 9 && data[8] == '{')
    return FALSE;               /* a safetensors header length, then JSON */
  if (name && g_str_has_suffix (name, ".onnx"))
    return TRUE;
  return size >= 1 && data[0] == 0x08;
}

#ifndef RNC_HAVE_ONNX

gboolean
rnc_onnx_is_supported (void)
{
  return FALSE;
}

RncModel *
rnc_onnx_load_from_data (const guint8 *data, size_t size, const char *name,
    GError **error)
{
  g_set_error (error, RNC_MODEL_ERROR, RNC_MODEL_ERROR_UNSUPPORTED,
      "%s: an ONNX file, but this build has no ONNX support (protobuf-c and "
      "libonnx-dev were missing at build time)", name ? name : "<data>");
  return NULL;
}

#else

#include "onnx.pb-c.h"

#define MAX_DEPTH 64
#define MAX_FILE ((size_t) G_MAXINT32)
#define MAX_RANK 8
#define BUDGET_BASE ((size_t) 256 << 20)

gboolean
rnc_onnx_is_supported (void)
{
  return TRUE;
}

/* ---- 1. wire scan ------------------------------------------------------ */

static gboolean
read_varint (const guint8 **p, const guint8 *end, guint64 *out)
{
  guint64 v = 0;
  int shift;

  for (shift = 0; shift < 64 && *p < end; shift += 7) {
    guint8 b = *(*p)++;
    v |= (guint64) (b & 0x7f) << shift;
    if (!(b & 0x80)) {
      *out = v;
      return TRUE;
    }
  }
  return FALSE;
}

typedef struct {
  const ProtobufCMessageDescriptor *desc;
  const guint8 *p, *end;
} ScanFrame;

/* Every field well formed (varints end, lengths inside their message, no
 * groups), and messages nested at most MAX_DEPTH deep. */
static gboolean
scan_wire (const guint8 *data, size_t size, const char **why)
{
  ScanFrame stack[MAX_DEPTH + 1];
  int top = 0;

  stack[0].desc = &onnx__model_proto__descriptor;
  stack[0].p = data;
  stack[0].end = data + size;
  while (top >= 0) {
    ScanFrame *f = &stack[top];
    guint64 tag, v;
    const ProtobufCFieldDescriptor *fd;

    if (f->p == f->end) {
      top--;
      continue;
    }
    if (!read_varint (&f->p, f->end, &tag) || (tag >> 3) == 0
        || (tag >> 3) > G_MAXUINT32) {
      *why = "a field tag is truncated or invalid";
      return FALSE;
    }
    switch (tag & 7) {
      case 0:
        if (!read_varint (&f->p, f->end, &v)) {
          *why = "a varint is truncated";
          return FALSE;
        }
        break;
      case 1:
      case 5:
        if ((size_t) (f->end - f->p) < ((tag & 7) == 1 ? 8u : 4u)) {
          *why = "a fixed-size field is truncated";
          return FALSE;
        }
        f->p += (tag & 7) == 1 ? 8 : 4;
        break;
      case 2:
        if (!read_varint (&f->p, f->end, &v)
            || v > (guint64) (f->end - f->p)) {
          *why = "a length-delimited field runs past its end";
          return FALSE;
        }
        fd = protobuf_c_message_descriptor_get_field (f->desc,
            (unsigned) (tag >> 3));
        if (fd && fd->type == PROTOBUF_C_TYPE_MESSAGE) {
          if (top == MAX_DEPTH) {
            *why = "messages are nested more than 64 deep";
            return FALSE;
          }
          stack[top + 1].desc = fd->descriptor;
          stack[top + 1].p = f->p;
          stack[top + 1].end = f->p + v;
          f->p += v;
          top++;
        } else {
          f->p += v;
        }
        break;
      default:
        *why = "a field has an unsupported wire type (group or invalid)";
        return FALSE;
    }
  }
  return TRUE;
}

/* ---- 2. decode with a budget -------------------------------------------- */

typedef struct {
  size_t used, limit;
  gboolean exceeded;
} Budget;

#define HDR 16                  /* keeps malloc's alignment */

static void *
budget_alloc (void *data, size_t size)
{
  Budget *b = data;
  guint8 *p;

  if (size > b->limit - b->used || size > G_MAXSIZE - HDR) {
    b->exceeded = TRUE;
    return NULL;
  }
  p = malloc (size + HDR);
  if (!p)
    return NULL;
  memcpy (p, &size, sizeof (size));
  b->used += size;
  return p + HDR;
}

static void
budget_free (void *data, void *ptr)
{
  Budget *b = data;
  guint8 *p;
  size_t size;

  if (!ptr)
    return;
  p = (guint8 *) ptr - HDR;
  memcpy (&size, p, sizeof (size));
  b->used -= size;
  free (p);
}

/* ---- 3. plan ------------------------------------------------------------ */

typedef Onnx__NodeProto Node;
typedef Onnx__TensorProto Tensor;

typedef struct {
  const char *file;
  const Onnx__GraphProto *g;
  GHashTable *consts;           /* name -> Tensor (initializers, Constant) */
  GHashTable *producer;         /* value name -> Node */
  GHashTable *inputs;           /* name -> ValueInfo (not initializers) */
} Ctx;

typedef struct {
  const Tensor *W, *R, *B;      /* (1, G*H, in), (1, G*H, H), (1, 2*G*H) */
  size_t in;
} Layer;

typedef struct {
  RncCell cell;
  size_t G, H, L, D, V, E, Q;
  gboolean index;
  const Tensor *embedding;      /* (V, E) */
  Layer layer[RNC_MAX_LAYERS];
  const Tensor *Wo;             /* (H, Q), or (Q, H) when Wo_t */
  gboolean Wo_t;
  float alpha, beta;            /* Gemm scales */
  const Tensor *bo;             /* Q values, or NULL */
} Plan;

/* Bounded, valid UTF-8 copy of a string from the file, for messages. */
static char *
excerpt (const char *s)
{
  char *valid, *head, *out;

  if (!s)
    return g_strdup ("");
  valid = g_utf8_make_valid (s, -1);
  if (g_utf8_strlen (valid, -1) <= 64)
    return valid;
  head = g_utf8_substring (valid, 0, 61);
  out = g_strconcat (head, "...", NULL);
  g_free (head);
  g_free (valid);
  return out;
}

static void
node_error (GError **error, RncModelError code, const Ctx *c, const Node *n,
    const char *fmt, ...) G_GNUC_PRINTF (5, 6);

/* "<file>: node '<name>' (<op>): <message>" */
static void
node_error (GError **error, RncModelError code, const Ctx *c, const Node *n,
    const char *fmt, ...)
{
  va_list ap;
  char *msg, *name, *op;

  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  name = excerpt (n->name && *n->name ? n->name :
      (n->n_output ? n->output[0] : ""));
  op = excerpt (n->op_type);
  g_set_error (error, RNC_MODEL_ERROR, code, "%s: node '%s' (%s): %s",
      c->file, name, op, msg);
  g_free (msg);
  g_free (name);
  g_free (op);
}

static void
file_error (GError **error, RncModelError code, const Ctx *c,
    const char *fmt, ...) G_GNUC_PRINTF (4, 5);

static void
file_error (GError **error, RncModelError code, const Ctx *c,
    const char *fmt, ...)
{
  va_list ap;
  char *msg;

  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (error, RNC_MODEL_ERROR, code, "%s: %s", c->file, msg);
  g_free (msg);
}

static gboolean
op_is (const Node *n, const char *op)
{
  return n->op_type && strcmp (n->op_type, op) == 0;
}

static const char *
node_input (const Node *n, size_t i)
{
  return i < n->n_input && n->input[i] ? n->input[i] : "";
}

static const Onnx__AttributeProto *
find_attr (const Node *n, const char *name)
{
  size_t i;

  for (i = 0; i < n->n_attribute; i++)
    if (n->attribute[i]->name && strcmp (n->attribute[i]->name, name) == 0)
      return n->attribute[i];
  return NULL;
}

/* An INT attribute, @def when absent. */
static gboolean
attr_int (const Ctx *c, const Node *n, const char *name, gint64 def,
    gint64 *out, GError **error)
{
  const Onnx__AttributeProto *a = find_attr (n, name);

  *out = def;
  if (!a)
    return TRUE;
  if (a->type != ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT || !a->has_i) {
    node_error (error, RNC_MODEL_ERROR_DTYPE, c, n,
        "attribute %s is not an integer", name);
    return FALSE;
  }
  *out = a->i;
  return TRUE;
}

static gboolean
attr_float (const Ctx *c, const Node *n, const char *name, float def,
    float *out, GError **error)
{
  const Onnx__AttributeProto *a = find_attr (n, name);

  *out = def;
  if (!a)
    return TRUE;
  if (a->type != ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT || !a->has_f
      || !isfinite (a->f)) {
    node_error (error, RNC_MODEL_ERROR_DTYPE, c, n,
        "attribute %s is not a finite float", name);
    return FALSE;
  }
  *out = a->f;
  return TRUE;
}

/* Every attribute of @n is in @known (NULL-terminated). */
static gboolean
attrs_known (const Ctx *c, const Node *n, const char *const *known,
    GError **error)
{
  size_t i, k;

  for (i = 0; i < n->n_attribute; i++) {
    const char *name = n->attribute[i]->name ? n->attribute[i]->name : "";
    gboolean ok = FALSE;
    for (k = 0; known[k]; k++)
      ok = ok || strcmp (name, known[k]) == 0;
    if (!ok) {
      char *e = excerpt (name);
      node_error (error, RNC_MODEL_ERROR_UNSUPPORTED, c, n,
          "attribute '%s' is not supported", e);
      g_free (e);
      return FALSE;
    }
  }
  return TRUE;
}

/* ---- tensors ----------------------------------------------------------- */

static const char *
tensor_name (const Tensor *t)
{
  return t->name && *t->name ? t->name : "(constant)";
}

static void
tensor_error (GError **error, RncModelError code, const Ctx *c,
    const Tensor *t, const char *fmt, ...) G_GNUC_PRINTF (5, 6);

static void
tensor_error (GError **error, RncModelError code, const Ctx *c,
    const Tensor *t, const char *fmt, ...)
{
  va_list ap;
  char *msg, *name = excerpt (tensor_name (t));
  GString *shape = g_string_new ("(");
  size_t k;

  for (k = 0; k < t->n_dims && k < MAX_RANK + 1; k++)
    g_string_append_printf (shape, "%s%" G_GINT64_FORMAT, k ? ", " : "",
        t->dims[k]);
  if (t->n_dims > MAX_RANK + 1)
    g_string_append (shape, ", ...");
  g_string_append_c (shape, ')');
  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (error, RNC_MODEL_ERROR, code, "%s: tensor '%s' %s: %s",
      c->file, name, shape->str, msg);
  g_free (msg);
  g_free (name);
  g_string_free (shape, TRUE);
}

/* Checks @t's dims (rank <= 8, each 0..RNC_MAX_DIM, product bounded), its
 * type (@type) and that it holds exactly the product of values, inline.
 * *n: the number of values. */
static gboolean
check_tensor (const Ctx *c, const Tensor *t, int type, size_t *n,
    GError **error)
{
  size_t k, count = 1, have, esize = type == ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT ? 4 : 8;

  if (t->has_data_location
      && t->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL) {
    tensor_error (error, RNC_MODEL_ERROR_UNSUPPORTED, c, t,
        "external data is not supported (save the model with its weights "
        "inside)");
    return FALSE;
  }
  if (t->segment) {
    tensor_error (error, RNC_MODEL_ERROR_UNSUPPORTED, c, t,
        "segmented tensors are not supported");
    return FALSE;
  }
  if (t->n_dims > MAX_RANK) {
    tensor_error (error, RNC_MODEL_ERROR_SHAPE, c, t,
        "rank %zu, at most %d is supported", t->n_dims, MAX_RANK);
    return FALSE;
  }
  for (k = 0; k < t->n_dims; k++) {
    if (t->dims[k] < 0 || (guint64) t->dims[k] > RNC_MAX_DIM) {
      tensor_error (error, RNC_MODEL_ERROR_OVERFLOW, c, t,
          "dimension %zu is %" G_GINT64_FORMAT ", not in 0..%u", k,
          t->dims[k], RNC_MAX_DIM);
      return FALSE;
    }
    if (t->dims[k] && count > RNC_MAX_PARAMS / (size_t) t->dims[k]) {
      tensor_error (error, RNC_MODEL_ERROR_OVERFLOW, c, t,
          "more than %zu values", RNC_MAX_PARAMS);
      return FALSE;
    }
    count *= (size_t) t->dims[k];
  }
  if (!t->has_data_type || t->data_type != type) {
    tensor_error (error, RNC_MODEL_ERROR_DTYPE, c, t,
        "data type %d, expected %s", t->has_data_type ? t->data_type : 0,
        type == ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT ? "float (1)" :
        "int64 (7)");
    return FALSE;
  }
  if (t->has_raw_data)
    have = t->raw_data.len / esize;
  else
    have = type == ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT ? t->n_float_data :
        t->n_int64_data;
  if ((t->has_raw_data && t->raw_data.len % esize) || have != count) {
    tensor_error (error, RNC_MODEL_ERROR_OFFSETS, c, t,
        "holds %zu bytes of data for %zu values", t->has_raw_data ?
        t->raw_data.len : have * esize, count);
    return FALSE;
  }
  *n = count;
  return TRUE;
}

static float
get_f32 (const Tensor *t, size_t i)
{
  guint32 bits;
  float f;

  if (!t->has_raw_data)
    return t->float_data[i];
  memcpy (&bits, t->raw_data.data + 4 * i, 4);
  bits = GUINT32_FROM_LE (bits);
  memcpy (&f, &bits, 4);
  return f;
}

static gint64
get_i64 (const Tensor *t, size_t i)
{
  guint64 bits;

  if (!t->has_raw_data)
    return t->int64_data[i];
  memcpy (&bits, t->raw_data.data + 8 * i, 8);
  return (gint64) GUINT64_FROM_LE (bits);
}

/* A float tensor of exactly @rank dims, all finite. */
static gboolean
check_weights (const Ctx *c, const Tensor *t, size_t rank, GError **error)
{
  size_t n, i;

  if (!check_tensor (c, t, ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, &n, error))
    return FALSE;
  if (t->n_dims != rank) {
    tensor_error (error, RNC_MODEL_ERROR_SHAPE, c, t,
        "expected rank %zu", rank);
    return FALSE;
  }
  for (i = 0; i < n; i++)
    if (!isfinite (get_f32 (t, i))) {
      tensor_error (error, RNC_MODEL_ERROR_VALUE, c, t,
          "value %zu is not finite", i);
      return FALSE;
    }
  return TRUE;
}

static const Tensor *
lookup_const (const Ctx *c, const char *name)
{
  return *name ? g_hash_table_lookup (c->consts, name) : NULL;
}

/* Input @i of @n must be a constant (initializer or Constant node). */
static const Tensor *
need_const (const Ctx *c, const Node *n, size_t i, const char *what,
    GError **error)
{
  const Tensor *t = lookup_const (c, node_input (n, i));

  if (!t) {
    char *e = excerpt (node_input (n, i));
    node_error (error, RNC_MODEL_ERROR_UNSUPPORTED, c, n,
        "input %zu (%s, '%s') must be an initializer or a Constant", i, what,
        e);
    g_free (e);
  }
  return t;
}

/* Integer list constant (axes, perm, shape): int64, rank <= 1. */
static gboolean
const_ints (const Ctx *c, const Node *n, const Tensor *t, gint64 *out,
    size_t max, size_t *len, GError **error)
{
  size_t cnt, i;

  if (!check_tensor (c, t, ONNX__TENSOR_PROTO__DATA_TYPE__INT64, &cnt, error))
    return FALSE;
  if (t->n_dims > 1 || cnt > max) {
    node_error (error, RNC_MODEL_ERROR_SHAPE, c, n,
        "an integer list of %zu values (at most %zu)", cnt, max);
    return FALSE;
  }
  for (i = 0; i < cnt; i++)
    out[i] = get_i64 (t, i);
  *len = cnt;
  return TRUE;
}

/* Whether value @name is zero whatever the input: absent, an all-zero
 * constant, ConstantOfShape of zero, or a shape or layout change (Expand,
 * Slice, Reshape, Squeeze, Unsqueeze, Transpose, Identity, Tile, Cast,
 * Concat) of zeros -- as exporters build a default initial state. */
static gboolean
is_zero (const Ctx *c, const char *name, int depth)
{
  const Tensor *t;
  const Node *n;
  size_t i, cnt;

  if (!*name)
    return TRUE;
  if (depth > MAX_DEPTH)
    return FALSE;
  t = lookup_const (c, name);
  if (t) {
    if (!check_tensor (c, t, ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, &cnt,
            NULL))
      return FALSE;
    for (i = 0; i < cnt; i++)
      if (get_f32 (t, i) != 0.0f)
        return FALSE;
    return TRUE;
  }
  n = g_hash_table_lookup (c->producer, name);
  if (!n)
    return FALSE;
  if (op_is (n, "ConstantOfShape")) {
    const Onnx__AttributeProto *a = find_attr (n, "value");
    if (!a)
      return TRUE;
    if (a->type != ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR || !a->t
        || !check_tensor (c, a->t, ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, &cnt,
            NULL) || cnt != 1)
      return FALSE;
    return get_f32 (a->t, 0) == 0.0f;
  }
  if (op_is (n, "Concat")) {
    if (n->n_input == 0)
      return FALSE;
    for (i = 0; i < n->n_input; i++)
      if (!*node_input (n, i) || !is_zero (c, node_input (n, i), depth + 1))
        return FALSE;
    return TRUE;
  }
  if (op_is (n, "Expand") || op_is (n, "Slice") || op_is (n, "Reshape")
      || op_is (n, "Squeeze") || op_is (n, "Unsqueeze")
      || op_is (n, "Transpose") || op_is (n, "Identity") || op_is (n, "Tile")
      || op_is (n, "Cast"))
    return *node_input (n, 0) && is_zero (c, node_input (n, 0), depth + 1);
  return FALSE;
}

/* ---- the chain ---------------------------------------------------------- */

/* Layout of the value flowing along the chain: its rank, which axis holds
 * the features, and their number (0 = not known yet). */
typedef struct {
  size_t rank, faxis, F;
} Flow;

enum { STAGE_INPUT, STAGE_LAYERS, STAGE_HEAD, STAGE_DONE };

static gboolean
check_activations (const Ctx *c, const Node *n, const char *const *def,
    size_t n_def, GError **error)
{
  const Onnx__AttributeProto *a = find_attr (n, "activations");
  size_t i;

  if (!a)
    return TRUE;
  if (a->type != ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRINGS
      || a->n_strings != n_def)
    goto bad;
  for (i = 0; i < n_def; i++)
    if (a->strings[i].len != strlen (def[i])
        || g_ascii_strncasecmp ((const char *) a->strings[i].data, def[i],
            a->strings[i].len) != 0)
      goto bad;
  return TRUE;

bad:
  {
    GString *got = g_string_new ("");
    char *e;
    if (a->type == ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRINGS)
      for (i = 0; i < a->n_strings && i < 4; i++) {
        char *s = g_strndup ((const char *) a->strings[i].data,
            MIN (a->strings[i].len, 32));
        g_string_append_printf (got, "%s%s", i ? "," : "", s);
        g_free (s);
      }
    e = excerpt (got->str);
    node_error (error, RNC_MODEL_ERROR_UNSUPPORTED, c, n,
        "activations %s are not supported (only the defaults, %s%s%s%s%s)",
        e, def[0], n_def > 1 ? "," : "", n_def > 1 ? def[1] : "",
        n_def > 2 ? "," : "", n_def > 2 ? def[2] : "");
    g_free (e);
    g_string_free (got, TRUE);
  }
  return FALSE;
}

static gboolean
plan_layer (const Ctx *c, const Node *n, Plan *p, Flow *f, GError **error)
{
  static const char *const known[] = { "hidden_size", "direction",
    "activations", "layout", "linear_before_reset", "activation_alpha",
    "activation_beta", "clip", "input_forget", NULL };
  static const char *const lstm_act[] = { "Sigmoid", "Tanh", "Tanh" };
  static const char *const rnn_act[] = { "Tanh" };
  static const char *const gru_act[] = { "Sigmoid", "Tanh" };
  const Onnx__AttributeProto *a;
  RncCell cell;
  size_t G, H, in, k;
  gint64 hs, layout, forget, lbr;
  Layer *l;

  cell = op_is (n, "LSTM") ? RNC_CELL_LSTM : op_is (n, "GRU") ? RNC_CELL_GRU
      : RNC_CELL_RNN;
  G = rnc_cell_gates (cell);
  if (!attrs_known (c, n, known, error))
    return FALSE;
  if ((a = find_attr (n, "direction"))
      && !(a->type == ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING
          && a->s.len == 7 && memcmp (a->s.data, "forward", 7) == 0)) {
    char *s = g_strndup (a->s.data ? (const char *) a->s.data : "",
        MIN (a->s.len, 32)), *e = excerpt (s);
    node_error (error, RNC_MODEL_ERROR_UNSUPPORTED, c, n,
        "direction '%s' is not supported (forward only)", e);
    g_free (s);
    g_free (e);
    return FALSE;
  }
  if (find_attr (n, "clip") || find_attr (n, "activation_alpha")
      || find_attr (n, "activation_beta") || (cell != RNC_CELL_GRU
          && find_attr (n, "linear_before_reset"))) {
    node_error (error, RNC_MODEL_ERROR_UNSUPPORTED, c, n, "attribute %s is "
        "not supported", find_attr (n, "clip") ? "clip" :
        find_attr (n, "linear_before_reset") ? "linear_before_reset" :
        "activation_alpha/beta");
    return FALSE;
  }
  if (cell == RNC_CELL_GRU) {
    if (!attr_int (c, n, "linear_before_reset", 0, &lbr, error))
      return FALSE;
    if (lbr != 1) {
      node_error (error, RNC_MODEL_ERROR_UNSUPPORTED, c, n,
          "linear_before_reset=%" G_GINT64_FORMAT " is not supported: only "
          "1 (PyTorch nn.GRU, b_hn inside the reset product)", lbr);
      return FALSE;
    }
  }
  if (!attr_int (c, n, "input_forget", 0, &forget, error)
      || !attr_int (c, n, "layout", 0, &layout, error)
      || !attr_int (c, n, "hidden_size", -1, &hs, error))
    return FALSE;
  if (forget != 0 || (layout != 0 && layout != 1)) {
    node_error (error, RNC_MODEL_ERROR_UNSUPPORTED, c, n, "%s is not "
        "supported", forget ? "input_forget" : "this layout");
    return FALSE;
  }
  if (!check_activations (c, n, cell == RNC_CELL_LSTM ? lstm_act :
          cell == RNC_CELL_GRU ? gru_act : rnn_act, cell == RNC_CELL_LSTM ?
          3 : cell == RNC_CELL_GRU ? 2 : 1, error))
    return FALSE;
  if (*node_input (n, 4)) {
    node_error (error, RNC_MODEL_ERROR_UNSUPPORTED, c, n,
        "sequence_lens is not supported");
    return FALSE;
  }
  if (cell == RNC_CELL_LSTM && *node_input (n, 7)) {
    node_error (error, RNC_MODEL_ERROR_UNSUPPORTED, c, n,
        "peepholes (input P) are not supported");
    return FALSE;
  }
  for (k = 5; k <= (cell == RNC_CELL_LSTM ? 6u : 5u); k++)
    if (!is_zero (c, node_input (n, k), 0)) {
      char *e = excerpt (node_input (n, k));
      node_error (error, RNC_MODEL_ERROR_UNSUPPORTED, c, n,
          "%s ('%s') is not a zero constant: only zero initial states are "
          "supported (the elements' initial-state property sets others)",
          k == 5 ? "initial_h" : "initial_c", e);
      g_free (e);
      return FALSE;
    }
  if (f->rank != 3 || f->faxis != 2) {
    node_error (error, RNC_MODEL_ERROR_SHAPE, c, n, "input X is not "
        "(sequence, batch, features)");
    return FALSE;
  }
  if (p->L == RNC_MAX_LAYERS) {
    node_error (error, RNC_MODEL_ERROR_UNSUPPORTED, c, n,
        "more than %d recurrent layers", RNC_MAX_LAYERS);
    return FALSE;
  }
  if (p->L > 0 && p->cell != cell) {
    node_error (error, RNC_MODEL_ERROR_UNSUPPORTED, c, n,
        "layers of different kinds (%s after %s)", rnc_cell_to_string (cell),
        rnc_cell_to_string (p->cell));
    return FALSE;
  }

  l = &p->layer[p->L];
  if (!(l->W = need_const (c, n, 1, "W", error))
      || !(l->R = need_const (c, n, 2, "R", error))
      || !check_weights (c, l->W, 3, error)
      || !check_weights (c, l->R, 3, error))
    return FALSE;
  if (l->W->dims[0] != 1 || l->R->dims[0] != 1) {
    node_error (error, RNC_MODEL_ERROR_UNSUPPORTED, c, n,
        "%" G_GINT64_FORMAT " directions (only 1, forward)", l->W->dims[0]);
    return FALSE;
  }
  H = (size_t) l->R->dims[2];
  in = (size_t) l->W->dims[2];
  if (H == 0 || in == 0 || (size_t) l->W->dims[1] != G * H
      || (size_t) l->R->dims[1] != G * H || (hs >= 0 && (size_t) hs != H)) {
    node_error (error, RNC_MODEL_ERROR_SHAPE, c, n,
        "W (1, %zu*H, D) and R (1, %zu*H, H) disagree with each other or "
        "with hidden_size", G, G);
    return FALSE;
  }
  if (p->L > 0 && H != p->H) {
    node_error (error, RNC_MODEL_ERROR_UNSUPPORTED, c, n,
        "hidden size %zu after %zu: every layer must have the same", H, p->H);
    return FALSE;
  }
  if (f->F && f->F != in) {
    node_error (error, RNC_MODEL_ERROR_SHAPE, c, n,
        "W takes %zu features, its input has %zu", in, f->F);
    return FALSE;
  }
  if ((l->B = lookup_const (c, node_input (n, 3)))) {
    if (!check_weights (c, l->B, 2, error))
      return FALSE;
    if (l->B->dims[0] != 1 || (size_t) l->B->dims[1] != 2 * G * H) {
      tensor_error (error, RNC_MODEL_ERROR_SHAPE, c, l->B,
          "expected B = (1, %zu)", 2 * G * H);
      return FALSE;
    }
  } else if (*node_input (n, 3)) {
    l->B = need_const (c, n, 3, "B", error);
    return FALSE;
  }
  l->in = in;
  if (p->L == 0)
    p->D = in;
  p->cell = cell;
  p->G = G;
  p->H = H;
  p->L++;
  /* Y: (seq, 1, batch, H), or (batch, seq, 1, H) with layout 1 */
  f->rank = 4;
  f->faxis = 3;
  f->F = H;
  return TRUE;
}

static gboolean
plan_glue (const Ctx *c, const Node *n, Flow *f, GError **error)
{
  gint64 v[MAX_RANK + 1];
  size_t len = 0, k = 0, j;

  if (op_is (n, "Identity"))
    return TRUE;
  if (op_is (n, "Transpose")) {
    const Onnx__AttributeProto *a = find_attr (n, "perm");
    gboolean seen[MAX_RANK] = { FALSE };
    if (a && (a->type != ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS
            || a->n_ints != f->rank)) {
      node_error (error, RNC_MODEL_ERROR_SHAPE, c, n,
          "perm does not have %zu values", f->rank);
      return FALSE;
    }
    for (j = 0; j < f->rank; j++) {
      gint64 pj = a ? a->ints[j] : (gint64) (f->rank - 1 - j);
      if (pj < 0 || (size_t) pj >= f->rank || seen[pj]) {
        node_error (error, RNC_MODEL_ERROR_SHAPE, c, n,
            "perm is not a permutation of %zu axes", f->rank);
        return FALSE;
      }
      seen[pj] = TRUE;
      if ((size_t) pj == f->faxis)
        k = j;
    }
    f->faxis = k;
    return TRUE;
  }
  if (op_is (n, "Squeeze") || op_is (n, "Unsqueeze")) {
    gboolean squeeze = op_is (n, "Squeeze");
    gboolean mark[2 * MAX_RANK + 1] = { FALSE };
    size_t out_rank, pos;
    const Onnx__AttributeProto *a = find_attr (n, "axes");
    if (*node_input (n, 1)) {
      const Tensor *t = need_const (c, n, 1, "axes", error);
      if (!t || !const_ints (c, n, t, v, MAX_RANK, &len, error))
        return FALSE;
    } else if (a && a->type == ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS
        && a->n_ints <= MAX_RANK) {
      len = a->n_ints;
      memcpy (v, a->ints, len * sizeof (gint64));
    } else {
      node_error (error, RNC_MODEL_ERROR_UNSUPPORTED, c, n,
          "without explicit axes");
      return FALSE;
    }
    if (len == 0 || (squeeze && len >= f->rank)
        || (!squeeze && f->rank + len > MAX_RANK)) {
      node_error (error, RNC_MODEL_ERROR_SHAPE, c, n, "%zu axes on rank %zu",
          len, f->rank);
      return FALSE;
    }
    out_rank = squeeze ? f->rank - len : f->rank + len;
    for (k = 0; k < len; k++) {
      size_t r = squeeze ? f->rank : out_rank;
      gint64 ax = v[k] < 0 ? v[k] + (gint64) r : v[k];
      if (ax < 0 || (size_t) ax >= r || mark[ax]) {
        node_error (error, RNC_MODEL_ERROR_SHAPE, c, n,
            "axis %" G_GINT64_FORMAT " is out of range or repeated", v[k]);
        return FALSE;
      }
      mark[ax] = TRUE;
    }
    if (squeeze) {
      if (mark[f->faxis]) {
        node_error (error, RNC_MODEL_ERROR_UNSUPPORTED, c, n,
            "removes the feature axis");
        return FALSE;
      }
      for (k = 0, pos = 0; k < f->faxis; k++)
        pos += !mark[k];
      f->faxis = pos;
    } else {
      /* the input's axes fill the unmarked output positions in order */
      for (k = 0, j = 0; k < out_rank; k++) {
        if (mark[k])
          continue;
        if (j++ == f->faxis) {
          f->faxis = k;
          break;
        }
      }
    }
    f->rank = out_rank;
    return TRUE;
  }
  if (op_is (n, "Reshape")) {
    const Tensor *t = need_const (c, n, 1, "shape", error);
    if (!t || !const_ints (c, n, t, v, MAX_RANK, &len, error))
      return FALSE;
    if (f->faxis != f->rank - 1 || f->F == 0 || len == 0
        || v[len - 1] != (gint64) f->F) {
      node_error (error, RNC_MODEL_ERROR_UNSUPPORTED, c, n,
          "only reshapes that keep the %zu features as the last axis are "
          "supported", f->F);
      return FALSE;
    }
    for (k = 0; k + 1 < len; k++)
      if (v[k] < -1) {
        node_error (error, RNC_MODEL_ERROR_SHAPE, c, n, "shape value %"
            G_GINT64_FORMAT, v[k]);
        return FALSE;
      }
    f->rank = len;
    f->faxis = len - 1;
    return TRUE;
  }
  node_error (error, RNC_MODEL_ERROR_UNSUPPORTED, c, n,
      "this op is not supported (see docs/interop.md for what is)");
  return FALSE;
}

/* Bias of a head: Q values, every other dim 1, features last. */
static gboolean
check_bias (const Ctx *c, const Node *n, const Tensor *t, size_t Q,
    GError **error)
{
  size_t k;

  if (!check_weights (c, t, t->n_dims, error))
    return FALSE;
  for (k = 0; k + 1 < t->n_dims; k++)
    if (t->dims[k] != 1)
      break;
  if (t->n_dims == 0 || k + 1 != t->n_dims || (size_t) t->dims[k] != Q) {
    tensor_error (error, RNC_MODEL_ERROR_SHAPE, c, t,
        "a bias of %zu values (leading dims 1) was expected", Q);
    return FALSE;
  }
  return TRUE;
}

static gboolean
plan_head (const Ctx *c, const Node *n, Plan *p, Flow *f, int *stage,
    GError **error)
{
  if (f->F == 0 || f->faxis != f->rank - 1) {
    node_error (error, RNC_MODEL_ERROR_SHAPE, c, n,
        "the head does not act on the feature axis");
    return FALSE;
  }
  if (op_is (n, "MatMul")) {
    if (*stage == STAGE_HEAD || *stage == STAGE_DONE) {
      node_error (error, RNC_MODEL_ERROR_UNSUPPORTED, c, n,
          "a second linear head");
      return FALSE;
    }
    if (!(p->Wo = need_const (c, n, 1, "B", error))
        || !check_weights (c, p->Wo, 2, error))
      return FALSE;
    if ((size_t) p->Wo->dims[0] != f->F || p->Wo->dims[1] == 0) {
      tensor_error (error, RNC_MODEL_ERROR_SHAPE, c, p->Wo,
          "expected (%zu, Q)", f->F);
      return FALSE;
    }
    p->Wo_t = FALSE;
    p->Q = (size_t) p->Wo->dims[1];
    *stage = STAGE_HEAD;
  } else if (op_is (n, "Add")) {
    const Tensor *b;
    if (*stage != STAGE_HEAD || p->bo) {
      node_error (error, RNC_MODEL_ERROR_UNSUPPORTED, c, n,
          "Add is supported only as the bias of a MatMul head");
      return FALSE;
    }
    b = lookup_const (c, node_input (n, 0));
    if (!b)
      b = lookup_const (c, node_input (n, 1));
    if (!b || !check_bias (c, n, b, p->Q, error)) {
      if (!b)
        node_error (error, RNC_MODEL_ERROR_UNSUPPORTED, c, n,
            "Add of two computed values");
      return FALSE;
    }
    p->bo = b;
    *stage = STAGE_DONE;
  } else {                      /* Gemm */
    static const char *const known[] = { "alpha", "beta", "transA",
      "transB", NULL };
    gint64 ta, tb;
    if (*stage == STAGE_HEAD || *stage == STAGE_DONE) {
      node_error (error, RNC_MODEL_ERROR_UNSUPPORTED, c, n,
          "a second linear head");
      return FALSE;
    }
    if (!attrs_known (c, n, known, error)
        || !attr_int (c, n, "transA", 0, &ta, error)
        || !attr_int (c, n, "transB", 0, &tb, error)
        || !attr_float (c, n, "alpha", 1.0f, &p->alpha, error)
        || !attr_float (c, n, "beta", 1.0f, &p->beta, error))
      return FALSE;
    if (ta != 0 || f->rank != 2) {
      node_error (error, RNC_MODEL_ERROR_UNSUPPORTED, c, n,
          "A must be (frames, features), untransposed");
      return FALSE;
    }
    if (!(p->Wo = need_const (c, n, 1, "B", error))
        || !check_weights (c, p->Wo, 2, error))
      return FALSE;
    p->Wo_t = tb != 0;
    if ((size_t) p->Wo->dims[p->Wo_t ? 1 : 0] != f->F
        || p->Wo->dims[p->Wo_t ? 0 : 1] == 0) {
      tensor_error (error, RNC_MODEL_ERROR_SHAPE, c, p->Wo,
          "expected %s", p->Wo_t ? "(Q, features)" : "(features, Q)");
      return FALSE;
    }
    p->Q = (size_t) p->Wo->dims[p->Wo_t ? 0 : 1];
    if (*node_input (n, 2)) {
      if (!(p->bo = need_const (c, n, 2, "C", error))
          || !check_bias (c, n, p->bo, p->Q, error))
        return FALSE;
    }
    *stage = STAGE_DONE;
  }
  f->F = p->Q;
  return TRUE;
}

static gboolean
plan_embedding (const Ctx *c, const Node *n, Plan *p, Flow *f,
    GError **error)
{
  static const char *const known[] = { "axis", NULL };
  gint64 axis;

  if (!attrs_known (c, n, known, error)
      || !attr_int (c, n, "axis", 0, &axis, error))
    return FALSE;
  if (axis != 0 || !(p->embedding = need_const (c, n, 0, "data", error))
      || !check_weights (c, p->embedding, 2, error))
    return FALSE;
  if (p->embedding->dims[0] == 0 || p->embedding->dims[1] == 0) {
    tensor_error (error, RNC_MODEL_ERROR_SHAPE, c, p->embedding,
        "an empty embedding");
    return FALSE;
  }
  p->V = (size_t) p->embedding->dims[0];
  p->E = (size_t) p->embedding->dims[1];
  p->index = TRUE;
  f->rank += 1;
  f->faxis = f->rank - 1;
  f->F = p->E;
  return TRUE;
}

/* Walks from the graph's output back to its input, then plans forward. */
static gboolean
plan_graph (const Ctx *c, Plan *p, GError **error)
{
  const Onnx__GraphProto *g = c->g;
  const Onnx__ValueInfoProto *in = NULL;
  const Onnx__TypeProto__Tensor *tt;
  GPtrArray *chain = g_ptr_array_new ();
  const char *cur;
  Flow f;
  int stage = STAGE_INPUT;
  gboolean ok = FALSE;
  guint i;

  if (g->n_output != 1 || !g->output[0]->name) {
    file_error (error, RNC_MODEL_ERROR_UNSUPPORTED, c, "the graph has %zu "
        "outputs, only one (the per-frame output) is supported",
        g->n_output);
    goto out;
  }
  cur = g->output[0]->name;
  for (;;) {
    const Node *n;
    const char *next;
    size_t k;

    if ((in = g_hash_table_lookup (c->inputs, cur)))
      break;
    n = g_hash_table_lookup (c->producer, cur);
    if (!n) {
      char *e = excerpt (cur);
      file_error (error, lookup_const (c, cur) ? RNC_MODEL_ERROR_UNSUPPORTED
          : RNC_MODEL_ERROR_MISSING, c, "value '%s' is %s", e,
          lookup_const (c, cur) ? "a constant, not computed from the input"
          : "neither an input nor the output of a node");
      g_free (e);
      goto out;
    }
    if (chain->len > g->n_node) {
      file_error (error, RNC_MODEL_ERROR_UNEXPECTED, c, "the graph has a "
          "cycle");
      goto out;
    }
    if (n->domain && *n->domain && strcmp (n->domain, "ai.onnx") != 0) {
      char *e = excerpt (n->domain);
      node_error (error, RNC_MODEL_ERROR_UNSUPPORTED, c, n,
          "op domain '%s' is not supported", e);
      g_free (e);
      goto out;
    }
    for (k = 0; k < n->n_output; k++)
      if (n->output[k] && strcmp (n->output[k], cur) == 0)
        break;
    if ((op_is (n, "LSTM") || op_is (n, "RNN") || op_is (n, "GRU")) && k != 0) {
      node_error (error, RNC_MODEL_ERROR_UNSUPPORTED, c, n,
          "its output %zu (%s) is used: only Y, the output at every frame, "
          "is supported", k, k == 1 ? "Y_h" : "Y_c");
      goto out;
    }
    g_ptr_array_add (chain, (gpointer) n);
    if (op_is (n, "Add")) {
      next = lookup_const (c, node_input (n, 0)) ? node_input (n, 1) :
          node_input (n, 0);
    } else if (op_is (n, "Gather")) {
      next = node_input (n, 1);
      if (!lookup_const (c, node_input (n, 0))
          || !g_hash_table_lookup (c->inputs, next)) {
        node_error (error, RNC_MODEL_ERROR_UNSUPPORTED, c, n,
            "Gather is supported only as an embedding: an initializer "
            "indexed by the graph input");
        goto out;
      }
    } else if (op_is (n, "LSTM") || op_is (n, "RNN") || op_is (n, "GRU")
        || op_is (n, "Squeeze") || op_is (n, "Unsqueeze")
        || op_is (n, "Transpose") || op_is (n, "Reshape")
        || op_is (n, "Identity") || op_is (n, "MatMul") || op_is (n, "Gemm")) {
      next = node_input (n, 0);
    } else {
      node_error (error, RNC_MODEL_ERROR_UNSUPPORTED, c, n,
          "this op is not supported (see docs/interop.md for what is)");
      goto out;
    }
    if (!*next) {
      node_error (error, RNC_MODEL_ERROR_MISSING, c, n, "its data input is "
          "missing");
      goto out;
    }
    cur = next;
  }

  /* the input: float frames, or integer ids for an embedding */
  if (!in->type || in->type->value_case
      != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE
      || !(tt = in->type->tensor_type) || !tt->shape
      || tt->shape->n_dim == 0 || tt->shape->n_dim > MAX_RANK) {
    char *e = excerpt (in->name);
    file_error (error, RNC_MODEL_ERROR_UNSUPPORTED, c, "input '%s' is not a "
        "tensor of known rank (1..%d)", e, MAX_RANK);
    g_free (e);
    goto out;
  }
  f.rank = tt->shape->n_dim;
  f.faxis = f.rank - 1;
  f.F = 0;
  {
    const Onnx__TensorShapeProto__Dimension *d = tt->shape->dim[f.faxis];
    if (d->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE
        && d->dim_value > 0 && (guint64) d->dim_value <= RNC_MAX_DIM)
      f.F = (size_t) d->dim_value;
  }
  for (i = chain->len; i-- > 0;) {
    const Node *n = g_ptr_array_index (chain, i);
    gboolean first = i == chain->len - 1;
    if (op_is (n, "Gather")) {
      if (!first || (tt->elem_type != ONNX__TENSOR_PROTO__DATA_TYPE__INT64
              && tt->elem_type != ONNX__TENSOR_PROTO__DATA_TYPE__INT32)) {
        node_error (error, RNC_MODEL_ERROR_UNSUPPORTED, c, n, "an embedding "
            "must be the first node, on an int64 or int32 input");
        goto out;
      }
      if (!plan_embedding (c, n, p, &f, error))
        goto out;
      continue;
    }
    if (first && tt->elem_type != ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT) {
      node_error (error, RNC_MODEL_ERROR_DTYPE, c, n, "the graph input has "
          "element type %d, float (1) is supported (or integer ids into an "
          "embedding)", tt->elem_type);
      goto out;
    }
    if (op_is (n, "LSTM") || op_is (n, "RNN") || op_is (n, "GRU")) {
      if (stage > STAGE_LAYERS) {
        node_error (error, RNC_MODEL_ERROR_UNSUPPORTED, c, n,
            "a recurrent layer after the head");
        goto out;
      }
      if (!plan_layer (c, n, p, &f, error))
        goto out;
      stage = STAGE_LAYERS;
    } else if (op_is (n, "MatMul") || op_is (n, "Gemm") || op_is (n, "Add")) {
      if (stage == STAGE_INPUT) {
        node_error (error, RNC_MODEL_ERROR_UNSUPPORTED, c, n,
            "a linear layer before the first recurrent layer");
        goto out;
      }
      if (!plan_head (c, n, p, &f, &stage, error))
        goto out;
    } else {
      if (stage == STAGE_HEAD)
        stage = STAGE_DONE;     /* a head without bias */
      if (!plan_glue (c, n, &f, error))
        goto out;
    }
  }
  if (p->L == 0) {
    file_error (error, RNC_MODEL_ERROR_MISSING, c, "no RNN, LSTM or GRU node "
        "between the input and the output");
    goto out;
  }
  ok = TRUE;

out:
  g_ptr_array_free (chain, TRUE);
  return ok;
}

/* ---- build -------------------------------------------------------------- */

/* ONNX LSTM gates are i,o,f,c; native i,f,o,g: native LSTM gate n is ONNX
 * gate onnx_gate[n]. ONNX GRU gates are z,r,h; native r,z,n. */
static const size_t onnx_gate[4] = { 0, 2, 1, 3 };
static const size_t onnx_gru_gate[3] = { 1, 0, 2 };

static void
build (const Plan *p, RncModel *m)
{
  const RncParamViews *v = rnc_model_get_views (m);
  size_t G = p->G, H = p->H, GH = G * H, k, gn, j, d, q;

  if (p->embedding)
    for (j = 0; j < p->V * p->E; j++)
      v->embedding[j] = get_f32 (p->embedding, j);
  for (k = 0; k < p->L; k++) {
    const Layer *l = &p->layer[k];
    const RncLayerParams *lp = &v->layer[k];
    for (gn = 0; gn < G; gn++) {
      size_t go = G == 4 ? onnx_gate[gn] : G == 3 ? onnx_gru_gate[gn] : gn;
      for (j = 0; j < H; j++) {
        float wb = l->B ? get_f32 (l->B, go * H + j) : 0.0f;
        float rb = l->B ? get_f32 (l->B, GH + go * H + j) : 0.0f;
        for (d = 0; d < l->in; d++)
          lp->Wx[d * GH + gn * H + j] = get_f32 (l->W, (go * H + j) * l->in
              + d);
        for (d = 0; d < H; d++)
          lp->Wh[d * GH + gn * H + j] = get_f32 (l->R, (go * H + j) * H + d);
        if (G == 3 && gn == 2) {
          /* GRU n: Wb_h outside, Rb_h inside the reset product */
          lp->bh[gn * H + j] = wb;
          lp->bhn[j] = rb;
        } else {
          lp->bh[gn * H + j] = wb + rb;
        }
      }
    }
  }
  if (p->Wo) {
    for (j = 0; j < H; j++)
      for (q = 0; q < p->Q; q++)
        v->Wo[j * p->Q + q] = p->alpha * get_f32 (p->Wo, p->Wo_t ?
            q * H + j : j * p->Q + q);
    for (q = 0; q < p->Q; q++)
      v->bo[q] = p->bo ? p->beta * get_f32 (p->bo, q) : 0.0f;
  }
}

static RncModel *
import_model (const Ctx *c, const Onnx__ModelProto *mp, GError **error)
{
  RncModelConfig config;
  RncModel *m;
  GError *err = NULL;
  Plan p;
  const char *head_md = NULL;
  gint64 opset = -1;
  size_t i;
  char *source;

  memset (&p, 0, sizeof (p));
  p.alpha = p.beta = 1.0f;
  for (i = 0; i < mp->n_opset_import; i++) {
    const Onnx__OperatorSetIdProto *o = mp->opset_import[i];
    if ((!o->domain || !*o->domain || !strcmp (o->domain, "ai.onnx"))
        && o->has_version)
      opset = o->version;
  }
  for (i = 0; i < mp->n_metadata_props; i++) {
    const Onnx__StringStringEntryProto *e = mp->metadata_props[i];
    if (!e->key || !e->value || !g_utf8_validate (e->key, -1, NULL)
        || !g_utf8_validate (e->value, -1, NULL)) {
      file_error (error, RNC_MODEL_ERROR_ENCODING, c, "metadata_props entry "
          "%zu is not a UTF-8 key and value", i);
      return NULL;
    }
    if (!strcmp (e->key, "rnc.head"))
      head_md = e->value;
  }
  if (!plan_graph (c, &p, error))
    return NULL;

  memset (&config, 0, sizeof (config));
  config.cell = p.cell;
  config.input = p.index ? RNC_INPUT_INDEX : RNC_INPUT_DENSE;
  config.input_size = p.index ? p.V : p.D;
  config.embed_size = p.E;
  config.hidden_size = p.H;
  config.num_layers = p.L;
  config.output_size = p.Wo ? p.Q : 0;
  config.head = !p.Wo ? RNC_HEAD_NONE : head_md && !strcmp (head_md,
      "classes") ? RNC_HEAD_CLASSES : RNC_HEAD_REGRESSION;
  if (p.index && p.E != p.layer[0].in) {
    file_error (error, RNC_MODEL_ERROR_SHAPE, c, "the embedding has %zu "
        "columns, the first layer takes %zu", p.E, p.layer[0].in);
    return NULL;
  }
  if (head_md && strcmp (head_md, rnc_head_to_string (config.head)) != 0) {
    file_error (error, RNC_MODEL_ERROR_METADATA, c, "metadata rnc.head is "
        "'%s', the graph has %s head", head_md, p.Wo ? "a linear" : "no");
    return NULL;
  }
  m = rnc_model_new (&config, &err);
  if (!m) {
    file_error (error, RNC_MODEL_ERROR_OVERFLOW, c, "%s", err->message);
    g_clear_error (&err);
    return NULL;
  }
  build (&p, m);
  rnc_model_params_changed (m);

  for (i = 0; i < mp->n_metadata_props; i++)
    rnc_model_set_metadata (m, mp->metadata_props[i]->key,
        mp->metadata_props[i]->value);
  {
    char *prod = excerpt (mp->producer_name ? mp->producer_name : "unknown");
    char *ver = excerpt (mp->producer_version ? mp->producer_version : "");
    source = g_strdup_printf ("onnx: %s%s%s, opset %" G_GINT64_FORMAT, prod,
        *ver ? " " : "", ver, opset);
    g_free (prod);
    g_free (ver);
  }
  rnc_model_set_metadata (m, "rnc.source", source);
  g_free (source);
  rnc_model_set_metadata (m, "rnc.cell", rnc_cell_to_string (config.cell));
  rnc_model_set_metadata (m, "rnc.gate_order",
      rnc_cell_gate_order (config.cell));
  rnc_model_set_metadata (m, "rnc.input", rnc_input_to_string (config.input));
  rnc_model_set_metadata (m, "rnc.head", rnc_head_to_string (config.head));
  if (!rnc_model_parse_metadata (m, &err)) {
    file_error (error, RNC_MODEL_ERROR_METADATA, c, "%s", err->message);
    g_clear_error (&err);
    rnc_model_free (m);
    return NULL;
  }
  return m;
}

RncModel *
rnc_onnx_load_from_data (const guint8 *data, size_t size, const char *name,
    GError **error)
{
  Budget budget = { 0, 0, FALSE };
  ProtobufCAllocator alloc = { budget_alloc, budget_free, &budget };
  Onnx__ModelProto *mp;
  const Onnx__GraphProto *g;
  Ctx c;
  RncModel *m = NULL;
  const char *why = NULL;
  size_t i, k;

  memset (&c, 0, sizeof (c));
  c.file = name ? name : "<data>";
  if (size > MAX_FILE) {
    file_error (error, RNC_MODEL_ERROR_OVERFLOW, &c, "%zu bytes, above "
        "protobuf's 2 GiB limit", size);
    return NULL;
  }
  if (size == 0) {
    file_error (error, RNC_MODEL_ERROR_TRUNCATED, &c, "an empty file");
    return NULL;
  }
  if (!scan_wire (data, size, &why)) {
    file_error (error, RNC_MODEL_ERROR_TRUNCATED, &c, "not a valid ONNX "
        "protobuf: %s", why);
    return NULL;
  }
  budget.limit = BUDGET_BASE + 4 * size;
  mp = onnx__model_proto__unpack (&alloc, size, data);
  if (!mp && budget.exceeded) {
    file_error (error, RNC_MODEL_ERROR_OVERFLOW, &c, "decoding it needs more "
        "than %zu MiB", budget.limit >> 20);
    return NULL;
  }
  if (!mp) {
    file_error (error, RNC_MODEL_ERROR_TRUNCATED, &c, "not a valid ONNX "
        "protobuf (a field has the wrong wire type or is cut short)");
    return NULL;
  }
  if (!mp->graph) {
    file_error (error, RNC_MODEL_ERROR_MISSING, &c, "the model has no graph");
    goto out;
  }
  g = c.g = mp->graph;
  if (g->n_sparse_initializer) {
    file_error (error, RNC_MODEL_ERROR_UNSUPPORTED, &c, "sparse initializers "
        "are not supported");
    goto out;
  }
  c.consts = g_hash_table_new (g_str_hash, g_str_equal);
  c.producer = g_hash_table_new (g_str_hash, g_str_equal);
  c.inputs = g_hash_table_new (g_str_hash, g_str_equal);
  for (i = 0; i < g->n_initializer; i++)
    if (g->initializer[i]->name && *g->initializer[i]->name)
      g_hash_table_insert (c.consts, g->initializer[i]->name,
          g->initializer[i]);
  for (i = 0; i < g->n_node; i++) {
    Node *n = g->node[i];
    if (!n->op_type) {
      file_error (error, RNC_MODEL_ERROR_UNEXPECTED, &c, "node %zu has no "
          "op_type", i);
      goto out;
    }
    for (k = 0; k < n->n_input; k++)
      if (!n->input[k]) {
        node_error (error, RNC_MODEL_ERROR_UNEXPECTED, &c, n, "input %zu has "
            "no name", k);
        goto out;
      }
    for (k = 0; k < n->n_output; k++)
      if (n->output[k] && *n->output[k])
        g_hash_table_insert (c.producer, n->output[k], n);
    if (op_is (n, "Constant") && n->n_output == 1 && n->output[0]) {
      const Onnx__AttributeProto *a = find_attr (n, "value");
      if (a && a->type == ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR && a->t)
        g_hash_table_insert (c.consts, n->output[0], a->t);
    }
  }
  /* graph inputs that are not initializers (older exporters list both) */
  for (i = 0; i < g->n_input; i++)
    if (g->input[i]->name && *g->input[i]->name
        && !g_hash_table_contains (c.consts, g->input[i]->name))
      g_hash_table_insert (c.inputs, g->input[i]->name, g->input[i]);

  m = import_model (&c, mp, error);

out:
  if (c.consts) {
    g_hash_table_unref (c.consts);
    g_hash_table_unref (c.producer);
    g_hash_table_unref (c.inputs);
  }
  onnx__model_proto__free_unpacked (mp, &alloc);
  return m;
}

#endif /* RNC_HAVE_ONNX */
