/* Helpers shared by the GoogleTest files. */
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <string>
#include <sys/stat.h>
#include <vector>

namespace rnc_test {

/* n evenly spaced values from a to b inclusive, computed as numpy's linspace
 * does (in double, then rounded to float32, as tf.linspace(float32) gives). */
inline std::vector<float>
linspace (double a, double b, size_t n)
{
  std::vector<float> v (n);
  if (n == 1) {
    v[0] = (float) a;
    return v;
  }
  double step = (b - a) / (double) (n - 1);
  for (size_t i = 0; i < n; i++)
    v[i] = (float) (a + step * (double) i);
  v[n - 1] = (float) b;
  return v;
}

/* Largest |a - b| over n values (NaN-aware: any NaN gives +inf). */
inline double
max_abs_diff (const float *a, const float *b, size_t n)
{
  double m = 0.0;
  for (size_t i = 0; i < n; i++) {
    double d = std::fabs ((double) a[i] - (double) b[i]);
    if (std::isnan (d))
      return INFINITY;
    if (d > m)
      m = d;
  }
  return m;
}

inline double
max_abs_diff (const std::vector<float> &a, const std::vector<float> &b)
{
  EXPECT_EQ (a.size (), b.size ());
  return max_abs_diff (a.data (), b.data (), std::min (a.size (), b.size ()));
}

inline double
max_rel_diff (const float *a, const float *b, size_t n, double floor = 1e-6)
{
  double m = 0.0;
  for (size_t i = 0; i < n; i++) {
    double d = std::fabs ((double) a[i] - (double) b[i]) /
        std::max (floor, std::fabs ((double) b[i]));
    if (std::isnan (d))
      return INFINITY;
    if (d > m)
      m = d;
  }
  return m;
}

inline bool
path_exists (const std::string &p)
{
  struct stat st;
  return stat (p.c_str (), &st) == 0;
}

/* Reference data folder (../shared/data), or "" when absent. */
inline std::string
shared_data_dir ()
{
  const char *d = std::getenv ("RNC_SHARED_DATA");
  std::string dir = d ? d : "../shared/data";
  return path_exists (dir) ? dir : std::string ();
}

/* Skips the current test when the shared reference data is missing. */
#define RNC_REQUIRE_SHARED_DATA(dir) \
  std::string dir = rnc_test::shared_data_dir (); \
  if (dir.empty ()) \
    GTEST_SKIP () << "reference data ../shared/data not found (set RNC_SHARED_DATA)"

inline std::string
test_data_dir ()
{
  const char *d = std::getenv ("RNC_TEST_DATA");
  return d ? d : "tests/data";
}

inline std::string
source_root ()
{
  const char *d = std::getenv ("RNC_SOURCE_ROOT");
  return d ? d : ".";
}

} // namespace rnc_test
