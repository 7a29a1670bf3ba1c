"""Subnets: create, delete, attributes, IPv6 blocks, filters, and instances launched into them."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ec2sim.store.ec2.images import public_images
from tests import test_authz_ec2 as shared
from tests.helpers import aws_error
from tests.test_authz_ec2 import UsersFactory, allow

user = shared.user  # the end-to-end authorization module's fixture


@pytest.fixture
def vpc_id(ec2):
    return ec2.create_vpc(CidrBlock="10.0.0.0/16", AmazonProvidedIpv6CidrBlock=True)["Vpc"]["VpcId"]


def _ipv6_block(ec2, vpc_id):
    return ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"]


def _sixty_four(block, n=0):
    return str(list(ipaddress.IPv6Network(block).subnets(new_prefix=64))[n])


def test_create_subnet(ec2, account_id, vpc_id):
    tags = [{"Key": "Name", "Value": "public-a"}]
    created = ec2.create_subnet(
        VpcId=vpc_id,
        CidrBlock="10.0.1.0/24",
        AvailabilityZone="us-east-1b",
        TagSpecifications=[{"ResourceType": "subnet", "Tags": tags}],
    )["Subnet"]
    assert created["State"] == "pending" and created["Tags"] == tags
    subnet_id = created["SubnetId"]
    (subnet,) = ec2.describe_subnets(SubnetIds=[subnet_id])["Subnets"]
    assert (
        subnet["VpcId"] == vpc_id and subnet["CidrBlock"] == "10.0.1.0/24" and subnet["State"] == "available"
    )
    assert subnet["AvailabilityZone"] == "us-east-1b" and subnet["AvailabilityZoneId"] == "use1-az1"
    assert subnet["AvailableIpAddressCount"] == 251 and subnet["DefaultForAz"] is False
    assert subnet["MapPublicIpOnLaunch"] is False and subnet["OwnerId"] == account_id
    assert subnet["SubnetArn"] == f"arn:aws:ec2:us-east-1:{account_id}:subnet/{subnet_id}"
    assert subnet["Ipv6CidrBlockAssociationSet"] == [] and subnet["Ipv6Native"] is False
    by_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.2.0/28", AvailabilityZoneId="use1-az4")["Subnet"]
    assert by_id["AvailabilityZone"] == "us-east-1d" and by_id["AvailableIpAddressCount"] == 11
    picked = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.3.0/24")["Subnet"]  # AWS picks a zone
    assert picked["AvailabilityZone"].startswith("us-east-1")
    with aws_error("DryRunOperation", 412):
        ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.4.0/24", DryRun=True)
    assert len(ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]) == 3
    ec2.delete_subnet(SubnetId=subnet_id)
    with aws_error("InvalidSubnetID.NotFound", 400, f"The subnet ID '{subnet_id}' does not exist"):
        ec2.delete_subnet(SubnetId=subnet_id)


@pytest.mark.parametrize(
    ("cidr", "code", "message"),
    [
        ("10.1.0.0/24", "InvalidSubnet.Range", "The CIDR '10.1.0.0/24' is invalid."),
        ("10.0.0.0/29", "InvalidSubnet.Range", "The CIDR '10.0.0.0/29' is invalid."),
        ("10.0.0.0/15", "InvalidSubnet.Range", "The CIDR '10.0.0.0/15' is invalid."),
        ("10.0.1.128/25", "InvalidSubnet.Conflict", "The CIDR '10.0.1.128/25' conflicts with another subnet"),
        ("10.0.0.0/16", "InvalidSubnet.Conflict", "conflicts with another subnet"),
        ("10.0.1.1/24", "InvalidParameterValue", "Value (10.0.1.1/24) for parameter cidrBlock is invalid."),
        ("nonsense", "InvalidParameterValue", "This is not a valid CIDR block."),
    ],
)
def test_create_subnet_cidr_errors(ec2, vpc_id, cidr, code, message):
    ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.1.0/24")
    with aws_error(code, 400, message):
        ec2.create_subnet(VpcId=vpc_id, CidrBlock=cidr)


def test_create_subnet_other_errors(ec2, vpc_id):
    with aws_error("InvalidVpcID.NotFound", 400, "The vpc ID 'vpc-0123456789abcdef0' does not exist"):
        ec2.create_subnet(VpcId="vpc-0123456789abcdef0", CidrBlock="10.0.1.0/24")
    with aws_error(
        "InvalidParameterValue",
        400,
        "Value (us-east-1z) for parameter availabilityZone is invalid. Subnets can currently only be created "
        "in the following availability zones: us-east-1a, us-east-1b",
    ):
        ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.1.0/24", AvailabilityZone="us-east-1z")
    with aws_error("InvalidParameterValue", 400, "parameter availabilityZoneId is invalid"):
        ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.1.0/24", AvailabilityZoneId="use1-az99")
    with aws_error("MissingParameter", 400, "The request must contain the parameter cidrBlock"):
        ec2.create_subnet(VpcId=vpc_id)
    with aws_error("InvalidPoolID.NotFound", 400):
        ec2.create_subnet(VpcId=vpc_id, Ipv4IpamPoolId="ipam-pool-0123", Ipv4NetmaskLength=24)
    with aws_error("InvalidParameterValue", 400, "'vpc' is not a valid taggable resource type"):
        ec2.create_subnet(
            VpcId=vpc_id,
            CidrBlock="10.0.1.0/24",
            TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "a", "Value": "b"}]}],
        )
    # A secondary block of the VPC takes subnets too.
    ec2.associate_vpc_cidr_block(VpcId=vpc_id, CidrBlock="10.1.0.0/16")
    assert ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.1.0.0/24")["Subnet"]["CidrBlock"] == "10.1.0.0/24"


def test_subnet_quota(ec2, vpc_id):
    blocks = ipaddress.IPv4Network("10.0.0.0/16").subnets(new_prefix=28)
    for _, block in zip(range(200), blocks, strict=False):
        ec2.create_subnet(VpcId=vpc_id, CidrBlock=str(block), AvailabilityZone="us-east-1a")
    with aws_error("SubnetLimitExceeded", 400, "The maximum number of subnets has been reached."):
        ec2.create_subnet(VpcId=vpc_id, CidrBlock=str(next(blocks)))


def test_instances_get_addresses_from_their_subnet(ec2, vpc_id):
    subnet = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.7.0/28", AvailabilityZone="us-east-1a")["Subnet"]
    image = next(i.id for i in public_images("us-east-1").values() if i.name.endswith("kernel-6.1-x86_64"))
    launched = ec2.run_instances(
        ImageId=image, MinCount=2, MaxCount=2, InstanceType="t3.micro", SubnetId=subnet["SubnetId"]
    )["Instances"]
    addresses = [i["PrivateIpAddress"] for i in launched]
    assert addresses == ["10.0.7.4", "10.0.7.5"]
    assert all(i["VpcId"] == vpc_id and "PublicIpAddress" not in i for i in launched)
    (group,) = launched[0]["SecurityGroups"]
    assert group["GroupName"] == "default"  # the new VPC's own default group
    (after,) = ec2.describe_subnets(SubnetIds=[subnet["SubnetId"]])["Subnets"]
    assert after["AvailableIpAddressCount"] == 9
    message = f"The subnet '{subnet['SubnetId']}' has dependencies and cannot be deleted."
    with aws_error("DependencyViolation", 400, message):
        ec2.delete_subnet(SubnetId=subnet["SubnetId"])
    with aws_error("DependencyViolation", 400, f"The vpc '{vpc_id}' has dependencies and cannot be deleted."):
        ec2.delete_vpc(VpcId=vpc_id)
    ec2.modify_subnet_attribute(SubnetId=subnet["SubnetId"], MapPublicIpOnLaunch={"Value": True})
    public = ec2.run_instances(
        ImageId=image, MinCount=1, MaxCount=1, InstanceType="t3.micro", SubnetId=subnet["SubnetId"]
    )["Instances"][0]
    assert public["PrivateIpAddress"] == "10.0.7.6"
    assert ec2.describe_instances(InstanceIds=[public["InstanceId"]])["Reservations"][0]["Instances"][0][
        "PublicIpAddress"
    ]


def test_modify_subnet_attribute(ec2, vpc_id):
    subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    with aws_error("InvalidParameterValue", 400, "Cannot set assignIpv6AddressOnCreation to true unless"):
        ec2.modify_subnet_attribute(SubnetId=subnet_id, AssignIpv6AddressOnCreation={"Value": True})
    block = _sixty_four(_ipv6_block(ec2, vpc_id))
    ec2.associate_subnet_cidr_block(SubnetId=subnet_id, Ipv6CidrBlock=block)
    changes = [
        {"MapPublicIpOnLaunch": {"Value": True}},
        {"AssignIpv6AddressOnCreation": {"Value": True}},
        {"EnableDns64": {"Value": True}},
        {"PrivateDnsHostnameTypeOnLaunch": "resource-name"},
        {"EnableResourceNameDnsARecordOnLaunch": {"Value": True}},
        {"EnableResourceNameDnsAAAARecordOnLaunch": {"Value": True}},
    ]
    for change in changes:
        ec2.modify_subnet_attribute(SubnetId=subnet_id, **change)
    (subnet,) = ec2.describe_subnets(SubnetIds=[subnet_id])["Subnets"]
    assert subnet["MapPublicIpOnLaunch"] is True and subnet["AssignIpv6AddressOnCreation"] is True
    assert subnet["EnableDns64"] is True
    assert subnet["PrivateDnsNameOptionsOnLaunch"] == {
        "HostnameType": "resource-name",
        "EnableResourceNameDnsARecord": True,
        "EnableResourceNameDnsAAAARecord": True,
    }
    with aws_error("InvalidParameterCombination", 400, "Fields for multiple attribute types specified"):
        ec2.modify_subnet_attribute(
            SubnetId=subnet_id, MapPublicIpOnLaunch={"Value": True}, EnableDns64={"Value": True}
        )
    with aws_error("InvalidParameterCombination", 400, "No attributes specified."):
        ec2.modify_subnet_attribute(SubnetId=subnet_id)
    with aws_error(
        "InvalidParameterValue", 400, "Value (bogus) for parameter privateDnsHostnameTypeOnLaunch"
    ):
        ec2.modify_subnet_attribute(SubnetId=subnet_id, PrivateDnsHostnameTypeOnLaunch="bogus")
    with aws_error("InvalidParameterValue", 400, "only supported for subnets on an Outpost"):
        ec2.modify_subnet_attribute(SubnetId=subnet_id, MapCustomerOwnedIpOnLaunch={"Value": True})
    with aws_error("InvalidParameterValue", 400, "only supported for subnets on an Outpost"):
        ec2.modify_subnet_attribute(SubnetId=subnet_id, EnableLniAtDeviceIndex=1)
    with aws_error(
        "InvalidSubnetID.NotFound", 400, "The subnet ID 'subnet-0123456789abcdef0' does not exist"
    ):
        ec2.modify_subnet_attribute(SubnetId="subnet-0123456789abcdef0", MapPublicIpOnLaunch={"Value": True})


def test_subnet_ipv6_blocks(ec2, vpc_id):
    vpc_block = _ipv6_block(ec2, vpc_id)
    first, second = _sixty_four(vpc_block), _sixty_four(vpc_block, 1)
    subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.1.0/24", Ipv6CidrBlock=first)["Subnet"][
        "SubnetId"
    ]
    other_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.2.0/24")["Subnet"]["SubnetId"]
    with aws_error("InvalidSubnet.Conflict", 400, f"The CIDR '{first}' conflicts with another subnet"):
        ec2.associate_subnet_cidr_block(SubnetId=other_id, Ipv6CidrBlock=first)
    with aws_error("InvalidSubnet.Range", 400, "The CIDR '2001:db8::/64' is invalid."):
        ec2.associate_subnet_cidr_block(SubnetId=other_id, Ipv6CidrBlock="2001:db8::/64")
    sixty_three = str(ipaddress.IPv6Network(second).supernet())
    with aws_error("InvalidSubnet.Range", 400, "is invalid."):
        ec2.associate_subnet_cidr_block(SubnetId=other_id, Ipv6CidrBlock=sixty_three)
    with aws_error("InvalidParameterValue", 400, "This is not a valid IPv6 CIDR block."):
        ec2.associate_subnet_cidr_block(SubnetId=other_id, Ipv6CidrBlock="2600::zz/64")
    reply = ec2.associate_subnet_cidr_block(SubnetId=other_id, Ipv6CidrBlock=second)
    association = reply["Ipv6CidrBlockAssociation"]
    assert reply["SubnetId"] == other_id and association["Ipv6CidrBlock"] == second
    assert association["Ipv6CidrBlockState"] == {"State": "associating"}
    assert association["AssociationId"].startswith("subnet-cidr-assoc-")
    with aws_error("CidrLimitExceeded", 400, f"This network '{other_id}' has met its maximum number"):
        ec2.associate_subnet_cidr_block(SubnetId=other_id, Ipv6CidrBlock=_sixty_four(vpc_block, 2))
    (subnet,) = ec2.describe_subnets(SubnetIds=[other_id])["Subnets"]
    assert subnet["Ipv6CidrBlockAssociationSet"] == [
        {
            "AssociationId": association["AssociationId"],
            "Ipv6CidrBlock": second,
            "Ipv6CidrBlockState": {"State": "associated"},
        }
    ]
    # The VPC's /56 can't go while subnets use it.
    vpc_association = ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]["Ipv6CidrBlockAssociationSet"][0]
    with aws_error("DependencyViolation", 400):
        ec2.disassociate_vpc_cidr_block(AssociationId=vpc_association["AssociationId"])
    gone = ec2.disassociate_subnet_cidr_block(AssociationId=association["AssociationId"])
    assert gone["Ipv6CidrBlockAssociation"]["Ipv6CidrBlockState"] == {"State": "disassociating"}
    assert ec2.describe_subnets(SubnetIds=[other_id])["Subnets"][0]["Ipv6CidrBlockAssociationSet"] == []
    with aws_error(
        "InvalidSubnetCidrBlockAssociationID.NotFound",
        400,
        f"The subnet CIDR block with association ID '{association['AssociationId']}' does not exist",
    ):
        ec2.disassociate_subnet_cidr_block(AssociationId=association["AssociationId"])
    with aws_error("MissingParameter", 400, "ipv6CidrBlock"):
        ec2.associate_subnet_cidr_block(SubnetId=other_id)
    with aws_error("InvalidSubnetID.NotFound", 400):
        ec2.associate_subnet_cidr_block(SubnetId="subnet-0123456789abcdef0", Ipv6CidrBlock=second)
    # A subnet of a VPC without IPv6 has no block to take from.
    plain = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    plain_subnet = ec2.create_subnet(VpcId=plain, CidrBlock="10.9.0.0/24")["Subnet"]["SubnetId"]
    with aws_error("InvalidSubnet.Range", 400):
        ec2.associate_subnet_cidr_block(SubnetId=plain_subnet, Ipv6CidrBlock=second)
    assert subnet_id


def test_ipv6_native_subnet(ec2, vpc_id):
    block = _sixty_four(_ipv6_block(ec2, vpc_id), 3)
    subnet = ec2.create_subnet(VpcId=vpc_id, Ipv6Native=True, Ipv6CidrBlock=block)["Subnet"]
    assert subnet["Ipv6Native"] is True and "CidrBlock" not in subnet
    assert subnet["AssignIpv6AddressOnCreation"] is True and subnet["AvailableIpAddressCount"] == 0
    association = subnet["Ipv6CidrBlockAssociationSet"][0]["AssociationId"]
    with aws_error("OperationNotPermitted", 400):
        ec2.disassociate_subnet_cidr_block(AssociationId=association)
    with aws_error("InvalidParameterCombination", 400, "IPv6-native"):
        ec2.create_subnet(VpcId=vpc_id, Ipv6Native=True, CidrBlock="10.0.1.0/24")
    hits = ec2.describe_subnets(Filters=[{"Name": "ipv6-native", "Values": ["true"]}])["Subnets"]
    assert [s["SubnetId"] for s in hits] == [subnet["SubnetId"]]


def test_subnet_filters(ec2, vpc_id):
    block = _sixty_four(_ipv6_block(ec2, vpc_id))
    subnet = ec2.create_subnet(
        VpcId=vpc_id, CidrBlock="10.0.1.0/24", AvailabilityZone="us-east-1d", Ipv6CidrBlock=block
    )["Subnet"]
    subnet_id = subnet["SubnetId"]
    association = subnet["Ipv6CidrBlockAssociationSet"][0]["AssociationId"]
    ec2.modify_subnet_attribute(SubnetId=subnet_id, EnableDns64={"Value": True})
    ec2.modify_subnet_attribute(SubnetId=subnet_id, PrivateDnsHostnameTypeOnLaunch="resource-name")
    ec2.create_tags(Resources=[subnet_id], Tags=[{"Key": "tier", "Value": "app"}])
    mine = [
        ("vpc-id", vpc_id),
        ("availability-zone", "us-east-1d"),
        ("cidr-block", "10.0.1.0/24"),
        ("cidrBlock", "10.0.1.*"),
        ("enable-dns64", "true"),
        ("ipv6-cidr-block-association.ipv6-cidr-block", block),
        ("ipv6-cidr-block-association.association-id", association),
        ("ipv6-cidr-block-association.state", "associated"),
        ("private-dns-name-options-on-launch.hostname-type", "resource-name"),
        ("tag:tier", "app"),
        ("tag-value", "app"),
        ("subnet-id", subnet_id),
    ]
    for name, value in mine:
        in_vpc = {"Name": "vpc-id", "Values": [vpc_id]} if name == "availability-zone" else {}
        filters = [{"Name": name, "Values": [value]}, *([in_vpc] if in_vpc else [])]
        found = ec2.describe_subnets(Filters=filters)["Subnets"]
        assert [s["SubnetId"] for s in found] == [subnet_id], name
    counts = [
        ("ipv6-native", "false", 7),
        ("map-customer-owned-ip-on-launch", "false", 7),
        ("private-dns-name-options-on-launch.enable-resource-name-dns-a-record", "false", 7),
        ("private-dns-name-options-on-launch.enable-resource-name-dns-aaaa-record", "false", 7),
        ("customer-owned-ipv4-pool", "*", 0),
        ("outpost-arn", "*", 0),
        ("enable-lni-at-device-index", "*", 0),
        ("default-for-az", "false", 1),
    ]
    for name, value, count in counts:
        assert len(ec2.describe_subnets(Filters=[{"Name": name, "Values": [value]}])["Subnets"]) == count, (
            name
        )
    with aws_error("InvalidParameterValue", 400, "The filter 'bogus' is invalid"):
        ec2.describe_subnets(Filters=[{"Name": "bogus", "Values": ["x"]}])


def test_authorization_on_vpcs_and_subnets(user: UsersFactory, ec2, account_id):
    """CreateVpc on vpc/* with request tags; CreateSubnet on subnet/* (ec2:Vpc) and on its VPC;
    ModifyVpcAttribute with ec2:Attribute; DeleteSubnet on the subnet with its tags."""
    vpc_arn = f"arn:aws:ec2:us-east-1:{account_id}:vpc"
    subnet_arn = f"arn:aws:ec2:us-east-1:{account_id}:subnet"
    client = user(
        "networker",
        allow("ec2:CreateVpc", f"{vpc_arn}/*", Condition={"StringEquals": {"aws:RequestTag/team": "net"}}),
        allow(
            "ec2:CreateTags",
            "*",
            Condition={"StringEquals": {"ec2:CreateAction": ["CreateVpc", "CreateSubnet"]}},
        ),
        allow(
            "ec2:ModifyVpcAttribute", "*", Condition={"StringEquals": {"ec2:Attribute": "enableDnsHostnames"}}
        ),
        allow("ec2:CreateSubnet", f"{subnet_arn}/*", Condition={"StringLike": {"ec2:Vpc": f"{vpc_arn}/*"}}),
        allow("ec2:DeleteSubnet", "*", Condition={"StringEquals": {"aws:ResourceTag/team": "net"}}),
    )
    team = [{"ResourceType": "vpc", "Tags": [{"Key": "team", "Value": "net"}]}]
    with aws_error("UnauthorizedOperation", 403, "ec2:CreateVpc"):
        client.create_vpc(CidrBlock="10.0.0.0/16")
    vpc_id = client.create_vpc(CidrBlock="10.0.0.0/16", TagSpecifications=team)["Vpc"]["VpcId"]
    client.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={"Value": True})
    with aws_error("UnauthorizedOperation", 403, "ec2:ModifyVpcAttribute"):
        client.modify_vpc_attribute(VpcId=vpc_id, EnableDnsSupport={"Value": False})
    with aws_error("UnauthorizedOperation", 403, f"vpc/{vpc_id}"):  # the VPC's own ARN is not allowed
        client.create_subnet(VpcId=vpc_id, CidrBlock="10.0.1.0/24")
    ec2.create_vpc(CidrBlock="10.1.0.0/16")  # the root user isn't bound by policies
    subnet_tags = [{"ResourceType": "subnet", "Tags": [{"Key": "team", "Value": "net"}]}]
    subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.1.0/24", TagSpecifications=subnet_tags)[
        "Subnet"
    ]["SubnetId"]
    other_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.2.0/24")["Subnet"]["SubnetId"]
    with aws_error("UnauthorizedOperation", 403, f"subnet/{other_id}"):
        client.delete_subnet(SubnetId=other_id)
    client.delete_subnet(SubnetId=subnet_id)


_OCTET = st.integers(0, 255)
_CIDRS = st.one_of(
    st.text(max_size=24),
    st.builds(
        lambda a, b, c, d, n: f"{a}.{b}.{c}.{d}/{n}", _OCTET, _OCTET, _OCTET, _OCTET, st.integers(-1, 40)
    ),
    st.builds(lambda a, n: f"10.0.{a}.0/{n}", _OCTET, st.integers(14, 30)),
)


@given(vpc_cidr=_CIDRS, subnet_cidr=_CIDRS)
def test_cidr_input_never_breaks_the_server(ec2, vpc_id, vpc_cidr, subnet_cidr):
    """Whatever the CIDR text, CreateVpc and CreateSubnet answer with a 4xx error or succeed."""
    for call in (
        lambda: ec2.create_vpc(CidrBlock=vpc_cidr, DryRun=False),
        lambda: ec2.create_subnet(VpcId=vpc_id, CidrBlock=subnet_cidr),
        lambda: ec2.associate_vpc_cidr_block(VpcId=vpc_id, CidrBlock=vpc_cidr),
    ):
        try:
            reply = call()
        except ec2.exceptions.ClientError as error:
            assert 400 <= error.response["ResponseMetadata"]["HTTPStatusCode"] < 500, error.response
        else:
            created = reply.get("Vpc") or reply.get("Subnet") or reply.get("CidrBlockAssociation")
            assert created is not None
            if "Vpc" in reply:
                ec2.delete_vpc(VpcId=reply["Vpc"]["VpcId"])
            elif "Subnet" in reply:
                ec2.delete_subnet(SubnetId=reply["Subnet"]["SubnetId"])
            else:
                ec2.disassociate_vpc_cidr_block(AssociationId=created["AssociationId"])
