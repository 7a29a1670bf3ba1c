"""The control API refuses values that would wedge the server, and changes nothing when it does."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from ec2sim.clock import MAX_OFFSET_SECONDS
from ec2sim.config import Config
from ec2sim.server import Server
from tests.helpers import root_client


@pytest.fixture(scope="module")
def private() -> Iterator[Server]:
    """A server of its own: these tests move its clock to the end of its range."""
    with Server(Config(port=0, imds_port=0)) as running:
        yield running


def _offset(server: Server) -> float:
    return float(requests.get(f"{server.api_url}/_ec2sim/clock", timeout=5).json()["offset_seconds"])


def _still_serves(server: Server) -> None:
    ec2 = root_client(server.api_url, "ec2")
    assert ec2.describe_regions()["Regions"]
    ec2.run_instances(ImageId=_any_image(ec2), MinCount=1, MaxCount=1)


def _any_image(ec2: Any) -> str:
    return str(ec2.describe_images(Owners=["amazon"], MaxResults=5)["Images"][0]["ImageId"])


@pytest.mark.parametrize(
    "body",
    [
        '{"advance_seconds": NaN}',
        '{"advance_seconds": Infinity}',
        '{"advance_seconds": -Infinity}',
        '{"advance_seconds": 1e300}',
        '{"advance_seconds": 1e400}',
        '{"advance_seconds": ' + "9" * 5000 + "}",
        '{"advance_seconds": 99999999999999999999999}',
        '{"advance_seconds": -1}',
        '{"advance_seconds": [1]}',
        '{"advance_seconds": "60"}',
        '{"advance_seconds": true}',
        '{"advance_seconds": null}',
        "[1]",
        "60",
        "not json",
        "[" * 100_000,
        "",
    ],
)
def test_clock_refuses_what_is_not_a_finite_step(private: Server, body: str) -> None:
    before = _offset(private)
    response = requests.post(
        f"{private.api_url}/_ec2sim/clock",
        data=body.encode(),
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    assert response.status_code == 400
    assert response.json()["field"] == "advance_seconds"
    assert "advance_seconds" in response.json()["error"]
    assert _offset(private) == before
    _still_serves(private)


def test_clock_stops_at_a_hundred_years(private: Server) -> None:
    url = f"{private.api_url}/_ec2sim/clock"
    left = MAX_OFFSET_SECONDS - _offset(private)
    assert requests.post(url, json={"advance_seconds": left + 1}, timeout=5).status_code == 400
    assert requests.post(url, json={"advance_seconds": left}, timeout=5).status_code == 200
    assert _offset(private) == pytest.approx(MAX_OFFSET_SECONDS)
    assert requests.post(url, json={"advance_seconds": 1}, timeout=5).status_code == 400
    _still_serves(private)  # instances still launch and describe a century ahead
