"""AMIs: CreateImage, RegisterImage, CopyImage, DeregisterImage, DescribeImages and attributes."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from ec2sim.store.ec2.images import _public_images
from tests.helpers import aws_error

AL2023 = "al2023-ami-2023.6.20241212.0-kernel-6.1-x86_64"


def _catalogue_id(ec2: Any) -> str:
    images = ec2.describe_images(Owners=["amazon"], Filters=[{"Name": "name", "Values": [AL2023]}])["Images"]
    return images[0]["ImageId"]


def _instance(ec2: Any) -> str:
    reservation = ec2.run_instances(ImageId=_catalogue_id(ec2), MinCount=1, MaxCount=1)
    return reservation["Instances"][0]["InstanceId"]


def _image(ec2: Any, **kwargs: Any) -> dict[str, Any]:
    image_id = ec2.create_image(InstanceId=_instance(ec2), Name=kwargs.pop("Name", "my-image"), **kwargs)[
        "ImageId"
    ]
    return ec2.describe_images(ImageIds=[image_id])["Images"][0]


def test_create_image_snapshots_volumes_and_describes(server, ec2, account_id):
    instance_id = _instance(ec2)
    image_id = ec2.create_image(
        InstanceId=instance_id,
        Name="web (v1)",
        Description="web server",
        NoReboot=True,
        TagSpecifications=[
            {"ResourceType": "image", "Tags": [{"Key": "app", "Value": "web"}]},
            {"ResourceType": "snapshot", "Tags": [{"Key": "app", "Value": "snap"}]},
        ],
    )["ImageId"]
    image = ec2.describe_images(ImageIds=[image_id])["Images"][0]
    assert image["State"] == "available" and image["SourceInstanceId"] == instance_id
    assert image["Public"] is False and "ImageOwnerAlias" not in image and image["Architecture"] == "x86_64"
    assert image["RootDeviceName"] == "/dev/xvda" and image["PlatformDetails"] == "Linux/UNIX"
    assert image["CreationDate"].endswith("Z") and len(image["CreationDate"]) == 24
    assert image["Tags"] == [{"Key": "app", "Value": "web"}] and image["ImdsSupport"] == "v2.0"
    root = image["BlockDeviceMappings"][0]
    assert root["Ebs"]["SnapshotId"].startswith("snap-") and root["Ebs"]["VolumeSize"] == 8
    snapshot = server.store.account(account_id).ec2("us-east-1").snapshots.get(root["Ebs"]["SnapshotId"])
    assert snapshot.description == f"Created by CreateImage({instance_id}) for {image_id}"
    assert snapshot.tags == {"app": "snap"} and snapshot.owner_id == account_id


def test_create_image_block_device_overrides(ec2):
    image = _image(
        ec2,
        BlockDeviceMappings=[
            {"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 20, "VolumeType": "gp2"}},
            {"DeviceName": "/dev/sdb", "Ebs": {"VolumeSize": 5}},
            {"DeviceName": "/dev/sdc", "NoDevice": ""},
        ],
    )
    devices = {d["DeviceName"]: d for d in image["BlockDeviceMappings"]}
    assert (
        devices["/dev/xvda"]["Ebs"]["VolumeSize"] == 20 and devices["/dev/xvda"]["Ebs"]["VolumeType"] == "gp2"
    )
    assert devices["/dev/sdb"]["Ebs"]["VolumeSize"] == 5 and "SnapshotId" not in devices["/dev/sdb"]["Ebs"]
    assert devices["/dev/sdc"]["NoDevice"] == ""


def test_create_image_errors(ec2):
    instance_id = _instance(ec2)
    with aws_error("InvalidInstanceID.NotFound", 400):
        ec2.create_image(InstanceId="i-0123456789abcdef0", Name="abc")
    for bad in ("bad*name", "semi;colon"):
        with aws_error("InvalidAMIName.Malformed", 400):
            ec2.create_image(InstanceId=instance_id, Name=bad)
    image_id = ec2.create_image(InstanceId=instance_id, Name="taken")["ImageId"]
    with aws_error("InvalidAMIName.Duplicate", 400, f"AMI name taken is already in use by AMI {image_id}"):
        ec2.create_image(InstanceId=instance_id, Name="taken")
    with aws_error("InvalidBlockDeviceMapping", 400):
        ec2.create_image(
            InstanceId=instance_id, Name="nosize", BlockDeviceMappings=[{"DeviceName": "/dev/sdz", "Ebs": {}}]
        )


def test_image_pending_until_available_seconds(server, ec2):
    server.config.image_available_seconds = 60
    try:
        image_id = ec2.create_image(InstanceId=_instance(ec2), Name="slow")["ImageId"]
        assert ec2.describe_images(ImageIds=[image_id])["Images"][0]["State"] == "pending"
        requests.post(server.api_url + "/_ec2sim/clock", json={"advance_seconds": 61})
        assert ec2.describe_images(ImageIds=[image_id])["Images"][0]["State"] == "available"
    finally:
        server.config.image_available_seconds = 0.0


def test_register_image(ec2):
    snapshot_id = _image(ec2)["BlockDeviceMappings"][0]["Ebs"]["SnapshotId"]
    image_id = ec2.register_image(
        Name="registered",
        RootDeviceName="/dev/xvda",
        Architecture="arm64",
        VirtualizationType="hvm",
        EnaSupport=True,
        BootMode="uefi",
        TpmSupport="v2.0",
        ImdsSupport="v2.0",
        Description="reg",
        BlockDeviceMappings=[{"DeviceName": "/dev/xvda", "Ebs": {"SnapshotId": snapshot_id}}],
        TagSpecifications=[{"ResourceType": "image", "Tags": [{"Key": "k", "Value": "v"}]}],
    )["ImageId"]
    image = ec2.describe_images(ImageIds=[image_id])["Images"][0]
    assert image["Architecture"] == "arm64" and image["BootMode"] == "uefi" and image["TpmSupport"] == "v2.0"
    assert image["RootDeviceType"] == "ebs" and image["BlockDeviceMappings"][0]["Ebs"]["VolumeSize"] == 8
    store = ec2.register_image(Name="instance-store", ImageLocation="bucket/image.manifest.xml")["ImageId"]
    assert ec2.describe_images(ImageIds=[store])["Images"][0]["RootDeviceType"] == "instance-store"
    with aws_error("InvalidSnapshot.NotFound", 400):
        ec2.register_image(
            Name="nosnap",
            RootDeviceName="/dev/xvda",
            BlockDeviceMappings=[
                {"DeviceName": "/dev/xvda", "Ebs": {"SnapshotId": "snap-0123456789abcdef0"}}
            ],
        )
    with aws_error("InvalidAMIName.Duplicate", 400):
        ec2.register_image(Name="registered", ImageLocation="bucket/x.manifest.xml")


def test_copy_image_same_and_other_region(ec2, make_client, account_id):
    source = _image(ec2, Name="source")
    copy_id = ec2.copy_image(
        SourceImageId=source["ImageId"], SourceRegion="us-east-1", Name="copy", ClientToken="tok-1"
    )["ImageId"]
    assert (
        ec2.copy_image(
            SourceImageId=source["ImageId"], SourceRegion="us-east-1", Name="copy", ClientToken="tok-1"
        )["ImageId"]
        == copy_id
    )
    copy = ec2.describe_images(ImageIds=[copy_id])["Images"][0]
    assert copy["SourceImageId"] == source["ImageId"] and copy["Description"].startswith("[Copied ")
    assert (
        copy["BlockDeviceMappings"][0]["Ebs"]["SnapshotId"]
        != source["BlockDeviceMappings"][0]["Ebs"]["SnapshotId"]
    )
    west = make_client("ec2", account_id, region="us-west-2")
    west_id = west.copy_image(
        SourceImageId=source["ImageId"], SourceRegion="us-east-1", Name="copy", Encrypted=True
    )["ImageId"]
    west_image = west.describe_images(ImageIds=[west_id])["Images"][0]
    assert (
        west_image["SourceImageRegion"] == "us-east-1"
        and west_image["BlockDeviceMappings"][0]["Ebs"]["Encrypted"]
    )
    with aws_error("InvalidAMIID.NotFound", 400):
        ec2.describe_images(ImageIds=[west_id])
    with aws_error("InvalidAMIID.NotFound", 400):
        ec2.copy_image(SourceImageId="ami-0123456789abcdef0", SourceRegion="us-east-1", Name="nope")


def test_deregister_image(ec2):
    image = _image(ec2)
    ec2.run_instances(ImageId=image["ImageId"], MinCount=1, MaxCount=1)
    assert ec2.deregister_image(ImageId=image["ImageId"])["ResponseMetadata"]["HTTPStatusCode"] == 200
    with aws_error("InvalidAMIID.NotFound", 400, f"The image id '[{image['ImageId']}]' does not exist"):
        ec2.describe_images(ImageIds=[image["ImageId"]])
    with aws_error("InvalidAMIID.NotFound", 400):
        ec2.deregister_image(ImageId=image["ImageId"])
    with aws_error("AuthFailure", 401):
        ec2.deregister_image(ImageId=_catalogue_id(ec2))
    with aws_error("InvalidAMIID.Malformed", 400):
        ec2.deregister_image(ImageId="ami-xyz")


def test_describe_images_owners_and_errors(ec2):
    image = _image(ec2)
    own = ec2.describe_images(Owners=["self"])["Images"]
    assert [i["ImageId"] for i in own] == [image["ImageId"]]
    amazon = ec2.describe_images(Owners=["amazon"])["Images"]
    assert amazon and all(i["ImageOwnerAlias"] == "amazon" and i["Public"] for i in amazon)
    assert ec2.describe_images(Owners=["aws-marketplace"])["Images"] == []
    everything = {i["ImageId"] for i in ec2.describe_images()["Images"]}
    assert image["ImageId"] in everything and {i["ImageId"] for i in amazon} <= everything
    canonical = ec2.describe_images(Owners=["099720109477"])["Images"]
    assert canonical and all("ImageOwnerAlias" not in i for i in canonical)
    assert ec2.describe_images(ExecutableUsers=["all"], Owners=["self"])["Images"] == []
    with aws_error("InvalidAMIID.Malformed", 400):
        ec2.describe_images(ImageIds=["ami-123"])
    with aws_error("InvalidAMIID.NotFound", 400, "The image id '[ami-0123456789abcdef0]' does not exist"):
        ec2.describe_images(ImageIds=["ami-0123456789abcdef0"])
    with aws_error("InvalidParameterValue", 400, "The filter 'bogus' is invalid"):
        ec2.describe_images(Filters=[{"Name": "bogus", "Values": ["x"]}])


def test_describe_images_paging(ec2):
    pages = ec2.describe_images(MaxResults=5)
    assert len(pages["Images"]) == 5 and pages["NextToken"]
    rest = ec2.describe_images(MaxResults=5, NextToken=pages["NextToken"])["Images"]
    assert not {i["ImageId"] for i in rest} & {i["ImageId"] for i in pages["Images"]}


@pytest.mark.parametrize(
    "name,value,expect",
    [
        ("name", "web-*", True),
        ("name", "other*", False),
        ("architecture", "x86_64", True),
        ("state", "available", True),
        ("is-public", "false", True),
        ("image-type", "machine", True),
        ("root-device-type", "ebs", True),
        ("root-device-name", "/dev/xvda", True),
        ("virtualization-type", "hvm", True),
        ("hypervisor", "xen", True),
        ("platform", "windows", False),
        ("block-device-mapping.volume-size", "8", True),
        ("block-device-mapping.volume-type", "gp3", True),
        ("block-device-mapping.device-name", "/dev/xvda", True),
        ("block-device-mapping.encrypted", "false", True),
        ("description", "desc*", True),
        ("ena-support", "true", True),
        ("creation-date", "20*", True),
        ("tag:team", "blue", True),
        ("tag-key", "team", True),
        ("owner-alias", "amazon", False),
    ],
)
def test_describe_images_filters(ec2, name, value, expect):
    image = _image(
        ec2,
        Name="web-1",
        Description="description",
        TagSpecifications=[{"ResourceType": "image", "Tags": [{"Key": "team", "Value": "blue"}]}],
    )
    found = ec2.describe_images(Owners=["self"], Filters=[{"Name": name, "Values": [value]}])["Images"]
    assert bool(found) is expect
    by = {
        "image-id": image["ImageId"],
        "owner-id": image["OwnerId"],
        "source-instance-id": image["SourceInstanceId"],
        "block-device-mapping.snapshot-id": image["BlockDeviceMappings"][0]["Ebs"]["SnapshotId"],
    }
    for key, val in by.items():
        assert ec2.describe_images(Owners=["self"], Filters=[{"Name": key, "Values": [val]}])["Images"]


def test_image_attributes(ec2):
    image_id = _image(ec2)["ImageId"]
    ec2.modify_image_attribute(ImageId=image_id, Description={"Value": "new"})
    assert (
        ec2.describe_image_attribute(ImageId=image_id, Attribute="description")["Description"]["Value"]
        == "new"
    )
    ec2.modify_image_attribute(ImageId=image_id, Attribute="description", Value="older form")
    assert ec2.describe_images(ImageIds=[image_id])["Images"][0]["Description"] == "older form"
    for attribute in (
        "kernel",
        "ramdisk",
        "productCodes",
        "blockDeviceMapping",
        "sriovNetSupport",
        "bootMode",
        "tpmSupport",
        "uefiData",
        "lastLaunchedTime",
        "imdsSupport",
        "deregistrationProtection",
    ):
        assert ec2.describe_image_attribute(ImageId=image_id, Attribute=attribute)["ImageId"] == image_id
    assert ec2.describe_image_attribute(ImageId=image_id, Attribute="blockDeviceMapping")[
        "BlockDeviceMappings"
    ]
    with aws_error("AuthFailure", 401, f"Not authorized for image:{_catalogue_id(ec2)}"):
        ec2.describe_image_attribute(ImageId=_catalogue_id(ec2), Attribute="launchPermission")
    with aws_error("AuthFailure", 401):
        ec2.modify_image_attribute(ImageId=_catalogue_id(ec2), LaunchPermission={"Add": [{"Group": "all"}]})


def test_launch_permission_forms(ec2):
    image_id = _image(ec2)["ImageId"]
    ec2.modify_image_attribute(
        ImageId=image_id,
        LaunchPermission={
            "Add": [
                {"UserId": "111122223333"},
                {"OrganizationArn": "arn:aws:organizations::123456789012:organization/o-abc"},
            ]
        },
    )
    ec2.modify_image_attribute(
        ImageId=image_id,
        Attribute="launchPermission",
        OperationType="add",
        UserIds=["444455556666"],
        UserGroups=["all"],
    )
    permissions = ec2.describe_image_attribute(ImageId=image_id, Attribute="launchPermission")[
        "LaunchPermissions"
    ]
    assert {"Group": "all"} in permissions and {"UserId": "111122223333"} in permissions
    assert {"UserId": "444455556666"} in permissions and any("OrganizationArn" in p for p in permissions)
    assert ec2.describe_images(ImageIds=[image_id])["Images"][0]["Public"] is True
    ec2.modify_image_attribute(ImageId=image_id, OperationType="remove", UserIds=["444455556666"])
    ec2.reset_image_attribute(ImageId=image_id, Attribute="launchPermission")
    assert (
        ec2.describe_image_attribute(ImageId=image_id, Attribute="launchPermission")["LaunchPermissions"]
        == []
    )
    with aws_error("InvalidAMIAttributeItemValue", 400):
        ec2.modify_image_attribute(ImageId=image_id, LaunchPermission={"Add": [{"UserId": "12345"}]})


def test_encrypted_image_cannot_be_public(ec2):
    source = _image(ec2, Name="plain")["ImageId"]
    encrypted = ec2.copy_image(SourceImageId=source, SourceRegion="us-east-1", Name="enc", Encrypted=True)[
        "ImageId"
    ]
    with aws_error("UnsupportedOperation", 400):
        ec2.modify_image_attribute(ImageId=encrypted, LaunchPermission={"Add": [{"Group": "all"}]})
    # Its snapshots use the default aws/ebs key: not shareable with anyone either.
    with aws_error("InvalidParameter", 400, "Snapshots encrypted with the AWS Managed CMK can’t be shared"):
        ec2.modify_image_attribute(ImageId=encrypted, LaunchPermission={"Add": [{"UserId": "111122223333"}]})
    key = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    custom = ec2.copy_image(
        SourceImageId=source, SourceRegion="us-east-1", Name="enc-cmk", Encrypted=True, KmsKeyId=key
    )["ImageId"]
    ec2.modify_image_attribute(ImageId=custom, LaunchPermission={"Add": [{"UserId": "111122223333"}]})


def test_encrypted_root_volume_image_not_shareable(ec2):
    """CreateImage of an instance with an encrypted root: the snapshot carries the aws/ebs key."""
    instance_id = ec2.run_instances(
        ImageId=_catalogue_id(ec2),
        MinCount=1,
        MaxCount=1,
        BlockDeviceMappings=[{"DeviceName": "/dev/xvda", "Ebs": {"Encrypted": True}}],
    )["Instances"][0]["InstanceId"]
    volume = ec2.describe_volumes(Filters=[{"Name": "attachment.instance-id", "Values": [instance_id]}])[
        "Volumes"
    ][0]
    assert volume["Encrypted"] and volume["KmsKeyId"].endswith(":alias/aws/ebs")
    image_id = ec2.create_image(InstanceId=instance_id, Name="enc-root")["ImageId"]
    snapshot_id = ec2.describe_images(ImageIds=[image_id])["Images"][0]["BlockDeviceMappings"][0]["Ebs"][
        "SnapshotId"
    ]
    assert ec2.describe_snapshots(SnapshotIds=[snapshot_id])["Snapshots"][0]["KmsKeyId"] == volume["KmsKeyId"]
    with aws_error("InvalidParameter", 400, "AWS Managed CMK"):
        ec2.modify_image_attribute(
            ImageId=image_id, Attribute="launchPermission", OperationType="add", UserIds=["111122223333"]
        )


@pytest.mark.parametrize(
    ("mapping", "extra", "code", "message"),
    [
        ({}, {"BootMode": "bios"}, "InvalidParameterValue", "Value (bios) for parameter bootMode is invalid"),
        ({}, {"VirtualizationType": "pv"}, "InvalidParameterValue", "parameter virtualizationType"),
        ({}, {"ImdsSupport": "v1"}, "InvalidParameterValue", "Value (v1) for parameter imdsSupport"),
        ({}, {"TpmSupport": "v1.2"}, "InvalidParameterValue", "parameter tpmSupport"),
        ({}, {"Architecture": "sparc"}, "InvalidParameterValue", "parameter architecture"),
        ({"VolumeType": "xyz"}, {}, "InvalidParameterValue", "Value (xyz) for parameter volumeType"),
        ({"VolumeType": "io1"}, {}, "InvalidParameterCombination", "iops must be specified"),
        ({"VolumeType": "gp2", "Iops": 3000}, {}, "InvalidParameterCombination", "iops is not supported"),
        ({"VolumeType": "gp3", "Throughput": 1000}, {}, "InvalidParameterValue", "ratio of 0.333333"),
        ({"SnapshotId": "snap-zz"}, {}, "InvalidSnapshotID.Malformed", 'Invalid id: "snap-zz"'),
    ],
)
def test_register_image_validates_values(ec2, mapping, extra, code, message):
    snapshot_id = _image(ec2)["BlockDeviceMappings"][0]["Ebs"]["SnapshotId"]
    ebs = {"SnapshotId": snapshot_id, **mapping}
    with aws_error(code, 400, message):
        ec2.register_image(
            Name="bad-values",
            RootDeviceName="/dev/xvda",
            BlockDeviceMappings=[{"DeviceName": "/dev/xvda", "Ebs": ebs}],
            **extra,
        )


def test_copy_image_client_token_and_source_region(ec2):
    source = _image(ec2, Name="tok-source")["ImageId"]
    first = ec2.copy_image(SourceImageId=source, SourceRegion="us-east-1", Name="tok", ClientToken="t-1")
    again = ec2.copy_image(SourceImageId=source, SourceRegion="us-east-1", Name="tok", ClientToken="t-1")
    assert first["ImageId"] == again["ImageId"]
    with aws_error("IdempotentParameterMismatch", 400):
        ec2.copy_image(SourceImageId=source, SourceRegion="us-east-1", Name="other", ClientToken="t-1")
    with aws_error("InvalidParameterValue", 400, "Invalid region: [mars-north-1]"):
        ec2.copy_image(SourceImageId=source, SourceRegion="mars-north-1", Name="far")


def test_made_up_regions_grow_no_catalogue(ec2):
    """Each region's public catalogue is built once and kept: names from requests must not add any."""
    before = _public_images.cache_info().currsize
    source = _image(ec2, Name="nowhere-source")["ImageId"]
    for index in range(20):
        with aws_error("InvalidParameterValue", 400, "Invalid region"):
            ec2.copy_image(SourceImageId=source, SourceRegion=f"xx-nowhere-{index}", Name="far")
    assert _public_images.cache_info().currsize <= before + 1  # +1: another test's real region


def test_description_attribute_needs_a_value(ec2):
    image_id = _image(ec2, Name="described", Description="keep me")["ImageId"]
    with aws_error("MissingParameter", 400):
        ec2.modify_image_attribute(ImageId=image_id, Attribute="description")
    assert ec2.describe_images(ImageIds=[image_id])["Images"][0]["Description"] == "keep me"


@pytest.mark.parametrize(
    ("name", "value", "found"),
    [
        ("product-code", "abc", False),
        ("product-code.type", "marketplace", False),
        ("state-reason-code", "x", False),
        ("state-reason-message", "x", False),
        ("free-tier-eligible", "false", True),
        ("image-allowed", "true", True),
    ],
)
def test_describe_images_model_filters(ec2, name, value, found):
    image_id = _image(ec2, Name="filtered")["ImageId"]
    images = ec2.describe_images(Owners=["self"], Filters=[{"Name": name, "Values": [value]}])["Images"]
    assert (image_id in [i["ImageId"] for i in images]) is found


def test_other_error_paths(ec2):
    instance_id = _instance(ec2)
    ec2.terminate_instances(InstanceIds=[instance_id])
    with aws_error("IncorrectInstanceState", 400):
        ec2.create_image(InstanceId=instance_id, Name="gone")
    with aws_error("MissingParameter", 400):
        ec2.register_image(Name="no-root")
    with aws_error("InvalidBlockDeviceMapping", 400):
        ec2.register_image(
            Name="no-snap",
            RootDeviceName="/dev/xvda",
            BlockDeviceMappings=[{"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 8}}],
        )
    with aws_error("InvalidUserID.Malformed", 400):
        ec2.describe_images(Owners=["nobody"])
    with aws_error("InvalidUserID.Malformed", 400):
        ec2.describe_images(ExecutableUsers=["nobody"])
    with aws_error("InvalidParameterCombination", 400):
        ec2.describe_images(ImageIds=[_catalogue_id(ec2)], MaxResults=5)
    image_id = _image(ec2)["ImageId"]
    with aws_error("InvalidParameterValue", 400):
        ec2.modify_image_attribute(ImageId=image_id, ImdsSupport={"Value": "v1.0"})
    with aws_error("MissingParameter", 400):
        ec2.modify_image_attribute(ImageId=image_id, Attribute="launchPermission", OperationType="add")
    with aws_error("InvalidParameterValue", 400):
        ec2.modify_image_attribute(ImageId=image_id, Attribute="kernel", Value="aki-1")
    ec2.modify_image_attribute(ImageId=image_id, ImdsSupport={"Value": "v2.0"})
