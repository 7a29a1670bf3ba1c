"""Service-linked roles: AWS's names, paths, trust and managed policies; custom suffixes; the
edits only AWS may make (UnmodifiableEntity); deletion tasks; journal replay."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import unquote

import pytest

from ec2sim.server import Server
from ec2sim.store import Store
from tests.helpers import aws_error
from tests.test_iam_journal import ACCOUNT, _client, iam_state, private  # noqa: F401 (fixture)

TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
)
DOC = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
)


@pytest.mark.parametrize(
    ("service", "name", "policy"),
    [
        ("autoscaling.amazonaws.com", "AWSServiceRoleForAutoScaling", "AutoScalingServiceRolePolicy"),
        (
            "elasticloadbalancing.amazonaws.com",
            "AWSServiceRoleForElasticLoadBalancing",
            "AWSElasticLoadBalancingServiceRolePolicy",
        ),
        ("ecs.amazonaws.com", "AWSServiceRoleForECS", "AmazonECSServiceRolePolicy"),
        ("rds.amazonaws.com", "AWSServiceRoleForRDS", "AmazonRDSServiceRolePolicy"),
        ("eks.amazonaws.com", "AWSServiceRoleForAmazonEKS", "AmazonEKSServiceRolePolicy"),
    ],
)
def test_create_service_linked_role(iam: Any, account_id: str, service: str, name: str, policy: str) -> None:
    role = iam.create_service_linked_role(AWSServiceName=service, Description="for tests")["Role"]
    path = f"/aws-service-role/{service}/"
    assert (role["RoleName"], role["Path"], role["Description"]) == (name, path, "for tests")
    assert role["Arn"] == f"arn:aws:iam::{account_id}:role/aws-service-role/{service}/{name}"
    assert role["RoleId"].startswith("AROA")
    trust = role["AssumeRolePolicyDocument"]
    trust = json.loads(unquote(trust)) if isinstance(trust, str) else trust
    assert trust["Statement"] == [
        {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
    ]
    attached = iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]
    assert attached == [
        {"PolicyName": policy, "PolicyArn": f"arn:aws:iam::aws:policy/aws-service-role/{policy}"}
    ]
    managed = iam.get_policy(PolicyArn=attached[0]["PolicyArn"])["Policy"]
    assert managed["Path"] == "/aws-service-role/"
    assert iam.get_role(RoleName=name)["Role"]["Path"] == path
    assert [r["RoleName"] for r in iam.list_roles(PathPrefix="/aws-service-role/")["Roles"]] == [name]


def test_custom_suffix(iam: Any) -> None:
    role = iam.create_service_linked_role(AWSServiceName="autoscaling.amazonaws.com", CustomSuffix="web")[
        "Role"
    ]
    assert role["RoleName"] == "AWSServiceRoleForAutoScaling_web"
    iam.create_service_linked_role(AWSServiceName="autoscaling.amazonaws.com")
    with aws_error("InvalidInput", 400, "Custom suffix is not allowed for ecs.amazonaws.com"):
        iam.create_service_linked_role(AWSServiceName="ecs.amazonaws.com", CustomSuffix="web")


def test_create_errors(iam: Any) -> None:
    iam.create_service_linked_role(AWSServiceName="ecs.amazonaws.com")
    taken = "Service role name AWSServiceRoleForECS has been taken in this account, please try a different suffix."
    with aws_error("InvalidInput", 400) as error:
        iam.create_service_linked_role(AWSServiceName="ecs.amazonaws.com")
    assert error()["Message"] == taken
    with aws_error("InvalidInput", 400, "Invalid service name: nothing.amazonaws.com"):
        iam.create_service_linked_role(AWSServiceName="nothing.amazonaws.com")
    with aws_error("InvalidInput", 400) as error:
        iam.create_role(
            RoleName="Mine", Path="/aws-service-role/ecs.amazonaws.com/", AssumeRolePolicyDocument=TRUST
        )
    assert (
        error()["Message"] == "Path prefix '/aws-service-role/' can only be used for AWS Service linked Roles"
    )


def test_only_aws_modifies_a_service_linked_role(iam: Any) -> None:
    name = iam.create_service_linked_role(AWSServiceName="rds.amazonaws.com")["Role"]["RoleName"]
    policy = "arn:aws:iam::aws:policy/aws-service-role/AmazonRDSServiceRolePolicy"
    message = (
        f"Cannot perform the operation on the protected role '{name}' - this role is only modifiable by AWS"
    )
    edits = [
        lambda: iam.put_role_policy(RoleName=name, PolicyName="p", PolicyDocument=DOC),
        lambda: iam.delete_role_policy(RoleName=name, PolicyName="p"),
        lambda: iam.attach_role_policy(RoleName=name, PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess"),
        lambda: iam.detach_role_policy(RoleName=name, PolicyArn=policy),
        lambda: iam.update_assume_role_policy(RoleName=name, PolicyDocument=TRUST),
        lambda: iam.delete_role(RoleName=name),
        lambda: iam.put_role_permissions_boundary(RoleName=name, PermissionsBoundary=policy),
        lambda: iam.delete_role_permissions_boundary(RoleName=name),
    ]
    for edit in edits:
        with aws_error("UnmodifiableEntity", 400) as error:
            edit()
        assert error()["Message"] == message
    # Its description stays the owner's to change.
    iam.update_role_description(RoleName=name, Description="mine")
    assert iam.get_role(RoleName=name)["Role"]["Description"] == "mine"


def test_delete_service_linked_role(iam: Any) -> None:
    name = iam.create_service_linked_role(AWSServiceName="eks.amazonaws.com")["Role"]["RoleName"]
    task = iam.delete_service_linked_role(RoleName=name)["DeletionTaskId"]
    assert re.fullmatch(rf"task/aws-service-role/eks\.amazonaws\.com/{name}/[0-9a-f-]{{36}}", task)
    assert iam.get_service_linked_role_deletion_status(DeletionTaskId=task)["Status"] == "SUCCEEDED"
    with aws_error("NoSuchEntity", 404, f"The role with name {name} cannot be found."):
        iam.get_role(RoleName=name)
    # The policy is no longer attached to anything, and the name is free again.
    arn = "arn:aws:iam::aws:policy/aws-service-role/AmazonEKSServiceRolePolicy"
    assert iam.list_entities_for_policy(PolicyArn=arn)["PolicyRoles"] == []
    iam.create_service_linked_role(AWSServiceName="eks.amazonaws.com")


def test_delete_errors(iam: Any) -> None:
    with aws_error("NoSuchEntity", 404, "The role with name Gone cannot be found."):
        iam.delete_service_linked_role(RoleName="Gone")
    iam.create_role(RoleName="Plain", AssumeRolePolicyDocument=TRUST)
    with aws_error("InvalidInput", 400, "Role Plain is not a service-linked role."):
        iam.delete_service_linked_role(RoleName="Plain")
    with aws_error("InvalidInput", 400, "Invalid deletion task id: nonsense"):
        iam.get_service_linked_role_deletion_status(DeletionTaskId="nonsense")
    unknown = (
        "task/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS/0d1e2f3a-0000-4000-8000-000000000000"
    )
    with aws_error("NoSuchEntity", 404, f"Deletion task {unknown} cannot be found."):
        iam.get_service_linked_role_deletion_status(DeletionTaskId=unknown)


def test_authorized_with_the_service_name_key(iam: Any, make_client: Any, account_id: str) -> None:
    iam.create_user(UserName="ops")
    only_ecs = {
        "Effect": "Allow",
        "Action": "iam:CreateServiceLinkedRole",
        "Resource": f"arn:aws:iam::{account_id}:role/aws-service-role/*",
        "Condition": {"StringEquals": {"iam:AWSServiceName": "ecs.amazonaws.com"}},
    }
    document = json.dumps({"Version": "2012-10-17", "Statement": [only_ecs]})
    iam.put_user_policy(UserName="ops", PolicyName="slr", PolicyDocument=document)
    key = iam.create_access_key(UserName="ops")["AccessKey"]
    ops = make_client("iam", key["AccessKeyId"], secret=key["SecretAccessKey"])
    ops.create_service_linked_role(AWSServiceName="ecs.amazonaws.com")
    denied = (
        f"User: arn:aws:iam::{account_id}:user/ops is not authorized to perform: iam:CreateServiceLinkedRole "
        f"on resource: arn:aws:iam::{account_id}:role/aws-service-role/rds.amazonaws.com/AWSServiceRoleForRDS"
    )
    with aws_error("AccessDenied", 403, denied):
        ops.create_service_linked_role(AWSServiceName="rds.amazonaws.com")


def test_journal_replay(private: Server) -> None:  # noqa: F811 (the imported fixture)
    iam = _client(private, "iam", ACCOUNT)
    iam.create_service_linked_role(AWSServiceName="autoscaling.amazonaws.com", CustomSuffix="a")
    iam.create_service_linked_role(AWSServiceName="ecs.amazonaws.com")
    task = iam.delete_service_linked_role(RoleName="AWSServiceRoleForECS")["DeletionTaskId"]
    with private.store.lock:
        journal, state = list(private.store.journal), iam_state(private.store)
    assert "DeleteServiceLinkedRole" in {type(change).__name__ for change in journal}
    replayed = Store()
    replayed.iam.replay(journal)
    assert iam_state(replayed) == state
    assert replayed.iam.accounts[ACCOUNT].deletion_tasks == {task: "SUCCEEDED"}


def test_another_accounts_task_is_unknown(iam: Any, make_client: Any) -> None:
    name = iam.create_service_linked_role(AWSServiceName="ecs.amazonaws.com")["Role"]["RoleName"]
    task = iam.delete_service_linked_role(RoleName=name)["DeletionTaskId"]
    other = make_client("iam", "555566667777")
    with aws_error("NoSuchEntity", 404, f"Deletion task {task} cannot be found."):
        other.get_service_linked_role_deletion_status(DeletionTaskId=task)
