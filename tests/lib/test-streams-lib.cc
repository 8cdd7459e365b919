/* Many streams in one runner or generator (lib/rnc-runner.c,
 * lib/rnc-generate.c with a state of batch N): every stream's outputs are
 * compared bit for bit with those of N separate runners (batch 1) fed that
 * stream alone, cut into other chunks; per-stream resets leave the other
 * streams untouched; the batched step split over rows on two threads gives
 * the same bits. */
#include "rnc-test-util.h"

#include "rnc.h"

#include <cmath>
#include <cstring>
#include <tuple>

namespace {

/* Frame t of stream n of an (T, N, W) time-major block. */
template <typename V>
std::vector<V>
column (const std::vector<V> &frames, size_t T, size_t N, size_t W, size_t n)
{
  std::vector<V> out (T * W);
  for (size_t t = 0; t < T; t++)
    std::memcpy (out.data () + t * W, frames.data () + (t * N + n) * W,
        W * sizeof (V));
  return out;
}

template <typename V>
bool
same_bits (const V *a, const V *b, size_t n)
{
  return std::memcmp (a, b, n * sizeof (V)) == 0;
}

struct Config {
  RncCell cell;
  RncInputKind input;
  RncHeadKind head;
  RncOutputKind kind;
  size_t window;
  size_t H;
};

RncModel *
make_model (const Config &c, size_t D)
{
  size_t Q = c.head == RNC_HEAD_NONE ? 0 : c.input == RNC_INPUT_INDEX ? D : 3;
  RncModel *m = rnc_test::random_model (c.cell, c.input, D, 0, c.H, 2,
      c.head, Q, 11, rnc_test::trained_scale (c.H));
  if (c.input == RNC_INPUT_DENSE) {
    std::vector<float> mean (D, 0.25f), sd (D, 1.5f);
    rnc_model_set_input_scaling (m, mean.data (), sd.data ());
  }
  if (c.head == RNC_HEAD_REGRESSION) {
    const float om[] = { 1.0f, -2.0f, 0.5f }, os[] = { 3.0f, 0.5f, 2.0f };
    rnc_model_set_output_scaling (m, om, os);
  }
  return m;
}

/* Runs @T frames of @N streams through one runner of batch N, cut into
 * chunks of 1, 2, 3, ... frames; returns (n_out, N, W) outputs as bytes. */
std::vector<uint8_t>
run_batched (RncModel *m, const Config &c, size_t N, const void *x, size_t T,
    size_t *n_out_total, size_t *W_out)
{
  RncState *s = rnc_state_new (m, N, N == 1 ? 7 : 1);
  GError *err = nullptr;
  RncRunner *r = rnc_runner_new (s, c.kind, c.window, &err);
  EXPECT_NE (r, nullptr) << (err ? err->message : "");
  size_t FW = rnc_runner_get_frame_width (r), OW = rnc_runner_get_output_width (r);
  size_t vb = 4;
  std::vector<uint8_t> out (T * OW * vb + 4);
  size_t done = 0, k = 0, step = 1;
  while (done < T) {
    size_t n = std::min (step++, T - done), got = 0;
    EXPECT_TRUE (rnc_runner_process (r, (const uint8_t *) x + done * FW * vb,
            n, out.data () + k * OW * vb, &got, nullptr));
    k += got;
    done += n;
  }
  out.resize (k * OW * vb);
  *n_out_total = k;
  *W_out = OW / N;
  rnc_runner_free (r);
  rnc_state_free (s);
  return out;
}

/* One stream alone, in one call. */
std::vector<uint8_t>
run_single (RncModel *m, const Config &c, const void *x, size_t T,
    size_t *n_out)
{
  RncState *s = rnc_state_new (m, 1, 0);
  RncRunner *r = rnc_runner_new (s, c.kind, c.window, nullptr);
  size_t OW = rnc_runner_get_output_width (r);
  std::vector<uint8_t> out (T * OW * 4 + 4);
  EXPECT_TRUE (rnc_runner_process (r, x, T, out.data (), n_out, nullptr));
  out.resize (*n_out * OW * 4);
  rnc_runner_free (r);
  rnc_state_free (s);
  return out;
}

} // namespace

class RncStreamsExact : public ::testing::TestWithParam<std::tuple<Config,
    size_t>> {
};

TEST_P (RncStreamsExact, EveryStreamMatchesASeparateRunner)
{
  const Config &c = std::get<0> (GetParam ());
  size_t N = std::get<1> (GetParam ());
  const size_t T = 23;
  size_t D = c.input == RNC_INPUT_INDEX ? 7 : 2;
  RncModel *m = make_model (c, D);
  bool ids = c.input == RNC_INPUT_INDEX;
  size_t FWs = ids ? 1 : D;     /* values per frame of one stream */

  /* (T, N, FWs) frames, every stream different */
  std::vector<float> xf;
  std::vector<int32_t> xi;
  if (ids) {
    xi.resize (T * N);
    for (size_t i = 0; i < xi.size (); i++)
      xi[i] = (int32_t) ((i * 5 + i / 3) % D);
  } else {
    xf = rnc_test::normal_vec (T * N * D, 100 + N);
  }
  const void *x = ids ? (const void *) xi.data () : (const void *) xf.data ();

  size_t k = 0, W = 0;
  std::vector<uint8_t> batched = run_batched (m, c, N, x, T, &k, &W);
  size_t expect_out = c.window ? T - c.window + 1 : T;
  EXPECT_EQ (k, expect_out);

  for (size_t n = 0; n < N; n++) {
    size_t k1 = 0;
    std::vector<uint8_t> one;
    if (ids) {
      auto col = column (xi, T, N, 1, n);
      one = run_single (m, c, col.data (), T, &k1);
    } else {
      auto col = column (xf, T, N, FWs, n);
      one = run_single (m, c, col.data (), T, &k1);
    }
    ASSERT_EQ (k1, k);
    /* stream n's slice of every batched output frame */
    std::vector<uint8_t> mine (k * W * 4);
    for (size_t t = 0; t < k; t++)
      std::memcpy (mine.data () + t * W * 4,
          batched.data () + (t * N + n) * W * 4, W * 4);
    EXPECT_TRUE (same_bits (mine.data (), one.data (), mine.size ()))
        << "stream " << n << " of " << N << " differs from a single run";
  }
  rnc_model_free (m);
}

static const Config kConfigs[] = {
  { RNC_CELL_LSTM, RNC_INPUT_DENSE, RNC_HEAD_REGRESSION, RNC_OUTPUT_PREDICTION, 0, 40 },
  { RNC_CELL_LSTM, RNC_INPUT_DENSE, RNC_HEAD_REGRESSION, RNC_OUTPUT_HIDDEN, 0, 20 },
  { RNC_CELL_LSTM, RNC_INPUT_DENSE, RNC_HEAD_REGRESSION, RNC_OUTPUT_PREDICTION, 4, 20 },
  { RNC_CELL_RNN, RNC_INPUT_DENSE, RNC_HEAD_REGRESSION, RNC_OUTPUT_PREDICTION, 0, 40 },
  { RNC_CELL_RNN, RNC_INPUT_DENSE, RNC_HEAD_CLASSES, RNC_OUTPUT_ARGMAX, 3, 20 },
  { RNC_CELL_LSTM, RNC_INPUT_DENSE, RNC_HEAD_CLASSES, RNC_OUTPUT_PROBABILITIES, 0, 24 },
  { RNC_CELL_LSTM, RNC_INPUT_INDEX, RNC_HEAD_CLASSES, RNC_OUTPUT_ARGMAX, 0, 24 },
  { RNC_CELL_RNN, RNC_INPUT_INDEX, RNC_HEAD_CLASSES, RNC_OUTPUT_LOGITS, 5, 36 },
  { RNC_CELL_GRU, RNC_INPUT_DENSE, RNC_HEAD_REGRESSION, RNC_OUTPUT_PREDICTION, 0, 40 },
  { RNC_CELL_GRU, RNC_INPUT_DENSE, RNC_HEAD_REGRESSION, RNC_OUTPUT_PREDICTION, 4, 20 },
  { RNC_CELL_GRU, RNC_INPUT_INDEX, RNC_HEAD_CLASSES, RNC_OUTPUT_ARGMAX, 0, 24 },
};

INSTANTIATE_TEST_SUITE_P (Configs, RncStreamsExact,
    ::testing::Combine (::testing::ValuesIn (kConfigs),
        ::testing::Values ((size_t) 1, (size_t) 3, (size_t) 17)));

/* Sparse (one-hot like) wide frames take the unfused input projection for
 * the whole batch when any row is sparse: still each stream's own bits. */
TEST (RncStreams, SparseWideFramesMatchSeparateRunners)
{
  const size_t D = 20, N = 4, T = 9;
  Config c = { RNC_CELL_LSTM, RNC_INPUT_DENSE, RNC_HEAD_NONE,
    RNC_OUTPUT_HIDDEN, 0, 24 };
  RncModel *m = rnc_test::random_model (c.cell, c.input, D, 0, c.H, 1,
      c.head, 0, 5, 0.3f);
  std::vector<float> x = rnc_test::normal_vec (T * N * D, 9);
  /* stream 1 one-hot at every frame, stream 3 at odd frames */
  for (size_t t = 0; t < T; t++)
    for (size_t n : { (size_t) 1, (size_t) 3 }) {
      if (n == 3 && t % 2 == 0)
        continue;
      float *f = x.data () + (t * N + n) * D;
      std::fill (f, f + D, 0.0f);
      f[(t * 3 + n) % D] = 1.0f;
    }
  size_t k = 0, W = 0;
  auto batched = run_batched (m, c, N, x.data (), T, &k, &W);
  for (size_t n = 0; n < N; n++) {
    size_t k1 = 0;
    auto col = column (x, T, N, D, n);
    auto one = run_single (m, c, col.data (), T, &k1);
    std::vector<uint8_t> mine (k * W * 4);
    for (size_t t = 0; t < k; t++)
      std::memcpy (mine.data () + t * W * 4,
          batched.data () + (t * N + n) * W * 4, W * 4);
    EXPECT_TRUE (same_bits (mine.data (), one.data (), mine.size ()))
        << "stream " << n;
  }
  rnc_model_free (m);
}

/* Resetting one stream leaves the others exactly as without the reset,
 * and the reset stream continues as a fresh single run from that frame. */
class RncStreamsReset : public ::testing::TestWithParam<size_t> {
};

TEST_P (RncStreamsReset, ResetsOneStreamOnly)
{
  const size_t window = GetParam ();
  const size_t N = 5, T = 30, D = 2, at = 12, victim = 2;
  Config c = { RNC_CELL_LSTM, RNC_INPUT_DENSE, RNC_HEAD_REGRESSION,
    RNC_OUTPUT_PREDICTION, window, 20 };
  RncModel *m = make_model (c, D);
  std::vector<float> x = rnc_test::normal_vec (T * N * D, 77);

  RncState *s = rnc_state_new (m, N, 1);
  rnc_state_set_init (s, RNC_INIT_ONES);
  rnc_state_reset (s);
  RncRunner *r = rnc_runner_new (s, c.kind, window, nullptr);
  ASSERT_NE (r, nullptr);
  const size_t W = 3;
  std::vector<float> out (T * N * W);
  size_t k1 = 0, k2 = 0;
  ASSERT_TRUE (rnc_runner_process (r, x.data (), at, out.data (), &k1,
          nullptr));
  rnc_runner_reset_stream (r, victim);
  ASSERT_TRUE (rnc_runner_process (r, x.data () + at * N * D, T - at,
          out.data () + k1 * N * W, &k2, nullptr));
  size_t k = k1 + k2;
  ASSERT_EQ (k, window ? T - window + 1 : T);
  size_t first = window ? window - 1 : 0;       /* frame of output 0 */

  for (size_t n = 0; n < N; n++) {
    RncState *s1 = rnc_state_new (m, 1, 0);
    rnc_state_set_init (s1, RNC_INIT_ONES);
    rnc_state_reset (s1);
    RncRunner *r1 = rnc_runner_new (s1, c.kind, window, nullptr);
    auto col = column (x, T, N, D, n);
    std::vector<float> one (T * W, NAN);
    size_t a = 0, b = 0;
    if (n == victim) {
      /* the same run up to frame `at`, then a fresh one */
      rnc_runner_process (r1, col.data (), at, one.data (), &a, nullptr);
      rnc_runner_reset (r1);
      std::vector<float> rest (T * W);
      rnc_runner_process (r1, col.data () + at * D, T - at, rest.data (), &b,
          nullptr);
      /* the fresh run's outputs belong to the last b frames; none (NaN in
       * the batch) between */
      std::vector<float> aligned (k * W, NAN);
      std::memcpy (aligned.data (), one.data (), a * W * sizeof (float));
      std::memcpy (aligned.data () + (k - b) * W, rest.data (),
          b * W * sizeof (float));
      one = aligned;
    } else {
      rnc_runner_process (r1, col.data (), T, one.data (), &a, nullptr);
      ASSERT_EQ (a, k);
      one.resize (k * W);
    }
    for (size_t t = 0; t < k; t++) {
      const float *got = out.data () + (t * N + n) * W;
      const float *want = one.data () + t * W;
      if (std::isnan (want[0])) {
        /* the reset stream has no output before a full window */
        EXPECT_TRUE (n == victim && window > 0);
        for (size_t i = 0; i < W; i++)
          EXPECT_TRUE (std::isnan (got[i])) << "stream " << n << " frame "
              << first + t;
      } else {
        EXPECT_TRUE (same_bits (got, want, W)) << "stream " << n
            << " frame " << first + t;
      }
    }
    rnc_runner_free (r1);
    rnc_state_free (s1);
  }
  rnc_runner_free (r);
  rnc_state_free (s);
  rnc_model_free (m);
}

INSTANTIATE_TEST_SUITE_P (Windows, RncStreamsReset,
    ::testing::Values ((size_t) 0, (size_t) 4));

/* Per-stream initial states (a state file of N streams) reset per stream. */
TEST (RncStreams, GivenInitialStatePerStream)
{
  const size_t N = 3, L = 2, H = 8;
  RncModel *m = rnc_test::random_model (RNC_CELL_LSTM, RNC_INPUT_DENSE, 1, 0,
      H, L, RNC_HEAD_NONE, 0, 3, 0.5f);
  auto h0 = rnc_test::normal_vec (L * N * H, 1), c0 = rnc_test::normal_vec (L
      * N * H, 2);
  RncState *s = rnc_state_new (m, N, 1);
  rnc_state_set_initial_streams (s, h0.data (), c0.data ());
  rnc_state_reset (s);
  EXPECT_TRUE (same_bits (rnc_state_peek_h (s), h0.data (), L * N * H));
  EXPECT_TRUE (same_bits (rnc_state_peek_c (s), c0.data (), L * N * H));
  const float x[N] = { 0.5f, -1.0f, 2.0f };
  rnc_forward (s, x, 1, nullptr, nullptr);
  std::vector<float> before (rnc_state_peek_h (s), rnc_state_peek_h (s)
      + L * N * H);
  rnc_state_reset_stream (s, 1);
  for (size_t l = 0; l < L; l++)
    for (size_t n = 0; n < N; n++) {
      const float *got = rnc_state_peek_h (s) + (l * N + n) * H;
      const float *want = n == 1 ? h0.data () + (l * N + n) * H :
          before.data () + (l * N + n) * H;
      EXPECT_TRUE (same_bits (got, want, H)) << "layer " << l << " stream "
          << n;
    }
  rnc_state_free (s);
  rnc_model_free (m);
}

/* A large batch split over its rows on two threads: the same bits as one
 * thread. */
TEST (RncStreams, RowSplitOnTwoThreadsGivesTheSameBits)
{
  const size_t N = 600, H = 64, T = 6;
  RncModel *m = rnc_test::random_model (RNC_CELL_LSTM, RNC_INPUT_DENSE, 1, 0,
      H, 2, RNC_HEAD_REGRESSION, 1, 21, rnc_test::trained_scale (H));
  std::vector<float> x = rnc_test::normal_vec (T * N, 4);
  std::vector<float> out[2];
  for (int threads = 1; threads <= 2; threads++) {
    RncState *s = rnc_state_new (m, N, 1);
    EXPECT_EQ (rnc_state_set_threads (s, threads), (guint) threads);
    RncRunner *r = rnc_runner_new (s, RNC_OUTPUT_PREDICTION, 0, nullptr);
    out[threads - 1].resize (T * N);
    size_t k = 0;
    ASSERT_TRUE (rnc_runner_process (r, x.data (), T,
            out[threads - 1].data (), &k, nullptr));
    EXPECT_EQ (k, T);
    rnc_runner_free (r);
    rnc_state_free (s);
  }
  EXPECT_TRUE (same_bits (out[0].data (), out[1].data (), T * N));
  /* a small batch gets no helper */
  RncState *small = rnc_state_new (m, 4, 1);
  EXPECT_EQ (rnc_state_set_threads (small, 2), 1u);
  rnc_state_free (small);
  rnc_model_free (m);
}

/* generate with N streams: each stream's horizon forecasts (and the
 * continuation) are those of a generator of one stream. */
class RncStreamsGenerate : public ::testing::TestWithParam<size_t> {
};

TEST_P (RncStreamsGenerate, HorizonAndContinuationPerStream)
{
  const size_t window = GetParam ();
  const size_t N = 3, T = 14, D = 2, horizon = 4, length = 5;
  RncModel *m = rnc_test::random_model (RNC_CELL_LSTM, RNC_INPUT_DENSE, D, 0,
      16, 1, RNC_HEAD_REGRESSION, D, 8, rnc_test::trained_scale (16));
  const float mean[] = { 0.5f, -0.5f }, sd[] = { 2.0f, 1.0f };
  rnc_model_set_input_scaling (m, mean, sd);
  rnc_model_set_output_scaling (m, mean, sd);
  std::vector<float> x = rnc_test::normal_vec (T * N * D, 31);

  RncState *s = rnc_state_new (m, N, 1);
  GError *err = nullptr;
  RncGenerator *g = rnc_generator_new (s, window, horizon, &err);
  ASSERT_NE (g, nullptr) << err->message;
  const size_t W = horizon * D;
  EXPECT_EQ (rnc_generator_get_output_width (g), N * W);
  std::vector<float> fc (T * N * W);
  size_t k = 0, got = 0;
  for (size_t t = 0; t < T; t += 5) {
    size_t n = std::min ((size_t) 5, T - t);
    ASSERT_TRUE (rnc_generator_process (g, x.data () + t * N * D, n,
            fc.data () + k * N * W, &got, nullptr));
    k += got;
  }
  ASSERT_TRUE (rnc_generator_start (g, length));
  std::vector<float> cont (length * N * D);
  size_t c = 0, m2;
  while ((m2 = rnc_generator_continue (g, cont.data () + c * N * D, 2)) > 0)
    c += m2;
  EXPECT_EQ (c, length);

  for (size_t n = 0; n < N; n++) {
    RncState *s1 = rnc_state_new (m, 1, 0);
    RncGenerator *g1 = rnc_generator_new (s1, window, horizon, nullptr);
    auto col = column (x, T, N, D, n);
    std::vector<float> one (T * W);
    size_t k1 = 0;
    ASSERT_TRUE (rnc_generator_process (g1, col.data (), T, one.data (), &k1,
            nullptr));
    ASSERT_EQ (k1, k);
    for (size_t t = 0; t < k; t++)
      EXPECT_TRUE (same_bits (fc.data () + (t * N + n) * W,
              one.data () + t * W, W)) << "stream " << n << " output " << t;
    ASSERT_TRUE (rnc_generator_start (g1, length));
    std::vector<float> cone (length * D);
    EXPECT_EQ (rnc_generator_continue (g1, cone.data (), length), length);
    for (size_t t = 0; t < length; t++)
      EXPECT_TRUE (same_bits (cont.data () + (t * N + n) * D,
              cone.data () + t * D, D)) << "stream " << n << " frame " << t;
    rnc_generator_free (g1);
    rnc_state_free (s1);
  }
  rnc_generator_free (g);
  rnc_state_free (s);
  rnc_model_free (m);
}

INSTANTIATE_TEST_SUITE_P (Windows, RncStreamsGenerate,
    ::testing::Values ((size_t) 0, (size_t) 3));

TEST (RncStreams, RejectsLanguageModelWithManyStreams)
{
  RncModel *m = rnc_test::random_model (RNC_CELL_LSTM, RNC_INPUT_INDEX, 5, 0,
      8, 1, RNC_HEAD_CLASSES, 5, 1, 0.5f);
  RncState *s = rnc_state_new (m, 2, 1);
  GError *err = nullptr;
  EXPECT_EQ (rnc_generator_new (s, 0, 3, &err), nullptr);
  ASSERT_NE (err, nullptr);
  EXPECT_NE (std::string (err->message).find ("2 streams"),
      std::string::npos) << err->message;
  g_clear_error (&err);
  rnc_state_free (s);
  rnc_model_free (m);
}
