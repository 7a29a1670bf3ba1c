"""What Flask's request handling costs the AWS endpoint, in process (no sockets, no threads).

    PYTHONPATH=. python bench/flask_overhead.py [--requests 2000] [--rounds 7]

One signed EC2 DescribeRegions (a cheap request, so the serving layer's share shows) through three
paths of the same `ec2sim.web.create_app` application, interleaved round by round: the protocol
layer alone (`ApiApp.handle`), Flask's full dispatch (URL map, request and app contexts, response
finalizing), and the app as served (requests for ``/`` skip Flask's dispatch). Prints the median
and minimum microseconds per request of each.
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
from collections.abc import Callable, Iterable
from typing import Any

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from werkzeug.test import EnvironBuilder

from ec2sim.api.wire import WireRequest
from ec2sim.config import Config
from ec2sim.web import create_app

BODY = "Action=DescribeRegions&Version=2016-11-15&RegionName.1=us-east-1"
Wsgi = Callable[[dict[str, Any], Any], Iterable[bytes]]


def _environ() -> dict[str, Any]:
    request = AWSRequest(
        method="POST",
        url="http://127.0.0.1:5000/",
        data=BODY,
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
    )
    SigV4Auth(Credentials("bench", "secret"), "ec2", "us-east-1").add_auth(request)
    return EnvironBuilder(path="/", method="POST", data=BODY, headers=dict(request.headers)).get_environ()


def _per_request(app: Wsgi, environ: dict[str, Any], requests: int) -> float:
    started = time.perf_counter()
    for _ in range(requests):
        fresh = dict(environ, **{"wsgi.input": io.BytesIO(BODY.encode())})
        b"".join(app(fresh, lambda *args: None))
    return (time.perf_counter() - started) / requests * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    app = create_app(Config(port=0, imds_port=0))
    api = app.extensions["ec2sim"].api

    def protocol_layer(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        return api.handle(WireRequest.from_environ(environ))(environ, start_response)

    paths: dict[str, Wsgi] = {
        "protocol layer alone": protocol_layer,
        "Flask, full dispatch": app.wsgi_app.flask_app,  # type: ignore[attr-defined]
        "the app as served": app.wsgi_app,
    }
    environ = _environ()
    times: dict[str, list[float]] = {name: [] for name in paths}
    for _ in range(args.rounds):
        for name, path in paths.items():
            times[name].append(_per_request(path, environ, args.requests))
    for name, values in times.items():
        print(f"{name:24s} median {statistics.median(values):7.1f} µs   min {min(values):7.1f} µs")


if __name__ == "__main__":
    main()
