"""Every IAM and STS operation in botocore's models is handled: none answers ``Unsupported``
(or ``InvalidAction``), whatever it answers a request without parameters."""

from __future__ import annotations

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from ec2sim.testing import EmulatorAccount

UNKNOWN = {"Unsupported", "InvalidAction"}


@pytest.mark.parametrize("service", ["iam", "sts"])
def test_no_operation_is_unknown(ec2sim: EmulatorAccount, service: str) -> None:
    client = ec2sim.boto3_client(
        service, config=Config(parameter_validation=False, retries={"max_attempts": 1})
    )
    unknown = []
    for name in client.meta.service_model.operation_names:
        try:
            client._make_api_call(name, {})
        except ClientError as error:
            if error.response["Error"]["Code"] in UNKNOWN:
                unknown.append(name)
    assert unknown == []


# Issue 15's EC2 families: every operation of each is in botocore's model and handled.
EC2_FAMILIES = {
    "vpc endpoints": {
        "CreateVpcEndpoint",
        "ModifyVpcEndpoint",
        "DeleteVpcEndpoints",
        "DescribeVpcEndpoints",
        "DescribeVpcEndpointServices",
    },
    "security groups, the rest": {
        "ModifySecurityGroupRules",
        "UpdateSecurityGroupRuleDescriptionsIngress",
        "UpdateSecurityGroupRuleDescriptionsEgress",
        "CreateManagedPrefixList",
        "ModifyManagedPrefixList",
        "DeleteManagedPrefixList",
        "DescribeManagedPrefixLists",
        "GetManagedPrefixListEntries",
        "GetManagedPrefixListAssociations",
        "RestoreManagedPrefixListVersion",
        "DescribePrefixLists",
    },
    "vpcs and subnets": {
        "CreateVpc",
        "DeleteVpc",
        "DescribeVpcs",
        "DescribeVpcAttribute",
        "ModifyVpcAttribute",
        "CreateDefaultVpc",
        "CreateDefaultSubnet",
        "AssociateVpcCidrBlock",
        "DisassociateVpcCidrBlock",
        "CreateSubnet",
        "DeleteSubnet",
        "DescribeSubnets",
        "ModifySubnetAttribute",
        "AssociateSubnetCidrBlock",
        "DisassociateSubnetCidrBlock",
    },
    "addresses and interfaces": {
        "AllocateAddress",
        "ReleaseAddress",
        "AssociateAddress",
        "DisassociateAddress",
        "DescribeAddresses",
        "DescribeAddressesAttribute",
        "ModifyAddressAttribute",
        "ResetAddressAttribute",
        "CreateNetworkInterface",
        "DeleteNetworkInterface",
        "DescribeNetworkInterfaces",
        "AttachNetworkInterface",
        "DetachNetworkInterface",
        "ModifyNetworkInterfaceAttribute",
        "DescribeNetworkInterfaceAttribute",
        "ResetNetworkInterfaceAttribute",
        "AssignPrivateIpAddresses",
        "UnassignPrivateIpAddresses",
        "AssignIpv6Addresses",
        "UnassignIpv6Addresses",
        "CreateNetworkInterfacePermission",
        "DeleteNetworkInterfacePermission",
        "DescribeNetworkInterfacePermissions",
    },
    "gateways and routing": {
        "CreateInternetGateway",
        "AttachInternetGateway",
        "DetachInternetGateway",
        "DeleteInternetGateway",
        "DescribeInternetGateways",
        "CreateEgressOnlyInternetGateway",
        "DeleteEgressOnlyInternetGateway",
        "DescribeEgressOnlyInternetGateways",
        "CreateNatGateway",
        "DeleteNatGateway",
        "DescribeNatGateways",
        "CreateRouteTable",
        "DeleteRouteTable",
        "DescribeRouteTables",
        "AssociateRouteTable",
        "DisassociateRouteTable",
        "ReplaceRouteTableAssociation",
        "CreateRoute",
        "ReplaceRoute",
        "DeleteRoute",
        "CreateDhcpOptions",
        "DeleteDhcpOptions",
        "DescribeDhcpOptions",
        "AssociateDhcpOptions",
        "CreateNetworkAcl",
        "DeleteNetworkAcl",
        "DescribeNetworkAcls",
        "CreateNetworkAclEntry",
        "ReplaceNetworkAclEntry",
        "DeleteNetworkAclEntry",
        "ReplaceNetworkAclAssociation",
    },
    "instance-type catalogue": {"DescribeInstanceTypes", "DescribeInstanceTypeOfferings"},
    "launch templates": {
        "CreateLaunchTemplate",
        "CreateLaunchTemplateVersion",
        "DeleteLaunchTemplate",
        "DeleteLaunchTemplateVersions",
        "DescribeLaunchTemplates",
        "DescribeLaunchTemplateVersions",
        "GetLaunchTemplateData",
        "ModifyLaunchTemplate",
    },
    "vpc peering": {
        "CreateVpcPeeringConnection",
        "AcceptVpcPeeringConnection",
        "RejectVpcPeeringConnection",
        "DeleteVpcPeeringConnection",
        "DescribeVpcPeeringConnections",
        "ModifyVpcPeeringConnectionOptions",
    },
}


@pytest.mark.parametrize("family", sorted(EC2_FAMILIES))
def test_ec2_family_is_handled(ec2sim: EmulatorAccount, family: str) -> None:
    client = ec2sim.boto3_client(
        "ec2", config=Config(parameter_validation=False, retries={"max_attempts": 1})
    )
    names = EC2_FAMILIES[family]
    assert names <= set(client.meta.service_model.operation_names)
    unknown = []
    for name in sorted(names):
        try:
            client._make_api_call(name, {})
        except ClientError as error:
            if error.response["Error"]["Code"] in UNKNOWN:
                unknown.append(name)
    assert unknown == []


def test_every_launch_template_operation_is_in_the_family() -> None:
    import botocore.session

    model = botocore.session.get_session().get_service_model("ec2").operation_names
    assert {n for n in model if "LaunchTemplate" in n} == EC2_FAMILIES["launch templates"]
