"""Money is never float: no float dtype and no float object in anything the API returns, in the
default money (Decimal) and in fen, except gini, slope and intercept (statistics, documented as
float)."""
from decimal import Decimal

import pandas as pd
import pytest

import subsidy
from conftest import CHENGDU_LEDGER, PLANS, assert_no_float

RECEIVED = "pools.county-base-fund.received"
# A scenario with winners and losers: a larger first tax band takes from the sales lines' share.
BAND = "programs.tax-contribution.award.tiers.bands[0].award"


def comparison_parts(comparison) -> dict:
    return {name: getattr(comparison, name)
            for name in ("winners", "losers", "unchanged", "gains", "losses", "by_change",
                         "by_region", "by_size", "top_gains", "top_losses")}


@pytest.mark.parametrize("money", ["decimal", "fen"])
@pytest.mark.parametrize("plan", sorted(PLANS))
def test_allocation_results_hold_no_float(plan, money, roster_small):
    run = subsidy.allocate(subsidy.Plan.from_yaml(PLANS[plan]), roster_small, money=money)
    assert_no_float(run.awards, "awards")
    assert_no_float(run.awards_frame(reasons=True), "awards with reasons")
    assert_no_float(run.pools, "pools")
    metrics = run.metrics()
    assert_no_float(metrics, "metrics")
    assert type(metrics["gini"]) is float  # the one statistic
    assert_no_float(roster_small.to_pandas(money=money), "roster")


@pytest.mark.parametrize("money", ["decimal", "fen"])
def test_what_if_results_hold_no_float(money, xuyi_plan, roster_small):
    what_if = subsidy.Scenarios(xuyi_plan, roster_small, money=money)
    changed = what_if.run({BAND: "3万"})
    comparison = subsidy.compare(what_if.base, changed, money=money)
    assert comparison.winners > 0 and comparison.losers > 0
    parts = comparison_parts(comparison)
    assert all(len(parts[name]) for name in ("by_change", "by_region", "by_size", "top_gains",
                                             "top_losses"))
    assert_no_float(parts, "comparison")
    sweep = what_if.sweep(f"{RECEIVED}=60万:120万:20万")
    assert_no_float(sweep.points, "sweep points")
    assert sweep.points["gini"].dtype == "float64"
    assert type(sweep.slope) is float and type(sweep.intercept) is float
    assert_no_float({"slope": sweep.slope, "intercept": sweep.intercept, "paths": sweep.paths})


@pytest.mark.parametrize("money", ["decimal", "fen"])
def test_ledger_results_hold_no_float(money, tmp_path, xuyi_run):
    ledger = subsidy.Ledger(tmp_path / "l.db")
    assert_no_float(ledger.import_csv(CHENGDU_LEDGER), "import report")
    assert_no_float(ledger.book_run(xuyi_run, book_received=True, directory=tmp_path / "run"),
                    "book report")
    assert_no_float(ledger.events(money=money), "events")
    for by in ("pool", "region", "program"):
        assert_no_float(ledger.execution("2023-12-31", by=by, money=money), f"execution by {by}")


def test_the_helper_catches_floats():
    with pytest.raises(AssertionError):
        assert_no_float(pd.DataFrame({"granted": [1.5]}))
    with pytest.raises(AssertionError):
        assert_no_float(pd.DataFrame({"granted": pd.Series([Decimal("1.00"), 2.0], dtype=object)}))
    with pytest.raises(AssertionError):
        assert_no_float({"mean_award": 3.0})
    assert_no_float({"gini": 0.5, "granted": Decimal("1.00")})


def test_empty_comparison_frames_hold_no_float(xuyi_plan, roster_small):
    what_if = subsidy.Scenarios(xuyi_plan, roster_small)
    comparison = subsidy.compare(what_if.base, what_if.run({RECEIVED: "120万"}))
    assert comparison.losers == 0 and len(comparison.top_losses) == 0
    assert_no_float(comparison.top_losses, "top_losses")
    assert comparison.top_losses["enterprise"].dtype == object
    assert comparison.top_losses["region"].dtype == object
