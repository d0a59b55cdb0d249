#!/usr/bin/env python3
"""A pandas baseline for `subsidy allocate` on the Xuyi plan (examples/xuyi-2023-plan.yaml).

    python3 benchmarks/baseline/pandas_allocate.py --roster R.csv --out DIR [--plan PLAN.yaml]

writes DIR/awards.csv byte-identical to the engine's (SPEC §6-§8, §12): the same lines, in the same
order (programs in plan order, then enterprise id in byte order), the same amounts, statuses and
reason texts. It is what an analyst would write with pandas and numpy: column operations (masks,
np.searchsorted for bands, sort_values for stacking, priority and the largest remainders),
no Python loop over the roster's rows; loops run over a handful of programs, bands or pools only.

It hard-codes the *shape* of plan the Xuyi plan has (rules that are `and`-chains of simple
clauses; tiers, brackets, rate or fixed awards; cap, min_award, round; stacking `highest`,
`exclusive` or `sum_cap`; pools with a reserve and own budgets; pro_rata and priority without skip)
and reads every number from the plan: received, reserve, bands, caps, rates, budgets, as_of and
rounding. Anything outside that shape is refused with a message, never computed differently.

Money is exact: amounts are int64 fen everywhere. Roster cells are read as text and parsed from
their decimal digits (decimal_fen: the column as a numpy matrix of characters, each digit worth
10^k fen by its place relative to the decimal point, summed in int64); no float ever holds an
amount, and a cell finer than a fen is an error. Plan literals go through fractions.Fraction. Awards before rounding are exact rationals
num / q with one integer denominator q per program (the lcm of the reduced rates' denominators),
so cap, min_award and rounding compare and divide integers. Where an int64 product could
overflow, the arrays switch to Python integers (dtype=object), still exact.

Timings go to stderr as `read_csv_seconds=X` (pd.read_csv) and `plan_seconds=Y` (everything after
the roster is in a DataFrame up to the awards table in memory, writing excluded), and
`write_seconds=Z`.
"""
from __future__ import annotations

import argparse
import math
import os
import re
import sys
import time
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

INT64_MAX = np.iinfo(np.int64).max
UNIT_FEN = {"fen": 1, "yuan": 100, "hundred": 10_000, "thousand": 100_000, "wan": 1_000_000}
MODES = ("half_up", "half_even", "down", "up")
# Roster columns the engine knows without a schema, and their types (src/roster/csv_reader.cpp).
STANDARD_TYPES = {"id": "text", "name": "text", "region": "string", "industry": "string",
                  "employees": "integer", "revenue": "money", "assets": "money",
                  "sales_invoiced": "money", "tax_paid": "money", "registered_on": "date",
                  "tags": "tags"}


class PlanShapeError(Exception):
    """The plan uses something this baseline does not implement."""


# ---------------------------------------------------------------------------------------------
# Plan scalars (SPEC §3, §11). The plan is read with every scalar kept as its text, as the engine
# reads it: PyYAML would otherwise turn `0.5` into a float and `2023-06-30` into a date.

class _TextLoader(yaml.SafeLoader):
    pass


_TextLoader.yaml_implicit_resolvers = {}  # no implicit typing: every plain scalar is a string


def amount_fen(text) -> int:
    """`20万`, `1亿`, `1_000`, `1234.5` (yuan) -> exact fen."""
    s = str(text).strip().replace("_", "")
    scale = Fraction(100)
    if s.endswith("万"):
        s, scale = s[:-1], Fraction(1_000_000)
    elif s.endswith("亿"):
        s, scale = s[:-1], Fraction(10_000_000_000)
    if not re.fullmatch(r"-?\d+(\.\d+)?", s):
        raise ValueError(f"invalid amount {text!r}")
    fen = Fraction(s) * scale
    if fen.denominator != 1:
        raise ValueError(f"amount {text!r} is finer than a fen")
    return int(fen)


def rate_of(text) -> Fraction:
    """`5%`, `0.5%`, `3‰`, `0.5` -> exact fraction."""
    s = str(text).strip()
    scale = Fraction(1)
    if s.endswith("%"):
        s, scale = s[:-1], Fraction(1, 100)
    elif s.endswith("‰"):
        s, scale = s[:-1], Fraction(1, 1000)
    if not re.fullmatch(r"-?\d+(\.\d+)?", s):
        raise ValueError(f"invalid rate {text!r}")
    return Fraction(s) * scale


def amount_or_rate(text):
    s = str(text).strip()
    return ("rate", rate_of(s)) if s.endswith(("%", "‰")) else ("amount", amount_fen(s))


def yuan_text(fen: int) -> str:
    """The engine's format_yuan: fen as yuan with exactly two decimals."""
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100}.{abs(fen) % 100:02d}"


def yuan_series(fen: pd.Series) -> pd.Series:
    """format_yuan over a column of non-negative int64 fen."""
    fen = fen.astype(np.int64)
    return (fen // 100).astype(str) + "." + (fen % 100).astype(str).str.zfill(2)


def rate_text(rate: Fraction) -> str:
    """The engine's format_rate: a decimal with up to 9 fraction digits, no trailing zeros."""
    nanos = rate * 10**9
    if nanos.denominator != 1:
        raise ValueError(f"rate {rate} has more than 9 decimals")
    nanos = int(nanos)
    whole, frac = divmod(abs(nanos), 10**9)
    text = ("-" if nanos < 0 else "") + str(whole)
    return text + ("." + f"{frac:09d}".rstrip("0") if frac else "")


def percent(rate: Fraction) -> str:
    return rate_text(rate * 100) + "%"


def rounding_of(node, default):
    if node is None:
        return default
    unit, mode = node.get("unit", default[0]), node.get("mode", default[1])
    if unit not in UNIT_FEN or mode not in MODES:
        raise ValueError(f"bad round {node!r}")
    return unit, mode


def load_plan(path):
    with open(path, encoding="utf-8") as f:
        raw = yaml.load(f, Loader=_TextLoader)
    as_of = np.datetime64(raw["as_of"], "D")
    plan_round = rounding_of(raw.get("round"), ("fen", "half_up"))
    pools = []
    for node in raw["pools"]:
        if "split" in node:
            raise PlanShapeError("split pools are not implemented in the baseline")
        received = amount_fen(node["received"])
        reserve = 0
        if "reserve" in node:
            kind, value = amount_or_rate(node["reserve"])
            # Pool::reserve_amount: received × rate rounded half-up to the fen.
            reserve = value if kind == "amount" else int(
                round_quotient(np.array([received * value.numerator], dtype=object),
                               value.denominator, "half_up")[0])
        pools.append({
            "id": node["id"], "received": received, "reserve": reserve,
            "budget": received - reserve,
            "round": rounding_of(node.get("round"), plan_round),
            "scarcity": scarcity_of(node.get("scarcity", "pro_rata")),
        })
    programs = []
    for node in raw["programs"]:
        award_node = node["award"]
        award = {}
        if "tiers" in award_node or "brackets" in award_node:
            kind = "tiers" if "tiers" in award_node else "brackets"
            spec = award_node[kind]
            bands = []
            for band in spec["bands"]:
                if kind == "brackets" or "rate" in band:
                    bands.append({"from": amount_fen(band["from"]), "rate": rate_of(band["rate"])})
                else:
                    bands.append({"from": amount_fen(band["from"]),
                                  "amount": amount_fen(band["award"])})
            award = {"kind": kind, "base": str(spec["base"]).strip(), "bands": bands}
        elif "rate" in award_node:
            award = {"kind": "rate", "rate": rate_of(award_node["rate"]),
                     "base": str(award_node["of"]).strip()}
        elif "fixed" in award_node:
            award = {"kind": "fixed", "amount": amount_fen(award_node["fixed"])}
        else:
            raise PlanShapeError(f"award kind {list(award_node)} is not implemented")
        programs.append({
            "id": node["id"], "pool": node["pool"], "group": node.get("group", ""),
            "eligible": str(node["eligible"]), "award": award,
            "cap": amount_fen(node["cap"]) if "cap" in node else None,
            "min_award": amount_fen(node["min_award"]) if "min_award" in node else None,
            "round": rounding_of(node.get("round"), plan_round),
            "budget": amount_fen(node["budget"]) if "budget" in node else None,
            "scarcity": scarcity_of(node.get("scarcity", "pro_rata")),
        })
        if node.get("spill", "false") != "false":
            raise PlanShapeError("spill is not implemented in the baseline")
    stacking = {}
    for node in raw.get("stacking") or []:
        stacking[node["group"]] = {"rule": node["rule"],
                                   "cap": amount_fen(node["cap"]) if "cap" in node else None}
    return {"as_of": as_of, "pools": pools, "programs": programs, "stacking": stacking}


def scarcity_of(node):
    if isinstance(node, str):
        node = {"method": node}
    method = node["method"]
    if method not in ("pro_rata", "priority"):
        raise PlanShapeError(f"scarcity {method} is not implemented in the baseline")
    if node.get("skip", "false") == "true" or "max_funded" in node:
        raise PlanShapeError("priority with skip or max_funded is not implemented")
    keys = []
    for key in node.get("rank_by", []):
        words = str(key).split()
        descending = words[-1] == "desc"
        expr = " ".join(words[:-1] if words[-1] in ("asc", "desc") else words)
        if not re.fullmatch(r"\w+", expr):
            raise PlanShapeError(f"rank_by {key!r}: only a column is implemented")
        keys.append((expr, descending))
    return {"method": method, "rank_by": keys, "partial": node.get("partial", "false") == "true"}


# ---------------------------------------------------------------------------------------------
# Exact integer helpers over arrays (int64, or Python ints in an object array past int64).

def fits(max_abs, factor) -> bool:
    return int(max_abs) * abs(int(factor)) <= INT64_MAX


def widen(values: np.ndarray, factor) -> np.ndarray:
    """values, as object (Python int) when values × factor could leave int64."""
    if values.dtype == object or len(values) == 0:
        return values
    return values if fits(np.abs(values).max(), factor) else values.astype(object)


def round_quotient(num: np.ndarray, den: int, mode: str) -> np.ndarray:
    """round(num / den) for num >= 0, den > 0, as the engine's round_quotient."""
    q, r = num // den, num % den
    if mode == "down":
        away = np.zeros(len(num), dtype=bool)
    elif mode == "up":
        away = r != 0
    elif mode == "half_up":
        away = 2 * r >= den
    else:  # half_even
        away = (2 * r > den) | ((2 * r == den) & (q % 2 != 0))
    away &= r != 0
    return q + away.astype(np.int64)


# ---------------------------------------------------------------------------------------------
# The roster: text cells -> typed columns.

def has_padded_cell(text: pd.Series) -> bool:
    """Whether any cell starts or ends with a space or tab: substring searches over the column
    joined by NULs (C speed), before paying for a per-cell str.strip."""
    joined = "\x00" + "\x00".join(text.tolist()) + "\x00"
    return any(pad in joined for pad in ("\x00 ", " \x00", "\x00\t", "\t\x00"))


def has_char(text: pd.Series, chars: str) -> bool:
    joined = "\x00".join(text.tolist())
    return any(c in joined for c in chars)


POW10 = 10 ** np.arange(19, dtype=np.int64)
MAX_DIGITS = 18  # digits of a fen count that surely fit int64


def decimal_fen(cells: np.ndarray, exponent: np.ndarray) -> tuple[np.ndarray, np.ndarray,
                                                                      np.ndarray]:
    """Exact decimal text -> int64 fen, column-wise over the characters.

    `cells` is a numpy unicode array ('<Uw'), seen as an n × w matrix of code points; exponent[i]
    is log10 of the fen one unit of cell i is worth (2 for yuan, 6 for 万, 10 for 亿). A digit at
    position j counts digit · 10^(e_j + exponent) with e_j its decimal place, found from the
    position of the point: integer arithmetic only, a loop over the w character positions.
    Returns (fen, ok: the cell is `-?digits[.digits]`, finer: it has a nonzero digit past the fen).
    """
    n = len(cells)
    if n == 0:
        return np.zeros(0, dtype=np.int64), np.ones(0, dtype=bool), np.zeros(0, dtype=bool)
    width = cells.dtype.itemsize // 4
    chars = cells.view(np.uint32).reshape(n, width)
    length = (chars != 0).sum(axis=1)
    negative = chars[:, 0] == ord("-")
    is_point = chars == ord(".")
    points = is_point.sum(axis=1)
    point = np.where(points > 0, is_point.argmax(axis=1), length)
    first = negative.astype(np.int64)
    ok = (points <= 1) & (point > first) & ((points == 0) | (point < length - 1))
    ok &= point - first + exponent <= MAX_DIGITS
    fen = np.zeros(n, dtype=np.int64)
    finer = np.zeros(n, dtype=bool)
    for j in range(width):
        c = chars[:, j].astype(np.int64)
        digit = (c >= ord("0")) & (c <= ord("9"))
        inside = j < length
        ok &= ~inside | digit | (j == point) | ((j == 0) & negative)
        place = np.where(j < point, point - 1 - j, point - j) + exponent  # 10^place fen
        counted = digit & inside & (place >= 0)
        fen += np.where(counted, (c - ord("0")) * POW10[np.clip(place, 0, 18)], 0)
        finer |= digit & inside & (place < 0) & (c != ord("0"))
    return np.where(negative, -fen, fen), ok, finer


def parse_money_fen(text: pd.Series, column: str) -> tuple[np.ndarray, np.ndarray]:
    """Yuan text -> (int64 fen, valid mask); an empty cell is null.

    Exact, never through a float: the cell's characters are read as digits around the decimal
    point (decimal_fen). Cells with 万/亿, separators (`_`, thousands `,` of a quoted cell) or
    padding are rewritten first with str methods, on those cells only."""
    valid = (text != "").to_numpy()
    t = text[valid]
    fen = np.zeros(len(text), dtype=np.int64)
    exponent = np.full(len(t), 2, dtype=np.int64)
    cells = t.to_numpy(dtype=str)
    value, ok, finer = decimal_fen(cells, exponent)
    if not ok.all():
        odd = t[~ok].str.strip(" \t").str.replace(r"[_,]", "", regex=True)
        wan, yi = odd.str.endswith("万").to_numpy(), odd.str.endswith("亿").to_numpy()
        odd = odd.where(~(wan | yi), odd.str[:-1])
        exponent = np.where(wan, 6, np.where(yi, 10, 2))
        odd_value, odd_ok, odd_finer = decimal_fen(odd.to_numpy(dtype=str), exponent)
        if not odd_ok.all():
            raise ValueError(f"column {column}: invalid or too large amount "
                             f"{t[~ok][~odd_ok].iloc[0]!r}")
        value[~ok], finer[~ok] = odd_value, odd_finer
    if finer.any():
        raise ValueError(f"column {column}: amount {t[finer].iloc[0]!r} is finer than a fen")
    fen[valid] = value
    return fen, valid


def parse_date_days(text: pd.Series, column: str) -> tuple[np.ndarray, np.ndarray]:
    """ISO dates -> (days since 1970-01-01, valid mask); numpy parses them in C, '' is NaT."""
    try:
        days = np.array(text.to_numpy(dtype=str), dtype="datetime64[D]")
    except ValueError as e:
        raise ValueError(f"column {column}: {e}") from None
    valid = ~np.isnat(days)
    return days, valid


class Roster:
    """Typed views of the DataFrame's text columns, parsed on first use."""

    def __init__(self, frame: pd.DataFrame, as_of: np.datetime64):
        self.frame = frame
        self.as_of = as_of
        self.n = len(frame)
        self._cache = {}
        # The rank of each id in byte order, for ties and the output order. UCS-4 strings compare
        # by code point, which is the byte order of their UTF-8. Rosters usually come sorted.
        ids = frame["id"].to_numpy(dtype=str)
        if (ids[1:] > ids[:-1]).all():
            self.id_rank = np.arange(self.n)
        else:
            order = np.argsort(ids, kind="stable")
            if (ids[order[1:]] == ids[order[:-1]]).any():
                raise ValueError("duplicate enterprise ids")
            self.id_rank = np.empty(self.n, dtype=np.int64)
            self.id_rank[order] = np.arange(self.n)

    def text(self, name):
        return self.frame[name]

    def kind(self, name):
        if name in STANDARD_TYPES:
            return STANDARD_TYPES[name]
        # An extra column is money when every value is an amount, else a date (as the engine
        # infers it); anything else is refused below.
        try:
            self.money(name)
            return "money"
        except ValueError:
            return "date"

    def money(self, name):
        key = ("money", name)
        if key not in self._cache:
            self._cache[key] = parse_money_fen(self.frame[name], name)
        return self._cache[key]

    def date(self, name):
        key = ("date", name)
        if key not in self._cache:
            self._cache[key] = parse_date_days(self.frame[name], name)
        return self._cache[key]

    def age_years(self, name):
        """Whole years to as_of; null for a null date or one after as_of (SPEC §5).

        Anniversaries: (month, day) of the date compared with the as-of's, so a Feb 29
        anniversary falls on Mar 1 in a common year (include/subsidy/calendar.hpp)."""
        days, valid = self.date(name)
        year = days.astype("datetime64[Y]").astype(np.int64) + 1970
        month_start = days.astype("datetime64[M]")
        month = month_start.astype(np.int64) % 12 + 1
        day = (days - month_start).astype(np.int64) + 1
        as_of = self.as_of
        ay = int(as_of.astype("datetime64[Y]").astype(np.int64)) + 1970
        am = int(as_of.astype("datetime64[M]").astype(np.int64)) % 12 + 1
        ad = int((as_of - as_of.astype("datetime64[M]")).astype(np.int64)) + 1
        before = (am < month) | ((am == month) & (ad < day))
        years = ay - year - before.astype(np.int64)
        valid = valid & (days <= as_of)
        return years, valid

    def tags(self):
        if "tags" not in self._cache:
            t = self.frame["tags"]
            if has_char(t, " \t"):  # trim every tag, as the engine does
                t = t.str.replace(r"[ \t]*;[ \t]*", ";", regex=True)
            self._cache["tags"] = ";" + t + ";"
        return self._cache["tags"]


# ---------------------------------------------------------------------------------------------
# Eligibility: an `and` of clauses. With `and` only, SQL's three-valued logic comes down to "every
# clause is true": a clause reading a null is unknown, and unknown is not eligible (SPEC §5).

OPS = {"==": np.equal, "!=": np.not_equal, "<": np.less, "<=": np.less_equal,
       ">": np.greater, ">=": np.greater_equal}
CMP = r"(==|!=|<=|>=|<|>)"


def clause_mask(roster: Roster, clause: str) -> np.ndarray:
    clause = clause.strip()
    if m := re.fullmatch(r'has_tag\("([^"]*)"\)', clause):
        return roster.tags().str.contains(";" + m[1] + ";", regex=False).to_numpy()
    if m := re.fullmatch(r'(\w+)\s*(==|!=)\s*"([^"]*)"', clause):
        text = roster.text(m[1])
        equal = (text == m[3]).to_numpy()
        return (equal if m[2] == "==" else ~equal) & (text != "").to_numpy()  # null: unknown
    if m := re.fullmatch(r'(\w+)\s+within\s+"([^"]*)"', clause):
        text = roster.text(m[1])
        return text.str.startswith(m[2]).to_numpy() & (text != "").to_numpy()
    if m := re.fullmatch(r"age_years\((\w+)\)\s*" + CMP + r"\s*(-?\d+)", clause):
        years, valid = roster.age_years(m[1])
        return valid & OPS[m[2]](years, int(m[3]))
    if m := re.fullmatch(r"(\w+)\s*" + CMP + r"\s*(-?[\d_.]+[万亿]?)", clause):
        if roster.kind(m[1]) != "money":
            raise PlanShapeError(f"clause {clause!r}: {m[1]} is not an amount column")
        fen, valid = roster.money(m[1])
        return valid & OPS[m[2]](fen, amount_fen(m[3]))
    raise PlanShapeError(f"rule clause {clause!r} is not implemented in the baseline")


def eligible_mask(roster: Roster, rule: str, shared: dict) -> np.ndarray:
    if re.search(r"\b(or|not)\b", re.sub(r'"[^"]*"', '""', rule)):
        raise PlanShapeError(f"rule {rule!r}: only an and-chain of clauses is implemented")
    mask = np.ones(roster.n, dtype=bool)
    for clause in re.split(r"\s+and\s+", rule.strip()):
        if clause not in shared:  # clauses shared by programs are evaluated once
            shared[clause] = clause_mask(roster, clause)
        mask &= shared[clause]
    return mask


# ---------------------------------------------------------------------------------------------
# Awards: exact num / q per eligible row, then cap, min_award, round (SPEC §6, §7).

def award_lines(roster: Roster, p: int, program: dict, eligible: np.ndarray) -> pd.DataFrame:
    award = program["award"]
    rows = np.flatnonzero(eligible)
    hit = np.full(len(rows), -1, dtype=np.int64)
    kind = award["kind"]
    if kind == "fixed":
        q = 1
        num = np.full(len(rows), award["amount"], dtype=np.int64)
        known = np.ones(len(rows), dtype=bool)
    else:
        base_fen, base_valid = roster.money(award["base"])
        base, known = base_fen[rows], base_valid[rows]
        base = np.where(known, base, 0)
        if kind == "rate":
            rate = award["rate"]
            q = rate.denominator
            num = widen(base, rate.numerator) * rate.numerator
        else:
            bands = award["bands"]
            froms = np.array([b["from"] for b in bands], dtype=np.int64)
            # The band that contains the base: the last whose `from` it reaches; -1 below the first.
            hit = np.searchsorted(froms, base, side="right") - 1
            rates = [b.get("rate", Fraction(0)) for b in bands]
            q = math.lcm(*[r.denominator for r in rates])
            scaled = [int(r * q) for r in rates]  # rate_b = scaled_b / q
            base = widen(base, max(scaled) * max(len(bands), 1))
            num = np.zeros(len(rows), dtype=base.dtype)
            if kind == "tiers":  # step bands: an amount, or a rate of the whole base
                for b, band in enumerate(bands):
                    at = hit == b
                    num[at] = band["amount"] * q if "amount" in band else base[at] * scaled[b]
            else:  # brackets: each band's rate on the part of the base inside it (marginal)
                for b in range(len(bands)):
                    top = froms[b + 1] if b + 1 < len(bands) else None
                    part = base - froms[b]
                    if top is not None:
                        part = np.minimum(part, top - froms[b])
                    num = num + np.where(base >= froms[b], part * scaled[b], 0)
    keep = known & (num > 0)  # a null, zero or negative award gives no line
    rows, num, hit = rows[keep], num[keep], hit[keep]
    unit = UNIT_FEN[program["round"][0]]
    value = num
    capped = np.zeros(len(rows), dtype=bool)
    if program["cap"] is not None:
        capped = value > program["cap"] * q
        value = np.where(capped, program["cap"] * q, value)
    dropped = np.zeros(len(rows), dtype=bool)
    if program["min_award"] is not None:
        dropped = value < program["min_award"] * q
    rounded = round_quotient(value, q * unit, program["round"][1]) * unit
    computed = round_quotient(num, q, "half_up")  # the exact award to the fen, for the reason
    keep = (rounded != 0) | dropped
    lines = pd.DataFrame({
        "row": rows[keep], "program": p,
        "award": rounded[keep].astype(np.int64),
        "requested": np.where(dropped[keep], 0, rounded[keep]).astype(np.int64),
        "status": np.where(dropped[keep], "dropped_below_min", "requested"),
        "hit": hit[keep], "capped": capped[keep],
        "computed": np.asarray(computed[keep], dtype=np.int64),
        "stacked_by": -1,
    })
    return lines


def apply_stacking(plan: dict, lines: pd.DataFrame) -> pd.DataFrame:
    """SPEC §6 stacking, on the requested amounts of lines still requesting (not dropped)."""
    programs = plan["programs"]
    for group, rule in plan["stacking"].items():
        members = [p for p, program in enumerate(programs) if program["group"] == group]
        holders = lines[lines["program"].isin(members) & (lines["status"] == "requested")]
        if rule["rule"] in ("highest", "exclusive"):
            # highest: the largest request, ties to the first program in plan order;
            # exclusive: the first in plan order. Only rows with two or more holders.
            key = holders.assign(neg=-holders["requested"] if rule["rule"] == "highest" else 0)
            key = key.sort_values(["row", "neg", "program"], kind="mergesort")
            winner = key.drop_duplicates("row").set_index("row")["program"]
            losers = key.index[key["program"].to_numpy() != winner.reindex(key["row"]).to_numpy()]
            lines.loc[losers, "requested"] = 0
            lines.loc[losers, "status"] = "stacked_out"
            lines.loc[losers, "stacked_by"] = winner.reindex(lines.loc[losers, "row"]).to_numpy()
        elif rule["rule"] == "sum_cap":
            # Σ requested per enterprise capped at X, cut from the last program in plan order; a
            # loop over the (few) members, vectorized over the enterprises.
            excess = (holders.groupby("row")["requested"].sum() - rule["cap"]).clip(lower=0)
            for p in reversed(members):
                at = holders.index[(holders["program"] == p).to_numpy()]
                mine = lines.loc[at]
                ex = excess.reindex(mine["row"]).to_numpy()
                cut = ex > 0
                unit = UNIT_FEN[programs[p]["round"][0]]
                kept = np.maximum(0, mine["requested"].to_numpy() - ex) // unit * unit
                new = np.where(cut, kept, mine["requested"].to_numpy())
                excess = excess - pd.Series(mine["requested"].to_numpy() - new,
                                            index=mine["row"].to_numpy()).reindex(excess.index,
                                                                                  fill_value=0)
                lines.loc[at, "requested"] = new
                lines.loc[at[cut], "stacked_by"] = -2
                lines.loc[at[cut & (new == 0)], "status"] = "stacked_out"
        else:
            raise PlanShapeError(f"stacking rule {rule['rule']} is not implemented")
    return lines


# ---------------------------------------------------------------------------------------------
# Settlement (SPEC §7): own budgets first, then the pool's shared budget.

def settle_pro_rata(req: np.ndarray, id_rank: np.ndarray, program: np.ndarray, budget: int,
                    unit: int) -> np.ndarray:
    """Hamilton: ⌊q_i/u⌋·u, then one unit each to the largest remainders (ties: id, plan order)."""
    settled = budget // unit * unit
    total = int(req.sum(dtype=object)) if len(req) else 0
    if total <= settled:
        return req.copy()
    r = widen(req, settled) if fits(total, unit) else req.astype(object)
    share = r * settled
    base = share // (total * unit) * unit
    remainder = share - base * total  # q_i − base_i, over the common denominator Σ requested
    extra = (settled - int(base.sum())) // unit
    by = pd.DataFrame({"rem": remainder, "id": id_rank, "p": program})
    order = by.sort_values(["rem", "id", "p"], ascending=[False, True, True],
                           kind="mergesort").index.to_numpy()
    granted = base.astype(np.int64)
    granted[order[:extra]] += unit
    return granted


def settle_priority(req: np.ndarray, keys: list, id_rank: np.ndarray, program: np.ndarray,
                    budget: int, unit: int, partial: bool) -> np.ndarray:
    """Walk in rank_by order (nulls last), then id, then plan order: grant in full while it fits."""
    columns, ascending = {}, []
    for k, (values, valid, descending) in enumerate(keys):
        columns[f"null{k}"] = ~valid
        ascending.append(True)
        columns[f"key{k}"] = np.where(valid, values, 0)
        ascending.append(not descending)
    columns["id"], columns["p"] = id_rank, program
    ascending += [True, True]
    order = pd.DataFrame(columns).sort_values(list(columns), ascending=ascending,
                                              kind="mergesort").index.to_numpy()
    left = budget // unit * unit
    cumulative = np.cumsum(req[order])  # requests are > 0: what fits is a prefix of the walk
    fit = cumulative <= left
    granted = np.zeros(len(req), dtype=np.int64)
    granted[order[fit]] = req[order[fit]]
    stop = int(fit.sum())
    if partial and stop < len(order):
        before = int(cumulative[stop - 1]) if stop > 0 else 0
        granted[order[stop]] = (left - before) // unit * unit
    return granted


def rank_keys(roster: Roster, scarcity: dict, rows: np.ndarray) -> list:
    keys = []
    for column, descending in scarcity["rank_by"]:
        if roster.kind(column) == "date":
            days, valid = roster.date(column)
            values = days.astype(np.int64)
        else:
            values, valid = roster.money(column)
        keys.append((values[rows], valid[rows], descending))
    return keys


def settle(plan: dict, roster: Roster, lines: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    programs = plan["programs"]
    lines["granted"] = np.int64(0)
    lines["settlement"] = ""
    summaries = {}
    requesting = (lines["status"] == "requested") & (lines["requested"] > 0)
    for pool in plan["pools"]:
        own = [p for p, pr in enumerate(programs) if pr["pool"] == pool["id"] and pr["budget"]]
        shared_programs = [p for p, pr in enumerate(programs)
                           if pr["pool"] == pool["id"] and pr["budget"] is None]
        shared_budget = pool["budget"] - sum(programs[p]["budget"] for p in own)
        settlements = [(f"{pool['id']}:{programs[p]['id']}", [p], programs[p]["budget"],
                        UNIT_FEN[programs[p]["round"][0]], programs[p]["scarcity"]) for p in own]
        settlements.append((pool["id"], shared_programs, shared_budget,
                            UNIT_FEN[pool["round"][0]], pool["scarcity"]))
        for sid, members, budget, unit, scarcity in settlements:
            at = lines.index[(requesting & lines["program"].isin(members)).to_numpy()]
            req = lines.loc[at, "requested"].to_numpy()
            rows = lines.loc[at, "row"].to_numpy()
            prog = lines.loc[at, "program"].to_numpy()
            if scarcity["method"] == "pro_rata":
                granted = settle_pro_rata(req, roster.id_rank[rows], prog, budget, unit)
            else:
                granted = settle_priority(req, rank_keys(roster, scarcity, rows),
                                          roster.id_rank[rows], prog, budget, unit,
                                          scarcity["partial"])
            lines.loc[at, "granted"] = granted
            lines.loc[at, "settlement"] = sid
            summaries[sid] = {"method": scarcity["method"], "budget": budget,
                              "requested": int(req.sum())}
        # The pool's own row (what reasons of its shared lines quote): every line drawing on it,
        # against the pool's whole budget (received − reserve), as the engine's pools.csv row.
        summaries[pool["id"]]["budget"] = pool["budget"]
        summaries[pool["id"]]["requested"] += sum(
            summaries[f"{pool['id']}:{programs[p]['id']}"]["requested"] for p in own)
    return lines, summaries


# ---------------------------------------------------------------------------------------------
# Reasons (describe_award_line in src/awards/awards.cpp, describe_line in allocation.cpp).

def reasons(plan: dict, lines: pd.DataFrame, summaries: dict) -> pd.Series:
    programs = plan["programs"]
    text = pd.Series("", index=lines.index, dtype=object)
    computed_kind = np.zeros(len(lines), dtype=bool)
    for p, program in enumerate(programs):
        at = (lines["program"] == p).to_numpy()
        if not at.any():
            continue
        award = program["award"]
        kind = award["kind"]
        if kind == "fixed":
            text[at] = f"fixed {yuan_text(award['amount'])}"
        elif kind == "rate":
            text[at] = f"{percent(award['rate'])} of {award['base']}"
            computed_kind[at] = True
        else:
            bands = award["bands"]
            labels = []
            for b, band in enumerate(bands):
                head = f"{award['base']} in band {b + 1} (from {yuan_text(band['from'])})"
                if kind == "brackets":
                    labels.append(head + ", marginal rates")
                elif "rate" in band:
                    labels.append(f"{head}: {percent(band['rate'])} of {award['base']}")
                else:
                    labels.append(f"{head}: {yuan_text(band['amount'])}")
            hit = lines.loc[at, "hit"].to_numpy()
            text[at] = np.array(labels, dtype=object)[hit]
            is_rate = np.array([kind == "brackets" or "rate" in band for band in bands])
            computed_kind[at] = is_rate[hit]
    capped = lines["capped"].to_numpy()
    text[computed_kind] += " = " + yuan_series(lines.loc[computed_kind, "computed"])
    cap_text = pd.Series([yuan_text(pr["cap"]) if pr["cap"] is not None else ""
                          for pr in programs], dtype=object)
    text[capped] += "; capped at " + cap_text.iloc[lines.loc[capped, "program"]].to_numpy()
    rounded = computed_kind & ~capped & (lines["award"] != lines["computed"]).to_numpy()
    if rounded.any():
        round_text = pd.Series([f"; rounded {pr['round'][1]} to the {pr['round'][0]}: "
                                for pr in programs], dtype=object)
        text[rounded] += (round_text.iloc[lines.loc[rounded, "program"]].to_numpy()
                          + yuan_series(lines.loc[rounded, "award"]).to_numpy())
    dropped = (lines["status"] == "dropped_below_min").to_numpy()
    if dropped.any():
        min_text = pd.Series([f"; below min_award {yuan_text(pr['min_award'])}: dropped"
                              if pr["min_award"] is not None else "" for pr in programs])
        text[dropped] += min_text.iloc[lines.loc[dropped, "program"]].to_numpy()
    by = lines["stacked_by"].to_numpy()
    stacked = by >= 0
    if stacked.any():
        labels = pd.Series([
            f"; stacked out by {programs[w]['id']} (group {programs[w]['group']}, "
            f"{plan['stacking'][programs[w]['group']]['rule']})"
            if programs[w]["group"] in plan["stacking"] else "" for w in range(len(programs))])
        text[stacked] += labels.iloc[by[stacked]].to_numpy()
    group_cut = by == -2
    if group_cut.any():
        out = group_cut & (lines["status"] == "stacked_out").to_numpy()
        cut = group_cut & ~out
        group = pd.Series([pr["group"] for pr in programs])
        cap = pd.Series([yuan_text(plan["stacking"][pr["group"]]["cap"])
                         if pr["group"] and plan["stacking"][pr["group"]]["cap"] is not None
                         else "" for pr in programs])
        gp = lines["program"].to_numpy()
        text[out] += ("; stacked out: group " + group.iloc[gp[out]].to_numpy() + " sum_cap "
                      + cap.iloc[gp[out]].to_numpy())
        text[cut] += ("; cut to " + yuan_series(lines.loc[cut, "requested"]).to_numpy()
                      + " by group " + group.iloc[gp[cut]].to_numpy() + " sum_cap "
                      + cap.iloc[gp[cut]].to_numpy())
    # Scarcity, for lines that were settled.
    sid = lines["settlement"]
    status = lines["final_status"]
    for name, s in summaries.items():
        at = (sid == name).to_numpy()
        if not at.any():
            continue
        method = s["method"]
        if s["requested"] > s["budget"]:
            full = at & (status == "granted").to_numpy()
            text[full] += f"; granted in full by {method} in {name}"
        scaled = at & (status == "scaled").to_numpy()
        text[scaled] += ("; scaled to " + yuan_series(lines.loc[scaled, "granted"])
                         + f" by {method} in {name}")
        unfunded = at & (status == "unfunded").to_numpy()
        text[unfunded] += (f"; unfunded: {method} in {name} ran out "
                           f"({yuan_text(s['requested'])} requested of {yuan_text(s['budget'])})")
    return text


# ---------------------------------------------------------------------------------------------

def allocate(plan: dict, frame: pd.DataFrame) -> pd.DataFrame:
    for column in frame.columns:  # the engine trims spaces and tabs around every cell
        if has_padded_cell(frame[column]):
            frame[column] = frame[column].str.strip(" \t")
    roster = Roster(frame, plan["as_of"])
    shared = {}
    per_program = []
    for p, program in enumerate(plan["programs"]):
        eligible = eligible_mask(roster, program["eligible"], shared)
        per_program.append(award_lines(roster, p, program, eligible))
    lines = pd.concat(per_program, ignore_index=True)
    lines = apply_stacking(plan, lines)
    lines, summaries = settle(plan, roster, lines)
    status = np.select(
        [lines["status"] == "stacked_out", lines["status"] == "dropped_below_min",
         lines["granted"] == lines["requested"], lines["granted"] > 0],
        ["stacked_out", "dropped_below_min", "granted", "scaled"], "unfunded")
    lines["final_status"] = status
    reason = reasons(plan, lines, summaries)
    programs = plan["programs"]
    pool_of = [pr["pool"] + (":" + pr["id"] if pr["budget"] is not None else "") for pr in programs]
    pool = lines["settlement"].where(lines["settlement"] != "",
                                     pd.Series(pool_of).iloc[lines["program"]].to_numpy())
    out_of_play = np.isin(status, ["stacked_out", "dropped_below_min"])
    rows = lines["row"].to_numpy()
    awards = pd.DataFrame({
        "enterprise": frame["id"].to_numpy()[rows],
        "name": frame["name"].to_numpy()[rows] if "name" in frame else "",
        "region": frame["region"].to_numpy()[rows] if "region" in frame else "",
        "program": pd.Series([pr["id"] for pr in programs]).iloc[lines["program"]].to_numpy(),
        "pool": pool.to_numpy(),
        # A stacked-out or dropped line shows its own award as requested (SPEC §7).
        "requested": yuan_series(lines["requested"].where(~out_of_play, lines["award"])).to_numpy(),
        "granted": yuan_series(lines["granted"]).to_numpy(),
        "status": status,
        "reason": reason.to_numpy(),
        "_program": lines["program"].to_numpy(),
        "_id": roster.id_rank[rows],
    })
    awards = awards.sort_values(["_program", "_id"], kind="mergesort")
    return awards.drop(columns=["_program", "_id"]).reset_index(drop=True)


def csv_field(column: pd.Series) -> pd.Series:
    """RFC 4180, quoting only a field that holds a comma, a quote, a CR or an LF."""
    column = column.astype(str)
    quote = column.str.contains('[,"\r\n]', regex=True)
    if quote.any():
        column = column.where(~quote, '"' + column.str.replace('"', '""', regex=False) + '"')
    return column


def write_awards(awards: pd.DataFrame, path: Path) -> None:
    line = csv_field(awards.iloc[:, 0])
    for name in awards.columns[1:]:
        line = line + "," + csv_field(awards[name])
    header = ",".join(awards.columns)
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(header + "\n")
        if len(line):
            f.write("\n".join(line.tolist()) + "\n")


def needed_columns(plan: dict) -> list:
    """The roster columns the plan reads, plus those awards.csv shows."""
    names = ["id", "name", "region"]
    text = " ".join([pr["eligible"] for pr in plan["programs"]]
                    + [pr["award"].get("base", "") for pr in plan["programs"]]
                    + [c for pr in plan["programs"] for c, _ in pr["scarcity"]["rank_by"]]
                    + [c for po in plan["pools"] for c, _ in po["scarcity"]["rank_by"]])
    text = re.sub(r'"[^"]*"', " ", text)
    if "has_tag(" in text:
        names.append("tags")
    for word in re.findall(r"[A-Za-z_]\w*", text):
        if word not in names and word not in ("and", "or", "not", "has_tag", "age_years", "within"):
            names.append(word)
    return names


def main(argv=None) -> int:
    here = Path(__file__).resolve().parent
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--roster", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--plan", default=str(here.parent.parent / "examples/xuyi-2023-plan.yaml"))
    args = parser.parse_args(argv)
    try:
        plan = load_plan(args.plan)
        columns = needed_columns(plan)
        start = time.perf_counter()
        # Every cell as text ('' for empty): amounts are parsed exactly below, never as floats.
        frame = pd.read_csv(args.roster, dtype=str, keep_default_na=False, na_filter=False,
                            encoding="utf-8-sig", usecols=lambda c: c.strip(" \t") in columns)
        frame.columns = [c.strip(" \t") for c in frame.columns]
        read_seconds = time.perf_counter() - start
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise ValueError(f"the roster has no column {', '.join(missing)}")
        start = time.perf_counter()
        awards = allocate(plan, frame)
        plan_seconds = time.perf_counter() - start
        start = time.perf_counter()
        os.makedirs(args.out, exist_ok=True)
        write_awards(awards, Path(args.out) / "awards.csv")
        write_seconds = time.perf_counter() - start
    except (PlanShapeError, ValueError, KeyError, OSError) as e:
        print(f"pandas_allocate: {type(e).__name__}: {e}", file=sys.stderr)
        return 2
    print(f"read_csv_seconds={read_seconds:.6f}", file=sys.stderr)
    print(f"plan_seconds={plan_seconds:.6f}", file=sys.stderr)
    print(f"write_seconds={write_seconds:.6f}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
