"""The instance-type catalogue: DescribeInstanceTypes and DescribeInstanceTypeOfferings.

Both answer from `ec2sim.store.ec2.instance_types` (AWS's own answers, recorded): the types a region
offers, their InstanceTypeInfo, and per zone the types offered there. Neither has resource-level
permissions. Both page by default, as EC2 does (DescribeInstanceTypes 100 at a time, offerings 1000),
filtering each page (see `_paged`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from ec2sim.api.authorization import NO_RESOURCES
from ec2sim.api.context import RequestContext
from ec2sim.api.ec2.filters import Extractor, FilterSet
from ec2sim.api.ec2.paging import paginate
from ec2sim.api.errors import AwsError
from ec2sim.api.registry import ec2_action
from ec2sim.store.ec2.geography import zones
from ec2sim.store.ec2.instance_types import offered_types, type_infos

if TYPE_CHECKING:
    from types_boto3_ec2.type_defs import (
        DescribeInstanceTypeOfferingsRequestTypeDef,
        DescribeInstanceTypesRequestTypeDef,
    )

MAX_TYPES_PAGE = 100
MAX_OFFERINGS_PAGE = 1000
MAX_REQUESTED_TYPES = 100  # RequestInstanceTypeList's max in the model
LOCATION_TYPES = ("region", "availability-zone", "availability-zone-id", "outpost")


def _path(*keys: str) -> Extractor:
    """The values at `keys` in an InstanceTypeInfo, through nested lists; a whole number stored as
    a float (25.0 Gbps) also matches its integer text, and a list of numbers its comma-joined form
    ("1,2", as the API reference shows for vcpu-info.valid-threads-per-core)."""

    def extract(info: Mapping[str, Any]) -> list[Any]:
        values: list[Any] = [info]
        for key in keys:
            found: list[Any] = []
            for value in values:
                item = value.get(key) if isinstance(value, dict) else None
                if isinstance(item, list):
                    found.extend(item)
                    if item and all(isinstance(x, int) and not isinstance(x, bool) for x in item):
                        found.append(",".join(map(str, item)))
                elif item is not None:
                    found.append(item)
            values = found
        return values + [int(v) for v in values if isinstance(v, float) and v.is_integer()]

    return extract


# Every filter the API reference lists for DescribeInstanceTypes, name → path in InstanceTypeInfo.
_TYPE_FILTERS = FilterSet(
    {
        name: _path(*path.split("."))
        for name, path in {
            "auto-recovery-supported": "AutoRecoverySupported",
            "bare-metal": "BareMetal",
            "burstable-performance-supported": "BurstablePerformanceSupported",
            "current-generation": "CurrentGeneration",
            "dedicated-hosts-supported": "DedicatedHostsSupported",
            "ebs-info.attachment-limit-type": "EbsInfo.AttachmentLimitType",
            "ebs-info.maximum-ebs-attachments": "EbsInfo.MaximumEbsAttachments",
            "ebs-info.ebs-optimized-info.baseline-bandwidth-in-mbps": "EbsInfo.EbsOptimizedInfo.BaselineBandwidthInMbps",
            "ebs-info.ebs-optimized-info.baseline-iops": "EbsInfo.EbsOptimizedInfo.BaselineIops",
            "ebs-info.ebs-optimized-info.baseline-throughput-in-mbps": "EbsInfo.EbsOptimizedInfo.BaselineThroughputInMBps",
            "ebs-info.ebs-optimized-info.maximum-bandwidth-in-mbps": "EbsInfo.EbsOptimizedInfo.MaximumBandwidthInMbps",
            "ebs-info.ebs-optimized-info.maximum-iops": "EbsInfo.EbsOptimizedInfo.MaximumIops",
            "ebs-info.ebs-optimized-info.maximum-throughput-in-mbps": "EbsInfo.EbsOptimizedInfo.MaximumThroughputInMBps",
            "ebs-info.ebs-optimized-support": "EbsInfo.EbsOptimizedSupport",
            "ebs-info.encryption-support": "EbsInfo.EncryptionSupport",
            "ebs-info.nvme-support": "EbsInfo.NvmeSupport",
            "free-tier-eligible": "FreeTierEligible",
            "hibernation-supported": "HibernationSupported",
            "hypervisor": "Hypervisor",
            "instance-storage-info.disk.count": "InstanceStorageInfo.Disks.Count",
            "instance-storage-info.disk.size-in-gb": "InstanceStorageInfo.Disks.SizeInGB",
            "instance-storage-info.disk.type": "InstanceStorageInfo.Disks.Type",
            "instance-storage-info.encryption-support": "InstanceStorageInfo.EncryptionSupport",
            "instance-storage-info.nvme-support": "InstanceStorageInfo.NvmeSupport",
            "instance-storage-info.total-size-in-gb": "InstanceStorageInfo.TotalSizeInGB",
            "instance-storage-supported": "InstanceStorageSupported",
            "instance-type": "InstanceType",
            "memory-info.size-in-mib": "MemoryInfo.SizeInMiB",
            "network-info.bandwidth-weightings": "NetworkInfo.BandwidthWeightings",
            "network-info.efa-info.maximum-efa-interfaces": "NetworkInfo.EfaInfo.MaximumEfaInterfaces",
            "network-info.efa-supported": "NetworkInfo.EfaSupported",
            "network-info.ena-support": "NetworkInfo.EnaSupport",
            "network-info.flexible-ena-queues-support": "NetworkInfo.FlexibleEnaQueuesSupport",
            "network-info.encryption-in-transit-supported": "NetworkInfo.EncryptionInTransitSupported",
            "network-info.ipv4-addresses-per-interface": "NetworkInfo.Ipv4AddressesPerInterface",
            "network-info.ipv6-addresses-per-interface": "NetworkInfo.Ipv6AddressesPerInterface",
            "network-info.ipv6-supported": "NetworkInfo.Ipv6Supported",
            "network-info.maximum-network-cards": "NetworkInfo.MaximumNetworkCards",
            "network-info.maximum-network-interfaces": "NetworkInfo.MaximumNetworkInterfaces",
            "network-info.network-performance": "NetworkInfo.NetworkPerformance",
            "nitro-enclaves-support": "NitroEnclavesSupport",
            "nitro-tpm-support": "NitroTpmSupport",
            "nitro-tpm-info.supported-versions": "NitroTpmInfo.SupportedVersions",
            "processor-info.supported-architecture": "ProcessorInfo.SupportedArchitectures",
            "processor-info.sustained-clock-speed-in-ghz": "ProcessorInfo.SustainedClockSpeedInGhz",
            "processor-info.supported-features": "ProcessorInfo.SupportedFeatures",
            "reboot-migration-support": "RebootMigrationSupport",
            "supported-boot-mode": "SupportedBootModes",
            "supported-root-device-type": "SupportedRootDeviceTypes",
            "supported-usage-class": "SupportedUsageClasses",
            "supported-virtualization-type": "SupportedVirtualizationTypes",
            "vcpu-info.default-cores": "VCpuInfo.DefaultCores",
            "vcpu-info.default-threads-per-core": "VCpuInfo.DefaultThreadsPerCore",
            "vcpu-info.default-vcpus": "VCpuInfo.DefaultVCpus",
            "vcpu-info.valid-cores": "VCpuInfo.ValidCores",
            "vcpu-info.valid-threads-per-core": "VCpuInfo.ValidThreadsPerCore",
        }.items()
    }
)

_OFFERING_FILTERS = FilterSet({"instance-type": lambda o: o[0], "location": lambda o: o[1]})


def _paged(
    candidates: Sequence[Any], filters: FilterSet, req: Mapping[str, Any], high: int
) -> tuple[list[Any], str | None]:
    """One page: EC2 pages these two calls even without MaxResults (at the largest size), and
    filters each page's window of candidates rather than all of them, so that a filtered page
    can hold fewer items than asked, or none, while more follow: that is what AWS answers to
    filtered requests read without paging show (boto3#2888, aws-sdk-php#3070, aws-sdk-js-v3#5068)."""
    window, token = paginate(candidates, {**req, "MaxResults": req.get("MaxResults", high)}, 5, high)
    return filters.apply(window, req.get("Filters")), token


@lru_cache(maxsize=64)
def _region_types(region: str) -> frozenset[str]:
    return frozenset(offered_types(region))


@ec2_action("DescribeInstanceTypes", resolve=NO_RESOURCES)
def describe_instance_types(ctx: RequestContext, req: DescribeInstanceTypesRequestTypeDef) -> dict[str, Any]:
    requested = list(dict.fromkeys(req.get("InstanceTypes") or []))
    if len(requested) > MAX_REQUESTED_TYPES:
        # Assumed wording: AWS's answer to more than the model's 100 names isn't documented.
        raise AwsError(
            "InvalidParameterValue",
            f"The maximum number of instance types is {MAX_REQUESTED_TYPES}; {len(requested)} were specified.",
        )
    infos = type_infos()
    if requested:
        here = _region_types(ctx.region)
        missing = [name for name in requested if name not in here]
        if missing:
            # A type this region doesn't offer "does not exist" here, as EC2 says it.
            raise AwsError(
                "InvalidInstanceType",
                f"The following supplied instance types do not exist: [{', '.join(missing)}]",
            )
        candidates = [infos[name] for name in sorted(requested)]
    else:
        candidates = [infos[name] for name in offered_types(ctx.region)]
    _TYPE_FILTERS.predicate(req.get("Filters"))  # an unknown filter fails even on an empty page
    page, token = _paged(candidates, _TYPE_FILTERS, req, MAX_TYPES_PAGE)
    return {"InstanceTypes": page, **({"NextToken": token} if token else {})}


@lru_cache(maxsize=8)
def _offerings(region: str, location_type: str) -> tuple[tuple[str, str], ...]:
    """Every (type, location) offering of the region for one location type, in location then type
    order (pairs: a zone-level listing holds thousands)."""
    if location_type == "region":
        pairs = [(name, region) for name in offered_types(region)]
    elif location_type == "outpost":
        pairs = []  # no Outposts are emulated
    else:
        by_id = location_type == "availability-zone-id"
        pairs = [
            (name, zone.zone_id if by_id else zone.name)
            for zone in sorted(zones(region), key=lambda z: z.zone_id if by_id else z.name)
            for name in offered_types(region, zone.zone_id)
        ]
    return tuple(pairs)


@ec2_action("DescribeInstanceTypeOfferings", resolve=NO_RESOURCES)
def describe_instance_type_offerings(
    ctx: RequestContext, req: DescribeInstanceTypeOfferingsRequestTypeDef
) -> dict[str, Any]:
    location_type = req.get("LocationType", "region")
    if location_type not in LOCATION_TYPES:
        # EC2's usual answer to a value outside a parameter's enumeration (assumed for this one).
        raise AwsError(
            "InvalidParameterValue", f"Value ({location_type}) for parameter locationType is invalid."
        )
    _OFFERING_FILTERS.predicate(req.get("Filters"))
    page, token = _paged(_offerings(ctx.region, location_type), _OFFERING_FILTERS, req, MAX_OFFERINGS_PAGE)
    offerings = [{"InstanceType": name, "LocationType": location_type, "Location": at} for name, at in page]
    return {"InstanceTypeOfferings": offerings, **({"NextToken": token} if token else {})}
