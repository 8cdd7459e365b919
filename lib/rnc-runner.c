/* librnc: streams of frames through a model (see rnc-runner.h). */
#include "rnc-runner.h"

#include "rnc-activation.h"
#include "rnc-forward.h"

#include <math.h>
#include <string.h>

G_DEFINE_QUARK (rnc-runner-error-quark, rnc_runner_error)

/* Cap on the window history, in bytes: 2 * window * frame width floats. */
#define RNC_RUNNER_MAX_HISTORY_BYTES ((size_t) 1 << 30)

struct _RncRunner
{
  RncState *state;              /* not owned */
  const RncModel *model;
  RncOutputKind output;         /* resolved: never PREDICTION */
  gboolean unscale;             /* regression prediction: unscale the head */
  size_t window;                /* T, 0 = none */
  size_t D;                     /* values per input frame of a stream (1 for ids) */
  gboolean ids;                 /* index input */
  size_t H, Q, W;               /* hidden, head width, output width per stream */
  size_t N;                     /* streams */
  size_t FW, OW;                /* values per frame of all streams: N*D, N*W */
  size_t chunk;                 /* frames per forward call (1 when N > 1) */

  float *xs;                    /* (chunk, N*D) scaled input, dense only */
  float *y;                     /* (chunk, N*Q) head outputs for argmax, or NULL */
  float *last_y;                /* (N*Q) scratch for last_output, or NULL */

  /* window history: a linear buffer of 2T frames (of all streams) whose
   * live part is [hist_end - min(seen, T), hist_end); when full it slides
   * back by T. */
  float *hist_x;                /* (2T, N*D) scaled frames, dense only */
  int32_t *hist_ids;            /* (2T, N) ids, index only */
  size_t hist_end;
  size_t seen;                  /* frames since reset, saturated at T (or 1
                                 * without window): the most of any stream */
  size_t *seen_s;               /* (N) the same per stream (reset one by one) */
  gboolean all_seen;            /* every seen_s is saturated */
  gboolean window_current;      /* the state holds the window ending at the last frame */
  float *s_mean, *s_std;        /* (N*D) per-stream scaling in and out (a
                                 * global forecaster), or NULL: the model's */
};

const char *
rnc_output_kind_to_string (RncOutputKind kind)
{
  switch (kind) {
    case RNC_OUTPUT_HIDDEN:
      return "hidden";
    case RNC_OUTPUT_LOGITS:
      return "logits";
    case RNC_OUTPUT_PROBABILITIES:
      return "probabilities";
    case RNC_OUTPUT_ARGMAX:
      return "argmax";
    case RNC_OUTPUT_PREDICTION:
    default:
      return "prediction";
  }
}

RncRunner *
rnc_runner_new (RncState *state, RncOutputKind output, size_t window,
    GError **error)
{
  const RncModel *model;
  const RncModelConfig *c;
  RncRunner *r;
  size_t D, N, hist_bytes;

  g_return_val_if_fail (state != NULL, NULL);
  g_return_val_if_fail ((guint) output <= RNC_OUTPUT_ARGMAX, NULL);

  model = rnc_state_get_model (state);
  c = rnc_model_get_config (model);
  D = rnc_model_get_frame_width (model);

  if ((output == RNC_OUTPUT_LOGITS || output == RNC_OUTPUT_PROBABILITIES
          || output == RNC_OUTPUT_ARGMAX) && c->head != RNC_HEAD_CLASSES)
    goto needs_classes;
  N = rnc_state_get_batch (state);
  if (window > RNC_RUNNER_MAX_WINDOW)
    goto window_too_large;
  /* N*D <= RNC_MAX_DIM^2 cannot overflow */
  hist_bytes = 2 * window * N * D * sizeof (float);
  if (window > 0 && (N * D > RNC_RUNNER_MAX_HISTORY_BYTES / (2 * window *
              sizeof (float)) || hist_bytes > RNC_RUNNER_MAX_HISTORY_BYTES))
    goto window_too_large;

  r = g_new0 (RncRunner, 1);
  r->state = state;
  r->model = model;
  r->window = window;
  r->D = D;
  r->ids = c->input == RNC_INPUT_INDEX;
  r->H = c->hidden_size;
  r->Q = c->output_size;
  r->N = N;
  /* many streams: one frame of all of them per forward call, whose layout
   * (N, 1, D) is the frame's own */
  r->chunk = N == 1 ? rnc_state_get_max_frames (state) : 1;

  if (output == RNC_OUTPUT_PREDICTION) {
    if (c->head == RNC_HEAD_REGRESSION)
      r->unscale = TRUE;
    output = c->head == RNC_HEAD_NONE ? RNC_OUTPUT_HIDDEN :
        c->head == RNC_HEAD_CLASSES ? RNC_OUTPUT_PROBABILITIES :
        RNC_OUTPUT_PREDICTION;
  }
  r->output = output;
  r->W = output == RNC_OUTPUT_HIDDEN ? r->H :
      output == RNC_OUTPUT_ARGMAX ? 1 : r->Q;
  r->FW = N * D;
  r->OW = N * r->W;

  if (!r->ids)
    r->xs = g_new (float, r->chunk * r->FW);
  if (output == RNC_OUTPUT_ARGMAX)
    r->y = g_new (float, r->chunk * N * r->Q);
  if (r->Q > 0)
    r->last_y = g_new (float, N * r->Q);
  r->seen_s = g_new0 (size_t, N);
  if (window > 0) {
    if (r->ids)
      r->hist_ids = g_new (int32_t, 2 * window * N);
    else
      r->hist_x = g_new (float, 2 * window * r->FW);
  }
  rnc_runner_reset (r);
  return r;

  /* ERRORS */
needs_classes:
  g_set_error (error, RNC_RUNNER_ERROR, RNC_RUNNER_ERROR_OUTPUT,
      "output '%s' needs a model with a classes head, this one has head '%s'",
      rnc_output_kind_to_string (output), rnc_head_to_string (c->head));
  return NULL;
window_too_large:
  g_set_error (error, RNC_RUNNER_ERROR, RNC_RUNNER_ERROR_WINDOW,
      "window of %zu frames of width %zu is too large (at most %d frames and "
      "%zu MiB of history)", window, D, RNC_RUNNER_MAX_WINDOW,
      RNC_RUNNER_MAX_HISTORY_BYTES >> 20);
  return NULL;
}

void
rnc_runner_free (RncRunner *r)
{
  if (!r)
    return;
  g_free (r->xs);
  g_free (r->y);
  g_free (r->last_y);
  g_free (r->hist_x);
  g_free (r->hist_ids);
  g_free (r->seen_s);
  g_free (r->s_mean);
  g_free (r->s_std);
  g_free (r);
}

gboolean
rnc_runner_set_stream_scaling (RncRunner *r, const float *mean,
    const float *std)
{
  size_t i;

  g_return_val_if_fail (r != NULL, FALSE);
  g_clear_pointer (&r->s_mean, g_free);
  g_clear_pointer (&r->s_std, g_free);
  if (!mean || !std)
    return TRUE;
  if (r->ids || r->D != r->Q || !rnc_model_get_input_mean (r->model))
    return FALSE;
  for (i = 0; i < r->N * r->D; i++)
    if (!isfinite (mean[i]) || !(std[i] > 0.0f) || !isfinite (std[i]))
      return FALSE;
  r->s_mean = g_memdup2 (mean, r->N * r->D * sizeof (float));
  r->s_std = g_memdup2 (std, r->N * r->D * sizeof (float));
  return TRUE;
}

/* x (rows, D) in place, row i of stream i % N: the model's input scaling,
 * or each stream's own. */
static void
scale_rows (const RncRunner *r, float *x, size_t rows)
{
  size_t i, d, D = r->D;

  if (!r->s_mean) {
    rnc_model_scale_input (r->model, x, rows);
    return;
  }
  for (i = 0; i < rows; i++) {
    const float *m = r->s_mean + (i % r->N) * D, *sd = r->s_std + (i % r->N)
        * D;
    for (d = 0; d < D; d++)
      x[i * D + d] = (x[i * D + d] - m[d]) / sd[d];
  }
}

static void
unscale_rows (const RncRunner *r, float *y, size_t rows)
{
  size_t i, q, Q = r->Q;

  if (!r->s_mean) {
    rnc_model_unscale_output (r->model, y, rows);
    return;
  }
  for (i = 0; i < rows; i++) {
    const float *m = r->s_mean + (i % r->N) * Q, *sd = r->s_std + (i % r->N)
        * Q;
    for (q = 0; q < Q; q++)
      y[i * Q + q] = y[i * Q + q] * sd[q] + m[q];
  }
}

RncState *
rnc_runner_get_state (RncRunner *r)
{
  return r->state;
}

RncOutputKind
rnc_runner_get_output (const RncRunner *r)
{
  return r->output;
}

size_t
rnc_runner_get_window (const RncRunner *r)
{
  return r->window;
}

size_t
rnc_runner_get_streams (const RncRunner *r)
{
  return r->N;
}

size_t
rnc_runner_get_output_width (const RncRunner *r)
{
  return r->OW;
}

gboolean
rnc_runner_output_is_ids (const RncRunner *r)
{
  return r->output == RNC_OUTPUT_ARGMAX;
}

size_t
rnc_runner_get_frame_width (const RncRunner *r)
{
  return r->FW;
}

gboolean
rnc_runner_input_is_ids (const RncRunner *r)
{
  return r->ids;
}

size_t
rnc_runner_get_frames_seen (const RncRunner *r)
{
  return r->seen;
}

gboolean
rnc_runner_stream_has_output (const RncRunner *r, size_t n)
{
  g_return_val_if_fail (r != NULL && n < r->N, FALSE);
  return r->seen_s[n] >= MAX (r->window, 1);
}

const void *
rnc_runner_peek_window (const RncRunner *r)
{
  size_t first;

  g_return_val_if_fail (r != NULL, NULL);
  if (r->window == 0)
    return NULL;
  first = r->hist_end - MIN (r->seen, r->hist_end);
  if (r->ids)
    return r->hist_ids + first * r->N;
  return r->hist_x + first * r->FW;
}

void
rnc_runner_reset (RncRunner *r)
{
  g_return_if_fail (r != NULL);
  rnc_state_reset (r->state);
  r->hist_end = 0;
  r->seen = 0;
  memset (r->seen_s, 0, r->N * sizeof (size_t));
  r->all_seen = FALSE;
  r->window_current = FALSE;
}

void
rnc_runner_reset_stream (RncRunner *r, size_t n)
{
  size_t s, most = 0;

  g_return_if_fail (r != NULL && n < r->N);
  if (r->N == 1) {
    rnc_runner_reset (r);
    return;
  }
  /* with a window the state is rerun from the initial state for every
   * output, and this stream's outputs are NaN until its window is full */
  rnc_state_reset_stream (r->state, n);
  r->seen_s[n] = 0;
  r->all_seen = FALSE;
  for (s = 0; s < r->N; s++)
    most = MAX (most, r->seen_s[s]);
  r->seen = most;
}

/* Marks the streams without an output (fewer frames than a window, or
 * none, since their reset) in an output frame: NaN values, -1 ids. */
static void
mark_missing (RncRunner *r, void *out)
{
  size_t n, i;

  if (r->all_seen)
    return;
  for (n = 0; n < r->N; n++) {
    if (rnc_runner_stream_has_output (r, n))
      continue;
    if (r->output == RNC_OUTPUT_ARGMAX) {
      ((int32_t *) out)[n] = -1;
    } else {
      float *o = (float *) out + n * r->W;
      for (i = 0; i < r->W; i++)
        o[i] = NAN;
    }
  }
}

/* Every stream has seen one more frame. */
static void
count_frame (RncRunner *r)
{
  size_t full = MAX (r->window, 1), n;
  gboolean all = TRUE;

  if (r->seen < full)
    r->seen++;
  if (r->all_seen)
    return;
  for (n = 0; n < r->N; n++) {
    if (r->seen_s[n] < full)
      r->seen_s[n]++;
    all &= r->seen_s[n] == full;
  }
  r->all_seen = all;
}

/* Turns head rows y (n, Q) (in place) or hidden rows into the output kind.
 * For ARGMAX, @ids receives one id per row. */
static void
finish_rows (RncRunner *r, float *y, size_t n, int32_t *ids)
{
  size_t i;

  switch (r->output) {
    case RNC_OUTPUT_PREDICTION:
      if (r->unscale)
        unscale_rows (r, y, n);
      break;
    case RNC_OUTPUT_PROBABILITIES:
      for (i = 0; i < n; i++)
        rnc_softmax (y + i * r->Q, r->Q, 1.0f, y + i * r->Q);
      break;
    case RNC_OUTPUT_ARGMAX:
      for (i = 0; i < n; i++)
        ids[i] = (int32_t) rnc_argmax (y + i * r->Q, r->Q);
      break;
    case RNC_OUTPUT_LOGITS:
    case RNC_OUTPUT_HIDDEN:
    default:
      break;
  }
}

/* The output of the state's current top h (N, H) of every stream into
 * @out (N*W values or N ids). */
static void
output_from_state (RncRunner *r, void *out)
{
  const float *h = rnc_state_peek_top_h (r->state, 0);

  if (r->output == RNC_OUTPUT_HIDDEN) {
    memcpy (out, h, r->N * r->H * sizeof (float));
  } else if (r->output == RNC_OUTPUT_ARGMAX) {
    rnc_head_forward (r->model, h, r->N, r->last_y);
    finish_rows (r, r->last_y, r->N, out);
  } else {
    rnc_head_forward (r->model, h, r->N, out);
    finish_rows (r, out, r->N, NULL);
  }
  mark_missing (r, out);
}

/* Returns the pointer the forward pass reads: the frames themselves (ids,
 * or no input scaling), else a scaled copy in the scratch. */
static const void *
prepare_chunk (RncRunner *r, const void *x, size_t t0, size_t n)
{
  if (r->ids)
    return (const int32_t *) x + t0 * r->N;
  if (!rnc_model_get_input_mean (r->model))
    return (const float *) x + t0 * r->FW;
  memcpy (r->xs, (const float *) x + t0 * r->FW, n * r->FW * sizeof (float));
  scale_rows (r, r->xs, n * r->N);
  return r->xs;
}

static void
forward (RncRunner *r, const void *x, size_t n, float *hidden, float *y)
{
  if (r->ids)
    rnc_forward_ids (r->state, x, n, hidden, y);
  else
    rnc_forward (r->state, x, n, hidden, y);
}

/* Without a window: the state carries on, outputs of every frame. With
 * N > 1 the chunk is one frame: (N, 1, D) in, (N, 1, W) out, which is the
 * frame layout itself. */
static void
process_carried (RncRunner *r, const void *x, size_t n, void *out)
{
  size_t t0;

  for (t0 = 0; t0 < n; t0 += r->chunk) {
    size_t nc = MIN (r->chunk, n - t0);
    const void *xc = prepare_chunk (r, x, t0, nc);

    if (!out) {
      forward (r, xc, nc, NULL, NULL);
    } else if (r->output == RNC_OUTPUT_HIDDEN) {
      forward (r, xc, nc, (float *) out + t0 * r->OW, NULL);
    } else if (r->output == RNC_OUTPUT_ARGMAX) {
      forward (r, xc, nc, NULL, r->y);
      finish_rows (r, r->y, nc * r->N, (int32_t *) out + t0 * r->OW);
    } else {
      float *yc = (float *) out + t0 * r->OW;
      forward (r, xc, nc, NULL, yc);
      finish_rows (r, yc, nc * r->N, NULL);
    }
  }
  count_frame (r);
}

/* Appends one frame of all streams (raw units) to the window history. */
static void
push_history (RncRunner *r, const void *x, size_t t)
{
  size_t T = r->window, FW = r->FW, N = r->N;

  if (r->hist_end == 2 * T) {
    /* slide the last T - 1 frames back to the front */
    if (r->ids)
      memmove (r->hist_ids, r->hist_ids + (T + 1) * N, (T - 1) * N *
          sizeof (int32_t));
    else
      memmove (r->hist_x, r->hist_x + (T + 1) * FW, (T - 1) * FW *
          sizeof (float));
    r->hist_end = T - 1;
  }
  if (r->ids) {
    memcpy (r->hist_ids + r->hist_end * N, (const int32_t *) x + t * N,
        N * sizeof (int32_t));
  } else {
    float *dst = r->hist_x + r->hist_end * FW;
    memcpy (dst, (const float *) x + t * FW, FW * sizeof (float));
    scale_rows (r, dst, N);
  }
  r->hist_end++;
  count_frame (r);
  r->window_current = FALSE;
}

/* Runs the full window ending at the last frame from a fresh state: with
 * N > 1 frame by frame, each one batched step of all streams (the history
 * is time-major). */
static void
run_window (RncRunner *r)
{
  size_t T = r->window, start = r->hist_end - T, t;

  rnc_state_reset (r->state);
  if (r->N == 1) {
    if (r->ids)
      rnc_forward_ids (r->state, r->hist_ids + start, T, NULL, NULL);
    else
      rnc_forward (r->state, r->hist_x + start * r->D, T, NULL, NULL);
  } else {
    for (t = start; t < start + T; t++) {
      if (r->ids)
        rnc_forward_ids (r->state, r->hist_ids + t * r->N, 1, NULL, NULL);
      else
        rnc_forward (r->state, r->hist_x + t * r->FW, 1, NULL, NULL);
    }
  }
  r->window_current = TRUE;
}

static size_t
process_windowed (RncRunner *r, const void *x, size_t n, void *out)
{
  size_t t, k = 0;

  for (t = 0; t < n; t++) {
    push_history (r, x, t);
    if (out && r->seen == r->window) {
      run_window (r);
      if (r->output == RNC_OUTPUT_ARGMAX)
        output_from_state (r, (int32_t *) out + k * r->OW);
      else
        output_from_state (r, (float *) out + k * r->OW);
      k++;
    }
  }
  return k;
}

gboolean
rnc_runner_process (RncRunner *r, const void *x, size_t n, void *out,
    size_t *n_out, size_t *bad_index)
{
  size_t k;

  g_return_val_if_fail (r != NULL && (x != NULL || n == 0), FALSE);

  if (n_out)
    *n_out = 0;
  if (r->ids) {
    size_t bad = rnc_model_find_bad_id (r->model, x, n * r->N);
    if (bad != (size_t) -1) {
      if (bad_index)
        *bad_index = bad;
      return FALSE;
    }
  }
  if (n == 0)
    return TRUE;

  if (r->window == 0) {
    process_carried (r, x, n, out);
    k = n;
  } else {
    k = process_windowed (r, x, n, out);
  }
  if (n_out)
    *n_out = out ? k : 0;
  return TRUE;
}

gboolean
rnc_runner_last_output (RncRunner *r, void *out)
{
  g_return_val_if_fail (r != NULL && out != NULL, FALSE);

  if (r->window == 0) {
    if (r->seen == 0)
      return FALSE;
  } else {
    if (r->seen < r->window)
      return FALSE;
    if (!r->window_current)
      run_window (r);
  }
  output_from_state (r, out);
  return TRUE;
}
