"""Durable state against a real process: ``kill -9`` while 8 threads write loses no acknowledged
write, and a second server on the same state directory is refused (exit status 2, one line)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config as BotoConfig

from tests.test_cli import _env, _run, serve

ACCOUNT = "246813579024"
WRITERS = 8
_BOTO = BotoConfig(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=10)


def _client(url: str, service: str) -> Any:
    return boto3.client(
        service,
        region_name="us-east-1",
        endpoint_url=url,
        aws_access_key_id=ACCOUNT,
        aws_secret_access_key="x",
        config=_BOTO,
    )


def _writer(
    url: str, number: int, ami: str, acknowledged: list[tuple[str, str]], stop: threading.Event
) -> None:
    """Writes of four kinds in turn (EC2 rows and IAM changes), noting each one answered."""
    ec2, iam = _client(url, "ec2"), _client(url, "iam")
    writes: list[Callable[[str], tuple[str, str]]] = [
        lambda name: ("volume", ec2.create_volume(AvailabilityZone="us-east-1a", Size=1)["VolumeId"]),
        lambda name: ("user", iam.create_user(UserName=name)["User"]["UserName"]),
        lambda name: ("group", ec2.create_security_group(GroupName=name, Description="d")["GroupId"]),
        lambda name: (
            "instance",
            ec2.run_instances(ImageId=ami, MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"],
        ),
    ]
    count = 0
    while not stop.is_set():
        try:
            done = writes[count % len(writes)](f"w{number}-{count}")
        except Exception:  # noqa: BLE001 - the server was killed under this request: it was never answered
            return
        acknowledged.append(done)
        count += 1


def _present(url: str) -> dict[str, set[str]]:
    ec2, iam = _client(url, "ec2"), _client(url, "iam")
    users = {u["UserName"] for page in iam.get_paginator("list_users").paginate() for u in page["Users"]}
    volumes = {
        v["VolumeId"] for page in ec2.get_paginator("describe_volumes").paginate() for v in page["Volumes"]
    }
    described = [
        i
        for page in ec2.get_paginator("describe_instances").paginate()
        for r in page["Reservations"]
        for i in r["Instances"]
    ]
    instances = {i["InstanceId"] for i in described}
    # No half-applied launch: every instance has the root volume it was launched with.
    roots = {d["Ebs"]["VolumeId"] for i in described for d in i["BlockDeviceMappings"]}
    assert len(roots) == len(described) and roots <= volumes
    groups = {
        g["GroupId"]
        for page in ec2.get_paginator("describe_security_groups").paginate()
        for g in page["SecurityGroups"]
    }
    return {"user": users, "volume": volumes, "instance": instances, "group": groups}


def test_sigkill_loses_no_acknowledged_write(tmp_path: Path) -> None:
    state = str(tmp_path / "state")
    acknowledged: list[tuple[str, str]] = []
    stop = threading.Event()
    with serve("--port", "0", "--imds-port", "0", "--state-dir", state) as running:
        ami = _client(running.api_url, "ec2").describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
        threads = [
            threading.Thread(target=_writer, args=(running.api_url, n, ami, acknowledged, stop), daemon=True)
            for n in range(WRITERS)
        ]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 20
        while len(acknowledged) < 150 and time.monotonic() < deadline:
            time.sleep(0.02)
        running.proc.kill()  # SIGKILL, in the middle of the writers' requests
        running.proc.wait(timeout=10)
        stop.set()
        for thread in threads:
            thread.join(timeout=15)
    assert len(acknowledged) >= 50, "the writers got going before the kill"
    with serve("--port", "0", "--imds-port", "0", "--state-dir", state) as restarted:
        present = _present(restarted.api_url)
    missing = [(kind, name) for kind, name in acknowledged if name not in present[kind]]
    assert not missing, f"{len(missing)} acknowledged writes lost, e.g. {missing[:5]}"


def test_a_second_server_on_the_same_state_directory_exits_2(tmp_path: Path) -> None:
    state = str(tmp_path / "state")
    with serve("--port", "0", "--imds-port", "0", "--state-dir", state) as running:
        second = _run("serve", "--port", "0", "--imds-port", "0", env=_env(EC2SIM_STATE_DIR=state))
        assert second.returncode == 2
        lines = second.stderr.strip().splitlines()
        assert lines == [
            f"ec2sim: state directory {state} is in use by another ec2sim (pid {running.proc.pid})"
        ]
