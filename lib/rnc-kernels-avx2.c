/* librnc: AVX2 + FMA kernels.
 *
 * This file alone is compiled with -mavx2 -mfma; nothing in it runs unless
 * rnc-cpu.c found those features. A 16-float block of the packed layout
 * (rnc-simd.h) is two 8-float vectors here. Same arithmetic contract as the
 * other levels: one serial FMA chain over k per output element. */
#include "rnc-simd.h"

#include <immintrin.h>
#include <math.h>
#include <string.h>

#define INLINE static inline __attribute__((always_inline))

/* ---- element-wise maths (as in rnc-kernels-avx512.c; 2^n is applied in
 * two exact halves instead of scalef, so one rounding lands in the denormal
 * range and overflow still gives inf) ---------------------------------- */

INLINE __m256
v_exp (__m256 x)
{
  const __m256 log2e = _mm256_set1_ps (1.44269504088896341f);
  const __m256 ln2_hi = _mm256_set1_ps (0.693145751953125f);
  const __m256 ln2_lo = _mm256_set1_ps (1.42860682030941723212e-6f);
  __m256 nan = _mm256_cmp_ps (x, x, _CMP_UNORD_Q);
  __m256 xc, n, r, z, p, s1, s2;
  __m256i ni, n1, n2;

  xc = _mm256_min_ps (_mm256_max_ps (x, _mm256_set1_ps (-104.0f)),
      _mm256_set1_ps (89.0f));
  n = _mm256_round_ps (_mm256_mul_ps (xc, log2e),
      _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  r = _mm256_fnmadd_ps (n, ln2_hi, xc);
  r = _mm256_fnmadd_ps (n, ln2_lo, r);
  z = _mm256_mul_ps (r, r);
  p = _mm256_set1_ps (1.9875691500E-4f);
  p = _mm256_fmadd_ps (p, r, _mm256_set1_ps (1.3981999507E-3f));
  p = _mm256_fmadd_ps (p, r, _mm256_set1_ps (8.3334519073E-3f));
  p = _mm256_fmadd_ps (p, r, _mm256_set1_ps (4.1665795894E-2f));
  p = _mm256_fmadd_ps (p, r, _mm256_set1_ps (1.6666665459E-1f));
  p = _mm256_fmadd_ps (p, r, _mm256_set1_ps (5.0000001201E-1f));
  p = _mm256_fmadd_ps (p, z, r);
  p = _mm256_add_ps (p, _mm256_set1_ps (1.0f));
  /* n in [-150, 129]: 2^n = 2^n1 * 2^n2 with both halves normal */
  ni = _mm256_cvtps_epi32 (n);
  n1 = _mm256_srai_epi32 (ni, 1);
  n2 = _mm256_sub_epi32 (ni, n1);
  s1 = _mm256_castsi256_ps (_mm256_slli_epi32 (_mm256_add_epi32 (n1,
              _mm256_set1_epi32 (127)), 23));
  s2 = _mm256_castsi256_ps (_mm256_slli_epi32 (_mm256_add_epi32 (n2,
              _mm256_set1_epi32 (127)), 23));
  p = _mm256_mul_ps (_mm256_mul_ps (p, s1), s2);
  return _mm256_blendv_ps (p, x, nan);
}

INLINE __m256
v_sigmoid (__m256 x)
{
  const __m256 one = _mm256_set1_ps (1.0f);
  __m256 t = v_exp (_mm256_or_ps (x, _mm256_set1_ps (-0.0f)));
  __m256 neg = _mm256_cmp_ps (x, _mm256_setzero_ps (), _CMP_LT_OQ);
  __m256 num = _mm256_blendv_ps (one, t, neg);

  return _mm256_div_ps (num, _mm256_add_ps (one, t));
}

INLINE __m256
v_tanh (__m256 x)
{
  const __m256 one = _mm256_set1_ps (1.0f);
  const __m256 sign = _mm256_set1_ps (-0.0f);
  __m256 ax = _mm256_andnot_ps (sign, x), y;
  __m256 small = _mm256_cmp_ps (ax, _mm256_set1_ps (0.625f), _CMP_LT_OQ);
  int ms = _mm256_movemask_ps (small);

  if (ms != 0xFF) {
    __m256 t = v_exp (_mm256_mul_ps (ax, _mm256_set1_ps (-2.0f)));
    y = _mm256_div_ps (_mm256_sub_ps (one, t), _mm256_add_ps (one, t));
    y = _mm256_or_ps (y, _mm256_and_ps (x, sign));
  } else {
    y = x;
  }
  if (ms) {
    __m256 z = _mm256_mul_ps (x, x), p;
    p = _mm256_set1_ps (-5.70498872745E-3f);
    p = _mm256_fmadd_ps (p, z, _mm256_set1_ps (2.06390887954E-2f));
    p = _mm256_fmadd_ps (p, z, _mm256_set1_ps (-5.37397155531E-2f));
    p = _mm256_fmadd_ps (p, z, _mm256_set1_ps (1.33314422036E-1f));
    p = _mm256_fmadd_ps (p, z, _mm256_set1_ps (-3.33332819422E-1f));
    p = _mm256_fmadd_ps (_mm256_mul_ps (p, z), x, x);
    /* tanh is odd: keeps the sign of -0 too */
    p = _mm256_or_ps (_mm256_andnot_ps (sign, p), _mm256_and_ps (x, sign));
    y = _mm256_blendv_ps (y, p, small);
  }
  return y;
}

/* Lane mask of the first @valid lanes (0..8+). */
INLINE __m256i
lanes (size_t valid)
{
  const __m256i iota = _mm256_setr_epi32 (0, 1, 2, 3, 4, 5, 6, 7);
  int n = valid > 8 ? 8 : (int) valid;

  return _mm256_cmpgt_epi32 (_mm256_set1_epi32 (n), iota);
}

#define MAP_INPLACE(name, fn) \
  static void \
  name (float *x, size_t n) \
  { \
    size_t i; \
    for (i = 0; i + 8 <= n; i += 8) \
      _mm256_storeu_ps (x + i, fn (_mm256_loadu_ps (x + i))); \
    if (i < n) { \
      __m256i m = lanes (n - i); \
      _mm256_maskstore_ps (x + i, m, fn (_mm256_maskload_ps (x + i, m))); \
    } \
  }

MAP_INPLACE (k_exp, v_exp)
MAP_INPLACE (k_sigmoid, v_sigmoid)
MAP_INPLACE (k_tanh, v_tanh)

/* ---- the register tile: acc[r][v] (mr rows x nv 8-float vectors) += A @ B,
 * as in rnc-kernels-avx512.c ------------------------------------------- */

#define MR 6

/* vector v of B row k is at B + k * bs + v * vs; vectors whose bit is set
 * in @skip are left out (known zero weights: a GRU's n_x slot of the
 * recurrent weights) */
INLINE void
tile_kvs (const int mr, const int nv, const int vs, const int masked,
    const int skip, size_t K, const float *A, size_t rsa, size_t csa,
    const float *B, size_t bs, const __m256i *bmask, __m256 acc[MR][8])
{
  size_t k;

  for (k = 0; k < K; k++) {
    const float *a = A + k * csa, *b = B + k * bs;
    if (mr == 1) {
      /* weights as memory operands: all 16 registers for accumulators */
      __m256 av = _mm256_set1_ps (a[0]);
#pragma GCC unroll 8
      for (int v = 0; v < nv; v++)
        if (!((skip >> v) & 1))
          acc[0][v] = _mm256_fmadd_ps (av, masked ?
              _mm256_maskload_ps (b + vs * v, bmask[v]) :
              _mm256_loadu_ps (b + vs * v), acc[0][v]);
    } else {
      __m256 bv[8];
#pragma GCC unroll 8
      for (int v = 0; v < nv; v++)
        if (!((skip >> v) & 1))
          bv[v] = masked ? _mm256_maskload_ps (b + vs * v, bmask[v]) :
              _mm256_loadu_ps (b + vs * v);
#pragma GCC unroll 6
      for (int r = 0; r < mr; r++) {
        __m256 av = _mm256_set1_ps (a[r * rsa]);
#pragma GCC unroll 8
        for (int v = 0; v < nv; v++)
          if (!((skip >> v) & 1))
            acc[r][v] = _mm256_fmadd_ps (av, bv[v], acc[r][v]);
      }
    }
  }
}

#define tile_kv(mr, nv, vs, masked, K, A, rsa, csa, B, bs, bmask, acc) \
  tile_kvs (mr, nv, vs, masked, 0, K, A, rsa, csa, B, bs, bmask, acc)

#define tile_k(mr, nv, masked, K, A, rsa, csa, B, bs, bmask, acc) \
  tile_kv (mr, nv, 8, masked, K, A, rsa, csa, B, bs, bmask, acc)

INLINE void
tile_acc_c (const int mr, const int nv, const int masked, size_t K,
    const float *A, size_t rsa, size_t csa, const float *B, size_t bs,
    const __m256i *bmask, float *C, size_t ldc, const __m256i *cmask)
{
  __m256 acc[MR][8];

#pragma GCC unroll 6
  for (int r = 0; r < mr; r++)
#pragma GCC unroll 8
    for (int v = 0; v < nv; v++)
      acc[r][v] = _mm256_maskload_ps (C + r * ldc + 8 * v, cmask[v]);
  tile_k (mr, nv, masked, K, A, rsa, csa, B, bs, bmask, acc);
#pragma GCC unroll 6
  for (int r = 0; r < mr; r++)
#pragma GCC unroll 8
    for (int v = 0; v < nv; v++)
      _mm256_maskstore_ps (C + r * ldc + 8 * v, cmask[v], acc[r][v]);
}

#define TILE_ROWS(mr, call) \
  switch (mr) { \
    case 1: call (1); break; \
    case 2: call (2); break; \
    case 3: call (3); break; \
    case 4: call (4); break; \
    case 5: call (5); break; \
    default: call (6); break; \
  }

/* masks of nv vectors covering columns j0.. of a matrix @n columns wide */
static void
col_masks (size_t j0, size_t n, int nv, __m256i *m)
{
  int v;

  for (v = 0; v < nv; v++)
    m[v] = lanes (j0 + 8 * (size_t) v < n ? n - j0 - 8 * v : 0);
}

/* ---- row-major products --------------------------------------------------- */

static void
k_rows_matmul_acc (size_t M, size_t N, size_t K, const float *x, size_t ldx,
    const float *W, size_t ldw, float *out, size_t ldo)
{
  size_t j0, r0;
  __m256i m[8];

  if (M == 1) {
    for (j0 = 0; j0 < N; j0 += 64) {
      col_masks (j0, N, 8, m);
      tile_acc_c (1, 8, 1, K, x, 0, 1, W + j0, ldw, m, out + j0, ldo, m);
    }
    return;
  }
  for (j0 = 0; j0 < N; j0 += 16) {
    col_masks (j0, N, 2, m);
    for (r0 = 0; r0 < M; r0 += MR) {
      size_t mr = MIN (MR, M - r0);
#define CALL(R) tile_acc_c (R, 2, 1, K, x + r0 * ldx, ldx, 1, W + j0, ldw, m, \
          out + r0 * ldo + j0, ldo, m)
      TILE_ROWS (mr, CALL);
#undef CALL
    }
  }
}

/* ---- packed products ------------------------------------------------------ */

/* as in rnc-kernels-avx512.c: a panel of KC_PACKED rows per pass */
#define KC_PACKED 256

static void
k_packed_matmul_acc (size_t M, const float *x, size_t ldx, const RncPacked *P,
    float *out, size_t ldo, size_t n_store)
{
  size_t nsg = rnc_packed_sg_count (P), K = P->K, s, r0, b, k0;
  __m256i m[8];

  for (s = 0; s < nsg; s++) {
    const float *B = rnc_packed_sg_data (P, s);
    size_t w = rnc_packed_sg_width (P, s), bs = w * RNC_BLOCK;
    size_t col0 = s * RNC_SG_BLOCKS * RNC_BLOCK;

    if (M == 1) {
      /* four blocks (eight vectors) at a time */
      for (b = 0; b < w; b += 4) {
        size_t cc = col0 + b * RNC_BLOCK;
        if (cc >= n_store)
          break;
        col_masks (cc, MIN (n_store, col0 + w * RNC_BLOCK), 8, m);
        tile_acc_c (1, 8, 0, K, x, 0, 1, B + b * RNC_BLOCK, bs, NULL,
            out + cc, ldo, m);
      }
      continue;
    }
    for (b = 0; b < w; b++) {
      size_t cc = col0 + b * RNC_BLOCK;
      if (cc >= n_store)
        break;
      col_masks (cc, n_store, 2, m);
      for (k0 = 0; k0 < K; k0 += KC_PACKED) {
        size_t kc = MIN (KC_PACKED, K - k0);
        for (r0 = 0; r0 < M; r0 += MR) {
          size_t mr = MIN (MR, M - r0);
#define CALL(R) tile_acc_c (R, 2, 0, kc, x + r0 * ldx + k0, ldx, 1, \
              B + k0 * bs + b * RNC_BLOCK, bs, NULL, out + r0 * ldo + cc, \
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
  __m256 av = _mm256_set1_ps (a);

  for (s = 0; s < nsg; s++) {
    size_t w = rnc_packed_sg_width (P, s);
    const float *b = rnc_packed_sg_data (P, s) + k * w * RNC_BLOCK;
    float *o = out + s * RNC_SG_BLOCKS * RNC_BLOCK;
    for (v = 0; v < 2 * w; v++)
      _mm256_storeu_ps (o + 8 * v, _mm256_fmadd_ps (av,
              _mm256_loadu_ps (b + 8 * v), _mm256_loadu_ps (o + 8 * v)));
  }
}

/* ---- fused recurrent steps ---------------------------------------------- */

INLINE void
lstm_half (__m256 i, __m256 f, __m256 o, __m256 g, __m256i m, float *c,
    float *h)
{
  __m256 cp = _mm256_maskload_ps (c, m);
  __m256 cn;

  i = v_sigmoid (i);
  f = v_sigmoid (f);
  o = v_sigmoid (o);
  g = v_tanh (g);
  cn = _mm256_fmadd_ps (f, cp, _mm256_mul_ps (i, g));
  _mm256_maskstore_ps (c, m, cn);
  _mm256_maskstore_ps (h, m, _mm256_mul_ps (o, v_tanh (cn)));
}

/* The GRU update of 8 units from their slots (r, z, n_x, n_h):
 * n = tanh (n_x + r n_h), h = n + z (h_prev - n). */
INLINE void
gru_half (__m256 r, __m256 z, __m256 nx, __m256 nh, __m256i m,
    const float *hp, float *h)
{
  __m256 hv = _mm256_maskload_ps (hp, m), n;

  r = v_sigmoid (r);
  z = v_sigmoid (z);
  n = v_tanh (_mm256_fmadd_ps (r, nh, nx));
  _mm256_maskstore_ps (h, m, _mm256_fmadd_ps (z, _mm256_sub_ps (hv, n), n));
}

/* mr rows x 8 units (u .. u+7): the i, f, o, g vectors of those units sit
 * 16 floats apart in a unit group; @half (0/1) picks units 0-7 or 8-15.
 * With @gru the four slots are a GRU's r, z, n_x, n_h. */
INLINE void
lstm_tile (const int gru, const int mr, size_t H, const float *a,
    size_t lda, const float *x, size_t ldx, size_t D, const float *Bx,
    const float *h_prev, const float *B, size_t bs, size_t u, float *c,
    float *h_next)
{
  __m256 acc[MR][8];
  __m256i m = lanes (H - u);

#pragma GCC unroll 6
  for (int r = 0; r < mr; r++)
#pragma GCC unroll 4
    for (int v = 0; v < 4; v++)
      acc[r][v] = _mm256_loadu_ps (a + r * lda + 16 * v);
  if (Bx)
    tile_kv (mr, 4, 16, 0, D, x, ldx, 1, Bx, bs, NULL, acc);
  tile_kvs (mr, 4, 16, 0, gru ? 0x4 : 0, H, h_prev, H, 1, B, bs, NULL, acc);
#pragma GCC unroll 6
  for (int r = 0; r < mr; r++) {
    if (gru)
      gru_half (acc[r][0], acc[r][1], acc[r][2], acc[r][3], m,
          h_prev + r * H + u, h_next + r * H + u);
    else
      lstm_half (acc[r][0], acc[r][1], acc[r][2], acc[r][3], m,
          c + r * H + u, h_next + r * H + u);
  }
}

#define MR_STEP 3

#define STEP_ROWS(mr, call) \
  switch (mr) { \
    case 1: call (1); break; \
    case 2: call (2); break; \
    default: call (3); break; \
  }

INLINE void
grouped_step (const int gru, const RncStepArgs *p)
{
  size_t N = p->N, H = p->H, first, nsg, si, r0, b;
  size_t D = p->x ? p->Wx->K : 0;

  rnc_step_range (p, &first, &nsg);
  for (si = 0; si < nsg; si++) {
    size_t s = first + (p->reverse ? nsg - 1 - si : si);
    const float *B = rnc_packed_sg_data (p->Wh, s);
    const float *Bx = p->x ? rnc_packed_sg_data (p->Wx, s) : NULL;
    size_t w = rnc_packed_sg_width (p->Wh, s), bs = w * RNC_BLOCK;
    size_t col0 = s * RNC_SG_BLOCKS * RNC_BLOCK;

    for (b = 0; b < w; b += 4) {
      size_t off = b * RNC_BLOCK, u = (col0 + off) / 4, half;
      if (N == 1) {
        /* one unit group: eight vectors, weights as memory operands */
        __m256 acc[MR][8];
        int v;
        for (v = 0; v < 8; v++)
          acc[0][v] = _mm256_loadu_ps (p->a + col0 + off + 8 * v);
        if (Bx)
          tile_k (1, 8, 0, D, p->x, 0, 1, Bx + off, bs, NULL, acc);
        tile_kvs (1, 8, 8, 0, gru ? 0x30 : 0, H, p->h_prev, 0, 1, B + off,
            bs, NULL, acc);
        /* vectors: i0 i1 f0 f1 o0 o1 g0 g1 (0/1: units u..u+7, u+8..) */
        if (gru) {
          gru_half (acc[0][0], acc[0][2], acc[0][4], acc[0][6],
              lanes (H - u), p->h_prev + u, p->h_next + u);
          if (u + 8 < H)
            gru_half (acc[0][1], acc[0][3], acc[0][5], acc[0][7],
                lanes (H - u - 8), p->h_prev + u + 8, p->h_next + u + 8);
        } else {
          lstm_half (acc[0][0], acc[0][2], acc[0][4], acc[0][6],
              lanes (H - u), p->c + u, p->h_next + u);
          if (u + 8 < H)
            lstm_half (acc[0][1], acc[0][3], acc[0][5], acc[0][7],
                lanes (H - u - 8), p->c + u + 8, p->h_next + u + 8);
        }
        continue;
      }
      for (half = 0; half < 2 && u + 8 * half < H; half++)
        for (r0 = 0; r0 < N; r0 += MR_STEP) {
          size_t mr = MIN (MR_STEP, N - r0), o = off + 8 * half;
#define CALL(R) lstm_tile (gru, R, H, p->a + r0 * p->lda + col0 + o, \
              p->lda, p->x ? p->x + r0 * p->ldx : NULL, p->ldx, D, \
              Bx ? Bx + o : NULL, p->h_prev + r0 * H, B + o, bs, \
              u + 8 * half, gru ? NULL : p->c + r0 * H, p->h_next + r0 * H)
          STEP_ROWS (mr, CALL);
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

/* mr rows x nv vectors of an RNN step from unit u0 (= packed column);
 * vectors past the super-group (valid: floats in it from u0) are computed
 * on padding and never stored. */
INLINE void
rnn_tile (const int mr, const int nv, size_t valid, size_t H,
    const float *a, size_t lda, const float *x, size_t ldx, size_t D,
    const float *Bx, const float *h_prev, const float *B, size_t bs,
    size_t u0, float *h_next)
{
  __m256 acc[MR][8];

#pragma GCC unroll 6
  for (int r = 0; r < mr; r++)
#pragma GCC unroll 8
    for (int v = 0; v < nv; v++)
      acc[r][v] = _mm256_maskload_ps (a + r * lda + 8 * v,
          lanes (8 * (size_t) v < valid ? 8 : 0));
  if (Bx)
    tile_k (mr, nv, 0, D, x, ldx, 1, Bx, bs, NULL, acc);
  tile_k (mr, nv, 0, H, h_prev, H, 1, B, bs, NULL, acc);
#pragma GCC unroll 6
  for (int r = 0; r < mr; r++)
#pragma GCC unroll 8
    for (int v = 0; v < nv; v++) {
      size_t u = u0 + 8 * v;
      if (u < H && 8 * (size_t) v < valid)
        _mm256_maskstore_ps (h_next + r * H + u, lanes (H - u),
            v_tanh (acc[r][v]));
    }
}

static void
k_rnn_step (const RncStepArgs *p)
{
  size_t N = p->N, H = p->H, first, nsg, si, r0, b;
  size_t D = p->x ? p->Wx->K : 0;

  rnc_step_range (p, &first, &nsg);
  for (si = 0; si < nsg; si++) {
    size_t s = first + (p->reverse ? nsg - 1 - si : si);
    const float *B = rnc_packed_sg_data (p->Wh, s);
    const float *Bx = p->x ? rnc_packed_sg_data (p->Wx, s) : NULL;
    size_t w = rnc_packed_sg_width (p->Wh, s), bs = w * RNC_BLOCK;
    size_t col0 = s * RNC_SG_BLOCKS * RNC_BLOCK;

    if (N == 1) {
      for (b = 0; b < w; b += 4) {
        size_t off = b * RNC_BLOCK;
        rnn_tile (1, 8, (w - b) * RNC_BLOCK, H, p->a + col0 + off, 0, p->x, 0,
            D, Bx ? Bx + off : NULL, p->h_prev, B + off, bs, col0 + off,
            p->h_next);
      }
      continue;
    }
    for (b = 0; b < w; b += 2) {
      size_t off = b * RNC_BLOCK;
      for (r0 = 0; r0 < N; r0 += MR_STEP) {
        size_t mr = MIN (MR_STEP, N - r0);
#define CALL(R) rnn_tile (R, 4, (w - b) * RNC_BLOCK, H, \
            p->a + r0 * p->lda + col0 + off, p->lda, \
            p->x ? p->x + r0 * p->ldx : NULL, p->ldx, D, \
            Bx ? Bx + off : NULL, p->h_prev + r0 * H, B + off, bs, \
            col0 + off, p->h_next + r0 * H)
        STEP_ROWS (mr, CALL);
#undef CALL
      }
    }
  }
}

/* ---- general GEMM ---------------------------------------------------------- */

#define KC 256

INLINE void
tile_alpha_c (const int mr, size_t K, const float *A, size_t rsa, size_t csa,
    const float *B, size_t bs, const __m256i *bmask, int masked, float alpha,
    float *C, size_t ldc, const __m256i *cmask)
{
  __m256 acc[MR][8], al = _mm256_set1_ps (alpha);

#pragma GCC unroll 6
  for (int r = 0; r < mr; r++)
#pragma GCC unroll 2
    for (int v = 0; v < 2; v++)
      acc[r][v] = _mm256_setzero_ps ();
  if (masked)
    tile_k (mr, 2, 1, K, A, rsa, csa, B, bs, bmask, acc);
  else
    tile_k (mr, 2, 0, K, A, rsa, csa, B, bs, bmask, acc);
#pragma GCC unroll 6
  for (int r = 0; r < mr; r++)
#pragma GCC unroll 2
    for (int v = 0; v < 2; v++) {
      float *cp = C + r * ldc + 8 * v;
      __m256 cv = _mm256_maskload_ps (cp, cmask[v]);
      _mm256_maskstore_ps (cp, cmask[v], _mm256_fmadd_ps (al, acc[r][v], cv));
    }
}

static void
k_gemm (gboolean ta, gboolean tb, size_t M, size_t N, size_t K, float alpha,
    const float *A, size_t lda, const float *B, size_t ldb, float beta,
    float *C, size_t ldc)
{
  float panel[KC * 16] __attribute__((aligned (32)));
  size_t rsa = ta ? 1 : lda, csa = ta ? lda : 1;
  size_t i, j0, k0, r0;
  __m256i m[2];

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

  for (j0 = 0; j0 < N; j0 += 16) {
    size_t nc = MIN (16, N - j0);
    col_masks (j0, N, 2, m);
    for (k0 = 0; k0 < K; k0 += KC) {
      size_t kc = MIN (KC, K - k0), bs;
      const float *Bp;
      int masked;
      if (tb) {
        size_t k, j;
        for (k = 0; k < kc; k++)
          for (j = 0; j < 16; j++)
            panel[k * 16 + j] = j < nc ? B[(j0 + j) * ldb + k0 + k] : 0.0f;
        Bp = panel;
        bs = 16;
        masked = 0;
      } else {
        Bp = B + k0 * ldb + j0;
        bs = ldb;
        masked = 1;
      }
      for (r0 = 0; r0 < M; r0 += MR) {
        size_t mr = MIN (MR, M - r0);
        const float *Ar = A + r0 * rsa + k0 * csa;
        float *Cr = C + r0 * ldc + j0;
        if (alpha == 1.0f) {
          if (masked) {
#define CALL(R) tile_acc_c (R, 2, 1, kc, Ar, rsa, csa, Bp, bs, m, Cr, ldc, m)
            TILE_ROWS (mr, CALL);
#undef CALL
          } else {
#define CALL(R) tile_acc_c (R, 2, 0, kc, Ar, rsa, csa, Bp, bs, m, Cr, ldc, m)
            TILE_ROWS (mr, CALL);
#undef CALL
          }
        } else {
#define CALL(R) tile_alpha_c (R, kc, Ar, rsa, csa, Bp, bs, m, masked, alpha, \
              Cr, ldc, m)
          TILE_ROWS (mr, CALL);
#undef CALL
        }
      }
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

    for (j = 0; j < H; j += 8) {
      __m256i m = lanes (H - j);
      __m256 i = v_sigmoid (_mm256_maskload_ps (ar + j, m));
      __m256 f = v_sigmoid (_mm256_maskload_ps (ar + H + j, m));
      __m256 o = v_sigmoid (_mm256_maskload_ps (ar + 2 * H + j, m));
      __m256 g = v_tanh (_mm256_maskload_ps (ar + 3 * H + j, m));
      __m256 cn = _mm256_fmadd_ps (f, _mm256_maskload_ps (cp + j, m),
          _mm256_mul_ps (i, g));
      __m256 t = v_tanh (cn);

      _mm256_maskstore_ps (ar + j, m, i);
      _mm256_maskstore_ps (ar + H + j, m, f);
      _mm256_maskstore_ps (ar + 2 * H + j, m, o);
      _mm256_maskstore_ps (ar + 3 * H + j, m, g);
      _mm256_maskstore_ps (cr + j, m, cn);
      _mm256_maskstore_ps (tr + j, m, t);
      _mm256_maskstore_ps (hr + j, m, _mm256_mul_ps (o, t));
    }
  }
}

static void
k_lstm_cell_bwd (size_t N, size_t H, const float *gates, const float *tc,
    const float *c_prev, const float *dh, const float *dh_next, float *dc,
    float *da)
{
  const __m256 one = _mm256_set1_ps (1.0f);
  size_t n, j;

  for (n = 0; n < N; n++) {
    const float *gt = gates + n * 4 * H;
    const float *t = tc + n * H, *cp = c_prev + n * H;
    const float *d0 = dh + n * H, *d1 = dh_next + n * H;
    float *dcr = dc + n * H, *dar = da + n * 4 * H;

    for (j = 0; j < H; j += 8) {
      __m256i m = lanes (H - j);
      __m256 i = _mm256_maskload_ps (gt + j, m);
      __m256 f = _mm256_maskload_ps (gt + H + j, m);
      __m256 o = _mm256_maskload_ps (gt + 2 * H + j, m);
      __m256 g = _mm256_maskload_ps (gt + 3 * H + j, m);
      __m256 tv = _mm256_maskload_ps (t + j, m);
      __m256 d = _mm256_add_ps (_mm256_maskload_ps (d0 + j, m),
          _mm256_maskload_ps (d1 + j, m));
      __m256 dcj = _mm256_fmadd_ps (_mm256_mul_ps (d, o),
          _mm256_fnmadd_ps (tv, tv, one), _mm256_maskload_ps (dcr + j, m));

      _mm256_maskstore_ps (dar + j, m, _mm256_mul_ps (_mm256_mul_ps (dcj, g),
              _mm256_mul_ps (i, _mm256_sub_ps (one, i))));
      _mm256_maskstore_ps (dar + H + j, m, _mm256_mul_ps (_mm256_mul_ps (dcj,
                  _mm256_maskload_ps (cp + j, m)), _mm256_mul_ps (f,
                  _mm256_sub_ps (one, f))));
      _mm256_maskstore_ps (dar + 2 * H + j, m, _mm256_mul_ps (_mm256_mul_ps
              (d, tv), _mm256_mul_ps (o, _mm256_sub_ps (one, o))));
      _mm256_maskstore_ps (dar + 3 * H + j, m, _mm256_mul_ps (_mm256_mul_ps
              (dcj, i), _mm256_fnmadd_ps (g, g, one)));
      _mm256_maskstore_ps (dcr + j, m, _mm256_mul_ps (dcj, f));
    }
  }
}

static void
k_col_sums (size_t rows, size_t w, const float *m, float *out)
{
  size_t r, j;

  for (j = 0; j < w; j += 32) {
    __m256i mk[4];
    __m256 acc[4];
    int v;
    for (v = 0; v < 4; v++) {
      mk[v] = lanes (j + 8 * v < w ? w - j - 8 * v : 0);
      acc[v] = _mm256_setzero_ps ();
    }
    for (r = 0; r < rows; r++)
      for (v = 0; v < 4; v++)
        acc[v] = _mm256_add_ps (acc[v], _mm256_maskload_ps (m + r * w + j +
                8 * v, mk[v]));
    for (v = 0; v < 4; v++)
      _mm256_maskstore_ps (out + j + 8 * v, mk[v], acc[v]);
  }
}

const RncKernelTable rnc_kernels_avx2 = {
  .level = RNC_CPU_AVX2,
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
