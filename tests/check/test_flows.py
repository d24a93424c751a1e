from __future__ import annotations

from tests.check.conftest import PREFECT_YAML, Project, check, only, yaml_line


def test_missing_entrypoint_function(project: Project) -> None:
    root = project(PREFECT_YAML.replace("flows/etl.py:etl", "flows/etl.py:etl_flow"))
    finding = only(check(root, pool_type="kubernetes"), "entrypoint")
    assert finding.line == yaml_line(root, "entrypoint:")
    assert "no function etl_flow" in finding.message


def test_missing_entrypoint_file(project: Project) -> None:
    root = project(PREFECT_YAML.replace("flows/etl.py:etl", "flow/etl.py:etl"))
    assert "no file flow/etl.py" in only(check(root, pool_type="kubernetes"),
                                         "entrypoint").message


def test_entrypoint_without_flow_decorator(project: Project) -> None:
    root = project(**{"flows__etl.py": "def etl(source: str = 'x', limit: int = 1):\n  pass\n"})
    assert "not decorated with @flow" in only(check(root, pool_type="kubernetes"),
                                              "entrypoint").message


def test_user_code_is_not_imported(project: Project) -> None:
    flow = ("raise SystemExit('imported!')\n"
            "from prefect import flow\n@flow\ndef etl(source, limit=1):\n  pass\n")
    report = check(project(**{"flows__etl.py": flow}), pool_type="kubernetes")
    assert report.errors == 0


def test_unknown_parameter(project: Project) -> None:
    root = project(PREFECT_YAML.replace("      source: demo", "      sourc: demo"))
    report = check(root, pool_type="kubernetes")
    unknown = [f for f in report.findings if "no parameter" in f.message]
    assert len(unknown) == 1 and unknown[0].line == yaml_line(root, "sourc: demo")
    assert "'source'" in unknown[0].message


def test_required_parameter_missing_for_scheduled_runs(project: Project) -> None:
    flow = "from prefect import flow\n@flow\ndef etl(source: str, limit: int = 1):\n  pass\n"
    root = project(PREFECT_YAML.replace("      source: demo\n", "      limit: 3\n"),
                   **{"flows__etl.py": flow})
    assert "requires parameter 'source'" in only(check(root, pool_type="kubernetes"),
                                                 "parameters").message
