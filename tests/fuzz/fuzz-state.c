/* Fuzz target: state files (rnc_state_load_initial_from_data). Input: a
 * whole file, tried on the states of three fixed models: an RNN of 2
 * layers, H = 6, an LSTM of 2 layers, H = 7, and a GRU of 1 layer, H = 6
 * (the shapes of the files tests/data/torch-{rnn,lstm,gru-1l}-state). Invariants of a file that loads
 * (rnc-model-io.h): the state it installs is finite; saving the state and
 * loading that into a fresh state gives the same values bit for bit, and
 * saving again gives the same bytes; a step from it keeps h in [-1, 1].
 * The resume path (rnc_state_file_*, docs/checkpoints.md) with 1 and 3
 * streams: a file that loads has the state's number of streams; applied,
 * saved at its position and loaded again it gives the same values, initial
 * state (kind and values), position and bytes. */
#include "fuzz-util.h"

#include <math.h>

#include "rnc-forward.h"
#include "rnc-model-io.h"

static RncModel *
make_model (RncCell cell, size_t layers, size_t hidden)
{
  RncModelConfig c = { 0 };
  RncModel *m;
  float *p;
  size_t n, i;

  c.cell = cell;
  c.input = RNC_INPUT_DENSE;
  c.head = RNC_HEAD_REGRESSION;
  c.input_size = 2;
  c.hidden_size = hidden;
  c.num_layers = layers;
  c.output_size = 1;
  m = rnc_model_new (&c, NULL);
  FUZZ_CHECK (m != NULL);
  p = rnc_model_get_params (m, &n);
  for (i = 0; i < n; i++)
    p[i] = (float) ((int) (i % 11) - 5) * 0.1f;
  rnc_model_params_changed (m);
  return m;
}

static void
check_state_file (const RncModel *model, const uint8_t *data, size_t size)
{
  const RncModelConfig *c = rnc_model_get_config (model);
  size_t LH = c->num_layers * c->hidden_size, i, size1 = 0, size2 = 0;
  gboolean lstm = c->cell == RNC_CELL_LSTM;
  g_autoptr (RncState) s = rnc_state_new (model, 1, 0);
  g_autoptr (RncState) s2 = rnc_state_new (model, 1, 0);
  g_autoptr (GError) err = NULL;
  const float x[2] = { 0.5f, -1.0f };
  float y;
  guint8 *out1, *out2;

  if (!rnc_state_load_initial_from_data (s, data, size, "fuzz.state", &err)) {
    FUZZ_CHECK (err != NULL && err->domain == RNC_MODEL_ERROR);
    FUZZ_CHECK (strstr (err->message, "fuzz.state") != NULL);
    return;
  }
  FUZZ_CHECK (rnc_state_get_init (s) == RNC_INIT_GIVEN);
  rnc_state_reset (s);
  for (i = 0; i < LH; i++) {
    FUZZ_CHECK (isfinite (rnc_state_peek_h (s)[i]));
    FUZZ_CHECK (!lstm || isfinite (rnc_state_peek_c (s)[i]));
  }

  out1 = rnc_state_save_to_data (s, &size1, &err);
  FUZZ_CHECK (out1 != NULL);
  if (!rnc_state_load_initial_from_data (s2, out1, size1, "saved", &err)) {
    fprintf (stderr, "a saved state does not load: %s\n", err->message);
    FUZZ_CHECK (!"a saved state loads");
  }
  rnc_state_reset (s2);
  FUZZ_CHECK (memcmp (rnc_state_peek_h (s), rnc_state_peek_h (s2),
          LH * sizeof (float)) == 0);
  FUZZ_CHECK (!lstm || memcmp (rnc_state_peek_c (s), rnc_state_peek_c (s2),
          LH * sizeof (float)) == 0);
  out2 = rnc_state_save_to_data (s2, &size2, &err);
  FUZZ_CHECK (out2 != NULL);
  FUZZ_CHECK (size1 == size2 && memcmp (out1, out2, size1) == 0);
  g_free (out1);
  g_free (out2);

  rnc_forward (s, x, 1, NULL, &y);
  for (i = 0; i < LH; i++)
    FUZZ_CHECK (fabsf (rnc_state_peek_h (s)[i]) <= 1.0f);
}

static void
check_same_values (RncState *a, RncState *b, size_t n, gboolean lstm)
{
  FUZZ_CHECK (memcmp (rnc_state_peek_h (a), rnc_state_peek_h (b),
          n * sizeof (float)) == 0);
  FUZZ_CHECK (!lstm || memcmp (rnc_state_peek_c (a), rnc_state_peek_c (b),
          n * sizeof (float)) == 0);
}

static void
check_resume (const RncModel *model, size_t batch, const uint8_t *data,
    size_t size)
{
  const RncModelConfig *c = rnc_model_get_config (model);
  size_t n = c->num_layers * batch * c->hidden_size, i, size1 = 0, size2 = 0;
  gboolean lstm = c->cell == RNC_CELL_LSTM, has_pos, has_pos2;
  g_autoptr (RncState) s = rnc_state_new (model, batch, 0);
  g_autoptr (RncState) s2 = rnc_state_new (model, batch, 0);
  g_autoptr (RncStateFile) f = NULL;
  g_autoptr (RncStateFile) f2 = NULL;
  g_autoptr (GError) err = NULL;
  guint64 pos = 0, pos2 = 0;
  guint8 *out1, *out2;

  f = rnc_state_file_load_from_data (s, data, size, "fuzz.state", &err);
  if (!f) {
    FUZZ_CHECK (err != NULL && err->domain == RNC_MODEL_ERROR);
    FUZZ_CHECK (strstr (err->message, "fuzz.state") != NULL);
    return;
  }
  FUZZ_CHECK (rnc_state_file_get_streams (f) == batch);
  has_pos = rnc_state_file_get_position (f, &pos);
  FUZZ_CHECK (has_pos || pos == 0);
  rnc_state_file_apply_initial (f, s);
  rnc_state_file_apply_values (f, s);
  FUZZ_CHECK (rnc_state_get_init (s) == rnc_state_file_get_initial (f));
  for (i = 0; i < n; i++) {
    FUZZ_CHECK (isfinite (rnc_state_peek_h (s)[i]));
    FUZZ_CHECK (!lstm || isfinite (rnc_state_peek_c (s)[i]));
  }

  out1 = rnc_state_save_to_data_at (s, has_pos ? pos
      : RNC_STATE_POSITION_NONE, &size1, &err);
  FUZZ_CHECK (out1 != NULL);
  f2 = rnc_state_file_load_from_data (s2, out1, size1, "saved", &err);
  if (!f2) {
    fprintf (stderr, "a saved state file does not load: %s\n", err->message);
    FUZZ_CHECK (!"a saved state file loads");
  }
  has_pos2 = rnc_state_file_get_position (f2, &pos2);
  FUZZ_CHECK (has_pos == has_pos2 && pos == pos2);
  FUZZ_CHECK (rnc_state_file_get_initial (f2) == rnc_state_file_get_initial (f));
  rnc_state_file_apply_initial (f2, s2);
  rnc_state_file_apply_values (f2, s2);
  check_same_values (s, s2, n, lstm);
  out2 = rnc_state_save_to_data_at (s2, has_pos2 ? pos2
      : RNC_STATE_POSITION_NONE, &size2, &err);
  FUZZ_CHECK (out2 != NULL);
  FUZZ_CHECK (size1 == size2 && memcmp (out1, out2, size1) == 0);
  g_free (out1);
  g_free (out2);
  /* the same initial state */
  rnc_state_reset (s);
  rnc_state_reset (s2);
  check_same_values (s, s2, n, lstm);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static RncModel *rnn = NULL, *lstm = NULL, *gru = NULL;

  fuzz_init ();
  if (!rnn) {
    rnn = make_model (RNC_CELL_RNN, 2, 6);
    lstm = make_model (RNC_CELL_LSTM, 2, 7);
    gru = make_model (RNC_CELL_GRU, 1, 6);
  }
  check_state_file (rnn, data, size);
  check_state_file (lstm, data, size);
  check_state_file (gru, data, size);
  check_resume (rnn, 1, data, size);
  check_resume (lstm, 3, data, size);
  check_resume (gru, 3, data, size);
  return 0;
}
