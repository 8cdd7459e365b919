/* Models written by rnc-train run unchanged in the elements: each test
 * trains with the tool (a subprocess, small sizes), runs the model through a
 * real pipeline (filesrc ... filesink on temporary files), and compares the
 * output with what the library computes from the same file for the same
 * input: rnc_forecast_predict on every window (forecast), a fresh state per
 * sentence and the argmax (tag), the state carried over the whole text and
 * the argmax (lm). */
#include "recurrent-test-util.h"
#include "rnc-train-test-util.h"

#include <set>

using namespace rnc_test;

namespace {

std::string
text_of (const std::string &path)
{
  auto b = read_file (path);
  return std::string (b.begin (), b.end ());
}

std::vector<std::string>
lines_of (const std::string &text)
{
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size ()) {
    size_t nl = text.find ('\n', start);
    if (nl == std::string::npos)
      nl = text.size ();
    lines.push_back (text.substr (start, nl - start));
    start = nl + 1;
  }
  return lines;
}

/* "" when equal, else where the texts first differ, line by line. */
std::string
first_difference (const std::string &got, const std::string &expected)
{
  if (got == expected)
    return "";
  auto g = lines_of (got), e = lines_of (expected);
  for (size_t i = 0; i < std::max (g.size (), e.size ()); i++) {
    std::string a = i < g.size () ? g[i] : "(none)";
    std::string b = i < e.size () ? e[i] : "(none)";
    if (a != b)
      return "line " + std::to_string (i + 1) + ": got '" + a +
          "', expected '" + b + "' (" + std::to_string (g.size ()) + " vs " +
          std::to_string (e.size ()) + " lines)";
  }
  return "texts differ in their line ends";
}

/* Loads a model file; fails the test when it does not load. */
RncModel *
load (const std::string &path)
{
  GError *err = nullptr;
  RncModel *m = rnc_model_load (path.c_str (), &err);
  EXPECT_NE (m, nullptr) << (err ? err->message : "");
  g_clear_error (&err);
  return m;
}

RncVocab *
vocab_of (const RncModel *m, const char *key)
{
  GError *err = nullptr;
  RncVocab *v = rnc_vocab_new_from_metadata (rnc_model_get_metadata (m, key),
      ".", "model", key, &err);
  EXPECT_NE (v, nullptr) << (err ? err->message : "");
  g_clear_error (&err);
  return v;
}

/* ---- forecast ------------------------------------------------------------ */

/* A noisy seasonal series with a trend (deterministic noise). */
std::vector<float>
noisy_series (size_t n, guint64 seed)
{
  RncRng rng;
  rnc_rng_init (&rng, seed);
  std::vector<float> x (n);
  for (size_t t = 0; t < n; t++)
    x[t] = (float) (seasonal_value (t) + 4.0 * rnc_rng_normal (&rng));
  return x;
}

/* Trains with @args, runs csvdec column=value ! CELL ! csvenc over the
 * series and compares every output line with rnc_forecast_predict on the
 * window that ends there. */
void
check_forecast_pipeline (const std::vector<std::string> &args,
    const char *element)
{
  TempDir dir;
  const size_t n = 120;
  std::vector<float> x = noisy_series (n, 7);
  std::string csv = "month,value\n";
  for (size_t t = 0; t < n; t++) {
    char buf[G_ASCII_DTOSTR_BUF_SIZE];
    g_ascii_formatd (buf, sizeof (buf), "%.9g", x[t]);
    csv += "2000-" + std::to_string (t) + "," + buf + "\n";
  }
  std::string data = dir.file ("series.csv"), model = dir.file (
      "m.safetensors"), out = dir.file ("out.csv");
  write_file (data, csv);
  std::vector<std::string> cmd = { "forecast", "--data", data, "-o", model,
    "-q" };
  cmd.insert (cmd.end (), args.begin (), args.end ());
  ToolRun r = run_rnc_train (cmd);
  ASSERT_EQ (r.status, 0) << r.err;

  std::string desc = "filesrc location=" + data + " blocksize=100 ! csvdec "
      "column=value ! " + element + " model=" + model + " ! csvenc "
      "precision=9 ! filesink location=" + out;
  ASSERT_EQ (run_pipeline (desc), "") << desc;
  std::vector<std::string> lines = lines_of (text_of (out));

  RncModel *m = load (model);
  ASSERT_NE (m, nullptr);
  size_t T = rnc_model_get_window (m);
  ASSERT_GE (T, 2u);
  /* one forecast per full window: of frames T-1 .. n-1 */
  ASSERT_EQ (lines.size (), n - T + 1);
  RncState *st = rnc_state_new (m, 1, T);
  std::vector<float> scratch (rnc_forecast_get_scratch_size (m));
  double worst = 0.0, swing = 0.0;
  for (size_t k = 0; k + T <= n; k++) {
    float y;
    rnc_forecast_predict (m, st, &x[k], T, scratch.data (), &y);
    float got = (float) g_ascii_strtod (lines[k].c_str (), nullptr);
    worst = std::max (worst, std::fabs ((double) got - y) /
        std::max (1.0, std::fabs ((double) y)));
    if (k + T < n)
      swing = std::max (swing, std::fabs ((double) y - x[k + T - 1]));
  }
  std::printf ("    %s: %zu forecasts (window %zu), largest relative "
      "difference %.3g\n", element, lines.size (), T, worst);
  EXPECT_LT (worst, 1e-5);
  /* the forecasts are not trivially the last value */
  EXPECT_GT (swing, 1.0);
  rnc_state_free (st);
  rnc_model_free (m);
}

} // namespace

TEST (TrainedModels, ForecastLstmRunsUnchangedInCsvdecLstmCsvenc)
{
  check_forecast_pipeline ({ "--hidden", "8", "--epochs", "30" }, "lstm");
}

TEST (TrainedModels, ForecastRnnRunsUnchangedInCsvdecRnnCsvenc)
{
  check_forecast_pipeline ({ "--cell", "rnn", "--hidden", "8", "--epochs",
        "30" }, "rnn");
}

/* Without the linear part the network makes every forecast. */
TEST (TrainedModels, ForecastNetworkOnlyRunsUnchanged)
{
  check_forecast_pipeline ({ "--linear", "off", "--hidden", "8", "--epochs",
        "30", "--window", "12" }, "lstm");
}

/* A global model (--columns): with series=b the element scales by series
 * b's mean/std, exactly as the library does after selecting it; an unknown
 * series is an error naming the model file and the series. */
TEST (TrainedModels, GlobalForecastSeriesPropertySelectsTheScaling)
{
  TempDir dir;
  const size_t n = 150;
  std::vector<float> a = noisy_series (n, 3), b = noisy_series (n, 4);
  std::string csv = "t,a,b\n";
  for (size_t t = 0; t < n; t++) {
    b[t] = 1000.0f + 20.0f * b[t];
    char ba[G_ASCII_DTOSTR_BUF_SIZE], bb[G_ASCII_DTOSTR_BUF_SIZE];
    g_ascii_formatd (ba, sizeof (ba), "%.9g", a[t]);
    g_ascii_formatd (bb, sizeof (bb), "%.9g", b[t]);
    csv += std::to_string (t) + "," + ba + "," + bb + "\n";
  }
  std::string data = dir.file ("wide.csv"), model = dir.file (
      "g.safetensors"), out = dir.file ("out.csv");
  write_file (data, csv);
  ToolRun r = run_rnc_train ({ "forecast", "--data", data, "-o", model,
      "-q", "--columns", "a,b", "--hidden", "4", "--epochs", "5" });
  ASSERT_EQ (r.status, 0) << r.err;

  std::string desc = "filesrc location=" + data + " ! csvdec column=b ! "
      "lstm model=" + model + " series=b ! csvenc precision=9 ! filesink "
      "location=" + out;
  ASSERT_EQ (run_pipeline (desc), "") << desc;
  std::vector<std::string> lines = lines_of (text_of (out));

  RncModel *m = load (model);
  ASSERT_NE (m, nullptr);
  size_t idx = 0;
  ASSERT_TRUE (rnc_forecast_find_series (m, "b", &idx, nullptr));
  ASSERT_TRUE (rnc_forecast_select_series (m, idx, nullptr));
  size_t T = rnc_model_get_window (m);
  ASSERT_EQ (lines.size (), n - T + 1);
  RncState *st = rnc_state_new (m, 1, T);
  std::vector<float> scratch (rnc_forecast_get_scratch_size (m));
  double worst = 0.0, err_b = 0.0;
  for (size_t k = 0; k + T <= n; k++) {
    float y;
    rnc_forecast_predict (m, st, &b[k], T, scratch.data (), &y);
    float got = (float) g_ascii_strtod (lines[k].c_str (), nullptr);
    worst = std::max (worst, std::fabs ((double) got - y) / std::fabs (y));
    if (k + T < n)
      err_b = std::max (err_b, std::fabs ((double) y - b[k + T]));
  }
  std::printf ("    series b: largest relative difference %.3g, largest "
      "error %.1f (values ~1000, noise sd 80)\n", worst, err_b);
  EXPECT_LT (worst, 1e-6);
  EXPECT_LT (err_b, 500.0);     /* in b's units, not a's */
  rnc_state_free (st);
  rnc_model_free (m);

  /* streams=2 over both columns: stream s is series s */
  std::string out2 = dir.file ("out2.csv");
  desc = "filesrc location=" + data + " ! csvdec column=a,b ! lstm model="
      + model + " streams=2 ! csvenc precision=9 ! filesink location=" + out2;
  ASSERT_EQ (run_pipeline (desc), "") << desc;
  lines = lines_of (text_of (out2));
  ASSERT_EQ (lines.size (), n - T + 1);
  double worst2 = 0.0;
  for (size_t s = 0; s < 2; s++) {
    RncModel *ms = load (model);
    ASSERT_TRUE (rnc_forecast_select_series (ms, s, nullptr));
    RncState *ss = rnc_state_new (ms, 1, T);
    const std::vector<float> &x = s == 0 ? a : b;
    for (size_t k = 0; k + T <= n; k++) {
      float y;
      rnc_forecast_predict (ms, ss, &x[k], T, scratch.data (), &y);
      std::string field = lines[k].substr (s == 0 ? 0 : lines[k].find (',')
          + 1);
      float got = (float) g_ascii_strtod (field.c_str (), nullptr);
      worst2 = std::max (worst2, std::fabs ((double) got - y) /
          std::max (1.0, std::fabs ((double) y)));
    }
    rnc_state_free (ss);
    rnc_model_free (ms);
  }
  std::printf ("    streams=2: largest relative difference %.3g\n", worst2);
  EXPECT_LT (worst2, 1e-6);

  std::string bad = run_pipeline ("filesrc location=" + data + " ! csvdec "
      "column=b ! lstm model=" + model + " series=zz ! fakesink");
  EXPECT_NE (bad.find (model), std::string::npos) << bad;
  EXPECT_NE (bad.find ("'zz'"), std::string::npos) << bad;

  /* hostile global-model metadata in the file (issue 13): 100,000 '[' in
   * rnc.series (json-glib would recurse until the stack overflows), a
   * series std that is 0 as a float: an element error naming the file and
   * the key, with or without the series property */
  struct { const char *key; std::string value; } hostile[] = {
    { "rnc.series", std::string (100000, '[') },
    { "rnc.series", "[\"a\", 5]" },
    { "rnc.series_std", "[1, 1e-50]" },
  };
  for (const auto &h : hostile) {
    RncModel *hm = load (model);
    ASSERT_NE (hm, nullptr);
    rnc_model_set_metadata (hm, h.key, h.value.c_str ());
    std::string evil = dir.file ("hostile.safetensors");
    ASSERT_TRUE (rnc_model_save (hm, evil.c_str (), nullptr));
    rnc_model_free (hm);
    for (const char *prop : { "", " series=a" }) {
      std::string msg = run_pipeline ("filesrc location=" + data
          + " ! csvdec column=b ! lstm model=" + evil + prop
          + " ! fakesink");
      EXPECT_NE (msg.find (evil), std::string::npos) << msg.substr (0, 300);
      EXPECT_NE (msg.find (h.key), std::string::npos) << msg.substr (0, 300);
    }
  }
}

/* ---- tag ------------------------------------------------------------------ */

namespace {

/* The tags the library gives the word lines of @input (a blank line between
 * sentences), line for line: a fresh state at every sentence, known words
 * by id, unknown ones by their signature class, the argmax of the output
 * that belongs to each word (k frames later for a lookahead of k, the
 * sentence followed by k pads: rnc_tagger_forward). Also collects
 * the classes the unknown words took. */
std::string
library_tags (const RncModel *m, const std::vector<std::string> &input,
    std::set<std::string> *classes, std::vector<float> *all_logits)
{
  RncVocab *vocab = vocab_of (m, "rnc.vocab");
  RncVocab *labels = vocab_of (m, "rnc.labels");
  size_t Q = rnc_model_get_config (m)->output_size;
  RncState *st = rnc_state_new (m, 1, 0);
  std::string out;
  std::vector<int32_t> ids;
  auto flush = [&] () {
    if (ids.empty ())
      return;
    std::vector<float> logits (ids.size () * Q);
    /* the sentence from a fresh state, then the pads of a lookahead */
    EXPECT_TRUE (rnc_tagger_forward (st, ids.data (), ids.size (),
            logits.data (), nullptr));
    for (size_t i = 0; i < ids.size (); i++)
      out += std::string (rnc_vocab_get_token (labels,
              (int32_t) rnc_argmax (&logits[i * Q], Q))) + "\n";
    all_logits->insert (all_logits->end (), logits.begin (), logits.end ());
    ids.clear ();
  };
  for (const std::string &w : input) {
    if (w.empty ()) {
      flush ();
      out += "\n";
      continue;
    }
    int32_t id = rnc_vocab_lookup (vocab, w.c_str ());
    if (id < 0) {
      id = rnc_vocab_lookup_unknown (vocab, w.c_str ());
      classes->insert (rnc_vocab_get_token (vocab, id));
    }
    ids.push_back (id);
  }
  flush ();
  rnc_state_free (st);
  rnc_vocab_free (vocab);
  rnc_vocab_free (labels);
  return out;
}

/* The word column of CoNLL text: one word per line, a blank line between
 * sentences. */
std::vector<std::string>
words_of (const std::string &conll)
{
  std::vector<std::string> words;
  for (const std::string &l : lines_of (conll))
    words.push_back (l.substr (0, l.find ('\t')));
  return words;
}

/* Runs filesrc ! vocab-encode ! lstm output=argmax ! vocab-decode over the
 * word lines and returns the text written. */
std::string
tag_pipeline (const TempDir &dir, const std::string &model,
    const std::vector<std::string> &input, int blocksize)
{
  std::string in = dir.file ("words.txt"), out = dir.file ("tags.txt");
  std::string text;
  for (const std::string &w : input)
    text += w + "\n";
  write_file (in, text);
  std::string desc = "filesrc location=" + in + " blocksize=" +
      std::to_string (blocksize) + " ! vocab-encode vocab=" + model +
      " unknown=unk ! lstm model=" + model + " output=argmax ! vocab-decode "
      "vocab=" + model + " ! filesink location=" + out;
  std::string err = run_pipeline (desc);
  EXPECT_EQ (err, "") << desc;
  return text_of (out);
}

void
check_tagger (const std::string &train, const std::vector<std::string> &input,
    size_t min_classes, const char *epochs,
    const std::vector<std::string> &extra = {}, const char *want_delay = nullptr)
{
  TempDir dir;
  std::string data = dir.file ("train.conll"), model = dir.file (
      "tagger.safetensors");
  write_file (data, train);
  std::vector<std::string> args = { "tag", "--data", data, "--hidden", "16",
    "--embed", "8", "--epochs", epochs, "--lr", "0.01", "-q", "-o", model };
  args.insert (args.end (), extra.begin (), extra.end ());
  ToolRun r = run_rnc_train (args);
  ASSERT_EQ (r.status, 0) << r.err;
  RncModel *m = load (model);
  ASSERT_NE (m, nullptr);
  if (want_delay) {
    const char *d = rnc_model_get_metadata (m, "rnc.delay");
    EXPECT_STREQ (d, want_delay);
  }
  std::set<std::string> classes;
  std::vector<float> logits;
  std::string expected = library_tags (m, input, &classes, &logits);
  rnc_model_free (m);
  std::string list;
  for (auto &c : classes)
    list += " " + c;
  std::set<std::string> tags;
  for (const std::string &t : lines_of (expected))
    tags.insert (t);
  std::printf ("    %zu input lines, %zu different tags; unknown words "
      "took%s\n", input.size (), tags.size (), list.c_str ());
  EXPECT_GE (classes.size (), min_classes) << list;
  /* one tag line per word line, one blank line per blank line */
  EXPECT_EQ (lines_of (expected).size (), input.size ());
  for (int blocksize : { 4096, 5 }) {
    std::string got = tag_pipeline (dir, model, input, blocksize);
    EXPECT_EQ (first_difference (got, expected), "") << "blocksize "
        << blocksize;
  }
  /* the logits too (they show any state carried across a sentence end) */
  std::string desc = "filesrc location=" + dir.file ("words.txt") +
      " ! vocab-encode vocab=" + model + " unknown=unk ! lstm model=" +
      model + " output=logits ! csvenc precision=9 ! filesink location=" +
      dir.file ("logits.csv");
  ASSERT_EQ (run_pipeline (desc), "") << desc;
  GError *err = nullptr;
  RncCsvTable t;
  ASSERT_TRUE (rnc_csv_read_file (dir.file ("logits.csv").c_str (), nullptr,
          &t, &err)) << err->message;
  std::vector<float> got (t.values, t.values + t.n_rows * t.width);
  rnc_csv_table_clear (&t);
  ASSERT_EQ (got.size (), logits.size ());
  EXPECT_LT (max_rel_diff (got.data (), logits.data (), got.size (), 1.0),
      1e-5);
}

} // namespace

TEST (TrainedModels, TaggerRunsUnchangedInVocabEncodeLstmVocabDecode)
{
  std::string train = tiny_treebank (300, 1, false, true);
  /* new sentences whose nouns are all new (every signature shape), then
   * known-word sentences; two blank lines in a row, and no blank line
   * after the last sentence */
  std::vector<std::string> input = words_of (tiny_treebank (24, 2, true,
          true));
  input.push_back ("");
  std::vector<std::string> more = words_of (tiny_treebank (6, 3, false));
  input.insert (input.end (), more.begin (), more.end ());
  while (!input.empty () && input.back ().empty ())
    input.pop_back ();
  check_tagger (train, input, 4, "15");
}

/* A lookahead of 2 words (the last two tags of every sentence come from
 * the pads the element feeds at the blank line, or at EOS for the last
 * sentence) and an ensemble of 2 packed in one model: the pipeline is
 * unchanged and its tags, blank lines and logits equal the library's. */
TEST (TrainedModels, LookaheadEnsembleTaggerRunsUnchangedInThePipeline)
{
  std::string train = tiny_treebank (300, 1, false, true);
  std::vector<std::string> input = words_of (tiny_treebank (24, 2, true,
          true));
  while (!input.empty () && input.back ().empty ())
    input.pop_back ();
  /* a one-word sentence, shorter than the lookahead */
  input.push_back ("");
  input.push_back ("dogs");
  check_tagger (train, input, 4, "10", { "--delay", "2", "--ensemble", "2" },
      "2");
}

TEST (TrainedModels, TreebankTaggerRunsUnchangedInThePipeline)
{
  RNC_REQUIRE_SHARED_DATA (shared);
  std::string pos = shared + "/pos/treebank_penn_";
  std::string train = text_of (pos + "train.conll");
  std::string dev = text_of (pos + "dev.conll");
  ASSERT_FALSE (train.empty ());
  /* the first 600 training sentences, the first 60 dev sentences */
  auto cut = [] (const std::string &t, size_t sentences) {
    size_t pos = 0;
    for (size_t s = 0; s < sentences && pos != std::string::npos; s++) {
      pos = t.find ("\n\n", pos);
      if (pos != std::string::npos)
        pos += 2;
    }
    return pos == std::string::npos ? t : t.substr (0, pos);
  };
  check_tagger (cut (train, 600), words_of (cut (dev, 60)), 6, "8");
}

/* ---- lm ------------------------------------------------------------------- */

namespace {

/* Sentences from a small grammar with a few rare words. */
std::string
small_text (size_t n, guint64 seed)
{
  const char *subjects[] = { "the cat", "a dog", "the old man", "my friend" };
  const char *verbs[] = { "sees", "likes", "follows", "finds" };
  const char *objects[] = { "the ship", "a whale", "the sea", "her boat" };
  RncRng rng;
  rnc_rng_init (&rng, seed);
  std::string s;
  for (size_t i = 0; i < n; i++) {
    s += std::string (subjects[rnc_rng_next (&rng) % 4]) + " " +
        verbs[rnc_rng_next (&rng) % 4] + " " + objects[rnc_rng_next (&rng) %
        4];
    if (rnc_rng_next (&rng) % 7 == 0)
      s += " near Zq" + std::to_string (i);     /* seen once: <unk> */
    s += rnc_rng_next (&rng) % 3 ? ". " : "!\n";
  }
  return s;
}

struct Collected {
  std::vector<std::string> tokens;
};

void
collect (const char *token, size_t len, gpointer user_data)
{
  ((Collected *) user_data)->tokens.emplace_back (token, len);
}

} // namespace

TEST (TrainedModels, LanguageModelRunsUnchangedInTokenizeVocabEncodeLstm)
{
  TempDir dir;
  std::string data = dir.file ("text.txt"), model = dir.file (
      "lm.safetensors"), in = dir.file ("in.txt"), out = dir.file ("out.txt");
  write_file (data, small_text (400, 1));
  ToolRun r = run_rnc_train ({ "lm", "--data", data, "--hidden", "16",
      "--embed", "8", "--epochs", "3", "--window", "16", "--batch", "8",
      "-q", "-o", model });
  ASSERT_EQ (r.status, 0) << r.err;
  std::string text = small_text (40, 2);
  write_file (in, text);

  RncModel *m = load (model);
  ASSERT_NE (m, nullptr);
  RncVocab *vocab = vocab_of (m, "rnc.vocab");
  RncVocab *labels = vocab_of (m, "rnc.labels");
  size_t V = rnc_model_get_config (m)->output_size;
  /* the tokens as the tokenize element cuts them (word mode, as trained) */
  RncTokenizerConfig tc;
  rnc_tokenizer_config_init (&tc);
  RncTokenizer *tok = rnc_tokenizer_new (&tc, nullptr);
  Collected c;
  rnc_tokenizer_feed (tok, (const guint8 *) text.data (), text.size (),
      collect, &c);
  rnc_tokenizer_finish (tok, collect, &c);
  rnc_tokenizer_free (tok);

  /* unknown=unk (training's mapping) and the default unknown=skip */
  for (bool unk : { true, false }) {
    std::vector<int32_t> ids;
    for (auto &t : c.tokens) {
      int32_t id = rnc_vocab_lookup (vocab, t.c_str ());
      if (id < 0 && unk)
        id = rnc_vocab_get_unk_id (vocab);
      if (id >= 0)
        ids.push_back (id);
    }
    ASSERT_LT (ids.size (), c.tokens.size () + (unk ? 1 : 0));
    RncState *st = rnc_state_new (m, 1, 0);
    std::vector<float> logits (ids.size () * V);
    ASSERT_TRUE (rnc_forward_ids (st, ids.data (), ids.size (), nullptr,
            logits.data ()));
    std::string expected;
    for (size_t i = 0; i < ids.size (); i++)
      expected += std::string (rnc_vocab_get_token (labels,
              (int32_t) rnc_argmax (&logits[i * V], V))) + "\n";
    rnc_state_free (st);

    std::string desc = "filesrc location=" + in + " blocksize=64 ! tokenize "
        "! vocab-encode vocab=" + model + (unk ? " unknown=unk" : "") +
        " ! lstm model=" + model + " output=argmax ! vocab-decode vocab=" +
        model + " ! filesink location=" + out;
    ASSERT_EQ (run_pipeline (desc), "") << desc;
    EXPECT_EQ (first_difference (text_of (out), expected), "") << desc;
    std::printf ("    unknown=%s: %zu next-word predictions\n",
        unk ? "unk" : "skip", ids.size ());
  }
  rnc_vocab_free (vocab);
  rnc_vocab_free (labels);
  rnc_model_free (m);
}
