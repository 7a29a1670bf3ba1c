"""One descriptor per resource type: the only place an ARN is formatted or parsed.

A `ResourceType` names a type as the Service Authorization Reference does (``instance``,
``security-group``, IAM's ``instance-profile``...) and says how to find, name and describe
its resources: the id prefixes, the ARN (images and snapshots carry no account; IAM ARNs carry
a path), the NotFound error's code and message (strings: the api layer raises them), where
tagging finds it (the `Ec2Region` table) and the condition keys its fields contribute.

The key functions read fields by name (the store's classes import this module, so it imports
none of them).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

Keys = dict[str, "str | Sequence[str]"]
AMAZON_ALIAS = "amazon"
AWS_OWNER = "AWS"  # the owner id of AWS-managed resources (prefix lists)
AWS_ACCOUNT = "aws"  # what their ARNs carry for the account


def flag(value: bool) -> str:
    """Booleans as condition keys carry them."""
    return "true" if value else "false"


@dataclass(frozen=True)
class ResourceType:
    service: str  # "ec2" | "iam"
    name: str  # the SAR's resource type name, which EC2 ARNs also carry
    prefixes: tuple[str, ...] = ()  # EC2 id prefixes (``i`` of ``i-0123...``)
    accountless: bool = False  # shareable across accounts: no account in the ARN
    table: str = ""  # the `Ec2Region` (or `IamAccount`) attribute holding them
    not_found: tuple[str, str] = ("", "")  # error code, message with {id}
    taggable: bool = True
    keys: Callable[[Any, str, str], Keys] | None = None  # (resource, region, account) → its keys
    arn_field: str = "id"  # what names a resource in its ARN (a key pair's name)
    id_filter: str = ""  # the Describe filter on its id (``instance-id``; a security group's ``group-id``)
    owned: bool = False  # its ARN names its owner (`owner_id`; ``aws`` for AWS's own), not the caller

    def arn(self, region: str, account: str, name: str, path: str = "/") -> str:
        """``arn:aws:ec2:REGION:ACCOUNT:TYPE/NAME``; IAM: ``arn:aws:iam::ACCOUNT:TYPE/PATH/NAME``."""
        if self.service == "iam":
            return f"arn:aws:iam::{account}:{self.name}{path}{name}"
        return f"arn:aws:ec2:{region}:{'' if self.accountless else account}:{self.name}/{name}"

    def resource_arn(self, resource: Any, region: str, account: str) -> str:
        """A stored resource's ARN: account-less types in their own region."""
        own_region = resource.region if self.accountless else region
        if self.owned:
            account = AWS_ACCOUNT if resource.owner_id == AWS_OWNER else resource.owner_id
        return self.arn(own_region, account, getattr(resource, self.arn_field))

    def not_found_message(self, resource_id: str) -> tuple[str, str]:
        code, template = self.not_found
        return code, template.format(id=resource_id)

    def condition_keys(self, resource: Any, region: str, account: str) -> Keys:
        """The keys the resource's own fields contribute (its tags are the caller's to add)."""
        return self.keys(resource, region, account) if self.keys is not None else {}


# ARNs of principals and of the one KMS key ec2sim names: not resource types of their own here,
# but spelled in this module too, so no other module writes an ARN.


def root_arn(account: str) -> str:
    """The account's root user: ``arn:aws:iam::ACCOUNT:root``."""
    return f"arn:aws:iam::{account}:root"


def assumed_role_arn(account: str, role_name: str, session_name: str) -> str:
    """A role session (STS writes no role path in it): ``arn:aws:sts::ACCOUNT:assumed-role/R/S``."""
    return f"arn:aws:sts::{account}:assumed-role/{role_name}/{session_name}"


def federated_user_arn(account: str, name: str) -> str:
    """A GetFederationToken session: ``arn:aws:sts::ACCOUNT:federated-user/NAME``."""
    return f"arn:aws:sts::{account}:federated-user/{name}"


def kms_alias_arn(region: str, account: str, alias: str) -> str:
    """``arn:aws:kms:REGION:ACCOUNT:alias/ALIAS``."""
    return f"arn:aws:kms:{region}:{account}:alias/{alias}"


@dataclass(frozen=True)
class Arn:
    service: str
    region: str
    account: str
    resource: str  # everything after the account: ``instance/i-0123``, ``role/path/name``
    resource_type: str
    name: str  # the id (IAM: the name, the path stripped)
    path: str = ""  # IAM's path, ``/`` at both ends


def parse_arn(arn: str) -> Arn | None:
    """An ARN's parts (None: not an ARN); the type is what precedes the first ``/`` (or ``:``)."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        return None
    _, _, service, region, account, resource = parts
    kind, _, rest = resource.partition("/")
    if service == "iam" and rest:
        path, _, name = ("/" + rest).rpartition("/")
        return Arn(service, region, account, resource, kind, name, path + "/")
    return Arn(service, region, account, resource, kind, rest)


# Condition keys ------------------------------------------------------------------------------


def owner_key(owner_id: str, alias: str | None) -> str:
    """ec2:Owner: "amazon" for Amazon's images and snapshots, else the owner's account id."""
    return AMAZON_ALIAS if alias == AMAZON_ALIAS else owner_id


def _instance_keys(instance: Any, region: str, account: str) -> Keys:
    options = instance.metadata_options
    keys: Keys = {
        "ec2:InstanceID": instance.id,
        "ec2:InstanceType": instance.instance_type,
        "ec2:AvailabilityZone": instance.availability_zone,
        "ec2:Tenancy": instance.tenancy,
        "ec2:RootDeviceType": instance.root_device_type,
        "ec2:EbsOptimized": flag(instance.ebs_optimized),
        "ec2:MetadataHttpTokens": options["HttpTokens"],
        "ec2:MetadataHttpEndpoint": options["HttpEndpoint"],
        "ec2:MetadataHttpPutResponseHopLimit": str(options["HttpPutResponseHopLimit"]),
        "ec2:InstanceMetadataTags": options["InstanceMetadataTags"],
    }
    if instance.iam_profile is not None:
        keys["ec2:InstanceProfile"] = instance.iam_profile.profile_arn
    return keys


def _volume_keys(volume: Any, region: str, account: str) -> Keys:
    keys: Keys = {
        "ec2:VolumeID": volume.id,
        "ec2:AvailabilityZone": volume.availability_zone,
        "ec2:Encrypted": flag(volume.encrypted),
        "ec2:VolumeType": volume.volume_type,
        "ec2:VolumeSize": str(volume.size),
    }
    if volume.iops is not None:
        keys["ec2:VolumeIops"] = str(volume.iops)
    if volume.throughput is not None:
        keys["ec2:VolumeThroughput"] = str(volume.throughput)
    if volume.snapshot_id:
        keys["ec2:ParentSnapshot"] = SNAPSHOT.arn(region, account, volume.snapshot_id)
    return keys


def _snapshot_keys(snapshot: Any, region: str, account: str) -> Keys:
    return {
        "ec2:SnapshotID": snapshot.id,
        "ec2:Owner": owner_key(snapshot.owner_id, snapshot.owner_alias),
        "ec2:Encrypted": flag(snapshot.encrypted),
        "ec2:VolumeSize": str(snapshot.volume_size),
        "ec2:SnapshotTime": snapshot.start_time.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "ec2:ParentVolume": VOLUME.arn(snapshot.region, snapshot.owner_id, snapshot.volume_id),
    }


def _image_keys(image: Any, region: str, account: str) -> Keys:
    return {
        "ec2:ImageID": image.id,
        "ec2:Owner": owner_key(image.owner_id, image.image_owner_alias),
        "ec2:Public": flag(image.public),
        "ec2:ImageType": image.image_type,
        "ec2:RootDeviceType": image.root_device_type,
    }


def _subnet_keys(subnet: Any, region: str, account: str) -> Keys:
    return {
        "ec2:SubnetID": subnet.id,
        "ec2:Vpc": VPC.arn(region, account, subnet.vpc_id),
        "ec2:AvailabilityZone": subnet.availability_zone,
        "ec2:AvailabilityZoneId": subnet.availability_zone_id,
    }


def _group_keys(group: Any, region: str, account: str) -> Keys:
    return {"ec2:SecurityGroupID": group.id, "ec2:Vpc": VPC.arn(region, account, group.vpc_id)}


def _vpc_keys(vpc: Any, region: str, account: str) -> Keys:
    return {"ec2:VpcID": vpc.id, "ec2:Tenancy": vpc.instance_tenancy}


def _key_pair_keys(key: Any, region: str, account: str) -> Keys:
    return {"ec2:KeyPairName": key.name, "ec2:KeyPairType": key.key_type}


def _interface_keys(interface: Any, region: str, account: str) -> Keys:
    """Its subnet and VPC are its owner's (another account's, to a network interface permission's
    grantee)."""
    return {
        "ec2:NetworkInterfaceID": interface.id,
        "ec2:AvailabilityZone": interface.availability_zone,
        "ec2:Subnet": SUBNET.arn(region, interface.owner_id, interface.subnet_id),
        "ec2:Vpc": VPC.arn(region, interface.owner_id, interface.vpc_id),
    }


def _vpc_key(resource: Any, region: str, account: str) -> Keys:
    return {"ec2:Vpc": VPC.arn(region, account, resource.vpc_id)}


def _id_keys(key: str, with_vpc: bool = False) -> Callable[[Any, str, str], Keys]:
    """Keys of a gateway or routing resource: its id as `key` (ec2:RouteTableID...), and ec2:Vpc."""

    def keys(resource: Any, region: str, account: str) -> Keys:
        found: Keys = {key: resource.id} if key else {}
        return {**found, **_vpc_key(resource, region, account)} if with_vpc else found

    return keys


def _endpoint_keys(endpoint: Any, region: str, account: str) -> Keys:
    """An endpoint's service (AWS's own, in the endpoint's region) and VPC."""
    return {
        "ec2:VpceServiceName": endpoint.service_name,
        "ec2:VpceServiceOwner": "amazon",
        "ec2:VpceServiceRegion": region,
        "ec2:VpceMultiRegion": "false",
    }


def _peering_keys(side: Any, region: str, account: str) -> Keys:
    """A connection's keys (either side's handle on it): both VPCs' ARNs, in their own accounts
    and regions."""
    connection = side.connection
    requester, accepter = connection.requester, connection.accepter
    return {
        "ec2:VpcPeeringConnectionID": connection.id,
        "ec2:RequesterVpc": VPC.arn(requester.region, requester.owner_id, requester.vpc_id),
        "ec2:AccepterVpc": VPC.arn(accepter.region, accepter.owner_id, accepter.vpc_id),
    }


def _address_keys(address: Any, region: str, account: str) -> Keys:
    return {
        "ec2:AllocationId": address.id,
        "ec2:Domain": address.domain,
        "ec2:PublicIpAddress": address.public_ip,
    }


# EC2 ------------------------------------------------------------------------------------------

INSTANCE = ResourceType(
    "ec2",
    "instance",
    ("i",),
    table="instances",
    not_found=("InvalidInstanceID.NotFound", "The instance ID '{id}' does not exist"),
    keys=_instance_keys,
    id_filter="instance-id",
)
VOLUME = ResourceType(
    "ec2",
    "volume",
    ("vol",),
    table="volumes",
    not_found=("InvalidVolume.NotFound", "The volume '{id}' does not exist"),
    keys=_volume_keys,
    id_filter="volume-id",
)
SNAPSHOT = ResourceType(
    "ec2",
    "snapshot",
    ("snap",),
    accountless=True,
    table="snapshots",
    not_found=("InvalidSnapshot.NotFound", "The snapshot '{id}' does not exist"),
    keys=_snapshot_keys,
    id_filter="snapshot-id",
)
IMAGE = ResourceType(
    "ec2",
    "image",
    ("ami",),
    accountless=True,
    table="images",
    not_found=("InvalidAMIID.NotFound", "The image id '{id}' does not exist"),
    keys=_image_keys,
    id_filter="image-id",
)
KEY_PAIR = ResourceType(
    "ec2",
    "key-pair",
    ("key",),
    table="key_pairs",
    not_found=("InvalidKeyPair.NotFound", "The key pair '{id}' does not exist"),
    keys=_key_pair_keys,
    arn_field="name",
    id_filter="key-pair-id",
)
SECURITY_GROUP = ResourceType(
    "ec2",
    "security-group",
    ("sg",),
    table="security_groups",
    not_found=("InvalidGroup.NotFound", "The security group '{id}' does not exist"),
    keys=_group_keys,
    id_filter="group-id",
)
SECURITY_GROUP_RULE = ResourceType(
    "ec2",
    "security-group-rule",
    ("sgr",),
    table="resources",  # rules live in their group, registered in the region's id registry
    not_found=("InvalidSecurityGroupRuleId.NotFound", "The security group rule ID '{id}' does not exist"),
    id_filter="security-group-rule-id",
)
SUBNET = ResourceType(
    "ec2",
    "subnet",
    ("subnet",),
    table="subnets",
    not_found=("InvalidSubnetID.NotFound", "The subnet ID '{id}' does not exist"),
    keys=_subnet_keys,
    id_filter="subnet-id",
)
VPC = ResourceType(
    "ec2",
    "vpc",
    ("vpc",),
    table="vpcs",
    not_found=("InvalidVpcID.NotFound", "The vpc ID '{id}' does not exist"),
    keys=_vpc_keys,
    id_filter="vpc-id",
)
NETWORK_INTERFACE = ResourceType(
    "ec2",
    "network-interface",
    ("eni",),
    table="network_interfaces",
    not_found=("InvalidNetworkInterfaceID.NotFound", "The networkInterface ID '{id}' does not exist"),
    keys=_interface_keys,
    id_filter="network-interface-id",
    owned=True,  # a network interface permission's grantee acts on the owner's ARN
)
PREFIX_LIST = ResourceType(
    "ec2",
    "prefix-list",
    ("pl",),
    table="prefix_lists",
    not_found=("InvalidPrefixListID.NotFound", "The prefix list ID '{id}' does not exist"),
    id_filter="prefix-list-id",
    owned=True,
)
LAUNCH_TEMPLATE = ResourceType(
    "ec2",
    "launch-template",
    ("lt",),
    table="launch_templates",
    not_found=(
        "InvalidLaunchTemplateId.NotFound",
        "The specified launch template, with template ID {id}, does not exist.",
    ),
)
VPC_PEERING_CONNECTION = ResourceType(
    "ec2",
    "vpc-peering-connection",
    ("pcx",),
    table="vpc_peering_connections",  # the requester's; the accepter's region finds it by id
    not_found=(
        "InvalidVpcPeeringConnectionID.NotFound",
        "The vpcPeeringConnection ID '{id}' does not exist",
    ),
    keys=_peering_keys,
    id_filter="vpc-peering-connection-id",
)
ELASTIC_IP = ResourceType(
    "ec2",
    "elastic-ip",
    ("eipalloc",),
    table="addresses",
    not_found=("InvalidAllocationID.NotFound", "The allocation ID '{id}' does not exist"),
    keys=_address_keys,
    id_filter="allocation-id",
)
# Gateways and routing (`ec2sim.store.ec2.gateways`, `ec2sim.store.ec2.routing`).
INTERNET_GATEWAY = ResourceType(
    "ec2",
    "internet-gateway",
    ("igw",),
    table="internet_gateways",
    not_found=("InvalidInternetGatewayID.NotFound", "The internetGateway ID '{id}' does not exist"),
    keys=_id_keys("ec2:InternetGatewayID"),
    id_filter="internet-gateway-id",
)
EGRESS_ONLY_INTERNET_GATEWAY = ResourceType(
    "ec2",
    "egress-only-internet-gateway",
    ("eigw",),
    table="egress_only_internet_gateways",
    # Assumed: EC2's usual "The <type> ID '...' does not exist" wording for this code.
    not_found=(
        "InvalidEgressOnlyInternetGatewayId.NotFound",
        "The egressOnlyInternetGateway ID '{id}' does not exist",
    ),
    id_filter="egress-only-internet-gateway-id",
)
NAT_GATEWAY = ResourceType(
    "ec2",
    "natgateway",
    ("nat",),
    table="nat_gateways",
    not_found=("NatGatewayNotFound", "The Nat Gateway {id} was not found"),
    keys=_id_keys("", with_vpc=True),
    id_filter="nat-gateway-id",
)
ROUTE_TABLE = ResourceType(
    "ec2",
    "route-table",
    ("rtb",),
    table="route_tables",
    not_found=("InvalidRouteTableID.NotFound", "The routeTable ID '{id}' does not exist"),
    keys=_id_keys("ec2:RouteTableID", with_vpc=True),
    id_filter="route-table-id",
)
DHCP_OPTIONS = ResourceType(
    "ec2",
    "dhcp-options",
    ("dopt",),
    table="dhcp_options",
    not_found=("InvalidDhcpOptionID.NotFound", "The dhcpOption ID '{id}' does not exist"),
    keys=_id_keys("ec2:DhcpOptionsID"),
    id_filter="dhcp-options-id",
)
NETWORK_ACL = ResourceType(
    "ec2",
    "network-acl",
    ("acl",),
    table="network_acls",
    not_found=("InvalidNetworkAclID.NotFound", "The networkAcl ID '{id}' does not exist"),
    keys=_id_keys("ec2:NetworkAclID", with_vpc=True),
    id_filter="network-acl-id",
)
VPC_ENDPOINT = ResourceType(
    "ec2",
    "vpc-endpoint",
    ("vpce",),
    table="vpc_endpoints",
    not_found=("InvalidVpcEndpointId.NotFound", "The Vpc Endpoint Id '{id}' does not exist"),
    keys=_endpoint_keys,
    id_filter="vpc-endpoint-id",
)

# An id whose prefix names no type: its ARN says ``*/ID`` (the request names it; it can't resolve).
UNKNOWN = ResourceType("ec2", "*", taggable=False)

EC2_TYPES: dict[str, ResourceType] = {
    t.name: t
    for t in (
        INSTANCE,
        VOLUME,
        SNAPSHOT,
        IMAGE,
        KEY_PAIR,
        SECURITY_GROUP,
        SECURITY_GROUP_RULE,
        SUBNET,
        VPC,
        NETWORK_INTERFACE,
        PREFIX_LIST,
        LAUNCH_TEMPLATE,
        VPC_PEERING_CONNECTION,
        ELASTIC_IP,
        INTERNET_GATEWAY,
        EGRESS_ONLY_INTERNET_GATEWAY,
        NAT_GATEWAY,
        ROUTE_TABLE,
        DHCP_OPTIONS,
        NETWORK_ACL,
        VPC_ENDPOINT,
        UNKNOWN,
    )
}
# Id prefix → type, for ids that name a resource (tagging, ARNs of ids that don't resolve).
BY_PREFIX: dict[str, ResourceType] = {
    p: t for t in EC2_TYPES.values() if t.taggable and t.table for p in t.prefixes
}


def by_id(resource_id: str) -> ResourceType | None:
    """The taggable EC2 type an id's prefix names, if any."""
    return BY_PREFIX.get(resource_id.partition("-")[0])


# IAM ------------------------------------------------------------------------------------------


def _iam(name: str, table: str, noun: str, taggable: bool = True) -> ResourceType:
    return ResourceType(
        "iam",
        name,
        table=table,
        not_found=("NoSuchEntity", f"The {noun} with name {{id}} cannot be found."),
        taggable=taggable,
    )


USER = _iam("user", "users", "user")
GROUP = _iam("group", "groups", "group", taggable=False)
ROLE = _iam("role", "roles", "role")
POLICY = ResourceType(
    "iam",
    "policy",
    table="policies",
    not_found=("NoSuchEntity", "Policy {id} does not exist or is not attachable."),
)
INSTANCE_PROFILE = _iam("instance-profile", "instance_profiles", "Instance Profile")
# Named by its URL without the scheme (host and path); tables key it by ARN.
OIDC_PROVIDER = ResourceType(
    "iam",
    "oidc-provider",
    table="oidc_providers",
    not_found=("NoSuchEntity", "OpenIDConnect Provider not found for arn {id}"),
)
# A virtual MFA device's ARN is its serial number (``arn:aws:iam::ACCOUNT:mfa/PATH/NAME``).
MFA = ResourceType(
    "iam",
    "mfa",
    not_found=("NoSuchEntity", "VirtualMFADevice with serial number {id} doesn't exist."),
)
SAML_PROVIDER = ResourceType(
    "iam",
    "saml-provider",
    table="saml_providers",  # by ARN (`ec2sim.store.iam.saml`)
    # Assumed: IAM's wording for an unknown SAML provider ARN (as GetSAMLProvider answers it).
    not_found=("NoSuchEntity", "Manifest not found for arn {id}"),
)
SERVER_CERTIFICATE = ResourceType(
    "iam",
    "server-certificate",
    not_found=("NoSuchEntity", "The Server Certificate with name {id} cannot be found."),
)

# An AWS Organizations access report, named by the entity path it is about (``o-.../r-.../ACCOUNT``).
ACCESS_REPORT = ResourceType("iam", "access-report", taggable=False)

# IAM delegation requests (AWS Partners' requests for temporary access): none exist in ec2sim.
# Assumed: IAM's usual NoSuchEntity wording, by the request's id.
DELEGATION_REQUEST = ResourceType(
    "iam",
    "delegation-request",
    not_found=("NoSuchEntity", "The delegation request with id {id} cannot be found."),
)
# AWS's role templates (``arn:aws:iam::aws:role-template/SERVICE-PRINCIPAL/NAME:MAJOR``, AcquireRole's
# resource): ec2sim has no copy of AWS's catalogue. Assumed: IAM's usual NoSuchEntity wording, by ARN.
ROLE_TEMPLATE = ResourceType(
    "iam",
    "role-template",
    not_found=("NoSuchEntity", "The role template with ARN {id} cannot be found."),
)
IAM_TYPES: dict[str, ResourceType] = {
    t.name: t for t in (USER, GROUP, ROLE, POLICY, INSTANCE_PROFILE, MFA, SERVER_CERTIFICATE)
}
