"""A full disk during a run : one line, no temp files, the last good checkpoint loadable.

Runs on a small tmpfs (root can mount one; the test is skipped where mounting fails).
"""

import subprocess
from pathlib import Path

import pytest

from gankit import GAN
from gankit.runs.checkpoint_schedule import latest_checkpoint


@pytest.fixture
def small_disk(tmp_path):
    folder = tmp_path / "disk"
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=160k", "tmpfs", str(folder)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({mounted.stderr.decode().strip()[:80]})")
    yield folder
    subprocess.run(["umount", str(folder)], check=False)


def test_a_full_disk_mid_run_is_one_line_and_leaves_a_loadable_checkpoint(cli, small_disk):
    out = small_disk / "run"
    result = cli("train", "d2l-gaussian", "--set", "train.epochs=40", "--set", "data.n=200",
                 "--set", "checkpoint.every_steps=5", "--set", "eval.permutations=19", "--quiet", "--out", str(out))
    assert result.code == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: no space left on") and "Traceback" not in result.stderr
    assert f"gankit train --resume {out}" in lines[0]
    assert not [p for p in out.rglob("*") if ".tmp" in p.name], "temporary files left behind"
    good = latest_checkpoint(out)
    assert good is not None and f"up to step {int(good.name.removeprefix('step-'))}" in lines[0]
    assert GAN.load(good).state.step == int(good.name.removeprefix("step-"))


def test_sample_to_a_full_disk_is_one_line_and_leaves_nothing(cli, small_disk, tmp_path):
    run_dir = tmp_path / "run"
    assert cli("train", "d2l-gaussian", "--set", "train.epochs=1", "--set", "eval.permutations=19", "--quiet",
               "--out", str(run_dir)).code == 0
    result = cli("sample", str(run_dir), "-n", "50000", "-o", str(small_disk / "s.csv"))
    assert result.code == 2 and "no space left on" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert list(Path(small_disk).iterdir()) == []
