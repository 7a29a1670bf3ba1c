"""Durable state (--state-dir) and the state document (GET/POST /_ec2sim/state).

A broad scenario runs through boto3 against a server with a state directory; the export before a
restart must equal the export after it (so nothing was left unsaved), and boto3 must see the same
resources, permissions and credentials. Export → import round-trips; a bad import changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from botocore.config import Config as BotoConfig

from ec2sim.config import Config
from ec2sim.server import Server
from ec2sim.store.persistence import CODEC, StateDirError
from ec2sim.store.snapshot import SNAPSHOT
from tests.helpers import aws_error, delete_default_vpc

OWNER, OTHER = "210987654321", "123456789098"
_BOTO = BotoConfig(retries={"max_attempts": 1})
_TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{OWNER}:root"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)
_ALLOW_ALL = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
)


def serve(state_dir: Path | None, **settings: Any) -> Server:
    return Server(Config(port=0, imds_port=0, state_dir=str(state_dir) if state_dir else "", **settings))


def client(
    server: Server, service: str, key: str = OWNER, secret: str = "x", token: str | None = None
) -> Any:
    return boto3.client(
        service,
        region_name="us-east-1",
        endpoint_url=server.api_url,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        aws_session_token=token,
        config=_BOTO,
    )


def export(server: Server) -> dict[str, Any]:
    response = requests.get(f"{server.api_url}/_ec2sim/state", timeout=10)
    assert response.status_code == 200
    return response.json()


def advance(server: Server, seconds: float) -> None:
    requests.post(
        f"{server.api_url}/_ec2sim/clock", json={"advance_seconds": seconds}, timeout=5
    ).raise_for_status()


@pytest.fixture
def state_dir(tmp_path: Path) -> Path:
    return tmp_path / "state"


def scenario(server: Server) -> dict[str, Any]:  # noqa: PLR0915 (one long story, told in order)
    """Every kind of change the state must keep; returns what it made, to look for after a restart."""
    ec2, iam = client(server, "ec2"), client(server, "iam")
    made: dict[str, Any] = {}
    ami = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]

    # IAM: users, groups, policies, boundaries, roles, instance profiles, keys.
    policy = iam.create_policy(PolicyName="All", PolicyDocument=_ALLOW_ALL)["Policy"]["Arn"]
    iam.create_user(UserName="alice", Tags=[{"Key": "team", "Value": "a"}], PermissionsBoundary=policy)
    iam.create_group(GroupName="devs")
    iam.add_user_to_group(GroupName="devs", UserName="alice")
    iam.attach_group_policy(GroupName="devs", PolicyArn=policy)
    iam.put_user_policy(UserName="alice", PolicyName="inline", PolicyDocument=_ALLOW_ALL)
    made["key"] = iam.create_access_key(UserName="alice")["AccessKey"]
    iam.create_role(RoleName="worker", AssumeRolePolicyDocument=_TRUST)
    iam.attach_role_policy(RoleName="worker", PolicyArn=policy)
    iam.create_instance_profile(InstanceProfileName="worker")
    iam.add_role_to_instance_profile(InstanceProfileName="worker", RoleName="worker")
    iam.create_account_alias(AccountAlias="durable")
    alice = client(server, "sts", made["key"]["AccessKeyId"], made["key"]["SecretAccessKey"])
    session = alice.assume_role(RoleArn=f"arn:aws:iam::{OWNER}:role/worker", RoleSessionName="durable")[
        "Credentials"
    ]
    made["session"] = session

    # EC2: key pairs, security groups and rules, tags.
    ec2.create_key_pair(KeyName="made")
    ec2.import_key_pair(
        KeyName="imported",
        PublicKeyMaterial=b"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl x",
    )
    ec2.create_key_pair(KeyName="deleted")
    ec2.delete_key_pair(KeyName="deleted")
    group = ec2.create_security_group(GroupName="web", Description="web")["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
        ],
    )
    ec2.authorize_security_group_egress(
        GroupId=group,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}
        ],
    )
    rule = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [group]}])[
        "SecurityGroupRules"
    ][0]["SecurityGroupRuleId"]
    ec2.create_tags(Resources=[group, rule], Tags=[{"Key": "tier", "Value": "web"}])
    made["group"] = group
    # Managed prefix lists: versions, a restore, a reference from a rule, a changed rule.
    plist = ec2.create_managed_prefix_list(
        PrefixListName="corp",
        MaxEntries=4,
        AddressFamily="IPv4",
        Entries=[{"Cidr": "10.0.0.0/16", "Description": "office"}],
        TagSpecifications=[{"ResourceType": "prefix-list", "Tags": [{"Key": "net", "Value": "corp"}]}],
    )["PrefixList"]["PrefixListId"]
    ec2.modify_managed_prefix_list(PrefixListId=plist, AddEntries=[{"Cidr": "10.1.0.0/16"}])
    ec2.restore_managed_prefix_list_version(PrefixListId=plist, PreviousVersion=1, CurrentVersion=2)
    ec2.modify_security_group_rules(
        GroupId=group,
        SecurityGroupRules=[
            {
                "SecurityGroupRuleId": rule,
                "SecurityGroupRule": {
                    "IpProtocol": "tcp",
                    "FromPort": 443,
                    "ToPort": 443,
                    "PrefixListId": plist,
                },
            }
        ],
    )
    ec2.update_security_group_rule_descriptions_ingress(
        GroupId=group, SecurityGroupRuleDescriptions=[{"SecurityGroupRuleId": rule, "Description": "corp"}]
    )
    made.update(prefix_list=plist, rule=rule)

    # Launch templates: versions added and deleted, the default moved, a template deleted.
    template = ec2.create_launch_template(
        LaunchTemplateName="app", LaunchTemplateData={"ImageId": ami, "SecurityGroupIds": [group]}
    )["LaunchTemplate"]["LaunchTemplateId"]
    for size in ("t3.small", "t3.large"):
        ec2.create_launch_template_version(
            LaunchTemplateId=template, SourceVersion="1", LaunchTemplateData={"InstanceType": size}
        )
    ec2.modify_launch_template(LaunchTemplateId=template, DefaultVersion="2")
    ec2.delete_launch_template_versions(LaunchTemplateId=template, Versions=["3"])
    ec2.create_tags(Resources=[template], Tags=[{"Key": "tier", "Value": "app"}])
    ec2.create_launch_template(LaunchTemplateName="gone", LaunchTemplateData={"InstanceType": "t3.nano"})
    ec2.delete_launch_template(LaunchTemplateName="gone")
    made["template"] = template

    # Instances: launched with a profile, stopped and started, terminated; one left pending.
    launched = ec2.run_instances(
        ImageId=ami,
        MinCount=3,
        MaxCount=3,
        InstanceType="t3.micro",
        KeyName="made",
        SecurityGroupIds=[group],
        IamInstanceProfile={"Name": "worker"},
        TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "app", "Value": "x"}]}],
    )["Instances"]
    ids = [i["InstanceId"] for i in launched]
    advance(server, 60)
    ec2.stop_instances(InstanceIds=[ids[1]])
    advance(server, 60)
    ec2.start_instances(InstanceIds=[ids[1]])
    ec2.terminate_instances(InstanceIds=[ids[2]])
    ec2.delete_tags(Resources=[ids[0]], Tags=[{"Key": "app"}])
    ec2.create_tags(Resources=[ids[0]], Tags=[{"Key": "role", "Value": "main"}])
    made["instances"] = ids

    # Elastic IPs and network interfaces: associated, attached with secondary addresses, permitted.
    address = ec2.allocate_address(Domain="vpc")["AllocationId"]
    ec2.associate_address(AllocationId=address, InstanceId=ids[0])
    ec2.modify_address_attribute(AllocationId=address, DomainName="www.example.com")
    spare_ip = ec2.allocate_address(Domain="vpc")["AllocationId"]
    ec2.release_address(AllocationId=spare_ip)
    interface = ec2.create_network_interface(SubnetId=launched[0]["SubnetId"], Description="side")[
        "NetworkInterface"
    ]["NetworkInterfaceId"]
    ec2.assign_private_ip_addresses(NetworkInterfaceId=interface, SecondaryPrivateIpAddressCount=1)
    ec2.attach_network_interface(NetworkInterfaceId=interface, InstanceId=ids[0], DeviceIndex=1)
    ec2.create_network_interface_permission(
        NetworkInterfaceId=interface, AwsAccountId=OTHER, Permission="INSTANCE-ATTACH"
    )
    made.update(address=address, interface=interface)

    # Volumes: created, attached, modified, detached; snapshots shared; images shared.
    zone = launched[0]["Placement"]["AvailabilityZone"]
    volume = ec2.create_volume(AvailabilityZone=zone, Size=10, VolumeType="gp3")["VolumeId"]
    ec2.describe_volumes(VolumeIds=[volume])  # runs the event that makes it available
    ec2.attach_volume(VolumeId=volume, InstanceId=ids[0], Device="/dev/sdf")
    ec2.modify_volume(VolumeId=volume, Size=20)
    ec2.describe_volumes(VolumeIds=[volume])
    ec2.detach_volume(VolumeId=volume)
    snapshot = ec2.create_snapshot(VolumeId=volume, Description="backup")["SnapshotId"]
    ec2.modify_snapshot_attribute(
        SnapshotId=snapshot, Attribute="createVolumePermission", OperationType="add", UserIds=[OTHER]
    )
    image = ec2.create_image(InstanceId=ids[0], Name="golden")["ImageId"]
    ec2.modify_image_attribute(ImageId=image, LaunchPermission={"Add": [{"UserId": OTHER}]})
    ec2.create_tags(
        Resources=[volume, snapshot, image],
        Tags=[{"Key": "kept", "Value": "yes"}, {"Key": "$type", "Value": "a tag key, not a marker"}],
    )
    made.update(volume=volume, snapshot=snapshot, image=image)

    # In-place changes of every kind: metadata options and attributes, profile associations,
    # public sharing, copies, deletions, rule revocations, another region.
    ec2.modify_instance_metadata_options(InstanceId=ids[0], HttpTokens="required")
    ec2.modify_instance_attribute(InstanceId=ids[1], DisableApiTermination={"Value": True})
    associations = ec2.describe_iam_instance_profile_associations(
        Filters=[{"Name": "instance-id", "Values": [ids[1]]}]
    )["IamInstanceProfileAssociations"]
    ec2.disassociate_iam_instance_profile(AssociationId=associations[0]["AssociationId"])
    copy = ec2.copy_image(SourceImageId=image, SourceRegion="us-east-1", Name="copy")["ImageId"]
    ec2.modify_image_attribute(ImageId=copy, LaunchPermission={"Add": [{"Group": "all"}]})
    copied = ec2.copy_snapshot(SourceSnapshotId=snapshot, SourceRegion="us-east-1")["SnapshotId"]
    ec2.modify_snapshot_attribute(
        SnapshotId=copied, Attribute="createVolumePermission", OperationType="add", GroupNames=["all"]
    )
    gone = ec2.create_snapshot(VolumeId=volume)["SnapshotId"]
    ec2.delete_snapshot(SnapshotId=gone)
    spare = ec2.create_volume(AvailabilityZone=zone, Size=1)["VolumeId"]
    ec2.delete_volume(VolumeId=spare)
    ec2.revoke_security_group_egress(
        GroupId=group,
        IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
    )
    unused = ec2.create_security_group(GroupName="unused", Description="unused")["GroupId"]
    ec2.delete_security_group(GroupId=unused)
    west = _west(server)
    west.create_key_pair(
        KeyName="west", TagSpecifications=[{"ResourceType": "key-pair", "Tags": [{"Key": "w", "Value": "1"}]}]
    )
    iam.detach_group_policy(GroupName="devs", PolicyArn=policy)
    iam.update_access_key(UserName="alice", AccessKeyId=made["key"]["AccessKeyId"], Status="Active")

    made.update(_routing_scenario(ec2, launched[0]["SubnetId"]))
    made.update(_vpc_scenario(ec2, west))
    made.update(_peering_scenario(server, ec2, made["vpc"], made["west_default"]))
    made.update(_endpoint_scenario(ec2, made))
    made.update(_lent_interface_scenario(server, ec2, launched[0]["SubnetId"]))

    # The last launch stays pending: its transition is a timeline event that must survive too.
    made["pending"] = ec2.run_instances(ImageId=ami, MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
    advance(server, 5)
    return made


def _west(server: Server) -> Any:
    return boto3.client(
        "ec2",
        region_name="eu-west-1",
        endpoint_url=server.api_url,
        aws_access_key_id=OWNER,
        aws_secret_access_key="x",
        config=_BOTO,
    )


def _vpc_scenario(ec2: Any, west: Any) -> dict[str, Any]:
    """VPCs and subnets: attributes, secondary and IPv6 blocks, and a default VPC made again."""
    vpc = ec2.create_vpc(
        CidrBlock="10.0.0.0/16",
        AmazonProvidedIpv6CidrBlock=True,
        TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "net", "Value": "app"}]}],
    )["Vpc"]
    ec2.modify_vpc_attribute(VpcId=vpc["VpcId"], EnableDnsHostnames={"Value": True})
    ec2.associate_vpc_cidr_block(VpcId=vpc["VpcId"], CidrBlock="10.1.0.0/16")
    dropped = ec2.associate_vpc_cidr_block(VpcId=vpc["VpcId"], CidrBlock="10.2.0.0/16")
    ec2.disassociate_vpc_cidr_block(AssociationId=dropped["CidrBlockAssociation"]["AssociationId"])
    block = vpc["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"].replace("00::/56", "00::/64")
    subnet = ec2.create_subnet(VpcId=vpc["VpcId"], CidrBlock="10.1.0.0/24", Ipv6CidrBlock=block)["Subnet"]
    ec2.modify_subnet_attribute(SubnetId=subnet["SubnetId"], MapPublicIpOnLaunch={"Value": True})
    delete_default_vpc(west)
    west_default = west.create_default_vpc()["Vpc"]["VpcId"]
    return {"vpc": vpc["VpcId"], "subnet": subnet["SubnetId"], "west_default": west_default}


def _peering_scenario(server: Server, ec2: Any, vpc: str, west_vpc: str) -> dict[str, Any]:
    """VPC peering, one server-wide record per connection: an active one with another account (tags
    and options on each side) and one to another region, still pending (its expiry on the timeline)."""
    other = client(server, "ec2", key=OTHER)
    peer_vpc = other.describe_vpcs()["Vpcs"][0]["VpcId"]
    tags = [{"ResourceType": "vpc-peering-connection", "Tags": [{"Key": "side", "Value": "requester"}]}]
    active = ec2.create_vpc_peering_connection(
        VpcId=vpc, PeerVpcId=peer_vpc, PeerOwnerId=OTHER, TagSpecifications=tags
    )["VpcPeeringConnection"]["VpcPeeringConnectionId"]
    other.describe_vpc_peering_connections()
    other.create_tags(Resources=[active], Tags=[{"Key": "side", "Value": "accepter"}])
    other.accept_vpc_peering_connection(VpcPeeringConnectionId=active)
    other.describe_vpc_peering_connections()
    other.modify_vpc_peering_connection_options(
        VpcPeeringConnectionId=active,
        AccepterPeeringConnectionOptions={"AllowDnsResolutionFromRemoteVpc": True},
    )
    pending = ec2.create_vpc_peering_connection(VpcId=vpc, PeerVpcId=west_vpc, PeerRegion="eu-west-1")
    return {"peering": active, "pending_peering": pending["VpcPeeringConnection"]["VpcPeeringConnectionId"]}


def _lent_interface_scenario(server: Server, ec2: Any, subnet: str) -> dict[str, Any]:
    """Network interface permissions used: the owner's interface attached to OTHER's instance, with
    OTHER's Elastic IP (server-wide indexes rebuilt from both accounts' records)."""
    other = client(server, "ec2", key=OTHER)
    lent = ec2.create_network_interface(SubnetId=subnet)["NetworkInterface"]
    for permission in ("INSTANCE-ATTACH", "EIP-ASSOCIATE"):
        ec2.create_network_interface_permission(
            NetworkInterfaceId=lent["NetworkInterfaceId"], AwsAccountId=OTHER, Permission=permission
        )
    image = other.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    placement = {"AvailabilityZone": lent["AvailabilityZone"]}
    instance = other.run_instances(ImageId=image, MinCount=1, MaxCount=1, Placement=placement)
    borrower = instance["Instances"][0]["InstanceId"]
    attachment = other.attach_network_interface(
        NetworkInterfaceId=lent["NetworkInterfaceId"], InstanceId=borrower, DeviceIndex=1
    )["AttachmentId"]
    address = other.allocate_address(Domain="vpc")["AllocationId"]
    other.associate_address(AllocationId=address, NetworkInterfaceId=lent["NetworkInterfaceId"])
    return {"lent": lent["NetworkInterfaceId"], "borrower": borrower, "lent_attachment": attachment}


def _check_lent_interface(server: Server, ec2: Any, made: dict[str, Any]) -> None:
    other = client(server, "ec2", key=OTHER)
    seen = ec2.describe_network_interfaces(NetworkInterfaceIds=[made["lent"]])["NetworkInterfaces"][0]
    assert (seen["Attachment"]["InstanceOwnerId"], seen["Association"]["IpOwnerId"]) == (OTHER, OTHER)
    found = other.describe_instances(InstanceIds=[made["borrower"]])["Reservations"][0]["Instances"][0]
    assert made["lent"] in [n["NetworkInterfaceId"] for n in found["NetworkInterfaces"]]
    other.detach_network_interface(AttachmentId=made["lent_attachment"])
    ec2.delete_network_interface(NetworkInterfaceId=made["lent"])
    assert "AssociationId" not in other.describe_addresses()["Addresses"][0]


def _check_peerings(server: Server, ec2: Any, made: dict[str, Any]) -> None:
    other = client(server, "ec2", key=OTHER)
    ids = {"VpcPeeringConnectionIds": [made["peering"]]}
    mine = ec2.describe_vpc_peering_connections(**ids)["VpcPeeringConnections"][0]
    theirs = other.describe_vpc_peering_connections(**ids)["VpcPeeringConnections"][0]
    assert mine["Status"]["Code"] == theirs["Status"]["Code"] == "active"
    assert mine["Tags"] == [{"Key": "side", "Value": "requester"}]
    assert theirs["Tags"] == [{"Key": "side", "Value": "accepter"}]
    assert theirs["AccepterVpcInfo"]["PeeringOptions"]["AllowDnsResolutionFromRemoteVpc"] is True
    tagged = other.describe_tags(Filters=[{"Name": "resource-id", "Values": [made["peering"]]}])["Tags"]
    assert [t["Value"] for t in tagged] == ["accepter"]  # the accepter's handle is back in its region
    west = _west(server).describe_vpc_peering_connections()["VpcPeeringConnections"]
    assert [(c["VpcPeeringConnectionId"], c["Status"]["Code"]) for c in west] == [
        (made["pending_peering"], "pending-acceptance")
    ]
    with aws_error("DependencyViolation", 400):  # the per-VPC index is back too
        ec2.delete_vpc(VpcId=made["vpc"])


def _endpoint_scenario(ec2: Any, made: dict[str, Any]) -> dict[str, Any]:
    """VPC endpoints: a gateway one routing S3 from a route table (tagged, with its own policy) and
    an interface one with private DNS."""
    policy = '{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}]}'
    gateway = ec2.create_vpc_endpoint(
        VpcId=made["routing_vpc"],
        ServiceName="com.amazonaws.us-east-1.s3",
        RouteTableIds=[made["route_table"]],
        PolicyDocument=policy,
        TagSpecifications=[{"ResourceType": "vpc-endpoint", "Tags": [{"Key": "via", "Value": "s3"}]}],
    )["VpcEndpoint"]["VpcEndpointId"]
    interface = ec2.create_vpc_endpoint(
        VpcId=made["vpc"],
        ServiceName="com.amazonaws.us-east-1.ec2",
        VpcEndpointType="Interface",
        SubnetIds=[made["subnet"]],
    )["VpcEndpoint"]["VpcEndpointId"]
    return {"gateway_endpoint": gateway, "interface_endpoint": interface, "endpoint_policy": policy}


def _check_endpoints(ec2: Any, made: dict[str, Any]) -> None:
    gateway, interface = made["gateway_endpoint"], made["interface_endpoint"]
    found = {e["VpcEndpointId"]: e for e in ec2.describe_vpc_endpoints()["VpcEndpoints"]}
    assert found[gateway]["Tags"] == [{"Key": "via", "Value": "s3"}]
    assert found[gateway]["PolicyDocument"] == made["endpoint_policy"]
    assert found[gateway]["RouteTableIds"] == [made["route_table"]]
    assert found[interface]["PrivateDnsEnabled"] is True and found[interface]["State"] == "available"
    table = ec2.describe_route_tables(RouteTableIds=[made["route_table"]])["RouteTables"][0]
    assert any(r.get("GatewayId") == gateway and r["State"] == "active" for r in table["Routes"])
    with aws_error("DependencyViolation", 400):  # the endpoint keeps its subnet
        ec2.delete_subnet(SubnetId=made["subnet"])
    [eni] = found[interface]["NetworkInterfaceIds"]  # its requester-managed interface is back
    described = ec2.describe_network_interfaces(NetworkInterfaceIds=[eni])["NetworkInterfaces"][0]
    assert described["InterfaceType"] == "vpc_endpoint" and described["SubnetId"] == made["subnet"]

    def through(request: Any, **_: Any) -> None:
        request.headers["X-Ec2sim-Source-Vpce"] = interface

    ec2.meta.events.register("before-sign", through)
    try:  # the server-wide index of endpoints is back too
        assert ec2.describe_vpc_endpoints(VpcEndpointIds=[interface])["VpcEndpoints"]
    finally:
        ec2.meta.events.unregister("before-sign", through)


def _check_vpcs(ec2: Any, west: Any, made: dict[str, Any]) -> None:
    vpc = ec2.describe_vpcs(VpcIds=[made["vpc"]])["Vpcs"][0]
    assert [a["CidrBlock"] for a in vpc["CidrBlockAssociationSet"]] == ["10.0.0.0/16", "10.1.0.0/16"]
    assert vpc["Tags"] == [{"Key": "net", "Value": "app"}] and vpc["Ipv6CidrBlockAssociationSet"]
    hostnames = ec2.describe_vpc_attribute(VpcId=made["vpc"], Attribute="enableDnsHostnames")
    assert hostnames["EnableDnsHostnames"] == {"Value": True}
    subnet = ec2.describe_subnets(SubnetIds=[made["subnet"]])["Subnets"][0]
    assert subnet["MapPublicIpOnLaunch"] is True and subnet["Ipv6CidrBlockAssociationSet"]
    association = subnet["Ipv6CidrBlockAssociationSet"][0]["AssociationId"]
    ec2.disassociate_subnet_cidr_block(AssociationId=association)  # the association index is back too
    attributes = west.describe_account_attributes(AttributeNames=["default-vpc"])["AccountAttributes"]
    assert attributes[0]["AttributeValues"] == [{"AttributeValue": made["west_default"]}]


def _routing_scenario(ec2: Any, subnet: str) -> dict[str, Any]:
    """Gateways and routing: gateways, a NAT gateway (deleted: its hour of retention is a timeline
    event), a route table with routes and an association, an ACL with entries, DHCP options."""
    vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    igw = ec2.create_internet_gateway(
        TagSpecifications=[{"ResourceType": "internet-gateway", "Tags": [{"Key": "n", "Value": "1"}]}]
    )["InternetGateway"]["InternetGatewayId"]
    nat = ec2.create_nat_gateway(SubnetId=subnet, ConnectivityType="private")["NatGateway"]["NatGatewayId"]
    gone_nat = ec2.create_nat_gateway(SubnetId=subnet, ConnectivityType="private")["NatGateway"][
        "NatGatewayId"
    ]
    ec2.delete_nat_gateway(NatGatewayId=gone_nat)
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="10.0.0.0/8", NatGatewayId=nat)
    ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
    acl = ec2.create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"]
    ec2.create_network_acl_entry(
        NetworkAclId=acl, RuleNumber=7, Protocol="-1", RuleAction="allow", Egress=True, CidrBlock="0.0.0.0/0"
    )
    association = ec2.describe_network_acls(Filters=[{"Name": "association.subnet-id", "Values": [subnet]}])[
        "NetworkAcls"
    ][0]["Associations"]
    ec2.replace_network_acl_association(
        AssociationId=next(a for a in association if a["SubnetId"] == subnet)["NetworkAclAssociationId"],
        NetworkAclId=acl,
    )
    options = ec2.create_dhcp_options(DhcpConfigurations=[{"Key": "domain-name", "Values": ["corp"]}])
    ec2.associate_dhcp_options(DhcpOptionsId=options["DhcpOptions"]["DhcpOptionsId"], VpcId=vpc)
    return {
        "igw": igw,
        "nat": nat,
        "gone_nat": gone_nat,
        "route_table": table,
        "acl": acl,
        "routing_subnet": subnet,
        "routing_vpc": vpc,
        "dopt": options["DhcpOptions"]["DhcpOptionsId"],
    }


def _check_routing(ec2: Any, made: dict[str, Any]) -> None:
    assert ec2.describe_internet_gateways(InternetGatewayIds=[made["igw"]])["InternetGateways"][0]["Tags"]
    routes = ec2.describe_route_tables(RouteTableIds=[made["route_table"]])["RouteTables"][0]
    assert routes["Routes"][1]["NatGatewayId"] == made["nat"] and routes["Associations"][0]["SubnetId"]
    acl = ec2.describe_network_acls(NetworkAclIds=[made["acl"]])["NetworkAcls"][0]
    assert [a["SubnetId"] for a in acl["Associations"]] == [made["routing_subnet"]] and len(
        acl["Entries"]
    ) == 3
    nat = ec2.describe_nat_gateways(NatGatewayIds=[made["nat"]])["NatGateways"][0]
    assert nat["State"] == "available"
    eni = nat["NatGatewayAddresses"][0]["NetworkInterfaceId"]
    described = ec2.describe_network_interfaces(NetworkInterfaceIds=[eni])["NetworkInterfaces"][0]
    assert (
        described["RequesterManaged"]
        and described["PrivateIpAddress"] == nat["NatGatewayAddresses"][0]["PrivateIp"]
    )
    vpc = ec2.describe_vpcs(VpcIds=[made["routing_vpc"]])["Vpcs"][0]
    assert vpc["DhcpOptionsId"] == made["dopt"]


def check_restored(server: Server, made: dict[str, Any]) -> None:
    """What the scenario made, as boto3 sees it after a restart."""
    ec2, iam = client(server, "ec2"), client(server, "iam")
    ids = made["instances"]
    states = {
        i["InstanceId"]: i["State"]["Name"]
        for r in ec2.describe_instances(InstanceIds=ids)["Reservations"]
        for i in r["Instances"]
    }
    assert states == {ids[0]: "running", ids[1]: "running", ids[2]: "terminated"}
    first = ec2.describe_instances(InstanceIds=[ids[0]])["Reservations"][0]["Instances"][0]
    assert {t["Key"]: t["Value"] for t in first["Tags"]} == {"role": "main"}
    assert first["IamInstanceProfile"]["Arn"].endswith(":instance-profile/worker")
    address = ec2.describe_addresses(AllocationIds=[made["address"]])["Addresses"][0]
    assert address["InstanceId"] == ids[0] and first["PublicIpAddress"] == address["PublicIp"]
    assert [n["NetworkInterfaceId"] for n in first["NetworkInterfaces"]][1:] == [made["interface"]]
    assert first["KeyName"] == "made"
    assert {p["KeyName"] for p in ec2.describe_key_pairs()["KeyPairs"]} == {"made", "imported"}
    templates = ec2.describe_launch_templates()["LaunchTemplates"]
    assert [
        (t["LaunchTemplateId"], t["DefaultVersionNumber"], t["LatestVersionNumber"]) for t in templates
    ] == [(made["template"], 2, 2)]
    assert templates[0]["Tags"] == [{"Key": "tier", "Value": "app"}]
    versions = ec2.describe_launch_template_versions(LaunchTemplateId=made["template"])[
        "LaunchTemplateVersions"
    ]
    assert [(v["VersionNumber"], v["LaunchTemplateData"].get("InstanceType")) for v in versions] == [
        (2, "t3.small"),
        (1, None),
    ]
    assert versions[0]["LaunchTemplateData"]["SecurityGroupIds"] == [made["group"]]
    group = ec2.describe_security_groups(GroupIds=[made["group"]])["SecurityGroups"][0]
    assert group["IpPermissions"][0]["FromPort"] == 443 and group["Tags"] == [{"Key": "tier", "Value": "web"}]
    [rule] = ec2.describe_security_group_rules(SecurityGroupRuleIds=[made["rule"]])["SecurityGroupRules"]
    assert (rule["PrefixListId"], rule["Description"]) == (made["prefix_list"], "corp")
    plist = ec2.describe_managed_prefix_lists(PrefixListIds=[made["prefix_list"]])["PrefixLists"][0]
    assert (plist["Version"], plist["State"], plist["Tags"]) == (
        3,
        "restore-complete",
        [{"Key": "net", "Value": "corp"}],
    )
    entries = ec2.get_managed_prefix_list_entries(PrefixListId=made["prefix_list"], TargetVersion=2)[
        "Entries"
    ]
    assert [e["Cidr"] for e in entries] == ["10.0.0.0/16", "10.1.0.0/16"]
    associations = ec2.get_managed_prefix_list_associations(PrefixListId=made["prefix_list"])
    assert [a["ResourceId"] for a in associations["PrefixListAssociations"]] == [made["group"]]
    volume = ec2.describe_volumes(VolumeIds=[made["volume"]])["Volumes"][0]
    assert (volume["Size"], volume["State"]) == (20, "available")
    permissions = ec2.describe_snapshot_attribute(
        SnapshotId=made["snapshot"], Attribute="createVolumePermission"
    )
    assert permissions["CreateVolumePermissions"] == [{"UserId": OTHER}]
    launch = ec2.describe_image_attribute(ImageId=made["image"], Attribute="launchPermission")
    assert launch["LaunchPermissions"] == [{"UserId": OTHER}]
    other = client(server, "ec2", key=OTHER)
    assert other.describe_images(ImageIds=[made["image"]])["Images"][0]["Name"] == "golden"
    assert iam.get_user(UserName="alice")["User"]["PermissionsBoundary"]["PermissionsBoundaryArn"]
    assert [g["GroupName"] for g in iam.list_groups_for_user(UserName="alice")["Groups"]] == ["devs"]
    profile = iam.get_instance_profile(InstanceProfileName="worker")["InstanceProfile"]
    assert [r["RoleName"] for r in profile["Roles"]] == ["worker"]
    assert iam.list_account_aliases()["AccountAliases"] == ["durable"]
    _check_vpcs(ec2, _west(server), made)
    _check_routing(ec2, made)
    _check_peerings(server, ec2, made)
    _check_endpoints(ec2, made)
    _check_lent_interface(server, ec2, made)
    # Keys and sessions issued before the restart still sign requests.
    key = made["key"]
    who = client(server, "sts", key["AccessKeyId"], key["SecretAccessKey"]).get_caller_identity()
    assert who["Arn"] == f"arn:aws:iam::{OWNER}:user/alice"
    session = made["session"]
    assumed = client(
        server, "sts", session["AccessKeyId"], session["SecretAccessKey"], session["SessionToken"]
    ).get_caller_identity()
    assert assumed["Arn"] == f"arn:aws:sts::{OWNER}:assumed-role/worker/durable"


def restart_from(state_dir: Path, source: str) -> None:
    """Make the next start read the snapshot the last stop wrote, or (without it) the rows."""
    assert (state_dir / SNAPSHOT).is_file()
    if source == "rows":
        (state_dir / SNAPSHOT).unlink()


@pytest.mark.parametrize("source", ["snapshot", "rows"])
def test_a_restart_restores_everything(state_dir: Path, source: str) -> None:
    with serve(state_dir, instance_start_seconds=30, instance_stop_seconds=10) as first:
        made = scenario(first)
        before = export(first)
        offset = first.store.clock.offset_seconds
    assert before["timeline"], "the pending launch is still on the timeline"
    restart_from(state_dir, source)
    with serve(state_dir, instance_start_seconds=30, instance_stop_seconds=10) as second:
        assert second.state is not None and second.state.from_snapshot == (source == "snapshot")
        after = export(second)
        assert second.store.clock.offset_seconds == offset
        for part in before:
            assert after[part] == before[part], part
        advance(second, 60)  # the pending launch settles after the restart
        check_restored(second, made)
        ec2 = client(second, "ec2")
        pending = ec2.describe_instances(InstanceIds=[made["pending"]])["Reservations"][0]["Instances"][0]
        assert pending["State"]["Name"] == "running"
        assert (
            ec2.describe_nat_gateways(NatGatewayIds=[made["gone_nat"]])["NatGateways"][0]["State"]
            == "deleted"
        )
        advance(second, 3600)  # the terminated instance's (and the deleted NAT gateway's) hour of retention
        with aws_error("InvalidInstanceID.NotFound", 400):
            ec2.describe_instances(InstanceIds=[made["instances"][2]])
        with aws_error("NatGatewayNotFound", 400):
            ec2.describe_nat_gateways(NatGatewayIds=[made["gone_nat"]])


def test_export_then_import_round_trips(state_dir: Path) -> None:
    with serve(None) as source:
        made = scenario(source)
        document = export(source)
    with serve(state_dir) as target:
        client(target, "iam").create_user(UserName="replaced")
        response = requests.post(f"{target.api_url}/_ec2sim/state", json=document, timeout=30)
        assert response.status_code == 200, response.text
        assert export(target) == document
        with aws_error("NoSuchEntity", 404):
            client(target, "iam").get_user(UserName="replaced")
    with serve(state_dir) as restarted:  # the import was saved
        assert export(restarted) == document
        advance(restarted, 60)
        check_restored(restarted, made)


def _broken(document: dict[str, Any], where: str) -> dict[str, Any]:
    broken = json.loads(json.dumps(document))
    if where == "format":
        broken["format"] = "something-else"
    elif where == "unknown-type":
        broken["iam"][1]["$type"] = "DropDatabase"
    elif where == "bad-field":
        broken["ec2"][0]["item"]["cidr_block"] = 42
    elif where == "unknown-field":
        broken["ec2"][0]["item"]["surprise"] = True
    elif where == "bad-timestamp":
        broken["iam"][0]["at"] = {"$dt": "yesterday"}
    elif where == "change-that-does-not-apply":  # a member for a group that doesn't exist
        at = broken["iam"][0]["at"]
        change = {"account_id": OWNER, "at": at, "user": "kept", "group": "nobody", "member": True}
        broken["iam"].append({"$type": "SetGroupMembership", **change})
    elif where == "duplicate-resource":
        broken["ec2"].append(broken["ec2"][0])
    elif where == "unknown-event":
        broken["timeline"] = [{"at": broken["iam"][0]["at"], "kind": "rm -rf", "args": []}]
    elif where == "clock":
        broken["clock_offset_seconds"] = -5
    return broken


@pytest.mark.parametrize(
    "where",
    [
        "format",
        "unknown-type",
        "bad-field",
        "unknown-field",
        "bad-timestamp",
        "change-that-does-not-apply",
        "duplicate-resource",
        "unknown-event",
        "clock",
    ],
)
def test_a_bad_import_is_refused_and_changes_nothing(where: str) -> None:
    with serve(None) as server:
        ec2 = client(server, "ec2")
        ec2.create_key_pair(KeyName="kept")
        client(server, "iam").create_user(UserName="kept")
        before = export(server)
        response = requests.post(f"{server.api_url}/_ec2sim/state", json=_broken(before, where), timeout=10)
        assert response.status_code == 400, response.text
        assert response.json()["error"].startswith("invalid state: ")
        assert export(server) == before


@pytest.mark.parametrize("body", [b"", b"not json", b"[1, 2]", b'{"format": "ec2sim-state"}'])
def test_an_import_that_is_no_state_document_is_a_400(body: bytes) -> None:
    with serve(None) as server:
        before = export(server)
        response = requests.post(f"{server.api_url}/_ec2sim/state", data=body, timeout=10)
        assert response.status_code == 400
        assert "error" in response.json()
        assert export(server) == before


def test_a_second_server_on_the_same_directory_is_refused(state_dir: Path) -> None:
    with serve(state_dir):
        with pytest.raises(StateDirError, match=r"in use by another ec2sim \(pid \d+\)"):
            serve(state_dir)
    with serve(state_dir):  # the first one's lock went with it
        pass


def test_reads_write_nothing_and_writes_are_saved_before_the_answer(state_dir: Path) -> None:
    with serve(state_dir) as server:
        made = scenario(server)
        ec2, iam = client(server, "ec2"), client(server, "iam")
        ids, image, volume = made["instances"], made["image"], made["volume"]
        advance(server, 60)  # every pending change is done: reads find nothing due
        assert server.state is not None
        database = server.state.db
        writes = database.total_changes
        reads = [
            lambda: ec2.describe_instances(),
            lambda: ec2.describe_instance_status(IncludeAllInstances=True),
            lambda: ec2.describe_instance_attribute(InstanceId=ids[0], Attribute="userData"),
            lambda: ec2.describe_iam_instance_profile_associations(),
            lambda: ec2.describe_key_pairs(),
            lambda: ec2.describe_security_groups(),
            lambda: ec2.describe_security_group_rules(),
            lambda: ec2.describe_volumes(),
            lambda: ec2.describe_volumes_modifications(VolumeIds=[volume]),
            lambda: ec2.describe_snapshots(OwnerIds=["self"]),
            lambda: ec2.describe_snapshot_attribute(
                SnapshotId=made["snapshot"], Attribute="createVolumePermission"
            ),
            lambda: ec2.describe_images(Owners=["self"]),
            lambda: ec2.describe_image_attribute(ImageId=image, Attribute="launchPermission"),
            lambda: ec2.describe_tags(),
            lambda: ec2.describe_vpcs(),
            lambda: ec2.describe_subnets(),
            lambda: ec2.describe_network_interfaces(),
            lambda: ec2.describe_addresses(),
            lambda: ec2.describe_addresses_attribute(Attribute="domain-name"),
            lambda: ec2.describe_network_interface_permissions(),
            lambda: iam.list_users(),
            lambda: iam.get_user(UserName="alice"),
            lambda: iam.get_account_authorization_details(),
            lambda: iam.list_roles(),
            lambda: iam.get_instance_profile(InstanceProfileName="worker"),
            lambda: client(server, "sts").get_caller_identity(),
        ]
        for read in reads:
            read()
        with aws_error("InvalidKeyPair.Duplicate", 400):  # a failed write writes nothing either
            ec2.create_key_pair(KeyName="made")
        assert database.total_changes == writes
        ec2.create_tags(Resources=[ids[0]], Tags=[{"Key": "one", "Value": "more"}])
        assert database.total_changes > writes


def test_a_reset_clears_the_saved_state(state_dir: Path) -> None:
    with serve(state_dir) as server:
        client(server, "iam").create_user(UserName="gone")
        advance(server, 100)
        requests.post(f"{server.api_url}/_ec2sim/reset", timeout=5).raise_for_status()
        client(server, "ec2").create_key_pair(KeyName="after-reset")
    with serve(state_dir) as server:
        assert server.store.clock.offset_seconds == 0
        with aws_error("NoSuchEntity", 404):
            client(server, "iam").get_user(UserName="gone")
        assert [k["KeyName"] for k in client(server, "ec2").describe_key_pairs()["KeyPairs"]] == [
            "after-reset"
        ]


@pytest.fixture
def no_state() -> Iterator[Server]:
    with serve(None) as server:
        yield server


def test_without_a_state_directory_the_store_is_not_durable(no_state: Server) -> None:
    assert no_state.state is None and no_state.store.tracker is None
    client(no_state, "ec2").create_key_pair(KeyName="k")
    assert export(no_state)["ec2"]


def test_instance_role_credentials_survive_a_restart(state_dir: Path) -> None:
    def role_credentials(server: Server, instance_id: str) -> dict[str, Any]:
        base = f"{server.imds_url}/{instance_id}/latest"
        token = requests.put(
            f"{base}/api/token", headers={"X-aws-ec2-metadata-token-ttl-seconds": "60"}, timeout=5
        ).text
        url = f"{base}/meta-data/iam/security-credentials/worker"
        response = requests.get(url, headers={"X-aws-ec2-metadata-token": token}, timeout=5)
        assert response.status_code == 200, response.text
        return response.json()

    with serve(state_dir) as first:
        ec2, iam = client(first, "ec2"), client(first, "iam")
        iam.create_role(RoleName="worker", AssumeRolePolicyDocument=_TRUST)
        iam.create_instance_profile(InstanceProfileName="worker")
        iam.add_role_to_instance_profile(InstanceProfileName="worker", RoleName="worker")
        ami = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
        instance_id = ec2.run_instances(
            ImageId=ami, MinCount=1, MaxCount=1, IamInstanceProfile={"Name": "worker"}
        )["Instances"][0]["InstanceId"]
        ec2.describe_instances()
        before = role_credentials(first, instance_id)
    with serve(state_dir) as second:
        after = role_credentials(second, instance_id)
        assert after["AccessKeyId"] == before["AccessKeyId"]
        sts = client(second, "sts", after["AccessKeyId"], after["SecretAccessKey"], after["Token"])
        assert sts.get_caller_identity()["Arn"] == f"arn:aws:sts::{OWNER}:assumed-role/worker/{instance_id}"


def test_a_state_directory_that_cannot_be_used_is_refused(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a directory")
    with pytest.raises(StateDirError, match="cannot use state directory"):
        serve(tmp_path / "file")
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "ec2sim.sqlite").write_bytes(b"not a database" * 100)
    with pytest.raises(StateDirError, match="ec2sim.sqlite"):
        serve(tmp_path / "broken")
    with serve(tmp_path / "broken" / "later"):  # the refusals held no lock
        pass


def test_every_class_the_state_holds_has_a_name_of_its_own() -> None:
    """The codec names classes without their module: two store dataclasses of one name would clash."""
    CODEC._refresh()
    assert {"Instance", "SecurityGroup", "IssueCredential", "RoleSession", "BlockDevice"} <= set(
        CODEC.classes
    )


def test_the_servers_own_keys_survive_restarts_and_resets(state_dir: Path) -> None:
    """The built-in OIDC issuer's and SAML IdP's keys (made on first use) are kept, so what they
    signed before a restart stays verifiable; a reset keeps them too."""
    from ec2sim.store.iam.saml import IdpKeys

    keys = IdpKeys(key_pem="-----BEGIN PRIVATE KEY-----...", certificate_pem="-----BEGIN CERTIFICATE-----...")
    with serve(state_dir) as first:
        with first.store.lock:
            first.store.saml_idp = keys
            first.store.oidc_signing_key = "-----BEGIN PRIVATE KEY-----oidc"
        client(first, "iam").create_user(UserName="u")  # any request saves what changed
        requests.post(f"{first.api_url}/_ec2sim/reset", timeout=5).raise_for_status()
    with serve(state_dir) as second:
        assert second.store.saml_idp == keys
        assert second.store.oidc_signing_key == "-----BEGIN PRIVATE KEY-----oidc"
        assert "saml_idp" not in json.dumps(export(second))


@pytest.mark.parametrize("source", ["snapshot", "rows"])
def test_the_iam_journal_story_survives_a_restart(state_dir: Path, source: str) -> None:
    """Every kind of IAM change (the journal test's story), saved and replayed at the next start
    (or, from the snapshot, as it was)."""
    from tests.test_iam_journal import _scenario, iam_state

    with serve(state_dir) as first:
        _scenario(first)
        with first.store.lock:
            before = iam_state(first.store)
    restart_from(state_dir, source)
    with serve(state_dir) as second, second.store.lock:
        after = iam_state(second.store)
    for part in before:
        assert after[part] == before[part], part


@pytest.mark.parametrize("source", ["snapshot", "rows"])
def test_keys_last_uses_are_saved_when_the_server_stops(state_dir: Path, source: str) -> None:
    with serve(state_dir) as first:
        iam = client(first, "iam")
        iam.create_user(UserName="user")
        key = iam.create_access_key(UserName="user")["AccessKey"]
        client(first, "sts", key["AccessKeyId"], key["SecretAccessKey"]).get_caller_identity()
        used = iam.get_access_key_last_used(AccessKeyId=key["AccessKeyId"])["AccessKeyLastUsed"]
        assert used["ServiceName"] == "sts"
    restart_from(state_dir, source)
    with serve(state_dir) as second:
        again = client(second, "iam").get_access_key_last_used(AccessKeyId=key["AccessKeyId"])
        assert again["AccessKeyLastUsed"] == used


def test_a_seed_is_applied_to_an_empty_state_directory_only(state_dir: Path) -> None:
    """Restored state wins over the seed (applying it again would find its ids taken); a reset
    goes back to the seeded state, saved."""
    from ec2sim.seed.loader import load_seed
    from tests.test_seed import ALICE, ROOT_KEY, WALKTHROUGH, seed_config

    config = seed_config(state_dir=str(state_dir))
    seed = load_seed(str(WALKTHROUGH), config)

    def alice(server: Server) -> str:
        return str(client(server, "sts", *ALICE).get_caller_identity()["Arn"])

    with Server(config, seed=seed) as first:
        arn = alice(first)
        client(first, "iam", *ROOT_KEY).create_user(UserName="added")
        before = export(first)
    with Server(config, seed=seed) as second:
        assert export(second) == before
        assert alice(second) == arn
        requests.post(f"{second.api_url}/_ec2sim/reset", timeout=5).raise_for_status()
    with Server(config, seed=seed) as third:
        assert alice(third) == arn
        with aws_error("NoSuchEntity", 404):
            client(third, "iam", *ROOT_KEY).get_user(UserName="added")
