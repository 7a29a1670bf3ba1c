"""AMIs across accounts: launch permissions, visibility, launching and copying shared images."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import aws_error, new_account_id

AL2023 = "al2023-ami-2023.6.20241212.0-kernel-6.1-x86_64"


@pytest.fixture
def pair(make_client: Any) -> tuple[Any, Any, str, str]:
    a, b = new_account_id(), new_account_id()
    return make_client("ec2", a), make_client("ec2", b), a, b


def _owned_image(ec2: Any, name: str = "shared-image") -> str:
    catalogue = ec2.describe_images(Owners=["amazon"], Filters=[{"Name": "name", "Values": [AL2023]}])[
        "Images"
    ]
    instance = ec2.run_instances(ImageId=catalogue[0]["ImageId"], MinCount=1, MaxCount=1)["Instances"][0]
    return ec2.create_image(InstanceId=instance["InstanceId"], Name=name)["ImageId"]


def _launch(ec2: Any, image_id: str) -> str:
    return ec2.run_instances(ImageId=image_id, MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]


def test_private_image_is_invisible_to_others(pair):
    a, b, _, _ = pair
    image_id = _owned_image(a)
    with aws_error("InvalidAMIID.NotFound", 400, f"The image id '[{image_id}]' does not exist"):
        b.describe_images(ImageIds=[image_id])
    with aws_error("InvalidAMIID.NotFound", 400):
        _launch(b, image_id)
    assert image_id not in {i["ImageId"] for i in b.describe_images()["Images"]}
    with aws_error("InvalidAMIID.NotFound", 400):
        b.modify_image_attribute(ImageId=image_id, LaunchPermission={"Add": [{"Group": "all"}]})


def test_share_with_account_then_revoke(pair):
    a, b, owner, other = pair
    image_id = _owned_image(a)
    a.modify_image_attribute(ImageId=image_id, LaunchPermission={"Add": [{"UserId": other}]})
    shared = b.describe_images(ExecutableUsers=["self"])["Images"]
    assert [i["ImageId"] for i in shared] == [image_id]
    seen = b.describe_images(ImageIds=[image_id])["Images"][0]
    assert seen["OwnerId"] == owner and seen["Public"] is False and "ImageOwnerAlias" not in seen
    assert image_id in {i["ImageId"] for i in b.describe_images()["Images"]}
    assert [i["ImageId"] for i in b.describe_images(Owners=[owner])["Images"]] == [image_id]
    assert [i["ImageId"] for i in a.describe_images(ExecutableUsers=[other])["Images"]] == [image_id]
    running = _launch(b, image_id)
    with aws_error("AuthFailure", 401, f"Not authorized for image:{image_id}"):
        b.describe_image_attribute(ImageId=image_id, Attribute="launchPermission")
    with aws_error("AuthFailure", 401):
        b.modify_image_attribute(ImageId=image_id, LaunchPermission={"Add": [{"Group": "all"}]})
    with aws_error("AuthFailure", 401):
        b.deregister_image(ImageId=image_id)
    a.modify_image_attribute(ImageId=image_id, LaunchPermission={"Remove": [{"UserId": other}]})
    with aws_error("InvalidAMIID.NotFound", 400):
        _launch(b, image_id)
    with aws_error("InvalidAMIID.NotFound", 400):
        b.describe_images(ImageIds=[image_id])
    state = b.describe_instances(InstanceIds=[running])["Reservations"][0]["Instances"][0]["State"]["Name"]
    assert state == "running"


def test_share_with_all_then_revoke(pair):
    a, b, _, _ = pair
    image_id = _owned_image(a)
    a.modify_image_attribute(ImageId=image_id, OperationType="add", UserGroups=["all"])
    public = b.describe_images(ExecutableUsers=["all"], Filters=[{"Name": "is-public", "Values": ["true"]}])[
        "Images"
    ]
    assert image_id in {i["ImageId"] for i in public}
    assert b.describe_images(ImageIds=[image_id])["Images"][0]["Public"] is True
    assert b.describe_images(ExecutableUsers=["self"])["Images"] == []
    _launch(b, image_id)
    a.modify_image_attribute(ImageId=image_id, OperationType="remove", UserGroups=["all"])
    with aws_error("InvalidAMIID.NotFound", 400):
        _launch(b, image_id)


def test_copy_shared_image_needs_snapshot_permission(pair, server):
    a, b, owner, other = pair
    image_id = _owned_image(a)
    a.modify_image_attribute(ImageId=image_id, LaunchPermission={"Add": [{"UserId": other}]})
    with aws_error("InvalidRequest", 400, "You do not have permission to access the storage of this ami"):
        b.copy_image(SourceImageId=image_id, SourceRegion="us-east-1", Name="my-copy")
    snapshot_id = a.describe_images(ImageIds=[image_id])["Images"][0]["BlockDeviceMappings"][0]["Ebs"][
        "SnapshotId"
    ]
    region = server.store.account(owner).ec2("us-east-1")
    region.shared_snapshots.grant(region.snapshots.get(snapshot_id), [other])
    copy_id = b.copy_image(SourceImageId=image_id, SourceRegion="us-east-1", Name="my-copy")["ImageId"]
    copy = b.describe_images(ImageIds=[copy_id])["Images"][0]
    assert copy["OwnerId"] == other and copy["BlockDeviceMappings"][0]["Ebs"]["SnapshotId"] != snapshot_id
    a.deregister_image(ImageId=image_id)
    _launch(b, copy_id)


def test_register_image_from_shared_snapshot_refused(pair):
    """Another owner's snapshot, even shared, can't back the caller's image (copy it first)."""
    a, b, _, b_id = pair
    volume_id = a.create_volume(AvailabilityZone="us-east-1a", Size=8)["VolumeId"]
    snapshot_id = a.create_snapshot(VolumeId=volume_id)["SnapshotId"]
    a.modify_snapshot_attribute(SnapshotId=snapshot_id, CreateVolumePermission={"Add": [{"UserId": b_id}]})
    mappings = [{"DeviceName": "/dev/xvda", "Ebs": {"SnapshotId": snapshot_id}}]
    with aws_error("InvalidSnapshot.NotFound", 400, f"The snapshot '{snapshot_id}' does not exist."):
        b.register_image(Name="borrowed", RootDeviceName="/dev/xvda", BlockDeviceMappings=mappings)
    copy_id = b.copy_snapshot(SourceSnapshotId=snapshot_id, SourceRegion="us-east-1")["SnapshotId"]
    mappings[0]["Ebs"]["SnapshotId"] = copy_id
    image_id = b.register_image(Name="owned", RootDeviceName="/dev/xvda", BlockDeviceMappings=mappings)[
        "ImageId"
    ]
    with aws_error("InvalidSnapshot.InUse", 400, image_id):
        b.delete_snapshot(SnapshotId=copy_id)
    b.deregister_image(ImageId=image_id)
    b.delete_snapshot(SnapshotId=copy_id)
    a.delete_snapshot(SnapshotId=snapshot_id)


def test_owner_granting_itself_is_not_stored(pair):
    a, _, a_id, _ = pair
    image_id = _owned_image(a, "self-grant")
    a.modify_image_attribute(ImageId=image_id, LaunchPermission={"Add": [{"UserId": a_id}]})
    permissions = a.describe_image_attribute(ImageId=image_id, Attribute="launchPermission")
    assert permissions["LaunchPermissions"] == []
    assert a.describe_images(ExecutableUsers=["self"])["Images"] == []


def test_owners_by_account_id_finds_public_and_granted(pair):
    a, b, a_id, b_id = pair
    public_id, granted_id, private_id = (
        _owned_image(a, name) for name in ("pub-one", "granted-one", "hidden")
    )
    a.modify_image_attribute(ImageId=public_id, LaunchPermission={"Add": [{"Group": "all"}]})
    a.modify_image_attribute(ImageId=granted_id, LaunchPermission={"Add": [{"UserId": b_id}]})
    seen = {i["ImageId"] for i in b.describe_images(Owners=[a_id])["Images"]}
    assert seen == {public_id, granted_id}
    a.modify_image_attribute(ImageId=public_id, LaunchPermission={"Remove": [{"Group": "all"}]})
    assert {i["ImageId"] for i in b.describe_images(Owners=[a_id])["Images"]} == {granted_id}
    assert private_id not in {i["ImageId"] for i in a.describe_images(Owners=["amazon"])["Images"]}
