"""Volumes, snapshots and images resolve once: a plan per request, no second reading of it.

Every operation of the family has a resolver of its own, and a
request looks each resource it names up once, in its resolver, whoever the caller is (the root
user's requests make no authorization checks; a user's do, from the same plan).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from ec2sim.api.authorization import NO_RESOURCES
from ec2sim.api.registry import OPERATIONS, load_all
from ec2sim.store.table import Table
from tests.test_volumes import AZ, running_instance

load_all()  # every operation registered: the tests below enumerate them

FAMILY = (
    "ec2sim.api.ec2.volumes",
    "ec2sim.api.ec2.snapshots",
    "ec2sim.api.ec2.snapshot_attributes",
    "ec2sim.api.ec2.images",
    "ec2sim.api.ec2.image_attributes",
    "ec2sim.api.ec2.image_views",
)


def test_every_storage_operation_resolves_a_plan() -> None:
    family = {
        name: op
        for (service, name), op in OPERATIONS.items()
        if service == "ec2" and op.resolve.__module__ in FAMILY
    }
    assert len(family) >= 19
    unscoped = sorted(n for n, op in family.items() if op.resolve is NO_RESOURCES)
    assert all(n.startswith("Describe") for n in unscoped), unscoped


@pytest.fixture
def lookups(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[str]]:
    """How often each id is looked up in a store table (from when it is read, not before)."""
    counts: Counter[str] = Counter()
    original: Callable[..., Any] = Table.get

    def counting(self: Table[Any], resource_id: str) -> Any:
        counts[resource_id] += 1
        return original(self, resource_id)

    monkeypatch.setattr(Table, "get", counting)
    yield counts


@pytest.fixture
def user_ec2(iam: Any, make_client: Callable[..., Any]) -> Any:
    """An IAM user allowed everything: its requests are authorized (checks made from the plan)."""
    iam.create_user(UserName="admin")
    iam.put_user_policy(
        UserName="admin",
        PolicyName="all",
        PolicyDocument='{"Version": "2012-10-17", "Statement": '
        '[{"Effect": "Allow", "Action": "*", "Resource": "*"}]}',
    )
    key = iam.create_access_key(UserName="admin")["AccessKey"]
    return make_client("ec2", key["AccessKeyId"], secret=key["SecretAccessKey"])


@pytest.mark.parametrize("caller", ["root", "user"])
def test_each_named_volume_is_looked_up_once(
    server: Any, ec2: Any, user_ec2: Any, lookups: Counter[str], caller: str
) -> None:
    ec2 = ec2 if caller == "root" else user_ec2
    instance_id = running_instance(server, ec2)["InstanceId"]
    volume_id = ec2.create_volume(AvailabilityZone=AZ, Size=10)["VolumeId"]
    steps: list[Callable[[], Any]] = [
        lambda: ec2.attach_volume(VolumeId=volume_id, InstanceId=instance_id, Device="/dev/sdf"),
        lambda: ec2.create_snapshot(VolumeId=volume_id),
        lambda: ec2.modify_volume(VolumeId=volume_id, Size=20),
        lambda: ec2.detach_volume(VolumeId=volume_id),
        lambda: ec2.delete_volume(VolumeId=volume_id),
    ]
    for step in steps:
        ec2.describe_volumes()  # what the previous request scheduled happens now, not in `step`
        lookups.clear()
        step()
        assert lookups[volume_id] == 1, step


def test_lookup_errors_wait_for_dry_run(ec2: Any) -> None:
    """A plan's NotFound is raised after authorization and DryRun, as the handler raised it."""
    with pytest.raises(Exception, match="DryRunOperation"):
        ec2.delete_volume(VolumeId="vol-0123456789abcdef0", DryRun=True)
    with pytest.raises(Exception, match="InvalidVolume.NotFound"):
        ec2.delete_volume(VolumeId="vol-0123456789abcdef0")
    with pytest.raises(Exception, match="InvalidAMIID.Malformed"):
        ec2.deregister_image(ImageId="ami-nope")
