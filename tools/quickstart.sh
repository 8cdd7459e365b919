#!/bin/sh
# gst-recurrent quick start: installs what is missing (Debian packages via
# apt), builds with meson, then runs the main job or the test suite.
#
#   tools/quickstart.sh demo            build, then run the demo pipelines
#   tools/quickstart.sh test            build, then run the whole test suite
#   tools/quickstart.sh test --sanitize the suite in an ASan + UBSan build
#   tools/quickstart.sh test --tsan     the tests that run threads (split
#                                       steps, threads=2 and auto in rnn,
#                                       lstm and generate) in a
#                                       ThreadSanitizer build
#   tools/quickstart.sh fuzz [SECONDS]  each libFuzzer target of tests/fuzz
#                                       for SECONDS (default 20; clang, see
#                                       docs/fuzzing.md)
#
# Build folders: build/ (and build-sanitize/, build-tsan/), next to meson.build.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

mode=${1:-demo}
sanitize=no
[ "${2:-}" = "--sanitize" ] && sanitize=yes
[ "${2:-}" = "--tsan" ] && sanitize=thread
fuzz_secs=20
[ "$mode" = fuzz ] && fuzz_secs=${2:-20}

# Debian 12 packages the project needs to build, run and test.
pkgs="gcc g++ meson ninja-build pkg-config libglib2.0-dev libjson-glib-dev
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev gstreamer1.0-tools
  gstreamer1.0-plugins-base gstreamer1.0-plugins-bad libopenblas-dev
  libgtest-dev gnuplot-nox libprotobuf-c-dev protobuf-c-compiler libonnx-dev"
# Fuzzing: clang and its libFuzzer / sanitizer runtimes.
[ "$mode" = fuzz ] && pkgs="$pkgs clang libclang-rt-dev"

missing=""
for p in $pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" \
    || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "quickstart: installing Debian packages:$missing"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
fi

if [ "$mode" = fuzz ]; then
  # build-fuzz/ is set up by tools/fuzz.sh (clang, -Dfuzzing=true).
  failed=""
  for t in $("$top/tools/fuzz.sh" --list); do
    "$top/tools/fuzz.sh" "$t" "$fuzz_secs" -seed=1 || failed="$failed $t"
  done
  if [ -n "$failed" ]; then
    echo "quickstart: fuzz targets with findings:$failed (build-fuzz/findings/)" >&2
    exit 1
  fi
  exit 0
fi

# The tests ThreadSanitizer runs, and what they need built.
tsan_tests="threads runner generator"
tsan_targets="plugins/libgstrecurrent.so tools/rnc-train tests/test-threads
  tests/test-runner tests/test-generator"

if [ "$sanitize" = thread ]; then
  bdir=build-tsan
  [ -f "$bdir/build.ninja" ] || meson setup "$bdir" -Db_sanitize=thread \
    -Db_lundef=false -Dbuildtype=debug -Dwerror=true
  # shellcheck disable=SC2086
  ninja -C "$bdir" $tsan_targets
  [ "$mode" = test ] || { echo "usage: tools/quickstart.sh test --tsan" >&2; exit 2; }
  # shellcheck disable=SC2086
  exec meson test -C "$bdir" --no-rebuild --print-errorlogs --num-processes 2 $tsan_tests
elif [ "$sanitize" = yes ]; then
  bdir=build-sanitize
  [ -f "$bdir/build.ninja" ] || meson setup "$bdir" -Db_sanitize=address,undefined \
    -Db_lundef=false -Dbuildtype=debug -Dwerror=true
else
  bdir=build
  [ -f "$bdir/build.ninja" ] || meson setup "$bdir" -Dwerror=true
fi
ninja -C "$bdir"

case "$mode" in
  demo)
    exec meson devenv -C "$bdir" sh "$top/pipelines/demo.sh" \
      --plot "$top/$bdir/demo-forecast.png"
    ;;
  test)
    exec meson test -C "$bdir" --print-errorlogs --num-processes 2
    ;;
  *)
    echo "usage: tools/quickstart.sh demo|test [--sanitize|--tsan]|fuzz [SECONDS]" >&2
    exit 2
    ;;
esac
