/* librnc: vanilla RNN cell. */
#include "rnc-rnn.h"

#include "rnc-activation.h"
#include "rnc-kernel.h"

#include <math.h>
#include <string.h>

void
rnc_rnn_step_preact (size_t N, size_t H, float *a, size_t lda,
    const float *h_prev, const float *Wh, float *h_next)
{
  size_t n;

  rnc_kernel_rows_matmul_acc (N, H, H, h_prev, H, Wh, a, lda);
  for (n = 0; n < N; n++) {
    memcpy (h_next + n * H, a + n * lda, H * sizeof (float));
    rnc_tanh_inplace (h_next + n * H, H);
  }
}

void
rnc_rnn_step (size_t N, size_t D, size_t H, const float *x,
    const float *h_prev, const float *Wx, const float *Wh, const float *bh,
    float *h_next)
{
  size_t n;

  /* h_next doubles as the pre-activation buffer: a = bh + x Wx */
  for (n = 0; n < N; n++)
    memcpy (h_next + n * H, bh, H * sizeof (float));
  rnc_kernel_rows_matmul_acc (N, H, D, x, D, Wx, h_next, H);
  rnc_kernel_rows_matmul_acc (N, H, H, h_prev, H, Wh, h_next, H);
  rnc_tanh_inplace (h_next, N * H);
}

void
rnc_rnn_step_ref (size_t N, size_t D, size_t H, const float *x,
    const float *h_prev, const float *Wx, const float *Wh, const float *bh,
    float *h_next)
{
  size_t n, j, k;

  for (n = 0; n < N; n++)
    for (j = 0; j < H; j++) {
      double a = bh[j];
      for (k = 0; k < D; k++)
        a += (double) x[n * D + k] * Wx[k * H + j];
      for (k = 0; k < H; k++)
        a += (double) h_prev[n * H + k] * Wh[k * H + j];
      h_next[n * H + j] = (float) tanh (a);
    }
}
