"""allocate(plan, roster): the Xuyi and Chengdu examples against their golden files (tests/golden/
allocate), the frames' values and dtypes, explain, metrics by hand, and Allocation.write."""
import json
import re
import subprocess
from decimal import Decimal
from fractions import Fraction

import pandas as pd
import pytest

import subsidy
from conftest import (CHENGDU_PLAN, CLI, ROSTER_SMALL, XUYI_PLAN, assert_decimal_yuan, cli_error,
                      csv_rows, golden, raises_exactly, run_cli, yuan)

AWARD_TEXT = ("enterprise", "name", "region", "program", "pool", "status")


def test_awards_csv_and_pools_csv_equal_golden_bytes(example):
    name, run = example
    assert run.awards_csv().encode("utf-8") == golden(name, "awards.csv").read_bytes()
    assert run.pools_csv().encode("utf-8") == golden(name, "pools.csv").read_bytes()


def test_awards_frame_rows_equal_golden(example):
    name, run = example
    expected = csv_rows(golden(name, "awards.csv"))
    frame = run.awards
    assert list(frame.columns) == ["enterprise", "name", "region", "program", "pool", "requested",
                                   "granted", "status", "row"]
    assert len(frame) == len(expected)
    for (_, row), want in zip(frame.iterrows(), expected):
        for column in AWARD_TEXT:
            assert type(row[column]) is str and row[column] == want[column], (column, row[column])
        for column in ("requested", "granted"):
            assert row[column] == Decimal(want[column])
            assert str(row[column]) == want[column]  # two places, as awards.csv prints them


def test_awards_frame_row_is_the_roster_row_and_names_false_drops_only_the_text(example, roster_small):
    name, run = example
    frame = run.awards
    roster = roster_small.to_pandas()
    assert frame["row"].dtype == "int64"
    assert list(roster["id"].iloc[frame["row"]]) == list(frame["enterprise"])
    assert list(roster["name"].iloc[frame["row"]]) == list(frame["name"])
    lean = run.awards_frame(names=False)
    assert list(lean.columns) == ["region", "program", "pool", "requested", "granted", "status",
                                  "row"]
    pd.testing.assert_frame_equal(lean, frame.drop(columns=["enterprise", "name"]))


def test_awards_frame_dtypes(example):
    _, run = example
    frame = run.awards
    assert frame["enterprise"].dtype == object and frame["name"].dtype == object
    for column in ("region", "program", "pool", "status"):
        assert isinstance(frame[column].dtype, pd.CategoricalDtype), column
    assert_decimal_yuan(frame["requested"])
    assert_decimal_yuan(frame["granted"])
    assert list(frame["status"].cat.categories) == [
        "granted", "scaled", "unfunded", "stacked_out", "dropped_below_min"]


def test_awards_frame_in_fen_is_int64_and_equals_decimal_times_100(example):
    _, run = example
    fen = run.awards_frame(money="fen")
    decimal = run.awards
    for column in ("requested", "granted"):
        assert fen[column].dtype == "int64"
        assert fen[column].tolist() == [int(value * 100) for value in decimal[column]]
    pd.testing.assert_frame_equal(fen.drop(columns=["requested", "granted"]),
                                  decimal.drop(columns=["requested", "granted"]))


def test_allocate_with_money_fen_makes_fen_frames(xuyi_plan, roster_small, xuyi_run):
    run = subsidy.allocate(xuyi_plan, roster_small, money="fen")
    pd.testing.assert_frame_equal(run.awards, xuyi_run.awards_frame(money="fen"))
    pd.testing.assert_frame_equal(run.pools, xuyi_run.pools_frame(money="fen"))
    assert run.metrics()["granted"] == 76000000 and type(run.metrics()["granted"]) is int


def test_money_kind_is_checked(xuyi_run, xuyi_plan, roster_small):
    message = "money must be \"decimal\" or \"fen\", not 'float'"
    raises_exactly(ValueError, message, xuyi_run.awards_frame, money="float")
    raises_exactly(ValueError, message, subsidy.allocate, xuyi_plan, roster_small, money="float")


def test_reasons_column_is_the_golden_reason(example):
    name, run = example
    frame = run.awards_frame(reasons=True)
    assert list(frame.columns)[-1] == "reason"
    assert frame["reason"].dtype == object
    rows = csv_rows(golden(name, "awards.csv"))
    assert frame["reason"].tolist() == [row["reason"] for row in rows]
    pd.testing.assert_frame_equal(frame.drop(columns=["reason"]), run.awards)


def test_pools_frame_equals_golden(example):
    name, run = example
    expected = csv_rows(golden(name, "pools.csv"))
    frame = run.pools
    assert list(frame.columns) == ["pool", "kind", "method", "received", "reserve", "budget",
                                   "requested", "granted", "remaining", "funded", "scaling",
                                   "oversubscription"]
    assert len(frame) == len(expected)
    for (_, row), want in zip(frame.iterrows(), expected):
        assert row["pool"] == want["pool"]
        for column in ("received", "reserve", "budget", "requested", "granted", "remaining"):
            assert row[column] == yuan(want[column]), (row["pool"], column)
            if row[column] is not None:
                assert str(row[column]) == want[column]
        assert row["funded"] == int(want["funded"])
        for column in ("scaling", "oversubscription"):
            assert row[column] == yuan(want[column]), (row["pool"], column)
            assert row[column] is None or type(row[column]) is Decimal
            assert row[column] is None or str(row[column]) == want[column]
        # received and reserve are empty exactly for a split pool's regions and programs' budgets
        child = "/" in row["pool"] or ":" in row["pool"]
        assert row["kind"] == ("region" if "/" in row["pool"] else "program" if child else "pool")
        assert (row["received"] is None) == child and (row["reserve"] is None) == child
    assert_decimal_yuan(frame["received"], nullable=True)
    assert_decimal_yuan(frame["reserve"], nullable=True)
    for column in ("budget", "requested", "granted", "remaining"):
        assert_decimal_yuan(frame[column])
    assert frame["funded"].dtype == "int64"


def test_pools_frame_methods():
    roster = subsidy.Roster.from_csv(ROSTER_SMALL)
    runs = {name: subsidy.allocate(subsidy.Plan.from_yaml(path), roster)
            for name, path in (("xuyi", XUYI_PLAN), ("chengdu", CHENGDU_PLAN))}
    assert runs["xuyi"].pools["method"].tolist() == ["pro_rata", "priority"]
    assert runs["chengdu"].pools["method"].tolist() == ["pro_rata"] * 7 + ["priority"]
    assert runs["chengdu"].pools["kind"].tolist() == ["pool"] + ["region"] * 5 + ["pool", "program"]


def test_pools_frame_in_fen(chengdu_run):
    fen = chengdu_run.pools_frame(money="fen")
    assert str(fen["received"].dtype) == "Int64" and str(fen["reserve"].dtype) == "Int64"
    assert fen["received"].isna().tolist() == [False] + [True] * 5 + [False, True]
    assert fen["received"][0] == 81000000000 and fen["received"][6] == 3173000000
    for column in ("budget", "requested", "granted", "remaining", "funded"):
        assert fen[column].dtype == "int64"
    assert fen["budget"].tolist() == [81000000000, 9330653500, 8799847300, 14266287400,
                                      34394594900, 14208616900, 3173000000, 405000000]
    assert fen["scaling"].tolist() == [None] * 6 + [Decimal("1.000000")] * 2


@pytest.mark.parametrize("plan", [XUYI_PLAN, CHENGDU_PLAN], ids=["xuyi", "chengdu"])
def test_threads_give_identical_frames(plan, roster_small):
    plan = subsidy.Plan.from_yaml(plan)
    one = subsidy.allocate(plan, roster_small, threads=1)
    two = subsidy.allocate(plan, roster_small, threads=2)
    pd.testing.assert_frame_equal(one.awards_frame(reasons=True), two.awards_frame(reasons=True))
    pd.testing.assert_frame_equal(one.pools, two.pools)
    pd.testing.assert_frame_equal(one.awards_frame(money="fen"), two.awards_frame(money="fen"))
    assert one.awards_csv() == two.awards_csv() and one.pools_csv() == two.pools_csv()


ENTERPRISE_02 = "91320830MA1N000002"


def test_explain_equals_the_command_line(xuyi_run):
    text = xuyi_run.explain(ENTERPRISE_02)
    assert text == run_cli("explain", "--plan", XUYI_PLAN, "--roster", ROSTER_SMALL,
                           "--enterprise", ENTERPRISE_02)
    lines = text.splitlines()
    assert lines[0] == (f"enterprise {ENTERPRISE_02} (盱眙楚秀电子科技有限公司), plan xuyi-2023-h1, "
                        "as of 2023-06-30")
    for line in (
            "program tax-contribution (入库税金贡献奖), pool county-base-fund",
            "  true    tax_paid >= 20万",
            "  award: tax_paid in band 4 (from 3000000.00): 5% of tax_paid = 182500.00; stacked "
            "out by sales-contribution (group base-support, highest)",
            "  → stacked_out: requested 182500.00, granted 0.00",
            "  award: sales_invoiced in band 3 (from 100000000.00), marginal rates = 433000.00; "
            "capped at 300000.00; scaled to 186336.00 by pro_rata in county-base-fund",
            "  → scaled: requested 300000.00, granted 186336.00",
            "  false   age_years(registered_on) < 3",
            "  unknown rent_paid > 0  (rent_paid is null)",
            "  → not eligible: age_years(registered_on) < 3 is false"):
        assert line in lines
    assert subsidy.explain(xuyi_run, ENTERPRISE_02) == text


@pytest.mark.parametrize("explain", [lambda run, id: run.explain(id), subsidy.explain],
                         ids=["method", "function"])
def test_explain_of_an_unknown_enterprise_raises_not_found(xuyi_run, explain):
    message = 'no enterprise "91320830MA1N999999" in the roster'
    error = raises_exactly(subsidy.NotFoundError, message, explain, xuyi_run, "91320830MA1N999999")
    assert isinstance(error, KeyError)
    assert message == cli_error("explain", "--plan", XUYI_PLAN, "--roster", ROSTER_SMALL,
                                "--enterprise", "91320830MA1N999999")


def expected_metrics(name: str, roster_sizes: list) -> dict:
    """A run's metrics worked out from its golden awards.csv and pools.csv and the sizes of
    `subsidy classify`."""
    awards = csv_rows(golden(name, "awards.csv"))
    pools = csv_rows(golden(name, "pools.csv"))
    per_enterprise: dict = {}
    region_of = {}
    for row in awards:
        region_of[row["enterprise"]] = row["region"]
        before = per_enterprise.get(row["enterprise"], 0)
        per_enterprise[row["enterprise"]] = before + Decimal(row["granted"])
    funded = sorted(amount for amount in per_enterprise.values() if amount > 0)
    count = len(funded)
    middle = count // 2
    median = funded[middle] if count % 2 else (funded[middle - 1] + funded[middle]) / 2
    gini = Fraction(sum((2 * i - count - 1) * int(x * 100) for i, x in enumerate(funded, 1)),
                    count * sum(int(x * 100) for x in funded))
    by_region: dict = {}
    for enterprise, amount in sorted(per_enterprise.items()):
        if amount > 0:
            granted, number = by_region.get(region_of[enterprise], (Decimal("0.00"), 0))
            by_region[region_of[enterprise]] = (granted + amount, number + 1)
    return {
        "requested": sum(Decimal(row["requested"]) for row in awards
                         if row["status"] not in ("stacked_out", "dropped_below_min")),
        "granted": sum(Decimal(row["granted"]) for row in awards),
        "funded": count,
        "funded_lines": sum(1 for row in awards if Decimal(row["granted"]) > 0),
        "mean_award": sum(funded) / count,
        "median_award": median,
        "small_micro": sum(amount for enterprise, amount in per_enterprise.items()
                           if roster_sizes[enterprise] in ("small", "micro")),
        "gini": float(gini),
        "remaining": sum(Decimal(row["remaining"]) for row in pools if "/" not in row["pool"]
                         and ":" not in row["pool"]),
        "by_region": sorted((region, granted, number)
                            for region, (granted, number) in by_region.items()),
    }


def test_metrics_by_hand(example, roster_sizes):
    name, run = example
    want = expected_metrics(name, roster_sizes)
    metrics = run.metrics()
    assert set(metrics) == set(want)
    for key in ("requested", "granted", "mean_award", "median_award", "small_micro", "remaining"):
        assert type(metrics[key]) is Decimal and metrics[key].as_tuple().exponent == -2, key
        assert metrics[key] == want[key], key
    for key in ("funded", "funded_lines"):
        assert type(metrics[key]) is int and metrics[key] == want[key], key
    assert type(metrics["gini"]) is float
    assert metrics["gini"] == pytest.approx(want["gini"], rel=1e-12)
    by_region = metrics["by_region"]
    assert list(by_region.columns) == ["region", "granted", "funded"]
    assert_decimal_yuan(by_region["granted"])
    assert by_region["funded"].dtype == "int64"
    assert sorted(map(tuple, by_region.itertuples(index=False))) == want["by_region"]


def test_metrics_values_xuyi(xuyi_run):
    # The Xuyi numbers, written out (golden README): 8 enterprises share 760000.00.
    metrics = xuyi_run.metrics()
    assert [metrics[key] for key in ("requested", "granted", "funded", "funded_lines")] == [
        Decimal("1287000.00"), Decimal("760000.00"), 8, 9]
    assert (metrics["mean_award"], metrics["median_award"], metrics["small_micro"]) == (
        Decimal("95000.00"), Decimal("70590.00"), Decimal("561242.00"))
    fen = xuyi_run.metrics(money="fen")
    assert (fen["granted"], fen["median_award"], fen["remaining"]) == (76000000, 7059000, 0)
    assert fen["by_region"]["granted"].dtype == "int64"
    assert fen["by_region"]["granted"].tolist() == [76000000]


def test_warnings_are_the_command_lines(xuyi_run, chengdu_run, tmp_path):
    done = subprocess.run([str(CLI), "allocate", "--plan", str(XUYI_PLAN), "--roster",
                           str(ROSTER_SMALL), "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0
    assert done.stderr == "".join(f"subsidy: warning: {w}\n" for w in xuyi_run.warnings)
    assert xuyi_run.warnings == [
        "1 row has a registered_on after the as-of date 2023-06-30; the age of such a date is "
        "null, so rules reading it are unknown there"]
    assert chengdu_run.warnings == []


def test_write_makes_the_golden_files_and_a_stable_run_id(tmp_path, xuyi_plan, roster_small):
    run = subsidy.allocate(xuyi_plan, roster_small)
    run_id = run.write(tmp_path / "one")
    assert re.fullmatch(r"[0-9a-f]{16}", run_id)
    assert sorted(path.name for path in (tmp_path / "one").iterdir()) == [
        "awards.csv", "pools.csv", "run.json"]
    for name in ("awards.csv", "pools.csv"):
        assert (tmp_path / "one" / name).read_bytes() == golden("xuyi", name).read_bytes()
    meta = json.loads((tmp_path / "one" / "run.json").read_text(encoding="utf-8"))
    assert meta["run_id"] == run_id
    assert [meta[key] for key in ("plan", "as_of", "fiscal_year")] == [
        "xuyi-2023-h1", "2023-06-30", 2023]
    assert meta["totals"] == {"lines": 18, "funded": 9, "requested": "1287000.00",
                              "granted": "760000.00"}
    assert meta["warnings"] == run.warnings
    # Stable: a fresh load and run of the same plan and roster has the same id.
    again = subsidy.allocate(subsidy.Plan.from_yaml(XUYI_PLAN),
                             subsidy.Roster.from_csv(ROSTER_SMALL))
    assert again.write(tmp_path / "two") == run_id
    assert run.write(tmp_path / "three") == run_id
    other = subsidy.allocate(subsidy.Plan.from_yaml(CHENGDU_PLAN), roster_small)
    assert other.write(tmp_path / "four") != run_id


def test_write_json_and_bom(tmp_path, chengdu_run):
    chengdu_run.write(tmp_path, json=True, bom=True)
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "awards.csv", "pools.csv", "result.json", "run.json"]
    assert (tmp_path / "awards.csv").read_bytes() == b"\xef\xbb\xbf" + golden(
        "chengdu", "awards.csv").read_bytes()
    result = json.loads((tmp_path / "result.json").read_text(encoding="utf-8"))
    assert "1668000.00" in json.dumps(result)
