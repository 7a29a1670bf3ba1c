"""Generate ec2sim/data/aws_managed_policies.json, the AWS-managed policy catalogue.

    PYTHONPATH=. python -m bench.tools.managed_policies [--wheel moto-X-py3-none-any.whl]

The documents, paths, default version ids and dates come from moto's copy of AWS's managed
policies (``moto/iam/aws_managed_policies.py``, imported by moto from AWS with its
``make aws_managed_policies``), read from the pinned moto wheel (downloaded with pip unless
given): ec2sim doesn't depend on moto. That source has neither policy ids nor descriptions:
those AWS publishes are kept below (`KNOWN`); the others' ids are derived from the ARN
(stable, in IAM's ``ANPA`` + 17 characters form) and recorded as derived in the file.
"""

from __future__ import annotations

import argparse
import ast
import base64
import hashlib
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from ec2sim.store.iam.managed import AWS_POLICY_PREFIX, CATALOGUE
from ec2sim.store.iam.service_linked import LINKED_SERVICES

MOTO_VERSION = "5.2.6"
SOURCE_FILE = "moto/iam/aws_managed_policies.py"
# The policies users attach most in tests, besides those the service-linked roles need.
COMMON = (
    "/AdministratorAccess",
    "/ReadOnlyAccess",
    "/PowerUserAccess",
    "/IAMFullAccess",
    "/IAMReadOnlyAccess",
    "/IAMUserChangePassword",
    "/AmazonEC2FullAccess",
    "/AmazonEC2ReadOnlyAccess",
    "/AmazonS3FullAccess",
    "/AmazonS3ReadOnlyAccess",
    "/AmazonSSMManagedInstanceCore",
    "/AWSLambdaExecute",
    "/service-role/AWSLambdaBasicExecutionRole",
    "/service-role/AWSLambdaVPCAccessExecutionRole",
    "/service-role/AWSLambdaRole",
    "/service-role/AmazonElasticMapReduceRole",
    "/service-role/AmazonEC2SpotFleetTaggingRole",
    "/job-function/SystemAdministrator",
)
# Policy ids and descriptions as AWS publishes them (ListPolicies / the managed policy reference).
KNOWN: dict[str, tuple[str, str]] = {
    "AdministratorAccess": ("ANPAIWMBCKSKIEE64ZLYK", "Provides full access to AWS services and resources."),
    "ReadOnlyAccess": ("ANPAILL3HVNFSB6DCOWYQ", "Provides read-only access to AWS services and resources."),
    "PowerUserAccess": (
        "ANPAJYRXTHIB4FOVS3ZXS",
        "Provides full access to AWS services and resources, but does not allow management of Users and groups.",
    ),
    "IAMFullAccess": ("ANPAI7XKCFMBPM3QQRRVQ", "Provides full access to IAM via the AWS Management Console."),
    "IAMReadOnlyAccess": (
        "ANPAJKSO7NDY4T57MWDSQ",
        "Provides read only access to IAM via the AWS Management Console.",
    ),
    "AmazonEC2FullAccess": (
        "ANPAI3VAJF5ZCRZ7MCQE6",
        "Provides full access to Amazon EC2 via the AWS Management Console.",
    ),
    "AmazonEC2ReadOnlyAccess": (
        "ANPAIGDT4SV4GSETWTBZK",
        "Provides read only access to Amazon EC2 via the AWS Management Console.",
    ),
    "AmazonS3FullAccess": (
        "ANPAIFIR6V6BVTRAHWINE",
        "Provides full access to all buckets via the AWS Management Console.",
    ),
    "AmazonS3ReadOnlyAccess": (
        "ANPAIZTJ4DXE7G6AGAE6M",
        "Provides read only access to all buckets via the AWS Management Console.",
    ),
    "AmazonSSMManagedInstanceCore": (
        "ANPAIXSHM2BNB2D3AXXRU",
        "The policy for Amazon EC2 Role to enable AWS Systems Manager service core functionality.",
    ),
    "AWSLambdaBasicExecutionRole": (
        "ANPAJNCQGXC42545SKXIK",
        "Provides write permissions to CloudWatch Logs.",
    ),
}


def _moto_policies(wheel: Path) -> dict[str, Any]:
    with zipfile.ZipFile(wheel) as archive:
        tree = ast.parse(archive.read(SOURCE_FILE).decode())
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            data: dict[str, Any] = json.loads(node.value.value)
            return data
    raise SystemExit(f"{SOURCE_FILE}: no policy data found")


def _download(directory: str) -> Path:
    command = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", f"moto=={MOTO_VERSION}", "-d"]
    subprocess.run([*command, directory], check=True)
    return next(Path(directory).glob("moto-*.whl"))


def _derived_id(arn: str) -> str:
    digest = base64.b32encode(hashlib.sha256(arn.encode()).digest()).decode()
    return "ANPA" + digest[:17]


def _entry(path_name: str, source: dict[str, Any]) -> dict[str, Any]:
    path, name = path_name.rsplit("/", 1)[0] + "/", path_name.rsplit("/", 1)[1]
    data = source[name]
    if data["Path"] != path:
        raise SystemExit(f"{name}: path {data['Path']} in the source, {path} wanted")
    arn = f"{AWS_POLICY_PREFIX}{path}{name}"
    policy_id, description = KNOWN.get(name, (_derived_id(arn), None))
    return {
        "PolicyName": name,
        "Path": path,
        "PolicyId": policy_id,
        "PolicyIdDerived": name not in KNOWN,
        "Description": description,
        "CreateDate": data["CreateDate"],
        "UpdateDate": data["UpdateDate"],
        "DefaultVersionId": data["DefaultVersionId"],
        "Document": data["Document"],
    }


def generate(wheel: Path) -> dict[str, Any]:
    source = _moto_policies(wheel)
    wanted = sorted({*COMMON, *(service.policy for service in LINKED_SERVICES.values())})
    return {
        "source": {
            "package": "moto",
            "version": wheel.name.split("-")[1],
            "file": SOURCE_FILE,
            "tool": "bench/tools/managed_policies.py",
        },
        "policies": [_entry(name, source) for name in wanted],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", type=Path, help="a moto wheel (else moto==MOTO_VERSION is downloaded)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        wheel = args.wheel or _download(directory)
        table = generate(wheel)
    CATALOGUE.write_text(json.dumps(table, indent=1, sort_keys=False) + "\n")
    print(f"{CATALOGUE}: {len(table['policies'])} policies from moto {table['source']['version']}")


if __name__ == "__main__":
    main()
