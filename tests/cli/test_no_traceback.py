"""No input ends in a traceback (issue 20, finding 6): every command, driven with random
arguments, a project folder of random files and a random answers file, exits 0, 1 or 2 and
prints no "Traceback". Offline: sources are local paths or junk, uv may not reach an index."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from prefect_scaffold._cli import app

TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40)
SCALAR = st.one_of(TEXT, st.integers(-10**30, 10**30), st.booleans(), st.none(),
                   st.floats(allow_nan=True))
VALUE = st.recursive(SCALAR, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(TEXT, inner, max_size=4)), max_leaves=12)
SOURCES = st.sampled_from(["prefect-scaffold:serve_vm", "prefect-scaffold:k8s_pool",
                           "prefect-scaffold:../x", "./local", "/no/such", "", "-x"])
ANSWERS = st.one_of(
    st.fixed_dictionaries({"_src_path": SOURCES, "_commit": st.one_of(TEXT, SCALAR)},
                          optional={"scaffold_install": st.one_of(TEXT, st.just(
                              "prefect-scaffold==0.0.1")), "work_pool_name": VALUE,
                              "project_name": VALUE}),
    VALUE)
FILE_CONTENT = st.one_of(TEXT, VALUE.map(lambda v: yaml.safe_dump(v)),
                         st.binary(max_size=64).map(lambda b: b.decode("latin-1")))
PROJECT = st.dictionaries(st.sampled_from(["prefect.yaml", "serve.py", "pyproject.toml",
                                           ".copier-answers.yml", "prefect-scaffold.toml",
                                           "values.yaml", "Dockerfile", "flows/x.py"]),
                          FILE_CONTENT, max_size=5)
FLAGS = ["--template", "--data", "--data-file", "--defaults", "--force", "--dry-run",
         "--no-git", "--json", "--pool-type", "--check", "--trust", "--apply", "--to",
         "--branch", "--format", "--no-cache", "--template-source", "--vcs-ref",
         "--containers", "--serverless", "--no-kubernetes", "--cloud"]
ARGUMENT = st.one_of(st.sampled_from(FLAGS), st.sampled_from(
    ["serve_vm", "k8s_pool", "ecs_pool", "{project}", "{answers}", "project_name=x", "x=",
     "=", "markdown", "aws", "kubernetes", "ecs:push"]), TEXT.filter(lambda t: "\0" not in t))
COMMANDS = ["new", "check", "update", "adopt", "switch", "status", "recommend", "list", "tree"]


@pytest.fixture
def offline(monkeypatch):
    monkeypatch.setenv("UV_OFFLINE", "1")
    monkeypatch.setenv("UV_NO_INDEX", "1")
    monkeypatch.setenv("GIT_ALLOW_PROTOCOL", "file")
    monkeypatch.delenv("PREFECT_API_URL", raising=False)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(command=st.sampled_from(COMMANDS), arguments=st.lists(ARGUMENT, max_size=6),
       files=PROJECT, answers=ANSWERS, project_first=st.booleans())
@pytest.mark.slow
def test_no_input_ends_in_a_traceback(offline, monkeypatch, command, arguments, files, answers,
                                      project_first):
    with tempfile.TemporaryDirectory() as workdir:
        root = Path(workdir)
        project = root / "project"
        project.mkdir()
        for name, content in files.items():
            (project / name).parent.mkdir(parents=True, exist_ok=True)
            (project / name).write_text(content)
        answers_file = root / "answers.yml"
        answers_file.write_text(yaml.safe_dump(answers))
        monkeypatch.chdir(root)
        places = {"{project}": str(project), "{answers}": str(answers_file)}
        args = [places.get(argument, argument) for argument in arguments]
        if project_first:
            args.insert(0, str(project))
        result = CliRunner().invoke(app, [command, *args], catch_exceptions=True)
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        command, args, repr(result.exception))
    assert result.exit_code in (0, 1, 2), (command, args, result.output)
    assert "Traceback" not in result.output, (command, args, result.output)
