/* librnc: generation. */
#include "rnc-generate.h"

#include "rnc-forward.h"
#include "rnc-private.h"

#include <string.h>

void
rnc_generate (RncState *s, const float *x0, size_t T, float *out)
{
  const RncModel *m = s->model;
  const RncModelConfig *c = rnc_model_get_config (m);
  size_t N = s->N, D = c->input_size, Q = c->output_size, t, n;
  float *x = s->gather;         /* (N, D): dense models own (max_frames*N, D) */

  g_return_if_fail (c->input == RNC_INPUT_DENSE);
  g_return_if_fail (c->head == RNC_HEAD_REGRESSION && Q == D);

  memcpy (x, x0, N * D * sizeof (float));
  rnc_model_scale_input (m, x, N);
  for (t = 0; t < T; t++) {
    rnc_forward (s, x, 1, NULL, s->feedback);
    for (n = 0; n < N; n++) {
      float *y = out + (n * T + t) * Q;
      memcpy (y, s->feedback + n * Q, Q * sizeof (float));
      rnc_model_unscale_output (m, y, 1);
      memcpy (x + n * D, y, D * sizeof (float));
    }
    rnc_model_scale_input (m, x, N);
  }
}

size_t
rnc_generate_ids (RncState *s, RncSampler *sampler, float *logits,
    float temperature, size_t top_k, int32_t stop_id, size_t length,
    int32_t *out)
{
  const RncModelConfig *c = rnc_model_get_config (s->model);
  size_t k;

  g_return_val_if_fail (s->N == 1, 0);
  g_return_val_if_fail (c->input == RNC_INPUT_INDEX
      && c->head == RNC_HEAD_CLASSES && c->output_size == c->input_size, 0);

  for (k = 0; k < length; k++) {
    int32_t id = (int32_t) rnc_sampler_sample (sampler, logits, temperature,
        top_k);
    out[k] = id;
    if (id == stop_id)
      return k + 1;
    if (k + 1 < length)
      rnc_forward_ids (s, &id, 1, NULL, logits);
  }
  return length;
}
