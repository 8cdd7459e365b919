/* librnc: GRU cell. */
#include "rnc-gru.h"

#include "rnc-activation.h"
#include "rnc-kernel.h"

#include <math.h>
#include <string.h>

void
rnc_gru_step (size_t N, size_t D, size_t H, const float *x,
    const float *h_prev, const float *Wx, const float *Wh, const float *bh,
    const float *bhn, float *h_next, float *scratch)
{
  size_t n, j, G = 3 * H;
  float *ax = scratch, *ah = scratch + N * G;

  /* ax = x Wx + bh, ah = h Wh + [0, 0, bhn] */
  for (n = 0; n < N; n++) {
    memcpy (ax + n * G, bh, G * sizeof (float));
    memset (ah + n * G, 0, 2 * H * sizeof (float));
    memcpy (ah + n * G + 2 * H, bhn, H * sizeof (float));
  }
  rnc_kernel_rows_matmul_acc (N, G, D, x, D, Wx, ax, G);
  rnc_kernel_rows_matmul_acc (N, G, H, h_prev, H, Wh, ah, G);
  for (n = 0; n < N; n++) {
    float *a = ax + n * G, *b = ah + n * G;
    const float *hp = h_prev + n * H;
    float *hn = h_next + n * H;
    for (j = 0; j < 2 * H; j++)
      a[j] += b[j];
    rnc_sigmoid_inplace (a, 2 * H);
    for (j = 0; j < H; j++)
      hn[j] = a[2 * H + j] + a[j] * b[2 * H + j];
    rnc_tanh_inplace (hn, H);
    for (j = 0; j < H; j++)
      hn[j] = hn[j] + a[H + j] * (hp[j] - hn[j]);
  }
}

static double
sigmoid_d (double x)
{
  return 1.0 / (1.0 + exp (-x));
}

void
rnc_gru_step_ref (size_t N, size_t D, size_t H, const float *x,
    const float *h_prev, const float *Wx, const float *Wh, const float *bh,
    const float *bhn, float *h_next)
{
  size_t n, j, k, gate, G = 3 * H;

  for (n = 0; n < N; n++)
    for (j = 0; j < H; j++) {
      double ax[3], ah[3], r, z, nn;
      for (gate = 0; gate < 3; gate++) {
        size_t col = gate * H + j;
        double acc = bh[col];
        for (k = 0; k < D; k++)
          acc += (double) x[n * D + k] * Wx[k * G + col];
        ax[gate] = acc;
        acc = gate == 2 ? bhn[j] : 0.0;
        for (k = 0; k < H; k++)
          acc += (double) h_prev[n * H + k] * Wh[k * G + col];
        ah[gate] = acc;
      }
      r = sigmoid_d (ax[0] + ah[0]);
      z = sigmoid_d (ax[1] + ah[1]);
      nn = tanh (ax[2] + r * ah[2]);
      h_next[n * H + j] = (float) ((1.0 - z) * nn + z * h_prev[n * H + j]);
    }
}
