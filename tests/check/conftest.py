from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from prefect_scaffold.check import Finding, Report, check

FLOW = '''
from prefect import flow


@flow(log_prints=True)
def etl(source: str = "demo", limit: int = 10) -> int:
    return limit
'''

PREFECT_YAML = """\
name: demo
build:
  - prefect.deployments.steps.run_shell_script:
      id: get-commit
      script: git rev-parse --short HEAD
pull:
  - prefect.deployments.steps.set_working_directory:
      directory: /opt/prefect/demo
deployments:
  - name: etl
    entrypoint: flows/etl.py:etl
    parameters:
      source: demo
    schedules:
      - cron: "0 6 * * *"
        timezone: UTC
    work_pool:
      name: k8s
      job_variables:
        image: "ghcr.io/acme/demo:{{ get-commit.stdout }}"
        namespace: prefect
"""

Project = Callable[..., Path]


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """Write a small hand-written project: prefect.yaml (default above) and a flow module."""

    def make(prefect_yaml: str | None = PREFECT_YAML, **files: str) -> Path:
        root = tmp_path / "project"
        (root / "flows").mkdir(parents=True, exist_ok=True)
        (root / "flows" / "etl.py").write_text(FLOW)
        if prefect_yaml is not None:
            (root / "prefect.yaml").write_text(textwrap.dedent(prefect_yaml))
        for name, text in files.items():
            path = root / name.replace("__", "/")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text))
        return root

    return make


def only(report: Report, rule: str) -> Finding:
    """The single finding of `rule` (the other findings must not be errors or warnings, bar the
    placeholder warnings rendered defaults carry on purpose: tests/check/test_placeholders.py)."""
    matching = [f for f in report.findings if f.rule == rule]
    assert len(matching) == 1, [f.as_text() for f in report.findings]
    others = [f for f in report.findings
              if f.rule not in (rule, "placeholder") and f.severity != "info"]
    assert not others, [f.as_text() for f in others]
    return matching[0]


def yaml_line(root: Path, text: str, file: str = "prefect.yaml") -> int:
    """1-based line of the first line of `file` containing `text`."""
    lines = (root / file).read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if text in line)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The realworld corpus's detection figures (tests/check/test_realworld.py), from the reports'
    recorded properties, so they add up under pytest-xdist too."""
    false_findings, detection = [], []
    for outcome in ("passed", "failed"):
        for report in terminalreporter.stats.get(outcome, []):
            if getattr(report, "when", "call") != "call":
                continue
            properties = dict(getattr(report, "user_properties", ()))
            if "false_findings" in properties:
                false_findings.append(properties["false_findings"])
            if "seeded_caught" in properties:
                detection.append(properties["seeded_caught"])
    if false_findings or detection:
        terminalreporter.write_line(
            f"check realworld corpus: {len(false_findings)} files, {sum(false_findings)} "
            f"unexpected findings; seeded mistakes caught {sum(c for c, _ in detection)}/"
            f"{sum(t for _, t in detection)} in {len(detection)} files")


__all__ = ["FLOW", "PREFECT_YAML", "Project", "check", "only", "yaml_line"]
