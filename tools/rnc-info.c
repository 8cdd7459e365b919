/* rnc-info: what a model file holds.
 *
 *   rnc-info [--full] MODEL
 *
 * Loads MODEL as the elements do (safetensors, native or PyTorch, or ONNX)
 * and prints its configuration, parameter count, vocabulary and label
 * sizes, how it was trained (the rnc.train.* metadata rnc-train writes) and
 * every metadata pair. Long values are cut to 100 characters unless --full.
 * Exit status: 0, 1 when the model does not load, 2 on a usage error. */
#include "rnc.h"
#include "rnc-model-io.h"
#include "rnc-vocab.h"

#include <stdio.h>
#include <string.h>

#define CUT 100

static void
print_value (const char *key, const char *value, gboolean full)
{
  glong n = g_utf8_strlen (value, -1);

  if (full || n <= CUT) {
    printf ("  %s: %s\n", key, value);
  } else {
    char *head = g_utf8_substring (value, 0, CUT);
    printf ("  %s: %s... (%ld characters)\n", key, head, n);
    g_free (head);
  }
}

/* "vocabulary: 57 tokens (inline)" or an error line; nothing when absent. */
static void
print_vocab (const RncModel *m, const char *path, const char *key,
    const char *what)
{
  const char *value = rnc_model_get_metadata (m, key);
  char *dir;
  GError *err = NULL;
  RncVocab *v;

  if (!value)
    return;
  dir = g_path_get_dirname (path);
  v = rnc_vocab_new_from_metadata (value, dir, path, key, &err);
  if (v) {
    const char *p = value;
    while (g_ascii_isspace (*p))
      p++;
    printf ("%s: %zu entries (%s)\n", what, rnc_vocab_get_size (v),
        *p == '[' ? "inline" : value);
    rnc_vocab_free (v);
  } else {
    printf ("%s: unreadable: %s\n", what, err->message);
    g_clear_error (&err);
  }
  g_free (dir);
}

static void
print_training (const RncModel *m)
{
  static const struct {
    const char *key, *label;
  } rows[] = {
    { "rnc.train.task", "task" },
    { "rnc.train.command", "command" },
    { "rnc.columns", "columns" },
    { "rnc.train.tokenize", "tokenize" },
    { "rnc.train.lowercase", "lowercase" },
    { "rnc.source", "imported from" },
  };
  gboolean any = FALSE;
  size_t i;

  for (i = 0; i < G_N_ELEMENTS (rows); i++) {
    const char *v = rnc_model_get_metadata (m, rows[i].key);
    if (!v)
      continue;
    if (!any)
      printf ("trained on:\n");
    any = TRUE;
    printf ("  %s: %s\n", rows[i].label, v);
  }
  if (!any)
    printf ("trained on: unknown (no rnc.train.* metadata: not written by "
        "rnc-train)\n");
}

int
main (int argc, char **argv)
{
  gboolean full = FALSE;
  const char *path = NULL;
  const RncModelConfig *c;
  RncModel *m;
  GError *err = NULL;
  const char **keys;
  guint n_keys, i;
  size_t n_params;
  int a;

  for (a = 1; a < argc; a++) {
    if (!strcmp (argv[a], "--full")) {
      full = TRUE;
    } else if (!strcmp (argv[a], "-h") || !strcmp (argv[a], "--help")) {
      printf ("usage: rnc-info [--full] MODEL\n"
          "Prints a model's configuration, vocabulary size, training and "
          "metadata.\n--full  print long metadata values whole\n");
      return 0;
    } else if (argv[a][0] == '-' && argv[a][1] != '\0') {
      fprintf (stderr, "rnc-info: unknown option %s\n", argv[a]);
      return 2;
    } else if (path) {
      fprintf (stderr, "rnc-info: one model file at a time\n");
      return 2;
    } else {
      path = argv[a];
    }
  }
  if (!path) {
    fprintf (stderr, "usage: rnc-info [--full] MODEL\n");
    return 2;
  }

  m = rnc_model_load (path, &err);
  if (!m) {
    fprintf (stderr, "rnc-info: %s\n", err->message);
    g_clear_error (&err);
    return 1;
  }
  c = rnc_model_get_config (m);
  /* the weights themselves (the block may hold alignment padding) */
  n_params = c->input_size * c->embed_size + c->hidden_size * c->output_size
      + c->output_size;
  for (a = 0; a < (int) c->num_layers; a++) {
    size_t in = a > 0 ? c->hidden_size : c->embed_size ? c->embed_size :
        c->input_size;
    n_params += (in + c->hidden_size + 1) * rnc_cell_gates (c->cell)
        * c->hidden_size;
  }
  printf ("model: %s\n", path);
  printf ("cell: %s\n", rnc_cell_to_string (c->cell));
  printf ("layers: %zu\n", c->num_layers);
  printf ("hidden size: %zu\n", c->hidden_size);
  if (c->input == RNC_INPUT_INDEX)
    printf ("input: index (token ids below %zu)\n", c->input_size);
  else
    printf ("input: dense (frames of %zu)\n", c->input_size);
  if (c->embed_size)
    printf ("embedding: %zu x %zu\n", c->input_size, c->embed_size);
  if (c->head == RNC_HEAD_NONE)
    printf ("head: none (outputs the last layer's %zu hidden values)\n",
        c->hidden_size);
  else
    printf ("head: %s, %zu output%s\n", rnc_head_to_string (c->head),
        c->output_size, c->output_size == 1 ? "" : "s");
  printf ("parameters: %zu\n", n_params);
  if (rnc_model_get_window (m))
    printf ("window: %zu frames\n", rnc_model_get_window (m));
  printf ("scaling: input %s, output %s\n",
      rnc_model_get_input_mean (m) ? "yes" : "no",
      rnc_model_get_output_mean (m) ? "yes" : "no");
  print_vocab (m, path, "rnc.vocab", "vocabulary");
  print_vocab (m, path, "rnc.labels", "labels");
  if (c->input == RNC_INPUT_INDEX && !rnc_model_get_metadata (m, "rnc.vocab"))
    printf ("vocabulary: none stored (%zu ids)\n", c->input_size);
  print_training (m);

  keys = rnc_model_list_metadata (m, &n_keys);
  printf ("metadata: %u key%s\n", n_keys, n_keys == 1 ? "" : "s");
  for (i = 0; i < n_keys; i++)
    print_value (keys[i], rnc_model_get_metadata (m, keys[i]), full);
  g_free (keys);
  rnc_model_free (m);
  return 0;
}
