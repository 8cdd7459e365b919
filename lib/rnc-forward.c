/* librnc: sequence forward over stacked layers and the head. */
#include "rnc-forward.h"

#include "rnc-gru.h"
#include "rnc-lstm.h"
#include "rnc-pack.h"
#include "rnc-private.h"
#include "rnc-rnn.h"

#include <math.h>
#include <string.h>

/* Fills @rows rows (stride ld) of @dst with the bias @b (w). */
static void
fill_bias (float *dst, size_t rows, size_t ld, const float *b, size_t w)
{
  size_t r;

  for (r = 0; r < rows; r++)
    memcpy (dst + r * ld, b, w * sizeof (float));
}

/* Inputs at least this wide are checked for mostly-zero rows (one-hot
 * frames): such rows (at most a quarter nonzero) skip their zero terms. A
 * zero term adds exactly nothing to a multiply-add chain, so the values are
 * the same as the full product (only the sign of an exactly zero sum, and
 * products with non-finite weights, may differ), and the choice depends on
 * the row alone, which keeps every invariance. */
#define SPARSE_MIN_WIDTH 16

static gboolean
row_is_sparse (const float *x, size_t D)
{
  size_t i, nnz = 0;

  if (D < SPARSE_MIN_WIDTH)
    return FALSE;
  for (i = 0; i < D; i++)
    if (x[i] != 0.0f && ++nnz > D / 4)
      return FALSE;
  return TRUE;
}

/* out rows (M, row stride ldo; holding the bias) += x rows (M, Wx->K; ldx)
 * @ Wx, in packed order. */
static void
project (const RncKernelTable *k, const RncPacked *Wx, size_t M,
    const float *x, size_t ldx, float *out, size_t ldo)
{
  size_t D = Wx->K, ld = Wx->nblocks * RNC_BLOCK, r = 0, r1, i;

  if (D < SPARSE_MIN_WIDTH) {
    k->packed_matmul_acc (M, x, ldx, Wx, out, ldo, ld);
    return;
  }
  while (r < M) {
    const float *xr = x + r * ldx;
    if (row_is_sparse (xr, D)) {
      for (i = 0; i < D; i++)
        if (xr[i] != 0.0f)
          k->packed_axpy (Wx, i, xr[i], out + r * ldo);
      r++;
      continue;
    }
    /* a run of dense rows in one call */
    for (r1 = r + 1; r1 < M && !row_is_sparse (x + r1 * ldx, D); r1++);
    k->packed_matmul_acc (r1 - r, xr, ldx, Wx, out + r * ldo, ldo, ld);
    r = r1;
  }
}

/* Whether any of N rows (stride ldx) of width D is mostly zeros. */
static gboolean
any_sparse (const float *x, size_t N, size_t ldx, size_t D)
{
  size_t n;

  for (n = 0; n < N; n++)
    if (row_is_sparse (x + n * ldx, D))
      return TRUE;
  return FALSE;
}

/* One step, its super-groups split between the caller and the helper
 * thread when @two. */
static void
split_step (RncState *s, RncStepFunc fn, RncStepArgs *a, size_t nsg,
    gboolean two)
{
  if (two) {
    RncStepArgs b = *a;
    a->sg_begin = 0;
    a->sg_end = b.sg_begin = nsg / 2;
    b.sg_end = nsg;
    rnc_split_run (s->split, fn, a, &b);
    a->sg_begin = a->sg_end = 0;
  } else {
    fn (a);
  }
}

/* One step whose rows (the streams) are split between the caller and the
 * helper thread when @two: each half runs all the weights over its rows;
 * every row's arithmetic is the same as in one call (rnc-simd.h). */
static void
split_rows (RncState *s, RncStepFunc fn, const RncStepArgs *a, gboolean two)
{
  RncStepArgs m, b;
  size_t half;

  if (!two) {
    fn (a);
    return;
  }
  m = b = *a;
  half = a->N / 2;
  m.N = half;
  b.N = a->N - half;
  b.a = a->a + half * a->lda;
  if (a->x)
    b.x = a->x + half * a->ldx;
  b.h_prev = a->h_prev + half * a->H;
  b.h_next = a->h_next + half * a->H;
  if (a->c)
    b.c = a->c + half * a->H;
  rnc_split_run (s->split, fn, &m, &b);
}

/* Runs the recurrence of layer @l over @Tc frames whose pre-activations are
 * in s->xproj (time-major, packed order), writing h of every frame to @out
 * (Tc*N, H) and leaving the last h (and c) in the state. With @x (N rows of
 * the layer's input, row stride ldx; Tc must be 1) the input projection is
 * fused into the step instead, with the same arithmetic. */
static void
run_layer (RncState *s, const RncModelPack *pk, const RncKernelTable *k,
    size_t l, size_t Tc, float *out, const float *x, size_t ldx)
{
  size_t N = s->N, H = s->H, ld = s->ldx, t;
  size_t nsg = rnc_packed_sg_count (&pk->layer[l].Wh);
  float *h_state = s->h + l * N * H;
  RncCell cell = rnc_model_get_config (s->model)->cell;
  RncStepFunc fn = cell == RNC_CELL_LSTM ? k->lstm_step :
      cell == RNC_CELL_GRU ? k->gru_step : k->rnn_step;
  /* split the weights of steps whose recurrent weights reach 1 MiB, else
   * the rows of a batch large enough */
  gboolean split = s->split && nsg >= 2 && rnc_state_weights_can_split (s);
  gboolean rows = s->split && !split && rnc_state_rows_can_split (s);
  RncStepArgs a = { 0 };

  a.N = N;
  a.H = H;
  a.Wh = &pk->layer[l].Wh;
  a.c = s->c ? s->c + l * N * H : NULL;
  a.x = x;
  a.ldx = ldx;
  a.Wx = &pk->layer[l].Wx;
  for (t = 0; t < Tc; t++) {
    a.h_prev = t == 0 ? h_state : out + (t - 1) * N * H;
    a.h_next = out + t * N * H;
    if (x) {
      a.a = pk->layer[l].b;     /* the bias, for every row */
      a.lda = 0;
    } else {
      a.a = s->xproj + t * N * ld;
      a.lda = ld;
    }
    /* alternate the walk over the weights: what the last step read last is
     * still in cache */
    a.reverse = (s->parity + t) & 1;
    if ((split || rows) && s->policy) {
      /* auto: split only while it is measured to pay */
      gboolean measure, two = rnc_split_policy_next (&s->policy[l],
          &measure);
      gint64 t0 = measure ? rnc_split_now_ns () : 0;
      if (rows)
        split_rows (s, fn, &a, two);
      else
        split_step (s, fn, &a, nsg, two);
      if (measure)
        rnc_split_policy_record (&s->policy[l], two,
            rnc_split_now_ns () - t0);
    } else if (rows) {
      split_rows (s, fn, &a, TRUE);
    } else {
      split_step (s, fn, &a, nsg, split);
    }
  }
  memcpy (h_state, out + (Tc - 1) * N * H, N * H * sizeof (float));
}

/* Head on @n rows of h (H) -> y (n, Q), with the packed Wo. */
static void
head_rows (const RncModel *m, const RncModelPack *pk, const RncKernelTable *k,
    const float *h, size_t n, float *y)
{
  const RncModelConfig *c = rnc_model_get_config (m);
  const RncParamViews *v = rnc_model_get_views (m);
  size_t Q = c->output_size;

  fill_bias (y, n, Q, v->bo, Q);
  k->packed_matmul_acc (n, h, c->hidden_size, &pk->Wo, y, Q, Q);
}

/* The layers, then outputs, for a chunk of @Tc frames starting at frame t0
 * of T. Either layer 0's pre-activations are already in s->xproj (x0 NULL),
 * or the chunk is one frame whose layer-0 inputs are the rows of x0 (row
 * stride ldx0): then every layer fuses its input projection into its step,
 * which reads each weight once per frame instead of twice. */
static void
run_chunk (RncState *s, const RncModelPack *pk, const RncKernelTable *k,
    size_t t0, size_t Tc, size_t T, float *hidden, float *y, const float *x0,
    size_t ldx0)
{
  const RncModelConfig *c = rnc_model_get_config (s->model);
  size_t N = s->N, H = s->H, ld = s->ldx, l, t, n;
  int cur = 0;

  run_layer (s, pk, k, 0, Tc, s->seq[cur], x0, ldx0);
  for (l = 1; l < s->L; l++) {
    if (x0) {
      run_layer (s, pk, k, l, 1, s->seq[cur ^ 1], s->seq[cur], H);
    } else {
      fill_bias (s->xproj, Tc * N, ld, pk->layer[l].b, ld);
      k->packed_matmul_acc (Tc * N, s->seq[cur], H, &pk->layer[l].Wx,
          s->xproj, ld, ld);
      run_layer (s, pk, k, l, Tc, s->seq[cur ^ 1], NULL, 0);
    }
    cur ^= 1;
  }
  s->parity = (s->parity + (guint) Tc) & 1;

  if (hidden)
    for (t = 0; t < Tc; t++)
      for (n = 0; n < N; n++)
        memcpy (hidden + (n * T + t0 + t) * H, s->seq[cur] + (t * N + n) * H,
            H * sizeof (float));
  if (y && c->head != RNC_HEAD_NONE) {
    size_t Q = c->output_size;
    if (N == 1) {
      head_rows (s->model, pk, k, s->seq[cur], Tc, y + t0 * Q);
    } else {
      head_rows (s->model, pk, k, s->seq[cur], Tc * N, s->head);
      for (t = 0; t < Tc; t++)
        for (n = 0; n < N; n++)
          memcpy (y + (n * T + t0 + t) * Q, s->head + (t * N + n) * Q,
              Q * sizeof (float));
    }
  }
}

void
rnc_forward (RncState *s, const float *x, size_t T, float *hidden, float *y)
{
  const RncModelConfig *c;
  const RncModelPack *pk;
  const RncKernelTable *k;
  size_t N, D, ld, t0, t, n;

  g_return_if_fail (s != NULL && (x != NULL || T == 0));
  c = rnc_model_get_config (s->model);
  g_return_if_fail (c->input == RNC_INPUT_DENSE);
  pk = rnc_model_get_pack (s->model);
  k = rnc_kernels ();
  N = s->N;
  D = c->input_size;
  ld = s->ldx;

  for (t0 = 0; t0 < T; t0 += s->max_frames) {
    size_t Tc = MIN (s->max_frames, T - t0);
    /* stream n's frame is row n of x with stride T*D */
    if (Tc == 1 && !any_sparse (x + t0 * D, N, T * D, D)) {
      run_chunk (s, pk, k, t0, 1, T, hidden, y, x + t0 * D, T * D);
      continue;
    }
    fill_bias (s->xproj, Tc * N, ld, pk->layer[0].b, ld);
    if (N == 1 || Tc == 1 || x == s->gather) {
      /* one product per stream: its Tc rows go to every N-th row of xproj */
      for (n = 0; n < N; n++)
        project (k, &pk->layer[0].Wx, Tc, x + (n * T + t0) * D, D,
            s->xproj + n * ld, N * ld);
    } else {
      /* one product for the batch: each weight panel serves all its rows
       * while it is in cache (same per-row arithmetic) */
      for (t = 0; t < Tc; t++)
        for (n = 0; n < N; n++)
          memcpy (s->gather + (t * N + n) * D, x + (n * T + t0 + t) * D,
              D * sizeof (float));
      project (k, &pk->layer[0].Wx, Tc * N, s->gather, D, s->xproj, ld);
    }
    run_chunk (s, pk, k, t0, Tc, T, hidden, y, NULL, 0);
  }
}

size_t
rnc_model_find_bad_id (const RncModel *model, const int32_t *ids, size_t n)
{
  size_t V = rnc_model_get_config (model)->input_size, i;

  for (i = 0; i < n; i++)
    if (ids[i] < 0 || (size_t) ids[i] >= V)
      return i;
  return (size_t) -1;
}

/* dst (packed row) = row (G*H, natural order: a row of Wx) + b (packed);
 * packed columns of no natural column (padding, a GRU's n_h slot) get b. */
static void
gather_packed (const RncPacked *P, const float *row, const float *b,
    float *dst)
{
  size_t pc;

  for (pc = 0; pc < P->nblocks * RNC_BLOCK; pc++) {
    size_t col = rnc_packed_natural_col (P->n, P->gates, pc);
    dst[pc] = col == (size_t) -1 ? b[pc] : row[col] + b[pc];
  }
}

gboolean
rnc_forward_ids (RncState *s, const int32_t *ids, size_t T, float *hidden,
    float *y)
{
  const RncModelConfig *c;
  const RncParamViews *v;
  const RncModelPack *pk;
  const RncKernelTable *k;
  size_t N, E, GH, ld, t0, t, n;

  g_return_val_if_fail (s != NULL && (ids != NULL || T == 0), FALSE);
  c = rnc_model_get_config (s->model);
  g_return_val_if_fail (c->input == RNC_INPUT_INDEX, FALSE);
  v = rnc_model_get_views (s->model);
  pk = rnc_model_get_pack (s->model);
  k = rnc_kernels ();
  N = s->N;
  E = c->embed_size;
  GH = s->G * s->H;
  ld = s->ldx;

  if (rnc_model_find_bad_id (s->model, ids, N * T) != (size_t) -1)
    return FALSE;

  for (t0 = 0; t0 < T; t0 += s->max_frames) {
    size_t Tc = MIN (s->max_frames, T - t0);
    if (E > 0) {
      for (t = 0; t < Tc; t++)
        for (n = 0; n < N; n++)
          memcpy (s->gather + (t * N + n) * E,
              v->embedding + (size_t) ids[n * T + t0 + t] * E,
              E * sizeof (float));
      if (Tc == 1 && !any_sparse (s->gather, N, E, E)) {
        run_chunk (s, pk, k, t0, 1, T, hidden, y, s->gather, E);
        continue;
      }
      fill_bias (s->xproj, Tc * N, ld, pk->layer[0].b, ld);
      project (k, &pk->layer[0].Wx, Tc * N, s->gather, E, s->xproj, ld);
    } else {
      /* one-hot @ Wx is row id of Wx */
      for (t = 0; t < Tc; t++)
        for (n = 0; n < N; n++)
          gather_packed (&pk->layer[0].Wx,
              v->layer[0].Wx + (size_t) ids[n * T + t0 + t] * GH,
              pk->layer[0].b, s->xproj + (t * N + n) * ld);
    }
    run_chunk (s, pk, k, t0, Tc, T, hidden, y, NULL, 0);
  }
  return TRUE;
}

void
rnc_head_forward (const RncModel *m, const float *h, size_t n, float *y)
{
  const RncModelConfig *c = rnc_model_get_config (m);

  g_return_if_fail (c->head != RNC_HEAD_NONE);
  head_rows (m, rnc_model_get_pack (m), rnc_kernels (), h, n, y);
}

/* ---- scalar reference ------------------------------------------------- */

void
rnc_head_forward_ref (const RncModel *m, const float *h, size_t n, float *y)
{
  const RncModelConfig *c = rnc_model_get_config (m);
  const RncParamViews *v = rnc_model_get_views (m);
  size_t H = c->hidden_size, Q = c->output_size, r, q, k;

  g_return_if_fail (c->head != RNC_HEAD_NONE);
  for (r = 0; r < n; r++)
    for (q = 0; q < Q; q++) {
      double acc = v->bo[q];
      for (k = 0; k < H; k++)
        acc += (double) h[r * H + k] * v->Wo[k * Q + q];
      y[r * Q + q] = (float) acc;
    }
}

/* Runs one frame through all layers with the reference cells; @in (in0) is
 * the layer-0 input (dense row or gathered/one-hot row). */
static void
ref_frame (RncState *s, size_t n, const float *in, size_t in0, float *tmp_h,
    float *tmp_c)
{
  const RncParamViews *v = rnc_model_get_views (s->model);
  size_t H = s->H, l;
  const float *x = in;
  size_t D = in0;

  for (l = 0; l < s->L; l++) {
    float *h = s->h + (l * s->N + n) * H;
    if (v->layer[l].bhn) {
      rnc_gru_step_ref (1, D, H, x, h, v->layer[l].Wx, v->layer[l].Wh,
          v->layer[l].bh, v->layer[l].bhn, tmp_h);
    } else if (s->c) {
      float *cc = s->c + (l * s->N + n) * H;
      rnc_lstm_step_ref (1, D, H, x, h, cc, v->layer[l].Wx, v->layer[l].Wh,
          v->layer[l].bh, tmp_h, tmp_c);
      memcpy (cc, tmp_c, H * sizeof (float));
    } else {
      rnc_rnn_step_ref (1, D, H, x, h, v->layer[l].Wx, v->layer[l].Wh,
          v->layer[l].bh, tmp_h);
    }
    memcpy (h, tmp_h, H * sizeof (float));
    x = h;
    D = H;
  }
}

static void
ref_outputs (RncState *s, size_t n, size_t t, size_t T, float *hidden,
    float *y)
{
  const RncModelConfig *c = rnc_model_get_config (s->model);
  const float *top = s->h + ((s->L - 1) * s->N + n) * s->H;

  if (hidden)
    memcpy (hidden + (n * T + t) * s->H, top, s->H * sizeof (float));
  if (y && c->head != RNC_HEAD_NONE)
    rnc_head_forward_ref (s->model, top, 1, y + (n * T + t) * c->output_size);
}

void
rnc_forward_ref (RncState *s, const float *x, size_t T, float *hidden,
    float *y)
{
  const RncModelConfig *c = rnc_model_get_config (s->model);
  size_t D = c->input_size, n, t;
  float *tmp_h = g_new (float, s->H), *tmp_c = g_new (float, s->H);

  g_return_if_fail (c->input == RNC_INPUT_DENSE);
  for (n = 0; n < s->N; n++)
    for (t = 0; t < T; t++) {
      ref_frame (s, n, x + (n * T + t) * D, D, tmp_h, tmp_c);
      ref_outputs (s, n, t, T, hidden, y);
    }
  g_free (tmp_h);
  g_free (tmp_c);
}

gboolean
rnc_forward_ids_ref (RncState *s, const int32_t *ids, size_t T,
    float *hidden, float *y)
{
  const RncModelConfig *c = rnc_model_get_config (s->model);
  const RncParamViews *v = rnc_model_get_views (s->model);
  size_t V = c->input_size, E = c->embed_size, n, t;
  size_t in0 = E > 0 ? E : V;
  float *tmp_h, *tmp_c, *row;

  g_return_val_if_fail (c->input == RNC_INPUT_INDEX, FALSE);
  if (rnc_model_find_bad_id (s->model, ids, s->N * T) != (size_t) -1)
    return FALSE;
  tmp_h = g_new (float, s->H);
  tmp_c = g_new (float, s->H);
  row = g_new0 (float, in0);
  for (n = 0; n < s->N; n++)
    for (t = 0; t < T; t++) {
      int32_t id = ids[n * T + t];
      if (E > 0) {
        memcpy (row, v->embedding + (size_t) id * E, E * sizeof (float));
      } else {
        /* a true one-hot row: the reference does the full product */
        memset (row, 0, V * sizeof (float));
        row[id] = 1.0f;
      }
      ref_frame (s, n, row, in0, tmp_h, tmp_c);
      ref_outputs (s, n, t, T, hidden, y);
    }
  g_free (tmp_h);
  g_free (tmp_c);
  g_free (row);
  return TRUE;
}
