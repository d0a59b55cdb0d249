"""subsidy: exact allocation of subsidies and special funds, from Python.

    import subsidy
    roster = subsidy.Roster.from_csv("examples/roster-small.csv")    # or Roster.from_pandas(df)
    plan = subsidy.Plan.from_yaml("examples/xuyi-2023-plan.yaml")    # or Plan.from_dict({...})
    run = subsidy.allocate(plan, roster)
    run.awards      # a DataFrame: one row per award line, money as decimal.Decimal yuan
    run.pools       # a DataFrame: one row per budget
    print(run.explain("91320830MA1N000002"))

Money is exact: amounts come back as decimal.Decimal yuan by default and as int64 fen on request
(``money="fen"``, the fast path), never as float. Engine errors are raised with the engine's
message: ValueError for bad input (a plan, a roster cell, an override), NotFoundError (a KeyError)
for a missing file, enterprise or name, OSError for the operating system's failures.
"""

from __future__ import annotations

import json
import os
from decimal import Decimal
from typing import Any, Iterable, Mapping, Optional, Sequence, Union

import numpy as np
import pandas as pd

from . import _core
from ._errors import NotFoundError
from ._money import check_money, money_series, optional_money_series, yuan
from ._money import money as _amount
from ._roster import columns_of_frame, dates_series, frame_of_roster

__version__ = _core.__version__
__all__ = [
    "Allocation", "Comparison", "Ledger", "NotFoundError", "Plan", "Roster", "Scenarios", "Sweep",
    "allocate", "classify", "compare", "explain", "__version__",
]

PathLike = Union[str, "os.PathLike[str]"]


class Roster:
    """A roster of enterprises, loaded once and shared read-only by every run (SPEC §4)."""

    def __init__(self, core: "_core.Roster") -> None:
        self._core = core

    @classmethod
    def from_csv(cls, path: PathLike, *, schema: Optional[PathLike] = None,
                 encoding: str = "utf-8", threads: int = 0) -> "Roster":
        """Loads a roster CSV exactly like ``subsidy allocate --roster`` (UTF-8 or GBK, an optional
        schema file). Errors name the file, line, column and reason."""
        return cls(_core.load_roster_csv(os.fspath(path),
                                         None if schema is None else os.fspath(schema),
                                         encoding, _threads(threads)))

    @classmethod
    def from_pandas(cls, frame: pd.DataFrame, *,
                    types: Optional[Mapping[str, str]] = None) -> "Roster":
        """A roster from a DataFrame, one column per roster column.

        Standard columns (id, name, region, industry, employees, revenue, assets, sales_invoiced,
        tax_paid, registered_on, tags — or their Chinese headers) have their SPEC types. Other
        columns take their type from ``types`` ({"rent_paid": "money", "score": "integer"}; the
        schema's spellings), else from their dtype: numbers are money (SPEC §4), datetimes dates,
        booleans bools, anything else strings.

        Money columns may be given as
          - int64 (or nullable Int64): **fen** — 12345 is 123.45 yuan;
          - float64: **yuan**, each value taken as the shortest decimal that reads back as the
            same float (what Python prints: 1234.56) and rounded half away from zero to the fen;
            NaN is null. Exact for every float, and the identity for amounts typed with at most
            two decimals;
          - objects: decimal.Decimal or str yuan ("1234.56", "50万"), which must be whole fen
            like a CSV cell; None/NaN/pd.NA are null. A plain int among objects is refused as
            ambiguous.
        Ids and region codes read as integers are taken as their digits. Categorical columns keep
        their categories. Errors name the column and the 0-based row position:
        ``column tax_paid, row 17: amount "12.345" is finer than a fen``.
        """
        return cls(_core.roster_from_columns(columns_of_frame(frame, types)))

    def to_pandas(self, *, money: str = "decimal") -> pd.DataFrame:
        """The roster as a DataFrame (the derived size column included): money as Decimal yuan or,
        with ``money="fen"``, int64 fen; strings categorical; dates datetime64; tags ';'-joined."""
        return frame_of_roster(self._core, check_money(money))

    def write_csv(self, path: PathLike) -> None:
        """Writes the roster as the UTF-8 CSV the loader reads back."""
        self._core.write_csv(os.fspath(path))

    @property
    def columns(self) -> list:
        return self._core.column_names()

    def __len__(self) -> int:
        return self._core.num_rows

    def __repr__(self) -> str:
        return f"<subsidy.Roster {len(self)} rows: {', '.join(self.columns)}>"


def _plan_json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return _plain_number(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    raise TypeError(f"a plan value cannot be {type(value).__name__}: {value!r}")


def _plain_floats(value: Any) -> Any:
    """The plan with its floats as plain decimal text (json would write 1e+16)."""
    if isinstance(value, float):
        return _plain_number(value)
    if isinstance(value, Mapping):
        return {key: _plain_floats(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain_floats(item) for item in value]
    return value


class Plan:
    """A plan (SPEC §11): pools, programs, awards, scarcity and stacking, checked whole."""

    def __init__(self, core: "_core.Plan") -> None:
        self._core = core

    @classmethod
    def from_yaml(cls, path: PathLike) -> "Plan":
        """Reads a plan file (YAML, or JSON). Errors name the file, line and plan path."""
        return cls(_core.load_plan(os.fspath(path)))

    @classmethod
    def from_text(cls, text: str, file_name: str = "<text>") -> "Plan":
        """Reads a plan from YAML or JSON text; ``file_name`` prefixes its errors."""
        return cls(_core.parse_plan(text, file_name))

    @classmethod
    def from_dict(cls, plan: Mapping[str, Any], file_name: str = "<dict>") -> "Plan":
        """A plan from the same structure as the YAML file, as Python values. Amounts and rates
        are best given as text ("50万", "5%") or Decimal; ints are yuan, floats are read by
        their shortest decimal (what Python prints), written out without an exponent. Read by
        the same reader as a file, so errors are the same."""
        text = json.dumps(_plain_floats(plan), ensure_ascii=False, indent=2,
                          default=_plan_json_default)
        return cls(_core.parse_plan(text, file_name))

    @property
    def name(self) -> str:
        return self._core.name

    @property
    def as_of(self) -> str:
        return self._core.as_of

    @property
    def programs(self) -> list:
        """Program ids in plan order."""
        return self._core.programs

    @property
    def pools(self) -> list:
        """Pool ids in plan order."""
        return self._core.pools

    @property
    def text(self) -> str:
        return self._core.text

    def __repr__(self) -> str:
        return f"<subsidy.Plan {self.name!r} as of {self.as_of}: {len(self.programs)} programs>"


_AWARD_COLUMNS = ("enterprise", "name", "region", "program", "pool", "requested", "granted",
                  "status")


def _categorical(codes_and_names: tuple) -> pd.Categorical:
    codes, names = codes_and_names
    return pd.Categorical.from_codes(codes, categories=pd.Index(names, dtype=object))


def _metrics(core: dict, money: str) -> dict:
    out = {}
    for key, value in core.items():
        if key in ("requested", "granted", "mean_award", "median_award", "small_micro",
                   "remaining"):
            out[key] = _amount(value, money)
        elif key == "by_region":
            out[key] = pd.DataFrame(
                {"region": [region for region, _, _ in value],
                 "granted": money_series(np.array([granted for _, granted, _ in value],
                                                  dtype=np.int64), money, "granted"),
                 "funded": np.array([funded for _, _, funded in value], dtype=np.int64)})
        else:
            out[key] = value
    return out


class Allocation:
    """One run of a plan over a roster: award lines, budgets, explanations."""

    def __init__(self, core: "_core.Run", money: str = "decimal") -> None:
        self._core = core
        self._money = check_money(money)
        self._frames: dict = {}

    def awards_frame(self, *, money: Optional[str] = None, reasons: bool = False,
                     names: bool = True) -> pd.DataFrame:
        """The award lines as awards.csv orders them (programs in plan order, then enterprise id):
        enterprise, name, region, program, pool, requested, granted, status (categorical), and
        row, the line's row in the roster (its position in the DataFrame given to
        Roster.from_pandas, or among the CSV file's records). With ``reasons=True``, also the
        reason of each line (slower: one text per line). With ``names=False``, no enterprise and
        name columns: the fast path for joining on the roster by ``row``, as a str object per line
        is most of the frame's cost."""
        money = check_money(money or self._money)
        columns = self._core.award_columns(reasons, names)
        data = {}
        if names:
            data["enterprise"] = pd.Series(columns["enterprise"], dtype=object)
            data["name"] = pd.Series(columns["name"], dtype=object)
        data.update({
            "region": _categorical(columns["region"]),
            "program": _categorical(columns["program"]),
            "pool": _categorical(columns["pool"]),
            "requested": money_series(columns["requested"], money, "requested"),
            "granted": money_series(columns["granted"], money, "granted"),
            "status": _categorical(columns["status"]),
            "row": pd.Series(columns["row"], dtype="int64"),
        })
        if reasons:
            data["reason"] = pd.Series(columns["reason"], dtype=object)
        return pd.DataFrame(data)

    def pools_frame(self, *, money: Optional[str] = None) -> pd.DataFrame:
        """One row per budget as pools.csv lists them: pool, kind (pool, region, program), method,
        received and reserve (null for children), budget, requested, granted, remaining, funded,
        scaling (granted/requested) and oversubscription (requested/budget) as Decimal ratios to
        six places (None when the denominator is 0)."""
        money = check_money(money or self._money)
        rows = self._core.pool_rows()
        frame = pd.DataFrame({
            "pool": [row["pool"] for row in rows],
            "kind": [row["kind"] for row in rows],
            "method": [row["method"] for row in rows],
        })
        frame["received"] = optional_money_series([row["received"] for row in rows], money, "received")
        frame["reserve"] = optional_money_series([row["reserve"] for row in rows], money, "reserve")
        for key in ("budget", "requested", "granted", "remaining"):
            frame[key] = money_series(np.array([row[key] for row in rows], dtype=np.int64), money, key)
        frame["funded"] = np.array([row["funded"] for row in rows], dtype=np.int64)
        for key in ("scaling", "oversubscription"):
            frame[key] = pd.Series([Decimal(row[key]) if row[key] else None for row in rows],
                                   dtype=object)
        return frame

    @property
    def awards(self) -> pd.DataFrame:
        """awards_frame() in the run's money (made once)."""
        if "awards" not in self._frames:
            self._frames["awards"] = self.awards_frame()
        return self._frames["awards"]

    @property
    def pools(self) -> pd.DataFrame:
        """pools_frame() in the run's money (made once)."""
        if "pools" not in self._frames:
            self._frames["pools"] = self.pools_frame()
        return self._frames["pools"]

    def explain(self, enterprise: str) -> str:
        """One enterprise's path through every program: eligibility clause by clause, award,
        stacking, scarcity. An unknown id raises NotFoundError."""
        return self._core.explain(enterprise)

    def metrics(self, *, money: Optional[str] = None) -> dict:
        """requested, granted, funded (enterprises), funded_lines, mean_award, median_award,
        small_micro, gini, remaining and by_region (a DataFrame)."""
        return _metrics(self._core.metrics(), check_money(money or self._money))

    def awards_csv(self) -> str:
        """awards.csv exactly as ``subsidy allocate`` writes it."""
        return self._core.awards_csv()

    def pools_csv(self) -> str:
        return self._core.pools_csv()

    def write(self, directory: PathLike, *, json: bool = False, bom: bool = False) -> str:
        """Writes awards.csv, pools.csv and run.json (and result.json) into ``directory``, all or
        none, and returns the run id (a hash of the plan text, the roster's values and the engine
        version)."""
        return self._core.write(os.fspath(directory), json, bom)

    @property
    def warnings(self) -> list:
        return list(self._core.warnings)

    def __repr__(self) -> str:
        return f"<subsidy.Allocation of {self._core.plan_name!r} over {self._core.num_rows} rows>"


def _threads(threads: int) -> int:
    if not isinstance(threads, int) or threads < 0:
        raise ValueError(f"threads must be 0 (every core) or a positive count, not {threads!r}")
    return threads


def allocate(plan: Plan, roster: Roster, *, threads: int = 0, money: str = "decimal") -> Allocation:
    """Runs every stage — eligibility, awards, stacking, budgets, scarcity — and returns the
    Allocation. ``money`` ("decimal" or "fen") is how its awards and pools frames hold amounts;
    the result is the same for any ``threads``."""
    return Allocation(_core.allocate(plan._core, roster._core, _threads(threads)), money)


def explain(run: Allocation, enterprise: str) -> str:
    """run.explain(enterprise)."""
    return run.explain(enterprise)


def classify(roster: Union[Roster, pd.DataFrame]) -> pd.Series:
    """The SME size class of each enterprise (large, medium, small, micro, unclassified for
    finance; null when an indicator it needs is missing), by 工信部联企业〔2011〕300号, from the
    industry, employees, revenue and assets columns. A DataFrame is read as Roster.from_pandas
    (so it needs an id column of unique ids) and the Series keeps its index."""
    index = None
    if isinstance(roster, pd.DataFrame):
        index = roster.index  # so that frame["size"] = classify(frame) aligns
        roster = Roster.from_pandas(roster)
    kind, codes, _, categories = roster._core.column("size")
    return pd.Series(pd.Categorical.from_codes(codes, categories=categories), name="size",
                     index=index)


def _plain_number(value: Any) -> Any:
    """A Decimal or float as plain decimal text ("1200000", never "1.2E+6" or "1e+16", which the
    plan reader refuses); a float by its shortest decimal, as Python prints it."""
    if isinstance(value, float):
        value = Decimal(repr(value))
    return format(value, "f")


def _set_text(path: str, value: Any) -> str:
    if isinstance(value, bool):
        value = "true" if value else "false"
    elif isinstance(value, (float, Decimal)):
        value = _plain_number(value)
    return f"{path}={value}"


def _sets(sets: Union[Mapping[str, Any], Sequence[str], None]) -> list:
    if sets is None:
        return []
    if isinstance(sets, Mapping):
        return [_set_text(path, value) for path, value in sets.items()]
    if isinstance(sets, str):
        return [sets]
    return list(sets)


class Comparison:
    """How a scenario changes what each enterprise gets (SPEC §9)."""

    def __init__(self, core: dict, money: str) -> None:
        self.winners: int = core["winners"]
        self.losers: int = core["losers"]
        self.unchanged: int = core["unchanged"]
        self.gains = _amount(core["gains"], money)
        self.losses = _amount(core["losses"], money)

        def text(values: list) -> pd.Series:
            return pd.Series(values, dtype=object)  # object even when empty

        def groups(rows: list, key: str) -> pd.DataFrame:
            before = np.array([row[1] for row in rows], dtype=np.int64)
            after = np.array([row[2] for row in rows], dtype=np.int64)
            return pd.DataFrame({
                key: text([row[0] for row in rows]),
                "before": money_series(before, money, "before"),
                "after": money_series(after, money, "after"),
                "change": money_series(after - before, money, "change"),
                "winners": np.array([row[3] for row in rows], dtype=np.int64),
                "losers": np.array([row[4] for row in rows], dtype=np.int64),
            })

        def changes(rows: list) -> pd.DataFrame:
            before = np.array([row[2] for row in rows], dtype=np.int64)
            after = np.array([row[3] for row in rows], dtype=np.int64)
            return pd.DataFrame({
                "enterprise": text([row[0] for row in rows]),
                "region": text([row[1] for row in rows]),
                "before": money_series(before, money, "before"),
                "after": money_series(after, money, "after"),
                "change": money_series(after - before, money, "change"),
            })

        # The size-of-change buckets ("gain 1万–10万"); "change" is the amount column.
        self.by_change = groups(core["by_change"], "bucket")
        self.by_region = groups(core["by_region"], "region")
        self.by_size = groups(core["by_size"], "size")
        self.top_gains = changes(core["top_gains"])
        self.top_losses = changes(core["top_losses"])

    def __repr__(self) -> str:
        return (f"<subsidy.Comparison {self.winners} winners, {self.losers} losers, "
                f"{self.unchanged} unchanged>")


def compare(before: Allocation, after: Allocation, *, top: int = 10,
            money: str = "decimal") -> Comparison:
    """Compares two runs over the same roster: winners and losers, totals by size of change, by
    region and by size class, and the ``top`` largest gains and losses."""
    return Comparison(_core.compare(before._core, after._core, top), check_money(money))


class Sweep:
    """A parameter swept over values: one row of metrics per point."""

    def __init__(self, core: dict, money: str) -> None:
        self.paths: list = core["paths"]
        rows = []
        for values, metrics in core["points"]:
            row = dict(zip(self.paths, values))
            converted = _metrics(metrics, money)
            converted.pop("by_region")
            row.update(converted)
            rows.append(row)
        self.points = pd.DataFrame(rows)
        #: Least-squares slope of total granted (yuan) over the parameter (yuan or a fraction),
        #: and its intercept; None for a grid of two parameters. Statistics, so float.
        self.slope: Optional[float] = core["slope"]
        self.intercept: Optional[float] = core["intercept"]
        self.csv: str = core["csv"]

    def __repr__(self) -> str:
        return f"<subsidy.Sweep of {', '.join(self.paths)}: {len(self.points)} points>"


class Scenarios:
    """What-if runs (SPEC §9): the base plan compiled against the roster and run once; each
    scenario overrides the plan by path and re-runs only the stages its change reaches.

        what_if = subsidy.Scenarios(plan, roster)
        more = what_if.run({"pools.county-base-fund.received": "120万"})
        change = subsidy.compare(what_if.base, more)
        sweep = what_if.sweep("programs.tax-contribution.award.tiers.bands[1].award=5万:15万:1万")
    """

    def __init__(self, plan: Plan, roster: Roster, *, threads: int = 0,
                 money: str = "decimal") -> None:
        self._money = check_money(money)
        self._core = _core.ScenarioRunner(plan._core, roster._core, _threads(threads))
        self.base = Allocation(self._core.base(), self._money)

    def run(self, sets: Union[Mapping[str, Any], Sequence[str]], name: str = "scenario") -> Allocation:
        """One scenario: {"pools.county-base-fund.received": "120万"} or ["PATH=VALUE", ...]. The
        result equals a from-scratch allocate() of the overridden plan."""
        return Allocation(self._core.run(name, _sets(sets)), self._money)

    def run_many(self, scenarios: Mapping[str, Union[Mapping[str, Any], Sequence[str]]]) -> dict:
        """Several named scenarios in parallel: {name: Allocation}."""
        names = list(scenarios)
        runs = self._core.run_all([(name, _sets(scenarios[name])) for name in names])
        return {name: Allocation(run, self._money) for name, run in zip(names, runs)}

    def sweep(self, axes: Union[str, Sequence[str]],
              sets: Union[Mapping[str, Any], Sequence[str], None] = None) -> Sweep:
        """Sweeps one parameter ("PATH=a:b:step" or "PATH=v1,v2,...") or a grid of two, with
        ``sets`` applied first."""
        axes = [axes] if isinstance(axes, str) else list(axes)
        return Sweep(self._core.sweep(axes, _sets(sets)), self._money)


class Ledger:
    """The execution ledger (SPEC §8): received, arranged, disbursed and returned events in an
    SQLite file, and execution ratios as of a date."""

    def __init__(self, path: PathLike, *, create: bool = True) -> None:
        """Opens the ledger at ``path`` (created when missing unless ``create=False``)."""
        self._core = _core.Ledger(os.fspath(path), create)

    @staticmethod
    def _report(core: dict) -> dict:
        report = dict(core)
        report["amount_by_type"] = {key: yuan(value) for key, value in core["amount_by_type"].items()}
        return report

    def import_csv(self, path: PathLike, *, allow_overdraft: bool = False,
                   encoding: str = "utf-8") -> dict:
        """Imports a ledger CSV in one transaction (all or nothing): added, skipped, added_by_type
        and amount_by_type (Decimal yuan)."""
        return self._report(self._core.import_csv(os.fspath(path), allow_overdraft, encoding))

    def book_run(self, run: Union[PathLike, Allocation], *, book_received: bool = False,
                 allow_overdraft: bool = False, directory: Optional[PathLike] = None) -> dict:
        """Books a run's granted lines as arranged events, once per run id: from a directory
        ``subsidy allocate`` (or Allocation.write) wrote, or an Allocation (written to
        ``directory`` first)."""
        if isinstance(run, Allocation):
            if directory is None:
                raise ValueError("book_run of an Allocation needs the directory to write it to")
            run.write(directory)
            run = directory
        return self._report(self._core.book_run(os.fspath(run), book_received, allow_overdraft))

    def events(self, *, money: str = "decimal") -> pd.DataFrame:
        """Every event in the order the rules check them: date, event, pool, program, region,
        enterprise, amount, voucher."""
        money = check_money(money)
        core = self._core.events()
        return pd.DataFrame({
            "date": dates_series(core["date"], None, "date"),
            "event": pd.Categorical(core["event"],
                                    categories=["received", "arranged", "disbursed", "returned"]),
            "pool": core["pool"], "program": core["program"], "region": core["region"],
            "enterprise": core["enterprise"],
            "amount": money_series(core["amount"], money, "amount"),
            "voucher": core["voucher"],
        })

    def execution(self, as_of: str, *, by: str = "pool", money: str = "decimal") -> pd.DataFrame:
        """Execution ratios as of a date (ISO), by pool, region or program: received, arranged,
        disbursed (net of returns), returned, and the ratios as the engine prints them ("88.89%",
        "n/a"), one row per key and a last row "total". ``frame.attrs`` holds as_of, year_start
        and schedule_progress (序时进度)."""
        money = check_money(money)
        core = self._core.execution(as_of, by)
        rows = core["rows"] + [core["total"]]
        frame = pd.DataFrame({by: [row["key"] for row in rows]})
        for key in ("received", "arranged", "disbursed", "returned"):
            frame[key] = money_series(np.array([row[key] for row in rows], dtype=np.int64), money, key)
        for key in ("arrangement_ratio", "expenditure_ratio", "disbursed_of_arranged",
                    "schedule_lag"):
            frame[key] = [row[key] for row in rows]
        frame.attrs.update(as_of=core["as_of"], year_start=core["year_start"],
                           schedule_progress=core["schedule_progress"])
        return frame

    @property
    def path(self) -> str:
        return self._core.path
