/* gst-recurrent: generate, a model primed on its input and rolled forward on
 * its own predictions. */
#pragma once

#include "gstrecurrentbase.h"

G_BEGIN_DECLS

#define GST_TYPE_GENERATE (gst_generate_get_type ())
G_DECLARE_FINAL_TYPE (GstGenerate, gst_generate, GST, GENERATE,
    GstRecurrentBase)

G_END_DECLS
