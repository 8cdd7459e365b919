/* librnc: the LSTM cell with gate blocks in the order i, f, o, g:
 *   a = x Wx + h Wh + b;  i, f, o = sigmoid (a_i, a_f, a_o);  g = tanh (a_g)
 *   c' = f * c + i * g;   h' = o * tanh (c') */
#pragma once

#include <glib.h>
#include <stddef.h>

G_BEGIN_DECLS

/* One step for N rows: x (N, D), h_prev/c_prev (N, H), Wx (D, 4H),
 * Wh (H, 4H), b (4H) -> h_next, c_next (N, H). scratch holds (N, 4H).
 * Outputs must not alias inputs. Allocates nothing. */
void rnc_lstm_step (size_t N, size_t D, size_t H, const float *x,
    const float *h_prev, const float *c_prev, const float *Wx,
    const float *Wh, const float *b, float *h_next, float *c_next,
    float *scratch);
void rnc_lstm_step_ref (size_t N, size_t D, size_t H, const float *x,
    const float *h_prev, const float *c_prev, const float *Wx,
    const float *Wh, const float *b, float *h_next, float *c_next);

/* The recurrent half: on entry a (N, 4H; row stride lda) holds x Wx + b; on
 * return c (N, H) is updated in place and h_next (N, H) written. a is
 * clobbered (it ends holding the activated gates i, f, o, g). */
void rnc_lstm_step_preact (size_t N, size_t H, float *a, size_t lda,
    const float *h_prev, const float *Wh, float *c, float *h_next);

G_END_DECLS
