"""DHCP options sets: create, delete, describe, and associate with a VPC (or ``default``: none).

Each region has a default set (Amazon's DNS and the region's internal domain name), made with
the default VPC and given to every new VPC, as AWS does.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any

from ec2sim.api.authorization import NO_RESOURCES
from ec2sim.api.context import RequestContext
from ec2sim.api.ec2.common import dependency_violation, tag_list
from ec2sim.api.ec2.filters import FilterSet
from ec2sim.api.ec2.network_plans import NetPlan, missing, need, net_resolver, new_tags
from ec2sim.api.ec2.vpcs import describe_resources
from ec2sim.api.errors import AwsError
from ec2sim.api.registry import ec2_action
from ec2sim.store.ec2.routing import AMAZON_DNS, DhcpOptions
from ec2sim.store.resources import DHCP_OPTIONS, VPC

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from types_boto3_ec2.type_defs import (
        AssociateDhcpOptionsRequestTypeDef,
        CreateDhcpOptionsRequestTypeDef,
        DeleteDhcpOptionsRequestTypeDef,
        DescribeDhcpOptionsRequestTypeDef,
    )

NO_OPTIONS = "default"  # AssociateDhcpOptions' id for "no DHCP options"
MAX_SETS = 1000  # per region, AWS's default quota
MAX_SERVERS = 4  # addresses per server option
_SERVER_KEYS = ("domain-name-servers", "ntp-servers", "netbios-name-servers")
KEYS = (*_SERVER_KEYS, "domain-name", "netbios-node-type", "ipv6-address-preferred-lease-time")
NODE_TYPES = ("1", "2", "4", "8")


def _invalid(value: str, key: str, why: str) -> AwsError:
    return AwsError("InvalidParameterValue", f"Value ({value}) for parameter {key} is invalid. {why}")


def _values(key: str, values: Sequence[str]) -> list[str]:
    """One option's values, checked as AWS checks them (assumed wording where undocumented)."""
    if not values:
        raise missing(f"{key} value")
    if key in _SERVER_KEYS:
        if len(values) > MAX_SERVERS:
            raise _invalid(",".join(values), key, f"A maximum of {MAX_SERVERS} values is allowed.")
        for value in values:
            if key == "domain-name-servers" and value == AMAZON_DNS:
                continue
            try:
                ipaddress.ip_address(value)
            except ValueError:
                raise _invalid(value, key, "This is not a valid IP address.") from None
    elif key == "netbios-node-type" and (len(values) != 1 or values[0] not in NODE_TYPES):
        raise _invalid(",".join(values), key, f"Valid values: {', '.join(NODE_TYPES)}")
    elif key == "ipv6-address-preferred-lease-time":
        if len(values) != 1 or not values[0].isdigit() or not 140 <= int(values[0]) <= 2147483647:
            raise _invalid(",".join(values), key, "Valid values: 140 to 2147483647 seconds")
    return list(values)


def _configurations(configs: Sequence[Mapping[str, Any]]) -> dict[str, list[str]]:
    if not configs:
        raise missing("dhcpConfiguration")
    result: dict[str, list[str]] = {}
    for config in configs:
        key = config.get("Key")
        if not key:
            raise missing("dhcpConfiguration.Key")
        if key not in KEYS:
            raise AwsError(
                "InvalidParameterValue", f"Value ({key}) for parameter name is invalid. Unknown DHCP option"
            )
        if key in result:
            raise AwsError("InvalidParameterValue", f"DHCP option {key} is specified more than once")
        result[key] = _values(key, config.get("Values") or [])
    return result


def _plan_create(ctx: RequestContext, req: CreateDhcpOptionsRequestTypeDef, plan: NetPlan) -> None:
    plan.values["configurations"] = _configurations(req.get("DhcpConfigurations") or [])
    new_tags(plan, "dhcp-options")
    if len(ctx.ec2.dhcp_options) >= MAX_SETS:
        raise AwsError("DhcpOptionsLimitExceeded", "The maximum number of DHCP option sets has been reached.")


def _plan_delete(ctx: RequestContext, req: DeleteDhcpOptionsRequestTypeDef, plan: NetPlan) -> None:
    options_id = req.get("DhcpOptionsId")
    found = plan.look(ctx.ec2.dhcp_options, DHCP_OPTIONS, options_id)
    options = plan.values["options"] = need(found, DHCP_OPTIONS, options_id, "dhcpOptionsId")
    if any(ctx.ec2.vpcs.where("dhcp_options_id", options.id)):
        raise dependency_violation("dhcpOptions", options.id)


def _plan_associate(ctx: RequestContext, req: AssociateDhcpOptionsRequestTypeDef, plan: NetPlan) -> None:
    options_id, vpc_id = req.get("DhcpOptionsId"), req.get("VpcId")
    found = plan.look(ctx.ec2.dhcp_options, DHCP_OPTIONS, options_id)
    found_vpc = plan.look(ctx.ec2.vpcs, VPC, vpc_id)
    if options_id != NO_OPTIONS:
        need(found, DHCP_OPTIONS, options_id, "dhcpOptionsId")
    plan.values["vpc"] = need(found_vpc, VPC, vpc_id, "vpcId")


def _item(options: DhcpOptions) -> dict[str, Any]:
    return {
        "DhcpOptionsId": options.id,
        "OwnerId": options.owner_id,
        "DhcpConfigurations": [
            {"Key": key, "Values": [{"Value": v} for v in values]}
            for key, values in options.configurations.items()
        ],
        "Tags": tag_list(options.tags),
    }


@ec2_action("CreateDhcpOptions", resolve=net_resolver(_plan_create, "dhcp-options"))
def create_dhcp_options(
    ctx: RequestContext, req: CreateDhcpOptionsRequestTypeDef, plan: NetPlan
) -> dict[str, Any]:
    options = DhcpOptions(ctx.ec2.ids.hex_id("dopt"), ctx.account_id, plan["configurations"], tags=plan.tags)
    return {"DhcpOptions": _item(ctx.ec2.dhcp_options.add(options))}


@ec2_action("DeleteDhcpOptions", resolve=net_resolver(_plan_delete))
def delete_dhcp_options(ctx: RequestContext, req: DeleteDhcpOptionsRequestTypeDef, plan: NetPlan) -> None:
    ctx.ec2.dhcp_options.remove(plan["options"].id)


@ec2_action("AssociateDhcpOptions", resolve=net_resolver(_plan_associate))
def associate_dhcp_options(
    ctx: RequestContext, req: AssociateDhcpOptionsRequestTypeDef, plan: NetPlan
) -> None:
    ctx.ec2.vpcs.update(plan["vpc"], dhcp_options_id=req["DhcpOptionsId"])


_FILTERS = FilterSet(
    {
        "key": lambda o: list(o.configurations),
        "value": lambda o: [v for values in o.configurations.values() for v in values],
        "owner-id": lambda o: o.owner_id,
    },
    DHCP_OPTIONS,
)


@ec2_action("DescribeDhcpOptions", resolve=NO_RESOURCES)
def describe_dhcp_options(ctx: RequestContext, req: DescribeDhcpOptionsRequestTypeDef) -> dict[str, Any]:
    page, token = describe_resources(ctx.ec2.dhcp_options, req, "DhcpOptionsIds", _FILTERS)
    return {"DhcpOptions": [_item(o) for o in page], "NextToken": token}
