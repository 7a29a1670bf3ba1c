"""VPC endpoints: gateway and interface endpoints, their routes, policies, services, and requests
arriving through them (``X-Ec2sim-Source-Vpce``)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError
from hypothesis import given
from hypothesis import strategies as st

from tests.helpers import aws_error

S3 = "com.amazonaws.us-east-1.s3"
EC2 = "com.amazonaws.us-east-1.ec2"
S3_LIST = "pl-63a5400a"  # the AWS-managed list of S3 in us-east-1


def _vpc(ec2: Any, cidr: str = "10.0.0.0/16", dns: bool = True) -> str:
    vpc = str(ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"])
    if dns:
        ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    return vpc


def _subnets(ec2: Any, vpc: str, base: str = "10.0") -> list[str]:
    zones = ["us-east-1a", "us-east-1b", "us-east-1a"]
    return [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"{base}.{i}.0/24", AvailabilityZone=z)["Subnet"]["SubnetId"]
        for i, z in enumerate(zones)
    ]


def _main_table(ec2: Any, vpc: str) -> dict[str, Any]:
    filters = [{"Name": "vpc-id", "Values": [vpc]}, {"Name": "association.main", "Values": ["true"]}]
    return dict(ec2.describe_route_tables(Filters=filters)["RouteTables"][0])


def _endpoint(ec2: Any, endpoint_id: str) -> dict[str, Any]:
    return dict(ec2.describe_vpc_endpoints(VpcEndpointIds=[endpoint_id])["VpcEndpoints"][0])


def _doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def test_gateway_endpoint_routes_its_prefix_list(ec2: Any, account_id: str) -> None:
    vpc = _vpc(ec2)
    main = _main_table(ec2, vpc)["RouteTableId"]
    other = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    tags = [{"ResourceType": "vpc-endpoint", "Tags": [{"Key": "Name", "Value": "s3"}]}]
    created = ec2.create_vpc_endpoint(
        VpcId=vpc, ServiceName=S3, RouteTableIds=[main], TagSpecifications=tags
    )["VpcEndpoint"]
    endpoint = created["VpcEndpointId"]
    assert created["State"] == "available" and created["VpcEndpointType"] == "Gateway"
    assert created["RouteTableIds"] == [main] and created["OwnerId"] == account_id
    assert json.loads(created["PolicyDocument"])["Statement"][0]["Principal"] == "*"
    assert created["Tags"] == [{"Key": "Name", "Value": "s3"}]
    route = {
        "DestinationPrefixListId": S3_LIST,
        "GatewayId": endpoint,
        "Origin": "CreateRoute",
        "State": "active",
    }
    assert route in _main_table(ec2, vpc)["Routes"]
    # Another route to the list in the same table is refused; the endpoint's route is its own.
    with aws_error("RouteAlreadyExists", 400, f"route table {main} already has a route"):
        ec2.create_vpc_endpoint(VpcId=vpc, ServiceName=S3, RouteTableIds=[main])
    with aws_error("InvalidParameterValue", 400, f"belongs to VPC endpoint {endpoint}"):
        ec2.delete_route(RouteTableId=main, DestinationPrefixListId=S3_LIST)
    with aws_error(
        "InvalidParameterValue", 400, f"The VPC endpoint {endpoint} is not a Gateway Load Balancer"
    ):
        ec2.create_route(RouteTableId=main, DestinationCidrBlock="10.5.0.0/16", VpcEndpointId=endpoint)
    ec2.modify_vpc_endpoint(VpcEndpointId=endpoint, AddRouteTableIds=[other], RemoveRouteTableIds=[main])
    assert _endpoint(ec2, endpoint)["RouteTableIds"] == [other]
    assert all(r.get("GatewayId") != endpoint for r in _main_table(ec2, vpc)["Routes"])
    found = ec2.describe_route_tables(Filters=[{"Name": "route.gateway-id", "Values": [endpoint]}])
    assert [t["RouteTableId"] for t in found["RouteTables"]] == [other]
    # Deleting the route table leaves the endpoint, without it; the VPC can't go while it exists.
    ec2.delete_route_table(RouteTableId=other)
    assert _endpoint(ec2, endpoint)["RouteTableIds"] == []
    with aws_error("DependencyViolation", 400):
        ec2.delete_vpc(VpcId=vpc)
    assert ec2.delete_vpc_endpoints(VpcEndpointIds=[endpoint])["Unsuccessful"] == []
    assert ec2.describe_vpc_endpoints()["VpcEndpoints"] == []
    ec2.delete_vpc(VpcId=vpc)


def test_interface_endpoint_lifecycle(ec2: Any) -> None:
    vpc = _vpc(ec2)
    subnets = _subnets(ec2, vpc)
    group = ec2.create_security_group(GroupName="vpce", Description="d", VpcId=vpc)["GroupId"]
    created = ec2.create_vpc_endpoint(
        VpcId=vpc, ServiceName=EC2, VpcEndpointType="Interface", SubnetIds=subnets[:2]
    )["VpcEndpoint"]
    endpoint = created["VpcEndpointId"]
    assert created["State"] == "pending" and created["PrivateDnsEnabled"] is True
    assert [g["GroupName"] for g in created["Groups"]] == ["default"]
    assert len(created["NetworkInterfaceIds"]) == 2
    names = [d["DnsName"] for d in created["DnsEntries"]]
    assert names[0].startswith(endpoint) and names[0].endswith(".ec2.us-east-1.vpce.amazonaws.com")
    assert names[-1] == "ec2.us-east-1.amazonaws.com" and len(names) == 4
    assert _endpoint(ec2, endpoint)["State"] == "available"  # emulated time has moved on
    with aws_error(
        "InvalidParameter", 400, "already a conflicting DNS domain for ec2.us-east-1.amazonaws.com"
    ):
        ec2.create_vpc_endpoint(
            VpcId=vpc, ServiceName=EC2, VpcEndpointType="Interface", SubnetIds=[subnets[0]]
        )
    ec2.modify_vpc_endpoint(
        VpcEndpointId=endpoint,
        RemoveSubnetIds=[subnets[1]],
        AddSecurityGroupIds=[group],
        PrivateDnsEnabled=False,
        PolicyDocument=_doc(
            {"Effect": "Allow", "Principal": "*", "Action": "ec2:Describe*", "Resource": "*"}
        ),
    )
    changed = _endpoint(ec2, endpoint)
    assert changed["SubnetIds"] == [subnets[0]] and changed["PrivateDnsEnabled"] is False
    assert {g["GroupId"] for g in changed["Groups"]} == {
        group,
        ec2.describe_security_groups(
            Filters=[{"Name": "vpc-id", "Values": [vpc]}, {"Name": "group-name", "Values": ["default"]}]
        )["SecurityGroups"][0]["GroupId"],
    }
    assert "ec2:Describe*" in changed["PolicyDocument"]
    ec2.modify_vpc_endpoint(VpcEndpointId=endpoint, ResetPolicy=True)
    assert '"Action":"*"' in _endpoint(ec2, endpoint)["PolicyDocument"]
    with aws_error("DuplicateSubnetsInSameZone", 400, f"availability zone of {subnets[2]}"):
        ec2.modify_vpc_endpoint(VpcEndpointId=endpoint, AddSubnetIds=[subnets[2]])
    with aws_error("InvalidParameter", 400, "Route tables are not supported for Interface endpoints."):
        ec2.modify_vpc_endpoint(
            VpcEndpointId=endpoint, AddRouteTableIds=[_main_table(ec2, vpc)["RouteTableId"]]
        )
    groups = [g["GroupId"] for g in changed["Groups"]]
    with aws_error("InvalidParameter", 400, "A VPC endpoint must have at least one security group."):
        ec2.modify_vpc_endpoint(VpcEndpointId=endpoint, RemoveSecurityGroupIds=groups)
    with aws_error("DependencyViolation", 400):
        ec2.delete_subnet(SubnetId=subnets[0])
    ec2.delete_subnet(SubnetId=subnets[1])  # no longer the endpoint's
    assert ec2.delete_vpc_endpoints(VpcEndpointIds=[endpoint])["Unsuccessful"] == []
    assert ec2.describe_vpc_endpoints()["VpcEndpoints"] == []
    ec2.delete_subnet(SubnetId=subnets[0])


def test_create_errors(ec2: Any) -> None:
    vpc = _vpc(ec2)
    plain = _vpc(ec2, "10.1.0.0/16", dns=False)
    subnets = _subnets(ec2, vpc)
    other_table = _main_table(ec2, plain)["RouteTableId"]
    with aws_error("InvalidVpcID.NotFound", 400, "The vpc ID 'vpc-00000000' does not exist"):
        ec2.create_vpc_endpoint(VpcId="vpc-00000000", ServiceName=S3)
    with aws_error(
        "InvalidServiceName", 400, "The Vpc Endpoint Service 'com.amazonaws.us-east-1.nope' does not exist"
    ):
        ec2.create_vpc_endpoint(VpcId=vpc, ServiceName="com.amazonaws.us-east-1.nope")
    with aws_error(
        "InvalidParameter",
        400,
        "Endpoint type (Gateway) does not match available service types ([Interface]).",
    ):
        ec2.create_vpc_endpoint(VpcId=vpc, ServiceName=EC2)
    with aws_error("InvalidParameterValue", 400, "Value (Bogus) for parameter VpcEndpointType is invalid"):
        ec2.create_vpc_endpoint(VpcId=vpc, ServiceName=S3, VpcEndpointType="Bogus")
    with aws_error("InvalidRouteTableID.NotFound", 400, "The routeTable ID 'rtb-00000000' does not exist"):
        ec2.create_vpc_endpoint(VpcId=vpc, ServiceName=S3, RouteTableIds=["rtb-00000000"])
    with aws_error("InvalidParameter", 400, f"The route table '{other_table}' does not belong to the VPC"):
        ec2.create_vpc_endpoint(VpcId=vpc, ServiceName=S3, RouteTableIds=[other_table])
    with aws_error("InvalidParameter", 400, "Gateway endpoints take RouteTableIds only"):
        ec2.create_vpc_endpoint(VpcId=vpc, ServiceName=S3, SubnetIds=[subnets[0]])
    with aws_error("InvalidParameter", 400, "Route tables are not supported for Interface endpoints."):
        ec2.create_vpc_endpoint(
            VpcId=vpc,
            ServiceName=EC2,
            VpcEndpointType="Interface",
            RouteTableIds=[_main_table(ec2, vpc)["RouteTableId"]],
        )
    with aws_error(
        "DuplicateSubnetsInSameZone",
        400,
        f"Found another VPC endpoint subnet in the availability zone of {subnets[2]}.",
    ):
        ec2.create_vpc_endpoint(
            VpcId=vpc, ServiceName=EC2, VpcEndpointType="Interface", SubnetIds=[subnets[0], subnets[2]]
        )
    with aws_error("InvalidSubnetID.NotFound", 400, "The subnet ID 'subnet-00000000' does not exist"):
        ec2.create_vpc_endpoint(
            VpcId=vpc, ServiceName=EC2, VpcEndpointType="Interface", SubnetIds=["subnet-00000000"]
        )
    with aws_error("InvalidGroup.NotFound", 400, "The security group 'sg-00000000' does not exist"):
        ec2.create_vpc_endpoint(
            VpcId=vpc, ServiceName=EC2, VpcEndpointType="Interface", SecurityGroupIds=["sg-00000000"]
        )
    with aws_error(
        "InvalidParameter",
        400,
        f"Enabling private DNS requires both enableDnsSupport and enableDnsHostnames VPC attributes set to true for {plain}",
    ):
        ec2.create_vpc_endpoint(VpcId=plain, ServiceName=EC2, VpcEndpointType="Interface")
    with aws_error("InvalidPolicyDocument", 400, "The Policy Document is not valid."):
        ec2.create_vpc_endpoint(VpcId=vpc, ServiceName=S3, PolicyDocument="{not json")
    with aws_error("InvalidParameter", 400, "does not support the IP address type dualstack"):
        ec2.create_vpc_endpoint(VpcId=vpc, ServiceName=S3, IpAddressType="dualstack")
    with aws_error("MissingParameter", 400, "The request must contain the parameter ServiceName"):
        ec2.create_vpc_endpoint(VpcId=vpc, ServiceName="")
    # Without private DNS, a VPC without DNS hostnames takes an interface endpoint.
    ok = ec2.create_vpc_endpoint(
        VpcId=plain, ServiceName=EC2, VpcEndpointType="Interface", PrivateDnsEnabled=False
    )
    assert ok["VpcEndpoint"]["PrivateDnsEnabled"] is False
    token = ec2.create_vpc_endpoint(VpcId=vpc, ServiceName=S3, ClientToken="t1")["VpcEndpoint"][
        "VpcEndpointId"
    ]
    again = ec2.create_vpc_endpoint(VpcId=vpc, ServiceName=S3, ClientToken="t1")["VpcEndpoint"][
        "VpcEndpointId"
    ]
    assert token == again
    with aws_error("IdempotentParameterMismatch", 400):
        ec2.create_vpc_endpoint(VpcId=vpc, ServiceName="com.amazonaws.us-east-1.dynamodb", ClientToken="t1")


def test_modify_and_delete_errors(ec2: Any) -> None:
    vpc = _vpc(ec2)
    main = _main_table(ec2, vpc)["RouteTableId"]
    gateway = ec2.create_vpc_endpoint(VpcId=vpc, ServiceName=S3)["VpcEndpoint"]["VpcEndpointId"]
    with aws_error(
        "InvalidVpcEndpointId.NotFound", 400, "The Vpc Endpoint Id 'vpce-00000000' does not exist"
    ):
        ec2.modify_vpc_endpoint(VpcEndpointId="vpce-00000000", ResetPolicy=True)
    with aws_error(
        "InvalidParameter", 400, f"The route table '{main}' is not associated with the VPC endpoint"
    ):
        ec2.modify_vpc_endpoint(VpcEndpointId=gateway, RemoveRouteTableIds=[main])
    with aws_error("InvalidParameter", 400, "Gateway endpoints take RouteTableIds only"):
        ec2.modify_vpc_endpoint(VpcEndpointId=gateway, PrivateDnsEnabled=True)
    with aws_error("InvalidParameterCombination", 400):
        ec2.modify_vpc_endpoint(VpcEndpointId=gateway, ResetPolicy=True, PolicyDocument="{}")
    with aws_error("InvalidPolicyDocument", 400):
        ec2.modify_vpc_endpoint(VpcEndpointId=gateway, PolicyDocument=_doc({"Effect": "Allow"}))
    answer = ec2.delete_vpc_endpoints(VpcEndpointIds=[gateway, "vpce-00000000", "bogus"])
    assert answer["Unsuccessful"] == [
        {
            "ResourceId": "vpce-00000000",
            "Error": {
                "Code": "InvalidVpcEndpointId.NotFound",
                "Message": "The Vpc Endpoint Id 'vpce-00000000' does not exist",
            },
        },
        {
            "ResourceId": "bogus",
            "Error": {"Code": "InvalidVpcEndpointId.Malformed", "Message": 'Invalid id: "bogus"'},
        },
    ]
    with aws_error("InvalidVpcEndpointId.NotFound", 400):
        ec2.describe_vpc_endpoints(VpcEndpointIds=[gateway])


def test_describe_filters_and_pages(ec2: Any) -> None:
    vpc = _vpc(ec2)
    subnet = _subnets(ec2, vpc)[0]
    tags = [{"ResourceType": "vpc-endpoint", "Tags": [{"Key": "team", "Value": "data"}]}]
    s3 = ec2.create_vpc_endpoint(VpcId=vpc, ServiceName=S3, TagSpecifications=tags)["VpcEndpoint"][
        "VpcEndpointId"
    ]
    sts = ec2.create_vpc_endpoint(
        VpcId=vpc, ServiceName="com.amazonaws.us-east-1.sts", VpcEndpointType="Interface", SubnetIds=[subnet]
    )["VpcEndpoint"]["VpcEndpointId"]

    def ids(name: str, *values: str) -> list[str]:
        found = ec2.describe_vpc_endpoints(Filters=[{"Name": name, "Values": list(values)}])["VpcEndpoints"]
        return sorted(e["VpcEndpointId"] for e in found)

    assert ids("vpc-id", vpc) == sorted([s3, sts])
    assert ids("service-name", S3) == [s3]
    assert ids("vpc-endpoint-type", "Interface") == [sts]
    assert ids("vpc-endpoint-state", "available") == sorted([s3, sts])
    assert ids("vpc-endpoint-id", s3) == [s3]
    assert ids("ip-address-type", "ipv4") == sorted([s3, sts])
    assert ids("service-region", "us-east-1") == sorted([s3, sts])
    assert ids("tag:team", "data") == ids("tag-key", "team") == [s3]
    with aws_error("InvalidParameterValue", 400, "The filter 'nope' is invalid"):
        ec2.describe_vpc_endpoints(Filters=[{"Name": "nope", "Values": ["x"]}])
    page = ec2.describe_vpc_endpoints(MaxResults=5)
    assert len(page["VpcEndpoints"]) == 2 and "NextToken" not in page
    # Tags through CreateTags/DescribeTags.
    ec2.create_tags(Resources=[sts], Tags=[{"Key": "k", "Value": "v"}])
    assert ids("tag:k", "v") == [sts]


def test_describe_endpoint_services(ec2: Any) -> None:
    everything = ec2.describe_vpc_endpoint_services()
    assert EC2 in everything["ServiceNames"] and S3 in everything["ServiceNames"]
    s3 = ec2.describe_vpc_endpoint_services(ServiceNames=[S3])["ServiceDetails"]
    assert sorted(d["ServiceType"][0]["ServiceType"] for d in s3) == ["Gateway", "Interface"]
    ec2_detail = ec2.describe_vpc_endpoint_services(
        Filters=[{"Name": "service-name", "Values": [EC2]}, {"Name": "service-type", "Values": ["Interface"]}]
    )["ServiceDetails"]
    assert ec2_detail[0]["PrivateDnsName"] == "ec2.us-east-1.amazonaws.com"
    assert ec2_detail[0]["Owner"] == "amazon" and "us-east-1a" in ec2_detail[0]["AvailabilityZones"]
    gateways = ec2.describe_vpc_endpoint_services(Filters=[{"Name": "service-type", "Values": ["Gateway"]}])
    assert gateways["ServiceNames"] == ["com.amazonaws.us-east-1.dynamodb", S3]
    assert (
        ec2.describe_vpc_endpoint_services(Filters=[{"Name": "tag:x", "Values": ["y"]}])["ServiceDetails"]
        == []
    )
    first = ec2.describe_vpc_endpoint_services(MaxResults=5)
    rest = ec2.describe_vpc_endpoint_services(MaxResults=1000, NextToken=first["NextToken"])
    assert len(first["ServiceDetails"]) + len(rest["ServiceDetails"]) == len(everything["ServiceDetails"])
    with aws_error(
        "InvalidServiceName", 400, "The Vpc Endpoint Service 'com.amazonaws.us-east-1.x' does not exist"
    ):
        ec2.describe_vpc_endpoint_services(ServiceNames=["com.amazonaws.us-east-1.x"])
    with aws_error("InvalidParameterValue", 400, "The filter 'bogus' is invalid"):
        ec2.describe_vpc_endpoint_services(Filters=[{"Name": "bogus", "Values": ["y"]}])


# Requests through an endpoint ----------------------------------------------------------------------


def _through(client: Any, endpoint_id: str) -> Any:
    """`client`, its requests marked as arriving through the endpoint."""

    def mark(request: Any, **_: Any) -> None:
        request.headers["X-Ec2sim-Source-Vpce"] = endpoint_id

    client.meta.events.register("before-sign", mark)
    return client


@pytest.fixture
def user(iam: Any, make_client: Callable[..., Any]) -> Callable[..., Any]:
    def make(name: str, *statements: dict[str, Any]) -> Any:
        iam.create_user(UserName=name)
        iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=_doc(*statements))
        key = iam.create_access_key(UserName=name)["AccessKey"]
        return make_client("ec2", key["AccessKeyId"], secret=key["SecretAccessKey"])

    return make


def test_requests_through_an_endpoint(
    ec2: Any, account_id: str, user: Callable[..., Any], make_client: Any
) -> None:
    vpc = _vpc(ec2)
    subnet = _subnets(ec2, vpc)[0]
    endpoint = ec2.create_vpc_endpoint(
        VpcId=vpc, ServiceName=EC2, VpcEndpointType="Interface", SubnetIds=[subnet]
    )["VpcEndpoint"]["VpcEndpointId"]
    ec2.describe_vpcs()  # the endpoint is available now
    only_through = {
        "Effect": "Allow",
        "Action": "ec2:Describe*",
        "Resource": "*",
        "Condition": {
            "StringEquals": {"aws:SourceVpce": endpoint, "aws:SourceVpc": vpc, "aws:VpceAccount": account_id}
        },
    }
    direct = user("alice", only_through)
    with aws_error("UnauthorizedOperation", 403):
        direct.describe_vpcs()
    through = _through(user("bob", only_through), endpoint)
    assert through.describe_vpcs()["Vpcs"]
    # A restrictive endpoint policy limits everyone, the root included.
    ec2.modify_vpc_endpoint(
        VpcEndpointId=endpoint,
        PolicyDocument=_doc(
            {"Effect": "Allow", "Principal": "*", "Action": "ec2:DescribeVpcs", "Resource": "*"}
        ),
    )
    assert through.describe_vpcs()["Vpcs"]
    with aws_error(
        "UnauthorizedOperation", 403, "because no VPC endpoint policy allows the ec2:DescribeSubnets action"
    ):
        through.describe_subnets()
    root = _through(make_client("ec2", account_id), endpoint)
    with aws_error("UnauthorizedOperation", 403):
        root.describe_subnets()
    ec2.modify_vpc_endpoint(
        VpcEndpointId=endpoint,
        PolicyDocument=_doc(
            {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"},
            {"Effect": "Deny", "Principal": "*", "Action": "ec2:DescribeVpcs", "Resource": "*"},
        ),
    )
    with aws_error("UnauthorizedOperation", 403, "with an explicit deny in a VPC endpoint policy"):
        root.describe_vpcs()
    assert root.describe_subnets()["Subnets"]
    # An unknown endpoint, or one of another service, can't carry a request.
    with aws_error("InvalidVpcEndpointId.NotFound", 400):
        _through(make_client("ec2", account_id), "vpce-00000000").describe_vpcs()
    s3 = ec2.create_vpc_endpoint(VpcId=vpc, ServiceName=S3)["VpcEndpoint"]["VpcEndpointId"]
    with aws_error("InvalidParameterValue", 400, f"The VPC endpoint {s3} serves {S3}"):
        _through(make_client("ec2", account_id), s3).describe_vpcs()


@given(
    service=st.sampled_from([S3, EC2, "com.amazonaws.us-east-1.x", "", "ünï"]),
    kind=st.sampled_from(["Gateway", "Interface", "Resource", "x"]),
    tables=st.lists(st.sampled_from(["rtb-1", "rtb-00000000", "", "x"]), max_size=2),
    subnets=st.lists(st.text(max_size=12), max_size=2),
    policy=st.one_of(st.none(), st.text(max_size=40)),
    dns=st.one_of(st.none(), st.booleans()),
)
def test_create_never_fails_inside(
    make_client: Any,
    account_id: str,
    service: str,
    kind: str,
    tables: list[str],
    subnets: list[str],
    policy: str | None,
    dns: bool | None,
) -> None:
    client = make_client("ec2", account_id)
    vpc = client.describe_vpcs()["Vpcs"][0]["VpcId"]
    args: dict[str, Any] = {
        "VpcId": vpc,
        "ServiceName": service,
        "VpcEndpointType": kind,
        "RouteTableIds": tables,
        "SubnetIds": subnets,
    }
    if policy is not None:
        args["PolicyDocument"] = policy
    if dns is not None:
        args["PrivateDnsEnabled"] = dns
    try:
        made = client.create_vpc_endpoint(**args)["VpcEndpoint"]["VpcEndpointId"]
    except ClientError as error:
        assert error.response["ResponseMetadata"]["HTTPStatusCode"] < 500
    else:
        client.delete_vpc_endpoints(VpcEndpointIds=[made])
