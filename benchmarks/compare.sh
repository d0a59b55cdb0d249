#!/usr/bin/env bash
# The engine side by side with the pandas baseline (benchmarks/baseline/pandas_allocate.py) on the
# same synthetic rosters, in one run:
#
#   benchmarks/compare.sh                       # 10k, 100k, 1M rows
#   SUBSIDY_BENCH_10M=1 benchmarks/compare.sh   # and 10M (a few GB; pandas alone takes minutes)
#
# Builds nothing: it needs $BUILD_DIR/subsidy and $BUILD_DIR/subsidy_bench, built in Release
# (`cmake --build build --target subsidy_cli subsidy_bench`).
#
# For each size it writes the roster with `subsidy synth --rows N --seed 42`, runs the pandas
# baseline on it (which prints read_csv_seconds= and plan_seconds= on stderr) and `subsidy
# allocate` on it (the whole process, for the end-to-end figures and peak memory), and checks the
# two awards.csv are byte-identical. Then one subsidy_bench process times, on the same files and
# rosters: BM_LoadRosterCsv (the CSV into columns), BM_XuyiCompilePlan, BM_XuyiAllocate on 1 and 2
# threads (every stage, roster loaded and plan compiled), BM_XuyiTaxRule (one eligibility rule;
# bytes/s = bytes of the columns it reads) and BM_StreamRead (the sum of a 1 GiB int64 array: a
# STREAM-like read, on 1 and 2 threads). Engine figures are medians of $REPS repetitions; pandas
# and process figures medians of $PANDAS_REPS runs.
#
# Environment:
#   BUILD_DIR        the build directory (default: build, relative to the repository root)
#   REPS             subsidy_bench repetitions (default 3)
#   PANDAS_REPS      runs of the pandas baseline and of `subsidy allocate` per size (default 3 up
#                    to 1M rows, 1 above)
#   PANDAS_MAX_ROWS  skip pandas above this many rows (default: no limit)
#   SUBSIDY_BENCH_10M=1  add 10,000,000 rows
#   COMPARE_ROWS     the sizes instead, e.g. "10000 100000" (10M among them needs SUBSIDY_BENCH_10M=1
#                    for the engine's benchmarks)
#   KEEP=1           keep the temporary directory (rosters, outputs, raw JSON) and print its path
#   PYTHON           the Python with pandas (default /usr/bin/python3)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-build}
if [[ "$BUILD_DIR" != /* && ! -d "$BUILD_DIR" ]]; then BUILD_DIR="$ROOT/$BUILD_DIR"; fi
SUBSIDY="$BUILD_DIR/subsidy"
BENCH="$BUILD_DIR/subsidy_bench"
PYTHON=${PYTHON:-/usr/bin/python3}
REPS=${REPS:-3}
PANDAS_MAX_ROWS=${PANDAS_MAX_ROWS:-0}
PLAN="$ROOT/examples/xuyi-2023-plan.yaml"
BASELINE="$ROOT/benchmarks/baseline/pandas_allocate.py"

for exe in "$SUBSIDY" "$BENCH"; do
  if [[ ! -x "$exe" ]]; then
    echo "compare.sh: $exe not found; build it first (cmake --build $BUILD_DIR --target subsidy_cli subsidy_bench)" >&2
    exit 2
  fi
done

ROWS=(10000 100000 1000000)
if [[ -n "${SUBSIDY_BENCH_10M:-}" && "${SUBSIDY_BENCH_10M}" != 0 ]]; then ROWS+=(10000000); fi
if [[ -n "${COMPARE_ROWS:-}" ]]; then read -r -a ROWS <<< "$COMPARE_ROWS"; fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/subsidy-compare.XXXXXX")
if [[ -n "${KEEP:-}" ]]; then
  echo "compare.sh: keeping $WORK" >&2
else
  trap 'rm -rf "$WORK"' EXIT
fi
RESULTS="$WORK/results.txt"   # lines "<rows> <key> <value>"; repeated keys are repetitions
: > "$RESULTS"

TIME=""
if [[ -x /usr/bin/time ]]; then TIME=/usr/bin/time; fi

# Runs "$@" (stderr to $3) and appends "<rows> <prefix>_wall <s>" and "<rows> <prefix>_rss_mb
# <MiB>" (peak RSS) to $RESULTS. Returns the command's failure (errexit is off in `timed ... ||`).
timed() {
  local rows=$1 prefix=$2 err=$3 wall rss_kb
  shift 3
  if [[ -n "$TIME" ]]; then
    "$TIME" -f '%e %M' -o "$WORK/time.txt" "$@" 2> "$err" || return 1
    read -r wall rss_kb < <(tail -n 1 "$WORK/time.txt")
    echo "$rows ${prefix}_wall $wall" >> "$RESULTS"
    echo "$rows ${prefix}_rss_mb $((rss_kb / 1024))" >> "$RESULTS"
  else
    local start end
    start=$(date +%s.%N)
    "$@" 2> "$err" || return 1
    end=$(date +%s.%N)
    echo "$rows ${prefix}_wall $(echo "$end - $start" | bc)" >> "$RESULTS"
  fi
}

echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$ROOT" diff --quiet HEAD 2>/dev/null || echo ' (with uncommitted changes)')"
echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# pandas $("$PYTHON" -c 'import pandas, numpy; print(pandas.__version__ + ", numpy " + numpy.__version__)'), $("$PYTHON" --version 2>&1)"

for rows in "${ROWS[@]}"; do
  roster="$WORK/roster-$rows.csv"
  "$SUBSIDY" synth --rows "$rows" --seed 42 --out "$roster" > "$WORK/synth.err" 2>&1 ||
    { cat "$WORK/synth.err" >&2; exit 1; }
  echo "$rows csv_bytes $(stat -c %s "$roster")" >> "$RESULTS"
  reps=${PANDAS_REPS:-$([[ $rows -le 1000000 ]] && echo 3 || echo 1)}
  run_pandas=1
  if [[ "$PANDAS_MAX_ROWS" -gt 0 && "$rows" -gt "$PANDAS_MAX_ROWS" ]]; then run_pandas=0; fi
  echo "# $rows rows: pandas ×$([[ $run_pandas == 1 ]] && echo "$reps" || echo 0), subsidy allocate ×$reps" >&2
  for ((rep = 0; rep < reps; ++rep)); do
    if [[ $run_pandas == 1 ]]; then
      rm -rf "$WORK/pandas-$rows"
      timed "$rows" pandas "$WORK/pandas.err" \
        "$PYTHON" "$BASELINE" --roster "$roster" --out "$WORK/pandas-$rows" --plan "$PLAN" ||
        { cat "$WORK/pandas.err" >&2; exit 1; }
      sed -n 's/^\([a-z_]*_seconds\)=\(.*\)$/'"$rows"' pandas_\1 \2/p' "$WORK/pandas.err" >> "$RESULTS"
    fi
    rm -rf "$WORK/engine-$rows"
    timed "$rows" engine "$WORK/engine.err" \
      "$SUBSIDY" allocate --plan "$PLAN" --roster "$roster" --out "$WORK/engine-$rows" > /dev/null ||
      { cat "$WORK/engine.err" >&2; exit 1; }
  done
  if [[ $run_pandas == 1 ]]; then
    if cmp -s "$WORK/pandas-$rows/awards.csv" "$WORK/engine-$rows/awards.csv"; then
      echo "$rows identical yes" >> "$RESULTS"
    else
      echo "$rows identical NO" >> "$RESULTS"
      cmp "$WORK/pandas-$rows/awards.csv" "$WORK/engine-$rows/awards.csv" >&2 || true
    fi
  fi
  rm -rf "$WORK/pandas-$rows" "$WORK/engine-$rows"
done

sizes=$(IFS='|'; echo "${ROWS[*]}")
filter="^(BM_LoadRosterCsv/($sizes)/real_time|BM_XuyiCompilePlan/($sizes)/real_time"
filter+="|BM_XuyiAllocate/($sizes)/[12]/real_time|BM_XuyiTaxRule/($sizes)"
filter+="|BM_StreamRead/threads:[12]/real_time)\$"
echo "# subsidy_bench ×$REPS: $filter" >&2
SUBSIDY_BENCH_ROSTERS="$WORK" "$BENCH" --benchmark_filter="$filter" \
  --benchmark_repetitions="$REPS" --benchmark_report_aggregates_only=true \
  --benchmark_out="$WORK/bench.json" --benchmark_out_format=json > "$WORK/bench.txt" 2>&1 ||
  { cat "$WORK/bench.txt" >&2; exit 1; }
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

"$PYTHON" - "$RESULTS" "$WORK/bench.json" <<'EOF'
import json, statistics, sys
from collections import defaultdict

results, bench_json = sys.argv[1], sys.argv[2]
raw = defaultdict(lambda: defaultdict(list))
for line in open(results):
    rows, key, value = line.split()
    raw[int(rows)][key].append(value)
def med(rows, key):
    values = raw[rows].get(key)
    return statistics.median(float(v) for v in values) if values else None

SCALE = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}
runs, medians = {}, {}
for b in json.load(open(bench_json))["benchmarks"]:
    if b.get("error_occurred"):
        sys.exit(f"compare.sh: {b['name']}: {b.get('error_message')}")
    entry = {"s": b["real_time"] * SCALE[b["time_unit"]], "bps": b.get("bytes_per_second"),
             "csv_mb": b.get("csv_mb")}
    if b.get("run_type") == "aggregate":
        if b.get("aggregate_name") == "median":
            medians[b["run_name"]] = entry
    else:
        runs.setdefault(b["run_name"], entry)
runs.update(medians)
def eng(name):
    return runs.get(name)

def fmt_s(s):
    if s is None: return "—"
    return f"{s:.4f}" if s < 0.1 else f"{s:.3f}" if s < 10 else f"{s:.1f}"
def fmt_x(a, b):
    return "—" if a is None or b is None or b == 0 else f"{a / b:.1f}×"
def fmt_gb(bps):
    return "—" if bps is None else f"{bps / 1e9:.2f}"

stream1 = (eng("BM_StreamRead/threads:1/real_time") or {}).get("bps")
stream2 = (eng("BM_StreamRead/threads:2/real_time") or {}).get("bps")
sizes = sorted(raw)
for rows in sizes:   # the bench read the very files pandas read
    load = eng(f"BM_LoadRosterCsv/{rows}/real_time")
    if load and load["csv_mb"] is not None and round(load["csv_mb"] * 1e6) != int(med(rows, "csv_bytes")):
        sys.exit(f"compare.sh: BM_LoadRosterCsv/{rows} read {load['csv_mb']} MB, not the synthesized roster")

print()
print("| rows | pandas read_csv s | subsidy load s | ratio | pandas plan s | subsidy allocate s "
      "(1 thread / 2) | ratio (1 / 2) | rule GB/s | STREAM read GB/s (1 thread) |")
print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
summary = {}
for rows in sizes:
    p_read, p_plan = med(rows, "pandas_read_csv_seconds"), med(rows, "pandas_plan_seconds")
    load = (eng(f"BM_LoadRosterCsv/{rows}/real_time") or {}).get("s")
    a1 = (eng(f"BM_XuyiAllocate/{rows}/1/real_time") or {}).get("s")
    a2 = (eng(f"BM_XuyiAllocate/{rows}/2/real_time") or {}).get("s")
    rule = (eng(f"BM_XuyiTaxRule/{rows}") or {}).get("bps")
    summary[rows] = dict(p_read=p_read, p_plan=p_plan, load=load, a1=a1, a2=a2)
    print(f"| {rows:,} | {fmt_s(p_read)} | {fmt_s(load)} | {fmt_x(p_read, load)} | {fmt_s(p_plan)} | "
          f"{fmt_s(a1)} / {fmt_s(a2)} | {fmt_x(p_plan, a1)} / {fmt_x(p_plan, a2)} | "
          f"{fmt_gb(rule)} | {fmt_gb(stream1)} |")

print()
print("End to end: pandas read_csv + plan against subsidy load + compile_plan + allocate (2 threads);"
      " the whole processes (pandas_allocate.py, `subsidy allocate`: read, compute, write awards.csv),"
      " wall time and peak resident memory.")
print()
print("| rows | pandas read+plan s | subsidy load+compile+allocate s | ratio | pandas process s | "
      "peak MiB | subsidy process s | peak MiB | ratio | awards.csv identical |")
print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---:|")
for rows in sizes:
    s = summary[rows]
    p_total = None if s["p_read"] is None else s["p_read"] + s["p_plan"]
    comp = (eng(f"BM_XuyiCompilePlan/{rows}/real_time") or {}).get("s")
    e_total = None if None in (s["load"], comp, s["a2"]) else s["load"] + comp + s["a2"]
    p_wall, e_wall = med(rows, "pandas_wall"), med(rows, "engine_wall")
    p_rss, e_rss = med(rows, "pandas_rss_mb"), med(rows, "engine_rss_mb")
    ident = raw[rows].get("identical", ["—"])[-1]
    print(f"| {rows:,} | {fmt_s(p_total)} | {fmt_s(e_total)} | {fmt_x(p_total, e_total)} | "
          f"{fmt_s(p_wall)} | {'—' if p_rss is None else f'{p_rss:,.0f}'} | {fmt_s(e_wall)} | "
          f"{'—' if e_rss is None else f'{e_rss:,.0f}'} | {fmt_x(p_wall, e_wall)} | {ident} |")

print()
print(f"STREAM-like read (sum of a 1 GiB int64 array): {fmt_gb(stream1)} GB/s on 1 thread, "
      f"{fmt_gb(stream2)} GB/s on 2.")
for rows in sizes:
    rule = (eng(f"BM_XuyiTaxRule/{rows}") or {}).get("bps")
    if rule and stream1:
        print(f"Tax rule at {rows:,} rows: {fmt_gb(rule)} GB/s of its columns = "
              f"{100 * rule / stream1:.0f} % of the 1-thread STREAM read.")

print()
print("Targets (issue 9):")
def target(label, ok, detail):
    print(f"  [{'met' if ok else 'NOT met'}] {label}: {detail}")
if 1_000_000 not in summary:
    print("  (measured at 1M and 10M rows only)")
m = summary.get(1_000_000)
if m and m["p_plan"] and m["a1"]:
    best = min(x for x in (m["a1"], m["a2"]) if x)
    target("full allocate ≥ 25× the pandas plan stages at 1M rows", m["p_plan"] / best >= 25,
           f"{m['p_plan'] / m['a1']:.1f}× on 1 thread, {m['p_plan'] / m['a2']:.1f}× on 2")
if m and m["p_read"] and m["load"]:
    target("roster load ≥ 3× pandas.read_csv at 1M rows", m["p_read"] / m["load"] >= 3,
           f"{m['p_read'] / m['load']:.1f}×")
t = summary.get(10_000_000)
if m and t and m["a1"] and t["a1"]:
    r1, r2 = t["a1"] / m["a1"], t["a2"] / m["a2"]
    target("10M allocate ≤ 11× the 1M time", max(r1, r2) <= 11,
           f"{r1:.1f}× on 1 thread ({fmt_s(t['a1'])} / {fmt_s(m['a1'])} s), "
           f"{r2:.1f}× on 2 ({fmt_s(t['a2'])} / {fmt_s(m['a2'])} s)")
    rss = med(10_000_000, "engine_rss_mb")
    if rss is not None:
        target("10M rows within 24 GB", rss <= 24 * 1024,
               f"`subsidy allocate` peak resident memory {rss:,.0f} MiB")
bad = [r for r in sizes if raw[r].get("identical", ["yes"])[-1] != "yes"]
if bad:
    sys.exit(f"compare.sh: awards.csv differ at {', '.join(f'{r:,}' for r in bad)} rows")
EOF
