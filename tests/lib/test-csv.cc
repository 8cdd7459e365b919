/* The CSV reader and formatter (lib/rnc-csv.c): header detection, column
 * choice, quoting, line ends, NaN policies, errors with line numbers, and
 * byte-by-byte feeding equal to whole-text parsing. */
#include "rnc-test-util.h"

#include "rnc-csv.h"

#include <glib/gstdio.h>

#include <cfloat>
#include <cmath>

#include <string>
#include <unistd.h>
#include <tuple>
#include <vector>

namespace {

struct Parsed
{
  bool ok = false;
  std::vector<float> values;
  size_t rows = 0, width = 0;
  std::vector<std::string> names;
  std::vector<size_t> columns;
  guint64 n_dropped = 0, n_held = 0;
  bool has_names = false;
  std::string error;
  int code = -1;
};

Parsed
parse (const std::string &text, const char *columns = nullptr,
    RncCsvHeaderMode header = RNC_CSV_HEADER_AUTO,
    RncCsvNanPolicy nan = RNC_CSV_NAN_ERROR, char delim = ',')
{
  RncCsvOptions o;
  rnc_csv_options_init (&o);
  o.columns = columns;
  o.header = header;
  o.nan = nan;
  o.delimiter = delim;
  Parsed p;
  RncCsvTable t;
  GError *err = nullptr;
  p.ok = rnc_csv_parse_data (text.data (), text.size (), &o, "t.csv", &t,
      &err);
  if (p.ok) {
    p.rows = t.n_rows;
    p.width = t.width;
    p.values.assign (t.values, t.values + t.n_rows * t.width);
    p.columns.assign (t.columns, t.columns + t.width);
    p.n_dropped = t.n_dropped;
    p.n_held = t.n_held;
    if (t.names) {
      p.has_names = true;
      for (char **n = t.names; *n; n++)
        p.names.push_back (*n);
    }
    rnc_csv_table_clear (&t);
  } else {
    p.error = err->message;
    p.code = err->code;
  }
  g_clear_error (&err);
  return p;
}

/* Feeds @text in pieces of @step bytes, keeping unconsumed bytes as an
 * element's adapter does. */
Parsed
parse_in_pieces (const std::string &text, size_t step, const char *columns,
    RncCsvNanPolicy nan = RNC_CSV_NAN_ERROR)
{
  RncCsvOptions o;
  rnc_csv_options_init (&o);
  o.columns = columns;
  o.nan = nan;
  Parsed p;
  GError *err = nullptr;
  RncCsvReader *r = rnc_csv_reader_new (&o, &err);
  EXPECT_NE (r, nullptr);
  GArray *frames = g_array_new (FALSE, FALSE, sizeof (float));
  std::string pending;
  size_t pos = 0;
  bool ok = true;
  while (ok && pos < text.size ()) {
    pending += text.substr (pos, step);
    pos += step;
    size_t consumed = 0;
    ok = rnc_csv_reader_feed (r, pending.data (), pending.size (), FALSE,
        &consumed, frames, &err);
    pending.erase (0, consumed);
  }
  if (ok) {
    size_t consumed = 0;
    ok = rnc_csv_reader_feed (r, pending.data (), pending.size (), TRUE,
        &consumed, frames, &err);
    EXPECT_TRUE (!ok || consumed == pending.size ());
  }
  p.ok = ok;
  if (ok) {
    p.width = rnc_csv_reader_get_width (r);
    p.values.assign ((float *) frames->data, (float *) frames->data + frames->len);
    p.rows = p.width ? frames->len / p.width : 0;
  } else {
    p.error = err->message;
    p.code = err->code;
  }
  g_clear_error (&err);
  g_array_unref (frames);
  rnc_csv_reader_free (r);
  return p;
}

} // namespace

TEST (RncCsv, HeaderDetectedAndDateColumnLeftOut)
{
  auto p = parse ("time,value\n1949-01,112\n1949-02,118\n1949-03,132\n");
  ASSERT_TRUE (p.ok) << p.error;
  EXPECT_EQ (p.width, 1u);
  EXPECT_EQ (p.rows, 3u);
  EXPECT_EQ (p.values, (std::vector<float>{ 112, 118, 132 }));
  ASSERT_TRUE (p.has_names);
  EXPECT_EQ (p.names, (std::vector<std::string>{ "value" }));
}

TEST (RncCsv, HeaderlessFileWithDatesIsAllData)
{
  auto p = parse ("1949-01,112\n1949-02,118\n");
  ASSERT_TRUE (p.ok) << p.error;
  EXPECT_EQ (p.rows, 2u);
  EXPECT_EQ (p.values, (std::vector<float>{ 112, 118 }));
  EXPECT_FALSE (p.has_names);
}

TEST (RncCsv, NumericHeaderNamesAreStillAHeader)
{
  /* "id,1,2" has numbers, but "id" is text above a number */
  auto p = parse ("id,1,2\n5,0.5,0.25\n");
  ASSERT_TRUE (p.ok) << p.error;
  EXPECT_EQ (p.rows, 1u);
  EXPECT_EQ (p.values, (std::vector<float>{ 5, 0.5f, 0.25f }));
  EXPECT_EQ (p.names, (std::vector<std::string>{ "id", "1", "2" }));
}

TEST (RncCsv, ForcedHeaderModes)
{
  auto p = parse ("1,2\n3,4\n", nullptr, RNC_CSV_HEADER_PRESENT);
  ASSERT_TRUE (p.ok) << p.error;
  EXPECT_EQ (p.values, (std::vector<float>{ 3, 4 }));
  EXPECT_EQ (p.names, (std::vector<std::string>{ "1", "2" }));

  auto q = parse ("1,2\n3,4\n", nullptr, RNC_CSV_HEADER_ABSENT);
  ASSERT_TRUE (q.ok) << q.error;
  EXPECT_EQ (q.values, (std::vector<float>{ 1, 2, 3, 4 }));

  auto r = parse ("a,b\n1,2\n", nullptr, RNC_CSV_HEADER_ABSENT);
  EXPECT_FALSE (r.ok);
  EXPECT_EQ (r.code, RNC_CSV_ERROR_COLUMN) << r.error;
}

TEST (RncCsv, LoneLineWithoutNumbersIsAHeader)
{
  auto p = parse ("a,b\n");
  EXPECT_FALSE (p.ok);          /* no data line */
  auto q = parse ("1.5,2\n");
  ASSERT_TRUE (q.ok) << q.error;
  EXPECT_EQ (q.values, (std::vector<float>{ 1.5f, 2 }));
}

TEST (RncCsv, ColumnsByNameAndIndexInTheGivenOrder)
{
  const std::string t = "t,x,y,z\n0,1,2,3\n1,4,5,6\n";
  auto p = parse (t, "z,x");
  ASSERT_TRUE (p.ok) << p.error;
  EXPECT_EQ (p.width, 2u);
  EXPECT_EQ (p.values, (std::vector<float>{ 3, 1, 6, 4 }));
  EXPECT_EQ (p.names, (std::vector<std::string>{ "z", "x" }));

  auto q = parse (t, "2, 0");
  ASSERT_TRUE (q.ok) << q.error;
  EXPECT_EQ (q.values, (std::vector<float>{ 2, 0, 5, 1 }));
  EXPECT_EQ (q.names, (std::vector<std::string>{ "y", "t" }));

  auto r = parse ("0,1,2\n3,4,5\n", "1");
  ASSERT_TRUE (r.ok) << r.error;
  EXPECT_EQ (r.values, (std::vector<float>{ 1, 4 }));
}

TEST (RncCsv, RejectsUnknownColumns)
{
  auto p = parse ("t,x\n0,1\n", "value");
  EXPECT_FALSE (p.ok);
  EXPECT_EQ (p.code, RNC_CSV_ERROR_COLUMN);
  EXPECT_NE (p.error.find ("\"value\""), std::string::npos) << p.error;
  EXPECT_NE (p.error.find ("t, x"), std::string::npos) << p.error;

  auto q = parse ("0,1\n2,3\n", "value");
  EXPECT_FALSE (q.ok);
  EXPECT_NE (q.error.find ("no header"), std::string::npos) << q.error;

  auto r = parse ("t,x\n0,1\n", "5");
  EXPECT_FALSE (r.ok);
  EXPECT_NE (r.error.find ("out of range"), std::string::npos) << r.error;

  auto s = parse ("0,1\n2\n", "1");
  EXPECT_FALSE (s.ok);
  EXPECT_EQ (s.code, RNC_CSV_ERROR_FIELDS);
  EXPECT_NE (s.error.find ("t.csv:2: "), std::string::npos) << s.error;
}

TEST (RncCsv, CrlfQuotesBlankLinesAndBom)
{
  const std::string t =
      "\xEF\xBB\xBF" "name,\"a, b\",c\r\n"
      "\r\n"
      "\"x \"\"1\"\"\", \"1.5\" ,2\r\n"
      "   \r\n"
      "\"multi\nline\",3,4\r\n";
  /* a name holding a comma is chosen by its index */
  auto p = parse (t, "1,c");
  ASSERT_TRUE (p.ok) << p.error;
  EXPECT_EQ (p.values, (std::vector<float>{ 1.5f, 2, 3, 4 }));
  EXPECT_EQ (p.names, (std::vector<std::string>{ "a, b", "c" }));
}

TEST (RncCsv, OtherDelimiters)
{
  char d = 0;
  ASSERT_TRUE (rnc_csv_parse_delimiter ("\\t", &d, nullptr));
  EXPECT_EQ (d, '\t');
  ASSERT_TRUE (rnc_csv_parse_delimiter (";", &d, nullptr));
  EXPECT_EQ (d, ';');
  EXPECT_FALSE (rnc_csv_parse_delimiter ("\"", &d, nullptr));
  EXPECT_FALSE (rnc_csv_parse_delimiter (";;", &d, nullptr));
  EXPECT_FALSE (rnc_csv_parse_delimiter ("", &d, nullptr));

  auto p = parse ("a;b\n1,5;2\n", nullptr, RNC_CSV_HEADER_AUTO,
      RNC_CSV_NAN_ERROR, ';');
  /* "1,5" is not a number with ';' as delimiter: only b is chosen */
  ASSERT_TRUE (p.ok) << p.error;
  EXPECT_EQ (p.values, (std::vector<float>{ 2 }));

  auto q = parse ("a\tb\n 1\t2 \n", nullptr, RNC_CSV_HEADER_AUTO,
      RNC_CSV_NAN_ERROR, '\t');
  ASSERT_TRUE (q.ok) << q.error;
  EXPECT_EQ (q.values, (std::vector<float>{ 1, 2 }));
}

TEST (RncCsv, MalformedNumberNamesItsLine)
{
  auto p = parse ("t,v\n0,1\n1,2\n\n2,1.2.3\n", "v");
  EXPECT_FALSE (p.ok);
  EXPECT_EQ (p.code, RNC_CSV_ERROR_NUMBER);
  EXPECT_NE (p.error.find ("t.csv:5: "), std::string::npos) << p.error;
  EXPECT_NE (p.error.find ("1.2.3"), std::string::npos) << p.error;

  for (const char *bad : { "0x10", "inf", "1e", "--1", "1e999", "abc", "1 2" }) {
    auto q = parse (std::string ("v\n1\n") + bad + "\n");
    EXPECT_FALSE (q.ok) << bad;
    EXPECT_NE (q.error.find ("t.csv:3: "), std::string::npos) << q.error;
  }
  for (const char *good : { ".5", "5.", "-1e-3", "+2E+2", " 7 " }) {
    auto q = parse (std::string ("v\n1\n") + good + "\n");
    EXPECT_TRUE (q.ok) << good << ": " << q.error;
  }
}

/* The float range ends where a value would round to infinity, not at
 * FLT_MAX itself: FLT_MAX printed with 9 digits (3.40282347e+38, a hair
 * above FLT_MAX) is a number, and so is everything below the midpoint
 * 2^128 - 2^103 = 3.4028235677973366e+38; from there on it overflows.
 * (Found by fuzz-csv: frames written back with 9 digits failed to read.) */
TEST (RncCsv, FloatRangeEndsWhereRoundingOverflows)
{
  for (const char *good : { "3.40282347e+38", "-3.40282347e+38",
           "3.4028235677e38", "1.4e-45" }) {
    auto q = parse (std::string ("v\n1\n") + good + "\n");
    ASSERT_TRUE (q.ok) << good << ": " << q.error;
    ASSERT_EQ (q.values.size (), 2u);
    EXPECT_EQ (q.values[1], (float) g_ascii_strtod (good, nullptr)) << good;
    EXPECT_TRUE (std::isfinite (q.values[1])) << good;
  }
  auto p = parse ("v\n1\n3.40282347e+38\n");
  EXPECT_EQ (p.values[1], FLT_MAX);
  for (const char *bad : { "3.4028235678e38", "3.5e38", "-3.4028236e38" }) {
    auto q = parse (std::string ("v\n1\n") + bad + "\n");
    EXPECT_FALSE (q.ok) << bad;
    EXPECT_EQ (q.code, RNC_CSV_ERROR_NUMBER) << bad;
  }
}

TEST (RncCsv, LineNumbersCountQuotedLineBreaks)
{
  auto p = parse ("n,v\n\"a\nb\",1\nc,x\n", "v");
  EXPECT_FALSE (p.ok);
  EXPECT_NE (p.error.find ("t.csv:4: "), std::string::npos) << p.error;
}

TEST (RncCsv, RejectsBadQuoting)
{
  auto p = parse ("v\n1\n\"2\n");
  EXPECT_FALSE (p.ok);
  EXPECT_EQ (p.code, RNC_CSV_ERROR_SYNTAX);
  EXPECT_NE (p.error.find ("t.csv:3: "), std::string::npos) << p.error;
  auto q = parse ("v,w\n1,2\n\"3\"x,4\n");
  EXPECT_FALSE (q.ok);
  EXPECT_EQ (q.code, RNC_CSV_ERROR_SYNTAX);
}

class RncCsvNan : public ::testing::TestWithParam<
    std::tuple<RncCsvNanPolicy, bool, std::vector<float>>> {};

TEST_P (RncCsvNan, MissingValuesFollowThePolicy)
{
  auto [policy, ok, expected] = GetParam ();
  /* x is missing on lines 2 (before any value), 4 and 5; y on line 6 */
  const std::string t = "x,y\n,1\n2,3\nNaN,4\n  ,5\n6,null\n7,8\n";
  auto p = parse (t, nullptr, RNC_CSV_HEADER_PRESENT, policy);
  ASSERT_EQ (p.ok, ok) << p.error;
  if (ok)
    EXPECT_EQ (p.values, expected);
  else
    EXPECT_NE (p.error.find ("t.csv:2: "), std::string::npos) << p.error;
}

INSTANTIATE_TEST_SUITE_P (Policies, RncCsvNan, ::testing::Values (
        std::make_tuple (RNC_CSV_NAN_ERROR, false, std::vector<float>{}),
        std::make_tuple (RNC_CSV_NAN_SKIP, true,
            std::vector<float>{ 2, 3, 7, 8 }),
        std::make_tuple (RNC_CSV_NAN_HOLD, true,
            std::vector<float>{ 2, 3, 2, 4, 2, 5, 6, 5, 7, 8 })));

TEST (RncCsv, DefaultChoiceNeedsANumericColumn)
{
  auto p = parse ("a,b\nx,y\n");
  EXPECT_FALSE (p.ok);
  EXPECT_EQ (p.code, RNC_CSV_ERROR_COLUMN);
}

TEST (RncCsv, AnySplitGivesTheSameFrames)
{
  std::string t = "time,\"a\",b\r\n";
  for (int i = 0; i < 200; i++)
    t += "2000-" + std::to_string (i) + "," + std::to_string (i * 0.25) +
        ",\"" + std::to_string (-i) + "\"\r\n";
  t += "\n2001-1,1e-3,7";       /* no final line break */
  auto whole = parse (t);
  ASSERT_TRUE (whole.ok) << whole.error;
  EXPECT_EQ (whole.rows, 201u);
  for (size_t step : { 1, 2, 3, 7, 13, 4096 }) {
    auto p = parse_in_pieces (t, step, nullptr);
    ASSERT_TRUE (p.ok) << p.error;
    EXPECT_EQ (p.values, whole.values) << "step " << step;
  }
}

TEST (RncCsv, LongRecordIsRefusedWithoutRescanning)
{
  /* a 2 MiB quoted field never closed: refused once it passes the limit */
  std::string t = "v\n1\n\"";
  t += std::string (2u << 20, 'x');
  auto p = parse_in_pieces (t, 65536, nullptr);
  EXPECT_FALSE (p.ok);
  EXPECT_EQ (p.code, RNC_CSV_ERROR_TOO_LONG) << p.error;
}

TEST (RncCsv, RejectsBadOptions)
{
  RncCsvOptions o;
  rnc_csv_options_init (&o);
  o.columns = "a,,b";
  GError *err = nullptr;
  EXPECT_EQ (rnc_csv_reader_new (&o, &err), nullptr);
  ASSERT_NE (err, nullptr);
  EXPECT_EQ (err->code, RNC_CSV_ERROR_OPTIONS);
  g_clear_error (&err);
  o.columns = nullptr;
  o.delimiter = '"';
  EXPECT_EQ (rnc_csv_reader_new (&o, &err), nullptr);
  g_clear_error (&err);
}

TEST (RncCsv, ReadFileAndMissingFile)
{
  char *path = g_build_filename (g_get_tmp_dir (), "rnc-test-csv-XXXXXX.csv",
      nullptr);
  int fd = g_mkstemp (path);
  ASSERT_GE (fd, 0);
  const char text[] = "time,value\n1,2.5\n2,3.5\n";
  ASSERT_EQ (write (fd, text, sizeof (text) - 1), (ssize_t) sizeof (text) - 1);
  close (fd);
  RncCsvOptions o;
  rnc_csv_options_init (&o);
  o.columns = "value";
  GError *err = nullptr;
  {
    g_auto (RncCsvTable) t;
    ASSERT_TRUE (rnc_csv_read_file (path, &o, &t, &err)) << err->message;
    EXPECT_EQ (t.n_rows, 2u);
    EXPECT_EQ (t.width, 1u);
    EXPECT_EQ (t.values[0], 2.5f);
    EXPECT_EQ (t.values[1], 3.5f);
    EXPECT_EQ (t.columns[0], 1u);
    ASSERT_NE (t.names, nullptr);
    EXPECT_STREQ (t.names[0], "value");
  }
  g_unlink (path);
  RncCsvTable t;
  EXPECT_FALSE (rnc_csv_read_file (path, &o, &t, &err));
  ASSERT_NE (err, nullptr);
  EXPECT_EQ (err->code, RNC_CSV_ERROR_IO);
  EXPECT_NE (std::string (err->message).find (path), std::string::npos);
  EXPECT_EQ (t.values, nullptr);
  g_clear_error (&err);
  g_free (path);
}

/* A file of several read pieces (records across the piece boundaries)
 * gives the whole text's frames; an error names the file and line. */
TEST (RncCsv, LargeFileEqualsWholeTextAndNamesFileAndLine)
{
  std::string text = "time,\"a\",b\n";
  for (int i = 0; i < 20000; i++)
    text += "2000-" + std::to_string (i) + "," + std::to_string (i * 0.5) +
        ",\"" + std::to_string (-i) + "\"\n";
  ASSERT_GT (text.size (), 3u * 65536u);
  char *path = g_build_filename (g_get_tmp_dir (), "rnc-test-csv-XXXXXX.csv",
      nullptr);
  int fd = g_mkstemp (path);
  ASSERT_GE (fd, 0);
  close (fd);
  ASSERT_TRUE (g_file_set_contents (path, text.data (), (gssize) text.size (),
          nullptr));
  auto whole = parse (text);
  ASSERT_TRUE (whole.ok) << whole.error;
  GError *err = nullptr;
  {
    g_auto (RncCsvTable) t;
    ASSERT_TRUE (rnc_csv_read_file (path, nullptr, &t, &err)) << err->message;
    ASSERT_EQ (t.n_rows, 20000u);
    EXPECT_EQ (std::vector<float> (t.values, t.values + t.n_rows * t.width),
        whole.values);
    EXPECT_EQ (std::vector<size_t> (t.columns, t.columns + t.width),
        (std::vector<size_t>{ 1, 2 }));
  }
  text += "2001-1,oops,3\n";
  ASSERT_TRUE (g_file_set_contents (path, text.data (), (gssize) text.size (),
          nullptr));
  RncCsvTable t;
  EXPECT_FALSE (rnc_csv_read_file (path, nullptr, &t, &err));
  ASSERT_NE (err, nullptr);
  EXPECT_EQ (err->code, RNC_CSV_ERROR_NUMBER);
  EXPECT_EQ (std::string (err->message).find (std::string (path) + ":20002: "),
      0u) << err->message;
  EXPECT_NE (std::string (err->message).find ("oops"), std::string::npos);
  g_clear_error (&err);
  g_unlink (path);
  g_free (path);
}

TEST (RncCsv, NulByteIsNotText)
{
  auto p = parse (std::string ("v\n1\n2\0\0\n3\n", 11), nullptr,
      RNC_CSV_HEADER_AUTO, RNC_CSV_NAN_SKIP);
  EXPECT_FALSE (p.ok);
  EXPECT_EQ (p.code, RNC_CSV_ERROR_SYNTAX);
  EXPECT_NE (p.error.find ("t.csv:3: "), std::string::npos) << p.error;
  EXPECT_NE (p.error.find ("NUL"), std::string::npos) << p.error;
}

TEST (RncCsv, CountsDroppedRecordsAndHeldValues)
{
  /* x is missing on lines 2 (before any value), 4 and 5; y on line 6 */
  const std::string t = "x,y\n,1\n2,3\nNaN,4\n  ,5\n6,null\n7,8\n";
  auto s = parse (t, nullptr, RNC_CSV_HEADER_PRESENT, RNC_CSV_NAN_SKIP);
  ASSERT_TRUE (s.ok) << s.error;
  EXPECT_EQ (s.n_dropped, 4u);
  EXPECT_EQ (s.n_held, 0u);
  auto h = parse (t, nullptr, RNC_CSV_HEADER_PRESENT, RNC_CSV_NAN_HOLD);
  ASSERT_TRUE (h.ok) << h.error;
  EXPECT_EQ (h.n_dropped, 1u);
  EXPECT_EQ (h.n_held, 3u);
  EXPECT_EQ (h.columns, (std::vector<size_t>{ 0, 1 }));
  auto c = parse ("d,v,w\nx,1,2\n", "w,v");
  ASSERT_TRUE (c.ok) << c.error;
  EXPECT_EQ (c.columns, (std::vector<size_t>{ 2, 1 }));
}

TEST (RncCsv, FormatsFramesAndHeaders)
{
  GString *s = g_string_new (nullptr);
  const float v[] = { 1.0f, -0.5f, 1.0f / 3.0f, NAN, INFINITY };
  rnc_csv_format_floats (s, v, 1, 5, 6, ',');
  EXPECT_STREQ (s->str, "1,-0.5,0.333333,nan,inf\n");
  g_string_truncate (s, 0);
  rnc_csv_format_floats (s, v + 2, 1, 1, 9, ';');
  /* 9 digits round-trip a float */
  EXPECT_EQ ((float) g_ascii_strtod (s->str, nullptr), 1.0f / 3.0f);
  g_string_truncate (s, 0);
  const gint32 ids[] = { 3, -1 };
  rnc_csv_format_ints (s, ids, 1, 2, '\t');
  EXPECT_STREQ (s->str, "3\t-1\n");
  g_string_truncate (s, 0);
  rnc_csv_format_floats (s, v, 2, 2, 3, ',');
  EXPECT_STREQ (s->str, "1,-0.5\n0.333,nan\n");
  g_string_truncate (s, 0);
  const char *names[] = { "a", "b,c", "say \"hi\"" };
  rnc_csv_format_header (s, names, 3, ',');
  EXPECT_STREQ (s->str, "a,\"b,c\",\"say \"\"hi\"\"\"\n");
  /* and the reader reads the header back */
  std::string t = std::string (s->str) + "1,2,3\n";
  auto p = parse (t);
  ASSERT_TRUE (p.ok) << p.error;
  EXPECT_EQ (p.names, (std::vector<std::string>{ "a", "b,c", "say \"hi\"" }));
  g_string_free (s, TRUE);
}

/* rnc_csv_reader_resync: after it, the bytes up to the first LF are not a
 * record, the header and columns stay, and any split gives the same
 * frames. */
TEST (RncCsv, ResyncDropsThePartialLineAndKeepsTheColumns)
{
  RncCsvOptions o;
  rnc_csv_options_init (&o);
  o.columns = "v";
  const std::string head = "t,v\n0,1\n", tail = "7,x,garbage\n1,2\n2,3\n";
  for (size_t step : { (size_t) 1, (size_t) 3, tail.size () }) {
    g_autoptr (RncCsvReader) r = rnc_csv_reader_new (&o, nullptr);
    GArray *frames = g_array_new (FALSE, FALSE, sizeof (float));
    size_t consumed = 0;
    GError *err = nullptr;
    ASSERT_TRUE (rnc_csv_reader_feed (r, head.data (), head.size (), FALSE,
            &consumed, frames, &err));
    ASSERT_EQ (consumed, head.size ());
    rnc_csv_reader_resync (r);
    std::string pending;
    for (size_t i = 0; i < tail.size (); i += step) {
      pending += tail.substr (i, step);
      consumed = 0;
      ASSERT_TRUE (rnc_csv_reader_feed (r, pending.data (), pending.size (),
              FALSE, &consumed, frames, &err)) << err->message;
      pending.erase (0, consumed);
    }
    ASSERT_TRUE (rnc_csv_reader_feed (r, pending.data (), pending.size (),
            TRUE, &consumed, frames, &err));
    std::vector<float> v ((float *) frames->data, (float *) frames->data
        + frames->len);
    EXPECT_EQ (v, (std::vector<float>{ 1, 2, 3 })) << "step " << step;
    EXPECT_EQ (rnc_csv_reader_get_width (r), 1u);
    EXPECT_TRUE (rnc_csv_reader_has_header (r));
    g_array_unref (frames);
  }
}
