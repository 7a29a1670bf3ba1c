"""Managed policy attachments and inline policies of users, groups and roles."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.helpers import aws_error

ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
LAMBDA = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ],
}
INLINE = {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]}


class Kind:
    """Calls one entity kind's variant of each action (``attach_user_policy(UserName=…)``…)."""

    def __init__(self, iam: Any, label: str) -> None:
        self.iam, self.label, self.lower = iam, label, label.lower()

    def create(self, name: str) -> None:
        if self.label == "Role":
            self.iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST))
        else:
            getattr(self.iam, f"create_{self.lower}")(**{f"{self.label}Name": name})

    def call(self, action: str, name: str, **params: Any) -> Any:
        return getattr(self.iam, action.format(self.lower))(**{f"{self.label}Name": name}, **params)


@pytest.fixture(params=["User", "Group", "Role"])
def kind(request: Any, iam: Any) -> Kind:
    made = Kind(iam, request.param)
    made.create("e1")
    return made


def managed(iam: Any, name: str, path: str = "/") -> str:
    document = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "ec2:*", "Resource": "*"}],
    }
    return iam.create_policy(PolicyName=name, Path=path, PolicyDocument=json.dumps(document))["Policy"]["Arn"]


def test_attach_list_detach(kind: Kind, iam: Any, server: Any, account_id: str) -> None:
    local = managed(iam, "mine", "/team/")
    for arn in (local, ADMIN, LAMBDA, local):  # attaching twice is a no-op
        kind.call("attach_{}_policy", "E1", PolicyArn=arn)
    listed = kind.call("list_attached_{}_policies", "e1")["AttachedPolicies"]
    assert listed == [
        {"PolicyName": "mine", "PolicyArn": local},
        {"PolicyName": "AdministratorAccess", "PolicyArn": ADMIN},
        {"PolicyName": "AWSLambdaBasicExecutionRole", "PolicyArn": LAMBDA},
    ]
    only = kind.call("list_attached_{}_policies", "e1", PathPrefix="/service-role/")["AttachedPolicies"]
    assert [p["PolicyArn"] for p in only] == [LAMBDA]
    first = kind.call("list_attached_{}_policies", "e1", MaxItems=2)
    rest = kind.call("list_attached_{}_policies", "e1", Marker=first["Marker"])
    assert first["IsTruncated"] and [p["PolicyArn"] for p in rest["AttachedPolicies"]] == [LAMBDA]
    state = server.store.account(account_id).iam
    assert state.attachments[local] == {(kind.lower, "e1")}
    assert iam.get_policy(PolicyArn=ADMIN)["Policy"]["AttachmentCount"] == 1
    kind.call("detach_{}_policy", "e1", PolicyArn=local)
    assert local not in state.attachments
    assert [p["PolicyArn"] for p in kind.call("list_attached_{}_policies", "e1")["AttachedPolicies"]] == [
        ADMIN,
        LAMBDA,
    ]


def test_attach_errors(kind: Kind, iam: Any, account_id: str) -> None:
    missing = f"arn:aws:iam::{account_id}:policy/nope"
    with aws_error("NoSuchEntity", 404, f"Policy {missing} does not exist or is not attachable."):
        kind.call("attach_{}_policy", "e1", PolicyArn=missing)
    with aws_error("NoSuchEntity", 404, f"Policy {ADMIN} was not found."):
        kind.call("detach_{}_policy", "e1", PolicyArn=ADMIN)
    with aws_error("NoSuchEntity", 404, f"The {kind.lower} with name ghost cannot be found."):
        kind.call("attach_{}_policy", "ghost", PolicyArn=ADMIN)
    for i in range(10):
        kind.call("attach_{}_policy", "e1", PolicyArn=managed(iam, f"p{i}"))
    with aws_error("LimitExceeded", 409, f"Cannot exceed quota for PoliciesPer{kind.label}: 10"):
        kind.call("attach_{}_policy", "e1", PolicyArn=ADMIN)


def test_inline_policies(kind: Kind) -> None:
    kind.call("put_{}_policy", "e1", PolicyName="zeta", PolicyDocument=json.dumps(INLINE))
    kind.call("put_{}_policy", "e1", PolicyName="alpha", PolicyDocument=json.dumps(INLINE))
    got = kind.call("get_{}_policy", "E1", PolicyName="zeta")
    assert (
        got[f"{kind.label}Name"] == "e1" and got["PolicyName"] == "zeta" and got["PolicyDocument"] == INLINE
    )
    assert kind.call("list_{}_policies", "e1")["PolicyNames"] == ["alpha", "zeta"]
    paged = kind.call("list_{}_policies", "e1", MaxItems=1)
    assert paged["IsTruncated"] and paged["PolicyNames"] == ["alpha"]
    replaced = {"Version": "2012-10-17", **INLINE}
    kind.call("put_{}_policy", "e1", PolicyName="zeta", PolicyDocument=json.dumps(replaced))
    assert kind.call("get_{}_policy", "e1", PolicyName="zeta")["PolicyDocument"] == replaced
    kind.call("delete_{}_policy", "e1", PolicyName="zeta")
    message = f"The {kind.lower} policy with name zeta cannot be found."
    with aws_error("NoSuchEntity", 404, message):
        kind.call("get_{}_policy", "e1", PolicyName="zeta")
    with aws_error("NoSuchEntity", 404, message):
        kind.call("delete_{}_policy", "e1", PolicyName="zeta")


def test_inline_policy_errors(kind: Kind) -> None:
    bad = {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject"}]}
    with aws_error("MalformedPolicyDocument", 400, "Policy statement must contain resources."):
        kind.call("put_{}_policy", "e1", PolicyName="bad", PolicyDocument=json.dumps(bad))
    with aws_error("MalformedPolicyDocument", 400, "Policy document should not specify a principal."):
        kind.call("put_{}_policy", "e1", PolicyName="bad", PolicyDocument=json.dumps(TRUST))
    limit = {"User": 2048, "Group": 5120, "Role": 10240}[kind.label]
    actions = [f"ec2:Describe{i:05d}" for i in range(limit // 40)]
    half = {"Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]}
    kind.call("put_{}_policy", "e1", PolicyName="one", PolicyDocument=json.dumps(half))
    kind.call(
        "put_{}_policy", "e1", PolicyName="one", PolicyDocument=json.dumps(half)
    )  # replacing: same total
    with aws_error(
        "LimitExceeded", 409, f"Maximum policy size of {limit} bytes exceeded for {kind.lower} e1"
    ):
        kind.call("put_{}_policy", "e1", PolicyName="two", PolicyDocument=json.dumps(half))


def test_list_entities_for_policy(iam: Any, server: Any, account_id: str) -> None:
    arn = managed(iam, "shared")
    iam.create_user(UserName="bob", Path="/people/")
    iam.create_user(UserName="al")
    iam.create_group(GroupName="devs")
    iam.create_role(RoleName="app", AssumeRolePolicyDocument=json.dumps(TRUST))
    for call, member, name in (
        (iam.attach_user_policy, "UserName", "bob"),
        (iam.attach_user_policy, "UserName", "al"),
        (iam.attach_group_policy, "GroupName", "devs"),
        (iam.attach_role_policy, "RoleName", "app"),
    ):
        call(**{member: name}, PolicyArn=arn)
    everything = iam.list_entities_for_policy(PolicyArn=arn)
    assert [u["UserName"] for u in everything["PolicyUsers"]] == ["al", "bob"]
    assert everything["PolicyGroups"][0]["GroupName"] == "devs" and everything["PolicyGroups"][0][
        "GroupId"
    ].startswith("AGPA")
    assert [r["RoleName"] for r in everything["PolicyRoles"]] == ["app"]
    roles_only = iam.list_entities_for_policy(PolicyArn=arn, EntityFilter="Role")
    assert roles_only["PolicyUsers"] == [] and len(roles_only["PolicyRoles"]) == 1
    people = iam.list_entities_for_policy(PolicyArn=arn, PathPrefix="/people/")
    assert [u["UserName"] for u in people["PolicyUsers"]] == ["bob"] and people["PolicyGroups"] == []
    first = iam.list_entities_for_policy(PolicyArn=arn, MaxItems=3)
    rest = iam.list_entities_for_policy(PolicyArn=arn, Marker=first["Marker"])
    assert first["IsTruncated"] and [u["UserName"] for u in rest["PolicyUsers"]] == ["bob"]
    assert rest["PolicyRoles"] == [] and rest["PolicyGroups"] == []
    server.store.account(account_id).iam.boundary_uses[arn] = {("user", "al")}
    boundary = iam.list_entities_for_policy(PolicyArn=arn, PolicyUsageFilter="PermissionsBoundary")
    assert [u["UserName"] for u in boundary["PolicyUsers"]] == ["al"] and boundary["PolicyRoles"] == []
    with aws_error("NoSuchEntity", 404, "was not found."):
        iam.list_entities_for_policy(PolicyArn=f"arn:aws:iam::{account_id}:policy/nope")
