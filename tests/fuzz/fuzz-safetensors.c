/* Fuzz target: the generic safetensors reader (rnc_safetensors_parse).
 * Input: a whole file. Invariants of an accepted file (rnc-safetensors.h):
 * tensors sorted by offset, contiguous from 0 to the end of the buffer,
 * n_bytes == n_elements * dtype size, UTF-8 names that lookup() finds,
 * sorted UTF-8 metadata; and writing it back with the writer gives a
 * header without raw control bytes (JSON) that parses to the same tensors
 * (bytes) and metadata. */
#include "fuzz-util.h"

#include "rnc-model-io.h"
#include "rnc-safetensors.h"

static void
check_same (const RncSafetensors *a, const RncSafetensors *b)
{
  const char **ka, **kb;
  guint na, nb, i;
  size_t t;

  FUZZ_CHECK (rnc_safetensors_get_n_tensors (a)
      == rnc_safetensors_get_n_tensors (b));
  for (t = 0; t < rnc_safetensors_get_n_tensors (a); t++) {
    const RncTensorInfo *x = rnc_safetensors_get_tensor (a, t);
    const RncTensorInfo *y = rnc_safetensors_get_tensor (b, t);

    FUZZ_CHECK (strcmp (x->name, y->name) == 0);
    FUZZ_CHECK (x->dtype == y->dtype && x->rank == y->rank);
    FUZZ_CHECK (memcmp (x->shape, y->shape, x->rank * sizeof (size_t)) == 0);
    FUZZ_CHECK (x->n_bytes == y->n_bytes);
    FUZZ_CHECK (x->n_bytes == 0 || memcmp (x->data, y->data, x->n_bytes) == 0);
  }
  ka = rnc_safetensors_list_metadata (a, &na);
  kb = rnc_safetensors_list_metadata (b, &nb);
  FUZZ_CHECK (na == nb);
  for (i = 0; i < na; i++) {
    FUZZ_CHECK (strcmp (ka[i], kb[i]) == 0);
    FUZZ_CHECK (strcmp (rnc_safetensors_get_metadata (a, ka[i]),
            rnc_safetensors_get_metadata (b, kb[i])) == 0);
  }
  g_free (ka);
  g_free (kb);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (RncSafetensors) st = NULL;
  g_autoptr (RncSafetensors) st2 = NULL;
  g_autoptr (RncSafetensorsWriter) w = NULL;
  g_autoptr (GError) err = NULL;
  GPtrArray *copies;
  const char **keys;
  guint n_keys, i;
  size_t t, n, expect_offset = 0, out_size = 0;
  const guint8 *data_end = data + size;
  guint8 *out;

  fuzz_init ();
  st = rnc_safetensors_parse (data, size, "fuzz.safetensors", &err);
  if (!st) {
    FUZZ_CHECK (err != NULL && err->domain == RNC_MODEL_ERROR);
    FUZZ_CHECK (g_str_has_prefix (err->message, "fuzz.safetensors"));
    return 0;
  }
  FUZZ_CHECK (err == NULL);

  n = rnc_safetensors_get_n_tensors (st);
  for (t = 0; t < n; t++) {
    const RncTensorInfo *ti = rnc_safetensors_get_tensor (st, t);
    size_t k, elems = 1, bad;

    FUZZ_CHECK (ti->rank <= RNC_SAFETENSORS_MAX_RANK);
    for (k = 0; k < ti->rank; k++)
      elems *= ti->shape[k];
    FUZZ_CHECK (elems == ti->n_elements);
    FUZZ_CHECK (ti->n_bytes == ti->n_elements * rnc_dtype_get_size (ti->dtype));
    FUZZ_CHECK (ti->offset == expect_offset);
    expect_offset += ti->n_bytes;
    FUZZ_CHECK (ti->data >= data && ti->data <= data_end
        && ti->n_bytes <= (size_t) (data_end - ti->data));
    FUZZ_CHECK (g_utf8_validate (ti->name, -1, NULL));
    FUZZ_CHECK (rnc_safetensors_lookup (st, ti->name) == ti);
    bad = rnc_tensor_info_find_nonfinite (ti);
    FUZZ_CHECK (bad == (size_t) -1 || bad < ti->n_elements);
  }
  /* No trailing bytes: the last tensor ends the buffer. */
  if (n > 0) {
    const RncTensorInfo *last = rnc_safetensors_get_tensor (st, n - 1);
    FUZZ_CHECK (last->data + last->n_bytes == data_end);
  }

  keys = rnc_safetensors_list_metadata (st, &n_keys);
  for (i = 0; i < n_keys; i++) {
    const char *v = rnc_safetensors_get_metadata (st, keys[i]);
    FUZZ_CHECK (v != NULL);
    FUZZ_CHECK (g_utf8_validate (keys[i], -1, NULL));
    FUZZ_CHECK (g_utf8_validate (v, -1, NULL));
    if (i > 0)
      FUZZ_CHECK (strcmp (keys[i - 1], keys[i]) < 0);
  }

  /* Write it back and read that: same tensors, same metadata. */
  w = rnc_safetensors_writer_new ();
  copies = g_ptr_array_new_with_free_func (g_free);
  for (t = 0; t < n; t++) {
    const RncTensorInfo *ti = rnc_safetensors_get_tensor (st, t);
    void *copy = g_malloc (ti->n_bytes ? ti->n_bytes : 1);

    rnc_tensor_info_copy (ti, copy);
    g_ptr_array_add (copies, copy);
    if (!rnc_safetensors_writer_add (w, ti->name, ti->dtype, ti->rank,
            ti->shape, copy, &err)) {
      fprintf (stderr, "writer refuses a tensor the reader accepted: %s\n",
          err->message);
      FUZZ_CHECK (!"a parsed tensor can be written back");
    }
  }
  for (i = 0; i < n_keys; i++)
    rnc_safetensors_writer_set_metadata (w, keys[i],
        rnc_safetensors_get_metadata (st, keys[i]));
  g_free (keys);
  out = rnc_safetensors_writer_to_data (w, &out_size, &err);
  if (!out) {
    fprintf (stderr, "writer fails on a parsed file: %s\n", err->message);
    FUZZ_CHECK (!"a parsed file can be written back");
  }
  /* The written header is JSON: no raw control byte (RFC 8259). */
  {
    guint64 hlen;
    size_t k;

    FUZZ_CHECK (out_size >= 8);
    memcpy (&hlen, out, 8);
    FUZZ_CHECK (hlen <= out_size - 8);
    for (k = 8; k < 8 + hlen; k++)
      FUZZ_CHECK (out[k] >= 0x20);
  }
  st2 = rnc_safetensors_parse (out, out_size, "rewritten", &err);
  if (!st2) {
    fprintf (stderr, "rewritten file does not parse: %s\n", err->message);
    FUZZ_CHECK (!"a written file parses");
  }
  check_same (st, st2);
  g_clear_pointer (&st2, rnc_safetensors_free);
  g_free (out);
  g_ptr_array_unref (copies);
  return 0;
}
