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

G_END_DECLS
