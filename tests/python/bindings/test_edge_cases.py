"""Corner cases a review of the package found, each pinned: values that must not change silently on
their way in or out."""
import datetime
import decimal
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

import subsidy
from conftest import XUYI_PLAN, raises_exactly


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_dates_outside_datetime64_ns_come_back_as_dates_not_wrapped(tmp_path):
    roster = subsidy.Roster.from_csv(write(tmp_path, "r.csv", (
        "id,registered_on\nA,2300-01-01\nB,1600-06-30\nC,\n")))
    dates = roster.to_pandas()["registered_on"]
    assert list(dates) == [datetime.date(2300, 1, 1), datetime.date(1600, 6, 30), None]
    inside = subsidy.Roster.from_csv(write(tmp_path, "s.csv", "id,registered_on\nA,2262-04-10\n"))
    assert inside.to_pandas()["registered_on"].dtype == "datetime64[ns]"


def test_unsigned_money_past_int64_is_refused():
    frame = pd.DataFrame({"id": ["A", "B"],
                          "revenue": pd.Series([2**63, 5], dtype="UInt64")})
    raises_exactly(ValueError, "column revenue: values past int64", subsidy.Roster.from_pandas, frame)


def test_to_pandas_then_from_pandas_keeps_integer_and_rate_columns(tmp_path):
    schema = write(tmp_path, "schema.yaml", "columns:\n  score: {type: integer}\n  share: {type: rate}\n")
    roster = subsidy.Roster.from_csv(write(tmp_path, "r.csv", "id,score,share\na,7,5%\nb,,\n"),
                                     schema=schema)
    again = subsidy.Roster.from_pandas(roster.to_pandas().drop(columns=["size"]))
    roster.write_csv(tmp_path / "first.csv")
    again.write_csv(tmp_path / "again.csv")
    assert (tmp_path / "again.csv").read_bytes() == (tmp_path / "first.csv").read_bytes()
    assert again._core.column_type("score") == "integer"
    assert again._core.column_type("share") == "rate"


def test_numpy_integers_among_money_objects_are_ambiguous_like_ints():
    message = ("column tax_paid, row 0: an int in a money column of objects is ambiguous: give "
               "int64 fen as the whole column's dtype, or yuan as decimal.Decimal or str")
    for value in (np.int64(5), 5):
        frame = pd.DataFrame({"id": ["A", "B"],
                              "tax_paid": pd.Series([value, Decimal("7")], dtype=object)})
        raises_exactly(ValueError, message, subsidy.Roster.from_pandas, frame)
    floats = pd.DataFrame({"id": ["A"], "tax_paid": pd.Series([np.float64(1.25)], dtype=object)})
    assert subsidy.Roster.from_pandas(floats).to_pandas(money="fen")["tax_paid"].tolist() == [125]


def test_bytes_are_refused_and_array_tags_are_tag_lists():
    names = pd.DataFrame({"id": ["A"], "name": pd.Series([b"abc"], dtype=object)})
    raises_exactly(ValueError, "column name, row 0: a bytes value: decode it to str first",
                   subsidy.Roster.from_pandas, names)
    tags = pd.DataFrame({"id": ["A", "B"],
                         "tags": pd.Series([np.array(["x", "y"]), ["z"]], dtype=object)})
    assert subsidy.Roster.from_pandas(tags).to_pandas()["tags"].tolist() == ["x;y", "z"]


def test_a_timestamp_in_a_string_column_keeps_its_time():
    stamps = pd.Categorical([pd.Timestamp("2020-01-01 10:00"), pd.Timestamp("2020-01-01 11:00")])
    frame = pd.DataFrame({"id": ["A", "B"], "slot": stamps})
    slots = subsidy.Roster.from_pandas(frame, types={"slot": "string"}).to_pandas()["slot"]
    assert slots.tolist() == ["2020-01-01T10:00:00", "2020-01-01T11:00:00"]


def test_the_callers_decimal_context_does_not_round_amounts():
    roster = subsidy.Roster.from_pandas(pd.DataFrame({"id": ["A"], "revenue": [123456789]}))
    with decimal.localcontext() as context:
        context.prec = 6
        revenue = roster.to_pandas()["revenue"].tolist()
        run = subsidy.allocate(subsidy.Plan.from_yaml(XUYI_PLAN),
                               subsidy.Roster.from_csv(XUYI_PLAN.parent / "roster-small.csv"))
        granted = run.awards["granted"].tolist()
    assert revenue == [Decimal("1234567.89")] and str(revenue[0]) == "1234567.89"
    assert all(value.as_tuple().exponent == -2 for value in granted)
    assert sum(granted) == Decimal("760000.00")


def test_float32_money_is_read_by_its_own_shortest_decimal():
    frame = pd.DataFrame({"id": ["A", "B"],
                          "revenue": pd.Series([1234567.89, np.nan], dtype=np.float32)})
    assert subsidy.Roster.from_pandas(frame).to_pandas(money="fen")["revenue"].tolist() == \
        [123456790, pd.NA]


def test_the_engine_refuses_a_strided_buffer():
    strided = np.array([[100, 1], [200, 2], [300, 3]], dtype=np.int64)[:, 0]
    columns = [("id", "text", "object", np.array(["A", "B", "C"], dtype=object), None, None),
               ("revenue", "money", "int64", strided, None, None)]
    raises_exactly(RuntimeError, "column revenue: a int64 column needs a contiguous array of i8",
                   subsidy._core.roster_from_columns, columns)


def test_scenario_and_dict_values_in_exponent_form_are_written_out(roster_small, xuyi_plan):
    what_if = subsidy.Scenarios(xuyi_plan, roster_small)
    by_text = what_if.run({"pools.county-base-fund.received": "120万"})
    by_decimal = what_if.run({"pools.county-base-fund.received": Decimal("1.2E+6")})
    by_float = what_if.run({"pools.county-base-fund.received": 1.2e6})
    assert by_decimal.awards_csv() == by_text.awards_csv() == by_float.awards_csv()


def test_negative_threads_are_refused(roster_small, xuyi_plan):
    raises_exactly(ValueError, "threads must be 0 (every core) or a positive count, not -1",
                   subsidy.allocate, xuyi_plan, roster_small, threads=-1)

