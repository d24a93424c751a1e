"""`update` fetches only from places the user trusts (issue 20, finding 2).

A pull request writes `.copier-answers.yml`: its `scaffold_install` and `_src_path` may name any
repository. Without --trust, only the bundled versions, `prefect-scaffold==X.Y.Z` from the
configured index and the running tool's own origin are fetched; anything else is refused before
it is fetched, named (credentials redacted), and with --trust named before it is fetched. A
release's templates are read only if no symlink leads out of it.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from prefect_scaffold.catalog import registry
from prefect_scaffold.catalog.cache import content_hash
from tests.day2 import test_update_anywhere
from tests.day2.test_update import commit_all, git
from tests.day2.test_update_anywhere import Machine, next_release, offline_index
from tests.helpers.cli import assert_refused, assert_refused_after_notice
from tests.writing.test_rendered_git_folder import hostile_git_dir

rendered_on_a = test_update_anywhere.rendered_on_a  # the fixture: a project rendered on machine A


def record_install(project: Path, spec: str, commit: str | None = None) -> None:
    answers_path = project / ".copier-answers.yml"
    answers = yaml.safe_load(answers_path.read_text())
    answers["scaffold_install"] = spec
    if commit is not None:
        answers["_commit"] = commit
    answers_path.write_text(yaml.safe_dump(answers, sort_keys=False))
    commit_all(project, "a pull request")


def other_repository(tmp_path: Path, marker: Path) -> tuple[Path, str, str]:
    """A repository holding serve_vm with a hostile `.git` rendered from its project folder, and
    the content tag that matches it (the tag function is documented)."""
    source = tmp_path / "other"
    shutil.copytree(registry.templates_root(), source / "templates")
    hostile_git_dir(source / "templates" / "serve_vm" / "project" / "{{ '.git' }}", marker)
    git(source, "init", "-q")
    commit_all(source, "not prefect-scaffold")
    sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=source, capture_output=True,
                         text=True, check=True).stdout.strip()
    tag = f"0.1.0+g{content_hash(source / 'templates' / 'serve_vm')}"
    return source, sha, tag


@pytest.mark.slow
def test_a_git_install_spec_from_another_repository_needs_trust(cli, rendered_on_a, tmp_path,
                                                               monkeypatch):
    project, _ = rendered_on_a
    marker = tmp_path / "pwned"
    source, sha, tag = other_repository(tmp_path, marker)
    record_install(project, f"git+file://{source}@{sha}", tag)
    machine_b = Machine(tmp_path / "home-b", monkeypatch)
    machine_b.use()
    offline_index(monkeypatch, None)
    next_release(tmp_path, monkeypatch)

    assert_refused(cli("update", project), "scaffold_install", str(source), "--trust")
    assert not (machine_b.cache / "releases").exists()  # nothing was cloned
    # With --trust it is fetched, and its rendered `.git` is still refused: nothing runs.
    result = cli("update", project, "--trust")
    assert result.exit_code == 2, result.output
    assert f"fetching template serve_vm {tag} from git+file://{source}" in result.stderr
    assert "which git reads as a .git folder" in result.stderr
    assert not marker.exists()


@pytest.mark.parametrize("spec", [
    "https://evil.example/wheels/prefect_scaffold-0.1.0-py3-none-any.whl",
    "git+https://bob:ghp_0123456789abcdefghij0123@evil.example/r.git@0123abc",
    "git+ssh://git@evil.example/r.git@main",
])
@pytest.mark.slow
def test_other_install_urls_are_refused_before_any_fetch(cli, rendered_on_a, tmp_path,
                                                         monkeypatch, spec):
    project, _ = rendered_on_a
    record_install(project, spec)
    machine_b = Machine(tmp_path / "home-b", monkeypatch)
    machine_b.use()
    next_release(tmp_path, monkeypatch)
    result = cli("update", project)
    assert_refused(result, "scaffold_install", "--trust")
    assert "ghp_" not in result.output and "bob" not in result.output
    assert not (machine_b.cache / "releases").exists()


@pytest.mark.parametrize("spec", [
    "git+https://evil.example/$(touch pwned)/r.git@0123abc",
    "git+https://evil.example/r.git@`touch pwned`",
    "https://evil.example/w;touch pwned/prefect_scaffold-0.1.0-py3-none-any.whl",
    # Lookalikes: a Cyrillic i in the host, a right-to-left override reordering what is shown.
    "git+https://g\u0456thub.com/PrefectHQ/prefect-scaffold@0123abc",
    "git+https://evil.example/\u202egro.buhtig/r.git@0123abc",
    "https://evil.example/\u0440/prefect_scaffold-0.1.0-py3-none-any.whl",
    "git+https://evil.example/r.git@0123abc#subdirectory=/etc",  # out of the clone
])
@pytest.mark.slow
def test_install_specs_with_shell_characters_are_refused_even_with_trust(
        cli, rendered_on_a, tmp_path, monkeypatch, spec):
    """scripts/prefect-scaffold.sh and people read the spec too: no shell character passes."""
    project, _ = rendered_on_a
    record_install(project, spec)
    machine_b = Machine(tmp_path / "home-b", monkeypatch)
    machine_b.use()
    next_release(tmp_path, monkeypatch)
    # Refused before anything is announced or fetched.
    assert_refused(cli("update", project, "--trust"), "is not a prefect-scaffold release")
    assert not (machine_b.cache / "releases").exists()


@pytest.mark.slow
def test_a_release_whose_templates_link_out_of_it_is_refused(cli, rendered_on_a, tmp_path,
                                                            monkeypatch):
    project, _ = rendered_on_a
    outside = tmp_path / "outside-templates"
    shutil.copytree(registry.templates_root(), outside)
    source = tmp_path / "release"
    source.mkdir()
    (source / "templates").symlink_to(outside)
    git(source, "init", "-q")
    commit_all(source, "templates is a symlink")
    sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=source, capture_output=True,
                         text=True, check=True).stdout.strip()
    record_install(project, f"git+file://{source}@{sha}")
    Machine(tmp_path / "home-b", monkeypatch).use()
    next_release(tmp_path, monkeypatch)
    assert_refused_after_notice(cli("update", project, "--trust"),
                                "symlink leading out of the release")


@pytest.mark.slow
def test_a_release_with_one_file_linking_out_is_refused(cli, rendered_on_a, tmp_path,
                                                       monkeypatch):
    project, _ = rendered_on_a
    secret = tmp_path / "secret.txt"
    secret.write_text("s3cret\n")
    source = tmp_path / "release"
    shutil.copytree(registry.templates_root(), source / "templates")
    (source / "templates" / "serve_vm" / "project" / "LEAK.md").symlink_to(secret)
    git(source, "init", "-q")
    commit_all(source, "one file links out")
    sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=source, capture_output=True,
                         text=True, check=True).stdout.strip()
    record_install(project, f"git+file://{source}@{sha}")
    Machine(tmp_path / "home-b", monkeypatch).use()
    next_release(tmp_path, monkeypatch)
    assert_refused_after_notice(cli("update", project, "--trust"),
                                "symlink leading out of the release")


@pytest.mark.parametrize("check", [True, False])
@pytest.mark.slow
def test_a_team_source_from_the_answers_file_needs_trust(cli, rendered_on_a, tmp_path, check):
    project, _ = rendered_on_a
    answers_path = project / ".copier-answers.yml"
    answers = yaml.safe_load(answers_path.read_text())
    answers["_src_path"] = "https://bob:ghp_0123456789abcdefghij0123@evil.example/t.git"
    answers["_commit"] = "1.0.0"
    answers_path.write_text(yaml.safe_dump(answers, sort_keys=False))
    commit_all(project, "a pull request")
    result = cli("update", project, *(["--check"] if check else []))
    assert_refused(result, "_src_path", "***@evil.example", "--trust")
    assert "ghp_" not in result.output
