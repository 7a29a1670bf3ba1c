"""VPCs, subnets and network interfaces: the read side."""

from __future__ import annotations

import pytest

from ec2sim.store.ec2.images import public_images
from tests.helpers import aws_error


def _default_vpc(ec2):
    return ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]


def test_describe_default_vpc(ec2, account_id):
    vpcs = ec2.describe_vpcs()["Vpcs"]
    assert len(vpcs) == 1
    vpc = vpcs[0]
    assert vpc["IsDefault"] is True and vpc["State"] == "available" and vpc["CidrBlock"] == "172.31.0.0/16"
    assert vpc["OwnerId"] == account_id and vpc["InstanceTenancy"] == "default"
    association = vpc["CidrBlockAssociationSet"][0]
    assert association["CidrBlock"] == "172.31.0.0/16" and association["CidrBlockState"] == {
        "State": "associated"
    }
    assert association["AssociationId"].startswith("vpc-cidr-assoc-")
    assert ec2.describe_vpcs(VpcIds=[vpc["VpcId"]])["Vpcs"][0]["VpcId"] == vpc["VpcId"]


@pytest.mark.parametrize(
    "name, values, hits",
    [
        ("vpc-id", None, 1),
        ("cidr", ["172.31.0.0/16"], 1),
        ("cidr", ["10.0.0.0/16"], 0),
        ("cidr-block-association.cidr-block", ["172.31.*"], 1),
        ("is-default", ["false"], 0),
        ("state", ["available"], 1),
        ("owner-id", None, 1),
        ("dhcp-options-id", ["dopt-*"], 1),
    ],
)
def test_vpc_filters(ec2, account_id, name, values, hits):
    vpc = _default_vpc(ec2)
    values = values or [vpc["VpcId"] if name == "vpc-id" else account_id]
    assert len(ec2.describe_vpcs(Filters=[{"Name": name, "Values": values}])["Vpcs"]) == hits


def test_vpc_tags_and_errors(ec2):
    vpc_id = _default_vpc(ec2)["VpcId"]
    ec2.create_tags(Resources=[vpc_id], Tags=[{"Key": "Name", "Value": "main"}])
    tagged = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": ["main"]}])["Vpcs"]
    assert tagged[0]["Tags"] == [{"Key": "Name", "Value": "main"}]
    with aws_error("InvalidVpcID.NotFound", 400, "The vpc ID 'vpc-0123456789abcdef0' does not exist"):
        ec2.describe_vpcs(VpcIds=[vpc_id, "vpc-0123456789abcdef0"])
    with aws_error("InvalidParameterValue", 400, "The filter 'bogus' is invalid"):
        ec2.describe_vpcs(Filters=[{"Name": "bogus", "Values": ["x"]}])


def test_describe_default_subnets(ec2, account_id):
    vpc_id = _default_vpc(ec2)["VpcId"]
    subnets = ec2.describe_subnets()["Subnets"]
    assert [s["AvailabilityZone"] for s in subnets] == [f"us-east-1{z}" for z in "abcdef"]
    first = subnets[0]
    assert first["VpcId"] == vpc_id and first["CidrBlock"] == "172.31.0.0/20"
    assert first["DefaultForAz"] is True and first["MapPublicIpOnLaunch"] is True
    assert first["AvailableIpAddressCount"] == 4091 and first["State"] == "available"
    assert first["AvailabilityZoneId"] == "use1-az6" and first["OwnerId"] == account_id
    assert first["SubnetArn"] == f"arn:aws:ec2:us-east-1:{account_id}:subnet/{first['SubnetId']}"
    assert ec2.describe_subnets(SubnetIds=[first["SubnetId"]])["Subnets"] == [first]


@pytest.mark.parametrize(
    "name, values, hits",
    [
        ("availability-zone", ["us-east-1b"], 1),
        ("availabilityZone", ["us-east-1b"], 1),
        ("availability-zone-id", ["use1-az6"], 1),
        ("cidr-block", ["172.31.16.0/20"], 1),
        ("default-for-az", ["true"], 6),
        ("map-public-ip-on-launch", ["false"], 0),
        ("state", ["available"], 6),
        ("available-ip-address-count", ["4091"], 6),
    ],
)
def test_subnet_filters(ec2, name, values, hits):
    assert len(ec2.describe_subnets(Filters=[{"Name": name, "Values": values}])["Subnets"]) == hits


def test_subnet_index_filters_paging_and_errors(ec2, account_id):
    vpc_id = _default_vpc(ec2)["VpcId"]
    subnet_id = ec2.describe_subnets()["Subnets"][2]["SubnetId"]
    assert len(ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]) == 6
    assert len(ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": ["vpc-1"]}])["Subnets"]) == 0
    by_id = ec2.describe_subnets(Filters=[{"Name": "subnet-id", "Values": [subnet_id]}])["Subnets"]
    assert [s["SubnetId"] for s in by_id] == [subnet_id]
    assert len(ec2.describe_subnets(Filters=[{"Name": "owner-id", "Values": [account_id]}])["Subnets"]) == 6
    page = ec2.describe_subnets(MaxResults=5)
    rest = ec2.describe_subnets(MaxResults=5, NextToken=page["NextToken"])
    assert len(page["Subnets"]) == 5 and len(rest["Subnets"]) == 1 and "NextToken" not in rest
    with aws_error(
        "InvalidSubnetID.NotFound", 400, "The subnet ID 'subnet-0123456789abcdef0' does not exist"
    ):
        ec2.describe_subnets(SubnetIds=["subnet-0123456789abcdef0"])
    with aws_error("InvalidPaginationToken", 400):
        ec2.describe_subnets(MaxResults=5, NextToken="garbage")


def test_network_interfaces_empty_account_and_errors(ec2):
    assert ec2.describe_network_interfaces()["NetworkInterfaces"] == []
    assert (
        ec2.describe_network_interfaces(
            Filters=[{"Name": "attachment.instance-id", "Values": ["i-0123456789abcdef0"]}]
        )["NetworkInterfaces"]
        == []
    )
    with aws_error("InvalidNetworkInterfaceID.NotFound", 400, "'eni-0123456789abcdef0' does not exist"):
        ec2.describe_network_interfaces(NetworkInterfaceIds=["eni-0123456789abcdef0"])
    with aws_error("InvalidParameterValue", 400, "The filter 'bogus' is invalid"):
        ec2.describe_network_interfaces(Filters=[{"Name": "bogus", "Values": ["x"]}])


@pytest.mark.parametrize(
    ("region", "domain"), [("us-east-1", "ec2.internal"), ("eu-west-1", "eu-west-1.compute.internal")]
)
def test_network_interface_dns_names_match_the_instance(make_client, account_id, region, domain):
    """An instance's primary interface has the instance's own private (and public) DNS names."""
    ec2 = make_client("ec2", account_id, region)
    image = next(i.id for i in public_images(region).values() if i.name.endswith("kernel-6.1-x86_64"))
    launched = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, InstanceType="t3.micro")
    instance = launched["Instances"][0]
    (eni,) = ec2.describe_network_interfaces()["NetworkInterfaces"]
    address = eni["PrivateIpAddress"]
    assert eni["PrivateDnsName"] == f"ip-{address.replace('.', '-')}.{domain}"
    assert eni["PrivateDnsName"] == instance["PrivateDnsName"]
    assert eni["PrivateIpAddresses"][0]["PrivateDnsName"] == eni["PrivateDnsName"]
    public = ec2.describe_instances()["Reservations"][0]["Instances"][0]["PublicDnsName"]
    assert public and eni["Association"]["PublicDnsName"] == public  # default subnets map public IPs
