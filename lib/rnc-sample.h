/* librnc: seeded random numbers and sampling of class ids from logits. */
#pragma once

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

G_BEGIN_DECLS

/* xoshiro256** seeded through splitmix64: the same seed gives the same
 * sequence on every platform. */
typedef struct {
  guint64 s[4];
} RncRng;

void rnc_rng_init (RncRng *rng, guint64 seed);
guint64 rnc_rng_next (RncRng *rng);
/* Uniform in [0, 1) with 24 random bits. */
float rnc_rng_uniform (RncRng *rng);
/* Standard normal (Box-Muller on two uniforms; no cached second value). */
float rnc_rng_normal (RncRng *rng);

typedef struct _RncSampler RncSampler;

/* (transfer full) A sampler over @n_classes classes with its own RNG and
 * scratch, so that sampling allocates nothing. */
RncSampler *rnc_sampler_new (size_t n_classes, guint64 seed);
void rnc_sampler_free (RncSampler *sampler);
void rnc_sampler_set_seed (RncSampler *sampler, guint64 seed);

/* Draws a class from logits (n_classes): temperature <= 0 is greedy (the
 * argmax, first on ties); otherwise softmax (logits / temperature) restricted
 * to the @top_k largest logits (0 = all; ties at the boundary keep the lower
 * ids). top_k = 1 equals greedy. */
size_t rnc_sampler_sample (RncSampler *sampler, const float *logits,
    float temperature, size_t top_k);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RncSampler, rnc_sampler_free)

G_END_DECLS
