"""Resource-level EC2 authorization: which ARNs and condition keys each action is checked with.

Denials are decoded with the root's sts:DecodeAuthorizationMessage to see the
failing resource and its keys, as AWS's decoded message shows them.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests import test_authz_ec2 as shared
from tests.helpers import aws_error
from tests.test_authz_ec2 import REGION, UsersFactory, allow, conditions, launch, tagged

# The fixtures of the end-to-end module, shared.
user = shared.user
ami = shared.ami

ZONE = f"{REGION}a"


def denial(sts: Any, call: Any, **params: Any) -> dict[str, Any]:
    """The decoded authorization message of a call that must be UnauthorizedOperation."""
    with aws_error("UnauthorizedOperation", 403) as error:
        call(**params)
    encoded = error()["Message"].split("Encoded authorization failure message: ", 1)[1]
    return json.loads(sts.decode_authorization_message(EncodedMessage=encoded)["DecodedMessage"])


def arn(account_id: str, kind: str, name: str) -> str:
    account = "" if kind in ("image", "snapshot") else account_id
    return f"arn:aws:ec2:{REGION}:{account}:{kind}/{name}"


# RunInstances: every resource it uses, in turn ---------------------------------------------------------------


def test_run_instances_checks_each_resource(
    user: UsersFactory, iam: Any, ec2: Any, sts: Any, ami: str, account_id: str
) -> None:
    ec2.create_key_pair(KeyName="launch-key")
    group = ec2.describe_security_groups(GroupNames=["default"])["SecurityGroups"][0]
    subnet = ec2.describe_subnets(Filters=[{"Name": "availability-zone", "Values": [ZONE]}])["Subnets"][0]
    granted = [f"arn:aws:ec2:{REGION}:{account_id}:instance/*"]
    client = user("stepwise", allow("ec2:RunInstances", granted))
    expected = [
        (
            arn(account_id, "image", ami),
            {
                "ec2:Owner": ["amazon"],
                "ec2:Public": ["true"],
                "ec2:ImageType": ["machine"],
                "ec2:RootDeviceType": ["ebs"],
                "ec2:ImageID": [ami],
            },
        ),
        (
            arn(account_id, "subnet", subnet["SubnetId"]),
            {"ec2:Vpc": [arn(account_id, "vpc", subnet["VpcId"])], "ec2:AvailabilityZone": [ZONE]},
        ),
        (
            arn(account_id, "network-interface", "*"),
            {"ec2:Subnet": [arn(account_id, "subnet", subnet["SubnetId"])]},
        ),
        (
            arn(account_id, "security-group", group["GroupId"]),
            {"ec2:Vpc": [arn(account_id, "vpc", group["VpcId"])]},
        ),
        (
            arn(account_id, "volume", "*"),
            {
                "ec2:VolumeType": ["gp3"],
                "ec2:VolumeSize": ["20"],
                "ec2:Encrypted": ["false"],
                "ec2:AvailabilityZone": [ZONE],
            },
        ),
        (arn(account_id, "key-pair", "launch-key"), {"ec2:KeyPairName": ["launch-key"]}),
    ]
    params = {
        "ImageId": ami,
        "MinCount": 1,
        "MaxCount": 1,
        "InstanceType": "t3.micro",
        "KeyName": "launch-key",
        "Placement": {"AvailabilityZone": ZONE},
        "BlockDeviceMappings": [{"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 20}}],
    }
    for resource, keys in expected:
        document = denial(sts, client.run_instances, **params)
        assert document["context"]["resource"] == resource
        found = conditions(document)
        assert {k: found.get(k) for k in keys} == keys
        assert found["ec2:Region"] == [REGION]
        granted.append(resource)
        iam.put_user_policy(
            UserName="stepwise",
            PolicyName="p",
            PolicyDocument=json.dumps(
                {"Version": "2012-10-17", "Statement": [allow("ec2:RunInstances", granted)]}
            ),
        )
    client.run_instances(**params)


def test_run_instances_image_owner_condition(user: UsersFactory, ec2: Any, ami: str) -> None:
    """AWS's "only Amazon's AMIs" policy: ec2:Owner is "amazon" for Amazon's images, the account id otherwise."""
    ubuntu = ec2.describe_images(Owners=["099720109477"])["Images"][0]
    client = user(
        "amazon-amis-only",
        allow("ec2:RunInstances"),
        {
            "Effect": "Deny",
            "Action": "ec2:RunInstances",
            "Resource": "arn:aws:ec2:*::image/*",
            "Condition": {"StringNotEquals": {"ec2:Owner": "amazon"}},
        },
    )
    launch(client, ami)
    with aws_error("UnauthorizedOperation", 403, f"image/{ubuntu['ImageId']} with an explicit deny"):
        launch(
            client,
            ubuntu["ImageId"],
            InstanceType="t3.micro" if ubuntu["Architecture"] == "x86_64" else "t4g.micro",
        )


def test_tags_at_launch_need_create_tags_with_create_action(
    user: UsersFactory, ami: str, account_id: str
) -> None:
    client = user(
        "tagger",
        allow("ec2:RunInstances"),
        allow("ec2:CreateTags", Condition={"StringEquals": {"ec2:CreateAction": "RunInstances"}}),
    )
    instance_id = launch(
        client, ami, TagSpecifications=tagged("team", "blue") + tagged("team", "blue", "volume")
    )
    with aws_error(
        "UnauthorizedOperation",
        403,
        f"ec2:CreateTags on resource: {arn(account_id, 'instance', instance_id)}",
    ):
        client.create_tags(Resources=[instance_id], Tags=[{"Key": "team", "Value": "red"}])


def test_request_tag_condition_requires_a_tag(user: UsersFactory, ami: str) -> None:
    client = user(
        "must-tag",
        allow("ec2:CreateTags"),
        allow("ec2:RunInstances", NotResource="arn:aws:ec2:*:*:instance/*"),
        allow(
            "ec2:RunInstances",
            "arn:aws:ec2:*:*:instance/*",
            Condition={
                "StringEquals": {"aws:RequestTag/team": "blue"},
                "ForAllValues:StringEquals": {"aws:TagKeys": ["team"]},
            },
        ),
    )
    launch(client, ami, TagSpecifications=tagged("team", "blue"))
    for specs in (
        [],
        tagged("team", "red"),
        tagged("team", "blue") + [{"ResourceType": "instance", "Tags": [{"Key": "owner", "Value": "me"}]}],
    ):
        with aws_error("UnauthorizedOperation", 403, "ec2:RunInstances"):
            launch(client, ami, TagSpecifications=specs)


# Volumes ----------------------------------------------------------------------------------------------------


def test_create_volume_conditions(user: UsersFactory, sts: Any, account_id: str) -> None:
    client = user(
        "volumes",
        allow(
            "ec2:CreateVolume",
            Condition={
                "StringEquals": {"ec2:VolumeType": "gp3", "ec2:Encrypted": "true"},
                "NumericLessThanEquals": {"ec2:VolumeSize": "100"},
            },
        ),
    )
    client.create_volume(AvailabilityZone=ZONE, Size=50, VolumeType="gp3", Encrypted=True)
    for params in (
        {"VolumeType": "gp2", "Encrypted": True},
        {"VolumeType": "gp3", "Encrypted": False},
        {"VolumeType": "gp3", "Encrypted": True, "Size": 200},
    ):
        document = denial(sts, client.create_volume, AvailabilityZone=ZONE, **{"Size": 50, **params})
        assert document["context"]["resource"] == arn(account_id, "volume", "*")
        assert conditions(document)["ec2:AvailabilityZone"] == [ZONE]


def test_attach_and_detach_check_instance_and_volume(
    user: UsersFactory, ec2: Any, sts: Any, ami: str, account_id: str
) -> None:
    instance_id = launch(ec2, ami)
    ec2.get_waiter("instance_running").wait(InstanceIds=[instance_id], WaiterConfig={"Delay": 0.1})
    blue = ec2.create_volume(
        AvailabilityZone=ZONE, Size=8, TagSpecifications=tagged("team", "blue", "volume")
    )
    red = ec2.create_volume(AvailabilityZone=ZONE, Size=8, TagSpecifications=tagged("team", "red", "volume"))
    client = user(
        "attacher",
        allow(["ec2:AttachVolume", "ec2:DetachVolume"], f"arn:aws:ec2:*:*:instance/{instance_id}"),
        allow(
            ["ec2:AttachVolume", "ec2:DetachVolume", "ec2:DeleteVolume"],
            "arn:aws:ec2:*:*:volume/*",
            Condition={"StringEquals": {"aws:ResourceTag/team": "blue"}},
        ),
    )
    client.attach_volume(VolumeId=blue["VolumeId"], InstanceId=instance_id, Device="/dev/sdf")
    document = denial(
        sts, client.attach_volume, VolumeId=red["VolumeId"], InstanceId=instance_id, Device="/dev/sdg"
    )
    assert document["context"]["resource"] == arn(account_id, "volume", red["VolumeId"])
    keys = conditions(document)
    assert keys["ec2:ResourceTag/team"] == ["red"] and keys["ec2:VolumeSize"] == ["8"]
    client.detach_volume(VolumeId=blue["VolumeId"])
    with aws_error("UnauthorizedOperation", 403, arn(account_id, "volume", red["VolumeId"])):
        client.delete_volume(VolumeId=red["VolumeId"])


# Snapshots and images ----------------------------------------------------------------------------------------


def test_snapshot_checks(user: UsersFactory, ec2: Any, sts: Any, account_id: str) -> None:
    volume = ec2.create_volume(AvailabilityZone=ZONE, Size=8)
    client = user(
        "snapshotter",
        allow("ec2:CreateSnapshot"),
        allow(["ec2:DeleteSnapshot"], Condition={"StringEquals": {"ec2:ResourceTag/keep": "no"}}),
    )
    snapshot = client.create_snapshot(VolumeId=volume["VolumeId"])
    document = denial(sts, client.delete_snapshot, SnapshotId=snapshot["SnapshotId"])
    assert document["context"]["resource"] == arn(account_id, "snapshot", snapshot["SnapshotId"])
    keys = conditions(document)
    assert keys["ec2:Owner"] == [account_id]
    assert keys["ec2:ParentVolume"] == [arn(account_id, "volume", volume["VolumeId"])]
    ec2.create_tags(Resources=[snapshot["SnapshotId"]], Tags=[{"Key": "keep", "Value": "no"}])
    client.delete_snapshot(SnapshotId=snapshot["SnapshotId"])
    with aws_error(
        "UnauthorizedOperation",
        403,
        "ec2:ModifySnapshotAttribute on resource: " + arn(account_id, "snapshot", "snap-0123456789abcdef0"),
    ):
        client.modify_snapshot_attribute(
            SnapshotId="snap-0123456789abcdef0",
            Attribute="createVolumePermission",
            OperationType="add",
            UserIds=["123456789012"],
        )


def test_image_checks(user: UsersFactory, ec2: Any, sts: Any, ami: str, account_id: str) -> None:
    instance_id = launch(ec2, ami)
    ec2.get_waiter("instance_running").wait(InstanceIds=[instance_id], WaiterConfig={"Delay": 0.1})
    client = user("imager", allow("ec2:CreateImage", ["arn:aws:ec2:*::image/*", "arn:aws:ec2:*::snapshot/*"]))
    document = denial(sts, client.create_image, InstanceId=instance_id, Name="my-image")
    assert document["context"]["resource"] == arn(account_id, "instance", instance_id)
    image_id = ec2.create_image(InstanceId=instance_id, Name="mine")["ImageId"]
    document = denial(
        sts,
        client.modify_image_attribute,
        ImageId=image_id,
        LaunchPermission={"Add": [{"UserId": "123456789012"}]},
    )
    assert document["context"]["resource"] == arn(account_id, "image", image_id)
    assert conditions(document)["ec2:Owner"] == [account_id]
    assert conditions(document)["ec2:Public"] == ["false"]


# Key pairs, security groups, tags ----------------------------------------------------------------------------


def test_key_pair_arns_use_the_name(user: UsersFactory, account_id: str) -> None:
    client = user("keys", allow(["ec2:CreateKeyPair", "ec2:DeleteKeyPair"], "arn:aws:ec2:*:*:key-pair/dev-*"))
    client.create_key_pair(KeyName="dev-1")
    with aws_error(
        "UnauthorizedOperation",
        403,
        f"ec2:CreateKeyPair on resource: {arn(account_id, 'key-pair', 'prod-1')}",
    ):
        client.create_key_pair(KeyName="prod-1")
    client.delete_key_pair(KeyName="dev-1")
    with aws_error("UnauthorizedOperation", 403, arn(account_id, "key-pair", "prod-1")):
        client.delete_key_pair(KeyName="prod-1")


def test_security_group_checks(user: UsersFactory, ec2: Any, sts: Any, account_id: str) -> None:
    vpc_id = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
    client = user(
        "firewall",
        allow("ec2:CreateSecurityGroup"),
        allow(
            ["ec2:AuthorizeSecurityGroupIngress", "ec2:DeleteSecurityGroup"],
            "arn:aws:ec2:*:*:security-group/*",
            Condition={
                "StringEquals": {
                    "ec2:ResourceTag/env": "dev",
                    "ec2:Vpc": f"arn:aws:ec2:{REGION}:{account_id}:vpc/{vpc_id}",
                }
            },
        ),
    )
    dev = ec2.create_security_group(
        GroupName="dev", Description="d", TagSpecifications=tagged("env", "dev", "security-group")
    )
    prod = ec2.create_security_group(GroupName="prod", Description="p")
    permission = [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}]
    client.authorize_security_group_ingress(GroupId=dev["GroupId"], IpPermissions=permission)
    document = denial(
        sts, client.authorize_security_group_ingress, GroupId=prod["GroupId"], IpPermissions=permission
    )
    assert document["context"]["resource"] == arn(account_id, "security-group", prod["GroupId"])
    with aws_error(
        "UnauthorizedOperation",
        403,
        f"ec2:CreateTags on resource: arn:aws:ec2:{REGION}:{account_id}:security-group/*",
    ):
        client.create_security_group(
            GroupName="tagged", Description="t", TagSpecifications=tagged("env", "dev", "security-group")
        )
    client.create_security_group(GroupName="plain", Description="p")


def test_create_and_delete_tags_conditions(user: UsersFactory, ec2: Any, sts: Any, account_id: str) -> None:
    volume = ec2.create_volume(
        AvailabilityZone=ZONE, Size=8, TagSpecifications=tagged("owner", "ops", "volume")
    )
    client = user(
        "tags",
        allow(
            ["ec2:CreateTags", "ec2:DeleteTags"],
            Condition={
                "ForAllValues:StringEquals": {"aws:TagKeys": ["team", "cost-center"]},
                "StringEquals": {"aws:ResourceTag/owner": "ops"},
            },
        ),
    )
    client.create_tags(Resources=[volume["VolumeId"]], Tags=[{"Key": "team", "Value": "blue"}])
    document = denial(
        sts, client.create_tags, Resources=[volume["VolumeId"]], Tags=[{"Key": "env", "Value": "x"}]
    )
    assert document["context"]["resource"] == arn(account_id, "volume", volume["VolumeId"])
    assert conditions(document)["aws:RequestTag/env"] == ["x"]
    client.delete_tags(Resources=[volume["VolumeId"]], Tags=[{"Key": "team"}])
    with aws_error("UnauthorizedOperation", 403, "ec2:DeleteTags"):
        client.delete_tags(Resources=[volume["VolumeId"]], Tags=[{"Key": "owner"}])


@pytest.mark.parametrize("action", ["describe_instance_attribute", "modify_instance_metadata_options"])
def test_instance_attribute_actions_are_on_the_instance(
    action: str, user: UsersFactory, ec2: Any, ami: str, account_id: str
) -> None:
    instance_id = launch(ec2, ami)
    client = user("attrs", allow("ec2:*", NotResource=f"arn:aws:ec2:*:*:instance/{instance_id}"))
    params = {"InstanceId": instance_id}
    params.update(
        {"Attribute": "instanceType"} if action.startswith("describe") else {"HttpTokens": "required"}
    )
    with aws_error("UnauthorizedOperation", 403, f"on resource: {arn(account_id, 'instance', instance_id)}"):
        getattr(client, action)(**params)
