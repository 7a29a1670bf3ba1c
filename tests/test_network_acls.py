"""Network ACLs, their entries and associations."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from hypothesis import given
from hypothesis import strategies as st

from tests.helpers import aws_error
from tests.test_route_tables import other_vpc

ACL_TAGS = [{"ResourceType": "network-acl", "Tags": [{"Key": "Name", "Value": "web"}]}]
ALL = {"CidrBlock": "0.0.0.0/0", "Protocol": "-1"}


def _default_vpc(ec2: Any) -> str:
    return str(ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"])


def _default_acl(ec2: Any) -> dict[str, Any]:
    acls: list[dict[str, Any]] = ec2.describe_network_acls(Filters=[{"Name": "default", "Values": ["true"]}])[
        "NetworkAcls"
    ]
    assert len(acls) == 1
    return acls[0]


def test_the_default_acl(ec2: Any, account_id: str) -> None:
    acl = _default_acl(ec2)
    assert acl["IsDefault"] is True and acl["VpcId"] == _default_vpc(ec2) and acl["OwnerId"] == account_id
    assert [(e["RuleNumber"], e["Egress"], e["RuleAction"]) for e in acl["Entries"]] == [
        (100, False, "allow"),
        (32767, False, "deny"),
        (100, True, "allow"),
        (32767, True, "deny"),
    ]
    assert all(e["Protocol"] == "-1" and e["CidrBlock"] == "0.0.0.0/0" for e in acl["Entries"])
    subnets = {s["SubnetId"] for s in ec2.describe_subnets()["Subnets"]}
    assert {a["SubnetId"] for a in acl["Associations"]} == subnets
    assert all(a["NetworkAclAssociationId"].startswith("aclassoc-") for a in acl["Associations"])


def test_acl_lifecycle_entries_and_associations(ec2: Any) -> None:
    vpc = _default_vpc(ec2)
    created = ec2.create_network_acl(VpcId=vpc, TagSpecifications=ACL_TAGS, ClientToken="tok")["NetworkAcl"]
    acl = created["NetworkAclId"]
    assert created["IsDefault"] is False and created["Associations"] == []
    assert [(e["RuleNumber"], e["Egress"], e["RuleAction"]) for e in created["Entries"]] == [
        (32767, False, "deny"),
        (32767, True, "deny"),
    ]
    retry = ec2.create_network_acl(VpcId=vpc, TagSpecifications=ACL_TAGS, ClientToken="tok")
    assert retry["NetworkAcl"]["NetworkAclId"] == acl
    with aws_error(
        "IdempotentParameterMismatch", 400, "inconsistent with arguments used in previous request"
    ):
        ec2.create_network_acl(VpcId=vpc, ClientToken="tok")

    ec2.create_network_acl_entry(
        NetworkAclId=acl,
        RuleNumber=100,
        Protocol="6",
        RuleAction="allow",
        Egress=False,
        CidrBlock="10.0.0.0/8",
        PortRange={"From": 443, "To": 443},
    )
    ec2.create_network_acl_entry(
        NetworkAclId=acl,
        RuleNumber=110,
        Protocol="1",
        RuleAction="deny",
        Egress=True,
        Ipv6CidrBlock="::/0",
        IcmpTypeCode={"Type": 8, "Code": -1},
    )
    with aws_error(
        "NetworkAclEntryAlreadyExists", 400, "The network acl entry identified by 100 already exists."
    ):
        ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=100, RuleAction="deny", Egress=False, **ALL)
    # The same number in the other direction is another entry.
    ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=100, RuleAction="allow", Egress=True, **ALL)
    ec2.replace_network_acl_entry(NetworkAclId=acl, RuleNumber=100, RuleAction="deny", Egress=True, **ALL)
    entries = ec2.describe_network_acls(NetworkAclIds=[acl])["NetworkAcls"][0]["Entries"]
    https = next(e for e in entries if e["RuleNumber"] == 100 and not e["Egress"])
    assert https == {
        "RuleNumber": 100,
        "Protocol": "6",
        "RuleAction": "allow",
        "Egress": False,
        "CidrBlock": "10.0.0.0/8",
        "PortRange": {"From": 443, "To": 443},
    }
    icmp = next(e for e in entries if e["RuleNumber"] == 110)
    assert icmp["IcmpTypeCode"] == {"Type": 8, "Code": -1} and icmp["Ipv6CidrBlock"] == "::/0"
    assert next(e for e in entries if e["RuleNumber"] == 100 and e["Egress"])["RuleAction"] == "deny"

    def ids(name: str, value: str) -> list[str]:
        found = ec2.describe_network_acls(Filters=[{"Name": name, "Values": [value]}])["NetworkAcls"]
        return [a["NetworkAclId"] for a in found]

    assert ids("entry.port-range.from", "443") == [acl] == ids("entry.port-range.to", "443")
    assert ids("entry.icmp.type", "8") == [acl] == ids("entry.icmp.code", "-1")
    assert ids("entry.ipv6-cidr", "::/0") == [acl] == ids("entry.protocol", "6")
    assert ids("entry.cidr", "10.0.0.0/8") == [acl] == ids("tag:Name", "web")
    assert set(ids("entry.rule-action", "deny")) == {acl, _default_acl(ec2)["NetworkAclId"]}
    assert ids("entry.rule-number", "110") == [acl] == ids("default", "false")
    assert len(ids("entry.egress", "true")) == 2 and len(ids("vpc-id", vpc)) == 2

    # A subnet moves to the new ACL and back; an ACL in use can't be deleted.
    subnet = ec2.describe_subnets()["Subnets"][0]["SubnetId"]
    association = next(a for a in _default_acl(ec2)["Associations"] if a["SubnetId"] == subnet)
    moved = ec2.replace_network_acl_association(
        AssociationId=association["NetworkAclAssociationId"], NetworkAclId=acl
    )["NewAssociationId"]
    assert ids("association.subnet-id", subnet) == [acl] == ids("association.association-id", moved)
    assert ids("association.network-acl-id", acl) == [acl]
    with aws_error(
        "DependencyViolation", 400, f"The networkAcl '{acl}' has dependencies and cannot be deleted."
    ):
        ec2.delete_network_acl(NetworkAclId=acl)
    with aws_error("InvalidAssociationID.NotFound", 400, "does not exist"):
        ec2.replace_network_acl_association(
            AssociationId=association["NetworkAclAssociationId"], NetworkAclId=acl
        )
    ec2.replace_network_acl_association(AssociationId=moved, NetworkAclId=_default_acl(ec2)["NetworkAclId"])

    ec2.delete_network_acl_entry(NetworkAclId=acl, RuleNumber=110, Egress=True)
    with aws_error(
        "InvalidNetworkAclEntry.NotFound", 400, "The network acl entry identified by 110 does not exist."
    ):
        ec2.delete_network_acl_entry(NetworkAclId=acl, RuleNumber=110, Egress=True)
    with aws_error("InvalidNetworkAclEntry.NotFound", 400):
        ec2.replace_network_acl_entry(NetworkAclId=acl, RuleNumber=120, RuleAction="deny", Egress=True, **ALL)
    ec2.delete_network_acl(NetworkAclId=acl)
    with aws_error("InvalidNetworkAclID.NotFound", 400, f"The networkAcl ID '{acl}' does not exist"):
        ec2.describe_network_acls(NetworkAclIds=[acl])


def test_acl_errors(ec2: Any, server: Any, account_id: str) -> None:
    default = _default_acl(ec2)
    with aws_error(
        "InvalidParameterValue", 400, f"cannot delete default network ACL {default['NetworkAclId']}"
    ):
        ec2.delete_network_acl(NetworkAclId=default["NetworkAclId"])
    with aws_error("InvalidNetworkAclId.Malformed", 400, 'Invalid id: "nacl" (expecting "acl-...")'):
        ec2.delete_network_acl(NetworkAclId="nacl")
    with aws_error("InvalidNetworkAclID.NotFound", 400):
        ec2.create_network_acl_entry(
            NetworkAclId="acl-00000000000000001", RuleNumber=1, RuleAction="allow", Egress=False, **ALL
        )
    with aws_error("InvalidVpcID.NotFound", 400):
        ec2.create_network_acl(VpcId="vpc-00000000000000001")
    other, _ = other_vpc(ec2)
    foreign = ec2.create_network_acl(VpcId=other)["NetworkAcl"]["NetworkAclId"]
    association = default["Associations"][0]["NetworkAclAssociationId"]
    with aws_error("InvalidParameterValue", 400, "belong to different networks"):
        ec2.replace_network_acl_association(AssociationId=association, NetworkAclId=foreign)
    # The subnet of the other VPC is associated with that VPC's default ACL.
    other_default = ec2.describe_network_acls(
        Filters=[{"Name": "vpc-id", "Values": [other]}, {"Name": "default", "Values": ["true"]}]
    )["NetworkAcls"][0]
    assert len(other_default["Associations"]) == 1


@pytest.mark.parametrize(
    "params, code, message",
    [
        ({"RuleNumber": 0}, "InvalidParameterValue", "ruleNumber"),
        ({"RuleNumber": 32767}, "InvalidParameterValue", "ruleNumber"),
        ({"Protocol": "ip"}, "InvalidParameterValue", "protocol"),
        ({"Protocol": "256"}, "InvalidParameterValue", "protocol"),
        ({"RuleAction": "permit"}, "InvalidParameterValue", "ruleAction"),
        ({"CidrBlock": None}, "MissingParameter", "cidrBlock or ipv6CidrBlock"),
        ({"Ipv6CidrBlock": "::/0"}, "InvalidParameterCombination", "Only one of"),
        ({"CidrBlock": "10.0.0.300/8"}, "InvalidParameterValue", "This is not a valid CIDR block"),
        ({"Protocol": "6"}, "MissingParameter", "portRange"),
        ({"Protocol": "tcp", "PortRange": {"From": 1, "To": 70000}}, "InvalidParameterValue", "portRange"),
        ({"Protocol": "17", "PortRange": {"From": 90, "To": 80}}, "InvalidParameterValue", "portRange"),
        ({"Protocol": "1"}, "MissingParameter", "icmpTypeCode"),
        (
            {"Protocol": "icmp", "IcmpTypeCode": {"Type": 300, "Code": 0}},
            "InvalidParameterValue",
            "icmpTypeCode",
        ),
    ],
)
def test_entry_errors(ec2: Any, params: dict[str, Any], code: str, message: str) -> None:
    request = {
        "RuleNumber": 5,
        "Protocol": "-1",
        "RuleAction": "allow",
        "Egress": False,
        "CidrBlock": "0.0.0.0/0",
    }
    request.update(params)
    request = {k: v for k, v in request.items() if v is not None}
    with aws_error(code, 400, message):
        ec2.create_network_acl_entry(NetworkAclId=_default_acl(ec2)["NetworkAclId"], **request)


def test_entry_quota(ec2: Any) -> None:
    acl = ec2.create_network_acl(VpcId=_default_vpc(ec2))["NetworkAcl"]["NetworkAclId"]
    for rule in range(1, 21):
        ec2.create_network_acl_entry(
            NetworkAclId=acl, RuleNumber=rule, RuleAction="allow", Egress=False, **ALL
        )
    with aws_error("NetworkAclEntryLimitExceeded", 400, "The maximum number of network acl entries"):
        ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=21, RuleAction="allow", Egress=False, **ALL)
    ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=21, RuleAction="allow", Egress=True, **ALL)


@given(
    rule=st.one_of(st.integers(-5, 40000), st.just(32767)),
    protocol=st.one_of(st.sampled_from(["-1", "6", "17", "1", "58", "tcp", "icmp"]), st.text(max_size=6)),
    action=st.sampled_from(["allow", "deny", "", "x"]),
    cidr=st.one_of(
        st.text(max_size=20), st.from_regex(r"[0-9]{1,3}(\.[0-9]{1,3}){3}/[0-9]{1,2}", fullmatch=True)
    ),
    ports=st.one_of(
        st.none(), st.fixed_dictionaries({"From": st.integers(-10, 70000), "To": st.integers(-10, 70000)})
    ),
    icmp=st.one_of(
        st.none(), st.fixed_dictionaries({"Type": st.integers(-3, 300), "Code": st.integers(-3, 300)})
    ),
    egress=st.booleans(),
)
def test_entry_input_never_breaks_the_server(
    ec2: Any, rule: int, protocol: str, action: str, cidr: str, ports: Any, icmp: Any, egress: bool
) -> None:
    acl = _default_acl(ec2)["NetworkAclId"]
    request: dict[str, Any] = {
        "NetworkAclId": acl,
        "RuleNumber": rule,
        "Protocol": protocol,
        "RuleAction": action,
        "Egress": egress,
        "CidrBlock": cidr,
    }
    if ports is not None:
        request["PortRange"] = ports
    if icmp is not None:
        request["IcmpTypeCode"] = icmp
    for call in (ec2.create_network_acl_entry, ec2.replace_network_acl_entry):
        try:
            call(**request)
        except ClientError as error:
            assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 400, error.response
    try:
        ec2.delete_network_acl_entry(NetworkAclId=acl, RuleNumber=rule, Egress=egress)
    except ClientError as error:
        assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 400, error.response
