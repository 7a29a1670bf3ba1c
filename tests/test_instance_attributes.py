"""Instance attributes, metadata options and instance status."""

from __future__ import annotations

import base64
from typing import Any

import pytest
import requests

from ec2sim.store.ec2.images import AMAZON_OWNER_ID, public_images
from tests.helpers import aws_error

MISSING_ID = "i-0123456789abcdef0"


@pytest.fixture
def settle(server: Any) -> Any:
    """``settle()``: advance emulated time past every scheduled state change."""
    seconds = max(server.config.instance_start_seconds, server.config.instance_stop_seconds) + 1

    def advance() -> None:
        requests.post(server.api_url + "/_ec2sim/clock", json={"advance_seconds": seconds}).raise_for_status()

    return advance


@pytest.fixture
def launch(ec2: Any, settle: Any) -> Any:
    """``launch(state, **extra)`` → the id of a new Amazon Linux instance, settled in `state`."""
    image_id = next(
        i.id
        for i in public_images("us-east-1").values()
        if i.owner_id == AMAZON_OWNER_ID and i.architecture == "x86_64"
    )
    leave = {"stopped": ec2.stop_instances, "terminated": ec2.terminate_instances}

    def run(state: str = "running", **extra: Any) -> str:
        reply = ec2.run_instances(ImageId=image_id, MinCount=1, MaxCount=1, **extra)
        instance_id = reply["Instances"][0]["InstanceId"]
        settle()
        if state in leave:
            leave[state](InstanceIds=[instance_id])
            settle()
        return instance_id

    return run


@pytest.fixture
def region(server: Any, account_id: str) -> Any:
    """The account's store region, for set-up the tests need without other families' actions."""
    return server.store.account(account_id).ec2("us-east-1")


@pytest.fixture
def running(launch: Any) -> str:
    return launch()


@pytest.fixture
def stopped(launch: Any) -> str:
    return launch("stopped")


def attribute(ec2: Any, instance_id: str, name: str) -> dict[str, Any]:
    reply = ec2.describe_instance_attribute(InstanceId=instance_id, Attribute=name)
    reply.pop("ResponseMetadata")
    assert reply.pop("InstanceId") == instance_id
    return reply


# DescribeInstanceStatus ------------------------------------------------------------------


def test_status_of_running_instance(ec2, running):
    statuses = ec2.describe_instance_status(InstanceIds=[running])["InstanceStatuses"]
    assert len(statuses) == 1
    status = statuses[0]
    assert status["InstanceState"] == {"Code": 16, "Name": "running"}
    assert status["AvailabilityZone"].startswith("us-east-1")
    passed = {"Status": "ok", "Details": [{"Name": "reachability", "Status": "passed"}]}
    assert status["InstanceStatus"] == passed and status["SystemStatus"] == passed
    assert status["AttachedEbsStatus"] == passed


def test_status_lists_only_running_unless_all(ec2, running, stopped):
    listed = {s["InstanceId"] for s in ec2.describe_instance_status()["InstanceStatuses"]}
    assert listed == {running}
    assert ec2.describe_instance_status(InstanceIds=[stopped])["InstanceStatuses"] == []
    everything = ec2.describe_instance_status(IncludeAllInstances=True)["InstanceStatuses"]
    by_id = {s["InstanceId"]: s for s in everything}
    assert set(by_id) == {running, stopped}
    assert by_id[stopped]["InstanceStatus"] == {"Status": "not-applicable"}
    assert by_id[stopped]["SystemStatus"] == {"Status": "not-applicable"}


def test_status_filters(ec2, running, stopped):
    def ids(*filters: tuple[str, list[str]]) -> set[str]:
        reply = ec2.describe_instance_status(
            IncludeAllInstances=True, Filters=[{"Name": n, "Values": v} for n, v in filters]
        )
        return {s["InstanceId"] for s in reply["InstanceStatuses"]}

    assert ids(("instance-state-name", ["stopped"])) == {stopped}
    assert ids(("instance-state-code", ["16"])) == {running}
    assert ids(("instance-status.status", ["ok"])) == {running}
    assert ids(("system-status.status", ["not-applicable"])) == {stopped}
    assert ids(("instance-status.reachability", ["passed"])) == {running}
    assert ids(("system-status.reachability", ["passed"])) == {running}
    assert ids(("availability-zone", ["us-east-1*"])) == {running, stopped}
    assert ids(("event.code", ["system-reboot"])) == set()
    with aws_error("InvalidParameterValue", 400, "The filter 'bogus' is invalid"):
        ids(("bogus", ["x"]))


def test_status_paging(ec2, launch):
    launched = [launch() for _ in range(6)]
    first = ec2.describe_instance_status(MaxResults=5)
    assert len(first["InstanceStatuses"]) == 5 and first["NextToken"]
    rest = ec2.describe_instance_status(MaxResults=5, NextToken=first["NextToken"])
    assert len(rest["InstanceStatuses"]) == 1 and "NextToken" not in rest
    seen = {s["InstanceId"] for s in first["InstanceStatuses"] + rest["InstanceStatuses"]}
    assert seen == set(launched)
    with aws_error("InvalidParameterValue", 400):
        ec2.describe_instance_status(MaxResults=1001)
    with aws_error("InvalidPaginationToken", 400):
        ec2.describe_instance_status(MaxResults=5, NextToken="garbage")


def test_status_errors(ec2, running):
    with aws_error("InvalidInstanceID.NotFound", 400, f"The instance ID '{MISSING_ID}' does not exist"):
        ec2.describe_instance_status(InstanceIds=[MISSING_ID])
    with aws_error("InvalidInstanceID.Malformed", 400, 'Invalid id: "i-xyz"'):
        ec2.describe_instance_status(InstanceIds=["i-xyz"])
    with aws_error(
        "InvalidParameterCombination", 400, "instancesSet cannot be used with the parameter maxResults"
    ):
        ec2.describe_instance_status(InstanceIds=[running], MaxResults=5)
    with aws_error("InvalidRequest", 400, "exceeds the maximum number of instance IDs"):
        ec2.describe_instance_status(InstanceIds=[running] * 50 + [f"i-{n:017x}" for n in range(51)])


# DescribeInstanceAttribute ---------------------------------------------------------------


def test_describe_every_attribute(ec2, launch):
    instance_id = launch(InstanceType="t3.micro", UserData="#!/bin/sh\necho hi\n")
    instance = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]
    assert attribute(ec2, instance_id, "instanceType") == {"InstanceType": {"Value": "t3.micro"}}
    user_data = attribute(ec2, instance_id, "userData")["UserData"]["Value"]
    assert base64.b64decode(user_data) == b"#!/bin/sh\necho hi\n"
    assert attribute(ec2, instance_id, "kernel") == {"KernelId": {}}
    assert attribute(ec2, instance_id, "ramdisk") == {"RamdiskId": {}}
    assert attribute(ec2, instance_id, "disableApiTermination") == {"DisableApiTermination": {"Value": False}}
    assert attribute(ec2, instance_id, "disableApiStop") == {"DisableApiStop": {"Value": False}}
    assert attribute(ec2, instance_id, "instanceInitiatedShutdownBehavior") == {
        "InstanceInitiatedShutdownBehavior": {"Value": "stop"}
    }
    assert attribute(ec2, instance_id, "rootDeviceName") == {
        "RootDeviceName": {"Value": instance["RootDeviceName"]}
    }
    assert attribute(ec2, instance_id, "sourceDestCheck") == {"SourceDestCheck": {"Value": True}}
    assert attribute(ec2, instance_id, "ebsOptimized") == {
        "EbsOptimized": {"Value": instance["EbsOptimized"]}
    }
    assert attribute(ec2, instance_id, "enaSupport") == {"EnaSupport": {"Value": instance["EnaSupport"]}}
    assert attribute(ec2, instance_id, "enclaveOptions") == {"EnclaveOptions": {"Enabled": False}}
    assert attribute(ec2, instance_id, "productCodes") == {"ProductCodes": []}
    assert "SriovNetSupport" in attribute(ec2, instance_id, "sriovNetSupport")
    groups = attribute(ec2, instance_id, "groupSet")["Groups"]
    assert groups == [
        {"GroupId": g["GroupId"], "GroupName": g["GroupName"]} for g in instance["SecurityGroups"]
    ]
    mappings = attribute(ec2, instance_id, "blockDeviceMapping")["BlockDeviceMappings"]
    assert [m["DeviceName"] for m in mappings] == [m["DeviceName"] for m in instance["BlockDeviceMappings"]]
    assert mappings[0]["Ebs"]["VolumeId"].startswith("vol-") and mappings[0]["Ebs"]["Status"] == "attached"


def test_describe_attribute_without_user_data(ec2, launch):
    assert attribute(ec2, launch(), "userData") == {"UserData": {}}


def test_describe_attribute_errors(ec2, launch):
    instance_id = launch()
    with aws_error(
        "InvalidParameterValue", 400, "Value (bogus) for parameter attribute is invalid. Unknown attribute."
    ):
        ec2.describe_instance_attribute(InstanceId=instance_id, Attribute="bogus")
    with aws_error("InvalidInstanceID.NotFound", 400, f"The instance ID '{MISSING_ID}' does not exist"):
        ec2.describe_instance_attribute(InstanceId=MISSING_ID, Attribute="instanceType")
    with aws_error("InvalidInstanceID.Malformed", 400):
        ec2.describe_instance_attribute(InstanceId="nonsense", Attribute="instanceType")


# ModifyInstanceAttribute -----------------------------------------------------------------


def test_modify_instance_type_and_user_data_when_stopped(ec2, stopped):
    ec2.modify_instance_attribute(InstanceId=stopped, InstanceType={"Value": "m5.large"})
    assert attribute(ec2, stopped, "instanceType") == {"InstanceType": {"Value": "m5.large"}}
    ec2.modify_instance_attribute(InstanceId=stopped, Attribute="instanceType", Value="t3.small")
    assert attribute(ec2, stopped, "instanceType") == {"InstanceType": {"Value": "t3.small"}}
    ec2.modify_instance_attribute(InstanceId=stopped, UserData={"Value": b"#cloud-config\n"})
    stored = attribute(ec2, stopped, "userData")["UserData"]["Value"]
    assert base64.b64decode(stored) == b"#cloud-config\n"
    described = ec2.describe_instances(InstanceIds=[stopped])["Reservations"][0]["Instances"][0]
    assert described["InstanceType"] == "t3.small"


def test_modify_requires_stopped_instance(ec2, running):
    message = f"The instance '{running}' is not in the 'stopped' state."
    with aws_error("IncorrectInstanceState", 400, message):
        ec2.modify_instance_attribute(InstanceId=running, InstanceType={"Value": "m5.large"})
    with aws_error("IncorrectInstanceState", 400, message):
        ec2.modify_instance_attribute(InstanceId=running, UserData={"Value": b"x"})
    with aws_error("IncorrectInstanceState", 400, message):
        ec2.modify_instance_attribute(InstanceId=running, Attribute="kernel", Value="aki-12345678")


def test_modify_invalid_instance_type(ec2, stopped):
    with aws_error("InvalidInstanceAttributeValue", 400, "t9.colossal"):
        ec2.modify_instance_attribute(InstanceId=stopped, InstanceType={"Value": "t9.colossal"})


def test_modify_flags_in_both_forms(ec2, running):
    ec2.modify_instance_attribute(InstanceId=running, DisableApiTermination={"Value": True})
    assert attribute(ec2, running, "disableApiTermination") == {"DisableApiTermination": {"Value": True}}
    ec2.modify_instance_attribute(InstanceId=running, Attribute="disableApiTermination", Value="false")
    assert attribute(ec2, running, "disableApiTermination") == {"DisableApiTermination": {"Value": False}}
    ec2.modify_instance_attribute(InstanceId=running, DisableApiStop={"Value": True})
    assert attribute(ec2, running, "disableApiStop") == {"DisableApiStop": {"Value": True}}
    ec2.modify_instance_attribute(InstanceId=running, SourceDestCheck={"Value": False})
    assert attribute(ec2, running, "sourceDestCheck") == {"SourceDestCheck": {"Value": False}}
    described = ec2.describe_instances(InstanceIds=[running])["Reservations"][0]["Instances"][0]
    assert described["NetworkInterfaces"][0]["SourceDestCheck"] is False
    ec2.modify_instance_attribute(
        InstanceId=running, InstanceInitiatedShutdownBehavior={"Value": "terminate"}
    )
    assert attribute(ec2, running, "instanceInitiatedShutdownBehavior") == {
        "InstanceInitiatedShutdownBehavior": {"Value": "terminate"}
    }
    ec2.modify_instance_attribute(
        InstanceId=running, Attribute="instanceInitiatedShutdownBehavior", Value="stop"
    )
    assert attribute(ec2, running, "instanceInitiatedShutdownBehavior")[
        "InstanceInitiatedShutdownBehavior"
    ] == {"Value": "stop"}


def test_modify_stopped_only_flags(ec2, stopped):
    ec2.modify_instance_attribute(InstanceId=stopped, EbsOptimized={"Value": True})
    assert attribute(ec2, stopped, "ebsOptimized") == {"EbsOptimized": {"Value": True}}
    ec2.modify_instance_attribute(InstanceId=stopped, EnaSupport={"Value": False})
    assert attribute(ec2, stopped, "enaSupport") == {"EnaSupport": {"Value": False}}


def test_modify_groups(ec2, running, server, region):
    with server.store.lock:
        vpc_id = region.instances.get(running).vpc_id
        group = region.add_security_group(vpc_id, "web", "web")
    ec2.modify_instance_attribute(InstanceId=running, Groups=[group.id])
    assert attribute(ec2, running, "groupSet") == {"Groups": [{"GroupId": group.id, "GroupName": "web"}]}
    described = ec2.describe_instances(InstanceIds=[running])["Reservations"][0]["Instances"][0]
    assert [g["GroupId"] for g in described["SecurityGroups"]] == [group.id]
    with aws_error("InvalidGroup.NotFound", 400, "sg-0123456789abcdef0"):
        ec2.modify_instance_attribute(InstanceId=running, Groups=["sg-0123456789abcdef0"])


def test_modify_groups_of_another_vpc(ec2, running, server, region):
    with server.store.lock:
        vpc = region.add_vpc("10.9.0.0/16")
        group = region.add_security_group(vpc.id, "elsewhere", "x")
    with aws_error("InvalidGroup.NotFound", 400, f"The security group '{group.id}' does not exist in VPC"):
        ec2.modify_instance_attribute(InstanceId=running, Groups=[group.id])


def test_modify_delete_on_termination(ec2, running, region):
    device = attribute(ec2, running, "blockDeviceMapping")["BlockDeviceMappings"][0]
    ec2.modify_instance_attribute(
        InstanceId=running,
        BlockDeviceMappings=[{"DeviceName": device["DeviceName"], "Ebs": {"DeleteOnTermination": False}}],
    )
    changed = attribute(ec2, running, "blockDeviceMapping")["BlockDeviceMappings"][0]
    assert changed["Ebs"]["DeleteOnTermination"] is False
    assert region.volumes.get(device["Ebs"]["VolumeId"]).delete_on_termination is False
    with aws_error("InvalidInstanceAttributeValue", 400, "/dev/sdz"):
        ec2.modify_instance_attribute(
            InstanceId=running,
            BlockDeviceMappings=[{"DeviceName": "/dev/sdz", "Ebs": {"DeleteOnTermination": True}}],
        )


def test_modify_errors(ec2, running):
    with aws_error("InvalidParameterCombination", 400, "No attributes specified."):
        ec2.modify_instance_attribute(InstanceId=running)
    with aws_error("InvalidParameterCombination", 400, "Fields for multiple attribute types specified"):
        ec2.modify_instance_attribute(
            InstanceId=running, SourceDestCheck={"Value": False}, DisableApiStop={"Value": True}
        )
    with aws_error("InvalidParameterValue", 400, "Unknown attribute"):
        ec2.modify_instance_attribute(InstanceId=running, Attribute="bogus", Value="1")
    with aws_error("InvalidParameterValue", 400, "instanceInitiatedShutdownBehavior"):
        ec2.modify_instance_attribute(
            InstanceId=running, InstanceInitiatedShutdownBehavior={"Value": "explode"}
        )
    with aws_error("InvalidParameterValue", 400, "Value (maybe)"):
        ec2.modify_instance_attribute(InstanceId=running, Attribute="sourceDestCheck", Value="maybe")
    with aws_error("InvalidParameterCombination", 400, "rootDeviceName"):
        ec2.modify_instance_attribute(InstanceId=running, Attribute="rootDeviceName", Value="/dev/sdb")
    with aws_error("MissingParameter", 400, "attribute"):
        ec2.modify_instance_attribute(InstanceId=running, Value="true")
    with aws_error("InvalidInstanceID.NotFound", 400):
        ec2.modify_instance_attribute(InstanceId=MISSING_ID, SourceDestCheck={"Value": False})


# ResetInstanceAttribute ------------------------------------------------------------------


def test_reset_source_dest_check(ec2, running):
    ec2.modify_instance_attribute(InstanceId=running, SourceDestCheck={"Value": False})
    ec2.reset_instance_attribute(InstanceId=running, Attribute="sourceDestCheck")
    assert attribute(ec2, running, "sourceDestCheck") == {"SourceDestCheck": {"Value": True}}


def test_reset_kernel_and_ramdisk(ec2, stopped, running):
    ec2.modify_instance_attribute(InstanceId=stopped, Kernel={"Value": "aki-12345678"})
    assert attribute(ec2, stopped, "kernel") == {"KernelId": {"Value": "aki-12345678"}}
    ec2.reset_instance_attribute(InstanceId=stopped, Attribute="kernel")
    assert attribute(ec2, stopped, "kernel") == {"KernelId": {}}
    ec2.modify_instance_attribute(InstanceId=stopped, Attribute="ramdisk", Value="ari-12345678")
    ec2.reset_instance_attribute(InstanceId=stopped, Attribute="ramdisk")
    assert attribute(ec2, stopped, "ramdisk") == {"RamdiskId": {}}
    with aws_error("IncorrectInstanceState", 400, "is not in the 'stopped' state"):
        ec2.reset_instance_attribute(InstanceId=running, Attribute="kernel")


def test_reset_errors(ec2, running):
    with aws_error("InvalidParameterValue", 400, "Value (instanceType) for parameter attribute is invalid"):
        ec2.reset_instance_attribute(InstanceId=running, Attribute="instanceType")
    with aws_error("InvalidParameterValue", 400, "Unknown attribute"):
        ec2.reset_instance_attribute(InstanceId=running, Attribute="bogus")
    with aws_error("InvalidInstanceID.NotFound", 400):
        ec2.reset_instance_attribute(InstanceId=MISSING_ID, Attribute="sourceDestCheck")


# ModifyInstanceMetadataOptions -----------------------------------------------------------


def test_modify_metadata_options(ec2, running):
    reply = ec2.modify_instance_metadata_options(
        InstanceId=running, HttpTokens="optional", HttpPutResponseHopLimit=3, InstanceMetadataTags="enabled"
    )
    assert reply["InstanceId"] == running
    options = reply["InstanceMetadataOptions"]
    assert options["State"] == "pending"
    assert options["HttpTokens"] == "optional" and options["HttpPutResponseHopLimit"] == 3
    assert options["InstanceMetadataTags"] == "enabled" and options["HttpEndpoint"] == "enabled"
    ec2.modify_instance_metadata_options(
        InstanceId=running, HttpEndpoint="disabled", HttpProtocolIpv6="enabled"
    )
    described = ec2.describe_instances(InstanceIds=[running])["Reservations"][0]["Instances"][0][
        "MetadataOptions"
    ]
    assert described == {
        "State": "applied",
        "HttpTokens": "optional",
        "HttpPutResponseHopLimit": 3,
        "HttpEndpoint": "disabled",
        "HttpProtocolIpv6": "enabled",
        "InstanceMetadataTags": "enabled",
    }


@pytest.mark.parametrize(
    "options",
    [
        {"HttpPutResponseHopLimit": 0},
        {"HttpPutResponseHopLimit": 65},
        {"HttpTokens": "sometimes"},
        {"HttpEndpoint": "on"},
        {"InstanceMetadataTags": "yes"},
        {"HttpProtocolIpv6": "maybe"},
    ],
)
def test_metadata_options_invalid(ec2, running, options):
    with aws_error("InvalidParameterValue", 400):
        ec2.modify_instance_metadata_options(InstanceId=running, **options)


def test_metadata_options_unknown_instance(ec2):
    with aws_error("InvalidInstanceID.NotFound", 400):
        ec2.modify_instance_metadata_options(InstanceId=MISSING_ID, HttpTokens="required")


def test_metadata_options_of_terminated_instance(ec2, launch):
    terminated = launch("terminated")
    with aws_error("IncorrectInstanceState", 400):
        ec2.modify_instance_metadata_options(InstanceId=terminated, HttpTokens="required")


def test_modify_instance_type_must_match_architecture(ec2, stopped):
    with aws_error("InvalidParameterValue", 400, "The architecture 'arm64' of the specified instance type"):
        ec2.modify_instance_attribute(InstanceId=stopped, InstanceType={"Value": "t4g.micro"})
    assert attribute(ec2, stopped, "instanceType")["InstanceType"]["Value"] != "t4g.micro"


def test_modify_user_data_limits(ec2, stopped):
    with aws_error("InvalidParameterValue", 400, "User data is limited to 16384 bytes"):
        ec2.modify_instance_attribute(InstanceId=stopped, UserData={"Value": b"x" * 16385})
    with aws_error("InvalidParameterValue", 400, "Invalid BASE64 encoding of user data."):
        ec2.modify_instance_attribute(InstanceId=stopped, Attribute="userData", Value="not base64!")
    ec2.modify_instance_attribute(InstanceId=stopped, UserData={"Value": b"x" * 16384})


def test_modify_attribute_of_terminated_instance(ec2, launch):
    terminated = launch("terminated")
    with aws_error("IncorrectInstanceState", 400, terminated):
        ec2.modify_instance_attribute(InstanceId=terminated, DisableApiTermination={"Value": True})
