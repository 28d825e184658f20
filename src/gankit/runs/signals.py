"""Clean stops: SIGINT/SIGTERM are noted, the current step finishes, then the run checkpoints and exits.

A second SIGINT while the first is pending stops at once (Python's default).
"""

from __future__ import annotations

import signal
import threading
from types import FrameType


class SignalCatcher:
    """Context manager recording the first SIGINT/SIGTERM instead of dying mid-step."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self) -> None:
        self.received: int | None = None
        self._previous: dict[int, object] = {}

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.received == signal.SIGINT and signum == signal.SIGINT:
            raise KeyboardInterrupt
        self.received = signum

    def __enter__(self) -> "SignalCatcher":
        if threading.current_thread() is threading.main_thread():
            for signum in self.SIGNALS:
                self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
