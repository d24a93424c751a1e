"""Run the CLI in-process and check its refusals."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from prefect_scaffold._cli import app


class Invoke:
    """Run the CLI in-process, stdin not a terminal, exceptions surfaced."""

    def __init__(self) -> None:
        self.runner = CliRunner()

    def __call__(self, *args: str | Path, input: str | None = None):
        return self.runner.invoke(app, [str(a) for a in args], input=input,
                                  catch_exceptions=False)


def assert_refused(result, *fragments: str) -> None:
    """Exit 2 and exactly one line on stderr naming the problem."""
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


def assert_refused_after_notice(result, *fragments: str) -> None:
    """Exit 2: a notice first (what `--trust` is about to fetch), then the one error line."""
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2 and lines[1].startswith("error: "), result.stderr
    assert not lines[0].startswith("error: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[1]
