"""Data loading and validation: every problem is one line naming the file and column."""

import numpy as np
import pandas as pd
import pytest
import torch

from gankit.data import Scaler, as_rows, read_rows, write_rows
from gankit.config import DataConfig
from gankit.data.toy import AffineGaussian, toy_rows
from gankit.errors import UserError


def test_accepts_arrays_tensors_and_frames():
    values = np.arange(6, dtype=np.float64).reshape(3, 2)
    assert as_rows(values).columns == ["x0", "x1"]
    assert as_rows(torch.from_numpy(values)).values.dtype == np.float32
    frame = pd.DataFrame({"a": [1, 2, 3], "b": [0.5, 1.5, 2.5]})
    assert as_rows(frame).columns == ["a", "b"]


@pytest.mark.parametrize(
    "data, message",
    [
        (np.array([[1.0, np.nan], [2.0, 3.0]]), "first NaN at row 0, column 'x1'"),
        (np.array([[1.0, 2.0], [np.inf, 3.0]]), "first inf at row 1, column 'x0'"),
        (np.zeros((2, 2, 2)), "expected a 2-D table"),
        (np.zeros(5), "expected a 2-D table"),
        (np.zeros((0, 2)), "empty"),
        (np.array([["a", "b"]]), "values must be numbers"),
        (pd.DataFrame({"a": [1.0], "name": ["x"]}), "column 'name' is not numeric"),
    ],
)
def test_bad_tables(data, message):
    with pytest.raises(UserError, match=message):
        as_rows(data)


def test_files_round_trip(tmp_path):
    values = np.random.default_rng(0).normal(size=(10, 3)).astype(np.float32)
    for name in ("t.csv", "t.npy"):
        path = write_rows(values, ["a", "b", "c"], tmp_path / name)
        table = read_rows(path)
        np.testing.assert_allclose(table.values, values, rtol=1e-6)
    np.savez(tmp_path / "t.npz", rows=values)
    assert read_rows(tmp_path / "t.npz").n_rows == 10
    assert read_rows(tmp_path / "t.csv").columns == ["a", "b", "c"]


def test_bad_files(tmp_path):
    with pytest.raises(UserError, match="data file not found"):
        read_rows(tmp_path / "missing.csv")
    (tmp_path / "t.txt").write_text("1,2")
    with pytest.raises(UserError, match="unsupported file type '.txt'"):
        read_rows(tmp_path / "t.txt")
    (tmp_path / "bad.npy").write_bytes(b"not numpy")
    with pytest.raises(UserError, match="bad.npy: cannot be read"):
        read_rows(tmp_path / "bad.npy")
    (tmp_path / "words.csv").write_text("a,b\n1,x\n2,y\n")
    with pytest.raises(UserError, match="column 'b' is not numeric"):
        read_rows(tmp_path / "words.csv")
    np.save(tmp_path / "objects.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(UserError, match="objects.npy: cannot be read"):
        read_rows(tmp_path / "objects.npy")


def test_gaussian_data_has_the_chapter_moments():
    mean, cov = AffineGaussian(np.array([[1.0, 2.0], [-0.1, 0.5]]), np.array([1.0, 2.0])).truth()
    np.testing.assert_allclose(cov, [[1.01, 1.95], [1.95, 4.25]])
    table = toy_rows(DataConfig(n=200_000), seed=0)
    np.testing.assert_allclose(table.values.mean(0), mean, atol=0.02)
    np.testing.assert_allclose(np.cov(table.values, rowvar=False), cov, atol=0.05)


@pytest.mark.parametrize("kind", ["none", "standardize", "whiten"])
def test_scalers_invert(kind):
    values = toy_rows(DataConfig(n=500), seed=1).values
    scaler = Scaler.fit(values, kind)
    np.testing.assert_allclose(scaler.inverse(scaler.transform(values)), values, atol=1e-4)


def test_whitening_gives_identity_covariance():
    values = toy_rows(DataConfig(n=500), seed=1).values
    white = Scaler.fit(values, "whiten").transform(values)
    np.testing.assert_allclose(np.cov(white, rowvar=False), np.eye(2), atol=1e-4)
    np.testing.assert_allclose(white.mean(0), 0, atol=1e-5)
