/* gst-recurrent
 * Copyright (C) 2026 the gst-recurrent authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* GstRecurrentBase: see gstrecurrentbase.h.
 *
 * Threads: properties are set from any thread under the object lock;
 * start() copies them into the private fields that the streaming thread
 * reads without locking. The streaming thread (submit_input_buffer,
 * generate_output, sink_event) is the only one touching the model, state,
 * adapter and counters; the `reset` action signal only raises an atomic flag
 * that the streaming thread applies before the next frame. transform_caps
 * may run on any thread and reads the negotiation fields under the object
 * lock.
 *
 * Buffers: an input buffer that holds whole frames, in one memory, arriving
 * when no partial frame is pending, is mapped and read in place (the
 * direct buffer); any other input goes into a GstAdapter, from which whole
 * frames are copied to an aligned scratch buffer of `chunk` frames
 * (allocated in start). Output buffers come from a buffer pool of
 * `chunk`-frame buffers configured in decide_allocation, so steady-state
 * streaming allocates nothing.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstrecurrentbase.h"
#include "gstrecurrentutil.h"
#include "gstrecurrenttensors.h"

#include "rnc-forecast.h"
#include "rnc-model-io.h"

#include <string.h>

GST_DEBUG_CATEGORY_STATIC (gst_recurrent_base_debug);
#define GST_CAT_DEFAULT gst_recurrent_base_debug

#define DEFAULT_MODEL NULL
#define DEFAULT_INITIAL_STATE GST_RECURRENT_INITIAL_STATE_ZEROS
#define DEFAULT_STATE_LOCATION NULL
#define DEFAULT_RESET_ON GST_RECURRENT_RESET_ON_DISCONT
#define DEFAULT_OUTPUT GST_RECURRENT_OUTPUT_PREDICTION
#define DEFAULT_EMIT GST_RECURRENT_EMIT_FRAME
#define DEFAULT_WINDOW -1
#define DEFAULT_THREADS 0
#define DEFAULT_CHECKPOINT_FRAMES 0
#define DEFAULT_RESUME FALSE
#define DEFAULT_INTERVAL RNC_RUNNER_DEFAULT_INTERVAL
#define DEFAULT_INTERVAL_ADAPT RNC_RUNNER_DEFAULT_INTERVAL_ADAPT
#define MAX_THREADS 2
#define DEFAULT_STREAMS 1
/* an input frame of N*D values must fit a caps width (int) */
#define MAX_STREAMS (1u << 20)

/* Frames per processing chunk and per output buffer: as many as fit in
 * 64 KiB of the widest frame, between 1 and 256. */
#define CHUNK_BYTES 65536
#define CHUNK_MAX_FRAMES 256

enum
{
  SIGNAL_RESET,
  SIGNAL_RESET_STREAM,
  LAST_SIGNAL
};

static guint gst_recurrent_base_signals[LAST_SIGNAL];

typedef struct
{
  /* properties, under the object lock */
  gchar *model_location;
  GstRecurrentInitialState initial_state;
  gchar *state_location;
  guint reset_on;               /* GstRecurrentResetOn flags */
  guint64 checkpoint_frames;    /* 0: save at EOS and stop only */
  gboolean resume;
  GstRecurrentOutput output;
  GstRecurrentEmit emit;
  gint window;
  guint threads;                /* 0: auto */
  gchar *series;                /* global forecaster: whose scaling */
  gboolean series_fixed;        /* series given: every stream uses it */
  guint streams;                /* 0: input width / model input width */
  gdouble interval;             /* central probability of output=interval */
  gdouble interval_adapt;       /* its online calibration rate */

  /* negotiation facts, under the object lock (read by transform_caps) */
  gboolean ready;               /* between start and stop */
  gsize in_width;               /* D, or 1 for ids */
  gboolean in_ids;
  gsize out_width;
  gboolean out_ids;
  guint streams_mode;           /* the streams property, copied in start */
  gsize n_streams;              /* N: the state's batch */
  GstClockTime own_latency;     /* a lookahead's k frames at the input rate */

  /* set by the action signal, applied by the streaming thread */
  gint reset_pending;
  /* set by the reset-stream signal (under the object lock): one flag per
   * stream, applied by the streaming thread */
  gint stream_reset_pending;
  guint8 *stream_reset;         /* (n_streams) */

  /* copied in start(), then streaming thread only */
  gchar *model_path;
  gchar *state_path;
  GstRecurrentOutput output_mode;
  GstRecurrentEmit emit_mode;
  GstRecurrentInitialState initial_mode;
  guint threads_mode;
  gboolean resume_mode;
  gboolean streams_known;       /* the caps said how many streams */
  gsize window_frames;
  gdouble interval_level;
  gdouble interval_rate;
  gsize delay;                  /* lookahead frames of the model (rnc.delay) */
  RncModel *model;
  RncState *state;
  RncRunner *runner;
  gsize chunk;
  gsize chunk_full;             /* chunk for other/x-frames output */
  gboolean out_tensors;         /* other/tensors out: one frame per buffer */
  gsize in_frame_bytes, out_frame_bytes;
  guint8 *in_buf;               /* (chunk, in frame) aligned copy of input */
  GstAdapter *adapter;
  GstBufferPool *pool;          /* output pool set up in decide_allocation */
  gboolean pool_active;         /* we activated it */
  GstBuffer *direct;            /* input read in place (whole frames), or NULL */
  GstMapInfo direct_map;
  gsize direct_off;             /* bytes of it already processed */

  gint fps_n, fps_d;            /* input rate; fps_n == 0: aperiodic */
  gboolean have_t0;
  GstClockTime t0;              /* time of frame 0 */
  guint64 n_frames;             /* frames consumed since t0 */
  GstClockTime last_pts, last_duration;   /* last input buffer */
  gboolean dirty;               /* frames processed since the last save */

  /* checkpoints and resume (docs/checkpoints.md) */
  guint64 position;             /* frames consumed since the stream start:
                                 * the state file's rnc.position and the
                                 * output buffers' offsets */
  guint64 ckpt_every;           /* checkpoint-frames, 0: none */
  guint64 next_ckpt;            /* save once position reaches it */
  gboolean ckpt_failing;        /* the last checkpoint write failed */
  RncStateFile *resume_file;    /* resume pending: the file to install */
  guint64 resume_position;      /* its rnc.position */
  guint64 skip_left;            /* input frames still to drop before it */
  gboolean resume_values;       /* install its h/c (FALSE with a window:
                                 * the last T-1 frames are run again) */
  gboolean need_discont;
  gboolean failed;              /* an error was posted */
  GstCaps *rejected_caps;       /* input caps already refused with an error */
} GstRecurrentBasePrivate;

#define gst_recurrent_base_parent_class parent_class
G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (GstRecurrentBase, gst_recurrent_base,
    GST_TYPE_BASE_TRANSFORM);

#define PRIV(self) \
  ((GstRecurrentBasePrivate *) gst_recurrent_base_get_instance_private (self))

/* ---- enum and flag types --------------------------------------------------- */

GType
gst_recurrent_initial_state_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_RECURRENT_INITIAL_STATE_ZEROS, "h (and c) start at 0", "zeros"},
    {GST_RECURRENT_INITIAL_STATE_ONES, "h (and c) start at 1", "ones"},
    {GST_RECURRENT_INITIAL_STATE_FILE,
        "Load the state file named by state-location", "file"},
    {0, NULL, NULL}
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstRecurrentInitialState", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

GType
gst_recurrent_reset_on_get_type (void)
{
  static GType type = 0;
  static const GFlagsValue values[] = {
    {GST_RECURRENT_RESET_ON_DISCONT, "A buffer flagged DISCONT", "discont"},
    {GST_RECURRENT_RESET_ON_SEGMENT, "A SEGMENT event", "segment"},
    {GST_RECURRENT_RESET_ON_EOS, "EOS (after the state was saved)", "eos"},
    {0, NULL, NULL}
  };

  if (g_once_init_enter (&type)) {
    GType t = g_flags_register_static ("GstRecurrentResetOn", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

GType
gst_recurrent_output_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_RECURRENT_OUTPUT_PREDICTION,
          "The model's natural output: regression values (raw units), class "
          "probabilities, or the hidden state without a head", "prediction"},
    {GST_RECURRENT_OUTPUT_HIDDEN, "The top layer's hidden state (width H)",
        "hidden"},
    {GST_RECURRENT_OUTPUT_LOGITS, "Class scores before softmax (width Q)",
        "logits"},
    {GST_RECURRENT_OUTPUT_PROBABILITIES, "Class probabilities (width Q)",
        "probabilities"},
    {GST_RECURRENT_OUTPUT_ARGMAX, "The most likely class id (S32LE, width 1)",
        "argmax"},
    {GST_RECURRENT_OUTPUT_INTERVAL,
          "Prediction interval of a calibrated regression model (width 3Q: "
          "lower bounds, predictions, upper bounds; see 'interval')",
        "interval"},
    {0, NULL, NULL}
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstRecurrentOutput", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

GType
gst_recurrent_emit_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_RECURRENT_EMIT_FRAME, "An output per input frame (many-to-many)",
        "frame"},
    {GST_RECURRENT_EMIT_BUFFER,
          "The output after the last frame of each input buffer (many-to-one)",
        "buffer"},
    {GST_RECURRENT_EMIT_EOS, "One output after the last frame, at EOS",
        "eos"},
    {0, NULL, NULL}
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstRecurrentEmit", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

/* ---- caps ------------------------------------------------------------------ */

/* Framerate is optional on the sink side: absent means 0/1 (aperiodic). */
#define SINK_CAPS \
  "other/x-frames, format = (string) F32LE, width = (int) [ 1, MAX ]; " \
  "other/x-frames, format = (string) S32LE, width = (int) [ 1, MAX ]; " \
  "audio/x-raw, format = (string) F32LE, layout = (string) interleaved, " \
  "channels = (int) [ 1, MAX ], rate = (int) [ 1, MAX ]; " \
  GST_RECURRENT_TENSORS_CAPS

#define SRC_CAPS \
  "other/x-frames, format = (string) { F32LE, S32LE }, " \
  "width = (int) [ 1, MAX ], framerate = (fraction) [ 0/1, MAX ]; " \
  GST_RECURRENT_TENSORS_CAPS

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS (SINK_CAPS));

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS (SRC_CAPS));

/* ---- forward declarations ----------------------------------------------- */

static void gst_recurrent_base_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec);
static void gst_recurrent_base_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec);
static void gst_recurrent_base_finalize (GObject * object);
static gboolean gst_recurrent_base_start (GstBaseTransform * trans);
static gboolean gst_recurrent_base_stop (GstBaseTransform * trans);
static GstCaps *gst_recurrent_base_transform_caps (GstBaseTransform * trans,
    GstPadDirection direction, GstCaps * caps, GstCaps * filter);
static gboolean gst_recurrent_base_set_caps (GstBaseTransform * trans,
    GstCaps * incaps, GstCaps * outcaps);
static gboolean gst_recurrent_base_decide_allocation (GstBaseTransform *
    trans, GstQuery * query);
static gboolean gst_recurrent_base_sink_event (GstBaseTransform * trans,
    GstEvent * event);
static gboolean gst_recurrent_base_query (GstBaseTransform * trans,
    GstPadDirection direction, GstQuery * query);
static GstFlowReturn gst_recurrent_base_submit_input_buffer (GstBaseTransform
    * trans, gboolean is_discont, GstBuffer * input);
static GstFlowReturn gst_recurrent_base_generate_output (GstBaseTransform *
    trans, GstBuffer ** outbuf);
static GstFlowReturn gst_recurrent_base_transform (GstBaseTransform * trans,
    GstBuffer * inbuf, GstBuffer * outbuf);

static void gst_recurrent_base_reset_action (GstRecurrentBase * self);
static void gst_recurrent_base_reset_stream_action (GstRecurrentBase * self,
    guint index);
static void gst_recurrent_base_default_reset_one_stream (GstRecurrentBase *
    self, gsize n);
static void gst_recurrent_base_flush_owed (GstRecurrentBase * self,
    const char *why);
static void gst_recurrent_base_clear_input (GstRecurrentBase * self);
static gboolean gst_recurrent_base_default_setup (GstRecurrentBase * self,
    GError ** error);
static void gst_recurrent_base_default_teardown (GstRecurrentBase * self);
static void gst_recurrent_base_default_get_output_format (GstRecurrentBase *
    self, gsize * width, gboolean * ids);
static void gst_recurrent_base_default_reset_state (GstRecurrentBase * self);
static gboolean gst_recurrent_base_default_process (GstRecurrentBase * self,
    const void *frames, gsize n, gpointer out, gsize * n_out,
    GError ** error);
static gboolean gst_recurrent_base_default_last_output (GstRecurrentBase *
    self, gpointer out);
static gsize gst_recurrent_base_default_flush (GstRecurrentBase * self,
    gpointer out);
static gsize gst_recurrent_base_default_get_delay (GstRecurrentBase * self);

/* ---- class ------------------------------------------------------------------ */

static void
gst_recurrent_base_class_init (GstRecurrentBaseClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);

  GST_DEBUG_CATEGORY_INIT (gst_recurrent_base_debug, "recurrentbase", 0,
      "recurrent model elements");

  gobject_class->set_property = gst_recurrent_base_set_property;
  gobject_class->get_property = gst_recurrent_base_get_property;
  gobject_class->finalize = gst_recurrent_base_finalize;

  g_object_class_install_property (gobject_class,
      GST_RECURRENT_BASE_PROP_MODEL,
      g_param_spec_string ("model", "Model",
          "Model file (safetensors, native or PyTorch nn.RNN/nn.LSTM/nn.GRU + "
          "nn.Linear, or ONNX as torch.onnx.export writes it); loaded when "
          "the element starts", DEFAULT_MODEL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class,
      GST_RECURRENT_BASE_PROP_INITIAL_STATE,
      g_param_spec_enum ("initial-state", "Initial state",
          "State at the start and after every reset",
          GST_TYPE_RECURRENT_INITIAL_STATE, DEFAULT_INITIAL_STATE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class,
      GST_RECURRENT_BASE_PROP_STATE_LOCATION,
      g_param_spec_string ("state-location", "State location",
          "State file (safetensors state.h, state.c): written at EOS and when "
          "stopping, read at start with initial-state=file (NULL: none)",
          DEFAULT_STATE_LOCATION, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class,
      GST_RECURRENT_BASE_PROP_RESET_ON,
      g_param_spec_flags ("reset-on", "Reset on",
          "Stream events that reset the state to the initial state (flushes, "
          "new streams, rnc/reset events and the reset signal always do)",
          GST_TYPE_RECURRENT_RESET_ON, DEFAULT_RESET_ON,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  g_object_class_install_property (gobject_class,
      GST_RECURRENT_BASE_PROP_THREADS,
      g_param_spec_uint ("threads", "Threads",
          "Threads per recurrent step: 1, 2 (each large step split across "
          "two cores), or 0 for auto (split a layer's steps only while that "
          "is measured to be faster). Models whose recurrent weights are "
          "under 1 MiB (LSTM H < 256, GRU H < 296, RNN H < 512) always run "
          "on the streaming thread alone. Outputs are the same bit for bit",
          0, MAX_THREADS, DEFAULT_THREADS,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  g_object_class_install_property (gobject_class,
      GST_RECURRENT_BASE_PROP_SERIES,
      g_param_spec_string ("series", "Series",
          "A global forecaster (rnc-train forecast --columns) holds the "
          "scaling of every series it was trained on: the name (from the "
          "model's rnc.series) or 0-based index of the one this stream is; "
          "NULL: the model's own scaling (its first series)", NULL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  g_object_class_install_property (gobject_class,
      GST_RECURRENT_BASE_PROP_STREAMS,
      g_param_spec_uint ("streams", "Streams",
          "Independent streams N in each frame: input frames of N*D values "
          "(stream s owns values s*D .. s*D+D-1), outputs of N times the "
          "output width in the same layout, all N run as one batch with the "
          "same weights; 0 takes N = input width / model input width",
          0, MAX_STREAMS, DEFAULT_STREAMS,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  g_object_class_install_property (gobject_class,
      GST_RECURRENT_BASE_PROP_CHECKPOINT_FRAMES,
      g_param_spec_uint64 ("checkpoint-frames", "Checkpoint frames",
          "Also write the state file (state-location) every this many input "
          "frames, at the first buffer boundary after the count crosses a "
          "multiple, atomically, with the frame position (0: only at EOS "
          "and when stopping)", 0, G_MAXUINT64, DEFAULT_CHECKPOINT_FRAMES,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class,
      GST_RECURRENT_BASE_PROP_RESUME,
      g_param_spec_boolean ("resume", "Resume",
          "With initial-state=file: continue where the state file left off: "
          "drop the input frames it already covers (its rnc.position), then "
          "carry on from its state, so a restarted pipeline over the same "
          "input gives the uninterrupted run's remaining outputs",
          DEFAULT_RESUME, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  /**
   * GstRecurrentBase::reset:
   *
   * Resets the state to the initial state before the next frame. Safe to
   * emit from any thread, in any state.
   */
  gst_recurrent_base_signals[SIGNAL_RESET] =
      g_signal_new ("reset", G_TYPE_FROM_CLASS (klass),
      G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_STRUCT_OFFSET (GstRecurrentBaseClass, reset), NULL, NULL, NULL,
      G_TYPE_NONE, 0);
  /**
   * GstRecurrentBase::reset-stream:
   * @index: the stream, 0 .. streams-1
   *
   * Resets one stream (of `streams`) to the initial state before the next
   * frame; the other streams carry on. An index outside the streams posts
   * a warning and is ignored. Safe to emit from any thread while the
   * element runs.
   */
  gst_recurrent_base_signals[SIGNAL_RESET_STREAM] =
      g_signal_new_class_handler ("reset-stream", G_TYPE_FROM_CLASS (klass),
      G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (gst_recurrent_base_reset_stream_action), NULL, NULL, NULL,
      G_TYPE_NONE, 1, G_TYPE_UINT);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);

  trans_class->start = GST_DEBUG_FUNCPTR (gst_recurrent_base_start);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_recurrent_base_stop);
  trans_class->transform_caps =
      GST_DEBUG_FUNCPTR (gst_recurrent_base_transform_caps);
  trans_class->set_caps = GST_DEBUG_FUNCPTR (gst_recurrent_base_set_caps);
  trans_class->decide_allocation =
      GST_DEBUG_FUNCPTR (gst_recurrent_base_decide_allocation);
  trans_class->sink_event = GST_DEBUG_FUNCPTR (gst_recurrent_base_sink_event);
  trans_class->query = GST_DEBUG_FUNCPTR (gst_recurrent_base_query);
  trans_class->submit_input_buffer =
      GST_DEBUG_FUNCPTR (gst_recurrent_base_submit_input_buffer);
  trans_class->generate_output =
      GST_DEBUG_FUNCPTR (gst_recurrent_base_generate_output);
  /* Never called (generate_output does the work), but without it the base
   * class takes the element for an in-place one and skips the ALLOCATION
   * query, so decide_allocation would not run and every output buffer would
   * be allocated instead of coming from our pool. */
  trans_class->transform = GST_DEBUG_FUNCPTR (gst_recurrent_base_transform);

  klass->reset = gst_recurrent_base_reset_action;
  klass->setup = gst_recurrent_base_default_setup;
  klass->teardown = gst_recurrent_base_default_teardown;
  klass->get_output_format = gst_recurrent_base_default_get_output_format;
  klass->reset_state = gst_recurrent_base_default_reset_state;
  klass->reset_one_stream = gst_recurrent_base_default_reset_one_stream;
  klass->process = gst_recurrent_base_default_process;
  klass->last_output = gst_recurrent_base_default_last_output;
  klass->flush = gst_recurrent_base_default_flush;
  klass->get_delay = gst_recurrent_base_default_get_delay;
  klass->any_cell = TRUE;

  gst_type_mark_as_plugin_api (GST_TYPE_RECURRENT_BASE, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_RECURRENT_INITIAL_STATE, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_RECURRENT_RESET_ON, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_RECURRENT_OUTPUT, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_RECURRENT_EMIT, 0);
}

void
gst_recurrent_base_class_set_cell (GstRecurrentBaseClass * klass,
    RncCell cell)
{
  klass->cell = cell;
  klass->any_cell = FALSE;
}

void
gst_recurrent_base_class_install_stream_properties (GstRecurrentBaseClass *
    klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);

  /* GObject does not inherit these: the base handles the new ids too */
  gobject_class->set_property = gst_recurrent_base_set_property;
  gobject_class->get_property = gst_recurrent_base_get_property;

  g_object_class_install_property (gobject_class,
      GST_RECURRENT_BASE_PROP_OUTPUT,
      g_param_spec_enum ("output", "Output",
          "What each output frame holds; logits, probabilities and argmax "
          "need a model with a classes head", GST_TYPE_RECURRENT_OUTPUT,
          DEFAULT_OUTPUT, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class,
      GST_RECURRENT_BASE_PROP_EMIT,
      g_param_spec_enum ("emit", "Emit",
          "When outputs are pushed: for every frame, after each input "
          "buffer, or once at EOS", GST_TYPE_RECURRENT_EMIT, DEFAULT_EMIT,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class,
      GST_RECURRENT_BASE_PROP_WINDOW,
      g_param_spec_int ("window", "Window",
          "Frames per output: 0 carries the state forever; T > 0 computes "
          "each output from the last T frames with a fresh state (no output "
          "before T frames); -1 takes the model's rnc.window (0 if absent)",
          -1, RNC_RUNNER_MAX_WINDOW, DEFAULT_WINDOW,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class,
      GST_RECURRENT_BASE_PROP_INTERVAL,
      g_param_spec_double ("interval", "Interval",
          "output=interval: the probability (strictly between 0 and 1) that "
          "the next value falls between the lower and upper bound, from the "
          "model's calibrated residual quantiles (rnc.residual_quantiles)",
          0.0, 1.0, DEFAULT_INTERVAL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class,
      GST_RECURRENT_BASE_PROP_INTERVAL_ADAPT,
      g_param_spec_double ("interval-adapt", "Interval adapt",
          "output=interval, a forecaster whose outputs are the next input "
          "frame's values: online calibration rate. After each frame, a "
          "bound the value crossed moves out by rate x (1 - tail) interval "
          "widths, one that held moves in by rate x tail (tail = (1 - "
          "interval) / 2), so the share of misses follows the interval on "
          "any stream; 0 keeps the model's quantiles fixed. Saved with the "
          "state (state-location)",
          0.0, 1.0, DEFAULT_INTERVAL_ADAPT,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
}

static void
gst_recurrent_base_init (GstRecurrentBase * self)
{
  GstRecurrentBasePrivate *priv = PRIV (self);

  priv->model_location = g_strdup (DEFAULT_MODEL);
  priv->initial_state = DEFAULT_INITIAL_STATE;
  priv->state_location = g_strdup (DEFAULT_STATE_LOCATION);
  priv->reset_on = DEFAULT_RESET_ON;
  priv->output = DEFAULT_OUTPUT;
  priv->emit = DEFAULT_EMIT;
  priv->window = DEFAULT_WINDOW;
  priv->threads = DEFAULT_THREADS;
  priv->checkpoint_frames = DEFAULT_CHECKPOINT_FRAMES;
  priv->resume = DEFAULT_RESUME;
  priv->streams = DEFAULT_STREAMS;
  priv->n_streams = 1;
  priv->interval = DEFAULT_INTERVAL;
  priv->interval_adapt = DEFAULT_INTERVAL_ADAPT;
  priv->adapter = gst_adapter_new ();
  /* without transform() the base class would assume passthrough */
  gst_base_transform_set_passthrough (GST_BASE_TRANSFORM (self), FALSE);
}

static void
gst_recurrent_base_finalize (GObject * object)
{
  GstRecurrentBasePrivate *priv = PRIV (GST_RECURRENT_BASE (object));

  g_free (priv->model_location);
  g_free (priv->state_location);
  g_free (priv->series);
  g_free (priv->model_path);
  g_free (priv->state_path);
  g_object_unref (priv->adapter);
  gst_clear_object (&priv->pool);

  G_OBJECT_CLASS (parent_class)->finalize (object);
}

/* ---- properties ----------------------------------------------------------- */

static void
gst_recurrent_base_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstRecurrentBase *self = GST_RECURRENT_BASE (object);
  GstRecurrentBasePrivate *priv = PRIV (self);
  gboolean refused = FALSE;

  GST_OBJECT_LOCK (self);
  if (gst_recurrent_property_locked (GST_ELEMENT (self), pspec)) {
    refused = TRUE;
    goto done;
  }
  switch (prop_id) {
    case GST_RECURRENT_BASE_PROP_MODEL:
      g_free (priv->model_location);
      priv->model_location = g_value_dup_string (value);
      break;
    case GST_RECURRENT_BASE_PROP_INITIAL_STATE:
      priv->initial_state = g_value_get_enum (value);
      break;
    case GST_RECURRENT_BASE_PROP_STATE_LOCATION:
      g_free (priv->state_location);
      priv->state_location = g_value_dup_string (value);
      break;
    case GST_RECURRENT_BASE_PROP_RESET_ON:
      priv->reset_on = g_value_get_flags (value);
      break;
    case GST_RECURRENT_BASE_PROP_OUTPUT:
      priv->output = g_value_get_enum (value);
      break;
    case GST_RECURRENT_BASE_PROP_EMIT:
      priv->emit = g_value_get_enum (value);
      break;
    case GST_RECURRENT_BASE_PROP_WINDOW:
      priv->window = g_value_get_int (value);
      break;
    case GST_RECURRENT_BASE_PROP_THREADS:
      priv->threads = g_value_get_uint (value);
      break;
    case GST_RECURRENT_BASE_PROP_SERIES:
      g_free (priv->series);
      priv->series = g_value_dup_string (value);
      break;
    case GST_RECURRENT_BASE_PROP_STREAMS:
      priv->streams = g_value_get_uint (value);
      break;
    case GST_RECURRENT_BASE_PROP_CHECKPOINT_FRAMES:
      priv->checkpoint_frames = g_value_get_uint64 (value);
      break;
    case GST_RECURRENT_BASE_PROP_RESUME:
      priv->resume = g_value_get_boolean (value);
      break;
    case GST_RECURRENT_BASE_PROP_INTERVAL_ADAPT:
      priv->interval_adapt = g_value_get_double (value);
      break;
    case GST_RECURRENT_BASE_PROP_INTERVAL:
      priv->interval = g_value_get_double (value);
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
gst_recurrent_base_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstRecurrentBase *self = GST_RECURRENT_BASE (object);
  GstRecurrentBasePrivate *priv = PRIV (self);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case GST_RECURRENT_BASE_PROP_MODEL:
      g_value_set_string (value, priv->model_location);
      break;
    case GST_RECURRENT_BASE_PROP_INITIAL_STATE:
      g_value_set_enum (value, priv->initial_state);
      break;
    case GST_RECURRENT_BASE_PROP_STATE_LOCATION:
      g_value_set_string (value, priv->state_location);
      break;
    case GST_RECURRENT_BASE_PROP_RESET_ON:
      g_value_set_flags (value, priv->reset_on);
      break;
    case GST_RECURRENT_BASE_PROP_OUTPUT:
      g_value_set_enum (value, priv->output);
      break;
    case GST_RECURRENT_BASE_PROP_EMIT:
      g_value_set_enum (value, priv->emit);
      break;
    case GST_RECURRENT_BASE_PROP_WINDOW:
      g_value_set_int (value, priv->window);
      break;
    case GST_RECURRENT_BASE_PROP_THREADS:
      g_value_set_uint (value, priv->threads);
      break;
    case GST_RECURRENT_BASE_PROP_SERIES:
      g_value_set_string (value, priv->series);
      break;
    case GST_RECURRENT_BASE_PROP_STREAMS:
      g_value_set_uint (value, priv->streams);
      break;
    case GST_RECURRENT_BASE_PROP_CHECKPOINT_FRAMES:
      g_value_set_uint64 (value, priv->checkpoint_frames);
      break;
    case GST_RECURRENT_BASE_PROP_RESUME:
      g_value_set_boolean (value, priv->resume);
      break;
    case GST_RECURRENT_BASE_PROP_INTERVAL_ADAPT:
      g_value_set_double (value, priv->interval_adapt);
      break;
    case GST_RECURRENT_BASE_PROP_INTERVAL:
      g_value_set_double (value, priv->interval);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

const RncModel *
gst_recurrent_base_get_model (GstRecurrentBase * self)
{
  return PRIV (self)->model;
}

RncState *
gst_recurrent_base_get_state (GstRecurrentBase * self)
{
  return PRIV (self)->state;
}

gsize
gst_recurrent_base_get_window (GstRecurrentBase * self)
{
  return PRIV (self)->window_frames;
}

gsize
gst_recurrent_base_get_streams (GstRecurrentBase * self)
{
  return PRIV (self)->n_streams;
}

/* ---- default processing: an RncRunner -------------------------------------- */

static gboolean
gst_recurrent_base_default_setup (GstRecurrentBase * self, GError ** error)
{
  GstRecurrentBasePrivate *priv = PRIV (self);
  GError *err = NULL;
  gsize N = rnc_state_get_batch (priv->state);
  gsize n_series = rnc_forecast_get_n_series (priv->model);
  gsize D = rnc_model_get_config (priv->model)->input_size;
  gboolean ok = TRUE;
  float *mean, *std;

  priv->runner = rnc_runner_new (priv->state, (RncOutputKind)
      priv->output_mode, priv->window_frames, &err);
  if (!priv->runner)
    goto failed;
  if (priv->output_mode == GST_RECURRENT_OUTPUT_INTERVAL
      && !rnc_runner_set_interval (priv->runner, priv->interval_level, &err))
    goto failed;
  rnc_runner_set_interval_adapt (priv->runner, priv->interval_rate);
  if (rnc_runner_get_delay (priv->runner) > 0
      && priv->emit_mode != GST_RECURRENT_EMIT_FRAME)
    goto delay_needs_frames;
  /* a global forecaster with many streams: stream s is series s (unless
   * the series property names one for all) */
  if (N < 2 || n_series == 0 || priv->series_fixed
      || (priv->output_mode != GST_RECURRENT_OUTPUT_PREDICTION
          && priv->output_mode != GST_RECURRENT_OUTPUT_INTERVAL))
    return TRUE;
  if (N > n_series) {
    g_set_error (&err, RNC_FORECAST_ERROR, RNC_FORECAST_ERROR_INVALID,
        "%" G_GSIZE_FORMAT " streams, but the model holds the scaling of "
        "%" G_GSIZE_FORMAT " series (stream s is series s; set 'series' to "
        "use one for all)", N, n_series);
    goto failed;
  }
  mean = g_new (float, N * D);
  std = g_new (float, N * D);
  ok = rnc_forecast_get_series_scalings (priv->model, 0, N, mean, std,
      &err);
  if (ok && !rnc_runner_set_stream_scaling (priv->runner, mean, std)) {
    g_set_error (&err, RNC_FORECAST_ERROR, RNC_FORECAST_ERROR_INVALID,
        "per-series scaling needs a dense forecaster (input width = output "
        "width)");
    ok = FALSE;
  }
  g_free (mean);
  g_free (std);
  if (ok)
    return TRUE;

  /* ERRORS */
failed:
  /* the contract's wording for a model without calibration */
  if (g_error_matches (err, RNC_RUNNER_ERROR, RNC_RUNNER_ERROR_CALIBRATION)
      && !rnc_model_get_metadata (priv->model, "rnc.residual_quantiles"))
    g_set_error (error, RNC_RUNNER_ERROR, RNC_RUNNER_ERROR_CALIBRATION,
        "model %s has no interval calibration (rnc.residual_quantiles); "
        "train it with rnc-train forecast", priv->model_path);
  else
    g_propagate_error (error, g_steal_pointer (&err));
  g_clear_error (&err);
  g_clear_pointer (&priv->runner, rnc_runner_free);
  return FALSE;
delay_needs_frames:
  g_set_error (error, RNC_RUNNER_ERROR, RNC_RUNNER_ERROR_OUTPUT,
      "the model looks %zu frames ahead (rnc.delay): each frame's output "
      "comes that many frames later, so it runs with emit=frame only",
      rnc_runner_get_delay (priv->runner));
  g_clear_pointer (&priv->runner, rnc_runner_free);
  return FALSE;
}

static void
gst_recurrent_base_default_teardown (GstRecurrentBase * self)
{
  g_clear_pointer (&PRIV (self)->runner, rnc_runner_free);
}

static void
gst_recurrent_base_default_get_output_format (GstRecurrentBase * self,
    gsize * width, gboolean * ids)
{
  GstRecurrentBasePrivate *priv = PRIV (self);

  *width = rnc_runner_get_output_width (priv->runner);
  *ids = rnc_runner_output_is_ids (priv->runner);
}

static void
gst_recurrent_base_default_reset_state (GstRecurrentBase * self)
{
  rnc_runner_reset (PRIV (self)->runner);
}

static gboolean
gst_recurrent_base_default_process (GstRecurrentBase * self,
    const void *frames, gsize n, gpointer out, gsize * n_out, GError ** error)
{
  GstRecurrentBasePrivate *priv = PRIV (self);
  size_t bad = 0, k = 0;

  if (!rnc_runner_process (priv->runner, frames, n, out, &k, &bad)) {
    size_t V = rnc_model_get_config (priv->model)->input_size;
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
gst_recurrent_base_default_last_output (GstRecurrentBase * self, gpointer out)
{
  return rnc_runner_last_output (PRIV (self)->runner, out);
}

static void
gst_recurrent_base_default_reset_one_stream (GstRecurrentBase * self,
    gsize n)
{
  rnc_runner_reset_stream (PRIV (self)->runner, n);
}

static gsize
gst_recurrent_base_default_flush (GstRecurrentBase * self, gpointer out)
{
  size_t n = 0;

  rnc_runner_flush (PRIV (self)->runner, out, &n);
  return n;
}

static gsize
gst_recurrent_base_default_get_delay (GstRecurrentBase * self)
{
  GstRecurrentBasePrivate *priv = PRIV (self);

  return priv->runner ? rnc_runner_get_delay (priv->runner) : 0;
}

/* ---- resets and time ------------------------------------------------------ */

static void
gst_recurrent_base_reset_action (GstRecurrentBase * self)
{
  GST_DEBUG_OBJECT (self, "reset requested");
  g_atomic_int_set (&PRIV (self)->reset_pending, 1);
}

/* Streaming thread: back to the initial state. */
static void
gst_recurrent_base_reset_stream (GstRecurrentBase * self, const char *why)
{
  GstRecurrentBasePrivate *priv = PRIV (self);

  if (!priv->state)
    return;
  GST_DEBUG_OBJECT (self, "resetting the state (%s)", why);
  GST_RECURRENT_BASE_GET_CLASS (self)->reset_state (self);
}

/* Any thread: flags stream @index for a reset by the streaming thread. */
static void
gst_recurrent_base_reset_stream_action (GstRecurrentBase * self, guint index)
{
  GstRecurrentBasePrivate *priv = PRIV (self);
  gsize n;

  GST_OBJECT_LOCK (self);
  n = priv->stream_reset ? priv->n_streams : 0;
  if (index < n) {
    priv->stream_reset[index] = 1;
    g_atomic_int_set (&priv->stream_reset_pending, 1);
  }
  GST_OBJECT_UNLOCK (self);
  if (index >= n)
    GST_ELEMENT_WARNING (self, LIBRARY, SETTINGS,
        ("reset-stream: no stream %u (the element runs %" G_GSIZE_FORMAT
            " streams%s); ignored.", index, n, n ? "" : " while stopped"),
        (NULL));
  else
    GST_DEBUG_OBJECT (self, "reset of stream %u requested", index);
}

/* Streaming thread: resets stream @n (checked by the caller). */
static void
gst_recurrent_base_reset_one (GstRecurrentBase * self, gsize n,
    const char *why)
{
  GST_DEBUG_OBJECT (self, "resetting stream %" G_GSIZE_FORMAT " (%s)", n,
      why);
  GST_RECURRENT_BASE_GET_CLASS (self)->reset_one_stream (self, n);
}

/* Streaming thread: the `stream` field of an rnc/reset event (an int, or
 * an array or list of ints) resets those streams; without one, all. */
static void
gst_recurrent_base_reset_event (GstRecurrentBase * self, GstEvent * event)
{
  GstRecurrentBasePrivate *priv = PRIV (self);
  const GstStructure *st = gst_event_get_structure (event);
  const GValue *v = st ? gst_structure_get_value (st, "stream") : NULL;
  guint i, count = 1;

  if (!v) {
    gst_recurrent_base_reset_stream (self, "rnc/reset event");
    return;
  }
  if (!priv->state)
    return;
  if (GST_VALUE_HOLDS_ARRAY (v))
    count = gst_value_array_get_size (v);
  else if (GST_VALUE_HOLDS_LIST (v))
    count = gst_value_list_get_size (v);
  for (i = 0; i < count; i++) {
    const GValue *e = GST_VALUE_HOLDS_ARRAY (v) ?
        gst_value_array_get_value (v, i) : GST_VALUE_HOLDS_LIST (v) ?
        gst_value_list_get_value (v, i) : v;
    gint64 idx = -1;

    if (G_VALUE_HOLDS_INT (e))
      idx = g_value_get_int (e);
    else if (G_VALUE_HOLDS_UINT (e))
      idx = g_value_get_uint (e);
    else if (G_VALUE_HOLDS_INT64 (e))
      idx = g_value_get_int64 (e);
    else if (G_VALUE_HOLDS_UINT64 (e) && g_value_get_uint64 (e) <= G_MAXINT64)
      idx = (gint64) g_value_get_uint64 (e);
    else {
      gchar *str = gst_value_serialize (e);
      GST_ELEMENT_WARNING (self, STREAM, FAILED,
          ("rnc/reset event: the stream field holds %s (%s), not a stream "
              "index; ignored.", str ? str : "?", G_VALUE_TYPE_NAME (e)),
          (NULL));
      g_free (str);
      continue;
    }
    if (idx < 0 || (guint64) idx >= priv->n_streams) {
      GST_ELEMENT_WARNING (self, STREAM, FAILED,
          ("rnc/reset event: no stream %" G_GINT64_FORMAT " (the element runs "
              "%" G_GSIZE_FORMAT " streams); ignored.", idx, priv->n_streams),
          (NULL));
      continue;
    }
    gst_recurrent_base_reset_one (self, (gsize) idx, "rnc/reset event");
  }
}

static void
gst_recurrent_base_apply_pending_reset (GstRecurrentBase * self)
{
  GstRecurrentBasePrivate *priv = PRIV (self);

  if (g_atomic_int_compare_and_exchange (&priv->reset_pending, 1, 0)) {
    gst_recurrent_base_flush_owed (self, "reset signal");
    gst_recurrent_base_reset_stream (self, "reset signal");
  }
  if (g_atomic_int_compare_and_exchange (&priv->stream_reset_pending, 1, 0)) {
    gsize n = 0;

    /* one flagged stream at a time, reset without the lock */
    for (;;) {
      gboolean hit = FALSE;

      GST_OBJECT_LOCK (self);
      for (; priv->stream_reset && n < priv->n_streams; n++)
        if (priv->stream_reset[n]) {
          priv->stream_reset[n] = 0;
          hit = TRUE;
          break;
        }
      GST_OBJECT_UNLOCK (self);
      if (!hit)
        break;
      gst_recurrent_base_reset_one (self, n++, "reset-stream signal");
    }
  }
}

/* Frame counting restarts: the next buffer anchors the time of frame 0. */
static void
gst_recurrent_base_reset_timing (GstRecurrentBase * self)
{
  GstRecurrentBasePrivate *priv = PRIV (self);

  priv->have_t0 = FALSE;
  priv->n_frames = 0;
  priv->need_discont = TRUE;
}

static guint
gst_recurrent_base_get_reset_on (GstRecurrentBase * self)
{
  guint flags;

  GST_OBJECT_LOCK (self);
  flags = PRIV (self)->reset_on;
  GST_OBJECT_UNLOCK (self);
  return flags;
}

/* Time of input frame @index (periodic input only). */
static GstClockTime
gst_recurrent_base_frame_time (GstRecurrentBase * self, guint64 index)
{
  GstRecurrentBasePrivate *priv = PRIV (self);

  return priv->t0 + gst_util_uint64_scale (index,
      (guint64) priv->fps_d * GST_SECOND, (guint64) priv->fps_n);
}

/* ---- start / stop --------------------------------------------------------- */

/* Tears down what gst_recurrent_base_build_streams() made. */
static void
gst_recurrent_base_free_streams (GstRecurrentBase * self)
{
  GstRecurrentBasePrivate *priv = PRIV (self);

  if (priv->state)
    GST_RECURRENT_BASE_GET_CLASS (self)->teardown (self);
  g_clear_pointer (&priv->resume_file, rnc_state_file_free);
  g_clear_pointer (&priv->state, rnc_state_free);
  g_clear_pointer (&priv->in_buf, g_free);
  GST_OBJECT_LOCK (self);
  g_clear_pointer (&priv->stream_reset, g_free);
  GST_OBJECT_UNLOCK (self);
}

/* The state of @N streams (a batch of N) with its initial state, the
 * subclass's setup, the frame sizes and chunk, and the input scratch: in
 * start(), and again in set_caps() when streams=0 finds another N. Posts
 * an element error and frees what it made on failure. */
static gboolean
gst_recurrent_base_build_streams (GstRecurrentBase * self, gsize N)
{
  GstRecurrentBaseClass *klass = GST_RECURRENT_BASE_GET_CLASS (self);
  GstRecurrentBasePrivate *priv = PRIV (self);
  const RncModelConfig *cfg = rnc_model_get_config (priv->model);
  GError *err = NULL;
  gsize out_width = 0, widest, D = rnc_model_get_frame_width (priv->model);
  gboolean out_ids = FALSE;
  guint n_threads;

  priv->in_frame_bytes = N * D * 4;
  widest = N * MAX (MAX (D, cfg->hidden_size), cfg->output_size);
  priv->chunk = CLAMP (CHUNK_BYTES / (widest * 4), 1, CHUNK_MAX_FRAMES);
  /* many streams run one frame of all of them at a time */
  priv->state = rnc_state_new (priv->model, N, N == 1 ? priv->chunk : 1);
  /* before setup(): generate's rollout state shares this helper thread */
  n_threads = rnc_state_set_threads (priv->state, priv->threads_mode);

  g_clear_pointer (&priv->resume_file, rnc_state_file_free);
  switch (priv->initial_mode) {
    case GST_RECURRENT_INITIAL_STATE_ONES:
      rnc_state_set_init (priv->state, RNC_INIT_ONES);
      break;
    case GST_RECURRENT_INITIAL_STATE_FILE:
      if (!priv->state_path || priv->state_path[0] == '\0')
        goto no_state_path;
      if (priv->streams_mode == 0 && !priv->streams_known) {
        /* streams=0: the file holds N streams, known with the caps; the
         * state is built again then (gst_recurrent_base_set_streams) */
        rnc_state_set_init (priv->state, RNC_INIT_ZEROS);
        break;
      }
      if (!priv->resume_mode) {
        if (!rnc_state_load_initial (priv->state, priv->state_path, &err))
          goto state_failed;
        break;
      }
      /* resume: resets restore what they restored in the run that wrote
       * the file; its values are installed once the frames it covers are
       * dropped (gst_recurrent_base_skip_resumed) */
      priv->resume_file = rnc_state_file_load (priv->state, priv->state_path,
          &err);
      if (!priv->resume_file)
        goto state_failed;
      if (!rnc_state_file_get_position (priv->resume_file,
              &priv->resume_position))
        goto no_position;
      rnc_state_file_apply_initial (priv->resume_file, priv->state);
      break;
    case GST_RECURRENT_INITIAL_STATE_ZEROS:
    default:
      rnc_state_set_init (priv->state, RNC_INIT_ZEROS);
      break;
  }
  rnc_state_reset (priv->state);

  if (!klass->setup (self, &err))
    goto setup_failed;
  if (priv->resume_file) {
    /* with a window of T frames every output comes from the last T frames
     * run from the initial state: run the T-1 frames before the position
     * again instead of installing h/c */
    guint64 refeed = priv->window_frames > 0 ?
        MIN (priv->resume_position, (guint64) priv->window_frames - 1) : 0;
    priv->skip_left = priv->resume_position - refeed;
    priv->resume_values = priv->window_frames == 0;
    GST_INFO_OBJECT (self, "resuming from %s at frame %" G_GUINT64_FORMAT
        " (%" G_GUINT64_FORMAT " input frames dropped first)",
        priv->state_path, priv->resume_position, priv->skip_left);
  }
  klass->get_output_format (self, &out_width, &out_ids);
  priv->out_frame_bytes = out_width * 4;
  /* an output frame wider than the model's (generate's horizon) caps the
   * frames per buffer too */
  priv->chunk = MIN (priv->chunk, MAX (1, CHUNK_BYTES /
          priv->out_frame_bytes));
  /* a flush writes the outputs of the last `delay` frames in one buffer */
  priv->delay = klass->get_delay ? klass->get_delay (self) : 0;
  priv->chunk = MAX (priv->chunk, priv->delay);
  priv->in_buf = g_malloc (priv->chunk * priv->in_frame_bytes);
  priv->chunk_full = priv->chunk;

  GST_OBJECT_LOCK (self);
  priv->n_streams = N;
  priv->stream_reset = g_new0 (guint8, N);
  priv->out_width = out_width / N;
  priv->out_ids = out_ids;
  GST_OBJECT_UNLOCK (self);
  g_atomic_int_set (&priv->stream_reset_pending, 0);

  GST_INFO_OBJECT (self, "%" G_GSIZE_FORMAT " stream(s): frames of %"
      G_GSIZE_FORMAT " values in, %" G_GSIZE_FORMAT " out, chunk %"
      G_GSIZE_FORMAT ", %u thread(s)%s", N, N * D, out_width, priv->chunk,
      n_threads, rnc_state_get_threads_auto (priv->state) ? " (auto)" : "");
  return TRUE;

  /* ERRORS */
no_state_path:
  GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND,
      ("initial-state=file needs a state file: set 'state-location'."),
      (NULL));
  goto free_state;
state_failed:
  GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ,
      ("Could not load state file \"%s\" for model \"%s\".",
          priv->state_path, priv->model_path), ("%s", err->message));
  g_clear_error (&err);
  goto free_state;
no_position:
  GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ,
      ("Cannot resume from state file \"%s\": it records no position "
          "(rnc.position); it was not written by a checkpoint.",
          priv->state_path), (NULL));
  goto free_state;
setup_failed:
  GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
      ("Model \"%s\" cannot be run as configured: %s", priv->model_path,
          err->message), (NULL));
  g_clear_error (&err);
  goto free_state;
free_state:
  g_clear_pointer (&priv->resume_file, rnc_state_file_free);
  g_clear_pointer (&priv->state, rnc_state_free);
  return FALSE;
}

static gboolean
gst_recurrent_base_start (GstBaseTransform * trans)
{
  GstRecurrentBase *self = GST_RECURRENT_BASE (trans);
  GstRecurrentBaseClass *klass = GST_RECURRENT_BASE_GET_CLASS (self);
  GstRecurrentBasePrivate *priv = PRIV (self);
  const RncModelConfig *cfg;
  GError *err = NULL;
  const gchar *factory;
  gint window;
  gchar *series;
  gsize series_index = 0;

  GST_OBJECT_LOCK (self);
  series = g_strdup (priv->series);
  g_free (priv->model_path);
  g_free (priv->state_path);
  priv->model_path = g_strdup (priv->model_location);
  priv->state_path = g_strdup (priv->state_location);
  priv->initial_mode = priv->initial_state;
  priv->output_mode = priv->output;
  priv->emit_mode = priv->emit;
  priv->interval_level = priv->interval;
  priv->interval_rate = priv->interval_adapt;
  window = priv->window;
  priv->threads_mode = priv->threads;
  priv->streams_mode = priv->streams;
  priv->ckpt_every = priv->checkpoint_frames;
  priv->resume_mode = priv->resume;
  GST_OBJECT_UNLOCK (self);

  factory = gst_element_get_factory (GST_ELEMENT (self)) ?
      GST_OBJECT_NAME (gst_element_get_factory (GST_ELEMENT (self))) :
      G_OBJECT_TYPE_NAME (self);

  if (!priv->model_path || priv->model_path[0] == '\0')
    goto no_model;
  if (priv->resume_mode
      && priv->initial_mode != GST_RECURRENT_INITIAL_STATE_FILE)
    goto resume_without_file;
  priv->model = rnc_model_load (priv->model_path, &err);
  if (!priv->model)
    goto load_failed;
  /* a global forecaster: this stream's series' scaling */
  if (!rnc_forecast_check_series (priv->model, &err))
    goto series_metadata_failed;
  if (series && series[0] != '\0'
      && (!rnc_forecast_find_series (priv->model, series, &series_index, &err)
          || !rnc_forecast_select_series (priv->model, series_index, &err)))
    goto series_failed;
  priv->series_fixed = series && series[0] != '\0';
  g_clear_pointer (&series, g_free);
  cfg = rnc_model_get_config (priv->model);
  if (!klass->any_cell && cfg->cell != klass->cell)
    goto wrong_cell;

  priv->window_frames = window < 0 ? rnc_model_get_window (priv->model) :
      (gsize) window;
  /* streams=0: one stream until the caps say how many */
  priv->streams_known = FALSE;
  if (!gst_recurrent_base_build_streams (self, MAX (priv->streams_mode, 1)))
    goto build_failed;

  gst_recurrent_base_clear_input (self);
  gst_recurrent_base_reset_timing (self);
  priv->fps_n = 0;
  priv->fps_d = 1;
  priv->dirty = FALSE;
  priv->failed = FALSE;
  priv->position = 0;
  priv->next_ckpt = priv->ckpt_every;
  priv->ckpt_failing = FALSE;
  priv->last_pts = priv->last_duration = GST_CLOCK_TIME_NONE;
  g_atomic_int_set (&priv->reset_pending, 0);

  GST_OBJECT_LOCK (self);
  priv->in_width = rnc_model_get_frame_width (priv->model);
  priv->in_ids = cfg->input == RNC_INPUT_INDEX;
  priv->ready = TRUE;
  GST_OBJECT_UNLOCK (self);

  if (priv->ckpt_every > 0 && (!priv->state_path
          || priv->state_path[0] == '\0'))
    GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS,
        ("checkpoint-frames is set but state-location is not: no "
            "checkpoints will be written."), (NULL));
  GST_INFO_OBJECT (self, "model %s: %s, %s input of width %" G_GSIZE_FORMAT
      ", H=%zu, L=%zu, head %s; output width %" G_GSIZE_FORMAT "%s per "
      "stream, window %" G_GSIZE_FORMAT ", streams %u", priv->model_path,
      rnc_cell_to_string (cfg->cell), rnc_input_to_string (cfg->input),
      priv->in_width, cfg->hidden_size, cfg->num_layers,
      rnc_head_to_string (cfg->head), priv->out_width,
      priv->out_ids ? " (ids)" : "", priv->window_frames, priv->streams_mode);
  return TRUE;

  /* ERRORS */
no_model:
  g_free (series);
  GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND,
      ("No model file given: set the 'model' property of %s.", factory),
      (NULL));
  return FALSE;
series_metadata_failed:
  GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
      ("Model \"%s\" is not usable: %s", priv->model_path, err->message),
      (NULL));
  g_clear_error (&err);
  g_free (series);
  g_clear_pointer (&priv->model, rnc_model_free);
  return FALSE;
series_failed:
  GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
      ("Model \"%s\" cannot serve series '%s': %s", priv->model_path,
          series, err->message), (NULL));
  g_clear_error (&err);
  g_free (series);
  g_clear_pointer (&priv->model, rnc_model_free);
  return FALSE;
resume_without_file:
  g_free (series);
  GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
      ("resume=true needs initial-state=file and a 'state-location' to "
          "resume from."), (NULL));
  return FALSE;
load_failed:
  g_free (series);
  GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ,
      ("Could not load model \"%s\".", priv->model_path),
      ("%s", err->message));
  g_clear_error (&err);
  return FALSE;
wrong_cell:
  GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
      ("Model \"%s\" is an %s model, but %s runs %s models; use the %s "
          "element.", priv->model_path, rnc_cell_to_string (cfg->cell),
          factory, rnc_cell_to_string (klass->cell),
          rnc_cell_to_string (cfg->cell)), (NULL));
  g_clear_pointer (&priv->model, rnc_model_free);
  return FALSE;
build_failed:
  g_clear_pointer (&priv->model, rnc_model_free);
  return FALSE;
}

typedef enum
{
  SAVE_CHECKPOINT,              /* periodic: a failure is a warning */
  SAVE_EOS,                     /* a failure is an error: the final state is lost */
  SAVE_STOP,                    /* a failure is a warning: the pipeline is going down */
} SaveKind;

/* Writes the state file with the position (atomically: a failure keeps
 * the previous file). Streaming thread, or stop(). */
static gboolean
gst_recurrent_base_save_state (GstRecurrentBase * self, SaveKind kind)
{
  GstRecurrentBasePrivate *priv = PRIV (self);
  GError *err = NULL;

  if (!priv->state || !priv->state_path || priv->state_path[0] == '\0'
      || !priv->dirty)
    return TRUE;
  /* with output=interval, the online calibration is part of the state */
  if (!rnc_state_save_track_at (priv->state, priv->position,
          priv->runner ? rnc_runner_peek_track (priv->runner) : NULL,
          priv->runner ? rnc_runner_get_track_width (priv->runner) : 0,
          priv->state_path, &err)) {
    if (kind == SAVE_EOS)
      GST_ELEMENT_ERROR (self, RESOURCE, WRITE,
          ("Could not save the state to \"%s\"; the previous file is kept.",
              priv->state_path), ("%s", err->message));
    else if (kind == SAVE_STOP || !priv->ckpt_failing)
      GST_ELEMENT_WARNING (self, RESOURCE, WRITE,
          ("Could not save the state to \"%s\"%s; the previous file is "
              "kept.", priv->state_path, kind == SAVE_CHECKPOINT ?
              " (checkpoint)" : ""), ("%s", err->message));
    else
      GST_WARNING_OBJECT (self, "checkpoint at frame %" G_GUINT64_FORMAT
          " failed again: %s", priv->position, err->message);
    if (kind == SAVE_CHECKPOINT)
      priv->ckpt_failing = TRUE;
    g_clear_error (&err);
    return FALSE;
  }
  if (priv->ckpt_failing)
    GST_INFO_OBJECT (self, "checkpoints to %s work again", priv->state_path);
  GST_DEBUG_OBJECT (self, "state at frame %" G_GUINT64_FORMAT " saved to %s",
      priv->position, priv->state_path);
  priv->ckpt_failing = FALSE;
  priv->dirty = FALSE;
  return TRUE;
}

/* Streaming thread, between buffers (the outputs of the frames before
 * position were pushed): writes a checkpoint when one is due. */
static inline void
gst_recurrent_base_maybe_checkpoint (GstRecurrentBase * self)
{
  GstRecurrentBasePrivate *priv = PRIV (self);

  if (G_LIKELY (priv->ckpt_every == 0 || priv->position < priv->next_ckpt
          || !priv->dirty))
    return;
  gst_recurrent_base_save_state (self, SAVE_CHECKPOINT);
  /* a failed write is retried at the next multiple, not every buffer */
  priv->next_ckpt = (priv->position / priv->ckpt_every + 1) *
      priv->ckpt_every;
  if (priv->next_ckpt <= priv->position)        /* overflow */
    priv->next_ckpt = G_MAXUINT64;
}

static gboolean
gst_recurrent_base_stop (GstBaseTransform * trans)
{
  GstRecurrentBase *self = GST_RECURRENT_BASE (trans);
  GstRecurrentBasePrivate *priv = PRIV (self);

  gst_recurrent_base_save_state (self, SAVE_STOP);

  GST_OBJECT_LOCK (self);
  priv->ready = FALSE;
  priv->own_latency = 0;
  GST_OBJECT_UNLOCK (self);
  priv->delay = 0;

  gst_recurrent_base_free_streams (self);
  g_clear_pointer (&priv->model, rnc_model_free);
  gst_caps_replace (&priv->rejected_caps, NULL);
  gst_recurrent_base_clear_input (self);
  gst_clear_object (&priv->pool);
  return TRUE;
}

/* ---- caps ------------------------------------------------------------------ */

/* Appends an other/x-frames structure; @width 0 means any, @framerate NULL
 * any. */
static void
append_frames (GstCaps * caps, const gchar * format, gsize width,
    const GValue * framerate)
{
  GstStructure *s = gst_structure_new ("other/x-frames",
      "format", G_TYPE_STRING, format, NULL);

  if (width > 0)
    gst_structure_set (s, "width", G_TYPE_INT, (gint) width, NULL);
  else
    gst_structure_set (s, "width", GST_TYPE_INT_RANGE, 1, G_MAXINT, NULL);
  if (framerate)
    gst_structure_set_value (s, "framerate", framerate);
  else
    gst_structure_set (s, "framerate", GST_TYPE_FRACTION_RANGE, 0, 1,
        G_MAXINT, 1, NULL);
  gst_caps_append_structure (caps, s);
}

/* Appends an audio/x-raw structure for a frame rate @framerate (NULL any);
 * nothing when the rate cannot be an audio rate (0/1). */
static void
append_audio (GstCaps * caps, gsize channels, const GValue * framerate)
{
  GstStructure *s;

  if (framerate && GST_VALUE_HOLDS_FRACTION (framerate)
      && (gst_value_get_fraction_numerator (framerate) <= 0
          || gst_value_get_fraction_denominator (framerate) != 1))
    return;
  s = gst_structure_new ("audio/x-raw", "format", G_TYPE_STRING, "F32LE",
      "layout", G_TYPE_STRING, "interleaved", NULL);
  if (channels > 0)
    gst_structure_set (s, "channels", G_TYPE_INT, (gint) channels, NULL);
  else
    gst_structure_set (s, "channels", GST_TYPE_INT_RANGE, 1, G_MAXINT, NULL);
  if (framerate && GST_VALUE_HOLDS_FRACTION (framerate))
    gst_structure_set (s, "rate", G_TYPE_INT,
        gst_value_get_fraction_numerator (framerate), NULL);
  else
    gst_structure_set (s, "rate", GST_TYPE_INT_RANGE, 1, G_MAXINT, NULL);
  gst_caps_append_structure (caps, s);
}

/* (transfer full) @res with the other/tensors equivalent of each
 * other/x-frames structure: first when @caps (the other side) prefers
 * other/tensors (its first structure), after the x-frames otherwise.
 * Takes @res. */
static GstCaps *
gst_recurrent_base_add_tensors (GstCaps * res, GstCaps * caps)
{
  gboolean tensors = !gst_caps_is_any (caps) && !gst_caps_is_empty (caps)
      && gst_recurrent_tensors_is (gst_caps_get_structure (caps, 0));

  return gst_recurrent_tensors_add_equivalents (res, tensors);
}

/* The streams N that caps structure @s (NULL: any) holds: the streams
 * property when set, else its fixed width (or channels) over @per_stream
 * values when that divides; 0 when unknown. */
static gsize
gst_recurrent_base_caps_streams (guint streams, const GstStructure * s,
    gsize per_stream)
{
  gint width = 0;

  if (streams > 0)
    return streams;
  if (!s || per_stream == 0)
    return 0;
  if (!gst_structure_get_int (s, "width", &width)
      && !gst_structure_get_int (s, "channels", &width)
      && !gst_recurrent_tensors_get_width (s, &width))
    return 0;
  if (width <= 0 || (gsize) width % per_stream != 0)
    return 0;
  return (gsize) width / per_stream;
}

static GstCaps *
gst_recurrent_base_transform_caps (GstBaseTransform * trans,
    GstPadDirection direction, GstCaps * caps, GstCaps * filter)
{
  GstRecurrentBase *self = GST_RECURRENT_BASE (trans);
  GstRecurrentBasePrivate *priv = PRIV (self);
  GstCaps *res = gst_caps_new_empty ();
  gboolean ready, in_ids, out_ids, per_frame;
  gsize in_width, out_width;
  guint i, n, streams;

  GST_OBJECT_LOCK (self);
  ready = priv->ready;
  in_width = priv->in_width;
  in_ids = priv->in_ids;
  out_width = priv->out_width;
  out_ids = priv->out_ids;
  per_frame = priv->emit == GST_RECURRENT_EMIT_FRAME;
  streams = priv->streams;
  GST_OBJECT_UNLOCK (self);

  n = gst_caps_is_any (caps) ? 1 : gst_caps_get_size (caps);
  for (i = 0; i < n; i++) {
    GstStructure *s = gst_caps_is_any (caps) ? NULL :
        gst_caps_get_structure (caps, i);
    GValue rate = G_VALUE_INIT;
    const GValue *fr = NULL;

    if (s && gst_structure_has_name (s, "audio/x-raw")) {
      const GValue *r = gst_structure_get_value (s, "rate");
      if (r && G_VALUE_HOLDS_INT (r)) {
        g_value_init (&rate, GST_TYPE_FRACTION);
        gst_value_set_fraction (&rate, g_value_get_int (r), 1);
        fr = &rate;
      }
    } else if (s) {
      fr = gst_structure_get_value (s, "framerate");
    }

    if (direction == GST_PAD_SINK) {
      /* input -> output frames */
      GValue zero = G_VALUE_INIT;
      g_value_init (&zero, GST_TYPE_FRACTION);
      gst_value_set_fraction (&zero, 0, 1);
      if (!per_frame || (s && gst_structure_has_name (s, "other/x-frames")
              && !fr))
        fr = &zero;
      if (ready) {
        /* N streams in: N outputs side by side (any width while N is not
         * known, so that set_caps can say what is wrong) */
        gsize N = gst_recurrent_base_caps_streams (streams, s, in_width);
        append_frames (res, out_ids ? "S32LE" : "F32LE", N * out_width, fr);
      } else {
        append_frames (res, "F32LE", 0, fr);
        append_frames (res, "S32LE", 0, fr);
      }
      g_value_unset (&zero);
    } else {
      /* output -> inputs that give it; the model's own kind and width
       * first, then any width so that a mismatch reaches set_caps and gets
       * a clear error instead of a bare not-negotiated */
      gsize N = ready ? gst_recurrent_base_caps_streams (streams, s,
          out_width) : 0;
      if (!per_frame)
        fr = NULL;
      if (ready && in_ids && N > 0) {
        append_frames (res, "S32LE", N, fr);
      } else if (ready && N > 0) {
        append_frames (res, "F32LE", N * in_width, fr);
        append_audio (res, N * in_width, fr);
      }
      append_frames (res, "F32LE", 0, fr);
      append_frames (res, "S32LE", 0, fr);
      append_audio (res, 0, fr);
      /* upstream may leave the framerate out: absent means 0/1 */
      if (!fr || (GST_VALUE_HOLDS_FRACTION (fr)
              && gst_value_get_fraction_numerator (fr) == 0)) {
        GstCaps *extra = gst_caps_new_empty ();
        guint j;
        for (j = 0; j < gst_caps_get_size (res); j++) {
          GstStructure *c = gst_caps_get_structure (res, j);
          if (gst_structure_has_name (c, "other/x-frames")) {
            GstStructure *copy = gst_structure_copy (c);
            gst_structure_remove_field (copy, "framerate");
            gst_caps_append_structure (extra, copy);
          }
        }
        gst_caps_append (res, extra);
      }
    }
    if (G_IS_VALUE (&rate))
      g_value_unset (&rate);
  }
  res = gst_recurrent_base_add_tensors (res, caps);

  if (filter) {
    GstCaps *tmp = gst_caps_intersect_full (filter, res,
        GST_CAPS_INTERSECT_FIRST);
    gst_caps_unref (res);
    res = tmp;
  }
  GST_LOG_OBJECT (self, "%s %" GST_PTR_FORMAT " -> %" GST_PTR_FORMAT,
      direction == GST_PAD_SINK ? "sink" : "src", caps, res);
  return res;
}

/* other/tensors output: one frame per buffer (NNStreamer's rule), so
 * frames are processed and pushed one at a time; other/x-frames: chunks. */
static void
gst_recurrent_base_set_output_tensors (GstRecurrentBase * self,
    GstCaps * outcaps)
{
  GstRecurrentBasePrivate *priv = PRIV (self);

  priv->out_tensors = outcaps && gst_caps_get_size (outcaps) > 0
      && gst_recurrent_tensors_is (gst_caps_get_structure (outcaps, 0));
  priv->chunk = priv->out_tensors ? 1 : priv->chunk_full;
}

/* set_caps: the input's @width values per frame hold N streams of the
 * model's width D: N must be the streams property, or any whole N with
 * streams=0 (the state is built again for a new N). FALSE after posting a
 * not-negotiated error naming the widths. */
static gboolean
gst_recurrent_base_set_streams (GstRecurrentBase * self, GstCaps * incaps,
    gboolean audio, gint width)
{
  GstRecurrentBasePrivate *priv = PRIV (self);
  gsize D = priv->in_width, N;
  const gchar *what = audio ? "audio has channels =" : "frames have width";

  if (width <= 0)
    goto wrong_width;
  if (priv->streams_mode == 1 && (gsize) width != D)
    goto wrong_width;
  if ((gsize) width % D != 0)
    goto not_multiple;
  N = (gsize) width / D;
  if (priv->streams_mode > 0 && N != priv->streams_mode)
    goto wrong_streams;
  if (N > MAX_STREAMS)
    goto too_many;
  /* streams=0 with initial-state=file: the file is read now that N is
   * known, even when N is the 1 the state was built for */
  if (N != priv->n_streams || (!priv->streams_known
          && priv->streams_mode == 0
          && priv->initial_mode == GST_RECURRENT_INITIAL_STATE_FILE)) {
    GST_INFO_OBJECT (self, "input of width %d: %" G_GSIZE_FORMAT " streams",
        width, N);
    priv->streams_known = TRUE;
    gst_recurrent_base_clear_input (self);
    gst_recurrent_base_free_streams (self);
    if (!gst_recurrent_base_build_streams (self, N)) {
      priv->failed = TRUE;
      return FALSE;
    }
  }
  priv->streams_known = TRUE;
  return TRUE;

  /* ERRORS */
wrong_width:
  gst_caps_replace (&priv->rejected_caps, incaps);
  GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
      ("Input %s %d, but model \"%s\" expects frames of width %"
          G_GSIZE_FORMAT ".", what, width, priv->model_path, D),
      ("input caps %" GST_PTR_FORMAT, incaps));
  return FALSE;
not_multiple:
  gst_caps_replace (&priv->rejected_caps, incaps);
  GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
      ("Input %s %d, which is not a multiple of the width %" G_GSIZE_FORMAT
          " of model \"%s\": streams=%u needs N streams of %" G_GSIZE_FORMAT
          " values side by side.", what, width, D, priv->model_path,
          priv->streams_mode, D), ("input caps %" GST_PTR_FORMAT, incaps));
  return FALSE;
wrong_streams:
  gst_caps_replace (&priv->rejected_caps, incaps);
  GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
      ("Input %s %d, but streams=%u of model \"%s\" (width %" G_GSIZE_FORMAT
          ") need frames of width %" G_GSIZE_FORMAT " (%" G_GSIZE_FORMAT
          " streams in this input; streams=0 takes them all).", what, width,
          priv->streams_mode, priv->model_path, D, priv->streams_mode * D, N),
      ("input caps %" GST_PTR_FORMAT, incaps));
  return FALSE;
too_many:
  gst_caps_replace (&priv->rejected_caps, incaps);
  GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
      ("Input %s %d: %" G_GSIZE_FORMAT " streams of model \"%s\", more than "
          "the %u an element runs.", what, width, N, priv->model_path,
          MAX_STREAMS), ("input caps %" GST_PTR_FORMAT, incaps));
  return FALSE;
}

static gboolean
gst_recurrent_base_set_caps (GstBaseTransform * trans, GstCaps * incaps,
    GstCaps * outcaps)
{
  GstRecurrentBase *self = GST_RECURRENT_BASE (trans);
  GstRecurrentBasePrivate *priv = PRIV (self);
  GstStructure *s = gst_caps_get_structure (incaps, 0);
  gboolean audio = gst_structure_has_name (s, "audio/x-raw");
  const gchar *format = gst_structure_get_string (s, "format");
  gboolean ids = !audio && g_strcmp0 (format, "S32LE") == 0;
  gint width = 0, fps_n = 0, fps_d = 1, rate = 0;

  if (!priv->model)
    return FALSE;
  /* the base class retries negotiation on every buffer: one error is enough */
  if (priv->rejected_caps && gst_caps_is_equal (incaps, priv->rejected_caps))
    return FALSE;
  if (gst_recurrent_tensors_is (s)) {
    if (!gst_recurrent_tensors_parse (s, &ids, &width, &fps_n, &fps_d))
      goto bad_caps;
  } else if (audio) {
    if (!gst_structure_get_int (s, "channels", &width)
        || !gst_structure_get_int (s, "rate", &rate) || rate <= 0)
      goto bad_caps;
    fps_n = rate;
  } else {
    if (!gst_structure_get_int (s, "width", &width))
      goto bad_caps;
    if (gst_structure_has_field (s, "framerate")
        && !gst_structure_get_fraction (s, "framerate", &fps_n, &fps_d))
      goto bad_caps;
  }

  if (priv->in_ids && !ids)
    goto want_ids;
  if (!priv->in_ids && ids)
    goto want_dense;
  if (!gst_recurrent_base_set_streams (self, incaps, audio, width))
    return FALSE;

  if (fps_n <= 0 || fps_d <= 0) {
    fps_n = 0;
    fps_d = 1;
  }
  if (fps_n != priv->fps_n || fps_d != priv->fps_d) {
    priv->fps_n = fps_n;
    priv->fps_d = fps_d;
    gst_recurrent_base_reset_timing (self);
  }
  gst_recurrent_base_set_output_tensors (self, outcaps);
  GST_OBJECT_LOCK (self);
  priv->own_latency = priv->delay > 0 && fps_n > 0 ?
      gst_util_uint64_scale (priv->delay, (guint64) fps_d * GST_SECOND,
      (guint64) fps_n) : 0;
  GST_OBJECT_UNLOCK (self);
  gst_caps_replace (&priv->rejected_caps, NULL);
  GST_DEBUG_OBJECT (self, "in %" GST_PTR_FORMAT ", out %" GST_PTR_FORMAT,
      incaps, outcaps);
  return TRUE;

  /* ERRORS */
bad_caps:
  gst_caps_replace (&priv->rejected_caps, incaps);
  GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, (NULL),
      ("invalid input caps %" GST_PTR_FORMAT, incaps));
  return FALSE;
want_ids:
  gst_caps_replace (&priv->rejected_caps, incaps);
  GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
      ("Input is %s, but model \"%s\" takes token ids "
          "(other/x-frames, format=S32LE, width=1).",
          audio ? "audio" : "F32LE frames", priv->model_path),
      ("input caps %" GST_PTR_FORMAT, incaps));
  return FALSE;
want_dense:
  gst_caps_replace (&priv->rejected_caps, incaps);
  GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
      ("Input is token ids (S32LE), but model \"%s\" takes F32LE frames of "
          "width %" G_GSIZE_FORMAT ".", priv->model_path, priv->in_width),
      ("input caps %" GST_PTR_FORMAT, incaps));
  return FALSE;
}

static gboolean
gst_recurrent_base_decide_allocation (GstBaseTransform * trans,
    GstQuery * query)
{
  GstRecurrentBase *self = GST_RECURRENT_BASE (trans);
  GstRecurrentBasePrivate *priv = PRIV (self);
  GstBufferPool *pool;
  GstStructure *config;
  GstCaps *caps = NULL;
  GstAllocator *allocator = NULL;
  GstAllocationParams params;
  guint size = (guint) (priv->chunk * priv->out_frame_bytes);

  gst_query_parse_allocation (query, &caps, NULL);
  if (gst_query_get_n_allocation_params (query) > 0) {
    gst_query_parse_nth_allocation_param (query, 0, &allocator, &params);
  } else {
    gst_allocation_params_init (&params);
    gst_query_add_allocation_param (query, NULL, &params);
  }

  /* our own pool of chunk-sized buffers: outputs vary in size, so a
   * downstream pool of another size would not do */
  pool = gst_buffer_pool_new ();
  config = gst_buffer_pool_get_config (pool);
  gst_buffer_pool_config_set_params (config, caps, size, 2, 0);
  gst_buffer_pool_config_set_allocator (config, allocator, &params);
  if (!gst_buffer_pool_set_config (pool, config)) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, (NULL),
        ("could not configure a buffer pool of %u bytes", size));
    gst_object_unref (pool);
    if (allocator)
      gst_object_unref (allocator);
    return FALSE;
  }
  while (gst_query_get_n_allocation_pools (query) > 0)
    gst_query_remove_nth_allocation_pool (query, 0);
  gst_query_add_allocation_pool (query, pool, size, 2, 0);
  /* the base class keeps this pool (the query's first) for us; a reference
   * of our own spares a locked lookup per output buffer */
  gst_object_replace ((GstObject **) & priv->pool, (GstObject *) pool);
  priv->pool_active = FALSE;
  gst_object_unref (pool);
  if (allocator)
    gst_object_unref (allocator);
  return TRUE;
}

/* ---- data flow ------------------------------------------------------------- */

/* Activates the output pool if needed. */
static gboolean
gst_recurrent_base_activate_pool (GstRecurrentBase * self)
{
  GstRecurrentBasePrivate *priv = PRIV (self);

  if (!gst_buffer_pool_is_active (priv->pool)
      && !gst_buffer_pool_set_active (priv->pool, TRUE)) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, (NULL),
        ("failed to activate the buffer pool"));
    return FALSE;
  }
  priv->pool_active = TRUE;
  return TRUE;
}

/* An output buffer for up to @frames frames (from the pool when there is
 * one). */
static GstFlowReturn
gst_recurrent_base_alloc_output (GstRecurrentBase * self, gsize frames,
    GstBuffer ** buf)
{
  GstRecurrentBasePrivate *priv = PRIV (self);
  GstFlowReturn ret = GST_FLOW_OK;

  *buf = NULL;
  if (priv->pool) {
    if (!priv->pool_active && !gst_recurrent_base_activate_pool (self))
      return GST_FLOW_ERROR;
    ret = gst_buffer_pool_acquire_buffer (priv->pool, buf, NULL);
    /* the base class deactivated it (a new allocation is coming) */
    if (ret == GST_FLOW_FLUSHING && !gst_buffer_pool_is_active (priv->pool)
        && gst_recurrent_base_activate_pool (self))
      ret = gst_buffer_pool_acquire_buffer (priv->pool, buf, NULL);
  } else {
    *buf = gst_buffer_new_allocate (NULL, frames * priv->out_frame_bytes,
        NULL);
  }
  return ret;
}

/* Posts the error of a failed process() call. */
static GstFlowReturn
gst_recurrent_base_process_failed (GstRecurrentBase * self, GError * err)
{
  GstRecurrentBasePrivate *priv = PRIV (self);

  GST_ELEMENT_ERROR (self, STREAM, DECODE,
      ("Invalid input for model \"%s\": %s", priv->model_path, err->message),
      (NULL));
  g_error_free (err);
  priv->failed = TRUE;
  return GST_FLOW_ERROR;
}

/* ---- input: the direct buffer, else the adapter ----------------------------
 * Frames are consumed in order: the direct buffer, when set, holds the next
 * frames and the adapter is empty. */

static void
gst_recurrent_base_release_direct (GstRecurrentBase * self)
{
  GstRecurrentBasePrivate *priv = PRIV (self);

  if (!priv->direct)
    return;
  gst_buffer_unmap (priv->direct, &priv->direct_map);
  gst_buffer_unref (priv->direct);
  priv->direct = NULL;
  priv->direct_off = 0;
}

/* Drops all pending input. */
static void
gst_recurrent_base_clear_input (GstRecurrentBase * self)
{
  gst_recurrent_base_release_direct (self);
  gst_adapter_clear (PRIV (self)->adapter);
}

/* Takes @buf (transfer full) as the next input. */
static void
gst_recurrent_base_queue_input (GstRecurrentBase * self, GstBuffer * buf)
{
  GstRecurrentBasePrivate *priv = PRIV (self);
  gsize size = gst_buffer_get_size (buf);

  if (priv->direct) {
    /* frames left over (a push failed): they go first, through the adapter
     * (the copy shares the memory; its time is kept only when nothing of it
     * was consumed) */
    gst_adapter_push (priv->adapter, gst_buffer_copy_region (priv->direct,
            GST_BUFFER_COPY_METADATA | GST_BUFFER_COPY_MEMORY,
            priv->direct_off, priv->direct_map.size - priv->direct_off));
    gst_recurrent_base_release_direct (self);
  }
  /* whole frames in one memory with nothing pending: read in place (frames
   * are handed to process() aligned to 4 bytes at least) */
  if (size > 0 && size % priv->in_frame_bytes == 0
      && gst_adapter_available (priv->adapter) == 0
      && gst_buffer_n_memory (buf) == 1
      && gst_buffer_map (buf, &priv->direct_map, GST_MAP_READ)) {
    if (((guintptr) priv->direct_map.data & 3) == 0) {
      priv->direct = buf;
      priv->direct_off = 0;
      return;
    }
    gst_buffer_unmap (buf, &priv->direct_map);
  }
  gst_adapter_push (priv->adapter, buf);
}

/* Bytes of input pending. */
static gsize
gst_recurrent_base_available (GstRecurrentBase * self)
{
  GstRecurrentBasePrivate *priv = PRIV (self);

  return priv->direct ? priv->direct_map.size - priv->direct_off :
      gst_adapter_available (priv->adapter);
}

/* Up to chunk whole frames of the input, in place (direct buffer) or copied
 * from the adapter into in_buf: *frames points at them. Returns how many;
 * they stay pending until gst_recurrent_base_flush_frames(). */
static gsize
gst_recurrent_base_peek_frames (GstRecurrentBase * self,
    const guint8 ** frames)
{
  GstRecurrentBasePrivate *priv = PRIV (self);
  gsize n = gst_recurrent_base_available (self) / priv->in_frame_bytes;

  n = MIN (n, priv->chunk);
  if (priv->direct) {
    *frames = priv->direct_map.data + priv->direct_off;
  } else {
    *frames = priv->in_buf;
    if (n > 0)
      gst_adapter_copy (priv->adapter, priv->in_buf, 0,
          n * priv->in_frame_bytes);
  }
  return n;
}

/* Time of the input buffer in which the pending frame @index begins, if it
 * begins that buffer; else GST_CLOCK_TIME_NONE. */
static GstClockTime
gst_recurrent_base_pts_of_frame (GstRecurrentBase * self, gsize index)
{
  GstRecurrentBasePrivate *priv = PRIV (self);
  gsize offset = index * priv->in_frame_bytes;
  guint64 distance = 0;
  GstClockTime pts;

  if (priv->direct)
    return priv->direct_off + offset == 0 ? GST_BUFFER_PTS (priv->direct) :
        GST_CLOCK_TIME_NONE;
  pts = gst_adapter_prev_pts_at_offset (priv->adapter, offset, &distance);
  return distance == 0 ? pts : GST_CLOCK_TIME_NONE;
}

/* Drops @n pending frames from the input and counts them. */
static void
gst_recurrent_base_advance (GstRecurrentBase * self, gsize n)
{
  GstRecurrentBasePrivate *priv = PRIV (self);

  if (priv->direct) {
    priv->direct_off += n * priv->in_frame_bytes;
    if (priv->direct_off >= priv->direct_map.size)
      gst_recurrent_base_release_direct (self);
  } else {
    gst_adapter_flush (priv->adapter, n * priv->in_frame_bytes);
  }
  priv->n_frames += n;
  priv->position += n;
}

/* Consumes @n pending frames that the state has run. */
static void
gst_recurrent_base_flush_frames (GstRecurrentBase * self, gsize n)
{
  gst_recurrent_base_advance (self, n);
  PRIV (self)->dirty = TRUE;
}

/* Resume: the online interval calibration the file carries, when this run
 * has one of the same width (a file written with another output has none:
 * the calibration then starts from the model's quantiles). */
static void
gst_recurrent_base_resume_track (GstRecurrentBase * self)
{
  GstRecurrentBasePrivate *priv = PRIV (self);
  gsize width = 0, want;
  const float *track;

  if (!priv->runner)
    return;
  track = rnc_state_file_peek_track (priv->resume_file, &width);
  want = rnc_runner_get_track_width (priv->runner);
  if (want == 0)
    return;
  if (!track || width != want) {
    GST_INFO_OBJECT (self, "state file %s has no interval calibration of "
        "width %" G_GSIZE_FORMAT ": starting from the model's quantiles",
        priv->state_path, want);
    return;
  }
  if (!rnc_runner_set_track (priv->runner, track, width))
    GST_ELEMENT_WARNING (self, RESOURCE, OPEN_READ,
        ("State file \"%s\": its interval calibration (interval.track) is "
            "invalid; starting from the model's quantiles.",
            priv->state_path), (NULL));
}

/* Resume: drops the pending input frames that the state file covers, and
 * once they are all gone installs its state; before any frame is run.
 * Returns TRUE while frames are still to be dropped (nothing to run). */
static gboolean
gst_recurrent_base_skip_resumed (GstRecurrentBase * self)
{
  GstRecurrentBasePrivate *priv = PRIV (self);

  if (G_LIKELY (!priv->resume_file))
    return FALSE;
  if (priv->skip_left > 0) {
    guint64 n = gst_recurrent_base_available (self) / priv->in_frame_bytes;
    n = MIN (n, priv->skip_left);
    gst_recurrent_base_advance (self, (gsize) n);
    priv->skip_left -= n;
    if (priv->skip_left > 0)
      return TRUE;
  }
  /* resets met on the way are part of the saved state already */
  if (priv->resume_values)
    rnc_state_file_apply_values (priv->resume_file, priv->state);
  gst_recurrent_base_resume_track (self);
  g_clear_pointer (&priv->resume_file, rnc_state_file_free);
  priv->next_ckpt = priv->ckpt_every ? (priv->position / priv->ckpt_every +
      1) * priv->ckpt_every : 0;
  GST_INFO_OBJECT (self, "resumed: %" G_GUINT64_FORMAT " input frames "
      "dropped, state of frame %" G_GUINT64_FORMAT " %s", priv->position,
      priv->resume_position, priv->resume_values ? "installed" :
      "rebuilt from the last window");
  return FALSE;
}

/* Position restarts (new stream, flush); a resume still pending is given
 * up if frames of this stream were already seen. */
static void
gst_recurrent_base_restart_position (GstRecurrentBase * self)
{
  GstRecurrentBasePrivate *priv = PRIV (self);

  if (priv->resume_file && priv->position > 0) {
    GST_WARNING_OBJECT (self, "stream restarted at frame %" G_GUINT64_FORMAT
        ": resume from frame %" G_GUINT64_FORMAT " given up", priv->position,
        priv->resume_position);
    g_clear_pointer (&priv->resume_file, rnc_state_file_free);
  }
  priv->position = 0;
  priv->next_ckpt = priv->ckpt_every;
}

/* @first: the timing index of the first frame (frames since t0); @offset:
 * its stream position (frame index since the stream start). */
static void
gst_recurrent_base_stamp (GstRecurrentBase * self, GstBuffer * buf,
    guint64 first, gsize count, GstClockTime pts, GstClockTime duration,
    guint64 offset)
{
  GstRecurrentBasePrivate *priv = PRIV (self);

  if (priv->fps_n > 0) {
    GST_BUFFER_PTS (buf) = gst_recurrent_base_frame_time (self, first);
    GST_BUFFER_DURATION (buf) = gst_recurrent_base_frame_time (self,
        first + count) - GST_BUFFER_PTS (buf);
  } else {
    GST_BUFFER_PTS (buf) = pts;
    GST_BUFFER_DURATION (buf) = duration;
  }
  GST_BUFFER_OFFSET (buf) = offset;
  GST_BUFFER_OFFSET_END (buf) = offset + count;
  if (priv->need_discont) {
    GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_DISCONT);
    priv->need_discont = FALSE;
  }
}

/* emit=frame: the next output buffer, or NULL when no whole frame is
 * pending. */
static GstFlowReturn
gst_recurrent_base_output_frames (GstRecurrentBase * self, GstBuffer ** outbuf)
{
  GstRecurrentBaseClass *klass = GST_RECURRENT_BASE_GET_CLASS (self);
  GstRecurrentBasePrivate *priv = PRIV (self);

  if (gst_recurrent_base_skip_resumed (self))
    return GST_FLOW_OK;
  for (;;) {
    const guint8 *frames = NULL;
    gsize n = gst_recurrent_base_peek_frames (self, &frames), n_out = 0;
    GstClockTime pts = GST_CLOCK_TIME_NONE;
    GstBuffer *buf = NULL;
    GstMapInfo map;
    GError *err = NULL;
    GstFlowReturn ret;
    gboolean ok;

    if (n == 0)
      return GST_FLOW_OK;
    ret = gst_recurrent_base_alloc_output (self, n, &buf);
    if (ret != GST_FLOW_OK)
      return ret;
    gst_buffer_map (buf, &map, GST_MAP_WRITE);
    ok = klass->process (self, frames, n, map.data, &n_out, &err);
    gst_buffer_unmap (buf, &map);
    if (!ok) {
      gst_buffer_unref (buf);
      return gst_recurrent_base_process_failed (self, err);
    }
    /* the outputs come from the last n_out of the n frames; without a
     * rate, the first one has a time only if it began an input buffer.
     * With a lookahead of k frames they belong to the frames k earlier:
     * offsets (and times, with a rate) are theirs, and without a rate they
     * have no time. */
    if (n_out > 0 && priv->fps_n == 0 && priv->delay == 0)
      pts = gst_recurrent_base_pts_of_frame (self, n - n_out);
    gst_recurrent_base_flush_frames (self, n);
    if (n_out == 0) {
      gst_buffer_unref (buf);
      continue;
    }
    gst_buffer_set_size (buf, n_out * priv->out_frame_bytes);
    gst_recurrent_base_stamp (self, buf, priv->n_frames >= n_out + priv->delay
        ? priv->n_frames - n_out - priv->delay : 0, n_out, pts,
        GST_CLOCK_TIME_NONE, priv->position >= n_out + priv->delay ?
        priv->position - n_out - priv->delay : 0);
    *outbuf = buf;
    return GST_FLOW_OK;
  }
}

/* emit=buffer/eos: runs every whole pending frame without outputs; *count
 * receives their number. */
static GstFlowReturn
gst_recurrent_base_consume_frames (GstRecurrentBase * self, gsize * count)
{
  GstRecurrentBaseClass *klass = GST_RECURRENT_BASE_GET_CLASS (self);
  const guint8 *frames = NULL;
  gsize n;

  *count = 0;
  if (gst_recurrent_base_skip_resumed (self))
    return GST_FLOW_OK;
  while ((n = gst_recurrent_base_peek_frames (self, &frames)) > 0) {
    GError *err = NULL;

    if (!klass->process (self, frames, n, NULL, NULL, &err))
      return gst_recurrent_base_process_failed (self, err);
    gst_recurrent_base_flush_frames (self, n);
    *count += n;
  }
  return GST_FLOW_OK;
}

/* The output after the last frame, in a buffer of one frame; NULL if none. */
static GstFlowReturn
gst_recurrent_base_output_last (GstRecurrentBase * self, GstBuffer ** outbuf)
{
  GstRecurrentBaseClass *klass = GST_RECURRENT_BASE_GET_CLASS (self);
  GstRecurrentBasePrivate *priv = PRIV (self);
  GstBuffer *buf = NULL;
  GstMapInfo map;
  GstFlowReturn ret;
  gboolean have;

  *outbuf = NULL;
  ret = gst_recurrent_base_alloc_output (self, 1, &buf);
  if (ret != GST_FLOW_OK)
    return ret;
  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  have = klass->last_output (self, map.data);
  gst_buffer_unmap (buf, &map);
  if (!have) {
    gst_buffer_unref (buf);
    return GST_FLOW_OK;
  }
  gst_buffer_set_size (buf, priv->out_frame_bytes);
  /* the frame count restarts at a discontinuity: the last frame may
   * precede it */
  gst_recurrent_base_stamp (self, buf, priv->n_frames > 0 ?
      priv->n_frames - 1 : 0, 1, priv->last_pts,
      priv->emit_mode == GST_RECURRENT_EMIT_BUFFER ? priv->last_duration :
      GST_CLOCK_TIME_NONE, priv->position > 0 ? priv->position - 1 : 0);
  *outbuf = buf;
  return GST_FLOW_OK;
}

/* Streaming thread, before whatever ends a sequence (a reset, EOS): a
 * model with a lookahead pushes the outputs it still owes (those of the
 * last k frames), then is back at its initial state. */
static void
gst_recurrent_base_flush_owed (GstRecurrentBase * self, const char *why)
{
  GstRecurrentBaseClass *klass = GST_RECURRENT_BASE_GET_CLASS (self);
  GstRecurrentBasePrivate *priv = PRIV (self);
  GstBuffer *buf = NULL;
  GstMapInfo map;
  GstFlowReturn ret = GST_FLOW_OK;
  gsize n;

  if (!priv->state || priv->failed || priv->delay == 0 || !klass->flush)
    return;
  /* other/tensors output buffers (the pool's) hold one frame: the owed
   * frames are written to one buffer here and pushed one frame each below
   * (a flush is rare: at EOS, resets and discontinuities) */
  if (priv->out_tensors)
    buf = gst_buffer_new_allocate (NULL, priv->delay * priv->out_frame_bytes,
        NULL);
  else
    ret = gst_recurrent_base_alloc_output (self, priv->delay, &buf);
  if (ret != GST_FLOW_OK || !buf) {
    GST_DEBUG_OBJECT (self, "no buffer for the owed outputs: %s",
        gst_flow_get_name (ret));
    return;
  }
  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  n = klass->flush (self, map.data);
  gst_buffer_unmap (buf, &map);
  if (n == 0) {
    gst_buffer_unref (buf);
    return;
  }
  gst_buffer_set_size (buf, n * priv->out_frame_bytes);
  GST_DEBUG_OBJECT (self, "%s: pushing the outputs of the last %"
      G_GSIZE_FORMAT " frames", why, n);
  if (priv->out_tensors && n > 1) {
    gsize i;

    ret = GST_FLOW_OK;
    for (i = 0; i < n && ret == GST_FLOW_OK; i++) {
      GstBuffer *one = gst_buffer_copy_region (buf, GST_BUFFER_COPY_MEMORY,
          i * priv->out_frame_bytes, priv->out_frame_bytes);
      gst_recurrent_base_stamp (self, one, priv->n_frames >= n - i ?
          priv->n_frames - (n - i) : 0, 1, GST_CLOCK_TIME_NONE,
          GST_CLOCK_TIME_NONE,
          priv->position >= n - i ? priv->position - (n - i) : 0);
      ret = gst_pad_push (GST_BASE_TRANSFORM_SRC_PAD (self), one);
    }
    gst_buffer_unref (buf);
  } else {
    /* the outputs of the last n frames */
    gst_recurrent_base_stamp (self, buf, priv->n_frames >= n ?
        priv->n_frames - n : 0, n, GST_CLOCK_TIME_NONE, GST_CLOCK_TIME_NONE,
        priv->position >= n ? priv->position - n : 0);
    ret = gst_pad_push (GST_BASE_TRANSFORM_SRC_PAD (self), buf);
  }
  if (ret != GST_FLOW_OK)
    GST_DEBUG_OBJECT (self, "pushing the owed outputs: %s",
        gst_flow_get_name (ret));
}

static GstFlowReturn
gst_recurrent_base_submit_input_buffer (GstBaseTransform * trans,
    gboolean is_discont, GstBuffer * input)
{
  /* per buffer: plain casts, no run-time type checks */
  GstRecurrentBase *self = (GstRecurrentBase *) trans;
  GstRecurrentBasePrivate *priv = PRIV (self);
  GstFlowReturn ret;
  GstBuffer *buf;

  /* the parent checks the negotiation and queues the buffer */
  ret = ((GstBaseTransformClass *) parent_class)->submit_input_buffer (trans,
      is_discont, input);
  if (ret != GST_FLOW_OK)
    return ret;
  buf = trans->queued_buf;
  trans->queued_buf = NULL;
  if (!buf)
    return GST_FLOW_OK;
  if (priv->failed) {
    gst_buffer_unref (buf);
    return GST_FLOW_ERROR;
  }

  gst_recurrent_base_apply_pending_reset (self);
  if (GST_BUFFER_IS_DISCONT (buf)) {
    gsize left = gst_recurrent_base_available (self);
    gboolean reset = (gst_recurrent_base_get_reset_on (self) &
        GST_RECURRENT_RESET_ON_DISCONT) != 0;
    /* the old sequence's outputs, stamped before the counts restart */
    if (reset)
      gst_recurrent_base_flush_owed (self, "discont");
    if (left > 0) {
      GST_DEBUG_OBJECT (self, "discont: dropping %" G_GSIZE_FORMAT
          " bytes of an incomplete frame", left);
      gst_recurrent_base_clear_input (self);
    }
    /* times are not continuous: the next frame anchors them again */
    priv->have_t0 = FALSE;
    priv->n_frames = 0;
    priv->need_discont = TRUE;
    if (reset)
      gst_recurrent_base_reset_stream (self, "discont");
  }
  if (priv->fps_n > 0 && !priv->have_t0) {
    if (GST_BUFFER_PTS_IS_VALID (buf))
      priv->t0 = GST_BUFFER_PTS (buf);
    else if (trans->segment.format == GST_FORMAT_TIME)
      priv->t0 = trans->segment.start;
    else
      priv->t0 = 0;
    priv->have_t0 = TRUE;
    priv->n_frames = 0;
  }
  priv->last_pts = GST_BUFFER_PTS (buf);
  priv->last_duration = GST_BUFFER_DURATION (buf);
  gst_recurrent_base_queue_input (self, buf);
  return GST_FLOW_OK;
}

static GstFlowReturn
gst_recurrent_base_generate_output (GstBaseTransform * trans,
    GstBuffer ** outbuf)
{
  GstRecurrentBase *self = (GstRecurrentBase *) trans;
  GstRecurrentBasePrivate *priv = PRIV (self);
  GstFlowReturn ret;
  gsize count = 0;

  *outbuf = NULL;
  if (priv->failed)
    return GST_FLOW_ERROR;
  gst_recurrent_base_maybe_checkpoint (self);
  switch (priv->emit_mode) {
    case GST_RECURRENT_EMIT_FRAME:
      return gst_recurrent_base_output_frames (self, outbuf);
    case GST_RECURRENT_EMIT_BUFFER:
      /* called again after the output until it returns none: only the
       * call that consumed this buffer's frames outputs */
      ret = gst_recurrent_base_consume_frames (self, &count);
      if (ret != GST_FLOW_OK || count == 0)
        return ret;
      return gst_recurrent_base_output_last (self, outbuf);
    case GST_RECURRENT_EMIT_EOS:
    default:
      return gst_recurrent_base_consume_frames (self, &count);
  }
}

/* Whether a flush or a state change asks the streaming thread to stop. */
static gboolean
gst_recurrent_base_is_flushing (GstRecurrentBase * self)
{
  GstPad *pads[2] = { GST_BASE_TRANSFORM_SINK_PAD (self),
    GST_BASE_TRANSFORM_SRC_PAD (self)
  };
  gboolean flushing = FALSE;
  guint i;

  for (i = 0; i < 2; i++) {
    GST_OBJECT_LOCK (pads[i]);
    flushing |= GST_PAD_IS_FLUSHING (pads[i]);
    GST_OBJECT_UNLOCK (pads[i]);
  }
  return flushing;
}

/* EOS: the subclass's continuation, in buffers of up to chunk frames, so
 * that a flush or a state change stops it within one chunk. */
static void
gst_recurrent_base_continue (GstRecurrentBase * self)
{
  GstRecurrentBaseClass *klass = GST_RECURRENT_BASE_GET_CLASS (self);
  GstRecurrentBasePrivate *priv = PRIV (self);
  gsize done = 0;

  if (!klass->drain)
    return;
  for (;;) {
    GstBuffer *buf = NULL;
    GstMapInfo map;
    GstFlowReturn ret;
    gsize n;

    if (gst_recurrent_base_is_flushing (self)) {
      GST_DEBUG_OBJECT (self, "flushing: continuation stopped after %"
          G_GSIZE_FORMAT " frames", done);
      return;
    }
    ret = gst_recurrent_base_alloc_output (self, priv->chunk, &buf);
    if (ret != GST_FLOW_OK) {
      GST_DEBUG_OBJECT (self, "no output buffer: %s", gst_flow_get_name (ret));
      return;
    }
    gst_buffer_map (buf, &map, GST_MAP_WRITE);
    n = klass->drain (self, done, map.data, priv->chunk);
    gst_buffer_unmap (buf, &map);
    if (n == 0) {
      gst_buffer_unref (buf);
      GST_DEBUG_OBJECT (self, "continuation of %" G_GSIZE_FORMAT " frames",
          done);
      return;
    }
    gst_buffer_set_size (buf, n * priv->out_frame_bytes);
    /* the frames after the last input frame, at the input's rate */
    gst_recurrent_base_stamp (self, buf, priv->n_frames, n,
        GST_CLOCK_TIME_NONE, GST_CLOCK_TIME_NONE, priv->position + done);
    priv->n_frames += n;
    done += n;
    ret = gst_pad_push (GST_BASE_TRANSFORM_SRC_PAD (self), buf);
    if (ret != GST_FLOW_OK) {
      GST_DEBUG_OBJECT (self, "continuation stopped after %" G_GSIZE_FORMAT
          " frames: %s", done, gst_flow_get_name (ret));
      return;
    }
  }
}

static GstFlowReturn
gst_recurrent_base_transform (GstBaseTransform * trans, GstBuffer * inbuf,
    GstBuffer * outbuf)
{
  g_return_val_if_reached (GST_FLOW_NOT_SUPPORTED);
}

/* EOS: nothing stays held back. */
static void
gst_recurrent_base_drain (GstRecurrentBase * self)
{
  GstRecurrentBasePrivate *priv = PRIV (self);
  gsize left;

  if (!priv->state || priv->failed)
    return;
  gst_recurrent_base_apply_pending_reset (self);
  left = gst_recurrent_base_available (self);
  if (left > 0) {
    GST_ELEMENT_WARNING (self, STREAM, DECODE, (NULL),
        ("dropping %" G_GSIZE_FORMAT " bytes at EOS: not a whole frame of %"
            G_GSIZE_FORMAT " bytes", left, priv->in_frame_bytes));
    gst_recurrent_base_clear_input (self);
  }
  gst_recurrent_base_flush_owed (self, "eos");
  gst_recurrent_base_continue (self);
  if (priv->emit_mode == GST_RECURRENT_EMIT_EOS) {
    GstBuffer *buf = NULL;
    if (gst_recurrent_base_output_last (self, &buf) == GST_FLOW_OK && buf) {
      GstFlowReturn ret =
          gst_pad_push (GST_BASE_TRANSFORM_SRC_PAD (self), buf);
      if (ret != GST_FLOW_OK)
        GST_DEBUG_OBJECT (self, "pushing the EOS output: %s",
            gst_flow_get_name (ret));
    }
  }
  if (priv->resume_file && priv->skip_left > 0)
    GST_ELEMENT_WARNING (self, STREAM, FAILED,
        ("The input ended after %" G_GUINT64_FORMAT " frames, before the "
            "position %" G_GUINT64_FORMAT " of state file \"%s\": nothing "
            "to resume; the file is kept.", priv->position,
            priv->resume_position, priv->state_path), (NULL));
  gst_recurrent_base_save_state (self, SAVE_EOS);
  if (gst_recurrent_base_get_reset_on (self) & GST_RECURRENT_RESET_ON_EOS)
    gst_recurrent_base_reset_stream (self, "eos");
}

static gboolean
gst_recurrent_base_sink_event (GstBaseTransform * trans, GstEvent * event)
{
  GstRecurrentBase *self = GST_RECURRENT_BASE (trans);
  GstRecurrentBasePrivate *priv = PRIV (self);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_FLUSH_STOP:
    case GST_EVENT_STREAM_START:
      gst_recurrent_base_clear_input (self);
      gst_recurrent_base_reset_stream (self,
          gst_event_type_get_name (GST_EVENT_TYPE (event)));
      gst_recurrent_base_reset_timing (self);
      gst_recurrent_base_restart_position (self);
      priv->failed = FALSE;
      break;
    case GST_EVENT_SEGMENT:
      /* output frames are not the input's bytes: a sink must not seek to
       * byte positions of the input (filesink, fdsink would) */
      event = gst_recurrent_segment_for_output (event, GST_FORMAT_TIME);
      if (gst_recurrent_base_get_reset_on (self) &
          GST_RECURRENT_RESET_ON_SEGMENT) {
        gst_recurrent_base_flush_owed (self, "segment");
        gst_recurrent_base_reset_stream (self, "segment");
      }
      gst_recurrent_base_reset_timing (self);
      break;
    case GST_EVENT_EOS:
      gst_recurrent_base_drain (self);
      break;
    case GST_EVENT_CUSTOM_DOWNSTREAM:
      /* reset, then forward: one event resets a whole chain */
      if (gst_event_has_name (event, "rnc/reset")) {
        /* a lookahead model runs one stream: any reset ends its sequence */
        gst_recurrent_base_flush_owed (self, "rnc/reset event");
        gst_recurrent_base_reset_event (self, event);
      }
      break;
    default:
      break;
  }
  return GST_BASE_TRANSFORM_CLASS (parent_class)->sink_event (trans, event);
}

static gboolean
gst_recurrent_base_query (GstBaseTransform * trans, GstPadDirection direction,
    GstQuery * query)
{
  if (direction == GST_PAD_SRC && GST_QUERY_TYPE (query) == GST_QUERY_LATENCY) {
    gboolean live;
    GstClockTime min, max;

    if (!gst_pad_peer_query (GST_BASE_TRANSFORM_SINK_PAD (trans), query))
      return FALSE;
    gst_query_parse_latency (query, &live, &min, &max);
    /* Every output is stamped with the time of the last input frame it
     * depends on and pushed as soon as that frame arrives (a window only
     * delays the first output, it does not hold frames back), so the
     * element adds no latency of its own -- except a model with a
     * lookahead of k frames: its output for frame t (stamped with t's
     * time) comes with frame t + k, k frame durations late. */
    {
      GstClockTime own;
      GST_OBJECT_LOCK (trans);
      own = PRIV ((GstRecurrentBase *) trans)->own_latency;
      GST_OBJECT_UNLOCK (trans);
      min += own;
      if (GST_CLOCK_TIME_IS_VALID (max))
        max += own;
    }
    GST_DEBUG_OBJECT (trans, "latency: live %d, min %" GST_TIME_FORMAT
        ", max %" GST_TIME_FORMAT " (with our own)", live,
        GST_TIME_ARGS (min), GST_TIME_ARGS (max));
    gst_query_set_latency (query, live, min, max);
    return TRUE;
  }
  return GST_BASE_TRANSFORM_CLASS (parent_class)->query (trans, direction,
      query);
}
