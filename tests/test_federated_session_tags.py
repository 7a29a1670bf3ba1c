"""Session tags passed by an identity provider (IAM User Guide, "Passing session tags in AWS STS"):
an OIDC token's ``https://aws.amazon.com/tags`` claim and a SAML assertion's ``PrincipalTag:*`` and
``TransitiveTagKeys`` attributes become the session's tags (``aws:PrincipalTag/*`` in policies), the
trust policy must allow ``sts:TagSession`` for them, and the transitive ones, only they, pass on to a
role chained from that session."""

from __future__ import annotations

import json
from typing import Any

from ec2sim.server import Server
from tests.helpers import aws_error
from tests.oidc_helpers import github_setup, github_token, session_client, trust, unsigned_sts
from tests.saml_helpers import federated_role, mint

_ATTRIBUTES = "https://aws.amazon.com/SAML/Attributes/"
TAGGED = {"Project": "Automation", "Team": "blue"}  # Project is transitive, Team is not


def _tag_gated_policy() -> str:
    """iam:ListRoles needs the Project tag, iam:ListUsers the Team tag; any role may be assumed, with tags."""

    def allow(action: str, key: str) -> dict[str, Any]:
        condition = {"StringEquals": {f"aws:PrincipalTag/{key}": TAGGED[key]}}
        return {"Effect": "Allow", "Action": action, "Resource": "*", "Condition": condition}

    statements = [
        allow("iam:ListRoles", "Project"),
        allow("iam:ListUsers", "Team"),
        {"Effect": "Allow", "Action": ["sts:AssumeRole", "sts:TagSession"], "Resource": "*"},
    ]
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def _next_role(iam: Any, account_id: str) -> str:
    """The role a federated session chains into: trusting the account, tags allowed."""
    statement = {
        "Effect": "Allow",
        "Principal": {"AWS": account_id},
        "Action": ["sts:AssumeRole", "sts:TagSession"],
    }
    document = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    arn = str(iam.create_role(RoleName="next", AssumeRolePolicyDocument=document)["Role"]["Arn"])
    iam.put_role_policy(RoleName="next", PolicyName="gated", PolicyDocument=_tag_gated_policy())
    return arn


def _tags_then_chain(server: Server, iam: Any, account_id: str, credentials: dict[str, Any]) -> None:
    """The federated session has both tags; a session chained from it keeps only Project, which it
    may not set again."""
    first = session_client(server, "iam", credentials)
    first.list_roles()
    first.list_users()
    chained_sts = session_client(server, "sts", credentials)
    next_arn = _next_role(iam, account_id)
    with aws_error(
        "InvalidParameterValue",
        400,
        "One of the specified transitive tag keys can't be set because it conflicts with a transitive "
        "tag key from the calling session.",
    ):
        chained_sts.assume_role(
            RoleArn=next_arn, RoleSessionName="again", Tags=[{"Key": "project", "Value": "other"}]
        )
    chained = chained_sts.assume_role(RoleArn=next_arn, RoleSessionName="chained")["Credentials"]
    second = session_client(server, "iam", chained)
    second.list_roles()
    with aws_error("AccessDenied", 403, "iam:ListUsers"):
        second.list_users()


def test_web_identity_token_tags_and_their_transitive_keys(server: Server, iam: Any, account_id: str) -> None:
    provider, role = github_setup(iam, account_id, {})
    claim = {
        "principal_tags": {key: [value] for key, value in TAGGED.items()},
        "transitive_tag_keys": ["Project"],
    }
    token = github_token(server, **{"https://aws.amazon.com/tags": claim})
    sts = unsigned_sts(server)
    with aws_error("AccessDenied", 403, "Not authorized to perform sts:AssumeRoleWithWebIdentity"):
        sts.assume_role_with_web_identity(RoleArn=role, RoleSessionName="ci", WebIdentityToken=token)
    document = json.loads(trust(provider))
    document["Statement"][0]["Action"] = ["sts:AssumeRoleWithWebIdentity", "sts:TagSession"]
    iam.update_assume_role_policy(RoleName="deploy", PolicyDocument=json.dumps(document))
    iam.put_role_policy(RoleName="deploy", PolicyName="gated", PolicyDocument=_tag_gated_policy())
    answer = sts.assume_role_with_web_identity(RoleArn=role, RoleSessionName="ci", WebIdentityToken=token)
    _tags_then_chain(server, iam, account_id, answer["Credentials"])


def test_saml_principal_tags_and_transitive_tag_keys(server: Server, iam: Any, account_id: str) -> None:
    url = iam.meta.endpoint_url
    attributes: dict[str, Any] = {f"{_ATTRIBUTES}PrincipalTag:{key}": value for key, value in TAGGED.items()}
    attributes[f"{_ATTRIBUTES}TransitiveTagKeys"] = ["Project"]
    sts = unsigned_sts(server)
    untagging, untagging_provider = federated_role(iam, "plain-idp", "plain")
    with aws_error("AccessDenied", 403, "Not authorized to perform sts:AssumeRoleWithSAML"):
        sts.assume_role_with_saml(
            RoleArn=untagging,
            PrincipalArn=untagging_provider,
            SAMLAssertion=mint(url, roles=[[untagging, untagging_provider]], attributes=attributes),
        )
    role, provider = federated_role(iam, tag=True)
    iam.put_role_policy(RoleName="federated", PolicyName="gated", PolicyDocument=_tag_gated_policy())
    stray = {**attributes, f"{_ATTRIBUTES}TransitiveTagKeys": ["Project", "Cost"]}
    with aws_error(
        "InvalidParameterValue",
        400,
        "The specified transitive tag key must be included in the requested tags.",
    ):
        sts.assume_role_with_saml(
            RoleArn=role,
            PrincipalArn=provider,
            SAMLAssertion=mint(url, roles=[[role, provider]], attributes=stray),
        )
    answer = sts.assume_role_with_saml(
        RoleArn=role,
        PrincipalArn=provider,
        SAMLAssertion=mint(url, roles=[[role, provider]], attributes=attributes),
    )
    _tags_then_chain(server, iam, account_id, answer["Credentials"])
