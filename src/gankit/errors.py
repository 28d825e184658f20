"""The one exception type that means "the user asked for something we cannot do".

The CLI turns a :class:`UserError` into a single line on stderr and exit status 2;
anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import difflib
from typing import Iterable


class UserError(ValueError):
    """Bad input from the user: a config key, a data file, a run directory.

    The message must fit on one line and name the offending thing (file, column,
    key) and, where there is a fixed set, the allowed values.
    """

    exit_code = 2


class TrainingDiverged(RuntimeError):
    """Losses or weights became non-finite and rolling back did not help (exit status 3)."""

    exit_code = 3


class StopRequested(Exception):
    """SIGINT or SIGTERM asked the run to stop; a checkpoint was written (exit status 128 + signal)."""

    def __init__(self, signum: int, message: str = "") -> None:
        super().__init__(message)
        self.signum = signum
        self.exit_code = 128 + signum


class PeerLost(RuntimeError):
    """Another rank of a distributed run died or stopped answering; this rank stops too (exit status 4)."""

    exit_code = 4


def closest_name(word: str, choices: Iterable[str]) -> str | None:
    """The one of ``choices`` closest to a mistyped ``word`` (difflib, ratio ≥ 0.6), for "did you mean …?"."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return close[0] if close else None
