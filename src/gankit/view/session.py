"""Start a view for the command line: one for a training run (live), one for a directory (replay)."""

from __future__ import annotations

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


@contextmanager
def live_view(host: str | None, port: int) -> Iterator[LiveView]:
    """A :class:`LiveView` whose page is served while the block runs; the page is told when it ends."""
    host = host or LOOPBACK
    hub = Hub()
    live = LiveView(hub)
    server = ViewServer(lambda: live.run_dir, hub, host, port, token=_token(host)).start()
    _announce(server, host, "live view")
    try:
        yield live
    finally:
        live.finish(live.last_gan, live.evaluation)
        server.close()
        if live.run_dir is not None:
            print(f"the live view closed with training; replay it with: gankit view {live.run_dir}", file=sys.stderr)


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
