"""``ec2sim explain REQUEST_ID`` and ``ec2sim tail``: a running server's decisions, for people.

Both read the control API of the server at ``--endpoint`` (default: ``$AWS_ENDPOINT_URL``, the
variable `serve`'s banner exports, else the default listener): `explain` the decision trace of
one request (``GET /_ec2sim/decisions``), `tail` the live event stream (``GET /_ec2sim/events``).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from typing import Any, TextIO

from ec2sim.cli_control import ControlError, add_endpoint_flag, open_control


def add_commands(commands: Any) -> None:
    """Register `explain` and `tail` on the `ec2sim` parser's subcommands."""
    explain = commands.add_parser(
        "explain",
        help="print why a request was allowed or denied",
        description="Print the authorization trace of one request: each check, its decision and "
        "the statements that decided it.",
        allow_abbrev=False,
    )
    explain.add_argument("request_id", metavar="REQUEST_ID", help="the request's id (x-amzn-RequestId)")
    explain.add_argument("--json", action="store_true", help="print the trace as the server gives it")
    add_endpoint_flag(explain)
    explain.set_defaults(run=run_explain)
    tail = commands.add_parser(
        "tail",
        help="print each call as the server answers it",
        description="Follow the server's calls as they happen: principal, action, resources, decision.",
        allow_abbrev=False,
    )
    tail.add_argument(
        "--principal", help="only this principal's calls (a role's sessions for its assumed-role ARN)"
    )
    tail.add_argument("--json", action="store_true", help="print each event as a JSON line")
    add_endpoint_flag(tail)
    tail.set_defaults(run=run_tail)


def _fail(message: str) -> int:
    print(f"ec2sim: {message}", file=sys.stderr)
    return 1


def run_explain(args: argparse.Namespace) -> int:
    try:
        with open_control(
            args, "/_ec2sim/decisions", {"request_id": args.request_id}, timeout=30
        ) as response:
            trace = json.loads(response.read())
    except ControlError as error:
        return _fail(str(error))
    except ValueError as error:
        return _fail(f"the server's answer is no JSON: {error}")
    if args.json:
        print(json.dumps(trace, indent=2))
    else:
        write_explanation(trace, sys.stdout)
    return 0


def write_explanation(trace: dict[str, Any], out: TextIO) -> None:
    """The trace (`ec2sim.api.decisions.decision_view`) as text."""
    caller = trace.get("caller")
    who = (
        f"{caller['arn']} ({caller['type']}, account {caller['account_id']})"
        if caller
        else "(not authenticated)"
    )
    ending = str(trace["status"]) + (f" {trace['error_code']}" if trace.get("error_code") else "")
    out.write(f"Request {trace['request_id']} at {trace['time']}\n")
    out.write(f"  caller:   {who}\n")
    out.write(f"  call:     {trace['service']}:{trace['action']} in {trace['region'] or '-'} -> {ending}\n")
    out.write(f"  decision: {_DECISIONS.get(trace['decision'], trace['decision'])}\n")
    if trace.get("error_message"):
        out.write(f"  message:  {_shortened(trace['error_message'])}\n")
    checks = trace["checks"]
    if not checks:
        out.write(
            "\nNo authorization checks: the call needs no permission, or failed before authorization.\n"
        )
    for number, check in enumerate(checks, 1):
        decided = _CHECKS.get(check["decision"], check["decision"])
        out.write(f"\nCheck {number} of {len(checks)}: {check['action']} on {check['resource']}: {decided}\n")
        out.write(f"  {check['why']}\n")
        if check["context"]:
            keys = ", ".join(f"{key}={_shown(value)}" for key, value in sorted(check["context"].items()))
            out.write(f"  context: {keys}\n")
        if check["statements"]:
            out.write(f"  {_HEADINGS.get(check['decision'], 'statements')}:\n")
            _write_statements(check["statements"], out)
        if check["partial_allows"]:
            out.write("  allowed only by (every policy that applies must allow):\n")
            _write_statements(check["partial_allows"], out)
        if "trust_policy" in check:
            out.write("  the role's trust policy:\n")
            _write_json(check["trust_policy"], out)


_DECISIONS = {"allow": "ALLOWED", "deny": "DENIED", "-": "not authorized (failed before authorization)"}
_CHECKS = {
    "allowed": "ALLOWED",
    "explicitDeny": "EXPLICIT DENY",
    "implicitDeny": "IMPLICIT DENY",
    "notEvaluated": "NOT EVALUATED",
}
_HEADINGS = {"allowed": "allowed by", "explicitDeny": "denied by"}


_ENCODED = "Encoded authorization failure message: "


def _shortened(message: str) -> str:
    """EC2's message with its encoded authorization message cut short (`sts decode-authorization-message`
    or this trace say the same)."""
    head, found, encoded = message.partition(_ENCODED)
    return (
        f"{head}{found}{encoded[:16]}… ({len(encoded)} characters)"
        if found and len(encoded) > 16
        else message
    )


def _shown(value: str | list[str]) -> str:
    return value if isinstance(value, str) else "[" + ", ".join(value) + "]"


def _write_statements(statements: list[dict[str, Any]], out: TextIO) -> None:
    for ref in statements:
        name = f'Sid "{ref["sid"]}" (statement {ref["index"]})' if ref["sid"] else f"statement {ref['index']}"
        out.write(
            f"    {ref['policy_kind']} {ref['policy']} ({ref['policy_type']}), {name}, {ref['effect']}\n"
        )
        if "statement" in ref:
            _write_json(ref["statement"], out)
        else:
            out.write("      (the policy is no longer in the store as it was)\n")


def _write_json(value: Any, out: TextIO) -> None:
    for line in json.dumps(value, indent=2).splitlines():
        out.write(f"      {line}\n")


def run_tail(args: argparse.Namespace) -> int:
    query = {"principal": args.principal} if args.principal else {}
    try:
        # No timeout: heartbeats arrive, calls may not.
        with open_control(args, "/_ec2sim/events", query, timeout=None) as response:
            for event, data in _events(response):
                if event == "dropped":
                    print(
                        f"ec2sim: {data['dropped']} event(s) dropped so far (this client lagged)",
                        file=sys.stderr,
                    )
                elif args.json:
                    print(json.dumps(data), flush=True)
                else:
                    print(event_line(data), flush=True)
    except KeyboardInterrupt:
        return 0
    except ControlError as error:
        return _fail(str(error))
    except (OSError, ValueError) as error:
        return _fail(f"the event stream broke off: {error}")
    return 0


def _events(lines: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    """Server-sent events: (event name, the data's JSON); comments (heartbeats) skipped."""
    event, data = "message", ""
    for raw in lines:
        line = raw.decode("utf-8").rstrip("\r\n")
        if not line:
            if data:
                yield event, json.loads(data)
            event, data = "message", ""
        elif line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:"):
            data += line[5:].strip()


def event_line(event: dict[str, Any]) -> str:
    """One call on one line: time, decision, status, principal, action, resources, request id."""
    ending = str(event["status"]) + (f" {event['error_code']}" if event.get("error_code") else "")
    resources = ",".join(event["resources"]) or "-"
    return (
        f"{event['time']}  {event['decision']:<5} {ending:<32} {event['principal'] or '-'}  "
        f"{event['service']}:{event['action']}  {resources}  {event['request_id']}"
    )
