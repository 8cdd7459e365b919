/* rnc-info: what it prints about models whose content the test knows (built
 * here, trained by rnc-train, exported by torch), and its errors. */
#include "rnc-test-util.h"
#include "rnc-train-test-util.h"

#include "rnc.h"
#include "rnc-model-io.h"

#include <glib/gstdio.h>
#include <sys/wait.h>

#include <set>
#include <string>
#include <vector>

using rnc_test::ToolRun;

namespace {

ToolRun
run_info (const std::vector<std::string> &args)
{
  const char *exe = g_getenv ("RNC_INFO");
  const char *root = g_getenv ("RNC_BUILD_ROOT");
  std::string path = exe && *exe ? exe :
      std::string (root ? root : "build") + "/tools/rnc-info";
  std::vector<char *> argv = { (char *) path.c_str () };
  for (auto &a : args)
    argv.push_back ((char *) a.c_str ());
  argv.push_back (nullptr);
  gchar *out = nullptr, *err = nullptr;
  gint status = -1;
  GError *e = nullptr;
  if (!g_spawn_sync (nullptr, argv.data (), nullptr, G_SPAWN_DEFAULT, nullptr,
          nullptr, &out, &err, &status, &e)) {
    ToolRun r = { -1, "", e->message };
    g_error_free (e);
    return r;
  }
  ToolRun r = { WIFEXITED (status) ? WEXITSTATUS (status) : -1,
    out ? out : "", err ? err : "" };
  g_free (out);
  g_free (err);
  return r;
}

bool
has (const std::string &s, const std::string &what)
{
  return s.find (what) != std::string::npos;
}

struct TempDir {
  TempDir () : path (g_dir_make_tmp ("rnc-info-test-XXXXXX", nullptr)) {}
  ~TempDir ()
  {
    for (auto &f : files)
      g_unlink (f.c_str ());
    g_rmdir (path);
    g_free (path);
  }
  std::string file (const std::string &name)
  {
    files.push_back (std::string (path) + "/" + name);
    return files.back ();
  }
  char *path;
  std::vector<std::string> files;
};

} // namespace

TEST (RncInfo, PrintsTheConfigurationAndMetadataOfABuiltModel)
{
  TempDir d;
  RncModelConfig c = { RNC_CELL_LSTM, RNC_INPUT_INDEX, RNC_HEAD_CLASSES,
    6, 3, 5, 2, 6 };
  g_autoptr (GError) err = nullptr;
  g_autoptr (RncModel) m = rnc_model_new (&c, &err);
  ASSERT_NE (m, nullptr);
  rnc_model_set_metadata (m, "rnc.vocab", "[\"<unk>\", \"a\", \"b\", \"c\", "
      "\"d\", \"e\"]");
  rnc_model_set_metadata (m, "rnc.labels", "[\"x\", \"y\"]");
  rnc_model_set_metadata (m, "rnc.train.task", "lm");
  rnc_model_set_metadata (m, "user.note", std::string (300, 'z').c_str ());
  std::string path = d.file ("m.safetensors");
  ASSERT_TRUE (rnc_model_save (m, path.c_str (), &err)) << err->message;

  ToolRun r = run_info ({ path });
  ASSERT_EQ (r.status, 0) << r.err;
  EXPECT_TRUE (has (r.out, "cell: lstm\n")) << r.out;
  EXPECT_TRUE (has (r.out, "layers: 2\n")) << r.out;
  EXPECT_TRUE (has (r.out, "hidden size: 5\n")) << r.out;
  EXPECT_TRUE (has (r.out, "input: index (token ids below 6)\n")) << r.out;
  EXPECT_TRUE (has (r.out, "embedding: 6 x 3\n")) << r.out;
  EXPECT_TRUE (has (r.out, "head: classes, 6 outputs\n")) << r.out;
  /* E*V + layer 0 (3+5+1)*20 + layer 1 (5+5+1)*20 + head 5*6+6 */
  EXPECT_TRUE (has (r.out, "parameters: " + std::to_string (18 + 180 + 220
              + 36) + "\n")) << r.out;
  EXPECT_TRUE (has (r.out, "vocabulary: 6 entries (inline)\n")) << r.out;
  EXPECT_TRUE (has (r.out, "labels: 2 entries (inline)\n")) << r.out;
  EXPECT_TRUE (has (r.out, "  task: lm\n")) << r.out;
  /* a long value is cut, --full prints it whole */
  EXPECT_TRUE (has (r.out, "user.note: " + std::string (100, 'z')
          + "... (300 characters)\n")) << r.out;
  r = run_info ({ "--full", path });
  ASSERT_EQ (r.status, 0) << r.err;
  EXPECT_TRUE (has (r.out, "user.note: " + std::string (300, 'z') + "\n"));
}

TEST (RncInfo, SaysWhatRncTrainTrainedTheModelOn)
{
  TempDir d;
  std::string text;
  for (int i = 0; i < 20; i++)
    text += "the cat sat on the mat. ";
  std::string data = d.file ("text.txt");
  ASSERT_TRUE (g_file_set_contents (data.c_str (), text.c_str (), -1,
          nullptr));
  std::string model = d.file ("lm.safetensors");
  ToolRun t = rnc_test::run_rnc_train ({ "lm", "--data", data, "--tokenize",
      "char", "--hidden", "4", "--epochs", "1", "--window", "8", "-o",
      model, "--quiet" });
  ASSERT_EQ (t.status, 0) << t.err;

  ToolRun r = run_info ({ model });
  ASSERT_EQ (r.status, 0) << r.err;
  /* the distinct characters of the text, and <unk> */
  std::set<char> chars (text.begin (), text.end ());
  EXPECT_TRUE (has (r.out, "vocabulary: " + std::to_string (chars.size () + 1)
          + " entries (inline)\n")) << r.out;
  EXPECT_TRUE (has (r.out, "input: index (token ids below "
          + std::to_string (chars.size () + 1) + ")\n")) << r.out;
  EXPECT_TRUE (has (r.out, "  task: lm\n")) << r.out;
  EXPECT_TRUE (has (r.out, "  command: rnc-train 'lm' '--data' '" + data
          + "'")) << r.out;
  EXPECT_TRUE (has (r.out, "  tokenize: char\n")) << r.out;
}

TEST (RncInfo, APyTorchFileHasNoTrainingRecord)
{
  std::string path = std::string (g_getenv ("RNC_TEST_DATA"))
      + "/torch-lstm.safetensors";
  ToolRun r = run_info ({ path });
  ASSERT_EQ (r.status, 0) << r.err;
  /* 2-layer nn.LSTM(5, 7) + nn.Linear(7, 3) (tests/data/gen-torch-fixtures.py) */
  EXPECT_TRUE (has (r.out, "cell: lstm\nlayers: 2\nhidden size: 7\n"
          "input: dense (frames of 5)\n")) << r.out;
  EXPECT_TRUE (has (r.out, "head: regression, 3 outputs\n")) << r.out;
  EXPECT_TRUE (has (r.out, "trained on: unknown")) << r.out;
}

TEST (RncInfo, ErrorsAndUsage)
{
  TempDir d;
  std::string bad = d.file ("bad.safetensors");
  ASSERT_TRUE (g_file_set_contents (bad.c_str (), "12345", 5, nullptr));
  ToolRun r = run_info ({ bad });
  EXPECT_EQ (r.status, 1);
  EXPECT_TRUE (has (r.err, "rnc-info: " + bad + ":")) << r.err;
  r = run_info ({ d.file ("missing.safetensors") });
  EXPECT_EQ (r.status, 1);
  EXPECT_TRUE (has (r.err, "cannot open")) << r.err;
  r = run_info ({});
  EXPECT_EQ (r.status, 2);
  EXPECT_TRUE (has (r.err, "usage")) << r.err;
  r = run_info ({ "--bogus", bad });
  EXPECT_EQ (r.status, 2);
  r = run_info ({ "--help" });
  EXPECT_EQ (r.status, 0);
  EXPECT_TRUE (has (r.out, "usage: rnc-info")) << r.out;
}
