"""The built wheel carries the templates: an installed prefect-scaffold needs no checkout."""

from __future__ import annotations

import json
import subprocess
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
