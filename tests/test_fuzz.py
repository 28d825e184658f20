"""Fuzzing: random CSV/Parquet/NPY/TOML files either work or give one line, and touch nothing else.

The loaders are driven in-process (fast, so a few hundred examples fit in CI); a
smaller number of examples go through the whole ``gankit train`` command, checking
that it exits 0 with a complete run or 2 with a single ``error:`` line (no ``notice:``
line before it: notices about an input wait until it has passed its checks), that nothing is written outside the run directory, and that an
earlier run is left untouched. ``bench/fuzz.py`` runs many more examples.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fuzz_inputs import array_files, csv_files, numeric_csv_files, parquet_files, toml_files
from gankit.cli import run
from gankit.config import load_config
from gankit.data import read_rows
from gankit.data.frame_io import read_frame
from gankit.errors import UserError

LOADER_EXAMPLES = int(os.environ.get("GANKIT_FUZZ_EXAMPLES", 150))  # bench/fuzz.py sets these higher
TRAIN_EXAMPLES = int(os.environ.get("GANKIT_FUZZ_TRAIN_EXAMPLES", 14))
RANDOM = "GANKIT_FUZZ_EXAMPLES" in os.environ  # CI: the same fixed examples every run; bench: new ones


def fast(examples: int) -> settings:
    """No deadline, no health checks; derandomized in CI so every run checks the same examples."""
    return settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck),
                    derandomize=not RANDOM, database=None)
TINY = ["--set", "train.epochs=1", "--set", "eval.permutations=19", "--set", "eval.n=20", "--set", "train.batch_size=4",
        "--quiet"]


def _one_line(problem: UserError) -> None:
    text = str(problem)
    assert text.strip() and "\n" not in text and "Traceback" not in text, repr(text)


def _loads_or_one_line(load, path: Path) -> None:
    try:
        load(path)
    except UserError as problem:
        _one_line(problem)


@fast(LOADER_EXAMPLES)
@given(file=st.one_of(csv_files(), parquet_files(), array_files()))
def test_any_table_file_is_read_or_refused_in_one_line(tmp_path_factory, file):
    suffix, data = file
    path = tmp_path_factory.mktemp("t") / f"data{suffix}"
    path.write_bytes(data)
    _loads_or_one_line(read_frame, path)
    if suffix != ".parquet":
        _loads_or_one_line(read_rows, path)


@fast(LOADER_EXAMPLES)
@given(file=toml_files())
def test_any_toml_file_is_a_config_or_one_line(tmp_path_factory, file):
    path = tmp_path_factory.mktemp("c") / "config.toml"
    path.write_bytes(file[1])
    _loads_or_one_line(load_config, path)


def _fingerprint(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() + str(p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def earlier_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("earlier") / "run"
    assert run(["train", "d2l-gaussian", "--set", "data.n=32", *TINY, "--out", str(out)]) == 0
    return out, _fingerprint(out)


def _check_contract(code: int, stderr: str, work: Path, run_dir: Path, data: Path) -> None:
    """Exit 0 and a complete run, or exit 2 and one error line; nothing but the run directory written."""
    assert code in (0, 2), stderr
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    if code == 0:
        assert (run_dir / "checkpoints" / "final" / "state.json").is_file() and (run_dir / "eval.json").is_file()
        assert not list(run_dir.rglob(".*tmp*")), "temporary files left behind"
    else:
        assert len(lines) == 1 and lines[0].startswith("error: "), stderr
    assert {p.name for p in work.iterdir()} <= {data.name, run_dir.name}


@fast(TRAIN_EXAMPLES)
@given(file=st.one_of(numeric_csv_files(), numeric_csv_files(), csv_files(), array_files()),
       preset=st.sampled_from(["d2l-gaussian", "tabular"]))
def test_train_on_any_file_completes_or_refuses_in_one_line(tmp_path_factory, capsys, monkeypatch, earlier_run,
                                                            file, preset):
    work = tmp_path_factory.mktemp("w")
    monkeypatch.chdir(work)
    suffix, data = file
    path = work / f"data{suffix}"
    path.write_bytes(data)
    run_dir = work / "run"
    capsys.readouterr()
    code = run(["train", preset, "--data", str(path), *TINY, "--out", str(run_dir)])
    _check_contract(code, capsys.readouterr().err, work, run_dir, path)
    folder, before = earlier_run
    assert _fingerprint(folder) == before


# ------------------------------------------------------------------ damaged run-folder files

RUN_FOLDER_EXAMPLES = int(os.environ.get("GANKIT_FUZZ_RUN_FOLDER_EXAMPLES", 120))  # bench/fuzz.py: 10,000+


@pytest.fixture(scope="module")
def run_folders(tmp_path_factory):
    """runs/0001-work (damaged one file at a time) beside runs/0002-good, and the pristine bytes of the first."""
    root = tmp_path_factory.mktemp("folders") / "runs"
    for name in ("0001-work", "0002-good"):
        assert run(["train", "d2l-gaussian", "--set", "data.n=32", *TINY, "--out", str(root / name)]) == 0
    return root


def _read_run_folder_like_the_commands(root: Path, name: str) -> None:
    """What runs, report, compare, view, sample and eval read of a run folder, in-process."""
    from gankit import GAN
    from gankit.report.html_report import compare_rows, run_page
    from gankit.runs.listing import list_runs
    from gankit.view.replay import replay

    work, good = root / "0001-work", root / "0002-good"
    listed = list_runs(root)
    assert [info.path.name for info in listed] == ["0001-work", "0002-good"]  # the others are still listed
    if name.startswith("checkpoints/"):
        _loads_or_one_line(GAN.load, work / "checkpoints" / "final")
        return
    for read in (run_page, lambda folder: compare_rows([folder, good]), replay):
        _loads_or_one_line(read, work)


@fast(RUN_FOLDER_EXAMPLES)
@given(data=st.data())
def test_any_damaged_run_folder_file_is_read_or_refused_in_one_line(run_folders, data):
    from fuzz_run_folders import run_folder_mutations

    work = run_folders / "0001-work"
    name, content = data.draw(run_folder_mutations(work))
    original = (work / name).read_bytes()
    (work / name).write_bytes(content)
    try:
        _read_run_folder_like_the_commands(run_folders, name)
    finally:
        (work / name).write_bytes(original)
