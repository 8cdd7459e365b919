#!/bin/sh
# The notebook's NLP section (Q9-Q11) as gst-launch-1.0 pipelines, printing
# the notebook's numbers and checking them (and the reference files).
#
#   meson devenv -C build sh pipelines/seed-nlp.sh [DATA]
#
# DATA is the reference data folder (default: $RNC_SHARED_DATA, else
# ../shared/data beside the project). It needs
#   nltk_data_subset/corpora/gutenberg/melville-moby_dick.txt   the book
#   nltk_data_subset/corpora/words/en                           the word list
# and, for the extra comparisons, moby/*.txt. Run it inside
# `meson devenv -C build` (the plugin on GST_PLUGIN_PATH). Exit status: 0
# when every check holds, 1 when one fails, 77 (skip) when DATA is absent.
#
# The pipelines:
#   Q9   filesrc location=BOOK ! tokenize ! filesink location=tokens.txt
#        filesrc location=BOOK ! tokenize max-tokens=50000 lowercase=true \
#            dictionary=words/en stopwords=english ! filesink location=preprocessed.txt
#   Q10  filesrc location=preprocessed.txt ! vocab-encode build=true vocab=vocab.txt ! \
#            filesink location=ids.s32
#        filesrc location=ids.s32 ! other/x-frames,format=S32LE,width=1,framerate=0/1 ! \
#            vocab-decode vocab=vocab.txt ! filesink location=decoded.txt
#   Q11  filesrc location=preprocessed.txt ! vocab-encode vocab=vocab.txt output=onehot ! \
#            vocab-decode vocab=vocab.txt ! vocab-encode vocab=vocab.txt ! filesink location=argmax.s32
#        (one-hot frames -> argmax per row, as the word -> its index)
set -eu
# rnc-launch runs gst-launch-1.0's pipeline descriptions and never hangs on
# an error (docs/reliability.md); gst-launch-1.0 where it is not built.
launch=$(command -v rnc-launch || echo gst-launch-1.0)

top=$(cd "$(dirname "$0")/.." && pwd)
data=${1:-${RNC_SHARED_DATA:-$top/../shared/data}}
book=$data/nltk_data_subset/corpora/gutenberg/melville-moby_dick.txt
words=$data/nltk_data_subset/corpora/words/en
moby=$data/moby

if [ ! -f "$book" ] || [ ! -f "$words" ]; then
  echo "seed-nlp: reference data not found in $data (pass its folder as argument)"
  exit 77
fi
if ! gst-inspect-1.0 tokenize >/dev/null 2>&1; then
  echo "seed-nlp: the tokenize element is not found; run inside 'meson devenv -C build'" >&2
  exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/seed-nlp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
fails=0

launch () {
  "$launch" -q "$@"
}

# check NAME EXPECTED ACTUAL: prints the notebook-style "True"/"False"
check () {
  if [ "$2" = "$3" ]; then
    echo "True    $1"
  else
    echo "False   $1: expected '$2', got '$3'"
    fails=$((fails + 1))
  fi
}

# same_file NAME A B: byte-identical files
same_file () {
  if [ -f "$3" ]; then
    if cmp -s "$2" "$3"; then
      echo "True    $1"
    else
      echo "False   $1"
      fails=$((fails + 1))
    fi
  fi
}

# S32LE ids -> decimal, one per line
ids_to_text () {
  od -An -v -td4 -w4 "$1" | tr -d ' '
}

# python-style list of lines $2..$3 (1-based) of file $1
py_list () {
  sed -n "$2,$3p" "$1" | awk 'BEGIN { printf "[" } { printf "%s'\''%s'\''", (NR > 1 ? ", " : ""), $0 } END { print "]" }'
}

# encode_word WORD -> its id through vocab-encode
encode_word () {
  printf '%s\n' "$1" | launch fdsrc ! vocab-encode vocab="$tmp/vocab.txt" ! fdsink \
    | od -An -td4 | tr -d ' \n'
}

# decode_id ID -> its word through vocab-decode
decode_id () {
  set -- "$1" $(($1 & 255)) $(($1 >> 8 & 255)) $(($1 >> 16 & 255)) $(($1 >> 24 & 255))
  printf "$(printf '\\%03o\\%03o\\%03o\\%03o' "$2" "$3" "$4" "$5")" \
    | launch fdsrc ! other/x-frames,format=S32LE,width=1,framerate=0/1 \
        ! vocab-decode vocab="$tmp/vocab.txt" ! fdsink
}

echo "== Moby Dick, tokenized (NLTK WordPunct) =="
launch filesrc location="$book" ! tokenize ! filesink location="$tmp/tokens.txt"
echo "text[:5] = $(py_list "$tmp/tokens.txt" 1 5)"
echo "len(text) = $(wc -l < "$tmp/tokens.txt")"
check "len(text) == 260819" 260819 "$(wc -l < "$tmp/tokens.txt" | tr -d ' ')"
head -n 50000 "$tmp/tokens.txt" > "$tmp/tokens50k.txt"
same_file "list(text)[:50000] == moby_tokens_first50000.txt" "$tmp/tokens50k.txt" \
  "$moby/moby_tokens_first50000.txt"

echo
echo "== Q9: preprocessed = lowercase words[:50000] in english_dict, not stopwords =="
launch filesrc location="$book" ! tokenize max-tokens=50000 lowercase=true \
  dictionary="$words" stopwords=english ! filesink location="$tmp/preprocessed.txt"
echo "preprocessed[5000:5025] = $(py_list "$tmp/preprocessed.txt" 5001 5025)"
check "preprocessed[5000:5025] == ans" \
  "last fire took idol unceremoniously bagged grego pocket carelessly sportsman bagging dead woodcock queer uncomfortableness seeing strong concluding business bed thought high time never light" \
  "$(sed -n '5001,5025p' "$tmp/preprocessed.txt" | tr '\n' ' ' | sed 's/ $//')"
echo "len(preprocessed) = $(wc -l < "$tmp/preprocessed.txt")"
check "len(preprocessed) == 16377" 16377 "$(wc -l < "$tmp/preprocessed.txt" | tr -d ' ')"
same_file "preprocessed == moby_preprocessed_first50000.txt" "$tmp/preprocessed.txt" \
  "$moby/moby_preprocessed_first50000.txt"

echo
echo "== Q10: sorted unique words, word_to_idx / idx_to_word =="
launch filesrc location="$tmp/preprocessed.txt" ! vocab-encode build=true vocab="$tmp/vocab.txt" \
  ! filesink location="$tmp/ids.s32"
echo "sorted_unique_words[:5] = $(py_list "$tmp/vocab.txt" 1 5)"
echo "len(sorted_unique_words) = $(wc -l < "$tmp/vocab.txt")"
check "len(sorted_unique_words) == 4357" 4357 "$(wc -l < "$tmp/vocab.txt" | tr -d ' ')"
check "sorted_unique_words[932] == 'daylight'" daylight "$(sed -n 933p "$tmp/vocab.txt")"
check "idx_to_word[102] == 'amazingly'" amazingly "$(decode_id 102)"
check "word_to_idx['captain'] == 544" 544 "$(encode_word captain)"
check "word_to_idx[idx_to_word[102]] == 102" 102 "$(encode_word "$(decode_id 102)")"
check "idx_to_word[word_to_idx['boat']] == 'boat'" boat "$(decode_id "$(encode_word boat)")"
same_file "sorted_unique_words == moby_vocab_first50000.txt" "$tmp/vocab.txt" \
  "$moby/moby_vocab_first50000.txt"
ids_to_text "$tmp/ids.s32" > "$tmp/ids.txt"
same_file "[word_to_idx[w] for w in preprocessed] == moby_preprocessed_indices.txt" \
  "$tmp/ids.txt" "$moby/moby_preprocessed_indices.txt"
launch filesrc location="$tmp/ids.s32" ! other/x-frames,format=S32LE,width=1,framerate=0/1 \
  ! vocab-decode vocab="$tmp/vocab.txt" ! filesink location="$tmp/decoded.txt"
same_file "decode(encode(preprocessed)) == preprocessed" "$tmp/decoded.txt" "$tmp/preprocessed.txt"

echo
echo "== Q11: one-hot encoding =="
width=$("$launch" -v filesrc location="$tmp/preprocessed.txt" \
    ! vocab-encode vocab="$tmp/vocab.txt" output=onehot name=enc \
    ! vocab-decode vocab="$tmp/vocab.txt" ! vocab-encode vocab="$tmp/vocab.txt" \
    ! filesink location="$tmp/argmax.s32" 2>&1 \
  | sed -n 's/.*enc\.GstPad:src: caps = .*format=(string)F32LE, width=(int)\([0-9]*\).*/\1/p' \
  | head -n 1)
ids_to_text "$tmp/argmax.s32" > "$tmp/argmax.txt"
frames=$(wc -l < "$tmp/argmax.txt" | tr -d ' ')
echo "encoded.shape = ($frames, $width)"
check "encoded.shape == (16377, 4357)" "16377 4357" "$frames $width"
row102=$(sed -n 103p "$tmp/argmax.txt")
echo "np.argmax(encoded[102,:]) = $row102 ('$(sed -n "$((row102 + 1))p" "$tmp/vocab.txt")')"
check "np.argmax(encoded[102,:]) == 591" 591 "$row102"
same_file "argmax of every one-hot row == word_to_idx" "$tmp/argmax.txt" "$tmp/ids.txt"

echo
if [ "$fails" -eq 0 ]; then
  echo "seed-nlp: all checks passed"
else
  echo "seed-nlp: $fails check(s) failed"
  exit 1
fi
