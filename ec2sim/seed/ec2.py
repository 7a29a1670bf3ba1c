"""An account-region's EC2 resources from the seed: key pairs, snapshots, images, then instances.

A seeded image is an EBS-backed AMI registered on a snapshot (RegisterImage): the file's
`snapshot`, or a new one of a volume made for it (CreateVolume, CreateSnapshot, DeleteVolume), so
it launches like any AMI. Instances come last, after every account's images exist (`Seed.apply`).
"""

from __future__ import annotations

import base64
from typing import Any

from ec2sim.seed.run import Run, Spec, present, tag_specifications
from ec2sim.store.ec2.geography import zones
from ec2sim.store.ec2.images import public_images

DEFAULT_IMAGE = "al2023-ami-2023.6.20241212.0-kernel-6.1-x86_64"  # in the public catalogue


class Region:
    """Calls as the account's root user in one region."""

    def __init__(self, run: Run, account_id: str, region: str) -> None:
        self.run, self.account_id, self.region = run, account_id, region

    def __call__(self, action: str, **params: Any) -> dict[str, Any]:
        return self.run.call(self.account_id, self.region, "ec2", action, **present(**params))


def apply_storage(ec2: Region, spec: Spec, path: str) -> None:
    """Key pairs, snapshots and images of one account-region."""
    run = ec2.run
    for i, key in enumerate(spec.get("key_pairs") or []):
        item = f"{path}.key_pairs[{i}]"
        run.fixed("key", key.get("id"))
        with run.at(item):
            common = {"KeyName": key["name"], "TagSpecifications": tag_specifications(key, "key-pair")}
            if "public_key" in key:
                made = ec2("ImportKeyPair", PublicKeyMaterial=key["public_key"].encode(), **common)
            else:
                made = ec2("CreateKeyPair", KeyType=key.get("key_type"), **common)
            run.expect(item, key.get("id"), made["KeyPairId"])
    for i, snapshot in enumerate(spec.get("snapshots") or []):
        item = f"{path}.snapshots[{i}]"
        with run.at(item):
            snapshot_id = _snapshot(ec2, snapshot, item)
            _share(ec2, "Snapshot", snapshot_id, snapshot.get("create_volume_permissions"))
    for i, image in enumerate(spec.get("images") or []):
        item = f"{path}.images[{i}]"
        with run.at(item):
            image_id = _image(ec2, image, item)
            _share(ec2, "Image", image_id, image.get("launch_permissions"))
        run.images[(ec2.account_id, ec2.region, image["name"])] = image_id


def _snapshot(ec2: Region, spec: Spec, path: str, description: str = "") -> str:
    zone = zones(ec2.region)[0].name
    volume = ec2("CreateVolume", AvailabilityZone=zone, Size=spec.get("volume_size", 8), VolumeType="gp3")
    ec2.run.fixed("snap", spec.get("id"))
    made = ec2(
        "CreateSnapshot",
        VolumeId=volume["VolumeId"],
        Description=spec.get("description", description),
        TagSpecifications=tag_specifications(spec, "snapshot"),
    )
    ec2("DeleteVolume", VolumeId=volume["VolumeId"])
    return ec2.run.expect(path, spec.get("id"), made["SnapshotId"])


def _image(ec2: Region, spec: Spec, path: str) -> str:
    root = spec.get("root_device_name", "/dev/xvda")
    snapshot_id = spec.get("snapshot")
    if snapshot_id is None:
        plain = {"volume_size": spec.get("volume_size", 8)}
        snapshot_id = _snapshot(ec2, plain, path, f"Root volume of the seeded image {spec['name']}")
    ec2.run.fixed("ami", spec.get("id"))
    made = ec2(
        "RegisterImage",
        Name=spec["name"],
        Description=spec.get("description"),
        Architecture=spec.get("architecture", "x86_64"),
        RootDeviceName=root,
        VirtualizationType="hvm",
        EnaSupport=True,
        BlockDeviceMappings=[
            {"DeviceName": root, "Ebs": {"SnapshotId": snapshot_id, "DeleteOnTermination": True}}
        ],
        TagSpecifications=tag_specifications(spec, "image"),
    )
    return ec2.run.expect(path, spec.get("id"), made["ImageId"])


def _share(ec2: Region, kind: str, resource_id: str, accounts: list[str] | None) -> None:
    """Launch (image) or create-volume (snapshot) permission for accounts, or `all`."""
    if not accounts:
        return
    grants = [{"Group": "all"} if a == "all" else {"UserId": a} for a in accounts]
    if kind == "Image":
        ec2("ModifyImageAttribute", ImageId=resource_id, LaunchPermission={"Add": grants})
    else:
        ec2("ModifySnapshotAttribute", SnapshotId=resource_id, CreateVolumePermission={"Add": grants})


def _image_id(ec2: Region, name: str | None, path: str) -> str:
    """An image id as written, a seeded image of this account-region by name, else a catalogue name."""
    name = name or DEFAULT_IMAGE
    if name.startswith("ami-"):
        return name
    seeded = ec2.run.images.get((ec2.account_id, ec2.region, name))
    if seeded is not None:
        return seeded
    found = next((i.id for i in public_images(ec2.region).values() if i.name == name), None)
    if found is None:
        raise ec2.run.fail(f"{path}.image", f"no image named {name!r} in this account and region")
    return found


def apply_instances(ec2: Region, spec: Spec, path: str) -> None:
    run = ec2.run
    for i, instance in enumerate(spec.get("instances") or []):
        item = f"{path}.instances[{i}]"
        image_id = _image_id(ec2, instance.get("image"), item)
        profile = instance.get("instance_profile")
        user_data = instance.get("user_data")
        zone = instance.get("availability_zone")
        run.fixed("i", instance.get("id"))
        with run.at(item):
            made = ec2(
                "RunInstances",
                ImageId=image_id,
                InstanceType=instance.get("instance_type", "t2.micro"),
                MinCount=1,
                MaxCount=1,
                KeyName=instance.get("key_name"),
                IamInstanceProfile=None
                if profile is None
                else {"Arn" if profile.startswith("arn:") else "Name": profile},
                Placement=None if zone is None else {"AvailabilityZone": zone},
                UserData=None if user_data is None else base64.b64encode(user_data.encode()).decode(),
                TagSpecifications=tag_specifications(instance, "instance"),
            )
            instance_id = run.expect(item, instance.get("id"), made["Instances"][0]["InstanceId"])
            if instance.get("state") == "stopped":
                ec2("StopInstances", InstanceIds=[instance_id])
