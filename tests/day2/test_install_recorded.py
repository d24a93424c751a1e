"""After `update`, `switch` and `adopt`, the answers file names the prefect-scaffold that ran:
its template version, and in `scaffold_install` how CI installs it, never the release before
(whose template no longer matches the recorded version on another machine).

prefect-scaffold runs here as an index install leaves it: a dist-info without direct_url.json
(PEP 610), which `install_spec` reads as `prefect-scaffold==<version>`.
"""

from __future__ import annotations

import shutil
from importlib import metadata

import pytest
import yaml

from prefect_scaffold._version import __version__
from prefect_scaffold.answers import computed
from prefect_scaffold.catalog import cache, registry
from tests.day2.test_adopt import checkout_of
from tests.day2.test_update import commit_all, git
from tests.helpers.projects import render_template

RELEASE = f"prefect-scaffold=={__version__}"
OLD = "git+https://example.org/acme/prefect-scaffold@0123abc"


@pytest.fixture(autouse=True)
def installed_from_an_index(tmp_path, monkeypatch):
    info = tmp_path / "site-packages" / f"prefect_scaffold-{__version__}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: prefect-scaffold\n"
                                   f"Version: {__version__}\n")
    real = metadata.distribution
    monkeypatch.setattr(computed.metadata, "distribution", lambda name: (
        metadata.PathDistribution(info) if name == computed.DISTRIBUTION else real(name)))
    monkeypatch.setenv("PREFECT_SCAFFOLD_CACHE", str(tmp_path / "cache"))


def answers(project):
    return yaml.safe_load((project / ".copier-answers.yml").read_text())


@pytest.mark.slow
def test_adopt_records_the_tool_that_adopted(cli, tmp_path):
    repository = checkout_of("serve_repo", tmp_path)
    result = cli("adopt", repository, "--template", "serve_vm", "--defaults", "--apply")
    assert result.exit_code == 0, result.output
    assert answers(repository)["scaffold_install"] == RELEASE
    assert answers(repository)["_commit"] == cache.content_tag(registry.get_template("serve_vm"))


@pytest.mark.slow
def test_update_then_switch_from_an_emptied_cache(cli, tmp_path, monkeypatch):
    project = tmp_path / "project"
    render_template("serve_vm", project, scaffold_install=OLD)
    git(project, "init", "-q", "-b", "main")
    commit_all(project, "rendered")
    # The next release: its template differs from the one that rendered the project.
    copy = tmp_path / "next"
    shutil.copytree(registry.templates_root(), copy)
    (copy / "serve_vm" / "project" / "NEW.md.jinja").write_text("new\n")
    monkeypatch.setattr(registry, "templates_root", lambda: copy)
    new_tag = cache.content_tag(registry.get_template("serve_vm"))

    assert cli("update", project).exit_code == 0
    assert answers(project)["scaffold_install"] == RELEASE
    assert answers(project)["_commit"] == new_tag
    assert cache.cached("serve_vm", new_tag) is not None  # stored: switch needs it next
    commit_all(project, "updated")

    monkeypatch.setenv("PREFECT_SCAFFOLD_CACHE", str(tmp_path / "emptied"))
    monkeypatch.setenv("UV_OFFLINE", "1")  # the installed tool bundles it: nothing to fetch
    result = cli("switch", project, "--to", "k8s_pool", "--defaults")
    assert result.exit_code == 0, result.output
    assert answers(project)["scaffold_install"] == RELEASE
    assert answers(project)["_commit"] == cache.content_tag(registry.get_template("k8s_pool"))
