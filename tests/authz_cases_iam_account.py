"""The authorization matrix's requests for IAM's account-level features, STS's GetFederationToken
(on the federated user's ARN, the SAR's ``federated-user`` resource type) and GetWebIdentityToken."""

from __future__ import annotations

from typing import Any

from ec2sim.store.resources import federated_user_arn
from tests.authz_cases import Builder, case, iam_arn
from tests.authz_env import DOCUMENT, Env

TASK_POLICY = "arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials"


def _enable_outbound(env: Env) -> Any:
    return env.iam.enable_outbound_web_identity_federation()


ACCOUNT_CASES: dict[str, Builder] = {
    "SetSecurityTokenServicePreferences": case({"GlobalEndpointTokenVersion": "v2Token"}),
    "EnableOutboundWebIdentityFederation": case({}),
    "DisableOutboundWebIdentityFederation": case({}, needs=[_enable_outbound]),
    "GetOutboundWebIdentityFederationInfo": case({}, needs=[_enable_outbound]),
    "ListOrganizationsFeatures": case({}),
    "EnableOrganizationsRootCredentialsManagement": case({}),
    "DisableOrganizationsRootCredentialsManagement": case({}),
    "EnableOrganizationsRootSessions": case({}),
    "DisableOrganizationsRootSessions": case({}),
    "ListPoliciesGrantingServiceAccess": case(
        {"Arn": iam_arn("user", lambda env: env.user), "ServiceNamespaces": ["ec2"]},
        iam_arn("user", lambda env: env.user),
    ),
}

# Allowed, these answer what AWS answers a standalone account (tests/test_authz_matrix.py).
REFUSED: dict[tuple[str, str], tuple[str, int]] = {
    **{
        ("iam", name): ("OrganizationNotFoundException", 400)
        for name in ACCOUNT_CASES
        if "Organizations" in name
    },
    ("sts", "AssumeRoot"): ("AccessDenied", 403),
    # No subnet has an IPv6 block yet (issue 15, family 1): AWS refuses IPv6 addresses there.
    ("ec2", "AssignIpv6Addresses"): ("InvalidParameterValue", 400),
    ("sts", "GetDelegatedAccessToken"): ("ExpiredTradeInTokenException", 400),
}

FEDERATION_STS_CASES: dict[str, Builder] = {
    "AssumeRoot": case(
        {"TargetPrincipal": "111122223333", "TaskPolicyArn": {"arn": TASK_POLICY}}
    ),  # allowed on "*": ec2sim's policy validator refuses an ``iam::ACCOUNT:root`` Resource
    "GetDelegatedAccessToken": case({"TradeInToken": "token"}),
    "GetWebIdentityToken": case(
        {"Audience": ["https://api.example.com"], "SigningAlgorithm": "RS256"}, needs=[_enable_outbound]
    ),
    "GetFederationToken": case(
        {"Name": "federated", "Policy": DOCUMENT},
        lambda env: federated_user_arn(env.account_id, "federated"),
    ),
}
