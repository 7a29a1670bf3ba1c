"""The AWS side of the benchmark: seeding through boto3, the IAM user whose policy is enforced, and
the signed requests wrk replays."""

from __future__ import annotations

import http.client
import json
import time
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

# Signs as the default account's root: a key the server never issued, so neither the signature nor
# any policy is checked (unenforced).
ROOT = ("test", "test")
FORM = "application/x-www-form-urlencoded; charset=utf-8"
POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["ec2:Describe*", "iam:GetUser"], "Resource": "*"}],
}
TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ],
}
FALLBACK_AMI = "ami-12c6146b"


def client(service: str, port: int, key: tuple[str, str] = ROOT) -> Any:
    return boto3.client(
        service,
        endpoint_url=f"http://127.0.0.1:{port}",
        region_name="us-east-1",
        aws_access_key_id=key[0],
        aws_secret_access_key=key[1],
    )


def signed(port: int, service: str, body: str, key: tuple[str, str]) -> dict[str, str]:
    request = AWSRequest(
        method="POST", url=f"http://127.0.0.1:{port}/", data=body, headers={"Content-Type": FORM}
    )
    SigV4Auth(Credentials(*key), service, "us-east-1").add_auth(request)
    return dict(request.headers.items())


def post(port: int, headers: dict[str, str], body: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("POST", "/", body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@dataclass
class Seeded:
    """What the cases need from a seeded server."""

    instance_id: str
    user_key: tuple[str, str]
    seed_s: float = 0.0
    profile_instance: str | None = None  # an instance with a role, for the metadata service

    def cases(self) -> dict[str, tuple[str, str]]:
        """name: (service, form body) of each request wrk replays."""
        ec2 = "Action=DescribeInstances&Version=2016-11-15"
        return {
            "describe_one": ("ec2", f"{ec2}&InstanceId.1={self.instance_id}"),
            "describe_filter": (
                "ec2",
                f"{ec2}&Filter.1.Name=instance-id&Filter.1.Value.1={self.instance_id}",
            ),
            "iam_get_user": ("iam", "Action=GetUser&Version=2010-05-08&UserName=bench"),
            "describe_all": ("ec2", ec2),
        }


def seed(port: int, instances: int, *, with_role: bool = False) -> Seeded:
    """`instances` tagged instances in batches of 100, the IAM user `bench` with its key, and (with
    `with_role`) the role `bench` on the profile of one of the instances."""
    ec2, iam = client("ec2", port), client("iam", port)
    images = ec2.describe_images(Owners=["amazon"]).get("Images", [])
    image = images[0]["ImageId"] if images else FALLBACK_AMI
    profile_instance = None
    if with_role:  # one of the `instances`: the quota is 1,000 on the default account
        iam.create_role(RoleName="bench", AssumeRolePolicyDocument=json.dumps(TRUST))
        iam.create_instance_profile(InstanceProfileName="bench")
        iam.add_role_to_instance_profile(InstanceProfileName="bench", RoleName="bench")
        found = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, IamInstanceProfile={"Name": "bench"})
        profile_instance = found["Instances"][0]["InstanceId"]
    started = time.perf_counter()
    first = None
    remaining = instances - (1 if with_role else 0)
    tags = [{"ResourceType": "instance", "Tags": [{"Key": "team", "Value": "bench"}]}]
    while remaining > 0:
        count = min(100, remaining)
        found = ec2.run_instances(
            ImageId=image, MinCount=count, MaxCount=count, InstanceType="t3.micro", TagSpecifications=tags
        )
        first = first or found["Instances"][0]["InstanceId"]
        remaining -= count
    seed_s = time.perf_counter() - started
    iam.create_user(UserName="bench")
    iam.put_user_policy(UserName="bench", PolicyName="describe", PolicyDocument=json.dumps(POLICY))
    created = iam.create_access_key(UserName="bench")["AccessKey"]
    key = (created["AccessKeyId"], created["SecretAccessKey"])
    return Seeded(first or profile_instance or "i-00000000", key, seed_s, profile_instance)
