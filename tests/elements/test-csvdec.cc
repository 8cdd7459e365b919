/* csvdec through GstHarness: caps, columns, header modes, quoting, CRLF,
 * NaN policies, lines split across buffers, errors naming their line, and
 * properties. */
#include "rnc-gst-test-util.h"

#include <tuple>

using rnc_test::BusWatch;
using rnc_test::buffer_from_string;
using rnc_test::bytes_as;
using rnc_test::pull_all_bytes;

namespace {

GstHarness *
make (const char *props = nullptr)
{
  std::string desc = std::string ("csvdec") + (props ? std::string (" ") + props : "");
  GstHarness *h = rnc_test::harness_new (desc);
  gst_harness_set_src_caps_str (h, "text/x-raw, format=utf8");
  return h;
}

/* Pushes @text in pieces of @step bytes, then EOS; returns the frames. */
std::vector<float>
decode (GstHarness *h, const std::string &text, size_t step = 0)
{
  if (step == 0)
    step = text.size ();
  for (size_t i = 0; i < text.size (); i += step)
    EXPECT_EQ (gst_harness_push (h, buffer_from_string (text.substr (i, step))),
        GST_FLOW_OK);
  EXPECT_TRUE (gst_harness_push_event (h, gst_event_new_eos ()));
  return bytes_as<float> (pull_all_bytes (h));
}

int
output_width (GstHarness *h)
{
  GstCaps *caps = gst_pad_get_current_caps (h->sinkpad);
  int w = -1;
  if (caps) {
    gst_structure_get_int (gst_caps_get_structure (caps, 0), "width", &w);
    gst_caps_unref (caps);
  }
  return w;
}

const char kSeries[] = "time,value\n1949-01,112\n1949-02,118\n1949-03,132\n";

} // namespace

TEST (GstCsvDec, OutputsTheValueColumnWithItsName)
{
  GstHarness *h = make ("column=value");
  auto v = decode (h, kSeries);
  EXPECT_EQ (v, (std::vector<float>{ 112, 118, 132 }));
  GstCaps *caps = gst_pad_get_current_caps (h->sinkpad);
  ASSERT_NE (caps, nullptr);
  GstCaps *want = gst_caps_from_string ("other/x-frames, format=F32LE, "
      "width=1, framerate=0/1, column-names=<\"value\">");
  EXPECT_TRUE (gst_caps_is_equal (caps, want)) << gst_caps_to_string (caps);
  gst_caps_unref (want);
  gst_caps_unref (caps);
  gst_harness_teardown (h);
}

TEST (GstCsvDec, SeveralColumnsMakeTheWidth)
{
  GstHarness *h = make ("column=z,0,y");
  auto v = decode (h, "x,y,z\n1,2,3\n4,5,6\n");
  EXPECT_EQ (output_width (h), 3);
  EXPECT_EQ (v, (std::vector<float>{ 3, 1, 2, 6, 4, 5 }));
  gst_harness_teardown (h);

  /* default: every numeric column, the date left out */
  h = make ();
  v = decode (h, "date,a,b\n2020-01-01,1.5,-2\n2020-01-02,2.5,-3\n");
  EXPECT_EQ (output_width (h), 2);
  EXPECT_EQ (v, (std::vector<float>{ 1.5f, -2, 2.5f, -3 }));
  gst_harness_teardown (h);
}

TEST (GstCsvDec, HeaderModes)
{
  GstHarness *h = make ();
  EXPECT_EQ (decode (h, "1,2\n3,4\n"), (std::vector<float>{ 1, 2, 3, 4 }));
  gst_harness_teardown (h);
  h = make ("header=true");
  EXPECT_EQ (decode (h, "1,2\n3,4\n"), (std::vector<float>{ 3, 4 }));
  gst_harness_teardown (h);
  h = make ("header=false column=1");
  EXPECT_EQ (decode (h, "1,2\n3,4\n"), (std::vector<float>{ 2, 4 }));
  gst_harness_teardown (h);
}

TEST (GstCsvDec, CrlfQuotesBlankLinesAndDelimiter)
{
  GstHarness *h;
  h = make ("delimiter=; column=b");
  auto v = decode (h, "a;\"b\"\r\n\"x;y\";1.5\r\n\r\n\"multi\nline\";\" 2 \"\r\n");
  EXPECT_EQ (v, (std::vector<float>{ 1.5f, 2 }));
  gst_harness_teardown (h);
}

TEST (GstCsvDec, AnySplitOfTheBytesGivesTheSameFrames)
{
  std::string text = "t,a,b\r\n";
  for (int i = 0; i < 300; i++)
    text += std::to_string (i) + "," + std::to_string (i * 0.125) + ",\"" +
        std::to_string (1.0 / (i + 1)) + "\"\r\n";
  GstHarness *h = make ("column=a,b");
  auto whole = decode (h, text);
  gst_harness_teardown (h);
  ASSERT_EQ (whole.size (), 600u);
  for (size_t step : { 1, 7, 13, 4096 }) {
    h = make ("column=a,b");
    auto v = decode (h, text, step);
    EXPECT_TRUE (v == whole) << "blocks of " << step << " bytes";
    gst_harness_teardown (h);
  }
}

TEST (GstCsvDec, LastLineWithoutLineBreakIsReadAtEos)
{
  GstHarness *h = make ();
  EXPECT_EQ (decode (h, "v\n1\n2"), (std::vector<float>{ 1, 2 }));
  gst_harness_teardown (h);
}

class GstCsvDecNan : public ::testing::TestWithParam<
    std::tuple<const char *, std::vector<float>>> {};

TEST_P (GstCsvDecNan, MissingValuesFollowTheProperty)
{
  auto [policy, expected] = GetParam ();
  std::string props = std::string ("column=v nan=") + policy;
  GstHarness *h = make (props.c_str ());
  BusWatch bus (h->element);
  const std::string text = "v\n1\nNaN\n\n3\n\"\"\n5\n";
  for (size_t i = 0; i < text.size (); i += 3)
    gst_harness_push (h, buffer_from_string (text.substr (i, 3)));
  gst_harness_push_event (h, gst_event_new_eos ());
  auto v = bytes_as<float> (pull_all_bytes (h));
  if (std::string (policy) == "error") {
    std::string e = bus.pop ();
    EXPECT_NE (e.find ("line 3"), std::string::npos) << e;
    EXPECT_NE (e.find ("missing"), std::string::npos) << e;
    EXPECT_EQ (v, (std::vector<float>{ 1 }));
  } else {
    EXPECT_EQ (bus.pop (), "");
    EXPECT_EQ (v, expected);
  }
  gst_harness_teardown (h);
}

INSTANTIATE_TEST_SUITE_P (Policies, GstCsvDecNan, ::testing::Values (
        std::make_tuple ("error", std::vector<float>{}),
        std::make_tuple ("skip", std::vector<float>{ 1, 3, 5 }),
        std::make_tuple ("hold", std::vector<float>{ 1, 1, 3, 3, 5 })));

TEST (GstCsvDec, MalformedNumberIsAnErrorNamingItsLine)
{
  GstHarness *h = make ("column=value");
  BusWatch bus (h->element);
  std::string text = "time,value\n1,2\n2,3\n3,4..5\n4,6\n";
  GstFlowReturn last = GST_FLOW_OK;
  for (size_t i = 0; i < text.size () && last == GST_FLOW_OK; i += 4)
    last = gst_harness_push (h, buffer_from_string (text.substr (i, 4)));
  EXPECT_EQ (last, GST_FLOW_ERROR);
  std::string e = bus.pop ();
  EXPECT_NE (e.find ("line 4"), std::string::npos) << e;
  EXPECT_NE (e.find ("4..5"), std::string::npos) << e;
  /* the frames before the bad line came out */
  EXPECT_EQ (bytes_as<float> (pull_all_bytes (h)), (std::vector<float>{ 2, 3 }));
  gst_harness_teardown (h);
}

TEST (GstCsvDec, UnknownColumnIsAnError)
{
  GstHarness *h = make ("column=temperature");
  BusWatch bus (h->element);
  EXPECT_EQ (gst_harness_push (h, buffer_from_string (kSeries)),
      GST_FLOW_ERROR);
  std::string e = bus.pop ();
  EXPECT_NE (e.find ("temperature"), std::string::npos) << e;
  EXPECT_NE (e.find ("time, value"), std::string::npos) << e;
  gst_harness_teardown (h);
}

TEST (GstCsvDec, RejectsABadDelimiterAtStart)
{
  GstElement *e = gst_element_factory_make ("csvdec", nullptr);
  ASSERT_NE (e, nullptr);
  BusWatch bus (e);
  g_object_set (e, "delimiter", "ab", nullptr);
  EXPECT_EQ (gst_element_set_state (e, GST_STATE_PAUSED),
      GST_STATE_CHANGE_FAILURE);
  std::string msg = bus.pop ();
  EXPECT_NE (msg.find ("delimiter"), std::string::npos) << msg;
  gst_element_set_state (e, GST_STATE_NULL);
  gst_object_unref (e);
}

TEST (GstCsvDec, PropertiesRoundTripAndAreReadyOnly)
{
  GstElement *e = gst_element_factory_make ("csvdec", nullptr);
  gchar *column = nullptr, *delim = nullptr;
  gint header = -1, nan = -1;
  g_object_get (e, "column", &column, "delimiter", &delim, "header", &header,
      "nan", &nan, nullptr);
  EXPECT_EQ (column, nullptr);
  EXPECT_STREQ (delim, ",");
  EXPECT_EQ (header, 0);
  EXPECT_EQ (nan, 0);
  g_free (delim);
  gst_util_set_object_arg (G_OBJECT (e), "header", "false");
  gst_util_set_object_arg (G_OBJECT (e), "nan", "hold");
  g_object_set (e, "column", "a,b", "delimiter", "tab", nullptr);
  g_object_get (e, "column", &column, "delimiter", &delim, "header", &header,
      "nan", &nan, nullptr);
  EXPECT_STREQ (column, "a,b");
  EXPECT_STREQ (delim, "tab");
  EXPECT_EQ (header, 2);
  EXPECT_EQ (nan, 2);
  g_free (column);
  g_free (delim);
  gst_object_unref (e);

  GstHarness *h = make ("column=value");
  {
    BusWatch bus (h->element);
    g_object_set (h->element, "column", "time", nullptr);
    std::string w = bus.pop (GST_MESSAGE_WARNING);
    EXPECT_NE (w.find ("'column'"), std::string::npos) << w;
  }
  g_object_get (h->element, "column", &column, nullptr);
  EXPECT_STREQ (column, "value") << "column must not change while PLAYING";
  g_free (column);
  gst_harness_teardown (h);
}

TEST (GstCsvDec, FlushStartsOver)
{
  GstHarness *h = make ();
  gst_harness_push (h, buffer_from_string ("a,b\n1,2\n3,"));
  gst_harness_push_event (h, gst_event_new_flush_start ());
  gst_harness_push_event (h, gst_event_new_flush_stop (TRUE));
  GstSegment seg;
  gst_segment_init (&seg, GST_FORMAT_TIME);
  gst_harness_push_event (h, gst_event_new_segment (&seg));
  /* a new file: header detected again, the partial line is gone */
  auto v = decode (h, "c\n7\n");
  EXPECT_EQ (v, (std::vector<float>{ 1, 2, 7 }));
  EXPECT_EQ (output_width (h), 1);
  gst_harness_teardown (h);
}

/* A flushing byte seek into the middle of the same file (filesrc's SEGMENT
 * in BYTES past 0): the header and the column chosen by name are kept, the
 * line the seek landed in is dropped, and the frames go on from the next
 * line; a seek back to byte 0 starts over (the header is read again). */
TEST (GstCsvDec, ByteSeekIntoTheFileKeepsTheHeader)
{
  const std::string text = "time,value\n1949-01,112\n1949-02,118\n"
      "1949-03,132\n1949-04,129\n";
  const size_t at = text.find ("118") + 1;       /* inside line 3 */
  GstHarness *h = make ("column=value");
  ASSERT_EQ (gst_harness_push (h, buffer_from_string (text.substr (0, 30))),
      GST_FLOW_OK);
  gst_harness_push_event (h, gst_event_new_flush_start ());
  gst_harness_push_event (h, gst_event_new_flush_stop (TRUE));
  GstSegment seg;
  gst_segment_init (&seg, GST_FORMAT_BYTES);
  seg.start = seg.position = seg.time = at;
  gst_harness_push_event (h, gst_event_new_segment (&seg));
  auto v = decode (h, text.substr (at), 5);
  /* 112 was pushed before the seek; after it, the lines after 1949-02 */
  EXPECT_EQ (v, (std::vector<float>{ 112, 132, 129 }));
  EXPECT_EQ (output_width (h), 1);
  gst_harness_teardown (h);

  /* back to byte 0: a fresh start, the header line is a header again */
  h = make ("column=value");
  ASSERT_EQ (gst_harness_push (h, buffer_from_string (text.substr (0, 30))),
      GST_FLOW_OK);
  gst_harness_push_event (h, gst_event_new_flush_start ());
  gst_harness_push_event (h, gst_event_new_flush_stop (TRUE));
  gst_segment_init (&seg, GST_FORMAT_BYTES);
  gst_harness_push_event (h, gst_event_new_segment (&seg));
  v = decode (h, text, 7);
  EXPECT_EQ (v, (std::vector<float>{ 112, 112, 118, 132, 129 }));
  gst_harness_teardown (h);
}
