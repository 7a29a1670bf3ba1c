"""STS operations a standalone account is refused: AssumeRoot (no organization) and
GetDelegatedAccessToken (no approved delegation request)."""

from __future__ import annotations

import json
from typing import Any

from ec2sim.server import Server
from tests.helpers import aws_error, key_client

TASK = {"arn": "arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials"}


def _user_sts(server: Server, iam: Any, policy: dict[str, Any]) -> Any:
    iam.create_user(UserName="admin")
    iam.put_user_policy(UserName="admin", PolicyName="p", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName="admin")["AccessKey"]
    return key_client(server.api_url, "sts", key)


def _allow(action: str, resource: str = "*") -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": action, "Resource": resource}],
    }


def test_assume_root_needs_an_organization(server: Server, iam: Any) -> None:
    sts = _user_sts(server, iam, _allow("sts:AssumeRoot"))
    message = "The request was rejected because no organization is associated with your account."
    with aws_error("AccessDenied", 403, message):
        sts.assume_root(TargetPrincipal="111122223333", TaskPolicyArn=TASK)
    with aws_error("AccessDenied", 403, message):
        sts.assume_root(TargetPrincipal="arn:aws:iam::111122223333:root", TaskPolicyArn=TASK)
    with aws_error("ValidationError", 400, "Invalid TargetPrincipal: someone-else"):
        sts.assume_root(TargetPrincipal="someone-else", TaskPolicyArn=TASK)
    iam.put_user_policy(
        UserName="admin", PolicyName="p", PolicyDocument=json.dumps(_allow("sts:GetCallerIdentity"))
    )
    denied = "is not authorized to perform: sts:AssumeRoot on resource: arn:aws:iam::444455556666:root"
    with aws_error("AccessDenied", 403, denied):
        sts.assume_root(TargetPrincipal="444455556666", TaskPolicyArn=TASK)


def test_assume_root_refuses_the_root_user(sts: Any) -> None:
    with aws_error("AccessDenied", 403, "Root sessions may not be started by root accounts."):
        sts.assume_root(TargetPrincipal="111122223333", TaskPolicyArn=TASK)


def test_no_trade_in_token_is_valid(server: Server, iam: Any) -> None:
    sts = _user_sts(server, iam, _allow("sts:GetDelegatedAccessToken"))
    message = "The trade-in token provided is invalid or has expired."
    with aws_error("ExpiredTradeInTokenException", 400, message):
        sts.get_delegated_access_token(TradeInToken="anything")
