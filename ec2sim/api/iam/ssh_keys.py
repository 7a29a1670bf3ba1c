"""IAM: users' SSH public keys (for CodeCommit), at most `MAX_KEYS_PER_USER` each.

A key is uploaded in OpenSSH format (``ssh-rsa``, at least 2,048 bits, or ``ssh-ed25519``) or as a
PEM public key; its fingerprint is the MD5 digest of the OpenSSH key blob in colon-separated hex (as
``ssh-keygen -l -E md5`` prints it). GetSSHPublicKey gives it back in either encoding.
"""

from __future__ import annotations

import base64
import hashlib
from typing import TYPE_CHECKING, Any, Union

from ec2sim.api.context import RequestContext
from ec2sim.api.iam.authz import IamPlan, iam_action, requiring
from ec2sim.api.iam.common import page
from ec2sim.api.iam.held import held_by, held_one, update_status
from ec2sim.api.iam.messages import iam_error
from ec2sim.store.iam.user_credentials import SshPublicKey

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
    from types_boto3_iam.type_defs import (
        DeleteSSHPublicKeyRequestTypeDef,
        GetSSHPublicKeyRequestTypeDef,
        ListSSHPublicKeysRequestTypeDef,
        UpdateSSHPublicKeyRequestTypeDef,
        UploadSSHPublicKeyRequestTypeDef,
    )

MAX_KEYS_PER_USER = 5  # "SSH public keys per user" (IAM and AWS STS quotas)
MIN_RSA_BITS = 2048
_KINDS = (b"ssh-rsa", b"ssh-ed25519")

# cryptography is imported where it is used: only SSH key requests need it (start-up stays light).
PublicKey = Union["rsa.RSAPublicKey", "ed25519.Ed25519PublicKey"]


def _load(body: str) -> PublicKey:
    """The key in `body` (OpenSSH one-line or PEM), or IAM's error for it."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

    text = body.strip().encode()
    try:
        if text.startswith(b"-----BEGIN"):
            key: Any = serialization.load_pem_public_key(text)
        elif text.split(b" ", 1)[0] in _KINDS:
            key = serialization.load_ssh_public_key(text)
        else:
            raise iam_error("PublicKeyUnrecognized")
    except (ValueError, TypeError, IndexError):
        raise iam_error("PublicKeyInvalid") from None
    if isinstance(key, rsa.RSAPublicKey):
        if key.key_size < MIN_RSA_BITS:
            raise iam_error("PublicKeyInvalid")
        return key
    if isinstance(key, ed25519.Ed25519PublicKey):
        return key
    raise iam_error("PublicKeyUnrecognized")


def _openssh(key: PublicKey) -> str:
    from cryptography.hazmat.primitives import serialization

    return key.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()


def fingerprint(key: PublicKey) -> str:
    """MD5 of the OpenSSH key blob, as ``aa:bb:...``."""
    blob = base64.b64decode(_openssh(key).split()[1])
    return ":".join(f"{b:02x}" for b in hashlib.md5(blob).digest())


def _view(user: str, key: SshPublicKey, encoding: str | None = None) -> dict[str, Any]:
    view: dict[str, Any] = {
        "UserName": user,
        "SSHPublicKeyId": key.id,
        "Status": key.status,
        "UploadDate": key.upload_date,
    }
    if encoding is not None:
        body = key.body
        if encoding == "PEM":
            from cryptography.hazmat.primitives import serialization

            body = (
                _load(key.body)
                .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
                .decode()
            )
        view |= {"Fingerprint": key.fingerprint, "SSHPublicKeyBody": body}
    return view


_USER = requiring("UserName")


@iam_action("UploadSSHPublicKey", _USER)
def upload_ssh_public_key(
    ctx: RequestContext, req: UploadSSHPublicKeyRequestTypeDef, plan: IamPlan
) -> dict[str, Any]:
    user = plan.user
    key = _load(req["SSHPublicKeyBody"])
    digest = fingerprint(key)
    held = ctx.iam.user_credentials.of("ssh_keys", user.id).values()
    if any(k.fingerprint == digest for k in held if isinstance(k, SshPublicKey)):
        raise iam_error("SshKeyDuplicate")
    if len(held) >= MAX_KEYS_PER_USER:
        raise iam_error("Quota", quota="PublicKeysPerUser", limit=MAX_KEYS_PER_USER)
    body = req["SSHPublicKeyBody"].strip()
    stored = body if not body.startswith("-----BEGIN") else _openssh(key)
    record = ctx.iam.upload_ssh_public_key(
        ctx.now, user.name, ctx.store.ids.access_key_id("APKA"), stored, digest
    )
    return {"SSHPublicKey": _view(user.name, record, "SSH")}


@iam_action("GetSSHPublicKey", _USER)
def get_ssh_public_key(
    ctx: RequestContext, req: GetSSHPublicKeyRequestTypeDef, plan: IamPlan
) -> dict[str, Any]:
    key_id = req["SSHPublicKeyId"]
    user, key = held_one(ctx, req, plan, "ssh_keys", key_id)
    return {"SSHPublicKey": _view(user.name, key, req["Encoding"])}


@iam_action("ListSSHPublicKeys")
def list_ssh_public_keys(
    ctx: RequestContext, req: ListSSHPublicKeysRequestTypeDef, plan: IamPlan
) -> dict[str, Any]:
    user, keys = held_by(ctx, req, plan, "ssh_keys")
    chunk, paging = page(keys, req)
    return {"SSHPublicKeys": [_view(user, k) for k in chunk], **paging}


@iam_action("UpdateSSHPublicKey", _USER)
def update_ssh_public_key(ctx: RequestContext, req: UpdateSSHPublicKeyRequestTypeDef, plan: IamPlan) -> None:
    key_id = req["SSHPublicKeyId"]
    update_status(ctx, req, plan, "ssh_keys", key_id)


@iam_action("DeleteSSHPublicKey", _USER)
def delete_ssh_public_key(ctx: RequestContext, req: DeleteSSHPublicKeyRequestTypeDef, plan: IamPlan) -> None:
    key_id = req["SSHPublicKeyId"]
    user, _ = held_one(ctx, req, plan, "ssh_keys", key_id)
    ctx.iam.delete_user_credential(ctx.now, "ssh_keys", user.name, key_id)
