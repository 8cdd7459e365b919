/* rnn / lstm with models that look ahead (rnc.delay) and output=interval,
 * through GstHarness. A tagger with a lookahead of k emits each token's tag
 * k tokens later and flushes the owed tags at rnc/reset, the reset signal,
 * a DISCONT and EOS: every token gets exactly one tag, the tag the library
 * gives it offline (rnc_tagger_forward: the sentence, then k pads), at any
 * buffer split. output=interval: the middle block equals output=prediction
 * bit for bit and the bounds follow the scalar formula over quantiles
 * written here; a model without calibration is a clear error. */
#include "recurrent-test-util.h"

#include "rnc-element-util.h"

#include <cmath>
#include <cstring>
#include <tuple>

using namespace rnc_test;

namespace {

constexpr size_t kV = 17, kQ = 5;

/* A tagger with a lookahead of @k (pad id kV - 1), saved. */
struct Tagger : SavedModel
{
  Tagger (RncCell cell, size_t k)
  {
    model = random_model (cell, RNC_INPUT_INDEX, kV, 4, 7, 2,
        RNC_HEAD_CLASSES, kQ, 41 + k, 0.8f);
    std::string ks = std::to_string (k), pad = std::to_string (kV - 1);
    rnc_model_set_metadata (model, "rnc.delay", ks.c_str ());
    rnc_model_set_metadata (model, "rnc.pad_id", pad.c_str ());
    EXPECT_TRUE (rnc_model_parse_metadata (model, nullptr));
    save (cell == RNC_CELL_LSTM ? "tagger.safetensors" : "rnn.safetensors");
  }
};

std::vector<std::vector<gint32>>
sentences ()
{
  static const size_t lens[] = { 9, 1, 3, 2, 14, 1, 5 };
  std::vector<std::vector<gint32>> out;
  guint32 x = 7;
  for (size_t n : lens) {
    std::vector<gint32> s (n);
    for (auto &id : s) {
      x = x * 1103515245u + 12345u;
      id = (gint32) ((x >> 16) % (kV - 1));
    }
    out.push_back (s);
  }
  return out;
}

/* The library's offline tags (or logits) of every sentence, concatenated. */
std::vector<uint8_t>
offline (const RncModel *m, const std::vector<std::vector<gint32>> &sents,
    bool logits)
{
  RncState *st = rnc_state_new (m, 1, 0);
  std::vector<uint8_t> out;
  for (const auto &s : sents) {
    std::vector<float> lg (s.size () * kQ);
    std::vector<gint32> tg (s.size ());
    EXPECT_TRUE (rnc_tagger_forward (st, s.data (), s.size (), lg.data (),
            tg.data ()));
    const uint8_t *b = logits ? (const uint8_t *) lg.data () :
        (const uint8_t *) tg.data ();
    out.insert (out.end (), b, b + (logits ? lg.size () : tg.size ()) * 4);
  }
  rnc_state_free (st);
  return out;
}

void
push_reset_event (GstHarness *h)
{
  gst_harness_push_event (h, gst_event_new_custom (
          GST_EVENT_CUSTOM_DOWNSTREAM, gst_structure_new_empty ("rnc/reset")));
}

enum class End { Event, Signal, Discont };

} // namespace

/* cell, lookahead, bytes per input buffer (0: a sentence per buffer) */
class GstLookahead : public ::testing::TestWithParam<
    std::tuple<RncCell, int, int>> {};

TEST_P (GstLookahead, EveryTokenGetsOneTagAsTheLibraryTagsIt)
{
  auto [cell, k, step] = GetParam ();
  Tagger t (cell, k);
  auto sents = sentences ();
  const char *factory = cell == RNC_CELL_LSTM ? "lstm" : "rnn";
  for (bool logits : { false, true }) {
    for (End end : { End::Event, End::Signal, End::Discont }) {
      GstHarness *h = harness_new (std::string (factory) + " model=" + t.path
          + (logits ? " output=logits" : " output=argmax"));
      gst_harness_set_src_caps_str (h, frames_caps (1, "S32LE").c_str ());
      for (size_t i = 0; i < sents.size (); i++) {
        const auto &s = sents[i];
        if (i > 0 && end == End::Discont) {
          /* the sentence comes in one buffer flagged DISCONT */
          ASSERT_EQ (push_frames (h, s, 0, s.size (), 1,
                  GST_BUFFER_FLAG_DISCONT), GST_FLOW_OK);
        } else {
          ASSERT_EQ (push_split (h, s, (size_t) step), GST_FLOW_OK);
        }
        /* the last sentence ends with EOS only */
        if (i + 1 == sents.size () || end == End::Discont)
          continue;
        if (end == End::Event)
          push_reset_event (h);
        else
          g_signal_emit_by_name (h->element, "reset");
      }
      gst_harness_push_event (h, gst_event_new_eos ());
      std::vector<uint8_t> got = pull_all_bytes (h);
      std::vector<uint8_t> want = offline (t.model, sents, logits);
      ASSERT_EQ (got.size (), want.size ()) << "one output per token ("
          << (logits ? "logits" : "argmax") << ", end " << (int) end << ")";
      EXPECT_EQ (got, want) << (logits ? "logits" : "argmax") << ", end "
          << (int) end;
      gst_harness_teardown (h);
    }
  }
}

INSTANTIATE_TEST_SUITE_P (Splits, GstLookahead, ::testing::Combine (
        ::testing::Values (RNC_CELL_RNN, RNC_CELL_LSTM),
        ::testing::Values (1, 2), ::testing::Values (4, 12, 28, 0)));

/* Output buffers carry the index of the token their first tag belongs to,
 * and with a frame rate its time; a rate adds the lookahead to the
 * latency. */
TEST (GstLookaheadCheck, OutputsAreStampedWithTheirTokens)
{
  Tagger t (RNC_CELL_LSTM, 2);
  GstHarness *h = harness_new ("lstm model=" + t.path + " output=argmax");
  gst_harness_set_src_caps_str (h, frames_caps (1, "S32LE", "10/1").c_str ());
  std::vector<gint32> ids = { 1, 2, 3, 4, 5, 6, 7 };
  for (size_t i = 0; i < ids.size (); i++)
    ASSERT_EQ (push_frames (h, ids, i, 1, 1), GST_FLOW_OK);
  push_reset_event (h);
  std::vector<guint64> offsets;
  std::vector<GstClockTime> times;
  size_t frames = 0;
  GstBuffer *b;
  while ((b = gst_harness_try_pull (h))) {
    offsets.push_back (GST_BUFFER_OFFSET (b));
    times.push_back (GST_BUFFER_PTS (b));
    frames += gst_buffer_get_size (b) / 4;
    gst_buffer_unref (b);
  }
  EXPECT_EQ (frames, ids.size ());
  /* one buffer per input frame from the third on (tokens 0..4), then the
   * flush (tokens 5, 6) */
  ASSERT_EQ (offsets.size (), 6u);
  for (size_t i = 0; i < 5; i++) {
    EXPECT_EQ (offsets[i], i);
    EXPECT_EQ (times[i], i * GST_SECOND / 10);
  }
  EXPECT_EQ (offsets[5], 5u);
  EXPECT_EQ (times[5], 5 * GST_SECOND / 10);

  gst_harness_set_upstream_latency (h, 0);
  GstQuery *q = gst_query_new_latency ();
  ASSERT_TRUE (gst_pad_peer_query (h->sinkpad, q));
  gboolean live;
  GstClockTime min, max;
  gst_query_parse_latency (q, &live, &min, &max);
  EXPECT_EQ (min, 2 * GST_SECOND / 10);
  gst_query_unref (q);
  gst_harness_teardown (h);
}

TEST (GstLookaheadCheck, RejectsEmitBufferAndEos)
{
  Tagger t (RNC_CELL_LSTM, 1);
  for (const char *emit : { "buffer", "eos" }) {
    std::string err = start_error (element_new ("lstm", "model=" + t.path +
            " emit=" + emit));
    EXPECT_NE (err.find ("rnc.delay"), std::string::npos) << err;
    EXPECT_NE (err.find (t.path), std::string::npos) << err;
  }
}

/* ---- output=interval ----------------------------------------------------- */

namespace {

/* A calibrated regression RNN: D = 2, Q = 2, output std {3, 0.25};
 * residual quantiles q_j(p) on the grid 0.01..0.99 (model units). */
double
quantile (size_t j, double p)
{
  return j == 0 ? 2 * p - 1 : 0.5 * std::tan (3.0 * (p - 0.5)) + 0.1;
}

struct Calibrated : SavedModel
{
  explicit Calibrated (bool with_quantiles)
  {
    model = random_model (RNC_CELL_RNN, RNC_INPUT_DENSE, 2, 0, 5, 1,
        RNC_HEAD_REGRESSION, 2, 51, 0.7f);
    const float om[] = { 5.0f, -1.0f }, os[] = { 3.0f, 0.25f };
    rnc_model_set_output_scaling (model, om, os);
    if (with_quantiles) {
      std::string s = "{\"probs\": [";
      char b[48];
      for (int i = 1; i <= 99; i++) {
        g_ascii_formatd (b, sizeof b, "%.17g", i / 100.0);
        s += (i > 1 ? ", " : "") + std::string (b);
      }
      s += "], \"q\": [";
      for (size_t j = 0; j < 2; j++) {
        s += j ? ", [" : "[";
        for (int i = 1; i <= 99; i++) {
          g_ascii_formatd (b, sizeof b, "%.17g", quantile (j, i / 100.0));
          s += (i > 1 ? ", " : "") + std::string (b);
        }
        s += "]";
      }
      s += "]}";
      rnc_model_set_metadata (model, "rnc.residual_quantiles", s.c_str ());
    }
    save ("forecaster.safetensors");
  }
};

} // namespace

TEST (GstInterval, MiddleIsThePredictionAndBoundsFollowTheQuantiles)
{
  Calibrated c (true);
  auto x = normal_vec (2 * 40, 52);
  for (const char *factory : { "rnn" }) {   /* the model is an RNN */
    GstHarness *hp = frames_harness (factory, c.path, 2, "output=prediction");
    push_split (hp, x, 24);
    auto pred = pull_floats (hp);
    gst_harness_teardown (hp);
    ASSERT_EQ (pred.size (), 80u);
    for (double level : { 0.8, 0.5, 0.9 }) {
      /* the model's quantiles alone: no online calibration */
      std::string props = "output=interval interval-adapt=0";
      if (level != 0.8)
        props += " interval=" + std::to_string (level);
      GstHarness *h = frames_harness (factory, c.path, 2, props);
      push_split (h, x, 28);
      auto iv = pull_floats (h);
      GstCaps *caps = gst_pad_get_current_caps (h->sinkpad);
      ASSERT_NE (caps, nullptr);
      gint width = 0;
      gst_structure_get_int (gst_caps_get_structure (caps, 0), "width",
          &width);
      EXPECT_EQ (width, 6);
      gst_caps_unref (caps);
      gst_harness_teardown (h);
      ASSERT_EQ (iv.size (), 40u * 6);
      const double s[] = { 3.0, 0.25 };
      double plo = (1 - level) / 2, phi = (1 + level) / 2, worst = 0;
      for (size_t t = 0; t < 40; t++)
        for (size_t j = 0; j < 2; j++) {
          EXPECT_EQ (std::memcmp (&iv[t * 6 + 2 + j], &pred[t * 2 + j], 4),
              0) << "frame " << t;
          /* the grid holds plo and phi exactly (0.1/0.9, 0.25/0.75,
           * 0.05/0.95): no interpolation */
          double lo = pred[t * 2 + j] + s[j] * quantile (j, plo);
          double hi = pred[t * 2 + j] + s[j] * quantile (j, phi);
          worst = std::max ({ worst, std::fabs (iv[t * 6 + j] - lo),
                  std::fabs (iv[t * 6 + 4 + j] - hi) });
        }
      EXPECT_LT (worst, 2e-5) << "level " << level;
    }
  }
}

TEST (GstInterval, RejectsAModelWithoutCalibration)
{
  Calibrated c (false);
  std::string err = start_error (element_new ("rnn", "model=" + c.path +
          " output=interval"));
  EXPECT_NE (err.find ("model " + c.path + " has no interval calibration "
          "(rnc.residual_quantiles); train it with rnc-train forecast"),
      std::string::npos) << err;
}

TEST (GstInterval, RejectsALevelOutsideTheCalibration)
{
  Calibrated c (true);
  std::string err = start_error (element_new ("rnn", "model=" + c.path +
          " output=interval interval=0.995"));
  EXPECT_NE (err.find ("0.995"), std::string::npos) << err;
  EXPECT_NE (err.find (c.path), std::string::npos) << err;
}

/* With the online calibration (the default), the element's bounds are the
 * library runner's, bit for bit, at any buffer split; the rule itself is
 * checked against a scalar reference in tests/lib/test-runner-interval.cc. */
TEST (GstInterval, OnlineCalibrationEqualsTheLibraryRunner)
{
  Calibrated c (true);
  auto x = normal_vec (2 * 60, 53);
  for (double rate : { RNC_RUNNER_DEFAULT_INTERVAL_ADAPT, 0.3 }) {
    RncModel *m = rnc_model_load (c.path.c_str (), nullptr);
    ASSERT_NE (m, nullptr);
    RncState *st = rnc_state_new (m, 1, 8);
    RncRunner *r = rnc_runner_new (st, RNC_OUTPUT_INTERVAL, 0, nullptr);
    ASSERT_NE (r, nullptr);
    ASSERT_EQ (rnc_runner_get_track_width (r), 12u);
    ASSERT_TRUE (rnc_runner_set_interval_adapt (r, rate));
    std::vector<float> want (60 * 6);
    size_t n_out = 0;
    ASSERT_TRUE (rnc_runner_process (r, x.data (), 60, want.data (), &n_out,
            nullptr));
    ASSERT_EQ (n_out, 60u);
    rnc_runner_free (r);
    rnc_state_free (st);
    rnc_model_free (m);
    for (size_t split : { 2, 14, 26 }) {
      std::string props = "output=interval";
      if (rate != RNC_RUNNER_DEFAULT_INTERVAL_ADAPT)
        props += " interval-adapt=" + std::to_string (rate);
      GstHarness *h = frames_harness ("rnn", c.path, 2, props);
      push_split (h, x, split);
      auto iv = pull_floats (h);
      gst_harness_teardown (h);
      ASSERT_EQ (iv.size (), want.size ());
      EXPECT_EQ (std::memcmp (iv.data (), want.data (), 4 * want.size ()), 0)
          << "rate " << rate << ", " << split / 2 << " frames per buffer";
    }
  }
}

TEST (GstInterval, PropertyRoundTrips)
{
  GstElement *e = element_new ("lstm");
  gst_object_ref_sink (e);
  gdouble v = 0;
  g_object_get (e, "interval", &v, nullptr);
  EXPECT_EQ (v, 0.8);
  g_object_set (e, "interval", 0.6, nullptr);
  g_object_get (e, "interval", &v, nullptr);
  EXPECT_EQ (v, 0.6);
  g_object_get (e, "interval-adapt", &v, nullptr);
  EXPECT_EQ (v, RNC_RUNNER_DEFAULT_INTERVAL_ADAPT);
  g_object_set (e, "interval-adapt", 0.0, nullptr);
  g_object_get (e, "interval-adapt", &v, nullptr);
  EXPECT_EQ (v, 0.0);
  gst_object_unref (e);
}
