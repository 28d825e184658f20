"""Hostile but legal inputs (issue 17): each works, or is refused in one line before training starts."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gankit.data.frame_io import detect_separator, read_frame
from gankit.metrics.table_privacy import copy_warning, privacy_check

TABLE = ["--set", "train.epochs=1", "--set", "eval.permutations=19", "--set", "eval.n=40", "--quiet"]


def _two_columns(path: Path, sep: str = ",") -> Path:
    lines = [f"a{sep}b"] + [f"{i * .3:.2f}{sep}{i * 7 % 13}.5" for i in range(40)]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_two_column_table_trains_evaluates_and_resumes(cli, tmp_path):
    data = _two_columns(tmp_path / "t.csv")
    result = cli("train", "tabular", "--data", str(data), "--out", str(tmp_path / "run"), *TABLE)
    assert result.code == 0, result.stderr
    assert (tmp_path / "run" / "eval.json").is_file() and not (tmp_path / "run" / "plots" / "frames").exists()
    assert cli("train", "--resume", str(tmp_path / "run"), "--quiet").code == 0


@pytest.mark.parametrize("sep", [";", "\t", "|", ","])
def test_the_separator_is_detected(tmp_path, sep, capsys):
    path = _two_columns(tmp_path / "t.csv", sep)
    assert detect_separator(path) == sep
    frame = read_frame(path)
    assert list(frame.columns) == ["a", "b"] and len(frame) == 40
    notice = capsys.readouterr().err
    assert (repr(sep) in notice) == (sep != ",")


def test_sep_overrides_detection_and_is_kept_in_the_config(cli, tmp_path):
    data = tmp_path / "t.csv"
    data.write_text("a;b,c\n" + "".join(f"{i};{i % 3},{i % 5}\n" for i in range(40)))
    result = cli("train", "tabular", "--data", str(data), "--sep", ",", "--dry-run")
    assert result.code == 0 and 'sep = ","' in result.stdout
    assert cli("train", "tabular", "--data", str(data), "--sep", "::", "--dry-run").code == 2


def test_a_path_with_quotes_tabs_and_backslashes_survives_into_the_config(cli, tmp_path):
    folder = tmp_path / 'we"ird\tna\\me'
    folder.mkdir()
    data = _two_columns(folder / "t.csv")
    result = cli("train", "tabular", "--data", str(data), "--dry-run")
    import tomllib
    assert tomllib.loads(result.stdout)["data"]["path"] == str(data)


def test_the_privacy_check_flags_copies_beyond_chance_only():
    rng = np.random.default_rng(0)
    real = pd.DataFrame({"x": rng.normal(size=400), "c": rng.choice(list("abc"), 400)})
    kinds = {"x": "numerical", "c": "categorical"}
    copied = real.sample(200, random_state=1).reset_index(drop=True)
    fresh = pd.DataFrame({"x": rng.normal(size=200), "c": rng.choice(list("abc"), 200)})
    flagged, clean = privacy_check(real, copied, kinds, seed=0), privacy_check(real, fresh, kinds, seed=0)
    assert flagged["copies_beyond_chance"] and 0.3 < flagged["exact_copy_share"] < 0.7  # about half are copies of A
    assert flagged["median_dcr_fake"] < flagged["median_dcr_holdout"]
    assert not clean["copies_beyond_chance"] and clean["exact_copy_share"] == 0 and copy_warning(clean) is None
    assert "exact copies" in copy_warning(flagged)


def test_chance_copies_of_a_few_valued_table_are_not_flagged():
    """Two categories of two values: real rows coincide all the time, so a fresh sample must not be flagged."""
    rng = np.random.default_rng(1)
    draw = lambda n: pd.DataFrame({"p": rng.choice(["u", "v"], n), "q": rng.choice(["s", "t"], n)})  # noqa: E731
    check = privacy_check(draw(300), draw(300), {"p": "categorical", "q": "categorical"}, seed=0)
    assert check["exact_copy_share"] == 1.0 and check["holdout_copy_share"] == 1.0
    assert not check["copies_beyond_chance"]
