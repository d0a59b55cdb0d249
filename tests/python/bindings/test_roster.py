"""Rosters: Roster.from_csv (its errors are the command line's), Roster.from_pandas from every kind
of column it documents (each must give the CSV roster's allocation), float yuan rounded exactly
to the fen, its errors word for word, to_pandas round trips, and a 100k-row round trip."""
import csv
import math
import random
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd
import pytest

import subsidy
from conftest import (MONEY_COLUMNS, PLANS, ROSTER_SMALL, XUYI_PLAN, assert_decimal_yuan,
                      assert_same_allocations, assert_same_frame, cli_error, csv_rows, golden,
                      raises_exactly, run_cli)

# ---------------------------------------------------------------------------------------------
# Roster.from_csv


def test_from_csv_of_a_missing_file_raises_not_found(tmp_path):
    path = tmp_path / "no-such-roster.csv"
    message = f"cannot open roster {path}: No such file or directory"
    error = raises_exactly(subsidy.NotFoundError, message, subsidy.Roster.from_csv, path)
    assert isinstance(error, KeyError)
    assert message == cli_error("classify", "--roster", path, "--out", tmp_path / "out.csv")


@pytest.mark.parametrize("body, message", [
    ("id,name,tax_paid\nA1,x,1.00\nA2,y,12.345\n",
     ':3: column tax_paid: amount "12.345" is finer than a fen'),
    ("id,name,employees\nA1,x,12.5\n", ':2: column employees: invalid integer "12.5"'),
    ("id,name,registered_on\nA1,x,2020-02-30\n",
     ':2: column registered_on: invalid date "2020-02-30": day 30 is not in 2020-02'),
    ("id,name\nA,x\nB,y\nA,z\n", ':4: duplicate id "A" (first on line 2)'),
], ids=["finer-than-fen", "integer", "date", "duplicate-id"])
def test_from_csv_bad_cell_raises_the_command_lines_message(tmp_path, body, message):
    path = tmp_path / "bad.csv"
    path.write_text(body, encoding="utf-8")
    raises_exactly(ValueError, f"{path}{message}", subsidy.Roster.from_csv, path)
    assert f"{path}{message}" == cli_error("validate", "--plan", XUYI_PLAN, "--roster", path)


def test_from_csv_shape(roster_small):
    assert len(roster_small) == 24
    assert roster_small.columns == ["id", "name", "region", "industry", "employees", "revenue",
                                    "assets", "sales_invoiced", "tax_paid", "registered_on", "tags",
                                    "rent_paid", "size"]


# ---------------------------------------------------------------------------------------------
# Roster.from_pandas, built from the small roster's values: each kind of column


def small_rows() -> list:
    return csv_rows(ROSTER_SMALL)


def objects(values) -> pd.Series:
    return pd.Series(list(values), dtype=object)


def text(cells):  # str, None for an empty cell
    return objects(cell if cell != "" else None for cell in cells)


def fen_int64(cells):  # int64 fen (the column must have no empty cell)
    assert "" not in cells
    return np.array([int(Decimal(cell) * 100) for cell in cells], dtype=np.int64)


def fen_nullable(cells):  # nullable Int64 fen
    return pd.array([int(Decimal(cell) * 100) if cell else None for cell in cells], dtype="Int64")


def fen_best(cells):  # int64 where nothing is missing, else Int64
    return fen_int64(cells) if "" not in cells else fen_nullable(cells)


def yuan_float(cells):  # float64 yuan, NaN for missing
    return np.array([float(cell) if cell else math.nan for cell in cells], dtype=np.float64)


def yuan_decimal(cells):
    return objects(Decimal(cell) if cell else None for cell in cells)


def yuan_wan(cells):  # "126万", "9.5万"
    return objects(f"{(Decimal(cell) / 10000).normalize():f}万" if cell else None for cell in cells)


def dates(cells):
    return pd.to_datetime(pd.Series([cell or None for cell in cells]))


def whole_numbers(cells):  # nullable Int64
    return pd.array([int(cell) if cell else None for cell in cells], dtype="Int64")


def booleans(cells):  # nullable boolean
    return pd.array([{"true": True, "false": False}.get(cell) for cell in cells], dtype="boolean")


def tag_lists(cells):
    return objects(cell.split(";") if cell else [] for cell in cells)


def standard_converters() -> dict:
    converters = {name: text for name in ("id", "name", "region", "industry", "tags")}
    converters["employees"] = whole_numbers
    converters["registered_on"] = dates
    converters.update({name: fen_best for name in MONEY_COLUMNS})
    return converters


def build_frame(rows: list, **converters) -> pd.DataFrame:
    """A DataFrame of the roster rows (dicts of CSV cells), in the CSV's column order, each column
    made by its converter (the standard ones unless given)."""
    chosen = {**standard_converters(), **converters}
    return pd.DataFrame({name: chosen[name]([row[name] for row in rows]) for name in rows[0]})


def write_rows(path, rows: list) -> None:
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def assert_same_roster(roster: "subsidy.Roster", csv_roster: "subsidy.Roster", tmp_path) -> None:
    """The same values (the canonical CSV of both) and the same Xuyi and Chengdu allocations."""
    roster.write_csv(tmp_path / "from-pandas.csv")
    csv_roster.write_csv(tmp_path / "from-csv.csv")
    assert (tmp_path / "from-pandas.csv").read_bytes() == (tmp_path / "from-csv.csv").read_bytes()
    assert_same_allocations(roster, csv_roster)


def text_of_ints(cells):
    return np.array([int(cell) for cell in cells], dtype=np.int64)


VARIANTS = {
    "fen-int64": {},
    "fen-nullable-Int64": {name: fen_nullable for name in MONEY_COLUMNS},
    "yuan-float64": {name: yuan_float for name in MONEY_COLUMNS},
    "yuan-Decimal": {name: yuan_decimal for name in MONEY_COLUMNS},
    "yuan-str-wan": {name: yuan_wan for name in MONEY_COLUMNS},
    "yuan-str-plain": {name: text for name in MONEY_COLUMNS},
    "categorical-region-industry": {
        "region": lambda cells: pd.Categorical(cells),
        "industry": lambda cells: pd.Categorical(cells,
                                                 categories=sorted(set(cells), reverse=True))},
    "region-int64": {"region": text_of_ints},
    "employees-int64-float64": {"employees": yuan_float},
    "dates-as-str": {"registered_on": text},
    "dates-as-date-objects": {"registered_on": lambda cells: objects(
        pd.Timestamp(cell).date() for cell in cells)},
    "tags-as-lists": {"tags": tag_lists},
    "tags-as-tuples": {"tags": lambda cells: objects(tuple(cell.split(";")) if cell else ()
                                                    for cell in cells)},
}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_from_pandas_gives_the_csv_rosters_allocation(variant, roster_small, tmp_path):
    frame = build_frame(small_rows(), **VARIANTS[variant])
    # rent_paid is not a standard column: as str it needs its type (SPEC: numbers are money).
    types = {"rent_paid": "money"} if variant.startswith("yuan-str") else None
    assert_same_roster(subsidy.Roster.from_pandas(frame, types=types), roster_small, tmp_path)


def test_from_pandas_tags_as_sets(roster_small):
    # A set has no order, so only the allocation (not the written tag order) is compared.
    frame = build_frame(small_rows(), tags=lambda cells: objects(map(set, tag_lists(cells))))
    roster = subsidy.Roster.from_pandas(frame)
    assert_same_allocations(roster, roster_small)
    tags = [set(written) for written in tag_lists(roster.to_pandas()["tags"].tolist())]
    assert tags == [set(given) for given in tag_lists([row["tags"] for row in small_rows()])]


def test_from_pandas_money_dtypes_are_what_the_variants_say():
    # Guards the variants above: they do feed the dtypes they are named for.
    frame = build_frame(small_rows())
    assert frame["assets"].dtype == np.int64 and str(frame["revenue"].dtype) == "Int64"
    assert build_frame(small_rows(), **VARIANTS["yuan-float64"])["tax_paid"].dtype == np.float64
    wan = build_frame(small_rows(), **VARIANTS["yuan-str-wan"])["tax_paid"]
    assert wan.tolist()[:5] == ["126万", "365万", "21万", "48万", "9.5万"]
    assert build_frame(small_rows(), **VARIANTS["region-int64"])["region"].dtype == np.int64


def test_from_pandas_extra_column_as_str_with_types(roster_small, tmp_path):
    frame = build_frame(small_rows(), rent_paid=text)
    typed = subsidy.Roster.from_pandas(frame, types={"rent_paid": "money"})
    assert_same_roster(typed, roster_small, tmp_path)
    # Untyped, str values are strings (SPEC: numbers are money; these are not numbers to pandas).
    untyped = subsidy.Roster.from_pandas(frame)
    assert untyped._core.column_type("rent_paid") == "string"


def test_from_pandas_integer_ids_and_nat_dates(tmp_path):
    rows = small_rows()
    for index, row in enumerate(rows):
        row["id"] = str(1000 + index)
    rows[4]["registered_on"] = ""  # 盱眙云谷软件: no date, so not a start-up for the rent subsidy
    write_rows(tmp_path / "roster.csv", rows)
    csv_roster = subsidy.Roster.from_csv(tmp_path / "roster.csv")
    frame = build_frame(rows, id=text_of_ints)
    assert frame["id"].dtype == np.int64 and frame["registered_on"].isna().sum() == 1
    roster = subsidy.Roster.from_pandas(frame)
    assert_same_roster(roster, csv_roster, tmp_path)
    back = roster.to_pandas()
    assert back["id"].tolist() == [str(1000 + index) for index in range(24)]
    assert back["registered_on"].isna().tolist() == [index == 4 for index in range(24)]


def test_from_pandas_extra_columns_typed_like_a_schema(tmp_path):
    rows = small_rows()
    for index, row in enumerate(rows):
        row["score"] = str(index * 7 % 10) if index % 5 else ""
        row["flag"] = ["true", "false", ""][index % 3]
        row["share"] = ["5%", "0.5", ""][index % 3]
        row["opened"] = f"2020-01-{index + 1:02d}"
    write_rows(tmp_path / "roster.csv", rows)
    (tmp_path / "schema.yaml").write_text(
        "columns:\n  score: {type: integer}\n  flag: {type: bool}\n  share: {type: rate}\n",
        encoding="utf-8")
    csv_roster = subsidy.Roster.from_csv(tmp_path / "roster.csv", schema=tmp_path / "schema.yaml")
    frame = build_frame(rows, score=whole_numbers, flag=booleans, share=text, opened=dates)
    roster = subsidy.Roster.from_pandas(frame, types={"score": "integer", "flag": "bool",
                                                      "share": "rate"})
    assert [roster._core.column_type(name) for name in ("score", "flag", "share", "opened")] == [
        "integer", "bool", "rate", "date"]
    assert_same_roster(roster, csv_roster, tmp_path)
    back = roster.to_pandas()
    assert str(back["score"].dtype) == "Int64" and str(back["flag"].dtype) == "boolean"
    assert back["share"].tolist()[:3] == [Decimal("0.050000000"), Decimal("0.500000000"), None]


def test_from_pandas_chinese_headers():
    frame = pd.DataFrame({"统一社会信用代码": ["A"], "企业名称": ["甲"], "入库税金": [Decimal("5.00")]})
    roster = subsidy.Roster.from_pandas(frame)
    assert roster.columns == ["id", "name", "tax_paid", "size"]
    assert roster.to_pandas(money="fen")["tax_paid"].tolist() == [500]


# ---------------------------------------------------------------------------------------------
# float64 yuan: the shortest decimal (what Python prints), rounded half away from zero to the fen

FLOAT_CASES = [(0.1, 10), (1234.56, 123456), (0.125, 13), (-0.125, -13), (1e-9, 0), (0.005, 1),
               (2.675, 268), (1.005, 101), (-0.0, 0), (123456789.015, 12345678902),
               (99999999999.995, 10000000000000), (1e15, 100000000000000000)]


def shortest_decimal_fen(value: float) -> int:
    """The documented rule: Decimal(repr(value)) — the shortest decimal that reads back as the
    float — rounded half away from zero to the fen."""
    return int((Decimal(repr(value)) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@pytest.mark.parametrize("value, fen", FLOAT_CASES, ids=[repr(v) for v, _ in FLOAT_CASES])
def test_fen_of_float_yuan(value, fen):
    assert shortest_decimal_fen(value) == fen  # the expected values follow the documented rule
    assert subsidy._core.fen_of_float_yuan(value) == fen


def test_the_shortest_decimal_not_the_binary_value():
    # 1.005 and 2.675 are stored just below the half fen; what Python prints is the half, which
    # rounds up. 123456789.015 prints as it was typed.
    assert Decimal(1.005) < Decimal("1.005") and Decimal(2.675) < Decimal("2.675")
    assert repr(123456789.015) == "123456789.015"
    assert [subsidy._core.fen_of_float_yuan(value) for value in (1.005, 2.675, 123456789.015)] == [
        101, 268, 12345678902]


def test_float_yuan_through_a_roster():
    values = [value for value, _ in FLOAT_CASES] + [math.nan]
    frame = pd.DataFrame({"id": [f"E{index}" for index in range(len(values))], "tax_paid": values})
    assert frame["tax_paid"].dtype == np.float64
    roster = subsidy.Roster.from_pandas(frame)
    fen = roster.to_pandas(money="fen")["tax_paid"]
    assert str(fen.dtype) == "Int64"
    assert fen.tolist()[:-1] == [fen for _, fen in FLOAT_CASES] and fen.isna().tolist()[-1]
    decimal = roster.to_pandas()["tax_paid"]
    assert decimal.tolist()[:4] == [Decimal("0.10"), Decimal("1234.56"), Decimal("0.13"),
                                    Decimal("-0.13")]
    assert decimal.tolist()[-1] is None


def test_floats_among_objects_are_float_yuan():
    frame = pd.DataFrame({"id": ["A", "B", "C"], "tax_paid": objects([Decimal("1.00"), 2.5, None])})
    fen = subsidy.Roster.from_pandas(frame).to_pandas(money="fen")["tax_paid"]
    assert fen.tolist() == [100, 250, pd.NA]


def test_random_floats_follow_the_shortest_decimal_rule_below_1e16():
    generator = random.Random(20230630)
    values = [round(generator.uniform(-1e7, 1e7), generator.randrange(0, 5)) for _ in range(20000)]
    values += [generator.choice((-1, 1)) * 10 ** generator.uniform(-4, 16) for _ in range(20000)]
    wrong = [(v, subsidy._core.fen_of_float_yuan(v), shortest_decimal_fen(v)) for v in values
             if subsidy._core.fen_of_float_yuan(v) != shortest_decimal_fen(v)]
    assert wrong == []


def test_float_above_2_pow_54_is_its_shortest_decimal():
    assert shortest_decimal_fen(2.0 ** 55) == 3602879701896397000
    assert subsidy._core.fen_of_float_yuan(2.0 ** 55) == 3602879701896397000


def test_non_finite_floats_are_refused():
    raises_exactly(ValueError, "amount inf is not a finite number", subsidy._core.fen_of_float_yuan,
                   math.inf)
    frame = pd.DataFrame({"id": ["A", "B"], "tax_paid": [1.0, -math.inf]})
    raises_exactly(ValueError, "column tax_paid, row 1: amount -inf is not a finite number",
                   subsidy.Roster.from_pandas, frame)


# ---------------------------------------------------------------------------------------------
# from_pandas errors, word for word

@pytest.mark.parametrize("frame, types, message", [
    (pd.DataFrame({"id": ["A", "B"], "tax_paid": [Decimal("1.00"), Decimal("12.345")]}), None,
     'column tax_paid, row 1: amount "12.345" is finer than a fen'),
    (pd.DataFrame({"id": ["A", "B", "C", "B"]}), None,
     'column id, row 3: duplicate id "B" (first in row 1)'),
    (pd.DataFrame({"name": ["甲"]}), None, "no id column"),
    (pd.DataFrame({"id": ["A", ""]}), None, "column id, row 1: empty id"),
    (pd.DataFrame({"id": ["A", None]}), None, "column id, row 1: empty id"),
    (pd.DataFrame({"id": ["A"], "size": ["small"]}), None,
     "column size is derived from industry, employees, revenue and assets; drop or rename the "
     "frame's own size column"),
    (pd.DataFrame({"id": ["A"], "region": [320830.0]}), None,
     "column region: float64 values cannot be string: read the column as str "
     "(read_csv(..., dtype={'region': str}))"),
    (pd.DataFrame({"id": ["A"], "tax_paid": [1]}), {"tax_paid": "integer"},
     "column tax_paid is money by SPEC, not integer"),
    (pd.DataFrame({"id": ["A", "B"], "registered_on": ["2020-01-01", "2020-13-01"]}), None,
     'column registered_on, row 1: invalid date "2020-13-01": month 13 is not 1..12'),
    (pd.DataFrame({"id": ["A", "B"], "tax_paid": objects([Decimal("1.00"), 5])}), None,
     "column tax_paid, row 1: an int in a money column of objects is ambiguous: give int64 fen as "
     "the whole column's dtype, or yuan as decimal.Decimal or str"),
    (pd.DataFrame({"id": ["A"]}), {"rent_paid": "money", "zz": "integer"},
     "types names columns not in the frame: rent_paid, zz"),
    (pd.DataFrame({"id": ["A"], 0: [1]}), None, "column 0: column names must be str"),
    (pd.DataFrame({"id": ["A"], "x": [1]}), {"x": "moneyy"},
     'column x: unknown column type "moneyy"; expected string, text, money, integer, rate, bool, '
     "date or tags"),
    (pd.DataFrame({"id": ["A", "B"], "tax_paid": ["50万", "abc"]}), None,
     'column tax_paid, row 1: invalid amount "abc": expected a number of yuan such as 1234.5, '
     "1_000, 50万 or 8.1亿"),
    (pd.DataFrame([["A", "B"]], columns=["id", "id"]), None, "column id is given twice"),
    (pd.DataFrame({"id": ["A"], "tags": [["x", 1]]}), None,
     "column tags, row 0: a tag must be a str, not int"),
    (pd.DataFrame({"id": ["A", "B"], "flag": [0, 2]}), {"flag": "bool"},
     "column flag, row 1: invalid bool 2: expected 0 or 1"),
], ids=["decimal-3-places", "duplicate-id", "no-id", "empty-id", "none-id", "size", "float-region",
        "type-conflict", "bad-date", "int-among-objects", "types-not-in-frame", "non-str-label",
        "unknown-type", "bad-amount-str", "column-twice", "tag-not-str", "bool-not-0-1"])
def test_from_pandas_errors(frame, types, message):
    raises_exactly(ValueError, message, subsidy.Roster.from_pandas, frame, types=types)


def test_from_pandas_error_rows_are_positions_not_labels():
    frame = pd.DataFrame({"id": ["A", "B"], "tax_paid": [Decimal("1"), Decimal("0.001")]},
                         index=[10, 20])
    raises_exactly(ValueError, 'column tax_paid, row 1: amount "0.001" is finer than a fen',
                   subsidy.Roster.from_pandas, frame)


def test_decimal_nan_is_null():
    frame = pd.DataFrame({"id": ["A", "B"], "tax_paid": objects([Decimal("NaN"), Decimal("1.00")])})
    assert pd.isna(frame["tax_paid"][0])
    fen = subsidy.Roster.from_pandas(frame).to_pandas(money="fen")["tax_paid"]
    assert fen.isna().tolist() == [True, False]


# ---------------------------------------------------------------------------------------------
# to_pandas


def test_to_pandas_dtypes_and_values(roster_small, roster_sizes):
    frame = roster_small.to_pandas()
    assert list(frame.columns) == roster_small.columns
    assert {name: str(dtype) for name, dtype in frame.dtypes.items()} == {
        "id": "object", "name": "object", "region": "category", "industry": "category",
        "employees": "Int64", "revenue": "object", "assets": "object", "sales_invoiced": "object",
        "tax_paid": "object", "registered_on": "datetime64[ns]", "tags": "object",
        "rent_paid": "object", "size": "category"}
    for name in MONEY_COLUMNS:
        assert_decimal_yuan(frame[name], nullable=True)
    rows = small_rows()
    for name in MONEY_COLUMNS:
        assert frame[name].tolist() == [Decimal(row[name]) if row[name] else None for row in rows]
    assert frame["tags"].tolist() == [row["tags"] for row in rows]
    assert frame["region"].astype(str).tolist() == [row["region"] for row in rows]
    assert frame["employees"].isna().tolist() == [row["employees"] == "" for row in rows]
    sizes = [None if pd.isna(size) else size for size in frame["size"]]
    assert sizes == list(roster_sizes.values())

    fen = roster_small.to_pandas(money="fen")
    for name in MONEY_COLUMNS:
        expected = "int64" if all(row[name] for row in rows) else "Int64"
        assert str(fen[name].dtype) == expected, name
        assert [None if pd.isna(v) else v for v in fen[name]] == [
            int(Decimal(row[name]) * 100) if row[name] else None for row in rows]
    others = [name for name in frame.columns if name not in MONEY_COLUMNS]
    assert_same_frame(fen[others], frame[others])


@pytest.mark.parametrize("money", ["decimal", "fen"])
def test_to_pandas_round_trip(roster_small, money):
    frame = roster_small.to_pandas(money=money)
    again = subsidy.Roster.from_pandas(frame.drop(columns=["size"]))
    assert_same_frame(again.to_pandas(money=money), frame)
    for name, path in PLANS.items():
        run = subsidy.allocate(subsidy.Plan.from_yaml(path), again)
        assert run.awards_csv().encode() == golden(name, "awards.csv").read_bytes()


# ---------------------------------------------------------------------------------------------
# 100k rows: synth → from_csv → to_pandas → from_pandas → allocate, all identical

SYNTH_ROWS = 100_000


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    path = tmp_path_factory.mktemp("synth") / "roster-100k.csv"
    run_cli("synth", "--rows", SYNTH_ROWS, "--seed", 2023, "--out", path)
    roster = subsidy.Roster.from_csv(path)
    assert len(roster) == SYNTH_ROWS
    return path, roster


def test_100k_round_trip_through_pandas(synthetic):
    _, roster = synthetic
    # the synthetic roster does reach the Xuyi programs
    assert len(subsidy.allocate(subsidy.Plan.from_yaml(XUYI_PLAN), roster).awards) > 1000
    decimal = roster.to_pandas()
    fen = roster.to_pandas(money="fen")
    for name in MONEY_COLUMNS:
        assert_decimal_yuan(decimal[name], nullable=True)
        assert str(fen[name].dtype) in ("int64", "Int64")
    for money, frame in (("decimal", decimal), ("fen", fen)):
        rebuilt = subsidy.Roster.from_pandas(frame.drop(columns=["size"]))
        assert_same_allocations(rebuilt, roster, plans=[XUYI_PLAN])
        assert_same_frame(rebuilt.to_pandas(money=money), frame)


def test_100k_read_csv_with_float_yuan(synthetic):
    path, roster = synthetic
    frame = pd.read_csv(path, dtype={"id": str, "name": str, "region": str, "industry": str,
                                     "tags": str, "employees": "Int64",
                                     **{name: np.float64 for name in MONEY_COLUMNS}},
                        parse_dates=["registered_on"], keep_default_na=False, na_values=[""],
                        float_precision="round_trip")
    assert all(frame[name].dtype == np.float64 for name in MONEY_COLUMNS)
    rebuilt = subsidy.Roster.from_pandas(frame)
    assert_same_allocations(rebuilt, roster)
    assert_same_frame(rebuilt.to_pandas(money="fen"), roster.to_pandas(money="fen"))
