"""The built wheel carries the templates: an installed prefect-scaffold needs no checkout."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

from prefect_scaffold.catalog.registry import template_names
from tests.helpers.projects import project_env

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]


def test_installed_wheel_lists_and_renders_every_template(tmp_path):
    env = project_env()
    subprocess.run(["uv", "build", "--wheel", "--out-dir", tmp_path / "dist", ROOT], check=True,
                   capture_output=True, env=env)
    wheel = next((tmp_path / "dist").glob("prefect_scaffold-*.whl"))
    subprocess.run(["uv", "venv", "--quiet", tmp_path / "venv"], check=True, env=env)
    python = tmp_path / "venv" / "bin" / "python"
    subprocess.run(["uv", "pip", "install", "--quiet", "--python", python, wheel,
                    "fastapi<0.151"], check=True, env=env, capture_output=True)
    cli = tmp_path / "venv" / "bin" / "prefect-scaffold"

    listed = subprocess.run([cli, "list", "--json"], cwd=tmp_path, capture_output=True, text=True,
                            check=True, env=env)
    names = [t["name"] for t in json.loads(listed.stdout)]
    assert names == template_names()  # every bundled template ships in the wheel

    for name in names:
        subprocess.run([cli, "new", tmp_path / name, "--template", name, "--defaults"],
                       cwd=tmp_path, check=True, capture_output=True, env=env)
        answers = yaml.safe_load((tmp_path / name / ".copier-answers.yml").read_text())
        # Recorded by name, not by a path on this machine: `update` works anywhere.
        assert answers["_src_path"] == f"prefect-scaffold:{name}"
        assert (tmp_path / name / "README.md").is_file()


def test_release_artifacts_carry_the_templates_and_valid_metadata(tmp_path):
    """What .github/workflows/release.yml publishes: `uv build` (the wheel built from the sdist),
    checked by the same script the workflow runs."""
    subprocess.run(["uv", "build", "--out-dir", tmp_path / "dist", ROOT], check=True,
                   capture_output=True, env=project_env())
    check = subprocess.run([sys.executable, ROOT / "scripts" / "check_dist.py", tmp_path / "dist"],
                           capture_output=True, text=True, check=False)
    assert check.returncode == 0, check.stderr

    # A wheel without its templates is caught.
    wheel = next((tmp_path / "dist").glob("*.whl"))
    stripped = tmp_path / "stripped"
    stripped.mkdir()
    shutil.copy(next((tmp_path / "dist").glob("*.tar.gz")), stripped)
    with zipfile.ZipFile(wheel) as source, zipfile.ZipFile(stripped / wheel.name, "w") as target:
        for item in source.infolist():
            if "templates/k8s_pool/" not in item.filename:
                target.writestr(item, source.read(item))
    check = subprocess.run([sys.executable, ROOT / "scripts" / "check_dist.py", stripped],
                           capture_output=True, text=True, check=False)
    assert check.returncode == 1 and "lacks templates/k8s_pool/copier.yml" in check.stderr


def test_the_release_workflow_builds_checks_and_publishes_a_tag_by_trust():
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "release.yml").read_text())
    assert workflow[True] == {"push": {"tags": ["v*"]}}  # YAML 1.1 reads `on:` as True
    build = [step.get("run", "") for step in workflow["jobs"]["build"]["steps"]]
    assert "uv build" in build
    assert any("scripts/check_dist.py dist" in run for run in build)
    assert any("_version.py" in run and "GITHUB_REF_NAME" in run for run in build)
    publish = workflow["jobs"]["publish"]
    assert publish["permissions"] == {"id-token": "write"}
    assert publish["needs"] == "build"
    assert any("uv publish --trusted-publishing always" in step.get("run", "")
               for step in publish["steps"])
    assert "secrets." not in (ROOT / ".github" / "workflows" / "release.yml").read_text()
