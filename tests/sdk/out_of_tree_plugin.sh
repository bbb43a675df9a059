#!/usr/bin/env bash
# The SDK as a plugin author outside this tree uses it: installs it from
# this build (`cmake --install`, components sdk and host), builds
# examples/plugins against the installed copy only, in a build of its own
# (Release, while the test builds are Debug: assertions may differ), runs
# the installed contract suite (cpe-store-contract) on the plugin, then has
# example_plugin_test load it into a running host by path. When this build
# uses sanitizers, a second copy built without them must be refused.
#   out_of_tree_plugin.sh BUILD_DIR SOURCE_DIR TEST_BINARY "SANITIZER_FLAGS"
set -euo pipefail

build_dir="$1" source_dir="$2" test_binary="$3" sanitizer_flags="${4:-}"
work="$(mktemp -d "${TMPDIR:-/tmp}/cpe-sdk-XXXXXX")"
trap 'rm -rf "$work"' EXIT
prefix="$work/prefix"

echo "== installing the SDK from $build_dir into $prefix"
for component in sdk host; do
  cmake --install "$build_dir" --prefix "$prefix" --component "$component" >/dev/null
done

build_example() {  # build dir, compiler flags
  cmake -S "$source_dir/examples/plugins" -B "$1" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_CXX_FLAGS="$2" >/dev/null
  cmake --build "$1" >/dev/null
}

echo "== building examples/plugins against the installed SDK (flags: '${sanitizer_flags}')"
build_example "$work/example" "$sanitizer_flags"
plugin="$work/example/libcpe_store_example.so"

echo "== the same source through the installed pkg-config file"
PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --exact-version="$(
  sed -n 's/^#define CPE_SDK_VERSION "\(.*\)"/\1/p' "$prefix/include/cpe/sdk/version.h")" cpe-sdk
# shellcheck disable=SC2046  # the flags are words
g++ -fsyntax-only $(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --cflags cpe-sdk) \
  "$source_dir/examples/plugins/example_store.cpp"

echo "== the installed contract suite on $plugin"
"$prefix/bin/cpe-store-contract" "$plugin"

mismatched=""
if [[ -n "$sanitizer_flags" ]]; then
  echo "== building it again without sanitizers, for the host to refuse"
  build_example "$work/plain" ""
  mismatched="$work/plain/libcpe_store_example.so"
fi

echo "== loading it into a running host"
CPE_EXAMPLE_STORE_PLUGIN="$plugin" CPE_MISMATCHED_STORE_PLUGIN="$mismatched" "$test_binary"
