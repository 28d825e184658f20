"""What the view's server checks before it serves a request, and how it reads a command's body.

* The URL is at most :data:`MAX_URL` characters (a run path is short; a huge one is refused with 414).
* The ``Host`` header must name this server: ``localhost``, ``127.0.0.1``, ``[::1]`` or the address it
  bound. A web page elsewhere that rebinds its own name to 127.0.0.1 sends its own name as Host, and
  is refused, so it can neither read runs nor drive the playground.
* A server that listens beyond loopback (``--host 0.0.0.0`` or an address of this machine) also asks
  for a random token, printed in its URL (``?token=…``); the page's first request carries it, and the
  server answers with a cookie that the page's later requests carry.
* A command's body is JSON, announced as such, of a valid ``Content-Length`` of at most
  :data:`MAX_COMMAND_BYTES`; anything else gets one 4xx answer naming the problem.
"""

from __future__ import annotations

import hmac
import json
import secrets
from email.message import Message
from http import HTTPStatus
from typing import IO, Any
from urllib.parse import parse_qs

MAX_URL = 4096
MAX_COMMAND_BYTES = 1_000_000
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
WILDCARDS = ("0.0.0.0", "::", "")
COOKIE = "gankit_token"

Refusal = tuple[HTTPStatus, str]


def is_loopback(host: str) -> bool:
    return host in LOOPBACK_NAMES


def new_token() -> str:
    return secrets.token_urlsafe(18)


class RequestGuard:
    """The checks of one server: which Host names it answers to and the token it asks for (if any)."""

    def __init__(self, bound_host: str, token: str | None) -> None:
        self.bound_host = bound_host
        self.token = token

    def refusal(self, path: str, headers: Message, query: str) -> Refusal | None:
        """Why this request is refused, or None to serve it."""
        if len(path) > MAX_URL:
            return HTTPStatus.REQUEST_URI_TOO_LONG, f"the URL is longer than {MAX_URL} characters"
        host = _host_name(headers.get("Host"))
        if host is None:
            return HTTPStatus.BAD_REQUEST, "a request needs a Host header"
        if self.bound_host not in WILDCARDS and host not in (*LOOPBACK_NAMES, self.bound_host):
            return HTTPStatus.FORBIDDEN, f"this server answers to localhost or {self.bound_host}, not {host}"
        if self.token is not None and not self._has_token(headers, query):
            return HTTPStatus.FORBIDDEN, "open the URL the server printed: it carries the access token"
        return None

    def url_query(self) -> str:
        """What the printed URL ends with: ``?token=…`` when a token is needed."""
        return f"?token={self.token}" if self.token else ""

    def sets_cookie(self, query: str) -> bool:
        """True when this request brought the token in its URL (the answer then sets the cookie)."""
        return self.token is not None and _matches(parse_qs(query).get("token", [""])[0], self.token)

    def cookie(self) -> str:
        return f"{COOKIE}={self.token}; Path=/; HttpOnly; SameSite=Strict"

    def _has_token(self, headers: Message, query: str) -> bool:
        if self.sets_cookie(query):
            return True
        for part in (headers.get("Cookie") or "").split(";"):
            name, _, value = part.strip().partition("=")
            if name == COOKIE and _matches(value, self.token):
                return True
        return False


def read_json_body(headers: Message, body: IO[bytes]) -> tuple[dict[str, Any] | None, Refusal | None]:
    """``(the command object, None)`` or ``(None, (status, why))`` for a body that is not one JSON object."""
    if not (headers.get("Content-Type") or "").startswith("application/json"):
        return None, (HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "commands are JSON (Content-Type: application/json)")
    length_text = (headers.get("Content-Length") or "").strip()
    if not length_text:
        return None, (HTTPStatus.LENGTH_REQUIRED, "a command needs a Content-Length")
    if not length_text.isdigit():
        return None, (HTTPStatus.BAD_REQUEST, f"Content-Length {length_text[:40]!r} is not a number of bytes")
    length = int(length_text)
    if length > MAX_COMMAND_BYTES:
        return None, (HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"a command is at most {MAX_COMMAND_BYTES} bytes")
    try:
        request = json.loads(body.read(length), parse_constant=_no_constant)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None, (HTTPStatus.BAD_REQUEST, "a command is a JSON object")
    if not isinstance(request, dict):
        return None, (HTTPStatus.BAD_REQUEST, "a command is a JSON object")
    return request, None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _host_name(header: str | None) -> str | None:
    """The name in a Host header, without its port (``[::1]:8765`` → ``::1``)."""
    if not header:
        return None
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:].partition("]")[0]
    return header.rpartition(":")[0] if header.count(":") == 1 else header


def _matches(given: str, token: str | None) -> bool:
    return token is not None and hmac.compare_digest(given.encode(), token.encode())
