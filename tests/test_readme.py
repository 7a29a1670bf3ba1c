"""README.md's code runs as written, so it cannot drift from what ec2sim does.

Every fenced ```sh block runs with bash and every ```python block with Python, in the README's
order, as one script (variables a block exports reach the blocks after it, as in one terminal),
with ``set -e``: a failing command fails the test, naming its block. The script runs twice against
one fresh server, so re-running the README as it is works too (no EntityAlreadyExists).

The README's addresses, ``127.0.0.1:5000`` (API) and ``127.0.0.1:1338`` (instance metadata), are
rewritten to the test server's free ports. The AWS CLI comes from the virtualenv (the test extra
installs awscli); HOME is a temporary directory, so no ~/.aws file of yours takes part.

Convention: a block whose first line is ``# readme-test: skip`` is not run. Mark a block that needs
what this test lacks (Docker, a server of its own such as ``ec2sim serve`` itself, a second
terminal); any other block must run.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from ec2sim.config import Config
from ec2sim.server import Server

README = Path(__file__).resolve().parent.parent / "README.md"
SKIP = "# readme-test: skip"
_FENCE = re.compile(r"^```(sh|python)[ \t]*\n(.*?)^```[ \t]*$", re.M | re.S)
RUN_SECONDS = 300  # a run past this is stuck (a block started a server in the foreground, say)


@dataclass(frozen=True)
class Block:
    language: str
    line: int
    code: str


def blocks(text: str) -> list[Block]:
    """The README's sh and python blocks that are to run."""
    found = [Block(m.group(1), text.count("\n", 0, m.start()) + 1, m.group(2)) for m in _FENCE.finditer(text)]
    return [b for b in found if not b.code.lstrip().startswith(SKIP)]


def script(found: list[Block], api_port: int, imds_port: int) -> str:
    """One bash script of every block, each announced on stderr (a failure names its block)."""
    parts = ["set -e"]
    for number, block in enumerate(found, 1):
        code = block.code.replace("127.0.0.1:5000", f"127.0.0.1:{api_port}")
        code = code.replace("127.0.0.1:1338", f"127.0.0.1:{imds_port}")
        parts.append(f"echo '>>> README block {number} ({block.language}, line {block.line})' >&2")
        if block.language == "python":
            parts.append(f"python3 - <<'README_PYTHON_BLOCK'\n{code}README_PYTHON_BLOCK")
        else:
            parts.append(code)
    return "\n".join(parts) + "\n"


def test_blocks_are_found_and_skipped() -> None:
    text = "x\n```sh\necho 1\n```\n```python\nprint(2)\n```\n```sh\n# readme-test: skip\ndocker run\n```\n"
    assert blocks(text) == [Block("sh", 2, "echo 1\n"), Block("python", 5, "print(2)\n")]


@pytest.fixture(scope="module")
def readme_server() -> Iterator[Server]:
    with Server(Config(port=0, imds_port=0)) as server:
        yield server


def test_the_readme_runs_as_written(readme_server: Server, tmp_path: Path) -> None:
    bin_dir = Path(sys.executable).parent
    path = os.pathsep.join([str(bin_dir), os.environ.get("PATH", "")])
    for tool in ("aws", "curl", "python3"):
        if shutil.which(tool, path=path) is None:
            pytest.skip(f"{tool} is not installed (aws: pip install -e '.[test]')")
    found = blocks(README.read_text(encoding="utf-8"))
    assert len(found) >= 4, found  # Talking to it, the walkthrough, the control API
    text = script(found, readme_server.api_port, readme_server.imds_port)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "EC2SIM_"))}
    env.update(PATH=path, HOME=str(tmp_path))
    for run in (1, 2):
        try:
            done = subprocess.run(
                ["bash", "-c", text],
                env=env,
                cwd=tmp_path,
                capture_output=True,
                text=True,
                check=False,
                timeout=RUN_SECONDS,
            )
        except subprocess.TimeoutExpired as stuck:
            pytest.fail(f"run {run} hung; a block that can't run here needs `{SKIP}`: {stuck.stderr!r}")
        last = done.stderr.rpartition(">>> ")[2]
        assert done.returncode == 0, f"run {run} failed in {last}\n--- stdout:\n{done.stdout}"
    assert "UnauthorizedOperation" in done.stdout and ":assumed-role/app/i-" in done.stdout, done.stdout
