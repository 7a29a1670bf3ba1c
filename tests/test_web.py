"""The Flask applications (`ec2sim.web`): the AWS endpoint, the control blueprint, extension."""

from __future__ import annotations

from flask import Blueprint, Flask

from ec2sim.config import Config
from ec2sim.web import create_app


def _app() -> Flask:
    return create_app(Config(port=0, imds_port=0))


def test_the_app_is_flask_with_the_control_blueprint():
    app = _app()
    assert isinstance(app, Flask)
    assert "control" in app.blueprints
    rules = {rule.rule for rule in app.url_map.iter_rules()}
    assert {"/", "/_ec2sim/health", "/_ec2sim/reset", "/moto-api/reset", "/_ec2sim/clock"} <= rules
    assert app.extensions["ec2sim"].store is app.extensions["ec2sim"].api.store


def test_control_routes_answer_json_404_and_405():
    client = _app().test_client()
    health = client.get("/_ec2sim/health")
    assert health.status_code == 200 and health.json["status"] == "running"
    assert client.get("/_ec2sim/nothing-here").status_code == 404
    assert client.get("/_ec2sim/nothing-here").json == {"error": "not found"}
    for path in ("/_ec2sim//0", "/moto-api//reset"):  # no rule's path converter takes a leading slash
        assert (client.get(path).status_code, client.get(path).json) == (404, {"error": "not found"})
    wrong_method = client.get("/_ec2sim/reset")
    assert (wrong_method.status_code, wrong_method.json) == (405, {"error": "method not allowed"})
    assert client.post("/moto-api/reset").json == {"status": "ok"}


def test_the_aws_endpoint_answers_in_the_protocol_at_any_path():
    client = _app().test_client()
    for path in ("/", "/some/path"):
        response = client.post(path, data={"Action": "DescribeRegions", "Version": "2016-11-15"})
        assert response.status_code == 200, response.data
        assert response.headers["x-amzn-RequestId"]
        assert b"<DescribeRegionsResponse" in response.data
        unknown = client.post(path, data={"Action": "NoSuchThing", "Version": "2016-11-15"})
        assert unknown.status_code == 400 and b"<Code>InvalidAction</Code>" in unknown.data


def test_a_blueprint_of_ones_own_is_served_beside_them():
    app = _app()
    extra = Blueprint("console", __name__, url_prefix="/_console")

    @extra.get("/hello")
    def hello() -> str:
        return "hello"

    app.register_blueprint(extra)
    client = app.test_client()
    assert client.get("/_console/hello").data == b"hello"
    assert client.get("/_ec2sim/health").status_code == 200
