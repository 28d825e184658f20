"""The view's web server: the standard library's threading HTTP server, events sent as server-sent events.

Routes (GET only): ``/`` the page; ``/static/NAME`` its script and style sheet
(package data, so nothing is fetched from elsewhere); ``/events?run=REL`` the
event stream of the root run (``REL`` empty) or of a sweep member under it;
``/files/REL`` a PNG or GIF inside the root directory; ``/neighbours?run=REL&epoch=E&x=FX&y=FY``
the image grid's sample at fractions (FX, FY) of the grid beside its nearest training images; with a playground, POST
``/api/play`` takes its commands (JSON only, so another web site cannot send them
from a form). It binds 127.0.0.1 unless told otherwise.

Every request is checked before it is served (:mod:`gankit.view.request_guard`): the
Host header must name this server (so a web page elsewhere cannot reach it by DNS
rebinding), a server exposed beyond loopback also asks for the token printed in its
URL, and a URL, header or body that is malformed or too large gets one 4xx answer.
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
from gankit.view.playground_shapes import shape_problem
from gankit.view.replay import replay
from gankit.view.request_guard import RequestGuard, read_json_body

LOOPBACK = "127.0.0.1"
STATIC_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
                ".css": "text/css; charset=utf-8"}
FILE_TYPES = {".png": "image/png", ".gif": "image/gif"}


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
                 playground: Any = None, token: str | None = None) -> None:
        """``token``: a secret every request must carry (in the URL once, then a cookie); None on loopback."""
        if not 0 <= port <= 65535:
            raise UserError(f"--port {port}: give a port from 0 to 65535 (0: any free one)")
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
        self.guard = RequestGuard(host, token)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/" + self.guard.url_query()

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
        try:
            path = (root / unquote(relative)).resolve()
        except (OSError, ValueError):  # a name too long for the file system, a NUL byte
            return None
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
            if self._refused(url.query):
                return
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
        except (OSError, ValueError) as problem:  # a file that cannot be read: one answer, no traceback
            self.send_error(HTTPStatus.BAD_REQUEST, f"{type(problem).__name__}: {problem}"[:200])

    def do_POST(self) -> None:  # noqa: N802  (the base class's name)
        playground = self.view.playground
        try:
            if self._refused(urlparse(self.path).query):
                return
            if urlparse(self.path).path != "/api/play" or playground is None:
                self.send_error(HTTPStatus.NOT_FOUND)
                return
            request, problem = read_json_body(self.headers, self.rfile)
            if problem is not None:
                self._reply(problem[0], {"ok": False, "error": problem[1]})
                return
            malformed = shape_problem(request)
            if malformed is not None:
                self._reply(HTTPStatus.BAD_REQUEST, {"ok": False, "error": malformed})
                return
            self._reply(HTTPStatus.OK, playground.command(request))  # a refused value: ok false, nothing changed
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _refused(self, query: str) -> bool:
        """Answer and return True when the guard refuses this request (URL too long, foreign Host, no token)."""
        refusal = self.view.guard.refusal(self.path, self.headers, query)
        if refusal is not None:
            self.close_connection = True
            self.send_error(*refusal)
            return True
        if self.view.guard.sets_cookie(query):
            self._cookie = self.view.guard.cookie()
        return False

    def end_headers(self) -> None:
        cookie = getattr(self, "_cookie", None)
        if cookie:
            self.send_header("Set-Cookie", cookie)
            self._cookie = None
        super().end_headers()

    def _reply(self, status: HTTPStatus, reply: dict[str, Any]) -> None:
        self._send(status, "application/json", json.dumps(reply).encode())

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
            if not (0 <= fx <= 1 and 0 <= fy <= 1 and 0 <= epoch < 10**9):
                raise ValueError(fx, fy)
        except (KeyError, ValueError, OverflowError):
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
