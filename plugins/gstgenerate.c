/* gst-recurrent
 * Copyright (C) 2026 the gst-recurrent authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/**
 * SECTION:element-generate
 * @title: generate
 * @see_also: rnn, lstm, vocab-encode, vocab-decode, csvdec
 *
 * generate primes a model (vanilla RNN, LSTM or GRU, with a head) on its
 * input frames, then rolls it forward feeding its own predictions back as
 * inputs.
 * It has two jobs:
 *
 * - **Continuation** (`horizon=0`, the default): no output while the input
 *   flows; at EOS, the prediction after the last input frame, fed back, and
 *   so on, `length` frames in all, then EOS. With the seed notebook's Q8
 *   generator, one seed frame as input and `initial-state=ones`, the output
 *   is the notebook's sequence. Flushes and state changes stop a long
 *   continuation within one buffer.
 * - **Streaming forecaster** (`horizon=N`): for every input frame, the
 *   forecast of the next N frames (one output frame of N*Q values: the
 *   next frame's prediction, then N-1 more fed back), computed from a copy
 *   of the state: the true state advances on the real frames only, so the
 *   first Q values are exactly what `rnn`/`lstm` output.
 *
 * A windowed model (the model's `rnc.window` = T, as `rnc-train forecast`
 * writes) makes every prediction, real or generated, from the last T frames
 * run from a fresh state, as it was trained; the first T-1 frames give no
 * forecast and a continuation needs T frames.
 *
 * Models: a regression model whose prediction is its next input (dense
 * input, Q == D: forecasters, the notebook's Q8) takes and gives
 * `other/x-frames, format=F32LE, width=D` (raw units: the model's scaling is
 * applied around every step; `series` picks a global forecaster's series,
 * as on `lstm`). A language model (token-id input, a classes
 * head over the same vocabulary, as `rnc-train lm` writes) takes the prompt
 * as `other/x-frames, format=S32LE, width=1` from `vocab-encode` and gives
 * ids (S32LE, width 1; width N with a horizon) for `vocab-decode`. Each next
 * id is drawn from softmax(logits / `temperature`) restricted to the `top-k`
 * largest (`temperature=0` or `top-k=1`: greedy), with draws fixed by
 * `seed` and restarted at every reset, so the same prompt gives the same
 * text; a continuation ends after drawing `stop-id`. Any other model (no
 * head, Q != D, a tagger) is refused at start with an error saying why.
 * NNStreamer's `other/tensors, format=static, num_tensors=1,
 * types=float32, dimensions=D:1` (int32 and 1:1 for ids) is taken and
 * given too (one frame per output buffer; see docs/interop.md).
 *
 * Timestamps: forecasts are stamped as the input frame they follow (no
 * latency is added); with a framerate, a continuation's frames carry on the
 * input's frame times. State rules as rnn/lstm (`initial-state`,
 * `state-location`, `reset-on`, `rnc/reset`, the `reset` signal): the saved
 * state is the true state after the last input frame.
 *
 * Many streams (regression models): with `streams=N` (or `streams=0`: N =
 * input width / D), each input frame holds N independent streams side by
 * side; a horizon output frame holds each stream's N*Q forecast, stream
 * after stream, and a continuation frame one predicted frame of every
 * stream. Every rollout step is one batched step of all streams, and each
 * stream's values are bit-identical to a separate generate fed that stream
 * alone. Per-stream resets as rnn/lstm (`rnc/reset` with a `stream` field,
 * `reset-stream`). Language models run one stream only.
 *
 * Checkpoints and resume as rnn/lstm (`checkpoint-frames`, `resume`,
 * docs/checkpoints.md): the position counts input frames, and a resumed
 * forecaster gives the uninterrupted run's remaining forecasts (except a
 * language model's draws with temperature > 0: the sampler's position is
 * not saved). A continuation's frames carry offsets after the last input
 * frame's.
 *
 * ## Example launch lines
 * The Q8 model and seed come from `rnc-seed-model q8 -o q8.safetensors
 * --input q8-seed0.f32 --row 0`; forecast.safetensors, text.safetensors and
 * monthly.csv from pipelines/models (see pipelines/forecast.sh and
 * pipelines/generate-text.sh).
 * |[
 * gst-launch-1.0 filesrc location=q8-seed0.f32 ! other/x-frames,format=F32LE,width=4,framerate=0/1 ! generate model=q8.safetensors initial-state=ones length=3 ! csvenc precision=8 ! fdsink
 * gst-launch-1.0 filesrc location=monthly.csv ! csvdec ! generate model=forecast.safetensors horizon=3 ! csvenc ! fdsink
 * gst-launch-1.0 filesrc location=prompt.txt ! tokenize mode=char ! vocab-encode vocab=text.safetensors unknown=unk ! generate model=text.safetensors length=80 temperature=0.5 seed=1 ! vocab-decode vocab=text.safetensors 'separator=""' ! fdsink
 * ]|
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstgenerate.h"

#include "gstrecurrentelements.h"
#include "gstrecurrentutil.h"
#include "rnc-generate.h"

GST_DEBUG_CATEGORY_STATIC (gst_generate_debug);
#define GST_CAT_DEFAULT gst_generate_debug

#define DEFAULT_LENGTH 100
#define DEFAULT_HORIZON 0
#define DEFAULT_TEMPERATURE 1.0f
#define DEFAULT_TOP_K 0
#define DEFAULT_SEED 0
#define DEFAULT_STOP_ID -1

#define MAX_TEMPERATURE 100.0f

enum
{
  PROP_0 = GST_RECURRENT_BASE_PROP_LAST,
  PROP_LENGTH,
  PROP_HORIZON,
  PROP_TEMPERATURE,
  PROP_TOP_K,
  PROP_SEED,
  PROP_STOP_ID,
};

struct _GstGenerate
{
  GstRecurrentBase parent;

  /* properties, under the object lock */
  guint length;
  guint horizon;
  gfloat temperature;
  guint top_k;
  guint64 seed;
  gint stop_id;

  /* between start and stop, streaming thread */
  RncGenerator *gen;
};

G_DEFINE_TYPE (GstGenerate, gst_generate, GST_TYPE_RECURRENT_BASE);
GST_ELEMENT_REGISTER_DEFINE (generate, "generate", GST_RANK_NONE,
    GST_TYPE_GENERATE);

static GObjectClass *base_object_class;

static void gst_generate_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec);
static void gst_generate_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec);
static gboolean gst_generate_setup (GstRecurrentBase * base, GError ** error);
static void gst_generate_teardown (GstRecurrentBase * base);
static void gst_generate_get_output_format (GstRecurrentBase * base,
    gsize * width, gboolean * ids);
static void gst_generate_reset_state (GstRecurrentBase * base);
static void gst_generate_reset_one_stream (GstRecurrentBase * base, gsize n);
static gboolean gst_generate_process (GstRecurrentBase * base,
    const void *frames, gsize n, gpointer out, gsize * n_out,
    GError ** error);
static gboolean gst_generate_last_output (GstRecurrentBase * base,
    gpointer out);
static gsize gst_generate_drain (GstRecurrentBase * base, gsize done,
    gpointer out, gsize max);

static void
gst_generate_class_init (GstGenerateClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstRecurrentBaseClass *base_class = GST_RECURRENT_BASE_CLASS (klass);

  GST_DEBUG_CATEGORY_INIT (gst_generate_debug, "generate", 0,
      "generation from recurrent models");

  /* the base's handlers, for its own properties */
  base_object_class = G_OBJECT_CLASS (gst_generate_parent_class);
  gobject_class->set_property = gst_generate_set_property;
  gobject_class->get_property = gst_generate_get_property;

  g_object_class_install_property (gobject_class, PROP_LENGTH,
      g_param_spec_uint ("length", "Length",
          "Frames generated at EOS after the input (the prediction after the "
          "last input frame, fed back, `length` frames in all); unused with "
          "a horizon. Read at EOS", 0, G_MAXINT, DEFAULT_LENGTH,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_HORIZON,
      g_param_spec_uint ("horizon", "Horizon",
          "0: continuation at EOS; N > 0: for every input frame, a forecast "
          "of the next N frames (output width N*Q, N ids for a language "
          "model) from a copy of the state", 0, RNC_GENERATE_MAX_HORIZON,
          DEFAULT_HORIZON, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_TEMPERATURE,
      g_param_spec_float ("temperature", "Temperature",
          "Language models: ids are drawn from softmax(logits / temperature); "
          "0 is greedy (the most likely id)", 0.0f, MAX_TEMPERATURE,
          DEFAULT_TEMPERATURE, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_TOP_K,
      g_param_spec_uint ("top-k", "Top k",
          "Language models: draw among the k most likely ids only (0: all; "
          "1: greedy)", 0, G_MAXINT, DEFAULT_TOP_K,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_SEED,
      g_param_spec_uint64 ("seed", "Seed",
          "Language models: seed of the draws, restarted at every reset (the "
          "same prompt and seed give the same text)", 0, G_MAXUINT64,
          DEFAULT_SEED, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_STOP_ID,
      g_param_spec_int ("stop-id", "Stop id",
          "Language models: a continuation ends after drawing this id (it is "
          "output); -1: none", -1, G_MAXINT, DEFAULT_STOP_ID,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  base_class->setup = gst_generate_setup;
  base_class->teardown = gst_generate_teardown;
  base_class->get_output_format = gst_generate_get_output_format;
  base_class->reset_state = gst_generate_reset_state;
  base_class->reset_one_stream = gst_generate_reset_one_stream;
  base_class->process = gst_generate_process;
  base_class->last_output = gst_generate_last_output;
  base_class->drain = gst_generate_drain;

  gst_element_class_set_static_metadata (element_class,
      "Recurrent sequence generator", "Filter/Analyzer",
      "Primes an RNN, LSTM or GRU on its input, then rolls it forward on its "
      "own predictions: a continuation at EOS, or a horizon forecast for every "
      "frame; greedy or sampled ids for language models",
      GST_RECURRENT_AUTHORS);
}

static void
gst_generate_init (GstGenerate * self)
{
  self->length = DEFAULT_LENGTH;
  self->horizon = DEFAULT_HORIZON;
  self->temperature = DEFAULT_TEMPERATURE;
  self->top_k = DEFAULT_TOP_K;
  self->seed = DEFAULT_SEED;
  self->stop_id = DEFAULT_STOP_ID;
}

static void
gst_generate_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstGenerate *self = GST_GENERATE (object);
  gboolean refused = FALSE;

  if (prop_id < PROP_LENGTH) {
    base_object_class->set_property (object, prop_id, value, pspec);
    return;
  }

  GST_OBJECT_LOCK (self);
  if (gst_recurrent_property_locked (GST_ELEMENT (self), pspec)) {
    refused = TRUE;
    goto done;
  }
  switch (prop_id) {
    case PROP_LENGTH:
      self->length = g_value_get_uint (value);
      break;
    case PROP_HORIZON:
      self->horizon = g_value_get_uint (value);
      break;
    case PROP_TEMPERATURE:
      self->temperature = g_value_get_float (value);
      break;
    case PROP_TOP_K:
      self->top_k = g_value_get_uint (value);
      break;
    case PROP_SEED:
      self->seed = g_value_get_uint64 (value);
      break;
    case PROP_STOP_ID:
      self->stop_id = g_value_get_int (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
done:
  GST_OBJECT_UNLOCK (self);

  /* posted without the object lock: posting takes it */
  if (refused)
    gst_recurrent_post_property_refused (GST_ELEMENT (self), pspec);
}

static void
gst_generate_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  GstGenerate *self = GST_GENERATE (object);

  if (prop_id < PROP_LENGTH) {
    base_object_class->get_property (object, prop_id, value, pspec);
    return;
  }

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_LENGTH:
      g_value_set_uint (value, self->length);
      break;
    case PROP_HORIZON:
      g_value_set_uint (value, self->horizon);
      break;
    case PROP_TEMPERATURE:
      g_value_set_float (value, self->temperature);
      break;
    case PROP_TOP_K:
      g_value_set_uint (value, self->top_k);
      break;
    case PROP_SEED:
      g_value_set_uint64 (value, self->seed);
      break;
    case PROP_STOP_ID:
      g_value_set_int (value, self->stop_id);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

/* Streaming thread: the runtime knobs, copied under the lock. Returns the
 * length. */
static guint
gst_generate_sync_knobs (GstGenerate * self)
{
  gfloat temperature;
  guint top_k, length;
  gint stop_id;

  GST_OBJECT_LOCK (self);
  temperature = self->temperature;
  top_k = self->top_k;
  stop_id = self->stop_id;
  length = self->length;
  GST_OBJECT_UNLOCK (self);

  rnc_generator_set_sampling (self->gen, temperature, top_k, stop_id);
  return length;
}

static gboolean
gst_generate_setup (GstRecurrentBase * base, GError ** error)
{
  GstGenerate *self = GST_GENERATE (base);
  guint horizon;
  guint64 seed;

  GST_OBJECT_LOCK (self);
  horizon = self->horizon;
  seed = self->seed;
  GST_OBJECT_UNLOCK (self);

  self->gen = rnc_generator_new (gst_recurrent_base_get_state (base),
      gst_recurrent_base_get_window (base), horizon, error);
  if (!self->gen)
    return FALSE;
  rnc_generator_set_seed (self->gen, seed);
  gst_generate_sync_knobs (self);
  GST_INFO_OBJECT (self, "%s, window %" G_GSIZE_FORMAT ", horizon %u",
      rnc_generator_is_ids (self->gen) ? "language model" : "regression",
      rnc_generator_get_window (self->gen), horizon);
  return TRUE;
}

static void
gst_generate_teardown (GstRecurrentBase * base)
{
  g_clear_pointer (&GST_GENERATE (base)->gen, rnc_generator_free);
}

static void
gst_generate_get_output_format (GstRecurrentBase * base, gsize * width,
    gboolean * ids)
{
  GstGenerate *self = GST_GENERATE (base);

  *width = rnc_generator_get_output_width (self->gen);
  *ids = rnc_generator_is_ids (self->gen);
}

static void
gst_generate_reset_state (GstRecurrentBase * base)
{
  rnc_generator_reset (GST_GENERATE (base)->gen);
}

static void
gst_generate_reset_one_stream (GstRecurrentBase * base, gsize n)
{
  rnc_generator_reset_stream (GST_GENERATE (base)->gen, n);
}

static gboolean
gst_generate_process (GstRecurrentBase * base, const void *frames, gsize n,
    gpointer out, gsize * n_out, GError ** error)
{
  GstGenerate *self = GST_GENERATE (base);
  size_t bad = 0, k = 0;

  gst_generate_sync_knobs (self);
  if (!rnc_generator_process (self->gen, frames, n, out, &k, &bad)) {
    size_t V = rnc_model_get_config (gst_recurrent_base_get_model
        (base))->input_size;
    g_set_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_DECODE,
        "token id %d is outside the vocabulary of %zu ids (0..%zu)",
        ((const gint32 *) frames)[bad], V, V - 1);
    return FALSE;
  }
  if (n_out)
    *n_out = k;
  return TRUE;
}

static gboolean
gst_generate_last_output (GstRecurrentBase * base, gpointer out)
{
  /* no emit modes: forecasts go out per frame, continuations at EOS */
  return FALSE;
}

static gsize
gst_generate_drain (GstRecurrentBase * base, gsize done, gpointer out,
    gsize max)
{
  GstGenerate *self = GST_GENERATE (base);
  guint length;

  if (rnc_generator_get_horizon (self->gen) > 0)
    return 0;
  length = gst_generate_sync_knobs (self);
  if (done == 0 && length > 0
      && !rnc_generator_start (self->gen, length)) {
    gsize T = rnc_generator_get_window (self->gen);
    if (T > 0)
      GST_ELEMENT_WARNING (self, STREAM, DECODE,
          ("Nothing to generate from: the model needs a window of %"
              G_GSIZE_FORMAT " input frames since the last reset.", T),
          (NULL));
    else
      GST_ELEMENT_WARNING (self, STREAM, DECODE,
          ("Nothing to generate from: no input frame since the last reset."),
          (NULL));
    return 0;
  }
  return rnc_generator_continue (self->gen, out, max);
}
