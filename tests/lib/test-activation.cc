/* The vectorised activations (exp, sigmoid, tanh) at every SIMD level the
 * CPU has, against double-precision libm over dense sweeps: every exponent
 * range, dense grids where the functions bend, denormals, the overflow and
 * underflow edges, +-inf and NaN; plus the masked tails of short arrays. */
#include "rnc-test-util.h"

#include "rnc.h"
#include "rnc-cpu.h"

#include <cfloat>
#include <cstdint>
#include <cstring>
#include <string>

namespace {

/* The accuracy promised in rnc-activation.h. */
constexpr double kRelTol = 1e-6;

enum class Fn { Exp, Sigmoid, Tanh };

const char *
fn_name (Fn f)
{
  return f == Fn::Exp ? "exp" : f == Fn::Sigmoid ? "sigmoid" : "tanh";
}

/* The exact value (double libm), rounded to float only at the end. */
double
exact (Fn f, float x)
{
  double d = x;
  switch (f) {
    case Fn::Exp:
      return std::exp (d);
    case Fn::Sigmoid:
      return 1.0 / (1.0 + std::exp (-d));
    case Fn::Tanh:
    default:
      return std::tanh (d);
  }
}

void
apply (Fn f, float *x, size_t n)
{
  switch (f) {
    case Fn::Exp:
      rnc_exp_inplace (x, n);
      break;
    case Fn::Sigmoid:
      rnc_sigmoid_inplace (x, n);
      break;
    case Fn::Tanh:
    default:
      rnc_tanh_inplace (x, n);
      break;
  }
}

void
apply_libm (Fn f, float *x, size_t n)
{
  switch (f) {
    case Fn::Exp:
      rnc_exp_inplace_ref (x, n);
      break;
    case Fn::Sigmoid:
      rnc_sigmoid_inplace_ref (x, n);
      break;
    case Fn::Tanh:
    default:
      rnc_tanh_inplace_ref (x, n);
      break;
  }
}

float
from_bits (uint32_t u)
{
  float f;
  std::memcpy (&f, &u, sizeof (f));
  return f;
}

/* Inputs: a stride over all 2^32 bit patterns (every sign and exponent),
 * dense grids over the bends and the edges, and the special values. */
std::vector<float>
sweep_inputs ()
{
  std::vector<float> v;
  for (uint64_t u = 0; u < (1ull << 32); u += 40503)
    v.push_back (from_bits ((uint32_t) u));
  for (double x = -30.0; x <= 30.0; x += 1.0 / 4096)
    v.push_back ((float) x);
  for (double x = -110.0; x <= -80.0; x += 1.0 / 1024)
    v.push_back ((float) x);
  for (double x = 80.0; x <= 95.0; x += 1.0 / 1024)
    v.push_back ((float) x);
  /* around the small-argument branch of tanh and sigmoid's switch at 0 */
  for (double x = -1.0; x <= 1.0; x += 1.0 / 65536)
    v.push_back ((float) x);
  const float specials[] = { 0.0f, -0.0f, FLT_MIN, -FLT_MIN, FLT_MAX,
    -FLT_MAX, FLT_TRUE_MIN, -FLT_TRUE_MIN, 1e-40f, -1e-40f, 1e-30f,
    88.72283935546875f, 88.72284698486328f, -87.33654022216797f,
    -103.27892303466797f, -103.97207641601562f, -104.0f, -150.0f,
    0.625f, -0.625f, std::nextafter (0.625f, 0.0f), 9.01f, -9.01f,
    INFINITY, -INFINITY
  };
  v.insert (v.end (), std::begin (specials), std::end (specials));
  return v;
}

class RncActivationLevel : public ::testing::TestWithParam<RncCpuLevel> {
 protected:
  void SetUp () override
  {
    saved_ = rnc_cpu_get_level ();
    if (GetParam () > rnc_cpu_get_supported_level ())
      GTEST_SKIP () << "this CPU lacks " << rnc_cpu_level_to_string (GetParam ());
    ASSERT_EQ (rnc_cpu_set_level (GetParam ()), GetParam ());
  }
  void TearDown () override { rnc_cpu_set_level (saved_); }
  RncCpuLevel saved_;
};

std::string
level_name (const ::testing::TestParamInfo<RncCpuLevel> &info)
{
  return rnc_cpu_level_to_string (info.param);
}

} // namespace

/* |y - exact| <= 1e-6 |exact| (relative to FLT_MIN below it, so denormal
 * outputs may be off by a few units of 2^-149), exact infinities and NaN. */
TEST_P (RncActivationLevel, WithinOneMillionthOfExactOverDenseSweeps)
{
  const std::vector<float> in = sweep_inputs ();
  for (Fn f : { Fn::Exp, Fn::Sigmoid, Fn::Tanh }) {
    std::vector<float> y (in);
    apply (f, y.data (), y.size ());
    double worst = 0.0;
    float worst_x = 0.0f;
    size_t bad_special = 0;
    for (size_t i = 0; i < in.size (); i++) {
      float x = in[i];
      double r = exact (f, x);
      if (std::isnan (x)) {
        bad_special += !std::isnan (y[i]);
        continue;
      }
      if (std::fabs (r) > FLT_MAX || std::isinf (y[i])) {
        /* exact value beyond float: libm's expf gives inf, so must we */
        bad_special += y[i] != (float) r;
        continue;
      }
      double e = std::fabs (y[i] - r) / std::max (std::fabs (r), (double) FLT_MIN);
      if (!(e <= worst)) {
        worst = std::isnan (e) ? INFINITY : e;
        worst_x = x;
      }
    }
    EXPECT_LE (worst, kRelTol) << fn_name (f) << ": largest relative error "
        << worst << " at x = " << worst_x;
    EXPECT_EQ (bad_special, 0u) << fn_name (f) << ": wrong inf/NaN results";
  }
}

/* The same inputs against float libm (expf, tanhf and 1 / (1 + expf (-x)),
 * the _ref functions) wherever libm's float result is a normal number. */
TEST_P (RncActivationLevel, WithinOneMillionthOfFloatLibm)
{
  const std::vector<float> in = sweep_inputs ();
  for (Fn f : { Fn::Exp, Fn::Sigmoid, Fn::Tanh }) {
    std::vector<float> y (in), r (in);
    apply (f, y.data (), y.size ());
    apply_libm (f, r.data (), r.size ());
    double worst = 0.0;
    float worst_x = 0.0f;
    size_t compared = 0;
    for (size_t i = 0; i < in.size (); i++) {
      if (!std::isfinite (r[i]) || std::fabs (r[i]) < FLT_MIN)
        continue;
      compared++;
      double e = std::fabs ((double) y[i] - r[i]) / std::fabs ((double) r[i]);
      if (!(e <= worst)) {
        worst = std::isnan (e) ? INFINITY : e;
        worst_x = in[i];
      }
    }
    EXPECT_GT (compared, in.size () / 4);
    EXPECT_LE (worst, kRelTol) << fn_name (f) << ": largest relative error "
        << worst << " against libm at x = " << worst_x;
  }
}

TEST_P (RncActivationLevel, SpecialValues)
{
  float e[] = { INFINITY, -INFINITY, 0.0f, -0.0f, 100.0f, -200.0f, NAN };
  rnc_exp_inplace (e, 7);
  EXPECT_EQ (e[0], INFINITY);
  EXPECT_EQ (e[1], 0.0f);
  EXPECT_EQ (e[2], 1.0f);
  EXPECT_EQ (e[3], 1.0f);
  EXPECT_EQ (e[4], INFINITY);
  EXPECT_EQ (e[5], 0.0f);
  EXPECT_TRUE (std::isnan (e[6]));

  float s[] = { INFINITY, -INFINITY, 0.0f, NAN, 50.0f };
  rnc_sigmoid_inplace (s, 5);
  EXPECT_EQ (s[0], 1.0f);
  EXPECT_EQ (s[1], 0.0f);
  EXPECT_EQ (s[2], 0.5f);
  EXPECT_TRUE (std::isnan (s[3]));
  EXPECT_EQ (s[4], 1.0f);

  float t[] = { INFINITY, -INFINITY, 0.0f, -0.0f, NAN, 1e-40f, -20.0f };
  rnc_tanh_inplace (t, 7);
  EXPECT_EQ (t[0], 1.0f);
  EXPECT_EQ (t[1], -1.0f);
  EXPECT_EQ (t[2], 0.0f);
  EXPECT_TRUE (std::signbit (t[3])) << "tanh (-0) must be -0";
  EXPECT_TRUE (std::isnan (t[4]));
  EXPECT_EQ (t[5], 1e-40f) << "tanh of a denormal is itself";
  EXPECT_EQ (t[6], -1.0f);
}

/* Short arrays end in a masked tail: same values as inside a long array,
 * and nothing written past n. */
TEST_P (RncActivationLevel, TailsMatchTheBodyAndStayInBounds)
{
  const size_t max_n = 40;
  std::vector<float> base (max_n);
  for (size_t i = 0; i < max_n; i++)
    base[i] = -3.0f + 0.37f * (float) i;
  for (Fn f : { Fn::Exp, Fn::Sigmoid, Fn::Tanh }) {
    std::vector<float> whole (base);
    apply (f, whole.data (), max_n);
    for (size_t n = 0; n <= max_n; n++) {
      std::vector<float> buf (base);
      buf.push_back (12345.0f);
      apply (f, buf.data (), n);
      for (size_t i = 0; i < n; i++)
        ASSERT_EQ (buf[i], whole[i]) << fn_name (f) << " n=" << n << " i=" << i;
      for (size_t i = n; i < max_n; i++)
        ASSERT_EQ (buf[i], base[i]) << fn_name (f) << " wrote past n=" << n;
      ASSERT_EQ (buf[max_n], 12345.0f);
    }
  }
}

TEST_P (RncActivationLevel, SoftmaxMatchesDoubleReference)
{
  const size_t n = 4357;
  std::vector<float> logits (n), probs (n);
  for (size_t i = 0; i < n; i++)
    logits[i] = std::sin ((float) i * 0.37f) * 9.0f;
  rnc_softmax (logits.data (), n, 0.7f, probs.data ());
  double mx = -INFINITY, sum = 0.0, worst = 0.0;
  for (float l : logits)
    mx = std::max (mx, (double) l);
  std::vector<double> ref (n);
  for (size_t i = 0; i < n; i++)
    sum += ref[i] = std::exp ((logits[i] - mx) / 0.7);
  for (size_t i = 0; i < n; i++)
    worst = std::max (worst, std::fabs (probs[i] - ref[i] / sum) / (ref[i] / sum));
  EXPECT_LT (worst, 3e-6) << "largest relative error " << worst;
}

INSTANTIATE_TEST_SUITE_P (Levels, RncActivationLevel,
    ::testing::Values (RNC_CPU_SCALAR, RNC_CPU_AVX2, RNC_CPU_AVX512),
    level_name);

TEST (RncCpu, LevelIsClampedToWhatTheCpuSupports)
{
  RncCpuLevel saved = rnc_cpu_get_level (), best = rnc_cpu_get_supported_level ();
  EXPECT_EQ (rnc_cpu_set_level (RNC_CPU_SCALAR), RNC_CPU_SCALAR);
  EXPECT_EQ (rnc_cpu_get_level (), RNC_CPU_SCALAR);
  EXPECT_EQ (rnc_cpu_set_level (RNC_CPU_AVX512), best);
  EXPECT_STREQ (rnc_cpu_level_to_string (RNC_CPU_AVX2), "avx2");
  rnc_cpu_set_level (saved);
}
