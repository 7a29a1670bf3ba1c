"""Account-level IAM settings that are single values (the STS global endpoint's token version,
outbound web identity federation's issuer, account properties), journaled like every other IAM
change: `AccountSettingOps` is a mixin of `IamAccount` whose methods record them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from ec2sim.store.iam.changes import Change, IamState

TOKEN_VERSION = "global-endpoint-token-version"  # "v1Token" | "v2Token"
OUTBOUND_ISSUER = "outbound-web-identity-issuer"  # set while outbound federation is enabled
PROPERTY_PREFIX = "property:"  # + ``Namespace/PropertyName``: PutAccountProperties' properties


@dataclass(frozen=True, kw_only=True)
class SetAccountSetting(Change):
    name: str
    value: str | None  # None: back to the default

    def apply(self, state: IamState) -> None:
        settings = state.tables(self.account_id).settings
        if self.value is None:
            settings.pop(self.name, None)
        else:
            settings[self.name] = self.value


class AccountSettingOps:
    if TYPE_CHECKING:
        account_id: str
        settings: dict[str, str]
        record: Callable[[Change], None]

    def set_setting(self, now: datetime, name: str, value: str | None) -> None:
        self.record(SetAccountSetting(account_id=self.account_id, at=now, name=name, value=value))
