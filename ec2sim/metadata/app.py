"""The IMDS WSGI app. Until its issue lands it answers 404 to everything."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from werkzeug.wrappers import Request, Response

from ec2sim.config import Config
from ec2sim.store import Store


class MetadataApp:
    def __init__(self, store: Store, config: Config) -> None:
        self.store = store
        self.config = config

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        response = Response("Not Found\n", 404, content_type="text/plain")
        del request
        return response(environ, start_response)
