"""What the plans find once (issue 12): descriptors drive describe filters, session policy ARNs
belong to the role's account, and each principal's policies are gathered once per IAM revision."""

from __future__ import annotations

import json
import random
from typing import Any

from ec2sim.iam.principal_policies import applicable_policies
from ec2sim.iam.principals import Principal
from tests.helpers import aws_error, key_client

_READ_ALL = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
)


def _trust(account: str) -> str:
    statement = {"Effect": "Allow", "Principal": {"AWS": account}, "Action": "sts:AssumeRole"}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def _client(server: Any, service: str, key: dict[str, str]) -> Any:
    return key_client(server.api_url, service, key)


def test_describe_by_unknown_id_is_the_descriptors_not_found(ec2):
    with aws_error("InvalidVpcID.NotFound", 400, "The vpc ID 'vpc-0123456789abcdef0' does not exist"):
        ec2.describe_vpcs(VpcIds=["vpc-0123456789abcdef0"])
    with aws_error(
        "InvalidSubnetID.NotFound", 400, "The subnet ID 'subnet-0123456789abcdef0' does not exist"
    ):
        ec2.describe_subnets(SubnetIds=["subnet-0123456789abcdef0"])


def test_id_and_tag_filters_come_with_the_resource_type(ec2):
    vpc = ec2.describe_vpcs()["Vpcs"][0]
    ec2.create_tags(Resources=[vpc["VpcId"]], Tags=[{"Key": "team", "Value": "blue"}])
    found = ec2.describe_vpcs(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])["Vpcs"]
    assert [v["VpcId"] for v in found] == [vpc["VpcId"]]
    tagged = ec2.describe_vpcs(Filters=[{"Name": "tag:team", "Values": ["bl*"]}])["Vpcs"]
    assert [v["VpcId"] for v in tagged] == [vpc["VpcId"]]
    # An association is no resource type of its own: it has no tag filters.
    with aws_error("InvalidParameterValue", 400, "The filter 'tag:team' is invalid"):
        ec2.describe_iam_instance_profile_associations(Filters=[{"Name": "tag:team", "Values": ["x"]}])


def test_session_policy_arns_are_the_roles_accounts(server, make_client, account_id):
    """ "The policies must exist in the same account as the role" (AssumeRole API reference)."""
    other = str(random.randrange(10**11, 10**12))
    caller_iam, role_iam = make_client("iam", account_id), make_client("iam", other)
    caller_iam.create_user(UserName="alice")
    caller_iam.put_user_policy(UserName="alice", PolicyName="all", PolicyDocument=_READ_ALL)
    key = caller_iam.create_access_key(UserName="alice")["AccessKey"]
    role = role_iam.create_role(RoleName="shared", AssumeRolePolicyDocument=_trust(account_id))["Role"]
    theirs = role_iam.create_policy(PolicyName="limit", PolicyDocument=_READ_ALL)["Policy"]["Arn"]
    mine = caller_iam.create_policy(PolicyName="limit", PolicyDocument=_READ_ALL)["Policy"]["Arn"]
    sts = _client(server, "sts", key)
    session = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="s1", PolicyArns=[{"arn": theirs}])
    assert session["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{other}:assumed-role/shared/s1"
    with aws_error("InvalidParameterValue", 400, f"Policy {mine} does not exist or is not attachable."):
        sts.assume_role(RoleArn=role["Arn"], RoleSessionName="s1", PolicyArns=[{"arn": mine}])


def test_policies_are_gathered_once_per_revision_and_never_stale(server, iam, account_id):
    iam.create_user(UserName="bob")
    key = iam.create_access_key(UserName="bob")["AccessKey"]
    bob_iam = _client(server, "iam", key)
    with aws_error("AccessDenied", 403):
        bob_iam.get_user()
    iam.put_user_policy(UserName="bob", PolicyName="all", PolicyDocument=_READ_ALL)
    assert bob_iam.get_user()["User"]["UserName"] == "bob"  # the change shows at once
    store = server.store
    credential = store.credentials[key["AccessKeyId"]]
    principal = Principal(
        account_id, "user", "arn", credential.user_id or "", key["AccessKeyId"], "bob", credential
    )
    with store.lock:
        first = applicable_policies(store, principal)
        assert applicable_policies(store, principal) is first  # the same revision: gathered once
    iam.delete_user_policy(UserName="bob", PolicyName="all")
    with store.lock:
        assert applicable_policies(store, principal) is not first
    with aws_error("AccessDenied", 403):
        bob_iam.get_user()
