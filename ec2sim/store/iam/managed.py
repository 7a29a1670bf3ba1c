"""The AWS-managed policy catalogue: global, shared by every account, never modified.

Documents, paths, ids, dates and default versions follow AWS's published managed
policy reference (ReadOnlyAccess is a representative subset of its several
thousand actions). Built once at import; handlers must treat it as read-only.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from ec2sim.store.iam.entities import ManagedPolicy, PolicyVersion

AWS_POLICY_PREFIX = "arn:aws:iam::aws:policy"


def _allow(actions: str | list[str], resource: str = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": actions, "Resource": resource, **extra}


_READ_ONLY_ACTIONS = [
    "autoscaling:Describe*",
    "cloudformation:Describe*",
    "cloudformation:Get*",
    "cloudformation:List*",
    "cloudtrail:Describe*",
    "cloudtrail:Get*",
    "cloudtrail:List*",
    "cloudtrail:LookupEvents",
    "cloudwatch:Describe*",
    "cloudwatch:Get*",
    "cloudwatch:List*",
    "dynamodb:BatchGet*",
    "dynamodb:Describe*",
    "dynamodb:Get*",
    "dynamodb:List*",
    "dynamodb:Query",
    "dynamodb:Scan",
    "ec2:Describe*",
    "ec2:Get*",
    "ec2:SearchTransitGatewayRoutes",
    "elasticloadbalancing:Describe*",
    "iam:Generate*",
    "iam:Get*",
    "iam:List*",
    "iam:Simulate*",
    "kms:Describe*",
    "kms:Get*",
    "kms:List*",
    "lambda:Get*",
    "lambda:List*",
    "logs:Describe*",
    "logs:Get*",
    "logs:FilterLogEvents",
    "logs:ListTagsLogGroup",
    "logs:StartQuery",
    "logs:StopQuery",
    "logs:TestMetricFilter",
    "organizations:Describe*",
    "organizations:List*",
    "s3:Describe*",
    "s3:Get*",
    "s3:List*",
    "sns:Get*",
    "sns:List*",
    "sqs:Get*",
    "sqs:List*",
    "sqs:Receive*",
    "ssm:Describe*",
    "ssm:Get*",
    "ssm:List*",
    "sts:GetCallerIdentity",
    "sts:GetSessionToken",
    "tag:Get*",
]

# name, path, policy id, created, updated, default version, description, statements
_CATALOGUE: list[tuple[str, str, str, str, str, str, str, list[dict[str, Any]]]] = [
    (
        "AdministratorAccess",
        "/",
        "ANPAIWMBCKSKIEE64ZLYK",
        "2015-02-06T18:39:46",
        "2015-02-06T18:39:46",
        "v1",
        "Provides full access to AWS services and resources.",
        [_allow("*")],
    ),
    (
        "ReadOnlyAccess",
        "/",
        "ANPAILL3HVNFSB6DCOWYQ",
        "2015-02-06T18:39:48",
        "2024-11-26T17:32:09",
        "v117",
        "Provides read-only access to AWS services and resources.",
        [_allow(_READ_ONLY_ACTIONS)],
    ),
    (
        "PowerUserAccess",
        "/",
        "ANPAJYRXTHIB4FOVS3ZXS",
        "2015-02-06T18:39:47",
        "2026-02-12T17:59:00",
        "v12",
        "Provides full access to AWS services and resources, but does not allow management of Users and groups.",
        [
            {"Effect": "Allow", "NotAction": ["iam:*", "organizations:*", "account:*"], "Resource": "*"},
            _allow(
                [
                    "account:GetAccountInformation",
                    "account:GetGovCloudAccountInformation",
                    "account:GetPrimaryEmail",
                    "account:ListRegions",
                    "iam:CreateServiceLinkedRole",
                    "iam:DeleteServiceLinkedRole",
                    "iam:ListRoles",
                    "organizations:DescribeEffectivePolicy",
                    "organizations:DescribeOrganization",
                ]
            ),
        ],
    ),
    (
        "IAMFullAccess",
        "/",
        "ANPAI7XKCFMBPM3QQRRVQ",
        "2015-02-06T18:40:38",
        "2019-06-21T19:40:00",
        "v2",
        "Provides full access to IAM via the AWS Management Console.",
        [
            _allow(
                [
                    "iam:*",
                    "organizations:DescribeAccount",
                    "organizations:DescribeOrganization",
                    "organizations:DescribeOrganizationalUnit",
                    "organizations:DescribePolicy",
                    "organizations:ListChildren",
                    "organizations:ListParents",
                    "organizations:ListPoliciesForTarget",
                    "organizations:ListRoots",
                    "organizations:ListPolicies",
                    "organizations:ListTargetsForPolicy",
                ]
            )
        ],
    ),
    (
        "IAMReadOnlyAccess",
        "/",
        "ANPAJKSO7NDY4T57MWDSQ",
        "2015-02-06T18:40:39",
        "2018-01-25T19:11:27",
        "v4",
        "Provides read only access to IAM via the AWS Management Console.",
        [
            _allow(
                [
                    "iam:GenerateCredentialReport",
                    "iam:GenerateServiceLastAccessedDetails",
                    "iam:Get*",
                    "iam:List*",
                    "iam:SimulateCustomPolicy",
                    "iam:SimulatePrincipalPolicy",
                ]
            )
        ],
    ),
    (
        "AmazonEC2FullAccess",
        "/",
        "ANPAI3VAJF5ZCRZ7MCQE6",
        "2015-02-06T18:40:15",
        "2018-11-27T02:16:56",
        "v5",
        "Provides full access to Amazon EC2 via the AWS Management Console.",
        [
            _allow("ec2:*"),
            _allow("elasticloadbalancing:*"),
            _allow("cloudwatch:*"),
            _allow("autoscaling:*"),
            _allow(
                "iam:CreateServiceLinkedRole",
                Condition={
                    "StringEquals": {
                        "iam:AWSServiceName": [
                            "autoscaling.amazonaws.com",
                            "ec2scheduled.amazonaws.com",
                            "elasticloadbalancing.amazonaws.com",
                            "spot.amazonaws.com",
                            "spotfleet.amazonaws.com",
                            "transitgateway.amazonaws.com",
                        ]
                    }
                },
            ),
        ],
    ),
    (
        "AmazonEC2ReadOnlyAccess",
        "/",
        "ANPAIGDT4SV4GSETWTBZK",
        "2015-02-06T18:40:17",
        "2015-02-06T18:40:17",
        "v1",
        "Provides read only access to Amazon EC2 via the AWS Management Console.",
        [
            _allow("ec2:Describe*"),
            _allow("elasticloadbalancing:Describe*"),
            _allow(["cloudwatch:ListMetrics", "cloudwatch:GetMetricStatistics", "cloudwatch:Describe*"]),
            _allow("autoscaling:Describe*"),
        ],
    ),
    (
        "AmazonS3FullAccess",
        "/",
        "ANPAIFIR6V6BVTRAHWINE",
        "2015-02-06T18:40:58",
        "2021-09-27T20:16:37",
        "v2",
        "Provides full access to all buckets via the AWS Management Console.",
        [_allow(["s3:*", "s3-object-lambda:*"])],
    ),
    (
        "AmazonS3ReadOnlyAccess",
        "/",
        "ANPAIZTJ4DXE7G6AGAE6M",
        "2015-02-06T18:40:59",
        "2023-08-10T21:31:39",
        "v3",
        "Provides read only access to all buckets via the AWS Management Console.",
        [_allow(["s3:Get*", "s3:List*", "s3:Describe*", "s3-object-lambda:Get*", "s3-object-lambda:List*"])],
    ),
    (
        "AmazonSSMManagedInstanceCore",
        "/",
        "ANPAIXSHM2BNB2D3AXXRU",
        "2019-03-15T17:22:12",
        "2019-05-23T16:54:21",
        "v2",
        "The policy for Amazon EC2 Role to enable AWS Systems Manager service core functionality.",
        [
            _allow(
                [
                    "ssm:DescribeAssociation",
                    "ssm:GetDeployablePatchSnapshotForInstance",
                    "ssm:GetDocument",
                    "ssm:DescribeDocument",
                    "ssm:GetManifest",
                    "ssm:GetParameter",
                    "ssm:GetParameters",
                    "ssm:ListAssociations",
                    "ssm:ListInstanceAssociations",
                    "ssm:PutInventory",
                    "ssm:PutComplianceItems",
                    "ssm:PutConfigurePackageResult",
                    "ssm:UpdateAssociationStatus",
                    "ssm:UpdateInstanceAssociationStatus",
                    "ssm:UpdateInstanceInformation",
                ]
            ),
            _allow(
                [
                    "ssmmessages:CreateControlChannel",
                    "ssmmessages:CreateDataChannel",
                    "ssmmessages:OpenControlChannel",
                    "ssmmessages:OpenDataChannel",
                ]
            ),
            _allow(
                [
                    "ec2messages:AcknowledgeMessage",
                    "ec2messages:DeleteMessage",
                    "ec2messages:FailMessage",
                    "ec2messages:GetEndpoint",
                    "ec2messages:GetMessages",
                    "ec2messages:SendReply",
                ]
            ),
        ],
    ),
    (
        "AWSLambdaBasicExecutionRole",
        "/service-role/",
        "ANPAJNCQGXC42545SKXIK",
        "2015-04-09T15:03:43",
        "2015-04-09T15:03:43",
        "v1",
        "Provides write permissions to CloudWatch Logs.",
        [_allow(["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"])],
    ),
]


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def _build(entry: tuple[str, str, str, str, str, str, str, list[dict[str, Any]]]) -> ManagedPolicy:
    name, path, policy_id, created, updated, version_id, description, statements = entry
    document = json.dumps({"Version": "2012-10-17", "Statement": statements}, indent=2)
    version = PolicyVersion(version_id, document, _utc(updated))
    return ManagedPolicy(
        name=name,
        path=path,
        id=policy_id,
        arn=f"{AWS_POLICY_PREFIX}{path}{name}",
        create_date=_utc(created),
        update_date=_utc(updated),
        description=description,
        versions={version_id: version},
        default_version_id=version_id,
        next_version=int(version_id[1:]) + 1,
    )


AWS_MANAGED: dict[str, ManagedPolicy] = {p.arn: p for p in map(_build, _CATALOGUE)}


def aws_managed_policy(arn: str) -> ManagedPolicy | None:
    return AWS_MANAGED.get(arn)
