"""The journal records of IAM OpenID Connect providers, and `IamAccount`'s operations on them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from ec2sim.store.iam.changes import Change, IamState, Tags
from ec2sim.store.iam.oidc import OidcProvider, provider_arn


@dataclass(frozen=True, kw_only=True)
class CreateOidcProvider(Change):
    url: str
    client_ids: tuple[str, ...]
    thumbprints: tuple[str, ...]
    tags: Tags = ()

    def apply(self, state: IamState) -> None:
        providers = state.tables(self.account_id).oidc_providers
        arn = provider_arn(self.account_id, self.url)
        providers[arn] = OidcProvider(
            self.url, arn, self.at, list(self.client_ids), list(self.thumbprints), dict(self.tags)
        )


@dataclass(frozen=True, kw_only=True)
class SetOidcProvider(Change):
    """A provider's settings, whole: client ids, thumbprints, tags and directly given keys."""

    arn: str
    client_ids: tuple[str, ...]
    thumbprints: tuple[str, ...]
    tags: Tags
    jwks: str | None

    def apply(self, state: IamState) -> None:
        provider = state.tables(self.account_id).oidc_providers[self.arn]
        provider.client_ids = list(self.client_ids)
        provider.thumbprints = list(self.thumbprints)
        provider.tags = dict(self.tags)
        provider.jwks = self.jwks


@dataclass(frozen=True, kw_only=True)
class DeleteOidcProvider(Change):
    arn: str

    def apply(self, state: IamState) -> None:
        del state.tables(self.account_id).oidc_providers[self.arn]


_KEEP = object()  # `set_oidc_provider`: this setting stays as it is


class OidcProviderOperations:
    """`IamAccount`'s operations on OIDC providers (mixed in: it has the table and the recorder)."""

    account_id: str
    oidc_providers: dict[str, OidcProvider]
    record: Callable[[Change], None]

    def create_oidc_provider(
        self,
        now: datetime,
        url: str,
        client_ids: list[str],
        thumbprints: list[str],
        tags: dict[str, str],
    ) -> OidcProvider:
        self.record(
            CreateOidcProvider(
                account_id=self.account_id,
                at=now,
                url=url,
                client_ids=tuple(client_ids),
                thumbprints=tuple(thumbprints),
                tags=tuple(tags.items()),
            )
        )
        return self.oidc_providers[provider_arn(self.account_id, url)]

    def set_oidc_provider(
        self,
        now: datetime,
        provider: OidcProvider,
        *,
        client_ids: list[str] | None = None,
        thumbprints: list[str] | None = None,
        tags: dict[str, str] | None = None,
        jwks: str | None | object = _KEEP,
    ) -> None:
        """Change the settings given (the others stay); nothing is recorded when nothing changes."""
        new = (
            tuple(provider.client_ids if client_ids is None else client_ids),
            tuple(provider.thumbprints if thumbprints is None else thumbprints),
            tuple((provider.tags if tags is None else tags).items()),
            provider.jwks if jwks is _KEEP else jwks,
        )
        old = (
            tuple(provider.client_ids),
            tuple(provider.thumbprints),
            tuple(provider.tags.items()),
            provider.jwks,
        )
        if new == old:
            return
        assert new[3] is None or isinstance(new[3], str)
        self.record(
            SetOidcProvider(
                account_id=self.account_id,
                at=now,
                arn=provider.arn,
                client_ids=new[0],
                thumbprints=new[1],
                tags=new[2],
                jwks=new[3],
            )
        )

    def delete_oidc_provider(self, now: datetime, arn: str) -> None:
        self.record(DeleteOidcProvider(account_id=self.account_id, at=now, arn=arn))
