"""checkov over every template's renders (defaults and main options): no unsuppressed failure, and
every inline suppression says why. checkov runs isolated (`uvx --from checkov==PIN`): its
dependency tree does not belong in our lock."""

from __future__ import annotations

import json
import subprocess
from collections import defaultdict
from pathlib import Path

import pytest

from prefect_scaffold.catalog.registry import template_names
from tests.helpers.projects import project_env, render_template
from tests.templates.test_rendered_readmes import VARIANTS

pytestmark = pytest.mark.e2e
CHECKOV = "checkov==3.3.30"


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> dict[str, dict[str, list[dict]]]:
    """checkov's results per template: {"passed": [...], "failed": [...], "skipped": [...]}."""
    root = tmp_path_factory.mktemp("checkov")
    for name in template_names():
        for number, data in enumerate(VARIANTS.get(name, [{}])):
            render_template(name, root / name / str(number), **data)
    run = subprocess.run(["uvx", "--python", "3.11", "--from", CHECKOV, "checkov", "-d", str(root),
                          "--compact", "--output", "json", "--skip-download"],
                         env=project_env(), capture_output=True, text=True, timeout=900,
                         check=False)
    assert run.returncode in (0, 1), run.stderr  # 1: failed checks, reported below
    reports = json.loads(run.stdout)
    per_template: dict[str, dict[str, list[dict]]] = defaultdict(lambda: defaultdict(list))
    for report in reports if isinstance(reports, list) else [reports]:
        for outcome in ("passed", "failed", "skipped"):
            for check in report["results"].get(f"{outcome}_checks", []):
                template = Path(check["file_path"]).parts[1]
                per_template[template][outcome].append(check)
    return per_template


def _ids(checks: list[dict]) -> list[str]:
    return sorted(f"{c['check_id']} {c['file_path']} {c['resource']}" for c in checks)


@pytest.mark.parametrize("template", template_names())
def test_no_unsuppressed_checkov_failure(results, template):
    assert results[template]["passed"], "checkov checked nothing"
    assert _ids(results[template]["failed"]) == []


def test_every_suppression_gives_a_reason(results):
    silent = [c for checks in results.values() for c in checks["skipped"]
              if len(str(c["check_result"].get("suppress_comment") or "").strip()) < 10]
    assert _ids(silent) == []
