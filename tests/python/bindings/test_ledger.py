"""The ledger: imports, events, execution ratios and booking a run, against `subsidy ledger` and
`subsidy execution` on another, fresh ledger file."""
import json
import re
from decimal import Decimal

import pandas as pd
import pytest

import subsidy
from conftest import (CHENGDU_LEDGER, assert_decimal_yuan, cli_error, csv_rows, raises_exactly,
                      run_cli)

EVENTS = ("received", "arranged", "disbursed", "returned")
RATIOS = ("arrangement_ratio", "expenditure_ratio", "disbursed_of_arranged")


def cli_added(printed: str) -> dict:
    """The counts and amounts of `subsidy ledger import` / `book-run`'s line:
    "... 2 received (810000000.00 yuan), 5 arranged (...)" → {event: (count, Decimal)}."""
    return {event: (int(count), Decimal(amount))
            for count, event, amount in re.findall(r"(\d+) (\w+) \((-?\d+\.\d\d) yuan\)", printed)}


def report_added(report: dict) -> dict:
    return {event: (report["added_by_type"][event], report["amount_by_type"][event])
            for event in EVENTS if report["added_by_type"][event]}


@pytest.fixture
def chengdu_ledger(tmp_path):
    ledger = subsidy.Ledger(tmp_path / "l.db")
    return ledger, ledger.import_csv(CHENGDU_LEDGER)


@pytest.fixture(scope="module")
def cli_db(tmp_path_factory):
    """Another ledger file, filled by `subsidy ledger import` twice: (path, what each printed)."""
    path = tmp_path_factory.mktemp("cli-ledger") / "cli.db"
    first = run_cli("ledger", "import", CHENGDU_LEDGER, "--db", path)
    second = run_cli("ledger", "import", CHENGDU_LEDGER, "--db", path)
    return path, first, second


def test_import_report_equals_the_command_lines(chengdu_ledger, cli_db):
    ledger, report = chengdu_ledger
    _, first, _ = cli_db
    assert report["added"] == 13 and report["skipped"] == 0
    assert report["added_by_type"] == {"received": 2, "arranged": 5, "disbursed": 6, "returned": 0}
    assert report["amount_by_type"] == {
        "received": Decimal("810000000.00"), "arranged": Decimal("720000000.00"),
        "disbursed": Decimal("678930500.00"), "returned": Decimal("0.00")}
    for amount in report["amount_by_type"].values():
        assert type(amount) is Decimal and amount.as_tuple().exponent == -2
    assert report_added(report) == cli_added(first)
    assert "added 13 events" in first and "skipped 0 already" in first


def test_importing_again_skips_everything(chengdu_ledger, cli_db):
    ledger, _ = chengdu_ledger
    again = ledger.import_csv(CHENGDU_LEDGER)
    assert (again["added"], again["skipped"]) == (0, 13)
    assert again["added_by_type"] == dict.fromkeys(EVENTS, 0)
    assert again["amount_by_type"] == dict.fromkeys(EVENTS, Decimal("0.00"))
    assert "added 0 events: nothing new; skipped 13 already" in cli_db[2]
    assert len(ledger.events()) == 13


def execution_rows(frame: pd.DataFrame, by: str) -> list:
    """Python's execution rows (without the total) as the command line's CSV prints them."""
    progress = frame.attrs["schedule_progress"]
    return [{by: row[by], **{event: str(row[event]) for event in EVENTS},
             **{ratio: row[ratio] for ratio in RATIOS}, "schedule_progress": progress,
             "lag": row["schedule_lag"]}
            for _, row in frame.iloc[:-1].iterrows()]


@pytest.mark.parametrize("as_of", ["2023-12-31", "2023-06-30"])
@pytest.mark.parametrize("by", ["pool", "region", "program"])
def test_execution_equals_the_command_lines(chengdu_ledger, cli_db, by, as_of):
    ledger, _ = chengdu_ledger
    path, _, _ = cli_db
    frame = ledger.execution(as_of, by=by)
    assert list(frame.columns) == [by, *EVENTS, *RATIOS, "schedule_lag"]
    for event in EVENTS:
        assert_decimal_yuan(frame[event])
    printed = run_cli("execution", "--db", path, "--as-of", as_of, "--by", by, "--csv")
    assert execution_rows(frame, by) == csv_rows(printed)
    printed = json.loads(run_cli("execution", "--db", path, "--as-of", as_of, "--by", by, "--json"))
    total = frame.iloc[-1]
    assert total[by] == "total"
    assert {key: str(total[key]) for key in (*EVENTS, *RATIOS)} == {
        key: printed["total"][key] for key in (*EVENTS, *RATIOS)}
    assert total["schedule_lag"] == printed["total"]["lag"]
    assert frame.attrs == {"as_of": as_of, "year_start": printed["fiscal_year_start"],
                           "schedule_progress": printed["schedule_progress"]}


def test_execution_total_of_the_chengdu_report(chengdu_ledger):
    ledger, _ = chengdu_ledger
    frame = ledger.execution("2023-12-31")
    assert frame["pool"].tolist() == ["central-lcsf", "total"]
    total = frame.iloc[-1]
    assert (total["arrangement_ratio"], total["expenditure_ratio"]) == ("88.89%", "83.82%")
    assert (total["received"], total["arranged"], total["disbursed"], total["returned"]) == (
        Decimal("810000000.00"), Decimal("720000000.00"), Decimal("678930500.00"), Decimal("0.00"))
    assert total["disbursed_of_arranged"] == "94.30%" and total["schedule_lag"] == "-16.18"
    fen = ledger.execution("2023-12-31", money="fen")
    assert fen["disbursed"].dtype == "int64" and fen["disbursed"].tolist() == [67893050000] * 2


def test_events(chengdu_ledger):
    ledger, report = chengdu_ledger
    events = ledger.events()
    assert list(events.columns) == ["date", "event", "pool", "program", "region", "enterprise",
                                    "amount", "voucher"]
    assert len(events) == 13
    assert str(events["date"].dtype) == "datetime64[ns]"
    assert isinstance(events["event"].dtype, pd.CategoricalDtype)
    assert list(events["event"].cat.categories) == list(EVENTS)
    assert_decimal_yuan(events["amount"])
    for event in EVENTS:
        chosen = events[events["event"] == event]
        assert len(chosen) == report["added_by_type"][event]
        assert sum(chosen["amount"], Decimal("0.00")) == report["amount_by_type"][event]
    # in date order, then file order
    assert events["date"].is_monotonic_increasing
    rows = csv_rows(CHENGDU_LEDGER)
    assert sorted(events["voucher"]) == sorted(row["voucher"] for row in rows)
    first = events.iloc[0]
    assert str(first["date"].date()) == "2023-03-10"
    assert first.drop("date").tolist() == [
        "received", "central-lcsf", "", "", "", Decimal("500000000.00"), "CZ-2023-0001"]
    fen = ledger.events(money="fen")
    assert fen["amount"].dtype == "int64"
    assert fen["amount"].tolist() == [int(amount * 100) for amount in events["amount"]]


def test_bad_as_of_and_grouping(chengdu_ledger, cli_db):
    ledger, _ = chengdu_ledger
    message = 'invalid date "2023-13-31": month 13 is not 1..12'
    raises_exactly(ValueError, message, ledger.execution, "2023-13-31")
    printed = cli_error("execution", "--db", cli_db[0], "--as-of", "2023-13-31")
    assert printed == f"--as-of: {message}"
    raises_exactly(ValueError, 'invalid date "31/12/2023": expected YYYY-MM-DD', ledger.execution,
                   "31/12/2023")
    raises_exactly(ValueError, 'unknown grouping "enterprise"; expected pool, region or program',
                   ledger.execution, "2023-12-31", by="enterprise")
    raises_exactly(ValueError, 'money must be "decimal" or "fen", not \'yuan\'', ledger.execution,
                   "2023-12-31", money="yuan")


def test_opening_a_missing_ledger_without_create(tmp_path):
    path = tmp_path / "missing.db"
    message = f"ledger {path} does not exist (an import creates it)"
    error = raises_exactly(subsidy.NotFoundError, message, subsidy.Ledger, path, create=False)
    assert isinstance(error, KeyError)
    assert not path.exists()
    assert cli_error("execution", "--db", path, "--as-of", "2023-12-31") == message


def test_import_errors_are_the_command_lines(tmp_path):
    overdraft = tmp_path / "overdraft.csv"
    overdraft.write_text("date,event,pool,program,region,enterprise,amount,voucher\n"
                         "2023-01-01,received,p,,,,100,R1\n2023-01-02,arranged,p,,,,200,A1\n",
                         encoding="utf-8")
    message = (f"{overdraft}:3: arranged A1 on 2023-01-02: arranged for pool p would reach 200.00, "
               "beyond the 100.00 it has received by then (--allow-overdraft permits it)")
    ledger = subsidy.Ledger(tmp_path / "l.db")
    raises_exactly(ValueError, message, ledger.import_csv, overdraft)
    assert cli_error("ledger", "import", overdraft, "--db", tmp_path / "cli.db") == (
        f"nothing imported: {message}")
    assert len(ledger.events()) == 0  # all or nothing
    report = ledger.import_csv(overdraft, allow_overdraft=True)
    assert report["added_by_type"]["arranged"] == 1
    assert report["amount_by_type"]["arranged"] == Decimal("200.00")


def test_book_run(tmp_path, xuyi_run):
    ledger = subsidy.Ledger(tmp_path / "l.db")
    report = ledger.book_run(xuyi_run, book_received=True, directory=tmp_path / "run")
    granted = xuyi_run.metrics()["granted"]
    assert report["already_booked"] is False
    assert report["received_pools"] == ["county-base-fund"]
    assert report["added"] == 10
    assert report["added_by_type"] == {"received": 1, "arranged": 9, "disbursed": 0, "returned": 0}
    assert report["amount_by_type"]["arranged"] == granted == Decimal("760000.00")
    assert report["amount_by_type"]["received"] == Decimal("800000.00")
    # the command line books the same directory alike into its own ledger
    printed = run_cli("ledger", "book-run", "--db", tmp_path / "cli.db", "--run", tmp_path / "run",
                      "--book-received")
    assert report_added(report) == cli_added(printed)
    run_id = json.loads((tmp_path / "run" / "run.json").read_text(encoding="utf-8"))["run_id"]
    assert f"booked run {run_id} (xuyi-2023-h1, as of 2023-06-30)" in printed

    total = ledger.execution("2023-06-30").iloc[-1]
    assert total["arranged"] == granted
    assert total["received"] == Decimal("800000.00")
    assert total["arrangement_ratio"] == "95.00%"

    again = ledger.book_run(xuyi_run, book_received=True, directory=tmp_path / "again")
    assert again["already_booked"] is True and again["added"] == 0
    assert again["booked_at"] == report["booked_at"]
    assert ledger.book_run(tmp_path / "run")["already_booked"] is True
    assert ledger.execution("2023-06-30").iloc[-1]["arranged"] == granted


def test_book_run_needs_a_directory(tmp_path, xuyi_run):
    ledger = subsidy.Ledger(tmp_path / "l.db")
    raises_exactly(ValueError, "book_run of an Allocation needs the directory to write it to",
                   ledger.book_run, xuyi_run)
    raises_exactly(subsidy.NotFoundError,
                   f"cannot read {tmp_path / 'none'}/run.json: it is not there",
                   ledger.book_run, tmp_path / "none")
