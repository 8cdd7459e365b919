/* The seed notebook's vectors through whole pipelines: Q2, Q3 and Q6 from a
 * zero state, Q1 and Q5 from state files (initial-state=file), csvdec ! lstm
 * ! csvenc, and filesrc block sizes. Models are written from the notebook's
 * linspace weights; expected values are the notebook's printed arrays (the
 * same as tests/lib/test-seed-vectors.cc), never this code's output. */
#include "recurrent-test-util.h"

using namespace rnc_test;

namespace {

/* The notebook's check is a sum of squared errors ~1e-14; 2e-6 per value is
 * the print precision of its expected float32 arrays. */
constexpr double kTol = 2e-6;

const std::vector<float> kQ1NextH = {
  -0.58172089f, -0.50182032f, -0.41232771f, -0.31410098f,
  0.66854692f, 0.79562378f, 0.87755553f, 0.92795967f,
  0.97934501f, 0.99144213f, 0.99646691f, 0.99854353f };
const std::vector<float> kQ2H = {
  -0.5902114f, -0.4492275f, -0.28165027f, -0.09492856f, 0.09872047f,
  -0.2199841f, -0.03843261f, 0.14569218f, 0.32024875f, 0.47546807f,
  -0.52540594f, -0.32617706f, -0.09304047f, 0.15076531f, 0.37751395f };
const std::vector<float> kQ3Y = {
  -0.25844076f, 0.4618572f, -0.6047536f, 0.22198313f, -0.34340593f, 0.41551694f,
  -0.29477337f, 0.44697136f, -0.6169102f, 0.22335273f, -0.3735f, 0.40507644f };
const std::vector<float> kQ5NextH = {
  0.2504206f, 0.3178399f, 0.37452143f, 0.39561146f, 0.50878483f,
  0.61119807f, 0.34590057f, 0.526227f, 0.6923673f };
const std::vector<float> kQ5NextC = {
  0.3342887f, 0.44137198f, 0.5436997f, 0.55522066f, 0.7301363f,
  0.914896f, 0.46848923f, 0.71435446f, 1.0070218f };
const std::vector<float> kQ6H = {
  0.544338f, 0.5421794f, 0.54000026f, 0.53780025f,
  0.7619797f, 0.79446f, 0.82151794f, 0.8438525f,
  0.69012046f, 0.78758657f, 0.8571147f, 0.9037268f };

void
fill (float *dst, const std::vector<float> &src)
{
  std::copy (src.begin (), src.end (), dst);
}

RncModel *
seed_model (RncCell cell, size_t D, size_t H, size_t Q)
{
  RncModelConfig c = {};
  c.cell = cell;
  c.input = RNC_INPUT_DENSE;
  c.head = Q ? RNC_HEAD_REGRESSION : RNC_HEAD_NONE;
  c.input_size = D;
  c.hidden_size = H;
  c.num_layers = 1;
  c.output_size = Q;
  return rnc_model_new (&c, nullptr);
}

/* Q2/Q3's RNN (D=4, H=5) with or without the Q3 head. */
RncModel *
q2_model (bool head)
{
  RncModel *m = seed_model (RNC_CELL_RNN, 4, 5, head ? 2 : 0);
  const RncParamViews *v = rnc_model_get_views (m);
  fill (v->layer[0].Wx, linspace (-0.2, 0.4, 20));
  fill (v->layer[0].Wh, linspace (-0.4, 0.1, 25));
  fill (v->layer[0].bh, linspace (-0.7, 0.1, 5));
  if (head) {
    fill (v->Wo, linspace (-0.4, 0.1, 10));
    fill (v->bo, linspace (-0.7, 0.1, 2));
  }
  return m;
}

/* The LSTM weights of Q5 (D=4, H=3) and Q6 (D=5, H=4). */
RncModel *
lstm_model (size_t D, size_t H)
{
  RncModel *m = seed_model (RNC_CELL_LSTM, D, H, 0);
  const RncParamViews *v = rnc_model_get_views (m);
  fill (v->layer[0].Wx, linspace (-2.1, 1.3, 4 * D * H));
  fill (v->layer[0].Wh, linspace (-0.7, 2.2, 4 * H * H));
  fill (v->layer[0].bh, linspace (0.3, 0.7, 4 * H));
  return m;
}

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
  RncModel *m = q2_model (false);
  std::string model = save_model (m, dir.file ("q2.safetensors"));
  std::string x = dir.file ("x.f32");
  write_floats (x, linspace (-0.1, 0.3, 12));
  auto h = run_frames (dir, x, 4, "rnn model=" + model + " output=hidden");
  double e = max_abs_diff (h, kQ2H);
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
  RncModel *m = q2_model (true);
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
  double e = max_abs_diff (y, kQ3Y);
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
  e = max_abs_diff (y2, kQ3Y);
  EXPECT_LT (e, kTol) << "largest error " << e << " in\n" << text;
  gst_harness_teardown (h);
  rnc_model_free (m);
}

TEST (SeedPipelines, Q6LstmHiddenStatesFromZeroAtAnyBlockSize)
{
  TempDir dir;
  RncModel *m = lstm_model (5, 4);
  std::string model = save_model (m, dir.file ("q6.safetensors"));
  std::string x = dir.file ("x.f32");
  write_floats (x, linspace (-0.4, 1.2, 15));
  auto h = run_frames (dir, x, 5, "lstm model=" + model);
  double e = max_abs_diff (h, kQ6H);
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
  RncModel *m = seed_model (RNC_CELL_RNN, D, H, 0);
  const RncParamViews *v = rnc_model_get_views (m);
  fill (v->layer[0].Wx, linspace (-0.1, 0.9, D * H));
  fill (v->layer[0].Wh, linspace (-0.3, 0.7, H * H));
  fill (v->layer[0].bh, linspace (-0.2, 0.4, H));
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
    auto want = slice (kQ1NextH, n * H, (n + 1) * H);
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
  RncModel *m = lstm_model (D, H);
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
    double e = max_abs_diff (h, slice (kQ5NextH, n * H, (n + 1) * H));
    EXPECT_LT (e, kTol) << "row " << n << ", next_h largest error " << e;
    RncState *after = rnc_state_new (m, 1, 0);
    ASSERT_TRUE (rnc_state_load_initial (after, state.c_str (), nullptr));
    rnc_state_reset (after);
    e = max_abs_diff (rnc_state_peek_c (after), kQ5NextC.data () + n * H, H);
    EXPECT_LT (e, kTol) << "row " << n << ", saved next_c largest error " << e;
    rnc_state_free (after);
  }
  rnc_model_free (m);
}

TEST (SeedPipelines, CsvdecLstmCsvencGivesQ6AtAnyBlockSize)
{
  TempDir dir;
  RncModel *m = lstm_model (5, 4);
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
      double e = max_abs_diff (h, kQ6H);
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
  const std::vector<float> kQ8 = {
    0.11289829f, 0.28615662f, 0.45941496f, 0.6326734f,
    -1.1034914f, -0.76390266f, -0.4243139f, -0.08472518f,
    -0.09742844f, 0.10508922f, 0.30760697f, 0.5101247f,
    0.09427071f, 0.27482215f, 0.4553734f, 0.6359247f,
    -1.0948822f, -0.75592315f, -0.41696408f, -0.07800511f,
    -0.10287851f, 0.10063282f, 0.30414408f, 0.5076554f };
  TempDir dir;
  RncModel *m = seed_model (RNC_CELL_RNN, D, H, D);
  const RncParamViews *v = rnc_model_get_views (m);
  fill (v->layer[0].Wx, linspace (-0.2, 0.4, D * H));
  fill (v->layer[0].Wh, linspace (-0.4, 0.1, H * H));
  fill (v->layer[0].bh, linspace (-0.7, 0.1, H));
  fill (v->Wo, linspace (-0.4, 0.1, H * D));
  fill (v->bo, linspace (-0.7, 0.1, D));
  std::string model = save_model (m, dir.file ("q8.safetensors"));
  auto seeds = linspace (-0.1, 0.3, 2 * D);
  for (size_t n = 0; n < 2; n++) {
    std::string in = dir.file ("seed" + std::to_string (n) + ".f32");
    write_floats (in, slice (seeds, n * D, (n + 1) * D));
    for (const char *blocksize : { "", "blocksize=5" }) {
      auto seq = run_frames (dir, in, D, "generate model=" + model +
          " initial-state=ones length=3", blocksize);
      ASSERT_EQ (seq.size (), T * D);
      double e = max_abs_diff (seq, slice (kQ8, n * T * D, (n + 1) * T * D));
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
