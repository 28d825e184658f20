"""Clean stops: SIGINT/SIGTERM are noted, the current step finishes, then the run checkpoints and exits.

Every further SIGINT/SIGTERM while the stop is pending is queued, not obeyed: the
stop checkpoint is always written first (a second Ctrl-C used to kill the process
mid-write, or leave a chained traceback). The first repeat says so on stderr;
SIGQUIT (Ctrl-\\) or SIGKILL still end the process at once.
"""

from __future__ import annotations

import os
import signal
import threading
from types import FrameType

PENDING = (b"\nstopping: finishing this step and writing the stop checkpoint; further Ctrl-C waits for it "
           b"(Ctrl-\\ quits at once, without a checkpoint)\n")


class SignalCatcher:
    """Context manager recording SIGINT/SIGTERM instead of dying mid-step; ``received`` is the first one."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self) -> None:
        self.received: int | None = None
        self.repeats = 0  # signals queued behind the first
        self._previous: dict[int, object] = {}

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.received is None:
            self.received = signum
            return
        self.repeats += 1
        if self.repeats == 1 and self._previous:  # still stopping (afterwards the process is just exiting)
            os.write(2, PENDING)  # async-signal-safe, unlike print

    def __enter__(self) -> "SignalCatcher":
        if threading.current_thread() is threading.main_thread():
            for signum in self.SIGNALS:
                self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def release(self) -> None:
        """Put the previous handlers back now (once), unless a stop was asked for: a process on its way out
        keeps queuing signals until it has exited (else a late Ctrl-C would break its exit with a traceback)."""
        if self.received is None:
            for signum, handler in self._previous.items():
                signal.signal(signum, handler)
        self._previous.clear()

    def __exit__(self, *exc: object) -> None:
        self.release()
