"""Round trips through botocore: its serializer feeds our parser, our renderer feeds its parser."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qsl

import pytest
from botocore.parsers import create_parser
from botocore.serialize import create_serializer

from ec2sim.api.errors import AwsError
from ec2sim.api.models import SERVICE_INFO
from ec2sim.api.parsing import parse_request, pattern
from ec2sim.api.rendering import renderer_for

REQUESTS: list[tuple[str, str, dict[str, Any]]] = [
    (
        "ec2",
        "RunInstances",
        {
            "ImageId": "ami-0123456789abcdef0",
            "MinCount": 1,
            "MaxCount": 3,
            "InstanceType": "t3.micro",
            "SecurityGroupIds": ["sg-1", "sg-2"],
            "UserData": "aGVsbG8=",
            "DisableApiTermination": True,
            "BlockDeviceMappings": [
                {"DeviceName": "/dev/sdf", "Ebs": {"VolumeSize": 20, "DeleteOnTermination": False}}
            ],
            "TagSpecifications": [{"ResourceType": "instance", "Tags": [{"Key": "a b", "Value": "é&="}]}],
            "IamInstanceProfile": {"Name": "web"},
            "MetadataOptions": {"HttpTokens": "required"},
        },
    ),
    (
        "ec2",
        "DescribeImages",
        {
            "Owners": ["self", "amazon"],
            "ExecutableUsers": ["all"],
            "Filters": [{"Name": "name", "Values": ["al2023-*", "x?"]}],
        },
    ),
    (
        "ec2",
        "ModifyImageAttribute",
        {
            "ImageId": "ami-1",
            "LaunchPermission": {"Add": [{"UserId": "123456789012"}], "Remove": [{"Group": "all"}]},
        },
    ),
    ("ec2", "ImportKeyPair", {"KeyName": "k", "PublicKeyMaterial": b"ssh-ed25519 AAAA"}),
    ("iam", "CreateUser", {"UserName": "alice", "Path": "/a/", "Tags": [{"Key": "team", "Value": "blue"}]}),
    (
        "sts",
        "AssumeRole",
        {
            "RoleArn": "arn:aws:iam::123456789012:role/r",
            "RoleSessionName": "s1",
            "PolicyArns": [{"arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}],
            "DurationSeconds": 900,
            "Tags": [{"Key": "k", "Value": "v"}],
        },
    ),
]


@pytest.mark.parametrize(("service", "operation", "params"), REQUESTS, ids=[r[1] for r in REQUESTS])
def test_botocore_requests_parse_back(service: str, operation: str, params: dict[str, Any]) -> None:
    info = SERVICE_INFO[service]
    serialized = create_serializer(info.protocol).serialize_to_request(params, info.operation(operation))
    body = serialized["body"]
    flat = {k: str(v) for k, v in body.items()} if isinstance(body, dict) else dict(parse_qsl(body))
    assert parse_request(service, operation, flat) == params


def test_ec2_missing_and_malformed_parameters() -> None:
    with pytest.raises(AwsError) as missing:
        parse_request("ec2", "RunInstances", {"MinCount": "1"})
    assert (missing.value.code, missing.value.message) == (
        "MissingParameter",
        "The request must contain the parameter MaxCount",
    )
    with pytest.raises(AwsError) as malformed:
        parse_request("ec2", "RunInstances", {"MinCount": "one", "MaxCount": "1"})
    assert malformed.value.code == "InvalidParameterValue" and "MinCount" in malformed.value.message


def test_iam_validation_errors_are_all_reported() -> None:
    with pytest.raises(AwsError) as error:
        parse_request("iam", "CreateUser", {"UserName": "bad name!", "Path": "nope"})
    assert error.value.code == "ValidationError"
    message = error.value.message
    assert message.startswith("2 validation errors detected: ")
    assert (
        "Value 'bad name!' at 'userName' failed to satisfy constraint: Member must satisfy regular" in message
    )
    assert "Value 'nope' at 'path' failed to satisfy constraint" in message


RESPONSES: list[tuple[str, str, dict[str, Any]]] = [
    (
        "ec2",
        "DescribeInstances",
        {
            "Reservations": [
                {
                    "ReservationId": "r-1",
                    "OwnerId": "123456789012",
                    "Groups": [],
                    "Instances": [
                        {
                            "InstanceId": "i-1",
                            "State": {"Code": 16, "Name": "running"},
                            "LaunchTime": datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc),
                            "Tags": [{"Key": "<&>", "Value": "x"}],
                            "EbsOptimized": False,
                            "SecurityGroups": [{"GroupId": "sg-1", "GroupName": "default"}],
                        }
                    ],
                }
            ]
        },
    ),
    (
        "iam",
        "ListUsers",
        {
            "Users": [
                {
                    "Path": "/",
                    "UserName": "a",
                    "UserId": "AIDA1",
                    "Arn": "arn:aws:iam::1:user/a",
                    "CreateDate": datetime(2024, 1, 2, tzinfo=timezone.utc),
                }
            ],
            "IsTruncated": False,
        },
    ),
    ("sts", "GetCallerIdentity", {"UserId": "u", "Account": "123456789012", "Arn": "arn"}),
]


@pytest.mark.parametrize(("service", "operation", "result"), RESPONSES, ids=[r[1] for r in RESPONSES])
def test_rendered_responses_parse_in_botocore(service: str, operation: str, result: dict[str, Any]) -> None:
    info = SERVICE_INFO[service]
    op = info.operation(operation)
    body = renderer_for(info).body(op, info.namespace, "req-1", result)
    parsed = create_parser(info.protocol).parse(
        {"body": body.encode(), "headers": {}, "status_code": 200}, op.output_shape
    )
    parsed.pop("ResponseMetadata", None)
    assert parsed == result


def test_rendered_errors_parse_in_botocore() -> None:
    for service in ("ec2", "iam"):
        info = SERVICE_INFO[service]
        body = renderer_for(info).error_body(
            AwsError("SomeCode", "a <message> & more"), info.namespace, "rid"
        )
        parsed = create_parser(info.protocol).parse(
            {"body": body.encode(), "headers": {}, "status_code": 400}, None
        )
        assert parsed["Error"]["Code"] == "SomeCode" and parsed["Error"]["Message"] == "a <message> & more"


def test_every_model_pattern_compiles() -> None:
    """Java patterns of the models (``\\p{L}`` classes included) all work in Python."""
    for service in ("ec2", "iam", "sts"):
        model = SERVICE_INFO[service].model
        for name in model.shape_names:
            regex = model.shape_for(name).metadata.get("pattern")
            if regex:
                pattern(regex)  # raises if Python can't use it


def test_unicode_tag_pattern() -> None:
    tag_value = pattern(r"[\p{L}\p{Z}\p{N}_.:/=+\-@]*")
    assert tag_value.fullmatch("Équipe 42 :/=+-@_.")
    assert not tag_value.fullmatch("a*b") and not tag_value.fullmatch("x\u0001")
    assert tag_value.fullmatch("")
    with pytest.raises(AwsError) as error:
        parse_request(
            "iam", "TagUser", {"UserName": "u", "Tags.member.1.Key": "a*b", "Tags.member.1.Value": "v"}
        )
    assert error.value.code == "ValidationError" and "tags.1.member.key" in error.value.message


def test_java_word_classes_are_ascii() -> None:
    """``\\w`` in a model pattern is Java's ASCII class: a name with "ü" is refused (a virtual MFA
    device named so once overflowed the QR code with its percent-encoding: a 500)."""
    assert pattern(r"[\w+=,.@-]+").fullmatch("build_bot-1+=,.@")
    for name in ("bücher", "名前", "x\u00a0"):
        with pytest.raises(AwsError) as error:
            parse_request("iam", "CreateVirtualMFADevice", {"VirtualMFADeviceName": name})
        assert error.value.code == "ValidationError" and "virtualMFADeviceName" in error.value.message


def test_numbers_are_ascii_and_in_range() -> None:
    for value in ("٥", "1_0", " 5", "99999999999999999999", "1.5"):
        with pytest.raises(AwsError) as error:
            parse_request("ec2", "RunInstances", {"MinCount": "1", "MaxCount": value})
        assert error.value.code == "InvalidParameterValue"
    with pytest.raises(AwsError):
        parse_request(
            "ec2",
            "RunInstances",
            {"MinCount": "1", "MaxCount": "1", "InstanceMarketOptions.SpotOptions.ValidUntil": "9" * 30},
        )


def test_empty_list_on_the_wire() -> None:
    """botocore sends ``Name=`` for an empty list: it must decode as [], not [""]."""
    parsed = parse_request(
        "iam",
        "SimulateCustomPolicy",
        {
            "PolicyInputList.member.1": "{}",
            "ActionNames.member.1": "iam:GetUser",
            "ContextEntries.member.1.ContextKeyName": "aws:username",
            "ContextEntries.member.1.ContextKeyValues": "",
            "ContextEntries.member.1.ContextKeyType": "string",
        },
    )
    assert parsed["ContextEntries"][0]["ContextKeyValues"] == []
