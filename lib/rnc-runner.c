/* librnc: streams of frames through a model (see rnc-runner.h). */
#include "rnc-runner.h"

#include "rnc-activation.h"
#include "rnc-forward.h"
#include "rnc-json.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

G_DEFINE_QUARK (rnc-runner-error-quark, rnc_runner_error)

/* Cap on the window history, in bytes: 2 * window * frame width floats. */
#define RNC_RUNNER_MAX_HISTORY_BYTES ((size_t) 1 << 30)

/* The online interval calibration's values per stream: TRACK_VALUES
 * blocks of Q floats (rnc_runner_peek_track). */
enum
{
  TRACK_LO,                     /* the last interval given (raw units), */
  TRACK_HI,                     /* NaN when none */
  TRACK_PRED,                   /* its prediction */
  TRACK_D_LO,                   /* how far each side moved out (raw units) */
  TRACK_D_HI,
  TRACK_SCALE,                  /* mean absolute error (NaN: not started) */
  TRACK_VALUES
};
#define TRACK_MAX 1e30f

struct _RncRunner
{
  RncState *state;              /* not owned */
  const RncModel *model;
  RncOutputKind output;         /* resolved: never PREDICTION */
  gboolean unscale;             /* regression prediction: unscale the head */
  size_t window;                /* T, 0 = none */
  size_t delay;                 /* k: lookahead frames (rnc.delay; N = 1) */
  size_t owed;                  /* min(k, frames since the reset): the
                                 * outputs a flush still owes */
  void *pad;                    /* (k) int32 pad ids, or (k, D) float raw
                                 * frames that scale to zero; NULL if k = 0 */
  size_t D;                     /* values per input frame of a stream (1 for ids) */
  gboolean ids;                 /* index input */
  size_t H, Q, W;               /* hidden, head width, output width per stream */
  size_t N;                     /* streams */
  size_t FW, OW;                /* values per frame of all streams: N*D, N*W */
  size_t chunk;                 /* frames per forward call (1 when N > 1) */

  float *xs;                    /* (chunk, N*D) scaled input, dense only */
  float *y;                     /* (chunk, N*Q) head outputs for argmax, or NULL */
  float *last_y;                /* (N*Q) scratch for last_output, or NULL */

  /* output interval: residual quantiles (model units) and the offsets of
   * the current level, in raw units */
  size_t n_probs;
  double *probs;                /* (n_probs) ascending in (0, 1) */
  double *quant;                /* (Q, n_probs) rows ascending */
  double level;
  double *lo_off, *hi_off;      /* (Q) */
  /* online calibration (rnc_runner_set_interval_adapt): per stream
   * TRACK_VALUES * Q floats, see TRACK_* */
  gboolean tracks;              /* output interval, D == Q, dense, no delay */
  double adapt;                 /* the rate, 0 = the model's quantiles only */
  float *track;                 /* (N, TRACK_VALUES * Q), or NULL */

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
    case RNC_OUTPUT_INTERVAL:
      return "interval";
    case RNC_OUTPUT_PREDICTION:
    default:
      return "prediction";
  }
}

/* Longest rnc.residual_quantiles grid accepted: far above what a producer
 * writes (99 to 199 probabilities per output). The text passes
 * rnc_json_check (depth RNC_JSON_METADATA_MAX_DEPTH) before json-glib sees
 * it. */
#define MAX_QUANTILE_PROBS 10000

/* A JSON array of @n finite numbers (any @n when *n is 0, then set),
 * ascending: strictly when @strict. */
static gboolean
parse_ascending (JsonNode *node, size_t *n, gboolean strict, double *out,
    size_t max)
{
  JsonArray *arr;
  size_t i, len;

  if (!node || !JSON_NODE_HOLDS_ARRAY (node))
    return FALSE;
  arr = json_node_get_array (node);
  len = json_array_get_length (arr);
  if ((*n != 0 && len != *n) || len < 2 || len > max)
    return FALSE;
  for (i = 0; i < len; i++) {
    JsonNode *e = json_array_get_element (arr, i);
    GType t;
    double d;
    if (!JSON_NODE_HOLDS_VALUE (e))
      return FALSE;
    t = json_node_get_value_type (e);
    if (t != G_TYPE_DOUBLE && t != G_TYPE_INT64)
      return FALSE;
    d = json_node_get_double (e);
    if (!isfinite (d) || (i > 0 && (strict ? !(d > out[i - 1]) :
                !(d >= out[i - 1]))))
      return FALSE;
    out[i] = d;
  }
  *n = len;
  return TRUE;
}

gboolean
rnc_quantiles_parse (const RncModel *model, double **probs, size_t *n_probs,
    double **quant, GError **error)
{
  const char *text = rnc_model_get_metadata (model, "rnc.residual_quantiles");
  size_t Q = rnc_model_get_config (model)->output_size, i, n = 0;
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (GError) jerr = NULL;
  g_autofree double *p = NULL, *q = NULL;
  JsonObject *obj;
  JsonArray *rows;

  if (!text)
    goto absent;
  root = rnc_json_parse (text, -1, "metadata 'rnc.residual_quantiles'",
      RNC_JSON_METADATA_MAX_DEPTH, 0, &jerr);
  if (!root)
    goto not_json;
  if (!JSON_NODE_HOLDS_OBJECT (root))
    goto bad;
  obj = json_node_get_object (root);
  if (!json_object_has_member (obj, "probs")
      || !json_object_has_member (obj, "q"))
    goto bad;
  p = g_new (double, MAX_QUANTILE_PROBS);
  if (!parse_ascending (json_object_get_member (obj, "probs"), &n, TRUE, p,
          MAX_QUANTILE_PROBS) || !(p[0] > 0) || !(p[n - 1] < 1))
    goto bad;
  if (!JSON_NODE_HOLDS_ARRAY (json_object_get_member (obj, "q")))
    goto bad;
  rows = json_node_get_array (json_object_get_member (obj, "q"));
  if (json_array_get_length (rows) != Q)
    goto bad_rows;
  q = g_new (double, Q * n);
  for (i = 0; i < Q; i++) {
    size_t m = n;
    if (!parse_ascending (json_array_get_element (rows, i), &m, FALSE,
            q + i * n, n))
      goto bad;
  }
  *probs = g_realloc_n (g_steal_pointer (&p), n, sizeof (double));
  *n_probs = n;
  *quant = g_steal_pointer (&q);
  return TRUE;

  /* ERRORS */
absent:
  g_set_error (error, RNC_RUNNER_ERROR, RNC_RUNNER_ERROR_CALIBRATION,
      "the model has no interval calibration (rnc.residual_quantiles); "
      "train it with rnc-train forecast");
  return FALSE;
not_json:
  g_set_error (error, RNC_RUNNER_ERROR, RNC_RUNNER_ERROR_CALIBRATION,
      "%s", jerr->message);
  return FALSE;
bad_rows:
  g_set_error (error, RNC_RUNNER_ERROR, RNC_RUNNER_ERROR_CALIBRATION,
      "metadata 'rnc.residual_quantiles' has %u rows of quantiles, the model "
      "has %zu outputs", json_array_get_length (rows), Q);
  return FALSE;
bad:
  g_set_error (error, RNC_RUNNER_ERROR, RNC_RUNNER_ERROR_CALIBRATION,
      "metadata 'rnc.residual_quantiles' must be a JSON object {\"probs\": "
      "[2..%d finite numbers ascending in (0, 1)], \"q\": [one row of as "
      "many finite ascending numbers per output]}", MAX_QUANTILE_PROBS);
  return FALSE;
}

/* Row @q of the quantiles at probability @p, linear between grid points;
 * @p must lie in [probs[0], probs[n - 1]]. */
static double
interp_quantile (const RncRunner *r, size_t q, double p)
{
  const double *pr = r->probs, *v = r->quant + q * r->n_probs;
  size_t lo = 0, hi = r->n_probs - 1;

  if (p <= pr[0])
    return v[0];
  if (p >= pr[hi])
    return v[hi];
  while (hi - lo > 1) {         /* pr[lo] < p < pr[hi] */
    size_t mid = lo + (hi - lo) / 2;
    if (pr[mid] <= p)
      lo = mid;
    else
      hi = mid;
  }
  if (p == pr[lo])
    return v[lo];
  return v[lo] + (v[hi] - v[lo]) * ((p - pr[lo]) / (pr[hi] - pr[lo]));
}

gboolean
rnc_runner_set_interval (RncRunner *r, double level, GError **error)
{
  /* a tail this close to the grid's end counts as on it: (1 - 0.98) / 2 is
   * 0.010000000000000009, not 0.01 */
  const double slack = 1e-9;
  const float *std;
  double plo, phi;
  size_t q;

  g_return_val_if_fail (r != NULL, FALSE);
  if (!(level > 0 && level < 1))
    goto bad_level;
  if (r->output != RNC_OUTPUT_INTERVAL) {
    r->level = level;
    return TRUE;
  }
  plo = (1 - level) / 2;
  phi = (1 + level) / 2;
  if (plo < r->probs[0] - slack || phi > r->probs[r->n_probs - 1] + slack)
    goto outside;
  std = rnc_model_get_output_std (r->model);
  for (q = 0; q < r->Q; q++) {
    double s = std ? std[q] : 1.0;
    r->lo_off[q] = s * interp_quantile (r, q, plo);
    r->hi_off[q] = s * interp_quantile (r, q, phi);
  }
  r->level = level;
  return TRUE;

  /* ERRORS */
bad_level:
  g_set_error (error, RNC_RUNNER_ERROR, RNC_RUNNER_ERROR_CALIBRATION,
      "interval level %g is not between 0 and 1", level);
  return FALSE;
outside:
  g_set_error (error, RNC_RUNNER_ERROR, RNC_RUNNER_ERROR_CALIBRATION,
      "interval level %g needs the residual quantiles at %g and %g, the "
      "model's calibration covers %g..%g only", level, plo, phi,
      r->probs[0], r->probs[r->n_probs - 1]);
  return FALSE;
}

double
rnc_runner_get_interval (const RncRunner *r)
{
  return r->level;
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
  g_return_val_if_fail ((guint) output <= RNC_OUTPUT_INTERVAL, NULL);

  model = rnc_state_get_model (state);
  c = rnc_model_get_config (model);
  D = rnc_model_get_frame_width (model);

  if ((output == RNC_OUTPUT_LOGITS || output == RNC_OUTPUT_PROBABILITIES
          || output == RNC_OUTPUT_ARGMAX) && c->head != RNC_HEAD_CLASSES)
    goto needs_classes;
  if (output == RNC_OUTPUT_INTERVAL && c->head != RNC_HEAD_REGRESSION)
    goto needs_regression;
  N = rnc_state_get_batch (state);
  if (window > 0 && rnc_model_get_delay (model) > 0)
    goto window_and_delay;
  if (N > 1 && rnc_model_get_delay (model) > 0)
    goto streams_and_delay;
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
  r->delay = rnc_model_get_delay (model);
  r->level = RNC_RUNNER_DEFAULT_INTERVAL;
  r->adapt = RNC_RUNNER_DEFAULT_INTERVAL_ADAPT;

  if (output == RNC_OUTPUT_PREDICTION || output == RNC_OUTPUT_INTERVAL) {
    if (c->head == RNC_HEAD_REGRESSION)
      r->unscale = TRUE;
    if (output == RNC_OUTPUT_PREDICTION)
      output = c->head == RNC_HEAD_NONE ? RNC_OUTPUT_HIDDEN :
          c->head == RNC_HEAD_CLASSES ? RNC_OUTPUT_PROBABILITIES :
          RNC_OUTPUT_PREDICTION;
  }
  r->output = output;
  r->W = output == RNC_OUTPUT_HIDDEN ? r->H :
      output == RNC_OUTPUT_ARGMAX ? 1 :
      output == RNC_OUTPUT_INTERVAL ? 3 * r->Q : r->Q;
  r->FW = N * D;
  r->OW = N * r->W;

  if (!r->ids)
    r->xs = g_new (float, r->chunk * r->FW);
  if (output == RNC_OUTPUT_ARGMAX || output == RNC_OUTPUT_INTERVAL)
    r->y = g_new (float, r->chunk * N * r->Q);
  if (r->Q > 0)
    r->last_y = g_new (float, N * r->Q);
  r->seen_s = g_new0 (size_t, N);
  if (output == RNC_OUTPUT_INTERVAL) {
    GError *err = NULL;
    r->lo_off = g_new (double, r->Q);
    r->hi_off = g_new (double, r->Q);
    if (!rnc_quantiles_parse (model, &r->probs, &r->n_probs, &r->quant,
            &err) || !rnc_runner_set_interval (r, r->level, &err)) {
      g_propagate_error (error, err);
      rnc_runner_free (r);
      return NULL;
    }
    /* the output forecasts the next input frame: its misses can be seen */
    r->tracks = !r->ids && D == r->Q && r->delay == 0;
    if (r->tracks)
      r->track = g_new (float, N * TRACK_VALUES * r->Q);
  }
  if (r->delay > 0) {
    size_t i;
    if (r->ids) {
      int32_t *pad = g_new (int32_t, r->delay);
      for (i = 0; i < r->delay; i++)
        pad[i] = rnc_model_get_pad_id (model);
      r->pad = pad;
    } else {
      /* raw frames that the input scaling maps to exact zeros */
      const float *mean = rnc_model_get_input_mean (model);
      float *pad = g_new0 (float, r->delay * D);
      for (i = 0; mean && i < r->delay * D; i++)
        pad[i] = mean[i % D];
      r->pad = pad;
    }
  }
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
needs_regression:
  g_set_error (error, RNC_RUNNER_ERROR, RNC_RUNNER_ERROR_OUTPUT,
      "output 'interval' needs a model with a regression head, this one has "
      "head '%s'", rnc_head_to_string (c->head));
  return NULL;
window_and_delay:
  g_set_error (error, RNC_RUNNER_ERROR, RNC_RUNNER_ERROR_WINDOW,
      "the model looks %zu frames ahead (rnc.delay) and runs with its state "
      "carried: a window of %zu frames does not apply",
      rnc_model_get_delay (model), window);
  return NULL;
streams_and_delay:
  g_set_error (error, RNC_RUNNER_ERROR, RNC_RUNNER_ERROR_OUTPUT,
      "the model looks %zu frames ahead (rnc.delay): it runs one stream, "
      "not %zu", rnc_model_get_delay (model), N);
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
  g_free (r->pad);
  g_free (r->probs);
  g_free (r->quant);
  g_free (r->lo_off);
  g_free (r->hi_off);
  g_free (r->track);
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
rnc_runner_get_delay (const RncRunner *r)
{
  return r->delay;
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

/* Stream @s gives no interval yet and starts from the model's quantiles. */
static void
track_reset (RncRunner *r, size_t s)
{
  float *t = r->track + s * TRACK_VALUES * r->Q;
  size_t q, Q = r->Q;

  for (q = 0; q < Q; q++) {
    t[TRACK_LO * Q + q] = t[TRACK_HI * Q + q] = t[TRACK_PRED * Q + q] = NAN;
    t[TRACK_D_LO * Q + q] = t[TRACK_D_HI * Q + q] = 0.0f;
    t[TRACK_SCALE * Q + q] = NAN;
  }
}

/* No interval given for the frames to come: nothing to check them against
 * (the offsets and the scale are kept). */
static void
track_forget (RncRunner *r, size_t s)
{
  float *t = r->track + s * TRACK_VALUES * r->Q;
  size_t q, Q = r->Q;

  for (q = 0; q < Q; q++)
    t[TRACK_LO * Q + q] = t[TRACK_HI * Q + q] = t[TRACK_PRED * Q + q] = NAN;
}

void
rnc_runner_reset (RncRunner *r)
{
  size_t s;

  g_return_if_fail (r != NULL);
  rnc_state_reset (r->state);
  r->hist_end = 0;
  r->seen = 0;
  memset (r->seen_s, 0, r->N * sizeof (size_t));
  r->all_seen = FALSE;
  r->owed = 0;
  r->window_current = FALSE;
  if (r->track)
    for (s = 0; s < r->N; s++)
      track_reset (r, s);
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
  if (r->track)
    track_reset (r, n);
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
    if (r->track)
      track_forget (r, n);
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

/* Online calibration of output @q of a stream (its values @t): the frame
 * value @x (raw) just arrived; the last interval given for it was [lo, hi]
 * around pred. A side that missed moves out by rate * step * (1 - tail),
 * one that held moves in by rate * step * tail (quantile tracking: the
 * long-run share of misses on each side goes to its tail probability),
 * step = max (scale, (hi - lo) / 2); scale follows the mean absolute error
 * |x - pred| at rate / 2. Values that would leave the float range are not
 * taken. */
static void
track_update (RncRunner *r, float *t, size_t q, float x)
{
  const size_t Q = r->Q;
  const double tail = (1.0 - r->level) / 2.0;
  double scale = t[TRACK_SCALE * Q + q], step, d_lo, d_hi;

  if (isnan (t[TRACK_LO * Q + q]) || !isfinite (x))
    return;
  /* steps of the errors' size, or of the interval's own half width when
   * that is larger (a far too wide interval shrinks geometrically) */
  step = r->adapt * MAX (scale, 0.5 * ((double) t[TRACK_HI * Q + q] -
          t[TRACK_LO * Q + q]));
  d_lo = t[TRACK_D_LO * Q + q] + step * ((x < t[TRACK_LO * Q + q] ? 1.0 :
          0.0) - tail);
  d_hi = t[TRACK_D_HI * Q + q] + step * ((x > t[TRACK_HI * Q + q] ? 1.0 :
          0.0) - tail);
  scale += 0.5 * r->adapt * (fabs ((double) x - t[TRACK_PRED * Q + q]) -
      scale);
  if (!(fabs (d_lo) <= TRACK_MAX && fabs (d_hi) <= TRACK_MAX
          && scale <= TRACK_MAX))
    return;
  t[TRACK_D_LO * Q + q] = (float) d_lo;
  t[TRACK_D_HI * Q + q] = (float) d_hi;
  t[TRACK_SCALE * Q + q] = (float) scale;
}

/* Turns head rows y (n, Q) (in place) or hidden rows into the output kind.
 * For ARGMAX, @ids receives one id per row; for INTERVAL, @wide receives
 * (n, 3Q) rows [lo, prediction, hi] (rows of all streams: a stream's W = 3Q
 * values are contiguous in a frame), and @raw, when not NULL, holds the
 * raw input frame of each row ((n, D), the same layout): the actual value
 * of the previous row's forecast, which the online calibration checks
 * before it gives this row's interval. */
static void
finish_rows (RncRunner *r, float *y, size_t n, int32_t *ids, float *wide,
    const float *raw)
{
  size_t i, q, Q = r->Q;

  switch (r->output) {
    case RNC_OUTPUT_PREDICTION:
      if (r->unscale)
        unscale_rows (r, y, n);
      break;
    case RNC_OUTPUT_INTERVAL:
      /* the prediction exactly as output=prediction computes it */
      if (r->unscale)
        unscale_rows (r, y, n);
      for (i = 0; i < n; i++) {
        float *row = wide + i * 3 * Q;
        float *t = r->track ? r->track + (i % r->N) * TRACK_VALUES * Q :
            NULL;
        for (q = 0; q < Q; q++) {
          double pred = y[i * Q + q], f = 1.0, lo, hi;
          /* a global model's stream: its own series' std, not the model's */
          if (r->s_std) {
            const float *ms = rnc_model_get_output_std (r->model);
            f = r->s_std[(i % r->N) * Q + q] / (ms ? (double) ms[q] : 1.0);
          }
          lo = pred + f * r->lo_off[q];
          hi = pred + f * r->hi_off[q];
          if (t) {
            /* the scale starts at the model's half width */
            if (isnan (t[TRACK_SCALE * Q + q]))
              t[TRACK_SCALE * Q + q] = (float) (0.5 * (hi - lo));
            if (raw && r->adapt > 0)
              track_update (r, t, q, raw[i * r->D + q]);
            lo -= t[TRACK_D_LO * Q + q];
            hi += t[TRACK_D_HI * Q + q];
            if (lo > hi)        /* both sides moved in past each other */
              lo = hi = 0.5 * (lo + hi);
          }
          row[q] = (float) lo;
          row[Q + q] = y[i * Q + q];
          row[2 * Q + q] = (float) hi;
          if (t) {
            t[TRACK_LO * Q + q] = row[q];
            t[TRACK_HI * Q + q] = row[2 * Q + q];
            t[TRACK_PRED * Q + q] = row[Q + q];
          }
        }
      }
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
output_from_state (RncRunner *r, void *out, const float *raw)
{
  const float *h = rnc_state_peek_top_h (r->state, 0);

  if (r->output == RNC_OUTPUT_HIDDEN) {
    memcpy (out, h, r->N * r->H * sizeof (float));
  } else if (r->output == RNC_OUTPUT_ARGMAX) {
    rnc_head_forward (r->model, h, r->N, r->last_y);
    finish_rows (r, r->last_y, r->N, out, NULL, NULL);
  } else if (r->output == RNC_OUTPUT_INTERVAL) {
    rnc_head_forward (r->model, h, r->N, r->last_y);
    finish_rows (r, r->last_y, r->N, NULL, out, raw);
  } else {
    rnc_head_forward (r->model, h, r->N, out);
    finish_rows (r, out, r->N, NULL, NULL, NULL);
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
 * frame layout itself. With a lookahead (N = 1), the outputs of the frames
 * still owed before the k latest are dropped from the front. Returns the
 * number of outputs. */
static size_t
process_carried (RncRunner *r, const void *x, size_t n, void *out)
{
  size_t t0, drop;

  for (t0 = 0; t0 < n; t0 += r->chunk) {
    size_t nc = MIN (r->chunk, n - t0);
    const void *xc = prepare_chunk (r, x, t0, nc);

    if (!out) {
      forward (r, xc, nc, NULL, NULL);
    } else if (r->output == RNC_OUTPUT_HIDDEN) {
      forward (r, xc, nc, (float *) out + t0 * r->OW, NULL);
    } else if (r->output == RNC_OUTPUT_ARGMAX) {
      forward (r, xc, nc, NULL, r->y);
      finish_rows (r, r->y, nc * r->N, (int32_t *) out + t0 * r->OW, NULL,
          NULL);
    } else if (r->output == RNC_OUTPUT_INTERVAL) {
      forward (r, xc, nc, NULL, r->y);
      finish_rows (r, r->y, nc * r->N, NULL, (float *) out + t0 * r->OW,
          r->ids ? NULL : (const float *) x + t0 * r->FW);
    } else {
      float *yc = (float *) out + t0 * r->OW;
      forward (r, xc, nc, NULL, yc);
      finish_rows (r, yc, nc * r->N, NULL, NULL, NULL);
    }
  }
  count_frame (r);
  /* the first k frames after a reset owe their output to later frames:
   * the outputs of frames 0..k-1 since the reset are not theirs */
  drop = MIN (n, r->delay - r->owed);
  r->owed += drop;
  if (out && drop > 0 && drop < n)
    memmove (out, (char *) out + drop * r->OW * 4, (n - drop) * r->OW * 4);
  return n - drop;
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
        output_from_state (r, (int32_t *) out + k * r->OW, NULL);
      else
        output_from_state (r, (float *) out + k * r->OW,
            r->ids ? NULL : (const float *) x + t * r->FW);
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
    k = process_carried (r, x, n, out);
  } else {
    k = process_windowed (r, x, n, out);
  }
  if (!out && r->track) {
    /* frames run without outputs: no interval to check the next one
     * against */
    size_t s;
    for (s = 0; s < r->N; s++)
      track_forget (r, s);
  }
  if (n_out)
    *n_out = out ? k : 0;
  return TRUE;
}

void
rnc_runner_flush (RncRunner *r, void *out, size_t *n_out)
{
  size_t k = 0;

  g_return_if_fail (r != NULL);
  /* frames since the reset whose outputs are owed: min(k, seen) */
  if (r->delay > 0 && r->owed > 0)
    k = process_carried (r, r->pad, r->delay, out);     /* k == owed */
  if (n_out)
    *n_out = out ? k : 0;
  rnc_runner_reset (r);
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
  output_from_state (r, out, NULL);
  return TRUE;
}

gboolean
rnc_runner_set_interval_adapt (RncRunner *r, double rate)
{
  g_return_val_if_fail (r != NULL, FALSE);
  if (!(rate >= 0.0 && rate <= 1.0))
    return FALSE;
  r->adapt = rate;
  return TRUE;
}

double
rnc_runner_get_interval_adapt (const RncRunner *r)
{
  return r->adapt;
}

size_t
rnc_runner_get_track_width (const RncRunner *r)
{
  return r->track ? TRACK_VALUES * r->Q : 0;
}

const float *
rnc_runner_peek_track (const RncRunner *r)
{
  return r->track;
}

gboolean
rnc_runner_set_track (RncRunner *r, const float *track, size_t width)
{
  size_t s, q, Q;

  g_return_val_if_fail (r != NULL, FALSE);
  if (!r->track || !track || width != TRACK_VALUES * r->Q)
    return FALSE;
  Q = r->Q;
  for (s = 0; s < r->N; s++) {
    const float *t = track + s * width;
    for (q = 0; q < Q; q++) {
      float lo = t[TRACK_LO * Q + q], hi = t[TRACK_HI * Q + q],
          pred = t[TRACK_PRED * Q + q], sc = t[TRACK_SCALE * Q + q];
      /* a last interval is all three values or none, lo <= hi */
      if (isnan (lo) != isnan (hi) || isnan (lo) != isnan (pred))
        return FALSE;
      if (!isnan (lo) && !(isfinite (lo) && isfinite (hi) && isfinite (pred)
              && lo <= hi))
        return FALSE;
      if (!(fabsf (t[TRACK_D_LO * Q + q]) <= TRACK_MAX)
          || !(fabsf (t[TRACK_D_HI * Q + q]) <= TRACK_MAX)
          || (!isnan (sc) && !(sc >= 0 && sc <= TRACK_MAX)))
        return FALSE;
    }
  }
  memcpy (r->track, track, r->N * width * sizeof (float));
  return TRUE;
}
