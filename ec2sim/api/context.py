"""The request context: everything a handler may know about the call."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from ec2sim.config import Config
from ec2sim.iam.context_keys import global_context, lowered
from ec2sim.iam.policy.variables import ContextValue
from ec2sim.iam.principal_policies import principal_tags
from ec2sim.iam.principals import Principal
from ec2sim.store import Account, Store
from ec2sim.store.ec2.region import Ec2Region
from ec2sim.store.iam.account import IamAccount


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
    def _global_keys(self) -> dict[str, ContextValue]:
        return global_context(
            self.principal, now=self.now, source_ip=self.source_ip, user_agent=self.user_agent,
            region=self.region, secure=self.secure, principal_tags=principal_tags(self.store, self.principal),
        )

    @cached_property
    def lowered_condition_keys(self) -> dict[str, ContextValue]:
        """The global keys in the engine's form (lower-cased); shared, not to be changed."""
        return lowered(self._global_keys)

    def condition_keys(self) -> dict[str, ContextValue]:
        """The request's global condition keys (a fresh dict the caller may extend)."""
        return dict(self._global_keys)
