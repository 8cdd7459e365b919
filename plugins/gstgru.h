/* gst-recurrent: gru, a GRU over frames. */
#pragma once

#include "gstrecurrentbase.h"

G_BEGIN_DECLS

#define GST_TYPE_GRU (gst_gru_get_type ())
G_DECLARE_FINAL_TYPE (GstGru, gst_gru, GST, GRU, GstRecurrentBase)

G_END_DECLS
