/* Helpers for the tests that run rnc-train: the tool as a subprocess, and
 * small generated training data (a seasonal series, a tiny treebank). */
#pragma once

#include "rnc-sample.h"

#include <glib.h>
#include <sys/wait.h>

#include <cmath>
#include <string>
#include <vector>

namespace rnc_test {

struct ToolRun {
  int status;                   /* exit status, -1 when it did not exit */
  std::string out, err;
};

/* The built rnc-train: $RNC_TRAIN (set by meson), else
 * $RNC_BUILD_ROOT/tools/rnc-train. */
inline std::string
rnc_train_path ()
{
  const char *exe = g_getenv ("RNC_TRAIN");
  if (exe && *exe)
    return exe;
  const char *root = g_getenv ("RNC_BUILD_ROOT");
  return std::string (root ? root : "build") + "/tools/rnc-train";
}

/* Runs rnc-train with @args (the subcommand first). */
inline ToolRun
run_rnc_train (const std::vector<std::string> &args)
{
  std::string exe = rnc_train_path ();
  std::vector<char *> argv = { (char *) exe.c_str () };
  for (auto &a : args)
    argv.push_back ((char *) a.c_str ());
  argv.push_back (nullptr);
  gchar *out = nullptr, *err = nullptr;
  gint status = -1;
  GError *e = nullptr;
  if (!g_spawn_sync (nullptr, argv.data (), nullptr, G_SPAWN_DEFAULT, nullptr,
          nullptr, &out, &err, &status, &e)) {
    ToolRun r = { -1, "", e->message };
    g_error_free (e);
    return r;
  }
  ToolRun r = { WIFEXITED (status) ? WEXITSTATUS (status) : -1,
    out ? out : "", err ? err : "" };
  if (WIFSIGNALED (status))
    r.err += "\n[rnc-train killed by signal " +
        std::to_string (WTERMSIG (status)) + "]";
  g_free (out);
  g_free (err);
  return r;
}

/* Value t of a monthly-like series: trend and a 12-step season. */
inline double
seasonal_value (size_t t)
{
  return 100.0 + 2.0 * (double) t + 30.0 * std::sin (2 * M_PI * t / 12.0);
}

/* "month,passengers,note" then n rows of seasonal_value (a date column and
 * a text column that the default column choice leaves out). */
inline std::string
seasonal_csv (size_t n)
{
  std::string s = "month,passengers,note\n";
  for (size_t t = 0; t < n; t++)
    s += "2000-" + std::to_string (t) + "," + std::to_string (
        seasonal_value (t)) + ",x\n";
  return s;
}

/* A word seen once, of one of several shapes so that its unknown-word
 * signature varies: zqbcd, Zqbcd, zqbcding, zq-bcd, zqbcds, zq42. */
inline std::string
rare_word (size_t k, size_t shape)
{
  std::string letters;
  for (size_t v = k + 1; v > 0; v /= 20)
    letters += (char) ('b' + v % 20);
  switch (shape % 6) {
    case 0: return "zq" + letters;
    case 1: return "Zq" + letters;
    case 2: return "zq" + letters + "ing";
    case 3: return "zq-" + letters;
    case 4: return "zq" + letters + "s";
    default: return "zq" + std::to_string (k);
  }
}

/* CoNLL text of @n sentences from a tiny grammar where a word's tag depends
 * on its left neighbour ("run" is a noun after a determiner, a verb after
 * "they"). With @fresh_nouns every noun is new, otherwise a third are seen
 * once; those are "zq" + a number, or of varied shapes (rare_word) with
 * @varied_shapes. */
inline std::string
tiny_treebank (size_t n, guint64 seed, bool fresh_nouns,
    bool varied_shapes = false)
{
  const char *nouns[] = { "cat", "dog", "run", "walk", "bird" };
  const char *verbs[] = { "runs", "walks", "sees" };
  RncRng rng;
  rnc_rng_init (&rng, seed);
  std::string s;
  for (size_t i = 0; i < n; i++) {
    std::string noun = nouns[rnc_rng_next (&rng) % 5];
    if (fresh_nouns || rnc_rng_next (&rng) % 3 == 0)    /* seen once */
      noun = varied_shapes ? rare_word (seed * 1000 + i, i) :
          "zq" + std::to_string (seed * 1000 + i);
    if (rnc_rng_next (&rng) % 2) {
      s += std::string (rnc_rng_next (&rng) % 2 ? "the" : "a") + "\tDT\n" +
          noun + "\tNN\n" + verbs[rnc_rng_next (&rng) % 3] + "\tVBZ\n";
    } else {
      s += std::string ("they\tPRP\n") + (rnc_rng_next (&rng) % 2 ? "run" :
          "walk") + "\tVB\nthe\tDT\n" + noun + "\tNN\n";
    }
    s += ".\t.\n\n";
  }
  return s;
}

} // namespace rnc_test
