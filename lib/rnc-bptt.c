/* librnc: backpropagation through time for stacked rnn / lstm / gru layers
 * with a linear head.
 *
 * Notation: rows are time-major, r = t*N + n. For layer l with input X (T*N,
 * in), pre-activations A = X Wx + bh (one GEMM for all frames), then per
 * frame A_t += h_{t-1} Wh and the cell's pointwise step. The backward pass
 * runs the frames in reverse to get dA (T*N, G*H) for the whole layer, then
 * the weight gradients are again one GEMM each over all T*N rows:
 *   dWx = X^T dA,  dWh = Hprev^T dA,  dbh = colsum dA,  dX = dA Wx^T.
 * A GRU has two: dA for x Wx + bh and dAh for h Wh + [0, 0, bhn], which
 * differ in the n block (the reset product): dWh = Hprev^T dAh, dbhn =
 * colsum of dAh's n block. */
#include "rnc-bptt.h"

#include "rnc-activation.h"
#include "rnc-blas.h"
#include "rnc-simd.h"

#include <math.h>
#include <string.h>

G_DEFINE_QUARK (rnc-bptt-error-quark, rnc_bptt_error)

/* Workspaces larger than this many floats are refused (16 GiB). */
#define MAX_WORKSPACE_FLOATS ((double) ((size_t) 1 << 32))

struct _RncBptt
{
  const RncModel *model;
  RncModelConfig cfg;
  RncLoss loss;
  RncOutputs outputs;
  size_t max_n, max_t;
  size_t L, H, G, GH, in0, Q, n_params;

  /* The last forward. */
  size_t N, T;
  gboolean ready;               /* a finite forward is cached */
  size_t n_targets, n_correct;

  /* ---- caches written by the forward, read by the backward ---------- */
  /* (T*N) layer-0 ids: the backward scatters dWx rows (no embedding) or
   * dEmbedding rows at them. */
  int32_t *ids;
  /* (T*N, in0) layer-0 input rows, dense frames or gathered embedding rows:
   * read for layer 0's dWx = X^T dA. */
  float *x0;
  /* (N) valid frames per stream: LAST reads the top h at frame len-1 and
   * routes dh there. */
  size_t *len;
  /* Per layer, ((T+1)*N, H): block 0 is the initial h, block t+1 is h_t.
   * The backward reads block t+1 for tanh' (rnn), blocks 0..T-1 as Hprev
   * for dWh, and blocks 1..T as the next layer's X for its dWx. */
  float *hs[RNC_MAX_LAYERS];
  /* LSTM, per layer: ((T+1)*N, H) cell states, block 0 initial; block t
   * (= c_{t-1}) is read by the forget-gate gradient. */
  float *cs[RNC_MAX_LAYERS];
  /* LSTM, per layer: (T*N, H) tanh (c_t), read by the output-gate and cell
   * gradients. */
  float *tc[RNC_MAX_LAYERS];
  /* LSTM, per layer: (T*N, 4H) activated gates i, f, o, g, read by every
   * gate gradient. GRU: (T*N, 4H) r, z, n and hn = h_{t-1} Wh_n + bhn. */
  float *gates[RNC_MAX_LAYERS];
  /* (rows, H) head input for LAST: the top h at each stream's last frame,
   * read by dWo = Hin^T dy. (ALL reads the top layer's hs directly.) */
  float *head_in;
  /* (rows, Q) head outputs: regression values, or softmax probabilities for
   * cross-entropy; peeked by callers (evaluation), not by the backward. */
  float *y;
  /* (rows, Q) dLoss/dy, computed with the loss in the forward (it needs the
   * targets, which the caller may free): where the backward starts. */
  float *dy;

  /* ---- initial state ------------------------------------------------- */
  float *h0, *c0;               /* (L, max_n, H); c0 NULL for rnn */
  size_t carried_n;             /* N of the carried state, 0 = zeros */

  /* ---- backward scratch (forward uses da as rnn pre-activations) ------ */
  float *dh[2];                 /* (T*N, H) gradient w.r.t. a layer's outputs */
  float *da;                    /* (T*N, G*H) gradient w.r.t. pre-activations */
  float *dnext_h, *dnext_c;     /* (N, H) gradient carried to frame t-1 */
  float *dx0;                   /* (T*N, E) gradient w.r.t. embedding rows */
  /* GRU: (T*N, 3H) gradient w.r.t. h Wh + [0, 0, bhn]; its first (N, 3H)
   * rows hold h Wh + [0, 0, bhn] of one step in the forward */
  float *dah;
};

RncBptt *
rnc_bptt_new (const RncModel *model, RncLoss loss, RncOutputs outputs,
    size_t max_batch, size_t max_frames, GError **error)
{
  const RncModelConfig *c;
  RncBptt *b;
  size_t rows, l;
  double total;

  g_return_val_if_fail (model != NULL, NULL);
  c = rnc_model_get_config (model);

  if (loss == RNC_LOSS_MSE && c->head != RNC_HEAD_REGRESSION)
    goto bad_head;
  if (loss == RNC_LOSS_CROSS_ENTROPY && c->head != RNC_HEAD_CLASSES)
    goto bad_head;
  if (loss != RNC_LOSS_MSE && loss != RNC_LOSS_CROSS_ENTROPY)
    goto bad_head;
  if (outputs != RNC_OUTPUTS_LAST && outputs != RNC_OUTPUTS_ALL)
    goto bad_outputs;
  if (max_batch < 1 || max_frames < 1 || max_batch > RNC_MAX_DIM
      || max_frames > RNC_MAX_DIM)
    goto bad_size;

  {
    double G = (double) rnc_cell_gates (c->cell), H = (double) c->hidden_size;
    double in0 = (double) (c->embed_size > 0 ? c->embed_size :
        c->input == RNC_INPUT_DENSE ? c->input_size : 0);
    double R = (double) max_batch * (double) max_frames;
    /* caches and scratch, per the struct above */
    total = R * in0 * 2 + c->num_layers * (R + max_batch) * H * (G > 1 ? 2 : 1)
        + c->num_layers * R * (G > 1 ? 5 * H : 0) + R * H * 3 + R * G * H * 2
        + R * (double) c->output_size * 2;
    if (total > MAX_WORKSPACE_FLOATS)
      goto too_large;
  }

  b = g_new0 (RncBptt, 1);
  b->model = model;
  b->cfg = *c;
  b->loss = loss;
  b->outputs = outputs;
  b->max_n = max_batch;
  b->max_t = max_frames;
  b->L = c->num_layers;
  b->H = c->hidden_size;
  b->G = rnc_cell_gates (c->cell);
  b->GH = b->G * b->H;
  b->in0 = c->embed_size > 0 ? c->embed_size : c->input_size;
  b->Q = c->output_size;
  rnc_model_peek_params (model, &b->n_params);

  rows = max_batch * max_frames;
  if (c->input == RNC_INPUT_INDEX)
    b->ids = g_new0 (int32_t, rows);
  if (c->input == RNC_INPUT_DENSE || c->embed_size > 0)
    b->x0 = g_new0 (float, rows * b->in0);
  if (c->embed_size > 0)
    b->dx0 = g_new0 (float, rows * b->in0);
  b->len = g_new0 (size_t, max_batch);
  for (l = 0; l < b->L; l++) {
    b->hs[l] = g_new0 (float, (rows + max_batch) * b->H);
    if (b->G == 4) {
      b->cs[l] = g_new0 (float, (rows + max_batch) * b->H);
      b->tc[l] = g_new0 (float, rows * b->H);
      b->gates[l] = g_new0 (float, rows * b->GH);
    } else if (b->G == 3) {
      b->gates[l] = g_new0 (float, rows * 4 * b->H);
    }
  }
  if (b->G == 3)
    b->dah = g_new0 (float, rows * b->GH);
  b->head_in = g_new0 (float, max_batch * b->H);
  b->y = g_new0 (float, rows * b->Q);
  b->dy = g_new0 (float, rows * b->Q);
  b->h0 = g_new0 (float, b->L * max_batch * b->H);
  if (b->G == 4)
    b->c0 = g_new0 (float, b->L * max_batch * b->H);
  b->dh[0] = g_new0 (float, rows * b->H);
  b->dh[1] = g_new0 (float, rows * b->H);
  b->da = g_new0 (float, rows * b->GH);
  b->dnext_h = g_new0 (float, max_batch * b->H);
  b->dnext_c = g_new0 (float, max_batch * b->H);
  return b;

  /* ERRORS */
bad_head:
  g_set_error (error, RNC_BPTT_ERROR, RNC_BPTT_ERROR_INVALID,
      "loss %d needs a %s head, the model has '%s'", (int) loss,
      loss == RNC_LOSS_MSE ? "regression" : "classes",
      rnc_head_to_string (c->head));
  return NULL;
bad_outputs:
  g_set_error (error, RNC_BPTT_ERROR, RNC_BPTT_ERROR_INVALID,
      "unknown outputs mode %d", (int) outputs);
  return NULL;
bad_size:
  g_set_error (error, RNC_BPTT_ERROR, RNC_BPTT_ERROR_INVALID,
      "batch %zu x frames %zu: each must be 1..%u", max_batch, max_frames,
      RNC_MAX_DIM);
  return NULL;
too_large:
  g_set_error (error, RNC_BPTT_ERROR, RNC_BPTT_ERROR_INVALID,
      "a training workspace for batch %zu x frames %zu would need %.0f floats",
      max_batch, max_frames, total);
  return NULL;
}

void
rnc_bptt_free (RncBptt *b)
{
  size_t l;

  if (!b)
    return;
  g_free (b->ids);
  g_free (b->x0);
  g_free (b->dx0);
  g_free (b->len);
  for (l = 0; l < b->L; l++) {
    g_free (b->hs[l]);
    g_free (b->cs[l]);
    g_free (b->tc[l]);
    g_free (b->gates[l]);
  }
  g_free (b->head_in);
  g_free (b->y);
  g_free (b->dy);
  g_free (b->h0);
  g_free (b->c0);
  g_free (b->dh[0]);
  g_free (b->dh[1]);
  g_free (b->da);
  g_free (b->dnext_h);
  g_free (b->dnext_c);
  g_free (b->dah);
  g_free (b);
}

const RncModel *
rnc_bptt_get_model (const RncBptt *b)
{
  return b->model;
}

RncLoss
rnc_bptt_get_loss (const RncBptt *b)
{
  return b->loss;
}

RncOutputs
rnc_bptt_get_outputs (const RncBptt *b)
{
  return b->outputs;
}

size_t
rnc_bptt_get_max_batch (const RncBptt *b)
{
  return b->max_n;
}

size_t
rnc_bptt_get_max_frames (const RncBptt *b)
{
  return b->max_t;
}

size_t
rnc_bptt_get_n_targets (const RncBptt *b)
{
  return b->n_targets;
}

size_t
rnc_bptt_get_n_correct (const RncBptt *b)
{
  return b->n_correct;
}

const float *
rnc_bptt_peek_outputs (const RncBptt *b, size_t *n_rows)
{
  if (n_rows)
    *n_rows = b->outputs == RNC_OUTPUTS_ALL ? b->T * b->N : b->N;
  return b->y;
}

void
rnc_bptt_carry_state (RncBptt *b)
{
  size_t l, N = b->N, H = b->H;

  g_return_if_fail (b->ready);
  for (l = 0; l < b->L; l++) {
    memcpy (b->h0 + l * N * H, b->hs[l] + b->T * N * H, N * H * sizeof (float));
    if (b->c0)
      memcpy (b->c0 + l * N * H, b->cs[l] + b->T * N * H,
          N * H * sizeof (float));
  }
  b->carried_n = N;
}

void
rnc_bptt_reset_state (RncBptt *b)
{
  b->carried_n = 0;
}

/* Fills @rows rows (stride ld) of @dst with @bias (w). */
static void
fill_rows (float *dst, size_t rows, size_t ld, const float *bias, size_t w)
{
  size_t r;

  for (r = 0; r < rows; r++)
    memcpy (dst + r * ld, bias, w * sizeof (float));
}

/* out (w) = column sums of m (rows, w). */
static void
col_sums (const float *m, size_t rows, size_t w, float *out)
{
  rnc_kernels ()->col_sums (rows, w, m, out);
}

/* C (M, N) += A (M, K) @ B (K, N), choosing gemv for one row. */
static void
gemm_acc (size_t M, size_t N, size_t K, const float *A, size_t lda,
    const float *B, size_t ldb, float *C, size_t ldc)
{
  if (M == 1)
    rnc_sgemv_row (K, N, 1.0f, A, B, ldb, 1.0f, C);
  else
    rnc_sgemm (M, N, K, 1.0f, A, lda, B, ldb, 1.0f, C, ldc);
}

/* One GRU step of N rows: a (N, 3H) holds x Wx + bh; writes h (N, H) and
 * the cache g (N, 4H) = r, z, n, hn. */
static void
gru_step_fwd (RncBptt *b, size_t l, const float *a, const float *h_prev,
    float *h, float *g)
{
  const RncParamViews *v = rnc_model_get_views (b->model);
  size_t N = b->N, H = b->H, GH = b->GH, n, j;
  float *ah = b->dah;           /* free until the backward */

  for (n = 0; n < N; n++) {
    memset (ah + n * GH, 0, 2 * H * sizeof (float));
    memcpy (ah + n * GH + 2 * H, v->layer[l].bhn, H * sizeof (float));
  }
  gemm_acc (N, GH, H, h_prev, H, v->layer[l].Wh, GH, ah, GH);
  for (n = 0; n < N; n++) {
    const float *ar = a + n * GH, *hr = ah + n * GH, *hp = h_prev + n * H;
    float *gr = g + n * 4 * H, *out = h + n * H;
    for (j = 0; j < 2 * H; j++)
      gr[j] = ar[j] + hr[j];
    rnc_sigmoid_inplace (gr, 2 * H);
    for (j = 0; j < H; j++) {
      gr[3 * H + j] = hr[2 * H + j];
      gr[2 * H + j] = ar[2 * H + j] + gr[j] * hr[2 * H + j];
    }
    rnc_tanh_inplace (gr + 2 * H, H);
    for (j = 0; j < H; j++)
      out[j] = gr[2 * H + j] + gr[H + j] * (hp[j] - gr[2 * H + j]);
  }
}

/* Recurrence of layer @l over T frames; on entry pre (T*N, GH) holds
 * X Wx + bh. */
static void
forward_layer (RncBptt *b, size_t l, float *pre)
{
  const RncParamViews *v = rnc_model_get_views (b->model);
  const float *Wh = v->layer[l].Wh;
  const RncKernelTable *k = rnc_kernels ();
  size_t N = b->N, T = b->T, H = b->H, GH = b->GH, t;
  float *hs = b->hs[l];

  if (b->carried_n == N) {
    memcpy (hs, b->h0 + l * N * H, N * H * sizeof (float));
    if (b->c0)
      memcpy (b->cs[l], b->c0 + l * N * H, N * H * sizeof (float));
  } else {
    memset (hs, 0, N * H * sizeof (float));
    if (b->c0)
      memset (b->cs[l], 0, N * H * sizeof (float));
  }

  for (t = 0; t < T; t++) {
    float *a = pre + t * N * GH;
    const float *h_prev = hs + t * N * H;
    float *h = hs + (t + 1) * N * H;

    if (b->G == 3) {
      gru_step_fwd (b, l, a, h_prev, h, b->gates[l] + t * N * 4 * H);
      continue;
    }
    gemm_acc (N, GH, H, h_prev, H, Wh, GH, a, GH);
    if (b->G == 1) {
      memcpy (h, a, N * H * sizeof (float));
      rnc_tanh_inplace (h, N * H);
      continue;
    }
    k->lstm_cell_fwd (N, H, a, b->cs[l] + t * N * H,
        b->cs[l] + (t + 1) * N * H, b->tc[l] + t * N * H, h);
  }
}

/* Loss of the head outputs b->y against the batch's targets; writes dy and
 * the counts. For cross-entropy y becomes the probabilities. */
static float
compute_loss (RncBptt *b, const RncBatch *batch)
{
  size_t N = b->N, T = b->T, Q = b->Q, n, t, q;
  size_t rows_t = b->outputs == RNC_OUTPUTS_ALL ? T : 1;
  size_t count = 0, correct = 0;
  double sum = 0.0, scale;

  /* count first: every dy is divided by the number of targets */
  for (t = 0; t < rows_t; t++)
    for (n = 0; n < N; n++) {
      if (b->outputs == RNC_OUTPUTS_ALL && t >= b->len[n])
        continue;
      if (b->loss == RNC_LOSS_MSE)
        count += Q;
      else if ((b->outputs == RNC_OUTPUTS_ALL ?
              batch->labels[n * T + t] : batch->labels[n]) >= 0)
        count++;
    }
  b->n_targets = count;
  memset (b->dy, 0, rows_t * N * Q * sizeof (float));
  if (count == 0) {
    b->n_correct = 0;
    return 0.0f;
  }
  scale = 1.0 / (double) count;

  for (t = 0; t < rows_t; t++)
    for (n = 0; n < N; n++) {
      size_t r = t * N + n;
      float *y = b->y + r * Q, *dy = b->dy + r * Q;

      if (b->outputs == RNC_OUTPUTS_ALL && t >= b->len[n]) {
        /* padding: no loss; probabilities still reported */
        if (b->loss == RNC_LOSS_CROSS_ENTROPY)
          rnc_softmax (y, Q, 1.0f, y);
        continue;
      }
      if (b->loss == RNC_LOSS_MSE) {
        const float *tg = b->outputs == RNC_OUTPUTS_ALL ?
            batch->targets + (n * T + t) * Q : batch->targets + n * Q;
        for (q = 0; q < Q; q++) {
          double e = (double) y[q] - tg[q];
          sum += e * e;
          dy[q] = (float) (2.0 * e * scale);
        }
      } else {
        int32_t label = b->outputs == RNC_OUTPUTS_ALL ?
            batch->labels[n * T + t] : batch->labels[n];
        double mx = -INFINITY, s = 0.0, lse;
        size_t best = rnc_argmax (y, Q);

        if (label < 0) {
          /* still report probabilities for an ignored frame */
          rnc_softmax (y, Q, 1.0f, y);
          continue;
        }
        for (q = 0; q < Q; q++)
          mx = MAX (mx, (double) y[q]);
        for (q = 0; q < Q; q++)
          s += exp ((double) y[q] - mx);
        lse = mx + log (s);
        sum += lse - y[label];
        if (best == (size_t) label)
          correct++;
        for (q = 0; q < Q; q++) {
          double p = exp ((double) y[q] - lse);
          y[q] = (float) p;
          dy[q] = (float) ((p - (q == (size_t) label ? 1.0 : 0.0)) * scale);
        }
      }
    }
  b->n_correct = correct;
  return (float) (sum * scale);
}

/* Checks ids and labels; FALSE when one is out of range. */
static gboolean
batch_in_range (const RncBptt *b, const RncBatch *batch)
{
  size_t n, i;

  if (batch->ids) {
    size_t V = b->cfg.input_size;
    for (i = 0; i < batch->N * batch->T; i++)
      if (batch->ids[i] < 0 || (size_t) batch->ids[i] >= V)
        return FALSE;
  }
  if (batch->labels) {
    size_t nl = b->outputs == RNC_OUTPUTS_ALL ? batch->N * batch->T : batch->N;
    for (i = 0; i < nl; i++)
      if (batch->labels[i] >= 0 && (size_t) batch->labels[i] >= b->Q)
        return FALSE;
  }
  if (batch->lengths)
    for (n = 0; n < batch->N; n++)
      if (batch->lengths[n] < 1 || batch->lengths[n] > batch->T)
        return FALSE;
  return TRUE;
}

float
rnc_bptt_forward (RncBptt *b, const RncBatch *batch)
{
  const RncParamViews *v;
  size_t N, T, H, GH, in0, Q, rows, n, t, l;
  float *pre;
  float loss;

  g_return_val_if_fail (b != NULL && batch != NULL, NAN);
  g_return_val_if_fail (batch->N >= 1 && batch->N <= b->max_n, NAN);
  g_return_val_if_fail (batch->T >= 1 && batch->T <= b->max_t, NAN);
  g_return_val_if_fail (b->cfg.input == RNC_INPUT_DENSE ?
      batch->x != NULL : batch->ids != NULL, NAN);
  g_return_val_if_fail (b->loss == RNC_LOSS_MSE ?
      batch->targets != NULL : batch->labels != NULL, NAN);
  g_return_val_if_fail (b->carried_n == 0 || b->carried_n == batch->N, NAN);

  b->ready = FALSE;
  b->n_targets = b->n_correct = 0;
  if (!batch_in_range (b, batch))
    return NAN;

  v = rnc_model_get_views (b->model);
  N = b->N = batch->N;
  T = b->T = batch->T;
  H = b->H;
  GH = b->GH;
  in0 = b->in0;
  Q = b->Q;
  rows = T * N;
  for (n = 0; n < N; n++)
    b->len[n] = batch->lengths ? batch->lengths[n] : T;

  /* Layer 0 input, time-major. */
  if (b->cfg.input == RNC_INPUT_DENSE) {
    for (t = 0; t < T; t++)
      for (n = 0; n < N; n++) {
        float *dst = b->x0 + (t * N + n) * in0;
        const float *src = batch->x + (n * T + t) * in0;
        size_t i;
        if (in0 >= 16) {
          memcpy (dst, src, in0 * sizeof (float));
        } else {
          /* narrow frames (the notebook's D=2): no call per frame */
          for (i = 0; i < in0; i++)
            dst[i] = src[i];
        }
      }
  } else {
    for (t = 0; t < T; t++)
      for (n = 0; n < N; n++)
        b->ids[t * N + n] = batch->ids[n * T + t];
    if (b->cfg.embed_size > 0)
      for (t = 0; t < rows; t++)
        memcpy (b->x0 + t * in0, v->embedding + (size_t) b->ids[t] * in0,
            in0 * sizeof (float));
  }

  for (l = 0; l < b->L; l++) {
    /* rnn keeps no pre-activations: da is free until the backward */
    pre = b->G == 4 ? b->gates[l] : b->da;
    fill_rows (pre, rows, GH, v->layer[l].bh, GH);
    if (l > 0) {
      rnc_sgemm (rows, GH, H, 1.0f, b->hs[l - 1] + N * H, H, v->layer[l].Wx,
          GH, 1.0f, pre, GH);
    } else if (b->x0) {
      rnc_sgemm (rows, GH, in0, 1.0f, b->x0, in0, v->layer[0].Wx, GH, 1.0f,
          pre, GH);
    } else {
      /* one-hot @ Wx is a row of Wx */
      size_t r, j;
      for (r = 0; r < rows; r++) {
        const float *w = v->layer[0].Wx + (size_t) b->ids[r] * GH;
        float *p = pre + r * GH;
        for (j = 0; j < GH; j++)
          p[j] += w[j];
      }
    }
    forward_layer (b, l, pre);
  }

  /* Head. */
  if (b->outputs == RNC_OUTPUTS_ALL) {
    fill_rows (b->y, rows, Q, v->bo, Q);
    rnc_sgemm (rows, Q, H, 1.0f, b->hs[b->L - 1] + N * H, H, v->Wo, Q, 1.0f,
        b->y, Q);
  } else {
    for (n = 0; n < N; n++)
      memcpy (b->head_in + n * H,
          b->hs[b->L - 1] + (b->len[n] * N + n) * H, H * sizeof (float));
    fill_rows (b->y, N, Q, v->bo, Q);
    rnc_sgemm (N, Q, H, 1.0f, b->head_in, H, v->Wo, Q, 1.0f, b->y, Q);
  }

  loss = compute_loss (b, batch);
  b->ready = isfinite (loss);
  return loss;
}

/* Reverse recurrence of layer @l: on entry dh (T*N, H) holds the gradient
 * with respect to the layer's outputs from above; on return b->da holds the
 * gradient with respect to its pre-activations. dh is clobbered. */
static void
backward_layer (RncBptt *b, size_t l, float *dh)
{
  const RncParamViews *v = rnc_model_get_views (b->model);
  const float *Wh = v->layer[l].Wh;
  size_t N = b->N, T = b->T, H = b->H, GH = b->GH, j;
  size_t t;

  memset (b->dnext_h, 0, N * H * sizeof (float));
  memset (b->dnext_c, 0, N * H * sizeof (float));
  for (t = T; t-- > 0;) {
    float *dht = dh + t * N * H, *da = b->da + t * N * GH;

    if (b->G == 3) {
      /* reads r, z, n, hn of frame t and h_{t-1} (block t) */
      const float *g = b->gates[l] + t * N * 4 * H;
      const float *hp = b->hs[l] + t * N * H;
      float *dah = b->dah + t * N * GH;
      size_t n;
      for (n = 0; n < N; n++) {
        const float *gr = g + n * 4 * H, *hpr = hp + n * H;
        float *dar = da + n * GH, *dhr = dah + n * GH;
        float *dnx = b->dnext_h + n * H, *dd = dht + n * H;
        for (j = 0; j < H; j++) {
          float r = gr[j], z = gr[H + j], nn = gr[2 * H + j];
          float hn = gr[3 * H + j];
          float d = dd[j] + dnx[j];
          float dan = d * (1.0f - z) * (1.0f - nn * nn);
          float dr = dan * hn * r * (1.0f - r);
          float dz = d * (hpr[j] - nn) * z * (1.0f - z);
          dar[j] = dhr[j] = dr;
          dar[H + j] = dhr[H + j] = dz;
          dar[2 * H + j] = dan;
          dhr[2 * H + j] = dan * r;
          dnx[j] = d * z;
        }
      }
      if (t > 0)
        rnc_sgemm_nt (N, H, GH, 1.0f, dah, GH, Wh, GH, 1.0f, b->dnext_h, H);
      continue;
    } else if (b->G == 1) {
      /* reads h_t (block t+1) */
      const float *h = b->hs[l] + (t + 1) * N * H;
      for (j = 0; j < N * H; j++) {
        dht[j] += b->dnext_h[j];
        da[j] = dht[j] * (1.0f - h[j] * h[j]);
      }
    } else {
      /* reads gates_t, tanh (c_t) and c_{t-1} (block t) */
      rnc_kernels ()->lstm_cell_bwd (N, H, b->gates[l] + t * N * GH,
          b->tc[l] + t * N * H, b->cs[l] + t * N * H, dht, b->dnext_h,
          b->dnext_c, da);
    }
    if (t > 0)
      rnc_sgemm_nt (N, H, GH, 1.0f, da, GH, Wh, GH, 0.0f, b->dnext_h, H);
  }
}

void
rnc_bptt_backward (RncBptt *b, float *grad)
{
  const RncParamViews *v;
  RncParamViews g;
  size_t N, T, H, GH, Q, rows, rows_out, n, l;
  float *dh, *dh_below;

  g_return_if_fail (b != NULL && grad != NULL);
  g_return_if_fail (b->ready);

  v = rnc_model_get_views (b->model);
  memset (grad, 0, b->n_params * sizeof (float));
  rnc_model_map_views (b->model, grad, &g);
  N = b->N;
  T = b->T;
  H = b->H;
  GH = b->GH;
  Q = b->Q;
  rows = T * N;
  dh = b->dh[0];
  dh_below = b->dh[1];

  /* Head: dWo = Hin^T dy, dbo = colsum dy, dHin = dy Wo^T. */
  if (b->outputs == RNC_OUTPUTS_ALL) {
    rows_out = rows;
    rnc_sgemm_tn (H, Q, rows_out, 1.0f, b->hs[b->L - 1] + N * H, H, b->dy, Q,
        0.0f, g.Wo, Q);
    rnc_sgemm_nt (rows, H, Q, 1.0f, b->dy, Q, v->Wo, Q, 0.0f, dh, H);
  } else {
    rows_out = N;
    rnc_sgemm_tn (H, Q, N, 1.0f, b->head_in, H, b->dy, Q, 0.0f, g.Wo, Q);
    memset (dh, 0, rows * H * sizeof (float));
    rnc_sgemm_nt (N, H, Q, 1.0f, b->dy, Q, v->Wo, Q, 0.0f, b->dnext_h, H);
    for (n = 0; n < N; n++)
      memcpy (dh + ((b->len[n] - 1) * N + n) * H, b->dnext_h + n * H,
          H * sizeof (float));
  }
  col_sums (b->dy, rows_out, Q, g.bo);

  for (l = b->L; l-- > 0;) {
    const float *X;
    size_t in;

    backward_layer (b, l, dh);
    /* dWh = Hprev^T dA over all frames (block 0 is the initial state);
     * a GRU's recurrent half has its own dAh */
    rnc_sgemm_tn (H, GH, rows, 1.0f, b->hs[l], H, b->G == 3 ? b->dah :
        b->da, GH, 0.0f, g.layer[l].Wh, GH);
    col_sums (b->da, rows, GH, g.layer[l].bh);
    if (b->G == 3) {
      size_t r, j;
      for (r = 0; r < rows; r++)
        for (j = 0; j < H; j++)
          g.layer[l].bhn[j] += b->dah[r * GH + 2 * H + j];
    }

    if (l > 0) {
      X = b->hs[l - 1] + N * H;
      in = H;
    } else {
      X = b->x0;
      in = b->in0;
    }
    if (X) {
      rnc_sgemm_tn (in, GH, rows, 1.0f, X, in, b->da, GH, 0.0f,
          g.layer[l].Wx, GH);
    } else {
      /* index input without embedding: dWx[id] += dA row */
      size_t r, j;
      for (r = 0; r < rows; r++) {
        float *w = g.layer[0].Wx + (size_t) b->ids[r] * GH;
        const float *d = b->da + r * GH;
        for (j = 0; j < GH; j++)
          w[j] += d[j];
      }
    }

    if (l > 0) {
      float *tmp;
      rnc_sgemm_nt (rows, H, GH, 1.0f, b->da, GH, v->layer[l].Wx, GH, 0.0f,
          dh_below, H);
      tmp = dh;
      dh = dh_below;
      dh_below = tmp;
    } else if (b->cfg.embed_size > 0) {
      size_t E = b->in0, r, j;
      rnc_sgemm_nt (rows, E, GH, 1.0f, b->da, GH, v->layer[0].Wx, GH, 0.0f,
          b->dx0, E);
      for (r = 0; r < rows; r++) {
        float *e = g.embedding + (size_t) b->ids[r] * E;
        const float *d = b->dx0 + r * E;
        for (j = 0; j < E; j++)
          e[j] += d[j];
      }
    }
  }
}
