"""``ec2sim policy generate`` and ``ec2sim policy check``: least privilege from a running server's
recordings, through its control API (``/_ec2sim/policy``): HTTP clients of a server
(`ec2sim.cli_control`), importing nothing of the emulator.

Exit status: 0 done (``check``: every recorded call would be allowed); 1 ``check`` found calls the
policy would deny, or ``generate`` found no recorded call; 2 bad input or no server.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ec2sim.cli_control import ControlError, add_endpoint_flag, open_control


def add_parser(commands: Any) -> None:
    """Register ``policy`` on the ``ec2sim`` command's subparsers."""
    policy = commands.add_parser(
        "policy",
        help="least-privilege IAM policies from what a principal's calls needed",
        description="Generate the smallest identity policy a principal's recorded calls needed, or "
        "check a policy against them (the server must be running: --endpoint).",
        allow_abbrev=False,
    )
    policy.set_defaults(run=run)
    actions = policy.add_subparsers(dest="policy_command", required=True)
    generate = actions.add_parser(
        "generate",
        help="print the policy that allows exactly the recorded calls",
        description="Print (IAM JSON) the smallest identity policy allowing every call the principal "
        "made, allowed or denied; verified by replaying them before it is printed.",
        allow_abbrev=False,
    )
    check = actions.add_parser(
        "check",
        help="list the recorded calls a policy would deny (exit 1 if any)",
        description="Replay the principal's recorded calls against POLICY (an identity policy, JSON) "
        "and list those it would deny, with the reason; exit 1 when there is any: a CI gate.",
        allow_abbrev=False,
    )
    check.add_argument("policy_file", metavar="POLICY.json", help="the policy document ('-': stdin)")
    check.add_argument("--json", action="store_true", help="print the denied calls as JSON")
    for command in (generate, check):
        command.add_argument(
            "--principal", required=True, help="ARN of a user, a role (all its sessions), a session"
        )
        command.add_argument("--since", help="only calls at or after this time (ISO 8601, emulated clock)")
        command.add_argument("--until", help="only calls at or before this time (ISO 8601)")
        add_endpoint_flag(command)
    generate.add_argument(
        "--conditions",
        action="store_true",
        help="add the tag values (and passed-to service) the calls carried",
    )
    generate.add_argument("--output", "-o", help="write the policy to this file instead of stdout")


class _Failed(Exception):
    def __init__(self, message: str, status: int = 2) -> None:
        super().__init__(message)
        self.status = status


def _call(args: argparse.Namespace, path: str, query: dict[str, str], body: bytes | None = None) -> Any:
    """(JSON answer, headers) of a control API request; `_Failed` with the server's error."""
    params = {"principal": args.principal, **query}
    params.update({name: getattr(args, name) for name in ("since", "until") if getattr(args, name)})
    try:
        with open_control(args, path, params, body) as response:
            return json.loads(response.read()), response.headers
    except ControlError as error:
        raise _Failed(str(error), 1 if error.status == 404 else 2) from None


def _generate(args: argparse.Namespace) -> int:
    query = {"conditions": "true"} if args.conditions else {}
    document, headers = _call(args, "/_ec2sim/policy", query)
    text = json.dumps(document, indent=4) + "\n"
    if args.output:
        with open(args.output, "w", encoding="utf-8") as handle:
            handle.write(text)
    else:
        sys.stdout.write(text)
    notes = headers.get("X-Ec2sim-Policy-Notes")
    print(
        f"ec2sim: {headers.get('X-Ec2sim-Policy-Calls')} calls, {headers.get('X-Ec2sim-Policy-Checks')} checks; "
        f"{headers.get('X-Ec2sim-Policy-Size')} characters" + (f"; {notes}" if notes else ""),
        file=sys.stderr,
    )
    return 0


def _check(args: argparse.Namespace) -> int:
    try:
        if args.policy_file == "-":
            body = sys.stdin.buffer.read()
        else:
            with open(args.policy_file, "rb") as handle:
                body = handle.read()
    except OSError as error:
        raise _Failed(f"cannot read {args.policy_file}: {error.strerror or error}") from None
    denied, _ = _call(args, "/_ec2sim/policy/check", {}, body)
    if args.json:
        print(json.dumps(denied, indent=2))
    else:
        for call in denied:
            print(f"{call['Time']} {call['RequestId']} {call['Operation']}: denied: {call['Reason']}")
        print(f"ec2sim: {len(denied)} recorded call(s) would be denied", file=sys.stderr)
    return 1 if denied else 0


def run(args: argparse.Namespace) -> int:
    try:
        return _generate(args) if args.policy_command == "generate" else _check(args)
    except _Failed as failure:
        print(f"ec2sim policy: {failure}", file=sys.stderr)
        return failure.status
