"""The pytest plugin as a user gets it: installed (entry point `pytest11`), in a project of its own;
the context manager in a plain Python process; the helpers' boto3 defaults."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from botocore.config import Config as BotoConfig

from ec2sim.testing import EmulatorAccount, EmulatorServer

pytest_plugins = ["pytester"]

# A user's conftest.py: the server's settings through the `ec2sim_config` fixture.
USER_CONFTEST = """
import pytest
from ec2sim.testing import free_port_config

@pytest.fixture(scope="session")
def ec2sim_config():
    return free_port_config(instance_start_seconds=30)
"""

# A user's tests, using nothing but the plugin's fixtures and boto3.
USER_TESTS = """
import urllib.request

import pytest


@pytest.mark.parametrize("attempt", [1, 2])
def test_each_test_has_an_account_of_its_own(ec2sim, attempt):
    iam = ec2sim.boto3_client("iam")
    iam.create_user(UserName="alice")  # the same name in each test: no EntityAlreadyExists
    assert [u["UserName"] for u in iam.list_users()["Users"]] == ["alice"]
    assert ec2sim.boto3_client("sts").get_caller_identity()["Account"] == ec2sim.account_id


def _launch(ec2):
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    return ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]


def test_the_clock_moves_an_instance_to_running(ec2sim, ec2sim_server):
    ec2 = ec2sim.boto3_session().client("ec2")
    instance = _launch(ec2)
    state = lambda: ec2.describe_instances(InstanceIds=[instance])["Reservations"][0]["Instances"][0]["State"]
    assert state()["Name"] == "pending"  # instance_start_seconds=30, from the conftest
    ec2sim_server.advance_clock(30)
    assert state()["Name"] == "running"


def test_an_instance_reads_its_metadata(ec2sim, ec2sim_server):
    ec2 = ec2sim.boto3_client("ec2")
    instance = _launch(ec2)
    ec2sim_server.advance_clock(30)
    base = ec2sim.imds_url_for(instance)
    token = urllib.request.urlopen(urllib.request.Request(
        base + "latest/api/token", method="PUT", headers={"X-aws-ec2-metadata-token-ttl-seconds": "60"}
    )).read().decode()
    answer = urllib.request.urlopen(urllib.request.Request(
        base + "latest/meta-data/instance-id", headers={"X-aws-ec2-metadata-token": token}
    ))
    assert answer.read().decode() == instance
"""


README = Path(__file__).resolve().parent.parent / "README.md"


def readme_example() -> str:
    """The README's example test file (the code block that starts ``# test_example.py``)."""
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    return next(block for block in blocks if block.startswith("# test_example.py"))


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["one process", "xdist"])
def test_the_installed_plugin_serves_a_users_tests(pytester: pytest.Pytester, workers: list[str]) -> None:
    pytester.makeconftest(USER_CONFTEST)
    pytester.makepyfile(test_user=USER_TESTS, test_example=readme_example())
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", *workers, timeout=180)
    result.assert_outcomes(passed=6)


# A plain script, no pytest: the emulator is imported only when the server starts, boto3 only when a
# client is made, and the listeners are gone after the `with` block.
SCRIPT = """
import socket, sys
import ec2sim.testing

assert "boto3" not in sys.modules and "ec2sim.server" not in sys.modules
with ec2sim.testing.server(region="eu-west-1") as s:
    account = s.new_account()
    ec2 = account.boto3_client("ec2")
    assert ec2.meta.region_name == "us-east-1"
    assert account.boto3_client("sts").get_caller_identity()["Account"] == account.account_id
    assert s.boto3_client("sts").get_caller_identity()["Account"] == s.config.account_id
    port = s.server.api_port
socket.create_connection(("127.0.0.1", port), timeout=5)  # refused: the server stopped
"""


def test_the_context_manager_outside_pytest() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120, check=False
    )
    assert "ConnectionRefusedError" in done.stderr, done.stderr


def test_clients_default_to_the_server_us_east_1_and_one_retry(ec2sim: EmulatorAccount) -> None:
    client = ec2sim.boto3_client("ec2")
    assert client.meta.endpoint_url == ec2sim.server.endpoint_url
    assert client.meta.region_name == "us-east-1"
    assert client.meta.config.retries["total_max_attempts"] == 2
    other = ec2sim.boto3_client(
        "ec2", region_name="eu-west-1", config=BotoConfig(retries={"max_attempts": 0})
    )
    assert (other.meta.region_name, other.meta.config.retries["total_max_attempts"]) == ("eu-west-1", 1)


def test_sessions_point_their_clients_and_resources_at_the_server(ec2sim: EmulatorAccount) -> None:
    session = ec2sim.boto3_session(region_name="eu-west-1")
    resource: Any = session.resource("ec2")
    assert resource.meta.client.meta.endpoint_url == ec2sim.server.endpoint_url
    assert [vpc.is_default for vpc in resource.vpcs.all()] == [True]
    assert session.client("sts").get_caller_identity()["Account"] == ec2sim.account_id


def test_accounts_are_fresh_and_never_the_default(ec2sim_server: EmulatorServer) -> None:
    ids = {ec2sim_server.new_account().account_id for _ in range(50)}
    assert len(ids) == 50 and ec2sim_server.config.account_id not in ids
    assert all(len(i) == 12 and i.isdigit() for i in ids)


def test_bad_arguments_are_refused(ec2sim: EmulatorAccount) -> None:
    with pytest.raises(ValueError, match="not an instance id"):
        ec2sim.imds_url_for("../latest")
    with pytest.raises(ValueError, match="advance_seconds"):
        ec2sim.server.advance_clock(-1)


def test_the_suites_fixtures_are_the_plugins(
    server: Any, ec2sim_server: EmulatorServer, account_id: str, ec2sim: EmulatorAccount
) -> None:
    assert server is ec2sim_server.server and account_id == ec2sim.account_id
    instance = "i-0123456789abcdef0"
    assert ec2sim.imds_url_for(instance) == f"{ec2sim_server.imds_url}/{instance}/"
