"""In CI a test skips only for a platform fact: a missing tool fails it, other skips fail a run."""

from __future__ import annotations

import pytest

from tests.helpers import skips

MODULE = """
import pytest
from tests.helpers.skips import AS_ROOT, unavailable

def test_platform_fact():
    pytest.skip(AS_ROOT)

def test_missing_tool():
    unavailable("no helm: offline")

def test_ad_hoc_skip():
    pytest.skip("the network is slow today")
"""


def _run(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, *, ci: bool):
    monkeypatch.setattr(skips, "IN_CI", ci)
    pytester.makeconftest(
        "from tests.helpers.skips import pytest_sessionfinish, pytest_terminal_summary")
    pytester.makepyfile(test_module=MODULE)
    return pytester.runpytest_inprocess("-p", "no:cacheprovider")


def test_in_ci_a_missing_tool_fails_and_only_platform_facts_may_skip(pytester, monkeypatch):
    result = _run(pytester, monkeypatch, ci=True)
    result.assert_outcomes(passed=0, failed=1, skipped=2)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*2 skipped*", "   1 root can write anywhere",
                                 "   1 the network is slow today",
                                 "*these skips are not: *the network is slow today*",
                                 "*no helm: offline, and in CI every real-tool test must run*"])


def test_elsewhere_anything_missing_skips_with_its_reason(pytester, monkeypatch):
    result = _run(pytester, monkeypatch, ci=False)
    result.assert_outcomes(skipped=3)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["*3 skipped*", "   1 no helm: offline"])


def test_every_platform_fact_says_why_ci_may_skip_it():
    assert all(len(why) > 20 for why in skips.PLATFORM_FACTS.values())
