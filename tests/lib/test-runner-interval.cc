/* output=interval of the stream runner (lib/rnc-runner.c): the bounds
 * against a scalar formula over residual quantiles written here from known
 * distributions, the middle block against output=prediction bit for bit,
 * and the errors (no calibration, a level outside the grid, malformed
 * metadata, a head that is not a regression). */
#include "rnc-test-util.h"

#include "rnc.h"

#include <cmath>
#include <cstring>
#include <functional>
#include <string>

using rnc_test::random_model;

namespace {

/* Two residual distributions in model units, as quantile functions:
 * uniform on [-1, 1] and a skewed cubic. */
double
q0 (double p)
{
  return 2 * p - 1;
}

double
q1 (double p)
{
  return 3 * std::pow (p - 0.5, 3) + 0.4 * (p - 0.5) + 0.05;
}

/* The contract's grid: 0.01 .. 0.99 step 0.01. */
std::vector<double>
grid ()
{
  std::vector<double> p;
  for (int i = 1; i <= 99; i++)
    p.push_back (i / 100.0);
  return p;
}

std::string
quantiles_json (const std::vector<double> &probs,
    const std::vector<std::function<double (double)>> &rows)
{
  std::string s = "{\"probs\": [";
  char b[64];
  for (size_t i = 0; i < probs.size (); i++) {
    g_ascii_formatd (b, sizeof b, "%.17g", probs[i]);
    s += (i ? ", " : "") + std::string (b);
  }
  s += "], \"q\": [";
  for (size_t j = 0; j < rows.size (); j++) {
    s += j ? ", [" : "[";
    for (size_t i = 0; i < probs.size (); i++) {
      g_ascii_formatd (b, sizeof b, "%.17g", rows[j] (probs[i]));
      s += (i ? ", " : "") + std::string (b);
    }
    s += "]";
  }
  return s + "]}";
}

/* The stored quantile function of row @f at @p: linear between grid
 * points, written out independently of the runner's search. */
double
interp (const std::vector<double> &probs, const std::function<double (
        double)> &f, double p)
{
  for (size_t i = 0; i + 1 < probs.size (); i++)
    if (p >= probs[i] && p <= probs[i + 1]) {
      double w = (p - probs[i]) / (probs[i + 1] - probs[i]);
      return f (probs[i]) * (1 - w) + f (probs[i + 1]) * w;
    }
  return NAN;
}

/* A regression LSTM (D = 1, Q = 2) with output scaling std {2, 0.5}. */
RncModel *
calibrated_model (bool with_quantiles)
{
  RncModel *m = random_model (RNC_CELL_LSTM, RNC_INPUT_DENSE, 1, 0, 6, 1,
      RNC_HEAD_REGRESSION, 2, 21, 0.6f);
  const float om[] = { 10.0f, -3.0f }, os[] = { 2.0f, 0.5f };
  const float im[] = { 1.0f }, is[] = { 4.0f };
  rnc_model_set_output_scaling (m, om, os);
  rnc_model_set_input_scaling (m, im, is);
  if (with_quantiles)
    rnc_model_set_metadata (m, "rnc.residual_quantiles",
        quantiles_json (grid (), { q0, q1 }).c_str ());
  return m;
}

/* Runs @x through a runner of @kind (window @window) in pieces of 7. */
std::vector<float>
run (RncModel *m, RncOutputKind kind, size_t window, double level,
    const std::vector<float> &x)
{
  RncState *st = rnc_state_new (m, 1, 5);
  GError *err = nullptr;
  RncRunner *r = rnc_runner_new (st, kind, window, &err);
  EXPECT_NE (r, nullptr) << err->message;
  if (!r)
    return {};
  if (kind == RNC_OUTPUT_INTERVAL) {
    EXPECT_TRUE (rnc_runner_set_interval (r, level, &err)) << err->message;
  }
  size_t W = rnc_runner_get_output_width (r);
  std::vector<float> out (x.size () * W);
  size_t total = 0;
  for (size_t t0 = 0; t0 < x.size (); t0 += 7) {
    size_t n = std::min ((size_t) 7, x.size () - t0), n_out = 0;
    EXPECT_TRUE (rnc_runner_process (r, x.data () + t0, n,
            out.data () + total * W, &n_out, nullptr));
    total += n_out;
  }
  out.resize (total * W);
  rnc_runner_free (r);
  rnc_state_free (st);
  return out;
}

} // namespace

class RncRunnerInterval : public ::testing::TestWithParam<
    std::tuple<size_t, double>> {};

TEST_P (RncRunnerInterval, BoundsArePredictionPlusScaledQuantiles)
{
  auto [window, level] = GetParam ();
  const size_t Q = 2;
  RncModel *m = calibrated_model (true);
  auto x = rnc_test::normal_vec (60, 22);
  std::vector<float> pred = run (m, RNC_OUTPUT_PREDICTION, window, 0, x);
  std::vector<float> iv = run (m, RNC_OUTPUT_INTERVAL, window, level, x);
  size_t n = pred.size () / Q;
  ASSERT_GT (n, 0u);
  ASSERT_EQ (iv.size (), n * 3 * Q);
  const double s[] = { 2.0, 0.5 };
  std::function<double (double)> f[] = { q0, q1 };
  auto probs = grid ();
  double plo = (1 - level) / 2, phi = (1 + level) / 2, worst = 0;
  for (size_t t = 0; t < n; t++)
    for (size_t j = 0; j < Q; j++) {
      const float *row = &iv[t * 3 * Q];
      /* the middle block is output=prediction, bit for bit */
      EXPECT_EQ (std::memcmp (&row[Q + j], &pred[t * Q + j], 4), 0);
      double lo = pred[t * Q + j] + s[j] * interp (probs, f[j], plo);
      double hi = pred[t * Q + j] + s[j] * interp (probs, f[j], phi);
      worst = std::max (worst, std::fabs (row[j] - lo) / (1 + std::fabs (lo)));
      worst = std::max (worst, std::fabs (row[2 * Q + j] - hi) /
          (1 + std::fabs (hi)));
      /* (a skewed residual may put both bounds above the prediction) */
      EXPECT_LE (row[j], row[2 * Q + j]);
    }
  EXPECT_LT (worst, 1e-6) << "largest relative difference " << worst;
  rnc_model_free (m);
}

INSTANTIATE_TEST_SUITE_P (Levels, RncRunnerInterval, ::testing::Combine (
        ::testing::Values ((size_t) 0, (size_t) 5),
        ::testing::Values (0.8, 0.5, 0.85, 0.98, 0.123)));

/* On the uniform residual the bounds are exact: pred -/+ s * level. */
TEST (RncRunnerIntervalCheck, UniformResidualGivesPredictionPlusMinusLevel)
{
  RncModel *m = calibrated_model (true);
  auto x = rnc_test::normal_vec (20, 23);
  std::vector<float> iv = run (m, RNC_OUTPUT_INTERVAL, 0, 0.8, x);
  ASSERT_EQ (iv.size (), 20u * 6);
  for (size_t t = 0; t < 20; t++) {
    EXPECT_NEAR (iv[t * 6 + 0], iv[t * 6 + 2] - 1.6, 1e-5);
    EXPECT_NEAR (iv[t * 6 + 4], iv[t * 6 + 2] + 1.6, 1e-5);
  }
  RncState *st = rnc_state_new (m, 1, 0);
  RncRunner *r = rnc_runner_new (st, RNC_OUTPUT_INTERVAL, 0, nullptr);
  EXPECT_EQ (rnc_runner_get_output_width (r), 6u);
  EXPECT_EQ (rnc_runner_get_interval (r), RNC_RUNNER_DEFAULT_INTERVAL);
  /* the last output (emit=buffer) is the last row */
  size_t n_out = 0;
  std::vector<float> out (20 * 6);
  ASSERT_TRUE (rnc_runner_process (r, x.data (), 20, out.data (), &n_out,
          nullptr));
  float last[6];
  ASSERT_TRUE (rnc_runner_last_output (r, last));
  EXPECT_EQ (std::memcmp (last, &out[19 * 6], sizeof last), 0);
  rnc_runner_free (r);
  rnc_state_free (st);
  rnc_model_free (m);
}

TEST (RncRunnerIntervalCheck, RejectsAModelWithoutCalibration)
{
  RncModel *m = calibrated_model (false);
  RncState *st = rnc_state_new (m, 1, 0);
  GError *err = nullptr;
  EXPECT_EQ (rnc_runner_new (st, RNC_OUTPUT_INTERVAL, 0, &err), nullptr);
  ASSERT_NE (err, nullptr);
  EXPECT_TRUE (g_error_matches (err, RNC_RUNNER_ERROR,
          RNC_RUNNER_ERROR_CALIBRATION));
  EXPECT_NE (std::string (err->message).find ("no interval calibration "
          "(rnc.residual_quantiles); train it with rnc-train forecast"),
      std::string::npos) << err->message;
  g_clear_error (&err);
  rnc_state_free (st);
  rnc_model_free (m);
}

TEST (RncRunnerIntervalCheck, RejectsLevelsOutsideTheGrid)
{
  RncModel *m = calibrated_model (true);
  RncState *st = rnc_state_new (m, 1, 0);
  RncRunner *r = rnc_runner_new (st, RNC_OUTPUT_INTERVAL, 0, nullptr);
  ASSERT_NE (r, nullptr);
  for (double level : { 0.995, 0.999, 0.0, 1.0, -0.5, (double) NAN }) {
    GError *err = nullptr;
    EXPECT_FALSE (rnc_runner_set_interval (r, level, &err)) << level;
    ASSERT_NE (err, nullptr);
    EXPECT_TRUE (g_error_matches (err, RNC_RUNNER_ERROR,
            RNC_RUNNER_ERROR_CALIBRATION));
    g_clear_error (&err);
  }
  /* 0.98 needs 0.01 and 0.99: the grid's ends */
  EXPECT_TRUE (rnc_runner_set_interval (r, 0.98, nullptr));
  rnc_runner_free (r);
  rnc_state_free (st);
  rnc_model_free (m);
}

TEST (RncRunnerIntervalCheck, RejectsMalformedCalibration)
{
  const char *bad[] = {
    "", "[]", "{}", "{\"probs\": [0.1, 0.9]}",
    "{\"probs\": [0.1, 0.9], \"q\": [[-1, 1]]}",            /* one row, Q = 2 */
    "{\"probs\": [0.1, 0.9], \"q\": [[-1, 1], [1, -1]]}",   /* descending */
    "{\"probs\": [0.9, 0.1], \"q\": [[-1, 1], [-1, 1]]}",
    "{\"probs\": [0, 0.9], \"q\": [[-1, 1], [-1, 1]]}",
    "{\"probs\": [0.1, 1], \"q\": [[-1, 1], [-1, 1]]}",
    "{\"probs\": [0.1, 0.9], \"q\": [[-1, \"1\"], [-1, 1]]}",
    "{\"probs\": [0.1, 0.9], \"q\": [[-1, 1e999], [-1, 1]]}",
    "{\"probs\": [0.1, 0.9], \"q\": [[-1, 1, 2], [-1, 1, 2]]}",
    "{\"probs\": [[[[[[[[0.1]]]]]]]], \"q\": []}",
    "{\"probs\": [0.1, 0.9], \"q\": [[-1, 1], [-1, 1]]",    /* truncated */
    "{\"probs\": [0.5], \"q\": [[0], [0]]}",
  };
  for (const char *text : bad) {
    RncModel *m = calibrated_model (false);
    rnc_model_set_metadata (m, "rnc.residual_quantiles", text);
    RncState *st = rnc_state_new (m, 1, 0);
    GError *err = nullptr;
    EXPECT_EQ (rnc_runner_new (st, RNC_OUTPUT_INTERVAL, 0, &err), nullptr)
        << text;
    ASSERT_NE (err, nullptr) << text;
    EXPECT_TRUE (g_error_matches (err, RNC_RUNNER_ERROR,
            RNC_RUNNER_ERROR_CALIBRATION)) << text;
    EXPECT_NE (std::string (err->message).find ("rnc.residual_quantiles"),
        std::string::npos) << err->message;
    g_clear_error (&err);
    rnc_state_free (st);
    rnc_model_free (m);
  }
}

TEST (RncRunnerIntervalCheck, RejectsAClassesHead)
{
  RncModel *m = random_model (RNC_CELL_RNN, RNC_INPUT_INDEX, 5, 0, 4, 1,
      RNC_HEAD_CLASSES, 5, 1, 0.5f);
  RncState *st = rnc_state_new (m, 1, 0);
  GError *err = nullptr;
  EXPECT_EQ (rnc_runner_new (st, RNC_OUTPUT_INTERVAL, 0, &err), nullptr);
  ASSERT_NE (err, nullptr);
  EXPECT_TRUE (g_error_matches (err, RNC_RUNNER_ERROR,
          RNC_RUNNER_ERROR_OUTPUT)) << err->message;
  g_clear_error (&err);
  rnc_state_free (st);
  rnc_model_free (m);
}

/* Two streams side by side: each stream's [lo, pred, hi] block is what a
 * runner of one stream gives that stream alone, bit for bit. */
TEST (RncRunnerIntervalCheck, StreamsEqualSingleRuns)
{
  RncModel *m = calibrated_model (true);
  const size_t T = 30, N = 2;
  auto a = rnc_test::normal_vec (T, 24), b = rnc_test::normal_vec (T, 25);
  std::vector<float> x (T * N);
  for (size_t t = 0; t < T; t++) {
    x[t * N] = a[t];
    x[t * N + 1] = b[t];
  }
  std::vector<float> ia = run (m, RNC_OUTPUT_INTERVAL, 0, 0.7, a);
  std::vector<float> ib = run (m, RNC_OUTPUT_INTERVAL, 0, 0.7, b);
  RncState *st = rnc_state_new (m, N, 1);
  GError *err = nullptr;
  RncRunner *r = rnc_runner_new (st, RNC_OUTPUT_INTERVAL, 0, &err);
  ASSERT_NE (r, nullptr) << err->message;
  ASSERT_TRUE (rnc_runner_set_interval (r, 0.7, nullptr));
  ASSERT_EQ (rnc_runner_get_output_width (r), N * 6);
  std::vector<float> out (T * N * 6);
  size_t n_out = 0;
  ASSERT_TRUE (rnc_runner_process (r, x.data (), T, out.data (), &n_out,
          nullptr));
  ASSERT_EQ (n_out, T);
  for (size_t t = 0; t < T; t++) {
    EXPECT_EQ (std::memcmp (&out[t * 12], &ia[t * 6], 24), 0) << t;
    EXPECT_EQ (std::memcmp (&out[t * 12 + 6], &ib[t * 6], 24), 0) << t;
  }
  rnc_runner_free (r);
  rnc_state_free (st);
  rnc_model_free (m);
}
