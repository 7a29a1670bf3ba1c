"""A real server on free ports for the session; a fresh account per test.

Each test gets its own 12-digit access key, so it sees a brand-new account and
tests neither depend on order nor collide under pytest-xdist.
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config as BotoConfig
from hypothesis import HealthCheck, settings

from ec2sim.config import Config
from ec2sim.server import Server

_BOTO_CONFIG = BotoConfig(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=30)

# Property-based tests: a small budget in `make test`; EC2SIM_HYPOTHESIS_EXAMPLES=2000 (say) for a long run.
settings.register_profile(
    "ec2sim",
    max_examples=int(os.environ.get("EC2SIM_HYPOTHESIS_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.load_profile("ec2sim")


@pytest.fixture(scope="session")
def server() -> Iterator[Server]:
    with Server(Config(port=0, imds_port=0)) as running:
        yield running


@pytest.fixture
def account_id() -> str:
    return str(random.randrange(10**11, 10**12))


@pytest.fixture
def make_client(server: Server) -> Callable[..., Any]:
    """``make_client("ec2", account_id)``: a boto3 client for `account_id`'s root user."""

    def make(service: str, account: str, region: str = "us-east-1", secret: str = "secret") -> Any:
        return boto3.client(
            service,
            region_name=region,
            endpoint_url=server.api_url,
            aws_access_key_id=account,
            aws_secret_access_key=secret,
            config=_BOTO_CONFIG,
        )

    return make


@pytest.fixture
def ec2(make_client: Callable[..., Any], account_id: str) -> Any:
    return make_client("ec2", account_id)


@pytest.fixture
def iam(make_client: Callable[..., Any], account_id: str) -> Any:
    return make_client("iam", account_id)


@pytest.fixture
def sts(make_client: Callable[..., Any], account_id: str) -> Any:
    return make_client("sts", account_id)
