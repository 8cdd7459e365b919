/* State-change stress for rnn, lstm, generate, csvdec and tokenize
 * pipelines: RNC_STRESS_CYCLES (default 1000) NULL -> PLAYING -> NULL cycles
 * each, the NULL sometimes while the pipeline is still prerolling, sometimes
 * after it reached PLAYING; every tenth cycle a burst of flushing seeks
 * while buffers flow, with a second copy of the pipeline running beside it
 * (load, and the helper threads of threads=2 and threads=0). No state
 * change may fail or time out (a hang), no element error may be posted,
 * and the binary runs under ASan/LSan and the leaks tracer setup (no
 * leak). */
#include "recurrent-test-util.h"

#include <cstdlib>
#include <random>

using namespace rnc_test;

namespace {

int
cycles ()
{
  const char *e = std::getenv ("RNC_STRESS_CYCLES");
  int n = e ? std::atoi (e) : 1000;
  return n > 0 ? n : 1000;
}

struct Inputs
{
  TempDir dir;
  std::string rnn, csv, text;

  Inputs ()
  {
    RncModel *m = random_model (RNC_CELL_RNN, RNC_INPUT_DENSE, 1, 0, 16, 2,
        RNC_HEAD_REGRESSION, 1, 7, 0.6f);
    rnn = save_model (m, dir.file ("rnn.safetensors"));
    rnc_model_free (m);
    std::string c = "t,value\n";
    for (int i = 0; i < 2000; i++)
      c += std::to_string (i) + "," + std::to_string ((i * 37) % 101) + "\n";
    csv = dir.file ("s.csv");
    write_file (csv, c);
    std::string t;
    for (int i = 0; i < 40; i++)
      t += "This program is free software; you can redistribute it. ";
    text = dir.file ("t.txt");
    write_file (text, t);
  }
};

Inputs &
inputs ()
{
  static Inputs in;             /* its folder goes at exit */
  return in;
}

std::string
models ()
{
  return source_root () + "/pipelines/models";
}

struct StressCase {
  const char *name;
  std::string (*desc) ();
  GstFormat seek_format;
  /* seek anywhere (TIME), or back to the start only: csvdec starts over
   * at a flush and needs the header line again (docs/reliability.md) */
  bool seek_anywhere;
};

const char *audio1 =
    "audiotestsrc samplesperbuffer=37 wave=sine ! audio/x-raw,format=F32LE,"
    "layout=interleaved,channels=1,rate=8000 ! ";

const StressCase stress_cases[] = {
  {"Rnn", [] { return std::string (audio1) + "rnn model=" + inputs ().rnn
          + " threads=2 ! fakesink"; }, GST_FORMAT_TIME, true},
  {"Lstm", [] { return std::string (audio1) + "lstm model=" + models ()
          + "/forecast.safetensors threads=0 ! fakesink"; },
    GST_FORMAT_TIME, true},
  {"Generate", [] { return std::string (audio1) + "generate model=" + models ()
          + "/forecast.safetensors horizon=3 threads=2 ! fakesink"; },
    GST_FORMAT_TIME, true},
  {"Csvdec", [] { return "filesrc location=" + inputs ().csv
          + " blocksize=513 ! csvdec column=value ! lstm model=" + models ()
          + "/forecast.safetensors ! csvenc ! fakesink"; }, GST_FORMAT_BYTES,
    false},
  {"Tokenize", [] { return "filesrc location=" + inputs ().text
          + " blocksize=301 ! tokenize mode=char ! vocab-encode vocab="
          + models () + "/text.safetensors unknown=unk ! generate model="
          + models () + "/text.safetensors length=20 ! vocab-decode vocab="
          + models () + "/text.safetensors ! fakesink"; }, GST_FORMAT_BYTES,
    true},
};

void
PrintTo (const StressCase &c, std::ostream *os)
{
  *os << c.name;
}

GstElement *
launch (const std::string &desc)
{
  GError *err = nullptr;
  GstElement *p = gst_parse_launch (desc.c_str (), &err);
  EXPECT_NE (p, nullptr) << (err ? err->message : "");
  EXPECT_EQ (err, nullptr) << err->message;
  g_clear_error (&err);
  return p;
}

/* The state change to @state completes within 20 s (else: a hang). */
::testing::AssertionResult
settles (GstElement *p, GstState state)
{
  GstState cur = GST_STATE_VOID_PENDING, pending;
  GstStateChangeReturn r = gst_element_get_state (p, &cur, &pending,
      20 * GST_SECOND);
  if (r == GST_STATE_CHANGE_FAILURE)
    return ::testing::AssertionFailure () << "state change failed";
  if (r == GST_STATE_CHANGE_ASYNC || cur != state)
    return ::testing::AssertionFailure () << "no "
        << gst_element_state_get_name (state) << " after 20 s (now "
        << gst_element_state_get_name (cur) << ")";
  return ::testing::AssertionSuccess ();
}

/* Both pipelines go to NULL and away whatever way the test ends (a failed
 * assertion must not leave streaming threads running into gst_deinit). */
struct Pipelines
{
  GstElement *p = nullptr, *load = nullptr;
  ~Pipelines ()
  {
    for (GstElement *e : { p, load })
      if (e) {
        gst_element_set_state (e, GST_STATE_NULL);
        gst_object_unref (e);
      }
  }
};

class StateStress : public ::testing::TestWithParam<StressCase> {};

} // namespace

TEST_P (StateStress, CyclesAndFlushingSeeksNeverFailHangOrError)
{
  const StressCase &c = GetParam ();
  std::string desc = c.desc ();
  Pipelines pl;
  GstElement *p = pl.p = launch (desc), *load = pl.load = launch (desc);
  ASSERT_TRUE (p && load);
  GstBus *bus = gst_element_get_bus (p), *load_bus = gst_element_get_bus (load);
  std::mt19937 rng (13);
  int n = cycles (), seeks_ok = 0, seeks = 0;

  for (int i = 0; i < n; i++) {
    ASSERT_NE (gst_element_set_state (p, GST_STATE_PLAYING),
        GST_STATE_CHANGE_FAILURE) << "cycle " << i;
    if (i % 10 == 0) {
      /* under load: the second pipeline runs meanwhile */
      gst_element_set_state (load, GST_STATE_PLAYING);
      ASSERT_TRUE (settles (p, GST_STATE_PLAYING)) << "cycle " << i << ": "
          << bus_pop_text (bus);
      for (int k = 0; k < 5; k++) {
        gint64 to = !c.seek_anywhere ? 0 : c.seek_format == GST_FORMAT_TIME ?
            (gint64) (rng () % 1000) * GST_MSECOND : (gint64) (rng () % 2000);
        seeks++;
        seeks_ok += gst_element_seek_simple (p, c.seek_format,
            (GstSeekFlags) (GST_SEEK_FLAG_FLUSH), to);
        g_usleep (rng () % 2000);
      }
      ASSERT_TRUE (settles (p, GST_STATE_PLAYING)) << "cycle " << i << ": "
          << bus_pop_text (bus);
      gst_element_set_state (load, GST_STATE_NULL);
    } else if (rng () % 2) {
      g_usleep (rng () % 3000);   /* NULL mid-preroll or mid-stream */
    }
    ASSERT_EQ (gst_element_set_state (p, GST_STATE_NULL),
        GST_STATE_CHANGE_SUCCESS) << "cycle " << i;
    std::string e = bus_pop_text (bus);
    ASSERT_EQ (e, "") << "cycle " << i;
    gst_bus_set_flushing (bus, TRUE);   /* drop the cycle's other messages */
    gst_bus_set_flushing (bus, FALSE);
    e = bus_pop_text (load_bus);
    ASSERT_EQ (e, "") << "load pipeline, cycle " << i;
    gst_bus_set_flushing (load_bus, TRUE);
    gst_bus_set_flushing (load_bus, FALSE);
  }
  std::printf ("    %d cycles, %d of %d flushing seeks accepted\n", n,
      seeks_ok, seeks);
  /* the seeks reached the source: time for the live-less audio source,
   * bytes for filesrc */
  EXPECT_GT (seeks_ok, 0);
  gst_object_unref (bus);
  gst_object_unref (load_bus);
}

INSTANTIATE_TEST_SUITE_P (Pipelines, StateStress,
    ::testing::ValuesIn (stress_cases),
    [] (const ::testing::TestParamInfo<StressCase> &info) {
      return std::string (info.param.name);
    });
