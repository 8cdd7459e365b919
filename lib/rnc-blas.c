/* librnc: BLAS wrappers (the only file that includes cblas.h).
 *
 * Every product goes either to OpenBLAS or to the library's own SIMD GEMM
 * (rnc-simd.h), decided per call (docs/performance.md):
 *  - our kernels when the product is small (M * N * K <= RNC_OWN_MAX_WORK)
 *    or has few rows (M <= RNC_OWN_MAX_ROWS): OpenBLAS spends 0.6-1.5 us per
 *    call on small ones, its sgemm with M = 1 is 2-3x slower than our
 *    row kernel and at M = 32 our tiles are up to 2x faster (measured,
 *    docs/performance.md);
 *  - our kernels for every shape when OpenBLAS runs a kernel set below the
 *    CPU: Debian's OpenBLAS 0.3.21 falls back to Prescott (SSE3) on CPUs it
 *    does not know, and OPENBLAS_CORETYPE only helps when set before
 *    OpenBLAS initialises, which is before any library code runs; we never
 *    change the environment or OpenBLAS's tables behind its back;
 *  - OpenBLAS otherwise (large products, fitting kernels), on one thread so
 *    that it never stacks its pool on GStreamer's or the caller's threads.
 * RNC_BLAS=own|openblas in the environment forces one side (tests and
 * benchmarks); at the scalar level (rnc-cpu.h) OpenBLAS serves all. */
#include "rnc-blas.h"

#include "rnc-simd.h"

#include <cblas.h>
#include <string.h>

/* OpenBLAS extensions, declared by its cblas.h too; repeated here so the
 * file also builds against a plain CBLAS header. */
extern char *openblas_get_corename (void);
extern void openblas_set_num_threads (int num_threads);

/* Products up to this many multiply-adds, or with up to this many rows,
 * always run on our kernels. */
#define RNC_OWN_MAX_WORK ((double) (1 << 22))
#define RNC_OWN_MAX_ROWS 64

typedef enum {
  ROUTE_AUTO,
  ROUTE_OWN,
  ROUTE_BLAS,
} Route;

static Route route;
static gboolean blas_fits;      /* OpenBLAS's kernels match the CPU */

/* Whether OpenBLAS core @name uses the vector units of a CPU at @level. */
static gboolean
core_fits (const char *name, RncCpuLevel level)
{
  static const char *const avx512[] = { "skylakex", "cooperlake",
    "sapphirerapids", NULL
  };
  static const char *const avx2[] = { "haswell", "zen", "skylakex",
    "cooperlake", "sapphirerapids", NULL
  };
  const char *const *list = level == RNC_CPU_AVX512 ? avx512 : avx2;
  int i;

  if (level == RNC_CPU_SCALAR)
    return TRUE;
  for (i = 0; name && list[i]; i++)
    if (g_ascii_strcasecmp (name, list[i]) == 0)
      return TRUE;
  return FALSE;
}

static void
blas_init_once (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done)) {
    const char *env = g_getenv ("RNC_BLAS");
    openblas_set_num_threads (1);
    blas_fits = core_fits (openblas_get_corename (),
        rnc_cpu_get_supported_level ());
    if (env && g_ascii_strcasecmp (env, "own") == 0)
      route = ROUTE_OWN;
    else if (env && g_ascii_strcasecmp (env, "openblas") == 0)
      route = ROUTE_BLAS;
    else
      route = ROUTE_AUTO;
    g_once_init_leave (&done, 1);
  }
}

/* Our kernel table when it should take an M x N x K product, else NULL. */
static const RncKernelTable *
own_kernels (size_t M, size_t N, size_t K)
{
  const RncKernelTable *k = rnc_kernels ();

  blas_init_once ();
  if (k->gemm == NULL || route == ROUTE_BLAS)
    return NULL;
  if (route == ROUTE_OWN || !blas_fits || M <= RNC_OWN_MAX_ROWS
      || (double) M * N * K <= RNC_OWN_MAX_WORK)
    return k;
  return NULL;
}

gboolean
rnc_blas_uses_own_kernels (size_t M, size_t N, size_t K)
{
  return own_kernels (M, N, K) != NULL;
}

gboolean
rnc_blas_core_fits_cpu (void)
{
  blas_init_once ();
  return blas_fits;
}

/* C = alpha op(A) op(B) + beta C on our kernels or OpenBLAS (one thread);
 * op transposes A (ta) or B (tb). */
static void
sgemm (gboolean ta, gboolean tb, size_t M, size_t N, size_t K, float alpha,
    const float *A, size_t lda, const float *B, size_t ldb, float beta,
    float *C, size_t ldc)
{
  const RncKernelTable *k;

  if (M == 0 || N == 0)
    return;
  if ((k = own_kernels (M, N, K))) {
    k->gemm (ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    return;
  }
  cblas_sgemm (CblasRowMajor, ta ? CblasTrans : CblasNoTrans,
      tb ? CblasTrans : CblasNoTrans, (int) M, (int) N, (int) K, alpha, A,
      (int) lda, B, (int) ldb, beta, C, (int) ldc);
}

/* The scalar reference of sgemm(), accumulating in double. */
static void
sgemm_ref (gboolean ta, gboolean tb, size_t M, size_t N, size_t K,
    float alpha, const float *A, size_t lda, const float *B, size_t ldb,
    float beta, float *C, size_t ldc)
{
  size_t i, j, k;

  for (i = 0; i < M; i++)
    for (j = 0; j < N; j++) {
      double acc = 0.0;
      for (k = 0; k < K; k++)
        acc += (double) (ta ? A[k * lda + i] : A[i * lda + k]) *
            (tb ? B[j * ldb + k] : B[k * ldb + j]);
      C[i * ldc + j] = (float) (alpha * acc + (beta == 0.0f ? 0.0 :
              (double) beta * C[i * ldc + j]));
    }
}

void
rnc_sgemm (size_t M, size_t N, size_t K, float alpha, const float *A,
    size_t lda, const float *B, size_t ldb, float beta, float *C, size_t ldc)
{
  sgemm (FALSE, FALSE, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

void
rnc_sgemm_ref (size_t M, size_t N, size_t K, float alpha, const float *A,
    size_t lda, const float *B, size_t ldb, float beta, float *C, size_t ldc)
{
  sgemm_ref (FALSE, FALSE, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

void
rnc_sgemm_tn (size_t M, size_t N, size_t K, float alpha, const float *A,
    size_t lda, const float *B, size_t ldb, float beta, float *C, size_t ldc)
{
  sgemm (TRUE, FALSE, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

void
rnc_sgemm_tn_ref (size_t M, size_t N, size_t K, float alpha, const float *A,
    size_t lda, const float *B, size_t ldb, float beta, float *C, size_t ldc)
{
  sgemm_ref (TRUE, FALSE, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

void
rnc_sgemm_nt (size_t M, size_t N, size_t K, float alpha, const float *A,
    size_t lda, const float *B, size_t ldb, float beta, float *C, size_t ldc)
{
  sgemm (FALSE, TRUE, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

void
rnc_sgemm_nt_ref (size_t M, size_t N, size_t K, float alpha, const float *A,
    size_t lda, const float *B, size_t ldb, float beta, float *C, size_t ldc)
{
  sgemm_ref (FALSE, TRUE, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

void
rnc_sgemv_row (size_t K, size_t N, float alpha, const float *x,
    const float *A, size_t lda, float beta, float *y)
{
  const RncKernelTable *k;

  if (N == 0)
    return;
  if ((k = own_kernels (1, N, K))) {
    k->gemm (FALSE, FALSE, 1, N, K, alpha, x, K, A, lda, beta, y, N);
    return;
  }
  /* row-major y = x A is A^T x */
  cblas_sgemv (CblasRowMajor, CblasTrans, (int) K, (int) N, alpha, A,
      (int) lda, x, 1, beta, y, 1);
}

const char *
rnc_blas_get_corename (void)
{
  blas_init_once ();
  return openblas_get_corename ();
}

void
rnc_blas_set_threads (int n)
{
  blas_init_once ();
  openblas_set_num_threads (n);
}
