"""The pytest plugin (entry point ``pytest11``): a server per test session, an account per test.

- ``ec2sim_server`` (session): an `EmulatorServer` on free ports, in threads of the test process.
- ``ec2sim`` (function): an `EmulatorAccount`, a fresh account on that server. Tests on different
  accounts never see each other's resources, so tests are independent of order and each pytest-xdist
  worker (one server each) runs its share safely.
- ``ec2sim_config`` (session): the server's settings; override it in a conftest.py to change them.
- ``--ec2sim-record-policy DIR``: at the session's end, one least-privilege policy per principal that
  made calls, in DIR (`EmulatorServer.write_recorded_policies`).

Disable with ``-p no:ec2sim``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ec2sim.config import Config
from ec2sim.testing import EmulatorAccount, EmulatorServer, free_port_config, server


@pytest.fixture(scope="session")
def ec2sim_config() -> Config:
    """The settings of the session's server: both listeners on free ports, every other setting its
    default. Override in a conftest.py, e.g. ``return free_port_config(instance_start_seconds=30)``."""
    return free_port_config()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("ec2sim").addoption(
        "--ec2sim-record-policy",
        metavar="DIR",
        help="at the end, write the policy each principal's calls needed to DIR (one file per principal)",
    )


@pytest.fixture(scope="session")
def ec2sim_server(ec2sim_config: Config, request: pytest.FixtureRequest) -> Iterator[EmulatorServer]:
    """One server for the session (per xdist worker), stopped at its end."""
    with server(ec2sim_config) as running:
        yield running
        directory = request.config.getoption("ec2sim_record_policy")
        if directory:
            running.write_recorded_policies(directory)


@pytest.fixture
def ec2sim(ec2sim_server: EmulatorServer) -> EmulatorAccount:
    """A brand-new account on the session's server, whose clients act as its root user."""
    return ec2sim_server.new_account()
