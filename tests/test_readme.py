"""The README shows the decision tree as the code draws it (no hand-pasted copy drifts)."""

import re
from pathlib import Path

from prefect_scaffold.tree.view import as_mermaid

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_mermaid_block_is_the_tree_commands_output():
    blocks = re.findall(r"```mermaid\n(.*?)```", README.read_text(), re.DOTALL)
    assert blocks == [as_mermaid() + "\n"], (
        "README's mermaid block differs: paste `prefect-scaffold tree --format mermaid`")
