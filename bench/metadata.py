"""Latency of instance metadata requests: sequential GETs on one keep-alive connection.

    python bench/metadata.py [--requests 5000]

Starts a server on free ports, launches an instance with a role (tokens
required), then times IMDSv2 GETs of a leaf, a listing and the role credentials.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import boto3
import requests

from ec2sim.config import Config
from ec2sim.server import Server

TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
)
PATHS = (
    "latest/meta-data/instance-id",
    "latest/meta-data/",
    "latest/meta-data/iam/security-credentials/bench",
)


def _instance(server: Server) -> str:
    kw = {
        "region_name": "us-east-1",
        "endpoint_url": server.api_url,
        "aws_access_key_id": "123412341234",
        "aws_secret_access_key": "x",
    }
    ec2, iam = boto3.client("ec2", **kw), boto3.client("iam", **kw)
    iam.create_role(RoleName="bench", AssumeRolePolicyDocument=TRUST)
    iam.create_instance_profile(InstanceProfileName="bench")
    iam.add_role_to_instance_profile(InstanceProfileName="bench", RoleName="bench")
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    found = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, IamInstanceProfile={"Name": "bench"})
    return found["Instances"][0]["InstanceId"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=5000)
    args = parser.parse_args()
    with Server(Config(port=0, imds_port=0, log_level="WARNING")) as server:
        base = f"{server.imds_url}/{_instance(server)}/"
        http = requests.Session()
        token = http.put(
            base + "latest/api/token", headers={"X-aws-ec2-metadata-token-ttl-seconds": "21600"}
        ).text
        headers = {"X-aws-ec2-metadata-token": token}
        for path in PATHS:
            http.get(base + path, headers=headers).raise_for_status()  # warm up
            timings = []
            for _ in range(args.requests):
                start = time.perf_counter()
                response = http.get(base + path, headers=headers)
                timings.append((time.perf_counter() - start) * 1000)
                assert response.status_code == 200
            timings.sort()
            p99 = timings[int(len(timings) * 0.99) - 1]
            print(
                f"{path:55} median {statistics.median(timings):.3f} ms  p99 {p99:.3f} ms  (n={len(timings)})"
            )


if __name__ == "__main__":
    main()
