/* gst-recurrent
 * Copyright (C) 2026 the gst-recurrent authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/**
 * SECTION:element-csvdec
 * @title: csvdec
 * @see_also: csvenc, rnn, lstm
 *
 * csvdec reads CSV text (a sensor log, a time series export) and outputs
 * one F32 frame per data line, holding the chosen columns: its output
 * width D is the number of chosen columns, ready for `rnn` or `lstm`.
 *
 * Columns are chosen with #GstCsvDec:column, a comma-separated list of
 * header names or 0-based indices, in the order wanted. Without it, every
 * column whose value in the first data line is a number (or missing) is
 * chosen, so a date or label column is left out. #GstCsvDec:header says
 * whether the first line names the columns; `auto` decides from the first
 * two lines (a text field above a number means a header).
 *
 * Fields follow RFC 4180: quoted fields may hold delimiters, `""` and line
 * breaks; CRLF and LF line ends are both read; blank lines are ignored.
 * Lines may be split anywhere across input buffers. A missing value (an
 * empty field, `nan`, `NA`, `null`...) follows #GstCsvDec:nan: an error,
 * the line is skipped, or the column's last value is held. A field that is
 * not a number is an element error naming its line.
 *
 * Output caps are `other/x-frames, format=F32LE, width=D, framerate=0/1`,
 * plus `column-names` (an array of strings) when the input has a header.
 * Frames carry no timestamps: CSV lines are not timed.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 filesrc location=AirPassengers.csv ! csvdec column=value ! csvenc precision=4 ! fdsink
 * gst-launch-1.0 filesrc location=sensor.csv ! csvdec column=value ! lstm model=m.safetensors ! csvenc ! fdsink
 * ]|
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstcsvdec.h"

#include "gstrecurrentelements.h"
#include "gstrecurrentutil.h"

GST_DEBUG_CATEGORY_STATIC (gst_csv_dec_debug);
#define GST_CAT_DEFAULT gst_csv_dec_debug

typedef enum {
  GST_CSV_DEC_HEADER_AUTO = RNC_CSV_HEADER_AUTO,
  GST_CSV_DEC_HEADER_TRUE = RNC_CSV_HEADER_PRESENT,
  GST_CSV_DEC_HEADER_FALSE = RNC_CSV_HEADER_ABSENT,
} GstCsvDecHeader;

typedef enum {
  GST_CSV_DEC_NAN_ERROR = RNC_CSV_NAN_ERROR,
  GST_CSV_DEC_NAN_SKIP = RNC_CSV_NAN_SKIP,
  GST_CSV_DEC_NAN_HOLD = RNC_CSV_NAN_HOLD,
} GstCsvDecNan;

enum
{
  PROP_0,
  PROP_COLUMN,
  PROP_HEADER,
  PROP_DELIMITER,
  PROP_NAN,
};

#define DEFAULT_COLUMN NULL
#define DEFAULT_HEADER GST_CSV_DEC_HEADER_AUTO
#define DEFAULT_DELIMITER ","
#define DEFAULT_NAN GST_CSV_DEC_NAN_ERROR

struct _GstCsvDec
{
  GstElement parent;

  GstPad *sinkpad, *srcpad;

  /* properties, under the object lock */
  gchar *column;
  GstCsvDecHeader header;
  gchar *delimiter;
  GstCsvDecNan nan;

  /* streaming thread */
  RncCsvReader *reader;
  GstAdapter *adapter;
  GArray *frames;               /* float, reused for every buffer */
  gsize width;                  /* 0 until the caps were sent */
  GstEvent *pending_segment;    /* sent after the caps */
  gboolean discont;
  gboolean failed;              /* an error was posted: refuse data until a flush */
  gboolean flushed;             /* FLUSH_STOP seen: the next SEGMENT says where
                                 * the bytes resume */
};

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK,
    GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("text/x-raw, format = (string) utf8; text/csv"));

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC,
    GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("other/x-frames, format = (string) F32LE, "
        "width = (int) [ 1, MAX ], framerate = (fraction) 0/1"));

#define gst_csv_dec_parent_class parent_class
G_DEFINE_TYPE (GstCsvDec, gst_csv_dec, GST_TYPE_ELEMENT);
GST_ELEMENT_REGISTER_DEFINE (csvdec, "csvdec", GST_RANK_NONE,
    GST_TYPE_CSV_DEC);

GType
gst_csv_dec_header_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_CSV_DEC_HEADER_AUTO,
        "Decide from the first two lines (text above a number is a header)",
        "auto"},
    {GST_CSV_DEC_HEADER_TRUE, "The first line names the columns", "true"},
    {GST_CSV_DEC_HEADER_FALSE, "Every line is data", "false"},
    {0, NULL, NULL}
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstCsvDecHeader", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

GType
gst_csv_dec_nan_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_CSV_DEC_NAN_ERROR, "A missing value is an error", "error"},
    {GST_CSV_DEC_NAN_SKIP, "Skip lines with a missing value", "skip"},
    {GST_CSV_DEC_NAN_HOLD,
          "Repeat the column's last value (lines before its first value are "
          "skipped)", "hold"},
    {0, NULL, NULL}
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstCsvDecNan", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

static void gst_csv_dec_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec);
static void gst_csv_dec_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec);
static void gst_csv_dec_finalize (GObject * object);
static GstStateChangeReturn gst_csv_dec_change_state (GstElement * element,
    GstStateChange transition);
static GstFlowReturn gst_csv_dec_chain (GstPad * pad, GstObject * parent,
    GstBuffer * buf);
static gboolean gst_csv_dec_sink_event (GstPad * pad, GstObject * parent,
    GstEvent * event);

static void
gst_csv_dec_class_init (GstCsvDecClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  GST_DEBUG_CATEGORY_INIT (gst_csv_dec_debug, "csvdec", 0,
      "CSV text to frames");

  gobject_class->set_property = gst_csv_dec_set_property;
  gobject_class->get_property = gst_csv_dec_get_property;
  gobject_class->finalize = gst_csv_dec_finalize;

  g_object_class_install_property (gobject_class, PROP_COLUMN,
      g_param_spec_string ("column", "Columns",
          "Columns to output, in order: comma-separated header names or "
          "0-based indices (NULL: every column whose first value is numeric)",
          DEFAULT_COLUMN, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_HEADER,
      g_param_spec_enum ("header", "Header",
          "Whether the first line holds the column names",
          GST_TYPE_CSV_DEC_HEADER, DEFAULT_HEADER,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_DELIMITER,
      g_param_spec_string ("delimiter", "Delimiter",
          "Field separator: one ASCII character, or \"\\t\" / \"tab\"",
          DEFAULT_DELIMITER, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_NAN,
      g_param_spec_enum ("nan", "Missing values",
          "What a missing value (empty, nan, NA, null) in a chosen column does",
          GST_TYPE_CSV_DEC_NAN, DEFAULT_NAN,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "CSV to frames", "Codec/Decoder/Converter",
      "Parses CSV text into F32 frames of the chosen numeric columns",
      GST_RECURRENT_AUTHORS);

  element_class->change_state = GST_DEBUG_FUNCPTR (gst_csv_dec_change_state);

  gst_type_mark_as_plugin_api (GST_TYPE_CSV_DEC_HEADER, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_CSV_DEC_NAN, 0);
}

static void
gst_csv_dec_init (GstCsvDec * self)
{
  self->sinkpad = gst_pad_new_from_static_template (&sink_template, "sink");
  gst_pad_set_chain_function (self->sinkpad,
      GST_DEBUG_FUNCPTR (gst_csv_dec_chain));
  gst_pad_set_event_function (self->sinkpad,
      GST_DEBUG_FUNCPTR (gst_csv_dec_sink_event));
  gst_element_add_pad (GST_ELEMENT (self), self->sinkpad);

  self->srcpad = gst_pad_new_from_static_template (&src_template, "src");
  gst_pad_use_fixed_caps (self->srcpad);
  gst_element_add_pad (GST_ELEMENT (self), self->srcpad);

  self->column = g_strdup (DEFAULT_COLUMN);
  self->header = DEFAULT_HEADER;
  self->delimiter = g_strdup (DEFAULT_DELIMITER);
  self->nan = DEFAULT_NAN;
  self->adapter = gst_adapter_new ();
  self->frames = g_array_new (FALSE, FALSE, sizeof (float));
}

static void
gst_csv_dec_finalize (GObject * object)
{
  GstCsvDec *self = GST_CSV_DEC (object);

  g_free (self->column);
  g_free (self->delimiter);
  rnc_csv_reader_free (self->reader);
  g_object_unref (self->adapter);
  g_array_unref (self->frames);
  gst_event_replace (&self->pending_segment, NULL);

  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_csv_dec_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstCsvDec *self = GST_CSV_DEC (object);

  GST_OBJECT_LOCK (self);
  if (gst_recurrent_property_locked (GST_ELEMENT (self), pspec)) {
    GST_OBJECT_UNLOCK (self);
    gst_recurrent_post_property_refused (GST_ELEMENT (self), pspec);
    return;
  }
  switch (prop_id) {
    case PROP_COLUMN:
      g_free (self->column);
      self->column = g_value_dup_string (value);
      break;
    case PROP_HEADER:
      self->header = g_value_get_enum (value);
      break;
    case PROP_DELIMITER:
      g_free (self->delimiter);
      self->delimiter = g_value_dup_string (value);
      break;
    case PROP_NAN:
      self->nan = g_value_get_enum (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_csv_dec_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  GstCsvDec *self = GST_CSV_DEC (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_COLUMN:
      g_value_set_string (value, self->column);
      break;
    case PROP_HEADER:
      g_value_set_enum (value, self->header);
      break;
    case PROP_DELIMITER:
      g_value_set_string (value, self->delimiter);
      break;
    case PROP_NAN:
      g_value_set_enum (value, self->nan);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

/* READY -> PAUSED: a reader from the properties. */
static gboolean
gst_csv_dec_start (GstElement * element)
{
  GstCsvDec *self = GST_CSV_DEC (element);
  RncCsvOptions opts;
  GError *err = NULL;
  gchar *column, *delimiter;

  rnc_csv_options_init (&opts);
  GST_OBJECT_LOCK (self);
  column = g_strdup (self->column);
  delimiter = g_strdup (self->delimiter);
  opts.header = (RncCsvHeaderMode) self->header;
  opts.nan = (RncCsvNanPolicy) self->nan;
  GST_OBJECT_UNLOCK (self);

  opts.columns = column;
  if (!rnc_csv_parse_delimiter (delimiter, &opts.delimiter, &err))
    goto bad_options;
  self->reader = rnc_csv_reader_new (&opts, &err);
  if (!self->reader)
    goto bad_options;
  g_free (column);
  g_free (delimiter);
  self->width = 0;
  self->discont = TRUE;
  self->failed = FALSE;
  gst_adapter_clear (self->adapter);
  return TRUE;

  /* ERRORS */
bad_options:
  GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
      ("Invalid csvdec settings: %s", err->message), (NULL));
  g_clear_error (&err);
  g_free (column);
  g_free (delimiter);
  return FALSE;
}

static void
gst_csv_dec_stop (GstElement * element)
{
  GstCsvDec *self = GST_CSV_DEC (element);

  g_clear_pointer (&self->reader, rnc_csv_reader_free);
  gst_adapter_clear (self->adapter);
  g_array_set_size (self->frames, 0);
  gst_event_replace (&self->pending_segment, NULL);
  self->width = 0;
}

static GstStateChangeReturn
gst_csv_dec_change_state (GstElement * element, GstStateChange transition)
{
  return gst_recurrent_change_state (element, transition,
      GST_ELEMENT_CLASS (parent_class), gst_csv_dec_start, gst_csv_dec_stop);
}

/* Sends the caps (once the width is known) and the held segment. */
static gboolean
gst_csv_dec_negotiate (GstCsvDec * self)
{
  gsize width = rnc_csv_reader_get_width (self->reader);
  const char *const *names = rnc_csv_reader_get_column_names (self->reader);
  GstCaps *caps;
  gboolean ok;

  if (width > 65536) {
    GST_ELEMENT_ERROR (self, STREAM, FORMAT, (NULL),
        ("%" G_GSIZE_FORMAT " columns chosen, at most 65536", width));
    return FALSE;
  }
  caps = gst_caps_new_simple ("other/x-frames",
      "format", G_TYPE_STRING, "F32LE",
      "width", G_TYPE_INT, (gint) width,
      "framerate", GST_TYPE_FRACTION, 0, 1, NULL);
  if (names) {
    GValue arr = G_VALUE_INIT, v = G_VALUE_INIT;
    gsize i;

    gst_value_array_init (&arr, width);
    g_value_init (&v, G_TYPE_STRING);
    for (i = 0; i < width; i++) {
      g_value_set_string (&v, names[i]);
      gst_value_array_append_value (&arr, &v);
    }
    gst_caps_set_value (caps, "column-names", &arr);
    g_value_unset (&v);
    g_value_unset (&arr);
  }
  GST_DEBUG_OBJECT (self, "output caps %" GST_PTR_FORMAT, caps);
  ok = gst_pad_push_event (self->srcpad, gst_event_new_caps (caps));
  gst_caps_unref (caps);
  if (!ok)
    return FALSE;
  self->width = width;
  if (self->pending_segment) {
    gst_pad_push_event (self->srcpad, self->pending_segment);
    self->pending_segment = NULL;
  }
  return TRUE;
}

/* Pushes the frames gathered in self->frames. */
static GstFlowReturn
gst_csv_dec_push_frames (GstCsvDec * self)
{
  GstBuffer *out;
  gsize bytes = self->frames->len * sizeof (float);

  if (self->frames->len == 0)
    return GST_FLOW_OK;
  if (self->width == 0 && !gst_csv_dec_negotiate (self)) {
    g_array_set_size (self->frames, 0);
    /* a caps event refused because a flushing seek is under way is not a
     * negotiation failure (found by tests/elements/test-state-stress.cc) */
    return GST_PAD_IS_FLUSHING (self->srcpad) ? GST_FLOW_FLUSHING :
        GST_FLOW_NOT_NEGOTIATED;
  }
  /* one allocation per output buffer */
  out = gst_buffer_new_allocate (NULL, bytes, NULL);
  gst_buffer_fill (out, 0, self->frames->data, bytes);
  g_array_set_size (self->frames, 0);
  if (self->discont) {
    GST_BUFFER_FLAG_SET (out, GST_BUFFER_FLAG_DISCONT);
    self->discont = FALSE;
  }
  return gst_pad_push (self->srcpad, out);
}

/* Parses what the adapter holds; @at_eof ends the last line. */
static GstFlowReturn
gst_csv_dec_parse (GstCsvDec * self, gboolean at_eof)
{
  gsize avail = gst_adapter_available (self->adapter), consumed = 0;
  const char *data = NULL;
  GError *err = NULL;
  gboolean ok;

  if (avail > 0)
    data = gst_adapter_map (self->adapter, avail);
  ok = rnc_csv_reader_feed (self->reader, data, avail, at_eof, &consumed,
      self->frames, &err);
  if (avail > 0)
    gst_adapter_unmap (self->adapter);
  gst_adapter_flush (self->adapter, ok ? consumed : avail);
  if (!ok)
    goto parse_error;
  return gst_csv_dec_push_frames (self);

  /* ERRORS */
parse_error:
  g_array_set_size (self->frames, 0);
  self->failed = TRUE;
  GST_ELEMENT_ERROR (self, STREAM, DECODE,
      ("Could not parse the CSV input: %s", err->message), (NULL));
  g_clear_error (&err);
  return GST_FLOW_ERROR;
}

/* A new text: the header is detected and the columns chosen again. */
static void
gst_csv_dec_start_over (GstCsvDec * self)
{
  gst_adapter_clear (self->adapter);
  if (self->reader)
    rnc_csv_reader_reset (self->reader);
  g_array_set_size (self->frames, 0);
  self->width = 0;
  self->discont = TRUE;
  self->failed = FALSE;
}

static GstFlowReturn
gst_csv_dec_chain (GstPad * pad, GstObject * parent, GstBuffer * buf)
{
  GstCsvDec *self = GST_CSV_DEC (parent);

  if (self->failed) {
    gst_buffer_unref (buf);
    return GST_FLOW_ERROR;
  }
  if (GST_BUFFER_IS_DISCONT (buf) && gst_adapter_available (self->adapter)) {
    /* bytes are missing: the incomplete line kept so far is garbage */
    GST_DEBUG_OBJECT (self, "discont, dropping %" G_GSIZE_FORMAT " bytes",
        gst_adapter_available (self->adapter));
    gst_adapter_clear (self->adapter);
    rnc_csv_reader_discard_partial (self->reader);
    self->discont = TRUE;
  }
  gst_adapter_push (self->adapter, buf);
  return gst_csv_dec_parse (self, FALSE);
}

static gboolean
gst_csv_dec_sink_event (GstPad * pad, GstObject * parent, GstEvent * event)
{
  GstCsvDec *self = GST_CSV_DEC (parent);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_CAPS:
      /* the input caps say nothing the parser needs; ours follow the data */
      gst_event_unref (event);
      return TRUE;
    case GST_EVENT_SEGMENT:
      if (self->flushed) {
        const GstSegment *seg;
        self->flushed = FALSE;
        gst_event_parse_segment (event, &seg);
        /* a flushing seek into the same text (a byte seek past its start):
         * keep the header and the chosen columns, resume at the next line;
         * anything else starts over */
        if (seg->format == GST_FORMAT_BYTES && seg->start > 0 && self->reader
            && rnc_csv_reader_get_columns (self->reader) != NULL
            && self->width > 0) {
          GST_DEBUG_OBJECT (self, "resuming at byte %" G_GUINT64_FORMAT
              ": header and columns kept, the partial line dropped",
              seg->start);
          rnc_csv_reader_resync (self->reader);
        } else {
          gst_csv_dec_start_over (self);
        }
      }
      /* frames of a byte stream have no time: a fresh time segment */
      event = gst_recurrent_segment_for_output (event, GST_FORMAT_TIME);
      if (self->width == 0) {
        gst_event_replace (&self->pending_segment, event);
        gst_event_unref (event);
        return TRUE;
      }
      return gst_pad_push_event (self->srcpad, event);
    case GST_EVENT_FLUSH_STOP:
      /* the reader starts over or resumes: the SEGMENT that follows says */
      gst_adapter_clear (self->adapter);
      if (self->reader)
        rnc_csv_reader_discard_partial (self->reader);
      g_array_set_size (self->frames, 0);
      self->discont = TRUE;
      self->failed = FALSE;
      self->flushed = TRUE;
      break;
    case GST_EVENT_STREAM_START:
      gst_csv_dec_start_over (self);
      self->flushed = FALSE;
      break;
    case GST_EVENT_EOS:
      if (self->failed || (self->reader
              && gst_csv_dec_parse (self, TRUE) == GST_FLOW_ERROR)) {
        gst_event_unref (event);
        return FALSE;
      }
      break;
    default:
      break;
  }
  return gst_pad_event_default (pad, parent, event);
}
