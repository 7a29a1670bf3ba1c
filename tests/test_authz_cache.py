"""Authorization remembers each principal's policies, tags and decisions between requests
(`ec2sim.iam.principal_cache`): every IAM change takes effect on the very next request all the same."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import pytest

from ec2sim.store.iam.usage import MAX_ENTITIES, AccessUsage, Use
from ec2sim.testing import EmulatorAccount
from tests.helpers import aws_error

READ_ONLY = "arn:aws:iam::aws:policy/IAMReadOnlyAccess"
Make = Callable[..., Any]


def _doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _allow(action: str | list[str], resource: str = "*", **condition: Any) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": "Allow", "Action": action, "Resource": resource}
    if condition:
        statement["Condition"] = condition
    return statement


def _denied(call: Callable[[], Any]) -> None:
    with aws_error("AccessDenied", 403):
        call()


@pytest.fixture
def user(iam: Any, make_client: Make) -> Callable[[str], Any]:
    """``user("iam")``: a client of the IAM user ``cached`` (created with no permissions)."""
    iam.create_user(UserName="cached")
    key = iam.create_access_key(UserName="cached")["AccessKey"]
    return lambda service: make_client(service, key["AccessKeyId"], secret=key["SecretAccessKey"])


def test_policies_attached_put_and_bounded_apply_on_the_next_request(iam: Any, user: Any) -> None:
    me = user("iam")
    _denied(me.list_users)
    iam.attach_user_policy(UserName="cached", PolicyArn=READ_ONLY)
    me.list_users()
    iam.detach_user_policy(UserName="cached", PolicyArn=READ_ONLY)
    _denied(me.list_users)
    iam.put_user_policy(UserName="cached", PolicyName="p", PolicyDocument=_doc(_allow("iam:List*")))
    me.list_users()
    iam.put_user_policy(UserName="cached", PolicyName="p", PolicyDocument=_doc(_allow("iam:ListRoles")))
    _denied(me.list_users)
    me.list_roles()
    iam.delete_user_policy(UserName="cached", PolicyName="p")
    _denied(me.list_roles)
    # A permissions boundary narrows at once, and lifting it widens at once.
    iam.attach_user_policy(UserName="cached", PolicyArn=READ_ONLY)
    bound = iam.create_policy(PolicyName="only-roles", PolicyDocument=_doc(_allow("iam:ListRoles")))
    iam.put_user_permissions_boundary(UserName="cached", PermissionsBoundary=bound["Policy"]["Arn"])
    _denied(me.list_users)
    me.list_roles()
    iam.delete_user_permissions_boundary(UserName="cached")
    me.list_users()


def test_group_membership_and_default_version_apply_on_the_next_request(iam: Any, user: Any) -> None:
    me = user("iam")
    iam.create_group(GroupName="readers")
    arn = iam.create_policy(PolicyName="reader", PolicyDocument=_doc(_allow("iam:ListUsers")))["Policy"][
        "Arn"
    ]
    iam.attach_group_policy(GroupName="readers", PolicyArn=arn)
    _denied(me.list_users)
    iam.add_user_to_group(GroupName="readers", UserName="cached")
    me.list_users()
    iam.create_policy_version(PolicyArn=arn, PolicyDocument=_doc(_allow("iam:ListGroups")))
    me.list_users()  # a new version that is not the default changes nothing
    iam.set_default_policy_version(PolicyArn=arn, VersionId="v2")
    _denied(me.list_users)
    me.list_groups()
    iam.remove_user_from_group(GroupName="readers", UserName="cached")
    _denied(me.list_groups)


def test_tags_read_by_conditions_apply_on_the_next_request(iam: Any, ec2: Any, user: Any) -> None:
    team = {"StringEquals": {"aws:PrincipalTag/team": "blue"}}
    resource_tag = {"StringEquals": {"ec2:ResourceTag/env": "dev"}}
    iam.put_user_policy(
        UserName="cached",
        PolicyName="p",
        PolicyDocument=_doc(_allow("iam:ListUsers", **team), _allow("ec2:StopInstances", **resource_tag)),
    )
    me, my_ec2 = user("iam"), user("ec2")
    _denied(me.list_users)
    iam.tag_user(UserName="cached", Tags=[{"Key": "team", "Value": "blue"}])
    me.list_users()
    iam.tag_user(UserName="cached", Tags=[{"Key": "team", "Value": "red"}])
    _denied(me.list_users)
    iam.tag_user(UserName="cached", Tags=[{"Key": "team", "Value": "blue"}])
    me.list_users()
    iam.untag_user(UserName="cached", TagKeys=["team"])
    _denied(me.list_users)
    # A resource's tags are no IAM state: the decision on the same instance follows them too.
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    instance = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
    ec2.create_tags(Resources=[instance], Tags=[{"Key": "env", "Value": "dev"}])
    with aws_error("DryRunOperation", 412):
        my_ec2.stop_instances(InstanceIds=[instance], DryRun=True)
    ec2.create_tags(Resources=[instance], Tags=[{"Key": "env", "Value": "prod"}])
    with aws_error("UnauthorizedOperation", 403):
        my_ec2.stop_instances(InstanceIds=[instance], DryRun=True)
    ec2.create_tags(Resources=[instance], Tags=[{"Key": "env", "Value": "dev"}])
    with aws_error("DryRunOperation", 412):
        my_ec2.stop_instances(InstanceIds=[instance], DryRun=True)


def test_role_trust_and_role_policies_apply_on_the_next_request(
    iam: Any, account_id: str, user: Any, ec2sim: EmulatorAccount
) -> None:
    iam.put_user_policy(UserName="cached", PolicyName="p", PolicyDocument=_doc(_allow("sts:AssumeRole")))
    trust = {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account_id}:user/cached"}}
    trust["Action"] = "sts:AssumeRole"
    iam.create_role(RoleName="worker", AssumeRolePolicyDocument=_doc(trust))
    role = f"arn:aws:iam::{account_id}:role/worker"
    me = user("sts")
    found = me.assume_role(RoleArn=role, RoleSessionName="one")["Credentials"]
    other = {**trust, "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"}, "Effect": "Deny"}
    iam.update_assume_role_policy(RoleName="worker", PolicyDocument=_doc(other))
    _denied(lambda: me.assume_role(RoleArn=role, RoleSessionName="two"))
    iam.update_assume_role_policy(RoleName="worker", PolicyDocument=_doc(trust))
    me.assume_role(RoleArn=role, RoleSessionName="three")
    # The session's permissions are its role's, as of now.
    client = ec2sim.boto3_client(
        "iam",
        aws_access_key_id=found["AccessKeyId"],
        aws_secret_access_key=found["SecretAccessKey"],
        aws_session_token=found["SessionToken"],
    )
    _denied(client.list_roles)
    iam.attach_role_policy(RoleName="worker", PolicyArn=READ_ONLY)
    client.list_roles()
    iam.detach_role_policy(RoleName="worker", PolicyArn=READ_ONLY)
    _denied(client.list_roles)


def test_usage_table_past_its_bound_prunes_amortized() -> None:
    """More live users and roles than the usage table's bound: it asks which exist now and then,
    not on every new one (each ask scans every user and role)."""
    table, asks = AccessUsage(), []  # the table's size at each ask
    live = [f"AIDA{n}" for n in range(MAX_ENTITIES * 3)]
    use = Use(datetime(2026, 1, 1, tzinfo=timezone.utc), "us-east-1")

    def existing() -> list[str]:
        asks.append(len(table.entities))
        return live

    for entity in live:
        table.record(entity, "iam", None, use, existing)
    assert len(table.entities) == len(live)
    assert asks == [MAX_ENTITIES, 2 * MAX_ENTITIES]
