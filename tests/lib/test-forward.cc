/* The fast forward path (BLAS, chunked, batched) against the scalar
 * reference path, over cells, layer counts, batch sizes, chunk sizes and
 * input kinds. */
#include "rnc-test-util.h"

#include "rnc.h"

#include <tuple>

using rnc_test::max_abs_diff;
using rnc_test::normal_vec;
using rnc_test::random_model;
using rnc_test::trained_scale;

/* cell, layers, batch, max_frames */
class RncForwardDense
    : public ::testing::TestWithParam<std::tuple<RncCell, int, int, int>> {};

TEST_P (RncForwardDense, FastPathEqualsReference)
{
  auto [cell, L, N, chunk] = GetParam ();
  const size_t D = 7, H = 19, Q = 3, T = 23;
  RncModel *m = random_model (cell, RNC_INPUT_DENSE, D, 0, H, L,
      RNC_HEAD_REGRESSION, Q, 42 + L, trained_scale (H));
  auto x = normal_vec (N * T * D, 7);
  RncState *fast = rnc_state_new (m, N, chunk);
  RncState *ref = rnc_state_new (m, N, 0);
  std::vector<float> hf (N * T * H), hr (N * T * H), yf (N * T * Q), yr (N * T * Q);

  /* twice, so the carried state is compared too */
  for (int pass = 0; pass < 2; pass++) {
    rnc_forward (fast, x.data (), T, hf.data (), yf.data ());
    rnc_forward_ref (ref, x.data (), T, hr.data (), yr.data ());
    double eh = max_abs_diff (hf, hr), ey = max_abs_diff (yf, yr);
    EXPECT_LT (eh, 2e-5) << "hidden, pass " << pass << ", largest error " << eh;
    EXPECT_LT (ey, 2e-5) << "head, pass " << pass << ", largest error " << ey;
  }
  rnc_state_free (fast);
  rnc_state_free (ref);
  rnc_model_free (m);
}

INSTANTIATE_TEST_SUITE_P (Shapes, RncForwardDense,
    ::testing::Combine (::testing::Values (RNC_CELL_RNN, RNC_CELL_LSTM),
        ::testing::Values (1, 3), ::testing::Values (1, 4),
        ::testing::Values (1, 5, 64)));

TEST (RncForward, AnySplitOfTheFramesGivesTheSameOutput)
{
  const size_t D = 3, H = 16, T = 40;
  RncModel *m = random_model (RNC_CELL_LSTM, RNC_INPUT_DENSE, D, 0, H, 2,
      RNC_HEAD_NONE, 0, 5, trained_scale (H));
  auto x = normal_vec (T * D, 11);
  RncState *whole = rnc_state_new (m, 1, 8), *parts = rnc_state_new (m, 1, 8);
  std::vector<float> hw (T * H), hp (T * H);
  rnc_forward (whole, x.data (), T, hw.data (), nullptr);
  const size_t cuts[] = { 1, 2, 7, 13, 17 };
  size_t t = 0, k = 0;
  while (t < T) {
    size_t n = std::min (cuts[k++ % 5], T - t);
    rnc_forward (parts, x.data () + t * D, n, hp.data () + t * H, nullptr);
    t += n;
  }
  EXPECT_EQ (max_abs_diff (hw, hp), 0.0) << "split changed the output";
  rnc_state_free (whole);
  rnc_state_free (parts);
  rnc_model_free (m);
}

/* cell, embedding size */
class RncForwardIndex
    : public ::testing::TestWithParam<std::tuple<RncCell, int>> {};

TEST_P (RncForwardIndex, GatherEqualsOneHotReference)
{
  auto [cell, E] = GetParam ();
  const size_t V = 50, H = 12, Q = 50, T = 17;
  RncModel *m = random_model (cell, RNC_INPUT_INDEX, V, E, H, 2,
      RNC_HEAD_CLASSES, Q, 99, trained_scale (H));
  std::vector<int32_t> ids (T);
  RncRng rng;
  rnc_rng_init (&rng, 3);
  for (auto &id : ids)
    id = (int32_t) (rnc_rng_next (&rng) % V);
  RncState *fast = rnc_state_new (m, 1, 4), *ref = rnc_state_new (m, 1, 0);
  std::vector<float> yf (T * Q), yr (T * Q);
  ASSERT_TRUE (rnc_forward_ids (fast, ids.data (), T, nullptr, yf.data ()));
  ASSERT_TRUE (rnc_forward_ids_ref (ref, ids.data (), T, nullptr, yr.data ()));
  double e = max_abs_diff (yf, yr);
  EXPECT_LT (e, 2e-5) << "largest error " << e;
  rnc_state_free (fast);
  rnc_state_free (ref);
  rnc_model_free (m);
}

INSTANTIATE_TEST_SUITE_P (Kinds, RncForwardIndex,
    ::testing::Combine (::testing::Values (RNC_CELL_RNN, RNC_CELL_LSTM),
        ::testing::Values (0, 8)));

TEST (RncForward, RejectsOutOfRangeIdsWithoutTouchingTheState)
{
  RncModel *m = random_model (RNC_CELL_RNN, RNC_INPUT_INDEX, 10, 0, 4, 1,
      RNC_HEAD_NONE, 0, 1, trained_scale (4));
  RncState *s = rnc_state_new (m, 1, 0);
  int32_t ok[] = { 1, 2 }, bad[] = { 3, 10 }, neg[] = { -1 };
  ASSERT_TRUE (rnc_forward_ids (s, ok, 2, nullptr, nullptr));
  std::vector<float> before (rnc_state_peek_h (s), rnc_state_peek_h (s) + 4);
  EXPECT_FALSE (rnc_forward_ids (s, bad, 2, nullptr, nullptr));
  EXPECT_FALSE (rnc_forward_ids (s, neg, 1, nullptr, nullptr));
  EXPECT_EQ (max_abs_diff (before.data (), rnc_state_peek_h (s), 4), 0.0);
  EXPECT_EQ (rnc_model_find_bad_id (m, bad, 2), 1u);
  rnc_state_free (s);
  rnc_model_free (m);
}

TEST (RncState, ResetRestoresTheChosenInitialState)
{
  RncModel *m = random_model (RNC_CELL_LSTM, RNC_INPUT_DENSE, 2, 0, 3, 2,
      RNC_HEAD_NONE, 0, 1, trained_scale (3));
  RncState *s = rnc_state_new (m, 2, 0);
  float x[2 * 2] = { 1, 2, 3, 4 };
  rnc_forward (s, x, 1, nullptr, nullptr);
  rnc_state_reset (s);
  for (size_t i = 0; i < 2 * 2 * 3; i++) {
    EXPECT_EQ (rnc_state_peek_h (s)[i], 0.0f);
    EXPECT_EQ (rnc_state_peek_c (s)[i], 0.0f);
  }
  rnc_state_set_init (s, RNC_INIT_ONES);
  rnc_state_reset (s);
  EXPECT_EQ (rnc_state_peek_h (s)[5], 1.0f);
  EXPECT_EQ (rnc_state_peek_c (s)[7], 1.0f);
  float h0[2 * 3] = { 1, 2, 3, 4, 5, 6 }, c0[2 * 3] = { -1, -2, -3, -4, -5, -6 };
  rnc_state_set_initial (s, h0, c0);
  rnc_state_reset (s);
  /* layer 1, stream 1 */
  EXPECT_EQ (rnc_state_peek_h (s)[(1 * 2 + 1) * 3 + 2], 6.0f);
  EXPECT_EQ (rnc_state_peek_c (s)[(1 * 2 + 1) * 3 + 0], -4.0f);
  EXPECT_EQ (rnc_state_get_init (s), RNC_INIT_GIVEN);
  rnc_state_free (s);
  rnc_model_free (m);
}

TEST (RncModel, RejectsInvalidConfigs)
{
  RncModelConfig c = {};
  c.cell = RNC_CELL_LSTM;
  c.input_size = 4;
  c.hidden_size = 8;
  c.num_layers = 1;
  GError *err = nullptr;
  RncModelConfig bad = c;
  bad.num_layers = 0;
  EXPECT_EQ (rnc_model_new (&bad, &err), nullptr);
  EXPECT_TRUE (g_error_matches (err, RNC_CONFIG_ERROR, RNC_CONFIG_ERROR_INVALID));
  g_clear_error (&err);
  bad = c;
  bad.hidden_size = (size_t) 1 << 30;
  EXPECT_EQ (rnc_model_new (&bad, &err), nullptr);
  EXPECT_NE (err, nullptr);
  g_clear_error (&err);
  bad = c;
  bad.hidden_size = 60000;      /* 4 * 60000^2 params: over the limit */
  EXPECT_EQ (rnc_model_new (&bad, &err), nullptr);
  EXPECT_NE (err, nullptr);
  g_clear_error (&err);
  bad = c;
  bad.head = RNC_HEAD_REGRESSION;   /* no output size */
  EXPECT_EQ (rnc_model_new (&bad, &err), nullptr);
  g_clear_error (&err);
  bad = c;
  bad.embed_size = 3;   /* embedding needs index input */
  EXPECT_EQ (rnc_model_new (&bad, &err), nullptr);
  g_clear_error (&err);
}

TEST (RncModel, ScalingMetadataRoundTripsAndApplies)
{
  RncModelConfig c = {};
  c.cell = RNC_CELL_RNN;
  c.input_size = 2;
  c.hidden_size = 3;
  c.num_layers = 1;
  c.head = RNC_HEAD_REGRESSION;
  c.output_size = 2;
  RncModel *m = rnc_model_new (&c, nullptr);
  const float mean[2] = { 10.0f, -1.0f }, sd[2] = { 2.0f, 0.5f };
  rnc_model_set_input_scaling (m, mean, sd);
  rnc_model_set_output_scaling (m, mean, sd);
  rnc_model_set_metadata (m, "rnc.window", "12");
  GError *err = nullptr;
  ASSERT_TRUE (rnc_model_parse_metadata (m, &err));
  EXPECT_EQ (rnc_model_get_window (m), 12u);
  float x[2] = { 14.0f, 0.0f };
  rnc_model_scale_input (m, x, 1);
  EXPECT_FLOAT_EQ (x[0], 2.0f);
  EXPECT_FLOAT_EQ (x[1], 2.0f);
  rnc_model_unscale_output (m, x, 1);
  EXPECT_FLOAT_EQ (x[0], 14.0f);
  EXPECT_FLOAT_EQ (x[1], 0.0f);

  rnc_model_set_metadata (m, "rnc.input_std", "[1, 0]");
  EXPECT_FALSE (rnc_model_parse_metadata (m, &err));
  EXPECT_NE (std::string (err->message).find ("rnc.input_std"), std::string::npos);
  g_clear_error (&err);
  rnc_model_set_metadata (m, "rnc.input_std", "[1]");
  EXPECT_FALSE (rnc_model_parse_metadata (m, &err));
  g_clear_error (&err);
  rnc_model_set_metadata (m, "rnc.input_std", "[1, 2]");
  rnc_model_set_metadata (m, "rnc.window", "-3");
  EXPECT_FALSE (rnc_model_parse_metadata (m, &err));
  g_clear_error (&err);
  rnc_model_free (m);
}
