/* gst-recurrent: element registration declarations. */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/* GST_ELEMENT_REGISTER_DECLARE (<element>); one line per element */
GST_ELEMENT_REGISTER_DECLARE (csvdec);
GST_ELEMENT_REGISTER_DECLARE (csvenc);
GST_ELEMENT_REGISTER_DECLARE (generate);
GST_ELEMENT_REGISTER_DECLARE (gru);
GST_ELEMENT_REGISTER_DECLARE (lstm);
GST_ELEMENT_REGISTER_DECLARE (rnn);
GST_ELEMENT_REGISTER_DECLARE (tokenize);
GST_ELEMENT_REGISTER_DECLARE (vocab_encode);
GST_ELEMENT_REGISTER_DECLARE (vocab_decode);

G_END_DECLS
