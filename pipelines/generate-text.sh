#!/bin/sh
# Continues a prompt with a language model, through
#   tokenize ! vocab-encode ! generate ! vocab-decode
# using the default text model, or one it trains first (rnc-train lm).
#
#   meson devenv -C build -w . sh pipelines/generate-text.sh [OPTIONS] [PROMPT]
#
#   --model FILE        language model (default pipelines/models/text.safetensors:
#                       characters of Debian's license texts, see
#                       pipelines/models/make-models.sh)
#   --train             train a model first, on --text, instead of --model
#   --text FILE         training text (default /usr/share/common-licenses/GPL-3,
#                       which every Debian system has)
#   --tokens char|word  tokens of the trained model (default char)
#   --epochs N          training epochs at most (default 60)
#   --save FILE         with --train: keep the model there
#   --length N          tokens to generate (default 200)
#   --temperature T     0 = greedy, higher = more random (default 0.5)
#   --top-k K           draw among the K most likely tokens (default 0: all)
#   --seed S            seed of the draws (default 0; same seed, same text)
#
# PROMPT defaults to "This program is free software". It prints the prompt
# followed by the generated text, e.g.
#
#   This program is free software is not a copy of the same or authors of ...
#
# The pipeline (printf PROMPT | ...; the tokenize options and the separator
# follow the model's rnc.train.tokenize and rnc.train.lowercase):
#   fdsrc ! tokenize mode=char ! vocab-encode vocab=MODEL unknown=unk \
#     ! generate model=MODEL length=N temperature=T top-k=K seed=S \
#     ! vocab-decode vocab=MODEL separator="" ! fdsink
# A trailing space of the prompt is not a token (tokenize drops white space
# at the end), so the model decides whether a space comes next.
set -eu
# rnc-launch runs gst-launch-1.0's pipeline descriptions and never hangs on
# an error (docs/reliability.md); gst-launch-1.0 where it is not built.
launch=$(command -v rnc-launch || echo gst-launch-1.0)

top=$(cd "$(dirname "$0")/.." && pwd)
model=$top/pipelines/models/text.safetensors
train=no
text=/usr/share/common-licenses/GPL-3
tokens=char
epochs=60
save=""
length=200
temperature=0.5
topk=0
seed=0
prompt=""

usage () {
  sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

while [ $# -gt 0 ]; do
  case "$1" in
    --model) model=$2; shift 2 ;;
    --train) train=yes; shift ;;
    --text) text=$2; shift 2 ;;
    --tokens) tokens=$2; shift 2 ;;
    --epochs) epochs=$2; shift 2 ;;
    --save) save=$2; shift 2 ;;
    --length) length=$2; shift 2 ;;
    --temperature) temperature=$2; shift 2 ;;
    --top-k) topk=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    -h|--help) usage ;;
    -*) echo "generate-text: unknown option $1" >&2; usage ;;
    *) [ -z "$prompt" ] || usage; prompt=$1; shift ;;
  esac
done
[ -n "$prompt" ] || prompt="This program is free software"
case "$tokens" in char|word) ;; *) usage ;; esac
if ! gst-inspect-1.0 generate >/dev/null 2>&1; then
  echo "generate-text: the generate element is not found; run inside 'meson devenv -C build'" >&2
  exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/generate-text.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

# model_meta FILE KEY: a string value of a model's metadata (the header of a
# safetensors file is JSON after an 8-byte length)
model_meta () {
  n=$(od -An -tu8 -N8 "$1" | tr -d ' ')
  tail -c +9 "$1" | head -c "$n" | tr ',{}' '\n\n\n' \
    | sed -nE "s/^ *\"$2\" *: *\"(([^\"\\\\]|\\\\.)*)\".*/\1/p" \
    | sed 's/\\"/"/g' | head -n 1
}

if [ "$train" = yes ]; then
  [ -f "$text" ] || { echo "generate-text: no such text: $text" >&2; exit 1; }
  [ -n "$save" ] || save=$tmp/lm.safetensors
  echo "generate-text: training a $tokens model on $text (rnc-train lm) ..." >&2
  rnc-train lm --data "$text" --tokenize "$tokens" --epochs "$epochs" \
    --lr 3e-3 --patience 5 --lr-patience 2 -o "$save" -q
  model=$save
fi
[ -f "$model" ] || { echo "generate-text: no model $model (see --train)" >&2; exit 1; }

mode=$(model_meta "$model" rnc.train.tokenize)
[ -n "$mode" ] || mode=word
lower=$(model_meta "$model" rnc.train.lowercase)
[ "$lower" = true ] || lower=false
# gst-launch-1.0 needs the quotes: a bare `separator=` would swallow the link
if [ "$mode" = char ]; then sep='separator=""'; else sep='separator=" "'; fi

printf '%s' "$prompt" > "$tmp/prompt.txt"
"$launch" -q filesrc location="$tmp/prompt.txt" \
  ! tokenize mode="$mode" lowercase="$lower" \
  ! vocab-encode vocab="$model" unknown=unk \
  ! generate model="$model" length="$length" temperature="$temperature" \
      top-k="$topk" seed="$seed" \
  ! vocab-decode vocab="$model" "$sep" \
  ! filesink location="$tmp/out.txt"

# the prompt without trailing white space, then the continuation
printf '%s' "$prompt" | sed -e ':a' -e '$!{N;ba' -e '}' -e 's/[[:space:]]*$//'
[ "$mode" = char ] || printf ' '
cat "$tmp/out.txt"
echo
