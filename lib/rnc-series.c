/* librnc: synthetic test series (see rnc-series.h). */
#include "rnc-series.h"

#include "rnc-sample.h"

#include <math.h>
#include <string.h>

#define BURN_IN 500

static const char *const kinds[] = { "ar", "setar", "mackey-glass",
  "logistic", "henon", "bilinear", NULL
};

const char *const *
rnc_series_kinds (void)
{
  return kinds;
}

gboolean
rnc_series_is_nonlinear (const char *kind)
{
  return kind && strcmp (kind, "ar") != 0;
}

static void
gen_ar (RncRng *r, size_t n, float *x)
{
  double a = 0.0, b = 0.0, c = 0.0, v;
  size_t t;

  for (t = 0; t < n + BURN_IN; t++) {
    v = 0.6 * a - 0.3 * b + 0.2 * c + rnc_rng_normal (r);
    c = b;
    b = a;
    a = v;
    if (t >= BURN_IN)
      x[t - BURN_IN] = (float) v;
  }
}

static void
gen_setar (RncRng *r, size_t n, float *x)
{
  double a = 0.0, b = 0.0, v;
  size_t t;

  for (t = 0; t < n + BURN_IN; t++) {
    if (a <= 0.0)
      v = 1.0 + 0.6 * a + rnc_rng_normal (r);
    else
      v = -1.0 - 0.5 * a + 0.4 * b + rnc_rng_normal (r);
    b = a;
    a = v;
    if (t >= BURN_IN)
      x[t - BURN_IN] = (float) v;
  }
}

static void
gen_mackey_glass (RncRng *r, size_t n, float *x)
{
  /* dy/dt = 0.2 y(t - 17) / (1 + y(t - 17)^10) - 0.1 y(t), Euler dt 0.1 */
  const size_t lag = 170, every = 60;
  size_t steps = (n + BURN_IN) * every + lag + 1, i, k = 0;
  double *y = g_new (double, steps + 1);

  for (i = 0; i <= lag; i++)
    y[i] = 1.2 + 0.1 * rnc_rng_uniform (r);
  for (i = lag; i < steps; i++) {
    double yd = y[i - lag];
    y[i + 1] = y[i] + 0.1 * (0.2 * yd / (1.0 + pow (yd, 10.0)) - 0.1 * y[i]);
  }
  for (i = lag + 1 + BURN_IN * every; k < n; i += every)
    /* the series' std is about 0.23: noise 2% of it */
    x[k++] = (float) (y[i] + 0.0046 * rnc_rng_normal (r));
  g_free (y);
}

static void
gen_logistic (RncRng *r, size_t n, float *x)
{
  double v = 0.3 + 0.4 * rnc_rng_uniform (r);
  size_t t;

  for (t = 0; t < n + BURN_IN; t++) {
    v = 3.8 * v * (1.0 - v) + 0.02 * rnc_rng_normal (r);
    v = CLAMP (v, 0.001, 0.999);
    if (t >= BURN_IN)
      x[t - BURN_IN] = (float) v;
  }
}

static void
gen_henon (RncRng *r, size_t n, float *x)
{
  double a = 0.1 * rnc_rng_uniform (r), b = 0.0, v;
  size_t t;

  for (t = 0; t < n + BURN_IN; t++) {
    v = 1.0 - 1.4 * a * a + 0.3 * b + 0.01 * rnc_rng_normal (r);
    if (fabs (v) > 1.5)         /* left the attractor's basin: restart */
      v = 0.0;
    b = a;
    a = v;
    if (t >= BURN_IN)
      x[t - BURN_IN] = (float) (v + 0.05 * rnc_rng_normal (r));
  }
}

static void
gen_bilinear (RncRng *r, size_t n, float *x)
{
  double a = 0.0, e = 0.0, v, en;
  size_t t;

  for (t = 0; t < n + BURN_IN; t++) {
    en = rnc_rng_normal (r);
    v = 0.4 * a + 0.4 * a * e + en;
    a = v;
    e = en;
    if (t >= BURN_IN)
      x[t - BURN_IN] = (float) v;
  }
}

gboolean
rnc_series_generate (const char *kind, size_t n, guint64 seed, float *x)
{
  RncRng r;

  rnc_rng_init (&r, seed);
  if (!strcmp (kind, "ar"))
    gen_ar (&r, n, x);
  else if (!strcmp (kind, "setar"))
    gen_setar (&r, n, x);
  else if (!strcmp (kind, "mackey-glass"))
    gen_mackey_glass (&r, n, x);
  else if (!strcmp (kind, "logistic"))
    gen_logistic (&r, n, x);
  else if (!strcmp (kind, "henon"))
    gen_henon (&r, n, x);
  else if (!strcmp (kind, "bilinear"))
    gen_bilinear (&r, n, x);
  else
    return FALSE;
  return TRUE;
}
