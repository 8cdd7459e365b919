/* librnc: synthetic test series for the forecasting benchmarks and tests
 * (docs/forecasting.md). Every generator is deterministic in its seed and
 * starts after a burn-in, so that any seed gives a series from the
 * stationary regime.
 *
 *   ar            linear AR(3) with Gaussian noise (the linear control)
 *   setar         two-regime threshold AR on x[t-1] (Tong's SETAR(2;2,2))
 *   mackey-glass  the Mackey-Glass delay equation (tau 17, Euler dt 0.1)
 *                 sampled every 6 time units, 2% observation noise
 *   logistic      the logistic map r = 3.8 with dynamic noise (sd 0.02)
 *   henon         the Henon map (a 1.4, b 0.3), dynamic noise 0.01,
 *                 observation noise 0.05
 *   bilinear      x[t] = 0.4 x[t-1] + 0.4 x[t-1] e[t-1] + e[t]
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The generator names above, NULL-terminated. */
const char *const *rnc_series_kinds (void);

/* Fills @x (n) with series @kind from @seed; FALSE for an unknown kind. */
gboolean rnc_series_generate (const char *kind, size_t n, guint64 seed,
    float *x);

/* Whether @kind is one of the nonlinear ones (all but "ar"). */
gboolean rnc_series_is_nonlinear (const char *kind);

G_END_DECLS
