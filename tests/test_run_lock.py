"""The run-directory lock: one writer at a time, the second told who holds it, nothing stale after SIGKILL."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gankit.errors import UserError
from gankit.runs.directory import LOCK, locked

HOLD = "import sys, time; from pathlib import Path; from gankit.runs.directory import locked\n" \
       "with locked(Path(sys.argv[1])):\n    print('held', flush=True); time.sleep(60)\n"


def _holder(folder: Path) -> subprocess.Popen:
    """Another process holding ``folder``'s lock (until killed)."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1] / "src")}
    process = subprocess.Popen([sys.executable, "-c", HOLD, str(folder)], stdout=subprocess.PIPE, text=True, env=env)
    assert process.stdout.readline().strip() == "held"
    return process


def test_a_second_writer_is_refused_with_the_holders_pid_and_sigkill_leaves_no_stale_lock(tmp_path, cli):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    holder = _holder(run_dir)
    try:
        result = cli("train", "--resume", str(run_dir), "--quiet")
        assert result.code == 2
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and f"PID {holder.pid}" in lines[0], result.stderr
        with pytest.raises(UserError, match=f"PID {holder.pid}"):
            with locked(run_dir):
                pass
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    assert (run_dir / LOCK).is_file()  # the file stays; the kernel dropped the lock with the process
    with locked(run_dir):
        assert (run_dir / LOCK).read_text().strip() == str(os.getpid())
    assert not (run_dir / LOCK).exists()  # a writer that ends normally removes it


def test_nested_locks_of_one_directory_in_one_process_are_fine(tmp_path):
    with locked(tmp_path):
        with locked(tmp_path):
            pass
        with locked(tmp_path / "."):
            pass


def test_resume_of_a_run_being_trained_is_refused(tmp_path, cli):
    """A real training process holds the lock for its whole run; --resume meanwhile gets one line, exit 2."""
    out = tmp_path / "run"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1] / "src")}
    trainer = subprocess.Popen([sys.executable, "-m", "gankit", "train", "d2l-gaussian", "--set", "train.epochs=100000",
                                "--set", "data.n=64", "--set", "checkpoint.every_epochs=0", "--quiet", "--out", str(out)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    try:
        deadline = time.time() + 120
        while not (out / "checkpoints").is_dir() and time.time() < deadline and trainer.poll() is None:
            time.sleep(0.05)
        result = cli("train", "--resume", str(out), "--quiet")
        assert result.code == 2 and f"PID {trainer.pid}" in result.stderr, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    finally:
        trainer.send_signal(signal.SIGKILL)
        trainer.wait()
