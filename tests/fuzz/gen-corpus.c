/* Writes the binary seeds of tests/fuzz/corpus (models, states, generic
 * safetensors files) with the library's own writers:
 *
 *   fuzz-gen-corpus CORPUS_DIR
 *
 * Run by tests/fuzz/make-corpus.sh, which also writes the text seeds; the
 * output is committed. */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>

#include "rnc-model-io.h"
#include "rnc-safetensors.h"

static void
die (GError *err)
{
  fprintf (stderr, "fuzz-gen-corpus: %s\n", err->message);
  exit (1);
}

static RncModel *
model (RncCell cell, RncInputKind input, RncHeadKind head, size_t D,
    size_t E, size_t H, size_t L, size_t Q)
{
  RncModelConfig c = { 0 };
  GError *err = NULL;
  RncModel *m;
  float *p;
  size_t n, i;

  c.cell = cell;
  c.input = input;
  c.head = head;
  c.input_size = D;
  c.embed_size = E;
  c.hidden_size = H;
  c.num_layers = L;
  c.output_size = Q;
  m = rnc_model_new (&c, &err);
  if (!m)
    die (err);
  p = rnc_model_get_params (m, &n);
  for (i = 0; i < n; i++)
    p[i] = (float) ((int) ((i * 37) % 19) - 9) / 16.0f;
  rnc_model_params_changed (m);
  return m;
}

static void
save_model (RncModel *m, const char *dir, const char *name)
{
  GError *err = NULL;
  char *path = g_build_filename (dir, "model", name, NULL);

  if (!rnc_model_save (m, path, &err))
    die (err);
  g_free (path);
  rnc_model_free (m);
}

static void
save_state (RncCell cell, size_t L, size_t H, size_t N, guint64 position,
    gboolean ones, const char *dir, const char *name)
{
  RncModel *m = model (cell, RNC_INPUT_DENSE, RNC_HEAD_REGRESSION, 2, 0, H,
      L, 1);
  RncState *s = rnc_state_new (m, N, 0);
  GError *err = NULL;
  char *path = g_build_filename (dir, "state", name, NULL);
  size_t i;

  if (ones)
    rnc_state_set_init (s, RNC_INIT_ONES);
  for (i = 0; i < L * N * H; i++) {
    rnc_state_get_h (s)[i] = (float) i / (float) (L * N * H) - 0.5f;
    if (cell == RNC_CELL_LSTM)
      rnc_state_get_c (s)[i] = (float) i * 0.25f - 1.0f;
  }
  if (!rnc_state_save_at (s, position, path, &err))
    die (err);
  g_free (path);
  rnc_state_free (s);
  rnc_model_free (m);
}

static void
save_tensors (const char *dir, const char *name, gboolean with_tensors)
{
  static const float f32[6] = { 0.0f, -1.5f, 2.25f, 1e-30f, 3e38f, -0.0f };
  static const gint64 i64 = -42;
  static const guint16 bf16[4] = { 0x3f80, 0xbf80, 0x7f80, 0x0001 };
  static const double f64[2] = { 1.0 / 3.0, -1e300 };
  static const guint8 u8[3] = { 0, 127, 255 };
  const size_t s23[2] = { 2, 3 }, s4[1] = { 4 }, s21[2] = { 2, 1 };
  const size_t s3[1] = { 3 }, s0[2] = { 0, 5 };
  RncSafetensorsWriter *w = rnc_safetensors_writer_new ();
  GError *err = NULL;
  char *path = g_build_filename (dir, "safetensors", name, NULL);

  if (with_tensors
      && (!rnc_safetensors_writer_add (w, "weight", RNC_DTYPE_F32, 2, s23,
              f32, &err)
          || !rnc_safetensors_writer_add (w, "step", RNC_DTYPE_I64, 0, NULL,
              &i64, &err)
          || !rnc_safetensors_writer_add (w, "half.b", RNC_DTYPE_BF16, 1, s4,
              bf16, &err)
          || !rnc_safetensors_writer_add (w, "d\xc3\xa9j\xc3\xa0", RNC_DTYPE_F64,
              2, s21, f64, &err)
          || !rnc_safetensors_writer_add (w, "bytes", RNC_DTYPE_U8, 1, s3,
              u8, &err)
          || !rnc_safetensors_writer_add (w, "empty", RNC_DTYPE_F32, 2, s0,
              f32, &err)))
    die (err);
  rnc_safetensors_writer_set_metadata (w, "format", "pt");
  rnc_safetensors_writer_set_metadata (w, "note", "\"quoted\" \\ \xe2\x82\xac");
  rnc_safetensors_writer_set_metadata (w, "control", "\x1f\x01\t");
  if (!rnc_safetensors_writer_to_file (w, path, &err))
    die (err);
  g_free (path);
  rnc_safetensors_writer_free (w);
}

int
main (int argc, char **argv)
{
  const char *dir;
  RncModel *m;
  const float mean2[2] = { 10.0f, -3.0f }, std2[2] = { 2.0f, 0.5f };
  const float mean1[2] = { 100.0f, 0.0f }, std1[2] = { 25.0f, 1.0f };

  if (argc != 2) {
    fprintf (stderr, "usage: fuzz-gen-corpus CORPUS_DIR\n");
    return 2;
  }
  dir = argv[1];

  m = model (RNC_CELL_RNN, RNC_INPUT_DENSE, RNC_HEAD_REGRESSION, 2, 0, 3, 1, 1);
  rnc_model_set_input_scaling (m, mean2, std2);
  rnc_model_set_output_scaling (m, mean1, std1);
  rnc_model_set_metadata (m, "rnc.window", "4");
  save_model (m, dir, "rnn-dense-scaled.safetensors");

  m = model (RNC_CELL_LSTM, RNC_INPUT_DENSE, RNC_HEAD_REGRESSION, 1, 0, 4, 2, 2);
  rnc_model_set_output_scaling (m, mean1, std1);
  save_model (m, dir, "lstm-dense-2layers.safetensors");

  m = model (RNC_CELL_RNN, RNC_INPUT_INDEX, RNC_HEAD_CLASSES, 5, 0, 3, 1, 5);
  rnc_model_set_metadata (m, "rnc.vocab", "[\"a\", \"b\", \"c\", \"d\", \" \"]");
  save_model (m, dir, "rnn-index-classes.safetensors");

  m = model (RNC_CELL_LSTM, RNC_INPUT_INDEX, RNC_HEAD_CLASSES, 6, 3, 4, 1, 3);
  rnc_model_set_metadata (m, "rnc.vocab", "vocab.txt");
  rnc_model_set_metadata (m, "rnc.labels", "[\"NN\", \"VB\", \".\"]");
  save_model (m, dir, "lstm-embed-tagger.safetensors");

  m = model (RNC_CELL_RNN, RNC_INPUT_DENSE, RNC_HEAD_NONE, 3, 0, 2, 3, 0);
  save_model (m, dir, "rnn-no-head.safetensors");

  m = model (RNC_CELL_GRU, RNC_INPUT_DENSE, RNC_HEAD_REGRESSION, 2, 0, 3, 2, 1);
  rnc_model_set_input_scaling (m, mean2, std2);
  save_model (m, dir, "gru-dense-2layers.safetensors");

  m = model (RNC_CELL_GRU, RNC_INPUT_INDEX, RNC_HEAD_CLASSES, 4, 2, 3, 1, 4);
  save_model (m, dir, "gru-embed-classes.safetensors");

  save_state (RNC_CELL_RNN, 2, 6, 1, RNC_STATE_POSITION_NONE, FALSE, dir,
      "rnn-2x6.safetensors");
  save_state (RNC_CELL_GRU, 1, 6, 3, 12345, TRUE, dir,
      "gru-1x6-3streams-position.safetensors");
  save_state (RNC_CELL_LSTM, 2, 7, 1, 7, FALSE, dir, "lstm-2x7.safetensors");
  save_state (RNC_CELL_LSTM, 2, 7, 3, 0, TRUE, dir,
      "lstm-2x7-3streams.safetensors");

  save_tensors (dir, "mixed-dtypes.safetensors", TRUE);
  save_tensors (dir, "metadata-only.safetensors", FALSE);
  return 0;
}
