/* gst-recurrent: csvenc, frames to CSV text. */
#pragma once

#include <gst/base/gstadapter.h>
#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_CSV_ENC (gst_csv_enc_get_type ())
G_DECLARE_FINAL_TYPE (GstCsvEnc, gst_csv_enc, GST, CSV_ENC, GstElement)

G_END_DECLS
