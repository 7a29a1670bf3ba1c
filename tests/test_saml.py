"""SAML federation: STS AssumeRoleWithSAML verifying the built-in IdP's signed (and encrypted)
assertions for real (signature, audience, recipient, validity on the emulated clock, the role pair,
the trust policy's saml:* keys), with boto3 and the AWS CLI. IAM's SAML providers: test_saml_providers.py."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
import pytest
import requests
from botocore import UNSIGNED
from botocore.config import Config as BotoConfig
from botocore.exceptions import ClientError
from hypothesis import given
from hypothesis import strategies as st

from ec2sim.config import Config
from ec2sim.iam import saml_idp
from ec2sim.server import Server
from ec2sim.store import Store
from tests.helpers import aws_error, root_client
from tests.saml_helpers import federated_role, idp_metadata, mint, private_key_pem, saml_trust
from tests.test_iam_journal import iam_state

NOT_AUTHORIZED = "Not authorized to perform sts:AssumeRoleWithSAML"
_UNSIGNED = BotoConfig(signature_version=UNSIGNED, retries={"max_attempts": 1})


@pytest.fixture
def private() -> Iterator[Server]:
    """A server of its own: its clock can move without touching other tests."""
    with Server(Config(port=0, imds_port=0)) as running:
        yield running


def emulated_now(url: str) -> datetime:
    """The server's emulated time (other tests may have moved the session server's clock)."""
    now = requests.get(f"{url}/_ec2sim/clock", timeout=30).json()["now"]
    return datetime.fromisoformat(now.replace("Z", "+00:00"))


def unsigned_sts(url: str) -> Any:
    return boto3.client("sts", region_name="us-east-1", endpoint_url=url, config=_UNSIGNED)


# AssumeRoleWithSAML ------------------------------------------------------------------------------


def test_assume_role_with_saml_end_to_end(iam: Any, account_id: str) -> None:
    url = iam.meta.endpoint_url
    role, provider = federated_role(iam)
    assertion = mint(url, roles=[[role, provider]], subject="alice@example.com", session_name="alice")
    answer = unsigned_sts(url).assume_role_with_saml(
        RoleArn=role, PrincipalArn=provider, SAMLAssertion=assertion
    )
    assert answer["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{account_id}:assumed-role/federated/alice"
    assert answer["AssumedRoleUser"]["AssumedRoleId"].endswith(":alice")
    assert answer["Subject"] == "alice@example.com"
    assert answer["SubjectType"] == "persistent"
    assert answer["Issuer"] == "urn:ec2sim:saml:idp"
    assert answer["Audience"] == "https://signin.aws.amazon.com/saml"
    digest = hashlib.sha1(f"urn:ec2sim:saml:idp{account_id}/idp".encode()).digest()
    assert answer["NameQualifier"] == base64.b64encode(digest).decode()
    credentials = answer["Credentials"]
    assert credentials["AccessKeyId"].startswith("ASIA")
    assert (
        timedelta(minutes=59) < credentials["Expiration"] - emulated_now(url) <= timedelta(hours=1, minutes=1)
    )
    session = boto3.client(
        "sts",
        region_name="us-east-1",
        endpoint_url=url,
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )
    assert session.get_caller_identity()["Arn"] == f"arn:aws:sts::{account_id}:assumed-role/federated/alice"
    # The role pair in either order; a signed request is served the same (its signature isn't looked at).
    reversed_pair = mint(url, roles=[[provider, role]], session_name="again")
    signed = root_client(url, "sts", account_id)
    again = signed.assume_role_with_saml(RoleArn=role, PrincipalArn=provider, SAMLAssertion=reversed_pair)
    assert again["AssumedRoleUser"]["Arn"].endswith("/federated/again")


def test_assume_role_with_saml_with_the_aws_cli(server: Server, iam: Any, account_id: str) -> None:
    role, provider = federated_role(iam)
    assertion = mint(server.api_url, roles=[[role, provider]], session_name="cli-user")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("AWS_")},
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }
    command = [sys.executable, "-m", "awscli", "--endpoint-url", server.api_url, "--output", "json"]
    command += ["sts", "assume-role-with-saml", "--role-arn", role, "--principal-arn", provider]
    done = subprocess.run(
        [*command, "--saml-assertion", assertion], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{account_id}:assumed-role/federated/cli-user"
    assert answer["Credentials"]["SessionToken"]


def _tampered(assertion: str) -> str:
    xml = base64.b64decode(assertion).decode()
    assert "alice" in xml
    return base64.b64encode(xml.replace("alice", "mallory").encode()).decode()


def test_assertion_errors(iam: Any, account_id: str) -> None:
    url = iam.meta.endpoint_url
    role, provider = federated_role(iam)
    other_role = iam.create_role(RoleName="other", AssumeRolePolicyDocument=saml_trust(provider))["Role"][
        "Arn"
    ]
    sts = unsigned_sts(url)

    def assume(assertion: str, role_arn: str = role, principal: str = provider) -> Any:
        return sts.assume_role_with_saml(RoleArn=role_arn, PrincipalArn=principal, SAMLAssertion=assertion)

    good = mint(url, roles=[[role, provider]], subject="alice", session_name="alice")
    with aws_error("InvalidIdentityToken", 400, "Response signature invalid"):
        assume(_tampered(good))
    with aws_error("InvalidIdentityToken", 400, "Invalid audience"):
        assume(mint(url, roles=[[role, provider]], audience="https://sp.example.com/saml"))
    with aws_error("InvalidIdentityToken", 400, "Invalid Destination"):
        assume(mint(url, roles=[[role, provider]], recipient="https://sp.example.com/acs"))
    with aws_error("ExpiredTokenException", 400, "Token is expired"):
        assume(mint(url, roles=[[role, provider]], expires_in=-60))
    with aws_error("AccessDenied", 403, NOT_AUTHORIZED):
        assume(good, role_arn=other_role)  # the assertion grants another role
    with aws_error("AccessDenied", 403, NOT_AUTHORIZED):
        assume(
            mint(url, roles=[[f"arn:aws:iam::{account_id}:role/gone", provider]]),
            role_arn=f"arn:aws:iam::{account_id}:role/gone",
        )
    with aws_error("InvalidIdentityToken", 400, "RoleSessionName is required in AuthnResponse"):
        assume(mint(url, roles=[[role, provider]], session_name=None))
    with aws_error("InvalidIdentityToken", 400, "Invalid RoleSessionName"):
        assume(mint(url, roles=[[role, provider]], session_name="has space"))
    missing = f"arn:aws:iam::{account_id}:saml-provider/missing"
    with aws_error("InvalidIdentityToken", 400, f"SAML provider {missing} does not exist"):
        assume(good, principal=missing)
    with aws_error("InvalidIdentityToken", 400, "Invalid base64 SAMLResponse"):
        assume("not base64 at all!")
    xxe = '<!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]><samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol">&e;</samlp:Response>'
    with aws_error("InvalidIdentityToken", 400, "Response is not well-formed XML"):
        assume(base64.b64encode(xxe.encode()).decode())
    # A second Assertion beside the signed one (signature wrapping) is refused.
    xml = base64.b64decode(good).decode()
    start, end = xml.index("<saml:Assertion"), xml.index("</saml:Assertion>") + len("</saml:Assertion>")
    wrapped = xml[:end] + xml[start:end].replace("alice", "mallory") + xml[end:]
    with aws_error("InvalidIdentityToken", 400, "Response must contain exactly one Assertion"):
        assume(base64.b64encode(wrapped.encode()).decode())
    # A provider whose metadata has another IdP's certificate doesn't trust the built-in IdP.
    stranger = saml_idp.idp_metadata(
        saml_idp.new_idp_keys(datetime.now(timezone.utc)), "https://idp.example.com"
    )
    forged = iam.create_saml_provider(Name="stranger", SAMLMetadataDocument=stranger)["SAMLProviderArn"]
    with aws_error("InvalidIdentityToken", 400, "Response signature invalid"):
        assume(mint(url, roles=[[role, forged]]), principal=forged)


def test_duration_and_session_attributes(iam: Any) -> None:
    url = iam.meta.endpoint_url
    role, provider = federated_role(iam)
    sts = unsigned_sts(url)
    source = "https://aws.amazon.com/SAML/Attributes/SourceIdentity"
    assertion = mint(url, roles=[[role, provider]], session_duration=900, attributes={source: "alice-src"})
    answer = sts.assume_role_with_saml(
        RoleArn=role, PrincipalArn=provider, SAMLAssertion=assertion, DurationSeconds=3600
    )
    assert answer["Credentials"]["Expiration"] - emulated_now(url) <= timedelta(minutes=16)
    assert answer["SourceIdentity"] == "alice-src"
    with aws_error("ValidationError", 400, "exceeds the MaxSessionDuration set for this role"):
        sts.assume_role_with_saml(
            RoleArn=role,
            PrincipalArn=provider,
            SAMLAssertion=mint(url, roles=[[role, provider]]),
            DurationSeconds=7200,
        )
    with aws_error("InvalidIdentityToken", 400, "Invalid SessionDuration"):
        sts.assume_role_with_saml(
            RoleArn=role,
            PrincipalArn=provider,
            SAMLAssertion=mint(url, roles=[[role, provider]], session_duration=60),
        )


def test_trust_policy_saml_condition_keys(iam: Any, account_id: str) -> None:
    url = iam.meta.endpoint_url
    condition = {
        "StringEquals": {
            "saml:sub": "alice",
            "saml:doc": f"{account_id}/idp",
            "saml:iss": "urn:ec2sim:saml:idp",
        },
        "ForAnyValue:StringEquals": {"saml:edupersonaffiliation": "staff"},
    }
    role, provider = federated_role(iam, condition=condition)
    sts = unsigned_sts(url)
    affiliation = {"urn:oid:1.3.6.1.4.1.5923.1.1.1.1": ["member", "staff"]}
    ok = mint(url, roles=[[role, provider]], subject="alice", attributes=affiliation)
    assert (
        sts.assume_role_with_saml(RoleArn=role, PrincipalArn=provider, SAMLAssertion=ok)["Subject"] == "alice"
    )
    for subject, attributes in (
        ("bob", affiliation),
        ("alice", {"urn:oid:1.3.6.1.4.1.5923.1.1.1.1": "student"}),
    ):
        refused = mint(url, roles=[[role, provider]], subject=subject, attributes=attributes)
        with aws_error("AccessDenied", 403, NOT_AUTHORIZED):
            sts.assume_role_with_saml(RoleArn=role, PrincipalArn=provider, SAMLAssertion=refused)
    # A role trusting another provider refuses this one's users.
    other = iam.create_saml_provider(Name="other", SAMLMetadataDocument=idp_metadata(url))["SAMLProviderArn"]
    with aws_error("AccessDenied", 403, NOT_AUTHORIZED):
        sts.assume_role_with_saml(
            RoleArn=role, PrincipalArn=other, SAMLAssertion=mint(url, roles=[[role, other]], subject="alice")
        )


def test_session_tags_need_tag_session(iam: Any) -> None:
    url = iam.meta.endpoint_url
    tag = {"https://aws.amazon.com/SAML/Attributes/PrincipalTag:team": "blue"}
    role, provider = federated_role(iam)
    sts = unsigned_sts(url)
    with aws_error("AccessDenied", 403, NOT_AUTHORIZED):
        sts.assume_role_with_saml(
            RoleArn=role,
            PrincipalArn=provider,
            SAMLAssertion=mint(url, roles=[[role, provider]], attributes=tag),
        )
    tagged_role, tagged_provider = federated_role(iam, "tagging-idp", "tagging", tag=True)
    answer = sts.assume_role_with_saml(
        RoleArn=tagged_role,
        PrincipalArn=tagged_provider,
        SAMLAssertion=mint(url, roles=[[tagged_role, tagged_provider]], attributes=tag),
    )
    assert answer["PackedPolicySize"] > 0


def test_expiry_on_the_emulated_clock(private: Server) -> None:
    url = private.api_url
    iam = root_client(url, "iam", "210987654321")
    role, provider = federated_role(iam)
    assertion = mint(url, roles=[[role, provider]], expires_in=300)
    requests.post(f"{url}/_ec2sim/clock", json={"advance_seconds": 301}, timeout=30).raise_for_status()
    with aws_error("ExpiredTokenException", 400, "Token is expired"):
        unsigned_sts(url).assume_role_with_saml(RoleArn=role, PrincipalArn=provider, SAMLAssertion=assertion)
    fresh = mint(url, roles=[[role, provider]], expires_in=300)  # minted on the emulated clock
    assert unsigned_sts(url).assume_role_with_saml(RoleArn=role, PrincipalArn=provider, SAMLAssertion=fresh)


def test_idp_control_routes(server: Server) -> None:
    url = server.api_url
    metadata = requests.get(f"{url}/_ec2sim/saml/metadata.xml", timeout=30)
    assert metadata.status_code == 200 and "X509Certificate" in metadata.text
    assert metadata.text == idp_metadata(url)  # one key pair per server
    for body in ({}, {"roles": "x"}, {"role_arn": "a"}, {"roles": [["a", "b"]], "expires_in": "soon"}, [1]):
        answer = requests.post(f"{url}/_ec2sim/saml/assertion", json=body, timeout=30)
        assert answer.status_code == 400 and answer.json()["error"]
    assert requests.post(f"{url}/_ec2sim/saml/assertion", data=b"{", timeout=30).status_code == 400


def test_journal_replays_saml_providers(private: Server) -> None:
    url = private.api_url
    iam = root_client(url, "iam", "210987654321")
    role, provider = federated_role(iam)
    iam.tag_saml_provider(SAMLProviderArn=provider, Tags=[{"Key": "k", "Value": "v"}])
    iam.update_saml_provider(SAMLProviderArn=provider, AddPrivateKey=private_key_pem())
    other = iam.create_saml_provider(Name="gone", SAMLMetadataDocument=idp_metadata(url))["SAMLProviderArn"]
    iam.delete_saml_provider(SAMLProviderArn=other)
    unsigned_sts(url).assume_role_with_saml(
        RoleArn=role, PrincipalArn=provider, SAMLAssertion=mint(url, roles=[[role, provider]])
    )
    with private.store.lock:
        journal, state = list(private.store.journal), iam_state(private.store)
    assert {type(c).__name__ for c in journal} >= {
        "CreateSAMLProvider",
        "UpdateSAMLProvider",
        "SetSAMLProviderTags",
        "DeleteSAMLProvider",
    }
    replayed = Store()
    replayed.iam.replay(journal)
    assert iam_state(replayed) == state


_GARBAGE = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",)), min_size=4, max_size=300),
    st.binary(min_size=3, max_size=300).map(lambda b: base64.b64encode(b).decode()),
    st.text(
        st.sampled_from(
            "<>/=\"' samlp:Response xmlns:saml=urn:oasis:names:tc:SAML:2.0:protocol Assertion Signature &;!["
        ),
        min_size=1,
        max_size=300,
    ).map(lambda t: base64.b64encode(t.encode()).decode().ljust(4, "=")),
)


@given(garbage=_GARBAGE)
def test_garbage_assertions_get_a_4xx(server: Server, garbage: str) -> None:
    sts = unsigned_sts(server.api_url)
    arn = "arn:aws:iam::123456789012:saml-provider/idp"
    try:
        sts.assume_role_with_saml(
            RoleArn="arn:aws:iam::123456789012:role/r", PrincipalArn=arn, SAMLAssertion=garbage
        )
    except ClientError as error:
        assert 400 <= error.response["ResponseMetadata"]["HTTPStatusCode"] < 500, error.response
    else:
        raise AssertionError("a garbage assertion was accepted")


def test_the_session_keeps_its_saml_keys(iam: Any, account_id: str) -> None:
    """A permissions policy of the role may name the federated user (${saml:sub}, IAM User Guide)."""
    url = iam.meta.endpoint_url
    role, provider = federated_role(iam)
    iam.create_role(RoleName="alice", AssumeRolePolicyDocument=saml_trust(provider))
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "iam:GetRole", "Resource": "arn:aws:iam::*:role/${saml:sub}"}
        ],
    }
    iam.put_role_policy(RoleName="federated", PolicyName="own", PolicyDocument=json.dumps(policy))
    assertion = mint(url, roles=[[role, provider]], subject="alice")
    credentials = unsigned_sts(url).assume_role_with_saml(
        RoleArn=role, PrincipalArn=provider, SAMLAssertion=assertion
    )["Credentials"]
    session = boto3.client(
        "iam",
        region_name="us-east-1",
        endpoint_url=url,
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )
    assert session.get_role(RoleName="alice")["Role"]["RoleName"] == "alice"
    with aws_error("AccessDenied", 403, "is not authorized to perform: iam:GetRole"):
        session.get_role(RoleName="federated")


def test_encrypted_assertions(iam: Any) -> None:
    """With AddPrivateKey, the provider decrypts EncryptedAssertions (XML Encryption: AES-GCM content,
    RSA-OAEP key); AssertionEncryptionMode Required refuses plaintext ones."""
    url = iam.meta.endpoint_url
    role, provider = federated_role(iam)
    sts = unsigned_sts(url)

    def assume(assertion: str) -> Any:
        return sts.assume_role_with_saml(RoleArn=role, PrincipalArn=provider, SAMLAssertion=assertion)

    answer = requests.post(
        f"{url}/_ec2sim/saml/assertion", json={"roles": [[role, provider]], "encrypt": True}, timeout=30
    )
    assert answer.status_code == 400 and "AddPrivateKey" in answer.json()["error"]
    iam.update_saml_provider(SAMLProviderArn=provider, AddPrivateKey=private_key_pem())
    encrypted = mint(url, roles=[[role, provider]], subject="alice", encrypt=True)
    assert b"EncryptedAssertion" in base64.b64decode(encrypted) and b"alice" not in base64.b64decode(
        encrypted
    )
    assert assume(encrypted)["Subject"] == "alice"
    assert assume(mint(url, roles=[[role, provider]]))  # Allowed by default: plaintext too
    iam.update_saml_provider(SAMLProviderArn=provider, AssertionEncryptionMode="Required")
    with aws_error("InvalidIdentityToken", 400, "The SAML provider requires encrypted assertions"):
        assume(mint(url, roles=[[role, provider]]))
    assert assume(mint(url, roles=[[role, provider]], encrypt=True))
    # Encrypted for a key the provider no longer has: refused.
    stale = mint(url, roles=[[role, provider]], encrypt=True)
    old = iam.get_saml_provider(SAMLProviderArn=provider)["PrivateKeyList"][0]["KeyId"]
    iam.update_saml_provider(SAMLProviderArn=provider, AddPrivateKey=private_key_pem())
    iam.update_saml_provider(SAMLProviderArn=provider, RemovePrivateKey=old)
    with aws_error("InvalidIdentityToken", 400, "Failed to decrypt the EncryptedAssertion"):
        assume(stale)


_FEDERATIONS: dict[int, tuple[str, str, bytes]] = {}


@given(position=st.integers(min_value=0), byte=st.sampled_from(b"<>&\"'a0 /=:#\x00\xff"))
def test_mutated_assertions_never_fail_the_server(iam: Any, position: int, byte: int) -> None:
    """A valid response with one byte changed anywhere: accepted (a byte no signature covers) or
    refused with a 4xx, never a 500."""
    if id(iam) not in _FEDERATIONS:
        role, provider = federated_role(iam)
        _FEDERATIONS[id(iam)] = (
            role,
            provider,
            base64.b64decode(mint(iam.meta.endpoint_url, roles=[[role, provider]])),
        )
    role, provider, xml = _FEDERATIONS[id(iam)]
    at = position % len(xml)
    mutated = base64.b64encode(xml[:at] + bytes([byte]) + xml[at + 1 :]).decode()
    try:
        unsigned_sts(iam.meta.endpoint_url).assume_role_with_saml(
            RoleArn=role, PrincipalArn=provider, SAMLAssertion=mutated
        )
    except ClientError as error:
        assert 400 <= error.response["ResponseMetadata"]["HTTPStatusCode"] < 500, error.response


def test_subject_types_and_session_policies(iam: Any) -> None:
    url = iam.meta.endpoint_url
    role, provider = federated_role(iam, condition={"StringEquals": {"saml:sub_type": "transient"}})
    sts = unsigned_sts(url)
    transient = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient"
    answer = sts.assume_role_with_saml(
        RoleArn=role,
        PrincipalArn=provider,
        SAMLAssertion=mint(url, roles=[[role, provider]], subject="t-1", subject_format=transient),
        Policy=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
        ),
    )
    assert answer["SubjectType"] == "transient" and answer["PackedPolicySize"] > 0
    with aws_error("AccessDenied", 403, NOT_AUTHORIZED):  # persistent: the condition refuses it
        sts.assume_role_with_saml(
            RoleArn=role, PrincipalArn=provider, SAMLAssertion=mint(url, roles=[[role, provider]])
        )
    with aws_error("MalformedPolicyDocument", 400):
        sts.assume_role_with_saml(
            RoleArn=role,
            PrincipalArn=provider,
            SAMLAssertion=mint(url, roles=[[role, provider]], subject_format=transient),
            Policy="{not json",
        )
