#!/bin/sh
# Forecasts a CSV time series with the generate element: for every row, the
# forecast of the next rows, as CSV, and how good the one-step forecast is.
#
#   meson devenv -C build sh pipelines/forecast.sh [OPTIONS] DATA.csv
#
#   --model FILE      the forecaster (default pipelines/models/forecast.safetensors,
#                     trained by pipelines/models/make-models.sh)
#   --train           train one on DATA first (rnc-train forecast; all rows but
#                     the evaluated --last ones), instead of --model
#   --save FILE       with --train: keep the trained model there
#   --column C        the value column, a name or a 0-based index (default: the
#                     first numeric column, as csvdec chooses); one column only
#   --horizon N       forecast columns t+1 .. t+N (default 3)
#   --last N          evaluate the last N rows only (default: every row that
#                     has a forecast); with --train they are held out
#   --season N        the seasonal-naive baseline's period (default 12)
#   --output FILE     write the CSV there instead of stdout
#   --plot FILE.png   draw actual vs forecast (gnuplot), with the interval band
#                     when the model has one
#   --interval P      the interval's probability (default 0.8), for a model
#                     with calibrated residual quantiles (rnc.residual_quantiles)
#
# The CSV (stdout, or --output) has the columns
#   time,actual,forecast,t+1,...,t+N
# where `forecast` is the one-step forecast of this row's value made at the
# row before, and t+1..t+N are the forecasts made after seeing this row (a
# windowed model gives none for its first window). time is the file's first
# field (or the row number when the rows cannot be matched). A model with
# interval calibration adds the columns lower,upper: the bounds of the
# one-step forecast's interval (lstm/rnn output=interval), and the summary
# says how many of the evaluated values they cover.
#
# It prints (on stderr) the one-step forecast's mean absolute error (MAE)
# and root mean squared error (RMSE) against the real values over the
# evaluated rows, beside the naive forecast (the previous value) and the
# seasonal-naive one (the value a season before), and what the model's
# network added on rnc-train's held-out data (its rnc.train.* metadata):
#
#   forecast: 240 rows of 'value', model forecast.safetensors (window 13)
#   one-step forecast, last 48 rows (2021-01 .. 2024-12):
#     model    MAE 4.93  RMSE 6.13
#     naive    MAE 40.6  RMSE 47.7   (the previous value)
#     seasonal MAE 9.8   RMSE 12.1   (the value 12 rows before)
#     network  not kept: held-out MSE -0.4% against the linear part alone
#
# The pipelines it runs (the second one is the forecaster):
#   filesrc location=DATA ! csvdec [column=C] ! csvenc precision=7 ! fdsink
#   filesrc location=DATA ! csvdec [column=C] ! generate model=MODEL horizon=N \
#       ! csvenc precision=7 ! fdsink
# and, for a calibrated model (CELL: lstm or rnn, the model's cell),
#   filesrc location=DATA ! csvdec [column=C] ! CELL model=MODEL \
#       output=interval interval=P ! csvenc precision=7 ! fdsink
set -eu
# rnc-launch runs gst-launch-1.0's pipeline descriptions and never hangs on
# an error (docs/reliability.md); gst-launch-1.0 where it is not built.
launch=$(command -v rnc-launch || echo gst-launch-1.0)

top=$(cd "$(dirname "$0")/.." && pwd)
model=$top/pipelines/models/forecast.safetensors
train=no
save=""
column=""
horizon=3
last=0
season=12
output=""
plot=""
interval=0.8
data=""

usage () {
  sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

while [ $# -gt 0 ]; do
  case "$1" in
    --model) model=$2; shift 2 ;;
    --train) train=yes; shift ;;
    --save) save=$2; shift 2 ;;
    --column) column=$2; shift 2 ;;
    --horizon) horizon=$2; shift 2 ;;
    --last) last=$2; shift 2 ;;
    --season) season=$2; shift 2 ;;
    --output) output=$2; shift 2 ;;
    --plot) plot=$2; shift 2 ;;
    --interval) interval=$2; shift 2 ;;
    -h|--help) usage ;;
    -*) echo "forecast: unknown option $1" >&2; usage ;;
    *) [ -z "$data" ] || usage; data=$1; shift ;;
  esac
done
[ -n "$data" ] || usage
[ -f "$data" ] || { echo "forecast: no such file: $data" >&2; exit 1; }
case "$horizon$last$season" in *[!0-9]*) usage ;; esac
[ "$horizon" -ge 1 ] || usage
if ! gst-inspect-1.0 generate >/dev/null 2>&1; then
  echo "forecast: the generate element is not found; run inside 'meson devenv -C build'" >&2
  exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/forecast.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

# model_meta FILE KEY: a string value of a model's metadata (the header of a
# safetensors file is JSON after an 8-byte length)
model_meta () {
  n=$(od -An -tu8 -N8 "$1" | tr -d ' ')
  tail -c +9 "$1" | head -c "$n" | tr ',{}' '\n\n\n' \
    | sed -nE "s/^ *\"$2\" *: *\"(([^\"\\\\]|\\\\.)*)\".*/\1/p" \
    | sed 's/\\"/"/g' | head -n 1
}

# model_has FILE KEY: whether a model's metadata has KEY
model_has () {
  n=$(od -An -tu8 -N8 "$1" | tr -d ' ')
  tail -c +9 "$1" | head -c "$n" | grep -q "\"$2\" *:"
}

coldec="csvdec"
[ -n "$column" ] && coldec="csvdec column=$column"

# the real values, one row per line
# shellcheck disable=SC2086
"$launch" -q filesrc location="$data" ! $coldec ! csvenc precision=7 ! fdsink \
  > "$tmp/actual.csv"
if grep -q , "$tmp/actual.csv"; then
  echo "forecast: $data has several numeric columns: choose one with --column" >&2
  exit 1
fi
rows=$(wc -l < "$tmp/actual.csv" | tr -d ' ')
[ "$rows" -ge 2 ] || { echo "forecast: $data has fewer than 2 values" >&2; exit 1; }
if [ "$last" -ge "$rows" ]; then
  echo "forecast: --last $last leaves nothing before it ($rows rows)" >&2
  exit 1
fi

if [ "$train" = yes ]; then
  # train on every line but the last $last data rows
  lines=$(wc -l < "$data" | tr -d ' ')
  head -n "$((lines - last))" "$data" > "$tmp/train.csv"
  [ -n "$save" ] || save=$tmp/model.safetensors
  echo "forecast: training on the first $((rows - last)) rows (rnc-train forecast) ..." >&2
  # shellcheck disable=SC2086
  rnc-train forecast --data "$tmp/train.csv" ${column:+--column "$column"} \
    -o "$save" -q
  model=$save
fi
[ -f "$model" ] || { echo "forecast: no model $model (see --train)" >&2; exit 1; }

# the forecaster: one output row of N values per input row with a forecast
# shellcheck disable=SC2086
"$launch" -q filesrc location="$data" ! $coldec \
  ! generate model="$model" horizon="$horizon" ! csvenc precision=7 ! fdsink \
  > "$tmp/horizon.csv"

# the one-step interval, when the model carries its calibration
# (rnc.residual_quantiles): one row lo,prediction,hi per input row with a
# forecast, as the forecaster's
: > "$tmp/interval.csv"
if model_has "$model" rnc.residual_quantiles; then
  cell=$(model_meta "$model" rnc.cell)
  # shellcheck disable=SC2086
  "$launch" -q filesrc location="$data" ! $coldec \
    ! "${cell:-lstm}" model="$model" output=interval interval="$interval" \
    ! csvenc precision=7 ! fdsink > "$tmp/interval.csv"
fi

# time labels: the first field of every non-blank line, without the header
awk -F, 'NF > 0 && $0 !~ /^[ \t\r]*$/ { gsub(/"|\r/, "", $1); print $1 }' "$data" \
  > "$tmp/labels.txt"
n_labels=$(wc -l < "$tmp/labels.txt" | tr -d ' ')
if [ "$n_labels" -eq "$((rows + 1))" ]; then
  tail -n +2 "$tmp/labels.txt" > "$tmp/time.txt"
elif [ "$n_labels" -eq "$rows" ]; then
  cp "$tmp/labels.txt" "$tmp/time.txt"
else
  seq 1 "$rows" > "$tmp/time.txt"
fi

# merge: forecast row k belongs to input row offset + k
awk -v rows="$rows" -v N="$horizon" -v last="$last" -v S="$season" \
    -v out="$tmp/out.csv" -v eval="$tmp/eval.txt" '
  FILENAME == ARGV[1] { t[FNR] = $0; next }
  FILENAME == ARGV[2] { a[FNR] = $0; next }
  FILENAME == ARGV[3] { h[FNR] = $0; m = FNR; next }
  { iv[FNR] = $0; mi = FNR }
  END {
    off = rows - m
    ioff = rows - mi
    hdr = "time,actual,forecast"
    for (k = 1; k <= N; k++) hdr = hdr ",t+" k
    if (mi > 0) hdr = hdr ",lower,upper"
    print hdr > out
    first = last > 0 ? rows - last + 1 : off + 2
    if (first < off + 2) first = off + 2
    for (r = 1; r <= rows; r++) {
      f = ""
      if (r - 1 > off) { split(h[r - 1 - off], p, ","); f = p[1] }
      line = t[r] "," a[r] "," f
      if (r > off) {
        n = split(h[r - off], p, ",")
        for (k = 1; k <= N; k++) line = line "," p[k]
      } else {
        for (k = 1; k <= N; k++) line = line ","
      }
      lo = ""; hi = ""
      if (mi > 0 && r - 1 > ioff) {
        split(iv[r - 1 - ioff], q, ","); lo = q[1]; hi = q[3]
      }
      if (mi > 0) line = line "," lo "," hi
      print line > out
      if (r >= first && f != "") {
        e = a[r] - f; ne = a[r] - a[r - 1]
        se += (e < 0 ? -e : e); sq += e * e
        sn += (ne < 0 ? -ne : ne); sqn += ne * ne; c++
        if (lo != "") { ci++; cov += (a[r] + 0 >= lo + 0 && a[r] + 0 <= hi + 0) }
        if (r > S) {
          se2 = a[r] - a[r - S]; ss += (se2 < 0 ? -se2 : se2)
          sqs += se2 * se2; cs++
        }
        if (from == "") from = t[r]
        to = t[r]
      }
    }
    if (c == 0) { print "none" > eval; exit }
    printf "%d %s %s %.4g %.4g %.4g %.4g %d %d %d %s %s\n", c, from, to, se / c,
      sqrt(sq / c), sn / c, sqrt(sqn / c), first, ci, cov,
      cs ? sprintf("%.4g", ss / cs) : "-",
      cs ? sprintf("%.4g", sqrt(sqs / cs)) : "-" > eval
  }' "$tmp/time.txt" "$tmp/actual.csv" "$tmp/horizon.csv" "$tmp/interval.csv"

if [ -n "$output" ]; then cp "$tmp/out.csv" "$output"; else cat "$tmp/out.csv"; fi

window=$(model_meta "$model" rnc.window)
colname=$(model_meta "$model" rnc.columns | tr -d '[]"')
echo "forecast: $rows rows${colname:+ of '$colname'}, model $(basename "$model")${window:+ (window $window)}" >&2
if [ "$(cat "$tmp/eval.txt")" = none ]; then
  echo "forecast: no row to evaluate (fewer rows than the model's window?)" >&2
  exit 1
fi
read -r count from to mae rmse nmae nrmse first icount covered smae srmse < "$tmp/eval.txt"
if [ "$last" -gt 0 ]; then what="last $count rows"; else what="$count rows"; fi
echo "one-step forecast, $what ($from .. $to):" >&2
printf '  model    MAE %-8s RMSE %s\n' "$mae" "$rmse" >&2
printf '  naive    MAE %-8s RMSE %s   (the previous value)\n' "$nmae" "$nrmse" >&2
printf '  seasonal MAE %-8s RMSE %s   (the value %s rows before)\n' "$smae" \
  "$srmse" "$season" >&2
kept=$(model_meta "$model" rnc.train.network_kept)
gain=$(model_meta "$model" rnc.train.network_gain)
if [ -n "$kept" ] && [ -n "$gain" ]; then
  pct=$(awk -v g="$gain" 'BEGIN { printf "%+.1f%%", -100 * g }')
  if [ "$kept" = true ]; then what=kept; else what="not kept"; fi
  echo "  network  $what: held-out MSE $pct against the linear part alone (rnc-train)" >&2
elif [ "$kept" = false ]; then
  echo "  network  none: the linear part alone" >&2
fi
if [ "$icount" -gt 0 ]; then
  printf '  interval (%s): covers %d of %d values (%s%%)\n' "$interval" \
    "$covered" "$icount" "$(awk -v c="$covered" -v n="$icount" \
      'BEGIN { printf "%.0f", 100 * c / n }')" >&2
else
  echo "  (no interval: the model has no calibration, rnc.residual_quantiles)" >&2
fi

if [ -n "$plot" ]; then
  # plot from a few rows before the evaluated ones
  from_row=$((first > 24 ? first - 24 : 1))
  # the interval band (columns lower, upper after t+1..t+N), drawn first
  band=""
  if [ "$icount" -gt 0 ]; then
    lc=$((4 + horizon))
    pct=$(awk -v p="$interval" 'BEGIN { printf "%g", 100 * p }')
    band="'$tmp/out.csv' every ::$from_row using 0:$lc:$((lc + 1)) with filledcurves fs transparent solid 0.25 noborder lc rgb '#4682b4' title '$pct% interval', "
  fi
  if gnuplot -e "set terminal pngcairo" >/dev/null 2>&1; then
    term="pngcairo size 960,480"
  else
    term="png size 960,480"
  fi
  gnuplot <<EOF
set terminal $term
set output '$plot'
set datafile separator ','
set key top left
set grid
set title 'one-step forecast vs actual ($(basename "$data"))'
set xtics rotate by -45
every_k = $(( (rows - from_row) / 12 + 1 ))
plot $band'$tmp/out.csv' every ::$from_row using 0:2:xticlabels(int(\$0) % every_k == 0 ? stringcolumn(1) : '') with lines lw 2 title 'actual', \
     '' every ::$from_row using 0:3 with linespoints pt 7 ps 0.6 title 'forecast'
EOF
  echo "forecast: wrote $plot" >&2
fi
