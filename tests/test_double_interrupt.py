"""A second Ctrl-C is queued until the stop checkpoint is written."""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gankit import GAN
from gankit.runs.checkpoint_schedule import latest_checkpoint, step_checkpoints

LONG = ["train", "d2l-gaussian", "--set", "train.epochs=100000", "--set", "data.n=400", "--set", "checkpoint.every_epochs=0",
        "--quiet"]


@pytest.mark.parametrize("gap", [0.0, 0.003, 0.05])
def test_double_ctrl_c_writes_the_stop_checkpoint_and_exits_cleanly(tmp_path, gap):
    out = tmp_path / "run"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1] / "src")}
    process = subprocess.Popen([sys.executable, "-m", "gankit", *LONG, "--out", str(out)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True, env=env)
    deadline = time.time() + 120
    while not step_checkpoints(out) and time.time() < deadline:  # step 0 is written just before the loop
        time.sleep(0.02)
    time.sleep(0.3)
    process.send_signal(signal.SIGINT)
    time.sleep(gap)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr and "checkpoint written" in stderr
    step = int(re.search(r"after step (\d+)", stderr).group(1))
    checkpoint = latest_checkpoint(out)
    assert checkpoint.name == f"step-{step:09d}" and step > 0
    assert GAN.load(checkpoint).state.step == step
