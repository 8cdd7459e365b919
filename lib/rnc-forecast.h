/* librnc: training a next-value forecaster for one or more time series.
 *
 * The result is an ordinary model file for the `rnn` / `lstm` elements: a
 * regression head predicting the next frame (all D columns) from a window of
 * the last T frames run from a fresh state (metadata rnc.window = T), with
 * the columns' mean/std as input and output scaling. Nothing else is needed
 * at run time.
 *
 * Why it is more than "fit an LSTM": a network of tanh units only knows the
 * range of values it was trained on, and a trending series leaves that range
 * right after the training data ends (AirPassengers, co2). So the model is
 * the sum of two parts, as in LSTNet's autoregressive "highway":
 *   - a linear autoregression on the window, fitted in closed form (ridge,
 *     its strength chosen on the validation windows), written as the
 *     change from the last value so that strong regularisation falls back
 *     to the naive forecast instead of the mean; and
 *   - the recurrent network (cell, H, L as asked) trained with BPTT and
 *     Adam on what the linear part leaves, early-stopped on the validation
 *     windows, and kept only when it lowers the validation error.
 * The linear part lives inside the same recurrent layer as T*D extra
 * "register" units that shift the last T inputs along (tiny input weight
 * eps so tanh stays linear to 1e-5; LSTM gates saturated open/closed), and
 * the head reads them with weights coef / eps. The stacked layers copy the
 * registers upward. See docs/training.md.
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
} RncForecastError;

typedef struct {
  RncCell cell;                 /* default lstm */
  size_t hidden_size;           /* trained units H (default 32) */
  size_t num_layers;            /* default 1 */
  size_t window;                /* T, 0 = auto: 24, at most a quarter of
                                 * the series (and at least 2) */
  gboolean linear;              /* the autoregressive part (default TRUE);
                                 * FALSE trains the network alone on the
                                 * scaled next value */
  RncWeightInit init;           /* default uniform */
  guint64 seed;                 /* initialisation and shuffling */
  /* epochs (default 500), batch_size (32), lr (1e-3), clip (1), patience
   * (50), lr_patience (20), val_fraction (0.15; chronological: the last
   * windows) — loss/outputs/mode are set by the recipe. */
  RncTrainOptions train;
} RncForecastOptions;

void rnc_forecast_options_init (RncForecastOptions *options);

/* What the recipe did, for the progress report. */
typedef struct {
  size_t window, n_windows, n_train, n_val;
  size_t register_units;        /* extra units carrying the linear part */
  double ridge;                 /* the chosen ridge strength (per window) */
  size_t base_lag;              /* the linear part's base: 1 = the last
                                 * value, p = the value a period ago */
  double naive_val_mse;         /* validation MSE in scaled units of: the
                                 * last value, */
  double linear_val_mse;        /* the linear part alone, */
  double network_val_mse;       /* and linear part + network */
  gboolean network_kept;        /* the network's head is non-zero */
  size_t epochs_run, best_epoch;
} RncForecastReport;

/* (transfer full) Trains a forecaster on @series (n, D) in raw units, row t
 * = frame t. Returns the model, its metadata set (rnc.window, scaling,
 * rnc.train.*), or NULL with RNC_FORECAST_ERROR / RNC_TRAIN_ERROR. @func sees
 * every epoch of the network's training (may be NULL); @report may be NULL. */
RncModel *rnc_forecast_train (const float *series, size_t n, size_t D,
    const RncForecastOptions *options, RncEpochFunc func, gpointer user_data,
    RncForecastReport *report, GError **error);

/* Floats of scratch rnc_forecast_predict needs for @model. */
size_t rnc_forecast_get_scratch_size (const RncModel *model);

/* One forecast as the `lstm`/`rnn` element computes it with window=T: the
 * last T frames @window (T, D) in raw units from a fresh state (@state: the
 * model's, batch 1), scaled in, the head's value at the last frame scaled
 * out into @y (Q). @T is the model's rnc.window (or any T for window 0). */
void rnc_forecast_predict (const RncModel *model, RncState *state,
    const float *window, size_t T, float *scratch, float *y);

G_END_DECLS
