/* Forecast quality: every series of ../shared/data/timeseries is trained
 * with the library's default recipe on its first 80% and forecast one step
 * ahead on the last 20%, each forecast computed as the `lstm` element does
 * with window=T (scaled window from a fresh state). MAE and RMSE against the
 * naive and seasonal-naive baselines of baselines.json.
 *
 * Run: meson test -C build --benchmark --suite bench-quality -v   (or the
 * executable directly; RNC_SHARED_DATA names the data folder). */
#include "rnc.h"

#include <json-glib/json-glib.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

static std::vector<float>
read_series (const std::string &path)
{
  std::ifstream in (path);
  std::string line;
  std::vector<float> v;
  std::getline (in, line);      /* time,value */
  while (std::getline (in, line)) {
    size_t c = line.find (',');
    if (c != std::string::npos)
      v.push_back (std::strtof (line.c_str () + c + 1, nullptr));
  }
  return v;
}

static double
baseline (JsonObject *root, const char *series, const char *which,
    const char *metric)
{
  JsonObject *s = json_object_get_object_member (root, series);
  JsonObject *b = json_object_get_object_member (s, which);
  return json_object_get_double_member (b, metric);
}

int
main (int argc, char **argv)
{
  const char *dir = std::getenv ("RNC_SHARED_DATA");
  std::string ts = std::string (dir ? dir : "../shared/data") + "/timeseries";
  g_autoptr (JsonParser) parser = json_parser_new ();
  if (!json_parser_load_from_file (parser, (ts + "/baselines.json").c_str (),
          nullptr)) {
    std::printf ("SKIP: %s/baselines.json not found (set RNC_SHARED_DATA)\n",
        ts.c_str ());
    return 77;
  }
  JsonObject *root = json_node_get_object (json_parser_get_root (parser));
  const char *names[] = { "AirPassengers", "co2" };
  gboolean all_beat = TRUE;

  std::printf ("| series | model | MAE | RMSE | naive MAE / RMSE | seasonal naive"
      " MAE / RMSE | train s | window | ridge | network kept |\n"
      "|---|---|---|---|---|---|---|---|---|---|\n");
  for (const char *name : names) {
    std::vector<float> x = read_series (ts + "/" + name + ".csv");
    size_t n = x.size (), n_train = (size_t) (0.8 * (double) n);
    for (RncCell cell : { RNC_CELL_LSTM, RNC_CELL_RNN }) {
      RncForecastOptions o;
      rnc_forecast_options_init (&o);
      o.cell = cell;
      RncForecastReport rep;
      g_autoptr (GError) err = nullptr;
      gint64 t0 = g_get_monotonic_time ();
      g_autoptr (RncModel) m = rnc_forecast_train (x.data (), n_train, 1, &o,
          nullptr, nullptr, &rep, &err);
      double secs = (g_get_monotonic_time () - t0) / 1e6;
      if (!m) {
        std::printf ("%s: training failed: %s\n", name, err->message);
        return 1;
      }
      size_t T = rnc_model_get_window (m);
      g_autoptr (RncState) st = rnc_state_new (m, 1, T);
      std::vector<float> scratch (rnc_forecast_get_scratch_size (m));
      double ae = 0, se = 0;
      for (size_t t = n_train; t < n; t++) {
        float y;
        rnc_forecast_predict (m, st, &x[t - T], T, scratch.data (), &y);
        ae += std::fabs (y - x[t]);
        se += (y - x[t]) * (y - x[t]);
      }
      double mae = ae / (n - n_train), rmse = std::sqrt (se / (n - n_train));
      double nm = baseline (root, name, "naive_lag1", "MAE");
      double nr = baseline (root, name, "naive_lag1", "RMSE");
      double sm = baseline (root, name, "seasonal_naive_lag12", "MAE");
      double sr = baseline (root, name, "seasonal_naive_lag12", "RMSE");
      std::printf ("| %s | %s H=%zu | %.4g | %.4g | %.4g / %.4g | %.4g / %.4g |"
          " %.2f | %zu | %g | %s |\n", name, rnc_cell_to_string (cell),
          o.hidden_size, mae, rmse, nm, nr, sm, sr, secs, T, rep.ridge,
          rep.network_kept ? "yes" : "no");
      if (!(mae < nm && mae < sm && rmse < nr && rmse < sr))
        all_beat = FALSE;
    }
  }
  std::printf ("\n%s\n", all_beat ? "beats both baselines on every series" :
      "does NOT beat both baselines everywhere");
  return 0;
}
