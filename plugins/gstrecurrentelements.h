/* gst-recurrent: element registration declarations. */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/* GST_ELEMENT_REGISTER_DECLARE (<element>); one line per element */
GST_ELEMENT_REGISTER_DECLARE (csvdec);
GST_ELEMENT_REGISTER_DECLARE (csvenc);
GST_ELEMENT_REGISTER_DECLARE (lstm);
GST_ELEMENT_REGISTER_DECLARE (rnn);

G_END_DECLS
