/* librnc: AVX-512 kernels (F, BW, DQ, VL + FMA).
 *
 * This file alone is compiled with -mavx512f -mavx512bw -mavx512dq
 * -mavx512vl -mavx2 -mfma; nothing in it runs unless rnc-cpu.c found those
 * features. See rnc-simd.h for the packed layout and the arithmetic contract
 * (one serial FMA chain over k per output element). */
#include "rnc-simd.h"

#include <immintrin.h>
#include <math.h>
#include <string.h>

#define INLINE static inline __attribute__((always_inline))

/* ---- element-wise maths --------------------------------------------------
 * exp: n = round (x log2 e), r = x - n ln2 (two-constant, with FMA), a
 * degree-7 polynomial on |r| <= ln2/2 (Cephes expf coefficients), then
 * scalef, which rounds once into the denormal range and saturates to inf.
 * sigmoid: t = exp (-|x|) in (0, 1], s = 1 / (1 + t) or t / (1 + t).
 * tanh: |x| < 0.625: x + x^3 P(x^2) (Cephes tanhf); above: t = exp (-2|x|),
 * (1 - t) / (1 + t) with the sign of x. All within a few ulp of the true
 * value, including denormal inputs and outputs, +-inf and NaN (tests). */

INLINE __m512
v_exp (__m512 x)
{
  const __m512 log2e = _mm512_set1_ps (1.44269504088896341f);
  const __m512 ln2_hi = _mm512_set1_ps (0.693145751953125f);
  const __m512 ln2_lo = _mm512_set1_ps (1.42860682030941723212e-6f);
  __mmask16 nan = _mm512_cmp_ps_mask (x, x, _CMP_UNORD_Q);
  __m512 xc, n, r, z, p;

  /* beyond [-104, 89] the result is 0 or inf anyway; keeps r small */
  xc = _mm512_min_ps (_mm512_max_ps (x, _mm512_set1_ps (-104.0f)),
      _mm512_set1_ps (89.0f));
  n = _mm512_roundscale_ps (_mm512_mul_ps (xc, log2e),
      _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  r = _mm512_fnmadd_ps (n, ln2_hi, xc);
  r = _mm512_fnmadd_ps (n, ln2_lo, r);
  z = _mm512_mul_ps (r, r);
  p = _mm512_set1_ps (1.9875691500E-4f);
  p = _mm512_fmadd_ps (p, r, _mm512_set1_ps (1.3981999507E-3f));
  p = _mm512_fmadd_ps (p, r, _mm512_set1_ps (8.3334519073E-3f));
  p = _mm512_fmadd_ps (p, r, _mm512_set1_ps (4.1665795894E-2f));
  p = _mm512_fmadd_ps (p, r, _mm512_set1_ps (1.6666665459E-1f));
  p = _mm512_fmadd_ps (p, r, _mm512_set1_ps (5.0000001201E-1f));
  p = _mm512_fmadd_ps (p, z, r);
  p = _mm512_add_ps (p, _mm512_set1_ps (1.0f));
  p = _mm512_scalef_ps (p, n);
  return _mm512_mask_mov_ps (p, nan, x);
}

INLINE __m512
v_sigmoid (__m512 x)
{
  const __m512 one = _mm512_set1_ps (1.0f);
  __m512 t = v_exp (_mm512_or_ps (x, _mm512_set1_ps (-0.0f)));       /* e^-|x| */
  __mmask16 neg = _mm512_cmp_ps_mask (x, _mm512_setzero_ps (), _CMP_LT_OQ);
  __m512 num = _mm512_mask_mov_ps (one, neg, t);

  return _mm512_div_ps (num, _mm512_add_ps (one, t));
}

INLINE __m512
v_tanh (__m512 x)
{
  const __m512 one = _mm512_set1_ps (1.0f);
  const __m512 sign = _mm512_set1_ps (-0.0f);
  __m512 ax = _mm512_andnot_ps (sign, x), y;
  __mmask16 small = _mm512_cmp_ps_mask (ax, _mm512_set1_ps (0.625f),
      _CMP_LT_OQ);

  if (small != 0xFFFF) {
    __m512 t = v_exp (_mm512_mul_ps (ax, _mm512_set1_ps (-2.0f)));
    y = _mm512_div_ps (_mm512_sub_ps (one, t), _mm512_add_ps (one, t));
    y = _mm512_or_ps (y, _mm512_and_ps (x, sign));
  } else {
    y = x;
  }
  if (small) {
    __m512 z = _mm512_mul_ps (x, x), p;
    p = _mm512_set1_ps (-5.70498872745E-3f);
    p = _mm512_fmadd_ps (p, z, _mm512_set1_ps (2.06390887954E-2f));
    p = _mm512_fmadd_ps (p, z, _mm512_set1_ps (-5.37397155531E-2f));
    p = _mm512_fmadd_ps (p, z, _mm512_set1_ps (1.33314422036E-1f));
    p = _mm512_fmadd_ps (p, z, _mm512_set1_ps (-3.33332819422E-1f));
    p = _mm512_fmadd_ps (_mm512_mul_ps (p, z), x, x);
    /* tanh is odd: keeps the sign of -0 too */
    p = _mm512_or_ps (_mm512_andnot_ps (sign, p), _mm512_and_ps (x, sign));
    y = _mm512_mask_mov_ps (y, small, p);
  }
  return y;
}

INLINE __mmask16
lanes (size_t valid)
{
  return valid >= 16 ? (__mmask16) 0xFFFF :
      (__mmask16) ((1u << valid) - 1u);
}

#define MAP_INPLACE(name, fn) \
  static void \
  name (float *x, size_t n) \
  { \
    size_t i; \
    for (i = 0; i + 16 <= n; i += 16) \
      _mm512_storeu_ps (x + i, fn (_mm512_loadu_ps (x + i))); \
    if (i < n) { \
      __mmask16 m = lanes (n - i); \
      _mm512_mask_storeu_ps (x + i, m, fn (_mm512_maskz_loadu_ps (m, x + i))); \
    } \
  }

MAP_INPLACE (k_exp, v_exp)
MAP_INPLACE (k_sigmoid, v_sigmoid)
MAP_INPLACE (k_tanh, v_tanh)

/* ---- the register tile ---------------------------------------------------
 * acc[r][v] (mr rows x nv vectors of 16 columns) += sum over k of
 * A(r, k) * B(k, 16v ..), k = 0 .. K-1 in order, one FMA each.
 * A(r, k) = A[r * rsa + k * csa]; B row k starts at B + k * bs. With
 * @masked, vector v of a B row is loaded under bmask[v] (lanes past the
 * matrix edge read as 0); otherwise whole rows are readable. mr, nv and
 * masked are constants after inlining, so acc lives in registers. */

#define MR 6

/* As tile_k, leaving out the vectors v whose bit is set in @skip (their
 * weights are known zeros: a GRU's n_x slot of the recurrent weights). */
INLINE void
tile_k_skip (const int mr, const int nv, const int masked, const int skip,
    size_t K, const float *A, size_t rsa, size_t csa, const float *B,
    size_t bs, const __mmask16 *bmask, __m512 acc[MR][8])
{
  size_t k;

  for (k = 0; k < K; k++) {
    const float *a = A + k * csa, *b = B + k * bs;
    __m512 bv[8];
#pragma GCC unroll 8
    for (int v = 0; v < nv; v++)
      if (!((skip >> v) & 1))
        bv[v] = masked ? _mm512_maskz_loadu_ps (bmask[v], b + 16 * v) :
            _mm512_loadu_ps (b + 16 * v);
#pragma GCC unroll 6
    for (int r = 0; r < mr; r++) {
      __m512 av = _mm512_set1_ps (a[r * rsa]);
#pragma GCC unroll 8
      for (int v = 0; v < nv; v++)
        if (!((skip >> v) & 1))
          acc[r][v] = _mm512_fmadd_ps (av, bv[v], acc[r][v]);
    }
  }
}

INLINE void
tile_k (const int mr, const int nv, const int masked, size_t K,
    const float *A, size_t rsa, size_t csa, const float *B, size_t bs,
    const __mmask16 *bmask, __m512 acc[MR][8])
{
  tile_k_skip (mr, nv, masked, 0, K, A, rsa, csa, B, bs, bmask, acc);
}

/* acc = C tile (masked per vector), the tile's k loop, C = acc. */
INLINE void
tile_acc_c (const int mr, const int nv, const int masked, size_t K,
    const float *A, size_t rsa, size_t csa, const float *B, size_t bs,
    const __mmask16 *bmask, float *C, size_t ldc, const __mmask16 *cmask)
{
  __m512 acc[MR][8];

#pragma GCC unroll 6
  for (int r = 0; r < mr; r++)
#pragma GCC unroll 8
    for (int v = 0; v < nv; v++)
      acc[r][v] = _mm512_maskz_loadu_ps (cmask[v], C + r * ldc + 16 * v);
  tile_k (mr, nv, masked, K, A, rsa, csa, B, bs, bmask, acc);
#pragma GCC unroll 6
  for (int r = 0; r < mr; r++)
#pragma GCC unroll 8
    for (int v = 0; v < nv; v++)
      _mm512_mask_storeu_ps (C + r * ldc + 16 * v, cmask[v], acc[r][v]);
}

/* Dispatches a runtime row count 1..MR to the constant-shaped tile. */
#define TILE_ROWS(mr, call) \
  switch (mr) { \
    case 1: call (1); break; \
    case 2: call (2); break; \
    case 3: call (3); break; \
    case 4: call (4); break; \
    case 5: call (5); break; \
    default: call (6); break; \
  }

/* ---- row-major products --------------------------------------------------- */

static void
k_rows_matmul_acc (size_t M, size_t N, size_t K, const float *x, size_t ldx,
    const float *W, size_t ldw, float *out, size_t ldo)
{
  size_t j0, r0;

  if (M == 1) {
    /* one row: eight vectors of columns at a time hide the FMA latency */
    for (j0 = 0; j0 < N; j0 += 128) {
      __mmask16 m[8];
      int v;
      for (v = 0; v < 8; v++)
        m[v] = lanes (j0 + 16 * v < N ? N - j0 - 16 * v : 0);
      tile_acc_c (1, 8, 1, K, x, 0, 1, W + j0, ldw, m, out + j0, ldo, m);
    }
    return;
  }
  for (j0 = 0; j0 < N; j0 += 64) {
    __mmask16 m[4];
    int v;
    for (v = 0; v < 4; v++)
      m[v] = lanes (j0 + 16 * v < N ? N - j0 - 16 * v : 0);
    for (r0 = 0; r0 < M; r0 += MR) {
      size_t mr = MIN (MR, M - r0);
#define CALL(R) tile_acc_c (R, 4, 1, K, x + r0 * ldx, ldx, 1, W + j0, ldw, m, \
          out + r0 * ldo + j0, ldo, m)
      TILE_ROWS (mr, CALL);
#undef CALL
    }
  }
}

/* ---- packed products ------------------------------------------------------ */

/* Rows of the weights per pass: a 4-block panel of KC_PACKED rows (64 KiB)
 * stays in L2 while every row tile of the call reuses it; the output tile is
 * stored and reloaded between passes, which keeps the serial chain. */
#define KC_PACKED 256

static void
k_packed_matmul_acc (size_t M, const float *x, size_t ldx, const RncPacked *P,
    float *out, size_t ldo, size_t n_store)
{
  size_t nsg = rnc_packed_sg_count (P), K = P->K, s, r0, k0;

  for (s = 0; s < nsg; s++) {
    const float *B = rnc_packed_sg_data (P, s);
    size_t w = rnc_packed_sg_width (P, s), bs = w * RNC_BLOCK, c0;
    size_t col0 = s * RNC_SG_BLOCKS * RNC_BLOCK;

    if (M == 1 && w > 4) {
      __mmask16 m[8];
      int v;
      for (v = 0; v < 8; v++)
        m[v] = (size_t) v < w && col0 + 16 * v < n_store ?
            lanes (n_store - col0 - 16 * v) : 0;
      tile_acc_c (1, 8, 0, K, x, 0, 1, B, bs, NULL, out + col0, ldo, m);
      continue;
    }
    for (c0 = 0; c0 < w; c0 += 4) {
      size_t cc = col0 + c0 * RNC_BLOCK;
      __mmask16 m[4];
      int v;
      if (cc >= n_store)
        break;
      for (v = 0; v < 4; v++)
        m[v] = c0 + v < w && cc + 16 * v < n_store ?
            lanes (n_store - cc - 16 * v) : 0;
      for (k0 = 0; k0 < K; k0 += KC_PACKED) {
        size_t kc = MIN (KC_PACKED, K - k0);
        for (r0 = 0; r0 < M; r0 += MR) {
          size_t mr = MIN (MR, M - r0);
#define CALL(R) tile_acc_c (R, 4, 0, kc, x + r0 * ldx + k0, ldx, 1, \
              B + k0 * bs + c0 * RNC_BLOCK, bs, NULL, out + r0 * ldo + cc, \
              ldo, m)
          TILE_ROWS (mr, CALL);
#undef CALL
        }
      }
    }
  }
}

static void
k_packed_axpy (const RncPacked *P, size_t k, float a, float *out)
{
  size_t nsg = rnc_packed_sg_count (P), s, v;
  __m512 av = _mm512_set1_ps (a);

  for (s = 0; s < nsg; s++) {
    size_t w = rnc_packed_sg_width (P, s);
    const float *b = rnc_packed_sg_data (P, s) + k * w * RNC_BLOCK;
    float *o = out + s * RNC_SG_BLOCKS * RNC_BLOCK;
    for (v = 0; v < w; v++)
      _mm512_storeu_ps (o + 16 * v, _mm512_fmadd_ps (av,
              _mm512_loadu_ps (b + 16 * v), _mm512_loadu_ps (o + 16 * v)));
  }
}

/* ---- fused recurrent steps ------------------------------------------------ */

/* The LSTM cell update for one row of 16 units u0 .. u0+15 from their gate
 * pre-activations g4[0..3] = (i, f, o, g). */
INLINE void
lstm_cell (const __m512 * g4, __mmask16 m, float *c, float *h)
{
  __m512 i = v_sigmoid (g4[0]), f = v_sigmoid (g4[1]), o = v_sigmoid (g4[2]);
  __m512 g = v_tanh (g4[3]);
  __m512 cp = _mm512_maskz_loadu_ps (m, c);
  __m512 cn = _mm512_fmadd_ps (f, cp, _mm512_mul_ps (i, g));

  _mm512_mask_storeu_ps (c, m, cn);
  _mm512_mask_storeu_ps (h, m, _mm512_mul_ps (o, v_tanh (cn)));
}

/* The GRU update for one row of 16 units u0 .. u0+15 from their slots
 * g4[0..3] = (r, z, n_x, n_h): n = tanh (n_x + r n_h),
 * h = n + z (h_prev - n). */
INLINE void
gru_cell (const __m512 * g4, __mmask16 m, const float *hp, float *h)
{
  __m512 r = v_sigmoid (g4[0]), z = v_sigmoid (g4[1]);
  __m512 n = v_tanh (_mm512_fmadd_ps (r, g4[3], g4[2]));
  __m512 hv = _mm512_maskz_loadu_ps (m, hp);

  _mm512_mask_storeu_ps (h, m, _mm512_fmadd_ps (z, _mm512_sub_ps (hv, n), n));
}

/* mr rows x one unit group (4 blocks) of an LSTM (or, with @gru, a GRU)
 * step; Bx (the same columns of Wx, D rows) is NULL unless the projection
 * is fused. */
INLINE void
lstm_tile (const int gru, const int mr, size_t H, const float *a,
    size_t lda, const float *x, size_t ldx, size_t D, const float *Bx,
    const float *h_prev, const float *B, size_t bs, size_t u0, float *c,
    float *h_next)
{
  __m512 acc[MR][8];
  __mmask16 m = lanes (H - u0);

#pragma GCC unroll 6
  for (int r = 0; r < mr; r++)
#pragma GCC unroll 4
    for (int v = 0; v < 4; v++)
      acc[r][v] = _mm512_loadu_ps (a + r * lda + 16 * v);
  if (Bx)
    tile_k (mr, 4, 0, D, x, ldx, 1, Bx, bs, NULL, acc);
  tile_k_skip (mr, 4, 0, gru ? 0x4 : 0, H, h_prev, H, 1, B, bs, NULL, acc);
#pragma GCC unroll 6
  for (int r = 0; r < mr; r++) {
    if (gru)
      gru_cell (acc[r], m, h_prev + r * H + u0, h_next + r * H + u0);
    else
      lstm_cell (acc[r], m, c + r * H + u0, h_next + r * H + u0);
  }
}

INLINE void
grouped_step (const int gru, const RncStepArgs *p)
{
  size_t N = p->N, H = p->H, first, nsg, si, r0;
  size_t D = p->x ? p->Wx->K : 0;

  rnc_step_range (p, &first, &nsg);
  for (si = 0; si < nsg; si++) {
    size_t s = first + (p->reverse ? nsg - 1 - si : si);
    const float *B = rnc_packed_sg_data (p->Wh, s);
    const float *Bx = p->x ? rnc_packed_sg_data (p->Wx, s) : NULL;
    size_t w = rnc_packed_sg_width (p->Wh, s), bs = w * RNC_BLOCK, c0;
    size_t col0 = s * RNC_SG_BLOCKS * RNC_BLOCK;
    size_t u0 = s * (RNC_SG_BLOCKS / 4) * RNC_BLOCK;

    if (N == 1 && w == 8) {
      /* two unit groups, eight independent FMA chains */
      __m512 acc[MR][8];
      int v;
      for (v = 0; v < 8; v++)
        acc[0][v] = _mm512_loadu_ps (p->a + col0 + 16 * v);
      if (Bx)
        tile_k (1, 8, 0, D, p->x, 0, 1, Bx, bs, NULL, acc);
      tile_k_skip (1, 8, 0, gru ? 0x44 : 0, H, p->h_prev, 0, 1, B, bs, NULL,
          acc);
      if (gru) {
        gru_cell (acc[0], lanes (H - u0), p->h_prev + u0, p->h_next + u0);
        gru_cell (acc[0] + 4, lanes (H - u0 - 16), p->h_prev + u0 + 16,
            p->h_next + u0 + 16);
      } else {
        lstm_cell (acc[0], lanes (H - u0), p->c + u0, p->h_next + u0);
        lstm_cell (acc[0] + 4, lanes (H - u0 - 16), p->c + u0 + 16,
            p->h_next + u0 + 16);
      }
      continue;
    }
    for (c0 = 0; c0 < w; c0 += 4) {
      size_t u = u0 + (c0 / 4) * RNC_BLOCK;
      for (r0 = 0; r0 < N; r0 += MR) {
        size_t mr = MIN (MR, N - r0);
#define CALL(R) lstm_tile (gru, R, H, \
            p->a + r0 * p->lda + col0 + c0 * RNC_BLOCK, \
            p->lda, p->x ? p->x + r0 * p->ldx : NULL, p->ldx, D, \
            Bx ? Bx + c0 * RNC_BLOCK : NULL, p->h_prev + r0 * H, \
            B + c0 * RNC_BLOCK, bs, u, gru ? NULL : p->c + r0 * H, \
            p->h_next + r0 * H)
        TILE_ROWS (mr, CALL);
#undef CALL
      }
    }
  }
}

static void
k_lstm_step (const RncStepArgs *p)
{
  grouped_step (0, p);
}

static void
k_gru_step (const RncStepArgs *p)
{
  grouped_step (1, p);
}

/* mr rows x nv blocks of an RNN step starting at unit u0; only the first
 * wv blocks exist (the others are computed on whatever the padded weight
 * buffer holds and never stored). */
INLINE void
rnn_tile (const int mr, const int nv, size_t wv, size_t H, const float *a,
    size_t lda, const float *x, size_t ldx, size_t D, const float *Bx,
    const float *h_prev, const float *B, size_t bs, size_t u0,
    float *h_next)
{
  __m512 acc[MR][8];

#pragma GCC unroll 6
  for (int r = 0; r < mr; r++)
#pragma GCC unroll 8
    for (int v = 0; v < nv; v++)
      acc[r][v] = _mm512_maskz_loadu_ps ((size_t) v < wv ? 0xFFFF : 0,
          a + r * lda + 16 * v);
  if (Bx)
    tile_k (mr, nv, 0, D, x, ldx, 1, Bx, bs, NULL, acc);
  tile_k (mr, nv, 0, H, h_prev, H, 1, B, bs, NULL, acc);
#pragma GCC unroll 6
  for (int r = 0; r < mr; r++)
#pragma GCC unroll 8
    for (int v = 0; v < nv; v++) {
      size_t u = u0 + 16 * v;
      if (u < H)
        _mm512_mask_storeu_ps (h_next + r * H + u, lanes (H - u),
            v_tanh (acc[r][v]));
    }
}

static void
k_rnn_step (const RncStepArgs *p)
{
  size_t N = p->N, H = p->H, first, nsg, si, r0;
  size_t D = p->x ? p->Wx->K : 0;

  rnc_step_range (p, &first, &nsg);
  for (si = 0; si < nsg; si++) {
    size_t s = first + (p->reverse ? nsg - 1 - si : si);
    const float *B = rnc_packed_sg_data (p->Wh, s);
    const float *Bx = p->x ? rnc_packed_sg_data (p->Wx, s) : NULL;
    size_t w = rnc_packed_sg_width (p->Wh, s), bs = w * RNC_BLOCK, c0;
    size_t col0 = s * RNC_SG_BLOCKS * RNC_BLOCK;

    if (N == 1) {
      /* weight reads past a narrower last super-group stay inside the
       * buffer (RNC_PACK_TAIL) */
      if (w > 4)
        rnn_tile (1, 8, w, H, p->a + col0, p->lda, p->x, 0, D, Bx, p->h_prev,
            B, bs, col0, p->h_next);
      else
        rnn_tile (1, 4, w, H, p->a + col0, p->lda, p->x, 0, D, Bx, p->h_prev,
            B, bs, col0, p->h_next);
      continue;
    }
    for (c0 = 0; c0 < w; c0 += 4)
      for (r0 = 0; r0 < N; r0 += MR) {
        size_t mr = MIN (MR, N - r0);
#define CALL(R) rnn_tile (R, 4, w - c0, H, \
            p->a + r0 * p->lda + col0 + c0 * RNC_BLOCK, p->lda, \
            p->x ? p->x + r0 * p->ldx : NULL, p->ldx, D, \
            Bx ? Bx + c0 * RNC_BLOCK : NULL, \
            p->h_prev + r0 * H, B + c0 * RNC_BLOCK, bs, \
            col0 + c0 * RNC_BLOCK, p->h_next + r0 * H)
        TILE_ROWS (mr, CALL);
#undef CALL
      }
  }
}

/* ---- general GEMM ---------------------------------------------------------- */

#define KC 256

/* In-register transpose of a 16 x 16 tile (r[i] = row i). */
INLINE void
transpose16 (__m512 * r)
{
  __m512 t[16];
  int i, j;

  for (i = 0; i < 8; i++) {
    t[2 * i] = _mm512_unpacklo_ps (r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_ps (r[2 * i], r[2 * i + 1]);
  }
  for (i = 0; i < 4; i++) {
    r[4 * i + 0] = _mm512_shuffle_ps (t[4 * i + 0], t[4 * i + 2], 0x44);
    r[4 * i + 1] = _mm512_shuffle_ps (t[4 * i + 0], t[4 * i + 2], 0xEE);
    r[4 * i + 2] = _mm512_shuffle_ps (t[4 * i + 1], t[4 * i + 3], 0x44);
    r[4 * i + 3] = _mm512_shuffle_ps (t[4 * i + 1], t[4 * i + 3], 0xEE);
  }
  for (i = 0; i < 2; i++)
    for (j = 0; j < 4; j++) {
      t[8 * i + j] = _mm512_shuffle_f32x4 (r[8 * i + j], r[8 * i + 4 + j],
          0x88);
      t[8 * i + 4 + j] = _mm512_shuffle_f32x4 (r[8 * i + j],
          r[8 * i + 4 + j], 0xDD);
    }
  for (j = 0; j < 8; j++) {
    r[j] = _mm512_shuffle_f32x4 (t[j], t[8 + j], 0x88);
    r[8 + j] = _mm512_shuffle_f32x4 (t[j], t[8 + j], 0xDD);
  }
}

/* panel (kc rounded up to 16, 64) = B^T for B rows j0 .. j0+nc-1 (each K
 * long, row stride ldb), columns k0 .. k0+kc-1; missing rows of the last
 * 16-row group read as 0, later groups are left alone (not read). */
static void
pack_bt (const float *B, size_t ldb, size_t j0, size_t nc, size_t k0,
    size_t kc, float *panel)
{
  size_t jj, kk;

  for (jj = 0; jj < nc; jj += 16)
    for (kk = 0; kk < kc; kk += 16) {
      __mmask16 m = lanes (kc - kk);
      __m512 r[16];
      int i;
      for (i = 0; i < 16; i++)
        r[i] = jj + i < nc ? _mm512_maskz_loadu_ps (m,
            B + (j0 + jj + i) * ldb + k0 + kk) : _mm512_setzero_ps ();
      transpose16 (r);
      for (i = 0; i < 16; i++)
        _mm512_store_ps (panel + (kk + i) * 64 + jj, r[i]);
    }
}

/* C tile (mr x nv vectors, masked) += alpha * (A @ B over K): the
 * alpha != 1 path (C was scaled by beta before). */
INLINE void
tile_alpha_c (const int mr, const int nv, const int masked, size_t K,
    const float *A, size_t rsa, size_t csa, const float *B, size_t bs,
    const __mmask16 *bmask, float alpha, float *C, size_t ldc,
    const __mmask16 *cmask)
{
  __m512 acc[MR][8], al = _mm512_set1_ps (alpha);

#pragma GCC unroll 6
  for (int r = 0; r < mr; r++)
#pragma GCC unroll 4
    for (int v = 0; v < nv; v++)
      acc[r][v] = _mm512_setzero_ps ();
  tile_k (mr, nv, masked, K, A, rsa, csa, B, bs, bmask, acc);
#pragma GCC unroll 6
  for (int r = 0; r < mr; r++)
#pragma GCC unroll 4
    for (int v = 0; v < nv; v++) {
      float *cp = C + r * ldc + 16 * v;
      __m512 cv = _mm512_maskz_loadu_ps (cmask[v], cp);
      _mm512_mask_storeu_ps (cp, cmask[v], _mm512_fmadd_ps (al, acc[r][v],
              cv));
    }
}

/* One GEMM tile with runtime rows (1..6), vectors (1..4) and B masking,
 * each combination a constant-shaped instance. */
INLINE void
gemm_tile_nv (const int nv, size_t mr, int masked, int unit_alpha, size_t K,
    const float *A, size_t rsa, size_t csa, const float *B, size_t bs,
    const __mmask16 *m, float alpha, float *C, size_t ldc)
{
  if (unit_alpha && masked) {
#define CALL(R) tile_acc_c (R, nv, 1, K, A, rsa, csa, B, bs, m, C, ldc, m)
    TILE_ROWS (mr, CALL);
#undef CALL
  } else if (unit_alpha) {
#define CALL(R) tile_acc_c (R, nv, 0, K, A, rsa, csa, B, bs, m, C, ldc, m)
    TILE_ROWS (mr, CALL);
#undef CALL
  } else if (masked) {
#define CALL(R) tile_alpha_c (R, nv, 1, K, A, rsa, csa, B, bs, m, alpha, C, \
        ldc, m)
    TILE_ROWS (mr, CALL);
#undef CALL
  } else {
#define CALL(R) tile_alpha_c (R, nv, 0, K, A, rsa, csa, B, bs, m, alpha, C, \
        ldc, m)
    TILE_ROWS (mr, CALL);
#undef CALL
  }
}

static void
gemm_tile (size_t nv, size_t mr, int masked, int unit_alpha, size_t K,
    const float *A, size_t rsa, size_t csa, const float *B, size_t bs,
    const __mmask16 *m, float alpha, float *C, size_t ldc)
{
  switch (nv) {
    case 1:
      gemm_tile_nv (1, mr, masked, unit_alpha, K, A, rsa, csa, B, bs, m,
          alpha, C, ldc);
      break;
    case 2:
      gemm_tile_nv (2, mr, masked, unit_alpha, K, A, rsa, csa, B, bs, m,
          alpha, C, ldc);
      break;
    case 3:
      gemm_tile_nv (3, mr, masked, unit_alpha, K, A, rsa, csa, B, bs, m,
          alpha, C, ldc);
      break;
    default:
      gemm_tile_nv (4, mr, masked, unit_alpha, K, A, rsa, csa, B, bs, m,
          alpha, C, ldc);
      break;
  }
}

static void
k_gemm (gboolean ta, gboolean tb, size_t M, size_t N, size_t K, float alpha,
    const float *A, size_t lda, const float *B, size_t ldb, float beta,
    float *C, size_t ldc)
{
  /* B^T panels are transposed into this (KC x 64) buffer on the stack */
  float panel[KC * 64] __attribute__((aligned (64)));
  size_t rsa = ta ? 1 : lda, csa = ta ? lda : 1;
  size_t i, j0, k0, r0;

  if (M == 0 || N == 0)
    return;
  if (beta != 1.0f)
    for (i = 0; i < M; i++) {
      float *row = C + i * ldc;
      size_t j;
      if (beta == 0.0f)
        memset (row, 0, N * sizeof (float));
      else
        for (j = 0; j < N; j++)
          row[j] *= beta;
    }
  if (alpha == 0.0f || K == 0)
    return;
  if (M == 1 && !ta && !tb && alpha == 1.0f) {
    /* a row times a matrix: eight FMA chains per pass */
    k_rows_matmul_acc (1, N, K, A, lda, B, ldb, C, ldc);
    return;
  }

  for (j0 = 0; j0 < N; j0 += 64) {
    size_t nc = MIN (64, N - j0), nv = (nc + 15) / 16;
    __mmask16 m[4];
    size_t v;
    for (v = 0; v < 4; v++)
      m[v] = lanes (16 * v < nc ? nc - 16 * v : 0);
    for (k0 = 0; k0 < K; k0 += KC) {
      size_t kc = MIN (KC, K - k0), bs;
      const float *Bp;
      int masked;
      if (tb) {
        pack_bt (B, ldb, j0, nc, k0, kc, panel);
        Bp = panel;
        bs = 64;
        masked = 0;
      } else {
        Bp = B + k0 * ldb + j0;
        bs = ldb;
        masked = 1;
      }
      for (r0 = 0; r0 < M; r0 += MR)
        gemm_tile (nv, MIN (MR, M - r0), masked, alpha == 1.0f, kc,
            A + r0 * rsa + k0 * csa, rsa, csa, Bp, bs, m, alpha,
            C + r0 * ldc + j0, ldc);
    }
  }
}

/* ---- BPTT element-wise steps --------------------------------------------- */

static void
k_lstm_cell_fwd (size_t N, size_t H, float *a, const float *c_prev,
    float *c, float *tc, float *h)
{
  size_t n, j;

  for (n = 0; n < N; n++) {
    float *ar = a + n * 4 * H;
    const float *cp = c_prev + n * H;
    float *cr = c + n * H, *tr = tc + n * H, *hr = h + n * H;

    for (j = 0; j < H; j += 16) {
      __mmask16 m = lanes (H - j);
      __m512 i = v_sigmoid (_mm512_maskz_loadu_ps (m, ar + j));
      __m512 f = v_sigmoid (_mm512_maskz_loadu_ps (m, ar + H + j));
      __m512 o = v_sigmoid (_mm512_maskz_loadu_ps (m, ar + 2 * H + j));
      __m512 g = v_tanh (_mm512_maskz_loadu_ps (m, ar + 3 * H + j));
      __m512 cn = _mm512_fmadd_ps (f, _mm512_maskz_loadu_ps (m, cp + j),
          _mm512_mul_ps (i, g));
      __m512 t = v_tanh (cn);

      _mm512_mask_storeu_ps (ar + j, m, i);
      _mm512_mask_storeu_ps (ar + H + j, m, f);
      _mm512_mask_storeu_ps (ar + 2 * H + j, m, o);
      _mm512_mask_storeu_ps (ar + 3 * H + j, m, g);
      _mm512_mask_storeu_ps (cr + j, m, cn);
      _mm512_mask_storeu_ps (tr + j, m, t);
      _mm512_mask_storeu_ps (hr + j, m, _mm512_mul_ps (o, t));
    }
  }
}

static void
k_lstm_cell_bwd (size_t N, size_t H, const float *gates, const float *tc,
    const float *c_prev, const float *dh, const float *dh_next, float *dc,
    float *da)
{
  const __m512 one = _mm512_set1_ps (1.0f);
  size_t n, j;

  for (n = 0; n < N; n++) {
    const float *gt = gates + n * 4 * H;
    const float *t = tc + n * H, *cp = c_prev + n * H;
    const float *d0 = dh + n * H, *d1 = dh_next + n * H;
    float *dcr = dc + n * H, *dar = da + n * 4 * H;

    for (j = 0; j < H; j += 16) {
      __mmask16 m = lanes (H - j);
      __m512 i = _mm512_maskz_loadu_ps (m, gt + j);
      __m512 f = _mm512_maskz_loadu_ps (m, gt + H + j);
      __m512 o = _mm512_maskz_loadu_ps (m, gt + 2 * H + j);
      __m512 g = _mm512_maskz_loadu_ps (m, gt + 3 * H + j);
      __m512 tv = _mm512_maskz_loadu_ps (m, t + j);
      __m512 d = _mm512_add_ps (_mm512_maskz_loadu_ps (m, d0 + j),
          _mm512_maskz_loadu_ps (m, d1 + j));
      __m512 dcj = _mm512_fmadd_ps (_mm512_mul_ps (d, o),
          _mm512_fnmadd_ps (tv, tv, one), _mm512_maskz_loadu_ps (m, dcr + j));

      _mm512_mask_storeu_ps (dar + j, m, _mm512_mul_ps (_mm512_mul_ps (dcj,
                  g), _mm512_mul_ps (i, _mm512_sub_ps (one, i))));
      _mm512_mask_storeu_ps (dar + H + j, m, _mm512_mul_ps (_mm512_mul_ps
              (dcj, _mm512_maskz_loadu_ps (m, cp + j)), _mm512_mul_ps (f,
                  _mm512_sub_ps (one, f))));
      _mm512_mask_storeu_ps (dar + 2 * H + j, m, _mm512_mul_ps
          (_mm512_mul_ps (d, tv), _mm512_mul_ps (o, _mm512_sub_ps (one,
                      o))));
      _mm512_mask_storeu_ps (dar + 3 * H + j, m, _mm512_mul_ps
          (_mm512_mul_ps (dcj, i), _mm512_fnmadd_ps (g, g, one)));
      _mm512_mask_storeu_ps (dcr + j, m, _mm512_mul_ps (dcj, f));
    }
  }
}

static void
k_col_sums (size_t rows, size_t w, const float *m, float *out)
{
  size_t r, j;

  for (j = 0; j < w; j += 64) {
    __mmask16 mk[4];
    __m512 acc[4];
    int v;
    for (v = 0; v < 4; v++) {
      mk[v] = lanes (j + 16 * v < w ? w - j - 16 * v : 0);
      acc[v] = _mm512_setzero_ps ();
    }
    for (r = 0; r < rows; r++)
      for (v = 0; v < 4; v++)
        acc[v] = _mm512_add_ps (acc[v], _mm512_maskz_loadu_ps (mk[v],
                m + r * w + j + 16 * v));
    for (v = 0; v < 4; v++)
      _mm512_mask_storeu_ps (out + j + 16 * v, mk[v], acc[v]);
  }
}

const RncKernelTable rnc_kernels_avx512 = {
  .level = RNC_CPU_AVX512,
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
  .gemm = k_gemm,
};
