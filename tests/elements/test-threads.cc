/* The `threads` property of rnn, lstm and generate: a large model's steps
 * split across two threads (threads=2) or split while that is measured to
 * be faster (threads=0, auto) give the outputs of threads=1 bit for bit,
 * over a stream cut into uneven buffers, for regression outputs, hidden
 * states and generate's horizon rollouts; the helper thread exists only
 * for models large enough to split and goes away with the element. */
#include "recurrent-test-util.h"

#include <cstring>
#include <dirent.h>
#include <fstream>

using namespace rnc_test;

namespace {

/* Threads of this process named like the library's split helper. */
int
count_split_threads ()
{
  int n = 0;
  DIR *d = opendir ("/proc/self/task");
  if (!d)
    return -1;
  while (struct dirent *e = readdir (d)) {
    if (e->d_name[0] == '.')
      continue;
    std::ifstream f (std::string ("/proc/self/task/") + e->d_name + "/comm");
    std::string comm;
    std::getline (f, comm);
    if (comm == "rnc-split")
      n++;
  }
  closedir (d);
  return n;
}

/* count_split_threads () once it equals @want, or after a second: a
 * joined thread can stay listed in /proc for a moment after its exit. */
int
settled_split_threads (int want)
{
  int n = count_split_threads ();
  for (int i = 0; i < 100 && n != want; i++) {
    g_usleep (10000);
    n = count_split_threads ();
  }
  return n;
}

struct Models
{
  TempDir dir;
  /* recurrent weights of 1 MiB and more: LSTM H=256, RNN H=512 */
  std::string lstm_big, rnn_big, lstm_small;
  const size_t D = 4;

  Models ()
  {
    RncModel *m = random_model (RNC_CELL_LSTM, RNC_INPUT_DENSE, D, 0, 256, 2,
        RNC_HEAD_REGRESSION, D, 31, 0.7f);
    /* small weights keep the 256 units away from saturation */
    scale_params (m, 0.1f);
    lstm_big = save_model (m, dir.file ("lstm-big.safetensors"));
    rnc_model_free (m);
    m = random_model (RNC_CELL_RNN, RNC_INPUT_DENSE, D, 0, 512, 1,
        RNC_HEAD_REGRESSION, 2, 32, 0.7f);
    scale_params (m, 0.05f);
    rnn_big = save_model (m, dir.file ("rnn-big.safetensors"));
    rnc_model_free (m);
    m = random_model (RNC_CELL_LSTM, RNC_INPUT_DENSE, D, 0, 32, 1,
        RNC_HEAD_REGRESSION, D, 33, 0.7f);
    lstm_small = save_model (m, dir.file ("lstm-small.safetensors"));
    rnc_model_free (m);
  }
};

/* The bytes @desc outputs for @x pushed in buffers of 1, 7, 2, 13, ...
 * frames (then EOS). */
std::vector<uint8_t>
run (const std::string &desc, const std::vector<float> &x, size_t D)
{
  GstHarness *h = harness_new (desc);
  gst_harness_set_src_caps_str (h, frames_caps (D).c_str ());
  const size_t cuts[] = { 1, 7, 2, 13, 1, 1, 64, 3 };
  size_t T = x.size () / D, t = 0, k = 0;
  while (t < T) {
    size_t n = std::min (cuts[k++ % G_N_ELEMENTS (cuts)], T - t);
    EXPECT_EQ (push_frames (h, x, t, n, D), GST_FLOW_OK) << desc;
    t += n;
  }
  gst_harness_push_event (h, gst_event_new_eos ());
  auto out = pull_all_bytes (h);
  gst_harness_teardown (h);
  return out;
}

} // namespace

TEST (ElementThreads, SplitStepsGiveTheBitsOfOneThread)
{
  Models ms;
  auto x = normal_vec (300 * ms.D, 41);
  const std::string cases[] = {
    "lstm model=" + ms.lstm_big,
    "lstm model=" + ms.lstm_big + " output=hidden",
    "rnn model=" + ms.rnn_big,
    "rnn model=" + ms.rnn_big + " output=hidden window=5",
    "generate model=" + ms.lstm_big + " horizon=4",
  };
  for (const std::string &desc : cases) {
    auto one = run (desc + " threads=1", x, ms.D);
    ASSERT_FALSE (one.empty ()) << desc;
    for (const char *t : { " threads=2", " threads=0" }) {
      auto got = run (desc + t, x, ms.D);
      ASSERT_EQ (got.size (), one.size ()) << desc << t;
      EXPECT_EQ (memcmp (got.data (), one.data (), one.size ()), 0)
          << desc << t << ": outputs differ from threads=1";
    }
  }
}

/* The split results are also the model's: a sanity check against the
 * scalar reference path, so that "identical" above cannot mean "equally
 * wrong". */
TEST (ElementThreads, SplitOutputsMatchTheReferencePath)
{
  Models ms;
  auto x = normal_vec (120 * ms.D, 42);
  GError *err = nullptr;
  RncModel *m = rnc_model_load (ms.lstm_big.c_str (), &err);
  ASSERT_NE (m, nullptr) << (err ? err->message : "");
  auto want = reference (m, x, true);
  auto got = bytes_as<float> (run ("lstm output=hidden threads=2 model=" +
          ms.lstm_big, x, ms.D));
  ASSERT_EQ (got.size (), want.size ());
  EXPECT_LT (max_abs_diff (got, want), 1e-5);
  rnc_model_free (m);
}

TEST (ElementThreads, HelperThreadOnlyForLargeModelsAndOnlyWhileRunning)
{
  if (count_split_threads () < 0)
    GTEST_SKIP () << "no /proc/self/task";
  Models ms;
  ASSERT_EQ (settled_split_threads (0), 0);
  struct Case
  {
    std::string desc;
    int want;
  } cases[] = {
    {"lstm threads=2 model=" + ms.lstm_big, 1},
    {"lstm threads=0 model=" + ms.lstm_big, 1},
    {"rnn threads=2 model=" + ms.rnn_big, 1},
    /* generate's rollout state shares the true state's helper */
    {"generate horizon=3 threads=2 model=" + ms.lstm_big, 1},
    {"lstm threads=1 model=" + ms.lstm_big, 0},
    {"lstm threads=2 model=" + ms.lstm_small, 0},
    {"generate horizon=3 threads=0 model=" + ms.lstm_small, 0},
  };
  auto x = normal_vec (3 * ms.D, 43);
  for (const Case &c : cases) {
    GstHarness *h = harness_new (c.desc);
    gst_harness_set_src_caps_str (h, frames_caps (ms.D).c_str ());
    EXPECT_EQ (push_frames (h, x, 0, 3, ms.D), GST_FLOW_OK);
    EXPECT_EQ (settled_split_threads (c.want), c.want) << c.desc;
    gst_harness_teardown (h);
    EXPECT_EQ (settled_split_threads (0), 0) << c.desc
        << ": helper left behind";
  }
}

TEST (ElementThreads, PropertyDefaultsToAutoAndRefusesOutOfRange)
{
  for (const char *name : { "rnn", "lstm", "generate" }) {
    GstElement *e = gst_element_factory_make (name, nullptr);
    ASSERT_NE (e, nullptr) << name;
    guint t = 99;
    g_object_get (e, "threads", &t, nullptr);
    EXPECT_EQ (t, 0u) << name;
    GParamSpec *p = g_object_class_find_property (G_OBJECT_GET_CLASS (e),
        "threads");
    ASSERT_NE (p, nullptr);
    EXPECT_EQ (G_PARAM_SPEC_UINT (p)->maximum, 2u);
    EXPECT_TRUE (p->flags & GST_PARAM_MUTABLE_READY);
    gst_object_unref (e);
  }
}
