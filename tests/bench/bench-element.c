/* Benchmark of the lstm element in a pipeline against identity and against
 * the bare library step (docs/performance.md).
 *
 *   bench-element [--list] [--case NAME]... [--rounds R] [--scale S]
 *                 [--only fakesink|identity|lstm|lib]
 *
 * Each case pushes prebuilt buffers of F frames (D floats each, writable,
 * timestamped, as a source would give them) from the calling thread through
 * a src pad linked to `ELEMENT ! fakesink sync=false`, where ELEMENT is
 * nothing (the pad feeds fakesink), `identity silent=true` or
 * `lstm model=M output=hidden` (one layer, D inputs, H units, no head), and
 * times the pushes. The library side runs the same frames through an
 * RncRunner (what the element calls per buffer) on a state with the
 * element's chunk size, reading the frames from the same kind of prebuilt
 * buffers. A fifth timing runs identity and the library step in turns,
 * buffer by buffer (identity+lib): a step that streams more than the L2
 * cache leaves the pipeline's code and data cold for the next buffer, which
 * identity alone never sees. Rounds alternate the five; the best round of
 * each counts. One line per case, in microseconds per buffer:
 *   NAME <fakesink> <identity> <lstm> <lib> <lstm-identity-lib>
 *        <identity+lib> <lstm-(identity+lib)> */
#include "rnc.h"

#include <glib/gstdio.h>
#include <gst/gst.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef RNC_PLUGIN_DIR
#define RNC_PLUGIN_DIR NULL
#endif

typedef struct {
  const char *name;
  size_t D, H, frames, n_buffers;
  const char *what;
} ElemCase;

/* n_buffers: per round at --scale 1 (a few tens of milliseconds) */
static const ElemCase cases[] = {
  {"elem-h32-f1", 1, 32, 1, 20000,
      "lstm D=1 H=32, 1 frame per buffer"},
  {"elem-h32-f1024", 1, 32, 1024, 200,
      "lstm D=1 H=32, 1024 frames per buffer"},
  {"elem-h256-f1", 64, 256, 1, 3000,
      "lstm D=64 H=256, 1 frame per buffer"},
  {"elem-h256-f1024", 64, 256, 1024, 4,
      "lstm D=64 H=256, 1024 frames per buffer"},
};

/* the element's chunk (gstrecurrentbase.c): 64 KiB of the widest frame */
static size_t
element_chunk (size_t D, size_t H)
{
  size_t widest = MAX (D, H), c = 65536 / (widest * 4);
  return CLAMP (c, 1, 256);
}

static double
now_us (void)
{
  return g_get_monotonic_time ();
}

typedef struct {
  GstElement *pipe;
  GstPad *src;
} Rig;

static gboolean
rig_init (Rig *rig, const char *element, size_t D)
{
  gchar *desc = element ?
      g_strdup_printf ("%s name=e ! fakesink sync=false async=false "
      "silent=true", element) :
      g_strdup ("fakesink name=e sync=false async=false silent=true");
  GError *err = NULL;
  GstElement *e;
  GstPad *sink;
  GstCaps *caps;
  GstSegment seg;
  gchar *cs;

  GstElement *bin = gst_parse_bin_from_description (desc, FALSE, &err);

  g_free (desc);
  if (!bin) {
    fprintf (stderr, "bench-element: %s\n", err->message);
    g_error_free (err);
    return FALSE;
  }
  rig->pipe = gst_pipeline_new (NULL);
  gst_bin_add (GST_BIN (rig->pipe), bin);
  e = gst_bin_get_by_name (GST_BIN (bin), "e");
  sink = gst_element_get_static_pad (e, "sink");
  rig->src = gst_pad_new ("src", GST_PAD_SRC);
  gst_pad_link (rig->src, sink);
  gst_object_unref (sink);
  gst_object_unref (e);
  if (gst_element_set_state (rig->pipe, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE) {
    fprintf (stderr, "bench-element: '%s' does not start\n", element);
    return FALSE;
  }
  gst_pad_set_active (rig->src, TRUE);
  gst_pad_push_event (rig->src, gst_event_new_stream_start ("bench"));
  cs = g_strdup_printf ("other/x-frames, format=F32LE, width=%zu, "
      "framerate=1000/1", D);
  caps = gst_caps_from_string (cs);
  g_free (cs);
  gst_pad_push_event (rig->src, gst_event_new_caps (caps));
  gst_caps_unref (caps);
  gst_segment_init (&seg, GST_FORMAT_TIME);
  gst_pad_push_event (rig->src, gst_event_new_segment (&seg));
  return TRUE;
}

static void
rig_clear (Rig *rig)
{
  if (rig->src) {
    gst_pad_push_event (rig->src, gst_event_new_eos ());
    gst_pad_set_active (rig->src, FALSE);
    gst_object_unref (rig->src);
  }
  if (rig->pipe) {
    gst_element_set_state (rig->pipe, GST_STATE_NULL);
    gst_object_unref (rig->pipe);
  }
}

/* Prebuilt buffers of one round, timestamped as a 1 kHz frame stream. */
static GstBuffer **
make_buffers (const float *x, const ElemCase *ec, size_t n, guint64 *frame)
{
  GstBuffer **b = g_new (GstBuffer *, n);
  gsize bytes = ec->frames * ec->D * sizeof (float);
  size_t i;

  for (i = 0; i < n; i++) {
    b[i] = gst_buffer_new_allocate (NULL, bytes, NULL);
    gst_buffer_fill (b[i], 0, x, bytes);
    GST_BUFFER_PTS (b[i]) = *frame * GST_MSECOND;
    GST_BUFFER_DURATION (b[i]) = ec->frames * GST_MSECOND;
    *frame += ec->frames;
  }
  return b;
}

/* Microseconds per buffer of one round through @rig. */
static double
time_rig (Rig *rig, const float *x, const ElemCase *ec, size_t n,
    guint64 *frame)
{
  GstBuffer **b = make_buffers (x, ec, n, frame);
  double t0;
  size_t i;

  t0 = now_us ();
  for (i = 0; i < n; i++)
    if (gst_pad_push (rig->src, b[i]) != GST_FLOW_OK) {
      fprintf (stderr, "bench-element: push failed\n");
      exit (1);
    }
  t0 = now_us () - t0;
  g_free (b);
  return t0 / n;
}

/* The library step on the frames of the same kind of prebuilt buffers (so
 * that the input is as fresh in the caches as the element's). */
static double
time_lib (RncRunner *r, const float *x, const ElemCase *ec, size_t n,
    float *out, guint64 *frame)
{
  GstBuffer **b = make_buffers (x, ec, n, frame);
  GstMapInfo *maps = g_new (GstMapInfo, n);
  double t0;
  size_t i, n_out;

  for (i = 0; i < n; i++)
    gst_buffer_map (b[i], &maps[i], GST_MAP_READ);
  t0 = now_us ();
  for (i = 0; i < n; i++)
    rnc_runner_process (r, maps[i].data, ec->frames, out, &n_out, NULL);
  t0 = now_us () - t0;
  for (i = 0; i < n; i++) {
    gst_buffer_unmap (b[i], &maps[i]);
    gst_buffer_unref (b[i]);
  }
  g_free (maps);
  g_free (b);
  return t0 / n;
}

/* identity and the library step taking turns, buffer by buffer */
static double
time_interleaved (Rig *rig, RncRunner *r, const float *x, const ElemCase *ec,
    size_t n, float *out, guint64 *frame, guint64 *frame_lib)
{
  GstBuffer **b = make_buffers (x, ec, n, frame);
  GstBuffer **bl = make_buffers (x, ec, n, frame_lib);
  GstMapInfo *maps = g_new (GstMapInfo, n);
  double t0;
  size_t i, n_out;

  for (i = 0; i < n; i++)
    gst_buffer_map (bl[i], &maps[i], GST_MAP_READ);
  t0 = now_us ();
  for (i = 0; i < n; i++) {
    if (gst_pad_push (rig->src, b[i]) != GST_FLOW_OK) {
      fprintf (stderr, "bench-element: push failed\n");
      exit (1);
    }
    rnc_runner_process (r, maps[i].data, ec->frames, out, &n_out, NULL);
  }
  t0 = now_us () - t0;
  for (i = 0; i < n; i++) {
    gst_buffer_unmap (bl[i], &maps[i]);
    gst_buffer_unref (bl[i]);
  }
  g_free (maps);
  g_free (bl);
  g_free (b);
  return t0 / n;
}

/* --only: time only this one of fakesink, identity, lstm, lib (profiling) */
static int only_rig = -1;

static gboolean
run_case (const ElemCase *ec, int rounds, double scale, double best[5])
{
  RncModelConfig c = { 0 };
  RncModel *m;
  RncRng rng;
  float *p, *x, *out;
  size_t n, i, nb = MAX (2, (size_t) (ec->n_buffers * scale));
  gchar *path = NULL, *desc;
  GError *err = NULL;
  Rig rigs[3] = { {0} };
  RncState *s;
  RncRunner *runner;
  guint64 frames[6] = { 0 };
  int fd, r, k;
  gboolean ok = TRUE;

  c.cell = RNC_CELL_LSTM;
  c.input = RNC_INPUT_DENSE;
  c.head = RNC_HEAD_NONE;
  c.input_size = ec->D;
  c.hidden_size = ec->H;
  c.num_layers = 1;
  m = rnc_model_new (&c, NULL);
  p = rnc_model_get_params (m, &n);
  rnc_rng_init (&rng, 1);
  for (i = 0; i < n; i++)
    p[i] = (rnc_rng_uniform (&rng) * 2.0f - 1.0f) / sqrtf ((float) ec->H);
  fd = g_file_open_tmp ("bench-element-XXXXXX.safetensors", &path, &err);
  if (fd < 0 || !rnc_model_save (m, path, &err)) {
    fprintf (stderr, "bench-element: %s\n", err->message);
    return FALSE;
  }
  close (fd);

  x = g_new (float, ec->frames * ec->D);
  for (i = 0; i < ec->frames * ec->D; i++)
    x[i] = rnc_rng_normal (&rng);
  out = g_new (float, ec->frames * ec->H);
  s = rnc_state_new (m, 1, element_chunk (ec->D, ec->H));
  runner = rnc_runner_new (s, RNC_OUTPUT_HIDDEN, 0, NULL);

  /* one thread, as the library step it is compared with */
  desc = g_strdup_printf ("lstm model=\"%s\" output=hidden threads=1",
      path);
  ok = rig_init (&rigs[0], NULL, ec->D)
      && rig_init (&rigs[1], "identity silent=true", ec->D)
      && rig_init (&rigs[2], desc, ec->D);
  g_free (desc);
  for (k = 0; k < 5; k++)
    best[k] = INFINITY;
  for (r = 0; ok && r <= rounds; r++) {      /* round 0 warms up */
    double t[5] = { 0, 0, 0, 0, 0 };
    for (k = 0; k < 3; k++)
      if (only_rig < 0 || only_rig == k)
        t[k] = time_rig (&rigs[k], x, ec, nb, &frames[k]);
    if (only_rig < 0 || only_rig == 3)
      t[3] = time_lib (runner, x, ec, nb, out, &frames[3]);
    if (only_rig < 0)
      t[4] = time_interleaved (&rigs[1], runner, x, ec, nb, out, &frames[1],
          &frames[5]);
    for (k = 0; r > 0 && k < 5; k++)
      best[k] = MIN (best[k], t[k]);
  }
  for (k = 0; k < 3; k++)
    rig_clear (&rigs[k]);
  rnc_runner_free (runner);
  rnc_state_free (s);
  rnc_model_free (m);
  g_unlink (path);
  g_free (path);
  g_free (x);
  g_free (out);
  return ok;
}

int
main (int argc, char **argv)
{
  const char *only[16];
  int n_only = 0, rounds = 7, i;
  double scale = 1.0;
  size_t c;

  gst_init (NULL, NULL);
  if (RNC_PLUGIN_DIR)
    gst_registry_scan_path (gst_registry_get (), RNC_PLUGIN_DIR);

  for (i = 1; i < argc; i++) {
    if (strcmp (argv[i], "--list") == 0) {
      for (c = 0; c < G_N_ELEMENTS (cases); c++)
        printf ("%-20s %s\n", cases[c].name, cases[c].what);
      return 0;
    } else if (strcmp (argv[i], "--case") == 0 && i + 1 < argc && n_only < 16) {
      only[n_only++] = argv[++i];
    } else if (strcmp (argv[i], "--rounds") == 0 && i + 1 < argc) {
      rounds = atoi (argv[++i]);
      if (rounds < 1)
        rounds = 1;
    } else if (strcmp (argv[i], "--only") == 0 && i + 1 < argc) {
      const char *names[] = { "fakesink", "identity", "lstm", "lib" };
      const char *o = argv[++i];
      for (only_rig = 3; only_rig > 0 && strcmp (names[only_rig], o); only_rig--);
    } else if (strcmp (argv[i], "--scale") == 0 && i + 1 < argc) {
      scale = g_ascii_strtod (argv[++i], NULL);
      if (!(scale > 0))
        scale = 1.0;
    } else {
      fprintf (stderr, "usage: %s [--list] [--case NAME]... [--rounds R] "
          "[--scale S] [--only fakesink|identity|lstm|lib]\n", argv[0]);
      return 2;
    }
  }

  printf ("# us per buffer, best of %d rounds: fakesink identity lstm lib "
      "lstm-identity-lib identity+lib lstm-(identity+lib)\n", rounds);
  for (c = 0; c < G_N_ELEMENTS (cases); c++) {
    const ElemCase *ec = &cases[c];
    double best[5];
    gboolean want = n_only == 0;
    for (i = 0; i < n_only; i++)
      if (strcmp (only[i], ec->name) == 0)
        want = TRUE;
    if (!want)
      continue;
    if (!run_case (ec, rounds, scale, best))
      return 1;
    printf ("%-20s %10.3f %10.3f %10.3f %10.3f %10.3f %10.3f %10.3f\n",
        ec->name, best[0], best[1], best[2], best[3],
        best[2] - best[1] - best[3], best[4], best[2] - best[4]);
    fflush (stdout);
  }
  gst_deinit ();
  return 0;
}
