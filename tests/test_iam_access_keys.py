"""IAM access keys: formats, the two-key quota, status, deletion, last use and the credential index."""

from __future__ import annotations

import re

from tests.helpers import allow_self_service, aws_error
from tests.test_iam_users import client_as_user


def test_create_access_key(iam, server, account_id):
    iam.create_user(UserName="Bob")
    key = iam.create_access_key(UserName="bob")["AccessKey"]
    assert re.fullmatch(r"AKIA[A-Z0-9]{16}", key["AccessKeyId"])
    assert len(key["SecretAccessKey"]) == 40
    assert key["UserName"] == "Bob" and key["Status"] == "Active" and "CreateDate" in key
    credential = server.store.credentials[key["AccessKeyId"]]
    assert (credential.secret, credential.account_id, credential.kind, credential.user_name) == (
        key["SecretAccessKey"],
        account_id,
        "user",
        "Bob",
    )


def test_third_key_exceeds_quota(iam):
    iam.create_user(UserName="bob")
    iam.create_access_key(UserName="bob")
    iam.create_access_key(UserName="bob")
    with aws_error("LimitExceeded", 409, "Cannot exceed quota for AccessKeysPerUser: 2"):
        iam.create_access_key(UserName="bob")


def test_create_key_errors(iam):
    with aws_error("NoSuchEntity", 404, "The user with name ghost cannot be found."):
        iam.create_access_key(UserName="ghost")
    with aws_error("ValidationError", 400, "Must specify userName when calling with non-User credentials"):
        iam.create_access_key()


def test_list_update_delete(iam, server):
    iam.create_user(UserName="bob")
    first = iam.create_access_key(UserName="bob")["AccessKey"]
    second = iam.create_access_key(UserName="bob")["AccessKey"]
    listed = iam.list_access_keys(UserName="bob")
    assert [k["AccessKeyId"] for k in listed["AccessKeyMetadata"]] == [
        first["AccessKeyId"],
        second["AccessKeyId"],
    ]
    assert all("SecretAccessKey" not in k and k["UserName"] == "bob" for k in listed["AccessKeyMetadata"])
    page = iam.list_access_keys(UserName="bob", MaxItems=1)
    assert page["IsTruncated"] and len(page["AccessKeyMetadata"]) == 1
    iam.update_access_key(UserName="bob", AccessKeyId=first["AccessKeyId"], Status="Inactive")
    statuses = {
        k["AccessKeyId"]: k["Status"] for k in iam.list_access_keys(UserName="bob")["AccessKeyMetadata"]
    }
    assert statuses == {first["AccessKeyId"]: "Inactive", second["AccessKeyId"]: "Active"}
    iam.delete_access_key(UserName="bob", AccessKeyId=first["AccessKeyId"])
    assert first["AccessKeyId"] not in server.store.credentials
    assert [k["AccessKeyId"] for k in iam.list_access_keys(UserName="bob")["AccessKeyMetadata"]] == [
        second["AccessKeyId"]
    ]
    assert iam.list_access_keys()["AccessKeyMetadata"] == []  # the root user's own keys


def test_missing_key_errors(iam):
    iam.create_user(UserName="bob")
    iam.create_user(UserName="carol")
    key_id = iam.create_access_key(UserName="carol")["AccessKey"]["AccessKeyId"]
    message = f"The Access Key with id {key_id} cannot be found."
    with aws_error("NoSuchEntity", 404, message):
        iam.delete_access_key(UserName="bob", AccessKeyId=key_id)  # carol's key, not bob's
    with aws_error("NoSuchEntity", 404, message):
        iam.update_access_key(UserName="bob", AccessKeyId=key_id, Status="Inactive")
    with aws_error("NoSuchEntity", 404, message):
        iam.delete_access_key(AccessKeyId=key_id)  # the root user owns no user's key
    # issue 14: an unknown key id is AccessDenied, not NoSuchEntity
    with aws_error("AccessDenied", 403, "is not authorized to perform: iam:GetAccessKeyLastUsed"):
        iam.get_access_key_last_used(AccessKeyId="AKIAAAAAAAAAAAAAAAAA")
    with aws_error("ValidationError", 400):
        iam.update_access_key(UserName="carol", AccessKeyId=key_id, Status="Paused")


def test_access_key_last_used_never(iam):
    iam.create_user(UserName="bob")
    key_id = iam.create_access_key(UserName="bob")["AccessKey"]["AccessKeyId"]
    got = iam.get_access_key_last_used(AccessKeyId=key_id)
    assert got["UserName"] == "bob"
    assert got["AccessKeyLastUsed"] == {"ServiceName": "N/A", "Region": "N/A"}


def test_access_key_last_used_shows_recorded_use(iam, server, account_id):
    iam.create_user(UserName="bob")
    key_id = iam.create_access_key(UserName="bob")["AccessKey"]["AccessKeyId"]
    key = server.store.account(account_id).iam.users.get("bob").access_keys[key_id]
    when = iam.get_user(UserName="bob")["User"]["CreateDate"]
    key.last_used_date, key.last_used_service, key.last_used_region = when, "ec2", "eu-west-1"
    used = iam.get_access_key_last_used(AccessKeyId=key_id)["AccessKeyLastUsed"]
    assert used == {"LastUsedDate": when, "ServiceName": "ec2", "Region": "eu-west-1"}


def test_caller_manages_own_keys(iam, make_client):
    alice = client_as_user(make_client, iam, "alice")
    own = alice.create_access_key()["AccessKey"]
    assert own["UserName"] == "alice"
    assert len(alice.list_access_keys()["AccessKeyMetadata"]) == 2
    alice.update_access_key(AccessKeyId=own["AccessKeyId"], Status="Inactive")
    alice.delete_access_key(AccessKeyId=own["AccessKeyId"])
    assert len(iam.list_access_keys(UserName="alice")["AccessKeyMetadata"]) == 1


def test_inactive_and_deleted_keys_are_refused(iam, make_client):
    iam.create_user(UserName="bob")
    allow_self_service(iam, "bob")
    key = iam.create_access_key(UserName="bob")["AccessKey"]
    bob = make_client("iam", key["AccessKeyId"], secret=key["SecretAccessKey"])
    assert bob.get_user()["User"]["UserName"] == "bob"
    iam.update_access_key(UserName="bob", AccessKeyId=key["AccessKeyId"], Status="Inactive")
    with aws_error("InvalidClientTokenId", 403):
        bob.get_user()
    iam.update_access_key(UserName="bob", AccessKeyId=key["AccessKeyId"], Status="Active")
    assert bob.get_user()["User"]["UserName"] == "bob"
    iam.delete_access_key(UserName="bob", AccessKeyId=key["AccessKeyId"])
    with aws_error("InvalidClientTokenId", 403):
        bob.get_user()
