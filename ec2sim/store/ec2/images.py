"""Machine images (AMIs): the public Amazon catalogue every region offers.

Each region has its own copy of a public image under its own id, as on AWS;
ids (and root snapshot ids) are derived from a hash of region and image name,
so they are stable across restarts and differ between regions. Catalogue
images are owned by Amazon's or Canonical's accounts, public, and launchable by
every account. Account-owned images (create/register/copy, launch permissions)
extend `Image` and plug into `find_image`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cache

from ec2sim.store.ec2.geography import is_valid_region
from ec2sim.store.ec2.sharing import SharedRegistry
from ec2sim.store.table import Resource

AMAZON_OWNER_ID = "137112412989"  # Amazon Linux
WINDOWS_OWNER_ID = "801119661308"  # Amazon's Windows images
CANONICAL_OWNER_ID = "099720109477"  # Ubuntu: no owner alias


@dataclass(frozen=True)
class ImageBlockDevice:
    """One of an image's block device mappings (an EBS volume from a snapshot)."""

    device_name: str
    snapshot_id: str | None = None
    volume_size: int = 8
    volume_type: str = "gp3"
    delete_on_termination: bool = True
    encrypted: bool = False
    iops: int | None = None
    throughput: int | None = None
    virtual_name: str | None = None  # ephemeralN: instance store
    no_device: bool = False


@dataclass(eq=False)
class Image(Resource):
    resource_type = "image"
    owner_id: str
    name: str
    description: str
    architecture: str  # x86_64 | arm64 | i386 ...
    root_device_name: str
    block_devices: list[ImageBlockDevice]
    creation_date: datetime
    region: str
    platform: str | None = None  # "windows" or None
    platform_details: str = "Linux/UNIX"
    usage_operation: str = "RunInstances"
    image_owner_alias: str | None = None
    public: bool = False
    state: str = "available"  # pending | available | invalid | deregistered | failed ...
    image_type: str = "machine"
    root_device_type: str = "ebs"
    virtualization_type: str = "hvm"
    hypervisor: str = "xen"
    ena_support: bool = True
    sriov_net_support: str | None = "simple"
    boot_mode: str | None = None  # legacy-bios | uefi | uefi-preferred
    imds_support: str | None = None  # "v2.0": instances default to HttpTokens=required
    tpm_support: str | None = None
    kernel_id: str | None = None
    ramdisk_id: str | None = None
    deprecation_time: datetime | None = None
    image_location: str | None = None  # instance-store manifest, or "<owner>/<name>" for EBS
    source_instance_id: str | None = None  # CreateImage
    source_image_id: str | None = None  # CopyImage
    source_image_region: str | None = None
    client_token: str | None = None  # CopyImage idempotency
    request_fingerprint: str = ""  # of the CopyImage request carrying `client_token`
    uefi_data: str | None = None
    # Accounts (besides the owner) allowed to launch it; `public` covers group "all".
    # Change `public` / `shared_with` only through the SharedRegistry (it indexes them).
    shared_with: set[str] = field(default_factory=set)
    # Organization / OU ARNs granted: stored and described, granting nothing (no organizations).
    organization_arns: set[str] = field(default_factory=set)
    organizational_unit_arns: set[str] = field(default_factory=set)

    @property
    def snapshot_ids(self) -> list[str]:
        """The snapshots behind the image's EBS mappings."""
        return [d.snapshot_id for d in self.block_devices if d.snapshot_id and not d.no_device]

    @property
    def root_device(self) -> ImageBlockDevice | None:
        return next((d for d in self.block_devices if d.device_name == self.root_device_name), None)

    def launchable_by(self, account_id: str) -> bool:
        return self.state == "available" and (
            self.public or account_id == self.owner_id or account_id in self.shared_with
        )


@dataclass(frozen=True)
class _CatalogueEntry:
    name: str
    description: str
    owner_id: str
    alias: str | None
    architecture: str
    root_device_name: str
    volume_size: int
    volume_type: str
    created: str  # ISO date
    boot_mode: str | None = None
    imds_support: str | None = None
    platform: str | None = None


_AL2023 = "al2023-ami-2023.6.20241212.0-kernel-6.1-"
_CATALOGUE: tuple[_CatalogueEntry, ...] = (
    _CatalogueEntry(
        _AL2023 + "x86_64",
        "Amazon Linux 2023 AMI 2023.6.20241212.0 x86_64 HVM kernel-6.1",
        AMAZON_OWNER_ID,
        "amazon",
        "x86_64",
        "/dev/xvda",
        8,
        "gp3",
        "2024-12-13T22:21:09",
        "uefi-preferred",
        "v2.0",
    ),
    _CatalogueEntry(
        _AL2023 + "arm64",
        "Amazon Linux 2023 AMI 2023.6.20241212.0 arm64 HVM kernel-6.1",
        AMAZON_OWNER_ID,
        "amazon",
        "arm64",
        "/dev/xvda",
        8,
        "gp3",
        "2024-12-13T22:21:10",
        "uefi",
        "v2.0",
    ),
    _CatalogueEntry(
        "amzn2-ami-kernel-5.10-hvm-2.0.20241217.0-x86_64-gp2",
        "Amazon Linux 2 Kernel 5.10 AMI 2.0.20241217.0 x86_64 HVM gp2",
        AMAZON_OWNER_ID,
        "amazon",
        "x86_64",
        "/dev/xvda",
        8,
        "gp2",
        "2024-12-18T19:41:44",
    ),
    _CatalogueEntry(
        "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20241119",
        "Canonical, Ubuntu, 24.04, amd64 noble image",
        CANONICAL_OWNER_ID,
        None,
        "x86_64",
        "/dev/sda1",
        8,
        "gp3",
        "2024-11-19T23:32:14",
        "uefi-preferred",
    ),
    _CatalogueEntry(
        "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-arm64-server-20241119",
        "Canonical, Ubuntu, 24.04, arm64 noble image",
        CANONICAL_OWNER_ID,
        None,
        "arm64",
        "/dev/sda1",
        8,
        "gp3",
        "2024-11-19T23:32:20",
        "uefi",
    ),
    _CatalogueEntry(
        "ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-20241206",
        "Canonical, Ubuntu, 22.04 LTS, amd64 jammy image build on 2024-12-06",
        CANONICAL_OWNER_ID,
        None,
        "x86_64",
        "/dev/sda1",
        8,
        "gp2",
        "2024-12-06T20:57:39",
        "uefi-preferred",
    ),
    _CatalogueEntry(
        "Windows_Server-2022-English-Full-Base-2024.12.13",
        "Microsoft Windows Server 2022 Full Locale English AMI provided by Amazon",
        WINDOWS_OWNER_ID,
        "amazon",
        "x86_64",
        "/dev/sda1",
        30,
        "gp2",
        "2024-12-13T20:44:35",
        platform="windows",
    ),
)


def _hex(region: str, name: str, kind: str) -> str:
    """17 hex digits, leading 0 as in AWS's current ids."""
    return "0" + hashlib.sha256(f"{kind}|{region}|{name}".encode()).hexdigest()[:16]


def _image(region: str, entry: _CatalogueEntry) -> Image:
    windows = entry.platform == "windows"
    root = ImageBlockDevice(
        entry.root_device_name,
        snapshot_id="snap-" + _hex(region, entry.name, "snap"),
        volume_size=entry.volume_size,
        volume_type=entry.volume_type,
        iops=3000 if entry.volume_type == "gp3" else None,
        throughput=125 if entry.volume_type == "gp3" else None,
    )
    return Image(
        "ami-" + _hex(region, entry.name, "ami"),
        owner_id=entry.owner_id,
        name=entry.name,
        description=entry.description,
        architecture=entry.architecture,
        root_device_name=entry.root_device_name,
        block_devices=[root],
        creation_date=datetime.fromisoformat(entry.created).replace(tzinfo=timezone.utc),
        region=region,
        platform=entry.platform,
        platform_details="Windows" if windows else "Linux/UNIX",
        usage_operation="RunInstances:0002" if windows else "RunInstances",
        image_owner_alias=entry.alias,
        public=True,
        boot_mode=entry.boot_mode,
        imds_support=entry.imds_support,
    )


def public_images(region: str) -> dict[str, Image]:
    """The public catalogue of `region`, by image id (built once per region; none for a name that
    is no region, so names from requests can't grow the cache)."""
    return _public_images(region) if is_valid_region(region) else {}


@cache
def _public_images(region: str) -> dict[str, Image]:
    images = (_image(region, entry) for entry in _CATALOGUE)
    return {image.id: image for image in images}


def catalogue_owned_by(region: str) -> dict[str, list[Image]]:
    """The public catalogue of `region` by owner id and by owner alias ("amazon")."""
    return _catalogue_owned_by(region) if is_valid_region(region) else {}


@cache
def _catalogue_owned_by(region: str) -> dict[str, list[Image]]:
    owners: dict[str, list[Image]] = {}
    for image in public_images(region).values():
        owners.setdefault(image.owner_id, []).append(image)
        if image.image_owner_alias:
            owners.setdefault(image.image_owner_alias, []).append(image)
    return owners


def find_image(
    region: str, account_id: str, image_id: str, shared: SharedRegistry[Image] | None = None
) -> Image | None:
    """The image `image_id` as `account_id` sees it in `region` (None: absent or not visible).

    The catalogue first, then account-owned images through the server-wide registry
    `shared` (owned, public or granted to `account_id`), never another region's.
    """
    image = public_images(region).get(image_id)
    if image is None and shared is not None:
        image = shared.get(image_id)
        if image is not None and image.region != region:
            image = None
    if image is None or not (image.public or image.owner_id == account_id or account_id in image.shared_with):
        return None
    return image
