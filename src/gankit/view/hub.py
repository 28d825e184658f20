"""The events one view page receives, kept in order so a page opened late catches up.

A :class:`Hub` is an append-only list of ``(kind, json text)`` events with a
condition variable: the training side (or a replay loader) publishes, and each
server thread streaming to a page waits for events past the last one it sent.
Events are serialized once, when published, so the training thread never waits
on a slow page.
"""

from __future__ import annotations

import json
import math
import threading
from typing import Any, Iterator

KEEPALIVE_SECONDS = 10.0


class Hub:
    """Ordered events of one run (``info``, ``metric``, ``frame``, ``test``, ``grid``, ``end`` …)."""

    def __init__(self) -> None:
        self._events: list[tuple[str, str]] = []
        self._changed = threading.Condition()
        self.closed = False

    def publish(self, kind: str, payload: Any) -> str:
        """Add one event; return its JSON text (for a caller that also writes it to a file)."""
        return self.publish_text(kind, json.dumps(payload, separators=(",", ":"), allow_nan=False))

    def publish_evaluation(self, evaluation: dict[str, Any]) -> str:
        """The final evaluation, whose undefined figures (NaN or infinite: a spread ratio without
        high-quality samples, a reverse KL with an empty mode) become ``null`` in the page."""
        return self.publish("evaluation", finite_or_none(evaluation))

    def publish_text(self, kind: str, text: str) -> str:
        """Add one event already serialized as JSON."""
        with self._changed:
            self._events.append((kind, text))
            self._changed.notify_all()
        return text

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
            return [kind for kind, _ in self._events]

    def stream(self, stop: threading.Event | None = None) -> Iterator[tuple[str, str] | None]:
        """Every event from the first on, waiting for new ones; ``None`` now and then as a keep-alive."""
        sent = 0
        while stop is None or not stop.is_set():
            with self._changed:
                if sent == len(self._events) and not self.closed:
                    self._changed.wait(KEEPALIVE_SECONDS)
                pending = self._events[sent:]
                finished = self.closed and sent + len(pending) == len(self._events)
            if not pending and not finished:
                yield None
            for event in pending:
                yield event
            sent += len(pending)
            if finished:
                return


def finite_or_none(value: Any) -> Any:
    """``value`` with every NaN or infinite float, however deeply nested, replaced by None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: finite_or_none(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite_or_none(item) for item in value]
    return value
