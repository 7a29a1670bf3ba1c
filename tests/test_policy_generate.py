"""Least privilege from recordings (issue 17, part 3): an application role runs a mixed workload
under a broad policy; the policy generated from its calls lets a fresh role run the same workload,
and no statement of it can go; `policy check` names the calls a policy missing an action would
refuse; CloudTrail shows the same calls. Through the control API, the CLI, and the pytest plugin."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from ec2sim.cli import main
from ec2sim.server import Server
from tests.helpers import new_account_id
from tests.oidc_helpers import session_client

pytest_plugins = ["pytester"]

AL2023 = "al2023-ami-2023.6.20241212.0-kernel-6.1-x86_64"
BROAD = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": ["ec2:*", "iam:PassRole", "sts:AssumeRole"], "Resource": "*"}
    ],
}


def _trust(principal: dict[str, str]) -> str:
    statement = {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


@dataclass
class World:
    """Account A (the application's: a CI user, the role `app`, an instance profile `web`) and
    another account whose role `deployer` trusts A."""

    server: Server
    account: str
    other: str
    ci_sts: Any
    iam: Any

    def role_arn(self, name: str) -> str:
        return f"arn:aws:iam::{self.account}:role/{name}"

    def role(self, name: str, policy: dict[str, Any]) -> None:
        """Create role `name` (trusted by A) with `policy` as its only policy, or replace its policy."""
        try:
            self.iam.create_role(RoleName=name, AssumeRolePolicyDocument=_trust({"AWS": self.account}))
        except self.iam.exceptions.EntityAlreadyExistsException:
            pass
        self.iam.put_role_policy(RoleName=name, PolicyName="policy", PolicyDocument=json.dumps(policy))

    def clients(self, role: str) -> tuple[Any, Any]:
        """(ec2, sts) clients of a new session of `role`."""
        credentials = self.ci_sts.assume_role(RoleArn=self.role_arn(role), RoleSessionName="run")[
            "Credentials"
        ]
        return session_client(self.server, "ec2", credentials), session_client(
            self.server, "sts", credentials
        )

    def workload(self, role: str) -> dict[str, str]:
        """Launch with a profile, tag, describe, create an image, share it, assume a role in the other
        account; the request id of each call."""
        ec2, sts = self.clients(role)
        ids: dict[str, str] = {}

        def call(name: str, method: Callable[..., dict[str, Any]], **kwargs: Any) -> dict[str, Any]:
            reply = method(**kwargs)
            ids[name] = reply["ResponseMetadata"]["RequestId"]
            return reply

        images = call(
            "DescribeImages",
            ec2.describe_images,
            Owners=["amazon"],
            Filters=[{"Name": "name", "Values": [AL2023]}],
        )
        tags = [{"ResourceType": "instance", "Tags": [{"Key": "team", "Value": "blue"}]}]
        launched = call(
            "RunInstances",
            ec2.run_instances,
            ImageId=images["Images"][0]["ImageId"],
            MinCount=1,
            MaxCount=1,
            IamInstanceProfile={"Name": "web"},
            TagSpecifications=tags,
        )
        instance = launched["Instances"][0]["InstanceId"]
        call("CreateTags", ec2.create_tags, Resources=[instance], Tags=[{"Key": "env", "Value": "test"}])
        call("DescribeInstances", ec2.describe_instances, InstanceIds=[instance])
        image = call("CreateImage", ec2.create_image, InstanceId=instance, Name=f"app-{instance}")["ImageId"]
        share = {"Add": [{"UserId": self.other}]}
        call("ModifyImageAttribute", ec2.modify_image_attribute, ImageId=image, LaunchPermission=share)
        deployer = f"arn:aws:iam::{self.other}:role/deployer"
        call("AssumeRole", sts.assume_role, RoleArn=deployer, RoleSessionName="deploy")
        return ids


@pytest.fixture
def world(server: Server, make_client: Callable[..., Any]) -> World:
    account, other = new_account_id(), new_account_id()
    iam = make_client("iam", account)
    iam.create_user(UserName="ci")
    iam.put_user_policy(
        UserName="ci",
        PolicyName="assume",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}],
            }
        ),
    )
    key = iam.create_access_key(UserName="ci")["AccessKey"]
    iam.create_role(RoleName="web", AssumeRolePolicyDocument=_trust({"Service": "ec2.amazonaws.com"}))
    iam.create_instance_profile(InstanceProfileName="web")
    iam.add_role_to_instance_profile(InstanceProfileName="web", RoleName="web")
    make_client("iam", other).create_role(
        RoleName="deployer", AssumeRolePolicyDocument=_trust({"AWS": account})
    )
    ci_sts = make_client("sts", key["AccessKeyId"], secret=key["SecretAccessKey"])
    found = World(server, account, other, ci_sts, iam)
    found.role("app", BROAD)
    return found


def _control(server: Server, path: str, query: dict[str, str], body: bytes | None = None) -> tuple[int, Any]:
    url = f"{server.api_url}/_ec2sim/{path}?{urllib.parse.urlencode(query)}"
    request = urllib.request.Request(url, data=body, method="POST" if body is not None else "GET")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def _without_action(policy: dict[str, Any], action: str) -> dict[str, Any]:
    statements = []
    for statement in policy["Statement"]:
        rest = [a for a in statement["Action"] if a != action]
        if rest:
            statements.append({**statement, "Action": rest})
    return {**policy, "Statement": statements}


def test_generated_policy_runs_the_workload_and_no_statement_can_go(world: World) -> None:
    run = world.workload("app")
    status, policy = _control(world.server, "policy", {"principal": world.role_arn("app")})
    assert status == 200
    statements = {s["Sid"]: s for s in policy["Statement"]}
    a = world.account
    assert statements["Ec2OnAny"]["Action"] == ["ec2:DescribeImages", "ec2:DescribeInstances"]
    assert statements["Ec2OnAny"]["Resource"] == ["*"]  # no resource-level permissions
    # The instance and the image the run created: their types' patterns (a re-run makes others).
    assert statements["Ec2CreateTags"]["Resource"] == [f"arn:aws:ec2:us-east-1:{a}:instance/*"]
    assert statements["Ec2ModifyImageAttribute"]["Resource"] == ["arn:aws:ec2:us-east-1::image/*"]
    assert f"arn:aws:ec2:us-east-1:{a}:instance/*" in statements["Ec2CreateImage"]["Resource"]
    # What it only used stays itself: Amazon's image, the profile's role, the other account's role.
    launch = world.server.store.trail.get(run["RunInstances"])
    assert launch is not None
    source = f"arn:aws:ec2:us-east-1::image/{launch.params['ImageId']}"
    assert source in statements["Ec2RunInstances"]["Resource"]
    assert statements["IamPassRole"]["Resource"] == [world.role_arn("web")]
    assert statements["StsAssumeRole"]["Resource"] == [f"arn:aws:iam::{world.other}:role/deployer"]
    assert all(s["Effect"] == "Allow" and "*" not in s["Action"] for s in policy["Statement"])

    world.role("fresh", policy)
    world.workload("fresh")  # everything the workload needs
    for sid in statements:
        world.role("fresh", {**policy, "Statement": [s for s in policy["Statement"] if s["Sid"] != sid]})
        with pytest.raises(ClientError) as refused:
            world.workload("fresh")
        assert refused.value.response["Error"]["Code"] in ("UnauthorizedOperation", "AccessDenied"), sid

    missing = _without_action(policy, "ec2:ModifyImageAttribute")
    status, denied = _control(
        world.server, "policy/check", {"principal": world.role_arn("app")}, json.dumps(missing).encode()
    )
    assert status == 200
    (first,) = denied
    assert first["RequestId"] == run["ModifyImageAttribute"]
    assert (first["Operation"], first["Action"], first["Decision"]) == (
        "ec2:ModifyImageAttribute",
        "ec2:ModifyImageAttribute",
        "implicitDeny",
    )
    assert first["Resource"].startswith("arn:aws:ec2:us-east-1::image/ami-")
    assert first["Reason"].endswith(
        "because no identity-based policy allows the ec2:ModifyImageAttribute action"
    )
    status, none = _control(
        world.server, "policy/check", {"principal": world.role_arn("app")}, json.dumps(policy).encode()
    )
    assert (status, none) == (200, [])


def test_window_conditions_and_errors(world: World) -> None:
    first, second = world.workload("app"), world.workload("app")
    arn = world.role_arn("app")

    def at(request_id: str) -> str:
        record = world.server.store.trail.get(request_id)
        assert record is not None
        return record.time.isoformat().replace("+00:00", "Z")

    _, early = _control(world.server, "policy", {"principal": arn, "until": at(first["CreateTags"])})
    assert {a for s in early["Statement"] for a in s["Action"]} == {
        "ec2:DescribeImages",
        "ec2:RunInstances",
        "ec2:CreateTags",
        "iam:PassRole",
    }
    _, allowed = _control(world.server, "policy", {"principal": arn})
    missing = json.dumps(_without_action(allowed, "ec2:ModifyImageAttribute")).encode()
    window = {"principal": arn, "since": at(second["DescribeImages"])}
    _, denied = _control(world.server, "policy/check", window, missing)
    assert [d["RequestId"] for d in denied] == [second["ModifyImageAttribute"]]
    _, tagged = _control(world.server, "policy", {"principal": arn, "conditions": "true"})
    passing = next(s for s in tagged["Statement"] if s["Action"] == ["iam:PassRole"])
    assert passing["Condition"] == {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}
    launching = [s for s in tagged["Statement"] if "ec2:RunInstances" in s["Action"] and "Condition" in s]
    assert launching[0]["Condition"]["StringEquals"] == {"aws:RequestTag/team": "blue"}

    assert _control(world.server, "policy", {})[0] == 400
    assert _control(world.server, "policy", {"principal": arn, "until": "yesterday"})[0] == 400
    assert _control(world.server, "policy", {"principal": arn, "conditions": "maybe"})[0] == 400
    assert _control(world.server, "policy", {"principal": arn, "since": "2999-01-01T00:00:00Z"})[0] == 404
    assert _control(world.server, "policy", {"principal": world.role_arn("nobody")})[0] == 404
    status, error = _control(world.server, "policy/check", {"principal": arn}, b'{"Statement": ')
    assert status == 400 and "IAM" in error["error"]


def test_cli_generate_and_check(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    world.workload("app")
    arn = world.role_arn("app")
    monkeypatch.setenv("AWS_ENDPOINT_URL", world.server.api_url)  # the default endpoint
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    assert main(["policy", "generate", "--principal", arn, "--conditions", "--output", str(good)]) == 0
    assert "calls" in capsys.readouterr().err
    policy = json.loads(good.read_text())
    assert any(s["Sid"] == "IamPassRoleTagged" for s in policy["Statement"])
    bad.write_text(json.dumps(_without_action(policy, "sts:AssumeRole")))
    assert main(["policy", "check", str(good), "--principal", arn]) == 0
    capsys.readouterr()
    assert main(["policy", "check", str(bad), "--principal", arn]) == 1
    out, err = capsys.readouterr()
    (line,) = out.splitlines()
    assert "sts:AssumeRole: denied: sts:AssumeRole on arn:aws:iam::" in line
    assert "1 recorded call(s) would be denied" in err
    assert main(["policy", "check", str(bad), "--principal", arn, "--json"]) == 1
    (denied,) = json.loads(capsys.readouterr().out)
    assert (denied["Action"], denied["Resource"]) == (
        "sts:AssumeRole",
        f"arn:aws:iam::{world.other}:role/deployer",
    )

    assert main(["policy", "generate", "--principal", world.role_arn("nobody")]) == 1
    assert "no recorded call" in capsys.readouterr().err
    assert main(["policy", "check", str(tmp_path / "none.json"), "--principal", arn]) == 2
    assert main(["policy", "generate", "--principal", arn, "--since", "soon"]) == 2
    assert main(["policy", "generate", "--principal", arn, "--endpoint", "http://127.0.0.1:1"]) == 2
    assert "cannot reach the server" in capsys.readouterr().err


def test_recorded_policy_in_a_test_and_the_plugin_option(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_user="""
import json


def test_app(ec2sim):
    iam = ec2sim.boto3_client("iam")
    iam.create_user(UserName="app")
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ec2:*", "Resource": "*"}]}
    iam.put_user_policy(UserName="app", PolicyName="p", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName="app")["AccessKey"]
    ec2 = ec2sim.boto3_client("ec2", aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
    ec2.describe_vpcs()
    ec2.describe_subnets()
    assert ec2sim.recorded_policy(f"arn:aws:iam::{ec2sim.account_id}:user/app")["Statement"] == [
        {"Sid": "Ec2OnAny", "Effect": "Allow", "Action": ["ec2:DescribeSubnets", "ec2:DescribeVpcs"], "Resource": ["*"]}
    ]
"""
    )
    # In this process: the plugin is already imported, so only its server starts (no interpreter).
    result = pytester.runpytest_inprocess(
        "-p", "no:cacheprovider", "-p", "no:xdist", "--ec2sim-record-policy", "policies"
    )
    result.assert_outcomes(passed=1)
    (written,) = (pytester.path / "policies").iterdir()
    assert written.name.endswith("-user-app.json")
    assert json.loads(written.read_text())["Statement"][0]["Action"] == [
        "ec2:DescribeSubnets",
        "ec2:DescribeVpcs",
    ]


def test_cloudtrail_records_the_workload(world: World, make_client: Callable[..., Any]) -> None:
    """The same workload as CloudTrail shows it: one event per call in the application's account,
    by the role session, and the AssumeRole into the other account in both accounts, one shared id."""
    run = world.workload("app")

    def events(account: str) -> dict[str, dict[str, Any]]:
        pages = make_client("cloudtrail", account).get_paginator("lookup_events").paginate()
        found = [json.loads(e["CloudTrailEvent"]) for page in pages for e in page["Events"]]
        return {event["requestID"]: event for event in found}

    mine, theirs = events(world.account), events(world.other)
    for name, request_id in run.items():
        event = mine[request_id]
        assert (event["eventName"], event["recipientAccountId"]) == (name, world.account)
        identity = event["userIdentity"]
        assert identity["type"] == "AssumedRole"
        assert identity["arn"] == f"arn:aws:sts::{world.account}:assumed-role/app/run"
        assert identity["sessionContext"]["sessionIssuer"]["arn"] == world.role_arn("app")
    assert mine[run["DescribeInstances"]]["readOnly"] and not mine[run["RunInstances"]]["readOnly"]
    assume = mine[run["AssumeRole"]]
    assert assume["eventSource"] == "sts.amazonaws.com"
    shared = theirs[run["AssumeRole"]]
    assert shared["recipientAccountId"] == world.other
    assert shared["sharedEventID"] == assume["sharedEventID"]
    assert shared["eventID"] != assume["eventID"]
