"""The authorization matrix's requests for IAM's account-level features, STS's GetFederationToken
(on the federated user's ARN, the SAR's ``federated-user`` resource type) and GetWebIdentityToken."""

from __future__ import annotations

from typing import Any

from ec2sim.store.resources import federated_user_arn
from tests.authz_cases import Builder, case, iam_arn
from tests.authz_env import DOCUMENT, Env
from tests.credential_helpers import _once

TASK_POLICY = "arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials"
ROLE_TEMPLATE = "arn:aws:iam::aws:role-template/ec2.amazonaws.com/ExampleTemplate:1"


def _enable_outbound(env: Env) -> Any:
    return env.iam.enable_outbound_web_identity_federation()


TEMPLATE = "arn:aws:iam::aws:role-template/ec2.amazonaws.com/Example:1"
ENTITY_PATH = "o-a1b2c3d4e5/r-f6g7h8i9j0example"


def _report(env: Env) -> str:
    """An Organizations access report's job (made once per case)."""

    def make() -> str:
        job: str = env.iam.generate_organizations_access_report(EntityPath=ENTITY_PATH)["JobId"]
        return job

    found: str = _once(env, "_organizations_job", make)
    return found


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
    "GetAccountProperties": case({}),
    "PutAccountProperties": case({"Properties": {"RoleManager/Enabled": "true"}}),
    "GetRoleTemplateVersion": case({"TemplateArn": TEMPLATE}, TEMPLATE),
    "GenerateOrganizationsAccessReport": case(
        {"EntityPath": ENTITY_PATH}, lambda env: f"arn:aws:iam::{env.account_id}:access-report/{ENTITY_PATH}"
    ),
    "GetOrganizationsAccessReport": case({"JobId": _report}),
    "ListPoliciesGrantingServiceAccess": case(
        {"Arn": iam_arn("user", lambda env: env.user), "ServiceNamespaces": ["ec2"]},
        iam_arn("user", lambda env: env.user),
    ),
}

REQUEST_ID = "dr-0123456789abcdef"
_REQUEST_ARN = lambda env: f"arn:aws:iam::{env.account_id}:delegation-request/{REQUEST_ID}"  # noqa: E731
DELEGATION_CASES: dict[str, Builder] = {
    **{
        name: case({"DelegationRequestId": REQUEST_ID}, _REQUEST_ARN)
        for name in (
            "GetDelegationRequest",
            "AcceptDelegationRequest",
            "AssociateDelegationRequest",
            "RejectDelegationRequest",
            "SendDelegationToken",
            "UpdateDelegationRequest",
        )
    },
    "GetHumanReadableSummary": case({"EntityArn": _REQUEST_ARN}, _REQUEST_ARN),
    "ListDelegationRequests": case({}),
    "CreateDelegationRequest": case(
        {
            "Description": "access for a partner",
            "Permissions": {"PolicyTemplateArn": "arn:aws:iam::aws:policy-template/T"},
            "RequestorWorkflowId": "workflow-1",
            "NotificationChannel": "arn:aws:sns:us-east-1:111122223333:topic",
            "SessionDuration": 3600,
        },
        lambda env: f"arn:aws:iam::{env.account_id}:delegation-request/*",
    ),
    # Not a delegation request, but refused alike: AWS's role templates, of which ec2sim has none.
    "AcquireRole": case({"TemplateArn": ROLE_TEMPLATE}, ROLE_TEMPLATE),
}

# Allowed, these answer what AWS answers a standalone account (tests/test_authz_matrix.py).
REFUSED: dict[tuple[str, str], tuple[str, int]] = {
    **{
        ("iam", name): ("OrganizationNotFoundException", 400)
        for name in ACCOUNT_CASES
        if "Organizations" in name and "AccessReport" not in name
    },
    ("iam", "GetRoleTemplateVersion"): ("NoSuchEntity", 404),  # ec2sim ships no role templates
    **{
        ("iam", name): ("NoSuchEntity", 404)
        for name in DELEGATION_CASES
        if name not in ("ListDelegationRequests", "CreateDelegationRequest")  # AcquireRole among them
    },
    ("iam", "CreateDelegationRequest"): ("InvalidInput", 400),
    ("sts", "AssumeRoot"): ("AccessDenied", 403),
    # No subnet has an IPv6 block yet (issue 15, family 1): AWS refuses IPv6 addresses there.
    ("ec2", "AssignIpv6Addresses"): ("InvalidParameterValue", 400),
    ("sts", "GetDelegatedAccessToken"): ("ExpiredTradeInTokenException", 400),
    # The matrix's caller signs with an IAM user's own keys, which GetScopedCredentials refuses
    # (tests/test_sts_scoped.py scopes sessions down).
    ("sts", "GetScopedCredentials"): ("InvalidSubjectCredentials", 400),
}

FEDERATION_STS_CASES: dict[str, Builder] = {
    "AssumeRoot": case(
        {"TargetPrincipal": "111122223333", "TaskPolicyArn": {"arn": TASK_POLICY}},
        "arn:aws:iam::111122223333:root",  # the SAR's root-user
    ),
    "GetDelegatedAccessToken": case({"TradeInToken": "token"}),
    "GetScopedCredentials": case({"DurationSeconds": 900}),
    "GetWebIdentityToken": case(
        {"Audience": ["https://api.example.com"], "SigningAlgorithm": "RS256"}, needs=[_enable_outbound]
    ),
    "GetFederationToken": case(
        {"Name": "federated", "Policy": DOCUMENT},
        lambda env: federated_user_arn(env.account_id, "federated"),
    ),
}
