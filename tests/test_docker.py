"""The image end to end: built from docker/Dockerfile, healthy on the port it was told, serving
instance metadata at 169.254.169.254 on port 80 to another container, whose role credentials work.

Runs only when selected, `pytest -m docker tests/test_docker.py`, and skips where no Docker engine
answers: it builds an image (about a minute without cache) and, while it runs, routes
169.254.169.0/24 to a Docker network on this host. The base image is $PYTHON_IMAGE if set, else
the local stand-in that ../shared/docker/local-base.sh builds where it exists (no registry is
reachable there), else python:3.11-slim. Everything it creates is removed, pass or fail, except
the build cache.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.test_metadata import launch

pytestmark = pytest.mark.docker

ROOT = Path(__file__).resolve().parent.parent
LOCAL_BASE = ROOT.parent / "shared" / "docker" / "local-base.sh"
SUBNET, IMDS_IP, API_PORT = "169.254.169.0/24", "169.254.169.254", 6000

# Runs in the second container (the image's own Python and botocore): IMDSv2 by hand, then STS
# with the credentials it returned. IMDSv1 is refused first: the instance requires tokens.
_CLIENT = f"""
import json, urllib.error, urllib.request, botocore.session
base = "http://{IMDS_IP}/latest/"
def call(path, method="GET", **headers):
    request = urllib.request.Request(base + path, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, ""
v1_status, _ = call("meta-data/iam/security-credentials/")
_, token = call("api/token", "PUT", **{{"X-aws-ec2-metadata-token-ttl-seconds": "60"}})
_, role = call("meta-data/iam/security-credentials/", **{{"X-aws-ec2-metadata-token": token}})
_, body = call("meta-data/iam/security-credentials/" + role, **{{"X-aws-ec2-metadata-token": token}})
keys = json.loads(body)
sts = botocore.session.get_session().create_client(
    "sts", region_name="us-east-1", endpoint_url="http://{IMDS_IP}:{API_PORT}",
    aws_access_key_id=keys["AccessKeyId"], aws_secret_access_key=keys["SecretAccessKey"],
    aws_session_token=keys["Token"])
print(json.dumps({{"v1_status": v1_status, "role": role, "key": keys["AccessKeyId"],
                  "arn": sts.get_caller_identity()["Arn"]}}))
"""


def docker(*args: str, timeout: float = 60) -> str:
    """`docker ARGS`' standard output; a failure shows its standard error."""
    result = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"docker {' '.join(args[:3])}…: {result.stderr.strip()}"
    return result.stdout.strip()


def _engine_answers() -> bool:
    if shutil.which("docker") is None:
        return False
    return subprocess.run(["docker", "info"], capture_output=True, timeout=30).returncode == 0


def _base_image() -> str:
    if os.environ.get("PYTHON_IMAGE"):
        return os.environ["PYTHON_IMAGE"]
    if LOCAL_BASE.exists():
        result = subprocess.run(["bash", str(LOCAL_BASE)], capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, result.stderr
        return result.stdout.strip().splitlines()[-1]
    return "python:3.11-slim"


@pytest.fixture
def names(request: pytest.FixtureRequest) -> Iterator[dict[str, str]]:
    """Names of this run's image, network and container; all removed at the end, pass or fail."""
    if "docker" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("builds an image and a 169.254.169.0/24 network: run with `pytest -m docker`")
    if not _engine_answers():
        pytest.skip("no Docker engine answers `docker info`")
    suffix = uuid.uuid4().hex[:8]
    made = {
        "image": f"ec2sim-test:{suffix}",
        "network": f"ec2sim-test-{suffix}",
        "server": f"ec2sim-{suffix}",
    }
    try:
        yield made
    finally:
        for command in (
            ["rm", "-f", made["server"], made["server"] + "-client"],
            ["network", "rm", made["network"]],
            ["rmi", made["image"]],
        ):
            subprocess.run(["docker", *command], capture_output=True, timeout=60)


def _wait_healthy(container: str, seconds: float = 90) -> dict[str, Any]:
    """The container's health once `healthy`; fails with its logs if it exits or turns unhealthy."""
    deadline = time.monotonic() + seconds
    while True:
        state = json.loads(docker("inspect", "--format", "{{json .State}}", container))
        health = state.get("Health") or {}
        if health.get("Status") == "healthy":
            return health
        if not state["Running"] or health.get("Status") == "unhealthy" or time.monotonic() > deadline:
            logs = subprocess.run(
                ["docker", "logs", container], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
            ).stdout
            pytest.fail(f"{container} not healthy: {json.dumps(state)[:2000]}\n{logs[-3000:]}")
        time.sleep(0.5)


def test_image_serves_role_credentials_at_169_254_169_254(names: dict[str, str]) -> None:
    docker(
        "build",
        "--build-arg",
        f"PYTHON_IMAGE={_base_image()}",
        "-f",
        "docker/Dockerfile",
        "-t",
        names["image"],
        str(ROOT),
        timeout=900,
    )
    assert docker("image", "inspect", "--format", "{{.Config.User}}", names["image"]) == "10001:10001"
    docker("network", "create", "--subnet", SUBNET, names["network"])
    # Flags after the image name: the API on 6000 (not the default 5000, so a health check that
    # ignored them would fail), metadata on 80 as a non-root user.
    docker(
        "run",
        "--detach",
        "--name",
        names["server"],
        "--network",
        names["network"],
        "--ip",
        IMDS_IP,
        "--sysctl",
        "net.ipv4.ip_unprivileged_port_start=0",
        "--publish",
        f"127.0.0.1::{API_PORT}",
        "--health-interval",
        "1s",
        names["image"],
        "--port",
        str(API_PORT),
        "--imds-port",
        "80",
    )
    health = _wait_healthy(names["server"])
    assert f"127.0.0.1:{API_PORT}/_ec2sim/health: running" in health["Log"][-1]["Output"]

    published = docker("port", names["server"], f"{API_PORT}/tcp").splitlines()[0]
    account = str(random.randrange(10**11, 10**12))
    session = boto3.Session(aws_access_key_id=account, aws_secret_access_key="x", region_name="us-east-1")
    endpoint = f"http://{published}"
    instance = launch(
        session.client("ec2", endpoint_url=endpoint),
        session.client("iam", endpoint_url=endpoint),
        MetadataOptions={"HttpTokens": "required"},
    )

    output = docker(
        "run",
        "--rm",
        "--name",
        names["server"] + "-client",
        "--network",
        names["network"],
        "--entrypoint",
        "python",
        names["image"],
        "-c",
        _CLIENT,
        timeout=120,
    )
    seen = json.loads(output.splitlines()[-1])
    assert seen["v1_status"] == 401
    assert seen["role"] == "app-role"
    assert seen["key"].startswith("ASIA")
    assert seen["arn"] == f"arn:aws:sts::{account}:assumed-role/app-role/{instance['InstanceId']}"
