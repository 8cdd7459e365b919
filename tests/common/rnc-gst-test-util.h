/* Helpers for the GstHarness and pipeline tests. */
#pragma once

#include <gst/check/gstharness.h>
#include <gst/gst.h>
#include <glib/gstdio.h>
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

namespace rnc_test {

/* A harness around one element made from a gst-launch description such as
 * "csvdec column=value" (properties set before it starts). h->element is
 * the element itself, not a bin. */
inline GstHarness *
harness_new (const std::string &desc)
{
  GError *err = nullptr;
  GstElement *e = gst_parse_launch (desc.c_str (), &err);
  EXPECT_NE (e, nullptr) << (err ? err->message : "");
  EXPECT_EQ (err, nullptr) << (err ? err->message : "");
  g_clear_error (&err);
  GstHarness *h = gst_harness_new_with_element (e, "sink", "src");
  gst_object_unref (e);
  return h;
}

inline GstBuffer *
buffer_from_bytes (const void *data, size_t size)
{
  return gst_buffer_new_memdup (data, size);
}

inline GstBuffer *
buffer_from_string (const std::string &s)
{
  return buffer_from_bytes (s.data (), s.size ());
}

/* Appends the bytes of @buf to @out and unrefs it. */
inline void
append_buffer (std::vector<uint8_t> &out, GstBuffer *buf)
{
  GstMapInfo map;
  ASSERT_TRUE (gst_buffer_map (buf, &map, GST_MAP_READ));
  out.insert (out.end (), map.data, map.data + map.size);
  gst_buffer_unmap (buf, &map);
  gst_buffer_unref (buf);
}

/* Every buffer the harness holds now, concatenated. */
inline std::vector<uint8_t>
pull_all_bytes (GstHarness *h, guint *n_buffers = nullptr)
{
  std::vector<uint8_t> out;
  GstBuffer *buf;
  guint n = 0;
  while ((buf = gst_harness_try_pull (h)) != nullptr) {
    append_buffer (out, buf);
    n++;
  }
  if (n_buffers)
    *n_buffers = n;
  return out;
}

/* Pulls every event the harness holds on its output; whether one was EOS. */
inline bool
pull_events_saw_eos (GstHarness *h)
{
  bool saw_eos = false;
  GstEvent *ev;
  while ((ev = gst_harness_try_pull_event (h)) != nullptr) {
    saw_eos |= GST_EVENT_TYPE (ev) == GST_EVENT_EOS;
    gst_event_unref (ev);
  }
  return saw_eos;
}

inline std::string
pull_all_text (GstHarness *h)
{
  auto b = pull_all_bytes (h);
  return std::string (b.begin (), b.end ());
}

template <typename T>
inline std::vector<T>
bytes_as (const std::vector<uint8_t> &b)
{
  std::vector<T> v (b.size () / sizeof (T));
  if (!v.empty ())
    std::memcpy (v.data (), b.data (), v.size () * sizeof (T));
  return v;
}

/* The harnessed element answers a LATENCY query (as the element after it
 * would ask) live, with @upstream (the upstream latency, set here) as its
 * minimum: it adds no latency. */
inline void
expect_no_added_latency (GstHarness *h, GstClockTime upstream,
    const std::string &what)
{
  gst_harness_set_upstream_latency (h, upstream);
  GstQuery *q = gst_query_new_latency ();
  bool answered = gst_pad_peer_query (h->sinkpad, q);
  EXPECT_TRUE (answered) << what;
  if (answered) {
    gboolean live = FALSE;
    GstClockTime min = 0, max = 0;
    gst_query_parse_latency (q, &live, &min, &max);
    EXPECT_TRUE (live) << what;
    EXPECT_EQ (min, upstream) << what;
  }
  gst_query_unref (q);
}

/* Makes an element of @factory and sets "name=value name=value" @props on
 * it through gst_util_set_object_arg (enums by nick, flags as "a+b"). */
inline GstElement *
element_new (const char *factory, const std::string &props = "")
{
  GstElement *e = gst_element_factory_make (factory, nullptr);
  EXPECT_NE (e, nullptr) << factory;
  if (!e)
    return nullptr;
  gchar **kv = g_strsplit (props.c_str (), " ", -1);
  for (gchar **p = kv; *p; p++) {
    if (!**p)
      continue;
    gchar **pair = g_strsplit (*p, "=", 2);
    gst_util_set_object_arg (G_OBJECT (e), pair[0], pair[1]);
    g_strfreev (pair);
  }
  g_strfreev (kv);
  return e;
}

/* The text "message | debug" (or "message" without debug text) of the first
 * message of @type (ERROR or WARNING) on @bus, or "" when there is none. */
inline std::string
bus_pop_text (GstBus *bus, GstMessageType type = GST_MESSAGE_ERROR)
{
  GstMessage *msg = gst_bus_pop_filtered (bus, type);
  if (!msg)
    return "";
  GError *err = nullptr;
  gchar *dbg = nullptr;
  if (type == GST_MESSAGE_ERROR)
    gst_message_parse_error (msg, &err, &dbg);
  else if (type == GST_MESSAGE_WARNING)
    gst_message_parse_warning (msg, &err, &dbg);
  std::string text = err ? err->message : "";
  if (dbg)
    text += std::string (" | ") + dbg;
  g_clear_error (&err);
  g_free (dbg);
  gst_message_unref (msg);
  return text;
}

/* A bus attached to the harnessed element, to read its error messages. */
class BusWatch
{
public:
  explicit BusWatch (GstElement *element) : element_ (element)
  {
    bus_ = gst_bus_new ();
    gst_element_set_bus (element, bus_);
  }
  ~BusWatch ()
  {
    gst_element_set_bus (element_, nullptr);
    gst_object_unref (bus_);
  }
  /* bus_pop_text() of this bus. */
  std::string pop (GstMessageType type = GST_MESSAGE_ERROR)
  {
    return bus_pop_text (bus_, type);
  }
  GstBus *bus () { return bus_; }

private:
  GstElement *element_;
  GstBus *bus_;
};

/* A temporary folder removed with its files. */
class TempDir
{
public:
  TempDir ()
  {
    GError *err = nullptr;
    gchar *d = g_dir_make_tmp ("rnc-test-XXXXXX", &err);
    EXPECT_NE (d, nullptr) << (err ? err->message : "");
    g_clear_error (&err);
    path_ = d ? d : "/tmp";
    g_free (d);
  }
  ~TempDir ()
  {
    GDir *dir = g_dir_open (path_.c_str (), 0, nullptr);
    if (dir) {
      const gchar *name;
      while ((name = g_dir_read_name (dir)) != nullptr)
        g_unlink (file (name).c_str ());
      g_dir_close (dir);
    }
    g_rmdir (path_.c_str ());
  }
  std::string file (const std::string &name) const
  {
    return path_ + "/" + name;
  }
  const std::string &path () const { return path_; }

private:
  std::string path_;
};

inline void
write_file (const std::string &path, const void *data, size_t size)
{
  GError *err = nullptr;
  ASSERT_TRUE (g_file_set_contents (path.c_str (), (const gchar *) data,
          (gssize) size, &err)) << (err ? err->message : "");
}

inline void
write_file (const std::string &path, const std::string &text)
{
  write_file (path, text.data (), text.size ());
}

/* Runs a gst-launch description to EOS. Returns "" on success, else the
 * first error ("message | debug") or "timeout". */
inline std::string
run_pipeline (const std::string &desc, GstClockTime timeout = 30 * GST_SECOND)
{
  GError *err = nullptr;
  GstElement *p = gst_parse_launch (desc.c_str (), &err);
  if (!p || err) {
    std::string e = err ? err->message : "parse failed";
    g_clear_error (&err);
    if (p)
      gst_object_unref (p);
    return "parse: " + e;
  }
  GstBus *bus = gst_element_get_bus (p);
  std::string result;
  if (gst_element_set_state (p, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    result = "could not start";
  GstMessage *msg = gst_bus_timed_pop_filtered (bus, timeout,
      (GstMessageType) (GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
  if (!msg) {
    if (result.empty ())
      result = "timeout";
  } else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    GError *e = nullptr;
    gchar *dbg = nullptr;
    gst_message_parse_error (msg, &e, &dbg);
    result = std::string (e->message) + " | " + (dbg ? dbg : "");
    g_clear_error (&e);
    g_free (dbg);
  } else {
    result.clear ();
  }
  if (msg)
    gst_message_unref (msg);
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (p);
  return result;
}

inline std::vector<uint8_t>
read_file (const std::string &path)
{
  gchar *data = nullptr;
  gsize len = 0;
  std::vector<uint8_t> v;
  if (g_file_get_contents (path.c_str (), &data, &len, nullptr))
    v.assign ((uint8_t *) data, (uint8_t *) data + len);
  g_free (data);
  return v;
}

} // namespace rnc_test
