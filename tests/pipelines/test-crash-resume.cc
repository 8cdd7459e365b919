/* Crash recovery through real processes (docs/checkpoints.md): gst-launch-1.0
 * runs lstm with checkpoint-frames=1 over a large input and is killed with
 * SIGKILL at random moments; after every kill the state file loads and
 * holds exactly the state of the frames its position says (reference: the
 * library run from zero over those frames). Then a restarted pipeline with
 * resume=true gives, byte for byte, the tail of the uninterrupted run. */
#include "recurrent-test-util.h"
#include "test-process-util.h"

#include <glib/gstdio.h>
#include <random>
#include <set>

using namespace rnc_test;

namespace {

const size_t D = 2, H = 16, Q = 2;
const size_t FRAMES = 100000;   /* 800 kB of input */

struct CrashRig : SavedModel
{
  std::string input, state;
  std::vector<float> x;

  CrashRig ()
  {
    model = random_model (RNC_CELL_LSTM, RNC_INPUT_DENSE, D, 0, H, 1,
        RNC_HEAD_REGRESSION, Q, 77, 0.7f);
    save ("m.safetensors");
    x = normal_vec (FRAMES * D, 78);
    input = dir.file ("in.f32");
    write_file (input, x.data (), x.size () * sizeof (float));
    state = dir.file ("s.state");
  }

  /* The launch line, without "gst-launch-1.0". */
  std::vector<std::string> pipeline (const std::string &lstm_props,
      const std::string &sink, size_t blocksize) const
  {
    std::string desc = "filesrc location=" + input + " blocksize=" +
        std::to_string (blocksize) + " ! other/x-frames,format=F32LE,width="
        + std::to_string (D) + ",framerate=0/1 ! lstm model=" + path + " "
        + lstm_props + " ! " + sink;
    return split_args (desc);
  }
};

/* The state after the first @n frames, run by the library from zero. */
std::vector<float>
reference_state (const RncModel *m, const std::vector<float> &x, size_t n)
{
  RncState *s = rnc_state_new (m, 1, 0);
  if (n > 0)
    rnc_forward (s, x.data (), n, nullptr, nullptr);
  std::vector<float> v (rnc_state_peek_h (s), rnc_state_peek_h (s) + H);
  v.insert (v.end (), rnc_state_peek_c (s), rnc_state_peek_c (s) + H);
  rnc_state_free (s);
  return v;
}

}  // namespace

TEST (CrashResume, SigkillDuringCheckpointsNeverLeavesABadFile)
{
  std::string launch = gst_launch_path ();
  if (launch.empty ())
    GTEST_SKIP () << "gst-launch-1.0 is not installed";
  CrashRig s;
  /* 50 frames per buffer: a checkpoint (write, fsync, rename) per buffer */
  auto args = s.pipeline ("state-location=" + s.state +
      " checkpoint-frames=1", "fakesink", 50 * D * 4);
  std::mt19937 rng (2026);
  std::uniform_int_distribution<int> delay_ms (30, 600);
  std::set<guint64> positions;
  int killed_mid_write = 0, finished = 0;
  const int iterations = 60;
  RncState *probe = rnc_state_new (s.model, 1, 0);

  for (int it = 0; it < iterations; it++) {
    Child c = spawn (launch, args);
    ASSERT_GT (c.pid, 0);
    g_usleep ((gulong) delay_ms (rng) * 1000);
    bool was_running = kill_child (c, SIGKILL);
    if (!was_running)
      finished++;
    if (rnc_test::path_exists (s.state + ".tmp"))
      killed_mid_write++;
    if (!rnc_test::path_exists (s.state))
      continue;               /* killed before the first checkpoint */

    /* the file loads ... */
    GError *err = nullptr;
    RncStateFile *f = rnc_state_file_load (probe, s.state.c_str (), &err);
    ASSERT_NE (f, nullptr) << "iteration " << it << ": " << err->message;
    guint64 P = 0;
    ASSERT_TRUE (rnc_state_file_get_position (f, &P));
    ASSERT_LE (P, FRAMES);
    EXPECT_EQ (P % 50, 0u) << "written at a buffer boundary";
    positions.insert (P);
    rnc_state_file_free (f);
    /* ... and holds exactly the state after P frames */
    ASSERT_TRUE (rnc_state_load_initial (probe, s.state.c_str (), &err));
    rnc_state_reset (probe);
    std::vector<float> got (rnc_state_peek_h (probe),
        rnc_state_peek_h (probe) + H);
    got.insert (got.end (), rnc_state_peek_c (probe),
        rnc_state_peek_c (probe) + H);
    auto want = reference_state (s.model, s.x, (size_t) P);
    EXPECT_LT (max_abs_diff (got, want), 1e-6) << "iteration " << it
        << ", position " << P;
  }
  rnc_state_free (probe);
  std::printf ("%d kills: %zu distinct checkpoint positions (last %"
      G_GUINT64_FORMAT "), %d kills left a temporary file, %d runs had "
      "finished\n", iterations, positions.size (),
      positions.empty () ? 0 : *positions.rbegin (), killed_mid_write,
      finished);
  /* the kills landed while checkpoints were being written */
  EXPECT_GE (positions.size (), (size_t) iterations / 3);

  /* resume from the last kill's file equals the uninterrupted tail */
  GError *err = nullptr;
  RncState *st = rnc_state_new (s.model, 1, 0);
  RncStateFile *f = rnc_state_file_load (st, s.state.c_str (), &err);
  ASSERT_NE (f, nullptr) << err->message;
  guint64 P = 0;
  rnc_state_file_get_position (f, &P);
  rnc_state_file_free (f);
  rnc_state_free (st);
  ASSERT_GT (P, 0u);
  ASSERT_LT (P, FRAMES);

  std::string full = s.dir.file ("full.f32"), tail = s.dir.file ("tail.f32");
  EXPECT_EQ (run_pipeline (join_args (s.pipeline ("", "filesink location=" +
                  full, 4096))), "");
  /* another buffer size: partial frames in the resumed run */
  std::string log = s.dir.file ("resume.log");
  int status = run_child (launch, s.pipeline ("initial-state=file "
          "resume=true state-location=" + s.state, "filesink location=" + tail,
          1000), 120, log);
  EXPECT_EQ (status, 0) << read_text (log);
  auto a = read_file (full), b = read_file (tail);
  ASSERT_EQ (a.size (), FRAMES * Q * 4);
  ASSERT_EQ (b.size (), (FRAMES - P) * Q * 4) << "resumed at " << P;
  EXPECT_TRUE (std::equal (b.begin (), b.end (), a.begin () + P * Q * 4))
      << "the resumed output must be the uninterrupted run's tail";
  /* it saved the final state at EOS */
  st = rnc_state_new (s.model, 1, 0);
  f = rnc_state_file_load (st, s.state.c_str (), &err);
  ASSERT_NE (f, nullptr);
  rnc_state_file_get_position (f, &P);
  EXPECT_EQ (P, FRAMES);
  rnc_state_file_free (f);
  rnc_state_free (st);
}
