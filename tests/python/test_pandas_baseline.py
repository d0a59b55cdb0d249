"""The pandas baseline (benchmarks/baseline/pandas_allocate.py) writes the engine's awards.csv, byte
for byte, on the Xuyi plan: a 10k-row synthetic roster and the hand-made small roster.

    SUBSIDY_CLI=build/subsidy /usr/bin/python3 -m pytest tests/python

SUBSIDY_CLI names the engine's command line (default: build/subsidy under the repository root).
"""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PLAN = ROOT / "examples" / "xuyi-2023-plan.yaml"
BASELINE = ROOT / "benchmarks" / "baseline" / "pandas_allocate.py"


def engine() -> Path:
    cli = Path(os.environ.get("SUBSIDY_CLI", "build/subsidy"))
    if not cli.is_absolute():
        cli = ROOT / cli
    if not cli.is_file():
        pytest.skip(f"no engine binary at {cli} (build it, or set SUBSIDY_CLI)")
    return cli


def run(args, **kwargs):
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=120,
                          **kwargs)
    assert done.returncode == 0, f"{args[0]} failed ({done.returncode}):\n{done.stderr}"
    return done


def both_awards(roster: Path, tmp_path: Path) -> tuple[bytes, bytes, str]:
    run([engine(), "allocate", "--plan", PLAN, "--roster", roster, "--out", tmp_path / "engine"])
    baseline = run([sys.executable, BASELINE, "--plan", PLAN, "--roster", roster,
                    "--out", tmp_path / "pandas"])
    return ((tmp_path / "engine" / "awards.csv").read_bytes(),
            (tmp_path / "pandas" / "awards.csv").read_bytes(), baseline.stderr)


def first_difference(a: bytes, b: bytes) -> str:
    for number, (x, y) in enumerate(zip(a.splitlines(), b.splitlines()), start=1):
        if x != y:
            return f"line {number}:\n  engine: {x.decode()}\n  pandas: {y.decode()}"
    return f"lengths differ: {len(a.splitlines())} vs {len(b.splitlines())} lines"


def test_identical_on_10k_synthetic_roster(tmp_path):
    roster = tmp_path / "r10k.csv"
    run([engine(), "synth", "--rows", "10000", "--seed", "42", "--out", roster])
    engine_csv, pandas_csv, stderr = both_awards(roster, tmp_path)
    assert engine_csv.count(b"\n") > 100, "too few award lines for a meaningful comparison"
    assert engine_csv == pandas_csv, first_difference(engine_csv, pandas_csv)
    # The timings a compare script parses.
    assert "read_csv_seconds=" in stderr and "plan_seconds=" in stderr


def test_identical_on_small_roster(tmp_path):
    engine_csv, pandas_csv, _ = both_awards(ROOT / "examples" / "roster-small.csv", tmp_path)
    assert engine_csv.count(b"\n") > 10
    assert engine_csv == pandas_csv, first_difference(engine_csv, pandas_csv)
