"""IAM's account properties (GetAccountProperties, PutAccountProperties), as a standalone account
sees them.

Account properties are ``Namespace/PropertyName`` keys with string values (the model and API
reference); one request sets properties of one namespace. AWS documents neither the namespaces nor
the properties (the Role Manager's are not listed), so any well-formed key is accepted and kept as
given (assumed), journaled as account settings (`ec2sim.store.iam.settings`). The InvalidInput
wordings are assumed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ec2sim.api.context import RequestContext
from ec2sim.api.iam.authz import ArnPlan, iam_action
from ec2sim.api.iam.messages import iam_error
from ec2sim.store.iam.settings import PROPERTY_PREFIX

if TYPE_CHECKING:
    from types_boto3_iam.type_defs import PutAccountPropertiesRequestTypeDef

_NAMESPACES = "iam:AccountPropertyNamespaces"


def properties(ctx: RequestContext) -> dict[str, str]:
    """The account's properties, by key."""
    return {
        name[len(PROPERTY_PREFIX) :]: value
        for name, value in sorted(ctx.iam.settings.items())
        if name.startswith(PROPERTY_PREFIX)
    }


def _namespace(key: str) -> str:
    """The namespace of a ``Namespace/PropertyName`` key: exactly one ``/``, not first or last."""
    namespace, slash, name = key.partition("/")
    if not slash or not namespace or not name or "/" in name:
        raise iam_error("PropertyKeyInvalid", key=key)
    return namespace


def plan_properties(ctx: RequestContext, req: Mapping[str, Any]) -> ArnPlan[None]:
    """The action on ``*`` with the namespaces it reads (the account's) or sets (the request's) as
    iam:AccountPropertyNamespaces; a malformed key is refused first."""
    keys = req["Properties"] if "Properties" in req else properties(ctx)
    namespaces = sorted({_namespace(key) for key in keys})
    return ArnPlan(context={_NAMESPACES: namespaces} if namespaces else {})


@iam_action("GetAccountProperties", plan_properties)
def get_account_properties(
    ctx: RequestContext, req: Mapping[str, Any], plan: ArnPlan[None]
) -> dict[str, Any]:
    return {"Properties": properties(ctx)}


@iam_action("PutAccountProperties", plan_properties)
def put_account_properties(
    ctx: RequestContext, req: PutAccountPropertiesRequestTypeDef, plan: ArnPlan[None]
) -> None:
    given = req["Properties"]
    if len({_namespace(key) for key in given}) > 1:
        raise iam_error("PropertyNamespaces")
    current = properties(ctx)
    for key, value in sorted(given.items()):
        if current.get(key) != value:
            ctx.iam.set_setting(ctx.now, PROPERTY_PREFIX + key, value)
