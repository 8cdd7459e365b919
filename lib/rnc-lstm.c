/* librnc: LSTM cell. */
#include "rnc-lstm.h"

#include "rnc-activation.h"
#include "rnc-kernel.h"

#include <math.h>
#include <string.h>

/* Activates one row of gates a (4H) and advances c (H), writing h (H). */
static inline void
lstm_pointwise (size_t H, float *a, float *c, float *h)
{
  float *i = a, *f = a + H, *o = a + 2 * H, *g = a + 3 * H;
  size_t j;

  rnc_sigmoid_inplace (a, 3 * H);
  rnc_tanh_inplace (g, H);
  for (j = 0; j < H; j++) {
    c[j] = f[j] * c[j] + i[j] * g[j];
    h[j] = c[j];
  }
  rnc_tanh_inplace (h, H);
  for (j = 0; j < H; j++)
    h[j] *= o[j];
}

void
rnc_lstm_step_preact (size_t N, size_t H, float *a, size_t lda,
    const float *h_prev, const float *Wh, float *c, float *h_next)
{
  size_t n, G = 4 * H;

  rnc_kernel_rows_matmul_acc (N, G, H, h_prev, H, Wh, a, lda);
  for (n = 0; n < N; n++)
    lstm_pointwise (H, a + n * lda, c + n * H, h_next + n * H);
}

void
rnc_lstm_step (size_t N, size_t D, size_t H, const float *x,
    const float *h_prev, const float *c_prev, const float *Wx,
    const float *Wh, const float *b, float *h_next, float *c_next,
    float *scratch)
{
  size_t n, G = 4 * H;

  for (n = 0; n < N; n++)
    memcpy (scratch + n * G, b, G * sizeof (float));
  rnc_kernel_rows_matmul_acc (N, G, D, x, D, Wx, scratch, G);
  memcpy (c_next, c_prev, N * H * sizeof (float));
  rnc_lstm_step_preact (N, H, scratch, G, h_prev, Wh, c_next, h_next);
}

static double
sigmoid_d (double x)
{
  return 1.0 / (1.0 + exp (-x));
}

void
rnc_lstm_step_ref (size_t N, size_t D, size_t H, const float *x,
    const float *h_prev, const float *c_prev, const float *Wx,
    const float *Wh, const float *b, float *h_next, float *c_next)
{
  size_t n, j, k, gate, G = 4 * H;

  for (n = 0; n < N; n++)
    for (j = 0; j < H; j++) {
      double a[4], c;
      for (gate = 0; gate < 4; gate++) {
        size_t col = gate * H + j;
        double acc = b[col];
        for (k = 0; k < D; k++)
          acc += (double) x[n * D + k] * Wx[k * G + col];
        for (k = 0; k < H; k++)
          acc += (double) h_prev[n * H + k] * Wh[k * G + col];
        a[gate] = acc;
      }
      c = sigmoid_d (a[1]) * c_prev[n * H + j] + sigmoid_d (a[0]) * tanh (a[3]);
      c_next[n * H + j] = (float) c;
      h_next[n * H + j] = (float) (sigmoid_d (a[2]) * tanh (c));
    }
}
