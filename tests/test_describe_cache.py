"""DescribeInstances' cached items never go stale: after every kind of change an instance's item
shows, the cached answer is byte for byte the answer rendered afresh (`forget_rendered`)."""

from __future__ import annotations

import contextlib
import json
import re
import urllib.parse
from collections.abc import Callable
from typing import Any

import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from hypothesis import given
from hypothesis import strategies as st

from ec2sim.api.ec2.instance_views import forget_rendered
from ec2sim.testing import DEFAULT_SECRET, EmulatorServer
from tests.test_instances import run

QUERIES: list[dict[str, str]] = [  # as sent: every instance; by filters read from the item; a page
    {},
    {"Filter.1.Name": "network-interface.addresses.association.public-ip", "Filter.1.Value.1": "*"},
    {"Filter.1.Name": "instance-state-name", "Filter.1.Value.1": "running", "MaxResults": "5"},
]
FORM = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
)


class Fleet:
    """Three instances in two reservations and what the changes below attach to them."""

    def __init__(self, emulator: EmulatorServer, account_id: str, ec2: Any, iam: Any) -> None:
        self.emulator, self.ec2 = emulator, ec2
        iam.create_role(RoleName="cache", AssumeRolePolicyDocument=TRUST)
        iam.create_instance_profile(InstanceProfileName="cache")
        iam.add_role_to_instance_profile(InstanceProfileName="cache", RoleName="cache")
        first = run(ec2, MinCount=2, MaxCount=2)["Instances"]
        second = run(
            ec2,
            Monitoring={"Enabled": True},
            TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "k", "Value": "v"}]}],
        )
        self.ids = [i["InstanceId"] for i in first] + [second["Instances"][0]["InstanceId"]]
        zone, subnet = first[0]["Placement"]["AvailabilityZone"], first[0]["SubnetId"]
        self.vpc = first[0]["VpcId"]
        self.group = ec2.create_security_group(GroupName="extra", Description="x", VpcId=self.vpc)["GroupId"]
        self.default_group = first[0]["SecurityGroups"][0]["GroupId"]
        self.eni = ec2.create_network_interface(SubnetId=subnet)["NetworkInterface"]["NetworkInterfaceId"]
        self.allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
        self.volume = ec2.create_volume(AvailabilityZone=zone, Size=8)["VolumeId"]
        self.count = 0
        self.credentials = Credentials(account_id, DEFAULT_SECRET)

    def answers(self) -> list[str]:
        """The raw answers to `QUERIES` (boto3 would spend most of the test parsing them)."""
        return [self._raw(query) for query in QUERIES]

    def _raw(self, query: dict[str, Any]) -> str:
        body = urllib.parse.urlencode({"Action": "DescribeInstances", "Version": "2016-11-15", **query})
        request = AWSRequest("POST", self.emulator.endpoint_url + "/", data=body, headers=FORM)
        SigV4Auth(self.credentials, "ec2", "us-east-1").add_auth(request)
        answer = requests.post(request.url, data=body, headers=dict(request.headers.items()), timeout=30)
        assert answer.status_code == 200, answer.text
        return re.sub(r"<requestId>[^<]*</requestId>", "", answer.text)

    def association(self, instance: str) -> str | None:
        found = self.ec2.describe_iam_instance_profile_associations(
            Filters=[{"Name": "instance-id", "Values": [instance]}]
        )["IamInstanceProfileAssociations"]
        live = [a for a in found if a["State"] in ("associating", "associated")]
        return live[0]["AssociationId"] if live else None

    def eni_attachment(self) -> str | None:
        eni = self.ec2.describe_network_interfaces(NetworkInterfaceIds=[self.eni])["NetworkInterfaces"][0]
        return eni.get("Attachment", {}).get("AttachmentId")


def _toggle_profile(f: Fleet, i: str) -> None:
    association = f.association(i)
    if association is None:
        f.ec2.associate_iam_instance_profile(IamInstanceProfile={"Name": "cache"}, InstanceId=i)
    else:
        f.ec2.disassociate_iam_instance_profile(AssociationId=association)


def _toggle_eni(f: Fleet, i: str) -> None:
    attachment = f.eni_attachment()
    if attachment is None:
        f.ec2.attach_network_interface(NetworkInterfaceId=f.eni, InstanceId=i, DeviceIndex=1)
    else:
        f.ec2.detach_network_interface(AttachmentId=attachment, Force=True)


def _toggle_volume(f: Fleet, i: str) -> None:
    volume = f.ec2.describe_volumes(VolumeIds=[f.volume])["Volumes"][0]
    if volume["Attachments"]:
        f.ec2.detach_volume(VolumeId=f.volume, Force=True)
    else:
        f.ec2.attach_volume(VolumeId=f.volume, InstanceId=i, Device="/dev/sdf")


def _tag(f: Fleet, i: str) -> None:
    f.count += 1
    f.ec2.create_tags(Resources=[i], Tags=[{"Key": "k", "Value": str(f.count)}])


def _toggle_dns(f: Fleet, i: str) -> None:
    on = f.ec2.describe_vpc_attribute(VpcId=f.vpc, Attribute="enableDnsHostnames")["EnableDnsHostnames"]
    f.ec2.modify_vpc_attribute(VpcId=f.vpc, EnableDnsHostnames={"Value": not on["Value"]})


def _eni_change(f: Fleet, i: str) -> None:
    f.count += 1
    f.ec2.modify_network_interface_attribute(NetworkInterfaceId=f.eni, Description={"Value": str(f.count)})
    f.ec2.create_tags(Resources=[f.eni], Tags=[{"Key": "n", "Value": str(f.count)}])
    f.ec2.assign_private_ip_addresses(NetworkInterfaceId=f.eni, SecondaryPrivateIpAddressCount=1)


CHANGES: dict[str, Callable[[Fleet, str], Any]] = {
    "tag": _tag,
    "untag": lambda f, i: f.ec2.delete_tags(Resources=[i], Tags=[{"Key": "k"}]),
    "stop": lambda f, i: f.ec2.stop_instances(InstanceIds=[i]),
    "start": lambda f, i: f.ec2.start_instances(InstanceIds=[i]),
    "reboot": lambda f, i: f.ec2.reboot_instances(InstanceIds=[i]),
    "terminate": lambda f, i: f.ec2.terminate_instances(InstanceIds=[i]),
    "time passes": lambda f, i: f.emulator.advance_clock(120),
    "instance type": lambda f, i: f.ec2.modify_instance_attribute(
        InstanceId=i, InstanceType={"Value": "t3.small"}
    ),
    "source/dest check": lambda f, i: f.ec2.modify_instance_attribute(
        InstanceId=i, SourceDestCheck={"Value": f.count % 2 == 0}
    ),
    "groups": lambda f, i: f.ec2.modify_instance_attribute(InstanceId=i, Groups=[f.default_group, f.group]),
    "metadata options": lambda f, i: f.ec2.modify_instance_metadata_options(
        InstanceId=i, HttpTokens="required", HttpPutResponseHopLimit=3
    ),
    "instance profile": _toggle_profile,
    "elastic ip": lambda f, i: f.ec2.associate_address(AllocationId=f.allocation, InstanceId=i),
    "elastic ip off": lambda f, i: f.ec2.disassociate_address(
        AssociationId=f.ec2.describe_addresses(AllocationIds=[f.allocation])["Addresses"][0]["AssociationId"]
    ),
    "interface": _toggle_eni,
    "interface's attributes": _eni_change,
    "volume": _toggle_volume,
    "vpc dns hostnames": _toggle_dns,
    "delete group": lambda f, i: f.ec2.delete_security_group(GroupId=f.group),
}

# Every change, in an order in which each one is allowed.
SCRIPT = [
    "tag", "untag", "stop", "time passes", "instance type", "source/dest check", "start",
    "time passes", "reboot", "groups", "metadata options", "instance profile", "time passes",
    "elastic ip", "elastic ip off", "interface", "interface's attributes", "interface", "volume",
    "time passes", "vpc dns hostnames", "instance profile", "time passes", "terminate", "time passes",
]  # fmt: skip


def _apply(fleet: Fleet, change: str, which: int) -> None:
    with contextlib.suppress(ClientError, KeyError):  # a change the instance's state refuses: none
        CHANGES[change](fleet, fleet.ids[which])


def _assert_current(fleet: Fleet) -> None:
    cached = fleet.answers()
    forget_rendered()
    assert cached == fleet.answers()


@pytest.fixture
def fleet(ec2sim_server: EmulatorServer, account_id: str, ec2: Any, iam: Any) -> Fleet:
    return Fleet(ec2sim_server, account_id, ec2, iam)


def test_every_change_shows_at_once(fleet: Fleet) -> None:
    fleet.answers()  # cached
    for change in SCRIPT:
        CHANGES[change](fleet, fleet.ids[0])  # each one succeeds here
        _assert_current(fleet)
    _apply(fleet, "delete group", 0)  # the group the instance was in
    _assert_current(fleet)


@given(st.lists(st.tuples(st.sampled_from(sorted(CHANGES)), st.integers(0, 2)), min_size=1, max_size=3))
def test_any_sequence_of_changes(fleet: Fleet, steps: list[Any]) -> None:
    fleet.answers()  # one fleet for every example: each continues from where the last left it
    for change, which in steps:
        _apply(fleet, change, which)
        _assert_current(fleet)


def test_a_large_answer_arrives_whole(fleet: Fleet) -> None:
    """An answer past 256 KB goes to the server as a file (`ec2sim.api.app._response`)."""
    run(fleet.ec2, MinCount=80, MaxCount=80)
    answer = fleet.answers()[0]
    assert len(answer) > 2**18
    assert answer.endswith("</DescribeInstancesResponse>")
    assert answer.count("<instanceId>") == 83
    reservations = fleet.ec2.describe_instances()["Reservations"]
    assert sum(len(r["Instances"]) for r in reservations) == 83
