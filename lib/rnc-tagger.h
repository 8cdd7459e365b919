/* librnc: a whole sequence tagged offline, as a tagger is trained.
 *
 * A tagger (index input, classes head) with a lookahead of k frames
 * (rnc.delay, see rnc-model.h) is trained on each sentence of n tokens as
 * n + k frames: its ids, then k pad ids (rnc.pad_id); the tag of token i is
 * the output at frame i + k. rnc_tagger_forward() runs exactly that, in one
 * pass, from a fresh state. It is the reference that the streamed outputs
 * of RncRunner and the rnn/lstm elements (k frames late, flushed at the end
 * of a sentence) must equal, and what bench-tag scores. */
#pragma once

#include "rnc-state.h"

#include <stdint.h>

G_BEGIN_DECLS

/* Resets @state (batch 1) and runs @ids (n) then the model's k pad ids.
 * @logits (n, Q) (optional) receives the head output that belongs to each
 * token (frame i + k for token i), @tags (n) (optional) its argmax. FALSE,
 * with nothing written, when an id is outside the vocabulary. Allocates
 * its scratch (offline use). */
gboolean rnc_tagger_forward (RncState *state, const int32_t *ids, size_t n,
    float *logits, int32_t *tags);

/* (transfer full) One model that runs the @n models (same config, n >= 1)
 * side by side and averages their head outputs: hidden size n*H (and
 * embedding n*E), each member's units in their own block of every gate
 * (block-diagonal recurrent and upper-layer weights; layer 0 reads the
 * shared input, or the member's own embedding columns), head weights
 * stacked and divided by n, head bias the mean. Its logits are the mean of
 * the members' logits (up to rounding). Metadata: the first model's.
 * RNC_CONFIG_ERROR_INVALID when the configs differ or the packed size is
 * refused. */
RncModel *rnc_model_new_ensemble (RncModel *const *models, size_t n,
    GError **error);

G_END_DECLS
