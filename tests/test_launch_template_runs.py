"""RunInstances with LaunchTemplate: the template's data merged under the request, the
``aws:ec2launchtemplate:*`` tags, and authorization with ec2:LaunchTemplate and
ec2:IsLaunchTemplateResource."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.helpers import aws_error


def _ami(ec2: Any) -> str:
    return str(ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"])


def _instance(ec2: Any, instance_id: str) -> dict[str, Any]:
    found: dict[str, Any] = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][
        0
    ]
    return found


def _tags(item: dict[str, Any]) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in item.get("Tags", [])}


@pytest.fixture
def network(ec2: Any) -> dict[str, Any]:
    subnets = ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"]
    subnets.sort(key=lambda s: s["AvailabilityZone"])
    web = ec2.create_security_group(GroupName="web", Description="web")["GroupId"]
    db = ec2.create_security_group(GroupName="db", Description="db")["GroupId"]
    ec2.create_key_pair(KeyName="ops", KeyType="ed25519")
    return {
        "subnets": [s["SubnetId"] for s in subnets],
        "zones": [s["AvailabilityZone"] for s in subnets],
        "web": web,
        "db": db,
    }


def test_template_data_merges_under_the_request(ec2, network):
    ami = _ami(ec2)
    template = ec2.create_launch_template(
        LaunchTemplateName="app",
        LaunchTemplateData={
            "ImageId": ami,
            "InstanceType": "t3.small",
            "KeyName": "ops",
            "NetworkInterfaces": [
                {"DeviceIndex": 0, "SubnetId": network["subnets"][1], "Groups": [network["web"]]}
            ],
            "BlockDeviceMappings": [
                {"DeviceName": "/dev/sdf", "Ebs": {"VolumeSize": 5, "VolumeType": "gp3"}},
                {"DeviceName": "/dev/sdg", "Ebs": {"VolumeSize": 6}},
            ],
            "MetadataOptions": {"HttpTokens": "required", "HttpPutResponseHopLimit": 3},
            "TagSpecifications": [
                {"ResourceType": "instance", "Tags": [{"Key": "app", "Value": "template"}]},
                {"ResourceType": "volume", "Tags": [{"Key": "disk", "Value": "template"}]},
            ],
            "UserData": "ZWNobyBoaQ==",
            "DisableApiTermination": True,
        },
    )["LaunchTemplate"]
    template_id = template["LaunchTemplateId"]
    ec2.create_launch_template_version(
        LaunchTemplateId=template_id, SourceVersion="1", LaunchTemplateData={"InstanceType": "t3.medium"}
    )

    # The default version, nothing overridden.
    plain = ec2.run_instances(LaunchTemplate={"LaunchTemplateId": template_id}, MinCount=1, MaxCount=1)[
        "Instances"
    ][0]
    assert (plain["ImageId"], plain["InstanceType"], plain["KeyName"]) == (ami, "t3.small", "ops")
    assert plain["SubnetId"] == network["subnets"][1]
    assert [g["GroupId"] for g in plain["SecurityGroups"]] == [network["web"]]
    assert plain["MetadataOptions"]["HttpTokens"] == "required"
    assert plain["MetadataOptions"]["HttpPutResponseHopLimit"] == 3
    assert _tags(plain) == {
        "app": "template",
        "aws:ec2launchtemplate:id": template_id,
        "aws:ec2launchtemplate:version": "1",
    }
    devices = {d["DeviceName"]: d["Ebs"]["VolumeId"] for d in plain["BlockDeviceMappings"]}
    assert {"/dev/sdf", "/dev/sdg"} <= set(devices)
    volume = ec2.describe_volumes(VolumeIds=[devices["/dev/sdf"]])["Volumes"][0]
    assert (volume["Size"], volume["VolumeType"], _tags(volume)) == (5, "gp3", {"disk": "template"})
    attribute = ec2.describe_instance_attribute(
        InstanceId=plain["InstanceId"], Attribute="disableApiTermination"
    )
    assert attribute["DisableApiTermination"]["Value"] is True

    # By name, $Latest, with the request overriding parameters, groups, a device and the instance's tags.
    override = ec2.run_instances(
        LaunchTemplate={"LaunchTemplateName": "app", "Version": "$Latest"},
        MinCount=1,
        MaxCount=1,
        SubnetId=network["subnets"][0],
        SecurityGroupIds=[network["db"]],
        MetadataOptions={"HttpPutResponseHopLimit": 1},
        BlockDeviceMappings=[{"DeviceName": "/dev/sdf", "Ebs": {"VolumeSize": 8}}],
        TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "app", "Value": "request"}]}],
    )["Instances"][0]
    assert override["InstanceType"] == "t3.medium"
    assert override["SubnetId"] == network["subnets"][0]
    assert [g["GroupId"] for g in override["SecurityGroups"]] == [network["db"]]
    assert override["MetadataOptions"]["HttpTokens"] == "required"
    assert override["MetadataOptions"]["HttpPutResponseHopLimit"] == 1
    tags = _tags(override)
    assert tags["app"] == "request" and tags["aws:ec2launchtemplate:version"] == "2"
    devices = {d["DeviceName"]: d["Ebs"]["VolumeId"] for d in override["BlockDeviceMappings"]}
    assert ec2.describe_volumes(VolumeIds=[devices["/dev/sdf"]])["Volumes"][0]["Size"] == 8
    assert ec2.describe_volumes(VolumeIds=[devices["/dev/sdg"]])["Volumes"][0]["Size"] == 6
    # The system tags are AWS's: instances are found by them.
    found = ec2.describe_instances(
        Filters=[{"Name": "tag:aws:ec2launchtemplate:id", "Values": [template_id]}]
    )
    assert sum(len(r["Instances"]) for r in found["Reservations"]) == 2


def test_template_gives_the_instance_profile(ec2, iam, account_id):
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
    iam.create_role(RoleName="app", AssumeRolePolicyDocument=json.dumps(trust))
    iam.create_instance_profile(InstanceProfileName="app")
    iam.add_role_to_instance_profile(InstanceProfileName="app", RoleName="app")
    ec2.create_launch_template(
        LaunchTemplateName="profiled",
        LaunchTemplateData={"ImageId": _ami(ec2), "IamInstanceProfile": {"Name": "app"}},
    )
    launched = ec2.run_instances(LaunchTemplate={"LaunchTemplateName": "profiled"}, MinCount=1, MaxCount=1)
    profile = launched["Instances"][0]["IamInstanceProfile"]
    assert profile["Arn"] == f"arn:aws:iam::{account_id}:instance-profile/app"


def test_template_errors(ec2, network):
    template_id = ec2.create_launch_template(
        LaunchTemplateName="typed", LaunchTemplateData={"InstanceType": "t3.micro"}
    )["LaunchTemplate"]["LaunchTemplateId"]
    missing = "lt-0123456789abcdef0"
    with aws_error(
        "InvalidLaunchTemplateId.NotFound",
        400,
        f"The specified launch template, with template ID {missing}, does not exist.",
    ):
        ec2.run_instances(LaunchTemplate={"LaunchTemplateId": missing}, MinCount=1, MaxCount=1)
    with aws_error(
        "InvalidLaunchTemplateName.NotFoundException", 400, "with template name gone, does not exist."
    ):
        ec2.run_instances(LaunchTemplate={"LaunchTemplateName": "gone"}, MinCount=1, MaxCount=1)
    with aws_error("InvalidLaunchTemplateId.VersionNotFound", 400, "version 5"):
        ec2.run_instances(
            LaunchTemplate={"LaunchTemplateId": template_id, "Version": "5"}, MinCount=1, MaxCount=1
        )
    with aws_error("MissingParameter", 400, "launchTemplateName or launchTemplateId"):
        ec2.run_instances(LaunchTemplate={"Version": "1"}, MinCount=1, MaxCount=1)
    # The template has no image and the request none either.
    with aws_error("MissingParameter", 400, "The request must contain the parameter ImageId"):
        ec2.run_instances(LaunchTemplate={"LaunchTemplateId": template_id}, MinCount=1, MaxCount=1)
    # What the template names is checked at launch as the request's own would be.
    ec2.create_launch_template_version(
        LaunchTemplateId=template_id, LaunchTemplateData={"ImageId": _ami(ec2), "KeyName": "none"}
    )
    with aws_error("InvalidKeyPair.NotFound", 400, "The key pair 'none' does not exist"):
        ec2.run_instances(
            LaunchTemplate={"LaunchTemplateId": template_id, "Version": "2"}, MinCount=1, MaxCount=1
        )
    assert ec2.describe_instances()["Reservations"] == []


def _document(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


@pytest.fixture
def user_client(iam: Any, make_client: Callable[..., Any]) -> Callable[..., Any]:
    def make(name: str, *statements: dict[str, Any]) -> Any:
        iam.create_user(UserName=name)
        iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=_document(*statements))
        key = iam.create_access_key(UserName=name)["AccessKey"]
        return make_client("ec2", key["AccessKeyId"], secret=key["SecretAccessKey"])

    return make


def test_launch_only_from_a_template(ec2, network, account_id, user_client):
    """The EC2 User Guide's launch-template examples: launch only with a template (any resource the
    request uses carries ec2:LaunchTemplate), only with one template, and without overriding the
    subnet it names (ec2:IsLaunchTemplateResource)."""
    ami = _ami(ec2)
    data = {
        "ImageId": ami,
        "InstanceType": "t3.micro",
        "NetworkInterfaces": [
            {"DeviceIndex": 0, "SubnetId": network["subnets"][0], "Groups": [network["web"]]}
        ],
    }
    template_id = ec2.create_launch_template(LaunchTemplateName="allowed", LaunchTemplateData=data)[
        "LaunchTemplate"
    ]["LaunchTemplateId"]
    other_id = ec2.create_launch_template(LaunchTemplateName="other", LaunchTemplateData=data)[
        "LaunchTemplate"
    ]["LaunchTemplateId"]
    template_arn = f"arn:aws:ec2:us-east-1:{account_id}:launch-template/{template_id}"
    only_templates = user_client(
        "templated",
        {
            "Effect": "Allow",
            "Action": "ec2:RunInstances",
            "Resource": "*",
            "Condition": {
                "ArnLike": {"ec2:LaunchTemplate": f"arn:aws:ec2:us-east-1:{account_id}:launch-template/*"}
            },
        },
    )
    with aws_error("UnauthorizedOperation", 403):
        only_templates.run_instances(ImageId=ami, MinCount=1, MaxCount=1)
    launched = only_templates.run_instances(
        LaunchTemplate={"LaunchTemplateId": template_id}, MinCount=1, MaxCount=1
    )
    assert launched["Instances"][0]["SubnetId"] == network["subnets"][0]

    one_template = user_client(
        "one-template",
        {
            "Effect": "Allow",
            "Action": "ec2:RunInstances",
            "Resource": "*",
            "Condition": {"ArnEquals": {"ec2:LaunchTemplate": template_arn}},
        },
    )
    one_template.run_instances(LaunchTemplate={"LaunchTemplateName": "allowed"}, MinCount=1, MaxCount=1)
    with aws_error("UnauthorizedOperation", 403):
        one_template.run_instances(LaunchTemplate={"LaunchTemplateId": other_id}, MinCount=1, MaxCount=1)

    # The subnet (and its new interface) only as the template gives them.
    fixed_subnet = user_client(
        "fixed-subnet",
        {
            "Effect": "Allow",
            "Action": "ec2:RunInstances",
            "NotResource": [
                f"arn:aws:ec2:us-east-1:{account_id}:subnet/*",
                f"arn:aws:ec2:us-east-1:{account_id}:network-interface/*",
            ],
        },
        {
            "Effect": "Allow",
            "Action": "ec2:RunInstances",
            "Resource": [
                f"arn:aws:ec2:us-east-1:{account_id}:subnet/*",
                f"arn:aws:ec2:us-east-1:{account_id}:network-interface/*",
            ],
            "Condition": {
                "ArnLike": {"ec2:LaunchTemplate": f"arn:aws:ec2:us-east-1:{account_id}:launch-template/*"},
                "Bool": {"ec2:IsLaunchTemplateResource": "true"},
            },
        },
    )
    fixed_subnet.run_instances(LaunchTemplate={"LaunchTemplateId": template_id}, MinCount=1, MaxCount=1)
    with aws_error("UnauthorizedOperation", 403):
        fixed_subnet.run_instances(
            LaunchTemplate={"LaunchTemplateId": template_id},
            SubnetId=network["subnets"][1],
            MinCount=1,
            MaxCount=1,
        )

    # The template itself is a resource of the launch: denying it denies the launch.
    denied_template = user_client(
        "no-template",
        {"Effect": "Allow", "Action": "ec2:RunInstances", "Resource": "*"},
        {"Effect": "Deny", "Action": "ec2:RunInstances", "Resource": template_arn},
    )
    with aws_error("UnauthorizedOperation", 403):
        denied_template.run_instances(
            LaunchTemplate={"LaunchTemplateId": template_id}, MinCount=1, MaxCount=1
        )
    denied_template.run_instances(LaunchTemplate={"LaunchTemplateId": other_id}, MinCount=1, MaxCount=1)
    # An unknown template is authorized on the ARN it names, then not found.
    with aws_error("InvalidLaunchTemplateId.NotFound", 400):
        denied_template.run_instances(
            LaunchTemplate={"LaunchTemplateId": "lt-0123456789abcdef0"}, MinCount=1, MaxCount=1
        )


def test_template_actions_are_authorized_on_the_template(ec2, account_id, user_client):
    template = ec2.create_launch_template(
        LaunchTemplateName="guarded",
        LaunchTemplateData={"InstanceType": "t3.micro"},
        TagSpecifications=[{"ResourceType": "launch-template", "Tags": [{"Key": "env", "Value": "prod"}]}],
    )["LaunchTemplate"]
    template_id = template["LaunchTemplateId"]
    manager = user_client(
        "manager",
        {
            "Effect": "Allow",
            "Action": [
                "ec2:CreateLaunchTemplateVersion",
                "ec2:ModifyLaunchTemplate",
                "ec2:DeleteLaunchTemplate",
            ],
            "Resource": f"arn:aws:ec2:us-east-1:{account_id}:launch-template/*",
            "Condition": {"StringEquals": {"aws:ResourceTag/env": "dev"}},
        },
        {
            "Effect": "Allow",
            "Action": "ec2:CreateLaunchTemplate",
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:RequestTag/env": "dev"}},
        },
        {"Effect": "Allow", "Action": "ec2:CreateTags", "Resource": "*"},
        {"Effect": "Allow", "Action": "ec2:DescribeLaunchTemplates", "Resource": "*"},
    )
    with aws_error("UnauthorizedOperation", 403):
        manager.create_launch_template_version(
            LaunchTemplateId=template_id, LaunchTemplateData={"InstanceType": "t3.nano"}
        )
    with aws_error("UnauthorizedOperation", 403):
        manager.delete_launch_template(LaunchTemplateId=template_id)
    with aws_error("UnauthorizedOperation", 403):
        manager.create_launch_template(
            LaunchTemplateName="untagged", LaunchTemplateData={"InstanceType": "t3.nano"}
        )
    dev = manager.create_launch_template(
        LaunchTemplateName="dev",
        LaunchTemplateData={"InstanceType": "t3.nano"},
        TagSpecifications=[{"ResourceType": "launch-template", "Tags": [{"Key": "env", "Value": "dev"}]}],
    )["LaunchTemplate"]
    assert dev["CreatedBy"] == f"arn:aws:iam::{account_id}:user/manager"
    manager.create_launch_template_version(
        LaunchTemplateId=dev["LaunchTemplateId"], LaunchTemplateData={"InstanceType": "t3.micro"}
    )
    manager.modify_launch_template(LaunchTemplateId=dev["LaunchTemplateId"], DefaultVersion="2")
    with aws_error("DryRunOperation", 412):
        manager.delete_launch_template(LaunchTemplateId=dev["LaunchTemplateId"], DryRun=True)
    manager.delete_launch_template(LaunchTemplateId=dev["LaunchTemplateId"])
    assert [t["LaunchTemplateName"] for t in manager.describe_launch_templates()["LaunchTemplates"]] == [
        "guarded"
    ]
