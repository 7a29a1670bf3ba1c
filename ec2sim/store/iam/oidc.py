"""IAM OpenID Connect providers: the entity (its journal records and `IamAccount`'s operations on it:
`ec2sim.store.iam.oidc_changes`).

A provider is named by its URL without the scheme (``token.actions.githubusercontent.com``,
``oidc.eks.us-east-1.amazonaws.com/id/ABC``), which is also what its ARN carries. Besides what IAM
stores (client ids, thumbprints, tags), a provider may hold a JWKS given through the control API
(``POST /_ec2sim/oidc/provider-keys``): the keys its tokens are verified with instead of the built-in
issuer's (`ec2sim.iam.web_identity`). The keys are journaled like every other setting, so replaying
the journal (and durable state) keeps them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ec2sim.store.resources import OIDC_PROVIDER


@dataclass(eq=False)
class OidcProvider:
    url: str  # without "https://": what the ARN and GetOpenIDConnectProvider's Url carry
    arn: str
    create_date: datetime
    client_ids: list[str] = field(default_factory=list)
    thumbprints: list[str] = field(default_factory=list)
    tags: dict[str, str] = field(default_factory=dict)
    jwks: str | None = None  # JSON text of the keys given directly; None: the built-in issuer's


def provider_arn(account_id: str, url: str) -> str:
    """``arn:aws:iam::ACCOUNT:oidc-provider/HOST/PATH`` for a URL without its scheme."""
    return OIDC_PROVIDER.arn("", account_id, url)
