"""Launch templates: Create/Delete/Describe/ModifyLaunchTemplate, Create/Delete/
DescribeLaunchTemplateVersions, GetLaunchTemplateData."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import aws_error

NAME_RULES = "A launch template name must be between 3 and 128 characters"


def _ami(ec2: Any) -> str:
    return str(ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"])


def _create(ec2: Any, name: str = "web", **data: Any) -> dict[str, Any]:
    created: dict[str, Any] = ec2.create_launch_template(
        LaunchTemplateName=name, LaunchTemplateData=data or {"InstanceType": "t3.micro"}
    )
    return created


def test_create_describe_and_versions(ec2, account_id):
    ami = _ami(ec2)
    created = ec2.create_launch_template(
        LaunchTemplateName="web",
        VersionDescription="first",
        LaunchTemplateData={
            "ImageId": ami,
            "InstanceType": "t3.micro",
            "MetadataOptions": {"HttpTokens": "required", "HttpPutResponseHopLimit": 2},
            "TagSpecifications": [{"ResourceType": "instance", "Tags": [{"Key": "app", "Value": "web"}]}],
        },
        TagSpecifications=[{"ResourceType": "launch-template", "Tags": [{"Key": "team", "Value": "blue"}]}],
    )
    template = created["LaunchTemplate"]
    assert "Warning" not in created
    template_id = template["LaunchTemplateId"]
    assert template_id.startswith("lt-") and len(template_id) == len("lt-") + 17
    assert (template["DefaultVersionNumber"], template["LatestVersionNumber"]) == (1, 1)
    assert template["CreatedBy"] == f"arn:aws:iam::{account_id}:root"
    assert template["Tags"] == [{"Key": "team", "Value": "blue"}]
    assert ec2.describe_launch_templates(LaunchTemplateIds=[template_id])["LaunchTemplates"] == [template]
    assert ec2.describe_launch_templates(LaunchTemplateNames=["web"])["LaunchTemplates"][0][
        "LaunchTemplateId"
    ] == (template_id)

    # A version from a source version inherits what it doesn't give.
    second = ec2.create_launch_template_version(
        LaunchTemplateId=template_id,
        SourceVersion="1",
        VersionDescription="bigger",
        LaunchTemplateData={"InstanceType": "t3.large"},
    )["LaunchTemplateVersion"]
    assert (second["VersionNumber"], second["DefaultVersion"], second["VersionDescription"]) == (
        2,
        False,
        "bigger",
    )
    assert second["LaunchTemplateData"]["ImageId"] == ami
    assert second["LaunchTemplateData"]["InstanceType"] == "t3.large"
    assert second["LaunchTemplateData"]["MetadataOptions"] == {
        "HttpTokens": "required",
        "HttpPutResponseHopLimit": 2,
    }
    third = ec2.create_launch_template_version(
        LaunchTemplateName="web", LaunchTemplateData={"InstanceType": "t3.nano"}
    )["LaunchTemplateVersion"]
    assert "ImageId" not in third["LaunchTemplateData"]

    versions = ec2.describe_launch_template_versions(LaunchTemplateId=template_id)["LaunchTemplateVersions"]
    assert [v["VersionNumber"] for v in versions] == [3, 2, 1]
    by_alias = ec2.describe_launch_template_versions(
        LaunchTemplateName="web", Versions=["$Latest", "$Default"]
    )
    assert [v["VersionNumber"] for v in by_alias["LaunchTemplateVersions"]] == [3, 1]
    ranged = ec2.describe_launch_template_versions(
        LaunchTemplateId=template_id, MinVersion="1", MaxVersion="2"
    )
    assert [v["VersionNumber"] for v in ranged["LaunchTemplateVersions"]] == [2]

    # The default version moves; the latest of every template can be described without naming one.
    modified = ec2.modify_launch_template(LaunchTemplateId=template_id, DefaultVersion="2")["LaunchTemplate"]
    assert modified["DefaultVersionNumber"] == 2
    _create(ec2, "other")
    every = ec2.describe_launch_template_versions(Versions=["$Default"])["LaunchTemplateVersions"]
    assert [(v["LaunchTemplateName"], v["VersionNumber"]) for v in every] == [("web", 2), ("other", 1)]
    assert all(v["DefaultVersion"] for v in every)

    deleted = ec2.delete_launch_template(LaunchTemplateName="web")["LaunchTemplate"]
    assert deleted["LaunchTemplateId"] == template_id
    assert [t["LaunchTemplateName"] for t in ec2.describe_launch_templates()["LaunchTemplates"]] == ["other"]


def test_create_errors(ec2):
    _create(ec2, "taken")
    with aws_error(
        "InvalidLaunchTemplateName.AlreadyExistsException", 400, "Launch template name already in use."
    ):
        _create(ec2, "taken")
    for bad in ("ab", "x" * 129, "has space", "clé-name"):
        with aws_error("InvalidLaunchTemplateName.MalformedException", 400, NAME_RULES):
            _create(ec2, bad)
    _create(ec2, "(a.b/c_d-e)" + "x" * 117)  # 128 characters of every allowed kind
    with aws_error("MissingParameter", 400, "LaunchTemplateData"):
        ec2.create_launch_template(LaunchTemplateName="empty", LaunchTemplateData={})
    with aws_error("InvalidParameterValue", 400, "Value (sometimes) for parameter httpTokens is invalid."):
        _create(ec2, "tokens", MetadataOptions={"HttpTokens": "sometimes"})
    with aws_error(
        "InvalidParameterValue", 400, "Value (65) for parameter HttpPutResponseHopLimit is invalid."
    ):
        _create(ec2, "hops", MetadataOptions={"HttpPutResponseHopLimit": 65})
    with aws_error(
        "InvalidParameterValue", 400, "Value (pause) for parameter instanceInitiatedShutdownBehavior"
    ):
        _create(ec2, "stop", InstanceInitiatedShutdownBehavior="pause")
    with aws_error(
        "InvalidParameterValue", 400, "'vpc' is not a valid taggable resource type for this operation."
    ):
        _create(
            ec2, "tags", TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "k", "Value": "v"}]}]
        )
    with aws_error("InvalidParameterValue", 400, "'instance' is not a valid taggable resource type"):
        ec2.create_launch_template(
            LaunchTemplateName="own-tags",
            LaunchTemplateData={"InstanceType": "t3.micro"},
            TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "k", "Value": "v"}]}],
        )
    with aws_error(
        "InvalidParameterCombination", 400, "'iamInstanceProfile.name' may not be used in combination"
    ):
        _create(
            ec2,
            "profile",
            IamInstanceProfile={"Name": "a", "Arn": "arn:aws:iam::123456789012:instance-profile/a"},
        )
    with aws_error("InvalidParameterValue", 400, "Length exceeds maximum of 255."):
        ec2.create_launch_template(
            LaunchTemplateName="described",
            VersionDescription="d" * 256,
            LaunchTemplateData={"InstanceType": "t3.micro"},
        )
    assert [t["LaunchTemplateName"] for t in ec2.describe_launch_templates()["LaunchTemplates"]] == [
        "taken",
        "(a.b/c_d-e)" + "x" * 117,
    ]


def test_what_the_data_names_is_a_warning_not_an_error(ec2):
    """EC2 keeps a template whose parameters name what doesn't exist, and warns about each."""
    created = _create(
        ec2,
        "dangling",
        ImageId="ami-0123456789abcdef0",
        InstanceType="t9.giant",
        KeyName="nokey",
        SecurityGroupIds=["sg-0123456789abcdef0"],
        NetworkInterfaces=[{"DeviceIndex": 0, "SubnetId": "subnet-0123456789abcdef0"}],
        BlockDeviceMappings=[{"DeviceName": "/dev/sdf", "Ebs": {"SnapshotId": "snap-0123456789abcdef0"}}],
        IamInstanceProfile={"Name": "nobody"},
    )
    codes = [(e["Code"], e["Message"]) for e in created["Warning"]["Errors"]]
    assert codes == [
        ("InvalidAMIID.NotFound", "The image id '[ami-0123456789abcdef0]' does not exist"),
        ("InvalidParameterValue", "Invalid value 't9.giant' for InstanceType."),
        ("InvalidKeyPair.NotFound", "The key pair 'nokey' does not exist"),
        ("InvalidGroup.NotFound", "The security group 'sg-0123456789abcdef0' does not exist"),
        ("InvalidSubnetID.NotFound", "The subnet ID 'subnet-0123456789abcdef0' does not exist"),
        ("InvalidSnapshot.NotFound", "The snapshot 'snap-0123456789abcdef0' does not exist."),
        ("InvalidParameterValue", "Value (nobody) for parameter iamInstanceProfile is invalid."),
    ]
    version = ec2.create_launch_template_version(
        LaunchTemplateName="dangling", LaunchTemplateData={"ImageId": _ami(ec2)}
    )
    assert "Warning" not in version


def test_lookup_errors(ec2):
    template_id = _create(ec2)["LaunchTemplate"]["LaunchTemplateId"]
    missing = "lt-0123456789abcdef0"
    not_found = f"The specified launch template, with template ID {missing}, does not exist."
    no_name = "The specified launch template, with template name nope, does not exist."
    for call in (
        lambda **kw: ec2.describe_launch_templates(LaunchTemplateIds=[kw["LaunchTemplateId"]]),
        ec2.delete_launch_template,
        ec2.modify_launch_template,
        ec2.describe_launch_template_versions,
        lambda **kw: ec2.create_launch_template_version(
            LaunchTemplateData={"InstanceType": "t3.micro"}, **kw
        ),
    ):
        with aws_error("InvalidLaunchTemplateId.NotFound", 400, not_found):
            call(LaunchTemplateId=missing)
        with aws_error("InvalidLaunchTemplateId.Malformed", 400, 'Invalid id: "lt-xyz" (expecting "lt-...")'):
            call(LaunchTemplateId="lt-xyz")
    for call in (
        ec2.delete_launch_template,
        ec2.modify_launch_template,
        ec2.describe_launch_template_versions,
    ):
        with aws_error("InvalidLaunchTemplateName.NotFoundException", 400, no_name):
            call(LaunchTemplateName="nope")
    with aws_error("InvalidLaunchTemplateName.NotFoundException", 400, no_name):
        ec2.describe_launch_templates(LaunchTemplateNames=["web", "nope"])
    with aws_error("MissingParameter", 400, "launchTemplateName or launchTemplateId"):
        ec2.delete_launch_template()
    with aws_error("InvalidParameterCombination", 400, "Only one of launchTemplateId or launchTemplateName"):
        ec2.modify_launch_template(LaunchTemplateId=template_id, LaunchTemplateName="web")
    version_missing = f"Could not find launch template version 7 for launch template {template_id}."
    with aws_error("InvalidLaunchTemplateId.VersionNotFound", 400, version_missing):
        ec2.modify_launch_template(LaunchTemplateId=template_id, DefaultVersion="7")
    with aws_error("InvalidLaunchTemplateId.VersionNotFound", 400, "version $Oldest"):
        ec2.create_launch_template_version(
            LaunchTemplateId=template_id,
            SourceVersion="$Oldest",
            LaunchTemplateData={"InstanceType": "t3.micro"},
        )
    with aws_error("InvalidLaunchTemplateId.VersionNotFound", 400, version_missing):
        ec2.describe_launch_template_versions(LaunchTemplateId=template_id, Versions=["7"])
    for odd in ("²", "1" * 19):  # a digit that isn't ASCII; more digits than a Long holds
        with aws_error("InvalidLaunchTemplateId.VersionNotFound", 400, f"version {odd} "):
            ec2.modify_launch_template(LaunchTemplateId=template_id, DefaultVersion=odd)
        with aws_error("InvalidParameterValue", 400, f"Value ({odd}) for parameter maxVersion is invalid."):
            ec2.describe_launch_template_versions(LaunchTemplateId=template_id, MaxVersion=odd)
    with aws_error("InvalidParameterValue", 400, "Value (x) for parameter minVersion is invalid."):
        ec2.describe_launch_template_versions(LaunchTemplateId=template_id, MinVersion="x")
    with aws_error("MissingParameter", 400, "launchTemplateName or launchTemplateId"):
        ec2.describe_launch_template_versions(Versions=["1"])
    with aws_error("MissingParameter", 400):
        ec2.create_launch_template_version(LaunchTemplateData={"InstanceType": "t3.micro"})
    with aws_error("MissingParameter", 400, "LaunchTemplateData"):
        ec2.create_launch_template_version(LaunchTemplateId=template_id, LaunchTemplateData={})


def test_delete_versions_answers_per_version(ec2):
    template_id = _create(ec2)["LaunchTemplate"]["LaunchTemplateId"]
    for size in ("t3.small", "t3.medium"):
        ec2.create_launch_template_version(
            LaunchTemplateId=template_id, LaunchTemplateData={"InstanceType": size}
        )
    answer = ec2.delete_launch_template_versions(LaunchTemplateId=template_id, Versions=["3", "1", "9"])
    assert answer["SuccessfullyDeletedLaunchTemplateVersions"] == [
        {"LaunchTemplateId": template_id, "LaunchTemplateName": "web", "VersionNumber": 3}
    ]
    failed = answer["UnsuccessfullyDeletedLaunchTemplateVersions"]
    assert [(f["VersionNumber"], f["ResponseError"]["Code"]) for f in failed] == [
        (1, "unexpectedError"),
        (9, "launchTemplateVersionDoesNotExist"),
    ]
    assert failed[0]["ResponseError"]["Message"].startswith("Cannot delete the default version")
    template = ec2.describe_launch_templates(LaunchTemplateIds=[template_id])["LaunchTemplates"][0]
    assert (template["DefaultVersionNumber"], template["LatestVersionNumber"]) == (1, 2)
    # A deleted version's number is not given again.
    again = ec2.create_launch_template_version(
        LaunchTemplateId=template_id, LaunchTemplateData={"InstanceType": "t3.xlarge"}
    )
    assert again["LaunchTemplateVersion"]["VersionNumber"] == 4

    missing = ec2.delete_launch_template_versions(LaunchTemplateName="nope", Versions=["1"])
    assert missing["SuccessfullyDeletedLaunchTemplateVersions"] == []
    error = missing["UnsuccessfullyDeletedLaunchTemplateVersions"][0]
    assert (error["LaunchTemplateName"], error["ResponseError"]["Code"]) == (
        "nope",
        "launchTemplateNameDoesNotExist",
    )
    by_id = ec2.delete_launch_template_versions(LaunchTemplateId="lt-0123456789abcdef0", Versions=["1"])
    code = by_id["UnsuccessfullyDeletedLaunchTemplateVersions"][0]["ResponseError"]["Code"]
    assert code == "launchTemplateIdDoesNotExist"
    malformed = ec2.delete_launch_template_versions(LaunchTemplateId="lt-bad", Versions=["1"])
    code = malformed["UnsuccessfullyDeletedLaunchTemplateVersions"][0]["ResponseError"]["Code"]
    assert code == "launchTemplateIdMalformed"
    with aws_error(
        "InvalidParameterValue", 400, "Value ($Latest) for parameter launchTemplateVersion is invalid."
    ):
        ec2.delete_launch_template_versions(LaunchTemplateId=template_id, Versions=["$Latest"])
    with aws_error("InvalidParameterValue", 400, "maximum of 200"):
        ec2.delete_launch_template_versions(
            LaunchTemplateId=template_id, Versions=[str(n) for n in range(1, 202)]
        )
    with aws_error("MissingParameter", 400, "LaunchTemplateVersion"):
        ec2.delete_launch_template_versions(LaunchTemplateId=template_id, Versions=[])


def test_filters_and_pages(ec2):
    ami = _ami(ec2)
    names = [f"tpl-{n}" for n in range(5)]
    for index, name in enumerate(names):
        ec2.create_launch_template(
            LaunchTemplateName=name,
            LaunchTemplateData={"InstanceType": "t3.micro"},
            TagSpecifications=[
                {
                    "ResourceType": "launch-template",
                    "Tags": [{"Key": "parity", "Value": ("even", "odd")[index % 2]}],
                }
            ],
        )

    def named(**kw: Any) -> list[str]:
        return [t["LaunchTemplateName"] for t in ec2.describe_launch_templates(**kw)["LaunchTemplates"]]

    assert named(Filters=[{"Name": "launch-template-name", "Values": ["tpl-1", "tpl-3"]}]) == [
        "tpl-1",
        "tpl-3",
    ]
    assert named(Filters=[{"Name": "tag:parity", "Values": ["even"]}]) == ["tpl-0", "tpl-2", "tpl-4"]
    assert named(Filters=[{"Name": "tag-key", "Values": ["parity"]}]) == names
    assert named(Filters=[{"Name": "create-time", "Values": ["20*"]}]) == names
    first = ec2.describe_launch_templates(MaxResults=2)
    assert [t["LaunchTemplateName"] for t in first["LaunchTemplates"]] == names[:2]
    rest = ec2.describe_launch_templates(MaxResults=200, NextToken=first["NextToken"])
    assert [t["LaunchTemplateName"] for t in rest["LaunchTemplates"]] == names[2:] and "NextToken" not in rest
    with aws_error("InvalidParameterValue", 400, "Expecting a value between 1 and 200."):
        ec2.describe_launch_templates(MaxResults=201)
    with aws_error("InvalidPaginationToken", 400):
        ec2.describe_launch_templates(NextToken="nonsense")
    with aws_error("InvalidParameterValue", 400, "The filter 'launch-template-id' is invalid"):
        named(Filters=[{"Name": "launch-template-id", "Values": ["lt-0123456789abcdef0"]}])

    datas = [
        {"ImageId": ami, "InstanceType": "t3.micro", "EbsOptimized": True, "KernelId": "aki-12345678"},
        {
            "InstanceType": "m5.large",
            "MetadataOptions": {"HttpTokens": "required", "HttpEndpoint": "disabled"},
            "IamInstanceProfile": {"Arn": "arn:aws:iam::123456789012:instance-profile/p"},
            "RamDiskId": "ari-12345678",
            "Placement": {"HostResourceGroupArn": "arn:aws:resource-groups:us-east-1:123456789012:group/g"},
            "NetworkInterfaces": [{"DeviceIndex": 0, "NetworkCardIndex": 0}],
            "LicenseSpecifications": [{"LicenseConfigurationArn": "arn:aws:license-manager:x"}],
        },
    ]
    template_id = ec2.create_launch_template(LaunchTemplateName="filtered", LaunchTemplateData=datas[0])[
        "LaunchTemplate"
    ]["LaunchTemplateId"]
    ec2.create_launch_template_version(LaunchTemplateId=template_id, LaunchTemplateData=datas[1])

    def versions(name: str, *values: str) -> list[int]:
        found = ec2.describe_launch_template_versions(
            LaunchTemplateId=template_id, Filters=[{"Name": name, "Values": list(values)}]
        )["LaunchTemplateVersions"]
        return [v["VersionNumber"] for v in found]

    assert versions("image-id", ami) == [1]
    assert versions("instance-type", "m5.*") == [2]
    assert versions("ebs-optimized", "true") == [1]
    assert versions("ebs-optimized", "false") == [2]
    assert versions("is-default-version", "true") == [1]
    assert versions("http-tokens", "required") == [2]
    assert versions("http-endpoint", "disabled") == [2]
    assert versions("iam-instance-profile", "arn:aws:iam::123456789012:instance-profile/p") == [2]
    assert versions("kernel-id", "aki-12345678") == [1]
    assert versions("ram-disk-id", "ari-12345678") == [2]
    assert versions("host-resource-group-arn", "*group/g") == [2]
    assert versions("network-card-index", "0") == [2]
    assert versions("license-configuration-arn", "arn:aws:license-manager:x") == [2]
    assert versions("create-time", "20*") == [2, 1]
    assert versions("http-protocol-ipv4", "enabled") == []
    page = ec2.describe_launch_template_versions(LaunchTemplateId=template_id, MaxResults=1)
    assert [v["VersionNumber"] for v in page["LaunchTemplateVersions"]] == [2]
    more = ec2.describe_launch_template_versions(LaunchTemplateId=template_id, NextToken=page["NextToken"])
    assert [v["VersionNumber"] for v in more["LaunchTemplateVersions"]] == [1]
    with aws_error("InvalidParameterValue", 400, "The filter 'vpc-id' is invalid"):
        versions("vpc-id", "x")


def test_get_launch_template_data(ec2):
    ami = _ami(ec2)
    instance = ec2.run_instances(
        ImageId=ami,
        MinCount=1,
        MaxCount=1,
        InstanceType="t3.micro",
        TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "app", "Value": "x"}]}],
    )["Instances"][0]
    data = ec2.get_launch_template_data(InstanceId=instance["InstanceId"])["LaunchTemplateData"]
    assert (data["ImageId"], data["InstanceType"]) == (ami, "t3.micro")
    assert data["NetworkInterfaces"][0]["SubnetId"] == instance["SubnetId"]
    assert data["NetworkInterfaces"][0]["Groups"] == [g["GroupId"] for g in instance["SecurityGroups"]]
    assert data["BlockDeviceMappings"][0]["DeviceName"] == instance["RootDeviceName"]
    assert data["TagSpecifications"] == [{"ResourceType": "instance", "Tags": [{"Key": "app", "Value": "x"}]}]
    assert data["MetadataOptions"]["HttpEndpoint"] == "enabled" and "State" not in data["MetadataOptions"]
    # The data makes a template that launches the same kind of instance.
    created = ec2.create_launch_template(LaunchTemplateName="copied", LaunchTemplateData=data)
    assert "Warning" not in created, created["Warning"]
    with aws_error("InvalidInstanceID.NotFound", 400, "The instance ID 'i-0123456789abcdef0' does not exist"):
        ec2.get_launch_template_data(InstanceId="i-0123456789abcdef0")


def test_dry_run(ec2):
    with aws_error("DryRunOperation", 412):
        ec2.create_launch_template(
            LaunchTemplateName="dry", LaunchTemplateData={"InstanceType": "t3.micro"}, DryRun=True
        )
    assert ec2.describe_launch_templates()["LaunchTemplates"] == []


def test_client_token_is_idempotent(ec2):
    first = ec2.create_launch_template(
        LaunchTemplateName="once", LaunchTemplateData={"InstanceType": "t3.micro"}, ClientToken="tok"
    )["LaunchTemplate"]
    again = ec2.create_launch_template(
        LaunchTemplateName="once", LaunchTemplateData={"InstanceType": "t3.micro"}, ClientToken="tok"
    )["LaunchTemplate"]
    assert again == first
    with aws_error(
        "IdempotentParameterMismatch", 400, "inconsistent with arguments used in previous request"
    ):
        ec2.create_launch_template(
            LaunchTemplateName="once", LaunchTemplateData={"InstanceType": "t3.nano"}, ClientToken="tok"
        )
    ec2.create_tags(Resources=[first["LaunchTemplateId"]], Tags=[{"Key": "k", "Value": "v"}])
    tags = ec2.describe_tags(Filters=[{"Name": "resource-type", "Values": ["launch-template"]}])["Tags"]
    assert tags == [
        {"ResourceId": first["LaunchTemplateId"], "ResourceType": "launch-template", "Key": "k", "Value": "v"}
    ]


_TEXT = st.text(max_size=12) | st.sampled_from(["web", "t3.micro", "ami-0123456789abcdef0", "$Latest", ""])
_DATA = st.fixed_dictionaries(
    {},
    optional={
        "ImageId": _TEXT,
        "InstanceType": _TEXT,
        "KeyName": _TEXT,
        "EbsOptimized": st.booleans(),
        "UserData": _TEXT,
        "SecurityGroupIds": st.lists(_TEXT, max_size=3),
        "MetadataOptions": st.fixed_dictionaries(
            {}, optional={"HttpTokens": _TEXT, "HttpPutResponseHopLimit": st.integers(-5, 100)}
        ),
        "BlockDeviceMappings": st.lists(
            st.fixed_dictionaries(
                {"DeviceName": _TEXT},
                optional={"Ebs": st.fixed_dictionaries({}, optional={"VolumeSize": st.integers(-1, 20000)})},
            ),
            max_size=2,
        ),
        "TagSpecifications": st.lists(
            st.fixed_dictionaries(
                {"ResourceType": _TEXT},
                optional={
                    "Tags": st.lists(st.fixed_dictionaries({"Key": _TEXT, "Value": _TEXT}), max_size=2)
                },
            ),
            max_size=2,
        ),
        "IamInstanceProfile": st.fixed_dictionaries({}, optional={"Name": _TEXT, "Arn": _TEXT}),
        "NetworkInterfaces": st.lists(
            st.fixed_dictionaries({}, optional={"DeviceIndex": st.integers(-1, 3), "SubnetId": _TEXT}),
            max_size=2,
        ),
    },
)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=_TEXT, data=_DATA, description=st.none() | _TEXT)
def test_create_never_fails_with_a_server_error(ec2, name, data, description):
    params: dict[str, Any] = {"LaunchTemplateName": name, "LaunchTemplateData": data}
    if description is not None:
        params["VersionDescription"] = description
    try:
        created = ec2.create_launch_template(**params)
    except ClientError as error:
        assert error.response["ResponseMetadata"]["HTTPStatusCode"] < 500, error.response
        return
    template_id = created["LaunchTemplate"]["LaunchTemplateId"]
    described = ec2.describe_launch_template_versions(LaunchTemplateId=template_id)["LaunchTemplateVersions"]
    assert len(described) == 1
    ec2.delete_launch_template(LaunchTemplateId=template_id)


@pytest.mark.parametrize("count", [3])
def test_each_template_counts_toward_the_quota(ec2, server, account_id, count, monkeypatch):
    from ec2sim.api.ec2 import launch_templates

    monkeypatch.setattr(launch_templates, "MAX_TEMPLATES", count)
    for n in range(count):
        _create(ec2, f"quota-{n}")
    with aws_error("ResourceLimitExceeded", 400, f"maximum number of launch templates ({count})"):
        _create(ec2, "one-too-many")
    monkeypatch.setattr(launch_templates, "MAX_VERSIONS", 2)
    ec2.create_launch_template_version(
        LaunchTemplateName="quota-0", LaunchTemplateData={"InstanceType": "t3.nano"}
    )
    with aws_error("ResourceLimitExceeded", 400, "maximum number of versions (2)"):
        ec2.create_launch_template_version(
            LaunchTemplateName="quota-0", LaunchTemplateData={"InstanceType": "t3.nano"}
        )
