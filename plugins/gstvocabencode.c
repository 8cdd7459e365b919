/* gst-recurrent: the vocab-encode element.
 *
 * SECTION:element-vocab-encode
 * @title: vocab-encode
 * @short_description: token lines to token ids or one-hot frames
 *
 * Reads one token per line (`\n`, a trailing `\r` is dropped), as `tokenize`
 * writes them, and turns each into its id in a vocabulary: an S32LE frame of
 * width 1 (`output=ids`), or an F32LE one-hot frame of width V, the
 * vocabulary size (`output=onehot`).
 *
 * The vocabulary comes from #GstVocabEncode:vocab, a file with one token per
 * line (line k is id k), or a model file (safetensors, detected by its
 * content) whose `rnc.vocab` metadata holds an inline JSON list or a file
 * name beside the model. Ids then stream out as tokens arrive, one output
 * buffer per input buffer.
 *
 * With `build=true` the element collects every token to EOS, builds the
 * vocabulary, writes it to #GstVocabEncode:vocab, then emits all ids.
 * `order=sorted` is the notebook's `sorted(set(words))` (byte order, which is
 * Python's order for str); `order=frequency` sorts by count, most frequent
 * first, ties in byte order. #GstVocabEncode:min-count leaves out rarer
 * tokens and #GstVocabEncode:max-size keeps only the most frequent ones (ties
 * in byte order) before ordering. With `unknown=unk`, `<unk>` is added as
 * id 0.
 *
 * #GstVocabEncode:unknown says what happens to a token that is not in the
 * vocabulary (in build mode: that max-size or min-count left out): `skip`
 * drops it, `error` stops with an element error naming the token and line,
 * and `unk` maps it to an unknown-word class: the first of its signature
 * `<unk-cap-num-hyph-SUFFIX>`, the signature without the suffix, the
 * signature with only `-cap`, and `<unk>` that the vocabulary holds (see
 * rnc_vocab_lookup_unknown(); a vocabulary without `<unk>` is refused).
 *
 * An empty line is a sentence boundary: the element pushes the ids so far,
 * then a serialized custom downstream event named `rnc/reset`, which resets
 * recurrent elements and makes `vocab-decode` write an empty line. An
 * `rnc/reset` from upstream is forwarded in order the same way.
 *
 * Lines that are not valid UTF-8 (or have a NUL byte) are dropped with an
 * element warning. A partial line waits for the next buffer, so any split of
 * the input gives the same output; a DISCONT buffer drops the partial line
 * before the gap; FLUSH_STOP and STREAM_START start afresh; EOS takes a last
 * line without `\n`, then (in build mode) writes the vocabulary and emits.
 *
 * Caps: `text/x-raw, format=utf8` in; `other/x-frames, format=S32LE,
 * width=1, framerate=0/1` or `other/x-frames, format=F32LE, width=V,
 * framerate=0/1` out. Output buffers keep the input buffer's PTS (none in
 * build mode).
 *
 * ## Example launch lines (pipelines/seed-nlp.sh)
 * |[
 * gst-launch-1.0 filesrc location=preprocessed.txt ! vocab-encode build=true vocab=vocab.txt ! \
 *     filesink location=ids.s32
 * gst-launch-1.0 filesrc location=preprocessed.txt ! vocab-encode vocab=vocab.txt output=onehot ! \
 *     vocab-decode vocab=vocab.txt ! filesink location=decoded.txt
 * ]|
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstvocabencode.h"
#include "gstrecurrentelements.h"
#include "gstrecurrentutil.h"

#include <string.h>

GST_DEBUG_CATEGORY_STATIC (gst_vocab_encode_debug);
#define GST_CAT_DEFAULT gst_vocab_encode_debug

enum
{
  PROP_0,
  PROP_VOCAB,
  PROP_BUILD,
  PROP_ORDER,
  PROP_MAX_SIZE,
  PROP_MIN_COUNT,
  PROP_UNKNOWN,
  PROP_OUTPUT,
};

#define DEFAULT_VOCAB NULL
#define DEFAULT_BUILD FALSE
#define DEFAULT_ORDER RNC_VOCAB_ORDER_SORTED
#define DEFAULT_MAX_SIZE 0
#define DEFAULT_MIN_COUNT 1
#define DEFAULT_UNKNOWN GST_VOCAB_ENCODE_UNKNOWN_SKIP
#define DEFAULT_OUTPUT GST_VOCAB_ENCODE_OUTPUT_IDS

/* One-hot output is pushed in buffers of about this many floats. */
#define ONEHOT_CHUNK_FLOATS (1 << 20)
/* Ids in build mode are pushed in buffers of this many frames. */
#define IDS_CHUNK_FRAMES 16384

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("text/x-raw, format = (string) utf8"));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("other/x-frames, format = (string) S32LE, "
        "width = (int) 1, framerate = (fraction) 0/1; "
        "other/x-frames, format = (string) F32LE, "
        "width = (int) [ 1, 16777216 ], framerate = (fraction) 0/1"));

GType
gst_vocab_encode_unknown_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_VOCAB_ENCODE_UNKNOWN_SKIP, "Drop the token", "skip"},
    {GST_VOCAB_ENCODE_UNKNOWN_UNK,
        "Map to its <unk-...> signature class or <unk>", "unk"},
    {GST_VOCAB_ENCODE_UNKNOWN_ERROR, "Post an error and stop", "error"},
    {0, NULL, NULL},
  };
  if (g_once_init_enter (&type))
    g_once_init_leave (&type,
        g_enum_register_static ("GstVocabEncodeUnknown", values));
  return type;
}

GType
gst_vocab_encode_output_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_VOCAB_ENCODE_OUTPUT_IDS, "S32LE token ids, width 1", "ids"},
    {GST_VOCAB_ENCODE_OUTPUT_ONEHOT, "F32LE one-hot frames, width V",
        "onehot"},
    {0, NULL, NULL},
  };
  if (g_once_init_enter (&type))
    g_once_init_leave (&type,
        g_enum_register_static ("GstVocabEncodeOutput", values));
  return type;
}

GType
gst_vocab_order_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {RNC_VOCAB_ORDER_SORTED, "Byte order (Python sorted())", "sorted"},
    {RNC_VOCAB_ORDER_FREQUENCY, "Most frequent first, ties in byte order",
        "frequency"},
    {0, NULL, NULL},
  };
  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstVocabOrder",
            values));
  return type;
}

#define gst_vocab_encode_parent_class parent_class
G_DEFINE_TYPE (GstVocabEncode, gst_vocab_encode, GST_TYPE_ELEMENT);
GST_ELEMENT_REGISTER_DEFINE (vocab_encode, "vocab-encode", GST_RANK_NONE,
    GST_TYPE_VOCAB_ENCODE);

static void gst_vocab_encode_finalize (GObject * object);
static void gst_vocab_encode_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec);
static void gst_vocab_encode_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec);
static GstStateChangeReturn gst_vocab_encode_change_state (GstElement *
    element, GstStateChange transition);
static GstFlowReturn gst_vocab_encode_chain (GstPad * pad, GstObject * parent,
    GstBuffer * buf);
static gboolean gst_vocab_encode_sink_event (GstPad * pad, GstObject * parent,
    GstEvent * event);

static void
gst_vocab_encode_class_init (GstVocabEncodeClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
      GST_PARAM_MUTABLE_READY;

  GST_DEBUG_CATEGORY_INIT (gst_vocab_encode_debug, "vocab-encode", 0,
      "token lines to ids");

  gobject_class->finalize = gst_vocab_encode_finalize;
  gobject_class->set_property = gst_vocab_encode_set_property;
  gobject_class->get_property = gst_vocab_encode_get_property;

  g_object_class_install_property (gobject_class, PROP_VOCAB,
      g_param_spec_string ("vocab", "Vocabulary",
          "Vocabulary file (one token per line, line k = id k) or model file "
          "(its rnc.vocab); with build=true the file written at EOS",
          DEFAULT_VOCAB, rw));
  g_object_class_install_property (gobject_class, PROP_BUILD,
      g_param_spec_boolean ("build", "Build",
          "Collect all tokens to EOS, build the vocabulary, write it to "
          "vocab, then emit the ids", DEFAULT_BUILD, rw));
  g_object_class_install_property (gobject_class, PROP_ORDER,
      g_param_spec_enum ("order", "Order", "Id order of a built vocabulary",
          GST_TYPE_VOCAB_ORDER, DEFAULT_ORDER, rw));
  g_object_class_install_property (gobject_class, PROP_MAX_SIZE,
      g_param_spec_uint ("max-size", "Max size",
          "Largest built vocabulary (the most frequent tokens, <unk> "
          "included); 0 = no limit", 0, RNC_VOCAB_MAX_SIZE, DEFAULT_MAX_SIZE,
          rw));
  g_object_class_install_property (gobject_class, PROP_MIN_COUNT,
      g_param_spec_uint64 ("min-count", "Min count",
          "Tokens seen fewer times are left out of a built vocabulary",
          1, G_MAXUINT64, DEFAULT_MIN_COUNT, rw));
  g_object_class_install_property (gobject_class, PROP_UNKNOWN,
      g_param_spec_enum ("unknown", "Unknown tokens",
          "What to do with a token the vocabulary does not hold",
          GST_TYPE_VOCAB_ENCODE_UNKNOWN, DEFAULT_UNKNOWN, rw));
  g_object_class_install_property (gobject_class, PROP_OUTPUT,
      g_param_spec_enum ("output", "Output",
          "S32LE ids (width 1) or F32LE one-hot frames (width V)",
          GST_TYPE_VOCAB_ENCODE_OUTPUT, DEFAULT_OUTPUT, rw));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "Vocabulary encoder",
      "Codec/Encoder/Text",
      "Turns token lines into token ids or one-hot frames through a "
      "vocabulary file or model, or builds the vocabulary",
      GST_RECURRENT_AUTHORS);

  element_class->change_state =
      GST_DEBUG_FUNCPTR (gst_vocab_encode_change_state);

  gst_type_mark_as_plugin_api (GST_TYPE_VOCAB_ENCODE_UNKNOWN, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_VOCAB_ENCODE_OUTPUT, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_VOCAB_ORDER, 0);
}

static void
gst_vocab_encode_init (GstVocabEncode * self)
{
  self->sinkpad = gst_pad_new_from_static_template (&sink_template, "sink");
  gst_pad_set_chain_function (self->sinkpad,
      GST_DEBUG_FUNCPTR (gst_vocab_encode_chain));
  gst_pad_set_event_function (self->sinkpad,
      GST_DEBUG_FUNCPTR (gst_vocab_encode_sink_event));
  gst_element_add_pad (GST_ELEMENT (self), self->sinkpad);

  self->srcpad = gst_pad_new_from_static_template (&src_template, "src");
  gst_pad_use_fixed_caps (self->srcpad);
  gst_element_add_pad (GST_ELEMENT (self), self->srcpad);

  self->vocab_location = g_strdup (DEFAULT_VOCAB);
  self->build = DEFAULT_BUILD;
  self->order = DEFAULT_ORDER;
  self->max_size = DEFAULT_MAX_SIZE;
  self->min_count = DEFAULT_MIN_COUNT;
  self->unknown = DEFAULT_UNKNOWN;
  self->output = DEFAULT_OUTPUT;

  self->adapter = gst_adapter_new ();
  self->line = g_byte_array_new ();
  self->ids = g_array_new (FALSE, FALSE, sizeof (gint32));
  self->seq = g_array_new (FALSE, FALSE, sizeof (gint32));
}

static void
gst_vocab_encode_finalize (GObject * object)
{
  GstVocabEncode *self = GST_VOCAB_ENCODE (object);

  g_free (self->vocab_location);
  g_free (self->location);
  g_object_unref (self->adapter);
  g_byte_array_unref (self->line);
  g_array_unref (self->ids);
  g_array_unref (self->seq);
  rnc_vocab_free (self->vocab);
  rnc_vocab_counter_free (self->counter);
  gst_event_replace (&self->pending_segment, NULL);

  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_vocab_encode_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstVocabEncode *self = GST_VOCAB_ENCODE (object);

  GST_OBJECT_LOCK (self);
  /* every property shapes the vocabulary or the caps: READY only */
  if (gst_recurrent_property_locked (GST_ELEMENT (self), pspec)) {
    GST_OBJECT_UNLOCK (self);
    gst_recurrent_post_property_refused (GST_ELEMENT (self), pspec);
    return;
  }
  switch (prop_id) {
    case PROP_VOCAB:
      g_free (self->vocab_location);
      self->vocab_location = g_value_dup_string (value);
      break;
    case PROP_BUILD:
      self->build = g_value_get_boolean (value);
      break;
    case PROP_ORDER:
      self->order = g_value_get_enum (value);
      break;
    case PROP_MAX_SIZE:
      self->max_size = g_value_get_uint (value);
      break;
    case PROP_MIN_COUNT:
      self->min_count = g_value_get_uint64 (value);
      break;
    case PROP_UNKNOWN:
      self->unknown = g_value_get_enum (value);
      break;
    case PROP_OUTPUT:
      self->output = g_value_get_enum (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_vocab_encode_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstVocabEncode *self = GST_VOCAB_ENCODE (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_VOCAB:
      g_value_set_string (value, self->vocab_location);
      break;
    case PROP_BUILD:
      g_value_set_boolean (value, self->build);
      break;
    case PROP_ORDER:
      g_value_set_enum (value, self->order);
      break;
    case PROP_MAX_SIZE:
      g_value_set_uint (value, self->max_size);
      break;
    case PROP_MIN_COUNT:
      g_value_set_uint64 (value, self->min_count);
      break;
    case PROP_UNKNOWN:
      g_value_set_enum (value, self->unknown);
      break;
    case PROP_OUTPUT:
      g_value_set_enum (value, self->output);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

/* Clears everything of the current stream (not the settings). */
static void
gst_vocab_encode_reset_stream (GstVocabEncode * self)
{
  gst_adapter_clear (self->adapter);
  g_array_set_size (self->ids, 0);
  g_array_set_size (self->seq, 0);
  self->line_no = 0;
  self->skipping_line = FALSE;
  self->n_unknown = 0;
  self->n_invalid = 0;
  self->invalid_warned = FALSE;
  if (self->building) {
    rnc_vocab_counter_free (self->counter);
    self->counter = rnc_vocab_counter_new ();
    rnc_vocab_free (self->vocab);
    self->vocab = NULL;
  }
}

/* unknown=unk needs <unk> (the last fallback of every signature). */
static gboolean
gst_vocab_encode_check_unk (GstVocabEncode * self)
{
  if (self->on_unknown == GST_VOCAB_ENCODE_UNKNOWN_UNK
      && rnc_vocab_get_unk_id (self->vocab) < 0) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("The vocabulary \"%s\" has no <unk> entry, which unknown=unk needs.",
            self->location), (NULL));
    return FALSE;
  }
  return TRUE;
}

static gboolean
gst_vocab_encode_start (GstElement * element)
{
  static const char *const keys[] = { "rnc.vocab", NULL };
  GstVocabEncode *self = GST_VOCAB_ENCODE (element);
  GError *err = NULL;

  GST_OBJECT_LOCK (self);
  g_free (self->location);
  self->location = g_strdup (self->vocab_location);
  self->building = self->build;
  self->on_unknown = self->unknown;
  self->out_kind = self->output;
  rnc_vocab_build_options_init (&self->build_options);
  self->build_options.order = self->order;
  self->build_options.max_size = self->max_size;
  self->build_options.min_count = self->min_count;
  self->build_options.add_unk = self->unknown == GST_VOCAB_ENCODE_UNKNOWN_UNK;
  GST_OBJECT_UNLOCK (self);

  if (self->location == NULL || self->location[0] == '\0')
    goto no_location;

  if (self->building) {
    /* never overwrite a model with a vocabulary */
    if (rnc_file_is_safetensors (self->location))
      goto is_model;
  } else {
    self->vocab = rnc_vocab_load_any (self->location, keys, &err);
    if (self->vocab == NULL)
      goto load_failed;
    GST_INFO_OBJECT (self, "vocabulary %s: %zu tokens", self->location,
        rnc_vocab_get_size (self->vocab));
    if (rnc_vocab_get_size (self->vocab) == 0)
      goto empty;
    if (!gst_vocab_encode_check_unk (self))
      goto failed;
  }
  gst_vocab_encode_reset_stream (self);
  self->caps_sent = FALSE;
  return TRUE;

  /* ERRORS */
no_location:
  GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND,
      ("No vocabulary file given (the vocab property)."), (NULL));
  goto failed;
is_model:
  GST_ELEMENT_ERROR (self, RESOURCE, OPEN_WRITE,
      ("Refusing to overwrite the model file \"%s\" with a vocabulary.",
          self->location), ("build=true writes a vocabulary text file"));
  goto failed;
empty:
  GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
      ("The vocabulary \"%s\" is empty.", self->location), (NULL));
  goto failed;
load_failed:
  GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ,
      ("Could not read the vocabulary \"%s\".", self->location),
      ("%s", err->message));
  g_clear_error (&err);
  goto failed;
failed:
  rnc_vocab_free (self->vocab);
  self->vocab = NULL;
  return FALSE;
}

static void
gst_vocab_encode_stop (GstElement * element)
{
  GstVocabEncode *self = GST_VOCAB_ENCODE (element);

  gst_vocab_encode_reset_stream (self);
  rnc_vocab_free (self->vocab);
  self->vocab = NULL;
  rnc_vocab_counter_free (self->counter);
  self->counter = NULL;
  gst_event_replace (&self->pending_segment, NULL);
  self->caps_sent = FALSE;
}

static GstStateChangeReturn
gst_vocab_encode_change_state (GstElement * element, GstStateChange transition)
{
  return gst_recurrent_change_state (element, transition,
      GST_ELEMENT_CLASS (parent_class), gst_vocab_encode_start,
      gst_vocab_encode_stop);
}

/* Sends the output caps (and the segment held back until then) before the
 * first buffer or event that needs them. FALSE while the width is unknown
 * (build mode before EOS, or an empty built vocabulary with one-hot). */
static gboolean
gst_vocab_encode_ensure_caps (GstVocabEncode * self)
{
  GstCaps *caps;
  size_t width = 1;

  if (self->caps_sent)
    return TRUE;
  if (self->out_kind == GST_VOCAB_ENCODE_OUTPUT_ONEHOT) {
    if (self->vocab == NULL || rnc_vocab_get_size (self->vocab) == 0)
      return FALSE;
    width = rnc_vocab_get_size (self->vocab);
  }
  caps = gst_caps_new_simple ("other/x-frames",
      "format", G_TYPE_STRING,
      self->out_kind == GST_VOCAB_ENCODE_OUTPUT_ONEHOT ? "F32LE" : "S32LE",
      "width", G_TYPE_INT, (gint) width,
      "framerate", GST_TYPE_FRACTION, 0, 1, NULL);
  GST_DEBUG_OBJECT (self, "output caps %" GST_PTR_FORMAT, caps);
  gst_pad_push_event (self->srcpad, gst_event_new_caps (caps));
  gst_caps_unref (caps);
  if (self->pending_segment == NULL) {
    GstSegment seg;
    gst_segment_init (&seg, GST_FORMAT_BYTES);
    self->pending_segment = gst_event_new_segment (&seg);
  }
  gst_pad_push_event (self->srcpad, self->pending_segment);
  self->pending_segment = NULL;
  self->caps_sent = TRUE;
  return TRUE;
}

/* Pushes @n ids as one or more buffers of the chosen output. */
static GstFlowReturn
gst_vocab_encode_push_ids (GstVocabEncode * self, const gint32 * ids,
    size_t n, GstClockTime pts)
{
  size_t width = 1, chunk, done;

  if (n == 0)
    return GST_FLOW_OK;
  if (!gst_vocab_encode_ensure_caps (self))
    return GST_FLOW_OK;
  if (self->out_kind == GST_VOCAB_ENCODE_OUTPUT_ONEHOT) {
    width = rnc_vocab_get_size (self->vocab);
    chunk = MAX (1, ONEHOT_CHUNK_FLOATS / width);
  } else {
    chunk = IDS_CHUNK_FRAMES;
  }

  for (done = 0; done < n; done += chunk) {
    size_t m = MIN (chunk, n - done);
    GstBuffer *buf;
    GstMapInfo map;
    GstFlowReturn ret;

    buf = gst_buffer_new_allocate (NULL, m * width * 4, NULL);
    gst_buffer_map (buf, &map, GST_MAP_WRITE);
    if (self->out_kind == GST_VOCAB_ENCODE_OUTPUT_ONEHOT) {
      rnc_vocab_ids_to_onehot (ids + done, m, width, (float *) map.data);
    } else {
      size_t i;
      gint32 *out = (gint32 *) map.data;        /* (m) */
      for (i = 0; i < m; i++)
        out[i] = GINT32_TO_LE (ids[done + i]);
    }
    gst_buffer_unmap (buf, &map);
    GST_BUFFER_PTS (buf) = done == 0 ? pts : GST_CLOCK_TIME_NONE;
    ret = gst_pad_push (self->srcpad, buf);
    if (ret != GST_FLOW_OK)
      return ret;
  }
  return GST_FLOW_OK;
}

static GstFlowReturn
gst_vocab_encode_flush_ids (GstVocabEncode * self, GstClockTime pts)
{
  GstFlowReturn ret = gst_vocab_encode_push_ids (self,
      (const gint32 *) self->ids->data, self->ids->len, pts);
  g_array_set_size (self->ids, 0);
  return ret;
}

static void
gst_vocab_encode_push_reset (GstVocabEncode * self)
{
  if (!gst_vocab_encode_ensure_caps (self))
    return;
  gst_pad_push_event (self->srcpad,
      gst_event_new_custom (GST_EVENT_CUSTOM_DOWNSTREAM,
          gst_structure_new_empty (GST_RNC_RESET_EVENT_NAME)));
}

/* The id of a token the vocabulary lacks, per unknown=; -1 to drop it.
 * FALSE after posting an error (unknown=error). */
static gboolean
gst_vocab_encode_map_unknown (GstVocabEncode * self, const char *token,
    guint64 line_no, gint32 * id)
{
  self->n_unknown++;
  switch (self->on_unknown) {
    case GST_VOCAB_ENCODE_UNKNOWN_UNK:
      *id = rnc_vocab_lookup_unknown (self->vocab, token);
      return TRUE;
    case GST_VOCAB_ENCODE_UNKNOWN_ERROR:
      if (line_no > 0)
        GST_ELEMENT_ERROR (self, STREAM, FORMAT,
            ("Unknown token \"%s\" on line %" G_GUINT64_FORMAT ".", token,
                line_no), ("not in the vocabulary \"%s\" (unknown=error)",
                self->location));
      else
        GST_ELEMENT_ERROR (self, STREAM, FORMAT,
            ("Unknown token \"%s\".", token),
            ("left out of the vocabulary built into \"%s\" by max-size or "
                "min-count (unknown=error)", self->location));
      return FALSE;
    case GST_VOCAB_ENCODE_UNKNOWN_SKIP:
    default:
      GST_LOG_OBJECT (self, "skipping unknown token '%s'", token);
      *id = -1;
      return TRUE;
  }
}

/* One line (without '\n'), @len bytes at @data. */
static GstFlowReturn
gst_vocab_encode_line (GstVocabEncode * self, const guint8 * data, size_t len,
    GstClockTime pts)
{
  const char *token;
  gint32 id;

  self->line_no++;
  if (len > 0 && data[len - 1] == '\r')
    len--;

  if (len == 0) {
    /* sentence boundary */
    if (self->building) {
      gint32 mark = -1;
      g_array_append_val (self->seq, mark);
      return GST_FLOW_OK;
    } else {
      GstFlowReturn ret = gst_vocab_encode_flush_ids (self, pts);
      if (ret != GST_FLOW_OK)
        return ret;
      gst_vocab_encode_push_reset (self);
      return GST_FLOW_OK;
    }
  }

  g_byte_array_set_size (self->line, 0);
  g_byte_array_append (self->line, data, (guint) len);
  g_byte_array_append (self->line, (const guint8 *) "", 1);
  token = (const char *) self->line->data;

  if (!rnc_vocab_token_is_valid (token, len)) {
    self->n_invalid++;
    if (!self->invalid_warned) {
      self->invalid_warned = TRUE;
      GST_ELEMENT_WARNING (self, STREAM, DECODE,
          ("Dropping a token line that is not valid UTF-8."),
          ("line %" G_GUINT64_FORMAT " is not valid UTF-8 or holds a NUL "
              "byte; further ones are dropped silently", self->line_no));
    }
    return GST_FLOW_OK;
  }

  if (self->building) {
    gint32 idx = rnc_vocab_counter_add (self->counter, token);
    if (idx < 0)
      goto too_many;
    g_array_append_val (self->seq, idx);
    return GST_FLOW_OK;
  }

  id = rnc_vocab_lookup (self->vocab, token);
  if (id < 0 && !gst_vocab_encode_map_unknown (self, token, self->line_no,
          &id))
    return GST_FLOW_ERROR;
  if (id >= 0)
    g_array_append_val (self->ids, id);
  return GST_FLOW_OK;

  /* ERRORS */
too_many:
  GST_ELEMENT_ERROR (self, STREAM, FAILED,
      ("Too many distinct tokens to build a vocabulary."),
      ("more than %u distinct tokens by line %" G_GUINT64_FORMAT,
          RNC_VOCAB_COUNTER_MAX_SIZE, self->line_no));
  return GST_FLOW_ERROR;
}

/* Processes the complete lines in the adapter; @at_eos takes the rest as a
 * last line. */
static GstFlowReturn
gst_vocab_encode_process (GstVocabEncode * self, GstClockTime pts,
    gboolean at_eos)
{
  GstFlowReturn ret = GST_FLOW_OK;
  gsize avail = gst_adapter_available (self->adapter), pos = 0;
  const guint8 *data;

  if (avail == 0)
    return GST_FLOW_OK;
  data = gst_adapter_map (self->adapter, avail);
  while (pos < avail && ret == GST_FLOW_OK) {
    const guint8 *nl = memchr (data + pos, '\n', avail - pos);
    size_t len;

    if (nl == NULL)
      break;
    len = (size_t) (nl - (data + pos));
    if (self->skipping_line)
      self->skipping_line = FALSE;      /* the tail of an over-long line */
    else
      ret = gst_vocab_encode_line (self, data + pos, len, pts);
    pos += len + 1;
  }
  if (ret == GST_FLOW_OK && at_eos && pos < avail) {
    if (!self->skipping_line)
      ret = gst_vocab_encode_line (self, data + pos, avail - pos, pts);
    pos = avail;
  }
  gst_adapter_unmap (self->adapter);
  gst_adapter_flush (self->adapter, pos);

  /* A line can hold no valid token beyond RNC_VOCAB_MAX_TOKEN_BYTES: drop
   * it instead of buffering without bound. */
  if (gst_adapter_available (self->adapter) > RNC_VOCAB_MAX_TOKEN_BYTES + 1) {
    self->line_no++;
    if (!self->invalid_warned) {
      self->invalid_warned = TRUE;
      GST_ELEMENT_WARNING (self, STREAM, DECODE,
          ("Dropping a token line longer than %u bytes.",
              RNC_VOCAB_MAX_TOKEN_BYTES), ("line %" G_GUINT64_FORMAT,
              self->line_no));
    }
    self->n_invalid++;
    gst_adapter_clear (self->adapter);
    self->skipping_line = TRUE;
  }
  return ret;
}

static GstFlowReturn
gst_vocab_encode_chain (GstPad * pad, GstObject * parent, GstBuffer * buf)
{
  GstVocabEncode *self = GST_VOCAB_ENCODE (parent);
  GstClockTime pts = GST_BUFFER_PTS (buf);
  GstFlowReturn ret;

  if (GST_BUFFER_IS_DISCONT (buf) && gst_adapter_available (self->adapter)) {
    GST_DEBUG_OBJECT (self, "DISCONT: dropping the partial line");
    gst_adapter_clear (self->adapter);
  }
  gst_adapter_push (self->adapter, buf);
  ret = gst_vocab_encode_process (self, pts, FALSE);
  if (ret == GST_FLOW_OK && !self->building)
    ret = gst_vocab_encode_flush_ids (self, pts);
  return ret;
}

/* Build mode at EOS: build, write, then emit the whole stream. */
static GstFlowReturn
gst_vocab_encode_finish_build (GstVocabEncode * self)
{
  GError *err = NULL;
  GstFlowReturn ret = GST_FLOW_OK;
  gint32 *map;                  /* counter index -> id or -1 */
  size_t n_counted, i;

  self->vocab = rnc_vocab_counter_build (self->counter, &self->build_options,
      &err);
  if (self->vocab == NULL)
    goto build_failed;
  if (!rnc_vocab_save (self->vocab, self->location, &err))
    goto save_failed;
  GST_INFO_OBJECT (self, "wrote %s: %zu tokens", self->location,
      rnc_vocab_get_size (self->vocab));

  n_counted = rnc_vocab_counter_get_size (self->counter);
  map = g_new (gint32, MAX (n_counted, 1));
  for (i = 0; i < n_counted; i++) {
    const char *token = rnc_vocab_counter_get_token (self->counter, i);
    map[i] = rnc_vocab_lookup (self->vocab, token);
  }

  g_array_set_size (self->ids, 0);
  for (i = 0; i < self->seq->len && ret == GST_FLOW_OK; i++) {
    gint32 idx = g_array_index (self->seq, gint32, i), id;
    if (idx < 0) {
      ret = gst_vocab_encode_flush_ids (self, GST_CLOCK_TIME_NONE);
      if (ret == GST_FLOW_OK)
        gst_vocab_encode_push_reset (self);
      continue;
    }
    id = map[idx];
    if (id < 0 && !gst_vocab_encode_map_unknown (self,
            rnc_vocab_counter_get_token (self->counter, idx), 0, &id)) {
      ret = GST_FLOW_ERROR;
      break;
    }
    if (id >= 0)
      g_array_append_val (self->ids, id);
    if (self->ids->len >= IDS_CHUNK_FRAMES)
      ret = gst_vocab_encode_flush_ids (self, GST_CLOCK_TIME_NONE);
  }
  if (ret == GST_FLOW_OK)
    ret = gst_vocab_encode_flush_ids (self, GST_CLOCK_TIME_NONE);
  g_free (map);
  return ret;

  /* ERRORS */
build_failed:
  GST_ELEMENT_ERROR (self, STREAM, FAILED,
      ("Could not build the vocabulary."), ("%s", err->message));
  g_clear_error (&err);
  return GST_FLOW_ERROR;
save_failed:
  GST_ELEMENT_ERROR (self, RESOURCE, OPEN_WRITE,
      ("Could not write the vocabulary \"%s\".", self->location),
      ("%s", err->message));
  g_clear_error (&err);
  return GST_FLOW_ERROR;
}

static gboolean
gst_vocab_encode_is_reset_event (GstEvent * event)
{
  const GstStructure *s = gst_event_get_structure (event);
  return GST_EVENT_TYPE (event) == GST_EVENT_CUSTOM_DOWNSTREAM && s != NULL
      && gst_structure_has_name (s, GST_RNC_RESET_EVENT_NAME);
}

static gboolean
gst_vocab_encode_sink_event (GstPad * pad, GstObject * parent,
    GstEvent * event)
{
  GstVocabEncode *self = GST_VOCAB_ENCODE (parent);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_CAPS:
      /* output caps depend on the vocabulary: sent before the first output */
      gst_event_unref (event);
      return TRUE;
    case GST_EVENT_SEGMENT:
      event = gst_recurrent_segment_for_output (event, GST_FORMAT_BYTES);
      if (!self->caps_sent) {
        gst_event_replace (&self->pending_segment, event);
        gst_event_unref (event);
        return TRUE;
      }
      break;
    case GST_EVENT_CUSTOM_DOWNSTREAM:
      if (gst_vocab_encode_is_reset_event (event)) {
        if (self->building) {
          gint32 mark = -1;
          g_array_append_val (self->seq, mark);
          gst_event_unref (event);
          return TRUE;
        }
        gst_vocab_encode_flush_ids (self, GST_CLOCK_TIME_NONE);
        if (!gst_vocab_encode_ensure_caps (self)) {
          gst_event_unref (event);
          return TRUE;
        }
      }
      break;
    case GST_EVENT_EOS:{
      GstFlowReturn ret = gst_vocab_encode_process (self, GST_CLOCK_TIME_NONE,
          TRUE);
      if (ret == GST_FLOW_OK) {
        if (self->building && self->counter)
          ret = gst_vocab_encode_finish_build (self);
        else
          ret = gst_vocab_encode_flush_ids (self, GST_CLOCK_TIME_NONE);
      }
      if (self->n_unknown > 0)
        GST_INFO_OBJECT (self, "%" G_GUINT64_FORMAT " unknown tokens (%s)",
            self->n_unknown, self->on_unknown == GST_VOCAB_ENCODE_UNKNOWN_SKIP ?
            "skipped" : "mapped to <unk>");
      if (ret == GST_FLOW_ERROR) {
        /* the error is posted; do not pretend the stream ended well */
        gst_event_unref (event);
        return FALSE;
      }
      gst_vocab_encode_ensure_caps (self);
      break;
    }
    case GST_EVENT_STREAM_START:
      /* a new stream: its caps and segment follow its stream-start */
      self->caps_sent = FALSE;
      gst_vocab_encode_reset_stream (self);
      break;
    case GST_EVENT_FLUSH_STOP:
      gst_vocab_encode_reset_stream (self);
      break;
    default:
      break;
  }
  return gst_pad_event_default (pad, parent, event);
}
