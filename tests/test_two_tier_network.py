"""Issue 15's acceptance scenario: infrastructure code written for AWS runs unchanged.

`deploy` builds a two-tier network the way a Terraform/CDK-deployed stack does it (plain boto3,
in dependency order): a VPC with DNS hostnames, public and private subnets in two zones, an
internet gateway, an Elastic IP and a NAT gateway, public and private route tables, security
groups that reference each other, a gateway endpoint for S3, a role with an instance profile and
a launch template. Instances launched from the template into each tier are then checked through
DescribeInstances, DescribeRouteTables and their own metadata service, and `destroy` tears the
stack down in reverse order, meeting the DependencyViolations AWS raises for what goes too early.
"""

from __future__ import annotations

import ipaddress
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3

from ec2sim.server import Server
from tests.helpers import aws_error
from tests.test_instances import AL2023
from tests.test_metadata import TRUST, Imds

ROLE = "app-server"
AWS_CLI = Path(sys.executable).parent / "aws"  # the virtualenv's AWS CLI (awscli is a dev dependency)


@dataclass
class Stack:
    """The ids a deployment produced (what a Terraform state would hold)."""

    vpc: str = ""
    public: list[str] = field(default_factory=list)  # subnet ids, one per zone
    private: list[str] = field(default_factory=list)
    igw: str = ""
    allocation: str = ""
    nat: str = ""
    public_rtb: str = ""
    private_rtb: str = ""
    web_sg: str = ""
    app_sg: str = ""
    endpoint: str = ""
    template: str = ""
    web: str = ""  # instance ids
    app: str = ""


def _tags(kind: str, name: str) -> list[dict[str, Any]]:
    return [{"ResourceType": kind, "Tags": [{"Key": "Name", "Value": name}]}]


def _network(ec2: Any, stack: Stack) -> None:
    """VPC, subnets, internet gateway, Elastic IP, NAT gateway, route tables."""
    stack.vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16", TagSpecifications=_tags("vpc", "two-tier"))["Vpc"][
        "VpcId"
    ]
    ec2.get_waiter("vpc_available").wait(VpcIds=[stack.vpc])
    ec2.modify_vpc_attribute(VpcId=stack.vpc, EnableDnsSupport={"Value": True})
    ec2.modify_vpc_attribute(VpcId=stack.vpc, EnableDnsHostnames={"Value": True})
    zones = [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]][:2]
    for index, zone in enumerate(zones):
        public = ec2.create_subnet(
            VpcId=stack.vpc,
            CidrBlock=f"10.0.{index}.0/24",
            AvailabilityZone=zone,
            TagSpecifications=_tags("subnet", f"public-{zone}"),
        )["Subnet"]["SubnetId"]
        ec2.modify_subnet_attribute(SubnetId=public, MapPublicIpOnLaunch={"Value": True})
        private = ec2.create_subnet(
            VpcId=stack.vpc,
            CidrBlock=f"10.0.{10 + index}.0/24",
            AvailabilityZone=zone,
            TagSpecifications=_tags("subnet", f"private-{zone}"),
        )["Subnet"]["SubnetId"]
        stack.public.append(public)
        stack.private.append(private)
    ec2.get_waiter("subnet_available").wait(SubnetIds=stack.public + stack.private)
    stack.igw = ec2.create_internet_gateway(TagSpecifications=_tags("internet-gateway", "two-tier"))[
        "InternetGateway"
    ]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=stack.igw, VpcId=stack.vpc)
    stack.allocation = ec2.allocate_address(Domain="vpc", TagSpecifications=_tags("elastic-ip", "nat"))[
        "AllocationId"
    ]
    stack.nat = ec2.create_nat_gateway(
        SubnetId=stack.public[0], AllocationId=stack.allocation, TagSpecifications=_tags("natgateway", "nat")
    )["NatGateway"]["NatGatewayId"]
    ec2.get_waiter("nat_gateway_available").wait(NatGatewayIds=[stack.nat])
    stack.public_rtb = ec2.create_route_table(
        VpcId=stack.vpc, TagSpecifications=_tags("route-table", "public")
    )["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=stack.public_rtb, DestinationCidrBlock="0.0.0.0/0", GatewayId=stack.igw)
    for subnet in stack.public:
        ec2.associate_route_table(RouteTableId=stack.public_rtb, SubnetId=subnet)
    stack.private_rtb = ec2.create_route_table(
        VpcId=stack.vpc, TagSpecifications=_tags("route-table", "private")
    )["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=stack.private_rtb, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=stack.nat)
    for subnet in stack.private:
        ec2.associate_route_table(RouteTableId=stack.private_rtb, SubnetId=subnet)
    stack.endpoint = ec2.create_vpc_endpoint(
        VpcEndpointType="Gateway",
        VpcId=stack.vpc,
        ServiceName="com.amazonaws.us-east-1.s3",
        RouteTableIds=[stack.private_rtb],
        TagSpecifications=_tags("vpc-endpoint", "s3"),
    )["VpcEndpoint"]["VpcEndpointId"]


def _security_groups(ec2: Any, stack: Stack) -> None:
    """`web` takes 443 from anywhere and talks to `app` on 8080; `app` takes 8080 from `web` only."""
    stack.web_sg = ec2.create_security_group(GroupName="web", Description="web tier", VpcId=stack.vpc)[
        "GroupId"
    ]
    stack.app_sg = ec2.create_security_group(GroupName="app", Description="app tier", VpcId=stack.vpc)[
        "GroupId"
    ]
    ec2.authorize_security_group_ingress(
        GroupId=stack.web_sg,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
        ],
    )
    to_app = {"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080}
    ec2.authorize_security_group_ingress(
        GroupId=stack.app_sg, IpPermissions=[{**to_app, "UserIdGroupPairs": [{"GroupId": stack.web_sg}]}]
    )
    # As Terraform manages egress: the default allow-all rule goes, the stack's own rule replaces it.
    everything = {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
    ec2.revoke_security_group_egress(GroupId=stack.web_sg, IpPermissions=[everything])
    ec2.authorize_security_group_egress(
        GroupId=stack.web_sg, IpPermissions=[{**to_app, "UserIdGroupPairs": [{"GroupId": stack.app_sg}]}]
    )


def _compute(ec2: Any, iam: Any, stack: Stack) -> None:
    """The role and its instance profile, the launch template, and one instance per tier."""
    iam.create_role(RoleName=ROLE, AssumeRolePolicyDocument=TRUST)
    iam.attach_role_policy(RoleName=ROLE, PolicyArn="arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
    iam.create_instance_profile(InstanceProfileName=ROLE)
    iam.add_role_to_instance_profile(InstanceProfileName=ROLE, RoleName=ROLE)
    iam.get_waiter("instance_profile_exists").wait(InstanceProfileName=ROLE)
    image = ec2.describe_images(
        Owners=["amazon"],
        Filters=[
            {"Name": "name", "Values": ["al2023-ami-2023.*-kernel-6.1-x86_64"]},
            {"Name": "state", "Values": ["available"]},
        ],
    )["Images"]
    latest = max(image, key=lambda i: i["CreationDate"])["ImageId"]
    stack.template = ec2.create_launch_template(
        LaunchTemplateName="two-tier",
        LaunchTemplateData={
            "ImageId": latest,
            "InstanceType": "t3.micro",
            "IamInstanceProfile": {"Name": ROLE},
            "MetadataOptions": {"HttpTokens": "required", "HttpEndpoint": "enabled"},
        },
    )["LaunchTemplate"]["LaunchTemplateId"]
    template = {"LaunchTemplateId": stack.template, "Version": "$Latest"}

    def run(subnet: str, group: str, name: str) -> str:
        return str(
            ec2.run_instances(
                LaunchTemplate=template,
                MinCount=1,
                MaxCount=1,
                SubnetId=subnet,
                SecurityGroupIds=[group],
                TagSpecifications=_tags("instance", name),
            )["Instances"][0]["InstanceId"]
        )

    stack.web = run(stack.public[0], stack.web_sg, "web")
    stack.app = run(stack.private[1], stack.app_sg, "app")
    ec2.get_waiter("instance_running").wait(InstanceIds=[stack.web, stack.app])


def deploy(ec2: Any, iam: Any) -> Stack:
    stack = Stack()
    _network(ec2, stack)
    _security_groups(ec2, stack)
    _compute(ec2, iam, stack)
    return stack


def destroy(ec2: Any, iam: Any, stack: Stack) -> None:
    """Reverse order, as `terraform destroy` does; each too-early delete meets AWS's refusal first."""
    vpc_has = f"The vpc '{stack.vpc}' has dependencies and cannot be deleted."
    with aws_error("DependencyViolation", 400, vpc_has):
        ec2.delete_vpc(VpcId=stack.vpc)
    with aws_error("DependencyViolation", 400, f"The subnet '{stack.public[0]}' has dependencies"):
        ec2.delete_subnet(SubnetId=stack.public[0])
    with aws_error("DependencyViolation", 400, f"resource {stack.app_sg} has a dependent object"):
        ec2.delete_security_group(GroupId=stack.app_sg)
    mapped = f"Network {stack.vpc} has some mapped public address(es). Please unmap those public address(es)"
    with aws_error("DependencyViolation", 400, mapped):
        ec2.detach_internet_gateway(InternetGatewayId=stack.igw, VpcId=stack.vpc)
    ec2.terminate_instances(InstanceIds=[stack.web, stack.app])
    ec2.get_waiter("instance_terminated").wait(InstanceIds=[stack.web, stack.app])
    ec2.delete_launch_template(LaunchTemplateId=stack.template)
    iam.remove_role_from_instance_profile(InstanceProfileName=ROLE, RoleName=ROLE)
    iam.delete_instance_profile(InstanceProfileName=ROLE)
    iam.detach_role_policy(RoleName=ROLE, PolicyArn="arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
    iam.delete_role(RoleName=ROLE)
    assert ec2.delete_vpc_endpoints(VpcEndpointIds=[stack.endpoint])["Unsuccessful"] == []
    routes = ec2.describe_route_tables(RouteTableIds=[stack.private_rtb])["RouteTables"][0]["Routes"]
    assert [r.get("DestinationCidrBlock") for r in routes] == ["10.0.0.0/16", "0.0.0.0/0"]
    with aws_error("DependencyViolation", 400, f"The routeTable '{stack.private_rtb}' has dependencies"):
        ec2.delete_route_table(RouteTableId=stack.private_rtb)
    with aws_error("DependencyViolation", 400, mapped):  # the NAT gateway's address
        ec2.detach_internet_gateway(InternetGatewayId=stack.igw, VpcId=stack.vpc)
    with aws_error("AuthFailure", 400, "You do not have permission to access the specified resource."):
        ec2.release_address(AllocationId=stack.allocation)  # the NAT gateway holds it
    ec2.delete_nat_gateway(NatGatewayId=stack.nat)
    ec2.get_waiter("nat_gateway_deleted").wait(NatGatewayIds=[stack.nat])
    routes = ec2.describe_route_tables(RouteTableIds=[stack.private_rtb])["RouteTables"][0]["Routes"]
    assert [r["State"] for r in routes if r.get("NatGatewayId") == stack.nat] == ["blackhole"]
    ec2.release_address(AllocationId=stack.allocation)
    with aws_error("DependencyViolation", 400, f"The internetGateway '{stack.igw}' has dependencies"):
        ec2.delete_internet_gateway(InternetGatewayId=stack.igw)
    ec2.detach_internet_gateway(InternetGatewayId=stack.igw, VpcId=stack.vpc)
    ec2.delete_internet_gateway(InternetGatewayId=stack.igw)
    for table in (stack.public_rtb, stack.private_rtb):
        associations = ec2.describe_route_tables(RouteTableIds=[table])["RouteTables"][0]["Associations"]
        for association in associations:
            ec2.disassociate_route_table(AssociationId=association["RouteTableAssociationId"])
        ec2.delete_route_table(RouteTableId=table)
    for subnet in stack.public + stack.private:
        ec2.delete_subnet(SubnetId=subnet)
    with aws_error("DependencyViolation", 400, f"resource {stack.app_sg} has a dependent object"):
        ec2.delete_security_group(GroupId=stack.app_sg)  # web's egress rule still names it
    ec2.revoke_security_group_egress(
        GroupId=stack.web_sg,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 8080,
                "ToPort": 8080,
                "UserIdGroupPairs": [{"GroupId": stack.app_sg}],
            }
        ],
    )
    ec2.delete_security_group(GroupId=stack.app_sg)
    ec2.delete_security_group(GroupId=stack.web_sg)
    ec2.delete_vpc(VpcId=stack.vpc)
    # Its main route table, default network ACL and default security group went with it.
    in_vpc = [{"Name": "vpc-id", "Values": [stack.vpc]}]
    assert ec2.describe_route_tables(Filters=in_vpc)["RouteTables"] == []
    assert ec2.describe_network_acls(Filters=in_vpc)["NetworkAcls"] == []
    assert ec2.describe_security_groups(Filters=in_vpc)["SecurityGroups"] == []


# Checks -----------------------------------------------------------------------------------


def _instance(ec2: Any, instance_id: str) -> dict[str, Any]:
    return ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]


def _dns_host(address: str) -> str:
    return "-".join(address.split("."))


def _check_instance(
    ec2: Any, stack: Stack, instance_id: str, subnet_id: str, group: str, public: bool
) -> None:
    found = _instance(ec2, instance_id)
    subnet = ec2.describe_subnets(SubnetIds=[subnet_id])["Subnets"][0]
    assert found["State"]["Name"] == "running"
    assert found["SubnetId"] == subnet_id and found["VpcId"] == stack.vpc
    assert found["Placement"]["AvailabilityZone"] == subnet["AvailabilityZone"]
    assert found["InstanceType"] == "t3.micro"
    assert found["IamInstanceProfile"]["Arn"].endswith(f":instance-profile/{ROLE}")
    assert found["MetadataOptions"]["HttpTokens"] == "required"
    assert [g["GroupId"] for g in found["SecurityGroups"]] == [group]
    tags = {t["Key"]: t["Value"] for t in found["Tags"]}
    assert tags["aws:ec2launchtemplate:id"] == stack.template
    private_ip = found["PrivateIpAddress"]
    network = ipaddress.ip_network(subnet["CidrBlock"])
    assert ipaddress.ip_address(private_ip) in network
    # AWS reserves a subnet's first four addresses and its last.
    assert network[4] <= ipaddress.ip_address(private_ip) < network[-1]
    assert found["PrivateDnsName"] == f"ip-{_dns_host(private_ip)}.ec2.internal"
    eni = found["NetworkInterfaces"][0]
    assert eni["SubnetId"] == subnet_id and eni["VpcId"] == stack.vpc
    assert eni["PrivateIpAddress"] == private_ip and [g["GroupId"] for g in eni["Groups"]] == [group]
    if public:
        public_ip = found["PublicIpAddress"]
        assert not ipaddress.ip_address(public_ip).is_private
        assert found["PublicDnsName"] == f"ec2-{_dns_host(public_ip)}.compute-1.amazonaws.com"
        assert eni["Association"]["PublicIp"] == public_ip
        assert eni["Association"]["PublicDnsName"] == found["PublicDnsName"]
    else:
        assert "PublicIpAddress" not in found and found["PublicDnsName"] == ""
        assert "Association" not in eni


def _check_routes(ec2: Any, stack: Stack) -> None:
    tables = {
        t["RouteTableId"]: t
        for t in ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [stack.vpc]}])["RouteTables"]
    }
    assert len(tables) == 3  # the VPC's main table and the stack's two
    main = next(t for t in tables.values() if any(a.get("Main") for a in t["Associations"]))
    assert [r["GatewayId"] for r in main["Routes"]] == ["local"]
    public, private = tables[stack.public_rtb], tables[stack.private_rtb]
    assert {a["SubnetId"] for a in public["Associations"]} == set(stack.public)
    assert {a["SubnetId"] for a in private["Associations"]} == set(stack.private)
    for table in (public, private):
        assert {a["AssociationState"]["State"] for a in table["Associations"]} == {"associated"}
        local = table["Routes"][0]
        assert local == {
            "DestinationCidrBlock": "10.0.0.0/16",
            "GatewayId": "local",
            "Origin": "CreateRouteTable",
            "State": "active",
        }
    default = {"DestinationCidrBlock": "0.0.0.0/0", "Origin": "CreateRoute", "State": "active"}
    assert public["Routes"][1:] == [{**default, "GatewayId": stack.igw}]
    private_routes = {
        r.get("DestinationCidrBlock") or r.get("DestinationPrefixListId"): r for r in private["Routes"]
    }
    assert private_routes["0.0.0.0/0"] == {**default, "NatGatewayId": stack.nat}
    s3_list = ec2.describe_prefix_lists(
        Filters=[{"Name": "prefix-list-name", "Values": ["com.amazonaws.us-east-1.s3"]}]
    )["PrefixLists"][0]["PrefixListId"]
    endpoint = ec2.describe_vpc_endpoints(
        Filters=[{"Name": "service-name", "Values": ["com.amazonaws.us-east-1.s3"]}]
    )["VpcEndpoints"]
    assert [(e["VpcEndpointId"], e["State"], e["VpcId"]) for e in endpoint] == [
        (stack.endpoint, "available", stack.vpc)
    ]
    assert endpoint[0]["RouteTableIds"] == [stack.private_rtb] and endpoint[0]["VpcEndpointType"] == "Gateway"
    assert private_routes[s3_list] == {
        "DestinationPrefixListId": s3_list,
        "GatewayId": stack.endpoint,
        "Origin": "CreateRoute",
        "State": "active",
    }
    # Subnet filters find each subnet's table, as a route-table lookup by subnet does.
    by_subnet = ec2.describe_route_tables(
        Filters=[{"Name": "association.subnet-id", "Values": [stack.private[1]]}]
    )["RouteTables"]
    assert [t["RouteTableId"] for t in by_subnet] == [stack.private_rtb]
    for name, value, table in (
        ("route.nat-gateway-id", stack.nat, stack.private_rtb),
        ("route.gateway-id", stack.igw, stack.public_rtb),
        ("route.state", "blackhole", None),
    ):
        found = ec2.describe_route_tables(Filters=[{"Name": name, "Values": [value]}])["RouteTables"]
        assert [t["RouteTableId"] for t in found] == ([table] if table else []), name


def _check_nat(ec2: Any, stack: Stack) -> None:
    nat = ec2.describe_nat_gateways(NatGatewayIds=[stack.nat])["NatGateways"][0]
    address = ec2.describe_addresses(AllocationIds=[stack.allocation])["Addresses"][0]
    assert nat["State"] == "available" and nat["SubnetId"] == stack.public[0] and nat["VpcId"] == stack.vpc
    nat_address = nat["NatGatewayAddresses"][0]
    assert nat_address["AllocationId"] == stack.allocation
    assert nat_address["PublicIp"] == address["PublicIp"]
    assert ipaddress.ip_address(nat_address["PrivateIp"]) in ipaddress.ip_network("10.0.0.0/24")
    assert address["NetworkInterfaceId"] == nat_address["NetworkInterfaceId"]
    assert address["AssociationId"] == nat_address["AssociationId"]
    assert address["PrivateIpAddress"] == nat_address["PrivateIp"]


def _check_metadata(server: Server, ec2: Any, stack: Stack, instance_id: str, public: bool) -> dict[str, str]:
    """What the instance's own metadata service says (IMDSv2 only), and its role credentials."""
    found = _instance(ec2, instance_id)
    md = Imds(f"{server.imds_url}/{instance_id}/")
    assert md.get("latest/meta-data/instance-id").status_code == 401  # HttpTokens required
    assert md.put_token("300").status_code == 200
    assert md.text("latest/meta-data/instance-id") == instance_id
    assert md.text("latest/meta-data/local-ipv4") == found["PrivateIpAddress"]
    assert md.text("latest/meta-data/local-hostname") == found["PrivateDnsName"]
    listing = md.text("latest/meta-data/").splitlines()
    if public:
        assert md.text("latest/meta-data/public-ipv4") == found["PublicIpAddress"]
        assert md.text("latest/meta-data/public-hostname") == found["PublicDnsName"]
    else:
        assert "public-ipv4" not in listing and "public-hostname" not in listing
        assert md.get("latest/meta-data/public-ipv4").status_code == 404
    mac = md.text("latest/meta-data/mac")
    assert mac == found["NetworkInterfaces"][0]["MacAddress"]
    subnet = ec2.describe_subnets(SubnetIds=[found["SubnetId"]])["Subnets"][0]
    interface = f"latest/meta-data/network/interfaces/macs/{mac}/"
    assert md.text(interface + "subnet-id") == found["SubnetId"]
    assert md.text(interface + "vpc-id") == stack.vpc
    assert md.text(interface + "subnet-ipv4-cidr-block") == subnet["CidrBlock"]
    assert md.text(interface + "vpc-ipv4-cidr-block") == "10.0.0.0/16"
    assert md.text(interface + "security-group-ids") == found["SecurityGroups"][0]["GroupId"]
    assert md.text(interface + "local-ipv4s") == found["PrivateIpAddress"]
    if public:
        assert md.text(interface + "public-ipv4s") == found["PublicIpAddress"]
    else:
        assert md.get(interface + "public-ipv4s").status_code == 404
    assert md.text("latest/meta-data/placement/availability-zone") == subnet["AvailabilityZone"]
    info = json.loads(md.text("latest/meta-data/iam/info"))
    assert info["Code"] == "Success" and info["InstanceProfileArn"] == found["IamInstanceProfile"]["Arn"]
    assert md.text("latest/meta-data/iam/security-credentials/") == ROLE
    credentials = json.loads(md.text(f"latest/meta-data/iam/security-credentials/{ROLE}"))
    assert credentials["Code"] == "Success"
    return credentials


def _whoami(server: Server, credentials: dict[str, str]) -> str:
    sts = boto3.client(
        "sts",
        region_name="us-east-1",
        endpoint_url=server.api_url,
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["Token"],
    )
    return str(sts.get_caller_identity()["Arn"])


def test_a_two_tier_stack_deploys_runs_and_tears_down(
    ec2: Any, iam: Any, server: Server, account_id: str
) -> None:
    stack = deploy(ec2, iam)
    _check_instance(ec2, stack, stack.web, stack.public[0], stack.web_sg, public=True)
    _check_instance(ec2, stack, stack.app, stack.private[1], stack.app_sg, public=False)
    in_vpc = ec2.describe_instances(Filters=[{"Name": "vpc-id", "Values": [stack.vpc]}])["Reservations"]
    assert {i["InstanceId"] for r in in_vpc for i in r["Instances"]} == {stack.web, stack.app}
    free = {
        s["SubnetId"]: s["AvailableIpAddressCount"]
        for s in ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [stack.vpc]}])["Subnets"]
    }  # a /24 has 251 addresses to give: the web instance and the NAT gateway took two, app one
    assert free == {stack.public[0]: 249, stack.public[1]: 251, stack.private[0]: 251, stack.private[1]: 250}
    _check_routes(ec2, stack)
    _check_nat(ec2, stack)
    for instance_id, public in ((stack.web, True), (stack.app, False)):
        credentials = _check_metadata(server, ec2, stack, instance_id, public)
        assert _whoami(server, credentials) == f"arn:aws:sts::{account_id}:assumed-role/{ROLE}/{instance_id}"
    destroy(ec2, iam, stack)
    assert ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": ["two-tier"]}])["Vpcs"] == []
    assert ec2.describe_addresses()["Addresses"] == []


# The AWS CLI ------------------------------------------------------------------------------


def test_the_aws_cli_builds_a_network(server: Server, account_id: str) -> None:
    cli = str(AWS_CLI) if AWS_CLI.exists() else shutil.which("aws")
    assert cli is not None, "the AWS CLI is installed with the virtualenv"
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": account_id,
        "AWS_SECRET_ACCESS_KEY": "x",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
        "AWS_PAGER": "",
    }

    def aws(*args: str) -> Any:
        done = subprocess.run(
            [cli, "ec2", *args, "--endpoint-url", server.api_url, "--output", "json"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return json.loads(done.stdout) if done.stdout.strip() else None

    vpc = aws(
        "create-vpc",
        "--cidr-block",
        "10.1.0.0/16",
        "--tag-specifications",
        "ResourceType=vpc,Tags=[{Key=Name,Value=cli}]",
    )["Vpc"]
    assert vpc["State"] == "pending" and vpc["Tags"] == [{"Key": "Name", "Value": "cli"}]
    subnet = aws("create-subnet", "--vpc-id", vpc["VpcId"], "--cidr-block", "10.1.1.0/24")["Subnet"]
    assert subnet["VpcId"] == vpc["VpcId"] and subnet["AvailableIpAddressCount"] == 251
    assert subnet["MapPublicIpOnLaunch"] is False
    tables = aws("describe-route-tables", "--filters", f"Name=vpc-id,Values={vpc['VpcId']}")["RouteTables"]
    assert len(tables) == 1 and tables[0]["Associations"][0]["Main"] is True
    assert tables[0]["Routes"] == [
        {
            "DestinationCidrBlock": "10.1.0.0/16",
            "GatewayId": "local",
            "Origin": "CreateRouteTable",
            "State": "active",
        }
    ]


# What the scenario exposed ----------------------------------------------------------------


def _token(server: Server, instance_id: str) -> Imds:
    md = Imds(f"{server.imds_url}/{instance_id}/")
    assert md.put_token().status_code == 200
    return md


def test_metadata_lists_every_ipv4_block_of_the_vpc(ec2: Any, server: Server) -> None:
    """``vpc-ipv4-cidr-blocks`` is each IPv4 block associated with the VPC, read live (it listed the
    primary block only)."""
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    instance_id = ec2.run_instances(ImageId=AL2023, MinCount=1, MaxCount=1, SubnetId=subnet)["Instances"][0][
        "InstanceId"
    ]
    md = _token(server, instance_id)
    mac = md.text("latest/meta-data/mac")
    blocks = f"latest/meta-data/network/interfaces/macs/{mac}/vpc-ipv4-cidr-blocks"
    assert md.text(blocks) == "10.0.0.0/16"
    association = ec2.associate_vpc_cidr_block(VpcId=vpc, CidrBlock="10.2.0.0/16")["CidrBlockAssociation"]
    assert md.text(blocks) == "10.0.0.0/16\n10.2.0.0/16"
    assert md.text(f"latest/meta-data/network/interfaces/macs/{mac}/vpc-ipv4-cidr-block") == "10.0.0.0/16"
    ec2.disassociate_vpc_cidr_block(AssociationId=association["AssociationId"])
    assert md.text(blocks) == "10.0.0.0/16"


def test_public_dns_names_follow_the_vpcs_dns_hostnames(ec2: Any, server: Server) -> None:
    """A VPC's instances have public DNS names only while its DNS hostnames are on (they were
    named regardless); their private names don't depend on it."""
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.0.0/24")["Subnet"]["SubnetId"]
    ec2.modify_subnet_attribute(SubnetId=subnet, MapPublicIpOnLaunch={"Value": True})
    instance_id = ec2.run_instances(ImageId=AL2023, MinCount=1, MaxCount=1, SubnetId=subnet)["Instances"][0][
        "InstanceId"
    ]
    md = _token(server, instance_id)
    found = _instance(ec2, instance_id)
    public_ip = found["PublicIpAddress"]
    assert found["PublicDnsName"] == "" and found["PrivateDnsName"].endswith(".ec2.internal")
    interface = f"latest/meta-data/network/interfaces/macs/{found['NetworkInterfaces'][0]['MacAddress']}/"

    def interface_names() -> list[str]:
        eni = ec2.describe_network_interfaces(
            NetworkInterfaceIds=[found["NetworkInterfaces"][0]["NetworkInterfaceId"]]
        )
        eni = eni["NetworkInterfaces"][0]
        seen = _instance(ec2, instance_id)["NetworkInterfaces"][0]
        return [
            eni["Association"]["PublicDnsName"],
            eni["PrivateIpAddresses"][0]["Association"]["PublicDnsName"],
            seen["Association"]["PublicDnsName"],
        ]

    assert interface_names() == ["", "", ""]
    for path in ("latest/meta-data/public-hostname", interface + "public-hostname"):
        assert md.get(path).status_code == 404
    assert md.text("latest/meta-data/public-ipv4") == public_ip
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    name = f"ec2-{_dns_host(public_ip)}.compute-1.amazonaws.com"
    assert _instance(ec2, instance_id)["PublicDnsName"] == name
    assert interface_names() == [name, name, name]
    assert md.text("latest/meta-data/public-hostname") == name == md.text(interface + "public-hostname")
    found = ec2.describe_instances(Filters=[{"Name": "dns-name", "Values": [name]}])["Reservations"]
    assert [i["InstanceId"] for r in found for i in r["Instances"]] == [instance_id]


def test_a_nat_gateway_holds_its_elastic_ip(ec2: Any) -> None:
    """CreateNatGateway takes one of the account's Elastic IPs, which stays associated with the
    gateway's interface while it lives (it was taken on trust before Elastic IPs existed)."""
    subnet = ec2.describe_subnets()["Subnets"][0]["SubnetId"]
    missing = "eipalloc-00000000000000001"
    with aws_error("InvalidAllocationID.NotFound", 400, f"The allocation ID '{missing}' does not exist"):
        ec2.create_nat_gateway(SubnetId=subnet, AllocationId=missing)
    address = ec2.allocate_address(Domain="vpc")
    allocation, public_ip = address["AllocationId"], address["PublicIp"]
    nat = ec2.create_nat_gateway(SubnetId=subnet, AllocationId=allocation)["NatGateway"]
    assert nat["NatGatewayAddresses"][0]["PublicIp"] == public_ip
    held = ec2.describe_nat_gateways(NatGatewayIds=[nat["NatGatewayId"]])["NatGateways"][0]
    assert held["State"] == "available"
    gateway_address = held["NatGatewayAddresses"][0]
    described = ec2.describe_addresses(AllocationIds=[allocation])["Addresses"][0]
    assert described["AssociationId"] == gateway_address["AssociationId"]
    assert described["NetworkInterfaceId"] == gateway_address["NetworkInterfaceId"]
    assert described["PrivateIpAddress"] == gateway_address["PrivateIp"]
    by_filter = ec2.describe_addresses(
        Filters=[{"Name": "association-id", "Values": [described["AssociationId"]]}]
    )
    assert [a["AllocationId"] for a in by_filter["Addresses"]] == [allocation]
    with aws_error("AuthFailure", 400, "You do not have permission to access the specified resource."):
        ec2.release_address(AllocationId=allocation)
    # A second gateway can't take an address the first holds.
    second = ec2.create_nat_gateway(SubnetId=subnet, AllocationId=allocation)["NatGateway"]["NatGatewayId"]
    failed = ec2.describe_nat_gateways(NatGatewayIds=[second])["NatGateways"][0]
    assert failed["State"] == "failed" and failed["FailureCode"] == "Resource.AlreadyAssociated"
    assert failed["FailureMessage"] == f"Elastic IP address {allocation} is already associated"
    ec2.delete_nat_gateway(NatGatewayId=nat["NatGatewayId"])
    ec2.get_waiter("nat_gateway_deleted").wait(NatGatewayIds=[nat["NatGatewayId"]])
    freed = ec2.describe_addresses(AllocationIds=[allocation])["Addresses"][0]
    assert "AssociationId" not in freed and "NetworkInterfaceId" not in freed
    ec2.release_address(AllocationId=allocation)


def test_an_elastic_ip_on_an_interface_keeps_the_internet_gateway(ec2: Any) -> None:
    """An interface with an Elastic IP maps a public address: the VPC's internet gateway can't be
    detached meanwhile (only instances' public addresses and NAT gateways were counted)."""
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.0.0/24")["Subnet"]["SubnetId"]
    interface = ec2.create_network_interface(SubnetId=subnet)["NetworkInterface"]["NetworkInterfaceId"]
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    association = ec2.associate_address(AllocationId=allocation, NetworkInterfaceId=interface)[
        "AssociationId"
    ]
    with aws_error("DependencyViolation", 400, f"Network {vpc} has some mapped public address(es)."):
        ec2.detach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    ec2.disassociate_address(AssociationId=association)
    ec2.detach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
