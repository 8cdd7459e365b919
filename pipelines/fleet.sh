#!/bin/sh
# Forecasts a fleet of sensors with ONE lstm element: a wide CSV (a column
# per sensor, a row per time step) goes through csvdec as frames of N
# values, and `lstm streams=0` runs them as N independent streams of one
# shared model, one batched step per row (docs/streams.md).
#
#   meson devenv -C build sh pipelines/fleet.sh [OPTIONS]
#
#   --sensors N     sensors (CSV columns) to generate (default 1000)
#   --rows T        time steps (CSV rows) to generate (default 96)
#   --data FILE     forecast this CSV instead of generating one (every
#                   numeric column is a sensor)
#   --model FILE    the forecaster (default pipelines/models/forecast.safetensors,
#                   a one-value monthly model: each sensor is one series)
#   --threads K     the lstm's threads property (default 0: auto)
#   --state FILE    checkpoint all sensors' states there (default: a temporary
#                   file), atomically, every --every rows and at the end
#   --every K       checkpoint-frames (default 24); restart a killed run over
#                   the same data with `initial-state=file resume=true`
#                   (README "Crash recovery and checkpoints")
#   --output FILE   keep the forecasts there (CSV: a row per step that has
#                   one, a column per sensor: the forecast of the next row)
#
# The generated sensors are seasonal (period 12), with their own level,
# amplitude, phase, trend and noise (awk, fixed seed). The summary (stdout):
#
#   fleet: 1000 sensors x 96 rows, one lstm streams=0 (forecast.safetensors, window 14)
#     83 forecasts of 1000 sensors in 0.21 s (462443 sensor-steps/s, start-up included)
#     one-step forecast over all sensors: model MAE 10.31, naive MAE 19.92
#
# The pipeline:
#   filesrc location=DATA ! csvdec ! lstm model=MODEL streams=0 \
#       state-location=STATE checkpoint-frames=K \
#       ! csvenc precision=7 ! filesink location=OUT
set -eu
# rnc-launch runs gst-launch-1.0's pipeline descriptions and never hangs on
# an error (docs/reliability.md); gst-launch-1.0 where it is not built.
launch=$(command -v rnc-launch || echo gst-launch-1.0)

top=$(cd "$(dirname "$0")/.." && pwd)
model=$top/pipelines/models/forecast.safetensors
sensors=1000
rows=96
data=""
threads=0
state=""
every=24
output=""

usage () {
  sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

while [ $# -gt 0 ]; do
  case "$1" in
    --sensors) sensors=$2; shift 2 ;;
    --rows) rows=$2; shift 2 ;;
    --data) data=$2; shift 2 ;;
    --model) model=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --state) state=$2; shift 2 ;;
    --every) every=$2; shift 2 ;;
    --output) output=$2; shift 2 ;;
    -h|--help) usage ;;
    *) echo "fleet.sh: unknown option '$1'" >&2; usage ;;
  esac
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/fleet.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

if [ -z "$data" ]; then
  data=$tmp/fleet.csv
  awk -v n="$sensors" -v t="$rows" 'BEGIN {
    srand (7);
    for (s = 0; s < n; s++) {
      level[s] = 200 + 300 * rand (); amp[s] = 20 + 80 * rand ();
      phase[s] = 12 * rand (); trend[s] = 2 * rand () - 0.5;
      noise[s] = 2 + 8 * rand ();
    }
    for (s = 0; s < n; s++)
      printf "%ss%d", (s ? "," : ""), s;
    printf "\n";
    for (i = 0; i < t; i++) {
      for (s = 0; s < n; s++) {
        v = level[s] + trend[s] * i + amp[s] * sin (6.283185307 * (i + phase[s]) / 12) + noise[s] * (rand () - 0.5);
        printf "%s%.3f", (s ? "," : ""), v;
      }
      printf "\n";
    }
  }' > "$data"
fi
[ -s "$data" ] || { echo "fleet.sh: no data in $data" >&2; exit 1; }
out=${output:-$tmp/forecast.csv}
state=${state:-$tmp/fleet.state}

start=$(date +%s.%N)
"$launch" -q filesrc location="$data" ! csvdec \
  ! lstm model="$model" streams=0 threads="$threads" \
      state-location="$state" checkpoint-frames="$every" \
  ! csvenc precision=7 ! filesink location="$out"
end=$(date +%s.%N)

# forecast row k was made after input row (T - n_out + k) and predicts the
# row after it
awk -F, -v fc="$out" -v t0="$start" -v t1="$end" -v model="$(basename "$model")" '
  NR == 1 { next }
  { r = NR - 2; n = NF; for (s = 1; s <= NF; s++) x[r, s] = $s; T = r + 1 }
  END {
    k = 0;
    while ((getline line < fc) > 0) {
      m = split (line, f, ",");
      if (m != n) { printf "fleet.sh: forecast row of %d values, expected %d\n", m, n > "/dev/stderr"; exit 1 }
      for (s = 1; s <= n; s++) y[k, s] = f[s];
      k++;
    }
    off = T - k;
    printf "fleet: %d sensors x %d rows, one lstm streams=0 (%s, window %d)\n", n, T, model, off + 1;
    secs = t1 - t0;
    printf "  %d forecasts of %d sensors in %.2f s (%d sensor-steps/s, start-up included)\n", k, n, secs, (secs > 0 ? T * n / secs : 0);
    em = en = c = 0;
    for (j = 0; j + 1 < k; j++) {
      i = off + j;            # the forecast after row i, of row i + 1
      for (s = 1; s <= n; s++) {
        em += (y[j, s] > x[i + 1, s] ? y[j, s] - x[i + 1, s] : x[i + 1, s] - y[j, s]);
        en += (x[i, s] > x[i + 1, s] ? x[i, s] - x[i + 1, s] : x[i + 1, s] - x[i, s]);
        c++;
      }
    }
    if (c == 0) { print "fleet.sh: fewer rows than the window: no forecast to score" > "/dev/stderr"; exit 1 }
    printf "  one-step forecast over all sensors: model MAE %.4g, naive MAE %.4g\n", em / c, en / c;
  }' "$data"
