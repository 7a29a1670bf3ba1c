"""EBS volumes: CreateVolume, DescribeVolumes, Attach/Detach, ModifyVolume, DeleteVolume."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from ec2sim.store.ec2.images import public_images
from tests.helpers import aws_error

AZ = "us-east-1a"
AL2023 = next(i.id for i in public_images("us-east-1").values() if i.name.endswith("kernel-6.1-x86_64"))


def create(ec2: Any, **kwargs: Any) -> dict[str, Any]:
    return ec2.create_volume(**{"AvailabilityZone": AZ, "Size": 10, **kwargs})


def volume(ec2: Any, volume_id: str) -> dict[str, Any]:
    return ec2.describe_volumes(VolumeIds=[volume_id])["Volumes"][0]


def running_instance(server: Any, ec2: Any, zone: str = AZ) -> dict[str, Any]:
    instance = ec2.run_instances(
        ImageId=AL2023, MinCount=1, MaxCount=1, InstanceType="t3.micro", Placement={"AvailabilityZone": zone}
    )["Instances"][0]
    requests.post(server.api_url + "/_ec2sim/clock", json={"advance_seconds": 120}, timeout=5)
    return ec2.describe_instances(InstanceIds=[instance["InstanceId"]])["Reservations"][0]["Instances"][0]


def test_create_volume_defaults_and_state(ec2):
    created = create(
        ec2, TagSpecifications=[{"ResourceType": "volume", "Tags": [{"Key": "k", "Value": "v"}]}]
    )
    assert created["VolumeId"].startswith("vol-") and created["State"] == "creating"
    assert created["VolumeType"] == "gp2" and created["Iops"] == 100 and created["Size"] == 10
    assert created["AvailabilityZone"] == AZ and created["AvailabilityZoneId"]
    assert created["Encrypted"] is False and created["Tags"] == [{"Key": "k", "Value": "v"}]
    described = volume(ec2, created["VolumeId"])
    assert described["State"] == "available" and described["Attachments"] == []


def test_create_volume_by_zone_id_gp3_encrypted(ec2):
    zone_id = ec2.describe_availability_zones(ZoneNames=[AZ])["AvailabilityZones"][0]["ZoneId"]
    created = ec2.create_volume(AvailabilityZoneId=zone_id, Size=20, VolumeType="gp3", Encrypted=True)
    assert created["AvailabilityZone"] == AZ and created["Iops"] == 3000 and created["Throughput"] == 125
    assert created["Encrypted"] is True and created["KmsKeyId"]
    io2 = create(ec2, VolumeType="io2", Iops=5000, MultiAttachEnabled=True)
    assert io2["Iops"] == 5000 and io2["MultiAttachEnabled"] is True


def test_create_volume_client_token_is_idempotent(ec2):
    first = create(ec2, ClientToken="tok-1")
    again = create(ec2, ClientToken="tok-1")
    assert first["VolumeId"] == again["VolumeId"]


@pytest.mark.parametrize(
    "kwargs, code, message",
    [
        ({"AvailabilityZone": None}, "MissingParameter", "AvailabilityZone"),
        (
            {"AvailabilityZone": "us-east-1z"},
            "InvalidParameterValue",
            "Invalid availability zone: [us-east-1z]",
        ),
        ({"AvailabilityZoneId": "use1-az1"}, "InvalidParameterCombination", "Only one of"),
        ({"Size": None}, "MissingParameter", "size or snapshotId"),
        ({"Size": 0}, "InvalidParameterValue", "Volume of 0GiB is too small; minimum is 1GiB."),
        ({"Size": 16385}, "InvalidParameterValue", "Volume of 16385GiB is too large; maximum is 16384GiB."),
        ({"VolumeType": "st1", "Size": 100}, "InvalidParameterValue", "minimum is 125GiB"),
        ({"VolumeType": "standard", "Size": 2000}, "InvalidParameterValue", "maximum is 1024GiB"),
        (
            {"VolumeType": "nope"},
            "InvalidParameterValue",
            "Value (nope) for parameter volumeType is invalid.",
        ),
        (
            {"Iops": 500},
            "InvalidParameterCombination",
            "The parameter iops is not supported for gp2 volumes.",
        ),
        (
            {"VolumeType": "io1"},
            "InvalidParameterCombination",
            "The parameter iops must be specified for io1",
        ),
        (
            {"VolumeType": "io1", "Iops": 1000},
            "InvalidParameterValue",
            "Iops to volume size ratio of 100.000000",
        ),
        (
            {"VolumeType": "io2", "Iops": 50},
            "InvalidParameterValue",
            "Volume iops of 50 is too low; minimum is 100.",
        ),
        ({"VolumeType": "gp3", "Iops": 17000, "Size": 100}, "InvalidParameterValue", "maximum is 16000"),
        (
            {"VolumeType": "gp3", "Throughput": 2000},
            "InvalidParameterValue",
            "Volume throughput of 2000 is too high",
        ),
        ({"Throughput": 200}, "InvalidParameterCombination", "throughput is not supported for gp2"),
        ({"MultiAttachEnabled": True}, "InvalidParameterCombination", "multiAttachEnabled"),
        (
            {"TagSpecifications": [{"ResourceType": "instance", "Tags": []}]},
            "InvalidParameterValue",
            "'instance'",
        ),
        ({"SnapshotId": "snap-0123456789abcdef0"}, "InvalidSnapshot.NotFound", "does not exist."),
        ({"SnapshotId": "snap-xyz"}, "InvalidSnapshotID.Malformed", 'Invalid id: "snap-xyz"'),
    ],
)
def test_create_volume_errors(ec2, kwargs, code, message):
    params = {"AvailabilityZone": AZ, "Size": 10, **kwargs}
    with aws_error(code, 400, message):
        ec2.create_volume(**{k: v for k, v in params.items() if v is not None})


def test_describe_volumes_errors_and_paging(ec2):
    with aws_error("InvalidVolume.NotFound", 400, "The volume 'vol-0123456789abcdef0' does not exist."):
        ec2.describe_volumes(VolumeIds=["vol-0123456789abcdef0"])
    with aws_error("InvalidVolumeID.Malformed", 400, 'Invalid id: "vol-zz"'):
        ec2.describe_volumes(VolumeIds=["vol-zz"])
    with aws_error("InvalidParameterValue", 400, "The filter 'bogus' is invalid"):
        ec2.describe_volumes(Filters=[{"Name": "bogus", "Values": ["x"]}])
    ids = {create(ec2)["VolumeId"] for _ in range(7)}
    first = ec2.describe_volumes(MaxResults=5)
    rest = ec2.describe_volumes(MaxResults=5, NextToken=first["NextToken"])
    assert "NextToken" not in rest
    assert {v["VolumeId"] for v in first["Volumes"] + rest["Volumes"]} == ids


def test_describe_volumes_filters(ec2):
    small = create(
        ec2, Size=5, TagSpecifications=[{"ResourceType": "volume", "Tags": [{"Key": "tier", "Value": "a"}]}]
    )
    big = create(ec2, Size=50, VolumeType="gp3", Encrypted=True, AvailabilityZone="us-east-1b")

    def ids(name: str, *values: str) -> set[str]:
        return {
            v["VolumeId"]
            for v in ec2.describe_volumes(Filters=[{"Name": name, "Values": list(values)}])["Volumes"]
        }

    assert ids("volume-id", small["VolumeId"]) == {small["VolumeId"]}
    assert ids("size", "50") == {big["VolumeId"]}
    assert ids("volume-type", "gp3") == {big["VolumeId"]}
    assert ids("encrypted", "true") == {big["VolumeId"]}
    assert ids("availability-zone", "us-east-1b") == {big["VolumeId"]}
    assert ids("status", "available") == {small["VolumeId"], big["VolumeId"]}
    assert ids("tag:tier", "a") == ids("tag-key", "tier") == {small["VolumeId"]}
    assert ids("multi-attach-enabled", "false") == {small["VolumeId"], big["VolumeId"]}
    assert ids("snapshot-id", "") == {small["VolumeId"], big["VolumeId"]}
    assert ids("create-time", "20*") == {small["VolumeId"], big["VolumeId"]}


def test_root_volume_shows_in_describe_volumes(server, ec2):
    instance = running_instance(server, ec2)
    root = instance["BlockDeviceMappings"][0]
    found = ec2.describe_volumes(
        Filters=[{"Name": "attachment.instance-id", "Values": [instance["InstanceId"]]}]
    )
    (described,) = found["Volumes"]
    assert described["VolumeId"] == root["Ebs"]["VolumeId"] and described["State"] == "in-use"
    attachment = described["Attachments"][0]
    assert attachment["Device"] == "/dev/xvda" and attachment["State"] == "attached"
    assert attachment["DeleteOnTermination"] is True
    filtered = ec2.describe_volumes(
        Filters=[
            {"Name": "attachment.device", "Values": ["/dev/xvda"]},
            {"Name": "attachment.status", "Values": ["attached"]},
            {"Name": "attachment.delete-on-termination", "Values": ["true"]},
        ]
    )["Volumes"]
    assert [v["VolumeId"] for v in filtered] == [described["VolumeId"]]


def test_attach_and_detach(server, ec2):
    instance = running_instance(server, ec2)
    instance_id = instance["InstanceId"]
    volume_id = create(ec2)["VolumeId"]
    attached = ec2.attach_volume(VolumeId=volume_id, InstanceId=instance_id, Device="/dev/sdf")
    assert attached["State"] == "attaching" and attached["Device"] == "/dev/sdf"
    assert attached["InstanceId"] == instance_id and attached["AttachTime"]
    described = volume(ec2, volume_id)
    assert described["State"] == "in-use" and described["Attachments"][0]["State"] == "attached"
    mappings = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0][
        "BlockDeviceMappings"
    ]
    assert {m["DeviceName"]: m["Ebs"]["VolumeId"] for m in mappings}["/dev/sdf"] == volume_id
    detached = ec2.detach_volume(VolumeId=volume_id, InstanceId=instance_id, Device="/dev/sdf")
    assert detached["State"] == "detaching"
    assert volume(ec2, volume_id)["State"] == "available"
    mappings = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0][
        "BlockDeviceMappings"
    ]
    assert [m["DeviceName"] for m in mappings] == ["/dev/xvda"]
    ec2.delete_volume(VolumeId=volume_id)
    with aws_error("InvalidVolume.NotFound", 400):
        volume(ec2, volume_id)


def test_attach_errors(server, ec2):
    instance = running_instance(server, ec2)
    instance_id = instance["InstanceId"]
    volume_id = create(ec2)["VolumeId"]
    other_zone = create(ec2, AvailabilityZone="us-east-1b")["VolumeId"]
    with aws_error("InvalidVolume.ZoneMismatch", 400, "is not in the same availability zone"):
        ec2.attach_volume(VolumeId=other_zone, InstanceId=instance_id, Device="/dev/sdg")
    with aws_error(
        "InvalidParameterValue",
        400,
        "Invalid value '/dev/xvda' for unixDevice. Attachment point /dev/xvda is already in use",
    ):
        ec2.attach_volume(VolumeId=volume_id, InstanceId=instance_id, Device="/dev/xvda")
    with aws_error("InvalidInstanceID.NotFound", 400):
        ec2.attach_volume(VolumeId=volume_id, InstanceId="i-0123456789abcdef0", Device="/dev/sdf")
    with aws_error("InvalidVolume.NotFound", 400):
        ec2.attach_volume(VolumeId="vol-0123456789abcdef0", InstanceId=instance_id, Device="/dev/sdf")
    ec2.attach_volume(VolumeId=volume_id, InstanceId=instance_id, Device="/dev/sdf")
    with aws_error("VolumeInUse", 400, f"{volume_id} is already attached to an instance"):
        ec2.attach_volume(VolumeId=volume_id, InstanceId=instance_id, Device="/dev/sdh")
    with aws_error("VolumeInUse", 400, f"Volume {volume_id} is currently attached to {instance_id}"):
        ec2.delete_volume(VolumeId=volume_id)


def test_detach_errors(server, ec2):
    instance = running_instance(server, ec2)
    instance_id = instance["InstanceId"]
    root_id = instance["BlockDeviceMappings"][0]["Ebs"]["VolumeId"]
    volume_id = create(ec2)["VolumeId"]
    with aws_error("IncorrectState", 400, f"Volume '{volume_id}' is in the 'available' state."):
        ec2.detach_volume(VolumeId=volume_id)
    with aws_error("OperationNotPermitted", 400, f"Unable to detach root volume '{root_id}'"):
        ec2.detach_volume(VolumeId=root_id)
    ec2.attach_volume(VolumeId=volume_id, InstanceId=instance_id, Device="/dev/sdf")
    with aws_error("InvalidAttachment.NotFound", 400):
        ec2.detach_volume(VolumeId=volume_id, InstanceId="i-0123456789abcdef0")
    with aws_error("InvalidAttachment.NotFound", 400):
        ec2.detach_volume(VolumeId=volume_id, Device="/dev/sdz")
    assert ec2.detach_volume(VolumeId=volume_id, Force=True)["State"] == "detaching"


def test_modify_volume(ec2):
    volume_id = create(ec2, Size=10)["VolumeId"]
    volume(ec2, volume_id)
    modification = ec2.modify_volume(
        VolumeId=volume_id, Size=20, VolumeType="gp3", Iops=4000, Throughput=250
    )["VolumeModification"]
    assert modification["ModificationState"] == "modifying"
    assert (modification["OriginalSize"], modification["TargetSize"]) == (10, 20)
    assert (modification["OriginalVolumeType"], modification["TargetVolumeType"]) == ("gp2", "gp3")
    assert modification["TargetIops"] == 4000 and modification["TargetThroughput"] == 250
    described = volume(ec2, volume_id)
    assert described["Size"] == 20 and described["VolumeType"] == "gp3" and described["Iops"] == 4000
    listed = ec2.describe_volumes_modifications(VolumeIds=[volume_id])["VolumesModifications"]
    assert listed[0]["ModificationState"] == "completed" and listed[0]["Progress"] == 100
    filtered = ec2.describe_volumes_modifications(Filters=[{"Name": "target-size", "Values": ["20"]}])
    assert [m["VolumeId"] for m in filtered["VolumesModifications"]] == [volume_id]


def test_modify_volume_errors(ec2):
    volume_id = create(ec2, Size=10)["VolumeId"]
    with aws_error("InvalidParameterValue", 400, "New size cannot be smaller than existing size"):
        ec2.modify_volume(VolumeId=volume_id, Size=5)
    with aws_error("MissingParameter", 400):
        ec2.modify_volume(VolumeId=volume_id)
    with aws_error("InvalidParameterCombination", 400, "iops is not supported for gp2"):
        ec2.modify_volume(VolumeId=volume_id, Iops=300)
    with aws_error("InvalidVolumeModification.NotFound", 400):
        ec2.describe_volumes_modifications(VolumeIds=[volume_id])
    with aws_error("InvalidVolume.NotFound", 400):
        ec2.modify_volume(VolumeId="vol-0123456789abcdef0", Size=14)


def test_delete_volume_not_found(ec2):
    with aws_error("InvalidVolume.NotFound", 400, "The volume 'vol-0123456789abcdef0' does not exist."):
        ec2.delete_volume(VolumeId="vol-0123456789abcdef0")


def test_create_volume_client_token_mismatch(ec2):
    create(ec2, ClientToken="tok-2")
    with aws_error("IdempotentParameterMismatch", 400):
        create(ec2, ClientToken="tok-2", Size=20)


def test_gp3_throughput_to_iops_ratio(ec2):
    message = "Throughput (MiBps) to iops ratio of 0.333333 is too high; maximum is 0.250000 MiBps per iops"
    with aws_error("InvalidParameterValue", 400, message):
        create(ec2, VolumeType="gp3", Throughput=1000)
    volume_id = create(ec2, VolumeType="gp3", Iops=4000, Throughput=1000)["VolumeId"]
    with aws_error("InvalidParameterValue", 400, "ratio of 0.333333"):
        ec2.modify_volume(VolumeId=volume_id, Iops=3000)


@pytest.mark.parametrize("device", ["foo", "/dev/sd", "/dev/sdk1", "/dev/xvdzz", "sdf"])
def test_attach_rejects_invalid_device_names(server, ec2, device):
    instance_id = running_instance(server, ec2)["InstanceId"]
    volume_id = create(ec2)["VolumeId"]
    message = f"Value ({device}) for parameter device is invalid. {device} is not a valid EBS device name."
    with aws_error("InvalidParameterValue", 400, message):
        ec2.attach_volume(VolumeId=volume_id, InstanceId=instance_id, Device=device)


@pytest.mark.parametrize("device", ["/dev/sdk", "/dev/xvdf", "xvdh", "xvdba"])
def test_attach_accepts_valid_device_names(server, ec2, device):
    instance_id = running_instance(server, ec2)["InstanceId"]
    volume_id = create(ec2)["VolumeId"]
    assert ec2.attach_volume(VolumeId=volume_id, InstanceId=instance_id, Device=device)["Device"] == device


def test_operator_filters(ec2):
    volume_id = create(ec2)["VolumeId"]
    unmanaged = ec2.describe_volumes(Filters=[{"Name": "operator.managed", "Values": ["false"]}])["Volumes"]
    assert volume_id in [v["VolumeId"] for v in unmanaged]
    assert ec2.describe_volumes(Filters=[{"Name": "operator.principal", "Values": ["*"]}])["Volumes"] == []
