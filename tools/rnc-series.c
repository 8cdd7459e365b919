/* rnc-series: writes a synthetic test series (lib/rnc-series.h) as CSV.
 *
 *   rnc-series KIND N [SEED]    > series.csv     (header "t,value")
 *   rnc-series --list
 *
 * The kinds: ar, setar, mackey-glass, logistic, henon, bilinear (see
 * docs/forecasting.md). The same kind, N and seed give the same file. */
#include "rnc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
main (int argc, char **argv)
{
  const char *const *kinds = rnc_series_kinds ();
  guint64 n, seed = 1;
  float *x;
  size_t i;

  if (argc == 2 && !strcmp (argv[1], "--list")) {
    for (i = 0; kinds[i]; i++)
      printf ("%s\n", kinds[i]);
    return 0;
  }
  if (argc < 3 || argc > 4
      || !g_ascii_string_to_unsigned (argv[2], 10, 1, 100000000, &n, NULL)
      || (argc == 4 && !g_ascii_string_to_unsigned (argv[3], 10, 0,
              G_MAXUINT64, &seed, NULL))) {
    fprintf (stderr, "usage: rnc-series KIND N [SEED]  (N 1..100000000; "
        "rnc-series --list names the kinds)\n");
    return 2;
  }
  x = g_new (float, n);
  if (!rnc_series_generate (argv[1], n, seed, x)) {
    fprintf (stderr, "rnc-series: unknown kind '%s' (rnc-series --list)\n",
        argv[1]);
    g_free (x);
    return 2;
  }
  printf ("t,value\n");
  for (i = 0; i < n; i++)
    printf ("%zu,%.9g\n", i, x[i]);
  g_free (x);
  return 0;
}
