#!/bin/sh
# The seed notebook's numeric checks Q1-Q8 (../shared/SEED.md) through
# gst-launch-1.0 pipelines, each compared with the notebook's printed values.
#
#   meson devenv -C build -w . sh pipelines/seed-vectors.sh
#
# rnc-seed-model writes the notebook's models (linspace weights), inputs and
# previous states into a temporary folder; then:
#   Q1  rnn step from prev_h:        rnn initial-state=file (a state file
#       per row of the batch)
#   Q2  rnn over 3 frames from zero: rnn output=hidden (also read 7 bytes at
#       a time, and the last state only with emit=eos)
#   Q3  predictions of 2 sequences:  rnn (regression head), one stream each
#   Q5  lstm step from prev_h, prev_c: lstm initial-state=file; next_c is
#       read back from the state file saved at EOS
#   Q6  lstm over 3 frames from zero: lstm, from raw frames and from CSV
#       (csvdec ! lstm ! csvenc)
#   Q8  generation from 2 seeds with h0 = ones: generate initial-state=ones
#       length=3, one stream per seed (primed on the seed frame, then the
#       prediction after it fed back, 3 frames in all)
# (Q4 and Q7 of the notebook are training runs and the NLP section is
# pipelines/seed-nlp.sh.)
#
# It prints each result with its largest absolute error against the
# notebook's values and PASS (below 2e-6, the print precision of the
# notebook's float32 arrays) or FAIL, e.g.
#   Q8 generate, seed 0   [[0.112898 0.286157 0.459415 0.632673] ...]
#                         largest error 1.4e-07  PASS
# Exit status: 0 when every check passes, 1 otherwise.
set -eu
# rnc-launch runs gst-launch-1.0's pipeline descriptions and never hangs on
# an error (docs/reliability.md); gst-launch-1.0 where it is not built.
launch=$(command -v rnc-launch || echo gst-launch-1.0)

tol=2e-6
work=$(mktemp -d "${TMPDIR:-/tmp}/seed-vectors.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
cd "$work"
fails=0

if ! gst-inspect-1.0 generate >/dev/null 2>&1; then
  echo "seed-vectors: the plugin is not found; run inside 'meson devenv -C build'" >&2
  exit 1
fi

launch () {
  "$launch" -q "$@"
}

# frames WIDTH: caps of raw F32 frames
frames () {
  echo "other/x-frames,format=F32LE,width=$1,framerate=0/1"
}

# check NAME "EXPECTED VALUES" ACTUAL: ACTUAL holds CSV lines (or values one
# per line); prints them and the largest error, PASS or FAIL
check () {
  printf '%s\n' "$3" | awk -v name="$1" -v want="$2" -v tol="$tol" '
    { gsub(/,/, " "); line = "["; for (i = 1; i <= NF; i++) { got[++n] = $i
        line = line (i > 1 ? " " : "") sprintf("%.6g", $i) }
      rows = rows (NR > 1 ? " " : "") line "]" }
    END {
      m = split(want, w, " ")
      err = 0
      for (i = 1; i <= m || i <= n; i++) {
        d = (i > n || i > m) ? 1e30 : got[i] - w[i]
        if (d < 0) d = -d
        if (d > err) err = d
      }
      ok = (n == m && err < tol)
      printf "%-22s [%s]\n", name, rows
      if (n != m)
        printf "%-22s %d values, the notebook has %d  FAIL\n", "", n, m
      else
        printf "%-22s largest error %.3g  %s\n", "", err, ok ? "PASS" : "FAIL"
      exit ok ? 0 : 1
    }' || fails=$((fails + 1))
}

# tensor_values FILE NAME: the F32 values of a tensor of a safetensors file
tensor_values () {
  n=$(od -An -tu8 -N8 "$1" | tr -d ' ')
  offs=$(tail -c +9 "$1" | head -c "$n" \
    | sed -n "s/.*\"$2\":{[^}]*\"data_offsets\":\[\([0-9]*\),\([0-9]*\)\].*/\1 \2/p")
  # shellcheck disable=SC2086
  set -- "$1" $offs "$n"
  tail -c +$((9 + $4 + $2)) "$1" | head -c $(($3 - $2)) | od -An -v -tf4
}

echo "== Q1: rnn step from prev_h (state files), N=3 D=10 H=4"
q1="-0.58172089 -0.50182032 -0.41232771 -0.31410098
    0.66854692 0.79562378 0.87755553 0.92795967
    0.97934501 0.99144213 0.99646691 0.99854353"
for k in 0 1 2; do
  rnc-seed-model q1 -o q1.safetensors --input q1-x$k.f32 --row $k --state q1-h$k.safetensors
  out=$(launch filesrc location=q1-x$k.f32 ! "$(frames 10)" \
    ! rnn model=q1.safetensors initial-state=file state-location=q1-h$k.safetensors \
      output=hidden ! csvenc precision=9 ! fdsink | cat)
  check "Q1 next_h, row $k" "$(echo $q1 | cut -d' ' -f$((4 * k + 1))-$((4 * k + 4)))" "$out"
done

echo
echo "== Q2: rnn over T=3 frames from zero, D=4 H=5"
q2="-0.5902114 -0.4492275 -0.28165027 -0.09492856 0.09872047
    -0.2199841 -0.03843261 0.14569218 0.32024875 0.47546807
    -0.52540594 -0.32617706 -0.09304047 0.15076531 0.37751395"
rnc-seed-model q2 -o q2.safetensors --input q2.f32
check "Q2 h" "$(echo $q2)" "$(launch filesrc location=q2.f32 ! "$(frames 4)" \
  ! rnn model=q2.safetensors output=hidden ! csvenc precision=9 ! fdsink | cat)"
check "Q2 h, 7-byte buffers" "$(echo $q2)" "$(launch filesrc location=q2.f32 blocksize=7 \
  ! "$(frames 4)" ! rnn model=q2.safetensors output=hidden ! csvenc precision=9 ! fdsink | cat)"
check "Q2 last h (emit=eos)" "$(echo $q2 | cut -d' ' -f11-15)" "$(launch filesrc location=q2.f32 \
  ! "$(frames 4)" ! rnn model=q2.safetensors emit=eos ! csvenc precision=9 ! fdsink | cat)"

echo
echo "== Q3: predictions y = h Wo + bo of N=2 sequences, Q=2"
q3="-0.25844076 0.4618572 -0.6047536 0.22198313 -0.34340593 0.41551694
    -0.29477337 0.44697136 -0.6169102 0.22335273 -0.3735 0.40507644"
for k in 0 1; do
  rnc-seed-model q3 -o q3.safetensors --input q3-x$k.f32 --row $k
  check "Q3 y, sequence $k" "$(echo $q3 | cut -d' ' -f$((6 * k + 1))-$((6 * k + 6)))" \
    "$(launch filesrc location=q3-x$k.f32 ! "$(frames 4)" ! rnn model=q3.safetensors \
      ! csvenc precision=9 ! fdsink | cat)"
done

echo
echo "== Q5: lstm step from prev_h, prev_c (state files), N=3 D=4 H=3"
q5h="0.2504206 0.3178399 0.37452143 0.39561146 0.50878483 0.61119807
     0.34590057 0.526227 0.6923673"
q5c="0.3342887 0.44137198 0.5436997 0.55522066 0.7301363 0.914896
     0.46848923 0.71435446 1.0070218"
for k in 0 1 2; do
  rnc-seed-model q5 -o q5.safetensors --input q5-x$k.f32 --row $k --state q5-s$k.safetensors
  check "Q5 next_h, row $k" "$(echo $q5h | cut -d' ' -f$((3 * k + 1))-$((3 * k + 3)))" \
    "$(launch filesrc location=q5-x$k.f32 ! "$(frames 4)" ! lstm model=q5.safetensors \
      initial-state=file state-location=q5-s$k.safetensors ! csvenc precision=9 ! fdsink | cat)"
  check "Q5 next_c, row $k" "$(echo $q5c | cut -d' ' -f$((3 * k + 1))-$((3 * k + 3)))" \
    "$(tensor_values q5-s$k.safetensors state.c)"
done

echo
echo "== Q6: lstm over T=3 frames from zero, D=5 H=4"
q6="0.544338 0.5421794 0.54000026 0.53780025 0.7619797 0.79446 0.82151794 0.8438525
    0.69012046 0.78758657 0.8571147 0.9037268"
rnc-seed-model q6 -o q6.safetensors --input q6.f32 --csv q6.csv
check "Q6 h" "$(echo $q6)" "$(launch filesrc location=q6.f32 ! "$(frames 5)" \
  ! lstm model=q6.safetensors ! csvenc precision=9 ! fdsink | cat)"
check "Q6 h, from CSV" "$(echo $q6)" "$(launch filesrc location=q6.csv ! csvdec \
  ! lstm model=q6.safetensors ! csvenc precision=9 ! fdsink | cat)"

echo
echo "== Q8: generation from N=2 seeds, h0 = ones, T=3, D=4 H=5"
q8="0.11289829 0.28615662 0.45941496 0.6326734 -1.1034914 -0.76390266 -0.4243139 -0.08472518
    -0.09742844 0.10508922 0.30760697 0.5101247
    0.09427071 0.27482215 0.4553734 0.6359247 -1.0948822 -0.75592315 -0.41696408 -0.07800511
    -0.10287851 0.10063282 0.30414408 0.5076554"
for k in 0 1; do
  rnc-seed-model q8 -o q8.safetensors --input q8-seed$k.f32 --row $k
  check "Q8 generate, seed $k" "$(echo $q8 | cut -d' ' -f$((12 * k + 1))-$((12 * k + 12)))" \
    "$(launch filesrc location=q8-seed$k.f32 ! "$(frames 4)" \
      ! generate model=q8.safetensors initial-state=ones length=3 \
      ! csvenc precision=9 ! fdsink | cat)"
done

echo
if [ "$fails" -eq 0 ]; then
  echo "seed-vectors: all checks passed"
else
  echo "seed-vectors: $fails check(s) failed"
  exit 1
fi
