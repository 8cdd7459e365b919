/* gst-recurrent: the vocab-decode element.
 *
 * SECTION:element-vocab-decode
 * @title: vocab-decode
 * @short_description: token ids or class scores to token lines
 *
 * The inverse of `vocab-encode`: each S32LE frame of width 1 is a token id,
 * and each F32LE frame of width V (one-hot vectors, logits or
 * probabilities over the vocabulary) stands for its argmax (the first on
 * ties; NaN never wins). The element writes the token of each id followed
 * by #GstVocabDecode:separator (a newline by default, so one token per line:
 * decode(encode(x)) == x; `separator=" "` gives running text,
 * `'separator=""'`, quoted so that the shell passes the empty value, joins
 * characters).
 *
 * #GstVocabDecode:vocab is a vocabulary file (one token per line, line k =
 * id k) or a model file (safetensors, detected by its content): its
 * `rnc.labels` (the output classes: tags, or a language model's
 * vocabulary), or `rnc.vocab` when it has no labels. An F32LE input width
 * other than the vocabulary size fails negotiation with an element error
 * naming both. An id outside the vocabulary is dropped with a warning.
 * The file is read at start, and read again when the caps arrive if it
 * has changed meanwhile or did not exist yet, so that
 * `vocab-encode build=true vocab=v.txt ! vocab-decode vocab=v.txt` works in
 * one pipeline.
 *
 * A serialized custom downstream event named `rnc/reset` (a sentence
 * boundary from `vocab-encode`) makes the element write a newline (an empty
 * line with the default separator, so a tagger's output lines up with its
 * input sentences), then it is forwarded.
 *
 * Frames split across buffers are joined (GstAdapter); a DISCONT buffer,
 * FLUSH_STOP and STREAM_START drop a partial frame; a partial frame left at
 * EOS is dropped with a warning.
 *
 * Caps: `other/x-frames, format=S32LE, width=1` or `other/x-frames,
 * format=F32LE, width=[1,MAX]` (any framerate) in; `text/x-raw,
 * format=utf8` out. Output buffers keep the input buffer's PTS.
 *
 * ## Example launch lines (pipelines/seed-nlp.sh)
 * |[
 * gst-launch-1.0 filesrc location=ids.s32 ! other/x-frames,format=S32LE,width=1,framerate=0/1 ! \
 *     vocab-decode vocab=vocab.txt ! filesink location=decoded.txt
 * gst-launch-1.0 filesrc location=preprocessed.txt ! vocab-encode vocab=vocab.txt output=onehot ! \
 *     vocab-decode vocab=vocab.txt separator=" " ! fdsink
 * ]|
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstvocabdecode.h"
#include "gstrecurrentelements.h"
#include "gstrecurrentutil.h"

#include "rnc-activation.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

GST_DEBUG_CATEGORY_STATIC (gst_vocab_decode_debug);
#define GST_CAT_DEFAULT gst_vocab_decode_debug

enum
{
  PROP_0,
  PROP_VOCAB,
  PROP_SEPARATOR,
};

#define DEFAULT_VOCAB NULL
#define DEFAULT_SEPARATOR "\n"

#define RESET_EVENT_NAME "rnc/reset"

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("other/x-frames, format = (string) S32LE, "
        "width = (int) 1, framerate = (fraction) [ 0/1, MAX ]; "
        "other/x-frames, format = (string) F32LE, "
        "width = (int) [ 1, MAX ], framerate = (fraction) [ 0/1, MAX ]"));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("text/x-raw, format = (string) utf8"));

#define gst_vocab_decode_parent_class parent_class
G_DEFINE_TYPE (GstVocabDecode, gst_vocab_decode, GST_TYPE_ELEMENT);
GST_ELEMENT_REGISTER_DEFINE (vocab_decode, "vocab-decode", GST_RANK_NONE,
    GST_TYPE_VOCAB_DECODE);

static void gst_vocab_decode_finalize (GObject * object);
static void gst_vocab_decode_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec);
static void gst_vocab_decode_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec);
static GstStateChangeReturn gst_vocab_decode_change_state (GstElement *
    element, GstStateChange transition);
static GstFlowReturn gst_vocab_decode_chain (GstPad * pad, GstObject * parent,
    GstBuffer * buf);
static gboolean gst_vocab_decode_sink_event (GstPad * pad, GstObject * parent,
    GstEvent * event);

static void
gst_vocab_decode_class_init (GstVocabDecodeClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
      GST_PARAM_MUTABLE_READY;

  GST_DEBUG_CATEGORY_INIT (gst_vocab_decode_debug, "vocab-decode", 0,
      "token ids to token lines");

  gobject_class->finalize = gst_vocab_decode_finalize;
  gobject_class->set_property = gst_vocab_decode_set_property;
  gobject_class->get_property = gst_vocab_decode_get_property;

  g_object_class_install_property (gobject_class, PROP_VOCAB,
      g_param_spec_string ("vocab", "Vocabulary",
          "Vocabulary file (one token per line, line k = id k) or model file "
          "(its rnc.labels, else rnc.vocab)", DEFAULT_VOCAB, rw));
  g_object_class_install_property (gobject_class, PROP_SEPARATOR,
      g_param_spec_string ("separator", "Separator",
          "Written after every token (default a newline: one token per "
          "line); an rnc/reset event writes a newline", DEFAULT_SEPARATOR,
          rw));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "Vocabulary decoder",
      "Codec/Decoder/Text",
      "Turns token ids (S32LE) or class scores (F32LE, by argmax) back into "
      "token lines through a vocabulary file or model",
      GST_RECURRENT_AUTHORS);

  element_class->change_state =
      GST_DEBUG_FUNCPTR (gst_vocab_decode_change_state);
}

static void
gst_vocab_decode_init (GstVocabDecode * self)
{
  self->sinkpad = gst_pad_new_from_static_template (&sink_template, "sink");
  gst_pad_set_chain_function (self->sinkpad,
      GST_DEBUG_FUNCPTR (gst_vocab_decode_chain));
  gst_pad_set_event_function (self->sinkpad,
      GST_DEBUG_FUNCPTR (gst_vocab_decode_sink_event));
  gst_element_add_pad (GST_ELEMENT (self), self->sinkpad);

  self->srcpad = gst_pad_new_from_static_template (&src_template, "src");
  gst_pad_use_fixed_caps (self->srcpad);
  gst_element_add_pad (GST_ELEMENT (self), self->srcpad);

  self->vocab_location = g_strdup (DEFAULT_VOCAB);
  self->separator = g_strdup (DEFAULT_SEPARATOR);
  self->adapter = gst_adapter_new ();
  self->out = g_byte_array_new ();
}

static void
gst_vocab_decode_finalize (GObject * object)
{
  GstVocabDecode *self = GST_VOCAB_DECODE (object);

  g_free (self->vocab_location);
  g_free (self->separator);
  g_free (self->location);
  g_free (self->sep);
  g_free (self->row);
  rnc_vocab_free (self->vocab);
  g_object_unref (self->adapter);
  g_byte_array_unref (self->out);

  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_vocab_decode_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstVocabDecode *self = GST_VOCAB_DECODE (object);

  GST_OBJECT_LOCK (self);
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
    case PROP_SEPARATOR:
      g_free (self->separator);
      self->separator = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_vocab_decode_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstVocabDecode *self = GST_VOCAB_DECODE (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_VOCAB:
      g_value_set_string (value, self->vocab_location);
      break;
    case PROP_SEPARATOR:
      g_value_set_string (value, self->separator);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

/* Identity of the vocabulary file (inode, size, mtime): a vocabulary
 * written again (vocab-encode build=true writes by rename) is read again. */
static gboolean
gst_vocab_decode_stamp (const char *path, guint64 stamp[3])
{
  GStatBuf st;
  if (g_stat (path, &st) != 0)
    return FALSE;
  stamp[0] = (guint64) st.st_ino;
  stamp[1] = (guint64) st.st_size;
  stamp[2] = (guint64) st.st_mtim.tv_sec * G_GUINT64_CONSTANT (1000000000) +
      (guint64) st.st_mtim.tv_nsec;
  return TRUE;
}

/* Reads the vocabulary, unless the one read before is still current. */
static gboolean
gst_vocab_decode_load (GstVocabDecode * self)
{
  static const char *const keys[] = { "rnc.labels", "rnc.vocab", NULL };
  GError *err = NULL;
  guint64 stamp[3] = { 0, 0, 0 };
  RncVocab *vocab;

  gst_vocab_decode_stamp (self->location, stamp);
  if (self->vocab && memcmp (stamp, self->vocab_stamp, sizeof (stamp)) == 0)
    return TRUE;

  vocab = rnc_vocab_load_any (self->location, keys, &err);
  if (vocab == NULL)
    goto load_failed;
  if (rnc_vocab_get_size (vocab) == 0)
    goto empty;
  GST_INFO_OBJECT (self, "vocabulary %s: %zu tokens", self->location,
      rnc_vocab_get_size (vocab));
  rnc_vocab_free (self->vocab);
  self->vocab = vocab;
  memcpy (self->vocab_stamp, stamp, sizeof (stamp));
  return TRUE;

  /* ERRORS */
load_failed:
  GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ,
      ("Could not read the vocabulary \"%s\".", self->location),
      ("%s", err->message));
  g_clear_error (&err);
  return FALSE;
empty:
  GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
      ("The vocabulary \"%s\" is empty.", self->location), (NULL));
  rnc_vocab_free (vocab);
  return FALSE;
}

/* READY -> PAUSED: reads the vocabulary when the file exists; a file that
 * does not exist yet (written by vocab-encode build=true upstream in the
 * same pipeline) is read when the caps arrive. */
static gboolean
gst_vocab_decode_start (GstElement * element)
{
  GstVocabDecode *self = GST_VOCAB_DECODE (element);

  GST_OBJECT_LOCK (self);
  g_free (self->location);
  self->location = g_strdup (self->vocab_location);
  g_free (self->sep);
  self->sep = g_strdup (self->separator ? self->separator : "");
  self->sep_len = strlen (self->sep);
  GST_OBJECT_UNLOCK (self);

  self->width = 0;
  self->n_bad = 0;
  if (self->location == NULL || self->location[0] == '\0')
    goto no_location;
  if (g_file_test (self->location, G_FILE_TEST_EXISTS)
      && !gst_vocab_decode_load (self))
    return FALSE;
  return TRUE;

  /* ERRORS */
no_location:
  GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND,
      ("No vocabulary file given (the vocab property)."), (NULL));
  return FALSE;
}

static void
gst_vocab_decode_stop (GstElement * element)
{
  GstVocabDecode *self = GST_VOCAB_DECODE (element);

  rnc_vocab_free (self->vocab);
  self->vocab = NULL;
  g_free (self->row);
  self->row = NULL;
  self->width = 0;
  gst_adapter_clear (self->adapter);
  g_byte_array_set_size (self->out, 0);
}

static GstStateChangeReturn
gst_vocab_decode_change_state (GstElement * element, GstStateChange transition)
{
  return gst_recurrent_change_state (element, transition,
      GST_ELEMENT_CLASS (parent_class), gst_vocab_decode_start,
      gst_vocab_decode_stop);
}

static gboolean
gst_vocab_decode_set_caps (GstVocabDecode * self, GstCaps * caps)
{
  GstStructure *s = gst_caps_get_structure (caps, 0);
  const gchar *format = gst_structure_get_string (s, "format");
  gint width = 0;
  gboolean scores;
  size_t V;

  if (!gst_vocab_decode_load (self))
    return FALSE;
  V = rnc_vocab_get_size (self->vocab);
  if (format == NULL || !gst_structure_get_int (s, "width", &width)
      || width < 1)
    goto bad_caps;
  scores = strcmp (format, "F32LE") == 0;
  if (!scores && (strcmp (format, "S32LE") != 0 || width != 1))
    goto bad_caps;
  if (scores && (size_t) width != V)
    goto wrong_width;

  gst_adapter_clear (self->adapter);
  self->scores = scores;
  self->width = (size_t) width;
  g_free (self->row);
  self->row = scores && G_BYTE_ORDER != G_LITTLE_ENDIAN ?
      g_new (float, self->width) : NULL;
  GST_DEBUG_OBJECT (self, "input %s, width %d", format, width);
  return TRUE;

  /* ERRORS */
bad_caps:
  GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, (NULL),
      ("unsupported input caps %" GST_PTR_FORMAT, caps));
  return FALSE;
wrong_width:
  GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
      ("Input frames of width %d do not match the vocabulary \"%s\" of %zu "
          "tokens.", width, self->location, V),
      ("F32LE scores need one value per vocabulary entry"));
  return FALSE;
}

/* The id a frame stands for (@frame: width little-endian values). */
static gint32
gst_vocab_decode_frame_id (GstVocabDecode * self, const guint8 * frame)
{
  if (!self->scores) {
    gint32 v;
    memcpy (&v, frame, 4);
    return GINT32_FROM_LE (v);
  }
  if (self->row) {
    /* big-endian host: swap into the scratch row first */
    size_t i;
    for (i = 0; i < self->width; i++) {
      guint32 u;
      memcpy (&u, frame + 4 * i, 4);
      u = GUINT32_FROM_LE (u);
      memcpy (&self->row[i], &u, 4);
    }
    return (gint32) rnc_argmax (self->row, self->width);
  }
  return (gint32) rnc_argmax ((const float *) frame, self->width);
}

static GstFlowReturn
gst_vocab_decode_push_out (GstVocabDecode * self, GstClockTime pts)
{
  GstBuffer *buf;

  if (self->out->len == 0)
    return GST_FLOW_OK;
  buf = gst_buffer_new_memdup (self->out->data, self->out->len);
  g_byte_array_set_size (self->out, 0);
  GST_BUFFER_PTS (buf) = pts;
  return gst_pad_push (self->srcpad, buf);
}

static GstFlowReturn
gst_vocab_decode_chain (GstPad * pad, GstObject * parent, GstBuffer * buf)
{
  GstVocabDecode *self = GST_VOCAB_DECODE (parent);
  GstClockTime pts = GST_BUFFER_PTS (buf);
  size_t frame_bytes, n, t;
  const guint8 *data;

  if (self->width == 0)
    goto not_negotiated;
  frame_bytes = self->width * 4;

  if (GST_BUFFER_IS_DISCONT (buf) && gst_adapter_available (self->adapter)) {
    GST_DEBUG_OBJECT (self, "DISCONT: dropping a partial frame");
    gst_adapter_clear (self->adapter);
  }
  gst_adapter_push (self->adapter, buf);
  n = gst_adapter_available (self->adapter) / frame_bytes;
  if (n == 0)
    return GST_FLOW_OK;

  data = gst_adapter_map (self->adapter, n * frame_bytes);
  for (t = 0; t < n; t++) {
    gint32 id = gst_vocab_decode_frame_id (self, data + t * frame_bytes);
    const char *token = rnc_vocab_get_token (self->vocab, id);
    if (token == NULL) {
      if (self->n_bad++ == 0)
        GST_ELEMENT_WARNING (self, STREAM, DECODE,
            ("Dropping token ids outside the vocabulary."),
            ("id %d is not in [0, %zu) of \"%s\"", id,
                rnc_vocab_get_size (self->vocab), self->location));
      continue;
    }
    g_byte_array_append (self->out, (const guint8 *) token,
        (guint) strlen (token));
    g_byte_array_append (self->out, (const guint8 *) self->sep,
        (guint) self->sep_len);
  }
  gst_adapter_unmap (self->adapter);
  gst_adapter_flush (self->adapter, n * frame_bytes);
  return gst_vocab_decode_push_out (self, pts);

  /* ERRORS */
not_negotiated:
  gst_buffer_unref (buf);
  GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, (NULL),
      ("data before caps"));
  return GST_FLOW_NOT_NEGOTIATED;
}

static void
gst_vocab_decode_drop_partial (GstVocabDecode * self, const char *why)
{
  gsize left = gst_adapter_available (self->adapter);
  if (left > 0) {
    GST_ELEMENT_WARNING (self, STREAM, DECODE,
        ("Dropping a partial frame."), ("%" G_GSIZE_FORMAT " bytes left at %s",
            left, why));
    gst_adapter_clear (self->adapter);
  }
}

static gboolean
gst_vocab_decode_sink_event (GstPad * pad, GstObject * parent,
    GstEvent * event)
{
  GstVocabDecode *self = GST_VOCAB_DECODE (parent);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_CAPS:{
      GstCaps *caps, *out;
      gboolean ok;
      gst_event_parse_caps (event, &caps);
      ok = gst_vocab_decode_set_caps (self, caps);
      gst_event_unref (event);
      if (!ok)
        return FALSE;
      out = gst_pad_get_pad_template_caps (self->srcpad);
      ok = gst_pad_push_event (self->srcpad, gst_event_new_caps (out));
      gst_caps_unref (out);
      return ok;
    }
    case GST_EVENT_SEGMENT:
      event = gst_recurrent_segment_for_output (event, GST_FORMAT_BYTES);
      break;
    case GST_EVENT_CUSTOM_DOWNSTREAM:{
      const GstStructure *s = gst_event_get_structure (event);
      if (s && gst_structure_has_name (s, RESET_EVENT_NAME)) {
        /* a sentence boundary: end the line, then pass the reset on */
        gst_vocab_decode_drop_partial (self, "a sentence boundary");
        g_byte_array_append (self->out, (const guint8 *) "\n", 1);
        gst_vocab_decode_push_out (self, GST_CLOCK_TIME_NONE);
      }
      break;
    }
    case GST_EVENT_EOS:
      gst_vocab_decode_drop_partial (self, "end of stream");
      break;
    case GST_EVENT_FLUSH_STOP:
    case GST_EVENT_STREAM_START:
      gst_adapter_clear (self->adapter);
      g_byte_array_set_size (self->out, 0);
      break;
    default:
      break;
  }
  return gst_pad_event_default (pad, parent, event);
}
