/* Many streams in one element (issue 11, docs/streams.md): the time of one
 * step of N streams of an LSTM (D = 1, H, one layer, regression head Q = 1)
 *
 *   bench-streams [--n 1,100,1000,10000,100000] [--h 32,128] [--steps S]
 *                 [--threads 1,0] [--model-dir DIR] [--no-element]
 *
 * per N, H and threads setting (0 = auto):
 *   lib      the library's batched runner (rnc_runner_process, one frame
 *            of N streams per call)
 *   element  `filesrc ! other/x-frames,width=N ! lstm streams=N ! fakesink`
 *            run to EOS over the same frames (gst_parse_launch, as
 *            gst-launch-1.0 would), start-up excluded (a run of 2 frames is
 *            subtracted)
 *   separate N runners of batch 1 stepped one after another (N <= 1000):
 *            what N separate lstm elements cost in the library, without
 *            their N pipelines and threads
 * and the memory per stream (resident growth when the runner is made and
 * run, divided by N). Prints one line per case:
 *   N H threads ns_per_step_lib stream_steps_per_s_lib ns_per_step_element
 *   ns_per_step_separate bytes_per_stream
 * (-1 where not measured). compare-streams.py puts torch beside it. */
#include "rnc.h"

#include <gst/gst.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static double
now_s (void)
{
  return (double) g_get_monotonic_time () / 1e6;
}

static long
rss_bytes (void)
{
  long pages = 0, rss = 0;
  FILE *f = fopen ("/proc/self/statm", "r");
  if (!f)
    return 0;
  if (fscanf (f, "%ld %ld", &pages, &rss) != 2)
    rss = 0;
  fclose (f);
  return rss * sysconf (_SC_PAGESIZE);
}

static RncModel *
make_model (size_t H)
{
  RncModelConfig c = { 0 };
  RncModel *m;
  float *p;
  size_t n, i;

  c.cell = RNC_CELL_LSTM;
  c.input = RNC_INPUT_DENSE;
  c.head = RNC_HEAD_REGRESSION;
  c.input_size = 1;
  c.hidden_size = H;
  c.num_layers = 1;
  c.output_size = 1;
  m = rnc_model_new (&c, NULL);
  p = rnc_model_get_params (m, &n);
  for (i = 0; i < n; i++)
    p[i] = 0.3f * (float) (((i * 7919) % 201) / 100.0 - 1.0) / 3.0f;
  return m;
}

/* Seconds per step of N streams through the batched runner. */
static double
time_lib (RncModel *m, size_t N, guint threads, size_t steps,
    const float *x, float *out, long *bytes)
{
  long r0 = rss_bytes ();
  RncState *s = rnc_state_new (m, N, 1);
  RncRunner *r;
  double t0, best = 1e30;
  size_t k, round;

  rnc_state_set_threads (s, threads);
  r = rnc_runner_new (s, RNC_OUTPUT_PREDICTION, 0, NULL);
  rnc_runner_process (r, x, 1, out, NULL, NULL);
  *bytes = rss_bytes () - r0;
  for (round = 0; round < 3; round++) {
    t0 = now_s ();
    for (k = 0; k < steps; k++)
      rnc_runner_process (r, x + (k % 4) * N, 1, out, NULL, NULL);
    best = MIN (best, (now_s () - t0) / steps);
  }
  rnc_runner_free (r);
  rnc_state_free (s);
  return best;
}

/* Seconds per step of N runners of one stream, one after another. */
static double
time_separate (RncModel *m, size_t N, size_t steps, const float *x)
{
  RncState **s = g_new (RncState *, N);
  RncRunner **r = g_new (RncRunner *, N);
  double t0, t;
  size_t k, n;
  float y;

  for (n = 0; n < N; n++) {
    s[n] = rnc_state_new (m, 1, 0);
    r[n] = rnc_runner_new (s[n], RNC_OUTPUT_PREDICTION, 0, NULL);
  }
  t0 = now_s ();
  for (k = 0; k < steps; k++)
    for (n = 0; n < N; n++)
      rnc_runner_process (r[n], x + n, 1, &y, NULL, NULL);
  t = (now_s () - t0) / steps;
  for (n = 0; n < N; n++) {
    rnc_runner_free (r[n]);
    rnc_state_free (s[n]);
  }
  g_free (s);
  g_free (r);
  return t;
}

static double
run_pipeline (const char *desc)
{
  GError *err = NULL;
  GstElement *p = gst_parse_launch (desc, &err);
  GstBus *bus;
  GstMessage *msg;
  double t0, t;

  if (!p) {
    fprintf (stderr, "%s\n", err ? err->message : "parse failed");
    g_clear_error (&err);
    return -1;
  }
  bus = gst_element_get_bus (p);
  t0 = now_s ();
  gst_element_set_state (p, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (bus, 600 * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  t = now_s () - t0;
  if (!msg || GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    fprintf (stderr, "pipeline failed: %s\n", desc);
    t = -1;
  }
  if (msg)
    gst_message_unref (msg);
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (p);
  return t;
}

/* Seconds per step of `lstm streams=N` in a pipeline. */
static double
time_element (const char *model, const char *dir, size_t N, guint threads,
    size_t steps, const float *x)
{
  gchar *data = g_build_filename (dir, "frames.f32", NULL);
  gchar *desc;
  double full = 1e30, empty = 1e30;
  size_t k, round;
  FILE *f = fopen (data, "wb");

  for (k = 0; k < steps; k++)
    fwrite (x + (k % 4) * N, sizeof (float), N, f);
  fclose (f);
  for (round = 0; round < 4; round++) {
    size_t frames = round % 2 == 0 ? 2 : steps;
    double t;
    /* a buffer of 16 frames */
    desc = g_strdup_printf ("filesrc location=%s blocksize=%zu num-buffers=%zu"
        " ! other/x-frames,format=F32LE,width=%zu,framerate=0/1 ! lstm "
        "model=%s streams=%zu threads=%u ! fakesink sync=false", data,
        16 * N * 4, (frames + 15) / 16, N, model, N, threads);
    t = run_pipeline (desc);
    g_free (desc);
    if (t < 0)
      return -1;
    if (round % 2 == 0)
      empty = MIN (empty, t);
    else
      full = MIN (full, t);
  }
  g_unlink (data);
  g_free (data);
  return MAX (full - empty, 0) / (double) (((steps + 15) / 16) * 16 - 16);
}

static GArray *
parse_list (const char *s)
{
  GArray *a = g_array_new (FALSE, FALSE, sizeof (gsize));
  gchar **v = g_strsplit (s, ",", -1);
  for (gchar **p = v; *p; p++) {
    gsize x = (gsize) g_ascii_strtoull (*p, NULL, 10);
    g_array_append_val (a, x);
  }
  g_strfreev (v);
  return a;
}

int
main (int argc, char **argv)
{
  const char *ns = "1,100,1000,10000,100000", *hs = "32,128", *ts = "1,0";
  gboolean element = TRUE;
  double budget = 0.3;          /* seconds of steps per case */
  GArray *nl, *hl, *tl;
  gchar *dir;
  int i;

  gst_init (&argc, &argv);
  for (i = 1; i < argc; i++) {
    if (!strcmp (argv[i], "--n") && i + 1 < argc)
      ns = argv[++i];
    else if (!strcmp (argv[i], "--h") && i + 1 < argc)
      hs = argv[++i];
    else if (!strcmp (argv[i], "--threads") && i + 1 < argc)
      ts = argv[++i];
    else if (!strcmp (argv[i], "--budget") && i + 1 < argc)
      budget = g_ascii_strtod (argv[++i], NULL);
    else if (!strcmp (argv[i], "--no-element"))
      element = FALSE;
    else {
      fprintf (stderr, "usage: %s [--n LIST] [--h LIST] [--threads LIST] "
          "[--budget SECONDS] [--no-element]\n", argv[0]);
      return 2;
    }
  }
  nl = parse_list (ns);
  hl = parse_list (hs);
  tl = parse_list (ts);
  dir = g_dir_make_tmp ("bench-streams-XXXXXX", NULL);
  printf ("# N H threads ns_per_step_lib stream_steps_per_s_lib "
      "ns_per_step_element ns_per_step_separate bytes_per_stream\n");
  for (guint hi = 0; hi < hl->len; hi++) {
    size_t H = g_array_index (hl, gsize, hi);
    RncModel *m = make_model (H);
    gchar *mpath = g_build_filename (dir, "m.safetensors", NULL);
    rnc_model_save (m, mpath, NULL);
    for (guint ni = 0; ni < nl->len; ni++) {
      size_t N = g_array_index (nl, gsize, ni), k;
      float *x = g_new (float, 4 * N), *out = g_new (float, N);
      /* a first guess of the step time: 4*H*(H+1) MACs per stream at 8
       * GMAC/s, then steps to fill the budget */
      double guess = (double) N * 4 * H * (H + 2) / 8e9 + 2e-6;
      size_t steps = CLAMP ((size_t) (budget / guess), 16, 200000);
      double sep = -1;
      for (k = 0; k < 4 * N; k++)
        x[k] = (float) ((k * 37) % 101) / 50.0f - 1.0f;
      if (N <= 1000)
        sep = time_separate (m, N, MAX (steps / 4, 8), x);
      for (guint ti = 0; ti < tl->len; ti++) {
        guint threads = (guint) g_array_index (tl, gsize, ti);
        long bytes = 0;
        double lib = time_lib (m, N, threads, steps, x, out, &bytes);
        double el = element ? time_element (mpath, dir, N, threads,
            CLAMP (steps, 128, 4096), x) : -1;
        printf ("%zu %zu %u %.1f %.4g %.1f %.1f %.0f\n", N, H, threads,
            lib * 1e9, N / lib, el < 0 ? -1 : el * 1e9,
            sep < 0 ? -1 : sep * 1e9, (double) bytes / N);
        fflush (stdout);
      }
      g_free (x);
      g_free (out);
    }
    g_unlink (mpath);
    g_free (mpath);
    rnc_model_free (m);
  }
  g_rmdir (dir);
  g_free (dir);
  g_array_unref (nl);
  g_array_unref (hl);
  g_array_unref (tl);
  return 0;
}
