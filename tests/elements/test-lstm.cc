/* The lstm element through GstHarness: the cell check, the state (h and c)
 * carried across buffers and reset on every trigger of the design, flushing
 * seeks, state files, token ids and audio input. */
#include "recurrent-test-util.h"

#include <functional>

using namespace rnc_test;

namespace {

struct Fixture : SavedModel
{
  size_t D = 4, H = 5;

  Fixture ()
  {
    model = random_model (RNC_CELL_LSTM, RNC_INPUT_DENSE, D, 0, H, 2,
        RNC_HEAD_NONE, 0, 23, 0.7f);
    save ("lstm.safetensors");
  }

  GstHarness *harness (const std::string &props = "",
      const char *framerate = "0/1")
  {
    return frames_harness ("lstm", path, D, props, framerate);
  }
};

void
push_segment (GstHarness *h)
{
  GstSegment seg;
  gst_segment_init (&seg, GST_FORMAT_TIME);
  gst_harness_push_event (h, gst_event_new_segment (&seg));
}

void
flush (GstHarness *h)
{
  gst_harness_push_event (h, gst_event_new_flush_start ());
  gst_harness_push_event (h, gst_event_new_flush_stop (TRUE));
  push_segment (h);
}

/* Runs a harness to its end and returns the state file's h and c. */
std::vector<float>
load_state (const RncModel *m, const std::string &path)
{
  RncState *s = rnc_state_new (m, 1, 0);
  GError *err = nullptr;
  EXPECT_TRUE (rnc_state_load_initial (s, path.c_str (), &err))
      << (err ? err->message : "");
  g_clear_error (&err);
  rnc_state_reset (s);
  const RncModelConfig *c = rnc_model_get_config (m);
  size_t n = c->num_layers * c->hidden_size;
  std::vector<float> v (rnc_state_peek_h (s), rnc_state_peek_h (s) + n);
  v.insert (v.end (), rnc_state_peek_c (s), rnc_state_peek_c (s) + n);
  rnc_state_free (s);
  return v;
}

} // namespace

TEST (GstLstm, RefusesAnRnnModel)
{
  TempDir dir;
  RncModel *m = random_model (RNC_CELL_RNN, RNC_INPUT_DENSE, 2, 0, 3, 1,
      RNC_HEAD_NONE, 0, 1, 0.7f);
  std::string path = save_model (m, dir.file ("rnn.safetensors"));
  rnc_model_free (m);
  GstElement *e = gst_element_factory_make ("lstm", nullptr);
  g_object_set (e, "model", path.c_str (), nullptr);
  BusWatch bus (e);
  EXPECT_EQ (gst_element_set_state (e, GST_STATE_PAUSED),
      GST_STATE_CHANGE_FAILURE);
  std::string err = bus.pop ();
  EXPECT_NE (err.find (path), std::string::npos) << err;
  EXPECT_NE (err.find ("use the rnn element"), std::string::npos) << err;
  gst_element_set_state (e, GST_STATE_NULL);
  gst_object_unref (e);
}

/* One trigger between two halves of the input: whether the second half
 * starts from the initial state or carries on. */
struct Trigger
{
  const char *name;
  const char *props;
  std::function<void (GstHarness *, Fixture &)> act;
  /* how the second half is pushed (some triggers are a buffer flag) */
  GstBufferFlags flags;
  bool resets;
};

class GstLstmReset : public ::testing::TestWithParam<Trigger> {};

TEST_P (GstLstmReset, SecondHalfFollowsTheTrigger)
{
  const Trigger &tr = GetParam ();
  Fixture f;
  const size_t A = 9, B = 11;
  auto x = normal_vec ((A + B) * f.D, 31);
  auto carried = slice (reference (f.model, x, true), A * f.H, (A + B) * f.H);
  auto fresh = reference (f.model, slice (x, A * f.D, (A + B) * f.D), true);
  ASSERT_GT (max_abs_diff (carried, fresh), 1e-3) << "halves must differ";

  GstHarness *h = f.harness (tr.props);
  push_frames (h, x, 0, A, f.D);
  EXPECT_EQ (pull_floats (h).size (), A * f.H);
  tr.act (h, f);
  EXPECT_EQ (push_frames (h, x, A, B, f.D, tr.flags), GST_FLOW_OK);
  auto out = pull_floats (h);
  ASSERT_EQ (out.size (), B * f.H) << tr.name;
  const auto &want = tr.resets ? fresh : carried;
  double e = max_abs_diff (out, want);
  EXPECT_LT (e, 1e-5) << tr.name << (tr.resets ? " should reset" :
      " should carry the state") << ", largest difference " << e;
  gst_harness_teardown (h);
}

static void
nothing (GstHarness *, Fixture &)
{
}

static const Trigger kTriggers[] = {
  {"plain buffers", "", nothing, (GstBufferFlags) 0, false},
  {"flush", "", [] (GstHarness *h, Fixture &) { flush (h); },
      (GstBufferFlags) 0, true},
  {"stream-start", "", [] (GstHarness *h, Fixture &) {
        gst_harness_push_event (h, gst_event_new_stream_start ("next"));
        push_segment (h); }, (GstBufferFlags) 0, true},
  {"ready-paused", "", [] (GstHarness *h, Fixture &f) {
        set_state (h->element, GST_STATE_READY);
        set_state (h->element, GST_STATE_PLAYING);
        start_stream (h, frames_caps (f.D)); }, (GstBufferFlags) 0, true},
  {"rnc/reset event", "", [] (GstHarness *h, Fixture &) {
        gst_harness_push_event (h, gst_event_new_custom (
                GST_EVENT_CUSTOM_DOWNSTREAM,
                gst_structure_new_empty ("rnc/reset"))); },
      (GstBufferFlags) 0, true},
  {"other custom event", "", [] (GstHarness *h, Fixture &) {
        gst_harness_push_event (h, gst_event_new_custom (
                GST_EVENT_CUSTOM_DOWNSTREAM,
                gst_structure_new_empty ("rnc/other"))); },
      (GstBufferFlags) 0, false},
  {"reset signal", "", [] (GstHarness *h, Fixture &) {
        g_signal_emit_by_name (h->element, "reset"); },
      (GstBufferFlags) 0, true},
  {"discont (default reset-on)", "", nothing, GST_BUFFER_FLAG_DISCONT, true},
  {"discont, reset-on=0", "reset-on=0", nothing, GST_BUFFER_FLAG_DISCONT,
      false},
  {"segment, reset-on=segment", "reset-on=segment", [] (GstHarness *h,
          Fixture &) { push_segment (h); }, (GstBufferFlags) 0, true},
  {"segment (default reset-on)", "", [] (GstHarness *h, Fixture &) {
        push_segment (h); }, (GstBufferFlags) 0, false},
};

INSTANTIATE_TEST_SUITE_P (Triggers, GstLstmReset,
    ::testing::ValuesIn (kTriggers),
    [] (const ::testing::TestParamInfo<Trigger> &info) {
      std::string n;
      for (const char *c = info.param.name; *c; c++)
        n += g_ascii_isalnum (*c) ? *c : '_';
      return n;
    });

TEST (GstLstm, ResetEventIsForwarded)
{
  Fixture f;
  GstHarness *h = f.harness ();
  gst_harness_push_event (h, gst_event_new_custom (GST_EVENT_CUSTOM_DOWNSTREAM,
          gst_structure_new_empty ("rnc/reset")));
  bool seen = false;
  GstEvent *ev;
  while ((ev = gst_harness_try_pull_event (h)) != nullptr) {
    seen |= gst_event_has_name (ev, "rnc/reset");
    gst_event_unref (ev);
  }
  EXPECT_TRUE (seen);
  gst_harness_teardown (h);
}

TEST (GstLstm, ResetSignalFromAnotherThreadWhilePlaying)
{
  Fixture f;
  GstHarness *h = f.harness ();
  auto x = normal_vec (6 * f.D, 32);
  push_frames (h, x, 0, 6, f.D);
  GThread *t = g_thread_new ("reset", [] (gpointer e) -> gpointer {
        g_signal_emit_by_name ((GstElement *) e, "reset");
        return nullptr;
      }, h->element);
  g_thread_join (t);
  push_frames (h, x, 0, 6, f.D);
  auto out = pull_floats (h);
  ASSERT_EQ (out.size (), 12 * f.H);
  EXPECT_TRUE (slice (out, 0, 6 * f.H) == slice (out, 6 * f.H, 12 * f.H));
  gst_harness_teardown (h);
}

TEST (GstLstm, FlushingSeekThenTheSameDataEqualsAFreshRun)
{
  Fixture f;
  auto x = normal_vec (40 * f.D, 33);
  GstHarness *h = f.harness ("", "25/1");
  push_split (h, x, 44);
  std::vector<GstBuffer *> first, second;
  GstBuffer *b;
  while ((b = gst_harness_try_pull (h)) != nullptr)
    first.push_back (b);
  flush (h);
  push_split (h, x, 44);
  while ((b = gst_harness_try_pull (h)) != nullptr)
    second.push_back (b);
  ASSERT_EQ (first.size (), second.size ());
  for (size_t i = 0; i < first.size (); i++) {
    EXPECT_EQ (GST_BUFFER_PTS (first[i]), GST_BUFFER_PTS (second[i]));
    EXPECT_EQ (GST_BUFFER_DURATION (first[i]),
        GST_BUFFER_DURATION (second[i]));
    std::vector<uint8_t> a, c;
    append_buffer (a, first[i]);
    append_buffer (c, second[i]);
    EXPECT_TRUE (a == c) << "buffer " << i;
  }
  gst_harness_teardown (h);
}

TEST (GstLstm, StateFileCutInTwoEqualsTheUncutRun)
{
  Fixture f;
  const size_t A = 13, B = 17;
  auto x = normal_vec ((A + B) * f.D, 34);
  std::string state = f.dir.file ("state.safetensors");

  GstHarness *h = f.harness ();
  push_split (h, x, 36);
  auto uncut = pull_all_bytes (h);
  gst_harness_teardown (h);

  /* the first part saves its state at EOS ... */
  h = f.harness ("state-location=" + state);
  push_split (h, slice (x, 0, A * f.D), 36);
  gst_harness_push_event (h, gst_event_new_eos ());
  auto part1 = pull_all_bytes (h);
  gst_harness_teardown (h);
  /* ... and the second starts from it */
  h = f.harness ("initial-state=file state-location=" + state);
  push_split (h, slice (x, A * f.D, (A + B) * f.D), 36);
  auto part2 = pull_all_bytes (h);
  gst_harness_teardown (h);

  part1.insert (part1.end (), part2.begin (), part2.end ());
  EXPECT_TRUE (part1 == uncut) << "the resumed run must be bit-identical";

  /* saving on stop (no EOS) works the same */
  g_unlink (state.c_str ());
  h = f.harness ("state-location=" + state);
  push_split (h, slice (x, 0, A * f.D));
  pull_all_bytes (h);
  gst_harness_teardown (h);
  h = f.harness ("initial-state=file state-location=" + state);
  push_split (h, slice (x, A * f.D, (A + B) * f.D));
  EXPECT_TRUE (pull_all_bytes (h) == part2);
  gst_harness_teardown (h);
}

TEST (GstLstm, ResetOnEosSavesFirst)
{
  Fixture f;
  const size_t A = 7;
  auto x = normal_vec (A * f.D, 35);
  std::string state = f.dir.file ("s.safetensors");
  GstHarness *h = f.harness ("reset-on=eos state-location=" + state);
  push_split (h, x);
  gst_harness_push_event (h, gst_event_new_eos ());
  gst_harness_teardown (h);         /* stops: must not overwrite the file */
  auto saved = load_state (f.model, state);
  /* the reference state after A frames */
  std::vector<float> xs (x);
  RncState *s = rnc_state_new (f.model, 1, 0);
  rnc_forward_ref (s, xs.data (), A, nullptr, nullptr);
  size_t n = 2 * f.H;
  std::vector<float> want (rnc_state_peek_h (s), rnc_state_peek_h (s) + n);
  want.insert (want.end (), rnc_state_peek_c (s), rnc_state_peek_c (s) + n);
  rnc_state_free (s);
  EXPECT_LT (max_abs_diff (saved, want), 1e-5);
}

TEST (GstLstm, StateFileErrorsNameTheFile)
{
  Fixture f;
  std::string missing = f.dir.file ("missing.safetensors");
  GstElement *e = gst_element_factory_make ("lstm", nullptr);
  g_object_set (e, "model", f.path.c_str (), "state-location",
      missing.c_str (), nullptr);
  gst_util_set_object_arg (G_OBJECT (e), "initial-state", "file");
  {
    BusWatch bus (e);
    EXPECT_EQ (gst_element_set_state (e, GST_STATE_PAUSED),
        GST_STATE_CHANGE_FAILURE);
    std::string err = bus.pop ();
    EXPECT_NE (err.find (missing), std::string::npos) << err;
  }
  gst_element_set_state (e, GST_STATE_NULL);

  /* a state of another shape */
  RncModel *other = random_model (RNC_CELL_LSTM, RNC_INPUT_DENSE, f.D, 0,
      f.H + 1, 1, RNC_HEAD_NONE, 0, 2, 0.7f);
  RncState *s = rnc_state_new (other, 1, 0);
  std::string wrong = f.dir.file ("wrong.safetensors");
  ASSERT_TRUE (rnc_state_save (s, wrong.c_str (), nullptr));
  rnc_state_free (s);
  rnc_model_free (other);
  g_object_set (e, "state-location", wrong.c_str (), nullptr);
  {
    BusWatch bus (e);
    EXPECT_EQ (gst_element_set_state (e, GST_STATE_PAUSED),
        GST_STATE_CHANGE_FAILURE);
    std::string err = bus.pop ();
    EXPECT_NE (err.find (wrong), std::string::npos) << err;
  }
  gst_element_set_state (e, GST_STATE_NULL);
  gst_object_unref (e);
}

TEST (GstLstm, TokenIdsGatherRowsAndOutOfRangeIsAnError)
{
  TempDir dir;
  const size_t V = 11, H = 6;
  RncModel *m = random_model (RNC_CELL_LSTM, RNC_INPUT_INDEX, V, 0, H, 1,
      RNC_HEAD_CLASSES, V, 36, 0.7f);
  std::string path = save_model (m, dir.file ("lm.safetensors"));
  std::vector<gint32> ids = { 3, 0, 10, 7, 7, 2, 9, 1 };
  /* reference: true one-hot rows through the scalar path */
  RncState *s = rnc_state_new (m, 1, 0);
  std::vector<float> want (ids.size () * H);
  ASSERT_TRUE (rnc_forward_ids_ref (s, ids.data (), ids.size (), want.data (),
          nullptr));
  rnc_state_free (s);

  GstHarness *h = harness_new ("lstm model=" + path + " output=hidden");
  gst_harness_set_src_caps_str (h, frames_caps (1, "S32LE").c_str ());
  push_split (h, ids, 3);
  auto out = pull_floats (h);
  EXPECT_LT (max_abs_diff (out, want), 1e-5);

  BusWatch bus (h->element);
  std::vector<gint32> bad = { 1, 11 };
  EXPECT_EQ (push_split (h, bad), GST_FLOW_ERROR);
  std::string err = bus.pop ();
  EXPECT_NE (err.find ("token id 11"), std::string::npos) << err;
  EXPECT_NE (err.find ("vocabulary of 11 ids"), std::string::npos) << err;
  EXPECT_NE (err.find (path), std::string::npos) << err;
  EXPECT_EQ (push_split (h, ids), GST_FLOW_ERROR) << "stays failed";
  gst_harness_teardown (h);

  /* dense frames into an index model are refused with a clear error */
  h = harness_new ("lstm model=" + path);
  BusWatch bus2 (h->element);
  start_stream (h, frames_caps (V));
  err = bus2.pop ();
  EXPECT_NE (err.find ("takes token ids"), std::string::npos) << err;
  gst_harness_teardown (h);
  rnc_model_free (m);
}

TEST (GstLstm, AudioInputBecomesFramesAtItsRate)
{
  Fixture f;
  auto x = normal_vec (10 * f.D, 37);
  GstHarness *h = harness_new ("lstm model=" + f.path);
  gst_harness_set_src_caps_str (h, ("audio/x-raw, format=F32LE, "
          "layout=interleaved, channels=" + std::to_string (f.D) +
          ", rate=50").c_str ());
  /* 24-byte buffers of 16-byte frames: outputs of 1, 2, 1, 2... frames */
  push_split (h, x, 24);
  std::vector<uint8_t> audio_out;
  GstBuffer *b = gst_harness_pull (h);
  EXPECT_EQ (GST_BUFFER_PTS (b), 0u);
  EXPECT_EQ (GST_BUFFER_DURATION (b), 20 * GST_MSECOND);
  append_buffer (audio_out, b);
  b = gst_harness_pull (h);
  EXPECT_EQ (GST_BUFFER_PTS (b), 20 * GST_MSECOND);
  EXPECT_EQ (GST_BUFFER_DURATION (b), 40 * GST_MSECOND);
  append_buffer (audio_out, b);
  auto rest = pull_all_bytes (h);
  audio_out.insert (audio_out.end (), rest.begin (), rest.end ());
  GstCaps *caps = gst_pad_get_current_caps (h->sinkpad);
  GstCaps *want = gst_caps_from_string (frames_caps (f.H, "F32LE",
          "50/1").c_str ());
  EXPECT_TRUE (gst_caps_is_equal (caps, want)) << gst_caps_to_string (caps);
  gst_caps_unref (want);
  gst_caps_unref (caps);
  gst_harness_teardown (h);

  /* the same values as the same bytes sent as frames */
  h = f.harness ();
  push_split (h, x);
  EXPECT_TRUE (pull_all_bytes (h) == audio_out);
  gst_harness_teardown (h);
}
