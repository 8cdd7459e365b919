/* librnc: row-deterministic kernels. */
#include "rnc-kernel.h"

#include "rnc-simd.h"

void
rnc_kernel_rows_matmul_acc (size_t M, size_t N, size_t K, const float *x,
    size_t ldx, const float *W, float *out, size_t ldo)
{
  if (M == 0 || N == 0)
    return;
  rnc_kernels ()->rows_matmul_acc (M, N, K, x, ldx, W, N, out, ldo);
}

void
rnc_kernel_rows_matmul_acc_ref (size_t M, size_t N, size_t K, const float *x,
    size_t ldx, const float *W, float *out, size_t ldo)
{
  size_t r, k, j;

  for (r = 0; r < M; r++) {
    float *o = out + r * ldo;
    const float *xr = x + r * ldx;
    for (k = 0; k < K; k++) {
      const float a = xr[k];
      const float *w = W + k * N;
      for (j = 0; j < N; j++)
        o[j] += a * w[j];
    }
  }
}
