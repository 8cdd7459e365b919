/* librnc: the Adam optimizer (as Keras computes it) and global-norm gradient
 * clipping, over parameter blocks laid out like a model's (one loop each). */
#pragma once

#include <glib.h>
#include <stddef.h>

G_BEGIN_DECLS

/* Keras defaults. */
#define RNC_ADAM_DEFAULT_LR 1e-3f
#define RNC_ADAM_DEFAULT_BETA1 0.9f
#define RNC_ADAM_DEFAULT_BETA2 0.999f
#define RNC_ADAM_DEFAULT_EPSILON 1e-7f

typedef struct _RncAdam RncAdam;

/* (transfer full) Moments for @n_params parameters (zeros, step 0) with the
 * Keras defaults; lr, betas and epsilon can be changed at any time. */
RncAdam *rnc_adam_new (size_t n_params);
void rnc_adam_free (RncAdam *adam);

void rnc_adam_set_lr (RncAdam *adam, float lr);
float rnc_adam_get_lr (const RncAdam *adam);
void rnc_adam_set_betas (RncAdam *adam, float beta1, float beta2);
void rnc_adam_set_epsilon (RncAdam *adam, float epsilon);
/* Updates done so far. */
guint64 rnc_adam_get_step (const RncAdam *adam);
/* Zeros the moments and the step count. */
void rnc_adam_reset (RncAdam *adam);
/* (transfer none) First and second moments (n_params). */
const float *rnc_adam_peek_m (const RncAdam *adam);
const float *rnc_adam_peek_v (const RncAdam *adam);

/* One step, Keras's formula (bias correction folded into the rate, epsilon
 * added to sqrt (v) outside the correction):
 *   t += 1;  alpha = lr * sqrt (1 - beta2^t) / (1 - beta1^t)
 *   m += (g - m) (1 - beta1);  v += (g^2 - v) (1 - beta2)
 *   p -= alpha m / (sqrt (v) + epsilon)
 * @params and @grad have n_params floats. A zero gradient with zero moments
 * leaves a parameter unchanged (so layout padding stays zero). Allocates
 * nothing. */
void rnc_adam_update (RncAdam *adam, float *params, const float *grad);

/* L2 norm of @grad (n), accumulated in double. */
double rnc_grad_global_norm (const float *grad, size_t n);
/* Scales @grad by max_norm / norm when its norm exceeds @max_norm (> 0) and
 * returns the norm before clipping. A non-finite norm leaves @grad as is (the
 * caller checks the returned value). */
double rnc_grad_clip_global_norm (float *grad, size_t n, float max_norm);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RncAdam, rnc_adam_free)

G_END_DECLS
