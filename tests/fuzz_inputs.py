"""Hypothesis strategies for hostile input files, shared by tests/test_fuzz.py and bench/fuzz.py.

Each strategy draws a ``(suffix, bytes)`` pair: CSV text in several encodings and
delimiters with NaN/inf, huge and tiny numbers, unicode names and ragged or truncated
lines; Parquet tables of many dtypes; .npy/.npz arrays with odd shapes, dtypes and
damaged headers; TOML documents mixing real config keys with wrong values.
"""

from __future__ import annotations

import io
import math

import numpy as np
import pandas as pd
from hypothesis import strategies as st

NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 1e308, -1e308, 5e-324, 1e-300, 3.5e38, 1e100, 2.0**63, -(2.0**63)]),
    st.integers(-(2**70), 2**70),
)
TEXT = st.text(max_size=8)
CELL = st.one_of(NUMBERS.map(str), TEXT, st.just(""), st.sampled_from(["NaN", "inf", "-inf", "null", "2020-01-0", "TRUE"]))
NAME = st.text(min_size=0, max_size=6)


@st.composite
def csv_files(draw) -> tuple[str, bytes]:
    """A CSV file: header of unicode names, rows of cells, one delimiter, one encoding, maybe cut short."""
    width = draw(st.integers(1, 5))
    sep = draw(st.sampled_from([",", ";", "\t", "|", " "]))
    header = draw(st.lists(NAME, min_size=width, max_size=width))
    rows = draw(st.lists(st.lists(CELL, min_size=max(width - 1, 1), max_size=width + 1), max_size=25))
    text = "\n".join(sep.join(line) for line in [header, *rows]) + draw(st.sampled_from(["\n", "", "\r\n"]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "latin-1", "utf-16"]))
    data = text.encode(encoding, errors="replace")
    cut = draw(st.one_of(st.none(), st.integers(0, len(data))))
    return ".csv", data if cut is None else data[:cut]


@st.composite
def numeric_csv_files(draw) -> tuple[str, bytes]:
    """A well-formed numeric CSV (many of these train): 2–3 columns, 8–40 rows, values that may be extreme."""
    width = draw(st.integers(2, 3))
    n = draw(st.integers(8, 40))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    values = rng.normal(size=(n, width)) * draw(st.sampled_from([1.0, 1e-30, 1e30, 1e200]))
    if draw(st.booleans()):
        values[rng.integers(n), rng.integers(width)] = draw(NUMBERS.map(float))
    frame = pd.DataFrame(values, columns=draw(st.lists(NAME, min_size=width, max_size=width, unique=True)))
    return ".csv", frame.to_csv(index=False, sep=draw(st.sampled_from([",", ";"]))).encode()


DTYPES = st.sampled_from(["float64", "float32", "float16", "int8", "int64", "uint64", "bool", "object", "str", "bytes",
                          "datetime", "category", "list", "nullable_int"])


@st.composite
def parquet_files(draw) -> tuple[str, bytes]:
    """A Parquet table of 0–40 rows whose columns take many dtypes (lists and bytes included)."""
    n = draw(st.integers(0, 40))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    columns = {}
    for index in range(draw(st.integers(1, 4))):
        kind = draw(DTYPES)
        base = rng.normal(size=n) * draw(st.sampled_from([1.0, 1e150, 1e-150]))
        columns[f"{draw(NAME)}{index}"] = {
            "float64": lambda: base, "float32": lambda: base.astype(np.float32), "float16": lambda: base.astype(np.float16),
            "int8": lambda: rng.integers(-128, 127, n).astype(np.int8), "int64": lambda: rng.integers(-2**62, 2**62, n),
            "uint64": lambda: rng.integers(0, 2**63, n).astype(np.uint64) * np.uint64(2),
            "bool": lambda: rng.random(n) < 0.5, "object": lambda: pd.Series([draw(CELL) for _ in range(n)], dtype=object),
            "str": lambda: [f"v{i % 3}" for i in range(n)], "bytes": lambda: [bytes([i % 256]) for i in range(n)],
            "datetime": lambda: pd.to_datetime(rng.integers(0, 2**33, n), unit="s"),
            "category": lambda: pd.Categorical([f"c{i % 4}" for i in range(n)]),
            "list": lambda: [[i, i + 1] for i in range(n)],
            "nullable_int": lambda: pd.array([None if i % 5 == 0 else i for i in range(n)], dtype="Int64"),
        }[kind]()
    buffer = io.BytesIO()
    try:
        pd.DataFrame(columns).to_parquet(buffer, index=False)
    except Exception:  # noqa: BLE001 - pyarrow refuses some mixes; then write garbage bytes instead
        return ".parquet", b"PAR1" + bytes(draw(st.binary(max_size=40)))
    data = buffer.getvalue()
    cut = draw(st.one_of(st.none(), st.none(), st.integers(0, len(data))))
    return ".parquet", data if cut is None else data[:cut]


@st.composite
def array_files(draw) -> tuple[str, bytes]:
    """An .npy or .npz: shapes of 0–3 dims, many dtypes, NaN/inf and huge values, a header maybe forged."""
    shape = tuple(draw(st.lists(st.integers(0, 12), min_size=0, max_size=3)))
    dtype = draw(st.sampled_from(["float64", "float32", "int64", "uint8", "bool", "complex64", "U3"]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    array = (rng.normal(size=shape) * draw(st.sampled_from([1.0, 1e300]))).astype(dtype) if dtype != "U3" \
        else np.full(shape, "ab")
    if array.size and dtype.startswith("float") and draw(st.booleans()):
        array.flat[0] = draw(st.sampled_from([math.nan, math.inf, -math.inf]))
    buffer = io.BytesIO()
    np.save(buffer, array)
    data = buffer.getvalue()
    if draw(st.booleans()):
        data = data.replace(str(shape).encode(), str(tuple(s * 10**8 + 1 for s in shape)).encode(), 1)
    cut = draw(st.one_of(st.none(), st.none(), st.integers(0, len(data))))
    data = data if cut is None else data[:cut]
    if draw(st.booleans()):
        return ".npy", data
    import zipfile

    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as archive:
        for index in range(draw(st.integers(0, 2))):
            archive.writestr(f"arr_{index}.npy", data)
    return ".npz", zipped.getvalue()


KEYS = ["seed", "name", "data.source", "data.n", "data.path", "data.sep", "data.modes", "data.A", "model.kind",
        "model.pack", "model.latent_dim", "model.generator.hidden", "train.epochs", "train.batch_size",
        "train.d_optimizer.lr", "train.objective", "eval.alpha", "eval.n", "checkpoint.keep", "nosuch.key"]
VALUES = st.one_of(NUMBERS, TEXT, st.booleans(), st.lists(st.integers(-5, 10**6), max_size=3),
                   st.sampled_from(["ring", "file", "tabular", "mlp", "wgan", "[[[[", "\x00"]))


@st.composite
def toml_files(draw) -> tuple[str, bytes]:
    """A TOML config: real and unknown keys with values of any type, maybe in another encoding or cut short."""
    import tomli_w

    document: dict = {}
    for key in draw(st.lists(st.sampled_from(KEYS), max_size=5)):
        *sections, leaf = key.split(".")
        node = document
        for section in sections:
            node = node.setdefault(section, {}) if isinstance(node.get(section, {}), dict) else {}
        value = draw(VALUES)
        node[leaf] = value if not (isinstance(value, float) and math.isnan(value)) else 0.5
    try:
        text = tomli_w.dumps(document)
    except (TypeError, ValueError):
        text = "a = 1\n"
    text += draw(st.sampled_from(["", "# comment é\n", "a = [" * 200 + "\n", "[train\n", "x = 1\nx = 2\n"]))
    data = text.encode(draw(st.sampled_from(["utf-8", "utf-8", "latin-1", "utf-16"])), errors="replace")
    cut = draw(st.one_of(st.none(), st.none(), st.integers(0, len(data))))
    return ".toml", data if cut is None else data[:cut]
