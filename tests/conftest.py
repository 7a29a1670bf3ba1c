"""The suite's fixtures: short names over ec2sim's own pytest plugin (ec2sim/pytest_plugin.py).

The plugin starts one server per session (per xdist worker) on free ports and gives each test a
fresh account (a 12-digit access key of its own), so tests neither depend on order nor collide.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from ec2sim.server import Server
from ec2sim.testing import EmulatorAccount, EmulatorServer

# Property-based tests: a small budget in `make test`; EC2SIM_HYPOTHESIS_EXAMPLES=2000 (say) for a long run.
settings.register_profile(
    "ec2sim",
    max_examples=int(os.environ.get("EC2SIM_HYPOTHESIS_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.load_profile("ec2sim")


@pytest.fixture(scope="session")
def server(ec2sim_server: EmulatorServer) -> Server:
    """The session's server itself (its store, config, URLs)."""
    return ec2sim_server.server


@pytest.fixture
def account_id(ec2sim: EmulatorAccount) -> str:
    return ec2sim.account_id


@pytest.fixture
def make_client(ec2sim_server: EmulatorServer) -> Callable[..., Any]:
    """``make_client("ec2", account_id)``: a boto3 client for `account_id`'s root user."""

    def make(service: str, account: str, region: str = "us-east-1", secret: str = "secret") -> Any:
        return ec2sim_server.boto3_client(
            service, region_name=region, aws_access_key_id=account, aws_secret_access_key=secret
        )

    return make


@pytest.fixture
def ec2(ec2sim: EmulatorAccount) -> Any:
    return ec2sim.boto3_client("ec2")


@pytest.fixture
def iam(ec2sim: EmulatorAccount) -> Any:
    return ec2sim.boto3_client("iam")


@pytest.fixture
def sts(ec2sim: EmulatorAccount) -> Any:
    return ec2sim.boto3_client("sts")
