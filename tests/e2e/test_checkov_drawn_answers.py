"""checkov over one drawn set of answers per template (test_checkov.py covers the defaults and the
main options): names, registries, regions and options as the lint property test draws them. One
checkov run for all templates: it takes tens of seconds to start."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from prefect_scaffold.catalog.registry import template_names
from prefect_scaffold.errors import InvalidAnswer
from tests.e2e.test_checkov import CHECKOV
from tests.helpers.projects import project_env
from tests.templates.test_lint_every_answer import _render_valid, answers

pytestmark = pytest.mark.e2e


@settings(max_examples=1, deadline=None, phases=[Phase.generate],
          suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_drawn_answers_render_projects_checkov_passes(data):
    root = Path(tempfile.mkdtemp())
    try:
        for name in template_names():
            try:
                _render_valid(name, root / name, data.draw(answers(name), label=name))
            except InvalidAnswer:  # a combination the template refuses: its defaults instead
                shutil.rmtree(root / name, ignore_errors=True)
                _render_valid(name, root / name, {})
        run = subprocess.run(["uvx", "--python", "3.11", "--from", CHECKOV, "checkov", "-d",
                              str(root), "--compact", "--output", "json", "--skip-download"],
                             env=project_env(), capture_output=True, text=True, timeout=900,
                             check=False)
        assert run.returncode in (0, 1), run.stderr
        reports = json.loads(run.stdout)
        failed = sorted(f"{c['check_id']} {c['file_path']} {c['resource']}"
                        for report in (reports if isinstance(reports, list) else [reports])
                        for c in report["results"].get("failed_checks", []))
        assert failed == []
    finally:
        shutil.rmtree(root)
