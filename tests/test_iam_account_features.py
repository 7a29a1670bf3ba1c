"""IAM's account-level features: STS token version preferences, outbound web identity federation,
and the AWS Organizations operations a standalone account is refused."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.config import Config

from ec2sim.testing import EmulatorAccount
from tests.helpers import aws_error


def test_security_token_service_preferences(iam: Any) -> None:
    assert iam.get_account_summary()["SummaryMap"]["GlobalEndpointTokenVersion"] == 1
    iam.set_security_token_service_preferences(GlobalEndpointTokenVersion="v2Token")
    assert iam.get_account_summary()["SummaryMap"]["GlobalEndpointTokenVersion"] == 2
    iam.set_security_token_service_preferences(GlobalEndpointTokenVersion="v1Token")
    assert iam.get_account_summary()["SummaryMap"]["GlobalEndpointTokenVersion"] == 1


def test_security_token_service_preferences_enum(ec2sim: EmulatorAccount) -> None:
    iam = ec2sim.boto3_client("iam", config=Config(parameter_validation=False))
    message = (
        "1 validation error detected: Value 'v3Token' at 'globalEndpointTokenVersion' failed to satisfy "
        "constraint: Member must satisfy enum value set: [v1Token, v2Token]"
    )
    with aws_error("ValidationError", 400, message):
        iam.set_security_token_service_preferences(GlobalEndpointTokenVersion="v3Token")


def test_outbound_web_identity_federation(iam: Any) -> None:
    disabled = "Outbound web identity federation is not enabled for this account."
    with aws_error("FeatureDisabled", 404, disabled):
        iam.get_outbound_web_identity_federation_info()
    with aws_error("FeatureDisabled", 404, disabled):
        iam.disable_outbound_web_identity_federation()
    issuer = iam.enable_outbound_web_identity_federation()["IssuerIdentifier"]
    assert issuer.startswith("https://") and issuer.endswith(".tokens.sts.global.api.aws")
    info = iam.get_outbound_web_identity_federation_info()
    assert (info["IssuerIdentifier"], info["JwtVendingEnabled"]) == (issuer, True)
    enabled = "Outbound web identity federation is already enabled for this account."
    with aws_error("FeatureEnabled", 409, enabled):
        iam.enable_outbound_web_identity_federation()
    iam.disable_outbound_web_identity_federation()
    with aws_error("FeatureDisabled", 404, disabled):
        iam.get_outbound_web_identity_federation_info()


@pytest.mark.parametrize(
    "operation",
    [
        "list_organizations_features",
        "enable_organizations_root_credentials_management",
        "disable_organizations_root_credentials_management",
        "enable_organizations_root_sessions",
        "disable_organizations_root_sessions",
    ],
)
def test_organizations_features_need_an_organization(iam: Any, operation: str) -> None:
    message = "The request was rejected because no organization is associated with your account."
    with aws_error("OrganizationNotFoundException", 400, message):
        getattr(iam, operation)()


def _doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def test_policies_granting_service_access(iam: Any, account_id: str) -> None:
    iam.create_user(UserName="u")
    iam.create_group(GroupName="g")
    iam.add_user_to_group(GroupName="g", UserName="u")
    ec2_read = {"Effect": "Allow", "Action": "EC2:Describe*", "Resource": "*"}
    not_iam = {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}
    deny_s3 = {"Effect": "Deny", "Action": "s3:*", "Resource": "*"}
    iam.put_user_policy(UserName="u", PolicyName="ec2read", PolicyDocument=_doc(ec2_read, deny_s3))
    iam.put_group_policy(GroupName="g", PolicyName="notiam", PolicyDocument=_doc(not_iam))
    arn = iam.create_policy(PolicyName="everything", PolicyDocument=_doc({**ec2_read, "Action": "*"}))[
        "Policy"
    ]["Arn"]
    iam.attach_group_policy(GroupName="g", PolicyArn=arn)
    user_arn = f"arn:aws:iam::{account_id}:user/u"
    response = iam.list_policies_granting_service_access(Arn=user_arn, ServiceNamespaces=["ec2", "iam", "s3"])
    found = {e["ServiceNamespace"]: e["Policies"] for e in response["PoliciesGrantingServiceAccess"]}
    user_inline = {"PolicyName": "ec2read", "PolicyType": "INLINE", "EntityType": "USER", "EntityName": "u"}
    group_inline = {"PolicyName": "notiam", "PolicyType": "INLINE", "EntityType": "GROUP", "EntityName": "g"}
    managed = {"PolicyName": "everything", "PolicyType": "MANAGED", "PolicyArn": arn}
    assert found == {
        "ec2": [user_inline, group_inline, managed],
        "iam": [managed],
        "s3": [group_inline, managed],
    }
    assert response["IsTruncated"] is False
    group = iam.list_policies_granting_service_access(
        Arn=f"arn:aws:iam::{account_id}:group/g", ServiceNamespaces=["iam"]
    )
    assert group["PoliciesGrantingServiceAccess"] == [{"ServiceNamespace": "iam", "Policies": [managed]}]


def test_policies_granting_service_access_unknown_entity(iam: Any, account_id: str) -> None:
    arn = f"arn:aws:iam::{account_id}:role/missing"
    with aws_error("NoSuchEntity", 404, f"Unable to find the entity with the ARN {arn}."):
        iam.list_policies_granting_service_access(Arn=arn, ServiceNamespaces=["ec2"])
