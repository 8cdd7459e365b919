/* Checkpoints and exact resume in rnn/lstm/generate (docs/checkpoints.md):
 * output buffers carry their frame index, checkpoint-frames writes the
 * state at the first buffer boundary after every multiple with the exact
 * position, a failed write warns and keeps the old file, and resume=true
 * continues where a checkpoint left off, bit for bit the uninterrupted
 * run's tail (references: the uninterrupted run of the same element, and
 * separate runs cut at the checkpoint's position). */
#include "checkpoint-test-util.h"

#include <glib/gstdio.h>

using namespace rnc_test;

namespace {

struct Model : SavedModel
{
  size_t D, H;
  RncCell cell;

  Model (RncCell c, size_t d, size_t h, RncHeadKind head, size_t Q,
      const char *window = nullptr) : D (d), H (h), cell (c)
  {
    model = random_model (c, RNC_INPUT_DENSE, D, 0, H, 2, head, Q, 41, 0.7f);
    if (window)
      rnc_model_set_metadata (model, "rnc.window", window);
    if (head == RNC_HEAD_REGRESSION) {
      /* a narrow calibration (uniform on +-0.05): output=interval misses
       * often, so its online calibration moves at every frame */
      std::string q = "{\"probs\": [", row;
      char b[48];
      for (int i = 1; i <= 99; i++) {
        g_ascii_formatd (b, sizeof b, "%.17g", i / 100.0);
        q += (i > 1 ? ", " : "") + std::string (b);
        g_ascii_formatd (b, sizeof b, "%.17g", 0.1 * (i / 100.0 - 0.5));
        row += (i > 1 ? ", " : "") + std::string (b);
      }
      q += "], \"q\": [";
      for (size_t j = 0; j < Q; j++)
        q += (j ? ", [" : "[") + row + "]";
      q += "]}";
      rnc_model_set_metadata (model, "rnc.residual_quantiles", q.c_str ());
    }
    save ("m.safetensors");
  }

  const char *factory () const
  {
    return cell == RNC_CELL_LSTM ? "lstm" : cell == RNC_CELL_GRU ? "gru" :
        "rnn";
  }

  GstHarness *harness (const std::string &props = "",
      const char *factory_name = nullptr)
  {
    return frames_harness (factory_name ? factory_name : factory (), path, D,
        props);
  }
};

}  // namespace

TEST (GstCheckpoint, PropertiesHaveDefaultsAndRoundTrip)
{
  for (const char *factory : { "rnn", "lstm", "gru", "generate" }) {
    GstElement *e = gst_element_factory_make (factory, nullptr);
    ASSERT_NE (e, nullptr);
    guint64 every = 7;
    gboolean resume = TRUE;
    g_object_get (e, "checkpoint-frames", &every, "resume", &resume, nullptr);
    EXPECT_EQ (every, 0u) << factory;
    EXPECT_FALSE (resume) << factory;
    g_object_set (e, "checkpoint-frames", (guint64) 1 << 40, "resume", TRUE,
        nullptr);
    g_object_get (e, "checkpoint-frames", &every, "resume", &resume, nullptr);
    EXPECT_EQ (every, (guint64) 1 << 40);
    EXPECT_TRUE (resume);
    gst_object_unref (e);
  }
}

TEST (GstCheckpoint, OutputBuffersCarryTheirFrameIndex)
{
  Model m (RNC_CELL_LSTM, 3, 4, RNC_HEAD_NONE, 0);
  const size_t fb = m.H * 4;
  auto x = normal_vec (40 * m.D, 5);
  GstHarness *h = m.harness ("output=hidden");
  /* 5 frames, 7 frames cut inside a frame, then a DISCONT buffer: the index
   * counts on (a discontinuity is not a new stream) */
  push_frames (h, x, 0, 5, m.D);
  push_split (h, slice (x, 5 * m.D, 12 * m.D), 10);
  push_frames (h, x, 12, 8, m.D, GST_BUFFER_FLAG_DISCONT);
  auto outs = pull_outs (h);
  ASSERT_FALSE (outs.empty ());
  EXPECT_EQ (outs.front ().offset, 0u);
  EXPECT_EQ (outs.back ().offset_end, 20u);
  EXPECT_EQ (bytes_from (outs, 0, fb).size (), 20 * fb);

  /* a flush starts a new count */
  gst_harness_push_event (h, gst_event_new_flush_start ());
  gst_harness_push_event (h, gst_event_new_flush_stop (TRUE));
  GstSegment seg;
  gst_segment_init (&seg, GST_FORMAT_TIME);
  gst_harness_push_event (h, gst_event_new_segment (&seg));
  push_frames (h, x, 20, 3, m.D);
  outs = pull_outs (h);
  ASSERT_EQ (outs.size (), 1u);
  EXPECT_EQ (outs[0].offset, 0u);
  EXPECT_EQ (outs[0].offset_end, 3u);
  gst_harness_teardown (h);

  /* emit=buffer: the index of the buffer's last frame */
  h = m.harness ("output=hidden emit=buffer");
  push_frames (h, x, 0, 5, m.D);
  push_frames (h, x, 5, 4, m.D);
  outs = pull_outs (h);
  ASSERT_EQ (outs.size (), 2u);
  EXPECT_EQ (outs[0].offset, 4u);
  EXPECT_EQ (outs[1].offset, 8u);
  EXPECT_EQ (outs[1].offset_end, 9u);
  gst_harness_teardown (h);
}

TEST (GstCheckpoint, WritesTheExactStateAtEveryMultiple)
{
  Model m (RNC_CELL_LSTM, 3, 4, RNC_HEAD_NONE, 0);
  auto x = normal_vec (60 * m.D, 6);
  std::string state = m.dir.file ("s.state"), ref = m.dir.file ("ref.state");
  GstHarness *h = m.harness ("state-location=" + state +
      " checkpoint-frames=10");
  std::vector<guint64> seen;
  /* buffers of 4 frames: after each, the last checkpoint's position */
  for (size_t k = 0; k < 13; k++) {
    push_frames (h, x, 4 * k, 4, m.D);
    pull_outs (h);
    guint64 p = rnc_test::path_exists (state) ? position_of (state) : 0;
    if (seen.empty () || seen.back () != p)
      seen.push_back (p);
  }
  /* written at the first buffer boundary at or after 10, 20, ... */
  EXPECT_EQ (seen, (std::vector<guint64>{ 0, 12, 20, 32, 40, 52 }));

  /* the checkpoint at 52 holds the state after 52 frames: the same bits as
   * a separate run over those 52 frames saved at EOS */
  GstHarness *r = m.harness ("state-location=" + ref);
  push_split (r, slice (x, 0, 52 * m.D), 4 * m.D * 4);
  gst_harness_push_event (r, gst_event_new_eos ());
  gst_harness_teardown (r);
  auto a = read_file (state), b = read_file (ref);
  RncState *sa = rnc_state_new (m.model, 1, 0), *sb = rnc_state_new (m.model,
      1, 0);
  ASSERT_TRUE (rnc_state_load_initial (sa, state.c_str (), nullptr));
  ASSERT_TRUE (rnc_state_load_initial (sb, ref.c_str (), nullptr));
  rnc_state_reset (sa);
  rnc_state_reset (sb);
  EXPECT_EQ (std::memcmp (rnc_state_peek_h (sa), rnc_state_peek_h (sb),
          2 * m.H * 4), 0);
  EXPECT_EQ (std::memcmp (rnc_state_peek_c (sa), rnc_state_peek_c (sb),
          2 * m.H * 4), 0);
  EXPECT_EQ (position_of (ref), 52u);
  rnc_state_free (sa);
  rnc_state_free (sb);

  /* EOS writes the final position */
  push_frames (h, x, 52, 8, m.D);
  gst_harness_push_event (h, gst_event_new_eos ());
  EXPECT_EQ (position_of (state), 60u);
  gst_harness_teardown (h);
  EXPECT_FALSE (rnc_test::path_exists (state + ".tmp"));
}

TEST (GstCheckpoint, FailedWriteWarnsNamesTheFileAndKeepsTheOldOne)
{
  Model m (RNC_CELL_RNN, 2, 3, RNC_HEAD_REGRESSION, 1);
  auto x = normal_vec (40 * m.D, 7);
  std::string state = m.dir.file ("s.state"), tmp = state + ".tmp";
  GstHarness *h = m.harness ("state-location=" + state +
      " checkpoint-frames=5");
  BusWatch bus (h->element);
  push_frames (h, x, 0, 6, m.D);      /* 6 >= 5: written after the buffer */
  pull_outs (h);
  ASSERT_EQ (position_of (state), 6u);
  auto before = read_file (state);

  /* the temporary file cannot be made: a folder in its way (works as root,
   * unlike a read-only folder) */
  ASSERT_EQ (g_mkdir (tmp.c_str (), 0700), 0);
  push_frames (h, x, 6, 6, m.D);      /* 12 >= 10: fails */
  pull_outs (h);
  push_frames (h, x, 12, 6, m.D);     /* 18 >= 15: fails again */
  pull_outs (h);
  std::string w = bus.pop (GST_MESSAGE_WARNING);
  EXPECT_NE (w.find (state), std::string::npos) << w;
  EXPECT_NE (w.find ("previous file is kept"), std::string::npos) << w;
  EXPECT_NE (w.find (g_strerror (EISDIR)), std::string::npos) << w;
  /* one warning for a run of failures, not one per buffer */
  EXPECT_EQ (bus.pop (GST_MESSAGE_WARNING), "");
  EXPECT_EQ (bus.pop (GST_MESSAGE_ERROR), "");
  EXPECT_TRUE (read_file (state) == before);

  /* once the way is clear the next multiple is written */
  g_rmdir (tmp.c_str ());
  push_frames (h, x, 18, 6, m.D);     /* 24 >= 20 */
  pull_outs (h);
  EXPECT_EQ (position_of (state), 24u);

  /* at EOS a failed write is an error: the final state is lost */
  ASSERT_EQ (g_mkdir (tmp.c_str (), 0700), 0);
  push_frames (h, x, 24, 3, m.D);
  gst_harness_push_event (h, gst_event_new_eos ());
  std::string e = bus.pop (GST_MESSAGE_ERROR);
  EXPECT_NE (e.find (state), std::string::npos) << e;
  EXPECT_EQ (position_of (state), 24u);
  g_rmdir (tmp.c_str ());
  gst_harness_teardown (h);
}

/* Resume: a run cut at some frame with its checkpoint, restarted over the
 * whole input with resume=true, gives the uninterrupted run's tail. */
struct ResumeCase
{
  const char *name;
  RncCell cell;
  const char *window;           /* model's rnc.window, or NULL */
  const char *props;            /* both runs */
  size_t every, cut;            /* checkpoint-frames; frames before the crash */
  size_t split_a, split_b;      /* frames per buffer: first run, resumed run */
  bool with_resets;             /* rnc/reset events and a DISCONT after the cut */
};

class GstResume : public ::testing::TestWithParam<ResumeCase> {};

namespace {

/* Pushes frames [from, to) in buffers of @split frames; an rnc/reset event
 * before frame 41 and a DISCONT buffer at frame 47 when @resets. */
void
feed (GstHarness *h, const std::vector<float> &x, size_t D, size_t from,
    size_t to, size_t split, bool resets)
{
  for (size_t i = from; i < to;) {
    size_t n = std::min (split, to - i);
    GstBufferFlags flags = (GstBufferFlags) 0;
    if (resets && i <= 41 && i + n > 41) {
      n = 41 - i;
      if (n == 0) {
        gst_harness_push_event (h, gst_event_new_custom
            (GST_EVENT_CUSTOM_DOWNSTREAM, gst_structure_new_empty
                ("rnc/reset")));
        n = std::min (split, to - i);
      }
    }
    if (resets && i <= 47 && i + n > 47) {
      n = 47 - i;
      if (n == 0) {
        flags = GST_BUFFER_FLAG_DISCONT;
        n = std::min (split, to - i);
      }
    }
    push_frames (h, x, i, n, D, flags);
    i += n;
  }
}

}  // namespace

TEST_P (GstResume, EqualsTheUninterruptedRunsTail)
{
  const ResumeCase &c = GetParam ();
  bool head = c.cell == RNC_CELL_LSTM;
  Model m (c.cell, 2, 5, head ? RNC_HEAD_REGRESSION : RNC_HEAD_NONE,
      head ? 2 : 0, c.window);
  const size_t T = 70;
  auto x = normal_vec (T * m.D, 8);
  std::string state = m.dir.file ("s.state"), crash = m.dir.file ("c.state");
  std::string props = std::string (c.props) + " state-location=" + state;

  /* uninterrupted */
  GstHarness *h = m.harness (props);
  feed (h, x, m.D, 0, T, c.split_a, c.with_resets);
  gst_harness_push_event (h, gst_event_new_eos ());
  auto full = pull_outs (h);
  gst_harness_teardown (h);
  ASSERT_FALSE (full.empty ());
  size_t fb = full[0].bytes.size () / (full[0].offset_end - full[0].offset);

  /* the crashed run: its checkpoint as it was when the process died */
  g_unlink (state.c_str ());
  h = m.harness (props + " checkpoint-frames=" + std::to_string (c.every));
  feed (h, x, m.D, 0, c.cut, c.split_a, c.with_resets);
  auto before = pull_outs (h);
  copy_file (state, crash);
  gst_harness_teardown (h);
  guint64 P = position_of (crash);
  ASSERT_GT (P, 0u);
  ASSERT_LE (P, c.cut);

  /* resumed over the whole input, split differently */
  std::string rprops = std::string (c.props) + " initial-state=file "
      "resume=true state-location=" + crash;
  h = m.harness (rprops);
  feed (h, x, m.D, 0, T, c.split_b, c.with_resets);
  gst_harness_push_event (h, gst_event_new_eos ());
  auto resumed = pull_outs (h);
  gst_harness_teardown (h);

  ASSERT_FALSE (resumed.empty ());
  EXPECT_GE (resumed.front ().offset, P) << "nothing before the checkpoint";
  /* emit=buffer outputs one frame per buffer; a window restarts after a
   * reset: offsets with gaps */
  bool gaps = strstr (c.props, "emit=buffer") != nullptr
      || (c.window && c.with_resets);
  auto want = bytes_from (full, P, fb, gaps);
  auto got = bytes_from (resumed, P, fb, gaps);
  EXPECT_EQ (got.size (), want.size ());
  EXPECT_TRUE (got == want) << "the resumed run must give the same bits";
  /* the crashed run's outputs up to the checkpoint plus the resumed ones
   * cover every frame that has an output, with no gap */
  auto head_bytes = bytes_from (before, 0, fb, gaps);
  auto all = bytes_from (full, 0, fb, gaps);
  EXPECT_GE (head_bytes.size () + got.size (), all.size ());
  /* the resumed run saved at EOS: position T */
  EXPECT_EQ (position_of (crash), T);
}

static const ResumeCase resume_cases[] = {
  {"Lstm", RNC_CELL_LSTM, nullptr, "", 8, 37, 5, 3, false},
  {"RnnHidden", RNC_CELL_RNN, nullptr, "output=hidden", 1, 23, 4, 7, false},
  {"LstmWindow", RNC_CELL_LSTM, "6", "", 10, 33, 4, 9, false},
  {"LstmOnesWithResets", RNC_CELL_LSTM, nullptr, "initial-state=ones", 5,
      30, 3, 4, true},
  {"RnnWindowWithResets", RNC_CELL_RNN, "5", "output=hidden", 4, 30, 6, 1,
      true},
  {"LstmEmitBuffer", RNC_CELL_LSTM, nullptr, "emit=buffer", 6, 31, 6, 6,
      false},
  {"GruHiddenWithResets", RNC_CELL_GRU, nullptr, "output=hidden", 5, 29, 4,
      3, true},
  /* the online interval calibration is saved and restored with the state */
  {"LstmInterval", RNC_CELL_LSTM, nullptr, "output=interval", 8, 37, 5, 3,
      false},
  {"LstmIntervalWindowWithResets", RNC_CELL_LSTM, "6", "output=interval", 10,
      33, 4, 9, true},
};

INSTANTIATE_TEST_SUITE_P (Cases, GstResume, ::testing::ValuesIn (resume_cases),
    [] (const ::testing::TestParamInfo<ResumeCase> &i) {
      return std::string (i.param.name);
    });

TEST (GstCheckpoint, ResumeFromAStartStateFileRestoresItsResets)
{
  /* a run that itself started from a state file (rnc.initial = given):
   * resets after the resume go back to that file's values, as in the
   * uninterrupted run */
  Model m (RNC_CELL_LSTM, 2, 4, RNC_HEAD_NONE, 0);
  auto x = normal_vec (50 * m.D, 9);
  std::string start = m.dir.file ("start.state"),
      state = m.dir.file ("s.state"), crash = m.dir.file ("c.state");
  GstHarness *h = m.harness ("state-location=" + start);
  push_frames (h, x, 0, 9, m.D);
  gst_harness_push_event (h, gst_event_new_eos ());
  gst_harness_teardown (h);

  auto run = [&] (const std::string &props, size_t to) {
    GstHarness *g = m.harness (props);
    feed (g, x, m.D, 0, to, 4, true);
    if (to == 50)
      gst_harness_push_event (g, gst_event_new_eos ());
    auto o = pull_outs (g);
    return std::make_pair (g, o);
  };
  copy_file (start, state);
  auto [g0, full] = run ("initial-state=file state-location=" + state, 50);
  gst_harness_teardown (g0);
  copy_file (start, state);
  auto [g1, part] = run ("initial-state=file checkpoint-frames=4 "
      "state-location=" + state, 30);
  copy_file (state, crash);
  gst_harness_teardown (g1);
  guint64 P = position_of (crash);
  ASSERT_EQ (P, 28u);
  auto [g2, resumed] = run ("initial-state=file resume=true state-location=" +
      crash, 50);
  gst_harness_teardown (g2);
  size_t fb = m.H * 4;
  EXPECT_TRUE (bytes_from (resumed, P, fb) == bytes_from (full, P, fb));
}

TEST (GstCheckpoint, GenerateHorizonResumes)
{
  Model m (RNC_CELL_LSTM, 2, 5, RNC_HEAD_REGRESSION, 2);
  auto x = normal_vec (40 * m.D, 10);
  std::string state = m.dir.file ("s.state"), crash = m.dir.file ("c.state");
  GstHarness *h = m.harness ("horizon=3", "generate");
  push_split (h, x, 5 * m.D * 4);
  gst_harness_push_event (h, gst_event_new_eos ());
  auto full = pull_outs (h);
  gst_harness_teardown (h);

  h = m.harness ("horizon=3 checkpoint-frames=7 state-location=" + state,
      "generate");
  push_split (h, slice (x, 0, 25 * m.D), 5 * m.D * 4);
  pull_outs (h);
  copy_file (state, crash);
  gst_harness_teardown (h);
  guint64 P = position_of (crash);
  ASSERT_EQ (P, 25u);

  h = m.harness ("horizon=3 initial-state=file resume=true state-location=" +
      crash, "generate");
  push_split (h, x, 3 * m.D * 4);
  gst_harness_push_event (h, gst_event_new_eos ());
  auto resumed = pull_outs (h);
  gst_harness_teardown (h);
  size_t fb = 3 * 2 * 4;
  auto want = bytes_from (full, P, fb);
  EXPECT_EQ (want.size (), 15 * fb);
  EXPECT_TRUE (bytes_from (resumed, P, fb) == want);
}

TEST (GstCheckpoint, ResumeErrorsAreClear)
{
  Model m (RNC_CELL_LSTM, 2, 4, RNC_HEAD_NONE, 0);
  std::string state = m.dir.file ("s.state");
  GstElement *e = gst_element_factory_make ("lstm", nullptr);
  g_object_set (e, "model", m.path.c_str (), "resume", TRUE, nullptr);
  {
    /* resume without initial-state=file */
    BusWatch bus (e);
    EXPECT_EQ (gst_element_set_state (e, GST_STATE_PAUSED),
        GST_STATE_CHANGE_FAILURE);
    std::string err = bus.pop ();
    EXPECT_NE (err.find ("initial-state=file"), std::string::npos) << err;
  }
  gst_element_set_state (e, GST_STATE_NULL);

  /* a state file without a position (not written by a checkpoint) */
  RncState *s = rnc_state_new (m.model, 1, 0);
  ASSERT_TRUE (rnc_state_save (s, state.c_str (), nullptr));
  rnc_state_free (s);
  g_object_set (e, "state-location", state.c_str (), nullptr);
  gst_util_set_object_arg (G_OBJECT (e), "initial-state", "file");
  {
    BusWatch bus (e);
    EXPECT_EQ (gst_element_set_state (e, GST_STATE_PAUSED),
        GST_STATE_CHANGE_FAILURE);
    std::string err = bus.pop ();
    EXPECT_NE (err.find (state), std::string::npos) << err;
    EXPECT_NE (err.find ("rnc.position"), std::string::npos) << err;
  }
  gst_element_set_state (e, GST_STATE_NULL);
  gst_object_unref (e);

  /* checkpoints without a file to write them to: a warning at start */
  e = gst_element_factory_make ("lstm", nullptr);
  g_object_set (e, "model", m.path.c_str (), "checkpoint-frames",
      (guint64) 10, nullptr);
  {
    BusWatch bus (e);
    EXPECT_NE (gst_element_set_state (e, GST_STATE_PAUSED),
        GST_STATE_CHANGE_FAILURE);
    std::string w = bus.pop (GST_MESSAGE_WARNING);
    EXPECT_NE (w.find ("state-location"), std::string::npos) << w;
    gst_element_set_state (e, GST_STATE_NULL);
  }
  gst_object_unref (e);

  /* an input shorter than the position: a warning, the file kept */
  auto x = normal_vec (20 * m.D, 11);
  GstHarness *h = m.harness ("checkpoint-frames=10 state-location=" + state);
  push_frames (h, x, 0, 20, m.D);
  push_frames (h, x, 0, 1, m.D);
  gst_harness_teardown (h);
  guint64 P = position_of (state);
  ASSERT_EQ (P, 21u);
  auto before = read_file (state);
  h = m.harness ("initial-state=file resume=true state-location=" + state);
  BusWatch bus (h->element);
  push_frames (h, x, 0, 12, m.D);
  gst_harness_push_event (h, gst_event_new_eos ());
  EXPECT_TRUE (pull_outs (h).empty ());
  std::string w = bus.pop (GST_MESSAGE_WARNING);
  EXPECT_NE (w.find (state), std::string::npos) << w;
  EXPECT_NE (w.find ("nothing to resume"), std::string::npos) << w;
  gst_harness_teardown (h);
  EXPECT_TRUE (read_file (state) == before);
}
