"""Rendered READMEs read as Markdown: every table row sits in a table, and placeholders the user
must replace are called out at the top of the Deploy section."""

from __future__ import annotations

import re

import pytest
from markdown_it import MarkdownIt

from prefect_scaffold.catalog.registry import template_names
from tests.helpers.projects import render_template

#: Each template's defaults and its main options.
VARIANTS = {
    "serve_vm": [{}, {"docker": True}],
    "k8s_pool": [{}, {"prefect_api": "self-hosted", "code_storage": "git"}],
    "push_pool": [{}, {"provider": "cloud-run"}, {"provider": "azure-container-instance"}],
    "ecs_pool": [{}, {"prefect_api": "cloud"}],
    "gcp_pool": [{}, {"pool_type": "vertex-ai", "worker_runtime": "vm"}],
    "azure_pool": [{}, {"prefect_api": "self-hosted", "code_storage": "git"}],
}
CASES = [(name, data) for name in template_names() for data in VARIANTS.get(name, [{}])]
_ROW = re.compile(r"^\s*\|.*\|\s*$")


def _rows_outside_tables(text: str) -> list[str]:
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    inside = {line for token in tokens if token.map and token.type in ("table_open", "fence",
                                                                        "code_block")
              for line in range(*token.map)}
    return [line for number, line in enumerate(text.splitlines())
            if _ROW.match(line) and number not in inside]


def test_the_checker_sees_a_table_split_by_a_blank_line():
    split = "| a | b |\n| --- | --- |\n| 1 | 2 |\n\n| 3 | 4 |\n"
    assert _rows_outside_tables(split) == ["| 3 | 4 |"]


@pytest.fixture(scope="module")
def readmes(tmp_path_factory):
    rendered = {}
    for number, (name, data) in enumerate(CASES):
        destination = tmp_path_factory.mktemp(name) / f"flows-{number}"
        render_template(name, destination, **data)
        rendered[(name, number)] = (destination / "README.md").read_text()
    return rendered


@pytest.mark.slow
def test_every_table_row_is_inside_a_table(readmes):
    broken = {key: rows for key, text in readmes.items()
              if (rows := _rows_outside_tables(text))}
    assert broken == {}


@pytest.mark.slow
def test_placeholders_left_in_a_default_render_are_called_out(readmes):
    for (name, _), text in readmes.items():
        for marker in ("123456789012", "your-org", "my-gcp-project"):
            deploy = text[text.index("## Deploy"):]
            if marker in deploy.split("## Layout")[0]:
                assert "**Placeholder" in deploy, (name, marker)
