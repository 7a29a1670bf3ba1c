"""VPCs, subnets and network interfaces: the read side."""

from __future__ import annotations

import pytest

from ec2sim.store.ec2.images import public_images
from tests.helpers import aws_error, delete_default_vpc


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


# Creating and deleting VPCs -------------------------------------------------------------------


def _create(ec2, cidr="10.0.0.0/16", **params):
    return ec2.create_vpc(CidrBlock=cidr, **params)["Vpc"]


def test_create_vpc_comes_with_its_defaults(ec2, account_id):
    tags = [{"Key": "Name", "Value": "app"}]
    created = _create(ec2, TagSpecifications=[{"ResourceType": "vpc", "Tags": tags}])
    assert created["State"] == "pending" and created["IsDefault"] is False
    assert created["CidrBlock"] == "10.0.0.0/16" and created["Tags"] == tags
    vpc_id = created["VpcId"]
    (vpc,) = ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"]
    assert (
        vpc["State"] == "available" and vpc["OwnerId"] == account_id and vpc["InstanceTenancy"] == "default"
    )
    assert vpc["DhcpOptionsId"] == _default_vpc(ec2)["DhcpOptionsId"]
    groups = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["SecurityGroups"]
    (group,) = groups
    assert group["GroupName"] == "default" and group["Description"] == "default VPC security group"
    assert group["IpPermissions"][0]["UserIdGroupPairs"][0]["GroupId"] == group["GroupId"]
    assert group["IpPermissionsEgress"][0]["IpRanges"] == [{"CidrIp": "0.0.0.0/0"}]
    attributes = {
        name: ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute=name)
        for name in ("enableDnsSupport", "enableDnsHostnames", "enableNetworkAddressUsageMetrics")
    }
    assert attributes["enableDnsSupport"]["EnableDnsSupport"] == {"Value": True}
    assert attributes["enableDnsHostnames"]["EnableDnsHostnames"] == {"Value": False}
    assert attributes["enableNetworkAddressUsageMetrics"]["EnableNetworkAddressUsageMetrics"] == {
        "Value": False
    }
    default_id = _default_vpc(ec2)["VpcId"]
    hostnames = ec2.describe_vpc_attribute(VpcId=default_id, Attribute="enableDnsHostnames")
    assert hostnames["EnableDnsHostnames"] == {"Value": True}
    ec2.delete_vpc(VpcId=vpc_id)  # its default group goes with it
    assert [v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"]] == [default_id]
    assert not ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])[
        "SecurityGroups"
    ]
    with aws_error("InvalidVpcID.NotFound", 400, f"The vpc ID '{vpc_id}' does not exist"):
        ec2.delete_vpc(VpcId=vpc_id)


@pytest.mark.parametrize(
    ("cidr", "code", "message"),
    [
        ("10.0.0.0/8", "InvalidVpc.Range", "The CIDR '10.0.0.0/8' is invalid."),
        ("10.0.0.0/15", "InvalidVpc.Range", "The CIDR '10.0.0.0/15' is invalid."),
        ("10.0.0.0/29", "InvalidVpc.Range", "The CIDR '10.0.0.0/29' is invalid."),
        ("127.0.0.0/16", "InvalidVpc.Range", "The CIDR '127.0.0.0/16' is invalid."),
        ("224.0.0.0/16", "InvalidVpc.Range", "The CIDR '224.0.0.0/16' is invalid."),
        ("10.0.0.1/16", "InvalidParameterValue", "Value (10.0.0.1/16) for parameter cidrBlock is invalid."),
        ("10.0.0.0", "InvalidParameterValue", "This is not a valid CIDR block."),
        ("banana", "InvalidParameterValue", "Value (banana) for parameter cidrBlock is invalid."),
        ("10.0.0.0/255.255.0.0", "InvalidParameterValue", "This is not a valid CIDR block."),
    ],
)
def test_create_vpc_cidr_errors(ec2, cidr, code, message):
    with aws_error(code, 400, message):
        _create(ec2, cidr)
    assert len(ec2.describe_vpcs()["Vpcs"]) == 1


def test_create_vpc_parameter_errors_and_quota(ec2):
    with aws_error("UnsupportedTenancy", 400, "The tenancy value host is not supported."):
        _create(ec2, InstanceTenancy="host")
    with aws_error("InvalidPoolID.NotFound", 400, "The pool ID 'ipam-pool-0123' does not exist"):
        ec2.create_vpc(Ipv4IpamPoolId="ipam-pool-0123", Ipv4NetmaskLength=16)
    with aws_error("MissingParameter", 400, "Either 'cidrBlock' or 'ipv4IpamPoolId' should be provided."):
        ec2.create_vpc()
    with aws_error("InvalidParameterValue", 400, "'subnet' is not a valid taggable resource type"):
        _create(ec2, TagSpecifications=[{"ResourceType": "subnet", "Tags": [{"Key": "a", "Value": "b"}]}])
    with aws_error("DryRunOperation", 412):
        _create(ec2, DryRun=True)
    dedicated = _create(ec2, "192.168.0.0/16", InstanceTenancy="dedicated")
    assert dedicated["InstanceTenancy"] == "dedicated"
    for n in range(3):  # the default VPC counts: 5 in all
        _create(ec2, f"10.{n}.0.0/16")
    with aws_error("VpcLimitExceeded", 400, "The maximum number of VPCs has been reached."):
        _create(ec2, "10.9.0.0/16")
    assert len(ec2.describe_vpcs()["Vpcs"]) == 5


def test_delete_vpc_dependencies(ec2):
    vpc_id = _create(ec2)["VpcId"]
    subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.0.0/24")["Subnet"]["SubnetId"]
    message = f"The vpc '{vpc_id}' has dependencies and cannot be deleted."
    with aws_error("DependencyViolation", 400, message):
        ec2.delete_vpc(VpcId=vpc_id)
    ec2.delete_subnet(SubnetId=subnet_id)
    group_id = ec2.create_security_group(GroupName="web", Description="web", VpcId=vpc_id)["GroupId"]
    with aws_error("DependencyViolation", 400, message):
        ec2.delete_vpc(VpcId=vpc_id)
    ec2.delete_security_group(GroupId=group_id)
    with aws_error("DryRunOperation", 412):
        ec2.delete_vpc(VpcId=vpc_id, DryRun=True)
    ec2.delete_vpc(VpcId=vpc_id)


def test_modify_vpc_attribute(ec2):
    vpc_id = _create(ec2)["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={"Value": True})
    ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsSupport={"Value": False})
    ec2.modify_vpc_attribute(VpcId=vpc_id, EnableNetworkAddressUsageMetrics={"Value": True})
    read = lambda name, key: ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute=name)[key]["Value"]  # noqa: E731
    assert read("enableDnsHostnames", "EnableDnsHostnames") is True
    assert read("enableDnsSupport", "EnableDnsSupport") is False
    assert read("enableNetworkAddressUsageMetrics", "EnableNetworkAddressUsageMetrics") is True
    with aws_error("InvalidParameterCombination", 400, "Fields for multiple attribute types specified"):
        ec2.modify_vpc_attribute(
            VpcId=vpc_id, EnableDnsHostnames={"Value": True}, EnableDnsSupport={"Value": True}
        )
    with aws_error("InvalidParameterCombination", 400, "No attributes specified."):
        ec2.modify_vpc_attribute(VpcId=vpc_id)
    with aws_error("InvalidParameterValue", 400, "Value (bogus) for parameter attribute is invalid."):
        ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute="bogus")
    with aws_error("InvalidVpcID.NotFound", 400, "The vpc ID 'vpc-0123456789abcdef0' does not exist"):
        ec2.describe_vpc_attribute(VpcId="vpc-0123456789abcdef0", Attribute="enableDnsSupport")
    with aws_error("InvalidVpcID.NotFound", 400, "The vpc ID 'vpc-0123456789abcdef0' does not exist"):
        ec2.modify_vpc_attribute(VpcId="vpc-0123456789abcdef0", EnableDnsSupport={"Value": True})


# CIDR blocks -------------------------------------------------------------------------------------


def test_secondary_ipv4_blocks(ec2):
    vpc_id = _create(ec2)["VpcId"]
    reply = ec2.associate_vpc_cidr_block(VpcId=vpc_id, CidrBlock="10.1.0.0/16")
    association = reply["CidrBlockAssociation"]
    assert reply["VpcId"] == vpc_id and association["CidrBlock"] == "10.1.0.0/16"
    assert association["CidrBlockState"] == {"State": "associating"}
    assert association["AssociationId"].startswith("vpc-cidr-assoc-")
    ec2.associate_vpc_cidr_block(VpcId=vpc_id, CidrBlock="100.64.0.0/16")  # publicly routable ranges join any
    (vpc,) = ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"]
    blocks = [a["CidrBlock"] for a in vpc["CidrBlockAssociationSet"]]
    assert blocks == ["10.0.0.0/16", "10.1.0.0/16", "100.64.0.0/16"] and vpc["CidrBlock"] == "10.0.0.0/16"
    hit = ec2.describe_vpcs(
        Filters=[{"Name": "cidr-block-association.cidr-block", "Values": ["10.1.0.0/16"]}]
    )
    assert [v["VpcId"] for v in hit["Vpcs"]] == [vpc_id]
    # A subnet may use a secondary block; the block can't go while it does.
    subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.1.2.0/24")["Subnet"]["SubnetId"]
    with aws_error("DependencyViolation", 400):
        ec2.disassociate_vpc_cidr_block(AssociationId=association["AssociationId"])
    ec2.delete_subnet(SubnetId=subnet_id)
    gone = ec2.disassociate_vpc_cidr_block(AssociationId=association["AssociationId"])
    assert gone["CidrBlockAssociation"]["CidrBlockState"] == {"State": "disassociating"}
    (vpc,) = ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"]
    assert [a["CidrBlock"] for a in vpc["CidrBlockAssociationSet"]] == ["10.0.0.0/16", "100.64.0.0/16"]
    primary = vpc["CidrBlockAssociationSet"][0]["AssociationId"]
    with aws_error("OperationNotPermitted", 400, "It is the primary IPv4 CIDR block of the VPC"):
        ec2.disassociate_vpc_cidr_block(AssociationId=primary)
    with aws_error(
        "InvalidVpcCidrBlockAssociationID.NotFound",
        400,
        "The vpc CIDR block association ID 'vpc-cidr-assoc-0123456789abcdef0' does not exist",
    ):
        ec2.disassociate_vpc_cidr_block(AssociationId="vpc-cidr-assoc-0123456789abcdef0")


@pytest.mark.parametrize(
    ("primary", "block", "code", "message"),
    [
        ("10.0.0.0/16", "192.168.0.0/16", "InvalidVpc.Range", "The CIDR '192.168.0.0/16' is restricted."),
        ("10.0.0.0/16", "172.16.0.0/16", "InvalidVpc.Range", "is restricted"),
        ("172.16.0.0/16", "10.0.0.0/16", "InvalidVpc.Range", "is restricted"),
        ("100.64.0.0/16", "10.0.0.0/16", "InvalidVpc.Range", "is restricted"),
        ("10.0.0.0/16", "198.19.0.0/16", "InvalidVpc.Range", "is restricted"),
        ("10.0.0.0/16", "10.0.128.0/17", "CidrConflict", "The CIDR '10.0.128.0/17' conflicts"),
        ("10.0.0.0/16", "10.0.0.0/8", "InvalidVpc.Range", "The CIDR '10.0.0.0/8' is invalid."),
        ("10.0.0.0/16", "10.1.0.1/16", "InvalidParameterValue", "This is not a valid CIDR block."),
    ],
)
def test_secondary_block_errors(ec2, primary, block, code, message):
    vpc_id = _create(ec2, primary)["VpcId"]
    with aws_error(code, 400, message):
        ec2.associate_vpc_cidr_block(VpcId=vpc_id, CidrBlock=block)


def test_ipv4_block_quota_and_parameter_errors(ec2):
    vpc_id = _create(ec2)["VpcId"]
    for n in range(1, 5):
        ec2.associate_vpc_cidr_block(VpcId=vpc_id, CidrBlock=f"10.{n}.0.0/16")
    with aws_error(
        "CidrLimitExceeded", 400, f"This network '{vpc_id}' has met its maximum number of allowed CIDRs: 5"
    ):
        ec2.associate_vpc_cidr_block(VpcId=vpc_id, CidrBlock="10.9.0.0/16")
    with aws_error("InvalidParameterCombination", 400, "Exactly one of"):
        ec2.associate_vpc_cidr_block(VpcId=vpc_id)
    with aws_error("InvalidParameterCombination", 400, "Exactly one of"):
        ec2.associate_vpc_cidr_block(VpcId=vpc_id, CidrBlock="10.9.0.0/16", AmazonProvidedIpv6CidrBlock=True)
    with aws_error("InvalidVpcID.NotFound", 400):
        ec2.associate_vpc_cidr_block(VpcId="vpc-0123456789abcdef0", CidrBlock="10.9.0.0/16")


def test_amazon_provided_ipv6_block(ec2, server):
    created = _create(ec2, AmazonProvidedIpv6CidrBlock=True)
    (association,) = created["Ipv6CidrBlockAssociationSet"]
    block = association["Ipv6CidrBlock"]
    assert block.startswith("2600:1f") and block.endswith("00::/56")
    assert association["Ipv6Pool"] == "Amazon" and association["NetworkBorderGroup"] == "us-east-1"
    vpc_id = created["VpcId"]
    for name, value in [
        ("ipv6-cidr-block-association.ipv6-cidr-block", block),
        ("ipv6-cidr-block-association.ipv6-pool", "Amazon"),
        ("ipv6-cidr-block-association.association-id", association["AssociationId"]),
        ("ipv6-cidr-block-association.state", "associated"),
    ]:
        assert [
            v["VpcId"] for v in ec2.describe_vpcs(Filters=[{"Name": name, "Values": [value]}])["Vpcs"]
        ] == [vpc_id]
    with aws_error("CidrLimitExceeded", 400, "maximum number of allowed CIDRs: 1"):
        ec2.associate_vpc_cidr_block(VpcId=vpc_id, AmazonProvidedIpv6CidrBlock=True)
    gone = ec2.disassociate_vpc_cidr_block(AssociationId=association["AssociationId"])
    assert gone["Ipv6CidrBlockAssociation"]["Ipv6CidrBlockState"] == {"State": "disassociating"}
    assert "Ipv6CidrBlockAssociationSet" not in ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]
    again = ec2.associate_vpc_cidr_block(VpcId=vpc_id, AmazonProvidedIpv6CidrBlock=True)
    assert again["Ipv6CidrBlockAssociation"]["Ipv6CidrBlock"].endswith("00::/56")
    with aws_error("InvalidParameterValue", 400, "ipv6CidrBlockNetworkBorderGroup"):
        _create(
            ec2, "10.5.0.0/16", AmazonProvidedIpv6CidrBlock=True, Ipv6CidrBlockNetworkBorderGroup="mars-1"
        )
    with aws_error("InvalidPoolID.NotFound", 400):
        _create(ec2, "10.5.0.0/16", Ipv6Pool="ipv6pool-ec2-0123", Ipv6CidrBlock="2001:db8::/56")


# Default VPC ------------------------------------------------------------------------------------


def test_default_vpc_and_subnets_recreated(ec2):
    default = _default_vpc(ec2)
    with aws_error(
        "DefaultVpcAlreadyExists", 400, "A Default VPC already exists for this account in this region."
    ):
        ec2.create_default_vpc()
    zone_subnet = ec2.describe_subnets(Filters=[{"Name": "availability-zone", "Values": ["us-east-1c"]}])
    subnet = zone_subnet["Subnets"][0]
    with aws_error("DefaultSubnetAlreadyExistsInAvailabilityZone", 400, "us-east-1c"):
        ec2.create_default_subnet(AvailabilityZone="us-east-1c")
    ec2.delete_subnet(SubnetId=subnet["SubnetId"])
    recreated = ec2.create_default_subnet(AvailabilityZone="us-east-1c")["Subnet"]
    assert recreated["CidrBlock"] == subnet["CidrBlock"] and recreated["DefaultForAz"] is True
    assert recreated["MapPublicIpOnLaunch"] is True and recreated["VpcId"] == default["VpcId"]
    with aws_error(
        "InvalidParameterValue", 400, "Value (us-east-1z) for parameter availabilityZone is invalid."
    ):
        ec2.create_default_subnet(AvailabilityZone="us-east-1z")
    with aws_error("DependencyViolation", 400, f"The vpc '{default['VpcId']}' has dependencies"):
        ec2.delete_vpc(VpcId=default["VpcId"])  # its subnets and internet gateway
    assert delete_default_vpc(ec2) == default["VpcId"]
    attributes = ec2.describe_account_attributes(AttributeNames=["default-vpc"])["AccountAttributes"]
    assert attributes[0]["AttributeValues"] == [{"AttributeValue": "none"}]
    with aws_error("DefaultVpcDoesNotExist", 400):
        ec2.create_default_subnet(AvailabilityZone="us-east-1a")
    new = ec2.create_default_vpc()["Vpc"]
    assert (
        new["IsDefault"] is True and new["CidrBlock"] == "172.31.0.0/16" and new["VpcId"] != default["VpcId"]
    )
    assert len(ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"]) == 6
    assert _default_vpc(ec2)["VpcId"] == new["VpcId"]
    group = ec2.describe_security_groups(GroupNames=["default"])["SecurityGroups"][0]
    assert group["VpcId"] == new["VpcId"]


def test_vpc_filters_on_new_vpcs_and_paging(ec2):
    ids = [_create(ec2, f"10.{n}.0.0/16")["VpcId"] for n in range(3)]
    ec2.create_tags(Resources=[ids[1]], Tags=[{"Key": "tier", "Value": "web"}])
    assert [
        v["VpcId"] for v in ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["false"]}])["Vpcs"]
    ] == ids
    by_tag = ec2.describe_vpcs(Filters=[{"Name": "tag:tier", "Values": ["web"]}])["Vpcs"]
    assert [v["VpcId"] for v in by_tag] == [ids[1]]
    assert len(ec2.describe_vpcs(Filters=[{"Name": "tag-key", "Values": ["tier"]}])["Vpcs"]) == 1
    assert (
        len(
            ec2.describe_vpcs(Filters=[{"Name": "cidr-block-association.state", "Values": ["associated"]}])[
                "Vpcs"
            ]
        )
        == 4
    )
    page = ec2.describe_vpcs(MaxResults=5)
    assert len(page["Vpcs"]) == 4 and "NextToken" not in page
    with aws_error("InvalidParameterValue", 400, "Expecting a value between 5 and 1000."):
        ec2.describe_vpcs(MaxResults=1001)
