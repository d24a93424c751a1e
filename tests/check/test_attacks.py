"""Hostile or broken input: one clear finding (exit 1) or error line (exit 2), never a traceback.

Each test is the attack itself; the CLI runs in-process with exceptions surfaced, so a traceback
fails the test. A crash of ours exits 3, never 1 (which means "findings").
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path

import pytest

from tests.check.conftest import FLOW, PREFECT_YAML, Project
from tests.helpers.cli import Invoke


def one_finding(cli: Invoke, root: Path, *fragments: str) -> str:
    """`check` exits 1 with exactly one error line containing `fragments`."""
    result = cli("check", root, "--pool-type", "kubernetes")
    assert result.exit_code == 1, result.output
    errors = [line for line in result.stdout.splitlines() if ": error: " in line]
    assert len(errors) == 1, result.stdout
    for fragment in fragments:
        assert fragment in errors[0], errors[0]
    assert "Traceback" not in result.output
    return errors[0]


def test_deeply_nested_yaml(cli: Invoke, project: Project) -> None:
    flow_yaml = "deployments:\n  - name: x\n    parameters:\n"
    flow_yaml += "".join("      " + "  " * i + f"k{i}:\n" for i in range(199))
    flow_yaml += "      " + "  " * 199 + "k199: 1\n"
    one_finding(cli, project(flow_yaml), "nested more than 64 levels deep")
    one_finding(cli, project("a: " + "[" * 20000 + "]" * 20000 + "\n"), "prefect.yaml")


def test_yaml_anchor_bomb(cli: Invoke, project: Project) -> None:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]
    one_finding(cli, project("\n".join(lines) + "\ndeployments: []\n"), "alias bomb")


def test_self_referencing_alias(cli: Invoke, project: Project) -> None:
    one_finding(cli, project("deployments: &d [*d]\n"), "cycle")


def test_invalid_utf8_prefect_yaml(cli: Invoke, project: Project) -> None:
    root = project(None)
    (root / "prefect.yaml").write_bytes(PREFECT_YAML.encode() + b"# caf\xe9\n")
    line = len(PREFECT_YAML.splitlines()) + 1
    one_finding(cli, root, "not valid UTF-8", f"prefect.yaml:{line}:")


def test_binary_prefect_yaml(cli: Invoke, project: Project) -> None:
    root = project(None)
    (root / "prefect.yaml").write_bytes(os.urandom(4096) + b"\0")
    one_finding(cli, root, "binary")


def test_prefect_yaml_that_is_a_directory(cli: Invoke, project: Project) -> None:
    root = project(None)
    (root / "prefect.yaml").mkdir()
    one_finding(cli, root, "a directory")


def test_100k_deployments(cli: Invoke, project: Project) -> None:
    text = "deployments:\n" + "".join(f"  - {{name: d{i}, entrypoint: flows/etl.py:etl}}\n"
                                      for i in range(100_000))
    one_finding(cli, project(text), "check reads files up to 2 MiB")


def test_binary_flow_file(cli: Invoke, project: Project) -> None:
    root = project()
    (root / "flows" / "etl.py").write_bytes(b"\x7fELF\x02\x01\x01\0" + os.urandom(512))
    one_finding(cli, root, "flows/etl.py", "binary")


@pytest.mark.parametrize("source", [
    "x = " + "(" * 1000 + ")" * 1000 + "\n",
    "x = " + "+".join(["1"] * 200_000) + "\n",
    "def f():\n" + "".join(" " * i + "if x:\n" for i in range(1, 120)) + " " * 120 + "pass\n",
])
@pytest.mark.slow
def test_deeply_nested_python_flow(cli: Invoke, project: Project, source: str) -> None:
    root = project()
    (root / "flows" / "etl.py").write_text(source + FLOW)
    one_finding(cli, root, "flows/etl.py")


def test_invalid_utf8_flow_file(cli: Invoke, project: Project) -> None:
    root = project()
    (root / "flows" / "etl.py").write_bytes(FLOW.encode() + b"# \xff\n")
    one_finding(cli, root, "not valid UTF-8")


def test_symlink_loops_and_links_out_of_the_project(cli: Invoke, project: Project,
                                                    tmp_path: Path) -> None:
    root = project()
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "values.yaml").write_text("worker: [unclosed\n")  # would be a finding if read
    (root / "loop").symlink_to(root, target_is_directory=True)
    (root / "deep").mkdir()
    (root / "deep" / "back").symlink_to(root.parent, target_is_directory=True)
    (root / "helm").mkdir()
    (root / "helm" / "values.yaml").symlink_to(outside / "values.yaml")
    (root / "ext").symlink_to(outside, target_is_directory=True)
    result = cli("check", root, "--pool-type", "kubernetes", "--json")
    assert result.exit_code == 0, result.output
    assert "outside" not in result.stdout


def test_prefect_yaml_linked_out_of_the_project_is_not_read(cli: Invoke, project: Project,
                                                            tmp_path: Path) -> None:
    secret = tmp_path / "secret.yaml"
    secret.write_text("password: [hunter2\n")
    root = project(None)
    (root / "prefect.yaml").symlink_to(secret)
    line = one_finding(cli, root, "symlink to outside the project")
    assert "hunter2" not in line


def test_entrypoint_outside_the_project_is_not_read(cli: Invoke, project: Project,
                                                    tmp_path: Path) -> None:
    (tmp_path / "elsewhere.py").write_text("this is not python (\n")
    root = project(PREFECT_YAML.replace("flows/etl.py:etl", "../elsewhere.py:etl"))
    result = cli("check", root, "--pool-type", "kubernetes")
    assert result.exit_code == 0, result.output
    assert "outside the project; not checked" in result.stdout


def test_deep_directory_trees_are_capped(cli: Invoke, project: Project) -> None:
    root = project()
    deep = root.joinpath(*["d"] * 40)
    deep.mkdir(parents=True)
    (deep / "values.yaml").write_text("worker: [unclosed\n")  # past the depth cap: not read
    result = cli("check", root, "--pool-type", "kubernetes")
    assert result.exit_code == 0, result.output


def test_a_crash_exits_3_with_one_line(cli: Invoke, project: Project,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    # The package exports the function `check`, which hides the module from attribute lookups.
    run_module = importlib.import_module("prefect_scaffold.check.run")

    def broken(*args: object) -> list[object]:
        raise KeyError("boom")

    monkeypatch.setattr(run_module, "check_steps", broken)
    result = cli("check", project(), "--pool-type", "kubernetes", "--no-cache")
    assert result.exit_code == 3, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "internal error (KeyError" in lines[0], result.stderr


def test_dockerfile_named_outside_the_project_is_not_read(cli: Invoke, project: Project,
                                                          tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM python:3.12-slim\n")  # would warn if read
    yaml = PREFECT_YAML.replace(
        "  - prefect.deployments.steps.run_shell_script:",
        "  - prefect_docker.deployments.steps.build_docker_image:\n"
        "      image_name: acme/etl\n      dockerfile: ../Dockerfile\n"
        "  - prefect.deployments.steps.run_shell_script:").replace(
        "  - prefect.deployments.steps.set_working_directory:\n"
        "      directory: /opt/prefect/demo",
        "  - prefect.deployments.steps.git_clone:\n      repository: https://x/y.git")
    result = cli("check", project(yaml), "--pool-type", "kubernetes")
    assert result.exit_code == 0, result.output
    assert "Dockerfile" not in result.stdout


@pytest.mark.parametrize("value", ["1" * 5000, "2024-99-99"])
def test_yaml_values_python_cannot_build(cli: Invoke, project: Project, value: str) -> None:
    one_finding(cli, project(PREFECT_YAML.replace("source: demo", f"source: {value}")),
                "YAML value error")


def test_prefect_yaml_that_is_a_named_pipe(cli: Invoke, project: Project) -> None:
    root = project(None)
    os.mkfifo(root / "prefect.yaml")  # reading it would block forever
    one_finding(cli, root, "not a regular file")
