/* NNStreamer's caps on rnn, lstm, gru and generate: other/tensors (float32
 * frames, int32 ids, dimensions W:1) in and out, one frame per output
 * buffer, the same numbers as other/x-frames and as the scalar reference
 * path; tensor caps the elements cannot take are refused. NNStreamer is not
 * in Debian 12: the caps strings are the exact ones its tensor_filter
 * negotiates (see docs/interop.md). */
#include "recurrent-test-util.h"

using namespace rnc_test;

namespace {

std::string
tensors_caps (size_t width, const char *type = "float32",
    const char *framerate = "0/1")
{
  return "other/tensors, format=(string)static, num_tensors=(int)1, "
      "types=(string)" + std::string (type) + ", dimensions=(string)" +
      std::to_string (width) + ":1, framerate=(fraction)" + framerate;
}

/* Scalar-reference outputs of @m over @x (one stream, zero state). */
std::vector<float>
reference (RncModel *m, const std::vector<float> &x)
{
  const RncModelConfig *c = rnc_model_get_config (m);
  size_t T = x.size () / c->input_size, W = rnc_model_get_output_width (m);
  std::vector<float> hidden (T * c->hidden_size), y (T * W);
  RncState *s = rnc_state_new (m, 1, 0);
  rnc_forward_ref (s, x.data (), T, hidden.data (), c->output_size ?
      y.data () : nullptr);
  rnc_state_free (s);
  return c->output_size ? y : hidden;
}

/* Pushes @x in buffers of @per_buffer frames; returns every output buffer's
 * floats, one vector per buffer. */
std::vector<std::vector<float>>
run (GstHarness *h, const std::vector<float> &x, size_t D, size_t per_buffer,
    bool eos = false)
{
  size_t T = x.size () / D;
  for (size_t t = 0; t < T; t += per_buffer)
    EXPECT_EQ (push_frames (h, x, t, std::min (per_buffer, T - t), D),
        GST_FLOW_OK);
  if (eos)
    gst_harness_push_event (h, gst_event_new_eos ());
  std::vector<std::vector<float>> out;
  GstBuffer *b;
  while ((b = gst_harness_try_pull (h))) {
    std::vector<uint8_t> bytes;
    append_buffer (bytes, b);   /* unrefs it */
    out.push_back (bytes_as<float> (bytes));
  }
  return out;
}

std::string
current_caps (GstHarness *h)
{
  GstCaps *caps = gst_pad_get_current_caps (h->sinkpad);
  if (!caps)
    return "";
  gchar *s = gst_caps_to_string (caps);
  std::string r = s;
  g_free (s);
  gst_caps_unref (caps);
  return r;
}

bool
caps_equal (const std::string &a, const std::string &b)
{
  GstCaps *ca = gst_caps_from_string (a.c_str ());
  GstCaps *cb = gst_caps_from_string (b.c_str ());
  bool eq = ca && cb && gst_caps_is_equal (ca, cb);
  if (ca)
    gst_caps_unref (ca);
  if (cb)
    gst_caps_unref (cb);
  return eq;
}

struct Dense {
  const char *factory;
  RncCell cell;
  size_t Q;
};

class GstTensors : public ::testing::TestWithParam<Dense> {};

} // namespace

/* tensors in and out, tensors in and x-frames out, x-frames in and tensors
 * out: one frame per output buffer whenever the output is other/tensors,
 * the numbers of the scalar reference, and of other/x-frames exactly. */
TEST_P (GstTensors, SameNumbersAsFramesOneFramePerBuffer)
{
  const Dense &p = GetParam ();
  const size_t D = 4, H = 6, T = 11;
  SavedModel sm;
  sm.model = random_model (p.cell, RNC_INPUT_DENSE, D, 0, H, 2, p.Q ?
      RNC_HEAD_REGRESSION : RNC_HEAD_NONE, p.Q, 31, 0.7f);
  sm.save ("m.safetensors");
  size_t W = p.Q ? p.Q : H;
  auto x = normal_vec (T * D, 7);
  auto ref = reference (sm.model, x);

  /* x-frames in and out, one buffer: the baseline */
  GstHarness *h = frames_harness (p.factory, sm.path, D);
  auto frames = run (h, x, D, T);
  gst_harness_teardown (h);
  std::vector<float> baseline;
  for (auto &b : frames)
    baseline.insert (baseline.end (), b.begin (), b.end ());
  ASSERT_EQ (baseline.size (), T * W);
  EXPECT_LT (max_abs_diff (baseline, ref), 1e-5);

  struct {
    bool tensors_in, tensors_out;
    size_t per_buffer;
  } ways[] = { { true, true, 1 }, { true, true, 5 }, { false, true, T },
    { true, false, 1 } };
  for (auto &w : ways) {
    std::string how = std::string (w.tensors_in ? "tensors" : "frames") +
        " in, " + (w.tensors_out ? "tensors" : "frames") + " out, " +
        std::to_string (w.per_buffer) + " frame(s) per input buffer";
    h = harness_new (std::string (p.factory) + " model=" + sm.path);
    gst_harness_set_src_caps_str (h, (w.tensors_in ? tensors_caps (D) :
            frames_caps (D)).c_str ());
    gst_harness_set_sink_caps_str (h, w.tensors_out ?
        "other/tensors" : "other/x-frames");
    auto out = run (h, x, D, w.per_buffer);
    std::string want = w.tensors_out ? tensors_caps (W) : frames_caps (W);
    EXPECT_TRUE (caps_equal (current_caps (h), want)) << how << ": "
        << current_caps (h);
    std::vector<float> all;
    for (auto &b : out) {
      if (w.tensors_out) {
        EXPECT_EQ (b.size (), W) << how << ": one frame per buffer";
      }
      all.insert (all.end (), b.begin (), b.end ());
    }
    if (w.tensors_out) {
      EXPECT_EQ (out.size (), T) << how;
    }
    ASSERT_EQ (all.size (), T * W) << how;
    EXPECT_LT (max_abs_diff (all, ref), 1e-5) << how;
    EXPECT_EQ (max_abs_diff (all, baseline), 0.0) << how;
    gst_harness_teardown (h);
  }
}

INSTANTIATE_TEST_SUITE_P (Elements, GstTensors, ::testing::Values (
        Dense {"rnn", RNC_CELL_RNN, 3},
        Dense {"lstm", RNC_CELL_LSTM, 2},
        Dense {"lstm", RNC_CELL_LSTM, 0},
        Dense {"gru", RNC_CELL_GRU, 2}),
    [] (const ::testing::TestParamInfo<Dense> &info) {
      return std::string (info.param.factory) + (info.param.Q ? "_head" :
          "_hidden");
    });

/* generate: a continuation at EOS, one predicted frame per buffer. */
TEST (GstTensors, GenerateContinuationOneFramePerBuffer)
{
  const size_t D = 3, H = 5, T = 6, L = 7;
  SavedModel sm;
  sm.model = random_model (RNC_CELL_LSTM, RNC_INPUT_DENSE, D, 0, H, 1,
      RNC_HEAD_REGRESSION, D, 41, 0.7f);
  sm.save ("g.safetensors");
  auto x = normal_vec (T * D, 3);
  std::string props = " length=" + std::to_string (L);

  GstHarness *h = frames_harness ("generate", sm.path, D, props);
  auto frames = run (h, x, D, T, true);
  gst_harness_teardown (h);
  std::vector<float> baseline;
  for (auto &b : frames)
    baseline.insert (baseline.end (), b.begin (), b.end ());
  ASSERT_EQ (baseline.size (), L * D);

  h = harness_new ("generate model=" + sm.path + props);
  gst_harness_set_src_caps_str (h, tensors_caps (D).c_str ());
  gst_harness_set_sink_caps_str (h, "other/tensors");
  auto out = run (h, x, D, 1, true);
  EXPECT_TRUE (caps_equal (current_caps (h), tensors_caps (D)))
      << current_caps (h);
  ASSERT_EQ (out.size (), L);
  std::vector<float> all;
  for (auto &b : out) {
    EXPECT_EQ (b.size (), D);
    all.insert (all.end (), b.begin (), b.end ());
  }
  EXPECT_EQ (max_abs_diff (all, baseline), 0.0);
  gst_harness_teardown (h);
}

/* generate with a language model: int32 ids in and out as tensors "1:1". */
TEST (GstTensors, GenerateIdsAsInt32Tensors)
{
  const size_t V = 9;
  SavedModel sm;
  sm.model = random_model (RNC_CELL_LSTM, RNC_INPUT_INDEX, V, 0, 8, 1,
      RNC_HEAD_CLASSES, V, 5, 0.7f);
  scale_params (sm.model, 2.5f);
  sm.save ("lm.safetensors");
  std::vector<int32_t> prompt{ 1, 4, 2, 8, 5 };

  auto continuation = [&] (bool tensors, guint *n_buffers) {
    GstHarness *h = harness_new ("generate length=6 temperature=0 model="
        + sm.path);
    gst_harness_set_src_caps_str (h, tensors ? tensors_caps (1,
            "int32").c_str () : frames_caps (1, "S32LE").c_str ());
    gst_harness_set_sink_caps_str (h, tensors ? "other/tensors" :
        "other/x-frames");
    EXPECT_EQ (push_split (h, prompt, 4), GST_FLOW_OK);
    gst_harness_push_event (h, gst_event_new_eos ());
    if (tensors) {
      EXPECT_TRUE (caps_equal (current_caps (h), tensors_caps (1, "int32")))
          << current_caps (h);
    }
    auto ids = bytes_as<int32_t> (pull_all_bytes (h, n_buffers));
    gst_harness_teardown (h);
    return ids;
  };
  guint n_frames_bufs = 0, n_tensor_bufs = 0;
  auto a = continuation (false, &n_frames_bufs);
  auto b = continuation (true, &n_tensor_bufs);
  ASSERT_EQ (a.size (), 6u);
  EXPECT_EQ (a, b);
  EXPECT_EQ (n_tensor_bufs, 6u);
}

/* Tensor streams the elements cannot take: refused at negotiation. */
TEST (GstTensors, UnusableTensorCapsAreRefused)
{
  const size_t D = 4;
  SavedModel sm;
  sm.model = random_model (RNC_CELL_RNN, RNC_INPUT_DENSE, D, 0, 3, 1,
      RNC_HEAD_NONE, 0, 3, 0.7f);
  sm.save ("r.safetensors");
  std::vector<float> x (2 * D, 0.5f);
  const char *bad[] = {
    /* two frames per tensor */
    "other/tensors, format=(string)static, num_tensors=(int)1, "
        "types=(string)float32, dimensions=(string)4:2, framerate=(fraction)0/1",
    /* not float32 */
    "other/tensors, format=(string)static, num_tensors=(int)1, "
        "types=(string)uint8, dimensions=(string)4:1, framerate=(fraction)0/1",
    /* two tensors */
    "other/tensors, format=(string)static, num_tensors=(int)2, "
        "types=(string)float32, dimensions=(string)4:1, framerate=(fraction)0/1",
    /* wrong width */
    "other/tensors, format=(string)static, num_tensors=(int)1, "
        "types=(string)float32, dimensions=(string)5:1, framerate=(fraction)0/1",
    /* ids for a dense model */
    "other/tensors, format=(string)static, num_tensors=(int)1, "
        "types=(string)int32, dimensions=(string)1:1, framerate=(fraction)0/1",
    /* not a dimension string */
    "other/tensors, format=(string)static, num_tensors=(int)1, "
        "types=(string)float32, dimensions=(string)4x1, framerate=(fraction)0/1",
  };
  for (const char *caps : bad) {
    GstHarness *h = harness_new ("rnn model=" + sm.path);
    gst_harness_play (h);
    gst_harness_push_event (h, gst_event_new_stream_start ("tensors"));
    GstCaps *c = gst_caps_from_string (caps);
    ASSERT_NE (c, nullptr) << caps;
    gst_harness_push_event (h, gst_event_new_caps (c));
    gst_caps_unref (c);
    GstSegment seg;
    gst_segment_init (&seg, GST_FORMAT_TIME);
    gst_harness_push_event (h, gst_event_new_segment (&seg));
    EXPECT_NE (push_split (h, x), GST_FLOW_OK) << caps;
    EXPECT_EQ (gst_harness_buffers_in_queue (h), 0u) << caps;
    gst_harness_teardown (h);
  }
}

/* streams=N: a tensor frame is the N streams side by side, as x-frames. */
TEST (GstTensors, StreamsSideBySide)
{
  const size_t D = 3, H = 4, Q = 2, N = 2, T = 7;
  SavedModel sm;
  sm.model = random_model (RNC_CELL_LSTM, RNC_INPUT_DENSE, D, 0, H, 1,
      RNC_HEAD_REGRESSION, Q, 13, 0.7f);
  sm.save ("s.safetensors");
  auto x = normal_vec (T * N * D, 11);

  GstHarness *h = frames_harness ("lstm", sm.path, N * D, "streams=2");
  auto frames = run (h, x, N * D, T);
  gst_harness_teardown (h);
  std::vector<float> baseline;
  for (auto &b : frames)
    baseline.insert (baseline.end (), b.begin (), b.end ());
  ASSERT_EQ (baseline.size (), T * N * Q);

  h = harness_new ("lstm streams=2 model=" + sm.path);
  gst_harness_set_src_caps_str (h, tensors_caps (N * D).c_str ());
  gst_harness_set_sink_caps_str (h, "other/tensors");
  auto out = run (h, x, N * D, 1);
  EXPECT_TRUE (caps_equal (current_caps (h), tensors_caps (N * Q)))
      << current_caps (h);
  ASSERT_EQ (out.size (), T);
  std::vector<float> all;
  for (auto &b : out)
    all.insert (all.end (), b.begin (), b.end ());
  EXPECT_EQ (max_abs_diff (all, baseline), 0.0);
  gst_harness_teardown (h);
}
