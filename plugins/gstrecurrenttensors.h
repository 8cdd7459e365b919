/* gst-recurrent: NNStreamer's tensor caps for the recurrent elements.
 *
 *   other/tensors, format=(string)static, num_tensors=(int)1,
 *     types=(string)float32 (or int32 for token ids),
 *     dimensions=(string)W:1, framerate=(fraction)...
 *
 * One tensor of W values per buffer: NNStreamer's dimension strings list
 * the innermost (fastest) dimension first, so a frame of W values is
 * "W:1" (W, trailing 1s allowed, up to 16 dims). These helpers translate
 * between it and other/x-frames (format F32LE / S32LE, width W); the
 * numbers are the same bytes. See docs/interop.md. */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_RECURRENT_TENSORS_CAPS \
  "other/tensors, format = (string) static, num_tensors = (int) 1, " \
  "types = (string) { float32, int32 }, framerate = (fraction) [ 0/1, MAX ]"

/* Whether @s is other/tensors. */
gboolean gst_recurrent_tensors_is (const GstStructure * s);

/* Reads one float32 or int32 tensor of shape W(:1...) from @s: *ids TRUE
 * for int32 (W ids: one per stream), *width W, the framerate (0/1 when absent). FALSE when @s is
 * not such a tensor stream (num_tensors != 1, other types, a dimension
 * other than the first above 1, format not static). */
gboolean gst_recurrent_tensors_parse (const GstStructure * s, gboolean * ids,
    gint * width, gint * fps_n, gint * fps_d);

/* The W of an other/tensors @s with a fixed dimension string W(:1...);
 * FALSE otherwise. */
gboolean gst_recurrent_tensors_get_width (const GstStructure * s,
    gint * width);

/* (transfer full) @caps with, for each other/x-frames structure, the
 * equivalent other/tensors structure (F32LE -> float32, S32LE -> int32,
 * width W -> dimensions "W:1", a width range -> any dimensions, the same
 * framerate or any when it has none), placed before the x-frames ones when
 * @tensors_first, after them otherwise. Other structures are kept. Takes
 * @caps (transfer full). */
GstCaps *gst_recurrent_tensors_add_equivalents (GstCaps * caps,
    gboolean tensors_first);

G_END_DECLS
