/* streams=N on rnn, lstm and generate through GstHarness: every stream of a
 * wide frame gives, bit for bit, what a separate element fed that stream
 * alone gives, at any buffer split; per-stream resets (rnc/reset with a
 * `stream` field, the reset-stream signal) leave the other streams
 * untouched; widths that are not N streams are clear not-negotiated
 * errors. */
#include "recurrent-test-util.h"

#include <cmath>
#include <cstring>
#include <tuple>

using namespace rnc_test;

namespace {

struct Model : SavedModel
{
  size_t D, H, Q;

  Model (RncCell cell, RncHeadKind head, size_t D_, size_t H_, size_t Q_,
      size_t window = 0) : D (D_), H (H_), Q (Q_)
  {
    model = random_model (cell, RNC_INPUT_DENSE, D, 0, H, 2, head, Q, 23,
        trained_scale (H));
    std::vector<float> mean (D, 0.5f), sd (D, 2.0f);
    rnc_model_set_input_scaling (model, mean.data (), sd.data ());
    if (head == RNC_HEAD_REGRESSION) {
      std::vector<float> om (Q, -1.0f), os (Q, 3.0f);
      rnc_model_set_output_scaling (model, om.data (), os.data ());
    }
    if (window)
      rnc_model_set_metadata (model, "rnc.window",
          std::to_string (window).c_str ());
    save ("m.safetensors");
  }
};

/* Frames of stream n: (T, w) out of (T, N, w). */
template <typename V>
std::vector<V>
column (const std::vector<V> &x, size_t T, size_t N, size_t w, size_t n)
{
  std::vector<V> out (T * w);
  for (size_t t = 0; t < T; t++)
    std::memcpy (out.data () + t * w, x.data () + (t * N + n) * w,
        w * sizeof (V));
  return out;
}

/* All output bytes of "@desc" fed (T, width) F32 frames in pieces of
 * @step bytes, then EOS. */
std::vector<uint8_t>
run_element (const std::string &desc, const std::vector<float> &x,
    size_t width, size_t step, const char *caps_format = nullptr)
{
  GstHarness *h = harness_new (desc);
  gst_harness_set_src_caps_str (h, caps_format ? caps_format :
      frames_caps (width).c_str ());
  EXPECT_EQ (push_split (h, x, step), GST_FLOW_OK);
  gst_harness_push_event (h, gst_event_new_eos ());
  auto out = pull_all_bytes (h);
  gst_harness_teardown (h);
  return out;
}

/* Stream n's slices (w bytes each) of every output frame. */
std::vector<uint8_t>
slice_stream (const std::vector<uint8_t> &out, size_t N, size_t w, size_t n)
{
  std::vector<uint8_t> mine;
  for (size_t off = n * w; off + w <= out.size (); off += N * w)
    mine.insert (mine.end (), out.begin () + off, out.begin () + off + w);
  return mine;
}

struct Case {
  const char *factory;
  RncCell cell;
  RncHeadKind head;
  const char *props;
  size_t window;
};

} // namespace

class GstStreamsExact : public ::testing::TestWithParam<std::tuple<Case,
    size_t>> {
};

/* N streams in one element against N elements, each input cut in other
 * pieces (7 bytes: frames split across buffers). */
TEST_P (GstStreamsExact, EveryStreamMatchesASeparateElement)
{
  const Case &c = std::get<0> (GetParam ());
  const size_t N = std::get<1> (GetParam ());
  const size_t T = 19;
  Model m (c.cell, c.head, 2, 20, c.head == RNC_HEAD_NONE ? 0 : 3, c.window);
  auto x = normal_vec (T * N * m.D, 40 + N);

  for (const char *streams : { "streams=0", "" }) {
    std::string n_prop = streams[0] ? streams : "streams=" +
        std::to_string (N);
    std::string desc = std::string (c.factory) + " model=" + m.path + " " +
        c.props + " ";
    auto wide = run_element (desc + n_prop, x, N * m.D, 7);
    ASSERT_FALSE (wide.empty ()) << desc << n_prop;
    ASSERT_EQ (wide.size () % N, 0u);
    /* bytes per output frame of one stream, from one stream's run */
    std::vector<uint8_t> first;
    for (size_t n = 0; n < N; n++) {
      auto col = column (x, T, N, m.D, n);
      auto one = run_element (desc, col, m.D, 12);
      ASSERT_FALSE (one.empty ());
      ASSERT_EQ (one.size () * N, wide.size ()) << "stream " << n;
      /* the per-frame width of a stream is the same in both */
      size_t w = 0;
      {
        /* one.size () = frames * w, wide.size () = frames * N * w; frames is
         * the number of outputs: T, T - window + 1, or 1 (emit=eos) */
        size_t outs = std::string (c.props).find ("emit=eos") !=
            std::string::npos ? 1 : c.window ? T - c.window + 1 : T;
        w = one.size () / outs;
      }
      auto mine = slice_stream (wide, N, w, n);
      EXPECT_TRUE (mine == one) << c.factory << " " << c.props << " "
          << n_prop << ": stream " << n << " of " << N;
    }
  }
}

static const Case kCases[] = {
  { "lstm", RNC_CELL_LSTM, RNC_HEAD_REGRESSION, "", 0 },
  { "lstm", RNC_CELL_LSTM, RNC_HEAD_REGRESSION, "output=hidden", 0 },
  { "lstm", RNC_CELL_LSTM, RNC_HEAD_REGRESSION, "", 4 },
  { "lstm", RNC_CELL_LSTM, RNC_HEAD_REGRESSION, "emit=eos", 0 },
  { "rnn", RNC_CELL_RNN, RNC_HEAD_CLASSES, "output=argmax", 0 },
  { "rnn", RNC_CELL_RNN, RNC_HEAD_CLASSES, "output=probabilities", 3 },
  { "lstm", RNC_CELL_LSTM, RNC_HEAD_REGRESSION, "threads=2", 0 },
  { "gru", RNC_CELL_GRU, RNC_HEAD_REGRESSION, "", 0 },
  { "gru", RNC_CELL_GRU, RNC_HEAD_REGRESSION, "", 4 },
  { "gru", RNC_CELL_GRU, RNC_HEAD_REGRESSION, "threads=2", 0 },
};

INSTANTIATE_TEST_SUITE_P (Cases, GstStreamsExact,
    ::testing::Combine (::testing::ValuesIn (kCases),
        ::testing::Values ((size_t) 1, (size_t) 3, (size_t) 17)));

/* generate's horizon per stream: each stream's forecasts are those of a
 * generate element fed that stream alone. */
TEST (GstStreams, GenerateHorizonPerStream)
{
  const size_t N = 4, T = 15, D = 2, horizon = 3;
  for (size_t window : { (size_t) 0, (size_t) 5 }) {
    Model m (RNC_CELL_LSTM, RNC_HEAD_REGRESSION, D, 16, D, window);
    auto x = normal_vec (T * N * D, 8);
    std::string desc = "generate model=" + m.path + " horizon=" +
        std::to_string (horizon) + " length=4 ";
    auto wide = run_element (desc + "streams=0", x, N * D, 9);
    size_t outs = (window ? T - window + 1 : T);
    /* the horizon frames, then the continuation of 4 frames at EOS */
    size_t fw = horizon * D * 4;
    ASSERT_EQ (wide.size (), outs * N * fw) << "window " << window;
    for (size_t n = 0; n < N; n++) {
      auto col = column (x, T, N, D, n);
      auto one = run_element (desc, col, D, 16);
      ASSERT_EQ (one.size (), outs * fw);
      EXPECT_TRUE (slice_stream (wide, N, fw, n) == one) << "window "
          << window << ", stream " << n;
    }
    /* continuation (horizon 0) of N streams */
    std::string cdesc = "generate model=" + m.path + " length=5 ";
    auto cont = run_element (cdesc + "streams=" + std::to_string (N), x,
        N * D, 0);
    ASSERT_EQ (cont.size (), 5 * N * D * 4);
    for (size_t n = 0; n < N; n++) {
      auto col = column (x, T, N, D, n);
      auto one = run_element (cdesc, col, D, 0);
      EXPECT_TRUE (slice_stream (cont, N, D * 4, n) == one) << "window "
          << window << ", continuation of stream " << n;
    }
  }
}

/* Audio with N*D channels is N streams too. */
TEST (GstStreams, AudioChannelsAreStreams)
{
  const size_t N = 5, T = 11;
  Model m (RNC_CELL_LSTM, RNC_HEAD_REGRESSION, 1, 12, 1);
  auto x = normal_vec (T * N, 3);
  std::string caps = "audio/x-raw, format=F32LE, layout=interleaved, "
      "channels=" + std::to_string (N) + ", rate=100";
  auto wide = run_element ("lstm streams=0 model=" + m.path, x, N, 0,
      caps.c_str ());
  ASSERT_EQ (wide.size (), T * N * 4);
  for (size_t n = 0; n < N; n++) {
    auto col = column (x, T, N, 1, n);
    auto one = run_element ("lstm model=" + m.path, col, 1, 0);
    EXPECT_TRUE (slice_stream (wide, N, 4, n) == one) << "stream " << n;
  }
}

/* Resets of single streams: an rnc/reset event with stream=2, with an
 * array <0, 3> and a list {4}, and the reset-stream signal for stream 1;
 * each reset stream continues as a fresh run, the others as if nothing
 * happened; a bad index is a warning. */
TEST (GstStreams, PerStreamResetLeavesOtherStreamsUntouched)
{
  const size_t N = 6, T = 12, D = 1, at = 5;
  Model m (RNC_CELL_LSTM, RNC_HEAD_REGRESSION, D, 12, 1);
  auto x = normal_vec (T * N * D, 12);

  GstHarness *h = harness_new ("lstm streams=0 model=" + m.path);
  BusWatch bus (h->element);
  gst_harness_set_src_caps_str (h, frames_caps (N * D).c_str ());
  EXPECT_EQ (push_frames (h, x, 0, at, N * D), GST_FLOW_OK);
  GstStructure *s = gst_structure_new ("rnc/reset", "stream", G_TYPE_INT, 2,
      NULL);
  EXPECT_TRUE (gst_harness_push_event (h,
          gst_event_new_custom (GST_EVENT_CUSTOM_DOWNSTREAM, s)));
  GValue arr = G_VALUE_INIT, v = G_VALUE_INIT, list = G_VALUE_INIT;
  g_value_init (&arr, GST_TYPE_ARRAY);
  g_value_init (&v, G_TYPE_INT);
  g_value_set_int (&v, 0);
  gst_value_array_append_value (&arr, &v);
  g_value_set_int (&v, 3);
  gst_value_array_append_value (&arr, &v);
  s = gst_structure_new_empty ("rnc/reset");
  gst_structure_take_value (s, "stream", &arr);
  gst_harness_push_event (h, gst_event_new_custom
      (GST_EVENT_CUSTOM_DOWNSTREAM, s));
  g_value_init (&list, GST_TYPE_LIST);
  g_value_set_int (&v, 4);
  gst_value_list_append_value (&list, &v);
  s = gst_structure_new_empty ("rnc/reset");
  gst_structure_take_value (s, "stream", &list);
  gst_harness_push_event (h, gst_event_new_custom
      (GST_EVENT_CUSTOM_DOWNSTREAM, s));
  g_value_unset (&v);
  g_signal_emit_by_name (h->element, "reset-stream", 1u);
  EXPECT_EQ (bus.pop (GST_MESSAGE_WARNING), "");
  /* bad indices: warnings, nothing reset */
  g_signal_emit_by_name (h->element, "reset-stream", (guint) N);
  std::string w = bus.pop (GST_MESSAGE_WARNING);
  EXPECT_NE (w.find ("no stream 6"), std::string::npos) << w;
  EXPECT_NE (w.find ("6 streams"), std::string::npos) << w;
  s = gst_structure_new ("rnc/reset", "stream", G_TYPE_INT, -1, NULL);
  gst_harness_push_event (h, gst_event_new_custom
      (GST_EVENT_CUSTOM_DOWNSTREAM, s));
  w = bus.pop (GST_MESSAGE_WARNING);
  EXPECT_NE (w.find ("no stream -1"), std::string::npos) << w;
  s = gst_structure_new ("rnc/reset", "stream", G_TYPE_STRING, "two", NULL);
  gst_harness_push_event (h, gst_event_new_custom
      (GST_EVENT_CUSTOM_DOWNSTREAM, s));
  w = bus.pop (GST_MESSAGE_WARNING);
  EXPECT_NE (w.find ("not a stream index"), std::string::npos) << w;

  EXPECT_EQ (push_frames (h, x, at, T - at, N * D), GST_FLOW_OK);
  auto out = pull_floats (h);
  gst_harness_teardown (h);
  ASSERT_EQ (out.size (), T * N);

  for (size_t n = 0; n < N; n++) {
    bool reset = n != 5;
    auto col = column (x, T, N, D, n);
    GstHarness *h1 = frames_harness ("lstm", m.path, D);
    push_frames (h1, col, 0, at, D);
    if (reset)
      gst_harness_push_event (h1, gst_event_new_custom
          (GST_EVENT_CUSTOM_DOWNSTREAM, gst_structure_new_empty
              ("rnc/reset")));
    push_frames (h1, col, at, T - at, D);
    auto one = pull_floats (h1);
    gst_harness_teardown (h1);
    ASSERT_EQ (one.size (), T);
    for (size_t t = 0; t < T; t++)
      EXPECT_EQ (std::memcmp (&out[t * N + n], &one[t], 4), 0)
          << "stream " << n << " frame " << t;
  }
}

/* The reset signal and an rnc/reset event without a stream field still
 * reset every stream. */
TEST (GstStreams, PlainResetResetsAllStreams)
{
  const size_t N = 3, T = 6;
  Model m (RNC_CELL_RNN, RNC_HEAD_REGRESSION, 1, 8, 1);
  auto x = normal_vec (T * N, 2);
  GstHarness *h = harness_new ("rnn streams=3 model=" + m.path);
  gst_harness_set_src_caps_str (h, frames_caps (N).c_str ());
  push_frames (h, x, 0, T, N);
  g_signal_emit_by_name (h->element, "reset");
  push_frames (h, x, 0, T, N);
  auto out = pull_floats (h);
  gst_harness_teardown (h);
  ASSERT_EQ (out.size (), 2 * T * N);
  EXPECT_EQ (std::memcmp (out.data (), out.data () + T * N, T * N * 4), 0);
}

TEST (GstStreams, RejectsAWidthThatIsNotNStreams)
{
  Model m (RNC_CELL_LSTM, RNC_HEAD_REGRESSION, 3, 8, 1);
  struct Bad { const char *props; size_t width; const char *says[3]; };
  const Bad bad[] = {
    { "streams=0", 7, { "width 7", "multiple of the width 3", nullptr } },
    { "streams=4", 9, { "width 9", "streams=4", "width 12" } },
    { "streams=2", 7, { "width 7", "multiple", nullptr } },
  };
  for (const Bad &b : bad) {
    GstHarness *h = harness_new (std::string ("lstm model=") + m.path + " " +
        b.props);
    BusWatch bus (h->element);
    gst_harness_set_src_caps_str (h, frames_caps (b.width).c_str ());
    auto x = normal_vec (b.width * 2, 1);
    EXPECT_EQ (push_split (h, x), GST_FLOW_NOT_NEGOTIATED) << b.props;
    std::string e = bus.pop ();
    for (const char *say : b.says) {
      if (say) {
        EXPECT_NE (e.find (say), std::string::npos) << b.props << ": " << e;
      }
    }
    EXPECT_NE (e.find (m.path), std::string::npos) << e;
    gst_harness_teardown (h);
  }
}

TEST (GstStreams, StreamsIsReadyOnly)
{
  Model m (RNC_CELL_LSTM, RNC_HEAD_REGRESSION, 1, 8, 1);
  GstHarness *h = harness_new ("lstm streams=0 model=" + m.path);
  guint streams = 9;
  g_object_get (h->element, "streams", &streams, NULL);
  EXPECT_EQ (streams, 0u);
  gst_harness_set_src_caps_str (h, frames_caps (4).c_str ());
  auto x = normal_vec (8, 1);
  EXPECT_EQ (push_split (h, x), GST_FLOW_OK);
  g_object_set (h->element, "streams", 2u, NULL);
  g_object_get (h->element, "streams", &streams, NULL);
  EXPECT_EQ (streams, 0u);
  auto out = pull_floats (h);
  EXPECT_EQ (out.size (), 8u);
  gst_harness_teardown (h);
}

/* A state file of N streams: saved at EOS, loaded with initial-state=file
 * into the same N (streams=N or streams=0), where every stream continues
 * as if uninterrupted; another N is refused naming both numbers. */
TEST (GstStreams, StateFileHoldsAllStreams)
{
  const size_t N = 3, T = 10, half = 4;
  Model m (RNC_CELL_LSTM, RNC_HEAD_REGRESSION, 1, 8, 1);
  auto x = normal_vec (T * N, 5);
  std::string state = m.dir.file ("state.safetensors");

  auto whole = run_element ("lstm streams=3 model=" + m.path, x, N, 0);
  ASSERT_EQ (whole.size (), T * N * 4);
  std::vector<float> first (x.begin (), x.begin () + half * N),
      rest (x.begin () + half * N, x.end ());
  run_element ("lstm streams=3 model=" + m.path + " state-location=" + state,
      first, N, 0);
  for (const char *streams : { "streams=3", "streams=0" }) {
    auto tail = run_element (std::string ("lstm ") + streams + " model=" +
        m.path + " initial-state=file state-location=" + state, rest, N, 5);
    ASSERT_EQ (tail.size (), (T - half) * N * 4) << streams;
    EXPECT_EQ (std::memcmp (tail.data (), whole.data () + half * N * 4,
            tail.size ()), 0) << streams;
    /* the run above saved the state at its end: load the first half's
     * again for the next round */
    run_element ("lstm streams=3 model=" + m.path + " state-location=" +
        state, first, N, 0);
  }

  /* another number of streams: a start (or caps) error naming both */
  for (const char *streams : { "streams=2", "streams=1" }) {
    GstElement *e0 = GST_ELEMENT (gst_object_ref_sink (element_new ("lstm",
        std::string (streams) + " model=" +
        m.path + " initial-state=file state-location=" + state)));
    BusWatch bus (e0);
    EXPECT_EQ (gst_element_set_state (e0, GST_STATE_PAUSED),
        GST_STATE_CHANGE_FAILURE);
    std::string e = bus.pop ();
    gst_element_set_state (e0, GST_STATE_NULL);
    gst_object_unref (e0);
    EXPECT_NE (e.find ("3 streams"), std::string::npos) << streams << ": " << e;
    EXPECT_NE (e.find (std::string ("has ") + (streams + 8) + " stream"),
        std::string::npos) << e;
  }
}
