/* librnc: forward passes of a whole model (stacked layers + head) over a
 * sequence, carrying the state. */
#pragma once

#include "rnc-state.h"

#include <stdint.h>

G_BEGIN_DECLS

/* Runs T frames of dense input for each of the state's N streams.
 *   x      (N, T, D)  model units (apply rnc_model_scale_input first)
 *   hidden (N, T, H)  top layer's h at every frame, or NULL
 *   y      (N, T, Q)  head output at every frame (regression values or
 *                     logits; no softmax), or NULL
 * The state advances by T frames. The input projection of each chunk of up
 * to max_frames frames is one product, then the recurrence runs per frame
 * (a one-frame chunk fuses both); all on the library's SIMD kernels over
 * the model's packed weights (docs/performance.md). Any split of a stream
 * into calls, and any batch it runs in, gives bit-identical results.
 * Allocates nothing. */
void rnc_forward (RncState *state, const float *x, size_t T, float *hidden,
    float *y);

/* As rnc_forward for index-input models, ids (N, T) in [0, V): gathers rows of
 * the embedding or of layer 0's Wx instead of a one-hot product. Returns FALSE
 * without touching the state when an id is out of range. */
gboolean rnc_forward_ids (RncState *state, const int32_t *ids, size_t T,
    float *hidden, float *y);

/* Linear head on any rows: h (n, H) -> y (n, Q). The model must have a head. */
void rnc_head_forward (const RncModel *model, const float *h, size_t n,
    float *y);

/* Scalar reference of rnc_forward / rnc_forward_ids / rnc_head_forward: naive
 * loops accumulating in double, no BLAS, no SIMD. For tests and benchmarks
 * only (it allocates). */
void rnc_forward_ref (RncState *state, const float *x, size_t T,
    float *hidden, float *y);
gboolean rnc_forward_ids_ref (RncState *state, const int32_t *ids, size_t T,
    float *hidden, float *y);
void rnc_head_forward_ref (const RncModel *model, const float *h, size_t n,
    float *y);

/* Returns the index of the first id outside [0, V), or (size_t) -1. */
size_t rnc_model_find_bad_id (const RncModel *model, const int32_t *ids,
    size_t n);

G_END_DECLS
