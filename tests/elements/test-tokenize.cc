/* The tokenize element through GstHarness. */
#include "rnc-element-util.h"
#include "rnc-test-util.h"

using rnc_test::Harness;
using rnc_test::TempFile;

namespace {

const char *TEXT_CAPS = "text/x-raw,format=utf8";

GstElement *
make (const char *props = nullptr)
{
  return rnc_test::element_new ("tokenize", props ? props : "");
}

} // namespace

TEST (GstTokenize, NegotiatesTextCaps)
{
  Harness t (make (), TEXT_CAPS);
  EXPECT_EQ (t.push ("x "), GST_FLOW_OK);
  EXPECT_EQ (t.output_caps (), "text/x-raw, format=(string)utf8");

  GstCaps *audio = gst_caps_from_string ("audio/x-raw,format=F32LE");
  EXPECT_FALSE (gst_pad_query_accept_caps (t.h->srcpad->peer, audio));
  gst_caps_unref (audio);
}

TEST (GstTokenize, WritesOneTokenPerLine)
{
  Harness t (make (), TEXT_CAPS);
  EXPECT_EQ (t.push ("[Moby Dick by Herman Melville 1851]\r\n"), GST_FLOW_OK);
  EXPECT_EQ (t.push ("don't -- \"Call me Ishmael.\""), GST_FLOW_OK);
  EXPECT_TRUE (t.eos ());
  EXPECT_EQ (t.pull_all (), "[\nMoby\nDick\nby\nHerman\nMelville\n1851\n]\n"
      "don\n'\nt\n--\n\"\nCall\nme\nIshmael\n.\"\n");
}

/* A token and a UTF-8 character split across buffers; the last token comes
 * out only at EOS (drain). */
TEST (GstTokenize, JoinsTokensAndCharactersSplitAcrossBuffers)
{
  Harness t (make (), TEXT_CAPS);
  t.push ("Caf\xc3");
  t.push ("\xa9 na");
  t.push ("\xc3");
  t.push ("\xaf");
  t.push ("ve");
  EXPECT_EQ (t.pull_all (), "Café\n");
  EXPECT_TRUE (t.eos ());
  EXPECT_EQ (t.pull_all (), "naïve\n");
  EXPECT_EQ (t.message (GST_MESSAGE_WARNING), "");
}

TEST (GstTokenize, DiscontDropsTheUnfinishedToken)
{
  Harness t (make (), TEXT_CAPS);
  t.push ("hello wor");
  t.push ("ld again", true);
  t.eos ();
  EXPECT_EQ (t.pull_all (), "hello\nld\nagain\n");
}

TEST (GstTokenize, FlushStopStartsAfresh)
{
  Harness t (make (), TEXT_CAPS);
  t.push ("hello wor");
  gst_harness_push_event (t.h, gst_event_new_flush_start ());
  gst_harness_push_event (t.h, gst_event_new_flush_stop (TRUE));
  GstSegment seg;
  gst_segment_init (&seg, GST_FORMAT_BYTES);
  gst_harness_push_event (t.h, gst_event_new_segment (&seg));
  t.push ("ld");
  t.eos ();
  EXPECT_EQ (t.pull_all (), "hello\nld\n");
}

TEST (GstTokenize, LowercasesAndFiltersAsTheNotebook)
{
  TempFile dict ("whale\nsea\nship\nthe\nCaptain\n");
  std::string props = "lowercase=true stopwords=english dictionary=" + dict.path;
  Harness t (make (props.c_str ()), TEXT_CAPS);
  t.push ("The WHALE, the Sea; a ship and the Captain.\n");
  t.eos ();
  EXPECT_EQ (t.pull_all (), "whale\nsea\nship\n");
}

TEST (GstTokenize, DictionaryRuleAllKeepsCapitalizedLines)
{
  TempFile dict ("whale\nCaptain\n");
  std::string props = "dictionary-rule=all dictionary=" + dict.path;
  Harness t (make (props.c_str ()), TEXT_CAPS);
  t.push ("the Captain and the whale\n");
  t.eos ();
  EXPECT_EQ (t.pull_all (), "Captain\nwhale\n");
}

TEST (GstTokenize, StopwordsFromAFile)
{
  TempFile stop ("call\nme\n");
  std::string props = "stopwords=" + stop.path;
  Harness t (make (props.c_str ()), TEXT_CAPS);
  t.push ("call me Ishmael");
  t.eos ();
  EXPECT_EQ (t.pull_all (), "Ishmael\n");
}

TEST (GstTokenize, LowercaseTakesEffectMidStream)
{
  Harness t (make (), TEXT_CAPS);
  t.push ("AB CD ");
  EXPECT_EQ (t.pull_all (), "AB\nCD\n");
  g_object_set (t.element, "lowercase", TRUE, NULL);
  t.push ("EF Ü ");
  EXPECT_EQ (t.pull_all (), "ef\nü\n");
}

TEST (GstTokenize, CharModeEmitsCharacters)
{
  Harness t (make ("mode=char"), TEXT_CAPS);
  t.push ("ab  c\xc3");
  t.push ("\xa9\n");
  t.eos ();
  EXPECT_EQ (t.pull_all (), "a\nb\n \nc\né\n");
}

TEST (GstTokenize, SplitsRunsLongerThanMaxTokenBytes)
{
  Harness t (make ("max-token-bytes=4"), TEXT_CAPS);
  t.push ("abcdefghij ------");
  t.eos ();
  EXPECT_EQ (t.pull_all (), "abcd\nefgh\nij\n----\n--\n");
}

TEST (GstTokenize, MaxTokensEndsTheStream)
{
  Harness t (make ("max-tokens=3"), TEXT_CAPS);
  EXPECT_EQ (t.push ("one two"), GST_FLOW_OK);
  EXPECT_EQ (t.push (" three four five"), GST_FLOW_EOS);
  EXPECT_EQ (t.push ("six "), GST_FLOW_EOS);
  t.eos ();
  EXPECT_EQ (t.pull_all (), "one\ntwo\nthree\n");
}

TEST (GstTokenize, WarnsOnInvalidUtf8AndReplacesIt)
{
  Harness t (make (), TEXT_CAPS);
  t.push ("ab\xff" "cd \xe2\x82");
  t.push ("A \xc0");
  t.eos ();
  EXPECT_EQ (t.pull_all (), "ab\n\xef\xbf\xbd\ncd\n\xef\xbf\xbd\nA\n"
      "\xef\xbf\xbd\n");
  std::string first = t.message (GST_MESSAGE_WARNING);
  EXPECT_NE (first.find ("Invalid UTF-8"), std::string::npos) << first;
  EXPECT_NE (first.find ("offset 2"), std::string::npos) << first;
  std::string total = t.message (GST_MESSAGE_WARNING);
  EXPECT_NE (total.find ("3 invalid UTF-8 sequences"), std::string::npos)
      << total;
}

TEST (GstTokenize, SkipsInvalidUtf8WhenAsked)
{
  Harness t (make ("invalid-utf8=skip"), TEXT_CAPS);
  t.push ("ab\xff" "cd");
  t.eos ();
  EXPECT_EQ (t.pull_all (), "abcd\n");
  EXPECT_NE (t.message (GST_MESSAGE_WARNING), "");
}

TEST (GstTokenize, PropertiesRoundTrip)
{
  GstElement *e = make ();
  gboolean lowercase;
  gchar *dictionary, *stopwords;
  gint mode, rule, invalid;
  guint max_bytes;
  guint64 max_tokens;

  g_object_get (e, "lowercase", &lowercase, "dictionary", &dictionary,
      "stopwords", &stopwords, "mode", &mode, "dictionary-rule", &rule,
      "max-token-bytes", &max_bytes, "max-tokens", &max_tokens,
      "invalid-utf8", &invalid, NULL);
  EXPECT_FALSE (lowercase);
  EXPECT_EQ (dictionary, nullptr);
  EXPECT_STREQ (stopwords, "none");
  EXPECT_EQ (mode, 0);
  EXPECT_EQ (rule, 1);          /* lowercase */
  EXPECT_EQ (max_bytes, 1024u);
  EXPECT_EQ (max_tokens, 0u);
  EXPECT_EQ (invalid, 0);
  g_free (stopwords);

  g_object_set (e, "lowercase", TRUE, "dictionary", "/x/words",
      "stopwords", "english", "max-token-bytes", 64u,
      "max-tokens", (guint64) 50000, NULL);
  gst_util_set_object_arg (G_OBJECT (e), "mode", "char");
  gst_util_set_object_arg (G_OBJECT (e), "dictionary-rule", "all");
  gst_util_set_object_arg (G_OBJECT (e), "invalid-utf8", "skip");
  g_object_get (e, "lowercase", &lowercase, "dictionary", &dictionary,
      "stopwords", &stopwords, "mode", &mode, "dictionary-rule", &rule,
      "max-token-bytes", &max_bytes, "max-tokens", &max_tokens,
      "invalid-utf8", &invalid, NULL);
  EXPECT_TRUE (lowercase);
  EXPECT_STREQ (dictionary, "/x/words");
  EXPECT_STREQ (stopwords, "english");
  EXPECT_EQ (mode, 1);
  EXPECT_EQ (rule, 0);
  EXPECT_EQ (max_bytes, 64u);
  EXPECT_EQ (max_tokens, 50000u);
  EXPECT_EQ (invalid, 1);
  g_free (dictionary);
  g_free (stopwords);
  gst_object_unref (gst_object_ref_sink (e));
}

TEST (GstTokenize, ReadyOnlyPropertiesAreIgnoredWhilePlaying)
{
  Harness t (make ("stopwords=english"), TEXT_CAPS);
  g_object_set (t.element, "stopwords", "none", "max-token-bytes", 8u, NULL);
  std::string w = t.message (GST_MESSAGE_WARNING);
  EXPECT_NE (w.find ("'stopwords'"), std::string::npos) << w;
  gchar *stop = nullptr;
  guint max_bytes = 0;
  g_object_get (t.element, "stopwords", &stop, "max-token-bytes", &max_bytes,
      NULL);
  EXPECT_STREQ (stop, "english");
  EXPECT_EQ (max_bytes, 1024u);
  g_free (stop);
  t.push ("the whale ");
  EXPECT_EQ (t.pull_all (), "whale\n");

  /* back in READY the change is taken */
  gst_element_set_state (t.element, GST_STATE_READY);
  g_object_set (t.element, "stopwords", "none", NULL);
  g_object_get (t.element, "stopwords", &stop, NULL);
  EXPECT_STREQ (stop, "none");
  g_free (stop);
}

TEST (GstTokenize, StressLowercaseWhileBuffersFlow)
{
  Harness t (make (), TEXT_CAPS);
  GValue v = G_VALUE_INIT;
  g_value_init (&v, G_TYPE_BOOLEAN);
  g_value_set_boolean (&v, TRUE);
  GstHarnessThread *th = gst_harness_stress_property_start_full (t.h,
      "lowercase", &v, 100);
  for (int i = 0; i < 2000; i++)
    ASSERT_EQ (t.push ("Whale SEA ship "), GST_FLOW_OK);
  gst_harness_stress_thread_stop (th);
  g_value_unset (&v);
  std::string out = t.pull_all ();
  EXPECT_EQ (out.size (), 2000u * strlen ("Whale\nSEA\nship\n"));
}

TEST (GstTokenize, RejectsBadDictionaryWithFileAndLine)
{
  TempFile dict ("ok\nfine\nb\xffy\n");
  std::string props = "dictionary=" + dict.path;
  std::string err = rnc_test::start_error (make (props.c_str ()));
  EXPECT_NE (err.find ("Could not read the dictionary"), std::string::npos) << err;
  EXPECT_NE (err.find (dict.path + ":3"), std::string::npos) << err;

  err = rnc_test::start_error (make ("dictionary=/nonexistent/words"));
  EXPECT_NE (err.find ("/nonexistent/words"), std::string::npos) << err;

  err = rnc_test::start_error (make ("stopwords=/nonexistent/stop"));
  EXPECT_NE (err.find ("/nonexistent/stop"), std::string::npos) << err;
}

/* Splitting the same bytes at every position gives the same output. */
TEST (GstTokenize, OutputDoesNotDependOnBufferBoundaries)
{
  const std::string text = "Ünïcödé «€uro» x²-y \xff tail 🙂🙂!! __a_ 12,5 ΟΔΟΣ\n";
  std::string whole;
  {
    Harness t (make ("lowercase=true max-token-bytes=5"), TEXT_CAPS);
    t.push (text);
    t.eos ();
    whole = t.pull_all ();
  }
  ASSERT_FALSE (whole.empty ());
  for (size_t k = 1; k < text.size (); k++) {
    Harness t (make ("lowercase=true max-token-bytes=5"), TEXT_CAPS);
    t.push (text.substr (0, k));
    t.push (text.substr (k));
    t.eos ();
    EXPECT_EQ (t.pull_all (), whole) << "split at " << k;
  }
}
