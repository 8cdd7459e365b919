/* librnc: model object (parameter block, views, metadata). */
#include "rnc-model.h"

#include "rnc-json.h"
#include "rnc-pack.h"

#include <float.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

/* Every tensor view starts on a 64-byte boundary so SIMD kernels can use
 * aligned loads on row starts of Wx/Wh when G*H is a multiple of 16. */
#define RNC_ALIGN_FLOATS 16

G_DEFINE_QUARK (rnc-config-error-quark, rnc_config_error)

struct _RncModel
{
  RncModelConfig config;
  float *params;                /* (n_params), 64-byte aligned */
  size_t n_params;
  RncParamViews views;
  GHashTable *metadata;         /* char* -> char*, owned */

  /* Typed metadata, kept in sync by rnc_model_parse_metadata() */
  size_t window;
  float *in_mean, *in_std;      /* (D) or NULL */
  float *out_mean, *out_std;    /* (Q) or NULL */

  /* The weights in the SIMD kernels' layout (rnc-pack.h): built at first
   * use, rebuilt in place when pack_valid was cleared. */
  RncModelPack *pack;
  gint pack_valid;              /* atomic */
  GMutex pack_lock;
};

size_t
rnc_cell_gates (RncCell cell)
{
  switch (cell) {
    case RNC_CELL_LSTM:
      return 4;
    case RNC_CELL_GRU:
      return 3;
    case RNC_CELL_RNN:
    default:
      return 1;
  }
}

const char *
rnc_cell_to_string (RncCell cell)
{
  switch (cell) {
    case RNC_CELL_LSTM:
      return "lstm";
    case RNC_CELL_GRU:
      return "gru";
    case RNC_CELL_RNN:
    default:
      return "rnn";
  }
}

const char *
rnc_cell_gate_order (RncCell cell)
{
  return cell == RNC_CELL_GRU ? "rzn" : "ifog";
}

const char *
rnc_head_to_string (RncHeadKind head)
{
  switch (head) {
    case RNC_HEAD_REGRESSION:
      return "regression";
    case RNC_HEAD_CLASSES:
      return "classes";
    case RNC_HEAD_NONE:
    default:
      return "none";
  }
}

const char *
rnc_input_to_string (RncInputKind input)
{
  return input == RNC_INPUT_INDEX ? "index" : "dense";
}

static size_t
align_up (size_t n)
{
  return (n + RNC_ALIGN_FLOATS - 1) / RNC_ALIGN_FLOATS * RNC_ALIGN_FLOATS;
}

/* Walks the layout; with @block NULL only counts. Dimensions must have been
 * validated (each <= RNC_MAX_DIM, products checked by the caller). */
static size_t
layout (const RncModelConfig *c, float *block, RncParamViews *v)
{
  size_t G = rnc_cell_gates (c->cell), H = c->hidden_size, off = 0;
  size_t l;

#define TAKE(ptr, count) \
  G_STMT_START { \
    if (block) (ptr) = block + off; \
    off = align_up (off + (count)); \
  } G_STMT_END

  if (v)
    memset (v, 0, sizeof (*v));
  if (c->input == RNC_INPUT_INDEX && c->embed_size > 0) {
    float *e = NULL;
    TAKE (e, c->input_size * c->embed_size);
    if (v)
      v->embedding = e;
  }
  for (l = 0; l < c->num_layers; l++) {
    size_t in = l > 0 ? H : (c->embed_size > 0 ? c->embed_size : c->input_size);
    float *wx = NULL, *wh = NULL, *bh = NULL, *bhn = NULL;
    TAKE (wx, in * G * H);
    TAKE (wh, H * G * H);
    TAKE (bh, G * H);
    if (c->cell == RNC_CELL_GRU)
      TAKE (bhn, H);
    if (v) {
      v->layer[l].Wx = wx;
      v->layer[l].Wh = wh;
      v->layer[l].bh = bh;
      v->layer[l].bhn = bhn;
      v->layer[l].in = in;
    }
  }
  if (c->head != RNC_HEAD_NONE) {
    float *wo = NULL, *bo = NULL;
    TAKE (wo, H * c->output_size);
    TAKE (bo, c->output_size);
    if (v) {
      v->Wo = wo;
      v->bo = bo;
    }
  }
#undef TAKE
  return off;
}

gboolean
rnc_model_config_validate (const RncModelConfig *c, GError **error)
{
  size_t G, H, in0;
  double total;

  g_return_val_if_fail (c != NULL, FALSE);

  if (c->cell != RNC_CELL_RNN && c->cell != RNC_CELL_LSTM
      && c->cell != RNC_CELL_GRU)
    goto invalid_cell;
  if (c->input != RNC_INPUT_DENSE && c->input != RNC_INPUT_INDEX)
    goto invalid_input;
  if (c->head != RNC_HEAD_NONE && c->head != RNC_HEAD_REGRESSION
      && c->head != RNC_HEAD_CLASSES)
    goto invalid_head;
  if (c->num_layers < 1 || c->num_layers > RNC_MAX_LAYERS)
    goto invalid_layers;
  if (c->hidden_size < 1 || c->hidden_size > RNC_MAX_DIM)
    goto invalid_dim;
  if (c->input_size < 1 || c->input_size > RNC_MAX_DIM)
    goto invalid_dim;
  if (c->embed_size > RNC_MAX_DIM || c->output_size > RNC_MAX_DIM)
    goto invalid_dim;
  if (c->embed_size > 0 && c->input != RNC_INPUT_INDEX)
    goto invalid_embed;
  if ((c->head == RNC_HEAD_NONE) != (c->output_size == 0))
    goto invalid_head_size;

  /* Count in double first: dims are < 2^24, so products of three fit in a
   * double exactly enough to compare against the limit without overflow. */
  G = rnc_cell_gates (c->cell);
  H = c->hidden_size;
  in0 = c->embed_size > 0 ? c->embed_size : c->input_size;
  total = (double) in0 * G * H + (double) c->num_layers * ((double) H * G * H + G * H)
      + (double) (c->num_layers - 1) * H * G * H
      + (double) c->input_size * c->embed_size
      + (double) H * c->output_size + c->output_size
      + (double) RNC_ALIGN_FLOATS * (4 * c->num_layers + 3);
  if (total > (double) RNC_MAX_PARAMS)
    goto too_large;
  return TRUE;

  /* ERRORS */
invalid_cell:
  g_set_error (error, RNC_CONFIG_ERROR, RNC_CONFIG_ERROR_INVALID,
      "unknown cell type %d", (int) c->cell);
  return FALSE;
invalid_input:
  g_set_error (error, RNC_CONFIG_ERROR, RNC_CONFIG_ERROR_INVALID,
      "unknown input kind %d", (int) c->input);
  return FALSE;
invalid_head:
  g_set_error (error, RNC_CONFIG_ERROR, RNC_CONFIG_ERROR_INVALID,
      "unknown head kind %d", (int) c->head);
  return FALSE;
invalid_layers:
  g_set_error (error, RNC_CONFIG_ERROR, RNC_CONFIG_ERROR_INVALID,
      "number of layers %zu is outside 1..%d", c->num_layers, RNC_MAX_LAYERS);
  return FALSE;
invalid_dim:
  g_set_error (error, RNC_CONFIG_ERROR, RNC_CONFIG_ERROR_INVALID,
      "dimension out of range (input %zu, embedding %zu, hidden %zu, output %zu;"
      " each must be 1..%u)", c->input_size, c->embed_size, c->hidden_size,
      c->output_size, RNC_MAX_DIM);
  return FALSE;
invalid_embed:
  g_set_error (error, RNC_CONFIG_ERROR, RNC_CONFIG_ERROR_INVALID,
      "an embedding needs index input");
  return FALSE;
invalid_head_size:
  g_set_error (error, RNC_CONFIG_ERROR, RNC_CONFIG_ERROR_INVALID,
      "head '%s' with output size %zu", rnc_head_to_string (c->head),
      c->output_size);
  return FALSE;
too_large:
  g_set_error (error, RNC_CONFIG_ERROR, RNC_CONFIG_ERROR_INVALID,
      "model would have %.0f parameters, more than the limit of %zu", total,
      (size_t) RNC_MAX_PARAMS);
  return FALSE;
}

size_t
rnc_model_config_get_n_params (const RncModelConfig *config)
{
  return layout (config, NULL, NULL);
}

RncModel *
rnc_model_new (const RncModelConfig *config, GError **error)
{
  RncModel *m;

  if (!rnc_model_config_validate (config, error))
    return NULL;

  m = g_new0 (RncModel, 1);
  m->config = *config;
  m->n_params = layout (config, NULL, NULL);
  m->params = g_aligned_alloc0 (m->n_params, sizeof (float), 64);
  layout (config, m->params, &m->views);
  m->metadata = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_mutex_init (&m->pack_lock);
  g_hash_table_insert (m->metadata, g_strdup ("rnc.cell"),
      g_strdup (rnc_cell_to_string (config->cell)));
  g_hash_table_insert (m->metadata, g_strdup ("rnc.gate_order"),
      g_strdup (rnc_cell_gate_order (config->cell)));
  g_hash_table_insert (m->metadata, g_strdup ("rnc.input"),
      g_strdup (rnc_input_to_string (config->input)));
  g_hash_table_insert (m->metadata, g_strdup ("rnc.head"),
      g_strdup (rnc_head_to_string (config->head)));
  return m;
}

static float *
dup_floats (const float *src, size_t n)
{
  return src ? g_memdup2 (src, n * sizeof (float)) : NULL;
}

RncModel *
rnc_model_copy (const RncModel *src)
{
  RncModel *m;
  GHashTableIter it;
  gpointer k, v;
  size_t D = src->config.input_size, Q = src->config.output_size;

  g_return_val_if_fail (src != NULL, NULL);

  m = rnc_model_new (&src->config, NULL);
  memcpy (m->params, src->params, src->n_params * sizeof (float));
  g_hash_table_iter_init (&it, src->metadata);
  while (g_hash_table_iter_next (&it, &k, &v))
    g_hash_table_replace (m->metadata, g_strdup (k), g_strdup (v));
  m->window = src->window;
  m->in_mean = dup_floats (src->in_mean, D);
  m->in_std = dup_floats (src->in_std, D);
  m->out_mean = dup_floats (src->out_mean, Q);
  m->out_std = dup_floats (src->out_std, Q);
  return m;
}

void
rnc_model_free (RncModel *m)
{
  if (!m)
    return;
  g_aligned_free (m->params);
  rnc_model_pack_free (m->pack);
  g_mutex_clear (&m->pack_lock);
  g_hash_table_unref (m->metadata);
  g_free (m->in_mean);
  g_free (m->in_std);
  g_free (m->out_mean);
  g_free (m->out_std);
  g_free (m);
}

const RncModelConfig *
rnc_model_get_config (const RncModel *m)
{
  return &m->config;
}

size_t
rnc_model_get_frame_width (const RncModel *m)
{
  return m->config.input == RNC_INPUT_INDEX ? 1 : m->config.input_size;
}

size_t
rnc_model_get_output_width (const RncModel *m)
{
  return m->config.head == RNC_HEAD_NONE ? m->config.hidden_size :
      m->config.output_size;
}

float *
rnc_model_get_params (RncModel *m, size_t *n_params)
{
  /* the caller may write through the pointer it gets */
  rnc_model_params_changed (m);
  if (n_params)
    *n_params = m->n_params;
  return m->params;
}

void
rnc_model_params_changed (RncModel *m)
{
  g_return_if_fail (m != NULL);
  g_atomic_int_set (&m->pack_valid, 0);
}

const RncModelPack *
rnc_model_get_pack (const RncModel *cm)
{
  /* The pack is a cache of the (logically const) weights. */
  RncModel *m = (RncModel *) cm;

  if (G_LIKELY (g_atomic_int_get (&m->pack_valid)))
    return m->pack;
  g_mutex_lock (&m->pack_lock);
  if (!g_atomic_int_get (&m->pack_valid)) {
    if (m->pack)
      rnc_model_pack_fill (m->pack, m);
    else
      m->pack = rnc_model_pack_new (m);
    g_atomic_int_set (&m->pack_valid, 1);
  }
  g_mutex_unlock (&m->pack_lock);
  return m->pack;
}

const float *
rnc_model_peek_params (const RncModel *m, size_t *n_params)
{
  if (n_params)
    *n_params = m->n_params;
  return m->params;
}

const RncParamViews *
rnc_model_get_views (const RncModel *m)
{
  return &m->views;
}

void
rnc_model_map_views (const RncModel *m, float *block, RncParamViews *views)
{
  g_return_if_fail (block != NULL && views != NULL);
  layout (&m->config, block, views);
}

const char *
rnc_model_get_metadata (const RncModel *m, const char *key)
{
  return g_hash_table_lookup (m->metadata, key);
}

void
rnc_model_set_metadata (RncModel *m, const char *key, const char *value)
{
  g_return_if_fail (key != NULL);
  if (value)
    g_hash_table_replace (m->metadata, g_strdup (key), g_strdup (value));
  else
    g_hash_table_remove (m->metadata, key);
}

static int
cmp_str (const void *a, const void *b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

const char **
rnc_model_list_metadata (const RncModel *m, guint *n_keys)
{
  guint n = 0;
  const char **keys =
      (const char **) g_hash_table_get_keys_as_array (m->metadata, &n);

  qsort (keys, n, sizeof (char *), cmp_str);
  if (n_keys)
    *n_keys = n;
  return keys;
}

size_t
rnc_model_get_window (const RncModel *m)
{
  return m->window;
}

const float *
rnc_model_get_input_mean (const RncModel *m)
{
  return m->in_mean;
}

const float *
rnc_model_get_input_std (const RncModel *m)
{
  return m->in_std;
}

const float *
rnc_model_get_output_mean (const RncModel *m)
{
  return m->out_mean;
}

const float *
rnc_model_get_output_std (const RncModel *m)
{
  return m->out_std;
}

/* Formats @v (n) as a JSON array with round-trip precision. */
static char *
floats_to_json (const float *v, size_t n)
{
  GString *s = g_string_new ("[");
  size_t i;

  for (i = 0; i < n; i++) {
    char buf[G_ASCII_DTOSTR_BUF_SIZE];
    g_ascii_formatd (buf, sizeof (buf), "%.9g", v[i]);
    g_string_append_printf (s, "%s%s", i ? "," : "", buf);
  }
  g_string_append_c (s, ']');
  return g_string_free (s, FALSE);
}

static void
set_pair (RncModel *m, const char *mean_key, const char *std_key,
    float **mean_dst, float **std_dst, const float *mean, const float *std,
    size_t n)
{
  g_clear_pointer (mean_dst, g_free);
  g_clear_pointer (std_dst, g_free);
  if (mean && std) {
    char *a = floats_to_json (mean, n), *b = floats_to_json (std, n);
    *mean_dst = dup_floats (mean, n);
    *std_dst = dup_floats (std, n);
    g_hash_table_replace (m->metadata, g_strdup (mean_key), a);
    g_hash_table_replace (m->metadata, g_strdup (std_key), b);
  } else {
    g_hash_table_remove (m->metadata, mean_key);
    g_hash_table_remove (m->metadata, std_key);
  }
}

void
rnc_model_set_input_scaling (RncModel *m, const float *mean, const float *std)
{
  g_return_if_fail (m->config.input == RNC_INPUT_DENSE || mean == NULL);
  set_pair (m, "rnc.input_mean", "rnc.input_std", &m->in_mean, &m->in_std,
      mean, std, m->config.input_size);
}

void
rnc_model_set_output_scaling (RncModel *m, const float *mean, const float *std)
{
  g_return_if_fail (m->config.head == RNC_HEAD_REGRESSION || mean == NULL);
  set_pair (m, "rnc.output_mean", "rnc.output_std", &m->out_mean,
      &m->out_std, mean, std, m->config.output_size);
}

/* Parses metadata @key as a JSON array of exactly @n numbers that are
 * finite as 32-bit floats (std entries also normal and > 0 as floats, so
 * that dividing by them cannot overflow on its own). The checks run after
 * the conversion: 1e39 is finite as a double but +inf as a float, 1e-50 is
 * > 0 as a double but 0 as a float. Absent key: *out = NULL and success. */
static gboolean
parse_array (RncModel *m, const char *key, size_t n, gboolean positive,
    float **out, GError **error)
{
  const char *text = g_hash_table_lookup (m->metadata, key);
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *what = NULL;
  GError *jerr = NULL;
  JsonArray *arr;
  float *v;
  guint i;

  *out = NULL;
  if (!text)
    return TRUE;
  what = g_strdup_printf ("metadata '%s'", key);
  root = rnc_json_parse (text, -1, what, RNC_JSON_METADATA_MAX_DEPTH, 0,
      &jerr);
  if (!root) {
    g_set_error (error, RNC_CONFIG_ERROR, RNC_CONFIG_ERROR_INVALID,
        "%s (expected a JSON array of %zu numbers)", jerr->message, n);
    g_error_free (jerr);
    return FALSE;
  }
  if (!JSON_NODE_HOLDS_ARRAY (root))
    goto bad;
  arr = json_node_get_array (root);
  if (json_array_get_length (arr) != n)
    goto bad_len;
  v = g_new (float, n);
  for (i = 0; i < n; i++) {
    JsonNode *e = json_array_get_element (arr, i);
    double d;
    float f;

    if (!JSON_NODE_HOLDS_VALUE (e) || json_node_get_value_type (e) == G_TYPE_STRING
        || json_node_get_value_type (e) == G_TYPE_BOOLEAN) {
      g_free (v);
      goto bad;
    }
    d = json_node_get_double (e);
    f = (float) d;
    if (!isfinite (f) || (positive && !(f >= FLT_MIN))) {
      g_set_error (error, RNC_CONFIG_ERROR, RNC_CONFIG_ERROR_INVALID,
          "metadata '%s' value %u (%g) is %s", key, i, d,
          !isfinite (f) ? "not a finite 32-bit float" :
          "not greater than 0 as a 32-bit float (at least 1.17549435e-38, "
          "the smallest normal float)");
      g_free (v);
      return FALSE;
    }
    v[i] = f;
  }
  *out = v;
  return TRUE;

  /* ERRORS */
bad:
  g_set_error (error, RNC_CONFIG_ERROR, RNC_CONFIG_ERROR_INVALID,
      "metadata '%s' must be a JSON array of %zu finite numbers%s", key, n,
      positive ? " greater than 0" : "");
  return FALSE;
bad_len:
  g_set_error (error, RNC_CONFIG_ERROR, RNC_CONFIG_ERROR_INVALID,
      "metadata '%s' has %u values, the model needs %zu", key,
      json_array_get_length (arr), n);
  return FALSE;
}

gboolean
rnc_model_parse_metadata (RncModel *m, GError **error)
{
  const char *w = g_hash_table_lookup (m->metadata, "rnc.window");
  size_t D = m->config.input_size, Q = m->config.output_size;
  float *im = NULL, *is = NULL, *om = NULL, *os = NULL;
  guint64 window = 0;

  if (w && !g_ascii_string_to_unsigned (w, 10, 0, RNC_MAX_DIM, &window, NULL)) {
    g_set_error (error, RNC_CONFIG_ERROR, RNC_CONFIG_ERROR_INVALID,
        "metadata 'rnc.window' must be an integer 0..%u, not '%s'",
        RNC_MAX_DIM, w);
    return FALSE;
  }
  if (!parse_array (m, "rnc.input_mean", D, FALSE, &im, error)
      || !parse_array (m, "rnc.input_std", D, TRUE, &is, error)
      || !parse_array (m, "rnc.output_mean", Q, FALSE, &om, error)
      || !parse_array (m, "rnc.output_std", Q, TRUE, &os, error))
    goto fail;
  if ((im == NULL) != (is == NULL) || (om == NULL) != (os == NULL)) {
    g_set_error (error, RNC_CONFIG_ERROR, RNC_CONFIG_ERROR_INVALID,
        "scaling metadata needs both a mean and a std array");
    goto fail;
  }
  if (im && m->config.input != RNC_INPUT_DENSE) {
    g_set_error (error, RNC_CONFIG_ERROR, RNC_CONFIG_ERROR_INVALID,
        "input scaling needs dense input");
    goto fail;
  }
  if (om && m->config.head != RNC_HEAD_REGRESSION) {
    g_set_error (error, RNC_CONFIG_ERROR, RNC_CONFIG_ERROR_INVALID,
        "output scaling needs a regression head");
    goto fail;
  }
  m->window = window;
  g_free (m->in_mean);
  g_free (m->in_std);
  g_free (m->out_mean);
  g_free (m->out_std);
  m->in_mean = im;
  m->in_std = is;
  m->out_mean = om;
  m->out_std = os;
  return TRUE;

fail:
  g_free (im);
  g_free (is);
  g_free (om);
  g_free (os);
  return FALSE;
}

void
rnc_model_scale_input (const RncModel *m, float *x, size_t n_frames)
{
  size_t D = m->config.input_size, t, d;

  if (!m->in_mean)
    return;
  for (t = 0; t < n_frames; t++)
    for (d = 0; d < D; d++)
      x[t * D + d] = (x[t * D + d] - m->in_mean[d]) / m->in_std[d];
}

void
rnc_model_unscale_output (const RncModel *m, float *y, size_t n_frames)
{
  size_t Q = m->config.output_size, t, q;

  if (!m->out_mean)
    return;
  for (t = 0; t < n_frames; t++)
    for (q = 0; q < Q; q++)
      y[t * Q + q] = y[t * Q + q] * m->out_std[q] + m->out_mean[q];
}
