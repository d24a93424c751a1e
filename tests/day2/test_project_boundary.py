"""Day-2 commands stay inside the project and read it bounded (issue 20, findings 3 and 6).

Each test is the attack from the issue, or a new one of the same class: a symlink out of the
repository, a dangling one, a FIFO, a file too large to read, input that used to end in a
traceback. Each is refused with one line (exit 2), nothing outside is read or written.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from prefect_scaffold import project_files
from prefect_scaffold.errors import ProjectFileRefused
from tests.day2.test_adopt import FIXTURES
from tests.day2.test_switch import served  # noqa: F401
from tests.day2.test_update import commit_all, git
from tests.helpers.cli import assert_refused

SECRET = "SECRET_TOKEN=hunter2-do-not-print"


@pytest.fixture
def repository(tmp_path) -> Path:
    """A hand-written Prefect repository to adopt, committed."""
    repository = tmp_path / "repo"
    shutil.copytree(FIXTURES / "serve_repo", repository)
    git(repository, "init", "-q")
    commit_all(repository, "hand-written")
    return repository


def outside_secret(tmp_path: Path) -> Path:
    secret = tmp_path / "secret" / "creds"
    secret.parent.mkdir()
    secret.write_text(f'[project]\nname = "reports"\n# {SECRET}\n')
    return secret


def replace_with_link(path: Path, target: Path | str) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()
    path.symlink_to(target)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


# --- adopt -------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["pyproject.toml", "prefect.yaml", "README.md"])
@pytest.mark.slow
def test_adopt_does_not_read_a_file_linking_out_of_the_repository(cli, repository, tmp_path,
                                                                 name):
    replace_with_link(repository / name, outside_secret(tmp_path))
    result = cli("adopt", repository, "--template", "serve_vm", "--defaults")
    assert_refused(result, name, "symlink to outside the project")
    assert "hunter2" not in result.output


@pytest.mark.parametrize("folder", ["flows", "tests", ".github"])
@pytest.mark.slow
def test_adopt_apply_does_not_write_through_a_folder_linking_out(cli, repository, tmp_path,
                                                                folder):
    outside = tmp_path / "outside"
    outside.mkdir()
    if (repository / folder).is_dir():
        shutil.copytree(repository / folder, outside, dirs_exist_ok=True)
    before = snapshot(outside)
    replace_with_link(repository / folder, outside)
    result = cli("adopt", repository, "--template", "serve_vm", "--defaults", "--apply")
    assert_refused(result, folder, "symlink to outside the project")
    assert snapshot(outside) == before
    assert not (repository / ".copier-answers.yml").exists()


@pytest.mark.parametrize("name", ["README.md", ".gitignore", ".pre-commit-config.yaml"])
@pytest.mark.slow
def test_adopt_apply_does_not_create_the_target_of_a_dangling_link(cli, repository, tmp_path,
                                                                  name):
    target = tmp_path / "outside2" / name
    replace_with_link(repository / name, target)
    result = cli("adopt", repository, "--template", "serve_vm", "--defaults", "--apply")
    assert_refused(result, name, "dangling symlink")
    assert not target.exists() and not target.parent.exists()


def test_adopt_refuses_a_fifo_instead_of_hanging(cli, repository):
    (repository / "pyproject.toml").unlink()
    os.mkfifo(repository / "pyproject.toml")
    assert_refused(cli("adopt", repository, "--template", "serve_vm", "--defaults"),
                   "pyproject.toml", "not a regular file")


@pytest.mark.parametrize(("name", "mib"), [("prefect.yaml", 8), ("prefect.yaml", 20),
                                           ("pyproject.toml", 3)])
def test_adopt_refuses_a_huge_file_at_once(cli, repository, name, mib):
    with open(repository / name, "w") as handle:
        handle.write("# padding\n" * (mib * 2**20 // 10))
    started = time.monotonic()
    result = cli("adopt", repository, "--template", "serve_vm", "--defaults")
    assert_refused(result, name, "larger than 2 MiB")
    assert time.monotonic() - started < 20  # was 45 s (8 MiB) and > 2 min (20 MiB)


# --- switch ------------------------------------------------------------------------------------

@pytest.mark.parametrize("link", ["helm", "flows"])
@pytest.mark.slow
def test_switch_does_not_write_through_a_committed_folder_link(cli, served, tmp_path,  # noqa: F811
                                                               link):
    outside = tmp_path / "outside"
    outside.mkdir()
    if (served / link).is_dir():
        shutil.copytree(served / link, outside, dirs_exist_ok=True)
    before = snapshot(outside)
    replace_with_link(served / link, outside)
    commit_all(served, "a link")
    result = cli("switch", served, "--to", "k8s_pool", "--defaults")
    assert_refused(result, link, "symlink to outside the project")
    assert snapshot(outside) == before
    assert "switch-to" not in (served / ".git" / "HEAD").read_text()  # no branch was made


@pytest.mark.parametrize("script", [
    "x = " + "[" * 50_000 + "]" * 50_000 + "\n",  # the payload
    "x = " + "(" * 50_000 + "1" + ")" * 50_000 + "\n",
    "x = " + "-" * 200_000 + "1\n",
    "x = 1" + " + 1" * 200_000 + "\n",
])
@pytest.mark.slow
def test_switch_on_a_pathological_serve_script_is_one_line(cli, served, script):  # noqa: F811
    (served / "serve.py").write_text(script)
    commit_all(served, "deep")
    result = cli("switch", served, "--to", "k8s_pool", "--defaults")
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and result.stderr.startswith("error: serve.py")


# --- tracebacks --------------------------------------------------------------------------------

@pytest.mark.parametrize("toml", ["templates = 5\n", 'templates = "k8s_pool"\n',
                                  "templates = [1, 2]\n", "defaults = 5\n"])
def test_a_team_file_of_the_wrong_shape_is_one_line(cli, tmp_path, monkeypatch, toml):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "prefect-scaffold.toml").write_text(toml)
    result = cli("new", tmp_path / "p", "--template", "serve_vm", "--defaults")
    assert_refused(result, "prefect-scaffold.toml", "must be tables")


@pytest.mark.parametrize("where", ["/no/such/dir", "a-file.txt"])
@pytest.mark.parametrize("command", [["update"], ["update", "--check"],
                                     ["switch", "--to", "k8s_pool", "--defaults"],
                                     ["adopt", "--template", "serve_vm", "--defaults"]])
def test_a_project_that_is_not_a_folder_is_one_line(cli, tmp_path, monkeypatch, where,
                                                    command):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a-file.txt").write_text("x\n")
    result = cli(command[0], where, *command[1:])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output


# --- the helper --------------------------------------------------------------------------------

def test_the_helper_allows_links_inside_and_refuses_the_rest(tmp_path):
    root = tmp_path / "root"
    (root / "real").mkdir(parents=True)
    (root / "real" / "f").write_text("inside\n")
    (root / "alias").symlink_to("real")
    (root / "up").symlink_to("..")
    (root / "loop").symlink_to("loop")
    assert project_files.read_text(root, "alias/f") == "inside\n"
    project_files.write_bytes(root, "alias/g", b"x")
    assert (root / "real" / "g").read_bytes() == b"x"
    for bad in ("up/root/real/f", "loop", "../root/real/f", "/etc/passwd"):
        with pytest.raises(ProjectFileRefused):
            project_files.read_bytes(root, bad)
    with pytest.raises(ProjectFileRefused):
        project_files.write_bytes(root, "up/escaped", b"x")
    assert not (tmp_path / "escaped").exists()
