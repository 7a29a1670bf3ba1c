"""Network interfaces: create with addresses from the subnet, attach/detach with the type's limit,
attributes, secondary private addresses, IPv6 refused without a block, permissions, RunInstances
with several interfaces, and the metadata service's view of them."""

from __future__ import annotations

import ipaddress
from typing import Any

from botocore.exceptions import ClientError
from hypothesis import given
from hypothesis import strategies as st

from tests.helpers import aws_error
from tests.test_metadata import OPTIONAL, imds, launch  # noqa: F401 - imds is a fixture


def _subnet(ec2: Any) -> dict[str, Any]:
    filters = [{"Name": "availability-zone", "Values": ["us-east-1a"]}]
    return ec2.describe_subnets(Filters=filters)["Subnets"][0]


def test_create_describe_delete(ec2):
    subnet = _subnet(ec2)
    network = ipaddress.IPv4Network(subnet["CidrBlock"])
    chosen = str(network[100])
    eni = ec2.create_network_interface(
        SubnetId=subnet["SubnetId"],
        Description="db",
        PrivateIpAddress=chosen,
        SecondaryPrivateIpAddressCount=2,
        TagSpecifications=[{"ResourceType": "network-interface", "Tags": [{"Key": "k", "Value": "v"}]}],
    )["NetworkInterface"]
    assert eni["PrivateIpAddress"] == chosen and eni["Status"] == "available"
    addresses = [a["PrivateIpAddress"] for a in eni["PrivateIpAddresses"]]
    assert len(addresses) == 3 and all(ipaddress.IPv4Address(a) in network for a in addresses)
    assert eni["Groups"][0]["GroupName"] == "default" and eni["TagSet"] == [{"Key": "k", "Value": "v"}]
    after = _subnet(ec2)["AvailableIpAddressCount"]
    assert after == subnet["AvailableIpAddressCount"] - 3
    for name, value in [
        ("description", "db"),
        ("addresses.private-ip-address", addresses[1]),
        ("private-ip-address", chosen),
        ("status", "available"),
        ("subnet-id", subnet["SubnetId"]),
        ("tag:k", "v"),
        ("group-name", "default"),
    ]:
        found = ec2.describe_network_interfaces(Filters=[{"Name": name, "Values": [value]}])[
            "NetworkInterfaces"
        ]
        assert [e["NetworkInterfaceId"] for e in found] == [eni["NetworkInterfaceId"]], name
    with aws_error("InvalidIPAddress.InUse", 400, f"Address {chosen} is in use."):
        ec2.create_network_interface(SubnetId=subnet["SubnetId"], PrivateIpAddress=chosen)
    with aws_error("InvalidParameterValue", 400, "Address does not fall within the subnet's address range"):
        ec2.create_network_interface(SubnetId=subnet["SubnetId"], PrivateIpAddress="10.9.9.9")
    with aws_error("InvalidIPAddress.InUse", 400):  # AWS reserves the first four addresses
        ec2.create_network_interface(SubnetId=subnet["SubnetId"], PrivateIpAddress=str(network[1]))
    with aws_error("InvalidSubnetID.NotFound", 400):
        ec2.create_network_interface(SubnetId="subnet-0123456789abcdef0")
    with aws_error("InvalidGroup.NotFound", 400):
        ec2.create_network_interface(SubnetId=subnet["SubnetId"], Groups=["sg-0123456789abcdef0"])
    with aws_error("InvalidParameterValue", 400, "does not have an IPv6 CIDR block"):
        ec2.create_network_interface(SubnetId=subnet["SubnetId"], Ipv6AddressCount=1)
    with aws_error("PrivateIpAddressLimitExceeded", 400, "Number of private addresses will exceed limit."):
        ec2.create_network_interface(SubnetId=subnet["SubnetId"], SecondaryPrivateIpAddressCount=60)
    with aws_error("DryRunOperation", 412):
        ec2.create_network_interface(SubnetId=subnet["SubnetId"], DryRun=True)
    # ClientToken: a retry answers the same interface; other arguments with it are refused.
    retried = [
        ec2.create_network_interface(SubnetId=subnet["SubnetId"], ClientToken="once")["NetworkInterface"]
        for _ in range(2)
    ]
    assert retried[0]["NetworkInterfaceId"] == retried[1]["NetworkInterfaceId"]
    with aws_error("IdempotentParameterMismatch", 400):
        ec2.create_network_interface(SubnetId=subnet["SubnetId"], ClientToken="once", Description="other")
    ec2.delete_network_interface(NetworkInterfaceId=retried[0]["NetworkInterfaceId"])
    ec2.delete_network_interface(NetworkInterfaceId=eni["NetworkInterfaceId"])
    assert _subnet(ec2)["AvailableIpAddressCount"] == subnet["AvailableIpAddressCount"]
    with aws_error("InvalidNetworkInterfaceID.NotFound", 400):
        ec2.delete_network_interface(NetworkInterfaceId=eni["NetworkInterfaceId"])
    with aws_error("InvalidNetworkInterfaceID.Malformed", 400):
        ec2.delete_network_interface(NetworkInterfaceId="nope")
    page = ec2.describe_network_interfaces(MaxResults=5)
    assert "NetworkInterfaces" in page


def test_attach_detach_attributes_and_metadata(ec2, imds):  # noqa: F811
    found = launch(ec2, InstanceType="t3.micro", Placement={"AvailabilityZone": "us-east-1a"}, **OPTIONAL)
    instance_id = found["InstanceId"]
    subnet = found["SubnetId"]
    primary = found["NetworkInterfaces"][0]
    eni = ec2.create_network_interface(SubnetId=subnet)["NetworkInterface"]["NetworkInterfaceId"]
    attachment = ec2.attach_network_interface(NetworkInterfaceId=eni, InstanceId=instance_id, DeviceIndex=1)
    with aws_error("InvalidNetworkInterface.InUse", 400, f"Interface: [{eni}] in use."):
        ec2.attach_network_interface(NetworkInterfaceId=eni, InstanceId=instance_id, DeviceIndex=2)
    with aws_error("InvalidParameterValue", 400, "Network interface '" + eni + "' is currently in use."):
        ec2.delete_network_interface(NetworkInterfaceId=eni)
    third = ec2.create_network_interface(SubnetId=subnet)["NetworkInterface"]["NetworkInterfaceId"]
    with aws_error("InvalidParameterValue", 400, "already has an interface attached at device index '1'"):
        ec2.attach_network_interface(NetworkInterfaceId=third, InstanceId=instance_id, DeviceIndex=1)
    with aws_error("AttachmentLimitExceeded", 400, "Interface count 3 exceeds the limit for t3.micro"):
        ec2.attach_network_interface(NetworkInterfaceId=third, InstanceId=instance_id, DeviceIndex=2)
    with aws_error("InvalidParameterValue", 400, "deviceIndex"):
        ec2.attach_network_interface(NetworkInterfaceId=third, InstanceId=instance_id, DeviceIndex=99)
    described = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]
    assert [n["NetworkInterfaceId"] for n in described["NetworkInterfaces"]] == [
        primary["NetworkInterfaceId"],
        eni,
    ]
    attached = ec2.describe_network_interfaces(
        Filters=[{"Name": "attachment.instance-id", "Values": [instance_id]}]
    )
    assert len(attached["NetworkInterfaces"]) == 2
    # Secondary addresses show in the metadata service.
    assigned = ec2.assign_private_ip_addresses(NetworkInterfaceId=eni, SecondaryPrivateIpAddressCount=1)
    extra = assigned["AssignedPrivateIpAddresses"][0]["PrivateIpAddress"]
    md = imds(instance_id)
    macs = md.text("latest/meta-data/network/interfaces/macs/").split()
    assert len(macs) == 2
    second = macs[1].rstrip("/")
    assert md.text(f"latest/meta-data/network/interfaces/macs/{second}/device-number") == "1"
    assert md.text(f"latest/meta-data/network/interfaces/macs/{second}/interface-id") == eni
    assert extra in md.text(f"latest/meta-data/network/interfaces/macs/{second}/local-ipv4s").split()
    assert md.text("latest/meta-data/local-ipv4") == primary["PrivateIpAddress"]
    assert (
        md.text("latest/meta-data/local-hostname")
        == "ip-" + primary["PrivateIpAddress"].replace(".", "-") + ".ec2.internal"
    )
    with aws_error("PrivateIpAddressLimitExceeded", 400):
        ec2.assign_private_ip_addresses(NetworkInterfaceId=eni, SecondaryPrivateIpAddressCount=5)
    with aws_error(
        "InvalidParameterValue", 400, f"Some of the specified addresses are not assigned to interface {eni}"
    ):
        ec2.unassign_private_ip_addresses(NetworkInterfaceId=eni, PrivateIpAddresses=["172.31.0.250"])
    # AllowReassignment moves a secondary address from another interface.
    with aws_error("InvalidIPAddress.InUse", 400):
        ec2.assign_private_ip_addresses(NetworkInterfaceId=third, PrivateIpAddresses=[extra])
    ec2.assign_private_ip_addresses(
        NetworkInterfaceId=third, PrivateIpAddresses=[extra], AllowReassignment=True
    )
    moved = ec2.describe_network_interfaces(NetworkInterfaceIds=[eni])["NetworkInterfaces"][0]
    assert extra not in [a["PrivateIpAddress"] for a in moved["PrivateIpAddresses"]]
    ec2.unassign_private_ip_addresses(NetworkInterfaceId=third, PrivateIpAddresses=[extra])
    with aws_error("InvalidParameterValue", 400, "does not have an IPv6 CIDR block"):
        ec2.assign_ipv6_addresses(NetworkInterfaceId=eni, Ipv6AddressCount=1)
    # Attributes.
    ec2.modify_network_interface_attribute(NetworkInterfaceId=eni, Description={"Value": "side"})
    ec2.modify_network_interface_attribute(NetworkInterfaceId=eni, SourceDestCheck={"Value": False})
    ec2.modify_network_interface_attribute(
        NetworkInterfaceId=eni,
        Attachment={"AttachmentId": attachment["AttachmentId"], "DeleteOnTermination": True},
    )
    get = ec2.describe_network_interface_attribute
    assert get(NetworkInterfaceId=eni, Attribute="description")["Description"] == {"Value": "side"}
    assert get(NetworkInterfaceId=eni, Attribute="sourceDestCheck")["SourceDestCheck"] == {"Value": False}
    assert get(NetworkInterfaceId=eni, Attribute="attachment")["Attachment"]["DeleteOnTermination"] is True
    assert get(NetworkInterfaceId=eni, Attribute="groupSet")["Groups"][0]["GroupName"] == "default"
    ec2.reset_network_interface_attribute(NetworkInterfaceId=eni, SourceDestCheck="true")
    assert get(NetworkInterfaceId=eni, Attribute="sourceDestCheck")["SourceDestCheck"] == {"Value": True}
    with aws_error("InvalidParameterCombination", 400, "Fields for multiple attribute types specified"):
        ec2.modify_network_interface_attribute(
            NetworkInterfaceId=eni, Description={"Value": "x"}, SourceDestCheck={"Value": True}
        )
    with aws_error("InvalidParameterValue", 400):
        get(NetworkInterfaceId=eni, Attribute="nope")
    group = ec2.create_security_group(GroupName="side", Description="side", VpcId=found["VpcId"])["GroupId"]
    ec2.modify_network_interface_attribute(NetworkInterfaceId=primary["NetworkInterfaceId"], Groups=[group])
    described = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]
    assert [g["GroupId"] for g in described["SecurityGroups"]] == [group]
    # Detach: never the primary.
    with aws_error("OperationNotPermitted", 400, "device index 0"):
        ec2.detach_network_interface(AttachmentId=primary["Attachment"]["AttachmentId"])
    with aws_error("InvalidAttachmentID.NotFound", 400):
        ec2.detach_network_interface(AttachmentId="eni-attach-0123456789abcdef0")
    ec2.detach_network_interface(AttachmentId=attachment["AttachmentId"])
    assert (
        ec2.describe_network_interfaces(NetworkInterfaceIds=[eni])["NetworkInterfaces"][0]["Status"]
        == "available"
    )
    assert len(md.text("latest/meta-data/network/interfaces/macs/").split()) == 1


def test_attachment_limit_and_permissions(ec2):
    found = launch(ec2, InstanceType="t3.micro", Placement={"AvailabilityZone": "us-east-1a"}, **OPTIONAL)
    subnet = found["SubnetId"]
    enis = [
        ec2.create_network_interface(SubnetId=subnet)["NetworkInterface"]["NetworkInterfaceId"]
        for _ in range(2)
    ]
    ec2.attach_network_interface(NetworkInterfaceId=enis[0], InstanceId=found["InstanceId"], DeviceIndex=1)
    with aws_error("AttachmentLimitExceeded", 400, "Interface count 3 exceeds the limit for t3.micro"):
        ec2.attach_network_interface(
            NetworkInterfaceId=enis[1], InstanceId=found["InstanceId"], DeviceIndex=5
        )
    other_zone = ec2.describe_subnets(Filters=[{"Name": "availability-zone", "Values": ["us-east-1b"]}])[
        "Subnets"
    ][0]
    far = ec2.create_network_interface(SubnetId=other_zone["SubnetId"])["NetworkInterface"][
        "NetworkInterfaceId"
    ]
    with aws_error("InvalidParameterCombination", 400, "same availability zone"):
        ec2.attach_network_interface(NetworkInterfaceId=far, InstanceId=found["InstanceId"], DeviceIndex=1)
    permission = ec2.create_network_interface_permission(
        NetworkInterfaceId=enis[1], AwsAccountId="111122223333", Permission="INSTANCE-ATTACH"
    )["InterfacePermission"]
    assert permission["PermissionState"] == {"State": "granted"}
    listed = ec2.describe_network_interface_permissions(
        Filters=[{"Name": "network-interface-permission.network-interface-id", "Values": [enis[1]]}]
    )["NetworkInterfacePermissions"]
    assert [p["NetworkInterfacePermissionId"] for p in listed] == [permission["NetworkInterfacePermissionId"]]
    with aws_error("InvalidParameterValue", 400):
        ec2.create_network_interface_permission(
            NetworkInterfaceId=enis[1], AwsAccountId="111122223333", Permission="NOPE"
        )
    with aws_error("InvalidParameterCombination", 400):
        ec2.create_network_interface_permission(NetworkInterfaceId=enis[1], Permission="EIP-ASSOCIATE")
    ec2.delete_network_interface_permission(
        NetworkInterfacePermissionId=permission["NetworkInterfacePermissionId"]
    )
    with aws_error("InvalidPermissionID.NotFound", 400):
        ec2.delete_network_interface_permission(
            NetworkInterfacePermissionId=permission["NetworkInterfacePermissionId"]
        )


def test_run_instances_with_several_interfaces(ec2, imds):  # noqa: F811
    subnet = _subnet(ec2)
    existing = ec2.create_network_interface(SubnetId=subnet["SubnetId"])["NetworkInterface"][
        "NetworkInterfaceId"
    ]
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    reply = ec2.run_instances(
        ImageId=image,
        MinCount=1,
        MaxCount=1,
        InstanceType="m5.large",
        MetadataOptions={"HttpTokens": "optional"},
        NetworkInterfaces=[
            {"DeviceIndex": 0, "SubnetId": subnet["SubnetId"], "SecondaryPrivateIpAddressCount": 1},
            {"DeviceIndex": 1, "NetworkInterfaceId": existing},
        ],
    )["Instances"][0]
    assert [n["Attachment"]["DeviceIndex"] for n in reply["NetworkInterfaces"]] == [0, 1]
    assert len(reply["NetworkInterfaces"][0]["PrivateIpAddresses"]) == 2
    assert "PublicIpAddress" not in reply  # several interfaces: no auto-assigned public address
    md = imds(reply["InstanceId"])
    assert len(md.text("latest/meta-data/network/interfaces/macs/").split()) == 2
    with aws_error("InvalidParameterCombination", 400, "instance-level subnet ID"):
        ec2.run_instances(
            ImageId=image,
            MinCount=1,
            MaxCount=1,
            SubnetId=subnet["SubnetId"],
            NetworkInterfaces=[{"DeviceIndex": 0, "SubnetId": subnet["SubnetId"]}],
        )
    with aws_error("InvalidParameterCombination", 400, "multiple network interfaces"):
        ec2.run_instances(
            ImageId=image,
            MinCount=1,
            MaxCount=1,
            InstanceType="m5.large",
            NetworkInterfaces=[
                {"DeviceIndex": 0, "SubnetId": subnet["SubnetId"], "AssociatePublicIpAddress": True},
                {"DeviceIndex": 1, "SubnetId": subnet["SubnetId"]},
            ],
        )
    with aws_error("InvalidNetworkInterface.InUse", 400):
        ec2.run_instances(
            ImageId=image,
            MinCount=1,
            MaxCount=1,
            NetworkInterfaces=[{"DeviceIndex": 0, "NetworkInterfaceId": existing}],
        )
    single = ec2.run_instances(
        ImageId=image,
        MinCount=1,
        MaxCount=1,
        NetworkInterfaces=[
            {"DeviceIndex": 0, "SubnetId": subnet["SubnetId"], "AssociatePublicIpAddress": False}
        ],
    )["Instances"][0]
    assert "PublicIpAddress" not in single
    chosen = str(ipaddress.IPv4Network(subnet["CidrBlock"])[200])
    placed = ec2.run_instances(
        ImageId=image, MinCount=1, MaxCount=1, SubnetId=subnet["SubnetId"], PrivateIpAddress=chosen
    )["Instances"][0]
    assert placed["PrivateIpAddress"] == chosen and placed["PrivateDnsName"].startswith(
        "ip-" + chosen.replace(".", "-")
    )
    with aws_error("InvalidIPAddress.InUse", 400, f"Address {chosen} is in use."):
        ec2.run_instances(
            ImageId=image, MinCount=1, MaxCount=1, SubnetId=subnet["SubnetId"], PrivateIpAddress=chosen
        )
    ec2.terminate_instances(InstanceIds=[reply["InstanceId"]])


@given(
    address=st.one_of(st.text(max_size=20), st.ip_addresses(v=4).map(str)),
    count=st.integers(min_value=-3, max_value=300),
)
def test_interface_input_never_fails_the_server(ec2, address, count):
    subnet = _subnet(ec2)["SubnetId"]
    calls = [
        lambda: ec2.create_network_interface(SubnetId=subnet, PrivateIpAddress=address),
        lambda: ec2.create_network_interface(SubnetId=subnet, SecondaryPrivateIpAddressCount=count),
        lambda: ec2.assign_private_ip_addresses(
            NetworkInterfaceId="eni-0123456789abcdef0", PrivateIpAddresses=[address]
        ),
        lambda: ec2.unassign_private_ip_addresses(NetworkInterfaceId=address, PrivateIpAddresses=[address]),
        lambda: ec2.attach_network_interface(
            NetworkInterfaceId=address, InstanceId=address, DeviceIndex=count
        ),
    ]
    for call in calls:
        try:
            reply = call()
        except ClientError as error:
            assert error.response["ResponseMetadata"]["HTTPStatusCode"] < 500, error.response
        else:
            if "NetworkInterface" in reply:
                ec2.delete_network_interface(
                    NetworkInterfaceId=reply["NetworkInterface"]["NetworkInterfaceId"]
                )


def test_ipv6_once_the_subnet_has_a_block(ec2, imds):  # noqa: F811
    """A subnet given an IPv6 /64 of its VPC's Amazon-provided /56 hands out IPv6 addresses."""
    found = launch(ec2, Placement={"AvailabilityZone": "us-east-1a"}, **OPTIONAL)
    vpc = ec2.associate_vpc_cidr_block(VpcId=found["VpcId"], AmazonProvidedIpv6CidrBlock=True)
    vpc_block = ipaddress.IPv6Network(vpc["Ipv6CidrBlockAssociation"]["Ipv6CidrBlock"])
    subnet_block = next(vpc_block.subnets(new_prefix=64))
    ec2.associate_subnet_cidr_block(SubnetId=found["SubnetId"], Ipv6CidrBlock=str(subnet_block))
    eni = found["NetworkInterfaces"][0]["NetworkInterfaceId"]
    assigned = ec2.assign_ipv6_addresses(NetworkInterfaceId=eni, Ipv6AddressCount=2)["AssignedIpv6Addresses"]
    assert len(set(assigned)) == 2 and all(ipaddress.IPv6Address(a) in subnet_block for a in assigned)
    mac = imds(found["InstanceId"]).text("latest/meta-data/mac")
    listed = imds(found["InstanceId"]).text(f"latest/meta-data/network/interfaces/macs/{mac}/ipv6s").split()
    assert listed == assigned
    with aws_error("InvalidParameterValue", 400, "does not fall within the subnet's address range"):
        ec2.assign_ipv6_addresses(NetworkInterfaceId=eni, Ipv6Addresses=["2001:db8::1"])
    ec2.unassign_ipv6_addresses(NetworkInterfaceId=eni, Ipv6Addresses=assigned[:1])
    described = ec2.describe_network_interfaces(
        Filters=[{"Name": "ipv6-addresses.ipv6-address", "Values": [assigned[1]]}]
    )["NetworkInterfaces"]
    assert [e["NetworkInterfaceId"] for e in described] == [eni]
    with aws_error("InvalidParameterValue", 400, "not assigned"):
        ec2.unassign_ipv6_addresses(NetworkInterfaceId=eni, Ipv6Addresses=assigned[:1])
    made = ec2.create_network_interface(SubnetId=found["SubnetId"], Ipv6AddressCount=1)["NetworkInterface"]
    assert len(made["Ipv6Addresses"]) == 1
