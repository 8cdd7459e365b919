/* Benchmark: tokenizing the whole of Moby Dick (1.24 MB) through the
 * pipeline filesrc ! tokenize ! fakesink, and the notebook's preprocessing
 * (lowercase, dictionary, stopwords) the same way; then the library alone
 * on the book in memory. Prints the best of N runs in ms and MB/s.
 *
 *   meson test -C build --benchmark bench-tokenize   (or run the binary)
 *
 * Exits 77 (skip) when ../shared/data is absent. */
#include <gst/gst.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rnc-tokenizer.h"

#define RUNS 5

static double
run_pipeline (const char *desc, GError ** error)
{
  GstElement *p = gst_parse_launch (desc, error);
  GstBus *bus;
  GstMessage *msg;
  gint64 t0, t1;
  double ms = -1.0;

  if (p == NULL)
    return -1.0;
  bus = gst_element_get_bus (p);
  /* preroll-free: time from the PLAYING request to EOS, which includes
   * reading the file and loading word lists (done in READY->PAUSED) */
  t0 = g_get_monotonic_time ();
  gst_element_set_state (p, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (bus, 60 * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  t1 = g_get_monotonic_time ();
  if (msg && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS)
    ms = (double) (t1 - t0) / 1000.0;
  else if (msg)
    gst_message_parse_error (msg, error, NULL);
  if (msg)
    gst_message_unref (msg);
  gst_object_unref (bus);
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (p);
  return ms;
}

static double
best_of (const char *desc)
{
  double best = -1.0;
  int i;
  for (i = 0; i < RUNS; i++) {
    GError *err = NULL;
    double ms = run_pipeline (desc, &err);
    if (ms < 0) {
      fprintf (stderr, "pipeline failed: %s\n  %s\n", err ? err->message : "?",
          desc);
      exit (1);
    }
    if (best < 0 || ms < best)
      best = ms;
  }
  return best;
}

static void
count_token (const char *token, size_t len, gpointer user_data)
{
  (void) token;
  (void) len;
  (*(guint64 *) user_data)++;
}

int
main (int argc, char **argv)
{
  const char *env = g_getenv ("RNC_SHARED_DATA");
  char *dir = g_strdup (env ? env : "../shared/data");
  char *book = g_build_filename (dir, "nltk_data_subset", "corpora",
      "gutenberg", "melville-moby_dick.txt", NULL);
  char *words = g_build_filename (dir, "nltk_data_subset", "corpora", "words",
      "en", NULL);
  char *desc, *data = NULL;
  gsize size = 0;
  double ms, mb;
  int i;

  gst_init (&argc, &argv);
  if (!g_file_get_contents (book, &data, &size, NULL)) {
    printf ("SKIP: %s not found (reference data absent)\n", book);
    return 77;
  }
  mb = (double) size / 1e6;

  desc = g_strdup_printf ("filesrc location=\"%s\" ! tokenize ! fakesink "
      "sync=false", book);
  ms = best_of (desc);
  printf ("pipeline  filesrc ! tokenize ! fakesink        %8.2f ms  %7.1f MB/s"
      "  (whole book, %.2f MB, best of %d)\n", ms, mb / (ms / 1000.0), mb,
      RUNS);
  g_free (desc);

  desc = g_strdup_printf ("filesrc location=\"%s\" ! tokenize lowercase=true "
      "stopwords=english dictionary=\"%s\" ! fakesink sync=false", book, words);
  ms = best_of (desc);
  printf ("pipeline  + lowercase, dictionary, stopwords   %8.2f ms  %7.1f MB/s"
      "  (includes reading words/en, 2.5 MB)\n", ms, mb / (ms / 1000.0));
  g_free (desc);

  {
    RncTokenizerConfig cfg;
    RncTokenizer *tok;
    double best = -1.0;
    guint64 n = 0;
    rnc_tokenizer_config_init (&cfg);
    tok = rnc_tokenizer_new (&cfg, NULL);
    for (i = 0; i < RUNS; i++) {
      gint64 t0 = g_get_monotonic_time ();
      n = 0;
      rnc_tokenizer_feed (tok, (const guint8 *) data, size, count_token, &n);
      rnc_tokenizer_finish (tok, count_token, &n);
      rnc_tokenizer_reset (tok);
      ms = (double) (g_get_monotonic_time () - t0) / 1000.0;
      if (best < 0 || ms < best)
        best = ms;
    }
    printf ("library   rnc_tokenizer_feed (in memory)       %8.2f ms  %7.1f MB/s"
        "  (%" G_GUINT64_FORMAT " tokens)\n", best, mb / (best / 1000.0), n);
    rnc_tokenizer_free (tok);
  }

  g_free (data);
  g_free (book);
  g_free (words);
  g_free (dir);
  return 0;
}
