/* librnc: the vanilla tanh RNN cell, h' = tanh (x Wx + h Wh + bh). */
#pragma once

#include <glib.h>
#include <stddef.h>

G_BEGIN_DECLS

/* One step for N rows: x (N, D), h_prev (N, H), Wx (D, H), Wh (H, H), bh (H)
 * -> h_next (N, H). h_next must not alias x or h_prev. Allocates nothing. */
void rnc_rnn_step (size_t N, size_t D, size_t H, const float *x,
    const float *h_prev, const float *Wx, const float *Wh, const float *bh,
    float *h_next);
void rnc_rnn_step_ref (size_t N, size_t D, size_t H, const float *x,
    const float *h_prev, const float *Wx, const float *Wh, const float *bh,
    float *h_next);

/* The recurrent half, used by the sequence forward: on entry a (N, H; row
 * stride lda) holds x Wx + bh; on return h_next (N, H) = tanh (a + h_prev Wh).
 * a is clobbered. */
void rnc_rnn_step_preact (size_t N, size_t H, float *a, size_t lda,
    const float *h_prev, const float *Wh, float *h_next);

G_END_DECLS
