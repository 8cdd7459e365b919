#!/bin/sh
# The element examples of the documentation, runnable as written: writes the
# seed notebook's Q2 RNN and Q6 LSTM (linspace weights) and their inputs with
# rnc-seed-model into a temporary folder, then runs the gst-launch-1.0 lines
# of the rnn, lstm, csvdec and csvenc doc blocks there. Run it inside
# `meson devenv -C build` (plugin on GST_PLUGIN_PATH, tools on PATH).
#
# Expected output: the notebook's Q2 hidden states (3 lines of 5 values),
# its Q6 LSTM states (3 lines of 4 values) twice, and, when ../shared/data is
# present, the first AirPassengers values.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

rnc-seed-model q2 -o q2.safetensors --input q2.f32
rnc-seed-model q6 -o q6.safetensors --input q6.f32 --csv q6.csv

echo "== rnn: Q2 hidden states"
gst-launch-1.0 -q filesrc location=q2.f32 ! other/x-frames,format=F32LE,width=4,framerate=0/1 ! rnn model=q2.safetensors output=hidden ! csvenc ! fdsink | cat

echo "== rnn: Q2, last state only, read 7 bytes at a time"
gst-launch-1.0 -q filesrc location=q2.f32 blocksize=7 ! other/x-frames,format=F32LE,width=4,framerate=10/1 ! rnn model=q2.safetensors emit=eos ! csvenc precision=9 ! fdsink | cat

echo "== lstm: Q6 hidden states"
gst-launch-1.0 -q filesrc location=q6.f32 ! other/x-frames,format=F32LE,width=5,framerate=0/1 ! lstm model=q6.safetensors ! csvenc ! fdsink | cat

echo "== csvdec ! lstm ! csvenc: Q6 from CSV, state saved to q6-state.safetensors"
gst-launch-1.0 -q filesrc location=q6.csv ! csvdec ! lstm model=q6.safetensors state-location=q6-state.safetensors ! csvenc precision=9 ! fdsink | cat

data="$top/../shared/data/timeseries/AirPassengers.csv"
if [ -f "$data" ]; then
  echo "== csvdec ! csvenc: AirPassengers, first lines"
  gst-launch-1.0 -q filesrc location="$data" ! csvdec column=value ! csvenc header=true precision=4 ! fdsink | head -4
fi
