"""DHCP options sets."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import aws_error

DOPT_TAGS = [{"ResourceType": "dhcp-options", "Tags": [{"Key": "Name", "Value": "corp"}]}]


def _default_vpc(ec2: Any) -> dict[str, Any]:
    vpc: dict[str, Any] = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]
    return vpc


def test_the_default_vpc_has_the_default_set(ec2: Any, account_id: str) -> None:
    vpc = _default_vpc(ec2)
    [options] = ec2.describe_dhcp_options()["DhcpOptions"]
    assert vpc["DhcpOptionsId"] == options["DhcpOptionsId"] and options["OwnerId"] == account_id
    assert options["DhcpConfigurations"] == [
        {"Key": "domain-name", "Values": [{"Value": "ec2.internal"}]},
        {"Key": "domain-name-servers", "Values": [{"Value": "AmazonProvidedDNS"}]},
    ]


def test_dhcp_options_lifecycle(ec2: Any) -> None:
    vpc = _default_vpc(ec2)["VpcId"]
    created = ec2.create_dhcp_options(
        DhcpConfigurations=[
            {"Key": "domain-name", "Values": ["corp.example"]},
            {"Key": "domain-name-servers", "Values": ["10.0.0.2", "10.0.0.3"]},
            {"Key": "netbios-node-type", "Values": ["2"]},
        ],
        TagSpecifications=DOPT_TAGS,
    )["DhcpOptions"]
    dopt = created["DhcpOptionsId"]
    assert dopt.startswith("dopt-") and created["Tags"] == [{"Key": "Name", "Value": "corp"}]
    ec2.associate_dhcp_options(DhcpOptionsId=dopt, VpcId=vpc)
    assert _default_vpc(ec2)["DhcpOptionsId"] == dopt
    with aws_error(
        "DependencyViolation", 400, f"The dhcpOptions '{dopt}' has dependencies and cannot be deleted."
    ):
        ec2.delete_dhcp_options(DhcpOptionsId=dopt)

    def ids(name: str, value: str) -> list[str]:
        found = ec2.describe_dhcp_options(Filters=[{"Name": name, "Values": [value]}])["DhcpOptions"]
        return [o["DhcpOptionsId"] for o in found]

    assert ids("key", "netbios-node-type") == [dopt] == ids("value", "10.0.0.3")
    assert ids("tag:Name", "corp") == [dopt] == ids("dhcp-options-id", dopt)
    assert len(ids("owner-id", _default_vpc(ec2)["OwnerId"])) == 2
    assert len(ec2.describe_vpcs(Filters=[{"Name": "dhcp-options-id", "Values": [dopt]}])["Vpcs"]) == 1

    ec2.associate_dhcp_options(DhcpOptionsId="default", VpcId=vpc)
    assert _default_vpc(ec2)["DhcpOptionsId"] == "default"
    ec2.delete_dhcp_options(DhcpOptionsId=dopt)
    with aws_error("InvalidDhcpOptionID.NotFound", 400, f"The dhcpOption ID '{dopt}' does not exist"):
        ec2.describe_dhcp_options(DhcpOptionsIds=[dopt])
    with aws_error("InvalidDhcpOptionID.NotFound", 400):
        ec2.associate_dhcp_options(DhcpOptionsId=dopt, VpcId=vpc)
    with aws_error("InvalidVpcID.NotFound", 400):
        ec2.associate_dhcp_options(DhcpOptionsId="default", VpcId="vpc-00000000000000001")
    with aws_error("InvalidDhcpOptionsId.Malformed", 400, 'Invalid id: "opts"'):
        ec2.delete_dhcp_options(DhcpOptionsId="opts")


@pytest.mark.parametrize(
    "configurations, code, message",
    [
        ([{"Key": "search", "Values": ["x"]}], "InvalidParameterValue", "Unknown DHCP option"),
        ([{"Key": "ntp-servers", "Values": ["time"]}], "InvalidParameterValue", "not a valid IP address"),
        (
            [{"Key": "domain-name-servers", "Values": ["1.1.1.1"] * 5}],
            "InvalidParameterValue",
            "maximum of 4",
        ),
        ([{"Key": "netbios-node-type", "Values": ["3"]}], "InvalidParameterValue", "netbios-node-type"),
        ([{"Key": "ipv6-address-preferred-lease-time", "Values": ["10"]}], "InvalidParameterValue", "140"),
        ([{"Key": "domain-name", "Values": []}], "MissingParameter", "domain-name value"),
        (
            [{"Key": "domain-name", "Values": ["a"]}, {"Key": "domain-name", "Values": ["b"]}],
            "InvalidParameterValue",
            "more than once",
        ),
        ([], "MissingParameter", "DhcpConfiguration"),
    ],
)
def test_create_dhcp_options_errors(ec2: Any, configurations: list[Any], code: str, message: str) -> None:
    with aws_error(code, 400, message):
        ec2.create_dhcp_options(DhcpConfigurations=configurations)
