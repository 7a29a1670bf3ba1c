"""The one ratio table `make bench` prints."""

from __future__ import annotations

from typing import Any

from bench.suite.wrk import Result

CASES = (
    "describe_one",
    "describe_one+enforced",
    "describe_filter",
    "describe_filter+enforced",
    "iam_get_user",
    "iam_get_user+enforced",
    "describe_all",
)


def _rps(result: Any) -> float | None:
    return result.rps if isinstance(result, Result) and result.rps else None


def _fmt(value: float | None, spec: str = ",.0f", suffix: str = "") -> str:
    return "—" if value is None else f"{value:{spec}}{suffix}"


def _cell(result: Any, spec: str) -> str:
    """requests/s of a run (0 when wrk got no answer in time), or why there is none."""
    if isinstance(result, Result):
        return f"{result.rps:{spec}}"
    return "—" if result is None else str(result)


def _ratio(a: float | None, b: float | None, spec: str = ".2f", suffix: str = "") -> str:
    return "—" if a is None or not b else f"{a / b:{spec}}{suffix}"


def _row(*cells: str) -> str:
    return "| " + " | ".join(cells) + " |"


def table(results: dict[str, Any]) -> str:
    ec2sim = results["ec2sim"]
    cases = ec2sim.get("cases", {})
    ceiling = _rps(results.get("ceiling"))
    moto = results.get("moto", {}).get("cases", {})
    lines = [
        _row("case (requests/s, 8 connections)", "ec2sim", "of ceiling", "p99 ms", "moto", "ec2sim / moto"),
        _row(*["---"] * 6),
        _row(
            "ceiling (fixed DescribeInstances body)",
            _fmt(ceiling),
            "100%",
            _fmt(_p99(results.get("ceiling")), ".1f"),
            "",
            "",
        ),
    ]
    for name in CASES:
        rps = _rps(cases.get(name))
        lines.append(
            _row(
                name,
                _fmt(rps, ",.1f" if name == "describe_all" else ",.0f")
                if name in cases
                else str(cases.get(name, "—")),
                _ratio(rps, ceiling, ".0%"),
                _fmt(_p99(cases.get(name)), ".1f"),
                _cell(moto.get(name), ",.1f") if name in moto else "",
                _ratio(rps, _rps(moto.get(name)), ".1f", "×") if name in moto else "",
            )
        )
    get_user, enforced = _rps(cases.get("iam_get_user")), _rps(cases.get("iam_get_user+enforced"))
    health, load = ec2sim.get("health"), ec2sim.get("health_load")
    extra = [
        (
            "enforcement cost on GetUser (1 − enforced/unenforced)",
            "—" if not (get_user and enforced) else f"{1 - enforced / get_user:.1%}",
        ),
        (
            "health p99 under describe_one+enforced load",
            f"{_fmt(_p99(health), '.1f')} ms (load {_fmt(_rps(load))} req/s)",
        ),
        ("IMDSv2 credential fetch, one keep-alive connection", f"{_fmt(_rps(ec2sim.get('imds')))} req/s"),
        (
            "startup to first signed request (median)",
            _both(ec2sim, results.get("moto"), "startup_s", ".3f", " s"),
        ),
        ("resident memory idle", f"{_fmt(ec2sim.get('rss_idle_mb'), '.0f')} MB"),
        (
            f"resident memory, {results['instances']:,} instances",
            _both(ec2sim, results.get("moto"), "rss_seeded_mb", ".0f", " MB"),
        ),
        (
            f"seed {results['instances']:,} instances",
            _both(ec2sim, results.get("moto"), "seed_s", ".2f", " s"),
        ),
        ("clean shutdown (SIGTERM)", str(ec2sim.get("clean_shutdown"))),
    ]
    lines += ["", _row("figure", "value"), _row("---", "---")] + [_row(k, v) for k, v in extra]
    stacks = results.get("stacks") or {}
    if stacks:
        lines += [
            "",
            _row(
                "serving stack (1 process, 8 threads)",
                "ceiling",
                "describe_one",
                "of ceiling",
                "iam_get_user",
                "of ceiling",
                "p99 ms (one / user)",
                "RSS MB",
                "clean stop",
            ),
            _row(*["---"] * 9),
        ]
        for name, stack in stacks.items():
            top = _rps(stack.get("ceiling"))
            one, user = stack.get("cases", {}).get("describe_one"), stack.get("cases", {}).get("iam_get_user")
            lines.append(
                _row(
                    name,
                    _fmt(top),
                    _fmt(_rps(one)),
                    _ratio(_rps(one), top, ".0%"),
                    _fmt(_rps(user)),
                    _ratio(_rps(user), top, ".0%"),
                    f"{_fmt(_p99(one), '.1f')} / {_fmt(_p99(user), '.1f')}",
                    _fmt(stack.get("rss_seeded_mb"), ".0f"),
                    str(stack.get("clean_shutdown")),
                )
            )
    return "\n".join(lines)


def _p99(result: Any) -> float | None:
    return result.p99_ms if isinstance(result, Result) else None


def _both(ec2sim: dict[str, Any], moto: dict[str, Any] | None, key: str, spec: str, unit: str) -> str:
    text = _fmt(ec2sim.get(key), spec, unit)
    if moto and moto.get(key) is not None:
        text += (
            f" (moto {_fmt(moto[key], spec, unit)}, ratio {moto[key] / ec2sim[key]:.1f}×)"
            if ec2sim.get(key)
            else ""
        )
    return text
