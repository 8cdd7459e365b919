/* rnc-seed-model: writes the seed notebook's small models (linspace weights)
 * and their inputs, so that the element examples of the documentation and
 * pipelines/seed-vectors.sh run as written.
 *
 *   rnc-seed-model q1|q2|q3|q5|q6|q8 -o MODEL [--input FRAMES.f32]
 *       [--csv FRAMES.csv] [--row K] [--state STATE.safetensors]
 *
 *   q1  vanilla RNN step, D=10, H=4, no head (Q1 of SEED.md); input: the
 *       batch's 3 rows, one frame each; --state: row K's prev_h
 *   q2  vanilla RNN, D=4, H=5, no head (Q2); input: 3 frames
 *   q3  vanilla RNN, D=4, H=5, regression head Q=2 (Q3); input: 2 sequences
 *       of 3 frames, one after the other
 *   q5  LSTM step, D=4, H=3, no head (Q5); input: 3 rows of one frame;
 *       --state: row K's prev_h and prev_c
 *   q6  LSTM, D=5, H=4, no head (Q6); input: 3 frames
 *   q8  vanilla RNN generator, D=4, H=5, regression head Q=4 (Q8); input:
 *       the 2 seeds, one frame each (run it with initial-state=ones)
 *
 * --input writes the input frames as raw little-endian F32 (for filesrc),
 * --csv as CSV with a header x0,x1,... (for csvdec). --row K keeps only row
 * K of the notebook's batch (a sequence of q3, a seed of q8, a row of q1 or
 * q5: each row is its own stream). --state (q1, q5) writes row K's previous
 * state as a state file (for initial-state=file).
 */
#include "rnc.h"
#include "rnc-csv.h"

#include <stdio.h>
#include <string.h>

/* numpy's linspace: in double, rounded to float. */
static void
linspace (float *v, double a, double b, size_t n)
{
  size_t i;

  for (i = 0; i < n; i++)
    v[i] = n == 1 ? (float) a :
        (float) (a + (b - a) / (double) (n - 1) * (double) i);
  if (n > 1)
    v[n - 1] = (float) b;
}

static int
usage (void)
{
  fprintf (stderr, "usage: rnc-seed-model q1|q2|q3|q5|q6|q8 -o MODEL "
      "[--input FRAMES.f32] [--csv FRAMES.csv] [--row K] "
      "[--state STATE.safetensors]\n");
  return 2;
}

/* The notebook's vanilla RNN weights: Wx, Wh, bh and, when asked, the head. */
static void
rnn_weights (RncModel *m, double wx0, double wx1, double wh0, double wh1,
    double b0, double b1, gboolean head)
{
  const RncModelConfig *c = rnc_model_get_config (m);
  const RncParamViews *v = rnc_model_get_views (m);
  size_t D = c->input_size, H = c->hidden_size, Q = c->output_size;

  linspace (v->layer[0].Wx, wx0, wx1, D * H);
  linspace (v->layer[0].Wh, wh0, wh1, H * H);
  linspace (v->layer[0].bh, b0, b1, H);
  if (head) {
    linspace (v->Wo, -0.4, 0.1, H * Q);
    linspace (v->bo, -0.7, 0.1, Q);
  }
}

static void
lstm_weights (RncModel *m)
{
  const RncModelConfig *c = rnc_model_get_config (m);
  const RncParamViews *v = rnc_model_get_views (m);
  size_t D = c->input_size, H = c->hidden_size;

  linspace (v->layer[0].Wx, -2.1, 1.3, 4 * D * H);
  linspace (v->layer[0].Wh, -0.7, 2.2, 4 * H * H);
  linspace (v->layer[0].bh, 0.3, 0.7, 4 * H);
}

int
main (int argc, char **argv)
{
  const char *which = NULL, *out = NULL, *input = NULL, *csv = NULL;
  const char *state_path = NULL;
  RncModelConfig c = { 0 };
  g_autoptr (GError) err = NULL;
  g_autoptr (RncModel) m = NULL;
  float x[32], h0[16], c0[16];
  size_t rows, frames_per_row, D, H, i;
  long row = -1;
  gboolean has_state = FALSE;
  int a;

  for (a = 1; a < argc; a++) {
    if (strcmp (argv[a], "-o") == 0 && a + 1 < argc)
      out = argv[++a];
    else if (strcmp (argv[a], "--input") == 0 && a + 1 < argc)
      input = argv[++a];
    else if (strcmp (argv[a], "--csv") == 0 && a + 1 < argc)
      csv = argv[++a];
    else if (strcmp (argv[a], "--state") == 0 && a + 1 < argc)
      state_path = argv[++a];
    else if (strcmp (argv[a], "--row") == 0 && a + 1 < argc) {
      char *end = NULL;
      row = strtol (argv[++a], &end, 10);
      if (!end || *end != '\0' || row < 0)
        return usage ();
    } else if (!which && argv[a][0] != '-')
      which = argv[a];
    else
      return usage ();
  }
  if (!which || !out)
    return usage ();

  c.input = RNC_INPUT_DENSE;
  c.num_layers = 1;
  c.cell = RNC_CELL_RNN;
  c.head = RNC_HEAD_NONE;
  if (strcmp (which, "q1") == 0) {
    c.input_size = D = 10;
    c.hidden_size = H = 4;
    rows = 3;
    frames_per_row = 1;
  } else if (strcmp (which, "q2") == 0 || strcmp (which, "q3") == 0) {
    gboolean head = strcmp (which, "q3") == 0;
    c.input_size = D = 4;
    c.hidden_size = H = 5;
    c.head = head ? RNC_HEAD_REGRESSION : RNC_HEAD_NONE;
    c.output_size = head ? 2 : 0;
    rows = head ? 2 : 1;
    frames_per_row = 3;
  } else if (strcmp (which, "q5") == 0) {
    c.cell = RNC_CELL_LSTM;
    c.input_size = D = 4;
    c.hidden_size = H = 3;
    rows = 3;
    frames_per_row = 1;
  } else if (strcmp (which, "q6") == 0) {
    c.cell = RNC_CELL_LSTM;
    c.input_size = D = 5;
    c.hidden_size = H = 4;
    rows = 1;
    frames_per_row = 3;
  } else if (strcmp (which, "q8") == 0) {
    c.input_size = D = 4;
    c.hidden_size = H = 5;
    c.head = RNC_HEAD_REGRESSION;
    c.output_size = 4;
    rows = 2;
    frames_per_row = 1;
  } else {
    return usage ();
  }
  if (row >= (long) rows) {
    fprintf (stderr, "rnc-seed-model: %s has rows 0..%zu\n", which, rows - 1);
    return 2;
  }
  m = rnc_model_new (&c, &err);
  if (!m)
    goto failed;

  /* weights, inputs (rows * frames_per_row frames) and previous states */
  if (strcmp (which, "q1") == 0) {
    rnn_weights (m, -0.1, 0.9, -0.3, 0.7, -0.2, 0.4, FALSE);
    linspace (x, -0.4, 0.7, rows * D);
    linspace (h0, -0.2, 0.5, rows * H);
    has_state = TRUE;
  } else if (strcmp (which, "q2") == 0 || strcmp (which, "q3") == 0) {
    rnn_weights (m, -0.2, 0.4, -0.4, 0.1, -0.7, 0.1,
        c.head == RNC_HEAD_REGRESSION);
    linspace (x, -0.1, 0.3, rows * frames_per_row * D);
  } else if (strcmp (which, "q5") == 0) {
    lstm_weights (m);
    linspace (x, -0.4, 1.2, rows * D);
    linspace (h0, -0.3, 0.7, rows * H);
    linspace (c0, -0.4, 0.9, rows * H);
    has_state = TRUE;
  } else if (strcmp (which, "q6") == 0) {
    lstm_weights (m);
    linspace (x, -0.4, 1.2, frames_per_row * D);
  } else {
    rnn_weights (m, -0.2, 0.4, -0.4, 0.1, -0.7, 0.1, TRUE);
    linspace (x, -0.1, 0.3, rows * D);
  }
  rnc_model_params_changed (m);

  if (state_path && !has_state) {
    fprintf (stderr, "rnc-seed-model: --state is for q1 and q5 (the others "
        "start from zeros, or ones for q8)\n");
    return 2;
  }
  if (row >= 0) {
    /* row K only: its frames (and state) move to the front */
    memmove (x, x + row * frames_per_row * D, frames_per_row * D *
        sizeof (float));
    if (has_state) {
      memmove (h0, h0 + row * H, H * sizeof (float));
      memmove (c0, c0 + row * H, H * sizeof (float));
    }
    rows = 1;
  } else if (state_path) {
    fprintf (stderr, "rnc-seed-model: --state needs --row (a state file "
        "holds one stream)\n");
    return 2;
  }

  if (!rnc_model_save (m, out, &err))
    goto failed;
  if (input && !g_file_set_contents (input, (const gchar *) x,
          (gssize) (rows * frames_per_row * D * sizeof (float)), &err))
    goto failed;
  if (csv) {
    GString *s = g_string_new (NULL);
    char **names = g_new0 (char *, D + 1);
    gboolean ok;
    for (i = 0; i < D; i++)
      names[i] = g_strdup_printf ("x%zu", i);
    rnc_csv_format_header (s, (const char *const *) names, D, ',');
    rnc_csv_format_floats (s, x, rows * frames_per_row, D, 9, ',');
    ok = g_file_set_contents (csv, s->str, (gssize) s->len, &err);
    g_strfreev (names);
    g_string_free (s, TRUE);
    if (!ok)
      goto failed;
  }
  if (state_path) {
    g_autoptr (RncState) st = rnc_state_new (m, 1, 0);
    memcpy (rnc_state_get_h (st), h0, H * sizeof (float));
    if (rnc_state_get_c (st))
      memcpy (rnc_state_get_c (st), c0, H * sizeof (float));
    if (!rnc_state_save (st, state_path, &err))
      goto failed;
  }
  return 0;

failed:
  fprintf (stderr, "rnc-seed-model: %s\n", err->message);
  return 1;
}
