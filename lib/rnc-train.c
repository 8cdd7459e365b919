/* librnc: the training loop. */
#include "rnc-train.h"

#include "rnc-adam.h"
#include "rnc-sample.h"

#include <math.h>
#include <string.h>

G_DEFINE_QUARK (rnc-train-error-quark, rnc_train_error)

/* Sequences sorted by length together when bucketing: this many batches. */
#define BUCKET_BATCHES 50

/* ---- initialisation ---------------------------------------------------- */

static void
fill_normal (RncRng *rng, float *p, size_t n)
{
  size_t i;

  for (i = 0; i < n; i++)
    p[i] = rnc_rng_normal (rng);
}

static void
fill_uniform (RncRng *rng, float *p, size_t n, float a)
{
  size_t i;

  for (i = 0; i < n; i++)
    p[i] = (2.0f * rnc_rng_uniform (rng) - 1.0f) * a;
}

void
rnc_model_init_weights (RncModel *model, RncWeightInit init, guint64 seed)
{
  const RncModelConfig *c;
  const RncParamViews *v;
  size_t G, H, GH, l;
  float *params, a;
  size_t n;
  RncRng rng;

  g_return_if_fail (model != NULL);
  c = rnc_model_get_config (model);
  v = rnc_model_get_views (model);
  G = rnc_cell_gates (c->cell);
  H = c->hidden_size;
  GH = G * H;
  a = 1.0f / sqrtf ((float) H);
  params = rnc_model_get_params (model, &n);
  memset (params, 0, n * sizeof (float));
  rnc_rng_init (&rng, seed);

  if (v->embedding) {
    /* small embeddings regularise: N(0, 1) rows make a tagger overfit by a
     * point of accuracy (measured on the treebank dev split) */
    if (init == RNC_WEIGHT_INIT_NORMAL)
      fill_normal (&rng, v->embedding, c->input_size * c->embed_size);
    else
      fill_uniform (&rng, v->embedding, c->input_size * c->embed_size, a);
  }
  for (l = 0; l < c->num_layers; l++) {
    size_t nx = v->layer[l].in * GH;
    if (init == RNC_WEIGHT_INIT_NORMAL) {
      fill_normal (&rng, v->layer[l].Wx, nx);
      fill_normal (&rng, v->layer[l].Wh, H * GH);
    } else {
      size_t j;
      fill_uniform (&rng, v->layer[l].Wx, nx, a);
      fill_uniform (&rng, v->layer[l].Wh, H * GH, a);
      if (G == 4)
        for (j = H; j < 2 * H; j++)
          v->layer[l].bh[j] = 1.0f;
    }
  }
  if (v->Wo) {
    if (init == RNC_WEIGHT_INIT_NORMAL)
      fill_normal (&rng, v->Wo, H * c->output_size);
    else
      fill_uniform (&rng, v->Wo, H * c->output_size, a);
  }
}

/* ---- options and datasets ---------------------------------------------- */

void
rnc_train_options_init (RncTrainOptions *o, RncLoss loss, RncOutputs outputs)
{
  memset (o, 0, sizeof (*o));
  o->loss = loss;
  o->outputs = outputs;
  o->mode = RNC_TRAIN_SEQUENCES;
  o->epochs = 100;
  o->batch_size = 32;
  o->bptt_frames = 32;
  o->lr = RNC_ADAM_DEFAULT_LR;
  o->beta1 = RNC_ADAM_DEFAULT_BETA1;
  o->beta2 = RNC_ADAM_DEFAULT_BETA2;
  o->epsilon = RNC_ADAM_DEFAULT_EPSILON;
  o->shuffle = TRUE;
  o->restore_best = TRUE;
  o->lr_factor = 0.5f;
  o->min_lr = 1e-5f;
  o->min_delta = 1e-4;
}

size_t
rnc_dataset_get_n_frames (const RncDataset *ds)
{
  return ds->offsets ? ds->offsets[ds->n_seqs] : 0;
}

gboolean
rnc_dataset_validate (const RncDataset *ds, const RncModel *model,
    RncLoss loss, RncOutputs outputs, GError **error)
{
  const RncModelConfig *c = rnc_model_get_config (model);
  size_t s, i, F, D = c->input_size, Q = c->output_size, n_tg;

  if (ds->n_seqs < 1 || !ds->offsets || ds->offsets[0] != 0)
    goto empty;
  for (s = 0; s < ds->n_seqs; s++)
    if (ds->offsets[s + 1] <= ds->offsets[s])
      goto bad_offsets;
  F = ds->offsets[ds->n_seqs];

  if (c->input == RNC_INPUT_DENSE) {
    if (!ds->x)
      goto missing_input;
    for (i = 0; i < F * D; i++)
      if (!isfinite (ds->x[i]))
        goto bad_x;
  } else {
    if (!ds->ids)
      goto missing_input;
    for (i = 0; i < F; i++)
      if (ds->ids[i] < 0 || (size_t) ds->ids[i] >= c->input_size)
        goto bad_id;
    if (ds->alt_ids)
      for (i = 0; i < F; i++)
        if (ds->alt_ids[i] >= 0 && (size_t) ds->alt_ids[i] >= c->input_size)
          goto bad_alt;
  }

  n_tg = outputs == RNC_OUTPUTS_ALL ? F : ds->n_seqs;
  if (loss == RNC_LOSS_MSE) {
    if (!ds->targets)
      goto missing_targets;
    for (i = 0; i < n_tg * Q; i++)
      if (!isfinite (ds->targets[i]))
        goto bad_target;
  } else {
    if (!ds->labels)
      goto missing_targets;
    for (i = 0; i < n_tg; i++)
      if (ds->labels[i] >= 0 && (size_t) ds->labels[i] >= Q)
        goto bad_label;
  }
  return TRUE;

  /* ERRORS */
empty:
  g_set_error (error, RNC_TRAIN_ERROR, RNC_TRAIN_ERROR_INVALID,
      "the dataset has no sequences");
  return FALSE;
bad_offsets:
  g_set_error (error, RNC_TRAIN_ERROR, RNC_TRAIN_ERROR_INVALID,
      "sequence %zu is empty or its offsets decrease", s);
  return FALSE;
missing_input:
  g_set_error (error, RNC_TRAIN_ERROR, RNC_TRAIN_ERROR_INVALID,
      "the dataset lacks the model's %s input",
      rnc_input_to_string (c->input));
  return FALSE;
bad_x:
  g_set_error (error, RNC_TRAIN_ERROR, RNC_TRAIN_ERROR_INVALID,
      "input value %zu of frame %zu is not finite", i % D, i / D);
  return FALSE;
bad_id:
  g_set_error (error, RNC_TRAIN_ERROR, RNC_TRAIN_ERROR_INVALID,
      "id %d of frame %zu is outside 0..%zu", ds->ids[i], i,
      c->input_size - 1);
  return FALSE;
bad_alt:
  g_set_error (error, RNC_TRAIN_ERROR, RNC_TRAIN_ERROR_INVALID,
      "alternative id %d of frame %zu is outside 0..%zu", ds->alt_ids[i], i,
      c->input_size - 1);
  return FALSE;
missing_targets:
  g_set_error (error, RNC_TRAIN_ERROR, RNC_TRAIN_ERROR_INVALID,
      "the dataset lacks %s", loss == RNC_LOSS_MSE ? "targets" : "labels");
  return FALSE;
bad_target:
  g_set_error (error, RNC_TRAIN_ERROR, RNC_TRAIN_ERROR_INVALID,
      "target value %zu of %s %zu is not finite", i % Q,
      outputs == RNC_OUTPUTS_ALL ? "frame" : "sequence", i / Q);
  return FALSE;
bad_label:
  g_set_error (error, RNC_TRAIN_ERROR, RNC_TRAIN_ERROR_INVALID,
      "label %d of %s %zu is outside 0..%zu", ds->labels[i],
      outputs == RNC_OUTPUTS_ALL ? "frame" : "sequence", i, Q - 1);
  return FALSE;
}

/* ---- the trainer ------------------------------------------------------- */

struct _RncTrainer
{
  RncModel *model;
  RncTrainOptions o;
  RncDataset train;
  RncDataset val;               /* valid when n_val > 0 */
  size_t n_train;               /* SEQUENCES: sequences; STREAM: frames */
  size_t val_first, n_val;      /* the same units, within val */
  size_t D, Q, V, B, max_t, n_params;
  gboolean dense, varying;

  RncBptt *bptt;
  RncAdam *adam;
  float *grad;                  /* (n_params) */
  float *best;                  /* (n_params) best weights so far */
  RncRng rng;

  size_t *perm;                 /* (n_train) training sequence order */
  size_t *border;               /* (n_batches) batch order */
  size_t *vidx;                 /* (B) validation sequences of one batch */
  size_t n_batches;

  /* one batch, batch-major */
  float *bx;                    /* (B, max_t, D) */
  int32_t *bids;                /* (B, max_t) */
  size_t *blen;                 /* (B) */
  float *btargets;              /* (B, max_t, Q) or (B, Q) */
  int32_t *blabels;             /* (B, max_t) or (B) */

  size_t best_epoch, epochs_run;
  double best_loss;
};

static size_t
seq_len (const RncDataset *ds, size_t s)
{
  return ds->offsets[s + 1] - ds->offsets[s];
}

RncTrainer *
rnc_trainer_new (RncModel *model, const RncTrainOptions *o,
    const RncDataset *train, const RncDataset *val, GError **error)
{
  const RncModelConfig *c;
  RncTrainer *t;
  size_t s, max_t = 0, B, n_train, n_val = 0, val_first = 0, rows;
  gboolean stream;

  g_return_val_if_fail (model != NULL && o != NULL && train != NULL, NULL);
  c = rnc_model_get_config (model);
  stream = o->mode == RNC_TRAIN_STREAM;

  if (o->epochs < 1)
    goto bad_epochs;
  if (!(o->lr > 0.0f) || !(o->val_fraction >= 0.0 && o->val_fraction < 1.0)
      || !(o->clip >= 0.0f) || !(o->alt_prob >= 0.0f && o->alt_prob <= 1.0f)
      || !(o->lr_factor > 0.0f && o->lr_factor <= 1.0f))
    goto bad_rate;
  if (stream && (o->outputs != RNC_OUTPUTS_ALL || o->bptt_frames < 1))
    goto bad_stream;
  if (!rnc_dataset_validate (train, model, o->loss, o->outputs, error))
    return NULL;
  if (val && !rnc_dataset_validate (val, model, o->loss, o->outputs, error))
    return NULL;

  if (!stream) {
    n_train = train->n_seqs;
    if (val) {
      n_val = val->n_seqs;
    } else if (o->val_fraction > 0.0 && train->n_seqs >= 2) {
      n_val = MAX (1, (size_t) (o->val_fraction * (double) train->n_seqs));
      n_val = MIN (n_val, train->n_seqs - 1);
      n_train -= n_val;
      val_first = n_train;
    }
    B = o->batch_size == 0 ? n_train : MIN (o->batch_size, n_train);
    for (s = 0; s < train->n_seqs; s++)
      max_t = MAX (max_t, seq_len (train, s));
    if (val)
      for (s = 0; s < val->n_seqs; s++)
        max_t = MAX (max_t, seq_len (val, s));
  } else {
    size_t F = rnc_dataset_get_n_frames (train);
    n_train = F;
    if (val) {
      n_val = rnc_dataset_get_n_frames (val);
    } else if (o->val_fraction > 0.0 && F >= 4) {
      n_val = MAX (2, (size_t) (o->val_fraction * (double) F));
      n_val = MIN (n_val, F - 2);
      n_train -= n_val;
      val_first = n_train;
    }
    B = MAX (1, o->batch_size);
    /* every stream needs at least two frames */
    B = MIN (B, n_train / 2);
    if (B < 1)
      goto too_short;
    max_t = o->bptt_frames;
  }

  t = g_new0 (RncTrainer, 1);
  t->model = model;
  t->o = *o;
  t->train = *train;
  if (n_val > 0)
    t->val = val ? *val : *train;
  t->n_train = n_train;
  t->n_val = n_val;
  t->val_first = val_first;
  t->dense = c->input == RNC_INPUT_DENSE;
  t->D = t->dense ? c->input_size : 1;
  t->V = c->input_size;
  t->Q = c->output_size;
  t->B = B;
  t->max_t = max_t;
  rnc_model_peek_params (model, &t->n_params);

  t->bptt = rnc_bptt_new (model, o->loss, o->outputs, B, max_t, error);
  if (!t->bptt) {
    rnc_trainer_free (t);
    return NULL;
  }
  t->adam = rnc_adam_new (t->n_params);
  rnc_adam_set_lr (t->adam, o->lr);
  rnc_adam_set_betas (t->adam, o->beta1, o->beta2);
  rnc_adam_set_epsilon (t->adam, o->epsilon);
  t->grad = g_new0 (float, t->n_params);
  t->best = g_new0 (float, t->n_params);
  rnc_rng_init (&t->rng, o->seed);

  if (!stream) {
    t->perm = g_new (size_t, n_train);
    for (s = 0; s < n_train; s++)
      t->perm[s] = s;
    t->n_batches = (n_train + B - 1) / B;
    t->border = g_new (size_t, t->n_batches);
    t->vidx = g_new (size_t, B);
    for (s = 1; s < train->n_seqs; s++)
      if (seq_len (train, s) != seq_len (train, 0))
        t->varying = TRUE;
  }

  rows = B * max_t;
  if (t->dense)
    t->bx = g_new0 (float, rows * t->D);
  else
    t->bids = g_new0 (int32_t, rows);
  t->blen = g_new0 (size_t, B);
  if (o->loss == RNC_LOSS_MSE)
    t->btargets = g_new0 (float,
        (o->outputs == RNC_OUTPUTS_ALL ? rows : B) * t->Q);
  else
    t->blabels = g_new0 (int32_t, o->outputs == RNC_OUTPUTS_ALL ? rows : B);
  t->best_loss = INFINITY;
  return t;

  /* ERRORS */
bad_epochs:
  g_set_error (error, RNC_TRAIN_ERROR, RNC_TRAIN_ERROR_INVALID,
      "the number of epochs must be at least 1");
  return NULL;
bad_rate:
  g_set_error (error, RNC_TRAIN_ERROR, RNC_TRAIN_ERROR_INVALID,
      "learning rate must be > 0, validation fraction in [0, 1), clip >= 0,"
      " substitution probability in [0, 1] and decay factor in (0, 1]");
  return NULL;
bad_stream:
  g_set_error (error, RNC_TRAIN_ERROR, RNC_TRAIN_ERROR_INVALID,
      "stream training needs a target at every frame and bptt frames >= 1");
  return NULL;
too_short:
  g_set_error (error, RNC_TRAIN_ERROR, RNC_TRAIN_ERROR_INVALID,
      "%zu training frames are too few for stream training", n_train);
  return NULL;
}

void
rnc_trainer_free (RncTrainer *t)
{
  if (!t)
    return;
  rnc_bptt_free (t->bptt);
  rnc_adam_free (t->adam);
  g_free (t->grad);
  g_free (t->best);
  g_free (t->perm);
  g_free (t->border);
  g_free (t->vidx);
  g_free (t->bx);
  g_free (t->bids);
  g_free (t->blen);
  g_free (t->btargets);
  g_free (t->blabels);
  g_free (t);
}

size_t
rnc_trainer_get_n_train (const RncTrainer *t)
{
  return t->n_train;
}

size_t
rnc_trainer_get_n_val (const RncTrainer *t)
{
  return t->n_val;
}

size_t
rnc_trainer_get_best_epoch (const RncTrainer *t)
{
  return t->best_epoch;
}

double
rnc_trainer_get_best_loss (const RncTrainer *t)
{
  return t->best_loss;
}

size_t
rnc_trainer_get_epochs_run (const RncTrainer *t)
{
  return t->epochs_run;
}

static size_t
rng_below (RncRng *rng, size_t n)
{
  return (size_t) (rnc_rng_next (rng) % n);
}

static void
shuffle (RncRng *rng, size_t *a, size_t n)
{
  size_t i;

  for (i = n; i > 1; i--) {
    size_t j = rng_below (rng, i), tmp = a[i - 1];
    a[i - 1] = a[j];
    a[j] = tmp;
  }
}

/* Shell sort of sequence indices by (length, index): deterministic and
 * allocation-free. */
static void
sort_by_length (const RncDataset *ds, size_t *a, size_t n)
{
  static const size_t gaps[] = { 701, 301, 132, 57, 23, 10, 4, 1 };
  size_t gi, i;

  for (gi = 0; gi < G_N_ELEMENTS (gaps); gi++) {
    size_t gap = gaps[gi];
    for (i = gap; i < n; i++) {
      size_t v = a[i], lv = seq_len (ds, v), j = i;
      while (j >= gap) {
        size_t u = a[j - gap], lu = seq_len (ds, u);
        if (lu < lv || (lu == lv && u < v))
          break;
        a[j] = u;
        j -= gap;
      }
      a[j] = v;
    }
  }
}

/* Copies sequences @idx (n, within @ds) into the batch buffers, padded to
 * their longest; returns that length. @substitute applies alt_ids. */
static size_t
assemble_sequences (RncTrainer *t, const RncDataset *ds, const size_t *idx,
    size_t n, gboolean substitute)
{
  size_t D = t->D, Q = t->Q, Tb = 0, i, k;
  gboolean all = t->o.outputs == RNC_OUTPUTS_ALL;

  for (i = 0; i < n; i++)
    Tb = MAX (Tb, seq_len (ds, idx[i]));
  for (i = 0; i < n; i++) {
    size_t s = idx[i], f0 = ds->offsets[s], len = seq_len (ds, s);
    t->blen[i] = len;
    if (t->dense) {
      memcpy (t->bx + i * Tb * D, ds->x + f0 * D, len * D * sizeof (float));
      memset (t->bx + (i * Tb + len) * D, 0, (Tb - len) * D * sizeof (float));
    } else {
      for (k = 0; k < Tb; k++) {
        int32_t id = 0;
        if (k < len) {
          id = ds->ids[f0 + k];
          if (substitute && ds->alt_ids && ds->alt_ids[f0 + k] >= 0
              && rnc_rng_uniform (&t->rng) < t->o.alt_prob)
            id = ds->alt_ids[f0 + k];
        }
        t->bids[i * Tb + k] = id;
      }
    }
    if (t->btargets) {
      if (all) {
        memcpy (t->btargets + i * Tb * Q, ds->targets + f0 * Q,
            len * Q * sizeof (float));
        memset (t->btargets + (i * Tb + len) * Q, 0,
            (Tb - len) * Q * sizeof (float));
      } else {
        memcpy (t->btargets + i * Q, ds->targets + s * Q, Q * sizeof (float));
      }
    } else {
      if (all)
        for (k = 0; k < Tb; k++)
          t->blabels[i * Tb + k] = k < len ? ds->labels[f0 + k] : -1;
      else
        t->blabels[i] = ds->labels[s];
    }
  }
  return Tb;
}

/* Copies frames [first + s*stride + k0, +Tc) of every stream s < n. */
static void
assemble_stream (RncTrainer *t, const RncDataset *ds, size_t first,
    size_t stride, size_t n, size_t k0, size_t Tc, gboolean substitute)
{
  size_t D = t->D, Q = t->Q, i, k;

  for (i = 0; i < n; i++) {
    size_t f0 = first + i * stride + k0;
    t->blen[i] = Tc;
    if (t->dense) {
      memcpy (t->bx + i * Tc * D, ds->x + f0 * D, Tc * D * sizeof (float));
    } else {
      for (k = 0; k < Tc; k++) {
        int32_t id = ds->ids[f0 + k];
        if (substitute && ds->alt_ids && ds->alt_ids[f0 + k] >= 0
            && rnc_rng_uniform (&t->rng) < t->o.alt_prob)
          id = ds->alt_ids[f0 + k];
        t->bids[i * Tc + k] = id;
      }
    }
    if (t->btargets)
      memcpy (t->btargets + i * Tc * Q, ds->targets + f0 * Q,
          Tc * Q * sizeof (float));
    else
      memcpy (t->blabels + i * Tc, ds->labels + f0, Tc * sizeof (int32_t));
  }
}

static float
run_batch (RncTrainer *t, size_t N, size_t T, gboolean train)
{
  RncBatch batch = { 0 };
  float loss;

  batch.N = N;
  batch.T = T;
  batch.x = t->bx;
  batch.ids = t->bids;
  batch.lengths = t->blen;
  batch.targets = t->btargets;
  batch.labels = t->blabels;
  loss = rnc_bptt_forward (t->bptt, &batch);
  if (train && isfinite (loss) && rnc_bptt_get_n_targets (t->bptt) > 0) {
    rnc_bptt_backward (t->bptt, t->grad);
    if (t->o.clip > 0.0f)
      rnc_grad_clip_global_norm (t->grad, t->n_params, t->o.clip);
    rnc_adam_update (t->adam, rnc_model_get_params (t->model, NULL), t->grad);
  }
  return loss;
}

typedef struct {
  double sum;
  size_t n, correct;
  gboolean bad;
} Tally;

static void
tally_add (Tally *ty, RncTrainer *t, float loss)
{
  size_t n = rnc_bptt_get_n_targets (t->bptt);

  if (!isfinite (loss)) {
    ty->bad = TRUE;
    return;
  }
  ty->sum += (double) loss * (double) n;
  ty->n += n;
  ty->correct += rnc_bptt_get_n_correct (t->bptt);
}

static double
tally_result (const Tally *ty, RncTrainer *t, double *accuracy)
{
  if (accuracy)
    *accuracy = t->o.loss == RNC_LOSS_CROSS_ENTROPY && ty->n > 0 && !ty->bad ?
        (double) ty->correct / (double) ty->n : NAN;
  if (ty->bad)
    return NAN;
  return ty->n > 0 ? ty->sum / (double) ty->n : 0.0;
}

/* One pass of stream data [first, first + n_frames) as up to t->B parallel
 * streams, state carried; trains when @train. */
static void
stream_pass (RncTrainer *t, const RncDataset *ds, size_t first,
    size_t n_frames, gboolean train, Tally *ty)
{
  size_t Tb = t->max_t, S, L, k0;

  S = MIN (t->B, MAX (1, n_frames / MAX (Tb, 2)));
  L = n_frames / S;
  rnc_bptt_reset_state (t->bptt);
  for (k0 = 0; k0 < L && !ty->bad; k0 += Tb) {
    size_t Tc = MIN (Tb, L - k0);
    float loss;
    assemble_stream (t, ds, first, L, S, k0, Tc, train);
    loss = run_batch (t, S, Tc, train);
    tally_add (ty, t, loss);
    if (isfinite (loss))
      rnc_bptt_carry_state (t->bptt);
  }
  rnc_bptt_reset_state (t->bptt);
}

double
rnc_trainer_train_epoch (RncTrainer *t, double *accuracy)
{
  Tally ty = { 0 };
  size_t b;

  g_return_val_if_fail (t != NULL, NAN);

  if (t->o.mode == RNC_TRAIN_STREAM) {
    /* a random start shifts the truncation points from epoch to epoch */
    size_t skip = 0;
    if (t->o.shuffle && t->n_train / t->B > t->max_t)
      skip = rng_below (&t->rng, t->max_t);
    stream_pass (t, &t->train, skip, t->n_train - skip, TRUE, &ty);
    return tally_result (&ty, t, accuracy);
  }

  if (t->o.shuffle) {
    shuffle (&t->rng, t->perm, t->n_train);
    if (t->varying) {
      size_t chunk = BUCKET_BATCHES * t->B, i;
      for (i = 0; i < t->n_train; i += chunk)
        sort_by_length (&t->train, t->perm + i, MIN (chunk, t->n_train - i));
    }
  }
  for (b = 0; b < t->n_batches; b++)
    t->border[b] = b;
  if (t->o.shuffle && t->varying)
    shuffle (&t->rng, t->border, t->n_batches);

  for (b = 0; b < t->n_batches && !ty.bad; b++) {
    size_t first = t->border[b] * t->B;
    size_t n = MIN (t->B, t->n_train - first), T;
    float loss;
    T = assemble_sequences (t, &t->train, t->perm + first, n, TRUE);
    loss = run_batch (t, n, T, TRUE);
    tally_add (&ty, t, loss);
  }
  return tally_result (&ty, t, accuracy);
}

double
rnc_trainer_evaluate (RncTrainer *t, double *accuracy)
{
  Tally ty = { 0 };
  size_t first;

  g_return_val_if_fail (t != NULL, NAN);
  if (accuracy)
    *accuracy = NAN;
  if (t->n_val == 0)
    return NAN;

  if (t->o.mode == RNC_TRAIN_STREAM) {
    stream_pass (t, &t->val, t->val_first, t->n_val, FALSE, &ty);
    return tally_result (&ty, t, accuracy);
  }

  for (first = 0; first < t->n_val && !ty.bad; first += t->B) {
    size_t n = MIN (t->B, t->n_val - first), T, i;
    float loss;
    for (i = 0; i < n; i++)
      t->vidx[i] = t->val_first + first + i;
    T = assemble_sequences (t, &t->val, t->vidx, n, FALSE);
    loss = run_batch (t, n, T, FALSE);
    tally_add (&ty, t, loss);
  }
  return tally_result (&ty, t, accuracy);
}

gboolean
rnc_trainer_fit (RncTrainer *t, RncEpochFunc func, gpointer user_data,
    GError **error)
{
  float *params;
  size_t epoch, since_best = 0, since_decay = 0;
  gint64 start = g_get_monotonic_time ();

  g_return_val_if_fail (t != NULL, FALSE);
  params = rnc_model_get_params (t->model, NULL);
  t->best_epoch = 0;
  t->best_loss = INFINITY;
  t->epochs_run = 0;

  for (epoch = 1; epoch <= t->o.epochs; epoch++) {
    RncEpochReport r = { 0 };
    double monitor;
    gboolean go_on = TRUE;

    r.epoch = epoch;
    r.lr = rnc_adam_get_lr (t->adam);
    r.train_loss = rnc_trainer_train_epoch (t, &r.train_accuracy);
    t->epochs_run = epoch;
    if (!isfinite (r.train_loss))
      goto diverged;
    r.val_loss = rnc_trainer_evaluate (t, &r.val_accuracy);
    if (t->n_val > 0 && !isfinite (r.val_loss))
      goto diverged;
    r.elapsed = (double) (g_get_monotonic_time () - start) / 1e6;

    monitor = t->n_val > 0 ? r.val_loss : r.train_loss;
    if (monitor < t->best_loss - t->o.min_delta * fabs (t->best_loss)
        || t->best_epoch == 0) {
      t->best_loss = monitor;
      t->best_epoch = epoch;
      memcpy (t->best, params, t->n_params * sizeof (float));
      since_best = since_decay = 0;
      r.improved = TRUE;
    } else {
      since_best++;
      since_decay++;
    }
    if (func)
      go_on = func (&r, user_data);
    if (!go_on)
      break;
    if (t->o.patience > 0 && since_best >= t->o.patience)
      break;
    if (t->o.lr_patience > 0 && since_decay >= t->o.lr_patience) {
      float lr = MAX (rnc_adam_get_lr (t->adam) * t->o.lr_factor, t->o.min_lr);
      rnc_adam_set_lr (t->adam, lr);
      since_decay = 0;
    }
  }
  if (t->o.restore_best && t->best_epoch > 0) {
    memcpy (params, t->best, t->n_params * sizeof (float));
    rnc_model_params_changed (t->model);
  }
  return TRUE;

  /* ERRORS */
diverged:
  if (t->o.restore_best && t->best_epoch > 0) {
    memcpy (params, t->best, t->n_params * sizeof (float));
    rnc_model_params_changed (t->model);
  }
  g_set_error (error, RNC_TRAIN_ERROR, RNC_TRAIN_ERROR_DIVERGED,
      "training diverged in epoch %zu (the loss is not finite); try a lower"
      " learning rate or gradient clipping", epoch);
  return FALSE;
}
