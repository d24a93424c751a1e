from __future__ import annotations

from tests.check.conftest import Project, check, only, yaml_line

SERVE = """\
from prefect import serve

from flows.etl import etl

if __name__ == "__main__":
    serve(etl.to_deployment(name="etl", cron="0 6 * * *", parameters={"source": "x"}))
"""


def test_serve_project_is_checked_without_prefect_yaml(project: Project) -> None:
    report = check(project(None, **{"serve.py": SERVE}))
    assert report.checked and report.errors == 0


def test_serve_script_bad_cron_and_parameter(project: Project) -> None:
    text = SERVE.replace("0 6 * * *", "0 25 * * *").replace('"source"', '"sorce"')
    root = project(None, **{"serve.py": text})
    report = check(root)
    assert {f.rule for f in report.findings} == {"schedule", "parameters"}
    assert {f.line for f in report.findings} == {yaml_line(root, "to_deployment", "serve.py")}


def test_serve_script_missing_flow(project: Project) -> None:
    root = project(None, **{"serve.py": SERVE.replace("import etl", "import etl as run")
                            .replace("etl.to_deployment", "run.to_deployment")
                            .replace("from flows.etl import etl as run",
                                     "from flows.etl import elt as run")})
    assert "no function elt" in only(check(root), "entrypoint").message
