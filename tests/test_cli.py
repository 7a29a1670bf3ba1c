"""`ec2sim serve` as people run it: a real process, settings from flags, EC2SIM_* and YAML, signals."""

from __future__ import annotations

import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests

from ec2sim.cli import _parser, load_config
from ec2sim.config import Config

ROOT = Path(__file__).resolve().parent.parent
_STARTUP = re.compile(
    r"API on (http://\S+), instance metadata on (http://\S+) \(account (\d+), region (\S+)\)"
)


def _env(**settings: str) -> dict[str, str]:
    """This environment without any EC2SIM_* variable, plus `settings`; the checkout importable."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("EC2SIM_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.update(settings)
    return env


def _command(*args: str) -> list[str]:
    return [sys.executable, "-m", "ec2sim", *args]


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`python -m ec2sim ARGS` to its end (commands that exit by themselves)."""
    return subprocess.run(
        _command(*args), check=False, env=env or _env(), capture_output=True, text=True, timeout=30
    )


@dataclass
class Running:
    proc: subprocess.Popen[str]
    api_url: str
    imds_url: str
    account_id: str
    region: str


def _startup_line(proc: subprocess.Popen[str], timeout: float = 10) -> re.Match[str]:
    """The first stdout line that names the listeners; fails with the process' output otherwise."""
    deadline = time.monotonic() + timeout
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], max(0.0, deadline - time.monotonic()))
        line = proc.stdout.readline() if ready else ""
        match = _STARTUP.search(line)
        if match:
            return match
        if not line and proc.poll() is not None:
            break
    proc.kill()
    raise AssertionError(f"no startup line; exit {proc.wait()}: {proc.communicate()}")


@contextmanager
def serve(*args: str, env: dict[str, str] | None = None) -> Iterator[Running]:
    """`python -m ec2sim serve ARGS` until the block ends (then killed if a test left it running)."""
    proc = subprocess.Popen(
        _command("serve", *args),
        env=env or _env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        bufsize=1,
    )
    try:
        match = _startup_line(proc)
        yield Running(proc, *match.groups())
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()


def _stop(proc: subprocess.Popen[str], sig: signal.Signals) -> tuple[int, float]:
    """Send `sig`; the exit code and the seconds it took to exit."""
    started = time.monotonic()
    proc.send_signal(sig)
    code = proc.wait(timeout=5)
    elapsed = time.monotonic() - started
    if code != 0:  # say why, for a failing assertion on the code
        print(proc.stderr.read() if proc.stderr else "", file=sys.stderr)
    return code, elapsed


def _ec2(url: str, key: str = "AKIDEXAMPLE", region: str = "us-east-1") -> Any:
    return boto3.client(
        "ec2", endpoint_url=url, region_name=region, aws_access_key_id=key, aws_secret_access_key="any"
    )


@pytest.mark.parametrize("args", [["--help"], ["serve", "--help"], ["--version"]])
def test_help(args: list[str]) -> None:
    done = _run(*args)
    assert done.returncode == 0, done.stderr
    if args == ["serve", "--help"]:
        for flag, variable in (
            ("--port", "EC2SIM_PORT"),
            ("--imds-port", "EC2SIM_IMDS_PORT"),
            ("--account-id", "EC2SIM_ACCOUNT_ID"),
            ("--config", "EC2SIM_CONFIG"),
        ):
            assert flag in done.stdout and variable in done.stdout
    else:
        assert "ec2sim" in done.stdout


def test_console_script_help() -> None:
    """The `ec2sim` entry point itself, where the package is installed (as `make test` does)."""
    script = shutil.which(
        "ec2sim", path=os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])
    )
    if script is None:
        pytest.skip("the ec2sim console script is not installed")
    done = subprocess.run(
        [script, "serve", "--help"], check=False, capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 0 and "--imds-port" in done.stdout


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_serves_then_stops_on_signal(sig: signal.Signals) -> None:
    with serve("--port", "0", "--imds-port", "0") as running:
        assert not running.api_url.endswith(":5000") and not running.imds_url.endswith(":1338")
        with requests.Session() as session:  # an idle keep-alive connection must not hold up the exit
            health = session.get(running.api_url + "/_ec2sim/health", timeout=5)
            assert health.status_code == 200 and health.json()["status"] == "running"
            regions = _ec2(running.api_url).describe_regions()["Regions"]
            assert any(r["RegionName"] == "us-east-1" for r in regions)
            assert requests.get(running.imds_url + "/", timeout=5).status_code in (200, 401, 404)
            code, seconds = _stop(running.proc, sig)
        assert code == 0
        assert seconds < 2, f"took {seconds:.2f}s to stop"  # ~0.3s; slack for a loaded CI machine
        out, err = running.proc.communicate()
        assert re.search(r"INFO ec2sim\.api POST ec2 DescribeRegions 200 [\d.]+ms", out), out
        assert "Traceback" not in err, err


def test_settings_from_environment() -> None:
    env = _env(
        EC2SIM_PORT="0", EC2SIM_IMDS_PORT="0", EC2SIM_ACCOUNT_ID="210987654321", EC2SIM_REGION="eu-west-1"
    )
    with serve(env=env) as running:
        assert (running.account_id, running.region) == ("210987654321", "eu-west-1")
        # A request with no credential scope falls back to the configured region.
        zones = requests.get(
            running.api_url,
            params={"Action": "DescribeAvailabilityZones", "Version": "2016-11-15"},
            timeout=5,
        )
        assert zones.status_code == 200 and "<zoneName>eu-west-1a</zoneName>" in zones.text
        assert _stop(running.proc, signal.SIGTERM)[0] == 0


@pytest.mark.parametrize("via", ["flag", "env"])
def test_precedence_flags_over_env_over_file(tmp_path: Path, via: str) -> None:
    config = tmp_path / "ec2sim.yaml"
    config.write_text(
        'port: 0\nimds-port: 0\naccount_id: "111111111111"\nregion: eu-west-2\nlog-level: INFO\n'
    )
    env = _env(EC2SIM_ACCOUNT_ID="222222222222", EC2SIM_REGION="eu-west-1")
    args = ["--region", "eu-central-1"]
    if via == "flag":
        args += ["--config", str(config)]
    else:
        env["EC2SIM_CONFIG"] = str(config)
    with serve(*args, env=env) as running:
        # ports from the file (0: free ports), account from the environment, region from the flag
        assert not running.api_url.endswith(":5000")
        assert (running.account_id, running.region) == ("222222222222", "eu-central-1")
        assert requests.get(running.api_url + "/_ec2sim/health", timeout=5).status_code == 200
        assert _stop(running.proc, signal.SIGINT)[0] == 0


def test_startup_line_at_any_log_level() -> None:
    """With --log-level WARNING there are no request lines, but port 0 still gets told."""
    with serve("--port", "0", "--imds-port", "0", "--log-level", "warning") as running:
        _ec2(running.api_url).describe_regions()
        assert _stop(running.proc, signal.SIGTERM)[0] == 0
        assert "DescribeRegions" not in running.proc.communicate()[0]


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["--port", "70000"], {}, "--port must be 0-65535, not 70000"),
        (["--imds-port", "-1"], {}, "--imds-port must be 0-65535, not -1"),
        ([], {"EC2SIM_PORT": "five"}, "invalid value 'five' for EC2SIM_PORT"),
        (["--account-id", "12345"], {}, "--account-id must be 12 digits"),
        ([], {"EC2SIM_REGION": "Mars"}, "EC2SIM_REGION must look like us-east-1"),
        (["--log-level", "LOUD"], {}, "--log-level must be one of"),
        (["--instance-start-seconds", "-5"], {}, "--instance-start-seconds must be 0-31536000, not -5"),
        (["--instance-start-seconds", "nan"], {}, "--instance-start-seconds must be 0-31536000, not nan"),
        (["--instance-stop-seconds", "inf"], {}, "--instance-stop-seconds must be 0-31536000, not inf"),
        (["--image-available-seconds", "1e300"], {}, "--image-available-seconds must be 0-31536000"),
        ([], {"EC2SIM_IAM_PROPAGATION_SECONDS": "-inf"}, "EC2SIM_IAM_PROPAGATION_SECONDS must be"),
        (["--instance-limit", "9" * 5000], {}, "invalid value"),
        (["--instance-limit", "1.5"], {}, "invalid value '1.5' for --instance-limit"),
        (["--max-connections", "0"], {}, "--max-connections must be 1-100000, not 0"),
        (["--config", "/nonexistent/ec2sim.yaml"], {}, "cannot read config file"),
        ([], {"EC2SIM_STRICT_CREDENTIALS": "maybe"}, "invalid value 'maybe' for EC2SIM_STRICT_CREDENTIALS"),
        (["--iam-enforcement", "strict"], {}, "--iam-enforcement must be one of on, audit, off"),
        ([], {"EC2SIM_ROLE_CREDENTIAL_SECONDS": "-1"}, "EC2SIM_ROLE_CREDENTIAL_SECONDS must be 900-43200"),
        (["--host", "no-such-host.invalid"], {}, "--host is not an address this machine can listen on"),
        (["--imds-host", "256.1.1.1"], {}, "--imds-host is not an address"),
        (["--bogus"], {}, "unrecognized arguments: --bogus"),
        (["--port"], {}, "argument --port: expected one argument"),
    ],
)
def test_invalid_settings_exit_with_a_message(args: list[str], env: dict[str, str], message: str) -> None:
    """Status 2 and one line that names the setting as the user wrote it (flag, variable or file key)."""
    done = _run("serve", "--imds-port", "0", *args, env=_env(**env))
    assert done.returncode == 2, done
    assert message in done.stderr and "Traceback" not in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr


@pytest.mark.parametrize(
    ("argv", "env", "text", "expected"),
    [
        ([], {}, "", False),
        (
            ["--strict-credentials"],
            {"EC2SIM_STRICT_CREDENTIALS": "false"},
            "strict-credentials: false\n",
            True,
        ),
        (["--no-strict-credentials"], {"EC2SIM_STRICT_CREDENTIALS": "on"}, "", False),
        ([], {"EC2SIM_STRICT_CREDENTIALS": "No"}, "strict_credentials: true\n", False),
        ([], {}, "strict_credentials: yes\n", True),
    ],
)
def test_boolean_settings(
    tmp_path: Path, argv: list[str], env: dict[str, str], text: str, expected: bool
) -> None:
    """Booleans as --flag/--no-flag, as words in EC2SIM_* (bool("false") would be True) and as YAML."""
    config = tmp_path / "ec2sim.yaml"
    config.write_text(text)
    args = _parser().parse_args(["serve", "--config", str(config), *argv])
    assert load_config(args, env).strict_credentials is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("iam-enforcement: off\n", "off"),
        ("iam_enforcement: on\n", "on"),
        ("iam-enforcement: audit\n", "audit"),
    ],
)
def test_yaml_on_off_words(tmp_path: Path, text: str, expected: str) -> None:
    """YAML 1.1 reads a bare on/off as a boolean; a word setting still gets its word."""
    config = tmp_path / "ec2sim.yaml"
    config.write_text(text)
    assert (
        load_config(_parser().parse_args(["serve", "--config", str(config)]), {}).iam_enforcement == expected
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("porty: 1\n", "unknown settings in {path}: porty"),
        ("- 1\n- 2\n", "must hold a mapping of settings"),
        ("port: [1\n", "cannot read config file"),
        ("port: [1]\n", "invalid value [1] for {path}: port"),
        ("instance-start-seconds: .nan\n", "{path}: instance-start-seconds must be 0-31536000, not nan"),
        ("region: [eu-west-1]\n", "invalid value ['eu-west-1'] for {path}: region"),
    ],
)
def test_invalid_config_file(tmp_path: Path, text: str, message: str) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text(text)
    done = _run("serve", "--config", str(config))
    assert done.returncode == 2 and message.format(path=config) in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_port_in_use_exits_with_a_message() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        done = _run("serve", "--port", port, "--imds-port", "0")
    assert done.returncode != 0 and "cannot listen" in done.stderr and port in done.stderr, done.stderr


def test_readme_lists_every_setting() -> None:
    """The settings table of README.md names every setting's flag and variable."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for f in fields(Config):
        assert f"`--{f.name.replace('_', '-')}" in readme and f"`EC2SIM_{f.name.upper()}`" in readme, f.name


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads CPU time from /proc")
def test_an_idle_server_uses_no_cpu() -> None:
    """Both listeners wait in the kernel while nothing happens, an open keep-alive connection included."""
    with serve("--port", "0", "--imds-port", "0") as running, requests.Session() as session:
        assert session.get(f"{running.api_url}/_ec2sim/health", timeout=5).ok
        assert session.get(f"{running.imds_url}/latest/meta-data/", timeout=5).status_code < 500
        # start-up's background work (loading the models and the operations' modules) finishes:
        # a quiet window, within a generous hang detector
        deadline, before = time.monotonic() + 30, _cpu_seconds(running.proc.pid)
        while time.monotonic() < deadline:
            time.sleep(0.3)
            used, before = _cpu_seconds(running.proc.pid) - before, _cpu_seconds(running.proc.pid)
            if used < 0.02:
                break
        time.sleep(2)
        assert _cpu_seconds(running.proc.pid) - before < 0.1
