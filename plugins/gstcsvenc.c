/* gst-recurrent
 * Copyright (C) 2026 the gst-recurrent authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/**
 * SECTION:element-csvenc
 * @title: csvenc
 * @see_also: csvdec, rnn, lstm
 *
 * csvenc writes frames as CSV text: one line per frame, the frame's values
 * separated by #GstCsvEnc:delimiter. F32 values are printed with
 * #GstCsvEnc:precision significant digits in the C locale (9 digits give
 * back the exact float), S32 values (token or class ids) as integers.
 *
 * With #GstCsvEnc:header, a first line names the columns: the
 * `column-names` of the input caps when they are present (csvdec sets
 * them), otherwise `v0`, `v1`, ... The header is written again after a
 * flush or a new stream.
 *
 * Input frames may be split across buffers; each output buffer holds the
 * lines of the frames completed by one input buffer and carries its
 * timestamp. Trailing bytes that do not make a whole frame at EOS are
 * dropped with a warning.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 filesrc location=AirPassengers.csv ! csvdec column=value ! csvenc header=true precision=4 ! fdsink
 * gst-launch-1.0 filesrc location=q2.f32 ! other/x-frames,format=F32LE,width=4,framerate=0/1 ! rnn model=q2.safetensors output=hidden ! csvenc ! fdsink
 * ]|
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstcsvenc.h"

#include "gstrecurrentelements.h"
#include "gstrecurrentutil.h"
#include "rnc-csv.h"

GST_DEBUG_CATEGORY_STATIC (gst_csv_enc_debug);
#define GST_CAT_DEFAULT gst_csv_enc_debug

enum
{
  PROP_0,
  PROP_HEADER,
  PROP_PRECISION,
  PROP_DELIMITER,
};

#define DEFAULT_HEADER FALSE
#define DEFAULT_PRECISION 6
#define DEFAULT_DELIMITER ","

struct _GstCsvEnc
{
  GstElement parent;

  GstPad *sinkpad, *srcpad;

  /* properties, under the object lock */
  gboolean header;
  gint precision;
  gchar *delimiter;

  /* streaming thread */
  GstAdapter *adapter;
  GString *text;                /* reused for every buffer */
  GByteArray *scratch;          /* aligned copy of the frames, reused */
  gsize width;                  /* values per frame, 0 before caps */
  gboolean ints;                /* S32LE frames */
  gchar **names;                /* column-names of the caps, or NULL */
  char delim;
  gboolean want_header;         /* write it before the next frame */
};

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK,
    GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("other/x-frames, format = (string) { F32LE, S32LE }, "
        "width = (int) [ 1, MAX ], framerate = (fraction) [ 0/1, MAX ]"));

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC,
    GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("text/x-raw, format = (string) utf8"));

#define gst_csv_enc_parent_class parent_class
G_DEFINE_TYPE (GstCsvEnc, gst_csv_enc, GST_TYPE_ELEMENT);
GST_ELEMENT_REGISTER_DEFINE (csvenc, "csvenc", GST_RANK_NONE,
    GST_TYPE_CSV_ENC);

static void gst_csv_enc_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec);
static void gst_csv_enc_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec);
static void gst_csv_enc_finalize (GObject * object);
static GstStateChangeReturn gst_csv_enc_change_state (GstElement * element,
    GstStateChange transition);
static GstFlowReturn gst_csv_enc_chain (GstPad * pad, GstObject * parent,
    GstBuffer * buf);
static gboolean gst_csv_enc_sink_event (GstPad * pad, GstObject * parent,
    GstEvent * event);

static void
gst_csv_enc_class_init (GstCsvEncClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  GST_DEBUG_CATEGORY_INIT (gst_csv_enc_debug, "csvenc", 0,
      "frames to CSV text");

  gobject_class->set_property = gst_csv_enc_set_property;
  gobject_class->get_property = gst_csv_enc_get_property;
  gobject_class->finalize = gst_csv_enc_finalize;

  g_object_class_install_property (gobject_class, PROP_HEADER,
      g_param_spec_boolean ("header", "Header",
          "Write a first line with the column names (from the caps' "
          "column-names, or v0, v1, ...)", DEFAULT_HEADER,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_PRECISION,
      g_param_spec_int ("precision", "Precision",
          "Significant digits of F32 values (9 gives back the exact float)",
          1, 9, DEFAULT_PRECISION, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_DELIMITER,
      g_param_spec_string ("delimiter", "Delimiter",
          "Field separator: one ASCII character, or \"\\t\" / \"tab\"",
          DEFAULT_DELIMITER, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "Frames to CSV", "Codec/Encoder/Converter",
      "Writes F32 or S32 frames as CSV lines, one line per frame",
      GST_RECURRENT_AUTHORS);

  element_class->change_state = GST_DEBUG_FUNCPTR (gst_csv_enc_change_state);
}

static void
gst_csv_enc_init (GstCsvEnc * self)
{
  self->sinkpad = gst_pad_new_from_static_template (&sink_template, "sink");
  gst_pad_set_chain_function (self->sinkpad,
      GST_DEBUG_FUNCPTR (gst_csv_enc_chain));
  gst_pad_set_event_function (self->sinkpad,
      GST_DEBUG_FUNCPTR (gst_csv_enc_sink_event));
  gst_element_add_pad (GST_ELEMENT (self), self->sinkpad);

  self->srcpad = gst_pad_new_from_static_template (&src_template, "src");
  gst_pad_use_fixed_caps (self->srcpad);
  gst_element_add_pad (GST_ELEMENT (self), self->srcpad);

  self->header = DEFAULT_HEADER;
  self->precision = DEFAULT_PRECISION;
  self->delimiter = g_strdup (DEFAULT_DELIMITER);
  self->adapter = gst_adapter_new ();
  self->text = g_string_sized_new (4096);
  self->scratch = g_byte_array_new ();
  self->delim = ',';
}

static void
gst_csv_enc_finalize (GObject * object)
{
  GstCsvEnc *self = GST_CSV_ENC (object);

  g_free (self->delimiter);
  g_strfreev (self->names);
  g_object_unref (self->adapter);
  g_string_free (self->text, TRUE);
  g_byte_array_unref (self->scratch);

  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_csv_enc_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstCsvEnc *self = GST_CSV_ENC (object);

  GST_OBJECT_LOCK (self);
  if (gst_recurrent_property_locked (GST_ELEMENT (self), pspec)) {
    GST_OBJECT_UNLOCK (self);
    gst_recurrent_post_property_refused (GST_ELEMENT (self), pspec);
    return;
  }
  switch (prop_id) {
    case PROP_HEADER:
      self->header = g_value_get_boolean (value);
      break;
    case PROP_PRECISION:
      self->precision = g_value_get_int (value);
      break;
    case PROP_DELIMITER:
      g_free (self->delimiter);
      self->delimiter = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_csv_enc_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  GstCsvEnc *self = GST_CSV_ENC (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_HEADER:
      g_value_set_boolean (value, self->header);
      break;
    case PROP_PRECISION:
      g_value_set_int (value, self->precision);
      break;
    case PROP_DELIMITER:
      g_value_set_string (value, self->delimiter);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static gboolean
gst_csv_enc_start (GstElement * element)
{
  GstCsvEnc *self = GST_CSV_ENC (element);
  GError *err = NULL;
  gchar *delimiter;
  gboolean ok;

  GST_OBJECT_LOCK (self);
  delimiter = g_strdup (self->delimiter);
  self->want_header = self->header;
  GST_OBJECT_UNLOCK (self);

  ok = rnc_csv_parse_delimiter (delimiter, &self->delim, &err);
  g_free (delimiter);
  if (!ok) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("Invalid csvenc settings: %s", err->message), (NULL));
    g_clear_error (&err);
    return FALSE;
  }
  gst_adapter_clear (self->adapter);
  return TRUE;
}

static void
gst_csv_enc_stop (GstElement * element)
{
  GstCsvEnc *self = GST_CSV_ENC (element);

  gst_adapter_clear (self->adapter);
  g_clear_pointer (&self->names, g_strfreev);
  self->width = 0;
}

static GstStateChangeReturn
gst_csv_enc_change_state (GstElement * element, GstStateChange transition)
{
  return gst_recurrent_change_state (element, transition,
      GST_ELEMENT_CLASS (parent_class), gst_csv_enc_start, gst_csv_enc_stop);
}

static gboolean
gst_csv_enc_set_caps (GstCsvEnc * self, GstCaps * caps)
{
  GstStructure *s = gst_caps_get_structure (caps, 0);
  const gchar *format = gst_structure_get_string (s, "format");
  const GValue *names = gst_structure_get_value (s, "column-names");
  gint width = 0;
  GstCaps *out;
  gboolean ok;

  if (!format || !gst_structure_get_int (s, "width", &width) || width < 1)
    return FALSE;
  self->width = (gsize) width;
  self->ints = g_str_equal (format, "S32LE");
  g_clear_pointer (&self->names, g_strfreev);
  if (names && GST_VALUE_HOLDS_ARRAY (names)
      && gst_value_array_get_size (names) == (guint) width) {
    guint i;

    self->names = g_new0 (gchar *, width + 1);
    for (i = 0; i < (guint) width; i++) {
      const GValue *v = gst_value_array_get_value (names, i);
      self->names[i] = g_strdup (G_VALUE_HOLDS_STRING (v) ?
          g_value_get_string (v) : "");
    }
  }
  out = gst_caps_new_simple ("text/x-raw", "format", G_TYPE_STRING, "utf8",
      NULL);
  ok = gst_pad_push_event (self->srcpad, gst_event_new_caps (out));
  gst_caps_unref (out);
  return ok;
}

static void
gst_csv_enc_write_header (GstCsvEnc * self)
{
  gchar **names = self->names;
  gchar **made = NULL;
  gsize i;

  if (!names) {
    made = g_new0 (gchar *, self->width + 1);
    for (i = 0; i < self->width; i++)
      made[i] = g_strdup_printf ("v%" G_GSIZE_FORMAT, i);
    names = made;
  }
  rnc_csv_format_header (self->text, (const char *const *) names, self->width,
      self->delim);
  g_strfreev (made);
}

static GstFlowReturn
gst_csv_enc_chain (GstPad * pad, GstObject * parent, GstBuffer * buf)
{
  GstCsvEnc *self = GST_CSV_ENC (parent);
  GstClockTime pts = GST_BUFFER_PTS (buf), dur = GST_BUFFER_DURATION (buf);
  gsize frame_bytes, n;
  gint precision;
  GstBuffer *out;

  if (self->width == 0)
    goto not_negotiated;
  frame_bytes = self->width * 4;
  if (GST_BUFFER_IS_DISCONT (buf) && gst_adapter_available (self->adapter)) {
    GST_DEBUG_OBJECT (self, "discont: dropping a partial frame");
    gst_adapter_clear (self->adapter);
  }
  gst_adapter_push (self->adapter, buf);
  n = gst_adapter_available (self->adapter) / frame_bytes;
  if (n == 0)
    return GST_FLOW_OK;

  GST_OBJECT_LOCK (self);
  precision = self->precision;
  GST_OBJECT_UNLOCK (self);

  g_string_truncate (self->text, 0);
  if (self->want_header) {
    gst_csv_enc_write_header (self);
    self->want_header = FALSE;
  }
  /* copied out, so that the values are aligned whatever the input memory;
   * frames are little-endian, as are the targets we build for */
  g_byte_array_set_size (self->scratch, n * frame_bytes);
  gst_adapter_copy (self->adapter, self->scratch->data, 0, n * frame_bytes);
  gst_adapter_flush (self->adapter, n * frame_bytes);
  if (self->ints)
    rnc_csv_format_ints (self->text, (const gint32 *) self->scratch->data, n,
        self->width, self->delim);
  else
    rnc_csv_format_floats (self->text, (const float *) self->scratch->data, n,
        self->width, precision, self->delim);

  /* one allocation per output buffer */
  out = gst_buffer_new_memdup (self->text->str, self->text->len);
  GST_BUFFER_PTS (out) = pts;
  GST_BUFFER_DURATION (out) = dur;
  return gst_pad_push (self->srcpad, out);

  /* ERRORS */
not_negotiated:
  gst_buffer_unref (buf);
  GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, (NULL),
      ("no caps before the first buffer"));
  return GST_FLOW_NOT_NEGOTIATED;
}

static gboolean
gst_csv_enc_sink_event (GstPad * pad, GstObject * parent, GstEvent * event)
{
  GstCsvEnc *self = GST_CSV_ENC (parent);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_CAPS:{
      GstCaps *caps;
      gboolean ok;

      gst_event_parse_caps (event, &caps);
      ok = gst_csv_enc_set_caps (self, caps);
      gst_event_unref (event);
      return ok;
    }
    case GST_EVENT_FLUSH_STOP:
    case GST_EVENT_STREAM_START:
      gst_adapter_clear (self->adapter);
      GST_OBJECT_LOCK (self);
      self->want_header = self->header;
      GST_OBJECT_UNLOCK (self);
      break;
    case GST_EVENT_EOS:{
      gsize left = gst_adapter_available (self->adapter);
      if (left > 0) {
        GST_ELEMENT_WARNING (self, STREAM, DECODE, (NULL),
            ("dropping %" G_GSIZE_FORMAT " trailing bytes that do not make a "
                "whole frame", left));
        gst_adapter_clear (self->adapter);
      }
      break;
    }
    default:
      break;
  }
  return gst_pad_event_default (pad, parent, event);
}
