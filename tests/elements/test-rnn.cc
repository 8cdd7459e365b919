/* The rnn element through GstHarness: caps and their errors, model errors,
 * split invariance, output kinds, emit modes, window, scaling, timestamps,
 * LATENCY, EOS drain, properties and a property stress test. Behaviours of
 * the shared base class that depend on the cell are run for both cells. */
#include "recurrent-test-util.h"

#include <tuple>

using namespace rnc_test;

namespace {

/* An rnn model with a regression head, saved in @dir. */
struct Fixture : SavedModel
{
  size_t D = 3, H = 6, Q = 2;

  explicit Fixture (RncCell cell = RNC_CELL_RNN,
      RncHeadKind head = RNC_HEAD_REGRESSION, size_t layers = 1)
  {
    model = random_model (cell, RNC_INPUT_DENSE, D, 0, H, layers, head,
        head == RNC_HEAD_NONE ? 0 : Q, 17, 0.7f);
    save ("m.safetensors");
  }

  GstHarness *harness (const std::string &props = "",
      const char *framerate = "0/1", const char *factory = "rnn")
  {
    return frames_harness (factory, path, D, props, framerate);
  }
};

/* Plays @e (not in a harness) to PAUSED and returns the first error. */
std::string
start_error (GstElement *e)
{
  BusWatch bus (e);
  gst_element_set_state (e, GST_STATE_PAUSED);
  std::string err = bus.pop ();
  gst_element_set_state (e, GST_STATE_NULL);
  return err;
}

} // namespace

TEST (GstRnn, NegotiatesTheOutputWidth)
{
  Fixture f;
  GstHarness *h = f.harness ("output=hidden");
  auto x = normal_vec (4 * f.D, 1);
  EXPECT_EQ (push_split (h, x), GST_FLOW_OK);
  GstCaps *caps = gst_pad_get_current_caps (h->sinkpad);
  ASSERT_NE (caps, nullptr);
  GstCaps *want = gst_caps_from_string (frames_caps (f.H).c_str ());
  EXPECT_TRUE (gst_caps_is_equal (caps, want)) << gst_caps_to_string (caps);
  gst_caps_unref (want);
  gst_caps_unref (caps);
  EXPECT_EQ (pull_floats (h).size (), 4 * f.H);
  gst_harness_teardown (h);

  /* the sink pad offers the model's width first */
  h = harness_new ("rnn model=" + f.path);
  GstCaps *offered = gst_pad_peer_query_caps (h->srcpad, nullptr);
  GstStructure *first = gst_caps_get_structure (offered, 0);
  int w = 0;
  EXPECT_TRUE (gst_structure_get_int (first, "width", &w));
  EXPECT_EQ (w, (int) f.D) << gst_caps_to_string (offered);
  gst_caps_unref (offered);
  gst_harness_teardown (h);
}

TEST (GstRnn, WidthMismatchNamesBothWidths)
{
  Fixture f;
  GstHarness *h = harness_new ("rnn model=" + f.path);
  BusWatch bus (h->element);
  gst_harness_push_event (h, gst_event_new_stream_start ("s"));
  GstCaps *caps = gst_caps_from_string (frames_caps (f.D + 4).c_str ());
  /* a sticky event is stored even when refused: the bus tells */
  gst_harness_push_event (h, gst_event_new_caps (caps));
  gst_caps_unref (caps);
  std::string e = bus.pop ();
  EXPECT_NE (e.find ("width 7"), std::string::npos) << e;
  EXPECT_NE (e.find ("width 3"), std::string::npos) << e;
  EXPECT_NE (e.find (f.path), std::string::npos) << e;

  /* token ids into a dense model, audio of the wrong channel count */
  caps = gst_caps_from_string (frames_caps (1, "S32LE").c_str ());
  /* a sticky event is stored even when refused: the bus tells */
  gst_harness_push_event (h, gst_event_new_caps (caps));
  gst_caps_unref (caps);
  e = bus.pop ();
  EXPECT_NE (e.find ("token ids"), std::string::npos) << e;
  caps = gst_caps_from_string ("audio/x-raw, format=F32LE, "
      "layout=interleaved, channels=2, rate=100");
  /* a sticky event is stored even when refused: the bus tells */
  gst_harness_push_event (h, gst_event_new_caps (caps));
  gst_caps_unref (caps);
  e = bus.pop ();
  EXPECT_NE (e.find ("channels = 2"), std::string::npos) << e;
  gst_harness_teardown (h);
}

TEST (GstRnn, WidthMismatchInAPipelineStopsWithTheError)
{
  Fixture f;
  std::string desc = "appsrc name=src caps=\"" + frames_caps (5) +
      "\" ! rnn model=" + f.path + " ! fakesink";
  GError *err = nullptr;
  GstElement *p = gst_parse_launch (desc.c_str (), &err);
  ASSERT_NE (p, nullptr) << err->message;
  GstElement *src = gst_bin_get_by_name (GST_BIN (p), "src");
  gst_element_set_state (p, GST_STATE_PLAYING);
  auto x = normal_vec (10, 2);
  GstBuffer *buf = buffer_from_bytes (x.data (), x.size () * 4);
  GstFlowReturn flow = GST_FLOW_OK;
  /* the action signal does not take the buffer */
  g_signal_emit_by_name (src, "push-buffer", buf, &flow);
  gst_buffer_unref (buf);
  GstBus *bus = gst_element_get_bus (p);
  GstMessage *msg = gst_bus_timed_pop_filtered (bus, 5 * GST_SECOND,
      GST_MESSAGE_ERROR);
  ASSERT_NE (msg, nullptr);
  GError *gerr = nullptr;
  gst_message_parse_error (msg, &gerr, nullptr);
  EXPECT_TRUE (g_str_has_prefix (GST_OBJECT_NAME (GST_MESSAGE_SRC (msg)),
          "rnn"));
  EXPECT_NE (std::string (gerr->message).find ("width 5"), std::string::npos)
      << gerr->message;
  g_error_free (gerr);
  gst_message_unref (msg);
  gst_object_unref (bus);
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (src);
  gst_object_unref (p);
}

TEST (GstRnn, RefusesAnLstmModel)
{
  TempDir dir;
  RncModel *m = random_model (RNC_CELL_LSTM, RNC_INPUT_DENSE, 2, 0, 3, 1,
      RNC_HEAD_NONE, 0, 1, 0.7f);
  std::string path = save_model (m, dir.file ("lstm.safetensors"));
  rnc_model_free (m);
  GstElement *e = gst_element_factory_make ("rnn", nullptr);
  g_object_set (e, "model", path.c_str (), nullptr);
  std::string err = start_error (e);
  EXPECT_NE (err.find (path), std::string::npos) << err;
  EXPECT_NE (err.find ("lstm model"), std::string::npos) << err;
  EXPECT_NE (err.find ("use the lstm element"), std::string::npos) << err;
  gst_object_unref (e);
}

/* name, file content ("" = no file, "/" = a folder) */
class GstRnnBadModel : public ::testing::TestWithParam<
    std::tuple<const char *, std::string>> {};

TEST_P (GstRnnBadModel, IsAnElementErrorNamingTheFile)
{
  auto [name, content] = GetParam ();
  TempDir dir;
  std::string path = dir.file (name);
  if (content == "/")
    g_mkdir (path.c_str (), 0700);
  else if (!content.empty ())
    write_file (path, content);
  GstElement *e = gst_element_factory_make ("rnn", nullptr);
  g_object_set (e, "model", path.c_str (), nullptr);
  std::string err = start_error (e);
  EXPECT_NE (err.find ("Could not load model \"" + path + "\""),
      std::string::npos) << err;
  gst_object_unref (e);
  if (content == "/")
    g_rmdir (path.c_str ());
}

/* A safetensors header: @declared (default: the JSON's size) then @json. */
static std::string
header_only (const std::string &json, uint64_t declared = 0)
{
  if (declared == 0)
    declared = json.size ();
  std::string s (8, '\0');
  std::memcpy (&s[0], &declared, 8);
  return s + json;
}

INSTANTIATE_TEST_SUITE_P (Files, GstRnnBadModel, ::testing::Values (
        std::make_tuple ("missing.safetensors", std::string ()),
        std::make_tuple ("folder.safetensors", std::string ("/")),
        std::make_tuple ("empty.safetensors", std::string ("x")),
        std::make_tuple ("text.safetensors",
            std::string ("this is not a model at all, just text")),
        std::make_tuple ("huge-header.safetensors",
            header_only ("{}", (uint64_t) 1 << 60)),
        std::make_tuple ("bad-json.safetensors",
            header_only ("{\"a\":", 5)),
        std::make_tuple ("bad-offsets.safetensors", header_only (
                "{\"layer0.Wx\":{\"dtype\":\"F32\",\"shape\":[2,3],"
                "\"data_offsets\":[0,99999999]}}"))));

TEST (GstRnn, NoModelIsAnError)
{
  GstElement *e = gst_element_factory_make ("rnn", nullptr);
  std::string err = start_error (e);
  EXPECT_NE (err.find ("model"), std::string::npos) << err;
  gst_object_unref (e);
}

/* cell, output, emit, window, step */
class GstRecurrentSplit : public ::testing::TestWithParam<
    std::tuple<RncCell, const char *, size_t>> {};

TEST_P (GstRecurrentSplit, AnySplitOfTheBytesIsBitIdentical)
{
  auto [cell, props, step] = GetParam ();
  Fixture f (cell, RNC_HEAD_REGRESSION, 2);
  const char *factory = rnc_cell_to_string (cell);
  auto x = normal_vec (300 * f.D, 3);
  GstHarness *h = f.harness (props, "0/1", factory);
  for (size_t t = 0; t < 300; t += 50)
    push_frames (h, x, t, 50, f.D);
  gst_harness_push_event (h, gst_event_new_eos ());
  auto whole = pull_all_bytes (h);
  gst_harness_teardown (h);
  ASSERT_FALSE (whole.empty ());

  h = f.harness (props, "0/1", factory);
  EXPECT_EQ (push_split (h, x, step), GST_FLOW_OK);
  gst_harness_push_event (h, gst_event_new_eos ());
  auto split = pull_all_bytes (h);
  gst_harness_teardown (h);
  EXPECT_TRUE (split == whole) << "blocks of " << step << " bytes with "
      << props;
}

INSTANTIATE_TEST_SUITE_P (Splits, GstRecurrentSplit, ::testing::Combine (
        ::testing::Values (RNC_CELL_RNN, RNC_CELL_LSTM, RNC_CELL_GRU),
        ::testing::Values ("output=prediction", "output=hidden",
            "window=7", "emit=eos"),
        ::testing::Values ((size_t) 1, (size_t) 7, (size_t) 13,
            (size_t) 4096)));

TEST (GstRnn, OutputsMatchTheScalarReference)
{
  Fixture f;
  auto x = normal_vec (40 * f.D, 4);
  for (const char *kind : { "prediction", "hidden" }) {
    GstHarness *h = f.harness (std::string ("output=") + kind);
    push_split (h, x, 52);
    auto out = pull_floats (h);
    auto ref = reference (f.model, x, std::string (kind) == "hidden");
    ASSERT_EQ (out.size (), ref.size ()) << kind;
    double e = max_abs_diff (out, ref);
    EXPECT_LT (e, 1e-5) << kind << ": largest difference " << e;
    gst_harness_teardown (h);
  }
}

TEST (GstRnn, ClassOutputs)
{
  TempDir dir;
  const size_t D = 2, H = 5, Q = 4, T = 30;
  RncModel *m = random_model (RNC_CELL_RNN, RNC_INPUT_DENSE, D, 0, H, 1,
      RNC_HEAD_CLASSES, Q, 5, 0.7f);
  std::string path = save_model (m, dir.file ("cls.safetensors"));
  auto x = normal_vec (T * D, 6);
  auto logits_ref = reference (m, x, false);
  std::vector<std::vector<float>> got;
  for (const char *kind : { "logits", "probabilities", "prediction" }) {
    GstHarness *h = harness_new ("rnn model=" + path + " output=" + kind);
    gst_harness_set_src_caps_str (h, frames_caps (D).c_str ());
    push_split (h, x);
    got.push_back (pull_floats (h));
    gst_harness_teardown (h);
  }
  EXPECT_LT (max_abs_diff (got[0], logits_ref), 1e-5);
  EXPECT_EQ (got[1], got[2]) << "a classes head predicts probabilities";
  for (size_t t = 0; t < T; t++) {
    double mx = -1e30, sum = 0;
    for (size_t q = 0; q < Q; q++)
      mx = std::max (mx, (double) logits_ref[t * Q + q]);
    for (size_t q = 0; q < Q; q++)
      sum += std::exp (logits_ref[t * Q + q] - mx);
    for (size_t q = 0; q < Q; q++)
      EXPECT_NEAR (got[1][t * Q + q], std::exp (logits_ref[t * Q + q] - mx) /
          sum, 1e-5);
  }

  GstHarness *h = harness_new ("rnn model=" + path + " output=argmax");
  gst_harness_set_src_caps_str (h, frames_caps (D).c_str ());
  push_split (h, x);
  auto ids = bytes_as<gint32> (pull_all_bytes (h));
  ASSERT_EQ (ids.size (), T);
  for (size_t t = 0; t < T; t++) {
    size_t best = 0;
    for (size_t q = 1; q < Q; q++)
      if (logits_ref[t * Q + q] > logits_ref[t * Q + best])
        best = q;
    EXPECT_EQ ((size_t) ids[t], best) << "frame " << t;
  }
  GstCaps *caps = gst_pad_get_current_caps (h->sinkpad);
  GstCaps *want = gst_caps_from_string (frames_caps (1, "S32LE").c_str ());
  EXPECT_TRUE (gst_caps_is_equal (caps, want)) << gst_caps_to_string (caps);
  gst_caps_unref (want);
  gst_caps_unref (caps);
  gst_harness_teardown (h);
  rnc_model_free (m);
}

TEST (GstRnn, ClassOutputOfARegressionModelIsAnError)
{
  Fixture f;
  GstElement *e = gst_element_factory_make ("rnn", nullptr);
  g_object_set (e, "model", f.path.c_str (), nullptr);
  gst_util_set_object_arg (G_OBJECT (e), "output", "argmax");
  std::string err = start_error (e);
  EXPECT_NE (err.find ("argmax"), std::string::npos) << err;
  EXPECT_NE (err.find ("classes head"), std::string::npos) << err;
  gst_object_unref (e);
}

TEST (GstRnn, EmitModes)
{
  Fixture f;
  auto x = normal_vec (20 * f.D, 7);
  auto ref = reference (f.model, x, false);

  /* buffer: the output after the last whole frame of each input buffer;
   * a buffer that completes no frame gives none */
  GstHarness *h = f.harness ("emit=buffer");
  size_t frame_bytes = f.D * 4, cuts[] = { 0, 3 * frame_bytes,
    3 * frame_bytes + 5, 8 * frame_bytes + 1, 20 * frame_bytes };
  std::vector<float> expected;
  for (size_t i = 0; i + 1 < G_N_ELEMENTS (cuts); i++) {
    gst_harness_push (h, buffer_from_bytes ((const guint8 *) x.data () +
            cuts[i], cuts[i + 1] - cuts[i]));
    if (cuts[i + 1] / frame_bytes > cuts[i] / frame_bytes) {
      size_t last = cuts[i + 1] / frame_bytes - 1;
      expected.push_back (ref[last * f.Q]);
      expected.push_back (ref[last * f.Q + 1]);
    }
  }
  auto out = pull_floats (h);
  ASSERT_EQ (out.size (), expected.size ());
  EXPECT_LT (max_abs_diff (out, expected), 1e-5);
  gst_harness_teardown (h);

  /* eos: one output at the end, nothing before */
  h = f.harness ("emit=eos");
  push_split (h, x, 10);
  EXPECT_EQ (gst_harness_buffers_in_queue (h), 0u);
  gst_harness_push_event (h, gst_event_new_eos ());
  out = pull_floats (h);
  ASSERT_EQ (out.size (), f.Q);
  EXPECT_LT (max_abs_diff (out, slice (ref, 19 * f.Q, 20 * f.Q)), 1e-5);
  gst_harness_teardown (h);
}

TEST (GstRnn, WindowOutputsComeFromTheLastFrames)
{
  Fixture f;
  const size_t T = 25, W = 5;
  auto x = normal_vec (T * f.D, 8);
  GstHarness *h = f.harness ("window=5");
  push_split (h, x, 28);
  auto out = pull_floats (h);
  ASSERT_EQ (out.size (), (T - W + 1) * f.Q);
  double worst = 0;
  for (size_t t = W - 1; t < T; t++) {
    auto ref = reference (f.model, slice (x, (t + 1 - W) * f.D, (t + 1) * f.D),
        false);
    worst = std::max (worst, max_abs_diff (out.data () + (t + 1 - W) * f.Q,
            ref.data () + (W - 1) * f.Q, f.Q));
  }
  EXPECT_LT (worst, 1e-5);
  gst_harness_teardown (h);

  /* default: the model's rnc.window */
  rnc_model_set_metadata (f.model, "rnc.window", "5");
  ASSERT_TRUE (rnc_model_parse_metadata (f.model, nullptr));
  save_model (f.model, f.path);
  h = f.harness ();
  push_split (h, x);
  EXPECT_EQ (pull_floats (h), out);
  gst_harness_teardown (h);
  h = f.harness ("window=0");
  push_split (h, x);
  EXPECT_EQ (pull_floats (h).size (), T * f.Q);
  gst_harness_teardown (h);
}

TEST (GstRnn, ScalingMetadataIsAppliedInAndOut)
{
  Fixture f;
  const float in_mean[] = { 10, -5, 0.5f }, in_std[] = { 2, 0.25f, 4 };
  const float out_mean[] = { 100, -1 }, out_std[] = { 30, 0.1f };
  rnc_model_set_input_scaling (f.model, in_mean, in_std);
  rnc_model_set_output_scaling (f.model, out_mean, out_std);
  save_model (f.model, f.path);
  const size_t T = 12;
  auto z = normal_vec (T * f.D, 9);
  std::vector<float> x (z.size ());
  for (size_t t = 0; t < T; t++)
    for (size_t d = 0; d < f.D; d++)
      x[t * f.D + d] = z[t * f.D + d] * in_std[d] + in_mean[d];
  /* independent expectation: the unscaled model on z, scaled by hand */
  RncModel *plain = rnc_model_copy (f.model);
  rnc_model_set_input_scaling (plain, nullptr, nullptr);
  rnc_model_set_output_scaling (plain, nullptr, nullptr);
  auto y = reference (plain, z, false);
  for (size_t t = 0; t < T; t++)
    for (size_t q = 0; q < f.Q; q++)
      y[t * f.Q + q] = y[t * f.Q + q] * out_std[q] + out_mean[q];
  rnc_model_free (plain);

  GstHarness *h = f.harness ();
  push_split (h, x, 20);
  auto out = pull_floats (h);
  double e = max_rel_diff (out.data (), y.data (), y.size (), 1e-3);
  EXPECT_LT (e, 1e-5) << "largest relative difference " << e;
  gst_harness_teardown (h);
}

TEST (GstRnn, TimestampsFromTheFrameCount)
{
  Fixture f;
  GstHarness *h = f.harness ("", "4/1");
  auto x = normal_vec (10 * f.D, 10);
  GstBuffer *b = buffer_from_bytes (x.data (), 4 * f.D * 4 + 6);
  GST_BUFFER_PTS (b) = 10 * GST_SECOND;
  gst_harness_push (h, b);
  b = buffer_from_bytes ((guint8 *) x.data () + 4 * f.D * 4 + 6,
      6 * f.D * 4 - 6);
  GST_BUFFER_PTS (b) = 77 * GST_SECOND;   /* ignored: the rate rules */
  gst_harness_push (h, b);
  GstBuffer *o1 = gst_harness_pull (h), *o2 = gst_harness_pull (h);
  EXPECT_EQ (GST_BUFFER_PTS (o1), 10 * GST_SECOND);
  EXPECT_EQ (GST_BUFFER_DURATION (o1), GST_SECOND);       /* 4 frames */
  EXPECT_EQ (GST_BUFFER_PTS (o2), 11 * GST_SECOND);
  EXPECT_EQ (GST_BUFFER_DURATION (o2), 1500 * GST_MSECOND);
  EXPECT_TRUE (GST_BUFFER_IS_DISCONT (o1));
  EXPECT_FALSE (GST_BUFFER_IS_DISCONT (o2));
  gst_buffer_unref (o1);
  gst_buffer_unref (o2);
  GstCaps *caps = gst_pad_get_current_caps (h->sinkpad);
  gint n = 0, d = 0;
  gst_structure_get_fraction (gst_caps_get_structure (caps, 0), "framerate",
      &n, &d);
  EXPECT_EQ (n, 4);
  EXPECT_EQ (d, 1);
  gst_caps_unref (caps);

  /* a flush restarts the count from the next buffer's time */
  gst_harness_push_event (h, gst_event_new_flush_start ());
  gst_harness_push_event (h, gst_event_new_flush_stop (TRUE));
  GstSegment seg;
  gst_segment_init (&seg, GST_FORMAT_TIME);
  gst_harness_push_event (h, gst_event_new_segment (&seg));
  b = buffer_from_bytes (x.data (), 2 * f.D * 4);
  GST_BUFFER_PTS (b) = 3 * GST_SECOND;
  gst_harness_push (h, b);
  o1 = gst_harness_pull (h);
  EXPECT_EQ (GST_BUFFER_PTS (o1), 3 * GST_SECOND);
  EXPECT_EQ (GST_BUFFER_DURATION (o1), 500 * GST_MSECOND);
  gst_buffer_unref (o1);
  gst_harness_teardown (h);
}

TEST (GstRnn, AperiodicTimestampsPassThrough)
{
  Fixture f;
  GstHarness *h = f.harness ();
  auto x = normal_vec (6 * f.D, 11);
  for (size_t i = 0; i < 3; i++) {
    GstBuffer *b = buffer_from_bytes (x.data () + 2 * i * f.D, 2 * f.D * 4);
    GST_BUFFER_PTS (b) = (i * i + 1) * GST_MSECOND;
    gst_harness_push (h, b);
    GstBuffer *o = gst_harness_pull (h);
    EXPECT_EQ (GST_BUFFER_PTS (o), (i * i + 1) * GST_MSECOND);
    gst_buffer_unref (o);
  }
  gst_harness_teardown (h);
}

TEST (GstRnn, LatencyQueryIsAnswered)
{
  Fixture f;
  for (const char *props : { "", "window=8", "emit=buffer" }) {
    GstHarness *h = f.harness (props, "100/1");
    /* outputs are stamped at their last input frame: no latency added */
    expect_no_added_latency (h, 20 * GST_MSECOND, props);
    gst_harness_teardown (h);
  }
}

TEST (GstRnn, EosDrainsAndDropsATrailingPartialFrame)
{
  Fixture f;
  GstHarness *h = f.harness ("emit=eos");
  BusWatch bus (h->element);
  auto x = normal_vec (5 * f.D, 12);
  gst_harness_push (h, buffer_from_bytes (x.data (), 5 * f.D * 4 - 3));
  gst_harness_push_event (h, gst_event_new_eos ());
  auto out = pull_floats (h);
  auto ref = reference (f.model, slice (x, 0, 4 * f.D), false);
  EXPECT_LT (max_abs_diff (out, slice (ref, 3 * f.Q, 4 * f.Q)), 1e-5);
  std::string w = bus.pop (GST_MESSAGE_WARNING);
  EXPECT_NE (w.find ("9 bytes"), std::string::npos) << w;
  /* EOS itself goes downstream after the output */
  EXPECT_TRUE (pull_events_saw_eos (h));
  gst_harness_teardown (h);
}

TEST (GstRnn, PropertiesRoundTrip)
{
  GstElement *e = gst_element_factory_make ("rnn", nullptr);
  gchar *model = nullptr, *loc = nullptr;
  gint window = 0;
  g_object_get (e, "model", &model, "state-location", &loc, "window",
      &window, nullptr);
  EXPECT_EQ (model, nullptr);
  EXPECT_EQ (loc, nullptr);
  EXPECT_EQ (window, -1);
  g_object_set (e, "model", "a.safetensors", "state-location", "s.st",
      "window", 12, nullptr);
  gst_util_set_object_arg (G_OBJECT (e), "output", "logits");
  gst_util_set_object_arg (G_OBJECT (e), "emit", "buffer");
  gst_util_set_object_arg (G_OBJECT (e), "initial-state", "file");
  gst_util_set_object_arg (G_OBJECT (e), "reset-on", "segment+eos");
  gint output, emit, initial;
  guint reset_on;
  g_object_get (e, "model", &model, "state-location", &loc, "window",
      &window, "output", &output, "emit", &emit, "initial-state", &initial,
      "reset-on", &reset_on, nullptr);
  EXPECT_STREQ (model, "a.safetensors");
  EXPECT_STREQ (loc, "s.st");
  EXPECT_EQ (window, 12);
  EXPECT_EQ (output, 2);
  EXPECT_EQ (emit, 1);
  EXPECT_EQ (initial, 2);
  EXPECT_EQ (reset_on, 6u);
  g_free (model);
  g_free (loc);
  gst_object_unref (e);
}

TEST (GstRnn, StructuralPropertiesAreRefusedWhilePlaying)
{
  Fixture f;
  GstHarness *h = f.harness ("window=3");
  BusWatch bus (h->element);
  g_object_set (h->element, "window", 9, "model", "other.safetensors",
      nullptr);
  gst_util_set_object_arg (G_OBJECT (h->element), "output", "hidden");
  gint window;
  gchar *model;
  gint output;
  g_object_get (h->element, "window", &window, "model", &model, "output",
      &output, nullptr);
  EXPECT_EQ (window, 3);
  EXPECT_EQ (std::string (model), f.path);
  EXPECT_EQ (output, 0);
  g_free (model);
  std::string w = bus.pop (GST_MESSAGE_WARNING);
  EXPECT_NE (w.find ("'window'"), std::string::npos) << w;
  /* a runtime knob is taken */
  gst_util_set_object_arg (G_OBJECT (h->element), "reset-on", "segment");
  guint reset_on;
  g_object_get (h->element, "reset-on", &reset_on, nullptr);
  EXPECT_EQ (reset_on, 2u);
  gst_harness_teardown (h);
}

static void
emit_reset (gpointer thread, gpointer data)
{
  g_signal_emit_by_name ((GstElement *) data, "reset");
}

TEST (GstRnn, PropertyStressWhileBuffersFlow)
{
  Fixture f;
  GstHarness *h = f.harness ();
  GValue flags = G_VALUE_INIT;
  g_value_init (&flags, g_type_from_name ("GstRecurrentResetOn"));
  g_value_set_flags (&flags, 1);
  GstHarnessThread *t1 = gst_harness_stress_property_start_full (h,
      "reset-on", &flags, 100);
  GValue win = G_VALUE_INIT;
  g_value_init (&win, G_TYPE_INT);
  g_value_set_int (&win, 4);
  GstHarnessThread *t2 = gst_harness_stress_property_start_full (h,
      "window", &win, 100);
  GstHarnessThread *t3 = gst_harness_stress_custom_start (h, nullptr,
      emit_reset, h->element, 100);
  auto x = normal_vec (64 * f.D, 13);
  for (int i = 0; i < 200; i++)
    ASSERT_EQ (push_split (h, x, 37), GST_FLOW_OK);
  /* on a loaded 2-core host the pushes can finish before a stress thread
   * was first scheduled: give each one time to run at least once */
  g_usleep (100 * 1000);
  EXPECT_EQ (gst_harness_stress_thread_stop (t1) > 0, TRUE);
  EXPECT_EQ (gst_harness_stress_thread_stop (t2) > 0, TRUE);
  EXPECT_EQ (gst_harness_stress_thread_stop (t3) > 0, TRUE);
  EXPECT_EQ (pull_floats (h).size (), 200 * 64 * f.Q);
  g_value_unset (&flags);
  g_value_unset (&win);
  gst_harness_teardown (h);
}
