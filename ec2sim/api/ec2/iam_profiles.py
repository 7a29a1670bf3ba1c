"""IAM instance profile associations of instances.

An instance has at most one association (`Instance.iam_profile`). AWS reports a new
association as ``associating`` in the call's answer and ``associated`` once described;
a replacement gets a new association id; disassociation answers ``disassociating`` and
the association is gone from then on.
"""

from __future__ import annotations

from typing import Any

from ec2sim.api.context import RequestContext
from ec2sim.api.ec2.filters import FilterSet
from ec2sim.api.ec2.instance_attributes import find_instance
from ec2sim.api.ec2.paging import paginate
from ec2sim.api.errors import AwsError
from ec2sim.api.registry import ec2_action
from ec2sim.iam.propagation import pending, visible
from ec2sim.store.ec2.instances import IamProfileAssociation, Instance
from ec2sim.store.ec2.region import Ec2Region

ASSOCIATION_PREFIX = "iip-assoc-"


def resolve_profile(ctx: RequestContext, spec: dict[str, Any]) -> IamProfileAssociation:
    """An association for ``IamInstanceProfile={"Name"|"Arn": ...}``: the profile must exist in
    the caller's account, and it and its role must have propagated (``--iam-propagation-seconds``)."""
    arn, name = spec.get("Arn"), spec.get("Name")
    if arn is not None and name is not None:
        raise AwsError(
            "InvalidParameterCombination",
            "The parameter 'iamInstanceProfile.name' may not be used in combination with 'iamInstanceProfile.arn'",
        )
    profile = ctx.iam.find_instance_profile(arn or name or "")
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
    return IamProfileAssociation(
        ctx.ec2.ids.hex_id("iip-assoc"), profile.arn, profile.id, "associated", ctx.now
    )


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
    """The instance holding an association, or AWS's error."""
    if not association_id.startswith(ASSOCIATION_PREFIX):
        raise AwsError("InvalidParameterValue", "Invalid value for associationId.")
    found = region.iam_associations.get(association_id)
    if found is None:
        raise AwsError(
            "InvalidAssociationID.NotFound", f"The association ID '{association_id}' does not exist"
        )
    return found


@ec2_action("AssociateIamInstanceProfile")
def associate_iam_instance_profile(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    instance = find_instance(ctx, req["InstanceId"])
    if instance.state not in ("running", "stopped"):
        raise AwsError(
            "IncorrectInstanceState",
            f"The instance '{instance.id}' is not in the 'running' or 'stopped' states.",
        )
    if instance.iam_profile is not None:
        raise AwsError("IncorrectState", f"There is an existing association for instance {instance.id}")
    association = resolve_profile(ctx, req["IamInstanceProfile"])
    ctx.ec2.set_iam_profile(instance, association)
    return {"IamInstanceProfileAssociation": _view(instance, association, "associating")}


_ASSOCIATION_FILTERS = FilterSet(
    {
        "instance-id": lambda i: i.id,
        "state": lambda i: i.iam_profile.state,
    },
    tags=False,
)


@ec2_action("DescribeIamInstanceProfileAssociations")
def describe_iam_instance_profile_associations(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    ids = req.get("AssociationIds")
    if ids:
        instances = [_find_association(ctx.ec2, a) for a in dict.fromkeys(ids)]
    else:
        instances = _associated(ctx.ec2)
    instances = _ASSOCIATION_FILTERS.apply(instances, req.get("Filters"))
    page, token = paginate(instances, req)
    return {"IamInstanceProfileAssociations": [_view(i, i.iam_profile) for i in page], "NextToken": token}


@ec2_action("ReplaceIamInstanceProfileAssociation")
def replace_iam_instance_profile_association(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    """Only a running instance's association can be replaced; the new one has a new id."""
    association_id = req["AssociationId"]
    instance = _find_association(ctx.ec2, association_id)
    if instance.state != "running":
        raise AwsError("IncorrectState", f"The association {association_id} is not the active association")
    association = resolve_profile(ctx, req["IamInstanceProfile"])
    ctx.ec2.set_iam_profile(instance, association)
    return {"IamInstanceProfileAssociation": _view(instance, association, "associating")}


@ec2_action("DisassociateIamInstanceProfile")
def disassociate_iam_instance_profile(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    instance = _find_association(ctx.ec2, req["AssociationId"])
    association = instance.iam_profile
    ctx.ec2.set_iam_profile(instance, None)
    return {"IamInstanceProfileAssociation": _view(instance, association, "disassociating")}
