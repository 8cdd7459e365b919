/* librnc: the library's own kernels.
 *
 * Unlike a BLAS GEMM, whose blocking (and so its rounding) depends on the
 * matrix sizes, these compute every output row with the same operation order
 * whatever the number of rows. That is what makes a stream's output
 * bit-identical however its frames were split into buffers. */
#pragma once

#include <glib.h>
#include <stddef.h>

G_BEGIN_DECLS

/* For each of M rows: out[r] (N; row stride ldo) += x[r] (K; row stride ldx)
 * @ W (K, N; row stride N). Row r's result depends only on x[r], W and the
 * old out[r]: each element is one serial chain over k = 0..K-1 (fused
 * multiply-adds at the SIMD levels), however the rows are tiled. The chain
 * is the same for a given SIMD level (rnc-cpu.h), so bit-identical results
 * hold within one level. */
void rnc_kernel_rows_matmul_acc (size_t M, size_t N, size_t K, const float *x,
    size_t ldx, const float *W, float *out, size_t ldo);
/* The plain loop (multiply, then add), the reference of the above. */
void rnc_kernel_rows_matmul_acc_ref (size_t M, size_t N, size_t K,
    const float *x, size_t ldx, const float *W, float *out, size_t ldo);

G_END_DECLS
