#!/bin/sh
# Runs a script of pipelines/ on small inputs and checks what it prints.
#
#   sh tests/pipelines/test-scripts.sh forecast|fleet|generate-text|tag|seed-vectors|demo|readme
#
# Run by meson test with the plugin on GST_PLUGIN_PATH_1_0 and the tools on
# PATH. Exit status 0 (pass), 1 (fail) or 77 (skip: reference data absent).
set -eu

top=${RNC_SOURCE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
p=$top/pipelines
tmp=$(mktemp -d "${TMPDIR:-/tmp}/test-scripts.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

fail () {
  echo "FAIL: $*" >&2
  exit 1
}

# expect FILE PATTERN: FILE has a line matching the extended regex
expect () {
  grep -Eq -- "$2" "$1" || { cat "$1" >&2; fail "no line matching '$2' in $(basename "$1")"; }
}

case "${1:-}" in
  forecast)
    # the default model on the series it was made for: 240 rows, the
    # one-step forecast beats the naive one on the 48 held-out months
    sh "$p/forecast.sh" --last 48 --horizon 2 --output "$tmp/f.csv" \
      "$p/data/monthly.csv" 2> "$tmp/summary.txt"
    cat "$tmp/summary.txt"
    [ "$(wc -l < "$tmp/f.csv")" -eq 241 ] || fail "rows: $(wc -l < "$tmp/f.csv")"
    # a model with interval calibration adds lower,upper (output=interval)
    if grep -q 'interval (0.8): covers' "$tmp/summary.txt"; then
      expect "$tmp/f.csv" '^time,actual,forecast,t\+1,t\+2,lower,upper$'
      expect "$tmp/f.csv" '^2024-12,508\.9,[0-9.]+,[0-9.]+,[0-9.]+,[0-9.]+,[0-9.]+$'
      awk -F, 'NR > 1 && $6 != "" && !($6 <= $3 && $3 <= $7) { exit 1 }' \
        "$tmp/f.csv" || fail "a forecast outside its interval"
    else
      expect "$tmp/summary.txt" 'no interval: the model has no calibration'
      expect "$tmp/f.csv" '^time,actual,forecast,t\+1,t\+2$'
      expect "$tmp/f.csv" '^2024-12,508\.9,[0-9.]+,[0-9.]+,[0-9.]+$'
    fi
    expect "$tmp/summary.txt" 'last 48 rows \(2021-01 \.\. 2024-12\)'
    awk '/^  model/ { m = $3 } /^  naive/ { n = $3 }
      END { if (!(m > 0 && m < n / 3)) { print "model MAE " m ", naive " n; exit 1 } }' \
      "$tmp/summary.txt" || fail "the model is not 3 times better than naive"
    # the forecast column is the one-step output of lstm, a row later
    gst-launch-1.0 -q filesrc location="$p/data/monthly.csv" ! csvdec \
      ! lstm model="$p/models/forecast.safetensors" ! csvenc precision=7 ! fdsink \
      > "$tmp/lstm.csv"
    tail -n +2 "$tmp/f.csv" | cut -d, -f3 | sed '/^$/d' > "$tmp/col.txt"
    head -n -1 "$tmp/lstm.csv" > "$tmp/lstm-1.txt"
    cmp "$tmp/col.txt" "$tmp/lstm-1.txt" || fail "forecast column != lstm output"
    # --train on a small series, horizon columns, a plot
    awk 'BEGIN { print "t,y"; for (i = 0; i < 80; i++)
      printf "%d,%.3f\n", i, 10 + 5 * sin(i * 0.5) + 0.05 * i }' > "$tmp/s.csv"
    sh "$p/forecast.sh" --train --column y --horizon 4 --last 10 \
      --plot "$tmp/p.png" --save "$tmp/m.safetensors" "$tmp/s.csv" \
      > "$tmp/s-out.csv" 2> "$tmp/s-summary.txt"
    cat "$tmp/s-summary.txt"
    expect "$tmp/s-out.csv" '^time,actual,forecast,t\+1,t\+2,t\+3,t\+4(,lower,upper)?$'
    expect "$tmp/s-out.csv" '^79,'
    expect "$tmp/s-summary.txt" 'last 10 rows \(70 \.\. 79\)'
    [ -s "$tmp/m.safetensors" ] || fail "no trained model"
    if command -v gnuplot >/dev/null 2>&1; then
      [ "$(head -c 4 "$tmp/p.png" | od -An -c | tr -d ' ')" = '211PNG' ] \
        || fail "no PNG written"
    fi
    # bad input: two numeric columns without --column
    printf 'a,b\n1,2\n3,4\n5,6\n' > "$tmp/two.csv"
    if sh "$p/forecast.sh" "$tmp/two.csv" > /dev/null 2> "$tmp/err.txt"; then
      fail "two columns accepted"
    fi
    expect "$tmp/err.txt" 'choose one with --column'
    ;;

  fleet)
    # 40 sensors in one lstm streams=0: a summary, a model that beats the
    # naive forecast, and each sensor's column equal to lstm run on it alone
    sh "$p/fleet.sh" --sensors 40 --rows 48 --output "$tmp/fc.csv" \
      --state "$tmp/fleet.state" --every 10 > "$tmp/summary.txt"
    cat "$tmp/summary.txt"
    # the checkpoint at EOS holds all 40 streams at position 48
    grep -a -q '"rnc.position":"48"' "$tmp/fleet.state" \
      || fail "fleet.state does not hold position 48"
    grep -a -q '"rnc.streams":"40"' "$tmp/fleet.state" \
      || fail "fleet.state does not hold 40 streams"
    expect "$tmp/summary.txt" '^fleet: 40 sensors x 48 rows, one lstm streams=0 \(forecast.safetensors, window [0-9]+\)'
    expect "$tmp/summary.txt" '^  [0-9]+ forecasts of 40 sensors'
    awk '/model MAE/ { if ($8 + 0 >= $11 + 0) exit 1 }' "$tmp/summary.txt" \
      || fail "the model does not beat the naive forecast"
    # the sensors again, from the CSV the script generates (same seed)
    sh "$p/fleet.sh" --sensors 40 --rows 48 --output "$tmp/fc2.csv" > /dev/null
    cmp "$tmp/fc.csv" "$tmp/fc2.csv" || fail "two runs differ"
    awk -v n=40 -v t=48 'BEGIN { srand (7);
      for (s = 0; s < n; s++) { level[s] = 200 + 300 * rand (); amp[s] = 20 + 80 * rand ();
        phase[s] = 12 * rand (); trend[s] = 2 * rand () - 0.5; noise[s] = 2 + 8 * rand () }
      for (s = 0; s < n; s++) printf "%ss%d", (s ? "," : ""), s; printf "\n";
      for (i = 0; i < t; i++) { for (s = 0; s < n; s++) {
        v = level[s] + trend[s] * i + amp[s] * sin (6.283185307 * (i + phase[s]) / 12) + noise[s] * (rand () - 0.5);
        printf "%s%.3f", (s ? "," : ""), v } printf "\n" } }' > "$tmp/fleet.csv"
    for s in 0 17 39; do
      gst-launch-1.0 -q filesrc location="$tmp/fleet.csv" ! csvdec column=s$s \
        ! lstm model="$p/models/forecast.safetensors" ! csvenc precision=7 \
        ! fdsink > "$tmp/one.csv"
      cut -d, -f$((s + 1)) "$tmp/fc.csv" > "$tmp/col.csv"
      cmp "$tmp/one.csv" "$tmp/col.csv" || fail "sensor $s differs from its own lstm"
    done
    ;;

  generate-text)
    # the default model: the prompt, then the continuation; same seed, same
    # text
    sh "$p/generate-text.sh" --length 60 --seed 4 "This program" > "$tmp/a.txt"
    sh "$p/generate-text.sh" --length 60 --seed 4 "This program" > "$tmp/b.txt"
    cat "$tmp/a.txt"
    expect "$tmp/a.txt" '^This program.'
    cmp "$tmp/a.txt" "$tmp/b.txt" || fail "same seed, different text"
    [ "$(wc -c < "$tmp/a.txt")" -ge 60 ] || fail "too short"
    # a model trained here on a repetitive text continues it (greedy)
    i=0
    while [ $i -lt 150 ]; do
      printf 'the cat sat on the mat. '
      i=$((i + 1))
    done > "$tmp/cat.txt"
    sh "$p/generate-text.sh" --train --text "$tmp/cat.txt" --epochs 30 \
      --length 30 --temperature 0 "the cat" > "$tmp/c.txt" 2> /dev/null
    cat "$tmp/c.txt"
    expect "$tmp/c.txt" '^the cat sat on the mat\. the cat'
    ;;

  tag)
    data=${RNC_SHARED_DATA:-$top/../shared/data}
    if [ ! -f "$data/pos/treebank_universal_train.conll" ]; then
      echo "reference data not found in $data: skipped"
      exit 77
    fi
    printf 'The dog barked at the old man. He ran away!\n\nA new paragraph\n' \
      > "$tmp/text.txt"
    # a sanitized build is about 13 times slower: one tagger instead of
    # rnc-train's default search over k = 0..2 with an ensemble of 3
    quick=""
    [ -z "${RNC_SANITIZE:-}" ] || [ "$RNC_SANITIZE" = none ] \
      || quick="--delay 1 --ensemble 1"
    # shellcheck disable=SC2086
    sh "$p/tag.sh" --data "$data" --epochs 2 $quick --save "$tmp/t.safetensors" \
      "$tmp/text.txt" > "$tmp/tags.txt"
    cat "$tmp/tags.txt"
    [ "$(grep -c . "$tmp/tags.txt")" -eq 15 ] || fail "15 tagged words expected"
    [ "$(grep -c '^$' "$tmp/tags.txt")" -eq 3 ] || fail "3 sentence ends expected"
    grep -v '^$' "$tmp/tags.txt" | awk -F'\t' 'NF != 2 { exit 1 }' \
      || fail "lines are not word<TAB>tag"
    expect "$tmp/tags.txt" '^The	DET$'
    expect "$tmp/tags.txt" '^dog	NOUN$'
    expect "$tmp/tags.txt" '^\.	\.$'
    # a tagger given as argument, text on stdin
    printf 'I like the dog.\n' | sh "$p/tag.sh" --model "$tmp/t.safetensors" > "$tmp/t2.txt"
    expect "$tmp/t2.txt" '^the	DET$'
    ;;

  seed-vectors)
    sh "$p/seed-vectors.sh" > "$tmp/out.txt"
    cat "$tmp/out.txt"
    [ "$(grep -c 'PASS$' "$tmp/out.txt")" -eq 18 ] || fail "18 checks expected"
    expect "$tmp/out.txt" '^seed-vectors: all checks passed$'
    ;;

  demo)
    sh "$p/demo.sh" > "$tmp/out.txt"
    cat "$tmp/out.txt"
    expect "$tmp/out.txt" '^  2024-12 +508\.9 '
    expect "$tmp/out.txt" '^    model +MAE [0-9.]+ +RMSE'
    expect "$tmp/out.txt" '^    naive +MAE'
    expect "$tmp/out.txt" '^    This program is free software.'
    ;;

  readme)
    # every ```sh block of README.md that opens with `meson devenv -C build
    # -w .` runs as written (the rest of the block, in the project folder)
    awk -v dir="$tmp" '
      /^```sh$/ { inblock = 1; first = 1; next }
      /^```$/ { inblock = 0; if (file != "") close(file); file = ""; next }
      inblock && first { first = 0
        if ($0 ~ /^meson devenv -C build -w \.( |$)/) file = sprintf("%s/block%d.sh", dir, ++n)
        next }
      inblock && file != "" { print > file }
      END { if (n == 0) exit 1 }' "$top/README.md" || fail "no runnable README block"
    for b in "$tmp"/block*.sh; do
      echo "== $(basename "$b")"
      (cd "$top" && TMPDIR=$tmp sh -e "$b") > "$b.out" 2>&1 \
        || { cat "$b" "$b.out" >&2; fail "$(basename "$b") failed"; }
      cat "$b.out"
      [ -s "$b.out" ] || fail "$(basename "$b") printed nothing"
      if grep -q -i -E 'error|warning|FAIL' "$b.out"; then
        fail "$(basename "$b") printed an error"
      fi
    done
    ;;

  *)
    echo "usage: test-scripts.sh forecast|generate-text|tag|seed-vectors|demo|readme" >&2
    exit 2
    ;;
esac
echo "PASS: $1"
