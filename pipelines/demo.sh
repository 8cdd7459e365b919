#!/bin/sh
# The main job of the quick start. Run inside `meson devenv -C build`, which
# puts the plugin on GST_PLUGIN_PATH and the tools on PATH.
set -eu
rnc-demo
