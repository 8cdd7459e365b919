/* rnc-train lm / tag: models over token ids, with their vocabularies. */
#include "rnc-train.h"

#include "rnc-conll.h"
#include "rnc-tokenizer.h"
#include "rnc-vocab.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static RncModel *
new_index_model (RncCell cell, size_t V, size_t E, size_t H, size_t L,
    size_t Q, GError **error)
{
  RncModelConfig c = { 0 };

  c.cell = cell;
  c.input = RNC_INPUT_INDEX;
  c.input_size = V;
  c.embed_size = E;
  c.hidden_size = H;
  c.num_layers = L;
  c.head = RNC_HEAD_CLASSES;
  c.output_size = Q;
  return rnc_model_new (&c, error);
}

/* ---- lm ----------------------------------------------------------------- */

typedef struct {
  RncVocabCounter *counter;
  GArray *seq;                  /* int32 first-seen indices */
  gboolean overflow;
} LmCollect;

static void
lm_token (const char *token, size_t len, gpointer user_data)
{
  LmCollect *c = user_data;
  int32_t k;

  if (c->overflow)
    return;
  k = rnc_vocab_counter_add (c->counter, token);
  if (k < 0)
    c->overflow = TRUE;
  else
    g_array_append_val (c->seq, k);
}

int
rnc_train_lm (RncTrainArgs *a)
{
  g_autoptr (GError) err = NULL;
  g_autofree char *text = NULL;
  g_autoptr (RncTokenizer) tok = NULL;
  g_autoptr (RncVocab) vocab = NULL;
  g_autoptr (RncModel) model = NULL;
  g_autoptr (RncTrainer) trainer = NULL;
  g_autofree int32_t *map = NULL, *ids = NULL, *next = NULL;
  g_autofree char *json = NULL;
  RncTokenizerConfig tc;
  RncVocabBuildOptions vo;
  RncTrainOptions o;
  RncDataset ds = { 0 };
  RncCell cell = RNC_CELL_LSTM;
  RncWeightInit init = RNC_WEIGHT_INIT_UNIFORM;
  LmCollect col = { 0 };
  gsize size;
  size_t F, i, off[2], V, E, H, L;
  static const char *const modes[] = { "word", "char", NULL };
  gboolean chars = FALSE;
  int rc = 2;                   /* until the options are checked */

  if (a->tokenize) {
    int k = rnc_train_choose ("tokenize", a->tokenize, modes, &err);
    if (k < 0)
      goto failed;
    chars = k == 1;
  }
  rnc_train_options_init (&o, RNC_LOSS_CROSS_ENTROPY, RNC_OUTPUTS_ALL);
  o.mode = RNC_TRAIN_STREAM;
  o.epochs = 20;
  o.batch_size = 32;
  o.lr = 2e-3f;
  o.clip = 5.0f;
  o.val_fraction = 0.1;
  o.patience = 3;
  o.lr_patience = 1;
  if (!rnc_train_apply_common (a, &o, &cell, &init, &err))
    goto failed;
  o.bptt_frames = a->window > 0 ? (size_t) a->window : 32;
  H = a->hidden > 0 ? (size_t) a->hidden : 128;
  L = a->layers > 0 ? (size_t) a->layers : 1;
  E = a->embed >= 0 ? (size_t) a->embed : 64;
  rc = 1;

  if (!g_file_get_contents (a->data, &text, &size, &err))
    goto failed;
  rnc_tokenizer_config_init (&tc);
  tc.mode = chars ? RNC_TOKENIZER_MODE_CHAR : RNC_TOKENIZER_MODE_WORD;
  tc.lowercase = a->lowercase;
  tok = rnc_tokenizer_new (&tc, &err);
  if (!tok)
    goto failed;
  col.counter = rnc_vocab_counter_new ();
  col.seq = g_array_new (FALSE, FALSE, sizeof (int32_t));
  rnc_tokenizer_feed (tok, (const guint8 *) text, size, lm_token, &col);
  rnc_tokenizer_finish (tok, lm_token, &col);
  g_clear_pointer (&text, g_free);
  if (rnc_tokenizer_get_n_invalid (tok) > 0)
    fprintf (stderr, "rnc-train lm: %s: %" G_GUINT64_FORMAT " invalid UTF-8 "
        "sequences replaced (first at byte %" G_GINT64_FORMAT ")\n", a->data,
        rnc_tokenizer_get_n_invalid (tok),
        rnc_tokenizer_get_first_invalid_offset (tok));
  if (col.overflow) {
    g_set_error (&err, RNC_TRAIN_ERROR, RNC_TRAIN_ERROR_INVALID,
        "%s: more distinct tokens than the counter holds", a->data);
    goto failed_col;
  }
  F = col.seq->len;
  if (F < 4 * MAX (o.bptt_frames, 2)) {
    g_set_error (&err, RNC_TRAIN_ERROR, RNC_TRAIN_ERROR_INVALID,
        "%s: %zu tokens are too few to train on (need %zu)", a->data, F,
        4 * MAX (o.bptt_frames, (size_t) 2));
    goto failed_col;
  }

  rnc_vocab_build_options_init (&vo);
  vo.order = RNC_VOCAB_ORDER_FREQUENCY;
  vo.add_unk = TRUE;
  vo.max_size = a->max_vocab > 0 ? (size_t) a->max_vocab : 10000;
  vo.min_count = a->min_count >= 0 ? (uint64_t) a->min_count : chars ? 1 : 2;
  vocab = rnc_vocab_counter_build (col.counter, &vo, &err);
  if (!vocab)
    goto failed_col;
  V = rnc_vocab_get_size (vocab);
  map = g_new (int32_t, rnc_vocab_counter_get_size (col.counter));
  for (i = 0; i < rnc_vocab_counter_get_size (col.counter); i++) {
    int32_t id = rnc_vocab_lookup (vocab,
        rnc_vocab_counter_get_token (col.counter, (int32_t) i));
    map[i] = id >= 0 ? id : rnc_vocab_get_unk_id (vocab);
  }
  ids = g_new (int32_t, F);
  next = g_new (int32_t, F);
  for (i = 0; i < F; i++)
    ids[i] = map[g_array_index (col.seq, int32_t, i)];
  for (i = 0; i + 1 < F; i++)
    next[i] = ids[i + 1];
  next[F - 1] = -1;
  if (!a->quiet)
    fprintf (stderr, "%s: %zu %s tokens, vocabulary %zu (min count %"
        G_GUINT64_FORMAT ", at most %zu)\n", a->data, F,
        chars ? "character" : "word", V, vo.min_count, vo.max_size);

  model = new_index_model (cell, V, E, H, L, V, &err);
  if (!model)
    goto failed_col;
  rnc_model_init_weights (model, init, o.seed);
  off[0] = 0;
  off[1] = F;
  ds.n_seqs = 1;
  ds.offsets = off;
  ds.ids = ids;
  ds.labels = next;
  trainer = rnc_trainer_new (model, &o, &ds, NULL, &err);
  if (!trainer || !rnc_trainer_fit (trainer, rnc_train_print_epoch, a, &err))
    goto failed_col;
  if (!a->quiet && rnc_trainer_get_n_val (trainer) > 0)
    fprintf (stderr, "best epoch %zu: validation loss %.4f (perplexity %.2f)\n",
        rnc_trainer_get_best_epoch (trainer),
        rnc_trainer_get_best_loss (trainer),
        exp (rnc_trainer_get_best_loss (trainer)));

  json = rnc_vocab_to_json (vocab);
  rnc_model_set_metadata (model, "rnc.vocab", json);
  rnc_model_set_metadata (model, "rnc.labels", json);
  rnc_model_set_metadata (model, "rnc.train.tokenize", chars ? "char" : "word");
  rnc_model_set_metadata (model, "rnc.train.lowercase",
      a->lowercase ? "true" : "false");
  if (!rnc_train_save (model, a, "lm", &err))
    goto failed_col;
  if (!a->quiet)
    fprintf (stderr, "run it: ... ! tokenize mode=%s%s ! vocab-encode vocab=%s"
        " unknown=unk ! generate model=%s length=50 ! vocab-decode vocab=%s "
        "! ...\n", chars ? "char" : "word",
        a->lowercase ? " lowercase=true" : "", a->output, a->output,
        a->output);
  rc = 0;
  goto done;

failed_col:
failed:
  fprintf (stderr, "rnc-train lm: %s\n", err->message);
done:
  if (col.counter)
    rnc_vocab_counter_free (col.counter);
  if (col.seq)
    g_array_unref (col.seq);
  return rc;
}

/* ---- tag ---------------------------------------------------------------- */

static int
cmp_strp (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

typedef struct {
  const char *word;
  uint64_t count;
} WordCount;

static int
cmp_word_count (const void *pa, const void *pb)
{
  const WordCount *a = pa, *b = pb;

  if (a->count != b->count)
    return a->count > b->count ? -1 : 1;
  return strcmp (a->word, b->word);
}

/* ids (and alternative ids, labels) of every token of @c. */
static void
encode_conll (const RncConll *c, const RncVocab *vocab, const RncVocab *tags,
    const RncVocabCounter *counts, size_t rare, int32_t *ids, int32_t *alt,
    int32_t *labels, size_t *n_unknown, size_t *n_bad_tag)
{
  size_t i;

  *n_unknown = *n_bad_tag = 0;
  for (i = 0; i < c->words->len; i++) {
    const char *w = g_ptr_array_index (c->words, i);
    int32_t id = rnc_vocab_lookup (vocab, w);
    if (id < 0) {
      id = rnc_vocab_lookup_unknown (vocab, w);
      (*n_unknown)++;
    }
    ids[i] = id;
    if (alt)
      alt[i] = rnc_vocab_counter_get_count (counts, w) <= rare ?
          rnc_vocab_lookup_unknown (vocab, w) : -1;
    labels[i] = rnc_vocab_lookup (tags, g_ptr_array_index (c->tags, i));
    if (labels[i] < 0)
      (*n_bad_tag)++;
  }
}

/* Accuracy of the most frequent training tag per word (unknown words: the
 * most frequent tag overall), for context in the report. */
static double
most_frequent_tag_accuracy (const RncConll *train, const RncConll *eval,
    const RncVocab *tags)
{
  g_autoptr (GHashTable) per_word = g_hash_table_new_full (g_str_hash,
      g_str_equal, NULL, g_free);
  size_t Q = rnc_vocab_get_size (tags), i, q, hits = 0, best_all = 0;
  g_autofree uint32_t *all = g_new0 (uint32_t, Q);

  for (i = 0; i < train->words->len; i++) {
    const char *w = g_ptr_array_index (train->words, i);
    int32_t t = rnc_vocab_lookup (tags, g_ptr_array_index (train->tags, i));
    uint32_t *c = g_hash_table_lookup (per_word, w);
    if (!c) {
      c = g_new0 (uint32_t, Q);
      g_hash_table_insert (per_word, (gpointer) w, c);
    }
    c[t]++;
    all[t]++;
  }
  for (q = 1; q < Q; q++)
    if (all[q] > all[best_all])
      best_all = q;
  for (i = 0; i < eval->words->len; i++) {
    uint32_t *c = g_hash_table_lookup (per_word,
        g_ptr_array_index (eval->words, i));
    size_t best = best_all;
    if (c) {
      best = 0;
      for (q = 1; q < Q; q++)   /* ties: the byte-smallest tag (sorted) */
        if (c[q] > c[best])
          best = q;
    }
    if ((int32_t) best == rnc_vocab_lookup (tags,
            g_ptr_array_index (eval->tags, i)))
      hits++;
  }
  return (double) hits / (double) eval->words->len;
}

/* A tagging dataset for a lookahead of @k frames: each sentence of n
 * tokens becomes n + k frames, its ids then k pad ids; the label of token
 * i sits on frame i + k (frames 0..k-1 have none), as the elements emit
 * it. Arrays are allocated into @d (free with delayed_clear). */
typedef struct {
  size_t *offsets;
  int32_t *ids, *alt, *labels;
} Delayed;

static void
delayed_clear (Delayed *d)
{
  g_free (d->offsets);
  g_free (d->ids);
  g_free (d->alt);
  g_free (d->labels);
  memset (d, 0, sizeof (*d));
}

static void
delay_dataset (const RncDataset *src, size_t k, int32_t pad, Delayed *d,
    RncDataset *out)
{
  size_t s, i, n_frames = rnc_dataset_get_n_frames (src) + k * src->n_seqs;

  d->offsets = g_new (size_t, src->n_seqs + 1);
  d->ids = g_new (int32_t, n_frames);
  d->alt = src->alt_ids ? g_new (int32_t, n_frames) : NULL;
  d->labels = g_new (int32_t, n_frames);
  d->offsets[0] = 0;
  for (s = 0; s < src->n_seqs; s++) {
    size_t b = src->offsets[s], n = src->offsets[s + 1] - b;
    size_t o = d->offsets[s];
    for (i = 0; i < n + k; i++) {
      d->ids[o + i] = i < n ? src->ids[b + i] : pad;
      if (d->alt)
        d->alt[o + i] = i < n ? src->alt_ids[b + i] : -1;
      d->labels[o + i] = i < k ? -1 : src->labels[b + i - k];
    }
    d->offsets[s + 1] = o + n + k;
  }
  *out = *src;
  out->offsets = d->offsets;
  out->ids = d->ids;
  out->alt_ids = d->alt;
  out->labels = d->labels;
}

/* The lookaheads to try: --delay K, or 0..2 for auto. */
static gboolean
parse_delay (const char *text, size_t *first, size_t *last, GError **error)
{
  guint64 k;

  if (!text || !strcmp (text, "auto")) {
    *first = 0;
    *last = 2;
    return TRUE;
  }
  if (!g_ascii_string_to_unsigned (text, 10, 0, RNC_MAX_DELAY, &k, NULL)) {
    g_set_error (error, RNC_TRAIN_ERROR, RNC_TRAIN_ERROR_INVALID,
        "--delay must be 'auto' or a number of frames 0..%d, not '%s'",
        RNC_MAX_DELAY, text);
    return FALSE;
  }
  *first = *last = (size_t) k;
  return TRUE;
}

#define PAD_TOKEN "<pad>"

int
rnc_train_tag (RncTrainArgs *a)
{
  g_autoptr (GError) err = NULL;
  g_autoptr (RncVocabCounter) counts = rnc_vocab_counter_new ();
  g_autoptr (RncVocab) vocab = rnc_vocab_new ();
  g_autoptr (RncVocab) tags = rnc_vocab_new ();
  g_autoptr (RncModel) model = NULL;
  g_autofree int32_t *ids = NULL, *alt = NULL, *labels = NULL;
  g_autofree int32_t *dids = NULL, *dlabels = NULL;
  g_autofree WordCount *wc = NULL;
  g_autofree char *vjson = NULL, *tjson = NULL;
  g_autoptr (GPtrArray) tag_list = g_ptr_array_new ();
  g_autoptr (GHashTable) seen_tags = g_hash_table_new (g_str_hash,
      g_str_equal);
  g_autoptr (GString) tried = g_string_new (NULL);
  RncConll train = { 0 }, dev = { 0 };
  RncTrainOptions o;
  RncDataset ds = { 0 }, dv = { 0 };
  RncCell cell = RNC_CELL_LSTM;
  RncWeightInit init = RNC_WEIGHT_INIT_UNIFORM;
  size_t i, n_types, rare, min_count, E, H, L, n_unk, n_bad, d_unk = 0;
  size_t d_bad = 0, k_first, k_last, k, best_k = 0, n_ens;
  double best_acc = -1.0;
  int32_t pad = -1;
  int rc = 2;                   /* until the options are checked */

  rnc_train_options_init (&o, RNC_LOSS_CROSS_ENTROPY, RNC_OUTPUTS_ALL);
  o.epochs = 30;
  o.batch_size = 32;
  o.lr = 5e-3f;
  o.clip = 5.0f;
  o.patience = 4;
  o.lr_patience = 2;
  o.val_fraction = a->dev ? 0.0 : 0.1;
  o.alt_prob = a->rare_prob >= 0.0 ? (float) a->rare_prob : 0.5f;
  if (!rnc_train_apply_common (a, &o, &cell, &init, &err))
    goto failed;
  if (a->window >= 0) {
    g_set_error (&err, RNC_TRAIN_ERROR, RNC_TRAIN_ERROR_INVALID,
        "--window does not apply: every sentence is one sequence from a "
        "fresh state");
    goto failed;
  }
  if (a->dev)
    o.val_fraction = 0.0;
  rare = a->rare >= 0 ? (size_t) a->rare : 1;
  min_count = a->min_count >= 0 ? (size_t) a->min_count : 1;
  E = a->embed >= 0 ? (size_t) a->embed : 64;
  H = a->hidden > 0 ? (size_t) a->hidden : 128;
  L = a->layers > 0 ? (size_t) a->layers : 1;
  if (o.alt_prob > 1.0f) {
    g_set_error (&err, RNC_TRAIN_ERROR, RNC_TRAIN_ERROR_INVALID,
        "--rare-prob must be in [0, 1]");
    goto failed;
  }
  if (!parse_delay (a->delay, &k_first, &k_last, &err))
    goto failed;
  if (a->ensemble == 0 || a->ensemble > 16) {
    g_set_error (&err, RNC_TRAIN_ERROR, RNC_TRAIN_ERROR_INVALID,
        "--ensemble must be 1..16");
    goto failed;
  }
  n_ens = a->ensemble > 0 ? (size_t) a->ensemble : 3;
  if (k_last > k_first && o.val_fraction <= 0.0 && !a->dev) {
    g_set_error (&err, RNC_TRAIN_ERROR, RNC_TRAIN_ERROR_INVALID,
        "--delay auto chooses on validation data: give --dev or --val > 0, "
        "or a fixed --delay");
    goto failed;
  }
  rc = 1;

  if (!rnc_conll_read (a->data, &train, &err))
    goto failed;
  if (a->dev && !rnc_conll_read (a->dev, &dev, &err))
    goto failed;

  /* tags: sorted unique (byte order) */
  for (i = 0; i < train.tags->len; i++) {
    char *t = g_ptr_array_index (train.tags, i);
    if (!g_hash_table_contains (seen_tags, t)) {
      g_hash_table_add (seen_tags, t);
      g_ptr_array_add (tag_list, t);
    }
  }
  g_ptr_array_sort (tag_list, cmp_strp);
  for (i = 0; i < tag_list->len; i++)
    if (rnc_vocab_add (tags, g_ptr_array_index (tag_list, i), &err) < 0)
      goto failed;

  /* words: <unk>, the classes of rare words, then words by frequency */
  for (i = 0; i < train.words->len; i++)
    if (rnc_vocab_counter_add (counts, g_ptr_array_index (train.words, i)) < 0)
      goto too_many;
  rnc_vocab_add (vocab, RNC_VOCAB_UNK, NULL);
  /* the token that ends a sentence for a tagger with lookahead */
  if (k_last > 0 && (pad = rnc_vocab_add (vocab, PAD_TOKEN, &err)) < 0)
    goto failed;
  n_types = rnc_vocab_counter_get_size (counts);
  wc = g_new (WordCount, n_types);
  for (i = 0; i < n_types; i++) {
    wc[i].word = rnc_vocab_counter_get_token (counts, (int32_t) i);
    wc[i].count = rnc_vocab_counter_get_count (counts, wc[i].word);
    if (wc[i].count <= rare
        && !rnc_vocab_add_unknown_classes (vocab, wc[i].word, &err))
      goto failed;
  }
  qsort (wc, n_types, sizeof (WordCount), cmp_word_count);
  for (i = 0; i < n_types; i++)
    if (wc[i].count >= min_count && rnc_vocab_add (vocab, wc[i].word,
            &err) < 0)
      goto failed;

  ids = g_new (int32_t, train.words->len);
  alt = g_new (int32_t, train.words->len);
  labels = g_new (int32_t, train.words->len);
  encode_conll (&train, vocab, tags, counts, rare, ids, alt, labels, &n_unk,
      &n_bad);
  if (a->dev) {
    dids = g_new (int32_t, dev.words->len);
    dlabels = g_new (int32_t, dev.words->len);
    encode_conll (&dev, vocab, tags, counts, 0, dids, NULL, dlabels, &d_unk,
        &d_bad);
  }
  (void) n_unk;
  (void) n_bad;
  if (!a->quiet) {
    fprintf (stderr, "%s: %zu sentences, %u tokens, %zu word types, %zu tags;"
        " vocabulary %zu (words seen >= %zu times + unknown-word classes)\n",
        a->data, rnc_conll_get_n_sentences (&train), train.words->len,
        n_types, rnc_vocab_get_size (tags), rnc_vocab_get_size (vocab),
        min_count);
    if (a->dev)
      fprintf (stderr, "%s: %zu sentences, %u tokens, %zu unknown words "
          "(%.1f%%)%s; most-frequent-tag baseline %.2f%%\n", a->dev,
          rnc_conll_get_n_sentences (&dev), dev.words->len, d_unk,
          100.0 * d_unk / dev.words->len, d_bad ? ", tags unseen in training "
          "ignored" : "", 100.0 * most_frequent_tag_accuracy (&train, &dev,
              tags));
  }

  ds.n_seqs = rnc_conll_get_n_sentences (&train);
  ds.offsets = (const size_t *) train.offsets->data;
  ds.ids = ids;
  ds.alt_ids = alt;
  ds.labels = labels;
  if (a->dev) {
    dv.n_seqs = rnc_conll_get_n_sentences (&dev);
    dv.offsets = (const size_t *) dev.offsets->data;
    dv.ids = dids;
    dv.labels = dlabels;
  }

  /* one training per lookahead, from the same seed; the best validation
   * accuracy wins (ties: the shorter lookahead) */
  for (k = k_first; k <= k_last; k++) {
    g_autoptr (RncModel) cand = NULL;
    g_autoptr (RncTrainer) tr = NULL;
    Delayed dd = { 0 }, dvd = { 0 };
    RncDataset dsk, dvk;
    double acc = NAN;
    gboolean ok;

    cand = new_index_model (cell, rnc_vocab_get_size (vocab), E, H, L,
        rnc_vocab_get_size (tags), &err);
    if (!cand)
      goto failed;
    rnc_model_init_weights (cand, init, o.seed);
    delay_dataset (&ds, k, pad, &dd, &dsk);
    if (a->dev)
      delay_dataset (&dv, k, pad, &dvd, &dvk);
    if (!a->quiet && k_last > k_first)
      fprintf (stderr, "lookahead %zu:\n", k);
    tr = rnc_trainer_new (cand, &o, &dsk, a->dev ? &dvk : NULL, &err);
    ok = tr && rnc_trainer_fit (tr, rnc_train_print_epoch, a, &err);
    if (ok && rnc_trainer_get_n_val (tr) > 0)
      rnc_trainer_evaluate (tr, &acc);
    g_clear_pointer (&tr, rnc_trainer_free);
    delayed_clear (&dd);
    delayed_clear (&dvd);
    if (!ok)
      goto failed;
    if (!a->quiet && !isnan (acc))
      fprintf (stderr, "lookahead %zu: validation accuracy %.2f%%\n", k,
          100.0 * acc);
    g_string_append_printf (tried, "%s\"%zu\": %.6f", tried->len ? ", " : "",
        k, isnan (acc) ? -1.0 : acc);
    if (!model || (!isnan (acc) && acc > best_acc)) {
      g_clear_pointer (&model, rnc_model_free);
      model = g_steal_pointer (&cand);
      best_acc = isnan (acc) ? -1.0 : acc;
      best_k = k;
    }
  }
  if (!a->quiet && k_last > k_first)
    fprintf (stderr, "kept lookahead %zu: validation accuracy %.2f%%\n",
        best_k, 100.0 * best_acc);
  else if (!a->quiet && best_acc >= 0)
    fprintf (stderr, "validation accuracy %.2f%%\n", 100.0 * best_acc);

  /* more members from the next seeds, averaged in one model */
  if (n_ens > 1) {
    g_autoptr (GPtrArray) members = g_ptr_array_new_with_free_func (
        (GDestroyNotify) rnc_model_free);
    Delayed dd = { 0 }, dvd = { 0 };
    RncDataset dsk, dvk;
    RncTrainOptions om = o;
    RncModel *packed;
    double acc = NAN;

    delay_dataset (&ds, best_k, pad, &dd, &dsk);
    if (a->dev)
      delay_dataset (&dv, best_k, pad, &dvd, &dvk);
    g_ptr_array_add (members, g_steal_pointer (&model));
    for (i = 1; i < n_ens; i++) {
      g_autoptr (RncTrainer) tr = NULL;
      RncModel *mm = new_index_model (cell, rnc_vocab_get_size (vocab), E, H,
          L, rnc_vocab_get_size (tags), &err);
      if (!mm)
        break;
      g_ptr_array_add (members, mm);
      om.seed = o.seed + i;
      rnc_model_init_weights (mm, init, om.seed);
      if (!a->quiet)
        fprintf (stderr, "ensemble member %zu (seed %" G_GUINT64_FORMAT
            "):\n", i + 1, om.seed);
      tr = rnc_trainer_new (mm, &om, &dsk, a->dev ? &dvk : NULL, &err);
      if (!tr || !rnc_trainer_fit (tr, rnc_train_print_epoch, a, &err))
        break;
    }
    packed = i == n_ens ? rnc_model_new_ensemble ((RncModel *const *)
        members->pdata, n_ens, &err) : NULL;
    if (packed) {
      g_autoptr (RncTrainer) tr = rnc_trainer_new (packed, &o, &dsk,
          a->dev ? &dvk : NULL, &err);
      if (tr && rnc_trainer_get_n_val (tr) > 0)
        rnc_trainer_evaluate (tr, &acc);
      if (!a->quiet && !isnan (acc))
        fprintf (stderr, "ensemble of %zu: validation accuracy %.2f%%\n",
            n_ens, 100.0 * acc);
      if (!isnan (acc)) {
        g_autofree char *t = g_strdup_printf ("%.6f", acc);
        rnc_model_set_metadata (packed, "rnc.train.ensemble_val_accuracy",
            t);
      }
      model = packed;
    }
    delayed_clear (&dd);
    delayed_clear (&dvd);
    if (!model)
      goto failed;
  }

  vjson = rnc_vocab_to_json (vocab);
  tjson = rnc_vocab_to_json (tags);
  rnc_model_set_metadata (model, "rnc.vocab", vjson);
  rnc_model_set_metadata (model, "rnc.labels", tjson);
  rnc_model_set_metadata (model, "rnc.train.unknown", "signature");
  {
    g_autofree char *kt = g_strdup_printf ("%zu", best_k);
    g_autofree char *pt = g_strdup_printf ("%d", pad);
    g_autofree char *acc_json = g_strdup_printf ("{%s}", tried->str);
    rnc_model_set_metadata (model, "rnc.delay", kt);
    if (best_k > 0)
      rnc_model_set_metadata (model, "rnc.pad_id", pt);
    rnc_model_set_metadata (model, "rnc.train.delay_val_accuracy", acc_json);
    if (n_ens > 1) {
      g_autofree char *ne = g_strdup_printf ("%zu", n_ens);
      rnc_model_set_metadata (model, "rnc.train.ensemble", ne);
    }
    if (!rnc_model_parse_metadata (model, &err))
      goto failed;
  }
  if (!rnc_train_save (model, a, "tag", &err))
    goto failed;
  if (!a->quiet)
    fprintf (stderr, "run it (one word per line, a blank line between "
        "sentences): ... ! vocab-encode vocab=%s unknown=unk ! %s model=%s "
        "output=argmax ! vocab-decode vocab=%s ! ...\n", a->output,
        rnc_cell_to_string (cell), a->output, a->output);
  rc = 0;
  goto done;

too_many:
  g_set_error (&err, RNC_TRAIN_ERROR, RNC_TRAIN_ERROR_INVALID,
      "%s: more distinct words than the counter holds", a->data);
failed:
  fprintf (stderr, "rnc-train tag: %s\n", err->message);
done:
  rnc_conll_clear (&train);
  rnc_conll_clear (&dev);
  return rc;
}
