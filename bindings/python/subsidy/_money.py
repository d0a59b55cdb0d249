"""Money at the Python boundary: int64 fen in the engine, decimal.Decimal or int64 fen out.

Never float: a float cannot hold 0.10 yuan exactly.
"""

from __future__ import annotations

import decimal
import functools
from typing import Iterable, Optional

import numpy as np
import pandas as pd

MONEY_KINDS = ("decimal", "fen")


def check_money(money: str) -> str:
    if money not in MONEY_KINDS:
        raise ValueError(f'money must be "decimal" or "fen", not {money!r}')
    return money


# Our own context: the caller's (decimal.getcontext(), perhaps prec=6) must not round amounts.
# 40 digits hold any int64 count of fen or of 10^-9.
CONTEXT = decimal.Context(prec=40)


def yuan(fen: Optional[int]) -> Optional[decimal.Decimal]:
    """An amount in fen as Decimal yuan with two places (12345 → Decimal('123.45'))."""
    if fen is None:
        return None
    return decimal.Decimal(int(fen)).scaleb(-2, CONTEXT)


_ONE_FEN = decimal.Decimal("0.01")


def yuan_array(fen: np.ndarray) -> np.ndarray:
    """An int64 array of fen as an object array of Decimal yuan (fen × Decimal('0.01') is exact and
    keeps two places). Filled by fromiter: assigning a list of Decimals into an object array is
    several times slower."""
    values = fen.tolist()
    one_fen = functools.partial(CONTEXT.multiply, _ONE_FEN)
    return np.fromiter(map(one_fen, map(decimal.Decimal, values)), dtype=object, count=len(values))


def money_series(fen: np.ndarray, money: str, name: str, index=None) -> pd.Series:
    """A money column: Decimal objects, or int64 fen."""
    if money == "fen":
        return pd.Series(fen, name=name, index=index, dtype="int64")
    return pd.Series(yuan_array(fen), name=name, index=index, dtype=object)


def optional_money_series(values: Iterable[Optional[int]], money: str, name: str) -> pd.Series:
    """A money column with nulls: Decimal or None, or pandas' nullable Int64 fen."""
    values = list(values)
    if money == "fen":
        return pd.Series(values, name=name, dtype="Int64")
    return pd.Series([yuan(value) for value in values], name=name, dtype=object)


def money(fen: int, kind: str):
    """One amount: Decimal yuan or int fen."""
    return int(fen) if kind == "fen" else yuan(fen)
