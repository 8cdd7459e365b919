/* Taggers with lookahead (rnc.delay): the offline tagging of a sentence
 * (lib/rnc-tagger.c) against the scalar reference forward pass over the
 * sentence and its pads, and the streamed runner (lib/rnc-runner.c: k frames
 * late, flushed at the end) against the offline tagging, bit for bit, at
 * any split, through resets; bad metadata. */
#include "rnc-test-util.h"

#include "rnc.h"

#include <cstring>
#include <string>
#include <tuple>

using rnc_test::max_abs_diff;
using rnc_test::random_model;

namespace {

constexpr size_t kV = 23, kQ = 6;

/* An index tagger with delay @k (pad id kV - 1). */
RncModel *
tagger (RncCell cell, size_t L, size_t k, guint64 seed)
{
  RncModel *m = random_model (cell, RNC_INPUT_INDEX, kV, 5, 9, L,
      RNC_HEAD_CLASSES, kQ, seed, 0.7f);
  std::string ks = std::to_string (k), pad = std::to_string (kV - 1);
  rnc_model_set_metadata (m, "rnc.delay", ks.c_str ());
  rnc_model_set_metadata (m, "rnc.pad_id", pad.c_str ());
  GError *err = nullptr;
  EXPECT_TRUE (rnc_model_parse_metadata (m, &err)) << err->message;
  return m;
}

/* Sentences of these lengths (some shorter than the lookahead). */
std::vector<std::vector<int32_t>>
sentences (guint64 seed)
{
  static const size_t lens[] = { 7, 1, 2, 30, 3, 1, 12, 4 };
  RncRng rng;
  rnc_rng_init (&rng, seed);
  std::vector<std::vector<int32_t>> out;
  for (size_t n : lens) {
    std::vector<int32_t> s (n);
    for (auto &id : s)          /* words only: the pad id never occurs */
      id = (int32_t) (rnc_rng_uniform (&rng) * (kV - 1));
    out.push_back (s);
  }
  return out;
}

} // namespace

/* cell, layers, delay */
class RncTaggerDelay : public ::testing::TestWithParam<
    std::tuple<RncCell, int, int>> {};

TEST_P (RncTaggerDelay, OfflineTaggingIsTheForwardPassOverSentenceAndPads)
{
  auto [cell, L, k] = GetParam ();
  RncModel *m = tagger (cell, L, k, 11);
  RncState *st = rnc_state_new (m, 1, 0);
  RncState *ref = rnc_state_new (m, 1, 0);
  for (const auto &s : sentences (3)) {
    size_t n = s.size ();
    std::vector<float> logits (n * kQ);
    std::vector<int32_t> tags (n);
    ASSERT_TRUE (rnc_tagger_forward (st, s.data (), n, logits.data (),
            tags.data ()));
    /* independent: the scalar reference over the ids and k pad ids, the
     * rows from k on */
    std::vector<int32_t> x (s);
    x.insert (x.end (), k, (int32_t) (kV - 1));
    std::vector<float> y (x.size () * kQ);
    rnc_state_reset (ref);
    ASSERT_TRUE (rnc_forward_ids_ref (ref, x.data (), x.size (), nullptr,
            y.data ()));
    std::vector<float> want (y.begin () + k * kQ, y.end ());
    double e = max_abs_diff (logits, want);
    EXPECT_LT (e, 2e-6) << "n " << n << ": largest difference " << e;
    for (size_t i = 0; i < n; i++)
      EXPECT_EQ (tags[i], (int32_t) rnc_argmax (&logits[i * kQ], kQ));
  }
  rnc_state_free (st);
  rnc_state_free (ref);
  rnc_model_free (m);
}

TEST_P (RncTaggerDelay, StreamedOutputsAreTheOfflineTagsAtAnySplit)
{
  auto [cell, L, k] = GetParam ();
  RncModel *m = tagger (cell, L, k, 12);
  RncState *off = rnc_state_new (m, 1, 0);
  auto sents = sentences (4);
  /* expected: per sentence, one tag (and one row of logits) per token */
  std::vector<int32_t> want_tags;
  std::vector<float> want_logits;
  for (const auto &s : sents) {
    std::vector<float> lg (s.size () * kQ);
    std::vector<int32_t> tg (s.size ());
    ASSERT_TRUE (rnc_tagger_forward (off, s.data (), s.size (), lg.data (),
            tg.data ()));
    want_tags.insert (want_tags.end (), tg.begin (), tg.end ());
    want_logits.insert (want_logits.end (), lg.begin (), lg.end ());
  }
  for (RncOutputKind kind : { RNC_OUTPUT_ARGMAX, RNC_OUTPUT_LOGITS }) {
    for (size_t step : { 1, 2, 3, 5, 64 }) {
      /* max_frames 4: the pads and long pieces run in several chunks */
      RncState *st = rnc_state_new (m, 1, 4);
      GError *err = nullptr;
      RncRunner *r = rnc_runner_new (st, kind, 0, &err);
      ASSERT_NE (r, nullptr) << err->message;
      ASSERT_EQ (rnc_runner_get_delay (r), (size_t) k);
      size_t W = rnc_runner_get_output_width (r);
      std::vector<float> got;   /* ids stored bitwise: 4 bytes each */
      std::vector<float> buf (64 * W);
      for (const auto &s : sents) {
        size_t outs = 0;
        for (size_t t0 = 0; t0 < s.size (); t0 += step) {
          size_t n = std::min (step, s.size () - t0), n_out = 99;
          ASSERT_TRUE (rnc_runner_process (r, s.data () + t0, n, buf.data (),
                  &n_out, nullptr));
          ASSERT_LE (n_out, n);
          got.insert (got.end (), buf.begin (), buf.begin () + n_out * W);
          outs += n_out;
        }
        /* the first k frames owe their outputs */
        EXPECT_EQ (outs, s.size () > (size_t) k ? s.size () - k : 0u);
        size_t n_out = 99;
        rnc_runner_flush (r, buf.data (), &n_out);
        EXPECT_EQ (n_out, std::min (s.size (), (size_t) k));
        got.insert (got.end (), buf.begin (), buf.begin () + n_out * W);
        /* a second flush owes nothing */
        rnc_runner_flush (r, buf.data (), &n_out);
        EXPECT_EQ (n_out, 0u);
      }
      if (kind == RNC_OUTPUT_ARGMAX) {
        ASSERT_EQ (got.size (), want_tags.size ()) << "step " << step;
        EXPECT_EQ (std::memcmp (got.data (), want_tags.data (),
                got.size () * 4), 0) << "step " << step;
      } else {
        ASSERT_EQ (got.size (), want_logits.size ()) << "step " << step;
        EXPECT_EQ (std::memcmp (got.data (), want_logits.data (),
                got.size () * 4), 0) << "step " << step << ": largest "
            "difference " << max_abs_diff (got, want_logits);
      }
      rnc_runner_free (r);
      rnc_state_free (st);
    }
  }
  rnc_state_free (off);
  rnc_model_free (m);
}

INSTANTIATE_TEST_SUITE_P (Cells, RncTaggerDelay, ::testing::Combine (
        ::testing::Values (RNC_CELL_RNN, RNC_CELL_LSTM),
        ::testing::Values (1, 2), ::testing::Values (0, 1, 2, 3)));

TEST (RncTagger, ResetDropsWhatIsOwedAndStartsFresh)
{
  RncModel *m = tagger (RNC_CELL_LSTM, 1, 2, 13);
  RncState *st = rnc_state_new (m, 1, 0);
  RncRunner *r = rnc_runner_new (st, RNC_OUTPUT_ARGMAX, 0, nullptr);
  auto sents = sentences (5);
  std::vector<int32_t> out (64), want (sents[3].size ());
  size_t n_out = 0;
  /* a half-read sentence, then a plain reset: its owed outputs are gone */
  ASSERT_TRUE (rnc_runner_process (r, sents[0].data (), 5, out.data (),
          &n_out, nullptr));
  EXPECT_EQ (n_out, 3u);
  rnc_runner_reset (r);
  rnc_runner_flush (r, out.data (), &n_out);
  EXPECT_EQ (n_out, 0u);
  /* the next sentence is tagged as from a fresh runner */
  std::vector<int32_t> got;
  const auto &s = sents[3];
  ASSERT_TRUE (rnc_runner_process (r, s.data (), s.size (), out.data (),
          &n_out, nullptr));
  got.assign (out.begin (), out.begin () + n_out);
  rnc_runner_flush (r, out.data (), &n_out);
  got.insert (got.end (), out.begin (), out.begin () + n_out);
  RncState *off = rnc_state_new (m, 1, 0);
  ASSERT_TRUE (rnc_tagger_forward (off, s.data (), s.size (), nullptr,
          want.data ()));
  EXPECT_EQ (got, want);
  /* flushing into NULL drops the owed outputs and resets */
  ASSERT_TRUE (rnc_runner_process (r, s.data (), 4, out.data (), &n_out,
          nullptr));
  rnc_runner_flush (r, nullptr, &n_out);
  EXPECT_EQ (n_out, 0u);
  EXPECT_EQ (rnc_runner_get_frames_seen (r), 0u);
  rnc_state_free (off);
  rnc_runner_free (r);
  rnc_state_free (st);
  rnc_model_free (m);
}

/* A dense model with a lookahead ends a sequence with zero frames in model
 * units: raw frames equal to the input mean. */
TEST (RncTagger, DenseModelsPadWithZerosInModelUnits)
{
  const size_t D = 3, Q = 2, k = 2, T = 9;
  RncModel *m = random_model (RNC_CELL_LSTM, RNC_INPUT_DENSE, D, 0, 7, 1,
      RNC_HEAD_REGRESSION, Q, 14, 0.7f);
  const float mean[] = { 1.5f, -2.0f, 0.25f }, sd[] = { 2.0f, 0.5f, 3.0f };
  rnc_model_set_input_scaling (m, mean, sd);
  rnc_model_set_metadata (m, "rnc.delay", "2");
  ASSERT_TRUE (rnc_model_parse_metadata (m, nullptr));
  EXPECT_EQ (rnc_model_get_pad_id (m), -1);
  auto x = rnc_test::normal_vec (T * D, 15);
  RncState *st = rnc_state_new (m, 1, 0);
  RncRunner *r = rnc_runner_new (st, RNC_OUTPUT_PREDICTION, 0, nullptr);
  ASSERT_NE (r, nullptr);
  std::vector<float> got (T * Q), buf (T * Q);
  size_t n_out = 0, n_flush = 0;
  ASSERT_TRUE (rnc_runner_process (r, x.data (), T, got.data (), &n_out,
          nullptr));
  EXPECT_EQ (n_out, T - k);
  rnc_runner_flush (r, buf.data (), &n_flush);
  EXPECT_EQ (n_flush, k);
  std::copy (buf.begin (), buf.begin () + k * Q, got.begin () + n_out * Q);
  /* reference: the scaled frames and k zero frames, scalar path */
  std::vector<float> xs (x);
  rnc_model_scale_input (m, xs.data (), T);
  xs.insert (xs.end (), k * D, 0.0f);
  std::vector<float> y ((T + k) * Q);
  RncState *ref = rnc_state_new (m, 1, 0);
  rnc_forward_ref (ref, xs.data (), T + k, nullptr, y.data ());
  std::vector<float> want (y.begin () + k * Q, y.end ());
  double e = max_abs_diff (got, want);
  EXPECT_LT (e, 2e-6) << "largest difference " << e;
  rnc_state_free (ref);
  rnc_runner_free (r);
  rnc_state_free (st);
  rnc_model_free (m);
}

TEST (RncTagger, RejectsAWindowWithALookahead)
{
  RncModel *m = tagger (RNC_CELL_RNN, 1, 1, 16);
  RncState *st = rnc_state_new (m, 1, 0);
  GError *err = nullptr;
  EXPECT_EQ (rnc_runner_new (st, RNC_OUTPUT_ARGMAX, 4, &err), nullptr);
  ASSERT_NE (err, nullptr);
  EXPECT_TRUE (g_error_matches (err, RNC_RUNNER_ERROR,
          RNC_RUNNER_ERROR_WINDOW));
  EXPECT_NE (std::string (err->message).find ("rnc.delay"),
      std::string::npos) << err->message;
  g_clear_error (&err);
  rnc_state_free (st);
  rnc_model_free (m);
}

TEST (RncTagger, RejectsBadDelayMetadata)
{
  struct Case { const char *delay, *pad, *key; };
  const Case cases[] = {
    { "x", "3", "rnc.delay" }, { "-1", "3", "rnc.delay" },
    { "17", "3", "rnc.delay" }, { "1", nullptr, "rnc.pad_id" },
    { "2", "23", "rnc.pad_id" }, { "2", "-1", "rnc.pad_id" },
    { "1", "pad", "rnc.pad_id" },
  };
  for (const Case &c : cases) {
    RncModel *m = random_model (RNC_CELL_RNN, RNC_INPUT_INDEX, kV, 0, 4, 1,
        RNC_HEAD_CLASSES, kQ, 1, 0.5f);
    rnc_model_set_metadata (m, "rnc.delay", c.delay);
    if (c.pad)
      rnc_model_set_metadata (m, "rnc.pad_id", c.pad);
    GError *err = nullptr;
    EXPECT_FALSE (rnc_model_parse_metadata (m, &err)) << c.delay;
    ASSERT_NE (err, nullptr);
    EXPECT_NE (std::string (err->message).find (c.key), std::string::npos)
        << err->message;
    g_clear_error (&err);
    rnc_model_free (m);
  }
}

/* An ensemble packed into one model gives the mean of its members' logits,
 * for both cells, with an embedding or gathering rows of Wx, stacked. */
TEST (RncTagger, PackedEnsembleAveragesItsMembers)
{
  for (RncCell cell : { RNC_CELL_RNN, RNC_CELL_LSTM })
    for (size_t E : { 0, 5 })
      for (size_t L : { 1, 2 }) {
        const size_t n = 3, T = 25;
        std::vector<RncModel *> ms;
        for (size_t m = 0; m < n; m++)
          ms.push_back (random_model (cell, RNC_INPUT_INDEX, kV, E, 6, L,
                  RNC_HEAD_CLASSES, kQ, 30 + m, 0.7f));
        rnc_model_set_metadata (ms[0], "rnc.delay", "1");
        rnc_model_set_metadata (ms[0], "rnc.pad_id", "4");
        GError *err = nullptr;
        RncModel *p = rnc_model_new_ensemble (ms.data (), n, &err);
        ASSERT_NE (p, nullptr) << err->message;
        EXPECT_EQ (rnc_model_get_config (p)->hidden_size, n * 6);
        EXPECT_EQ (rnc_model_get_config (p)->embed_size, n * E);
        EXPECT_EQ (rnc_model_get_delay (p), 1u);
        std::vector<int32_t> ids (T);
        for (size_t t = 0; t < T; t++)
          ids[t] = (int32_t) ((t * 7 + 3) % kV);
        std::vector<float> want (T * kQ, 0.0f), y (T * kQ), got (T * kQ);
        for (RncModel *m : ms) {
          RncState *s = rnc_state_new (m, 1, 0);
          ASSERT_TRUE (rnc_forward_ids_ref (s, ids.data (), T, nullptr,
                  y.data ()));
          for (size_t i = 0; i < y.size (); i++)
            want[i] += y[i] / n;
          rnc_state_free (s);
        }
        RncState *s = rnc_state_new (p, 1, 0);
        ASSERT_TRUE (rnc_forward_ids (s, ids.data (), T, nullptr,
                got.data ()));
        double e = max_abs_diff (got, want);
        EXPECT_LT (e, 1e-5) << rnc_cell_to_string (cell) << " E " << E
            << " L " << L << ": largest difference " << e;
        rnc_state_free (s);
        rnc_model_free (p);
        for (RncModel *m : ms)
          rnc_model_free (m);
      }
}

TEST (RncTagger, RejectsAnEnsembleOfDifferentShapes)
{
  RncModel *ms[2] = {
    random_model (RNC_CELL_RNN, RNC_INPUT_INDEX, kV, 0, 6, 1,
        RNC_HEAD_CLASSES, kQ, 1, 0.5f),
    random_model (RNC_CELL_RNN, RNC_INPUT_INDEX, kV, 0, 7, 1,
        RNC_HEAD_CLASSES, kQ, 2, 0.5f),
  };
  GError *err = nullptr;
  EXPECT_EQ (rnc_model_new_ensemble (ms, 2, &err), nullptr);
  ASSERT_NE (err, nullptr);
  EXPECT_NE (std::string (err->message).find ("same shape"),
      std::string::npos) << err->message;
  g_clear_error (&err);
  rnc_model_free (ms[0]);
  rnc_model_free (ms[1]);
}

TEST (RncTagger, RejectsSeveralStreamsWithALookahead)
{
  RncModel *m = tagger (RNC_CELL_LSTM, 1, 1, 17);
  RncState *st = rnc_state_new (m, 3, 1);
  GError *err = nullptr;
  EXPECT_EQ (rnc_runner_new (st, RNC_OUTPUT_ARGMAX, 0, &err), nullptr);
  ASSERT_NE (err, nullptr);
  EXPECT_NE (std::string (err->message).find ("one stream"),
      std::string::npos) << err->message;
  g_clear_error (&err);
  rnc_state_free (st);
  rnc_model_free (m);
}
