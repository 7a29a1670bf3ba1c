"""Managed prefix lists: the account's own (create, modify, restore a version, delete) and the
AWS-managed ones every account sees (`ec2sim.store.ec2.prefix_lists`).

Each operation on a list resolves a plan: the list named (looked up once, in the account's table
or among the region's AWS-managed lists), authorized on its ARN (``prefix-list/ID`` under its
owner's account, ``aws`` for AWS's), and the first validation error in AWS's order. Security
group rules reference lists by id (`find_prefix_list`); a reference counts the list's MaxEntries
toward the group's rule quota (`rule_weight`).

Error codes are EC2's (PrefixListVersionMismatch, PrefixListMaxEntriesExceeded,
InvalidPrefixListModification, InvalidPrefixListID.NotFound); where no AWS wording of a message
was found, the message is an assumption (marked so).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from ec2sim.api.authorization import NO_RESOURCES, Check, Plan
from ec2sim.api.context import RequestContext
from ec2sim.api.ec2.authz import creating, resource_check, unresolved
from ec2sim.api.ec2.common import fingerprint, replayed, tag_list
from ec2sim.api.ec2.filters import FilterSet
from ec2sim.api.ec2.paging import paginate
from ec2sim.api.ec2.tagging import tags_for
from ec2sim.api.errors import AwsError
from ec2sim.api.registry import ec2_action
from ec2sim.store.ec2.network import SecurityGroupRule
from ec2sim.store.ec2.prefix_lists import ManagedPrefixList, PrefixListEntry, aws_managed
from ec2sim.store.ec2.region import Ec2Region
from ec2sim.store.resources import PREFIX_LIST

if TYPE_CHECKING:
    from types_boto3_ec2.type_defs import (
        CreateManagedPrefixListRequestTypeDef,
        DeleteManagedPrefixListRequestTypeDef,
        DescribeManagedPrefixListsRequestTypeDef,
        DescribePrefixListsRequestTypeDef,
        GetManagedPrefixListAssociationsRequestTypeDef,
        GetManagedPrefixListEntriesRequestTypeDef,
        ModifyManagedPrefixListRequestTypeDef,
        RestoreManagedPrefixListVersionRequestTypeDef,
    )

MAX_ENTRIES = 1000  # the largest MaxEntries (Amazon VPC quotas: "Maximum entries per prefix list")
MAX_NAME = 255
MAX_REQUEST_ENTRIES = 100  # AddEntry.N / RemoveEntry.N: "Maximum number of 100 items"
FAMILIES = {"IPv4": 4, "IPv6": 6}
RULES_QUOTA = 60  # rules per security group and direction, AWS's default quota
_ID = re.compile(r"pl-[0-9a-f]+")
_VERSION_MISMATCH = "The prefix list has the incorrect version number."


# Finding lists ------------------------------------------------------------------------------


def check_prefix_list_id(prefix_list_id: str | None) -> str:
    if not prefix_list_id or not _ID.fullmatch(prefix_list_id):
        raise AwsError(
            "InvalidPrefixListId.Malformed", f'Invalid id: "{prefix_list_id}" (expecting "pl-...")'
        )
    return prefix_list_id


def lookup(ctx: RequestContext, prefix_list_id: str) -> ManagedPrefixList | None:
    """The caller's list, or an AWS-managed one of the region (None: neither)."""
    return ctx.ec2.prefix_lists.get(prefix_list_id) or aws_managed(ctx.region).by_id.get(prefix_list_id)


def find_prefix_list(ctx: RequestContext, prefix_list_id: str | None) -> ManagedPrefixList:
    found = lookup(ctx, check_prefix_list_id(prefix_list_id))
    if found is None:
        raise AwsError(*PREFIX_LIST.not_found_message(str(prefix_list_id)))
    return found


def rule_weight(region: Ec2Region, rule: SecurityGroupRule) -> int:
    """What a rule counts toward its group's rule quota: a referenced prefix list's MaxEntries
    ("if you reference a prefix list with 20 max entries, this counts as 20 rules": Amazon VPC
    User Guide, "Managed prefix lists"), else 1."""
    if rule.prefix_list_id is None:
        return 1
    plist = region.prefix_lists.get(rule.prefix_list_id) or aws_managed(region.name).by_id.get(
        rule.prefix_list_id
    )
    return plist.max_entries if plist is not None else 1


# Validation ---------------------------------------------------------------------------------


def _invalid(parameter: str, value: Any, problem: str) -> AwsError:
    return AwsError(
        "InvalidParameterValue", f"Value ({value}) for parameter {parameter} is invalid. {problem}"
    )


def _check_name(name: str) -> None:
    if not name or len(name) > MAX_NAME:
        raise _invalid("PrefixListName", name, f"Length must be between 1 and {MAX_NAME} characters.")
    if name.lower().startswith("com.amazonaws"):
        # Assumed wording: the API reference says only "The name cannot start with com.amazonaws."
        raise _invalid("PrefixListName", name, "The name cannot start with com.amazonaws.")


def _check_max_entries(value: int) -> None:
    if not 1 <= value <= MAX_ENTRIES:
        raise AwsError("InvalidParameterValue", f"Must specify a max size between 1 and {MAX_ENTRIES}")


def _cidr(raw: str | None, family: str) -> str:
    """An entry's CIDR in canonical form, of the list's address family."""
    try:
        network = ipaddress.ip_network(raw or "", strict=False)
    except ValueError:
        network = None
    if network is None or "/" not in (raw or "") or network.version != FAMILIES[family]:
        # Assumed wording (EC2's "invalid CIDR" errors name the value and the family).
        raise _invalid("Cidr", raw, f"The CIDR is not a valid {family} CIDR block.")
    return str(network)


def _description(text: str | None) -> str | None:
    if text is not None and len(text) > MAX_NAME:
        raise _invalid("Description", text, f"Length exceeds maximum of {MAX_NAME} characters.")
    return text


def _request_entries(
    entries: list[Any], family: str, parameter: str, described: bool = True
) -> list[PrefixListEntry]:
    """AddEntries / RemoveEntries / Entries: canonical, each CIDR once, at most 100."""
    if len(entries) > MAX_REQUEST_ENTRIES:
        raise AwsError(
            "InvalidParameterValue",
            f"The number of entries per request cannot exceeds limit ({MAX_REQUEST_ENTRIES}).",
        )
    result: dict[str, PrefixListEntry] = {}
    for entry in entries:
        cidr = _cidr(entry.get("Cidr"), family)
        if cidr in result:
            raise _invalid(parameter, cidr, "The same CIDR must not appear more than once.")  # assumed
        result[cidr] = PrefixListEntry(cidr, _description(entry.get("Description")) if described else None)
    return list(result.values())


def _modification(msg: str) -> AwsError:
    return AwsError("InvalidPrefixListModification", msg)


def _check_version(plist: ManagedPrefixList, current: int | None) -> None:
    if current is not None and current != plist.version:
        raise AwsError("PrefixListVersionMismatch", _VERSION_MISMATCH)


def _check_fits(plist: ManagedPrefixList, count: int, max_entries: int | None = None) -> None:
    if count > (max_entries or plist.max_entries):
        # Assumed wording of EC2's PrefixListMaxEntriesExceeded.
        raise AwsError(
            "PrefixListMaxEntriesExceeded",
            f"The prefix list {plist.id} would exceed its maximum number of entries "
            f"({max_entries or plist.max_entries}).",
        )


# Plans --------------------------------------------------------------------------------------


@dataclass
class NewPrefixListPlan(Plan):
    """CreateManagedPrefixList: on the new ``prefix-list/*`` with the request's tags."""

    req: CreateManagedPrefixListRequestTypeDef
    tags: dict[str, str] = field(default_factory=dict)
    entries: list[PrefixListEntry] = field(default_factory=list)
    earlier: ManagedPrefixList | None = None  # what an earlier request with the ClientToken made

    def checks(self, ctx: RequestContext) -> Iterator[Check]:
        return creating(ctx, "ec2:CreateManagedPrefixList", "prefix-list", self.req)


def plan_create(ctx: RequestContext, req: CreateManagedPrefixListRequestTypeDef) -> NewPrefixListPlan:
    plan = NewPrefixListPlan(req)
    try:
        plan.earlier = replayed(ctx.ec2.prefix_lists, req)
        if plan.earlier is not None:  # a replay is answered with what the first request made
            return plan
        _check_name(req["PrefixListName"])
        family = req["AddressFamily"]
        if family not in FAMILIES:
            raise _invalid("AddressFamily", family, "Valid values: IPv4, IPv6")  # assumed wording
        _check_max_entries(req["MaxEntries"])
        plan.entries = _request_entries(list(req.get("Entries") or ()), family, "Entries")
        if len(plan.entries) > req["MaxEntries"]:
            raise AwsError(
                "PrefixListMaxEntriesExceeded",
                f"The number of entries ({len(plan.entries)}) exceeds MaxEntries ({req['MaxEntries']}).",
            )  # assumed wording
        plan.tags = tags_for(req.get("TagSpecifications"), "prefix-list", ("prefix-list",))
    except AwsError as error:
        plan.fail(error)
    return plan


@dataclass
class PrefixListPlan(Plan):
    """An operation on one existing list: authorized on its ARN (on the ARN named when it
    doesn't resolve)."""

    named: str
    plist: ManagedPrefixList | None = None

    @property
    def target(self) -> ManagedPrefixList:
        assert self.plist is not None  # a plan without an error resolved it
        return self.plist

    def checks(self, ctx: RequestContext) -> Iterator[Check]:
        action = f"ec2:{ctx.action}"
        if self.plist is None:
            yield unresolved(ctx, action, "prefix-list", self.named)
        else:
            yield resource_check(ctx, action, self.plist)


def _resolve(ctx: RequestContext, req: Mapping[str, Any], own: bool) -> PrefixListPlan:
    """The list `req` names; `own`: the operation changes it, so AWS's lists are refused."""
    plan = PrefixListPlan(req.get("PrefixListId") or "*")
    try:
        plan.plist = find_prefix_list(ctx, req.get("PrefixListId"))
        if own and plan.plist.owner_id != ctx.account_id:
            # Assumed: EC2 refuses changes to an AWS-managed list as an unsupported operation.
            raise AwsError(
                "UnsupportedOperation",
                f"The prefix list {plan.plist.id} is managed by AWS and cannot be changed.",
            )
    except AwsError as error:
        plan.fail(error)
    return plan


P = TypeVar("P", bound="PrefixListPlan")


def _step(plan: P, check: Callable[[ManagedPrefixList], None]) -> P:
    if plan.error is None:
        try:
            check(plan.target)
        except AwsError as error:
            plan.fail(error)
    return plan


@dataclass
class ModifyPlan(PrefixListPlan):
    entries: list[PrefixListEntry] | None = None  # the new version's, when entries change


def plan_modify(ctx: RequestContext, req: ModifyManagedPrefixListRequestTypeDef) -> ModifyPlan:
    base = _resolve(ctx, req, own=True)
    plan = ModifyPlan(base.named, base.plist)
    if base.error is not None:
        plan.fail(base.error)
        return plan

    def check(plist: ManagedPrefixList) -> None:
        _check_version(plist, req.get("CurrentVersion"))
        if req.get("PrefixListName") is not None:
            _check_name(req["PrefixListName"])
        add = _request_entries(list(req.get("AddEntries") or ()), plist.address_family, "AddEntries")
        remove = _request_entries(
            list(req.get("RemoveEntries") or ()), plist.address_family, "RemoveEntries", described=False
        )
        if req.get("MaxEntries") is not None:
            if add or remove:
                raise _modification(
                    "You cannot modify the entries of a prefix list and its maximum number of entries "
                    "at the same time."
                )
            _check_max_entries(req["MaxEntries"])
            if req["MaxEntries"] < len(plist.entries):
                raise _invalid(
                    "MaxEntries", req["MaxEntries"], "It cannot be less than the number of entries."
                )  # assumed wording
        if add or remove:
            plan.entries = _changed_entries(plist, add, remove)
            _check_fits(plist, len(plan.entries))

    return _step(plan, check)


def _changed_entries(
    plist: ManagedPrefixList, add: list[PrefixListEntry], remove: list[PrefixListEntry]
) -> list[PrefixListEntry]:
    """The entries after removing then adding; AWS refuses a CIDR both removed and added, added
    twice or removed while absent (assumed wordings)."""
    current = {e.cidr: e for e in plist.entries}
    removed = {e.cidr for e in remove}
    for entry in add:
        if entry.cidr in removed:
            raise _modification(f"The CIDR {entry.cidr} cannot be both added and removed in one request.")
        if entry.cidr in current:
            raise _modification(f"The prefix list {plist.id} already has an entry for CIDR {entry.cidr}.")
    for cidr in removed:
        if cidr not in current:
            raise _modification(f"The prefix list {plist.id} has no entry for CIDR {cidr}.")
    return [e for e in plist.entries if e.cidr not in removed] + add


def plan_restore(ctx: RequestContext, req: RestoreManagedPrefixListVersionRequestTypeDef) -> PrefixListPlan:
    def check(plist: ManagedPrefixList) -> None:
        _check_version(plist, req["CurrentVersion"])
        previous = req["PreviousVersion"]
        if not 1 <= previous < plist.version:
            raise _invalid("PreviousVersion", previous, "The version does not exist.")  # assumed wording
        _check_fits(plist, len(plist.versions[previous - 1]))

    return _step(_resolve(ctx, req, own=True), check)


def plan_delete(ctx: RequestContext, req: DeleteManagedPrefixListRequestTypeDef) -> PrefixListPlan:
    def check(plist: ManagedPrefixList) -> None:
        if ctx.ec2.prefix_list_users(plist.id):
            # Assumed wording, as EC2 words a security group's dependents.
            raise AwsError("DependencyViolation", f"resource {plist.id} has a dependent object")

    return _step(_resolve(ctx, req, own=True), check)


def plan_entries(ctx: RequestContext, req: GetManagedPrefixListEntriesRequestTypeDef) -> PrefixListPlan:
    def check(plist: ManagedPrefixList) -> None:
        target = req.get("TargetVersion")
        if target is not None and not 1 <= target <= plist.version:
            raise _invalid("TargetVersion", target, "The version does not exist.")  # assumed wording

    return _step(_resolve(ctx, req, own=False), check)


def plan_associations(
    ctx: RequestContext, req: GetManagedPrefixListAssociationsRequestTypeDef
) -> PrefixListPlan:
    return _resolve(ctx, req, own=False)


# Views --------------------------------------------------------------------------------------


def _item(ctx: RequestContext, plist: ManagedPrefixList) -> dict[str, Any]:
    return {
        "PrefixListId": plist.id,
        "AddressFamily": plist.address_family,
        "State": plist.state,
        "StateMessage": plist.state_message,
        "PrefixListArn": PREFIX_LIST.resource_arn(plist, ctx.region, ctx.account_id),
        "PrefixListName": plist.name,
        "MaxEntries": plist.max_entries,
        "Version": plist.version,
        "Tags": tag_list(plist.tags),
        "OwnerId": plist.owner_id,
    }


def _entries(entries: list[PrefixListEntry]) -> list[dict[str, Any]]:
    return [{"Cidr": e.cidr, "Description": e.description} for e in entries]


# Handlers -----------------------------------------------------------------------------------


@ec2_action("CreateManagedPrefixList", resolve=plan_create)
def create_managed_prefix_list(
    ctx: RequestContext, req: CreateManagedPrefixListRequestTypeDef, plan: NewPrefixListPlan
) -> dict[str, Any]:
    if plan.earlier is not None:
        return {"PrefixList": _item(ctx, plan.earlier)}
    token = req.get("ClientToken")
    plist = ManagedPrefixList(
        ctx.ec2.ids.hex_id("pl"),
        ctx.account_id,
        req["PrefixListName"],
        req["AddressFamily"],
        req["MaxEntries"],
        [plan.entries],
        client_token=token,
        request_fingerprint=fingerprint(req) if token else "",
        tags=plan.tags,
    )
    ctx.ec2.prefix_lists.add(plist)
    return {"PrefixList": _item(ctx, plist)}


def _resize(ctx: RequestContext, plist: ManagedPrefixList, max_entries: int) -> None:
    """A new MaxEntries, unless a referencing security group could no longer hold it: then, as
    AWS, the modification fails with the first ten such resources in the state message."""
    blocked = []
    for group in ctx.ec2.prefix_list_users(plist.id):
        for egress in (False, True):
            rules = list(group.rules(egress))
            weight = sum(rule_weight(ctx.ec2, r) for r in rules)
            users = sum(1 for r in rules if r.prefix_list_id == plist.id)
            if weight + users * (max_entries - plist.max_entries) > RULES_QUOTA:
                blocked.append(group.id)
                break
    if blocked:
        plist.state = "modify-failed"
        plist.state_message = (
            "The following resources do not support the new maximum number of entries: "
            + ", ".join(blocked[:10])
        )  # assumed wording
        return
    plist.max_entries = max_entries
    plist.state, plist.state_message = "modify-complete", None


@ec2_action("ModifyManagedPrefixList", resolve=plan_modify)
def modify_managed_prefix_list(
    ctx: RequestContext, req: ModifyManagedPrefixListRequestTypeDef, plan: ModifyPlan
) -> dict[str, Any]:
    plist = plan.target
    if req.get("PrefixListName") is not None:
        plist.name = req["PrefixListName"]
    if plan.entries is not None:
        plist.new_version(plan.entries, "modify-complete")
        plist.state_message = None
    elif req.get("MaxEntries") is not None:
        _resize(ctx, plist, req["MaxEntries"])
    else:
        plist.state = "modify-complete"
    return {"PrefixList": _item(ctx, plist)}


@ec2_action("RestoreManagedPrefixListVersion", resolve=plan_restore)
def restore_managed_prefix_list_version(
    ctx: RequestContext, req: RestoreManagedPrefixListVersionRequestTypeDef, plan: PrefixListPlan
) -> dict[str, Any]:
    plist = plan.target
    previous = plist.versions[req["PreviousVersion"] - 1]
    plist.new_version([PrefixListEntry(e.cidr, e.description) for e in previous], "restore-complete")
    plist.state_message = None
    return {"PrefixList": _item(ctx, plist)}


@ec2_action("DeleteManagedPrefixList", resolve=plan_delete)
def delete_managed_prefix_list(
    ctx: RequestContext, req: DeleteManagedPrefixListRequestTypeDef, plan: PrefixListPlan
) -> dict[str, Any]:
    plist = plan.target
    ctx.ec2.prefix_lists.remove(plist.id)
    # Deletion completes at once; AWS answers "delete-in-progress" and the list goes away shortly.
    return {"PrefixList": {**_item(ctx, plist), "State": "delete-complete"}}


@ec2_action("GetManagedPrefixListEntries", resolve=plan_entries)
def get_managed_prefix_list_entries(
    ctx: RequestContext, req: GetManagedPrefixListEntriesRequestTypeDef, plan: PrefixListPlan
) -> dict[str, Any]:
    plist = plan.target
    version = req.get("TargetVersion") or plist.version
    page, token = paginate(plist.versions[version - 1], req, 1, 100)
    return {"Entries": _entries(list(page)), "NextToken": token}


@ec2_action("GetManagedPrefixListAssociations", resolve=plan_associations)
def get_managed_prefix_list_associations(
    ctx: RequestContext, req: GetManagedPrefixListAssociationsRequestTypeDef, plan: PrefixListPlan
) -> dict[str, Any]:
    users = ctx.ec2.prefix_list_users(plan.target.id)
    page, token = paginate(users, req, 5, 255)
    return {
        "PrefixListAssociations": [{"ResourceId": g.id, "ResourceOwner": g.owner_id} for g in page],
        "NextToken": token,
    }


_FILTERS = FilterSet(
    {"owner-id": lambda p: p.owner_id, "prefix-list-name": lambda p: p.name},
    PREFIX_LIST,
)


def _visible(ctx: RequestContext) -> list[ManagedPrefixList]:
    return [*ctx.ec2.prefix_lists, *aws_managed(ctx.region).by_id.values()]


@ec2_action("DescribeManagedPrefixLists", resolve=NO_RESOURCES)
def describe_managed_prefix_lists(
    ctx: RequestContext, req: DescribeManagedPrefixListsRequestTypeDef
) -> dict[str, Any]:
    ids = req.get("PrefixListIds")
    if ids:
        candidates = [find_prefix_list(ctx, i) for i in dict.fromkeys(ids)]
    else:
        wanted = _FILTERS.ids(req.get("Filters"))
        candidates = (
            [p for p in (lookup(ctx, i) for i in dict.fromkeys(wanted)) if p is not None]
            if wanted is not None
            else _visible(ctx)
        )
    page, token = paginate(_FILTERS.apply(candidates, req.get("Filters")), req, 1, 100)
    return {"PrefixLists": [_item(ctx, p) for p in page], "NextToken": token}


_SERVICE_FILTERS = FilterSet(
    {"prefix-list-id": lambda p: p.id, "prefix-list-name": lambda p: p.name},
)


@ec2_action("DescribePrefixLists", resolve=NO_RESOURCES)
def describe_prefix_lists(ctx: RequestContext, req: DescribePrefixListsRequestTypeDef) -> dict[str, Any]:
    """The AWS services' lists for gateway endpoints (S3, DynamoDB) of the region."""
    managed = aws_managed(ctx.region)
    services = [managed.by_id[i] for i in managed.services]
    ids = req.get("PrefixListIds")
    if ids:
        for prefix_list_id in ids:
            if check_prefix_list_id(prefix_list_id) not in managed.services:
                raise AwsError(*PREFIX_LIST.not_found_message(prefix_list_id))
        services = [p for p in services if p.id in ids]
    page, token = paginate(_SERVICE_FILTERS.apply(services, req.get("Filters")), req)
    return {
        "PrefixLists": [
            {"PrefixListId": p.id, "PrefixListName": p.name, "Cidrs": [e.cidr for e in p.entries]}
            for p in page
        ],
        "NextToken": token,
    }
