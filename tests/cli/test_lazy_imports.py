import subprocess
import sys

import pytest

PROBE = """
import sys
from typer.testing import CliRunner
from prefect_scaffold._cli import app
result = CliRunner().invoke(app, {args!r})
assert result.exit_code == 0, result.output
heavy = sorted({{m.split(".")[0] for m in sys.modules}} & {{"copier", "prefect", "jsonschema"}})
print(",".join(heavy))
"""


@pytest.mark.parametrize("args", [
    ["--help"],
    ["recommend", "--containers", "--serverless", "--cloud-credentials", "--cloud", "aws",
     "--json"],
    ["tree", "--format", "mermaid"],
    ["list", "--json"],
])
@pytest.mark.slow
def test_fast_commands_import_neither_copier_nor_prefect(args):
    # A fresh interpreter: the test session itself has imported both long ago.
    result = subprocess.run([sys.executable, "-c", PROBE.format(args=args)],
                            capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


def test_python_dash_m_runs_the_cli():
    result = subprocess.run([sys.executable, "-m", "prefect_scaffold", "--version"],
                            capture_output=True, text=True, check=True)
    assert result.stdout.startswith("prefect-scaffold ")
