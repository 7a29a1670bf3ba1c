"""IAM handlers (Query protocol, 2010-05-08), one module per entity family."""

from ec2sim.api.iam import (  # noqa: F401
    access_keys,
    account_summary,
    attachments,
    authz,
    credential_report,
    groups,
    instance_profiles,
    login_profiles,
    policies,
    roles,
    simulator,
    tagging,
    users,
)
