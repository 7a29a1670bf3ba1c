"""The instance-type catalogue: DescribeInstanceTypes, DescribeInstanceTypeOfferings, and RunInstances
refusing a type the image's architecture, the region or the zone doesn't allow."""

from __future__ import annotations

from typing import Any

from botocore.config import Config
from hypothesis import given
from hypothesis import strategies as st

from ec2sim.api.ec2.instance_types import _TYPE_FILTERS
from ec2sim.store.ec2.geography import zones
from ec2sim.store.ec2.images import public_images
from ec2sim.store.ec2.instance_types import offered_types, source
from tests.helpers import aws_error

AL2023 = next(i.id for i in public_images("us-east-1").values() if i.name.endswith("kernel-6.1-x86_64"))
NOT_IN_US_EAST_1 = "hpc6a.48xlarge"  # offered in other regions only
US_EAST_1 = offered_types("us-east-1")


def describe(ec2: Any, *filters: tuple[str, list[str]], **params: Any) -> list[dict[str, Any]]:
    pages = ec2.get_paginator("describe_instance_types").paginate(
        Filters=[{"Name": name, "Values": values} for name, values in filters], **params
    )
    return [t for page in pages for t in page["InstanceTypes"]]


def test_the_catalogue_records_its_source() -> None:
    assert source()["package"] == "moto" and source()["version"] and source()["generated"]


def test_attributes_of_named_types(ec2: Any) -> None:
    types = ec2.describe_instance_types(InstanceTypes=["t3.micro", "m7g.large", "t3.micro"])["InstanceTypes"]
    assert [t["InstanceType"] for t in types] == ["m7g.large", "t3.micro"]
    graviton, micro = types
    assert micro["VCpuInfo"]["DefaultVCpus"] == 2 and micro["MemoryInfo"] == {"SizeInMiB": 1024}
    assert micro["ProcessorInfo"]["SupportedArchitectures"] == ["x86_64"]
    assert micro["BurstablePerformanceSupported"] and micro["FreeTierEligible"] and micro["CurrentGeneration"]
    assert micro["Hypervisor"] == "nitro" and micro["NetworkInfo"]["NetworkPerformance"] == "Up to 5 Gigabit"
    assert micro["EbsInfo"]["EbsOptimizedSupport"] == "default" and micro["SupportedRootDeviceTypes"] == [
        "ebs"
    ]
    assert graviton["ProcessorInfo"]["SupportedArchitectures"] == ["arm64"]
    assert graviton["VCpuInfo"]["DefaultThreadsPerCore"] == 1


def raw_client(ec2sim: Any) -> Any:
    """A client that sends what botocore would refuse (out-of-range sizes), for the server to judge."""
    return ec2sim.boto3_client("ec2", config=Config(parameter_validation=False, retries={"max_attempts": 1}))


def test_errors(ec2sim: Any) -> None:
    ec2 = raw_client(ec2sim)
    with aws_error(
        "InvalidInstanceType", 400, "The following supplied instance types do not exist: [x1.bogus]"
    ):
        ec2.describe_instance_types(InstanceTypes=["t3.micro", "x1.bogus"])
    with aws_error("InvalidInstanceType", 400, f"[{NOT_IN_US_EAST_1}]"):  # offered elsewhere only
        ec2.describe_instance_types(InstanceTypes=[NOT_IN_US_EAST_1])
    for size in (4, 101):
        with aws_error("InvalidParameterValue", 400, "Expecting a value between 5 and 100"):
            ec2.describe_instance_types(MaxResults=size)
    with aws_error("InvalidParameterValue", 400, "The filter 'vcpus' is invalid"):
        ec2.describe_instance_types(Filters=[{"Name": "vcpus", "Values": ["2"]}])
    with aws_error("InvalidPaginationToken", 400):
        ec2.describe_instance_types(NextToken="nonsense")
    with aws_error("InvalidParameterValue", 400, "Expecting a value between 5 and 1000"):
        ec2.describe_instance_type_offerings(MaxResults=1001)
    with aws_error("InvalidParameterValue", 400, "locationType"):
        ec2.describe_instance_type_offerings(LocationType="planet")
    with aws_error("InvalidParameterValue", 400, "The filter 'zone' is invalid"):
        ec2.describe_instance_type_offerings(Filters=[{"Name": "zone", "Values": ["x"]}])


def test_pages_of_100_by_default(ec2: Any, make_client: Any, account_id: str) -> None:
    first = ec2.describe_instance_types()
    assert len(first["InstanceTypes"]) == 100 and first["NextToken"]
    second = ec2.describe_instance_types(NextToken=first["NextToken"], MaxResults=5)
    assert len(second["InstanceTypes"]) == 5
    assert second["InstanceTypes"][0]["InstanceType"] == US_EAST_1[100]
    assert [t["InstanceType"] for t in describe(ec2)] == list(US_EAST_1)
    # Another region describes its own offering.
    # Filters apply to each page's window, as on AWS: read without paging, t3 types past the first
    # 100 of the region are missing (and a page may be empty while more follow).
    t3 = [{"Name": "instance-type", "Values": ["t3.*"]}]
    unpaged = ec2.describe_instance_types(Filters=t3)
    assert unpaged["InstanceTypes"] == [] and unpaged["NextToken"]  # the first 100 are a* to c5*
    assert {t["InstanceType"] for t in describe(ec2, ("instance-type", ["t3.*"]))} == {
        n for n in US_EAST_1 if n.startswith("t3.")
    }
    # Another region describes its own offering (Cape Town has no t2).
    cape_town = make_client("ec2", account_id, region="af-south-1")
    assert describe(cape_town, ("instance-type", ["t2.*"])) == []
    with aws_error("InvalidInstanceType", 400, "[t2.micro]"):
        cape_town.describe_instance_types(InstanceTypes=["t2.micro"])
    assert [t["InstanceType"] for t in describe(cape_town, ("instance-type", ["t3.micro"]))] == ["t3.micro"]


def test_filters(ec2: Any) -> None:
    arm = describe(ec2, ("processor-info.supported-architecture", ["arm64"]))
    assert arm and all(t["ProcessorInfo"]["SupportedArchitectures"] == ["arm64"] for t in arm)
    small = describe(ec2, ("vcpu-info.default-vcpus", ["2"]), ("memory-info.size-in-mib", ["1024"]))
    assert {"t3.micro", "t3a.micro", "t4g.micro"} <= {t["InstanceType"] for t in small}
    assert all(t["VCpuInfo"]["DefaultVCpus"] == 2 and t["MemoryInfo"]["SizeInMiB"] == 1024 for t in small)
    free = describe(ec2, ("free-tier-eligible", ["true"]))
    assert free and all(t["FreeTierEligible"] for t in free)
    t3 = describe(ec2, ("instance-type", ["t3.*"]), ("burstable-performance-supported", ["true"]))
    assert {t["InstanceType"] for t in t3} == {n for n in US_EAST_1 if n.startswith("t3.")}
    old = describe(ec2, ("current-generation", ["false"]), ("hypervisor", ["xen"]))
    assert "m1.small" in {t["InstanceType"] for t in old}
    ssd = describe(ec2, ("instance-storage-info.disk.type", ["ssd"]), ("instance-type", ["c5d.*"]))
    assert ssd and all(t["InstanceStorageInfo"]["Disks"][0]["Type"] == "ssd" for t in ssd)
    fast = describe(
        ec2, ("network-info.network-performance", ["100 Gigabit"]), ("network-info.efa-supported", ["true"])
    )
    assert fast and all(t["NetworkInfo"]["EfaSupported"] for t in fast)
    clock = describe(
        ec2, ("processor-info.sustained-clock-speed-in-ghz", ["3.1"]), ("instance-type", ["m5.*"])
    )
    assert "m5.large" in {t["InstanceType"] for t in clock}
    threads = describe(ec2, ("vcpu-info.valid-threads-per-core", ["1,2"]), ("instance-type", ["m5.large"]))
    assert [t["InstanceType"] for t in threads] == ["m5.large"]
    both = describe(ec2, ("ebs-info.nvme-support", ["required"]), InstanceTypes=["m5.large", "m4.large"])
    assert [t["InstanceType"] for t in both] == ["m5.large"]


def test_offerings_by_location_type(ec2: Any) -> None:
    def offerings(**params: Any) -> list[dict[str, Any]]:
        pages = ec2.get_paginator("describe_instance_type_offerings").paginate(**params)
        return [o for page in pages for o in page["InstanceTypeOfferings"]]

    region = offerings()
    assert [o["InstanceType"] for o in region] == list(US_EAST_1)
    assert {(o["Location"], o["LocationType"]) for o in region} == {("us-east-1", "region")}
    first = ec2.describe_instance_type_offerings(LocationType="availability-zone")
    assert len(first["InstanceTypeOfferings"]) == 1000 and first["NextToken"]
    by_name = offerings(
        LocationType="availability-zone", Filters=[{"Name": "instance-type", "Values": ["m5.large"]}]
    )
    by_id = offerings(
        LocationType="availability-zone-id", Filters=[{"Name": "instance-type", "Values": ["m5.large"]}]
    )
    names = {z.zone_id: z.name for z in zones("us-east-1")}
    assert {o["Location"] for o in by_name} == {names[o["Location"]] for o in by_id}
    assert "us-east-1e" not in {o["Location"] for o in by_name}  # use1-az3, an old zone
    assert {o["LocationType"] for o in by_id} == {"availability-zone-id"}
    zone_e = offerings(
        LocationType="availability-zone", Filters=[{"Name": "location", "Values": ["us-east-1e"]}]
    )
    assert 0 < len(zone_e) < 100
    assert offerings(LocationType="outpost") == []
    assert offerings(Filters=[{"Name": "location", "Values": ["eu-west-1"]}]) == []


def test_run_instances_checks_type_image_and_zone(ec2: Any) -> None:
    def run(**params: Any) -> Any:
        return ec2.run_instances(ImageId=AL2023, MinCount=1, MaxCount=1, **params)

    with aws_error("InvalidParameterValue", 400, "Invalid value 't3.mega' for InstanceType."):
        run(InstanceType="t3.mega")
    with aws_error("Unsupported", 400, "The requested configuration is currently not supported."):
        run(InstanceType=NOT_IN_US_EAST_1)
    with aws_error("InvalidParameterValue", 400, "The architecture 'arm64' of the specified instance type"):
        run(InstanceType="t4g.micro")
    zones_with_m5 = ", ".join(z.name for z in zones("us-east-1") if z.name != "us-east-1e")
    with aws_error(
        "Unsupported",
        400,
        "Your requested instance type (m5.large) is not supported in your requested Availability Zone "
        f"(us-east-1e). Please retry your request by not specifying an Availability Zone or choosing {zones_with_m5}.",
    ):
        run(InstanceType="m5.large", Placement={"AvailabilityZone": "us-east-1e"})
    subnet_e = ec2.describe_subnets(Filters=[{"Name": "availability-zone", "Values": ["us-east-1e"]}])
    with aws_error("Unsupported", 400, "(us-east-1e)"):
        run(InstanceType="m5.large", SubnetId=subnet_e["Subnets"][0]["SubnetId"])
    # No zone named: EC2 places it where the type is offered; t2.micro (i386 and x86_64) runs x86_64.
    instance = run(InstanceType="m5.large")["Instances"][0]
    assert instance["Placement"]["AvailabilityZone"] != "us-east-1e"
    assert run(InstanceType="t2.micro", Placement={"AvailabilityZone": "us-east-1e"})["Instances"][0]
    ec2.terminate_instances(InstanceIds=[instance["InstanceId"]])


FILTER_NAMES = sorted(_TYPE_FILTERS.extractors)


@given(
    filters=st.lists(
        st.fixed_dictionaries(
            {
                "Name": st.sampled_from([*FILTER_NAMES, "bogus", "instance-type"]),
                "Values": st.lists(
                    st.sampled_from(["true", "false", "2", "1,2", "x86_64", "*", "?", "", "\\"]), max_size=3
                ),
            }
        ),
        max_size=3,
    ),
    location_type=st.sampled_from(["region", "availability-zone", "availability-zone-id", "outpost", "x"]),
    size=st.one_of(st.integers(min_value=0, max_value=12), st.sampled_from([101, 1001])),  # small pages
)
def test_filters_never_fail(
    ec2sim: Any, filters: list[dict[str, Any]], location_type: str, size: int
) -> None:
    ec2 = raw_client(ec2sim)
    for call in (
        lambda: ec2.describe_instance_types(Filters=filters, MaxResults=size),
        lambda: ec2.describe_instance_type_offerings(
            LocationType=location_type, Filters=filters, MaxResults=size
        ),
    ):
        try:
            call()
        except ec2.exceptions.ClientError as error:
            assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 400, error.response
