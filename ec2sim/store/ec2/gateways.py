"""Internet gateways, egress-only internet gateways and NAT gateways.

An internet gateway is attached to at most one VPC (`vpc_id`, "" when detached); an egress-only one
belongs to its VPC from creation. A NAT gateway moves pending → available and deleting → deleted
over emulated time (timeline events in `ec2sim.api.ec2.nat_gateways`); a deleted one stays
visible for an hour, as AWS keeps them in DescribeNatGateways "for a short while".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ec2sim.store.table import Resource

NAT_LIVE_STATES = ("pending", "available", "deleting")


@dataclass(eq=False)
class InternetGateway(Resource):
    resource_type = "internet-gateway"
    owner_id: str
    vpc_id: str = ""  # the VPC it is attached to


@dataclass(eq=False)
class EgressOnlyInternetGateway(Resource):
    resource_type = "egress-only-internet-gateway"
    owner_id: str
    vpc_id: str
    client_token: str | None = None
    request_fingerprint: str = ""  # of a request with a ClientToken (`ec2sim.api.ec2.common.fingerprint`)


@dataclass(eq=False)
class NatGateway(Resource):
    resource_type = "natgateway"
    owner_id: str
    vpc_id: str
    subnet_id: str
    connectivity_type: str  # public | private
    private_ip: str
    network_interface_id: str
    create_time: datetime
    availability_zone: str = ""
    allocation_id: str | None = None
    public_ip: str | None = None
    association_id: str | None = None
    state: str = "pending"  # pending | available | deleting | deleted | failed
    failure_code: str = ""
    failure_message: str = ""
    delete_time: datetime | None = None
    client_token: str | None = None
    request_fingerprint: str = ""

    @property
    def live(self) -> bool:
        """Whether it still counts (for routes, quotas and dependencies): not deleted nor failed."""
        return self.state in NAT_LIVE_STATES
