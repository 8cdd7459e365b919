/* librnc: element-wise activations used by the cells and heads. The plain
 * versions are vectorised (rnc-cpu.h picks AVX-512, AVX2 or scalar at run
 * time) and stay within 1e-6 relative of the exact value (relative to
 * FLT_MIN below it), with libm's results for +-inf and NaN; the _ref
 * versions are libm, the reference. */
#pragma once

#include <glib.h>
#include <stddef.h>

G_BEGIN_DECLS

void rnc_tanh_inplace (float *x, size_t n);
void rnc_sigmoid_inplace (float *x, size_t n);
void rnc_tanh_inplace_ref (float *x, size_t n);
void rnc_sigmoid_inplace_ref (float *x, size_t n);
/* x <- e^x */
void rnc_exp_inplace (float *x, size_t n);
void rnc_exp_inplace_ref (float *x, size_t n);

/* probs (n) = softmax (logits (n) / temperature); temperature > 0. Stable
 * (subtracts the max). probs may alias logits. */
void rnc_softmax (const float *logits, size_t n, float temperature,
    float *probs);
/* Index of the largest value; the first one on ties, NaNs never win. */
size_t rnc_argmax (const float *x, size_t n);

G_END_DECLS
