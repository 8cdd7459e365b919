/* gst-recurrent: the tokenize element. */
#pragma once

#include <gst/gst.h>

#include "rnc-tokenizer.h"

G_BEGIN_DECLS

#define GST_TYPE_TOKENIZE (gst_tokenize_get_type ())
G_DECLARE_FINAL_TYPE (GstTokenize, gst_tokenize, GST, TOKENIZE, GstElement)

#define GST_TYPE_TOKENIZE_MODE (gst_tokenize_mode_get_type ())
GType gst_tokenize_mode_get_type (void);
#define GST_TYPE_TOKENIZE_DICTIONARY_RULE (gst_tokenize_dictionary_rule_get_type ())
GType gst_tokenize_dictionary_rule_get_type (void);
#define GST_TYPE_TOKENIZE_INVALID (gst_tokenize_invalid_get_type ())
GType gst_tokenize_invalid_get_type (void);

struct _GstTokenize
{
  GstElement parent;

  GstPad *sinkpad;
  GstPad *srcpad;

  /* properties, OBJECT_LOCK */
  gboolean lowercase;
  gchar *dictionary;
  RncWordSetRule dictionary_rule;
  gchar *stopwords;
  RncTokenizerMode mode;
  guint max_token_bytes;
  guint64 max_tokens;
  RncTokenizerInvalid invalid;

  /* streaming thread */
  RncTokenizer *tok;
  GByteArray *out;              /* token lines of the buffer being processed */
  gboolean invalid_warned;
  gboolean done;                /* max-tokens reached */
};

G_END_DECLS
