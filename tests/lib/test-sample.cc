/* RNG and class sampling. */
#include "rnc-test-util.h"

#include "rnc.h"

#include <map>

TEST (RncRng, SameSeedSameSequence)
{
  RncRng a, b, c;
  rnc_rng_init (&a, 1234);
  rnc_rng_init (&b, 1234);
  rnc_rng_init (&c, 1235);
  bool differs = false;
  for (int i = 0; i < 100; i++) {
    guint64 x = rnc_rng_next (&a);
    EXPECT_EQ (x, rnc_rng_next (&b));
    differs |= x != rnc_rng_next (&c);
  }
  EXPECT_TRUE (differs);
}

TEST (RncRng, UniformAndNormalHaveTheRightMoments)
{
  RncRng r;
  rnc_rng_init (&r, 7);
  double su = 0, sn = 0, sn2 = 0;
  const int n = 200000;
  for (int i = 0; i < n; i++) {
    float u = rnc_rng_uniform (&r);
    ASSERT_GE (u, 0.0f);
    ASSERT_LT (u, 1.0f);
    su += u;
    float z = rnc_rng_normal (&r);
    sn += z;
    sn2 += (double) z * z;
  }
  EXPECT_NEAR (su / n, 0.5, 0.005);
  EXPECT_NEAR (sn / n, 0.0, 0.01);
  EXPECT_NEAR (sn2 / n, 1.0, 0.02);
}

TEST (RncSampler, GreedyAndTopOneAreTheArgmax)
{
  const float logits[] = { 0.1f, 2.0f, -1.0f, 2.0f, 1.9f };
  RncSampler *s = rnc_sampler_new (5, 1);
  EXPECT_EQ (rnc_sampler_sample (s, logits, 0.0f, 0), 1u);
  for (int i = 0; i < 50; i++)
    EXPECT_EQ (rnc_sampler_sample (s, logits, 1.0f, 1), 1u);
  rnc_sampler_free (s);
}

TEST (RncSampler, TemperatureSamplingFollowsTheSoftmax)
{
  const float logits[] = { 0.0f, 1.0f, 2.0f, -1.0f };
  float p[4];
  rnc_softmax (logits, 4, 1.0f, p);
  RncSampler *s = rnc_sampler_new (4, 99);
  std::vector<int> counts (4);
  const int n = 100000;
  for (int i = 0; i < n; i++)
    counts[rnc_sampler_sample (s, logits, 1.0f, 0)]++;
  for (int k = 0; k < 4; k++)
    EXPECT_NEAR (counts[k] / (double) n, p[k], 0.01) << "class " << k;
  rnc_sampler_free (s);
}

TEST (RncSampler, TopKNeverLeavesTheKLargest)
{
  const float logits[] = { 5.0f, 0.0f, 4.0f, 3.0f, 4.5f, -2.0f, 1.0f };
  RncSampler *s = rnc_sampler_new (7, 5);
  std::map<size_t, int> seen;
  for (int i = 0; i < 5000; i++)
    seen[rnc_sampler_sample (s, logits, 2.0f, 3)]++;
  for (auto &kv : seen)
    EXPECT_TRUE (kv.first == 0 || kv.first == 2 || kv.first == 4)
        << "drew class " << kv.first;
  EXPECT_EQ (seen.size (), 3u);
  rnc_sampler_free (s);
}

TEST (RncSampler, SameSeedSameDraws)
{
  const float logits[] = { 0.3f, 0.1f, 0.2f, 0.25f };
  RncSampler *a = rnc_sampler_new (4, 42), *b = rnc_sampler_new (4, 42);
  for (int i = 0; i < 200; i++)
    EXPECT_EQ (rnc_sampler_sample (a, logits, 0.8f, 0),
        rnc_sampler_sample (b, logits, 0.8f, 0));
  rnc_sampler_free (a);
  rnc_sampler_free (b);
}

TEST (RncActivation, SoftmaxAndArgmax)
{
  const float l[] = { 1000.0f, 1000.0f, -INFINITY };
  float p[3];
  rnc_softmax (l, 3, 1.0f, p);
  EXPECT_FLOAT_EQ (p[0], 0.5f);
  EXPECT_FLOAT_EQ (p[2], 0.0f);
  const float nan_first[] = { NAN, -3.0f, -2.0f };
  EXPECT_EQ (rnc_argmax (nan_first, 3), 2u);
}
