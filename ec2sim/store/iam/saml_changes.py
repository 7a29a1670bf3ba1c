"""The journal's changes to IAM SAML providers, and `IamAccount`'s operations that record them.

`SamlProviderOps` is a mixin of `IamAccount`: handlers call its methods, each of which records one
change (`IamStore.record`), so SAML providers are journaled, replayed and persisted like every
other IAM entity.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from ec2sim.store.iam.changes import Change, IamState, Tags, found
from ec2sim.store.iam.saml import SamlPrivateKey, SamlProvider
from ec2sim.store.resources import SAML_PROVIDER


def _providers(state: IamState, account_id: str) -> dict[str, SamlProvider]:
    providers: dict[str, SamlProvider] = state.tables(account_id).saml_providers
    return providers


@dataclass(frozen=True, kw_only=True)
class CreateSAMLProvider(Change):
    name: str
    uuid: str
    metadata: str
    valid_until: datetime
    tags: Tags = ()
    encryption_mode: str | None = None
    private_keys: tuple[SamlPrivateKey, ...] = ()

    def apply(self, state: IamState) -> None:
        arn = SAML_PROVIDER.arn("", self.account_id, self.name)
        _providers(state, self.account_id)[arn] = SamlProvider(
            self.name,
            arn,
            self.uuid,
            self.metadata,
            self.at,
            self.valid_until,
            dict(self.tags),
            self.encryption_mode,
            self.private_keys,
        )


@dataclass(frozen=True, kw_only=True)
class UpdateSAMLProvider(Change):
    """The provider's metadata, encryption mode and private keys, whole."""

    arn: str
    metadata: str
    valid_until: datetime
    encryption_mode: str | None
    private_keys: tuple[SamlPrivateKey, ...]

    def apply(self, state: IamState) -> None:
        provider = found(_providers(state, self.account_id).get(self.arn))
        provider.metadata, provider.valid_until = self.metadata, self.valid_until
        provider.encryption_mode, provider.private_keys = self.encryption_mode, self.private_keys


@dataclass(frozen=True, kw_only=True)
class SetSAMLProviderTags(Change):
    arn: str
    tags: Tags

    def apply(self, state: IamState) -> None:
        found(_providers(state, self.account_id).get(self.arn)).tags = dict(self.tags)


@dataclass(frozen=True, kw_only=True)
class DeleteSAMLProvider(Change):
    arn: str

    def apply(self, state: IamState) -> None:
        del _providers(state, self.account_id)[self.arn]


class SamlProviderOps:
    """`IamAccount`'s SAML provider operations (one recorded change each)."""

    if TYPE_CHECKING:
        account_id: str
        record: Callable[[Change], None]
        saml_providers: dict[str, SamlProvider]

    def create_saml_provider(
        self,
        now: datetime,
        name: str,
        uuid: str,
        metadata: str,
        valid_until: datetime,
        tags: dict[str, str],
        encryption_mode: str | None,
        private_keys: tuple[SamlPrivateKey, ...],
    ) -> SamlProvider:
        self.record(
            CreateSAMLProvider(
                account_id=self.account_id,
                at=now,
                name=name,
                uuid=uuid,
                metadata=metadata,
                valid_until=valid_until,
                tags=tuple(tags.items()),
                encryption_mode=encryption_mode,
                private_keys=private_keys,
            )
        )
        return self.saml_providers[SAML_PROVIDER.arn("", self.account_id, name)]

    def update_saml_provider(
        self,
        now: datetime,
        provider: SamlProvider,
        metadata: str,
        valid_until: datetime,
        encryption_mode: str | None,
        private_keys: tuple[SamlPrivateKey, ...],
    ) -> None:
        current = (provider.metadata, provider.valid_until, provider.encryption_mode, provider.private_keys)
        if current == (metadata, valid_until, encryption_mode, private_keys):
            return
        self.record(
            UpdateSAMLProvider(
                account_id=self.account_id,
                at=now,
                arn=provider.arn,
                metadata=metadata,
                valid_until=valid_until,
                encryption_mode=encryption_mode,
                private_keys=private_keys,
            )
        )

    def set_saml_provider_tags(self, now: datetime, arn: str, tags: dict[str, str]) -> None:
        self.record(
            SetSAMLProviderTags(account_id=self.account_id, at=now, arn=arn, tags=tuple(tags.items()))
        )

    def delete_saml_provider(self, now: datetime, arn: str) -> None:
        self.record(DeleteSAMLProvider(account_id=self.account_id, at=now, arn=arn))
