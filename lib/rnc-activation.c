/* librnc: activations. */
#include "rnc-activation.h"

#include "rnc-simd.h"

#include <math.h>

void
rnc_tanh_inplace_ref (float *x, size_t n)
{
  size_t i;

  for (i = 0; i < n; i++)
    x[i] = tanhf (x[i]);
}

void
rnc_sigmoid_inplace_ref (float *x, size_t n)
{
  size_t i;

  for (i = 0; i < n; i++)
    x[i] = 1.0f / (1.0f + expf (-x[i]));
}

void
rnc_exp_inplace_ref (float *x, size_t n)
{
  size_t i;

  for (i = 0; i < n; i++)
    x[i] = expf (x[i]);
}

void
rnc_tanh_inplace (float *x, size_t n)
{
  rnc_kernels ()->tanh (x, n);
}

void
rnc_sigmoid_inplace (float *x, size_t n)
{
  rnc_kernels ()->sigmoid (x, n);
}

void
rnc_exp_inplace (float *x, size_t n)
{
  rnc_kernels ()->exp (x, n);
}

void
rnc_softmax (const float *logits, size_t n, float temperature, float *probs)
{
  float mx = -INFINITY, inv_t = 1.0f / temperature;
  double sum = 0.0;
  size_t i;

  for (i = 0; i < n; i++)
    if (logits[i] > mx)
      mx = logits[i];
  for (i = 0; i < n; i++)
    probs[i] = (logits[i] - mx) * inv_t;
  rnc_exp_inplace (probs, n);
  for (i = 0; i < n; i++)
    sum += probs[i];
  for (i = 0; i < n; i++)
    probs[i] = (float) (probs[i] / sum);
}

size_t
rnc_argmax (const float *x, size_t n)
{
  size_t i, best = 0;
  float bv = -INFINITY;
  gboolean found = FALSE;

  for (i = 0; i < n; i++)
    if (!isnan (x[i]) && (!found || x[i] > bv)) {
      bv = x[i];
      best = i;
      found = TRUE;
    }
  return best;
}
