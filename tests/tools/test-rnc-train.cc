/* rnc-train end to end: exit codes, errors naming file and line, and
 * models that the library runs as the elements do. (Its readers are the
 * library's: tests/lib/test-csv.cc, test-conll.cc.) */
#include "rnc-test-util.h"
#include "rnc-train-test-util.h"

#include "rnc.h"
#include "rnc-model-io.h"
#include "rnc-vocab.h"

#include <glib/gstdio.h>

#include <cstring>
#include <fstream>
#include <set>
#include <string>

using rnc_test::seasonal_csv;
using rnc_test::tiny_treebank;
using rnc_test::ToolRun;

namespace {

class TempDir {
public:
  TempDir () { path_ = g_dir_make_tmp ("rnc-train-test-XXXXXX", nullptr); }
  ~TempDir ()
  {
    for (auto &f : files_)
      g_unlink (f.c_str ());
    g_rmdir (path_);
    g_free (path_);
  }
  std::string file (const std::string &name, const std::string &content = "")
  {
    std::string p = std::string (path_) + "/" + name;
    if (!content.empty ()) {
      std::ofstream out (p, std::ios::binary);
      out << content;
    }
    files_.push_back (p);
    return p;
  }

private:
  char *path_;
  std::vector<std::string> files_;
};

ToolRun
run_tool (const std::vector<std::string> &args)
{
  return rnc_test::run_rnc_train (args);
}

} // namespace

/* ---- the tool ------------------------------------------------------------ */

TEST (RncTrainTool, HelpAndUsageErrors)
{
  ToolRun r = run_tool ({ "--help" });
  EXPECT_EQ (r.status, 0) << r.err;
  EXPECT_NE (r.out.find ("forecast"), std::string::npos);
  r = run_tool ({ "forecast", "--help" });
  EXPECT_EQ (r.status, 0) << r.err;
  EXPECT_NE (r.out.find ("--window"), std::string::npos);
  r = run_tool ({ "bogus" });
  EXPECT_EQ (r.status, 2) << r.err;
  r = run_tool ({ "forecast", "--data", "x.csv" });
  EXPECT_EQ (r.status, 2) << r.err;
  EXPECT_NE (r.err.find ("--output"), std::string::npos) << r.err;
  r = run_tool ({ "forecast", "--data", "x.csv", "-o", "m", "--cell", "tanh" });
  EXPECT_NE (r.status, 0);
  EXPECT_NE (r.err.find ("tanh"), std::string::npos) << r.err;
}

TEST (RncTrainTool, ForecastWritesAModelTheLibraryRuns)
{
  TempDir d;
  const size_t n = 180;
  std::string csv = d.file ("series.csv", seasonal_csv (n));
  std::string model = d.file ("m.safetensors");
  ToolRun r = run_tool ({ "forecast", "--data", csv, "--column", "passengers",
      "--epochs", "5", "--hidden", "8", "-o", model });
  ASSERT_EQ (r.status, 0) << r.err;
  EXPECT_NE (r.err.find ("epoch    1"), std::string::npos) << r.err;

  g_autoptr (GError) err = nullptr;
  g_autoptr (RncModel) m = rnc_model_load (model.c_str (), &err);
  ASSERT_NE (m, nullptr) << err->message;
  size_t T = rnc_model_get_window (m);
  EXPECT_GE (T, 12u);           /* the yearly season is among its lags */
  EXPECT_NE (rnc_model_get_input_mean (m), nullptr);
  EXPECT_NE (rnc_model_get_metadata (m, "rnc.residual_quantiles"), nullptr);
  EXPECT_NE (r.err.find ("least-squares AR of AIC order"), std::string::npos)
      << r.err;
  EXPECT_NE (r.err.find ("network: 4 x 8 units; held-out MSE linear"),
      std::string::npos) << r.err;
  EXPECT_STREQ (rnc_model_get_metadata (m, "rnc.columns"), "[\"passengers\"]");
  EXPECT_STREQ (rnc_model_get_metadata (m, "rnc.train.task"), "forecast");
  EXPECT_NE (std::string (rnc_model_get_metadata (m, "rnc.train.command"))
      .find ("--hidden"), std::string::npos);

  /* the next value after the data, forecast as the element would */
  std::vector<float> win (T);
  for (size_t k = 0; k < T; k++) {
    size_t t = n - T + k;
    win[k] = 100.0 + 2.0 * t + 30.0 * std::sin (2 * M_PI * t / 12.0);
  }
  g_autoptr (RncState) st = rnc_state_new (m, 1, T);
  std::vector<float> scratch (rnc_forecast_get_scratch_size (m));
  float y;
  rnc_forecast_predict (m, st, win.data (), T, scratch.data (), &y);
  EXPECT_NEAR (y, 100.0 + 2.0 * n + 30.0 * std::sin (2 * M_PI * n / 12.0),
      0.5);
}

/* --columns: one global model over the columns of a wide CSV, each with its
 * own scaling; the row-number column is skipped as without --columns. */
TEST (RncTrainTool, ForecastColumnsTrainsOneModelForEverySeries)
{
  TempDir d;
  std::string csv = "t,a,b,c\n";
  for (int i = 0; i < 200; i++)
    csv += std::to_string (i) + "," + std::to_string (std::sin (0.3 * i))
        + "," + std::to_string (1000.0 + 50.0 * std::cos (0.2 * i)) + ","
        + std::to_string (0.01 * std::sin (0.25 * i + 1.0)) + "\n";
  std::string data = d.file ("wide.csv", csv);
  std::string model = d.file ("g.safetensors");
  ToolRun r = run_tool ({ "forecast", "--data", data, "--columns", "all",
      "--ensemble", "0", "-o", model });
  ASSERT_EQ (r.status, 0) << r.err;
  EXPECT_NE (r.err.find ("series 'a', 'b', 'c'"), std::string::npos) << r.err;
  EXPECT_NE (r.err.find ("series=a"), std::string::npos) << r.err;
  g_autoptr (GError) err = nullptr;
  g_autoptr (RncModel) m = rnc_model_load (model.c_str (), &err);
  ASSERT_NE (m, nullptr) << err->message;
  EXPECT_EQ (rnc_model_get_config (m)->input_size, 1u);
  EXPECT_STREQ (rnc_model_get_metadata (m, "rnc.series"),
      "[\"a\",\"b\",\"c\"]");
  size_t idx;
  ASSERT_TRUE (rnc_forecast_find_series (m, "b", &idx, &err));
  ASSERT_TRUE (rnc_forecast_select_series (m, idx, &err)) << err->message;
  double mean = 0.0, var = 0.0;
  for (int i = 0; i < 200; i++)
    mean += 1000.0 + 50.0 * std::cos (0.2 * i);
  mean /= 200.0;
  for (int i = 0; i < 200; i++)
    var += std::pow (1000.0 + 50.0 * std::cos (0.2 * i) - mean, 2.0);
  EXPECT_NEAR (rnc_model_get_input_mean (m)[0], mean, 1e-3);
  EXPECT_NEAR (rnc_model_get_input_std (m)[0], std::sqrt (var / 200.0),
      1e-3);

  r = run_tool ({ "forecast", "--data", data, "--columns", "a,c",
      "--column", "b", "-o", model });
  EXPECT_EQ (r.status, 2) << r.err;
  EXPECT_NE (r.err.find ("--columns"), std::string::npos) << r.err;
}

TEST (RncTrainTool, ForecastBadDataIsAnErrorNamingFileAndLine)
{
  TempDir d;
  std::string csv = d.file ("bad.csv", seasonal_csv (60) + "2001-1,abc,x\n");
  std::string model = d.file ("m.safetensors");
  ToolRun r = run_tool ({ "forecast", "--data", csv, "-o", model });
  EXPECT_EQ (r.status, 1) << r.err;
  EXPECT_NE (r.err.find ("rnc-train forecast: " + csv + ":62: \"abc\" in "
          "column \"passengers\" is not a number"), std::string::npos) << r.err;
  EXPECT_FALSE (g_file_test (model.c_str (), G_FILE_TEST_EXISTS));

  /* a missing value: an error by default, a dropped row with --nan skip
   * (the rules of csvdec's nan property) */
  std::string gap = d.file ("gap.csv", seasonal_csv (60) + "2001-1,,x\n"
      + "2001-2,7,x\n");
  r = run_tool ({ "forecast", "--data", gap, "-o", model });
  EXPECT_EQ (r.status, 1) << r.err;
  EXPECT_NE (r.err.find (gap + ":62: missing value in column \"passengers\""),
      std::string::npos) << r.err;
  r = run_tool ({ "forecast", "--data", gap, "--nan", "skip", "--epochs", "1",
      "--hidden", "2", "-o", model });
  EXPECT_EQ (r.status, 0) << r.err;
  EXPECT_NE (r.err.find ("61 rows, column 'passengers' (1 rows with a "
          "missing value dropped)"), std::string::npos) << r.err;

  /* bad options: status 2 */
  for (auto opt : std::vector<std::vector<std::string>> { { "--nan", "x" },
      { "--header", "maybe" }, { "--delimiter", "ab" }, { "--linear", "no" },
      { "--cell", "tanh" } }) {
    std::vector<std::string> args = { "forecast", "--data", gap, "-o",
      model };
    args.insert (args.end (), opt.begin (), opt.end ());
    r = run_tool (args);
    EXPECT_EQ (r.status, 2) << opt[0] << ": " << r.err;
    EXPECT_NE (r.err.find (opt[0]), std::string::npos) << r.err;
  }

  std::string shortcsv = d.file ("short.csv", "v\n1\n2\n3\n");
  r = run_tool ({ "forecast", "--data", shortcsv, "-o", model });
  EXPECT_EQ (r.status, 1) << r.err;
  EXPECT_NE (r.err.find ("too few"), std::string::npos) << r.err;
}

TEST (RncTrainTool, TagWritesVocabulariesAndTagsUnknownWords)
{
  TempDir d;
  std::string train = d.file ("train.conll", tiny_treebank (300, 1, false));
  std::string test = d.file ("test.conll", tiny_treebank (40, 2, true));
  std::string model = d.file ("tagger.safetensors");
  ToolRun r = run_tool ({ "tag", "--data", train, "--dev", train, "--hidden",
      "16", "--embed", "8", "--epochs", "15", "--lr", "0.01", "-o", model });
  ASSERT_EQ (r.status, 0) << r.err;
  EXPECT_NE (r.err.find ("baseline"), std::string::npos) << r.err;

  g_autoptr (GError) err = nullptr;
  g_autoptr (RncModel) m = rnc_model_load (model.c_str (), &err);
  ASSERT_NE (m, nullptr) << err->message;
  EXPECT_STREQ (rnc_model_get_metadata (m, "rnc.labels"),
      "[\".\",\"DT\",\"NN\",\"PRP\",\"VB\",\"VBZ\"]");
  g_autoptr (RncVocab) vocab = rnc_vocab_new_from_metadata (
      rnc_model_get_metadata (m, "rnc.vocab"), ".", "m", "rnc.vocab", &err);
  ASSERT_NE (vocab, nullptr) << err->message;
  EXPECT_GE (rnc_vocab_lookup (vocab, "<unk>"), 0);
  EXPECT_GE (rnc_vocab_lookup (vocab, "<unk-num>"), 0);
  EXPECT_EQ (rnc_model_get_window (m), 0u);

  /* new sentences, every noun unknown: tagged as the pipeline would */
  RncConll c;
  ASSERT_TRUE (rnc_conll_read (test.c_str (), &c, nullptr));
  g_autoptr (RncVocab) labels = rnc_vocab_new_from_metadata (
      rnc_model_get_metadata (m, "rnc.labels"), ".", "m", "rnc.labels",
      nullptr);
  g_autoptr (RncState) st = rnc_state_new (m, 1, 0);
  const size_t *off = (const size_t *) c.offsets->data;
  size_t Q = rnc_model_get_config (m)->output_size, hits = 0;
  for (size_t k = 0; k < rnc_conll_get_n_sentences (&c); k++) {
    size_t n = off[k + 1] - off[k];
    std::vector<int32_t> ids (n);
    std::vector<float> logits (n * Q);
    for (size_t i = 0; i < n; i++) {
      const char *w = (const char *) g_ptr_array_index (c.words, off[k] + i);
      ids[i] = rnc_vocab_lookup (vocab, w);
      if (ids[i] < 0)
        ids[i] = rnc_vocab_lookup_unknown (vocab, w);
    }
    /* a fresh state, the sentence, then the pads of the lookahead */
    ASSERT_TRUE (rnc_tagger_forward (st, ids.data (), n, logits.data (),
            nullptr));
    for (size_t i = 0; i < n; i++)
      hits += !std::strcmp (rnc_vocab_get_token (labels,
              (int32_t) rnc_argmax (&logits[i * Q], Q)),
          (const char *) g_ptr_array_index (c.tags, off[k] + i));
  }
  double acc = (double) hits / c.words->len;
  std::printf ("    accuracy on sentences of unknown nouns: %.3f\n", acc);
  EXPECT_GT (acc, 0.97);
  rnc_conll_clear (&c);

  /* the defaults tried lookaheads 0, 1 and 2 and packed 3 models */
  const char *tried = rnc_model_get_metadata (m,
      "rnc.train.delay_val_accuracy");
  ASSERT_NE (tried, nullptr);
  for (const char *k : { "\"0\":", "\"1\":", "\"2\":" })
    EXPECT_NE (std::string (tried).find (k), std::string::npos) << tried;
  EXPECT_STREQ (rnc_model_get_metadata (m, "rnc.train.ensemble"), "3");
  EXPECT_EQ (rnc_model_get_config (m)->hidden_size, 3u * 16);
  EXPECT_LE (rnc_model_get_delay (m), 2u);
  EXPECT_NE (r.err.find ("kept lookahead"), std::string::npos) << r.err;
  EXPECT_NE (r.err.find ("ensemble of 3"), std::string::npos) << r.err;
}

TEST (RncTrainTool, TagRejectsBadLookaheadAndEnsembleOptions)
{
  TempDir d;
  std::string train = d.file ("train.conll", tiny_treebank (20, 1, false));
  struct Case { std::vector<std::string> args; const char *says; };
  const Case cases[] = {
    { { "--delay", "x" }, "--delay must be" },
    { { "--delay", "17" }, "--delay must be" },
    { { "--ensemble", "0" }, "--ensemble must be" },
    { { "--ensemble", "17" }, "--ensemble must be" },
    { { "--val", "0" }, "chooses on validation data" },
  };
  for (const Case &c : cases) {
    std::vector<std::string> args = { "tag", "--data", train, "-o",
      d.file ("m.safetensors") };
    args.insert (args.end (), c.args.begin (), c.args.end ());
    ToolRun r = run_tool (args);
    EXPECT_EQ (r.status, 2) << c.args[0] << " " << c.args[1] << ": " << r.err;
    EXPECT_NE (r.err.find (c.says), std::string::npos) << r.err;
  }
}

TEST (RncTrainTool, TagBadDataIsAnErrorNamingFileAndLine)
{
  TempDir d;
  std::string train = d.file ("bad.conll", "the\tDT\ncat NN\n");
  ToolRun r = run_tool ({ "tag", "--data", train, "-o", d.file ("m") });
  EXPECT_EQ (r.status, 1) << r.err;
  EXPECT_NE (r.err.find (train + ":2"), std::string::npos) << r.err;
}

TEST (RncTrainTool, CharLanguageModelLearnsTextAndCarriesVocabulary)
{
  TempDir d;
  std::string text;
  for (int i = 0; i < 150; i++)
    text += "the cat sat on the mat. ";
  std::string data = d.file ("text.txt", text);
  std::string model = d.file ("lm.safetensors");
  ToolRun r = run_tool ({ "lm", "--data", data, "--tokenize", "char",
      "--hidden", "32", "--embed", "8", "--epochs", "25", "--lr", "0.01",
      "--window", "16", "--batch", "8", "-o", model });
  ASSERT_EQ (r.status, 0) << r.err;

  g_autoptr (GError) err = nullptr;
  g_autoptr (RncModel) m = rnc_model_load (model.c_str (), &err);
  ASSERT_NE (m, nullptr) << err->message;
  EXPECT_STREQ (rnc_model_get_metadata (m, "rnc.vocab"),
      rnc_model_get_metadata (m, "rnc.labels"));
  EXPECT_STREQ (rnc_model_get_metadata (m, "rnc.train.tokenize"), "char");
  g_autoptr (RncVocab) vocab = rnc_vocab_new_from_metadata (
      rnc_model_get_metadata (m, "rnc.vocab"), ".", "m", "rnc.vocab", &err);
  ASSERT_NE (vocab, nullptr);
  EXPECT_EQ (rnc_vocab_lookup (vocab, "<unk>"), 0);
  EXPECT_GE (rnc_vocab_lookup (vocab, " "), 0);

  /* greedy next characters over the text, state carried as the element
   * runs a language model */
  std::vector<int32_t> ids;
  for (char ch : text.substr (0, 240)) {
    char s[2] = { ch, 0 };
    ids.push_back (rnc_vocab_lookup (vocab, s));
    ASSERT_GE (ids.back (), 0);
  }
  size_t V = rnc_vocab_get_size (vocab), hits = 0;
  g_autoptr (RncState) st = rnc_state_new (m, 1, 0);
  std::vector<float> logits (ids.size () * V);
  ASSERT_TRUE (rnc_forward_ids (st, ids.data (), ids.size (), nullptr,
          logits.data ()));
  for (size_t i = 24; i + 1 < ids.size (); i++)
    hits += (int32_t) rnc_argmax (&logits[i * V], V) == ids[i + 1];
  double acc = (double) hits / (ids.size () - 25);
  std::printf ("    next-character accuracy after the first sentence: %.3f\n",
      acc);
  EXPECT_GT (acc, 0.9);
}

/* Regression (issue 13): a NUL byte in the text became a character token
 * whose C string is empty, so the model's vocabulary held "\u0000" and
 * vocab-encode refused it ("empty token"). NUL is a separator now: the
 * vocabulary loads through the path vocab-encode uses (the model file) and
 * every token is a non-empty string without NUL. */
TEST (RncTrainTool, CharLanguageModelOnTextWithNulWritesALoadableVocabulary)
{
  TempDir d;
  std::string text;
  for (int i = 0; i < 40; i++)
    text += std::string ("ab\0c d", 6) + std::string (1, '\0');
  std::string data = d.file ("nul.txt", text);
  std::string model = d.file ("lm.safetensors");
  ToolRun r = run_tool ({ "lm", "--data", data, "--tokenize", "char",
      "--hidden", "4", "--embed", "2", "--epochs", "1", "--window", "8",
      "-o", model });
  ASSERT_EQ (r.status, 0) << r.err;

  const char *keys[] = { "rnc.vocab", nullptr };
  g_autoptr (GError) err = nullptr;
  g_autoptr (RncVocab) vocab = rnc_vocab_load_any (model.c_str (), keys, &err);
  ASSERT_NE (vocab, nullptr) << err->message;
  std::set<std::string> tokens;
  for (size_t i = 0; i < rnc_vocab_get_size (vocab); i++) {
    const char *t = rnc_vocab_get_token (vocab, (int32_t) i);
    ASSERT_NE (t, nullptr);
    EXPECT_GT (strlen (t), 0u) << "token " << i;
    tokens.insert (t);
  }
  /* <unk>, the three letters and the space the NULs and the blank made */
  EXPECT_EQ (tokens, (std::set<std::string> { "<unk>", "a", "b", "c", " ",
      "d" }));
}

TEST (RncTrainTool, ForecastSkipsRowNumberColumnsByDefault)
{
  TempDir d;
  std::string csv = "t,value\n";
  for (int i = 0; i < 80; i++)
    csv += std::to_string (i) + "," + std::to_string (std::sin (0.5 * i))
        + "\n";
  std::string data = d.file ("s.csv", csv);
  std::string model = d.file ("m.safetensors");
  ToolRun r = run_tool ({ "forecast", "--data", data, "--epochs", "2",
      "--hidden", "4", "-o", model });
  ASSERT_EQ (r.status, 0) << r.err;
  EXPECT_NE (r.err.find ("column 't' counts up"), std::string::npos) << r.err;
  g_autoptr (RncModel) m = rnc_model_load (model.c_str (), nullptr);
  ASSERT_NE (m, nullptr);
  EXPECT_EQ (rnc_model_get_config (m)->input_size, 1u);
  EXPECT_STREQ (rnc_model_get_metadata (m, "rnc.columns"), "[\"value\"]");
}

/* --cell gru in every task: the model files are GRUs that the library runs,
 * and they learn (a forecast through the linear registers, next characters,
 * tags). */
TEST (RncTrainTool, GruCellInEveryTask)
{
  TempDir d;
  const size_t n = 180;
  std::string csv = d.file ("series.csv", seasonal_csv (n));
  std::string fm = d.file ("f.safetensors");
  ToolRun r = run_tool ({ "forecast", "--data", csv, "--column", "passengers",
      "--epochs", "5", "--hidden", "8", "--cell", "gru", "-o", fm });
  ASSERT_EQ (r.status, 0) << r.err;
  g_autoptr (GError) err = nullptr;
  g_autoptr (RncModel) m = rnc_model_load (fm.c_str (), &err);
  ASSERT_NE (m, nullptr) << err->message;
  EXPECT_EQ (rnc_model_get_config (m)->cell, RNC_CELL_GRU);
  EXPECT_STREQ (rnc_model_get_metadata (m, "rnc.gate_order"), "rzn");
  size_t T = rnc_model_get_window (m);
  std::vector<float> win (T);
  for (size_t k = 0; k < T; k++) {
    size_t t = n - T + k;
    win[k] = 100.0 + 2.0 * t + 30.0 * std::sin (2 * M_PI * t / 12.0);
  }
  g_autoptr (RncState) st = rnc_state_new (m, 1, T);
  std::vector<float> scratch (rnc_forecast_get_scratch_size (m));
  float y;
  rnc_forecast_predict (m, st, win.data (), T, scratch.data (), &y);
  EXPECT_NEAR (y, 100.0 + 2.0 * n + 30.0 * std::sin (2 * M_PI * n / 12.0),
      0.5);

  std::string text;
  for (int i = 0; i < 150; i++)
    text += "the cat sat on the mat. ";
  std::string lm = d.file ("lm.safetensors");
  r = run_tool ({ "lm", "--data", d.file ("text.txt", text), "--tokenize",
      "char", "--hidden", "32", "--embed", "8", "--epochs", "25", "--lr",
      "0.01", "--window", "16", "--batch", "8", "--cell", "gru", "-o", lm });
  ASSERT_EQ (r.status, 0) << r.err;
  g_autoptr (RncModel) l = rnc_model_load (lm.c_str (), &err);
  ASSERT_NE (l, nullptr) << err->message;
  EXPECT_EQ (rnc_model_get_config (l)->cell, RNC_CELL_GRU);
  g_autoptr (RncVocab) vocab = rnc_vocab_new_from_metadata (
      rnc_model_get_metadata (l, "rnc.vocab"), ".", "m", "rnc.vocab", &err);
  ASSERT_NE (vocab, nullptr);
  std::vector<int32_t> ids;
  for (char ch : text.substr (0, 240)) {
    char s[2] = { ch, 0 };
    ids.push_back (rnc_vocab_lookup (vocab, s));
    ASSERT_GE (ids.back (), 0);
  }
  size_t V = rnc_vocab_get_size (vocab), hits = 0;
  g_autoptr (RncState) ls = rnc_state_new (l, 1, 0);
  std::vector<float> logits (ids.size () * V);
  ASSERT_TRUE (rnc_forward_ids (ls, ids.data (), ids.size (), nullptr,
          logits.data ()));
  for (size_t i = 24; i + 1 < ids.size (); i++)
    hits += (int32_t) rnc_argmax (&logits[i * V], V) == ids[i + 1];
  double acc = (double) hits / (ids.size () - 25);
  std::printf ("    gru next-character accuracy: %.3f\n", acc);
  EXPECT_GT (acc, 0.9);

  std::string train = d.file ("train.conll", tiny_treebank (300, 1, false));
  std::string tm = d.file ("tagger.safetensors");
  r = run_tool ({ "tag", "--data", train, "--dev", train, "--hidden", "16",
      "--embed", "8", "--epochs", "5", "--lr", "0.01", "--cell", "gru", "-o",
      tm });
  ASSERT_EQ (r.status, 0) << r.err;
  g_autoptr (RncModel) tg = rnc_model_load (tm.c_str (), &err);
  ASSERT_NE (tg, nullptr) << err->message;
  EXPECT_EQ (rnc_model_get_config (tg)->cell, RNC_CELL_GRU);
}
