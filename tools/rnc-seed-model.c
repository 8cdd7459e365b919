/* rnc-seed-model: writes the seed notebook's small models (linspace weights)
 * and their inputs, so that the element examples of the documentation run
 * as written.
 *
 *   rnc-seed-model q2|q3|q6 -o MODEL [--input FRAMES.f32] [--csv FRAMES.csv]
 *
 *   q2  vanilla RNN, D=4, H=5, no head (Q2 of SEED.md); input: 3 frames
 *   q3  vanilla RNN, D=4, H=5, regression head Q=2 (Q3); input: 2 sequences
 *       of 3 frames, one after the other
 *   q6  LSTM, D=5, H=4, no head (Q6); input: 3 frames
 *
 * --input writes the input frames as raw little-endian F32 (for filesrc),
 * --csv as CSV with a header x0,x1,... (for csvdec).
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
  fprintf (stderr, "usage: rnc-seed-model q2|q3|q6 -o MODEL "
      "[--input FRAMES.f32] [--csv FRAMES.csv]\n");
  return 2;
}

int
main (int argc, char **argv)
{
  const char *which = NULL, *out = NULL, *input = NULL, *csv = NULL;
  RncModelConfig c = { 0 };
  g_autoptr (GError) err = NULL;
  g_autoptr (RncModel) m = NULL;
  const RncParamViews *v;
  float x[32];
  size_t n_frames, D, i;
  int a;

  for (a = 1; a < argc; a++) {
    if (strcmp (argv[a], "-o") == 0 && a + 1 < argc)
      out = argv[++a];
    else if (strcmp (argv[a], "--input") == 0 && a + 1 < argc)
      input = argv[++a];
    else if (strcmp (argv[a], "--csv") == 0 && a + 1 < argc)
      csv = argv[++a];
    else if (!which && argv[a][0] != '-')
      which = argv[a];
    else
      return usage ();
  }
  if (!which || !out)
    return usage ();

  c.input = RNC_INPUT_DENSE;
  c.num_layers = 1;
  if (strcmp (which, "q2") == 0 || strcmp (which, "q3") == 0) {
    gboolean head = strcmp (which, "q3") == 0;
    c.cell = RNC_CELL_RNN;
    c.input_size = D = 4;
    c.hidden_size = 5;
    c.head = head ? RNC_HEAD_REGRESSION : RNC_HEAD_NONE;
    c.output_size = head ? 2 : 0;
    m = rnc_model_new (&c, &err);
    if (!m)
      goto failed;
    v = rnc_model_get_views (m);
    linspace (v->layer[0].Wx, -0.2, 0.4, 20);
    linspace (v->layer[0].Wh, -0.4, 0.1, 25);
    linspace (v->layer[0].bh, -0.7, 0.1, 5);
    if (head) {
      linspace (v->Wo, -0.4, 0.1, 10);
      linspace (v->bo, -0.7, 0.1, 2);
    }
    n_frames = head ? 6 : 3;
    linspace (x, -0.1, 0.3, n_frames * D);
  } else if (strcmp (which, "q6") == 0) {
    c.cell = RNC_CELL_LSTM;
    c.input_size = D = 5;
    c.hidden_size = 4;
    c.head = RNC_HEAD_NONE;
    m = rnc_model_new (&c, &err);
    if (!m)
      goto failed;
    v = rnc_model_get_views (m);
    linspace (v->layer[0].Wx, -2.1, 1.3, 4 * 5 * 4);
    linspace (v->layer[0].Wh, -0.7, 2.2, 4 * 4 * 4);
    linspace (v->layer[0].bh, 0.3, 0.7, 4 * 4);
    n_frames = 3;
    linspace (x, -0.4, 1.2, n_frames * D);
  } else {
    return usage ();
  }

  if (!rnc_model_save (m, out, &err))
    goto failed;
  if (input && !g_file_set_contents (input, (const gchar *) x,
          (gssize) (n_frames * D * sizeof (float)), &err))
    goto failed;
  if (csv) {
    GString *s = g_string_new (NULL);
    char **names = g_new0 (char *, D + 1);
    gboolean ok;
    for (i = 0; i < D; i++)
      names[i] = g_strdup_printf ("x%zu", i);
    rnc_csv_format_header (s, (const char *const *) names, D, ',');
    rnc_csv_format_floats (s, x, n_frames, D, 9, ',');
    ok = g_file_set_contents (csv, s->str, (gssize) s->len, &err);
    g_strfreev (names);
    g_string_free (s, TRUE);
    if (!ok)
      goto failed;
  }
  return 0;

failed:
  fprintf (stderr, "rnc-seed-model: %s\n", err->message);
  return 1;
}
