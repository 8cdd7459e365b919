/* Replays files through a fuzz harness's LLVMFuzzerTestOneInput without
 * libFuzzer, so that every `meson test` run (and the sanitizer build)
 * checks the harness's invariants on its seed corpus.
 *
 *   fuzz-replay-NAME DIR|FILE...
 *
 * A violated invariant aborts (the test fails); exits 1 when no file was
 * found, so that a missing corpus cannot pass. */
#include "fuzz-util.h"

static int
replay_file (const char *path)
{
  g_autoptr (GError) err = NULL;
  char *data = NULL;
  gsize size = 0;

  if (!g_file_get_contents (path, &data, &size, &err)) {
    fprintf (stderr, "%s\n", err->message);
    exit (1);
  }
  /* An exact-size copy, so that a read past the end is caught by ASan. */
  {
    uint8_t *copy = g_memdup2 (data, size);
    LLVMFuzzerTestOneInput (copy, size);
    g_free (copy);
  }
  g_free (data);
  return 1;
}

static int
cmp_str (const void *a, const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

int
main (int argc, char **argv)
{
  int i, n = 0;

  for (i = 1; i < argc; i++) {
    if (g_file_test (argv[i], G_FILE_TEST_IS_DIR)) {
      g_autoptr (GDir) dir = g_dir_open (argv[i], 0, NULL);
      GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
      const char *name;
      guint k;

      while (dir && (name = g_dir_read_name (dir)) != NULL)
        g_ptr_array_add (names, g_build_filename (argv[i], name, NULL));
      qsort (names->pdata, names->len, sizeof (char *), cmp_str);
      for (k = 0; k < names->len; k++)
        n += replay_file (names->pdata[k]);
      g_ptr_array_unref (names);
    } else {
      n += replay_file (argv[i]);
    }
  }
  printf ("%d inputs replayed, all invariants held\n", n);
  return n > 0 ? 0 : 1;
}
