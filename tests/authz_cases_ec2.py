"""One valid request per EC2 action, and what a policy must allow for it.

Resources as the Service Authorization Reference ("Actions, resources, and condition keys
for Amazon EC2") lists them: an action on existing resources on each one's ARN, a resource
being created on ``TYPE/*``; actions without resource-level permissions (every Describe*)
on ``*``. Passing an instance profile also needs iam:PassRole on its role.
"""

from __future__ import annotations

from typing import Any

from tests.authz_cases import Also, Builder, Ref, attr, case, ec2_arn, iam_arn, new
from tests.authz_cases_ec2_endpoints import ENDPOINT_CASES
from tests.authz_cases_ec2_routing import ROUTING_CASES
from tests.authz_env import HTTPS, PUBLIC_KEY, REGION, SSH, TAGS, ZONE

INSTANCE, IMAGE, SNAPSHOT, VOLUME = attr("instance"), attr("image"), attr("snapshot"), attr("volume")
GROUP, SUBNET, VPC = attr("group"), attr("subnet"), attr("vpc")
PREFIX_LIST = attr("prefix_list")
OWN_VPC, OWN_SUBNET = attr("own_vpc"), attr("own_subnet")
KEY_ID: Ref = lambda env: env.key["KeyPairId"]  # noqa: E731
KEY_NAME: Ref = lambda env: env.key["KeyName"]  # noqa: E731
INSTANCE_ARN, VOLUME_ARN = ec2_arn("instance", INSTANCE), ec2_arn("volume", VOLUME)
IMAGE_ARN, SNAPSHOT_ARN = ec2_arn("image", IMAGE), ec2_arn("snapshot", SNAPSHOT)
GROUP_ARN = ec2_arn("security-group", GROUP)
PROFILED_ARN = ec2_arn("instance", attr("profiled_instance"))
PEERING = attr("peering")
PEERING_ARN = ec2_arn("vpc-peering-connection", PEERING)
ADDRESS = attr("address")
ADDRESS_ARN = ec2_arn("elastic-ip", ADDRESS)
FREE_INTERFACE = attr("free_interface")
FREE_INTERFACE_ARN = ec2_arn("network-interface", FREE_INTERFACE)


def pass_role(role: str) -> tuple[str, tuple[Ref, ...]]:
    return ("iam:PassRole", (iam_arn("role", role),))


def tag_specs(*kinds: str) -> dict[str, object]:
    """TagSpecifications tagging the new resources of each of `kinds`."""
    return {"TagSpecifications": [{"ResourceType": kind, "Tags": TAGS} for kind in kinds]}


def tags_on(*resources: Ref | str) -> tuple[str, tuple[Ref | str, ...]]:
    """Tags given at creation also need ec2:CreateTags on what they tag."""
    return ("ec2:CreateTags", resources)


def on(kind: str, param: str, ref: Ref, *, also: Also = (), **params: Any) -> Builder:
    """An action on one existing resource named by `param`."""
    return case({param: ref, **params}, ec2_arn(kind, ref), also=also)


def on_instance(**params: Any) -> Builder:
    return on("instance", "InstanceId", INSTANCE, **params)


def on_image(**params: Any) -> Builder:
    return on("image", "ImageId", IMAGE, **params)


def on_snapshot(**params: Any) -> Builder:
    return on("snapshot", "SnapshotId", SNAPSHOT, **params)


def on_prefix_list(**params: Any) -> Builder:
    return on("prefix-list", "PrefixListId", PREFIX_LIST, **params)


def on_template(**params: Any) -> Builder:
    return on("launch-template", "LaunchTemplateId", attr("launch_template"), **params)


def on_interface(**params: Any) -> Builder:
    """An action on a network interface of its own (not attached)."""
    return on("network-interface", "NetworkInterfaceId", FREE_INTERFACE, **params)


def authorize(rules: list[dict[str, object]]) -> Builder:
    """Authorizing rules, tagged at creation."""
    rule_tags = [tags_on(new("security-group-rule"))]
    return on(
        "security-group",
        "GroupId",
        GROUP,
        also=rule_tags,
        IpPermissions=rules,
        **tag_specs("security-group-rule"),
    )


def revoke(rules: list[dict[str, object]]) -> Builder:
    """Revoking a rule `group_rule` made (it makes the SSH ingress and HTTPS egress rules)."""
    return case({"GroupId": GROUP, "IpPermissions": rules}, GROUP_ARN, needs=[attr("group_rule")])


# Every taggable kind: (its ARN's type, the id a request names, the name its ARN carries).
TAGGABLE = (
    ("instance", INSTANCE, INSTANCE),
    ("volume", VOLUME, VOLUME),
    ("snapshot", SNAPSHOT, SNAPSHOT),
    ("image", IMAGE, IMAGE),
    ("security-group", GROUP, GROUP),
    ("security-group-rule", attr("group_rule"), attr("group_rule")),
    ("subnet", SUBNET, SUBNET),
    ("vpc", VPC, VPC),
    ("key-pair", KEY_ID, KEY_NAME),
    ("network-interface", attr("interface"), attr("interface")),
    ("prefix-list", PREFIX_LIST, PREFIX_LIST),
    ("launch-template", attr("launch_template"), attr("launch_template")),
    ("elastic-ip", ADDRESS, ADDRESS),
)


def tagging(**params: Any) -> Builder:
    """CreateTags / DeleteTags on one resource of each taggable kind: on each one's ARN."""
    return case(
        {"Resources": [ref for _, ref, _ in TAGGABLE], **params},
        *(ec2_arn(kind, name) for kind, _, name in TAGGABLE),
    )


def new_key(params: dict[str, object]) -> Builder:
    """CreateKeyPair / ImportKeyPair: on the new key pair's ARN (its name), tagged at creation."""
    arn = ec2_arn("key-pair", str(params["KeyName"]))
    return case({**params, **tag_specs("key-pair")}, arn, also=[tags_on(arn)])


STATE_CHANGES = ("StartInstances", "StopInstances", "RebootInstances", "TerminateInstances")
NEW_IMAGE = (new("image"), new("snapshot"))
NEW_SNAPSHOT = (new("snapshot"),)

EC2_CASES: dict[str, Builder] = {
    **{action: case({"InstanceIds": [INSTANCE]}, INSTANCE_ARN) for action in STATE_CHANGES},
    # No resource-level permissions: on "*", whatever they name.
    "DescribeAccountAttributes": case({"AttributeNames": ["default-vpc"]}),
    "DescribeAvailabilityZones": case({"ZoneNames": [ZONE]}),
    "DescribeRegions": case({"RegionNames": [REGION]}),
    "DescribeInstanceTypes": case({"InstanceTypes": ["t3.micro"]}),
    "DescribeInstanceTypeOfferings": case({"LocationType": "availability-zone"}),
    "DescribeIamInstanceProfileAssociations": case({"AssociationIds": [attr("association")]}),
    "DescribeImages": case({"ImageIds": [IMAGE]}),
    "DescribeInstances": case({"InstanceIds": [INSTANCE]}),
    "DescribeInstanceStatus": case({"InstanceIds": [INSTANCE]}),
    "DescribeKeyPairs": case({"KeyPairIds": [KEY_ID]}),
    "DescribeNetworkInterfaces": case({"NetworkInterfaceIds": [attr("interface")]}),
    "DescribeSecurityGroupRules": case({"SecurityGroupRuleIds": [attr("group_rule")]}),
    "DescribeSecurityGroups": case({"GroupIds": [GROUP]}),
    "DescribeSnapshots": case({"SnapshotIds": [SNAPSHOT]}),
    "DescribeSubnets": case({"SubnetIds": [SUBNET]}),
    "DescribeTags": case({"Filters": [{"Name": "resource-id", "Values": [attr("tagged_instance")]}]}),
    "DescribeVolumes": case({"VolumeIds": [VOLUME]}),
    "DescribeVolumesModifications": case({"VolumeIds": [attr("modified_volume")]}),
    "DescribeVpcs": case({"VpcIds": [VPC]}),
    # Instances
    "DescribeInstanceAttribute": on_instance(Attribute="instanceType"),
    "ModifyInstanceAttribute": on_instance(DisableApiTermination={"Value": True}),
    "ResetInstanceAttribute": on_instance(Attribute="sourceDestCheck"),
    "ModifyInstanceMetadataOptions": on_instance(HttpTokens="required"),
    "RunInstances": case(
        {
            "ImageId": IMAGE,
            "MinCount": 1,
            "MaxCount": 1,
            "InstanceType": "t3.micro",
            "SubnetId": SUBNET,
            "SecurityGroupIds": [GROUP],
            "KeyName": KEY_NAME,
            "IamInstanceProfile": {"Name": attr("profile_with_role")},
            **tag_specs("instance", "volume", "network-interface"),
        },
        new("instance"),
        new("network-interface"),
        new("volume"),
        IMAGE_ARN,
        ec2_arn("subnet", SUBNET),
        GROUP_ARN,
        ec2_arn("key-pair", KEY_NAME),
        also=[pass_role("app"), tags_on(new("instance"), new("volume"), new("network-interface"))],
    ),
    "AssociateIamInstanceProfile": case(
        {"InstanceId": INSTANCE, "IamInstanceProfile": {"Name": attr("profile_with_role")}},
        INSTANCE_ARN,
        also=[pass_role("app")],
    ),
    "DisassociateIamInstanceProfile": case({"AssociationId": attr("association")}, PROFILED_ARN),
    "ReplaceIamInstanceProfileAssociation": case(
        {"AssociationId": attr("association"), "IamInstanceProfile": {"Name": attr("other_profile")}},
        PROFILED_ARN,
        also=[pass_role("worker")],
    ),
    # Volumes
    "CreateVolume": case(
        {"AvailabilityZone": ZONE, "SnapshotId": SNAPSHOT, **tag_specs("volume")},
        new("volume"),
        SNAPSHOT_ARN,
        also=[tags_on(new("volume"))],
    ),
    "DeleteVolume": on("volume", "VolumeId", VOLUME),
    "ModifyVolume": on("volume", "VolumeId", VOLUME, Size=16),
    "AttachVolume": case(
        {"VolumeId": VOLUME, "InstanceId": INSTANCE, "Device": "/dev/sdf"}, INSTANCE_ARN, VOLUME_ARN
    ),
    "DetachVolume": case({"VolumeId": attr("attached_volume")}, INSTANCE_ARN, VOLUME_ARN),
    # Snapshots
    "CreateSnapshot": case(
        {"VolumeId": VOLUME, **tag_specs("snapshot")},
        *NEW_SNAPSHOT,
        VOLUME_ARN,
        also=[tags_on(*NEW_SNAPSHOT)],
    ),
    "CreateSnapshots": case(
        {"InstanceSpecification": {"InstanceId": INSTANCE}, **tag_specs("snapshot")},
        *NEW_SNAPSHOT,
        INSTANCE_ARN,
        ec2_arn("volume", attr("root_volume")),
        also=[tags_on(*NEW_SNAPSHOT)],
    ),
    "CopySnapshot": case(
        {"SourceSnapshotId": SNAPSHOT, "SourceRegion": REGION, **tag_specs("snapshot")},
        *NEW_SNAPSHOT,
        SNAPSHOT_ARN,
        also=[tags_on(*NEW_SNAPSHOT)],
    ),
    "DeleteSnapshot": on_snapshot(),
    "DescribeSnapshotAttribute": on_snapshot(Attribute="createVolumePermission"),
    "ModifySnapshotAttribute": on_snapshot(
        Attribute="createVolumePermission", OperationType="add", UserIds=["111122223333"]
    ),
    "ResetSnapshotAttribute": on_snapshot(Attribute="createVolumePermission"),
    # Images
    "CreateImage": case(
        {"InstanceId": INSTANCE, "Name": "made", **tag_specs("image", "snapshot")},
        *NEW_IMAGE,
        INSTANCE_ARN,
        also=[tags_on(*NEW_IMAGE)],
    ),
    "RegisterImage": case(
        {
            "Name": "registered",
            "RootDeviceName": "/dev/xvda",
            "BlockDeviceMappings": [{"DeviceName": "/dev/xvda", "Ebs": {"SnapshotId": SNAPSHOT}}],
            **tag_specs("image"),
        },
        new("image"),
        SNAPSHOT_ARN,
        also=[tags_on(new("image"))],
    ),
    "CopyImage": case(
        {"SourceImageId": IMAGE, "SourceRegion": REGION, "Name": "copied", **tag_specs("image", "snapshot")},
        *NEW_IMAGE,
        IMAGE_ARN,
        also=[tags_on(*NEW_IMAGE)],
    ),
    "DeregisterImage": on_image(),
    "DescribeImageAttribute": on_image(Attribute="description"),
    "ModifyImageAttribute": on_image(Description={"Value": "changed"}),
    "ResetImageAttribute": on_image(Attribute="launchPermission"),
    # Key pairs
    "CreateKeyPair": new_key({"KeyName": "created"}),
    "ImportKeyPair": new_key({"KeyName": "imported", "PublicKeyMaterial": PUBLIC_KEY}),
    "DeleteKeyPair": case({"KeyPairId": KEY_ID}, ec2_arn("key-pair", KEY_NAME)),
    # Security groups
    "CreateSecurityGroup": case(
        {"GroupName": "new", "Description": "new", "VpcId": VPC, **tag_specs("security-group")},
        new("security-group"),
        ec2_arn("vpc", VPC),
        also=[tags_on(new("security-group"))],
    ),
    "DeleteSecurityGroup": on("security-group", "GroupId", GROUP),
    "AuthorizeSecurityGroupIngress": authorize(SSH),
    "AuthorizeSecurityGroupEgress": authorize(HTTPS),
    "RevokeSecurityGroupIngress": revoke(SSH),
    "RevokeSecurityGroupEgress": revoke(HTTPS),
    "ModifySecurityGroupRules": case(
        {
            "GroupId": GROUP,
            "SecurityGroupRules": [
                {
                    "SecurityGroupRuleId": attr("group_rule"),
                    "SecurityGroupRule": {
                        "IpProtocol": "tcp",
                        "FromPort": 22,
                        "ToPort": 22,
                        "PrefixListId": PREFIX_LIST,
                    },
                }
            ],
        },
        GROUP_ARN,
        ec2_arn("security-group-rule", attr("group_rule")),
        ec2_arn("prefix-list", PREFIX_LIST),
    ),
    "UpdateSecurityGroupRuleDescriptionsIngress": case(
        {
            "GroupId": GROUP,
            "SecurityGroupRuleDescriptions": [
                {"SecurityGroupRuleId": attr("group_rule"), "Description": "d"}
            ],
        },
        GROUP_ARN,
    ),
    "UpdateSecurityGroupRuleDescriptionsEgress": case(
        {"GroupId": GROUP, "IpPermissions": HTTPS}, GROUP_ARN, needs=[attr("group_rule")]
    ),
    # Managed prefix lists
    "DescribeManagedPrefixLists": case({"PrefixListIds": [PREFIX_LIST]}),
    "DescribePrefixLists": case({}),
    "CreateManagedPrefixList": case(
        {"PrefixListName": "new", "MaxEntries": 2, "AddressFamily": "IPv4", **tag_specs("prefix-list")},
        new("prefix-list"),
        also=[tags_on(new("prefix-list"))],
    ),
    "ModifyManagedPrefixList": on_prefix_list(PrefixListName="renamed"),
    "DeleteManagedPrefixList": on_prefix_list(),
    "GetManagedPrefixListEntries": on_prefix_list(TargetVersion=1),
    "GetManagedPrefixListAssociations": on_prefix_list(),
    "RestoreManagedPrefixListVersion": on_prefix_list(PreviousVersion=1, CurrentVersion=2),
    # Launch templates
    "CreateLaunchTemplate": case(
        {
            "LaunchTemplateName": "made",
            "LaunchTemplateData": {"InstanceType": "t3.micro"},
            **tag_specs("launch-template"),
        },
        new("launch-template"),
        also=[tags_on(new("launch-template"))],
    ),
    "CreateLaunchTemplateVersion": on_template(LaunchTemplateData={"InstanceType": "t3.small"}),
    "ModifyLaunchTemplate": on_template(DefaultVersion="2"),
    "DeleteLaunchTemplate": on_template(),
    "DeleteLaunchTemplateVersions": on_template(Versions=["2"]),
    "DescribeLaunchTemplates": case({"LaunchTemplateIds": [attr("launch_template")]}),
    "DescribeLaunchTemplateVersions": case({"LaunchTemplateId": attr("launch_template")}),
    "GetLaunchTemplateData": on_instance(),
    # VPCs and subnets
    "CreateVpc": case(
        {"CidrBlock": "10.0.0.0/16", **tag_specs("vpc")}, new("vpc"), also=[tags_on(new("vpc"))]
    ),
    "DeleteVpc": on("vpc", "VpcId", OWN_VPC),
    "DescribeVpcAttribute": on("vpc", "VpcId", VPC, Attribute="enableDnsSupport"),
    "ModifyVpcAttribute": on("vpc", "VpcId", VPC, EnableDnsHostnames={"Value": False}),
    "AssociateVpcCidrBlock": on("vpc", "VpcId", OWN_VPC, CidrBlock="10.1.0.0/16"),
    "DisassociateVpcCidrBlock": case({"AssociationId": attr("vpc_block")}, ec2_arn("vpc", OWN_VPC)),
    "CreateDefaultVpc": case({}, needs=[attr("no_default_vpc")]),
    "CreateDefaultSubnet": case({"AvailabilityZone": ZONE}, needs=[attr("no_default_subnet")]),
    "CreateSubnet": case(
        {"VpcId": VPC, "CidrBlock": "172.31.128.0/24", **tag_specs("subnet")},
        new("subnet"),
        ec2_arn("vpc", VPC),
        also=[tags_on(new("subnet"))],
    ),
    "DeleteSubnet": on("subnet", "SubnetId", OWN_SUBNET),
    "ModifySubnetAttribute": on("subnet", "SubnetId", SUBNET, MapPublicIpOnLaunch={"Value": False}),
    "AssociateSubnetCidrBlock": on("subnet", "SubnetId", OWN_SUBNET, Ipv6CidrBlock=attr("subnet_ipv6_block")),
    "DisassociateSubnetCidrBlock": case(
        {"AssociationId": attr("subnet_ipv6")}, ec2_arn("subnet", OWN_SUBNET)
    ),
    # VPC peering: created on the requester VPC and ``vpc-peering-connection/*``; accepted on the
    # accepter VPC and the connection (here one account owns both VPCs). The peer VPC id is the
    # same in every account: a request naming one that doesn't exist is made (and then fails).
    "CreateVpcPeeringConnection": case(
        {"VpcId": VPC, "PeerVpcId": "vpc-0123456789abcdef0", **tag_specs("vpc-peering-connection")},
        ec2_arn("vpc", VPC),
        new("vpc-peering-connection"),
        also=[tags_on(new("vpc-peering-connection"))],
    ),
    "AcceptVpcPeeringConnection": case(
        {"VpcPeeringConnectionId": PEERING}, ec2_arn("vpc", OWN_VPC), PEERING_ARN
    ),
    "RejectVpcPeeringConnection": case({"VpcPeeringConnectionId": PEERING}, PEERING_ARN),
    "DeleteVpcPeeringConnection": case({"VpcPeeringConnectionId": PEERING}, PEERING_ARN),
    "ModifyVpcPeeringConnectionOptions": case(
        {
            "VpcPeeringConnectionId": attr("active_peering"),
            "RequesterPeeringConnectionOptions": {"AllowDnsResolutionFromRemoteVpc": True},
        },
        ec2_arn("vpc-peering-connection", attr("active_peering")),
    ),
    "DescribeVpcPeeringConnections": case({"VpcPeeringConnectionIds": [PEERING]}),
    # Elastic IPs
    "AllocateAddress": case(
        {"Domain": "vpc", **tag_specs("elastic-ip")}, new("elastic-ip"), also=[tags_on(new("elastic-ip"))]
    ),
    "ReleaseAddress": on("elastic-ip", "AllocationId", ADDRESS),
    "AssociateAddress": case({"AllocationId": ADDRESS, "InstanceId": INSTANCE}, ADDRESS_ARN, INSTANCE_ARN),
    "DisassociateAddress": case(
        {"AssociationId": attr("associated_address")},
        ADDRESS_ARN,
        ec2_arn("network-interface", attr("interface")),
    ),
    "DescribeAddresses": case({"AllocationIds": [ADDRESS]}),
    "DescribeAddressesAttribute": case({"AllocationIds": [ADDRESS], "Attribute": "domain-name"}),
    "ModifyAddressAttribute": on("elastic-ip", "AllocationId", ADDRESS, DomainName="example.com"),
    "ResetAddressAttribute": on("elastic-ip", "AllocationId", ADDRESS, Attribute="domain-name"),
    # Network interfaces
    "CreateNetworkInterface": case(
        {"SubnetId": SUBNET, "Groups": [GROUP], **tag_specs("network-interface")},
        new("network-interface"),
        ec2_arn("subnet", SUBNET),
        GROUP_ARN,
        also=[tags_on(new("network-interface"))],
    ),
    "DeleteNetworkInterface": on_interface(),
    "AttachNetworkInterface": case(
        {"NetworkInterfaceId": FREE_INTERFACE, "InstanceId": INSTANCE, "DeviceIndex": 1},
        INSTANCE_ARN,
        FREE_INTERFACE_ARN,
    ),
    "DetachNetworkInterface": case(
        {"AttachmentId": attr("attached_interface")}, INSTANCE_ARN, FREE_INTERFACE_ARN
    ),
    "ModifyNetworkInterfaceAttribute": on_interface(Description={"Value": "changed"}),
    "DescribeNetworkInterfaceAttribute": case(
        {"NetworkInterfaceId": FREE_INTERFACE, "Attribute": "description"}
    ),
    "ResetNetworkInterfaceAttribute": on_interface(SourceDestCheck="true"),
    "AssignPrivateIpAddresses": on_interface(SecondaryPrivateIpAddressCount=1),
    "UnassignPrivateIpAddresses": case(
        {"NetworkInterfaceId": FREE_INTERFACE, "PrivateIpAddresses": [attr("secondary_ip")]},
        FREE_INTERFACE_ARN,
    ),
    "AssignIpv6Addresses": on_interface(Ipv6AddressCount=1),
    "UnassignIpv6Addresses": on_interface(Ipv6Addresses=[]),
    "CreateNetworkInterfacePermission": on_interface(AwsAccountId="111122223333", Permission="EIP-ASSOCIATE"),
    "DeleteNetworkInterfacePermission": case(
        {"NetworkInterfacePermissionId": attr("interface_permission")}, FREE_INTERFACE_ARN
    ),
    "DescribeNetworkInterfacePermissions": case(
        {"NetworkInterfacePermissionIds": [attr("interface_permission")]}
    ),
    # Tags
    "CreateTags": tagging(Tags=TAGS),
    "DeleteTags": tagging(Tags=[{"Key": "team"}]),
    **ROUTING_CASES,
    **ENDPOINT_CASES,
}
