/* librnc: backpropagation through time.
 *
 * An RncBptt is the training workspace of one model: a forward pass over a
 * batch of N sequences of T frames that keeps exactly what the backward pass
 * reads, the loss of a linear head (MSE or softmax cross-entropy), and the
 * backward pass that writes the gradient of the mean loss with respect to
 * every parameter into a block laid out like the model's parameters
 * (rnc_model_map_views works on it). Everything is allocated in _new for up
 * to max_batch x max_frames; forward and backward allocate nothing.
 *
 * The workspace reads the model's weights through its views at every call,
 * so an optimizer may update them in place between calls. The model must
 * outlive the workspace.
 *
 * Batched products go through OpenBLAS (rnc-blas.h): training has no
 * split-invariance requirement, and one GEMM over all T*N rows is what makes
 * it fast. Rows are time-major inside the workspace (row t*N + n is stream n
 * at frame t), so that the frames of one step are contiguous.
 */
#pragma once

#include "rnc-model.h"

#include <stdint.h>

G_BEGIN_DECLS

typedef enum {
  RNC_LOSS_MSE = 0,             /* mean over targets of (y - target)^2; regression head */
  RNC_LOSS_CROSS_ENTROPY = 1,   /* mean over labels of -log softmax (logits)[label]; classes head */
} RncLoss;

typedef enum {
  RNC_OUTPUTS_LAST = 0,         /* many-to-one: one target per sequence, at its last frame */
  RNC_OUTPUTS_ALL = 1,          /* many-to-many: one target per frame */
} RncOutputs;

/* One mini-batch. Inputs and targets are batch-major, as callers hold them.
 * Exactly one of x / ids (as the model's input kind) and one of targets /
 * labels (as the loss) is set. */
typedef struct {
  size_t N;                     /* sequences, 1..max_batch */
  size_t T;                     /* frames, 1..max_frames */
  const float *x;               /* (N, T, D) dense input in model units */
  const int32_t *ids;           /* (N, T) index input in [0, V) */
  const size_t *lengths;        /* (N) valid frames of each sequence (1..T), or
                                 * NULL for all T. Frames past a sequence's
                                 * length are padding: their input must still
                                 * be valid but they get no loss, and LAST
                                 * takes the frame at lengths[n] - 1. */
  const float *targets;         /* MSE: (N, Q) for LAST, (N, T, Q) for ALL */
  const int32_t *labels;        /* CE: (N) for LAST, (N, T) for ALL; a label
                                 * < 0 is ignored (no loss, no gradient) */
} RncBatch;

typedef struct _RncBptt RncBptt;

#define RNC_BPTT_ERROR (rnc_bptt_error_quark ())
GQuark rnc_bptt_error_quark (void);

typedef enum {
  RNC_BPTT_ERROR_INVALID,       /* loss does not fit the head, sizes out of range */
  RNC_BPTT_ERROR_FAILED,
} RncBpttError;

/* (transfer full) A workspace for @model (which needs a head: regression for
 * MSE, classes for cross-entropy) and batches of up to @max_batch sequences
 * of up to @max_frames frames. Fails with RNC_BPTT_ERROR_INVALID. */
RncBptt *rnc_bptt_new (const RncModel *model, RncLoss loss,
    RncOutputs outputs, size_t max_batch, size_t max_frames, GError **error);
void rnc_bptt_free (RncBptt *bptt);

const RncModel *rnc_bptt_get_model (const RncBptt *bptt);
RncLoss rnc_bptt_get_loss (const RncBptt *bptt);
RncOutputs rnc_bptt_get_outputs (const RncBptt *bptt);
size_t rnc_bptt_get_max_batch (const RncBptt *bptt);
size_t rnc_bptt_get_max_frames (const RncBptt *bptt);

/* Forward over @batch from the workspace's initial state (zeros unless
 * carried, see below), caching what the backward pass reads. Returns the mean
 * loss over the batch's targets: 0 when it has none, NAN when an id is out of
 * range (nothing else is computed then). Data trouble is the value, never an
 * error: the caller checks isfinite(). */
float rnc_bptt_forward (RncBptt *bptt, const RncBatch *batch);

/* Gradient of the last forward's mean loss: @grad (n_params floats, the
 * model's layout; padding is written as zero) is overwritten. Reads the
 * caches of the last rnc_bptt_forward, which must have returned a finite
 * loss; the truncation point is the batch's first frame (no gradient flows
 * into a carried initial state). */
void rnc_bptt_backward (RncBptt *bptt, float *grad);

/* What the last forward counted: targets that got a loss (labels >= 0 and
 * frames inside the lengths for CE; values for MSE), and for cross-entropy
 * how many had the label as their argmax. */
size_t rnc_bptt_get_n_targets (const RncBptt *bptt);
size_t rnc_bptt_get_n_correct (const RncBptt *bptt);

/* (transfer none) Head outputs of the last forward, time-major: row t*N + n
 * for ALL (T*N rows), row n for LAST (N rows); regression values, or softmax
 * probabilities for cross-entropy. Width Q. */
const float *rnc_bptt_peek_outputs (const RncBptt *bptt, size_t *n_rows);

/* Truncated BPTT over a long stream: after a forward, makes its last state
 * (frame T - 1 of every stream, every layer) the initial state of the next
 * forward, which must have the same N. rnc_bptt_reset_state returns to
 * zeros. */
void rnc_bptt_carry_state (RncBptt *bptt);
void rnc_bptt_reset_state (RncBptt *bptt);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RncBptt, rnc_bptt_free)

G_END_DECLS
