/* The generate element through GstHarness: the seed's Q8, continuations of
 * `length` frames at EOS, horizon forecasts against a reference that re-runs
 * the scalar path over the real frames and the predictions fed back, the
 * true state left alone, windowed models, language models (ids in and out,
 * greedy, top-k, seed, stop-id), flushes during a long continuation,
 * timestamps, LATENCY, errors and properties. */
#include "recurrent-test-util.h"

#include <algorithm>
#include <atomic>

using namespace rnc_test;

namespace {

/* A regression model whose prediction is its next input (Q == D). */
struct Fixture : SavedModel
{
  size_t D = 3, H = 6;

  explicit Fixture (RncCell cell = RNC_CELL_LSTM, size_t window = 0)
  {
    model = random_model (cell, RNC_INPUT_DENSE, D, 0, H, 2,
        RNC_HEAD_REGRESSION, D, 23, 0.7f);
    const float mean[] = { 1.0f, -1.0f, 4.0f }, sd[] = { 2.0f, 0.5f, 3.0f };
    rnc_model_set_input_scaling (model, mean, sd);
    rnc_model_set_output_scaling (model, mean, sd);
    if (window > 0) {
      rnc_model_set_metadata (model, "rnc.window",
          std::to_string (window).c_str ());
      EXPECT_TRUE (rnc_model_parse_metadata (model, nullptr));
    }
    save ("m.safetensors");
  }

  GstHarness *harness (const std::string &props = "",
      const char *framerate = "0/1")
  {
    return frames_harness ("generate", path, D, props, framerate);
  }
};

/* A language model over V ids, its vocabulary in the file. */
struct LmFixture : SavedModel
{
  size_t V = 12;
  std::vector<int32_t> prompt{ 3, 1, 4, 1, 5, 9, 2, 6 };

  LmFixture ()
  {
    model = random_model (RNC_CELL_LSTM, RNC_INPUT_INDEX, V, 0, 10, 1,
        RNC_HEAD_CLASSES, V, 29, 0.7f);
    /* sharper logits than the 0.7 scale's, so that draws are not uniform */
    scale_params (model, 2.5f);
    save ("lm.safetensors");
  }

  std::vector<int32_t> run (const std::string &props)
  {
    GstHarness *h = harness_new ("generate model=" + path + " " + props);
    gst_harness_set_src_caps_str (h, frames_caps (1, "S32LE").c_str ());
    EXPECT_EQ (push_split (h, prompt, 4), GST_FLOW_OK);
    gst_harness_push_event (h, gst_event_new_eos ());
    auto ids = bytes_as<int32_t> (pull_all_bytes (h));
    gst_harness_teardown (h);
    return ids;
  }
};

std::string
start_error (const std::string &desc)
{
  GError *err = nullptr;
  GstElement *e = gst_parse_launch (desc.c_str (), &err);
  EXPECT_NE (e, nullptr);
  g_clear_error (&err);
  BusWatch bus (e);
  gst_element_set_state (e, GST_STATE_PAUSED);
  std::string msg = bus.pop ();
  gst_element_set_state (e, GST_STATE_NULL);
  gst_object_unref (e);
  return msg;
}

} // namespace

/* Q8: each seed as its own stream, primed on that one frame from h0 = ones,
 * then length=3: the notebook's sequence (its printed float32 values). */
TEST (GstGenerate, ReproducesSeedQ8)
{
  const size_t D = 4, H = 5, T = 3;
  const std::vector<float> &expected = kSeedQ8;
  RncModel *m = notebook_model (RNC_CELL_RNN, D, H, D);
  TempDir dir;
  std::string path = save_model (m, dir.file ("q8.safetensors"));
  auto seeds = linspace (-0.1, 0.3, 2 * D);
  for (size_t n = 0; n < 2; n++) {
    GstHarness *h = harness_new ("generate initial-state=ones length=3 "
        "model=" + path);
    gst_harness_set_src_caps_str (h, frames_caps (D).c_str ());
    push_frames (h, seeds, n, 1, D);
    EXPECT_EQ (gst_harness_buffers_in_queue (h), 0u);
    gst_harness_push_event (h, gst_event_new_eos ());
    auto out = pull_floats (h);
    ASSERT_EQ (out.size (), T * D);
    double e = max_abs_diff (out.data (), expected.data () + n * T * D, T * D);
    EXPECT_LT (e, 2e-6) << "seed " << n << ": largest error " << e;
    gst_harness_teardown (h);
  }
  rnc_model_free (m);
}

TEST (GstGenerate, LengthFramesAtEosThenEosAtAnySplit)
{
  Fixture f;
  auto x = normal_vec (10 * f.D, 2);
  auto ref = ref_rollout (f.model, x, 25);
  for (size_t step : { (size_t) 0, (size_t) 7, (size_t) 12 }) {
    GstHarness *h = f.harness ("length=25");
    push_split (h, x, step);
    EXPECT_EQ (gst_harness_buffers_in_queue (h), 0u) << "output before EOS";
    gst_harness_push_event (h, gst_event_new_eos ());
    auto out = pull_floats (h);
    ASSERT_EQ (out.size (), 25 * f.D);
    EXPECT_LT (max_abs_diff (out, ref), 1e-4) << "step " << step;
    EXPECT_TRUE (pull_events_saw_eos (h));
    gst_harness_teardown (h);
  }
  /* length=0 generates nothing; nothing to prime on warns */
  GstHarness *h = f.harness ("length=0");
  push_split (h, x);
  gst_harness_push_event (h, gst_event_new_eos ());
  EXPECT_EQ (gst_harness_buffers_in_queue (h), 0u);
  gst_harness_teardown (h);
  h = f.harness ();
  BusWatch bus (h->element);
  gst_harness_push_event (h, gst_event_new_eos ());
  EXPECT_NE (bus.pop (GST_MESSAGE_WARNING).find ("Nothing to generate"),
      std::string::npos);
  gst_harness_teardown (h);
}

TEST (GstGenerate, HorizonEqualsTheModelRunOnItsOwnPredictions)
{
  const size_t N = 4, n = 12;
  for (RncCell cell : { RNC_CELL_RNN, RNC_CELL_LSTM, RNC_CELL_GRU }) {
    Fixture f (cell);
    auto x = normal_vec (n * f.D, 3);
    GstHarness *h = f.harness ("horizon=4");
    push_split (h, x, 20);
    GstCaps *caps = gst_pad_get_current_caps (h->sinkpad);
    GstCaps *want = gst_caps_from_string (frames_caps (N * f.D).c_str ());
    EXPECT_TRUE (gst_caps_is_equal (caps, want)) << gst_caps_to_string (caps);
    gst_caps_unref (caps);
    gst_caps_unref (want);
    auto out = pull_floats (h);
    ASSERT_EQ (out.size (), n * N * f.D);
    double worst = 0;
    for (size_t t = 0; t < n; t++) {
      auto ref = ref_rollout (f.model, slice (x, 0, (t + 1) * f.D), N);
      worst = std::max (worst, max_abs_diff (out.data () + t * N * f.D,
              ref.data (), N * f.D));
    }
    EXPECT_LT (worst, 1e-4) << rnc_cell_to_string (cell);
    /* nothing more at EOS */
    gst_harness_push_event (h, gst_event_new_eos ());
    EXPECT_EQ (gst_harness_buffers_in_queue (h), 0u);
    gst_harness_teardown (h);
  }
}

/* The true state advances on the real frames only: the first frame of each
 * forecast is rnn/lstm's output, and the saved state is theirs, bit for
 * bit. */
TEST (GstGenerate, HorizonLeavesTheTrueStateAlone)
{
  Fixture f;
  auto x = normal_vec (30 * f.D, 4);
  std::string sg = f.dir.file ("g.state"), sl = f.dir.file ("l.state");
  GstHarness *g = f.harness ("horizon=6 state-location=" + sg);
  GstHarness *l = harness_new ("lstm model=" + f.path + " state-location=" +
      sl);
  gst_harness_set_src_caps_str (l, frames_caps (f.D).c_str ());
  push_split (g, x, 13);
  push_split (l, x, 13);
  gst_harness_push_event (g, gst_event_new_eos ());
  gst_harness_push_event (l, gst_event_new_eos ());
  auto fg = pull_floats (g), fl = pull_floats (l);
  ASSERT_EQ (fg.size (), 30 * 6 * f.D);
  ASSERT_EQ (fl.size (), 30 * f.D);
  for (size_t t = 0; t < 30; t++)
    EXPECT_EQ (slice (fg, t * 6 * f.D, t * 6 * f.D + f.D),
        slice (fl, t * f.D, (t + 1) * f.D)) << "frame " << t;
  auto a = read_file (sg), b = read_file (sl);
  EXPECT_FALSE (a.empty ());
  EXPECT_TRUE (a == b);
  gst_harness_teardown (g);
  gst_harness_teardown (l);
}

/* A windowed model (rnc.window) forecasts from the last T frames, real and
 * generated, each from a fresh state; a continuation needs T frames. */
TEST (GstGenerate, WindowedModelForecastsFromTheLastFrames)
{
  const size_t T = 5, N = 3, n = 9;
  Fixture f (RNC_CELL_LSTM, T);
  auto x = normal_vec (n * f.D, 5);
  GstHarness *h = f.harness ("horizon=3");
  push_split (h, x);
  auto out = pull_floats (h);
  ASSERT_EQ (out.size (), (n - T + 1) * N * f.D);
  double worst = 0;
  for (size_t t = T - 1; t < n; t++) {
    auto ref = ref_rollout (f.model, slice (x, (t + 1 - T) * f.D,
            (t + 1) * f.D), N, T);
    worst = std::max (worst, max_abs_diff (out.data () + (t + 1 - T) * N *
            f.D, ref.data (), N * f.D));
  }
  EXPECT_LT (worst, 1e-4);
  gst_harness_teardown (h);

  h = f.harness ("length=8");
  push_split (h, x);
  gst_harness_push_event (h, gst_event_new_eos ());
  out = pull_floats (h);
  EXPECT_LT (max_abs_diff (out, ref_rollout (f.model, x, 8, T)), 1e-4);
  gst_harness_teardown (h);

  h = f.harness ();
  BusWatch bus (h->element);
  push_split (h, slice (x, 0, (T - 1) * f.D));
  gst_harness_push_event (h, gst_event_new_eos ());
  EXPECT_EQ (gst_harness_buffers_in_queue (h), 0u);
  EXPECT_NE (bus.pop (GST_MESSAGE_WARNING).find ("window of 5"),
      std::string::npos);
  gst_harness_teardown (h);
}

TEST (GstGenerate, LanguageModelIdsGreedyTopKSeedStop)
{
  LmFixture lm;
  auto greedy = lm.run ("length=30 temperature=0");
  EXPECT_EQ (greedy, ref_greedy (lm.model, lm.prompt, 30));
  EXPECT_EQ (lm.run ("length=30 temperature=1.5 top-k=1 seed=9"), greedy);

  auto a = lm.run ("length=60 seed=42");
  EXPECT_EQ (a.size (), 60u);
  EXPECT_EQ (lm.run ("length=60 seed=42"), a);
  EXPECT_NE (lm.run ("length=60 seed=43"), a);
  EXPECT_NE (a, ref_greedy (lm.model, lm.prompt, 60));

  /* stop-id ends the continuation after drawing it */
  int32_t stop = a[10];
  size_t first = (size_t) (std::find (a.begin (), a.end (), stop) - a.begin ());
  auto stopped = lm.run ("length=60 seed=42 stop-id=" + std::to_string (stop));
  ASSERT_EQ (stopped.size (), first + 1);
  EXPECT_TRUE (std::equal (stopped.begin (), stopped.end (), a.begin ()));

  /* ids out: S32LE width 1, or the horizon's width */
  GstHarness *h = harness_new ("generate horizon=5 temperature=0 model=" +
      lm.path);
  gst_harness_set_src_caps_str (h, frames_caps (1, "S32LE").c_str ());
  push_split (h, lm.prompt);
  GstCaps *caps = gst_pad_get_current_caps (h->sinkpad);
  GstCaps *want = gst_caps_from_string (frames_caps (5, "S32LE").c_str ());
  EXPECT_TRUE (gst_caps_is_equal (caps, want)) << gst_caps_to_string (caps);
  gst_caps_unref (caps);
  gst_caps_unref (want);
  auto ids = bytes_as<int32_t> (pull_all_bytes (h));
  ASSERT_EQ (ids.size (), lm.prompt.size () * 5);
  auto ref = ref_greedy (lm.model, std::vector<int32_t> (lm.prompt.begin (),
          lm.prompt.begin () + 3), 5);
  EXPECT_TRUE (std::equal (ref.begin (), ref.end (), ids.begin () + 2 * 5));
  /* an id outside the vocabulary is an error naming it */
  BusWatch bus (h->element);
  std::vector<int32_t> bad{ 2, 12 };
  EXPECT_EQ (push_split (h, bad), GST_FLOW_ERROR);
  EXPECT_NE (bus.pop ().find ("token id 12"), std::string::npos);
  gst_harness_teardown (h);
}

/* rnc/reset (a blank line at vocab-encode) restarts the state and the
 * draws: the continuation depends on the last part only. */
TEST (GstGenerate, ResetEventStartsAFreshPrompt)
{
  LmFixture lm;
  auto alone = lm.run ("length=20 seed=3");
  GstHarness *h = harness_new ("generate length=20 seed=3 model=" + lm.path);
  gst_harness_set_src_caps_str (h, frames_caps (1, "S32LE").c_str ());
  std::vector<int32_t> other{ 7, 7, 8 };
  push_split (h, other);
  gst_harness_push_event (h, gst_event_new_custom (
          GST_EVENT_CUSTOM_DOWNSTREAM, gst_structure_new_empty ("rnc/reset")));
  push_split (h, lm.prompt);
  gst_harness_push_event (h, gst_event_new_eos ());
  EXPECT_EQ (bytes_as<int32_t> (pull_all_bytes (h)), alone);
  gst_harness_teardown (h);
}

/* A continuation of 2^31 - 1 frames stops within a buffer on a flush; then
 * the same data gives what a fresh element gives. */
TEST (GstGenerate, FlushStopsALongContinuation)
{
  Fixture f;
  auto x = normal_vec (6 * f.D, 6);
  GstHarness *h = f.harness ("length=2147483647");
  gst_harness_set_drop_buffers (h, TRUE);
  push_split (h, x);
  std::atomic<bool> returned{false};
  struct Ctx { GstHarness *h; std::atomic<bool> *returned; } ctx{ h, &returned };
  GThread *t = g_thread_new ("eos", [] (gpointer p) -> gpointer {
        Ctx *c = (Ctx *) p;
        gst_harness_push_event (c->h, gst_event_new_eos ());
        *c->returned = true;
        return nullptr;
      }, &ctx);
  gint64 deadline = g_get_monotonic_time () + 10 * G_TIME_SPAN_SECOND;
  while (gst_harness_buffers_received (h) < 5
      && g_get_monotonic_time () < deadline)
    g_usleep (1000);
  ASSERT_GE (gst_harness_buffers_received (h), 5u);
  EXPECT_FALSE (returned.load ());
  gst_harness_push_event (h, gst_event_new_flush_start ());
  deadline = g_get_monotonic_time () + 5 * G_TIME_SPAN_SECOND;
  while (!returned.load () && g_get_monotonic_time () < deadline)
    g_usleep (1000);
  EXPECT_TRUE (returned.load ()) << "EOS handling did not return on a flush";
  if (!returned.load ())
    gst_element_set_state (h->element, GST_STATE_NULL);
  g_thread_join (t);

  gst_harness_push_event (h, gst_event_new_flush_stop (TRUE));
  GstSegment seg;
  gst_segment_init (&seg, GST_FORMAT_TIME);
  gst_harness_push_event (h, gst_event_new_segment (&seg));
  gst_harness_set_drop_buffers (h, FALSE);
  g_object_set (h->element, "length", 7, nullptr);
  push_split (h, x);
  gst_harness_push_event (h, gst_event_new_eos ());
  auto after = pull_floats (h);
  gst_harness_teardown (h);

  h = f.harness ("length=7");
  push_split (h, x);
  gst_harness_push_event (h, gst_event_new_eos ());
  EXPECT_EQ (after, pull_floats (h));
  EXPECT_EQ (after.size (), 7 * f.D);
  gst_harness_teardown (h);
}

/* Going to NULL stops a long continuation too (the pads flush). */
TEST (GstGenerate, StateChangeStopsALongContinuation)
{
  Fixture f;
  std::string desc = "appsrc name=src format=time caps=\"" +
      frames_caps (f.D) + "\" ! generate length=2147483647 model=" + f.path +
      " ! fakesink sync=false";
  GstElement *p = gst_parse_launch (desc.c_str (), nullptr);
  ASSERT_NE (p, nullptr);
  GstElement *src = gst_bin_get_by_name (GST_BIN (p), "src");
  gst_element_set_state (p, GST_STATE_PLAYING);
  auto x = normal_vec (4 * f.D, 7);
  GstFlowReturn flow;
  GstBuffer *buf = buffer_from_bytes (x.data (), x.size () * 4);
  g_signal_emit_by_name (src, "push-buffer", buf, &flow);
  gst_buffer_unref (buf);
  g_signal_emit_by_name (src, "end-of-stream", &flow);
  g_usleep (100 * 1000);
  gint64 t0 = g_get_monotonic_time ();
  EXPECT_EQ (gst_element_set_state (p, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  EXPECT_LT (g_get_monotonic_time () - t0, 5 * G_TIME_SPAN_SECOND);
  gst_object_unref (src);
  gst_object_unref (p);
}

TEST (GstGenerate, ContinuationCarriesOnTheFrameTimes)
{
  Fixture f;
  auto x = normal_vec (4 * f.D, 8);
  GstHarness *h = f.harness ("length=3", "10/1");
  push_split (h, x);
  gst_harness_push_event (h, gst_event_new_eos ());
  GstBuffer *b = gst_harness_pull (h);
  ASSERT_NE (b, nullptr);
  EXPECT_EQ (GST_BUFFER_PTS (b), 400 * GST_MSECOND);
  EXPECT_EQ (GST_BUFFER_DURATION (b), 300 * GST_MSECOND);
  EXPECT_EQ (gst_buffer_get_size (b), 3 * f.D * 4);
  gst_buffer_unref (b);
  gst_harness_teardown (h);
}

TEST (GstGenerate, LatencyQueryIsAnswered)
{
  Fixture f;
  for (const char *props : { "", "horizon=5" }) {
    GstHarness *h = f.harness (props, "10/1");
    gst_harness_play (h);
    /* forecasts are stamped at their input frame: nothing added */
    expect_no_added_latency (h, 30 * GST_MSECOND, props);
    gst_harness_teardown (h);
  }
}

TEST (GstGenerate, ModelsThatCannotFeedBackAreRefusedWithTheReason)
{
  TempDir dir;
  struct Case { RncInputKind in; size_t D; RncHeadKind head; size_t Q;
    const char *why; };
  const Case cases[] = {
    { RNC_INPUT_DENSE, 3, RNC_HEAD_REGRESSION, 2, "Q == D" },
    { RNC_INPUT_DENSE, 3, RNC_HEAD_NONE, 0, "no head" },
    { RNC_INPUT_INDEX, 9, RNC_HEAD_CLASSES, 4, "tagger" },
  };
  for (const Case &c : cases) {
    RncModel *m = random_model (RNC_CELL_RNN, c.in, c.D, 0, 4, 1, c.head,
        c.Q, 1, 0.7f);
    std::string path = save_model (m, dir.file ("bad.safetensors"));
    rnc_model_free (m);
    std::string e = start_error ("generate model=" + path);
    EXPECT_NE (e.find (c.why), std::string::npos) << e;
    EXPECT_NE (e.find (path), std::string::npos) << e;
  }
  std::string missing = dir.file ("none.safetensors");
  std::string e = start_error ("generate model=" + missing);
  EXPECT_NE (e.find (missing), std::string::npos) << e;
  e = start_error ("generate");
  EXPECT_NE (e.find ("model"), std::string::npos) << e;
  write_file (dir.file ("junk.safetensors"), "not a model");
  e = start_error ("generate model=" + dir.file ("junk.safetensors"));
  EXPECT_NE (e.find ("junk.safetensors"), std::string::npos) << e;
}

TEST (GstGenerate, WrongWidthNamesBothWidths)
{
  Fixture f;
  GstHarness *h = harness_new ("generate model=" + f.path);
  BusWatch bus (h->element);
  gst_harness_push_event (h, gst_event_new_stream_start ("s"));
  GstCaps *caps = gst_caps_from_string (frames_caps (5).c_str ());
  gst_harness_push_event (h, gst_event_new_caps (caps));
  gst_caps_unref (caps);
  std::string e = bus.pop ();
  EXPECT_NE (e.find ("width 5"), std::string::npos) << e;
  EXPECT_NE (e.find ("width 3"), std::string::npos) << e;
  gst_harness_teardown (h);
}

TEST (GstGenerate, PropertiesRoundTripAndKnobsWhilePlaying)
{
  GstElement *e = gst_element_factory_make ("generate", nullptr);
  ASSERT_NE (e, nullptr);
  guint length, horizon, top_k;
  gfloat temperature;
  guint64 seed;
  gint stop_id;
  g_object_get (e, "length", &length, "horizon", &horizon, "temperature",
      &temperature, "top-k", &top_k, "seed", &seed, "stop-id", &stop_id,
      nullptr);
  EXPECT_EQ (length, 100u);
  EXPECT_EQ (horizon, 0u);
  EXPECT_EQ (temperature, 1.0f);
  EXPECT_EQ (top_k, 0u);
  EXPECT_EQ (seed, 0u);
  EXPECT_EQ (stop_id, -1);
  g_object_set (e, "length", 5, "horizon", 7, "temperature", 0.25f, "top-k",
      3, "seed", (guint64) 1 << 40, "stop-id", 4, "initial-state", 1,
      nullptr);
  gint initial;
  g_object_get (e, "length", &length, "horizon", &horizon, "temperature",
      &temperature, "top-k", &top_k, "seed", &seed, "stop-id", &stop_id,
      "initial-state", &initial, nullptr);
  EXPECT_EQ (length, 5u);
  EXPECT_EQ (horizon, 7u);
  EXPECT_EQ (temperature, 0.25f);
  EXPECT_EQ (top_k, 3u);
  EXPECT_EQ (seed, (guint64) 1 << 40);
  EXPECT_EQ (stop_id, 4);
  EXPECT_EQ (initial, 1);
  gst_object_unref (e);

  /* while playing: horizon and seed are refused, the knobs are taken */
  Fixture f;
  GstHarness *h = f.harness ("horizon=2");
  BusWatch bus (h->element);
  g_object_set (h->element, "horizon", 9, "temperature", 0.5f, "top-k", 2,
      "length", 11, nullptr);
  g_object_get (h->element, "horizon", &horizon, "temperature", &temperature,
      "top-k", &top_k, "length", &length, nullptr);
  EXPECT_EQ (horizon, 2u);
  EXPECT_EQ (temperature, 0.5f);
  EXPECT_EQ (top_k, 2u);
  EXPECT_EQ (length, 11u);
  EXPECT_NE (bus.pop (GST_MESSAGE_WARNING).find ("'horizon'"),
      std::string::npos);
  gst_harness_teardown (h);
}

TEST (GstGenerate, KnobStressWhileBuffersFlow)
{
  LmFixture lm;
  GstHarness *h = harness_new ("generate horizon=3 model=" + lm.path);
  gst_harness_set_src_caps_str (h, frames_caps (1, "S32LE").c_str ());
  GValue temp = G_VALUE_INIT, k = G_VALUE_INIT;
  g_value_init (&temp, G_TYPE_FLOAT);
  g_value_set_float (&temp, 0.3f);
  g_value_init (&k, G_TYPE_UINT);
  g_value_set_uint (&k, 2);
  GstHarnessThread *t1 = gst_harness_stress_property_start_full (h,
      "temperature", &temp, 100);
  GstHarnessThread *t2 = gst_harness_stress_property_start_full (h,
      "top-k", &k, 100);
  for (int i = 0; i < 200; i++)
    ASSERT_EQ (push_split (h, lm.prompt, 12), GST_FLOW_OK);
  /* on a loaded 2-core host the pushes can finish before a stress thread
   * was first scheduled: give each one time to run at least once */
  g_usleep (100 * 1000);
  EXPECT_GT (gst_harness_stress_thread_stop (t1), 0u);
  EXPECT_GT (gst_harness_stress_thread_stop (t2), 0u);
  auto ids = bytes_as<int32_t> (pull_all_bytes (h));
  EXPECT_EQ (ids.size (), 200 * lm.prompt.size () * 3);
  for (int32_t id : ids)
    ASSERT_TRUE (id >= 0 && id < (int32_t) lm.V);
  g_value_unset (&temp);
  g_value_unset (&k);
  gst_harness_teardown (h);
}
