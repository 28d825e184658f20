"""User data in any of the accepted forms → one validated float table.

Accepted: a NumPy array, a torch tensor, a pandas DataFrame of numeric columns,
or a file (.csv with a header row, .npy, .npz holding one array). Problems are
reported as one-line :class:`UserError` messages naming the file and column.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from gankit.atomic_write import atomic_write
from gankit.data.frame_io import load_array, read_csv
from gankit.data.layout import Layout
from gankit.errors import UserError

SUPPORTED_SUFFIXES = (".csv", ".npy", ".npz")
MIN_ROWS = 2  # the evaluation splits real and generated rows into halves
FLOAT32_MAX = float(np.finfo(np.float32).max)


@dataclass(frozen=True)
class Rows:
    """A 2-D float32 array of training rows, with column names and where it came from.

    Images are rows too: ``values`` holds them flattened, ``image_shape`` is (C, H, W),
    and ``labels`` (class indices into ``class_names``) come along when the data has classes.
    """

    values: np.ndarray
    columns: list[str]
    origin: str
    image_shape: tuple[int, int, int] | None = None
    labels: np.ndarray | None = None
    class_names: tuple[str, ...] = ()

    def layout(self, conditional: bool = False) -> Layout:
        """The training row's layout; a conditional GAN appends the one-hot label."""
        if self.image_shape is None:
            return Layout(self.n_cols)
        return Layout.of_image(self.image_shape, len(self.class_names) if conditional else 0)

    def images(self) -> np.ndarray:
        """The rows as N×C×H×W images (image tables only)."""
        assert self.image_shape is not None, "not an image table"
        return self.values.reshape(-1, *self.image_shape)

    @property
    def n_rows(self) -> int:
        return int(self.values.shape[0])

    @property
    def n_cols(self) -> int:
        return int(self.values.shape[1])


def default_columns(width: int) -> list[str]:
    """Column names for data that came without any: x0, x1, …"""
    return [f"x{i}" for i in range(width)]


def as_rows(data: Any, origin: str = "data") -> Rows:
    """Validate ``data`` (array, tensor or DataFrame) and return it as a :class:`Table`."""
    if isinstance(data, pd.DataFrame):
        return _from_frame(data, origin)
    if isinstance(data, torch.Tensor):
        data = data.detach().cpu().numpy()
    array = np.asarray(data)
    if array.dtype.kind not in "biuf":
        raise UserError(f"{origin}: values must be numbers, got dtype {array.dtype}")
    if array.ndim != 2:
        raise UserError(f"{origin}: expected a 2-D table (rows × columns), got shape {array.shape}")
    return _checked(_as_float32(array, default_columns(array.shape[1]), origin), default_columns(array.shape[1]), origin)


def _from_frame(frame: pd.DataFrame, origin: str) -> Rows:
    if frame.shape[0] == 0 or frame.shape[1] == 0:
        raise UserError(f"{origin}: the table is empty (shape {frame.shape})")
    for column in frame.columns:
        if not (pd.api.types.is_numeric_dtype(frame[column]) or pd.api.types.is_bool_dtype(frame[column])):
            raise UserError(f"{origin}: column '{column}' is not numeric (dtype {frame[column].dtype}); for a table "
                            f"with text, category or date columns use the tabular preset: gankit train tabular --data FILE")
    columns = [str(c) for c in frame.columns]
    return _checked(_as_float32(frame.to_numpy(dtype=np.float64, na_value=np.nan), columns, origin), columns, origin)


def _as_float32(values: np.ndarray, columns: list[str], origin: str) -> np.ndarray:
    """``values`` as float32, refusing finite numbers beyond float32's range (they would turn into inf)."""
    if values.dtype.kind == "f" and values.dtype.itemsize > 4 and values.size:
        with np.errstate(invalid="ignore"):
            huge = np.isfinite(values) & (np.abs(values) > FLOAT32_MAX)
        if huge.any():
            row, col = np.argwhere(huge)[0]
            raise UserError(f"{origin}: value {values[row, col]:.3g} at row {row}, column '{columns[col]}' is beyond "
                            f"±{FLOAT32_MAX:.3g}, the largest number training holds: rescale the column")
    return values.astype(np.float32)


def _checked(values: np.ndarray, columns: list[str], origin: str) -> Rows:
    if values.shape[0] == 0 or values.shape[1] == 0:
        raise UserError(f"{origin}: the table is empty (shape {values.shape})")
    if values.shape[0] < MIN_ROWS:
        raise UserError(f"{origin}: needs at least {MIN_ROWS} rows (the evaluation compares held-out halves), found {values.shape[0]}")
    bad = ~np.isfinite(values)
    if bad.any():
        row, col = np.argwhere(bad)[0]
        kind = "NaN" if np.isnan(values[row, col]) else "inf"
        raise UserError(
            f"{origin}: {int(bad.sum())} missing or infinite value(s), first {kind} at row {row}, column '{columns[col]}'"
        )
    return Rows(np.ascontiguousarray(values), columns, origin)


def read_rows(path: str | Path, sep: str | None = None) -> Rows:
    """Read a .csv (header row; fields separated by ``sep``, else detected), .npy or .npz file into validated :class:`Rows`."""
    path = Path(path)
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise UserError(f"{path}: unsupported file type '{path.suffix}'; use one of {', '.join(SUPPORTED_SUFFIXES)}")
    if not path.is_file():
        raise UserError(f"data file not found: {path}")
    try:
        if path.suffix.lower() == ".csv":
            return as_rows(read_csv(path, sep), str(path))
        return as_rows(load_array(path), str(path))
    except UserError:
        raise
    except (ValueError, OSError, pd.errors.ParserError, EOFError, zipfile.BadZipFile) as err:
        raise UserError(f"{path}: cannot be read ({str(err).splitlines()[0] if str(err) else type(err).__name__})") from None


def write_rows(values: np.ndarray, columns: list[str], path: str | Path) -> Path:
    """Write rows to .csv (with header) or .npy, choosing by suffix; atomically via a temp file."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".npy"):
        raise UserError(f"{path}: output must end in .csv or .npy")
    if not path.parent.is_dir():
        raise UserError(f"{path}: folder {path.parent} does not exist")
    if suffix == ".csv":
        return atomic_write(path, lambda temporary: pd.DataFrame(values, columns=columns).to_csv(temporary, index=False))
    return atomic_write(path, lambda temporary: np.save(temporary, values))
