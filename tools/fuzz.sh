#!/bin/sh
# Runs one libFuzzer target of tests/fuzz on its seed corpus (docs/fuzzing.md).
#
#   tools/fuzz.sh [--known] NAME SECONDS [LIBFUZZER_OPTION...]
#   tools/fuzz.sh --list
#
# Builds build-fuzz/ (clang, -Dfuzzing=true) when needed, copies
# tests/fuzz/corpus/NAME/ to a temporary work corpus (the committed seeds
# are never changed), runs the target for SECONDS on one core, then prints
# the executions, exec/s, coverage and findings. A finding (crash, leak,
# timeout, violated invariant) is kept as build-fuzz/findings/NAME/crash-*
# and makes the script exit 1; the whole output is in build-fuzz/fuzz-NAME.log. Set FUZZ_KEEP_CORPUS=DIR to keep the work
# corpus there (new seeds worth committing can be minimised from it).
#
# --known: skip the checks that the four parser bugs of issue 13 break
# (RNC_FUZZ_KNOWN_BUGS=1 and a leak suppression for json-glib), for long
# runs on a tree where they are not fixed yet.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
bdir=build-fuzz
targets="model state safetensors csv tokenizer vocab wordset conll onnx"

known=no
if [ "${1:-}" = "--known" ]; then known=yes; shift; fi
if [ "${1:-}" = "--list" ]; then echo $targets; exit 0; fi
if [ $# -lt 2 ]; then
  echo "usage: tools/fuzz.sh [--known] NAME SECONDS [LIBFUZZER_OPTION...]" >&2
  echo "       NAME: $targets" >&2
  exit 2
fi
name=$1 secs=$2
shift 2
case " $targets " in *" $name "*) ;; *) echo "fuzz.sh: no target '$name' ($targets)" >&2; exit 2 ;; esac

if ! command -v clang >/dev/null 2>&1; then
  echo "fuzz.sh: clang is missing: tools/quickstart.sh fuzz installs it" >&2
  exit 2
fi
if [ ! -f "$bdir/build.ninja" ]; then
  CC=clang CXX=clang++ meson setup "$bdir" -Dfuzzing=true -Dtests=disabled \
    -Dbuildtype=debugoptimized -Dwerror=true >/dev/null
fi
ninja -C "$bdir" "tests/fuzz/fuzz-$name" >/dev/null

work=$(mktemp -d "${TMPDIR:-/tmp}/rnc-fuzz-$name.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
mkdir -p "$work/corpus" "$bdir/findings/$name"
cp tests/fuzz/corpus/"$name"/* "$work/corpus/"
dict=""
case $name in
  model|state|safetensors) dict="-dict=tests/fuzz/safetensors.dict" ;;
  csv) dict="-dict=tests/fuzz/csv.dict" ;;
esac

asan="abort_on_error=1:detect_leaks=1"
if [ "$known" = yes ]; then
  export RNC_FUZZ_KNOWN_BUGS=1
  export LSAN_OPTIONS="suppressions=$top/tests/fuzz/known-bugs.supp:print_suppressions=0"
  asan="$asan:fast_unwind_on_malloc=0"   # so the suppression sees json-glib
fi
# GLib 2.74 allocates JsonNodes from GSlice magazines, where LeakSanitizer
# cannot see a leak; plain malloc makes json-glib's leaks visible.
export G_SLICE=always-malloc
export ASAN_OPTIONS="${ASAN_OPTIONS:-$asan}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

log="$bdir/fuzz-$name.log"         # kept: the whole libFuzzer output
rc=0
# shellcheck disable=SC2086
"$bdir/tests/fuzz/fuzz-$name" -max_total_time="$secs" -timeout=10 \
  -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
  -artifact_prefix="$bdir/findings/$name/" $dict "$@" "$work/corpus" \
  >"$log" 2>&1 || rc=$?

# Summary: the last status line and the final stats of libFuzzer.
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
units=$(ls "$work/corpus" | wc -l)
echo "fuzz-$name: ${secs}s, ${execs:-?} executions, ${eps:-?} exec/s," \
  "coverage ${cov:-?} edges (${ft:-?} features), corpus $units files"
if [ -n "${FUZZ_KEEP_CORPUS:-}" ]; then
  mkdir -p "$FUZZ_KEEP_CORPUS"
  cp "$work/corpus"/* "$FUZZ_KEEP_CORPUS/"
fi
if [ "$rc" -ne 0 ]; then
  echo "fuzz-$name: FINDING (exit $rc):"
  grep -E 'ERROR|invariant violated|SUMMARY|^    #[0-9] ' "$log" | head -30
  ls "$bdir/findings/$name/" 2>/dev/null | sed 's/^/  saved: /'
  echo "  log: $log"
  exit 1
fi
echo "fuzz-$name: no finding"
