/* The seed notebook's vectors through whole pipelines: Q2, Q3 and Q6 from a
 * zero state, Q1 and Q5 from state files (initial-state=file), csvdec ! lstm
 * ! csvenc, and filesrc block sizes. Models are written from the notebook's
 * linspace weights; expected values are the notebook's printed arrays
 * (kSeedQ* in rnc-test-util.h, as in tests/lib/test-seed-vectors.cc), never
 * this code's output. */
#include "recurrent-test-util.h"

using namespace rnc_test;

namespace {

/* The notebook's check is a sum of squared errors ~1e-14; 2e-6 per value is
 * the print precision of its expected float32 arrays. */
constexpr double kTol = 2e-6;

void
write_floats (const std::string &path, const std::vector<float> &v)
{
  write_file (path, v.data (), v.size () * sizeof (float));
}

std::vector<float>
read_floats (const std::string &path)
{
  return bytes_as<float> (read_file (path));
}

/* filesrc of raw F32 frames ! capsfilter ! @element ! filesink; returns the
 * output floats, failing the test on a pipeline error. */
std::vector<float>
run_frames (const TempDir &dir, const std::string &input, size_t width,
    const std::string &element, const std::string &src_props = "")
{
  std::string out = dir.file ("out.f32");
  std::string desc = "filesrc location=" + input + " " + src_props +
      " ! other/x-frames,format=F32LE,width=" + std::to_string (width) +
      ",framerate=0/1 ! " + element + " ! filesink location=" + out;
  std::string err = run_pipeline (desc);
  EXPECT_EQ (err, "") << desc;
  return read_floats (out);
}

} // namespace

TEST (SeedPipelines, Q2RnnHiddenStatesFromZero)
{
  TempDir dir;
  RncModel *m = notebook_model (RNC_CELL_RNN, 4, 5, 0);
  std::string model = save_model (m, dir.file ("q2.safetensors"));
  std::string x = dir.file ("x.f32");
  write_floats (x, linspace (-0.1, 0.3, 12));
  auto h = run_frames (dir, x, 4, "rnn model=" + model + " output=hidden");
  double e = max_abs_diff (h, kSeedQ2H);
  EXPECT_LT (e, kTol) << "largest error " << e;
  /* without a head the natural output is the hidden state */
  auto p = run_frames (dir, x, 4, "rnn model=" + model);
  EXPECT_EQ (p, h);
  rnc_model_free (m);
}

std::vector<float>
parse_csv_floats (const std::string &text)
{
  std::vector<float> v;
  gchar **lines = g_strsplit (text.c_str (), "\n", -1);
  for (gchar **l = lines; *l; l++) {
    if (**l == '\0')
      continue;
    gchar **fields = g_strsplit (*l, ",", -1);
    for (gchar **f = fields; *f; f++)
      v.push_back ((float) g_ascii_strtod (*f, nullptr));
    g_strfreev (fields);
  }
  g_strfreev (lines);
  return v;
}

TEST (SeedPipelines, Q3PredictionsOfTwoSequences)
{
  TempDir dir;
  RncModel *m = notebook_model (RNC_CELL_RNN, 4, 5, 2);
  std::string model = save_model (m, dir.file ("q3.safetensors"));
  auto x = linspace (-0.1, 0.3, 24);    /* N=2 sequences of T=3 frames */

  /* one run per sequence, each from the zero state */
  std::vector<float> y;
  for (size_t n = 0; n < 2; n++) {
    std::string in = dir.file ("x" + std::to_string (n) + ".f32");
    write_floats (in, slice (x, n * 12, (n + 1) * 12));
    auto yn = run_frames (dir, in, 4, "rnn model=" + model);
    y.insert (y.end (), yn.begin (), yn.end ());
  }
  double e = max_abs_diff (y, kSeedQ3Y);
  EXPECT_LT (e, kTol) << "largest error " << e;

  /* one stream, the sequences separated by an rnc/reset event, through
   * rnn ! queue ! csvenc */
  GstHarness *h = gst_harness_new_parse (("rnn model=" + model +
          " ! queue ! csvenc precision=9").c_str ());
  gst_harness_set_src_caps_str (h, frames_caps (4).c_str ());
  push_frames (h, x, 0, 3, 4);
  gst_harness_push_event (h, gst_event_new_custom (GST_EVENT_CUSTOM_DOWNSTREAM,
          gst_structure_new_empty ("rnc/reset")));
  push_frames (h, x, 3, 3, 4);
  gst_harness_push_event (h, gst_event_new_eos ());
  std::string text;
  GstBuffer *b = nullptr;
  while (gst_harness_pull_until_eos (h, &b) && b) {
    std::vector<uint8_t> bytes;
    append_buffer (bytes, b);
    text.append (bytes.begin (), bytes.end ());
  }
  auto y2 = parse_csv_floats (text);
  e = max_abs_diff (y2, kSeedQ3Y);
  EXPECT_LT (e, kTol) << "largest error " << e << " in\n" << text;
  gst_harness_teardown (h);
  rnc_model_free (m);
}

TEST (SeedPipelines, Q6LstmHiddenStatesFromZeroAtAnyBlockSize)
{
  TempDir dir;
  RncModel *m = notebook_model (RNC_CELL_LSTM, 5, 4, 0);
  std::string model = save_model (m, dir.file ("q6.safetensors"));
  std::string x = dir.file ("x.f32");
  write_floats (x, linspace (-0.4, 1.2, 15));
  auto h = run_frames (dir, x, 5, "lstm model=" + model);
  double e = max_abs_diff (h, kSeedQ6H);
  EXPECT_LT (e, kTol) << "largest error " << e;
  for (int bs : { 7, 13, 4096 }) {
    auto hb = run_frames (dir, x, 5, "lstm model=" + model,
        "blocksize=" + std::to_string (bs));
    EXPECT_EQ (hb, h) << "blocksize " << bs;
  }
  rnc_model_free (m);
}

TEST (SeedPipelines, Q1RnnStepFromStateFiles)
{
  const size_t N = 3, D = 10, H = 4;
  TempDir dir;
  RncModel *m = model_new (RNC_CELL_RNN, RNC_INPUT_DENSE, D, 0, H, 1,
      RNC_HEAD_NONE, 0);
  const RncParamViews *v = rnc_model_get_views (m);
  copy_into (v->layer[0].Wx, linspace (-0.1, 0.9, D * H));
  copy_into (v->layer[0].Wh, linspace (-0.3, 0.7, H * H));
  copy_into (v->layer[0].bh, linspace (-0.2, 0.4, H));
  std::string model = save_model (m, dir.file ("q1.safetensors"));
  auto x = linspace (-0.4, 0.7, N * D);
  auto prev_h = linspace (-0.2, 0.5, N * H);

  /* each row of the batch is one stream: its prev_h is a state file */
  for (size_t n = 0; n < N; n++) {
    std::string state = dir.file ("s" + std::to_string (n) + ".safetensors");
    RncState *s = rnc_state_new (m, 1, 0);
    std::copy (prev_h.begin () + n * H, prev_h.begin () + (n + 1) * H,
        rnc_state_get_h (s));
    ASSERT_TRUE (rnc_state_save (s, state.c_str (), nullptr));
    rnc_state_free (s);
    std::string in = dir.file ("x" + std::to_string (n) + ".f32");
    write_floats (in, slice (x, n * D, (n + 1) * D));
    auto h = run_frames (dir, in, D, "rnn model=" + model +
        " initial-state=file state-location=" + state + " output=hidden");
    auto want = slice (kSeedQ1NextH, n * H, (n + 1) * H);
    double e = max_abs_diff (h, want);
    EXPECT_LT (e, kTol) << "row " << n << ", largest error " << e;
    /* EOS saved the new state in the same file */
    RncState *after = rnc_state_new (m, 1, 0);
    ASSERT_TRUE (rnc_state_load_initial (after, state.c_str (), nullptr));
    rnc_state_reset (after);
    EXPECT_LT (max_abs_diff (rnc_state_peek_h (after), want.data (), H), kTol);
    rnc_state_free (after);
  }
  rnc_model_free (m);
}

TEST (SeedPipelines, Q5LstmStepFromStateFiles)
{
  const size_t N = 3, D = 4, H = 3;
  TempDir dir;
  RncModel *m = notebook_model (RNC_CELL_LSTM, D, H, 0);
  std::string model = save_model (m, dir.file ("q5.safetensors"));
  auto x = linspace (-0.4, 1.2, N * D);
  auto prev_h = linspace (-0.3, 0.7, N * H);
  auto prev_c = linspace (-0.4, 0.9, N * H);

  for (size_t n = 0; n < N; n++) {
    std::string state = dir.file ("s" + std::to_string (n) + ".safetensors");
    RncState *s = rnc_state_new (m, 1, 0);
    std::copy (prev_h.begin () + n * H, prev_h.begin () + (n + 1) * H,
        rnc_state_get_h (s));
    std::copy (prev_c.begin () + n * H, prev_c.begin () + (n + 1) * H,
        rnc_state_get_c (s));
    ASSERT_TRUE (rnc_state_save (s, state.c_str (), nullptr));
    rnc_state_free (s);
    std::string in = dir.file ("x" + std::to_string (n) + ".f32");
    write_floats (in, slice (x, n * D, (n + 1) * D));
    auto h = run_frames (dir, in, D, "lstm model=" + model +
        " initial-state=file state-location=" + state);
    double e = max_abs_diff (h, slice (kSeedQ5NextH, n * H, (n + 1) * H));
    EXPECT_LT (e, kTol) << "row " << n << ", next_h largest error " << e;
    RncState *after = rnc_state_new (m, 1, 0);
    ASSERT_TRUE (rnc_state_load_initial (after, state.c_str (), nullptr));
    rnc_state_reset (after);
    e = max_abs_diff (rnc_state_peek_c (after), kSeedQ5NextC.data () + n * H,
        H);
    EXPECT_LT (e, kTol) << "row " << n << ", saved next_c largest error " << e;
    rnc_state_free (after);
  }
  rnc_model_free (m);
}

TEST (SeedPipelines, CsvdecLstmCsvencGivesQ6AtAnyBlockSize)
{
  TempDir dir;
  RncModel *m = notebook_model (RNC_CELL_LSTM, 5, 4, 0);
  std::string model = save_model (m, dir.file ("q6.safetensors"));
  auto x = linspace (-0.4, 1.2, 15);
  /* the input as a sensor log: a header, a time column, CRLF */
  std::string csv = "time,x0,x1,x2,x3,x4\r\n";
  for (size_t t = 0; t < 3; t++) {
    csv += "2024-01-0" + std::to_string (t + 1);
    for (size_t d = 0; d < 5; d++) {
      char buf[G_ASCII_DTOSTR_BUF_SIZE];
      g_ascii_formatd (buf, sizeof (buf), "%.9g", x[t * 5 + d]);
      csv += std::string (",") + buf;
    }
    csv += "\r\n";
  }
  std::string in = dir.file ("x.csv"), out = dir.file ("out.csv");
  write_file (in, csv);
  std::string first;
  for (int bs : { 4096, 7, 13, 1 }) {
    std::string desc = "filesrc location=" + in + " blocksize=" +
        std::to_string (bs) + " ! csvdec ! lstm model=" + model +
        " ! csvenc precision=9 ! filesink location=" + out;
    ASSERT_EQ (run_pipeline (desc), "") << desc;
    auto bytes = read_file (out);
    std::string text (bytes.begin (), bytes.end ());
    if (first.empty ()) {
      first = text;
      auto h = parse_csv_floats (text);
      double e = max_abs_diff (h, kSeedQ6H);
      EXPECT_LT (e, kTol) << "largest error " << e << " in\n" << text;
    }
    EXPECT_EQ (text, first) << "blocksize " << bs;
  }
  rnc_model_free (m);
}

TEST (SeedPipelines, AirPassengersThroughCsvdecAndCsvenc)
{
  RNC_REQUIRE_SHARED_DATA (data);
  TempDir dir;
  std::string out = dir.file ("out.csv");
  std::string desc = "filesrc location=" + data +
      "/timeseries/AirPassengers.csv blocksize=13 ! csvdec column=value ! "
      "csvenc ! filesink location=" + out;
  ASSERT_EQ (run_pipeline (desc), "");
  auto bytes = read_file (out);
  auto v = parse_csv_floats (std::string (bytes.begin (), bytes.end ()));
  /* Box & Jenkins series G: 144 months, 112 in Jan 1949, 432 in Dec 1960 */
  ASSERT_EQ (v.size (), 144u);
  EXPECT_EQ (v.front (), 112.0f);
  EXPECT_EQ (v.back (), 432.0f);
}

/* Q8: the generator from two seeds with h0 = ones. Each seed is its own
 * stream: generate primes on the seed frame, then continues 3 frames. */
TEST (SeedPipelines, Q8GenerateFromEachSeed)
{
  const size_t D = 4, H = 5, T = 3;
  TempDir dir;
  RncModel *m = notebook_model (RNC_CELL_RNN, D, H, D);
  std::string model = save_model (m, dir.file ("q8.safetensors"));
  auto seeds = linspace (-0.1, 0.3, 2 * D);
  for (size_t n = 0; n < 2; n++) {
    std::string in = dir.file ("seed" + std::to_string (n) + ".f32");
    write_floats (in, slice (seeds, n * D, (n + 1) * D));
    for (const char *blocksize : { "", "blocksize=5" }) {
      auto seq = run_frames (dir, in, D, "generate model=" + model +
          " initial-state=ones length=3", blocksize);
      ASSERT_EQ (seq.size (), T * D);
      double e = max_abs_diff (seq, slice (kSeedQ8, n * T * D,
              (n + 1) * T * D));
      EXPECT_LT (e, kTol) << "seed " << n << ", largest error " << e;
    }
  }
  rnc_model_free (m);
}

TEST (SeedPipelines, ABadModelStopsThePipelineWithAnErrorNamingIt)
{
  TempDir dir;
  std::string x = dir.file ("x.f32"), bad = dir.file ("bad.safetensors");
  write_floats (x, linspace (-0.1, 0.3, 12));
  write_file (bad, std::string ("\x10\0\0\0\0\0\0\0{\"a\":[1,2", 17));
  for (const std::string &model : { bad, dir.file ("missing.safetensors") }) {
    std::string err = run_pipeline ("filesrc location=" + x +
        " ! other/x-frames,format=F32LE,width=4 ! rnn model=" + model +
        " ! fakesink");
    EXPECT_NE (err.find ("Could not load model \"" + model + "\""),
        std::string::npos) << err;
  }
}
