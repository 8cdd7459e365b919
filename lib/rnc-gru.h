/* librnc: the GRU cell with gate blocks in the order r, z, n (PyTorch
 * nn.GRU semantics, docs/gru.md):
 *   r = sigmoid (x Wx_r + h Wh_r + bh_r);  z = sigmoid (x Wx_z + h Wh_z + bh_z)
 *   n = tanh (x Wx_n + bh_n + r * (h Wh_n + bhn));  h' = (1 - z) n + z h
 * bh_r and bh_z are PyTorch's b_ir + b_hr and b_iz + b_hz, bh_n is b_in and
 * bhn is b_hn, which stays inside the reset product. */
#pragma once

#include <glib.h>
#include <stddef.h>

G_BEGIN_DECLS

/* One step for N rows: x (N, D), h_prev (N, H), Wx (D, 3H), Wh (H, 3H),
 * bh (3H), bhn (H) -> h_next (N, H). scratch holds (N, 6H). h_next must
 * not alias x or h_prev. Allocates nothing. */
void rnc_gru_step (size_t N, size_t D, size_t H, const float *x,
    const float *h_prev, const float *Wx, const float *Wh, const float *bh,
    const float *bhn, float *h_next, float *scratch);
/* Scalar reference: naive loops accumulating in double. */
void rnc_gru_step_ref (size_t N, size_t D, size_t H, const float *x,
    const float *h_prev, const float *Wx, const float *Wh, const float *bh,
    const float *bhn, float *h_next);

G_END_DECLS
