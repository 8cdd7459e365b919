/* Fuzz target: ONNX model files (rnc_model_load_from_data with a .onnx
 * name: the protobuf-c import of lib/rnc-onnx.c). Input: a whole file.
 * Invariants (rnc-onnx.h, docs/interop.md): a refused file gives an
 * RNC_MODEL_ERROR naming the file; a model that loads validates, its
 * weights are finite, and saved natively then loaded again it has the same
 * configuration and bit-identical weights. A build without ONNX support
 * refuses every input with UNSUPPORTED. */
#include "fuzz-util.h"

#include <math.h>

#include "rnc-model-io.h"
#include "rnc-onnx.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (RncModel) m = NULL;
  g_autoptr (RncModel) m2 = NULL;
  g_autoptr (GError) err = NULL;
  const RncModelConfig *c;
  const float *p, *p2;
  size_t n, n2, i, saved_size = 0;
  guint8 *saved;

  fuzz_init ();
  m = rnc_model_load_from_data (data, size, "fuzz.onnx", &err);
  if (!m) {
    FUZZ_CHECK (err != NULL);
    FUZZ_CHECK (err->domain == RNC_MODEL_ERROR
        || err->domain == RNC_CONFIG_ERROR);
    FUZZ_CHECK (strstr (err->message, "fuzz.onnx") != NULL);
    if (!rnc_onnx_is_supported () && size >= 9 && data[8] != '{')
      FUZZ_CHECK (err->code == RNC_MODEL_ERROR_UNSUPPORTED);
    return 0;
  }
  c = rnc_model_get_config (m);
  FUZZ_CHECK (rnc_model_config_validate (c, NULL));
  p = rnc_model_peek_params (m, &n);
  FUZZ_CHECK (n == rnc_model_config_get_n_params (c));
  for (i = 0; i < n; i++)
    FUZZ_CHECK (isfinite (p[i]));

  saved = rnc_model_save_to_data (m, &saved_size, &err);
  FUZZ_CHECK (saved != NULL);
  m2 = rnc_model_load_from_data (saved, saved_size, "saved", &err);
  FUZZ_CHECK (m2 != NULL);
  FUZZ_CHECK (memcmp (rnc_model_get_config (m), rnc_model_get_config (m2),
          sizeof (RncModelConfig)) == 0);
  p2 = rnc_model_peek_params (m2, &n2);
  FUZZ_CHECK (n == n2 && memcmp (p, p2, n * sizeof (float)) == 0);
  g_free (saved);
  return 0;
}
