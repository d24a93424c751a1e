"""Every git command the tool runs, copier's own included, executes nothing a git config names
(issue 20): a hostile global config (a shared CI image's) and a hostile repository config are in
place while `new`, `update` (bundled and team), `switch`, `adopt --apply`, `status` and `check`
run. Each command still does its work; the log of commands run stays empty.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from prefect_scaffold import hardened_git
from tests.day2.test_adopt import FIXTURES
from tests.day2.test_update import _team_template, commit_all, git, next_release  # noqa: F401

HOOKS = ("pre-commit", "commit-msg", "prepare-commit-msg", "post-commit", "post-checkout",
         "pre-auto-gc", "post-rewrite", "reference-transaction", "post-index-change",
         "pre-merge-commit", "post-merge")


@pytest.fixture
def ran(tmp_path) -> Path:
    """The log every hostile command appends to."""
    return tmp_path / "ran.log"


def hostile_config(tmp_path: Path, ran: Path, who: str) -> str:
    """A git config naming a logging command in every key git runs one from."""
    script = tmp_path / f"pwn-{who}"
    script.write_text(f'#!/bin/sh\necho "{who} $0 $*" >> {ran}\nexit 1\n')
    script.chmod(0o755)
    hooks = tmp_path / f"hooks-{who}"
    hooks.mkdir()
    for hook in HOOKS:
        (hooks / hook).symlink_to(script)
    return (f"[core]\n\tfsmonitor = {script}\n\thooksPath = {hooks}\n\tpager = {script}\n"
            f"\teditor = {script}\n\tsshCommand = {script}\n\taskPass = {script}\n"
            f"\tgitProxy = {script}\n"
            f"[sequence]\n\teditor = {script}\n"
            f"[commit]\n\tgpgSign = true\n[tag]\n\tgpgSign = true\n"
            f"[gpg]\n\tprogram = {script}\n"
            f"[credential]\n\thelper = !{script}\n"
            f"[protocol]\n\tallow = always\n"
            f"[diff]\n\texternal = {script}\n"
            # Drivers of any name too, chosen like the filter below.
            f'[diff "{who}"]\n\tcommand = {script}\n\ttextconv = {script}\n'
            f'[merge "{who}"]\n\tdriver = {script}\n'
            f"[alias]\n\tadd = !{script}\n\tcommit = !{script}\n\tstatus = !{script}\n"
            # A filter driver has any name; make_repository_hostile applies it to every file.
            f'[filter "{who}"]\n\tclean = {script}\n\tsmudge = {script}\n'
            f"\tprocess = {script}\n\trequired = true\n")


@pytest.fixture
def hostile_global(tmp_path, monkeypatch, ran) -> None:
    config = tmp_path / "global.gitconfig"
    config.write_text("[user]\n\tname = Ada\n\temail = ada@example.org\n"
                      + hostile_config(tmp_path, ran, "global"))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    system = tmp_path / "system.gitconfig"
    system.write_text(hostile_config(tmp_path, ran, "system"))
    monkeypatch.setenv("GIT_CONFIG_SYSTEM", str(system))
    monkeypatch.delenv("GIT_CONFIG_NOSYSTEM", raising=False)


def make_repository_hostile(project: Path, tmp_path: Path, ran: Path) -> None:
    with open(project / ".git" / "config", "a") as config:
        config.write(hostile_config(tmp_path, ran, f"repo-{project.name}"))
    (project / ".git" / "info").mkdir(exist_ok=True)
    (project / ".git" / "info" / "attributes").write_text(
        f"* filter=repo-{project.name} diff=repo-{project.name} merge=repo-{project.name}\n")


def plain_git(project: Path, *args: str) -> str:
    """git as the test's own tool: no config at all, so the hostile files stay out of it."""
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
                          cwd=project, capture_output=True, text=True, check=True,
                          env=hardened_git.environment(repository=project)).stdout


def test_the_hardened_environment_overrides_the_repository(tmp_path, ran, hostile_global):
    """The mechanism itself: a repository's own config cannot turn fsmonitor or hooks back on."""
    repo = tmp_path / "repo"
    repo.mkdir()
    assert hardened_git.run("init", "-q", cwd=repo).returncode == 0
    make_repository_hostile(repo, tmp_path, ran)
    (repo / "f").write_text("x\n")
    for step in (["add", "-A"], ["status"], ["commit", "-q", "-m", "x"], ["tag", "-a", "v", "-m",
                                                                           "v"]):
        result = hardened_git.run(*step, cwd=repo, identity=True)
        assert result.returncode == 0, result.stderr
    assert not ran.exists()
    assert hardened_git.run("ls-remote", "ext::sh -c true", cwd=repo).returncode != 0


@pytest.mark.slow
def test_a_password_prompt_runs_no_program(tmp_path, ran, hostile_global, monkeypatch):
    """A remote that asks for credentials (401) gets none: no askPass, no credential helper."""
    import http.server
    import threading

    class AskForPassword(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="team templates"')
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    repo = tmp_path / "repo"
    repo.mkdir()
    assert hardened_git.run("init", "-q", cwd=repo).returncode == 0
    make_repository_hostile(repo, tmp_path, ran)
    monkeypatch.setenv("SSH_ASKPASS", str(tmp_path / "pwn-global"))
    server = http.server.HTTPServer(("127.0.0.1", 0), AskForPassword)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/team/templates.git"
        result = hardened_git.run("ls-remote", url, cwd=repo)
    finally:
        server.shutdown()
    assert result.returncode != 0
    assert not ran.exists(), ran.read_text()


@pytest.mark.slow
def test_new_commits_with_the_users_identity_and_runs_nothing(cli, tmp_path, ran,
                                                              hostile_global):
    project = tmp_path / "p"
    result = cli("new", project, "--template", "serve_vm", "--defaults")
    assert result.exit_code == 0, result.output
    assert "Ada <ada@example.org>" in plain_git(project, "log", "--format=%an <%ae>")
    assert not ran.exists()


@pytest.mark.slow
def test_new_inside_a_hostile_repository_runs_nothing(cli, tmp_path, ran, hostile_global):
    outer = tmp_path / "outer"
    outer.mkdir()
    plain_git(outer, "init", "-q")
    make_repository_hostile(outer, tmp_path, ran)
    result = cli("new", outer / "p", "--template", "serve_vm", "--defaults")
    assert result.exit_code == 0, result.output
    assert not ran.exists()


@pytest.mark.slow
def test_bundled_update_switch_status_and_check_run_nothing(cli, tmp_path, ran, hostile_global,
                                                           next_release):  # noqa: F811
    project = tmp_path / "p"
    assert cli("new", project, "--template", "serve_vm", "--defaults").exit_code == 0
    make_repository_hostile(project, tmp_path, ran)
    assert cli("status", project).exit_code == 0
    assert cli("check", project).exit_code in (0, 1)
    main = plain_git(project, "branch", "--show-current").strip()
    result = cli("switch", project, "--to", "k8s_pool", "--defaults")
    assert result.exit_code in (0, 1), result.output
    assert "switch-to-k8s-pool" in plain_git(project, "branch", "--show-current")
    assert "Ada" in plain_git(project, "log", "-1", "--format=%an")

    plain_git(project, "checkout", "-q", main)
    templates, install = next_release
    (templates / "serve_vm" / "project" / "NEW.md.jinja").write_text("new\n")
    install()
    result = cli("update", project)  # copier's own git calls: a throwaway history, diff, apply
    assert result.exit_code == 0, result.output
    assert (project / "NEW.md").is_file()
    assert not ran.exists()


@pytest.mark.slow
def test_team_update_runs_nothing(cli, tmp_path, ran, hostile_global):
    source = tmp_path / "team-template"
    _team_template(source, greeting="Version one.")
    plain_git(source, "init", "-q")
    plain_git(source, "add", "-A")
    plain_git(source, "commit", "-q", "-m", "v1")
    plain_git(source, "tag", "1.0.0")
    make_repository_hostile(source, tmp_path, ran)
    project = tmp_path / "p"
    result = cli("new", project, "--template-source", source, "--vcs-ref", "1.0.0", "--defaults")
    assert result.exit_code == 0, result.output
    _team_template(source, greeting="Version two.")
    plain_git(source, "add", "-A")
    plain_git(source, "commit", "-q", "-m", "v2")
    plain_git(source, "tag", "2.0.0")
    make_repository_hostile(project, tmp_path, ran)

    result = cli("update", project, "--trust")
    assert result.exit_code == 0, result.output
    assert "Version two." in (project / "README.md").read_text()
    assert not ran.exists()


def test_adopt_apply_runs_nothing(cli, tmp_path, ran, hostile_global):
    repository = tmp_path / "serve_repo"
    shutil.copytree(FIXTURES / "serve_repo", repository)
    plain_git(repository, "init", "-q")
    plain_git(repository, "add", "-A")
    plain_git(repository, "commit", "-q", "-m", "hand-written")
    make_repository_hostile(repository, tmp_path, ran)
    result = cli("adopt", repository, "--template", "serve_vm", "--defaults", "--apply")
    assert result.exit_code == 0, result.output
    assert yaml.safe_load((repository / ".copier-answers.yml").read_text())
    assert not ran.exists()


@pytest.mark.slow
def test_no_commit_of_the_tool_runs_the_repositorys_hooks(cli, tmp_path, ran, hostile_global):
    """One rule for every commit the tool makes (new's first, switch's, update's throwaway
    history): no hook runs, whether in .git/hooks or named by core.hooksPath."""
    project = tmp_path / "p"
    assert cli("new", project, "--template", "serve_vm", "--defaults").exit_code == 0
    hook = project / ".git" / "hooks" / "pre-commit"
    hook.write_text(f"#!/bin/sh\necho pre-commit >> {ran}\nexit 1\n")
    hook.chmod(0o755)
    result = cli("switch", project, "--to", "k8s_pool", "--defaults")
    assert result.exit_code in (0, 1), result.output
    assert "Switch from serve_vm" in plain_git(project, "log", "-1", "--format=%s")
    assert not ran.exists()


def test_reading_a_legacy_template_repository_runs_nothing(tmp_path, ran, hostile_global):
    """`update` reads a project's old template out of the repository its answers file names
    (`_src_path`, a PR can change it) with `git -C REPO archive`, which runs smudge filters:
    that repository's own filter drivers are switched off like those of a `cwd`."""
    from prefect_scaffold.day2.history import _from_legacy_repository

    repo = tmp_path / "prefect-scaffold-templates" / "serve_vm"
    repo.mkdir(parents=True)
    plain_git(repo, "init", "-q")
    (repo / "copier.yml").write_text("x: 1\n")
    plain_git(repo, "add", "-A")
    plain_git(repo, "commit", "-q", "-m", "x")
    plain_git(repo, "tag", "v1")
    make_repository_hostile(repo, tmp_path, ran)
    assert _from_legacy_repository(repo, "serve_vm", "v1") is None  # not the content of v1
    assert not ran.exists()


def test_a_submodules_filters_run_nothing_either(tmp_path, ran, hostile_global):
    """`git status` (status, switch, update's dirty check) recurses into each checked-out
    submodule, a git of its own that runs the filter drivers of the submodule's config (an
    extracted tarball can carry one), and `submodule.recurse` makes switch check them out."""
    source = tmp_path / "source"
    source.mkdir()
    plain_git(source, "init", "-q")
    (source / "f").write_text("x\n")
    plain_git(source, "add", "-A")
    plain_git(source, "commit", "-q", "-m", "x")
    project = tmp_path / "p"
    (project / "deploy").mkdir(parents=True)
    plain_git(project, "init", "-q")
    plain_git(project, "-c", "protocol.file.allow=always", "submodule", "add", "-q",
              str(source), "sub")
    plain_git(project, "commit", "-q", "-m", "sub")
    module = Path(plain_git(project / "sub", "rev-parse", "--absolute-git-dir").strip())
    with open(module / "config", "a") as config:
        config.write(hostile_config(tmp_path, ran, "module"))
    (module / "info").mkdir(exist_ok=True)
    (module / "info" / "attributes").write_text("* filter=module\n")
    with open(project / ".git" / "config", "a") as config:
        config.write("[submodule]\n\trecurse = true\n")
    for step in (["status", "--porcelain"], ["switch", "-q", "-c", "other"]):
        (project / "sub" / "f").touch()  # stat-dirty: git reads it again, through its filter
        for cwd in (project, project / "deploy"):
            assert hardened_git.run(*step, cwd=cwd).returncode in (0, 128)
    assert not ran.exists()


def test_listing_a_templates_versions_ignores_the_repository_run_in(tmp_path, monkeypatch):
    """`update` run from inside a project lists a team template's tags with `git ls-remote`,
    which reads the config of the repository around the working directory: its
    `url.<base>.insteadOf` (and URL-scoped `http.<url>.cookieFile` with `saveCookies`, which
    writes any file, and which no override of `http.cookieFile` beats) must not apply."""
    from prefect_scaffold.day2.update import _newest_tag
    from prefect_scaffold.errors import CannotUpdate

    bait = tmp_path / "bait"
    bait.mkdir()
    plain_git(bait, "init", "-q")
    plain_git(bait, "commit", "-q", "--allow-empty", "-m", "x")
    plain_git(bait, "tag", "9.9.9")
    project = tmp_path / "p"
    project.mkdir()
    plain_git(project, "init", "-q")
    url = "https://127.0.0.1:9/team/template"  # nothing listens: refused at once
    with open(project / ".git" / "config", "a") as config:
        config.write(f'[url "{bait.as_uri()}"]\n\tinsteadOf = {url}\n'
                     f'[http "https://127.0.0.1:9/"]\n\tcookieFile = {tmp_path / "cookies"}\n'
                     "\tsaveCookies = true\n")
    monkeypatch.chdir(project)
    with pytest.raises(CannotUpdate, match="cannot list the versions"):
        _newest_tag(project, url)


def test_new_from_a_team_source_ignores_the_repository_run_in(cli, tmp_path, monkeypatch):
    """`new --template-source URL` without a ref lists the source's tags to pick the newest
    release; run from inside a repository whose config sends that URL elsewhere
    (`url.<base>.insteadOf`), it still renders the source's own release."""
    real, bait = tmp_path / "team-template", tmp_path / "bait"
    for source, greeting, tag in ((real, "The team's release.", "1.0.0"),
                                  (bait, "The attacker's.", "9.9.9")):
        _team_template(source, greeting=greeting)
        git(source, "init", "-q")
        commit_all(source, greeting)
        git(source, "tag", tag)
    here = tmp_path / "their-repository"
    here.mkdir()
    plain_git(here, "init", "-q")
    with open(here / ".git" / "config", "a") as config:
        config.write(f'[url "{bait}"]\n\tinsteadOf = {real}\n')
    monkeypatch.chdir(here)
    result = cli("new", tmp_path / "p", "--template-source", real, "--defaults")
    assert result.exit_code == 0, result.output
    assert "The team's release." in (tmp_path / "p" / "README.md").read_text()
    assert yaml.safe_load((tmp_path / "p" / ".copier-answers.yml").read_text())["_commit"] == (
        "1.0.0")
