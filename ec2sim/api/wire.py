"""The AWS endpoint's view of one HTTP exchange, read straight from the WSGI environ and answered
straight to ``start_response``.

werkzeug's `Request` and `Response` build far more than an AWS call reads or writes (header
objects, lazily parsed forms, cookies, content negotiation): on the cheapest calls that was a
fifth of the application's time (bench/README.md, "Ceiling ratio"). `WireRequest` keeps what the
protocol layer uses and `Answer` is the status, headers and body it sends; `Answer.response`
turns one into a werkzeug `Response` for the Flask view that serves the endpoint at other paths.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.wrappers import Response

# The two request headers WSGI passes without the HTTP_ prefix.
_UNPREFIXED = {"CONTENT_TYPE": "content-type", "CONTENT_LENGTH": "content-length"}


@dataclass(slots=True)
class WireRequest:
    """One request to the AWS endpoint: its method, path, query, headers (names lower-cased, as
    SigV4 canonicalizes them) and body."""

    environ: dict[str, Any]
    method: str
    path: str
    query_string: str  # as received, %-encoded
    headers: dict[str, str]
    body: bytes
    remote_addr: str | None
    scheme: str
    host: str

    @classmethod
    def from_environ(cls, environ: dict[str, Any]) -> WireRequest:
        headers = {
            name[5:].replace("_", "-").lower(): value
            for name, value in environ.items()
            if name.startswith("HTTP_")
        }
        for name, header in _UNPREFIXED.items():
            value = environ.get(name)
            if value:
                headers[header] = value
        return cls(
            environ,
            environ.get("REQUEST_METHOD", "GET"),
            environ.get("PATH_INFO") or "/",
            environ.get("QUERY_STRING", ""),
            headers,
            _body(environ),
            environ.get("REMOTE_ADDR"),
            environ.get("wsgi.url_scheme", "http"),
            headers.get("host") or f"{environ.get('SERVER_NAME', '')}:{environ.get('SERVER_PORT', '')}",
        )


def _body(environ: dict[str, Any]) -> bytes:
    """The request body: CONTENT_LENGTH bytes (the server bounds it and de-chunks a chunked one),
    or everything when the server marks the input as ending at the body's end."""
    stream = environ.get("wsgi.input")
    if stream is None:
        return b""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > 0:
        return bytes(stream.read(length))
    if environ.get("wsgi.input_terminated"):
        return bytes(stream.read())
    return b""


def form_pairs(text: str) -> list[tuple[str, str]]:
    """The (name, value) pairs of a query string or form body, blank values kept: what
    ``urllib.parse.parse_qsl(text, keep_blank_values=True)`` returns, without its per-call
    argument handling, and unquoting only the fields that are quoted (SDKs quote few)."""
    pairs = []
    for field in text.split("&"):
        if not field:
            continue
        name, _, value = field.partition("=")
        if "%" in field or "+" in field:
            name, value = unquote(name.replace("+", " ")), unquote(value.replace("+", " "))
        pairs.append((name, value))
    return pairs


@dataclass(slots=True)
class Answer:
    """An answer as WSGI sends it: `body` is a list of byte strings, or the server's
    ``wsgi.file_wrapper`` around a large one."""

    status: int
    headers: list[tuple[str, str]]
    body: Iterable[bytes]

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        start_response(f"{self.status} {HTTP_STATUS_CODES.get(self.status, 'UNKNOWN')}", self.headers)
        return () if environ.get("REQUEST_METHOD") == "HEAD" else self.body  # as werkzeug answers HEAD

    def response(self) -> Response:
        return Response(self.body, self.status, headers=self.headers, direct_passthrough=True)
