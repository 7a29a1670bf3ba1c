"""Every answered request leaves a record in the server's trail (`ec2sim.store.trail`): who called,
what was checked, how each check was decided and by which statements, and how the call ended."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ec2sim.server import Server
from ec2sim.store.trail import CallRecord
from tests.helpers import key_client

POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "Look", "Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"},
        {"Sid": "NoTerminate", "Effect": "Deny", "Action": "ec2:TerminateInstances", "Resource": "*"},
    ],
}


def _record(server: Server, response: dict[str, Any]) -> CallRecord:
    record = server.store.trail.get(response["ResponseMetadata"]["RequestId"])
    assert record is not None
    return record


def _user_client(server: Server, iam: Any, service: str = "ec2") -> Any:
    iam.create_user(UserName="app")
    iam.put_user_policy(UserName="app", PolicyName="app-policy", PolicyDocument=json.dumps(POLICY))
    key = iam.create_access_key(UserName="app")["AccessKey"]
    return key_client(server.api_url, service, key)


def test_allowed_call_records_the_granting_statement(server: Server, iam: Any, account_id: str) -> None:
    ec2 = _user_client(server, iam)
    record = _record(server, ec2.describe_instances())
    assert record.caller is not None
    assert (record.caller.kind, record.caller.arn) == ("user", f"arn:aws:iam::{account_id}:user/app")
    assert (record.service, record.action, record.status, record.decision) == (
        "ec2",
        "DescribeInstances",
        200,
        "allow",
    )
    assert record.read_only and record.error_code == ""
    (check,) = record.checks
    assert (check.action, check.resource, check.decision) == ("ec2:DescribeInstances", "*", "allowed")
    (statement,) = check.statements
    assert (statement.policy_kind, statement.policy_type, statement.policy_id) == (
        "identity-based policy",
        "user",
        "app-policy",
    )
    assert (statement.index, statement.sid, statement.effect) == (0, "Look", "Allow")


def test_denied_call_records_the_deny_and_the_error(server: Server, iam: Any, account_id: str) -> None:
    ec2 = _user_client(server, iam)
    with pytest.raises(ec2.exceptions.ClientError) as raised:
        ec2.terminate_instances(InstanceIds=["i-0123456789abcdef0"])
    record = _record(server, raised.value.response)
    assert (record.decision, record.status, record.error_code) == ("deny", 403, "UnauthorizedOperation")
    assert record.params == {"InstanceIds": ["i-0123456789abcdef0"]}
    (check,) = record.checks
    assert check.resource == f"arn:aws:ec2:us-east-1:{account_id}:instance/i-0123456789abcdef0"
    assert (check.decision, check.policy_kind) == ("explicitDeny", "identity-based policy")
    assert [(s.index, s.sid, s.effect) for s in check.statements] == [(1, "NoTerminate", "Deny")]


def test_implicit_deny_and_root_calls(server: Server, iam: Any, ec2: Any) -> None:
    user_iam = _user_client(server, iam, "iam")
    with pytest.raises(user_iam.exceptions.ClientError) as raised:
        user_iam.list_users()
    (check,) = _record(server, raised.value.response).checks
    assert (check.decision, check.reason, check.statements) == (
        "implicitDeny",
        "no identity-based policy allows",
        (),
    )
    root = _record(server, ec2.describe_vpcs())  # the account root: what it needed, not evaluated
    assert root.caller is not None and root.caller.kind == "root"
    assert root.decision == "allow"
    assert [(c.action, c.decision) for c in root.checks] == [("ec2:DescribeVpcs", "")]
    assert root.result is None  # a read: CloudTrail keeps no responseElements for it
    made = _record(server, ec2.create_vpc(CidrBlock="10.9.0.0/16"))
    assert made.result is not None and made.result["Vpc"]["CidrBlock"] == "10.9.0.0/16"


def test_trail_is_bounded_and_streams() -> None:
    from datetime import datetime, timezone

    from ec2sim.store.trail import Trail

    trail, seen = Trail(limit=3), []
    stop = trail.listen(seen.append)
    made = [
        CallRecord(
            f"r{n}",
            f"e{n}",
            datetime.now(timezone.utc),
            "ec2",
            "DescribeVpcs",
            "us-east-1",
            "127.0.0.1",
            "",
            200,
        )
        for n in range(5)
    ]
    for record in made[:4]:
        trail.add(record)
    stop()
    trail.add(made[4])
    assert [r.request_id for r in trail.records()] == ["r2", "r3", "r4"]
    assert trail.get("r1") is None and trail.get("r4") is made[4]
    assert [r.request_id for r in seen] == ["r0", "r1", "r2", "r3"]


def test_large_results_read_back_whole(server: Server, ec2: Any) -> None:
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    answer = ec2.run_instances(ImageId=image, MinCount=20, MaxCount=20, InstanceType="t3.micro")
    record = _record(server, answer)
    assert record.result is not None
    ids = [i["InstanceId"] for i in record.result["Instances"]]
    assert ids == [i["InstanceId"] for i in answer["Instances"]]
    assert record.result["ReservationId"] == answer["ReservationId"]
    macs = [i["NetworkInterfaces"][0]["MacAddress"] for i in record.result["Instances"]]
    assert macs == [i["NetworkInterfaces"][0]["MacAddress"] for i in answer["Instances"]]
