"""The Python package's tests run against the package built by CMake (build/python/subsidy):

    SUBSIDY_PYTHON_DIR=build/python /usr/bin/python3 -m pytest tests/python/bindings

SUBSIDY_PYTHON_DIR defaults to build/python under the repository root. A missing package is an
error, not a skip: scripts/test.sh leaves these tests out only for a build without the package.
"""
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PACKAGE_DIR = Path(os.environ.get("SUBSIDY_PYTHON_DIR", "build/python"))
if not PACKAGE_DIR.is_absolute():
    PACKAGE_DIR = ROOT / PACKAGE_DIR
if not (PACKAGE_DIR / "subsidy" / "__init__.py").is_file():
    raise RuntimeError(f"no subsidy package in {PACKAGE_DIR}: build it (cmake --build build)")
sys.path.insert(0, str(PACKAGE_DIR))

# ---------------------------------------------------------------------------------------------
# Shared fixtures and helpers of the binding tests (the test modules import the helpers from here).

import csv  # noqa: E402
import io  # noqa: E402
import subprocess  # noqa: E402
from decimal import Decimal  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import subsidy  # noqa: E402

EXAMPLES = ROOT / "examples"
GOLDEN = ROOT / "tests" / "golden"
ROSTER_SMALL = EXAMPLES / "roster-small.csv"
XUYI_PLAN = EXAMPLES / "xuyi-2023-plan.yaml"
CHENGDU_PLAN = EXAMPLES / "chengdu-2023-plan.yaml"
CHENGDU_LEDGER = EXAMPLES / "chengdu-2023-ledger.csv"
PLANS = {"xuyi": XUYI_PLAN, "chengdu": CHENGDU_PLAN}
MONEY_COLUMNS = ("revenue", "assets", "sales_invoiced", "tax_paid", "rent_paid")

# The engine's command line: what the package's results and messages are checked against.
CLI = Path(os.environ.get("SUBSIDY_CLI", "build/subsidy"))
if not CLI.is_absolute():
    CLI = ROOT / CLI
if not CLI.is_file():
    raise RuntimeError(f"no engine binary at {CLI}: build it (cmake --build build), or set "
                       "SUBSIDY_CLI")


def run_cli(*args, cwd=None) -> str:
    """Runs the subsidy command line; it must succeed. Returns its stdout."""
    done = subprocess.run([str(CLI), *map(str, args)], capture_output=True, text=True,
                          timeout=120, cwd=cwd)
    assert done.returncode == 0, f"subsidy {args[0]} failed ({done.returncode}):\n{done.stderr}"
    return done.stdout


def cli_error(*args, cwd=None) -> str:
    """Runs the command line on bad input: exit 2, and returns its message (stderr without the
    "subsidy: " prefix and the final newline: the engine's message, as Python must raise it)."""
    done = subprocess.run([str(CLI), *map(str, args)], capture_output=True, text=True,
                          timeout=120, cwd=cwd)
    assert done.returncode == 2, f"expected exit 2, got {done.returncode}:\n{done.stderr}"
    assert done.stderr.startswith("subsidy: ") and done.stderr.endswith("\n"), done.stderr
    return done.stderr[len("subsidy: "):-1]


def raises_exactly(exception: type, message: str, call, *args, **kwargs) -> BaseException:
    """call(*args, **kwargs) must raise `exception` whose str() is exactly `message`."""
    with pytest.raises(exception) as caught:
        call(*args, **kwargs)
    assert str(caught.value) == message
    return caught.value


def csv_rows(source) -> list:
    """A CSV file (a Path) or text as a list of dicts of str."""
    text = source.read_text(encoding="utf-8") if isinstance(source, Path) else source
    return list(csv.DictReader(io.StringIO(text, newline="")))


def golden(plan: str, name: str) -> Path:
    """tests/golden/allocate/<plan>/<name>."""
    return GOLDEN / "allocate" / plan / name


def yuan(text: str):
    """A golden CSV amount: Decimal, or None for an empty cell."""
    return Decimal(text) if text != "" else None


def assert_decimal_yuan(series: pd.Series, nullable: bool = False) -> None:
    """A money column in the default money: object dtype, every value a Decimal with exactly two
    places (None only where `nullable`)."""
    assert series.dtype == object, f"{series.name}: {series.dtype}"
    for value in series:
        if value is None and nullable:
            continue
        assert type(value) is Decimal, f"{series.name}: {value!r}"
        assert value.as_tuple().exponent == -2, f"{series.name}: {value!r}"


def assert_same_frame(left: pd.DataFrame, right: pd.DataFrame) -> None:
    """As pd.testing.assert_frame_equal, exact (same columns, dtypes, categories in order, nulls and
    values), but quick on frames of 100k rows."""
    assert list(left.columns) == list(right.columns)
    assert list(left.dtypes) == list(right.dtypes)
    pd.testing.assert_index_equal(left.index, right.index)
    for name in left.columns:
        one, other = left[name], right[name]
        if isinstance(one.dtype, pd.CategoricalDtype):
            assert list(one.cat.categories) == list(other.cat.categories), name
            assert np.array_equal(one.cat.codes.to_numpy(), other.cat.codes.to_numpy()), name
        elif one.dtype == object:
            assert one.tolist() == other.tolist(), name
        else:
            missing = one.isna().to_numpy()
            assert np.array_equal(missing, other.isna().to_numpy()), name
            numpy_dtype = getattr(one.dtype, "numpy_dtype", one.dtype)
            assert np.array_equal(one[~missing].to_numpy(dtype=numpy_dtype),
                                  other[~missing].to_numpy(dtype=numpy_dtype)), name


def assert_same_allocations(roster: "subsidy.Roster", reference: "subsidy.Roster",
                            plans=(XUYI_PLAN, CHENGDU_PLAN)) -> None:
    """Each plan allocates over `roster` exactly as over `reference`: awards.csv and pools.csv."""
    for path in plans:
        plan = subsidy.Plan.from_yaml(path)
        expected = subsidy.allocate(plan, reference)
        got = subsidy.allocate(plan, roster)
        assert got.awards_csv() == expected.awards_csv(), path
        assert got.pools_csv() == expected.pools_csv(), path


# Values that are statistics, documented as float (not money).
STATISTICS = ("gini", "slope", "intercept")


def assert_no_float(value, where: str = "result", allowed=STATISTICS) -> None:
    """Nothing in `value` (a DataFrame, Series, dict, list or scalar, walked recursively) is a float
    or has a float dtype, except the statistics named in `allowed`."""
    if isinstance(value, pd.DataFrame):
        for name in value.columns:
            if name not in allowed:
                assert_no_float(value[name], f"{where}[{name!r}]", allowed)
    elif isinstance(value, pd.Series):
        assert not pd.api.types.is_float_dtype(value.dtype), f"{where}: dtype {value.dtype}"
        if isinstance(value.dtype, pd.CategoricalDtype):
            assert_no_float(pd.Series(value.cat.categories), f"{where} categories", allowed)
        elif value.dtype == object:
            for index, item in enumerate(value):
                assert not isinstance(item, (float, np.floating)), f"{where}[{index}]: {item!r}"
    elif isinstance(value, dict):
        for key, item in value.items():
            if key not in allowed:
                assert_no_float(item, f"{where}[{key!r}]", allowed)
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            assert_no_float(item, f"{where}[{index}]", allowed)
    else:
        assert not isinstance(value, (float, np.floating)), f"{where}: {value!r}"


@pytest.fixture(scope="session")
def roster_small() -> "subsidy.Roster":
    return subsidy.Roster.from_csv(ROSTER_SMALL)


@pytest.fixture(scope="session")
def xuyi_plan() -> "subsidy.Plan":
    return subsidy.Plan.from_yaml(XUYI_PLAN)


@pytest.fixture(scope="session")
def chengdu_plan() -> "subsidy.Plan":
    return subsidy.Plan.from_yaml(CHENGDU_PLAN)


@pytest.fixture(scope="session")
def xuyi_run(xuyi_plan, roster_small) -> "subsidy.Allocation":
    return subsidy.allocate(xuyi_plan, roster_small)


@pytest.fixture(scope="session")
def chengdu_run(chengdu_plan, roster_small) -> "subsidy.Allocation":
    return subsidy.allocate(chengdu_plan, roster_small)


@pytest.fixture(scope="session", params=sorted(PLANS))
def example(request, roster_small):
    """(name, Allocation) for each example plan over the small roster."""
    plan = subsidy.Plan.from_yaml(PLANS[request.param])
    return request.param, subsidy.allocate(plan, roster_small)


@pytest.fixture(scope="session")
def roster_sizes() -> dict:
    """{id: size} of `subsidy classify` over the small roster (tests/golden), None for empty, in
    roster order."""
    rows = csv_rows(GOLDEN / "roster-small-classified.csv")
    return {row["id"]: row["size"] or None for row in rows}
