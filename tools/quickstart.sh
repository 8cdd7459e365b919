#!/bin/sh
# gst-recurrent quick start: installs what is missing (Debian packages via
# apt), builds with meson, then runs the main job or the test suite.
#
#   tools/quickstart.sh demo            build, then run the demo pipelines
#   tools/quickstart.sh test            build, then run the whole test suite
#   tools/quickstart.sh test --sanitize the suite in an ASan + UBSan build
#
# Build folders: build/ (and build-sanitize/), next to meson.build.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

mode=${1:-demo}
sanitize=no
[ "${2:-}" = "--sanitize" ] && sanitize=yes

# Debian 12 packages the project needs to build, run and test.
pkgs="gcc g++ meson ninja-build pkg-config libglib2.0-dev libjson-glib-dev
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev gstreamer1.0-tools
  gstreamer1.0-plugins-base gstreamer1.0-plugins-bad libopenblas-dev
  libgtest-dev gnuplot-nox"

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

if [ "$sanitize" = yes ]; then
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
    echo "usage: tools/quickstart.sh demo|test [--sanitize]" >&2
    exit 2
    ;;
esac
