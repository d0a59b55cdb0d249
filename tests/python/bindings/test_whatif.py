"""What-if: Scenarios (each scenario equals a from-scratch allocate of the changed plan), compare
(by hand from the two awards frames, and against `subsidy whatif --out`), and sweeps."""
import csv
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

import subsidy
from conftest import ROSTER_SMALL, XUYI_PLAN, cli_error, csv_rows, raises_exactly, run_cli

RECEIVED = "pools.county-base-fund.received"
XUYI_TEXT = XUYI_PLAN.read_text(encoding="utf-8")

# (overrides, the same change made in the plan's text)
SCENARIOS = {
    "pool-120万": ({RECEIVED: "120万"}, ("received: 80万", "received: 120万")),
    "band-0-3万": (["programs.tax-contribution.award.tiers.bands[0].award=3万"],
                   ("{from: 20万,  award: 2万}", "{from: 20万,  award: 3万}")),
    "rent-40%": ({"programs.startup-rent.award.rate": "40%"},
                 ("award: {rate: 50%, of: rent_paid}", "award: {rate: 40%, of: rent_paid}")),
}


def plan_with(old: str, new: str) -> "subsidy.Plan":
    assert XUYI_TEXT.count(old) == 1
    return subsidy.Plan.from_text(XUYI_TEXT.replace(old, new), str(XUYI_PLAN))


def assert_same_run(run, expected) -> None:
    assert run.awards_csv() == expected.awards_csv()
    assert run.pools_csv() == expected.pools_csv()
    pd.testing.assert_frame_equal(run.awards_frame(reasons=True),
                                  expected.awards_frame(reasons=True))
    pd.testing.assert_frame_equal(run.pools, expected.pools)


@pytest.fixture(scope="module")
def what_if(xuyi_plan, roster_small):
    return subsidy.Scenarios(xuyi_plan, roster_small)


@pytest.fixture(scope="module")
def more(what_if):
    return what_if.run({RECEIVED: "120万"})


@pytest.fixture(scope="module")
def cli_scenario(tmp_path_factory):
    """`subsidy whatif --set received=120万 --out DIR`: DIR."""
    out = tmp_path_factory.mktemp("whatif") / "out"
    run_cli("whatif", "--plan", XUYI_PLAN, "--roster", ROSTER_SMALL, "--set", f"{RECEIVED}=120万",
            "--out", out)
    return out


def test_base_equals_a_plain_allocate(what_if, xuyi_run):
    assert_same_run(what_if.base, xuyi_run)
    assert what_if.base.metrics()["granted"] == xuyi_run.metrics()["granted"]


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_scenario_equals_allocate_of_the_changed_plan(what_if, roster_small, name):
    sets, (old, new) = SCENARIOS[name]
    expected = subsidy.allocate(plan_with(old, new), roster_small)
    assert expected.awards_csv() != what_if.base.awards_csv()  # the change does change something
    assert_same_run(what_if.run(sets), expected)


def test_list_and_dict_forms_are_the_same(what_if, more):
    assert_same_run(what_if.run([f"{RECEIVED}=120万"]), more)
    assert_same_run(what_if.run(f"{RECEIVED}=1200000"), more)
    assert_same_run(what_if.run({RECEIVED: Decimal("1200000.00")}), more)


def test_scenario_equals_the_command_lines_files(more, cli_scenario):
    assert more.awards_csv() == (cli_scenario / "awards.csv").read_text(encoding="utf-8")
    assert more.pools_csv() == (cli_scenario / "pools.csv").read_text(encoding="utf-8")


def test_run_many(what_if, roster_small):
    runs = what_if.run_many({name: sets for name, (sets, _) in SCENARIOS.items()})
    assert list(runs) == list(SCENARIOS)
    for name, (_, (old, new)) in SCENARIOS.items():
        assert_same_run(runs[name], subsidy.allocate(plan_with(old, new), roster_small))


@pytest.mark.parametrize("setting", [
    "pools.nope.received=120万",
    "pools.county-base-fund.recieved=120万",
    "pools.county-base-fund.received=abc",
    "programs.tax-contribution.award.tiers.bands[9].award=1万",
], ids=["no-pool", "unknown-key", "bad-amount", "past-the-end"])
def test_bad_override_raises_the_command_lines_message(setting):
    plan = subsidy.Plan.from_yaml(XUYI_PLAN)
    what_if = subsidy.Scenarios(plan, subsidy.Roster.from_csv(ROSTER_SMALL))
    expected = cli_error("whatif", "--plan", XUYI_PLAN, "--roster", ROSTER_SMALL, "--set", setting)
    assert setting in expected
    raises_exactly(ValueError, expected, what_if.run, [setting])


def test_bad_override_messages_word_for_word(what_if):
    raises_exactly(ValueError, '--set pools.nope.received=120万: pools has no item named "nope"; it '
                   "has county-base-fund", what_if.run, {"pools.nope.received": "120万"})
    raises_exactly(ValueError, '"nodots" is not PATH=VALUE (e.g. pools.city-sme.received=4000万)',
                   what_if.run, ["nodots"])


# ---------------------------------------------------------------------------------------------
# compare


def per_enterprise(run) -> dict:
    frame = run.awards
    return {enterprise: sum(group["granted"], Decimal("0.00"))
            for enterprise, group in frame.groupby("enterprise", sort=True)}


def test_compare_by_hand(what_if, more):
    before, after = per_enterprise(what_if.base), per_enterprise(more)
    changes = {enterprise: after.get(enterprise, 0) - before.get(enterprise, 0)
               for enterprise in set(before) | set(after)
               if before.get(enterprise, 0) > 0 or after.get(enterprise, 0) > 0}
    comparison = subsidy.compare(what_if.base, more)
    assert comparison.winners == sum(1 for change in changes.values() if change > 0) == 7
    assert comparison.losers == sum(1 for change in changes.values() if change < 0) == 0
    assert comparison.unchanged == sum(1 for change in changes.values() if change == 0) == 1
    assert comparison.gains == sum(change for change in changes.values() if change > 0)
    assert comparison.gains == Decimal("380000.00")
    assert comparison.losses == -sum(change for change in changes.values() if change < 0)
    assert type(comparison.gains) is Decimal and comparison.gains.as_tuple().exponent == -2
    assert repr(comparison) == "<subsidy.Comparison 7 winners, 0 losers, 1 unchanged>"
    gains = comparison.top_gains
    assert list(gains.columns) == ["enterprise", "region", "before", "after", "change"]
    assert len(gains) == 7
    for row in gains.itertuples(index=False):
        assert row.before == before[row.enterprise] and row.after == after[row.enterprise]
        assert row.change == row.after - row.before == changes[row.enterprise]
    # largest first, ties to the lower id
    listed = [(-change, enterprise)
              for enterprise, change in zip(gains["enterprise"], gains["change"])]
    assert listed == sorted((-change, enterprise) for enterprise, change in changes.items()
                            if change > 0)


def cli_table(path) -> list:
    with open(path, encoding="utf-8", newline="") as source:
        return list(csv.reader(source))


def group_rows(frame: pd.DataFrame) -> list:
    """A Comparison group frame as by_*.csv prints it: key, before, after, change, winners,
    losers (the frame's change checked against after - before)."""
    rows = []
    for key, before, after, change, winners, losers in frame.itertuples(index=False):
        assert change == after - before
        rows.append([str(key), str(before), str(after), str(change), str(winners), str(losers)])
    return rows


@pytest.mark.parametrize("table", ["by_region", "by_size", "by_change"])
def test_compare_groups_equal_the_command_lines(what_if, more, cli_scenario, table):
    comparison = subsidy.compare(what_if.base, more)
    expected = cli_table(cli_scenario / f"{table}.csv")
    frame = getattr(comparison, table)
    # by_change.csv names its key column "change" like the amount; the frame calls it "bucket".
    key = "bucket" if table == "by_change" else expected[0][0]
    assert list(frame.columns) == [key] + expected[0][1:]
    assert group_rows(frame) == expected[1:]
    for column in ("before", "after", "change"):
        assert all(type(value) is Decimal for value in frame[column])
    assert frame["winners"].dtype == "int64" and frame["losers"].dtype == "int64"


def test_compare_top_changes_equal_the_command_lines(what_if, more, cli_scenario):
    comparison = subsidy.compare(what_if.base, more)
    expected = csv_rows(cli_scenario / "top_changes.csv")
    got = [{"direction": direction, "rank": str(rank), "enterprise": row.enterprise,
            "region": row.region, "before": str(row.before), "after": str(row.after),
            "change": str(row.change)}
           for direction, frame in (("gain", comparison.top_gains), ("loss", comparison.top_losses))
           for rank, row in enumerate(frame.itertuples(index=False), 1)]
    assert got == expected


def test_compare_metrics_equal_the_command_lines(what_if, more, cli_scenario):
    rows = {row["metric"]: row for row in csv_rows(cli_scenario / "metrics.csv")}
    for column, run in (("base", what_if.base), ("scenario", more)):
        metrics = run.metrics()
        for key in ("requested", "granted", "funded", "funded_lines", "mean_award", "median_award",
                    "remaining"):
            assert str(metrics[key]) == rows[key][column], (column, key)
        assert f"{metrics['gini']:.6f}" == rows["gini"][column]
        share = metrics["small_micro"] / metrics["granted"]
        assert f"{share:.6f}" == rows["small_micro_share"][column]


def test_compare_top_and_money(what_if, more):
    comparison = subsidy.compare(what_if.base, more, top=2, money="fen")
    assert comparison.top_gains["enterprise"].tolist() == ["91320830MA1N000011",
                                                           "91320830MA1N000002"]
    assert comparison.top_gains["change"].tolist() == [10115400, 10115300]
    assert comparison.top_gains["change"].dtype == "int64"
    assert comparison.gains == 38000000 and type(comparison.gains) is int


def test_compare_needs_one_roster(what_if, xuyi_plan):
    other = subsidy.allocate(xuyi_plan, subsidy.Roster.from_csv(ROSTER_SMALL))
    raises_exactly(ValueError, "compare: the two runs must be over the same roster",
                   subsidy.compare, what_if.base, other)


# ---------------------------------------------------------------------------------------------
# sweep

SWEEP = f"{RECEIVED}=60万:120万:20万"


@pytest.fixture(scope="module")
def sweep(what_if):
    return what_if.sweep(SWEEP)


@pytest.fixture(scope="module")
def cli_sweep(tmp_path_factory):
    out = tmp_path_factory.mktemp("sweep") / "out"
    printed = run_cli("whatif", "--plan", XUYI_PLAN, "--roster", ROSTER_SMALL, "--sweep", SWEEP,
                      "--out", out)
    return out, printed


def test_sweep_points_equal_separate_scenarios(what_if, sweep):
    points = sweep.points
    assert sweep.paths == [RECEIVED]
    assert len(points) == 4
    assert list(points.columns) == [
        RECEIVED, "requested", "granted", "funded", "funded_lines", "mean_award", "median_award",
        "small_micro", "gini", "remaining"]
    received = ["60万", "80万", "100万", "120万"]
    # the swept value, whatever its type (not a float): 60万 … 120万
    assert [Decimal(value) for value in points[RECEIVED]] == [
        Decimal(wan[:-1]) * 10000 for wan in received]
    for index, value in enumerate(received):
        metrics = what_if.run({RECEIVED: value}).metrics()
        for key in ("requested", "granted", "funded", "funded_lines", "mean_award", "median_award",
                    "small_micro", "remaining"):
            assert points[key][index] == metrics[key], (value, key)
        assert points["gini"][index] == metrics["gini"]
    assert points["granted"].tolist() == [Decimal("570000.00"), Decimal("760000.00"),
                                          Decimal("950000.00"), Decimal("1140000.00")]


def test_sweep_equals_the_command_lines(sweep, cli_sweep):
    out, printed = cli_sweep
    assert sweep.csv == (out / "sweep.csv").read_text(encoding="utf-8")
    rows = csv_rows(out / "sweep.csv")
    assert [str(value) for value in sweep.points["granted"]] == [row["granted"] for row in rows]
    # "granted ≈ -0.00 + 0.95 × pools.county-base-fund.received"
    line = next(line for line in printed.splitlines() if "least squares" in line)
    assert line.endswith(f"granted ≈ {sweep.intercept:.2f} + {sweep.slope:.2f} × {RECEIVED}")


def test_sweep_slope_and_intercept_are_least_squares(sweep):
    x = np.array([float(Decimal(value)) for value in sweep.points[RECEIVED]])
    y = np.array([float(value) for value in sweep.points["granted"]])
    slope, intercept = np.polyfit(x, y, 1)
    assert type(sweep.slope) is float and type(sweep.intercept) is float
    assert sweep.slope == pytest.approx(slope, rel=1e-9) and sweep.slope == pytest.approx(0.95)
    assert sweep.intercept == pytest.approx(intercept, abs=1e-3)


def test_sweep_in_fen_and_with_sets(xuyi_plan, roster_small):
    what_if = subsidy.Scenarios(xuyi_plan, roster_small, money="fen")
    swept = what_if.sweep("programs.startup-rent.award.rate=40%:60%:10%", sets={RECEIVED: "120万"})
    assert swept.points["granted"].dtype == "int64"
    for index, rate in enumerate(("40%", "50%", "60%")):
        run = what_if.run({RECEIVED: "120万", "programs.startup-rent.award.rate": rate})
        assert swept.points["granted"][index] == run.metrics()["granted"]


def test_sweep_grid_has_no_slope(what_if):
    grid = what_if.sweep([f"{RECEIVED}=60万,80万", "programs.startup-rent.award.rate=40%,50%"])
    assert len(grid.points) == 4 and grid.paths == [RECEIVED, "programs.startup-rent.award.rate"]
    assert grid.slope is None and grid.intercept is None


def test_bad_sweep_raises_the_command_lines_message(what_if):
    setting = f"{RECEIVED}=60万:120万"
    expected = cli_error("whatif", "--plan", XUYI_PLAN, "--roster", ROSTER_SMALL,
                         "--sweep", setting)
    assert expected == f"--sweep {setting}: a range is from:to:step"
    raises_exactly(ValueError, expected, what_if.sweep, setting)
