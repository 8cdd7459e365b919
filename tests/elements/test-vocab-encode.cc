/* The vocab-encode element through GstHarness. */
#include "rnc-element-util.h"
#include "rnc-test-util.h"

using rnc_test::as_ids;
using rnc_test::Harness;
using rnc_test::TempFile;

namespace {

const char *TEXT_CAPS = "text/x-raw,format=utf8";

GstElement *
make (const std::string &props)
{
  return rnc_test::element_new ("vocab-encode", props);
}

/* A byte-level stand-in for a model file: a valid safetensors header with
 * no tensors (enough for content detection). */
std::string
fake_safetensors ()
{
  std::string header = "{\"__metadata__\":{\"rnc.vocab\":\"[\\\"a\\\"]\"}}";
  std::string out (8, '\0');
  uint64_t n = header.size ();
  for (int i = 0; i < 8; i++)
    out[i] = (char) ((n >> (8 * i)) & 0xff);
  return out + header;
}

const char *VOCAB = "<unk>\nthe\nwhale\nsea\n<unk-cap>\n<unk-ing>\n";

} // namespace

TEST (GstVocabEncode, EncodesTokenLinesAsS32Ids)
{
  TempFile vocab (VOCAB);
  Harness t (make ("vocab=" + vocab.path), TEXT_CAPS);
  EXPECT_EQ (t.push ("whale\nthe\nsea\n"), GST_FLOW_OK);
  EXPECT_EQ (t.output_caps (),
      "other/x-frames, format=(string)S32LE, width=(int)1, framerate=(fraction)0/1");
  EXPECT_EQ (as_ids (t.pull_all ()), std::vector<int32_t> ({2, 1, 3}));
}

TEST (GstVocabEncode, OnehotFramesHaveTheVocabularyWidth)
{
  TempFile vocab (VOCAB);
  Harness t (make ("output=onehot vocab=" + vocab.path), TEXT_CAPS);
  t.push ("sea\nthe\n");
  EXPECT_EQ (t.output_caps (),
      "other/x-frames, format=(string)F32LE, width=(int)6, framerate=(fraction)0/1");
  std::string out = t.pull_all ();
  ASSERT_EQ (out.size (), 2u * 6 * 4);
  std::vector<float> f (12);
  memcpy (f.data (), out.data (), out.size ());
  EXPECT_EQ (f, std::vector<float> ({0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0}));
}

/* Partial lines wait for the next buffer; a line without '\n' is taken at
 * EOS; CRLF line ends work. */
TEST (GstVocabEncode, JoinsLinesSplitAcrossBuffers)
{
  TempFile vocab (VOCAB);
  Harness t (make ("vocab=" + vocab.path), TEXT_CAPS);
  t.push ("wha");
  EXPECT_EQ (t.pull_all (), "");
  t.push ("le\r\nth");
  t.push ("e\ns");
  t.push ("ea");
  EXPECT_EQ (as_ids (t.pull_all ()), std::vector<int32_t> ({2, 1}));
  t.eos ();
  EXPECT_EQ (as_ids (t.pull_all ()), std::vector<int32_t> ({3}));
}

TEST (GstVocabEncode, DiscontDropsThePartialLine)
{
  TempFile vocab (VOCAB);
  Harness t (make ("vocab=" + vocab.path), TEXT_CAPS);
  t.push ("the\nwha");
  t.push ("le\nsea\n", true);
  EXPECT_EQ (as_ids (t.pull_all ()), std::vector<int32_t> ({1, 3}));
}

/* A blank line pushes the ids so far, then an rnc/reset event. */
TEST (GstVocabEncode, BlankLineSendsResetAfterThePendingIds)
{
  TempFile vocab (VOCAB);
  Harness t (make ("vocab=" + vocab.path), TEXT_CAPS);
  t.push ("the\nwhale\n\nsea\n");
  /* order on the output: buffer [1 2], event, buffer [3] */
  GstBuffer *b1 = gst_harness_pull (t.h);
  EXPECT_EQ (gst_buffer_get_size (b1), 8u);
  gst_buffer_unref (b1);
  std::vector<std::string> names = t.custom_events ();
  EXPECT_EQ (names, std::vector<std::string> ({"rnc/reset"}));
  EXPECT_EQ (as_ids (t.pull_all ()), std::vector<int32_t> ({3}));
}

TEST (GstVocabEncode, UnknownSkip)
{
  TempFile vocab (VOCAB);
  Harness t (make ("vocab=" + vocab.path), TEXT_CAPS);
  t.push ("the\nkraken\nsea\n");
  EXPECT_EQ (as_ids (t.pull_all ()), std::vector<int32_t> ({1, 3}));
}

TEST (GstVocabEncode, UnknownUnkUsesSignaturesThenUnk)
{
  TempFile vocab (VOCAB);
  Harness t (make ("unknown=unk vocab=" + vocab.path), TEXT_CAPS);
  t.push ("the\nKraken\nswimming\nx-ray\n");
  EXPECT_EQ (as_ids (t.pull_all ()), std::vector<int32_t> ({1, 4, 5, 0}));
}

TEST (GstVocabEncode, UnknownErrorNamesTokenAndLine)
{
  TempFile vocab (VOCAB);
  Harness t (make ("unknown=error vocab=" + vocab.path), TEXT_CAPS);
  EXPECT_EQ (t.push ("the\nsea\nkraken\n"), GST_FLOW_ERROR);
  std::string err = t.message (GST_MESSAGE_ERROR);
  EXPECT_NE (err.find ("\"kraken\" on line 3"), std::string::npos) << err;
  EXPECT_NE (err.find (vocab.path), std::string::npos) << err;
}

TEST (GstVocabEncode, UnknownUnkNeedsUnkInTheVocabulary)
{
  TempFile vocab ("the\nsea\n");
  std::string err = rnc_test::start_error (make ("unknown=unk vocab=" +
          vocab.path));
  EXPECT_NE (err.find ("no <unk> entry"), std::string::npos) << err;
}

TEST (GstVocabEncode, DropsInvalidUtf8LinesWithAWarning)
{
  TempFile vocab (VOCAB);
  Harness t (make ("unknown=error vocab=" + vocab.path), TEXT_CAPS);
  EXPECT_EQ (t.push ("the\nwh\xff" "ale\nsea\n"), GST_FLOW_OK);
  EXPECT_EQ (as_ids (t.pull_all ()), std::vector<int32_t> ({1, 3}));
  std::string w = t.message (GST_MESSAGE_WARNING);
  EXPECT_NE (w.find ("line 2"), std::string::npos) << w;
}

TEST (GstVocabEncode, BuildWritesTheSortedVocabularyThenEmits)
{
  TempFile out ("");
  Harness t (make ("build=true vocab=" + out.path), TEXT_CAPS);
  t.push ("whale\nsea\nthe\nwhale\n");
  EXPECT_EQ (t.pull_all (), "");        /* nothing before EOS */
  t.push ("ahab\n\nsea\n");
  t.eos ();
  EXPECT_EQ (out.read (), "ahab\nsea\nthe\nwhale\n");
  /* the boundary comes back at its place: [3 1 2 3 0] reset [1] */
  GstBuffer *b = gst_harness_pull (t.h);
  EXPECT_EQ (gst_buffer_get_size (b), 20u);
  gst_buffer_unref (b);
  EXPECT_EQ (t.custom_events (), std::vector<std::string> ({"rnc/reset"}));
  EXPECT_EQ (as_ids (t.pull_all ()), std::vector<int32_t> ({1}));
}

TEST (GstVocabEncode, BuildByFrequencyWithMaxSizeMinCountAndUnk)
{
  const std::string text = "the\nwhale\nsea\nthe\nship\nwhale\nahab\nthe\n"
      "sea\nboat\nwhale\nahab\nthe\n";
  {
    TempFile out ("");
    Harness t (make ("build=true order=frequency vocab=" + out.path), TEXT_CAPS);
    t.push (text);
    t.eos ();
    EXPECT_EQ (out.read (), "the\nwhale\nahab\nsea\nboat\nship\n");
  }
  {
    TempFile out ("");
    Harness t (make ("build=true min-count=2 vocab=" + out.path), TEXT_CAPS);
    t.push (text);
    t.eos ();
    EXPECT_EQ (out.read (), "ahab\nsea\nthe\nwhale\n");
    /* ship and boat are left out and skipped */
    EXPECT_EQ (as_ids (t.pull_all ()).size (), 11u);
  }
  {
    TempFile out ("");
    Harness t (make ("build=true max-size=3 unknown=unk order=frequency vocab="
            + out.path), TEXT_CAPS);
    t.push ("the\nwhale\nsea\nthe\nship\n");
    t.eos ();
    /* the (2), then the byte-smallest of the count-1 ties: sea */
    EXPECT_EQ (out.read (), "<unk>\nthe\nsea\n");
    EXPECT_EQ (as_ids (t.pull_all ()), std::vector<int32_t> ({1, 0, 2, 1, 0}));
  }
  {
    TempFile out ("");
    Harness t (make ("build=true max-size=2 unknown=error vocab=" + out.path),
        TEXT_CAPS);
    t.push ("the\nwhale\nsea\nthe\nwhale\n");
    t.eos ();
    std::string err = t.message (GST_MESSAGE_ERROR);
    EXPECT_NE (err.find ("\"sea\""), std::string::npos) << err;
  }
}

TEST (GstVocabEncode, BuildOnehotSendsCapsAtEos)
{
  TempFile out ("");
  Harness t (make ("build=true output=onehot vocab=" + out.path), TEXT_CAPS);
  t.push ("b\na\nb\n");
  EXPECT_EQ (t.output_caps (), "");
  t.eos ();
  EXPECT_EQ (t.output_caps (),
      "other/x-frames, format=(string)F32LE, width=(int)2, framerate=(fraction)0/1");
  std::string bytes = t.pull_all ();
  ASSERT_EQ (bytes.size (), 3u * 2 * 4);
  std::vector<float> f (6);
  memcpy (f.data (), bytes.data (), bytes.size ());
  EXPECT_EQ (f, std::vector<float> ({0, 1, 1, 0, 0, 1}));
}

TEST (GstVocabEncode, RefusesToOverwriteAModelWhenBuilding)
{
  TempFile model (fake_safetensors (), "rnc-XXXXXX.bin");
  std::string err = rnc_test::start_error (make ("build=true vocab=" +
          model.path));
  EXPECT_NE (err.find ("Refusing to overwrite the model file"),
      std::string::npos) << err;
  EXPECT_EQ (model.read (), fake_safetensors ());
}

TEST (GstVocabEncode, RejectsBadVocabularyFilesWithFileAndLine)
{
  struct { const char *content; const char *what; } cases[] = {
    { "a\nb\na\n", ":3: duplicate token 'a' (first on line 1)" },
    { "a\n\nb\n", ":2: empty line" },
    { "a\nb\xc3(\n", ":2: not valid UTF-8" },
    { "", "is empty" },
  };
  for (auto &k : cases) {
    TempFile vocab (k.content);
    std::string err = rnc_test::start_error (make ("vocab=" + vocab.path));
    EXPECT_NE (err.find (vocab.path), std::string::npos) << err;
    EXPECT_NE (err.find (k.what), std::string::npos) << err;
  }
  std::string err = rnc_test::start_error (make ("vocab=/nonexistent/v.txt"));
  EXPECT_NE (err.find ("/nonexistent/v.txt"), std::string::npos) << err;
  err = rnc_test::start_error (make (""));
  EXPECT_NE (err.find ("No vocabulary file"), std::string::npos) << err;
}

TEST (GstVocabEncode, PropertiesRoundTripAndAreReadyOnly)
{
  GstElement *e = make ("vocab=v.txt build=true order=frequency max-size=100 "
      "min-count=3 unknown=error output=onehot");
  gchar *vocab;
  gboolean build;
  gint order, unknown, output;
  guint max_size;
  guint64 min_count;
  g_object_get (e, "vocab", &vocab, "build", &build, "order", &order,
      "max-size", &max_size, "min-count", &min_count, "unknown", &unknown,
      "output", &output, NULL);
  EXPECT_STREQ (vocab, "v.txt");
  EXPECT_TRUE (build);
  EXPECT_EQ (order, 1);
  EXPECT_EQ (max_size, 100u);
  EXPECT_EQ (min_count, 3u);
  EXPECT_EQ (unknown, 2);
  EXPECT_EQ (output, 1);
  g_free (vocab);
  gst_object_unref (gst_object_ref_sink (e));

  e = make ("");
  g_object_get (e, "vocab", &vocab, "build", &build, "order", &order,
      "max-size", &max_size, "min-count", &min_count, "unknown", &unknown,
      "output", &output, NULL);
  EXPECT_EQ (vocab, nullptr);
  EXPECT_FALSE (build);
  EXPECT_EQ (order, 0);
  EXPECT_EQ (max_size, 0u);
  EXPECT_EQ (min_count, 1u);
  EXPECT_EQ (unknown, 0);
  EXPECT_EQ (output, 0);
  gst_object_unref (gst_object_ref_sink (e));

  TempFile v (VOCAB);
  Harness t (make ("vocab=" + v.path), TEXT_CAPS);
  g_object_set (t.element, "vocab", "/other", NULL);
  gst_util_set_object_arg (G_OBJECT (t.element), "output", "onehot");
  g_object_get (t.element, "vocab", &vocab, "output", &output, NULL);
  EXPECT_EQ (std::string (vocab), v.path);
  EXPECT_EQ (output, 0);
  g_free (vocab);
  t.push ("sea\n");
  EXPECT_EQ (as_ids (t.pull_all ()), std::vector<int32_t> ({3}));
}

/* vocab= a model file (found by content): its rnc.vocab, here inline. */
TEST (GstVocabEncode, ReadsTheVocabularyOfAModelFile)
{
  TempFile model ("", "rnc-XXXXXX.model");
  ASSERT_TRUE (rnc_test::write_model_with_metadata (model.path,
          {{"rnc.vocab", "[\"<unk>\", \"the\", \"whale\", \"<unk-cap>\"]"},
           {"rnc.labels", "[\"DET\", \"NOUN\"]"}}));
  Harness t (make ("unknown=unk vocab=" + model.path), TEXT_CAPS);
  t.push ("the\nwhale\nAhab\nsea\n");
  EXPECT_EQ (as_ids (t.pull_all ()), std::vector<int32_t> ({1, 2, 3, 0}));
}

TEST (GstVocabEncode, RejectsAModelWithoutVocabulary)
{
  TempFile model ("", "rnc-XXXXXX.model");
  ASSERT_TRUE (rnc_test::write_model_with_metadata (model.path,
          {{"rnc.labels", "[\"DET\"]"}}));
  std::string err = rnc_test::start_error (make ("vocab=" + model.path));
  EXPECT_NE (err.find ("no rnc.vocab metadata"), std::string::npos) << err;
  EXPECT_NE (err.find (model.path), std::string::npos) << err;
}
