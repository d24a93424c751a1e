import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from prefect_scaffold.catalog.registry import get_template, template_names, templates_root

ROOT = Path(__file__).resolve().parents[2]


def test_mirrored_shared_parts_are_current():
    result = subprocess.run([sys.executable, ROOT / "scripts" / "sync_shared_parts.py", "--check"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("name", template_names())
def test_every_template_asks_the_shared_questions(name):
    shared = yaml.safe_load((templates_root() / "_shared/base/questions/base.yml").read_text())
    asked = [q.name for q in get_template(name).questions]
    assert set(shared) <= set(asked)


@pytest.mark.parametrize("name", template_names())
@pytest.mark.slow
def test_plain_copier_renders_every_template_with_defaults(name, tmp_path):
    # Templates are ordinary copier templates: no prefect-scaffold needed to use them.
    result = subprocess.run([sys.executable, "-m", "copier", "copy", "--defaults", "--quiet",
                             str(templates_root() / name), str(tmp_path / "out")],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    readme = (tmp_path / "out" / "README.md").read_text()
    assert f"(`{name}`)" in readme and "generated from templates/_shared" not in readme
    assert (tmp_path / "out" / "flows").is_dir() and (tmp_path / "out" / "tests").is_dir()
