"""An account to run one request per action against, and a fingerprint of an account's state.

Shared by the authorization matrix (`test_authz_matrix`) and the cross-account tests
(`test_cross_account`). `Env` creates each resource a request needs on first use, as the
account's root; `Case` is one valid request and the least a policy must allow for it.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime
from functools import cached_property
from typing import Any

from botocore import xform_name
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ec2sim.store import Store
from ec2sim.store.ec2.images import AMAZON_OWNER_ID, public_images
from tests.helpers import delete_default_vpc

REGION = "us-east-1"
ZONE = "us-east-1a"
CALLER = "caller"  # the IAM user whose key signs the requests under test
PASSWORD = "Initial-Passw0rd!"
DOCUMENT = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "ec2:DescribeRegions", "Resource": "*"}],
    }
)
PUBLIC_KEY = (
    Ed25519PrivateKey.generate()
    .public_key()
    .public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
)
TAGS = [{"Key": "team", "Value": "blue"}]

Statement = dict[str, Any]


def statement(effect: str, action: str | list[str], resources: list[str] | None = None) -> Statement:
    return {"Effect": effect, "Action": action, "Resource": resources or "*"}


def document(*statements: Statement) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


@dataclasses.dataclass(frozen=True)
class Case:
    """One valid request and the statements that allow exactly it (its actions on its resources)."""

    params: dict[str, Any]
    allow: tuple[Statement, ...]


def invoke(client: Any, action: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """Call `action` through boto3 (``RunInstances`` → ``client.run_instances``)."""
    result: dict[str, Any] = getattr(client, xform_name(action))(**params)
    return result


class Env:
    """One account: root clients, resources made on first use (each once), their ARNs."""

    def __init__(self, make_client: Callable[..., Any], account_id: str) -> None:
        self.make_client = make_client
        self.account_id = account_id

    @cached_property
    def ec2(self) -> Any:
        return self.make_client("ec2", self.account_id)

    @cached_property
    def iam(self) -> Any:
        return self.make_client("iam", self.account_id)

    @cached_property
    def sts(self) -> Any:
        return self.make_client("sts", self.account_id)

    @cached_property
    def caller_key(self) -> tuple[str, str]:
        """The access key of the user `CALLER` (created with no policies)."""
        self.iam.create_user(UserName=CALLER)
        key = self.iam.create_access_key(UserName=CALLER)["AccessKey"]
        return key["AccessKeyId"], key["SecretAccessKey"]

    def caller_client(self, service: str) -> Any:
        key_id, secret = self.caller_key
        return self.make_client(service, key_id, secret=secret)

    # ARNs ------------------------------------------------------------------------------------

    def ec2_arn(self, kind: str, name: str) -> str:
        """Images and snapshots have no account in their ARNs."""
        account = "" if kind in ("image", "snapshot") else self.account_id
        return f"arn:aws:ec2:{REGION}:{account}:{kind}/{name}"

    def iam_arn(self, kind: str, name: str) -> str:
        return f"arn:aws:iam::{self.account_id}:{kind}/{name}"

    # EC2 ---------------------------------------------------------------------------------------

    @cached_property
    def ami(self) -> str:
        """A public Amazon Linux image of the catalogue."""
        return next(
            i.id
            for i in public_images(REGION).values()
            if i.owner_id == AMAZON_OWNER_ID and i.architecture == "x86_64" and i.platform is None
        )

    @cached_property
    def subnet(self) -> str:
        filters = [
            {"Name": "availability-zone", "Values": [ZONE]},
            {"Name": "default-for-az", "Values": ["true"]},
        ]
        return str(self.ec2.describe_subnets(Filters=filters)["Subnets"][0]["SubnetId"])

    @cached_property
    def vpc(self) -> str:
        return str(
            self.ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
        )

    def launch(self, **params: Any) -> dict[str, Any]:
        reply = self.ec2.run_instances(
            ImageId=self.ami, MinCount=1, MaxCount=1, InstanceType="t3.micro", SubnetId=self.subnet, **params
        )
        instance: dict[str, Any] = reply["Instances"][0]
        return instance

    @cached_property
    def instance(self) -> str:
        return str(self.launch()["InstanceId"])

    @cached_property
    def root_volume(self) -> str:
        mappings = self.ec2.describe_instances(InstanceIds=[self.instance])["Reservations"][0]["Instances"][
            0
        ]["BlockDeviceMappings"]
        return str(mappings[0]["Ebs"]["VolumeId"])

    @cached_property
    def profiled_instance(self) -> str:
        """An instance launched with `profile`."""
        return str(self.launch(IamInstanceProfile={"Name": self.profile_with_role})["InstanceId"])

    @cached_property
    def association(self) -> str:
        associations = self.ec2.describe_iam_instance_profile_associations(
            Filters=[{"Name": "instance-id", "Values": [self.profiled_instance]}]
        )["IamInstanceProfileAssociations"]
        return str(associations[0]["AssociationId"])

    @cached_property
    def volume(self) -> str:
        return str(self.ec2.create_volume(AvailabilityZone=ZONE, Size=8)["VolumeId"])

    @cached_property
    def attached_volume(self) -> str:
        self.ec2.attach_volume(VolumeId=self.volume, InstanceId=self.instance, Device="/dev/sdf")
        return self.volume

    @cached_property
    def modified_volume(self) -> str:
        self.ec2.modify_volume(VolumeId=self.volume, Size=9)
        return self.volume

    @cached_property
    def snapshot(self) -> str:
        return str(self.ec2.create_snapshot(VolumeId=self.volume)["SnapshotId"])

    @cached_property
    def image(self) -> str:
        """An image of the account's own, backed by `snapshot`."""
        mappings = [{"DeviceName": "/dev/xvda", "Ebs": {"SnapshotId": self.snapshot}}]
        reply = self.ec2.register_image(Name="own", RootDeviceName="/dev/xvda", BlockDeviceMappings=mappings)
        return str(reply["ImageId"])

    @cached_property
    def key(self) -> dict[str, str]:
        reply = self.ec2.create_key_pair(KeyName="key")
        return {"KeyName": reply["KeyName"], "KeyPairId": reply["KeyPairId"]}

    @cached_property
    def group(self) -> str:
        return str(
            self.ec2.create_security_group(GroupName="web", Description="web", VpcId=self.vpc)["GroupId"]
        )

    @cached_property
    def group_rule(self) -> str:
        """The id of an ingress rule (tcp 22 from anywhere) of `group`, which also has an egress rule."""
        reply = self.ec2.authorize_security_group_ingress(GroupId=self.group, IpPermissions=SSH)
        self.ec2.authorize_security_group_egress(GroupId=self.group, IpPermissions=HTTPS)
        return str(reply["SecurityGroupRules"][0]["SecurityGroupRuleId"])

    @cached_property
    def prefix_list(self) -> str:
        """A managed prefix list of two versions (one entry, then two)."""
        reply = self.ec2.create_managed_prefix_list(
            PrefixListName="corp", MaxEntries=5, AddressFamily="IPv4", Entries=[{"Cidr": "10.0.0.0/16"}]
        )
        list_id = str(reply["PrefixList"]["PrefixListId"])
        self.ec2.modify_managed_prefix_list(PrefixListId=list_id, AddEntries=[{"Cidr": "10.1.0.0/16"}])
        return list_id

    @cached_property
    def own_vpc(self) -> str:
        """A VPC of its own (10.0.0.0/16) with an Amazon-provided IPv6 block."""
        reply = self.ec2.create_vpc(CidrBlock="10.0.0.0/16", AmazonProvidedIpv6CidrBlock=True)
        return str(reply["Vpc"]["VpcId"])

    @cached_property
    def peering(self) -> str:
        """A VPC peering connection from the default VPC to `own_vpc`, pending acceptance."""
        reply = self.ec2.create_vpc_peering_connection(VpcId=self.vpc, PeerVpcId=self.own_vpc)
        connection_id = str(reply["VpcPeeringConnection"]["VpcPeeringConnectionId"])
        self.ec2.describe_vpc_peering_connections(VpcPeeringConnectionIds=[connection_id])  # now pending
        return connection_id

    @cached_property
    def active_peering(self) -> str:
        """`peering`, accepted and active."""
        self.ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=self.peering)
        self.ec2.describe_vpc_peering_connections(VpcPeeringConnectionIds=[self.peering])  # now active
        return self.peering

    @cached_property
    def own_subnet(self) -> str:
        return str(self.ec2.create_subnet(VpcId=self.own_vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"])

    @cached_property
    def subnet_ipv6_block(self) -> str:
        """The first /64 of `own_vpc`'s IPv6 block."""
        vpc = self.ec2.describe_vpcs(VpcIds=[self.own_vpc])["Vpcs"][0]
        return str(vpc["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"]).replace("00::/56", "00::/64")

    @cached_property
    def subnet_ipv6(self) -> str:
        """The association id of `own_subnet`'s IPv6 block."""
        reply = self.ec2.associate_subnet_cidr_block(
            SubnetId=self.own_subnet, Ipv6CidrBlock=self.subnet_ipv6_block
        )
        return str(reply["Ipv6CidrBlockAssociation"]["AssociationId"])

    @cached_property
    def vpc_block(self) -> str:
        """The association id of a secondary IPv4 block of `own_vpc`."""
        reply = self.ec2.associate_vpc_cidr_block(VpcId=self.own_vpc, CidrBlock="10.1.0.0/16")
        return str(reply["CidrBlockAssociation"]["AssociationId"])

    @cached_property
    def no_default_subnet(self) -> None:
        """The default subnet of the zone deleted."""
        self.ec2.delete_subnet(SubnetId=self.subnet)

    @cached_property
    def no_default_vpc(self) -> None:
        """The default VPC deleted, with its subnets and internet gateway."""
        delete_default_vpc(self.ec2)

    @cached_property
    def interface(self) -> str:
        """The network interface of `instance`."""
        reply = self.ec2.describe_instances(InstanceIds=[self.instance])
        return str(reply["Reservations"][0]["Instances"][0]["NetworkInterfaces"][0]["NetworkInterfaceId"])

    @cached_property
    def launch_template(self) -> str:
        """A launch template with two versions (the second can be deleted)."""
        reply = self.ec2.create_launch_template(
            LaunchTemplateName="app", LaunchTemplateData={"InstanceType": "t3.micro"}
        )
        template_id = str(reply["LaunchTemplate"]["LaunchTemplateId"])
        self.ec2.create_launch_template_version(
            LaunchTemplateId=template_id, LaunchTemplateData={"InstanceType": "t3.nano"}
        )
        return template_id

    @cached_property
    def address(self) -> str:
        """An Elastic IP's allocation id."""
        return str(self.ec2.allocate_address(Domain="vpc")["AllocationId"])

    @cached_property
    def associated_address(self) -> str:
        """`address`, associated with `instance`; its association id."""
        reply = self.ec2.associate_address(AllocationId=self.address, InstanceId=self.instance)
        return str(reply["AssociationId"])

    @cached_property
    def free_interface(self) -> str:
        """A network interface of its own in `subnet` (not attached)."""
        return str(
            self.ec2.create_network_interface(SubnetId=self.subnet)["NetworkInterface"]["NetworkInterfaceId"]
        )

    @cached_property
    def attached_interface(self) -> str:
        """`free_interface`, attached to `instance` at device index 1; its attachment id."""
        reply = self.ec2.attach_network_interface(
            NetworkInterfaceId=self.free_interface, InstanceId=self.instance, DeviceIndex=1
        )
        return str(reply["AttachmentId"])

    @cached_property
    def secondary_ip(self) -> str:
        reply = self.ec2.assign_private_ip_addresses(
            NetworkInterfaceId=self.free_interface, SecondaryPrivateIpAddressCount=1
        )
        return str(reply["AssignedPrivateIpAddresses"][0]["PrivateIpAddress"])

    @cached_property
    def interface_permission(self) -> str:
        reply = self.ec2.create_network_interface_permission(
            NetworkInterfaceId=self.free_interface, AwsAccountId="111122223333", Permission="INSTANCE-ATTACH"
        )
        return str(reply["InterfacePermission"]["NetworkInterfacePermissionId"])

    @cached_property
    def tagged_instance(self) -> str:
        self.ec2.create_tags(Resources=[self.instance], Tags=TAGS)
        return self.instance

    # IAM ---------------------------------------------------------------------------------------

    @cached_property
    def user(self) -> str:
        """The user "target" (never the caller)."""
        self.iam.create_user(UserName="target")
        return "target"

    @cached_property
    def user_key(self) -> str:
        return str(self.iam.create_access_key(UserName=self.user)["AccessKey"]["AccessKeyId"])

    @cached_property
    def user_login(self) -> str:
        self.iam.create_login_profile(UserName=self.user, Password=PASSWORD)
        return self.user

    @cached_property
    def caller_login(self) -> str:
        assert self.caller_key
        self.iam.create_login_profile(UserName=CALLER, Password=PASSWORD)
        return CALLER

    @cached_property
    def group_name(self) -> str:
        self.iam.create_group(GroupName="team")
        return "team"

    @cached_property
    def member(self) -> str:
        """`user`, added to `group_name`."""
        self.iam.add_user_to_group(GroupName=self.group_name, UserName=self.user)
        return self.user

    @cached_property
    def role(self) -> str:
        """A role EC2 and the account's principals (given an identity policy) may assume."""
        trust = document(
            {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"},
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{self.account_id}:root"},
                "Action": "sts:AssumeRole",
            },
        )
        self.iam.create_role(RoleName="app", AssumeRolePolicyDocument=trust)
        return "app"

    @cached_property
    def profile(self) -> str:
        self.iam.create_instance_profile(InstanceProfileName="app-profile")
        return "app-profile"

    @cached_property
    def profile_with_role(self) -> str:
        self.iam.add_role_to_instance_profile(InstanceProfileName=self.profile, RoleName=self.role)
        return self.profile

    @cached_property
    def other_profile(self) -> str:
        """A second profile, with a role of its own ("worker")."""
        self.iam.create_role(RoleName="worker", AssumeRolePolicyDocument=TRUST_EC2)
        self.iam.create_instance_profile(InstanceProfileName="worker-profile")
        self.iam.add_role_to_instance_profile(InstanceProfileName="worker-profile", RoleName="worker")
        return "worker-profile"

    @cached_property
    def policy(self) -> str:
        """The ARN of the customer managed policy "managed"."""
        return str(self.iam.create_policy(PolicyName="managed", PolicyDocument=DOCUMENT)["Policy"]["Arn"])

    @cached_property
    def policy_v2(self) -> str:
        """`policy` with a second, non-default version v2."""
        self.iam.create_policy_version(PolicyArn=self.policy, PolicyDocument=DOCUMENT)
        return self.policy

    @cached_property
    def alias(self) -> str:
        self.iam.create_account_alias(AccountAlias=f"alias-{self.account_id}")
        return f"alias-{self.account_id}"

    @cached_property
    def password_policy(self) -> bool:
        self.iam.update_account_password_policy(MinimumPasswordLength=8)
        return True

    @cached_property
    def credential_report(self) -> bool:
        self.iam.generate_credential_report()
        return True

    def attached(self, kind: str) -> str:
        """`policy`, attached to the user, group or role (``kind``); the entity's name."""
        name = self.entity(kind)
        getattr(self.iam, f"attach_{kind}_policy")(
            **{f"{kind.capitalize()}Name": name, "PolicyArn": self.policy}
        )
        return name

    def inline(self, kind: str) -> str:
        """An inline policy "inline" on the user, group or role; the entity's name."""
        name = self.entity(kind)
        getattr(self.iam, f"put_{kind}_policy")(
            **{f"{kind.capitalize()}Name": name, "PolicyName": "inline", "PolicyDocument": DOCUMENT}
        )
        return name

    def bounded(self, kind: str) -> str:
        """`policy` as the user's or role's permissions boundary; the entity's name."""
        name = self.entity(kind)
        getattr(self.iam, f"put_{kind}_permissions_boundary")(
            **{f"{kind.capitalize()}Name": name, "PermissionsBoundary": self.policy}
        )
        return name

    def tagged(self, kind: str) -> str:
        """The entity of `kind` tagged ``team=blue``; its name (a policy: its ARN)."""
        name = self.entity(kind)
        member = "PolicyArn" if kind == "policy" else f"{KIND_MEMBERS[kind]}Name"
        getattr(self.iam, f"tag_{kind.replace('-', '_')}")(**{member: name, "Tags": TAGS})
        return name

    def entity(self, kind: str) -> str:
        """The account's entity of `kind` (user, group, role, instance-profile, policy)."""
        return {
            "user": lambda: self.user,
            "group": lambda: self.group_name,
            "role": lambda: self.role,
            "instance-profile": lambda: self.profile,
            "policy": lambda: self.policy,
        }[kind]()

    @cached_property
    def encoded_message(self) -> str:
        """An encoded authorization failure message (a denied StopInstances by a user without policies)."""
        self.iam.create_user(UserName="stranger")
        key = self.iam.create_access_key(UserName="stranger")["AccessKey"]
        stranger = self.make_client("ec2", key["AccessKeyId"], secret=key["SecretAccessKey"])
        try:
            stranger.stop_instances(InstanceIds=["i-0123456789abcdef0"])
        except ClientError as error:
            return str(error).split("Encoded authorization failure message: ", 1)[1]
        raise AssertionError("StopInstances was not denied")


KIND_MEMBERS = {"user": "User", "group": "Group", "role": "Role", "instance-profile": "InstanceProfile"}
TRUST_EC2 = document(
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
)
SSH = [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
HTTPS = [{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}]


# Fingerprints ------------------------------------------------------------------------------------

# Recorded on every authenticated request, denied or not (GetAccessKeyLastUsed, RoleLastUsed).
_VOLATILE = frozenset(
    {"last_used_date", "last_used_service", "last_used_region", "password_last_used", "usage"}
)
# Server-wide things a region holds references to: not this account's state.
_SHARED = frozenset(
    {"ids", "timeline", "shared_images", "shared_snapshots", "instance_regions", "endpoint_regions", "zones"}
    | {"interfaces"}
)
State = dict[str, Any]


def _flatten(value: Any, path: str, into: State, stack: tuple[int, ...] = ()) -> None:
    """`value` as ``{"path.to.field": scalar}`` (objects by their fields, sets sorted)."""
    if value is None or isinstance(value, (str, bytes, int, float, bool, datetime)):
        into[path] = value
        return
    if id(value) in stack:
        into[path] = "<cycle>"
        return
    stack = (*stack, id(value))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        items: Iterable[tuple[Any, Any]] = (
            (f.name, getattr(value, f.name))
            for f in dataclasses.fields(value)
            if f.repr and f.name not in _VOLATILE
        )
    elif isinstance(value, Mapping):
        items = value.items()
    elif isinstance(value, (set, frozenset)):
        items = enumerate(sorted(value, key=repr))
    elif isinstance(value, (list, tuple)) or hasattr(value, "__iter__"):  # lists and the store's tables
        items = enumerate(value)
    else:
        items = ((k, v) for k, v in vars(value).items() if k not in _SHARED)
    into[path + "#"] = type(value).__name__
    for key, item in items:
        _flatten(item, f"{path}.{key}", into, stack)


def fingerprint(store: Store, account_id: str) -> State:
    """The account's IAM and EC2 state (in `REGION`) and the credentials issued in it, flattened.

    Runs what has come due first (as the next request would), so only requests change it; the
    region is made first, as any first request there makes it (with its default VPC).
    """
    with store.lock:
        store.run_due(store.clock.now())
        account = store.account(account_id)
        account.ec2(REGION)
        state: State = {}
        _flatten(account.iam, "iam", state)
        for region in account.ec2_regions():
            _flatten(region, region.name, state)
        credentials = [c for c in store.credentials.values() if c.account_id == account_id]
        _flatten(sorted(credentials, key=lambda c: c.access_key_id), "credentials", state)
        return state


def changes(before: State, after: State) -> dict[str, tuple[Any, Any]]:
    """What differs between two fingerprints: path → (before, after)."""
    return {
        k: (before.get(k), after.get(k))
        for k in before.keys() | after.keys()
        if before.get(k) != after.get(k)
    }


def leaves(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """Every (path, scalar) of nested request parameters."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from leaves(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from leaves(item, (*path, index))
    else:
        yield path, value
