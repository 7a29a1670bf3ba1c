"""Login profiles, the account password policy, ChangePassword, and how passwords are stored."""

from __future__ import annotations

import pytest

from ec2sim.iam.passwords import conforms, hash_password, verify_password
from tests.helpers import aws_error
from tests.test_iam_users import client_as_user

GOOD = "Corr3ct-Horse"


@pytest.fixture
def bob(iam):
    iam.create_user(UserName="Bob")
    return "Bob"


def test_hashing():
    encoded = hash_password(GOOD)
    assert encoded.startswith("pbkdf2_sha256$") and GOOD not in encoded
    assert encoded != hash_password(GOOD)  # salted
    assert verify_password(GOOD, encoded) and not verify_password(GOOD + "x", encoded)
    assert not verify_password(GOOD, "garbage")


def test_default_policy_rules():
    assert conforms("Abcdefg1", None)  # 8 characters, three classes
    assert not conforms("Abcdef1", None)  # too short
    assert not conforms("abcdefgh1", None)  # two classes only
    assert conforms("abc-defg1", None)  # lower, number, symbol


def test_login_profile_lifecycle(iam, bob, server, account_id):
    made = iam.create_login_profile(UserName="bob", Password=GOOD, PasswordResetRequired=True)["LoginProfile"]
    assert made["UserName"] == "Bob" and made["PasswordResetRequired"] is True and "CreateDate" in made
    stored = server.store.account(account_id).iam.users.get("bob").login_profile
    assert GOOD not in stored.password_hash and verify_password(GOOD, stored.password_hash)
    assert iam.get_login_profile(UserName="bob")["LoginProfile"] == made
    iam.update_login_profile(UserName="bob", PasswordResetRequired=False)
    assert iam.get_login_profile(UserName="bob")["LoginProfile"]["PasswordResetRequired"] is False
    iam.update_login_profile(UserName="bob", Password="N3w-Password")
    assert verify_password("N3w-Password", stored.password_hash)
    iam.delete_login_profile(UserName="bob")
    with aws_error("NoSuchEntity", 404, "Login Profile for User Bob cannot be found."):
        iam.get_login_profile(UserName="bob")


def test_login_profile_errors(iam, bob):
    iam.create_login_profile(UserName="bob", Password=GOOD)
    with aws_error("EntityAlreadyExists", 409, "Login Profile for user Bob already exists."):
        iam.create_login_profile(UserName="bob", Password=GOOD)
    with aws_error("NoSuchEntity", 404, "The user with name ghost cannot be found."):
        iam.create_login_profile(UserName="ghost", Password=GOOD)
    iam.create_user(UserName="carol")
    for call in (
        lambda: iam.update_login_profile(UserName="carol", Password=GOOD),
        lambda: iam.delete_login_profile(UserName="carol"),
    ):
        with aws_error("NoSuchEntity", 404, "Login Profile for User carol cannot be found."):
            call()
    with aws_error("ValidationError", 400, "Must specify userName"):
        iam.get_login_profile()


def test_default_policy_applies_without_a_custom_one(iam, bob):
    with aws_error(
        "PasswordPolicyViolation", 400, "Password does not conform to the account password policy."
    ):
        iam.create_login_profile(UserName="bob", Password="short1A")
    with aws_error("PasswordPolicyViolation", 400):
        iam.create_login_profile(UserName="bob", Password="alllowercase1")
    iam.create_login_profile(UserName="bob", Password="Abcdefg1")


def test_account_password_policy(iam, account_id):
    with aws_error(
        "NoSuchEntity", 404, f"The Password Policy with domain name {account_id} cannot be found."
    ):
        iam.get_account_password_policy()
    # issue 14: DeleteAccountPasswordPolicy words it as the account policy named PasswordPolicy
    with aws_error("NoSuchEntity", 404, "The account policy with name PasswordPolicy cannot be found."):
        iam.delete_account_password_policy()
    iam.update_account_password_policy(RequireSymbols=True, MaxPasswordAge=90, PasswordReusePrevention=3)
    assert iam.get_account_password_policy()["PasswordPolicy"] == {
        "MinimumPasswordLength": 6,
        "RequireSymbols": True,
        "RequireNumbers": False,
        "RequireUppercaseCharacters": False,
        "RequireLowercaseCharacters": False,
        "AllowUsersToChangePassword": False,
        "ExpirePasswords": True,
        "MaxPasswordAge": 90,
        "PasswordReusePrevention": 3,
    }
    iam.update_account_password_policy(MinimumPasswordLength=12)  # no partial updates: the rest reverts
    policy = iam.get_account_password_policy()["PasswordPolicy"]
    assert policy["MinimumPasswordLength"] == 12 and policy["RequireSymbols"] is False
    assert policy["ExpirePasswords"] is False and "MaxPasswordAge" not in policy
    iam.delete_account_password_policy()
    with aws_error("NoSuchEntity", 404):
        iam.get_account_password_policy()


@pytest.mark.parametrize(
    ("rule", "bad", "good"),
    [
        ({"MinimumPasswordLength": 10}, "abcdefghi", "abcdefghij"),
        ({"RequireSymbols": True}, "abcdefgh", "abcdefg!"),
        ({"RequireNumbers": True}, "abcdefgh", "abcdefg1"),
        ({"RequireUppercaseCharacters": True}, "abcdefgh", "abcdefgH"),
        ({"RequireLowercaseCharacters": True}, "ABCDEFGH", "ABCDEFGh"),
    ],
    ids=["length", "symbols", "numbers", "uppercase", "lowercase"],
)
def test_custom_policy_rules(iam, bob, rule, bad, good):
    iam.update_account_password_policy(**rule)
    with aws_error(
        "PasswordPolicyViolation", 400, "Password does not conform to the account password policy."
    ):
        iam.create_login_profile(UserName="bob", Password=bad)
    iam.create_login_profile(UserName="bob", Password=good)
    with aws_error("PasswordPolicyViolation", 400):
        iam.update_login_profile(UserName="bob", Password=bad)


def test_change_password(iam, make_client):
    alice = client_as_user(make_client, iam, "alice")
    with aws_error("NoSuchEntity", 404, "Login Profile for User alice cannot be found."):
        alice.change_password(OldPassword=GOOD, NewPassword="Another-0ne")
    iam.create_login_profile(UserName="alice", Password=GOOD, PasswordResetRequired=True)
    with aws_error("InvalidUserType", 400, "The old password was incorrect."):
        alice.change_password(OldPassword="Wrong-Passw0rd", NewPassword="Another-0ne")
    with aws_error("PasswordPolicyViolation", 400):
        alice.change_password(OldPassword=GOOD, NewPassword="weak")
    alice.change_password(OldPassword=GOOD, NewPassword="Another-0ne")
    assert iam.get_login_profile(UserName="alice")["LoginProfile"]["PasswordResetRequired"] is False
    with aws_error("InvalidUserType", 400):
        alice.change_password(OldPassword=GOOD, NewPassword="Third-0ne!")
    alice.change_password(OldPassword="Another-0ne", NewPassword="Third-0ne!")


def test_root_cannot_change_password(iam):
    with aws_error("InvalidUserType", 400, "Only IAM Users can change their own password."):
        iam.change_password(OldPassword=GOOD, NewPassword="Another-0ne")


def test_password_reuse_prevention(iam, make_client):
    alice = client_as_user(make_client, iam, "alice")
    iam.update_account_password_policy(PasswordReusePrevention=2)
    iam.create_login_profile(UserName="alice", Password="first-pass")
    alice.change_password(OldPassword="first-pass", NewPassword="second-pass")
    with aws_error("PasswordPolicyViolation", 400):
        alice.change_password(OldPassword="second-pass", NewPassword="first-pass")
    with aws_error("PasswordPolicyViolation", 400):
        iam.update_login_profile(UserName="alice", Password="second-pass")
    alice.change_password(OldPassword="second-pass", NewPassword="third-pass")
    alice.change_password(OldPassword="third-pass", NewPassword="first-pass")  # two back is allowed again
