#!/usr/bin/env bash
# Configures (without building) a clang tree whose compile_commands.json
# lists every translation unit of ours, the fuzz targets included, for
# clang-tidy.sh and cppcheck.sh. Nothing in it is generated at build time:
# the one generated header (cpe/sdk/version.h) is written by configuring.
#   bash deploy/ci/compile-database.sh BUILD_DIR
set -euo pipefail
cd "$(dirname "$0")/../.."
CC=clang CXX=clang++ cmake -S . -B "$1" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_EXPORT_COMPILE_COMMANDS=ON -DCPE_FUZZ=ON >/dev/null
