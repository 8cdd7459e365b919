/* librnc: sequence generation by feeding predictions back. */
#pragma once

#include "rnc-sample.h"
#include "rnc-state.h"

G_BEGIN_DECLS

/* For each of the state's N streams, from seed frames x0 (N, D), T times:
 * advance one frame on x, y = head (h), out[n, t] = y, x = y (the seed's Q8).
 * Raw units in and out: the model's input/output scaling is applied around
 * every step. Needs a regression head with Q == D. The state is not reset
 * first (reset it to choose h0). Allocates nothing. */
void rnc_generate (RncState *state, const float *x0, size_t T, float *out);

/* For a class model with index input and a head whose classes are input ids
 * (a language model): from the state after the prompt and the logits of the
 * last prompt frame (V), draws the next id, feeds it back, and so on until
 * @length ids were written to @out or the id @stop_id (if >= 0) was drawn,
 * which is written too. @logits (V) is scratch and ends holding the last
 * logits. Returns the number of ids written. Allocates nothing. */
size_t rnc_generate_ids (RncState *state, RncSampler *sampler, float *logits,
    float temperature, size_t top_k, int32_t stop_id, size_t length,
    int32_t *out);

G_END_DECLS
