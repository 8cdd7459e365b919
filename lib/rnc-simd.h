/* librnc internals: the SIMD kernel table and the packed weight layout.
 *
 * Packed layout (RncPacked). A weight matrix W (K, n) is stored as column
 * blocks of RNC_BLOCK = 16 floats (one AVX-512 vector, two AVX2 vectors),
 * grouped in super-groups of up to RNC_SG_BLOCKS = 8 blocks. Super-group s
 * holds blocks 8s .. 8s+w-1 (w = MIN (8, nblocks - 8s)); its K rows of w*16
 * floats are contiguous and start at data + s * K * 128, so a step streams
 * each super-group front to back. Padding columns are zero, and the buffer
 * has RNC_PACK_TAIL zero floats past the end so a kernel may read a whole
 * 8-block row of the last, narrower super-group.
 *
 * Column order: for gates == 1 block b holds natural columns b*16 .. b*16+15
 * (an RNN's units, a head's outputs). For an LSTM (gates == 4, H = n / 4)
 * block b holds gate (b % 4) (i, f, o, g) of units u*16 .. u*16+15 with
 * u = b / 4: the four gates of sixteen units sit side by side, so a kernel
 * finishes the cell update for those units right after their dot products.
 * A GRU (n = 3H natural columns r, z, n) is packed like an LSTM in unit
 * groups of four blocks, whose slots are r, z, n_x, n_h: the input weights
 * (gates == RNC_PACK_GRU_X) fill r, z, n_x and leave n_h zero, the
 * recurrent weights (RNC_PACK_GRU_H) fill r, z, n_h and leave n_x zero, so
 * the fused step's accumulators hold r and z pre-activations, x Wx_n + b_n
 * and h Wh_n + b_hn apart, as the reset product needs (the pre-activation
 * row carries b_hn in slot n_h).
 * Pre-activation rows that feed the fused steps (x Wx + b) use the same
 * packed column order and are nblocks * 16 floats wide.
 *
 * Every kernel computes each output element as one serial chain of fused
 * multiply-adds over k = 0 .. K-1 starting from its initial value (the old
 * output, or the pre-activation), whatever the tiling; so a row's result does
 * not depend on how many rows one call processes (split and batch
 * invariance), and the tiles can be ordered freely. */
#pragma once

#include "rnc-cpu.h"

#include <stddef.h>

G_BEGIN_DECLS

#define RNC_BLOCK 16
#define RNC_SG_BLOCKS 8
#define RNC_PACK_TAIL (RNC_SG_BLOCKS * RNC_BLOCK)
/* RncPacked.gates codes of the GRU layouts (see above) */
#define RNC_PACK_GRU_X 3
#define RNC_PACK_GRU_H 5

/* Whether @gates packs in unit groups of four blocks (LSTM, GRU). */
static inline int
rnc_packed_grouped (size_t gates)
{
  return gates == 4 || gates == RNC_PACK_GRU_X || gates == RNC_PACK_GRU_H;
}

typedef struct {
  size_t K;                     /* rows */
  size_t n;                     /* natural columns (G*H, or Q) */
  size_t gates;                 /* 1, 4 for LSTM gate interleaving, or
                                 * RNC_PACK_GRU_X / _H */
  size_t nblocks;               /* column blocks of 16 */
  float *data;                  /* see above, 64-byte aligned, or NULL */
} RncPacked;

static inline size_t
rnc_packed_sg_count (const RncPacked *p)
{
  return (p->nblocks + RNC_SG_BLOCKS - 1) / RNC_SG_BLOCKS;
}

static inline size_t
rnc_packed_sg_width (const RncPacked *p, size_t s)
{
  size_t left = p->nblocks - s * RNC_SG_BLOCKS;
  return left < RNC_SG_BLOCKS ? left : RNC_SG_BLOCKS;
}

static inline const float *
rnc_packed_sg_data (const RncPacked *p, size_t s)
{
  return p->data + s * p->K * RNC_SG_BLOCKS * RNC_BLOCK;
}

/* Number of column blocks for @n natural columns with @gates gates. */
size_t rnc_packed_blocks (size_t n, size_t gates);
/* Natural column of packed column @pc, or (size_t) -1 for padding. */
size_t rnc_packed_natural_col (size_t n, size_t gates, size_t pc);
/* Sets the shape and allocates (zeroed) data; free with rnc_packed_clear. */
void rnc_packed_init (RncPacked *p, size_t K, size_t n, size_t gates);
void rnc_packed_clear (RncPacked *p);
/* Copies W (K, n; row stride ldw) into the packed layout. Allocates
 * nothing. */
void rnc_packed_fill (RncPacked *p, const float *W, size_t ldw);
/* Scatters a natural vector v (n) into packed order dst (nblocks * 16),
 * padding with zeros. */
void rnc_packed_fill_vector (const RncPacked *p, const float *v, float *dst);

/* One recurrent step of N rows for the fused kernels.
 *   a (N, nblocks*16; row stride lda, packed order): pre-activations, read
 *     only; lda 0 gives every row the same one (the bias, when x is set)
 *   x (N, Wx->K; ldx), Wx: when x is not NULL, a + x @ Wx is computed first,
 *     in the same pass over the weights (the input projection of a single
 *     frame); bit-identical to storing it in a and calling without x
 *   h_prev (N, H), Wh; c (N, H) in/out (LSTM); h_next (N, H) out, must not
 *     alias h_prev
 *   reverse: walk the super-groups backwards (same results; alternating
 *     from step to step finds in cache what the last step read last)
 *   sg_begin, sg_end: only super-groups sg_begin .. sg_end-1 (the units
 *     they hold); sg_end 0 means all. Two threads may run disjoint ranges
 *     of one step at once. */
typedef struct _RncStepArgs {
  size_t N, H;
  const float *a;
  size_t lda;
  const float *x;
  size_t ldx;
  const RncPacked *Wx;
  const float *h_prev;
  const RncPacked *Wh;
  float *c;
  float *h_next;
  gboolean reverse;
  size_t sg_begin, sg_end;
} RncStepArgs;

/* The super-group range of a step (sg_end 0: all of them). */
static inline void
rnc_step_range (const RncStepArgs *p, size_t *first, size_t *count)
{
  size_t end = p->sg_end ? p->sg_end : rnc_packed_sg_count (p->Wh);

  *first = p->sg_begin;
  *count = end - p->sg_begin;
}

typedef struct {
  RncCpuLevel level;

  /* x (n) <- f (x), element-wise */
  void (*exp) (float *x, size_t n);
  void (*sigmoid) (float *x, size_t n);
  void (*tanh) (float *x, size_t n);

  /* out[r] (N; ldo) += x[r] (K; ldx) @ W (K, N; row stride ldw), M rows. */
  void (*rows_matmul_acc) (size_t M, size_t N, size_t K, const float *x,
      size_t ldx, const float *W, size_t ldw, float *out, size_t ldo);

  /* out[r] (ldo) += x[r] (P->K; ldx) @ P for M rows, in packed column order;
   * columns >= n_store are neither read nor written. */
  void (*packed_matmul_acc) (size_t M, const float *x, size_t ldx,
      const RncPacked *P, float *out, size_t ldo, size_t n_store);

  /* out (P->nblocks * 16, packed order) += a * row k of P: one FMA per
   * element, so a sequence of calls for increasing k continues the serial
   * chain of packed_matmul_acc without its zero terms. */
  void (*packed_axpy) (const RncPacked *P, size_t k, float a, float *out);

  /* Fused LSTM recurrence (see RncStepArgs): gates = a + [x @ Wx] +
   * h_prev @ Wh, then c updated in place and h_next written. */
  void (*lstm_step) (const struct _RncStepArgs *args);
  /* Fused RNN recurrence: h_next = tanh (a + [x @ Wx] + h_prev @ Wh). */
  void (*rnn_step) (const struct _RncStepArgs *args);
  /* Fused GRU recurrence (GRU packing): slots = a + [x @ Wx] + h_prev @ Wh,
   * then r, z = sigmoid, n = tanh (n_x + r n_h), h_next = n + z (h - n). */
  void (*gru_step) (const struct _RncStepArgs *args);

  /* Element-wise LSTM steps of BPTT (rnc-bptt.c) over N rows of H units,
   * natural column order, rows contiguous (a, gates, da: 4H floats per
   * row; the others H).
   * fwd: a holds the pre-activations (i, f, o, g) and receives the gates
   * (sigmoid i, f, o; tanh g); c = f c_prev + i g, tc = tanh (c),
   * h = o tc. */
  void (*lstm_cell_fwd) (size_t N, size_t H, float *a, const float *c_prev,
      float *c, float *tc, float *h);
  /* bwd: with d = dh + dh_next (the gradient of h from above and through
   * the next step) and dc' = dc + d o (1 - tc^2), writes da (gradient of
   * the pre-activations: dc' g i (1-i), dc' c_prev f (1-f), d tc o (1-o),
   * dc' i (1-g^2)) and dc <- dc' f (for the previous step). */
  void (*lstm_cell_bwd) (size_t N, size_t H, const float *gates,
      const float *tc, const float *c_prev, const float *dh,
      const float *dh_next, float *dc, float *da);
  /* out (w) = column sums of m (rows, w), rows added in order. */
  void (*col_sums) (size_t rows, size_t w, const float *m, float *out);

  /* Row-major C (M, N) = alpha op (A) op (B) + beta C, op = transpose when
   * ta / tb. NULL at the scalar level (BLAS serves then). */
  void (*gemm) (gboolean ta, gboolean tb, size_t M, size_t N, size_t K,
      float alpha, const float *A, size_t lda, const float *B, size_t ldb,
      float beta, float *C, size_t ldc);
} RncKernelTable;

/* The table of the current level (rnc-cpu.c). */
const RncKernelTable *rnc_kernels (void);

extern const RncKernelTable rnc_kernels_scalar;
#ifdef RNC_HAVE_X86_KERNELS
extern const RncKernelTable rnc_kernels_avx2;
extern const RncKernelTable rnc_kernels_avx512;
#endif

G_END_DECLS
