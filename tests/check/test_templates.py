"""`check` on every bundled template's defaults finds nothing to fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from prefect_scaffold.check import check
from prefect_scaffold.registry import template_names
from tests.helpers.projects import render_template


@pytest.mark.parametrize("name", template_names())
def test_check_on_template_defaults_is_clean(name: str, tmp_path: Path) -> None:
    render_template(name, tmp_path / name)
    report = check(tmp_path / name)
    problems = [f.as_text() for f in report.findings if f.severity != "info"]
    assert not problems
    assert report.checked
