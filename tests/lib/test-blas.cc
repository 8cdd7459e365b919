/* The library's own GEMM (every level) and the public BLAS wrappers
 * (whichever side serves a shape) against the naive double loops. */
#include "rnc-test-util.h"

#include "rnc.h"
#include "rnc-simd.h"

#include <tuple>

using rnc_test::max_abs_diff;
using rnc_test::uniform_vec;

namespace {

typedef void (*GemmFn) (size_t, size_t, size_t, float, const float *, size_t,
    const float *, size_t, float, float *, size_t);

} // namespace

/* level, ta, tb, M, N, K */
class RncGemmKernel : public ::testing::TestWithParam<std::tuple<RncCpuLevel,
    bool, bool, int, int, int>> {};

TEST_P (RncGemmKernel, EqualsReference)
{
  auto [level, ta, tb, M, N, K] = GetParam ();
  if (ta && tb)
    GTEST_SKIP () << "no wrapper transposes both";
  RncCpuLevel saved = rnc_cpu_get_level ();
  if (rnc_cpu_set_level (level) != level) {
    rnc_cpu_set_level (saved);
    GTEST_SKIP () << "this CPU lacks " << rnc_cpu_level_to_string (level);
  }
  const RncKernelTable *k = rnc_kernels ();
  ASSERT_NE (k->gemm, nullptr);
  /* leading dimensions wider than the matrices */
  size_t lda = (ta ? M : K) + 2, ldb = (tb ? K : N) + 3, ldc = N + 1;
  auto A = uniform_vec ((ta ? K : M) * lda, 1), B = uniform_vec ((tb ? N : K) * ldb, 2);
  GemmFn ref = ta ? rnc_sgemm_tn_ref : tb ? rnc_sgemm_nt_ref : rnc_sgemm_ref;
  const float ab[][2] = { { 1.0f, 1.0f }, { 1.0f, 0.0f }, { -0.5f, 2.0f },
    { 0.25f, 0.0f } };
  for (auto &p : ab) {
    auto C = uniform_vec (M * ldc, 3), R = C;
    k->gemm (ta, tb, M, N, K, p[0], A.data (), lda, B.data (), ldb, p[1],
        C.data (), ldc);
    ref (M, N, K, p[0], A.data (), lda, B.data (), ldb, p[1], R.data (), ldc);
    double e = max_abs_diff (C, R);
    EXPECT_LT (e, 2e-6 * std::sqrt ((double) K) + 1e-6) << "alpha " << p[0]
        << " beta " << p[1] << " largest error " << e;
  }
  rnc_cpu_set_level (saved);
}

INSTANTIATE_TEST_SUITE_P (Shapes, RncGemmKernel,
    ::testing::Combine (::testing::Values (RNC_CPU_AVX2, RNC_CPU_AVX512),
        ::testing::Bool (), ::testing::Bool (),
        ::testing::Values (1, 7, 33), ::testing::Values (1, 17, 130),
        ::testing::Values (1, 31, 300)));

TEST (RncBlas, WrappersEqualReferenceOnSmallAndLargeShapes)
{
  /* (M, N, K): small ones run on our kernels, the last on OpenBLAS when its
   * kernels fit this CPU */
  const size_t shapes[][3] = { { 3, 5, 7 }, { 32, 128, 32 }, { 1, 300, 40 },
    { 200, 160, 170 } };
  for (auto &s : shapes) {
    size_t M = s[0], N = s[1], K = s[2];
    auto A = uniform_vec (M * K, 4), B = uniform_vec (K * N, 5);
    auto At = uniform_vec (K * M, 6), Bt = uniform_vec (N * K, 7);
    auto C0 = uniform_vec (M * N, 8);
    std::vector<float> C = C0, R = C0;
    rnc_sgemm (M, N, K, 1.0f, A.data (), K, B.data (), N, 0.5f, C.data (), N);
    rnc_sgemm_ref (M, N, K, 1.0f, A.data (), K, B.data (), N, 0.5f, R.data (), N);
    EXPECT_LT (max_abs_diff (C, R), 1e-4) << "nn " << M << "x" << N << "x" << K;
    C = C0, R = C0;
    rnc_sgemm_tn (M, N, K, 2.0f, At.data (), M, B.data (), N, 1.0f, C.data (), N);
    rnc_sgemm_tn_ref (M, N, K, 2.0f, At.data (), M, B.data (), N, 1.0f, R.data (), N);
    EXPECT_LT (max_abs_diff (C, R), 1e-4) << "tn " << M << "x" << N << "x" << K;
    C = C0, R = C0;
    rnc_sgemm_nt (M, N, K, 1.0f, A.data (), K, Bt.data (), K, 0.0f, C.data (), N);
    rnc_sgemm_nt_ref (M, N, K, 1.0f, A.data (), K, Bt.data (), K, 0.0f, R.data (), N);
    EXPECT_LT (max_abs_diff (C, R), 1e-4) << "nt " << M << "x" << N << "x" << K;
    /* y = 0.5 x A - y: one row */
    std::vector<float> y (C0.begin (), C0.begin () + N), yr = y;
    rnc_sgemv_row (K, N, 0.5f, A.data (), B.data (), N, -1.0f, y.data ());
    rnc_sgemm_ref (1, N, K, 0.5f, A.data (), K, B.data (), N, -1.0f, yr.data (), N);
    EXPECT_LT (max_abs_diff (y, yr), 1e-4) << "gemv " << N << "x" << K;
  }
}

TEST (RncBlas, SmallProductsRunOnOwnKernelsAtSimdLevels)
{
  if (rnc_cpu_get_level () == RNC_CPU_SCALAR)
    GTEST_SKIP () << "scalar level: OpenBLAS serves every product";
  if (g_getenv ("RNC_BLAS"))
    GTEST_SKIP () << "RNC_BLAS forces a route";
  EXPECT_TRUE (rnc_blas_uses_own_kernels (32, 128, 32));
  EXPECT_TRUE (rnc_blas_uses_own_kernels (1, 4096, 1024));
  EXPECT_TRUE (rnc_blas_uses_own_kernels (32, 1024, 256));
  /* a large product goes to OpenBLAS exactly when its kernels fit */
  EXPECT_EQ (rnc_blas_uses_own_kernels (1024, 4096, 3200),
      !rnc_blas_core_fits_cpu ());
}
