/* The forecasting recipe: its model file, run through the inference path as
 * the elements run it (window, scaling), forecasts series whose next values
 * are known exactly, including beyond the training range. */
#include "rnc-test-util.h"

#include "rnc.h"

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
    EXPECT_EQ (rnc_model_get_window (m), 24u);
    EXPECT_EQ (rep.register_units, 24u);
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
  g_autoptr (RncModel) m = rnc_forecast_train (x.data (), 160, D, &o, nullptr,
      nullptr, nullptr, &err);
  ASSERT_NE (m, nullptr) << err->message;
  const RncModelConfig *c = rnc_model_get_config (m);
  EXPECT_EQ (c->input_size, 2u);
  EXPECT_EQ (c->output_size, 2u);
  EXPECT_EQ (c->hidden_size, 8u + 24u);
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
  EXPECT_EQ (T, 24u);
  EXPECT_STREQ (rnc_model_get_metadata (m, "rnc.window"), "24");
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
  EXPECT_EQ (rep.base_lag, 12u);
  EXPECT_STREQ (rnc_model_get_metadata (m, "rnc.train.base_lag"), "12");
  /* within the noise (sd 1) of the pattern, where the last value is off by
   * the pattern's steps (up to 42) */
  double worst = max_forecast_error (m, season, 1, n_train);
  std::printf ("    seasonal: largest error %.3f\n", worst);
  EXPECT_LT (worst, 5.0);

  g_autoptr (RncModel) w = rnc_forecast_train (walk.data (), n_train, 1, &o,
      nullptr, nullptr, &rep, &err);
  ASSERT_NE (w, nullptr) << err->message;
  EXPECT_EQ (rep.base_lag, 1u);
}
