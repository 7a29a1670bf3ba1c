"""`make bench`'s in-process section (bench/suite/flat.py) in a tiny configuration, so it doesn't rot.
Nothing here is timed: the figures are only checked to exist."""

from __future__ import annotations

from bench.suite import flat


def test_enforcement_and_flat_cost_report() -> None:
    results = {
        "enforcement": flat.enforcement(0.02),
        "flat": flat.flat(0.02, (10, 20), (2, 3)),
    }
    assert set(results["enforcement"]["iam_get_user"]) >= {"authentication", "authorization"}
    assert set(results["flat"]["ratios"]) == {
        "describe_one",
        "describe_one+enforced",
        "iam_get_user",
        "iam_get_user+enforced",
    }
    text = flat.report(results)
    assert "| iam_get_user |" in text and "| describe_one+enforced |" in text
    assert "20 instances, 3 users" in text
