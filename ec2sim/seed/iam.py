"""An account's IAM from the seed: alias, managed policies, groups, users, roles (in that order)."""

from __future__ import annotations

from typing import Any

from ec2sim.seed.run import Run, Spec, document, present, tags


def apply_iam(run: Run, account_id: str, spec: Spec, path: str) -> None:
    def iam(action: str, **params: Any) -> dict[str, Any]:
        return run.call(account_id, run.region, "iam", action, **present(**params))

    if spec.get("alias") is not None:
        with run.at(f"{path}.alias"):
            iam("CreateAccountAlias", AccountAlias=spec["alias"])
    for i, policy in enumerate(spec.get("policies") or []):
        with run.at(f"{path}.policies[{i}]"):
            created = iam(
                "CreatePolicy",
                PolicyName=policy["name"],
                Path=policy.get("path"),
                Description=policy.get("description"),
                PolicyDocument=document(policy["document"]),
                Tags=tags(policy),
            )
        run.policy_arns[(account_id, policy["name"])] = created["Policy"]["Arn"]
    for i, group in enumerate(spec.get("groups") or []):
        item = f"{path}.groups[{i}]"
        with run.at(item):
            iam("CreateGroup", GroupName=group["name"], Path=group.get("path"))
        _policies(run, account_id, "Group", group, item, iam)
    for i, user in enumerate(spec.get("users") or []):
        _user(run, account_id, user, f"{path}.users[{i}]", iam)
    for i, role in enumerate(spec.get("roles") or []):
        _role(run, account_id, role, f"{path}.roles[{i}]", iam)


def _arn(run: Run, account_id: str, name: str, path: str) -> str:
    """A managed policy by ARN, or by the name of one of this account's seeded policies."""
    if name.startswith("arn:"):
        return name
    arn = run.policy_arns.get((account_id, name))
    if arn is None:
        raise run.fail(path, f"no policy named {name!r} in this account's policies")
    return arn


def _policies(run: Run, account_id: str, kind: str, spec: Spec, path: str, iam: Any) -> None:
    """Inline and managed policies of a user, group or role (`kind`)."""
    name = {f"{kind}Name": spec["name"]}
    for j, policy in enumerate(spec.get("policies") or []):
        with run.at(f"{path}.policies[{j}]"):
            iam(
                f"Put{kind}Policy",
                **name,
                PolicyName=policy["name"],
                PolicyDocument=document(policy["document"]),
            )
    for j, ref in enumerate(spec.get("managed_policies") or []):
        item = f"{path}.managed_policies[{j}]"
        arn = _arn(run, account_id, ref, item)
        with run.at(item):
            iam(f"Attach{kind}Policy", **name, PolicyArn=arn)


def _boundary(run: Run, account_id: str, spec: Spec, path: str) -> str | None:
    ref = spec.get("permissions_boundary")
    return None if ref is None else _arn(run, account_id, ref, f"{path}.permissions_boundary")


def _user(run: Run, account_id: str, user: Spec, path: str, iam: Any) -> None:
    name = user["name"]
    boundary = _boundary(run, account_id, user, path)
    with run.at(path):
        iam("CreateUser", UserName=name, Path=user.get("path"), PermissionsBoundary=boundary, Tags=tags(user))
    for j, group in enumerate(user.get("groups") or []):
        with run.at(f"{path}.groups[{j}]"):
            iam("AddUserToGroup", GroupName=group, UserName=name)
    _policies(run, account_id, "User", user, path, iam)
    for j, key in enumerate(user.get("access_keys") or []):
        item = f"{path}.access_keys[{j}]"
        run.fixed("AKIA", key["access_key_id"])
        run.fixed("secret", key["secret_access_key"])
        with run.at(item):
            created = iam("CreateAccessKey", UserName=name)["AccessKey"]
            run.expect(item, key["access_key_id"], created["AccessKeyId"])
            if key.get("status", "Active") != "Active":
                iam(
                    "UpdateAccessKey", UserName=name, AccessKeyId=created["AccessKeyId"], Status=key["status"]
                )
    login = user.get("login_profile")
    if login is not None:
        with run.at(f"{path}.login_profile"):
            iam(
                "CreateLoginProfile",
                UserName=name,
                Password=login["password"],
                PasswordResetRequired=login.get("password_reset_required"),
            )


def _role(run: Run, account_id: str, role: Spec, path: str, iam: Any) -> None:
    name = role["name"]
    boundary = _boundary(run, account_id, role, path)
    with run.at(path):
        iam(
            "CreateRole",
            RoleName=name,
            Path=role.get("path"),
            Description=role.get("description"),
            AssumeRolePolicyDocument=document(role["trust_policy"]),
            MaxSessionDuration=role.get("max_session_duration"),
            PermissionsBoundary=boundary,
            Tags=tags(role),
        )
    _policies(run, account_id, "Role", role, path, iam)
    profile = role.get("instance_profile")
    if profile:
        profile_name = name if profile is True else profile
        with run.at(f"{path}.instance_profile"):
            iam("CreateInstanceProfile", InstanceProfileName=profile_name, Path=role.get("path"))
            iam("AddRoleToInstanceProfile", InstanceProfileName=profile_name, RoleName=name)
