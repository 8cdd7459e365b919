/* Helpers shared by the rnn, lstm and generate element tests: models saved
 * to temporary files and harnesses fed with frames. The models and the
 * scalar-path references are built with rnc-test-util.h. */
#pragma once

#include "rnc-gst-test-util.h"
#include "rnc-test-util.h"

#include "rnc.h"

#include <string>
#include <vector>

namespace rnc_test {

inline std::string
save_model (const RncModel *m, const std::string &path)
{
  GError *err = nullptr;
  EXPECT_TRUE (rnc_model_save (m, path.c_str (), &err))
      << (err ? err->message : "");
  g_clear_error (&err);
  return path;
}

/* A model built by a test and saved in a temporary folder; the model is
 * freed and the folder removed with it. */
struct SavedModel
{
  TempDir dir;
  RncModel *model = nullptr;
  std::string path;

  SavedModel () = default;
  SavedModel (const SavedModel &) = delete;
  SavedModel &operator= (const SavedModel &) = delete;
  ~SavedModel () { rnc_model_free (model); }

  /* Saves the model as @name in the folder. */
  void save (const char *name) { path = save_model (model, dir.file (name)); }
};

inline std::string
frames_caps (size_t width, const char *format = "F32LE",
    const char *framerate = "0/1")
{
  return "other/x-frames, format=" + std::string (format) + ", width=" +
      std::to_string (width) + ", framerate=" + framerate;
}

/* A harness around "@factory model=@model @props", fed F32LE frames of
 * @width at @framerate. */
inline GstHarness *
frames_harness (const std::string &factory, const std::string &model,
    size_t width, const std::string &props = "",
    const char *framerate = "0/1")
{
  GstHarness *h = harness_new (factory + " model=" + model + " " + props);
  gst_harness_set_src_caps_str (h, frames_caps (width, "F32LE",
          framerate).c_str ());
  return h;
}

/* Pushes the bytes of @v in pieces of @step bytes (0: one buffer). */
template <typename T>
inline GstFlowReturn
push_split (GstHarness *h, const std::vector<T> &v, size_t step = 0)
{
  const guint8 *bytes = (const guint8 *) v.data ();
  size_t size = v.size () * sizeof (T);
  if (step == 0)
    step = size;
  GstFlowReturn ret = GST_FLOW_OK;
  for (size_t i = 0; i < size && ret == GST_FLOW_OK; i += step)
    ret = gst_harness_push (h, buffer_from_bytes (bytes + i,
            std::min (step, size - i)));
  return ret;
}

template <typename T>
inline GstFlowReturn
push_frames (GstHarness *h, const std::vector<T> &v, size_t first_frame,
    size_t n_frames, size_t width, GstBufferFlags flags = (GstBufferFlags) 0)
{
  GstBuffer *b = buffer_from_bytes (v.data () + first_frame * width,
      n_frames * width * sizeof (T));
  GST_BUFFER_FLAG_SET (b, flags);
  return gst_harness_push (h, b);
}

inline std::vector<float>
pull_floats (GstHarness *h, guint *n_buffers = nullptr)
{
  return bytes_as<float> (pull_all_bytes (h, n_buffers));
}

/* Waits for the element to reach @state. */
inline void
set_state (GstElement *e, GstState state)
{
  EXPECT_NE (gst_element_set_state (e, state), GST_STATE_CHANGE_FAILURE);
  EXPECT_EQ (gst_element_get_state (e, nullptr, nullptr, 5 * GST_SECOND),
      GST_STATE_CHANGE_SUCCESS);
}

/* Starts streaming on a harness whose element was just (re)started. */
inline void
start_stream (GstHarness *h, const std::string &caps,
    const char *stream_id = "rnc-test")
{
  gst_harness_push_event (h, gst_event_new_stream_start (stream_id));
  GstCaps *c = gst_caps_from_string (caps.c_str ());
  gst_harness_push_event (h, gst_event_new_caps (c));
  gst_caps_unref (c);
  GstSegment seg;
  gst_segment_init (&seg, GST_FORMAT_TIME);
  gst_harness_push_event (h, gst_event_new_segment (&seg));
}

} // namespace rnc_test
