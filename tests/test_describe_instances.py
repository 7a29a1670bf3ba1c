"""DescribeInstances: ids, errors, paging, reservations and filters."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import aws_error
from tests.test_instances import AL2023, WINDOWS, run


@pytest.fixture
def fleet(ec2: Any, iam: Any) -> dict[str, Any]:
    """Two reservations: two tagged t3.micro with a key, and one Windows t3.small."""
    iam.create_instance_profile(InstanceProfileName="app")
    ec2.create_key_pair(KeyName="ops")
    group_id = ec2.create_security_group(GroupName="web", Description="web")["GroupId"]
    first = run(
        ec2,
        MinCount=2,
        MaxCount=2,
        KeyName="ops",
        SecurityGroupIds=[group_id],
        ClientToken="tok",
        IamInstanceProfile={"Name": "app"},
        Monitoring={"Enabled": True},
        TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "team", "Value": "blue"}]}],
    )
    second = run(
        ec2,
        ImageId=WINDOWS,
        InstanceType="t3.small",
        Placement={"AvailabilityZone": "us-east-1b"},
        MetadataOptions={"HttpTokens": "optional"},
    )
    return {"first": first, "second": second, "group_id": group_id}


def ids_for(ec2: Any, name: str, *values: str) -> list[str]:
    reservations = ec2.describe_instances(Filters=[{"Name": name, "Values": list(values)}])["Reservations"]
    return sorted(i["InstanceId"] for r in reservations for i in r["Instances"])


def test_grouped_by_reservation(ec2, fleet):
    reservations = ec2.describe_instances()["Reservations"]
    assert [r["ReservationId"] for r in reservations] == [
        fleet["first"]["ReservationId"],
        fleet["second"]["ReservationId"],
    ]
    assert [len(r["Instances"]) for r in reservations] == [2, 1]
    assert all(r["Groups"] == [] and r["OwnerId"] for r in reservations)


def test_instance_ids_and_errors(ec2, fleet):
    one = fleet["first"]["Instances"][1]["InstanceId"]
    only = ec2.describe_instances(InstanceIds=[one])["Reservations"]
    assert [i["InstanceId"] for i in only[0]["Instances"]] == [one]
    with aws_error("InvalidInstanceID.NotFound", 400, "The instance ID 'i-0123456789abcdef0' does not exist"):
        ec2.describe_instances(InstanceIds=[one, "i-0123456789abcdef0"])
    with aws_error(
        "InvalidInstanceID.NotFound",
        400,
        "The instance IDs 'i-0123456789abcdef0, i-0123456789abcdef1' do not exist",
    ):
        ec2.describe_instances(InstanceIds=["i-0123456789abcdef0", one, "i-0123456789abcdef1"])
    with aws_error("InvalidInstanceID.Malformed", 400, 'Invalid id: "bogus"'):
        ec2.describe_instances(InstanceIds=["bogus"])
    with aws_error(
        "InvalidParameterCombination",
        400,
        "The parameter instancesSet cannot be used with the parameter maxResults",
    ):
        ec2.describe_instances(InstanceIds=[one], MaxResults=5)


def test_other_accounts_instances_are_invisible(make_client, ec2, fleet):
    other = make_client("ec2", "999988887777")
    one = fleet["first"]["Instances"][0]["InstanceId"]
    with aws_error("InvalidInstanceID.NotFound", 400):
        other.describe_instances(InstanceIds=[one])


def test_paging(ec2):
    launched = run(ec2, MinCount=12, MaxCount=12)["Instances"]
    seen, token, pages = [], None, 0
    while True:
        kwargs = {"MaxResults": 5, **({"NextToken": token} if token else {})}
        page = ec2.describe_instances(**kwargs)
        seen += [i["InstanceId"] for r in page["Reservations"] for i in r["Instances"]]
        pages += 1
        token = page.get("NextToken")
        if not token:
            break
    assert pages == 3 and seen == [i["InstanceId"] for i in launched]
    with aws_error("InvalidParameterValue", 400, "maxResults"):
        ec2.describe_instances(MaxResults=4)
    paginated = ec2.get_paginator("describe_instances").paginate(PaginationConfig={"PageSize": 5})
    assert sum(len(r["Instances"]) for p in paginated for r in p["Reservations"]) == 12


def _instances(fleet: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    return fleet["first"]["Instances"], fleet["second"]["Instances"][0]


def test_filters_by_field(ec2, fleet):
    (a, b), windows = _instances(fleet)
    pair = sorted([a["InstanceId"], b["InstanceId"]])
    everyone = sorted([*pair, windows["InstanceId"]])
    checks: list[tuple[str, list[str], list[str]]] = [
        ("instance-id", [a["InstanceId"]], [a["InstanceId"]]),
        ("instance-state-name", ["running"], everyone),
        ("instance-state-code", ["16"], everyone),
        ("instance-type", ["t3.small"], [windows["InstanceId"]]),
        ("image-id", [AL2023], pair),
        ("key-name", ["ops"], pair),
        ("tag:team", ["blue"], pair),
        ("tag-key", ["team"], pair),
        ("tag-value", ["bl*"], pair),
        ("availability-zone", ["us-east-1b"], [windows["InstanceId"]]),
        ("vpc-id", [a["VpcId"]], everyone),
        ("subnet-id", [windows["SubnetId"]], [windows["InstanceId"]]),
        ("private-ip-address", [a["PrivateIpAddress"]], [a["InstanceId"]]),
        ("ip-address", [b["PublicIpAddress"]], [b["InstanceId"]]),
        ("private-dns-name", [a["PrivateDnsName"]], [a["InstanceId"]]),
        ("dns-name", [b["PublicDnsName"]], [b["InstanceId"]]),
        ("reservation-id", [fleet["second"]["ReservationId"]], [windows["InstanceId"]]),
        ("owner-id", [fleet["first"]["OwnerId"]], everyone),
        ("instance.group-id", [fleet["group_id"]], pair),
        ("instance.group-name", ["web"], pair),
        ("group-id", [fleet["group_id"]], pair),
        ("group-name", ["default"], [windows["InstanceId"]]),
        ("iam-instance-profile.arn", ["arn:aws:iam::*:instance-profile/app"], pair),
        ("architecture", ["x86_64"], everyone),
        ("root-device-type", ["ebs"], everyone),
        ("root-device-name", ["/dev/sda1"], [windows["InstanceId"]]),
        ("platform", ["windows"], [windows["InstanceId"]]),
        ("platform-details", ["Windows"], [windows["InstanceId"]]),
        (
            "block-device-mapping.volume-id",
            [a["BlockDeviceMappings"][0]["Ebs"]["VolumeId"]],
            [a["InstanceId"]],
        ),
        ("block-device-mapping.device-name", ["/dev/xvda"], pair),
        ("client-token", ["tok"], pair),
        (
            "network-interface.network-interface-id",
            [b["NetworkInterfaces"][0]["NetworkInterfaceId"]],
            [b["InstanceId"]],
        ),
        ("network-interface.subnet-id", [windows["SubnetId"]], [windows["InstanceId"]]),
        ("network-interface.vpc-id", [a["VpcId"]], everyone),
        ("network-interface.addresses.private-ip-address", [b["PrivateIpAddress"]], [b["InstanceId"]]),
        ("metadata-options.http-tokens", ["optional"], [windows["InstanceId"]]),
        ("monitoring-state", ["enabled"], pair),
        ("hypervisor", ["xen"], everyone),
        ("virtualization-type", ["hvm"], everyone),
        ("launch-index", ["1"], [b["InstanceId"]]),
        ("ami-launch-index", ["0"], sorted([a["InstanceId"], windows["InstanceId"]])),
        # Each launch's own second (two launches may fall either side of a second's edge).
        (
            "launch-time",
            sorted({i["LaunchTime"].strftime("%Y-%m-%dT%H:%M:%S.000Z") for i in (a, b, windows)}),
            everyone,
        ),
        ("tenancy", ["default"], everyone),
        ("usage-operation", ["RunInstances:0002"], [windows["InstanceId"]]),
    ]
    for name, values, expected in checks:
        assert ids_for(ec2, name, *values) == sorted(expected), name


def test_filters_combine(ec2, fleet):
    (a, b), windows = _instances(fleet)
    both = [{"Name": "tag:team", "Values": ["blue"]}, {"Name": "launch-index", "Values": ["0"]}]
    found = ec2.describe_instances(Filters=both)["Reservations"]
    assert [i["InstanceId"] for r in found for i in r["Instances"]] == [a["InstanceId"]]
    either = ids_for(ec2, "instance-id", b["InstanceId"], windows["InstanceId"], "i-0123456789abcdef0")
    assert either == sorted([b["InstanceId"], windows["InstanceId"]])
    assert ids_for(ec2, "instance-state-name", "stopped") == []


def test_filter_on_state_changes(ec2, fleet):
    (a, _), _ = _instances(fleet)
    ec2.stop_instances(InstanceIds=[a["InstanceId"]])
    assert ids_for(ec2, "instance-state-name", "stopped") == [a["InstanceId"]]
    ec2.create_tags(Resources=[a["InstanceId"]], Tags=[{"Key": "team", "Value": "red"}])
    assert ids_for(ec2, "tag:team", "red") == [a["InstanceId"]]


def test_unknown_filter(ec2):
    with aws_error("InvalidParameterValue", 400, "The filter 'nonsense' is invalid"):
        ec2.describe_instances(Filters=[{"Name": "nonsense", "Values": ["x"]}])


_NO_DATA_FILTERS = [
    "capacity-reservation-id",
    "host-id",
    "ipv6-address",
    "network-interface.ipv6-address",
    "network-interface.ipv6-addresses.ipv6-address",
    "network-interface.ipv4-prefixes.ipv4-prefix",
    "network-interface.ipv6-prefixes.ipv6-prefix",
    "network-interface.association.allocation-id",
    "network-interface.addresses.association.carrier-ip",
    "network-interface.operator.principal",
    "network-interface.outpost-arn",
    "network-interface.requester-id",
    "network-performance-options.bandwidth-weighting",
    "operator.principal",
    "outpost-arn",
    "placement-partition-number",
    "product-code.type",
    "tpm-support",
]


@pytest.mark.parametrize("name", _NO_DATA_FILTERS)
def test_documented_filters_without_data_match_nothing(ec2, fleet, name):
    assert ids_for(ec2, name, "*") == []


def test_zone_id_protocol_and_interface_tag_filters(ec2, fleet):
    first, second = _instances(fleet)
    everyone = sorted(i["InstanceId"] for i in [*first, second])
    zone_id = ec2.describe_availability_zones(ZoneNames=["us-east-1b"])["AvailabilityZones"][0]["ZoneId"]
    assert ids_for(ec2, "availability-zone-id", zone_id) == [second["InstanceId"]]
    assert ids_for(ec2, "metadata-options.http-protocol-ipv4", "enabled") == everyone
    eni = second["NetworkInterfaces"][0]["NetworkInterfaceId"]
    ec2.create_tags(Resources=[eni], Tags=[{"Key": "role", "Value": "db"}])
    assert ids_for(ec2, "network-interface.tag-key", "role") == [second["InstanceId"]]
    assert ids_for(ec2, "network-interface.tag-value", "d*") == [second["InstanceId"]]
    statuses = ec2.describe_instance_status(Filters=[{"Name": "availability-zone-id", "Values": [zone_id]}])
    assert [s["InstanceId"] for s in statuses["InstanceStatuses"]] == [second["InstanceId"]]
