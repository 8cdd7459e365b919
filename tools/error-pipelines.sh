#!/bin/sh
# Runs each error pipeline of the README (and stock-only controls that fail
# the same way) RUNS times through a launcher, JOBS at a time, each with a
# TIMEOUT, and prints per pipeline how many runs ended with the expected
# error, how many hung (killed by timeout) and how many did anything else.
#
#   meson devenv -C build -w . sh tools/error-pipelines.sh \
#       [--launcher gst-launch-1.0|rnc-launch] [RUNS] [JOBS] [TIMEOUT]
#
# With rnc-launch (the default) every run must end with its error: exit
# status 1 otherwise, hangs included. With gst-launch-1.0 only the
# project's pipelines count; stock controls are reported, never fatal:
# gst-launch-1.0 1.22 itself can hang on an error posted before its main
# loop starts (docs/reliability.md), whichever element posts it.
set -u
launcher=rnc-launch
if [ "${1:-}" = "--launcher" ]; then launcher=$2; shift 2; fi
case $launcher in
  rnc-launch|gst-launch-1.0) ;;
  *) echo "error-pipelines.sh: --launcher is gst-launch-1.0 or rnc-launch" >&2; exit 2 ;;
esac
runs=${1:-300}
jobs=${2:-8}
limit=${3:-20}
top=$(cd "$(dirname "$0")/.." && pwd)
m=$top/pipelines/models
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

printf 'a,b\n1,2\n' > "$work/ab.csv"
printf 'v\n1\n2\nx\n' > "$work/bad.csv"
printf '\377\377\377\177' > "$work/id.s32"         # id 2147483647
printf 'zqxj\n' > "$work/unknown.txt"

# name|expected text in stderr|kind (ours or stock)|pipeline
cat > "$work/list" <<LIST
width|expects frames of width 1|ours|fdsrc fd=0 ! csvdec ! lstm model=$m/forecast.safetensors ! fakesink|$work/ab.csv
capsfilter|not-negotiated|ours|fdsrc fd=0 ! csvdec ! capsfilter caps=other/x-frames,width=1 ! fakesink|$work/ab.csv
not-a-number|line 4|ours|fdsrc fd=0 ! csvdec ! fakesink|$work/bad.csv
id-range|2147483647|ours|fdsrc fd=0 ! other/x-frames,format=S32LE,width=1 ! lstm model=$m/text.safetensors ! fakesink|$work/id.s32
unknown-token|zqxj|ours|fdsrc fd=0 ! vocab-encode vocab=$m/text.safetensors unknown=error ! fakesink|$work/unknown.txt
missing-model|nowhere.safetensors|ours|fdsrc fd=0 ! csvdec ! lstm model=$work/nowhere.safetensors ! fakesink|$work/ab.csv
stock-parse|not-negotiated|stock|fdsrc fd=0 ! rawaudioparse use-sink-caps=false format=pcm pcm-format=f32le num-channels=2 ! capsfilter caps=audio/x-raw,channels=1 ! fakesink|$work/ab.csv
LIST

status=0
while IFS='|' read -r name expect kind desc input; do
  [ -n "$name" ] || continue
  if [ "$kind" = stock ] && ! gst-inspect-1.0 rawaudioparse >/dev/null 2>&1; then
    continue
  fi
  start=$(date +%s)
  seq "$runs" | xargs -P "$jobs" -I{} sh -c '
      out=$(timeout -k 2 "$3" "$5" -q $1 < "$2" 2>&1); rc=$?
      if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then echo hang
      elif [ $rc -ne 0 ] && printf "%s" "$out" | grep -q -- "$4"; then echo error
      else echo "other rc=$rc"; fi' _ "$desc" "$input" "$limit" "$expect" "$launcher" \
    > "$work/out"
  ok=$(grep -c '^error$' "$work/out")
  hang=$(grep -c '^hang$' "$work/out")
  other=$(grep -c '^other' "$work/out")
  printf '%-14s %-5s runs %4d  error %4d  hang %4d  other %4d  (%ds)\n' \
    "$name" "$kind" "$runs" "$ok" "$hang" "$other" $(( $(date +%s) - start ))
  if { [ "$kind" = ours ] || [ "$launcher" = rnc-launch ]; } &&
      [ "$ok" -ne "$runs" ]; then
    status=1
    grep '^other' "$work/out" | sort | uniq -c | head -3
  fi
done < "$work/list"
exit $status
