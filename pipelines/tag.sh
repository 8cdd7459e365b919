#!/bin/sh
# Tags raw text with a part-of-speech tagger: one `word<TAB>tag` line per
# word, a blank line between sentences.
#
#   meson devenv -C build -w . sh pipelines/tag.sh [OPTIONS] [TEXT]
#
#   --model FILE        a tagger (rnc-train tag); without it, one is trained
#                       first on the reference data's Penn Treebank sample
#   --data DIR          the reference data (default $RNC_SHARED_DATA, else
#                       ../shared/data beside the project); uses
#                       DIR/pos/treebank_TAGSET_{train,dev}.conll
#   --tagset universal|penn   tags of the trained tagger (default universal)
#   --epochs N          training epochs at most (default: rnc-train's 30)
#   --delay K|auto      lookahead of the trained tagger (default: rnc-train's
#                       auto, which trains k = 0, 1, 2 and keeps the best)
#   --ensemble N        taggers averaged in one (default: rnc-train's 3);
#                       --delay 1 --ensemble 1 trains 9 times faster
#   --save FILE         keep the trained tagger there
#
# TEXT is a file of raw text (default: standard input). Exit status 77 (a
# skip for the tests) when there is neither a --model nor the data to train.
#
# Steps:
#   1. tokenize: filesrc location=TEXT ! tokenize ! filesink  (NLTK WordPunct
#      tokens, one per line; a pilcrow line stands for each paragraph break)
#   2. sentences: a blank line after sentence-final punctuation (. ! ? and
#      runs such as ." or ?!) unless a lowercase word or a digit follows or
#      it closes a title (Mr. Dr. Inc. ...), and at paragraph breaks:
#      tokenize itself does not see sentences, so the script marks them
#      (awk); vocab-encode turns each blank line into an rnc/reset event, so
#      the tagger starts every sentence from a fresh state, as trained.
#   3. the tagger:
#        filesrc location=words.txt ! vocab-encode vocab=TAGGER unknown=unk \
#          ! lstm model=TAGGER output=argmax ! vocab-decode vocab=TAGGER \
#          ! filesink location=tags.txt
#      (rnn instead of lstm for an RNN tagger; unknown words map to their
#      `<unk-...>` class; vocab-decode writes an empty line at each reset;
#      a tagger that looks k words ahead, rnc.delay, runs unchanged: the
#      element emits each tag k words late and pushes a sentence's last k
#      tags at its blank line, so the tags stay one per word)
#   4. paste words.txt tags.txt
# Note: WordPunct splits `don't` into don ' t, where the treebank has do n't;
# such words get the tags of their pieces.
set -eu
# rnc-launch runs gst-launch-1.0's pipeline descriptions and never hangs on
# an error (docs/reliability.md); gst-launch-1.0 where it is not built.
launch=$(command -v rnc-launch || echo gst-launch-1.0)

top=$(cd "$(dirname "$0")/.." && pwd)
model=""
data=${RNC_SHARED_DATA:-$top/../shared/data}
tagset=universal
epochs=""
delay=""
ensemble=""
save=""
text=""

usage () {
  sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

while [ $# -gt 0 ]; do
  case "$1" in
    --model) model=$2; shift 2 ;;
    --data) data=$2; shift 2 ;;
    --tagset) tagset=$2; shift 2 ;;
    --epochs) epochs=$2; shift 2 ;;
    --delay) delay=$2; shift 2 ;;
    --ensemble) ensemble=$2; shift 2 ;;
    --save) save=$2; shift 2 ;;
    -h|--help) usage ;;
    -*) echo "tag: unknown option $1" >&2; usage ;;
    *) [ -z "$text" ] || usage; text=$1; shift ;;
  esac
done
case "$tagset" in universal|penn) ;; *) usage ;; esac
if ! gst-inspect-1.0 tokenize >/dev/null 2>&1; then
  echo "tag: the plugin is not found; run inside 'meson devenv -C build'" >&2
  exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tag.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

if [ -z "$model" ]; then
  train_file=$data/pos/treebank_${tagset}_train.conll
  dev_file=$data/pos/treebank_${tagset}_dev.conll
  if [ ! -f "$train_file" ]; then
    echo "tag: no tagger given (--model) and no training data in $data/pos" >&2
    exit 77
  fi
  [ -n "$save" ] || save=$tmp/tagger.safetensors
  echo "tag: training a $tagset tagger on $(basename "$train_file") (rnc-train tag) ..." >&2
  # shellcheck disable=SC2086
  rnc-train tag --data "$train_file" --dev "$dev_file" ${epochs:+--epochs $epochs} \
    ${delay:+--delay $delay} ${ensemble:+--ensemble $ensemble} -o "$save" -q
  model=$save
fi
[ -f "$model" ] || { echo "tag: no such tagger: $model" >&2; exit 1; }

# the model's cell names the element (rnc.cell in the safetensors header)
n=$(od -An -tu8 -N8 "$model" | tr -d ' ')
if tail -c +9 "$model" | head -c "$n" | grep -q '"rnc.cell":"rnn"'; then
  cell=rnn
else
  cell=lstm
fi

if [ -n "$text" ]; then
  [ -f "$text" ] || { echo "tag: no such file: $text" >&2; exit 1; }
  cat "$text" > "$tmp/text.txt"
else
  cat > "$tmp/text.txt"
fi

# 1. tokens; a blank line of the text becomes a line with a pilcrow
awk '/^[[:space:]]*$/ { if (!blank) print "\n\xc2\xb6\n"; blank = 1; next }
  { blank = 0; print }' "$tmp/text.txt" > "$tmp/marked.txt"
"$launch" -q filesrc location="$tmp/marked.txt" ! tokenize \
  ! filesink location="$tmp/tokens.txt"

# 2. one sentence per block: a sentence ends after final punctuation that
# is followed by neither a lowercase word nor a digit (so 5.50 and "e.g. this"
# go on) and does not close a title (Mr. Dr. ...), and at paragraph breaks
awk 'function end_sentence() { if (open) print ""; open = 0 }
  {
    tok = $0
    if (pending) {
      pending = 0
      if (tok !~ /^[[:lower:][:digit:]]/) end_sentence()
    }
    if (tok == "\xc2\xb6") { end_sentence(); prev = ""; next }
    print tok
    open = 1
    if (tok ~ /^[^[:alnum:]_]*[.!?][^[:alnum:]_]*$/ \
        && !(tok == "." && prev ~ /^(Mr|Mrs|Ms|Dr|Prof|St|Jr|Sr|Inc|Corp|Co|Ltd|vs)$/))
      pending = 1
    prev = tok
  }
  END { end_sentence() }' "$tmp/tokens.txt" > "$tmp/words.txt"
[ -s "$tmp/words.txt" ] || exit 0

# 3. the tagger
"$launch" -q filesrc location="$tmp/words.txt" \
  ! vocab-encode vocab="$model" unknown=unk \
  ! $cell model="$model" output=argmax \
  ! vocab-decode vocab="$model" \
  ! filesink location="$tmp/tags.txt"

# 4. side by side
if [ "$(wc -l < "$tmp/words.txt")" -ne "$(wc -l < "$tmp/tags.txt")" ]; then
  echo "tag: $(wc -l < "$tmp/words.txt") word lines but $(wc -l < "$tmp/tags.txt") tag lines" >&2
  exit 1
fi
paste "$tmp/words.txt" "$tmp/tags.txt" | sed 's/^\t$//'
