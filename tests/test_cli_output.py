"""What `ec2sim` prints: the banner, --version, --help, and the access log in both formats (with no
secret in it, whatever the requests carried)."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import signal
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import fields
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
import requests
from botocore.config import Config as BotoConfig

import ec2sim
from ec2sim.cli import _shown, banner
from ec2sim.config import Config
from tests.test_cli import ROOT, _command, _env, _run, _stop, serve
from tests.test_secrets import Seen, _instance_secrets, _sessions, _user_with_password

ACCESS_FIELDS = {"request_id", "method", "service", "action", "principal", "decision", "status", "ms"}


def _banner_exports(banner: str) -> dict[str, str]:
    """The variables of the banner's `export` lines, which must be its last lines."""
    lines = banner.strip().splitlines()
    exports = [line for line in lines if line.startswith("export ")]
    assert exports and lines[-len(exports) :] == exports, banner
    return dict(word.split("=", 1) for line in exports for word in shlex.split(line)[1:])


def test_version() -> None:
    done = _run("--version")
    assert done.returncode == 0 and done.stdout.strip() == f"ec2sim {ec2sim.__version__}"


def test_help_shows_every_flag_with_its_default_and_variable() -> None:
    done = _run("serve", "--help", env=_env(COLUMNS="1000"))  # no line breaks inside a help text
    assert done.returncode == 0, done.stderr
    # Each option's entry: its line, and the next when the flag's own line is too long to share.
    options = done.stdout.split("options:", 1)[1]
    entries = [" ".join(e.split()) for e in re.split(r"\n  (?=-)", options)]
    for f in fields(Config):
        flag, variable = "--" + f.name.replace("_", "-"), f"EC2SIM_{f.name.upper()}"
        entry = next(e for e in entries if e.startswith((f"{flag} ", f"{flag},")))
        assert entry.endswith(f"(default: {_shown(f.default)}; {variable})"), (flag, entry)
    assert "(default: none; EC2SIM_CONFIG)" in done.stdout


@contextmanager
def _serving(*args: str) -> Iterator[tuple[subprocess.Popen[str], list[str]]]:
    """`ec2sim serve ARGS` and the lines it printed up to the banner's last one."""
    proc = subprocess.Popen(_command("serve", *args), env=_env(), stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        banner = [proc.stdout.readline()]
        while banner[-1] and not banner[-1].startswith("export AWS_EC2_METADATA_SERVICE_ENDPOINT="):
            banner.append(proc.stdout.readline())
        yield proc, banner
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()


def test_banner_comes_first_and_ends_with_the_lines_to_copy() -> None:
    with _serving("--port", "0", "--imds-port", "0", "--region", "eu-west-1") as (proc, banner):
        started = re.match(r"ec2sim \S+: API on (\S+), instance metadata on (\S+) ", banner[0])
        assert started, banner
        api_url, imds_url = started.groups()
        assert not api_url.endswith(":0") and not imds_url.endswith(":0")
        exports = _banner_exports("".join(banner))
        assert exports == {
            "AWS_ENDPOINT_URL": api_url,
            "AWS_ACCESS_KEY_ID": "123456789012",
            "AWS_SECRET_ACCESS_KEY": "ec2sim",
            "AWS_DEFAULT_REGION": "eu-west-1",
            "AWS_EC2_METADATA_SERVICE_ENDPOINT": imds_url + "/",
        }
        # The exported settings are all a client needs.
        sts = boto3.client(
            "sts",
            endpoint_url=exports["AWS_ENDPOINT_URL"],
            region_name=exports["AWS_DEFAULT_REGION"],
            aws_access_key_id=exports["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=exports["AWS_SECRET_ACCESS_KEY"],
        )
        assert sts.get_caller_identity()["Arn"] == "arn:aws:iam::123456789012:root"
        assert requests.get(imds_url + "/", timeout=5).status_code == 404  # no instance yet, but there
        assert _stop(proc, signal.SIGTERM)[0] == 0


def test_readme_shows_the_banner() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = "\n".join(f"    {line}".rstrip() for line in banner(Config(), 5000, 1338).splitlines())
    assert shown in readme


def test_banner_never_shows_a_configured_secret() -> None:
    secret = "sEcReT/configured+0000000000000000000000"
    key = f"111122223333:AKIAROOTKEY000000001:{secret}"
    with _serving("--port", "0", "--imds-port", "0", "--strict-credentials", "--root-credentials", key) as (
        proc,
        banner,
    ):
        exports = _banner_exports("".join(banner))
        assert exports["AWS_ACCESS_KEY_ID"] == "AKIAROOTKEY000000001"
        assert secret not in "".join(banner)


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_run_passes_flags() -> None:
    done = subprocess.run(
        ["make", "-n", "run", "ARGS=--port 6000 --log-format json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )
    assert re.search(r"ec2sim serve --port 6000 --log-format json$", done.stdout, re.M), done


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["--log-format", "xml"], {}, "--log-format must be one of text, json, not 'xml'"),
        ([], {"EC2SIM_LOG_FORMAT": "yaml"}, "EC2SIM_LOG_FORMAT must be one of text, json"),
        (["--por", "6000"], {}, "unrecognized arguments: --por 6000"),  # no abbreviations
        (["--port=abc"], {}, "invalid value 'abc' for --port"),
        (["--strict-credentials=yes"], {}, "argument --strict-credentials"),
    ],
)
def test_bad_flags_exit_2_naming_the_flag(args: list[str], env: dict[str, str], message: str) -> None:
    done = _run("serve", *args, env=_env(**env))
    assert done.returncode == 2 and message in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr


# The access log, and secrets ---------------------------------------------------------------------


def _connect(url: str, seen: Seen) -> Callable[..., Any]:
    """``connect(service, key, secret, token)``: a client whose error bodies and request signatures
    are kept (a signature is as secret as the key that made it)."""

    def keep_signature(request: Any, **kwargs: Any) -> None:
        signature = re.search(r"Signature=([0-9a-f]+)", request.headers.get("Authorization", b"").decode())
        if signature:
            seen.secrets.add(signature.group(1))

    def make(service: str, key: str, secret: str, token: str | None = None) -> Any:
        client = boto3.client(
            service,
            region_name="us-east-1",
            endpoint_url=url,
            aws_access_key_id=key,
            aws_secret_access_key=secret,
            aws_session_token=token,
            config=BotoConfig(retries={"max_attempts": 1}),
        )
        client.meta.events.register("before-send.*.*", keep_signature)
        return seen.record_errors(client)

    return make


def _scenario(api_url: str, imds_url: str, account: str) -> Seen:
    """Access keys, a login profile and password changes, session tokens, an assumed role, a key pair,
    IMDS tokens and role credentials, signatures made with wrong secrets: every secret they involve."""
    seen = Seen()
    connect = _connect(api_url, seen)
    root_iam = connect("iam", account, "root-secret")
    key = _user_with_password(root_iam, connect, seen)
    _sessions(root_iam, key, connect, seen, account)
    _instance_secrets(SimpleNamespace(imds_url=imds_url), connect("ec2", account, "x"), root_iam, seen)
    alice_ec2 = connect("ec2", key["AccessKeyId"], key["SecretAccessKey"])
    with pytest.raises(Exception, match="UnauthorizedOperation"):
        alice_ec2.describe_regions()
    assert requests.get(api_url + "/_ec2sim/health", timeout=5).ok
    return seen


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_access_log_and_no_secrets(log_format: str) -> None:
    """One access line per request with its id, principal and decision, at DEBUG nothing secret."""
    account = "314159265358"
    with serve(
        "--port", "0", "--imds-port", "0", "--log-level", "DEBUG", "--log-format", log_format
    ) as running:
        seen = _scenario(running.api_url, running.imds_url, account)
        assert _stop(running.proc, signal.SIGTERM)[0] == 0
        out, err = running.proc.communicate()
    assert len(seen.secrets) > 20 and not seen.leaks([out, err])
    root, alice = f"arn:aws:iam::{account}:root", f"arn:aws:iam::{account}:user/alice"
    if log_format == "text":
        assert re.search(
            rf"POST iam CreateUser 200 [\d.]+ms id=\S+ principal={root} decision=allow$", out, re.M
        )
        assert re.search(
            rf"POST ec2 DescribeRegions 403 [\d.]+ms id=\S+ principal={alice} decision=deny$", out, re.M
        )
        assert re.search(r"POST iam GetUser 403 [\d.]+ms id=\S+ principal=- decision=-$", out, re.M)
        assert re.search(r"GET control /_ec2sim/health 200 [\d.]+ms id=- principal=- decision=-$", out, re.M)
        assert re.search(
            r"GET imds /i-[0-9a-f]+/latest/meta-data/\S+ 200 [\d.]+ms id=- principal=i-", out, re.M
        )
        return
    records = [json.loads(line) for line in out.splitlines()]  # every stdout line is JSON
    access = [r for r in records if "request_id" in r]
    assert all(
        ACCESS_FIELDS <= r.keys() and {"time", "level", "logger", "message"} <= r.keys() for r in access
    )

    def one(**expected: Any) -> dict[str, Any]:
        found = [r for r in access if expected.items() <= r.items()]
        assert found, (expected, access)
        return found[0]

    created = one(service="iam", action="CreateUser", status=200)
    assert created["principal"] == root and created["decision"] == "allow"
    assert re.fullmatch(r"[0-9a-f-]{36}", created["request_id"]) and isinstance(created["ms"], float)
    one(service="ec2", action="DescribeRegions", status=403, principal=alice, decision="deny")
    one(service="iam", action="GetUser", status=403, principal="-", decision="-")  # wrong signature
    one(service="control", action="/_ec2sim/health", method="GET", status=200, decision="-")
    metadata = one(service="imds", method="PUT", status=200)
    assert metadata["principal"].startswith("i-")
    assert "ec2sim 0.1.0: API on" in err  # the banner, beside the JSON lines
