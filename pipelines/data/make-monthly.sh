#!/bin/sh
# Writes a synthetic monthly series (the data of the default forecaster and
# the demo): 20 years, 2005-01 .. 2024-12, with a linear trend, a yearly
# pattern whose swing grows with the level (as airline passengers), and
# noise from a fixed-seed generator. Deterministic: the same file on every
# machine (plain awk, Park-Miller random numbers in exact double arithmetic,
# values rounded to 0.1).
#
#   sh pipelines/data/make-monthly.sh > monthly.csv
set -eu
awk 'BEGIN {
  seed = 20240101
  pi = atan2(0, -1)
  print "month,value"
  for (t = 0; t < 240; t++) {
    m = t % 12
    level = 200 + 1.6 * t
    season = 1 + 0.16 * sin(2 * pi * (m - 2) / 12) + 0.06 * cos(4 * pi * m / 12)
    # noise: sum of 3 uniforms (Irwin-Hall), centred, std ~ 1
    u = 0
    for (k = 0; k < 3; k++) {
      seed = (16807 * seed) % 2147483647
      u += seed / 2147483647
    }
    noise = (u - 1.5) * 2
    printf "%04d-%02d,%.1f\n", 2005 + int(t / 12), m + 1, level * season + 4 * noise
  }
}'
