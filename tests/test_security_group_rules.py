"""Changing existing security group rules: ModifySecurityGroupRules and
UpdateSecurityGroupRuleDescriptionsIngress/Egress; references to groups in other VPCs."""

from __future__ import annotations

from tests.helpers import aws_error

SSH = {
    "IpProtocol": "tcp",
    "FromPort": 22,
    "ToPort": 22,
    "IpRanges": [{"CidrIp": "10.0.0.0/8", "Description": "ssh"}],
}
HTTPS = {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}


def _setup(ec2):
    group = ec2.create_security_group(GroupName="web", Description="web")["GroupId"]
    ssh = ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[SSH])["SecurityGroupRules"][0]
    https = ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[HTTPS])["SecurityGroupRules"][
        0
    ]
    return group, ssh["SecurityGroupRuleId"], https["SecurityGroupRuleId"]


def _rule(ec2, rule_id):
    return ec2.describe_security_group_rules(SecurityGroupRuleIds=[rule_id])["SecurityGroupRules"][0]


def test_modify_security_group_rules(ec2):
    group, ssh, _ = _setup(ec2)
    ec2.create_tags(Resources=[ssh], Tags=[{"Key": "k", "Value": "v"}])
    other = ec2.create_security_group(GroupName="lb", Description="lb")["GroupId"]
    replaced = {
        "IpProtocol": "udp",
        "FromPort": 53,
        "ToPort": 53,
        "CidrIpv6": "2001:db8::/32",
        "Description": "dns",
    }
    assert ec2.modify_security_group_rules(
        GroupId=group, SecurityGroupRules=[{"SecurityGroupRuleId": ssh, "SecurityGroupRule": replaced}]
    )["Return"]
    rule = _rule(ec2, ssh)
    assert (rule["IpProtocol"], rule["FromPort"], rule["ToPort"]) == ("udp", 53, 53)
    assert rule["CidrIpv6"] == "2001:db8::/32" and "CidrIpv4" not in rule and rule["Description"] == "dns"
    assert rule["Tags"] == [{"Key": "k", "Value": "v"}]  # the same rule, id and tags kept
    # A group as the peer; a description left out is removed.
    ec2.modify_security_group_rules(
        GroupId=group,
        SecurityGroupRules=[
            {
                "SecurityGroupRuleId": ssh,
                "SecurityGroupRule": {"IpProtocol": "-1", "ReferencedGroupId": other},
            }
        ],
    )
    rule = _rule(ec2, ssh)
    assert rule["IpProtocol"] == "-1" and rule["ReferencedGroupInfo"]["GroupId"] == other
    assert "Description" not in rule and "CidrIpv6" not in rule
    described = ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"][0]["IpPermissions"]
    assert any(p["UserIdGroupPairs"] and p["UserIdGroupPairs"][0]["GroupId"] == other for p in described)
    # A prefix list as the peer.
    ec2.modify_security_group_rules(
        GroupId=group,
        SecurityGroupRules=[
            {
                "SecurityGroupRuleId": ssh,
                "SecurityGroupRule": {
                    "IpProtocol": "tcp",
                    "FromPort": 443,
                    "ToPort": 443,
                    "PrefixListId": "pl-63a5400a",
                },
            }
        ],
    )
    assert _rule(ec2, ssh)["PrefixListId"] == "pl-63a5400a"
    with aws_error("DryRunOperation", 412):
        ec2.modify_security_group_rules(
            GroupId=group,
            SecurityGroupRules=[{"SecurityGroupRuleId": ssh, "SecurityGroupRule": replaced}],
            DryRun=True,
        )
    assert _rule(ec2, ssh)["PrefixListId"] == "pl-63a5400a"


def test_modify_security_group_rules_errors(ec2):
    group, ssh, https = _setup(ec2)
    egress = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [group]}])
    egress_id = next(r["SecurityGroupRuleId"] for r in egress["SecurityGroupRules"] if r["IsEgress"])
    tcp = {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80}

    def modify(rule, rule_id=ssh, group_id=group):
        update = {"SecurityGroupRuleId": rule_id, **({"SecurityGroupRule": rule} if rule is not None else {})}
        return ec2.modify_security_group_rules(GroupId=group_id, SecurityGroupRules=[update])

    cases = [
        (
            lambda: modify({**tcp, "CidrIpv4": "1.0.0.0/8"}, rule_id="sgr-00000000000000000"),
            "InvalidSecurityGroupRuleId.NotFound",
            "The security group rule ID 'sgr-00000000000000000' does not exist",
        ),
        (
            lambda: modify({**tcp, "CidrIpv4": "1.0.0.0/8"}, rule_id="rule-1"),
            "InvalidSecurityGroupRuleId.Malformed",
            'Invalid id: "rule-1"',
        ),
        (
            lambda: modify({**tcp, "CidrIpv4": "1.0.0.0/8"}, group_id="sg-00000000000000000"),
            "InvalidGroup.NotFound",
            "The security group 'sg-00000000000000000' does not exist",
        ),
        (lambda: modify(None), "MissingParameter", "SecurityGroupRule"),
        (lambda: modify(tcp), "MissingParameter", "CidrIpv4, CidrIpv6, PrefixListId or ReferencedGroupId"),
        (
            lambda: modify({**tcp, "CidrIpv4": "1.0.0.0/8", "CidrIpv6": "::/0"}),
            "InvalidParameterCombination",
            "Only one of",
        ),
        (
            lambda: modify({**tcp, "CidrIpv4": "1.0.0.0"}),
            "InvalidParameterValue",
            "CIDR block 1.0.0.0 is malformed",
        ),
        (
            lambda: modify({"IpProtocol": "tcp", "CidrIpv4": "1.0.0.0/8"}),
            "InvalidParameterValue",
            "Must specify both from and to ports",
        ),
        (
            lambda: modify({**tcp, "IpProtocol": "bogus", "CidrIpv4": "1.0.0.0/8"}),
            "InvalidParameterValue",
            "Unknown protocol",
        ),
        (
            lambda: modify({**tcp, "PrefixListId": "pl-0abc"}),
            "InvalidPrefixListID.NotFound",
            "The prefix list ID 'pl-0abc' does not exist",
        ),
        (
            lambda: modify({**tcp, "ReferencedGroupId": "sg-0123456789abcdef0"}),
            "InvalidGroup.NotFound",
            "sg-0123456789abcdef0",
        ),
        (
            lambda: modify({**tcp, "CidrIpv4": "1.0.0.0/8", "Description": "é"}),
            "InvalidParameterValue",
            "Invalid rule description",
        ),
        # Becoming another existing rule of the group.
        (
            lambda: modify({"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "CidrIpv4": "0.0.0.0/0"}),
            "InvalidPermission.Duplicate",
            'peer: 0.0.0.0/0, TCP, from port: 443, to port: 443, ALLOW" already exists',
        ),
        # An egress rule is not the ingress operation's... but ModifySecurityGroupRules takes either.
        (
            lambda: modify(
                {"IpProtocol": "-1", "CidrIpv4": "0.0.0.0/0"},
                rule_id=egress_id,
                group_id="sg-00000000000000000",
            ),
            "InvalidGroup.NotFound",
            None,
        ),
    ]
    for call, code, message in cases:
        with aws_error(code, 400, message):
            call()
    with aws_error("MissingParameter", 400, "The request must contain the parameter SecurityGroupRule"):
        ec2.modify_security_group_rules(GroupId=group, SecurityGroupRules=[])
    # A rule of another group is unknown in this one.
    other, other_ssh, _ = _setup_named(ec2, "other")
    with aws_error("InvalidSecurityGroupRuleId.NotFound", 400):
        modify({**tcp, "CidrIpv4": "1.0.0.0/8"}, rule_id=other_ssh)
    # Egress rules are modified the same way.
    modify({"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "CidrIpv4": "0.0.0.0/0"}, rule_id=egress_id)
    assert _rule(ec2, egress_id)["IsEgress"] is True and _rule(ec2, egress_id)["FromPort"] == 443
    assert _rule(ec2, https)["FromPort"] == 443  # untouched


def _setup_named(ec2, name):
    group = ec2.create_security_group(GroupName=name, Description=name)["GroupId"]
    ssh = ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[SSH])["SecurityGroupRules"][0]
    return group, ssh["SecurityGroupRuleId"], None


def test_update_descriptions(ec2):
    group, ssh, https = _setup(ec2)
    changed = {**SSH, "IpRanges": [{"CidrIp": "10.0.0.0/8", "Description": "admins"}]}
    assert ec2.update_security_group_rule_descriptions_ingress(GroupId=group, IpPermissions=[changed])[
        "Return"
    ]
    assert _rule(ec2, ssh)["Description"] == "admins"
    # By name (default VPC) and by rule id; a description left out is removed.
    ec2.update_security_group_rule_descriptions_ingress(
        GroupName="web",
        SecurityGroupRuleDescriptions=[{"SecurityGroupRuleId": https, "Description": "public"}],
    )
    assert _rule(ec2, https)["Description"] == "public"
    ec2.update_security_group_rule_descriptions_ingress(
        GroupId=group, IpPermissions=[{**SSH, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}]
    )
    assert "Description" not in _rule(ec2, ssh)
    # Egress.
    rules = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [group]}])[
        "SecurityGroupRules"
    ]
    egress = next(r["SecurityGroupRuleId"] for r in rules if r["IsEgress"])
    ec2.update_security_group_rule_descriptions_egress(
        GroupId=group,
        IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "out"}]}],
    )
    assert _rule(ec2, egress)["Description"] == "out"
    ec2.update_security_group_rule_descriptions_egress(
        GroupId=group,
        SecurityGroupRuleDescriptions=[{"SecurityGroupRuleId": egress, "Description": "all out"}],
    )
    assert _rule(ec2, egress)["Description"] == "all out"
    with aws_error("DryRunOperation", 412):
        ec2.update_security_group_rule_descriptions_egress(
            GroupId=group,
            SecurityGroupRuleDescriptions=[{"SecurityGroupRuleId": egress, "Description": "x"}],
            DryRun=True,
        )
    assert _rule(ec2, egress)["Description"] == "all out"


def test_update_descriptions_errors(ec2):
    group, ssh, _ = _setup(ec2)
    no_rule = "The specified rule does not exist in this security group."
    absent = {**SSH, "FromPort": 2222, "ToPort": 2222}
    cases = [
        (
            lambda: ec2.update_security_group_rule_descriptions_ingress(
                GroupId=group, IpPermissions=[absent]
            ),
            "InvalidPermission.NotFound",
            no_rule,
        ),
        # The ingress rule is no egress rule.
        (
            lambda: ec2.update_security_group_rule_descriptions_egress(GroupId=group, IpPermissions=[SSH]),
            "InvalidPermission.NotFound",
            no_rule,
        ),
        (
            lambda: ec2.update_security_group_rule_descriptions_egress(
                GroupId=group,
                SecurityGroupRuleDescriptions=[{"SecurityGroupRuleId": ssh, "Description": "x"}],
            ),
            "InvalidSecurityGroupRuleId.NotFound",
            ssh,
        ),
        (
            lambda: ec2.update_security_group_rule_descriptions_ingress(
                GroupId=group,
                SecurityGroupRuleDescriptions=[{"SecurityGroupRuleId": "nope", "Description": "x"}],
            ),
            "InvalidSecurityGroupRuleId.Malformed",
            None,
        ),
        (
            lambda: ec2.update_security_group_rule_descriptions_ingress(GroupId=group),
            "MissingParameter",
            "IpPermissions",
        ),
        (
            lambda: ec2.update_security_group_rule_descriptions_ingress(IpPermissions=[SSH]),
            "MissingParameter",
            "groupName or groupId",
        ),
        (
            lambda: ec2.update_security_group_rule_descriptions_ingress(
                GroupName="nope", IpPermissions=[SSH]
            ),
            "InvalidGroup.NotFound",
            "The security group 'nope' does not exist in default VPC",
        ),
        (
            lambda: ec2.update_security_group_rule_descriptions_ingress(
                GroupId="sg-00000000000000000", IpPermissions=[SSH]
            ),
            "InvalidGroup.NotFound",
            None,
        ),
        (
            lambda: ec2.update_security_group_rule_descriptions_ingress(
                GroupId=group,
                IpPermissions=[{**SSH, "IpRanges": [{"CidrIp": "10.0.0.0/8", "Description": "x" * 256}]}],
            ),
            "InvalidParameterValue",
            "Invalid rule description",
        ),
    ]
    for call, code, message in cases:
        with aws_error(code, 400, message):
            call()


def test_references_to_groups_in_another_vpc(ec2, server, account_id):
    """A group may reference the caller's groups of its own VPC only (peered VPCs: not yet)."""
    with server.store.lock:  # a second VPC, as CreateVpc would make it
        vpc = server.store.account(account_id).ec2("us-east-1").add_vpc("10.1.0.0/16").id
    elsewhere = ec2.create_security_group(GroupName="far", Description="far", VpcId=vpc)["GroupId"]
    group, ssh, _ = _setup(ec2)
    different = "You have specified two resources that belong to different networks."
    pair = {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": elsewhere}]}
    with aws_error("InvalidGroup.NotFound", 400, different):
        ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[pair])
    with aws_error("InvalidGroup.NotFound", 400, different):
        ec2.authorize_security_group_egress(GroupId=group, IpPermissions=[pair])
    with aws_error("InvalidGroup.NotFound", 400, different):
        ec2.modify_security_group_rules(
            GroupId=group,
            SecurityGroupRules=[
                {
                    "SecurityGroupRuleId": ssh,
                    "SecurityGroupRule": {"IpProtocol": "-1", "ReferencedGroupId": elsewhere},
                }
            ],
        )
    # Another account's group is taken as given (its VPC isn't the caller's to see).
    ec2.authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[
            {
                "IpProtocol": "-1",
                "UserIdGroupPairs": [{"GroupId": "sg-0123456789abcdef0", "UserId": "111122223333"}],
            }
        ],
    )
