"""Requests arriving through a VPC endpoint.

A client marks a request as sent through one of its interface endpoints with the header
``X-Ec2sim-Source-Vpce: vpce-…`` (`HEADER`). The header is trusted only from a loopback
address (anyone who can reach the server there could call it directly anyway); from elsewhere it
is ignored. The endpoint must exist (in any account: endpoints are found server-wide), be
``available`` and serve the request's service in the request's region
(``com.amazonaws.REGION.ec2`` for EC2, ``….sts`` for STS).

Such a request carries ``aws:SourceVpce``, ``aws:SourceVpc`` and ``aws:VpceAccount`` in its
condition context, and the endpoint's policy must allow each of its checks too, as AWS evaluates
VPC endpoint policies: in addition to the caller's own policies, for every caller (the account
root included), an explicit deny in it refusing the request and the absence of an allow too
(`ec2sim.api.authorization.endpoint_denial`).
"""

from __future__ import annotations

import ipaddress

from ec2sim.api.context import RequestContext, ViaEndpoint
from ec2sim.api.errors import AwsError

HEADER = "X-Ec2sim-Source-Vpce"


def trusted(remote_addr: str | None) -> bool:
    """Whether the header may be believed: the request comes from this machine."""
    try:
        return ipaddress.ip_address(remote_addr or "").is_loopback
    except ValueError:
        return False


def resolve(ctx: RequestContext, endpoint_id: str) -> ViaEndpoint:
    """The endpoint a request names in `HEADER` (AWS-style errors when it can't carry it)."""
    region = ctx.store.endpoint_regions.get(endpoint_id)
    endpoint = region.vpc_endpoints.get(endpoint_id) if region is not None else None
    if region is None or endpoint is None:
        raise AwsError("InvalidVpcEndpointId.NotFound", f"The Vpc Endpoint Id '{endpoint_id}' does not exist")
    if endpoint.state != "available":
        raise AwsError("IncorrectState", f"The VPC endpoint {endpoint_id} is in state {endpoint.state}.")
    wanted = f"com.amazonaws.{ctx.region}.{ctx.service}"
    if endpoint.service_name != wanted or endpoint.endpoint_type != "Interface":
        # Assumed: a request can only travel through an interface endpoint of its own service.
        raise AwsError(
            "InvalidParameterValue",
            f"The VPC endpoint {endpoint_id} serves {endpoint.service_name}, not {wanted}.",
        )
    from ec2sim.iam.policy.grammar import parse_policy  # the policy language: with the first policy

    return ViaEndpoint(
        endpoint.id, endpoint.vpc_id, endpoint.owner_id, parse_policy(endpoint.policy, "resource")
    )
