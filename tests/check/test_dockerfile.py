"""A git_clone pull step needs git in the image the project's Dockerfile builds."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from prefect_scaffold.check.dockerfile import has_git, stages
from tests.check.conftest import PREFECT_YAML, Project, check, only
from tests.helpers.projects import render_template

GIT_PULL = PREFECT_YAML.replace(
    """  - prefect.deployments.steps.set_working_directory:
      directory: /opt/prefect/demo""",
    """  - prefect.deployments.steps.git_clone:
      repository: https://github.com/acme/demo.git
      branch: main""")

SLIM = """\
# The flow image
FROM python:3.12-slim
WORKDIR /opt/prefect/demo
COPY . .
RUN pip install .
"""


def test_slim_base_without_git_is_a_warning_at_from(project: Project) -> None:
    root = project(GIT_PULL, Dockerfile=SLIM)
    finding = only(check(root, pool_type="kubernetes"), "git-in-image")
    assert finding.severity == "warning"
    assert (finding.file, finding.line) == (str(root / "Dockerfile"), 2)
    assert "may lack git" in finding.message and "python:3.12-slim" in finding.message
    assert f"{root / 'prefect.yaml'}:7" in finding.message  # the git_clone step
    assert str(root / "Dockerfile") in check(root, pool_type="kubernetes").checked


@pytest.mark.parametrize("install", [
    "RUN apt-get update && apt-get install -y --no-install-recommends git \\\n"
    "    && rm -rf /var/lib/apt/lists/*",
    "RUN apt-get update \\\n && apt-get install -y \\\n    curl \\\n    git=1:2.* \\\n && true",
    "RUN apk add --no-cache git",
])
def test_installing_git_is_clean(project: Project, install: str) -> None:
    root = project(GIT_PULL, Dockerfile=SLIM + install + "\n")
    assert not [f for f in check(root, pool_type="kubernetes").findings
                if f.rule == "git-in-image"]


@pytest.mark.parametrize("base", ["prefecthq/prefect:3-python3.12",
                                  "docker.io/prefecthq/prefect:3.4.1-python3.11-kubernetes",
                                  "python:3.12-bookworm"])
def test_bases_that_ship_git_are_clean(project: Project, base: str) -> None:
    root = project(GIT_PULL, Dockerfile=SLIM.replace("python:3.12-slim", base))
    assert not [f for f in check(root, pool_type="kubernetes").findings
                if f.rule == "git-in-image"]


def test_image_pull_without_git_clone_is_not_judged(project: Project) -> None:
    root = project(PREFECT_YAML, Dockerfile=SLIM)
    assert not [f for f in check(root, pool_type="kubernetes").findings
                if f.rule == "git-in-image"]


def test_dockerfile_named_by_the_build_step(project: Project) -> None:
    build = GIT_PULL.replace("build:\n", """build:
  - prefect_docker.deployments.steps.build_docker_image:
      image_name: ghcr.io/acme/demo
      dockerfile: docker/flow.Dockerfile
""")
    root = project(build, **{"docker__flow.Dockerfile": SLIM,
                             "Dockerfile": "FROM prefecthq/prefect:3-python3.12\n"})
    finding = only(check(root, pool_type="kubernetes"), "git-in-image")
    assert finding.file == str(root / "docker/flow.Dockerfile")


def test_stages_follow_args_and_earlier_stages() -> None:
    text = ("ARG BASE=python:3.12-slim\nFROM ${BASE} AS base\nRUN apt-get install -y git\n"
            "FROM base AS final\nCOPY . .\n")
    found = stages(text)
    assert [(s.image, s.line, s.name) for s in found] == [("python:3.12-slim", 2, "base"),
                                                         ("base", 4, "final")]
    assert has_git(found)
    assert not has_git(stages("FROM python:3.12-slim AS build\nRUN apt-get install -y git\n"
                              "FROM python:3.12-slim\n"))
    assert not has_git(stages("FROM alpine\nRUN apk add git-lfs\n"))


@pytest.mark.slow
def test_rendered_git_project_on_a_slim_base_needs_its_git_install(tmp_path: Path) -> None:
    """The shared Dockerfile's `apt-get install git` is what keeps a slim base clean."""
    render_template("k8s_pool", tmp_path / "p", code_storage="git")
    dockerfile = tmp_path / "p" / "Dockerfile"
    text = re.sub(r"FROM prefecthq/prefect:\S+", "FROM python:3.12-slim", dockerfile.read_text())
    dockerfile.write_text(text)
    assert not [f for f in check(tmp_path / "p").findings if f.rule == "git-in-image"]
    dockerfile.write_text(re.sub(r"RUN apt-get update && apt-get install[^\n]*\\\n[^\n]*\n", "",
                                 text))
    finding = only(check(tmp_path / "p"), "git-in-image")
    assert finding.line == text.splitlines().index("FROM python:3.12-slim") + 1
