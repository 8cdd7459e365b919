/* gst-recurrent: rnn, a vanilla tanh RNN over frames. */
#pragma once

#include "gstrecurrentbase.h"

G_BEGIN_DECLS

#define GST_TYPE_RNN (gst_rnn_get_type ())
G_DECLARE_FINAL_TYPE (GstRnn, gst_rnn, GST, RNN, GstRecurrentBase)

G_END_DECLS
