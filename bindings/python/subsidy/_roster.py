"""Rosters from pandas DataFrames: each column's dtype decides how its values reach the engine."""

from __future__ import annotations

from typing import Mapping, Optional

import numpy as np
import pandas as pd

from . import _core

# How a column of each type may be given (the engine reads the cells; see Roster.from_pandas).
_TEXT_TYPES = ("text", "string")


def _infer_type(series: pd.Series) -> str:
    """The type of an extra column the caller did not type (SPEC §4: numbers are money)."""
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return "string"
    if pd.api.types.is_bool_dtype(dtype):
        return "bool"
    if pd.api.types.is_numeric_dtype(dtype):
        return "money"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "date"
    # Objects: money when every value is a decimal.Decimal, else strings.
    values = series.dropna()
    if len(values) and all(type(value).__name__ == "Decimal" for value in values):
        return "money"
    return "string"


def _column(name: str, type_: str, series: pd.Series) -> tuple:
    """(name, type, kind, data, mask, categories) for _core.roster_from_columns."""
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        codes = series.cat.codes.to_numpy().astype(np.int32)
        return (name, type_, "categorical", codes, None, list(series.cat.categories))
    if pd.api.types.is_datetime64_any_dtype(dtype):
        if getattr(dtype, "tz", None) is not None:
            series = series.dt.tz_localize(None)
        mask = series.isna().to_numpy()
        days = series.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]").astype(np.int64)
        days[mask] = 0
        return (name, type_, "days", days, mask if mask.any() else None, None)
    if type_ in _TEXT_TYPES and pd.api.types.is_integer_dtype(dtype):
        # Ids and region codes read as numbers by read_csv: their digits are the text.
        mask = series.isna().to_numpy()
        values = series.astype(object).where(~series.isna(), None)
        data = np.array([None if value is None else str(int(value)) for value in values],
                        dtype=object)
        return (name, type_, "object", data, None if not mask.any() else mask, None)
    if type_ in _TEXT_TYPES and pd.api.types.is_float_dtype(dtype):
        raise ValueError(
            f"column {name}: float64 values cannot be {type_}: read the column as str "
            f"(read_csv(..., dtype={{{name!r}: str}}))")
    if pd.api.types.is_bool_dtype(dtype):
        mask = series.isna().to_numpy() if pd.api.types.is_extension_array_dtype(dtype) else None
        data = series.to_numpy(dtype=bool, na_value=False)
        return (name, type_, "bool", data, mask if mask is not None and mask.any() else None,
                None)
    if pd.api.types.is_integer_dtype(dtype):
        # int(): numpy compares uint64 with int64 through float64, where 2**63 equals 2**63 - 1.
        if pd.api.types.is_unsigned_integer_dtype(dtype) and series.notna().any() and \
                int(series.max()) > np.iinfo(np.int64).max:
            raise ValueError(f"column {name}: values past int64")
        if pd.api.types.is_extension_array_dtype(dtype):  # nullable Int64 and friends
            mask = series.isna().to_numpy()
            data = series.to_numpy(dtype=np.int64, na_value=0)
            return (name, type_, "int64", data, mask if mask.any() else None, None)
        return (name, type_, "int64", series.to_numpy().astype(np.int64), None, None)
    if pd.api.types.is_float_dtype(dtype):
        if dtype.itemsize < 8:
            # float32: its own shortest decimal ("1234567.9"), not the float64 it widens to
            # (1234567.875).
            narrow = series.to_numpy(dtype=np.float32, na_value=np.nan)
            data = np.array([float(np.format_float_positional(value)) for value in narrow],
                            dtype=np.float64)
        else:
            data = series.to_numpy(dtype=np.float64, na_value=np.nan)
        return (name, type_, "float64", data, None, None)
    return (name, type_, "object", series.to_numpy(dtype=object), None, None)


def columns_of_frame(frame: pd.DataFrame, types: Optional[Mapping[str, str]]) -> list:
    # Types a Roster.to_pandas() frame carries, for the columns it still has; `types` wins.
    carried = {name: type_ for name, type_ in frame.attrs.get("subsidy_types", {}).items()
               if name in frame.columns and name != "size"}
    types = dict(types or {})
    explicit = set(types)
    columns = []
    for label in frame.columns:
        if not isinstance(label, str):
            raise ValueError(f"column {label!r}: column names must be str")
        series = frame[label]
        if isinstance(series, pd.DataFrame):
            raise ValueError(f"column {label} is given twice")
        standard = _core.standard_column(label)
        name = standard[0] if standard else label
        given = types.pop(label, None)
        if given is None and standard is None:
            given = types.pop(name, None)
        if given is None and standard is None and label not in explicit:
            given = carried.get(label)
        if standard is not None:
            if given is not None and given != standard[1]:
                raise ValueError(f"column {name} is {standard[1]} by SPEC, not {given}")
            type_ = standard[1]
        else:
            type_ = given if given is not None else _infer_type(series)
        column = _column(name, type_, series)
        # One contiguous array of the kind's dtype: the engine reads the buffer as it lies.
        columns.append(column[:3] + (np.ascontiguousarray(column[3]),) + column[4:])
    if types:
        raise ValueError(f"types names columns not in the frame: {', '.join(sorted(types))}")
    return columns


# datetime64[ns] holds 1677-09-22 to 2262-04-11; days since 1970 inside that span.
_NS_DAYS = (-106_751, 106_750)


def dates_series(days: np.ndarray, mask: Optional[np.ndarray], name: str) -> pd.Series:
    """Day serials as datetime64[ns], or — when a date lies outside what datetime64[ns] holds —
    as datetime.date objects, rather than dates that wrap around."""
    valid = days if mask is None else days[~mask]
    if len(valid) and (valid.min() < _NS_DAYS[0] or valid.max() > _NS_DAYS[1]):
        import datetime

        epoch = datetime.date(1970, 1, 1)
        dates = [None if mask is not None and mask[i] else epoch + datetime.timedelta(days=int(d))
                 for i, d in enumerate(days.tolist())]
        return pd.Series(dates, name=name, dtype=object)
    series = pd.Series(days.astype("datetime64[D]").astype("datetime64[ns]"), name=name)
    if mask is not None:
        series[mask] = pd.NaT
    return series


def frame_of_roster(core: "_core.Roster", money: str) -> pd.DataFrame:
    from ._money import money_series

    data = {}
    for name in core.column_names():
        type_ = core.column_type(name)
        kind, values, mask, categories = core.column(name)
        if kind == "categorical":
            series = pd.Series(pd.Categorical.from_codes(values, categories=categories), name=name)
        elif kind == "days":
            series = dates_series(values, mask, name)
        elif kind == "object":
            series = pd.Series(values, name=name, dtype=object)
        elif type_ == "money":
            series = money_series(values, money, name)
            if mask is not None:
                series = series.astype("Int64" if money == "fen" else object)
                series[mask] = pd.NA if money == "fen" else None
        elif type_ == "bool":
            series = pd.Series(values.astype(bool), name=name, dtype="boolean" if mask is not None else bool)
            if mask is not None:
                series[mask] = pd.NA
        elif type_ == "rate":
            from decimal import Decimal

            from ._money import CONTEXT

            series = pd.Series([Decimal(int(value)).scaleb(-9, CONTEXT) for value in values.tolist()],
                               name=name, dtype=object)
            if mask is not None:
                series[mask] = None
        else:  # integer
            series = pd.Series(values, name=name, dtype="Int64" if mask is not None else "int64")
            if mask is not None:
                series[mask] = pd.NA
        data[name] = series
    frame = pd.DataFrame(data)
    # What each column is, so that from_pandas reads the frame back as the same roster (an integer
    # column would otherwise be taken for money in fen, a rate for money).
    frame.attrs["subsidy_types"] = {name: core.column_type(name) for name in core.column_names()}
    return frame
