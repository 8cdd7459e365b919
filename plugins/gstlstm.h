/* gst-recurrent: lstm, an LSTM over frames. */
#pragma once

#include "gstrecurrentbase.h"

G_BEGIN_DECLS

#define GST_TYPE_LSTM (gst_lstm_get_type ())
G_DECLARE_FINAL_TYPE (GstLstm, gst_lstm, GST, LSTM, GstRecurrentBase)

G_END_DECLS
