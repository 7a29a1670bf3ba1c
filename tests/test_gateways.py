"""Internet gateways, egress-only internet gateways and NAT gateways."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.helpers import aws_error

IGW_TAGS = [{"ResourceType": "internet-gateway", "Tags": [{"Key": "Name", "Value": "edge"}]}]


def _default_vpc(ec2: Any) -> str:
    return str(ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"])


def _subnet(ec2: Any) -> str:
    return str(ec2.describe_subnets()["Subnets"][0]["SubnetId"])


def _advance(server: Any, seconds: float) -> None:
    requests.post(server.api_url + "/_ec2sim/clock", json={"advance_seconds": seconds}, timeout=5)


def test_the_default_vpc_has_its_internet_gateway(ec2: Any, account_id: str) -> None:
    vpc = _default_vpc(ec2)
    gateways = ec2.describe_internet_gateways()["InternetGateways"]
    assert len(gateways) == 1
    assert gateways[0]["Attachments"] == [{"State": "available", "VpcId": vpc}]
    assert gateways[0]["OwnerId"] == account_id and gateways[0]["InternetGatewayId"].startswith("igw-")


def test_internet_gateway_lifecycle(ec2: Any) -> None:
    vpc = _default_vpc(ec2)
    created = ec2.create_internet_gateway(TagSpecifications=IGW_TAGS)["InternetGateway"]
    igw = created["InternetGatewayId"]
    assert created["Attachments"] == [] and created["Tags"] == [{"Key": "Name", "Value": "edge"}]
    # The default VPC already has one; the new one can't join it.
    with aws_error(
        "Resource.AlreadyAssociated", 400, f"Network {vpc} already has an internet gateway attached"
    ):
        ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    default_igw = ec2.describe_internet_gateways(Filters=[{"Name": "attachment.vpc-id", "Values": [vpc]}])[
        "InternetGateways"
    ][0]["InternetGatewayId"]
    with aws_error("Gateway.NotAttached", 400, f"resource {igw} is not attached to network {vpc}"):
        ec2.detach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    with aws_error("DependencyViolation", 400, f"The internetGateway '{default_igw}' has dependencies"):
        ec2.delete_internet_gateway(InternetGatewayId=default_igw)
    ec2.detach_internet_gateway(InternetGatewayId=default_igw, VpcId=vpc)
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    with aws_error("Resource.AlreadyAssociated", 400, f"resource {igw} is already attached to network {vpc}"):
        ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    # The default route through the old gateway is a blackhole now.
    main = ec2.describe_route_tables(Filters=[{"Name": "association.main", "Values": ["true"]}])[
        "RouteTables"
    ][0]
    default_route = next(r for r in main["Routes"] if r.get("DestinationCidrBlock") == "0.0.0.0/0")
    assert default_route == {
        "DestinationCidrBlock": "0.0.0.0/0",
        "GatewayId": default_igw,
        "Origin": "CreateRoute",
        "State": "blackhole",
    }
    ec2.delete_internet_gateway(InternetGatewayId=default_igw)
    with aws_error(
        "InvalidInternetGatewayID.NotFound", 400, f"The internetGateway ID '{default_igw}' does not exist"
    ):
        ec2.describe_internet_gateways(InternetGatewayIds=[default_igw])


def test_detaching_with_mapped_public_addresses_is_refused(ec2: Any, server: Any) -> None:
    vpc = _default_vpc(ec2)
    igw = ec2.describe_internet_gateways()["InternetGateways"][0]["InternetGatewayId"]
    ami = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    instance = ec2.run_instances(ImageId=ami, MinCount=1, MaxCount=1, SubnetId=_subnet(ec2))["Instances"][0]
    assert instance.get("PublicIpAddress")
    with aws_error("DependencyViolation", 400, f"Network {vpc} has some mapped public address(es)."):
        ec2.detach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)


@pytest.mark.parametrize(
    "call, code, message",
    [
        (
            {"InternetGatewayId": "igw-0123456789abcdef0"},
            "InvalidInternetGatewayID.NotFound",
            "does not exist",
        ),
        ({"InternetGatewayId": "gw-1"}, "InvalidInternetGatewayId.Malformed", 'Invalid id: "gw-1"'),
    ],
)
def test_internet_gateway_errors(ec2: Any, call: dict[str, str], code: str, message: str) -> None:
    with aws_error(code, 400, message):
        ec2.delete_internet_gateway(**call)
    with aws_error(code, 400, message):
        ec2.attach_internet_gateway(VpcId=_default_vpc(ec2), **call)
    with aws_error("InvalidVpcID.NotFound", 400, "The vpc ID 'vpc-0000000000000000a' does not exist"):
        igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId="vpc-0000000000000000a")


def test_internet_gateway_quota_filters_and_paging(ec2: Any, account_id: str) -> None:
    made = [ec2.create_internet_gateway(TagSpecifications=IGW_TAGS)["InternetGateway"] for _ in range(4)]
    with aws_error("InternetGatewayLimitExceeded", 400, "The maximum number of internet gateways"):
        ec2.create_internet_gateway()

    def ids(*filters: dict[str, Any]) -> set[str]:
        found = ec2.describe_internet_gateways(Filters=list(filters))["InternetGateways"]
        return {g["InternetGatewayId"] for g in found}

    new = {g["InternetGatewayId"] for g in made}
    assert ids({"Name": "tag:Name", "Values": ["edge"]}) == new
    assert ids({"Name": "tag-key", "Values": ["Name"]}) == new
    assert ids({"Name": "tag-value", "Values": ["ed*"]}) == new
    assert len(ids({"Name": "attachment.state", "Values": ["available"]})) == 1
    assert len(ids({"Name": "owner-id", "Values": [account_id]})) == 5
    assert ids({"Name": "internet-gateway-id", "Values": [made[0]["InternetGatewayId"]]}) == {
        made[0]["InternetGatewayId"]
    }
    page = ec2.describe_internet_gateways(MaxResults=5)
    assert len(page["InternetGateways"]) == 5 and "NextToken" not in page
    first = ec2.describe_internet_gateways(MaxResults=5, Filters=[{"Name": "tag-key", "Values": ["Name"]}])
    assert len(first["InternetGateways"]) == 4
    with aws_error("InvalidParameterValue", 400, "The filter 'nope' is invalid"):
        ec2.describe_internet_gateways(Filters=[{"Name": "nope", "Values": ["x"]}])
    with aws_error("InvalidPaginationToken", 400):
        ec2.describe_internet_gateways(NextToken="garbage")
    with aws_error("DryRunOperation", 412):
        ec2.create_internet_gateway(DryRun=True)


def test_egress_only_internet_gateways(ec2: Any) -> None:
    vpc = _default_vpc(ec2)
    tags = [{"ResourceType": "egress-only-internet-gateway", "Tags": [{"Key": "k", "Value": "v"}]}]
    reply = ec2.create_egress_only_internet_gateway(VpcId=vpc, TagSpecifications=tags, ClientToken="t1")
    gateway = reply["EgressOnlyInternetGateway"]
    eigw = gateway["EgressOnlyInternetGatewayId"]
    assert eigw.startswith("eigw-") and gateway["Attachments"] == [{"State": "attached", "VpcId": vpc}]
    again = ec2.create_egress_only_internet_gateway(VpcId=vpc, TagSpecifications=tags, ClientToken="t1")[
        "EgressOnlyInternetGateway"
    ]
    with aws_error(
        "IdempotentParameterMismatch", 400, "inconsistent with arguments used in previous request"
    ):
        ec2.create_egress_only_internet_gateway(VpcId=vpc, ClientToken="t1")
    assert again["EgressOnlyInternetGatewayId"] == eigw
    found = ec2.describe_egress_only_internet_gateways(Filters=[{"Name": "tag:k", "Values": ["v"]}])
    assert [g["EgressOnlyInternetGatewayId"] for g in found["EgressOnlyInternetGateways"]] == [eigw]
    assert ec2.delete_egress_only_internet_gateway(EgressOnlyInternetGatewayId=eigw)["ReturnCode"] is True
    with aws_error("InvalidEgressOnlyInternetGatewayId.NotFound", 400, f"'{eigw}' does not exist"):
        ec2.delete_egress_only_internet_gateway(EgressOnlyInternetGatewayId=eigw)
    with aws_error("InvalidEgressOnlyInternetGatewayId.NotFound", 400):
        ec2.describe_egress_only_internet_gateways(EgressOnlyInternetGatewayIds=[eigw])
    with aws_error("InvalidEgressOnlyInternetGatewayId.Malformed", 400, 'Invalid id: "x"'):
        ec2.delete_egress_only_internet_gateway(EgressOnlyInternetGatewayId="x")
    with aws_error("InvalidVpcID.NotFound", 400):
        ec2.create_egress_only_internet_gateway(VpcId="vpc-00000000000000001")


def test_nat_gateway_states_over_emulated_time(ec2: Any, server: Any) -> None:
    subnet = ec2.describe_subnets()["Subnets"][0]
    tags = [{"ResourceType": "natgateway", "Tags": [{"Key": "tier", "Value": "nat"}]}]
    allocation = ec2.allocate_address(Domain="vpc")
    nat = ec2.create_nat_gateway(
        SubnetId=subnet["SubnetId"], AllocationId=allocation["AllocationId"], TagSpecifications=tags
    )["NatGateway"]
    nat_id = nat["NatGatewayId"]
    assert nat["State"] == "pending" and nat["ConnectivityType"] == "public"
    assert nat["VpcId"] == subnet["VpcId"] and nat["Tags"] == [{"Key": "tier", "Value": "nat"}]
    address = nat["NatGatewayAddresses"][0]
    assert address["AllocationId"] == allocation["AllocationId"]
    assert address["PublicIp"] == allocation["PublicIp"]
    assert address["PrivateIp"].startswith("172.31.")
    described = ec2.describe_nat_gateways(NatGatewayIds=[nat_id])["NatGateways"][0]
    assert described["State"] == "available"
    request = {"SubnetId": subnet["SubnetId"], "ConnectivityType": "private", "ClientToken": "nat"}
    private = ec2.create_nat_gateway(**request)["NatGateway"]
    assert ec2.create_nat_gateway(**request)["NatGateway"]["NatGatewayId"] == private["NatGatewayId"]
    with aws_error("IdempotentParameterMismatch", 400):
        ec2.create_nat_gateway(SubnetId=subnet["SubnetId"], ClientToken="nat", AllocationId="eipalloc-1")
    assert private["NatGatewayAddresses"][0].get("PublicIp") is None

    def ids(name: str, *values: str) -> set[str]:
        found = ec2.describe_nat_gateways(Filter=[{"Name": name, "Values": list(values)}])["NatGateways"]
        return {n["NatGatewayId"] for n in found}

    both = {nat_id, private["NatGatewayId"]}
    assert ids("vpc-id", subnet["VpcId"]) == both == ids("subnet-id", subnet["SubnetId"])
    assert ids("state", "available") == both
    assert ids("tag:tier", "nat") == {nat_id} == ids("nat-gateway-id", nat_id)
    # The subnet and the VPC can't go while it lives; the internet gateway can't be detached.
    assert ec2.delete_nat_gateway(NatGatewayId=nat_id)["NatGatewayId"] == nat_id
    assert ids("state", "deleted") == {nat_id}
    gone = ec2.describe_nat_gateways(NatGatewayIds=[nat_id])["NatGateways"][0]
    assert gone["DeleteTime"] >= gone["CreateTime"]
    with aws_error("NatGatewayNotFound", 400, f"The Nat Gateway {nat_id} was not found"):
        ec2.delete_nat_gateway(NatGatewayId=nat_id)
    _advance(server, 3601)
    with aws_error("NatGatewayNotFound", 400):
        ec2.describe_nat_gateways(NatGatewayIds=[nat_id])


def test_a_public_nat_gateway_fails_without_an_internet_gateway(ec2: Any) -> None:
    vpc = _default_vpc(ec2)
    igw = ec2.describe_internet_gateways()["InternetGateways"][0]["InternetGatewayId"]
    ec2.detach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat_id = ec2.create_nat_gateway(SubnetId=_subnet(ec2), AllocationId=allocation)["NatGateway"][
        "NatGatewayId"
    ]
    failed = ec2.describe_nat_gateways(NatGatewayIds=[nat_id])["NatGateways"][0]
    assert failed["State"] == "failed" and failed["FailureCode"] == "Gateway.NotAttached"
    assert failed["FailureMessage"] == f"Network {vpc} has no Internet gateway attached"


@pytest.mark.parametrize(
    "params, code, message",
    [
        ({}, "MissingParameter", "SubnetId"),
        ({"SubnetId": "subnet-00000000000000001"}, "InvalidSubnetID.NotFound", "does not exist"),
        ({"SUBNET": 1}, "MissingParameter", "AllocationId"),
        ({"SUBNET": 1, "AllocationId": "eip-1"}, "InvalidAllocationID.Malformed", 'Invalid id: "eip-1"'),
        (
            {"SUBNET": 1, "AllocationId": "eipalloc-00000000000000001"},
            "InvalidAllocationID.NotFound",
            "The allocation ID 'eipalloc-00000000000000001' does not exist",
        ),
        ({"SUBNET": 1, "ConnectivityType": "other"}, "InvalidParameterValue", "ConnectivityType"),
        (
            {"SUBNET": 1, "ConnectivityType": "private", "AllocationId": "eipalloc-1"},
            "InvalidParameterCombination",
            "AllocationId",
        ),
    ],
)
def test_create_nat_gateway_errors(ec2: Any, params: dict[str, Any], code: str, message: str) -> None:
    if params.pop("SUBNET", None):
        params["SubnetId"] = _subnet(ec2)
    with aws_error(code, 400, message):
        ec2.create_nat_gateway(**params)


def test_nat_gateway_lookup_errors(ec2: Any) -> None:
    with aws_error("NatGatewayNotFound", 400, "The Nat Gateway nat-00000000000000001 was not found"):
        ec2.delete_nat_gateway(NatGatewayId="nat-00000000000000001")
    with aws_error("InvalidNatGatewayId.Malformed", 400, 'Invalid id: "natty"'):
        ec2.delete_nat_gateway(NatGatewayId="natty")
    with aws_error("InvalidParameterValue", 400, "The filter 'zone' is invalid"):
        ec2.describe_nat_gateways(Filter=[{"Name": "zone", "Values": ["x"]}])


def test_nat_gateways_per_zone_quota(ec2: Any) -> None:
    subnets = ec2.describe_subnets()["Subnets"]
    for _ in range(5):
        ec2.create_nat_gateway(SubnetId=subnets[0]["SubnetId"], ConnectivityType="private")
    with aws_error("NatGatewayLimitExceeded", 400, "The maximum number of NAT gateways has been reached."):
        ec2.create_nat_gateway(SubnetId=subnets[0]["SubnetId"], ConnectivityType="private")
    ec2.create_nat_gateway(SubnetId=subnets[1]["SubnetId"], ConnectivityType="private")  # another zone
