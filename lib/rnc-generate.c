/* librnc: generation. */
#include "rnc-generate.h"

#include "rnc-forward.h"
#include "rnc-private.h"

#include <math.h>
#include <string.h>

void
rnc_generate (RncState *s, const float *x0, size_t T, float *out)
{
  const RncModel *m = s->model;
  const RncModelConfig *c = rnc_model_get_config (m);
  size_t N = s->N, D = c->input_size, Q = c->output_size, t, n;
  float *x = s->gather;         /* (N, D): dense models own (max_frames*N, D) */

  g_return_if_fail (c->input == RNC_INPUT_DENSE);
  g_return_if_fail (c->head == RNC_HEAD_REGRESSION && Q == D);

  memcpy (x, x0, N * D * sizeof (float));
  rnc_model_scale_input (m, x, N);
  for (t = 0; t < T; t++) {
    rnc_forward (s, x, 1, NULL, s->feedback);
    for (n = 0; n < N; n++) {
      float *y = out + (n * T + t) * Q;
      memcpy (y, s->feedback + n * Q, Q * sizeof (float));
      rnc_model_unscale_output (m, y, 1);
      memcpy (x + n * D, y, D * sizeof (float));
    }
    rnc_model_scale_input (m, x, N);
  }
}

size_t
rnc_generate_ids (RncState *s, RncSampler *sampler, float *logits,
    float temperature, size_t top_k, int32_t stop_id, size_t length,
    int32_t *out)
{
  const RncModelConfig *c = rnc_model_get_config (s->model);
  size_t k;

  g_return_val_if_fail (s->N == 1, 0);
  g_return_val_if_fail (c->input == RNC_INPUT_INDEX
      && c->head == RNC_HEAD_CLASSES && c->output_size == c->input_size, 0);

  for (k = 0; k < length; k++) {
    int32_t id = (int32_t) rnc_sampler_sample (sampler, logits, temperature,
        top_k);
    out[k] = id;
    if (id == stop_id)
      return k + 1;
    if (k + 1 < length)
      rnc_forward_ids (s, &id, 1, NULL, logits);
  }
  return length;
}

/* ---- RncGenerator ---------------------------------------------------------- */

G_DEFINE_QUARK (rnc-generate-error-quark, rnc_generate_error)

struct _RncGenerator
{
  RncState *state;              /* the true state, not owned */
  RncRunner *runner;            /* advances it on real frames only */
  RncState *roll;               /* rollouts: a copy, or fresh window runs */
  const RncModel *model;
  gboolean ids;                 /* language model: ids in and out */
  size_t D;                     /* values per input frame (1 for ids) */
  size_t Q;                     /* head width (V for a language model) */
  size_t T, N, W;               /* window, horizon, output width */
  size_t S;                     /* streams (the state's batch) */

  RncSampler *sampler;          /* language models only */
  guint64 seed;
  float temperature;
  size_t top_k;
  int32_t stop_id;

  float *y;                     /* (S*Q) the runner's latest prediction (raw
                                 * units) or logits */
  float *prev;                  /* (S*Q) regression: the frame fed back next */
  float *xs;                    /* (D) regression window: scaled feedback */
  float *step;                  /* (S*Q) S > 1 horizon: a forecast frame */

  /* rollout window (T > 0): a linear buffer of 2T frames in model units
   * (or ids) whose live part is [rw_end - T, rw_end); slides back when full */
  float *rw_x;                  /* (2T, S*D) */
  int32_t *rw_ids;              /* (2T) */
  size_t rw_end;

  /* continuation */
  size_t remaining;             /* frames still to write */
  gboolean first;               /* the prediction after the last real frame
                                 * (or a draw from its logits) comes next */
  gboolean feed;                /* ids, carried: the last id is not fed yet */
  int32_t last_id;
};

gboolean
rnc_generate_check_model (const RncModel *model, GError **error)
{
  const RncModelConfig *c;

  g_return_val_if_fail (model != NULL, FALSE);
  c = rnc_model_get_config (model);

  if (c->head == RNC_HEAD_NONE) {
    g_set_error (error, RNC_GENERATE_ERROR, RNC_GENERATE_ERROR_MODEL,
        "the model has no head: generation feeds each prediction back as "
        "the next input, which needs a regression head of the input width "
        "(Q == D) or a classes head over the input vocabulary");
    return FALSE;
  }
  if (c->input == RNC_INPUT_DENSE && c->head == RNC_HEAD_REGRESSION) {
    if (c->output_size != c->input_size) {
      g_set_error (error, RNC_GENERATE_ERROR, RNC_GENERATE_ERROR_MODEL,
          "the model predicts %zu values per frame but takes %zu: a "
          "prediction can only be fed back as the next input when Q == D",
          c->output_size, c->input_size);
      return FALSE;
    }
    return TRUE;
  }
  if (c->input == RNC_INPUT_INDEX && c->head == RNC_HEAD_CLASSES) {
    if (c->output_size != c->input_size) {
      g_set_error (error, RNC_GENERATE_ERROR, RNC_GENERATE_ERROR_MODEL,
          "the model's %zu classes are not its %zu input tokens (a tagger?): "
          "generation needs a language model whose classes are its "
          "vocabulary", c->output_size, c->input_size);
      return FALSE;
    }
    return TRUE;
  }
  if (c->input == RNC_INPUT_DENSE) {
    g_set_error (error, RNC_GENERATE_ERROR, RNC_GENERATE_ERROR_MODEL,
        "the model has a classes head but takes dense frames of width %zu: "
        "drawn classes can only be fed back to a token-id (index) model",
        c->input_size);
    return FALSE;
  }
  g_set_error (error, RNC_GENERATE_ERROR, RNC_GENERATE_ERROR_MODEL,
      "the model takes token ids but predicts regression values: they "
      "cannot be fed back as ids");
  return FALSE;
}

RncGenerator *
rnc_generator_new (RncState *state, size_t window, size_t horizon,
    GError **error)
{
  const RncModel *model;
  const RncModelConfig *c;
  const RncState *st;
  RncGenerator *g;
  RncRunner *runner;
  gboolean ids;
  size_t S;

  g_return_val_if_fail (state != NULL, NULL);

  model = rnc_state_get_model (state);
  c = rnc_model_get_config (model);
  if (!rnc_generate_check_model (model, error))
    return NULL;
  ids = c->input == RNC_INPUT_INDEX;
  S = rnc_state_get_batch (state);
  if (ids && S > 1)
    goto ids_streams;
  if (horizon > RNC_GENERATE_MAX_HORIZON
      || horizon * (ids ? 1 : c->output_size) > RNC_MAX_DIM
      || S * horizon * (ids ? 1 : c->output_size) > (size_t) G_MAXINT / 4)
    goto horizon_too_large;
  runner = rnc_runner_new (state, ids ? RNC_OUTPUT_LOGITS :
      RNC_OUTPUT_PREDICTION, window, error);
  if (!runner)
    return NULL;

  g = g_new0 (RncGenerator, 1);
  g->state = state;
  g->runner = runner;
  g->model = model;
  g->ids = ids;
  g->D = rnc_model_get_frame_width (model);
  g->Q = c->output_size;
  g->T = window;
  g->N = horizon;
  g->S = S;
  g->W = (horizon > 0 ? horizon : 1) * (ids ? 1 : g->Q);
  g->stop_id = -1;
  g->temperature = 1.0f;

  /* the rollouts start from the same initial state as the true stream;
   * many streams roll forward one frame of all of them at a time */
  g->roll = rnc_state_new (model, S, S == 1 ? 0 : 1);
  st = state;
  if (st->init == RNC_INIT_GIVEN && st->h0_streams)
    rnc_state_set_initial_streams (g->roll, st->h0, st->c0);
  else if (st->init == RNC_INIT_GIVEN)
    rnc_state_set_initial (g->roll, st->h0, st->c0);
  else
    rnc_state_set_init (g->roll, st->init);
  rnc_state_reset (g->roll);
  /* rollout steps split as the true state's do, on its helper thread: the
   * two states only run one after the other */
  rnc_state_share_threads (g->roll, state);

  if (ids)
    g->sampler = rnc_sampler_new (g->Q, 0);
  g->y = g_new0 (float, S * g->Q);
  g->prev = g_new0 (float, S * g->Q);
  if (S > 1)
    g->step = g_new0 (float, S * g->Q);
  if (window > 0) {
    if (ids) {
      g->rw_ids = g_new0 (int32_t, 2 * window);
    } else {
      g->rw_x = g_new0 (float, 2 * window * S * g->D);
      g->xs = g_new0 (float, g->D);
    }
  }
  rnc_generator_reset (g);
  return g;

  /* ERRORS */
ids_streams:
  g_set_error (error, RNC_GENERATE_ERROR, RNC_GENERATE_ERROR_MODEL,
      "%zu streams need a regression model: a language model generates one "
      "stream at a time", S);
  return NULL;
horizon_too_large:
  g_set_error (error, RNC_GENERATE_ERROR, RNC_GENERATE_ERROR_HORIZON,
      "horizon of %zu frames is too large (at most %d frames, and %u values "
      "per output frame)", horizon, RNC_GENERATE_MAX_HORIZON, RNC_MAX_DIM);
  return NULL;
}

void
rnc_generator_free (RncGenerator *g)
{
  if (!g)
    return;
  rnc_runner_free (g->runner);
  rnc_state_free (g->roll);
  rnc_sampler_free (g->sampler);
  g_free (g->y);
  g_free (g->prev);
  g_free (g->xs);
  g_free (g->step);
  g_free (g->rw_x);
  g_free (g->rw_ids);
  g_free (g);
}

gboolean
rnc_generator_is_ids (const RncGenerator *g)
{
  return g->ids;
}

size_t
rnc_generator_get_frame_width (const RncGenerator *g)
{
  return g->S * g->D;
}

size_t
rnc_generator_get_output_width (const RncGenerator *g)
{
  return g->S * g->W;
}

size_t
rnc_generator_get_streams (const RncGenerator *g)
{
  return g->S;
}

size_t
rnc_generator_get_window (const RncGenerator *g)
{
  return g->T;
}

size_t
rnc_generator_get_horizon (const RncGenerator *g)
{
  return g->N;
}

void
rnc_generator_set_sampling (RncGenerator *g, float temperature, size_t top_k,
    int32_t stop_id)
{
  g_return_if_fail (g != NULL);
  g->temperature = temperature;
  g->top_k = top_k;
  g->stop_id = stop_id;
}

void
rnc_generator_set_seed (RncGenerator *g, guint64 seed)
{
  g_return_if_fail (g != NULL);
  g->seed = seed;
  if (g->sampler)
    rnc_sampler_set_seed (g->sampler, seed);
}

void
rnc_generator_reset (RncGenerator *g)
{
  g_return_if_fail (g != NULL);
  rnc_runner_reset (g->runner);
  rnc_state_reset (g->roll);
  if (g->sampler)
    rnc_sampler_set_seed (g->sampler, g->seed);
  g->rw_end = 0;
  g->remaining = 0;
  g->first = FALSE;
  g->feed = FALSE;
}

void
rnc_generator_reset_stream (RncGenerator *g, size_t n)
{
  g_return_if_fail (g != NULL && n < g->S);
  if (g->S == 1) {
    rnc_generator_reset (g);
    return;
  }
  /* the rollouts start from the true state (or window) every time */
  rnc_runner_reset_stream (g->runner, n);
  rnc_state_reset_stream (g->roll, n);
  g->remaining = 0;
}

/* S > 1: NaN for the streams of frame @o (S*Q) without an output. */
static void
mark_missing (RncGenerator *g, float *o)
{
  size_t n, i;

  for (n = 0; n < g->S; n++)
    if (!rnc_runner_stream_has_output (g->runner, n))
      for (i = 0; i < g->Q; i++)
        o[n * g->Q + i] = NAN;
}

/* ---- rollouts of a windowed model ---- */

/* The rollout window starts as the true window (T frames). */
static void
window_load (RncGenerator *g)
{
  const void *w = rnc_runner_peek_window (g->runner);

  if (g->ids)
    memcpy (g->rw_ids, w, g->T * sizeof (int32_t));
  else
    memcpy (g->rw_x, w, g->T * g->S * g->D * sizeof (float));
  g->rw_end = g->T;
}

/* Appends a generated frame of all streams: raw values (S*D, scaled
 * here) or an id. */
static void
window_push (RncGenerator *g, const float *x, int32_t id)
{
  size_t T = g->T, D = g->S * g->D;

  if (g->rw_end == 2 * T) {
    /* slide the last T - 1 frames back to the front */
    if (g->ids)
      memmove (g->rw_ids, g->rw_ids + T + 1, (T - 1) * sizeof (int32_t));
    else
      memmove (g->rw_x, g->rw_x + (T + 1) * D, (T - 1) * D * sizeof (float));
    g->rw_end = T - 1;
  }
  if (g->ids) {
    g->rw_ids[g->rw_end] = id;
  } else {
    float *dst = g->rw_x + g->rw_end * D;
    memcpy (dst, x, D * sizeof (float));
    rnc_model_scale_input (g->model, dst, g->S);
  }
  g->rw_end++;
}

/* The prediction (raw units) or logits after the live window, run from a
 * fresh state, into @y (S*Q). Many streams run the window frame by frame,
 * each one batched step. */
static void
window_step (RncGenerator *g, float *y)
{
  size_t start = g->rw_end - g->T, t;

  rnc_state_reset (g->roll);
  if (g->ids)
    rnc_forward_ids (g->roll, g->rw_ids + start, g->T, NULL, NULL);
  else if (g->S == 1)
    rnc_forward (g->roll, g->rw_x + start * g->D, g->T, NULL, NULL);
  else
    for (t = start; t < start + g->T; t++)
      rnc_forward (g->roll, g->rw_x + t * g->S * g->D, 1, NULL, NULL);
  rnc_head_forward (g->model, rnc_state_peek_top_h (g->roll, 0), g->S, y);
  if (!g->ids)
    rnc_model_unscale_output (g->model, y, g->S);
}

/* S > 1: frame (S, Q) -> column @k of the forecast o (S, N, Q). */
static void
scatter_step (RncGenerator *g, const float *frame, float *o, size_t k)
{
  size_t n;

  for (n = 0; n < g->S; n++)
    memcpy (o + (n * g->N + k) * g->Q, frame + n * g->Q,
        g->Q * sizeof (float));
}

/* S > 1: the forecast of every stream, frame by frame; each stream's
 * values are those of a generator of one stream (rnc_generate over T
 * frames runs the same steps as T calls of one frame). Streams without an
 * output (reset less than a window ago) get NaN. */
static void
forecast_streams (RncGenerator *g, float *o)
{
  size_t k, n, i;

  scatter_step (g, g->y, o, 0);
  memcpy (g->prev, g->y, g->S * g->Q * sizeof (float));
  for (k = 1; k < g->N; k++) {
    if (g->T == 0) {
      rnc_generate (g->roll, g->prev, 1, g->step);
    } else {
      window_push (g, g->prev, 0);
      window_step (g, g->step);
    }
    scatter_step (g, g->step, o, k);
    memcpy (g->prev, g->step, g->S * g->Q * sizeof (float));
  }
  for (n = 0; n < g->S; n++)
    if (!rnc_runner_stream_has_output (g->runner, n))
      for (i = 0; i < g->W; i++)
        o[n * g->W + i] = NAN;
}

/* The rollout state starts where the true stream is. */
static void
rollout_begin (RncGenerator *g)
{
  if (g->T > 0)
    window_load (g);
  else
    rnc_state_copy_values (g->roll, g->state);
}

/* Horizon: g->y holds the prediction (or logits) after the frame just
 * processed; writes the N frames of its forecast into @o (W values per
 * stream, stream after stream). */
static void
forecast (RncGenerator *g, void *o)
{
  size_t k;

  rollout_begin (g);
  if (g->S > 1) {
    forecast_streams (g, o);
  } else if (g->ids) {
    int32_t *ids = o;

    if (g->T == 0) {
      /* no stop id inside a fixed-width forecast */
      rnc_generate_ids (g->roll, g->sampler, g->y, g->temperature, g->top_k,
          -1, g->N, ids);
      return;
    }
    for (k = 0; k < g->N; k++) {
      ids[k] = (int32_t) rnc_sampler_sample (g->sampler, g->y,
          g->temperature, g->top_k);
      if (k + 1 < g->N) {
        window_push (g, NULL, ids[k]);
        window_step (g, g->y);
      }
    }
  } else {
    float *v = o;

    memcpy (v, g->y, g->Q * sizeof (float));
    if (g->N < 2)
      return;
    if (g->T == 0) {
      rnc_generate (g->roll, v, g->N - 1, v + g->Q);
      return;
    }
    for (k = 1; k < g->N; k++) {
      window_push (g, v + (k - 1) * g->Q, 0);
      window_step (g, v + k * g->Q);
    }
  }
}

gboolean
rnc_generator_process (RncGenerator *g, const void *x, size_t n, void *out,
    size_t *n_out, size_t *bad_index)
{
  size_t t, k = 0, got;

  g_return_val_if_fail (g != NULL && (x != NULL || n == 0), FALSE);

  if (n_out)
    *n_out = 0;
  g->remaining = 0;
  if (g->ids) {
    size_t bad = rnc_model_find_bad_id (g->model, x, n);
    if (bad != (size_t) -1) {
      if (bad_index)
        *bad_index = bad;
      return FALSE;
    }
  }
  if (g->N == 0 || !out)
    return rnc_runner_process (g->runner, x, n, NULL, NULL, NULL);

  for (t = 0; t < n; t++) {
    const void *xt = g->ids ? (const void *) ((const int32_t *) x + t) :
        (const void *) ((const float *) x + t * g->S * g->D);

    rnc_runner_process (g->runner, xt, 1, g->y, &got, NULL);
    if (got == 0)
      continue;
    if (g->ids)
      forecast (g, (int32_t *) out + k * g->W);
    else
      forecast (g, (float *) out + k * g->S * g->W);
    k++;
  }
  if (n_out)
    *n_out = k;
  return TRUE;
}

gboolean
rnc_generator_start (RncGenerator *g, size_t length)
{
  g_return_val_if_fail (g != NULL, FALSE);

  g->remaining = 0;
  if (!rnc_runner_last_output (g->runner, g->y))
    return FALSE;
  rollout_begin (g);
  g->remaining = length;
  g->first = TRUE;
  g->feed = FALSE;
  return TRUE;
}

/* Frames of S*Q values (one of every stream). */
static size_t
continue_values (RncGenerator *g, float *out, size_t max)
{
  size_t k = 0, Q = g->S * g->Q;

  while (k < max && g->remaining > 0) {
    float *o = out + k * Q;

    if (g->first) {
      memcpy (o, g->y, Q * sizeof (float));
      g->first = FALSE;
      k++;
      g->remaining--;
    } else if (g->T == 0) {
      /* rnc_generate writes (S, m, Q): one frame at a time is the frame
       * layout when S > 1 */
      size_t m = g->S > 1 ? 1 : MIN (max - k, g->remaining);
      rnc_generate (g->roll, g->prev, m, o);
      k += m;
      g->remaining -= m;
    } else {
      window_push (g, g->prev, 0);
      window_step (g, o);
      k++;
      g->remaining--;
    }
    if (g->S > 1)
      mark_missing (g, out + (k - 1) * Q);
    memcpy (g->prev, out + (k - 1) * Q, Q * sizeof (float));
  }
  return k;
}

static size_t
continue_ids (RncGenerator *g, int32_t *out, size_t max)
{
  size_t k = 0;

  while (k < max && g->remaining > 0) {
    int32_t id;

    if (g->T == 0) {
      size_t m = MIN (max - k, g->remaining), got;
      if (g->feed)
        rnc_forward_ids (g->roll, &g->last_id, 1, NULL, g->y);
      got = rnc_generate_ids (g->roll, g->sampler, g->y, g->temperature,
          g->top_k, g->stop_id, m, out + k);
      k += got;
      g->remaining -= got;
      id = out[k - 1];
      g->feed = TRUE;
    } else {
      if (!g->first) {
        window_push (g, NULL, g->last_id);
        window_step (g, g->y);
      }
      id = (int32_t) rnc_sampler_sample (g->sampler, g->y, g->temperature,
          g->top_k);
      out[k++] = id;
      g->remaining--;
    }
    g->first = FALSE;
    g->last_id = id;
    if (g->stop_id >= 0 && id == g->stop_id)
      g->remaining = 0;
  }
  return k;
}

size_t
rnc_generator_continue (RncGenerator *g, void *out, size_t max)
{
  g_return_val_if_fail (g != NULL && (out != NULL || max == 0), 0);

  if (g->ids)
    return continue_ids (g, out, max);
  return continue_values (g, out, max);
}
