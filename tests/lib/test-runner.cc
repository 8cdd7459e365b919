/* The stream runner (lib/rnc-runner.c): output kinds, windows, scaling and
 * split invariance, checked against the notebook's vectors and the scalar
 * reference path. */
#include "rnc-test-util.h"

#include "rnc.h"

#include <cstring>
#include <tuple>

using rnc_test::linspace;
using rnc_test::max_abs_diff;
using rnc_test::normal_vec;
using rnc_test::random_model;
using rnc_test::reference;
using rnc_test::slice;

namespace {

constexpr double kTol = 2e-6;

} // namespace

TEST (RncRunner, HiddenMatchesSeedQ2)
{
  RncModel *m = rnc_test::notebook_model (RNC_CELL_RNN, 4, 5, 0);
  auto x = linspace (-0.1, 0.3, 12);
  const std::vector<float> &expected = rnc_test::kSeedQ2H;

  RncState *s = rnc_state_new (m, 1, 2);
  GError *err = nullptr;
  /* no head: the natural output is the hidden state */
  RncRunner *r = rnc_runner_new (s, RNC_OUTPUT_PREDICTION, 0, &err);
  ASSERT_NE (r, nullptr) << err->message;
  EXPECT_EQ (rnc_runner_get_output (r), RNC_OUTPUT_HIDDEN);
  EXPECT_EQ (rnc_runner_get_output_width (r), 5u);
  std::vector<float> out (15);
  size_t n_out = 0;
  ASSERT_TRUE (rnc_runner_process (r, x.data (), 3, out.data (), &n_out,
          nullptr));
  EXPECT_EQ (n_out, 3u);
  double e = max_abs_diff (out, expected);
  EXPECT_LT (e, kTol) << "largest error " << e;
  rnc_runner_free (r);
  rnc_state_free (s);
  rnc_model_free (m);
}

TEST (RncRunner, PredictionsMatchSeedQ3PerSequence)
{
  RncModel *m = rnc_test::notebook_model (RNC_CELL_RNN, 4, 5, 2);
  auto x = linspace (-0.1, 0.3, 24);
  const std::vector<float> &expected = rnc_test::kSeedQ3Y;

  RncState *s = rnc_state_new (m, 1, 0);
  RncRunner *r = rnc_runner_new (s, RNC_OUTPUT_PREDICTION, 0, nullptr);
  std::vector<float> out (12);
  for (size_t n = 0; n < 2; n++) {
    rnc_runner_reset (r);
    ASSERT_TRUE (rnc_runner_process (r, x.data () + n * 12, 3,
            out.data () + n * 6, nullptr, nullptr));
    float last[2];
    ASSERT_TRUE (rnc_runner_last_output (r, last));
    EXPECT_EQ (std::memcmp (last, out.data () + n * 6 + 4, sizeof (last)), 0);
  }
  double e = max_abs_diff (out, expected);
  EXPECT_LT (e, kTol) << "largest error " << e;
  rnc_runner_free (r);
  rnc_state_free (s);
  rnc_model_free (m);
}

/* cell, layers, window, output kind */
class RncRunnerSplit : public ::testing::TestWithParam<
    std::tuple<RncCell, int, int, RncOutputKind>> {};

TEST_P (RncRunnerSplit, AnySplitIsBitIdentical)
{
  auto [cell, L, window, kind] = GetParam ();
  const size_t D = 3, H = 6, Q = 4, T = 150;
  RncModel *m = random_model (cell, RNC_INPUT_DENSE, D, 0, H, L,
      RNC_HEAD_CLASSES, Q, 7, 0.6f);
  auto x = normal_vec (T * D, 11);
  std::vector<std::vector<char>> results;
  for (size_t step : { (size_t) 150, (size_t) 1, (size_t) 7, (size_t) 13,
          (size_t) 64, (size_t) 65 }) {
    RncState *s = rnc_state_new (m, 1, 16);
    RncRunner *r = rnc_runner_new (s, kind, window, nullptr);
    ASSERT_NE (r, nullptr);
    size_t W = rnc_runner_get_output_width (r);
    std::vector<char> out (T * W * 4);
    size_t total = 0;
    for (size_t t0 = 0; t0 < T; t0 += step) {
      size_t n = std::min (step, T - t0), n_out = 0;
      ASSERT_TRUE (rnc_runner_process (r, x.data () + t0 * D, n,
              out.data () + total * W * 4, &n_out, nullptr));
      total += n_out;
    }
    EXPECT_EQ (total, window ? T - window + 1 : T);
    out.resize (total * W * 4);
    results.push_back (out);
    rnc_runner_free (r);
    rnc_state_free (s);
  }
  for (size_t i = 1; i < results.size (); i++)
    EXPECT_TRUE (results[i] == results[0]) << "split " << i << " differs";
  rnc_model_free (m);
}

INSTANTIATE_TEST_SUITE_P (Kinds, RncRunnerSplit, ::testing::Combine (
        ::testing::Values (RNC_CELL_RNN, RNC_CELL_LSTM, RNC_CELL_GRU),
        ::testing::Values (1, 2),
        ::testing::Values (0, 5),
        ::testing::Values (RNC_OUTPUT_HIDDEN, RNC_OUTPUT_LOGITS,
            RNC_OUTPUT_PROBABILITIES, RNC_OUTPUT_ARGMAX)));

TEST (RncRunner, WindowOutputsComeFromFreshStates)
{
  const size_t D = 2, H = 5, Q = 1, T = 40, win = 6;
  RncModel *m = random_model (RNC_CELL_LSTM, RNC_INPUT_DENSE, D, 0, H, 2,
      RNC_HEAD_REGRESSION, Q, 3, 0.6f);
  auto x = normal_vec (T * D, 5);
  RncState *s = rnc_state_new (m, 1, 4);
  RncRunner *r = rnc_runner_new (s, RNC_OUTPUT_PREDICTION, win, nullptr);
  std::vector<float> out (T * Q);
  size_t n_out = 0;
  /* the first win - 1 frames give nothing, and no last output either */
  ASSERT_TRUE (rnc_runner_process (r, x.data (), win - 1, out.data (),
          &n_out, nullptr));
  EXPECT_EQ (n_out, 0u);
  float last;
  EXPECT_FALSE (rnc_runner_last_output (r, &last));
  ASSERT_TRUE (rnc_runner_process (r, x.data () + (win - 1) * D,
          T - (win - 1), out.data (), &n_out, nullptr));
  ASSERT_EQ (n_out, T - win + 1);
  double worst = 0;
  for (size_t k = 0; k < n_out; k++) {
    size_t t = k + win - 1;     /* the frame this output belongs to */
    auto ref = reference (m, slice (x, (t + 1 - win) * D, (t + 1) * D),
        false);
    worst = std::max (worst, std::fabs ((double) ref.back () - out[k]));
  }
  EXPECT_LT (worst, 1e-5) << "largest difference " << worst;
  ASSERT_TRUE (rnc_runner_last_output (r, &last));
  EXPECT_EQ (last, out[n_out - 1]);

  /* without outputs the history still advances: last_output computes the
   * window on demand */
  rnc_runner_reset (r);
  ASSERT_TRUE (rnc_runner_process (r, x.data (), T, nullptr, nullptr, nullptr));
  ASSERT_TRUE (rnc_runner_last_output (r, &last));
  EXPECT_EQ (last, out[n_out - 1]);
  rnc_runner_free (r);
  rnc_state_free (s);
  rnc_model_free (m);
}

TEST (RncRunner, ScalingIsAppliedInAndOut)
{
  const size_t D = 2, H = 4, Q = 2, T = 9;
  RncModel *m = random_model (RNC_CELL_RNN, RNC_INPUT_DENSE, D, 0, H, 1,
      RNC_HEAD_REGRESSION, Q, 9, 0.6f);
  const float in_mean[] = { 100.0f, -3.0f }, in_std[] = { 20.0f, 0.5f };
  const float out_mean[] = { 50.0f, 1.0f }, out_std[] = { 10.0f, 2.0f };
  rnc_model_set_input_scaling (m, in_mean, in_std);
  rnc_model_set_output_scaling (m, out_mean, out_std);
  auto x = normal_vec (T * D, 1);
  for (size_t t = 0; t < T; t++) {
    x[t * D] = x[t * D] * 20.0f + 100.0f;
    x[t * D + 1] = x[t * D + 1] * 0.5f - 3.0f;
  }
  /* independent expectation: scale by hand, scalar path, unscale by hand */
  std::vector<float> xs (x);
  for (size_t t = 0; t < T; t++)
    for (size_t d = 0; d < D; d++)
      xs[t * D + d] = (xs[t * D + d] - in_mean[d]) / in_std[d];
  RncState *ref = rnc_state_new (m, 1, 0);
  std::vector<float> expected (T * Q);
  rnc_forward_ref (ref, xs.data (), T, nullptr, expected.data ());
  for (size_t t = 0; t < T; t++)
    for (size_t q = 0; q < Q; q++)
      expected[t * Q + q] = expected[t * Q + q] * out_std[q] + out_mean[q];

  RncState *s = rnc_state_new (m, 1, 0);
  RncRunner *r = rnc_runner_new (s, RNC_OUTPUT_PREDICTION, 0, nullptr);
  std::vector<float> out (T * Q);
  std::vector<float> x_copy (x);
  ASSERT_TRUE (rnc_runner_process (r, x.data (), T, out.data (), nullptr,
          nullptr));
  EXPECT_EQ (x, x_copy) << "the input must not be modified";
  double e = rnc_test::max_rel_diff (out.data (), expected.data (), T * Q);
  EXPECT_LT (e, 1e-5) << "largest relative difference " << e;
  rnc_runner_free (r);
  rnc_state_free (s);
  rnc_state_free (ref);
  rnc_model_free (m);
}

TEST (RncRunner, ClassOutputsAgree)
{
  const size_t D = 3, H = 5, Q = 7, T = 20;
  RncModel *m = random_model (RNC_CELL_LSTM, RNC_INPUT_DENSE, D, 0, H, 1,
      RNC_HEAD_CLASSES, Q, 21, 0.6f);
  auto x = normal_vec (T * D, 2);
  auto run = [&] (RncOutputKind kind, void *out) {
    RncState *s = rnc_state_new (m, 1, 0);
    RncRunner *r = rnc_runner_new (s, kind, 0, nullptr);
    EXPECT_TRUE (rnc_runner_process (r, x.data (), T, out, nullptr, nullptr));
    rnc_runner_free (r);
    rnc_state_free (s);
  };
  std::vector<float> logits (T * Q), probs (T * Q), pred (T * Q);
  std::vector<int32_t> ids (T);
  run (RNC_OUTPUT_LOGITS, logits.data ());
  run (RNC_OUTPUT_PROBABILITIES, probs.data ());
  run (RNC_OUTPUT_PREDICTION, pred.data ());
  run (RNC_OUTPUT_ARGMAX, ids.data ());
  EXPECT_EQ (pred, probs) << "a classes head predicts probabilities";
  for (size_t t = 0; t < T; t++) {
    double sum = 0, mx = -1e30;
    size_t best = 0;
    for (size_t q = 0; q < Q; q++) {
      double l = logits[t * Q + q];
      if (l > mx) {
        mx = l;
        best = q;
      }
    }
    for (size_t q = 0; q < Q; q++) {
      double p = std::exp (logits[t * Q + q] - mx);
      sum += p;
    }
    for (size_t q = 0; q < Q; q++)
      EXPECT_NEAR (probs[t * Q + q], std::exp (logits[t * Q + q] - mx) / sum,
          1e-6);
    EXPECT_EQ ((size_t) ids[t], best);
  }
  /* logits against the scalar path */
  auto ref = reference (m, x, false);
  EXPECT_LT (max_abs_diff (logits, ref), 1e-5);
  rnc_model_free (m);
}

TEST (RncRunner, IndexInputGathersRowsAndRejectsBadIds)
{
  const size_t V = 9, H = 4, Q = 3;
  RncModel *m = random_model (RNC_CELL_RNN, RNC_INPUT_INDEX, V, 0, H, 1,
      RNC_HEAD_CLASSES, Q, 4, 0.6f);
  RncState *s = rnc_state_new (m, 1, 0);
  RncRunner *r = rnc_runner_new (s, RNC_OUTPUT_HIDDEN, 0, nullptr);
  EXPECT_TRUE (rnc_runner_input_is_ids (r));
  EXPECT_EQ (rnc_runner_get_frame_width (r), 1u);
  const int32_t ids[] = { 3, 0, 8, 2 };
  std::vector<float> out (4 * H);
  ASSERT_TRUE (rnc_runner_process (r, ids, 4, out.data (), nullptr, nullptr));
  /* one-hot rows through the scalar reference */
  RncState *ref = rnc_state_new (m, 1, 0);
  std::vector<float> expected (4 * H);
  ASSERT_TRUE (rnc_forward_ids_ref (ref, ids, 4, expected.data (), nullptr));
  EXPECT_LT (max_abs_diff (out, expected), 1e-5);

  std::vector<float> h_before (rnc_state_peek_h (s), rnc_state_peek_h (s) + H);
  const int32_t bad[] = { 1, 9, 2 };
  size_t where = 0;
  EXPECT_FALSE (rnc_runner_process (r, bad, 3, out.data (), nullptr, &where));
  EXPECT_EQ (where, 1u);
  std::vector<float> h_after (rnc_state_peek_h (s), rnc_state_peek_h (s) + H);
  EXPECT_EQ (h_before, h_after) << "a bad id must leave the state alone";
  rnc_runner_free (r);
  rnc_state_free (s);
  rnc_state_free (ref);
  rnc_model_free (m);
}

TEST (RncRunner, RejectsClassOutputsWithoutClassesHeadAndHugeWindows)
{
  RncModel *m = random_model (RNC_CELL_RNN, RNC_INPUT_DENSE, 2, 0, 3, 1,
      RNC_HEAD_REGRESSION, 1, 1, 0.6f);
  RncState *s = rnc_state_new (m, 1, 0);
  for (RncOutputKind k : { RNC_OUTPUT_LOGITS, RNC_OUTPUT_PROBABILITIES,
          RNC_OUTPUT_ARGMAX }) {
    GError *err = nullptr;
    EXPECT_EQ (rnc_runner_new (s, k, 0, &err), nullptr);
    ASSERT_NE (err, nullptr);
    EXPECT_EQ (err->code, RNC_RUNNER_ERROR_OUTPUT);
    EXPECT_NE (std::string (err->message).find (rnc_output_kind_to_string (k)),
        std::string::npos);
    g_clear_error (&err);
  }
  GError *err = nullptr;
  EXPECT_EQ (rnc_runner_new (s, RNC_OUTPUT_HIDDEN, RNC_RUNNER_MAX_WINDOW + 1,
          &err), nullptr);
  ASSERT_NE (err, nullptr);
  EXPECT_EQ (err->code, RNC_RUNNER_ERROR_WINDOW);
  g_clear_error (&err);
  rnc_state_free (s);
  rnc_model_free (m);
}

TEST (RncRunner, ResetRestoresTheInitialState)
{
  const size_t D = 2, H = 3, T = 5;
  RncModel *m = random_model (RNC_CELL_LSTM, RNC_INPUT_DENSE, D, 0, H, 1,
      RNC_HEAD_NONE, 0, 8, 0.6f);
  auto x = normal_vec (T * D, 8);
  RncState *s = rnc_state_new (m, 1, 0);
  rnc_state_set_init (s, RNC_INIT_ONES);
  RncRunner *r = rnc_runner_new (s, RNC_OUTPUT_HIDDEN, 0, nullptr);
  std::vector<float> a (T * H), b (T * H);
  ASSERT_TRUE (rnc_runner_process (r, x.data (), T, a.data (), nullptr,
          nullptr));
  rnc_runner_reset (r);
  EXPECT_EQ (rnc_runner_get_frames_seen (r), 0u);
  ASSERT_TRUE (rnc_runner_process (r, x.data (), T, b.data (), nullptr,
          nullptr));
  EXPECT_EQ (a, b);
  for (size_t i = 0; i < H; i++)
    EXPECT_NE (a[i], 0.0f);
  rnc_runner_free (r);
  rnc_state_free (s);
  rnc_model_free (m);
}
