/* librnc: training a next-value forecaster for one or more time series.
 *
 * The result is an ordinary model file for the `rnn` / `lstm` elements: a
 * regression head predicting the next frame (all D columns) from a window of
 * the last T frames run from a fresh state (metadata rnc.window = T), with
 * the columns' mean/std as input and output scaling. Nothing else is needed
 * at run time.
 *
 * The model is the sum of two parts (docs/forecasting.md):
 *   - a linear autoregression, its lags p, ridge strength and base (the last
 *     value or a season ago) chosen by rolling-origin validation (several
 *     origins over the last part of the data, refitted at each, one-step
 *     MSE); the least-squares AR of AIC-chosen order is one of the
 *     candidates (rnc_ar_fit_aic is that model on its own, the benchmark
 *     reference);
 *   - an ensemble of K recurrent networks (different seeds) trained with
 *     BPTT on what the linear part leaves, early-stopped on the held-out
 *     last part, averaged, and kept only when it lowers the held-out
 *     one-step MSE clearly (a paired test); otherwise it is not in the file.
 * Both live in ONE recurrent layer stack: the K networks side by side
 * (block-diagonal weights, the head averaging them) and p*D "register"
 * units that shift the last inputs along (tiny input weight eps so tanh
 * stays linear to 1e-5; LSTM gates saturated open/closed); the head reads
 * the registers with weights coef / eps.
 *
 * Interval calibration: the model carries rnc.residual_quantiles (see
 * docs/model-format.md): quantiles of out-of-sample one-step residuals in
 * model units.
 *
 * Global models: rnc_forecast_train_many trains one model over several
 * series (each with its own scaling, stored as rnc.series and
 * rnc.series_mean / rnc.series_std); rnc_forecast_select_series switches a
 * model's scaling to one of them.
 */
#pragma once

#include "rnc-state.h"
#include "rnc-train.h"

G_BEGIN_DECLS

#define RNC_FORECAST_ERROR (rnc_forecast_error_quark ())
GQuark rnc_forecast_error_quark (void);

typedef enum {
  RNC_FORECAST_ERROR_TOO_SHORT, /* not enough frames for the window */
  RNC_FORECAST_ERROR_INVALID,   /* a value is not finite, an option is out of range */
  RNC_FORECAST_ERROR_FAILED,
  RNC_FORECAST_ERROR_NO_CALIBRATION,    /* no rnc.residual_quantiles */
} RncForecastError;

typedef struct {
  RncCell cell;                 /* default lstm */
  size_t hidden_size;           /* units H of each ensemble member (16) */
  size_t ensemble;              /* networks averaged, K (default 4); 0 = no
                                 * network (the linear part alone) */
  size_t num_layers;            /* default 1 */
  size_t window;                /* T, 0 = auto: the network's 12 frames or
                                 * the linear part's lags if more (at most a
                                 * quarter of the series) */
  size_t max_lags;              /* the linear part's largest lag, 0 = auto
                                 * (10 log10 n, at most n/4 and the window
                                 * when one is given) */
  gboolean linear;              /* the autoregressive part (default TRUE);
                                 * FALSE trains the network alone on the
                                 * scaled next value (always kept) */
  RncWeightInit init;           /* default uniform */
  guint64 seed;                 /* initialisation and shuffling; member k
                                 * uses seed + k */
  /* epochs (default 300), batch_size (32), lr (3e-3), clip (1), patience
   * (30), lr_patience (10), val_fraction (0.2; chronological: the last
   * windows of every series) — loss/outputs/mode are set by the recipe. */
  RncTrainOptions train;
} RncForecastOptions;

void rnc_forecast_options_init (RncForecastOptions *options);

/* What the recipe did, for the progress report. MSEs are in scaled units
 * (each series divided by its std). */
typedef struct {
  size_t window, n_windows, n_train, n_val;
  size_t register_units;        /* extra units carrying the linear part */
  size_t lags;                  /* the linear part's lags p */
  double ridge;                 /* its ridge strength (per window) */
  size_t base_lag;              /* its base: 1 = the last value, b = the
                                 * value b frames ago (a season) */
  size_t aic_order;             /* the order AIC chose for the LS AR */
  double aic_cv_mse;            /* rolling-origin MSE of that AR, */
  double linear_cv_mse;         /* and of the chosen linear part */
  double linear_cv_t;           /* paired t of the best candidate's gain
                                 * over the AIC AR (it replaces the AR only
                                 * when >= 1.645) */
  size_t cv_points;             /* the rolling-origin forecasts counted */
  double naive_val_mse;         /* held-out MSE of: the last value, */
  double linear_val_mse;        /* the linear part alone (fitted before
                                 * the held-out part), */
  double network_val_mse;       /* and linear part + network ensemble */
  double network_gain;          /* 1 - network / linear (NAN: no network) */
  double network_t;             /* paired t statistic of that gain */
  gboolean network_kept;        /* the network is in the model */
  size_t ensemble;              /* networks trained */
  size_t epochs_run, best_epoch;        /* summed over the members */
  size_t calibration_points;    /* residuals behind rnc.residual_quantiles */
  double seconds;               /* wall time of the recipe */
  double cpu_seconds;           /* processor time of the process meanwhile */
} RncForecastReport;

/* (transfer full) Trains a forecaster on @series (n, D) in raw units, row t
 * = frame t. Returns the model, its metadata set (rnc.window, scaling,
 * rnc.residual_quantiles, rnc.train.*), or NULL with RNC_FORECAST_ERROR /
 * RNC_TRAIN_ERROR. @func sees every epoch of the network's training (may be
 * NULL); @report may be NULL. */
RncModel *rnc_forecast_train (const float *series, size_t n, size_t D,
    const RncForecastOptions *options, RncEpochFunc func, gpointer user_data,
    RncForecastReport *report, GError **error);

/* (transfer full) A global model: one model (D columns) over @n_series
 * series, series s being @series[s] (lengths[s], D) in raw units, each
 * scaled by its own mean/std. Windows never cross series. The model's
 * rnc.input/output scaling is series 0's; rnc.series (@names, may be NULL:
 * "0", "1", ...) and rnc.series_mean / rnc.series_std ((n_series, D),
 * flattened) hold them all. */
RncModel *rnc_forecast_train_many (const float *const *series,
    const size_t *lengths, size_t n_series, size_t D,
    const char *const *names, const RncForecastOptions *options,
    RncEpochFunc func, gpointer user_data, RncForecastReport *report,
    GError **error);

/* The number of series of a global model (0: not one). */
size_t rnc_forecast_get_n_series (const RncModel *model);
/* TRUE for a model that is not global (no rnc.series), or whose rnc.series
 * is a JSON array of 1 or more names with valid per-series scaling for
 * each (rnc_forecast_get_series_scaling); FALSE with
 * RNC_FORECAST_ERROR_INVALID naming the key otherwise. The elements check
 * every model they load with it. */
gboolean rnc_forecast_check_series (const RncModel *model, GError **error);
/* Resolves @spec (a name from rnc.series or a 0-based index) to an index;
 * FALSE with RNC_FORECAST_ERROR_INVALID naming it otherwise. */
gboolean rnc_forecast_find_series (const RncModel *model, const char *spec,
    size_t *index, GError **error);
/* Series @index's mean and std (D each; validated from rnc.series_mean /
 * rnc.series_std; a model that is not global: its own scaling, index 0). */
gboolean rnc_forecast_get_series_scaling (const RncModel *model,
    size_t index, float *mean, float *std, GError **error);
/* Series @first .. @first + @count - 1 at once (@mean, @std: count * D
 * each, series after series), the metadata parsed once; what N streams of
 * a global model and rnc_forecast_check_series use. */
gboolean rnc_forecast_get_series_scalings (const RncModel *model,
    size_t first, size_t count, float *mean, float *std, GError **error);
/* Sets @model's input and output scaling to series @index's. */
gboolean rnc_forecast_select_series (RncModel *model, size_t index,
    GError **error);

/* Floats of scratch rnc_forecast_predict needs for @model. */
size_t rnc_forecast_get_scratch_size (const RncModel *model);

/* One forecast as the `lstm`/`rnn` element computes it with window=T: the
 * last T frames @window (T, D) in raw units from a fresh state (@state: the
 * model's, batch 1), scaled in, the head's value at the last frame scaled
 * out into @y (Q). @T is the model's rnc.window (or any T for window 0). */
void rnc_forecast_predict (const RncModel *model, RncState *state,
    const float *window, size_t T, float *scratch, float *y);

/* The @level (e.g. 0.8) central interval around the forecast @pred (Q, raw
 * units) from @model's rnc.residual_quantiles, as the contract in
 * docs/model-format.md says: lo = pred + s * q((1-level)/2), hi = pred + s *
 * q((1+level)/2), s the model's output std (1 without scaling), q linear in
 * p over the stored grid. FALSE (RNC_FORECAST_ERROR_NO_CALIBRATION or
 * _INVALID) when the key is absent, malformed or the level's tails fall
 * outside the grid. */
gboolean rnc_forecast_interval (const RncModel *model, double level,
    const float *pred, float *lo, float *hi, GError **error);

/* ---- the least-squares AR with AIC-chosen order (the reference) ------- */

typedef struct {
  size_t D, order;
  double *coef;                 /* (1 + order*D, D): intercept, then lag 1
                                 * (D rows), ..., lag p; scaled units */
  double *mean, *std;           /* (D) the scaling the fit used */
  double aic;
} RncArModel;

/* (transfer full) Fits AR(p) by least squares (intercept, all D columns'
 * lags: a VAR when D > 1) for p = 0..@max_order (0 = auto: 10 log10 n, at
 * most n/4) on the common sample and keeps the order of least AIC
 * (n log det Sigma + 2 (p D^2 + D)), refitted on every frame it can use. */
RncArModel *rnc_ar_fit_aic (const float *series, size_t n, size_t D,
    size_t max_order, GError **error);
void rnc_ar_model_free (RncArModel *ar);
/* The forecast @y (D) of the frame after @history (n_hist >= order frames,
 * (n_hist, D), raw units). */
void rnc_ar_predict (const RncArModel *ar, const float *history,
    size_t n_hist, float *y);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RncArModel, rnc_ar_model_free)

G_END_DECLS
