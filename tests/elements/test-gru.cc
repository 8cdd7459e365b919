/* The gru element through GstHarness: the cell check, outputs equal to the
 * library's scalar reference and to torch's nn.GRU (a committed fixture),
 * any buffer split bit-identical, the state (h only) in state files. */
#include "recurrent-test-util.h"

#include "rnc-safetensors.h"

using namespace rnc_test;

namespace {

struct Fixture : SavedModel
{
  size_t D = 4, H = 21, Q = 3;

  Fixture ()
  {
    model = random_model (RNC_CELL_GRU, RNC_INPUT_DENSE, D, 0, H, 2,
        RNC_HEAD_REGRESSION, Q, 41, trained_scale (H));
    save ("gru.safetensors");
  }

  GstHarness *harness (const std::string &props = "",
      const char *framerate = "0/1")
  {
    return frames_harness ("gru", path, D, props, framerate);
  }
};

/* A model of @cell is refused by gru with an error naming file and cell. */
void
expect_refused (RncCell cell)
{
  TempDir dir;
  RncModel *m = random_model (cell, RNC_INPUT_DENSE, 2, 0, 3, 1,
      RNC_HEAD_NONE, 0, 1, 0.7f);
  std::string path = save_model (m, dir.file ("other.safetensors"));
  rnc_model_free (m);
  GstElement *e = gst_element_factory_make ("gru", nullptr);
  g_object_set (e, "model", path.c_str (), nullptr);
  BusWatch bus (e);
  EXPECT_EQ (gst_element_set_state (e, GST_STATE_PAUSED),
      GST_STATE_CHANGE_FAILURE);
  std::string err = bus.pop ();
  EXPECT_NE (err.find (path), std::string::npos) << err;
  EXPECT_NE (err.find (std::string ("use the ") + rnc_cell_to_string (cell)
          + " element"), std::string::npos) << err;
  gst_element_set_state (e, GST_STATE_NULL);
  gst_object_unref (e);
}

} // namespace

TEST (GstGru, RefusesRnnAndLstmModels)
{
  expect_refused (RNC_CELL_RNN);
  expect_refused (RNC_CELL_LSTM);
}

TEST (GstGru, LstmAndRnnElementsRefuseAGruModel)
{
  Fixture f;
  for (const char *factory : { "lstm", "rnn" }) {
    GstElement *e = gst_element_factory_make (factory, nullptr);
    g_object_set (e, "model", f.path.c_str (), nullptr);
    BusWatch bus (e);
    EXPECT_EQ (gst_element_set_state (e, GST_STATE_PAUSED),
        GST_STATE_CHANGE_FAILURE);
    std::string err = bus.pop ();
    EXPECT_NE (err.find ("use the gru element"), std::string::npos) << err;
    gst_element_set_state (e, GST_STATE_NULL);
    gst_object_unref (e);
  }
}

TEST (GstGru, OutputEqualsTheScalarReference)
{
  Fixture f;
  const size_t T = 30;
  auto x = normal_vec (T * f.D, 51);
  for (const char *output : { "prediction", "hidden" }) {
    bool hidden = g_str_equal (output, "hidden");
    auto want = reference (f.model, x, hidden);
    GstHarness *h = f.harness (std::string ("output=") + output);
    push_split (h, x, 28);
    auto out = pull_floats (h);
    ASSERT_EQ (out.size (), T * (hidden ? f.H : f.Q)) << output;
    double e = max_abs_diff (out, want);
    EXPECT_LT (e, 2e-6) << output << ": largest difference " << e;
    gst_harness_teardown (h);
  }
}

TEST (GstGru, AnyBufferSplitIsBitIdentical)
{
  Fixture f;
  const size_t T = 37;
  auto x = normal_vec (T * f.D, 52);
  GstHarness *h = f.harness ();
  push_split (h, x);
  auto whole = pull_all_bytes (h);
  gst_harness_teardown (h);
  /* byte steps cut frames and floats */
  for (size_t step : { 1, 3, 16, 17, 100 }) {
    h = f.harness ();
    push_split (h, x, step);
    EXPECT_TRUE (pull_all_bytes (h) == whole) << "step " << step;
    gst_harness_teardown (h);
  }
  /* two threads on a step large enough to split */
  const size_t D = 3, H = 300;
  TempDir dir;
  RncModel *big = random_model (RNC_CELL_GRU, RNC_INPUT_DENSE, D, 0, H, 1,
      RNC_HEAD_REGRESSION, 2, 53, trained_scale (H));
  std::string path = save_model (big, dir.file ("big.safetensors"));
  auto xb = normal_vec (12 * D, 54);
  std::vector<uint8_t> outs[2];
  for (int threads = 1; threads <= 2; threads++) {
    h = frames_harness ("gru", path, D, "threads=" + std::to_string (threads));
    push_split (h, xb, 4 * D * 3);
    outs[threads - 1] = pull_all_bytes (h);
    gst_harness_teardown (h);
  }
  EXPECT_FALSE (outs[0].empty ());
  EXPECT_TRUE (outs[0] == outs[1]) << "threads=2 must give the same bits";
  rnc_model_free (big);
}

TEST (GstGru, MatchesTorchNnGru)
{
  std::string dir = source_root () + "/tests/data/";
  std::string model = dir + "torch-gru.safetensors";
  g_autoptr (GMappedFile) io = g_mapped_file_new ((dir +
          "torch-gru-io.safetensors").c_str (), FALSE, nullptr);
  ASSERT_NE (io, nullptr);
  g_autoptr (RncSafetensors) st = rnc_safetensors_parse (
      (const guint8 *) g_mapped_file_get_contents (io),
      g_mapped_file_get_length (io), "torch-gru-io", nullptr);
  ASSERT_NE (st, nullptr);
  auto get = [&] (const char *name) {
    const RncTensorInfo *t = rnc_safetensors_lookup (st, name);
    std::vector<float> v;
    if (t) {
      v.resize (t->n_elements);
      rnc_tensor_info_copy (t, v.data ());
    }
    return v;
  };
  auto x = get ("x"), y = get ("y");
  ASSERT_EQ (x.size (), 15u * 5);
  ASSERT_EQ (y.size (), 15u * 3);
  GstHarness *h = frames_harness ("gru", model, 5, "");
  push_split (h, x, 24);
  auto out = pull_floats (h);
  ASSERT_EQ (out.size (), y.size ());
  double e = max_abs_diff (out, y);
  EXPECT_LT (e, 1e-5) << "largest difference from torch " << e;
  gst_harness_teardown (h);
}

TEST (GstGru, StateFileCutInTwoEqualsTheUncutRun)
{
  Fixture f;
  const size_t A = 13, B = 17;
  auto x = normal_vec ((A + B) * f.D, 55);
  std::string state = f.dir.file ("state.safetensors");

  GstHarness *h = f.harness ();
  push_split (h, x, 36);
  auto uncut = pull_all_bytes (h);
  gst_harness_teardown (h);

  h = f.harness ("state-location=" + state);
  push_split (h, slice (x, 0, A * f.D), 36);
  gst_harness_push_event (h, gst_event_new_eos ());
  auto part1 = pull_all_bytes (h);
  gst_harness_teardown (h);

  /* the file holds state.h only, (L, H), for a gru */
  g_autoptr (GMappedFile) mf = g_mapped_file_new (state.c_str (), FALSE,
      nullptr);
  ASSERT_NE (mf, nullptr);
  g_autoptr (RncSafetensors) st = rnc_safetensors_parse (
      (const guint8 *) g_mapped_file_get_contents (mf),
      g_mapped_file_get_length (mf), "state", nullptr);
  ASSERT_NE (st, nullptr);
  EXPECT_NE (rnc_safetensors_lookup (st, "state.h"), nullptr);
  EXPECT_EQ (rnc_safetensors_lookup (st, "state.c"), nullptr);
  EXPECT_STREQ (rnc_safetensors_get_metadata (st, "rnc.cell"), "gru");

  h = f.harness ("initial-state=file state-location=" + state);
  push_split (h, slice (x, A * f.D, (A + B) * f.D), 36);
  auto part2 = pull_all_bytes (h);
  gst_harness_teardown (h);

  part1.insert (part1.end (), part2.begin (), part2.end ());
  EXPECT_TRUE (part1 == uncut) << "the resumed run must be bit-identical";
}
