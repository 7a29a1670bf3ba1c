"""Key pairs: CreateKeyPair, ImportKeyPair, DescribeKeyPairs, DeleteKeyPair."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from ec2sim import keymaterial
from tests.helpers import aws_error


@pytest.fixture(scope="module")
def rsa_public() -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)


def test_create_rsa_pem(ec2):
    created = ec2.create_key_pair(
        KeyName="main",
        TagSpecifications=[{"ResourceType": "key-pair", "Tags": [{"Key": "team", "Value": "blue"}]}],
    )
    assert created["KeyName"] == "main" and created["KeyPairId"].startswith("key-")
    assert len(created["KeyPairId"]) == len("key-") + 17
    assert created["Tags"] == [{"Key": "team", "Value": "blue"}]
    material = created["KeyMaterial"]
    assert material.startswith("-----BEGIN RSA PRIVATE KEY-----")
    private = serialization.load_pem_private_key(material.encode(), password=None)
    assert created["KeyFingerprint"] == keymaterial.rsa_created_fingerprint(private)
    described = ec2.describe_key_pairs(KeyNames=["main"], IncludePublicKey=True)["KeyPairs"][0]
    assert described["KeyType"] == "rsa" and described["KeyFingerprint"] == created["KeyFingerprint"]
    assert described["CreateTime"] is not None
    openssh = private.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    )
    assert described["PublicKey"] == f"{openssh.decode()} main"


def test_create_ed25519_ppk(ec2):
    created = ec2.create_key_pair(KeyName="ed", KeyType="ed25519", KeyFormat="ppk")
    assert created["KeyMaterial"].startswith("PuTTY-User-Key-File-2: ssh-ed25519")
    assert "Comment: ed" in created["KeyMaterial"]
    public = ec2.describe_key_pairs(KeyPairIds=[created["KeyPairId"]], IncludePublicKey=True)["KeyPairs"][0]
    loaded = serialization.load_ssh_public_key(" ".join(public["PublicKey"].split()[:2]).encode())
    assert isinstance(loaded, ed25519.Ed25519PublicKey)
    assert created["KeyFingerprint"] == keymaterial.ed25519_fingerprint(loaded)
    assert "PublicKey" not in ec2.describe_key_pairs(KeyNames=["ed"])["KeyPairs"][0]


def test_create_errors(ec2):
    ec2.create_key_pair(KeyName="dup", KeyType="ed25519")
    with aws_error("InvalidKeyPair.Duplicate", 400, "The keypair 'dup' already exists."):
        ec2.create_key_pair(KeyName="dup", KeyType="ed25519")
    with aws_error("InvalidParameterValue", 400, "Length exceeds maximum of 255"):
        ec2.create_key_pair(KeyName="k" * 256)
    with aws_error("InvalidParameterValue", 400, "beyond ASCII"):
        ec2.create_key_pair(KeyName="clé")
    with aws_error("MissingParameter", 400):
        ec2.create_key_pair(KeyName="")
    with aws_error("InvalidParameterValue", 400, "KeyType"):
        ec2.create_key_pair(KeyName="x", KeyType="dsa")
    with aws_error("InvalidParameterValue", 400, "not a valid taggable resource type"):
        ec2.create_key_pair(KeyName="x", TagSpecifications=[{"ResourceType": "instance", "Tags": []}])
    ec2.create_key_pair(KeyName="k" * 255, KeyType="ed25519")


def test_import(ec2, rsa_public):
    imported = ec2.import_key_pair(KeyName="imp", PublicKeyMaterial=rsa_public + b" me@host")
    expected = keymaterial.import_public_key(rsa_public)
    assert imported["KeyFingerprint"] == expected.fingerprint
    assert len(imported["KeyFingerprint"]) == 47  # MD5, colon-separated
    described = ec2.describe_key_pairs(KeyNames=["imp"], IncludePublicKey=True)["KeyPairs"][0]
    assert described["KeyType"] == "rsa" and described["PublicKey"] == f"{rsa_public.decode()} imp"
    with aws_error("InvalidKeyPair.Duplicate", 400, "The keypair 'imp' already exists."):
        ec2.import_key_pair(KeyName="imp", PublicKeyMaterial=rsa_public)
    with aws_error("InvalidKey.Format", 400, "Key is not in valid OpenSSH public key format"):
        ec2.import_key_pair(KeyName="bad", PublicKeyMaterial=b"ssh-rsa not-base64!")


def test_describe_filters_and_not_found(ec2):
    a = ec2.create_key_pair(
        KeyName="a",
        KeyType="ed25519",
        TagSpecifications=[{"ResourceType": "key-pair", "Tags": [{"Key": "env", "Value": "prod"}]}],
    )
    ec2.create_key_pair(KeyName="b")

    def names(**kw: Any) -> list[str]:
        return sorted(k["KeyName"] for k in ec2.describe_key_pairs(**kw)["KeyPairs"])

    assert names() == ["a", "b"]
    assert names(Filters=[{"Name": "key-type", "Values": ["ed25519"]}]) == ["a"]
    assert names(Filters=[{"Name": "key-pair-id", "Values": [a["KeyPairId"]]}]) == ["a"]
    assert names(Filters=[{"Name": "fingerprint", "Values": [a["KeyFingerprint"]]}]) == ["a"]
    assert names(Filters=[{"Name": "key-name", "Values": ["?"]}]) == ["a", "b"]
    assert names(Filters=[{"Name": "tag:env", "Values": ["prod"]}]) == ["a"]
    assert names(Filters=[{"Name": "tag-key", "Values": ["env"]}]) == ["a"]
    assert ec2.describe_key_pairs(KeyNames=["a"])["KeyPairs"][0]["Tags"] == [{"Key": "env", "Value": "prod"}]
    with aws_error("InvalidKeyPair.NotFound", 400, "The key pair 'nope' does not exist"):
        ec2.describe_key_pairs(KeyNames=["a", "nope"])
    with aws_error("InvalidKeyPair.NotFound", 400, "The key pair ID 'key-0123456789abcdef0' does not exist"):
        ec2.describe_key_pairs(KeyPairIds=["key-0123456789abcdef0"])
    with aws_error("InvalidParameterValue", 400, "The filter 'bogus' is invalid"):
        ec2.describe_key_pairs(Filters=[{"Name": "bogus", "Values": ["x"]}])


def test_delete(ec2):
    a = ec2.create_key_pair(KeyName="a", KeyType="ed25519")
    b = ec2.create_key_pair(KeyName="b", KeyType="ed25519")
    deleted = ec2.delete_key_pair(KeyName="a")
    assert deleted["Return"] is True and deleted["KeyPairId"] == a["KeyPairId"]
    assert ec2.delete_key_pair(KeyPairId=b["KeyPairId"])["KeyPairId"] == b["KeyPairId"]
    assert ec2.describe_key_pairs()["KeyPairs"] == []
    missing = ec2.delete_key_pair(KeyName="a")  # AWS: deleting an unknown name succeeds
    assert missing["Return"] is True and "KeyPairId" not in missing
    with aws_error("InvalidKeyPair.NotFound", 400, "does not exist"):
        ec2.delete_key_pair(KeyPairId=a["KeyPairId"])
    with aws_error("MissingParameter", 400):
        ec2.delete_key_pair()
    ec2.create_key_pair(KeyName="a", KeyType="ed25519")  # the name is free again


def test_key_pairs_are_per_region(make_client, account_id):
    east, west = make_client("ec2", account_id), make_client("ec2", account_id, region="us-west-2")
    east.create_key_pair(KeyName="shared", KeyType="ed25519")
    west.create_key_pair(KeyName="shared", KeyType="ed25519")
    with aws_error("InvalidKeyPair.NotFound", 400):
        make_client("ec2", account_id, region="eu-west-1").describe_key_pairs(KeyNames=["shared"])
