/* Fuzz target: state files (rnc_state_load_initial_from_data). Input: a
 * whole file, tried on the states of two fixed models: an RNN of 2 layers,
 * H = 6, and an LSTM of 2 layers, H = 7 (the shapes of the files
 * tests/data/torch-*-state). Invariants of a file that loads
 * (rnc-model-io.h): the state it installs is finite; saving the state and
 * loading that into a fresh state gives the same values bit for bit, and
 * saving again gives the same bytes; a step from it keeps h in [-1, 1]. */
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

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static RncModel *rnn = NULL, *lstm = NULL;

  fuzz_init ();
  if (!rnn) {
    rnn = make_model (RNC_CELL_RNN, 2, 6);
    lstm = make_model (RNC_CELL_LSTM, 2, 7);
  }
  check_state_file (rnn, data, size);
  check_state_file (lstm, data, size);
  return 0;
}
