#!/usr/bin/env bash
# Builds (when needed) and runs every test; the last line is ctest's summary.
# BUILD_DIR, BUILD_TYPE and CMAKE_ARGS select another build (the sanitizer run in .ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir="${BUILD_DIR:-build}"
# shellcheck disable=SC2086
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-Release}" ${CMAKE_ARGS:-} >/dev/null
cmake --build "$build_dir"
ctest --test-dir "$build_dir" --output-on-failure -j "$(nproc)"
