/* The vocab-decode element through GstHarness. */
#include "rnc-element-util.h"
#include "rnc-test-util.h"

#include <cmath>

using rnc_test::Harness;
using rnc_test::TempFile;

namespace {

const char *IDS_CAPS = "other/x-frames,format=S32LE,width=1,framerate=0/1";

GstElement *
make (const std::string &props)
{
  return rnc_test::element_new ("vocab-decode", props);
}

std::string
ids_bytes (std::initializer_list<int32_t> ids)
{
  std::string out;
  for (int32_t v : ids) {
    int32_t le = GINT32_TO_LE (v);
    out.append ((const char *) &le, 4);
  }
  return out;
}

std::string
floats_bytes (std::initializer_list<float> v)
{
  std::string out;
  for (float f : v)
    out.append ((const char *) &f, 4);
  return out;
}

const char *VOCAB = "the\nwhale\nsea\nécole\n";

} // namespace

TEST (GstVocabDecode, DecodesIdsToTokenLines)
{
  TempFile vocab (VOCAB);
  Harness t (make ("vocab=" + vocab.path), IDS_CAPS);
  EXPECT_EQ (t.push (ids_bytes ({1, 0, 3, 2})), GST_FLOW_OK);
  EXPECT_EQ (t.output_caps (), "text/x-raw, format=(string)utf8");
  EXPECT_EQ (t.pull_all (), "whale\nthe\nécole\nsea\n");
}

TEST (GstVocabDecode, DecodesScoresByArgmax)
{
  TempFile vocab (VOCAB);
  Harness t (make ("vocab=" + vocab.path),
      "other/x-frames,format=F32LE,width=4,framerate=0/1");
  /* argmax 2; ties go to the first (1); NaN never wins (3) */
  t.push (floats_bytes ({0.1f, 0.2f, 0.9f, -1.0f,
          0.0f, 5.0f, 5.0f, 1.0f,
          NAN, -2.0f, NAN, 3.0f}));
  EXPECT_EQ (t.pull_all (), "sea\nwhale\nécole\n");
}

TEST (GstVocabDecode, JoinsFramesSplitAcrossBuffers)
{
  TempFile vocab (VOCAB);
  {
    Harness t (make ("vocab=" + vocab.path), IDS_CAPS);
    std::string b = ids_bytes ({1, 2, 3});
    t.push (b.substr (0, 2));
    t.push (b.substr (2, 5));
    EXPECT_EQ (t.pull_all (), "whale\n");
    t.push (b.substr (7));
    EXPECT_EQ (t.pull_all (), "sea\nécole\n");
  }
  {
    Harness t (make ("vocab=" + vocab.path),
        "other/x-frames,format=F32LE,width=4,framerate=0/1");
    std::string b = floats_bytes ({0, 0, 0, 1, 1, 0, 0, 0});
    t.push (b.substr (0, 13));
    t.push (b.substr (13));
    EXPECT_EQ (t.pull_all (), "école\nthe\n");
  }
}

TEST (GstVocabDecode, DiscontDropsThePartialFrame)
{
  TempFile vocab (VOCAB);
  Harness t (make ("vocab=" + vocab.path), IDS_CAPS);
  std::string b = ids_bytes ({1, 2});
  t.push (b.substr (0, 2));
  t.push (b.substr (4), true);
  EXPECT_EQ (t.pull_all (), "sea\n");
}

TEST (GstVocabDecode, PartialFrameAtEosIsDroppedWithAWarning)
{
  TempFile vocab (VOCAB);
  Harness t (make ("vocab=" + vocab.path), IDS_CAPS);
  t.push (ids_bytes ({1}) + "\x02\x00");
  t.eos ();
  EXPECT_EQ (t.pull_all (), "whale\n");
  std::string w = t.message (GST_MESSAGE_WARNING);
  EXPECT_NE (w.find ("partial frame"), std::string::npos) << w;
}

TEST (GstVocabDecode, ResetEventWritesAnEmptyLineAndIsForwarded)
{
  TempFile vocab (VOCAB);
  Harness t (make ("vocab=" + vocab.path), IDS_CAPS);
  t.push (ids_bytes ({1, 0}));
  gst_harness_push_event (t.h, gst_event_new_custom (GST_EVENT_CUSTOM_DOWNSTREAM,
          gst_structure_new_empty ("rnc/reset")));
  t.push (ids_bytes ({2}));
  EXPECT_EQ (t.pull_all (), "whale\nthe\n\nsea\n");
  EXPECT_EQ (t.custom_events (), std::vector<std::string> ({"rnc/reset"}));
}

TEST (GstVocabDecode, SeparatorJoinsTokens)
{
  TempFile vocab (VOCAB);
  GstElement *e = make ("vocab=" + vocab.path);
  g_object_set (e, "separator", " ", NULL);
  Harness t (e, IDS_CAPS);
  t.push (ids_bytes ({0, 1}));
  gst_harness_push_event (t.h, gst_event_new_custom (GST_EVENT_CUSTOM_DOWNSTREAM,
          gst_structure_new_empty ("rnc/reset")));
  t.push (ids_bytes ({2}));
  EXPECT_EQ (t.pull_all (), "the whale \nsea ");
}

TEST (GstVocabDecode, IdsOutsideTheVocabularyAreDroppedWithAWarning)
{
  TempFile vocab (VOCAB);
  Harness t (make ("vocab=" + vocab.path), IDS_CAPS);
  t.push (ids_bytes ({1, 4, -1, 2}));
  EXPECT_EQ (t.pull_all (), "whale\nsea\n");
  std::string w = t.message (GST_MESSAGE_WARNING);
  EXPECT_NE (w.find ("id 4 is not in [0, 4)"), std::string::npos) << w;
}

TEST (GstVocabDecode, RejectsAWidthThatIsNotTheVocabularySize)
{
  TempFile vocab (VOCAB);
  Harness t (make ("vocab=" + vocab.path), nullptr);
  GstCaps *caps = gst_caps_from_string (
      "other/x-frames,format=F32LE,width=7,framerate=0/1");
  gst_harness_push_event (t.h, gst_event_new_stream_start ("s"));
  /* a sticky event counts as pushed once stored; the refusal shows as an
   * error message and as not-negotiated data */
  gst_harness_push_event (t.h, gst_event_new_caps (caps));
  gst_caps_unref (caps);
  GstSegment seg;
  gst_segment_init (&seg, GST_FORMAT_BYTES);
  gst_harness_push_event (t.h, gst_event_new_segment (&seg));
  EXPECT_EQ (t.push (floats_bytes ({0, 0, 0, 0, 0, 0, 1})),
      GST_FLOW_NOT_NEGOTIATED);
  std::string err = t.message (GST_MESSAGE_ERROR);
  EXPECT_NE (err.find ("width 7"), std::string::npos) << err;
  EXPECT_NE (err.find ("of 4 tokens"), std::string::npos) << err;
  EXPECT_NE (err.find (vocab.path), std::string::npos) << err;

  GstCaps *s32w2 = gst_caps_from_string (
      "other/x-frames,format=S32LE,width=2,framerate=0/1");
  EXPECT_FALSE (gst_pad_query_accept_caps (GST_PAD_PEER (t.h->srcpad), s32w2));
  gst_caps_unref (s32w2);
}

TEST (GstVocabDecode, RejectsBadVocabularyFiles)
{
  TempFile vocab ("a\nb\n\nc\n");
  std::string err = rnc_test::start_error (make ("vocab=" + vocab.path));
  EXPECT_NE (err.find (vocab.path + ":3: empty line"), std::string::npos) << err;
  err = rnc_test::start_error (make (""));
  EXPECT_NE (err.find ("No vocabulary file"), std::string::npos) << err;
}

TEST (GstVocabDecode, PropertiesRoundTripAndAreReadyOnly)
{
  GstElement *e = make ("");
  gchar *vocab, *sep;
  g_object_get (e, "vocab", &vocab, "separator", &sep, NULL);
  EXPECT_EQ (vocab, nullptr);
  EXPECT_STREQ (sep, "\n");
  g_free (sep);
  g_object_set (e, "vocab", "v.txt", "separator", "", NULL);
  g_object_get (e, "vocab", &vocab, "separator", &sep, NULL);
  EXPECT_STREQ (vocab, "v.txt");
  EXPECT_STREQ (sep, "");
  g_free (vocab);
  g_free (sep);
  gst_object_unref (gst_object_ref_sink (e));

  TempFile v (VOCAB);
  Harness t (make ("vocab=" + v.path), IDS_CAPS);
  g_object_set (t.element, "separator", ",", NULL);
  g_object_get (t.element, "separator", &sep, NULL);
  EXPECT_STREQ (sep, "\n");
  g_free (sep);
}

/* A file missing at start is read when the caps arrive (vocab-encode
 * build=true upstream writes it at EOS); still missing, it is an error. */
TEST (GstVocabDecode, ReadsTheVocabularyWhenCapsArriveIfMissingAtStart)
{
  gchar *dir = g_dir_make_tmp ("rnc-dec-XXXXXX", nullptr);
  std::string path = std::string (dir) + "/later.txt";
  {
    Harness t (make ("vocab=" + path), nullptr);
    ASSERT_TRUE (g_file_set_contents (path.c_str (), VOCAB, -1, nullptr));
    gst_harness_set_src_caps_str (t.h, IDS_CAPS);
    EXPECT_EQ (t.push (ids_bytes ({2})), GST_FLOW_OK);
    EXPECT_EQ (t.pull_all (), "sea\n");
  }
  g_unlink (path.c_str ());
  {
    Harness t (make ("vocab=" + path), IDS_CAPS);
    std::string err = t.message (GST_MESSAGE_ERROR);
    EXPECT_NE (err.find (path), std::string::npos) << err;
    EXPECT_NE (t.push (ids_bytes ({2})), GST_FLOW_OK);
  }
  g_rmdir (dir);
  g_free (dir);
}

/* A vocabulary rewritten between start and caps is read again. */
TEST (GstVocabDecode, RereadsAVocabularyRewrittenBeforeCaps)
{
  TempFile vocab ("old\nwords\n");
  Harness t (make ("vocab=" + vocab.path), nullptr);
  gchar *tmp = g_strconcat (vocab.path.c_str (), ".new", NULL);
  ASSERT_TRUE (g_file_set_contents (tmp, VOCAB, -1, nullptr));
  ASSERT_EQ (g_rename (tmp, vocab.path.c_str ()), 0);
  g_free (tmp);
  gst_harness_set_src_caps_str (t.h, IDS_CAPS);
  t.push (ids_bytes ({3}));
  EXPECT_EQ (t.pull_all (), "école\n");
}

/* vocab= a model file: its rnc.labels (a file beside the model), else its
 * rnc.vocab. */
TEST (GstVocabDecode, ReadsTheLabelsOfAModelFile)
{
  gchar *dir = g_dir_make_tmp ("rnc-dec-XXXXXX", nullptr);
  std::string model = std::string (dir) + "/tagger.safetensors";
  std::string labels = std::string (dir) + "/tags.txt";
  ASSERT_TRUE (g_file_set_contents (labels.c_str (), "DET\nNOUN\nVERB\n", -1,
          nullptr));
  ASSERT_TRUE (rnc_test::write_model_with_metadata (model,
          {{"rnc.vocab", "[\"the\", \"whale\"]"}, {"rnc.labels", "tags.txt"}}));
  {
    Harness t (make ("vocab=" + model),
        "other/x-frames,format=F32LE,width=3,framerate=0/1");
    t.push (floats_bytes ({0.1f, 0.7f, 0.2f, 2.0f, 1.0f, 0.0f}));
    EXPECT_EQ (t.pull_all (), "NOUN\nDET\n");
  }
  /* without labels, the vocabulary (a language model's output classes) */
  ASSERT_TRUE (rnc_test::write_model_with_metadata (model,
          {{"rnc.vocab", "[\"the\", \"whale\"]"}}));
  {
    Harness t (make ("vocab=" + model), IDS_CAPS);
    t.push (ids_bytes ({1, 0}));
    EXPECT_EQ (t.pull_all (), "whale\nthe\n");
  }
  g_unlink (model.c_str ());
  g_unlink (labels.c_str ());
  g_rmdir (dir);
  g_free (dir);
}
