/* Adam against Keras's update written out by hand, and global-norm
 * clipping. */
#include "rnc-test-util.h"

#include "rnc.h"

/* Two steps with lr 1e-3, beta 0.9 / 0.999, epsilon 1e-7. Expected values
 * from the Keras formula evaluated in float64 (numpy):
 *   alpha_t = lr sqrt (1 - 0.999^t) / (1 - 0.9^t)
 *   m += (g - m) 0.1;  v += (g^2 - v) 0.001;  p -= alpha_t m / (sqrt (v) + 1e-7)
 * The fourth parameter's tiny gradient (1e-9) tells this formula apart from
 * the PyTorch one (epsilon added after bias correction), which would move it
 * by 9.9e-6 instead of 3.2e-7. */
TEST (RncAdam, MatchesHandComputedKerasSteps)
{
  float p[4] = { 1.0f, -2.0f, 0.5f, 0.25f };
  const float g1[4] = { 0.1f, -0.3f, 0.0f, 1e-9f };
  const float g2[4] = { -0.2f, 0.05f, 0.4f, 1e-9f };
  const double want1[4] = { 0.9990000316, -1.999000011, 0.5, 0.2499996839 };
  const double want2[4] = { 0.99936613, -1.998461479, 0.4992558691,
    0.249999237 };
  g_autoptr (RncAdam) a = rnc_adam_new (4);

  EXPECT_FLOAT_EQ (rnc_adam_get_lr (a), 1e-3f);
  rnc_adam_update (a, p, g1);
  for (int i = 0; i < 4; i++)
    EXPECT_NEAR (p[i], want1[i], 2e-7) << "step 1, parameter " << i;
  rnc_adam_update (a, p, g2);
  for (int i = 0; i < 4; i++)
    EXPECT_NEAR (p[i], want2[i], 2e-7) << "step 2, parameter " << i;
  EXPECT_EQ (rnc_adam_get_step (a), 2u);
}

TEST (RncAdam, ZeroGradientLeavesParameterUnchanged)
{
  float p[3] = { 0.0f, 1.5f, -3.0f };
  const float g[3] = { 0.0f, 0.0f, 0.0f };
  g_autoptr (RncAdam) a = rnc_adam_new (3);
  for (int s = 0; s < 5; s++)
    rnc_adam_update (a, p, g);
  EXPECT_EQ (p[0], 0.0f);
  EXPECT_EQ (p[1], 1.5f);
  EXPECT_EQ (p[2], -3.0f);
}

TEST (RncAdam, ResetRestartsBiasCorrection)
{
  float p[1] = { 1.0f }, q[1] = { 1.0f };
  const float g[1] = { 0.5f };
  g_autoptr (RncAdam) a = rnc_adam_new (1);
  g_autoptr (RncAdam) b = rnc_adam_new (1);
  rnc_adam_update (a, p, g);
  rnc_adam_update (a, p, g);
  rnc_adam_reset (a);
  p[0] = 1.0f;
  rnc_adam_update (a, p, g);
  rnc_adam_update (b, q, g);
  EXPECT_EQ (p[0], q[0]);
  EXPECT_EQ (rnc_adam_peek_m (a)[0], rnc_adam_peek_m (b)[0]);
}

TEST (RncGradClip, ScalesToMaxNormOnlyWhenAbove)
{
  float g[2] = { 3.0f, 4.0f };
  EXPECT_DOUBLE_EQ (rnc_grad_clip_global_norm (g, 2, 10.0f), 5.0);
  EXPECT_EQ (g[0], 3.0f);
  EXPECT_DOUBLE_EQ (rnc_grad_clip_global_norm (g, 2, 1.0f), 5.0);
  EXPECT_NEAR (g[0], 0.6f, 1e-7);
  EXPECT_NEAR (g[1], 0.8f, 1e-7);
  EXPECT_NEAR (rnc_grad_global_norm (g, 2), 1.0, 1e-7);
}

TEST (RncGradClip, NonFiniteNormIsReportedNotApplied)
{
  float g[2] = { NAN, 1.0f };
  EXPECT_TRUE (std::isnan (rnc_grad_clip_global_norm (g, 2, 1.0f)));
  EXPECT_EQ (g[1], 1.0f);
}
