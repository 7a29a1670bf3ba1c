"""EC2 requests authorized by IAM policies, end to end through boto3 (issue 5's "Done when").

Root clients are never restricted; each test creates IAM users (their own access
keys) with the policies under test, and the account's root sets up resources.
"""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest

from ec2sim.config import Config
from ec2sim.server import Server
from tests.helpers import aws_error

REGION = "us-east-1"
CLASSIC_EXAMPLE = {  # the EC2 User Guide's example 1, verbatim (no Version: 2008-10-17 rules)
    "Statement": [
        {
            "Effect": "Allow",
            "Action": [
                "ec2:DescribeInstances",
                "ec2:RunInstances",
                "ec2:StopInstances",
                "ec2:StartInstances",
                "ec2:TerminateInstances",
            ],
            "Resource": "*",
        }
    ]
}
TRUST_EC2 = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
)


def policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action: str | list[str], resource: str | list[str] = "*", **extra: Any) -> dict[str, Any]:
    """An Allow statement (with NotResource given, no Resource)."""
    where = {} if "NotResource" in extra else {"Resource": resource}
    return {"Effect": "Allow", "Action": action, **where, **extra}


UsersFactory = Callable[..., Any]


@pytest.fixture
def user(iam: Any, make_client: Callable[..., Any]) -> UsersFactory:
    """``user(name, *statements, service="ec2", region=REGION)``: a client signed with a new IAM user's key."""

    def make(
        name: str,
        *statements: dict[str, Any],
        service: str = "ec2",
        region: str = REGION,
        document: str | None = None,
    ) -> Any:
        iam.create_user(UserName=name)
        if statements or document:
            iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=document or policy(*statements))
        key = iam.create_access_key(UserName=name)["AccessKey"]
        return make_client(service, key["AccessKeyId"], region=region, secret=key["SecretAccessKey"])

    return make


@pytest.fixture
def ami(ec2: Any) -> str:
    images = ec2.describe_images(Owners=["amazon"], Filters=[{"Name": "architecture", "Values": ["x86_64"]}])[
        "Images"
    ]
    return next(i["ImageId"] for i in images if i.get("Platform") != "windows")


def launch(ec2: Any, ami: str, **params: Any) -> str:
    params.setdefault("InstanceType", "t3.micro")
    return ec2.run_instances(ImageId=ami, MinCount=1, MaxCount=1, **params)["Instances"][0]["InstanceId"]


def tagged(key: str, value: str, kind: str = "instance") -> list[dict[str, Any]]:
    return [{"ResourceType": kind, "Tags": [{"Key": key, "Value": value}]}]


def decoded(sts_client: Any, message: str) -> dict[str, Any]:
    encoded = message.split("Encoded authorization failure message: ", 1)[1]
    return json.loads(sts_client.decode_authorization_message(EncodedMessage=encoded)["DecodedMessage"])


def conditions(document: dict[str, Any]) -> dict[str, list[str]]:
    return {
        c["key"]: [v["value"] for v in c["values"]["items"]]
        for c in document["context"]["conditions"]["items"]
    }


def instance_arn(account_id: str, instance_id: str) -> str:
    return f"arn:aws:ec2:{REGION}:{account_id}:instance/{instance_id}"


# Done when: a group allowed ec2:Describe* can describe and nothing else ---------------------------------


def test_describe_group_can_describe_and_nothing_else(
    iam: Any, make_client: Callable[..., Any], account_id: str, ami: str
) -> None:
    iam.create_group(GroupName="readers")
    iam.put_group_policy(
        GroupName="readers", PolicyName="describe", PolicyDocument=policy(allow("ec2:Describe*"))
    )
    iam.create_user(UserName="reader")
    iam.add_user_to_group(GroupName="readers", UserName="reader")
    key = iam.create_access_key(UserName="reader")["AccessKey"]
    ec2 = make_client("ec2", key["AccessKeyId"], secret=key["SecretAccessKey"])
    assert ec2.describe_instances()["Reservations"] == []
    ec2.describe_images(ImageIds=[ami])
    ec2.describe_security_groups()
    expected = (
        f"You are not authorized to perform this operation. User: arn:aws:iam::{account_id}:user/reader is not "
        f"authorized to perform: ec2:RunInstances on resource: arn:aws:ec2:{REGION}:{account_id}:instance/* "
        "because no identity-based policy allows the ec2:RunInstances action. Encoded authorization failure message: "
    )
    with aws_error("UnauthorizedOperation", 403, expected):
        launch(ec2, ami)
    with aws_error(
        "UnauthorizedOperation",
        403,
        f"ec2:CreateKeyPair on resource: arn:aws:ec2:{REGION}:{account_id}:key-pair/k1 because",
    ):
        ec2.create_key_pair(KeyName="k1")
    with aws_error("UnauthorizedOperation", 403, "ec2:CreateSecurityGroup"):
        ec2.create_security_group(GroupName="g", Description="d")


# The classic example: Describe/Run/Stop/Start/Terminate and exactly that -------------------------------------


def test_classic_example_allows_exactly_its_actions(
    user: UsersFactory, ec2: Any, ami: str, account_id: str
) -> None:
    client = user("operator", document=json.dumps(CLASSIC_EXAMPLE))
    instance_id = launch(client, ami)
    client.stop_instances(InstanceIds=[instance_id])
    ec2.describe_instances(InstanceIds=[instance_id])
    with aws_error(
        "UnauthorizedOperation",
        403,
        f"ec2:RebootInstances on resource: {instance_arn(account_id, instance_id)} because",
    ):
        client.reboot_instances(InstanceIds=[instance_id])
    with aws_error(
        "UnauthorizedOperation",
        403,
        f"ec2:CreateVolume on resource: arn:aws:ec2:{REGION}:{account_id}:volume/*",
    ):
        client.create_volume(AvailabilityZone=f"{REGION}a", Size=8)
    # Actions without resource-level permissions: no resource named, nothing encoded (as AWS words it).
    with aws_error(
        "UnauthorizedOperation",
        403,
        f"User: arn:aws:iam::{account_id}:user/operator is not authorized to perform: ec2:DescribeVolumes "
        "because no identity-based policy allows the ec2:DescribeVolumes action",
    ) as error:
        client.describe_volumes()
    assert "on resource" not in error()["Message"] and "Encoded" not in error()["Message"]
    # Tags at launch need ec2:CreateTags too, which the example does not grant.
    with aws_error(
        "UnauthorizedOperation",
        403,
        f"ec2:CreateTags on resource: arn:aws:ec2:{REGION}:{account_id}:instance/*",
    ):
        launch(client, ami, TagSpecifications=tagged("team", "blue"))
    client.terminate_instances(InstanceIds=[instance_id])


# Conditions narrow it: aws:RequestedRegion, ec2:InstanceType, ec2:ResourceTag ---------------------------------


def test_requested_region_condition(user: UsersFactory, ami: str) -> None:
    statement = allow("ec2:*", Condition={"StringEquals": {"aws:RequestedRegion": "eu-central-1"}})
    client = user("eu-only", statement, region="eu-central-1")
    client.describe_instances()
    other = user("eu-only-2", statement)  # the same policy at the us-east-1 endpoint
    with aws_error("UnauthorizedOperation", 403, "ec2:DescribeInstances because no identity-based policy"):
        other.describe_instances()


RUN_ONLY_T3_MICRO = (  # RunInstances on everything, but instances only of type t3.micro
    allow("ec2:RunInstances", NotResource="arn:aws:ec2:*:*:instance/*"),
    allow(
        "ec2:RunInstances",
        "arn:aws:ec2:*:*:instance/*",
        Condition={"StringEquals": {"ec2:InstanceType": "t3.micro"}},
    ),
)


def test_instance_type_condition(user: UsersFactory, ami: str, account_id: str) -> None:
    client = user("small", *RUN_ONLY_T3_MICRO)
    launch(client, ami, InstanceType="t3.micro")
    with aws_error(
        "UnauthorizedOperation",
        403,
        f"ec2:RunInstances on resource: arn:aws:ec2:{REGION}:{account_id}:instance/*",
    ):
        launch(client, ami, InstanceType="m5.large")


def test_resource_tag_condition(user: UsersFactory, ec2: Any, ami: str, account_id: str) -> None:
    blue = launch(ec2, ami, TagSpecifications=tagged("team", "blue"))
    red = launch(ec2, ami, TagSpecifications=tagged("team", "red"))
    client = user(
        "blue-operator",
        allow(
            "ec2:StopInstances",
            "arn:aws:ec2:*:*:instance/*",
            Condition={"StringEquals": {"ec2:ResourceTag/team": "blue"}},
        ),
    )
    client.stop_instances(InstanceIds=[blue])
    with aws_error(
        "UnauthorizedOperation", 403, f"ec2:StopInstances on resource: {instance_arn(account_id, red)}"
    ):
        client.stop_instances(InstanceIds=[red])
    with aws_error("UnauthorizedOperation", 403, instance_arn(account_id, red)):
        client.stop_instances(InstanceIds=[blue, red])  # every instance is checked
    states = {
        i["InstanceId"]: i["State"]["Name"]
        for r in ec2.describe_instances(InstanceIds=[blue, red])["Reservations"]
        for i in r["Instances"]
    }
    assert states[red] != "stopping"


def test_aws_resource_tag_and_principal_tag_variables(
    user: UsersFactory, iam: Any, ec2: Any, ami: str
) -> None:
    """ABAC as AWS documents it: the instance's team tag must match the caller's."""
    mine = launch(ec2, ami, TagSpecifications=tagged("team", "green"))
    theirs = launch(ec2, ami, TagSpecifications=tagged("team", "red"))
    client = user(
        "green",
        allow(
            "ec2:RebootInstances",
            Condition={"StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"}},
        ),
    )
    iam.tag_user(UserName="green", Tags=[{"Key": "team", "Value": "green"}])
    client.reboot_instances(InstanceIds=[mine])
    with aws_error("UnauthorizedOperation", 403, theirs):
        client.reboot_instances(InstanceIds=[theirs])


# iam:PassRole for instance profiles -------------------------------------------------------------------------


@pytest.fixture
def profile(iam: Any) -> dict[str, Any]:
    iam.create_role(RoleName="app-role", AssumeRolePolicyDocument=TRUST_EC2)
    created = iam.create_instance_profile(InstanceProfileName="app-profile")["InstanceProfile"]
    iam.add_role_to_instance_profile(InstanceProfileName="app-profile", RoleName="app-role")
    return created


def test_run_with_profile_needs_pass_role(
    user: UsersFactory, iam: Any, ami: str, account_id: str, profile: dict[str, Any]
) -> None:
    client = user("launcher", allow("ec2:RunInstances"))
    role_arn = f"arn:aws:iam::{account_id}:role/app-role"
    with aws_error(
        "UnauthorizedOperation", 403, f"iam:PassRole on resource: {role_arn} because no identity-based"
    ):
        launch(client, ami, IamInstanceProfile={"Name": "app-profile"})
    with aws_error("UnauthorizedOperation", 403, "iam:PassRole"):
        launch(client, ami, IamInstanceProfile={"Arn": profile["Arn"]})
    iam.put_user_policy(
        UserName="launcher",
        PolicyName="pass",
        PolicyDocument=policy(
            allow(
                "iam:PassRole",
                role_arn,
                Condition={"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}},
            )
        ),
    )
    launch(client, ami, IamInstanceProfile={"Name": "app-profile"})
    launch(client, ami)  # without a profile, no PassRole check


def test_instance_profile_condition_key(user: UsersFactory, ami: str, profile: dict[str, Any]) -> None:
    client = user(
        "profiled",
        allow("iam:PassRole"),
        allow("ec2:RunInstances", NotResource="arn:aws:ec2:*:*:instance/*"),
        allow(
            "ec2:RunInstances",
            "arn:aws:ec2:*:*:instance/*",
            Condition={"ArnEquals": {"ec2:InstanceProfile": profile["Arn"]}},
        ),
    )
    launch(client, ami, IamInstanceProfile={"Name": "app-profile"})
    with aws_error("UnauthorizedOperation", 403, "ec2:RunInstances"):
        launch(client, ami)


def test_associate_and_replace_profile_need_pass_role(
    user: UsersFactory, iam: Any, ec2: Any, ami: str, profile: dict[str, Any]
) -> None:
    instance_id = launch(ec2, ami)
    ec2.get_waiter("instance_running").wait(InstanceIds=[instance_id], WaiterConfig={"Delay": 0.1})
    client = user(
        "associator",
        allow(
            [
                "ec2:AssociateIamInstanceProfile",
                "ec2:ReplaceIamInstanceProfileAssociation",
                "ec2:DisassociateIamInstanceProfile",
            ]
        ),
    )
    with aws_error("UnauthorizedOperation", 403, "iam:PassRole"):
        client.associate_iam_instance_profile(
            InstanceId=instance_id, IamInstanceProfile={"Name": "app-profile"}
        )
    association = ec2.associate_iam_instance_profile(
        InstanceId=instance_id, IamInstanceProfile={"Name": "app-profile"}
    )["IamInstanceProfileAssociation"]
    with aws_error("UnauthorizedOperation", 403, "iam:PassRole"):
        client.replace_iam_instance_profile_association(
            AssociationId=association["AssociationId"], IamInstanceProfile={"Name": "app-profile"}
        )
    client.disassociate_iam_instance_profile(AssociationId=association["AssociationId"])  # no role passed


# Explicit deny, DryRun, decoded messages ------------------------------------------------------------------


def test_explicit_deny_beats_allow_and_decodes_with_its_sid(
    user: UsersFactory, ec2: Any, ami: str, account_id: str
) -> None:
    instance_id = launch(ec2, ami)
    client = user(
        "no-terminate",
        allow(["ec2:*", "sts:DecodeAuthorizationMessage"]),
        {"Sid": "NeverTerminate", "Effect": "Deny", "Action": "ec2:TerminateInstances", "Resource": "*"},
    )
    sts = user("decoder", allow("sts:DecodeAuthorizationMessage"), service="sts")
    with aws_error(
        "UnauthorizedOperation",
        403,
        "ec2:TerminateInstances on resource: "
        f"{instance_arn(account_id, instance_id)} with an explicit deny in an identity-based policy",
    ) as error:
        client.terminate_instances(InstanceIds=[instance_id])
    document = decoded(sts, error()["Message"])
    assert document["allowed"] is False and document["explicitDeny"] is True
    assert [s["statementId"] for s in document["matchedStatements"]["items"]] == ["NeverTerminate"]
    statement = document["matchedStatements"]["items"][0]
    user_id = document["context"]["principal"]["id"]
    assert statement == {  # the shape of the AWS CLI decode-authorization-message example
        "statementId": "NeverTerminate",
        "effect": "DENY",
        "principals": {"items": [{"value": user_id}]},
        "principalGroups": {"items": []},
        "actions": {"items": [{"value": "ec2:TerminateInstances"}]},
        "resources": {"items": [{"value": "*"}]},
        "conditions": {"items": []},
    }
    assert document["context"]["action"] == "TerminateInstances"
    assert document["context"]["resource"] == instance_arn(account_id, instance_id)
    assert document["context"]["principal"]["arn"] == f"arn:aws:iam::{account_id}:user/no-terminate"
    assert document["context"]["principal"]["name"] == "no-terminate"
    keys = conditions(document)
    assert keys["ec2:InstanceType"] == ["t3.micro"]
    assert keys["ec2:Region"] == [REGION]
    assert keys["ec2:InstanceID"] == [instance_id]
    assert keys["aws:Resource"] == [f"instance/{instance_id}"] and keys["aws:Type"] == ["instance"]
    assert keys["aws:Account"] == [account_id] and keys["aws:Service"] == ["ec2"]
    assert keys["aws:ARN"] == [instance_arn(account_id, instance_id)]


def test_decoded_implicit_denial_carries_request_keys(user: UsersFactory, ami: str) -> None:
    client = user("t3-only", *RUN_ONLY_T3_MICRO)
    sts = user("decoder", allow("sts:DecodeAuthorizationMessage"), service="sts")
    with aws_error("UnauthorizedOperation", 403) as error:
        launch(client, ami, InstanceType="m5.large", TagSpecifications=tagged("team", "blue"))
    document = decoded(sts, error()["Message"])
    assert document["explicitDeny"] is False and document["matchedStatements"]["items"] == []
    keys = conditions(document)
    assert keys["ec2:InstanceType"] == ["m5.large"]
    assert keys["aws:RequestTag/team"] == ["blue"]
    assert keys["aws:TagKeys"] == ["team"]
    assert keys["ec2:MetadataHttpTokens"] == ["required"]
    assert keys["aws:RequestedRegion"] == [REGION]


def test_decode_itself_needs_permission(user: UsersFactory, ami: str) -> None:
    client = user("nobody")
    sts = user("not-a-decoder", allow("sts:GetSessionToken"), service="sts")
    with aws_error("UnauthorizedOperation", 403) as error:
        launch(client, ami)
    with aws_error("AccessDenied", 403, "sts:DecodeAuthorizationMessage"):
        decoded(sts, error()["Message"])


def test_dry_run_answers_by_permission_and_changes_nothing(user: UsersFactory, ec2: Any, ami: str) -> None:
    allowed = user("dry-allowed", allow("ec2:RunInstances"))
    denied = user("dry-denied", allow("ec2:Describe*"))
    with aws_error("DryRunOperation", 412, "Request would have succeeded, but DryRun flag is set."):
        launch(allowed, ami, DryRun=True)
    with aws_error("UnauthorizedOperation", 403, "ec2:RunInstances"):
        launch(denied, ami, DryRun=True)
    assert ec2.describe_instances()["Reservations"] == []
    instance_id = launch(ec2, ami)
    with aws_error("UnauthorizedOperation", 403, "ec2:TerminateInstances"):
        denied.terminate_instances(InstanceIds=[instance_id], DryRun=True)
    state = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]["State"][
        "Name"
    ]
    assert state in ("pending", "running")


# Boundaries and session policies ----------------------------------------------------------------------


def test_permissions_boundary_narrows_user(user: UsersFactory, iam: Any, ami: str) -> None:
    boundary = iam.create_policy(PolicyName="describe-only", PolicyDocument=policy(allow("ec2:Describe*")))[
        "Policy"
    ]
    client = user("bounded", allow("ec2:*"))
    launch(client, ami)
    iam.put_user_permissions_boundary(UserName="bounded", PermissionsBoundary=boundary["Arn"])
    client.describe_instances()
    with aws_error(
        "UnauthorizedOperation", 403, "because no permissions boundary allows the ec2:RunInstances action"
    ):
        launch(client, ami)


def test_session_policy_narrows_assumed_role(
    user: UsersFactory, iam: Any, server: Server, account_id: str, ami: str
) -> None:
    trust = policy(
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"},
            "Action": "sts:AssumeRole",
        }
    )
    iam.create_role(RoleName="operator", AssumeRolePolicyDocument=trust)
    iam.put_role_policy(RoleName="operator", PolicyName="ec2", PolicyDocument=policy(allow("ec2:*")))
    sts = user("assumer", allow("sts:AssumeRole"), service="sts")
    credentials = sts.assume_role(
        RoleArn=f"arn:aws:iam::{account_id}:role/operator",
        RoleSessionName="s1",
        Policy=policy(allow("ec2:Describe*")),
    )["Credentials"]
    session = boto3.client(
        "ec2",
        region_name=REGION,
        endpoint_url=server.api_url,
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )
    session.describe_instances()
    with aws_error(
        "UnauthorizedOperation",
        403,
        f"User: arn:aws:sts::{account_id}:assumed-role/operator/s1 is not "
        "authorized to perform: ec2:RunInstances",
    ) as error:
        launch(session, ami)
    decoder = user("session-decoder", allow("sts:DecodeAuthorizationMessage"), service="sts")
    principal = decoded(decoder, error()["Message"])["context"]["principal"]
    role_id = iam.get_role(RoleName="operator")["Role"]["RoleId"]
    assert principal == {"id": f"{role_id}:s1", "arn": f"arn:aws:sts::{account_id}:assumed-role/operator/s1"}


# Cross-account --------------------------------------------------------------------------------------------


def test_other_accounts_user_cannot_touch_an_instance(
    user: UsersFactory, ec2: Any, ami: str, make_client: Callable[..., Any]
) -> None:
    instance_id = launch(ec2, ami)
    other = str(random.randrange(10**11, 10**12))
    other_iam = make_client("iam", other)
    other_iam.create_user(UserName="intruder")
    other_iam.put_user_policy(UserName="intruder", PolicyName="all", PolicyDocument=policy(allow("ec2:*")))
    key = other_iam.create_access_key(UserName="intruder")["AccessKey"]
    intruder = make_client("ec2", key["AccessKeyId"], secret=key["SecretAccessKey"])
    for call in (intruder.stop_instances, intruder.terminate_instances):
        with aws_error("InvalidInstanceID.NotFound", 400, instance_id):
            call(InstanceIds=[instance_id])
    with aws_error("InvalidInstanceID.NotFound", 400):
        intruder.create_tags(Resources=[instance_id], Tags=[{"Key": "owned", "Value": "yes"}])
    other_iam.delete_user_policy(UserName="intruder", PolicyName="all")
    # Without permissions the unknown id is still authorized, on the ARN it names in the caller's account.
    with aws_error(
        "UnauthorizedOperation", 403, f"ec2:StopInstances on resource: {instance_arn(other, instance_id)}"
    ):
        intruder.stop_instances(InstanceIds=[instance_id])


# --iam-enforcement audit and off ------------------------------------------------------------------------


def _server_client(server: Server, account_id: str) -> Callable[..., Any]:
    def make(service: str, key: str = account_id, secret: str = "secret") -> Any:
        return boto3.client(
            service,
            region_name=REGION,
            endpoint_url=server.api_url,
            aws_access_key_id=key,
            aws_secret_access_key=secret,
        )

    return make


@pytest.fixture(scope="module", params=["audit", "off"])
def lenient_server(request: pytest.FixtureRequest) -> Iterator[Server]:
    with Server(Config(port=0, imds_port=0, iam_enforcement=request.param)) as running:
        yield running


def test_audit_and_off_allow_and_audit_logs(
    lenient_server: Server, account_id: str, ami: str, caplog: pytest.LogCaptureFixture
) -> None:
    make = _server_client(lenient_server, account_id)
    iam = make("iam")
    iam.create_user(UserName="unprivileged")
    key = iam.create_access_key(UserName="unprivileged")["AccessKey"]
    client = make("ec2", key["AccessKeyId"], key["SecretAccessKey"])
    with caplog.at_level(logging.INFO, logger="ec2sim.authz"):
        instance_id = launch(client, ami)
        client.terminate_instances(InstanceIds=[instance_id])
    denials = [r.getMessage() for r in caplog.records if r.name == "ec2sim.authz"]
    if lenient_server.config.iam_enforcement == "off":
        assert denials == []
    else:
        assert any(
            "action=ec2:RunInstances" in m and "(audit: allowed)" in m and "user/unprivileged" in m
            for m in denials
        ), denials
        assert any(f"resource=arn:aws:ec2:{REGION}:{account_id}:instance/{instance_id}" in m for m in denials)
