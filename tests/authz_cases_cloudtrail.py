"""CloudTrail's authorization cases: cloudtrail:LookupEvents has no resource-level permissions (SAR)."""

from __future__ import annotations

from tests.authz_cases import Builder, case

CLOUDTRAIL_CASES: dict[str, Builder] = {
    "LookupEvents": case({"MaxResults": 5}),
}
