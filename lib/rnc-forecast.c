/* librnc: the forecasting recipe (see rnc-forecast.h for the why). */
#include "rnc-forecast.h"

#include "rnc-forward.h"

#include <math.h>
#include <string.h>

G_DEFINE_QUARK (rnc-forecast-error-quark, rnc_forecast_error)

#define DEFAULT_WINDOW 24
/* eps * max |z| for register units: tanh (v) = v (1 - v^2 / 3) stays linear
 * to 3e-7 per stage at the training data's extreme and to ~5e-6 at four
 * times it (the series may leave its training range). */
#define REGISTER_BUDGET 1e-3
/* LSTM register gates: sigmoid (20) rounds to 1.0f, sigmoid (-20) = 2e-9. */
#define GATE_SATURATION 20.0f

/* The network is kept when it lowers the validation MSE by this fraction. */
#define KEEP_MARGIN 0.05

static const double ridge_grid[] = { 0.0, 1e-4, 1e-3, 1e-2, 1e-1, 1.0, 10.0 };

void
rnc_forecast_options_init (RncForecastOptions *o)
{
  memset (o, 0, sizeof (*o));
  o->cell = RNC_CELL_LSTM;
  o->hidden_size = 32;
  o->num_layers = 1;
  o->window = 0;
  o->linear = TRUE;
  o->init = RNC_WEIGHT_INIT_UNIFORM;
  o->seed = 0;
  rnc_train_options_init (&o->train, RNC_LOSS_MSE, RNC_OUTPUTS_LAST);
  o->train.epochs = 500;
  o->train.batch_size = 32;
  o->train.clip = 1.0f;
  o->train.patience = 50;
  o->train.lr_patience = 20;
  o->train.val_fraction = 0.15;
}

/* ---- ridge regression ------------------------------------------------- */

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

typedef struct {
  const float *z;               /* (n, D) scaled series */
  size_t n, D, T, F;            /* F = T*D + 1 features (last: bias) */
  size_t base;                  /* the linear part predicts the change from
                                 * z[t - base]: 1 (last value) or a period */
} Windows;

/* Features of window w (target frame T + w): the T frames before it, oldest
 * first, then 1. */
static void
features (const Windows *W, size_t w, double *f)
{
  size_t k, d;

  for (k = 0; k < W->T; k++)
    for (d = 0; d < W->D; d++)
      f[k * W->D + d] = W->z[(w + k) * W->D + d];
  f[W->F - 1] = 1.0;
}

/* Linear target of window w: the change from the base frame. */
static double
delta (const Windows *W, size_t w, size_t q)
{
  size_t t = W->T + w;

  return (double) W->z[t * W->D + q] - W->z[(t - W->base) * W->D + q];
}

/* Accumulates X^T X (F, F) and X^T Y (F, D) over windows [a, b). */
static void
normal_equations (const Windows *W, size_t a, size_t b, double *XtX,
    double *XtY, double *f)
{
  size_t F = W->F, D = W->D, w, i, j, q;

  memset (XtX, 0, F * F * sizeof (double));
  memset (XtY, 0, F * D * sizeof (double));
  for (w = a; w < b; w++) {
    features (W, w, f);
    for (i = 0; i < F; i++) {
      for (j = 0; j <= i; j++)
        XtX[i * F + j] += f[i] * f[j];
      for (q = 0; q < D; q++)
        XtY[i * D + q] += f[i] * delta (W, w, q);
    }
  }
  for (i = 0; i < F; i++)
    for (j = i + 1; j < F; j++)
      XtX[i * F + j] = XtX[j * F + i];
}

/* coef (F, D) of the ridge fit with strength lam per row (the bias is not
 * penalised); a tiny jitter keeps lam = 0 solvable on collinear windows. */
static void
ridge_solve (const double *XtX, const double *XtY, size_t F, size_t D,
    size_t rows, double lam, double *coef, double *A)
{
  double trace = 0.0, jitter;
  size_t i, attempt;

  for (i = 0; i < F; i++)
    trace += XtX[i * F + i];
  jitter = 1e-12 * (trace / (double) F + 1.0);
  for (attempt = 0; attempt < 12; attempt++) {
    memcpy (A, XtX, F * F * sizeof (double));
    for (i = 0; i + 1 < F; i++)
      A[i * F + i] += lam * (double) rows + jitter;
    A[(F - 1) * F + F - 1] += jitter;
    memcpy (coef, XtY, F * D * sizeof (double));
    if (cholesky_solve (A, coef, F, D))
      return;
    jitter *= 100.0;
  }
  /* hopeless: fall back to the naive forecast (all-zero change) */
  memset (coef, 0, F * D * sizeof (double));
}

/* The lag p in 2..T whose "same as p frames ago" forecast has the least
 * squared error over windows [0, n_w), when it beats the last value
 * (p = 1), else 1: a season. */
static size_t
best_period (const Windows *W, size_t n_w)
{
  size_t p, w, q, D = W->D, best_p = 1;
  double best = INFINITY;

  for (p = 1; p <= W->T; p++) {
    double e = 0.0;
    for (w = 0; w < n_w; w++) {
      size_t t = W->T + w;
      for (q = 0; q < D; q++) {
        double d = (double) W->z[t * D + q] - W->z[(t - p) * D + q];
        e += d * d;
      }
    }
    if (e < best) {
      best = e;
      best_p = p;
    }
  }
  return best_p;
}

/* Predicted change of window w. */
static void
linear_predict (const Windows *W, const double *coef, size_t w, double *f,
    double *out)
{
  size_t F = W->F, D = W->D, i, q;

  features (W, w, f);
  for (q = 0; q < D; q++) {
    double s = 0.0;
    for (i = 0; i < F; i++)
      s += f[i] * coef[i * D + q];
    out[q] = s;
  }
}

/* ---- composing the model ---------------------------------------------- */

/* Copies the trained network @net (H units) into @out (Hp = H + R units) and
 * adds the register units and the linear head. @head_scale multiplies the
 * network's head (0 drops it). */
static void
compose (const RncModel *net, RncModel *out, const Windows *W,
    const double *coef, double eps, float head_scale)
{
  const RncModelConfig *cs = rnc_model_get_config (net);
  const RncModelConfig *cd = rnc_model_get_config (out);
  const RncParamViews *s = rnc_model_get_views (net);
  const RncParamViews *d = rnc_model_get_views (out);
  size_t G = rnc_cell_gates (cs->cell), H = cs->hidden_size;
  size_t Hp = cd->hidden_size, GH = G * H, GHp = G * Hp, D = W->D, T = W->T;
  size_t Q = cd->output_size, gate_g = G == 4 ? 3 : G == 3 ? 2 : 0;
  size_t l, g, j, k, q, dd, m;

  for (l = 0; l < cs->num_layers; l++) {
    size_t in_s = s->layer[l].in;
    for (g = 0; g < G; g++)
      for (j = 0; j < H; j++) {
        size_t cs_col = g * H + j, cd_col = g * Hp + j;
        for (k = 0; k < in_s; k++)
          d->layer[l].Wx[k * GHp + cd_col] = s->layer[l].Wx[k * GH + cs_col];
        for (k = 0; k < H; k++)
          d->layer[l].Wh[k * GHp + cd_col] = s->layer[l].Wh[k * GH + cs_col];
        d->layer[l].bh[cd_col] = s->layer[l].bh[cs_col];
        if (g == 0 && s->layer[l].bhn)
          d->layer[l].bhn[j] = s->layer[l].bhn[j];
      }
    if (!coef)
      continue;
    /* register unit (dd, m) holds eps * z[t - m][dd] */
    for (dd = 0; dd < D; dd++)
      for (m = 0; m < T; m++) {
        size_t u = H + dd * T + m, col = gate_g * Hp + u;
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
        }
      }
  }

  for (j = 0; j < H; j++)
    for (q = 0; q < Q; q++)
      d->Wo[j * Q + q] = s->Wo[j * Q + q] * head_scale;
  for (q = 0; q < Q; q++)
    d->bo[q] = s->bo[q] * head_scale;
  if (!coef)
    return;
  for (dd = 0; dd < D; dd++)
    for (m = 0; m < T; m++) {
      size_t u = H + dd * T + m, feat = (T - 1 - m) * D + dd;
      for (q = 0; q < Q; q++) {
        /* prediction = base value + predicted change */
        double c = coef[feat * Q + q] + (m + 1 == W->base && dd == q ? 1.0 :
            0.0);
        d->Wo[u * Q + q] = (float) (c / eps);
      }
    }
  for (q = 0; q < Q; q++)
    d->bo[q] += (float) coef[(W->F - 1) * Q + q];
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

/* ---- the recipe --------------------------------------------------------- */

static void
set_meta_double (RncModel *m, const char *key, double v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

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

/* MSE over val windows [a, b) of: base prediction (z[t-1] + lin) plus the
 * network's output times @scale (net NULL: none). */
static double
val_mse (const Windows *W, const double *coef, const RncModel *net,
    RncState *st, float scale, size_t a, size_t b, double *f, double *pred,
    float *y)
{
  size_t D = W->D, T = W->T, w, q;
  double sum = 0.0;

  for (w = a; w < b; w++) {
    size_t t = T + w;
    if (coef)
      linear_predict (W, coef, w, f, pred);
    if (net) {
      rnc_state_reset (st);
      rnc_forward (st, W->z + w * D, T, NULL, y);
    }
    for (q = 0; q < D; q++) {
      double p = coef ? W->z[(t - W->base) * D + q] + pred[q] : 0.0;
      double e;
      if (net)
        p += (double) y[(T - 1) * D + q] * scale;
      e = p - W->z[t * D + q];
      sum += e * e;
    }
  }
  return b > a ? sum / (double) ((b - a) * D) : NAN;
}

RncModel *
rnc_forecast_train (const float *series, size_t n, size_t D,
    const RncForecastOptions *o, RncEpochFunc func, gpointer user_data,
    RncForecastReport *report, GError **error)
{
  RncForecastReport rep = { 0 };
  RncModelConfig cfg = { 0 };
  RncTrainOptions to;
  Windows W;
  float *mean = NULL, *std = NULL, *z = NULL, *wx = NULL, *tg = NULL;
  float *ybuf = NULL;
  double *XtX = NULL, *XtY = NULL, *A = NULL, *coef = NULL, *f = NULL;
  double *pred = NULL;
  size_t *off = NULL;
  RncModel *net = NULL, *out = NULL;
  RncState *st = NULL;
  RncTrainer *trainer = NULL;
  size_t T, n_w, n_val, n_tr, i, d, w, q, F, R = 0;
  double zmax = 0.0, eps = 0.0, r_std = 1.0;
  float head_scale;

  g_return_val_if_fail (series != NULL && o != NULL, NULL);

  if (D < 1 || D > 4096 || o->hidden_size < 1 || o->num_layers < 1
      || o->num_layers > RNC_MAX_LAYERS)
    goto bad_options;
  for (i = 0; i < n * D; i++)
    if (!isfinite (series[i]))
      goto bad_value;
  T = o->window > 0 ? o->window : MAX (2, MIN (DEFAULT_WINDOW, n / 4));
  if (n < T + 4)
    goto too_short;
  if (T > 100000)
    goto bad_options;
  n_w = n - T;
  n_val = 0;
  if (o->train.val_fraction > 0.0) {
    n_val = MAX (1, (size_t) (o->train.val_fraction * (double) n_w));
    n_val = MIN (n_val, n_w - 2);
  }
  n_tr = n_w - n_val;

  /* Scaling: mean / std of each column over the whole given series. */
  mean = g_new0 (float, D);
  std = g_new0 (float, D);
  for (d = 0; d < D; d++) {
    double s = 0.0, s2 = 0.0;
    for (i = 0; i < n; i++)
      s += series[i * D + d];
    s /= (double) n;
    for (i = 0; i < n; i++)
      s2 += (series[i * D + d] - s) * (series[i * D + d] - s);
    s2 = sqrt (s2 / (double) n);
    mean[d] = (float) s;
    std[d] = s2 > 1e-12 * MAX (1.0, fabs (s)) ? (float) s2 : 1.0f;
  }
  z = g_new (float, n * D);
  for (i = 0; i < n; i++)
    for (d = 0; d < D; d++) {
      z[i * D + d] = (series[i * D + d] - mean[d]) / std[d];
      zmax = MAX (zmax, fabs (z[i * D + d]));
    }

  W.z = z;
  W.n = n;
  W.D = D;
  W.T = T;
  W.F = F = T * D + 1;
  f = g_new (double, F);
  pred = g_new0 (double, D);
  ybuf = g_new0 (float, T * D);

  /* Linear part: the base (the last value, or the value a period ago
   * when that repeats the training windows better) and the ridge strength
   * by the validation windows, then a fit on all windows. */
  W.base = 1;
  if (o->linear) {
    size_t bases[2] = { 1, best_period (&W, n_tr) }, b;
    double best = INFINITY, lam = 1e-3;
    size_t base = 1;
    XtX = g_new (double, F * F);
    XtY = g_new (double, F * D);
    A = g_new (double, F * F);
    coef = g_new (double, F * D);
    for (b = 0; b < G_N_ELEMENTS (bases) && n_val > 0; b++) {
      if (b > 0 && bases[b] == bases[0])
        break;
      W.base = bases[b];
      normal_equations (&W, 0, n_tr, XtX, XtY, f);
      for (i = 0; i < G_N_ELEMENTS (ridge_grid); i++) {
        double e;
        ridge_solve (XtX, XtY, F, D, n_tr, ridge_grid[i], coef, A);
        e = val_mse (&W, coef, NULL, NULL, 0.0f, n_tr, n_w, f, pred, NULL);
        if (e < best) {
          best = e;
          lam = ridge_grid[i];
          base = bases[b];
        }
      }
    }
    W.base = base;
    normal_equations (&W, 0, n_w, XtX, XtY, f);
    ridge_solve (XtX, XtY, F, D, n_w, lam, coef, A);
    rep.ridge = lam;
    rep.base_lag = base;
    R = T * D;
    eps = REGISTER_BUDGET / MAX (1.0, zmax);
  }

  /* The network: windows as sequences, target the scaled next value or what
   * the linear part leaves of it. */
  wx = g_new (float, n_w * T * D);
  tg = g_new (float, n_w * D);
  off = g_new (size_t, n_w + 1);
  for (w = 0; w < n_w; w++) {
    memcpy (wx + w * T * D, z + w * D, T * D * sizeof (float));
    if (coef)
      linear_predict (&W, coef, w, f, pred);
    for (q = 0; q < D; q++) {
      double v = z[(T + w) * D + q];
      if (coef)
        v -= z[(T + w - W.base) * D + q] + pred[q];
      tg[w * D + q] = (float) v;
    }
  }
  if (coef) {
    double s2 = 0.0;
    for (i = 0; i < n_tr * D; i++)
      s2 += (double) tg[i] * tg[i];
    r_std = sqrt (s2 / (double) (n_tr * D));
    if (!(r_std > 1e-6))
      r_std = 1e-6;
    for (i = 0; i < n_w * D; i++)
      tg[i] = (float) (tg[i] / r_std);
  }
  for (w = 0; w <= n_w; w++)
    off[w] = w * T;

  cfg.cell = o->cell;
  cfg.input = RNC_INPUT_DENSE;
  cfg.head = RNC_HEAD_REGRESSION;
  cfg.input_size = D;
  cfg.hidden_size = o->hidden_size;
  cfg.num_layers = o->num_layers;
  cfg.output_size = D;
  net = rnc_model_new (&cfg, error);
  if (!net)
    goto failed;
  rnc_model_init_weights (net, o->init, o->seed);

  to = o->train;
  to.loss = RNC_LOSS_MSE;
  to.outputs = RNC_OUTPUTS_LAST;
  to.mode = RNC_TRAIN_SEQUENCES;
  to.seed = o->seed;
  to.val_fraction = 0.0;
  {
    RncDataset tr = { 0 }, va = { 0 };
    tr.n_seqs = n_tr;
    tr.offsets = off;
    tr.x = wx;
    tr.targets = tg;
    va.n_seqs = n_val;
    va.offsets = off;           /* rebased below: windows are contiguous */
    va.x = wx + n_tr * T * D;
    va.targets = tg + n_tr * D;
    trainer = rnc_trainer_new (net, &to, &tr, n_val > 0 ? &va : NULL, error);
    if (!trainer)
      goto failed;
    if (!rnc_trainer_fit (trainer, func, user_data, error))
      goto failed;
    rep.epochs_run = rnc_trainer_get_epochs_run (trainer);
    rep.best_epoch = rnc_trainer_get_best_epoch (trainer);
  }

  /* Keep the network only if it helps on the validation windows. */
  st = rnc_state_new (net, 1, T);
  head_scale = (float) r_std;
  if (n_val > 0) {
    rep.naive_val_mse = 0.0;
    for (w = n_tr; w < n_w; w++)
      for (q = 0; q < D; q++) {
        double e = (double) z[(T + w) * D + q] - z[(T + w - 1) * D + q];
        rep.naive_val_mse += e * e;
      }
    rep.naive_val_mse /= (double) (n_val * D);
    rep.network_val_mse = val_mse (&W, coef, net, st, head_scale, n_tr, n_w,
        f, pred, ybuf);
    if (coef) {
      rep.linear_val_mse = val_mse (&W, coef, NULL, NULL, 0.0f, n_tr, n_w, f,
          pred, NULL);
      /* a clear gain, not the noise of a few validation windows */
      if (!(rep.network_val_mse < (1.0 - KEEP_MARGIN) * rep.linear_val_mse))
        head_scale = 0.0f;
    } else {
      rep.linear_val_mse = NAN;
    }
  } else {
    rep.naive_val_mse = rep.linear_val_mse = rep.network_val_mse = NAN;
  }
  rep.network_kept = head_scale != 0.0f;

  /* The final model: network units, then register units. */
  cfg.hidden_size = o->hidden_size + R;
  out = rnc_model_new (&cfg, error);
  if (!out)
    goto failed;
  compose (net, out, &W, coef, eps, head_scale);
  rnc_model_set_input_scaling (out, mean, std);
  rnc_model_set_output_scaling (out, mean, std);
  set_meta_size (out, "rnc.window", T);
  if (!rnc_model_parse_metadata (out, error))
    goto failed;
  rnc_model_set_metadata (out, "rnc.train.task", "forecast");
  set_meta_size (out, "rnc.train.network_units", o->hidden_size);
  set_meta_size (out, "rnc.train.register_units", R);
  rnc_model_set_metadata (out, "rnc.train.network_kept",
      rep.network_kept ? "true" : "false");
  if (coef) {
    set_meta_double (out, "rnc.train.ridge", rep.ridge);
    set_meta_size (out, "rnc.train.base_lag", rep.base_lag);
  }
  set_meta_size (out, "rnc.train.epochs_run", rep.epochs_run);
  set_meta_size (out, "rnc.train.best_epoch", rep.best_epoch);

  rep.window = T;
  rep.n_windows = n_w;
  rep.n_train = n_tr;
  rep.n_val = n_val;
  rep.register_units = R;
  if (report)
    *report = rep;

done:
  rnc_trainer_free (trainer);
  rnc_state_free (st);
  rnc_model_free (net);
  g_free (mean);
  g_free (std);
  g_free (z);
  g_free (wx);
  g_free (tg);
  g_free (off);
  g_free (ybuf);
  g_free (XtX);
  g_free (XtY);
  g_free (A);
  g_free (coef);
  g_free (f);
  g_free (pred);
  return out;

  /* ERRORS */
bad_options:
  g_set_error (error, RNC_FORECAST_ERROR, RNC_FORECAST_ERROR_INVALID,
      "forecast options out of range (columns %zu, hidden %zu, layers %zu,"
      " window %zu)", D, o->hidden_size, o->num_layers, o->window);
  return NULL;
bad_value:
  g_set_error (error, RNC_FORECAST_ERROR, RNC_FORECAST_ERROR_INVALID,
      "value %zu of frame %zu is not a finite number", i % D, i / D);
  return NULL;
too_short:
  g_set_error (error, RNC_FORECAST_ERROR, RNC_FORECAST_ERROR_TOO_SHORT,
      "%zu frames are too few for a window of %zu (need at least %zu)", n, T,
      T + 4);
  return NULL;
failed:
  g_clear_pointer (&out, rnc_model_free);
  goto done;
}
