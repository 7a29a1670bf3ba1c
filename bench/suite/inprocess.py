"""ec2sim's WSGI application called in this process with signed requests: no sockets, no server, so
figures measured side by side in one run compare the application's own cost (flat cost, enforcement
cost), far less noisy on a shared machine than wrk against a server."""

from __future__ import annotations

import io
import json
import re
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from bench.suite.aws import FORM, POLICY, ROOT
from ec2sim.config import Config
from ec2sim.store import Store
from ec2sim.web import create_app

ACCOUNT = "123456789012"  # the default account, which ROOT's key acts as
URL = "http://127.0.0.1:5000/"
VERSIONS = {"ec2": "2016-11-15", "iam": "2010-05-08", "sts": "2011-06-15"}
Request = Callable[[], None]


def body(service: str, action: str, **params: str | int) -> str:
    return urlencode({"Action": action, "Version": VERSIONS[service], **params})


class App:
    """A fresh store and its WSGI application (IAM enforced, the instance quota raised to `instances`)."""

    def __init__(self, instances: int = 1000, root_key: tuple[str, str] | None = None) -> None:
        """`root_key`: a root key of the default account to configure (checked like an issued key)."""
        config = Config(instance_limit=max(instances, 1000))
        self.store = Store()
        if root_key is not None:
            self.store.configure_root_key(ACCOUNT, *root_key)
        self.wsgi = create_app(config, self.store)
        self._subnet, self._room = "", 0  # where RunInstances puts the next instances

    def prepare(self, service: str, text: str, key: tuple[str, str] = ROOT) -> Request:
        """One signed request, callable again and again (signed now: valid for 15 minutes)."""
        request = AWSRequest(method="POST", url=URL, data=text, headers={"Content-Type": FORM})
        SigV4Auth(Credentials(*key), service, "us-east-1").add_auth(request)
        data = text.encode()
        environ: dict[str, Any] = {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": "/",
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "5000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_HOST": "127.0.0.1:5000",
            "CONTENT_LENGTH": str(len(data)),
            "CONTENT_TYPE": FORM,
            "wsgi.url_scheme": "http",
            "wsgi.errors": io.StringIO(),
        }
        for name, value in request.headers.items():
            if name.lower() not in ("content-type", "content-length"):
                environ["HTTP_" + name.upper().replace("-", "_")] = value
        wsgi, statuses = self.wsgi, []

        def call() -> None:
            for _ in wsgi({**environ, "wsgi.input": io.BytesIO(data)}, lambda s, *_: statuses.append(s)):
                pass
            if not statuses.pop().startswith("200"):
                raise RuntimeError(f"{service} {text[:80]}: not answered 200")

        return call

    def call(self, service: str, text: str, key: tuple[str, str] = ROOT) -> str:
        """One request as the default account's root (or `key`): the answer's text."""
        out: list[bytes] = []
        request = AWSRequest(method="POST", url=URL, data=text, headers={"Content-Type": FORM})
        SigV4Auth(Credentials(*key), service, "us-east-1").add_auth(request)
        headers = dict(request.headers.items())
        from werkzeug.test import EnvironBuilder

        environ = EnvironBuilder(base_url=URL, method="POST", data=text, headers=headers).get_environ()
        statuses: list[str] = []
        out.extend(self.wsgi(environ, lambda s, *_: statuses.append(s)))
        answer = b"".join(out).decode()
        if not statuses[0].startswith("200"):
            raise RuntimeError(f"{service} {text[:80]}: {statuses[0]} {answer[:300]}")
        return answer

    # Seeding ----------------------------------------------------------------------------------------

    def run_instances(self, count: int) -> str:
        """`count` instances (RunInstances, 100 a call): the first one's id."""
        images = self.call("ec2", body("ec2", "DescribeImages", **{"Owner.1": "amazon"}))
        image = re.search(r"<imageId>(ami-[0-9a-f]+)</imageId>", images)
        assert image is not None, "no public image"
        first = ""
        while count > 0:
            if self._room < 100:  # a VPC's largest subnet holds 65,531 instances
                self._subnet, self._room = self._new_subnet(), 65531
            batch = min(100, count)
            made = self.call(
                "ec2",
                body(
                    "ec2",
                    "RunInstances",
                    ImageId=image[1],
                    MinCount=batch,
                    MaxCount=batch,
                    SubnetId=self._subnet,
                ),
            )
            first = first or re.findall(r"<instanceId>(i-[0-9a-f]+)</instanceId>", made)[0]
            count, self._room = count - batch, self._room - batch
        return first

    def _new_subnet(self) -> str:
        """A new VPC's one /16 subnet."""
        vpc = re.search(
            r"<vpcId>(vpc-\w+)<", self.call("ec2", body("ec2", "CreateVpc", CidrBlock="10.0.0.0/16"))
        )
        assert vpc is not None
        made = self.call("ec2", body("ec2", "CreateSubnet", VpcId=vpc[1], CidrBlock="10.0.0.0/16"))
        subnet = re.search(r"<subnetId>(subnet-\w+)<", made)
        assert subnet is not None
        return subnet[1]

    def add_users(self, count: int) -> None:
        """`count` IAM users, through the store's own operation (past IAM's 5,000-user quota)."""
        iam = self.store.account(ACCOUNT).iam
        now = self.store.clock.now()
        with self.store.lock:
            for number in range(count):
                iam.create_user(now, f"user-{number}", "/", self.store.ids.iam_id("AIDA"), {}, None)

    def bench_user(self) -> tuple[str, str]:
        """The IAM user ``bench`` (inline policy: ec2:Describe*, iam:GetUser) and its access key."""
        self.call("iam", body("iam", "CreateUser", UserName="bench"))
        document = json.dumps(POLICY)
        self.call(
            "iam",
            body("iam", "PutUserPolicy", UserName="bench", PolicyName="describe", PolicyDocument=document),
        )
        made = self.call("iam", body("iam", "CreateAccessKey", UserName="bench"))
        key = re.search(r"<AccessKeyId>(\w+)</AccessKeyId>.*<SecretAccessKey>([^<]+)<", made, re.S)
        assert key is not None
        return key[1], key[2]


def rate(request: Request, seconds: float) -> float:
    """Requests per CPU second of `request` called back to back for about `seconds` of this process's
    CPU time (not wall time: time other processes take on a shared machine doesn't count)."""
    done, started = 0, time.process_time()
    deadline = started + seconds
    while True:
        for _ in range(20):
            request()
        done += 20
        now = time.process_time()
        if now >= deadline:
            return done / (now - started)


def compare(requests: dict[str, Request], seconds: float, rounds: int = 5) -> dict[str, float]:
    """Each request's best rate over `rounds` interleaved rounds (`seconds` each in all): side by
    side, so a burst of load elsewhere hits every request alike."""
    best = dict.fromkeys(requests, 0.0)
    for _ in range(rounds):
        for name, request in requests.items():
            best[name] = max(best[name], rate(request, seconds / rounds))
    return best
