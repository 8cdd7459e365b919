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
