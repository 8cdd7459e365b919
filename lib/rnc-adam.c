/* librnc: Adam and gradient clipping. */
#include "rnc-adam.h"

#include <math.h>
#include <string.h>

struct _RncAdam
{
  size_t n;
  float *m, *v;                 /* (n) moments, the parameters' layout */
  float lr, beta1, beta2, epsilon;
  guint64 t;
};

RncAdam *
rnc_adam_new (size_t n_params)
{
  RncAdam *a = g_new0 (RncAdam, 1);

  a->n = n_params;
  a->m = g_new0 (float, MAX (n_params, 1));
  a->v = g_new0 (float, MAX (n_params, 1));
  a->lr = RNC_ADAM_DEFAULT_LR;
  a->beta1 = RNC_ADAM_DEFAULT_BETA1;
  a->beta2 = RNC_ADAM_DEFAULT_BETA2;
  a->epsilon = RNC_ADAM_DEFAULT_EPSILON;
  return a;
}

void
rnc_adam_free (RncAdam *a)
{
  if (!a)
    return;
  g_free (a->m);
  g_free (a->v);
  g_free (a);
}

void
rnc_adam_set_lr (RncAdam *a, float lr)
{
  a->lr = lr;
}

float
rnc_adam_get_lr (const RncAdam *a)
{
  return a->lr;
}

void
rnc_adam_set_betas (RncAdam *a, float beta1, float beta2)
{
  a->beta1 = beta1;
  a->beta2 = beta2;
}

void
rnc_adam_set_epsilon (RncAdam *a, float epsilon)
{
  a->epsilon = epsilon;
}

guint64
rnc_adam_get_step (const RncAdam *a)
{
  return a->t;
}

void
rnc_adam_reset (RncAdam *a)
{
  memset (a->m, 0, a->n * sizeof (float));
  memset (a->v, 0, a->n * sizeof (float));
  a->t = 0;
}

const float *
rnc_adam_peek_m (const RncAdam *a)
{
  return a->m;
}

const float *
rnc_adam_peek_v (const RncAdam *a)
{
  return a->v;
}

void
rnc_adam_update (RncAdam *a, float *p, const float *g)
{
  float alpha, one_b1, one_b2, eps;
  double t;
  size_t i;

  g_return_if_fail (a != NULL && p != NULL && g != NULL);
  a->t++;
  t = (double) a->t;
  /* the corrections in double: beta2^t for t in the millions underflows
   * float precision long before it matters */
  alpha = (float) (a->lr * sqrt (1.0 - pow (a->beta2, t))
      / (1.0 - pow (a->beta1, t)));
  one_b1 = 1.0f - a->beta1;
  one_b2 = 1.0f - a->beta2;
  eps = a->epsilon;
  for (i = 0; i < a->n; i++) {
    float gi = g[i];
    a->m[i] += (gi - a->m[i]) * one_b1;
    a->v[i] += (gi * gi - a->v[i]) * one_b2;
    p[i] -= alpha * a->m[i] / (sqrtf (a->v[i]) + eps);
  }
}

double
rnc_grad_global_norm (const float *g, size_t n)
{
  double s = 0.0;
  size_t i;

  for (i = 0; i < n; i++)
    s += (double) g[i] * g[i];
  return sqrt (s);
}

double
rnc_grad_clip_global_norm (float *g, size_t n, float max_norm)
{
  double norm = rnc_grad_global_norm (g, n);
  size_t i;

  if (max_norm > 0.0f && isfinite (norm) && norm > max_norm) {
    float s = (float) (max_norm / norm);
    for (i = 0; i < n; i++)
      g[i] *= s;
  }
  return norm;
}
