"""createVolumePermission: snapshot attributes and what another account may then do."""

from __future__ import annotations

import random
from typing import Any

import pytest

from tests.helpers import aws_error
from tests.test_snapshots import describe, snapshot_of
from tests.test_volumes import AZ


@pytest.fixture
def two(make_client: Any) -> tuple[Any, Any, str, str]:
    """Clients of two fresh accounts A and B, and their ids."""
    a, b = (str(random.randrange(10**11, 10**12)) for _ in range(2))
    return make_client("ec2", a), make_client("ec2", b), a, b


def _permissions(ec2: Any, snapshot_id: str) -> list[dict[str, str]]:
    answer = ec2.describe_snapshot_attribute(SnapshotId=snapshot_id, Attribute="createVolumePermission")
    assert answer["SnapshotId"] == snapshot_id
    return answer["CreateVolumePermissions"]


def _refused(b: Any, snapshot_id: str) -> None:
    with aws_error("InvalidSnapshot.NotFound", 400, f"The snapshot '{snapshot_id}' does not exist."):
        b.describe_snapshots(SnapshotIds=[snapshot_id])
    with aws_error("InvalidSnapshot.NotFound", 400):
        b.create_volume(AvailabilityZone=AZ, SnapshotId=snapshot_id)
    with aws_error("InvalidSnapshot.NotFound", 400):
        b.copy_snapshot(SourceSnapshotId=snapshot_id, SourceRegion="us-east-1")
    assert snapshot_id not in {s["SnapshotId"] for s in b.describe_snapshots()["Snapshots"]}


def _shared(b: Any, b_id: str, snapshot_id: str, restorable_by: str) -> None:
    seen = describe(b, snapshot_id)
    assert seen["State"] == "completed" and "Tags" not in seen  # the owner's tags stay private
    listed = b.describe_snapshots(RestorableByUserIds=[restorable_by])["Snapshots"]
    assert snapshot_id in {s["SnapshotId"] for s in listed}
    assert snapshot_id in {s["SnapshotId"] for s in b.describe_snapshots()["Snapshots"]}
    volume = b.create_volume(AvailabilityZone=AZ, SnapshotId=snapshot_id)
    assert b.describe_volumes(VolumeIds=[volume["VolumeId"]])["Volumes"][0]["SnapshotId"] == snapshot_id
    copy = b.copy_snapshot(SourceSnapshotId=snapshot_id, SourceRegion="us-east-1")
    assert describe(b, copy["SnapshotId"])["OwnerId"] == b_id


def test_share_with_account_restore_and_revoke(two):
    a, b, a_id, b_id = two
    snapshot_id = snapshot_of(
        a, TagSpecifications=[{"ResourceType": "snapshot", "Tags": [{"Key": "secret", "Value": "1"}]}]
    )["SnapshotId"]
    assert _permissions(a, snapshot_id) == []
    _refused(b, snapshot_id)
    a.modify_snapshot_attribute(
        SnapshotId=snapshot_id,
        Attribute="createVolumePermission",
        CreateVolumePermission={"Add": [{"UserId": b_id}]},
    )
    assert _permissions(a, snapshot_id) == [{"UserId": b_id}]
    _shared(b, b_id, snapshot_id, "self")
    assert snapshot_id in {s["SnapshotId"] for s in b.describe_snapshots(OwnerIds=[a_id])["Snapshots"]}
    assert snapshot_id in {
        s["SnapshotId"] for s in a.describe_snapshots(RestorableByUserIds=[b_id])["Snapshots"]
    }
    a.modify_snapshot_attribute(
        SnapshotId=snapshot_id,
        Attribute="createVolumePermission",
        CreateVolumePermission={"Remove": [{"UserId": b_id}]},
    )
    assert _permissions(a, snapshot_id) == []
    _refused(b, snapshot_id)


def test_share_with_all_and_reset(two):
    a, b, _, b_id = two
    snapshot_id = snapshot_of(a)["SnapshotId"]
    a.modify_snapshot_attribute(
        SnapshotId=snapshot_id,
        Attribute="createVolumePermission",
        CreateVolumePermission={"Add": [{"Group": "all"}]},
    )
    assert _permissions(a, snapshot_id) == [{"Group": "all"}]
    _shared(b, b_id, snapshot_id, "all")
    a.reset_snapshot_attribute(SnapshotId=snapshot_id, Attribute="createVolumePermission")
    assert _permissions(a, snapshot_id) == []
    _refused(b, snapshot_id)


def test_legacy_operation_type_form(two):
    a, b, _, b_id = two
    snapshot_id = snapshot_of(a)["SnapshotId"]
    a.modify_snapshot_attribute(
        SnapshotId=snapshot_id,
        Attribute="createVolumePermission",
        OperationType="add",
        UserIds=[b_id],
        GroupNames=["all"],
    )
    assert _permissions(a, snapshot_id) == [{"Group": "all"}, {"UserId": b_id}]
    a.modify_snapshot_attribute(
        SnapshotId=snapshot_id,
        Attribute="createVolumePermission",
        OperationType="remove",
        GroupNames=["all"],
    )
    assert _permissions(a, snapshot_id) == [{"UserId": b_id}]
    describe(b, snapshot_id)


def test_only_the_owner_manages_attributes(two):
    a, b, _, b_id = two
    snapshot_id = snapshot_of(a)["SnapshotId"]
    a.modify_snapshot_attribute(SnapshotId=snapshot_id, CreateVolumePermission={"Add": [{"UserId": b_id}]})
    message = "You are not authorized to perform this operation."
    with aws_error("UnauthorizedOperation", 403, message):
        b.describe_snapshot_attribute(SnapshotId=snapshot_id, Attribute="createVolumePermission")
    with aws_error("UnauthorizedOperation", 403, message):
        b.modify_snapshot_attribute(
            SnapshotId=snapshot_id, CreateVolumePermission={"Add": [{"Group": "all"}]}
        )
    with aws_error("UnauthorizedOperation", 403, message):
        b.reset_snapshot_attribute(SnapshotId=snapshot_id, Attribute="createVolumePermission")
    with aws_error("UnauthorizedOperation", 403, message):
        b.delete_snapshot(SnapshotId=snapshot_id)
    other = snapshot_of(a)["SnapshotId"]
    with aws_error("InvalidSnapshot.NotFound", 400):
        b.describe_snapshot_attribute(SnapshotId=other, Attribute="createVolumePermission")


def test_product_codes_attribute(ec2):
    snapshot_id = snapshot_of(ec2)["SnapshotId"]
    answer = ec2.describe_snapshot_attribute(SnapshotId=snapshot_id, Attribute="productCodes")
    assert answer["SnapshotId"] == snapshot_id and answer.get("ProductCodes", []) == []
    with aws_error("InvalidParameterValue", 400):
        ec2.modify_snapshot_attribute(
            SnapshotId=snapshot_id, Attribute="productCodes", OperationType="add", UserIds=["123456789012"]
        )
    with aws_error("InvalidParameterValue", 400):
        ec2.reset_snapshot_attribute(SnapshotId=snapshot_id, Attribute="productCodes")
    with aws_error("InvalidParameterValue", 400):
        ec2.describe_snapshot_attribute(SnapshotId=snapshot_id, Attribute="bogus")


@pytest.mark.parametrize(
    "kwargs, code, message",
    [
        (
            {"CreateVolumePermission": {"Add": [{"UserId": "12"}]}},
            "InvalidParameterValue",
            "Value (12) for parameter userId",
        ),
        (
            {"CreateVolumePermission": {"Add": [{"Group": "friends"}]}},
            "InvalidParameterValue",
            "parameter group",
        ),
        (
            {
                "CreateVolumePermission": {
                    "Add": [{"UserId": "123456789012"}],
                    "Remove": [{"UserId": "123456789013"}],
                }
            },
            "InvalidParameterCombination",
            "add and remove",
        ),
        ({}, "MissingParameter", "createVolumePermission"),
        ({"OperationType": "add"}, "MissingParameter", "createVolumePermission"),
        (
            {"OperationType": "add", "UserIds": [str(10**11 + i) for i in range(501)]},
            "InvalidParameterValue",
            "500",
        ),
    ],
)
def test_modify_attribute_errors(ec2, kwargs, code, message):
    snapshot_id = snapshot_of(ec2)["SnapshotId"]
    with aws_error(code, 400, message):
        ec2.modify_snapshot_attribute(SnapshotId=snapshot_id, **kwargs)


def test_encrypted_snapshots_sharing_rules(two):
    a, b, _, b_id = two
    default_key = a.create_volume(AvailabilityZone=AZ, Size=1, Encrypted=True)["VolumeId"]
    snapshot_id = a.create_snapshot(VolumeId=default_key)["SnapshotId"]
    with aws_error("UnsupportedOperation", 400, "Encrypted snapshots can’t be shared publicly"):
        a.modify_snapshot_attribute(
            SnapshotId=snapshot_id, CreateVolumePermission={"Add": [{"Group": "all"}]}
        )
    with aws_error("OperationNotPermitted", 400, "Encrypted snapshots with EBS default key cannot be shared"):
        a.modify_snapshot_attribute(
            SnapshotId=snapshot_id, CreateVolumePermission={"Add": [{"UserId": b_id}]}
        )
    key = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    own_key = a.create_volume(AvailabilityZone=AZ, Size=1, Encrypted=True, KmsKeyId=key)["VolumeId"]
    shareable = a.create_snapshot(VolumeId=own_key)["SnapshotId"]
    a.modify_snapshot_attribute(SnapshotId=shareable, CreateVolumePermission={"Add": [{"UserId": b_id}]})
    assert describe(b, shareable)["Encrypted"] is True


def test_other_region_not_visible(two, make_client):
    a, _, _, b_id = two
    snapshot_id = snapshot_of(a)["SnapshotId"]
    a.modify_snapshot_attribute(SnapshotId=snapshot_id, CreateVolumePermission={"Add": [{"Group": "all"}]})
    west_b = make_client("ec2", b_id, region="us-west-2")
    with aws_error("InvalidSnapshot.NotFound", 400):
        west_b.describe_snapshots(SnapshotIds=[snapshot_id])
    copy = west_b.copy_snapshot(SourceSnapshotId=snapshot_id, SourceRegion="us-east-1")
    assert describe(west_b, copy["SnapshotId"])["OwnerId"] == b_id
