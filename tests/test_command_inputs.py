"""What the command line's options mean, checked before torch loads (runs/command_inputs.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gankit.errors import UserError
from gankit.runs.command_inputs import check_seed, eval_run, sample_folder, train_config, train_options

NO_SHORTHANDS = (None, None, None)


def test_the_shorthands_become_overrides_after_the_given_ones() -> None:
    options = train_options("tabular", ["train.epochs=3"], None, None, None, None, ("a,b", "tab", "cpu"))
    assert options.overrides == ['train.epochs=3', 'tabular.discrete=["a", "b"]', 'data.sep="\t"', 'train.device="cpu"']


def test_the_config_is_built_once_with_every_override_and_the_seed() -> None:
    options = train_options("gaussian", ["train.epochs=3"], 7, None, None, None, NO_SHORTHANDS)
    config = train_config(options)
    assert config is not None and config.train.epochs == 3 and config.seed == 7


@pytest.mark.parametrize("preset, overrides, seed, out_dir", [
    ("gaussian", [], None, None), (None, ["train.epochs=3"], None, None), (None, [], 1, None), (None, [], None, Path("x")),
])
def test_a_resume_refuses_a_new_config(tmp_path: Path, preset, overrides, seed, out_dir) -> None:
    with pytest.raises(UserError, match="continues a run with its own config"):
        train_options(preset, overrides, seed, None, tmp_path, out_dir, NO_SHORTHANDS)


def test_a_resume_refuses_a_device_and_a_new_run_needs_a_preset(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="--device applies to new runs"):
        train_options(None, [], None, None, tmp_path, None, (None, None, "cpu"))
    with pytest.raises(UserError, match="give a preset"):
        train_options(None, [], None, None, None, None, NO_SHORTHANDS)


def test_a_resume_has_no_new_config(tmp_path: Path) -> None:
    options = train_options(None, [], None, None, tmp_path, None, NO_SHORTHANDS)
    assert train_config(options) is None and options.resume == tmp_path


@pytest.mark.parametrize("seed, ok", [(0, True), (2**32 - 1, True), (-1, False), (2**32, False), (None, True)])
def test_seeds_numpy_accepts(seed, ok) -> None:
    if ok:
        check_seed(seed)
    else:
        with pytest.raises(UserError, match="--seed must be between 0 and"):
            check_seed(seed)


def test_sample_refuses_a_taken_output_unless_forced(tmp_path: Path) -> None:
    taken = tmp_path / "taken.csv"
    taken.write_text("a\n1\n")
    with pytest.raises(UserError, match="already exists; give --force"):
        sample_folder(tmp_path / "run", taken, False, None)
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "state.json").write_text("{}")  # a checkpoint folder given directly
    assert sample_folder(tmp_path / "run", taken, True, None) == tmp_path / "run"
    assert taken.read_text() == "a\n1\n"  # checking never touches the file


@pytest.mark.parametrize("n", [19, 5001])
def test_eval_refuses_a_sample_size_out_of_range(tmp_path: Path, n: int) -> None:
    with pytest.raises(UserError, match="-n must be between 20 and 5000"):
        eval_run(tmp_path, n, None, None)
