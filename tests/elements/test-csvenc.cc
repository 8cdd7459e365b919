/* csvenc through GstHarness: one line per frame, precision, header names,
 * ids, delimiter, frames split across buffers, timestamps, properties. */
#include "rnc-gst-test-util.h"

using rnc_test::BusWatch;
using rnc_test::buffer_from_bytes;
using rnc_test::harness_new;
using rnc_test::pull_all_text;

namespace {

GstHarness *
make (const std::string &props, const std::string &caps)
{
  GstHarness *h = harness_new ("csvenc " + props);
  gst_harness_set_src_caps_str (h, caps.c_str ());
  return h;
}

template <typename T>
GstBuffer *
frames (const std::vector<T> &v)
{
  return buffer_from_bytes (v.data (), v.size () * sizeof (T));
}

} // namespace

TEST (GstCsvEnc, OneLinePerFrameWithPrecision)
{
  GstHarness *h = make ("precision=4",
      "other/x-frames, format=F32LE, width=3, framerate=0/1");
  std::vector<float> v = { 1.0f, -0.5f, 3.14159265f, 1e-7f, 12345.678f,
    2.0f / 3.0f };
  EXPECT_EQ (gst_harness_push (h, frames (v)), GST_FLOW_OK);
  EXPECT_EQ (pull_all_text (h), "1,-0.5,3.142\n1e-07,1.235e+04,0.6667\n");
  GstCaps *caps = gst_pad_get_current_caps (h->sinkpad);
  ASSERT_NE (caps, nullptr);
  EXPECT_TRUE (gst_structure_has_name (gst_caps_get_structure (caps, 0),
          "text/x-raw"));
  gst_caps_unref (caps);
  gst_harness_teardown (h);
}

TEST (GstCsvEnc, NineDigitsGiveBackTheFloats)
{
  GstHarness *h = make ("precision=9",
      "other/x-frames, format=F32LE, width=1, framerate=0/1");
  std::vector<float> v = { 0.1f, 1.0f / 3.0f, -123.456789f, 3.4e38f };
  gst_harness_push (h, frames (v));
  std::string text = pull_all_text (h);
  gchar **lines = g_strsplit (text.c_str (), "\n", -1);
  for (size_t i = 0; i < v.size (); i++)
    EXPECT_EQ ((float) g_ascii_strtod (lines[i], nullptr), v[i]) << lines[i];
  g_strfreev (lines);
  gst_harness_teardown (h);
}

TEST (GstCsvEnc, HeaderFromCapsOrNumbered)
{
  GstHarness *h = make ("header=true",
      "other/x-frames, format=F32LE, width=2, framerate=0/1");
  gst_harness_push (h, frames (std::vector<float>{ 1, 2 }));
  gst_harness_push (h, frames (std::vector<float>{ 3, 4 }));
  EXPECT_EQ (pull_all_text (h), "v0,v1\n1,2\n3,4\n");
  gst_harness_teardown (h);

  h = make ("header=true delimiter=;", "other/x-frames, format=F32LE, "
      "width=2, framerate=0/1, column-names=<\"a;b\", \"c\">");
  gst_harness_push (h, frames (std::vector<float>{ 1, 2 }));
  EXPECT_EQ (pull_all_text (h), "\"a;b\";c\n1;2\n");
  gst_harness_teardown (h);
}

TEST (GstCsvEnc, IdsArePrintedAsIntegers)
{
  GstHarness *h = make ("", "other/x-frames, format=S32LE, width=1, "
      "framerate=0/1");
  gst_harness_push (h, frames (std::vector<gint32>{ 3, 0, 4356 }));
  EXPECT_EQ (pull_all_text (h), "3\n0\n4356\n");
  gst_harness_teardown (h);
}

TEST (GstCsvEnc, FramesSplitAcrossBuffersAndTimestamps)
{
  GstHarness *h = make ("delimiter=tab",
      "other/x-frames, format=F32LE, width=2, framerate=0/1");
  std::vector<float> v = { 1, 2, 3, 4, 5, 6 };
  const guint8 *bytes = (const guint8 *) v.data ();
  size_t cuts[] = { 0, 5, 7, 13, 24 };
  std::string all;
  for (size_t i = 0; i + 1 < G_N_ELEMENTS (cuts); i++) {
    GstBuffer *b = buffer_from_bytes (bytes + cuts[i], cuts[i + 1] - cuts[i]);
    GST_BUFFER_PTS (b) = i * GST_SECOND;
    GST_BUFFER_DURATION (b) = GST_SECOND;
    gst_harness_push (h, b);
    GstBuffer *out;
    while ((out = gst_harness_try_pull (h)) != nullptr) {
      EXPECT_EQ (GST_BUFFER_PTS (out), i * GST_SECOND);
      GstMapInfo map;
      gst_buffer_map (out, &map, GST_MAP_READ);
      all.append ((const char *) map.data, map.size);
      gst_buffer_unmap (out, &map);
      gst_buffer_unref (out);
    }
  }
  EXPECT_EQ (all, "1\t2\n3\t4\n5\t6\n");
  gst_harness_teardown (h);
}

TEST (GstCsvEnc, TrailingPartialFrameIsDroppedWithAWarning)
{
  GstHarness *h = make ("", "other/x-frames, format=F32LE, width=2, "
      "framerate=0/1");
  BusWatch bus (h->element);
  std::vector<float> v = { 1, 2, 3 };
  gst_harness_push (h, frames (v));
  gst_harness_push_event (h, gst_event_new_eos ());
  EXPECT_EQ (pull_all_text (h), "1,2\n");
  std::string w = bus.pop (GST_MESSAGE_WARNING);
  EXPECT_NE (w.find ("4 trailing bytes"), std::string::npos) << w;
  gst_harness_teardown (h);
}

TEST (GstCsvEnc, PropertiesRoundTripAndHeaderIsReadyOnly)
{
  GstElement *e = gst_element_factory_make ("csvenc", nullptr);
  gboolean header = TRUE;
  gint precision = 0;
  gchar *delim = nullptr;
  g_object_get (e, "header", &header, "precision", &precision, "delimiter",
      &delim, nullptr);
  EXPECT_FALSE (header);
  EXPECT_EQ (precision, 6);
  EXPECT_STREQ (delim, ",");
  g_free (delim);
  g_object_set (e, "header", TRUE, "precision", 9, "delimiter", ";", nullptr);
  g_object_get (e, "header", &header, "precision", &precision, "delimiter",
      &delim, nullptr);
  EXPECT_TRUE (header);
  EXPECT_EQ (precision, 9);
  EXPECT_STREQ (delim, ";");
  g_free (delim);
  gst_object_unref (e);

  GstHarness *h = make ("", "other/x-frames, format=F32LE, width=1, "
      "framerate=0/1");
  g_object_set (h->element, "header", TRUE, "precision", 2, nullptr);
  g_object_get (h->element, "header", &header, "precision", &precision,
      nullptr);
  EXPECT_FALSE (header) << "header must not change while PLAYING";
  EXPECT_EQ (precision, 2) << "precision is a runtime knob";
  gst_harness_push (h, frames (std::vector<float>{ 3.14159f }));
  EXPECT_EQ (pull_all_text (h), "3.1\n");
  gst_harness_teardown (h);
}
