#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz/*_fuzz.cpp) with clang, ASan and UBSan in build-fuzz/ and
# runs each for a while on a copy of its seed corpus.
#
#   scripts/fuzz.sh [seconds]      # seconds per target, default 60
#
# Everything it writes is under build-fuzz/ (ignored by git): the build, the working corpora
# (build-fuzz/fuzz/<target>/corpus, seeded from tests/fuzz/corpus/<target> and kept between runs),
# the findings (build-fuzz/fuzz/<target>/artifacts) and the logs (build-fuzz/fuzz/<target>/log).
# Prints one line per target and exits non-zero when any run found a crash, a sanitizer report, a
# leak, a timeout or an out-of-memory. Reproduce a finding with
#   build-fuzz/tests/fuzz/<target> <artifact>
# and keep it, once understood, under tests/fuzz/regressions/<target>/. ASAN_OPTIONS and
# UBSAN_OPTIONS from the environment are appended to the script's own, so a known UBSan report can
# be set aside while it is being fixed, e.g.
#   UBSAN_OPTIONS=suppressions=/tmp/known.supp scripts/fuzz.sh 60
# with /tmp/known.supp holding lines such as "signed-integer-overflow:money.cpp".
#
# Needs clang (with libFuzzer: Debian package libclang-rt-14-dev), cmake, ninja, and the library's
# own dependencies (Boost.Date_Time, yaml-cpp, fmt).
set -euo pipefail

seconds="${1:-60}"
if ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: $0 [seconds per target, a positive integer; default 60]" >&2
  exit 2
fi

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
build="build-fuzz"

for tool in clang clang++ cmake ninja; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "fuzz.sh: $tool not found" >&2
    exit 2
  fi
done
runtime_dir="$(clang --print-runtime-dir 2>/dev/null || true)"
if [[ -n "$runtime_dir" && ! -e "$runtime_dir/libclang_rt.fuzzer-x86_64.a" &&
      "$(uname -m)" == x86_64 ]]; then
  echo "fuzz.sh: libFuzzer is missing ($runtime_dir/libclang_rt.fuzzer-x86_64.a);" \
       "on Debian install libclang-rt-\$(clang version)-dev, e.g. libclang-rt-14-dev" >&2
  exit 2
fi

targets=()
for source in tests/fuzz/*_fuzz.cpp; do
  [[ -e "$source" ]] || continue
  targets+=("$(basename "$source" .cpp)")
done
if [[ ${#targets[@]} -eq 0 ]]; then
  echo "fuzz.sh: no tests/fuzz/*_fuzz.cpp" >&2
  exit 2
fi

start=$(date +%s)
mkdir -p "$build"
CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DSUBSIDY_FUZZ=ON -DSUBSIDY_BUILD_TESTS=OFF -DSUBSIDY_BUILD_BENCHMARKS=OFF \
  -DSUBSIDY_BUILD_CLI=OFF >"$build/configure.log" 2>&1 || {
  cat "$build/configure.log" >&2
  echo "fuzz.sh: configure failed" >&2
  exit 2
}
compiler="$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' "$build/CMakeCache.txt")"
if [[ "$(basename "$compiler")" != clang++* ]]; then
  echo "fuzz.sh: $build/ was configured with $compiler, not clang++; remove $build/ and rerun" >&2
  exit 2
fi
if ! cmake --build "$build" --target "${targets[@]}" >"$build/build.log" 2>&1; then
  tail -n 60 "$build/build.log" >&2
  echo "fuzz.sh: build failed (full log: $build/build.log)" >&2
  exit 2
fi
echo "built ${targets[*]} in $(( $(date +%s) - start )) s"

# UBSan reports are recoverable in the build (SUBSIDY_FUZZ sets no -fno-sanitize-recover): make
# them fatal here so that libFuzzer records them as crashes.
export UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:symbolize=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
if [[ -z "${ASAN_SYMBOLIZER_PATH:-}" ]]; then
  for symbolizer in llvm-symbolizer llvm-symbolizer-14 /usr/lib/llvm-14/bin/llvm-symbolizer; do
    if command -v "$symbolizer" >/dev/null 2>&1; then
      export ASAN_SYMBOLIZER_PATH="$(command -v "$symbolizer")"
      break
    fi
  done
fi

failed=0
for target in "${targets[@]}"; do
  binary="$build/tests/fuzz/$target"
  work="$build/fuzz/$target"
  mkdir -p "$work/corpus" "$work/artifacts"
  if [[ -d "tests/fuzz/corpus/$target" ]]; then
    cp -R "tests/fuzz/corpus/$target/." "$work/corpus/"
  fi
  # Findings of earlier runs stay, but only this run's decide the result.
  stale="$work/artifacts.$(date +%Y%m%d-%H%M%S)"
  if [[ -n "$(ls -A "$work/artifacts")" ]]; then
    mv "$work/artifacts" "$stale"
    mkdir -p "$work/artifacts"
  fi
  args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -print_final_stats=1
        -artifact_prefix="$work/artifacts/")
  if [[ "$target" == roster_csv_fuzz ]]; then args+=(-max_len=65536); fi
  status=0
  "$binary" "${args[@]}" "$work/corpus" >"$work/log" 2>&1 || status=$?

  done_line="$(grep -E '^#[0-9]+[[:space:]]+DONE' "$work/log" | tail -n 1 || true)"
  [[ -n "$done_line" ]] || done_line="$(grep -E '^#[0-9]+[[:space:]]' "$work/log" | tail -n 1 || true)"
  runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -n 1)"
  rate="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/log" | tail -n 1)"
  cov="$(grep -oE 'cov: [0-9]+' <<<"$done_line" | tail -n 1 | cut -d' ' -f2 || true)"
  ft="$(grep -oE 'ft: [0-9]+' <<<"$done_line" | tail -n 1 | cut -d' ' -f2 || true)"
  corp="$(grep -oE 'corp: [0-9]+/[0-9]+[a-zA-Z]*' <<<"$done_line" | tail -n 1 | cut -d' ' -f2 || true)"
  stats="${runs:-?} runs, ${rate:-?} exec/s, cov ${cov:-?}, ft ${ft:-?}, corpus ${corp:-?}"

  artifact="$(ls -1t "$work/artifacts" 2>/dev/null | head -n 1 || true)"
  kind=""
  if grep -q 'ERROR: libFuzzer: timeout' "$work/log"; then kind="TIMEOUT"
  elif grep -qE 'ERROR: libFuzzer: out-of-memory|ERROR: libFuzzer: malloc\(' "$work/log"; then kind="OOM"
  elif grep -q 'ERROR: LeakSanitizer' "$work/log"; then kind="LEAK"
  elif grep -q 'ERROR: AddressSanitizer' "$work/log"; then kind="ASAN"
  elif grep -q 'runtime error:' "$work/log"; then kind="UBSAN"
  elif grep -qE 'invariant violated|ERROR: libFuzzer: (deadly signal|fuzz target exited)' "$work/log"; then kind="CRASH"
  elif [[ $status -ne 0 || -n "$artifact" ]]; then kind="FAILED (exit $status)"
  fi
  if [[ -z "$kind" ]]; then
    echo "$target: ok: $stats"
  else
    failed=1
    where="${artifact:+$work/artifacts/$artifact}"
    echo "$target: $kind: ${where:-no artifact} ($stats; log $work/log)"
  fi
done
exit "$failed"
