"""IAM's error message templates, in one table, worded as IAM words them.

Handlers raise ``iam_error("KEY", **fields)``; the template's code and text come from here, so a
message AWS changes is changed once. Where a wording is assumed rather than recorded, the entry says so.
"""

from __future__ import annotations

from ec2sim.api.errors import AwsError

# key → (code, template)
MESSAGES: dict[str, tuple[str, str]] = {
    # ARNs
    "ArnNotValid": ("ValidationError", "ARN {arn} is not valid."),  # wording assumed (code per issue 14)
    "ArnPartition": ("ValidationError", "Invalid ARN partition"),  # recorded: AttachRolePolicy, aws-cn ARN
    "ForeignPolicy": ("AccessDenied", "Cannot update policies outside your own account."),  # code assumed
    # Policies
    "PolicyNotFound": ("NoSuchEntity", "Policy {arn} was not found."),
    "PolicyNotAttachable": ("NoSuchEntity", "Policy {arn} does not exist or is not attachable."),
    "PolicyVersionNotFound": ("NoSuchEntity", "Policy version {version} does not exist."),
    "InlinePolicyNotFound": ("NoSuchEntity", "The {kind} policy with name {name} cannot be found."),
    "PolicyAttached": ("DeleteConflict", "Cannot delete a policy attached to entities."),
    "PolicyHasVersions": (
        "DeleteConflict",
        "This policy has more than one version. Before you delete a policy, you must delete the policy's "
        "versions. The default version is deleted with the policy.",
    ),
    "DefaultVersion": ("DeleteConflict", "Cannot delete the default version of a policy."),
    "InvalidJson": ("MalformedPolicyDocument", "This policy contains invalid Json"),
    # Quotas (IAM and AWS STS quotas page; LimitExceeded is 409 in IAM's model)
    "Quota": ("LimitExceeded", "Cannot exceed quota for {quota}: {limit}"),
    "PolicyVersions": (
        "LimitExceeded",
        "A managed policy can have up to {limit} versions. Before you create a new version, "
        "you must delete an existing version.",
    ),
    "InlineSize": ("LimitExceeded", "Maximum policy size of {limit} bytes exceeded for {kind} {name}"),
    "TagLimit": ("LimitExceeded", "The number of tags has reached the maximum limit of {limit}."),
    # Entities
    "EntityExists": ("EntityAlreadyExists", "{label} with name {name} already exists."),
    "ProfileExists": ("EntityAlreadyExists", "Instance Profile {name} already exists."),
    "ProfileNotFound": ("NoSuchEntity", "Instance Profile {name} cannot be found."),
    "RoleNotInProfile": ("NoSuchEntity", "Role {role} in Instance Profile {profile} cannot be found."),
    "AccessKeyNotFound": ("NoSuchEntity", "The Access Key with id {key_id} cannot be found."),
    # GetAccessKeyLastUsed answers an unknown key id AccessDenied (issue 14); the wording is assumed.
    "AccessKeyUnknown": (
        "AccessDenied",
        "User: {principal} is not authorized to perform: iam:GetAccessKeyLastUsed on resource: "
        "access key {key_id}",
    ),
    "DuplicateTags": (
        "InvalidInput",
        "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
    ),
    "InvalidMarker": ("InvalidInput", "Invalid Marker."),
    "NotAuthorized": (
        "AccessDenied",
        "User: {principal} is not authorized to perform: iam:{action} on resource: policy {arn}",
    ),
    # Passwords
    "PasswordPolicyNotFound": (
        "NoSuchEntity",
        "The Password Policy with domain name {account} cannot be found.",
    ),
    # DeleteAccountPasswordPolicy without one (issue 14's recorded wording)
    "AccountPolicyNotFound": ("NoSuchEntity", "The account policy with name PasswordPolicy cannot be found."),
}


def iam_error(key: str, **fields: object) -> AwsError:
    """The error `key` names, its template filled with `fields`."""
    code, template = MESSAGES[key]
    return AwsError(code, template.format(**fields))
