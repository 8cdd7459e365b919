/* gst-recurrent: NNStreamer tensor caps. See gstrecurrenttensors.h. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstrecurrenttensors.h"

#include <stdlib.h>
#include <string.h>

#define MAX_RANK 16

gboolean
gst_recurrent_tensors_is (const GstStructure * s)
{
  return gst_structure_has_name (s, "other/tensors");
}

/* "W", "W:1", "W:1:1:1"...: W in 1..G_MAXINT, every later dim 1. */
static gboolean
parse_dimensions (const gchar * str, gint * width)
{
  gchar **dims = g_strsplit (str, ":", MAX_RANK + 1);
  guint n = g_strv_length (dims), i;
  gboolean ok = n >= 1 && n <= MAX_RANK;

  for (i = 0; ok && i < n; i++) {
    gchar *end = NULL;
    guint64 v;
    g_strstrip (dims[i]);
    if (!g_ascii_isdigit (dims[i][0])) {
      ok = FALSE;
      break;
    }
    v = g_ascii_strtoull (dims[i], &end, 10);
    ok = end && *end == '\0' && v >= 1 && v <= G_MAXINT && (i == 0 || v == 1);
    if (ok && i == 0)
      *width = (gint) v;
  }
  g_strfreev (dims);
  return ok;
}

gboolean
gst_recurrent_tensors_get_width (const GstStructure * s, gint * width)
{
  const gchar *dims = gst_structure_get_string (s, "dimensions");

  return gst_recurrent_tensors_is (s) && dims && parse_dimensions (dims,
      width);
}

gboolean
gst_recurrent_tensors_parse (const GstStructure * s, gboolean * ids,
    gint * width, gint * fps_n, gint * fps_d)
{
  const gchar *format = gst_structure_get_string (s, "format");
  const gchar *types = gst_structure_get_string (s, "types");
  const gchar *dims = gst_structure_get_string (s, "dimensions");
  gint num = 0;

  if (!gst_recurrent_tensors_is (s)
      || (format && strcmp (format, "static") != 0)
      || !gst_structure_get_int (s, "num_tensors", &num) || num != 1
      || !types || !dims || !parse_dimensions (dims, width))
    return FALSE;
  if (strcmp (types, "float32") == 0)
    *ids = FALSE;
  else if (strcmp (types, "int32") == 0)
    *ids = TRUE;
  else
    return FALSE;
  *fps_n = 0;
  *fps_d = 1;
  if (gst_structure_has_field (s, "framerate")
      && !gst_structure_get_fraction (s, "framerate", fps_n, fps_d))
    return FALSE;
  return TRUE;
}

/* The other/tensors structure equivalent to other/x-frames @f, or NULL. */
static GstStructure *
tensors_of_frames (const GstStructure * f)
{
  const gchar *format = gst_structure_get_string (f, "format");
  const GValue *fr = gst_structure_get_value (f, "framerate");
  GstStructure *t;
  gint width;

  if (!format || (strcmp (format, "F32LE") && strcmp (format, "S32LE")))
    return NULL;
  t = gst_structure_new ("other/tensors", "format", G_TYPE_STRING, "static",
      "num_tensors", G_TYPE_INT, 1, "types", G_TYPE_STRING,
      strcmp (format, "F32LE") == 0 ? "float32" : "int32", NULL);
  if (gst_structure_get_int (f, "width", &width)) {
    gchar *dims = g_strdup_printf ("%d:1", width);
    gst_structure_set (t, "dimensions", G_TYPE_STRING, dims, NULL);
    g_free (dims);
  }
  if (fr)
    gst_structure_set_value (t, "framerate", fr);
  else
    gst_structure_set (t, "framerate", GST_TYPE_FRACTION_RANGE, 0, 1,
        G_MAXINT, 1, NULL);
  return t;
}

GstCaps *
gst_recurrent_tensors_add_equivalents (GstCaps * caps, gboolean tensors_first)
{
  GstCaps *tensors = gst_caps_new_empty ();
  guint i;

  for (i = 0; i < gst_caps_get_size (caps); i++) {
    const GstStructure *s = gst_caps_get_structure (caps, i);
    GstStructure *t;
    if (!gst_structure_has_name (s, "other/x-frames"))
      continue;
    if ((t = tensors_of_frames (s)))
      gst_caps_append_structure (tensors, t);
  }
  if (tensors_first) {
    gst_caps_append (tensors, caps);
    return tensors;
  }
  gst_caps_append (caps, tensors);
  return caps;
}
