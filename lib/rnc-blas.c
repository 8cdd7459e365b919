/* librnc: BLAS wrappers (the only file that includes cblas.h). */
#include "rnc-blas.h"

#include <cblas.h>

/* OpenBLAS extensions, declared by its cblas.h too; repeated here so the
 * file also builds against a plain CBLAS header. */
extern char *openblas_get_corename (void);
extern void openblas_set_num_threads (int num_threads);

static void
blas_init_once (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done)) {
    openblas_set_num_threads (1);
    g_once_init_leave (&done, 1);
  }
}

void
rnc_sgemm (size_t M, size_t N, size_t K, float alpha, const float *A,
    size_t lda, const float *B, size_t ldb, float beta, float *C, size_t ldc)
{
  if (M == 0 || N == 0)
    return;
  blas_init_once ();
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, (int) M, (int) N,
      (int) K, alpha, A, (int) lda, B, (int) ldb, beta, C, (int) ldc);
}

void
rnc_sgemm_ref (size_t M, size_t N, size_t K, float alpha, const float *A,
    size_t lda, const float *B, size_t ldb, float beta, float *C, size_t ldc)
{
  size_t i, j, k;

  for (i = 0; i < M; i++)
    for (j = 0; j < N; j++) {
      double acc = 0.0;
      for (k = 0; k < K; k++)
        acc += (double) A[i * lda + k] * B[k * ldb + j];
      C[i * ldc + j] = (float) (alpha * acc + (beta == 0.0f ? 0.0 :
              (double) beta * C[i * ldc + j]));
    }
}

void
rnc_sgemm_tn (size_t M, size_t N, size_t K, float alpha, const float *A,
    size_t lda, const float *B, size_t ldb, float beta, float *C, size_t ldc)
{
  if (M == 0 || N == 0)
    return;
  blas_init_once ();
  cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans, (int) M, (int) N,
      (int) K, alpha, A, (int) lda, B, (int) ldb, beta, C, (int) ldc);
}

void
rnc_sgemm_tn_ref (size_t M, size_t N, size_t K, float alpha, const float *A,
    size_t lda, const float *B, size_t ldb, float beta, float *C, size_t ldc)
{
  size_t i, j, k;

  for (i = 0; i < M; i++)
    for (j = 0; j < N; j++) {
      double acc = 0.0;
      for (k = 0; k < K; k++)
        acc += (double) A[k * lda + i] * B[k * ldb + j];
      C[i * ldc + j] = (float) (alpha * acc + (beta == 0.0f ? 0.0 :
              (double) beta * C[i * ldc + j]));
    }
}

void
rnc_sgemm_nt (size_t M, size_t N, size_t K, float alpha, const float *A,
    size_t lda, const float *B, size_t ldb, float beta, float *C, size_t ldc)
{
  if (M == 0 || N == 0)
    return;
  blas_init_once ();
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, (int) M, (int) N,
      (int) K, alpha, A, (int) lda, B, (int) ldb, beta, C, (int) ldc);
}

void
rnc_sgemm_nt_ref (size_t M, size_t N, size_t K, float alpha, const float *A,
    size_t lda, const float *B, size_t ldb, float beta, float *C, size_t ldc)
{
  size_t i, j, k;

  for (i = 0; i < M; i++)
    for (j = 0; j < N; j++) {
      double acc = 0.0;
      for (k = 0; k < K; k++)
        acc += (double) A[i * lda + k] * B[j * ldb + k];
      C[i * ldc + j] = (float) (alpha * acc + (beta == 0.0f ? 0.0 :
              (double) beta * C[i * ldc + j]));
    }
}

void
rnc_sgemv_row (size_t K, size_t N, float alpha, const float *x,
    const float *A, size_t lda, float beta, float *y)
{
  if (N == 0)
    return;
  blas_init_once ();
  /* row-major y = x A is A^T x */
  cblas_sgemv (CblasRowMajor, CblasTrans, (int) K, (int) N, alpha, A,
      (int) lda, x, 1, beta, y, 1);
}

const char *
rnc_blas_get_corename (void)
{
  return openblas_get_corename ();
}

void
rnc_blas_set_threads (int n)
{
  blas_init_once ();
  openblas_set_num_threads (n);
}
