"""The IAM policy grammar: parse and validate a document as IAM does, with IAM's messages.

IAM checks a document in stages, and the first stage that fails names the error:
JSON and element shapes ("Syntax errors in policy."), the Version the kind demands,
Principal placement, the legacy parser (exact Effect case, Date condition values,
ARN colon structure), unique Sids, trust-policy rules, presence of actions, resource
ARN formats, action vendor prefixes, and finally presence of resources.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from ec2sim import jsonsafe
from ec2sim.iam.policy.document import Condition, ConditionValue, PolicyDocument, Statement
from ec2sim.wildcards import compile_tokens, parse

# "aws-managed": AWS's own managed policies, which IAM never validates (some name ``arn:*:`` resources).
KINDS = frozenset({"inline", "managed", "aws-managed", "trust", "session", "resource"})
IDENTITY_KINDS = frozenset({"inline", "managed", "aws-managed", "session"})
VERSIONS = frozenset({"2008-10-17", "2012-10-17"})
DEFAULT_VERSION = "2008-10-17"

SYNTAX = "Syntax errors in policy."
INVALID_JSON = "This policy contains invalid Json"
VERSION_REQUIRED = "Policy document must be version 2012-10-17 or greater."
LEGACY = "The policy failed legacy parsing"
DUPLICATE_SID = "Statement IDs (SID) in a single policy must be unique."
NO_ACTIONS = "Policy statement must contain actions."
NO_RESOURCES = "Policy statement must contain resources."
NO_PRINCIPAL_ALLOWED = "Policy document should not specify a principal."
TRUST_RESOURCE = "Has prohibited field Resource"
TRUST_NO_PRINCIPAL = (
    "Invalid principal in policy: com.amazon.balsa.error.InvalidPolicyException: "
    "The passed in policy has a statement with no principals!"
)
TRUST_ACTIONS = "AssumeRole policy may only specify STS AssumeRole actions."
NO_VENDOR = "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."
ONE_COLON = "Actions/Condition can contain only one colon."

_TOP_KEYS = frozenset({"Version", "Id", "Statement"})
_STATEMENT_KEYS = frozenset(
    {
        "Sid",
        "Effect",
        "Action",
        "NotAction",
        "Resource",
        "NotResource",
        "Principal",
        "NotPrincipal",
        "Condition",
    }
)
_EXCLUSIVE = (("Action", "NotAction"), ("Resource", "NotResource"), ("Principal", "NotPrincipal"))
_PRINCIPAL_TYPES = frozenset({"AWS", "Service", "Federated", "CanonicalUser"})
_TRUST_ACTIONS = frozenset(
    {
        "sts:assumerole",
        "sts:assumerolewithsaml",
        "sts:assumerolewithwebidentity",
        "sts:tagsession",
        "sts:setsourceidentity",
        "sts:setcontext",
    }
)
CONDITION_OPERATORS = frozenset(
    {
        "StringEquals",
        "StringNotEquals",
        "StringEqualsIgnoreCase",
        "StringNotEqualsIgnoreCase",
        "StringLike",
        "StringNotLike",
        "NumericEquals",
        "NumericNotEquals",
        "NumericLessThan",
        "NumericLessThanEquals",
        "NumericGreaterThan",
        "NumericGreaterThanEquals",
        "DateEquals",
        "DateNotEquals",
        "DateLessThan",
        "DateLessThanEquals",
        "DateGreaterThan",
        "DateGreaterThanEquals",
        "Bool",
        "BinaryEquals",
        "IpAddress",
        "NotIpAddress",
        "ArnEquals",
        "ArnLike",
        "ArnNotEquals",
        "ArnNotLike",
        "Null",
    }
)
_REGION_ERRORS = {
    "iam": "IAM resource {} cannot contain region information.",
    "s3": "Resource {} can not contain region information.",
}
_IAM_PATHS = (
    "user/",
    "federated-user/",
    "role/",
    "group/",
    "instance-profile/",
    "mfa/",
    "server-certificate/",
    "policy/",
    "sms-mfa/",
    "saml-provider/",
    "oidc-provider/",
    "report/",
    "access-report/",
)
_IAM_PATH_ERROR = 'IAM resource path must either be "*" or start with ' + ", ".join(_IAM_PATHS) + "."
# Resource types the SAR added after that message was recorded: accepted (assumed), not in it.
_NEWER_IAM_PATHS = ("delegation-request/", "role-template/")
_VENDOR_BAD = re.compile(r"[^a-zA-Z0-9\-.]")
_WHITESPACE = re.compile(r"[ \t\n\r]*")
_ISO_DATE = re.compile(
    r"(-?\d+)(?:-(\d+))?(?:-(\d+))?"
    r"(?:t(?:(\d+)(?::(\d+)(?::(\d+)(?:\.(\d+))?(?:z|\+(\d+)(?::(\d+))?)?)?)?)?)?",
    re.IGNORECASE | re.ASCII,
)
_DECODER = jsonsafe.DECODER  # re-walks documents `jsonsafe.loads` accepted
_MAX_EPOCH = 2**63 - 1
_MAX_DATE_LENGTH = 64  # assumed: no date Java's parser reads is written longer (bounds int())


class PolicyError(Exception):
    """A document IAM rejects; ``str()`` is IAM's MalformedPolicyDocument message."""


def policy_size(text: str) -> int:
    """The size IAM counts against its quotas: characters that are not whitespace."""
    return sum(1 for ch in text if not ch.isspace())


@lru_cache(maxsize=2048)
def parse_policy(text: str, kind: str) -> PolicyDocument:
    """The parsed document, or `PolicyError` with IAM's message for the first failing check."""
    if kind not in KINDS:
        raise ValueError(f"unknown policy kind {kind!r}")
    raw, spans = _decode(text, kind)
    statements = _check_syntax(raw)
    version = raw.get("Version", DEFAULT_VERSION)
    if kind == "managed" and version != "2012-10-17":
        raise PolicyError(VERSION_REQUIRED)
    if kind in IDENTITY_KINDS and any("Principal" in s or "NotPrincipal" in s for s in statements):
        raise PolicyError(NO_PRINCIPAL_ALLOWED)
    resource_error = _check_legacy(statements)
    _check_sids(statements)
    if kind == "trust":
        _check_trust(statements)
    elif not all(_present(s, "Action", "NotAction") for s in statements):
        raise PolicyError(NO_ACTIONS)
    if resource_error and kind not in ("trust", "aws-managed"):
        raise PolicyError(resource_error)
    for key in ("Action", "NotAction"):
        for statement in statements:
            for action in _strings(statement.get(key)):
                _check_action(action)
    if kind != "trust" and not all(_present(s, "Resource", "NotResource") for s in statements):
        raise PolicyError(NO_RESOURCES)
    built = tuple(_statement(s, start, end) for s, (start, end) in zip(statements, spans, strict=True))
    return PolicyDocument(version=version, statements=built, text=text, id=raw.get("Id"))


# Decoding with statement offsets ------------------------------------------------------


def _skip(text: str, pos: int) -> int:
    return _WHITESPACE.match(text, pos).end()  # type: ignore[union-attr]


def _decode(text: str, kind: str) -> tuple[dict[str, Any], list[tuple[int, int]]]:
    """The document, and each statement's (start, end) character offsets in `text`. IAM words
    unparsable trust policies "This policy contains invalid Json" (recorded CreateRole answers),
    identity policies "Syntax errors in policy."."""
    try:
        raw = jsonsafe.loads(text)
    except jsonsafe.JsonError:  # any unparsable document, huge numbers and deep nesting included
        raise PolicyError(INVALID_JSON if kind == "trust" else SYNTAX) from None
    if not isinstance(raw, dict):
        raise PolicyError(SYNTAX)
    return raw, _statement_spans(text, _skip(text, 0))


def _statement_spans(text: str, pos: int) -> list[tuple[int, int]]:
    """Walk the (already valid) top-level object to the last ``Statement`` member's items."""
    spans: list[tuple[int, int]] = []
    pos = _skip(text, pos + 1)
    while text[pos] != "}":
        key, pos = _DECODER.raw_decode(text, pos)
        pos = _skip(text, _skip(text, pos) + 1)  # past the colon
        if key == "Statement":
            spans, end = _item_spans(text, pos)
        else:
            end = _DECODER.raw_decode(text, pos)[1]
        pos = _skip(text, end)
        if text[pos] == ",":
            pos = _skip(text, pos + 1)
    return spans


def _item_spans(text: str, pos: int) -> tuple[list[tuple[int, int]], int]:
    """Spans of a Statement value: the object itself, or each item of the list."""
    if text[pos] != "[":
        end = _DECODER.raw_decode(text, pos)[1]
        return [(pos, end)], end
    spans = []
    pos = _skip(text, pos + 1)
    while text[pos] != "]":
        end = _DECODER.raw_decode(text, pos)[1]
        spans.append((pos, end))
        pos = _skip(text, end)
        if text[pos] == ",":
            pos = _skip(text, pos + 1)
    return spans, pos + 1


# Stage checks -------------------------------------------------------------------------


def _check_syntax(raw: dict[str, Any]) -> list[dict[str, Any]]:
    """Element names and shapes; the statements as a list."""
    if not set(raw) <= _TOP_KEYS or "Statement" not in raw:
        raise PolicyError(SYNTAX)
    if "Version" in raw and raw["Version"] not in VERSIONS:
        raise PolicyError(SYNTAX)
    if "Id" in raw and not isinstance(raw["Id"], str):
        raise PolicyError(SYNTAX)
    statements = raw["Statement"]
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list) or not statements:
        raise PolicyError(SYNTAX)
    for statement in statements:
        if not _statement_well_formed(statement):
            raise PolicyError(SYNTAX)
    return statements


def _statement_well_formed(statement: Any) -> bool:
    if not isinstance(statement, dict) or not set(statement) <= _STATEMENT_KEYS:
        return False
    if any(a in statement and b in statement for a, b in _EXCLUSIVE):
        return False
    effect = statement.get("Effect")
    if not isinstance(effect, str) or effect.lower() not in ("allow", "deny"):
        return False
    if "Sid" in statement and not isinstance(statement["Sid"], str):
        return False
    for key in ("Action", "NotAction", "Resource", "NotResource"):
        if key in statement and not _is_string_list(statement[key]):
            return False
    for key in ("Principal", "NotPrincipal"):
        if key in statement and not _principal_well_formed(statement[key]):
            return False
    return "Condition" not in statement or _condition_well_formed(statement["Condition"])


def _is_string_list(value: Any) -> bool:
    return isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value))


def _principal_well_formed(value: Any) -> bool:
    if value == "*":
        return True
    return (
        isinstance(value, dict)
        and bool(value)
        and set(value) <= _PRINCIPAL_TYPES
        and all(_is_string_list(v) for v in value.values())
    )


def _is_condition_value(value: Any) -> bool:
    scalar = (str, bool, int, float)
    return isinstance(value, scalar) or (
        isinstance(value, list) and all(isinstance(v, scalar) for v in value)
    )


def _condition_well_formed(condition: Any) -> bool:
    if not isinstance(condition, dict):
        return False
    for operator, block in condition.items():
        if not isinstance(block, dict) or not all(_is_condition_value(v) for v in block.values()):
            return False
        if block and _base_operator(operator) not in CONDITION_OPERATORS:
            return False
    return True


def _base_operator(operator: str) -> str:
    """``ForAnyValue:StringLikeIfExists`` → ``StringLike``."""
    for prefix in ("ForAnyValue:", "ForAllValues:"):
        if operator.startswith(prefix):
            operator = operator[len(prefix) :]
            break
    return operator.removesuffix("IfExists")


def _check_legacy(statements: list[dict[str, Any]]) -> str | None:
    """The legacy parser's checks; returns the resource-format error IAM reports later, if any."""
    for statement in statements:
        if statement["Effect"] not in ("Allow", "Deny"):
            raise PolicyError(LEGACY)
        for operator, block in statement.get("Condition", {}).items():
            if _base_operator(operator).startswith("Date"):
                for value in block.values():
                    for item in value if isinstance(value, list) else [value]:
                        if not _legacy_date(str(item)):
                            raise PolicyError(LEGACY)
    resource_error: str | None = None
    for key in ("Resource", "NotResource"):
        for statement in statements:
            if key not in statement:
                continue
            resources = _strings(statement[key])
            for resource in sorted(resources, reverse=True):
                resource_error = _resource_problem(resource) or resource_error
            if resource_error is None and not all(_legacy_arn(r) for r in resources):
                raise PolicyError(LEGACY)
    return resource_error


def _legacy_date(value: str) -> bool:
    """A Date condition value: epoch seconds, or an ISO 8601 date-time within Java's range
    (ASCII digits only)."""
    if len(value) > _MAX_DATE_LENGTH:
        return False
    if "t" not in value.lower() and "-" not in value:
        return value.isascii() and value.isdigit() and int(value) <= _MAX_EPOCH
    match = _ISO_DATE.fullmatch(value)
    if match is None:
        return False
    year, month, day, hour, minute, second, fraction, tz_hour, tz_minute = match.groups()
    limits = ((month, 1, 12), (day, 1, 31), (hour, 0, 23), (minute, 0, 59), (second, 0, 59))
    if not -292275054 <= int(year) <= 292278993:
        return False
    if any(part is not None and not low <= int(part) <= high for part, low, high in limits):
        return False
    if fraction is not None and len(fraction) > 9:
        return False
    if tz_hour is not None and (len(tz_hour) != 2 or int(tz_hour) > 23):
        return False
    return tz_minute is None or (len(tz_minute) == 2 and int(tz_minute) <= 59)


def _legacy_arn(resource: str) -> bool:
    if resource == "*":
        return True
    parts = resource.split(":")
    return (len(parts) >= 6 or "::" not in resource) and (len(parts) < 3 or parts[2] != "")


# S3 resource types whose ARNs carry a region (access points, batch jobs, Storage Lens, access grants:
# the Service Authorization Reference's S3 resource types); buckets and objects carry none.
_REGIONAL_S3 = ("accesspoint/", "job/", "storage-lens/", "storage-lens-group/", "access-grants/")


def _regional_s3(service: str, rest: str) -> bool:
    """Whether `rest` (``region:account:resource``) is an S3 resource type that has a region."""
    return service == "s3" and rest.split(":", 2)[-1].startswith(_REGIONAL_S3)


def _resource_problem(resource: str) -> str | None:
    """IAM's complaint about one Resource/NotResource value, if it has one."""
    if resource == "*":
        return None
    _, colon, rest = resource.partition(":")
    if not colon:
        return f'Resource {resource} must be in ARN format or "*".'
    partition, colon, rest = rest.partition(":")
    if partition != "aws":
        parts = rest.split(":")
        fields = [
            parts[0] if parts[0] or len(parts) > 1 else "*",
            parts[1] if len(parts) > 1 else "*",
            parts[2] if len(parts) > 2 else "*",
            ":".join(parts[3:]) if len(parts) > 3 else "*",
        ]
        return f'Partition "{partition}" is not valid for resource "arn:{partition}:{":".join(fields)}".'
    if not colon:
        return "Resource vendor must be fully qualified and cannot contain regexes."
    service, _, rest = rest.partition(":")
    if service in _REGION_ERRORS and not rest.startswith(":") and not _regional_s3(service, rest):
        return _REGION_ERRORS[service].format(resource)
    path = rest.partition(":")[2].partition(":")[2]
    if service == "iam" and path != "*" and not path.startswith(_IAM_PATHS + _NEWER_IAM_PATHS):
        return _IAM_PATH_ERROR
    return None


def _check_sids(statements: list[dict[str, Any]]) -> None:
    seen: set[str] = set()
    for statement in statements:
        sid = statement.get("Sid")
        if sid:
            if sid in seen:
                raise PolicyError(DUPLICATE_SID)
            seen.add(sid)


def _check_trust(statements: list[dict[str, Any]]) -> None:
    """A role trust policy: principals required, no resources, only AssumeRole-family actions."""
    for statement in statements:
        if "Resource" in statement or "NotResource" in statement:
            raise PolicyError(TRUST_RESOURCE)
        if "Principal" not in statement and "NotPrincipal" not in statement:
            raise PolicyError(TRUST_NO_PRINCIPAL)
        if not _present(statement, "Action", "NotAction"):
            raise PolicyError(NO_ACTIONS)
        for action in _strings(statement.get("Action")):
            if not _trust_action(action):
                raise PolicyError(TRUST_ACTIONS)


def _trust_action(action: str) -> bool:
    lowered = action.lower()
    if "*" not in lowered and "?" not in lowered:
        return lowered in _TRUST_ACTIONS
    matches = compile_tokens(parse(lowered))
    return lowered.startswith("sts:") and any(matches(a) for a in _TRUST_ACTIONS)


def _present(statement: dict[str, Any], key: str, not_key: str) -> bool:
    value = statement.get(key, statement.get(not_key))
    return value is not None and value != []


def _check_action(action: str) -> None:
    if action == "*":
        return
    parts = action.split(":")
    if len(parts) == 1:
        raise PolicyError(NO_VENDOR)
    if len(parts) > 2:
        raise PolicyError(ONE_COLON)
    if _VENDOR_BAD.search(parts[0]):
        raise PolicyError(f"Vendor {parts[0]} is not valid")


# Building the typed document ------------------------------------------------------------


def _strings(value: Any) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _tuple(value: Any) -> tuple[str, ...] | None:
    return None if value is None else tuple(_strings(value))


def _principals(value: Any) -> tuple[tuple[str, tuple[str, ...]], ...] | None:
    if value is None:
        return None
    if value == "*":
        return (("*", ("*",)),)
    return tuple((kind, tuple(_strings(ids))) for kind, ids in value.items())


def _conditions(condition: dict[str, Any]) -> Iterator[Condition]:
    for operator, block in condition.items():
        for key, value in block.items():
            values: list[ConditionValue] = value if isinstance(value, list) else [value]
            yield Condition(operator, key, tuple(values))


def _statement(raw: dict[str, Any], start: int, end: int) -> Statement:
    return Statement(
        effect=raw["Effect"],
        sid=raw.get("Sid"),
        actions=_tuple(raw.get("Action")),
        not_actions=_tuple(raw.get("NotAction")),
        resources=_tuple(raw.get("Resource")),
        not_resources=_tuple(raw.get("NotResource")),
        principals=_principals(raw.get("Principal")),
        not_principals=_principals(raw.get("NotPrincipal")),
        conditions=tuple(_conditions(raw.get("Condition", {}))),
        start=start,
        end=end,
    )
