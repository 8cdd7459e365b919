/* librnc: the forecasting recipe (see rnc-forecast.h for the why, and
 * docs/forecasting.md for the choices). */
#include "rnc-forecast.h"

#include "rnc-forward.h"
#include "rnc-json.h"
#include "rnc-runner.h"

#include <json-glib/json-glib.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

G_DEFINE_QUARK (rnc-forecast-error-quark, rnc_forecast_error)

/* The network's window when none is given (the linear part's lags if
 * more), at most a quarter of the shortest series. */
#define NET_WINDOW 12
/* eps * max |z| for register units: tanh (v) = v (1 - v^2 / 3) stays linear
 * to 3e-7 per stage at the training data's extreme and to ~5e-6 at four
 * times it (the series may leave its training range). */
#define REGISTER_BUDGET 1e-3
/* LSTM register gates: sigmoid (20) rounds to 1.0f, sigmoid (-20) = 2e-9. */
#define GATE_SATURATION 20.0f
/* Rolling-origin validation of the linear part: the last LIN_CV_FRACTION of
 * every series in LIN_CV_ORIGINS blocks, each forecast by a fit on all that
 * comes before it. */
#define LIN_CV_FRACTION 0.3
#define LIN_CV_ORIGINS 5
/* The network is kept when it lowers the held-out one-step MSE by at least
 * KEEP_GAIN and the paired t statistic of the squared-error differences is
 * at least KEEP_T (one-sided 5%). */
#define KEEP_GAIN 0.02
#define KEEP_T 1.645
/* The linear candidate of least rolling-origin MSE replaces the AIC AR when
 * the paired t statistic of its squared-error gain is at least this. */
#define LIN_T 1.645
/* rnc.residual_quantiles grid: 0.01 .. 0.99 */
#define N_PROBS 99

static const double ridge_grid[] = { 0.0, 1e-4, 1e-3, 1e-2, 1e-1, 1.0, 10.0 };

void
rnc_forecast_options_init (RncForecastOptions *o)
{
  memset (o, 0, sizeof (*o));
  o->cell = RNC_CELL_LSTM;
  o->hidden_size = 16;
  o->ensemble = 4;
  o->num_layers = 1;
  o->window = 0;
  o->max_lags = 0;
  o->linear = TRUE;
  o->init = RNC_WEIGHT_INIT_UNIFORM;
  o->seed = 0;
  rnc_train_options_init (&o->train, RNC_LOSS_MSE, RNC_OUTPUTS_LAST);
  o->train.epochs = 300;
  o->train.batch_size = 32;
  o->train.lr = 3e-3f;
  o->train.clip = 1.0f;
  o->train.patience = 30;
  o->train.lr_patience = 10;
  o->train.val_fraction = 0.2;
}

/* ---- linear algebra ------------------------------------------------------ */

/* In-place Cholesky of A (F, F) and solve A X = B for B (F, Q). FALSE when A
 * is not positive definite. */
static gboolean
cholesky_solve (double *A, double *B, size_t F, size_t Q)
{
  size_t i, j, k, q;

  for (j = 0; j < F; j++) {
    double s = A[j * F + j];
    for (k = 0; k < j; k++)
      s -= A[j * F + k] * A[j * F + k];
    if (!(s > 0.0))
      return FALSE;
    s = sqrt (s);
    A[j * F + j] = s;
    for (i = j + 1; i < F; i++) {
      double t = A[i * F + j];
      for (k = 0; k < j; k++)
        t -= A[i * F + k] * A[j * F + k];
      A[i * F + j] = t / s;
    }
  }
  for (q = 0; q < Q; q++) {
    for (i = 0; i < F; i++) {         /* L y = b */
      double t = B[i * Q + q];
      for (k = 0; k < i; k++)
        t -= A[i * F + k] * B[k * Q + q];
      B[i * Q + q] = t / A[i * F + i];
    }
    for (i = F; i-- > 0;) {           /* L^T x = y */
      double t = B[i * Q + q];
      for (k = i + 1; k < F; k++)
        t -= A[k * F + i] * B[k * Q + q];
      B[i * Q + q] = t / A[i * F + i];
    }
  }
  return TRUE;
}

/* ---- data and linear features ------------------------------------------- */

/* Scaled frames of one or more series, concatenated; series s is frames
 * [off[s], off[s + 1]). Times t below are within a series. */
typedef struct {
  const float *z;
  size_t D, n_seg;
  const size_t *off;
} Data;

static inline size_t
seg_len (const Data *X, size_t s)
{
  return X->off[s + 1] - X->off[s];
}

/* Features of the target at absolute frame @a with @p lags: 1, then lag 1
 * (D values), lag 2, ... The features of order p' < p are a prefix. */
static void
features (const Data *X, size_t a, size_t p, double *f)
{
  size_t k, d, D = X->D;

  f[0] = 1.0;
  for (k = 1; k <= p; k++)
    for (d = 0; d < D; d++)
      f[1 + (k - 1) * D + d] = X->z[(a - k) * D + d];
}

/* The linear target of column q at frame a: the change from the base
 * frame a - base (base 0: the value itself). */
static inline double
target (const Data *X, size_t a, size_t base, size_t q)
{
  double y = X->z[a * X->D + q];

  return base ? y - X->z[(a - base) * X->D + q] : y;
}

/* Normal equations over the targets t in [lo[s], hi[s]) of every series s,
 * ADDED to XtX (F, F), to XtY[b] (F, D) for each of the @nb bases and to
 * YtY (D, D; may be NULL: levels, base bases[0]). Returns the targets
 * added. */
static size_t
accumulate (const Data *X, size_t p, const size_t *bases, size_t nb,
    const size_t *lo, const size_t *hi, double *XtX, double **XtY,
    double *YtY, double *f, double *y)
{
  size_t F = 1 + p * X->D, D = X->D, s, t, i, j, b, q, r, count = 0;

  for (s = 0; s < X->n_seg; s++)
    for (t = lo[s]; t < hi[s]; t++) {
      size_t a = X->off[s] + t;
      features (X, a, p, f);
      for (i = 0; i < F; i++) {
        double fi = f[i];
        if (fi == 0.0)
          continue;
        for (j = 0; j < F; j++)
          XtX[i * F + j] += fi * f[j];
      }
      for (b = 0; b < nb; b++) {
        for (q = 0; q < D; q++)
          y[q] = target (X, a, bases[b], q);
        for (i = 0; i < F; i++)
          for (q = 0; q < D; q++)
            XtY[b][i * D + q] += f[i] * y[q];
        if (YtY && b == 0)
          for (q = 0; q < D; q++)
            for (r = 0; r < D; r++)
              YtY[q * D + r] += y[q] * y[r];
      }
      count++;
    }
  return count;
}

/* coef (Fp, D) of the ridge fit on the leading Fp features of XtX (F, F) /
 * XtY (F, D) with strength lam per target (the intercept is not
 * penalised); a tiny jitter keeps lam = 0 solvable on collinear data. */
static void
ridge_solve (const double *XtX, const double *XtY, size_t F, size_t Fp,
    size_t D, size_t rows, double lam, double *coef, double *A)
{
  double trace = 0.0, jitter;
  size_t i, j, attempt;

  for (i = 0; i < Fp; i++)
    trace += XtX[i * F + i];
  jitter = 1e-12 * (trace / (double) Fp + 1.0);
  for (attempt = 0; attempt < 12; attempt++) {
    for (i = 0; i < Fp; i++)
      for (j = 0; j < Fp; j++)
        A[i * Fp + j] = XtX[i * F + j];
    for (i = 0; i < Fp; i++)
      A[i * Fp + i] += (i > 0 ? lam * (double) rows : 0.0) + jitter;
    for (i = 0; i < Fp; i++)
      for (j = 0; j < D; j++)
        coef[i * D + j] = XtY[i * D + j];
    if (cholesky_solve (A, coef, Fp, D))
      return;
    jitter *= 100.0;
  }
  /* hopeless: fall back to the base forecast (all-zero change) */
  memset (coef, 0, Fp * D * sizeof (double));
}

/* The linear forecast (D) of absolute frame a. */
static void
linear_predict (const Data *X, size_t a, size_t p, size_t base,
    const double *coef, double *f, double *out)
{
  size_t F = 1 + p * X->D, D = X->D, i, q;

  features (X, a, p, f);
  for (q = 0; q < D; q++) {
    double s = base ? X->z[(a - base) * D + q] : 0.0;
    for (i = 0; i < F; i++)
      s += f[i] * coef[i * D + q];
    out[q] = s;
  }
}

/* A fitted linear part. */
typedef struct {
  size_t p, base;
  double lam;
  double *coef;                 /* (1 + p D, D) */
} Linear;

/* Fits @L (p, base, lam set) on the targets t in [max (p, base), hi[s]) of
 * every series. */
static void
linear_fit (const Data *X, Linear *L, const size_t *hi)
{
  size_t D = X->D, F = 1 + L->p * D, s, rows;
  size_t start = MAX (L->p, L->base);
  g_autofree size_t *lo = g_new (size_t, X->n_seg);
  g_autofree size_t *h = g_new (size_t, X->n_seg);
  g_autofree double *XtX = g_new0 (double, F * F);
  g_autofree double *XtY = g_new0 (double, F * D);
  g_autofree double *A = g_new (double, F * F);
  g_autofree double *f = g_new (double, F);
  g_autofree double *y = g_new (double, D);
  double *xty[1] = { XtY };

  for (s = 0; s < X->n_seg; s++) {
    lo[s] = MIN (start, hi[s]);
    h[s] = hi[s];
  }
  rows = accumulate (X, L->p, &L->base, 1, lo, h, XtX, xty, NULL, f, y);
  g_free (L->coef);
  L->coef = g_new0 (double, F * D);
  ridge_solve (XtX, XtY, F, F, D, MAX (rows, 1), L->lam, L->coef, A);
}

/* The lag b in 2..pmax whose "same as b frames ago" forecast has the least
 * squared error over the targets t in [pmax, hi[s]), when it beats the last
 * value (b = 1), else 1: a season. */
static size_t
best_period (const Data *X, size_t pmax, const size_t *hi)
{
  size_t b, s, t, q, D = X->D, best_b = 1;
  double best = INFINITY;

  for (b = 1; b <= pmax; b++) {
    double e = 0.0;
    for (s = 0; s < X->n_seg; s++)
      for (t = pmax; t < hi[s]; t++)
        for (q = 0; q < D; q++) {
          size_t a = X->off[s] + t;
          double d = (double) X->z[a * D + q] - X->z[(a - b) * D + q];
          e += d * d;
        }
    if (e < best) {
      best = e;
      best_b = b;
    }
  }
  return best_b;
}

/* log det of the SPD matrix S (D, D) (destroyed); -inf when singular. */
static double
log_det (double *S, size_t D)
{
  double dummy = 0.0, ld = 0.0;
  size_t i;

  if (!cholesky_solve (S, &dummy, D, 0))
    return -INFINITY;
  for (i = 0; i < D; i++)
    ld += 2.0 * log (S[i * D + i]);
  return ld;
}

/* The least-squares AR order 0..pmax of least AIC on the common sample
 * t >= pmax of every series. */
static size_t
aic_order (const Data *X, size_t pmax, double *best_aic)
{
  size_t D = X->D, F = 1 + pmax * D, s, p, q, r, i, rows;
  size_t base = 0, best_p = 0;
  g_autofree size_t *lo = g_new (size_t, X->n_seg);
  g_autofree size_t *hi = g_new (size_t, X->n_seg);
  g_autofree double *XtX = g_new0 (double, F * F);
  g_autofree double *XtY = g_new0 (double, F * D);
  g_autofree double *YtY = g_new0 (double, D * D);
  g_autofree double *A = g_new (double, F * F);
  g_autofree double *coef = g_new (double, F * D);
  g_autofree double *S = g_new (double, D * D);
  g_autofree double *f = g_new (double, F);
  g_autofree double *y = g_new (double, D);
  double *xty[1] = { XtY };
  double best = INFINITY;

  for (s = 0; s < X->n_seg; s++) {
    lo[s] = MIN (pmax, seg_len (X, s));
    hi[s] = seg_len (X, s);
  }
  rows = accumulate (X, pmax, &base, 1, lo, hi, XtX, xty, YtY, f, y);
  if (rows == 0) {
    *best_aic = NAN;
    return 0;
  }
  for (p = 0; p <= pmax; p++) {
    size_t Fp = 1 + p * D;
    double aic;
    /* the leading block of XtY (F, D) is XtY of order p */
    ridge_solve (XtX, XtY, F, Fp, D, rows, 0.0, coef, A);
    for (q = 0; q < D; q++)
      for (r = 0; r < D; r++) {
        double v = YtY[q * D + r];
        for (i = 0; i < Fp; i++)
          v -= coef[i * D + q] * XtY[i * D + r];
        S[q * D + r] = v / (double) rows;
      }
    for (q = 0; q < D; q++)
      S[q * D + q] += 1e-12;
    aic = (double) rows * log_det (S, D) + 2.0 * (double) (p * D * D + D);
    if (aic < best - 1e-9) {
      best = aic;
      best_p = p;
    }
  }
  *best_aic = best;
  return best_p;
}

/* ---- the linear part by rolling-origin validation ------------------------ */

typedef struct {
  size_t pmax, t0;
  size_t bases[3], nb;
  size_t *cut;                  /* (n_seg, LIN_CV_ORIGINS + 1) block starts */
  size_t n_points;              /* forecasts scored (targets x 1) */
} RollingPlan;

static void
plan_rolling (const Data *X, RollingPlan *R)
{
  size_t s, k, K = LIN_CV_ORIGINS;

  R->cut = g_new (size_t, X->n_seg * (K + 1));
  R->n_points = 0;
  for (s = 0; s < X->n_seg; s++) {
    size_t n = seg_len (X, s), m = n > R->t0 ? n - R->t0 : 0;
    size_t v = R->t0 + (size_t) ((1.0 - LIN_CV_FRACTION) * (double) m);
    for (k = 0; k <= K; k++)
      R->cut[s * (K + 1) + k] = v + (k * (n - v)) / K;
    R->n_points += n - v;
  }
}

/* Scores every candidate (base, p in 0..pmax, ridge) by the squared error of
 * its one-step forecasts of the rolling-origin blocks, each fitted on all
 * targets before its block: @sse[(b * (pmax + 1) + p) * NL + l]. */
static void
rolling_scores (const Data *X, const RollingPlan *R, double *sse)
{
  size_t D = X->D, F = 1 + R->pmax * D, NL = G_N_ELEMENTS (ridge_grid);
  size_t K = LIN_CV_ORIGINS, s, k, b, p, l, t, q, rows;
  g_autofree size_t *lo = g_new (size_t, X->n_seg);
  g_autofree size_t *hi = g_new (size_t, X->n_seg);
  g_autofree double *XtX = g_new0 (double, F * F);
  g_autofree double *A = g_new (double, F * F);
  g_autofree double *coef = g_new (double, F * D);
  g_autofree double *f = g_new (double, F);
  g_autofree double *y = g_new (double, D);
  double *XtY[3];

  for (b = 0; b < R->nb; b++)
    XtY[b] = g_new0 (double, F * D);
  memset (sse, 0, R->nb * (R->pmax + 1) * NL * sizeof (double));
  for (s = 0; s < X->n_seg; s++) {
    lo[s] = MIN (R->t0, seg_len (X, s));
    hi[s] = MAX (lo[s], R->cut[s * (K + 1)]);
  }
  rows = accumulate (X, R->pmax, R->bases, R->nb, lo, hi, XtX, XtY, NULL, f,
      y);
  for (k = 0; k < K; k++) {
    for (b = 0; b < R->nb; b++)
      for (p = 0; p <= R->pmax; p++) {
        size_t Fp = 1 + p * D;
        for (l = 0; l < NL; l++) {
          double e = 0.0;
          ridge_solve (XtX, XtY[b], F, Fp, D, MAX (rows, 1), ridge_grid[l],
              coef, A);
          for (s = 0; s < X->n_seg; s++)
            for (t = R->cut[s * (K + 1) + k]; t < R->cut[s * (K + 1) + k + 1];
                t++) {
              size_t a = X->off[s] + t;
              linear_predict (X, a, p, R->bases[b], coef, f, y);
              for (q = 0; q < D; q++) {
                double d = y[q] - X->z[a * D + q];
                e += d * d;
              }
            }
          sse[(b * (R->pmax + 1) + p) * NL + l] += e;
        }
      }
    for (s = 0; s < X->n_seg; s++) {
      lo[s] = R->cut[s * (K + 1) + k];
      hi[s] = R->cut[s * (K + 1) + k + 1];
    }
    rows += accumulate (X, R->pmax, R->bases, R->nb, lo, hi, XtX, XtY, NULL,
        f, y);
  }
  for (b = 0; b < R->nb; b++)
    g_free (XtY[b]);
}

/* The rolling-origin residuals (actual - forecast) of one linear candidate,
 * appended to @res; returns how many. */
static size_t
rolling_residuals (const Data *X, const RollingPlan *R, const Linear *L,
    GArray *res)
{
  size_t K = LIN_CV_ORIGINS, D = X->D, s, k, t, q, n = 0;
  g_autofree size_t *hi = g_new (size_t, X->n_seg);
  g_autofree double *f = g_new (double, 1 + L->p * D);
  g_autofree double *y = g_new (double, D);
  Linear fit = *L;

  fit.coef = NULL;
  for (k = 0; k < K; k++) {
    for (s = 0; s < X->n_seg; s++)
      hi[s] = R->cut[s * (K + 1) + k];
    linear_fit (X, &fit, hi);
    for (s = 0; s < X->n_seg; s++)
      for (t = R->cut[s * (K + 1) + k]; t < R->cut[s * (K + 1) + k + 1]; t++) {
        size_t a = X->off[s] + t;
        linear_predict (X, a, fit.p, fit.base, fit.coef, f, y);
        for (q = 0; q < D; q++) {
          double r = X->z[a * D + q] - y[q];
          g_array_append_val (res, r);
        }
        n++;
      }
  }
  g_free (fit.coef);
  return n;
}

/* Paired t statistic of the mean of e_a^2 - e_b^2 over @n residuals (how
 * clearly b beats a); 0 when there is no spread. */
static double
paired_t (const double *ea, const double *eb, size_t n)
{
  double m = 0.0, v = 0.0;
  size_t i;

  if (n < 2)
    return 0.0;
  for (i = 0; i < n; i++)
    m += ea[i] * ea[i] - eb[i] * eb[i];
  m /= (double) n;
  for (i = 0; i < n; i++) {
    double d = ea[i] * ea[i] - eb[i] * eb[i] - m;
    v += d * d;
  }
  v /= (double) (n - 1);
  return v > 0.0 ? m / sqrt (v / (double) n) : 0.0;
}

/* ---- composing the model ---------------------------------------------- */

/* Writes into @out (Hp = K H + n_reg D units) the K networks @nets side by
 * side (block-diagonal), then the register units of the linear part @L
 * (n_reg per column) and the head: the networks' heads times @head_scale /
 * K (their average) plus the linear part. */
static void
compose (RncModel *const *nets, size_t K, RncModel *out, const Linear *L,
    size_t n_reg, double eps, float head_scale)
{
  const RncModelConfig *cd = rnc_model_get_config (out);
  const RncParamViews *d = rnc_model_get_views (out);
  size_t G = rnc_cell_gates (cd->cell), Hp = cd->hidden_size, GHp = G * Hp;
  size_t D = cd->input_size, Q = cd->output_size;
  size_t gate_g = G == 4 ? 3 : G == 3 ? 2 : 0;
  size_t l, g, j, k, q, dd, m, e, H = 0, base_u;

  for (e = 0; e < K; e++) {
    const RncModelConfig *cs = rnc_model_get_config (nets[e]);
    const RncParamViews *s = rnc_model_get_views (nets[e]);
    size_t GH;
    H = cs->hidden_size;
    GH = G * H;
    for (l = 0; l < cs->num_layers; l++) {
      for (g = 0; g < G; g++)
        for (j = 0; j < H; j++) {
          size_t cs_col = g * H + j, cd_col = g * Hp + e * H + j;
          if (l == 0)
            for (k = 0; k < D; k++)
              d->layer[0].Wx[k * GHp + cd_col] = s->layer[0].Wx[k * GH + cs_col];
          else
            for (k = 0; k < H; k++)
              d->layer[l].Wx[(e * H + k) * GHp + cd_col] =
                  s->layer[l].Wx[k * GH + cs_col];
          for (k = 0; k < H; k++)
            d->layer[l].Wh[(e * H + k) * GHp + cd_col] =
                s->layer[l].Wh[k * GH + cs_col];
          d->layer[l].bh[cd_col] = s->layer[l].bh[cs_col];
          if (g == 0 && s->layer[l].bhn)
            d->layer[l].bhn[e * H + j] = s->layer[l].bhn[j];
        }
    }
    for (j = 0; j < H; j++)
      for (q = 0; q < Q; q++)
        d->Wo[(e * H + j) * Q + q] = s->Wo[j * Q + q] * head_scale /
            (float) K;
    for (q = 0; q < Q; q++)
      d->bo[q] += s->bo[q] * head_scale / (float) K;
  }
  if (!L)
    return;

  base_u = K * H;
  for (l = 0; l < cd->num_layers; l++)
    for (dd = 0; dd < D; dd++)
      for (m = 0; m < n_reg; m++) {
        /* register unit (dd, m) holds eps * z[t - m][dd] */
        size_t u = base_u + dd * n_reg + m, col = gate_g * Hp + u;
        if (l > 0)
          d->layer[l].Wx[u * GHp + col] = 1.0f;
        else if (m == 0)
          d->layer[0].Wx[dd * GHp + col] = (float) eps;
        else
          d->layer[0].Wh[(u - 1) * GHp + col] = 1.0f;
        if (G == 4) {
          d->layer[l].bh[0 * Hp + u] = GATE_SATURATION;         /* i open */
          d->layer[l].bh[1 * Hp + u] = -GATE_SATURATION;        /* f shut */
          d->layer[l].bh[2 * Hp + u] = GATE_SATURATION;         /* o open */
        } else if (G == 3) {
          /* GRU: n = tanh (x Wx_n + r h Wh_n) with r open, h' = n (z shut) */
          d->layer[l].bh[0 * Hp + u] = GATE_SATURATION;         /* r open */
          d->layer[l].bh[1 * Hp + u] = -GATE_SATURATION;        /* z shut */
        } else if (G == 3) {
          /* GRU: n = tanh (x Wx_n + r h Wh_n) with r open, h' = n (z shut) */
          d->layer[l].bh[0 * Hp + u] = GATE_SATURATION;         /* r open */
          d->layer[l].bh[1 * Hp + u] = -GATE_SATURATION;        /* z shut */
        }
      }
  for (dd = 0; dd < D; dd++)
    for (m = 0; m < n_reg; m++) {
      size_t u = base_u + dd * n_reg + m;
      for (q = 0; q < Q; q++) {
        /* prediction = base value + the fitted change */
        double c = (m < L->p ? L->coef[(1 + m * D + dd) * Q + q] : 0.0)
            + (m + 1 == L->base && dd == q ? 1.0 : 0.0);
        d->Wo[u * Q + q] = (float) (c / eps);
      }
    }
  for (q = 0; q < Q; q++)
    d->bo[q] += (float) L->coef[q];
}

size_t
rnc_forecast_get_scratch_size (const RncModel *model)
{
  const RncModelConfig *c = rnc_model_get_config (model);
  size_t T = MAX (rnc_model_get_window (model), 1);

  return T * (c->input_size + c->output_size);
}

void
rnc_forecast_predict (const RncModel *model, RncState *state,
    const float *window, size_t T, float *scratch, float *y)
{
  const RncModelConfig *c = rnc_model_get_config (model);
  size_t D = c->input_size, Q = c->output_size;
  float *x = scratch, *out = scratch + T * D;

  memcpy (x, window, T * D * sizeof (float));
  rnc_model_scale_input (model, x, T);
  rnc_state_reset (state);
  rnc_forward (state, x, T, NULL, out);
  memcpy (y, out + (T - 1) * Q, Q * sizeof (float));
  rnc_model_unscale_output (model, y, 1);
}

/* ---- metadata helpers ---------------------------------------------------- */

static void
set_meta_double (RncModel *m, const char *key, double v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (isnan (v))
    return;
  g_ascii_formatd (buf, sizeof (buf), "%.6g", v);
  rnc_model_set_metadata (m, key, buf);
}

static void
set_meta_size (RncModel *m, const char *key, size_t v)
{
  char buf[32];

  g_snprintf (buf, sizeof (buf), "%zu", v);
  rnc_model_set_metadata (m, key, buf);
}

static void
append_double (GString *s, double v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_ascii_formatd (buf, sizeof (buf), "%.7g", v);
  g_string_append (s, buf);
}

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

/* rnc.residual_quantiles from residuals @res (n, Q) in model units: type-7
 * empirical quantiles at 0.01 .. 0.99 per output, each probability moved
 * away from 0.5 by the factor (n + 1) / n (split conformal). */
static void
set_quantiles (RncModel *m, const double *res, size_t n, size_t Q)
{
  GString *s = g_string_new ("{\"probs\":[");
  g_autofree double *col = g_new (double, MAX (n, 1));
  size_t i, j, q;

  for (i = 1; i <= N_PROBS; i++) {
    if (i > 1)
      g_string_append_c (s, ',');
    append_double (s, (double) i / (N_PROBS + 1));
  }
  g_string_append (s, "],\"q\":[");
  for (q = 0; q < Q; q++) {
    for (j = 0; j < n; j++)
      col[j] = res[j * Q + q];
    qsort (col, n, sizeof (double), cmp_double);
    g_string_append (s, q ? ",[" : "[");
    for (i = 1; i <= N_PROBS; i++) {
      /* split-conformal's finite-sample widening: the tails of n residuals
       * sit (n + 1) / n further from the median than the plain quantile */
      double pr = (double) i / (N_PROBS + 1), v, h;
      size_t lo;
      pr = CLAMP (0.5 + (pr - 0.5) * (double) (n + 1) / (double) MAX (n, 1),
          0.0, 1.0);
      h = (double) (n - 1) * pr;
      lo = (size_t) floor (h);
      v = n == 0 ? 0.0 : lo + 1 < n ? col[lo] + (h - lo) * (col[lo + 1] -
          col[lo]) : col[n - 1];
      if (i > 1)
        g_string_append_c (s, ',');
      append_double (s, v);
    }
    g_string_append_c (s, ']');
  }
  g_string_append (s, "]}");
  rnc_model_set_metadata (m, "rnc.residual_quantiles", s->str);
  g_string_free (s, TRUE);
}

/* ---- the recipe --------------------------------------------------------- */

typedef struct {
  float *x, *tg;                /* (n, T, D), (n, D) */
  size_t n;
} Windows;

/* Network windows of series s: targets t in [from, to). */
static void
add_windows (const Data *X, Windows *W, size_t T, size_t s, size_t from,
    size_t to, const Linear *L, double *f, double *pred)
{
  size_t D = X->D, t, q;

  for (t = from; t < to; t++) {
    size_t a = X->off[s] + t;
    memcpy (W->x + W->n * T * D, X->z + (a - T) * D, T * D * sizeof (float));
    if (L)
      linear_predict (X, a, L->p, L->base, L->coef, f, pred);
    for (q = 0; q < D; q++)
      W->tg[W->n * D + q] = X->z[a * D + q] - (L ? (float) pred[q] : 0.0f);
    W->n++;
  }
}

static RncModel *
forecast_train (const Data *X, const float *mean, const float *std,
    const RncForecastOptions *o, RncEpochFunc func, gpointer user_data,
    RncForecastReport *report, GError **error)
{
  RncForecastReport rep = { 0 };
  RncModelConfig cfg = { 0 };
  RollingPlan R = { 0 };
  Linear lin = { 0 }, lin_tr = { 0 };
  Windows Wtr = { 0 }, Wva = { 0 };
  RncModel **nets = NULL, *out = NULL;
  GArray *cal = g_array_new (FALSE, FALSE, sizeof (double));
  double *sse = NULL, *f = NULL, *pred = NULL;
  float *yv = NULL, *ens = NULL, *xa = NULL;
  gboolean *judge = NULL;
  size_t *off = NULL, *hi = NULL, *cut = NULL;
  size_t D = X->D, S = X->n_seg, NL = G_N_ELEMENTS (ridge_grid);
  size_t min_len = G_MAXSIZE, s, i, q, T, n_reg = 0, K = 0, k, w;
  size_t n_tr = 0, n_va = 0, H = o->hidden_size, n_nets = 0;
  double zmax = 0.0, eps = 0.0, r_std = 1.0;
  gint64 t_start = g_get_monotonic_time ();
  clock_t c_start = clock ();
  gboolean keep = FALSE;

  for (s = 0; s < S; s++)
    min_len = MIN (min_len, seg_len (X, s));
  for (i = 0; i < X->off[S] * D; i++)
    zmax = MAX (zmax, fabs (X->z[i]));
  hi = g_new (size_t, S);
  cut = g_new (size_t, S);
  f = g_new (double, 1 + 4096 * D);     /* resized below */
  pred = g_new0 (double, D);

  /* The linear part. */
  if (o->linear) {
    size_t best_c = 0, c, n_cand, pmax;
    double best = INFINITY, aic;
    pmax = o->max_lags ? o->max_lags :
        (size_t) floor (10.0 * log10 ((double) MAX (min_len, 2)));
    pmax = MIN (pmax, min_len / 4);
    if (o->window)
      pmax = MIN (pmax, o->window);
    /* keep the design (1 + p D features) solvable in reasonable time */
    pmax = MIN (pmax, MAX (1, 256 / D));
    pmax = MAX (pmax, 1);
    g_free (f);
    f = g_new (double, 1 + pmax * D);
    R.pmax = pmax;
    R.t0 = pmax;
    for (s = 0; s < S; s++)
      hi[s] = pmax + (size_t) ((1.0 - LIN_CV_FRACTION) * (double)
          (seg_len (X, s) - pmax));
    R.bases[0] = 0;
    R.bases[1] = 1;
    R.nb = 2;
    R.bases[2] = best_period (X, pmax, hi);
    if (R.bases[2] > 1)
      R.nb = 3;
    plan_rolling (X, &R);
    n_cand = R.nb * (pmax + 1) * NL;
    sse = g_new (double, n_cand);
    rolling_scores (X, &R, sse);
    for (c = 0; c < n_cand; c++)
      if (sse[c] < best * (1.0 - 1e-9)) {
        best = sse[c];
        best_c = c;
      }
    lin.base = R.bases[best_c / ((pmax + 1) * NL)];
    lin.p = (best_c / NL) % (pmax + 1);
    lin.lam = ridge_grid[best_c % NL];
    rep.aic_order = aic_order (X, pmax, &aic);
    /* AR(p) by least squares = base 0 (levels), ridge 0 */
    rep.aic_cv_mse = sse[(0 * (pmax + 1) + rep.aic_order) * NL + 0] /
        (double) (R.n_points * D);
    rep.linear_cv_mse = best / (double) (R.n_points * D);
    /* The best of hundreds of candidates looks better than it is: it
     * replaces the AIC AR only when its rolling-origin gain is clear. */
    {
      Linear aic_lin = { rep.aic_order, 0, 0.0, NULL };
      GArray *ra = g_array_new (FALSE, FALSE, sizeof (double));
      GArray *rb = g_array_new (FALSE, FALSE, sizeof (double));
      rolling_residuals (X, &R, &aic_lin, ra);
      rolling_residuals (X, &R, &lin, rb);
      rep.linear_cv_t = paired_t ((const double *) ra->data,
          (const double *) rb->data, ra->len);
      if (!(rep.linear_cv_t >= LIN_T)) {
        lin = aic_lin;
        best = sse[(0 * (pmax + 1) + rep.aic_order) * NL + 0];
        rep.linear_cv_mse = rep.aic_cv_mse;
      }
      g_array_unref (ra);
      g_array_unref (rb);
    }
    rep.cv_points = R.n_points;
    rep.lags = lin.p;
    rep.ridge = lin.lam;
    rep.base_lag = lin.base;
    n_reg = MAX (lin.p, lin.base);
    for (s = 0; s < S; s++)
      hi[s] = seg_len (X, s);
    linear_fit (X, &lin, hi);
    eps = REGISTER_BUDGET / MAX (1.0, zmax);
  }

  /* The window. */
  if (o->window) {
    T = o->window;
    if (T < n_reg)
      goto bad_window;
  } else {
    T = MAX (n_reg, MIN ((size_t) NET_WINDOW, MAX (2, min_len / 4)));
  }
  if (min_len < T + 4)
    goto too_short;

  /* The network's windows: per series, the last val_fraction held out. */
  K = o->ensemble;
  if (!o->linear)
    K = MAX (K, 1);
  for (s = 0; s < S; s++) {
    size_t n_w = seg_len (X, s) - T, v = 0;
    if (o->train.val_fraction > 0.0) {
      v = MAX (1, (size_t) (o->train.val_fraction * (double) n_w));
      v = MIN (v, n_w - 2);
    }
    cut[s] = seg_len (X, s) - v;
    n_tr += n_w - v;
    n_va += v;
  }
  rep.n_windows = n_tr + n_va;
  rep.n_train = n_tr;
  rep.n_val = n_va;
  rep.ensemble = K;
  rep.naive_val_mse = rep.linear_val_mse = rep.network_val_mse = NAN;
  rep.network_gain = rep.network_t = NAN;

  if (K > 0) {
    RncTrainOptions to;
    RncDataset tr = { 0 }, va = { 0 };
    const size_t n_max = MAX (n_tr, n_va) + 1;
    if (o->linear) {
      lin_tr.p = lin.p;
      lin_tr.base = lin.base;
      lin_tr.lam = lin.lam;
      linear_fit (X, &lin_tr, cut);
    }
    Wtr.x = g_new (float, n_tr * T * D);
    Wtr.tg = g_new (float, n_tr * D);
    Wva.x = g_new (float, MAX (n_va, 1) * T * D);
    Wva.tg = g_new (float, MAX (n_va, 1) * D);
    for (s = 0; s < S; s++) {
      add_windows (X, &Wtr, T, s, T, cut[s], o->linear ? &lin_tr : NULL, f,
          pred);
      add_windows (X, &Wva, T, s, cut[s], seg_len (X, s),
          o->linear ? &lin_tr : NULL, f, pred);
    }
    if (o->linear) {
      double s2 = 0.0;
      for (i = 0; i < n_tr * D; i++)
        s2 += (double) Wtr.tg[i] * Wtr.tg[i];
      r_std = sqrt (s2 / (double) (n_tr * D));
      if (!(r_std > 1e-6))
        r_std = 1e-6;
    }
    off = g_new (size_t, n_max + 1);
    for (w = 0; w <= n_max; w++)
      off[w] = w * T;
    /* targets in units of the residual's spread */
    yv = g_new (float, MAX (n_tr, n_va) * D);
    cfg.cell = o->cell;
    cfg.input = RNC_INPUT_DENSE;
    cfg.head = RNC_HEAD_REGRESSION;
    cfg.input_size = D;
    cfg.hidden_size = H;
    cfg.num_layers = o->num_layers;
    cfg.output_size = D;
    to = o->train;
    to.loss = RNC_LOSS_MSE;
    to.outputs = RNC_OUTPUTS_LAST;
    to.mode = RNC_TRAIN_SEQUENCES;
    to.val_fraction = 0.0;
    tr.n_seqs = n_tr;
    tr.offsets = off;
    tr.x = Wtr.x;
    tr.targets = g_new (float, n_tr * D);
    for (i = 0; i < n_tr * D; i++)
      ((float *) tr.targets)[i] = (float) (Wtr.tg[i] / r_std);
    /* The held-out windows of each series: the first half stops the
     * training early, the second half calibrates the intervals (untouched
     * by the choice of epochs, and not next to windows that made it); all
     * judge the network. A series with one held-out window uses it for
     * everything. */
    judge = g_new0 (gboolean, MAX (n_va, 1));
    for (s = 0, w = 0; s < S; s++) {
      size_t v = seg_len (X, s) - cut[s], j;
      for (j = 0; j < v; j++, w++)
        judge[w] = v < 2 || j >= v / 2;
    }
    va.offsets = off;
    va.x = xa = g_new (float, MAX (n_va, 1) * T * D);
    va.targets = g_new (float, MAX (n_va, 1) * D);
    for (s = 0, w = 0; s < S; s++) {
      size_t v = seg_len (X, s) - cut[s], j;
      for (j = 0; j < v; j++, w++) {
        if (v >= 2 && j >= v / 2)
          continue;
        memcpy (xa + va.n_seqs * T * D, Wva.x + w * T * D,
            T * D * sizeof (float));
        for (q = 0; q < D; q++)
          ((float *) va.targets)[va.n_seqs * D + q] =
              (float) (Wva.tg[w * D + q] / r_std);
        va.n_seqs++;
      }
    }

    nets = g_new0 (RncModel *, K);
    n_nets = K;
    for (k = 0; k < K; k++) {
      g_autoptr (RncTrainer) trainer = NULL;
      nets[k] = rnc_model_new (&cfg, error);
      if (!nets[k])
        goto failed_train;
      rnc_model_init_weights (nets[k], o->init, o->seed + k);
      to.seed = o->seed + k;
      trainer = rnc_trainer_new (nets[k], &to, &tr, va.n_seqs > 0 ? &va : NULL,
          error);
      if (!trainer || !rnc_trainer_fit (trainer, func, user_data, error))
        goto failed_train;
      rep.epochs_run += rnc_trainer_get_epochs_run (trainer);
      rep.best_epoch += rnc_trainer_get_best_epoch (trainer);
    }
    g_free ((float *) tr.targets);
    g_free ((float *) va.targets);
    g_clear_pointer (&xa, g_free);
    tr.targets = va.targets = NULL;

    /* The ensemble's forecast of the held-out windows. */
    if (n_va > 0) {
      double sl = 0.0, sn = 0.0, sv = 0.0, dm = 0.0, dv = 0.0, snaive = 0.0;
      size_t N = n_va * D;
      g_autofree double *dif = g_new (double, N);
      ens = g_new0 (float, N);
      yv = g_renew (float, yv, n_va * T * D);
      for (k = 0; k < K; k++) {
        RncState *st = rnc_state_new (nets[k], n_va, T);
        rnc_forward (st, Wva.x, T, NULL, yv);
        rnc_state_free (st);
        for (w = 0; w < n_va; w++)
          for (q = 0; q < D; q++)
            ens[w * D + q] += yv[(w * T + T - 1) * D + q] * (float) r_std /
                (float) K;
      }
      N = 0;
      for (w = 0; w < n_va; w++)
        for (q = 0; q < D; q++) {
          double el = Wva.tg[w * D + q];        /* residual of lin_tr */
          double en = el - ens[w * D + q];
          sl += el * el;
          sn += en * en;
          dif[N++] = el * el - en * en;
        }
      /* naive MSE on the same windows */
      for (s = 0, w = 0; s < S; s++) {
        size_t t;
        for (t = cut[s]; t < seg_len (X, s); t++, w++)
          for (q = 0; q < D; q++) {
            size_t a = X->off[s] + t;
            double e = (double) X->z[a * D + q] - X->z[(a - 1) * D + q];
            snaive += e * e;
          }
      }
      for (i = 0; i < N; i++)
        dm += dif[i];
      dm /= (double) N;
      for (i = 0; i < N; i++)
        dv += (dif[i] - dm) * (dif[i] - dm);
      dv = N > 1 ? dv / (double) (N - 1) : 0.0;
      sv = sqrt (dv / (double) N);
      rep.naive_val_mse = snaive / (double) N;
      rep.network_val_mse = sn / (double) N;
      if (o->linear) {
        rep.linear_val_mse = sl / (double) N;
        rep.network_gain = sl > 0.0 ? 1.0 - sn / sl : 0.0;
        rep.network_t = sv > 0.0 ? dm / sv : 0.0;
        keep = rep.network_gain >= KEEP_GAIN && rep.network_t >= KEEP_T;
      } else {
        keep = TRUE;
      }
      if (keep) {
        /* calibration: the held-out residuals of the kept model */
        for (i = 0; i < n_va * D; i++) {
          double r = Wva.tg[i] - ens[i];
          if (judge[i / D])
            g_array_append_val (cal, r);
        }
      }
    } else {
      keep = TRUE;              /* no held-out data to say otherwise */
    }
  }
  rep.network_kept = keep;
  if (cal->len == 0) {
    if (o->linear) {
      rolling_residuals (X, &R, &lin, cal);
    } else if (n_va == 0) {
      /* the training residuals are all there is */
      for (i = 0; i < n_tr * D; i++) {
        double r = Wtr.tg[i];
        g_array_append_val (cal, r);
      }
    }
  }
  rep.calibration_points = cal->len / D;

  /* The final model: network units (when kept), then register units. */
  if (!keep) {
    K = 0;
    if (!o->window)
      T = MAX (n_reg, 1);
  }
  cfg.cell = o->cell;
  cfg.input = RNC_INPUT_DENSE;
  cfg.head = RNC_HEAD_REGRESSION;
  cfg.input_size = D;
  cfg.num_layers = o->num_layers;
  cfg.output_size = D;
  cfg.hidden_size = MAX (K * H + n_reg * D, 1);
  out = rnc_model_new (&cfg, error);
  if (!out)
    goto failed;
  /* with the network, the linear part it was trained and judged with */
  compose (nets, K, out, o->linear ? (keep && K > 0 ? &lin_tr : &lin) : NULL,
      n_reg, eps, (float) r_std);
  rnc_model_set_input_scaling (out, mean, std);
  rnc_model_set_output_scaling (out, mean, std);
  set_meta_size (out, "rnc.window", T);
  if (!rnc_model_parse_metadata (out, error))
    goto failed;
  if (cal->len > 0)
    set_quantiles (out, (const double *) cal->data, cal->len / D, D);
  rnc_model_set_metadata (out, "rnc.train.task", "forecast");
  set_meta_size (out, "rnc.train.network_units", K * H);
  set_meta_size (out, "rnc.train.ensemble", keep ? K : 0);
  set_meta_size (out, "rnc.train.register_units", n_reg * D);
  rnc_model_set_metadata (out, "rnc.train.network_kept",
      keep ? "true" : "false");
  if (o->linear) {
    set_meta_size (out, "rnc.train.lags", rep.lags);
    set_meta_double (out, "rnc.train.ridge", rep.ridge);
    set_meta_size (out, "rnc.train.base_lag", rep.base_lag);
    set_meta_size (out, "rnc.train.aic_order", rep.aic_order);
    set_meta_double (out, "rnc.train.aic_cv_mse", rep.aic_cv_mse);
    set_meta_double (out, "rnc.train.linear_cv_mse", rep.linear_cv_mse);
  }
  set_meta_double (out, "rnc.train.naive_val_mse", rep.naive_val_mse);
  set_meta_double (out, "rnc.train.linear_val_mse", rep.linear_val_mse);
  set_meta_double (out, "rnc.train.network_val_mse", rep.network_val_mse);
  set_meta_double (out, "rnc.train.network_gain", rep.network_gain);
  set_meta_size (out, "rnc.train.calibration_points", rep.calibration_points);
  set_meta_size (out, "rnc.train.epochs_run", rep.epochs_run);
  set_meta_size (out, "rnc.train.best_epoch", rep.best_epoch);

  rep.window = T;
  rep.register_units = n_reg * D;
  rep.seconds = (double) (g_get_monotonic_time () - t_start) / 1e6;
  rep.cpu_seconds = (double) (clock () - c_start) / CLOCKS_PER_SEC;
  if (report)
    *report = rep;

done:
  for (k = 0; k < n_nets; k++)
    g_clear_pointer (&nets[k], rnc_model_free);
  g_free (nets);
  g_free (R.cut);
  g_free (lin.coef);
  g_free (lin_tr.coef);
  g_free (Wtr.x);
  g_free (Wtr.tg);
  g_free (Wva.x);
  g_free (Wva.tg);
  g_free (sse);
  g_free (f);
  g_free (pred);
  g_free (yv);
  g_free (ens);
  g_free (xa);
  g_free (judge);
  g_free (off);
  g_free (hi);
  g_free (cut);
  g_array_unref (cal);
  return out;

  /* ERRORS */
bad_window:
  g_set_error (error, RNC_FORECAST_ERROR, RNC_FORECAST_ERROR_INVALID,
      "a window of %zu is shorter than the linear part's %zu lags", T, n_reg);
  goto failed;
too_short:
  g_set_error (error, RNC_FORECAST_ERROR, RNC_FORECAST_ERROR_TOO_SHORT,
      "%zu frames are too few for a window of %zu (need at least %zu)",
      min_len, T, T + 4);
  goto failed;
failed_train:
  goto failed;
failed:
  g_clear_pointer (&out, rnc_model_free);
  goto done;
}

/* Mean and std of column d of series (n, D). */
static void
column_stats (const float *x, size_t n, size_t D, size_t d, float *mean,
    float *std)
{
  double s = 0.0, s2 = 0.0;
  size_t i;

  for (i = 0; i < n; i++)
    s += x[i * D + d];
  s /= (double) n;
  for (i = 0; i < n; i++)
    s2 += (x[i * D + d] - s) * (x[i * D + d] - s);
  s2 = sqrt (s2 / (double) n);
  *mean = (float) s;
  *std = s2 > 1e-12 * MAX (1.0, fabs (s)) ? (float) s2 : 1.0f;
}

static gboolean
check_options (const RncForecastOptions *o, size_t D, GError **error)
{
  if (D < 1 || D > 4096 || o->hidden_size < 1 || o->num_layers < 1
      || o->num_layers > RNC_MAX_LAYERS || o->window > 100000
      || o->ensemble > 64 || o->max_lags > 100000) {
    g_set_error (error, RNC_FORECAST_ERROR, RNC_FORECAST_ERROR_INVALID,
        "forecast options out of range (columns %zu, hidden %zu, layers %zu,"
        " window %zu, ensemble %zu)", D, o->hidden_size, o->num_layers,
        o->window, o->ensemble);
    return FALSE;
  }
  return TRUE;
}

RncModel *
rnc_forecast_train_many (const float *const *series, const size_t *lengths,
    size_t n_series, size_t D, const char *const *names,
    const RncForecastOptions *o, RncEpochFunc func, gpointer user_data,
    RncForecastReport *report, GError **error)
{
  g_autofree float *z = NULL, *mean = NULL, *std = NULL;
  g_autofree size_t *off = NULL;
  RncModel *m;
  Data X;
  size_t s, i, d, total = 0;

  g_return_val_if_fail (series != NULL && lengths != NULL && o != NULL, NULL);

  if (!check_options (o, D, error))
    return NULL;
  if (n_series < 1 || n_series > (1u << 20)) {
    g_set_error (error, RNC_FORECAST_ERROR, RNC_FORECAST_ERROR_INVALID,
        "%zu series: need 1 .. %u", n_series, 1u << 20);
    return NULL;
  }
  off = g_new (size_t, n_series + 1);
  for (s = 0; s < n_series; s++) {
    off[s] = total;
    if (lengths[s] < 8) {
      g_set_error (error, RNC_FORECAST_ERROR, RNC_FORECAST_ERROR_TOO_SHORT,
          "series %zu has %zu frames, too few to forecast (need at least 8)",
          s, lengths[s]);
      return NULL;
    }
    for (i = 0; i < lengths[s] * D; i++)
      if (!isfinite (series[s][i])) {
        if (n_series > 1)
          g_set_error (error, RNC_FORECAST_ERROR, RNC_FORECAST_ERROR_INVALID,
              "value %zu of frame %zu of series %zu is not a finite number",
              i % D, i / D, s);
        else
          g_set_error (error, RNC_FORECAST_ERROR, RNC_FORECAST_ERROR_INVALID,
              "value %zu of frame %zu is not a finite number", i % D, i / D);
        return NULL;
      }
    total += lengths[s];
  }
  off[n_series] = total;
  z = g_new (float, total * D);
  mean = g_new (float, n_series * D);
  std = g_new (float, n_series * D);
  for (s = 0; s < n_series; s++)
    for (d = 0; d < D; d++) {
      column_stats (series[s], lengths[s], D, d, &mean[s * D + d],
          &std[s * D + d]);
      for (i = 0; i < lengths[s]; i++)
        z[(off[s] + i) * D + d] = (series[s][i * D + d] - mean[s * D + d]) /
            std[s * D + d];
    }
  X.z = z;
  X.D = D;
  X.n_seg = n_series;
  X.off = off;
  m = forecast_train (&X, mean, std, o, func, user_data, report, error);
  if (m && n_series > 1) {
    GString *ns = g_string_new ("[");
    GString *ms = g_string_new ("["), *ss = g_string_new ("[");
    for (s = 0; s < n_series; s++) {
      g_autofree char *def = g_strdup_printf ("%zu", s);
      g_autofree char *esc = g_strescape (names && names[s] ? names[s] : def,
          NULL);
      g_string_append_printf (ns, "%s\"%s\"", s ? "," : "", esc);
    }
    for (i = 0; i < n_series * D; i++) {
      char buf[G_ASCII_DTOSTR_BUF_SIZE];
      g_string_append (ms, i ? "," : "");
      g_string_append (ms, g_ascii_formatd (buf, sizeof (buf), "%.9g",
              mean[i]));
      g_string_append (ss, i ? "," : "");
      g_string_append (ss, g_ascii_formatd (buf, sizeof (buf), "%.9g",
              std[i]));
    }
    g_string_append_c (ns, ']');
    g_string_append_c (ms, ']');
    g_string_append_c (ss, ']');
    rnc_model_set_metadata (m, "rnc.series", ns->str);
    rnc_model_set_metadata (m, "rnc.series_mean", ms->str);
    rnc_model_set_metadata (m, "rnc.series_std", ss->str);
    g_string_free (ns, TRUE);
    g_string_free (ms, TRUE);
    g_string_free (ss, TRUE);
  }
  return m;
}

RncModel *
rnc_forecast_train (const float *series, size_t n, size_t D,
    const RncForecastOptions *o, RncEpochFunc func, gpointer user_data,
    RncForecastReport *report, GError **error)
{
  const float *const list[1] = { series };

  g_return_val_if_fail (series != NULL && o != NULL, NULL);

  if (!check_options (o, D, error))
    return NULL;
  if (n < 8) {
    g_set_error (error, RNC_FORECAST_ERROR, RNC_FORECAST_ERROR_TOO_SHORT,
        "%zu frames are too few to forecast (need at least 8)", n);
    return NULL;
  }
  return rnc_forecast_train_many (list, &n, 1, D, NULL, o, func, user_data,
      report, error);
}

/* ---- global models: series selection ------------------------------------- */

/* The root of metadata @key's text when it is a JSON array (the text
 * passes rnc_json_check first: strict JSON, depth 16), or NULL: absent
 * (*error untouched) or malformed (*error set, naming the key). */
static JsonNode *
meta_array (const RncModel *model, const char *key, GError **error)
{
  const char *text = rnc_model_get_metadata (model, key);
  g_autofree char *what = NULL;
  g_autoptr (GError) jerr = NULL;
  JsonNode *root;

  if (!text)
    return NULL;
  what = g_strdup_printf ("metadata '%s'", key);
  root = rnc_json_parse (text, -1, what, RNC_JSON_METADATA_MAX_DEPTH, 0,
      &jerr);
  if (!root) {
    g_set_error (error, RNC_FORECAST_ERROR, RNC_FORECAST_ERROR_INVALID,
        "%s", jerr->message);
    return NULL;
  }
  if (!JSON_NODE_HOLDS_ARRAY (root)) {
    g_set_error (error, RNC_FORECAST_ERROR, RNC_FORECAST_ERROR_INVALID,
        "%s must be a JSON array", what);
    json_node_unref (root);
    return NULL;
  }
  return root;
}

/* Finite number of a JSON node, or NAN. */
static double
json_number (JsonNode *e)
{
  GType t;

  if (!e || !JSON_NODE_HOLDS_VALUE (e))
    return NAN;
  t = json_node_get_value_type (e);
  if (t != G_TYPE_DOUBLE && t != G_TYPE_INT64)
    return NAN;
  return json_node_get_double (e);
}

size_t
rnc_forecast_get_n_series (const RncModel *model)
{
  g_autoptr (JsonNode) a = meta_array (model, "rnc.series", NULL);

  return a ? json_array_get_length (json_node_get_array (a)) : 0;
}

gboolean
rnc_forecast_check_series (const RncModel *model, GError **error)
{
  GError *err = NULL;
  g_autoptr (JsonNode) node = meta_array (model, "rnc.series", &err);
  size_t n, i, D = rnc_model_get_config (model)->input_size;
  g_autofree float *mean = NULL, *std = NULL;

  if (err) {
    g_propagate_error (error, err);
    return FALSE;
  }
  if (!node)
    return TRUE;                /* not a global model */
  n = json_array_get_length (json_node_get_array (node));
  for (i = 0; i < n; i++) {
    JsonNode *e = json_array_get_element (json_node_get_array (node), i);
    if (!JSON_NODE_HOLDS_VALUE (e)
        || json_node_get_value_type (e) != G_TYPE_STRING) {
      g_set_error (error, RNC_FORECAST_ERROR, RNC_FORECAST_ERROR_INVALID,
          "metadata 'rnc.series' must be a JSON array of names (strings); "
          "entry %zu is not one", i);
      return FALSE;
    }
  }
  if (n == 0) {
    g_set_error (error, RNC_FORECAST_ERROR, RNC_FORECAST_ERROR_INVALID,
        "metadata 'rnc.series' names no series");
    return FALSE;
  }
  /* every series' scaling, the arrays parsed once */
  mean = g_new (float, n * D);
  std = g_new (float, n * D);
  return rnc_forecast_get_series_scalings (model, 0, n, mean, std, error);
}

gboolean
rnc_forecast_find_series (const RncModel *model, const char *spec,
    size_t *index, GError **error)
{
  GError *err = NULL;
  g_autoptr (JsonNode) node = meta_array (model, "rnc.series", &err);
  JsonArray *a = node ? json_node_get_array (node) : NULL;
  size_t n = a ? json_array_get_length (a) : 1, i;
  guint64 v;

  if (err) {
    g_propagate_error (error, err);
    return FALSE;
  }
  if (a)
    for (i = 0; i < n; i++) {
      JsonNode *e = json_array_get_element (a, i);
      if (JSON_NODE_HOLDS_VALUE (e)
          && json_node_get_value_type (e) == G_TYPE_STRING
          && !strcmp (json_node_get_string (e), spec)) {
        *index = i;
        return TRUE;
      }
    }
  if (n > 0 && g_ascii_string_to_unsigned (spec, 10, 0, n - 1, &v, NULL)) {
    *index = (size_t) v;
    return TRUE;
  }
  g_set_error (error, RNC_FORECAST_ERROR, RNC_FORECAST_ERROR_INVALID,
      "series '%s' is not in the model (%zu series%s)", spec, n,
      a ? "; rnc.series names them" : ": not a global model");
  return FALSE;
}

gboolean
rnc_forecast_get_series_scalings (const RncModel *model, size_t first,
    size_t count, float *mean, float *std, GError **error)
{
  const RncModelConfig *c = rnc_model_get_config (model);
  g_autoptr (JsonNode) nm = NULL;
  g_autoptr (JsonNode) ns = NULL;
  JsonArray *am, *as;
  size_t n = rnc_forecast_get_n_series (model), D = c->input_size, d, k;
  GError *err = NULL;

  if (first >= MAX (n, 1) || count > MAX (n, 1) - first)
    goto bad_index;
  if (n == 0) {
    const float *m = rnc_model_get_input_mean (model);
    const float *sd = rnc_model_get_input_std (model);
    for (k = 0; k < count; k++)
      for (d = 0; d < D; d++) {
        mean[k * D + d] = m ? m[d] : 0.0f;
        std[k * D + d] = sd ? sd[d] : 1.0f;
      }
    return TRUE;                /* not a global model: its own scaling */
  }
  if (c->output_size != D || c->input != RNC_INPUT_DENSE)
    goto bad;
  nm = meta_array (model, "rnc.series_mean", &err);
  if (!err)
    ns = meta_array (model, "rnc.series_std", &err);
  if (err) {
    g_propagate_error (error, err);
    return FALSE;
  }
  if (!nm || !ns)
    goto bad;
  am = json_node_get_array (nm);
  as = json_node_get_array (ns);
  if (json_array_get_length (am) != n * D
      || json_array_get_length (as) != n * D)
    goto bad;
  /* checked as the floats they become (issue 13, bug 3): a std that
   * underflows to 0 or a subnormal, or a value that overflows, is refused */
  for (k = 0; k < count * D; k++) {
    size_t at = first * D + k;
    float mv = (float) json_number (json_array_get_element (am, at));
    float sv = (float) json_number (json_array_get_element (as, at));
    if (!isfinite (mv) || !isfinite (sv) || !(sv >= FLT_MIN))
      goto bad;
    mean[k] = mv;
    std[k] = sv;
  }
  return TRUE;

  /* ERRORS */
bad_index:
  g_set_error (error, RNC_FORECAST_ERROR, RNC_FORECAST_ERROR_INVALID,
      "series %zu is not in the model (%zu series)", first + count - 1,
      MAX (n, 1));
  return FALSE;
bad:
  g_set_error (error, RNC_FORECAST_ERROR, RNC_FORECAST_ERROR_INVALID,
      "metadata rnc.series_mean / rnc.series_std must be arrays of %zu "
      "numbers, finite as floats (std at least %g)", n * D, (double) FLT_MIN);
  return FALSE;
}

gboolean
rnc_forecast_get_series_scaling (const RncModel *model, size_t index,
    float *mean, float *std, GError **error)
{
  return rnc_forecast_get_series_scalings (model, index, 1, mean, std, error);
}

gboolean
rnc_forecast_select_series (RncModel *model, size_t index, GError **error)
{
  size_t D = rnc_model_get_config (model)->input_size;
  g_autofree float *mean = g_new (float, D);
  g_autofree float *std = g_new (float, D);

  if (rnc_forecast_get_n_series (model) == 0 && index == 0)
    return TRUE;
  if (!rnc_forecast_get_series_scaling (model, index, mean, std, error))
    return FALSE;
  rnc_model_set_input_scaling (model, mean, std);
  rnc_model_set_output_scaling (model, mean, std);
  return TRUE;
}

/* ---- intervals ------------------------------------------------------------ */

/* q(p) linear in p over the grid @probs (k) / @qs (k); NAN outside. */
static double
interp (const double *probs, const double *qs, size_t k, double p)
{
  size_t i;

  if (k == 0 || p < probs[0] - 1e-12 || p > probs[k - 1] + 1e-12)
    return NAN;
  for (i = 0; i + 1 < k; i++)
    if (p <= probs[i + 1])
      break;
  if (i + 1 >= k)
    return qs[k - 1];
  return qs[i] + (p - probs[i]) * (qs[i + 1] - qs[i]) / (probs[i + 1] -
      probs[i]);
}

gboolean
rnc_forecast_interval (const RncModel *model, double level,
    const float *pred, float *lo, float *hi, GError **error)
{
  const RncModelConfig *c = rnc_model_get_config (model);
  const float *os = rnc_model_get_output_std (model);
  g_autofree double *probs = NULL, *quant = NULL;
  g_autoptr (GError) err = NULL;
  size_t k = 0, Q = c->output_size, j;

  if (!rnc_model_get_metadata (model, "rnc.residual_quantiles")) {
    g_set_error (error, RNC_FORECAST_ERROR,
        RNC_FORECAST_ERROR_NO_CALIBRATION,
        "the model has no interval calibration (rnc.residual_quantiles)");
    return FALSE;
  }
  if (!(level > 0.0 && level < 1.0))
    goto bad_level;
  /* the runner's parser: one reading of the key for both */
  if (!rnc_quantiles_parse (model, &probs, &k, &quant, &err)) {
    g_set_error (error, RNC_FORECAST_ERROR, RNC_FORECAST_ERROR_INVALID,
        "%s", err->message);
    return FALSE;
  }
  for (j = 0; j < Q; j++) {
    double s = os ? os[j] : 1.0, a, b;
    a = interp (probs, quant + j * k, k, (1.0 - level) / 2.0);
    b = interp (probs, quant + j * k, k, (1.0 + level) / 2.0);
    if (isnan (a) || isnan (b))
      goto bad_level;
    lo[j] = (float) (pred[j] + s * a);
    hi[j] = (float) (pred[j] + s * b);
  }
  return TRUE;

  /* ERRORS */
bad_level:
  g_set_error (error, RNC_FORECAST_ERROR, RNC_FORECAST_ERROR_INVALID,
      "interval level %g needs quantiles the model's calibration grid does "
      "not cover", level);
  return FALSE;
}

/* ---- the AIC AR reference ------------------------------------------------ */

void
rnc_ar_model_free (RncArModel *ar)
{
  if (!ar)
    return;
  g_free (ar->coef);
  g_free (ar->mean);
  g_free (ar->std);
  g_free (ar);
}

RncArModel *
rnc_ar_fit_aic (const float *series, size_t n, size_t D, size_t max_order,
    GError **error)
{
  g_autofree float *z = NULL;
  RncArModel *ar;
  size_t off[2] = { 0, n }, pmax, i, d;
  Data X;
  Linear L = { 0 };

  if (D < 1 || D > 4096 || n < 8) {
    g_set_error (error, RNC_FORECAST_ERROR, RNC_FORECAST_ERROR_TOO_SHORT,
        "an AR model needs at least 8 frames of 1..4096 columns");
    return NULL;
  }
  for (i = 0; i < n * D; i++)
    if (!isfinite (series[i])) {
      g_set_error (error, RNC_FORECAST_ERROR, RNC_FORECAST_ERROR_INVALID,
          "value %zu of frame %zu is not a finite number", i % D, i / D);
      return NULL;
    }
  ar = g_new0 (RncArModel, 1);
  ar->D = D;
  ar->mean = g_new (double, D);
  ar->std = g_new (double, D);
  z = g_new (float, n * D);
  for (d = 0; d < D; d++) {
    float m, s;
    column_stats (series, n, D, d, &m, &s);
    ar->mean[d] = m;
    ar->std[d] = s;
    for (i = 0; i < n; i++)
      z[i * D + d] = (series[i * D + d] - m) / s;
  }
  pmax = max_order ? max_order : (size_t) floor (10.0 * log10 ((double) n));
  pmax = MIN (pmax, n / 4);
  pmax = MIN (pmax, MAX (1, 256 / D));
  X.z = z;
  X.D = D;
  X.n_seg = 1;
  X.off = off;
  ar->order = aic_order (&X, pmax, &ar->aic);
  L.p = ar->order;
  L.base = 0;
  L.lam = 0.0;
  linear_fit (&X, &L, &n);
  ar->coef = L.coef;
  return ar;
}

void
rnc_ar_predict (const RncArModel *ar, const float *history, size_t n_hist,
    float *y)
{
  size_t D = ar->D, k, d, q;

  g_return_if_fail (n_hist >= ar->order);
  for (q = 0; q < D; q++) {
    double s = ar->coef[q];
    for (k = 1; k <= ar->order; k++)
      for (d = 0; d < D; d++) {
        double zv = (history[(n_hist - k) * D + d] - ar->mean[d]) /
            ar->std[d];
        s += ar->coef[(1 + (k - 1) * D + d) * D + q] * zv;
      }
    y[q] = (float) (s * ar->std[q] + ar->mean[q]);
  }
}
