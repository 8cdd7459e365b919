/* gst-recurrent: the vocab-encode element. */
#pragma once

#include <gst/base/gstadapter.h>
#include <gst/gst.h>

#include "rnc-vocab.h"

G_BEGIN_DECLS

#define GST_TYPE_VOCAB_ENCODE (gst_vocab_encode_get_type ())
G_DECLARE_FINAL_TYPE (GstVocabEncode, gst_vocab_encode, GST, VOCAB_ENCODE,
    GstElement)

typedef enum {
  GST_VOCAB_ENCODE_UNKNOWN_SKIP = 0,
  GST_VOCAB_ENCODE_UNKNOWN_UNK = 1,
  GST_VOCAB_ENCODE_UNKNOWN_ERROR = 2,
} GstVocabEncodeUnknown;

typedef enum {
  GST_VOCAB_ENCODE_OUTPUT_IDS = 0,
  GST_VOCAB_ENCODE_OUTPUT_ONEHOT = 1,
} GstVocabEncodeOutput;

#define GST_TYPE_VOCAB_ENCODE_UNKNOWN (gst_vocab_encode_unknown_get_type ())
GType gst_vocab_encode_unknown_get_type (void);
#define GST_TYPE_VOCAB_ENCODE_OUTPUT (gst_vocab_encode_output_get_type ())
GType gst_vocab_encode_output_get_type (void);
#define GST_TYPE_VOCAB_ORDER (gst_vocab_order_get_type ())
GType gst_vocab_order_get_type (void);

/* Name of the serialized custom downstream event that marks a sentence
 * boundary (and resets recurrent state downstream). */
#define GST_RNC_RESET_EVENT_NAME "rnc/reset"

struct _GstVocabEncode
{
  GstElement parent;

  GstPad *sinkpad;
  GstPad *srcpad;

  /* properties, OBJECT_LOCK */
  gchar *vocab_location;
  gboolean build;
  RncVocabOrder order;
  guint max_size;
  guint64 min_count;
  GstVocabEncodeUnknown unknown;
  GstVocabEncodeOutput output;

  /* settings copied at start (streaming thread) */
  gchar *location;
  gboolean building;
  GstVocabEncodeUnknown on_unknown;
  GstVocabEncodeOutput out_kind;
  RncVocabBuildOptions build_options;

  /* streaming thread */
  RncVocab *vocab;              /* NULL until built in build mode */
  GstAdapter *adapter;          /* partial line */
  GByteArray *line;             /* scratch: the current line, NUL-terminated */
  GArray *ids;                  /* gint32 ids not pushed yet */
  guint64 line_no;              /* lines seen in this stream */
  gboolean skipping_line;       /* inside an over-long line */
  gboolean caps_sent;
  GstEvent *pending_segment;
  guint64 n_unknown, n_invalid;
  gboolean invalid_warned;

  /* build mode: counts and the stream as counter indices; -1 marks a
   * sentence boundary (rnc/reset) */
  RncVocabCounter *counter;
  GArray *seq;                  /* gint32 */
};

G_END_DECLS
