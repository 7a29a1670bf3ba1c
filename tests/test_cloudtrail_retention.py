"""The trail's retention (``--trail-limit``: the oldest events dropped) and, with ``--state-dir``,
its events kept across a restart, bounded the same way; LookupEvents' time range on the emulated clock."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import requests

from ec2sim.config import Config
from ec2sim.server import Server
from tests.helpers import root_client

ACCOUNT = "210987654321"


def _names(server: Server) -> list[str]:
    events = root_client(server.api_url, "cloudtrail", ACCOUNT).lookup_events()["Events"]
    return [
        json.loads(e["CloudTrailEvent"])["requestParameters"]["userName"]
        for e in events
        if e["EventName"] == "CreateUser"
    ]


def _lookups(server: Server, **params: Any) -> list[dict[str, Any]]:
    attributes = [{"AttributeKey": "EventName", "AttributeValue": "CreateUser"}]
    events: list[dict[str, Any]] = root_client(server.api_url, "cloudtrail", ACCOUNT).lookup_events(
        LookupAttributes=attributes, **params
    )["Events"]
    return events


def test_retention_and_restart(tmp_path: Path) -> None:
    config = Config(port=0, imds_port=0, state_dir=str(tmp_path), trail_limit=4)
    with Server(config) as server:
        iam = root_client(server.api_url, "iam", ACCOUNT)
        for name in ("u1", "u2", "u3"):
            iam.create_user(UserName=name)
        assert _names(server) == ["u3", "u2", "u1"]
        requests.post(server.api_url + "/_ec2sim/clock", json={"advance_seconds": 7200}, timeout=10)
        iam.create_user(UserName="later")
        before = _lookups(server)[1]["EventTime"]  # u3's, two emulated hours before "later"
        (later,) = _lookups(server, StartTime=before + timedelta(hours=1))
        assert json.loads(later["CloudTrailEvent"])["requestParameters"] == {"userName": "later"}
        # Four events kept: the lookups above count too, so the first users are gone.
        assert len(server.store.trail) == 4
        assert _names(server) == ["later"]
    assert (tmp_path / "trail.sqlite").is_file()
    with Server(config) as restarted:
        kept = [r.action for r in restarted.store.trail.records()]
        assert kept == ["CreateUser", "LookupEvents", "LookupEvents", "LookupEvents"]
        assert _names(restarted) == ["later"]
        first = restarted.store.trail.records()[0]
        assert first.caller is not None and first.caller.arn == f"arn:aws:iam::{ACCOUNT}:root"
    with Server(Config(port=0, imds_port=0, state_dir=str(tmp_path), trail_limit=2)) as smaller:
        assert len(smaller.store.trail) == 2
