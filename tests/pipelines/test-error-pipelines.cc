/* The README's error pipelines, run many times in-process: every run must
 * end with the element error the README documents (never EOS, never a
 * timeout) and the pipeline must then go to NULL. This is the part of "no
 * hang after a data-stream error" that the elements own; gst-launch-1.0
 * 1.22 can still hang on any early error, stock elements' included, for a
 * reason of its own (a main-loop quit lost before the loop runs:
 * docs/reliability.md, tools/error-pipelines.sh measures it). Runs per
 * pipeline: RNC_ERROR_RUNS (default 300). */
#include "rnc-gst-test-util.h"
#include "rnc-test-util.h"

#include <chrono>
#include <cstdlib>

namespace {

struct ErrorCase {
  const char *name;
  const char *input;            /* file content */
  size_t input_size;
  const char *pipeline;         /* after "filesrc location=IN ! "; @M@ = models */
  const char *needle;           /* in "message | debug" */
};

const ErrorCase error_cases[] = {
  {"WidthMismatch", "a,b\n1,2\n", 8,
    "csvdec ! lstm model=@M@/forecast.safetensors ! fakesink",
    "expects frames of width 1"},
  {"CapsfilterRefusesWidth", "a,b\n1,2\n", 8,
    "csvdec ! capsfilter caps=other/x-frames,width=1 ! fakesink",
    "not-negotiated"},
  {"NotANumber", "v\n1\n2\nx\n", 8, "csvdec ! fakesink", "line 4"},
  {"IdOutsideVocabulary", "\xff\xff\xff\x7f", 4,
    "other/x-frames,format=S32LE,width=1 ! lstm model=@M@/text.safetensors "
    "! fakesink", "2147483647"},
  {"UnknownToken", "zqxj\n", 5,
    "vocab-encode vocab=@M@/text.safetensors unknown=error ! fakesink", "zqxj"},
  {"MissingModel", "a\n1\n", 4,
    "csvdec ! lstm model=@M@/nowhere.safetensors ! fakesink",
    "nowhere.safetensors"},
};

void
PrintTo (const ErrorCase &c, std::ostream *os)
{
  *os << c.name;
}

class ErrorPipeline : public ::testing::TestWithParam<ErrorCase> {};

int
runs ()
{
  const char *e = std::getenv ("RNC_ERROR_RUNS");
  int n = e ? std::atoi (e) : 300;
  return n > 0 ? n : 300;
}

} // namespace

TEST_P (ErrorPipeline, EndsWithItsErrorEveryTime)
{
  const ErrorCase &c = GetParam ();
  rnc_test::TempDir dir;
  std::string in = dir.file ("in");
  rnc_test::write_file (in, c.input, c.input_size);
  std::string desc = c.pipeline;
  std::string models = rnc_test::source_root () + "/pipelines/models";
  for (size_t at; (at = desc.find ("@M@")) != std::string::npos;)
    desc.replace (at, 3, models);
  desc = "filesrc location=" + in + " ! " + desc;

  int n = runs (), bad = 0;
  double worst = 0;
  for (int i = 0; i < n; i++) {
    auto t0 = std::chrono::steady_clock::now ();
    std::string r = rnc_test::run_pipeline (desc, 20 * GST_SECOND);
    double s = std::chrono::duration<double> (std::chrono::steady_clock::now ()
        - t0).count ();
    worst = std::max (worst, s);
    if (r.find (c.needle) == std::string::npos) {
      if (bad++ < 3)
        ADD_FAILURE () << "run " << i << ": '" << r << "'";
    }
  }
  std::printf ("    %d runs, %d without the error, slowest %.3f s\n", n, bad,
      worst);
  EXPECT_EQ (bad, 0);
}

INSTANTIATE_TEST_SUITE_P (Readme, ErrorPipeline,
    ::testing::ValuesIn (error_cases),
    [] (const ::testing::TestParamInfo<ErrorCase> &info) {
      return std::string (info.param.name);
    });
