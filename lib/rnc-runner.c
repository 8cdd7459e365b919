/* librnc: one stream of frames through a model (see rnc-runner.h). */
#include "rnc-runner.h"

#include "rnc-activation.h"
#include "rnc-forward.h"

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
  size_t D;                     /* values per input frame (1 for ids) */
  gboolean ids;                 /* index input */
  size_t H, Q, W;               /* hidden, head width, output width */
  size_t chunk;                 /* frames per forward call */

  float *xs;                    /* (chunk, D) scaled input, dense only */
  float *y;                     /* (chunk, Q) head outputs for argmax, or NULL */
  float *last_y;                /* (Q) scratch for last_output, or NULL */

  /* window history: a linear buffer of 2T frames whose live part is
   * [hist_end - min(seen, T), hist_end); when full it slides back by T. */
  float *hist_x;                /* (2T, D) scaled frames, dense only */
  int32_t *hist_ids;            /* (2T) ids, index only */
  size_t hist_end;
  size_t seen;                  /* frames since reset, saturated at T (or 1 without window) */
  gboolean window_current;      /* the state holds the window ending at the last frame */
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
  size_t D, hist_bytes;

  g_return_val_if_fail (state != NULL, NULL);
  g_return_val_if_fail (rnc_state_get_batch (state) == 1, NULL);
  g_return_val_if_fail ((guint) output <= RNC_OUTPUT_ARGMAX, NULL);

  model = rnc_state_get_model (state);
  c = rnc_model_get_config (model);
  D = rnc_model_get_frame_width (model);

  if ((output == RNC_OUTPUT_LOGITS || output == RNC_OUTPUT_PROBABILITIES
          || output == RNC_OUTPUT_ARGMAX) && c->head != RNC_HEAD_CLASSES)
    goto needs_classes;
  if (window > RNC_RUNNER_MAX_WINDOW)
    goto window_too_large;
  hist_bytes = 2 * window * D * sizeof (float);
  if (window > 0 && (D > RNC_RUNNER_MAX_HISTORY_BYTES / (2 * window *
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
  r->chunk = rnc_state_get_max_frames (state);

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

  if (!r->ids)
    r->xs = g_new (float, r->chunk * D);
  if (output == RNC_OUTPUT_ARGMAX)
    r->y = g_new (float, r->chunk * r->Q);
  if (r->Q > 0)
    r->last_y = g_new (float, r->Q);
  if (window > 0) {
    if (r->ids)
      r->hist_ids = g_new (int32_t, 2 * window);
    else
      r->hist_x = g_new (float, 2 * window * D);
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
  g_free (r);
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
rnc_runner_get_output_width (const RncRunner *r)
{
  return r->W;
}

gboolean
rnc_runner_output_is_ids (const RncRunner *r)
{
  return r->output == RNC_OUTPUT_ARGMAX;
}

size_t
rnc_runner_get_frame_width (const RncRunner *r)
{
  return r->D;
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

const void *
rnc_runner_peek_window (const RncRunner *r)
{
  size_t first;

  g_return_val_if_fail (r != NULL, NULL);
  if (r->window == 0)
    return NULL;
  first = r->hist_end - MIN (r->seen, r->hist_end);
  if (r->ids)
    return r->hist_ids + first;
  return r->hist_x + first * r->D;
}

void
rnc_runner_reset (RncRunner *r)
{
  g_return_if_fail (r != NULL);
  rnc_state_reset (r->state);
  r->hist_end = 0;
  r->seen = 0;
  r->window_current = FALSE;
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
        rnc_model_unscale_output (r->model, y, n);
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

/* The output of the state's current top h into @out (W values or an id). */
static void
output_from_state (RncRunner *r, void *out)
{
  const float *h = rnc_state_peek_top_h (r->state, 0);

  if (r->output == RNC_OUTPUT_HIDDEN) {
    memcpy (out, h, r->H * sizeof (float));
    return;
  }
  if (r->output == RNC_OUTPUT_ARGMAX) {
    rnc_head_forward (r->model, h, 1, r->last_y);
    finish_rows (r, r->last_y, 1, out);
    return;
  }
  rnc_head_forward (r->model, h, 1, out);
  finish_rows (r, out, 1, NULL);
}

/* Returns the pointer the forward pass reads: the frames themselves (ids,
 * or no input scaling), else a scaled copy in the scratch. */
static const void *
prepare_chunk (RncRunner *r, const void *x, size_t t0, size_t n)
{
  if (r->ids)
    return (const int32_t *) x + t0;
  if (!rnc_model_get_input_mean (r->model))
    return (const float *) x + t0 * r->D;
  memcpy (r->xs, (const float *) x + t0 * r->D, n * r->D * sizeof (float));
  rnc_model_scale_input (r->model, r->xs, n);
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

/* Without a window: the state carries on, outputs of every frame. */
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
      forward (r, xc, nc, (float *) out + t0 * r->W, NULL);
    } else if (r->output == RNC_OUTPUT_ARGMAX) {
      forward (r, xc, nc, NULL, r->y);
      finish_rows (r, r->y, nc, (int32_t *) out + t0);
    } else {
      float *yc = (float *) out + t0 * r->W;
      forward (r, xc, nc, NULL, yc);
      finish_rows (r, yc, nc, NULL);
    }
  }
  r->seen = 1;
}

/* Appends one frame (raw units) to the window history. */
static void
push_history (RncRunner *r, const void *x, size_t t)
{
  size_t T = r->window, D = r->D;

  if (r->hist_end == 2 * T) {
    /* slide the last T - 1 frames back to the front */
    if (r->ids)
      memmove (r->hist_ids, r->hist_ids + T + 1, (T - 1) * sizeof (int32_t));
    else
      memmove (r->hist_x, r->hist_x + (T + 1) * D, (T - 1) * D *
          sizeof (float));
    r->hist_end = T - 1;
  }
  if (r->ids) {
    r->hist_ids[r->hist_end] = ((const int32_t *) x)[t];
  } else {
    float *dst = r->hist_x + r->hist_end * D;
    memcpy (dst, (const float *) x + t * D, D * sizeof (float));
    rnc_model_scale_input (r->model, dst, 1);
  }
  r->hist_end++;
  if (r->seen < T)
    r->seen++;
  r->window_current = FALSE;
}

/* Runs the full window ending at the last frame from a fresh state. */
static void
run_window (RncRunner *r)
{
  size_t T = r->window, start = r->hist_end - T;

  rnc_state_reset (r->state);
  if (r->ids)
    rnc_forward_ids (r->state, r->hist_ids + start, T, NULL, NULL);
  else
    rnc_forward (r->state, r->hist_x + start * r->D, T, NULL, NULL);
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
        output_from_state (r, (int32_t *) out + k);
      else
        output_from_state (r, (float *) out + k * r->W);
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
    size_t bad = rnc_model_find_bad_id (r->model, x, n);
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
