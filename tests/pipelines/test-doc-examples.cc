/* Every gst-launch-1.0 line of the elements' doc blocks runs as written, in
 * a folder prepared the way the doc blocks say (rnc-seed-model for the seed
 * models and inputs), with fdsink replaced by a filesink whose output must
 * not be empty. */
#include "recurrent-test-util.h"

#include <glib/gstdio.h>

#include <algorithm>

using namespace rnc_test;

namespace {

std::vector<std::string>
launch_lines (const std::string &element)
{
  auto bytes = read_file (source_root () + "/plugins/gst" + element + ".c");
  std::string src (bytes.begin (), bytes.end ());
  std::vector<std::string> lines;
  const std::string tag = " * gst-launch-1.0 ";
  size_t end = src.find ("*/", src.find ("SECTION:element-"));
  for (size_t at = src.find (tag); at != std::string::npos && at < end;
      at = src.find (tag, at + 1)) {
    size_t eol = src.find ('\n', at);
    lines.push_back (src.substr (at + tag.size (), eol - at - tag.size ()));
  }
  return lines;
}

void
replace_all (std::string &s, const std::string &from, const std::string &to)
{
  for (size_t at = s.find (from); at != std::string::npos;
      at = s.find (from, at + to.size ()))
    s.replace (at, from.size (), to);
}

void
seed_model (const std::string &dir, const char *which, const char *extra)
{
  std::string tool = std::string (g_getenv ("RNC_BUILD_ROOT") ?
      g_getenv ("RNC_BUILD_ROOT") : "build") + "/tools/rnc-seed-model";
  std::string cmd = tool + " " + which + " -o " + which + ".safetensors " +
      extra;
  gchar **argv = nullptr;
  ASSERT_TRUE (g_shell_parse_argv (cmd.c_str (), nullptr, &argv, nullptr));
  gint status = -1;
  GError *err = nullptr;
  ASSERT_TRUE (g_spawn_sync (dir.c_str (), argv, nullptr, G_SPAWN_DEFAULT,
          nullptr, nullptr, nullptr, nullptr, &status, &err))
      << (err ? err->message : "") << " " << cmd;
  EXPECT_TRUE (g_spawn_check_wait_status (status, nullptr)) << cmd;
  g_strfreev (argv);
}

} // namespace

class DocExamples : public ::testing::TestWithParam<const char *> {};

TEST_P (DocExamples, LaunchLinesRunAsWritten)
{
  const char *element = GetParam ();
  auto lines = launch_lines (element);
  ASSERT_FALSE (lines.empty ()) << element;
  std::string shared = shared_data_dir ();

  TempDir dir;
  seed_model (dir.path (), "q2", "--input q2.f32");
  seed_model (dir.path (), "q6", "--input q6.f32 --csv q6.csv");
  /* csvdec's sensor example: a time,value log and a one-input LSTM */
  std::string csv = "time,value\n";
  for (int i = 0; i < 50; i++)
    csv += "2024-01-01T00:" + std::to_string (10 + i) + "," +
        std::to_string (20.0 + 0.1 * i) + "\n";
  write_file (dir.file ("sensor.csv"), csv);
  RncModel *m = random_model (RNC_CELL_LSTM, RNC_INPUT_DENSE, 1, 0, 4, 1,
      RNC_HEAD_REGRESSION, 1, 3, 0.7f);
  save_model (m, dir.file ("m.safetensors"));
  rnc_model_free (m);
  /* generate's examples: the Q8 seed, the default models, a prompt */
  seed_model (dir.path (), "q8", "--input q8-seed0.f32 --row 0");
  for (const char *f : { "models/forecast.safetensors",
          "models/text.safetensors", "data/monthly.csv" }) {
    auto bytes = read_file (source_root () + "/pipelines/" + f);
    ASSERT_FALSE (bytes.empty ()) << f;
    write_file (dir.file (strrchr (f, '/') + 1), bytes.data (), bytes.size ());
  }
  write_file (dir.file ("prompt.txt"), "This program is free software");
  /* gru's examples: a PyTorch nn.GRU fixture (3 inputs) and a 3-column CSV */
  {
    auto bytes = read_file (source_root () +
        "/tests/data/torch-gru-1l.safetensors");
    ASSERT_FALSE (bytes.empty ());
    write_file (dir.file ("torch-gru-1l.safetensors"), bytes.data (),
        bytes.size ());
    std::string x = "a,b,c\n";
    for (int i = 0; i < 20; i++)
      x += std::to_string (0.1 * i) + "," + std::to_string (1.0 - 0.05 * i) +
          "," + std::to_string (0.3 * (i % 4)) + "\n";
    write_file (dir.file ("x.csv"), x);
  }

  gchar *cwd = g_get_current_dir ();
  ASSERT_EQ (g_chdir (dir.path ().c_str ()), 0);
  for (std::string line : lines) {
    if (line.find ("AirPassengers.csv") != std::string::npos) {
      if (shared.empty ()) {
        std::cout << "skipped (no ../shared/data): " << line << "\n";
        continue;
      }
      replace_all (line, "location=AirPassengers.csv",
          "location=" + shared + "/timeseries/AirPassengers.csv");
    }
    std::string out = dir.file ("out.txt");
    g_unlink (out.c_str ());
    /* the shell removes single quotes ('separator=""' keeps its "") */
    std::string desc = line;
    desc.erase (std::remove (desc.begin (), desc.end (), '\''), desc.end ());
    replace_all (desc, "! fdsink", "! filesink location=" + out);
    EXPECT_EQ (run_pipeline (desc), "") << line;
    EXPECT_FALSE (read_file (out).empty ()) << line;
  }
  EXPECT_EQ (g_chdir (cwd), 0);
  g_free (cwd);
}

INSTANTIATE_TEST_SUITE_P (Elements, DocExamples,
    ::testing::Values ("csvdec", "csvenc", "generate", "gru", "lstm", "rnn"));
