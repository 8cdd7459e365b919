/* librnc: offline tagging (see rnc-tagger.h). */
#include "rnc-tagger.h"

#include "rnc-activation.h"
#include "rnc-forward.h"

#include <string.h>

gboolean
rnc_tagger_forward (RncState *state, const int32_t *ids, size_t n,
    float *logits, int32_t *tags)
{
  const RncModel *m;
  size_t k, Q, i;
  int32_t *x;
  float *y;
  gboolean ok;

  g_return_val_if_fail (state != NULL && rnc_state_get_batch (state) == 1,
      FALSE);
  m = rnc_state_get_model (state);
  g_return_val_if_fail (rnc_model_get_config (m)->input == RNC_INPUT_INDEX
      && rnc_model_get_config (m)->head == RNC_HEAD_CLASSES, FALSE);
  if (n == 0)
    return TRUE;
  k = rnc_model_get_delay (m);
  Q = rnc_model_get_config (m)->output_size;

  x = g_new (int32_t, n + k);   /* (n + k) the sentence, then the pads */
  y = g_new (float, (n + k) * Q);       /* (n + k, Q) */
  memcpy (x, ids, n * sizeof (int32_t));
  for (i = 0; i < k; i++)
    x[n + i] = rnc_model_get_pad_id (m);
  rnc_state_reset (state);
  ok = rnc_forward_ids (state, x, n + k, NULL, y);
  if (ok) {
    if (logits)
      memcpy (logits, y + k * Q, n * Q * sizeof (float));
    for (i = 0; tags && i < n; i++)
      tags[i] = (int32_t) rnc_argmax (y + (k + i) * Q, Q);
  }
  g_free (x);
  g_free (y);
  return ok;
}

RncModel *
rnc_model_new_ensemble (RncModel *const *models, size_t n, GError **error)
{
  const RncModelConfig *c;
  RncModelConfig pc;
  RncModel *out;
  const RncParamViews *pv;
  size_t m, l, G, H, E, Q, V, nH, i, r, g, k;
  const char **keys;
  guint n_keys;

  g_return_val_if_fail (models != NULL && n >= 1, NULL);
  c = rnc_model_get_config (models[0]);
  for (m = 1; m < n; m++) {
    const RncModelConfig *o = rnc_model_get_config (models[m]);
    if (o->cell != c->cell || o->input != c->input || o->head != c->head
        || o->input_size != c->input_size || o->embed_size != c->embed_size
        || o->hidden_size != c->hidden_size || o->num_layers != c->num_layers
        || o->output_size != c->output_size)
      goto differ;
  }
  pc = *c;
  pc.hidden_size = n * c->hidden_size;
  pc.embed_size = n * c->embed_size;
  out = rnc_model_new (&pc, error);
  if (!out)
    return NULL;
  pv = rnc_model_get_views (out);
  G = rnc_cell_gates (c->cell);
  H = c->hidden_size;
  E = c->embed_size;
  Q = c->output_size;
  V = c->input_size;
  nH = n * H;

  for (m = 0; m < n; m++) {
    const RncParamViews *v = rnc_model_get_views (models[m]);
    if (v->embedding)
      for (i = 0; i < V; i++)
        memcpy (pv->embedding + i * n * E + m * E, v->embedding + i * E,
            E * sizeof (float));
    for (l = 0; l < c->num_layers; l++) {
      const RncLayerParams *s = &v->layer[l];
      const RncLayerParams *d = &pv->layer[l];
      /* layer 0 without an embedding reads the shared input rows */
      gboolean shared = l == 0 && E == 0;
      for (r = 0; r < s->in; r++) {
        size_t dr = shared ? r : m * s->in + r;
        for (g = 0; g < G; g++)
          memcpy (d->Wx + dr * G * nH + g * nH + m * H, s->Wx + r * G * H +
              g * H, H * sizeof (float));
      }
      for (r = 0; r < H; r++)
        for (g = 0; g < G; g++)
          memcpy (d->Wh + (m * H + r) * G * nH + g * nH + m * H,
              s->Wh + r * G * H + g * H, H * sizeof (float));
      for (g = 0; g < G; g++)
        memcpy (d->bh + g * nH + m * H, s->bh + g * H, H * sizeof (float));
    }
    if (v->Wo) {
      for (r = 0; r < H; r++)
        for (k = 0; k < Q; k++)
          pv->Wo[(m * H + r) * Q + k] = v->Wo[r * Q + k] / (float) n;
      for (k = 0; k < Q; k++)
        pv->bo[k] += v->bo[k] / (float) n;
    }
  }
  rnc_model_params_changed (out);

  keys = rnc_model_list_metadata (models[0], &n_keys);
  for (i = 0; i < n_keys; i++)
    rnc_model_set_metadata (out, keys[i], rnc_model_get_metadata (models[0],
            keys[i]));
  g_free (keys);
  if (!rnc_model_parse_metadata (out, error)) {
    rnc_model_free (out);
    return NULL;
  }
  return out;

  /* ERRORS */
differ:
  g_set_error (error, RNC_CONFIG_ERROR, RNC_CONFIG_ERROR_INVALID,
      "the models of an ensemble must have the same shape (model %zu "
      "differs from model 0)", m);
  return NULL;
}
