"""`check` on every bundled template's defaults (and k8s_pool cloning with git) finds nothing to
fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from prefect_scaffold.catalog.registry import template_names
from prefect_scaffold.check import check
from tests.helpers.projects import render_template

RENDERS = [(name, {}) for name in template_names()] + [
    # git_clone pulls: the Dockerfile installs git; k8s/base-job-template.json is validated too.
    ("k8s_pool", {"code_storage": "git"}), ("ecs_pool", {"code_storage": "git"}),
    ("push_pool", {"code_storage": "git"}),
]


@pytest.mark.parametrize(("name", "data"), RENDERS,
                         ids=[f"{n}-{'-'.join(f'{k}={v}' for k, v in d.items()) or 'defaults'}"
                              for n, d in RENDERS])
@pytest.mark.slow
def test_check_on_template_defaults_is_clean(name: str, data: dict, tmp_path: Path) -> None:
    render_template(name, tmp_path / name, **data)
    report = check(tmp_path / name)
    # Defaults hold example values on purpose; test_placeholders.py covers those warnings.
    problems = [f.as_text() for f in report.findings
                if f.severity != "info" and f.rule != "placeholder"]
    assert not problems
    assert report.checked
    if name == "k8s_pool":
        assert str(tmp_path / name / "k8s" / "base-job-template.json") in report.checked
        assert not [f for f in report.findings if f.rule == "k8s-manifest"]  # validated, clean
    if data.get("code_storage") == "git":
        assert str(tmp_path / name / "Dockerfile") in report.checked
