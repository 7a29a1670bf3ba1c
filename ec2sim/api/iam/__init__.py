"""IAM handlers (Query protocol, 2010-05-08), one module per entity family."""

from ec2sim.api.iam import (  # noqa: F401
    access_keys,
    account_features,
    account_summary,
    attachments,
    authz,
    certificates,
    credential_report,
    groups,
    instance_profiles,
    login_profiles,
    mfa,
    oidc_providers,
    policies,
    roles,
    saml_providers,
    service_credentials,
    simulator,
    ssh_keys,
    tagging,
    users,
)
