"""Constraints every sampled row of a table satisfies, declared in ``[[tabular.constraints]]`` or the API.

Four forms, one key each (``config.ConstraintConfig``):

=====================================  =====================================================================
``inequality = "start <= end"``        one column at most (``<=``) or below (``<``) another
``range = "0 <= score <= 100"``        a column within bounds: numbers, dates or columns (one side may be left out)
``combinations = ["city", "country"]`` only the combinations of these categorical columns seen in the data
``formula = "total = price + tax"``    a column computed from others (``data/constraint_expression.py``)
=====================================  =====================================================================

At fit every constraint is checked against the data: one the table breaks is one line naming it and the number
of rows that break it (exit 2). Rows where a column of a comparison is missing are not judged.

Each constraint then holds *by construction* where a reversible transform of the table exists, by moving a row
that breaks it, or by rejection:

* a column against a fixed number: generated values are clipped to the bound;
* a formula: its column is not learned and is computed from the others after sampling;
* an inequality between two number columns: G learns the table as it is, and a generated row that breaks the
  inequality is moved to its midpoint (``data/inequality_repair.py``), the smallest change that holds it;
* combinations: a generated row whose combination was never seen gets one of its values redrawn from the seen
  combinations that agree with it on the other columns (``data/combination_repair.py``);
* comparisons with a date column: rows that break them are rejected.

A column takes part in at most one transform: a constraint on a column another transform already uses is met by
rejection instead, like any row a transform or a move could not bring within its constraint (e.g. a column in
two inequalities). Sampling always keeps only the rows that hold every constraint
(``kinds/conditional_sampling.py``), so 100 % of returned rows satisfy them.

Runs trained earlier keep their way, which their checkpoint records (``between_columns``, and ``counts`` for the
redraws): the first runs with constraints learned inequalities and combinations by a transform (``b − a`` in
place of ``b``; combinations as one categorical column of the combinations seen), the next ones only rejected
rows that break a constraint between columns.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from gankit.data.column_kinds import QUANTITY_KINDS, ColumnSpec, date_counts
from gankit.data.constraint_expression import Formula, parse_formula
from gankit.data.combination_repair import redraw
from gankit.data.inequality_repair import can_meet, meet
from gankit.errors import UserError

COMBINED = " & "  # the name of a combinations column: the columns joined by this
REDRAW_ROUNDS = 2  # passes of redraws over the combinations constraints
MEET, REJECTED, TRANSFORMED = "meet", "rejection", "transform"  # how constraints between columns hold (a checkpoint says)
MISSING = "<missing>"  # a missing value in a combination's label
FORMULA_TOLERANCE = 1e-9  # relative; plus half the target's last decimal
_COMPARISON = re.compile(r"\s*(<=|>=|<|>)\s*")


@dataclass(frozen=True)
class Comparison:
    """``left <= right`` (``<`` when strict); each side a column name or a number (dates: microseconds since 1970)."""

    left: str | float
    right: str | float
    strict: bool

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(side for side in (self.left, self.right) if isinstance(side, str))

    def holds(self, frame: pd.DataFrame, dates: frozenset[str]) -> np.ndarray:
        """Which rows hold (a row with a missing side is not judged: it holds)."""
        left, right = (_side(frame, side, dates) for side in (self.left, self.right))
        with np.errstate(invalid="ignore"):
            met = left < right if self.strict else left <= right
        return met | np.isnan(left) | np.isnan(right)


@dataclass(frozen=True)
class Constraint:
    """One declared constraint: its text for messages, and what it asks."""

    text: str  # e.g. "inequality 'start <= end'"
    comparisons: tuple[Comparison, ...] = ()
    combinations: tuple[str, ...] = ()
    formula: Formula | None = None

    @property
    def columns(self) -> tuple[str, ...]:
        if self.formula is not None:
            return (self.formula.target, *self.formula.inputs)
        return tuple(dict.fromkeys([*self.combinations, *(c for comparison in self.comparisons for c in comparison.columns)]))


@dataclass
class Transform:
    """How one constraint holds by construction: fitted on the data, undone after sampling."""

    constraint: Constraint
    kind: str  # "clip", "gap", "combine" or "compute"
    labels: dict[str, list] = field(default_factory=dict)  # combine: label → the columns' values

    def encode(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The table as the generator learns it: ``b − a`` for ``b``, one column for combinations, no formula column."""
        constraint = self.constraint
        if self.kind == "gap":
            low, high = constraint.comparisons[0].left, constraint.comparisons[0].right
            return frame.assign(**{high: _numbers(frame[high]) - _numbers(frame[low])})
        if self.kind == "combine":
            return _combined(frame, constraint.combinations, {tuple(_plain(v) for v in values): label
                                                               for label, values in self.labels.items()})
        if self.kind == "compute":
            return frame.drop(columns=[constraint.formula.target])
        return frame

    def decode(self, frame: pd.DataFrame, specs: Mapping[str, ColumnSpec]) -> pd.DataFrame:
        """Generated rows back in the table's columns (``specs``: their kinds, decimals and dtypes)."""
        constraint = self.constraint
        if self.kind == "gap":
            low, high = constraint.comparisons[0].left, constraint.comparisons[0].right
            return frame.assign(**{high: _restored(_numbers(frame[low]) + _numbers(frame[high]), specs[high])})
        if self.kind == "clip":
            column = constraint.columns[0]
            lower = [c.left for c in constraint.comparisons if c.right == column]
            upper = [c.right for c in constraint.comparisons if c.left == column]
            clipped = np.clip(_numbers(frame[column]), max(lower, default=None), min(upper, default=None))
            return frame.assign(**{column: _restored(clipped, specs[column])})
        if self.kind == "combine":
            return _split(frame, constraint.combinations, self.labels, specs)
        formula = constraint.formula
        values = formula.evaluate({name: _numbers(frame[name]) for name in formula.inputs})
        return frame.assign(**{formula.target: _restored(values, specs[formula.target]).to_numpy()})


@dataclass
class TableConstraints:
    """A table's constraints fitted on its data: the transforms, the original columns and their kinds."""

    constraints: tuple[Constraint, ...]
    transforms: list[Transform]
    specs: list[ColumnSpec]  # the table's own columns (before any transform), for conditions and metrics
    seen: dict[str, dict[str, list]]  # each combinations constraint's text → its combinations seen (label → values)
    met: tuple[tuple[str, str, bool], ...] = ()  # (left, right, strict) inequalities met at the midpoint
    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # combinations: label → rows seen (redraws)

    @property
    def dates(self) -> frozenset[str]:
        return frozenset(spec.name for spec in self.specs if spec.kind == "datetime")

    @property
    def combined_columns(self) -> list[str]:
        """The columns the generator learns in place of combinations (categorical)."""
        return [COMBINED.join(t.constraint.combinations) for t in self.transforms if t.kind == "combine"]

    @property
    def by_transform(self) -> list[str]:
        return [transform.constraint.text for transform in self.transforms]

    @property
    def _untransformed(self) -> list[Constraint]:
        """The constraints no transform makes hold: moved, redrawn or rejected."""
        shaped = {id(transform.constraint) for transform in self.transforms}
        return [constraint for constraint in self.constraints if id(constraint) not in shaped]

    @property
    def by_meeting(self) -> list[str]:
        """The constraints whose every comparison a breaking row is moved to meet (``data/inequality_repair.py``)."""
        met = set(self.met)
        return [constraint.text for constraint in self._untransformed if constraint.comparisons
                and all((c.left, c.right, c.strict) in met for c in constraint.comparisons)]

    @property
    def by_redraw(self) -> list[str]:
        """The combinations constraints whose breaking rows get one value redrawn (``data/combination_repair.py``)."""
        return [c.text for c in self._redrawn_constraints]

    @property
    def by_rejection(self) -> list[str]:
        moved = set(self.by_meeting) | set(self.by_redraw)
        return [c.text for c in self._untransformed if c.text not in moved]

    @property
    def _redrawn_constraints(self) -> list[Constraint]:
        return [c for c in self._untransformed if c.combinations and self.counts.get(c.text)]

    def encode(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The table as the generator learns it (the transforms applied in order)."""
        for transform in self.transforms:
            frame = transform.encode(frame)
        return frame

    def decode(self, frame: pd.DataFrame, rng: np.random.Generator | None = None) -> pd.DataFrame:
        """Generated rows in the table's own columns (the transforms undone in reverse order), inequalities met;
        with ``rng``, a combination never seen gets one value redrawn."""
        specs = {spec.name: spec for spec in self.specs}
        for transform in reversed(self.transforms):
            frame = transform.decode(frame, specs)
        frame = meet(frame[[spec.name for spec in self.specs]], self.met, specs)
        return frame if rng is None else self._redrawn(frame, rng)

    def _redrawn(self, frame: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
        """Rows with a combination never seen, one value redrawn (``data/combination_repair.py``); twice over, as
        one redraw can break another constraint sharing a column."""
        plans = []  # per constraint: its columns, the combinations seen and how many rows held each
        for constraint in self._redrawn_constraints:
            labels, counts = self.seen[constraint.text], self.counts[constraint.text]
            plans.append((constraint.combinations, [tuple(values) for values in labels.values()],
                          [counts.get(label, 0) for label in labels]))
        for _ in range(REDRAW_ROUNDS):
            for columns, seen, weights in plans:
                frame = redraw(frame, columns, _keys(frame, columns), seen, weights, rng)
        return frame

    def holds(self, frame: pd.DataFrame) -> np.ndarray:
        """Which rows hold every constraint."""
        held = np.ones(len(frame), dtype=bool)
        for constraint in self.constraints:
            held &= constraint_holds(constraint, frame, self.dates, self.seen.get(constraint.text))
        return held

    def to_dict(self) -> dict[str, Any]:
        """What a checkpoint keeps (with the config's entries, :func:`restore_constraints` rebuilds the rest)."""
        return {"specs": [spec.to_dict() for spec in self.specs], "seen": self.seen, "counts": self.counts,
                "between_columns": MEET}


def constraint_holds(constraint: Constraint, frame: pd.DataFrame, dates: frozenset[str],
                     seen: Mapping[str, list] | None = None) -> np.ndarray:
    """Which rows of ``frame`` hold ``constraint`` (``seen``: a combinations constraint's combinations)."""
    held = np.ones(len(frame), dtype=bool)
    for comparison in constraint.comparisons:
        held &= comparison.holds(frame, dates)
    if constraint.combinations:
        allowed = {tuple(values) for values in (seen or {}).values()}
        return held & np.array([key in allowed for key in _keys(frame, constraint.combinations)], dtype=bool)
    if constraint.formula is not None:
        formula = constraint.formula
        target = _numbers(frame[formula.target])
        values = formula.evaluate({name: _numbers(frame[name]) for name in formula.inputs})
        tolerance = FORMULA_TOLERANCE * np.abs(values) + half_last_decimal(target)
        with np.errstate(invalid="ignore"):
            held &= (np.abs(target - values) <= tolerance) | (np.isnan(target) & np.isnan(values))
    return held


# ------------------------------------------------------------------ from the config to checked constraints


def parse_constraints(entries: Sequence[Any], specs: Sequence[ColumnSpec]) -> tuple[Constraint, ...]:
    """The config's ``[[tabular.constraints]]`` entries (``ConstraintConfig`` or dicts) checked against ``specs``."""
    by_name = {spec.name: spec for spec in specs}
    return tuple(_parse_entry(entry if isinstance(entry, Mapping) else entry.model_dump(), by_name) for entry in entries)


def _parse_entry(entry: Mapping[str, Any], by_name: Mapping[str, ColumnSpec]) -> Constraint:
    given = {key: value for key, value in entry.items() if value}
    if len(given) != 1:
        raise UserError(f"tabular.constraints entry {dict(entry)}: set exactly one of inequality, range, "
                        "combinations, formula")
    (key, value), = given.items()
    if key == "combinations":
        return _combinations(list(value), by_name)
    if key == "formula":
        formula = parse_formula(str(value), list(by_name))
        for name in (formula.target, *formula.inputs):
            if not by_name[name].is_number or by_name[name].kind == "datetime":
                raise UserError(f"constraint formula '{value}': column '{name}' is {by_name[name].kind}; "
                                "a formula takes number columns")
        return Constraint(f"formula '{value}'", formula=formula)
    return _comparisons(key, str(value), by_name)


def _combinations(columns: list[str], by_name: Mapping[str, ColumnSpec]) -> Constraint:
    text = f"combinations {columns}"
    if len(columns) < 2 or len(set(columns)) != len(columns):
        raise UserError(f"constraint {text}: name two or more different columns")
    for name in columns:
        if name not in by_name:
            raise UserError(f"constraint {text}: no column '{name}'; the columns are {', '.join(by_name)}")
        if by_name[name].kind not in ("categorical", "boolean") or by_name[name].treatment != "onehot":
            raise UserError(f"constraint {text}: column '{name}' is {by_name[name].kind}; combinations take "
                            "categorical and boolean columns")
    return Constraint(text, combinations=tuple(columns))


def _comparisons(key: str, text: str, by_name: Mapping[str, ColumnSpec]) -> Constraint:
    """``a <= b`` (inequality: two columns) or a chain of up to three sides (range: bounds around one column)."""
    parts = _COMPARISON.split(text.strip())
    sides, operators = parts[0::2], parts[1::2]
    label = f"{key} '{text}'"
    if key == "inequality" and len(sides) != 2 or key == "range" and len(sides) not in (2, 3) or not operators:
        example = "'start <= end'" if key == "inequality" else "'0 <= score <= 100' or 'score >= 0'"
        raise UserError(f"constraint {label}: not a{'n' if key == 'inequality' else ''} {key}; write e.g. {example}")
    if len({op.replace("=", "") for op in operators}) > 1:
        raise UserError(f"constraint {label}: mixes < and >; write both bounds the same way, e.g. '0 <= x <= 100'")
    if operators[0].startswith(">"):  # a >= b >= c is c <= b <= a
        sides, operators = sides[::-1], [op.replace(">", "<") for op in operators[::-1]]
    columns = [side for side in sides if side in by_name]
    if key == "inequality" and len(columns) != 2:
        raise UserError(f"constraint {label}: compares two columns; {_unknown(sides, by_name)}")
    if key == "range" and not columns:
        raise UserError(f"constraint {label}: names no column; {_unknown(sides, by_name)}")
    if len(sides) == 3 and sides[1] not in by_name:
        raise UserError(f"constraint {label}: the middle of a range is its column; {_unknown(sides[1:2], by_name)}")
    date_column = next((by_name[name] for name in columns if by_name[name].kind == "datetime"), None)
    values = [side if side in by_name else _bound(side, date_column, label, by_name) for side in sides]
    for name in columns:
        if not by_name[name].is_number:
            raise UserError(f"constraint {label}: column '{name}' is {by_name[name].kind}; comparisons take number "
                            "and date columns")
    if len({by_name[name].kind == "datetime" for name in columns}) > 1:
        raise UserError(f"constraint {label}: compares a date column with a number column")
    comparisons = tuple(Comparison(values[i], values[i + 1], operators[i] == "<") for i in range(len(operators)))
    return Constraint(label, comparisons=comparisons)


def _unknown(sides: Sequence[str], by_name: Mapping[str, ColumnSpec]) -> str:
    missing = [side for side in sides if side not in by_name and not _is_number(side)]
    named = f"no column '{missing[0]}'; " if missing else ""
    return f"{named}the columns are {', '.join(by_name)}"


def _bound(side: str, date_column: ColumnSpec | None, label: str, by_name: Mapping[str, ColumnSpec]) -> float:
    """A fixed bound: a number, or for a date column a date (as microseconds since 1970, UTC)."""
    if date_column is None:
        if _is_number(side):
            return float(side)
        raise UserError(f"constraint {label}: '{side}' is neither a column nor a number; {_unknown([side], by_name)}")
    try:
        stamp = pd.Timestamp(side)
    except (TypeError, ValueError):
        stamp = pd.NaT
    if pd.isna(stamp) or _is_number(side):
        raise UserError(f"constraint {label}: '{side}' is not a date; column '{date_column.name}' holds dates")
    if stamp.tzinfo is None and date_column.tz:
        stamp = stamp.tz_localize(date_column.tz)
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    return float((stamp - pd.Timestamp(0)) / pd.Timedelta(1, unit="us"))


def _is_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


# ------------------------------------------------------------------ fitted on the data


def fit_constraints(entries: Sequence[Any], frame: pd.DataFrame, specs: list[ColumnSpec], origin: str) -> TableConstraints:
    """Check the declared constraints against ``frame`` (one line naming a broken one and its row count, exit 2) and
    choose a transform for each where one exists (see the module docstring)."""
    constraints = parse_constraints(entries, specs)
    dates = frozenset(spec.name for spec in specs if spec.kind == "datetime")
    seen = {constraint.text: _labels(frame, constraint.combinations) for constraint in constraints
            if constraint.combinations}
    counts = {c.text: _label_counts(frame, c.combinations, seen[c.text]) for c in constraints if c.combinations}
    for constraint in constraints:
        broken = int((~constraint_holds(constraint, frame, dates, seen.get(constraint.text))).sum())
        if broken:
            raise UserError(f"{origin}: constraint {constraint.text} is broken by {broken:,} of {len(frame):,} rows; "
                            "fix the data or drop the constraint")
    return replace(_planned(constraints, list(specs), seen, MEET), counts=counts)


def restore_constraints(entries: Sequence[Any], document: Mapping[str, Any]) -> TableConstraints:
    """The fitted constraints a checkpoint recorded (:meth:`TableConstraints.to_dict`), with the config's entries."""
    specs = [ColumnSpec.from_dict(spec) for spec in document["specs"]]
    between = document.get("between_columns", TRANSFORMED)  # runs trained before kept their way (module docstring)
    planned = _planned(parse_constraints(entries, specs), specs, dict(document.get("seen", {})), between)
    return replace(planned, counts={text: dict(counts) for text, counts in document.get("counts", {}).items()})


def _planned(constraints: tuple[Constraint, ...], specs: list[ColumnSpec], seen: dict[str, dict[str, list]],
             between_columns: str) -> TableConstraints:
    """Each constraint's transform where one exists and none of its columns is in an earlier transform, and the
    inequalities between number columns that a breaking row is moved to meet. ``between_columns`` says how
    constraints between columns hold: MEET, REJECTED (rows breaking them are only rejected) or TRANSFORMED
    (inequalities and combinations by a transform, as the first runs with constraints learned them)."""
    by_name = {spec.name: spec for spec in specs}
    transforms: list[Transform] = []
    used: set[str] = set()
    for constraint in constraints:
        transform = _transform_for(constraint, by_name, seen.get(constraint.text, {}), between_columns == TRANSFORMED)
        if transform is not None and not used & set(constraint.columns):
            transforms.append(transform)
            used |= set(constraint.columns)
    met: tuple[tuple[str, str, bool], ...] = ()
    if between_columns == MEET:
        shaped = {id(transform.constraint) for transform in transforms}
        formula_columns = {name for c in constraints if c.formula is not None for name in c.columns}
        met = tuple((c.left, c.right, c.strict) for constraint in constraints if id(constraint) not in shaped
                    for c in constraint.comparisons if can_meet(c.left, c.right, by_name, formula_columns))
    return TableConstraints(constraints, transforms, specs, seen, met)


def _transform_for(constraint: Constraint, by_name: Mapping[str, ColumnSpec], labels: dict[str, list],
                   between_columns: bool) -> Transform | None:
    """The transform that makes ``constraint`` hold by construction, or None (then: rejection)."""
    if constraint.formula is not None:
        return Transform(constraint, "compute")
    if constraint.combinations:
        return Transform(constraint, "combine", labels) if between_columns else None
    columns = [by_name[name] for name in constraint.columns]
    if any(spec.kind not in QUANTITY_KINDS for spec in columns):
        return None
    if len(columns) == 1 and all(len(comparison.columns) == 1 for comparison in constraint.comparisons):
        return Transform(constraint, "clip")
    if not between_columns or len(constraint.comparisons) != 1 or any(spec.has_missing for spec in columns):
        return None
    return Transform(constraint, "gap")


# ------------------------------------------------------------------ helpers


def _side(frame: pd.DataFrame, side: str | float, dates: frozenset[str]) -> np.ndarray | float:
    if not isinstance(side, str):
        return np.full(len(frame), side)
    if side in dates:
        return date_counts(frame[side], "us")
    return _numbers(frame[side])


def _numbers(series: pd.Series) -> np.ndarray:
    return pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)


def _restored(values: np.ndarray, spec: ColumnSpec) -> pd.Series:
    """Computed numbers in a column's own form: whole for integers, its decimals for continuous, its dtype."""
    if spec.kind == "integer":
        values = np.round(values)
    elif spec.decimals >= 0:
        values = np.round(values, spec.decimals)
    series = pd.Series(values, name=spec.name)
    try:
        return series.astype(spec.dtype)
    except (TypeError, ValueError):  # e.g. a missing value in an integer column
        return series


def half_last_decimal(target: np.ndarray) -> float:
    """Half a unit of the last decimal the target's values are written with (0 when they need more than 9)."""
    present = target[~np.isnan(target)]
    for decimals in range(10):
        if np.allclose(present, np.round(present, decimals), rtol=0, atol=1e-12):
            return 0.5 * 10.0**-decimals
    return 0.0


def _plain(value: Any) -> Any:
    """A value as JSON holds it (NumPy scalars as Python ones, missing as None)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return value.item() if hasattr(value, "item") else value


def _labels(frame: pd.DataFrame, columns: Sequence[str]) -> dict[str, list]:
    """Each combination seen in ``frame``: a text label → the columns' values (labels kept distinct)."""
    labels: dict[str, list] = {}
    for values in frame[list(columns)].drop_duplicates().itertuples(index=False):
        plain = [_plain(value) for value in values]
        label = " | ".join(MISSING if value is None else str(value) for value in plain)
        while label in labels:
            label += "'"
        labels[label] = plain
    return dict(sorted(labels.items()))


def _label_counts(frame: pd.DataFrame, columns: Sequence[str], labels: Mapping[str, list]) -> dict[str, int]:
    """How many rows of ``frame`` hold each combination of ``labels``."""
    label_of = {tuple(values): label for label, values in labels.items()}
    counts = Counter(label_of[key] for key in _keys(frame, columns))
    return {label: counts[label] for label in labels}


def _keys(frame: pd.DataFrame, columns: Sequence[str]) -> list[tuple]:
    """Each row's values of ``columns`` as a tuple of plain values."""
    return [tuple(_plain(value) for value in values) for values in frame[list(columns)].itertuples(index=False)]


def _combined(frame: pd.DataFrame, columns: Sequence[str], label_of: Mapping[tuple, str]) -> pd.DataFrame:
    """``frame`` with ``columns`` replaced by one column of their combination's label, where the first one was."""
    combined = frame.drop(columns=list(columns))
    combined.insert(list(frame.columns).index(columns[0]), COMBINED.join(columns),
                    [label_of[key] for key in _keys(frame, columns)])
    return combined


def _split(frame: pd.DataFrame, columns: Sequence[str], labels: Mapping[str, list],
           specs: Mapping[str, ColumnSpec]) -> pd.DataFrame:
    """The combinations column split back into its columns, each in its own dtype."""
    name = COMBINED.join(columns)
    values = [labels[label] for label in frame[name]]
    split = frame.drop(columns=[name])
    for position, column in enumerate(columns):
        series = pd.Series([row[position] for row in values], dtype=object)
        series = series.where(series.notna(), np.nan)
        try:
            series = series.astype(specs[column].dtype)
        except (TypeError, ValueError):
            series = series.infer_objects()
        split[column] = series.to_numpy()
    return split
