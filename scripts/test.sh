#!/usr/bin/env bash
# Builds (when needed) and runs every test: the Python tests (pytest, on Debian's /usr/bin/python3,
# against the built command line and Python package), then the C++ suite; the last line is ctest's summary. Exits
# non-zero if anything failed.
# BUILD_DIR, BUILD_TYPE and CMAKE_ARGS select another build (the sanitizer run in .ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir="${BUILD_DIR:-build}"
# shellcheck disable=SC2086
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-Release}" ${CMAKE_ARGS:-} >/dev/null
cmake --build "$build_dir"
python_status=0
# The Python package's tests need the package, which a sanitizer build leaves out.
pytest_args=()
if grep -q '^SUBSIDY_BUILD_PYTHON:BOOL=OFF' "$build_dir/CMakeCache.txt"; then
  echo "test.sh: $build_dir has no Python package (SUBSIDY_BUILD_PYTHON=OFF): tests/python/bindings left out"
  pytest_args+=(--ignore=tests/python/bindings)
fi
SUBSIDY_CLI="$build_dir/subsidy" SUBSIDY_PYTHON_DIR="$build_dir/python" \
  /usr/bin/python3 -m pytest -q -p no:cacheprovider "${pytest_args[@]}" tests/python ||
  python_status=$?
ctest --test-dir "$build_dir" --output-on-failure -j "$(nproc)"
exit "$python_status"
