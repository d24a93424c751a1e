"""`update`: copier's three-way update across template versions, for bundled and team templates."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from prefect_scaffold.catalog import registry
from prefect_scaffold.catalog.cache import content_tag
from tests.helpers.cli import assert_refused
from tests.helpers.projects import render_template


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=repo,
                   check=True, capture_output=True)


def commit_all(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


@pytest.fixture
def next_release(tmp_path, monkeypatch):
    """The bundled templates as the next prefect-scaffold release ships them (editable)."""
    copy = tmp_path / "next-release-templates"
    shutil.copytree(registry.templates_root(), copy)

    def install() -> Path:
        monkeypatch.setattr(registry, "templates_root", lambda: copy)
        return copy

    return copy, install


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.setenv("PREFECT_SCAFFOLD_CACHE", str(tmp_path / "cache"))
    destination = tmp_path / "project"
    render_template("serve_vm", destination)
    git(destination, "init", "-q")
    commit_all(destination, "rendered")
    return destination


@pytest.mark.slow
def test_update_keeps_the_users_edit_and_brings_the_template_change(cli, project, next_release):
    flow = project / "flows" / "hello_etl.py"
    flow.write_text(flow.read_text().replace('source: str = "demo"', 'source: str = "warehouse"'))
    commit_all(project, "my edit")
    templates, install = next_release
    gitignore = templates / "serve_vm" / "project" / ".gitignore.jinja"
    gitignore.write_text(gitignore.read_text() + "*.parquet\n")
    install()
    before = yaml.safe_load((project / ".copier-answers.yml").read_text())["_commit"]

    assert cli("update", project, "--check").exit_code == 1
    result = cli("update", project)
    assert result.exit_code == 0, result.output
    assert 'source: str = "warehouse"' in flow.read_text()
    assert "*.parquet" in (project / ".gitignore").read_text()
    after = yaml.safe_load((project / ".copier-answers.yml").read_text())["_commit"]
    assert after == content_tag(registry.get_template("serve_vm")) != before
    assert cli("update", project, "--check").exit_code == 0


@pytest.mark.slow
def test_conflicting_edit_yields_markers_and_exit_1(cli, project, next_release):
    serve = project / "serve.py"
    serve.write_text(serve.read_text().replace('tags=["my-flows"]', 'tags=["mine"]'))
    commit_all(project, "my edit")
    templates, install = next_release
    source = templates / "serve_vm" / "project" / "serve.py.jinja"
    source.write_text(source.read_text().replace("tags=[{{ project_name | tojson }}]",
                                                 'tags=[{{ project_name | tojson }}, "team"]'))
    install()

    result = cli("update", project)
    assert result.exit_code == 1
    assert "serve.py" in result.stdout.splitlines()
    assert "conflicts" in result.stderr
    assert "<<<<<<< " in serve.read_text()
    # `check` runs on the result: the markers make serve.py unparseable, and it says where.
    assert "check after update" in result.stderr
    assert any("serve.py:" in line and ": error:" in line for line in result.stdout.splitlines())


@pytest.mark.slow
def test_drift_check_works_on_a_machine_without_the_cache(cli, project, next_release,
                                                         monkeypatch, tmp_path):
    monkeypatch.setenv("PREFECT_SCAFFOLD_CACHE", str(tmp_path / "ci-runner-cache"))
    assert cli("update", project, "--check").exit_code == 0
    templates, install = next_release
    (templates / "serve_vm" / "project" / "NEW.md.jinja").write_text("new\n")
    install()
    result = cli("update", project, "--check")
    assert result.exit_code == 1 and result.stdout.startswith("outdated")


@pytest.mark.slow
def test_current_project_needs_no_update(cli, project):
    result = cli("update", project)
    assert result.exit_code == 0 and "already at the latest" in result.stderr


@pytest.mark.slow
def test_a_dirty_project_is_refused(cli, project, next_release):
    (project / "serve.py").write_text("# uncommitted\n")
    templates, install = next_release
    (templates / "serve_vm" / "project" / "NEW.md.jinja").write_text("new\n")
    install()
    assert_refused(cli("update", project), "update")


def test_a_project_without_answers_is_refused(cli, tmp_path):
    assert_refused(cli("update", tmp_path), "no .copier-answers.yml")


def _team_template(root: Path, *, greeting: str, tasks: bool = False) -> None:
    (root / "project").mkdir(parents=True, exist_ok=True)
    config = {"_subdirectory": "project", "_answers_file": ".copier-answers.yml",
              "project_name": {"type": "str", "default": "team-flows", "validator":
                               "{% if ' ' in project_name %}no spaces{% endif %}"}}
    if tasks:
        config["_tasks"] = ["touch task-ran"]
    (root / "copier.yml").write_text(yaml.safe_dump(config))
    (root / "project" / "{{_copier_conf.answers_file}}.jinja").write_text(
        "{{ _copier_answers | to_nice_yaml }}")
    (root / "project" / "README.md.jinja").write_text(f"# {{{{ project_name }}}}\n\n{greeting}\n")


@pytest.mark.slow
def test_team_source_renders_a_tag_and_updates_to_the_next(cli, tmp_path):
    source = tmp_path / "team-template"
    _team_template(source, greeting="Version one.")
    git(source, "init", "-q")
    commit_all(source, "v1")
    git(source, "tag", "1.0.0")
    _team_template(source, greeting="Version two.")
    (source / "project" / "CONTRIBUTING.md").write_text("Be kind.\n")
    commit_all(source, "v2")
    git(source, "tag", "2.0.0")

    project = tmp_path / "p"
    result = cli("new", project, "--template-source", source, "--vcs-ref", "1.0.0",
                 "--defaults", "--data", "project_name=acme")
    assert result.exit_code == 0, result.output
    assert "Version one." in (project / "README.md").read_text()
    assert_refused(cli("new", tmp_path / "q", "--template-source", source, "--defaults",
                       "--data", "project_name=a b"), "project_name", "no spaces")

    git(project, "init", "-q")
    (project / "NOTES.md").write_text("ours\n")
    commit_all(project, "rendered")
    # The answers file names the source, and a pull request can change it: fetched with --trust.
    assert_refused(cli("update", project, "--check"), "_src_path", "--trust")
    assert cli("update", project, "--check", "--trust").exit_code == 1
    assert cli("update", project, "--trust").exit_code == 0
    assert "Version two." in (project / "README.md").read_text()
    assert (project / "CONTRIBUTING.md").is_file() and (project / "NOTES.md").is_file()
    assert yaml.safe_load((project / ".copier-answers.yml").read_text())["_commit"] == "2.0.0"


@pytest.mark.slow
def test_a_team_source_without_a_ref_renders_its_newest_release(cli, tmp_path):
    # As copier picks it: the newest release tag, not a pre-release nor unreleased commits; the
    # questions are read from that same version.
    source = tmp_path / "team-template"
    for version, greeting in (("1.0.0", "Version one."), ("2.0.0", "Version two."),
                              ("3.0.0rc1", "A release candidate."), (None, "Unreleased.")):
        _team_template(source, greeting=greeting)
        if version == "2.0.0":  # a question only this release asks (defaulted)
            config = yaml.safe_load((source / "copier.yml").read_text())
            config["team"] = {"type": "str", "default": "data-eng"}
            (source / "copier.yml").write_text(yaml.safe_dump(config))
        if version == "1.0.0":
            git(source, "init", "-q")
        commit_all(source, greeting)
        if version:
            git(source, "tag", version)
    result = cli("new", tmp_path / "p", "--template-source", source.as_uri(), "--defaults",
                 "--data", "team=platform")  # a question of 2.0.0 only
    assert result.exit_code == 0, result.output
    assert "Version two." in (tmp_path / "p" / "README.md").read_text()
    answers = yaml.safe_load((tmp_path / "p" / ".copier-answers.yml").read_text())
    assert answers["_commit"] == "2.0.0" and answers["team"] == "platform"


def test_team_source_with_tasks_needs_trust(cli, tmp_path):
    source = tmp_path / "team-template"
    _team_template(source, greeting="hi", tasks=True)
    assert_refused(cli("new", tmp_path / "p", "--template-source", source, "--defaults"),
                   "--trust")
    assert not (tmp_path / "p").exists()
    result = cli("new", tmp_path / "p", "--template-source", source, "--defaults", "--trust")
    assert result.exit_code == 0, result.output


def test_unreachable_team_source(cli, tmp_path):
    assert_refused(cli("new", tmp_path / "p", "--template-source", tmp_path / "nothing-here",
                       "--defaults"), "--template-source")


@pytest.mark.slow
def test_an_update_killed_midway_is_recovered_by_the_next(cli, project, next_release):
    """SIGKILL can land while the answers file points at the throwaway history, hidden from git."""
    answers_path = project / ".copier-answers.yml"
    committed = answers_path.read_text()
    git(project, "update-index", "--skip-worktree", "--", ".copier-answers.yml")
    answers_path.write_text(committed.replace("prefect-scaffold:serve_vm",
                                              "/tmp/prefect-scaffold-update-gone/serve_vm"))
    templates, install = next_release
    (templates / "serve_vm" / "project" / "NEW.md.jinja").write_text("new\n")
    install()

    result = cli("update", project)
    assert result.exit_code == 0, result.output
    assert (project / "NEW.md").is_file()
    assert "prefect-scaffold:serve_vm" in answers_path.read_text()
    listed = subprocess.run(["git", "ls-files", "-v", ".copier-answers.yml"], cwd=project,
                            capture_output=True, text=True, check=True).stdout
    assert listed.startswith("H ")  # visible to git again


@pytest.mark.slow
def test_an_untracked_uv_lock_is_the_projects_own(cli, project, next_release):
    """`uv sync` writes uv.lock; update neither calls that dirt nor commits or changes it, and
    still marks conflicts (copier finds them by the untracked files it leaves)."""
    readme = project / "README.md"
    readme.write_text(readme.read_text().replace(
        "Prefect flows, deployed the way our team deploys them", "Our nightly loads.", 1))
    commit_all(project, "our description")
    lock = project / "uv.lock"
    lock.write_text("version = 1\n# written by uv sync\n")
    templates, install = next_release
    gitignore = templates / "serve_vm" / "project" / ".gitignore.jinja"
    gitignore.write_text(gitignore.read_text() + "*.parquet\n")
    source = templates / "serve_vm" / "project" / "README.md.jinja"
    source.write_text(source.read_text().replace("{{ description }}\n", "{{ description }}!\n", 1))
    install()
    # Anything else uncommitted is refused in our words, not copier's.
    serve = project / "serve.py"
    committed = serve.read_text()
    serve.write_text("# uncommitted\n")
    refused = cli("update", project)
    assert_refused(refused, "uncommitted changes (serve.py)", "commit or stash")
    assert "Destination repository is dirty" not in refused.output
    serve.write_text(committed)

    result = cli("update", project)
    assert result.exit_code == 1, result.output
    assert result.stdout.splitlines() == ["README.md"]
    assert "<<<<<<< " in readme.read_text() and "Our nightly loads." in readme.read_text()
    assert "*.parquet" in (project / ".gitignore").read_text()
    assert lock.read_text() == "version = 1\n# written by uv sync\n"
    status = subprocess.run(["git", "status", "--porcelain"], cwd=project, capture_output=True,
                            text=True, check=True).stdout
    assert "?? uv.lock" in status.splitlines()


@pytest.mark.slow
def test_update_says_which_template_change_it_dropped_for_a_file_you_deleted(
        cli, project, next_release):
    (project / ".gitignore").unlink()
    commit_all(project, "we do not want a .gitignore")
    templates, install = next_release
    gitignore = templates / "serve_vm" / "project" / ".gitignore.jinja"
    gitignore.write_text(gitignore.read_text() + "*.parquet\n")
    readme = templates / "serve_vm" / "project" / "README.md.jinja"
    readme.write_text(readme.read_text() + "\nA note of the next release.\n")
    install()
    result = cli("update", project)
    assert result.exit_code == 0, result.output
    assert not (project / ".gitignore").exists()  # your deletion stands, as with git
    dropped = [line for line in result.stderr.splitlines() if "deleted by you" in line]
    assert dropped == ["deleted by you, changed by the template: .gitignore (the change was not "
                       "applied; restore the file from the template to take it)"]
    assert "A note of the next release." in (project / "README.md").read_text()


@pytest.mark.slow
def test_update_records_the_tool_that_ran_it(cli, tmp_path, monkeypatch, next_release):
    """The answers file's version is the installed template's, and scaffold_install names the
    tool that ran (this checkout: nobody can install it elsewhere, so it is emptied and the
    CLI names `pin`), never the release that rendered the project."""
    monkeypatch.setenv("PREFECT_SCAFFOLD_CACHE", str(tmp_path / "cache"))
    project = tmp_path / "pinned"
    render_template("serve_vm", project, scaffold_install="git+https://example.org/ps@0123abc")
    git(project, "init", "-q")
    commit_all(project, "rendered")
    templates, install = next_release
    (templates / "serve_vm" / "project" / "NEW.md.jinja").write_text("new\n")
    install()
    result = cli("update", project)
    assert result.exit_code == 0, result.output
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert answers["_commit"] == content_tag(registry.get_template("serve_vm"))
    assert answers["scaffold_install"] == ""
    assert "prefect-scaffold pin --spec prefect-scaffold==" in result.stderr


@pytest.mark.slow
def test_latest_from_takes_release_requirements_only(cli, project):
    for spec in ("./dist/prefect_scaffold.whl", "--index-url=http://evil", "requests"):
        assert_refused(cli("update", project, "--check", "--latest-from", spec),
                       "not a release requirement")
    assert_refused(cli("update", project, "--latest-from", "prefect-scaffold"),
                   "--latest-from goes with --check")
