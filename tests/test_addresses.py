"""Elastic IPs: allocation from the emulated pool, the quota, associations with instances and
interfaces (the instance's public address follows), release, describe filters, reverse DNS, and
what the instance metadata service shows."""

from __future__ import annotations

import ipaddress
from typing import Any

from botocore.exceptions import ClientError
from hypothesis import given
from hypothesis import strategies as st

from ec2sim.store.ec2.network import Subnet
from tests.helpers import aws_error
from tests.test_metadata import OPTIONAL, advance, imds, launch  # noqa: F401 - imds is a fixture

POOL = ipaddress.IPv4Network("3.208.0.0/12")


def _instance(ec2: Any, found: str) -> dict[str, Any]:
    return ec2.describe_instances(InstanceIds=[found])["Reservations"][0]["Instances"][0]


def test_allocate_describe_release_and_quota(ec2):
    reply = ec2.allocate_address(
        Domain="vpc", TagSpecifications=[{"ResourceType": "elastic-ip", "Tags": [{"Key": "k", "Value": "v"}]}]
    )
    assert ipaddress.IPv4Address(reply["PublicIp"]) in POOL
    assert reply["AllocationId"].startswith("eipalloc-")
    assert (reply["Domain"], reply["PublicIpv4Pool"], reply["NetworkBorderGroup"]) == (
        "vpc",
        "amazon",
        "us-east-1",
    )
    others = [ec2.allocate_address(Domain="vpc")["AllocationId"] for _ in range(4)]
    with aws_error("AddressLimitExceeded", 400, "The maximum number of addresses has been reached."):
        ec2.allocate_address(Domain="vpc")
    found = ec2.describe_addresses(AllocationIds=[reply["AllocationId"]])["Addresses"][0]
    assert found["PublicIp"] == reply["PublicIp"] and found["Tags"] == [{"Key": "k", "Value": "v"}]
    assert (
        ec2.describe_addresses(PublicIps=[reply["PublicIp"]])["Addresses"][0]["AllocationId"]
        == reply["AllocationId"]
    )
    by_tag = ec2.describe_addresses(Filters=[{"Name": "tag:k", "Values": ["v"]}])["Addresses"]
    assert [a["AllocationId"] for a in by_tag] == [reply["AllocationId"]]
    assert len(ec2.describe_addresses(Filters=[{"Name": "domain", "Values": ["vpc"]}])["Addresses"]) == 5
    with aws_error(
        "InvalidAllocationID.NotFound", 400, "The allocation ID 'eipalloc-0123456789abcdef0' does not exist"
    ):
        ec2.describe_addresses(AllocationIds=["eipalloc-0123456789abcdef0"])
    with aws_error("InvalidAddress.NotFound", 400):
        ec2.describe_addresses(PublicIps=["198.51.100.1"])
    with aws_error("InvalidParameterValue", 400, "The filter 'nope' is invalid"):
        ec2.describe_addresses(Filters=[{"Name": "nope", "Values": ["x"]}])
    ec2.release_address(AllocationId=others[0])
    ec2.release_address(
        PublicIp=ec2.describe_addresses(AllocationIds=[others[1]])["Addresses"][0]["PublicIp"]
    )
    assert len(ec2.describe_addresses()["Addresses"]) == 3
    with aws_error("InvalidAllocationID.NotFound", 400):
        ec2.release_address(AllocationId=others[0])
    with aws_error("InvalidAllocationID.Malformed", 400, 'Invalid id: "bogus" (expecting "eipalloc-...")'):
        ec2.release_address(AllocationId="bogus")
    with aws_error("AuthFailure", 401, "The address '198.51.100.7' does not belong to you."):
        ec2.release_address(PublicIp="198.51.100.7")
    with aws_error("MissingParameter", 400):
        ec2.release_address()
    with aws_error("DryRunOperation", 412):
        ec2.allocate_address(Domain="vpc", DryRun=True)
    with aws_error("InvalidPublicIpv4PoolID.NotFound", 400):
        ec2.allocate_address(PublicIpv4Pool="ipv4pool-ec2-0123456789abcdef0")


def test_association_moves_the_public_address(ec2, imds):  # noqa: F811
    found = launch(ec2, **OPTIONAL)
    instance_id, auto = found["InstanceId"], found["PublicIpAddress"]
    eni = found["NetworkInterfaces"][0]
    allocation = ec2.allocate_address(Domain="vpc")
    association = ec2.associate_address(AllocationId=allocation["AllocationId"], InstanceId=instance_id)
    described = _instance(ec2, instance_id)
    assert described["PublicIpAddress"] == allocation["PublicIp"]
    assert described["NetworkInterfaces"][0]["Association"]["PublicIp"] == allocation["PublicIp"]
    address = ec2.describe_addresses(AllocationIds=[allocation["AllocationId"]])["Addresses"][0]
    assert address["AssociationId"] == association["AssociationId"]
    assert (address["InstanceId"], address["NetworkInterfaceId"]) == (instance_id, eni["NetworkInterfaceId"])
    assert address["PrivateIpAddress"] == eni["PrivateIpAddress"]
    for name, value in [
        ("instance-id", instance_id),
        ("association-id", association["AssociationId"]),
        ("network-interface-id", eni["NetworkInterfaceId"]),
        ("private-ip-address", eni["PrivateIpAddress"]),
        ("public-ip", allocation["PublicIp"]),
    ]:
        assert len(ec2.describe_addresses(Filters=[{"Name": name, "Values": [value]}])["Addresses"]) == 1, (
            name
        )
    enis = ec2.describe_network_interfaces(
        Filters=[{"Name": "association.allocation-id", "Values": [allocation["AllocationId"]]}]
    )["NetworkInterfaces"]
    assert [e["NetworkInterfaceId"] for e in enis] == [eni["NetworkInterfaceId"]]
    for name in (
        "network-interface.association.allocation-id",
        "network-interface.addresses.association.allocation-id",
    ):
        filters = [{"Name": name, "Values": [allocation["AllocationId"]]}]
        reservations = ec2.describe_instances(Filters=filters)["Reservations"]
        assert [i["InstanceId"] for r in reservations for i in r["Instances"]] == [instance_id], name
    # The metadata service shows it at once.
    md = imds(instance_id)
    assert md.text("latest/meta-data/public-ipv4") == allocation["PublicIp"]
    mac = md.text("latest/meta-data/mac")
    assert md.text(f"latest/meta-data/network/interfaces/macs/{mac}/public-ipv4s") == allocation["PublicIp"]
    assert md.text("latest/meta-data/public-hostname").startswith(
        "ec2-" + allocation["PublicIp"].replace(".", "-")
    )
    # Already associated: refused without AllowReassociation, moved with it.
    other = launch(ec2, **OPTIONAL)["InstanceId"]
    with aws_error(
        "Resource.AlreadyAssociated",
        400,
        f"resource {allocation['AllocationId']} is already associated with associate-id {association['AssociationId']}",
    ):
        ec2.associate_address(AllocationId=allocation["AllocationId"], InstanceId=other)
    moved = ec2.associate_address(
        AllocationId=allocation["AllocationId"], InstanceId=other, AllowReassociation=True
    )
    assert _instance(ec2, other)["PublicIpAddress"] == allocation["PublicIp"]
    first = _instance(ec2, instance_id)["PublicIpAddress"]
    assert first and first != allocation["PublicIp"] and first != auto  # a new auto-assigned address
    # Stop keeps the Elastic IP; disassociate gives the instance an address of its own again.
    ec2.disassociate_address(AssociationId=moved["AssociationId"])
    assert _instance(ec2, other)["PublicIpAddress"] not in (None, allocation["PublicIp"])
    with aws_error(
        "InvalidAssociationID.NotFound", 400, "The association ID 'eipassoc-0123456789abcdef0' does not exist"
    ):
        ec2.disassociate_address(AssociationId="eipassoc-0123456789abcdef0")
    ec2.release_address(AllocationId=allocation["AllocationId"])


def test_associate_errors_and_release_in_default_vpc(ec2):
    found = launch(ec2, **OPTIONAL)
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    with aws_error("MissingParameter", 400):
        ec2.associate_address(AllocationId=allocation)
    with aws_error("InvalidInstanceID.NotFound", 400, "The instance ID 'i-0123456789abcdef0' does not exist"):
        ec2.associate_address(AllocationId=allocation, InstanceId="i-0123456789abcdef0")
    with aws_error("InvalidNetworkInterfaceID.NotFound", 400):
        ec2.associate_address(AllocationId=allocation, NetworkInterfaceId="eni-0123456789abcdef0")
    with aws_error("InvalidParameterValue", 400, "is not assigned to the network interface"):
        ec2.associate_address(
            AllocationId=allocation, InstanceId=found["InstanceId"], PrivateIpAddress="172.31.255.200"
        )
    with aws_error("DryRunOperation", 412):
        ec2.associate_address(AllocationId=allocation, InstanceId=found["InstanceId"], DryRun=True)
    ec2.associate_address(
        AllocationId=allocation, NetworkInterfaceId=found["NetworkInterfaces"][0]["NetworkInterfaceId"]
    )
    # In a default VPC, releasing disassociates first (EC2 API Reference, ReleaseAddress).
    ec2.release_address(AllocationId=allocation)
    assert ec2.describe_addresses()["Addresses"] == []
    assert _instance(ec2, found["InstanceId"])["PublicIpAddress"]


def test_release_while_associated_outside_the_default_vpc(server, ec2, account_id):
    """InvalidIPAddress.InUse where the interface is not in the default VPC (a VPC made in the store:
    CreateVpc is another family's)."""
    with server.store.lock:
        region = server.store.account(account_id).ec2("us-east-1")
        vpc = region.add_vpc("10.0.0.0/16")
        subnet = region.subnets.add(
            Subnet("subnet-0123456789abcdef0", account_id, vpc.id, "10.0.0.0/24", "us-east-1a", "use1-az1")
        )
    eni = ec2.create_network_interface(SubnetId=subnet.id)["NetworkInterface"]
    assert eni["PrivateIpAddress"] == "10.0.0.4"
    allocation = ec2.allocate_address(Domain="vpc")
    ec2.associate_address(
        AllocationId=allocation["AllocationId"], NetworkInterfaceId=eni["NetworkInterfaceId"]
    )
    with aws_error("InvalidIPAddress.InUse", 400, f"Address {allocation['PublicIp']} is in use."):
        ec2.release_address(AllocationId=allocation["AllocationId"])


def test_reverse_dns_attribute(ec2):
    allocation = ec2.allocate_address(Domain="vpc")
    attribute = ec2.describe_addresses_attribute(
        AllocationIds=[allocation["AllocationId"]], Attribute="domain-name"
    )
    default = attribute["Addresses"][0]["PtrRecord"]
    assert default == "ec2-" + allocation["PublicIp"].replace(".", "-") + ".compute-1.amazonaws.com."
    reply = ec2.modify_address_attribute(
        AllocationId=allocation["AllocationId"], DomainName="mail.example.com"
    )
    assert reply["Address"]["PtrRecordUpdate"] == {"Value": "mail.example.com", "Status": "PENDING"}
    now = ec2.describe_addresses_attribute(Attribute="domain-name")["Addresses"][0]
    assert now["PtrRecord"] == "mail.example.com."
    ec2.reset_address_attribute(AllocationId=allocation["AllocationId"], Attribute="domain-name")
    assert ec2.describe_addresses_attribute(Attribute="domain-name")["Addresses"][0]["PtrRecord"] == default
    with aws_error("InvalidParameterValue", 400):
        ec2.modify_address_attribute(AllocationId=allocation["AllocationId"], DomainName="not a domain")
    with aws_error("InvalidParameterValue", 400):
        ec2.describe_addresses_attribute(Attribute="other")
    with aws_error("InvalidAllocationID.NotFound", 400):
        ec2.reset_address_attribute(AllocationId="eipalloc-0123456789abcdef0", Attribute="domain-name")


@given(
    allocation=st.text(max_size=30),
    public_ip=st.one_of(st.text(max_size=20), st.ip_addresses(v=4).map(str)),
    private_ip=st.one_of(st.none(), st.text(max_size=20), st.ip_addresses(v=4).map(str)),
)
def test_address_input_never_fails_the_server(ec2, allocation, public_ip, private_ip):
    calls = [
        lambda: ec2.release_address(AllocationId=allocation),
        lambda: ec2.release_address(PublicIp=public_ip),
        lambda: ec2.describe_addresses(PublicIps=[public_ip]),
        lambda: ec2.associate_address(
            AllocationId=allocation,
            NetworkInterfaceId="eni-0123456789abcdef0",
            **({"PrivateIpAddress": private_ip} if private_ip is not None else {}),
        ),
        lambda: ec2.disassociate_address(PublicIp=public_ip),
        lambda: ec2.modify_address_attribute(AllocationId=allocation, DomainName=public_ip),
    ]
    for call in calls:
        try:
            call()
        except ClientError as error:
            assert error.response["ResponseMetadata"]["HTTPStatusCode"] < 500, error.response


def test_an_elastic_ip_stays_through_stop_and_start_and_leaves_at_termination(server, ec2):
    found = launch(ec2, **OPTIONAL)
    instance_id = found["InstanceId"]
    advance(server, 120)
    allocation = ec2.allocate_address(Domain="vpc")
    ec2.associate_address(AllocationId=allocation["AllocationId"], InstanceId=instance_id)
    ec2.stop_instances(InstanceIds=[instance_id])
    advance(server, 120)
    assert _instance(ec2, instance_id)["PublicIpAddress"] == allocation["PublicIp"]
    ec2.start_instances(InstanceIds=[instance_id])
    advance(server, 120)
    assert _instance(ec2, instance_id)["PublicIpAddress"] == allocation["PublicIp"]
    ec2.disassociate_address(PublicIp=allocation["PublicIp"])
    own = _instance(ec2, instance_id)["PublicIpAddress"]
    assert own and ipaddress.IPv4Address(own) not in POOL  # Amazon's auto-assigned range
    ec2.associate_address(AllocationId=allocation["AllocationId"], InstanceId=instance_id)
    ec2.terminate_instances(InstanceIds=[instance_id])
    advance(server, 120)
    address = ec2.describe_addresses(AllocationIds=[allocation["AllocationId"]])["Addresses"][0]
    assert "AssociationId" not in address and "InstanceId" not in address
    with aws_error("IncorrectInstanceState", 400):
        ec2.associate_address(AllocationId=allocation["AllocationId"], InstanceId=instance_id)
