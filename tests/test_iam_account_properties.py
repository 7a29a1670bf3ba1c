"""IAM's account properties, role templates and AWS Organizations access reports, as a standalone
account sees them: properties set and read back (one namespace a request, journaled), no role
template, and Organizations reports that fail for want of an organization."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from botocore.config import Config

from ec2sim.server import Server
from ec2sim.testing import EmulatorAccount
from tests.helpers import aws_error, key_client

ENTITY = "o-a1b2c3d4e5/r-f6g7h8i9j0example/123456789012"
TEMPLATE = "arn:aws:iam::aws:role-template/ec2.amazonaws.com/Example:1"


def _user(server: Server, iam: Any, *statements: dict[str, Any]) -> Any:
    """An IAM client of a new user whose only policy has `statements`."""
    iam.create_user(UserName="caller")
    document = json.dumps({"Version": "2012-10-17", "Statement": list(statements)})
    iam.put_user_policy(UserName="caller", PolicyName="p", PolicyDocument=document)
    key = iam.create_access_key(UserName="caller")["AccessKey"]
    return key_client(server.api_url, "iam", key)


# Account properties ------------------------------------------------------------------------------


def test_account_properties(iam: Any) -> None:
    assert iam.get_account_properties()["Properties"] == {}
    iam.put_account_properties(Properties={"RoleManager/Enabled": "true", "RoleManager/Mode": "strict"})
    iam.put_account_properties(Properties={"RoleManager/Mode": "relaxed"})  # replaces one, keeps the other
    iam.put_account_properties(Properties={"Other_ns/Flag": "1"})
    assert iam.get_account_properties()["Properties"] == {
        "Other_ns/Flag": "1",
        "RoleManager/Enabled": "true",
        "RoleManager/Mode": "relaxed",
    }


@pytest.mark.parametrize(
    ("properties", "message"),
    [
        (
            {"RoleManager/A": "1", "Other/B": "2"},
            "All properties in a request must belong to the same namespace.",
        ),
        (
            {"NoSlash": "1"},
            "Invalid property key: NoSlash. Keys must have the format Namespace/PropertyName.",
        ),
        ({"A/b/c": "1"}, "Invalid property key: A/b/c. Keys must have the format Namespace/PropertyName."),
        ({"A/": "1"}, "Invalid property key: A/. Keys must have the format Namespace/PropertyName."),
    ],
)
def test_account_properties_invalid(iam: Any, properties: dict[str, str], message: str) -> None:
    with aws_error("InvalidInput", 400) as error:
        iam.put_account_properties(Properties=properties)
    assert error()["Message"] == message
    assert iam.get_account_properties()["Properties"] == {}


def test_account_properties_model_constraints(ec2sim: EmulatorAccount) -> None:
    iam = ec2sim.boto3_client("iam", config=Config(parameter_validation=False))
    for properties in ({"/A": "1"}, {"A/" + "b" * 49: "1"}, {"A/b": ""}, {"A/b": "x" * 1025}):
        with aws_error("ValidationError", 400, "1 validation error detected"):
            iam.put_account_properties(Properties=properties)


def test_account_properties_namespaces_condition(server: Server, iam: Any, account_id: str) -> None:
    only_role_manager = {
        "Effect": "Allow",
        "Action": ["iam:PutAccountProperties", "iam:GetAccountProperties"],
        "Resource": "*",
        "Condition": {"ForAllValues:StringEquals": {"iam:AccountPropertyNamespaces": ["RoleManager"]}},
    }
    caller = _user(server, iam, only_role_manager)
    caller.put_account_properties(Properties={"RoleManager/Enabled": "true"})
    assert caller.get_account_properties()["Properties"] == {"RoleManager/Enabled": "true"}
    denied = (
        f"User: arn:aws:iam::{account_id}:user/caller is not authorized to perform: "
        "iam:PutAccountProperties on resource: *"
    )
    with aws_error("AccessDenied", 403, denied):
        caller.put_account_properties(Properties={"Other/Enabled": "true"})
    iam.put_account_properties(Properties={"Other/Enabled": "true"})
    with aws_error("AccessDenied", 403, "iam:GetAccountProperties"):  # it would read Other's too
        caller.get_account_properties()


# Role templates -----------------------------------------------------------------------------------


def test_role_template_version(server: Server, iam: Any, account_id: str) -> None:
    with aws_error("NoSuchEntity", 404, f"The role template with ARN {TEMPLATE} cannot be found."):
        iam.get_role_template_version(TemplateArn=TEMPLATE)
    with aws_error("NoSuchEntity", 404):
        iam.get_role_template_version(TemplateArn=TEMPLATE, MinorVersion=2)
    bad = "arn:aws:iam::123456789012:role/not-a-template"
    with aws_error("InvalidInput", 400, f"ARN {bad} is not valid."):
        iam.get_role_template_version(TemplateArn=bad)
    caller = _user(
        server, iam, {"Effect": "Allow", "Action": "iam:GetRoleTemplateVersion", "Resource": TEMPLATE}
    )
    with aws_error("NoSuchEntity", 404):
        caller.get_role_template_version(TemplateArn=TEMPLATE)
    other = TEMPLATE.replace("Example", "Other")
    denied = f"is not authorized to perform: iam:GetRoleTemplateVersion on resource: {other}"
    with aws_error("AccessDenied", 403, denied):
        caller.get_role_template_version(TemplateArn=other)


# AWS Organizations access reports -----------------------------------------------------------------


def test_organizations_access_report_fails_without_an_organization(iam: Any) -> None:
    job_id = iam.generate_organizations_access_report(EntityPath=ENTITY)["JobId"]
    assert len(job_id) == 36
    report = iam.get_organizations_access_report(JobId=job_id)
    assert report["JobStatus"] == "FAILED"
    assert report["JobCompletionDate"] == report["JobCreationDate"]
    assert report["ErrorDetails"] == {
        "Code": "AWSOrganizationsNotInUseException",
        "Message": "Your account is not a member of an organization.",
    }
    assert "AccessDetails" not in report
    with aws_error("NoSuchEntity", 404, f"Job {job_id} not found."):  # not a service last accessed job
        iam.get_service_last_accessed_details(JobId=job_id)
    unknown = "0" * 36
    with aws_error("NoSuchEntity", 404, f"Job {unknown} not found."):
        iam.get_organizations_access_report(JobId=unknown)


def test_organizations_access_report_validation(ec2sim: EmulatorAccount) -> None:
    iam = ec2sim.boto3_client("iam", config=Config(parameter_validation=False))
    with aws_error("ValidationError", 400, "Member must satisfy regular expression pattern"):
        iam.generate_organizations_access_report(EntityPath="not-an-organizations-entity")
    with aws_error("ValidationError", 400, "Member must satisfy regular expression pattern"):
        iam.generate_organizations_access_report(EntityPath=ENTITY, OrganizationsPolicyId="scp-1")
    with aws_error("ValidationError", 400, "1 validation error detected"):
        iam.get_organizations_access_report(JobId="short")


def test_organizations_access_report_authorization(server: Server, iam: Any, account_id: str) -> None:
    report = f"arn:aws:iam::{account_id}:access-report/{ENTITY}"
    allow = {
        "Effect": "Allow",
        "Action": "iam:GenerateOrganizationsAccessReport",
        "Resource": report,
        "Condition": {"StringEquals": {"iam:OrganizationsPolicyId": "p-examplepolicy"}},
    }
    caller = _user(
        server, iam, allow, {"Effect": "Allow", "Action": "iam:GetOrganizationsAccessReport", "Resource": "*"}
    )
    job_id = caller.generate_organizations_access_report(
        EntityPath=ENTITY, OrganizationsPolicyId="p-examplepolicy"
    )["JobId"]
    assert caller.get_organizations_access_report(JobId=job_id)["JobStatus"] == "FAILED"
    denied = f"is not authorized to perform: iam:GenerateOrganizationsAccessReport on resource: {report}"
    with aws_error("AccessDenied", 403, denied):
        caller.generate_organizations_access_report(EntityPath=ENTITY, OrganizationsPolicyId="p-otherpolicy")
    with aws_error("AccessDenied", 403, denied):
        caller.generate_organizations_access_report(EntityPath=ENTITY)


def test_cli_organizations_access_report(server: Server, account_id: str, tmp_path: Path) -> None:
    """The AWS CLI (whose IAM model has no account properties or role templates yet)."""
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": account_id,
        "AWS_SECRET_ACCESS_KEY": "secret",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": str(tmp_path / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"),
    }
    aws = [
        str(Path(sys.executable).parent / "aws"),
        "--endpoint-url",
        server.api_url,
        "--output",
        "json",
        "iam",
    ]

    def run(*args: str) -> Any:
        done = subprocess.run([*aws, *args], env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    job_id = run("generate-organizations-access-report", "--entity-path", ENTITY)["JobId"]
    report = run("get-organizations-access-report", "--job-id", job_id)
    assert report["JobStatus"] == "FAILED"
    assert report["ErrorDetails"]["Code"] == "AWSOrganizationsNotInUseException"
