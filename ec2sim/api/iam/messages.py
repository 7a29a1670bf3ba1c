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
    # Users and roles
    "MustSpecifyUser": ("ValidationError", "Must specify userName when calling with non-User credentials"),
    # DeleteUser/DeleteRole/DeleteGroup while the entity still has `reason` (recorded for MFA devices,
    # policies and instance profiles; the others follow the pattern: users.py's _CONFLICTS)
    "DeleteConflict": ("DeleteConflict", "Cannot delete entity, {reason}."),
    "InvalidPrincipal": ("MalformedPolicyDocument", 'Invalid principal in policy: "AWS":"{principal}"'),
    "ServiceRolePath": (
        "InvalidInput",
        "Path prefix '{prefix}' can only be used for AWS Service linked Roles",
    ),
    "BoundaryInvalid": ("InvalidInput", "Value ({arn}) for parameter PermissionsBoundary is invalid."),
    "BoundaryNotFound": ("NoSuchEntity", "Scope ARN: {arn} does not exist or is not attachable."),
    # Account alias and credential report
    "AliasExists": ("EntityAlreadyExists", "The account alias {alias} already exists."),
    "AliasNotFound": ("NoSuchEntity", "The account alias {alias} cannot be found."),
    "ReportNotPresent": ("ReportNotPresent", "Credential report not present"),
    "ReportExpired": ("ReportExpired", "Credential report expired"),
    # A user's SSH keys, signing certificates and service-specific credentials
    "InvalidStatus": (  # wording assumed: users set Active or Inactive, Expired is IAM's to set
        "InvalidInput",
        "Invalid status: {status}. Status must be Active or Inactive.",
    ),
    "SshKeyNotFound": ("NoSuchEntity", "The Public Key with id {id} cannot be found."),
    "SigningCertificateNotFound": ("NoSuchEntity", "The Certificate with id {id} cannot be found."),
    "ServiceCredentialNotFound": ("NoSuchEntity", "No such credential {id} exists"),  # wording assumed
    # SSH public keys: the API reference describes these errors, IAM's exact words are unrecorded
    "PublicKeyUnrecognized": (
        "UnrecognizedPublicKeyEncoding",
        "The public key encoding format is unsupported or unrecognized.",
    ),
    "PublicKeyInvalid": ("InvalidPublicKey", "The public key is malformed or otherwise invalid."),
    "SshKeyDuplicate": ("DuplicateSSHPublicKey", "The SSH public key is already associated with the user."),
    "ServiceNotSupported": (
        "ServiceNotSupported",
        "No such service {service} is supported for Service Specific Credentials",
    ),
    # Certificates
    "CertificateMalformed": (
        "MalformedCertificate",
        "Unable to parse certificate. Please ensure the certificate is in PEM format.",
    ),
    "ChainMalformed": (  # wording assumed
        "MalformedCertificate",
        "Unable to parse certificate chain. Please ensure the chain is in PEM format.",
    ),
    "PrivateKeyMalformed": (  # wording assumed
        "MalformedCertificate",
        "Unable to parse private key. Please ensure the private key is in PEM format.",
    ),
    "KeyPairMismatch": (
        "KeyPairMismatch",
        "Public key certificate and private key doesn't match.",
    ),  # assumed
    "ServerCertificateExists": (
        "EntityAlreadyExists",
        "The Server Certificate with name {name} already exists.",
    ),
    "SigningCertificateDuplicate": (  # wording assumed
        "DuplicateCertificate",
        "The certificate is already associated with the user.",
    ),
    # MFA devices
    "MfaDeviceExists": ("EntityAlreadyExists", "MFADevice entity at the same path and name already exists."),
    "MfaDeviceInUse": ("EntityAlreadyExists", "MFA Device is already in use."),
    "MfaDeviceEnabled": ("DeleteConflict", "MFA Device is still in use."),  # wording assumed
    "MfaCodeInvalid": ("InvalidAuthenticationCode", "Authentication code for device is not valid."),
    # STS's answers for MFA that fails GetSessionToken or AssumeRole (recorded AWS responses)
    "MfaUnknownDevice": (
        "AccessDenied",
        "MultiFactorAuthentication failed, unable to validate MFA code.  "
        "Please verify your MFA serial number is valid and associated with this user.",
    ),
    "MfaWrongCode": ("AccessDenied", "MultiFactorAuthentication failed with invalid MFA one time pass code."),
    "MfaNameTooLongForQrCode": (  # wording assumed: AWS documents no maximum (see mfa._qr_png)
        "ValidationError",
        "1 validation error detected: Value at 'virtualMFADeviceName' failed to satisfy constraint: "
        "Member must be short enough to fit a QR code",
    ),
    # Identity providers
    "ArnInvalid": ("InvalidInput", "ARN {arn} is not valid."),  # wording assumed, as for policy ARNs
    "OidcUrlInvalid": ("InvalidInput", "Invalid Open ID Connect Provider URL"),  # wording assumed
    "OidcProviderExists": ("EntityAlreadyExists", "Provider with url {url} already exists."),
    # Recorded (a Terraform user's CreateOpenIDConnectProvider): "fewer than 5" although 5 are allowed.
    "Thumbprints": ("InvalidInput", "Thumbprint list must contain fewer than {limit} entries."),
    "OidcIdentityCenter": (  # wording assumed
        "InvalidInput",
        "Trusted identity propagation (ContextProvider, IdentityCenterInstanceArn) needs IAM Identity "
        "Center, which this account does not have.",
    ),
    # UpdateOpenIDConnectProvider's rules (its API reference); the wordings are assumed.
    "OidcBothContext": (
        "InvalidInput",
        "ContextProvider and RemoveContextProvider cannot both be specified.",
    ),
    "OidcBothCenter": (
        "InvalidInput",
        "IdentityCenterInstanceArn and RemoveIdentityCenterInstance cannot both be specified.",
    ),
    "OidcOneChange": (
        "InvalidInput",
        "A request can change either the context provider or the IAM Identity Center association, not both.",
    ),
    "OidcNoChange": (
        "InvalidInput",
        "Specify ContextProvider, RemoveContextProvider, IdentityCenterInstanceArn or "
        "RemoveIdentityCenterInstance.",
    ),
    "SamlProviderExists": ("EntityAlreadyExists", "SAMLProvider {name} already exists."),  # wording assumed
    # SAML providers' trusted identity propagation and private keys: wordings assumed
    "SamlIdentityCenter": ("InvalidInput", "IAM Identity Center instance {arn} does not exist."),
    "SamlContextProvider": (
        "InvalidInput",
        "ContextProvider requires an IAM Identity Center instance in the account.",
    ),
    "SamlKeyMalformed": ("InvalidInput", "The private key is not a valid PEM-encoded private key."),
    "SamlKeyNotFound": ("InvalidInput", "The private key {key_id} does not exist for this SAML provider."),
    "SamlKeyExists": ("InvalidInput", "The private key already exists for this SAML provider."),
    "SamlEncryptionWithoutKey": (
        "InvalidInput",
        "AssertionEncryptionMode Required needs at least one private key (AddPrivateKey).",
    ),
    "SamlNothingToUpdate": ("InvalidInput", "Request must contain at least one of the updatable fields."),
    # Access advisor, the simulator and Organizations access reports
    "NotAPartner": ("InvalidInput", "Only AWS Partners can create delegation requests."),  # assumed
    "EntityArnNotFound": ("NoSuchEntity", "Unable to find the entity with the ARN {arn}."),
    "SimulatorPolicyInvalid": ("InvalidInput", "{reason}"),
    "UnmodifiableEntity": (
        "UnmodifiableEntity",
        "Cannot perform the operation on the protected role '{role}' - this role is only modifiable by AWS",
    ),
    "JobNotFound": ("NoSuchEntity", "Job {job_id} not found."),  # wording assumed
    "ServiceNamespacesEmpty": ("InvalidInput", "ServiceNamespaces must not be empty."),  # wording assumed
    # Login profiles and passwords
    "LoginProfileNotFound": ("NoSuchEntity", "Login Profile for User {user} cannot be found."),
    "LoginProfileExists": ("EntityAlreadyExists", "Login Profile for user {user} already exists."),
    "PasswordViolation": (
        "PasswordPolicyViolation",
        "Password does not conform to the account password policy.",
    ),
    "PasswordMissing": (
        "ValidationError",
        "1 validation error detected: Value null at 'password' failed to satisfy constraint: "
        "Member must not be null",
    ),
    "NotAnIamUser": ("InvalidUserType", "Only IAM Users can change their own password."),
    "OldPasswordWrong": ("InvalidUserType", "The old password was incorrect."),
    "PolicyNameExists": (
        "EntityAlreadyExists",
        "A policy called {name} already exists. Duplicate names are not allowed.",
    ),
    "MalformedPolicy": ("MalformedPolicyDocument", "{reason}"),
    # Service-linked roles: wordings assumed (IAM answers InvalidInput for each)
    "InvalidServiceName": ("InvalidInput", "Invalid service name: {service}"),
    "SuffixNotAllowed": ("InvalidInput", "Custom suffix is not allowed for {service}"),
    "ServiceRoleNameTaken": (
        "InvalidInput",
        "Service role name {name} has been taken in this account, please try a different suffix.",
    ),
    "NotServiceLinked": ("InvalidInput", "Role {name} is not a service-linked role."),
    "DeletionTaskInvalid": ("InvalidInput", "Invalid deletion task id: {task}"),
    "DeletionTaskNotFound": ("NoSuchEntity", "Deletion task {task} cannot be found."),
    # Account-level features (assumed wordings unless said otherwise)
    "EnumInvalid": (
        "ValidationError",
        "1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: "
        "Member must satisfy enum value set: [{allowed}]",
    ),
    "OutboundEnabled": (
        "FeatureEnabled",
        "Outbound web identity federation is already enabled for this account.",
    ),
    "OutboundDisabled": (
        "FeatureDisabled",
        "Outbound web identity federation is not enabled for this account.",
    ),
    # The IAM API reference's wording for OrganizationNotFoundException
    "NoOrganization": (
        "OrganizationNotFoundException",
        "The request was rejected because no organization is associated with your account.",
    ),
    "PropertyKeyInvalid": (
        "InvalidInput",
        "Invalid property key: {key}. Keys must have the format Namespace/PropertyName.",
    ),
    "PropertyNamespaces": ("InvalidInput", "All properties in a request must belong to the same namespace."),
}


def iam_error(key: str, /, **fields: object) -> AwsError:
    """The error `key` names, its template filled with `fields`."""
    code, template = MESSAGES[key]
    return AwsError(code, template.format(**fields))
