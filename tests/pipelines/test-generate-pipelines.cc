/* generate in whole pipelines: text through tokenize ! vocab-encode !
 * generate ! vocab-decode with a language model that carries its vocabulary,
 * and CSV through csvdec ! generate horizon=N ! csvenc, against references
 * computed on the library's scalar path in the test. */
#include "recurrent-test-util.h"

#include <algorithm>
#include <sstream>

using namespace rnc_test;

namespace {

const std::vector<std::string> kVocab = { "<unk>", "the", "cat", "sat", "on",
  "mat", ".", "a", "dog", "ran", "away" };

std::string
json_list (const std::vector<std::string> &v)
{
  std::string s = "[";
  for (size_t i = 0; i < v.size (); i++)
    s += (i ? ",\"" : "\"") + v[i] + "\"";
  return s + "]";
}

struct TextFixture : SavedModel
{
  std::string prompt;

  TextFixture ()
  {
    model = random_model (RNC_CELL_LSTM, RNC_INPUT_INDEX, kVocab.size (), 0,
        12, 1, RNC_HEAD_CLASSES, kVocab.size (), 41, 0.7f);
    scale_params (model, 3.0f);
    rnc_model_set_metadata (model, "rnc.vocab", json_list (kVocab).c_str ());
    rnc_model_set_metadata (model, "rnc.labels", json_list (kVocab).c_str ());
    save ("lm.safetensors");
    prompt = dir.file ("prompt.txt");
    /* "zebra" is not in the vocabulary: <unk> */
    write_file (prompt, "the zebra sat on\n");
  }

  std::string run (const std::string &generate, const char *src = "")
  {
    std::string out = dir.file ("out.txt");
    std::string desc = "filesrc location=" + prompt + " " + src +
        " ! tokenize ! vocab-encode vocab=" + path + " unknown=unk ! "
        "generate model=" + path + " " + generate + " ! vocab-decode vocab=" +
        path + " separator=\" \" ! filesink location=" + out;
    EXPECT_EQ (run_pipeline (desc), "") << desc;
    auto b = read_file (out);
    return std::string (b.begin (), b.end ());
  }
};

} // namespace

TEST (GeneratePipelines, PromptedTextIsTheGreedyContinuation)
{
  TextFixture f;
  std::vector<int32_t> prompt = { 1, 0, 3, 4 };   /* the <unk> sat on */
  std::string want;
  for (int32_t id : ref_greedy (f.model, prompt, 15))
    want += kVocab[id] + " ";
  EXPECT_EQ (f.run ("length=15 temperature=0"), want);
  /* any split of the text, and top-k=1 at any temperature */
  EXPECT_EQ (f.run ("length=15 temperature=0", "blocksize=3"), want);
  EXPECT_EQ (f.run ("length=15 temperature=2 top-k=1 seed=5"), want);
}

TEST (GeneratePipelines, SeededSamplingAndStopId)
{
  TextFixture f;
  std::string a = f.run ("length=40 temperature=1.5 seed=11");
  EXPECT_EQ (f.run ("length=40 temperature=1.5 seed=11", "blocksize=5"), a);
  EXPECT_NE (f.run ("length=40 temperature=1.5 seed=12"), a);
  std::istringstream words (a);
  std::vector<std::string> w;
  for (std::string t; words >> t;)
    w.push_back (t);
  ASSERT_EQ (w.size (), 40u);
  /* stop at the first "." drawn (id 6), written */
  auto dot = std::find (w.begin (), w.end (), ".");
  ASSERT_NE (dot, w.end ()) << a;
  std::string want;
  for (auto it = w.begin (); it <= dot; ++it)
    want += *it + " ";
  EXPECT_EQ (f.run ("length=40 temperature=1.5 seed=11 stop-id=6"), want);
}

TEST (GeneratePipelines, CsvHorizonForecasts)
{
  TempDir dir;
  RncModel *m = random_model (RNC_CELL_RNN, RNC_INPUT_DENSE, 1, 0, 5, 1,
      RNC_HEAD_REGRESSION, 1, 43, 0.7f);
  const float mean[] = { 100.0f }, sd[] = { 10.0f };
  rnc_model_set_input_scaling (m, mean, sd);
  rnc_model_set_output_scaling (m, mean, sd);
  std::string model = save_model (m, dir.file ("f.safetensors"));
  std::string csv = "day,value\n";
  std::vector<float> x;
  for (int i = 0; i < 12; i++) {
    x.push_back (100.0f + 7.0f * (float) ((i * 5) % 7) - 20.0f);
    csv += "d" + std::to_string (i) + "," + std::to_string (x.back ()) + "\n";
  }
  write_file (dir.file ("s.csv"), csv);
  std::string out = dir.file ("out.csv");
  ASSERT_EQ (run_pipeline ("filesrc location=" + dir.file ("s.csv") +
          " ! csvdec ! generate model=" + model + " horizon=3 ! csvenc "
          "precision=9 ! filesink location=" + out), "");
  auto b = read_file (out);
  std::istringstream lines (std::string (b.begin (), b.end ()));
  std::string line;
  double worst = 0;
  size_t t = 0;
  for (; std::getline (lines, line); t++) {
    std::vector<float> got;
    std::istringstream fields (line);
    for (std::string v; std::getline (fields, v, ',');)
      got.push_back (std::stof (v));
    ASSERT_EQ (got.size (), 3u) << line;
    /* reference: the model over the real values, then its predictions */
    std::vector<float> seq (x.begin (), x.begin () + t + 1);
    for (size_t k = 0; k < 3; k++) {
      auto y = reference (m, seq, false);
      worst = std::max (worst, std::fabs ((double) got[k] - y.back ()));
      seq.push_back (y.back ());
    }
  }
  EXPECT_EQ (t, x.size ());
  EXPECT_LT (worst, 1e-3) << "largest error (raw units, values ~100)";
  rnc_model_free (m);
}
