"""What each column of a mixed-type table is, and how its values become numbers or codes and back.

:func:`infer_kinds` decides one of five kinds per column from its dtype and values:

* ``boolean``: bool dtypes; exactly two values that are a known pair (true/false,
  yes/no, t/f, y/n, any case); numbers whose only values are 0 and 1.
* ``datetime``: datetime64 dtypes; text where at least 95% of the values contain a
  digit and parse as dates (the rest become missing, with a notice).
* ``categorical``: text and pandas category columns; and numbers with few distinct
  values: at most ``FEW_VALUES`` (20) of them, each seen ``ROWS_PER_VALUE`` (10) times
  on average (codes and ratings stored as numbers, small counts, binned quantities).
  Such a column comes back with exactly the values it had, in its own dtype; a
  generator learns its categories far better than a smooth density over a few spikes.
* ``integer``: integer dtypes; floats whose values are all whole (e.g. ages with NaN).
* ``continuous``: other numbers. ``decimals`` records the fewest decimals (at most
  ``MAX_DECIMALS``) that hold every value (prices in cents: 2), and generated
  values are rounded to them; -1 when no such count exists.

Text columns that are all numbers are numbers; text columns where 50% or more
(but not all) values are numbers are an error, since that is usually a typo in a
number column. ``discrete`` forces categorical, ``overrides`` forces any kind.

Categorical columns with more than ``max_categories`` distinct values follow
``high_cardinality``: ``error``; ``hash`` (values go into ``max_categories``
buckets by a stable hash, each bucket comes back as its most frequent value);
``drop`` (the column is not learned: its values are drawn independently from
their observed frequencies, measured on at most 10,000 rows); ``continuous``
(numbers only).

The value conversions live here too, so that a kind's meaning is in one place:
:func:`column_numbers` / :func:`numbers_to_column` for number kinds (datetimes
count whole units such as days, see :attr:`ColumnSpec.unit`), and
:func:`category_codes` / :func:`codes_to_column` for categorical and boolean
columns, where a missing value is a category of its own (the last code).
"""

from __future__ import annotations

import re
import warnings

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

import numpy as np
import pandas as pd

from gankit.errors import UserError

KINDS = ("continuous", "integer", "categorical", "boolean", "datetime")
NUMBER_KINDS = ("continuous", "integer", "datetime")
QUANTITY_KINDS = ("continuous", "integer")  # the number kinds that are not dates
HIGH_CARDINALITY = ("error", "drop", "hash", "continuous")
BOOL_PAIRS = ({"true", "false"}, {"yes", "no"}, {"t", "f"}, {"y", "n"})
NUMBER_SHARE = 0.5  # text columns with at least this share of numbers (and not all) are an error
DATE_SHARE = 0.95  # text columns with at least this share of dates are datetimes
SAMPLED_ROWS = 10_000  # rows kept to describe a dropped column's values
DATETIME_UNITS = ("D", "h", "m", "s", "ms", "us", "ns")  # numpy units, coarsest first
FEW_VALUES = 20  # a number column with at most this many distinct values ...
ROWS_PER_VALUE = 10  # ... each seen this often on average is categorical
MIXED_OFFSETS = "mixes UTC offsets"  # in the notice of a date column so read, which is then modelled in UTC
EXACT_FLOAT_INTEGERS = 2**53  # float64 holds every integer up to this one exactly
MAX_DECIMALS = 6  # continuous columns: values rounded to the fewest decimals (up to this many) that hold them


@dataclass(frozen=True)
class ColumnSpec:
    """One column's kind and what it takes to rebuild its values.

    ``dtype`` is the pandas dtype the column is restored to (numbers given as text
    come back as numbers, dates given as text as datetime64). ``categories`` are
    the values of a categorical/boolean column in code order (sorted where the
    values allow); ``minimum``/``maximum`` bound a number column (datetimes in
    ``unit`` counts since 1970, ``tz`` their time zone). ``treatment`` says how a
    categorical column is learned: ``onehot``; ``hashed`` (``buckets`` holds each
    category's bucket out of ``hash_buckets``); ``sampled`` (``counts`` holds each
    category's count, plus the missing count last when ``has_missing``).
    ``decimals`` (continuous columns): generated values are rounded to that many
    decimals; -1: not rounded. ``notice`` is a line for the user when inference did
    something they should know. ``read_dtype``: the column's dtype as read (empty in
    checkpoints from before it was kept), against which a sample's dtypes are checked
    (``data/dtype_changes.py``).
    """

    name: str
    kind: str
    dtype: str
    has_missing: bool = False
    categories: tuple = ()
    minimum: float | int = 0.0  # exact Python ints for integer dtypes
    maximum: float | int = 0.0
    unit: str = ""
    tz: str = ""
    treatment: str = "onehot"
    hash_buckets: int = 0
    buckets: tuple[int, ...] = ()
    counts: tuple[int, ...] = ()
    decimals: int = -1
    notice: str = ""
    read_dtype: str = ""  # the dtype the column had as read (a sample's dtypes are checked against it)

    @property
    def is_number(self) -> bool:
        """Whether the column is modelled as a number (continuous, integer, datetime)."""
        return self.kind in NUMBER_KINDS

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able data (tuples become lists)."""
        return {key: list(value) if isinstance(value, tuple) else value for key, value in asdict(self).items()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ColumnSpec:
        """The spec :meth:`to_dict` described."""
        values = {f.name: data[f.name] for f in fields(cls) if f.name in data}
        for key in ("categories", "buckets", "counts"):
            values[key] = tuple(values.get(key, ()))
        return cls(**values)


@dataclass(frozen=True)
class _Context:
    """What every column's inference needs to know besides its values."""

    origin: str
    max_categories: int
    high_cardinality: str


def infer_kinds(
    frame: pd.DataFrame,
    discrete: Iterable[str] = (),
    overrides: Mapping[str, str] | None = None,
    max_categories: int = 1000,
    high_cardinality: str = "error",
    origin: str = "data",
) -> list[ColumnSpec]:
    """One :class:`ColumnSpec` per column of ``frame``, in column order (see the module docstring).

    ``origin`` names the table in error messages (the file path).
    """
    discrete, overrides = list(discrete), dict(overrides or {})
    _check_options(frame, discrete, overrides, max_categories, high_cardinality, origin)
    forced = {name: "categorical" for name in discrete} | overrides
    context = _Context(origin, max_categories, high_cardinality)
    return [replace(_infer_column(frame[name], forced.get(name), context), read_dtype=str(frame[name].dtype))
            for name in frame.columns]


def kinds_line(specs: Iterable[ColumnSpec]) -> str:
    """One line naming each column's chosen kind, with why for numbers modelled as categories, for the user."""
    def described(spec: ColumnSpec) -> str:
        if spec.kind == "categorical" and _is_number_dtype(spec.dtype):
            return f"{spec.name}: categorical ({len(spec.categories)} numbers)"
        if spec.kind == "continuous" and spec.decimals >= 0:
            return f"{spec.name}: continuous ({spec.decimals} decimal{'' if spec.decimals == 1 else 's'})"
        return f"{spec.name}: {spec.kind}"

    return "column kinds: " + ", ".join(described(spec) for spec in specs) + " (change with tabular.kinds)"


def _is_number_dtype(dtype: str) -> bool:
    try:
        return pd.api.types.is_numeric_dtype(pd.api.types.pandas_dtype(dtype))
    except TypeError:
        return False


def column_notices(specs: Iterable[ColumnSpec]) -> list[str]:
    """The notices inference left for the user (dropped, hashed, partly-unparsed columns)."""
    return [spec.notice for spec in specs if spec.notice]


def _check_options(frame: pd.DataFrame, discrete: list[str], overrides: dict[str, str],
                   max_categories: int, high_cardinality: str, origin: str) -> None:
    """Reject unknown column names, unknown kinds and bad limits before looking at any values."""
    names = list(frame.columns)
    if not all(isinstance(name, str) for name in names):
        raise UserError(f"{origin}: column names must be text, got {', '.join(map(repr, names))}")
    if len(set(names)) != len(names):
        raise UserError(f"{origin}: column names repeat: {', '.join(sorted({n for n in names if names.count(n) > 1}))}")
    for option, chosen in (("--discrete", discrete), ("--kind", list(overrides))):
        for name in chosen:
            if name not in names:
                raise UserError(f"column '{name}' in {option} is not a column of {origin}; columns: {', '.join(names)}")
    for name, kind in overrides.items():
        if kind not in KINDS:
            raise UserError(f"kind '{kind}' for column '{name}' in --kind is not one of {', '.join(KINDS)}")
        if name in discrete and kind != "categorical":
            raise UserError(f"column '{name}' is in --discrete and has --kind {kind}; pick one")
    if high_cardinality not in HIGH_CARDINALITY:
        raise UserError(f"tabular.high_cardinality must be one of {', '.join(HIGH_CARDINALITY)}, got '{high_cardinality}'")
    if isinstance(max_categories, bool) or not isinstance(max_categories, int) or max_categories < 2:
        raise UserError(f"tabular.max_categories must be a whole number of at least 2, got {max_categories!r}")


def _infer_column(series: pd.Series, forced: str | None, context: _Context) -> ColumnSpec:
    if not series.notna().any():
        raise UserError(f"column '{series.name}' of {context.origin} is entirely missing; drop it")
    kind = forced or _natural_kind(series, context)
    if kind == "categorical":
        return _categorical_spec(series, context, forced is not None)
    if kind == "boolean":
        return _boolean_spec(series, context)
    if kind == "datetime":
        return _datetime_spec(series, context)
    return _number_spec(series, kind, context)


def _natural_kind(series: pd.Series, context: _Context) -> str:
    """The kind a column's dtype and values suggest, with no user choice involved."""
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if isinstance(dtype, pd.CategoricalDtype):
        return "categorical"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_complex_dtype(dtype):
        return _number_kind(_as_numbers(series))
    if not (pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype)):
        raise UserError(f"column '{series.name}' of {context.origin} has unsupported dtype {dtype}; "
                        "convert it to numbers, text or dates")
    if _is_bool_pair(series):
        return "boolean"
    numbers = _as_numbers(series)
    present = series.notna()
    share = float(numbers[present].notna().mean())
    if share == 1.0:
        return _number_kind(numbers)
    if share >= NUMBER_SHARE:
        row = _first(present & numbers.isna())
        raise UserError(f"column '{series.name}' of {context.origin} mixes numbers and text: {share:.0%} of its values "
                        f"are numbers but '{series.iloc[row]}' (data row {row + 1}) is not; fix that value, or treat "
                        f"the column as categorical with --discrete {series.name}")
    if _looks_like_dates(series):
        return "datetime"
    return "categorical"


def _number_kind(numbers: pd.Series, few_values: bool = True) -> str:
    """boolean for 0/1 flags; categorical for few distinct values (when ``few_values``); integer for whole
    numbers; else continuous."""
    values = numbers.dropna().to_numpy(dtype=np.float64)
    distinct = np.unique(values)
    if set(distinct.tolist()) == {0.0, 1.0}:
        return "boolean"
    if few_values and has_few_values(len(distinct), len(values)):
        return "categorical"
    finite = values[np.isfinite(values)]
    return "integer" if np.array_equal(finite, np.round(finite)) else "continuous"


def has_few_values(distinct: int, rows: int) -> bool:
    """Whether a number column with ``distinct`` values over ``rows`` rows is modelled as categories."""
    return distinct <= FEW_VALUES and rows >= ROWS_PER_VALUE * distinct


def _decimals(numbers: np.ndarray) -> int:
    """The fewest decimals (0…MAX_DECIMALS) that hold every finite value exactly (to float precision); else -1."""
    values = numbers[np.isfinite(numbers)]
    scale = np.maximum(np.abs(values), 1.0)
    for decimals in range(MAX_DECIMALS + 1):
        if np.all(np.abs(values - np.round(values, decimals)) <= 1e-9 * scale):
            return decimals
    return -1


def _is_bool_pair(series: pd.Series) -> bool:
    values = pd.unique(series.dropna())
    if len(values) != 2 or not all(isinstance(value, str) for value in values):
        return False
    return {value.strip().lower() for value in values} in BOOL_PAIRS


def _looks_like_dates(series: pd.Series) -> bool:
    """Text where nearly all values have a digit and parse as dates ("may" alone would parse as a date)."""
    text = series.dropna().astype(str)
    if text.str.contains(r"\d", regex=True).mean() < DATE_SHARE:
        return False
    return float(_parse_dates(series).notna().sum()) >= DATE_SHARE * len(text)


def _parse_dates(series: pd.Series) -> pd.Series:
    """The column as datetime64 (NaT where a value is missing or is not a date); parses each distinct text once."""
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        return series
    present = series.notna().to_numpy()
    text = series.astype(object).astype(str)
    distinct = pd.Series(pd.unique(text[present]), dtype=object)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)  # pandas' warning about mixed time zones
            parsed = pd.to_datetime(distinct, format="mixed", errors="coerce")
    except (ValueError, TypeError):
        parsed = None
    if parsed is None or not pd.api.types.is_datetime64_any_dtype(parsed.dtype):  # mixed UTC offsets: all in UTC
        parsed = pd.to_datetime(distinct, format="mixed", errors="coerce", utc=True)
    parsed = pd.concat([parsed, pd.Series([pd.NaT], dtype=parsed.dtype)], ignore_index=True)  # position -1: NaT
    positions = pd.Index(distinct).get_indexer(text)
    positions[~present] = -1
    return parsed.iloc[positions].set_axis(series.index)


def _as_numbers(series: pd.Series) -> pd.Series:
    """The column as float64, NaN where a value is missing or is not a number."""
    if pd.api.types.is_bool_dtype(series.dtype):
        series = series.astype("float64")
    numbers = pd.to_numeric(series, errors="coerce")
    return pd.Series(numbers.to_numpy(dtype=np.float64, na_value=np.nan), index=series.index)


def _first(mask: pd.Series) -> int:
    """Position of the first True."""
    return int(np.flatnonzero(mask.to_numpy())[0])


def _distinct(series: pd.Series) -> tuple:
    """The column's distinct non-missing values as plain Python values: category order, else sorted if possible."""
    present = series.dropna()
    if isinstance(series.dtype, pd.CategoricalDtype):
        used = set(present.unique())
        return tuple(pd.Series([value for value in series.cat.categories if value in used], dtype=object).tolist())
    values = pd.Series(pd.unique(present)).tolist()
    try:
        return tuple(sorted(values))
    except TypeError:  # values of different types: keep first-seen order
        return tuple(values)


def _number_spec(series: pd.Series, kind: str, context: _Context, notice: str = "") -> ColumnSpec:
    numbers = _as_numbers(series)
    not_numbers = series.notna() & numbers.isna()
    if not_numbers.any():
        row = _first(not_numbers)
        raise UserError(f"column '{series.name}' of {context.origin} cannot be {kind}: '{series.iloc[row]}' "
                        f"(data row {row + 1}) is not a number")
    infinite = np.isinf(numbers.to_numpy())
    if infinite.any():
        row = int(np.flatnonzero(infinite)[0])
        raise UserError(f"column '{series.name}' of {context.origin} has an infinite value in data row {row + 1}")
    has_missing = bool(numbers.isna().any())
    if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
        dtype = str(series.dtype)
    elif kind == "integer":
        dtype = "Int64" if has_missing else "int64"
    else:
        dtype = "float64"
    decimals = _decimals(numbers.to_numpy()) if kind == "continuous" else -1
    if _integer_target(dtype) is not None:  # exact bounds: float64 rounds integers beyond 2**53
        low, high = int(series.min()), int(series.max())
        notice = notice or _wide_integers_notice(str(series.name), context.origin, low, high)
        return ColumnSpec(str(series.name), kind, dtype, has_missing, minimum=low, maximum=high, decimals=decimals,
                          notice=notice)
    return ColumnSpec(str(series.name), kind, dtype, has_missing, minimum=float(numbers.min()),
                      maximum=float(numbers.max()), decimals=decimals, notice=notice)


def _wide_integers_notice(name: str, origin: str, low: int, high: int) -> str:
    """A line for an integer column beyond float64's exact range: its generated values are exact only to a step."""
    widest = max(abs(low), abs(high))
    if widest <= EXACT_FLOAT_INTEGERS:
        return ""
    step = int(np.spacing(np.float64(widest)))
    return (f"column '{name}' of {origin} holds integers up to {widest:,}, beyond 2**53: they are modelled as float64 "
            f"numbers, so generated values come in steps of up to {step:,} near the ends of the range (always inside "
            f"the observed range, in the column's dtype)")


_OFFSET = re.compile(r"(Z|[+-]\d\d:?\d\d)$")


def _utc_offsets(series: pd.Series) -> set[str]:
    """The distinct UTC offsets written at the end of a text column's dates (none for a datetime dtype)."""
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        return set()
    return {match.group(1) for text in pd.unique(series.dropna().astype(str)) if (match := _OFFSET.search(text.strip()))}


def _datetime_spec(series: pd.Series, context: _Context) -> ColumnSpec:
    parsed = _parse_dates(series)
    unparsed = series.notna() & parsed.isna()
    if unparsed.sum() > (1 - DATE_SHARE) * series.notna().sum():
        row = _first(unparsed)
        raise UserError(f"column '{series.name}' of {context.origin} cannot be datetime: '{series.iloc[row]}' "
                        f"(data row {row + 1}) and {int(unparsed.sum()) - 1} other value(s) are not dates")
    notice = ""
    if unparsed.any():
        row = _first(unparsed)
        notice = (f"column '{series.name}' of {context.origin}: {int(unparsed.sum())} value(s) that are not dates "
                  f"(first '{series.iloc[row]}', data row {row + 1}) are treated as missing")
    offsets = _utc_offsets(series)
    if len(offsets) > 1:
        shown = ", ".join(f"'{offset}'" for offset in sorted(offsets)[:3])
        notice = "; ".join(filter(None, [notice, f"column '{series.name}' of {context.origin} {MIXED_OFFSETS} "
                                                 f"({shown}): its dates are modelled and generated in UTC"]))
    tz = str(parsed.dt.tz) if parsed.dt.tz is not None else ""
    unit = _coarsest_unit(_naive_utc(parsed))
    numbers = _datetime_counts(parsed, unit)
    return ColumnSpec(str(series.name), "datetime", str(parsed.dtype), bool(parsed.isna().any()),
                      minimum=float(np.nanmin(numbers)), maximum=float(np.nanmax(numbers)),
                      unit=unit, tz=tz, notice=notice)


def _naive_utc(parsed: pd.Series) -> np.ndarray:
    """Datetimes as a numpy datetime64 array in UTC without a time zone (NaT kept)."""
    if parsed.dt.tz is not None:
        parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
    return parsed.to_numpy()


def _coarsest_unit(stamps: np.ndarray) -> str:
    """The coarsest unit (day, hour, …) that holds every timestamp exactly."""
    present = stamps[~np.isnat(stamps)]
    for unit in DATETIME_UNITS:
        if np.array_equal(present.astype(f"datetime64[{unit}]").astype(present.dtype), present):
            return unit
    return "ns"


def date_counts(values: pd.Series, unit: str) -> np.ndarray:
    """Dates (datetime64 or text) as float64 counts of ``unit`` since 1970-01-01 UTC, NaN where missing or not a
    date: how a datetime column is compared with a bound (``data/where.py``)."""
    return _datetime_counts(_parse_dates(values), unit)


def _datetime_counts(parsed: pd.Series, unit: str) -> np.ndarray:
    """Datetimes as float64 counts of ``unit`` since 1970-01-01 UTC, NaN for missing."""
    stamps = _naive_utc(parsed)
    missing = np.isnat(stamps)
    counts = stamps.astype(f"datetime64[{unit}]").astype(np.int64).astype(np.float64)
    counts[missing] = np.nan
    return counts


def _boolean_spec(series: pd.Series, context: _Context) -> ColumnSpec:
    """Two categories: False/True for bool dtypes (even if one never occurs), else the values seen."""
    categories = (False, True) if pd.api.types.is_bool_dtype(series.dtype) else _distinct(series)
    if len(categories) > 2:
        raise UserError(f"column '{series.name}' of {context.origin} has {len(categories)} distinct values; "
                        "boolean needs at most 2")
    return ColumnSpec(str(series.name), "boolean", str(series.dtype), bool(series.isna().any()), categories=categories)


def _categorical_spec(series: pd.Series, context: _Context, forced: bool) -> ColumnSpec:
    """A one-hot column, or the high-cardinality treatment when it has too many values."""
    if forced and pd.api.types.is_datetime64_any_dtype(series.dtype):
        raise UserError(f"column '{series.name}' of {context.origin} holds datetimes, which cannot be categorical; "
                        "convert them to text first")
    categories = _distinct(series)
    spec = ColumnSpec(str(series.name), "categorical", str(series.dtype), bool(series.isna().any()),
                      categories=categories)
    if len(categories) <= context.max_categories:
        return spec
    limit = f"{len(categories)} distinct values, more than tabular.max_categories={context.max_categories}"
    if context.high_cardinality == "hash":
        return _hashed_spec(series, spec, f"column '{spec.name}' of {context.origin} has {limit}; hashed into "
                            f"{context.max_categories} buckets, each regenerated as its most frequent value",
                            context.max_categories)
    if context.high_cardinality == "drop":
        return _sampled_spec(series, spec, f"column '{spec.name}' of {context.origin} has {limit}; not learned: "
                             "its values are drawn independently from their observed frequencies")
    if context.high_cardinality == "continuous":
        if _as_numbers(series)[series.notna()].notna().all():
            return _number_spec(series, _number_kind(_as_numbers(series), few_values=False), context,
                                f"column '{spec.name}' of {context.origin} has {limit}; modelled as a number")
        raise UserError(f"column '{spec.name}' of {context.origin} has {limit} and its values are not numbers, so "
                        "tabular.high_cardinality=continuous cannot apply; use drop or hash")
    raise UserError(f"column '{spec.name}' of {context.origin} has {limit}; set tabular.high_cardinality to drop, "
                    "hash or continuous, or raise tabular.max_categories")


def bucket_of(values: pd.Series, buckets: int) -> np.ndarray:
    """Stable hash bucket (0…buckets−1) of each value, by its text (same across runs and machines)."""
    hashes = pd.util.hash_pandas_object(values.astype(str), index=False).to_numpy()
    return (hashes % np.uint64(buckets)).astype(np.int64)


def _hashed_spec(series: pd.Series, spec: ColumnSpec, notice: str, buckets: int) -> ColumnSpec:
    """Categories become one value per used bucket: the bucket's most frequent value."""
    counts = series.dropna().value_counts()  # most frequent first
    values = pd.Series(counts.index, dtype=object)
    bucket = bucket_of(values, buckets)
    first = ~pd.Series(bucket).duplicated().to_numpy()
    order = np.argsort(bucket[first], kind="stable")
    return ColumnSpec(spec.name, spec.kind, spec.dtype, spec.has_missing,
                      categories=tuple(values[first].iloc[order].tolist()), treatment="hashed",
                      hash_buckets=buckets, buckets=tuple(bucket[first][order].tolist()), notice=notice)


def _sampled_spec(series: pd.Series, spec: ColumnSpec, notice: str) -> ColumnSpec:
    """The values and counts (missing last) of at most SAMPLED_ROWS rows, to draw the column from."""
    if len(series) > SAMPLED_ROWS:
        rows = np.sort(np.random.default_rng(0).choice(len(series), SAMPLED_ROWS, replace=False))
        series = series.iloc[rows]
    categories = _distinct(series)
    kept = ColumnSpec(spec.name, spec.kind, spec.dtype, spec.has_missing, categories=categories)
    codes = category_codes(series, kept, "the sample")
    counts = np.bincount(codes, minlength=len(categories) + spec.has_missing)
    return ColumnSpec(spec.name, spec.kind, spec.dtype, spec.has_missing, categories=categories,
                      treatment="sampled", counts=tuple(counts.tolist()), notice=notice)


def column_numbers(series: pd.Series, spec: ColumnSpec, origin: str = "data") -> np.ndarray:
    """A number column as float64 (datetimes in ``spec.unit`` counts), NaN where missing."""
    if spec.kind == "datetime":
        numbers = _datetime_counts(_parse_dates(series), spec.unit)
    else:
        numbers = _as_numbers(series).to_numpy()
        text = series.notna().to_numpy() & np.isnan(numbers)
        if text.any():
            row = int(np.flatnonzero(text)[0])
            raise UserError(f"column '{spec.name}' of {origin}: '{series.iloc[row]}' (data row {row + 1}) "
                            "is not a number")
    _check_missing(np.isnan(numbers), spec, origin)
    return numbers


def numbers_to_column(numbers: np.ndarray, spec: ColumnSpec) -> pd.Series:
    """The inverse of :func:`column_numbers`: round integers, datetimes and continuous columns with ``decimals``,
    restore the dtype (NaN → missing)."""
    numbers = np.clip(numbers, spec.minimum, spec.maximum)
    if spec.kind != "continuous":
        numbers = np.round(numbers)
    elif spec.decimals >= 0:
        numbers = np.round(numbers, spec.decimals)
    if _integer_target(spec.dtype) is not None:
        return _exact_integers(numbers, spec)
    if spec.kind != "datetime":
        return pd.Series(numbers, name=spec.name).astype(spec.dtype)
    missing = np.isnan(numbers)
    stamps = np.where(missing, 0, numbers).astype(np.int64).astype(f"datetime64[{spec.unit}]")
    stamps[missing] = np.datetime64("NaT")
    column = pd.Series(stamps, name=spec.name)
    if spec.tz:
        column = column.dt.tz_localize("UTC")
    return column.astype(spec.dtype)


def _integer_target(dtype: str) -> np.dtype | None:
    """The NumPy integer dtype behind ``dtype`` (int8 … uint64, or pandas' nullable Int8 … UInt64), else None."""
    try:
        target = pd.api.types.pandas_dtype(dtype)
    except TypeError:
        return None
    target = getattr(target, "numpy_dtype", target)
    return np.dtype(target) if isinstance(target, np.dtype) and target.kind in "iu" else None


def _exact_integers(numbers: np.ndarray, spec: ColumnSpec) -> pd.Series:
    """Generated float64 values (NaN: missing) as the column's integer dtype, inside its observed range exactly.

    float64 holds every integer only up to 2**53: the float nearest a wider bound may lie outside it (the float
    nearest 2**63 − 1 is 2**63, which would wrap around to the most negative value). So the values are cast
    inside the dtype's range first, then clipped to the bounds in integer arithmetic.
    """
    target = _integer_target(spec.dtype)
    info = np.iinfo(target)
    low = max(int(np.ceil(spec.minimum)), int(info.min))  # older checkpoints keep the bounds as floats
    high = min(int(np.floor(spec.maximum)), int(info.max))
    highest = float(info.max)
    if highest > info.max:  # rounded up: take the float below it
        highest = float(np.nextafter(highest, -np.inf))
    missing = np.isnan(numbers)
    inside = np.clip(np.where(missing, 0.0, numbers), float(info.min), highest).astype(target)
    values = np.clip(inside, target.type(low), target.type(high))
    values[numbers >= float(high)] = high  # a value at (or beyond) a bound's float is that bound, exactly
    values[numbers <= float(low)] = low
    if isinstance(pd.api.types.pandas_dtype(spec.dtype), np.dtype):
        return pd.Series(values, name=spec.name)
    return pd.Series(pd.arrays.IntegerArray(values, missing), name=spec.name)


def category_codes(series: pd.Series, spec: ColumnSpec, origin: str = "data") -> np.ndarray:
    """Each value's position in ``spec.categories`` (int64); missing values get the last code, len(categories)."""
    missing = series.isna().to_numpy()
    if spec.treatment == "hashed":
        lookup = np.full(spec.hash_buckets, -1, dtype=np.int64)
        lookup[list(spec.buckets)] = np.arange(len(spec.buckets))
        codes = np.full(len(series), -1, dtype=np.int64)
        codes[~missing] = lookup[bucket_of(series[~missing], spec.hash_buckets)]
    else:
        codes = pd.Index(list(spec.categories)).get_indexer(series.astype(object)).astype(np.int64)
    unseen = (codes < 0) & ~missing
    if unseen.any():
        row = int(np.flatnonzero(unseen)[0])
        raise UserError(f"column '{spec.name}' of {origin}: value '{series.iloc[row]}' (data row {row + 1}) "
                        "was not in the table the columns were fitted on")
    _check_missing(missing, spec, origin)
    codes[missing] = len(spec.categories)
    return codes


def codes_to_column(codes: np.ndarray, spec: ColumnSpec) -> pd.Series:
    """The inverse of :func:`category_codes`: labels in the original dtype; the last code is missing."""
    labels = np.array([*spec.categories, np.nan], dtype=object)[codes]  # NaN for missing, as pandas reads it
    if spec.dtype == "category":
        return pd.Series(pd.Categorical(labels, categories=list(spec.categories)), name=spec.name)
    return pd.Series(labels, name=spec.name, dtype=object).astype(spec.dtype)


def _check_missing(missing: np.ndarray, spec: ColumnSpec, origin: str) -> None:
    if missing.any() and not spec.has_missing:
        row = int(np.flatnonzero(missing)[0])
        raise UserError(f"column '{spec.name}' of {origin} has a missing value (data row {row + 1}) but the table "
                        "the columns were fitted on had none")
