/* The CoNLL reader (lib/rnc-conll.c): sentences, line ends, and errors
 * naming the file and line. */
#include "rnc-test-util.h"

#include "rnc-conll.h"

#include <glib/gstdio.h>

#include <string>
#include <unistd.h>

namespace {

std::string
write_temp (const std::string &content)
{
  char *path = g_build_filename (g_get_tmp_dir (), "rnc-test-conll-XXXXXX",
      nullptr);
  int fd = g_mkstemp (path);
  EXPECT_GE (fd, 0);
  close (fd);
  EXPECT_TRUE (g_file_set_contents (path, content.data (),
          (gssize) content.size (), nullptr));
  std::string p = path;
  g_free (path);
  return p;
}

} // namespace

TEST (RncConll, ReadsSentences)
{
  std::string p = write_temp ("The\tDT\r\ncat\tNN\r\n\r\n\r\nIt\tPRP\n"
      "runs\t VBZ \n");
  g_auto (RncConll) c = {};
  GError *err = nullptr;
  ASSERT_TRUE (rnc_conll_read (p.c_str (), &c, &err)) << err->message;
  EXPECT_EQ (rnc_conll_get_n_sentences (&c), 2u);
  ASSERT_EQ (c.words->len, 4u);
  EXPECT_EQ (c.max_len, 2u);
  EXPECT_EQ (g_array_index (c.offsets, size_t, 1), 2u);
  EXPECT_STREQ ((char *) g_ptr_array_index (c.tags, 1), "NN");
  EXPECT_STREQ ((char *) g_ptr_array_index (c.words, 3), "runs");
  EXPECT_STREQ ((char *) g_ptr_array_index (c.tags, 3), "VBZ");
  g_unlink (p.c_str ());
}

TEST (RncConll, RejectsMalformedLinesNamingFileAndLine)
{
  const std::string bad[] = { "a\tDT\nb NN\n", "a\tDT\n\tNN\n",
    "a\tDT\nb\tNN\tX\n", "a\tDT\n\xff\tNN\n", "a\tDT\nb\t \n",
    std::string ("a\tDT\nb\0\tNN\n", 11) };
  for (const std::string &content : bad) {
    RncConll c;
    GError *err = nullptr;
    EXPECT_FALSE (rnc_conll_parse_data (content.data (), content.size (),
            "x.conll", &c, &err)) << content;
    ASSERT_NE (err, nullptr);
    EXPECT_EQ (err->code, RNC_CONLL_ERROR_PARSE);
    EXPECT_EQ (std::string (err->message).find ("x.conll:2: "), 0u)
        << err->message;
    EXPECT_EQ (c.words, nullptr);
    g_clear_error (&err);
  }
  std::string p = write_temp ("a\tDT\nb NN\n");
  RncConll c;
  GError *err = nullptr;
  EXPECT_FALSE (rnc_conll_read (p.c_str (), &c, &err));
  ASSERT_NE (err, nullptr);
  EXPECT_NE (std::string (err->message).find (p + ":2: "), std::string::npos)
      << err->message;
  g_clear_error (&err);
  g_unlink (p.c_str ());
  EXPECT_FALSE (rnc_conll_read (p.c_str (), &c, &err));
  EXPECT_TRUE (g_error_matches (err, RNC_CONLL_ERROR, RNC_CONLL_ERROR_IO));
  g_clear_error (&err);
}

TEST (RncConll, EmptyAndOverlongSentences)
{
  RncConll c;
  GError *err = nullptr;
  EXPECT_FALSE (rnc_conll_parse_data ("\n\n", 2, "e", &c, &err));
  EXPECT_TRUE (g_error_matches (err, RNC_CONLL_ERROR, RNC_CONLL_ERROR_EMPTY));
  g_clear_error (&err);

  std::string longest;
  for (int i = 0; i < RNC_CONLL_MAX_SENTENCE; i++)
    longest += "w\tX\n";
  ASSERT_TRUE (rnc_conll_parse_data (longest.data (), longest.size (), "l",
          &c, &err));
  EXPECT_EQ (c.max_len, (size_t) RNC_CONLL_MAX_SENTENCE);
  rnc_conll_clear (&c);
  longest += "w\tX\n";
  EXPECT_FALSE (rnc_conll_parse_data (longest.data (), longest.size (), "l",
          &c, &err));
  ASSERT_NE (err, nullptr);
  EXPECT_NE (std::string (err->message).find ("l:4097: "), std::string::npos)
      << err->message;
  g_clear_error (&err);
}
