/* rnc_json_check / rnc_json_parse: strict RFC 8259 before json-glib. The
 * expectations are the grammar of RFC 8259 (and what Python's json.loads
 * says of the same texts: it accepts every text accepted here and rejects
 * every syntax case below), never this checker's own output. The
 * differential test holds the invariant the whole design rests on: text
 * that passes the check is accepted by json-glib. */
#include "rnc-test-util.h"

#include "rnc-json.h"

#include <random>

namespace {

struct Case {
  const char *name;
  std::string text;
  int code;                     /* -1: accepted */
  const char *needle;
};

std::string
nest (size_t n, char open = '[')
{
  return std::string (n, open);
}

std::vector<Case>
cases ()
{
  std::string closed16 = nest (16) + std::string (16, ']');
  std::string closed17 = nest (17) + std::string (17, ']');
  return {
    {"Array", "[1, -2.5e-3, 0, -0, 1E+2, true, false, null, \"x\"]", -1, ""},
    {"Object", " {\"a\": {\"b\": [[]], \"c\": {}}, \"\": \"\"}\r\n\t", -1, ""},
    {"Escapes", "[\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e9 \\ud83d\\ude42\"]",
      -1, ""},
    {"Utf8InString", "[\"caf\xc3\xa9 \xf0\x9f\x99\x82\"]", -1, ""},
    {"BracketsInsideStringsDoNotNest",
      "[\"" + nest (100) + "\\\"" + nest (100, '{') + "\"]", -1, ""},
    {"DepthAtTheLimit", closed16, -1, ""},
    {"Scalar", "  42 ", -1, ""},
    /* nesting */
    {"DepthAboveTheLimit", closed17, RNC_JSON_ERROR_DEPTH, "deeper than 16"},
    {"HundredThousandBrackets", nest (100000), RNC_JSON_ERROR_DEPTH,
      "deeper than 16"},
    {"HundredThousandBraces", "{\"a\":" + nest (100000, '{'),
      RNC_JSON_ERROR_SYNTAX, "member name"},
    {"DeepInsideAnObject", "{\"k\":" + nest (50) + "}", RNC_JSON_ERROR_DEPTH,
      "deeper"},
    /* trailing data (json-glib 1.6 keeps the first value and leaks the rest) */
    {"TwoArrays", "[\"a\"] [\"b\"]", RNC_JSON_ERROR_TRAILING,
      "after the first value, at byte 6"},
    {"ObjectThenArray", "{\"a\":1} [\"x\"]", RNC_JSON_ERROR_TRAILING, "more data"},
    {"TrailingComma", "[1] ,", RNC_JSON_ERROR_TRAILING, "more data"},
    {"TrailingGarbage", "1 x", RNC_JSON_ERROR_TRAILING, "byte 2"},
    /* what json-glib accepts and RFC 8259 does not */
    {"CommentHidingNesting", "/* \" */ [" + nest (1000) + "\"]",
      RNC_JSON_ERROR_SYNTAX, "'/' at byte 0"},
    {"CommentInArray", "[1 /* x */]", RNC_JSON_ERROR_SYNTAX, "'/'"},
    {"SingleQuotes", "['a']", RNC_JSON_ERROR_SYNTAX, "'''"},
    {"SingleQuoteHidingNesting", "['\"'," + nest (1000) + "]",
      RNC_JSON_ERROR_SYNTAX, "byte 1"},
    {"HexNumber", "[0x10]", RNC_JSON_ERROR_SYNTAX, "byte 2"},
    {"LeadingDot", "[.5]", RNC_JSON_ERROR_SYNTAX, "'.'"},
    {"LeadingZero", "[01]", RNC_JSON_ERROR_SYNTAX, "byte 2"},
    {"LeadingPlus", "[+1]", RNC_JSON_ERROR_SYNTAX, "'+'"},
    {"DotWithoutDigits", "[1.]", RNC_JSON_ERROR_SYNTAX, "decimal point"},
    {"ExponentWithoutDigits", "[1e]", RNC_JSON_ERROR_SYNTAX, "exponent"},
    {"NaN", "[NaN]", RNC_JSON_ERROR_SYNTAX, "'N'"},
    {"Infinity", "[-Infinity]", RNC_JSON_ERROR_SYNTAX, "digit"},
    {"BareWord", "[tru]", RNC_JSON_ERROR_SYNTAX, "value"},
    {"TrailingCommaInArray", "[1,]", RNC_JSON_ERROR_SYNTAX, "']'"},
    {"TrailingCommaInObject", "{\"a\":1,}", RNC_JSON_ERROR_SYNTAX,
      "member name"},
    {"UnquotedKey", "{a:1}", RNC_JSON_ERROR_SYNTAX, "member name"},
    {"MissingColon", "{\"a\" 1}", RNC_JSON_ERROR_SYNTAX, "':'"},
    {"Unclosed", "[1, [2]", RNC_JSON_ERROR_SYNTAX, "ends at byte 7"},
    {"UnclosedString", "[\"abc", RNC_JSON_ERROR_SYNTAX, "no closing quote"},
    {"RawNewlineInString", "[\"a\nb\"]", RNC_JSON_ERROR_SYNTAX, "control"},
    {"BadEscape", "[\"\\x41\"]", RNC_JSON_ERROR_SYNTAX, "escape"},
    {"ShortUnicodeEscape", "[\"\\u12\"]", RNC_JSON_ERROR_SYNTAX, "hex digits"},
    {"Empty", "", RNC_JSON_ERROR_SYNTAX, "no value"},
    {"OnlySpaces", " \n\t ", RNC_JSON_ERROR_SYNTAX, "no value"},
    {"VerticalTabIsNotSpace", "\v[1]", RNC_JSON_ERROR_SYNTAX, "byte 0"},
    /* encoding */
    {"EscapedNul", "[\"a\\u0000b\"]", RNC_JSON_ERROR_ENCODING, "\\u0000"},
    {"LoneHighSurrogate", "[\"\\ud83d\"]", RNC_JSON_ERROR_ENCODING,
      "surrogate"},
    {"LoneLowSurrogate", "[\"\\ude42x\"]", RNC_JSON_ERROR_ENCODING,
      "surrogate"},
    {"RawNul", std::string ("[\"a\0\"]", 6), RNC_JSON_ERROR_NUL,
      "NUL byte at offset 3"},
    {"InvalidUtf8", "[\"caf\xc3\"]", RNC_JSON_ERROR_ENCODING, "UTF-8"},
  };
}

void
PrintTo (const Case &c, std::ostream *os)
{
  *os << c.name;
}

class RncJson : public ::testing::TestWithParam<Case> {};

} // namespace

TEST_P (RncJson, ChecksAsRfc8259)
{
  const Case &c = GetParam ();
  GError *err = nullptr;
  /* exact-size heap copy without terminator: ASan sees any read past it */
  char *text = (char *) g_memdup2 (c.text.data (), c.text.size ());
  gboolean ok = rnc_json_check (text, c.text.size (), "the text",
      RNC_JSON_METADATA_MAX_DEPTH, 0, &err);
  if (c.code < 0) {
    EXPECT_TRUE (ok) << err->message;
    /* and json-glib takes it */
    JsonNode *root = rnc_json_parse (text, (gssize) c.text.size (), "t",
        RNC_JSON_METADATA_MAX_DEPTH, 0, &err);
    EXPECT_NE (root, nullptr) << err->message;
    if (root)
      json_node_unref (root);
  } else {
    EXPECT_FALSE (ok);
    ASSERT_NE (err, nullptr);
    EXPECT_EQ (err->domain, RNC_JSON_ERROR);
    EXPECT_EQ (err->code, c.code) << err->message;
    EXPECT_EQ (strncmp (err->message, "the text ", 9), 0) << err->message;
    EXPECT_NE (strstr (err->message, c.needle), nullptr)
        << "expected '" << c.needle << "' in: " << err->message;
    EXPECT_TRUE (g_utf8_validate (err->message, -1, nullptr));
  }
  g_clear_error (&err);
  g_free (text);
}

INSTANTIATE_TEST_SUITE_P (Texts, RncJson, ::testing::ValuesIn (cases ()),
    [] (const ::testing::TestParamInfo<Case> &info) {
      return std::string (info.param.name);
    });

TEST (RncJsonLimits, CountsValuesAndKeys)
{
  GError *err = nullptr;
  /* 1 array + 3 numbers */
  EXPECT_TRUE (rnc_json_check ("[1,2,3]", 7, "t", 4, 4, nullptr));
  EXPECT_FALSE (rnc_json_check ("[1,2,3]", 7, "t", 4, 3, &err));
  EXPECT_TRUE (g_error_matches (err, RNC_JSON_ERROR, RNC_JSON_ERROR_TOO_LARGE));
  EXPECT_NE (strstr (err->message, "more than 3"), nullptr) << err->message;
  g_clear_error (&err);
  /* 1 object + 1 key + 1 value */
  EXPECT_TRUE (rnc_json_check ("{\"a\":1}", 7, "t", 4, 3, nullptr));
  EXPECT_FALSE (rnc_json_check ("{\"a\":1}", 7, "t", 4, 2, nullptr));
  /* depth 1 allows a flat list only */
  EXPECT_TRUE (rnc_json_check ("[1]", 3, "t", 1, 0, nullptr));
  EXPECT_FALSE (rnc_json_check ("[[1]]", 5, "t", 1, 0, nullptr));
}

/* The checker reads exactly @len bytes: a valid prefix of a longer buffer
 * is judged alone, and a NUL-terminated copy changes nothing. */
TEST (RncJsonLimits, ReadsExactlyLenBytes)
{
  EXPECT_TRUE (rnc_json_check ("[1] [2]", 3, "t", 4, 0, nullptr));
  EXPECT_FALSE (rnc_json_check ("[1] [2]", 2, "t", 4, 0, nullptr));
  JsonNode *n = rnc_json_parse ("[7]", -1, "t", 4, 0, nullptr);
  ASSERT_NE (n, nullptr);
  EXPECT_EQ (json_array_get_int_element (json_node_get_array (n), 0), 7);
  json_node_unref (n);
}

/* Random edits of valid texts: whatever the checker accepts, json-glib
 * accepts too and it is a whole document (the checker never lets json-glib
 * see text it would read differently). Runs under ASan in CI. */
TEST (RncJsonLimits, AcceptedTextsAreAcceptedByJsonGlib)
{
  const std::vector<std::string> bases = {
    "{\"__metadata__\":{\"rnc.cell\":\"lstm\",\"v\":\"[1,2]\"},"
        "\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]}}",
    "[\"a\",\"b\\n\",\"\\u00e9\",\"\\ud83d\\ude42\"]",
    "{\"probs\":[0.1,0.5,0.9],\"q\":[[-1e-3,0,2.5E+1]]}",
  };
  const char alphabet[] = "[]{}\",:\\/*'u0123456789eE+-. \ntfnrx";
  std::mt19937_64 rng (1303);
  int accepted = 0;

  for (int it = 0; it < 20000; it++) {
    std::string s = bases[it % bases.size ()];
    int edits = 1 + (int) (rng () % 3);
    for (int e = 0; e < edits && !s.empty (); e++) {
      size_t at = rng () % s.size ();
      switch (rng () % 3) {
        case 0:
          s[at] = alphabet[rng () % (sizeof (alphabet) - 1)];
          break;
        case 1:
          s.erase (at, 1);
          break;
        default:
          s.insert (at, 1, alphabet[rng () % (sizeof (alphabet) - 1)]);
          break;
      }
    }
    GError *err = nullptr;
    if (!rnc_json_check (s.data (), s.size (), "t", 16, 0, &err)) {
      ASSERT_NE (err, nullptr);
      g_clear_error (&err);
      continue;
    }
    accepted++;
    JsonParser *p = json_parser_new ();
    EXPECT_TRUE (json_parser_load_from_data (p, s.data (), (gssize) s.size (),
            &err)) << s << ": " << (err ? err->message : "");
    g_clear_error (&err);
    EXPECT_NE (json_parser_get_root (p), nullptr) << s;
    g_object_unref (p);
  }
  std::printf ("    %d of 20000 edited texts accepted\n", accepted);
  EXPECT_GT (accepted, 100);
}
