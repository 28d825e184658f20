"""The events one view page receives, kept in order so a page opened late catches up.

A :class:`Hub` is an ordered list of ``(kind, json text)`` events with a condition
variable: the training side (or a replay loader) publishes, and each server thread
streaming to a page waits for events past the last one it sent. Events are
serialized once, when published, so the training thread never waits on a slow page.

Memory stays bounded however long a run goes: of each kind that keeps coming
(:data:`THINNED`: frames, losses, tests) the hub keeps the newest ``window // 2``
events whole and thins the older ones, halving them each time the kind exceeds
``window`` — so a page opened late still gets a timeline over the whole run, denser
near the present. :meth:`restart` forgets everything before a fresh start (a
playground's Reset), so a reload shows only the current state.
"""

from __future__ import annotations

import bisect
import json
import math
import threading
from typing import Any, Iterator

KEEPALIVE_SECONDS = 10.0
DEFAULT_WINDOW = 150  # events of one thinned kind kept at most (a playground frame is about 22 KB of JSON)
THINNED = ("frame", "metric", "test", "table", "settings", "state", "notice")


class Hub:
    """Ordered events of one run (``info``, ``metric``, ``frame``, ``test``, ``grid``, ``end`` …)."""

    def __init__(self, window: int | None = DEFAULT_WINDOW) -> None:
        """``window``: the most events of each thinned kind kept (None: keep every event, as a replay does)."""
        if window is not None and window < 4:
            raise ValueError("a hub's window keeps at least 4 events")
        self.window = window
        self._events: list[tuple[int, str, str]] = []  # (sequence number, kind, JSON text)
        self._counts: dict[str, int] = {}
        self._next = 0
        self._changed = threading.Condition()
        self.closed = False

    def publish(self, kind: str, payload: Any) -> str:
        """Add one event; return its JSON text (for a caller that also writes it to a file).

        A NaN or infinite float, which JSON cannot carry, travels as ``null`` (the page shows "–").
        """
        try:
            text = json.dumps(payload, separators=(",", ":"), allow_nan=False)
        except ValueError:
            text = json.dumps(finite_or_none(payload), separators=(",", ":"), allow_nan=False)
        return self.publish_text(kind, text)

    def publish_evaluation(self, evaluation: dict[str, Any]) -> str:
        """The final evaluation, whose undefined figures (a spread ratio without high-quality samples,
        a reverse KL with an empty mode) become ``null`` in the page."""
        return self.publish("evaluation", evaluation)

    def publish_text(self, kind: str, text: str) -> str:
        """Add one event already serialized as JSON."""
        with self._changed:
            self._events.append((self._next, kind, text))
            self._next += 1
            self._counts[kind] = self._counts.get(kind, 0) + 1
            if self.window is not None and kind in THINNED and self._counts[kind] > self.window:
                self._thin(kind)
            self._changed.notify_all()
        return text

    def restart(self) -> None:
        """Forget every event so far (a fresh start): pages already open keep what they have and get what follows."""
        with self._changed:
            self._events = []
            self._counts = {}

    def close(self) -> None:
        """No more events: streams send what is left and end."""
        with self._changed:
            self.closed = True
            self._changed.notify_all()

    def __len__(self) -> int:
        with self._changed:
            return len(self._events)

    def kinds(self) -> list[str]:
        with self._changed:
            return [kind for _, kind, _ in self._events]

    def texts(self, kind: str) -> list[str]:
        """The JSON texts kept of one kind, oldest first."""
        with self._changed:
            return [text for _, each, text in self._events if each == kind]

    def payload_bytes(self) -> int:
        """What a page opened now is sent: the kept events' JSON text, in bytes."""
        with self._changed:
            return sum(len(text) for _, _, text in self._events)

    def stream(self, stop: threading.Event | None = None) -> Iterator[tuple[str, str] | None]:
        """Every kept event from the first on, waiting for new ones; ``None`` now and then as a keep-alive."""
        sent = -1  # the sequence number of the last event sent
        while stop is None or not stop.is_set():
            with self._changed:
                if (not self._events or self._events[-1][0] <= sent) and not self.closed:
                    self._changed.wait(KEEPALIVE_SECONDS)
                start = bisect.bisect_right(self._events, sent, key=lambda event: event[0])
                pending = self._events[start:]
                finished = self.closed
            if not pending and not finished:
                yield None
            for number, kind, text in pending:
                yield kind, text
                sent = number
            if finished:
                return

    def _thin(self, kind: str) -> None:
        """Keep the newest ``window // 2`` events of ``kind`` whole and every second one of the older ones."""
        positions = [i for i, (_, each, _) in enumerate(self._events) if each == kind]
        older = positions[: len(positions) - self.window // 2]
        dropped = set(older[1::2])
        self._events = [event for i, event in enumerate(self._events) if i not in dropped]
        self._counts[kind] -= len(dropped)


def finite_or_none(value: Any) -> Any:
    """``value`` with every NaN or infinite float, however deeply nested, replaced by None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: finite_or_none(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite_or_none(item) for item in value]
    return value
