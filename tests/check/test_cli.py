from __future__ import annotations

import gc
import json
from pathlib import Path

from tests.check.conftest import PREFECT_YAML, Project
from tests.helpers.cli import Invoke, assert_refused


def test_clean_project_exits_0(cli: Invoke, project: Project) -> None:
    collector = gc.get_threshold()
    result = cli("check", project(), "--pool-type", "kubernetes")
    assert result.exit_code == 0, result.output
    assert "0 error(s), 0 warning(s)" in result.stderr
    # The CLI runs the collector less often only as its own process, not inside a caller's.
    assert gc.get_threshold() == collector


def test_findings_one_per_line_and_exit_1(cli: Invoke, project: Project) -> None:
    root = project(PREFECT_YAML.replace('"0 6 * * *"', '"61 6 * * *"'))
    result = cli("check", root, "--pool-type", "kubernetes")
    assert result.exit_code == 1
    errors = [line for line in result.stdout.splitlines() if ": error: " in line]
    assert errors == [f"{root / 'prefect.yaml'}:15: error: invalid cron schedule '61 6 * * *': "
                      'Invalid cron string: "61 6 * * *" [schedule]']
    assert "1 error(s)" in result.stderr


def test_json(cli: Invoke, project: Project) -> None:
    root = project(PREFECT_YAML.replace("      source: demo", "      sourc: demo"))
    result = cli("check", root, "--json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["errors"] == 1 and report["warnings"] == 0
    error = next(f for f in report["findings"] if f["severity"] == "error")
    assert error == {"file": str(root / "prefect.yaml"), "line": 13, "rule": "parameters",
                     "severity": "error",
                     "message": "deployment etl: flow etl has no parameter 'sourc' "
                                "(did you mean 'source'?)"}


def test_missing_path_is_refused(cli: Invoke, tmp_path: Path) -> None:
    assert_refused(cli("check", tmp_path / "nope"), "no such file or directory")


def test_nothing_to_check_is_refused(cli: Invoke, tmp_path: Path) -> None:
    assert_refused(cli("check", tmp_path), "no prefect.yaml and nothing else to check")
