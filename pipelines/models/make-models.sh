#!/bin/sh
# Trains the default models of pipelines/ with rnc-train, from data that the
# project generates or that every Debian system has. Run inside the devenv:
#
#   meson devenv -C build -w . sh pipelines/models/make-models.sh
#
#   forecast.safetensors  next-month forecaster (rnc-train forecast defaults:
#                         an LSTM holding the linear part, plus the network
#                         ensemble when it earns its keep) trained on
#                         the first 16 years of pipelines/data/monthly.csv
#                         (written by pipelines/data/make-monthly.sh); the
#                         last 4 years are held out for the demo
#   text.safetensors      character language model (LSTM, 128 units, 64-wide
#                         embedding) trained on six license texts of
#                         /usr/share/common-licenses (Debian's base-files,
#                         Essential: on every Debian system)
#
# Fixed seeds (rnc-train --seed 0): rerunning on the same machine gives the
# same files; another CPU may round differently in the last bits. About 30 s
# on one core.
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
out=$top/pipelines/models
licenses="GPL-3 GPL-2 LGPL-2.1 Apache-2.0 GFDL-1.3 MPL-2.0"

work=$(mktemp -d "${TMPDIR:-/tmp}/make-models.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
# relative file names, so that the models' rnc.train.command names no paths
cd "$work"

sh "$top/pipelines/data/make-monthly.sh" > monthly.csv
cmp -s monthly.csv "$top/pipelines/data/monthly.csv" \
  || cp monthly.csv "$top/pipelines/data/monthly.csv"
# header + 192 months (2005-01 .. 2020-12)
head -n 193 monthly.csv > monthly-2005-2020.csv
echo "make-models: forecast.safetensors (rnc-train forecast)"
rnc-train forecast --data monthly-2005-2020.csv --column value --seed 0 \
  -o forecast.safetensors -q
cp forecast.safetensors "$out/forecast.safetensors"

for l in $licenses; do
  f=/usr/share/common-licenses/$l
  [ -f "$f" ] || { echo "make-models: $f not found (Debian's base-files)" >&2; exit 1; }
  cat "$f"
done > licenses.txt
echo "make-models: text.safetensors (rnc-train lm, characters of $licenses)"
rnc-train lm --data licenses.txt --tokenize char --hidden 128 --embed 64 \
  --epochs 60 --lr 3e-3 --patience 5 --lr-patience 2 --seed 0 \
  -o text.safetensors -q
cp text.safetensors "$out/text.safetensors"

ls -l "$out"/*.safetensors
