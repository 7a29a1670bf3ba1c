"""The IAM journal: every IAM change is one recorded change, and replaying the journal into an empty
store rebuilds an equal state; the revision counts the changes and moves on nothing else."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import json
import pkgutil
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import boto3
import pytest
import requests
from botocore.config import Config as BotoConfig

import ec2sim.store.iam as iam_store
from ec2sim.config import Config
from ec2sim.server import Server
from ec2sim.store import Store
from ec2sim.store.iam.changes import Change
from ec2sim.store.iam.entities import NamedTable
from ec2sim.store.iam.journal import FORGET_EXPIRED_AFTER
from ec2sim.store.persistence import CODEC
from tests.credential_helpers import (
    certificate,
    code_at,
    ec_key,
    ed25519_ssh,
    emulated_now,
    enabled_device,
    private_pem,
    rsa_key,
)
from tests.helpers import aws_error
from tests.oidc_helpers import github_setup, github_token, trust, unsigned_sts
from tests.saml_helpers import federated_role, idp_metadata, mint, private_key_pem

ACCOUNT, OTHER = "210987654321", "123456789098"
_BOTO = BotoConfig(retries={"max_attempts": 1})

# Usage written on every signed request, deliberately not journaled (`IamAccount.record_key_use`).
_USAGE = {"last_used_date", "last_used_service", "last_used_region", "usage"}


@pytest.fixture
def private() -> Iterator[Server]:
    """A server of its own: no other test's changes in its journal, nobody else moving its clock."""
    with Server(Config(port=0, imds_port=0)) as running:
        yield running


def _client(server: Server, service: str, key: str, secret: str = "secret", token: str | None = None) -> Any:
    return boto3.client(
        service,
        region_name="us-east-1",
        endpoint_url=server.api_url,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        aws_session_token=token,
        config=_BOTO,
    )


def _doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _allow(action: str = "*") -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": "*"}


def _trust(account: str) -> str:
    return _doc(
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
            "Action": ["sts:AssumeRole", "sts:TagSession"],
        }
    )


def snapshot(value: Any) -> Any:
    """Plain data for a comparison by value: dataclasses field by field (object identity, the
    account's recorder and usage data left out), tables by lower-cased name, sets sorted."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            "__type__": type(value).__name__,
            **{
                f.name: snapshot(getattr(value, f.name))
                for f in dataclasses.fields(value)
                if f.name != "record" and f.name not in _USAGE
            },
        }
    if isinstance(value, NamedTable):
        return {entity.name.lower(): snapshot(entity) for entity in value}
    if isinstance(value, dict):
        return {key: snapshot(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [snapshot(item) for item in value]
    if isinstance(value, set | frozenset):
        return sorted(snapshot(item) for item in value)
    return value


def iam_state(store: Store) -> dict[str, Any]:
    return {
        "accounts": snapshot(store.iam.accounts),
        "credentials": snapshot(store.iam.credentials),
        "retired_keys": snapshot(store.iam.retired_keys),
    }


class Revisions:
    """Checks that every mutating step moves the revision up."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.seen = [store.revision]

    def step(self) -> None:
        assert self.store.revision > self.seen[-1]
        self.seen.append(self.store.revision)


def _scenario(server: Server) -> None:  # noqa: PLR0915 (one long story, told in order)
    store = server.store
    iam, other_iam = _client(server, "iam", ACCOUNT), _client(server, "iam", OTHER)
    revisions = Revisions(store)
    step = revisions.step

    iam.update_account_password_policy(MinimumPasswordLength=10, MaxPasswordAge=90)
    step()
    iam.create_account_alias(AccountAlias="journal-one")
    step()
    iam.create_account_alias(AccountAlias="journal-two")  # replaces the first
    step()
    iam.set_security_token_service_preferences(GlobalEndpointTokenVersion="v2Token")
    iam.enable_outbound_web_identity_federation()
    step()
    iam.put_account_properties(Properties={"RoleManager/Enabled": "true", "RoleManager/Mode": "a"})
    iam.put_account_properties(Properties={"RoleManager/Mode": "b"})
    step()

    arn = iam.create_policy(
        PolicyName="Everything",
        Path="/team/",
        PolicyDocument=_doc(_allow()),
        Tags=[{"Key": "t", "Value": "1"}],
    )["Policy"]["Arn"]
    step()
    iam.create_policy_version(
        PolicyArn=arn, PolicyDocument=_doc(_allow("ec2:*"), _allow()), SetAsDefault=True
    )
    iam.create_policy_version(PolicyArn=arn, PolicyDocument=_doc(_allow("iam:*"), _allow()))
    iam.set_default_policy_version(PolicyArn=arn, VersionId="v3")
    iam.delete_policy_version(PolicyArn=arn, VersionId="v1")
    iam.tag_policy(PolicyArn=arn, Tags=[{"Key": "u", "Value": "2"}])
    iam.untag_policy(PolicyArn=arn, TagKeys=["t"])
    step()
    gone = iam.create_policy(PolicyName="Gone", PolicyDocument=_doc(_allow("s3:*")))["Policy"]["Arn"]
    iam.delete_policy(PolicyArn=gone)
    step()

    iam.create_user(
        UserName="Alice", Path="/people/", PermissionsBoundary=arn, Tags=[{"Key": "k", "Value": "v"}]
    )
    iam.create_user(UserName="bob")
    iam.create_user(UserName="carol")
    iam.tag_user(UserName="bob", Tags=[{"Key": "team", "Value": "x"}, {"Key": "drop", "Value": "y"}])
    iam.untag_user(UserName="bob", TagKeys=["drop"])
    iam.put_user_permissions_boundary(UserName="bob", PermissionsBoundary=arn)
    iam.put_user_permissions_boundary(UserName="carol", PermissionsBoundary=arn)
    iam.delete_user_permissions_boundary(UserName="carol")
    step()

    iam.create_group(GroupName="devs")
    iam.create_group(GroupName="ops", Path="/ops/")
    iam.add_user_to_group(GroupName="devs", UserName="alice")
    iam.add_user_to_group(GroupName="devs", UserName="bob")
    iam.add_user_to_group(GroupName="ops", UserName="bob")
    iam.add_user_to_group(GroupName="ops", UserName="carol")
    iam.remove_user_from_group(GroupName="ops", UserName="carol")
    step()

    iam.attach_user_policy(UserName="alice", PolicyArn=arn)
    iam.attach_group_policy(GroupName="devs", PolicyArn=arn)
    iam.attach_user_policy(UserName="bob", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    iam.attach_user_policy(UserName="bob", PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")
    iam.detach_user_policy(UserName="bob", PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")
    iam.put_user_policy(UserName="alice", PolicyName="inline", PolicyDocument=_doc(_allow("sts:*")))
    iam.put_user_policy(UserName="carol", PolicyName="brief", PolicyDocument=_doc(_allow("ec2:Describe*")))
    iam.delete_user_policy(UserName="carol", PolicyName="brief")
    iam.put_group_policy(GroupName="devs", PolicyName="g", PolicyDocument=_doc(_allow("ec2:*")))
    step()

    iam.create_role(
        RoleName="Worker",
        Path="/svc/",
        AssumeRolePolicyDocument=_trust(ACCOUNT),
        Description="does work",
        MaxSessionDuration=7200,
        PermissionsBoundary=arn,
        Tags=[{"Key": "env", "Value": "test"}],
    )
    iam.update_role(RoleName="Worker", Description="does more work", MaxSessionDuration=10800)
    iam.update_role_description(RoleName="Worker", Description="does all the work")
    iam.update_assume_role_policy(RoleName="Worker", PolicyDocument=_trust(ACCOUNT))
    iam.delete_role_permissions_boundary(RoleName="Worker")
    iam.put_role_permissions_boundary(RoleName="Worker", PermissionsBoundary=arn)
    iam.attach_role_policy(RoleName="Worker", PolicyArn=arn)
    iam.put_role_policy(RoleName="Worker", PolicyName="r", PolicyDocument=_doc(_allow("ec2:*")))
    iam.tag_role(RoleName="Worker", Tags=[{"Key": "more", "Value": "1"}])
    iam.untag_role(RoleName="Worker", TagKeys=["env"])
    iam.create_role(RoleName="Temp", AssumeRolePolicyDocument=_trust(ACCOUNT))
    iam.delete_role(RoleName="Temp")
    step()

    iam.create_instance_profile(InstanceProfileName="worker", Tags=[{"Key": "a", "Value": "b"}])
    iam.add_role_to_instance_profile(InstanceProfileName="worker", RoleName="Worker")
    iam.tag_instance_profile(InstanceProfileName="worker", Tags=[{"Key": "c", "Value": "d"}])
    iam.untag_instance_profile(InstanceProfileName="worker", TagKeys=["a"])
    iam.create_instance_profile(InstanceProfileName="spare", Path="/x/")
    iam.add_role_to_instance_profile(InstanceProfileName="spare", RoleName="Worker")
    iam.remove_role_from_instance_profile(InstanceProfileName="spare", RoleName="Worker")
    iam.delete_instance_profile(InstanceProfileName="spare")
    step()

    alice_key = iam.create_access_key(UserName="alice")["AccessKey"]
    second = iam.create_access_key(UserName="alice")["AccessKey"]["AccessKeyId"]
    iam.update_access_key(UserName="alice", AccessKeyId=second, Status="Inactive")
    bob_key = iam.create_access_key(UserName="bob")["AccessKey"]["AccessKeyId"]
    iam.delete_access_key(UserName="bob", AccessKeyId=bob_key)
    step()

    iam.create_login_profile(UserName="alice", Password="First-Passw0rd", PasswordResetRequired=True)
    iam.update_login_profile(UserName="alice", Password="Second-Passw0rd", PasswordResetRequired=False)
    iam.create_login_profile(UserName="carol", Password="Carols-Passw0rd")
    iam.delete_login_profile(UserName="carol")
    step()

    iam.update_user(UserName="bob", NewUserName="Robert", NewPath="/renamed/")
    iam.update_group(GroupName="ops", NewGroupName="operations")
    iam.delete_user(UserName="carol")
    step()

    # Credentials: a session of alice's, and roles assumed in this account and across accounts.
    alice_sts = _client(server, "sts", alice_key["AccessKeyId"], alice_key["SecretAccessKey"])
    short = alice_sts.get_session_token(DurationSeconds=900)["Credentials"]
    alice_sts.get_session_token()
    alice_sts.get_federation_token(
        Name="fed", Policy=_doc(_allow("ec2:*")), Tags=[{"Key": "who", "Value": "fed"}]
    )
    alice_sts.assume_role(RoleArn=f"arn:aws:iam::{ACCOUNT}:role/svc/Worker", RoleSessionName="s1")
    other_iam.create_role(RoleName="Guest", AssumeRolePolicyDocument=_trust(ACCOUNT))
    alice_sts.assume_role(
        RoleArn=f"arn:aws:iam::{OTHER}:role/Guest",
        RoleSessionName="visit",
        Tags=[{"Key": "who", "Value": "alice"}],
    )
    step()
    assert store.iam.accounts[OTHER].roles.get("Guest").last_used_date is not None
    _transitive_tags(server, alice_sts)
    step()
    _user_credentials(server, iam, alice_sts)
    step()
    _federation(server, iam)
    step()

    # The short session expires and, an hour later, is forgotten: a change of its own.
    seconds = 900 + FORGET_EXPIRED_AFTER.total_seconds() + 60
    requests.post(f"{server.api_url}/_ec2sim/clock", json={"advance_seconds": seconds}, timeout=5)
    with aws_error("ExpiredToken", 403):
        _client(
            server, "sts", short["AccessKeyId"], short["SecretAccessKey"], short["SessionToken"]
        ).get_caller_identity()
    assert short["AccessKeyId"] in store.retired_keys
    step()

    iam.generate_credential_report()
    step()


def _transitive_tags(server: Server, alice_sts: Any) -> None:
    """A tagged session with a transitive key, and a session chained from it that inherits it."""
    tagged = alice_sts.assume_role(
        RoleArn=f"arn:aws:iam::{ACCOUNT}:role/svc/Worker",
        RoleSessionName="tagged",
        Tags=[{"Key": "project", "Value": "p"}, {"Key": "team", "Value": "t"}],
        TransitiveTagKeys=["project"],
    )["Credentials"]
    worker = _client(server, "sts", tagged["AccessKeyId"], tagged["SecretAccessKey"], tagged["SessionToken"])
    worker.assume_role(RoleArn=f"arn:aws:iam::{OTHER}:role/Guest", RoleSessionName="chained")


def _user_credentials(server: Server, iam: Any, alice_sts: Any) -> None:
    """MFA (enabled, resynchronized, tagged, an MFA session; a spare device deleted), an SSH key,
    a signing certificate, a service-specific credential and a server certificate, each changed and
    the ones that can be, deleted."""
    serial, seed = enabled_device(iam, "alice")
    now = emulated_now(iam)
    later = code_at(seed, now + timedelta(seconds=30)), code_at(seed, now + timedelta(seconds=60))
    iam.resync_mfa_device(
        UserName="alice", SerialNumber=serial, AuthenticationCode1=later[0], AuthenticationCode2=later[1]
    )  # two steps of drift: a change
    iam.tag_mfa_device(SerialNumber=serial, Tags=[{"Key": "m", "Value": "1"}])
    alice_sts.get_session_token(SerialNumber=serial, TokenCode=later[1])
    spare = iam.create_virtual_mfa_device(VirtualMFADeviceName="spare")["VirtualMFADevice"]["SerialNumber"]
    iam.delete_virtual_mfa_device(SerialNumber=spare)
    ssh = iam.upload_ssh_public_key(UserName="alice", SSHPublicKeyBody=ed25519_ssh())["SSHPublicKey"]
    iam.update_ssh_public_key(UserName="alice", SSHPublicKeyId=ssh["SSHPublicKeyId"], Status="Inactive")
    iam.delete_ssh_public_key(UserName="alice", SSHPublicKeyId=ssh["SSHPublicKeyId"])
    iam.upload_signing_certificate(UserName="alice", CertificateBody=certificate(ec_key())[0])
    made = iam.create_service_specific_credential(UserName="alice", ServiceName="codecommit.amazonaws.com")
    credential_id = made["ServiceSpecificCredential"]["ServiceSpecificCredentialId"]
    iam.reset_service_specific_credential(UserName="alice", ServiceSpecificCredentialId=credential_id)
    key = rsa_key()
    body, private_key = certificate(key)[0], private_pem(key)
    iam.upload_server_certificate(ServerCertificateName="web", CertificateBody=body, PrivateKey=private_key)
    iam.update_server_certificate(ServerCertificateName="web", NewServerCertificateName="site")
    iam.tag_server_certificate(ServerCertificateName="site", Tags=[{"Key": "a", "Value": "1"}])
    iam.upload_server_certificate(ServerCertificateName="old", CertificateBody=body, PrivateKey=private_key)
    iam.delete_server_certificate(ServerCertificateName="old")


def _federation(server: Server, iam: Any) -> None:
    """OIDC and SAML providers (changed, one of each deleted), sessions from each with session tags
    and transitive keys, and a service-linked role created and deleted."""
    tags = "https://aws.amazon.com/tags"
    provider, role = github_setup(iam, ACCOUNT, {})
    document = json.loads(trust(provider))
    document["Statement"][0]["Action"] = ["sts:AssumeRoleWithWebIdentity", "sts:TagSession"]
    iam.update_assume_role_policy(RoleName="deploy", PolicyDocument=json.dumps(document))
    iam.add_client_id_to_open_id_connect_provider(OpenIDConnectProviderArn=provider, ClientID="second")
    gone = iam.create_open_id_connect_provider(Url="https://gone.example.com", ClientIDList=["a"])
    iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=gone["OpenIDConnectProviderArn"])
    claim = {"principal_tags": {"ci": ["yes"], "repo": ["r"]}, "transitive_tag_keys": ["ci"]}
    token = github_token(server, **{tags: claim})
    unsigned_sts(server).assume_role_with_web_identity(
        RoleArn=role, RoleSessionName="ci", WebIdentityToken=token
    )
    saml_role, saml_provider = federated_role(iam, tag=True)
    iam.tag_saml_provider(SAMLProviderArn=saml_provider, Tags=[{"Key": "k", "Value": "v"}])
    iam.update_saml_provider(SAMLProviderArn=saml_provider, AddPrivateKey=private_key_pem())
    url = server.api_url
    other = iam.create_saml_provider(Name="gone", SAMLMetadataDocument=idp_metadata(url))["SAMLProviderArn"]
    iam.delete_saml_provider(SAMLProviderArn=other)
    attributes = {
        "https://aws.amazon.com/SAML/Attributes/PrincipalTag:dept": "eng",
        "https://aws.amazon.com/SAML/Attributes/TransitiveTagKeys": ["dept"],
    }
    unsigned_sts(server).assume_role_with_saml(
        RoleArn=saml_role,
        PrincipalArn=saml_provider,
        SAMLAssertion=mint(
            url, roles=[[saml_role, saml_provider]], attributes=attributes, session_name="sso"
        ),
    )
    name = iam.create_service_linked_role(AWSServiceName="ecs.amazonaws.com")["Role"]["RoleName"]
    iam.delete_service_linked_role(RoleName=name)


def _change_types() -> set[str]:
    """Every kind of IAM change there is (the store's modules imported, so all are defined)."""
    for module in pkgutil.iter_modules(iam_store.__path__):
        importlib.import_module(f"{iam_store.__name__}.{module.name}")

    def below(kind: type[Change]) -> Iterator[type[Change]]:
        for sub in kind.__subclasses__():
            yield sub
            yield from below(sub)

    return {kind.__name__ for kind in below(Change) if not inspect.isabstract(kind)}


def test_replaying_the_journal_rebuilds_the_same_iam_state(private: Server) -> None:
    _scenario(private)
    with private.store.lock:
        journal = list(private.store.journal)
        state = iam_state(private.store)
        revision = private.store.revision
    assert revision == len(journal)  # one change per revision, counted from 0
    # The story tells every kind of change, each surviving the durable-state codec.
    assert {type(change).__name__ for change in journal} == _change_types()
    for change in journal:
        assert CODEC.decode(CODEC.encode(change)) == change
    replayed = Store()
    replayed.iam.replay(journal)
    assert replayed.revision == revision
    copy = iam_state(replayed)
    assert copy.keys() == state.keys()
    for part in state:
        assert copy[part] == state[part], part
    assert state["accounts"][ACCOUNT]["users"]["robert"]["group_names"] == ["devs", "operations"]
    # The comparison sees a difference anywhere deep down.
    alice = replayed.iam.accounts[ACCOUNT].users.get("alice")
    assert alice is not None
    next(iter(alice.access_keys.values())).status = "Inactive"
    assert iam_state(replayed)["accounts"] != state["accounts"]
    # Sessions keep their transitive tag keys: AssumeRole's, the chained one's, the token's, the assertion's.
    transitive = {
        c.role_session.session_name: c.role_session.transitive_tag_keys
        for c in replayed.iam.credentials.values()
        if c.role_session is not None and c.role_session.transitive_tag_keys
    }
    assert transitive == {
        "tagged": ("project",),
        "chained": ("project",),
        "ci": ("ci",),
        "sso": ("dept",),
    }


def test_the_revision_moves_on_changes_only(private: Server) -> None:
    store = private.store
    root = _client(private, "iam", ACCOUNT)
    root.create_user(UserName="reader")
    root.create_group(GroupName="readers")
    root.add_user_to_group(GroupName="readers", UserName="reader")
    arn = root.create_policy(PolicyName="Reads", PolicyDocument=_doc(_allow("iam:Get*")))["Policy"]["Arn"]
    root.attach_user_policy(UserName="reader", PolicyArn=arn)
    key = root.create_access_key(UserName="reader")["AccessKey"]
    reader = _client(private, "iam", key["AccessKeyId"], key["SecretAccessKey"])
    ec2 = _client(private, "ec2", ACCOUNT)
    before = store.revision

    # Reads, including the reader's signed requests (their key's last use is usage, not a change).
    root.get_user(UserName="reader")
    root.list_users()
    root.list_policies(Scope="Local")
    root.get_account_authorization_details()
    root.get_access_key_last_used(AccessKeyId=key["AccessKeyId"])
    reader.get_user(UserName="reader")
    _client(private, "sts", ACCOUNT).get_caller_identity()
    ec2.describe_instances()
    # Requests that change nothing.
    root.add_user_to_group(GroupName="readers", UserName="reader")
    root.attach_user_policy(UserName="reader", PolicyArn=arn)
    root.update_access_key(UserName="reader", AccessKeyId=key["AccessKeyId"], Status="Active")
    # Denied and failed requests.
    with aws_error("AccessDenied", 403):
        reader.create_user(UserName="nope")
    with aws_error("EntityAlreadyExists", 409):
        root.create_user(UserName="reader")
    with aws_error("NoSuchEntity", 404):
        root.delete_user(UserName="nobody")
    with aws_error("DeleteConflict", 409):
        root.delete_user(UserName="reader")
    with aws_error("MalformedPolicyDocument", 400):
        root.put_user_policy(UserName="reader", PolicyName="p", PolicyDocument="{")
    assert store.revision == before

    root.detach_user_policy(UserName="reader", PolicyArn=arn)
    assert store.revision == before + 1
