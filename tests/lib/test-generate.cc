/* RncGenerator (lib/rnc-generate.c): continuations and horizon forecasts
 * against independent references that re-run the scalar reference path
 * (rnc_forward_ref, double accumulation) from a fresh state over the whole
 * context, real frames followed by the predictions fed back; the seed's Q8
 * through the generator; sampling determinism, top-k, stop ids. */
#include "rnc-test-util.h"

#include "rnc.h"

#include <algorithm>

using namespace rnc_test;

namespace {

struct Gen
{
  RncState *state;
  RncGenerator *gen;

  Gen (const RncModel *m, size_t window, size_t horizon,
      RncInitKind init = RNC_INIT_ZEROS, size_t max_frames = 0)
  {
    state = rnc_state_new (m, 1, max_frames);
    rnc_state_set_init (state, init);
    rnc_state_reset (state);
    GError *err = nullptr;
    gen = rnc_generator_new (state, window, horizon, &err);
    EXPECT_NE (gen, nullptr) << (err ? err->message : "");
    g_clear_error (&err);
  }
  ~Gen ()
  {
    rnc_generator_free (gen);
    rnc_state_free (state);
  }
  template <typename T>
  std::vector<T> continuation (size_t length, size_t chunk = 1000)
  {
    std::vector<T> out;
    if (!rnc_generator_start (gen, length))
      return out;
    std::vector<T> buf (chunk * rnc_generator_get_output_width (gen));
    size_t k;
    while ((k = rnc_generator_continue (gen, buf.data (), chunk)) > 0)
      out.insert (out.end (), buf.begin (),
          buf.begin () + k * rnc_generator_get_output_width (gen));
    return out;
  }
};

} // namespace

TEST (RncGenerator, CheckModelSaysWhatCannotBeFedBack)
{
  struct Case { RncInputKind in; size_t D; RncHeadKind head; size_t Q;
    const char *needle; };
  const Case cases[] = {
    { RNC_INPUT_DENSE, 3, RNC_HEAD_REGRESSION, 3, nullptr },
    { RNC_INPUT_INDEX, 7, RNC_HEAD_CLASSES, 7, nullptr },
    { RNC_INPUT_DENSE, 3, RNC_HEAD_REGRESSION, 2, "Q == D" },
    { RNC_INPUT_DENSE, 3, RNC_HEAD_NONE, 0, "no head" },
    { RNC_INPUT_INDEX, 7, RNC_HEAD_CLASSES, 4, "tagger" },
    { RNC_INPUT_DENSE, 3, RNC_HEAD_CLASSES, 3, "dense" },
    { RNC_INPUT_INDEX, 7, RNC_HEAD_REGRESSION, 7, "regression" },
  };
  for (const Case &c : cases) {
    RncModel *m = random_model (RNC_CELL_RNN, c.in, c.D, 0, 4, 1, c.head,
        c.Q, 1, 0.7f);
    GError *err = nullptr;
    gboolean ok = rnc_generate_check_model (m, &err);
    if (!c.needle) {
      EXPECT_TRUE (ok) << (err ? err->message : "");
    } else {
      EXPECT_FALSE (ok);
      ASSERT_NE (err, nullptr);
      EXPECT_TRUE (g_error_matches (err, RNC_GENERATE_ERROR,
              RNC_GENERATE_ERROR_MODEL));
      EXPECT_NE (std::string (err->message).find (c.needle), std::string::npos)
          << err->message;
      RncState *s = rnc_state_new (m, 1, 0);
      GError *err2 = nullptr;
      EXPECT_EQ (rnc_generator_new (s, 0, 0, &err2), nullptr);
      EXPECT_NE (err2, nullptr);
      g_clear_error (&err2);
      rnc_state_free (s);
    }
    g_clear_error (&err);
    rnc_model_free (m);
  }
}

TEST (RncGenerator, RejectsTooLargeHorizon)
{
  RncModel *m = random_model (RNC_CELL_RNN, RNC_INPUT_DENSE, 2, 0, 4, 1,
      RNC_HEAD_REGRESSION, 2, 1, 0.7f);
  RncState *s = rnc_state_new (m, 1, 0);
  GError *err = nullptr;
  EXPECT_EQ (rnc_generator_new (s, 0, RNC_GENERATE_MAX_HORIZON + 1, &err),
      nullptr);
  EXPECT_TRUE (g_error_matches (err, RNC_GENERATE_ERROR,
          RNC_GENERATE_ERROR_HORIZON));
  g_clear_error (&err);
  EXPECT_EQ (rnc_generator_new (s, RNC_RUNNER_MAX_WINDOW + 1, 1, &err),
      nullptr);
  EXPECT_TRUE (g_error_matches (err, RNC_RUNNER_ERROR,
          RNC_RUNNER_ERROR_WINDOW));
  g_clear_error (&err);
  rnc_state_free (s);
  rnc_model_free (m);
}

/* Q8: each seed is its own stream, primed on its one frame from h0 = ones;
 * the continuation of 3 frames is the notebook's sequence. */
TEST (RncGenerator, ContinuationReproducesSeedQ8)
{
  const size_t N = 2, T = 3, D = 4, H = 5;
  auto x = linspace (-0.1, 0.3, N * D);
  const std::vector<float> &expected = kSeedQ8;
  RncModel *m = notebook_model (RNC_CELL_RNN, D, H, D);

  Gen g (m, 0, 0, RNC_INIT_ONES);
  for (size_t n = 0; n < N; n++) {
    rnc_generator_reset (g.gen);
    ASSERT_TRUE (rnc_generator_process (g.gen, x.data () + n * D, 1, nullptr,
            nullptr, nullptr));
    auto seq = g.continuation<float> (T, 2);
    ASSERT_EQ (seq.size (), T * D);
    double e = max_abs_diff (seq.data (), expected.data () + n * T * D, T * D);
    EXPECT_LT (e, 2e-6) << "seed " << n << ": largest error " << e;
  }
  rnc_model_free (m);
}

/* Horizon forecasts of a carried-state model (2 LSTM layers, scaling) equal
 * the reference: the model re-run over the real frames and its own
 * predictions. */
TEST (RncGenerator, HorizonEqualsTheModelRunOnItsOwnPredictions)
{
  const size_t D = 2, H = 6, N = 4, n = 9;
  RncModel *m = random_model (RNC_CELL_LSTM, RNC_INPUT_DENSE, D, 0, H, 2,
      RNC_HEAD_REGRESSION, D, 3, 0.7f);
  const float mean[] = { 10.0f, -2.0f }, sd[] = { 3.0f, 0.5f };
  rnc_model_set_input_scaling (m, mean, sd);
  rnc_model_set_output_scaling (m, mean, sd);
  auto x = normal_vec (n * D, 5);
  for (size_t i = 0; i < x.size (); i++)
    x[i] = x[i] * sd[i % D] + mean[i % D];

  Gen g (m, 0, N);
  EXPECT_EQ (rnc_generator_get_output_width (g.gen), N * D);
  std::vector<float> out (n * N * D);
  size_t n_out = 0;
  /* in two calls: 4 frames, then 5 */
  ASSERT_TRUE (rnc_generator_process (g.gen, x.data (), 4, out.data (),
          &n_out, nullptr));
  EXPECT_EQ (n_out, 4u);
  ASSERT_TRUE (rnc_generator_process (g.gen, x.data () + 4 * D, n - 4,
          out.data () + 4 * N * D, &n_out, nullptr));
  EXPECT_EQ (n_out, n - 4);
  double worst = 0;
  for (size_t t = 0; t < n; t++) {
    auto ref = ref_rollout (m,
        std::vector<float> (x.begin (), x.begin () + (t + 1) * D), N);
    worst = std::max (worst, max_abs_diff (out.data () + t * N * D,
            ref.data (), N * D) / 3.0);
  }
  EXPECT_LT (worst, 1e-5) << "largest error (in units of the std)";
  rnc_model_free (m);
}

/* The true state advances on real data only: after horizon forecasts it is
 * bit for bit what the stream runner (no generation) leaves. */
TEST (RncGenerator, HorizonLeavesTheTrueStateAlone)
{
  const size_t D = 3, H = 5, n = 20;
  for (RncCell cell : { RNC_CELL_RNN, RNC_CELL_LSTM, RNC_CELL_GRU }) {
    RncModel *m = random_model (cell, RNC_INPUT_DENSE, D, 0, H, 2,
        RNC_HEAD_REGRESSION, D, 4, 0.7f);
    auto x = normal_vec (n * D, 6);
    Gen g (m, 0, 7);
    std::vector<float> out (n * 7 * D);
    ASSERT_TRUE (rnc_generator_process (g.gen, x.data (), n, out.data (),
            nullptr, nullptr));

    RncState *s = rnc_state_new (m, 1, 0);
    RncRunner *r = rnc_runner_new (s, RNC_OUTPUT_PREDICTION, 0, nullptr);
    std::vector<float> y (n * D);
    ASSERT_TRUE (rnc_runner_process (r, x.data (), n, y.data (), nullptr,
            nullptr));
    const size_t LH = 2 * H;
    EXPECT_EQ (0, memcmp (rnc_state_peek_h (g.state), rnc_state_peek_h (s),
            LH * sizeof (float)));
    if (cell == RNC_CELL_LSTM) {
      EXPECT_EQ (0, memcmp (rnc_state_peek_c (g.state), rnc_state_peek_c (s),
              LH * sizeof (float)));
    }
    /* the first frame of each forecast is the one-step prediction */
    for (size_t t = 0; t < n; t++)
      EXPECT_EQ (0, memcmp (out.data () + t * 7 * D, y.data () + t * D,
              D * sizeof (float))) << "frame " << t;
    rnc_runner_free (r);
    rnc_state_free (s);
    rnc_model_free (m);
  }
}

/* A windowed model forecasts from the last T frames, real and generated,
 * each time from a fresh state; frames before the first window give none. */
TEST (RncGenerator, WindowedHorizonRerunsTheWindow)
{
  const size_t D = 1, H = 5, T = 4, N = 6, n = 11;
  RncModel *m = random_model (RNC_CELL_LSTM, RNC_INPUT_DENSE, D, 0, H, 1,
      RNC_HEAD_REGRESSION, D, 8, 0.7f);
  auto x = normal_vec (n * D, 9);
  Gen g (m, T, N, RNC_INIT_ONES);
  std::vector<float> out (n * N * D);
  size_t n_out = 0;
  ASSERT_TRUE (rnc_generator_process (g.gen, x.data (), n, out.data (),
          &n_out, nullptr));
  ASSERT_EQ (n_out, n - T + 1);
  double worst = 0;
  for (size_t k = 0; k < n_out; k++) {
    size_t t = k + T - 1;
    auto ref = ref_rollout (m,
        std::vector<float> (x.begin () + (t + 1 - T) * D,
            x.begin () + (t + 1) * D), N, T, RNC_INIT_ONES);
    worst = std::max (worst, max_abs_diff (out.data () + k * N * D,
            ref.data (), N * D));
  }
  EXPECT_LT (worst, 1e-5);
  rnc_model_free (m);
}

TEST (RncGenerator, ContinuationFeedsPredictionsBack)
{
  const size_t D = 2, H = 7, n = 6, L = 40;
  for (size_t window : { (size_t) 0, (size_t) 3 }) {
    RncModel *m = random_model (RNC_CELL_RNN, RNC_INPUT_DENSE, D, 0, H, 1,
        RNC_HEAD_REGRESSION, D, 10, 0.5f);
    auto x = normal_vec (n * D, 11);
    auto ref = ref_rollout (m, x, L, window);
    /* the same frames whatever the chunks of the continuation */
    for (size_t chunk : { (size_t) 1, (size_t) 7, (size_t) 100 }) {
      Gen g (m, window, 0, RNC_INIT_ZEROS, 4);
      ASSERT_TRUE (rnc_generator_process (g.gen, x.data (), n, nullptr,
              nullptr, nullptr));
      auto seq = g.continuation<float> (L, chunk);
      ASSERT_EQ (seq.size (), L * D);
      EXPECT_LT (max_abs_diff (seq, ref), 1e-5) << "window " << window
          << ", chunk " << chunk;
      /* the true state stayed after the last real frame: again */
      auto again = g.continuation<float> (L, 3);
      EXPECT_EQ (again, seq);
    }
    rnc_model_free (m);
  }
}

TEST (RncGenerator, ContinuationNeedsSomethingToContinueFrom)
{
  RncModel *m = random_model (RNC_CELL_RNN, RNC_INPUT_DENSE, 2, 0, 4, 1,
      RNC_HEAD_REGRESSION, 2, 12, 0.7f);
  Gen g (m, 3, 0);
  EXPECT_FALSE (rnc_generator_start (g.gen, 5));
  float buf[20];
  EXPECT_EQ (rnc_generator_continue (g.gen, buf, 10), 0u);
  auto x = normal_vec (2 * 2, 1);
  /* two frames: fewer than the window */
  ASSERT_TRUE (rnc_generator_process (g.gen, x.data (), 2, nullptr, nullptr,
          nullptr));
  EXPECT_FALSE (rnc_generator_start (g.gen, 5));
  ASSERT_TRUE (rnc_generator_process (g.gen, x.data (), 1, nullptr, nullptr,
          nullptr));
  EXPECT_TRUE (rnc_generator_start (g.gen, 5));
  EXPECT_EQ (rnc_generator_continue (g.gen, buf, 10), 5u);
  /* new frames drop the continuation */
  ASSERT_TRUE (rnc_generator_start (g.gen, 5));
  ASSERT_TRUE (rnc_generator_process (g.gen, x.data (), 1, nullptr, nullptr,
          nullptr));
  EXPECT_EQ (rnc_generator_continue (g.gen, buf, 10), 0u);
  rnc_generator_reset (g.gen);
  EXPECT_FALSE (rnc_generator_start (g.gen, 5));
  rnc_model_free (m);
}

/* ---- language models ---- */

namespace {

struct Lm
{
  RncModel *m;
  std::vector<int32_t> prompt{ 3, 1, 4, 1, 5, 9, 2, 6 };
  explicit Lm (size_t V = 11)
  {
    m = random_model (RNC_CELL_LSTM, RNC_INPUT_INDEX, V, 0, 8, 1,
        RNC_HEAD_CLASSES, V, 21, 1.5f);
  }
  ~Lm () { rnc_model_free (m); }

  std::vector<int32_t> generate (size_t window, size_t length, float temp,
      size_t top_k, guint64 seed, int32_t stop = -1, size_t chunk = 1000)
  {
    Gen g (m, window, 0);
    rnc_generator_set_seed (g.gen, seed);
    rnc_generator_set_sampling (g.gen, temp, top_k, stop);
    EXPECT_TRUE (rnc_generator_process (g.gen, prompt.data (),
            prompt.size (), nullptr, nullptr, nullptr));
    return g.continuation<int32_t> (length, chunk);
  }
};

} // namespace

TEST (RncGenerator, GreedyIdsFollowTheArgmax)
{
  Lm lm;
  for (size_t window : { (size_t) 0, (size_t) 5 }) {
    auto ref = ref_greedy (lm.m, lm.prompt, 30, window);
    EXPECT_EQ (lm.generate (window, 30, 0.0f, 0, 1), ref) << window;
    EXPECT_EQ (lm.generate (window, 30, 0.0f, 0, 1, -1, 4), ref) << window;
    /* top-k = 1 is greedy at any temperature and seed */
    EXPECT_EQ (lm.generate (window, 30, 1.5f, 1, 77), ref) << window;
  }
}

TEST (RncGenerator, SameSeedSameIds)
{
  Lm lm;
  for (size_t window : { (size_t) 0, (size_t) 5 }) {
    auto a = lm.generate (window, 60, 1.0f, 0, 42);
    auto b = lm.generate (window, 60, 1.0f, 0, 42, -1, 7);
    auto c = lm.generate (window, 60, 1.0f, 0, 43);
    EXPECT_EQ (a, b);
    EXPECT_NE (a, c);
    /* sampled, not greedy */
    EXPECT_NE (a, ref_greedy (lm.m, lm.prompt, 60, window));
  }
  /* a reset restarts the draws */
  Gen g (lm.m, 0, 0);
  rnc_generator_set_seed (g.gen, 5);
  std::vector<int32_t> runs[2];
  for (auto &r : runs) {
    rnc_generator_reset (g.gen);
    rnc_generator_process (g.gen, lm.prompt.data (), lm.prompt.size (),
        nullptr, nullptr, nullptr);
    r = g.continuation<int32_t> (40);
  }
  EXPECT_EQ (runs[0], runs[1]);
}

TEST (RncGenerator, TopKKeepsTheLargestLogits)
{
  Lm lm;
  /* with top-k = 2 every draw is one of the two most likely ids after the
   * same context: check against the greedy reference's logits */
  auto ids = lm.generate (0, 50, 5.0f, 2, 3);
  std::vector<int32_t> seq (lm.prompt);
  size_t V = 11;
  for (int32_t id : ids) {
    RncState *s = rnc_state_new (lm.m, 1, 0);
    std::vector<float> y (seq.size () * V);
    rnc_forward_ids_ref (s, seq.data (), seq.size (), nullptr, y.data ());
    rnc_state_free (s);
    std::vector<float> last (y.end () - V, y.end ());
    std::vector<float> sorted (last);
    std::sort (sorted.rbegin (), sorted.rend ());
    EXPECT_GE (last[id], sorted[1]) << "id " << id;
    seq.push_back (id);
  }
}

TEST (RncGenerator, StopIdEndsTheContinuation)
{
  Lm lm;
  auto free_run = lm.generate (0, 200, 1.0f, 0, 8);
  auto at = std::find (free_run.begin (), free_run.end (), 2);
  ASSERT_NE (at, free_run.end ()) << "id 2 never drawn";
  size_t expect = (size_t) (at - free_run.begin ()) + 1;
  for (size_t chunk : { (size_t) 1, (size_t) 3, (size_t) 1000 }) {
    auto stopped = lm.generate (0, 200, 1.0f, 0, 8, 2, chunk);
    ASSERT_EQ (stopped.size (), expect);
    EXPECT_TRUE (std::equal (stopped.begin (), stopped.end (),
            free_run.begin ()));
    EXPECT_EQ (stopped.back (), 2);
  }
}

TEST (RncGenerator, IdHorizonAndBadIds)
{
  Lm lm;
  Gen g (lm.m, 0, 5);
  rnc_generator_set_sampling (g.gen, 0.0f, 0, -1);
  EXPECT_TRUE (rnc_generator_is_ids (g.gen));
  EXPECT_EQ (rnc_generator_get_output_width (g.gen), 5u);
  std::vector<int32_t> out (lm.prompt.size () * 5);
  size_t n_out = 0;
  ASSERT_TRUE (rnc_generator_process (g.gen, lm.prompt.data (),
          lm.prompt.size (), out.data (), &n_out, nullptr));
  ASSERT_EQ (n_out, lm.prompt.size ());
  for (size_t t = 0; t < n_out; t++) {
    auto ref = ref_greedy (lm.m, std::vector<int32_t> (lm.prompt.begin (),
            lm.prompt.begin () + t + 1), 5);
    EXPECT_TRUE (std::equal (ref.begin (), ref.end (), out.begin () + t * 5))
        << "frame " << t;
  }
  int32_t bad[] = { 1, 2, 11 };
  size_t where = 0;
  EXPECT_FALSE (rnc_generator_process (g.gen, bad, 3, out.data (), &n_out,
          &where));
  EXPECT_EQ (where, 2u);
}
