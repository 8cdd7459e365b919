/* RncVocab, RncVocabCounter, unknown-word signatures. The Moby Dick
 * expectations come from the notebook and ../shared/data/moby. */
#include "rnc-test-util.h"

#include "rnc-tokenizer.h"
#include "rnc-model-io.h"
#include "rnc-vocab.h"

#include <algorithm>
#include <glib/gstdio.h>

using rnc_test::read_lines;
using rnc_test::read_text;

namespace {

RncVocab *
from_text (const std::string &text, GError **error = nullptr)
{
  return rnc_vocab_load_from_data (text.data (), text.size (), "v.txt", error);
}

std::vector<std::string>
tokens_of (const RncVocab *v)
{
  std::vector<std::string> out;
  for (size_t i = 0; i < rnc_vocab_get_size (v); i++)
    out.push_back (rnc_vocab_get_token (v, (int32_t) i));
  return out;
}

RncVocabCounter *
count (std::initializer_list<const char *> tokens)
{
  RncVocabCounter *c = rnc_vocab_counter_new ();
  for (const char *t : tokens)
    rnc_vocab_counter_add (c, t);
  return c;
}

} // namespace

TEST (RncVocab, LoadsOneTokenPerLine)
{
  RncVocab *v = from_text ("zebra\r\napple\n<unk>\nécole");
  ASSERT_NE (v, nullptr);
  EXPECT_EQ (rnc_vocab_get_size (v), 4u);
  EXPECT_EQ (rnc_vocab_lookup (v, "zebra"), 0);
  EXPECT_EQ (rnc_vocab_lookup (v, "apple"), 1);
  EXPECT_EQ (rnc_vocab_lookup (v, "école"), 3);
  EXPECT_EQ (rnc_vocab_lookup (v, "pear"), -1);
  EXPECT_EQ (rnc_vocab_get_unk_id (v), 2);
  EXPECT_STREQ (rnc_vocab_get_token (v, 3), "école");
  EXPECT_EQ (rnc_vocab_get_token (v, 4), nullptr);
  EXPECT_EQ (rnc_vocab_get_token (v, -1), nullptr);
  rnc_vocab_free (v);
}

TEST (RncVocab, RejectsBadFilesNamingTheLine)
{
  struct { const char *text; RncVocabError code; const char *where; } cases[] = {
    { "a\nb\na\n", RNC_VOCAB_ERROR_DUPLICATE, "v.txt:3: duplicate token 'a' (first on line 1)" },
    { "a\n\nb\n", RNC_VOCAB_ERROR_EMPTY_LINE, "v.txt:2: empty line" },
    { "a\nb\n\n", RNC_VOCAB_ERROR_EMPTY_LINE, "v.txt:3:" },
    { "a\nb\xc3(\n", RNC_VOCAB_ERROR_ENCODING, "v.txt:2:" },
    { "a\nb\rc\n", RNC_VOCAB_ERROR_INVALID, "v.txt:2:" },
  };
  for (auto &k : cases) {
    GError *error = nullptr;
    EXPECT_EQ (from_text (k.text, &error), nullptr) << k.text;
    ASSERT_NE (error, nullptr);
    EXPECT_TRUE (g_error_matches (error, RNC_VOCAB_ERROR, k.code))
        << error->message;
    EXPECT_NE (strstr (error->message, k.where), nullptr) << error->message;
    g_clear_error (&error);
  }
  /* a NUL byte inside a line */
  GError *error = nullptr;
  std::string nul ("a\nb\0c\n", 6);
  EXPECT_EQ (from_text (nul, &error), nullptr);
  ASSERT_NE (error, nullptr);
  EXPECT_NE (strstr (error->message, "v.txt:2"), nullptr) << error->message;
  g_clear_error (&error);

  EXPECT_EQ (rnc_vocab_load ("/nonexistent/vocab.txt", &error), nullptr);
  ASSERT_NE (error, nullptr);
  EXPECT_TRUE (g_error_matches (error, RNC_VOCAB_ERROR, RNC_VOCAB_ERROR_IO));
  EXPECT_NE (strstr (error->message, "/nonexistent/vocab.txt"), nullptr);
  g_clear_error (&error);
}

TEST (RncVocab, EmptyFileIsAnEmptyVocabulary)
{
  RncVocab *v = from_text ("");
  ASSERT_NE (v, nullptr);
  EXPECT_EQ (rnc_vocab_get_size (v), 0u);
  rnc_vocab_free (v);
}

TEST (RncVocab, AddRejectsTokensAFileCannotHold)
{
  RncVocab *v = rnc_vocab_new ();
  GError *error = nullptr;
  EXPECT_EQ (rnc_vocab_add (v, "a", nullptr), 0);
  EXPECT_EQ (rnc_vocab_add (v, "b", nullptr), 1);
  EXPECT_EQ (rnc_vocab_add (v, "a", nullptr), 0);
  EXPECT_EQ (rnc_vocab_add (v, "x\ny", &error), -1);
  EXPECT_TRUE (g_error_matches (error, RNC_VOCAB_ERROR, RNC_VOCAB_ERROR_INVALID));
  g_clear_error (&error);
  EXPECT_EQ (rnc_vocab_add (v, "", &error), -1);
  EXPECT_TRUE (g_error_matches (error, RNC_VOCAB_ERROR, RNC_VOCAB_ERROR_EMPTY_LINE));
  g_clear_error (&error);
  EXPECT_EQ (rnc_vocab_add (v, "\xff", &error), -1);
  EXPECT_TRUE (g_error_matches (error, RNC_VOCAB_ERROR, RNC_VOCAB_ERROR_ENCODING));
  g_clear_error (&error);
  EXPECT_EQ (rnc_vocab_get_size (v), 2u);
  rnc_vocab_free (v);
}

TEST (RncVocab, SavesAndReloads)
{
  RncVocab *v = from_text ("b\na\n<unk>\nü\n");
  ASSERT_NE (v, nullptr);
  size_t size = 0;
  char *data = rnc_vocab_to_data (v, &size);
  EXPECT_EQ (std::string (data, size), "b\na\n<unk>\nü\n");
  g_free (data);

  char *path = g_build_filename (g_get_tmp_dir (), "rnc-test-vocab-XXXXXX", NULL);
  int fd = g_mkstemp (path);
  ASSERT_GE (fd, 0);
  close (fd);
  GError *error = nullptr;
  ASSERT_TRUE (rnc_vocab_save (v, path, &error));
  RncVocab *w = rnc_vocab_load (path, &error);
  ASSERT_NE (w, nullptr);
  EXPECT_EQ (tokens_of (w), tokens_of (v));
  g_unlink (path);
  g_free (path);
  rnc_vocab_free (w);
  rnc_vocab_free (v);
}

TEST (RncVocab, JsonRoundTrip)
{
  RncVocab *v = from_text ("say \"hi\"\nback\\slash\nü\n<unk>\n");
  ASSERT_NE (v, nullptr);
  char *json = rnc_vocab_to_json (v);
  RncVocab *w = rnc_vocab_new_from_json (json, -1, "meta", nullptr);
  ASSERT_NE (w, nullptr) << json;
  EXPECT_EQ (tokens_of (w), tokens_of (v));
  EXPECT_EQ (rnc_vocab_get_unk_id (w), 3);
  g_free (json);
  rnc_vocab_free (w);
  rnc_vocab_free (v);

  w = rnc_vocab_new_from_json ("[\"NOUN\", \"VERB\", \".\"]", -1, "labels",
      nullptr);
  ASSERT_NE (w, nullptr);
  EXPECT_EQ (tokens_of (w), std::vector<std::string> ({"NOUN", "VERB", "."}));
  rnc_vocab_free (w);
}

TEST (RncVocab, RejectsBadJson)
{
  struct { const char *json; RncVocabError code; const char *where; } cases[] = {
    { "{\"a\": 1}", RNC_VOCAB_ERROR_JSON, "m: not a JSON list" },
    { "[\"a\", 3]", RNC_VOCAB_ERROR_JSON, "element 1 is not a string" },
    { "[\"a\", \"b\", \"a\"]", RNC_VOCAB_ERROR_DUPLICATE, "element 2" },
    { "[\"a\", \"\"]", RNC_VOCAB_ERROR_EMPTY_LINE, "element 1" },
    { "[\"a\\nb\"]", RNC_VOCAB_ERROR_INVALID, "element 0" },
    { "[\"a\", ", RNC_VOCAB_ERROR_JSON, "m:" },
    /* issue 13: json-glib 1.6 read this as the vocabulary {a} */
    { "[\"a\"] [\"b\"]", RNC_VOCAB_ERROR_JSON,
      "m: not a JSON list of strings: the text is not valid JSON: more data "
      "after the first value, at byte 6" },
    { "[\"a\"] /* [\"b\"] */", RNC_VOCAB_ERROR_JSON, "more data" },
    { "['a']", RNC_VOCAB_ERROR_JSON, "not valid JSON" },
    /* json-glib cut the token at the escaped NUL */
    { "[\"a\", \"b\\u0000c\"]", RNC_VOCAB_ERROR_ENCODING, "\\u0000" },
  };
  for (auto &k : cases) {
    GError *error = nullptr;
    EXPECT_EQ (rnc_vocab_new_from_json (k.json, -1, "m", &error), nullptr);
    ASSERT_NE (error, nullptr) << k.json;
    EXPECT_TRUE (g_error_matches (error, RNC_VOCAB_ERROR, k.code))
        << k.json << ": " << error->message;
    EXPECT_NE (strstr (error->message, k.where), nullptr) << error->message;
    g_clear_error (&error);
  }
}

/* Regression (issue 13): 100,000 '[' overflowed json-glib's stack; the
 * depth is checked before json-glib sees the text, here and through a
 * model file's rnc.vocab / rnc.labels as vocab-encode / vocab-decode read
 * them. */
TEST (RncVocab, RejectsDeeplyNestedJsonWithoutRecursing)
{
  std::string deep (100000, '[');
  GError *error = nullptr;
  EXPECT_EQ (rnc_vocab_new_from_json (deep.c_str (), -1, "m", &error), nullptr);
  ASSERT_NE (error, nullptr);
  EXPECT_TRUE (g_error_matches (error, RNC_VOCAB_ERROR, RNC_VOCAB_ERROR_JSON));
  EXPECT_NE (strstr (error->message, "nests deeper than 16 levels"), nullptr)
      << error->message;
  g_clear_error (&error);

  RncModelConfig cfg = { };
  cfg.cell = RNC_CELL_LSTM;
  cfg.input = RNC_INPUT_INDEX;
  cfg.head = RNC_HEAD_CLASSES;
  cfg.input_size = 3;
  cfg.hidden_size = 2;
  cfg.output_size = 3;
  cfg.num_layers = 1;
  cfg.embed_size = 2;
  char *dir = g_dir_make_tmp ("rnc-test-vocab-XXXXXX", nullptr);
  ASSERT_NE (dir, nullptr);
  char *file = g_build_filename (dir, "m.safetensors", NULL);
  for (const char *key : { "rnc.vocab", "rnc.labels" }) {
    RncModel *m = rnc_model_new (&cfg, &error);
    ASSERT_NE (m, nullptr) << error->message;
    rnc_model_set_metadata (m, key, deep.c_str ());
    ASSERT_TRUE (rnc_model_save (m, file, &error)) << error->message;
    rnc_model_free (m);
    const char *keys[] = { key, nullptr };
    EXPECT_EQ (rnc_vocab_load_any (file, keys, &error), nullptr);
    ASSERT_NE (error, nullptr);
    EXPECT_TRUE (g_error_matches (error, RNC_VOCAB_ERROR,
            RNC_VOCAB_ERROR_JSON)) << error->message;
    EXPECT_NE (strstr (error->message, key), nullptr) << error->message;
    EXPECT_NE (strstr (error->message, "deeper"), nullptr) << error->message;
    g_clear_error (&error);
  }
  g_unlink (file);
  g_rmdir (dir);
  g_free (file);
  g_free (dir);
}

TEST (RncVocab, MetadataIsInlineJsonOrAFileBesideTheModel)
{
  GError *error = nullptr;
  RncVocab *v = rnc_vocab_new_from_metadata ("  [\"x\", \"y\"]", "/nowhere",
      "m.safetensors", "rnc.vocab", &error);
  ASSERT_NE (v, nullptr);
  EXPECT_EQ (rnc_vocab_get_size (v), 2u);
  rnc_vocab_free (v);

  char *dir = g_dir_make_tmp ("rnc-test-vocab-XXXXXX", nullptr);
  ASSERT_NE (dir, nullptr);
  char *file = g_build_filename (dir, "labels.txt", NULL);
  ASSERT_TRUE (g_file_set_contents (file, "NOUN\nVERB\n", -1, nullptr));
  v = rnc_vocab_new_from_metadata ("labels.txt", dir, "m.safetensors",
      "rnc.labels", &error);
  ASSERT_NE (v, nullptr) << error->message;
  EXPECT_EQ (rnc_vocab_lookup (v, "VERB"), 1);
  rnc_vocab_free (v);

  EXPECT_EQ (rnc_vocab_new_from_metadata ("missing.txt", dir, "m.safetensors",
          "rnc.labels", &error), nullptr);
  ASSERT_NE (error, nullptr);
  EXPECT_NE (strstr (error->message, "m.safetensors: rnc.labels"), nullptr)
      << error->message;
  EXPECT_NE (strstr (error->message, "missing.txt"), nullptr) << error->message;
  g_clear_error (&error);

  g_unlink (file);
  g_rmdir (dir);
  g_free (file);
  g_free (dir);
}

TEST (RncVocabCounter, SortedOrderIsPythonSorted)
{
  /* Python: sorted(set(...)) == ['B', 'a', 'b', 'é', '中'] (code point
   * order, which is UTF-8 byte order) */
  RncVocabCounter *c = count ({"b", "a", "é", "中", "B", "a", "b", "b"});
  EXPECT_EQ (rnc_vocab_counter_get_size (c), 5u);
  EXPECT_EQ (rnc_vocab_counter_get_count (c, "b"), 3u);
  EXPECT_EQ (rnc_vocab_counter_get_count (c, "zzz"), 0u);
  EXPECT_STREQ (rnc_vocab_counter_get_token (c, 2), "é");
  RncVocab *v = rnc_vocab_counter_build (c, nullptr, nullptr);
  ASSERT_NE (v, nullptr);
  EXPECT_EQ (tokens_of (v), std::vector<std::string> ({"B", "a", "b", "é", "中"}));
  rnc_vocab_free (v);
  rnc_vocab_counter_free (c);
}

TEST (RncVocabCounter, FrequencyMaxSizeMinCountAndUnk)
{
  /* counts: the 4, whale 3, sea 2, ahab 2, ship 1, boat 1 */
  RncVocabCounter *c = count ({"the", "whale", "sea", "the", "ship", "whale",
          "ahab", "the", "sea", "boat", "whale", "ahab", "the"});
  RncVocabBuildOptions o;
  rnc_vocab_build_options_init (&o);

  o.order = RNC_VOCAB_ORDER_FREQUENCY;
  RncVocab *v = rnc_vocab_counter_build (c, &o, nullptr);
  EXPECT_EQ (tokens_of (v), std::vector<std::string> ({"the", "whale", "ahab",
              "sea", "boat", "ship"}));
  rnc_vocab_free (v);

  o.min_count = 2;
  v = rnc_vocab_counter_build (c, &o, nullptr);
  EXPECT_EQ (tokens_of (v), std::vector<std::string> ({"the", "whale", "ahab",
              "sea"}));
  rnc_vocab_free (v);

  /* max-size keeps the most frequent, then the order applies */
  o.min_count = 1;
  o.max_size = 3;
  o.order = RNC_VOCAB_ORDER_SORTED;
  v = rnc_vocab_counter_build (c, &o, nullptr);
  EXPECT_EQ (tokens_of (v), std::vector<std::string> ({"ahab", "the", "whale"}));
  rnc_vocab_free (v);

  /* <unk> first and counted in max-size */
  o.add_unk = TRUE;
  v = rnc_vocab_counter_build (c, &o, nullptr);
  EXPECT_EQ (tokens_of (v), std::vector<std::string> ({"<unk>", "the", "whale"}));
  EXPECT_EQ (rnc_vocab_get_unk_id (v), 0);
  rnc_vocab_free (v);
  rnc_vocab_counter_free (c);
}

TEST (RncVocabUnknown, SignatureFeatures)
{
  struct { const char *word, *sig; } table[] = {
    { "walking", "<unk-ing>" },
    { "Walking", "<unk-cap-ing>" },
    { "WALKED", "<unk-cap-ed>" },
    { "sing", "<unk>" },          /* 4 chars: not longer than ing + 2 */
    { "swing", "<unk>" },
    { "string", "<unk-ing>" },
    { "1990s", "<unk-num-s>" },
    { "Pre-1990s", "<unk-cap-num-hyph-s>" },
    { "well-known", "<unk-hyph>" },
    { "quickly", "<unk-ly>" },
    { "nation", "<unk-ion>" },
    { "hopeless", "<unk-less>" },  /* longest suffix first: not "-s" */
    { "famous", "<unk-ous>" },
    { "kindness", "<unk-ness>" },
    { "Éclairs", "<unk-cap-s>" },
    { "résumé", "<unk>" },
    { "42", "<unk-num>" },
    { "", "<unk>" },
  };
  for (auto &e : table) {
    char *sig = rnc_vocab_unknown_signature (e.word);
    EXPECT_STREQ (sig, e.sig) << e.word;
    g_free (sig);
  }
}

TEST (RncVocabUnknown, LookupFallsBackStepByStep)
{
  RncVocab *v = from_text ("<unk>\n<unk-cap>\n<unk-cap-num-hyph>\n<unk-ing>\n"
      "<unk-cap-num-hyph-s>\nthe\n");
  ASSERT_NE (v, nullptr);
  EXPECT_EQ (rnc_vocab_lookup_unknown (v, "Pre-1990s"), 4);    /* full */
  EXPECT_EQ (rnc_vocab_lookup_unknown (v, "Pre-1990"), 2);     /* no suffix */
  EXPECT_EQ (rnc_vocab_lookup_unknown (v, "Post-1990ing"), 2); /* -ing absent with cap */
  EXPECT_EQ (rnc_vocab_lookup_unknown (v, "Smithson"), 1);     /* <unk-cap> */
  EXPECT_EQ (rnc_vocab_lookup_unknown (v, "walking"), 3);
  EXPECT_EQ (rnc_vocab_lookup_unknown (v, "x-ray"), 0);        /* <unk> */
  rnc_vocab_free (v);

  v = from_text ("a\nb\n");
  EXPECT_EQ (rnc_vocab_lookup_unknown (v, "walking"), -1);
  rnc_vocab_free (v);
}

/* The classes a tagger's training adds are the lookup's three levels,
 * written out by hand here; the full one is what lookup_unknown returns. */
TEST (RncVocabUnknown, AddClassesAddsTheLookupLevels)
{
  struct { const char *word, *full, *no_suffix, *cap; } table[] = {
    { "Pre-1990s", "<unk-cap-num-hyph-s>", "<unk-cap-num-hyph>", "<unk-cap>" },
    { "walking", "<unk-ing>", "<unk>", "<unk>" },
    { "Smithson", "<unk-cap>", "<unk-cap>", "<unk-cap>" },
    { "3-for-1", "<unk-num-hyph>", "<unk-num-hyph>", "<unk>" },
    { "hopeless", "<unk-less>", "<unk>", "<unk>" },
  };
  for (auto &e : table) {
    RncVocab *v = rnc_vocab_new ();
    GError *err = nullptr;
    ASSERT_TRUE (rnc_vocab_add_unknown_classes (v, e.word, &err)) << e.word;
    std::vector<std::string> got;
    for (size_t i = 0; i < rnc_vocab_get_size (v); i++)
      got.push_back (rnc_vocab_get_token (v, (int32_t) i));
    std::vector<std::string> want = { e.full };
    for (const char *c : { e.no_suffix, e.cap })
      if (std::find (want.begin (), want.end (), c) == want.end ())
        want.push_back (c);
    EXPECT_EQ (got, want) << e.word;
    EXPECT_EQ (rnc_vocab_lookup_unknown (v, e.word), 0) << e.word;
    rnc_vocab_free (v);
  }
}

TEST (RncVocab, IdsToOnehot)
{
  int32_t ids[] = { 2, 0, -1, 7 };
  float out[4 * 3];
  rnc_vocab_ids_to_onehot (ids, 4, 3, out);
  float expect[12] = { 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0 };
  for (int i = 0; i < 12; i++)
    EXPECT_EQ (out[i], expect[i]) << i;
}

/* The notebook's Q10 on the reference preprocessed words: the sorted unique
 * vocabulary is the reference file, and the indices are the reference ones. */
TEST (RncVocab, MobyDickVocabularyMatchesNotebook)
{
  RNC_REQUIRE_SHARED_DATA (dir);
  auto pre = read_lines (dir + "/moby/moby_preprocessed_first50000.txt");
  ASSERT_EQ (pre.size (), 16377u);
  RncVocabCounter *c = rnc_vocab_counter_new ();
  std::vector<int32_t> seq;
  for (auto &w : pre) {
    ASSERT_TRUE (rnc_vocab_token_is_valid (w.c_str (), w.size ()));
    seq.push_back (rnc_vocab_counter_add (c, w.c_str ()));
  }
  EXPECT_EQ (rnc_vocab_counter_get_count (c, "one"), 160u);
  EXPECT_EQ (rnc_vocab_counter_get_count (c, "captain"), 99u);
  RncVocab *v = rnc_vocab_counter_build (c, nullptr, nullptr);
  ASSERT_NE (v, nullptr);
  EXPECT_EQ (rnc_vocab_get_size (v), 4357u);
  EXPECT_STREQ (rnc_vocab_get_token (v, 932), "daylight");
  EXPECT_STREQ (rnc_vocab_get_token (v, 102), "amazingly");
  EXPECT_EQ (rnc_vocab_lookup (v, "captain"), 544);
  EXPECT_EQ (rnc_vocab_lookup (v, rnc_vocab_get_token (v, 102)), 102);
  EXPECT_STREQ (rnc_vocab_get_token (v, rnc_vocab_lookup (v, "boat")), "boat");

  size_t size = 0;
  char *data = rnc_vocab_to_data (v, &size);
  EXPECT_TRUE (std::string (data, size) ==
      read_text (dir + "/moby/moby_vocab_first50000.txt"))
      << "vocabulary differs from moby_vocab_first50000.txt";
  g_free (data);

  auto idx = read_lines (dir + "/moby/moby_preprocessed_indices.txt");
  ASSERT_EQ (idx.size (), pre.size ());
  size_t bad = 0;
  for (size_t i = 0; i < pre.size (); i++)
    if (rnc_vocab_lookup (v, pre[i].c_str ()) != std::stoi (idx[i]))
      bad++;
  EXPECT_EQ (bad, 0u);
  EXPECT_EQ (rnc_vocab_lookup (v, pre[102].c_str ()), 591);

  /* frequency order puts the notebook's top words first */
  RncVocabBuildOptions o;
  rnc_vocab_build_options_init (&o);
  o.order = RNC_VOCAB_ORDER_FREQUENCY;
  RncVocab *f = rnc_vocab_counter_build (c, &o, nullptr);
  const char *top[] = { "one", "said", "like", "whale", "upon", "ye", "ship",
    "captain", "man", "sea" };
  for (int i = 0; i < 10; i++)
    EXPECT_STREQ (rnc_vocab_get_token (f, i), top[i]);
  rnc_vocab_free (f);
  rnc_vocab_free (v);
  rnc_vocab_counter_free (c);
}

/* A vocabulary property naming a model: detected by content (the file is
 * named .bin here), rnc.vocab inline, rnc.labels as a file beside it. */
TEST (RncVocab, LoadAnyReadsModelMetadata)
{
  char *dir = g_dir_make_tmp ("rnc-test-vocab-XXXXXX", nullptr);
  ASSERT_NE (dir, nullptr);
  std::string model_path = std::string (dir) + "/tagger.bin";
  std::string labels_path = std::string (dir) + "/tags.txt";
  std::string text_path = std::string (dir) + "/plain.txt";
  ASSERT_TRUE (g_file_set_contents (labels_path.c_str (), "NOUN\nVERB\n.\n", -1,
          nullptr));
  ASSERT_TRUE (g_file_set_contents (text_path.c_str (), "x\ny\n", -1, nullptr));

  RncModel *m = rnc_test::model_new (RNC_CELL_RNN, RNC_INPUT_DENSE, 2, 0, 3,
      1, RNC_HEAD_NONE, 0);
  ASSERT_NE (m, nullptr);
  GError *error = nullptr;
  rnc_model_set_metadata (m, "rnc.vocab", "[\"<unk>\", \"the\", \"whale\"]");
  rnc_model_set_metadata (m, "rnc.labels", "tags.txt");
  ASSERT_TRUE (rnc_model_save (m, model_path.c_str (), &error))
      << error->message;

  EXPECT_TRUE (rnc_file_is_safetensors (model_path.c_str ()));
  EXPECT_FALSE (rnc_file_is_safetensors (text_path.c_str ()));
  EXPECT_FALSE (rnc_file_is_safetensors (labels_path.c_str ()));

  const char *vocab_keys[] = { "rnc.vocab", nullptr };
  const char *label_keys[] = { "rnc.labels", "rnc.vocab", nullptr };
  RncVocab *v = rnc_vocab_load_any (model_path.c_str (), vocab_keys, &error);
  ASSERT_NE (v, nullptr) << error->message;
  EXPECT_EQ (tokens_of (v), std::vector<std::string> ({"<unk>", "the", "whale"}));
  rnc_vocab_free (v);
  v = rnc_vocab_load_any (model_path.c_str (), label_keys, &error);
  ASSERT_NE (v, nullptr) << error->message;
  EXPECT_EQ (tokens_of (v), std::vector<std::string> ({"NOUN", "VERB", "."}));
  rnc_vocab_free (v);
  v = rnc_vocab_load_any (text_path.c_str (), label_keys, &error);
  ASSERT_NE (v, nullptr) << error->message;
  EXPECT_EQ (rnc_vocab_get_size (v), 2u);
  rnc_vocab_free (v);

  /* no vocabulary in the model */
  rnc_model_set_metadata (m, "rnc.vocab", nullptr);
  rnc_model_set_metadata (m, "rnc.labels", nullptr);
  ASSERT_TRUE (rnc_model_save (m, model_path.c_str (), &error));
  EXPECT_EQ (rnc_vocab_load_any (model_path.c_str (), label_keys, &error),
      nullptr);
  ASSERT_NE (error, nullptr);
  EXPECT_TRUE (g_error_matches (error, RNC_VOCAB_ERROR, RNC_VOCAB_ERROR_FAILED));
  EXPECT_NE (strstr (error->message, "rnc.labels or rnc.vocab"), nullptr)
      << error->message;
  g_clear_error (&error);

  /* a broken model is the model reader's error */
  std::string bytes;
  {
    gchar *d = nullptr;
    gsize n = 0;
    ASSERT_TRUE (g_file_get_contents (model_path.c_str (), &d, &n, nullptr));
    bytes.assign (d, n - 4);    /* cut the data short */
    g_free (d);
  }
  ASSERT_TRUE (g_file_set_contents (model_path.c_str (), bytes.data (),
          (gssize) bytes.size (), nullptr));
  EXPECT_EQ (rnc_vocab_load_any (model_path.c_str (), label_keys, &error),
      nullptr);
  ASSERT_NE (error, nullptr);
  EXPECT_NE (strstr (error->message, model_path.c_str ()), nullptr)
      << error->message;
  g_clear_error (&error);

  rnc_model_free (m);
  g_unlink (model_path.c_str ());
  g_unlink (labels_path.c_str ());
  g_unlink (text_path.c_str ());
  g_rmdir (dir);
  g_free (dir);
}

/* Found by fuzz-vocab (docs/fuzzing.md): json-glib 1.6's generator writes
 * U+001F raw inside a string, which is not JSON (RFC 8259: every control
 * character in a string is escaped) and which a strict reader refuses. The
 * JSON of a vocabulary holding every control character (that a token may
 * hold) has no raw control byte, and reads back to the same tokens. */
TEST (Vocab, JsonEscapesEveryControlCharacter)
{
  RncVocab *v = rnc_vocab_new ();
  GError *error = nullptr;
  for (int ch = 1; ch < 0x20; ch++) {
    if (ch == '\n' || ch == '\r')
      continue;                 /* not allowed in a token */
    char token[4] = { 'a', (char) ch, 'b', 0 };
    ASSERT_GE (rnc_vocab_add (v, token, &error), 0) << ch;
  }
  char *json = rnc_vocab_to_json (v);
  for (const char *p = json; *p; p++)
    EXPECT_GE ((unsigned char) *p, 0x20u) << "raw byte at " << (p - json);
  EXPECT_NE (strstr (json, "a\\u001fb"), nullptr) << json;
  RncVocab *back = rnc_vocab_new_from_json (json, -1, "json", &error);
  ASSERT_NE (back, nullptr) << error->message;
  ASSERT_EQ (rnc_vocab_get_size (back), rnc_vocab_get_size (v));
  for (size_t i = 0; i < rnc_vocab_get_size (v); i++)
    EXPECT_STREQ (rnc_vocab_get_token (back, (int32_t) i),
        rnc_vocab_get_token (v, (int32_t) i));
  rnc_vocab_free (back);
  rnc_vocab_free (v);
  g_free (json);
}
