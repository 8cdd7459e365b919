/* RncTokenizer and RncWordSet: NLTK WordPunct tokens with Python 3 Unicode
 * semantics. Every expected value below was printed by CPython 3.11
 * (re.findall(r"\w+|[^\w\s]+", s), str.lower(), str.islower(),
 * bytes.decode("utf-8", "replace")), or comes from ../shared/data. */
#include "rnc-test-util.h"

#include "rnc-tokenizer.h"

#include <set>

using rnc_test::read_lines;
using rnc_test::read_text;

namespace {

void
collect (const char *token, size_t len, gpointer user_data)
{
  auto *out = static_cast<std::vector<std::string> *> (user_data);
  EXPECT_EQ (strlen (token), len);
  EXPECT_EQ (memchr (token, '\n', len), nullptr);
  out->emplace_back (token, len);
}

RncTokenizerConfig
config (RncTokenizerMode mode = RNC_TOKENIZER_MODE_WORD,
    gboolean lowercase = FALSE, size_t max_token_bytes = 1024)
{
  RncTokenizerConfig c;
  rnc_tokenizer_config_init (&c);
  c.mode = mode;
  c.lowercase = lowercase;
  c.max_token_bytes = max_token_bytes;
  return c;
}

/* Tokenizes @text in one feed (or in chunks of @chunk bytes) plus finish. */
std::vector<std::string>
tokenize (const std::string &text, const RncTokenizerConfig &c,
    size_t chunk = 0, RncWordSet *dict = nullptr, RncWordSet *stop = nullptr)
{
  std::vector<std::string> out;
  GError *error = nullptr;
  RncTokenizer *tok = rnc_tokenizer_new (&c, &error);
  EXPECT_NE (tok, nullptr) << (error ? error->message : "");
  if (!tok)
    return out;
  rnc_tokenizer_set_dictionary (tok, dict);
  rnc_tokenizer_set_stopwords (tok, stop);
  const guint8 *p = reinterpret_cast<const guint8 *> (text.data ());
  if (chunk == 0) {
    rnc_tokenizer_feed (tok, p, text.size (), collect, &out);
  } else {
    for (size_t i = 0; i < text.size (); i += chunk)
      rnc_tokenizer_feed (tok, p + i, std::min (chunk, text.size () - i),
          collect, &out);
  }
  rnc_tokenizer_finish (tok, collect, &out);
  rnc_tokenizer_free (tok);
  return out;
}

std::vector<std::string>
words (std::initializer_list<const char *> w)
{
  return std::vector<std::string> (w.begin (), w.end ());
}

} // namespace

TEST (RncTokenizer, SplitsLikeWordPunct)
{
  auto c = config ();
  EXPECT_EQ (tokenize ("[Moby Dick by Herman Melville 1851]", c),
      words ({"[", "Moby", "Dick", "by", "Herman", "Melville", "1851", "]"}));
  EXPECT_EQ (tokenize ("don't", c), words ({"don", "'", "t"}));
  EXPECT_EQ (tokenize ("said he.\"--and then...", c),
      words ({"said", "he", ".\"--", "and", "then", "..."}));
  EXPECT_EQ (tokenize ("_____________ 275th", c),
      words ({"_____________", "275th"}));
  EXPECT_EQ (tokenize ("a\r\nb\tc\x0b" "d\x0c" "e\x1c" "f", c),
      words ({"a", "b", "c", "d", "e", "f"}));
  EXPECT_TRUE (tokenize ("", c).empty ());
  EXPECT_TRUE (tokenize (" \r\n\t ", c).empty ());
}

/* Python's \w and \s class of single characters (see the header comment). */
TEST (RncTokenizer, ClassifiesCharactersAsPythonRe)
{
  struct { gunichar c; int cls; } table[] = {
    { 0xe9, 1 }, { 0xdf, 1 }, { 0x3a3, 1 }, { 0x663, 1 }, { 0xb2, 1 },
    { 0x2163, 1 }, { 0x4e00, 1 }, { 0x30fc, 1 }, { 0x301, 2 }, { 0x903, 2 },
    { 0xa0, 0 }, { 0x85, 0 }, { 0x1c, 0 }, { 0x2003, 0 }, { 0x3000, 0 },
    { 0x200b, 2 }, { 0x180e, 2 }, { 0xfeff, 2 }, { 0x20ac, 2 }, { 0xab, 2 },
    { 0x1f642, 2 }, { 0x1d7ce, 1 }, { 0xfffd, 2 }, { 0x5f, 1 }, { 0xaa, 1 },
    { 0x2028, 0 }, { 0x7f, 2 }, { 0x1d, 0 }, { 0x16a0, 1 },
    { 0x10400, 1 }, { 0x2460, 1 },
    /* the one deliberate difference: Python says U+0000 is punctuation */
    { 0x0, 0 },
  };
  for (auto &e : table)
    EXPECT_EQ (rnc_unichar_word_class (e.c), e.cls) << "U+" << std::hex << e.c;
}

TEST (RncTokenizer, FollowsPythonOnNonAsciiText)
{
  auto c = config ();
  EXPECT_EQ (tokenize ("Café naïve—résumé!", c),
      words ({"Café", "naïve", "—", "résumé", "!"}));
  /* a combining mark is not \w: it splits the word, as in Python */
  EXPECT_EQ (tokenize ("e\xcc\x81t\xc3\xa9 x\xc2\xa0y", c),
      words ({"e", "\xcc\x81", "t\xc3\xa9", "x", "y"}));
  EXPECT_EQ (tokenize ("中文，测试。", c), words ({"中文", "，", "测试", "。"}));
  EXPECT_EQ (tokenize ("x²+y³=z₁", c), words ({"x²", "+", "y³", "=", "z₁"}));
  EXPECT_EQ (tokenize ("a\xe2\x80\x8b" "b", c),
      words ({"a", "\xe2\x80\x8b", "b"}));
  EXPECT_EQ (tokenize ("«Ünïcödé» 123_abc", c),
      words ({"«", "Ünïcödé", "»", "123_abc"}));
}

TEST (RncTokenizer, LowercasesAsPythonStrLower)
{
  auto c = config (RNC_TOKENIZER_MODE_WORD, TRUE);
  EXPECT_EQ (tokenize ("HELLO World, CAPTAIN Ahab", c),
      words ({"hello", "world", ",", "captain", "ahab"}));
  EXPECT_EQ (tokenize ("İSTANBUL ΟΔΟΣ ΣΑ Ⅻ", c),
      words ({"i\xcc\x87stanbul", "οδος", "σα", "ⅻ"}));
  EXPECT_EQ (tokenize ("«Ünïcödé» 123_abc", c),
      words ({"«", "ünïcödé", "»", "123_abc"}));
  EXPECT_EQ (tokenize ("AΣ1 Σ ΣΣ ǅ", c), words ({"aς1", "σ", "σς", "ǆ"}));
}

TEST (RncTokenizer, ReplacesInvalidUtf8AsPythonDecode)
{
  struct { std::string in; std::vector<std::string> out; uint64_t n_invalid; } cases[] = {
    { "ab\xff" "cd", words ({"ab", "\xef\xbf\xbd", "cd"}), 1 },
    { "\xe2\x82" "A", words ({"\xef\xbf\xbd", "A"}), 1 },
    { "\xed\xa0\x80x", words ({"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", "x"}), 3 },
    { "\xc0\xaf", words ({"\xef\xbf\xbd\xef\xbf\xbd"}), 2 },
    { "\xf0\x9f\x98", words ({"\xef\xbf\xbd"}), 1 },
    { "\xf4\x90\x80\x80", words ({"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"}), 4 },
    { "a\xe2\x82\xac" "b", words ({"a", "€", "b"}), 0 },
    { "\xf0\x9f\x99\x82!", words ({"🙂!"}), 0 },
  };
  for (auto &k : cases) {
    /* whole, and byte by byte: the same tokens */
    for (size_t chunk : { (size_t) 0, (size_t) 1 }) {
      std::vector<std::string> out;
      auto c = config ();
      RncTokenizer *tok = rnc_tokenizer_new (&c, nullptr);
      const guint8 *p = reinterpret_cast<const guint8 *> (k.in.data ());
      if (chunk == 0)
        rnc_tokenizer_feed (tok, p, k.in.size (), collect, &out);
      else
        for (size_t i = 0; i < k.in.size (); i++)
          rnc_tokenizer_feed (tok, p + i, 1, collect, &out);
      rnc_tokenizer_finish (tok, collect, &out);
      EXPECT_EQ (out, k.out) << "input bytes " << k.in.size () << " chunk " << chunk;
      EXPECT_EQ (rnc_tokenizer_get_n_invalid (tok), k.n_invalid);
      rnc_tokenizer_free (tok);
    }
  }
}

TEST (RncTokenizer, SkipsInvalidUtf8WhenAsked)
{
  auto c = config ();
  c.invalid = RNC_TOKENIZER_INVALID_SKIP;
  std::vector<std::string> out;
  RncTokenizer *tok = rnc_tokenizer_new (&c, nullptr);
  const char in[] = "ab\xff" "cd \xc0 ef";
  rnc_tokenizer_feed (tok, (const guint8 *) in, sizeof (in) - 1, collect, &out);
  rnc_tokenizer_finish (tok, collect, &out);
  EXPECT_EQ (out, words ({"abcd", "ef"}));
  EXPECT_EQ (rnc_tokenizer_get_n_invalid (tok), 2u);
  EXPECT_EQ (rnc_tokenizer_get_first_invalid_offset (tok), 2);
  rnc_tokenizer_reset (tok);
  EXPECT_EQ (rnc_tokenizer_get_n_invalid (tok), 0u);
  EXPECT_EQ (rnc_tokenizer_get_first_invalid_offset (tok), -1);
  rnc_tokenizer_free (tok);
}

/* Any split of the input into chunks gives the same tokens: every split
 * point of a text with 2-, 3- and 4-byte characters and an invalid byte. */
TEST (RncTokenizer, IsSplitInvariant)
{
  const std::string text = "Ünïcödé «€uro» x²-y \xff tail 🙂🙂!! __a_ 12,5 ΟΔΟΣ";
  for (gboolean lower : { (gboolean) FALSE, (gboolean) TRUE }) {
    auto c = config (RNC_TOKENIZER_MODE_WORD, lower, 5);
    auto whole = tokenize (text, c);
    ASSERT_GT (whole.size (), 10u);
    for (size_t chunk = 1; chunk <= 9; chunk++)
      EXPECT_EQ (tokenize (text, c, chunk), whole) << "chunk " << chunk;
    /* two feeds split at every position */
    for (size_t k = 0; k <= text.size (); k++) {
      std::vector<std::string> out;
      RncTokenizer *tok = rnc_tokenizer_new (&c, nullptr);
      rnc_tokenizer_feed (tok, (const guint8 *) text.data (), k, collect, &out);
      rnc_tokenizer_feed (tok, (const guint8 *) text.data () + k,
          text.size () - k, collect, &out);
      rnc_tokenizer_finish (tok, collect, &out);
      EXPECT_EQ (out, whole) << "split at " << k;
      rnc_tokenizer_free (tok);
    }
  }
}

TEST (RncTokenizer, SplitsRunsLongerThanMaxTokenBytes)
{
  auto c = config (RNC_TOKENIZER_MODE_WORD, FALSE, 4);
  EXPECT_EQ (tokenize ("abcdefghij ------", c),
      words ({"abcd", "efgh", "ij", "----", "--"}));
  /* cut at character boundaries: é is 2 bytes */
  EXPECT_EQ (tokenize ("ééé aéé", c), words ({"éé", "é", "aé", "é"}));
  EXPECT_EQ (tokenize ("abcdefghij", c, 3), words ({"abcd", "efgh", "ij"}));
}

TEST (RncTokenizer, RejectsMaxTokenBytesOutOfRange)
{
  GError *error = nullptr;
  auto c = config (RNC_TOKENIZER_MODE_WORD, FALSE, 3);
  EXPECT_EQ (rnc_tokenizer_new (&c, &error), nullptr);
  ASSERT_NE (error, nullptr);
  EXPECT_TRUE (g_error_matches (error, RNC_TOKENIZER_ERROR,
          RNC_TOKENIZER_ERROR_INVALID));
  EXPECT_NE (strstr (error->message, "max-token-bytes"), nullptr);
  g_clear_error (&error);
}

TEST (RncTokenizer, CharModeEmitsCharactersAndOneSpaceBetweenWords)
{
  auto c = config (RNC_TOKENIZER_MODE_CHAR);
  EXPECT_EQ (tokenize ("  ab \r\n\t cé!\n", c),
      words ({"a", "b", " ", "c", "é", "!"}));
  c.lowercase = TRUE;
  EXPECT_EQ (tokenize ("AÉ Σ", c, 1), words ({"a", "é", " ", "σ"}));
}

/* Regression (issue 13): NUL used to be punctuation, so "\0" gave a token
 * of length 1 whose C string is empty, and "a\0\0." one whose C string
 * is "a"-less garbage. NUL is a separator in both modes: collect() checks
 * strlen (token) == len for every token, at every chunking. */
TEST (RncTokenizer, TreatsNulAsSeparatorInBothModes)
{
  const std::string nul (1, '\0');
  const std::string text = nul + "ab" + nul + "cd" + nul + nul + ".!" + nul
      + "\xc3\xa9" + nul + "x " + nul + "y" + nul;
  for (gboolean lower : { (gboolean) FALSE, (gboolean) TRUE }) {
    auto w = config (RNC_TOKENIZER_MODE_WORD, lower);
    auto c = config (RNC_TOKENIZER_MODE_CHAR, lower);
    for (size_t chunk : { (size_t) 0, (size_t) 1, (size_t) 2, (size_t) 3 }) {
      EXPECT_EQ (tokenize (text, w, chunk),
          words ({"ab", "cd", ".!", "\xc3\xa9", "x", "y"})) << chunk;
      EXPECT_EQ (tokenize (text, c, chunk),
          words ({"a", "b", " ", "c", "d", " ", ".", "!", " ", "\xc3\xa9",
                  " ", "x", " ", "y"})) << chunk;
    }
    EXPECT_TRUE (tokenize (nul, w).empty ());
    EXPECT_TRUE (tokenize (nul, c).empty ());
    EXPECT_TRUE (tokenize (nul + nul + nul, c, 1).empty ());
  }
}

TEST (RncTokenizer, StopsAfterMaxTokens)
{
  auto c = config (RNC_TOKENIZER_MODE_WORD, TRUE);
  c.max_tokens = 4;
  std::vector<std::string> out;
  RncTokenizer *tok = rnc_tokenizer_new (&c, nullptr);
  RncWordSet *stop = rnc_word_set_new_english_stopwords ();
  rnc_tokenizer_set_stopwords (tok, stop);
  const char in[] = "The whale, the sea and more";
  /* raw tokens are counted before the filters */
  EXPECT_TRUE (rnc_tokenizer_feed (tok, (const guint8 *) in, sizeof (in) - 1,
          collect, &out));
  rnc_tokenizer_finish (tok, collect, &out);
  EXPECT_EQ (out, words ({"whale", ","}));
  EXPECT_EQ (rnc_tokenizer_get_n_raw_tokens (tok), 4u);
  EXPECT_EQ (rnc_tokenizer_get_n_tokens (tok), 2u);
  rnc_tokenizer_free (tok);
}

TEST (RncTokenizer, DropsByteOrderMarkOnlyAtStart)
{
  auto c = config ();
  EXPECT_EQ (tokenize ("\xef\xbb\xbfHello \xef\xbb\xbfX", c),
      words ({"Hello", "\xef\xbb\xbf", "X"}));
  EXPECT_EQ (tokenize ("\xef\xbb\xbfHello", c, 1), words ({"Hello"}));
}

TEST (RncTokenizer, FiltersWithDictionaryThenStopwords)
{
  auto c = config (RNC_TOKENIZER_MODE_WORD, TRUE);
  const char dict_text[] = "whale\nthe\nsea\nShip\nCaptain\n";
  RncWordSet *dict = rnc_word_set_load_from_data (dict_text,
      sizeof (dict_text) - 1, "dict", RNC_WORD_SET_RULE_LOWERCASE, nullptr);
  ASSERT_NE (dict, nullptr);
  EXPECT_EQ (rnc_word_set_get_size (dict), 3u);
  EXPECT_EQ (tokenize ("The WHALE, the Sea; a ship and the Captain", c, 0, dict,
          rnc_word_set_new_english_stopwords ()),
      words ({"whale", "sea"}));
}

TEST (RncWordSet, LowercaseRuleIsPythonIsLower)
{
  struct { const char *w; bool lower; } table[] = {
    { "abc", true }, { "Abc", false }, { "a-b", true }, { "123", false },
    { "ß", true }, { "aB", false }, { "ǆ", true }, { "ª", true },
  };
  for (auto &e : table)
    EXPECT_EQ ((bool) rnc_utf8_is_python_lower (e.w, strlen (e.w)), e.lower)
        << e.w;
}

TEST (RncWordSet, ReadsLinesAsNltkWordListReader)
{
  const char text[] = "one\r\ntwo\n\n  three \nfour";
  RncWordSet *set = rnc_word_set_load_from_data (text, sizeof (text) - 1,
      "list", RNC_WORD_SET_RULE_ALL, nullptr);
  ASSERT_NE (set, nullptr);
  EXPECT_EQ (rnc_word_set_get_size (set), 4u);
  EXPECT_TRUE (rnc_word_set_contains (set, "one"));
  EXPECT_TRUE (rnc_word_set_contains (set, "  three "));
  EXPECT_TRUE (rnc_word_set_contains (set, "four"));
  EXPECT_FALSE (rnc_word_set_contains (set, ""));
  rnc_word_set_free (set);
}

TEST (RncWordSet, RejectsInvalidUtf8WithLineNumber)
{
  GError *error = nullptr;
  const char text[] = "one\ntwo\nth\xffree\n";
  EXPECT_EQ (rnc_word_set_load_from_data (text, sizeof (text) - 1, "bad.txt",
          RNC_WORD_SET_RULE_ALL, &error), nullptr);
  ASSERT_NE (error, nullptr);
  EXPECT_TRUE (g_error_matches (error, RNC_TOKENIZER_ERROR,
          RNC_TOKENIZER_ERROR_ENCODING));
  EXPECT_NE (strstr (error->message, "bad.txt:3"), nullptr) << error->message;
  g_clear_error (&error);

  EXPECT_EQ (rnc_word_set_load ("/nonexistent/words", RNC_WORD_SET_RULE_ALL,
          &error), nullptr);
  ASSERT_NE (error, nullptr);
  EXPECT_TRUE (g_error_matches (error, RNC_TOKENIZER_ERROR,
          RNC_TOKENIZER_ERROR_IO));
  EXPECT_NE (strstr (error->message, "/nonexistent/words"), nullptr);
  g_clear_error (&error);
}

TEST (RncWordSet, StopwordSpecs)
{
  GError *error = nullptr;
  EXPECT_EQ (rnc_word_set_new_stopwords ("none", &error), nullptr);
  EXPECT_EQ (rnc_word_set_new_stopwords (nullptr, &error), nullptr);
  EXPECT_EQ (error, nullptr);
  RncWordSet *en = rnc_word_set_new_stopwords ("english", &error);
  ASSERT_NE (en, nullptr);
  EXPECT_EQ (rnc_word_set_get_size (en), 179u);
  rnc_word_set_free (en);
  EXPECT_EQ (rnc_word_set_new_stopwords ("/nonexistent/stop", &error), nullptr);
  EXPECT_NE (error, nullptr);
  g_clear_error (&error);
}

/* The compiled-in list equals NLTK's file, word for word and in order. */
TEST (RncWordSet, EnglishStopwordsEqualNltkFile)
{
  RNC_REQUIRE_SHARED_DATA (dir);
  auto lines = read_lines (dir + "/nltk_data_subset/corpora/stopwords/english");
  ASSERT_EQ (lines.size (), 179u);
  size_t n = 0;
  const char *const *list = rnc_english_stopwords (&n);
  ASSERT_EQ (n, lines.size ());
  for (size_t i = 0; i < n; i++)
    EXPECT_EQ (list[i], lines[i]) << "word " << i;
  EXPECT_EQ (std::set<std::string> (lines.begin (), lines.end ()).size (), 179u);
}

/* The notebook's english_dict: 210,687 words/en lines pass w.islower(). */
TEST (RncWordSet, LowercaseRuleGivesTheNotebooksEnglishDict)
{
  RNC_REQUIRE_SHARED_DATA (dir);
  GError *error = nullptr;
  RncWordSet *dict = rnc_word_set_load (
      (dir + "/nltk_data_subset/corpora/words/en").c_str (),
      RNC_WORD_SET_RULE_LOWERCASE, &error);
  ASSERT_NE (dict, nullptr) << error->message;
  EXPECT_EQ (rnc_word_set_get_size (dict), 210687u);
  EXPECT_TRUE (rnc_word_set_contains (dict, "whale"));
  EXPECT_FALSE (rnc_word_set_contains (dict, "Ahab"));
  rnc_word_set_free (dict);
}

TEST (RncTokenizer, MobyDickMatchesNltkTokens)
{
  RNC_REQUIRE_SHARED_DATA (dir);
  std::string book = read_text (dir +
      "/nltk_data_subset/corpora/gutenberg/melville-moby_dick.txt");
  ASSERT_EQ (book.size (), 1242990u);
  auto ref = read_lines (dir + "/moby/moby_tokens_first50000.txt");
  ASSERT_EQ (ref.size (), 50000u);

  /* 64 KiB chunks, as filesrc reads */
  auto tokens = tokenize (book, config (), 65536);
  EXPECT_EQ (tokens.size (), 260819u);
  ASSERT_GE (tokens.size (), 50000u);
  size_t mismatches = 0, first = 0;
  for (size_t i = 0; i < 50000; i++)
    if (tokens[i] != ref[i] && mismatches++ == 0)
      first = i;
  EXPECT_EQ (mismatches, 0u) << "first at " << first << ": '" << tokens[first]
      << "' != '" << ref[first] << "'";
  EXPECT_EQ (tokens[50000], ".");
}

TEST (RncTokenizer, MobyDickPreprocessingMatchesNotebook)
{
  RNC_REQUIRE_SHARED_DATA (dir);
  std::string book = read_text (dir +
      "/nltk_data_subset/corpora/gutenberg/melville-moby_dick.txt");
  auto ref = read_lines (dir + "/moby/moby_preprocessed_first50000.txt");
  ASSERT_EQ (ref.size (), 16377u);
  RncWordSet *dict = rnc_word_set_load (
      (dir + "/nltk_data_subset/corpora/words/en").c_str (),
      RNC_WORD_SET_RULE_LOWERCASE, nullptr);
  ASSERT_NE (dict, nullptr);

  auto c = config (RNC_TOKENIZER_MODE_WORD, TRUE);
  c.max_tokens = 50000;
  auto pre = tokenize (book, c, 4096, dict,
      rnc_word_set_new_english_stopwords ());
  EXPECT_EQ (pre, ref);
  ASSERT_GE (pre.size (), 5025u);
  EXPECT_EQ (std::vector<std::string> (pre.begin () + 5000, pre.begin () + 5025),
      words ({"last", "fire", "took", "idol", "unceremoniously", "bagged",
              "grego", "pocket", "carelessly", "sportsman", "bagging", "dead",
              "woodcock", "queer", "uncomfortableness", "seeing", "strong",
              "concluding", "business", "bed", "thought", "high", "time",
              "never", "light"}));
}
