"""RunInstances and the instance lifecycle, through boto3 (and once through the AWS CLI)."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
import requests

from ec2sim.config import Config
from ec2sim.server import Server
from ec2sim.store.ec2.images import CANONICAL_OWNER_ID, public_images
from tests.helpers import aws_error


def _image_id(region: str, suffix: str) -> str:
    return next(i.id for i in public_images(region).values() if i.name.endswith(suffix))


AL2023 = _image_id("us-east-1", "kernel-6.1-x86_64")
AL2023_ARM = _image_id("us-east-1", "kernel-6.1-arm64")
UBUNTU = _image_id("us-east-1", "ubuntu-noble-24.04-amd64-server-20241119")
WINDOWS = _image_id("us-east-1", "Windows_Server-2022-English-Full-Base-2024.12.13")


def run(ec2: Any, **kwargs: Any) -> dict[str, Any]:
    params = {"ImageId": AL2023, "MinCount": 1, "MaxCount": 1, "InstanceType": "t3.micro", **kwargs}
    return ec2.run_instances(**params)


def run_one(ec2: Any, **kwargs: Any) -> dict[str, Any]:
    return run(ec2, **kwargs)["Instances"][0]


def describe(ec2: Any, instance_id: str) -> dict[str, Any]:
    return ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]


def region_state(server: Server, account_id: str, region: str = "us-east-1") -> Any:
    return server.store.account(account_id).ec2(region)


# RunInstances: the instance ------------------------------------------------------------


def test_run_instances_response_and_describe(ec2, account_id):
    reservation = run(ec2, MinCount=2, MaxCount=2)
    assert reservation["ReservationId"].startswith("r-") and reservation["OwnerId"] == account_id
    assert reservation["Groups"] == []
    first, second = reservation["Instances"]
    assert first["State"] == {"Code": 0, "Name": "pending"}
    assert first["StateReason"] == {"Code": "pending", "Message": "pending"}
    assert [first["AmiLaunchIndex"], second["AmiLaunchIndex"]] == [0, 1]
    assert first["PrivateIpAddress"] != second["PrivateIpAddress"]
    described = ec2.describe_instances()["Reservations"]
    assert [r["ReservationId"] for r in described] == [reservation["ReservationId"]]
    now = described[0]["Instances"][0]
    assert now["State"] == {"Code": 16, "Name": "running"} and "StateReason" not in now
    assert now["InstanceId"] == first["InstanceId"] and now["ImageId"] == AL2023


def test_instance_fields(ec2, account_id):
    instance = describe(ec2, run_one(ec2)["InstanceId"])
    ip = instance["PrivateIpAddress"]
    assert ip.startswith("172.31.")
    assert instance["PrivateDnsName"] == f"ip-{ip.replace('.', '-')}.ec2.internal"
    public = instance["PublicIpAddress"]
    assert instance["PublicDnsName"] == f"ec2-{public.replace('.', '-')}.compute-1.amazonaws.com"
    assert instance["Placement"] == {"AvailabilityZone": "us-east-1a", "GroupName": "", "Tenancy": "default"}
    assert instance["SecurityGroups"][0]["GroupName"] == "default"
    assert instance["Architecture"] == "x86_64" and instance["RootDeviceName"] == "/dev/xvda"
    assert instance["RootDeviceType"] == "ebs" and instance["VirtualizationType"] == "hvm"
    assert instance["PlatformDetails"] == "Linux/UNIX" and instance["UsageOperation"] == "RunInstances"
    assert instance["CpuOptions"] == {"CoreCount": 1, "ThreadsPerCore": 2}
    assert instance["MetadataOptions"]["HttpTokens"] == "required"
    assert instance["Monitoring"] == {"State": "disabled"} and instance["ProductCodes"] == []
    assert instance["BootMode"] == "uefi-preferred" and instance["CurrentInstanceBootMode"] == "uefi"
    assert instance["EnaSupport"] is True and instance["Hypervisor"] == "xen"
    assert instance["HibernationOptions"] == {"Configured": False}
    assert instance["LaunchTime"].microsecond == 0
    eni = instance["NetworkInterfaces"][0]
    assert eni["NetworkInterfaceId"].startswith("eni-") and eni["OwnerId"] == account_id
    assert eni["Attachment"]["DeviceIndex"] == 0 and eni["Attachment"]["Status"] == "attached"
    assert eni["Association"]["PublicIp"] == public and eni["PrivateIpAddresses"][0]["Primary"] is True
    assert eni["SubnetId"] == instance["SubnetId"] and eni["VpcId"] == instance["VpcId"]
    assert len(eni["MacAddress"].split(":")) == 6 and eni["Groups"] == instance["SecurityGroups"]
    (root,) = instance["BlockDeviceMappings"]
    assert root["DeviceName"] == "/dev/xvda" and root["Ebs"]["DeleteOnTermination"] is True
    assert root["Ebs"]["Status"] == "attached" and root["Ebs"]["VolumeId"].startswith("vol-")


def test_root_volume_and_interface_in_store(server, ec2, account_id):
    instance = run_one(ec2)
    state = region_state(server, account_id)
    with server.store.lock:
        (volume,) = state.volumes.where("instance_id", instance["InstanceId"])
        assert (volume.state, volume.attach_state, volume.size, volume.volume_type) == (
            "in-use",
            "attached",
            8,
            "gp3",
        )
        assert volume.delete_on_termination and volume.device == "/dev/xvda"
        assert volume.snapshot_id == public_images("us-east-1")[AL2023].block_devices[0].snapshot_id
        (eni,) = state.network_interfaces.where("instance_id", instance["InstanceId"])
        assert eni.private_ip_address == instance["PrivateIpAddress"]


def test_windows_and_ubuntu_images(ec2):
    windows = run_one(ec2, ImageId=WINDOWS)
    assert windows["Platform"] == "windows" and windows["PlatformDetails"] == "Windows"
    assert windows["UsageOperation"] == "RunInstances:0002" and windows["RootDeviceName"] == "/dev/sda1"
    ubuntu = run_one(ec2, ImageId=UBUNTU)
    assert ubuntu["RootDeviceName"] == "/dev/sda1" and "Platform" not in ubuntu
    assert public_images("us-east-1")[UBUNTU].owner_id == CANONICAL_OWNER_ID
    assert public_images("us-east-1")[UBUNTU].image_owner_alias is None


def test_arm_image_and_graviton_type(ec2):
    instance = run_one(ec2, ImageId=AL2023_ARM, InstanceType="t4g.small")
    assert instance["Architecture"] == "arm64" and instance["CpuOptions"] == {
        "CoreCount": 2,
        "ThreadsPerCore": 1,
    }
    with aws_error("InvalidParameterValue", 400, "architecture 'x86_64' of the specified instance type"):
        run(ec2, ImageId=AL2023_ARM, InstanceType="t3.micro")


def test_default_instance_type_is_m1_small(ec2):
    assert run_one(ec2, InstanceType="m1.small")["InstanceType"] == "m1.small"
    params = {"ImageId": AL2023, "MinCount": 1, "MaxCount": 1}
    assert ec2.run_instances(**params)["Instances"][0]["InstanceType"] == "m1.small"


def test_image_ids_differ_per_region(make_client, account_id):
    assert AL2023 != _image_id("eu-west-1", "kernel-6.1-x86_64")
    eu = make_client("ec2", account_id, region="eu-west-1")
    with aws_error("InvalidAMIID.NotFound", 400, f"The image id '[{AL2023}]' does not exist"):
        run(eu)
    instance = run_one(eu, ImageId=_image_id("eu-west-1", "kernel-6.1-x86_64"))
    assert instance["PrivateDnsName"].endswith(".eu-west-1.compute.internal")
    assert instance["PublicDnsName"].endswith(".eu-west-1.compute.amazonaws.com")


# RunInstances: validation ------------------------------------------------------------


@pytest.mark.parametrize(
    ("low", "high", "message"),
    [
        (0, 1, "Minimum instance count must be greater than zero"),
        (1, 0, "Maximum instance count must be greater than zero"),
        (3, 2, "Maximum instance count must not be smaller than minimum instance count"),
    ],
)
def test_counts_rejected(ec2, low, high, message):
    with aws_error("InvalidParameterValue", 400, message):
        run(ec2, MinCount=low, MaxCount=high)


def test_image_errors(ec2):
    with aws_error("InvalidAMIID.Malformed", 400, 'Invalid id: "ami-xyz"'):
        run(ec2, ImageId="ami-xyz")
    with aws_error("InvalidAMIID.NotFound", 400, "The image id '[ami-0123456789abcdef0]' does not exist"):
        run(ec2, ImageId="ami-0123456789abcdef0")
    with aws_error("MissingParameter", 400, "ImageId"):
        ec2.run_instances(MinCount=1, MaxCount=1)


def test_instance_type_rejected(ec2):
    with aws_error("InvalidParameterValue", 400, "Invalid value 't3.mega' for InstanceType."):
        run(ec2, InstanceType="t3.mega")


def test_key_name(ec2):
    with aws_error("InvalidKeyPair.NotFound", 400, "The key pair 'nope' does not exist"):
        run(ec2, KeyName="nope")
    ec2.create_key_pair(KeyName="mine")
    assert run_one(ec2, KeyName="mine")["KeyName"] == "mine"


def test_security_groups(ec2):
    group_id = ec2.create_security_group(GroupName="web", Description="web")["GroupId"]
    by_name = run_one(ec2, SecurityGroups=["web"])
    assert by_name["SecurityGroups"] == [{"GroupId": group_id, "GroupName": "web"}]
    by_id = run_one(ec2, SecurityGroupIds=[group_id])
    assert by_id["NetworkInterfaces"][0]["Groups"] == [{"GroupId": group_id, "GroupName": "web"}]
    with aws_error("InvalidGroup.NotFound", 400, "The security group 'nope' does not exist in default VPC"):
        run(ec2, SecurityGroups=["nope"])
    with aws_error("InvalidGroup.NotFound", 400, "The security group 'sg-0123456789abcdef0' does not exist"):
        run(ec2, SecurityGroupIds=["sg-0123456789abcdef0"])
    with aws_error("InvalidGroupId.Malformed", 400, 'Invalid id: "web"'):
        run(ec2, SecurityGroupIds=["web"])


def _other_vpc(server: Server, account_id: str) -> tuple[str, str, str]:
    """A non-default VPC with one subnet (no public IPs) and its default group."""
    from ec2sim.store.ec2.network import Subnet

    state = region_state(server, account_id)
    with server.store.lock:
        vpc = state.add_vpc("10.0.0.0/16")
        subnet = Subnet(
            state.ids.hex_id("subnet"), account_id, vpc.id, "10.0.1.0/28", "us-east-1b", "use1-az1"
        )
        state.subnets.add(subnet)
        return vpc.id, subnet.id, state.default_security_group(vpc.id).id


def test_subnet_and_placement(server, ec2, account_id):
    vpc_id, subnet_id, group_id = _other_vpc(server, account_id)
    instance = run_one(ec2, SubnetId=subnet_id)
    assert instance["VpcId"] == vpc_id and instance["PrivateIpAddress"] == "10.0.1.4"
    assert "PublicIpAddress" not in instance and instance["PublicDnsName"] == ""
    assert instance["SecurityGroups"][0]["GroupId"] == group_id
    assert instance["PrivateDnsName"] == "ip-10-0-1-4.ec2.internal"
    zoned = run_one(ec2, Placement={"AvailabilityZone": "us-east-1c"})
    assert (
        zoned["Placement"]["AvailabilityZone"] == "us-east-1c" and zoned["SubnetId"] != instance["SubnetId"]
    )
    with aws_error(
        "InvalidSubnetID.NotFound", 400, "The subnet ID 'subnet-0123456789abcdef0' does not exist"
    ):
        run(ec2, SubnetId="subnet-0123456789abcdef0")
    with aws_error("InvalidParameterValue", 400, "Invalid availability zone: [us-east-1z]"):
        run(ec2, Placement={"AvailabilityZone": "us-east-1z"})
    with aws_error("InvalidParameterCombination", 400, "groupName cannot be used with the parameter subnet"):
        run(ec2, SubnetId=subnet_id, SecurityGroups=["default"])
    default_group = ec2.describe_security_groups(GroupNames=["default"])["SecurityGroups"][0]["GroupId"]
    with aws_error("InvalidParameter", 400, "belong to different networks"):
        run(ec2, SubnetId=subnet_id, SecurityGroupIds=[default_group])


def test_subnet_runs_out_of_addresses(server, ec2, account_id):
    _, subnet_id, _ = _other_vpc(server, account_id)  # a /28: 11 usable addresses
    assert len(run(ec2, SubnetId=subnet_id, MinCount=1, MaxCount=20)["Instances"]) == 11
    with aws_error("InsufficientFreeAddressesInSubnet", 400, subnet_id):
        run(ec2, SubnetId=subnet_id)


def test_user_data(server, ec2, account_id):
    data = base64.b64encode(b"#!/bin/sh\necho hi\n").decode()
    instance = run_one(ec2, UserData="#!/bin/sh\necho hi\n")  # boto3 base64-encodes it
    with server.store.lock:
        assert region_state(server, account_id).instances.get(instance["InstanceId"]).user_data == data
    with aws_error("InvalidParameterValue", 400, "User data is limited to 16384 bytes"):
        run(ec2, UserData="x" * 16385)


def test_user_data_must_be_base64(server):
    response = requests.post(
        server.api_url,
        data={
            "Action": "RunInstances",
            "Version": "2016-11-15",
            "ImageId": AL2023,
            "MinCount": "1",
            "MaxCount": "1",
            "UserData": "not base64!",
        },
    )
    assert response.status_code == 400 and "Invalid BASE64 encoding of user data." in response.text


def test_tag_specifications(server, ec2, account_id):
    tags = [{"Key": "team", "Value": "blue"}]
    instance = run_one(
        ec2,
        TagSpecifications=[
            {"ResourceType": "instance", "Tags": tags},
            {"ResourceType": "volume", "Tags": [{"Key": "disk", "Value": "root"}]},
            {"ResourceType": "network-interface", "Tags": [{"Key": "nic", "Value": "0"}]},
        ],
    )
    assert instance["Tags"] == tags
    with server.store.lock:
        state = region_state(server, account_id)
        (volume,) = state.volumes.where("instance_id", instance["InstanceId"])
        (eni,) = state.network_interfaces.where("instance_id", instance["InstanceId"])
        assert volume.tags == {"disk": "root"} and eni.tags == {"nic": "0"}
    with aws_error("InvalidParameterValue", 400, "'vpc' is not a valid taggable resource type"):
        run(ec2, TagSpecifications=[{"ResourceType": "vpc", "Tags": tags}])


def test_iam_instance_profile(ec2, iam, account_id):
    with aws_error("InvalidParameterValue", 400, "Invalid IAM Instance Profile name"):
        run(ec2, IamInstanceProfile={"Name": "app"})
    iam.create_instance_profile(InstanceProfileName="app")
    instance = run_one(ec2, IamInstanceProfile={"Name": "app"})
    assert instance["IamInstanceProfile"]["Arn"] == f"arn:aws:iam::{account_id}:instance-profile/app"
    assert instance["IamInstanceProfile"]["Id"].startswith("AIPA")


def test_block_device_mappings(server, ec2, account_id):
    instance = run_one(
        ec2,
        BlockDeviceMappings=[
            {"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 20, "VolumeType": "gp2"}},
            {
                "DeviceName": "/dev/sdf",
                "Ebs": {
                    "VolumeSize": 100,
                    "VolumeType": "io2",
                    "Iops": 5000,
                    "DeleteOnTermination": False,
                    "Encrypted": True,
                },
            },
        ],
    )
    devices = {d["DeviceName"]: d["Ebs"] for d in instance["BlockDeviceMappings"]}
    assert set(devices) == {"/dev/xvda", "/dev/sdf"} and devices["/dev/sdf"]["DeleteOnTermination"] is False
    with server.store.lock:
        volumes = {
            v.device: v
            for v in region_state(server, account_id).volumes.where("instance_id", instance["InstanceId"])
        }
        assert (volumes["/dev/xvda"].size, volumes["/dev/xvda"].volume_type, volumes["/dev/xvda"].iops) == (
            20,
            "gp2",
            100,
        )
        assert (volumes["/dev/sdf"].size, volumes["/dev/sdf"].iops, volumes["/dev/sdf"].encrypted) == (
            100,
            5000,
            True,
        )
    with aws_error("InvalidBlockDeviceMapping", 400, "root device"):
        run(ec2, BlockDeviceMappings=[{"DeviceName": "/dev/xvda", "NoDevice": ""}])
    with aws_error("InvalidBlockDeviceMapping", 400, "Volume of size 4GB is smaller than  snapshot"):
        run(ec2, BlockDeviceMappings=[{"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 4}}])
    with aws_error(
        "InvalidBlockDeviceMapping", 400, "Either snapshot ID or volume size must be provided for: /dev/sdg"
    ):
        run(ec2, BlockDeviceMappings=[{"DeviceName": "/dev/sdg", "Ebs": {"VolumeType": "gp3"}}])
    with aws_error("InvalidParameterValue", 400, "volumeType"):
        run(
            ec2,
            BlockDeviceMappings=[{"DeviceName": "/dev/sdg", "Ebs": {"VolumeSize": 1, "VolumeType": "gp9"}}],
        )


def test_options(ec2):
    instance = run_one(
        ec2,
        MetadataOptions={
            "HttpTokens": "optional",
            "HttpPutResponseHopLimit": 3,
            "InstanceMetadataTags": "enabled",
        },
        Monitoring={"Enabled": True},
        EbsOptimized=True,
        HibernationOptions={"Configured": True},
    )
    options = instance["MetadataOptions"]
    assert (options["HttpTokens"], options["HttpPutResponseHopLimit"], options["InstanceMetadataTags"]) == (
        "optional",
        3,
        "enabled",
    )
    assert instance["Monitoring"] == {"State": "enabled"} and instance["EbsOptimized"] is True
    assert instance["HibernationOptions"] == {"Configured": True}
    with aws_error("InvalidParameterValue", 400, "HttpPutResponseHopLimit"):
        run(ec2, MetadataOptions={"HttpPutResponseHopLimit": 65})
    with aws_error("InvalidParameterValue", 400, "instanceInitiatedShutdownBehavior"):
        run(ec2, InstanceInitiatedShutdownBehavior="explode")


def test_client_token_idempotency(ec2):
    first = run(ec2, ClientToken="token-1", MinCount=2, MaxCount=2)
    again = run(ec2, ClientToken="token-1", MinCount=2, MaxCount=2)
    assert again["ReservationId"] == first["ReservationId"]
    assert [i["InstanceId"] for i in again["Instances"]] == [i["InstanceId"] for i in first["Instances"]]
    assert len(ec2.describe_instances()["Reservations"]) == 1
    with aws_error("IdempotentParameterMismatch", 400, "inconsistent"):
        run(ec2, ClientToken="token-1", MinCount=1, MaxCount=1)


def test_private_addresses_never_reused_while_in_use(server, ec2, account_id):
    ids = [i["InstanceId"] for i in run(ec2, MinCount=3, MaxCount=3)["Instances"]]
    ec2.terminate_instances(InstanceIds=ids[:1])
    released = describe(ec2, ids[1])  # the request also settles the termination
    fresh = run(ec2, MinCount=3, MaxCount=3)["Instances"]
    addresses = [i["PrivateIpAddress"] for i in fresh]
    assert released["PrivateIpAddress"] not in addresses and len(set(addresses)) == 3


# Lifecycle -------------------------------------------------------------------------


def test_stop_start_terminate(ec2):
    instance_id = run_one(ec2)["InstanceId"]
    stopping = ec2.stop_instances(InstanceIds=[instance_id])["StoppingInstances"][0]
    assert stopping == {
        "InstanceId": instance_id,
        "CurrentState": {"Code": 64, "Name": "stopping"},
        "PreviousState": {"Code": 16, "Name": "running"},
    }
    stopped = describe(ec2, instance_id)
    assert stopped["State"]["Name"] == "stopped" and "PublicIpAddress" not in stopped
    assert stopped["StateTransitionReason"].startswith("User initiated (") and stopped[
        "StateTransitionReason"
    ].endswith(" GMT)")
    assert stopped["StateReason"]["Code"] == "Client.UserInitiatedShutdown"
    again = ec2.stop_instances(InstanceIds=[instance_id])["StoppingInstances"][0]
    assert again["PreviousState"]["Name"] == again["CurrentState"]["Name"] == "stopped"
    starting = ec2.start_instances(InstanceIds=[instance_id])["StartingInstances"][0]
    assert (starting["PreviousState"]["Name"], starting["CurrentState"]["Name"]) == ("stopped", "pending")
    running = describe(ec2, instance_id)
    assert running["State"]["Name"] == "running" and running["PublicIpAddress"]
    ec2.reboot_instances(InstanceIds=[instance_id])
    terminating = ec2.terminate_instances(InstanceIds=[instance_id])["TerminatingInstances"][0]
    assert terminating["CurrentState"] == {"Code": 32, "Name": "shutting-down"}
    terminated = describe(ec2, instance_id)
    assert terminated["State"] == {"Code": 48, "Name": "terminated"}
    assert terminated["NetworkInterfaces"] == [] and terminated["BlockDeviceMappings"] == []
    assert "PrivateIpAddress" not in terminated and terminated["PrivateDnsName"] == ""
    repeat = ec2.terminate_instances(InstanceIds=[instance_id])["TerminatingInstances"][0]
    assert repeat["PreviousState"]["Name"] == repeat["CurrentState"]["Name"] == "terminated"


def test_incorrect_instance_state(ec2):
    instance_id = run_one(ec2)["InstanceId"]
    ec2.terminate_instances(InstanceIds=[instance_id])
    message = f"The instance '{instance_id}' is not in a state from which it can be started."
    with aws_error("IncorrectInstanceState", 400, message):
        ec2.start_instances(InstanceIds=[instance_id])
    with aws_error("IncorrectInstanceState", 400, "can be stopped"):
        ec2.stop_instances(InstanceIds=[instance_id])
    with aws_error("IncorrectInstanceState", 400, "can be rebooted"):
        ec2.reboot_instances(InstanceIds=[instance_id])
    with aws_error("InvalidInstanceID.NotFound", 400, "The instance ID 'i-0123456789abcdef0' does not exist"):
        ec2.stop_instances(InstanceIds=["i-0123456789abcdef0"])


def test_termination_and_stop_protection(ec2):
    protected = run_one(ec2, DisableApiTermination=True, DisableApiStop=True)["InstanceId"]
    free = run_one(ec2)["InstanceId"]
    message = (
        f"The instance '{protected}' may not be terminated. "
        "Modify its 'disableApiTermination' instance attribute and try again."
    )
    with aws_error("OperationNotPermitted", 400, message):
        ec2.terminate_instances(InstanceIds=[free, protected])
    assert describe(ec2, free)["State"]["Name"] == "running"  # nothing changed
    with aws_error("OperationNotPermitted", 400, "Modify its 'disableApiStop' instance attribute"):
        ec2.stop_instances(InstanceIds=[protected])


def test_termination_releases_volumes(server, ec2, account_id):
    instance = run_one(
        ec2,
        BlockDeviceMappings=[
            {"DeviceName": "/dev/sdf", "Ebs": {"VolumeSize": 5, "DeleteOnTermination": False}},
        ],
    )
    volume_ids = {d["DeviceName"]: d["Ebs"]["VolumeId"] for d in instance["BlockDeviceMappings"]}
    ec2.terminate_instances(InstanceIds=[instance["InstanceId"]])
    describe(ec2, instance["InstanceId"])
    with server.store.lock:
        state = region_state(server, account_id)
        assert state.volumes.get(volume_ids["/dev/xvda"]) is None
        kept = state.volumes.get(volume_ids["/dev/sdf"])
        assert (kept.state, kept.instance_id, kept.attach_state) == ("available", None, None)
        assert not list(state.network_interfaces.where("instance_id", instance["InstanceId"]))


def test_waiters_return_at_once(ec2):
    instance_id = run_one(ec2)["InstanceId"]
    fast = {"Delay": 1, "MaxAttempts": 2}
    ec2.get_waiter("instance_running").wait(InstanceIds=[instance_id], WaiterConfig=fast)
    ec2.stop_instances(InstanceIds=[instance_id])
    ec2.get_waiter("instance_stopped").wait(InstanceIds=[instance_id], WaiterConfig=fast)
    ec2.terminate_instances(InstanceIds=[instance_id])
    ec2.get_waiter("instance_terminated").wait(InstanceIds=[instance_id], WaiterConfig=fast)


# Emulated time -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def slow_server() -> Iterator[Server]:
    config = Config(port=0, imds_port=0, instance_start_seconds=30, instance_stop_seconds=10)
    with Server(config) as running:
        yield running


@pytest.fixture
def slow_ec2(slow_server: Server, account_id: str) -> Any:
    return boto3.client(
        "ec2",
        region_name="us-east-1",
        endpoint_url=slow_server.api_url,
        aws_access_key_id=account_id,
        aws_secret_access_key="x",
    )


def advance(server: Server, seconds: float) -> None:
    requests.post(server.api_url + "/_ec2sim/clock", json={"advance_seconds": seconds}).raise_for_status()


def test_pending_until_start_seconds(slow_server, slow_ec2):
    instance_id = run_one(slow_ec2)["InstanceId"]
    assert describe(slow_ec2, instance_id)["State"]["Name"] == "pending"
    with aws_error("IncorrectInstanceState", 400, "can be stopped"):
        slow_ec2.stop_instances(InstanceIds=[instance_id])
    advance(slow_server, 29)
    assert describe(slow_ec2, instance_id)["State"]["Name"] == "pending"
    advance(slow_server, 1)
    assert describe(slow_ec2, instance_id)["State"]["Name"] == "running"
    slow_ec2.stop_instances(InstanceIds=[instance_id])
    assert describe(slow_ec2, instance_id)["State"]["Name"] == "stopping"
    advance(slow_server, 10)
    assert describe(slow_ec2, instance_id)["State"]["Name"] == "stopped"


def test_stale_transition_is_ignored(slow_server, slow_ec2):
    instance_id = run_one(slow_ec2)["InstanceId"]
    advance(slow_server, 30)
    slow_ec2.stop_instances(InstanceIds=[instance_id])
    advance(slow_server, 5)
    slow_ec2.terminate_instances(InstanceIds=[instance_id])  # before the stop settles
    advance(slow_server, 5)  # the stop's moment: must not make it "stopped"
    assert describe(slow_ec2, instance_id)["State"]["Name"] == "shutting-down"
    advance(slow_server, 5)
    assert describe(slow_ec2, instance_id)["State"]["Name"] == "terminated"


def test_terminated_instance_vanishes_after_an_hour(slow_server, slow_ec2):
    instance_id = run_one(slow_ec2)["InstanceId"]
    slow_ec2.terminate_instances(InstanceIds=[instance_id])
    advance(slow_server, 10)
    assert describe(slow_ec2, instance_id)["State"]["Name"] == "terminated"
    advance(slow_server, 3599)
    assert describe(slow_ec2, instance_id)["State"]["Name"] == "terminated"
    advance(slow_server, 1)
    with aws_error("InvalidInstanceID.NotFound", 400, instance_id):
        slow_ec2.describe_instances(InstanceIds=[instance_id])
    assert slow_ec2.describe_instances()["Reservations"] == []


# The AWS CLI -----------------------------------------------------------------------------


@pytest.mark.skipif(shutil.which("aws") is None, reason="the AWS CLI is not installed")
def test_aws_cli_run_and_describe(server, account_id, tmp_path):
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": account_id,
        "AWS_SECRET_ACCESS_KEY": "x",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
        "AWS_PAGER": "",
    }

    def aws(*args: str) -> dict[str, Any]:
        done = subprocess.run(
            ["aws", "ec2", *args, "--endpoint-url", server.api_url, "--output", "json"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return json.loads(done.stdout)

    launched = aws(
        "run-instances",
        "--image-id",
        AL2023,
        "--count",
        "2",
        "--instance-type",
        "t3.micro",
        "--tag-specifications",
        "ResourceType=instance,Tags=[{Key=Name,Value=cli}]",
    )
    ids = sorted(i["InstanceId"] for i in launched["Instances"])
    assert len(ids) == 2 and launched["Instances"][0]["State"]["Name"] == "pending"
    described = aws("describe-instances", "--filters", "Name=tag:Name,Values=cli")
    instances = described["Reservations"][0]["Instances"]
    assert sorted(i["InstanceId"] for i in instances) == ids
    assert {i["State"]["Name"] for i in instances} == {"running"}


# RunInstances: block device values, snapshots, quotas, tokens, profiles ---------------


@pytest.mark.parametrize(
    ("ebs", "code", "message"),
    [
        ({"VolumeSize": -1}, "InvalidParameterValue", "too small; minimum is 1GiB"),
        ({"VolumeSize": 16385}, "InvalidParameterValue", "too large; maximum is 16384GiB"),
        ({"VolumeSize": 2, "VolumeType": "io1", "Iops": 100}, "InvalidParameterValue", "minimum is 4GiB"),
        ({"VolumeSize": 10, "VolumeType": "st1"}, "InvalidParameterValue", "minimum is 125GiB"),
        ({"VolumeSize": 1025, "VolumeType": "standard"}, "InvalidParameterValue", "maximum is 1024GiB"),
        ({"VolumeSize": 10, "VolumeType": "gp2", "Iops": 300}, "InvalidParameterCombination", "iops"),
        ({"VolumeSize": 200, "VolumeType": "sc1", "Iops": 300}, "InvalidParameterCombination", "iops"),
        ({"VolumeSize": 10, "VolumeType": "gp3", "Iops": -5}, "InvalidParameterValue", "iops of -5"),
        ({"VolumeSize": 10, "VolumeType": "gp3", "Throughput": 10**9}, "InvalidParameterValue", "throughput"),
        (
            {"VolumeSize": 100, "VolumeType": "gp3", "Iops": 3000, "Throughput": 1000},
            "InvalidParameterValue",
            "ratio",
        ),
        ({"VolumeSize": 10, "VolumeType": "io1", "Iops": 1000}, "InvalidParameterValue", "ratio"),
        ({"VolumeSize": 10, "VolumeType": "io2"}, "InvalidParameterCombination", "must be specified"),
        (
            {"VolumeSize": 10, "VolumeType": "gp2", "Throughput": 200},
            "InvalidParameterCombination",
            "throughput",
        ),
    ],
)
def test_block_device_values_rejected(server, ec2, account_id, ebs, code, message):
    with aws_error(code, 400, message):
        run(ec2, BlockDeviceMappings=[{"DeviceName": "/dev/sdf", "Ebs": ebs}])
    with server.store.lock:
        assert len(region_state(server, account_id).instances) == 0


def test_block_device_gp3_defaults(ec2):
    instance = run_one(
        ec2, BlockDeviceMappings=[{"DeviceName": "/dev/sdf", "Ebs": {"VolumeSize": 10, "VolumeType": "gp3"}}]
    )
    volume_id = next(
        d["Ebs"]["VolumeId"] for d in instance["BlockDeviceMappings"] if d["DeviceName"] == "/dev/sdf"
    )
    volume = ec2.describe_volumes(VolumeIds=[volume_id])["Volumes"][0]
    assert (volume["Iops"], volume["Throughput"]) == (3000, 125)


def test_block_device_snapshot(ec2):
    with aws_error("InvalidSnapshot.NotFound", 400, "snap-0123456789abcdef0"):
        run(
            ec2,
            BlockDeviceMappings=[{"DeviceName": "/dev/sdf", "Ebs": {"SnapshotId": "snap-0123456789abcdef0"}}],
        )
    with aws_error("InvalidSnapshotID.Malformed", 400, "snap-nope"):
        run(ec2, BlockDeviceMappings=[{"DeviceName": "/dev/sdf", "Ebs": {"SnapshotId": "snap-nope"}}])
    volume = ec2.create_volume(AvailabilityZone="us-east-1a", Size=5)
    snapshot = ec2.create_snapshot(VolumeId=volume["VolumeId"])
    mapping = {"DeviceName": "/dev/sdf", "Ebs": {"SnapshotId": snapshot["SnapshotId"]}}
    instance = run_one(ec2, BlockDeviceMappings=[mapping])
    volume_id = next(
        d["Ebs"]["VolumeId"] for d in instance["BlockDeviceMappings"] if d["DeviceName"] == "/dev/sdf"
    )
    created = ec2.describe_volumes(VolumeIds=[volume_id])["Volumes"][0]
    assert (created["Size"], created["SnapshotId"]) == (5, snapshot["SnapshotId"])
    with aws_error("InvalidBlockDeviceMapping", 400, "smaller than  snapshot"):
        run(ec2, BlockDeviceMappings=[{**mapping, "Ebs": {**mapping["Ebs"], "VolumeSize": 4}}])


def test_instance_limit(ec2):
    with aws_error("InvalidParameterValue", 400, "MaxCount"):
        ec2.run_instances(ImageId=AL2023, MinCount=1, MaxCount=2**31, InstanceType="t3.micro")
    with aws_error("InvalidParameterValue", 400, "MinCount"):
        ec2.run_instances(ImageId=AL2023, MinCount=2**32, MaxCount=1, InstanceType="t3.micro")
    with aws_error(
        "InstanceLimitExceeded", 400, "more instances (1001) than your current instance limit of 1000"
    ):
        run(ec2, MinCount=1001, MaxCount=2**31 - 1)
    launched = run(ec2, MinCount=1, MaxCount=2**31 - 1)["Instances"]
    assert len(launched) == 1000
    with aws_error("InstanceLimitExceeded", 400, "instance limit of 1000"):
        run(ec2)
    ec2.terminate_instances(InstanceIds=[launched[0]["InstanceId"]])
    assert len(run(ec2, MaxCount=5)["Instances"]) == 1


def test_client_token_length(ec2):
    with aws_error("InvalidParameterValue", 400, "clientToken"):
        run(ec2, ClientToken="x" * 65)
    assert run_one(ec2, ClientToken="x" * 64)["ClientToken"] == "x" * 64


def test_iam_instance_profile_spec_errors(ec2):
    with aws_error("InvalidParameterValue", 400, "Invalid IAM Instance Profile name"):
        run(ec2, IamInstanceProfile={"Name": ""})
    with aws_error("InvalidParameterCombination", 400, "may not be used in combination"):
        run(ec2, IamInstanceProfile={"Name": "a", "Arn": "arn:aws:iam::123456789012:instance-profile/b"})


def test_metadata_defaults_follow_image_imds_support(ec2):
    """AL2023 has ImdsSupport v2.0 (required, hop limit 2); Ubuntu has none (optional, 1)."""
    options = run_one(ec2)["MetadataOptions"]
    assert (options["HttpTokens"], options["HttpPutResponseHopLimit"]) == ("required", 2)
    options = run_one(ec2, ImageId=UBUNTU)["MetadataOptions"]
    assert (options["HttpTokens"], options["HttpPutResponseHopLimit"]) == ("optional", 1)
