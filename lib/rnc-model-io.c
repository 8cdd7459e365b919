/* librnc: model and state files (safetensors).
 *
 * Loading is plan, then build: every tensor is classified, every shape
 * checked against the others, the metadata resolved and every weight
 * checked finite while the file is still only mapped; the model is
 * allocated (its size now proven equal to the file's tensors) only after
 * that, and filled by copying (native) or transposing and reordering
 * (PyTorch). See docs/model-format.md. */
#include "rnc-model-io.h"

#include "rnc-onnx.h"
#include "rnc-safetensors.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>

G_DEFINE_QUARK (rnc-model-error-quark, rnc_model_error)

enum { SLOT_WX, SLOT_WH, SLOT_BIH, SLOT_BHH, N_SLOTS };

/* Everything the build step needs, all pointing into the parsed file. */
typedef struct {
  const char *file;
  gboolean torch;
  RncModelConfig config;
  size_t D0;                    /* rows of layer 0's input weights */
  const RncTensorInfo *layer[RNC_MAX_LAYERS][N_SLOTS];  /* native: WX, WH,
                                 * BIH = bh, BHH = bhn (GRU) */
  const RncTensorInfo *embedding;
  const RncTensorInfo *Wo, *bo; /* native (H, Q); torch Linear (Q, H) */
} Plan;

/* Native gate order i,f,o,g; PyTorch's is i,f,g,o: native gate n is torch
 * gate torch_gate[n]. */
static const size_t torch_gate[4] = { 0, 1, 3, 2 };

static char *
shape_string (const RncTensorInfo *t)
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

/* Bounded, valid UTF-8 copy of a string from the file, for messages. */
static char *
excerpt (const char *s)
{
  char *valid = g_utf8_make_valid (s, -1), *head, *out;

  if (g_utf8_strlen (valid, -1) <= 64)
    return valid;
  head = g_utf8_substring (valid, 0, 61);
  out = g_strconcat (head, "...", NULL);
  g_free (head);
  g_free (valid);
  return out;
}

static void
set_tensor_error (GError **error, RncModelError code, const char *file,
    const RncTensorInfo *t, const char *fmt, ...) G_GNUC_PRINTF (5, 6);

/* "<file>: tensor '<name>' <shape>: <message>" */
static void
set_tensor_error (GError **error, RncModelError code, const char *file,
    const RncTensorInfo *t, const char *fmt, ...)
{
  va_list ap;
  char *msg, *name = excerpt (t->name), *shape = shape_string (t);

  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (error, RNC_MODEL_ERROR, code, "%s: tensor '%s' %s: %s", file,
      name, shape, msg);
  g_free (msg);
  g_free (name);
  g_free (shape);
}

static gboolean
check_f32 (const char *file, const RncTensorInfo *t, GError **error)
{
  if (t->dtype == RNC_DTYPE_F32)
    return TRUE;
  set_tensor_error (error, RNC_MODEL_ERROR_DTYPE, file, t,
      "dtype is %s, only F32 is supported", rnc_dtype_to_string (t->dtype));
  return FALSE;
}

/* Shape must be exactly (rows, cols) (cols == 0: rank 1 of rows). @what
 * names the expected shape for the message, e.g. "(H, 4*H)". */
static gboolean
check_shape (const char *file, const RncTensorInfo *t, size_t rows,
    size_t cols, const char *what, GError **error)
{
  gboolean ok = cols == 0 ? (t->rank == 1 && t->shape[0] == rows) :
      (t->rank == 2 && t->shape[0] == rows && t->shape[1] == cols);

  if (ok)
    return TRUE;
  if (cols == 0)
    set_tensor_error (error, RNC_MODEL_ERROR_SHAPE, file, t,
        "expected %s = (%zu,)", what, rows);
  else
    set_tensor_error (error, RNC_MODEL_ERROR_SHAPE, file, t,
        "expected %s = (%zu, %zu)", what, rows, cols);
  return FALSE;
}

/* A matrix whose dimensions must both be >= 1. */
static gboolean
check_matrix (const char *file, const RncTensorInfo *t, GError **error)
{
  if (t->rank == 2 && t->shape[0] >= 1 && t->shape[1] >= 1)
    return TRUE;
  set_tensor_error (error, RNC_MODEL_ERROR_SHAPE, file, t,
      "expected a matrix with no empty dimension");
  return FALSE;
}

static gboolean
check_finite (const char *file, const RncTensorInfo *t, GError **error)
{
  size_t i = rnc_tensor_info_find_nonfinite (t);

  if (i == (size_t) -1)
    return TRUE;
  set_tensor_error (error, RNC_MODEL_ERROR_VALUE, file, t,
      "element %zu is NaN or infinite", i);
  return FALSE;
}

/* Parses a decimal layer number: digits only, no leading zero, < 10^6. */
static gboolean
parse_index (const char *s, size_t len, size_t *out)
{
  size_t i, v = 0;

  if (len == 0 || len > 6 || (len > 1 && s[0] == '0'))
    return FALSE;
  for (i = 0; i < len; i++) {
    if (!g_ascii_isdigit (s[i]))
      return FALSE;
    v = v * 10 + (size_t) (s[i] - '0');
  }
  *out = v;
  return TRUE;
}

static gboolean
too_many_layers (const char *file, const RncTensorInfo *t, size_t k,
    GError **error)
{
  set_tensor_error (error, RNC_MODEL_ERROR_UNSUPPORTED, file, t,
      "layer %zu: the library runs at most %d layers", k, RNC_MAX_LAYERS);
  return FALSE;
}

/* ------------------------------------------------------------------------ */
/* Metadata shared by both layouts */

static gboolean
metadata_error (GError **error, const char *file, const char *key,
    const char *value, const char *fmt, ...) G_GNUC_PRINTF (5, 6);

static gboolean
metadata_error (GError **error, const char *file, const char *key,
    const char *value, const char *fmt, ...)
{
  va_list ap;
  char *msg, *v = excerpt (value);

  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (error, RNC_MODEL_ERROR, RNC_MODEL_ERROR_METADATA,
      "%s: metadata '%s' is '%s': %s", file, key, v, msg);
  g_free (msg);
  g_free (v);
  return FALSE;
}

/* Checks rnc.cell / rnc.gate_order / rnc.input / rnc.head against what the
 * tensors say, and fills config's cell, input and head from them. */
static gboolean
resolve_metadata (const RncSafetensors *st, Plan *p, RncCell cell,
    const char *gate_order, GError **error)
{
  const char *file = p->file;
  const char *v;
  const char *head_name = p->torch ? "the nn.Linear" : "head.Wo";

  p->config.cell = cell;
  v = rnc_safetensors_get_metadata (st, "rnc.cell");
  if (v) {
    if (strcmp (v, "rnn") != 0 && strcmp (v, "lstm") != 0
        && strcmp (v, "gru") != 0)
      return metadata_error (error, file, "rnc.cell", v,
          "expected rnn, lstm or gru");
    if (strcmp (v, rnc_cell_to_string (cell)) != 0)
      return metadata_error (error, file, "rnc.cell", v,
          "the tensors are those of a%s %s",
          cell == RNC_CELL_RNN ? "n" : "", rnc_cell_to_string (cell));
  }
  v = rnc_safetensors_get_metadata (st, "rnc.gate_order");
  if (v && strcmp (v, gate_order) != 0)
    return metadata_error (error, file, "rnc.gate_order", v,
        "%s files use %s", p->torch ? "PyTorch" : "native", gate_order);

  v = rnc_safetensors_get_metadata (st, "rnc.input");
  if (!v)
    p->config.input = p->embedding ? RNC_INPUT_INDEX : RNC_INPUT_DENSE;
  else if (strcmp (v, "index") == 0)
    p->config.input = RNC_INPUT_INDEX;
  else if (strcmp (v, "dense") == 0) {
    if (p->embedding)
      return metadata_error (error, file, "rnc.input", v,
          "the file has an embedding, which needs index input");
    p->config.input = RNC_INPUT_DENSE;
  } else
    return metadata_error (error, file, "rnc.input", v,
        "expected dense or index");

  v = rnc_safetensors_get_metadata (st, "rnc.head");
  if (v && strcmp (v, "none") != 0 && strcmp (v, "regression") != 0
      && strcmp (v, "classes") != 0)
    return metadata_error (error, file, "rnc.head", v,
        "expected none, regression or classes");
  if (p->Wo) {
    if (v && strcmp (v, "none") == 0)
      return metadata_error (error, file, "rnc.head", v,
          "the file has a linear head (%s)", p->Wo->name);
    p->config.head = v && strcmp (v, "classes") == 0 ? RNC_HEAD_CLASSES :
        RNC_HEAD_REGRESSION;
  } else {
    if (v && strcmp (v, "none") != 0) {
      g_set_error (error, RNC_MODEL_ERROR, RNC_MODEL_ERROR_MISSING,
          "%s: metadata 'rnc.head' is '%s' but the file has no %s", file, v,
          head_name);
      return FALSE;
    }
    p->config.head = RNC_HEAD_NONE;
  }
  return TRUE;
}

/* Sets the input/embedding sizes once cell, D0, embedding are known. */
static void
finish_config (Plan *p)
{
  if (p->embedding) {
    p->config.input_size = p->embedding->shape[0];
    p->config.embed_size = p->embedding->shape[1];
  } else {
    p->config.input_size = p->D0;
    p->config.embed_size = 0;
  }
}

/* ------------------------------------------------------------------------ */
/* Native layout: layer{k}.Wx (in, G*H), layer{k}.Wh (H, G*H), layer{k}.bh
 * (G*H), for a GRU layer{k}.bhn (H), head.Wo (H, Q), head.bo (Q),
 * embedding (V, E). */

static gboolean
plan_native (const RncSafetensors *st, Plan *p, GError **error)
{
  static const char *const slot_names[] = { "Wx", "Wh", "bh", "bhn" };
  const char *file = p->file;
  size_t i, k, s, L = 0, H, GH, G;

  for (i = 0; i < rnc_safetensors_get_n_tensors (st); i++) {
    const RncTensorInfo *t = rnc_safetensors_get_tensor (st, i);
    const char *n = t->name, *dot;

    if (strcmp (n, "embedding") == 0) {
      p->embedding = t;
      continue;
    }
    if (strcmp (n, "head.Wo") == 0) {
      p->Wo = t;
      continue;
    }
    if (strcmp (n, "head.bo") == 0) {
      p->bo = t;
      continue;
    }
    if (g_str_has_prefix (n, "layer") && (dot = strchr (n, '.')) != NULL
        && parse_index (n + 5, (size_t) (dot - n - 5), &k)) {
      for (s = 0; s < 4; s++)
        if (strcmp (dot + 1, slot_names[s]) == 0)
          break;
      if (s < 4) {
        if (k >= RNC_MAX_LAYERS)
          return too_many_layers (file, t, k, error);
        p->layer[k][s] = t;
        L = MAX (L, k + 1);
        continue;
      }
    }
    set_tensor_error (error, RNC_MODEL_ERROR_UNEXPECTED, file, t,
        "not part of the native layout (layer{k}.Wx/Wh/bh[/bhn], head.Wo/bo, "
        "embedding)");
    return FALSE;
  }

  /* presence */
  if (L == 0) {
    g_set_error (error, RNC_MODEL_ERROR, RNC_MODEL_ERROR_MISSING,
        "%s: no recurrent layer: the file has neither 'layer0.Wx' (native) "
        "nor '<prefix>weight_ih_l0' (PyTorch)", file);
    return FALSE;
  }
  for (k = 0; k < L; k++)
    for (s = 0; s < 3; s++)
      if (!p->layer[k][s]) {
        g_set_error (error, RNC_MODEL_ERROR, RNC_MODEL_ERROR_MISSING,
            "%s: tensor 'layer%zu.%s' is missing (the file has %zu layers)",
            file, k, slot_names[s], L);
        return FALSE;
      }
  if ((p->Wo == NULL) != (p->bo == NULL)) {
    g_set_error (error, RNC_MODEL_ERROR, RNC_MODEL_ERROR_MISSING,
        "%s: tensor '%s' is missing (a head needs head.Wo and head.bo)", file,
        p->Wo ? "head.bo" : "head.Wo");
    return FALSE;
  }

  /* dtypes */
  for (k = 0; k < L; k++)
    for (s = 0; s < 4; s++)
      if (p->layer[k][s] && !check_f32 (file, p->layer[k][s], error))
        return FALSE;
  if ((p->embedding && !check_f32 (file, p->embedding, error))
      || (p->Wo && (!check_f32 (file, p->Wo, error)
              || !check_f32 (file, p->bo, error))))
    return FALSE;

  /* shapes: layer0.Wh gives H and the cell */
  if (!check_matrix (file, p->layer[0][SLOT_WH], error))
    return FALSE;
  H = p->layer[0][SLOT_WH]->shape[0];
  GH = p->layer[0][SLOT_WH]->shape[1];
  G = GH / H;
  if (GH % H != 0 || (G != 1 && G != 3 && G != 4)) {
    set_tensor_error (error, RNC_MODEL_ERROR_SHAPE, file, p->layer[0][SLOT_WH],
        "expected (H, H) for an rnn, (H, 3*H) for a gru or (H, 4*H) for an "
        "lstm");
    return FALSE;
  }
  /* b_hn: exactly in a GRU, in every layer */
  for (k = 0; k < L; k++) {
    if (G == 3 && !p->layer[k][SLOT_BHH]) {
      g_set_error (error, RNC_MODEL_ERROR, RNC_MODEL_ERROR_MISSING,
          "%s: tensor 'layer%zu.bhn' is missing (a gru layer has Wx, Wh, bh "
          "and bhn)", file, k);
      return FALSE;
    }
    if (G != 3 && p->layer[k][SLOT_BHH]) {
      set_tensor_error (error, RNC_MODEL_ERROR_UNEXPECTED, file,
          p->layer[k][SLOT_BHH], "only a gru has bhn; layer0.Wh is that "
          "of a%s %s", G == 1 ? "n" : "", G == 1 ? "rnn" : "lstm");
      return FALSE;
    }
  }
  if (!check_matrix (file, p->layer[0][SLOT_WX], error))
    return FALSE;
  p->D0 = p->layer[0][SLOT_WX]->shape[0];
  for (k = 0; k < L; k++) {
    if (!check_shape (file, p->layer[k][SLOT_WX], k ? H : p->D0, GH,
            k ? "(H, G*H)" : "(D, G*H)", error)
        || !check_shape (file, p->layer[k][SLOT_WH], H, GH, "(H, G*H)", error)
        || !check_shape (file, p->layer[k][SLOT_BIH], GH, 0, "(G*H)", error)
        || (G == 3 && !check_shape (file, p->layer[k][SLOT_BHH], H, 0, "(H)",
                error)))
      return FALSE;
  }
  if (p->embedding) {
    if (!check_matrix (file, p->embedding, error))
      return FALSE;
    if (!check_shape (file, p->embedding, p->embedding->shape[0], p->D0,
            "(V, E) with E = rows of layer0.Wx", error))
      return FALSE;
  }
  if (p->Wo) {
    if (!check_matrix (file, p->Wo, error)
        || !check_shape (file, p->Wo, H, p->Wo->shape[1], "(H, Q)", error)
        || !check_shape (file, p->bo, p->Wo->shape[1], 0, "(Q)", error))
      return FALSE;
  }

  p->config.hidden_size = H;
  p->config.num_layers = L;
  p->config.output_size = p->Wo ? p->Wo->shape[1] : 0;
  finish_config (p);
  return resolve_metadata (st, p, G == 4 ? RNC_CELL_LSTM : G == 3 ?
      RNC_CELL_GRU : RNC_CELL_RNN, G == 3 ? "rzn" : "ifog", error);
}

/* ------------------------------------------------------------------------ */
/* PyTorch layout: <P>weight_ih_l{k} (G*H, in), <P>weight_hh_l{k} (G*H, H),
 * <P>bias_ih_l{k}, <P>bias_hh_l{k} (G*H), gates i,f,g,o; optional
 * nn.Linear <M>weight (Q, H) + <M>bias (Q); optional nn.Embedding <E>weight
 * (V, E) without bias. */

static const char *const torch_stems[] = {
  "weight_ih_l", "weight_hh_l", "bias_ih_l", "bias_hh_l", "weight_hr_l"
};

/* Matches <stem><k>[_reverse] exactly; returns the stem index or -1. */
static int
match_torch_param (const char *rest, size_t *k, gboolean *reverse)
{
  size_t s, len;

  for (s = 0; s < G_N_ELEMENTS (torch_stems); s++) {
    size_t sl = strlen (torch_stems[s]);
    const char *num;

    if (strncmp (rest, torch_stems[s], sl) != 0)
      continue;
    num = rest + sl;
    len = strspn (num, "0123456789");
    if (!parse_index (num, len, k))
      return -1;
    if (num[len] == '\0')
      *reverse = FALSE;
    else if (strcmp (num + len, "_reverse") == 0)
      *reverse = TRUE;
    else
      return -1;
    return (int) s;
  }
  return -1;
}

/* A file is read as a PyTorch state_dict when any tensor name carries a
 * recurrent parameter stem (weight_ih_l, weight_hh_l, bias_ih_l, ...). */
static gboolean
is_torch_layout (const RncSafetensors *st)
{
  size_t i, s;

  for (i = 0; i < rnc_safetensors_get_n_tensors (st); i++)
    for (s = 0; s < G_N_ELEMENTS (torch_stems); s++)
      if (strstr (rnc_safetensors_get_tensor (st, i)->name, torch_stems[s]))
        return TRUE;
  return FALSE;
}

typedef struct {
  const RncTensorInfo *weight, *bias;
} TorchModule;

static gboolean
plan_torch (const RncSafetensors *st, Plan *p, GError **error)
{
  const char *file = p->file;
  const char *suffix = "weight_ih_l0";
  size_t n = rnc_safetensors_get_n_tensors (st), i, k, L = 0, H, GH, G;
  char *prefix = NULL;
  size_t plen = 0;
  gboolean has_bias = FALSE, ok = FALSE;
  GHashTable *modules = NULL;   /* module prefix -> TorchModule* */
  GList *mods = NULL, *l;
  const RncTensorInfo *linear_w = NULL, *linear_b = NULL;

  /* the recurrent module's prefix: the one tensor ending in weight_ih_l0 */
  for (i = 0; i < n; i++) {
    const RncTensorInfo *t = rnc_safetensors_get_tensor (st, i);
    size_t len = strlen (t->name);

    if (len >= strlen (suffix) && g_str_has_suffix (t->name, suffix)) {
      if (prefix) {
        set_tensor_error (error, RNC_MODEL_ERROR_UNEXPECTED, file, t,
            "a second recurrent module besides '%s': ambiguous", prefix);
        goto out;
      }
      plen = len - strlen (suffix);
      prefix = g_strndup (t->name, plen);
    }
  }
  if (!prefix) {
    g_set_error (error, RNC_MODEL_ERROR, RNC_MODEL_ERROR_MISSING,
        "%s: tensor '<prefix>weight_ih_l0' is missing (the file has PyTorch "
        "recurrent parameters)", file);
    goto out;
  }

  /* classify */
  modules = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (i = 0; i < n; i++) {
    const RncTensorInfo *t = rnc_safetensors_get_tensor (st, i);
    const char *name = t->name;
    gboolean reverse = FALSE, is_weight;
    int stem = -1;
    char *mod;
    TorchModule *m;

    if (strncmp (name, prefix, plen) == 0)
      stem = match_torch_param (name + plen, &k, &reverse);
    if (stem >= 0) {
      if (reverse) {
        set_tensor_error (error, RNC_MODEL_ERROR_UNSUPPORTED, file, t,
            "bidirectional recurrent layers are not supported");
        goto out;
      }
      if (stem == 4) {
        set_tensor_error (error, RNC_MODEL_ERROR_UNSUPPORTED, file, t,
            "LSTM projections (proj_size) are not supported");
        goto out;
      }
      if (k >= RNC_MAX_LAYERS) {
        too_many_layers (file, t, k, error);
        goto out;
      }
      p->layer[k][stem] = t;
      L = MAX (L, k + 1);
      if (stem >= SLOT_BIH)
        has_bias = TRUE;
      continue;
    }
    /* anything else is one half of an nn.Linear or an nn.Embedding */
    if (g_str_has_suffix (name, "weight"))
      is_weight = TRUE;
    else if (g_str_has_suffix (name, "bias"))
      is_weight = FALSE;
    else {
      set_tensor_error (error, RNC_MODEL_ERROR_UNEXPECTED, file, t,
          "belongs to no nn.LSTM, nn.GRU, nn.RNN, nn.Linear or nn.Embedding");
      goto out;
    }
    mod = g_strndup (name, strlen (name) - (is_weight ? 6 : 4));
    m = g_hash_table_lookup (modules, mod);
    if (!m) {
      m = g_new0 (TorchModule, 1);
      g_hash_table_insert (modules, mod, m);
    } else {
      g_free (mod);
    }
    if (is_weight)
      m->weight = t;
    else
      m->bias = t;
  }

  /* heads and embeddings, in name order so errors are deterministic */
  mods = g_hash_table_get_keys (modules);
  mods = g_list_sort (mods, (GCompareFunc) strcmp);
  for (l = mods; l; l = l->next) {
    TorchModule *m = g_hash_table_lookup (modules, l->data);

    if (!m->weight) {
      set_tensor_error (error, RNC_MODEL_ERROR_UNEXPECTED, file, m->bias,
          "a bias without its weight");
      goto out;
    }
    if (m->bias) {
      if (linear_w) {
        set_tensor_error (error, RNC_MODEL_ERROR_UNEXPECTED, file, m->weight,
            "a second nn.Linear besides '%s': which one is the head is "
            "ambiguous", linear_w->name);
        goto out;
      }
      linear_w = m->weight;
      linear_b = m->bias;
    } else {
      if (p->embedding) {
        set_tensor_error (error, RNC_MODEL_ERROR_UNEXPECTED, file, m->weight,
            "a second bias-free weight (nn.Embedding) besides '%s': "
            "ambiguous", p->embedding->name);
        goto out;
      }
      p->embedding = m->weight;
    }
  }
  p->Wo = linear_w;
  p->bo = linear_b;

  /* presence */
  for (k = 0; k < L; k++) {
    static const char *const what[] = { "weight_ih_l", "weight_hh_l",
      "bias_ih_l", "bias_hh_l" };
    size_t s;
    for (s = 0; s < (has_bias ? 4u : 2u); s++)
      if (!p->layer[k][s]) {
        g_set_error (error, RNC_MODEL_ERROR, RNC_MODEL_ERROR_MISSING,
            "%s: tensor '%s%s%zu' is missing (the file has %zu layer%s%s)",
            file, prefix, what[s], k, L, L > 1 ? "s" : "",
            has_bias ? " with biases" : "");
        goto out;
      }
  }

  /* dtypes */
  for (k = 0; k < L; k++) {
    size_t s;
    for (s = 0; s < N_SLOTS; s++)
      if (p->layer[k][s] && !check_f32 (file, p->layer[k][s], error))
        goto out;
  }
  if ((p->embedding && !check_f32 (file, p->embedding, error))
      || (p->Wo && (!check_f32 (file, p->Wo, error)
              || !check_f32 (file, p->bo, error))))
    goto out;

  /* shapes: weight_hh_l0 (G*H, H) gives H and the cell */
  if (!check_matrix (file, p->layer[0][SLOT_WH], error))
    goto out;
  H = p->layer[0][SLOT_WH]->shape[1];
  GH = p->layer[0][SLOT_WH]->shape[0];
  G = GH / H;
  if (GH % H != 0 || (G != 1 && G != 3 && G != 4)) {
    set_tensor_error (error, RNC_MODEL_ERROR_SHAPE, file, p->layer[0][SLOT_WH],
        "expected (H, H) for an nn.RNN, (3*H, H) for an nn.GRU or (4*H, H) "
        "for an nn.LSTM");
    goto out;
  }
  if (!check_matrix (file, p->layer[0][SLOT_WX], error))
    goto out;
  p->D0 = p->layer[0][SLOT_WX]->shape[1];
  for (k = 0; k < L; k++) {
    if (!check_shape (file, p->layer[k][SLOT_WX], GH, k ? H : p->D0,
            k ? "(G*H, H)" : "(G*H, D)", error)
        || !check_shape (file, p->layer[k][SLOT_WH], GH, H, "(G*H, H)", error)
        || (has_bias && (!check_shape (file, p->layer[k][SLOT_BIH], GH, 0,
                    "(G*H)", error)
                || !check_shape (file, p->layer[k][SLOT_BHH], GH, 0, "(G*H)",
                    error))))
      goto out;
  }
  if (p->embedding
      && (!check_matrix (file, p->embedding, error)
          || !check_shape (file, p->embedding, p->embedding->shape[0], p->D0,
              "(V, E) with E = the recurrent input size", error)))
    goto out;
  if (p->Wo
      && (!check_matrix (file, p->Wo, error)
          || !check_shape (file, p->Wo, p->Wo->shape[0], H,
              "(Q, H) (an nn.Linear on the hidden state)", error)
          || !check_shape (file, p->bo, p->Wo->shape[0], 0, "(Q)", error)))
    goto out;

  p->config.hidden_size = H;
  p->config.num_layers = L;
  p->config.output_size = p->Wo ? p->Wo->shape[0] : 0;
  finish_config (p);
  ok = resolve_metadata (st, p, G == 4 ? RNC_CELL_LSTM : G == 3 ?
      RNC_CELL_GRU : RNC_CELL_RNN, G == 3 ? "rzn" : "ifgo", error);

out:
  g_list_free (mods);
  if (modules)
    g_hash_table_unref (modules);
  g_free (prefix);
  return ok;
}

/* ------------------------------------------------------------------------ */
/* Build */

static float
get_f32 (const RncTensorInfo *t, size_t i)
{
  guint32 bits;
  float f;

  memcpy (&bits, t->data + 4 * i, 4);
  bits = GUINT32_FROM_LE (bits);
  memcpy (&f, &bits, 4);
  return f;
}

/* torch (G*H, in) rows gate-major i,f,g,o -> native (in, G*H) i,f,o,g (a
 * GRU's r,z,n keep their order) */
static void
torch_weight (const RncTensorInfo *t, size_t G, size_t H, size_t in,
    float *dst)
{
  size_t gn, j, d;

  for (gn = 0; gn < G; gn++) {
    size_t gt = G == 4 ? torch_gate[gn] : gn;
    for (j = 0; j < H; j++)
      for (d = 0; d < in; d++)
        dst[d * G * H + gn * H + j] = get_f32 (t, (gt * H + j) * in + d);
  }
}

static void
build (const Plan *p, RncModel *m)
{
  const RncModelConfig *c = &p->config;
  const RncParamViews *v = rnc_model_get_views (m);
  size_t G = rnc_cell_gates (c->cell), H = c->hidden_size, GH = G * H;
  size_t Q = c->output_size, k, gn, j, q;

  if (p->embedding)
    rnc_tensor_info_copy (p->embedding, v->embedding);
  for (k = 0; k < c->num_layers; k++) {
    const RncLayerParams *lp = &v->layer[k];
    if (!p->torch) {
      rnc_tensor_info_copy (p->layer[k][SLOT_WX], lp->Wx);
      rnc_tensor_info_copy (p->layer[k][SLOT_WH], lp->Wh);
      rnc_tensor_info_copy (p->layer[k][SLOT_BIH], lp->bh);
      if (lp->bhn)
        rnc_tensor_info_copy (p->layer[k][SLOT_BHH], lp->bhn);
      continue;
    }
    torch_weight (p->layer[k][SLOT_WX], G, H, lp->in, lp->Wx);
    torch_weight (p->layer[k][SLOT_WH], G, H, H, lp->Wh);
    if (!p->layer[k][SLOT_BIH]) {
      memset (lp->bh, 0, GH * sizeof (float));
      if (lp->bhn)
        memset (lp->bhn, 0, H * sizeof (float));
      continue;
    }
    for (gn = 0; gn < G; gn++) {
      size_t gt = G == 4 ? torch_gate[gn] : gn;
      for (j = 0; j < H; j++) {
        if (c->cell == RNC_CELL_GRU && gn == 2) {
          /* b_in outside, b_hn inside the reset product */
          lp->bh[gn * H + j] = get_f32 (p->layer[k][SLOT_BIH], gt * H + j);
          lp->bhn[j] = get_f32 (p->layer[k][SLOT_BHH], gt * H + j);
        } else {
          lp->bh[gn * H + j] = get_f32 (p->layer[k][SLOT_BIH], gt * H + j)
              + get_f32 (p->layer[k][SLOT_BHH], gt * H + j);
        }
      }
    }
  }
  if (p->Wo) {
    if (!p->torch) {
      rnc_tensor_info_copy (p->Wo, v->Wo);
    } else {
      for (j = 0; j < H; j++)
        for (q = 0; q < Q; q++)
          v->Wo[j * Q + q] = get_f32 (p->Wo, q * H + j);
    }
    rnc_tensor_info_copy (p->bo, v->bo);
  }
}

RncModel *
rnc_model_load_from_data (const guint8 *data, size_t size, const char *name,
    GError **error)
{
  g_autoptr (RncSafetensors) st = NULL;
  GError *err = NULL;
  Plan p;
  RncModel *m;
  const char **keys;
  guint n_keys, i;
  size_t k, s;

  if (rnc_onnx_data_looks_like (data, size, name))
    return rnc_onnx_load_from_data (data, size, name, error);
  memset (&p, 0, sizeof (p));
  p.file = name ? name : "<data>";
  st = rnc_safetensors_parse (data, size, p.file, error);
  if (!st)
    return NULL;
  p.torch = is_torch_layout (st);
  if (!(p.torch ? plan_torch (st, &p, error) : plan_native (st, &p, error)))
    return NULL;

  /* every weight finite, still before allocating */
  for (k = 0; k < p.config.num_layers; k++)
    for (s = 0; s < N_SLOTS; s++)
      if (p.layer[k][s] && !check_finite (p.file, p.layer[k][s], error))
        return NULL;
  if ((p.embedding && !check_finite (p.file, p.embedding, error))
      || (p.Wo && (!check_finite (p.file, p.Wo, error)
              || !check_finite (p.file, p.bo, error))))
    return NULL;

  /* all dims are 1..RNC_MAX_DIM by now; only the total can be refused */
  m = rnc_model_new (&p.config, &err);
  if (!m) {
    g_set_error (error, RNC_MODEL_ERROR, RNC_MODEL_ERROR_OVERFLOW, "%s: %s",
        p.file, err->message);
    g_clear_error (&err);
    return NULL;
  }
  build (&p, m);

  /* metadata verbatim, then the structural keys as resolved */
  keys = rnc_safetensors_list_metadata (st, &n_keys);
  for (i = 0; i < n_keys; i++)
    rnc_model_set_metadata (m, keys[i], rnc_safetensors_get_metadata (st,
            keys[i]));
  g_free (keys);
  rnc_model_set_metadata (m, "rnc.cell", rnc_cell_to_string (p.config.cell));
  rnc_model_set_metadata (m, "rnc.gate_order",
      rnc_cell_gate_order (p.config.cell));
  rnc_model_set_metadata (m, "rnc.input", rnc_input_to_string (p.config.input));
  rnc_model_set_metadata (m, "rnc.head", rnc_head_to_string (p.config.head));
  if (!rnc_model_parse_metadata (m, &err)) {
    g_set_error (error, RNC_MODEL_ERROR, RNC_MODEL_ERROR_METADATA, "%s: %s",
        p.file, err->message);
    g_clear_error (&err);
    rnc_model_free (m);
    return NULL;
  }
  return m;
}

/* Maps @path and hands its bytes to @parse. */
typedef gboolean (*ParseFunc) (const guint8 *data, size_t size,
    const char *name, gpointer user_data, GError **error);

static gboolean
with_mapped_file (const char *path, ParseFunc parse, gpointer user_data,
    GError **error)
{
  GError *err = NULL;
  GMappedFile *mf;
  char *disp;
  gboolean ok;

  g_return_val_if_fail (path != NULL, FALSE);

  disp = g_filename_display_name (path);
  /* a FIFO would block the open, a device has no end: regular files only */
  if (g_file_test (path, G_FILE_TEST_EXISTS)
      && !g_file_test (path, G_FILE_TEST_IS_REGULAR)) {
    g_set_error (error, RNC_MODEL_ERROR, RNC_MODEL_ERROR_IO,
        "%s: not a regular file", disp);
    g_free (disp);
    return FALSE;
  }
  mf = g_mapped_file_new (path, FALSE, &err);
  if (!mf) {
    g_set_error (error, RNC_MODEL_ERROR, RNC_MODEL_ERROR_IO,
        "%s: cannot open: %s", disp, err->message);
    g_clear_error (&err);
    g_free (disp);
    return FALSE;
  }
  ok = parse ((const guint8 *) g_mapped_file_get_contents (mf),
      g_mapped_file_get_length (mf), disp, user_data, error);
  g_mapped_file_unref (mf);
  g_free (disp);
  return ok;
}

static gboolean
parse_model (const guint8 *data, size_t size, const char *name,
    gpointer user_data, GError **error)
{
  RncModel **out = user_data;

  *out = rnc_model_load_from_data (data, size, name, error);
  return *out != NULL;
}

RncModel *
rnc_model_load (const char *path, GError **error)
{
  RncModel *m = NULL;

  with_mapped_file (path, parse_model, &m, error);
  return m;
}

/* ------------------------------------------------------------------------ */
/* Saving */

static gboolean
add_floats (RncSafetensorsWriter *w, const char *name, const float *data,
    size_t rows, size_t cols, GError **error)
{
  size_t shape[2] = { rows, cols }, n = cols ? rows * cols : rows, i;

  for (i = 0; i < n; i++)
    if (!isfinite (data[i])) {
      g_set_error (error, RNC_MODEL_ERROR, RNC_MODEL_ERROR_VALUE,
          "tensor '%s': element %zu is NaN or infinite; not saved", name, i);
      return FALSE;
    }
  return rnc_safetensors_writer_add (w, name, RNC_DTYPE_F32, cols ? 2 : 1,
      shape, data, error);
}

static RncSafetensorsWriter *
model_writer (const RncModel *m, GError **error)
{
  const RncModelConfig *c = rnc_model_get_config (m);
  const RncParamViews *v = rnc_model_get_views (m);
  RncSafetensorsWriter *w = rnc_safetensors_writer_new ();
  size_t G = rnc_cell_gates (c->cell), H = c->hidden_size, k;
  const char **keys;
  guint n_keys, i;

  if (v->embedding && !add_floats (w, "embedding", v->embedding,
          c->input_size, c->embed_size, error))
    goto fail;
  for (k = 0; k < c->num_layers; k++) {
    char name[32];
    g_snprintf (name, sizeof (name), "layer%zu.Wx", k);
    if (!add_floats (w, name, v->layer[k].Wx, v->layer[k].in, G * H, error))
      goto fail;
    g_snprintf (name, sizeof (name), "layer%zu.Wh", k);
    if (!add_floats (w, name, v->layer[k].Wh, H, G * H, error))
      goto fail;
    g_snprintf (name, sizeof (name), "layer%zu.bh", k);
    if (!add_floats (w, name, v->layer[k].bh, G * H, 0, error))
      goto fail;
    g_snprintf (name, sizeof (name), "layer%zu.bhn", k);
    if (v->layer[k].bhn && !add_floats (w, name, v->layer[k].bhn, H, 0,
            error))
      goto fail;
  }
  if (c->head != RNC_HEAD_NONE
      && (!add_floats (w, "head.Wo", v->Wo, H, c->output_size, error)
          || !add_floats (w, "head.bo", v->bo, c->output_size, 0, error)))
    goto fail;

  keys = rnc_model_list_metadata (m, &n_keys);
  for (i = 0; i < n_keys; i++)
    rnc_safetensors_writer_set_metadata (w, keys[i],
        rnc_model_get_metadata (m, keys[i]));
  g_free (keys);
  /* the structural keys always say what the tensors are */
  rnc_safetensors_writer_set_metadata (w, "rnc.cell",
      rnc_cell_to_string (c->cell));
  rnc_safetensors_writer_set_metadata (w, "rnc.gate_order",
      rnc_cell_gate_order (c->cell));
  rnc_safetensors_writer_set_metadata (w, "rnc.input",
      rnc_input_to_string (c->input));
  rnc_safetensors_writer_set_metadata (w, "rnc.head",
      rnc_head_to_string (c->head));
  return w;

fail:
  rnc_safetensors_writer_free (w);
  return NULL;
}

guint8 *
rnc_model_save_to_data (const RncModel *model, size_t *size, GError **error)
{
  g_autoptr (RncSafetensorsWriter) w = NULL;

  g_return_val_if_fail (model != NULL && size != NULL, NULL);
  w = model_writer (model, error);
  return w ? rnc_safetensors_writer_to_data (w, size, error) : NULL;
}

gboolean
rnc_model_save (const RncModel *model, const char *path, GError **error)
{
  g_autoptr (RncSafetensorsWriter) w = NULL;

  g_return_val_if_fail (model != NULL && path != NULL, FALSE);
  w = model_writer (model, error);
  return w && rnc_safetensors_writer_to_file (w, path, error);
}

/* ------------------------------------------------------------------------ */
/* State files (docs/checkpoints.md): state.h and, for an LSTM, state.c,
 * (L, H) for one stream or (L, N, H) for N > 1; metadata rnc.cell,
 * rnc.streams, rnc.position (frames consumed since the stream start, one
 * value for all streams: they advance together) and rnc.initial, what a
 * reset restores ("zeros", "ones" or "given" with initial.h / initial.c of
 * the same shapes as state.h / state.c). */

struct _RncStateFile
{
  size_t L, N, H;
  gboolean lstm;
  float *h, *c;                 /* (L, N, H); c NULL for rnn */
  gboolean has_position;
  guint64 position;
  RncInitKind initial;
  float *h0, *c0;               /* (L, N, H) with RNC_INIT_GIVEN, else NULL */
  float *track;                 /* (N, track_width) interval.track, or NULL */
  size_t track_width;
};

void
rnc_state_file_free (RncStateFile *f)
{
  if (!f)
    return;
  g_free (f->h);
  g_free (f->c);
  g_free (f->h0);
  g_free (f->c0);
  g_free (f->track);
  g_free (f);
}

/* Adds @name = @data (L, N, H), saved as (L, H) when N is 1. */
static gboolean
add_state_tensor (RncSafetensorsWriter *w, const char *name,
    const float *data, size_t L, size_t N, size_t H, GError **error)
{
  size_t shape[3] = { L, N, H }, total = L * N * H, i;

  for (i = 0; i < total; i++)
    if (!isfinite (data[i])) {
      g_set_error (error, RNC_MODEL_ERROR, RNC_MODEL_ERROR_VALUE,
          "tensor '%s': element %zu is NaN or infinite; not saved", name, i);
      return FALSE;
    }
  if (N == 1) {
    shape[1] = H;
    return rnc_safetensors_writer_add (w, name, RNC_DTYPE_F32, 2, shape,
        data, error);
  }
  return rnc_safetensors_writer_add (w, name, RNC_DTYPE_F32, 3, shape, data,
      error);
}

static const char *
init_kind_to_string (RncInitKind kind)
{
  switch (kind) {
    case RNC_INIT_ONES:
      return "ones";
    case RNC_INIT_GIVEN:
      return "given";
    case RNC_INIT_ZEROS:
    default:
      return "zeros";
  }
}

/* The state file in memory: every stream's h (and c), the initial state
 * when given, the metadata. */
static guint8 *
state_to_data (const RncState *state, guint64 position, const float *track,
    size_t track_width, size_t *size, GError **error)
{
  const RncModel *m = rnc_state_get_model (state);
  const RncModelConfig *c = rnc_model_get_config (m);
  size_t L = c->num_layers, N = rnc_state_get_batch (state),
      H = c->hidden_size;
  gboolean lstm = c->cell == RNC_CELL_LSTM;
  RncInitKind init = rnc_state_get_init (state);
  RncSafetensorsWriter *w;
  float *h0 = NULL, *c0 = NULL;
  guint8 *data = NULL;
  char num[32];

  w = rnc_safetensors_writer_new ();
  if (!add_state_tensor (w, "state.h", rnc_state_peek_h (state), L, N, H,
          error)
      || (lstm && !add_state_tensor (w, "state.c", rnc_state_peek_c (state),
              L, N, H, error)))
    goto out;
  if (init == RNC_INIT_GIVEN) {
    /* the writer borrows them until the file is built */
    h0 = g_new (float, L * N * H);
    c0 = lstm ? g_new (float, L * N * H) : NULL;
    rnc_state_copy_initial (state, h0, c0);
    if (!add_state_tensor (w, "initial.h", h0, L, N, H, error)
        || (lstm && !add_state_tensor (w, "initial.c", c0, L, N, H, error)))
      goto out;
  }
  if (track && track_width > 0) {
    /* NaN bounds mean "none given": not checked for finiteness */
    size_t shape[2] = { N, track_width };
    if (!rnc_safetensors_writer_add (w, "interval.track", RNC_DTYPE_F32, 2,
            shape, track, error))
      goto out;
  }
  rnc_safetensors_writer_set_metadata (w, "rnc.cell",
      rnc_cell_to_string (c->cell));
  g_snprintf (num, sizeof (num), "%zu", N);
  rnc_safetensors_writer_set_metadata (w, "rnc.streams", num);
  if (position != RNC_STATE_POSITION_NONE) {
    g_snprintf (num, sizeof (num), "%" G_GUINT64_FORMAT, position);
    rnc_safetensors_writer_set_metadata (w, "rnc.position", num);
  }
  rnc_safetensors_writer_set_metadata (w, "rnc.initial",
      init_kind_to_string (init));
  data = rnc_safetensors_writer_to_data (w, size, error);

out:
  rnc_safetensors_writer_free (w);
  g_free (h0);
  g_free (c0);
  return data;
}

guint8 *
rnc_state_save_to_data_at (const RncState *state, guint64 position,
    size_t *size, GError **error)
{
  g_return_val_if_fail (state != NULL && size != NULL, NULL);
  return state_to_data (state, position, NULL, 0, size, error);
}

guint8 *
rnc_state_save_to_data (const RncState *state, size_t *size, GError **error)
{
  return rnc_state_save_to_data_at (state, RNC_STATE_POSITION_NONE, size,
      error);
}

gboolean
rnc_state_save_at (const RncState *state, guint64 position, const char *path,
    GError **error)
{
  return rnc_state_save_track_at (state, position, NULL, 0, path, error);
}

gboolean
rnc_state_save_track_at (const RncState *state, guint64 position,
    const float *track, size_t track_width, const char *path, GError **error)
{
  size_t size = 0;
  guint8 *data;
  gboolean ok;

  g_return_val_if_fail (state != NULL && path != NULL, FALSE);
  data = state_to_data (state, position, track, track_width, &size, error);
  if (!data)
    return FALSE;
  ok = rnc_safetensors_write_atomic (path, data, size, error);
  g_free (data);
  return ok;
}

gboolean
rnc_state_save (const RncState *state, const char *path, GError **error)
{
  return rnc_state_save_at (state, RNC_STATE_POSITION_NONE, path, error);
}

/* A decimal count in metadata @key: digits only, at most @max. */
static gboolean
parse_count (const RncSafetensors *st, const char *file, const char *key,
    guint64 max, guint64 *out, GError **error)
{
  const char *v = rnc_safetensors_get_metadata (st, key);
  gsize i, len;

  if (!v)
    return TRUE;
  len = strlen (v);
  if (len == 0 || len > 20)
    goto bad;
  for (i = 0; i < len; i++)
    if (!g_ascii_isdigit (v[i]))
      goto bad;
  if (!g_ascii_string_to_unsigned (v, 10, 0, max, out, NULL))
    goto bad;
  return TRUE;

bad:
  return metadata_error (error, file, key, v,
      "expected a decimal count from 0 to %" G_GUINT64_FORMAT, max);
}

/* Checks a state tensor: F32, (L, H) for one stream or (L, N, H), finite;
 * *n receives N. */
static gboolean
check_state_tensor (const char *file, const RncTensorInfo *t, size_t L,
    size_t H, size_t *n, GError **error)
{
  if (!check_f32 (file, t, error))
    return FALSE;
  if (t->rank == 2 && t->shape[0] == L && t->shape[1] == H)
    *n = 1;
  else if (t->rank == 3 && t->shape[0] == L && t->shape[1] >= 1
      && t->shape[2] == H)
    *n = t->shape[1];
  else {
    set_tensor_error (error, RNC_MODEL_ERROR_SHAPE, file, t,
        "expected (L, H) = (%zu, %zu) of the model for one stream, or "
        "(L, N, H) = (%zu, N, %zu) for N streams", L, H, L, H);
    return FALSE;
  }
  return check_finite (file, t, error);
}

RncStateFile *
rnc_state_file_load_from_data (const RncState *state, const guint8 *data,
    size_t size, const char *name, GError **error)
{
  g_autoptr (RncSafetensors) st = NULL;
  const RncModelConfig *c;
  const RncTensorInfo *t[4] = { NULL, NULL, NULL, NULL }, *track = NULL;
  static const char *const names[4] =
      { "state.h", "state.c", "initial.h", "initial.c" };
  const char *file = name ? name : "<data>", *cell, *initial;
  gboolean lstm;
  size_t i, k, L, H, N = 0, want = rnc_state_get_batch (state);
  guint64 streams = 0, position = 0;
  RncInitKind init = RNC_INIT_ZEROS;
  RncStateFile *f;

  g_return_val_if_fail (state != NULL, NULL);
  c = rnc_model_get_config (rnc_state_get_model (state));
  lstm = c->cell == RNC_CELL_LSTM;
  L = c->num_layers;
  H = c->hidden_size;

  st = rnc_safetensors_parse (data, size, file, error);
  if (!st)
    return NULL;
  for (i = 0; i < rnc_safetensors_get_n_tensors (st); i++) {
    const RncTensorInfo *ti = rnc_safetensors_get_tensor (st, i);
    if (strcmp (ti->name, "interval.track") == 0) {
      track = ti;
      continue;
    }
    for (k = 0; k < 4; k++)
      if ((lstm || (k & 1) == 0) && strcmp (ti->name, names[k]) == 0)
        break;
    if (k == 4) {
      set_tensor_error (error, RNC_MODEL_ERROR_UNEXPECTED, file, ti,
          "a state file for this %s holds only state.h%s (and the initial "
          "state in initial.h%s)", rnc_cell_to_string (c->cell),
          lstm ? ", state.c" : "", lstm ? ", initial.c" : "");
      return NULL;
    }
    t[k] = ti;
  }
  if (!t[0] || (lstm && !t[1])) {
    g_set_error (error, RNC_MODEL_ERROR, RNC_MODEL_ERROR_MISSING,
        "%s: tensor '%s' is missing", file, t[0] ? "state.c" : "state.h");
    return NULL;
  }
  cell = rnc_safetensors_get_metadata (st, "rnc.cell");
  if (cell && strcmp (cell, rnc_cell_to_string (c->cell)) != 0) {
    metadata_error (error, file, "rnc.cell", cell,
        "the state is for a%s %s model", c->cell == RNC_CELL_GRU ? "" : "n",
        rnc_cell_to_string (c->cell));
    return NULL;
  }
  /* every tensor present has the same number of streams */
  for (k = 0; k < 4; k++) {
    size_t n = 0;
    if (!t[k])
      continue;
    if (!check_state_tensor (file, t[k], L, H, &n, error))
      return NULL;
    if (N == 0)
      N = n;
    else if (n != N) {
      set_tensor_error (error, RNC_MODEL_ERROR_SHAPE, file, t[k],
          "holds %zu streams, but state.h holds %zu", n, N);
      return NULL;
    }
  }
  if (!parse_count (st, file, "rnc.streams", RNC_MAX_DIM, &streams, error))
    return NULL;
  if (rnc_safetensors_get_metadata (st, "rnc.streams") && streams != N) {
    metadata_error (error, file, "rnc.streams",
        rnc_safetensors_get_metadata (st, "rnc.streams"),
        "the tensors hold %zu streams", N);
    return NULL;
  }
  if (track && !check_f32 (file, track, error))
    return NULL;
  if (track && (track->rank != 2 || track->shape[0] != N
          || track->shape[1] == 0 || track->shape[1] > RNC_MAX_DIM)) {
    set_tensor_error (error, RNC_MODEL_ERROR_SHAPE, file, track,
        "expected (N, W) = (%zu, W) for the %zu stream%s, 0 < W <= %u", N,
        N, N == 1 ? "" : "s", RNC_MAX_DIM);
    return NULL;
  }
  if (N != want) {
    g_set_error (error, RNC_MODEL_ERROR, RNC_MODEL_ERROR_SHAPE,
        "%s holds the state of %zu stream%s, but this state has %zu "
        "stream%s", file, N, N == 1 ? "" : "s", want, want == 1 ? "" : "s");
    return NULL;
  }
  if (!parse_count (st, file, "rnc.position", G_MAXUINT64 - 1, &position,
          error))
    return NULL;
  initial = rnc_safetensors_get_metadata (st, "rnc.initial");
  if (initial && strcmp (initial, "zeros") == 0)
    init = RNC_INIT_ZEROS;
  else if (initial && strcmp (initial, "ones") == 0)
    init = RNC_INIT_ONES;
  else if (initial && strcmp (initial, "given") == 0)
    init = RNC_INIT_GIVEN;
  else if (initial) {
    metadata_error (error, file, "rnc.initial", initial,
        "expected zeros, ones or given");
    return NULL;
  }
  if ((init == RNC_INIT_GIVEN) != (t[2] != NULL)
      || (init == RNC_INIT_GIVEN && lstm && !t[3]) || (t[3] && !t[2])) {
    g_set_error (error, RNC_MODEL_ERROR, RNC_MODEL_ERROR_METADATA,
        "%s: metadata 'rnc.initial' is '%s' but the file %s initial.h%s",
        file, initial ? initial : "(absent)", t[2] ? "holds" : "lacks",
        lstm ? " and initial.c" : "");
    return NULL;
  }

  /* validated: now allocate */
  f = g_new0 (RncStateFile, 1);
  f->L = L;
  f->N = N;
  f->H = H;
  f->lstm = lstm;
  f->has_position = rnc_safetensors_get_metadata (st, "rnc.position") != NULL;
  f->position = position;
  f->initial = init;
  f->h = g_new (float, L * N * H);
  rnc_tensor_info_copy (t[0], f->h);
  if (lstm) {
    f->c = g_new (float, L * N * H);
    rnc_tensor_info_copy (t[1], f->c);
  }
  if (track) {
    f->track_width = track->shape[1];
    f->track = g_new (float, N * f->track_width);
    rnc_tensor_info_copy (track, f->track);
  }
  if (init == RNC_INIT_GIVEN) {
    f->h0 = g_new (float, L * N * H);
    rnc_tensor_info_copy (t[2], f->h0);
    if (lstm) {
      f->c0 = g_new (float, L * N * H);
      rnc_tensor_info_copy (t[3], f->c0);
    }
  }
  return f;
}

static gboolean
parse_state_file (const guint8 *data, size_t size, const char *name,
    gpointer user_data, GError **error)
{
  gpointer *io = user_data;     /* { const RncState *, RncStateFile ** } */

  *(RncStateFile **) io[1] = rnc_state_file_load_from_data (io[0], data,
      size, name, error);
  return *(RncStateFile **) io[1] != NULL;
}

RncStateFile *
rnc_state_file_load (const RncState *state, const char *path, GError **error)
{
  RncStateFile *f = NULL;
  gpointer io[2] = { (gpointer) state, &f };

  g_return_val_if_fail (state != NULL, NULL);
  with_mapped_file (path, parse_state_file, io, error);
  return f;
}

size_t
rnc_state_file_get_streams (const RncStateFile *f)
{
  return f->N;
}

gboolean
rnc_state_file_get_position (const RncStateFile *f, guint64 *position)
{
  if (position)
    *position = f->position;
  return f->has_position;
}

RncInitKind
rnc_state_file_get_initial (const RncStateFile *f)
{
  return f->initial;
}

static gboolean
file_fits (const RncStateFile *f, const RncState *state)
{
  const RncModelConfig *c = rnc_model_get_config (rnc_state_get_model
      (state));

  return c->num_layers == f->L && c->hidden_size == f->H
      && rnc_state_get_batch (state) == f->N
      && (c->cell == RNC_CELL_LSTM) == f->lstm;
}

void
rnc_state_file_apply_initial (const RncStateFile *f, RncState *state)
{
  g_return_if_fail (f != NULL && state != NULL && file_fits (f, state));
  if (f->initial == RNC_INIT_GIVEN)
    rnc_state_set_initial_streams (state, f->h0, f->c0);
  else
    rnc_state_set_init (state, f->initial);
}

void
rnc_state_file_apply_values (const RncStateFile *f, RncState *state)
{
  size_t total;

  g_return_if_fail (f != NULL && state != NULL && file_fits (f, state));
  total = f->L * f->N * f->H;
  memcpy (rnc_state_get_h (state), f->h, total * sizeof (float));
  if (f->c)
    memcpy (rnc_state_get_c (state), f->c, total * sizeof (float));
}

void
rnc_state_file_apply_as_initial (const RncStateFile *f, RncState *state)
{
  g_return_if_fail (f != NULL && state != NULL && file_fits (f, state));
  rnc_state_set_initial_streams (state, f->h, f->c);
}

gboolean
rnc_state_load_initial_from_data (RncState *state, const guint8 *data,
    size_t size, const char *name, GError **error)
{
  RncStateFile *f;

  g_return_val_if_fail (state != NULL, FALSE);
  f = rnc_state_file_load_from_data (state, data, size, name, error);
  if (!f)
    return FALSE;
  rnc_state_file_apply_as_initial (f, state);
  rnc_state_file_free (f);
  return TRUE;
}

gboolean
rnc_state_load_initial (RncState *state, const char *path, GError **error)
{
  RncStateFile *f;

  g_return_val_if_fail (state != NULL, FALSE);
  f = rnc_state_file_load (state, path, error);
  if (!f)
    return FALSE;
  rnc_state_file_apply_as_initial (f, state);
  rnc_state_file_free (f);
  return TRUE;
}

const float *
rnc_state_file_peek_track (const RncStateFile *f, size_t *width)
{
  g_return_val_if_fail (f != NULL, NULL);
  if (width)
    *width = f->track_width;
  return f->track;
}
