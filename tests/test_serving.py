"""The serving shortcuts of issue 16 answer exactly as the long way: the health check answered on the
serving loop's thread (pipelined with other requests), metadata requests routed without Flask's
dispatch, and saved state decoded by compiled decoders."""

from __future__ import annotations

import json
import socket
from typing import Any

import requests
from werkzeug.test import Client

from ec2sim.server import Server
from ec2sim.store.codec import _check
from ec2sim.store.document import CODEC, ITEM_CLASSES

TTL, TOKEN = "X-aws-ec2-metadata-token-ttl-seconds", "X-aws-ec2-metadata-token"


def _read_response(stream: Any) -> tuple[int, bytes]:
    status = int(stream.readline().split()[1])
    length = 0
    while (line := stream.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode().partition(":")
        if name.lower() == "content-length":
            length = int(value)
    return status, stream.read(length)


def test_health_pipelined_with_other_requests_answers_in_order(server: Server) -> None:
    health = b"GET /_ec2sim/health HTTP/1.1\r\nHost: x\r\n\r\n"
    clock = b"GET /_ec2sim/clock HTTP/1.1\r\nHost: x\r\n\r\n"
    aws = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"  # unsigned: AWS's error
    with socket.create_connection(("127.0.0.1", server.api_port), timeout=30) as connection:
        connection.sendall(health + clock + health + aws + health)
        stream = connection.makefile("rb")
        answers = [_read_response(stream) for _ in range(5)]
    assert [status for status, _ in answers[:3]] + [answers[4][0]] == [200] * 4
    assert answers[3][0] in (400, 403)
    for status, body in (answers[0], answers[2], answers[4]):
        assert status == 200 and json.loads(body)["status"] == "running"
    assert "now" in json.loads(answers[1][1])
    assert b"<Response>" in answers[3][1] or b"<ErrorResponse" in answers[3][1]
    # The health check takes the short way only for GET: other methods are still the control API's 405.
    assert requests.post(f"{server.api_url}/_ec2sim/health", timeout=30).status_code == 405


def test_metadata_routes_answer_as_flask_routes_them(server: Server, ec2: Any, iam: Any) -> None:
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
             "Principal": {"Service": "ec2.amazonaws.com"}}]}  # fmt: skip
    iam.create_role(RoleName="served", AssumeRolePolicyDocument=json.dumps(trust))
    iam.create_instance_profile(InstanceProfileName="served")
    iam.add_role_to_instance_profile(InstanceProfileName="served", RoleName="served")
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    found = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, IamInstanceProfile={"Name": "served"})
    instance = found["Instances"][0]["InstanceId"]
    app = server.metadata_app
    fast, flask = Client(app), Client(app.wsgi_app.flask_app)  # type: ignore[attr-defined]
    token = fast.put(f"/{instance}/latest/api/token", headers={TTL: "300"}).text
    paths = [
        "latest/meta-data/iam/security-credentials/served",
        "latest/meta-data/iam/security-credentials/",
        "latest/meta-data/iam/info",
        "latest/meta-data/instance-id",
        "latest/meta-data/",
        "latest/meta-data",
        "latest/",
        "latest",
        "2021-07-15/meta-data/placement/region",
        "",
        "latest//meta-data/",
        "latest/meta-data/nothing-here",
        "1999-01-01/meta-data/",
        "latest/meta-data/tags/instance/é",
    ]
    for path in paths:
        for headers in ({TOKEN: token}, {}, {TOKEN: token[:-4] + "AAAA"}):
            for method in ("GET", "POST"):
                one = fast.open(f"/{instance}/{path}", method=method, headers=headers)
                other = flask.open(f"/{instance}/{path}", method=method, headers=headers)
                assert (one.status_code, one.data) == (other.status_code, other.data), (path, method)
                assert one.headers.get("Content-Type") == other.headers.get("Content-Type")
                assert one.headers.get(TTL) == other.headers.get(TTL)


def test_compiled_decoders_decode_as_the_checked_way(server: Server, ec2: Any, account_id: str) -> None:
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    ec2.run_instances(
        ImageId=image,
        MinCount=2,
        MaxCount=2,
        TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "team", "Value": "x"}]}],
    )
    ec2.run_instances(
        ImageId=image,
        MinCount=1,
        MaxCount=1,
        TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "$odd", "Value": "x"}]}],
    )
    region = server.store.find_region(account_id, "us-east-1")
    assert region is not None
    with server.store.lock:
        saved = [
            (table, CODEC.encode(item))
            for table in ("instances", "network_interfaces", "volumes", "security_groups", "subnets")
            for item in getattr(region, table)
        ]
    assert len(saved) > 6
    for table, data in saved:
        checked = CODEC._raw(data, "")
        _check(checked, ITEM_CLASSES[table], "")
        assert CODEC.encode(CODEC.decode(data, ITEM_CLASSES[table])) == CODEC.encode(checked) == data
        if '"$dict"' not in json.dumps(data):  # a "$" tag key is a $dict: the checked way decodes it
            compiled = CODEC.decoder(ITEM_CLASSES[table])(data)  # Mismatch: gave up on valid data
            assert CODEC.encode(compiled) == data
