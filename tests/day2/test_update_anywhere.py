"""`update` on a machine other than the one that rendered the project: a fresh HOME, an empty cache.

The old template version comes from the prefect-scaffold release that rendered it, installed
with uv from a folder of wheels standing in for the package index (this checkout, built).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from prefect_scaffold.catalog import registry
from prefect_scaffold.catalog.cache import content_tag
from tests.day2.test_update import commit_all, git
from tests.helpers.cli import assert_refused
from tests.helpers.projects import project_env

ROOT = Path(__file__).resolve().parents[2]


class Machine:
    """One machine's HOME (and so its cache); `use()` makes it the one the CLI runs on."""

    def __init__(self, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.home, self.monkeypatch = root, monkeypatch
        root.mkdir()

    def use(self) -> None:
        self.monkeypatch.setenv("HOME", str(self.home))
        self.monkeypatch.delenv("PREFECT_SCAFFOLD_CACHE", raising=False)
        self.monkeypatch.delenv("XDG_CACHE_HOME", raising=False)

    @property
    def cache(self) -> Path:
        return self.home / ".cache" / "prefect-scaffold"


@pytest.fixture(scope="module")
def wheels(tmp_path_factory) -> Path:
    """The release that renders the projects here, as a package index would serve it."""
    folder = tmp_path_factory.mktemp("wheels")
    subprocess.run(["uv", "build", "--wheel", "--out-dir", folder, ROOT], check=True,
                   capture_output=True, env=project_env())
    return folder


@pytest.fixture
def rendered_on_a(cli, tmp_path, monkeypatch) -> tuple[Path, Machine]:
    """serve_vm rendered on machine A, committed, with a user's edit committed on top."""
    machine_a = Machine(tmp_path / "home-a", monkeypatch)
    machine_a.use()
    project = tmp_path / "project"
    result = cli("new", project, "--template", "serve_vm", "--defaults")
    assert result.exit_code == 0, result.output
    assert "git: initial commit" in result.stderr  # `new` made the repository
    flow = project / "flows" / "hello_etl.py"
    flow.write_text(flow.read_text().replace('source: str = "demo"', 'source: str = "warehouse"'))
    commit_all(project, "my edit")
    return project, machine_a


def next_release(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Install a newer prefect-scaffold: the same templates with one change to serve_vm."""
    copy = tmp_path / "next-release"
    shutil.copytree(registry.templates_root(), copy)
    gitignore = copy / "serve_vm" / "project" / ".gitignore.jinja"
    gitignore.write_text(gitignore.read_text() + "*.parquet\n")
    monkeypatch.setattr(registry, "templates_root", lambda: copy)
    return copy


def offline_index(monkeypatch: pytest.MonkeyPatch, wheels: Path | None) -> None:
    monkeypatch.setenv("UV_NO_INDEX", "1")
    monkeypatch.setenv("UV_PYTHON_DOWNLOADS", "never")
    if wheels is None:
        monkeypatch.delenv("UV_FIND_LINKS", raising=False)
    else:
        monkeypatch.setenv("UV_FIND_LINKS", str(wheels))


@pytest.mark.slow
def test_no_rendered_file_names_the_rendering_machine(rendered_on_a, tmp_path):
    project, machine_a = rendered_on_a
    for path in project.rglob("*"):
        if path.is_file() and ".git" not in path.parts:
            text = path.read_text(errors="replace")
            assert str(tmp_path) not in text and str(machine_a.home) not in text, path
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert answers["_src_path"] == "prefect-scaffold:serve_vm"


@pytest.mark.e2e
def test_update_on_another_machine_with_an_empty_cache_keeps_edits(
        cli, rendered_on_a, tmp_path, monkeypatch, wheels):
    project, _ = rendered_on_a
    machine_b = Machine(tmp_path / "home-b", monkeypatch)
    machine_b.use()
    offline_index(monkeypatch, wheels)
    next_release(tmp_path, monkeypatch)

    assert cli("update", project, "--check").exit_code == 1
    result = cli("update", project)
    assert result.exit_code == 0, result.output
    assert 'source: str = "warehouse"' in (project / "flows" / "hello_etl.py").read_text()
    assert "*.parquet" in (project / ".gitignore").read_text()
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert answers["_src_path"] == "prefect-scaffold:serve_vm"
    assert answers["_commit"] == content_tag(registry.get_template("serve_vm"))
    assert (machine_b.cache / "releases").is_dir()  # the old release, installed aside
    assert cli("update", project, "--check").exit_code == 0


@pytest.mark.slow
def test_an_uninstallable_release_names_the_spec_and_the_way_out(
        cli, rendered_on_a, tmp_path, monkeypatch):
    project, _ = rendered_on_a
    old_templates = registry.templates_root()
    Machine(tmp_path / "home-b", monkeypatch).use()
    offline_index(monkeypatch, None)
    next_release(tmp_path, monkeypatch)

    result = cli("update", project)
    assert_refused(result, "'prefect-scaffold==", "could not be installed", "--template-source")
    assert not (project / ".git" / "index.lock").exists()
    git(project, "diff", "--exit-code")  # nothing changed

    result = cli("update", project, "--template-source", old_templates)
    assert result.exit_code == 0, result.output
    assert 'source: str = "warehouse"' in (project / "flows" / "hello_etl.py").read_text()
    assert "*.parquet" in (project / ".gitignore").read_text()


@pytest.mark.slow
def test_a_project_rendered_before_logical_sources_is_migrated(
        cli, rendered_on_a, tmp_path, monkeypatch):
    """Older releases recorded a git repository in the cache, which a killed `new` could leave
    with an index.lock; its tags are still read, and the answers file is rewritten."""
    project, machine_a = rendered_on_a
    answers_path = project / ".copier-answers.yml"
    answers = yaml.safe_load(answers_path.read_text())
    legacy = machine_a.cache / "prefect-scaffold-templates" / "serve_vm"
    shutil.copytree(registry.get_template("serve_vm").path, legacy)
    git(legacy, "init", "-q")
    commit_all(legacy, "serve_vm")
    git(legacy, "tag", answers["_commit"])
    (legacy / ".git" / "index.lock").write_text("")
    shutil.rmtree(machine_a.cache / "template-versions")
    answers["_src_path"] = str(legacy)
    answers_path.write_text(yaml.safe_dump(answers, sort_keys=False))
    commit_all(project, "as an older release rendered it")
    next_release(tmp_path, monkeypatch)

    result = cli("update", project)
    assert result.exit_code == 0, result.output
    assert "now names its template logically" in result.stderr
    assert 'source: str = "warehouse"' in (project / "flows" / "hello_etl.py").read_text()
    assert "*.parquet" in (project / ".gitignore").read_text()
    assert yaml.safe_load(answers_path.read_text())["_src_path"] == "prefect-scaffold:serve_vm"
    assert not (machine_a.cache / "releases").exists()  # read from the old repository


@pytest.mark.slow
def test_a_release_recorded_as_a_git_commit_is_cloned_not_built(
        cli, rendered_on_a, tmp_path, monkeypatch):
    """`scaffold_install: git+URL@COMMIT` (prefect-scaffold installed from git): the commit's
    templates are read from a clone; nothing of that repository is built or run."""
    project, _ = rendered_on_a
    source = tmp_path / "prefect-scaffold-source"
    shutil.copytree(registry.templates_root(), source / "templates")
    (source / "setup.py").write_text(f"open({str(tmp_path / 'built')!r}, 'w')\n")
    git(source, "init", "-q")
    commit_all(source, "release")
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=source, capture_output=True,
                            text=True, check=True).stdout.strip()
    answers_path = project / ".copier-answers.yml"
    answers = yaml.safe_load(answers_path.read_text())
    answers["scaffold_install"] = f"git+file://{source}@{commit}"
    answers_path.write_text(yaml.safe_dump(answers, sort_keys=False))
    commit_all(project, "record how prefect-scaffold was installed")
    Machine(tmp_path / "home-b", monkeypatch).use()
    offline_index(monkeypatch, None)
    next_release(tmp_path, monkeypatch)

    assert_refused(cli("update", project), "scaffold_install", "--trust")
    result = cli("update", project, "--trust")
    assert result.exit_code == 0, result.output
    assert f"from git+file://{source}@{commit} (--trust)" in result.stderr  # named first
    assert "*.parquet" in (project / ".gitignore").read_text()
    assert not (tmp_path / "built").exists()


@pytest.mark.parametrize("spec", ["git+file:///x@--upload-pack=touch", "prefect-scaffold>=0",
                                  "git+ext::sh@main", "./local/checkout"])
@pytest.mark.slow
def test_a_recorded_install_that_would_run_code_is_refused(cli, rendered_on_a, tmp_path,
                                                           monkeypatch, spec):
    project, _ = rendered_on_a
    answers_path = project / ".copier-answers.yml"
    answers = yaml.safe_load(answers_path.read_text())
    answers["scaffold_install"] = spec
    answers_path.write_text(yaml.safe_dump(answers, sort_keys=False))
    commit_all(project, "tampered")
    Machine(tmp_path / "home-b", monkeypatch).use()
    next_release(tmp_path, monkeypatch)
    # Not an install form it can fetch without running code: refused before any notice.
    assert_refused(cli("update", project, "--trust"), "cannot reconstruct template serve_vm",
                   spec)


@pytest.mark.slow
def test_a_commit_no_release_matches_is_one_line(cli, rendered_on_a, tmp_path, monkeypatch):
    project, _ = rendered_on_a
    answers_path = project / ".copier-answers.yml"
    answers = yaml.safe_load(answers_path.read_text())
    answers["_commit"] = "0.1.0+gdeadbeef0000"
    answers_path.write_text(yaml.safe_dump(answers, sort_keys=False))
    commit_all(project, "tampered")
    Machine(tmp_path / "home-b", monkeypatch).use()
    offline_index(monkeypatch, None)
    assert_refused(cli("update", project), "cannot reconstruct template serve_vm "
                   "0.1.0+gdeadbeef0000", "--template-source")
