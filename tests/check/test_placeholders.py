"""`check` warns about each placeholder a rendered project still uses (and only those)."""

from __future__ import annotations

import pytest

from prefect_scaffold.check import check
from tests.helpers.projects import render_template


def _placeholders(project):
    return sorted((f.file.removeprefix(f"{project}/"), f.message.split(" is ")[0])
                  for f in check(project).findings if f.rule == "placeholder")


@pytest.mark.slow
def test_defaults_warn_about_every_placeholder_they_left(tmp_path):
    project = tmp_path / "flows"
    render_template("k8s_pool", project)
    zeros = "'00000000-0000-0000-0000-000000000000'"
    assert _placeholders(project) == [
        ("helm/values.yaml", zeros), ("prefect.yaml", "'ghcr.io/your-org'"),
        ("scripts/install-worker.sh", zeros),  # its your-org line is a comment
        ("scripts/uninstall-worker.sh", zeros)]
    assert all(f.severity == "warning" for f in check(project).findings
               if f.rule == "placeholder")


@pytest.mark.slow
def test_a_project_with_real_values_has_no_placeholder_warning(tmp_path):
    project = tmp_path / "flows"
    render_template("k8s_pool", project, image_registry="ghcr.io/acme",
                    prefect_account_id="1f0e8d6c-1111-4222-8333-944455556666",
                    prefect_workspace_id="2f0e8d6c-1111-4222-8333-944455556666")
    assert _placeholders(project) == []


@pytest.mark.slow
def test_the_example_aws_account_is_named_where_it_is_used(tmp_path):
    project = tmp_path / "flows"
    render_template("ecs_pool", project)
    files = {file for file, value in _placeholders(project) if value == "'123456789012'"}
    assert "prefect.yaml" in files
