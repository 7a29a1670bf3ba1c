"""Security groups: create, describe, delete, and rules (authorize, revoke, describe)."""

from __future__ import annotations

import pytest
import requests
from botocore.exceptions import ClientError

from tests.helpers import aws_error
from tests.test_instances import run_one

SSH = {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}


def _group(ec2, group_id):
    return ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0]


@pytest.fixture
def web(ec2):
    return ec2.create_security_group(GroupName="web", Description="web servers")["GroupId"]


def test_default_group(ec2, account_id):
    groups = ec2.describe_security_groups()["SecurityGroups"]
    assert [g["GroupName"] for g in groups] == ["default"]
    default = groups[0]
    assert default["Description"] == "default VPC security group" and default["OwnerId"] == account_id
    assert default["IpPermissions"] == [
        {
            "IpProtocol": "-1",
            "IpRanges": [],
            "Ipv6Ranges": [],
            "PrefixListIds": [],
            "UserIdGroupPairs": [{"GroupId": default["GroupId"], "UserId": account_id}],
        }
    ]
    assert default["IpPermissionsEgress"] == [
        {
            "IpProtocol": "-1",
            "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
            "Ipv6Ranges": [],
            "PrefixListIds": [],
            "UserIdGroupPairs": [],
        }
    ]
    assert (
        default["SecurityGroupArn"]
        == f"arn:aws:ec2:us-east-1:{account_id}:security-group/{default['GroupId']}"
    )
    with aws_error("CannotDelete", 400, 'name: "default" cannot be deleted by a user'):
        ec2.delete_security_group(GroupId=default["GroupId"])


def test_create_and_describe(ec2, account_id):
    vpc_id = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
    created = ec2.create_security_group(
        GroupName="app",
        Description="app tier",
        VpcId=vpc_id,
        TagSpecifications=[{"ResourceType": "security-group", "Tags": [{"Key": "team", "Value": "blue"}]}],
    )
    group_id = created["GroupId"]
    assert group_id.startswith("sg-") and len(group_id) == 20
    assert created["Tags"] == [{"Key": "team", "Value": "blue"}]
    assert created["SecurityGroupArn"].endswith(f":{account_id}:security-group/{group_id}")
    group = _group(ec2, group_id)
    assert (group["GroupName"], group["Description"], group["VpcId"]) == ("app", "app tier", vpc_id)
    assert group["IpPermissions"] == [] and group["IpPermissionsEgress"][0]["IpRanges"] == [
        {"CidrIp": "0.0.0.0/0"}
    ]
    assert ec2.describe_security_groups(GroupNames=["app"])["SecurityGroups"][0]["GroupId"] == group_id


def test_create_errors(ec2):
    ec2.create_security_group(GroupName="web", Description="d")
    vpc_id = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
    with aws_error(
        "InvalidGroup.Duplicate", 400, f"The security group 'WEB' already exists for VPC '{vpc_id}'"
    ):
        ec2.create_security_group(GroupName="WEB", Description="d")
    with aws_error("InvalidVpcID.NotFound", 400, "The vpc ID 'vpc-0123456789abcdef0' does not exist"):
        ec2.create_security_group(GroupName="x", Description="d", VpcId="vpc-0123456789abcdef0")
    with aws_error("InvalidParameterValue", 400, "Group names may not be in the format sg-*"):
        ec2.create_security_group(GroupName="sg-mine", Description="d")
    with aws_error("InvalidGroup.Reserved", 400):
        ec2.create_security_group(GroupName="default", Description="d")
    with aws_error("MissingParameter", 400, "GroupDescription"):
        ec2.create_security_group(GroupName="x", Description="")
    with aws_error("MissingParameter", 400, "groupName"):
        ec2.create_security_group(GroupName="", Description="d")
    with aws_error("InvalidParameterValue", 400, "Length exceeds maximum of 255"):
        ec2.create_security_group(GroupName="x" * 256, Description="d")
    with aws_error("InvalidParameterValue", 400, "beyond ASCII"):
        ec2.create_security_group(GroupName="x", Description="café")
    with aws_error("InvalidParameterValue", 400, "not a valid taggable resource type"):
        ec2.create_security_group(
            GroupName="x",
            Description="d",
            TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "a", "Value": "b"}]}],
        )


def test_describe_not_found_and_paging(ec2):
    ids = [ec2.create_security_group(GroupName=f"g{i}", Description="d")["GroupId"] for i in range(6)]
    with aws_error("InvalidGroup.NotFound", 400, "The security group 'sg-0123456789abcdef0' does not exist"):
        ec2.describe_security_groups(GroupIds=[ids[0], "sg-0123456789abcdef0"])
    with aws_error("InvalidGroup.NotFound", 400, "The security group 'nope' does not exist in default VPC"):
        ec2.describe_security_groups(GroupNames=["nope"])
    with aws_error("InvalidGroupId.Malformed", 400):
        ec2.describe_security_groups(GroupIds=["web"])
    page = ec2.describe_security_groups(MaxResults=5)
    rest = ec2.describe_security_groups(MaxResults=5, NextToken=page["NextToken"])
    assert len(page["SecurityGroups"]) == 5 and len(rest["SecurityGroups"]) == 2
    with aws_error("InvalidPaginationToken", 400):
        ec2.describe_security_groups(MaxResults=5, NextToken="garbage")


def test_describe_filters(ec2, web, account_id):
    ec2.authorize_security_group_ingress(
        GroupId=web, IpPermissions=[SSH, {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": web}]}]
    )
    ec2.create_tags(Resources=[web], Tags=[{"Key": "env", "Value": "prod"}])
    vpc_id = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]

    def names(name, *values):
        groups = ec2.describe_security_groups(Filters=[{"Name": name, "Values": list(values)}])[
            "SecurityGroups"
        ]
        return sorted(g["GroupName"] for g in groups)

    assert names("group-id", web) == ["web"]
    assert names("group-name", "w*") == ["web"]
    assert names("description", "web servers") == ["web"]
    assert names("vpc-id", vpc_id) == ["default", "web"]
    assert names("owner-id", account_id) == ["default", "web"]
    assert names("ip-permission.protocol", "tcp") == ["web"]
    assert names("ip-permission.from-port", "22") == ["web"]
    assert names("ip-permission.to-port", "22") == ["web"]
    assert names("ip-permission.cidr", "10.0.0.0/8") == ["web"]
    assert names("ip-permission.group-id", web) == ["web"]
    assert names("ip-permission.group-name", "default") == ["default"]
    assert names("ip-permission.user-id", account_id) == ["default", "web"]
    assert names("egress.ip-permission.cidr", "0.0.0.0/0") == ["default", "web"]
    assert names("egress.ip-permission.protocol", "-1") == ["default", "web"]
    assert names("tag:env", "prod") == ["web"]
    with aws_error("InvalidParameterValue", 400, "The filter 'bogus' is invalid"):
        names("bogus", "x")


def test_authorize_ingress_forms(ec2, web, account_id):
    default_id = ec2.describe_security_groups(GroupNames=["default"])["SecurityGroups"][0]["GroupId"]
    result = ec2.authorize_security_group_ingress(
        GroupId=web,
        IpPermissions=[
            {
                **SSH,
                "IpRanges": [{"CidrIp": "10.1.2.3/8", "Description": "office"}],
                "Ipv6Ranges": [{"CidrIpv6": "2001:db8::/32"}],
            },
            {
                "IpProtocol": "6",
                "FromPort": 443,
                "ToPort": 443,
                "PrefixListIds": [{"PrefixListId": "pl-63a5400a"}],
            },
            {
                "IpProtocol": "icmp",
                "FromPort": 8,
                "ToPort": -1,
                "UserIdGroupPairs": [{"GroupId": default_id}],
            },
        ],
        TagSpecifications=[{"ResourceType": "security-group-rule", "Tags": [{"Key": "k", "Value": "v"}]}],
    )
    assert result["Return"] is True
    rules = result["SecurityGroupRules"]
    assert len(rules) == 4 and all(r["SecurityGroupRuleId"].startswith("sgr-") for r in rules)
    assert rules[0]["CidrIpv4"] == "10.0.0.0/8" and rules[0]["Description"] == "office"  # canonicalised
    assert rules[0]["Tags"] == [{"Key": "k", "Value": "v"}] and rules[0]["IsEgress"] is False
    assert rules[3]["ReferencedGroupInfo"] == {"GroupId": default_id, "UserId": account_id}
    permissions = _group(ec2, web)["IpPermissions"]
    assert permissions[0] == {
        "IpProtocol": "tcp",
        "FromPort": 22,
        "ToPort": 22,
        "IpRanges": [{"CidrIp": "10.0.0.0/8", "Description": "office"}],
        "Ipv6Ranges": [{"CidrIpv6": "2001:db8::/32"}],
        "PrefixListIds": [],
        "UserIdGroupPairs": [],
    }
    assert permissions[1]["IpProtocol"] == "tcp" and permissions[1]["PrefixListIds"] == [
        {"PrefixListId": "pl-63a5400a"}
    ]
    assert (permissions[2]["IpProtocol"], permissions[2]["FromPort"], permissions[2]["ToPort"]) == (
        "icmp",
        8,
        -1,
    )


def test_authorize_legacy_flat_form(ec2, web):
    ec2.authorize_security_group_ingress(
        GroupName="web", IpProtocol="tcp", FromPort=80, ToPort=80, CidrIp="0.0.0.0/0"
    )
    result = ec2.authorize_security_group_ingress(GroupId=web, SourceSecurityGroupName="default")
    assert [(r["IpProtocol"], r["FromPort"], r["ToPort"]) for r in result["SecurityGroupRules"]] == [
        ("tcp", 0, 65535),
        ("udp", 0, 65535),
        ("icmp", -1, -1),
    ]
    assert [p["IpProtocol"] for p in _group(ec2, web)["IpPermissions"]] == ["tcp", "tcp", "udp", "icmp"]


@pytest.mark.parametrize(
    "permission, code, message",
    [
        (
            {"IpProtocol": "bogus", "IpRanges": [{"CidrIp": "1.2.3.4/32"}]},
            "InvalidParameterValue",
            "Invalid value 'bogus' for IP protocol. Unknown protocol.",
        ),
        (
            {"IpProtocol": "all", "IpRanges": [{"CidrIp": "1.2.3.4/32"}]},
            "InvalidParameterValue",
            "Unknown protocol",
        ),
        (
            {"IpProtocol": "tcp", "IpRanges": [{"CidrIp": "1.2.3.4/32"}]},
            "InvalidParameterValue",
            "Must specify both from and to ports with TCP/UDP.",
        ),
        (
            {"IpProtocol": "udp", "FromPort": -1, "ToPort": 5, "IpRanges": [{"CidrIp": "1.2.3.4/32"}]},
            "InvalidParameterValue",
            "TCP/UDP (from) port (-1) out of range",
        ),
        (
            {"IpProtocol": "tcp", "FromPort": 90, "ToPort": 80, "IpRanges": [{"CidrIp": "1.2.3.4/32"}]},
            "InvalidParameterValue",
            "port range",
        ),
        (
            {"IpProtocol": "icmp", "FromPort": 8, "ToPort": 300, "IpRanges": [{"CidrIp": "1.2.3.4/32"}]},
            "InvalidParameterValue",
            "ICMP code (300) out of range",
        ),
        (
            {"IpProtocol": "tcp", "FromPort": 1, "ToPort": 2, "IpRanges": [{"CidrIp": "1.2.3.4/40"}]},
            "InvalidParameterValue",
            "CIDR block 1.2.3.4/40 is malformed",
        ),
        (
            {"IpProtocol": "tcp", "FromPort": 1, "ToPort": 2, "Ipv6Ranges": [{"CidrIpv6": "10.0.0.0/8"}]},
            "InvalidParameterValue",
            "CIDR block 10.0.0.0/8 is malformed",
        ),
        (
            {
                "IpProtocol": "tcp",
                "FromPort": 1,
                "ToPort": 2,
                "IpRanges": [{"CidrIp": "1.2.3.4/32", "Description": "é"}],
            },
            "InvalidParameterValue",
            "Invalid rule description",
        ),
        (
            {"IpProtocol": "tcp", "FromPort": 1, "ToPort": 2, "PrefixListIds": [{"PrefixListId": "x"}]},
            "InvalidPrefixListId.Malformed",
            None,
        ),
        (
            {
                "IpProtocol": "tcp",
                "FromPort": 1,
                "ToPort": 2,
                "UserIdGroupPairs": [{"GroupId": "sg-0123456789abcdef0"}],
            },
            "InvalidGroup.NotFound",
            "The security group 'sg-0123456789abcdef0' does not exist",
        ),
        (
            {"IpProtocol": "tcp", "FromPort": 1, "ToPort": 2, "UserIdGroupPairs": [{"GroupName": "nope"}]},
            "InvalidGroup.NotFound",
            "does not exist in default VPC",
        ),
    ],
)
def test_authorize_validation(ec2, web, permission, code, message):
    with aws_error(code, 400, message):
        ec2.authorize_security_group_ingress(GroupId=web, IpPermissions=[permission])
    assert _group(ec2, web)["IpPermissions"] == []


def test_authorize_duplicates_and_targets(ec2, web):
    ec2.authorize_security_group_ingress(GroupId=web, IpPermissions=[SSH])
    with aws_error(
        "InvalidPermission.Duplicate",
        400,
        'the specified rule "peer: 10.0.0.0/8, TCP, from port: 22, to port: 22, ALLOW" already exists',
    ):
        ec2.authorize_security_group_ingress(
            GroupId=web,
            IpPermissions=[{**SSH, "IpRanges": [{"CidrIp": "10.9.9.9/8", "Description": "other"}]}],
        )
    with aws_error("InvalidPermission.Duplicate", 400, '"peer: 0.0.0.0/0, ALL, ALLOW"'):
        ec2.authorize_security_group_egress(
            GroupId=web, IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
        )
    with aws_error("InvalidParameterValue", 400, "The same permission must not appear multiple times"):
        ec2.authorize_security_group_ingress(
            GroupId=web,
            IpPermissions=[{**SSH, "IpRanges": [{"CidrIp": "1.1.1.1/32"}, {"CidrIp": "1.1.1.1/32"}]}],
        )
    with aws_error("InvalidGroup.NotFound", 400, "The security group 'sg-0123456789abcdef0' does not exist"):
        ec2.authorize_security_group_ingress(GroupId="sg-0123456789abcdef0", IpPermissions=[SSH])
    with aws_error("MissingParameter", 400, "groupName or groupId"):
        ec2.authorize_security_group_ingress(IpPermissions=[SSH])
    with aws_error("MissingParameter", 400, "ipPermissions"):
        ec2.authorize_security_group_ingress(GroupId=web)
    too_many = [
        {"IpProtocol": "tcp", "FromPort": p, "ToPort": p, "IpRanges": [{"CidrIp": "1.1.1.1/32"}]}
        for p in range(100, 160)
    ]
    with aws_error("RulesPerSecurityGroupLimitExceeded", 400):
        ec2.authorize_security_group_ingress(GroupId=web, IpPermissions=too_many)


def test_egress_authorize_and_revoke(ec2, web):
    added = ec2.authorize_security_group_egress(
        GroupId=web,
        IpPermissions=[
            {"IpProtocol": "udp", "FromPort": 53, "ToPort": 53, "IpRanges": [{"CidrIp": "10.0.0.2/32"}]}
        ],
    )
    assert added["SecurityGroupRules"][0]["IsEgress"] is True
    revoked = ec2.revoke_security_group_egress(
        GroupId=web, IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
    )
    assert revoked["Return"] is True and revoked["RevokedSecurityGroupRules"][0]["IpProtocol"] == "-1"
    assert [p["IpProtocol"] for p in _group(ec2, web)["IpPermissionsEgress"]] == ["udp"]
    rule_id = added["SecurityGroupRules"][0]["SecurityGroupRuleId"]
    with aws_error("InvalidSecurityGroupRuleId.NotFound", 400):
        ec2.revoke_security_group_ingress(GroupId=web, SecurityGroupRuleIds=[rule_id])  # an egress rule
    ec2.revoke_security_group_egress(GroupId=web, SecurityGroupRuleIds=[rule_id])
    assert _group(ec2, web)["IpPermissionsEgress"] == []


def test_revoke_ingress(ec2, web):
    rules = ec2.authorize_security_group_ingress(
        GroupId=web,
        IpPermissions=[
            SSH,
            {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
        ],
    )["SecurityGroupRules"]
    result = ec2.revoke_security_group_ingress(
        GroupId=web,
        IpPermissions=[
            SSH,
            {"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
        ],
    )
    # Default VPC: the known rule goes, the unknown one is reported rather than an error.
    assert [r["SecurityGroupRuleId"] for r in result["RevokedSecurityGroupRules"]] == [
        rules[0]["SecurityGroupRuleId"]
    ]
    assert result["UnknownIpPermissions"][0]["FromPort"] == 8080
    ec2.revoke_security_group_ingress(
        GroupName="web", IpProtocol="tcp", FromPort=80, ToPort=80, CidrIp="0.0.0.0/0"
    )
    assert _group(ec2, web)["IpPermissions"] == []
    with aws_error("InvalidSecurityGroupRuleId.NotFound", 400):
        ec2.revoke_security_group_ingress(GroupId=web, SecurityGroupRuleIds=[rules[1]["SecurityGroupRuleId"]])
    with aws_error("InvalidSecurityGroupRuleId.Malformed", 400):
        ec2.revoke_security_group_ingress(GroupId=web, SecurityGroupRuleIds=["rule-1"])
    with aws_error("InvalidParameterValue", 400, "Unknown protocol"):
        ec2.revoke_security_group_ingress(GroupId=web, IpPermissions=[{"IpProtocol": "nope"}])


def test_describe_security_group_rules(ec2, web):
    added = ec2.authorize_security_group_ingress(GroupId=web, IpPermissions=[SSH])["SecurityGroupRules"][0]
    rules = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [web]}])[
        "SecurityGroupRules"
    ]
    assert len(rules) == 2 and rules[0] == added
    egress = rules[1]
    assert (egress["IsEgress"], egress["IpProtocol"], egress["FromPort"], egress["ToPort"]) == (
        True,
        "-1",
        -1,
        -1,
    )
    assert egress["SecurityGroupRuleArn"].endswith(f"security-group-rule/{egress['SecurityGroupRuleId']}")
    by_id = ec2.describe_security_group_rules(SecurityGroupRuleIds=[added["SecurityGroupRuleId"]])
    assert by_id["SecurityGroupRules"] == [added]
    tagged = ec2.describe_security_group_rules(Filters=[{"Name": "tag:k", "Values": ["v"]}])
    assert tagged["SecurityGroupRules"] == []
    assert len(ec2.describe_security_group_rules()["SecurityGroupRules"]) == 4  # with the default group's two
    with aws_error("InvalidSecurityGroupRuleId.NotFound", 400):
        ec2.describe_security_group_rules(SecurityGroupRuleIds=["sgr-0123456789abcdef0"])
    with aws_error("InvalidParameterValue", 400, "The filter 'bogus' is invalid"):
        ec2.describe_security_group_rules(Filters=[{"Name": "bogus", "Values": ["x"]}])


def test_delete(ec2, web):
    other = ec2.create_security_group(GroupName="other", Description="d")["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=other, IpPermissions=[{"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": web}]}]
    )
    with aws_error("DependencyViolation", 400, f"resource {web} has a dependent object"):
        ec2.delete_security_group(GroupId=web)
    ec2.authorize_security_group_ingress(
        GroupId=web, IpPermissions=[{"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": web}]}]
    )  # a self-reference does not block
    assert ec2.delete_security_group(GroupName="other")["GroupId"] == other
    deleted = ec2.delete_security_group(GroupId=web)
    assert deleted["Return"] is True and deleted["GroupId"] == web
    with aws_error("InvalidGroup.NotFound", 400, f"The security group '{web}' does not exist"):
        ec2.delete_security_group(GroupId=web)
    with aws_error("InvalidGroup.NotFound", 400, "does not exist in default VPC"):
        ec2.delete_security_group(GroupName="web")
    with aws_error("MissingParameter", 400):
        ec2.delete_security_group()


def test_group_in_use_by_instance_cannot_be_deleted(ec2, web, server):
    images = pytest.importorskip("ec2sim.store.ec2.images")
    image = next(
        i.id for i in images.public_images("us-east-1").values() if i.name.endswith("kernel-6.1-x86_64")
    )
    try:
        instance = ec2.run_instances(
            ImageId=image, MinCount=1, MaxCount=1, InstanceType="t3.micro", SecurityGroupIds=[web]
        )["Instances"][0]
    except ClientError as error:
        if error.response["Error"]["Code"] == "Unsupported":
            pytest.skip("RunInstances is not implemented yet")
        raise
    with aws_error("DependencyViolation", 400, f"resource {web} has a dependent object"):
        ec2.delete_security_group(GroupId=web)
    interfaces = ec2.describe_network_interfaces(Filters=[{"Name": "group-id", "Values": [web]}])[
        "NetworkInterfaces"
    ]
    assert [i["Attachment"]["InstanceId"] for i in interfaces] == [instance["InstanceId"]]
    ec2.terminate_instances(InstanceIds=[instance["InstanceId"]])
    requests.post(server.api_url + "/_ec2sim/clock", json={"advance_seconds": 600})
    assert ec2.delete_security_group(GroupId=web)["GroupId"] == web  # a terminated instance frees it


def test_group_freed_when_instance_changes_groups(ec2, web):
    other = ec2.create_security_group(GroupName="other", Description="d")["GroupId"]
    instance = run_one(ec2, SecurityGroupIds=[web])["InstanceId"]
    ec2.modify_instance_attribute(InstanceId=instance, Groups=[other])
    assert ec2.delete_security_group(GroupId=web)["GroupId"] == web
    with aws_error("DependencyViolation", 400, f"resource {other} has a dependent object"):
        ec2.delete_security_group(GroupId=other)


def test_rule_ids_after_refused_and_revoked_requests(ec2, web):
    """New rules are numbered when added: a dry run, a refused request or a revoke by permission
    takes no id, and a rule authorized again gets a fresh one."""
    with aws_error("DryRunOperation", 412):
        ec2.authorize_security_group_ingress(GroupId=web, IpPermissions=[SSH], DryRun=True)
    first = ec2.authorize_security_group_ingress(GroupId=web, IpPermissions=[SSH])["SecurityGroupRules"]
    with aws_error("InvalidPermission.Duplicate", 400):
        ec2.authorize_security_group_ingress(GroupId=web, IpPermissions=[SSH])
    revoked = ec2.revoke_security_group_ingress(GroupId=web, IpPermissions=[SSH])
    assert [r["SecurityGroupRuleId"] for r in revoked["RevokedSecurityGroupRules"]] == [
        r["SecurityGroupRuleId"] for r in first
    ]
    again = ec2.authorize_security_group_ingress(GroupId=web, IpPermissions=[SSH])["SecurityGroupRules"]
    assert again[0]["SecurityGroupRuleId"].startswith("sgr-")
    assert again[0]["SecurityGroupRuleId"] != first[0]["SecurityGroupRuleId"]
    rules = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [web]}])
    ids = [r["SecurityGroupRuleId"] for r in rules["SecurityGroupRules"]]
    assert len(ids) == len(set(ids)) and again[0]["SecurityGroupRuleId"] in ids
