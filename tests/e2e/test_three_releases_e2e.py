"""A team's repository across three releases of prefect-scaffold and three machines.

Releases N, N+1 and N+2 are wheels built from copies of this checkout (their own version, their
own template change) and "published" by being put into a find-links folder when they come out.
The project is rendered with N on machine A (installed the way a user installs a release, so it
records `prefect-scaffold==N`), edited like a user edits it, updated with N+1 on machine B and
with N+2 on machine C (each an empty HOME: no template cache). After each step the rendered CI
workflow's `run:` steps run in order, from a fresh clone, without a TTY, on a fresh HOME.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest
import yaml

from tests.helpers.projects import project_env

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
#: N, N+1, N+2: new numbers every run, since uv's shared cache keeps a wheel by name and version
#: (a rerun with other template content must not get last run's wheel).
_RUN = int(time.time())
VERSIONS = (f"7.0.{_RUN}", f"7.1.{_RUN}", f"7.2.{_RUN}")
USER_LINE = "Our team's nightly loads, owned by data-eng."
USER_FLOW_NOTE = "\n\n# ours: the warehouse loader calls this flow; keep it\n"
_GIT = ["git", "-c", "user.name=Ada", "-c", "user.email=ada@example.org"]


def _release(work: Path, version: str, changes: tuple[dict[str, tuple[str, str]], ...]) -> Path:
    """The wheel of release `version`: this checkout with `changes` (template file -> (old, new)
    text, one mapping per release so far) applied to serve_vm in order."""
    source = work / f"src-{version}"
    for part in ("src", "templates"):
        shutil.copytree(ROOT / part, source / part,
                        ignore=shutil.ignore_patterns("__pycache__"))
    for part in ("pyproject.toml", "README.md", "CHANGELOG.md"):
        shutil.copy(ROOT / part, source / part)
    (source / "src" / "prefect_scaffold" / "_version.py").write_text(
        f'__version__ = "{version}"\n')
    for change in changes:
        for file, (old, new) in change.items():
            path = source / "templates" / "serve_vm" / "project" / file
            text = path.read_text()
            assert old in text, (file, old)
            path.write_text(text.replace(old, new, 1))
    subprocess.run(["uv", "build", "--wheel", "--out-dir", work / "built", source], check=True,
                   capture_output=True, env=project_env())
    return next((work / "built").glob(f"prefect_scaffold-{version}-*.whl"))


#: What each release changes in serve_vm, on top of the releases before it.
CHANGES = (
    {},
    {"README.md.jinja": ("{{ description }}\n", "{{ description }} (kept current by "
                         "`prefect-scaffold update`)\n"),
     ".gitignore.jinja": (".venv/\n", ".venv/\n*.parquet\n"),
     ".prefectignore.jinja": (".env", ".env\n.mypy_cache/")},
    {".gitignore.jinja": ("*.parquet\n", "*.parquet\n*.duckdb\n")},
)


@pytest.fixture(scope="module")
def releases(tmp_path_factory) -> list[Path]:
    work = tmp_path_factory.mktemp("releases")
    return [_release(work, version, CHANGES[:n + 1]) for n, version in enumerate(VERSIONS)]


class World:
    """The index the releases are published to, and a fresh machine (HOME) per role."""

    def __init__(self, root: Path) -> None:
        self.root, self.index = root, root / "index"
        self.index.mkdir()
        self.uv_cache = subprocess.run(["uv", "cache", "dir"], capture_output=True, text=True,
                                       check=True).stdout.strip()

    def publish(self, wheel: Path) -> None:
        shutil.copy(wheel, self.index)

    def machine(self, name: str) -> dict[str, str]:
        """The environment of an empty HOME: no template cache, no git config. uv's package
        cache is shared only to keep this test fast; prefect-scaffold's own cache is not."""
        home = self.root / name
        home.mkdir()
        env = {k: v for k, v in project_env().items()
               if k not in ("XDG_CACHE_HOME", "PREFECT_SCAFFOLD_CACHE", "GIT_CONFIG_GLOBAL",
                            "GITHUB_ACTIONS", "CI")}
        return {**env, "HOME": str(home), "UV_CACHE_DIR": self.uv_cache,
                "UV_FIND_LINKS": str(self.index), "GIT_CONFIG_NOSYSTEM": "1"}


def _run(command: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=900, check=False)


def _tool(version: str, env: dict[str, str], cwd: Path, *args: str):
    """prefect-scaffold release `version`, installed from the index as a user would."""
    return _run(["uvx", "--from", f"prefect-scaffold=={version}", "prefect-scaffold", *args],
                cwd, env)


def _commit(project: Path, message: str) -> None:
    for step in (["add", "-A", "--", ".", ":(exclude)uv.lock"], ["commit", "-q", "-m", message]):
        result = subprocess.run([*_GIT, *step], cwd=project, capture_output=True, text=True,
                                check=False)
        assert result.returncode == 0, result.stderr


def _ci(world: World, project: Path, name: str) -> dict[str, subprocess.CompletedProcess[str]]:
    """Every `run:` step of the rendered CI workflow, in order, in a fresh clone on a fresh
    machine with CI=true and no stdin; each must pass."""
    env = {**world.machine(name), "CI": "true", "GITHUB_ACTIONS": "true",
           # CI's dependency cache, so to speak: one environment for the three runs, its bytecode
           # compiled by `uv sync` (the first run's) rather than by each process of the project's
           # own tests, its temporary server too. `uv sync` makes it match each clone's
           # dependencies exactly.
           "UV_PROJECT_ENVIRONMENT": str(world.root / "ci-venv"), "UV_COMPILE_BYTECODE": "1"}
    clone = world.root / name / "clone"
    subprocess.run(["git", "clone", "-q", str(project), str(clone)], check=True, env=env)
    workflow = yaml.safe_load((clone / ".github" / "workflows" / "ci.yml").read_text())
    results = {}
    for step in workflow["jobs"]["test"]["steps"]:
        if "run" in step:
            result = _run(["bash", "-e", "-c", step["run"]], clone, env)
            assert result.returncode == 0, f"{step['run']}\n{result.stdout}{result.stderr}"
            results[step["run"]] = result
    return results


def _answers(project: Path) -> dict:
    return yaml.safe_load((project / ".copier-answers.yml").read_text())


def _resolve_keeping_ours(path: Path) -> None:
    """What the user does with copier's inline conflict: keep their side."""
    kept, side = [], None
    for line in path.read_text().splitlines(keepends=True):
        if line.startswith("<<<<<<< "):
            side = "ours"
        elif line.startswith("=======") and side == "ours":
            side = "theirs"
        elif line.startswith(">>>>>>> ") and side == "theirs":
            side = None
        elif side != "theirs":
            kept.append(line)
    path.write_text("".join(kept))


def test_three_releases_three_machines_ci_green_after_each_step(tmp_path, releases):
    world = World(tmp_path)
    drift = "bash scripts/prefect-scaffold.sh update --check ."

    # Release N, machine A: render, and the user's edits.
    world.publish(releases[0])
    machine_a = world.machine("home-a")
    rendered = _tool(VERSIONS[0], machine_a, tmp_path, "new", str(tmp_path / "flows-repo"),
                     "--template", "serve_vm", "--defaults")
    assert rendered.returncode == 0, rendered.stderr
    project = tmp_path / "flows-repo"
    assert subprocess.run(["git", "branch", "--show-current"], cwd=project, capture_output=True,
                          text=True, check=True).stdout.strip() == "main"
    answers = _answers(project)
    assert answers["scaffold_install"] == f"prefect-scaffold=={VERSIONS[0]}"  # an installed release
    assert answers["_commit"].startswith(f"{VERSIONS[0]}+g")
    readme = project / "README.md"
    description = answers["description"]
    readme.write_text(readme.read_text().replace(description, USER_LINE, 1))
    flow = project / "flows" / f"{answers['flow_name']}.py"
    flow.write_text(flow.read_text() + USER_FLOW_NOTE)
    (project / ".prefectignore").unlink()
    _commit(project, "our description, a note, no .prefectignore")
    ci = _ci(world, project, "ci-after-n")
    assert ci[drift].stdout.startswith(f"current: at {VERSIONS[0]}+g")

    # Release N+1 comes out: the drift gate of the unchanged project says so.
    world.publish(releases[1])
    env = {**world.machine("ci-drift"), "CI": "true"}
    gate = _run(["bash", "-e", "-c", drift], project, env)
    assert gate.returncode == 1
    assert gate.stdout.startswith(f"behind: at {VERSIONS[0]}+g")
    assert f"latest {VERSIONS[1]}+g" in gate.stdout
    assert f"uvx --from prefect-scaffold=={VERSIONS[1]} prefect-scaffold update" in gate.stderr

    # Machine B (empty HOME), a colleague's clone after `uv sync`: update with N+1.
    machine_b = world.machine("home-b")
    project_b = tmp_path / "home-b" / "flows-repo"
    subprocess.run(["git", "clone", "-q", str(project), str(project_b)], check=True)
    synced = _run(["uv", "sync", "--quiet"], project_b, machine_b)
    assert synced.returncode == 0, synced.stderr
    assert (project_b / "uv.lock").is_file()
    updated = _tool(VERSIONS[1], machine_b, project_b, "update", ".")
    assert updated.returncode == 1, updated.stderr  # 1: a conflict to resolve
    assert "README.md" in updated.stdout.splitlines()
    assert "deleted by you, changed by the template: .prefectignore" in updated.stderr
    assert "<<<<<<< " in (project_b / "README.md").read_text()  # conflicts marked
    assert USER_FLOW_NOTE in (project_b / "flows" / flow.name).read_text()  # edits kept
    assert "*.parquet" in (project_b / ".gitignore").read_text()  # the template's change
    assert not (project_b / ".prefectignore").exists()
    answers = _answers(project_b)
    assert answers["scaffold_install"] == f"prefect-scaffold=={VERSIONS[1]}"
    assert answers["_commit"].startswith(f"{VERSIONS[1]}+g")
    _resolve_keeping_ours(project_b / "README.md")
    assert USER_LINE in (project_b / "README.md").read_text()
    _commit(project_b, f"prefect-scaffold update to {VERSIONS[1]}")
    ci = _ci(world, project_b, "ci-after-n1")
    assert ci[drift].stdout.startswith(f"current: at {VERSIONS[1]}+g")

    # Release N+2, machine C (empty HOME): update with N+2; it merges cleanly.
    world.publish(releases[2])
    machine_c = world.machine("home-c")
    project_c = tmp_path / "home-c" / "flows-repo"
    subprocess.run(["git", "clone", "-q", str(project_b), str(project_c)], check=True)
    updated = _tool(VERSIONS[2], machine_c, project_c, "update", ".")
    assert updated.returncode == 0, updated.stdout + updated.stderr
    assert "deleted by you" not in updated.stderr  # N+2 leaves .prefectignore as it was
    text = (project_c / ".gitignore").read_text()
    assert "*.parquet" in text and "*.duckdb" in text
    assert USER_LINE in (project_c / "README.md").read_text()
    assert USER_FLOW_NOTE in (project_c / "flows" / flow.name).read_text()
    answers = _answers(project_c)
    assert answers["scaffold_install"] == f"prefect-scaffold=={VERSIONS[2]}"
    assert answers["_commit"].startswith(f"{VERSIONS[2]}+g")
    _commit(project_c, f"prefect-scaffold update to {VERSIONS[2]}")
    ci = _ci(world, project_c, "ci-after-n2")
    assert ci[drift].stdout.startswith(f"current: at {VERSIONS[2]}+g")
