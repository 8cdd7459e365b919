/* librnc: which SIMD level the library's kernels run at.
 *
 * The library is built for any x86-64 (or other) CPU; its kernels exist in an
 * AVX-512 (F, BW, DQ, VL + FMA), an AVX2 (+ FMA) and a portable scalar
 * variant. At first use it picks the best level the CPU supports, capped by
 * the environment variable RNC_CPU_LEVEL ("scalar", "avx2", "avx512") when
 * that is set. Tests and benchmarks may lower the level at run time to check
 * every variant on one machine. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  RNC_CPU_SCALAR = 0,           /* portable C, no intrinsics */
  RNC_CPU_AVX2 = 1,             /* AVX2 + FMA, 8 floats per vector */
  RNC_CPU_AVX512 = 2,           /* AVX-512 F/BW/DQ/VL + FMA, 16 floats */
} RncCpuLevel;

/* Best level this CPU (and this build) supports. */
RncCpuLevel rnc_cpu_get_supported_level (void);
/* Level the kernels use now. */
RncCpuLevel rnc_cpu_get_level (void);
/* Selects @level, lowered to the supported one; returns the level in use.
 * Not thread-safe against kernels running on other threads: call it before
 * any inference starts (tests and benchmarks only). */
RncCpuLevel rnc_cpu_set_level (RncCpuLevel level);
const char *rnc_cpu_level_to_string (RncCpuLevel level);

G_END_DECLS
