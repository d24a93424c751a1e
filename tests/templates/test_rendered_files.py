"""What every bundled template's default render must satisfy, whichever template it is."""

import json
import re
import tomllib

import pytest
import yaml

from prefect_scaffold.catalog.registry import template_names
from tests.helpers.projects import render_template

pytestmark = pytest.mark.slow  # every test reads a render of every template

SECRET_PATTERNS = [
    re.compile(r"pnu_[A-Za-z0-9]{20,}"),  # Prefect API key
    re.compile(r"AKIA[0-9A-Z]{16}"),  # AWS access key id
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
]


@pytest.fixture(scope="module", params=template_names())
def rendered(request, tmp_path_factory):
    destination = tmp_path_factory.mktemp(request.param) / "project"
    render_template(request.param, destination)
    return destination


def test_structured_files_parse_and_python_compiles(rendered):
    for path in rendered.rglob("*"):
        if not path.is_file():
            continue
        text = path.read_text()
        if path.suffix in (".yml", ".yaml"):
            list(yaml.safe_load_all(text))
        elif path.suffix == ".json":
            json.loads(text)
        elif path.suffix == ".toml":
            tomllib.loads(text)
        elif path.suffix == ".py":
            compile(text, str(path), "exec")


def test_no_template_syntax_or_markers_leak(rendered):
    for path in rendered.rglob("*"):
        if path.is_file():
            text = path.read_text()
            assert "generated from templates/_shared" not in text, path
            assert "{%" not in text, path


def test_no_secret_is_written(rendered):
    for path in rendered.rglob("*"):
        if path.is_file():
            for pattern in SECRET_PATTERNS:
                assert not pattern.search(path.read_text()), (path, pattern.pattern)


def test_fastapi_is_constrained_with_the_reason(rendered):
    pyproject = (rendered / "pyproject.toml").read_text()
    assert tomllib.loads(pyproject)["tool"]["uv"]["constraint-dependencies"] == ["fastapi<0.151"]
    assert "min_items" in pyproject
