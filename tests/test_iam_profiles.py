"""IAM instance profile associations."""

from __future__ import annotations

from typing import Any

import pytest

from tests import test_instance_attributes as attributes
from tests.helpers import aws_error

MISSING_ASSOCIATION = "iip-assoc-0123456789abcdef0"

# The instance fixtures of the attribute tests.
launch, settle = attributes.launch, attributes.settle


@pytest.fixture(autouse=True)
def profiles(iam: Any) -> None:
    """The instance profiles the tests associate (EC2 requires them to exist)."""
    for name in ("web", "other", "admin", "boot"):
        iam.create_instance_profile(InstanceProfileName=name)


def test_unknown_profile_is_refused(ec2, launch):
    with aws_error(
        "InvalidParameterValue",
        400,
        "Value (ghost) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name",
    ):
        associate(ec2, launch(), "ghost")


def associate(ec2: Any, instance_id: str, name: str = "web") -> dict[str, Any]:
    reply = ec2.associate_iam_instance_profile(InstanceId=instance_id, IamInstanceProfile={"Name": name})
    return reply["IamInstanceProfileAssociation"]


def test_associate_and_describe(ec2, launch, account_id):
    instance_id = launch()
    association = associate(ec2, instance_id)
    assert association["AssociationId"].startswith("iip-assoc-") and len(association["AssociationId"]) == 27
    assert association["InstanceId"] == instance_id and association["State"] == "associating"
    assert association["IamInstanceProfile"]["Arn"] == f"arn:aws:iam::{account_id}:instance-profile/web"
    assert association["IamInstanceProfile"]["Id"].startswith("AIPA")
    described = ec2.describe_iam_instance_profile_associations()["IamInstanceProfileAssociations"]
    assert described == [{**association, "State": "associated"}]
    instance = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]
    assert instance["IamInstanceProfile"] == association["IamInstanceProfile"]


def test_associate_by_arn_and_on_stopped_instance(ec2, iam, launch, account_id):
    arn = iam.create_instance_profile(InstanceProfileName="pathed", Path="/path/")["InstanceProfile"]["Arn"]
    assert arn == f"arn:aws:iam::{account_id}:instance-profile/path/pathed"
    reply = ec2.associate_iam_instance_profile(InstanceId=launch("stopped"), IamInstanceProfile={"Arn": arn})
    assert reply["IamInstanceProfileAssociation"]["IamInstanceProfile"]["Arn"] == arn


def test_associate_errors(ec2, launch):
    instance_id = launch()
    associate(ec2, instance_id)
    with aws_error("IncorrectState", 400, f"There is an existing association for instance {instance_id}"):
        associate(ec2, instance_id, "other")
    with aws_error("InvalidInstanceID.NotFound", 400, "The instance ID 'i-0123456789abcdef0' does not exist"):
        associate(ec2, "i-0123456789abcdef0")
    with aws_error("InvalidInstanceID.Malformed", 400):
        associate(ec2, "instance-1")
    terminated = launch("terminated")
    with aws_error(
        "IncorrectInstanceState",
        400,
        f"The instance '{terminated}' is not in the 'running' or 'stopped' states.",
    ):
        associate(ec2, terminated)
    with aws_error("InvalidParameterValue", 400, "iamInstanceProfile.arn"):
        ec2.associate_iam_instance_profile(
            InstanceId=launch(), IamInstanceProfile={"Arn": "arn:aws:iam::999999999999:instance-profile/x"}
        )
    with aws_error("MissingParameter", 400, "IamInstanceProfile"):
        ec2.associate_iam_instance_profile(InstanceId=instance_id, IamInstanceProfile={})
    with aws_error("InvalidParameterValue", 400, "Invalid IAM Instance Profile name"):
        ec2.associate_iam_instance_profile(InstanceId=launch(), IamInstanceProfile={"Name": ""})


def test_describe_filters_ids_and_paging(ec2, launch):
    instances = [launch() for _ in range(6)]
    associations = [associate(ec2, i)["AssociationId"] for i in instances]

    def listed(**kwargs: Any) -> list[str]:
        reply = ec2.describe_iam_instance_profile_associations(**kwargs)
        return [a["AssociationId"] for a in reply["IamInstanceProfileAssociations"]]

    assert listed(AssociationIds=associations[:2]) == associations[:2]
    assert listed(Filters=[{"Name": "instance-id", "Values": [instances[3]]}]) == [associations[3]]
    assert sorted(listed(Filters=[{"Name": "state", "Values": ["associated"]}])) == sorted(associations)
    assert listed(Filters=[{"Name": "state", "Values": ["disassociating"]}]) == []
    first = ec2.describe_iam_instance_profile_associations(MaxResults=5)
    assert len(first["IamInstanceProfileAssociations"]) == 5
    rest = listed(MaxResults=5, NextToken=first["NextToken"])
    assert sorted([a["AssociationId"] for a in first["IamInstanceProfileAssociations"]] + rest) == sorted(
        associations
    )
    with aws_error("InvalidAssociationID.NotFound", 400, MISSING_ASSOCIATION):
        listed(AssociationIds=[MISSING_ASSOCIATION])
    with aws_error("InvalidParameterValue", 400, "The filter 'bogus' is invalid"):
        listed(Filters=[{"Name": "bogus", "Values": ["x"]}])


def test_replace(ec2, launch, account_id):
    instance_id = launch()
    old = associate(ec2, instance_id)
    reply = ec2.replace_iam_instance_profile_association(
        AssociationId=old["AssociationId"], IamInstanceProfile={"Name": "admin"}
    )["IamInstanceProfileAssociation"]
    assert reply["State"] == "associating" and reply["AssociationId"] != old["AssociationId"]
    assert reply["IamInstanceProfile"]["Arn"] == f"arn:aws:iam::{account_id}:instance-profile/admin"
    described = ec2.describe_iam_instance_profile_associations()["IamInstanceProfileAssociations"]
    assert [a["AssociationId"] for a in described] == [reply["AssociationId"]]
    with aws_error("InvalidAssociationID.NotFound", 400, old["AssociationId"]):
        ec2.replace_iam_instance_profile_association(
            AssociationId=old["AssociationId"], IamInstanceProfile={"Name": "admin"}
        )


def test_replace_errors(ec2, launch):
    with aws_error(
        "InvalidAssociationID.NotFound", 400, f"The association ID '{MISSING_ASSOCIATION}' does not exist"
    ):
        ec2.replace_iam_instance_profile_association(
            AssociationId=MISSING_ASSOCIATION, IamInstanceProfile={"Name": "x"}
        )
    with aws_error("InvalidParameterValue", 400, "Invalid value for associationId"):
        ec2.replace_iam_instance_profile_association(
            AssociationId="i-0123456789abcdef0", IamInstanceProfile={"Name": "x"}
        )
    association = associate(ec2, launch("stopped"))["AssociationId"]
    with aws_error("IncorrectState", 400, f"The association {association} is not the active association"):
        ec2.replace_iam_instance_profile_association(
            AssociationId=association, IamInstanceProfile={"Name": "x"}
        )


def test_disassociate(ec2, launch):
    instance_id = launch()
    association = associate(ec2, instance_id)
    reply = ec2.disassociate_iam_instance_profile(AssociationId=association["AssociationId"])
    assert reply["IamInstanceProfileAssociation"]["State"] == "disassociating"
    assert reply["IamInstanceProfileAssociation"]["InstanceId"] == instance_id
    assert ec2.describe_iam_instance_profile_associations()["IamInstanceProfileAssociations"] == []
    instance = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]
    assert "IamInstanceProfile" not in instance
    associate(ec2, instance_id, "other")  # the instance is free for a new association
    with aws_error("InvalidAssociationID.NotFound", 400):
        ec2.disassociate_iam_instance_profile(AssociationId=association["AssociationId"])
    with aws_error("InvalidParameterValue", 400, "Invalid value for associationId"):
        ec2.disassociate_iam_instance_profile(AssociationId="nonsense")


def test_launch_with_profile_is_associated(ec2, launch, account_id):
    instance_id = launch(IamInstanceProfile={"Name": "boot"})
    described = ec2.describe_iam_instance_profile_associations(
        Filters=[{"Name": "instance-id", "Values": [instance_id]}]
    )["IamInstanceProfileAssociations"]
    assert [(a["State"], a["IamInstanceProfile"]["Arn"]) for a in described] == [
        ("associated", f"arn:aws:iam::{account_id}:instance-profile/boot")
    ]
    with aws_error("IncorrectState", 400, "There is an existing association"):
        associate(ec2, instance_id)
