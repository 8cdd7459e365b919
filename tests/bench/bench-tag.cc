/* Tagging quality: rnc-train tag with its defaults on the treebank train
 * split, then every dev sentence tagged through the library exactly as the
 * pipeline `vocab-encode unknown=unk ! lstm output=argmax ! vocab-decode`
 * does: known words by their id, unknown ones by rnc_vocab_lookup_unknown,
 * a fresh state per sentence, the argmax of the logits. Accuracy over all
 * dev tokens (-NONE- included, as the baseline) against the
 * most-frequent-tag baseline.
 *
 * rnc-train tag chooses the lookahead k (rnc.delay) on its validation data;
 * the library scores each sentence as the model was trained (the words,
 * then k pads; rnc_tagger_forward), the elements stream it (outputs k words
 * late, flushed at each sentence end).
 *
 * Two trainings per tagset: with --dev (early stopping on dev, as a user with
 * a dev set would run it) and without (validation = the last 10% of the
 * training sentences, so dev is never seen).
 *
 * The same models are also run through the elements: the dev words, one per
 * line with a blank line between sentences, through
 *   filesrc ! vocab-encode vocab=M unknown=unk ! lstm model=M output=argmax
 *   ! vocab-decode vocab=M ! filesink
 * and the tag lines scored the same way (and compared with the library's).
 *
 * Usage: bench-tag RNC_TRAIN_EXECUTABLE  (RNC_SHARED_DATA names the data) */
#include "rnc.h"
#include "rnc-model-io.h"
#include "bench-util.h"
#include "rnc-conll.h"
#include "rnc-vocab.h"

#include <glib/gstdio.h>
#include <gst/gst.h>

#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

struct Score {
  size_t n = 0, hits = 0, unk = 0, unk_hits = 0;
  std::vector<std::string> tags;        /* predicted, every dev token */
  std::string delay, tried;     /* rnc.delay, validation accuracy per k */
};

static bool
evaluate (const char *model_path, const RncConll &dev, Score &s)
{
  g_autoptr (GError) err = nullptr;
  g_autoptr (RncModel) m = rnc_model_load (model_path, &err);
  if (!m) {
    std::printf ("load %s: %s\n", model_path, err->message);
    return false;
  }
  g_autoptr (RncVocab) vocab = rnc_vocab_new_from_metadata (
      rnc_model_get_metadata (m, "rnc.vocab"), ".", model_path, "rnc.vocab",
      &err);
  g_autoptr (RncVocab) labels = rnc_vocab_new_from_metadata (
      rnc_model_get_metadata (m, "rnc.labels"), ".", model_path, "rnc.labels",
      &err);
  if (!vocab || !labels) {
    std::printf ("vocabularies of %s: %s\n", model_path, err->message);
    return false;
  }
  size_t Q = rnc_model_get_config (m)->output_size;
  size_t max_len = dev.max_len;
  const char *dl = rnc_model_get_metadata (m, "rnc.delay");
  const char *tried = rnc_model_get_metadata (m,
      "rnc.train.delay_val_accuracy");
  s.delay = dl ? dl : "0";
  s.tried = tried ? tried : "";
  g_autoptr (RncState) st = rnc_state_new (m, 1, 0);
  std::vector<int32_t> ids (max_len);
  std::vector<float> logits (max_len * Q);
  const size_t *off = (const size_t *) dev.offsets->data;
  for (size_t k = 0; k + 1 < dev.offsets->len; k++) {
    size_t n = off[k + 1] - off[k];
    std::vector<bool> unknown (n);
    for (size_t i = 0; i < n; i++) {
      const char *w = (const char *) g_ptr_array_index (dev.words, off[k] + i);
      int32_t id = rnc_vocab_lookup (vocab, w);
      unknown[i] = id < 0;
      ids[i] = id >= 0 ? id : rnc_vocab_lookup_unknown (vocab, w);
    }
    /* a fresh state, the sentence, then the pads of a lookahead */
    if (!rnc_tagger_forward (st, ids.data (), n, logits.data (), nullptr))
      return false;
    for (size_t i = 0; i < n; i++) {
      const char *gold = (const char *) g_ptr_array_index (dev.tags,
          off[k] + i);
      const char *got = rnc_vocab_get_token (labels,
          (int32_t) rnc_argmax (&logits[i * Q], Q));
      bool hit = got && std::strcmp (got, gold) == 0;
      s.tags.push_back (got ? got : "");
      s.n++;
      s.hits += hit;
      if (unknown[i]) {
        s.unk++;
        s.unk_hits += hit;
      }
    }
  }
  return true;
}

/* The dev words through the tagging pipeline; scores its tag lines (a blank
 * line must stand at every sentence end) and counts the tokens where they
 * differ from the library's @lib. FALSE on a pipeline error or misaligned
 * output. */
static bool
evaluate_pipeline (const std::string &model, const std::string &dir,
    const RncConll &dev, const Score &lib, Score &s, size_t &differ)
{
  std::string in = dir + "/dev-words.txt", out = dir + "/dev-tags.txt";
  std::string words;
  const size_t *off = (const size_t *) dev.offsets->data;
  for (size_t k = 0; k + 1 < dev.offsets->len; k++) {
    for (size_t i = off[k]; i < off[k + 1]; i++)
      words += std::string ((const char *) g_ptr_array_index (dev.words, i)) +
          "\n";
    words += "\n";
  }
  g_file_set_contents (in.c_str (), words.c_str (), -1, nullptr);
  std::string desc = "filesrc location=\"" + in + "\" ! vocab-encode vocab=\""
      + model + "\" unknown=unk ! lstm model=\"" + model + "\" output=argmax "
      "! vocab-decode vocab=\"" + model + "\" ! filesink location=\"" + out +
      "\"";
  std::string err = bench_run_pipeline (desc);
  if (!err.empty ()) {
    std::printf ("%s: %s\n", desc.c_str (), err.c_str ());
    return false;
  }
  gchar *text = nullptr;
  g_file_get_contents (out.c_str (), &text, nullptr, nullptr);
  gchar **lines = g_strsplit (text ? text : "", "\n", -1);
  g_free (text);
  size_t line = 0, tok = 0;
  bool ok = true;
  differ = 0;
  for (size_t k = 0; ok && k + 1 < dev.offsets->len; k++) {
    for (size_t i = off[k]; ok && i < off[k + 1]; i++, tok++) {
      const char *got = lines[line] ? lines[line++] : nullptr;
      const char *gold = (const char *) g_ptr_array_index (dev.tags, i);
      if (!got || !*got) {
        ok = false;
        break;
      }
      s.n++;
      s.hits += std::strcmp (got, gold) == 0;
      differ += lib.tags[tok] != got;
    }
    if (ok && (!lines[line] || *lines[line++] != '\0'))
      ok = false;
  }
  if (!ok)
    std::printf ("pipeline output misaligned at line %zu\n", line + 1);
  g_strfreev (lines);
  g_unlink (in.c_str ());
  g_unlink (out.c_str ());
  return ok;
}

/* Most frequent training tag per word, unknown words the most frequent tag,
 * ties to the byte-smallest tag (the README's rule). */
static double
baseline (const RncConll &train, const RncConll &dev)
{
  std::map<std::string, std::map<std::string, size_t>> per;
  std::map<std::string, size_t> all;
  for (guint i = 0; i < train.words->len; i++) {
    const char *w = (const char *) g_ptr_array_index (train.words, i);
    const char *t = (const char *) g_ptr_array_index (train.tags, i);
    per[w][t]++;
    all[t]++;
  }
  auto best = [] (const std::map<std::string, size_t> &c) {
    std::string b;
    size_t bc = 0;
    for (auto &kv : c)          /* byte order: first max wins */
      if (kv.second > bc) {
        bc = kv.second;
        b = kv.first;
      }
    return b;
  };
  std::string fallback = best (all);
  size_t hits = 0;
  for (guint i = 0; i < dev.words->len; i++) {
    auto it = per.find ((const char *) g_ptr_array_index (dev.words, i));
    std::string p = it == per.end () ? fallback : best (it->second);
    hits += p == (const char *) g_ptr_array_index (dev.tags, i);
  }
  return (double) hits / dev.words->len;
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  if (argc < 2) {
    std::printf ("usage: bench-tag RNC_TRAIN_EXECUTABLE\n");
    return 2;
  }
  const char *dir = g_getenv ("RNC_SHARED_DATA");
  std::string pos = std::string (dir ? dir : "../shared/data") + "/pos";
  if (!g_file_test ((pos + "/treebank_penn_train.conll").c_str (),
          G_FILE_TEST_EXISTS)) {
    std::printf ("SKIP: %s not found (set RNC_SHARED_DATA)\n", pos.c_str ());
    return 77;
  }
  g_autofree char *tmp = g_dir_make_tmp ("rnc-bench-tag-XXXXXX", nullptr);

  std::printf ("| tagset | training | dev accuracy | unknown words | elements: "
      "dev accuracy | tokens where elements and library differ | "
      "most-frequent-tag baseline | train time | lookahead kept | validation "
      "accuracy per lookahead |\n"
      "|---|---|---|---|---|---|---|---|---|---|\n");
  for (const char *set : { "universal", "penn" }) {
    std::string tr = pos + "/treebank_" + set + "_train.conll";
    std::string dv = pos + "/treebank_" + set + "_dev.conll";
    RncConll train = {}, dev = {};
    g_autoptr (GError) err = nullptr;
    if (!rnc_conll_read (tr.c_str (), &train, &err)
        || !rnc_conll_read (dv.c_str (), &dev, &err)) {
      std::printf ("%s\n", err->message);
      return 1;
    }
    double base = baseline (train, dev);
    for (bool with_dev : { true, false }) {
      std::string model = std::string (tmp) + "/" + set +
          (with_dev ? "-dev" : "-nodev") + ".safetensors";
      std::vector<const char *> cmd = { argv[1], "tag", "--data", tr.c_str (),
        "-o", model.c_str (), "--quiet" };
      if (with_dev) {
        cmd.push_back ("--dev");
        cmd.push_back (dv.c_str ());
      }
      cmd.push_back (nullptr);
      gint status = 0;
      gint64 t0 = g_get_monotonic_time ();
      if (!g_spawn_sync (nullptr, (char **) cmd.data (), nullptr,
              G_SPAWN_DEFAULT, nullptr, nullptr, nullptr, nullptr, &status,
              &err) || !g_spawn_check_wait_status (status, &err)) {
        std::printf ("rnc-train failed: %s\n", err->message);
        return 1;
      }
      double secs = (g_get_monotonic_time () - t0) / 1e6;
      Score s, e;
      size_t differ = 0;
      if (!evaluate (model.c_str (), dev, s)
          || !evaluate_pipeline (model, tmp, dev, s, e, differ))
        return 1;
      std::printf ("| %s | %s | %.4f (%zu/%zu) | %.4f (%zu) | %.4f (%zu/%zu) |"
          " %zu | %.4f | %.0f s | %s | %s |\n", set, with_dev ? "--dev dev" :
          "--val 0.1 of train", (double) s.hits / s.n, s.hits, s.n,
          (double) s.unk_hits / s.unk, s.unk, (double) e.hits / e.n, e.hits,
          e.n, differ, base, secs, s.delay.c_str (), s.tried.c_str ());
      std::fflush (stdout);
      g_unlink (model.c_str ());
    }
    rnc_conll_clear (&train);
    rnc_conll_clear (&dev);
  }
  g_rmdir (tmp);
  return 0;
}
