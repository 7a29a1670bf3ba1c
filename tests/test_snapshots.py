"""EBS snapshots: CreateSnapshot(s), CopySnapshot, DescribeSnapshots, DeleteSnapshot."""

from __future__ import annotations

from typing import Any

import requests

from ec2sim.store.ec2.images import Image, ImageBlockDevice
from tests.helpers import aws_error
from tests.test_volumes import AZ, create, running_instance

MISSING = "snap-0123456789abcdef0"


def snapshot_of(ec2: Any, **kwargs: Any) -> dict[str, Any]:
    volume_id = create(ec2)["VolumeId"]
    return ec2.create_snapshot(VolumeId=volume_id, **kwargs)


def describe(ec2: Any, snapshot_id: str) -> dict[str, Any]:
    return ec2.describe_snapshots(SnapshotIds=[snapshot_id])["Snapshots"][0]


def test_create_snapshot_then_completed(ec2, account_id):
    volume_id = create(ec2, Size=12)["VolumeId"]
    created = ec2.create_snapshot(
        VolumeId=volume_id,
        Description="nightly",
        TagSpecifications=[{"ResourceType": "snapshot", "Tags": [{"Key": "k", "Value": "v"}]}],
    )
    assert created["SnapshotId"].startswith("snap-") and created["State"] == "pending"
    assert (
        created["VolumeId"] == volume_id and created["VolumeSize"] == 12 and created["OwnerId"] == account_id
    )
    assert created["Description"] == "nightly" and created["Tags"] == [{"Key": "k", "Value": "v"}]
    described = describe(ec2, created["SnapshotId"])
    assert described["State"] == "completed" and described["Progress"] == "100%"
    assert described["StorageTier"] == "standard" and described["Encrypted"] is False


def test_create_snapshot_errors(ec2):
    with aws_error("InvalidVolume.NotFound", 400, "The volume 'vol-0123456789abcdef0' does not exist."):
        ec2.create_snapshot(VolumeId="vol-0123456789abcdef0")
    with aws_error("InvalidParameterValue", 400, "'volume'"):
        snapshot_of(ec2, TagSpecifications=[{"ResourceType": "volume", "Tags": []}])


def test_create_volume_from_snapshot(ec2):
    snapshot = snapshot_of(ec2)
    describe(ec2, snapshot["SnapshotId"])
    restored = ec2.create_volume(AvailabilityZone="us-east-1b", SnapshotId=snapshot["SnapshotId"])
    assert restored["Size"] == snapshot["VolumeSize"] and restored["SnapshotId"] == snapshot["SnapshotId"]
    with aws_error("InvalidParameterValue", 400, "is smaller than snapshot"):
        ec2.create_volume(AvailabilityZone=AZ, SnapshotId=snapshot["SnapshotId"], Size=5)


def test_create_snapshots_of_instance(server, ec2):
    instance = running_instance(server, ec2)
    instance_id = instance["InstanceId"]
    root_id = instance["BlockDeviceMappings"][0]["Ebs"]["VolumeId"]
    data = create(
        ec2, TagSpecifications=[{"ResourceType": "volume", "Tags": [{"Key": "src", "Value": "vol"}]}]
    )
    other = create(ec2)
    ec2.attach_volume(VolumeId=data["VolumeId"], InstanceId=instance_id, Device="/dev/sdf")
    ec2.attach_volume(VolumeId=other["VolumeId"], InstanceId=instance_id, Device="/dev/sdg")
    made = ec2.create_snapshots(
        InstanceSpecification={"InstanceId": instance_id},
        Description="all",
        CopyTagsFromSource="volume",
        TagSpecifications=[{"ResourceType": "snapshot", "Tags": [{"Key": "set", "Value": "1"}]}],
    )["Snapshots"]
    assert {s["VolumeId"] for s in made} == {root_id, data["VolumeId"], other["VolumeId"]}
    tagged = next(s for s in made if s["VolumeId"] == data["VolumeId"])
    assert {t["Key"] for t in tagged["Tags"]} == {"src", "set"} and tagged["Description"] == "all"
    some = ec2.create_snapshots(
        InstanceSpecification={
            "InstanceId": instance_id,
            "ExcludeBootVolume": True,
            "ExcludeDataVolumeIds": [other["VolumeId"]],
        }
    )
    assert [s["VolumeId"] for s in some["Snapshots"]] == [data["VolumeId"]]
    with aws_error("InvalidInstanceID.NotFound", 400):
        ec2.create_snapshots(InstanceSpecification={"InstanceId": "i-0123456789abcdef0"})
    with aws_error("InvalidVolume.NotFound", 400):
        ec2.create_snapshots(
            InstanceSpecification={
                "InstanceId": instance_id,
                "ExcludeDataVolumeIds": ["vol-0123456789abcdef0"],
            }
        )


def test_copy_snapshot_same_and_other_region(make_client, account_id):
    east = make_client("ec2", account_id)
    west = make_client("ec2", account_id, region="us-west-2")
    source = snapshot_of(east)["SnapshotId"]
    describe(east, source)
    copied = east.copy_snapshot(
        SourceSnapshotId=source,
        SourceRegion="us-east-1",
        Description="copy",
        TagSpecifications=[{"ResourceType": "snapshot", "Tags": [{"Key": "c", "Value": "1"}]}],
    )
    assert copied["Tags"] == [{"Key": "c", "Value": "1"}]
    copy = describe(east, copied["SnapshotId"])
    assert (
        copy["Description"] == "copy" and copy["VolumeId"] == "vol-ffffffff" and copy["OwnerId"] == account_id
    )
    remote = west.copy_snapshot(SourceSnapshotId=source, SourceRegion="us-east-1", Encrypted=True)
    remote_copy = describe(west, remote["SnapshotId"])
    assert (
        remote_copy["Encrypted"] is True and remote_copy["Description"] == f"[Copied {source} from us-east-1]"
    )
    with aws_error("InvalidSnapshot.NotFound", 400):
        describe(east, remote["SnapshotId"])  # the copy lives in us-west-2
    with aws_error("InvalidSnapshot.NotFound", 400):
        west.copy_snapshot(SourceSnapshotId=source, SourceRegion="eu-west-1")


def test_delete_snapshot(ec2):
    snapshot_id = snapshot_of(ec2)["SnapshotId"]
    ec2.delete_snapshot(SnapshotId=snapshot_id)
    with aws_error("InvalidSnapshot.NotFound", 400, f"The snapshot '{snapshot_id}' does not exist."):
        ec2.delete_snapshot(SnapshotId=snapshot_id)
    with aws_error("InvalidSnapshotID.Malformed", 400, 'Invalid id: "snap-q"'):
        ec2.delete_snapshot(SnapshotId="snap-q")


def test_delete_snapshot_in_use_by_image(server, ec2, account_id):
    snapshot_id = snapshot_of(ec2)["SnapshotId"]
    region = server.store.account(account_id).ec2("us-east-1")
    snapshot = region.snapshots.get(snapshot_id)  # seeded directly: CreateImage is another module
    image = Image(
        "ami-0123456789abcdef0",
        owner_id=account_id,
        name="mine",
        description="",
        architecture="x86_64",
        root_device_name="/dev/xvda",
        block_devices=[ImageBlockDevice("/dev/xvda", snapshot_id=snapshot_id)],
        creation_date=snapshot.start_time,
        region="us-east-1",
    )
    with server.store.lock:
        region.add_image(image)
    with aws_error(
        "InvalidSnapshot.InUse", 400, f"The snapshot {snapshot_id} is currently in use by {image.id}"
    ):
        ec2.delete_snapshot(SnapshotId=snapshot_id)


def test_describe_snapshots_errors(ec2):
    with aws_error("InvalidSnapshot.NotFound", 400, f"The snapshot '{MISSING}' does not exist."):
        ec2.describe_snapshots(SnapshotIds=[MISSING])
    with aws_error("InvalidSnapshotID.Malformed", 400):
        ec2.describe_snapshots(SnapshotIds=["snapshot-1"])
    with aws_error("InvalidParameterValue", 400, "The filter 'nope' is invalid"):
        ec2.describe_snapshots(Filters=[{"Name": "nope", "Values": ["1"]}])
    with aws_error("InvalidParameterCombination", 400):
        ec2.describe_snapshots(SnapshotIds=[MISSING], MaxResults=5)


def test_describe_snapshots_owner_and_paging(ec2, account_id):
    ids = {snapshot_of(ec2)["SnapshotId"] for _ in range(6)}
    own = ec2.describe_snapshots(OwnerIds=["self"])["Snapshots"]
    assert {s["SnapshotId"] for s in own} == ids
    assert {s["SnapshotId"] for s in ec2.describe_snapshots(OwnerIds=[account_id])["Snapshots"]} == ids
    assert ec2.describe_snapshots(OwnerIds=["amazon"])["Snapshots"] == []
    assert {s["SnapshotId"] for s in ec2.describe_snapshots(RestorableByUserIds=["self"])["Snapshots"]} == ids
    first = ec2.describe_snapshots(OwnerIds=["self"], MaxResults=5)
    rest = ec2.describe_snapshots(OwnerIds=["self"], MaxResults=5, NextToken=first["NextToken"])
    assert len(first["Snapshots"]) == 5 and "NextToken" not in rest
    assert {s["SnapshotId"] for s in first["Snapshots"] + rest["Snapshots"]} == ids
    with aws_error("InvalidPaginationToken", 400):
        ec2.describe_snapshots(OwnerIds=["self"], NextToken="garbage")


def test_describe_snapshots_filters(ec2, account_id):
    small = snapshot_of(
        ec2,
        Description="alpha",
        TagSpecifications=[{"ResourceType": "snapshot", "Tags": [{"Key": "team", "Value": "red"}]}],
    )
    volume_id = create(ec2, Size=30, Encrypted=True)["VolumeId"]
    big = ec2.create_snapshot(VolumeId=volume_id, Description="beta")

    def ids(name: str, *values: str) -> set[str]:
        found = ec2.describe_snapshots(OwnerIds=["self"], Filters=[{"Name": name, "Values": list(values)}])
        return {s["SnapshotId"] for s in found["Snapshots"]}

    both = {small["SnapshotId"], big["SnapshotId"]}
    assert ids("snapshot-id", small["SnapshotId"]) == {small["SnapshotId"]}
    assert ids("owner-id", account_id) == both
    assert ids("owner-alias", "amazon") == set()
    assert ids("status", "completed") == both
    assert ids("volume-id", volume_id) == {big["SnapshotId"]}
    assert ids("volume-size", "30") == {big["SnapshotId"]}
    assert ids("description", "al*") == {small["SnapshotId"]}
    assert ids("encrypted", "true") == {big["SnapshotId"]}
    assert ids("progress", "100%") == both
    assert ids("start-time", "20*") == both
    assert ids("storage-tier", "standard") == both
    assert ids("tag:team", "red") == ids("tag-key", "team") == {small["SnapshotId"]}


def test_snapshot_completes_by_clock_too(server, ec2):
    snapshot_id = snapshot_of(ec2)["SnapshotId"]
    requests.post(server.api_url + "/_ec2sim/clock", json={"advance_seconds": 1}, timeout=5)
    assert describe(ec2, snapshot_id)["State"] == "completed"


def test_describe_snapshots_malformed_user_ids(ec2):
    with aws_error("InvalidUserID.Malformed", 400, 'Invalid user id: "bogus"'):
        ec2.describe_snapshots(OwnerIds=["bogus"])
    with aws_error("InvalidUserID.Malformed", 400, 'Invalid user id: "bogus"'):
        ec2.describe_snapshots(RestorableByUserIds=["bogus"])


def test_transfer_type_filter(ec2):
    snapshot_id = snapshot_of(ec2)["SnapshotId"]
    standard = ec2.describe_snapshots(Filters=[{"Name": "transfer-type", "Values": ["standard"]}])[
        "Snapshots"
    ]
    assert snapshot_id in [s["SnapshotId"] for s in standard]
    assert (
        ec2.describe_snapshots(Filters=[{"Name": "transfer-type", "Values": ["time-based"]}])["Snapshots"]
        == []
    )


def test_copy_snapshot_key_and_region_errors(ec2, account_id):
    snapshot_id = snapshot_of(ec2)["SnapshotId"]
    key = f"arn:aws:kms:us-east-1:{account_id}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    with aws_error("InvalidParameterDependency", 400, "KmsKeyId requires the parameter Encrypted"):
        ec2.copy_snapshot(SourceSnapshotId=snapshot_id, SourceRegion="us-east-1", KmsKeyId=key)
    copy_id = ec2.copy_snapshot(
        SourceSnapshotId=snapshot_id, SourceRegion="us-east-1", KmsKeyId=key, Encrypted=True
    )["SnapshotId"]
    assert describe(ec2, copy_id)["KmsKeyId"] == key
    with aws_error("InvalidParameterValue", 400, "Invalid region: [nowhere-1]"):
        ec2.copy_snapshot(SourceSnapshotId=snapshot_id, SourceRegion="nowhere-1")
