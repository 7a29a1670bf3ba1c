"""The CLI's client of a running server's control API (``ec2sim explain``, ``tail``, ``policy``):
which server (``--endpoint``, else ``$AWS_ENDPOINT_URL``, the variable `serve`'s banner exports,
else the default listener), and one request to it, with the server's JSON error as the message.

urllib is imported on a request's first use: ``ec2sim serve`` and ``--help`` need none of it
(a tenth of a second)."""

from __future__ import annotations

import argparse
import json
import os
from typing import Any
from urllib.parse import urlencode

DEFAULT_ENDPOINT = "http://127.0.0.1:5000"


class ControlError(Exception):
    """A request the server refused (``status``: its HTTP status) or could not be made (``None``)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def add_endpoint_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--endpoint",
        default=None,
        help=f"the server's API URL (default: $AWS_ENDPOINT_URL, else {DEFAULT_ENDPOINT})",
    )


def endpoint(args: argparse.Namespace) -> str:
    url: str = args.endpoint or os.environ.get("AWS_ENDPOINT_URL") or DEFAULT_ENDPOINT
    return url.rstrip("/")


def open_control(
    args: argparse.Namespace,
    path: str,
    query: dict[str, str],
    body: bytes | None = None,
    timeout: float | None = 120,
) -> Any:
    """The open response to ``path`` (GET, or POST with ``body``) on the server of ``args``; the
    caller reads and closes it. No proxy: the server is this machine's, or one the user named."""
    import urllib.error
    import urllib.request

    url = f"{endpoint(args)}{path}" + (f"?{urlencode(query)}" if query else "")
    request = urllib.request.Request(url, data=body, method="POST" if body is not None else "GET")
    direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        return direct.open(request, timeout=timeout)
    except urllib.error.HTTPError as error:
        raise ControlError(_error_of(error), error.code) from None
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        raise ControlError(f"cannot reach the server at {endpoint(args)}: {reason}") from None


def _error_of(error: Any) -> str:
    try:
        return str(json.loads(error.read())["error"])
    except (ValueError, KeyError, TypeError):
        return f"HTTP {error.code}"
