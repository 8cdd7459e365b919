/* Fuzz target: vocabularies (rnc-vocab.h). Input: one option byte (bit 0:
 * the rest is a JSON list as in model metadata, else a vocabulary file),
 * then the text. Invariants of a vocabulary that loads: every token is
 * valid (rnc_vocab_token_is_valid) and looks up to its own id; writing it
 * as a file and as JSON (no raw control byte) and reading those back gives
 * the same tokens; the
 * unknown-word classes that rnc_vocab_add_unknown_classes adds for a word
 * make rnc_vocab_lookup_unknown find one of them. */
#include "fuzz-util.h"

#include "rnc-vocab.h"

#define MAX_UNKNOWN_CHECKS 16

static void
check_same (const RncVocab *a, const RncVocab *b)
{
  size_t i;

  FUZZ_CHECK (rnc_vocab_get_size (a) == rnc_vocab_get_size (b));
  for (i = 0; i < rnc_vocab_get_size (a); i++)
    FUZZ_CHECK (strcmp (rnc_vocab_get_token (a, (int32_t) i),
            rnc_vocab_get_token (b, (int32_t) i)) == 0);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (RncVocab) v = NULL;
  g_autoptr (RncVocab) back = NULL;
  g_autoptr (RncVocab) unk = NULL;
  g_autoptr (GError) err = NULL;
  guint8 o = fuzz_take (&data, &size);
  const char *text = (const char *) data;
  size_t i, n, out_size = 0;
  char *out;

  fuzz_init ();
  if (o & 1)
    v = rnc_vocab_new_from_json (text, (gssize) size, "fuzz.json", &err);
  else
    v = rnc_vocab_load_from_data (text, size, "fuzz.vocab", &err);
  if (!v) {
    FUZZ_CHECK (err != NULL && err->domain == RNC_VOCAB_ERROR);
    FUZZ_CHECK (g_str_has_prefix (err->message, "fuzz."));
    return 0;
  }

  n = rnc_vocab_get_size (v);
  FUZZ_CHECK (n <= RNC_VOCAB_MAX_SIZE);
  FUZZ_CHECK (rnc_vocab_get_token (v, (int32_t) n) == NULL);
  FUZZ_CHECK (rnc_vocab_get_token (v, -1) == NULL);
  for (i = 0; i < n; i++) {
    const char *t = rnc_vocab_get_token (v, (int32_t) i);

    FUZZ_CHECK (t != NULL);
    FUZZ_CHECK (rnc_vocab_token_is_valid (t, strlen (t)));
    FUZZ_CHECK (rnc_vocab_lookup (v, t) == (int32_t) i);
  }
  FUZZ_CHECK (rnc_vocab_get_unk_id (v) == rnc_vocab_lookup (v,
          RNC_VOCAB_UNK));

  out = rnc_vocab_to_data (v, &out_size);
  FUZZ_CHECK (out_size == strlen (out));
  back = rnc_vocab_load_from_data (out, out_size, "written", &err);
  if (!back)
    fprintf (stderr, "%s\n", err->message);
  FUZZ_CHECK (back != NULL);
  check_same (v, back);
  g_clear_pointer (&back, rnc_vocab_free);
  g_free (out);

  out = rnc_vocab_to_json (v);
  for (i = 0; out[i]; i++)
    FUZZ_CHECK ((guchar) out[i] >= 0x20);       /* RFC 8259: escaped */
  back = rnc_vocab_new_from_json (out, -1, "json", &err);
  if (!back)
    fprintf (stderr, "%s\n", err->message);
  FUZZ_CHECK (back != NULL);
  check_same (v, back);
  g_free (out);

  /* Unknown words: the signature is "<unk...>", and the classes added for
   * a word are found again. */
  unk = rnc_vocab_new ();
  for (i = 0; i < n && i < MAX_UNKNOWN_CHECKS; i++) {
    const char *t = rnc_vocab_get_token (v, (int32_t) i);
    char *sig = rnc_vocab_unknown_signature (t);
    int32_t id;

    FUZZ_CHECK (g_str_has_prefix (sig, "<unk") && g_str_has_suffix (sig, ">"));
    FUZZ_CHECK (g_utf8_validate (sig, -1, NULL));
    id = rnc_vocab_lookup_unknown (v, t);
    FUZZ_CHECK (id >= -1 && id < (int32_t) n);
    FUZZ_CHECK (rnc_vocab_add_unknown_classes (unk, t, NULL));
    id = rnc_vocab_lookup_unknown (unk, t);
    FUZZ_CHECK (id >= 0);
    FUZZ_CHECK (strcmp (rnc_vocab_get_token (unk, id), sig) == 0);
    g_free (sig);
  }
  return 0;
}
