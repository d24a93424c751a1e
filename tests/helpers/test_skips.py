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


def _run(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, *, ci: bool,
         module: str = MODULE):
    monkeypatch.setattr(skips, "IN_CI", ci)
    pytester.makeconftest(
        "from tests.helpers.skips import pytest_sessionfinish, pytest_terminal_summary")
    pytester.makepyfile(test_module=module)
    return pytester.runpytest_inprocess("-p", "no:cacheprovider")


def test_in_ci_a_missing_tool_fails_and_only_platform_facts_may_skip(pytester, monkeypatch):
    result = _run(pytester, monkeypatch, ci=True)
    result.assert_outcomes(passed=0, failed=1, skipped=2)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*2 skipped*", "   1 root can write anywhere",
                                 "   1 the network is slow today",
                                 "*these are not: *the network is slow today*",
                                 "*no helm: offline, and in CI every real-tool test must run*"])


def test_elsewhere_anything_missing_skips_with_its_reason(pytester, monkeypatch):
    result = _run(pytester, monkeypatch, ci=False)
    result.assert_outcomes(skipped=3)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["*3 skipped*", "   1 no helm: offline"])


def test_in_ci_an_ad_hoc_skip_alone_fails_the_run(pytester, monkeypatch):
    result = _run(pytester, monkeypatch, ci=True, module="""
import pytest

def test_passes():
    pass

def test_ad_hoc_skip():
    pytest.skip("the network is slow today")
""")
    result.assert_outcomes(passed=1, skipped=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED


# An xfail passes whatever the test raised: a skip by another name, unless it is a known failure.
XFAILS = """
import pytest
from tests.helpers.skips import SHARED_ECR_REPOSITORY

def test_dodges_a_missing_tool():
    pytest.xfail("no helm: offline")

@pytest.mark.xfail(reason="helm may be missing")
def test_marked_round_a_missing_tool():
    raise FileNotFoundError("helm")

@pytest.mark.xfail(strict=True, reason=SHARED_ECR_REPOSITORY)
def test_known_failure():
    assert False
"""


def test_in_ci_an_xfail_passes_only_for_a_known_failure(pytester, monkeypatch):
    result = _run(pytester, monkeypatch, ci=True, module=XFAILS)
    result.assert_outcomes(xfailed=3)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*3 xfailed*", "   1 helm may be missing",
                                 "*these are not: *'helm may be missing', 'no helm: offline'*"])


def test_elsewhere_an_xfail_passes(pytester, monkeypatch):
    result = _run(pytester, monkeypatch, ci=False, module=XFAILS)
    result.assert_outcomes(xfailed=3)
    assert result.ret == pytest.ExitCode.OK


def test_every_platform_fact_says_why_ci_may_skip_it():
    assert all(len(why) > 20 for why in skips.PLATFORM_FACTS.values())
    assert all(len(why) > 20 for why in skips.KNOWN_FAILURES.values())
