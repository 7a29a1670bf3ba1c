"""Code "on" an instance: boto3 with no credentials configured gets the instance role's from IMDS.

Nothing in the environment or in files gives boto3 keys (only AWS_ENDPOINT_URL points it at
ec2sim), so its default credential chain ends at the instance metadata service, at
169.254.169.254 as on EC2, over IMDSv2. ec2sim serves there, at the metadata root, the only
running instance.

Setting up that instance is an operator's job: here the script does it first with the root keys
of ec2sim's default account (any 12-digit access key id is that account's root, with any secret),
once, so that running it again reuses what it made. A seed file (`--config`) can do it instead.
"""

from __future__ import annotations

import json
import sys

import boto3

ROLE = "app"
TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ],
}


def launch_instance_with_role() -> None:
    """An instance running with the role `app`, unless one already runs."""
    operator = boto3.Session(aws_access_key_id="123456789012", aws_secret_access_key="ec2sim")
    iam, ec2 = operator.client("iam"), operator.client("ec2")
    running = ec2.describe_instances(Filters=[{"Name": "instance-state-name", "Values": ["running"]}])
    if running["Reservations"]:
        return
    try:
        iam.create_role(RoleName=ROLE, AssumeRolePolicyDocument=json.dumps(TRUST))
        iam.create_instance_profile(InstanceProfileName=ROLE)
        iam.add_role_to_instance_profile(InstanceProfileName=ROLE, RoleName=ROLE)
    except iam.exceptions.EntityAlreadyExistsException:
        pass
    image = ec2.describe_images(Owners=["amazon"], MaxResults=5)["Images"][0]["ImageId"]
    ec2.run_instances(
        ImageId=image,
        MinCount=1,
        MaxCount=1,
        IamInstanceProfile={"Name": ROLE},
        MetadataOptions={"HttpTokens": "required"},  # IMDSv2 only, as new instances default to
    )


def main() -> int:
    launch_instance_with_role()
    session = boto3.Session()  # the default chain: environment, files, ..., instance metadata
    credentials = session.get_credentials()
    arn = session.client("sts").get_caller_identity()["Arn"]
    print(f"credentials from {credentials.method}: {arn}")
    return 0 if credentials.method == "iam-role" else 1


if __name__ == "__main__":
    sys.exit(main())
