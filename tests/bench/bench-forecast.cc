/* Forecast quality, through the library and through the elements.
 *
 * Every series is cut at 80%: `rnc-train forecast` with its defaults (and
 * with --cell rnn) trains on the first part, written as a CSV; then the
 * last 20% is forecast one step ahead twice from the same model file:
 *   - by the library, rnc_forecast_predict on the window before each value;
 *   - by the elements, filesrc ! csvdec column=value ! lstm|rnn ! csvenc
 *     ! filesink over the whole series (output line k is the forecast of
 *     value k + T, T = the model's rnc.window).
 * MAE and RMSE of both, against the naive (last value) and seasonal-naive
 * (value one period earlier) baselines; for ../shared/data/timeseries the
 * baselines are also checked against baselines.json.
 *
 * Usage: bench-forecast RNC_TRAIN [FILE.csv[:PERIOD] ...]
 *   Without files: the series of $RNC_SHARED_DATA/timeseries (period 12).
 *   Files are "time,value" CSVs (tests/bench/export-r-series.R writes R's
 *   datasets so). $RNC_FORECAST_ARGS adds options to every rnc-train call.
 * Run: meson test -C build --benchmark --suite bench-quality -v */
#include "rnc.h"
#include "rnc-model-io.h"
#include "bench-util.h"

#include <gst/gst.h>
#include <json-glib/json-glib.h>
#include <glib/gstdio.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

struct Series {
  std::string name, path;
  size_t period;
  std::vector<float> x;
  std::string csv;              /* the file's text */
};

struct Errors {
  double mae = 0, rmse = 0;
};

Errors
errors (const std::vector<double> &pred, const std::vector<float> &x,
    size_t from)
{
  Errors e;
  for (size_t t = from; t < x.size (); t++) {
    double d = pred[t - from] - x[t];
    e.mae += std::fabs (d);
    e.rmse += d * d;
  }
  e.mae /= (double) (x.size () - from);
  e.rmse = std::sqrt (e.rmse / (double) (x.size () - from));
  return e;
}

Errors
baseline (const std::vector<float> &x, size_t from, size_t lag)
{
  std::vector<double> p;
  for (size_t t = from; t < x.size (); t++)
    p.push_back (x[t - lag]);
  return errors (p, x, from);
}

bool
load_series (Series &s)
{
  g_autoptr (GError) err = nullptr;
  RncCsvOptions o;
  rnc_csv_options_init (&o);
  o.columns = "value";
  RncCsvTable t;
  if (!rnc_csv_read_file (s.path.c_str (), &o, &t, &err)) {
    std::printf ("%s\n", err->message);
    return false;
  }
  s.x.assign (t.values, t.values + t.n_rows);
  rnc_csv_table_clear (&t);
  gchar *text = nullptr;
  g_file_get_contents (s.path.c_str (), &text, nullptr, nullptr);
  s.csv = text ? text : "";
  g_free (text);
  return true;
}

/* The first @n data lines of @csv with its header. */
std::string
head_lines (const std::string &csv, size_t n)
{
  size_t pos = csv.find ('\n') + 1;
  for (size_t i = 0; i < n; i++)
    pos = csv.find ('\n', pos) + 1;
  return csv.substr (0, pos);
}

int
spawn (const std::vector<std::string> &args, std::string *err_out)
{
  std::vector<char *> argv;
  for (auto &a : args)
    argv.push_back ((char *) a.c_str ());
  argv.push_back (nullptr);
  gchar *err = nullptr;
  gint status = -1;
  GError *e = nullptr;
  if (!g_spawn_sync (nullptr, argv.data (), nullptr, G_SPAWN_STDOUT_TO_DEV_NULL,
          nullptr, nullptr, nullptr, &err, &status, &e)) {
    *err_out = e->message;
    g_error_free (e);
    return -1;
  }
  *err_out = err ? err : "";
  g_free (err);
  return g_spawn_check_wait_status (status, nullptr) ? 0 : 1;
}

} // namespace

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  if (argc < 2) {
    std::printf ("usage: bench-forecast RNC_TRAIN [FILE.csv[:PERIOD] ...]\n");
    return 2;
  }
  std::string train_exe = argv[1];
  std::vector<Series> series;
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *ref = nullptr;
  if (argc == 2) {
    const char *dir = std::getenv ("RNC_SHARED_DATA");
    std::string ts = std::string (dir ? dir : "../shared/data") +
        "/timeseries";
    if (!json_parser_load_from_file (parser, (ts + "/baselines.json").c_str (),
            nullptr)) {
      std::printf ("SKIP: %s/baselines.json not found (set RNC_SHARED_DATA)\n",
          ts.c_str ());
      return 77;
    }
    ref = json_node_get_object (json_parser_get_root (parser));
    for (const char *name : { "AirPassengers", "co2" })
      series.push_back ({ name, ts + "/" + name + ".csv", 12, {}, {} });
  }
  for (int i = 2; i < argc; i++) {
    std::string a = argv[i];
    size_t period = 12, colon = a.rfind (':');
    if (colon != std::string::npos) {
      period = std::strtoul (a.c_str () + colon + 1, nullptr, 10);
      a = a.substr (0, colon);
    }
    g_autofree char *base = g_path_get_basename (a.c_str ());
    std::string name = base;
    name = name.substr (0, name.rfind ('.'));
    series.push_back ({ name, a, period, {}, {} });
  }
  std::vector<std::string> extra;
  if (const char *e = std::getenv ("RNC_FORECAST_ARGS")) {
    g_auto (GStrv) parts = g_strsplit (e, " ", -1);
    for (char **p = parts; *p; p++)
      if (**p)
        extra.push_back (*p);
  }

  g_autofree char *tmp = g_dir_make_tmp ("rnc-bench-forecast-XXXXXX",
      nullptr);
  std::string train_csv = std::string (tmp) + "/train.csv";
  std::string model = std::string (tmp) + "/model.safetensors";
  std::string out = std::string (tmp) + "/out.csv";
  bool all_beat = true, all_agree = true;

  std::printf ("| series | n (test) | model | MAE | RMSE | element MAE | "
      "element RMSE | max |lib - element| | naive MAE / RMSE | seasonal naive "
      "MAE / RMSE | beats both | train s (epochs) | network kept |\n"
      "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
  for (Series &s : series) {
    if (!load_series (s))
      return 1;
    size_t n = s.x.size (), n_train = (size_t) (0.8 * (double) n);
    Errors naive = baseline (s.x, n_train, 1);
    Errors snaive = baseline (s.x, n_train, s.period);
    if (ref) {
      JsonObject *o = json_object_get_object_member (ref, s.name.c_str ());
      double rm = json_object_get_double_member (json_object_get_object_member
          (o, "naive_lag1"), "MAE");
      double rs = json_object_get_double_member (json_object_get_object_member
          (o, "seasonal_naive_lag12"), "MAE");
      if (json_object_get_int_member (o, "n_train") != (gint64) n_train
          || std::fabs (rm - naive.mae) > 1e-6 * rm
          || std::fabs (rs - snaive.mae) > 1e-6 * rs)
        std::printf ("(%s: baselines differ from baselines.json: %g %g)\n",
            s.name.c_str (), rm, rs);
    }
    if (!g_file_set_contents (train_csv.c_str (), head_lines (s.csv,
                n_train).c_str (), -1, nullptr))
      return 1;

    for (const char *cell : { "lstm", "rnn" }) {
      std::vector<std::string> cmd = { train_exe, "forecast", "--data",
        train_csv, "--column", "value", "-o", model, "-q", "--cell", cell };
      cmd.insert (cmd.end (), extra.begin (), extra.end ());
      std::string err;
      gint64 t0 = g_get_monotonic_time ();
      if (spawn (cmd, &err) != 0) {
        std::printf ("%s: rnc-train failed: %s\n", s.name.c_str (),
            err.c_str ());
        return 1;
      }
      double secs = (g_get_monotonic_time () - t0) / 1e6;
      g_autoptr (GError) e = nullptr;
      g_autoptr (RncModel) m = rnc_model_load (model.c_str (), &e);
      if (!m) {
        std::printf ("%s\n", e->message);
        return 1;
      }
      size_t T = rnc_model_get_window (m);

      /* the library */
      g_autoptr (RncState) st = rnc_state_new (m, 1, T);
      std::vector<float> scratch (rnc_forecast_get_scratch_size (m));
      std::vector<double> lib, el;
      for (size_t t = n_train; t < n; t++) {
        float y;
        rnc_forecast_predict (m, st, &s.x[t - T], T, scratch.data (), &y);
        lib.push_back (y);
      }
      /* the elements */
      std::string desc = "filesrc location=\"" + s.path + "\" ! csvdec "
          "column=value ! " + cell + " model=\"" + model + "\" ! csvenc "
          "precision=9 ! filesink location=\"" + out + "\"";
      std::string perr = bench_run_pipeline (desc);
      if (!perr.empty ()) {
        std::printf ("%s: %s\n", desc.c_str (), perr.c_str ());
        return 1;
      }
      RncCsvTable t;
      RncCsvOptions o;
      rnc_csv_options_init (&o);
      o.header = RNC_CSV_HEADER_ABSENT;
      if (!rnc_csv_read_file (out.c_str (), &o, &t, &e)) {
        std::printf ("%s\n", e->message);
        return 1;
      }
      if (t.n_rows != n - T + 1) {
        std::printf ("%s: %zu element outputs, expected %zu\n",
            s.name.c_str (), t.n_rows, n - T + 1);
        return 1;
      }
      double worst = 0;
      for (size_t k = n_train; k < n; k++) {
        el.push_back (t.values[k - T]);
        worst = std::max (worst, std::fabs (el.back () - lib[k - n_train]));
      }
      rnc_csv_table_clear (&t);
      Errors a = errors (lib, s.x, n_train), b = errors (el, s.x, n_train);
      bool beat = a.mae < naive.mae && a.mae < snaive.mae
          && a.rmse < naive.rmse && a.rmse < snaive.rmse;
      all_beat = all_beat && beat;
      all_agree = all_agree && worst <= 1e-5 * std::max (1.0,
          std::fabs (a.mae));
      const char *kept = rnc_model_get_metadata (m, "rnc.train.network_kept");
      const char *epochs = rnc_model_get_metadata (m, "rnc.train.epochs_run");
      std::printf ("| %s | %zu (%zu) | %s | %.4g | %.4g | %.4g | %.4g | %.2g |"
          " %.4g / %.4g | %.4g / %.4g | %s | %.1f (%s) | %s |\n",
          s.name.c_str (), n, n - n_train, cell, a.mae, a.rmse, b.mae, b.rmse,
          worst, naive.mae, naive.rmse, snaive.mae, snaive.rmse,
          beat ? "yes" : "no", secs, epochs ? epochs : "?", kept ? kept : "?");
      std::fflush (stdout);
    }
  }
  g_unlink (train_csv.c_str ());
  g_unlink (model.c_str ());
  g_unlink (out.c_str ());
  g_rmdir (tmp);
  std::printf ("\n%s; library and elements %s\n", all_beat ?
      "beats both baselines on every series" :
      "does NOT beat both baselines everywhere", all_agree ? "agree" :
      "DISAGREE");
  return all_agree ? 0 : 1;
}
