"""A policy may name the account's root user as its Resource (the SAR's ``root-user``, for
sts:AssumeRoot), as AWS's centralized root access guide writes it; near misses stay refused."""

from __future__ import annotations

import json
from typing import Any

from ec2sim.server import Server
from tests.helpers import aws_error
from tests.test_policy_grammar import IAM_PATH_ERROR
from tests.test_sts_standalone import TASK, _allow, _user_sts

NO_ORGANIZATION = "The request was rejected because no organization is associated with your account."


def test_assume_root_allowed_on_one_root_user(server: Server, iam: Any) -> None:
    policy = _allow("sts:AssumeRoot", "arn:aws:iam::111122223333:root")
    sts = _user_sts(server, iam, policy)  # an inline policy naming it is accepted...
    iam.create_policy(PolicyName="root-task", PolicyDocument=json.dumps(policy))  # ...and a managed one
    with aws_error("AccessDenied", 403, NO_ORGANIZATION):  # allowed: past authorization
        sts.assume_root(TargetPrincipal="111122223333", TaskPolicyArn=TASK)
    denied = "is not authorized to perform: sts:AssumeRoot on resource: arn:aws:iam::444455556666:root"
    with aws_error("AccessDenied", 403, denied):
        sts.assume_root(TargetPrincipal="444455556666", TaskPolicyArn=TASK)


def test_near_root_resources_are_malformed(iam: Any) -> None:
    iam.create_user(UserName="u")
    for path in ("roots", "root/x"):
        document = json.dumps(_allow("sts:AssumeRoot", f"arn:aws:iam::111122223333:{path}"))
        with aws_error("MalformedPolicyDocument", 400, IAM_PATH_ERROR):
            iam.put_user_policy(UserName="u", PolicyName="p", PolicyDocument=document)
