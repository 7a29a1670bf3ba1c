"""A client pointed at ec2sim for a service it does not serve gets a clear error it can parse."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import boto3
import pytest
import requests
from botocore.config import Config as BotoConfig

from ec2sim.server import Server
from tests.helpers import aws_error

_MESSAGE = "it serves cloudtrail, ec2, iam, sts"


@pytest.mark.parametrize(
    ("service", "call"),
    [
        ("s3", lambda c: c.list_buckets()),  # REST-XML
        ("route53", lambda c: c.list_hosted_zones()),  # REST-XML, ErrorResponse-style service
        ("dynamodb", lambda c: c.list_tables()),  # JSON 1.0
        ("logs", lambda c: c.describe_log_groups()),  # JSON 1.1
        ("lambda", lambda c: c.list_functions()),  # REST-JSON
        ("sqs", lambda c: c.list_queues()),  # JSON in current botocore
        ("sns", lambda c: c.list_topics()),  # Query
    ],
)
def test_each_protocol_reads_the_error(server: Server, service: str, call: Callable[[Any], Any]) -> None:
    client = boto3.client(
        service,
        endpoint_url=server.api_url,
        region_name="us-east-1",
        aws_access_key_id="111122223333",
        aws_secret_access_key="x",
        config=BotoConfig(retries={"max_attempts": 1}),
    )
    with aws_error("UnsupportedService", 400, f"ec2sim does not serve the '{service}' service; {_MESSAGE}"):
        call(client)


def test_signing_names_botocore_does_not_know(server: Server) -> None:
    """A name that is no botocore service (or tries to be a path) is answered, never looked up as a file."""
    for name in ("nosuchservice", "..", "ec2%2F..", "a" * 200):
        auth = (
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/"
            f"{name}/aws4_request, SignedHeaders=host, Signature=" + "0" * 64
        )
        response = requests.get(server.api_url + "/", headers={"Authorization": auth}, timeout=5)
        assert response.status_code == 400, response.text
        assert "<Code>UnsupportedService</Code>" in response.text


def test_aws_cli_says_what_is_served(server: Server) -> None:
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "111122223333",
        "AWS_SECRET_ACCESS_KEY": "x",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_MAX_ATTEMPTS": "1",
    }
    done = subprocess.run(
        [sys.executable, "-m", "awscli", "--endpoint-url", server.api_url, "s3", "ls"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode != 0
    assert "UnsupportedService" in done.stderr and _MESSAGE in done.stderr, done.stderr
