/* The notebook's NLP section (Q9-Q11) as pipelines: filesrc ! tokenize !
 * vocab-encode ! vocab-decode ! filesink on ../shared/data, compared with
 * the reference files. Skips when the data is absent. */
#include <glib/gstdio.h>
#include <gst/check/gstharness.h>
#include <gst/gst.h>

#include "rnc-gst-test-util.h"
#include "rnc-test-util.h"

#include <algorithm>
#include <cstring>
#include <map>

using rnc_test::as_ids;
using rnc_test::read_text;
using rnc_test::split_lines;

namespace {

class NlpPipeline : public ::testing::Test
{
protected:
  std::string data, book, words;
  rnc_test::TempDir tmp;

  void
  SetUp () override
  {
    data = rnc_test::shared_data_dir ();
    if (data.empty ())
      GTEST_SKIP () << "reference data ../shared/data not found (set RNC_SHARED_DATA)";
    gst_init (nullptr, nullptr);
    book = data + "/nltk_data_subset/corpora/gutenberg/melville-moby_dick.txt";
    words = data + "/nltk_data_subset/corpora/words/en";
  }

  std::string
  path (const char *name)
  {
    return "\"" + tmp.file (name) + "\"";
  }

  std::string
  file (const char *name)
  {
    return tmp.file (name);
  }

  /* To EOS; the error text, or "" (whole books: a longer timeout). */
  std::string
  run (const std::string &desc)
  {
    return rnc_test::run_pipeline (desc, 120 * GST_SECOND);
  }

  std::string
  quoted (const std::string &p)
  {
    return "\"" + p + "\"";
  }
};

/* Word counts of the reference preprocessed words, computed here
 * independently of librnc. */
std::map<std::string, int>
count_words (const std::vector<std::string> &w)
{
  std::map<std::string, int> c;
  for (auto &x : w)
    c[x]++;
  return c;
}

} // namespace

TEST_F (NlpPipeline, WholeBookGivesNltkTokens)
{
  ASSERT_EQ (run ("filesrc location=" + quoted (book) +
          " ! tokenize ! filesink location=" + path ("tokens.txt")), "");
  auto tokens = split_lines (read_text (file ("tokens.txt")));
  EXPECT_EQ (tokens.size (), 260819u);
  std::string first;
  for (size_t i = 0; i < 50000 && i < tokens.size (); i++)
    first += tokens[i] + "\n";
  EXPECT_TRUE (first == read_text (data + "/moby/moby_tokens_first50000.txt"))
      << "the first 50,000 tokens differ from moby_tokens_first50000.txt";
  EXPECT_EQ (tokens[0], "[");
  EXPECT_EQ (tokens[50000], ".");
}

/* The notebook's Q9 in one pipeline from the book: list(text)[:50000],
 * lower(), in english_dict, not in the stopwords. */
TEST_F (NlpPipeline, PreprocessingFromTheBookMatchesNotebook)
{
  ASSERT_EQ (run ("filesrc location=" + quoted (book) +
          " ! tokenize max-tokens=50000 lowercase=true stopwords=english "
          "dictionary=" + quoted (words) + " ! filesink location=" +
          path ("pre.txt")), "");
  std::string pre = read_text (file ("pre.txt"));
  EXPECT_TRUE (pre == read_text (data + "/moby/moby_preprocessed_first50000.txt"));
  auto lines = split_lines (pre);
  ASSERT_EQ (lines.size (), 16377u);
  const char *ans[] = { "last", "fire", "took", "idol", "unceremoniously",
    "bagged", "grego", "pocket", "carelessly", "sportsman", "bagging", "dead",
    "woodcock", "queer", "uncomfortableness", "seeing", "strong",
    "concluding", "business", "bed", "thought", "high", "time", "never",
    "light" };
  for (int i = 0; i < 25; i++)
    EXPECT_EQ (lines[5000 + i], ans[i]);
}

/* Fed the reference tokens one per line, in 7-byte buffers (split
 * invariance), the filters give the reference preprocessed words. */
TEST_F (NlpPipeline, PreprocessingTheReferenceTokensInTinyBuffers)
{
  ASSERT_EQ (run ("filesrc blocksize=7 location=" +
          quoted (data + "/moby/moby_tokens_first50000.txt") +
          " ! tokenize lowercase=true stopwords=english dictionary=" +
          quoted (words) + " ! filesink location=" + path ("pre.txt")), "");
  EXPECT_TRUE (read_text (file ("pre.txt")) ==
      read_text (data + "/moby/moby_preprocessed_first50000.txt"));
}

/* Q10: the sorted unique vocabulary and the word indices. */
TEST_F (NlpPipeline, BuildWritesTheNotebooksVocabularyAndIds)
{
  std::string pre = data + "/moby/moby_preprocessed_first50000.txt";
  ASSERT_EQ (run ("filesrc blocksize=1000 location=" + quoted (pre) +
          " ! vocab-encode build=true vocab=" + path ("vocab.txt") +
          " ! filesink location=" + path ("ids.s32")), "");
  std::string vocab = read_text (file ("vocab.txt"));
  EXPECT_TRUE (vocab == read_text (data + "/moby/moby_vocab_first50000.txt"))
      << "vocabulary differs from moby_vocab_first50000.txt";
  auto v = split_lines (vocab);
  ASSERT_EQ (v.size (), 4357u);
  EXPECT_EQ (std::vector<std::string> (v.begin (), v.begin () + 5),
      std::vector<std::string> ({"abandon", "abashed", "abed", "able", "aboard"}));
  EXPECT_EQ (v[932], "daylight");
  EXPECT_EQ (v[102], "amazingly");
  EXPECT_EQ (std::find (v.begin (), v.end (), "captain") - v.begin (), 544);

  auto ids = as_ids (read_text (file ("ids.s32")));
  auto ref = split_lines (read_text (data + "/moby/moby_preprocessed_indices.txt"));
  ASSERT_EQ (ids.size (), 16377u);
  ASSERT_EQ (ref.size (), ids.size ());
  size_t bad = 0;
  for (size_t i = 0; i < ids.size (); i++)
    if (ids[i] != std::stoi (ref[i]))
      bad++;
  EXPECT_EQ (bad, 0u);
  EXPECT_EQ (ids[102], 591);

  /* the same vocabulary, read back, streams the same ids */
  ASSERT_EQ (run ("filesrc location=" + quoted (pre) + " ! vocab-encode vocab="
          + path ("vocab.txt") + " ! filesink location=" + path ("ids2.s32")), "");
  EXPECT_EQ (as_ids (read_text (file ("ids2.s32"))), ids);

  /* decode(encode(x)) == x */
  ASSERT_EQ (run ("filesrc blocksize=10 location=" + path ("ids.s32") +
          " ! other/x-frames,format=S32LE,width=1,framerate=0/1 ! vocab-decode "
          "vocab=" + path ("vocab.txt") + " ! filesink location=" +
          path ("decoded.txt")), "");
  EXPECT_TRUE (read_text (file ("decoded.txt")) == read_text (pre));
}

/* Q11: one-hot frames (16377, 4357), row 102 hot at 591 (cetology). */
namespace {
struct OnehotStats
{
  int width = 0;
  size_t frames = 0, bad_rows = 0;
  std::vector<float> partial;   /* bytes of a frame split across buffers */
  int hot_102 = -1;
};

void
on_handoff (GstElement *, GstBuffer *buf, GstPad *pad, gpointer user_data)
{
  auto *s = static_cast<OnehotStats *> (user_data);
  if (s->width == 0) {
    GstCaps *caps = gst_pad_get_current_caps (pad);
    gst_structure_get_int (gst_caps_get_structure (caps, 0), "width",
        &s->width);
    gst_caps_unref (caps);
  }
  GstMapInfo map;
  gst_buffer_map (buf, &map, GST_MAP_READ);
  size_t n = map.size / 4;
  const float *f = (const float *) map.data;
  for (size_t i = 0; i < n; i++) {
    s->partial.push_back (f[i]);
    if ((int) s->partial.size () == s->width) {
      int hot = -1, ones = 0, others = 0;
      for (int j = 0; j < s->width; j++) {
        if (s->partial[j] == 1.0f) {
          hot = j;
          ones++;
        } else if (s->partial[j] != 0.0f)
          others++;
      }
      if (ones != 1 || others != 0)
        s->bad_rows++;
      if (s->frames == 102)
        s->hot_102 = hot;
      s->frames++;
      s->partial.clear ();
    }
  }
  gst_buffer_unmap (buf, &map);
}
} // namespace

TEST_F (NlpPipeline, OnehotFramesMatchNotebook)
{
  std::string pre = data + "/moby/moby_preprocessed_first50000.txt";
  std::string vocab = data + "/moby/moby_vocab_first50000.txt";
  GstElement *p = nullptr;
  OnehotStats stats;
  GError *err = nullptr;
  p = gst_parse_launch (("filesrc location=" + quoted (pre) +
          " ! vocab-encode output=onehot vocab=" + quoted (vocab) +
          " ! fakesink name=sink signal-handoffs=true").c_str (), &err);
  ASSERT_NE (p, nullptr);
  GstElement *sink = gst_bin_get_by_name (GST_BIN (p), "sink");
  g_signal_connect (sink, "handoff", G_CALLBACK (on_handoff), &stats);
  gst_object_unref (sink);
  gst_element_set_state (p, GST_STATE_PLAYING);
  GstBus *bus = gst_element_get_bus (p);
  GstMessage *msg = gst_bus_timed_pop_filtered (bus, 120 * GST_SECOND,
      (GstMessageType) (GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
  ASSERT_NE (msg, nullptr);
  EXPECT_EQ (GST_MESSAGE_TYPE (msg), GST_MESSAGE_EOS);
  gst_message_unref (msg);
  gst_object_unref (bus);
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (p);

  EXPECT_EQ (stats.width, 4357);
  EXPECT_EQ (stats.frames, 16377u);
  EXPECT_TRUE (stats.partial.empty ());
  EXPECT_EQ (stats.bad_rows, 0u);
  EXPECT_EQ (stats.hot_102, 591);

  /* and through vocab-decode (argmax) back to the words */
  ASSERT_EQ (run ("filesrc location=" + quoted (pre) +
          " ! vocab-encode output=onehot vocab=" + quoted (vocab) +
          " ! vocab-decode vocab=" + quoted (vocab) + " ! filesink location=" +
          path ("decoded.txt")), "");
  auto dec = split_lines (read_text (file ("decoded.txt")));
  EXPECT_TRUE (read_text (file ("decoded.txt")) == read_text (pre));
  ASSERT_GT (dec.size (), 102u);
  EXPECT_EQ (dec[102], "cetology");
}

/* order=frequency with max-size and unknown=unk, and min-count, against
 * counts taken here from the reference words. */
TEST_F (NlpPipeline, FrequencyOrderMaxSizeAndMinCount)
{
  std::string pre = data + "/moby/moby_preprocessed_first50000.txt";
  auto words = split_lines (read_text (pre));
  auto counts = count_words (words);
  std::vector<std::pair<std::string, int>> by_freq (counts.begin (), counts.end ());
  std::stable_sort (by_freq.begin (), by_freq.end (),
      [] (auto &a, auto &b) { return a.second > b.second; });

  ASSERT_EQ (run ("filesrc location=" + quoted (pre) +
          " ! vocab-encode build=true order=frequency max-size=1000 unknown=unk "
          "vocab=" + path ("freq.txt") + " ! filesink location=" +
          path ("freq.s32")), "");
  auto v = split_lines (read_text (file ("freq.txt")));
  ASSERT_EQ (v.size (), 1000u);
  EXPECT_EQ (v[0], "<unk>");
  for (size_t i = 1; i < v.size (); i++)
    EXPECT_EQ (v[i], by_freq[i - 1].first) << "rank " << i;
  EXPECT_EQ (v[1], "one");
  EXPECT_EQ (v[8], "captain");
  auto ids = as_ids (read_text (file ("freq.s32")));
  ASSERT_EQ (ids.size (), words.size ());
  std::map<std::string, int> rank;
  for (size_t i = 0; i < v.size (); i++)
    rank[v[i]] = (int) i;
  size_t bad = 0;
  for (size_t i = 0; i < words.size (); i++) {
    auto it = rank.find (words[i]);
    if (ids[i] != (it == rank.end () ? 0 : it->second))
      bad++;
  }
  EXPECT_EQ (bad, 0u);

  ASSERT_EQ (run ("filesrc location=" + quoted (pre) +
          " ! vocab-encode build=true min-count=5 vocab=" + path ("min5.txt") +
          " ! filesink location=" + path ("min5.s32")), "");
  std::string expect;
  size_t kept = 0;
  for (auto &kv : counts)
    if (kv.second >= 5) {
      expect += kv.first + "\n";
      kept += kv.second;
    }
  EXPECT_TRUE (read_text (file ("min5.txt")) == expect);
  /* unknown=skip (default) drops the rarer words */
  EXPECT_EQ (as_ids (read_text (file ("min5.s32"))).size (), kept);
}

TEST_F (NlpPipeline, UnknownErrorStopsWithTheTokenAndLine)
{
  std::string tokens = data + "/moby/moby_tokens_first50000.txt";
  std::string vocab = data + "/moby/moby_vocab_first50000.txt";
  std::string err = run ("filesrc location=" + quoted (tokens) +
      " ! vocab-encode unknown=error vocab=" + quoted (vocab) +
      " ! fakesink");
  /* the first token is "[" */
  EXPECT_NE (err.find ("Unknown token \"[\" on line 1"), std::string::npos)
      << err;
}

/* Non-ASCII text and invalid UTF-8 through the whole chain. */
TEST_F (NlpPipeline, NonAsciiAndInvalidUtf8RoundTrip)
{
  std::string text = "Ünïcödé «€uro» x²-y \xff tail 🙂🙂!! ΟΔΟΣ naïve\n\xe2\x82";
  ASSERT_TRUE (g_file_set_contents (file ("in.txt").c_str (), text.data (),
          (gssize) text.size (), nullptr));
  ASSERT_EQ (run ("filesrc blocksize=3 location=" + path ("in.txt") +
          " ! tokenize lowercase=true ! filesink location=" + path ("tok.txt")),
      "");
  EXPECT_EQ (read_text (file ("tok.txt")),
      "ünïcödé\n«€\nuro\n»\nx²\n-\ny\n\xef\xbf\xbd\ntail\n🙂🙂!!\nοδος\n"
      "naïve\n\xef\xbf\xbd\n");
  /* one pipeline: vocab-decode reads the vocabulary that vocab-encode
   * writes at EOS, when the caps arrive */
  ASSERT_EQ (run ("filesrc location=" + path ("tok.txt") +
          " ! vocab-encode build=true vocab=" + path ("v.txt") +
          " ! vocab-decode vocab=" + path ("v.txt") + " ! filesink location=" +
          path ("rt.txt")), "");
  EXPECT_EQ (read_text (file ("rt.txt")), read_text (file ("tok.txt")));
}

/* gst_harness_new_parse over the three elements: text in, tokens out,
 * sentence boundaries kept. */
TEST_F (NlpPipeline, HarnessedChainKeepsSentenceBoundaries)
{
  std::string vocab = data + "/moby/moby_vocab_first50000.txt";
  GstHarness *h = gst_harness_new_parse (("vocab-encode vocab=" + quoted (vocab)
          + " ! vocab-decode vocab=" + quoted (vocab)).c_str ());
  gst_harness_set_src_caps_str (h, "text/x-raw,format=utf8");
  const char *in = "captain\nahab\nwhale\n\nsea\nboat\n";
  gst_harness_push (h, gst_buffer_new_memdup (in, strlen (in)));
  gst_harness_push_event (h, gst_event_new_eos ());
  std::string out = rnc_test::pull_all_text (h);
  /* "ahab" is not in the vocabulary (a name): skipped */
  EXPECT_EQ (out, "captain\nwhale\n\nsea\nboat\n");
  gst_harness_teardown (h);
}
