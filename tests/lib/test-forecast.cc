/* The forecasting recipe: its model file, run through the inference path as
 * the elements run it (window, scaling), forecasts series whose next values
 * are known exactly, including beyond the training range. */
#include "rnc-test-util.h"

#include "rnc.h"

#include <json-glib/json-glib.h>

#include <cstring>
#include <string>

namespace {

/* One-step forecasts of frames [from, n) of @x (n, D), each from the T real
 * frames before it; returns the largest absolute error. */
double
max_forecast_error (RncModel *m, const std::vector<float> &x, size_t D,
    size_t from)
{
  size_t T = rnc_model_get_window (m), n = x.size () / D;
  g_autoptr (RncState) st = rnc_state_new (m, 1, T);
  std::vector<float> scratch (rnc_forecast_get_scratch_size (m)), y (D);
  double worst = 0.0;
  for (size_t t = from; t < n; t++) {
    rnc_forecast_predict (m, st, &x[(t - T) * D], T, scratch.data (),
        y.data ());
    for (size_t d = 0; d < D; d++)
      worst = std::max (worst, (double) std::fabs (y[d] - x[t * D + d]));
  }
  return worst;
}

RncForecastOptions
quick_options (RncCell cell)
{
  RncForecastOptions o;
  rnc_forecast_options_init (&o);
  o.cell = cell;
  o.hidden_size = 8;
  o.train.epochs = 20;
  return o;
}

} // namespace

/* x_t = x_{t-1} + x_{t-12} - x_{t-13}: a yearly pattern on a linear trend.
 * The test part climbs far above anything seen in training; the model must
 * still forecast it (the naive forecast is off by the whole seasonal
 * swing). */
TEST (RncForecast, ExtrapolatesSeasonalTrendBeyondTrainingRange)
{
  for (RncCell cell : { RNC_CELL_LSTM, RNC_CELL_RNN }) {
    std::vector<float> x (240);
    for (size_t t = 0; t < x.size (); t++)
      x[t] = 100.0f + 2.0f * t + 30.0f * std::sin (2 * M_PI * t / 12.0) +
          10.0f * std::cos (4 * M_PI * t / 12.0);
    size_t n_train = 168;
    RncForecastOptions o = quick_options (cell);
    RncForecastReport rep;
    g_autoptr (GError) err = nullptr;
    g_autoptr (RncModel) m = rnc_forecast_train (x.data (), n_train, 1, &o,
        nullptr, nullptr, &rep, &err);
    ASSERT_NE (m, nullptr) << err->message;
    /* the window holds the linear part's registers */
    EXPECT_GE (rnc_model_get_window (m), std::max (rep.lags, rep.base_lag));
    EXPECT_EQ (rep.register_units, std::max (rep.lags, rep.base_lag));
    double naive = 0.0;
    for (size_t t = n_train; t < x.size (); t++)
      naive = std::max (naive, (double) std::fabs (x[t] - x[t - 1]));
    double err_max = max_forecast_error (m, x, 1, n_train);
    std::printf ("    %s: largest error %.4g (naive %.4g), values up to %.0f"
        " (training up to %.0f)\n", rnc_cell_to_string (cell), err_max, naive,
        x.back (), x[n_train - 1]);
    EXPECT_LT (err_max, 0.01 * naive);
  }
}

/* Two columns forecast together: each output is the next value of its own
 * column, in raw units. */
TEST (RncForecast, ForecastsEveryColumn)
{
  const size_t n = 200, D = 2;
  std::vector<float> x (n * D);
  for (size_t t = 0; t < n; t++) {
    x[t * D] = std::sin (0.4 * t);
    x[t * D + 1] = 50.0f + 5.0f * std::cos (0.25 * t) + 0.1f * t;
  }
  RncForecastOptions o = quick_options (RNC_CELL_LSTM);
  o.window = 12;
  g_autoptr (GError) err = nullptr;
  RncForecastReport rep;
  g_autoptr (RncModel) m = rnc_forecast_train (x.data (), 160, D, &o, nullptr,
      nullptr, &rep, &err);
  ASSERT_NE (m, nullptr) << err->message;
  const RncModelConfig *c = rnc_model_get_config (m);
  EXPECT_EQ (c->input_size, 2u);
  EXPECT_EQ (c->output_size, 2u);
  /* the kept networks side by side, then the registers of both columns */
  EXPECT_EQ (c->hidden_size, (rep.network_kept ? o.ensemble * 8u : 0u) +
      2u * std::max (rep.lags, rep.base_lag));
  EXPECT_LT (max_forecast_error (m, x, D, 160), 0.02);
}

/* The model carries everything the element needs, and the scalar reference
 * path computes the same forecasts (the register units do not depend on
 * the BLAS path). */
TEST (RncForecast, ModelCarriesWindowAndScalingAndRunsOnReferencePath)
{
  std::vector<float> x (120);
  for (size_t t = 0; t < x.size (); t++)
    x[t] = 1000.0f + 50.0f * std::sin (0.5 * t) + t;
  RncForecastOptions o = quick_options (RNC_CELL_LSTM);
  o.num_layers = 2;
  g_autoptr (RncModel) m = rnc_forecast_train (x.data (), x.size (), 1, &o,
      nullptr, nullptr, nullptr, nullptr);
  ASSERT_NE (m, nullptr);
  size_t T = rnc_model_get_window (m);
  EXPECT_GE (T, 2u);
  EXPECT_EQ (std::to_string (T), rnc_model_get_metadata (m, "rnc.window"));
  ASSERT_NE (rnc_model_get_input_mean (m), nullptr);
  ASSERT_NE (rnc_model_get_output_std (m), nullptr);
  EXPECT_NEAR (rnc_model_get_input_mean (m)[0], 1000.0f + 59.5f, 2.0f);
  EXPECT_STREQ (rnc_model_get_metadata (m, "rnc.train.task"), "forecast");

  g_autoptr (RncState) st = rnc_state_new (m, 1, T);
  g_autoptr (RncState) st_ref = rnc_state_new (m, 1, T);
  std::vector<float> scratch (rnc_forecast_get_scratch_size (m));
  std::vector<float> win (x.end () - T, x.end ()), y_ref (T);
  float y;
  rnc_forecast_predict (m, st, win.data (), T, scratch.data (), &y);
  rnc_model_scale_input (m, win.data (), T);
  rnc_forward_ref (st_ref, win.data (), T, nullptr, y_ref.data ());
  rnc_model_unscale_output (m, &y_ref[T - 1], 1);
  EXPECT_NEAR (y, y_ref[T - 1], 1e-3f);
  float truth = 1000.0f + 50.0f * std::sin (0.5 * 120) + 120;
  EXPECT_NEAR (y, truth, 1.0f);
}

TEST (RncForecast, RejectsTooShortSeries)
{
  std::vector<float> x (10, 1.0f);
  RncForecastOptions o = quick_options (RNC_CELL_RNN);
  o.window = 8;
  g_autoptr (GError) err = nullptr;
  RncModel *m = rnc_forecast_train (x.data (), x.size (), 1, &o, nullptr,
      nullptr, nullptr, &err);
  EXPECT_EQ (m, nullptr);
  EXPECT_TRUE (g_error_matches (err, RNC_FORECAST_ERROR,
          RNC_FORECAST_ERROR_TOO_SHORT));
}

TEST (RncForecast, RejectsNonFiniteValueNamingTheFrame)
{
  std::vector<float> x (100, 1.0f);
  x[37] = NAN;
  RncForecastOptions o = quick_options (RNC_CELL_RNN);
  g_autoptr (GError) err = nullptr;
  RncModel *m = rnc_forecast_train (x.data (), x.size (), 1, &o, nullptr,
      nullptr, nullptr, &err);
  EXPECT_EQ (m, nullptr);
  ASSERT_NE (err, nullptr);
  EXPECT_NE (std::string (err->message).find ("frame 37"), std::string::npos)
      << err->message;
}

/* A constant column has no spread: scaling must not divide by zero. */
TEST (RncForecast, ConstantSeriesForecastsItself)
{
  std::vector<float> x (80, 42.0f);
  RncForecastOptions o = quick_options (RNC_CELL_LSTM);
  g_autoptr (RncModel) m = rnc_forecast_train (x.data (), x.size (), 1, &o,
      nullptr, nullptr, nullptr, nullptr);
  ASSERT_NE (m, nullptr);
  EXPECT_LT (max_forecast_error (m, x, 1, 60), 1e-3);
}

/* A chaotic series (a noisy logistic map) has no linear forecast; the
 * network must carry it, and the recipe must keep it. */
TEST (RncForecast, NetworkLearnsWhatTheLinearPartCannot)
{
  std::vector<float> x (600);
  RncRng rng;
  rnc_rng_init (&rng, 3);
  x[0] = 0.3f;
  for (size_t t = 1; t < x.size (); t++)
    x[t] = 3.8f * 0.98f * x[t - 1] * (1.0f - x[t - 1]) + 0.01f +
        0.005f * rnc_rng_normal (&rng);
  RncForecastOptions o;
  rnc_forecast_options_init (&o);
  o.hidden_size = 16;
  o.window = 8;
  o.train.epochs = 150;
  o.train.lr = 3e-3f;
  RncForecastReport rep;
  g_autoptr (GError) err = nullptr;
  g_autoptr (RncModel) m = rnc_forecast_train (x.data (), x.size (), 1, &o,
      nullptr, nullptr, &rep, &err);
  ASSERT_NE (m, nullptr) << err->message;
  std::printf ("    validation MSE: last value %.4f, linear %.4f, with network"
      " %.4f (%zu epochs)\n", rep.naive_val_mse, rep.linear_val_mse,
      rep.network_val_mse, rep.epochs_run);
  EXPECT_TRUE (rep.network_kept);
  EXPECT_LT (rep.network_val_mse, 0.2 * rep.linear_val_mse);
}

/* A short series of a fixed irregular yearly pattern with noise: "the
 * value a year ago" is the better base for the ridge-regularised linear part
 * (found from the training windows, chosen on the validation windows); a
 * random walk keeps the last value. */
TEST (RncForecast, LinearPartStartsFromTheSeasonWhenItRepeats)
{
  const float pattern[12] = { 3, -8, 5, 12, -2, -9, 7, 1, -12, 4, 10, -11 };
  RncRng rng;
  rnc_rng_init (&rng, 5);
  std::vector<float> season (84), walk (84);
  float level = 0.0f;
  for (size_t t = 0; t < season.size (); t++) {
    season[t] = 50.0f + 2.0f * pattern[t % 12] + rnc_rng_normal (&rng);
    level += rnc_rng_normal (&rng);
    walk[t] = level;
  }
  RncForecastOptions o = quick_options (RNC_CELL_LSTM);
  RncForecastReport rep;
  g_autoptr (GError) err = nullptr;
  const size_t n_train = 60;         /* short: the linear part needs a ridge */
  g_autoptr (RncModel) m = rnc_forecast_train (season.data (), n_train, 1,
      &o, nullptr, nullptr, &rep, &err);
  ASSERT_NE (m, nullptr) << err->message;
  /* the season: as the base, or among the least-squares AR's lags */
  std::printf ("    seasonal: base %zu, %zu lags, ridge %g (AIC order %zu)\n",
      rep.base_lag, rep.lags, rep.ridge, rep.aic_order);
  EXPECT_TRUE (rep.base_lag == 12u || rep.lags >= 12u);
  EXPECT_EQ (std::to_string (rep.base_lag),
      rnc_model_get_metadata (m, "rnc.train.base_lag"));
  /* within the noise (sd 1) of the pattern, where the last value is off by
   * the pattern's steps (up to 42) */
  double worst = max_forecast_error (m, season, 1, n_train);
  std::printf ("    seasonal: largest error %.3f\n", worst);
  EXPECT_LT (worst, 5.0);

  g_autoptr (RncModel) w = rnc_forecast_train (walk.data (), n_train, 1, &o,
      nullptr, nullptr, &rep, &err);
  ASSERT_NE (w, nullptr) << err->message;
  EXPECT_NE (rep.base_lag, 12u);
}

/* ---- the suite's tests: AIC AR reference, nonlinear gain, intervals,
 * global models ------------------------------------------------------------ */

namespace {

/* One-step MSE of @m (one column) on frames [from, n) of @x. */
double
model_mse (RncModel *m, const std::vector<float> &x, size_t from)
{
  size_t T = rnc_model_get_window (m);
  g_autoptr (RncState) st = rnc_state_new (m, 1, T);
  std::vector<float> scratch (rnc_forecast_get_scratch_size (m));
  double s = 0.0;
  for (size_t t = from; t < x.size (); t++) {
    float y;
    rnc_forecast_predict (m, st, &x[t - T], T, scratch.data (), &y);
    s += ((double) y - x[t]) * ((double) y - x[t]);
  }
  return s / (double) (x.size () - from);
}

double
ar_mse (const RncArModel *ar, const std::vector<float> &x, size_t from)
{
  double s = 0.0;
  for (size_t t = from; t < x.size (); t++) {
    float y;
    rnc_ar_predict (ar, x.data (), t, &y);
    s += ((double) y - x[t]) * ((double) y - x[t]);
  }
  return s / (double) (x.size () - from);
}

std::vector<float>
series (const char *kind, size_t n, guint64 seed)
{
  std::vector<float> x (n);
  EXPECT_TRUE (rnc_series_generate (kind, n, seed, x.data ()));
  return x;
}

/* Independent least squares: AR(p) with intercept on targets [start, n) of
 * @x by the normal equations and Gaussian elimination with pivoting;
 * returns SSE, coefficients (intercept, lag 1..p) in @coef. */
double
ols (const std::vector<float> &x, size_t p, size_t start,
    std::vector<double> &coef)
{
  size_t F = p + 1, n = x.size ();
  std::vector<double> A (F * (F + 1), 0.0), f (F);
  for (size_t t = start; t < n; t++) {
    f[0] = 1.0;
    for (size_t k = 1; k <= p; k++)
      f[k] = x[t - k];
    for (size_t i = 0; i < F; i++) {
      for (size_t j = 0; j < F; j++)
        A[i * (F + 1) + j] += f[i] * f[j];
      A[i * (F + 1) + F] += f[i] * x[t];
    }
  }
  for (size_t c = 0; c < F; c++) {
    size_t piv = c;
    for (size_t r = c + 1; r < F; r++)
      if (std::fabs (A[r * (F + 1) + c]) > std::fabs (A[piv * (F + 1) + c]))
        piv = r;
    for (size_t j = 0; j <= F; j++)
      std::swap (A[c * (F + 1) + j], A[piv * (F + 1) + j]);
    for (size_t r = 0; r < F; r++) {
      if (r == c)
        continue;
      double g = A[r * (F + 1) + c] / A[c * (F + 1) + c];
      for (size_t j = c; j <= F; j++)
        A[r * (F + 1) + j] -= g * A[c * (F + 1) + j];
    }
  }
  coef.assign (F, 0.0);
  for (size_t i = 0; i < F; i++)
    coef[i] = A[i * (F + 1) + F] / A[i * (F + 1) + i];
  double sse = 0.0;
  for (size_t t = start; t < n; t++) {
    double y = coef[0];
    for (size_t k = 1; k <= p; k++)
      y += coef[k] * x[t - k];
    sse += (x[t] - y) * (x[t] - y);
  }
  return sse;
}

} // namespace

/* The reference model: its order is the AIC minimum of independent
 * least-squares fits on the common sample, and its forecast that fit's. */
TEST (RncForecast, AicArMatchesIndependentLeastSquares)
{
  for (const char *kind : { "ar", "setar" }) {
    std::vector<float> x = series (kind, 400, 7);
    size_t pmax = (size_t) std::floor (10.0 * std::log10 (400.0));
    size_t best_p = 0;
    double best = INFINITY;
    std::vector<double> coef;
    for (size_t p = 0; p <= pmax; p++) {
      double N = (double) (x.size () - pmax);
      double aic = N * std::log (ols (x, p, pmax, coef) / N) + 2.0 * (p + 1);
      if (aic < best) {
        best = aic;
        best_p = p;
      }
    }
    g_autoptr (GError) err = nullptr;
    g_autoptr (RncArModel) ar = rnc_ar_fit_aic (x.data (), x.size (), 1, 0,
        &err);
    ASSERT_NE (ar, nullptr) << err->message;
    std::printf ("    %s: AIC order %zu (independent %zu)\n", kind, ar->order,
        best_p);
    EXPECT_EQ (ar->order, best_p);
    ols (x, best_p, best_p, coef);
    double want = coef[0];
    for (size_t k = 1; k <= best_p; k++)
      want += coef[k] * x[x.size () - k];
    float y;
    rnc_ar_predict (ar, x.data (), x.size (), &y);
    EXPECT_NEAR (y, want, 1e-4 * (1.0 + std::fabs (want)));
  }
}

/* A short threshold AR: the network must be kept and beat the least-squares
 * AR of AIC order by 10% on held-out data; and the model file (the K
 * networks packed block-diagonally beside the registers, the head
 * averaging them) must forecast the held-out windows exactly as the
 * separately evaluated ensemble did (the report's MSE). */
TEST (RncForecast, SetarNetworkBeatsAicArOnHeldOutData)
{
  const size_t n_train = 600, n_test = 300;
  std::vector<float> x = series ("setar", n_train + n_test, 11);
  g_autoptr (GError) err = nullptr;
  g_autoptr (RncArModel) ar = rnc_ar_fit_aic (x.data (), n_train, 1, 0,
      &err);
  ASSERT_NE (ar, nullptr) << err->message;
  RncForecastOptions o;
  rnc_forecast_options_init (&o);
  RncForecastReport rep;
  g_autoptr (RncModel) m = rnc_forecast_train (x.data (), n_train, 1, &o,
      nullptr, nullptr, &rep, &err);
  ASSERT_NE (m, nullptr) << err->message;
  double m_mse = model_mse (m, x, n_train), a_mse = ar_mse (ar, x, n_train);
  std::printf ("    held-out MSE: AIC AR(%zu) %.4f, model %.4f (%+.1f%%); "
      "validation gain %.1f%%, network %s, %.1f s CPU\n", ar->order, a_mse,
      m_mse, 100.0 * (m_mse / a_mse - 1.0), 100.0 * rep.network_gain,
      rep.network_kept ? "kept" : "dropped", rep.cpu_seconds);
  EXPECT_TRUE (rep.network_kept);
  EXPECT_STREQ (rnc_model_get_metadata (m, "rnc.train.network_kept"), "true");
  EXPECT_LE (m_mse, 0.9 * a_mse);

  /* the training part's held-out windows, in scaled units */
  std::vector<float> head (x.begin (), x.begin () + n_train);
  double sd = rnc_model_get_output_std (m)[0];
  double v = model_mse (m, head, n_train - rep.n_val) / (sd * sd);
  /* the second half calibrates the intervals (the first stopped the
   * training early) */
  EXPECT_EQ (rep.calibration_points, rep.n_val - rep.n_val / 2);
  std::printf ("    held-out windows: model file %.6f, report %.6f\n", v,
      rep.network_val_mse);
  EXPECT_NEAR (v, rep.network_val_mse, 1e-3 * rep.network_val_mse);
}

/* On a linear AR the linear part is the AIC AR (within a few %), and the
 * network, kept or not, does not make it worse. */
TEST (RncForecast, LinearSeriesLinearPartMatchesAicAr)
{
  const size_t n_train = 600, n_test = 400;
  std::vector<float> x = series ("ar", n_train + n_test, 12);
  g_autoptr (GError) err = nullptr;
  g_autoptr (RncArModel) ar = rnc_ar_fit_aic (x.data (), n_train, 1, 0,
      &err);
  ASSERT_NE (ar, nullptr) << err->message;
  double a_mse = ar_mse (ar, x, n_train);
  RncForecastOptions o;
  rnc_forecast_options_init (&o);
  o.ensemble = 0;
  RncForecastReport rep;
  g_autoptr (RncModel) lin = rnc_forecast_train (x.data (), n_train, 1, &o,
      nullptr, nullptr, &rep, &err);
  ASSERT_NE (lin, nullptr) << err->message;
  double l_mse = model_mse (lin, x, n_train);
  rnc_forecast_options_init (&o);
  g_autoptr (RncModel) m = rnc_forecast_train (x.data (), n_train, 1, &o,
      nullptr, nullptr, &rep, &err);
  ASSERT_NE (m, nullptr) << err->message;
  double m_mse = model_mse (m, x, n_train);
  std::printf ("    held-out MSE: AIC AR(%zu) %.4f, linear part (%zu lags) "
      "%.4f, model %.4f (network %s)\n", ar->order, a_mse, rep.lags, l_mse,
      m_mse, rep.network_kept ? "kept" : "dropped");
  EXPECT_LT (l_mse, 1.03 * a_mse);
  EXPECT_LT (m_mse, 1.03 * a_mse);
}

/* rnc.residual_quantiles follows the contract, rnc_forecast_interval reads
 * it as an independent parse says, and 80% intervals cover about 80% of
 * held-out values. */
TEST (RncForecast, IntervalsFromResidualQuantiles)
{
  const size_t n_train = 600, n_test = 400;
  std::vector<float> x = series ("ar", n_train + n_test, 13);
  RncForecastOptions o;
  rnc_forecast_options_init (&o);
  o.ensemble = 0;
  g_autoptr (GError) err = nullptr;
  g_autoptr (RncModel) m = rnc_forecast_train (x.data (), n_train, 1, &o,
      nullptr, nullptr, nullptr, &err);
  ASSERT_NE (m, nullptr) << err->message;
  const char *text = rnc_model_get_metadata (m, "rnc.residual_quantiles");
  ASSERT_NE (text, nullptr);
  g_autoptr (JsonParser) p = json_parser_new ();
  ASSERT_TRUE (json_parser_load_from_data (p, text, -1, nullptr));
  JsonObject *obj = json_node_get_object (json_parser_get_root (p));
  JsonArray *probs = json_object_get_array_member (obj, "probs");
  JsonArray *q = json_object_get_array_member (obj, "q");
  ASSERT_EQ (json_array_get_length (probs), 99u);
  ASSERT_EQ (json_array_get_length (q), 1u);
  JsonArray *q0 = json_array_get_array_element (q, 0);
  ASSERT_EQ (json_array_get_length (q0), 99u);
  for (guint i = 0; i < 99; i++) {
    EXPECT_NEAR (json_array_get_double_element (probs, i), (i + 1) / 100.0,
        1e-7);
    if (i) {
      EXPECT_GE (json_array_get_double_element (q0, i),
          json_array_get_double_element (q0, i - 1));
    }
  }
  /* 0.1 and 0.9 are grid points 9 and 89; quantiles are in model units */
  double sd = rnc_model_get_output_std (m)[0];
  double qlo = json_array_get_double_element (q0, 9);
  double qhi = json_array_get_double_element (q0, 89);
  EXPECT_LT (qlo, 0.0);
  EXPECT_GT (qhi, 0.0);
  float pred = 3.0f, lo, hi;
  ASSERT_TRUE (rnc_forecast_interval (m, 0.8, &pred, &lo, &hi, &err));
  EXPECT_NEAR (lo, 3.0 + sd * qlo, 1e-4);
  EXPECT_NEAR (hi, 3.0 + sd * qhi, 1e-4);
  /* 0.85 lies between grid points 0.07 / 0.08 and 0.92 / 0.93 */
  double q7 = json_array_get_double_element (q0, 6);
  double q8 = json_array_get_double_element (q0, 7);
  ASSERT_TRUE (rnc_forecast_interval (m, 0.85, &pred, &lo, &hi, &err));
  EXPECT_NEAR (lo, 3.0 + sd * (q7 + 0.5 * (q8 - q7)), 1e-4);

  size_t T = rnc_model_get_window (m), hits = 0;
  g_autoptr (RncState) st = rnc_state_new (m, 1, T);
  std::vector<float> scratch (rnc_forecast_get_scratch_size (m));
  for (size_t t = n_train; t < x.size (); t++) {
    float y;
    rnc_forecast_predict (m, st, &x[t - T], T, scratch.data (), &y);
    ASSERT_TRUE (rnc_forecast_interval (m, 0.8, &y, &lo, &hi, nullptr));
    hits += x[t] >= lo && x[t] <= hi;
  }
  double cover = (double) hits / (double) n_test;
  std::printf ("    80%% intervals cover %.1f%% of %zu held-out values\n",
      100.0 * cover, n_test);
  EXPECT_GT (cover, 0.72);
  EXPECT_LT (cover, 0.88);

  /* tails outside the grid, and a model without calibration */
  g_clear_error (&err);
  EXPECT_FALSE (rnc_forecast_interval (m, 0.995, &pred, &lo, &hi, &err));
  EXPECT_TRUE (g_error_matches (err, RNC_FORECAST_ERROR,
          RNC_FORECAST_ERROR_INVALID));
  g_clear_error (&err);
  rnc_model_set_metadata (m, "rnc.residual_quantiles", "{\"probs\":[0.5]}");
  EXPECT_FALSE (rnc_forecast_interval (m, 0.8, &pred, &lo, &hi, &err));
  g_clear_error (&err);
  g_autoptr (RncModel) bare = rnc_model_copy (m);
  rnc_model_set_metadata (bare, "rnc.residual_quantiles", nullptr);
  EXPECT_FALSE (rnc_forecast_interval (bare, 0.8, &pred, &lo, &hi, &err));
  EXPECT_TRUE (g_error_matches (err, RNC_FORECAST_ERROR,
          RNC_FORECAST_ERROR_NO_CALIBRATION));
}

/* Hostile metadata of a global model (issue 13's bugs 2 and 3 in the keys
 * a global forecaster reads): nesting that would overflow json-glib's
 * stack is refused before json-glib sees it, and per-series scaling is
 * checked as the floats it becomes. The same for rnc.residual_quantiles
 * through rnc_forecast_interval. */
TEST (RncForecast, RefusesHostileSeriesAndCalibrationMetadata)
{
  RncModelConfig c = {};
  c.cell = RNC_CELL_LSTM;
  c.input = RNC_INPUT_DENSE;
  c.head = RNC_HEAD_REGRESSION;
  c.input_size = 1;
  c.hidden_size = 4;
  c.num_layers = 1;
  c.output_size = 1;
  g_autoptr (RncModel) m = rnc_model_new (&c, nullptr);
  ASSERT_NE (m, nullptr);
  const std::string deep (100000, '[');
  g_autoptr (GError) err = nullptr;
  size_t idx = 7;

  /* rnc.series: deep nesting, hidden or not, and text that is not JSON */
  for (const std::string &t : { deep, "[\"a\", '\"', " + deep,
          std::string ("[\"a\"] [\"b\"]"), std::string ("[\"a\", /* */ \"b\"]") }) {
    rnc_model_set_metadata (m, "rnc.series", t.c_str ());
    EXPECT_EQ (rnc_forecast_get_n_series (m), 0u) << t.substr (0, 40);
    EXPECT_FALSE (rnc_forecast_find_series (m, "a", &idx, &err))
        << t.substr (0, 40);
    ASSERT_NE (err, nullptr);
    EXPECT_TRUE (g_error_matches (err, RNC_FORECAST_ERROR,
            RNC_FORECAST_ERROR_INVALID));
    EXPECT_NE (std::string (err->message).find ("rnc.series"),
        std::string::npos) << err->message;
    g_clear_error (&err);
    EXPECT_FALSE (rnc_forecast_check_series (m, &err)) << t.substr (0, 40);
    ASSERT_NE (err, nullptr);
    g_clear_error (&err);
  }
  for (const char *t : { "[]", "[\"a\", 1]", "[[\"a\"]]", "{\"a\": 1}" }) {
    rnc_model_set_metadata (m, "rnc.series", t);
    EXPECT_FALSE (rnc_forecast_check_series (m, &err)) << t;
    ASSERT_NE (err, nullptr) << t;
    EXPECT_NE (std::string (err->message).find ("rnc.series"),
        std::string::npos) << err->message;
    g_clear_error (&err);
  }
  rnc_model_set_metadata (m, "rnc.series", nullptr);
  EXPECT_TRUE (rnc_forecast_check_series (m, nullptr));

  /* per-series scaling, checked as float: underflow to 0 or a subnormal
   * std, overflow to inf, deep nesting */
  rnc_model_set_metadata (m, "rnc.series", "[\"a\", \"b\"]");
  float mean, sd;
  struct { const char *mean, *std; } bad[] = {
    { "[0, 0]", "[1, 1e-50]" }, { "[0, 0]", "[1, 1e-40]" },
    { "[0, 0]", "[1, 1e39]" }, { "[0, -1e39]", "[1, 1]" },
    { "[0, 0]", deep.c_str () }, { deep.c_str (), "[1, 1]" },
  };
  rnc_model_set_metadata (m, "rnc.series_mean", "[0, 5]");
  rnc_model_set_metadata (m, "rnc.series_std", "[1, 2]");
  ASSERT_TRUE (rnc_forecast_get_series_scaling (m, 1, &mean, &sd, &err))
      << err->message;
  EXPECT_EQ (mean, 5.0f);
  EXPECT_EQ (sd, 2.0f);
  EXPECT_TRUE (rnc_forecast_check_series (m, nullptr));
  float means[2], sds[2];
  ASSERT_TRUE (rnc_forecast_get_series_scalings (m, 0, 2, means, sds, &err))
      << err->message;
  EXPECT_EQ (means[0], 0.0f);
  EXPECT_EQ (sds[0], 1.0f);
  EXPECT_EQ (means[1], 5.0f);
  EXPECT_EQ (sds[1], 2.0f);
  EXPECT_FALSE (rnc_forecast_get_series_scalings (m, 1, 2, means, sds,
          nullptr));
  for (const auto &b : bad) {
    rnc_model_set_metadata (m, "rnc.series_mean", b.mean);
    rnc_model_set_metadata (m, "rnc.series_std", b.std);
    EXPECT_FALSE (rnc_forecast_get_series_scaling (m, 1, &mean, &sd, &err))
        << std::string (b.mean).substr (0, 20) << " "
        << std::string (b.std).substr (0, 20);
    ASSERT_NE (err, nullptr);
    EXPECT_NE (std::string (err->message).find ("rnc.series_"),
        std::string::npos) << err->message;
    g_clear_error (&err);
    EXPECT_FALSE (rnc_forecast_check_series (m, nullptr));
  }

  /* rnc.residual_quantiles through rnc_forecast_interval */
  float pred = 1.0f, lo, hi;
  for (const std::string &t : { "{\"probs\": '\"', \"q\": " + deep,
          std::string ("{\"probs\": [0.1, 0.9], \"q\": [[-1, 1]]} [1]") }) {
    rnc_model_set_metadata (m, "rnc.residual_quantiles", t.c_str ());
    EXPECT_FALSE (rnc_forecast_interval (m, 0.8, &pred, &lo, &hi, &err));
    ASSERT_NE (err, nullptr);
    EXPECT_TRUE (g_error_matches (err, RNC_FORECAST_ERROR,
            RNC_FORECAST_ERROR_INVALID)) << err->message;
    g_clear_error (&err);
  }
  rnc_model_set_metadata (m, "rnc.residual_quantiles",
      "{\"probs\": [0.1, 0.9], \"q\": [[-1, 1]]}");
  ASSERT_TRUE (rnc_forecast_interval (m, 0.8, &pred, &lo, &hi, &err))
      << err->message;
  EXPECT_EQ (lo, 0.0f);
  EXPECT_EQ (hi, 2.0f);
}

/* One model over three series of very different scales: each gets its own
 * scaling (selected by name or index) and is forecast as well as its
 * process allows. */
TEST (RncForecast, GlobalModelScalesEachSeries)
{
  const size_t n = 300;
  const double offset[3] = { 0.0, 1000.0, -5.0 }, scale[3] = { 1.0, 50.0,
    0.01 };
  std::vector<std::vector<float>> xs;
  for (size_t s = 0; s < 3; s++) {
    std::vector<float> x = series ("ar", n, 21 + s);
    for (float &v : x)
      v = (float) (offset[s] + scale[s] * v);
    xs.push_back (x);
  }
  const float *list[3] = { xs[0].data (), xs[1].data (), xs[2].data () };
  size_t lengths[3] = { n, n, n };
  const char *names[3] = { "a", "b", "c" };
  RncForecastOptions o;
  rnc_forecast_options_init (&o);
  o.ensemble = 0;
  g_autoptr (GError) err = nullptr;
  g_autoptr (RncModel) m = rnc_forecast_train_many (list, lengths, 3, 1,
      names, &o, nullptr, nullptr, nullptr, &err);
  ASSERT_NE (m, nullptr) << err->message;
  EXPECT_STREQ (rnc_model_get_metadata (m, "rnc.series"),
      "[\"a\",\"b\",\"c\"]");
  EXPECT_EQ (rnc_forecast_get_n_series (m), 3u);
  size_t idx = 9;
  EXPECT_TRUE (rnc_forecast_find_series (m, "b", &idx, &err));
  EXPECT_EQ (idx, 1u);
  EXPECT_TRUE (rnc_forecast_find_series (m, "2", &idx, &err));
  EXPECT_EQ (idx, 2u);
  EXPECT_FALSE (rnc_forecast_find_series (m, "zz", &idx, &err));
  ASSERT_NE (err, nullptr);
  EXPECT_NE (std::string (err->message).find ("'zz'"), std::string::npos);
  g_clear_error (&err);
  EXPECT_FALSE (rnc_forecast_select_series (m, 3, &err));
  g_clear_error (&err);

  for (size_t s = 0; s < 3; s++) {
    ASSERT_TRUE (rnc_forecast_select_series (m, s, &err)) << err->message;
    double mean = 0.0;
    for (float v : xs[s])
      mean += v;
    mean /= (double) n;
    EXPECT_NEAR (rnc_model_get_input_mean (m)[0], mean, 1e-4 * scale[s] +
        1e-5 * std::fabs (mean));
    /* the AR(3) noise has variance 1 in the generator's units */
    double v = model_mse (m, xs[s], n - 100) / (scale[s] * scale[s]);
    std::printf ("    series %s: one-step MSE / scale^2 = %.3f\n", names[s],
        v);
    EXPECT_GT (v, 0.6);
    EXPECT_LT (v, 1.5);
  }
}
