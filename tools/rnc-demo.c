/* rnc-demo: a first look at the library without GStreamer. Builds the seed
 * notebook's Q8 generator from its linspace weights, generates 3 frames from
 * two seeds with h0 = ones, and prints them beside the notebook's values. */
#include "rnc.h"

#include <math.h>
#include <stdio.h>

static void
linspace (float *v, double a, double b, size_t n)
{
  size_t i;

  for (i = 0; i < n; i++)
    v[i] = (float) (a + (b - a) * (double) i / (double) (n - 1));
}

int
main (void)
{
  enum { N = 2, T = 3, D = 4, H = 5 };
  static const float expected[N * T * D] = {
    0.11289829f, 0.28615662f, 0.45941496f, 0.6326734f,
    -1.1034914f, -0.76390266f, -0.4243139f, -0.08472518f,
    -0.09742844f, 0.10508922f, 0.30760697f, 0.5101247f,
    0.09427071f, 0.27482215f, 0.4553734f, 0.6359247f,
    -1.0948822f, -0.75592315f, -0.41696408f, -0.07800511f,
    -0.10287851f, 0.10063282f, 0.30414408f, 0.5076554f };
  RncModelConfig c = { RNC_CELL_RNN, RNC_INPUT_DENSE, RNC_HEAD_REGRESSION,
    D, 0, H, 1, D };
  g_autoptr (GError) err = NULL;
  g_autoptr (RncModel) m = rnc_model_new (&c, &err);
  g_autoptr (RncState) s = NULL;
  const RncParamViews *v;
  float x[N * D], seq[N * T * D];
  double worst = 0;
  size_t n, t, d;

  if (!m) {
    fprintf (stderr, "rnc-demo: %s\n", err->message);
    return 1;
  }
  v = rnc_model_get_views (m);
  linspace (v->layer[0].Wx, -0.2, 0.4, D * H);
  linspace (v->layer[0].Wh, -0.4, 0.1, H * H);
  linspace (v->layer[0].bh, -0.7, 0.1, H);
  linspace (v->Wo, -0.4, 0.1, H * D);
  linspace (v->bo, -0.7, 0.1, D);
  linspace (x, -0.1, 0.3, N * D);

  s = rnc_state_new (m, N, 0);
  rnc_state_set_init (s, RNC_INIT_ONES);
  rnc_state_reset (s);
  rnc_generate (s, x, T, seq);

  printf ("Seed notebook Q8: a vanilla RNN (D=4, H=5) generating 3 frames from 2 seeds\n");
  for (n = 0; n < N; n++)
    for (t = 0; t < T; t++) {
      printf ("  seed %zu, t=%zu:", n, t);
      for (d = 0; d < D; d++) {
        size_t i = (n * T + t) * D + d;
        printf (" %+.7f", seq[i]);
        worst = fmax (worst, fabs (seq[i] - expected[i]));
      }
      printf ("\n");
    }
  printf ("largest difference from the notebook's values: %.2e\n", worst);
  return worst < 2e-6 ? 0 : 1;
}
