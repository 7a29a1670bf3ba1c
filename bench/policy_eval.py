"""Micro-benchmark: policy decisions per second for a 20-statement policy with conditions.

usage: PYTHONPATH=. python bench/policy_eval.py [--seconds S]   (from the repository root)
Prints decisions/second for an allowed request (scans every statement), a request denied by a
condition-guarded Deny, and one whose resource needs a policy variable resolved.
"""

from __future__ import annotations

import argparse
import json
import time

from ec2sim.iam.policy.engine import AuthRequest, PolicySource, evaluate
from ec2sim.iam.policy.grammar import parse_policy

ACCOUNT = "111122223333"


def build_policy() -> str:
    statements = []
    for n in range(16):
        statements.append(
            {
                "Sid": f"Family{n}",
                "Effect": "Allow",
                "Action": [f"ec2:Describe{n}*", f"ec2:Create{n}Thing"],
                "Resource": f"arn:aws:ec2:*:{ACCOUNT}:thing{n}/*",
                "Condition": {"StringEquals": {"aws:RequestedRegion": ["us-east-1", "eu-west-1"]}},
            }
        )
    statements += [
        {
            "Effect": "Allow",
            "Action": ["ec2:RunInstances", "ec2:StartInstances", "ec2:StopInstances"],
            "Resource": f"arn:aws:ec2:*:{ACCOUNT}:instance/*",
            "Condition": {
                "StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"},
                "IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "192.0.2.0/24"]},
            },
        },
        {
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::home/${aws:username}/*",
        },
        {
            "Effect": "Deny",
            "Action": "ec2:TerminateInstances",
            "Resource": "*",
            "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
        },
        {
            "Effect": "Deny",
            "NotAction": ["ec2:*", "s3:*", "iam:Get*"],
            "Resource": "*",
            "Condition": {"ForAnyValue:StringLike": {"aws:TagKeys": ["secret*"]}},
        },
    ]
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def rate(request: AuthRequest, sources: list[PolicySource], seconds: float) -> float:
    count, start = 0, time.perf_counter()
    deadline = start + seconds
    while time.perf_counter() < deadline:
        for _ in range(1000):
            evaluate(request, sources)
        count += 1000
    return count / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=2.0)
    args = parser.parse_args()
    sources = [PolicySource("bench", "user-managed", parse_policy(build_policy(), "managed"))]
    context = {
        "aws:requestedregion": "us-east-1",
        "aws:principaltag/team": "blue",
        "aws:resourcetag/team": "blue",
        "aws:sourceip": "10.1.2.3",
        "aws:username": "bob",
        "aws:multifactorauthpresent": "false",
    }
    cases = {
        "allowed (conditions + variable)": AuthRequest(
            "ec2:RunInstances", f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/i-1", context
        ),
        "explicit deny": AuthRequest(
            "ec2:TerminateInstances", f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/i-1", context
        ),
        "resource variable": AuthRequest("s3:GetObject", "arn:aws:s3:::home/bob/notes.txt", context),
        "implicit deny": AuthRequest("ec2:DescribeVpcs", "*", context),
    }
    for name, request in cases.items():
        decision = evaluate(request, sources).decision
        print(f"{name:34s} {decision:13s} {rate(request, sources, args.seconds):>12,.0f} decisions/s")


if __name__ == "__main__":
    main()
