"""boto3 and the AWS CLI, given nothing but the metadata endpoint, run as the instance's role,
with exactly its permissions.

Each runs in a clean environment (no keys, no config files) in a subprocess, with
``AWS_EC2_METADATA_SERVICE_ENDPOINT`` naming the instance by its path prefix,
which botocore keeps (it appends ``latest/...`` to the endpoint as given).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from typing import Any

import pytest

from ec2sim.server import Server
from tests.test_metadata import launch

_SCRIPT = """
import json, boto3
session = boto3.Session()
credentials = session.get_credentials()
sts = session.client("sts", endpoint_url="{api}")
ec2 = session.client("ec2", endpoint_url="{api}")
found = ec2.describe_instances(InstanceIds=["{instance}"])["Reservations"][0]["Instances"][0]
try:
    ec2.describe_vpcs()
    denied = None
except ec2.exceptions.ClientError as error:
    denied = error.response["Error"]["Code"]
print(json.dumps({{"method": credentials.method, "arn": sts.get_caller_identity()["Arn"],
                  "state": found["State"]["Name"], "denied": denied}}))
"""
_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "ec2:DescribeInstances", "Resource": "*"}],
    }
)


def _launch_with_role(ec2: Any, iam: Any, **kwargs: Any) -> str:
    """An instance whose role may describe instances, and nothing else."""
    instance_id = launch(ec2, iam, **kwargs)["InstanceId"]
    iam.put_role_policy(RoleName="app-role", PolicyName="describe", PolicyDocument=_POLICY)
    return instance_id


def _clean_env(server: Server, instance_id: str) -> dict[str, str]:
    return {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/tmp"),
        "AWS_EC2_METADATA_SERVICE_ENDPOINT": f"{server.imds_url}/{instance_id}/",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
    }


@pytest.mark.parametrize("tokens", ["required", "optional"])
def test_boto3_gets_role_credentials_from_the_endpoint(ec2, iam, server, account_id, tokens):
    instance_id = _launch_with_role(ec2, iam, MetadataOptions={"HttpTokens": tokens})
    script = _SCRIPT.format(api=server.api_url, instance=instance_id)
    done = subprocess.run(
        [sys.executable, "-c", script],
        env=_clean_env(server, instance_id),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result == {
        "method": "iam-role",
        "arn": f"arn:aws:sts::{account_id}:assumed-role/app-role/{instance_id}",
        "state": "running",
        "denied": "UnauthorizedOperation",
    }


@pytest.mark.skipif(shutil.which("aws") is None, reason="the AWS CLI is not installed")
def test_aws_cli_gets_role_credentials_from_the_endpoint(ec2, iam, server, account_id):
    instance_id = _launch_with_role(ec2, iam)
    env = _clean_env(server, instance_id)
    done = subprocess.run(
        ["aws", "sts", "get-caller-identity", "--endpoint-url", server.api_url, "--output", "json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["Arn"] == f"arn:aws:sts::{account_id}:assumed-role/app-role/{instance_id}"
    done = subprocess.run(
        [
            "aws",
            "ec2",
            "describe-instances",
            "--endpoint-url",
            server.api_url,
            "--instance-ids",
            instance_id,
            "--output",
            "json",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["Reservations"][0]["Instances"][0]["InstanceId"] == instance_id
    done = subprocess.run(
        ["aws", "ec2", "describe-vpcs", "--endpoint-url", server.api_url],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode != 0 and "UnauthorizedOperation" in done.stderr
