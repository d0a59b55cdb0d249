"""subsidy.classify: the size column `subsidy classify` writes
(tests/golden/roster-small-classified.csv), from a Roster and from a DataFrame."""
import pandas as pd
import pytest

import subsidy
from conftest import GOLDEN, ROSTER_SMALL, run_cli

SIZES = ["large", "medium", "small", "micro", "unclassified"]


def as_list(series: pd.Series) -> list:
    return [None if pd.isna(value) else value for value in series]


def test_classify_of_a_roster_equals_the_command_line(roster_small, roster_sizes, tmp_path):
    sizes = subsidy.classify(roster_small)
    assert sizes.name == "size"
    assert isinstance(sizes.dtype, pd.CategoricalDtype)
    assert list(sizes.cat.categories) == SIZES
    assert as_list(sizes) == list(roster_sizes.values())
    # the golden file is what the command line writes today
    run_cli("classify", "--roster", ROSTER_SMALL, "--out", tmp_path / "classified.csv")
    written = (tmp_path / "classified.csv").read_bytes()
    assert written == (GOLDEN / "roster-small-classified.csv").read_bytes()
    assert as_list(sizes).count(None) == 3  # rows 13, 14 and 22 lack an indicator


def test_classify_of_a_dataframe(roster_sizes):
    frame = pd.read_csv(ROSTER_SMALL, dtype={"region": str, "employees": "Int64",
                                             **{name: float for name in ("revenue", "assets")}})
    assert as_list(subsidy.classify(frame)) == list(roster_sizes.values())
    # the roster's own frame (without its size column) classifies the same
    decimal = subsidy.Roster.from_csv(ROSTER_SMALL).to_pandas().drop(columns=["size"])
    assert as_list(subsidy.classify(decimal)) == list(roster_sizes.values())


def test_classify_needs_only_the_indicators():
    frame = pd.DataFrame({
        "id": ["a", "b", "c", "d", "e"],
        "industry": ["C3484", "C3484", "J6620", "I6513", "C3484"],
        "employees": pd.array([1000, 10, 5, 5, None], dtype="Int64"),
        "revenue": [50_000_000_000, 100_000, 100_000, 100_000, 100_000],  # int64: fen
    })
    # Industry (C): large from 1000 people and 4亿 revenue; micro under 20 people or under 300万.
    # Software (I65): micro under 10 people. Finance (J66): unclassified. The last lacks employees
    # but its revenue (1000.00 yuan) alone rules out large, medium and small: micro.
    assert as_list(subsidy.classify(frame)) == ["large", "micro", "unclassified", "micro", "micro"]


def test_classify_of_a_dataframe_keeps_its_index(roster_sizes):
    frame = subsidy.Roster.from_csv(ROSTER_SMALL).to_pandas().drop(columns=["size"])
    chengdu = frame[frame["region"].astype(str).str.startswith("51")]
    sizes = subsidy.classify(chengdu)
    pd.testing.assert_index_equal(sizes.index, chengdu.index)
    chengdu = chengdu.assign(size=sizes)
    assert as_list(chengdu["size"]) == list(roster_sizes.values())[14:]
