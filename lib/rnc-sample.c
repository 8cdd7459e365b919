/* librnc: RNG and sampling. */
#include "rnc-sample.h"

#include "rnc-activation.h"

#include <math.h>
#include <string.h>

static guint64
splitmix64 (guint64 *x)
{
  guint64 z = (*x += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

void
rnc_rng_init (RncRng *rng, guint64 seed)
{
  int i;

  for (i = 0; i < 4; i++)
    rng->s[i] = splitmix64 (&seed);
}

static inline guint64
rotl (guint64 x, int k)
{
  return (x << k) | (x >> (64 - k));
}

guint64
rnc_rng_next (RncRng *rng)
{
  guint64 *s = rng->s;
  guint64 result = rotl (s[1] * 5, 7) * 9, t = s[1] << 17;

  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl (s[3], 45);
  return result;
}

float
rnc_rng_uniform (RncRng *rng)
{
  return (float) (rnc_rng_next (rng) >> 40) * (1.0f / 16777216.0f);
}

float
rnc_rng_normal (RncRng *rng)
{
  /* u1 in (0, 1] so the log is finite */
  double u1 = ((rnc_rng_next (rng) >> 11) + 1.0) * (1.0 / 9007199254740992.0);
  double u2 = (rnc_rng_next (rng) >> 11) * (1.0 / 9007199254740992.0);
  return (float) (sqrt (-2.0 * log (u1)) * cos (2.0 * G_PI * u2));
}

struct _RncSampler
{
  size_t n;
  RncRng rng;
  float *work;                  /* (n) selection scratch */
  float *probs;                 /* (n) */
  size_t *idx;                  /* (n) candidate ids */
};

RncSampler *
rnc_sampler_new (size_t n_classes, guint64 seed)
{
  RncSampler *s;

  g_return_val_if_fail (n_classes >= 1, NULL);
  s = g_new0 (RncSampler, 1);
  s->n = n_classes;
  s->work = g_new (float, n_classes);
  s->probs = g_new (float, n_classes);
  s->idx = g_new (size_t, n_classes);
  rnc_rng_init (&s->rng, seed);
  return s;
}

void
rnc_sampler_free (RncSampler *s)
{
  if (!s)
    return;
  g_free (s->work);
  g_free (s->probs);
  g_free (s->idx);
  g_free (s);
}

void
rnc_sampler_set_seed (RncSampler *s, guint64 seed)
{
  rnc_rng_init (&s->rng, seed);
}

/* k-th largest (0-based) of a (n) by quickselect; a is permuted. */
static float
kth_largest (float *a, size_t n, size_t k)
{
  size_t lo = 0, hi = n - 1;

  while (lo < hi) {
    float pivot = a[lo + (hi - lo) / 2];
    size_t i = lo, j = hi;
    while (i <= j) {
      while (a[i] > pivot)
        i++;
      while (a[j] < pivot)
        j--;
      if (i <= j) {
        float t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        if (j == 0)
          break;
        j--;
      }
    }
    if (k <= j)
      hi = j;
    else if (k >= i)
      lo = i;
    else
      return a[k];
  }
  return a[k];
}

size_t
rnc_sampler_sample (RncSampler *s, const float *logits, float temperature,
    size_t top_k)
{
  size_t n = s->n, m = 0, i;
  float threshold = -INFINITY, r;
  double acc;

  if (!(temperature > 0.0f) || top_k == 1)
    return rnc_argmax (logits, n);

  if (top_k > 0 && top_k < n) {
    for (i = 0; i < n; i++)
      s->work[i] = isnan (logits[i]) ? -INFINITY : logits[i];
    threshold = kth_largest (s->work, n, top_k - 1);
  }
  for (i = 0; i < n && (top_k == 0 || m < top_k); i++)
    if (logits[i] >= threshold && !isnan (logits[i])) {
      s->idx[m] = i;
      s->work[m] = logits[i];
      m++;
    }
  if (m == 0)
    return rnc_argmax (logits, n);
  rnc_softmax (s->work, m, temperature, s->probs);
  r = rnc_rng_uniform (&s->rng);
  acc = 0.0;
  for (i = 0; i < m; i++) {
    acc += s->probs[i];
    if (r < acc)
      return s->idx[i];
  }
  return s->idx[m - 1];
}
