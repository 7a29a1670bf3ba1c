"""The words of a decision: what an evaluation decided and which kind of policy decided it.

The engine (`ec2sim.iam.policy.engine`) decides with them; the views of recorded decisions read
them without loading the engine (start-up imports the engine only with the first request that
evaluates a policy).
"""

from __future__ import annotations

ALLOWED, EXPLICIT_DENY, IMPLICIT_DENY = "allowed", "explicitDeny", "implicitDeny"
IDENTITY_POLICY = "identity-based policy"
BOUNDARY_POLICY = "permissions boundary"
SESSION_POLICY = "session policy"
RESOURCE_POLICY = "resource-based policy"
