"""A table's encoding for differentially private training, built from public metadata instead of the data.

Fitting the usual encoding (``data/table_encoding.py``) reads the real rows: the
column kinds, the category lists, the mixture modes, the ranges and decimals. Each
of these leaks (a rare category would appear in the output by name), and none is
covered by DP-SGD's accounting. Under ``privacy.epsilon`` the encoding is therefore
fixed before any row is read, from what the user declares public:

* ``tabular.public_bounds``: ``column → [low, high]`` for every number column. A
  value is clipped to the bounds and scaled to ``[−0.99, 0.99]`` (one mode of
  centre ``(low + high)/2``: the mode-specific encoding with a single fixed mode);
  generated values come back inside the bounds. A missing number is encoded as the
  centre. ``tabular.kinds`` may say ``integer`` (rounded on the way back); else
  ``continuous``.
* ``tabular.public_categories``: ``column → [values]`` for every categorical column.
  A value not listed (or missing) is encoded as an empty one-hot block: D learns
  from the row, but G cannot emit that value, so a category seen in a few rows
  never appears in the output unless it was declared.

Every column must be declared (one line and exit 2 otherwise). The column names are
taken as public. The encoding then reads each row once, through
:func:`real_rows_read`, to turn it into the training tensor that only the Poisson
sampler of ``train/private_epoch.py`` reads.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import numpy as np
import pandas as pd

from gankit.config import TabularConfig
from gankit.data.column_kinds import ColumnSpec
from gankit.data.rows import Rows
from gankit.data.table_transformer import (
    ALPHA_LIMIT,
    CategoryEncoder,
    Encoder,
    ModeNormalizer,
    NumberEncoder,
    TabularTransformer,
)
from gankit.errors import UserError

NUMBER_DTYPES = {"continuous": "float64", "integer": "int64"}


@contextmanager
def real_rows_read() -> Iterator[None]:
    """The one place where a private run reads the real table's values (tests watch it)."""
    yield


def public_specs(columns: list[str], settings: TabularConfig, origin: str) -> list[ColumnSpec]:
    """Each column's spec from the declared public metadata alone."""
    declared = set(settings.public_bounds) | set(settings.public_categories)
    unknown = sorted(declared - set(columns))
    if unknown:
        raise UserError(f"tabular.public_bounds / public_categories name column(s) {', '.join(unknown)} that "
                        f"{origin} lacks; columns: {', '.join(columns)}")
    return [_public_spec(column, settings, origin) for column in columns]


def _public_spec(column: str, settings: TabularConfig, origin: str) -> ColumnSpec:
    if column in settings.public_bounds and column in settings.public_categories:
        raise UserError(f"column '{column}' is in both tabular.public_bounds and tabular.public_categories; keep one")
    if column in settings.public_bounds:
        low, high = settings.public_bounds[column]
        kind = settings.kinds.get(column, "continuous")
        if kind not in NUMBER_DTYPES or not low < high:
            raise UserError(f"tabular.public_bounds.{column} = [{low}, {high}]: needs low < high and a continuous "
                            f"or integer column (tabular.kinds says '{kind}')")
        return ColumnSpec(column, kind, NUMBER_DTYPES[kind], minimum=float(low), maximum=float(high))
    if column in settings.public_categories:
        values = tuple(settings.public_categories[column])
        if not values or len(set(values)) != len(values):
            raise UserError(f"tabular.public_categories.{column} must list distinct values, got {list(values)}")
        return ColumnSpec(column, "categorical", _dtype_of(values), categories=values)
    raise UserError(f"column '{column}' of {origin} has no public metadata: under privacy.epsilon declare it in "
                    f"tabular.public_bounds (numbers) or tabular.public_categories, or leave it out of the table")


def _dtype_of(values: tuple) -> str:
    """The dtype generated categories come back in, from the declared values alone (numbers stay numbers)."""
    if all(isinstance(value, bool) for value in values):
        return "bool"
    if all(isinstance(value, int) and not isinstance(value, bool) for value in values):
        return "int64"
    if all(isinstance(value, (int, float)) and not isinstance(value, bool) for value in values):
        return "float64"
    return "object"


def public_transformer(specs: list[ColumnSpec], seed: int) -> TabularTransformer:
    """The transformer of the public specs (saved and decoded like any other)."""
    return TabularTransformer([_encoder(spec) for spec in specs], "vgm", 1, seed)


def _encoder(spec: ColumnSpec) -> Encoder:
    if spec.is_number:
        centre, half = (spec.minimum + spec.maximum) / 2, (spec.maximum - spec.minimum) / 2
        return NumberEncoder(spec, ModeNormalizer(np.ones(1), np.array([centre]), np.array([half / 4])), centre)
    return CategoryEncoder(spec, (0,) * len(spec.categories))  # no counts: nothing is read from the data


def encode_private_rows(frame: pd.DataFrame, transformer: TabularTransformer, origin: str) -> Rows:
    """The training rows: every value clipped, scaled or one-hot coded by the public encoding alone."""
    with real_rows_read():
        parts = [_encode_column(frame[encoder.spec.name], encoder) for encoder in transformer.encoders]
    values = np.ascontiguousarray(np.hstack(parts), dtype=np.float32)
    return Rows(values, [str(column) for column in frame.columns], origin)


def _encode_column(series: pd.Series, encoder: Encoder) -> np.ndarray:
    spec = encoder.spec
    if spec.is_number:
        numbers = pd.to_numeric(pd.Series(list(series), dtype=object), errors="coerce").to_numpy(dtype=np.float64)
        centre, half = (spec.minimum + spec.maximum) / 2, (spec.maximum - spec.minimum) / 2
        alpha = np.clip((np.nan_to_num(numbers, nan=centre) - centre) / half, -ALPHA_LIMIT, ALPHA_LIMIT)
        return np.stack([alpha, np.ones_like(alpha)], axis=1)
    lookup = {}
    for code, value in enumerate(spec.categories):
        lookup[value] = code
        lookup.setdefault(str(value), code)
    codes = np.array([lookup.get(value, lookup.get(str(value), -1)) for value in series], dtype=np.int64)
    one_hot = np.zeros((len(codes), len(spec.categories)), dtype=np.float32)
    known = codes >= 0
    one_hot[np.flatnonzero(known), codes[known]] = 1.0
    return one_hot
