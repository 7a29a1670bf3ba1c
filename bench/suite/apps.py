"""WSGI applications the serving stacks run: ec2sim's AWS listener app and the ceiling.

The ceiling answers every request with one fixed DescribeInstances body (read from the file in
BENCH_CEILING_BODY, else a small built-in one) after reading the request body: what the serving stack
does with no work at all.

    python -m bench.suite.apps --port P   # the ceiling on waitress, as ec2sim's server sets it up
"""

from __future__ import annotations

import argparse
import os
import signal
import threading
from collections.abc import Callable, Iterable
from typing import Any

BUILTIN_BODY = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">'
    b"<requestId>00000000-0000-0000-0000-000000000000</requestId><reservationSet/>"
    b"</DescribeInstancesResponse>"
)


def _body() -> bytes:
    path = os.environ.get("BENCH_CEILING_BODY")
    if path:
        with open(path, "rb") as handle:
            return handle.read()
    return BUILTIN_BODY


BODY = _body()
HEADERS = [("Content-Type", "text/xml;charset=UTF-8"), ("Content-Length", str(len(BODY)))]


def ceiling(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    if length:
        environ["wsgi.input"].read(length)
    start_response("200 OK", HEADERS)
    return [BODY]


def api_app() -> Any:
    """ec2sim's AWS listener application with a fresh store, as `ec2sim.server.Server` builds it
    (for serving stacks that import an application: granian, gunicorn)."""
    from ec2sim.api.models import preload
    from ec2sim.config import Config
    from ec2sim.store import Store
    from ec2sim.web import create_app

    config = Config(log_level="WARNING")
    store = Store()
    for account_id, access_key_id, secret in config.root_keys():
        store.configure_root_key(account_id, access_key_id, secret)
    with store.lock:
        store.commit()
    threading.Thread(target=preload, name="ec2sim-models", daemon=True).start()
    return create_app(config, store)


def main() -> None:
    from ec2sim.config import Config
    from ec2sim.server import API_THREADS, WaitressListener

    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    listener = WaitressListener("127.0.0.1", args.port, ceiling, API_THREADS, Config())
    signal.signal(signal.SIGTERM, lambda *_: listener.stop())
    listener.serve()


if __name__ == "__main__":
    main()
