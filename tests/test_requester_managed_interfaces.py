"""Requester-managed network interfaces: the ones a NAT gateway and an interface VPC endpoint get in
their subnets, as DescribeNetworkInterfaces shows them, what the user may not do to them (nor to a
NAT gateway's Elastic IP), and their going with their service."""

from __future__ import annotations

import ipaddress
from typing import Any

from tests.helpers import aws_error

EC2 = "com.amazonaws.us-east-1.ec2"
NAT_REQUESTER = "128792236543"
ENDPOINT_REQUESTER = "727180483921"
NOT_YOURS = "You do not have permission to access the specified resource."


def _network(ec2: Any) -> tuple[str, list[str]]:
    """A VPC (DNS on, an internet gateway attached) with a subnet in each of two zones."""
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=zone)["Subnet"]["SubnetId"]
        for i, zone in enumerate(("us-east-1a", "us-east-1b"))
    ]
    return vpc, subnets


def _interfaces(ec2: Any, *filters: tuple[str, str]) -> list[str]:
    found = ec2.describe_network_interfaces(Filters=[{"Name": n, "Values": [v]} for n, v in filters])
    return [e["NetworkInterfaceId"] for e in found["NetworkInterfaces"]]


def _free(ec2: Any, subnet: str) -> int:
    return int(ec2.describe_subnets(SubnetIds=[subnet])["Subnets"][0]["AvailableIpAddressCount"])


def test_a_nat_gateway_has_a_requester_managed_interface_with_its_elastic_ip(
    ec2: Any, account_id: str
) -> None:
    vpc, (subnet, other) = _network(ec2)
    free = _free(ec2, subnet)
    allocation = ec2.allocate_address(Domain="vpc")
    nat = ec2.create_nat_gateway(SubnetId=subnet, AllocationId=allocation["AllocationId"])["NatGateway"]
    nat_id = nat["NatGatewayId"]
    held = ec2.describe_nat_gateways(NatGatewayIds=[nat_id])["NatGateways"][0]["NatGatewayAddresses"][0]
    eni_id = held["NetworkInterfaceId"]
    assert eni_id == nat["NatGatewayAddresses"][0]["NetworkInterfaceId"]
    eni = ec2.describe_network_interfaces(NetworkInterfaceIds=[eni_id])["NetworkInterfaces"][0]
    assert eni["InterfaceType"] == "nat_gateway" and eni["RequesterManaged"] is True
    assert eni["RequesterId"] == NAT_REQUESTER and eni["OwnerId"] == account_id
    assert eni["Description"] == f"Interface for NAT Gateway {nat_id}"
    assert eni["Status"] == "in-use" and eni["SourceDestCheck"] is False and eni["Groups"] == []
    assert (eni["SubnetId"], eni["VpcId"], eni["AvailabilityZone"]) == (subnet, vpc, "us-east-1a")
    # The subnet's first free address (AWS reserves the first four), taken from its count.
    assert eni["PrivateIpAddress"] == held["PrivateIp"] == "10.0.0.4"
    assert _free(ec2, subnet) == free - 1
    attachment = eni["Attachment"]
    assert attachment["AttachmentId"].startswith("ela-attach-") and "InstanceId" not in attachment
    assert (attachment["InstanceOwnerId"], attachment["Status"], attachment["DeviceIndex"]) == (
        "amazon-aws",
        "attached",
        1,
    )
    association = eni["Association"]
    assert association["PublicIp"] == allocation["PublicIp"] == held["PublicIp"]
    assert (
        association["AllocationId"] == allocation["AllocationId"] and association["IpOwnerId"] == account_id
    )
    assert association["AssociationId"] == held["AssociationId"]
    address = ec2.describe_addresses(AllocationIds=[allocation["AllocationId"]])["Addresses"][0]
    assert (address["NetworkInterfaceId"], address["PrivateIpAddress"]) == (eni_id, "10.0.0.4")
    assert address["NetworkInterfaceOwnerId"] == account_id and "InstanceId" not in address
    # Its filters find it; a user's own interface is not requester-managed.
    mine = ec2.create_network_interface(SubnetId=other)["NetworkInterface"]["NetworkInterfaceId"]
    for name, value in (
        ("requester-managed", "true"),
        ("interface-type", "nat_gateway"),
        ("requester-id", NAT_REQUESTER),
        ("description", f"Interface for NAT Gateway {nat_id}"),
        ("attachment.instance-owner-id", "amazon-aws"),
        ("attachment.attachment-id", attachment["AttachmentId"]),
        ("association.allocation-id", allocation["AllocationId"]),
        ("association.public-ip", allocation["PublicIp"]),
        ("private-ip-address", "10.0.0.4"),
        ("source-dest-check", "false"),
        ("availability-zone-id", eni["AvailabilityZoneId"]),
    ):
        assert _interfaces(ec2, ("vpc-id", vpc), (name, value)) == [eni_id], name
    assert _interfaces(ec2, ("vpc-id", vpc), ("requester-managed", "false")) == [mine]
    # Tags are the user's to set.
    ec2.create_tags(Resources=[eni_id], Tags=[{"Key": "seen", "Value": "yes"}])
    assert _interfaces(ec2, ("tag:seen", "yes")) == [eni_id]


def test_the_user_cannot_change_a_nat_gateways_interface_or_elastic_ip(ec2: Any) -> None:
    vpc, (subnet, other) = _network(ec2)
    allocation = ec2.allocate_address(Domain="vpc")
    allocation_id, public_ip = allocation["AllocationId"], allocation["PublicIp"]
    nat_id = ec2.create_nat_gateway(SubnetId=subnet, AllocationId=allocation_id)["NatGateway"]["NatGatewayId"]
    held = ec2.describe_nat_gateways(NatGatewayIds=[nat_id])["NatGateways"][0]["NatGatewayAddresses"][0]
    eni_id, association_id = held["NetworkInterfaceId"], held["AssociationId"]
    eni = ec2.describe_network_interfaces(NetworkInterfaceIds=[eni_id])["NetworkInterfaces"][0]
    with aws_error("InvalidParameterValue", 400, f"Network interface '{eni_id}' is currently in use."):
        ec2.delete_network_interface(NetworkInterfaceId=eni_id)
    with aws_error("OperationNotPermitted", 400, "You are not allowed to manage 'ela-attach' attachments."):
        ec2.detach_network_interface(AttachmentId=eni["Attachment"]["AttachmentId"], Force=True)
    with aws_error("AuthFailure", 400, NOT_YOURS):
        ec2.modify_network_interface_attribute(NetworkInterfaceId=eni_id, Description={"Value": "mine"})
    with aws_error("AuthFailure", 400, NOT_YOURS):
        ec2.modify_network_interface_attribute(NetworkInterfaceId=eni_id, SourceDestCheck={"Value": True})
    with aws_error("AuthFailure", 400, NOT_YOURS):
        ec2.assign_private_ip_addresses(NetworkInterfaceId=eni_id, SecondaryPrivateIpAddressCount=1)
    with aws_error("AuthFailure", 400, NOT_YOURS):
        ec2.unassign_private_ip_addresses(NetworkInterfaceId=eni_id, PrivateIpAddresses=["10.0.0.4"])
    # Its Elastic IP stays where the gateway put it.
    with aws_error("AuthFailure", 400, NOT_YOURS):
        ec2.disassociate_address(AssociationId=association_id)
    with aws_error("AuthFailure", 400, NOT_YOURS):
        ec2.disassociate_address(PublicIp=public_ip)
    with aws_error("AuthFailure", 400, NOT_YOURS):
        ec2.release_address(AllocationId=allocation_id)
    mine = ec2.create_network_interface(SubnetId=other)["NetworkInterface"]["NetworkInterfaceId"]
    with aws_error("AuthFailure", 400, NOT_YOURS):
        ec2.associate_address(AllocationId=allocation_id, NetworkInterfaceId=mine, AllowReassociation=True)
    with aws_error("Resource.AlreadyAssociated", 400, f"resource {allocation_id} is already associated"):
        ec2.associate_address(AllocationId=allocation_id, NetworkInterfaceId=mine)
    # Nor does another address go onto the gateway's interface.
    spare = ec2.allocate_address(Domain="vpc")["AllocationId"]
    with aws_error("AuthFailure", 400, NOT_YOURS):
        ec2.associate_address(AllocationId=spare, NetworkInterfaceId=eni_id)
    ec2.associate_address(AllocationId=spare, NetworkInterfaceId=mine)  # a user's interface takes it
    # Nothing changed, and the subnet stays while the interface does.
    address = ec2.describe_addresses(AllocationIds=[allocation_id])["Addresses"][0]
    assert (address["AssociationId"], address["NetworkInterfaceId"]) == (association_id, eni_id)
    assert ec2.describe_network_interfaces(NetworkInterfaceIds=[eni_id])["NetworkInterfaces"][0][
        "Description"
    ]
    with aws_error("DependencyViolation", 400, f"The subnet '{subnet}' has dependencies"):
        ec2.delete_subnet(SubnetId=subnet)
    # Deleting the gateway deletes its interface, frees its address and lets its Elastic IP go.
    free = _free(ec2, subnet)
    ec2.delete_nat_gateway(NatGatewayId=nat_id)
    ec2.get_waiter("nat_gateway_deleted").wait(NatGatewayIds=[nat_id])
    with aws_error(
        "InvalidNetworkInterfaceID.NotFound", 400, f"The networkInterface ID '{eni_id}' does not exist"
    ):
        ec2.describe_network_interfaces(NetworkInterfaceIds=[eni_id])
    assert _interfaces(ec2, ("vpc-id", vpc), ("requester-managed", "true")) == []
    assert _free(ec2, subnet) == free + 1
    assert "AssociationId" not in ec2.describe_addresses(AllocationIds=[allocation_id])["Addresses"][0]
    ec2.release_address(AllocationId=allocation_id)
    ec2.delete_subnet(SubnetId=subnet)


def test_a_failed_nat_gateway_leaves_no_interface(ec2: Any) -> None:
    """A public gateway in a VPC without an internet gateway fails: its interface goes with it."""
    vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.1.0.0/24")["Subnet"]["SubnetId"]
    allocation_id = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat_id = ec2.create_nat_gateway(SubnetId=subnet, AllocationId=allocation_id)["NatGateway"]["NatGatewayId"]
    assert ec2.describe_nat_gateways(NatGatewayIds=[nat_id])["NatGateways"][0]["State"] == "failed"
    assert _interfaces(ec2, ("subnet-id", subnet)) == []
    ec2.delete_subnet(SubnetId=subnet)


def test_an_interface_endpoint_has_an_interface_per_subnet(ec2: Any, account_id: str) -> None:
    vpc, (first, second) = _network(ec2)
    group = ec2.create_security_group(GroupName="vpce", Description="endpoint", VpcId=vpc)["GroupId"]
    endpoint = ec2.create_vpc_endpoint(
        VpcId=vpc, ServiceName=EC2, VpcEndpointType="Interface", SubnetIds=[first], SecurityGroupIds=[group]
    )["VpcEndpoint"]
    endpoint_id = endpoint["VpcEndpointId"]
    [eni_id] = endpoint["NetworkInterfaceIds"]
    eni = ec2.describe_network_interfaces(NetworkInterfaceIds=[eni_id])["NetworkInterfaces"][0]
    assert eni["InterfaceType"] == "vpc_endpoint" and eni["RequesterManaged"] is True
    assert eni["RequesterId"] == ENDPOINT_REQUESTER and eni["OwnerId"] == account_id
    assert eni["Description"] == f"VPC Endpoint Interface {endpoint_id}" and eni["Status"] == "in-use"
    assert [g["GroupId"] for g in eni["Groups"]] == [group] and eni["SourceDestCheck"] is True
    assert ipaddress.ip_address(eni["PrivateIpAddress"]) in ipaddress.ip_network("10.0.0.0/24")
    assert "Association" not in eni and eni["Attachment"]["InstanceOwnerId"] == "amazon-aws"
    for name, value in (
        ("interface-type", "vpc_endpoint"),
        ("requester-id", ENDPOINT_REQUESTER),
        ("group-id", group),
        ("group-name", "vpce"),
        ("requester-managed", "true"),
    ):
        assert _interfaces(ec2, ("vpc-id", vpc), (name, value)) == [eni_id], name
    with aws_error("InvalidParameterValue", 400, f"Network interface '{eni_id}' is currently in use."):
        ec2.delete_network_interface(NetworkInterfaceId=eni_id)
    with aws_error("AuthFailure", 400, NOT_YOURS):
        ec2.modify_network_interface_attribute(NetworkInterfaceId=eni_id, Groups=[group])
    with aws_error("DependencyViolation", 400, f"resource {group} has a dependent object"):
        ec2.delete_security_group(GroupId=group)  # the endpoint's interface uses it
    # No instance takes it: it is attached to its service already.
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    instance = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, SubnetId=first)["Instances"][0]
    with aws_error("InvalidNetworkInterface.InUse", 400, f"Interface: [{eni_id}] in use."):
        ec2.attach_network_interface(
            NetworkInterfaceId=eni_id, InstanceId=instance["InstanceId"], DeviceIndex=1
        )
    with aws_error("InvalidNetworkInterface.InUse", 400, f"Interface: [{eni_id}] in use."):
        ec2.run_instances(
            ImageId=image,
            MinCount=1,
            MaxCount=1,
            NetworkInterfaces=[{"DeviceIndex": 0, "NetworkInterfaceId": eni_id}],
        )
    ec2.terminate_instances(InstanceIds=[instance["InstanceId"]])
    ec2.get_waiter("instance_terminated").wait(InstanceIds=[instance["InstanceId"]])
    with aws_error("DependencyViolation", 400, f"The subnet '{first}' has dependencies"):
        ec2.delete_subnet(SubnetId=first)

    # Subnets added get an interface, subnets removed lose theirs; the groups follow the endpoint's.
    other_group = ec2.create_security_group(GroupName="more", Description="more", VpcId=vpc)["GroupId"]
    ec2.modify_vpc_endpoint(
        VpcEndpointId=endpoint_id,
        AddSubnetIds=[second],
        RemoveSubnetIds=[first],
        AddSecurityGroupIds=[other_group],
    )
    [moved] = ec2.describe_vpc_endpoints(VpcEndpointIds=[endpoint_id])["VpcEndpoints"][0][
        "NetworkInterfaceIds"
    ]
    assert moved != eni_id and _interfaces(ec2, ("subnet-id", first)) == []
    now = ec2.describe_network_interfaces(NetworkInterfaceIds=[moved])["NetworkInterfaces"][0]
    assert now["SubnetId"] == second and {g["GroupId"] for g in now["Groups"]} == {group, other_group}
    ec2.delete_subnet(SubnetId=first)
    ec2.modify_vpc_endpoint(VpcEndpointId=endpoint_id, RemoveSecurityGroupIds=[group])
    assert _interfaces(ec2, ("group-id", group)) == []
    ec2.delete_security_group(GroupId=group)

    # Deleting the endpoint deletes its interfaces (once it is gone).
    assert ec2.delete_vpc_endpoints(VpcEndpointIds=[endpoint_id])["Unsuccessful"] == []
    assert ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["VpcEndpoints"] == []
    assert _interfaces(ec2, ("vpc-id", vpc), ("requester-managed", "true")) == []
    ec2.delete_subnet(SubnetId=second)


def test_an_endpoint_needs_a_free_address_in_each_new_subnet(ec2: Any) -> None:
    vpc = ec2.create_vpc(CidrBlock="10.2.0.0/16")["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    full = ec2.create_subnet(VpcId=vpc, CidrBlock="10.2.0.0/28", AvailabilityZone="us-east-1a")["Subnet"][
        "SubnetId"
    ]
    roomy = ec2.create_subnet(VpcId=vpc, CidrBlock="10.2.1.0/24", AvailabilityZone="us-east-1b")["Subnet"][
        "SubnetId"
    ]
    ec2.create_network_interface(SubnetId=full, SecondaryPrivateIpAddressCount=10)  # all 11 usable
    assert _free(ec2, full) == 0
    message = f"Subnet {full} has insufficient free addresses to create this VPC endpoint"
    with aws_error("InsufficientFreeAddressesInSubnet", 400, message):
        ec2.create_vpc_endpoint(VpcId=vpc, ServiceName=EC2, VpcEndpointType="Interface", SubnetIds=[full])
    endpoint_id = ec2.create_vpc_endpoint(
        VpcId=vpc, ServiceName=EC2, VpcEndpointType="Interface", SubnetIds=[roomy]
    )["VpcEndpoint"]["VpcEndpointId"]
    with aws_error("InsufficientFreeAddressesInSubnet", 400, message):
        ec2.modify_vpc_endpoint(VpcEndpointId=endpoint_id, AddSubnetIds=[full])
    assert len(_interfaces(ec2, ("vpc-id", vpc), ("interface-type", "vpc_endpoint"))) == 1
