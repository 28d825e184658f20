"""The bad-input corpus (tests/bad_inputs/cases.json) and property-based tests of the loaders.

Every malformed input must give exit status 2 and one line naming the problem, never a traceback.
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays, scalar_dtypes

from gankit.data import as_rows, read_rows
from gankit.errors import UserError

CORPUS = Path(__file__).parent / "bad_inputs"
CASES = json.loads((CORPUS / "cases.json").read_text())


def test_the_corpus_is_large_and_varied():
    kinds = {Path(case["file"]).suffix or "checkpoint" for case in CASES}
    assert len(CASES) >= 30
    assert {".toml", ".csv", ".npy", ".npz", ".png", ".jpg", "checkpoint"} <= kinds


@pytest.mark.parametrize("case", CASES, ids=[case["file"] for case in CASES])
def test_bad_input_gives_one_line_and_exit_2(case, cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    args = [part.replace("{file}", str(CORPUS / case["file"])).replace("{tmp}", str(tmp_path)) for part in case["command"]]
    result = cli(*args)
    assert result.code == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in result.stderr
    assert case["message"] in lines[0]
    assert not (tmp_path / "runs").exists() and not (tmp_path / "out.csv").exists()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(arrays(dtype=scalar_dtypes(), shape=array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=5)))
def test_any_array_is_a_table_or_a_user_error(array):
    try:
        table = as_rows(array)
    except UserError:
        return
    assert table.values.ndim == 2 and np.isfinite(table.values).all() and table.values.dtype == np.float32


cell = st.one_of(st.integers(-10**6, 10**6), st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=5),
                 st.booleans(), st.none())


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(cell, min_size=3, max_size=3), min_size=0, max_size=6))
def test_any_frame_is_a_table_or_a_user_error(rows):
    try:
        frame = pd.DataFrame(rows)
        frame.columns = [str(c) for c in frame.columns]
    except (ValueError, TypeError):
        return  # pandas itself refuses to build it
    try:
        as_rows(frame)
    except UserError:
        pass


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=st.binary(max_size=300), suffix=st.sampled_from([".csv", ".npy", ".npz"]))
def test_any_file_bytes_read_as_a_table_or_a_user_error(tmp_path, content, suffix):
    path = tmp_path / f"data{suffix}"
    path.write_bytes(content)
    try:
        read_rows(path)
    except UserError as problem:
        assert "\n" not in str(problem)
