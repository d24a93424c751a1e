"""Every template lints clean for every valid answer: hypothesis draws names (short, long, many
dashes), registries, regions and options, renders each template, and holds the result to the linters
its README promises pass: ruff (the project's own rules, line length included) and shellcheck.

Answers are drawn from strategies per question name; choice and yes/no questions from their own
choices; a drawn combination the template refuses is discarded (the validators are tested apart).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st

from prefect_scaffold.errors import InvalidAnswer
from prefect_scaffold.catalog.registry import get_template, template_names
from tests.helpers.lint import ruff_findings, shellcheck_findings
from tests.helpers.projects import render_template


def _name(pattern: str, longest: int, *examples: str) -> st.SearchStrategy[str]:
    """Names matching `pattern` up to `longest` characters, with the reported and extreme ones."""
    drawn = st.from_regex(pattern, fullmatch=True).filter(lambda s: len(s) <= longest)
    return st.one_of(st.sampled_from(examples), drawn)


#: Valid-shaped answers per question name (any template that asks it).
ANSWERS: dict[str, st.SearchStrategy[Any]] = {
    "project_name": _name(r"[a-z][a-z0-9]{0,10}(-[a-z0-9]{1,10}){0,5}", 64,
                          "my-flows", "sales-reports", "q" * 64, "a-b-c-d-e-f-g"),
    "flow_name": _name(r"[a-z][a-z0-9_]{0,49}", 50, "hello_etl", "f" * 50, "load_2_tables"),
    "work_pool_name": _name(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?", 63,
                            "azure-pool", "sales-reports", "p-int-azure", "p" * 63, "pool-" * 12),
    "work_queue_name": _name(r"[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?", 63, "default", "w" * 63),
    "schedule": st.sampled_from(["", "0 6 * * *", "*/15 * * * 1-5", "@hourly"]),
    "interval_minutes": st.sampled_from([0, 15, 525600]),
    "git_repository": st.sampled_from(["https://github.com/your-org/x.git",
                                       "https://git.example.com:8443/team/" + "r" * 60 + ".git"]),
    "git_token_secret_block": st.sampled_from(["", "github-token", "t" * 63]),
    "namespace": _name(r"[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?", 63, "prefect", "n" * 63),
    "image_registry": st.sampled_from([
        "ghcr.io/your-org", "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
        "europe-west4-docker.pkg.dev/acme-data-42/flows", "myregistry.azurecr.io",
        "docker.io/someone", "registry.example.com:5000/team/" + "s" * 40]),
    "image_pull_secret": st.sampled_from(["", "registry-credentials"]),
    # Google Cloud
    "gcp_project": _name(r"[a-z][a-z0-9-]{4,28}[a-z0-9]", 30, "acme-data-42", "p" * 30),
    "gcp_project_id": _name(r"[a-z][a-z0-9-]{4,28}[a-z0-9]", 30, "acme-data-42"),
    "gcp_region": st.sampled_from(["us-central1", "europe-west4", "asia-northeast1",
                                   "northamerica-northeast2", "southamerica-southwest1"]),
    "artifact_repository": _name(r"[a-z]([a-z0-9-]{0,61}[a-z0-9])?", 63, "flows", "r" * 63),
    "prefect_api_auth_string_secret": st.sampled_from(["", "prefect-auth", "s" * 255]),
    # Azure
    "azure_region": st.sampled_from(["eastus", "westeurope", "chinaeast2", "usgovvirginia"]),
    "resource_group": _name(r"[-A-Za-z0-9_.()]{0,89}[-A-Za-z0-9_()]", 90, "r" * 90, "rg(1)"),
    "azure_resource_group": _name(r"[-A-Za-z0-9_.()]{0,89}[-A-Za-z0-9_()]", 90, "r" * 90),
    "acr_name": _name(r"[a-z0-9]{5,50}", 50, "a" * 50, "prefectflows"),
    "key_vault_name": _name(r"[A-Za-z]([A-Za-z0-9]|-(?=[A-Za-z0-9])){1,22}[A-Za-z0-9]", 24,
                            "kv-" + "v" * 21),
    "memory_gb": st.sampled_from([1, 16]),
    # AWS
    "aws_region": st.sampled_from(["us-east-1", "eu-west-1", "ap-southeast-2"]),
    "ecr_repository": _name(r"[a-z0-9]+([._/-][a-z0-9]+){0,4}", 100, "team/" + "f" * 60),
    "ecs_cluster": _name(r"[A-Za-z0-9_-]{1,60}", 255, "c" * 255),
}

#: Options drawn together where the template only accepts some combinations.
COMBINED: dict[str, st.SearchStrategy[dict[str, Any]]] = {
    "gcp_pool": st.sampled_from([
        {}, {"pool_type": "vertex-ai"},
        {"pool_type": "vertex-ai", "machine_type": "g2-standard-24", "accelerator_type": "NVIDIA_L4"},
        {"pool_type": "vertex-ai", "machine_type": "n1-highmem-16",
         "accelerator_type": "NVIDIA_TESLA_V100", "accelerator_count": 2},
        {"cpu": 8, "memory": "32Gi"}]),
}


def _questions(name: str) -> list[Any]:
    return [q for q in get_template(name).questions if not q.computed and q.prompted]


@st.composite
def answers(draw: st.DrawFn, name: str) -> dict[str, Any]:
    """Answers for template `name`: each question kept at its default or drawn."""
    data: dict[str, Any] = {}
    for question in _questions(name):
        if question.choices:
            strategy = st.sampled_from(list(question.choices.values()))
        elif question.type == "bool":
            strategy = st.booleans()
        else:
            strategy = ANSWERS.get(question.name)
        if strategy is not None and draw(st.booleans(), label=f"set {question.name}"):
            data[question.name] = draw(strategy, label=question.name)
    if name in COMBINED:
        data.update(draw(COMBINED[name], label="combined options"))
    return data


def _render_valid(name: str, destination: Path, data: dict[str, Any]) -> None:
    """Render with `data`, leaving out answers to questions the other answers skip."""
    data = dict(data)
    while True:
        try:
            render_template(name, destination, **data)
            return
        except InvalidAnswer as error:
            if "only applies when" not in str(error) or error.field not in data:
                raise
            del data[error.field]


@pytest.mark.parametrize("name", template_names())
# A render takes a second or two: few examples per template (CI's derandomized profile draws the
# same ones each run; local runs explore new ones), and no shrinking, which costs minutes here;
# the failing answers are printed as drawn.
@settings(max_examples=5, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(data=st.data())
@pytest.mark.slow
def test_every_valid_answer_renders_a_project_that_lints_clean(name, data):
    drawn = data.draw(answers(name), label="answers")
    destination = Path(tempfile.mkdtemp()) / "p"
    try:
        try:
            _render_valid(name, destination, drawn)
        except InvalidAnswer:
            assume(False)  # a combination the template refuses: not this test's subject
        assert ruff_findings(destination) == ""
        assert shellcheck_findings(destination) == ""
    finally:
        shutil.rmtree(destination.parent)


def test_the_linters_see_a_long_line_and_a_shell_mistake(tmp_path):
    """The property above can fail: a rendered project with one of each is reported."""
    project = tmp_path / "p"
    render_template("serve_vm", project)
    (project / "flows" / "long.py").write_text(f'NAME = "{"x" * 100}"\n')
    (project / "bad.sh").write_text("#!/usr/bin/env bash\necho $1\n")
    assert "E501" in ruff_findings(project)
    assert "SC2086" in shellcheck_findings(project)


#: Every name at the longest its validator allows (where a template asks it).
LONGEST = {
    "project_name": "q" * 64, "flow_name": "f" * 50, "work_pool_name": "p" * 63,
    "work_queue_name": "w" * 63, "namespace": "n" * 63, "gcp_project": "g" * 30,
    "artifact_repository": "r" * 63, "prefect_api_auth_string_secret": "s" * 255,
    "resource_group": "r" * 90, "acr_name": "a" * 50, "key_vault_name": "k" * 24,
    "ecs_cluster": "c" * 255, "git_token_secret_block": "t" * 63,
    "image_registry": "registry.example.com:5000/team/" + "s" * 60,
}


@pytest.mark.parametrize("name", template_names())
@pytest.mark.slow
def test_the_longest_names_render_a_project_that_lints_clean(name, tmp_path):
    asked = {q.name for q in _questions(name)}
    data = {key: value for key, value in LONGEST.items() if key in asked}
    if "code_storage" in asked:
        data["code_storage"] = "git"
    if "prefect_api_auth_string_secret" in asked:
        data["prefect_api"] = "self-hosted"
    _render_valid(name, tmp_path / "p", data)
    assert ruff_findings(tmp_path / "p") == ""
    assert shellcheck_findings(tmp_path / "p") == ""
