"""The wire itself: routing, envelopes, errors and the control API."""

from __future__ import annotations

import requests

from tests.helpers import aws_error


def test_describe_regions_and_zones(ec2):
    regions = ec2.describe_regions()["Regions"]
    assert {
        "RegionName": "eu-west-1",
        "Endpoint": "ec2.eu-west-1.amazonaws.com",
        "OptInStatus": "opt-in-not-required",
    } in regions
    zones = ec2.describe_availability_zones()["AvailabilityZones"]
    assert zones[0]["ZoneName"] == "us-east-1a" and zones[0]["ZoneId"] == "use1-az6"
    filtered = ec2.describe_regions(Filters=[{"Name": "region-name", "Values": ["eu-*"]}])["Regions"]
    assert filtered and all(r["RegionName"].startswith("eu-") for r in filtered)


def test_region_from_credential_scope(make_client, account_id):
    client = make_client("ec2", account_id, region="eu-west-1")
    names = [z["ZoneName"] for z in client.describe_availability_zones()["AvailabilityZones"]]
    assert names == ["eu-west-1a", "eu-west-1b", "eu-west-1c"]


def test_default_vpc_attribute(ec2):
    attrs = ec2.describe_account_attributes(AttributeNames=["default-vpc"])["AccountAttributes"]
    assert attrs[0]["AttributeValues"][0]["AttributeValue"].startswith("vpc-")


def test_unknown_filter_is_invalid(ec2):
    with aws_error("InvalidParameterValue", 400, "The filter 'bogus' is invalid"):
        ec2.describe_regions(Filters=[{"Name": "bogus", "Values": ["x"]}])


def test_unknown_action_and_unimplemented(server):
    body = requests.post(server.api_url, data={"Action": "NoSuchThing", "Version": "2016-11-15"}).text
    assert "<Code>InvalidAction</Code>" in body and "<Response><Errors>" in body
    unsupported = requests.post(server.api_url, data={"Action": "DescribeFleets", "Version": "2016-11-15"})
    assert unsupported.status_code == 400 and "<Code>Unsupported</Code>" in unsupported.text


def test_ec2_envelope(server):
    response = requests.get(server.api_url, params={"Action": "DescribeRegions", "Version": "2016-11-15"})
    assert response.status_code == 200
    assert (
        '<DescribeRegionsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>'
        in response.text
    )
    assert "<regionInfo><item><regionName>" in response.text or "<regionInfo><item>" in response.text


def test_dry_run(ec2):
    with aws_error("DryRunOperation", 412):
        ec2.describe_regions(DryRun=True)


def test_control_health_clock_reset(server):
    health = requests.get(server.api_url + "/_ec2sim/health").json()
    assert health["status"] == "running" and health["services"] == ["cloudtrail", "ec2", "iam", "sts"]
    before = requests.get(server.api_url + "/_ec2sim/clock").json()
    assert requests.post(server.api_url + "/_ec2sim/clock", json={"advance_seconds": -1}).status_code == 400
    after = requests.post(server.api_url + "/_ec2sim/clock", json={"advance_seconds": 0}).json()
    assert after["offset_seconds"] == before["offset_seconds"]
    assert requests.post(server.api_url + "/moto-api/reset").json() == {"status": "ok"}
    assert requests.get(server.api_url + "/_ec2sim/nothing").status_code == 404


def test_tags_on_default_vpc(ec2):
    vpc_id = ec2.describe_account_attributes(AttributeNames=["default-vpc"])["AccountAttributes"][0][
        "AttributeValues"
    ][0]["AttributeValue"]
    ec2.create_tags(Resources=[vpc_id], Tags=[{"Key": "team", "Value": "blue"}, {"Key": "env", "Value": "x"}])
    tags = ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [vpc_id]}])["Tags"]
    assert {"ResourceId": vpc_id, "ResourceType": "vpc", "Key": "team", "Value": "blue"} in tags
    ec2.delete_tags(Resources=[vpc_id], Tags=[{"Key": "team", "Value": "red"}])  # value differs: kept
    ec2.delete_tags(Resources=[vpc_id], Tags=[{"Key": "env"}])
    tags = ec2.describe_tags(Filters=[{"Name": "key", "Values": ["team", "env"]}])["Tags"]
    assert [(t["Key"], t["Value"]) for t in tags] == [("team", "blue")]
    with aws_error("InvalidParameterValue", 400, "reserved"):
        ec2.create_tags(Resources=[vpc_id], Tags=[{"Key": "aws:x", "Value": "y"}])
    with aws_error("InvalidVpcID.NotFound", 400):
        ec2.create_tags(Resources=["vpc-0123456789abcdef0"], Tags=[{"Key": "a", "Value": "b"}])
    with aws_error("TagLimitExceeded", 400):
        ec2.create_tags(Resources=[vpc_id], Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(50)])


def test_tag_key_empty_and_repeated_resource_filter(ec2):
    vpc_id = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
    with aws_error("InvalidParameterValue", 400, "Tag key cannot be null or empty"):
        ec2.create_tags(Resources=[vpc_id], Tags=[{"Key": "", "Value": "y"}])
    ec2.create_tags(Resources=[vpc_id], Tags=[{"Key": "team", "Value": "blue"}])
    tags = ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [vpc_id, vpc_id]}])["Tags"]
    assert [(t["ResourceId"], t["Key"]) for t in tags] == [(vpc_id, "team")]


def test_security_group_rule_tags(ec2):
    group = ec2.create_security_group(GroupName="tagged", Description="d")["GroupId"]
    rule = ec2.authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}
        ],
    )["SecurityGroupRules"][0]["SecurityGroupRuleId"]
    egress = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [group]}])
    default_egress = next(r["SecurityGroupRuleId"] for r in egress["SecurityGroupRules"] if r["IsEgress"])
    ec2.create_tags(Resources=[rule, default_egress], Tags=[{"Key": "team", "Value": "blue"}])
    tags = ec2.describe_tags(Filters=[{"Name": "resource-type", "Values": ["security-group-rule"]}])["Tags"]
    assert sorted(t["ResourceId"] for t in tags) == sorted([rule, default_egress])
    ec2.delete_tags(Resources=[default_egress], Tags=[{"Key": "team"}])
    tags = ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [rule, default_egress]}])["Tags"]
    assert [t["ResourceId"] for t in tags] == [rule]
    ec2.revoke_security_group_ingress(GroupId=group, SecurityGroupRuleIds=[rule])
    with aws_error("InvalidSecurityGroupRuleId.NotFound", 400, rule):
        ec2.create_tags(Resources=[rule], Tags=[{"Key": "a", "Value": "b"}])
    ec2.delete_security_group(GroupId=group)
    with aws_error("InvalidSecurityGroupRuleId.NotFound", 400, default_egress):
        ec2.create_tags(Resources=[default_egress], Tags=[{"Key": "a", "Value": "b"}])
