/* librnc: the only door to BLAS. Each wrapper has a naive reference loop
 * beside it (the _ref variant) that tests hold equal to the BLAS call.
 * All matrices are row-major. A call runs on OpenBLAS or on the library's
 * own SIMD kernels, whichever serves that shape on this CPU best (see
 * rnc_blas_uses_own_kernels). */
#pragma once

#include <glib.h>
#include <stddef.h>

G_BEGIN_DECLS

/* C (M, N; row stride ldc) = alpha * A (M, K; lda) @ B (K, N; ldb) + beta * C */
void rnc_sgemm (size_t M, size_t N, size_t K, float alpha, const float *A,
    size_t lda, const float *B, size_t ldb, float beta, float *C, size_t ldc);
void rnc_sgemm_ref (size_t M, size_t N, size_t K, float alpha, const float *A,
    size_t lda, const float *B, size_t ldb, float beta, float *C, size_t ldc);

/* C (M, N) += alpha * A^T @ B with A (K, M; lda), B (K, N; ldb): the weight
 * gradient of y = x W summed over K rows. */
void rnc_sgemm_tn (size_t M, size_t N, size_t K, float alpha, const float *A,
    size_t lda, const float *B, size_t ldb, float beta, float *C, size_t ldc);
void rnc_sgemm_tn_ref (size_t M, size_t N, size_t K, float alpha,
    const float *A, size_t lda, const float *B, size_t ldb, float beta,
    float *C, size_t ldc);

/* C (M, N) = alpha * A (M, K) @ B^T + beta * C with B (N, K; ldb): the input
 * gradient dx = dy W^T. */
void rnc_sgemm_nt (size_t M, size_t N, size_t K, float alpha, const float *A,
    size_t lda, const float *B, size_t ldb, float beta, float *C, size_t ldc);
void rnc_sgemm_nt_ref (size_t M, size_t N, size_t K, float alpha,
    const float *A, size_t lda, const float *B, size_t ldb, float beta,
    float *C, size_t ldc);

/* y (N) = alpha * x (K) @ A (K, N; lda) + beta * y: one row times a matrix. */
void rnc_sgemv_row (size_t K, size_t N, float alpha, const float *x,
    const float *A, size_t lda, float beta, float *y);

/* Name of the OpenBLAS kernel set in use (e.g. "SkylakeX", "Prescott"). */
const char *rnc_blas_get_corename (void);
/* Whether that kernel set uses the vector units the CPU has (AVX-512 or
 * AVX2). When it does not, every product runs on the library's own kernels
 * (docs/performance.md). */
gboolean rnc_blas_core_fits_cpu (void);
/* Whether an M x N x K product goes to the library's own kernels (TRUE) or
 * to OpenBLAS: small products always go to our kernels, large ones to
 * OpenBLAS when its kernels fit the CPU. RNC_BLAS=own|openblas forces one. */
gboolean rnc_blas_uses_own_kernels (size_t M, size_t N, size_t K);
/* Threads OpenBLAS may use; the library sets 1 at first use so that it never
 * stacks its own thread pool on GStreamer's or the caller's threads. */
void rnc_blas_set_threads (int n);

G_END_DECLS
