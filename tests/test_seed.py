"""The declarative seed (`--config FILE` with `accounts:`): the walkthrough example, fixed ids and
keys, reset to the seed, refusal of a bad file as a whole, and the shipped JSON Schema."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import fields
from pathlib import Path
from typing import Any

import boto3
import jsonschema
import pytest
import requests
import yaml

from ec2sim.config import Config
from ec2sim.seed import SeedError
from ec2sim.seed.apply import Seed
from ec2sim.seed.loader import load_seed, schema
from ec2sim.server import Server
from tests.helpers import aws_error, root_client
from tests.test_readme import README, Block, script

ROOT = Path(__file__).resolve().parent.parent
WALKTHROUGH = ROOT / "examples" / "walkthrough.yaml"
ACCOUNT, PARTNER = "111111111111", "222222222222"
ALICE = ("AKIAWALKTHROUGHALICE", "alice/K7MDENG/bPxRfiCYWALKTHROUGHKEY01")
BOB = ("AKIAWALKTHROUGHBOB01", "bob/K7MDENG/bPxRfiCYWALKTHROUGHKEY0001")
ROOT_KEY = ("AKIAWALKTHROUGHROOT1", "root/K7MDENG/bPxRfiCYWALKTHROUGHROOTKEY1")
SETTINGS = {"port": 0, "imds_port": 0, "account_id": ACCOUNT, "strict_credentials": True}


def seed_config(**settings: Any) -> Config:
    return Config(**{**SETTINGS, **settings})


@pytest.fixture(scope="module")
def walkthrough() -> Seed:
    seed = load_seed(str(WALKTHROUGH), seed_config())
    assert seed is not None
    return seed


@pytest.fixture
def served(walkthrough: Seed) -> Iterator[Server]:
    """A server started with the walkthrough (strict credentials: only its keys work)."""
    with Server(seed_config(imds_instance_id="i-9a6843fd"), seed=walkthrough) as running:
        yield running


def client(server: Server, service: str, key: tuple[str, str], region: str = "us-east-1") -> Any:
    return boto3.client(
        service,
        region_name=region,
        endpoint_url=server.api_url,
        aws_access_key_id=key[0],
        aws_secret_access_key=key[1],
    )


# The walkthrough -------------------------------------------------------------------------------------


def test_operators_may_describe_run_stop_start_and_terminate_only(served: Server) -> None:
    ec2 = client(served, "ec2", ALICE)
    seeded = ec2.describe_instances(InstanceIds=["i-9a6843fd"])["Reservations"][0]["Instances"][0]
    assert (seeded["ImageId"], seeded["InstanceType"], seeded["KeyName"]) == (
        "ami-e565ba8c",
        "t1.micro",
        "key-pair",
    )
    assert seeded["IamInstanceProfile"]["Arn"] == f"arn:aws:iam::{ACCOUNT}:instance-profile/s3access"
    assert {"Key": "Name", "Value": "web-server"} in seeded["Tags"]
    launched = ec2.run_instances(ImageId="ami-e565ba8c", MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
    ec2.stop_instances(InstanceIds=[launched])
    ec2.start_instances(InstanceIds=[launched])
    ec2.terminate_instances(InstanceIds=[launched])
    with aws_error("UnauthorizedOperation", 403):
        ec2.describe_images(ImageIds=["ami-e565ba8c"])
    with aws_error("UnauthorizedOperation", 403):
        ec2.create_volume(AvailabilityZone="us-east-1a", Size=1)
    with aws_error("AccessDenied", 403):
        client(served, "iam", ALICE).list_users()


def test_viewers_may_describe_everything_and_change_nothing(served: Server) -> None:
    ec2 = client(served, "ec2", BOB)
    assert ec2.describe_images(ImageIds=["ami-e565ba8c"])["Images"][0]["Name"] == "walkthrough-web-server"
    assert [k["KeyName"] for k in ec2.describe_key_pairs()["KeyPairs"]] == ["key-pair"]
    assert ec2.describe_snapshots(SnapshotIds=["snap-1c2d3e4f"])["Snapshots"][0]["VolumeSize"] == 8
    with aws_error("UnauthorizedOperation", 403):
        ec2.run_instances(ImageId="ami-e565ba8c", MinCount=1, MaxCount=1)
    with aws_error("UnauthorizedOperation", 403):
        ec2.stop_instances(InstanceIds=["i-9a6843fd"])
    with aws_error("AccessDenied", 403):
        client(served, "iam", BOB).get_role(RoleName="s3access")


def test_the_role_its_profile_and_the_instance_credentials(served: Server) -> None:
    iam = client(served, "iam", ROOT_KEY)
    role = iam.get_role(RoleName="s3access")["Role"]
    assert role["AssumeRolePolicyDocument"]["Version"] == "2008-10-17"
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": "ec2.amazonaws.com"}
    policy = iam.get_role_policy(RoleName="s3access", PolicyName="s3star")["PolicyDocument"]
    assert policy == {
        "Version": "2008-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["s3:*"], "Resource": ["*"]}],
    }
    profile = iam.get_instance_profile(InstanceProfileName="s3access")["InstanceProfile"]
    assert [r["RoleName"] for r in profile["Roles"]] == ["s3access"]
    assert iam.list_account_aliases()["AccountAliases"] == ["walkthrough"]
    assert iam.get_login_profile(UserName="alice")["LoginProfile"]["UserName"] == "alice"
    groups = iam.list_groups_for_user(UserName="bob")["Groups"]
    assert [g["GroupName"] for g in groups] == ["ec2-viewers"]
    token = requests.put(
        served.imds_url + "/latest/api/token",
        headers={"X-aws-ec2-metadata-token-ttl-seconds": "60"},
        timeout=5,
    ).text
    answer = requests.get(
        served.imds_url + "/latest/meta-data/iam/security-credentials/s3access",
        headers={"X-aws-ec2-metadata-token": token},
        timeout=5,
    )
    assert answer.status_code == 200 and json.loads(answer.text)["Code"] == "Success"


def test_images_and_snapshots_shared_with_the_partner_account(served: Server, walkthrough: Seed) -> None:
    with Server(seed_config(strict_credentials=False), seed=walkthrough) as lenient:
        partner = root_client(lenient.api_url, "ec2", PARTNER)
        assert partner.describe_images(ImageIds=["ami-e565ba8c"])["Images"][0]["OwnerId"] == ACCOUNT
        assert partner.describe_snapshots(RestorableByUserIds=[PARTNER])["Snapshots"][0]["SnapshotId"] == (
            "snap-1c2d3e4f"
        )
        partner.run_instances(ImageId="ami-e565ba8c", MinCount=1, MaxCount=1)
    owner = client(served, "ec2", ROOT_KEY)
    permissions = owner.describe_image_attribute(ImageId="ami-e565ba8c", Attribute="launchPermission")
    assert permissions["LaunchPermissions"] == [{"UserId": PARTNER}]


def test_strict_credentials_refuse_keys_the_seed_does_not_name(served: Server) -> None:
    with aws_error("AuthFailure", 401):
        client(served, "ec2", (ACCOUNT, "x")).describe_instances()


def test_seeded_iam_is_in_effect_at_once_whatever_the_propagation_delay(walkthrough: Seed) -> None:
    with Server(seed_config(iam_propagation_seconds=600), seed=walkthrough) as delayed:
        assert client(delayed, "ec2", BOB).describe_instances()["Reservations"]


# Reset ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/_ec2sim/reset", "/moto-api/reset"])
def test_reset_returns_to_the_seeded_state_with_the_same_ids(served: Server, path: str) -> None:
    iam, ec2 = client(served, "iam", ROOT_KEY), client(served, "ec2", ROOT_KEY)
    before = iam.get_user(UserName="alice")["User"]["UserId"]
    zone = ec2.describe_instances()["Reservations"][0]["Instances"][0]["Placement"]["AvailabilityZone"]
    iam.create_user(UserName="mallory")
    iam.delete_access_key(UserName="bob", AccessKeyId=BOB[0])
    ec2.terminate_instances(InstanceIds=["i-9a6843fd"])
    ec2.run_instances(ImageId="ami-e565ba8c", MinCount=1, MaxCount=1)
    assert requests.post(served.api_url + path, timeout=5).json() == {"status": "ok"}
    assert [u["UserName"] for u in iam.list_users()["Users"]] == ["alice", "bob"]
    assert iam.get_user(UserName="alice")["User"]["UserId"] == before
    instances = [i for r in ec2.describe_instances()["Reservations"] for i in r["Instances"]]
    assert [(i["InstanceId"], i["State"]["Name"]) for i in instances] == [("i-9a6843fd", "running")]
    assert instances[0]["Placement"]["AvailabilityZone"] == zone
    client(served, "ec2", BOB).describe_instances()  # the deleted key is back


_SEEDED_BLOCK = re.compile(
    r"^```(sh|python)[ \t]*\n(# readme-test: skip \(seeded: .*?)^```[ \t]*$", re.M | re.S
)


def test_the_readme_seeding_section_runs_as_written(walkthrough: Seed, tmp_path: Path) -> None:
    """The README's Seeding blocks, against a server started with the walkthrough (as the README
    starts it); `tests/test_readme.py` runs the README's other blocks."""
    bin_dir = Path(sys.executable).parent
    path = os.pathsep.join([str(bin_dir), os.environ.get("PATH", "")])
    if shutil.which("aws", path=path) is None or shutil.which("curl", path=path) is None:
        pytest.skip("the AWS CLI and curl run the README (pip install -e '.[test]')")
    text = README.read_text(encoding="utf-8")
    section = text[text.index("\n## Seeding\n") :].split("\n## ", 2)[1]
    found = [Block(m.group(1), 0, m.group(2)) for m in _SEEDED_BLOCK.finditer(section)]
    assert [b.language for b in found] == ["sh", "python"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "EC2SIM_"))}
    env.update(PATH=path, HOME=str(tmp_path))
    with Server(seed_config(), seed=walkthrough) as running:
        done = subprocess.run(
            ["bash", "-c", script(found, running.api_port, running.imds_port)],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.split()
    for expected in (
        "arn:aws:iam::111111111111:user/bob",
        "UnauthorizedOperation",
        "stopping",
        "AccessDenied",
        "s3access",
    ):
        assert expected in lines, done.stdout
    assert "launched and terminated" in done.stdout, done.stdout


# Fixed ids, regions and references -----------------------------------------------------------------

PUBLIC_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl seed@example"


def write(tmp_path: Path, document: dict[str, Any], name: str = "seed.yaml") -> str:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(document))
    return str(path)


REGIONAL: dict[str, Any] = {
    "accounts": [
        {
            "id": "333333333333",
            "policies": [
                {
                    "name": "read-only-ec2",
                    "path": "/team/",
                    "document": {
                        "Version": "2012-10-17",
                        "Statement": [{"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"}],
                    },
                }
            ],
            "users": [
                {
                    "name": "carol",
                    "managed_policies": ["read-only-ec2"],
                    "permissions_boundary": "read-only-ec2",
                    "tags": {"team": "blue"},
                    "access_keys": [
                        {"access_key_id": "AKIACAROL00000000001", "secret_access_key": "carol-secret"},
                        {
                            "access_key_id": "AKIACAROL00000000002",
                            "secret_access_key": "old",
                            "status": "Inactive",
                        },
                    ],
                }
            ],
            "roles": [
                {
                    "name": "app",
                    "trust_policy": {
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"Service": "ec2.amazonaws.com"},
                                "Action": "sts:AssumeRole",
                            }
                        ]
                    },
                    "managed_policies": ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
                    "instance_profile": True,
                    "tags": {"tier": "web"},
                }
            ],
            "regions": {
                "eu-west-1": {
                    "key_pairs": [
                        {"name": "deploy", "id": "key-0123456789abcdef0", "public_key": PUBLIC_KEY}
                    ],
                    "snapshots": [
                        {
                            "id": "snap-0123456789abcdef0",
                            "volume_size": 20,
                            "create_volume_permissions": ["all"],
                        }
                    ],
                    "images": [
                        {
                            "id": "ami-0123456789abcdef0",
                            "name": "app-image",
                            "snapshot": "snap-0123456789abcdef0",
                            "launch_permissions": ["all"],
                        }
                    ],
                    "instances": [
                        {
                            "id": "i-0123456789abcdef0",
                            "image": "app-image",
                            "key_name": "deploy",
                            "instance_profile": "app",
                            "state": "stopped",
                            "user_data": "#!/bin/sh\necho hi\n",
                        },
                        {
                            "image": "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20241119",
                            "availability_zone": "eu-west-1b",
                        },
                    ],
                }
            },
        }
    ]
}


def test_fixed_ids_keys_and_regions(tmp_path: Path) -> None:
    seed = load_seed(write(tmp_path, REGIONAL), seed_config())
    with Server(seed_config(strict_credentials=False), seed=seed) as running:
        carol = client(running, "ec2", ("AKIACAROL00000000001", "carol-secret"), "eu-west-1")
        instances = {
            i["InstanceId"]: i for r in carol.describe_instances()["Reservations"] for i in r["Instances"]
        }
        fixed = instances.pop("i-0123456789abcdef0")
        assert (fixed["ImageId"], fixed["KeyName"], fixed["State"]["Name"]) == (
            "ami-0123456789abcdef0",
            "deploy",
            "stopped",
        )
        assert fixed["IamInstanceProfile"]["Arn"] == "arn:aws:iam::333333333333:instance-profile/app"
        assert [i["Placement"]["AvailabilityZone"] for i in instances.values()] == ["eu-west-1b"]
        key = carol.describe_key_pairs()["KeyPairs"][0]
        assert (key["KeyPairId"], key["KeyName"]) == ("key-0123456789abcdef0", "deploy")
        assert carol.describe_images(ImageIds=["ami-0123456789abcdef0"])["Images"][0]["Public"] is True
        with aws_error("UnauthorizedOperation", 403):  # the boundary and the policy allow Describe* only
            carol.stop_instances(InstanceIds=["i-0123456789abcdef0"])
        with aws_error("AuthFailure", 401):  # the second key is Inactive
            client(running, "ec2", ("AKIACAROL00000000002", "old"), "eu-west-1").describe_instances()
        iam = root_client(running.api_url, "iam", "333333333333")
        policy = iam.list_attached_user_policies(UserName="carol")["AttachedPolicies"][0]
        assert policy["PolicyArn"] == "arn:aws:iam::333333333333:policy/team/read-only-ec2"
        assert iam.list_user_tags(UserName="carol")["Tags"] == [{"Key": "team", "Value": "blue"}]
        assert (
            iam.list_attached_role_policies(RoleName="app")["AttachedPolicies"][0]["PolicyName"]
            == "ReadOnlyAccess"
        )
        other = root_client(running.api_url, "ec2", "444444444444", "eu-west-1")
        assert (
            other.describe_snapshots(SnapshotIds=["snap-0123456789abcdef0"])["Snapshots"][0]["VolumeSize"]
            == 20
        )


# Refusals -------------------------------------------------------------------------------------------


def _account(**members: Any) -> dict[str, Any]:
    return {"accounts": [{"id": "333333333333", **members}]}


USER = {"name": "dave"}
INVALID: list[tuple[dict[str, Any], str, str]] = [
    (_account(users=[USER, {"nome": "x"}]), "accounts[0].users[1]", "'nome' was unexpected"),
    (
        _account(users=[{"name": "x", "groups": "admins"}]),
        "accounts[0].users[0].groups",
        "is not of type 'array'",
    ),
    (
        _account(users=[{"name": "x", "policies": [{"name": "p", "document": "{not json"}]}]),
        "accounts[0].users[0].policies[0]",
        "MalformedPolicyDocument",
    ),
    (_account(users=[{"name": "x", "groups": ["nope"]}]), "accounts[0].users[0].groups[0]", "NoSuchEntity"),
    (_account(users=[USER, USER]), "accounts[0].users[1]", "EntityAlreadyExists"),
    (
        _account(users=[{"name": "x", "managed_policies": ["nope"]}]),
        "accounts[0].users[0].managed_policies[0]",
        "no policy named 'nope'",
    ),
    (_account(users=[{"name": "bad name!"}]), "accounts[0].users[0]", "ValidationError"),
    (
        _account(roles=[{"name": "r", "trust_policy": {"Statement": []}}]),
        "accounts[0].roles[0]",
        "MalformedPolicyDocument",
    ),
    (
        _account(instances=[{"image": "no-such-image"}]),
        "accounts[0].instances[0].image",
        "no image named 'no-such-image'",
    ),
    (_account(instances=[{"key_name": "nope"}]), "accounts[0].instances[0]", "InvalidKeyPair.NotFound"),
    (_account(instances=[{"instance_type": "t9.huge"}]), "accounts[0].instances[0]", "InvalidParameterValue"),
    (
        _account(images=[{"name": "img1", "snapshot": "snap-00000000"}]),
        "accounts[0].images[0]",
        "InvalidSnapshot.NotFound",
    ),
    (_account(regions={"xx-nowhere-1": {}}), "accounts[0].regions.xx-nowhere-1", "is not a region"),
    (
        _account(snapshots=[{"id": "snap-12345678"}], images=[{"name": "img1", "id": "snap-1"}]),
        "accounts[0].images[0].id",
        "does not match",
    ),
    (
        _account(
            snapshots=[{"id": "snap-12345678"}],
            regions={"eu-west-1": {"snapshots": [{"id": "snap-12345678"}]}},
        ),
        "accounts[0].regions.eu-west-1.snapshots[0].id",
        "snap-12345678 is also at accounts[0].snapshots[0].id",
    ),
    ({"accounts": [{"id": "333333333333"}, {"id": "333333333333"}]}, "accounts[1].id", "is also accounts[0]"),
    ({"accounts": [{"id": 333333333333}]}, "accounts[0].id", "is not of type 'string'"),
    ({"accounts": {"id": "333333333333"}}, "accounts", "is not of type 'array'"),
]


@pytest.mark.parametrize(("document", "path", "problem"), INVALID, ids=[case[2][:40] for case in INVALID])
def test_invalid_seeds_name_the_item_and_the_problem(
    tmp_path: Path, document: dict[str, Any], path: str, problem: str
) -> None:
    file = write(tmp_path, document)
    with pytest.raises(SeedError) as refused:
        load_seed(file, seed_config())
    assert refused.value.path == path, str(refused.value)
    assert problem in refused.value.problem and str(refused.value).startswith(f"{file}: {path}: ")


CLI_CASES = [(*INVALID[0], "flag"), (*INVALID[2], "flag"), (*INVALID[3], "flag"), (*INVALID[4], "env")]


def _serve(file: str, via: str = "flag") -> subprocess.CompletedProcess[str]:
    """`ec2sim serve` with `file` as --config or EC2SIM_CONFIG, to its end (a bad file ends it)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("EC2SIM_")}
    args = ["--config", file] if via == "flag" else []
    if via == "env":
        env["EC2SIM_CONFIG"] = file
    return subprocess.run(
        [sys.executable, "-m", "ec2sim", "serve", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env=env,
        check=False,
    )


@pytest.mark.parametrize(
    ("document", "path", "problem", "via"), CLI_CASES, ids=["schema", "policy", "group", "duplicate-env"]
)
def test_serve_refuses_a_bad_seed_with_one_line(
    tmp_path: Path, document: dict[str, Any], path: str, problem: str, via: str
) -> None:
    file = write(tmp_path, {"port": 0, "imds-port": 0, **document}, "bad.yaml")
    done = _serve(file, via)
    assert done.returncode == 2, done
    assert done.stderr.strip().splitlines() == [done.stderr.strip()], done.stderr
    assert f"ec2sim: {file}: {path}: " in done.stderr and problem in done.stderr, done.stderr
    assert "API on" not in done.stdout + done.stderr  # nothing was served


def test_settings_beside_the_seed_are_read_as_before(tmp_path: Path) -> None:
    """`accounts` is the seed's; every other key is still a setting, checked as one."""
    file = write(tmp_path, {"porty": 1, **_account()}, "bad.yaml")
    done = _serve(file)
    assert done.returncode == 2 and f"unknown settings in {file}: porty" in done.stderr, done.stderr


def test_a_file_without_accounts_has_no_seed(tmp_path: Path) -> None:
    assert load_seed(write(tmp_path, {"port": 0}), seed_config()) is None


# The schema -------------------------------------------------------------------------------------------


def settings_properties() -> dict[str, Any]:
    """What the schema says of each setting (derived from `Config`; regenerate with
    ``python -m tests.test_seed``)."""
    json_types = {int: "integer", float: "number", bool: "boolean", str: "string"}
    kinds = Config.field_types()
    properties: dict[str, Any] = {}
    for f in fields(Config):
        flag = f.name.replace("_", "-")
        properties[f.name] = {
            "type": json_types[kinds[f.name]],
            "description": f"{f.metadata['help']} (--{flag}, EC2SIM_{f.name.upper()})",
            "default": f.default,
        }
        if flag != f.name:
            properties[flag] = {"$ref": f"#/properties/{f.name}"}
    return properties


def test_schema_describes_every_setting_and_the_example() -> None:
    shipped = schema()
    jsonschema.Draft202012Validator.check_schema(shipped)
    settings = {k: v for k, v in shipped["properties"].items() if k != "accounts"}
    assert settings == settings_properties(), "the settings changed: run .venv/bin/python -m tests.test_seed"
    jsonschema.validate(yaml.safe_load(WALKTHROUGH.read_text()), shipped)  # the whole file, settings too
    assert WALKTHROUGH.read_text().startswith(
        "# yaml-language-server: $schema=../ec2sim/data/seed.schema.json"
    )


def _regenerate() -> None:
    path = ROOT / "ec2sim" / "data" / "seed.schema.json"
    shipped = json.loads(path.read_text())
    shipped["properties"] = {**settings_properties(), "accounts": shipped["properties"]["accounts"]}
    path.write_text(json.dumps(shipped, indent=2) + "\n")


if __name__ == "__main__":
    _regenerate()
