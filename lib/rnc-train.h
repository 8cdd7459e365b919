/* librnc: training loop over a dataset — seeded initialisation, mini-batches,
 * shuffling, validation, early stopping with patience (keeping the best
 * weights), learning-rate decay on plateau — on top of rnc-bptt and
 * rnc-adam.
 *
 * An RncTrainer allocates everything it needs in _new (workspace, gradient,
 * Adam moments, best weights, batch buffers); an epoch allocates nothing.
 * Two ways to cut a dataset into steps:
 *   SEQUENCES  every sequence starts from a zero state (windows, sentences);
 *              batches of whole sequences, padded to the longest in the
 *              batch, shuffled every epoch (and bucketed by length when the
 *              lengths differ).
 *   STREAM     all frames are one long stream (text): it is cut into
 *              batch_size parallel streams that advance bptt_frames frames
 *              per step, the state carried from step to step and reset at
 *              each epoch (truncated BPTT). Needs RNC_OUTPUTS_ALL.
 * The same seed, data and options give bit-identical weights. */
#pragma once

#include "rnc-bptt.h"

G_BEGIN_DECLS

#define RNC_TRAIN_ERROR (rnc_train_error_quark ())
GQuark rnc_train_error_quark (void);

typedef enum {
  RNC_TRAIN_ERROR_INVALID,      /* options or dataset do not fit the model */
  RNC_TRAIN_ERROR_DIVERGED,     /* a loss became NaN or infinite */
  RNC_TRAIN_ERROR_FAILED,
} RncTrainError;

typedef enum {
  RNC_WEIGHT_INIT_NORMAL = 0,   /* the notebook: weights (embedding too)
                                 * N(0, 1), biases 0 */
  RNC_WEIGHT_INIT_UNIFORM = 1,  /* weights (embedding too) U(-1/sqrt(H),
                                 * 1/sqrt(H)), biases 0 except the LSTM
                                 * forget gate's (1) */
} RncWeightInit;

/* Sets every parameter of @model from @seed (xoshiro256**, rnc-sample.h),
 * tensor by tensor in layout order; layout padding stays zero. */
void rnc_model_init_weights (RncModel *model, RncWeightInit init,
    guint64 seed);

typedef enum {
  RNC_TRAIN_SEQUENCES = 0,
  RNC_TRAIN_STREAM = 1,
} RncTrainMode;

typedef struct {
  RncLoss loss;
  RncOutputs outputs;
  RncTrainMode mode;
  size_t epochs;                /* upper bound on epochs (default 100) */
  size_t batch_size;            /* sequences (SEQUENCES) or parallel streams
                                 * (STREAM) per step; 0 = all sequences in one
                                 * batch (default 32) */
  size_t bptt_frames;           /* STREAM: frames per step (default 32) */
  float lr, beta1, beta2, epsilon;      /* Adam, Keras defaults */
  float clip;                   /* global-norm clip, 0 = none (default 0) */
  guint64 seed;                 /* shuffling and id substitution (default 0) */
  gboolean shuffle;             /* default TRUE */
  double val_fraction;          /* without a validation set: the last
                                 * fraction of the sequences (STREAM: of the
                                 * frames) is held out (default 0) */
  size_t patience;              /* stop after this many epochs without
                                 * improvement, 0 = never (default 0) */
  gboolean restore_best;        /* end with the best weights (default TRUE) */
  size_t lr_patience;           /* multiply lr by lr_factor after this many
                                 * epochs without improvement, 0 = never */
  float lr_factor;              /* default 0.5 */
  float min_lr;                 /* default 1e-5 */
  double min_delta;             /* relative improvement that counts
                                 * (default 1e-4) */
  float alt_prob;               /* chance that a training frame with an
                                 * alternative id uses it (default 0) */
} RncTrainOptions;

/* The defaults above, for @loss and @outputs. */
void rnc_train_options_init (RncTrainOptions *options, RncLoss loss,
    RncOutputs outputs);

/* Training data, borrowed by the trainer (it must outlive it). Inputs are
 * in model units (scale them first). Sequence s is frames
 * [offsets[s], offsets[s + 1]). */
typedef struct {
  size_t n_seqs;
  const size_t *offsets;        /* (n_seqs + 1), offsets[0] = 0, increasing */
  const float *x;               /* dense: (n_frames, D) */
  const int32_t *ids;           /* index: (n_frames) in [0, V) */
  const int32_t *alt_ids;       /* index, optional: (n_frames) an id to use
                                 * instead with probability alt_prob when
                                 * training (e.g. a rare word's unknown-word
                                 * class), < 0 = none */
  const float *targets;         /* MSE: (n_frames, Q) ALL, (n_seqs, Q) LAST */
  const int32_t *labels;        /* CE: (n_frames) ALL, (n_seqs) LAST; < 0 =
                                 * ignored */
} RncDataset;

size_t rnc_dataset_get_n_frames (const RncDataset *dataset);

/* Checks @dataset against @model and the loss/outputs: offsets, id and label
 * ranges, finite values. RNC_TRAIN_ERROR_INVALID names the first bad item. */
gboolean rnc_dataset_validate (const RncDataset *dataset,
    const RncModel *model, RncLoss loss, RncOutputs outputs, GError **error);

typedef struct {
  size_t epoch;                 /* 1-based */
  double train_loss;            /* mean over the epoch's targets, as the
                                 * weights moved (what Keras prints) */
  double train_accuracy;        /* cross-entropy: argmax hits; else NAN */
  double val_loss;              /* NAN without validation */
  double val_accuracy;          /* NAN without validation or for MSE */
  float lr;                     /* rate used during this epoch */
  double elapsed;               /* seconds since fit started */
  gboolean improved;            /* best monitored loss so far (validation
                                 * when there is one, else training) */
} RncEpochReport;

/* Called after every epoch; return FALSE to stop. */
typedef gboolean (*RncEpochFunc) (const RncEpochReport *report,
    gpointer user_data);

typedef struct _RncTrainer RncTrainer;

/* (transfer full) A trainer that updates @model's parameters in place
 * (@model must outlive it; initialise it first). @val may be NULL (then
 * options->val_fraction applies). Both datasets are validated. */
RncTrainer *rnc_trainer_new (RncModel *model, const RncTrainOptions *options,
    const RncDataset *train, const RncDataset *val, GError **error);
void rnc_trainer_free (RncTrainer *trainer);

/* Runs up to options->epochs epochs with early stopping and lr decay,
 * calling @func after each. Ends with the best weights when restore_best.
 * Fails with RNC_TRAIN_ERROR_DIVERGED when a loss is not finite (the best
 * weights so far, if any, are restored first). */
gboolean rnc_trainer_fit (RncTrainer *trainer, RncEpochFunc func,
    gpointer user_data, GError **error);

/* One training epoch; returns its mean loss (NAN when a step diverged) and
 * the accuracy (cross-entropy) in @accuracy (may be NULL). */
double rnc_trainer_train_epoch (RncTrainer *trainer, double *accuracy);
/* Loss (and accuracy) on the validation data with the current weights; NAN
 * without validation data. */
double rnc_trainer_evaluate (RncTrainer *trainer, double *accuracy);

size_t rnc_trainer_get_n_train (const RncTrainer *trainer);
size_t rnc_trainer_get_n_val (const RncTrainer *trainer);
/* After fit: the epoch whose weights were kept (0 = none improved) and its
 * monitored loss; the number of epochs run. */
size_t rnc_trainer_get_best_epoch (const RncTrainer *trainer);
double rnc_trainer_get_best_loss (const RncTrainer *trainer);
size_t rnc_trainer_get_epochs_run (const RncTrainer *trainer);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RncTrainer, rnc_trainer_free)

G_END_DECLS
