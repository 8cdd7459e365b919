/* Checkpoints and resume with streams=N (docs/checkpoints.md): the state
 * file holds all N streams, (L, N, H) with rnc.streams = N; a crashed run
 * resumed from its checkpoint gives the uninterrupted run's tail, bit for
 * bit, per-stream resets included; streams=0 reads the file once the caps
 * give N; a file of another N is a clear error naming both numbers. */
#include "checkpoint-test-util.h"

#include <cstring>

using namespace rnc_test;

namespace {

struct Model : SavedModel
{
  size_t D = 2, H = 5, Q = 2;

  explicit Model (const char *window = nullptr)
  {
    model = random_model (RNC_CELL_LSTM, RNC_INPUT_DENSE, D, 0, H, 2,
        RNC_HEAD_REGRESSION, Q, 52, 0.7f);
    if (window)
      rnc_model_set_metadata (model, "rnc.window", window);
    save ("m.safetensors");
  }
};

GstEvent *
reset_stream_event (int stream)
{
  return gst_event_new_custom (GST_EVENT_CUSTOM_DOWNSTREAM,
      gst_structure_new ("rnc/reset", "stream", G_TYPE_INT, stream, NULL));
}

/* Frames [from, to) of (T, width) input in buffers of @split frames, with a
 * reset of stream 1 before frame 12 and of stream 0 before frame 44. */
void
feed (GstHarness *h, const std::vector<float> &x, size_t width, size_t from,
    size_t to, size_t split)
{
  for (size_t i = from; i < to;) {
    size_t n = std::min (split, to - i);
    for (size_t at : { (size_t) 12, (size_t) 44 }) {
      if (i == at)
        gst_harness_push_event (h, reset_stream_event (at == 12 ? 1 : 0));
      else if (i < at && i + n > at)
        n = at - i;
    }
    push_frames (h, x, i, n, width);
    i += n;
  }
}

std::vector<size_t>
state_shape (const std::string &path, std::string *streams)
{
  auto bytes = read_file (path);
  RncSafetensors *st = rnc_safetensors_parse (bytes.data (), bytes.size (),
      path.c_str (), nullptr);
  std::vector<size_t> shape;
  if (!st)
    return shape;
  const RncTensorInfo *t = rnc_safetensors_lookup (st, "state.h");
  if (t)
    shape.assign (t->shape, t->shape + t->rank);
  const char *v = rnc_safetensors_get_metadata (st, "rnc.streams");
  *streams = v ? v : "";
  rnc_safetensors_free (st);
  return shape;
}

}  // namespace

/* window (model metadata or nullptr), streams property for the resumed run */
class GstCheckpointStreams :
    public ::testing::TestWithParam<std::tuple<const char *, const char *>> {};

TEST_P (GstCheckpointStreams, ResumeEqualsTheUninterruptedTail)
{
  const char *window = std::get<0> (GetParam ());
  const char *resumed_streams = std::get<1> (GetParam ());
  Model m (window);
  const size_t N = 3, W = N * m.D, T = 60;
  auto x = normal_vec (T * W, 53);
  std::string state = m.dir.file ("s.state"), crash = m.dir.file ("c.state");

  auto harness = [&] (const std::string &props) {
    return frames_harness ("lstm", m.path, W, props);
  };
  GstHarness *h = harness ("streams=3 initial-state=ones");
  feed (h, x, W, 0, T, 5);
  gst_harness_push_event (h, gst_event_new_eos ());
  auto full = pull_outs (h);
  gst_harness_teardown (h);
  ASSERT_FALSE (full.empty ());
  const size_t fb = N * m.Q * 4;

  h = harness ("streams=3 initial-state=ones checkpoint-frames=7 "
      "state-location=" + state);
  feed (h, x, W, 0, 33, 5);
  pull_outs (h);
  copy_file (state, crash);
  gst_harness_teardown (h);
  guint64 P = position_of (crash);
  ASSERT_EQ (P, 32u);               /* buffers end at 10, 12, 17, 22, 27, 32 */
  std::string n_streams;
  EXPECT_EQ (state_shape (crash, &n_streams),
      (std::vector<size_t>{ 2, N, m.H }));
  EXPECT_EQ (n_streams, "3");

  h = harness (std::string ("streams=") + resumed_streams +
      " initial-state=file resume=true state-location=" + crash);
  feed (h, x, W, 0, T, 4);
  gst_harness_push_event (h, gst_event_new_eos ());
  auto resumed = pull_outs (h);
  gst_harness_teardown (h);
  ASSERT_FALSE (resumed.empty ());
  EXPECT_GE (resumed.front ().offset, P);
  auto want = bytes_from (full, P, fb), got = bytes_from (resumed, P, fb);
  EXPECT_EQ (got.size (), want.size ());
  EXPECT_TRUE (got == want) << "the resumed run must give the same bits";
  EXPECT_EQ (position_of (crash), T);
}

INSTANTIATE_TEST_SUITE_P (Cases, GstCheckpointStreams, ::testing::Combine (
        ::testing::Values ((const char *) nullptr, "4"),
        ::testing::Values ("3", "0")),
    [] (const ::testing::TestParamInfo<std::tuple<const char *, const char *>>
        &i) {
      return std::string (std::get<0> (i.param) ? "Window" : "NoWindow") +
          "Streams" + std::get<1> (i.param);
    });

TEST (GstCheckpointStreamsErrors, AnotherNumberOfStreamsIsAClearError)
{
  Model m;
  std::string state = m.dir.file ("s.state");
  auto x = normal_vec (10 * 3 * m.D, 54);
  GstHarness *h = frames_harness ("lstm", m.path, 3 * m.D,
      "streams=3 checkpoint-frames=5 state-location=" + state);
  push_frames (h, x, 0, 10, 3 * m.D);
  gst_harness_teardown (h);
  ASSERT_EQ (position_of (state), 10u);

  for (const char *resume : { "false", "true" }) {
    /* streams=2: refused at start */
    GstElement *e = element_new ("lstm", "model=" + m.path + " streams=2 "
        "initial-state=file resume=" + resume + " state-location=" + state);
    {
      BusWatch bus (e);
      EXPECT_EQ (gst_element_set_state (e, GST_STATE_PAUSED),
          GST_STATE_CHANGE_FAILURE);
      std::string err = bus.pop ();
      EXPECT_NE (err.find (state), std::string::npos) << err;
      EXPECT_NE (err.find ("3 streams"), std::string::npos) << err;
      EXPECT_NE (err.find ("2 streams"), std::string::npos) << err;
    }
    gst_element_set_state (e, GST_STATE_NULL);
    gst_object_unref (e);

    /* streams=0 with input of 2 streams: refused once the caps say 2 */
    h = frames_harness ("lstm", m.path, 2 * m.D, std::string ("streams=0 "
            "initial-state=file resume=") + resume + " state-location=" +
        state);
    BusWatch bus (h->element);
    EXPECT_NE (push_frames (h, x, 0, 2, 2 * m.D), GST_FLOW_OK);
    std::string err = bus.pop ();
    EXPECT_NE (err.find ("3 streams"), std::string::npos) << err;
    EXPECT_NE (err.find ("2 streams"), std::string::npos) << err;
    gst_harness_teardown (h);
  }
}
