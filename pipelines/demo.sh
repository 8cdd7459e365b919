#!/bin/sh
# The main job of the quick start (tools/quickstart.sh demo): the default
# models of pipelines/models at work in gst-launch-1.0 pipelines.
#
#   meson devenv -C build -w . sh pipelines/demo.sh [--plot FILE.png]
#
# 1. Forecasting: pipelines/forecast.sh runs the default forecaster over
#    pipelines/data/monthly.csv (a synthetic monthly series, 2005-2024; the
#    model was trained on 2005-2020 only) and the demo prints the last 12
#    months beside their one-step forecast, the error over the 48 months the
#    model never saw (against the naive forecast, the previous month, and the
#    seasonal-naive one, the same month a year before), whether rnc-train
#    kept the model's network and what it added on its held-out data, and
#    the forecast for the 3 months after the data. With --plot FILE.png
#    (the quick start passes build/demo-forecast.png) it also draws actual
#    vs forecast with gnuplot, and the 80% interval band when the model has
#    its calibration (rnc.residual_quantiles; output=interval).
# 2. Text: pipelines/generate-text.sh prompts the default character
#    language model (trained on Debian's license texts) through
#    tokenize ! vocab-encode ! generate ! vocab-decode, sampled and greedy.
#
# Needs nothing outside the project (no ../shared data); runs in seconds.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
pipelines=$top/pipelines
models=$pipelines/models
data=$pipelines/data/monthly.csv

tmp=$(mktemp -d "${TMPDIR:-/tmp}/rnc-demo.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

plot=""
if [ "${1:-}" = --plot ] && [ -n "${2:-}" ] && command -v gnuplot >/dev/null 2>&1; then
  plot=$2
fi

echo "== 1. Forecasting a monthly series =="
echo
echo "  gst-launch-1.0 filesrc location=monthly.csv ! csvdec \\"
echo "      ! generate model=forecast.safetensors horizon=3 ! csvenc ! fdsink"
echo
echo "For every month, generate forecasts the next 3 from the months before"
echo "(the model: an LSTM trained by rnc-train forecast on 2005-2020)."
echo
sh "$pipelines/forecast.sh" --model "$models/forecast.safetensors" \
  --horizon 3 --last 48 --output "$tmp/forecast.csv" ${plot:+--plot "$plot"} \
  "$data" 2> "$tmp/summary.txt"

awk -F, 'NR > 1 { row[NR] = $0; n = NR }
  END {
    printf "  %-8s %8s %9s %7s   %s   %s\n", "month", "actual", "forecast",
      "error", "naive error", "seasonal naive error"
    for (r = n - 11; r <= n; r++) {
      split(row[r], c, ","); split(row[r - 1], p, ","); split(row[r - 12], s, ",")
      printf "  %-8s %8.1f %9.1f %+7.1f   %+11.1f   %+20.1f\n", c[1], c[2],
        c[3], c[3] - c[2], p[2] - c[2], s[2] - c[2]
    }
    split(row[n], c, ",")
    printf "\n  after %s: %.1f, %.1f, %.1f (the next 3 months)\n", c[1], c[4],
      c[5], c[6]
  }' "$tmp/forecast.csv"
echo
sed -n 's/^one-step forecast, last \([0-9]*\) rows (\(.*\)):/  one-step error over the \1 held-out months (\2):/p;
  s/^  \(model\|naive\|seasonal\|network\|interval\) /    \1 /p' "$tmp/summary.txt"
[ -n "$plot" ] && [ -f "$plot" ] && echo "  picture: $plot"

prompt="This program is free software"
echo
echo "== 2. Generating text =="
echo
echo "  gst-launch-1.0 fdsrc ! tokenize mode=char \\"
echo "      ! vocab-encode vocab=text.safetensors unknown=unk \\"
echo "      ! generate model=text.safetensors length=160 temperature=0.5 \\"
echo "      ! vocab-decode vocab=text.safetensors 'separator=\"\"' ! fdsink"
echo
echo "A character LSTM (rnc-train lm on Debian's license texts) continues"
echo "a prompt; generate feeds each drawn character back in."
echo
echo "  sampled (temperature 0.5, seed 1):"
sh "$pipelines/generate-text.sh" --model "$models/text.safetensors" \
  --length 160 --temperature 0.5 --seed 1 "$prompt" | fold -s -w 72 \
  | sed 's/^/    /'
echo "  greedy (temperature 0: the most likely character every time, which"
echo "  soon repeats itself; the reason to sample):"
sh "$pipelines/generate-text.sh" --model "$models/text.safetensors" \
  --length 90 --temperature 0 "You should have received" | fold -s -w 72 \
  | sed 's/^/    /'
echo
echo "More: pipelines/*.sh (each documents itself), README.md."
