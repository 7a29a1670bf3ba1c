"""IAM: the credential report (GenerateCredentialReport, GetCredentialReport).

The report is a CSV snapshot of every user's credentials, root first, in the
columns and with the placeholder values (``N/A``, ``not_supported``,
``no_information``) the IAM User Guide documents. Generation is instant here:
the first Generate answers STARTED, later ones COMPLETE while the report is
under four hours old; after that it has expired and Generate starts anew.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone
from typing import Any

from ec2sim.api.authorization import NO_RESOURCES
from ec2sim.api.context import RequestContext
from ec2sim.api.iam.authz import iam_action
from ec2sim.api.iam.messages import iam_error
from ec2sim.store.iam.account import CredentialReport, IamAccount
from ec2sim.store.iam.entities import AccessKey, User
from ec2sim.store.resources import root_arn

REPORT_LIFETIME = timedelta(hours=4)
NA = "N/A"
_KEY_COLUMNS = ("active", "last_rotated", "last_used_date", "last_used_region", "last_used_service")
HEADER = (
    "user",
    "arn",
    "user_creation_time",
    "password_enabled",
    "password_last_used",
    "password_last_changed",
    "password_next_rotation",
    "mfa_active",
    *(f"access_key_{n}_{column}" for n in (1, 2) for column in _KEY_COLUMNS),
    "cert_1_active",
    "cert_1_last_rotated",
    "cert_2_active",
    "cert_2_last_rotated",
)
_NO_CERTS = ("false", NA, "false", NA)  # the root user's signing certificates are not emulated


def _time(value: datetime | None, missing: str = NA) -> str:
    """ISO 8601 to the second, ``+00:00``, as the report writes times."""
    if value is None:
        return missing
    return value.astimezone(timezone.utc).replace(microsecond=0).isoformat()


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _key_columns(key: AccessKey | None) -> tuple[str, ...]:
    if key is None:
        return ("false", NA, NA, NA, NA)
    return (
        _flag(key.status == "Active"),
        _time(key.create_date),
        _time(key.last_used_date),
        key.last_used_region or NA,
        key.last_used_service or NA,
    )


def _password_columns(iam: IamAccount, user: User) -> tuple[str, ...]:
    """password_enabled … password_next_rotation: N/A throughout without a password."""
    profile = user.login_profile
    if profile is None:
        return ("false", NA, NA, NA)
    max_age = (iam.password_policy or {}).get("MaxPasswordAge")
    rotation = profile.create_date + timedelta(days=max_age) if max_age else None
    return (
        "true",
        _time(user.password_last_used, "no_information"),
        _time(profile.create_date),
        _time(rotation),
    )


def _user_row(iam: IamAccount, user: User) -> tuple[str, ...]:
    keys: list[AccessKey | None] = [
        *sorted(user.access_keys.values(), key=lambda k: k.create_date),
        None,
        None,
    ]
    return (
        user.name,
        user.arn,
        _time(user.create_date),
        *_password_columns(iam, user),
        _flag(bool(user.mfa_devices)),
        *_key_columns(keys[0]),
        *_key_columns(keys[1]),
        *_cert_columns(iam, user),
    )


def _cert_columns(iam: IamAccount, user: User) -> tuple[str, ...]:
    """cert_1_* and cert_2_*: the user's signing certificates in upload order."""
    held: list[Any] = [*iam.user_credentials.of("signing_certificates", user.id).values(), None, None]
    columns: list[str] = []
    for certificate in held[:2]:
        if certificate is None:
            columns += ["false", NA]
        else:
            columns += [_flag(certificate.status == "Active"), _time(certificate.upload_date)]
    return tuple(columns)


def _root_row(iam: IamAccount, created: datetime) -> tuple[str, ...]:
    """The root user: its password columns are not_supported; no MFA, keys or certificates here."""
    return (
        "<root_account>",
        root_arn(iam.account_id),
        _time(created),
        "not_supported",
        "no_information",
        "not_supported",
        "not_supported",
        "false",
        *_key_columns(None),
        *_key_columns(None),
        *_NO_CERTS,
    )


def render_report(iam: IamAccount, now: datetime) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerow(_root_row(iam, iam.create_date))
    writer.writerows(_user_row(iam, user) for user in iam.users.sorted())
    return out.getvalue().rstrip("\n")


def _current(iam: IamAccount, now: datetime) -> CredentialReport | None:
    report = iam.credential_report
    return report if report is not None and now - report.generated < REPORT_LIFETIME else None


@iam_action("GenerateCredentialReport", NO_RESOURCES)
def generate_credential_report(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    if _current(ctx.iam, ctx.now) is not None:
        return {"State": "COMPLETE"}
    ctx.iam.store_credential_report(ctx.now, render_report(ctx.iam, ctx.now))
    return {"State": "STARTED", "Description": "No report exists. Starting a new report generation task"}


@iam_action("GetCredentialReport", NO_RESOURCES)
def get_credential_report(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    report = ctx.iam.credential_report
    if report is None:
        raise iam_error("ReportNotPresent")
    if _current(ctx.iam, ctx.now) is None:
        raise iam_error("ReportExpired")
    return {"Content": report.content, "ReportFormat": "text/csv", "GeneratedTime": report.generated}
