"""Service-linked roles: the roles AWS services create in an account, as IAM names them.

A service-linked role lives under ``/aws-service-role/<service>/`` (CreateRole refuses that path,
so the path marks one), trusts its service principal, has its service's AWS-managed policy
attached, and only AWS may change it (`UnmodifiableEntity`). Deleting one starts a deletion task
that this emulator completes at once (no resource of the service can be using it), so
GetServiceLinkedRoleDeletionStatus answers SUCCEEDED for every task it started.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from ec2sim.store.iam import changes as c
from ec2sim.store.iam.entities import Role
from ec2sim.store.iam.managed import AWS_POLICY_PREFIX

SERVICE_ROLE_PATH = "/aws-service-role/"


@dataclass(frozen=True)
class LinkedService:
    role_name: str
    policy: str  # the AWS-managed policy's path and name, under arn:aws:iam::aws:policy
    suffix: bool = False  # whether the service takes a CustomSuffix

    @property
    def policy_arn(self) -> str:
        return f"{AWS_POLICY_PREFIX}{self.policy}"


_SLR = "/aws-service-role/"
# AWS service principal → its role (names and policies as in "AWS services that work with IAM").
LINKED_SERVICES: dict[str, LinkedService] = {
    "autoscaling.amazonaws.com": LinkedService(
        "AWSServiceRoleForAutoScaling", f"{_SLR}AutoScalingServiceRolePolicy", suffix=True
    ),
    "elasticloadbalancing.amazonaws.com": LinkedService(
        "AWSServiceRoleForElasticLoadBalancing", f"{_SLR}AWSElasticLoadBalancingServiceRolePolicy"
    ),
    "ecs.amazonaws.com": LinkedService("AWSServiceRoleForECS", f"{_SLR}AmazonECSServiceRolePolicy"),
    "rds.amazonaws.com": LinkedService("AWSServiceRoleForRDS", f"{_SLR}AmazonRDSServiceRolePolicy"),
    "eks.amazonaws.com": LinkedService("AWSServiceRoleForAmazonEKS", f"{_SLR}AmazonEKSServiceRolePolicy"),
    "eks-nodegroup.amazonaws.com": LinkedService(
        "AWSServiceRoleForAmazonEKSNodegroup", f"{_SLR}AWSServiceRoleForAmazonEKSNodegroup"
    ),
    "eks-fargate.amazonaws.com": LinkedService(
        "AWSServiceRoleForAmazonEKSForFargate", f"{_SLR}AmazonEKSForFargateServiceRolePolicy"
    ),
    "elasticache.amazonaws.com": LinkedService(
        "AWSServiceRoleForElastiCache", f"{_SLR}ElastiCacheServiceRolePolicy"
    ),
    "spot.amazonaws.com": LinkedService("AWSServiceRoleForEC2Spot", f"{_SLR}AWSEC2SpotServiceRolePolicy"),
    "spotfleet.amazonaws.com": LinkedService(
        "AWSServiceRoleForEC2SpotFleet", f"{_SLR}AWSEC2SpotFleetServiceRolePolicy"
    ),
    "ssm.amazonaws.com": LinkedService("AWSServiceRoleForAmazonSSM", f"{_SLR}AmazonSSMServiceRolePolicy"),
    "elasticbeanstalk.amazonaws.com": LinkedService(
        "AWSServiceRoleForElasticBeanstalk", f"{_SLR}AWSElasticBeanstalkServiceRolePolicy"
    ),
    "opensearchservice.amazonaws.com": LinkedService(
        "AWSServiceRoleForAmazonOpenSearchService", f"{_SLR}AmazonOpenSearchServiceRolePolicy"
    ),
    "replication.dynamodb.amazonaws.com": LinkedService(
        "AWSServiceRoleForDynamoDBReplication", f"{_SLR}DynamoDBReplicationServiceRolePolicy"
    ),
    "ecs.application-autoscaling.amazonaws.com": LinkedService(
        "AWSServiceRoleForApplicationAutoScaling_ECSService",
        f"{_SLR}AWSApplicationAutoscalingECSServicePolicy",
    ),
    "dynamodb.application-autoscaling.amazonaws.com": LinkedService(
        "AWSServiceRoleForApplicationAutoScaling_DynamoDBTable",
        f"{_SLR}AWSApplicationAutoscalingDynamoDBTablePolicy",
    ),
    "config.amazonaws.com": LinkedService("AWSServiceRoleForConfig", f"{_SLR}AWSConfigServiceRolePolicy"),
    "guardduty.amazonaws.com": LinkedService(
        "AWSServiceRoleForAmazonGuardDuty", f"{_SLR}AmazonGuardDutyServiceRolePolicy"
    ),
    "backup.amazonaws.com": LinkedService(
        "AWSServiceRoleForBackup", f"{_SLR}AWSBackupServiceLinkedRolePolicyForBackup"
    ),
    "redshift.amazonaws.com": LinkedService(
        "AWSServiceRoleForRedshift", f"{_SLR}AmazonRedshiftServiceLinkedRolePolicy"
    ),
    "organizations.amazonaws.com": LinkedService(
        "AWSServiceRoleForOrganizations", f"{_SLR}AWSOrganizationsServiceTrustPolicy"
    ),
    "support.amazonaws.com": LinkedService("AWSServiceRoleForSupport", f"{_SLR}AWSSupportServiceRolePolicy"),
    "trustedadvisor.amazonaws.com": LinkedService(
        "AWSServiceRoleForTrustedAdvisor", f"{_SLR}AWSTrustedAdvisorServiceRolePolicy"
    ),
}


def is_service_linked(role: Role) -> bool:
    return role.path.startswith(SERVICE_ROLE_PATH)


def trust_policy(service: str) -> str:
    """The trust policy IAM gives a service-linked role: its service principal may assume it."""
    statement = {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


@dataclass(frozen=True, kw_only=True)
class DeleteServiceLinkedRole(c.Change):
    """The role's policies go with it; its deletion task is recorded as done."""

    name: str
    task_id: str

    def apply(self, state: c.IamState) -> None:
        tables = state.tables(self.account_id)
        role = c.role_in(tables, self.name)
        for arn in list(role.attached_policies):
            detach = c.SetAttachment(
                account_id=self.account_id, at=self.at, kind="role", name=role.name, arn=arn, attached=False
            )
            detach.apply(state)
        c.DeleteEntity(account_id=self.account_id, at=self.at, kind="role", name=role.name).apply(state)
        tables.deletion_tasks[self.task_id] = "SUCCEEDED"


class ServiceLinkedRoleOps:
    """`IamAccount`'s operations on service-linked roles (mixed in)."""

    account_id: str
    record: Callable[[c.Change], None]

    def delete_service_linked_role(self, now: datetime, name: str, task_id: str) -> None:
        self.record(DeleteServiceLinkedRole(account_id=self.account_id, at=now, name=name, task_id=task_id))
