#!/bin/sh
# Regenerates the seed corpora of tests/fuzz/corpus/NAME/ (committed):
# binary seeds from the library's own writers (fuzz-gen-corpus, gen-corpus.c),
# the PyTorch state_dict fixtures of tests/data (written by
# tests/data/gen-torch-fixtures.py), and hand-written text seeds.
#
#   tests/fuzz/make-corpus.sh [BUILD_DIR]     (default: build)
#
# csv and tokenizer inputs start with two option bytes, vocab inputs with
# one (see the harnesses); "\001\002" below are those bytes.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-build}
c="$top/tests/fuzz/corpus"
cd "$top"

mkdir -p "$c/model" "$c/state" "$c/safetensors" "$c/csv" "$c/tokenizer" \
  "$c/vocab" "$c/wordset" "$c/conll"

ninja -C "$build" tests/fuzz/fuzz-gen-corpus >/dev/null
"$build/tests/fuzz/fuzz-gen-corpus" "$c"
for f in torch-rnn torch-lstm torch-embed-lstm torch-rnn-nobias \
    torch-embed-gru torch-gru-1l; do
  cp tests/data/$f.safetensors "$c/model/$f.safetensors"
done
for f in torch-rnn-state torch-lstm-state torch-gru-1l-state; do
  cp tests/data/$f.safetensors "$c/state/$f.safetensors"
done
cp tests/data/torch-rnn-io.safetensors "$c/safetensors/torch-rnn-io.safetensors"

# csv: option byte (delimiter bits 0-1, header 2-3, nan 4-5, columns 6-7),
# chunking seed, text.
p() { printf "$2" > "$c/$1"; }
p csv/header-auto    '\000\003time,value\n1949-01,112\n1949-02,118\n1949-03,132\n'
p csv/no-header      '\000\001 1, 2.5 ,-3e2\r\n.5,5.,+7E-1\n\n4,5,6\n'
p csv/quoted         '\000\007"a, ""b""",c\n"1",2\n"3\n",4\n'
p csv/nan-skip       '\020\002x,y\n1,nan\n2,3\nNA,4\n,5\n'
p csv/nan-hold       '\040\005x;y\nn/a;1\n2;null\n3;None\n'
p csv/tab-columns    '\202\004v\tw\n1\t2\n3\t4\n'
p csv/named-column   '\300\006time,value\n1,2\n3,4\n'
p csv/bom-blank      '\000\011\357\273\277\n\na,b\n\n1,2\n'
p csv/errors         '\000\010a,b\n1,x\n"unterminated\n'
p csv/pipe-absent    '\013\001 1|2\n3|4\n'

# tokenizer: option byte (bit 0 char mode, 1 skip invalid, 2 lowercase,
# 3-4 max token bytes 4/5/16/1024, 5 max tokens), chunking seed, text.
p tokenizer/word     '\030\003Call me Ishmael. Some years ago -- never mind how long!\n'
p tokenizer/char     '\031\002Hello,  world\t\n\nagain'
p tokenizer/unicode  '\034\005\303\211COLE caf\303\251 \304\260stanbul \316\243\316\243 na\303\257ve \342\200\250x\302\240y'
p tokenizer/invalid  '\030\007ab\377cd\300\200e\355\240\200f\360\237\230'
p tokenizer/skip     '\032\001ab\377cd \342\202'
p tokenizer/long-run '\000\004aaaaaaaaaaaaaaaaaaaaaa,,,,,,,,,,,,\303\251\303\251\303\251'
p tokenizer/max      '\370\006one two three four five six seven eight nine ten'
p tokenizer/bom      '\030\000\357\273\277bom start_here 42x __ \302\275'

# vocab: option byte (bit 0: JSON list), text.
p vocab/file         '\000a\nb\n<unk>\nthe\n\303\251t\303\251\r\n,\n'
p vocab/json         '\001["a", "b", "<unk>", "\\u00e9", " ", "\\t"]'
p vocab/words        '\000Walking\nPre-1990s\nhappiness\nUSA\n3rd\n'
p vocab/json-labels  '\001  ["NN","VB","."] '
p vocab/bad-dup      '\000a\nb\na\n'
p vocab/control      '\000a\037b\n\001\002\t\n'

# wordset: word lists as NLTK reads them.
p wordset/stopwords  'i\nme\nmy\nyou'"'"'re\n\nthe\r\nand\n'
p wordset/mixed      'apple\nBanana\nIPA\n\303\251t\303\251\n\303\211T\303\211\n123\nx1\n\304\260\n'
p wordset/text       'call me ishmael\nme\nishmael\nCall\n'

# conll: word<TAB>tag lines, blank line between sentences.
p conll/two          'The\tDT\ncat\tNN\nsat\tVBD\n.\t.\n\nIt\tPRP\nran\tVBD\n'
p conll/crlf         'A\tDT \r\nword\t NN\r\n\r\n\r\nend\tX'
p conll/unicode      'caf\303\251\tNN\n\342\200\224\t:\n\n'
p conll/bad          'no tab here\n'
echo "corpus written to $c"
