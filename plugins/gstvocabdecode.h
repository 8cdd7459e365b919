/* gst-recurrent: the vocab-decode element. */
#pragma once

#include <gst/base/gstadapter.h>
#include <gst/gst.h>

#include "rnc-vocab.h"

G_BEGIN_DECLS

#define GST_TYPE_VOCAB_DECODE (gst_vocab_decode_get_type ())
G_DECLARE_FINAL_TYPE (GstVocabDecode, gst_vocab_decode, GST, VOCAB_DECODE,
    GstElement)

struct _GstVocabDecode
{
  GstElement parent;

  GstPad *sinkpad;
  GstPad *srcpad;

  /* properties, OBJECT_LOCK */
  gchar *vocab_location;
  gchar *separator;

  /* settings copied at start (streaming thread) */
  gchar *location;
  gchar *sep;
  size_t sep_len;

  /* streaming thread */
  RncVocab *vocab;              /* NULL until loaded */
  guint64 vocab_stamp[3];       /* inode, size, mtime (ns) of what was loaded */
  gboolean scores;              /* F32LE scores (argmax) rather than S32LE ids */
  size_t width;                 /* values per frame: 1 for ids, V for scores */
  float *row;                   /* (width) byte-swapped frame on big-endian hosts */
  GstAdapter *adapter;          /* partial frame */
  GByteArray *out;              /* text of the buffer being processed */
  guint64 n_bad;                /* ids outside the vocabulary */
};

G_END_DECLS
