"""Status lines: every slow phase is announced, the epoch bar only after the data
checks, and GAN.fit shows a bar in a notebook unless verbose=False."""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np

from gankit import GAN
from gankit.cli import run
from gankit.status import ProgressLines, _Silent, phase, progress_display, show_phases

FAST = ["--set", "train.epochs=2", "--set", "eval.permutations=19", "--set", "eval.n=100"]


class Recorder:
    """A sink that remembers the phases in the order they started."""

    def __init__(self) -> None:
        self.started: list[str] = []

    @contextmanager
    def __call__(self, text, total=None, unit=""):
        self.started.append(text)
        yield _Silent()


def test_a_training_job_announces_each_phase(tmp_path, monkeypatch):
    recorder = Recorder()
    monkeypatch.setattr("gankit.cli.showing_phases", lambda quiet: show_phases(recorder))
    assert run(["train", "d2l-gaussian", *FAST, "--out", str(tmp_path / "r")]) == 0
    names = [text.split(":")[0].split(" ")[0] for text in recorder.started]
    assert names == ["loading", "training", "writing", "evaluating", "drawing"]


def test_the_epoch_bar_comes_only_after_the_data_checks(tmp_path, monkeypatch):
    recorder = Recorder()
    monkeypatch.setattr("gankit.cli.showing_phases", lambda quiet: show_phases(recorder))
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n3,nan\n" * 10)
    assert run(["train", "d2l-gaussian", "--data", str(bad), "--out", str(tmp_path / "r")]) == 2
    assert recorder.started == [f"loading {bad}"]  # no training bar before the error


def test_gan_fit_shows_a_bar_unless_told_not_to(capsys):
    rows = np.random.default_rng(0).normal(size=(64, 2))
    GAN("d2l-gaussian", overrides=["train.epochs=3"]).fit(rows)
    shown = capsys.readouterr().err
    assert "training" in shown and "3/3 epochs" in shown and "d_loss" in shown
    GAN("d2l-gaussian", overrides=["train.epochs=3"]).fit(rows, verbose=False)
    assert capsys.readouterr().err == ""


def test_brief_uncounted_phases_leave_no_line(capsys):
    from rich.console import Console

    console = Console(file=None, force_terminal=False, width=100)
    with progress_display(console) as progress, show_phases(ProgressLines(progress)):
        with phase("instant"):
            pass
        with phase("counted", total=2, unit="steps") as bar:
            bar.advance(2)
        kept = [task.description for task in progress.tasks]
    assert kept == ["counted"]


def test_a_slow_phase_refused_on_bad_input_leaves_no_line(monkeypatch):
    """On a loaded machine loading can outlast the brief threshold; its error must still be the only line."""
    from rich.console import Console

    from gankit.errors import UserError

    monkeypatch.setattr("gankit.status.BRIEF_SECONDS", -1.0)  # every phase counts as slow
    console = Console(file=None, force_terminal=False, width=100)
    with progress_display(console) as progress, show_phases(ProgressLines(progress)):
        with phase("slow but fine"):
            pass
        try:
            with phase("loading bad.csv"):
                raise UserError("bad.csv: fewer than one batch")
        except UserError:
            pass
        kept = [task.description for task in progress.tasks]
    assert kept == ["slow but fine"]


def test_notices_wait_for_the_inputs_checks_and_vanish_when_they_fail(capsys):
    from gankit.errors import UserError
    from gankit.status import holding_notices, notice, release_notices

    try:
        with holding_notices():
            notice("fields are separated by ';'")
            raise UserError("column 'a' is not numeric")
    except UserError:
        pass
    assert capsys.readouterr().err == ""  # the error line stands alone
    with holding_notices():
        notice("first")
        assert capsys.readouterr().err == ""  # held while the inputs are checked
        release_notices()
        assert capsys.readouterr().err == "notice: first\n"
        notice("second")  # the run is under way: printed at once
        assert capsys.readouterr().err == "notice: second\n"
    notice("outside any command")
    assert capsys.readouterr().err == "notice: outside any command\n"
