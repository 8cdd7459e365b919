/* librnc: portable scalar kernels, the fallback of every SIMD kernel. They
 * use the packed layout too (rnc-simd.h) and the same serial order over k
 * per output element (multiply, then add: ISO C does not contract), and
 * libm for the activations. */
#include "rnc-simd.h"

#include <math.h>
#include <string.h>

static void
k_exp (float *x, size_t n)
{
  size_t i;

  for (i = 0; i < n; i++)
    x[i] = expf (x[i]);
}

/* exp (-|x|) never overflows, so large negative x gives the (denormal)
 * true value instead of 1 / inf = 0 */
static float
sigmoidf (float x)
{
  float e;

  if (x >= 0.0f)
    return 1.0f / (1.0f + expf (-x));
  e = expf (x);
  return e / (1.0f + e);
}

static void
k_sigmoid (float *x, size_t n)
{
  size_t i;

  for (i = 0; i < n; i++)
    x[i] = sigmoidf (x[i]);
}

static void
k_tanh (float *x, size_t n)
{
  size_t i;

  for (i = 0; i < n; i++)
    x[i] = tanhf (x[i]);
}

static void
k_rows_matmul_acc (size_t M, size_t N, size_t K, const float *x, size_t ldx,
    const float *W, size_t ldw, float *out, size_t ldo)
{
  size_t r, k, j;

  for (r = 0; r < M; r++) {
    float *o = out + r * ldo;
    const float *xr = x + r * ldx;
    for (k = 0; k < K; k++) {
      const float a = xr[k];
      const float *w = W + k * ldw;
      for (j = 0; j < N; j++)
        o[j] += a * w[j];
    }
  }
}

/* acc (w*16) += x (K) @ super-group B (K rows of w*16); the fixed 16-float
 * inner loop lets the compiler vectorise without changing the order over
 * k. */
static void
sg_dot (size_t K, size_t w, const float *x, const float *B, float *acc)
{
  size_t k, b, l, bs = w * RNC_BLOCK;

  for (k = 0; k < K; k++) {
    const float a = x[k];
    const float *row = B + k * bs;
    for (b = 0; b < w; b++) {
      float *ab = acc + b * RNC_BLOCK;
      const float *rb = row + b * RNC_BLOCK;
      for (l = 0; l < RNC_BLOCK; l++)
        ab[l] += a * rb[l];
    }
  }
}

static void
k_packed_matmul_acc (size_t M, const float *x, size_t ldx, const RncPacked *P,
    float *out, size_t ldo, size_t n_store)
{
  float acc[RNC_SG_BLOCKS * RNC_BLOCK];
  size_t nsg = rnc_packed_sg_count (P), s, r, j;

  for (r = 0; r < M; r++)
    for (s = 0; s < nsg; s++) {
      size_t w = rnc_packed_sg_width (P, s);
      size_t col0 = s * RNC_SG_BLOCKS * RNC_BLOCK;
      size_t nj = MIN (w * RNC_BLOCK, n_store > col0 ? n_store - col0 : 0);
      float *o = out + r * ldo + col0;
      if (nj == 0)
        break;
      memset (acc, 0, sizeof (acc));
      memcpy (acc, o, nj * sizeof (float));
      sg_dot (P->K, w, x + r * ldx, rnc_packed_sg_data (P, s), acc);
      for (j = 0; j < nj; j++)
        o[j] = acc[j];
    }
}

static void
k_packed_axpy (const RncPacked *P, size_t k, float a, float *out)
{
  size_t nsg = rnc_packed_sg_count (P), s, j;

  for (s = 0; s < nsg; s++) {
    size_t w = rnc_packed_sg_width (P, s);
    const float *b = rnc_packed_sg_data (P, s) + k * w * RNC_BLOCK;
    float *o = out + s * RNC_SG_BLOCKS * RNC_BLOCK;
    for (j = 0; j < w * RNC_BLOCK; j++)
      o[j] += a * b[j];
  }
}

/* acc (w*16) = the pre-activations of super-group s for row r */
static void
step_dot (const RncStepArgs *p, size_t r, size_t s, size_t w, float *acc)
{
  size_t col0 = s * RNC_SG_BLOCKS * RNC_BLOCK;

  memcpy (acc, p->a + r * p->lda + col0, w * RNC_BLOCK * sizeof (float));
  if (p->x)
    sg_dot (p->Wx->K, w, p->x + r * p->ldx, rnc_packed_sg_data (p->Wx, s),
        acc);
  sg_dot (p->H, w, p->h_prev + r * p->H, rnc_packed_sg_data (p->Wh, s), acc);
}

static void
k_lstm_step (const RncStepArgs *p)
{
  float acc[RNC_SG_BLOCKS * RNC_BLOCK];
  size_t H = p->H, first, nsg, s, r, grp, l;

  rnc_step_range (p, &first, &nsg);
  for (r = 0; r < p->N; r++)
    for (s = first; s < first + nsg; s++) {
      size_t w = rnc_packed_sg_width (p->Wh, s);
      step_dot (p, r, s, w, acc);
      for (grp = 0; grp < w / 4; grp++) {
        const float *g4 = acc + grp * 4 * RNC_BLOCK;
        size_t u0 = s * (RNC_SG_BLOCKS / 4) * RNC_BLOCK + grp * RNC_BLOCK;
        for (l = 0; l < RNC_BLOCK && u0 + l < H; l++) {
          float i = sigmoidf (g4[l]), f = sigmoidf (g4[RNC_BLOCK + l]);
          float o = sigmoidf (g4[2 * RNC_BLOCK + l]);
          float g = tanhf (g4[3 * RNC_BLOCK + l]);
          float *cc = p->c + r * H + u0 + l;
          *cc = f * *cc + i * g;
          p->h_next[r * H + u0 + l] = o * tanhf (*cc);
        }
      }
    }
}

static void
k_rnn_step (const RncStepArgs *p)
{
  float acc[RNC_SG_BLOCKS * RNC_BLOCK];
  size_t H = p->H, first, nsg, s, r, j;

  rnc_step_range (p, &first, &nsg);
  for (r = 0; r < p->N; r++)
    for (s = first; s < first + nsg; s++) {
      size_t w = rnc_packed_sg_width (p->Wh, s);
      size_t col0 = s * RNC_SG_BLOCKS * RNC_BLOCK;
      step_dot (p, r, s, w, acc);
      for (j = 0; j < w * RNC_BLOCK && col0 + j < H; j++)
        p->h_next[r * H + col0 + j] = tanhf (acc[j]);
    }
}

static void
k_gru_step (const RncStepArgs *p)
{
  float acc[RNC_SG_BLOCKS * RNC_BLOCK];
  size_t H = p->H, first, nsg, s, r, grp, l;

  rnc_step_range (p, &first, &nsg);
  for (r = 0; r < p->N; r++)
    for (s = first; s < first + nsg; s++) {
      size_t w = rnc_packed_sg_width (p->Wh, s);
      step_dot (p, r, s, w, acc);
      for (grp = 0; grp < w / 4; grp++) {
        const float *g4 = acc + grp * 4 * RNC_BLOCK;
        size_t u0 = s * (RNC_SG_BLOCKS / 4) * RNC_BLOCK + grp * RNC_BLOCK;
        for (l = 0; l < RNC_BLOCK && u0 + l < H; l++) {
          float rg = sigmoidf (g4[l]), z = sigmoidf (g4[RNC_BLOCK + l]);
          float n = tanhf (g4[2 * RNC_BLOCK + l] + rg * g4[3 * RNC_BLOCK + l]);
          float hp = p->h_prev[r * H + u0 + l];
          p->h_next[r * H + u0 + l] = n + z * (hp - n);
        }
      }
    }
}

/* ---- BPTT element-wise steps (the order of operations of rnc-bptt.c) ---- */

static void
k_lstm_cell_fwd (size_t N, size_t H, float *a, const float *c_prev,
    float *c, float *tc, float *h)
{
  size_t n, j;

  for (n = 0; n < N; n++) {
    float *ar = a + n * 4 * H;
    const float *cp = c_prev + n * H;
    float *cr = c + n * H, *tr = tc + n * H, *hr = h + n * H;

    for (j = 0; j < 3 * H; j++)
      ar[j] = sigmoidf (ar[j]);
    for (j = 0; j < H; j++) {
      ar[3 * H + j] = tanhf (ar[3 * H + j]);
      cr[j] = ar[H + j] * cp[j] + ar[j] * ar[3 * H + j];
      tr[j] = tanhf (cr[j]);
      hr[j] = ar[2 * H + j] * tr[j];
    }
  }
}

static void
k_lstm_cell_bwd (size_t N, size_t H, const float *gates, const float *tc,
    const float *c_prev, const float *dh, const float *dh_next, float *dc,
    float *da)
{
  size_t n, j;

  for (n = 0; n < N; n++) {
    const float *gt = gates + n * 4 * H;
    const float *ig = gt, *fg = gt + H, *og = gt + 2 * H, *gg = gt + 3 * H;
    const float *t = tc + n * H, *cp = c_prev + n * H;
    const float *d0 = dh + n * H, *d1 = dh_next + n * H;
    float *dcr = dc + n * H, *dar = da + n * 4 * H;

    for (j = 0; j < H; j++) {
      float d = d0[j] + d1[j];
      float dcj = dcr[j] + d * og[j] * (1.0f - t[j] * t[j]);
      dar[j] = dcj * gg[j] * ig[j] * (1.0f - ig[j]);
      dar[H + j] = dcj * cp[j] * fg[j] * (1.0f - fg[j]);
      dar[2 * H + j] = d * t[j] * og[j] * (1.0f - og[j]);
      dar[3 * H + j] = dcj * ig[j] * (1.0f - gg[j] * gg[j]);
      dcr[j] = dcj * fg[j];
    }
  }
}

static void
k_col_sums (size_t rows, size_t w, const float *m, float *out)
{
  size_t r, j;

  memset (out, 0, w * sizeof (float));
  for (r = 0; r < rows; r++)
    for (j = 0; j < w; j++)
      out[j] += m[r * w + j];
}

const RncKernelTable rnc_kernels_scalar = {
  .level = RNC_CPU_SCALAR,
  .exp = k_exp,
  .sigmoid = k_sigmoid,
  .tanh = k_tanh,
  .rows_matmul_acc = k_rows_matmul_acc,
  .packed_matmul_acc = k_packed_matmul_acc,
  .packed_axpy = k_packed_axpy,
  .lstm_step = k_lstm_step,
  .rnn_step = k_rnn_step,
  .gru_step = k_gru_step,
  .lstm_cell_fwd = k_lstm_cell_fwd,
  .lstm_cell_bwd = k_lstm_cell_bwd,
  .col_sums = k_col_sums,
  .gemm = NULL,
};
