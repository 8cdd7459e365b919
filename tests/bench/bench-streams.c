/* Many streams in one element (issue 11, docs/streams.md): the time of one
 * step of N streams of an LSTM (D = 1, H, one layer, regression head Q = 1)
 *
 *   bench-streams [--n 1,100,1000,10000,100000] [--h 32,128] [--threads 1,0]
 *                 [--budget SECONDS] [--no-element] [--verbose]
 *
 * per N, H and threads setting (0 = auto), all on the same model and the
 * same frames (stream s's value at frame k is x[(k % 4) * N + s]):
 *   lib       the library's batched runner (rnc_runner_process, one frame
 *             of N streams per call): best of 3 rounds of steps
 *   element   `filesrc ! other/x-frames,width=N ! lstm streams=N !
 *             fakesink sync=false` over a file of those frames, in buffers
 *             of 16 frames (gst_parse_launch, as gst-launch-1.0 would)
 *   separate_runners  N runners of batch 1 (one stream each) stepped one
 *             after another in the library, one thread (N <= 1000; does not
 *             depend on the threads setting): the library's cost of N
 *             separate lstm elements without their pipelines and threads
 *   separate_elements  N separate `lstm streams=1` elements: one pipeline
 *             of N branches `filesrc ! other/x-frames,width=1 ! lstm !
 *             fakesink`, branch s reading a file of stream s's frames in
 *             buffers of 16 frames, each branch in its own streaming thread
 *             (N <= 1000)
 * The two pipeline columns are measured alike: each run is prerolled in
 * PAUSED, then timed from PLAYING to EOS; the best of 2 runs of S frames
 * less the best of 2 runs of one buffer, divided by S - 16. So start-up
 * (parsing, model loading, state building, thread creation), the PLAYING
 * transition and EOS are excluded. S comes from the measured step time
 * (lib for element, separate_runners for separate_elements) and --budget
 * (seconds of steps per run, default 0.3; at least 2 ms per branch for the
 * N branches), between 48 and 4096 frames.
 * Memory per stream: resident growth when the batched runner is made and
 * run, divided by N (0 when the heap had the pages already).
 * Prints one line per case, after a header naming the columns:
 *   N H threads ns_per_step_lib stream_steps_per_s_lib ns_per_step_element
 *   ns_per_step_separate_runners ns_per_step_separate_elements
 *   bytes_per_stream
 * (-1 where not measured; --no-element skips both pipeline columns;
 * --verbose prints each pipeline run's time on stderr). compare-streams.py
 * puts torch beside it. */
#include "rnc.h"

#include <gst/gst.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
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

/* --verbose: each pipeline run's time on stderr */
static gboolean verbose;

/* Frames go through the pipelines in buffers of this many frames. */
#define FRAMES_PER_BUFFER 16

/* The separate columns are measured up to this N (issue 11: N <= 1,000). */
#define MAX_SEPARATE 1000

/* The bench's input: stream s's value at frame k is x[(k % 4) * N + s].
 * Writes frames 0 .. steps-1 of streams [s0, s0 + n) to @path as F32LE
 * frames of width n. */
static gboolean
write_frames (const char *path, const float *x, size_t N, size_t s0,
    size_t n, size_t steps)
{
  FILE *f = fopen (path, "wb");
  size_t k;
  gboolean ok = f != NULL;

  for (k = 0; ok && k < steps; k++)
    ok = fwrite (x + (k % 4) * N + s0, sizeof (float), n, f) == n;
  if (f && fclose (f) != 0)
    ok = FALSE;
  if (!ok)
    fprintf (stderr, "cannot write %s\n", path);
  return ok;
}

/* Appends one branch to a gst-launch description: @path's frames of width
 * W (W streams of D = 1) through `lstm streams=W`, @buffers buffers. */
static void
append_branch (GString *desc, const char *path, size_t W, const char *model,
    guint threads, size_t buffers)
{
  g_string_append_printf (desc, " filesrc location=%s blocksize=%zu "
      "num-buffers=%zu ! other/x-frames,format=F32LE,width=%zu,framerate=0/1"
      " ! lstm model=%s streams=%zu threads=%u ! fakesink sync=false", path,
      FRAMES_PER_BUFFER * W * sizeof (float), buffers, W, model, W, threads);
}

/* Runs a description to EOS: prerolled in PAUSED first (every branch's
 * sink holds its first output buffer, its streaming thread waits), then
 * timed from PLAYING to EOS. Seconds, or -1 on an error. */
static double
run_pipeline (const char *desc)
{
  GError *err = NULL;
  GstElement *p = gst_parse_launch (desc, &err);
  GstBus *bus;
  GstMessage *msg = NULL;
  double t0, t = -1;

  if (!p || err) {
    fprintf (stderr, "%s\n", err ? err->message : "parse failed");
    g_clear_error (&err);
    if (p)
      gst_object_unref (p);
    return -1;
  }
  bus = gst_element_get_bus (p);
  t0 = now_s ();
  gst_element_set_state (p, GST_STATE_PAUSED);
  if (gst_element_get_state (p, NULL, NULL, 600 * GST_SECOND)
      == GST_STATE_CHANGE_SUCCESS) {
    if (verbose)
      fprintf (stderr, "# preroll %.3f s\n", now_s () - t0);
    t0 = now_s ();
    gst_element_set_state (p, GST_STATE_PLAYING);
    msg = gst_bus_timed_pop_filtered (bus, 600 * GST_SECOND,
        GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
    t = now_s () - t0;
  } else {
    msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  }
  if (!msg || GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    if (msg)
      gst_message_parse_error (msg, &err, NULL);
    fprintf (stderr, "pipeline failed: %s\n", err ? err->message :
        "no preroll or EOS within 600 s");
    g_clear_error (&err);
    t = -1;
  }
  if (msg)
    gst_message_unref (msg);
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (p);
  return t;
}

/* Seconds per frame of one pipeline of @branches branches (branch b reads
 * paths[b], frames of width W, through `lstm streams=W`, each branch in its
 * own streaming thread), run to EOS over @steps frames per branch (a
 * multiple of FRAMES_PER_BUFFER, at least two buffers): the best of two
 * runs less the best of two runs of one buffer per branch. Each run is
 * timed from PLAYING (prerolled: each branch's first output buffer is done)
 * to EOS, so start-up (parsing, model loading, state building, thread
 * creation) and shutdown are excluded; both runs do the same before
 * PLAYING (the lstm's output buffers are one frame at N >= 16,384: the
 * rest of the first input buffer runs after PLAYING in both), so the
 * difference is @steps - 16 frames and leaves out the PLAYING transition and
 * EOS as well. */
static double
time_branches (char *const *paths, size_t branches, size_t W,
    const char *model, guint threads, size_t steps)
{
  double full = 1e30, empty = 1e30;
  size_t b, round;

  for (round = 0; round < 4; round++) {
    size_t buffers = round % 2 == 0 ? 1 : steps / FRAMES_PER_BUFFER;
    GString *desc = g_string_new (NULL);
    double t;
    for (b = 0; b < branches; b++)
      append_branch (desc, paths[b], W, model, threads, buffers);
    t = run_pipeline (desc->str);
    g_string_free (desc, TRUE);
    if (verbose)
      fprintf (stderr, "# %zu branches of width %zu, %zu frames: %.3f s\n",
          branches, W, buffers * FRAMES_PER_BUFFER, t);
    if (t < 0)
      return -1;
    if (round % 2 == 0)
      empty = MIN (empty, t);
    else
      full = MIN (full, t);
  }
  return MAX (full - empty, 0) / (double) (steps - FRAMES_PER_BUFFER);
}

/* Steps for a pipeline case of about @budget seconds, given a step time. */
static size_t
pipeline_steps (double budget, double step_s)
{
  size_t steps = CLAMP ((size_t) (budget / MAX (step_s, 1e-9)),
      3 * FRAMES_PER_BUFFER, 256 * FRAMES_PER_BUFFER);
  return steps / FRAMES_PER_BUFFER * FRAMES_PER_BUFFER;
}

/* Seconds per step of `lstm streams=N` in a pipeline. */
static double
time_element (const char *model, const char *dir, size_t N, guint threads,
    size_t steps, const float *x)
{
  gchar *data = g_build_filename (dir, "frames.f32", NULL);
  double t = -1;

  if (write_frames (data, x, N, 0, N, steps))
    t = time_branches (&data, 1, N, model, threads, steps);
  g_unlink (data);
  g_free (data);
  return t;
}

/* Seconds per step of N separate `lstm` elements (streams=1), one branch
 * each in one pipeline, stream s reading stream s's frames. */
static double
time_separate_elements (const char *model, const char *dir, size_t N,
    guint threads, size_t steps, const float *x)
{
  gchar **paths = g_new0 (gchar *, N + 1);
  struct rlimit rl;
  double t = -1;
  size_t n;
  gboolean ok = TRUE;

  /* each branch holds 3 descriptors while it runs (its file, and the
   * socket pair of the lstm's GstBufferPool, which waits on a GstPoll):
   * raise the soft limit (often 1024) if need be */
  const size_t fds = 4 * N + 256;

  if (getrlimit (RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < fds) {
    rl.rlim_cur = MIN (rl.rlim_max, (rlim_t) fds);
    if (setrlimit (RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur < fds) {
      fprintf (stderr, "%zu separate elements need %zu file descriptors, "
          "the limit is %lu\n", N, fds, (unsigned long) rl.rlim_cur);
      ok = FALSE;
    }
  }
  for (n = 0; ok && n < N; n++) {
    gchar *name = g_strdup_printf ("stream-%zu.f32", n);
    paths[n] = g_build_filename (dir, name, NULL);
    g_free (name);
    ok = write_frames (paths[n], x, N, n, 1, steps);
  }
  if (ok)
    t = time_branches (paths, N, 1, model, threads, steps);
  for (n = 0; n < N && paths[n]; n++)
    g_unlink (paths[n]);
  g_strfreev (paths);
  return t;
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
    else if (!strcmp (argv[i], "--verbose"))
      verbose = TRUE;
    else {
      fprintf (stderr, "usage: %s [--n LIST] [--h LIST] [--threads LIST] "
          "[--budget SECONDS] [--no-element] [--verbose]\n", argv[0]);
      return 2;
    }
  }
  nl = parse_list (ns);
  hl = parse_list (hs);
  tl = parse_list (ts);
  dir = g_dir_make_tmp ("bench-streams-XXXXXX", NULL);
  printf ("# N H threads ns_per_step_lib stream_steps_per_s_lib "
      "ns_per_step_element ns_per_step_separate_runners "
      "ns_per_step_separate_elements bytes_per_stream\n");
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
      size_t steps = CLAMP ((size_t) (budget / guess), 4, 200000);
      double sep = -1;
      for (k = 0; k < 4 * N; k++)
        x[k] = (float) ((k * 37) % 101) / 50.0f - 1.0f;
      if (N <= MAX_SEPARATE)
        sep = time_separate (m, N, MAX (steps / 4, 8), x);
      for (guint ti = 0; ti < tl->len; ti++) {
        guint threads = (guint) g_array_index (tl, gsize, ti);
        long bytes = 0;
        double lib = time_lib (m, N, threads, steps, x, out, &bytes);
        /* the pipelines' steps from the measured library step */
        double el = element ? time_element (mpath, dir, N, threads,
            pipeline_steps (budget, lib), x) : -1;
        /* N branches: going to PLAYING and EOS cost about 0.3 ms per
         * branch, give the steps at least 2 ms per branch */
        double sep_el = element && N <= MAX_SEPARATE ?
            time_separate_elements (mpath, dir, N, threads,
            pipeline_steps (MAX (budget, 2e-3 * N), sep), x) : -1;
        printf ("%zu %zu %u %.1f %.4g %.1f %.1f %.1f %.0f\n", N, H, threads,
            lib * 1e9, N / lib, el < 0 ? -1 : el * 1e9,
            sep < 0 ? -1 : sep * 1e9, sep_el < 0 ? -1 : sep_el * 1e9,
            (double) bytes / N);
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
