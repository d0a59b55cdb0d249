#!/usr/bin/env bash
# Installs the built library into a scratch prefix and builds tests/consumer's C++ and C programs
# against it twice — with CMake's find_package(subsidy CONFIG) and with pkg-config — then runs all
# four on the Xuyi example and checks their output. Run by .ci/run after scripts/setup.sh. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir="${BUILD_DIR:-build}"
scratch="$(mktemp -d /tmp/subsidy-consumer.XXXXXX)"
trap 'rm -rf "$scratch"' EXIT

cmake --install "$build_dir" --prefix "$scratch/prefix" >/dev/null
cmake -S tests/consumer -B "$scratch/build" -G Ninja -DCMAKE_PREFIX_PATH="$scratch/prefix" >/dev/null
cmake --build "$scratch/build" >/dev/null
pc_dir="$(dirname "$(find "$scratch/prefix" -name subsidy.pc)")"
# shellcheck disable=SC2046
g++ -std=c++20 -O1 tests/consumer/consumer.cpp -o "$scratch/consumer-pc" \
  $(PKG_CONFIG_PATH="$pc_dir" pkg-config --cflags --libs subsidy)
# The C program: compiled as C, linked by g++ (the library is C++).
# shellcheck disable=SC2046
gcc -std=c11 -Wall -Wextra -Werror -pedantic -c tests/consumer/consumer_c.c -o "$scratch/consumer_c.o" \
  $(PKG_CONFIG_PATH="$pc_dir" pkg-config --cflags subsidy)
# shellcheck disable=SC2046
g++ "$scratch/consumer_c.o" -o "$scratch/consumer_c-pc" \
  $(PKG_CONFIG_PATH="$pc_dir" pkg-config --libs subsidy)

expected="county-base-fund 76000000 76000000
county-base-fund:startup-rent 6000000 6000000"
for program in "$scratch/build/consumer" "$scratch/consumer-pc" "$scratch/build/consumer_c" \
  "$scratch/consumer_c-pc"; do
  actual="$("$program" examples/xuyi-2023-plan.yaml examples/roster-small.csv)"
  if [ "$actual" != "$expected" ]; then
    printf 'consumer: %s printed\n%s\nexpected\n%s\n' "$program" "$actual" "$expected" >&2
    exit 1
  fi
done
# The version file refuses a newer minor version than the one installed.
if cmake -S tests/consumer -B "$scratch/build-newer" -DCMAKE_PREFIX_PATH="$scratch/prefix" \
     -DSUBSIDY_WANTED_VERSION=0.2 >/dev/null 2>&1; then
  echo "consumer: find_package(subsidy 0.2) accepted version $(PKG_CONFIG_PATH="$pc_dir" pkg-config --modversion subsidy)" >&2
  exit 1
fi
echo "consumer: a C++ and a C program built with find_package(subsidy) and with pkg-config $(PKG_CONFIG_PATH="$pc_dir" pkg-config --modversion subsidy); all four allocated the Xuyi example"
