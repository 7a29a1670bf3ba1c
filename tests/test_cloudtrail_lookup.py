"""LookupEvents' paging, time range and validation errors through boto3, the JSON protocol's own
errors on the wire (and a hypothesis test of its parser), and the AWS CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from hypothesis import given
from hypothesis import strategies as st

from ec2sim.api.errors import AwsError
from ec2sim.api.json_protocol import parse_json
from ec2sim.server import Server
from tests.helpers import aws_error

Client = Callable[..., Any]
TARGET = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101."
BY_NAME = [{"AttributeKey": "EventName", "AttributeValue": "DescribeRegions"}]


def test_paging_is_newest_first_and_complete(make_client: Client, account_id: str) -> None:
    ec2, cloudtrail = make_client("ec2", account_id), make_client("cloudtrail", account_id)
    request_ids = [ec2.describe_regions()["ResponseMetadata"]["RequestId"] for _ in range(5)]
    pages = list(
        cloudtrail.get_paginator("lookup_events").paginate(
            LookupAttributes=BY_NAME, PaginationConfig={"PageSize": 2}
        )
    )
    assert [len(page["Events"]) for page in pages] == [2, 2, 1]
    events = [event for page in pages for event in page["Events"]]
    assert [json.loads(e["CloudTrailEvent"])["requestID"] for e in events] == request_ids[::-1]
    times = [e["EventTime"] for e in events]
    assert times == sorted(times, reverse=True)
    # A token belongs to its query: another lookup attribute, time range or category refuses it.
    token = pages[0]["NextToken"]
    assert cloudtrail.lookup_events(LookupAttributes=BY_NAME, MaxResults=3, NextToken=token)["Events"]
    with aws_error("InvalidNextTokenException", 400, "NextToken"):
        cloudtrail.lookup_events(NextToken=token)
    with aws_error("InvalidNextTokenException", 400):
        cloudtrail.lookup_events(LookupAttributes=BY_NAME, NextToken="not-a-token")


def test_time_range(make_client: Client, account_id: str) -> None:
    ec2, cloudtrail = make_client("ec2", account_id), make_client("cloudtrail", account_id)
    ec2.describe_regions()
    (event,) = cloudtrail.lookup_events(LookupAttributes=BY_NAME)["Events"]
    at = event["EventTime"]
    second = timedelta(seconds=1)

    def found(**times: datetime) -> int:
        return len(cloudtrail.lookup_events(LookupAttributes=BY_NAME, **times)["Events"])

    assert found(StartTime=at - second, EndTime=at + second) == 1
    assert found(StartTime=at + second) == 0
    assert found(EndTime=at - second) == 0
    assert found(StartTime=at - timedelta(days=1)) == 1


def test_validation_errors(make_client: Client, account_id: str) -> None:
    cloudtrail = make_client("cloudtrail", account_id)
    now = datetime.now(timezone.utc)
    two = [*BY_NAME, {"AttributeKey": "Username", "AttributeValue": "root"}]
    with aws_error("InvalidLookupAttributesException", 400, "only one lookup attribute"):
        cloudtrail.lookup_events(LookupAttributes=two)
    with aws_error("InvalidLookupAttributesException", 400, "Shoe"):
        cloudtrail.lookup_events(LookupAttributes=[{"AttributeKey": "Shoe", "AttributeValue": "x"}])
    with aws_error("InvalidTimeRangeException", 400, "start time must be before the end time"):
        cloudtrail.lookup_events(StartTime=now, EndTime=now - timedelta(hours=1))
    with aws_error("InvalidMaxResultsException", 400, "between 1 and 50"):
        cloudtrail.lookup_events(MaxResults=51)
    with aws_error("InvalidEventCategoryException", 400, "bogus"):
        cloudtrail.lookup_events(EventCategory="bogus")
    assert cloudtrail.lookup_events(EventCategory="insight")["Events"] == []
    with aws_error("Unsupported", 400, "DescribeTrails is not yet supported by ec2sim"):
        cloudtrail.describe_trails()


def _client(server: Server, key_id: str, secret: str) -> Any:
    return boto3.client(
        "cloudtrail",
        region_name="us-east-1",
        endpoint_url=server.api_url,
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
    )


def test_a_caller_without_permission_is_denied(server: Server, iam: Any, account_id: str) -> None:
    iam.create_user(UserName="nobody")
    key = iam.create_access_key(UserName="nobody")["AccessKey"]
    cloudtrail = _client(server, key["AccessKeyId"], key["SecretAccessKey"])
    message = (
        f"User: arn:aws:iam::{account_id}:user/nobody is not authorized to perform: cloudtrail:LookupEvents "
        "because no identity-based policy allows the cloudtrail:LookupEvents action"
    )
    with aws_error("AccessDeniedException", 400, message):
        cloudtrail.lookup_events()
    wrong = _client(server, key["AccessKeyId"], "no")
    with aws_error("InvalidSignatureException", 400):
        wrong.lookup_events()


def _post(server: Server, body: bytes | str, operation: str = "LookupEvents") -> requests.Response:
    headers = {"X-Amz-Target": TARGET + operation, "Content-Type": "application/x-amz-json-1.1"}
    return requests.post(server.api_url + "/", data=body, headers=headers, timeout=30)


def test_json_protocol_errors_on_the_wire(server: Server) -> None:
    cases = [
        (b"{not json", "SerializationException"),
        (b"[1, 2]", "SerializationException"),
        (b'{"MaxResults": "5"}', "SerializationException"),
        (b'{"StartTime": "yesterday"}', "SerializationException"),
        (b'{"LookupAttributes": {"AttributeKey": "EventName"}}', "SerializationException"),
        (b'{"LookupAttributes": [{"AttributeKey": "EventName"}]}', "ValidationException"),
        (b"\xff\xfe", "SerializationException"),
        (b"[" * 5000, "SerializationException"),
    ]
    for body, code in cases:
        response = _post(server, body)
        assert response.status_code == 400, body
        assert response.headers["Content-Type"] == "application/x-amz-json-1.1"
        assert response.json()["__type"] == code, (body, response.text)
    unknown = _post(server, b"{}", "NoSuchOperation")
    assert (unknown.status_code, unknown.json()["__type"]) == (400, "UnknownOperationException")
    ok = _post(server, b'{"MaxResults": 1, "StartTime": 0}')
    assert ok.status_code == 200 and isinstance(ok.json()["Events"], list)


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=12,
)
_members = st.sampled_from(
    ["LookupAttributes", "StartTime", "EndTime", "EventCategory", "MaxResults", "NextToken", "Other"]
)
_bodies = st.one_of(
    st.dictionaries(_members, _json_values, max_size=4).map(lambda d: json.dumps(d).encode()),
    st.binary(max_size=40),
)


@given(body=_bodies)
def test_the_json_parser_answers_bad_input_with_a_client_error(body: bytes) -> None:
    try:
        parsed = parse_json("cloudtrail", "LookupEvents", body)
    except AwsError as error:
        assert error.code in ("SerializationException", "ValidationException")
        assert error.status_for("cloudtrail") == 400
    else:
        assert isinstance(parsed, dict)


def test_aws_cli_lookup_events(server: Server, make_client: Client, account_id: str, tmp_path: Path) -> None:
    aws = Path(sys.executable).parent / "aws"
    if not aws.exists():
        pytest.skip("the AWS CLI is not installed")
    vpc = make_client("ec2", account_id).create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": account_id,
        "AWS_SECRET_ACCESS_KEY": "secret",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": str(tmp_path / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"),
    }
    command = [str(aws), "--endpoint-url", server.api_url, "--output", "json", "cloudtrail", "lookup-events"]
    command += ["--lookup-attributes", f"AttributeKey=ResourceName,AttributeValue={vpc}"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    (event,) = json.loads(done.stdout)["Events"]
    assert event["EventName"] == "CreateVpc" and event["Username"] == "root"
    assert json.loads(event["CloudTrailEvent"])["responseElements"]["vpc"]["vpcId"] == vpc
