"""Conditions on a table's rows for conditional sampling, parsed without ``eval`` and checked against its columns.

``gankit sample --where`` takes one condition per option, and ``GAN.sample(n, where=...)`` the same strings
(one, or a list) or a dict; all conditions hold together (AND):

=============================  ==========================================================
``island=Biscoe``              a category (also ``==``; booleans as ``true`` / ``false``)
``island in Biscoe,Dream``     one of several categories (or whole numbers)
``body_mass_g>4000``           a number above (``>``, ``>=``, ``<``, ``<=``; ``=`` for one value)
``3000<=body_mass_g<=4000``    a range (``<`` or ``<=`` on each side)
``joined>=2020-01-01``         a date column takes the same bounds, with dates as values
=============================  ==========================================================

The dict form names each column once: ``{"island": "Biscoe", "sex": {"in": ["male", "female"]},
"body_mass_g": {">": 4000, "<=": 5000}}``; a list value means ``in``. It takes any column name.

Each condition is checked against the fitted columns before anything is generated: an unknown column, a
category the table never had, a value that is not a number, an operator a column cannot take, or a range
outside the values the table holds is one line naming the condition (exit 2). A date column's bounds are dates (any
form pandas reads, e.g. ``2020-01-01`` or ``2020-01-01 12:30``; a date without a time zone is in the column's), compared
as counts of the column's unit since 1970 (``data/column_kinds.py``). Several conditions on one
column are merged into one (``age>20`` and ``age<=30`` → 20 < age ≤ 30); one whose merge is empty never holds.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from gankit.data.column_kinds import ColumnSpec, date_counts
from gankit.errors import UserError

COMPARISONS = ("=", "==", ">", ">=", "<", "<=")
OPERATORS_TEXT = "=, in, >, >=, <, <= (or a<=column<=b)"
SHOWN_VALUES = 20  # an error lists at most this many of a column's categories
_RANGE = re.compile(r"^\s*(?P<low>[^<>=]+?)\s*(?P<low_op><=|<)\s*(?P<column>[^<>=]+?)\s*(?P<high_op><=|<)\s*(?P<high>[^<>=]+?)\s*$")
_SET = re.compile(r"^\s*(?P<column>.+?)\s+in\s+(?P<values>.+?)\s*$", re.IGNORECASE)
_COMPARE = re.compile(r"^\s*(?P<column>[^<>=]+?)\s*(?P<op>==|=|>=|<=|>|<)\s*(?P<value>.*?)\s*$")


@dataclass(frozen=True)
class ColumnCondition:
    """What one column's values must be: one of ``values`` (when not None) and within the bounds."""

    column: str
    text: str  # as the user wrote it (conditions merged: joined with " and ")
    values: tuple | None = None
    low: float = -math.inf
    low_closed: bool = True
    high: float = math.inf
    high_closed: bool = True
    date_unit: str = ""  # a date column: values and bounds are counts of this unit since 1970 (UTC)

    def mask(self, series: pd.Series) -> np.ndarray:
        """Which of ``series``' values meet the condition (a missing value never does)."""
        if self.date_unit:
            series = pd.Series(date_counts(series, self.date_unit), index=series.index)
        if self.values is not None:
            held = series.isin(list(self.values)).to_numpy(dtype=bool)
        else:
            held = np.ones(len(series), dtype=bool)
        if self.low == -math.inf and self.high == math.inf:
            return held & series.notna().to_numpy()
        numbers = pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64)
        with np.errstate(invalid="ignore"):
            above = numbers >= self.low if self.low_closed else numbers > self.low
            below = numbers <= self.high if self.high_closed else numbers < self.high
        return held & above & below

    def admits(self, value: float) -> bool:
        """Whether the number ``value`` is within the bounds."""
        above = value >= self.low if self.low_closed else value > self.low
        below = value <= self.high if self.high_closed else value < self.high
        return bool(above and below)


@dataclass(frozen=True)
class Where:
    """The conditions on a table's rows, one per column, all to hold at once."""

    conditions: tuple[ColumnCondition, ...]

    @property
    def text(self) -> str:
        return " and ".join(condition.text for condition in self.conditions)

    def mask(self, frame: pd.DataFrame) -> np.ndarray:
        """Which rows of ``frame`` meet every condition."""
        held = np.ones(len(frame), dtype=bool)
        for condition in self.conditions:
            held &= condition.mask(frame[condition.column])
        return held


def parse_where(where: str | Sequence[str] | Mapping[str, Any], specs: Sequence[ColumnSpec]) -> Where:
    """``where`` (strings or a dict, see the module docstring) as checked conditions on the columns ``specs``."""
    by_name = {spec.name: spec for spec in specs}
    if isinstance(where, Mapping):
        parsed = [condition for column, wanted in where.items() for condition in _dict_entry(str(column), wanted, by_name)]
    else:
        texts = [where] if isinstance(where, str) else list(where)
        parsed = [_text_condition(str(text), by_name) for text in texts]
    if not parsed:
        raise UserError("--where: no condition given; e.g. --where 'island=Biscoe'")
    merged: dict[str, ColumnCondition] = {}
    for condition in parsed:
        merged[condition.column] = _merge(merged[condition.column], condition) if condition.column in merged else condition
    for condition in merged.values():
        _check_reachable(condition, by_name[condition.column])
    return Where(tuple(merged.values()))


# ------------------------------------------------------------------ the two forms


def _text_condition(text: str, by_name: Mapping[str, ColumnSpec]) -> ColumnCondition:
    """One condition written as a string: a range, a set (``in``) or a comparison."""
    if match := _RANGE.match(text):
        spec = _column(match["column"], text, by_name)
        low = _bound(spec, match["low_op"].replace("<", ">"), match["low"], text)
        return _merge(low, _bound(spec, match["high_op"], match["high"], text))
    if match := _COMPARE.match(text):
        spec = _column(match["column"], text, by_name)
        return _compare(spec, match["op"], match["value"], text)
    if match := _SET.match(text):
        spec = _column(match["column"], text, by_name)
        return _one_of(spec, [value.strip() for value in match["values"].split(",") if value.strip()], text)
    raise UserError(f"--where '{text}': not a condition; write COLUMN OP VALUE with OP one of {OPERATORS_TEXT}, "
                    "e.g. 'island=Biscoe', 'island in Biscoe,Dream', 'body_mass_g>4000'")


def _dict_entry(column: str, wanted: Any, by_name: Mapping[str, ColumnSpec]) -> list[ColumnCondition]:
    """One column's entry of the dict form: a value, a list of values, or ``{operator: value}``."""
    text = f"{column}: {wanted!r}"
    spec = _column(column, text, by_name)
    if isinstance(wanted, (list, tuple, set, frozenset)):
        return [_one_of(spec, list(wanted), f"{column} in {','.join(map(str, wanted))}")]
    if not isinstance(wanted, Mapping):
        return [_compare(spec, "=", wanted, f"{column}={wanted}")]
    conditions = []
    for op, value in wanted.items():
        if op == "in":
            values = list(value) if isinstance(value, (list, tuple, set, frozenset)) else [value]
            conditions.append(_one_of(spec, values, f"{column} in {','.join(map(str, values))}"))
        elif op in COMPARISONS:
            conditions.append(_compare(spec, op, value, f"{column}{op}{value}"))
        else:
            raise UserError(f"where {text}: unknown operator '{op}'; the operators are {OPERATORS_TEXT}")
    return conditions


def _column(name: str, text: str, by_name: Mapping[str, ColumnSpec]) -> ColumnSpec:
    name = name.strip()
    if name not in by_name:
        raise UserError(f"--where '{text}': no column '{name}'; the columns are {', '.join(by_name)}")
    return by_name[name]


# ------------------------------------------------------------------ one condition


def _compare(spec: ColumnSpec, op: str, value: Any, text: str) -> ColumnCondition:
    """``column OP value``: a category's equality is a set of one; the rest are bounds."""
    if op in ("=", "==") and not spec.is_number:
        return _one_of(spec, [value], text)
    return _bound(spec, op, value, text)


def _one_of(spec: ColumnSpec, values: list, text: str) -> ColumnCondition:
    """A set of allowed values: the categories named (categorical or boolean), or numbers."""
    if not values:
        raise UserError(f"--where '{text}': 'in' needs at least one value, e.g. '{spec.name} in a,b'")
    if spec.is_number:
        return ColumnCondition(spec.name, text, tuple(sorted({_number(spec, value, text) for value in values})),
                               date_unit=spec.unit if spec.kind == "datetime" else "")
    return ColumnCondition(spec.name, text, tuple(dict.fromkeys(_category(spec, value, text) for value in values)))


def _category(spec: ColumnSpec, value: Any, text: str) -> Any:
    """The category of ``spec`` that ``value`` names (the value itself, or its text as the CSV wrote it)."""
    for category in spec.categories:
        if _same(category, value):
            return category
    raise UserError(f"--where '{text}': '{value}' never occurs in column '{spec.name}' (estimated rate 0); "
                    f"its values are {_values_text(spec)}")


def _same(category: Any, value: Any) -> bool:
    if isinstance(value, str) and not isinstance(category, str):
        if isinstance(category, (bool, np.bool_)):
            return value.strip().lower() == str(bool(category)).lower()
        try:
            return float(value) == float(category)
        except (TypeError, ValueError):
            return value.strip() == str(category)
    return bool(category == value) and isinstance(category, (bool, np.bool_)) == isinstance(value, (bool, np.bool_))


def _categories_compared(spec: ColumnSpec, op: str, value: Any, text: str) -> ColumnCondition:
    """``rating>=4`` on a categorical column of numbers: the set of its categories that compare so."""
    numeric = [c for c in spec.categories if isinstance(c, (int, float, np.integer, np.floating)) and not isinstance(c, (bool, np.bool_))]
    if not spec.categories or len(numeric) < len(spec.categories):
        raise UserError(f"--where '{text}': column '{spec.name}' holds categories, which take = or in "
                        f"(its values are {_values_text(spec)})")
    bound = ColumnCondition(spec.name, text, **_bounds_of(op, _number(spec, value, text)))
    values = tuple(category for category in spec.categories if bound.admits(float(category)))
    if not values:
        raise UserError(f"--where '{text}': no value of column '{spec.name}' is {op} {value} (estimated rate 0); "
                        f"its values are {_values_text(spec)}")
    return ColumnCondition(spec.name, text, values)


def _bound(spec: ColumnSpec, op: str, value: Any, text: str) -> ColumnCondition:
    """A bound on a number column (a categorical column of numbers: the categories within it)."""
    if not spec.is_number:
        return _categories_compared(spec, op, value, text)
    return ColumnCondition(spec.name, text, **_bounds_of(op, _number(spec, value, text)),
                           date_unit=spec.unit if spec.kind == "datetime" else "")


def _bounds_of(op: str, number: float) -> dict[str, Any]:
    return {"=": {"low": number, "high": number}, "==": {"low": number, "high": number},
            ">": {"low": number, "low_closed": False}, ">=": {"low": number},
            "<": {"high": number, "high_closed": False}, "<=": {"high": number}}[op]


def _number(spec: ColumnSpec, value: Any, text: str) -> float:
    """``value`` as a number of ``spec``'s scale (a date column: counts of its unit since 1970)."""
    if spec.kind == "datetime":
        return _date_number(spec, value, text)
    try:
        number = float(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError):
        number = math.nan
    if isinstance(value, (bool, np.bool_)) or not math.isfinite(number):
        where = _scale_text(spec) if spec.is_number else _values_text(spec)
        raise UserError(f"--where '{text}': '{value}' is not a number; column '{spec.name}' holds numbers ({where})")
    return number


def _date_number(spec: ColumnSpec, value: Any, text: str) -> float:
    """A date as fractional counts of the column's unit since 1970-01-01 UTC (naive dates in the column's zone)."""
    try:
        stamp = pd.Timestamp(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError):
        stamp = pd.NaT
    if isinstance(value, (bool, np.bool_, int, float, np.number)) or pd.isna(stamp):
        raise UserError(f"--where '{text}': '{value}' is not a date; column '{spec.name}' holds dates "
                        f"({_scale_text(spec)}), e.g. '{spec.name}>={_scale_value(spec, spec.minimum)}'")
    if stamp.tzinfo is None and spec.tz:
        stamp = stamp.tz_localize(spec.tz)
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    return (stamp - pd.Timestamp(0)) / pd.Timedelta(1, unit=_PANDAS_UNITS[spec.unit])


_PANDAS_UNITS = {"D": "D", "h": "h", "m": "min", "s": "s", "ms": "ms", "us": "us", "ns": "ns"}


def _scale_value(spec: ColumnSpec, number: float) -> str:
    """A bound as the user reads it: a date for a date column, else the number."""
    if spec.kind != "datetime":
        return f"{number:g}"
    stamp = pd.Timestamp(0) + pd.Timedelta(number, unit=_PANDAS_UNITS[spec.unit])
    return str(stamp.date()) if stamp == stamp.normalize() else str(stamp)


def _scale_text(spec: ColumnSpec) -> str:
    """A number column's observed range, for messages."""
    return f"from {_scale_value(spec, spec.minimum)} to {_scale_value(spec, spec.maximum)}"


def _values_text(spec: ColumnSpec) -> str:
    shown = ", ".join(str(category) for category in spec.categories[:SHOWN_VALUES])
    more = len(spec.categories) - SHOWN_VALUES
    return shown + (f", … ({len(spec.categories)} in all)" if more > 0 else "")


# ------------------------------------------------------------------ merged and checked


def _merge(first: ColumnCondition, second: ColumnCondition) -> ColumnCondition:
    """Both conditions on one column as one: the values both allow, within both bounds."""
    low, low_open = max((first.low, not first.low_closed), (second.low, not second.low_closed))
    high, high_closed = min((first.high, first.high_closed), (second.high, second.high_closed))
    if first.values is not None and second.values is not None:
        values = tuple(value for value in first.values if value in second.values)
    else:
        values = first.values if first.values is not None else second.values
    merged = ColumnCondition(first.column, f"{first.text} and {second.text}", values, low, not low_open, high,
                             high_closed, first.date_unit or second.date_unit)
    if values is not None and (low > -math.inf or high < math.inf):  # numbers in a set, kept where the bounds admit
        merged = replace(merged, values=tuple(value for value in values if merged.admits(float(value))))
    return merged


def _check_reachable(condition: ColumnCondition, spec: ColumnSpec) -> None:
    """Refuse a condition no row can meet: no value left, or no number of the column's observed range admitted."""
    if condition.values is not None and not condition.values:
        raise UserError(f"--where '{condition.text}': never met (estimated rate 0): no value of column "
                        f"'{spec.name}' meets all of it")
    if not spec.is_number:
        return
    observed = _merge(condition, ColumnCondition(spec.name, "", None, spec.minimum, True, spec.maximum, True,
                                                 condition.date_unit))
    if observed.values is not None:
        reachable = bool(observed.values)
    else:
        reachable = observed.low < observed.high or (observed.low == observed.high and observed.admits(observed.low))
    if not reachable:
        raise UserError(f"--where '{condition.text}': never met (estimated rate 0): column '{spec.name}' ranges "
                        f"{_scale_text(spec)} in the data")
