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
  /* hostile texts (issue 13): nesting hidden from a scan that only knows
   * double-quoted strings (json-glib recurses once per level), and what
   * json-glib accepts but JSON is not */
  std::vector<std::string> texts (std::begin (bad), std::end (bad));
  texts.push_back ("{\"probs\": '\"', \"q\": " + std::string (100000, '['));
  texts.push_back ("{\"probs\": /* \" */ [0.1, 0.9], \"q\": "
      + std::string (100000, '['));
  texts.push_back ("{\"probs\": [0.1, 0.9], \"q\": [[-1, 1], [-1, 1]]}"
      " [\"x\"]");
  texts.push_back ("{\"probs\": [0.1, 0.9], /* c */ \"q\": [[-1, 1], "
      "[-1, 1]]}");
  texts.push_back ("{'probs': [0.1, 0.9], \"q\": [[-1, 1], [-1, 1]]}");
  for (const std::string &t : texts) {
    const char *text = t.c_str ();
    RncModel *m = calibrated_model (false);
    rnc_model_set_metadata (m, "rnc.residual_quantiles", text);
    RncState *st = rnc_state_new (m, 1, 0);
    GError *err = nullptr;
    EXPECT_EQ (rnc_runner_new (st, RNC_OUTPUT_INTERVAL, 0, &err), nullptr)
        << t.substr (0, 80);
    ASSERT_NE (err, nullptr) << t.substr (0, 80);
    EXPECT_TRUE (g_error_matches (err, RNC_RUNNER_ERROR,
            RNC_RUNNER_ERROR_CALIBRATION)) << t.substr (0, 80);
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

/* Online calibration (rnc_runner_set_interval_adapt) of a forecaster: D = Q
 * = 1, input and output scaling, residual quantiles uniform on [-@half,
 * @half] in model units (output std 2). */
namespace {

RncModel *
forecaster (double half)
{
  RncModel *m = random_model (RNC_CELL_LSTM, RNC_INPUT_DENSE, 1, 0, 6, 1,
      RNC_HEAD_REGRESSION, 1, 31, 0.6f);
  const float om[] = { 1.0f }, os[] = { 2.0f }, im[] = { 1.0f },
      is[] = { 2.0f };
  rnc_model_set_output_scaling (m, om, os);
  rnc_model_set_input_scaling (m, im, is);
  rnc_model_set_metadata (m, "rnc.residual_quantiles", quantiles_json (grid (),
          { [half] (double p) { return half * (2 * p - 1); } }).c_str ());
  return m;
}

/* Runs @x (N = 1) with @rate in pieces of @split frames. */
std::vector<float>
run_adapt (RncModel *m, double rate, double level,
    const std::vector<float> &x, size_t split = 7, size_t window = 0)
{
  RncState *st = rnc_state_new (m, 1, 5);
  RncRunner *r = rnc_runner_new (st, RNC_OUTPUT_INTERVAL, window, nullptr);
  EXPECT_NE (r, nullptr);
  EXPECT_EQ (rnc_runner_get_interval_adapt (r),
      RNC_RUNNER_DEFAULT_INTERVAL_ADAPT);
  EXPECT_TRUE (rnc_runner_set_interval_adapt (r, rate));
  EXPECT_TRUE (rnc_runner_set_interval (r, level, nullptr));
  std::vector<float> out (x.size () * 3);
  size_t total = 0;
  for (size_t t0 = 0; t0 < x.size (); t0 += split) {
    size_t n = std::min (split, x.size () - t0), n_out = 0;
    EXPECT_TRUE (rnc_runner_process (r, x.data () + t0, n,
            out.data () + total * 3, &n_out, nullptr));
    total += n_out;
  }
  out.resize (total * 3);
  rnc_runner_free (r);
  rnc_state_free (st);
  return out;
}

/* A random walk (the forecaster's errors are far from its calibration). */
std::vector<float>
walk (size_t n, guint64 seed, double step)
{
  auto e = rnc_test::normal_vec (n, seed);
  std::vector<float> x (n);
  double v = 0;
  for (size_t t = 0; t < n; t++)
    x[t] = (float) (v += step * e[t]);
  return x;
}

}  // namespace

/* The rule written out here from its documentation, over the fixed bounds
 * (rate 0): the adapted bounds follow it at every frame. */
TEST (RncRunnerIntervalAdapt, FollowsTheQuantileTrackingRule)
{
  RncModel *m = forecaster (0.3);
  auto x = walk (400, 61, 1.0);
  for (double level : { 0.8, 0.5 }) {
    auto fixed = run_adapt (m, 0.0, level, x);
    auto adapted = run_adapt (m, 0.1, level, x, 13);
    ASSERT_EQ (fixed.size (), 400u * 3);
    ASSERT_EQ (adapted.size (), fixed.size ());
    const double tail = (1 - level) / 2;
    double d_lo = 0, d_hi = 0, worst = 0, prev_lo = NAN, prev_hi = NAN,
        prev_pred = NAN, scale = 0.5 * ((double) fixed[2] - fixed[0]);
    size_t moved = 0;
    for (size_t t = 0; t < 400; t++) {
      const float *f = &fixed[t * 3], *a = &adapted[t * 3];
      if (t > 0) {
        double step = 0.1 * std::max (scale, 0.5 * (prev_hi - prev_lo));
        d_lo += step * ((x[t] < prev_lo ? 1.0 : 0.0) - tail);
        d_hi += step * ((x[t] > prev_hi ? 1.0 : 0.0) - tail);
        scale += 0.05 * (std::fabs (x[t] - prev_pred) - scale);
      }
      double lo = f[0] - d_lo, hi = f[2] + d_hi;
      if (lo > hi)
        lo = hi = 0.5 * (lo + hi);
      /* the middle column is the prediction, bit for bit */
      EXPECT_EQ (std::memcmp (&a[1], &f[1], 4), 0);
      worst = std::max ({ worst, std::fabs (a[0] - lo) / (1 + std::fabs (lo)),
              std::fabs (a[2] - hi) / (1 + std::fabs (hi)) });
      moved += a[0] != f[0];
      prev_lo = a[0];
      prev_hi = a[2];
      prev_pred = a[1];
    }
    EXPECT_LT (worst, 1e-4) << "level " << level;
    EXPECT_GT (moved, 300u);
  }
  rnc_model_free (m);
}

/* Whatever the calibration says (far too narrow or far too wide, and a
 * forecaster biased by about one error's size), the share of misses on
 * each side goes to its tail: 10% at level 0.8. Without the online
 * calibration it stays where the model's quantiles put it. */
TEST (RncRunnerIntervalAdapt, MissesFollowTheLevelWhateverTheCalibration)
{
  const size_t n = 6000;
  /* white noise: the forecaster's errors are stationary, of a scale its
   * calibration gets wrong by a factor of about 20 either way */
  auto x = rnc_test::normal_vec (n, 62);
  for (double half : { 0.05, 20.0 }) {
    RncModel *m = forecaster (half);
    for (double rate : { 0.0, 0.1 }) {
      auto iv = run_adapt (m, rate, 0.8, x, 64);
      ASSERT_EQ (iv.size (), n * 3);
      size_t below = 0, above = 0;
      for (size_t t = 1; t < n; t++) {
        below += x[t] < iv[(t - 1) * 3];
        above += x[t] > iv[(t - 1) * 3 + 2];
      }
      double lo = (double) below / (n - 1), hi = (double) above / (n - 1);
      if (rate > 0) {
        EXPECT_NEAR (lo, 0.1, 0.02) << "calibration +-" << half;
        EXPECT_NEAR (hi, 0.1, 0.02) << "calibration +-" << half;
      } else if (half < 1) {
        EXPECT_GT (lo + hi, 0.5) << "too narrow: most values miss";
      } else {
        EXPECT_LT (lo + hi, 0.01) << "too wide: none misses";
      }
    }
    rnc_model_free (m);
  }
}

/* Any split, a window, a reset (restarts from the model's quantiles), N
 * streams against single runs, and the values a state file carries
 * (peek/set) continuing bit for bit. */
TEST (RncRunnerIntervalAdapt, SplitsStreamsResetAndRestoredValues)
{
  RncModel *m = forecaster (0.2);
  auto x = walk (90, 63, 0.7), y = walk (90, 64, 1.3);
  auto whole = run_adapt (m, 0.1, 0.8, x, 90);
  EXPECT_EQ (whole, run_adapt (m, 0.1, 0.8, x, 1));
  EXPECT_EQ (whole, run_adapt (m, 0.1, 0.8, x, 17));
  auto win = run_adapt (m, 0.1, 0.8, x, 90, 4);
  EXPECT_EQ (win, run_adapt (m, 0.1, 0.8, x, 3, 4));

  /* two streams, reset of stream 1 at frame 40 */
  const size_t T = 90, N = 2;
  std::vector<float> xy (T * N);
  for (size_t t = 0; t < T; t++) {
    xy[t * N] = x[t];
    xy[t * N + 1] = y[t];
  }
  RncState *st = rnc_state_new (m, N, 1);
  RncRunner *r = rnc_runner_new (st, RNC_OUTPUT_INTERVAL, 0, nullptr);
  ASSERT_NE (r, nullptr);
  ASSERT_EQ (rnc_runner_get_track_width (r), 6u);
  std::vector<float> out (T * N * 3);
  size_t n_out = 0;
  ASSERT_TRUE (rnc_runner_process (r, xy.data (), 40, out.data (), &n_out,
          nullptr));
  rnc_runner_reset_stream (r, 1);
  ASSERT_TRUE (rnc_runner_process (r, xy.data () + 40 * N, T - 40,
          out.data () + 40 * N * 3, &n_out, nullptr));
  std::vector<float> y0 (y.begin (), y.begin () + 40), y1 (y.begin () + 40,
      y.end ());
  auto ry0 = run_adapt (m, 0.1, 0.8, y0), ry1 = run_adapt (m, 0.1, 0.8, y1);
  for (size_t t = 0; t < T; t++) {
    EXPECT_EQ (std::memcmp (&out[t * 6], &whole[t * 3], 12), 0) << t;
    const float *want = t < 40 ? &ry0[t * 3] : &ry1[(t - 40) * 3];
    EXPECT_EQ (std::memcmp (&out[t * 6 + 3], want, 12), 0) << t;
  }

  /* a second runner given the first one's state and calibration at frame
   * 50 continues with the same bits; bad values are refused */
  RncState *st2 = rnc_state_new (m, N, 1);
  RncRunner *r2 = rnc_runner_new (st2, RNC_OUTPUT_INTERVAL, 0, nullptr);
  rnc_runner_reset (r);
  ASSERT_TRUE (rnc_runner_process (r, xy.data (), 50, out.data (), &n_out,
          nullptr));
  rnc_state_copy_values (st2, st);
  const size_t TW = rnc_runner_get_track_width (r);
  ASSERT_EQ (TW, 6u);
  std::vector<float> track (rnc_runner_peek_track (r),
      rnc_runner_peek_track (r) + N * TW);
  EXPECT_FALSE (rnc_runner_set_track (r2, track.data (), 4));
  std::vector<float> bad = track;
  bad[5] = -1.0f;               /* a negative scale */
  EXPECT_FALSE (rnc_runner_set_track (r2, bad.data (), TW));
  bad = track;
  bad[3] = INFINITY;            /* an offset out of range */
  EXPECT_FALSE (rnc_runner_set_track (r2, bad.data (), TW));
  bad = track;
  bad[2] = NAN;                 /* a bound without its prediction */
  EXPECT_FALSE (rnc_runner_set_track (r2, bad.data (), TW));
  bad = track;
  std::swap (bad[0], bad[1]);   /* lo above hi */
  if (bad[0] != bad[1]) {
    EXPECT_FALSE (rnc_runner_set_track (r2, bad.data (), TW));
  }
  ASSERT_TRUE (rnc_runner_set_track (r2, track.data (), TW));
  std::vector<float> a ((T - 50) * N * 3), b ((T - 50) * N * 3);
  ASSERT_TRUE (rnc_runner_process (r, xy.data () + 50 * N, T - 50, a.data (),
          &n_out, nullptr));
  ASSERT_TRUE (rnc_runner_process (r2, xy.data () + 50 * N, T - 50,
          b.data (), &n_out, nullptr));
  EXPECT_EQ (a, b);
  rnc_runner_free (r2);
  rnc_state_free (st2);
  rnc_runner_free (r);
  rnc_state_free (st);

  /* no online calibration where the outputs are not the next frame */
  RncModel *q2 = calibrated_model (true);       /* D = 1, Q = 2 */
  RncState *s3 = rnc_state_new (q2, 1, 1);
  RncRunner *r3 = rnc_runner_new (s3, RNC_OUTPUT_INTERVAL, 0, nullptr);
  EXPECT_EQ (rnc_runner_get_track_width (r3), 0u);
  EXPECT_EQ (rnc_runner_peek_track (r3), nullptr);
  rnc_runner_free (r3);
  rnc_state_free (s3);
  rnc_model_free (q2);
  rnc_model_free (m);
}
