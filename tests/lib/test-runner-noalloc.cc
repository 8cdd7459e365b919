/* The stream runner that the rnn and lstm elements call per buffer
 * allocates nothing after rnc_runner_new(): malloc and friends are
 * interposed in this test binary (as in test-noalloc.cc) and counted while
 * the runner processes frames in every output kind, with and without a
 * window, dense and index input, scaling, and the last-output path.
 * Skipped under sanitizers (their allocator owns malloc) and outside glibc. */
#include "rnc-test-util.h"

#include "rnc.h"

#include <cstdlib>

#include "rnc-noalloc-hooks.h"

namespace {

/* An LSTM of 2 layers of 24 units. */
RncModel *
model (RncInputKind input, size_t D, RncHeadKind head, size_t Q)
{
  RncModel *m = rnc_test::model_new (RNC_CELL_LSTM, input, D, 0, 24, 2, head,
      Q);
  rnc_test::fill_pattern (m);
  return m;
}

} // namespace

TEST (RncRunnerNoAlloc, ProcessingAllocatesNothing)
{
#ifdef RNC_NOALLOC_SKIP
  GTEST_SKIP () << RNC_NOALLOC_SKIP;
#endif
  ASSERT_TRUE (malloc_is_interposed ()) << "malloc is not interposed";
  const size_t T = 150, D = 3, Q = 5;
  RncModel *reg = model (RNC_INPUT_DENSE, D, RNC_HEAD_REGRESSION, Q);
  const float mean[] = { 1, 2, 3 }, sd[] = { 2, 2, 2 };
  rnc_model_set_input_scaling (reg, mean, sd);
  RncModel *cls = model (RNC_INPUT_DENSE, D, RNC_HEAD_CLASSES, Q);
  RncModel *ids = model (RNC_INPUT_INDEX, 9, RNC_HEAD_CLASSES, 9);
  /* a calibrated forecaster (output interval) and a tagger with a
   * lookahead of 2 (flushed at the end) */
  RncModel *cal = model (RNC_INPUT_DENSE, D, RNC_HEAD_REGRESSION, 2);
  rnc_model_set_metadata (cal, "rnc.residual_quantiles", "{\"probs\": "
      "[0.05, 0.5, 0.95], \"q\": [[-1, 0, 2], [-3, 0.5, 1]]}");
  /* a forecaster (Q = D): output interval with its online calibration */
  RncModel *fc = model (RNC_INPUT_DENSE, D, RNC_HEAD_REGRESSION, D);
  rnc_model_set_metadata (fc, "rnc.residual_quantiles", "{\"probs\": "
      "[0.05, 0.5, 0.95], \"q\": [[-1, 0, 2], [-3, 0.5, 1], [-1, 0, 1]]}");
  RncModel *lag = model (RNC_INPUT_INDEX, 9, RNC_HEAD_CLASSES, 9);
  rnc_model_set_metadata (lag, "rnc.delay", "2");
  rnc_model_set_metadata (lag, "rnc.pad_id", "8");
  ASSERT_TRUE (rnc_model_parse_metadata (lag, nullptr));
  std::vector<float> x (T * D, 0.5f), out (T * 24);
  std::vector<int32_t> tok (T);
  for (size_t t = 0; t < T; t++)
    tok[t] = (int32_t) (t % 9);

  struct Case { RncModel *m; RncOutputKind kind; size_t window; };
  const Case cases[] = {
    { reg, RNC_OUTPUT_PREDICTION, 0 }, { reg, RNC_OUTPUT_HIDDEN, 0 },
    { reg, RNC_OUTPUT_PREDICTION, 7 }, { cls, RNC_OUTPUT_PROBABILITIES, 0 },
    { cls, RNC_OUTPUT_ARGMAX, 0 }, { cls, RNC_OUTPUT_LOGITS, 4 },
    { ids, RNC_OUTPUT_ARGMAX, 0 }, { ids, RNC_OUTPUT_PROBABILITIES, 5 },
    { cal, RNC_OUTPUT_INTERVAL, 0 }, { cal, RNC_OUTPUT_INTERVAL, 6 },
    { fc, RNC_OUTPUT_INTERVAL, 0 }, { fc, RNC_OUTPUT_INTERVAL, 6 },
    { lag, RNC_OUTPUT_ARGMAX, 0 }, { lag, RNC_OUTPUT_LOGITS, 0 },
  };
  for (const Case &c : cases) {
    RncState *s = rnc_state_new (c.m, 1, 16);
    RncRunner *r = rnc_runner_new (s, c.kind, c.window, nullptr);
    ASSERT_NE (r, nullptr);
    const void *in = rnc_runner_input_is_ids (r) ? (const void *) tok.data () :
        (const void *) x.data ();
    size_t n_out = 0;
    counting = true;
    n_allocs = 0;
    for (size_t t0 = 0; t0 < T; t0 += 37) {
      size_t n = std::min ((size_t) 37, T - t0);
      const void *chunk = rnc_runner_input_is_ids (r) ?
          (const void *) (tok.data () + t0) : (const void *) (x.data () + t0 * D);
      rnc_runner_process (r, chunk, n, out.data (), &n_out, nullptr);
      rnc_runner_process (r, chunk, n, nullptr, nullptr, nullptr);
      rnc_runner_last_output (r, out.data ());
    }
    rnc_runner_set_interval (r, 0.5, nullptr);
    if (rnc_runner_get_track_width (r) > 0) {
      /* what a checkpoint and a resume do with the calibration */
      EXPECT_TRUE (rnc_runner_set_track (r, rnc_runner_peek_track (r),
              rnc_runner_get_track_width (r)));
    }
    rnc_runner_flush (r, out.data (), &n_out);
    rnc_runner_reset (r);
    rnc_runner_process (r, in, T, out.data (), &n_out, nullptr);
    counting = false;
    EXPECT_EQ (n_allocs.load (), 0) << rnc_output_kind_to_string (c.kind)
        << ", window " << c.window;
    rnc_runner_free (r);
    rnc_state_free (s);
  }
  rnc_model_free (reg);
  rnc_model_free (cls);
  rnc_model_free (ids);
  rnc_model_free (cal);
  rnc_model_free (fc);
  rnc_model_free (lag);
}

/* The generator (the generate element's per-buffer calls) allocates nothing
 * after rnc_generator_new(): priming, horizon forecasts and continuations,
 * carried and windowed, regression and language models. */
TEST (RncGeneratorNoAlloc, GeneratingAllocatesNothing)
{
#ifdef RNC_NOALLOC_SKIP
  GTEST_SKIP () << RNC_NOALLOC_SKIP;
#endif
  const size_t T = 100, D = 3;
  RncModel *reg = model (RNC_INPUT_DENSE, D, RNC_HEAD_REGRESSION, D);
  const float mean[] = { 1, 2, 3 }, sd[] = { 2, 2, 2 };
  rnc_model_set_input_scaling (reg, mean, sd);
  rnc_model_set_output_scaling (reg, mean, sd);
  RncModel *lm = model (RNC_INPUT_INDEX, 9, RNC_HEAD_CLASSES, 9);
  std::vector<float> x (T * D, 0.5f), out (T * 5 * D);
  std::vector<int32_t> tok (T);
  for (size_t t = 0; t < T; t++)
    tok[t] = (int32_t) (t % 9);

  struct Case { RncModel *m; size_t window, horizon; };
  const Case cases[] = {
    { reg, 0, 0 }, { reg, 0, 5 }, { reg, 6, 0 }, { reg, 6, 5 },
    { lm, 0, 0 }, { lm, 0, 5 }, { lm, 6, 0 }, { lm, 6, 5 },
  };
  for (const Case &c : cases) {
    RncState *s = rnc_state_new (c.m, 1, 16);
    RncGenerator *g = rnc_generator_new (s, c.window, c.horizon, nullptr);
    ASSERT_NE (g, nullptr);
    rnc_generator_set_sampling (g, 0.8f, 4, 3);
    const bool ids = rnc_generator_is_ids (g);
    counting = true;
    n_allocs = 0;
    for (size_t t0 = 0; t0 < T; t0 += 37) {
      size_t n = std::min ((size_t) 37, T - t0);
      const void *chunk = ids ? (const void *) (tok.data () + t0) :
          (const void *) (x.data () + t0 * D);
      size_t n_out = 0;
      rnc_generator_process (g, chunk, n, out.data (), &n_out, nullptr);
    }
    rnc_generator_start (g, 50);
    while (rnc_generator_continue (g, out.data (), 16) > 0) {
    }
    rnc_generator_reset (g);
    counting = false;
    EXPECT_EQ (n_allocs.load (), 0) << "window " << c.window << ", horizon "
        << c.horizon << (ids ? ", ids" : "");
    rnc_generator_free (g);
    rnc_state_free (s);
  }
  rnc_model_free (reg);
  rnc_model_free (lm);
}

/* Many streams (a state of batch N): the batched runner and generator,
 * their per-stream resets, and the row split on two threads allocate
 * nothing after they were made. */
TEST (RncStreamsNoAlloc, BatchedStreamsAllocateNothing)
{
#ifdef RNC_NOALLOC_SKIP
  GTEST_SKIP () << RNC_NOALLOC_SKIP;
#endif
  const size_t T = 40, D = 3, N = 7;
  RncModel *reg = model (RNC_INPUT_DENSE, D, RNC_HEAD_REGRESSION, D);
  const float mean[] = { 1, 2, 3 }, sd[] = { 2, 2, 2 };
  rnc_model_set_input_scaling (reg, mean, sd);
  rnc_model_set_output_scaling (reg, mean, sd);
  RncModel *cls = model (RNC_INPUT_DENSE, D, RNC_HEAD_CLASSES, 4);
  RncModel *ids = model (RNC_INPUT_INDEX, 9, RNC_HEAD_CLASSES, 9);
  std::vector<float> x (T * N * D, 0.5f), out (T * N * 5 * 24);
  std::vector<int32_t> tok (T * N);
  for (size_t i = 0; i < tok.size (); i++)
    tok[i] = (int32_t) (i % 9);

  struct Case { RncModel *m; RncOutputKind kind; size_t window; };
  const Case cases[] = {
    { reg, RNC_OUTPUT_PREDICTION, 0 }, { reg, RNC_OUTPUT_HIDDEN, 0 },
    { reg, RNC_OUTPUT_PREDICTION, 5 }, { cls, RNC_OUTPUT_ARGMAX, 0 },
    { cls, RNC_OUTPUT_ARGMAX, 4 }, { ids, RNC_OUTPUT_PROBABILITIES, 0 },
    { ids, RNC_OUTPUT_ARGMAX, 3 },
  };
  for (const Case &c : cases) {
    RncState *s = rnc_state_new (c.m, N, 1);
    RncRunner *r = rnc_runner_new (s, c.kind, c.window, nullptr);
    ASSERT_NE (r, nullptr);
    size_t FW = rnc_runner_get_frame_width (r);
    counting = true;
    n_allocs = 0;
    for (size_t t0 = 0; t0 < T; t0 += 9) {
      size_t n = std::min ((size_t) 9, T - t0), n_out = 0;
      const void *chunk = rnc_runner_input_is_ids (r) ?
          (const void *) (tok.data () + t0 * FW) :
          (const void *) (x.data () + t0 * FW);
      rnc_runner_process (r, chunk, n, out.data (), &n_out, nullptr);
      rnc_runner_reset_stream (r, t0 % N);
      rnc_runner_last_output (r, out.data ());
    }
    rnc_runner_reset (r);
    counting = false;
    EXPECT_EQ (n_allocs.load (), 0) << rnc_output_kind_to_string (c.kind)
        << ", window " << c.window;
    rnc_runner_free (r);
    rnc_state_free (s);
  }

  for (size_t window : { (size_t) 0, (size_t) 4 }) {
    RncState *s = rnc_state_new (reg, N, 1);
    RncGenerator *g = rnc_generator_new (s, window, 3, nullptr);
    ASSERT_NE (g, nullptr);
    counting = true;
    n_allocs = 0;
    for (size_t t0 = 0; t0 < T; t0 += 9) {
      size_t n = std::min ((size_t) 9, T - t0), n_out = 0;
      rnc_generator_process (g, x.data () + t0 * N * D, n, out.data (),
          &n_out, nullptr);
      rnc_generator_reset_stream (g, t0 % N);
    }
    rnc_generator_start (g, 20);
    while (rnc_generator_continue (g, out.data (), 6) > 0) {
    }
    counting = false;
    EXPECT_EQ (n_allocs.load (), 0) << "generator, window " << window;
    rnc_generator_free (g);
    rnc_state_free (s);
  }

  /* a batch large enough to split its rows on the helper thread */
  RncModel *big = rnc_test::model_new (RNC_CELL_LSTM, RNC_INPUT_DENSE, 1, 0,
      32, 1, RNC_HEAD_REGRESSION, 1);
  rnc_test::fill_pattern (big);
  const size_t NB = 1024;
  RncState *s = rnc_state_new (big, NB, 1);
  ASSERT_EQ (rnc_state_set_threads (s, 2), 2u);
  RncRunner *r = rnc_runner_new (s, RNC_OUTPUT_PREDICTION, 0, nullptr);
  std::vector<float> xb (4 * NB, 0.25f), ob (4 * NB);
  size_t n_out = 0;
  rnc_runner_process (r, xb.data (), 1, ob.data (), &n_out, nullptr);
  counting = true;
  n_allocs = 0;
  rnc_runner_process (r, xb.data (), 4, ob.data (), &n_out, nullptr);
  counting = false;
  EXPECT_EQ (n_allocs.load (), 0) << "row split";
  rnc_runner_free (r);
  rnc_state_free (s);
  rnc_model_free (big);
  rnc_model_free (reg);
  rnc_model_free (cls);
  rnc_model_free (ids);
}
