"""`make bench`'s in-process section (issue 16's "enforcement cost" and "flat cost"): the WSGI
application called directly (`bench.suite.inprocess`), each figure in requests per CPU second of
this process, the cases of one figure measured in interleaved rounds.

- enforcement: GetUser and DescribeInstances of one instance signed three ways: with a key the
  server never issued (the default account's root: nothing verified, nothing evaluated), with a
  configured root key (signature verified, no policy: the root user is not limited by policies) and
  with the IAM user ``bench``'s key (signature verified, its policy evaluated). Authentication's cost
  is 1 − verified / unverified, authorization's 1 − user / verified root, and issue 16's enforcement
  cost 1 − user / unverified, as `make bench`'s wrk table measures it.
- flat: the same requests (as the root user and as ``bench``) against a small store and a large one
  (instances in one account and region, IAM users in the account), as large ÷ small.
"""

from __future__ import annotations

import time
from typing import Any

from bench.suite.inprocess import App, Request, body, compare

ROOT_KEY = ("AKIAROOTBENCH0000001", "root-secret")  # configured: checked like an issued key


def _requests(app: App, instance: str, user: tuple[str, str]) -> dict[str, Request]:
    one = body("ec2", "DescribeInstances", **{"InstanceId.1": instance})
    get_user = body("iam", "GetUser", UserName="bench")
    return {
        "describe_one": app.prepare("ec2", one),
        "describe_one+enforced": app.prepare("ec2", one, user),
        "iam_get_user": app.prepare("iam", get_user),
        "iam_get_user+enforced": app.prepare("iam", get_user, user),
    }


def enforcement(seconds: float) -> dict[str, Any]:
    """requests/CPU s of each case, and the costs (fractions) derived from them."""
    app = App(root_key=ROOT_KEY)
    instance, user = app.run_instances(100), app.bench_user()
    requests = _requests(app, instance, user)
    requests["describe_one+verified_root"] = app.prepare(
        "ec2", body("ec2", "DescribeInstances", **{"InstanceId.1": instance}), ROOT_KEY
    )
    requests["iam_get_user+verified_root"] = app.prepare(
        "iam", body("iam", "GetUser", UserName="bench"), ROOT_KEY
    )
    rates = compare(requests, seconds * len(requests))
    out: dict[str, Any] = {"rates": rates}
    for case in ("iam_get_user", "describe_one"):
        plain, verified, user_rate = rates[case], rates[f"{case}+verified_root"], rates[f"{case}+enforced"]
        out[case] = {
            "authentication": 1 - verified / plain,
            "authorization": 1 - user_rate / verified,
            "enforcement": 1 - user_rate / plain,
            "enforced_extra_us": 1e6 / user_rate - 1e6 / plain,
        }
    return out


def flat(seconds: float, instances: tuple[int, int], users: tuple[int, int]) -> dict[str, Any]:
    """Each case's requests/CPU s against the small and the large store, and large ÷ small."""
    out: dict[str, Any] = {"instances": instances, "users": users}
    requests: dict[str, Request] = {}
    for size, count, people in zip(("small", "large"), instances, users, strict=True):
        app = App(instances=count)
        started = time.perf_counter()
        instance = app.run_instances(count)
        user = app.bench_user()
        app.add_users(people - 1)
        out[f"seed_{size}_s"] = round(time.perf_counter() - started, 1)
        requests.update({f"{size}:{case}": call for case, call in _requests(app, instance, user).items()})
    rates = compare(requests, seconds * len(requests))
    out["rates"] = rates
    cases = sorted({name.split(":", 1)[1] for name in rates})
    out["ratios"] = {case: rates[f"large:{case}"] / rates[f"small:{case}"] for case in cases}
    return out


def _row(*cells: str) -> str:
    return "| " + " | ".join(cells) + " |"


COSTS = ("authentication", "authorization", "enforcement")


def report(results: dict[str, Any]) -> str:
    """The section's two tables (markdown)."""
    lines: list[str] = []
    found = results.get("enforcement")
    if found:
        rates = found["rates"]
        head = ("unverified root", "verified root", "IAM user", *(f"{c} cost" for c in COSTS), "µs added")
        lines += [_row("in process, requests/CPU s", *head), _row(*["---"] * (1 + len(head)))]
        for case in ("iam_get_user", "describe_one"):
            costs = found[case]
            figures = (rates[case], rates[f"{case}+verified_root"], rates[f"{case}+enforced"])
            lines.append(
                _row(
                    case,
                    *(f"{rate:,.0f}" for rate in figures),
                    *(f"{costs[cost]:.1%}" for cost in COSTS),
                    f"{costs['enforced_extra_us']:.1f}",
                )
            )
        lines.append("")
    flat_results = results.get("flat")
    if flat_results:
        instances, users = flat_results["instances"], flat_results["users"]
        sizes = [f"{instances[i]:,} instances, {users[i]:,} users" for i in (0, 1)]
        lines += [_row("flat cost, in process (requests/CPU s)", *sizes, "large ÷ small"), _row(*["---"] * 4)]
        rates = flat_results["rates"]
        for case, ratio in flat_results["ratios"].items():
            small, large = rates[f"small:{case}"], rates[f"large:{case}"]
            lines.append(_row(case, f"{small:,.0f}", f"{large:,.0f}", f"{ratio:.2f}"))
    return "\n".join(lines)
