#!/usr/bin/env bash
# Builds the Debian packages: a Release build with the install prefix /usr
# (BUILD_DIR, default build-release), only the targets the packages hold,
# then cpack. The .debs land in BUILD_DIR/packages.
#   bash deploy/ci/packages.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
build_dir="${1:-build-release}"
started=$SECONDS

cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr \
  -DCPE_WERROR=ON >/dev/null
cmake --build "$build_dir" --parallel "${CPE_JOBS:-$(nproc)}" --target cpe_package_targets
rm -rf "$build_dir/packages"
(cd "$build_dir" && cpack --config CPackConfig.cmake >/dev/null)
echo "packages: $(cd "$build_dir/packages" && ls ./*.deb | tr '\n' ' ')in $((SECONDS - started)) s"
