"""A `CallRecord` (`ec2sim.store.trail`) as CloudTrail's event record, in each account it concerns.

One request makes one event in the caller's account, and one more in each other account it reached:
the account of a role assumed across accounts, the owner of another account's resource it used
(RunInstances with a shared AMI). Those events share a ``sharedEventID`` and each has its own
``eventID``; the other accounts see the caller as ``AWSAccount`` (CloudTrail's type for "the
request came from another AWS account"). Which accounts a record concerns comes from the request's
authorization checks: every resource ARN naming another account the server knows.

Assumed where AWS documents no rule:
- ``eventVersion`` "1.09" for every event: the record carries the fields of that version
  (``tlsDetails``, ``sessionCredentialFromConsole`` absent) and none of 1.10's/1.11's.
- A request whose authentication failed is recorded (with ``errorCode``) in the account of the
  access key it was signed with when the server issued that key; a key the server never issued
  belongs to no account, so that request is recorded nowhere.
- EC2's error codes carry CloudTrail's ``Client.``/``Server.`` prefix (``Client.UnauthorizedOperation``).
- ``requestParameters`` and ``responseElements`` are the request and result as boto3 names them, with
  the first letter of each member lowered (not EC2's XML item wrappers); timestamps in them ISO 8601.
- ``responseElements`` is null for reads (Describe*, Get*, List*, Lookup*) and failed calls, as
  AWS writes it; a secret access key is left out, and what the model marks sensitive (passwords,
  private keys, user data, SAML assertions, web identity tokens) and session tokens are replaced
  by CloudTrail's placeholder (EC2's ``<sensitiveDataRemoved>``, IAM's and STS's
  ``HIDDEN_DUE_TO_SECURITY_REASONS``).
"""

from __future__ import annotations

import base64
import json
import re
import uuid
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ec2sim.api.models import SERVICE_INFO
from ec2sim.api.shapes import Shape
from ec2sim.store.iam.credentials import Credential
from ec2sim.store.resources import ROLE, USER, by_id, parse_arn, root_arn
from ec2sim.store.trail import Caller, CallRecord

if TYPE_CHECKING:
    from ec2sim.store import Store

EVENT_VERSION = "1.09"
GLOBAL_REGION = "us-east-1"  # where IAM's events are recorded
_NAMESPACE = uuid.UUID("6f1c3c1e-7a55-4d7e-9d53-0c5e1d1a7a11")  # ec2sim's: per-account event ids
_ACCOUNT = re.compile(r"[0-9]{12}")
_OMITTED = frozenset({"SecretAccessKey"})
_HIDDEN = frozenset(
    {"SessionToken", "Password", "NewPassword", "OldPassword", "PrivateKey", "KeyMaterial", "UserData"}
)
_PLACEHOLDER = {"ec2": "<sensitiveDataRemoved>"}
_HIDDEN_TEXT = "HIDDEN_DUE_TO_SECURITY_REASONS"
_IDENTITY_TYPES = {
    "root": "Root",
    "user": "IAMUser",
    "user-session": "IAMUser",
    "role-session": "AssumedRole",
    "federated-user": "FederatedUser",
}
# CloudFormation-style resource type names where they are not the ARN's type in PascalCase.
_TYPE_NAMES = {"image": "Ami", "vpc": "VPC", "elastic-ip": "EIP", "oidc-provider": "OIDCProvider"}
_SERVICE_NAMES = {"ec2": "EC2", "iam": "IAM", "sts": "STS"}


def _iso(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def event_source(record: CallRecord) -> str:
    return f"{record.service}.amazonaws.com"


# Accounts ------------------------------------------------------------------------------------


def _arn_account(arn: str) -> str:
    parsed = parse_arn(arn)
    return parsed.account if parsed is not None else ""


def _owner(arn: str, store: Store) -> str:
    """The account an ARN names; for an EC2 image or snapshot (whose ARNs name none), its owner's
    as the store knows it now (an image deregistered since: none)."""
    parsed = parse_arn(arn)
    if parsed is None or parsed.account or parsed.service != "ec2":
        return parsed.account if parsed is not None else ""
    registry = {"image": store.shared_images, "snapshot": store.shared_snapshots}.get(parsed.resource_type)
    item = registry.get(parsed.name) if registry is not None else None
    return str(getattr(item, "owner_id", "") or "")


def home_account(record: CallRecord, store: Store) -> str:
    """The account whose trail has the record's main event ("" when none: an unknown key)."""
    caller = record.caller
    if caller is not None and caller.kind != "anonymous":
        return caller.account_id
    if caller is not None:  # AssumeRoleWithWebIdentity/SAML: the role's account
        return _arn_account(str(record.params.get("RoleArn", "")))
    credential = store.credentials.get(record.access_key_id) if record.access_key_id else None
    return credential.account_id if credential is not None else ""


def accounts(record: CallRecord, store: Store) -> tuple[str, ...]:
    """Every account with an event of this record, the home account first."""
    home = home_account(record, store)
    if not home:
        return ()
    found = [home]
    for resource in record.foreign_resources:  # those in the caller's own account add none
        account = _owner(resource, store)
        if account not in found and _ACCOUNT.fullmatch(account) and account in store.accounts:
            found.append(account)
    return tuple(found)


def event_id(record: CallRecord, account: str, home: str) -> str:
    return record.event_id if account == home else str(uuid.uuid5(_NAMESPACE, f"{record.event_id}:{account}"))


# userIdentity --------------------------------------------------------------------------------


def _session_attributes(credential: Credential | None) -> dict[str, str]:
    issued = credential.issued if credential is not None else None
    attributes = {"creationDate": _iso(issued)} if issued is not None else {}
    attributes["mfaAuthenticated"] = (
        "true" if credential is not None and credential.mfa_authenticated else "false"
    )
    return attributes


def _web_identity(credential: Credential) -> dict[str, Any]:
    session = credential.role_session
    keys = dict(session.web_identity) if session is not None else {}
    provider = keys.get("aws:FederatedProvider")
    return {"federatedProvider": provider[0], "attributes": {}} if provider else {}


def _caller_identity(caller: Caller, access_key_id: str) -> dict[str, Any]:
    credential = caller.credential
    identity: dict[str, Any] = {
        "type": {"root": "Root", "user": "IAMUser", "assumed-role": "AssumedRole"}.get(
            caller.kind, "FederatedUser"
        ),
        "principalId": caller.principal_id,
        "arn": caller.arn,
        "accountId": caller.account_id,
        "accessKeyId": access_key_id,
    }
    if caller.kind == "user":
        identity["userName"] = caller.name
    if credential is None or not credential.session_token:
        return identity
    issuer: dict[str, Any] = {}
    session = credential.role_session
    if session is not None:
        issuer = {
            "type": "Role",
            "principalId": session.role_id,
            "arn": ROLE.arn("", caller.account_id, session.role_name, session.role_path),
            "accountId": caller.account_id,
            "userName": session.role_name,
        }
    elif credential.federated is not None:
        issuer = (
            {
                "type": "IAMUser",
                "principalId": credential.user_id,
                "arn": USER.arn("", caller.account_id, str(credential.user_name)),  # path not kept
                "accountId": caller.account_id,
                "userName": credential.user_name,
            }
            if credential.user_id
            else {
                "type": "Root",
                "principalId": caller.account_id,
                "arn": root_arn(caller.account_id),
                "accountId": caller.account_id,
            }
        )
    identity["sessionContext"] = {
        "sessionIssuer": issuer,
        "webIdFederationData": _web_identity(credential),
        "attributes": _session_attributes(credential),
    }
    return identity


def _token_claims(token: str) -> dict[str, Any]:
    """The payload of a JWT, unverified (only to name the caller of a failed call)."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return {}
    return claims if isinstance(claims, dict) else {}


def _federation_identity(record: CallRecord) -> dict[str, Any]:
    """The caller of AssumeRoleWithWebIdentity (WebIdentityUser) or AssumeRoleWithSAML (SAMLUser):
    named by the token or assertion, from the answer when the call succeeded."""
    result = record.result or {}
    if record.action == "AssumeRoleWithSAML":
        subject = str(result.get("Subject", ""))
        qualifier = str(result.get("NameQualifier", ""))
        return {
            "type": "SAMLUser",
            "principalId": f"{qualifier}:{subject}",
            "userName": subject,
            "identityProvider": str(record.params.get("PrincipalArn", "")),
        }
    claims = _token_claims(str(record.params.get("WebIdentityToken", "")))
    provider = str(result.get("Provider") or claims.get("iss", ""))
    audience = result.get("Audience") or claims.get("aud", "")
    audience = audience[0] if isinstance(audience, list) and audience else audience
    subject = str(result.get("SubjectFromWebIdentityToken") or claims.get("sub", ""))
    return {
        "type": "WebIdentityUser",
        "principalId": f"{provider}:{audience}:{subject}",
        "userName": subject,
        "identityProvider": provider,
    }


def user_identity(record: CallRecord, store: Store) -> dict[str, Any]:
    caller = record.caller
    if caller is not None and caller.kind == "anonymous":
        return _federation_identity(record)
    if caller is not None:
        return _caller_identity(caller, record.access_key_id)
    credential = store.credentials.get(record.access_key_id)  # failed authentication, known key
    identity: dict[str, Any] = {"type": "Unknown", "accessKeyId": record.access_key_id}
    if credential is not None:
        identity = {
            "type": _IDENTITY_TYPES.get(credential.kind, "Unknown"),
            "accountId": credential.account_id,
            "accessKeyId": record.access_key_id,
        }
        if credential.user_name and credential.kind == "user":
            identity["userName"] = credential.user_name
    return identity


def username(identity: Mapping[str, Any]) -> str:
    """LookupEvents' Username: the user's, the session's or "root"."""
    kind = identity.get("type")
    if kind == "Root":
        return "root"
    if kind in ("AssumedRole", "FederatedUser"):
        return str(identity.get("arn", "")).rsplit("/", 1)[-1]
    return str(identity.get("userName", ""))


# Request and response ------------------------------------------------------------------------


def _shapes(record: CallRecord) -> tuple[Shape | None, Shape | None]:
    info = SERVICE_INFO.get(record.service)
    if info is None or record.action not in info.operation_names:
        return None, None
    try:
        op = info.operation(record.action)
        return op.input_shape, op.output_shape
    except KeyError:  # an operation the compact model keeps no shapes of
        return None, None


def _camel(name: str) -> str:
    return name[:1].lower() + name[1:]


def elements(value: Any, shape: Shape | None, service: str, name: str = "") -> Any:
    """A request or result in CloudTrail's form: lowerCamel members, sensitive values replaced."""
    if name in _HIDDEN or (shape is not None and shape.metadata.get("sensitive")):
        return _PLACEHOLDER.get(service, _HIDDEN_TEXT)
    if isinstance(value, Mapping):
        is_map = shape is not None and shape.type_name == "map"
        members = shape.members if shape is not None and shape.type_name == "structure" else {}
        out: dict[str, Any] = {}
        for key, item in value.items():
            if not is_map and key in _OMITTED:
                continue
            part = shape.value if is_map and shape is not None else members.get(key)
            out[str(key) if is_map else _camel(str(key))] = elements(
                item, part, service, "" if is_map else key
            )
        return out
    if isinstance(value, (list, tuple)):
        member = shape.member if shape is not None and shape.type_name == "list" else None
        return [elements(item, member, service) for item in value]
    if isinstance(value, datetime):
        return _iso(value)
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode()
    return value


# Resources -----------------------------------------------------------------------------------


def _resource_type(service: str, kind: str) -> str:
    name = _TYPE_NAMES.get(kind) or "".join(part.capitalize() for part in kind.split("-"))
    return f"AWS::{_SERVICE_NAMES.get(service, service.upper())}::{name}"


def _from_arn(arn: str) -> tuple[str, str] | None:
    parsed = parse_arn(arn)
    if parsed is None or "*" in parsed.resource or not parsed.name:
        return None
    # EC2 names a resource by its id; IAM and STS by ARN (as CloudTrail's lookups show them).
    name = parsed.name.rsplit("/", 1)[-1] if parsed.service == "ec2" else arn
    return _resource_type(parsed.service, parsed.resource_type), name


def _made(value: Any, depth: int = 0) -> Iterator[tuple[str, str]]:
    """(ResourceType, id) of each EC2 resource id a result names (``VpcId: vpc-…``), a few levels down."""
    if depth > 3:
        return
    items = (
        value.items() if isinstance(value, Mapping) else enumerate(value) if isinstance(value, list) else ()
    )
    for key, item in items:
        if isinstance(item, str) and str(key).endswith("Id"):
            kind = by_id(item)
            if kind is not None:
                yield _resource_type("ec2", kind.name), item
        elif isinstance(item, (Mapping, list)):
            yield from _made(item, depth + 1)


def resources(record: CallRecord) -> list[tuple[str, str]]:
    """(ResourceType, ResourceName) of what the call touched: the resources its checks named, what
    a change made (the ids its answer names), and an assumed role's key and session."""
    named = [_from_arn(resource) for resource in record.check_resources]
    result = record.result or {}
    if record.service == "ec2" and not record.read_only:
        named += _made(result)
    found: list[tuple[str, str]] = []
    for item in named:
        if item is not None and item not in found:
            found.append(item)
    credentials = result.get("Credentials")
    if isinstance(credentials, Mapping) and credentials.get("AccessKeyId"):
        found.append(("AWS::IAM::AccessKey", str(credentials["AccessKeyId"])))
    assumed = result.get("AssumedRoleUser")
    if isinstance(assumed, Mapping) and assumed.get("Arn"):
        found.append(("AWS::STS::AssumedRole", str(assumed["Arn"])))
    return found


# The event -----------------------------------------------------------------------------------


def _error_code(record: CallRecord) -> str:
    if record.service == "ec2" and record.error_code:
        return f"{'Server' if record.status >= 500 else 'Client'}.{record.error_code}"
    return record.error_code


def event(record: CallRecord, account: str, store: Store, shared: Iterable[str] = ()) -> dict[str, Any]:
    """The record's event in `account`'s trail; `shared`: every account it has an event in."""
    home = home_account(record, store)
    identity = user_identity(record, store)
    if account != home:
        identity = {
            "type": "AWSAccount",
            "principalId": identity.get("principalId", ""),
            "accountId": identity.get("accountId", home),
        }
    request_shape, response_shape = _shapes(record)
    read_only = record.read_only
    doc: dict[str, Any] = {
        "eventVersion": EVENT_VERSION,
        "userIdentity": identity,
        "eventTime": _iso(record.time),
        "eventSource": event_source(record),
        "eventName": record.action,
        "awsRegion": GLOBAL_REGION if record.service == "iam" else record.region or GLOBAL_REGION,
        "sourceIPAddress": record.source_ip,
        "userAgent": record.user_agent,
    }
    if record.error_code:
        doc["errorCode"] = _error_code(record)
        doc["errorMessage"] = record.error_message
    params, result = record.params, record.result  # each unpacked on every read: read once
    doc["requestParameters"] = elements(params, request_shape, record.service) if params else None
    doc["responseElements"] = (
        elements(result, response_shape, record.service)
        if result and not read_only and not record.error_code
        else None
    )
    doc["requestID"] = record.request_id
    doc["eventID"] = event_id(record, account, home)
    doc["readOnly"] = read_only
    doc["eventType"] = "AwsApiCall"
    doc["managementEvent"] = True
    doc["recipientAccountId"] = account
    shared = tuple(shared)
    if len(shared) > 1:
        doc["sharedEventID"] = str(uuid.uuid5(_NAMESPACE, f"shared:{record.event_id}"))
    if record.via_endpoint:
        doc["vpcEndpointId"] = record.via_endpoint
    doc["eventCategory"] = "Management"
    if record.secure:
        doc["tlsDetails"] = {
            "tlsVersion": "TLSv1.3",
            "cipherSuite": "TLS_AES_128_GCM_SHA256",
            "clientProvidedHostHeader": record.host,
        }
    return doc
