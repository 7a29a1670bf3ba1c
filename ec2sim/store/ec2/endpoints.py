"""VPC endpoints and the AWS services they reach.

A gateway endpoint (Amazon S3, DynamoDB) routes the service's AWS-managed prefix list to itself
in each of its route tables: the route is an ordinary `Route` of the table (target kind
``GatewayId``, target the endpoint's id), as DescribeRouteTables shows it. An interface endpoint
has one network interface per subnet (one subnet per zone) and its security groups: a
requester-managed interface of the region's table (`ec2sim.store.ec2.managed_interfaces`), made
and deleted with the endpoint and its subnets. Interface endpoints move pending → available and deleting → gone over emulated
time; gateway endpoints are available at once and go at once, as AWS answers them.

The services offered are data (`services(region)`): AWS's own services in every region, by the
names AWS gives them (``com.amazonaws.REGION.NAME``), with their types and DNS names.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Protocol

from ec2sim.store.ec2.geography import Zone
from ec2sim.store.ec2.prefix_lists import aws_managed
from ec2sim.store.ec2.routing import Route, RouteTable
from ec2sim.store.table import Resource, Table, touch

GATEWAY = "Gateway"
INTERFACE = "Interface"
# The policy every endpoint has until another is given: everything, for everyone.
DEFAULT_POLICY = (
    '{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}'
)
LIVE_STATES = ("pendingAcceptance", "pending", "available", "deleting")


@dataclass(eq=False)
class VpcEndpoint(Resource):
    resource_type = "vpc-endpoint"
    owner_id: str
    vpc_id: str
    service_name: str
    endpoint_type: str  # Gateway | Interface
    create_time: datetime
    policy: str = DEFAULT_POLICY
    route_table_ids: list[str] = field(default_factory=list)
    subnet_ids: list[str] = field(default_factory=list)
    group_ids: list[str] = field(default_factory=list)
    private_dns_enabled: bool = False
    ip_address_type: str = "ipv4"
    state: str = "pending"
    client_token: str | None = None
    request_fingerprint: str = ""  # of a request with a ClientToken (`ec2sim.api.ec2.common.fingerprint`)
    interface_ids: dict[str, str] = field(default_factory=dict)  # subnet id → its network interface's id


@dataclass(frozen=True)
class EndpointService:
    """One service AWS offers through endpoints in a region (one per type: S3 is offered twice)."""

    name: str
    short: str  # the name's last part: ``ec2``, ``s3``, ``ecr.api``
    service_type: str  # Gateway | Interface
    region: str
    private_dns_name: str | None
    ipv6: bool

    @property
    def service_id(self) -> str:
        digest = hashlib.sha256(f"{self.name}/{self.service_type}".encode()).hexdigest()
        return f"vpce-svc-{digest[:17]}"

    def dns_suffix(self) -> str:
        """Where an interface endpoint's own DNS names live: ``ec2.us-east-1.vpce.amazonaws.com``."""
        return f"{self.short}.{self.region}.vpce.amazonaws.com"


# AWS services offered through interface endpoints in every region (a selection of the list in
# the AWS PrivateLink guide, "AWS services that integrate with AWS PrivateLink"), and whether
# their endpoints take IPv6 (dualstack) as well.
_INTERFACE_SERVICES = (
    ("autoscaling", False),
    ("cloudformation", False),
    ("dynamodb", False),
    ("ebs", False),
    ("ec2", True),
    ("ec2messages", False),
    ("ecr.api", False),
    ("ecr.dkr", False),
    ("ecs", False),
    ("elasticfilesystem", False),
    ("elasticloadbalancing", False),
    ("events", False),
    ("execute-api", False),
    ("kinesis-streams", False),
    ("kms", True),
    ("lambda", True),
    ("logs", True),
    ("monitoring", False),
    ("rds", False),
    ("s3", True),
    ("secretsmanager", True),
    ("sns", False),
    ("sqs", True),
    ("ssm", True),
    ("ssmmessages", False),
    ("states", False),
    ("sts", True),
)
_GATEWAY_SERVICES = ("dynamodb", "s3")
# Interface services whose private DNS name is not NAME.REGION.amazonaws.com (S3 and DynamoDB
# interface endpoints have none of their own: their gateway endpoints keep the public names).
_NO_PRIVATE_DNS = {"s3", "dynamodb"}


@cache
def services(region: str) -> tuple[EndpointService, ...]:
    """Every service offered in `region`, sorted by name (then type), as DescribeVpcEndpointServices
    lists them."""
    found = [
        EndpointService(f"com.amazonaws.{region}.{short}", short, GATEWAY, region, None, False)
        for short in _GATEWAY_SERVICES
    ]
    for short, ipv6 in _INTERFACE_SERVICES:
        dns = None if short in _NO_PRIVATE_DNS else f"{short}.{region}.amazonaws.com"
        found.append(EndpointService(f"com.amazonaws.{region}.{short}", short, INTERFACE, region, dns, ipv6))
    return tuple(sorted(found, key=lambda s: (s.name, s.service_type)))


def find_services(region: str, name: str) -> list[EndpointService]:
    return [s for s in services(region) if s.name == name]


def hosted_zone_id(region: str) -> str:
    """The (AWS-owned) hosted zone of a region's endpoint DNS names: a stable Z-id per region."""
    return "Z" + hashlib.sha256(f"vpce/{region}".encode()).hexdigest()[:13].upper()


def dns_entries(endpoint: VpcEndpoint, service: EndpointService, zones: list[Zone]) -> list[dict[str, str]]:
    """An interface endpoint's DNS names: its regional name, one per zone of its subnets, and the
    service's private name when private DNS is on (AWS's order)."""
    if endpoint.endpoint_type != INTERFACE:
        return []
    tag = hashlib.sha256(endpoint.id.encode()).hexdigest()[:8]
    zone_id = hosted_zone_id(service.region)
    names = [f"{endpoint.id}-{tag}.{service.dns_suffix()}"]
    names += [f"{endpoint.id}-{tag}-{z.name}.{service.dns_suffix()}" for z in zones]
    entries = [{"DnsName": n, "HostedZoneId": zone_id} for n in names]
    if endpoint.private_dns_enabled and service.private_dns_name:
        entries.append({"DnsName": service.private_dns_name, "HostedZoneId": "Z" + zone_id[1:][::-1]})
    return entries


class EndpointRegion(Protocol):
    name: str
    route_tables: Table[RouteTable]
    vpc_endpoints: Table[VpcEndpoint]


def prefix_list_id(region: str, service_name: str) -> str:
    """The AWS-managed prefix list of a gateway service (S3, DynamoDB) in `region`."""
    return next(p.id for p in aws_managed(region).by_id.values() if p.name == service_name)


def route_to(endpoint: VpcEndpoint, region: str) -> Route:
    """The route a gateway endpoint puts in each of its route tables."""
    destination = prefix_list_id(region, endpoint.service_name)
    return Route("DestinationPrefixListId", destination, "GatewayId", endpoint.id)


def set_endpoint_route(
    region: EndpointRegion, endpoint: VpcEndpoint, table: RouteTable, present: bool
) -> None:
    """Add (or remove) the endpoint's route in `table`."""
    kept = [r for r in table.routes if r.target != endpoint.id]
    table.routes = [*kept, route_to(endpoint, region.name)] if present else kept
    touch(table)


def remove_endpoint_routes(region: EndpointRegion, endpoint: VpcEndpoint) -> None:
    for table_id in endpoint.route_table_ids:
        table = region.route_tables.get(table_id)
        if table is not None:
            set_endpoint_route(region, endpoint, table, present=False)


def route_table_deleted(region: EndpointRegion, table: RouteTable) -> None:
    """A deleted route table leaves the gateway endpoints that routed through it (AWS keeps the
    endpoint, without the table)."""
    for endpoint in region.vpc_endpoints.where("vpc_id", table.vpc_id):
        if table.id in endpoint.route_table_ids:
            endpoint.route_table_ids = [t for t in endpoint.route_table_ids if t != table.id]


def vpc_endpoints_of(region: EndpointRegion, vpc_id: str) -> list[VpcEndpoint]:
    """The endpoints (not deleted) in a VPC: they keep it from being deleted."""
    return [e for e in region.vpc_endpoints.where("vpc_id", vpc_id) if e.state in LIVE_STATES]


def subnet_endpoints(region: EndpointRegion, vpc_id: str, subnet_id: str) -> list[VpcEndpoint]:
    """The interface endpoints with a network interface in the subnet."""
    return [e for e in vpc_endpoints_of(region, vpc_id) if subnet_id in e.subnet_ids]
