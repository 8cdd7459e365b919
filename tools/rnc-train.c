/* rnc-train: trains the models the rnn / lstm elements run.
 *
 *   rnc-train forecast --data series.csv [--column value] -o model.safetensors
 *   rnc-train lm       --data text.txt [--tokenize word|char] -o lm.safetensors
 *   rnc-train tag      --data train.conll [--dev dev.conll] -o tagger.safetensors
 *
 * Progress goes to stderr; the model file carries everything a pipeline
 * needs (cell, scaling, window, vocabularies). See docs/training.md. */
#include "rnc-train.h"

#include "rnc-csv.h"
#include "rnc-model-io.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
args_init (RncTrainArgs *a)
{
  memset (a, 0, sizeof (*a));
  a->hidden = a->layers = a->window = a->epochs = a->batch = -1;
  a->patience = a->lr_patience = a->embed = -1;
  a->min_count = a->max_vocab = a->rare = -1;
  a->ensemble = a->lags = -1;
  a->lr = a->clip = a->val = a->rare_prob = -1.0;
  a->seed = -1;
}

static void
args_clear (RncTrainArgs *a)
{
  g_free (a->data);
  g_free (a->output);
  g_free (a->cell);
  g_free (a->init);
  g_free (a->column);
  g_free (a->columns);
  g_free (a->header);
  g_free (a->nan);
  g_free (a->delimiter);
  g_free (a->linear);
  g_free (a->tokenize);
  g_free (a->dev);
  g_free (a->delay);
  g_free (a->command);
}

gboolean
rnc_train_print_epoch (const RncEpochReport *r, gpointer user_data)
{
  const RncTrainArgs *a = user_data;

  if (a->quiet)
    return TRUE;
  fprintf (stderr, "epoch %4zu  train %.5f", r->epoch, r->train_loss);
  if (!isnan (r->train_accuracy))
    fprintf (stderr, " (acc %.2f%%)", 100.0 * r->train_accuracy);
  if (!isnan (r->val_loss)) {
    fprintf (stderr, "  val %.5f", r->val_loss);
    if (!isnan (r->val_accuracy))
      fprintf (stderr, " (acc %.2f%%)", 100.0 * r->val_accuracy);
  }
  fprintf (stderr, "  lr %.3g  %.1fs%s\n", r->lr, r->elapsed,
      r->improved ? "  *" : "");
  return TRUE;
}

int
rnc_train_choose (const char *option, const char *value,
    const char *const *choices, GError **error)
{
  GString *list;
  int i, n;

  for (n = 0; choices[n]; n++)
    if (!strcmp (value, choices[n]))
      return n;
  list = g_string_new (NULL);
  for (i = 0; i < n; i++)
    g_string_append_printf (list, "%s'%s'", i == 0 ? "" : i + 1 < n ? ", " :
        " or ", choices[i]);
  g_set_error (error, RNC_TRAIN_ERROR, RNC_TRAIN_ERROR_INVALID,
      "--%s must be %s, not '%s'", option, list->str, value);
  g_string_free (list, TRUE);
  return -1;
}

gboolean
rnc_train_apply_common (const RncTrainArgs *a, RncTrainOptions *o,
    RncCell *cell, RncWeightInit *init, GError **error)
{
  static const char *const cells[] = { "lstm", "rnn", "gru", NULL };
  static const char *const inits[] = { "uniform", "normal", NULL };
  int k;

  if (a->cell) {
    if ((k = rnc_train_choose ("cell", a->cell, cells, error)) < 0)
      return FALSE;
    *cell = k == 0 ? RNC_CELL_LSTM : k == 1 ? RNC_CELL_RNN : RNC_CELL_GRU;
  }
  if (a->init) {
    if ((k = rnc_train_choose ("init", a->init, inits, error)) < 0)
      return FALSE;
    *init = k == 0 ? RNC_WEIGHT_INIT_UNIFORM : RNC_WEIGHT_INIT_NORMAL;
  }
  if (a->epochs >= 0)
    o->epochs = (size_t) a->epochs;
  if (a->batch >= 0)
    o->batch_size = (size_t) a->batch;
  if (a->patience >= 0)
    o->patience = (size_t) a->patience;
  if (a->lr_patience >= 0)
    o->lr_patience = (size_t) a->lr_patience;
  if (a->lr >= 0.0)
    o->lr = (float) a->lr;
  if (a->clip >= 0.0)
    o->clip = (float) a->clip;
  if (a->val >= 0.0)
    o->val_fraction = a->val;
  if (a->seed >= 0)
    o->seed = (guint64) a->seed;
  if (o->epochs < 1 || !(o->lr > 0.0f) || o->val_fraction >= 1.0)
    goto bad_numbers;
  return TRUE;

  /* ERRORS */
bad_numbers:
  g_set_error (error, RNC_TRAIN_ERROR, RNC_TRAIN_ERROR_INVALID,
      "--epochs must be at least 1, --lr above 0 and --val below 1");
  return FALSE;
}

gboolean
rnc_train_save (RncModel *model, const RncTrainArgs *a, const char *task,
    GError **error)
{
  const RncModelConfig *c = rnc_model_get_config (model);
  size_t n;

  rnc_model_set_metadata (model, "rnc.train.task", task);
  rnc_model_set_metadata (model, "rnc.train.command", a->command);
  if (!rnc_model_save (model, a->output, error))
    return FALSE;
  rnc_model_peek_params (model, &n);
  if (a->quiet)
    return TRUE;
  fprintf (stderr, "wrote %s: %s, hidden %zu, %zu layer%s, %s input %zu, "
      "%s head %zu (%zu floats)\n", a->output, rnc_cell_to_string (c->cell),
      c->hidden_size, c->num_layers, c->num_layers > 1 ? "s" : "",
      rnc_input_to_string (c->input), c->input_size,
      rnc_head_to_string (c->head), c->output_size, n);
  return TRUE;
}

/* ---- forecast ----------------------------------------------------------- */

/* Whether column @c of @t counts 0, 1, 2, ... or 1949, 1950, ...: a row
 * number or a time stamp, not a series to forecast. */
static gboolean
is_index_column (const RncCsvTable *t, size_t c)
{
  size_t r;

  if (t->n_rows < 3)
    return FALSE;
  for (r = 0; r < t->n_rows; r++) {
    float v = t->values[r * t->width + c];
    if (v != floorf (v) || (r > 0
            && v != t->values[(r - 1) * t->width + c] + 1.0f))
      return FALSE;
  }
  return TRUE;
}

/* Without --column: drops index-like columns when others remain (@names:
 * the width display names, kept in step). */
static void
drop_index_columns (RncCsvTable *t, char **names, gboolean quiet)
{
  size_t c, keep = 0, r, k;
  g_autofree gboolean *drop = g_new0 (gboolean, t->width);

  for (c = 0; c < t->width; c++) {
    drop[c] = is_index_column (t, c);
    keep += !drop[c];
  }
  if (keep == 0 || keep == t->width)
    return;
  for (r = 0; r < t->n_rows; r++)
    for (c = 0, k = 0; c < t->width; c++)
      if (!drop[c])
        t->values[r * keep + k++] = t->values[r * t->width + c];
  for (c = 0, k = 0; c < t->width; c++) {
    if (drop[c]) {
      if (!quiet)
        fprintf (stderr, "column '%s' counts up by one: taken for a row "
            "number or time stamp and skipped (--column chooses)\n",
            names[c]);
      g_free (names[c]);
      continue;
    }
    names[k] = names[c];
    t->columns[k] = t->columns[c];
    k++;
  }
  names[k] = NULL;
  t->width = keep;
}

/* The CSV options of the command line; FALSE (status 2) on a bad one. */
static gboolean
csv_options (const RncTrainArgs *a, RncCsvOptions *csv, GError **error)
{
  static const char *const headers[] = { "auto", "true", "false", NULL };
  static const char *const policies[] = { "error", "skip", "hold", NULL };
  static const RncCsvHeaderMode header_modes[] = { RNC_CSV_HEADER_AUTO,
    RNC_CSV_HEADER_PRESENT, RNC_CSV_HEADER_ABSENT
  };
  static const RncCsvNanPolicy nan_policies[] = { RNC_CSV_NAN_ERROR,
    RNC_CSV_NAN_SKIP, RNC_CSV_NAN_HOLD
  };
  int k;

  rnc_csv_options_init (csv);
  csv->columns = a->column;
  if (a->header) {
    if ((k = rnc_train_choose ("header", a->header, headers, error)) < 0)
      return FALSE;
    csv->header = header_modes[k];
  }
  if (a->nan) {
    if ((k = rnc_train_choose ("nan", a->nan, policies, error)) < 0)
      return FALSE;
    csv->nan = nan_policies[k];
  }
  if (a->delimiter && !rnc_csv_parse_delimiter (a->delimiter,
          &csv->delimiter, error)) {
    g_prefix_error (error, "--delimiter: ");
    return FALSE;
  }
  return TRUE;
}

/* What the recipe chose and measured, on stderr. */
static void
print_forecast_report (const RncForecastOptions *o,
    const RncForecastReport *rep)
{
  fprintf (stderr, "window %zu: %zu windows (%zu train, %zu held out)\n",
      rep->window, rep->n_windows, rep->n_train, rep->n_val);
  if (o->linear) {
    fprintf (stderr, "linear part: %zu lag%s, ridge %g, ", rep->lags,
        rep->lags == 1 ? "" : "s", rep->ridge);
    if (rep->base_lag == 0)
      fprintf (stderr, "levels");
    else
      fprintf (stderr, "change from the value %zu frame%s back",
          rep->base_lag, rep->base_lag > 1 ? "s" : "");
    fprintf (stderr, " (%zu register units)\n", rep->register_units);
    fprintf (stderr, "  rolling-origin MSE (%zu one-step forecasts, 5 "
        "origins): %.5g; least-squares AR of AIC order %zu: %.5g%s\n",
        rep->cv_points, rep->linear_cv_mse, rep->aic_order, rep->aic_cv_mse,
        rep->base_lag == 0 && rep->ridge == 0.0
        && rep->lags == rep->aic_order ? " (the AR is the linear part)" : "");
  }
  if (rep->ensemble == 0) {
    fprintf (stderr, "network: none (--ensemble 0)\n");
  } else if (isnan (rep->network_val_mse)) {
    fprintf (stderr, "network: %zu x %zu units, kept (no held-out data to "
        "judge it)\n", rep->ensemble, o->hidden_size);
  } else if (!o->linear) {
    fprintf (stderr, "network: %zu x %zu units alone; held-out MSE %.5g "
        "(last value %.5g)\n", rep->ensemble, o->hidden_size,
        rep->network_val_mse, rep->naive_val_mse);
  } else {
    fprintf (stderr, "network: %zu x %zu units; held-out MSE linear %.5g, "
        "linear + network %.5g (%+.1f%%, t = %.2f) -> %s\n", rep->ensemble,
        o->hidden_size, rep->linear_val_mse, rep->network_val_mse,
        -100.0 * rep->network_gain, rep->network_t,
        rep->network_kept ? "kept" : "not kept (no clear gain)");
  }
  fprintf (stderr, "interval calibration: %zu held-out residuals "
      "(rnc.residual_quantiles); %.1f s (%.1f s CPU)\n",
      rep->calibration_points, rep->seconds, rep->cpu_seconds);
}

static int
train_forecast (RncTrainArgs *a)
{
  static const char *const on_off[] = { "on", "off", NULL };
  g_autoptr (GError) err = NULL;
  g_autoptr (RncModel) model = NULL;
  g_auto (RncCsvTable) table = { 0 };
  g_auto (GStrv) names = NULL;
  RncCsvOptions csv;
  RncForecastOptions o;
  RncForecastReport rep;
  gboolean global;
  size_t i;
  int k;

  rnc_forecast_options_init (&o);
  if (!csv_options (a, &csv, &err)
      || !rnc_train_apply_common (a, &o.train, &o.cell, &o.init, &err))
    goto bad_option;
  o.seed = o.train.seed;
  if (a->hidden >= 0)
    o.hidden_size = (size_t) a->hidden;
  if (a->layers >= 0)
    o.num_layers = (size_t) a->layers;
  if (a->window >= 0)
    o.window = (size_t) a->window;
  if (a->ensemble >= 0)
    o.ensemble = (size_t) a->ensemble;
  if (a->lags >= 0)
    o.max_lags = (size_t) a->lags;
  if (a->linear) {
    if ((k = rnc_train_choose ("linear", a->linear, on_off, &err)) < 0)
      goto bad_option;
    o.linear = k == 0;
  }
  global = a->columns != NULL;
  if (global && a->column) {
    g_set_error (&err, RNC_TRAIN_ERROR, RNC_TRAIN_ERROR_INVALID,
        "--column (one model of several columns) and --columns (one model "
        "for each of several series) exclude each other");
    goto bad_option;
  }
  if (global)
    csv.columns = strcmp (a->columns, "all") ? a->columns : NULL;

  if (!rnc_csv_read_file (a->data, &csv, &table, &err))
    goto failed;
  names = g_new0 (char *, table.width + 1);
  for (i = 0; i < table.width; i++)
    names[i] = table.names ? g_strdup (table.names[i]) :
        g_strdup_printf ("column %zu", table.columns[i]);
  if (!csv.columns || !*csv.columns)
    drop_index_columns (&table, names, a->quiet);
  if (!a->quiet) {
    fprintf (stderr, "%s: %zu rows, %s%s", a->data, table.n_rows,
        global ? "series" : "column", table.width > 1 && !global ? "s" : "");
    for (i = 0; i < table.width; i++)
      fprintf (stderr, "%s '%s'", i ? "," : "", names[i]);
    if (table.n_dropped)
      fprintf (stderr, " (%" G_GUINT64_FORMAT " rows with a missing value "
          "dropped)", table.n_dropped);
    if (table.n_held)
      fprintf (stderr, " (%" G_GUINT64_FORMAT " missing values held)",
          table.n_held);
    fprintf (stderr, "\n");
  }

  if (global) {
    size_t S = table.width, n = table.n_rows, r;
    g_autofree float *cols_data = g_new (float, MAX (S * n, 1));
    g_autofree const float **list = g_new (const float *, S);
    g_autofree size_t *lengths = g_new (size_t, S);
    for (i = 0; i < S; i++) {
      for (r = 0; r < n; r++)
        cols_data[i * n + r] = table.values[r * S + i];
      list[i] = cols_data + i * n;
      lengths[i] = n;
    }
    model = rnc_forecast_train_many (list, lengths, S, 1,
        (const char *const *) names, &o, rnc_train_print_epoch, a, &rep,
        &err);
  } else {
    model = rnc_forecast_train (table.values, table.n_rows, table.width, &o,
        rnc_train_print_epoch, a, &rep, &err);
  }
  if (!model)
    goto failed;
  if (!a->quiet)
    print_forecast_report (&o, &rep);

  if (!global) {
    GString *cols = g_string_new ("[");
    for (i = 0; i < table.width; i++) {
      g_autofree char *esc = g_strescape (names[i], NULL);
      g_string_append_printf (cols, "%s\"%s\"", i ? "," : "", esc);
    }
    g_string_append_c (cols, ']');
    rnc_model_set_metadata (model, "rnc.columns", cols->str);
    g_string_free (cols, TRUE);
  }

  if (!rnc_train_save (model, a, "forecast", &err))
    goto failed;
  if (!a->quiet && !global) {
    GString *cs = g_string_new (NULL);
    for (i = 0; i < table.width; i++)
      g_string_append_printf (cs, "%s%zu", i ? "," : "", table.columns[i]);
    fprintf (stderr, "run it: gst-launch-1.0 filesrc location=%s ! csvdec "
        "column=%s ! %s model=%s ! csvenc ! fdsink\n", a->data, cs->str,
        rnc_cell_to_string (o.cell), a->output);
    g_string_free (cs, TRUE);
  } else if (!a->quiet) {
    fprintf (stderr, "run it (series '%s'): gst-launch-1.0 filesrc "
        "location=%s ! csvdec column=%zu ! %s model=%s series=%s ! csvenc "
        "! fdsink\n", names[0], a->data, table.columns[0],
        rnc_cell_to_string (o.cell), a->output, names[0]);
  }
  return 0;

bad_option:
  fprintf (stderr, "rnc-train forecast: %s\n", err->message);
  return 2;
failed:
  fprintf (stderr, "rnc-train forecast: %s\n", err->message);
  return 1;
}

/* ---- command line ------------------------------------------------------- */

static const char *usage_summary =
    "Subcommands:\n"
    "  forecast   next-value regression on CSV time series\n"
    "  lm         word- or character-level language model on a text file\n"
    "  tag        part-of-speech style tagger on CoNLL word<TAB>tag data\n"
    "\n"
    "Run 'rnc-train SUBCOMMAND --help' for the options of each.";

static GOptionEntry *
entries_for (const char *cmd, RncTrainArgs *a)
{
  GArray *e = g_array_new (TRUE, TRUE, sizeof (GOptionEntry));
  const GOptionEntry common[] = {
    {"data", 0, 0, G_OPTION_ARG_FILENAME, &a->data,
        "Training data file (required)", "FILE"},
    {"output", 'o', 0, G_OPTION_ARG_FILENAME, &a->output,
        "Model file to write (required)", "FILE"},
    {"cell", 0, 0, G_OPTION_ARG_STRING, &a->cell,
        "Recurrent cell: rnn, lstm or gru (default lstm)", "CELL"},
    {"hidden", 0, 0, G_OPTION_ARG_INT, &a->hidden,
        "Hidden units per layer", "H"},
    {"layers", 0, 0, G_OPTION_ARG_INT, &a->layers,
        "Stacked layers (default 1)", "L"},
    {"window", 0, 0, G_OPTION_ARG_INT, &a->window,
        !strcmp (cmd, "forecast") ?
        "Frames per forecast, run from a fresh state (default: 12 or the"
        " linear part's lags, at most a quarter of the series)" :
        "Frames per truncated-BPTT step (stream training)", "T"},
    {"epochs", 0, 0, G_OPTION_ARG_INT, &a->epochs,
        "Maximum epochs", "E"},
    {"batch", 0, 0, G_OPTION_ARG_INT, &a->batch,
        "Sequences (lm: parallel streams) per step, 0 = all", "B"},
    {"lr", 0, 0, G_OPTION_ARG_DOUBLE, &a->lr,
        "Adam learning rate", "LR"},
    {"clip", 0, 0, G_OPTION_ARG_DOUBLE, &a->clip,
        "Clip the gradient's global norm to C, 0 = no clipping", "C"},
    {"seed", 0, 0, G_OPTION_ARG_INT64, &a->seed,
        "Seed of initialisation and shuffling (default 0)", "S"},
    {"init", 0, 0, G_OPTION_ARG_STRING, &a->init,
        "Weights: uniform (+-1/sqrt(H), default) or normal (N(0,1), as the"
        " notebook)", "INIT"},
    {"val", 0, 0, G_OPTION_ARG_DOUBLE, &a->val,
        "Fraction held out for validation (the last part of the data)",
        "FRACTION"},
    {"patience", 0, 0, G_OPTION_ARG_INT, &a->patience,
        "Stop after P epochs without a better validation loss (best weights"
        " kept), 0 = never", "P"},
    {"lr-patience", 0, 0, G_OPTION_ARG_INT, &a->lr_patience,
        "Halve the learning rate after P epochs without improvement, 0 ="
        " never", "P"},
    {"quiet", 'q', 0, G_OPTION_ARG_NONE, &a->quiet,
        "Print errors only", NULL},
  };
  const GOptionEntry forecast[] = {
    {"column", 0, 0, G_OPTION_ARG_STRING, &a->column,
        "Columns to use: names or 0-based indices, comma-separated (default:"
        " every numeric column)", "COLS"},
    {"header", 0, 0, G_OPTION_ARG_STRING, &a->header,
        "First line is a header: auto, true or false (default auto)",
        "MODE"},
    {"delimiter", 0, 0, G_OPTION_ARG_STRING, &a->delimiter,
        "Field delimiter (default ','; 'tab' for tabs)", "CHAR"},
    {"nan", 0, 0, G_OPTION_ARG_STRING, &a->nan,
        "Missing values: error, skip (drop the row) or hold (repeat the last"
        " value); default error", "POLICY"},
    {"linear", 0, 0, G_OPTION_ARG_STRING, &a->linear,
        "Linear autoregressive part: on (default) or off (network only)",
        "on|off"},
    {"ensemble", 0, 0, G_OPTION_ARG_INT, &a->ensemble,
        "Networks (seeds) averaged, 0 = the linear part alone (default 4)",
        "K"},
    {"lags", 0, 0, G_OPTION_ARG_INT, &a->lags,
        "Largest lag the linear part may choose (default 10 log10 n, at most"
        " n/4)", "P"},
    {"columns", 0, 0, G_OPTION_ARG_STRING, &a->columns,
        "A global model: every listed column (names or 0-based indices, or"
        " 'all') is a series of its own, with its own scaling; one model"
        " forecasts each of them (element property series)", "COLS|all"},
  };
  const GOptionEntry lm[] = {
    {"tokenize", 0, 0, G_OPTION_ARG_STRING, &a->tokenize,
        "Tokens: word (NLTK WordPunct, as the tokenize element) or char"
        " (default word)", "MODE"},
    {"lowercase", 0, 0, G_OPTION_ARG_NONE, &a->lowercase,
        "Lowercase tokens (then use tokenize lowercase=true in pipelines)",
        NULL},
    {"min-count", 0, 0, G_OPTION_ARG_INT, &a->min_count,
        "Tokens seen fewer times become <unk> (default 2 for words, 1 for"
        " characters)", "N"},
    {"max-vocab", 0, 0, G_OPTION_ARG_INT, &a->max_vocab,
        "Keep at most N most frequent tokens (default 10000)", "N"},
    {"embed", 0, 0, G_OPTION_ARG_INT, &a->embed,
        "Embedding size, 0 = none (default 64)", "E"},
  };
  const GOptionEntry tag[] = {
    {"dev", 0, 0, G_OPTION_ARG_FILENAME, &a->dev,
        "Development data for validation and early stopping (otherwise --val"
        " of the training sentences)", "FILE"},
    {"embed", 0, 0, G_OPTION_ARG_INT, &a->embed,
        "Word embedding size (default 64)", "E"},
    {"min-count", 0, 0, G_OPTION_ARG_INT, &a->min_count,
        "Words seen fewer times get no entry of their own (default 1)", "N"},
    {"rare", 0, 0, G_OPTION_ARG_INT, &a->rare,
        "Words seen at most N times also train their unknown-word class"
        " (default 1)", "N"},
    {"rare-prob", 0, 0, G_OPTION_ARG_DOUBLE, &a->rare_prob,
        "How often such a word is replaced by its class (default 0.5)", "P"},
    {"delay", 0, 0, G_OPTION_ARG_STRING, &a->delay,
        "Lookahead: the tag of word t is emitted at word t+K (rnc.delay); "
        "'auto' trains K = 0, 1 and 2 and keeps the best on validation "
        "(default auto)", "K|auto"},
    {"ensemble", 0, 0, G_OPTION_ARG_INT, &a->ensemble,
        "Train N models from seeds S..S+N-1 (with the chosen lookahead) and "
        "store them as one model averaging their outputs (default 3)", "N"},
  };

  g_array_append_vals (e, common, G_N_ELEMENTS (common));
  if (!strcmp (cmd, "forecast"))
    g_array_append_vals (e, forecast, G_N_ELEMENTS (forecast));
  else if (!strcmp (cmd, "lm"))
    g_array_append_vals (e, lm, G_N_ELEMENTS (lm));
  else
    g_array_append_vals (e, tag, G_N_ELEMENTS (tag));
  return (GOptionEntry *) g_array_free (e, FALSE);
}

static const char *
description_for (const char *cmd)
{
  if (!strcmp (cmd, "forecast"))
    return "Trains a next-value forecaster on the numeric columns of a CSV "
        "file. The model predicts\nthe next row of the chosen columns from the "
        "last --window rows (rnc.window), with the\ncolumns' mean/std stored as "
        "scaling: it runs unchanged in\n  csvdec ! lstm model=FILE ! csvenc\n"
        "Defaults: lstm, ensemble 4 x hidden 16, window 12 (or the linear "
        "part's lags;\nat most n/4), epochs 300, batch 32, lr 3e-3, clip 1, "
        "val 0.2, patience 30,\nlr-patience 10, init uniform, linear on. "
        "See docs/forecasting.md.";
  if (!strcmp (cmd, "lm"))
    return "Trains a language model predicting the next token. The text is "
        "tokenized as the\ntokenize element does; the vocabulary goes into the "
        "model (rnc.vocab, rnc.labels).\nTraining carries the state through the "
        "text (truncated BPTT over --window frames),\nas the elements run it.\n"
        "Defaults: lstm, hidden 128, embed 64, window 32, batch 32, epochs 20, "
        "lr 2e-3, clip 5,\nval 0.1, patience 3, lr-patience 1.";
  return "Trains a tagger on CoNLL data (word<TAB>tag lines, a blank line "
      "after each sentence):\none word per frame, a fresh state per "
      "sentence, one tag per word. Unknown words map to\nsignature classes "
      "such as <unk-cap-ing> (vocab-encode unknown=unk). The word and tag\n"
      "lists go into the model (rnc.vocab, rnc.labels).\n"
      "With a lookahead K (--delay) the tag of a word comes K words later, "
      "once the model has\nseen them; the elements handle the delay (the "
      "first K words give no tag, the end of\na sentence is fed as K pad "
      "tokens), so every word still gets one tag.\n"
      "Defaults: lstm, hidden 128, embed 64, batch 32, epochs 30, lr 5e-3, "
      "clip 5, val 0.1\n(without --dev), patience 4, lr-patience 2, delay "
      "auto (0, 1 or 2), ensemble 3.";
}

int
main (int argc, char **argv)
{
  g_autoptr (GOptionContext) ctx = NULL;
  g_autoptr (GError) err = NULL;
  g_autofree GOptionEntry *entries = NULL;
  g_autofree char *param = NULL;
  RncTrainArgs a;
  const char *cmd;
  GString *command;
  int i, rc;

  if (argc < 2 || argv[1][0] == '-') {
    gboolean help = argc >= 2 && (!strcmp (argv[1], "--help")
        || !strcmp (argv[1], "-h"));
    fprintf (help ? stdout : stderr,
        "Usage: rnc-train SUBCOMMAND --data FILE -o MODEL [OPTION...]\n\n%s\n",
        usage_summary);
    return help ? 0 : 2;
  }
  cmd = argv[1];
  if (strcmp (cmd, "forecast") && strcmp (cmd, "lm") && strcmp (cmd, "tag")) {
    fprintf (stderr, "rnc-train: unknown subcommand '%s'\n\n%s\n", cmd,
        usage_summary);
    return 2;
  }

  args_init (&a);
  command = g_string_new ("rnc-train");
  for (i = 1; i < argc; i++) {
    g_autofree char *q = g_shell_quote (argv[i]);
    g_string_append_printf (command, " %s", q);
  }
  a.command = g_string_free (command, FALSE);

  param = g_strdup_printf ("rnc-train %s", cmd);
  g_set_prgname (param);
  ctx = g_option_context_new ("--data FILE -o MODEL");
  entries = entries_for (cmd, &a);
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_set_summary (ctx, description_for (cmd));
  argv[1] = argv[0];
  argc--;
  argv++;
  if (!g_option_context_parse (ctx, &argc, &argv, &err)) {
    fprintf (stderr, "rnc-train %s: %s\n", cmd, err->message);
    args_clear (&a);
    return 2;
  }
  if (argc > 1) {
    fprintf (stderr, "rnc-train %s: unexpected argument '%s'\n", cmd, argv[1]);
    args_clear (&a);
    return 2;
  }
  if (!a.data || !a.output) {
    fprintf (stderr, "rnc-train %s: --data and --output are required (see "
        "--help)\n", cmd);
    args_clear (&a);
    return 2;
  }
  if (a.hidden == 0 || a.layers == 0 || a.layers > RNC_MAX_LAYERS) {
    fprintf (stderr, "rnc-train %s: --hidden must be at least 1 and --layers "
        "1..%d\n", cmd, RNC_MAX_LAYERS);
    args_clear (&a);
    return 2;
  }

  if (!strcmp (cmd, "forecast"))
    rc = train_forecast (&a);
  else if (!strcmp (cmd, "lm"))
    rc = rnc_train_lm (&a);
  else
    rc = rnc_train_tag (&a);
  args_clear (&a);
  return rc;
}
