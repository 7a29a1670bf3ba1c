"""Route tables, their associations and routes."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from hypothesis import given
from hypothesis import strategies as st

from tests.helpers import aws_error

RTB_TAGS = [{"ResourceType": "route-table", "Tags": [{"Key": "Name", "Value": "public"}]}]


def _default_vpc(ec2: Any) -> str:
    return str(ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"])


def other_vpc(ec2: Any) -> tuple[str, str]:
    """A second VPC (10.0.0.0/16) with one subnet."""
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    return vpc, ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]


def _dependencies(kind: str, resource_id: str) -> Any:
    return aws_error(
        "DependencyViolation", 400, f"The {kind} '{resource_id}' has dependencies and cannot be deleted."
    )


def _main(ec2: Any, vpc: str) -> dict[str, Any]:
    filters = [{"Name": "vpc-id", "Values": [vpc]}, {"Name": "association.main", "Values": ["true"]}]
    tables: list[dict[str, Any]] = ec2.describe_route_tables(Filters=filters)["RouteTables"]
    assert len(tables) == 1
    return tables[0]


def test_the_default_vpc_main_route_table(ec2: Any, account_id: str) -> None:
    vpc = _default_vpc(ec2)
    table = _main(ec2, vpc)
    igw = ec2.describe_internet_gateways()["InternetGateways"][0]["InternetGatewayId"]
    assert table["OwnerId"] == account_id and table["VpcId"] == vpc
    assert table["Routes"] == [
        {
            "DestinationCidrBlock": "172.31.0.0/16",
            "GatewayId": "local",
            "Origin": "CreateRouteTable",
            "State": "active",
        },
        {"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": igw, "Origin": "CreateRoute", "State": "active"},
    ]
    [association] = table["Associations"]
    assert association["Main"] is True and association["RouteTableAssociationId"].startswith("rtbassoc-")
    assert association["AssociationState"] == {"State": "associated"} and "SubnetId" not in association


def test_route_table_lifecycle_and_associations(ec2: Any) -> None:
    vpc = _default_vpc(ec2)
    subnet = ec2.describe_subnets()["Subnets"][0]["SubnetId"]
    reply = ec2.create_route_table(VpcId=vpc, TagSpecifications=RTB_TAGS, ClientToken="tok")
    table = reply["RouteTable"]
    rtb = table["RouteTableId"]
    assert table["Routes"] == [
        {
            "DestinationCidrBlock": "172.31.0.0/16",
            "GatewayId": "local",
            "Origin": "CreateRouteTable",
            "State": "active",
        }
    ]
    assert table["Associations"] == [] and table["Tags"] == [{"Key": "Name", "Value": "public"}]
    retry = ec2.create_route_table(VpcId=vpc, TagSpecifications=RTB_TAGS, ClientToken="tok")
    assert retry["RouteTable"]["RouteTableId"] == rtb
    with aws_error(
        "IdempotentParameterMismatch", 400, "inconsistent with arguments used in previous request"
    ):
        ec2.create_route_table(VpcId=vpc, ClientToken="tok")

    association = ec2.associate_route_table(RouteTableId=rtb, SubnetId=subnet)
    assert association["AssociationState"] == {"State": "associated"}
    with aws_error(
        "Resource.AlreadyAssociated", 400, f"route table {rtb} conflicts with an existing association"
    ):
        ec2.associate_route_table(RouteTableId=rtb, SubnetId=subnet)
    with aws_error(
        "DependencyViolation", 400, f"The routeTable '{rtb}' has dependencies and cannot be deleted."
    ):
        ec2.delete_route_table(RouteTableId=rtb)
    found = ec2.describe_route_tables(Filters=[{"Name": "association.subnet-id", "Values": [subnet]}])
    assert [t["RouteTableId"] for t in found["RouteTables"]] == [rtb]

    # The main association moves to the new table, and back.
    main = _main(ec2, vpc)
    old_main = main["RouteTableId"]
    main_association = main["Associations"][0]["RouteTableAssociationId"]
    with aws_error(
        "InvalidParameterValue",
        400,
        f"cannot disassociate the main route table association {main_association}",
    ):
        ec2.disassociate_route_table(AssociationId=main_association)
    moved = ec2.replace_route_table_association(AssociationId=main_association, RouteTableId=rtb)
    assert moved["NewAssociationId"] != main_association and _main(ec2, vpc)["RouteTableId"] == rtb
    with aws_error(
        "InvalidAssociationID.NotFound", 400, f"The association ID '{main_association}' does not exist"
    ):
        ec2.replace_route_table_association(AssociationId=main_association, RouteTableId=rtb)
    ec2.replace_route_table_association(AssociationId=moved["NewAssociationId"], RouteTableId=old_main)

    ec2.disassociate_route_table(AssociationId=association["AssociationId"])
    ec2.delete_route_table(RouteTableId=rtb)
    with aws_error("InvalidRouteTableID.NotFound", 400, f"The routeTable ID '{rtb}' does not exist"):
        ec2.describe_route_tables(RouteTableIds=[rtb])


def test_gateway_associations(ec2: Any) -> None:
    vpc = _default_vpc(ec2)
    igw = ec2.describe_internet_gateways()["InternetGateways"][0]["InternetGatewayId"]
    rtb = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    edge = ec2.associate_route_table(RouteTableId=rtb, GatewayId=igw)["AssociationId"]
    with aws_error("Resource.AlreadyAssociated", 400):
        ec2.associate_route_table(RouteTableId=rtb, GatewayId=igw)
    found = ec2.describe_route_tables(Filters=[{"Name": "association.gateway-id", "Values": [igw]}])[
        "RouteTables"
    ]
    assert found[0]["Associations"][0]["GatewayId"] == igw
    ec2.disassociate_route_table(AssociationId=edge)
    unattached = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    with aws_error("InvalidParameterValue", 400, "belong to different networks"):
        ec2.associate_route_table(RouteTableId=rtb, GatewayId=unattached)
    with aws_error("MissingParameter", 400, "subnetId or gatewayId"):
        ec2.associate_route_table(RouteTableId=rtb)


def test_association_across_vpcs_is_refused(ec2: Any) -> None:
    other, other_subnet = other_vpc(ec2)
    rtb = ec2.create_route_table(VpcId=_default_vpc(ec2))["RouteTable"]["RouteTableId"]
    with aws_error(
        "InvalidParameterValue",
        400,
        f"Route table {rtb} and subnet {other_subnet} belong to different networks",
    ):
        ec2.associate_route_table(RouteTableId=rtb, SubnetId=other_subnet)
    main = _main(ec2, other)
    assert main["Routes"][0]["DestinationCidrBlock"] == "10.0.0.0/16" and len(main["Routes"]) == 1
    with aws_error("InvalidParameterValue", 400, "belong to different networks"):
        ec2.replace_route_table_association(
            AssociationId=main["Associations"][0]["RouteTableAssociationId"], RouteTableId=rtb
        )
    ec2.delete_subnet(SubnetId=other_subnet)
    made = ec2.create_route_table(VpcId=other)["RouteTable"]["RouteTableId"]
    with _dependencies("vpc", other):
        ec2.delete_vpc(VpcId=other)
    ec2.delete_route_table(RouteTableId=made)
    ec2.delete_vpc(VpcId=other)  # its main route table and default ACL go with it


def test_routes(ec2: Any, server: Any, account_id: str) -> None:
    vpc = _default_vpc(ec2)
    rtb = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    igw = ec2.describe_internet_gateways()["InternetGateways"][0]["InternetGatewayId"]
    subnet = ec2.describe_subnets()["Subnets"][0]["SubnetId"]
    nat = ec2.create_nat_gateway(SubnetId=subnet, ConnectivityType="private")["NatGateway"]["NatGatewayId"]
    eigw = ec2.create_egress_only_internet_gateway(VpcId=vpc)["EgressOnlyInternetGateway"][
        "EgressOnlyInternetGatewayId"
    ]
    assert (
        ec2.create_route(RouteTableId=rtb, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)["Return"] is True
    )
    ec2.create_route(RouteTableId=rtb, DestinationCidrBlock="10.1.0.0/16", NatGatewayId=nat)
    ec2.create_route(RouteTableId=rtb, DestinationIpv6CidrBlock="::/0", EgressOnlyInternetGatewayId=eigw)
    peer_vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    pcx = ec2.create_vpc_peering_connection(VpcId=vpc, PeerVpcId=peer_vpc)["VpcPeeringConnection"][
        "VpcPeeringConnectionId"
    ]
    ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx)
    ec2.create_route(
        RouteTableId=rtb, DestinationPrefixListId="pl-0123456789abcdef0", VpcPeeringConnectionId=pcx
    )
    ami = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    instance = ec2.run_instances(ImageId=ami, MinCount=1, MaxCount=1, SubnetId=subnet)["Instances"][0]
    ec2.create_route(RouteTableId=rtb, DestinationCidrBlock="10.2.0.0/16", InstanceId=instance["InstanceId"])
    eni = instance["NetworkInterfaces"][0]["NetworkInterfaceId"]
    ec2.create_route(RouteTableId=rtb, DestinationCidrBlock="10.3.0.0/16", NetworkInterfaceId=eni)
    with aws_error("RouteAlreadyExists", 400, "The route identified by 0.0.0.0/0 already exists."):
        ec2.create_route(RouteTableId=rtb, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    with aws_error("RouteAlreadyExists", 400, "The route identified by 172.31.0.0/16 already exists."):
        ec2.create_route(RouteTableId=rtb, DestinationCidrBlock="172.31.0.0/16", GatewayId=igw)

    routes = {
        r.get("DestinationCidrBlock") or r.get("DestinationIpv6CidrBlock") or r["DestinationPrefixListId"]: r
        for r in ec2.describe_route_tables(RouteTableIds=[rtb])["RouteTables"][0]["Routes"]
    }
    assert (
        routes["10.2.0.0/16"]["InstanceOwnerId"] == account_id
        and routes["10.2.0.0/16"]["NetworkInterfaceId"] == eni
    )
    assert {d: r["State"] for d, r in routes.items()} == dict.fromkeys(routes, "active")

    def ids(name: str, value: str) -> list[str]:
        return [
            t["RouteTableId"]
            for t in ec2.describe_route_tables(Filters=[{"Name": name, "Values": [value]}])["RouteTables"]
        ]

    assert ids("route.nat-gateway-id", nat) == [rtb]
    assert ids("route.egress-only-internet-gateway-id", eigw) == [rtb]
    assert ids("route.instance-id", instance["InstanceId"]) == [rtb]
    assert ids("route.vpc-peering-connection-id", pcx) == [rtb]
    assert ids("route.destination-prefix-list-id", "pl-0123456789abcdef0") == [rtb]
    assert ids("route.destination-ipv6-cidr-block", "::/0") == [rtb]
    assert ids("route.destination-cidr-block", "10.1.0.0/16") == [rtb]
    assert set(ids("route.gateway-id", igw)) == {rtb, _main(ec2, vpc)["RouteTableId"]}
    assert len(ids("route.origin", "CreateRouteTable")) == 3 and ids(
        "owner-id", account_id
    )  # and the peer VPC

    # Targets that go make blackholes.
    ec2.delete_nat_gateway(NatGatewayId=nat)
    ec2.terminate_instances(InstanceIds=[instance["InstanceId"]])
    assert ids("route.state", "blackhole") == [rtb]
    states = {
        r.get("DestinationCidrBlock"): r["State"]
        for r in ec2.describe_route_tables(RouteTableIds=[rtb])["RouteTables"][0]["Routes"]
    }
    assert states["10.1.0.0/16"] == "blackhole" and states["10.2.0.0/16"] == "blackhole"

    ec2.replace_route(RouteTableId=rtb, DestinationCidrBlock="10.1.0.0/16", GatewayId=igw)
    with aws_error(
        "InvalidRoute.NotFound",
        400,
        "There is no route defined for '10.9.0.0/16' in the route table. Use CreateRoute instead.",
    ):
        ec2.replace_route(RouteTableId=rtb, DestinationCidrBlock="10.9.0.0/16", GatewayId=igw)
    ec2.replace_route(RouteTableId=rtb, DestinationCidrBlock="172.31.0.0/16", LocalTarget=True)
    ec2.delete_route(RouteTableId=rtb, DestinationCidrBlock="10.1.0.0/16")
    with aws_error(
        "InvalidRoute.NotFound", 400, f"no route with destination-cidr-block 10.1.0.0/16 in route table {rtb}"
    ):
        ec2.delete_route(RouteTableId=rtb, DestinationCidrBlock="10.1.0.0/16")
    with aws_error(
        "InvalidParameterValue", 400, f"cannot remove local route 172.31.0.0/16 in route table {rtb}"
    ):
        ec2.delete_route(RouteTableId=rtb, DestinationCidrBlock="172.31.0.0/16")
    ec2.delete_route(RouteTableId=rtb, DestinationIpv6CidrBlock="::/0")
    ec2.delete_route(RouteTableId=rtb, DestinationPrefixListId="pl-0123456789abcdef0")


@pytest.mark.parametrize(
    "params, code, message",
    [
        ({"DestinationCidrBlock": "10.0.0.0/8"}, "MissingParameter", "gatewayId"),
        ({"GatewayId": "IGW"}, "MissingParameter", "destinationCidrBlock"),
        (
            {"DestinationCidrBlock": "10.0.0.0", "GatewayId": "IGW"},
            "InvalidParameterValue",
            "This is not a valid CIDR block",
        ),
        (
            {"DestinationCidrBlock": "::/0", "GatewayId": "IGW"},
            "InvalidParameterValue",
            "(::/0) for parameter destinationCidrBlock",
        ),
        (
            {"DestinationIpv6CidrBlock": "10.0.0.0/8", "GatewayId": "IGW"},
            "InvalidParameterValue",
            "destinationIpv6CidrBlock",
        ),
        (
            {"DestinationPrefixListId": "prefix", "GatewayId": "IGW"},
            "InvalidPrefixListId.Malformed",
            'Invalid id: "prefix"',
        ),
        (
            {"DestinationCidrBlock": "10.0.0.0/8", "DestinationIpv6CidrBlock": "::/0", "GatewayId": "IGW"},
            "InvalidParameterCombination",
            "Only one of",
        ),
        (
            {
                "DestinationCidrBlock": "10.0.0.0/8",
                "GatewayId": "IGW",
                "NatGatewayId": "nat-00000000000000001",
            },
            "InvalidParameterCombination",
            "More than one target",
        ),
        (
            {"DestinationCidrBlock": "10.0.0.0/8", "GatewayId": "igw-00000000000000001"},
            "InvalidInternetGatewayID.NotFound",
            "does not exist",
        ),
        (
            {"DestinationCidrBlock": "10.0.0.0/8", "GatewayId": "vgw-00000000000000001"},
            "InvalidGatewayID.NotFound",
            "The gateway ID 'vgw-00000000000000001' does not exist",
        ),
        (
            {"DestinationCidrBlock": "10.0.0.0/8", "NatGatewayId": "nat-00000000000000001"},
            "NatGatewayNotFound",
            "was not found",
        ),
        (
            {"DestinationCidrBlock": "10.0.0.0/8", "InstanceId": "i-00000000000000001"},
            "InvalidInstanceID.NotFound",
            "does not exist",
        ),
        (
            {"DestinationCidrBlock": "10.0.0.0/8", "NetworkInterfaceId": "eni-00000000000000001"},
            "InvalidNetworkInterfaceID.NotFound",
            "does not exist",
        ),
        (
            {"DestinationCidrBlock": "10.0.0.0/8", "VpcPeeringConnectionId": "peer"},
            "InvalidVpcPeeringConnectionId.Malformed",
            'Invalid id: "peer"',
        ),
        (
            {"DestinationCidrBlock": "10.0.0.0/8", "TransitGatewayId": "tgw-00000000000000001"},
            "InvalidTransitGatewayID.NotFound",
            "does not exist",
        ),
        (
            {"DestinationCidrBlock": "10.0.0.0/8", "EgressOnlyInternetGatewayId": "eigw-00000000000000001"},
            "InvalidParameterValue",
            "IPv6",
        ),
        (
            {"DestinationCidrBlock": "10.0.0.0/8", "GatewayId": "local"},
            "InvalidParameterValue",
            "local route",
        ),
    ],
)
def test_create_route_errors(ec2: Any, params: dict[str, Any], code: str, message: str) -> None:
    rtb = _main(ec2, _default_vpc(ec2))["RouteTableId"]
    if params.get("GatewayId") == "IGW":
        params["GatewayId"] = ec2.describe_internet_gateways()["InternetGateways"][0]["InternetGatewayId"]
    with aws_error(code, 400, message):
        ec2.create_route(RouteTableId=rtb, **params)


def test_route_table_errors(ec2: Any) -> None:
    with aws_error(
        "InvalidRouteTableID.NotFound", 400, "The routeTable ID 'rtb-00000000000000001' does not exist"
    ):
        ec2.create_route(
            RouteTableId="rtb-00000000000000001", DestinationCidrBlock="10.0.0.0/8", GatewayId="igw-1"
        )
    with aws_error("InvalidRouteTableId.Malformed", 400, 'Invalid id: "table" (expecting "rtb-...")'):
        ec2.delete_route_table(RouteTableId="table")
    with aws_error("InvalidVpcID.NotFound", 400, "The vpc ID 'vpc-00000000000000001' does not exist"):
        ec2.create_route_table(VpcId="vpc-00000000000000001")
    with aws_error("InvalidAssociationID.NotFound", 400, "The association ID 'rtbassoc-1' does not exist"):
        ec2.disassociate_route_table(AssociationId="rtbassoc-1")
    with aws_error("InvalidSubnetID.NotFound", 400):
        ec2.associate_route_table(
            RouteTableId=_main(ec2, _default_vpc(ec2))["RouteTableId"], SubnetId="subnet-00000000000000001"
        )
    main = _main(ec2, _default_vpc(ec2))["RouteTableId"]
    with aws_error("DependencyViolation", 400, f"The routeTable '{main}' has dependencies"):
        ec2.delete_route_table(RouteTableId=main)
    with aws_error("InvalidParameterValue", 400, "The filter 'route.nope' is invalid"):
        ec2.describe_route_tables(Filters=[{"Name": "route.nope", "Values": ["x"]}])
    with aws_error("InvalidParameterValue", 400, "'vpc' is not a valid taggable resource type"):
        ec2.create_route_table(
            VpcId=_default_vpc(ec2), TagSpecifications=[{"ResourceType": "vpc", "Tags": []}]
        )


def test_route_table_filters_and_paging(ec2: Any) -> None:
    vpc = _default_vpc(ec2)
    made = [
        ec2.create_route_table(VpcId=vpc, TagSpecifications=RTB_TAGS)["RouteTable"]["RouteTableId"]
        for _ in range(6)
    ]
    tagged = ec2.describe_route_tables(Filters=[{"Name": "tag:Name", "Values": ["public"]}])["RouteTables"]
    assert {t["RouteTableId"] for t in tagged} == set(made)
    first = ec2.describe_route_tables(MaxResults=5)
    assert len(first["RouteTables"]) == 5
    rest = ec2.describe_route_tables(MaxResults=5, NextToken=first["NextToken"])
    assert len(rest["RouteTables"]) == 2 and "NextToken" not in rest
    not_main = ec2.describe_route_tables(Filters=[{"Name": "association.main", "Values": ["false"]}])[
        "RouteTables"
    ]
    assert {t["RouteTableId"] for t in not_main} == set(made)
    assert [
        t["RouteTableId"]
        for t in ec2.describe_route_tables(Filters=[{"Name": "route-table-id", "Values": [made[0]]}])[
            "RouteTables"
        ]
    ] == [made[0]]


_CIDRISH = st.one_of(
    st.text(max_size=24),
    st.from_regex(r"[0-9]{1,3}(\.[0-9]{1,3}){3}/[0-9]{1,3}", fullmatch=True),
    st.from_regex(r"[0-9a-f:]{0,20}/[0-9]{1,3}", fullmatch=True),
)


@given(
    destination=st.sampled_from(
        ["DestinationCidrBlock", "DestinationIpv6CidrBlock", "DestinationPrefixListId"]
    ),
    value=_CIDRISH,
    target=st.sampled_from(
        [
            "GatewayId",
            "NatGatewayId",
            "InstanceId",
            "NetworkInterfaceId",
            "VpcPeeringConnectionId",
            "EgressOnlyInternetGatewayId",
            "TransitGatewayId",
        ]
    ),
    target_id=st.text(max_size=24),
)
def test_route_input_never_breaks_the_server(
    ec2: Any, destination: str, value: str, target: str, target_id: str
) -> None:
    rtb = _main(ec2, _default_vpc(ec2))["RouteTableId"]
    for call in (ec2.create_route, ec2.replace_route):
        try:
            call(RouteTableId=rtb, **{destination: value, target: target_id})
        except ClientError as error:
            assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 400, error.response
    try:
        ec2.delete_route(RouteTableId=rtb, **{destination: value})
    except ClientError as error:
        assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 400, error.response


def test_tags_on_every_type_of_the_family(ec2: Any) -> None:
    vpc = _default_vpc(ec2)
    ids = {
        "internet-gateway": ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"],
        "route-table": ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"],
        "network-acl": ec2.create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"],
        "dhcp-options": ec2.describe_dhcp_options()["DhcpOptions"][0]["DhcpOptionsId"],
        "egress-only-internet-gateway": ec2.create_egress_only_internet_gateway(VpcId=vpc)[
            "EgressOnlyInternetGateway"
        ]["EgressOnlyInternetGatewayId"],
        "natgateway": ec2.create_nat_gateway(
            SubnetId=ec2.describe_subnets()["Subnets"][0]["SubnetId"], ConnectivityType="private"
        )["NatGateway"]["NatGatewayId"],
    }
    ec2.create_tags(Resources=list(ids.values()), Tags=[{"Key": "env", "Value": "test"}])
    tags = ec2.describe_tags(Filters=[{"Name": "key", "Values": ["env"]}])["Tags"]
    assert {t["ResourceId"]: t["ResourceType"] for t in tags} == {v: k for k, v in ids.items()}
    ec2.delete_tags(Resources=[ids["route-table"]], Tags=[{"Key": "env"}])
    assert ec2.describe_route_tables(RouteTableIds=[ids["route-table"]])["RouteTables"][0]["Tags"] == []
    with aws_error("InvalidID", 400):
        ec2.create_tags(Resources=["rtbassoc-0123456789abcdef0"], Tags=[{"Key": "k", "Value": "v"}])


def test_what_goes_with_a_deleted_subnet_and_vpc(ec2: Any) -> None:
    vpc, subnet = other_vpc(ec2)
    rtb = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.associate_route_table(RouteTableId=rtb, SubnetId=subnet)
    nat = ec2.create_nat_gateway(SubnetId=subnet, ConnectivityType="private")["NatGateway"]["NatGatewayId"]
    with _dependencies("subnet", subnet):
        ec2.delete_subnet(SubnetId=subnet)
    ec2.delete_nat_gateway(NatGatewayId=nat)
    ec2.delete_subnet(SubnetId=subnet)  # its route table and ACL associations go with it
    assert ec2.describe_route_tables(RouteTableIds=[rtb])["RouteTables"][0]["Associations"] == []
    with _dependencies("vpc", vpc):
        ec2.delete_vpc(VpcId=vpc)  # the route table of its own
    ec2.delete_route_table(RouteTableId=rtb)
    ec2.delete_vpc(VpcId=vpc)
    assert ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["RouteTables"] == []
    assert ec2.describe_network_acls(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["NetworkAcls"] == []
    assert (
        ec2.describe_network_acls(Filters=[{"Name": "association.subnet-id", "Values": [subnet]}])[
            "NetworkAcls"
        ]
        == []
    )


def test_local_routes_follow_the_vpc_cidr_blocks(ec2: Any) -> None:
    vpc, _ = other_vpc(ec2)
    ec2.associate_vpc_cidr_block(VpcId=vpc, CidrBlock="10.1.0.0/16")
    ipv6 = ec2.associate_vpc_cidr_block(VpcId=vpc, AmazonProvidedIpv6CidrBlock=True)
    block = ipv6["Ipv6CidrBlockAssociation"]["Ipv6CidrBlock"]
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]
    local = {"GatewayId": "local", "Origin": "CreateRouteTable", "State": "active"}
    expected = [
        {"DestinationCidrBlock": "10.0.0.0/16", **local},
        {"DestinationCidrBlock": "10.1.0.0/16", **local},
        {"DestinationIpv6CidrBlock": block, **local},
    ]
    assert table["Routes"] == expected == _main(ec2, vpc)["Routes"]
    secondary = ec2.describe_vpcs(VpcIds=[vpc])["Vpcs"][0]["CidrBlockAssociationSet"][1]["AssociationId"]
    ec2.disassociate_vpc_cidr_block(AssociationId=secondary)
    routes = ec2.describe_route_tables(RouteTableIds=[table["RouteTableId"]])["RouteTables"][0]["Routes"]
    assert routes == [expected[0], expected[2]]


def test_route_quota(ec2: Any) -> None:
    rtb = ec2.create_route_table(VpcId=_default_vpc(ec2))["RouteTable"]["RouteTableId"]
    igw = ec2.describe_internet_gateways()["InternetGateways"][0]["InternetGatewayId"]
    for n in range(49):  # with the local route: 50
        ec2.create_route(RouteTableId=rtb, DestinationCidrBlock=f"10.{n}.0.0/16", GatewayId=igw)
    with aws_error("RouteLimitExceeded", 400, "The maximum number of routes has been reached."):
        ec2.create_route(RouteTableId=rtb, DestinationCidrBlock="10.200.0.0/16", GatewayId=igw)
