"""Start a view for the command line: one for a training run (live), one for a directory (replay).

A live view's page outlives training where someone can stop it: at a terminal (not in CI, not with
stdin redirected) the server keeps serving the finished run after the command has printed its
results, so a reload still works, until Ctrl-C; elsewhere it closes with training and the command
exits, printing how to replay the run.
"""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from gankit.errors import UserError
from gankit.view.hub import DEFAULT_WINDOW, Hub
from gankit.view.live import LiveView
from gankit.view.replay import replay
from gankit.view.request_guard import is_loopback, new_token
from gankit.view.server import LOOPBACK, ViewServer, exposure_warning

DEFAULT_PORT = 8765


def _token(host: str) -> str | None:
    """A fresh access token for a server reachable from other machines; None on loopback."""
    return None if is_loopback(host) else new_token()


def _announce(server: ViewServer, host: str, what: str) -> None:
    warning = exposure_warning(host)
    if warning:
        print(warning, file=sys.stderr)
    print(f"{what}: {server.url}", file=sys.stderr, flush=True)


_finished: list[tuple[ViewServer, Path]] = []  # live views kept serving their finished run, until Ctrl-C


def keeps_serving() -> bool:
    """Whether a finished run's view stays up: only where a person at a terminal can press Ctrl-C (not in CI)."""
    return bool(sys.stdin is not None and sys.stdin.isatty() and not os.environ.get("CI"))


@contextmanager
def live_view(host: str | None, port: int, stay: bool | None = None) -> Iterator[LiveView]:
    """A :class:`LiveView` whose page is served while the block runs; the page is told when it ends.

    ``stay``: after training ends well, keep serving the finished run until :func:`serve_finished_views`
    is interrupted (default: :func:`keeps_serving`); otherwise the server closes with the block.
    """
    host = host or LOOPBACK
    hub = Hub()
    live = LiveView(hub)
    server = ViewServer(lambda: live.run_dir, hub, host, port, token=_token(host)).start()
    _announce(server, host, "live view")
    finished = False
    try:
        yield live
        finished = True
    finally:
        stays = finished and live.run_dir is not None and (keeps_serving() if stay is None else stay)
        live.finish(live.last_gan, live.evaluation, server_stays=stays)
        if stays:
            _finished.append((server, live.run_dir))
        else:
            _close(server, live.run_dir)


def serve_finished_views() -> None:
    """Serve the finished runs' pages kept by :func:`live_view` until Ctrl-C (called once the results are printed)."""
    while _finished:
        server, run_dir = _finished[-1]  # listed while it serves
        print(f"training finished; the live view keeps showing the run at {server.url} (a reload works): "
              "press Ctrl-C to stop it", file=sys.stderr, flush=True)
        try:
            while not server.stopping.wait(1.0):
                pass
        except KeyboardInterrupt:
            pass
        finally:
            _finished.pop()
            _close(server, run_dir)


def _close(server: ViewServer, run_dir: Path | None) -> None:
    server.close()
    if run_dir is not None:
        print(f"the live view closed; replay the run with: gankit view {run_dir}", file=sys.stderr)


def serve_playground(export_dir: Path, host: str | None, port: int, frames: int = DEFAULT_WINDOW) -> None:
    """Serve ``gankit play`` until Ctrl-C: the page drives a training thread here; exports go to ``export_dir``.

    ``frames``: the most frames (and loss points, tests) kept for a page that opens, older ones thinned.
    """
    from gankit.view.playground import Playground

    host = host or LOOPBACK
    if frames < 4:
        raise UserError(f"--frames {frames}: keep at least 4 frames")
    token = _token(host)
    hub = Hub(window=frames)
    server = ViewServer(export_dir, hub, host, port, token=token)
    playground = Playground(hub, export_dir)
    server.playground = playground
    _announce(server, host, "playground")
    try:
        server.serve_forever()
    finally:
        playground.close()
        server.close()


def serve_directory(folder: Path, host: str | None, port: int) -> None:
    """Serve the replay of a run or sweep directory until Ctrl-C."""
    host = host or LOOPBACK
    server = ViewServer(folder, replay(folder), host, port, token=_token(host))
    _announce(server, host, f"view of {folder}")
    try:
        server.serve_forever()
    finally:
        server.close()
