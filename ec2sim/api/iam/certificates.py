"""IAM: server certificates (for load balancers and CloudFront) and users' signing certificates.

UploadServerCertificate parses the PEM certificate, its chain and the private key with
`cryptography`, refuses a key that isn't the certificate's, and takes the expiry from the
certificate. Signing certificates (X.509, at most `MAX_SIGNING_PER_USER` per user) are parsed too.
Their messages are in `ec2sim.api.iam.messages`, those IAM's references don't quote marked as assumed.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ec2sim.api.authorization import Check
from ec2sim.api.context import RequestContext
from ec2sim.api.errors import AwsError
from ec2sim.api.iam.authz import IamPlan, iam_action, resolve_named
from ec2sim.api.iam.common import page, tag_list, tags_in, untag
from ec2sim.api.iam.held import held_by, held_one, update_status
from ec2sim.api.iam.messages import iam_error
from ec2sim.iam.context_keys import resource_tags
from ec2sim.store.iam.user_credentials import ServerCertificate, SigningCertificate
from ec2sim.store.resources import SERVER_CERTIFICATE

if TYPE_CHECKING:
    from cryptography import x509
    from types_boto3_iam.type_defs import (
        DeleteServerCertificateRequestTypeDef,
        DeleteSigningCertificateRequestTypeDef,
        GetServerCertificateRequestTypeDef,
        ListServerCertificatesRequestTypeDef,
        ListServerCertificateTagsRequestTypeDef,
        ListSigningCertificatesRequestTypeDef,
        TagServerCertificateRequestTypeDef,
        UntagServerCertificateRequestTypeDef,
        UpdateServerCertificateRequestTypeDef,
        UpdateSigningCertificateRequestTypeDef,
        UploadServerCertificateRequestTypeDef,
        UploadSigningCertificateRequestTypeDef,
    )

MAX_SERVER_CERTIFICATES = 20  # ServerCertificatesQuota (GetAccountSummary)
MAX_SIGNING_PER_USER = 2  # SigningCertificatesPerUserQuota
_ID_ALPHABET = string.ascii_uppercase + string.digits


# cryptography is imported where it is used: only certificate requests need it (start-up stays light).


def parse_certificate(body: str) -> x509.Certificate:
    from cryptography import x509

    try:
        return x509.load_pem_x509_certificate(body.strip().encode())
    except ValueError:
        raise iam_error("CertificateMalformed") from None


def _check_key_pair(certificate: x509.Certificate, private_key: str) -> None:
    from cryptography.hazmat.primitives import serialization

    try:
        key = serialization.load_pem_private_key(private_key.strip().encode(), password=None)
    except (ValueError, TypeError):
        raise iam_error("PrivateKeyMalformed") from None
    spki = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    if key.public_key().public_bytes(*spki) != certificate.public_key().public_bytes(*spki):
        raise iam_error("KeyPairMismatch")


# Server certificates --------------------------------------------------------------------------


@dataclass
class CertificatePlan(IamPlan):
    """A server certificate request's plan; renaming (or moving) one also needs the action on its
    new ARN ("must have permission on both the old and new certificate", UpdateServerCertificate)."""

    new_arn: str | None = None

    def checks(self, ctx: RequestContext) -> Iterator[Check]:
        yield from super().checks(ctx)
        if self.new_arn is not None and self.new_arn != self.resource:
            yield Check(f"iam:{ctx.action}", self.new_arn)


def _plan(ctx: RequestContext, req: Mapping[str, Any]) -> CertificatePlan:
    """The certificate named, on its ARN with its tags (a new one: the ARN it would have)."""
    named = resolve_named(ctx, req)
    plan = CertificatePlan(req=req, context=named.context)
    name = req["ServerCertificateName"]
    certificate = ctx.iam.user_credentials.server_certificates.get(name.lower())
    plan.found["ServerCertificateName"] = certificate
    if certificate is None:
        plan.resource = ctx.iam.arn("server-certificate", req.get("Path") or "/", name)
        if ctx.action != "UploadServerCertificate":
            plan.fail(AwsError(*SERVER_CERTIFICATE.not_found_message(name)))
        return plan
    plan.resource = certificate.arn
    plan.context.update(resource_tags(certificate.tags))
    if ctx.action == "UpdateServerCertificate":
        new_name = req.get("NewServerCertificateName") or certificate.name
        plan.new_arn = ctx.iam.arn("server-certificate", req.get("NewPath") or certificate.path, new_name)
    return plan


def _metadata(certificate: ServerCertificate) -> dict[str, Any]:
    return {
        "Path": certificate.path,
        "ServerCertificateName": certificate.name,
        "ServerCertificateId": certificate.id,
        "Arn": certificate.arn,
        "UploadDate": certificate.upload_date,
        "Expiration": certificate.expiration,
    }


def _exists(name: str) -> AwsError:
    return iam_error("ServerCertificateExists", name=name)


@iam_action("UploadServerCertificate", _plan)
def upload_server_certificate(
    ctx: RequestContext, req: UploadServerCertificateRequestTypeDef, plan: CertificatePlan
) -> dict[str, Any]:
    name = req["ServerCertificateName"]
    if plan.found["ServerCertificateName"] is not None:
        raise _exists(name)
    certificate = parse_certificate(req["CertificateBody"])
    _check_key_pair(certificate, req["PrivateKey"])
    chain = req.get("CertificateChain")
    if chain is not None:
        from cryptography import x509

        try:
            x509.load_pem_x509_certificates(chain.strip().encode())
        except ValueError:
            raise iam_error("ChainMalformed") from None
    tags = tags_in(req.get("Tags"))
    if len(ctx.iam.user_credentials.server_certificates) >= MAX_SERVER_CERTIFICATES:
        raise iam_error("Quota", quota="ServerCertificatesPerAccount", limit=MAX_SERVER_CERTIFICATES)
    record = ServerCertificate(
        name=name,
        path=req.get("Path") or "/",
        id=ctx.store.ids.iam_id("ASCA"),
        arn=plan.resource,
        body=req["CertificateBody"].strip(),
        chain=chain.strip() if chain else None,
        private_key=req["PrivateKey"],
        upload_date=ctx.now,
        expiration=certificate.not_valid_after_utc,
        tags=tags,
    )
    stored = ctx.iam.upload_server_certificate(ctx.now, record)
    return {"ServerCertificateMetadata": _metadata(stored), "Tags": tag_list(stored.tags) or None}


@iam_action("GetServerCertificate", _plan)
def get_server_certificate(
    ctx: RequestContext, req: GetServerCertificateRequestTypeDef, plan: CertificatePlan
) -> dict[str, Any]:
    certificate: ServerCertificate = plan.named("ServerCertificateName")
    return {
        "ServerCertificate": {
            "ServerCertificateMetadata": _metadata(certificate),
            "CertificateBody": certificate.body,
            "CertificateChain": certificate.chain,
            "Tags": tag_list(certificate.tags),
        }
    }


@iam_action("ListServerCertificates")
def list_server_certificates(
    ctx: RequestContext, req: ListServerCertificatesRequestTypeDef, plan: IamPlan
) -> dict[str, Any]:
    prefix = req.get("PathPrefix") or "/"
    listed = sorted(ctx.iam.user_credentials.server_certificates.items())
    chunk, paging = page([c for _, c in listed if c.path.startswith(prefix)], req)
    return {"ServerCertificateMetadataList": [_metadata(c) for c in chunk], **paging}


@iam_action("UpdateServerCertificate", _plan)
def update_server_certificate(
    ctx: RequestContext, req: UpdateServerCertificateRequestTypeDef, plan: CertificatePlan
) -> None:
    certificate: ServerCertificate = plan.named("ServerCertificateName")
    new_name = req.get("NewServerCertificateName") or certificate.name
    new_path = req.get("NewPath") or certificate.path
    taken = ctx.iam.user_credentials.server_certificates.get(new_name.lower())
    if taken is not None and taken is not certificate:
        raise _exists(new_name)
    if (new_name, new_path) != (certificate.name, certificate.path):
        ctx.iam.update_server_certificate(ctx.now, certificate.name, new_name, new_path)


@iam_action("DeleteServerCertificate", _plan)
def delete_server_certificate(
    ctx: RequestContext, req: DeleteServerCertificateRequestTypeDef, plan: CertificatePlan
) -> None:
    certificate: ServerCertificate = plan.named("ServerCertificateName")
    ctx.iam.delete_server_certificate(ctx.now, certificate.name)


@iam_action("TagServerCertificate", _plan)
def tag_server_certificate(
    ctx: RequestContext, req: TagServerCertificateRequestTypeDef, plan: CertificatePlan
) -> None:
    certificate: ServerCertificate = plan.named("ServerCertificateName")
    tags = tags_in(req["Tags"], certificate.tags)
    ctx.iam.set_server_certificate_tags(ctx.now, certificate.name, tags)


@iam_action("UntagServerCertificate", _plan)
def untag_server_certificate(
    ctx: RequestContext, req: UntagServerCertificateRequestTypeDef, plan: CertificatePlan
) -> None:
    certificate: ServerCertificate = plan.named("ServerCertificateName")
    tags = untag(certificate.tags, req["TagKeys"])
    ctx.iam.set_server_certificate_tags(ctx.now, certificate.name, tags)


@iam_action("ListServerCertificateTags", _plan)
def list_server_certificate_tags(
    ctx: RequestContext, req: ListServerCertificateTagsRequestTypeDef, plan: CertificatePlan
) -> dict[str, Any]:
    certificate: ServerCertificate = plan.named("ServerCertificateName")
    chunk, paging = page(sorted(tag_list(certificate.tags), key=lambda t: t["Key"]), req)
    return {"Tags": list(chunk), **paging}


# Signing certificates ---------------------------------------------------------------------------


def _signing_view(user: str, certificate: SigningCertificate) -> dict[str, Any]:
    return {
        "UserName": user,
        "CertificateId": certificate.id,
        "CertificateBody": certificate.body,
        "Status": certificate.status,
        "UploadDate": certificate.upload_date,
    }


@iam_action("UploadSigningCertificate")
def upload_signing_certificate(
    ctx: RequestContext, req: UploadSigningCertificateRequestTypeDef, plan: IamPlan
) -> dict[str, Any]:
    user, held = held_by(ctx, req, plan, "signing_certificates")
    if not user:  # the root user's own signing certificates are not emulated
        raise iam_error("MustSpecifyUser")
    body = req["CertificateBody"].strip()
    parse_certificate(body)
    if any(c.body == body for c in held):
        raise iam_error("SigningCertificateDuplicate")
    if len(held) >= MAX_SIGNING_PER_USER:
        raise iam_error("Quota", quota="SigningCertificatesPerUser", limit=MAX_SIGNING_PER_USER)
    certificate_id = "".join(secrets.choice(_ID_ALPHABET) for _ in range(32))
    record = ctx.iam.upload_signing_certificate(ctx.now, user, certificate_id, body)
    return {"Certificate": _signing_view(user, record)}


@iam_action("ListSigningCertificates")
def list_signing_certificates(
    ctx: RequestContext, req: ListSigningCertificatesRequestTypeDef, plan: IamPlan
) -> dict[str, Any]:
    user, held = held_by(ctx, req, plan, "signing_certificates")
    chunk, paging = page(held, req)
    return {"Certificates": [_signing_view(user, c) for c in chunk], **paging}


@iam_action("UpdateSigningCertificate")
def update_signing_certificate(
    ctx: RequestContext, req: UpdateSigningCertificateRequestTypeDef, plan: IamPlan
) -> None:
    certificate_id = req["CertificateId"]
    update_status(ctx, req, plan, "signing_certificates", certificate_id)


@iam_action("DeleteSigningCertificate")
def delete_signing_certificate(
    ctx: RequestContext, req: DeleteSigningCertificateRequestTypeDef, plan: IamPlan
) -> None:
    certificate_id = req["CertificateId"]
    user, _ = held_one(ctx, req, plan, "signing_certificates", certificate_id)
    ctx.iam.delete_user_credential(ctx.now, "signing_certificates", user.name, certificate_id)
