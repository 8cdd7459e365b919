/* Helpers shared by the rnn and lstm element tests: models built in code and
 * saved to temporary files, harnesses fed with frames, and references
 * computed with the library's scalar path. */
#pragma once

#include "rnc-gst-test-util.h"
#include "rnc-test-util.h"

#include "rnc.h"

#include <functional>
#include <string>
#include <vector>

namespace rnc_test {

inline RncModel *
make_model (RncCell cell, RncInputKind input, size_t D, size_t H, size_t L,
    RncHeadKind head, size_t Q, guint64 seed)
{
  RncModelConfig c = {};
  c.cell = cell;
  c.input = input;
  c.head = head;
  c.input_size = D;
  c.hidden_size = H;
  c.num_layers = L;
  c.output_size = Q;
  GError *err = nullptr;
  RncModel *m = rnc_model_new (&c, &err);
  EXPECT_NE (m, nullptr) << (err ? err->message : "");
  g_clear_error (&err);
  size_t n;
  float *p = rnc_model_get_params (m, &n);
  RncRng rng;
  rnc_rng_init (&rng, seed);
  for (size_t i = 0; i < n; i++)
    p[i] = (rnc_rng_uniform (&rng) * 2.0f - 1.0f) * 0.7f;
  return m;
}

inline std::string
save_model (const RncModel *m, const std::string &path)
{
  GError *err = nullptr;
  EXPECT_TRUE (rnc_model_save (m, path.c_str (), &err))
      << (err ? err->message : "");
  g_clear_error (&err);
  return path;
}

inline std::vector<float>
random_frames (size_t n, guint64 seed, float scale = 1.0f)
{
  std::vector<float> v (n);
  RncRng rng;
  rnc_rng_init (&rng, seed);
  for (auto &x : v)
    x = rnc_rng_normal (&rng) * scale;
  return v;
}

inline std::string
frames_caps (size_t width, const char *format = "F32LE",
    const char *framerate = "0/1")
{
  return "other/x-frames, format=" + std::string (format) + ", width=" +
      std::to_string (width) + ", framerate=" + framerate;
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

/* Reference outputs (scalar path, double accumulation) of @x (T, D) from a
 * state set up by @init (or zeros): the hidden state (out_hidden) or the
 * head output in raw units. */
inline std::vector<float>
reference (const RncModel *m, const std::vector<float> &x, bool out_hidden,
    const std::function<void (RncState *)> &init = nullptr)
{
  const RncModelConfig *c = rnc_model_get_config (m);
  size_t D = c->input_size, T = x.size () / D;
  size_t W = out_hidden ? c->hidden_size : c->output_size;
  std::vector<float> xs (x);
  rnc_model_scale_input (m, xs.data (), T);
  RncState *s = rnc_state_new (m, 1, 0);
  if (init)
    init (s);
  std::vector<float> out (T * W);
  if (out_hidden) {
    rnc_forward_ref (s, xs.data (), T, out.data (), nullptr);
  } else {
    rnc_forward_ref (s, xs.data (), T, nullptr, out.data ());
    rnc_model_unscale_output (m, out.data (), T);
  }
  rnc_state_free (s);
  return out;
}

inline std::vector<float>
slice (const std::vector<float> &v, size_t from, size_t to)
{
  return std::vector<float> (v.begin () + from, v.begin () + to);
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
