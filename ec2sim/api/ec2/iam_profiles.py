"""IAM instance profile associations of instances."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ec2sim.api.errors import AwsError
from ec2sim.store.ec2.instances import IamProfileAssociation
from ec2sim.store.ids import IdGenerator


def resolve_profile(
    spec: dict[str, Any], account_id: str, ids: IdGenerator, now: datetime
) -> IamProfileAssociation:
    """An association for ``IamInstanceProfile={"Name"|"Arn": ...}``.

    Until IAM lands, any well-formed name or ARN of the caller's account is accepted.
    """
    arn, name = spec.get("Arn"), spec.get("Name")
    if arn:
        prefix = f"arn:aws:iam::{account_id}:instance-profile/"
        if not arn.startswith(prefix) or len(arn) == len(prefix):
            raise AwsError("InvalidParameterValue", f"Value ({arn}) for parameter iamInstanceProfile.arn is invalid.")
    elif name:
        arn = f"arn:aws:iam::{account_id}:instance-profile/{name}"
    else:
        raise AwsError("InvalidParameterValue", "Invalid IAM Instance Profile name")
    return IamProfileAssociation(ids.hex_id("iip-assoc"), arn, ids.iam_id("AIPA"), "associated", now)
