"""IAM SAML providers: Create/Get/Update/Delete/List, tags, private keys, quotas and authorization,
with IAM's codes, statuses and messages on every error path."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
from botocore.config import Config as BotoConfig

from tests.helpers import aws_error
from tests.saml_helpers import idp_metadata, private_key_pem


def _metadata_with(**changes: str) -> str:
    """A metadata document (over 1,000 characters) that is not the IdP's, for the error paths."""
    body = changes.get("body", "<md:IDPSSODescriptor/>")
    padding = "<!-- " + "x" * 1000 + " -->"
    return f'<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="e">{body}{padding}</md:EntityDescriptor>'


def test_provider_lifecycle(iam: Any, account_id: str) -> None:
    url = iam.meta.endpoint_url
    metadata = idp_metadata(url)
    created = iam.create_saml_provider(
        Name="corp-idp", SAMLMetadataDocument=metadata, Tags=[{"Key": "team", "Value": "a"}]
    )
    arn = f"arn:aws:iam::{account_id}:saml-provider/corp-idp"
    assert created["SAMLProviderArn"] == arn
    assert created["Tags"] == [{"Key": "team", "Value": "a"}]
    got = iam.get_saml_provider(SAMLProviderArn=arn)
    assert got["SAMLMetadataDocument"] == metadata
    assert got["SAMLProviderUUID"].isalnum() and got["SAMLProviderUUID"].isupper()
    assert 22 <= len(got["SAMLProviderUUID"]) <= 64
    assert got["ValidUntil"] - got["CreateDate"] > timedelta(days=365 * 99)  # no validUntil: 100 years
    assert got["Tags"] == [{"Key": "team", "Value": "a"}]
    assert got["PrivateKeyList"] == []
    assert "AssertionEncryptionMode" not in got
    listed = iam.list_saml_providers()["SAMLProviderList"]
    assert [(p["Arn"], p["ValidUntil"]) for p in listed] == [(arn, got["ValidUntil"])]

    until = "2031-01-02T03:04:05Z"
    updated = metadata.replace('entityID="', f'validUntil="{until}" entityID="')
    assert (
        iam.update_saml_provider(SAMLProviderArn=arn, SAMLMetadataDocument=updated)["SAMLProviderArn"] == arn
    )
    got = iam.get_saml_provider(SAMLProviderArn=arn)
    assert got["ValidUntil"] == datetime(2031, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    assert got["SAMLMetadataDocument"] == updated

    iam.tag_saml_provider(
        SAMLProviderArn=arn, Tags=[{"Key": "env", "Value": "dev"}, {"Key": "TEAM", "Value": "b"}]
    )
    tags = iam.list_saml_provider_tags(SAMLProviderArn=arn)
    assert tags["Tags"] == [{"Key": "TEAM", "Value": "b"}, {"Key": "env", "Value": "dev"}]
    assert not tags["IsTruncated"]
    iam.untag_saml_provider(SAMLProviderArn=arn, TagKeys=["team"])
    assert iam.list_saml_provider_tags(SAMLProviderArn=arn)["Tags"] == [{"Key": "env", "Value": "dev"}]

    iam.delete_saml_provider(SAMLProviderArn=arn)
    assert iam.list_saml_providers()["SAMLProviderList"] == []
    with aws_error("NoSuchEntity", 404, f"Manifest not found for arn {arn}"):
        iam.get_saml_provider(SAMLProviderArn=arn)


def test_provider_errors(iam: Any, account_id: str) -> None:
    metadata = idp_metadata(iam.meta.endpoint_url)
    iam.create_saml_provider(Name="idp", SAMLMetadataDocument=metadata)
    with aws_error("EntityAlreadyExists", 409, "SAMLProvider idp already exists."):
        iam.create_saml_provider(Name="idp", SAMLMetadataDocument=metadata)
    not_metadata = [
        "<" + "x" * 1200,  # not XML
        _metadata_with(),  # no signing certificate
        _metadata_with(body='<md:SPSSODescriptor protocolSupportEnumeration="x"/>'),  # no IdP
        '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY e SYSTEM "file:///etc/passwd">]>' + _metadata_with(),
        metadata.replace("urn:oasis:names:tc:SAML:2.0:protocol", "urn:example:other"),  # not SAML 2.0
        metadata.replace("<ds:X509Certificate>", "<ds:X509Certificate>AAAA"),  # a broken certificate
    ]
    for document in not_metadata:
        with aws_error("InvalidInput", 400, "Could not parse metadata"):
            iam.create_saml_provider(Name="other", SAMLMetadataDocument=document)
    unchecked = boto3.client(
        "iam",
        region_name="us-east-1",
        endpoint_url=iam.meta.endpoint_url,
        aws_access_key_id=account_id,
        aws_secret_access_key="x",
        config=BotoConfig(parameter_validation=False),
    )
    with aws_error(
        "ValidationError", 400, "Value '<md/>' at 'sAMLMetadataDocument' failed to satisfy constraint"
    ):
        unchecked.create_saml_provider(Name="short", SAMLMetadataDocument="<md/>")
    with aws_error("ValidationError", 400, "Member must satisfy regular expression pattern"):
        iam.create_saml_provider(Name="has space", SAMLMetadataDocument=metadata)
    with aws_error("InvalidInput", 400, "IAM Identity Center instance"):
        iam.create_saml_provider(
            Name="tip",
            SAMLMetadataDocument=metadata,
            IdentityCenterInstanceArn="arn:aws:sso:::instance/ssoins-1",
        )
    user_arn = f"arn:aws:iam::{account_id}:user/someone"
    with aws_error("InvalidInput", 400, f"ARN {user_arn} is not valid."):
        iam.get_saml_provider(SAMLProviderArn=user_arn)
    missing = f"arn:aws:iam::{account_id}:saml-provider/missing"
    for call in (
        lambda: iam.get_saml_provider(SAMLProviderArn=missing),
        lambda: iam.delete_saml_provider(SAMLProviderArn=missing),
        lambda: iam.update_saml_provider(SAMLProviderArn=missing, SAMLMetadataDocument=metadata),
        lambda: iam.tag_saml_provider(SAMLProviderArn=missing, Tags=[{"Key": "k", "Value": "v"}]),
        lambda: iam.untag_saml_provider(SAMLProviderArn=missing, TagKeys=["k"]),
        lambda: iam.list_saml_provider_tags(SAMLProviderArn=missing),
    ):
        with aws_error("NoSuchEntity", 404, f"Manifest not found for arn {missing}"):
            call()
    arn = f"arn:aws:iam::{account_id}:saml-provider/idp"
    with aws_error("InvalidInput", 400, "at least one of the updatable fields"):
        iam.update_saml_provider(SAMLProviderArn=arn)
    with aws_error("InvalidInput", 400, "Could not parse metadata"):
        iam.update_saml_provider(SAMLProviderArn=arn, SAMLMetadataDocument=_metadata_with())
    with aws_error("LimitExceeded", 409, "The number of tags has reached the maximum limit of 50."):
        for start in (0, 40):
            tags = [{"Key": f"k{i}", "Value": "v"} for i in range(start, start + 40)]
            iam.tag_saml_provider(SAMLProviderArn=arn, Tags=tags)


def test_private_keys_and_encryption_mode(iam: Any) -> None:
    arn = iam.create_saml_provider(Name="enc", SAMLMetadataDocument=idp_metadata(iam.meta.endpoint_url))[
        "SAMLProviderArn"
    ]
    with aws_error("InvalidInput", 400, "needs at least one private key"):
        iam.update_saml_provider(SAMLProviderArn=arn, AssertionEncryptionMode="Required")
    with aws_error("InvalidInput", 400, "not a valid PEM-encoded private key"):
        iam.update_saml_provider(SAMLProviderArn=arn, AddPrivateKey="-----BEGIN PRIVATE KEY-----\nnope\n")
    iam.update_saml_provider(
        SAMLProviderArn=arn, AddPrivateKey=private_key_pem(), AssertionEncryptionMode="Allowed"
    )
    iam.update_saml_provider(SAMLProviderArn=arn, AddPrivateKey=private_key_pem())
    got = iam.get_saml_provider(SAMLProviderArn=arn)
    assert got["AssertionEncryptionMode"] == "Allowed"
    keys = [k["KeyId"] for k in got["PrivateKeyList"]]
    assert len(keys) == 2 and all(k.isalnum() and k.isupper() and len(k) >= 22 for k in keys)
    with aws_error("LimitExceeded", 409, "Cannot exceed quota for PrivateKeysPerSAMLProvider: 2"):
        iam.update_saml_provider(SAMLProviderArn=arn, AddPrivateKey=private_key_pem())
    with aws_error("InvalidInput", 400, "does not exist for this SAML provider"):
        iam.update_saml_provider(SAMLProviderArn=arn, RemovePrivateKey="A" * 24)
    iam.update_saml_provider(SAMLProviderArn=arn, RemovePrivateKey=keys[0])
    assert [k["KeyId"] for k in iam.get_saml_provider(SAMLProviderArn=arn)["PrivateKeyList"]] == keys[1:]


def test_provider_quota(iam: Any) -> None:
    metadata = idp_metadata(iam.meta.endpoint_url)
    for i in range(100):
        iam.create_saml_provider(Name=f"idp-{i}", SAMLMetadataDocument=metadata)
    with aws_error("LimitExceeded", 409, "Cannot exceed quota for SAMLProvidersPerAccount: 100"):
        iam.create_saml_provider(Name="one-too-many", SAMLMetadataDocument=metadata)
    assert len(iam.list_saml_providers()["SAMLProviderList"]) == 100


def test_provider_actions_are_authorized_on_the_provider(iam: Any, make_client: Any, account_id: str) -> None:
    arn = iam.create_saml_provider(Name="guarded", SAMLMetadataDocument=idp_metadata(iam.meta.endpoint_url))[
        "SAMLProviderArn"
    ]
    iam.create_user(UserName="reader")
    policy = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "iam:GetSAMLProvider", "Resource": arn}],
    }
    iam.put_user_policy(UserName="reader", PolicyName="p", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName="reader")["AccessKey"]
    reader = make_client("iam", key["AccessKeyId"], secret=key["SecretAccessKey"])
    assert reader.get_saml_provider(SAMLProviderArn=arn)["SAMLProviderUUID"]
    with aws_error(
        "AccessDenied", 403, f"is not authorized to perform: iam:DeleteSAMLProvider on resource: {arn}"
    ):
        reader.delete_saml_provider(SAMLProviderArn=arn)
