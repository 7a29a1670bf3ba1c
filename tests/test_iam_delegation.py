"""IAM delegation requests: only AWS Partners create them, so an ec2sim account has none."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import aws_error

REQUEST_ID = "dr-0123456789abcdef"


@pytest.mark.parametrize(
    "operation",
    [
        "get_delegation_request",
        "accept_delegation_request",
        "associate_delegation_request",
        "reject_delegation_request",
        "send_delegation_token",
    ],
)
def test_no_delegation_request_exists(iam: Any, operation: str) -> None:
    with aws_error("NoSuchEntity", 404, f"The delegation request with id {REQUEST_ID} cannot be found."):
        getattr(iam, operation)(DelegationRequestId=REQUEST_ID)


def test_human_readable_summary(iam: Any, account_id: str) -> None:
    arn = f"arn:aws:iam::{account_id}:delegation-request/{REQUEST_ID}"
    with aws_error("NoSuchEntity", 404, f"The delegation request with id {REQUEST_ID} cannot be found."):
        iam.get_human_readable_summary(EntityArn=arn)
    role = f"arn:aws:iam::{account_id}:role/r"
    with aws_error("InvalidInput", 400, f"Invalid EntityArn: {role}"):
        iam.get_human_readable_summary(EntityArn=role)


def test_listing_is_empty(iam: Any) -> None:
    response = iam.list_delegation_requests()
    assert (response["DelegationRequests"], response["isTruncated"]) == ([], False)


def test_creating_needs_a_partner(iam: Any) -> None:
    with aws_error("InvalidInput", 400, "Only AWS Partners can create delegation requests."):
        iam.create_delegation_request(
            Description="access for a partner",
            Permissions={"PolicyTemplateArn": "arn:aws:iam::aws:policy-template/T"},
            RequestorWorkflowId="workflow-1",
            NotificationChannel="arn:aws:sns:us-east-1:111122223333:topic",
            SessionDuration=3600,
        )


def test_a_policy_may_name_delegation_requests(iam: Any, account_id: str) -> None:
    document = (
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:GetDelegationRequest",'
        f' "Resource": "arn:aws:iam::{account_id}:delegation-request/*"}}]}}'
    )
    iam.create_policy(PolicyName="delegations", PolicyDocument=document)
