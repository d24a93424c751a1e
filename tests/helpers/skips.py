"""When a test may skip: anywhere for a platform fact; for a missing tool, never in CI.

.ci/run installs every real tool and data file the tests use (or this kind of machine has it), so in
CI (CI set) a missing one is a broken install step, not a reason to pass without running: there
`unavailable` fails the test. What may still skip in CI are facts of the platform, each listed in
PLATFORM_FACTS with its reason. Its pytest_sessionfinish (a hook of tests/conftest.py) prints the
skip count by reason, and in CI a skip with any other reason fails the session, so a new silent
skip cannot land. An xfail is a skip that ran: whatever the test raised, it passes. So in CI an
xfail must be one of KNOWN_FAILURES too, or `pytest.xfail("no helm")` would be the way round the
gate.
"""

from __future__ import annotations

import os
from collections import Counter
from typing import NoReturn

import pytest

# CI=false or CI=0 (some runners export it) means not CI.
IN_CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}

AS_ROOT = "root can write anywhere"
NOT_ROOT = "giving a file to another user needs root"
NO_DEV_ZERO = "needs /dev/zero"
NO_HYBRID_TWIN = "modal:push has no hybrid worker type"
HELM_LINUX_X86_64 = "the only helm binary on PyPI is for linux x86-64"
SHARED_ECR_REPOSITORY = "shared ECR repository"

#: The reasons a test may skip in CI, with why that is a fact of the platform and not a gap.
PLATFORM_FACTS = {
    AS_ROOT: "CI runs as root; the non-root refusal is tested on developers' machines",
    NOT_ROOT: "a developer's machine without root; CI (root) runs it",
    NO_DEV_ZERO: "a platform without /dev/zero; Linux CI runs it",
    NO_HYBRID_TWIN: "Modal's push pool has no hybrid worker type to check its variables against",
    HELM_LINUX_X86_64: "a CI machine of another architecture; x86-64 CI runs it",
}


#: The reasons a test may xfail in CI: a known defect someone owns, kept in view by a strict mark.
KNOWN_FAILURES = {
    SHARED_ECR_REPOSITORY: "push_pool's default ECR repository is the one --provision-infra "
                           "creates, shared by every project; its owner decides",
}


def unavailable(what: str) -> NoReturn:
    """Skip for the missing tool or file `what`, or in CI fail: .ci/run should have provided it."""
    if IN_CI:
        pytest.fail(f"{what}, and in CI every real-tool test must run (.ci/run installs the "
                    "tools; ../shared is beside the clone)", pytrace=False)
    pytest.skip(what)


def _reasons(config: pytest.Config, outcome: str) -> Counter[str]:
    """Why each test (or collection) ended `outcome` ("skipped" or "xfailed"), counted."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    reports = reporter.stats.get(outcome, []) if reporter else []
    if outcome == "xfailed":
        return Counter(r.wasxfail for r in reports)
    return Counter(
        (r.longrepr[2] if isinstance(r.longrepr, tuple) else str(r.longrepr))
        .removeprefix("Skipped: ") for r in reports)


def _not_allowed(config: pytest.Config) -> list[str]:
    """In CI, the skips that are not platform facts and the xfails that are not known failures."""
    if not IN_CI:
        return []
    return (sorted(set(_reasons(config, "skipped")) - set(PLATFORM_FACTS))
            + sorted(set(_reasons(config, "xfailed")) - set(KNOWN_FAILURES)))


def pytest_sessionfinish(session: pytest.Session) -> None:
    if _not_allowed(session.config):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter,
                            config: pytest.Config) -> None:
    for outcome in ("skipped", "xfailed"):
        reasons = _reasons(config, outcome)
        terminalreporter.write_sep("-", f"{sum(reasons.values())} {outcome}")
        for reason, count in sorted(reasons.items()):
            terminalreporter.write_line(f"{count:4} {reason}")
    if unexpected := _not_allowed(config):
        terminalreporter.write_line("CI may skip only for platform facts and xfail only for known "
                                    f"failures (tests/helpers/skips.py); these are not: "
                                    f"{unexpected}", red=True)
