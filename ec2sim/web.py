"""The HTTP surface as Flask applications, built by app factories.

`create_app(config, store)` is the AWS listener's application:

- the AWS endpoint: one view (``aws``) that hands the request to the protocol layer
  (`ec2sim.api.app.ApiApp.handle`), at ``/`` and at any path no other rule claims, as AWS's
  query endpoints answer;
- the control API: the ``control`` blueprint, one rule per `ControlApi` route (``/_ec2sim/...``
  and moto's ``/moto-api/reset``), answering JSON, its 404 and 405 included;
- blueprints of your own: register them on the app before the server starts.

`create_metadata_app(config, store)` is the instance metadata listener's own application.

Flask's request handling (binding the URL map, pushing the request and application contexts,
finalizing the response) costs more per request than the cheapest AWS calls spend in total
(bench/README.md, "Flask"), and the AWS endpoint's view uses none of it. So requests for ``/``,
the path every SDK sends AWS's query and JSON protocols to, go straight to that view's handler
(`_AwsFirst`); everything else, the view at other paths included, takes Flask's usual way.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Flask, g, request
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map
from werkzeug.wrappers import Request, Response

from ec2sim.access_log import log_request
from ec2sim.api.app import ApiApp
from ec2sim.api.control import HEALTH_PATH, ControlApi
from ec2sim.api.control import PREFIXES as CONTROL_PREFIXES
from ec2sim.api.wire import WireRequest
from ec2sim.config import Config
from ec2sim.metadata.app import CONVERTERS, RULES, Answer, MetadataApp, error_page
from ec2sim.store import Store

log = logging.getLogger("ec2sim.api")
WsgiApp = Callable[[dict[str, Any], Any], Iterable[bytes]]


@dataclass
class Ec2Sim:
    """What the app serves, as `app.extensions["ec2sim"]`."""

    config: Config
    store: Store
    api: ApiApp


_METHODS = ["GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "OPTIONS"]


def _control_blueprint(control: ControlApi) -> Blueprint:
    """A rule per control route; any other path under the control prefixes is the control API's
    404 (or 405 for a known path and another method), never an AWS request."""
    blueprint = Blueprint("control", __name__)
    for (method, path), route in control.routes.items():
        blueprint.add_url_rule(
            path,
            endpoint=_endpoint(method, path),
            view_func=_control_view(route),
            methods=[method],
            provide_automatic_options=False,  # OPTIONS is the control API's 405, as any other method
        )
    for prefix in CONTROL_PREFIXES:
        for rule in (prefix, f"{prefix}<path:rest>"):
            blueprint.add_url_rule(
                rule,
                endpoint=_endpoint("any", rule),
                view_func=_control_view(control.dispatch),
                methods=_METHODS,
                provide_automatic_options=False,
            )
    return blueprint


def _endpoint(method: str, path: str) -> str:
    """``post__ec2sim_reset``: the method and the path (blueprint endpoints may not contain dots)."""
    return method.lower() + "".join(c if c.isalnum() else "_" for c in path)


def _control_view(route: Callable[[Request], Response]) -> Callable[..., Response]:
    def view(**_: str) -> Response:
        started = time.perf_counter()
        response = route(request._get_current_object())  # type: ignore[attr-defined]
        log_request(log, request.method, "control", request.path, response.status_code, started)
        return response

    view.__name__ = route.__name__
    return view


class _AwsFirst:
    """WSGI middleware: requests for ``/`` go to the AWS endpoint's handler without Flask's routing
    and contexts (see the module's docstring), and so does the health check to its own (the server
    answers it on its serving loop's thread: the less it runs there, the sooner it answers); the
    rest to the Flask app."""

    def __init__(self, flask_app: WsgiApp, api: ApiApp) -> None:
        self.flask_app = flask_app
        self.api = api

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        path = environ.get("PATH_INFO")
        if path == "/":
            return self.api.handle(WireRequest.from_environ(environ))(environ, start_response)
        if path == HEALTH_PATH and environ.get("REQUEST_METHOD") == "GET":
            started = time.perf_counter()
            response = self.api.control.health(Request(environ))
            log_request(log, "GET", "control", path, response.status_code, started)
            return response(environ, start_response)
        return self.flask_app(environ, start_response)


def create_app(config: Config | None = None, store: Store | None = None) -> Flask:
    """The AWS API and control API listener's application (a fresh store unless one is given)."""
    config = config or Config()
    store = store or Store()
    api = ApiApp(store, config)
    app = Flask("ec2sim")
    app.extensions["ec2sim"] = Ec2Sim(config, store, api)
    app.url_map.strict_slashes = False
    app.url_map.merge_slashes = False

    def aws(path: str = "") -> Response:
        """The AWS endpoint, at any path the control API's rules don't take; a path under the
        control prefixes that no control rule matches (``/_ec2sim//x``: a path converter never
        starts with a slash) is the control API's all the same."""
        if request.path.startswith(CONTROL_PREFIXES):
            return api.control.dispatch(request._get_current_object())  # type: ignore[attr-defined]
        return api.handle(WireRequest.from_environ(request.environ)).response()

    for rule in ("/", "/<path:path>"):
        app.add_url_rule(rule, "aws", aws, methods=_METHODS, provide_automatic_options=False)
    app.register_blueprint(_control_blueprint(api.control))

    @app.errorhandler(HTTPException)
    def unrouted(error: HTTPException) -> Response:
        """A path no rule matches (a newline in it, say): the control API's JSON 404 under its
        prefixes, else the AWS endpoint's answer, as for any other path."""
        return aws()

    app.wsgi_app = _AwsFirst(app.wsgi_app, api)  # type: ignore[method-assign]
    return app


def create_metadata_app(config: Config | None = None, store: Store | None = None) -> Flask:
    """The instance metadata listener's application: IMDS's routes, each at the root (the instance
    the listener serves there) and under ``/i-…/``, its own error pages and access-log lines."""
    config = config or Config()
    store = store or Store()
    metadata = MetadataApp(store, config)
    app = Flask("ec2sim.metadata")
    app.extensions["ec2sim"] = metadata
    app.url_map.converters.update(CONVERTERS)
    app.url_map.strict_slashes = False
    app.url_map.merge_slashes = False
    for rule in RULES:
        endpoint = rule.endpoint
        app.add_url_rule(
            rule.rule,
            endpoint=f"{endpoint}{'_instance' if '<instance:' in rule.rule else ''}{len(rule.rule)}",
            view_func=_metadata_view(metadata, endpoint),
            methods=sorted(rule.methods or ()),
            defaults=rule.defaults,
            provide_automatic_options=False,
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        return error_page(error.code or 404)

    @app.before_request
    def started() -> None:
        g.started = time.perf_counter()

    @app.after_request
    def logged(response: Response) -> Response:
        metadata.log(request, response, g.get("started", time.perf_counter()))
        return response

    app.wsgi_app = _MetadataFirst(app.wsgi_app, metadata)  # type: ignore[method-assign]
    return app


class _MetadataFirst:
    """WSGI middleware: a metadata request that one of `RULES` takes goes straight to
    `MetadataApp.serve`, without Flask's contexts and hooks (a third of a credential fetch's time,
    bench/README.md "Serving"); the rest (no rule, another method, a path that is not ASCII) to
    the Flask app, which answers them as before.

    The rules are matched by werkzeug, as Flask would, once per distinct path and method: an SDK
    asks for the same few paths over and over.
    """

    _ROUTES = 512  # distinct paths remembered (then forgotten all at once)

    def __init__(self, flask_app: WsgiApp, metadata: MetadataApp) -> None:
        self.flask_app = flask_app
        self.metadata = metadata
        rules = Map(
            [rule.empty() for rule in RULES], converters=CONVERTERS, strict_slashes=False, merge_slashes=False
        )
        self.adapter = rules.bind("metadata")
        self.routes: dict[tuple[str, str], tuple[str, Mapping[str, Any]]] = {}

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        key = (environ.get("REQUEST_METHOD", ""), environ.get("PATH_INFO", ""))
        route = self.routes.get(key)
        if route is None:
            if not key[1].isascii():  # WSGI's latin-1 path: Flask decodes it first
                return self.flask_app(environ, start_response)
            try:
                endpoint, args = self.adapter.match(key[1], key[0])
            except HTTPException:  # no rule, or not this method: Flask's error handling
                return self.flask_app(environ, start_response)
            if len(self.routes) >= self._ROUTES:
                self.routes.clear()
            route = self.routes[key] = (str(endpoint), args)
        started = time.perf_counter()
        current = Request(environ)
        response = self.metadata.serve(current, *route)
        self.metadata.log(current, response, started)
        return response(environ, start_response)


def _metadata_view(metadata: MetadataApp, endpoint: str) -> Callable[..., Answer]:
    def view(**args: Any) -> Answer:  # Flask makes a TextAnswer a Response (it is a WSGI app)
        return metadata.serve(request._get_current_object(), endpoint, args)  # type: ignore[attr-defined]

    return view
