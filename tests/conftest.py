"""Shared helpers: run the CLI in-process and capture what a user would see."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from gankit.cli import run


@dataclass
class CliResult:
    code: int
    stdout: str
    stderr: str


@pytest.fixture
def cli(capsys):
    """``cli("train", "d2l-gaussian", ...)`` → exit code, stdout and stderr."""

    def invoke(*args: str) -> CliResult:
        code = run(list(args))
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return invoke


SHORT = ["--set", "train.epochs=2", "--set", "eval.permutations=49", "--quiet"]
