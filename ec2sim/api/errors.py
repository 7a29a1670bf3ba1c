"""AWS errors: one exception type carrying code, message and HTTP status.

Handlers raise `AwsError(code, message)`; the protocol layer renders it in the
service's own envelope. The status comes from AWS's behaviour for that code,
so handlers never pick one.
"""

from __future__ import annotations

from functools import cache

from ec2sim.api.models import service_model

# HTTP status per error code where it is not 400 (AWS's client-error default).
_STATUS: dict[str, int] = {
    "AuthFailure": 401,
    "UnauthorizedOperation": 403,
    "AccessDenied": 403,
    "InvalidClientTokenId": 403,
    "SignatureDoesNotMatch": 403,
    "MissingAuthenticationToken": 403,
    "IncompleteSignature": 400,
    "ExpiredToken": 403,
    "DryRunOperation": 412,
    "RequestLimitExceeded": 503,
    "NoSuchEntity": 404,
    "EntityAlreadyExists": 409,
    "DeleteConflict": 409,
    "ReportNotPresent": 410,
    "ReportExpired": 410,
    "InternalError": 500,
    "InternalFailure": 500,
    "ServiceFailure": 500,
    "ServiceUnavailable": 503,
    "Unavailable": 503,
}


class AwsError(Exception):
    """An error AWS would answer with; rendered by the protocol layer."""

    def __init__(self, code: str, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.explicit_status = status

    @property
    def status(self) -> int:
        """The status when no service is known (EC2's and the shared table's)."""
        return self.status_for("ec2")

    def status_for(self, service: str) -> int:
        """The HTTP status this service answers the code with: explicit, the model's, or the table's."""
        if self.explicit_status is not None:
            return self.explicit_status
        return _model_statuses(service).get(self.code) or _STATUS.get(self.code, 400)

    @property
    def sender_fault(self) -> bool:
        return self.status < 500

    def __repr__(self) -> str:
        return f"AwsError({self.code!r}, {self.message!r}, {self.status})"


@cache
def _model_statuses(service: str) -> dict[str, int]:
    """Error code → HTTP status as the service model declares its exceptions (IAM's LimitExceeded is 409)."""
    statuses: dict[str, int] = {}
    for shape in service_model(service).error_shapes:
        error = shape.metadata.get("error", {})
        if error.get("httpStatusCode"):
            statuses[error.get("code", shape.name)] = error["httpStatusCode"]
    return statuses


def dry_run_ok() -> AwsError:
    return AwsError("DryRunOperation", "Request would have succeeded, but DryRun flag is set.")


def internal_error() -> AwsError:
    return AwsError(
        "InternalError", "An internal error has occurred. Please try your request again later.", 500
    )


# How each service names an authentication failure (see ec2sim.iam.authn).
_EC2_AUTH = "AWS was not able to validate the provided access credentials"
_AUTH_CODES: dict[str, dict[str, str]] = {
    "ec2": {"expired": "RequestExpired", "token-expired": "RequestExpired"},
    "query": {
        "missing": "MissingAuthenticationToken",
        "incomplete": "IncompleteSignature",
        "mismatch": "SignatureDoesNotMatch",
        "expired": "SignatureDoesNotMatch",
        "invalid": "InvalidClientTokenId",
        "token-expired": "ExpiredToken",
    },
}


def auth_error(service: str, error: Exception) -> AwsError:
    """The service's own error for an AuthenticationError (`reason`, `message`)."""
    reason, message = getattr(error, "reason", "invalid"), getattr(error, "message", str(error))
    if service == "ec2":
        code = _AUTH_CODES["ec2"].get(reason, "AuthFailure")
        if code == "RequestExpired":
            return AwsError(code, "Request has expired.")
        return AwsError(code, _EC2_AUTH)
    return AwsError(_AUTH_CODES["query"].get(reason, "InvalidClientTokenId"), message)
