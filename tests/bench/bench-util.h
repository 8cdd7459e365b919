/* What the quality benchmarks share (no GoogleTest here). */
#pragma once

#include <gst/gst.h>

#include <string>

/* Runs a gst-launch description to EOS; "" or the first error's text. */
static inline std::string
bench_run_pipeline (const std::string &desc)
{
  GError *err = nullptr;
  GstElement *p = gst_parse_launch (desc.c_str (), &err);
  if (!p || err) {
    std::string e = err ? err->message : "parse failed";
    g_clear_error (&err);
    if (p)
      gst_object_unref (p);
    return e;
  }
  GstBus *bus = gst_element_get_bus (p);
  gst_element_set_state (p, GST_STATE_PLAYING);
  GstMessage *msg = gst_bus_timed_pop_filtered (bus, 600 * GST_SECOND,
      (GstMessageType) (GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
  std::string result = msg ? "" : "timeout";
  if (msg && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    gst_message_parse_error (msg, &err, nullptr);
    result = err->message;
    g_clear_error (&err);
  }
  if (msg)
    gst_message_unref (msg);
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (p);
  return result;
}
