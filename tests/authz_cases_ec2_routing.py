"""One valid request per gateway and routing action (issue 15, family 2), and what a policy must allow.

As the Service Authorization Reference lists them: creations on ``TYPE/*`` (and the VPC or subnet
they go into), the rest on each named resource's ARN; Describe* on ``*``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.authz_cases import Builder, Ref, attr, case, ec2_arn, new
from tests.authz_env import TAGS, Env

SUBNET, VPC = attr("subnet"), attr("vpc")
ALLOCATION = attr("address")  # an Elastic IP of the account
ALL = {"CidrBlock": "0.0.0.0/0", "Protocol": "-1", "RuleAction": "allow", "Egress": False}


def made(make: Callable[[Env], str]) -> Ref:
    """A resource `make` creates as the account's root, once per `Env`."""

    def ref(env: Env) -> str:
        cache: dict[str, str] = env.__dict__.setdefault("_routing", {})
        if make.__name__ not in cache:
            cache[make.__name__] = make(env)
        return cache[make.__name__]

    return ref


@made
def default_igw(env: Env) -> str:
    gateways = env.ec2.describe_internet_gateways()["InternetGateways"]
    return str(gateways[0]["InternetGatewayId"])


@made
def detached_igw(env: Env) -> str:
    """The default VPC's gateway, detached (so the VPC can take one again)."""
    env.ec2.detach_internet_gateway(InternetGatewayId=default_igw(env), VpcId=env.vpc)
    return default_igw(env)


@made
def igw(env: Env) -> str:
    return str(env.ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"])


@made
def eigw(env: Env) -> str:
    reply = env.ec2.create_egress_only_internet_gateway(VpcId=env.vpc)
    return str(reply["EgressOnlyInternetGateway"]["EgressOnlyInternetGatewayId"])


@made
def nat(env: Env) -> str:
    reply = env.ec2.create_nat_gateway(SubnetId=env.subnet, ConnectivityType="private")
    return str(reply["NatGateway"]["NatGatewayId"])


@made
def rtb(env: Env) -> str:
    return str(env.ec2.create_route_table(VpcId=env.vpc)["RouteTable"]["RouteTableId"])


@made
def other_rtb(env: Env) -> str:
    return str(env.ec2.create_route_table(VpcId=env.vpc)["RouteTable"]["RouteTableId"])


@made
def rtb_association(env: Env) -> str:
    """`rtb` associated with the subnet."""
    return str(env.ec2.associate_route_table(RouteTableId=rtb(env), SubnetId=env.subnet)["AssociationId"])


@made
def routed_rtb(env: Env) -> str:
    """`rtb` with a route to 10.0.0.0/8 through the default VPC's internet gateway."""
    env.ec2.create_route(RouteTableId=rtb(env), DestinationCidrBlock="10.0.0.0/8", GatewayId=default_igw(env))
    return rtb(env)


@made
def dopt(env: Env) -> str:
    reply = env.ec2.create_dhcp_options(DhcpConfigurations=[{"Key": "domain-name", "Values": ["corp"]}])
    return str(reply["DhcpOptions"]["DhcpOptionsId"])


@made
def acl(env: Env) -> str:
    return str(env.ec2.create_network_acl(VpcId=env.vpc)["NetworkAcl"]["NetworkAclId"])


@made
def acl_with_entry(env: Env) -> str:
    env.ec2.create_network_acl_entry(NetworkAclId=acl(env), RuleNumber=100, **ALL)
    return acl(env)


@made
def acl_association(env: Env) -> str:
    """The subnet's association with the default ACL."""
    acls = env.ec2.describe_network_acls(Filters=[{"Name": "association.subnet-id", "Values": [env.subnet]}])
    associations = acls["NetworkAcls"][0]["Associations"]
    return str(next(a for a in associations if a["SubnetId"] == env.subnet)["NetworkAclAssociationId"])


def creating(kind: str, params: dict[str, Any], *resources: Ref | str) -> Builder:
    """A creation tagged with TagSpecifications: on ``KIND/*`` (and `resources`), ec2:CreateTags on it."""
    specs = {"TagSpecifications": [{"ResourceType": kind, "Tags": TAGS}]}
    return case({**params, **specs}, new(kind), *resources, also=[("ec2:CreateTags", (new(kind),))])


RTB_ARN, ACL_ARN = ec2_arn("route-table", rtb), ec2_arn("network-acl", acl)
VPC_ARN, SUBNET_ARN = ec2_arn("vpc", VPC), ec2_arn("subnet", SUBNET)

ROUTING_CASES: dict[str, Builder] = {
    "DescribeInternetGateways": case({"InternetGatewayIds": [default_igw]}),
    "DescribeEgressOnlyInternetGateways": case({"EgressOnlyInternetGatewayIds": [eigw]}),
    "DescribeNatGateways": case({"NatGatewayIds": [nat]}),
    "DescribeRouteTables": case({"RouteTableIds": [rtb]}),
    "DescribeDhcpOptions": case({"DhcpOptionsIds": [dopt]}),
    "DescribeNetworkAcls": case({"NetworkAclIds": [acl]}),
    # Internet gateways
    "CreateInternetGateway": creating("internet-gateway", {}),
    "AttachInternetGateway": case(
        {"InternetGatewayId": detached_igw, "VpcId": VPC}, ec2_arn("internet-gateway", detached_igw), VPC_ARN
    ),
    "DetachInternetGateway": case(
        {"InternetGatewayId": default_igw, "VpcId": VPC}, ec2_arn("internet-gateway", default_igw), VPC_ARN
    ),
    "DeleteInternetGateway": case({"InternetGatewayId": igw}, ec2_arn("internet-gateway", igw)),
    "CreateEgressOnlyInternetGateway": creating("egress-only-internet-gateway", {"VpcId": VPC}, VPC_ARN),
    "DeleteEgressOnlyInternetGateway": case(
        {"EgressOnlyInternetGatewayId": eigw}, ec2_arn("egress-only-internet-gateway", eigw)
    ),
    # NAT gateways
    "CreateNatGateway": creating(
        "natgateway",
        {"SubnetId": SUBNET, "AllocationId": ALLOCATION},
        SUBNET_ARN,
        ec2_arn("elastic-ip", ALLOCATION),
    ),
    "DeleteNatGateway": case({"NatGatewayId": nat}, ec2_arn("natgateway", nat)),
    # Route tables and routes
    "CreateRouteTable": creating("route-table", {"VpcId": VPC}, VPC_ARN),
    "DeleteRouteTable": case({"RouteTableId": rtb}, RTB_ARN),
    "AssociateRouteTable": case({"RouteTableId": rtb, "SubnetId": SUBNET}, RTB_ARN, SUBNET_ARN),
    "DisassociateRouteTable": case({"AssociationId": rtb_association}, RTB_ARN, SUBNET_ARN),
    "ReplaceRouteTableAssociation": case(
        {"AssociationId": rtb_association, "RouteTableId": other_rtb},
        ec2_arn("route-table", other_rtb),
        SUBNET_ARN,
    ),
    "CreateRoute": case(
        {"RouteTableId": rtb, "DestinationCidrBlock": "10.0.0.0/8", "GatewayId": default_igw}, RTB_ARN
    ),
    "ReplaceRoute": case(
        {"RouteTableId": routed_rtb, "DestinationCidrBlock": "10.0.0.0/8", "NatGatewayId": nat}, RTB_ARN
    ),
    "DeleteRoute": case({"RouteTableId": routed_rtb, "DestinationCidrBlock": "10.0.0.0/8"}, RTB_ARN),
    # DHCP options
    "CreateDhcpOptions": creating(
        "dhcp-options", {"DhcpConfigurations": [{"Key": "domain-name", "Values": ["example.com"]}]}
    ),
    "DeleteDhcpOptions": case({"DhcpOptionsId": dopt}, ec2_arn("dhcp-options", dopt)),
    "AssociateDhcpOptions": case(
        {"DhcpOptionsId": dopt, "VpcId": VPC}, ec2_arn("dhcp-options", dopt), VPC_ARN
    ),
    # Network ACLs
    "CreateNetworkAcl": creating("network-acl", {"VpcId": VPC}, VPC_ARN),
    "DeleteNetworkAcl": case({"NetworkAclId": acl}, ACL_ARN),
    "CreateNetworkAclEntry": case({"NetworkAclId": acl, "RuleNumber": 100, **ALL}, ACL_ARN),
    "ReplaceNetworkAclEntry": case({"NetworkAclId": acl_with_entry, "RuleNumber": 100, **ALL}, ACL_ARN),
    "DeleteNetworkAclEntry": case(
        {"NetworkAclId": acl_with_entry, "RuleNumber": 100, "Egress": False}, ACL_ARN
    ),
    "ReplaceNetworkAclAssociation": case(
        {"AssociationId": acl_association, "NetworkAclId": acl}, ACL_ARN, SUBNET_ARN
    ),
}
