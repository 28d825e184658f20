"""Read and write mixed-type tables (.csv, .parquet, .npy, .npz) as pandas DataFrames.

This is the file side of "a table in, a synthetic table out": columns keep their
types (text, dates, booleans, numbers with missing values), unlike
:mod:`gankit.data.rows`, which wants numbers only. Missing values are allowed
here; what a column *is* gets decided later by :mod:`gankit.data.column_kinds`.
Every problem with a file is one :class:`UserError` line naming the file.
"""

from __future__ import annotations

import csv
import datetime
import re
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from gankit.atomic_write import atomic_write
from gankit.data.memory_budget import check_fits, size_text
from gankit.errors import UserError
from gankit.status import notice

READ_SUFFIXES = (".csv", ".parquet", ".npy", ".npz")
WRITE_SUFFIXES = (".csv", ".parquet")
MIN_ROWS = 2
MAX_MAGNITUDE = 1e100  # larger numbers overflow the encoders' squares and sums; such a column needs rescaling
NESTED = (list, tuple, dict, set, np.ndarray)
SEPARATORS = (",", ";", "\t", "|")  # what a CSV's fields may be separated by, when not given
SNIFF_BYTES = 64 * 1024


def read_frame(path: str | Path, sep: str | None = None) -> pd.DataFrame:
    """The table in ``path`` (.csv with a header row, .parquet, .npy or .npz) with at least 2 rows.

    A CSV's separator is ``sep``, else detected from its first 64 KiB (see :func:`read_csv`).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in READ_SUFFIXES:
        raise UserError(f"{path}: unsupported file type '{path.suffix}'; use one of {', '.join(READ_SUFFIXES)}")
    if not path.is_file():
        raise UserError(f"data file not found: {path}")
    if path.stat().st_size == 0:
        raise UserError(f"{path}: the file is empty (0 bytes)")
    if suffix == ".csv":
        frame = read_csv(path, sep)
    elif suffix == ".parquet":
        frame = _read_parquet(path)
    else:
        frame = _read_array(path)
    return _checked(frame, path)


def checked_output(path: Path, suffixes: tuple[str, ...]) -> str:
    """The lower-case suffix of an output file, after checking it is one of ``suffixes`` and its folder exists."""
    suffix = path.suffix.lower()
    if suffix not in suffixes:
        raise UserError(f"{path}: unsupported output type '{path.suffix}'; use one of {', '.join(suffixes)}")
    if path.parent.is_file():
        raise UserError(f"{path}: {path.parent} is a file, not a folder")
    if not path.parent.is_dir():
        raise UserError(f"{path}: folder {path.parent} does not exist")
    if path.is_dir():
        raise UserError(f"{path}: is a folder; give a file name ending in {' or '.join(suffixes)}")
    return suffix


def write_frame(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write ``frame`` to .csv (with header, no index) or .parquet, atomically via a temp file beside it."""
    path = Path(path)
    suffix = checked_output(path, WRITE_SUFFIXES)
    if suffix == ".csv":
        return atomic_write(path, lambda temporary: frame.to_csv(temporary, index=False))
    engine = _pyarrow(path)
    return atomic_write(path, lambda temporary: frame.to_parquet(temporary, engine=engine, index=False))


def read_csv(path: Path, sep: str | None = None) -> pd.DataFrame:
    """A CSV with a header row, its fields separated by ``sep`` or else by the separator detected
    (a notice names it when it is not a comma); ragged rows, bad bytes and empty files become UserErrors."""
    if path.stat().st_size == 0:
        raise UserError(f"{path}: the file is empty (0 bytes)")
    if sep is None:
        sep = detect_separator(path)
        if sep != ",":
            notice(f"{path}: fields are separated by {sep!r} (detected; give --sep to choose another)")
    try:
        with warnings.catch_warnings():
            # index_col=False stops pandas from silently turning an extra first field into the index;
            # it warns instead, and we make that warning an error.
            warnings.simplefilter("error", pd.errors.ParserWarning)
            frame = pd.read_csv(path, index_col=False, sep=sep)
            _check_header_names(path, sep)
            return frame
    except pd.errors.ParserWarning:
        raise UserError(f"{path}: line 2 has more fields than the header row (line 1)") from None
    except pd.errors.EmptyDataError:
        raise UserError(f"{path}: no header row (the file holds only blank lines)") from None
    except pd.errors.ParserError as err:
        raise UserError(f"{path}: cannot be parsed ({_parser_problem(str(err))})") from None
    except UnicodeDecodeError:
        raise UserError(f"{path}: {_undecodable(path)}") from None


def _check_header_names(path: Path, sep: str) -> None:
    """A header naming one column twice (``a,a``) or leaving a name empty (``,x``): pandas would rename them
    ``a.1`` and ``Unnamed: 0`` without a word."""
    names = pd.read_csv(path, sep=sep, header=None, nrows=1, dtype=str, keep_default_na=False).iloc[0].tolist()
    seen: dict[str, int] = {}
    for position, name in enumerate(names, start=1):
        if not name.strip():
            raise UserError(f"{path}: field {position} of the header row is empty (a saved row index?); give every "
                            "column a name, or drop that column")
        if name in seen:
            raise UserError(f"{path}: the header names column '{name}' twice (fields {seen[name]} and {position}); "
                            "rename one so every column has its own name")
        seen[name] = position


def detect_separator(path: Path) -> str:
    """The field separator of a CSV among , ; tab | (by :class:`csv.Sniffer` on its first lines); ',' when unsure."""
    with open(path, "rb") as handle:
        sample = handle.read(SNIFF_BYTES).decode("utf-8", errors="replace")
    if len(sample.encode()) >= SNIFF_BYTES and "\n" in sample:
        sample = sample[: sample.rindex("\n")]  # whole lines only
    try:
        return csv.Sniffer().sniff(sample, delimiters="".join(SEPARATORS)).delimiter
    except csv.Error:
        return ","


def _parser_problem(message: str) -> str:
    """pandas' "Expected 3 fields in line 7, saw 4" in plain words, else its first line."""
    found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", message)
    if found:
        expected, line, saw = found.groups()
        return f"line {line} has {saw} fields, the header has {expected}"
    return message.splitlines()[0] if message else "unknown parser error"


def _undecodable(path: Path) -> str:
    """Where the first non-UTF-8 byte is (pandas reports a position inside its buffer, so decode again)."""
    data = path.read_bytes()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        return f"not UTF-8 text (byte 0x{data[err.start]:02x} at position {err.start}, line {line})"
    return "not UTF-8 text"


def _pyarrow(path: Path) -> str:
    """The parquet engine name, after checking pyarrow is importable (it is an optional dependency)."""
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise UserError(f"{path}: reading or writing .parquet needs pyarrow; pip install pyarrow") from None
    return "pyarrow"


def _read_parquet(path: Path) -> pd.DataFrame:
    engine = _pyarrow(path)
    try:
        return pd.read_parquet(path, engine=engine)
    except (OSError, ValueError) as err:  # pyarrow's ArrowInvalid is a ValueError
        raise UserError(f"{path}: cannot be read as parquet ({_first_line(err)})") from None


def _read_array(path: Path) -> pd.DataFrame:
    """A .npy or one-array .npz: a numeric 2-D array (columns x0, x1, …) or a structured array."""
    array = load_array(path)
    if array.dtype.names is not None:
        return pd.DataFrame(array.reshape(-1))
    if array.dtype.kind not in "biuf":
        raise UserError(f"{path}: values must be numbers or a structured array, got dtype {array.dtype}")
    if array.ndim != 2:
        raise UserError(f"{path}: expected a 2-D array (rows × columns), got shape {array.shape}")
    return pd.DataFrame(array, columns=[f"x{i}" for i in range(array.shape[1])])


def load_array(path: Path) -> np.ndarray:
    """The array in a .npy, or the only array in a .npz, after checking its header: the size it claims must
    be in the file and fit in memory (a forged header is refused instead of allocating it). No pickles."""
    try:
        if path.suffix.lower() == ".npy":
            check_array_file(path)
            return np.load(path, allow_pickle=False)
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            if len(names) != 1:
                shown = ", ".join(name.removesuffix(".npy") for name in names)
                raise UserError(f"{path}: expected exactly one array in the .npz, found {len(names)}: {shown}")
        check_array_file(path)
        with np.load(path, allow_pickle=False) as archive:
            return archive[archive.files[0]]
    except UserError:
        raise
    except (ValueError, OSError, EOFError, zipfile.BadZipFile, MemoryError) as err:
        raise UserError(f"{path}: cannot be read ({_first_line(err)})") from None


def check_array_file(path: Path) -> None:
    """Check every array header of a .npy or .npz before anything is loaded: each array's claimed size must be
    stored in the file, and the arrays decompressed (not the compressed file) must fit in memory together."""
    if path.suffix.lower() == ".npy":
        with open(path, "rb") as handle:
            claimed = [_claimed_bytes(handle, path, path.stat().st_size)]
    else:
        with zipfile.ZipFile(path) as archive:
            claimed = []
            for member in archive.infolist():
                with archive.open(member) as handle:
                    claimed.append(_claimed_bytes(handle, path, member.file_size))
    check_fits(3 * sum(claimed), f"{path} (decompressed: {size_text(sum(claimed))})",
               "use a smaller sample of the rows")  # the arrays, their floats, their encodings


def _claimed_bytes(handle, path: Path, stored: int) -> int:
    """The bytes an array's header claims, after refusing one claiming more than is stored (truncated or forged)."""
    version = np.lib.format.read_magic(handle)
    if version == (1, 0):
        shape, _, dtype = np.lib.format.read_array_header_1_0(handle)
    elif version == (2, 0):
        shape, _, dtype = np.lib.format.read_array_header_2_0(handle)
    else:
        shape, _, dtype = np.lib.format._read_array_header(handle, version)  # 3.0: no public reader
    if dtype.hasobject:
        raise UserError(f"{path}: cannot be read (it holds Python objects, which gankit never unpickles)")
    claimed = int(np.prod(shape, dtype=object)) * dtype.itemsize
    if claimed > stored:
        raise UserError(f"{path}: cannot be read (its header claims shape {shape} of {dtype}, "
                        f"{size_text(claimed)}, but the file holds {size_text(stored)}: truncated or forged)")
    return claimed


def _checked(frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    """Reject tables without columns or with fewer than 2 rows; NaN is fine."""
    if frame.shape[1] == 0:
        raise UserError(f"{path}: the table has no columns")
    if frame.shape[0] == 0:
        raise UserError(f"{path}: the table has a header but no data rows")
    if frame.shape[0] < MIN_ROWS:
        raise UserError(f"{path}: needs at least {MIN_ROWS} rows, found {frame.shape[0]}")
    frame.columns = [str(name) for name in frame.columns]
    for name in frame.columns:
        frame[name] = _scalar_column(frame[name], path)
    return frame


def _scalar_column(column: pd.Series, path: Path) -> pd.Series:
    """One plain value per cell: bytes become text, times of day seconds since midnight; nested values
    (lists, structs, maps) and numbers too large to model are refused."""
    if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
        _check_magnitude(column, path)
        return column
    if column.dtype != object:
        return column
    values = column.dropna()
    kinds = {type(value) for value in values}
    if any(issubclass(kind, NESTED) for kind in kinds):
        raise UserError(f"{path}: column '{column.name}' holds nested values (lists, structs or maps); "
                        f"gankit needs one number, text or date per cell: flatten or drop it")
    if any(issubclass(kind, (bytes, bytearray, memoryview)) for kind in kinds):
        notice(f"{path}: column '{column.name}' holds bytes: read as UTF-8 text, and generated as text")
        return column.map(lambda v: bytes(v).decode("utf-8", "backslashreplace") if isinstance(v, (bytes, bytearray, memoryview)) else v)
    if kinds and all(issubclass(kind, datetime.time) for kind in kinds):
        notice(f"{path}: column '{column.name}' holds times of day: read as seconds since midnight (float64), and "
               "generated as such")
        return column.map(lambda v: v.hour * 3600 + v.minute * 60 + v.second + v.microsecond / 1e6 if isinstance(v, datetime.time) else np.nan)
    return column


def _check_magnitude(column: pd.Series, path: Path) -> None:
    """Refuse a number column whose values reach beyond ±MAX_MAGNITUDE (the models would see inf)."""
    values = column.to_numpy(dtype=np.float64, na_value=np.nan)
    largest = np.nanmax(np.abs(values), initial=0.0)
    if largest > MAX_MAGNITUDE:
        raise UserError(f"{path}: column '{column.name}' holds numbers as large as {largest:.3g}; numbers beyond "
                        f"±{MAX_MAGNITUDE:.0e} cannot be modelled: rescale the column (e.g. to other units)")


def _first_line(err: BaseException) -> str:
    text = str(err)
    return text.splitlines()[0] if text else type(err).__name__
