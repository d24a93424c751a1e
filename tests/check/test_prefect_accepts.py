"""Forms Prefect 3.9's deploy path accepts are never errors (each claim cites Prefect's source)."""

from __future__ import annotations

from tests.check.conftest import PREFECT_YAML, Project, check, yaml_line


def no_errors(report) -> None:
    assert report.errors == 0, [f.as_text() for f in report.findings if f.severity == "error"]


PACKAGE_FLOW = '''
from prefect import flow


@flow
def nightly(day: str = "today") -> str:
    return day
'''


def test_module_path_entrypoints_resolve_in_the_project_package(project: Project) -> None:
    # prefect.utilities.importtools.import_object: no `.py:` -> a module path, split at the last
    # `:` or else the last `.`.
    yaml = PREFECT_YAML.replace("entrypoint: flows/etl.py:etl", "entrypoint: acme.jobs:nightly")
    yaml = yaml.replace("      source: demo", "      day: monday")
    root = project(yaml, **{"src__acme____init__.py": "", "src__acme__jobs.py": PACKAGE_FLOW})
    no_errors(check(root, pool_type="kubernetes"))
    dotted = project(yaml.replace("acme.jobs:nightly", "acme.jobs.nightly"))
    no_errors(check(dotted, pool_type="kubernetes"))
    wrong = project(yaml.replace("acme.jobs:nightly", "acme.jobs:nighty"))
    error = next(f for f in check(wrong, pool_type="kubernetes").findings if f.severity == "error")
    assert error.rule == "entrypoint" and "(did you mean 'nightly'?)" in error.message


def test_module_entrypoint_of_a_package_not_here_is_a_note(project: Project) -> None:
    root = project(PREFECT_YAML.replace("flows/etl.py:etl", "company_flows.etl:main"))
    report = check(root, pool_type="kubernetes")
    no_errors(report)
    note = next(f for f in report.findings if f.rule == "entrypoint")
    assert note.severity == "info" and "not checked" in note.message


def test_flow_imported_or_built_elsewhere_is_not_an_error(project: Project) -> None:
    root = project(PREFECT_YAML.replace("flows/etl.py:etl", "flows/entry.py:etl"),
                   **{"flows__entry.py": "from flows.etl import etl as etl\n"})
    no_errors(check(root, pool_type="kubernetes"))
    root = project(PREFECT_YAML.replace("flows/etl.py:etl", "flows/entry.py:fast"),
                   **{"flows__entry.py": "from flows.etl import etl\n\nfast = etl.with_options("
                                         "retries=2)\n"})
    no_errors(check(root, pool_type="kubernetes"))


def test_empty_schedule_from_prefect_init(project: Project) -> None:
    # _handle_deprecated_schedule_fields reads `schedule` only when truthy; `prefect init`
    # writes `schedule: {}` next to `schedules:`.
    root = project(PREFECT_YAML.replace("    schedules:", "    schedule: {}\n    schedules:"))
    report = check(root, pool_type="kubernetes")
    no_errors(report)
    assert report.warnings == 0


def test_event_templates_in_trigger_parameters(project: Project) -> None:
    # prefect/cli/deploy/_core.py pops trigger `parameters` before templating step outputs.
    root = project(PREFECT_YAML + """\
    triggers:
      - type: event
        enabled: true
        match:
          prefect.resource.id: "s3.bucket.incoming"
        expect: ["object.created"]
        parameters:
          source: "{{ event.resource.id }}"
          limit: "{{ event.payload.count }}"
""")
    report = check(root, pool_type="kubernetes")
    no_errors(report)
    assert report.warnings == 0


def test_ctx_and_prefect_placeholders_are_kept(project: Project) -> None:
    # deploy-time templating skips `ctx.` (skip_prefixes=["ctx."] in _core.py).
    root = project(PREFECT_YAML.replace("namespace: prefect", "namespace: prefect\n"
                                        "        env:\n          RUN: '{{ ctx.flow_run.id }}'\n"
                                        "          MODE: '{{ prefect.variables.mode }}'"))
    no_errors(check(root, pool_type="kubernetes"))


def test_top_level_version_is_a_warning(project: Project) -> None:
    root = project("version: 1\n" + PREFECT_YAML)
    report = check(root, pool_type="kubernetes")
    no_errors(report)
    warning = next(f for f in report.findings if f.severity == "warning")
    assert warning.line == 1 and "version" in warning.message


def test_single_mapping_step_sections_and_json_rrule(project: Project) -> None:
    # _wrap_single_action_mappings wraps a one-step mapping; _schedule_config_to_deployment_
    # schedule tries json.loads on an rrule first.
    yaml = PREFECT_YAML.replace(
        "pull:\n  - prefect.deployments.steps.set_working_directory:\n"
        "      directory: /opt/prefect/demo\n",
        "pull:\n  prefect.deployments.steps.set_working_directory:\n"
        "    directory: /opt/prefect/demo\n")
    yaml = yaml.replace('      - cron: "0 6 * * *"\n        timezone: UTC',
                        "      - rrule: '{\"rrule\": \"FREQ=DAILY;BYHOUR=6\", "
                        "\"timezone\": \"UTC\"}'\n      - interval: PT1H")
    root = project(yaml)
    no_errors(check(root, pool_type="kubernetes"))
    assert yaml_line(root, "rrule")
