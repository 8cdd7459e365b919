/* librnc: CPU feature detection and the kernel table in use. */
#include "rnc-simd.h"

#include <string.h>

static const RncKernelTable *current_table;     /* atomic */

RncCpuLevel
rnc_cpu_get_supported_level (void)
{
#ifdef RNC_HAVE_X86_KERNELS
  /* libgcc's checks include the OS (XCR0) saving the vector state. */
  __builtin_cpu_init ();
  if (__builtin_cpu_supports ("avx512f") && __builtin_cpu_supports ("avx512bw")
      && __builtin_cpu_supports ("avx512dq")
      && __builtin_cpu_supports ("avx512vl") && __builtin_cpu_supports ("fma")
      && __builtin_cpu_supports ("avx2"))
    return RNC_CPU_AVX512;
  if (__builtin_cpu_supports ("avx2") && __builtin_cpu_supports ("fma"))
    return RNC_CPU_AVX2;
#endif
  return RNC_CPU_SCALAR;
}

static const RncKernelTable *
table_for (RncCpuLevel level)
{
  switch (level) {
#ifdef RNC_HAVE_X86_KERNELS
    case RNC_CPU_AVX512:
      return &rnc_kernels_avx512;
    case RNC_CPU_AVX2:
      return &rnc_kernels_avx2;
#endif
    case RNC_CPU_SCALAR:
    default:
      return &rnc_kernels_scalar;
  }
}

/* The level asked for by RNC_CPU_LEVEL, or the supported one. */
static RncCpuLevel
initial_level (void)
{
  RncCpuLevel best = rnc_cpu_get_supported_level (), want = best;
  const char *env = g_getenv ("RNC_CPU_LEVEL");

  if (env && g_ascii_strcasecmp (env, "scalar") == 0)
    want = RNC_CPU_SCALAR;
  else if (env && g_ascii_strcasecmp (env, "avx2") == 0)
    want = RNC_CPU_AVX2;
  else if (env && g_ascii_strcasecmp (env, "avx512") == 0)
    want = RNC_CPU_AVX512;
  return MIN (want, best);
}

const RncKernelTable *
rnc_kernels (void)
{
  const RncKernelTable *t = g_atomic_pointer_get (&current_table);

  if (G_UNLIKELY (t == NULL)) {
    t = table_for (initial_level ());
    /* Racing first calls all pick the same table. */
    g_atomic_pointer_set (&current_table, t);
  }
  return t;
}

RncCpuLevel
rnc_cpu_get_level (void)
{
  return rnc_kernels ()->level;
}

RncCpuLevel
rnc_cpu_set_level (RncCpuLevel level)
{
  const RncKernelTable *t = table_for (MIN (level,
          rnc_cpu_get_supported_level ()));

  g_atomic_pointer_set (&current_table, t);
  return t->level;
}

const char *
rnc_cpu_level_to_string (RncCpuLevel level)
{
  switch (level) {
    case RNC_CPU_AVX512:
      return "avx512";
    case RNC_CPU_AVX2:
      return "avx2";
    case RNC_CPU_SCALAR:
    default:
      return "scalar";
  }
}
