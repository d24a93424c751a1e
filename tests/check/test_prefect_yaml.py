from __future__ import annotations

from tests.check.conftest import PREFECT_YAML, Project, check, only, yaml_line


def test_clean_project_has_no_errors_or_warnings(project: Project) -> None:
    report = check(project(), pool_type="kubernetes")
    assert report.errors == 0 and report.warnings == 0, [f.as_text() for f in report.findings]


def test_yaml_syntax_error_reports_the_line(project: Project) -> None:
    root = project(PREFECT_YAML.replace("    parameters:\n", "    parameters: [\n"))
    finding = only(check(root), "syntax")
    assert finding.severity == "error" and finding.file.endswith("prefect.yaml")
    assert finding.line is not None and finding.line >= yaml_line(root, "parameters: [")
    assert "YAML syntax error" in finding.message


def test_unknown_deployment_key_with_did_you_mean(project: Project) -> None:
    root = project(PREFECT_YAML.replace("    parameters:", "    enforce_parameters_schema: true\n"
                                        "    parameters:"))
    finding = only(check(root, pool_type="kubernetes"), "unknown-key")
    assert finding.line == yaml_line(root, "enforce_parameters_schema")
    assert "'enforce_parameter_schema'" in finding.message


def test_unknown_work_pool_and_top_level_keys(project: Project) -> None:
    root = project(PREFECT_YAML.replace("      job_variables:", "      job_variable:")
                   .replace("name: demo", "name: demo\npul: []"))
    report = check(root)
    messages = {f.line: f.message for f in report.findings if f.rule == "unknown-key"}
    assert "'job_variables'" in messages[yaml_line(root, "job_variable:")]
    assert "'pull'" in messages[yaml_line(root, "pul: []")]


def test_bad_cron_schedule(project: Project) -> None:
    root = project(PREFECT_YAML.replace('"0 6 * * *"', '"61 6 * * *"'))
    finding = only(check(root, pool_type="kubernetes"), "schedule")
    assert finding.line == yaml_line(root, "61 6")
    assert "Invalid cron string" in finding.message


def test_interval_must_be_positive_and_timezone_valid(project: Project) -> None:
    root = project(PREFECT_YAML.replace('      - cron: "0 6 * * *"\n        timezone: UTC',
                                        "      - interval: 0\n"
                                        '      - cron: "0 6 * * *"\n        timezone: Mars/Base'))
    report = check(root, pool_type="kubernetes")
    lines = sorted(f.line for f in report.findings if f.rule == "schedule")
    assert lines == [yaml_line(root, "interval: 0"), yaml_line(root, '- cron: "0 6')]


def test_schedule_needs_exactly_one_kind(project: Project) -> None:
    root = project(PREFECT_YAML.replace("        timezone: UTC", "        interval: 60"))
    assert "exactly one of" in only(check(root, pool_type="kubernetes"), "schedule").message


def test_prefect_model_type_error(project: Project) -> None:
    root = project(PREFECT_YAML.replace("    parameters:", "    paused: maybe\n    parameters:"))
    finding = only(check(root, pool_type="kubernetes"), "prefect-model")
    assert finding.line == yaml_line(root, "paused: maybe")
    assert finding.message.startswith("deployments.0.paused:")


def test_work_pool_deployment_without_pull_warns(project: Project) -> None:
    root = project(PREFECT_YAML.replace(
        "pull:\n  - prefect.deployments.steps.set_working_directory:\n"
        "      directory: /opt/prefect/demo\n", ""))
    finding = only(check(root, pool_type="kubernetes"), "empty-pull")
    assert finding.severity == "warning"
    assert finding.line == yaml_line(root, "name: k8s")
