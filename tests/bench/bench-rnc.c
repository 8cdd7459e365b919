/* Benchmark of librnc's forward passes on the shapes of docs/performance.md.
 *
 *   bench-rnc [--list] [--case NAME]... [--reps R] [--level scalar|avx2|avx512]
 *             [--max-frames F] [--threads 1|2|auto] [--ref]
 *
 * For every case it prints one line:
 *   NAME <best ms per run> <median ms per run> <unit> <best per unit>
 * where unit is "step" for streaming cases (one rnc_forward call per frame)
 * and "run" otherwise. --ref times the scalar reference path instead.
 * tests/bench/compare-torch.py runs this next to PyTorch and prints ratios. */
#include "rnc.h"
#include "rnc-cpu.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef enum {
  RUN_SEQUENCE,                 /* one rnc_forward over N x T frames */
  RUN_STREAM,                   /* T calls of one frame each */
  RUN_IDS,                      /* rnc_forward_ids over T ids */
  RUN_ONEHOT,                   /* rnc_forward over T one-hot frames */
  RUN_TRAIN,                    /* one training epoch: N sequences of T
                                 * frames, many-to-one MSE, full batch, Adam */
} RunKind;

typedef struct {
  const char *name;
  RncCell cell;
  RunKind kind;
  size_t N, T, D, H, Q;         /* Q > 0: a class head of Q outputs */
  const char *what;
} BenchCase;

static const BenchCase cases[] = {
  {"lstm-seq-h32", RNC_CELL_LSTM, RUN_SEQUENCE, 1, 1000, 1, 32, 0,
      "LSTM one sequence D=1 H=32 T=1000"},
  {"lstm-seq-h256", RNC_CELL_LSTM, RUN_SEQUENCE, 1, 1000, 64, 256, 0,
      "LSTM one sequence D=64 H=256 T=1000"},
  {"lstm-batch32-h256", RNC_CELL_LSTM, RUN_SEQUENCE, 32, 100, 64, 256, 0,
      "LSTM batch 32 x T=100 D=64 H=256"},
  {"lstm-stream-h32", RNC_CELL_LSTM, RUN_STREAM, 1, 1000, 1, 32, 0,
      "LSTM streaming one step per call D=1 H=32"},
  {"lstm-stream-h256", RNC_CELL_LSTM, RUN_STREAM, 1, 200, 64, 256, 0,
      "LSTM streaming one step per call D=64 H=256"},
  {"rnn-seq-h32", RNC_CELL_RNN, RUN_SEQUENCE, 1, 1000, 1, 32, 0,
      "RNN one sequence D=1 H=32 T=1000"},
  {"rnn-seq-h256", RNC_CELL_RNN, RUN_SEQUENCE, 1, 1000, 64, 256, 0,
      "RNN one sequence D=64 H=256 T=1000"},
  {"rnn-batch32-h256", RNC_CELL_RNN, RUN_SEQUENCE, 32, 100, 64, 256, 0,
      "RNN batch 32 x T=100 D=64 H=256"},
  {"rnn-stream-h32", RNC_CELL_RNN, RUN_STREAM, 1, 1000, 1, 32, 0,
      "RNN streaming one step per call D=1 H=32"},
  {"rnn-stream-h256", RNC_CELL_RNN, RUN_STREAM, 1, 200, 64, 256, 0,
      "RNN streaming one step per call D=64 H=256"},
  {"gru-seq-h32", RNC_CELL_GRU, RUN_SEQUENCE, 1, 1000, 1, 32, 0,
      "GRU one sequence D=1 H=32 T=1000"},
  {"gru-seq-h256", RNC_CELL_GRU, RUN_SEQUENCE, 1, 1000, 64, 256, 0,
      "GRU one sequence D=64 H=256 T=1000"},
  {"gru-batch32-h256", RNC_CELL_GRU, RUN_SEQUENCE, 32, 100, 64, 256, 0,
      "GRU batch 32 x T=100 D=64 H=256"},
  {"gru-stream-h32", RNC_CELL_GRU, RUN_STREAM, 1, 1000, 1, 32, 0,
      "GRU streaming one step per call D=1 H=32"},
  {"gru-stream-h256", RNC_CELL_GRU, RUN_STREAM, 1, 200, 64, 256, 0,
      "GRU streaming one step per call D=64 H=256"},
  {"lstm-batch64-h1024", RNC_CELL_LSTM, RUN_SEQUENCE, 64, 50, 256, 1024, 0,
      "LSTM batch 64 x T=50 D=256 H=1024"},
  {"lstm-seq-h1024", RNC_CELL_LSTM, RUN_SEQUENCE, 1, 200, 256, 1024, 0,
      "LSTM one sequence D=256 H=1024 T=200"},
  {"lstm-stream-h1024", RNC_CELL_LSTM, RUN_STREAM, 1, 100, 256, 1024, 0,
      "LSTM streaming one step per call D=256 H=1024"},
  {"word-ids", RNC_CELL_LSTM, RUN_IDS, 1, 1000, 4357, 256, 4357,
      "word LM, 1000 ids, V=4357 H=256, logits head (gathered rows)"},
  {"word-onehot", RNC_CELL_LSTM, RUN_ONEHOT, 1, 1000, 4357, 256, 4357,
      "word LM, 1000 one-hot frames, V=4357 H=256, logits head"},
  {"train-notebook-lstm", RNC_CELL_LSTM, RUN_TRAIN, 1000, 5, 2, 32, 1,
      "notebook training epoch: LSTM N=1000 T=5 D=2 H=32 Q=1, full batch, "
        "Adam"},
  {"train-notebook-rnn", RNC_CELL_RNN, RUN_TRAIN, 1000, 5, 2, 32, 1,
      "notebook training epoch: RNN N=1000 T=5 D=2 H=32 Q=1, full batch, "
        "Adam"},
  {"train-notebook-gru", RNC_CELL_GRU, RUN_TRAIN, 1000, 5, 2, 32, 1,
      "notebook training epoch: GRU N=1000 T=5 D=2 H=32 Q=1, full batch, "
        "Adam"},
};

static double
now_s (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

static RncModel *
make_model (const BenchCase *bc)
{
  RncModelConfig c = { 0 };
  RncModel *m;
  RncRng rng;
  float *p, scale;
  size_t n, i;

  c.cell = bc->cell;
  c.input = bc->kind == RUN_IDS ? RNC_INPUT_INDEX : RNC_INPUT_DENSE;
  c.head = bc->Q ? RNC_HEAD_CLASSES : RNC_HEAD_NONE;
  c.input_size = bc->D;
  c.hidden_size = bc->H;
  c.num_layers = 1;
  c.output_size = bc->Q;
  m = rnc_model_new (&c, NULL);
  p = rnc_model_get_params (m, &n);
  rnc_rng_init (&rng, 1);
  scale = 1.0f / sqrtf ((float) bc->H);
  for (i = 0; i < n; i++)
    p[i] = (rnc_rng_uniform (&rng) * 2.0f - 1.0f) * scale;
  return m;
}

/* Times one case; returns best and median seconds per run. */
static size_t max_frames;       /* --max-frames, 0 = default */
static guint n_threads = 1;     /* --threads */

/* One epoch of the notebook's experiment (bench-notebook.cc): inputs
 * evenly spaced in [-0.4, 1.2], normal targets, normal weights, last-frame
 * MSE, Adam, all N sequences in one batch. */
static void
run_train (const BenchCase *bc, int reps, double *best, double *median)
{
  size_t N = bc->N, T = bc->T, D = bc->D, n, i;
  RncModelConfig c = { 0 };
  RncModel *m;
  RncTrainOptions o;
  RncDataset ds = { 0 };
  RncTrainer *tr;
  RncRng rng;
  float *x = g_new (float, N * T * D), *y = g_new (float, N);
  size_t *off = g_new (size_t, N + 1);
  double *times = g_new (double, reps + 1);
  GError *err = NULL;
  int r;

  for (i = 0; i < N * T * D; i++)
    x[i] = (float) (-0.4 + 1.6 * (double) i / (double) (N * T * D - 1));
  rnc_rng_init (&rng, 2024);
  for (n = 0; n < N; n++)
    y[n] = rnc_rng_normal (&rng);
  for (n = 0; n <= N; n++)
    off[n] = n * T;
  c.cell = bc->cell;
  c.input = RNC_INPUT_DENSE;
  c.head = RNC_HEAD_REGRESSION;
  c.input_size = D;
  c.hidden_size = bc->H;
  c.num_layers = 1;
  c.output_size = bc->Q;
  m = rnc_model_new (&c, NULL);
  rnc_model_init_weights (m, RNC_WEIGHT_INIT_NORMAL, 1);
  rnc_train_options_init (&o, RNC_LOSS_MSE, RNC_OUTPUTS_LAST);
  o.batch_size = 0;
  o.restore_best = FALSE;
  ds.n_seqs = N;
  ds.offsets = off;
  ds.x = x;
  ds.targets = y;
  tr = rnc_trainer_new (m, &o, &ds, NULL, &err);
  if (!tr) {
    fprintf (stderr, "bench-rnc: %s\n", err->message);
    exit (1);
  }
  for (r = 0; r <= reps; r++) {         /* epoch 0 warms up */
    double t0 = now_s ();
    rnc_trainer_train_epoch (tr, NULL);
    times[r] = now_s () - t0;
  }
  qsort (times + 1, reps, sizeof (double), cmp_double);
  *best = times[1];
  *median = times[1 + reps / 2];
  rnc_trainer_free (tr);
  rnc_model_free (m);
  g_free (times);
  g_free (off);
  g_free (y);
  g_free (x);
}

static void
run_case (const BenchCase *bc, int reps, gboolean ref, double *best,
    double *median)
{
  RncModel *m = make_model (bc);
  size_t N = bc->N, T = bc->T, D = bc->D, H = bc->H, Q = bc->Q, i, t;
  size_t in_w = bc->kind == RUN_IDS ? 1 : D;
  RncState *s = rnc_state_new (m, N, max_frames);
  float *x = NULL, *hid = g_new0 (float, N * T * H);
  float *y = Q ? g_new0 (float, N * T * Q) : NULL;
  int32_t *ids = NULL;
  double *times = g_new (double, reps + 1);
  RncRng rng;
  int r;

  rnc_state_set_threads (s, n_threads);
  rnc_rng_init (&rng, 2);
  if (bc->kind == RUN_IDS || bc->kind == RUN_ONEHOT) {
    ids = g_new (int32_t, T);
    for (t = 0; t < T; t++)
      ids[t] = (int32_t) (rnc_rng_next (&rng) % D);
  }
  if (bc->kind != RUN_IDS) {
    x = g_new0 (float, N * T * in_w);
    if (bc->kind == RUN_ONEHOT)
      for (t = 0; t < T; t++)
        x[t * D + ids[t]] = 1.0f;
    else
      for (i = 0; i < N * T * D; i++)
        x[i] = rnc_rng_normal (&rng);
  }

  for (r = 0; r <= reps; r++) {     /* run 0 warms up */
    double t0;
    rnc_state_reset (s);
    t0 = now_s ();
    switch (bc->kind) {
      case RUN_STREAM:
        for (t = 0; t < T; t++)
          rnc_forward (s, x + t * D, 1, hid + t * H, NULL);
        break;
      case RUN_IDS:
        if (ref)
          rnc_forward_ids_ref (s, ids, T, hid, y);
        else
          rnc_forward_ids (s, ids, T, hid, y);
        break;
      case RUN_SEQUENCE:
      case RUN_ONEHOT:
      default:
        if (ref)
          rnc_forward_ref (s, x, T, hid, y);
        else
          rnc_forward (s, x, T, hid, y);
        break;
    }
    times[r] = now_s () - t0;
  }
  qsort (times + 1, reps, sizeof (double), cmp_double);
  *best = times[1];
  *median = times[1 + reps / 2];

  g_free (times);
  g_free (x);
  g_free (ids);
  g_free (hid);
  g_free (y);
  rnc_state_free (s);
  rnc_model_free (m);
}

int
main (int argc, char **argv)
{
  const char *only[64];
  int n_only = 0, reps = 5, i;
  gboolean ref = FALSE;
  size_t c;

  for (i = 1; i < argc; i++) {
    if (strcmp (argv[i], "--list") == 0) {
      for (c = 0; c < G_N_ELEMENTS (cases); c++)
        printf ("%-20s %s\n", cases[c].name, cases[c].what);
      return 0;
    } else if (strcmp (argv[i], "--case") == 0 && i + 1 < argc && n_only < 64) {
      only[n_only++] = argv[++i];
    } else if (strcmp (argv[i], "--reps") == 0 && i + 1 < argc) {
      reps = atoi (argv[++i]);
      if (reps < 1)
        reps = 1;
    } else if (strcmp (argv[i], "--level") == 0 && i + 1 < argc) {
      const char *l = argv[++i];
      rnc_cpu_set_level (strcmp (l, "scalar") == 0 ? RNC_CPU_SCALAR :
          strcmp (l, "avx2") == 0 ? RNC_CPU_AVX2 : RNC_CPU_AVX512);
    } else if (strcmp (argv[i], "--threads") == 0 && i + 1 < argc) {
      const char *v = argv[++i];
      n_threads = strcmp (v, "auto") == 0 ? RNC_THREADS_AUTO :
          (guint) MAX (1, atoi (v));
    } else if (strcmp (argv[i], "--max-frames") == 0 && i + 1 < argc) {
      max_frames = (size_t) atoi (argv[++i]);
    } else if (strcmp (argv[i], "--ref") == 0) {
      ref = TRUE;
    } else {
      fprintf (stderr, "usage: %s [--list] [--case NAME]... [--reps R] "
          "[--level scalar|avx2|avx512] [--max-frames F] [--threads 1|2|auto] "
          "[--ref]\n", argv[0]);
      return 2;
    }
  }

  if (n_threads == RNC_THREADS_AUTO)
    printf ("# level %s, BLAS core %s, adaptive split (auto) per state\n",
        rnc_cpu_level_to_string (rnc_cpu_get_level ()),
        rnc_blas_get_corename ());
  else
    printf ("# level %s, BLAS core %s, %u thread(s) per state\n",
        rnc_cpu_level_to_string (rnc_cpu_get_level ()),
        rnc_blas_get_corename (), n_threads);
  for (c = 0; c < G_N_ELEMENTS (cases); c++) {
    const BenchCase *bc = &cases[c];
    double best, median;
    gboolean want = n_only == 0;
    for (i = 0; i < n_only; i++)
      if (strcmp (only[i], bc->name) == 0)
        want = TRUE;
    if (!want)
      continue;
    if (bc->kind == RUN_TRAIN)
      run_train (bc, reps, &best, &median);
    else
      run_case (bc, reps, ref, &best, &median);
    if (bc->kind == RUN_STREAM)
      printf ("%-20s %10.4f %10.4f step %10.4f us\n", bc->name, best * 1e3,
          median * 1e3, best / bc->T * 1e6);
    else
      printf ("%-20s %10.4f %10.4f run\n", bc->name, best * 1e3, median * 1e3);
    fflush (stdout);
  }
  return 0;
}
