#!/usr/bin/python3
"""The Python package against the engine's own C++ timings, on one synthetic roster, in one run.

    benchmarks/python_bench.py [--rows 1000000] [--build build] [--repeat 5]

Measures (best of --repeat, seconds):
  - Roster.from_pandas of a DataFrame with categorical region/industry and money columns as
    int64 fen, and again as float64 yuan (target: ≤ 1 s at 1M rows);
  - allocate(plan, roster, money="fen") — the plan compiled against the roster (sharing the id
    ranks of the first plan compiled against it) and allocated — against the C++ benchmark
    BM_XuyiCompileLikeAllocate/N/threads/0, the same work from C++ (target: ≤ 1.3×);
  - allocate() and its awards DataFrame with int64 fen, against BM_XuyiCompileLikeAllocate/N/T/1
    (the same plus award_table, awards.csv's rows as columns) — with the ids and names as str, and
    without them (names=False: roster rows instead, the fast path; target ≤ 1.3×);
  - the awards DataFrame with Decimal, the default (what .awards costs on top);
  - pandas.read_csv of the same file, for scale.
The synthetic roster is `subsidy synth --rows N --seed 42`, the one the C++ benchmarks build.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def best(repeat, action):
    times = []
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - start)
    return min(times), result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--build", default="build")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    build = Path(args.build) if Path(args.build).is_absolute() else ROOT / args.build
    sys.path.insert(0, str(build / "python"))
    import numpy as np
    import pandas as pd
    import subsidy

    with tempfile.TemporaryDirectory() as scratch:
        csv = Path(scratch) / "roster.csv"
        subprocess.run([str(build / "subsidy"), "synth", "--rows", str(args.rows), "--seed", "42",
                        "--out", str(csv)], check=True, capture_output=True)
        read_seconds, frame = best(1, lambda: pd.read_csv(
            csv, dtype={"id": str, "name": str, "region": "category", "industry": "category",
                        "tags": str},
            parse_dates=["registered_on"]))
        money_columns = ["revenue", "assets", "sales_invoiced", "tax_paid", "rent_paid"]
        fen_frame = frame.copy()
        for column in money_columns:
            fen = (frame[column] * 100).round()
            fen_frame[column] = fen.astype("Int64") if fen.isna().any() else fen.astype("int64")
        frame["employees"] = frame["employees"].astype("Int64")
        fen_frame["employees"] = frame["employees"]

        float_seconds, roster = best(args.repeat, lambda: subsidy.Roster.from_pandas(frame))
        int_seconds, fen_roster = best(args.repeat, lambda: subsidy.Roster.from_pandas(fen_frame))
        from_csv = subsidy.Roster.from_csv(csv)
        plan = subsidy.Plan.from_yaml(ROOT / "examples" / "xuyi-2023-plan.yaml")
        # The three rosters must allocate alike, or the timings compare different work.
        reference = subsidy.allocate(plan, from_csv).awards_csv()
        assert subsidy.allocate(plan, roster).awards_csv() == reference, "float64 roster differs"
        assert subsidy.allocate(plan, fen_roster).awards_csv() == reference, "int64 roster differs"

        allocate_seconds, run = best(args.repeat, lambda: subsidy.allocate(
            plan, from_csv, money="fen", threads=args.threads))
        with_frame_seconds, _ = best(args.repeat, lambda: subsidy.allocate(
            plan, from_csv, money="fen", threads=args.threads).awards)
        with_lean_frame_seconds, _ = best(args.repeat, lambda: subsidy.allocate(
            plan, from_csv, money="fen", threads=args.threads).awards_frame(names=False))
        decimal_frame_seconds, _ = best(args.repeat, lambda: run.awards_frame(money="decimal"))

        def cpp(table):
            bench = subprocess.run(
                [str(build / "subsidy_bench"),
                 f"--benchmark_filter=BM_XuyiCompileLikeAllocate/{args.rows}/{args.threads}/{table}/",
                 f"--benchmark_repetitions={args.repeat}", "--benchmark_format=json"],
                check=True, capture_output=True, text=True)
            runs = [entry for entry in json.loads(bench.stdout)["benchmarks"]
                    if entry.get("run_type") == "iteration"]
            return min(entry["real_time"] for entry in runs) / 1000.0  # reported in ms

        cpp_seconds = cpp(0)
        cpp_table_seconds = cpp(1)

    lines = len(run.awards_frame(money="fen"))
    print(f"rows {args.rows}, award lines {lines}, threads {args.threads}, best of {args.repeat}")
    print(f"pandas.read_csv                      {read_seconds:8.3f} s")
    print(f"Roster.from_pandas, int64 fen        {int_seconds:8.3f} s   target <= 1 s: "
          f"{'met' if int_seconds <= 1 else 'NOT met'}")
    print(f"Roster.from_pandas, float64 yuan     {float_seconds:8.3f} s   target <= 1 s: "
          f"{'met' if float_seconds <= 1 else 'NOT met'}")
    print(f"allocate(money='fen'), Python        {allocate_seconds * 1000:8.1f} ms")
    print(f"the same from C++                    {cpp_seconds * 1000:8.1f} ms   ratio "
          f"{allocate_seconds / cpp_seconds:.2f} (target <= 1.3: "
          f"{'met' if allocate_seconds <= 1.3 * cpp_seconds else 'NOT met'})")
    print(f"allocate + awards frame (int64 fen)  {with_frame_seconds * 1000:8.1f} ms")
    print(f"the same from C++ (+ award_table)    {cpp_table_seconds * 1000:8.1f} ms   ratio "
          f"{with_frame_seconds / cpp_table_seconds:.2f}")
    print(f"allocate + frame without id/name str {with_lean_frame_seconds * 1000:8.1f} ms   ratio "
          f"{with_lean_frame_seconds / cpp_table_seconds:.2f} (target <= 1.3: "
          f"{'met' if with_lean_frame_seconds <= 1.3 * cpp_table_seconds else 'NOT met'})")
    print(f"awards frame with Decimal (default)  {decimal_frame_seconds * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
