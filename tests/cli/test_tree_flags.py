"""The CLI offers exactly the tree's questions as flags, on both commands that walk the tree."""

import re
from typing import Any

import pytest
import typer.main

from prefect_scaffold._cli import app
from prefect_scaffold.tree.decision_tree import TREE


def _tree_options(command_name: str) -> dict[str, Any]:
    """Options whose help starts with a chart label ("A. ..."): the CLI's tree questions."""
    command = typer.main.get_command(app).commands[command_name]
    return {param.name: param for param in command.params
            if re.match(r"[A-Z]\. ", getattr(param, "help", None) or "")}


@pytest.mark.parametrize("command", ["new", "recommend"])
def test_tree_flags_are_exactly_the_trees_answer_keys(command):
    options = _tree_options(command)
    assert set(options) == set(TREE.keys())
    for key, question in TREE.keys().items():
        option = options[key]
        assert option.opts == [question.flag]
        assert option.help == f"{question.label}. {question.text}"
        if question.yes_no:
            assert option.secondary_opts == [f"--no-{question.flag[2:]}"]


def test_choice_flags_offer_exactly_the_trees_choices(cli):
    for question in TREE.keys().values():
        if not question.yes_no:
            refused = cli("recommend", question.flag, "not-a-choice")
            assert refused.exit_code == 2
            assert all(repr(choice) in refused.output for choice in question.choices)
