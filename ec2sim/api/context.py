"""The request context: everything a handler may know about the call."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any

from ec2sim.config import Config
from ec2sim.iam.context_keys import ConditionKeys, global_context
from ec2sim.iam.policy.variables import ContextValue
from ec2sim.iam.principals import Principal
from ec2sim.store import Account, Store
from ec2sim.store.trail import CheckTrace

if TYPE_CHECKING:
    from ec2sim.iam.policy.document import PolicyDocument
    from ec2sim.store.ec2.region import Ec2Region
    from ec2sim.store.iam.account import IamAccount


@dataclass(frozen=True)
class ViaEndpoint:
    """The VPC endpoint a request came through (`ec2sim.api.endpoint_access`)."""

    endpoint_id: str
    vpc_id: str
    owner_id: str
    policy: PolicyDocument


@dataclass
class RequestContext:
    request_id: str
    service: str
    action: str
    region: str
    principal: Principal
    source_ip: str
    user_agent: str
    now: datetime
    store: Store
    config: Config
    secure: bool = False
    # "allow" or "deny" once `authorization.authorize` has decided; the access log's column.
    decision: str = "-"
    via_endpoint: ViaEndpoint | None = None  # set before `global_keys` is first read
    # What `authorization.authorize` checked and decided, in order (the request's record keeps it).
    checks: list[CheckTrace] = field(default_factory=list)
    params: Mapping[str, Any] = field(default_factory=dict)  # the parsed request

    @property
    def account_id(self) -> str:
        return self.principal.account_id

    @cached_property
    def account(self) -> Account:
        return self.store.account(self.account_id)

    @cached_property
    def ec2(self) -> Ec2Region:
        """The caller's EC2 state in the request's region."""
        return self.account.ec2(self.region)

    @property
    def iam(self) -> IamAccount:
        """The caller's account's IAM state."""
        return self.account.iam

    @cached_property
    def global_keys(self) -> ConditionKeys:
        """The request's global condition keys (lower-cased look-ups, computed on first use)."""
        from ec2sim.iam.principal_policies import principal_tags  # with the first policy evaluated

        keys = global_context(
            self.principal,
            now=self.now,
            source_ip=self.source_ip,
            user_agent=self.user_agent,
            region=self.region,
            secure=self.secure,
            principal_tags=lambda: principal_tags(self.store, self.principal),
        )
        via = self.via_endpoint
        if via is not None:
            keys.add("aws:SourceVpce", via.endpoint_id)
            keys.add("aws:SourceVpc", via.vpc_id)
            keys.add("aws:VpceAccount", via.owner_id)
        return keys

    def condition_keys(self) -> dict[str, ContextValue]:
        """The global condition keys as AWS spells them (a fresh dict the caller may extend)."""
        return self.global_keys.canonical()
