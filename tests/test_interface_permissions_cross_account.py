"""Network interface permissions across accounts: account A's interface attached to account B's
instance (INSTANCE-ATTACH) and B's Elastic IP associated with it (EIP-ASSOCIATE), refused without
a granted permission, what each account then describes, revoking with Force, and the grantee's
own IAM policies deciding on the owner's ARN."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ec2sim.server import Server
from tests.helpers import aws_error, new_account_id
from tests.test_metadata import OPTIONAL, advance, imds, launch  # noqa: F401 - imds is a fixture

ZONE = "us-east-1a"


@pytest.fixture
def two(make_client: Any) -> tuple[Any, Any, str, str]:
    """Two fresh accounts' EC2 clients in us-east-1, and their ids."""
    a, b = new_account_id(), new_account_id()
    return make_client("ec2", a), make_client("ec2", b), a, b


def _interface(ec2: Any, zone: str = ZONE) -> str:
    subnets = ec2.describe_subnets(Filters=[{"Name": "availability-zone", "Values": [zone]}])["Subnets"]
    return ec2.create_network_interface(SubnetId=subnets[0]["SubnetId"])["NetworkInterface"][
        "NetworkInterfaceId"
    ]


def _instance(ec2: Any, zone: str = ZONE) -> str:
    found = launch(ec2, InstanceType="t3.medium", Placement={"AvailabilityZone": zone}, **OPTIONAL)
    return str(found["InstanceId"])


def _eni(ec2: Any, eni: str) -> dict[str, Any]:
    return dict(ec2.describe_network_interfaces(NetworkInterfaceIds=[eni])["NetworkInterfaces"][0])


def _instance_enis(ec2: Any, instance: str) -> list[tuple[str, str]]:
    found = ec2.describe_instances(InstanceIds=[instance])["Reservations"][0]["Instances"][0]
    return [(n["NetworkInterfaceId"], n["OwnerId"]) for n in found["NetworkInterfaces"]]


def _grant(ec2: Any, eni: str, account: str, permission: str) -> str:
    made = ec2.create_network_interface_permission(
        NetworkInterfaceId=eni, AwsAccountId=account, Permission=permission
    )["InterfacePermission"]
    assert made["PermissionState"] == {"State": "granted"}
    return str(made["NetworkInterfacePermissionId"])


def _permission_states(ec2: Any, eni: str) -> list[str]:
    found = ec2.describe_network_interface_permissions(
        Filters=[{"Name": "network-interface-permission.network-interface-id", "Values": [eni]}]
    )["NetworkInterfacePermissions"]
    return [p["PermissionState"]["State"] for p in found]


def _not_found(eni: str) -> Any:
    return aws_error(
        "InvalidNetworkInterfaceID.NotFound", 400, f"The networkInterface ID '{eni}' does not exist"
    )


def test_instance_attach_with_a_permission(two, make_client, imds):  # noqa: F811
    a, b, owner, grantee = two
    eni, instance = _interface(a), _instance(b)
    own = _instance_enis(b, instance)
    with _not_found(eni):
        b.attach_network_interface(NetworkInterfaceId=eni, InstanceId=instance, DeviceIndex=1)
    _grant(a, eni, grantee, "EIP-ASSOCIATE")  # the other permission grants no attaching
    with _not_found(eni):
        b.attach_network_interface(NetworkInterfaceId=eni, InstanceId=instance, DeviceIndex=1)
    permission = _grant(a, eni, grantee, "INSTANCE-ATTACH")
    stranger = make_client("ec2", new_account_id())
    with _not_found(eni):
        stranger.attach_network_interface(
            NetworkInterfaceId=eni, InstanceId=_instance(stranger), DeviceIndex=1
        )
    with aws_error("InvalidParameterValue", 400, "already has an interface attached at device index '0'"):
        b.attach_network_interface(NetworkInterfaceId=eni, InstanceId=instance, DeviceIndex=0)
    with aws_error("DryRunOperation", 412):
        b.attach_network_interface(NetworkInterfaceId=eni, InstanceId=instance, DeviceIndex=1, DryRun=True)
    attachment = b.attach_network_interface(NetworkInterfaceId=eni, InstanceId=instance, DeviceIndex=1)[
        "AttachmentId"
    ]

    # The owner sees the attachment to B's instance; B's instance lists the interface; B can't
    # describe the interface itself (assumed: only its owner lists it).
    seen = _eni(a, eni)
    assert seen["Status"] == "in-use" and seen["OwnerId"] == owner
    assert {
        k: seen["Attachment"][k] for k in ("AttachmentId", "InstanceId", "InstanceOwnerId", "Status")
    } == {
        "AttachmentId": attachment,
        "InstanceId": instance,
        "InstanceOwnerId": grantee,
        "Status": "attached",
    }
    by_owner = a.describe_network_interfaces(
        Filters=[{"Name": "attachment.instance-owner-id", "Values": [grantee]}]
    )["NetworkInterfaces"]
    assert [e["NetworkInterfaceId"] for e in by_owner] == [eni]
    assert _instance_enis(b, instance) == [*own, (eni, owner)]
    with _not_found(eni):
        b.describe_network_interfaces(NetworkInterfaceIds=[eni])
    # So does its metadata service, from the owner's records.
    mac = f"latest/meta-data/network/interfaces/macs/{seen['MacAddress']}/"
    md = imds(instance)
    assert [md.text(mac + name) for name in ("owner-id", "interface-id", "security-groups")] == [
        owner,
        eni,
        "default",
    ]

    # In use: the owner can't delete it, nor the permission without Force (then it is revoked).
    with aws_error("InvalidParameterValue", 400, f"Network interface '{eni}' is currently in use."):
        a.delete_network_interface(NetworkInterfaceId=eni)
    with aws_error(
        "OperationNotPermitted", 400, f"The network interface permission '{permission}' is in use"
    ):
        a.delete_network_interface_permission(NetworkInterfacePermissionId=permission)
    assert a.delete_network_interface_permission(NetworkInterfacePermissionId=permission, Force=True)[
        "Return"
    ]
    assert sorted(_permission_states(a, eni)) == ["granted", "revoked"]
    assert _eni(a, eni)["Attachment"]["InstanceId"] == instance  # the attachment stays

    # B detaches its attachment; the revoked permission ends with it, and grants nothing more.
    with aws_error("InvalidAttachmentID.NotFound", 400):
        stranger.detach_network_interface(AttachmentId=attachment)
    b.detach_network_interface(AttachmentId=attachment)
    assert _permission_states(a, eni) == ["granted"]
    assert _eni(a, eni)["Status"] == "available" and "Attachment" not in _eni(a, eni)
    assert _instance_enis(b, instance) == own
    with _not_found(eni):
        b.attach_network_interface(NetworkInterfaceId=eni, InstanceId=instance, DeviceIndex=1)
    a.delete_network_interface(NetworkInterfaceId=eni)
    assert _permission_states(a, eni) == []


def test_attach_rules_count_the_grantees_instance(two, server: Server):
    a, b, _, grantee = two
    near, far = _interface(a), _interface(a, "us-east-1b")
    for eni in (near, far):
        _grant(a, eni, grantee, "INSTANCE-ATTACH")
    instance = _instance(b)
    with aws_error("InvalidParameterCombination", 400, "not in the same availability zone"):
        b.attach_network_interface(NetworkInterfaceId=far, InstanceId=instance, DeviceIndex=1)
    b.attach_network_interface(NetworkInterfaceId=near, InstanceId=instance, DeviceIndex=1)
    with aws_error("InvalidNetworkInterface.InUse", 400, f"Interface: [{near}] in use."):
        b.attach_network_interface(NetworkInterfaceId=near, InstanceId=_instance(b), DeviceIndex=1)
    third = _interface(b)
    with aws_error("InvalidParameterValue", 400, "already has an interface attached at device index '1'"):
        b.attach_network_interface(NetworkInterfaceId=third, InstanceId=instance, DeviceIndex=1)
    b.attach_network_interface(NetworkInterfaceId=third, InstanceId=instance, DeviceIndex=2)
    with aws_error("AttachmentLimitExceeded", 400, "Interface count 4 exceeds the limit for t3.medium"):
        b.attach_network_interface(NetworkInterfaceId=_interface(b), InstanceId=instance, DeviceIndex=3)
    # The grantee's instance terminating detaches the owner's interface (it stays the owner's).
    b.terminate_instances(InstanceIds=[instance])
    advance(server, 600)
    assert _eni(a, near)["Status"] == "available"
    assert _eni(b, third)["Status"] == "available"


def test_elastic_ip_association_with_a_permission(two):
    a, b, owner, grantee = two
    eni = _interface(a)
    primary = _eni(a, eni)["PrivateIpAddress"]
    allocation = b.allocate_address(Domain="vpc")
    with _not_found(eni):
        b.associate_address(AllocationId=allocation["AllocationId"], NetworkInterfaceId=eni)
    _grant(a, eni, grantee, "INSTANCE-ATTACH")
    with _not_found(eni):
        b.associate_address(AllocationId=allocation["AllocationId"], NetworkInterfaceId=eni)
    permission = _grant(a, eni, grantee, "EIP-ASSOCIATE")
    association = b.associate_address(AllocationId=allocation["AllocationId"], NetworkInterfaceId=eni)[
        "AssociationId"
    ]
    mine = b.describe_addresses(AllocationIds=[allocation["AllocationId"]])["Addresses"][0]
    assert (mine["NetworkInterfaceId"], mine["NetworkInterfaceOwnerId"], mine["PrivateIpAddress"]) == (
        eni,
        owner,
        primary,
    )
    by_owner = b.describe_addresses(Filters=[{"Name": "network-interface-owner-id", "Values": [owner]}])
    assert [x["AllocationId"] for x in by_owner["Addresses"]] == [allocation["AllocationId"]]
    seen = _eni(a, eni)["Association"]
    assert (seen["PublicIp"], seen["IpOwnerId"], seen["AssociationId"]) == (
        allocation["PublicIp"],
        grantee,
        association,
    )
    assert a.describe_addresses()["Addresses"] == []  # the address stays B's

    # An EIP-ASSOCIATE permission deletes without Force; the association stays, B disassociates.
    a.delete_network_interface_permission(NetworkInterfacePermissionId=permission)
    assert _eni(a, eni)["Association"]["PublicIp"] == allocation["PublicIp"]
    with aws_error("InvalidIPAddress.InUse", 400):
        b.release_address(AllocationId=allocation["AllocationId"])
    b.disassociate_address(AssociationId=association)
    assert "Association" not in _eni(a, eni)
    with _not_found(eni):
        b.associate_address(AllocationId=allocation["AllocationId"], NetworkInterfaceId=eni)

    # Deleting the interface disassociates the grantee's address.
    _grant(a, eni, grantee, "EIP-ASSOCIATE")
    b.associate_address(AllocationId=allocation["AllocationId"], NetworkInterfaceId=eni)
    a.delete_network_interface(NetworkInterfaceId=eni)
    mine = b.describe_addresses(AllocationIds=[allocation["AllocationId"]])["Addresses"][0]
    assert "NetworkInterfaceId" not in mine and "AssociationId" not in mine


def test_elastic_ip_on_the_owners_instance_is_its_public_address(two):
    a, b, _, grantee = two
    found = launch(a, Placement={"AvailabilityZone": ZONE})
    eni = found["NetworkInterfaces"][0]["NetworkInterfaceId"]
    _grant(a, eni, grantee, "EIP-ASSOCIATE")
    allocation = b.allocate_address(Domain="vpc")
    association = b.associate_address(AllocationId=allocation["AllocationId"], NetworkInterfaceId=eni)
    instance = a.describe_instances(InstanceIds=[found["InstanceId"]])["Reservations"][0]["Instances"][0]
    assert instance["PublicIpAddress"] == allocation["PublicIp"]
    assert b.describe_addresses()["Addresses"][0]["InstanceId"] == found["InstanceId"]
    b.disassociate_address(AssociationId=association["AssociationId"])
    instance = a.describe_instances(InstanceIds=[found["InstanceId"]])["Reservations"][0]["Instances"][0]
    assert instance.get("PublicIpAddress") != allocation["PublicIp"]


def test_the_grantees_policies_decide_on_the_owners_arn(two, make_client):
    a, b, owner, grantee = two
    eni, instance = _interface(a), _instance(b)
    _grant(a, eni, grantee, "INSTANCE-ATTACH")
    iam = make_client("iam", grantee)

    def user(name: str, interface_account: str) -> Any:
        statements = [
            {
                "Effect": "Allow",
                "Action": "ec2:AttachNetworkInterface",
                "Resource": f"arn:aws:ec2:us-east-1:{grantee}:instance/*",
            },
            {
                "Effect": "Allow",
                "Action": "ec2:AttachNetworkInterface",
                "Resource": f"arn:aws:ec2:us-east-1:{interface_account}:network-interface/*",
                "Condition": {
                    "ArnLike": {"ec2:Subnet": f"arn:aws:ec2:us-east-1:{interface_account}:subnet/*"}
                },
            },
        ]
        iam.create_user(UserName=name)
        iam.put_user_policy(
            UserName=name,
            PolicyName="p",
            PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": statements}),
        )
        key = iam.create_access_key(UserName=name)["AccessKey"]
        return make_client("ec2", key["AccessKeyId"], secret=key["SecretAccessKey"])

    # Only its own account's interfaces: the owner's ARN isn't among them.
    with aws_error(
        "UnauthorizedOperation", 403, f"on resource: arn:aws:ec2:us-east-1:{owner}:network-interface/{eni}"
    ):
        user("own-only", grantee).attach_network_interface(
            NetworkInterfaceId=eni, InstanceId=instance, DeviceIndex=1
        )
    allowed = user("owners-too", owner)
    with aws_error("DryRunOperation", 412):
        allowed.attach_network_interface(
            NetworkInterfaceId=eni, InstanceId=instance, DeviceIndex=1, DryRun=True
        )
    allowed.attach_network_interface(NetworkInterfaceId=eni, InstanceId=instance, DeviceIndex=1)
    assert _eni(a, eni)["Attachment"]["InstanceOwnerId"] == grantee
