/* The SIMD kernels at every level the CPU has (scalar, AVX2, AVX-512):
 *  - the row-deterministic product against its plain loop, and bit-identical
 *    whatever number of rows one call processes;
 *  - the fused recurrent forward (packed weights) against the scalar
 *    reference path over odd shapes, H = 1 .. 1024;
 *  - bit-exact split invariance (any chunking of a stream) and batch
 *    invariance (a stream's output does not depend on its batch mates);
 *  - the packed copy follows the model's weights after a change;
 *  - BPTT's element-wise LSTM steps and column sums against double
 *    precision. */
#include "rnc-test-util.h"

#include "rnc.h"
#include "rnc-cpu.h"
#include "rnc-kernel.h"
#include "rnc-simd.h"
#include "rnc-split.h"

#include <string>
#include <tuple>

using rnc_test::max_abs_diff;
using rnc_test::normal_vec;
using rnc_test::random_model;
using rnc_test::trained_scale;

namespace {

/* Selects a level for the test and restores the previous one after. */
class LevelGuard {
 public:
  explicit LevelGuard (RncCpuLevel level) : saved_ (rnc_cpu_get_level ())
  {
    ok_ = rnc_cpu_set_level (level) == level;
  }
  ~LevelGuard () { rnc_cpu_set_level (saved_); }
  bool ok () const { return ok_; }
 private:
  RncCpuLevel saved_;
  bool ok_;
};

#define REQUIRE_LEVEL(guard, level) \
  LevelGuard guard (level); \
  if (!guard.ok ()) \
    GTEST_SKIP () << "this CPU lacks " << rnc_cpu_level_to_string (level)

const auto kLevels = ::testing::Values (RNC_CPU_SCALAR, RNC_CPU_AVX2,
    RNC_CPU_AVX512);

} // namespace

/* ---- row-deterministic product ------------------------------------------ */

class RncKernelRows
    : public ::testing::TestWithParam<std::tuple<RncCpuLevel, int, int>> {};

TEST_P (RncKernelRows, EqualsPlainLoopAndDoesNotDependOnRowCount)
{
  auto [level, N, K] = GetParam ();
  REQUIRE_LEVEL (guard, level);
  const size_t M = 13, ldx = K + 3, ldo = N + 5;
  auto x = normal_vec (M * ldx, 1), W = normal_vec ((size_t) K * N, 2);
  auto init = normal_vec (M * ldo, 3);

  std::vector<float> all (init), ref (init);
  rnc_kernel_rows_matmul_acc (M, N, K, x.data (), ldx, W.data (), all.data (), ldo);
  rnc_kernel_rows_matmul_acc_ref (M, N, K, x.data (), ldx, W.data (), ref.data (), ldo);
  double e = max_abs_diff (all, ref);
  EXPECT_LT (e, 1e-5 * std::sqrt ((double) K)) << "largest error " << e;

  /* the same rows in calls of 1, 2, 3, ... rows: bit-identical */
  for (size_t step = 1; step <= 7; step++) {
    std::vector<float> part (init);
    for (size_t r = 0; r < M; r += step)
      rnc_kernel_rows_matmul_acc (std::min (step, M - r), N, K,
          x.data () + r * ldx, ldx, W.data (), part.data () + r * ldo, ldo);
    EXPECT_EQ (max_abs_diff (part, all), 0.0) << "rows per call " << step;
  }
  /* padding between rows untouched */
  for (size_t r = 0; r < M; r++)
    for (size_t j = N; j < ldo; j++)
      ASSERT_EQ (all[r * ldo + j], init[r * ldo + j]);
}

INSTANTIATE_TEST_SUITE_P (Shapes, RncKernelRows,
    ::testing::Combine (kLevels, ::testing::Values (1, 3, 16, 17, 100, 130),
        ::testing::Values (1, 7, 64, 257)));

/* ---- fused forward against the reference -------------------------------- */

/* level, cell, H, N */
class RncKernelForward
    : public ::testing::TestWithParam<std::tuple<RncCpuLevel, RncCell, int,
      int>> {};

TEST_P (RncKernelForward, FastPathEqualsReference)
{
  auto [level, cell, H, N] = GetParam ();
  REQUIRE_LEVEL (guard, level);
  const size_t D = 5, Q = 3;
  const size_t L = H <= 100 ? 2 : 1;
  const size_t T = H >= 1024 ? 2 : H >= 256 ? 6 : 13;
  RncModel *m = random_model (cell, RNC_INPUT_DENSE, D, 0, H, L,
      RNC_HEAD_REGRESSION, Q, 17 + H, trained_scale (H));
  auto x = normal_vec (N * T * D, 7);
  /* max_frames 4: chunks, and a last chunk shorter than the others */
  RncState *fast = rnc_state_new (m, N, 4), *ref = rnc_state_new (m, N, 0);
  std::vector<float> hf (N * T * H), hr (N * T * H), yf (N * T * Q), yr (N * T * Q);

  for (int pass = 0; pass < 2; pass++) {
    rnc_forward (fast, x.data (), T, hf.data (), yf.data ());
    rnc_forward_ref (ref, x.data (), T, hr.data (), yr.data ());
    double eh = max_abs_diff (hf, hr), ey = max_abs_diff (yf, yr);
    double ec = rnc_test::max_abs_diff (rnc_state_peek_h (fast),
        rnc_state_peek_h (ref), L * N * H);
    /* float sums against double ones: the largest errors seen on these
     * shapes are 6.4e-7 (h), 5.4e-7 (head) and 2.1e-7 (c) */
    EXPECT_LT (eh, 2e-6) << "hidden, pass " << pass << ", largest error " << eh;
    EXPECT_LT (ey, 2e-6) << "head, pass " << pass << ", largest error " << ey;
    EXPECT_LT (ec, 2e-6) << "state h, pass " << pass;
    if (cell == RNC_CELL_LSTM) {
      double cc = rnc_test::max_abs_diff (rnc_state_peek_c (fast),
          rnc_state_peek_c (ref), L * N * H);
      EXPECT_LT (cc, 2e-6) << "state c, pass " << pass << ", largest error " << cc;
    }
  }
  rnc_state_free (fast);
  rnc_state_free (ref);
  rnc_model_free (m);
}

std::string
forward_name (const ::testing::TestParamInfo<std::tuple<RncCpuLevel, RncCell,
    int, int>> &info)
{
  auto [level, cell, H, N] = info.param;
  return std::string (rnc_cpu_level_to_string (level)) + "_" +
      rnc_cell_to_string (cell) + "_H" + std::to_string (H) + "_N" +
      std::to_string (N);
}

INSTANTIATE_TEST_SUITE_P (Shapes, RncKernelForward,
    ::testing::Combine (kLevels,
        ::testing::Values (RNC_CELL_RNN, RNC_CELL_LSTM, RNC_CELL_GRU),
        ::testing::Values (1, 3, 17, 32, 100, 256),
        ::testing::Values (1, 3, 7)), forward_name);

/* the reference is slow at H = 1024: fewer streams and frames */
INSTANTIATE_TEST_SUITE_P (Large, RncKernelForward,
    ::testing::Combine (kLevels,
        ::testing::Values (RNC_CELL_RNN, RNC_CELL_LSTM, RNC_CELL_GRU),
        ::testing::Values (1024), ::testing::Values (1, 2)), forward_name);

/* level, cell, embedding size */
class RncKernelIds
    : public ::testing::TestWithParam<std::tuple<RncCpuLevel, RncCell, int>> {};

TEST_P (RncKernelIds, GatherEqualsOneHotReference)
{
  auto [level, cell, E] = GetParam ();
  REQUIRE_LEVEL (guard, level);
  const size_t V = 61, H = 37, Q = 61, T = 19, N = 2;
  RncModel *m = random_model (cell, RNC_INPUT_INDEX, V, E, H, 1,
      RNC_HEAD_CLASSES, Q, 5, trained_scale (H));
  std::vector<int32_t> ids (N * T);
  for (size_t i = 0; i < ids.size (); i++)
    ids[i] = (int32_t) ((i * 37 + 11) % V);
  RncState *fast = rnc_state_new (m, N, 5), *ref = rnc_state_new (m, N, 0);
  std::vector<float> yf (N * T * Q), yr (N * T * Q);
  ASSERT_TRUE (rnc_forward_ids (fast, ids.data (), T, nullptr, yf.data ()));
  ASSERT_TRUE (rnc_forward_ids_ref (ref, ids.data (), T, nullptr, yr.data ()));
  double e = max_abs_diff (yf, yr);
  EXPECT_LT (e, 2e-6) << "largest error " << e;
  rnc_state_free (fast);
  rnc_state_free (ref);
  rnc_model_free (m);
}

INSTANTIATE_TEST_SUITE_P (Kinds, RncKernelIds,
    ::testing::Combine (kLevels,
        ::testing::Values (RNC_CELL_RNN, RNC_CELL_LSTM, RNC_CELL_GRU),
        ::testing::Values (0, 9)));

/* ---- bit-exact invariances ---------------------------------------------- */

/* level, cell, N */
class RncKernelInvariance
    : public ::testing::TestWithParam<std::tuple<RncCpuLevel, RncCell, int>> {};

TEST_P (RncKernelInvariance, AnySplitGivesBitIdenticalOutput)
{
  auto [level, cell, N] = GetParam ();
  REQUIRE_LEVEL (guard, level);
  const size_t D = 3, H = 40, Q = 2, T = 45;
  RncModel *m = random_model (cell, RNC_INPUT_DENSE, D, 0, H, 2,
      RNC_HEAD_REGRESSION, Q, 8, trained_scale (H));
  auto x = normal_vec (N * T * D, 12);
  RncState *whole = rnc_state_new (m, N, 0);
  std::vector<float> hw (N * T * H), yw (N * T * Q);
  rnc_forward (whole, x.data (), T, hw.data (), yw.data ());

  const size_t cuts[] = { 1, 2, 7, 13, 17, 3 };
  for (size_t chunk : { 1, 5, 64 }) {
    RncState *parts = rnc_state_new (m, N, chunk);
    std::vector<float> hp (N * T * H), yp (N * T * Q);
    size_t t = 0, k = 0;
    while (t < T) {
      size_t n = std::min (cuts[k++ % 6], T - t);
      /* frames t..t+n of every stream, (N, n, D) */
      std::vector<float> xs (N * n * D), hs (N * n * H), ys (N * n * Q);
      for (size_t s = 0; s < (size_t) N; s++)
        std::copy_n (x.data () + (s * T + t) * D, n * D, xs.data () + s * n * D);
      rnc_forward (parts, xs.data (), n, hs.data (), ys.data ());
      for (size_t s = 0; s < (size_t) N; s++) {
        std::copy_n (hs.data () + s * n * H, n * H, hp.data () + (s * T + t) * H);
        std::copy_n (ys.data () + s * n * Q, n * Q, yp.data () + (s * T + t) * Q);
      }
      t += n;
    }
    EXPECT_EQ (max_abs_diff (hw, hp), 0.0) << "max_frames " << chunk;
    EXPECT_EQ (max_abs_diff (yw, yp), 0.0) << "max_frames " << chunk;
    rnc_state_free (parts);
  }
  rnc_state_free (whole);
  rnc_model_free (m);
}

TEST_P (RncKernelInvariance, StreamOutputDoesNotDependOnItsBatch)
{
  auto [level, cell, N] = GetParam ();
  REQUIRE_LEVEL (guard, level);
  const size_t D = 4, H = 33, Q = 5, T = 21;
  RncModel *m = random_model (cell, RNC_INPUT_DENSE, D, 0, H, 2,
      RNC_HEAD_REGRESSION, Q, 9, trained_scale (H));
  auto x = normal_vec (N * T * D, 13);
  RncState *batch = rnc_state_new (m, N, 8);
  std::vector<float> hb (N * T * H), yb (N * T * Q);
  rnc_forward (batch, x.data (), T, hb.data (), yb.data ());
  for (size_t s = 0; s < (size_t) N; s++) {
    RncState *one = rnc_state_new (m, 1, 8);
    std::vector<float> h1 (T * H), y1 (T * Q);
    rnc_forward (one, x.data () + s * T * D, T, h1.data (), y1.data ());
    EXPECT_EQ (rnc_test::max_abs_diff (h1.data (), hb.data () + s * T * H, T * H), 0.0)
        << "stream " << s;
    EXPECT_EQ (rnc_test::max_abs_diff (y1.data (), yb.data () + s * T * Q, T * Q), 0.0)
        << "stream " << s;
    rnc_state_free (one);
  }
  rnc_state_free (batch);
  rnc_model_free (m);
}

INSTANTIATE_TEST_SUITE_P (Kinds, RncKernelInvariance,
    ::testing::Combine (kLevels,
        ::testing::Values (RNC_CELL_RNN, RNC_CELL_LSTM, RNC_CELL_GRU),
        ::testing::Values (1, 3, 8)));

/* ---- the packed copy follows the weights -------------------------------- */

TEST (RncKernelPack, FollowsWeightChanges)
{
  const size_t D = 2, H = 20, T = 6;
  RncModel *m = random_model (RNC_CELL_LSTM, RNC_INPUT_DENSE, D, 0, H, 1,
      RNC_HEAD_NONE, 0, 4, trained_scale (H));
  auto x = normal_vec (T * D, 5);
  RncState *fast = rnc_state_new (m, 1, 0), *ref = rnc_state_new (m, 1, 0);
  std::vector<float> hf (T * H), hr (T * H);

  auto check = [&] (const char *what) {
    rnc_state_reset (fast);
    rnc_state_reset (ref);
    rnc_forward (fast, x.data (), T, hf.data (), nullptr);
    rnc_forward_ref (ref, x.data (), T, hr.data (), nullptr);
    EXPECT_LT (max_abs_diff (hf, hr), 2e-6) << what;
  };
  check ("fresh model");

  /* writing through rnc_model_get_params () */
  size_t n;
  float *p = rnc_model_get_params (m, &n);
  for (size_t i = 0; i < n; i++)
    p[i] *= -0.5f;
  check ("after rnc_model_get_params");

  /* writing through a pointer obtained before, then announcing it */
  const RncParamViews *v = rnc_model_get_views (m);
  for (size_t i = 0; i < H * 4 * H; i++)
    v->layer[0].Wh[i] += 0.01f;
  rnc_model_params_changed (m);
  check ("after rnc_model_params_changed");

  /* a copy has its own packed weights */
  RncModel *copy = rnc_model_copy (m);
  RncState *cs = rnc_state_new (copy, 1, 0);
  std::vector<float> hc (T * H);
  rnc_state_reset (fast);
  rnc_forward (fast, x.data (), T, hf.data (), nullptr);
  rnc_forward (cs, x.data (), T, hc.data (), nullptr);
  EXPECT_EQ (max_abs_diff (hf, hc), 0.0);
  rnc_state_free (cs);
  rnc_model_free (copy);

  rnc_state_free (fast);
  rnc_state_free (ref);
  rnc_model_free (m);
}

/* ---- the public one-step cells ------------------------------------------ */

class RncKernelCells : public ::testing::TestWithParam<std::tuple<RncCpuLevel,
    int>> {};

TEST_P (RncKernelCells, StepsEqualReference)
{
  auto [level, H] = GetParam ();
  REQUIRE_LEVEL (guard, level);
  const size_t N = 3, D = 6;
  auto x = normal_vec (N * D, 1), h = normal_vec (N * H, 2), c = normal_vec (N * H, 3);
  float s = 1.5f / std::sqrt ((float) H);
  auto Wx = normal_vec (D * 4 * H, 4), Wh = normal_vec (H * 4 * H, 5), b = normal_vec (4 * H, 6);
  for (auto *w : { &Wx, &Wh, &b })
    for (auto &e : *w)
      e *= s;
  std::vector<float> hn (N * H), cn (N * H), hr (N * H), cr (N * H), scratch (N * 4 * H);
  rnc_lstm_step (N, D, H, x.data (), h.data (), c.data (), Wx.data (), Wh.data (),
      b.data (), hn.data (), cn.data (), scratch.data ());
  rnc_lstm_step_ref (N, D, H, x.data (), h.data (), c.data (), Wx.data (),
      Wh.data (), b.data (), hr.data (), cr.data ());
  EXPECT_LT (max_abs_diff (hn, hr), 2e-6);
  EXPECT_LT (max_abs_diff (cn, cr), 2e-6);

  rnc_rnn_step (N, D, H, x.data (), h.data (), Wx.data (), Wh.data (), b.data (),
      hn.data ());
  rnc_rnn_step_ref (N, D, H, x.data (), h.data (), Wx.data (), Wh.data (),
      b.data (), hr.data ());
  EXPECT_LT (max_abs_diff (hn, hr), 2e-6);

  /* GRU: Wx (D, 3H), Wh (H, 3H) are prefixes of the LSTM's arrays; b_hn
   * the last H of b */
  std::vector<float> gscratch (N * 6 * H);
  rnc_gru_step (N, D, H, x.data (), h.data (), Wx.data (), Wh.data (), b.data (),
      b.data () + 3 * H, hn.data (), gscratch.data ());
  rnc_gru_step_ref (N, D, H, x.data (), h.data (), Wx.data (), Wh.data (),
      b.data (), b.data () + 3 * H, hr.data ());
  EXPECT_LT (max_abs_diff (hn, hr), 2e-6);
}

INSTANTIATE_TEST_SUITE_P (Shapes, RncKernelCells,
    ::testing::Combine (kLevels, ::testing::Values (1, 17, 64)));

/* ---- BPTT's element-wise kernels ------------------------------------------ */

class RncKernelBptt : public ::testing::TestWithParam<std::tuple<RncCpuLevel,
    int>> {};

static double
sig (double x)
{
  return 1.0 / (1.0 + std::exp (-x));
}

/* relative to the value, floored at 1 (values are of order 1) */
static double
rel_err (const std::vector<float> &a, const std::vector<double> &b)
{
  double m = 0.0;
  EXPECT_EQ (a.size (), b.size ());
  for (size_t i = 0; i < a.size () && i < b.size (); i++)
    m = std::max (m, std::fabs (a[i] - b[i]) / std::max (1.0, std::fabs (b[i])));
  return m;
}

TEST_P (RncKernelBptt, CellStepsAndColumnSumsEqualDoublePrecision)
{
  auto [level, Hi] = GetParam ();
  REQUIRE_LEVEL (guard, level);
  const RncKernelTable *k = rnc_kernels ();
  const size_t N = 5, H = (size_t) Hi, G = 4 * H;
  auto a = normal_vec (N * G, 31), cp = normal_vec (N * H, 32);
  auto dh = normal_vec (N * H, 33), dn = normal_vec (N * H, 34);
  auto dc = normal_vec (N * H, 35);

  /* forward */
  std::vector<float> g (a), c (N * H), tc (N * H), h (N * H);
  k->lstm_cell_fwd (N, H, g.data (), cp.data (), c.data (), tc.data (),
      h.data ());
  std::vector<double> rg (N * G), rc (N * H), rt (N * H), rh (N * H);
  for (size_t n = 0; n < N; n++)
    for (size_t j = 0; j < H; j++) {
      const float *ar = a.data () + n * G;
      double i = sig (ar[j]), f = sig (ar[H + j]), o = sig (ar[2 * H + j]);
      double gg = std::tanh ((double) ar[3 * H + j]);
      double cn = f * cp[n * H + j] + i * gg;
      rg[n * G + j] = i;
      rg[n * G + H + j] = f;
      rg[n * G + 2 * H + j] = o;
      rg[n * G + 3 * H + j] = gg;
      rc[n * H + j] = cn;
      rt[n * H + j] = std::tanh (cn);
      rh[n * H + j] = o * std::tanh (cn);
    }
  EXPECT_LT (rel_err (g, rg), 1e-6);
  EXPECT_LT (rel_err (c, rc), 1e-6);
  EXPECT_LT (rel_err (tc, rt), 1e-6);
  EXPECT_LT (rel_err (h, rh), 1e-6);

  /* backward, from the float gates and tanh (c) the forward stored */
  std::vector<float> da (N * G), dcn (dc);
  k->lstm_cell_bwd (N, H, g.data (), tc.data (), cp.data (), dh.data (),
      dn.data (), dcn.data (), da.data ());
  std::vector<double> rda (N * G), rdc (N * H);
  for (size_t n = 0; n < N; n++)
    for (size_t j = 0; j < H; j++) {
      const float *gt = g.data () + n * G;
      double i = gt[j], f = gt[H + j], o = gt[2 * H + j], gg = gt[3 * H + j];
      double t = tc[n * H + j], d = (double) dh[n * H + j] + dn[n * H + j];
      double dcj = dc[n * H + j] + d * o * (1.0 - t * t);
      rda[n * G + j] = dcj * gg * i * (1.0 - i);
      rda[n * G + H + j] = dcj * cp[n * H + j] * f * (1.0 - f);
      rda[n * G + 2 * H + j] = d * t * o * (1.0 - o);
      rda[n * G + 3 * H + j] = dcj * i * (1.0 - gg * gg);
      rdc[n * H + j] = dcj * f;
    }
  EXPECT_LT (rel_err (da, rda), 1e-6);
  EXPECT_LT (rel_err (dcn, rdc), 1e-6);

  /* column sums of the (N, 4H) rows */
  std::vector<float> s (G, -1.0f);
  std::vector<double> rs (G, 0.0);
  k->col_sums (N, G, a.data (), s.data ());
  for (size_t n = 0; n < N; n++)
    for (size_t j = 0; j < G; j++)
      rs[j] += a[n * G + j];
  EXPECT_LT (rel_err (s, rs), 1e-6);
}

INSTANTIATE_TEST_SUITE_P (Shapes, RncKernelBptt,
    ::testing::Combine (kLevels, ::testing::Values (1, 7, 16, 32, 37)));

/* ---- steps split across two threads -------------------------------------- */

/* cell, H, N */
class RncKernelSplit : public ::testing::TestWithParam<std::tuple<RncCell, int,
    int>> {};

TEST_P (RncKernelSplit, TwoThreadsGiveBitIdenticalOutput)
{
  auto [cell, H, N] = GetParam ();
  const size_t D = 8, Q = 3, T = 9;
  RncModel *m = random_model (cell, RNC_INPUT_DENSE, D, 0, H, 2,
      RNC_HEAD_REGRESSION, Q, 21, trained_scale (H));
  auto x = normal_vec (N * T * D, 22);
  RncState *one = rnc_state_new (m, N, 4), *two = rnc_state_new (m, N, 4);
  EXPECT_EQ (rnc_state_set_threads (two, 2), 2u);
  std::vector<float> h1 (N * T * H), h2 (N * T * H), y1 (N * T * Q), y2 (N * T * Q);
  for (int pass = 0; pass < 2; pass++) {
    rnc_forward (one, x.data (), T, h1.data (), y1.data ());
    rnc_forward (two, x.data (), T, h2.data (), y2.data ());
    EXPECT_EQ (max_abs_diff (h1, h2), 0.0) << "pass " << pass;
    EXPECT_EQ (max_abs_diff (y1, y2), 0.0) << "pass " << pass;
  }
  /* one frame per call: fused projection, split */
  for (size_t t = 0; t < T; t++)
    if (N == 1) {
      rnc_forward (one, x.data () + t * D, 1, h1.data (), nullptr);
      rnc_forward (two, x.data () + t * D, 1, h2.data (), nullptr);
      ASSERT_EQ (rnc_test::max_abs_diff (h1.data (), h2.data (), H), 0.0);
    }
  EXPECT_EQ (rnc_state_set_threads (two, 1), 1u);
  rnc_state_free (one);
  rnc_state_free (two);
  rnc_model_free (m);
}

/* auto mode: whatever the policy chooses step by step, the same bits */
TEST_P (RncKernelSplit, AutoModeGivesBitIdenticalOutput)
{
  auto [cell, H, N] = GetParam ();
  const size_t D = 8, T = 40;
  RncModel *m = random_model (cell, RNC_INPUT_DENSE, D, 0, H, 2,
      RNC_HEAD_NONE, 0, 23, trained_scale (H));
  auto x = normal_vec (N * T * D, 24);
  RncState *one = rnc_state_new (m, N, 4), *aut = rnc_state_new (m, N, 4);
  EXPECT_EQ (rnc_state_set_threads (aut, RNC_THREADS_AUTO), 2u);
  EXPECT_TRUE (rnc_state_get_threads_auto (aut));
  std::vector<float> h1 (N * T * H), h2 (N * T * H);
  /* enough steps for the first probes of the split */
  for (int pass = 0; pass < 3; pass++) {
    rnc_forward (one, x.data (), T, h1.data (), nullptr);
    rnc_forward (aut, x.data (), T, h2.data (), nullptr);
    EXPECT_EQ (max_abs_diff (h1, h2), 0.0) << "pass " << pass;
  }
  EXPECT_EQ (rnc_state_set_threads (aut, 1), 1u);
  EXPECT_FALSE (rnc_state_get_threads_auto (aut));
  rnc_state_free (one);
  rnc_state_free (aut);
  rnc_model_free (m);
}

INSTANTIATE_TEST_SUITE_P (Shapes, RncKernelSplit,
    ::testing::Values (std::make_tuple (RNC_CELL_LSTM, 256, 1),
        std::make_tuple (RNC_CELL_LSTM, 300, 3),
        std::make_tuple (RNC_CELL_RNN, 512, 1),
        std::make_tuple (RNC_CELL_RNN, 520, 2),
        std::make_tuple (RNC_CELL_GRU, 300, 1),
        std::make_tuple (RNC_CELL_GRU, 310, 3)));

/* ---- the adaptive split policy, on made-up step times --------------------- */

namespace {

/* Runs @steps steps through the policy, a split step taking @two_ns and a
 * single one @one_ns; returns how many were split. */
int
drive (RncSplitPolicy *p, int steps, gint64 one_ns, gint64 two_ns)
{
  int n_two = 0;
  for (int i = 0; i < steps; i++) {
    gboolean measure, two = rnc_split_policy_next (p, &measure);
    n_two += two;
    if (measure)
      rnc_split_policy_record (p, two, two ? two_ns : one_ns);
  }
  return n_two;
}

} // namespace

TEST (RncSplitPolicy, SplitsOnlyWhileSplitStepsAreFaster)
{
  RncSplitPolicy p;
  rnc_split_policy_init (&p);
  /* an idle second core: split steps take 55% */
  drive (&p, 100, 10000, 5500);
  EXPECT_TRUE (p.two);
  int n_two = drive (&p, 4000, 10000, 5500);
  /* all but the probes of the single-thread step */
  EXPECT_GE (n_two, 4000 - RNC_SPLIT_PROBE_ONE * (4000 /
          RNC_SPLIT_MIN_INTERVAL + 1));

  /* the other core gets busy: split steps become slower than single ones */
  drive (&p, 20, 10000, 25000);
  EXPECT_FALSE (p.two);
  /* while it stays busy, probes get rarer: few split steps */
  drive (&p, 40000, 10000, 25000);
  EXPECT_EQ (p.interval, (guint32) RNC_SPLIT_MAX_INTERVAL);
  n_two = drive (&p, 80000, 10000, 25000);
  EXPECT_LE (n_two, RNC_SPLIT_PROBE_TWO * (80000 / RNC_SPLIT_MAX_INTERVAL
          + 1));

  /* idle again: the next probe finds it */
  drive (&p, RNC_SPLIT_MAX_INTERVAL + RNC_SPLIT_PROBE_TWO + 4, 10000, 5500);
  EXPECT_TRUE (p.two);
  EXPECT_EQ (p.interval, (guint32) RNC_SPLIT_MIN_INTERVAL);
}

TEST (RncSplitPolicy, ANoGainSplitIsNotChosenAndOneOutlierDoesNotSwitch)
{
  RncSplitPolicy p;
  rnc_split_policy_init (&p);
  /* split 10% faster: under the 15% needed to switch */
  drive (&p, 20000, 10000, 9000);
  EXPECT_FALSE (p.two);
  rnc_split_policy_init (&p);
  drive (&p, 300, 10000, 5000);
  ASSERT_TRUE (p.two);
  /* one preempted split step (1 ms) does not switch back */
  rnc_split_policy_record (&p, TRUE, 1000000);
  EXPECT_TRUE (p.two);
}

/* ---- mostly-zero input rows (one-hot frames) ------------------------------ */

class RncKernelSparse : public ::testing::TestWithParam<std::tuple<RncCpuLevel,
    RncCell>> {};

/* b + 1 * w (one multiply-add) equals the gathered row plus the bias */
TEST_P (RncKernelSparse, OneHotFramesEqualGatheredIdsBitForBit)
{
  auto [level, cell] = GetParam ();
  REQUIRE_LEVEL (guard, level);
  const size_t V = 40, H = 21, Q = 40, T = 23;
  RncModel *dense = random_model (cell, RNC_INPUT_DENSE, V, 0, H, 2,
      RNC_HEAD_CLASSES, Q, 31, trained_scale (H));
  RncModel *index = random_model (cell, RNC_INPUT_INDEX, V, 0, H, 2,
      RNC_HEAD_CLASSES, Q, 32, trained_scale (H));
  size_t n1, n2;
  const float *src = rnc_model_peek_params (dense, &n1);
  float *dst = rnc_model_get_params (index, &n2);
  ASSERT_EQ (n1, n2) << "dense and index layouts differ";
  std::copy_n (src, n1, dst);

  std::vector<int32_t> ids (T);
  std::vector<float> onehot (T * V, 0.0f);
  for (size_t t = 0; t < T; t++) {
    ids[t] = (int32_t) ((t * 7 + 3) % V);
    onehot[t * V + ids[t]] = 1.0f;
  }
  for (size_t chunk : { 1, 4, 64 }) {
    RncState *sd = rnc_state_new (dense, 1, chunk), *si = rnc_state_new (index, 1, chunk);
    std::vector<float> hd (T * H), hi (T * H), yd (T * Q), yi (T * Q);
    rnc_forward (sd, onehot.data (), T, hd.data (), yd.data ());
    ASSERT_TRUE (rnc_forward_ids (si, ids.data (), T, hi.data (), yi.data ()));
    EXPECT_EQ (max_abs_diff (hd, hi), 0.0) << "max_frames " << chunk;
    EXPECT_EQ (max_abs_diff (yd, yi), 0.0) << "max_frames " << chunk;
    rnc_state_free (sd);
    rnc_state_free (si);
  }
  rnc_model_free (dense);
  rnc_model_free (index);
}

/* rows with 0 .. D nonzeros, mixed, against the reference and split */
TEST_P (RncKernelSparse, MixedSparseAndDenseRowsEqualReferenceAndAnySplit)
{
  auto [level, cell] = GetParam ();
  REQUIRE_LEVEL (guard, level);
  const size_t D = 33, H = 18, T = 30, N = 2;
  RncModel *m = random_model (cell, RNC_INPUT_DENSE, D, 0, H, 1,
      RNC_HEAD_NONE, 0, 33, trained_scale (H));
  auto x = normal_vec (N * T * D, 34);
  for (size_t r = 0; r < N * T; r++) {
    size_t keep = (r * 5) % (D + 1);      /* nonzeros in this row */
    for (size_t i = keep; i < D; i++)
      x[r * D + (i * 13) % D] = 0.0f;
  }
  RncState *fast = rnc_state_new (m, N, 7), *ref = rnc_state_new (m, N, 0);
  std::vector<float> hf (N * T * H), hr (N * T * H);
  rnc_forward (fast, x.data (), T, hf.data (), nullptr);
  rnc_forward_ref (ref, x.data (), T, hr.data (), nullptr);
  EXPECT_LT (max_abs_diff (hf, hr), 2e-6);

  RncState *parts = rnc_state_new (m, N, 64);
  std::vector<float> hp (N * T * H);
  for (size_t t = 0; t < T;) {
    size_t n = std::min<size_t> (t % 3 + 1, T - t);
    std::vector<float> xs (N * n * D), hs (N * n * H);
    for (size_t s = 0; s < N; s++)
      std::copy_n (x.data () + (s * T + t) * D, n * D, xs.data () + s * n * D);
    rnc_forward (parts, xs.data (), n, hs.data (), nullptr);
    for (size_t s = 0; s < N; s++)
      std::copy_n (hs.data () + s * n * H, n * H, hp.data () + (s * T + t) * H);
    t += n;
  }
  EXPECT_EQ (max_abs_diff (hf, hp), 0.0);
  rnc_state_free (parts);
  rnc_state_free (fast);
  rnc_state_free (ref);
  rnc_model_free (m);
}

INSTANTIATE_TEST_SUITE_P (Kinds, RncKernelSparse,
    ::testing::Combine (kLevels,
        ::testing::Values (RNC_CELL_RNN, RNC_CELL_LSTM, RNC_CELL_GRU)));

/* Steps too small to split (recurrent weights under 1 MiB) never get a
 * helper thread, whatever is asked. */
TEST (RncKernelSplitSmall, SmallModelsStayOnOneThread)
{
  for (auto [cell, H] : { std::make_pair (RNC_CELL_LSTM, 255),
          std::make_pair (RNC_CELL_RNN, 511), std::make_pair (RNC_CELL_LSTM,
              32) }) {
    RncModel *m = random_model (cell, RNC_INPUT_DENSE, 4, 0, H, 1,
        RNC_HEAD_NONE, 0, 25, trained_scale (H));
    RncState *s = rnc_state_new (m, 1, 4);
    EXPECT_EQ (rnc_state_set_threads (s, 2), 1u) << H;
    EXPECT_EQ (rnc_state_set_threads (s, RNC_THREADS_AUTO), 1u) << H;
    EXPECT_FALSE (rnc_state_get_threads_auto (s));
    EXPECT_EQ (rnc_state_get_threads (s), 1u);
    rnc_state_free (s);
    rnc_model_free (m);
  }
}
