"""IAM instance profile associations of instances.

An instance has at most one association (`Instance.iam_profile`). AWS reports a new
association as ``associating`` in the call's answer and ``associated`` once described;
a replacement gets a new association id; disassociation answers ``disassociating`` and
the association is gone from then on.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ec2sim.api.authorization import NO_RESOURCES, Check
from ec2sim.api.context import RequestContext
from ec2sim.api.ec2.filters import FilterSet
from ec2sim.api.ec2.paging import paginate
from ec2sim.api.ec2.plans import InstancesPlan, resolve_instances
from ec2sim.api.errors import AwsError
from ec2sim.api.iam.authz import pass_role
from ec2sim.api.registry import ec2_action
from ec2sim.iam.propagation import pending, visible
from ec2sim.store.ec2.instances import IamProfileAssociation, Instance
from ec2sim.store.ec2.region import Ec2Region
from ec2sim.store.iam.entities import InstanceProfile

if TYPE_CHECKING:
    from types_boto3_ec2.type_defs import (
        AssociateIamInstanceProfileRequestTypeDef,
        DescribeIamInstanceProfileAssociationsRequestTypeDef,
        DisassociateIamInstanceProfileRequestTypeDef,
        ReplaceIamInstanceProfileAssociationRequestTypeDef,
    )

ASSOCIATION_PREFIX = "iip-assoc-"


def find_profile(ctx: RequestContext, spec: Mapping[str, Any] | None) -> InstanceProfile | None:
    """The instance profile ``IamInstanceProfile={"Name"|"Arn": ...}`` names, if it exists."""
    return ctx.iam.find_instance_profile(spec.get("Arn") or spec.get("Name") or "") if spec else None


def pass_profile_roles(ctx: RequestContext, profile: InstanceProfile | None) -> list[Check]:
    """iam:PassRole on the role of the instance profile a request hands to EC2."""
    return [pass_role(ctx, name, "ec2.amazonaws.com") for name in profile.role_names] if profile else []


def check_profile(
    ctx: RequestContext, spec: Mapping[str, Any], profile: InstanceProfile | None
) -> InstanceProfile:
    """`profile` (what `spec` named) if an instance can have it: it must exist in the caller's
    account, and it and its role must have propagated (``--iam-propagation-seconds``)."""
    arn, name = spec.get("Arn"), spec.get("Name")
    if arn is not None and name is not None:
        raise AwsError(
            "InvalidParameterCombination",
            "The parameter 'iamInstanceProfile.name' may not be used in combination with 'iamInstanceProfile.arn'",
        )
    changes = pending(ctx.iam, ctx.now)
    if profile is None or not (
        visible(changes, "instance-profile", profile.name)
        and visible(changes, "instance-profile", profile.name, "role")
    ):
        member, value, noun = ("arn", arn, "ARN") if arn else ("name", name, "name")
        raise AwsError(
            "InvalidParameterValue",
            f"Value ({value}) for parameter iamInstanceProfile.{member} is invalid. "
            f"Invalid IAM Instance Profile {noun}",
        )
    return profile


def association(ctx: RequestContext, profile: InstanceProfile) -> IamProfileAssociation:
    return IamProfileAssociation(
        ctx.ec2.ids.hex_id("iip-assoc"), profile.arn, profile.id, "associated", ctx.now
    )


@dataclass
class AssociationPlan(InstancesPlan):
    """The instance (by id, or holding the association named) and the profile the request names."""

    profile: InstanceProfile | None = None

    def checks(self, ctx: RequestContext) -> Iterator[Check]:
        if self.found:
            yield from super().checks(ctx)
        else:  # no association by that id: nothing to name but the action
            yield Check(f"ec2:{ctx.action}")
        yield from pass_profile_roles(ctx, self.profile)


def _plan_associate(ctx: RequestContext, req: AssociateIamInstanceProfileRequestTypeDef) -> AssociationPlan:
    plan = AssociationPlan({}, profile=find_profile(ctx, req.get("IamInstanceProfile")))
    resolve_instances(ctx, [req.get("InstanceId", "")], plan)
    return plan


def _plan_replace(
    ctx: RequestContext, req: ReplaceIamInstanceProfileAssociationRequestTypeDef
) -> AssociationPlan:
    profile = find_profile(ctx, req.get("IamInstanceProfile"))
    return _plan_association(ctx, req.get("AssociationId", ""), profile)


def _plan_disassociate(
    ctx: RequestContext, req: DisassociateIamInstanceProfileRequestTypeDef
) -> AssociationPlan:
    return _plan_association(ctx, req.get("AssociationId", ""), None)


def _plan_association(
    ctx: RequestContext, association_id: str, profile: InstanceProfile | None
) -> AssociationPlan:
    """The instance holding the association `association_id`, or AWS's error."""
    plan = AssociationPlan({}, profile=profile)
    instance = ctx.ec2.iam_associations.get(association_id)
    if instance is not None:
        plan.found, plan.instances = {instance.id: instance}, [instance]
    elif not association_id.startswith(ASSOCIATION_PREFIX):
        plan.fail(AwsError("InvalidParameterValue", "Invalid value for associationId."))
    else:
        plan.fail(
            AwsError("InvalidAssociationID.NotFound", f"The association ID '{association_id}' does not exist")
        )
    return plan


def _view(instance: Instance, association: IamProfileAssociation, state: str | None = None) -> dict[str, Any]:
    return {
        "AssociationId": association.association_id,
        "InstanceId": instance.id,
        "IamInstanceProfile": {"Arn": association.profile_arn, "Id": association.profile_id},
        "State": state or association.state,
        "Timestamp": association.timestamp,
    }


def _associated(region: Ec2Region) -> list[Instance]:
    """Instances that have an association (terminated ones lose theirs)."""
    return list(region.iam_associations.values())


def _find_association(region: Ec2Region, association_id: str) -> Instance:
    """The instance holding an association, or AWS's error (DescribeIamInstanceProfileAssociations)."""
    if not association_id.startswith(ASSOCIATION_PREFIX):
        raise AwsError("InvalidParameterValue", "Invalid value for associationId.")
    found = region.iam_associations.get(association_id)
    if found is None:
        raise AwsError(
            "InvalidAssociationID.NotFound", f"The association ID '{association_id}' does not exist"
        )
    return found


@ec2_action("AssociateIamInstanceProfile", resolve=_plan_associate)
def associate_iam_instance_profile(
    ctx: RequestContext, req: AssociateIamInstanceProfileRequestTypeDef, plan: AssociationPlan
) -> dict[str, Any]:
    instance = plan.instance
    if instance.state not in ("running", "stopped"):
        raise AwsError(
            "IncorrectInstanceState",
            f"The instance '{instance.id}' is not in the 'running' or 'stopped' states.",
        )
    if instance.iam_profile is not None:
        raise AwsError("IncorrectState", f"There is an existing association for instance {instance.id}")
    new = association(ctx, check_profile(ctx, req["IamInstanceProfile"], plan.profile))
    ctx.ec2.set_iam_profile(instance, new)
    return {"IamInstanceProfileAssociation": _view(instance, new, "associating")}


_ASSOCIATION_FILTERS = FilterSet(
    {
        "instance-id": lambda i: i.id,
        "state": lambda i: i.iam_profile.state,
    }
)


@ec2_action("DescribeIamInstanceProfileAssociations", resolve=NO_RESOURCES)
def describe_iam_instance_profile_associations(
    ctx: RequestContext, req: DescribeIamInstanceProfileAssociationsRequestTypeDef
) -> dict[str, Any]:
    ids = req.get("AssociationIds")
    if ids:
        instances = [_find_association(ctx.ec2, a) for a in dict.fromkeys(ids)]
    else:
        instances = _associated(ctx.ec2)
    instances = _ASSOCIATION_FILTERS.apply(instances, req.get("Filters"))
    page, token = paginate(instances, req)
    views = [_view(i, i.iam_profile) for i in page if i.iam_profile is not None]  # each has one
    return {"IamInstanceProfileAssociations": views, "NextToken": token}


@ec2_action("ReplaceIamInstanceProfileAssociation", resolve=_plan_replace)
def replace_iam_instance_profile_association(
    ctx: RequestContext, req: ReplaceIamInstanceProfileAssociationRequestTypeDef, plan: AssociationPlan
) -> dict[str, Any]:
    """Only a running instance's association can be replaced; the new one has a new id."""
    association_id, instance = req["AssociationId"], plan.instance
    if instance.state != "running":
        raise AwsError("IncorrectState", f"The association {association_id} is not the active association")
    new = association(ctx, check_profile(ctx, req["IamInstanceProfile"], plan.profile))
    ctx.ec2.set_iam_profile(instance, new)
    return {"IamInstanceProfileAssociation": _view(instance, new, "associating")}


@ec2_action("DisassociateIamInstanceProfile", resolve=_plan_disassociate)
def disassociate_iam_instance_profile(
    ctx: RequestContext, req: DisassociateIamInstanceProfileRequestTypeDef, plan: AssociationPlan
) -> dict[str, Any]:
    instance = plan.instance
    current = instance.iam_profile
    assert current is not None  # the instance was found by its association
    ctx.ec2.set_iam_profile(instance, None)
    return {"IamInstanceProfileAssociation": _view(instance, current, "disassociating")}
