"""The instance metadata service over raw HTTP: paths, formats, IMDSv2 and statuses."""

from __future__ import annotations

import base64
import json
import subprocess
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from ec2sim.config import Config
from ec2sim.server import Server
from tests.helpers import aws_error

TTL = "X-aws-ec2-metadata-token-ttl-seconds"
TOKEN = "X-aws-ec2-metadata-token"
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
)


def make_role(iam: Any, name: str = "app-role") -> None:
    """A role trusted by EC2 in an instance profile of the same name."""
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST)
    iam.create_instance_profile(InstanceProfileName=name)
    iam.add_role_to_instance_profile(InstanceProfileName=name, RoleName=name)


def launch(ec2: Any, iam: Any | None = None, **kwargs: Any) -> dict[str, Any]:
    """One instance (with the role `app-role` if `iam` is given); its describe_instances dict."""
    if iam is not None:
        make_role(iam)
        kwargs["IamInstanceProfile"] = {"Name": "app-role"}
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    instance_id = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, **kwargs)["Instances"][0][
        "InstanceId"
    ]
    return ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]


def advance(server: Server, seconds: float) -> None:
    requests.post(server.api_url + "/_ec2sim/clock", json={"advance_seconds": seconds}).raise_for_status()


class Imds:
    """Raw requests to one instance's metadata, IMDSv1 or with a token."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.http = requests.Session()
        self.token: str | None = None

    def put_token(self, ttl: str | None = "21600", **headers: str) -> requests.Response:
        if ttl is not None:
            headers[TTL] = ttl
        response = self.http.put(self.base + "latest/api/token", headers=headers)
        if response.status_code == 200:
            self.token = response.text
        return response

    def get(self, path: str, token: str | None = None) -> requests.Response:
        token = token or self.token
        return self.http.get(self.base + path, headers={TOKEN: token} if token else {})

    def text(self, path: str) -> str:
        response = self.get(path)
        assert response.status_code == 200, (path, response.status_code, response.text)
        return response.text


@pytest.fixture
def imds(server: Server) -> Callable[[str], Imds]:
    return lambda instance_id: Imds(f"{server.imds_url}/{instance_id}/")


OPTIONAL = {"MetadataOptions": {"HttpTokens": "optional"}}


def test_listings_and_values_come_from_the_instance(ec2, iam, imds):
    ec2.create_key_pair(KeyName="deploy")
    found = launch(ec2, iam, KeyName="deploy", UserData="#!/bin/sh\necho hi\n", **OPTIONAL)
    md = imds(found["InstanceId"])
    assert md.text("latest/") == "dynamic\nmeta-data\nuser-data"
    assert md.text("").splitlines()[-1] == "latest"
    listing = md.text("latest/meta-data/").splitlines()
    for name in (
        "ami-id",
        "block-device-mapping/",
        "events/",
        "iam/",
        "instance-id",
        "local-ipv4",
        "mac",
        "network/",
        "placement/",
        "public-keys/",
        "security-groups",
        "services/",
    ):
        assert name in listing
    assert "tags/" not in listing  # InstanceMetadataTags disabled
    assert md.text("latest/meta-data/instance-id") == found["InstanceId"]
    assert md.text("latest/meta-data/ami-id") == found["ImageId"]
    assert md.text("latest/meta-data/instance-type") == found["InstanceType"]
    assert md.text("latest/meta-data/local-ipv4") == found["PrivateIpAddress"]
    assert md.text("latest/meta-data/local-hostname") == found["PrivateDnsName"]
    assert (
        md.text("latest/meta-data/reservation-id")
        == ec2.describe_instances(InstanceIds=[found["InstanceId"]])["Reservations"][0]["ReservationId"]
    )
    assert md.text("latest/meta-data/security-groups") == "\n".join(
        g["GroupName"] for g in found["SecurityGroups"]
    )
    assert md.text("latest/meta-data/placement/availability-zone") == found["Placement"]["AvailabilityZone"]
    assert md.text("latest/meta-data/placement/region") == "us-east-1"
    assert md.text("latest/meta-data/services/domain") == "amazonaws.com"
    assert md.text("latest/meta-data/events/maintenance/scheduled") == "[]"
    assert md.text("latest/meta-data/block-device-mapping/root") == found["RootDeviceName"]
    assert md.text("latest/meta-data/public-keys/") == "0=deploy"
    assert md.text("latest/meta-data/public-keys/0/openssh-key").endswith(" deploy")
    user_data = md.get("latest/user-data")
    assert user_data.content == b"#!/bin/sh\necho hi\n"
    assert user_data.headers["Content-Type"] == "application/octet-stream"


def test_network_interface_tree(ec2, imds):
    found = launch(ec2, **OPTIONAL)
    eni = found["NetworkInterfaces"][0]
    md = imds(found["InstanceId"])
    mac = md.text("latest/meta-data/mac")
    assert mac == eni["MacAddress"]
    assert md.text("latest/meta-data/network/interfaces/macs/") == mac + "/"
    prefix = f"latest/meta-data/network/interfaces/macs/{mac}/"
    assert md.text(prefix + "interface-id") == eni["NetworkInterfaceId"]
    assert md.text(prefix + "subnet-id") == found["SubnetId"]
    assert md.text(prefix + "vpc-id") == found["VpcId"]
    assert md.text(prefix + "security-group-ids") == "\n".join(g["GroupId"] for g in found["SecurityGroups"])
    assert md.text(prefix + "device-number") == "0"
    subnet = ec2.describe_subnets(SubnetIds=[found["SubnetId"]])["Subnets"][0]
    assert md.text(prefix + "subnet-ipv4-cidr-block") == subnet["CidrBlock"]
    if found.get("PublicIpAddress"):
        assert md.text("latest/meta-data/public-ipv4") == found["PublicIpAddress"]
        assert md.text(prefix + "public-ipv4s") == found["PublicIpAddress"]


def test_absent_categories_are_404(ec2, imds):
    found = launch(ec2, **OPTIONAL)
    md = imds(found["InstanceId"])
    assert md.text("latest/") == "dynamic\nmeta-data"  # no user data
    assert "iam/" not in md.text("latest/meta-data/").splitlines()
    for path in (
        "latest/user-data",
        "latest/meta-data/iam/",
        "latest/meta-data/iam/info",
        "latest/meta-data/public-keys/",
        "latest/meta-data/tags/instance/",
        "latest/meta-data/spot/",
        "latest/meta-data/no-such-thing",
        "latest/meta-data/instance-id/more",
    ):
        assert md.get(path).status_code == 404, path
    assert requests.get(md.base.replace("/i-", "/i-0") + "latest/meta-data/").status_code == 404


def test_tags_follow_the_metadata_options_and_the_store(ec2, imds):
    found = launch(
        ec2,
        TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "web"}]}],
        **OPTIONAL,
    )
    instance_id = found["InstanceId"]
    md = imds(instance_id)
    assert md.get("latest/meta-data/tags/instance/Name").status_code == 404
    ec2.modify_instance_metadata_options(InstanceId=instance_id, InstanceMetadataTags="enabled")
    assert md.text("latest/meta-data/tags/instance/") == "Name"
    assert md.text("latest/meta-data/tags/instance/Name") == "web"
    ec2.create_tags(
        Resources=[instance_id], Tags=[{"Key": "Name", "Value": "api"}, {"Key": "Env", "Value": "dev"}]
    )
    assert md.text("latest/meta-data/tags/instance/Name") == "api"
    assert sorted(md.text("latest/meta-data/tags/instance/").splitlines()) == ["Env", "Name"]


def test_tokens_required_by_default(ec2, imds, server):
    md = imds(launch(ec2)["InstanceId"])
    assert md.get("latest/meta-data/instance-id").status_code == 401
    response = md.put_token("60")
    assert response.status_code == 200 and response.headers[TTL] == "60"
    answer = md.get("latest/meta-data/instance-id")
    assert answer.status_code == 200 and answer.headers[TTL] in ("60", "59")  # real seconds pass too
    assert md.get("latest/meta-data/instance-id", token="AQAEAnot-a-token==").status_code == 401
    advance(server, 30)
    assert md.get("latest/meta-data/instance-id").headers[TTL] in ("30", "29")
    advance(server, 31)
    assert md.get("latest/meta-data/instance-id").status_code == 401  # expired


def test_token_put_rules(ec2, imds):
    md = imds(launch(ec2)["InstanceId"])
    for ttl in (None, "0", "21601", "abc", "-5", "", "\u00b2", "9" * 5000, "0" * 5000 + "1"):
        assert md.put_token(ttl).status_code == 400, ttl  # "²" is a digit to str.isdigit, not to IMDS
    assert md.put_token("21600").status_code == 200
    assert md.put_token("1").status_code == 200
    assert md.put_token("60", **{"X-Forwarded-For": "10.0.0.1"}).status_code == 403
    assert md.http.put(md.base + "latest/meta-data/", headers={TTL: "60"}).status_code == 405


def test_a_token_is_bound_to_its_instance(ec2, imds):
    first, second = imds(launch(ec2)["InstanceId"]), imds(launch(ec2)["InstanceId"])
    first.put_token()
    assert second.get("latest/meta-data/instance-id", token=first.token).status_code == 401


def test_optional_tokens(ec2, imds):
    md = imds(launch(ec2, **OPTIONAL)["InstanceId"])
    plain = md.get("latest/meta-data/instance-id")
    assert plain.status_code == 200 and TTL not in plain.headers
    md.put_token("120")
    assert md.get("latest/meta-data/instance-id").headers[TTL] in ("120", "119")
    assert md.get("latest/meta-data/instance-id", token="bogus").status_code == 401


def test_disabled_endpoint_forbids_everything(ec2, imds):
    found = launch(ec2, **OPTIONAL)
    md = imds(found["InstanceId"])
    md.put_token()
    ec2.modify_instance_metadata_options(InstanceId=found["InstanceId"], HttpEndpoint="disabled")
    assert md.get("latest/meta-data/instance-id").status_code == 403
    assert md.get("").status_code == 403
    assert md.put_token().status_code == 403
    ec2.modify_instance_metadata_options(InstanceId=found["InstanceId"], HttpEndpoint="enabled")
    assert md.get("latest/meta-data/instance-id").status_code == 200


def test_terminated_instance_is_gone(ec2, imds):
    found = launch(ec2, **OPTIONAL)
    md = imds(found["InstanceId"])
    ec2.terminate_instances(InstanceIds=[found["InstanceId"]])
    assert md.get("latest/meta-data/instance-id").status_code == 404


# Role credentials ---------------------------------------------------------------------


def _credentials(md: Imds) -> dict[str, str]:
    assert md.text("latest/meta-data/iam/security-credentials/") == "app-role"
    return json.loads(md.text("latest/meta-data/iam/security-credentials/app-role"))


def _client(server: Server, service: str, creds: dict[str, str]) -> Any:
    return boto3.client(
        service,
        region_name="us-east-1",
        endpoint_url=server.api_url,
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["Token"],
    )


def test_role_credentials_document(ec2, iam, imds, server, account_id):
    found = launch(ec2, iam, **OPTIONAL)
    md = imds(found["InstanceId"])
    info = json.loads(md.text("latest/meta-data/iam/info"))
    profile = iam.get_instance_profile(InstanceProfileName="app-role")["InstanceProfile"]
    assert info["Code"] == "Success"
    assert (info["InstanceProfileArn"], info["InstanceProfileId"]) == (
        profile["Arn"],
        profile["InstanceProfileId"],
    )
    creds = _credentials(md)
    assert creds["Code"] == "Success" and creds["Type"] == "AWS-HMAC"
    assert creds["AccessKeyId"].startswith("ASIA") and creds["Expiration"].endswith("Z")
    identity = _client(server, "sts", creds).get_caller_identity()
    role = iam.get_role(RoleName="app-role")["Role"]
    assert identity["Arn"] == f"arn:aws:sts::{account_id}:assumed-role/app-role/{found['InstanceId']}"
    assert identity["UserId"] == f"{role['RoleId']}:{found['InstanceId']}"
    assert _credentials(md) == creds  # the same set until it nears expiry


def test_credentials_rotate_and_expire_by_the_emulated_clock(ec2, iam, imds, server):
    md = imds(launch(ec2, iam, **OPTIONAL)["InstanceId"])
    first = _credentials(md)
    advance(server, 21600 - 15 * 60 - 5)
    assert _credentials(md)["AccessKeyId"] == first["AccessKeyId"]
    advance(server, 10)  # within 15 minutes of expiry: a new set
    second = _credentials(md)
    assert second["AccessKeyId"] != first["AccessKeyId"] and second["Expiration"] > first["Expiration"]
    _client(server, "sts", first).get_caller_identity()  # the old set is still valid
    advance(server, 15 * 60)
    with pytest.raises(Exception) as error:
        _client(server, "sts", first).get_caller_identity()
    assert error.value.response["Error"]["Code"] == "ExpiredToken"
    with pytest.raises(Exception) as error:
        _client(server, "ec2", first).describe_instances()
    assert error.value.response["Error"]["Code"] == "RequestExpired"
    _client(server, "sts", second).get_caller_identity()


def test_credentials_follow_the_profile_and_role(ec2, iam, imds):
    found = launch(ec2, iam, **OPTIONAL)
    md = imds(found["InstanceId"])
    _credentials(md)
    iam.remove_role_from_instance_profile(InstanceProfileName="app-role", RoleName="app-role")
    assert md.get("latest/meta-data/iam/security-credentials/app-role").status_code == 404
    assert md.get("latest/meta-data/iam/").status_code == 404
    iam.add_role_to_instance_profile(InstanceProfileName="app-role", RoleName="app-role")
    _credentials(md)
    association = ec2.describe_iam_instance_profile_associations()["IamInstanceProfileAssociations"][0]
    ec2.disassociate_iam_instance_profile(AssociationId=association["AssociationId"])
    assert md.get("latest/meta-data/iam/info").status_code == 404
    assert "iam/" not in md.text("latest/meta-data/").splitlines()


def test_credentials_record_the_delivery_and_the_instance(ec2, iam, imds, server, account_id):
    found = launch(ec2, iam)  # tokens required: IMDSv2
    md = imds(found["InstanceId"])
    md.put_token()
    session = server.store.credentials[_credentials(md)["AccessKeyId"]].role_session
    assert session.role_delivery == "2.0" and session.session_name == found["InstanceId"]
    assert session.source_instance_arn == f"arn:aws:ec2:us-east-1:{account_id}:instance/{found['InstanceId']}"


def test_each_role_delivery_has_its_own_credentials(ec2, iam, imds, server):
    """IMDSv1 and IMDSv2 role credentials are separate sets, told apart by ec2:RoleDelivery."""
    found = launch(ec2, iam)
    ec2.modify_instance_metadata_options(InstanceId=found["InstanceId"], HttpTokens="optional")
    only_v2 = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "ec2:DescribeInstances",
                "Resource": "*",
                "Condition": {"NumericGreaterThanEquals": {"ec2:RoleDelivery": "2.0"}},
            }
        ],
    }
    iam.put_role_policy(RoleName="app-role", PolicyName="v2-only", PolicyDocument=json.dumps(only_v2))
    v1, v2 = imds(found["InstanceId"]), imds(found["InstanceId"])
    v2.put_token()
    first_v1, first_v2 = _credentials(v1), _credentials(v2)
    assert first_v1["AccessKeyId"] != first_v2["AccessKeyId"]
    assert (_credentials(v1), _credentials(v2)) == (first_v1, first_v2)  # each served until it rotates
    deliveries = [
        server.store.credentials[c["AccessKeyId"]].role_session.role_delivery for c in (first_v1, first_v2)
    ]
    assert deliveries == ["1.0", "2.0"]
    _client(server, "ec2", first_v2).describe_instances(InstanceIds=[found["InstanceId"]])
    with aws_error("UnauthorizedOperation", 403):
        _client(server, "ec2", first_v1).describe_instances(InstanceIds=[found["InstanceId"]])


def test_stopped_instance_serves_no_credentials(ec2, iam, imds):
    found = launch(ec2, iam, **OPTIONAL)
    md = imds(found["InstanceId"])
    ec2.stop_instances(InstanceIds=[found["InstanceId"]])
    assert md.get("latest/meta-data/iam/security-credentials/app-role").status_code == 404
    ec2.start_instances(InstanceIds=[found["InstanceId"]])
    assert _credentials(md)["Code"] == "Success"


def test_identity_credentials(ec2, imds, account_id):
    md = imds(launch(ec2, **OPTIONAL)["InstanceId"])
    assert json.loads(md.text("latest/meta-data/identity-credentials/ec2/info"))["AccountId"] == account_id
    path = "latest/meta-data/identity-credentials/ec2/security-credentials/"
    assert md.text(path) == "ec2-instance"
    assert json.loads(md.text(path + "ec2-instance"))["AccessKeyId"].startswith("ASIA")


# Identity document -----------------------------------------------------------------------


def test_identity_document_signatures_verify(ec2, imds, server, account_id, tmp_path):
    found = launch(ec2, **OPTIONAL)
    md = imds(found["InstanceId"])
    text = md.text("latest/dynamic/instance-identity/document")
    document = json.loads(text)
    assert document["instanceId"] == found["InstanceId"] and document["accountId"] == account_id
    assert document["privateIp"] == found["PrivateIpAddress"] and document["region"] == "us-east-1"
    assert document["version"] == "2017-09-30" and document["kernelId"] is None
    assert md.text("latest/dynamic/instance-identity/") == "document\npkcs7\nrsa2048\nsignature"
    pem = requests.get(server.api_url + "/_ec2sim/identity-certificate").text
    certificate = x509.load_pem_x509_certificate(pem.encode())
    signature = base64.b64decode(md.text("latest/dynamic/instance-identity/signature"))
    certificate.public_key().verify(signature, text.encode(), padding.PKCS1v15(), hashes.SHA256())
    (tmp_path / "document").write_text(text)
    (tmp_path / "cert.pem").write_text(pem)
    for name in ("pkcs7", "rsa2048"):
        body = md.text(f"latest/dynamic/instance-identity/{name}")
        (tmp_path / name).write_text(f"-----BEGIN PKCS7-----\n{body}\n-----END PKCS7-----\n")
        subprocess.run(
            [
                "openssl",
                "smime",
                "-verify",
                "-in",
                str(tmp_path / name),
                "-inform",
                "PEM",
                "-content",
                str(tmp_path / "document"),
                "-certfile",
                str(tmp_path / "cert.pem"),
                "-noverify",
            ],
            check=True,
            capture_output=True,
        )


# Root addressing ----------------------------------------------------------------------------


@pytest.fixture
def lone_server() -> Iterator[Server]:
    """A server of its own, so that the number of running instances is known."""
    with Server(Config(port=0, imds_port=0)) as running:
        yield running


def test_root_serves_the_only_running_instance(lone_server):
    ec2 = boto3.client(
        "ec2",
        region_name="us-east-1",
        endpoint_url=lone_server.api_url,
        aws_access_key_id="210987654321",
        aws_secret_access_key="x",
    )
    root = Imds(lone_server.imds_url + "/")
    hint = root.get("latest/meta-data/instance-id")
    assert hint.status_code == 404 and "/i-0123456789abcdef0/" in hint.text
    first = launch(ec2, **OPTIONAL)["InstanceId"]
    assert root.text("latest/meta-data/instance-id") == first
    second = launch(ec2, **OPTIONAL)["InstanceId"]
    assert "2 running instances" in root.get("latest/meta-data/instance-id").text
    ec2.stop_instances(InstanceIds=[first])
    assert root.text("latest/meta-data/instance-id") == second


def test_root_serves_the_configured_instance(lone_server):
    ec2 = boto3.client(
        "ec2",
        region_name="us-east-1",
        endpoint_url=lone_server.api_url,
        aws_access_key_id="210987654321",
        aws_secret_access_key="x",
    )
    launch(ec2, **OPTIONAL)
    chosen = launch(ec2, **OPTIONAL)["InstanceId"]
    lone_server.config.imds_instance_id = chosen
    assert Imds(lone_server.imds_url + "/").text("latest/meta-data/instance-id") == chosen


# Short credential lifetimes and forgetting expired keys ------------------------------------


@pytest.fixture(scope="module")
def short_lived_server() -> Iterator[Server]:
    """A server whose instance role credentials live 900 seconds, the least allowed."""
    with Server(Config(port=0, imds_port=0, role_credential_seconds=900)) as running:
        yield running


def test_short_lived_credentials_rotate_at_half_their_life(short_lived_server, account_id):
    ec2, iam = (
        boto3.client(
            service,
            region_name="us-east-1",
            endpoint_url=short_lived_server.api_url,
            aws_access_key_id=account_id,
            aws_secret_access_key="x",
        )
        for service in ("ec2", "iam")
    )
    md = Imds(f"{short_lived_server.imds_url}/{launch(ec2, iam, **OPTIONAL)['InstanceId']}/")
    first = _credentials(md)
    assert _credentials(md) == first  # not a new set per request
    advance(short_lived_server, 440)
    assert _credentials(md) == first
    advance(short_lived_server, 20)  # within half its life (450 s) of expiry: a new set
    second = _credentials(md)
    assert second["AccessKeyId"] != first["AccessKeyId"] and second["Expiration"] > first["Expiration"]
    assert _credentials(md) == second


def _expire_and_forget(server: Server, creds: dict[str, str]) -> None:
    """Emulated time past the expiry of `creds` by more than the hour their full record is kept."""
    advance(server, 21600 + 3600 + 5)
    requests.get(server.imds_url + "/")  # any request runs the due events
    assert creds["AccessKeyId"] not in server.store.credentials


def test_expired_credentials_are_forgotten_but_remembered_as_expired(ec2, iam, imds, server):
    md = imds(launch(ec2, iam, **OPTIONAL)["InstanceId"])
    creds = _credentials(md)
    advance(server, 21600 + 3600 - 5)
    requests.get(server.imds_url + "/")
    assert creds["AccessKeyId"] in server.store.credentials  # expired, still known in full
    _expire_and_forget(server, creds)
    expiry = server.store.retired_keys[creds["AccessKeyId"]]
    assert expiry is not None and expiry.strftime("%Y-%m-%dT%H:%M:%SZ") == creds["Expiration"]
    assert _credentials(md)["AccessKeyId"] != creds["AccessKeyId"]


def test_a_forgotten_expired_key_answers_expired_token(ec2, iam, imds, server):
    creds = _credentials(imds(launch(ec2, iam, **OPTIONAL)["InstanceId"]))
    _expire_and_forget(server, creds)
    with aws_error("ExpiredToken", 403):
        _client(server, "sts", creds).get_caller_identity()
    with aws_error("RequestExpired", 400):
        _client(server, "ec2", creds).describe_instances()
