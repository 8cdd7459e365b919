/* gst-recurrent: csvdec, CSV text to F32 frames. */
#pragma once

#include <gst/base/gstadapter.h>
#include <gst/gst.h>

#include "rnc-csv.h"

G_BEGIN_DECLS

#define GST_TYPE_CSV_DEC (gst_csv_dec_get_type ())
G_DECLARE_FINAL_TYPE (GstCsvDec, gst_csv_dec, GST, CSV_DEC, GstElement)

#define GST_TYPE_CSV_DEC_HEADER (gst_csv_dec_header_get_type ())
GType gst_csv_dec_header_get_type (void);
#define GST_TYPE_CSV_DEC_NAN (gst_csv_dec_nan_get_type ())
GType gst_csv_dec_nan_get_type (void);

G_END_DECLS
