#!/bin/sh
# `meson install` into a temporary DESTDIR, then the installed files are
# used from there: gst-inspect-1.0 finds the plugin through GST_PLUGIN_PATH
# in the installed plugin folder, the installed tools run (statically linked
# librnc: no rpath, no shared library to find).
#
#   test-install.sh BUILD_ROOT PLUGINS_DIR BINDIR MODEL
#
# PLUGINS_DIR and BINDIR are the absolute install folders meson computed
# (GStreamer's pluginsdir under this build's prefix, prefix/bindir).
set -eu

build=$1
plugindir=$2
bindir=$3
model=$4

dest=$(mktemp -d "${TMPDIR:-/tmp}/rnc-install-XXXXXX")
trap 'rm -rf "$dest"' EXIT INT TERM

fail () {
  echo "test-install: FAIL: $*" >&2
  exit 1
}

meson install -C "$build" --destdir "$dest" --no-rebuild --quiet \
  || fail "meson install --destdir $dest"

plugin="$dest$plugindir/libgstrecurrent.so"
[ -f "$plugin" ] || fail "no plugin at $plugin; installed: $(cd "$dest" && find . -type f)"
for t in rnc-train rnc-info rnc-seed-model rnc-launch; do
  [ -x "$dest$bindir/$t" ] || fail "no $t in $dest$bindir"
  if ldd "$dest$bindir/$t" | grep -q "not found\|librnc"; then
    fail "$t needs a library it cannot find: $(ldd "$dest$bindir/$t")"
  fi
done
if ldd "$plugin" | grep -q "not found\|librnc"; then
  fail "the plugin needs a library it cannot find: $(ldd "$plugin")"
fi

# The installed tools run in any build; gst-inspect-1.0 (not sanitized)
# cannot load a sanitized plugin, so a sanitized build checks the files and
# the tools only (the normal build runs the gst-inspect part).
info=$("$dest$bindir/rnc-info" "$model") || fail "installed rnc-info $model"
echo "$info" | grep -q "^cell: lstm" || fail "rnc-info output: $info"
"$dest$bindir/rnc-train" --help >/dev/null || fail "installed rnc-train --help"
case "${RNC_SANITIZE:-none}" in
  none|"") ;;
  *) echo "test-install: ok ($plugin, $dest$bindir; gst-inspect-1.0 not run in a ${RNC_SANITIZE} build)"
     exit 0 ;;
esac

# gst-inspect-1.0 from the installed folder only (plus the system's core
# plugins), with a registry of its own
sys=$(pkg-config --variable=pluginsdir gstreamer-1.0)
out=$(GST_PLUGIN_PATH_1_0="$dest$plugindir" GST_PLUGIN_SYSTEM_PATH_1_0="$sys" \
  GST_REGISTRY_1_0="$dest/registry.bin" GST_REGISTRY_FORK=no \
  gst-inspect-1.0 recurrent) || fail "gst-inspect-1.0 recurrent: $out"
echo "$out" | grep -q "Filename *$plugin" || fail "plugin not loaded from $plugin: $out"
for e in rnn lstm generate csvdec csvenc tokenize vocab-encode vocab-decode; do
  echo "$out" | grep -q "^  $e:" || fail "element $e missing: $out"
done
echo "$out" | grep -q "Source module *gst-recurrent" || fail "source module: $out"

# The installed rnc-launch runs a pipeline of the installed plugin to EOS
# (exit 0) and reports an element error with exit status 1.
launch () {
  GST_PLUGIN_PATH_1_0="$dest$plugindir" GST_PLUGIN_SYSTEM_PATH_1_0="$sys" \
    GST_REGISTRY_1_0="$dest/registry.bin" GST_REGISTRY_FORK=no \
    "$dest$bindir/rnc-launch" -q "$@"
}
got=$(printf 'v\n1.5\n-2\n' | launch fdsrc ! csvdec ! csvenc ! fdsink) \
  || fail "installed rnc-launch: csvdec ! csvenc"
[ "$got" = "$(printf '1.5\n-2')" ] || fail "installed rnc-launch printed: $got"
rc=0
err=$(printf 'v\n1\nx\n' | launch fdsrc ! csvdec ! fakesink 2>&1) || rc=$?
[ "$rc" -eq 1 ] || fail "installed rnc-launch on a bad field: exit $rc: $err"
echo "$err" | grep -q "^ERROR: from element .*csvdec" \
  || fail "installed rnc-launch on a bad field printed: $err"

echo "test-install: ok ($plugin, $dest$bindir)"
