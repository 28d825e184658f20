"""The view's web server: the standard library's threading HTTP server, events sent as server-sent events.

Routes (GET only): ``/`` the page; ``/static/NAME`` its script and style sheet
(package data, so nothing is fetched from elsewhere); ``/events?run=REL`` the
event stream of the root run (``REL`` empty) or of a sweep member under it;
``/files/REL`` a PNG or GIF inside the root directory; ``/neighbours?run=REL&epoch=E&x=FX&y=FY``
the image grid's sample at fractions (FX, FY) of the grid beside its nearest training images; with a playground, POST
``/api/play`` takes its commands (JSON only, so another web site cannot send them
from a form). It binds 127.0.0.1 unless told otherwise.
"""

from __future__ import annotations

import json
import threading
from functools import partial
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any, Callable
from urllib.parse import parse_qs, unquote, urlparse

from gankit.errors import UserError
from gankit.report.image_neighbours import neighbour_strip
from gankit.view.hub import Hub
from gankit.view.replay import replay

LOOPBACK = "127.0.0.1"
STATIC_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
                ".css": "text/css; charset=utf-8"}
FILE_TYPES = {".png": "image/png", ".gif": "image/gif"}
MAX_COMMAND_BYTES = 1_000_000


def exposure_warning(host: str) -> str | None:
    """The warning printed when the view listens on more than this machine's loopback address."""
    if host in (LOOPBACK, "localhost", "::1"):
        return None
    return (f"warning: the view listens on {host}, so other machines can reach it; it shows your run's data and "
            f"config to anyone who can connect (leave --host out to keep it on {LOOPBACK})")


class ViewServer:
    """A running view: ``url``, and ``close()`` to stop it.

    ``root`` is the run or sweep directory, or a function giving it once known (a live
    run's directory is made when training starts).
    """

    def __init__(self, root: Path | Callable[[], Path | None], hub: Hub, host: str = LOOPBACK, port: int = 0,
                 playground: Any = None) -> None:
        self._root = root
        self.hub = hub
        self.playground = playground  # a view.playground.Playground, for `gankit play`
        self._member_hubs: dict[str, Hub] = {}
        self._lock = threading.Lock()
        self.stopping = threading.Event()
        try:
            self.httpd = ThreadingHTTPServer((host, port), partial(_Handler, view=self))
        except OSError as problem:
            raise UserError(f"cannot serve the view on {host}:{port}: {problem.strerror}") from None
        self.httpd.daemon_threads = True
        self.host = host
        self.port = self.httpd.server_address[1]
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    def start(self) -> "ViewServer":
        """Serve from a background thread (for ``gankit train --view``)."""
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="gankit-view-server", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self.httpd.serve_forever()

    def close(self) -> None:
        self.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def hub_for(self, relative: str) -> Hub | None:
        """The root's hub, or a sweep member's (read from its directory once); None outside the root."""
        if not relative:
            return self.hub
        folder = self.file(relative)
        if folder is None or not folder.is_dir():
            return None
        with self._lock:
            if relative not in self._member_hubs:
                self._member_hubs[relative] = replay(folder)
            return self._member_hubs[relative]

    @property
    def root(self) -> Path | None:
        root = self._root() if callable(self._root) else self._root
        return root.resolve() if root is not None else None

    def file(self, relative: str) -> Path | None:
        """``root/relative`` when it stays inside the root, else None."""
        root = self.root
        if root is None:
            return None
        path = (root / unquote(relative)).resolve()
        return path if path == root or path.is_relative_to(root) else None


class _Handler(BaseHTTPRequestHandler):
    server_version = "gankit-view"

    def __init__(self, *args, view: ViewServer, **kwargs) -> None:
        self.view = view
        super().__init__(*args, **kwargs)

    def log_message(self, format: str, *args) -> None:  # noqa: A002  (the base class's name)
        pass  # the terminal shows training, not requests

    def do_GET(self) -> None:  # noqa: N802  (the base class's name)
        url = urlparse(self.path)
        try:
            if url.path in ("/", "/index.html"):
                self._static("index.html")
            elif url.path.startswith("/static/"):
                self._static(url.path.removeprefix("/static/"))
            elif url.path == "/events":
                self._events(parse_qs(url.query).get("run", [""])[0])
            elif url.path.startswith("/files/"):
                self._file(url.path.removeprefix("/files/"))
            elif url.path == "/neighbours":
                self._neighbours(parse_qs(url.query))
            else:
                self.send_error(HTTPStatus.NOT_FOUND)
        except UserError as problem:
            self.send_error(HTTPStatus.NOT_FOUND, str(problem))
        except (BrokenPipeError, ConnectionResetError):
            pass  # the page went away

    def do_POST(self) -> None:  # noqa: N802  (the base class's name)
        playground = self.view.playground
        length = int(self.headers.get("Content-Length") or 0)
        if urlparse(self.path).path != "/api/play" or playground is None:
            self.send_error(HTTPStatus.NOT_FOUND)
        elif not (self.headers.get("Content-Type") or "").startswith("application/json") or length > MAX_COMMAND_BYTES:
            self.send_error(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "commands are JSON, at most 1 MB")
        else:
            try:
                request = json.loads(self.rfile.read(length) or b"{}")
            except (json.JSONDecodeError, UnicodeDecodeError):
                request = None
            reply = (playground.command(request) if isinstance(request, dict)
                     else {"ok": False, "error": "a command is a JSON object"})
            self._send(HTTPStatus.OK, "application/json", json.dumps(reply).encode())

    def _static(self, name: str) -> None:
        suffix = Path(name).suffix
        package = resources.files("gankit.view") / "static"
        if "/" in name or suffix not in STATIC_TYPES or not (package / name).is_file():
            self.send_error(HTTPStatus.NOT_FOUND)
            return
        self._send(HTTPStatus.OK, STATIC_TYPES[suffix], (package / name).read_bytes())

    def _file(self, relative: str) -> None:
        path = self.view.file(relative)
        if path is None or path.suffix not in FILE_TYPES or not path.is_file():
            self.send_error(HTTPStatus.NOT_FOUND)
            return
        self._send(HTTPStatus.OK, FILE_TYPES[path.suffix], path.read_bytes())

    def _neighbours(self, query: dict[str, list[str]]) -> None:
        """A PNG of the grid sample under a click and its nearest training images (report/image_neighbours.py)."""
        run_dir = self.view.file(query.get("run", [""])[0])
        try:
            epoch, fx, fy = int(query["epoch"][0]), float(query["x"][0]), float(query["y"][0])
        except (KeyError, ValueError):
            self.send_error(HTTPStatus.BAD_REQUEST, "give epoch, x and y (fractions of the grid's size)")
            return
        strip = neighbour_strip(run_dir, epoch, fx, fy) if run_dir is not None else None
        if strip is None:
            self.send_error(HTTPStatus.NOT_FOUND, "no sample there")
            return
        self._send(HTTPStatus.OK, "image/png", strip)

    def _events(self, relative: str) -> None:
        hub = self.view.hub_for(relative)
        if hub is None:
            self.send_error(HTTPStatus.NOT_FOUND)
            return
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        for event in hub.stream(self.view.stopping):
            chunk = ": keep-alive\n\n" if event is None else f"event: {event[0]}\ndata: {event[1]}\n\n"
            self.wfile.write(chunk.encode())
            self.wfile.flush()

    def _send(self, status: HTTPStatus, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)
