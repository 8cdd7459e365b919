/* Helpers for the GstHarness tests of the text elements. */
#pragma once

#include <glib/gstdio.h>
#include <gst/check/gstharness.h>
#include <gst/gst.h>
#include <gtest/gtest.h>

#include "rnc-gst-test-util.h"
#include "rnc-test-util.h"

#include "rnc-model-io.h"

#include <cstring>
#include <string>
#include <unistd.h>
#include <vector>

namespace rnc_test {

/* A harness around @element (properties already set); the element gets a
 * bus so that its error and warning messages can be read. */
struct Harness
{
  GstHarness *h = nullptr;
  GstElement *element = nullptr;
  GstBus *bus = nullptr;

  explicit Harness (GstElement *e, const char *src_caps)
  {
    element = GST_ELEMENT (gst_object_ref_sink (e));
    bus = gst_bus_new ();
    gst_element_set_bus (element, bus);
    h = gst_harness_new_with_element (element, "sink", "src");
    if (src_caps)
      gst_harness_set_src_caps_str (h, src_caps);
  }
  ~Harness ()
  {
    gst_harness_teardown (h);
    gst_element_set_bus (element, nullptr);
    gst_object_unref (bus);
    gst_object_unref (element);
  }
  Harness (const Harness &) = delete;
  Harness &operator= (const Harness &) = delete;

  GstFlowReturn
  push (const std::string &bytes, bool discont = false)
  {
    GstBuffer *buf = gst_buffer_new_memdup (bytes.data (), bytes.size ());
    if (discont)
      GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_DISCONT);
    return gst_harness_push (h, buf);
  }

  bool
  eos ()
  {
    return gst_harness_push_event (h, gst_event_new_eos ());
  }

  /* Everything output so far, concatenated. */
  std::string
  pull_all ()
  {
    return pull_all_text (h);
  }

  /* The caps of the last CAPS event on the output, as a string. */
  std::string
  output_caps ()
  {
    GstCaps *caps = gst_pad_get_current_caps (h->sinkpad);
    if (!caps)
      return "";
    char *s = gst_caps_to_string (caps);
    std::string r (s);
    g_free (s);
    gst_caps_unref (caps);
    return r;
  }

  /* Names of the custom downstream events received so far, in order. */
  std::vector<std::string>
  custom_events ()
  {
    std::vector<std::string> names;
    GstEvent *ev;
    while ((ev = gst_harness_try_pull_event (h)) != nullptr) {
      if (GST_EVENT_TYPE (ev) == GST_EVENT_CUSTOM_DOWNSTREAM) {
        const GstStructure *s = gst_event_get_structure (ev);
        names.push_back (s ? gst_structure_get_name (s) : "");
      }
      gst_event_unref (ev);
    }
    return names;
  }

  /* bus_pop_text() of the first bus message of @type, or "" when none. */
  std::string
  message (GstMessageType type)
  {
    return bus_pop_text (bus, type);
  }
};

/* Takes @element (with its properties set) from NULL to PAUSED and returns
 * the error message it posted, or "" when the change succeeded. */
inline std::string
start_error (GstElement *element)
{
  gst_object_ref_sink (element);
  GstBus *bus = gst_bus_new ();
  gst_element_set_bus (element, bus);
  GstStateChangeReturn r = gst_element_set_state (element, GST_STATE_PAUSED);
  std::string msg = bus_pop_text (bus, GST_MESSAGE_ERROR);
  gst_element_set_state (element, GST_STATE_NULL);
  gst_element_set_bus (element, nullptr);
  gst_object_unref (bus);
  gst_object_unref (element);
  if (r != GST_STATE_CHANGE_FAILURE)
    return "";
  return msg.empty () ? "(failed without an error message)" : msg;
}

/* A file under the system temp folder, removed by the destructor. */
struct TempFile
{
  std::string path;
  explicit TempFile (const std::string &content, const char *name = "rnc-XXXXXX.txt")
  {
    gchar *p = nullptr;
    gint fd = g_file_open_tmp (name, &p, nullptr);
    close (fd);
    path = p;
    g_free (p);
    g_file_set_contents (path.c_str (), content.data (),
        (gssize) content.size (), nullptr);
  }
  ~TempFile () { g_unlink (path.c_str ()); }
  std::string
  read () const
  {
    gchar *data = nullptr;
    gsize len = 0;
    if (!g_file_get_contents (path.c_str (), &data, &len, nullptr))
      return "";
    std::string r (data, len);
    g_free (data);
    return r;
  }
};

/* Writes a small RNN model file carrying @metadata (key, value pairs) to
 * @path; returns FALSE on failure. */
inline bool
write_model_with_metadata (const std::string &path,
    std::initializer_list<std::pair<const char *, const char *>> metadata)
{
  RncModel *m = model_new (RNC_CELL_RNN, RNC_INPUT_DENSE, 2, 0, 3, 1,
      RNC_HEAD_NONE, 0);
  if (!m)
    return false;
  for (auto &kv : metadata)
    rnc_model_set_metadata (m, kv.first, kv.second);
  bool ok = rnc_model_save (m, path.c_str (), nullptr);
  rnc_model_free (m);
  return ok;
}

} // namespace rnc_test
