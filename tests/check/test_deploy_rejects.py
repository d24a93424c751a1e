"""What `prefect deploy` rejects (or mis-deploys) is an error, in Prefect's own terms."""

from __future__ import annotations

import pytest

from tests.check.conftest import PREFECT_YAML, Project, check, only, yaml_line


def test_work_pool_without_a_name(project: Project) -> None:
    root = project(PREFECT_YAML.replace("      name: k8s\n", ""))
    finding = only(check(root, pool_type="kubernetes"), "work-pool")
    assert finding.severity == "error" and "A work pool is required" in finding.message
    root = project(PREFECT_YAML.replace("    work_pool:\n      name: k8s\n      job_variables:\n"
                                        "        image: \"ghcr.io/acme/demo:{{ get-commit.stdout "
                                        "}}\"\n        namespace: prefect\n",
                                        "    work_pool: {}\n"))
    assert only(check(root), "work-pool").line == yaml_line(root, "work_pool: {}")


def test_schedule_and_schedules_together(project: Project) -> None:
    root = project(PREFECT_YAML.replace("    schedules:", "    schedule:\n      cron: '0 1 * * *'\n"
                                        "    schedules:"))
    finding = only(check(root, pool_type="kubernetes"), "schedule")
    assert finding.line == yaml_line(root, "    schedule:") and "keep only" in finding.message


def test_prefect2_step_names_say_the_prefect3_name(project: Project) -> None:
    root = project(PREFECT_YAML.replace("prefect.deployments.steps.set_working_directory",
                                        "prefect.projects.steps.git_clone_project")
                   .replace("directory: /opt/prefect/demo", "repository: https://x/y.git"))
    finding = only(check(root, pool_type="kubernetes"), "prefect2-step")
    assert "'prefect.deployments.steps.git_clone'" in finding.message
    root = project(PREFECT_YAML.replace("prefect.deployments.steps.run_shell_script",
                                        "prefect_docker.projects.steps.build_docker_image"))
    report = check(root, pool_type="kubernetes")
    assert "'prefect_docker.deployments.steps.build_docker_image'" in only(
        report, "prefect2-step").message


def test_unknown_schedule_key_rejects_the_whole_file(project: Project) -> None:
    root = project(PREFECT_YAML.replace("        timezone: UTC", "        timezon: UTC"))
    finding = only(check(root, pool_type="kubernetes"), "schedule")
    assert finding.line == yaml_line(root, "timezon: UTC")
    assert "(did you mean 'timezone'?)" in finding.message
    assert "rejects the whole prefect.yaml" in finding.message


def test_empty_schedule_in_schedules_is_rejected(project: Project) -> None:
    # `schedules: [{}]` passes the model but _schedule_config_to_deployment_schedule raises.
    root = project(PREFECT_YAML.replace('      - cron: "0 6 * * *"\n        timezone: UTC',
                                        "      - {}"))
    assert "exactly one of" in only(check(root, pool_type="kubernetes"), "schedule").message


FLOW_TWO = """
from prefect import flow


@flow
def etl(source: str = "demo", limit: int = 10) -> int:
    return limit


@flow
def load(source: str = "demo") -> str:
    return source
"""


def _judge(root) -> str:
    """What Prefect printed loading the project's prefect.yaml (empty when it took it whole)."""
    from tests.check.prefect_judge import prefect_loads

    return prefect_loads(root / "prefect.yaml")[1]


def test_empty_legacy_schedule_list_rejects_the_whole_file(project: Project) -> None:
    root = project(PREFECT_YAML.replace("    schedules:", "    schedule: []\n    schedules:"))
    assert "Invalid fields in deployments" in _judge(root)
    finding = only(check(root, pool_type="kubernetes"), "schedule")
    assert finding.severity == "error" and finding.line == yaml_line(root, "schedule: []")
    assert "Invalid fields in deployments: schedule" in finding.message


def test_type_under_work_pool_is_only_a_warning(project: Project) -> None:
    root = project(PREFECT_YAML.replace("      name: k8s\n", "      name: k8s\n      type: "
                                        "kubernetes\n"))
    configs, said = __import__("tests.check.prefect_judge", fromlist=["x"]).prefect_loads(
        root / "prefect.yaml")
    assert "type" not in configs[0]["work_pool"] and "Skipping" not in said  # dropped, quietly
    finding = only(check(root, pool_type="kubernetes"), "unknown-key")
    assert finding.severity == "warning" and finding.line == yaml_line(root, "type: kubernetes")


def test_invalid_collision_strategy(project: Project) -> None:
    from prefect.client.schemas.objects import ConcurrencyOptions
    from pydantic import ValidationError

    with pytest.raises(ValidationError):  # what RunnerDeployment builds from the section
        ConcurrencyOptions(collision_strategy="CANCEL")
    root = project(PREFECT_YAML.replace("    work_pool:", "    concurrency_limit:\n      limit: 1\n"
                                        "      collision_strategy: CANCEL\n    work_pool:"))
    finding = only(check(root, pool_type="kubernetes"), "concurrency")
    assert finding.line == yaml_line(root, "collision_strategy: CANCEL")
    assert "ENQUEUE" in finding.message and "CANCEL_NEW" in finding.message
    root.joinpath("prefect.yaml").write_text(root.joinpath("prefect.yaml").read_text().replace(
        "CANCEL", "CANCEL_NEW"))
    assert check(root, pool_type="kubernetes").errors == 0


def test_job_variable_against_the_template_enum(project: Project) -> None:
    root = project(PREFECT_YAML.replace("namespace: prefect", "image_pull_policy: Allways"))
    finding = only(check(root, pool_type="kubernetes"), "job-variables")
    assert finding.severity == "error" and "'IfNotPresent', 'Always', 'Never'" in finding.message
    # Unknown pool type: the value is wrong for every worker type that has the variable.
    unknown = project(PREFECT_YAML.replace("namespace: prefect", "image_pull_policy: Allways")
                      .replace("name: k8s", "name: main"))
    findings = [f for f in check(unknown).findings if f.rule == "job-variables"
                and f.severity == "warning"]
    assert len(findings) == 1 and "for every work pool type" in findings[0].message


def test_duplicate_deployment_names(project: Project) -> None:
    second = PREFECT_YAML[PREFECT_YAML.index("  - name: etl"):]
    root = project(PREFECT_YAML + second)
    finding = only(check(root, pool_type="kubernetes"), "deployment-name")
    names = [i for i, line in enumerate((root / "prefect.yaml").read_text().splitlines(), 1)
             if line == "  - name: etl"]
    assert finding.line == names[1] and f"first on line {names[0]}" in finding.message
    # Another flow may reuse the name: deployments are named per flow.
    other = second.replace("flows/etl.py:etl", "flows/etl.py:load")
    root = project(PREFECT_YAML + other, **{"flows__etl.py": FLOW_TWO})
    assert not [f for f in check(root, pool_type="kubernetes").findings if f.severity != "info"]


def test_pushed_image_never_pulled(project: Project) -> None:
    yaml = PREFECT_YAML.replace("pull:", "push:\n  - prefect_docker.deployments.steps."
                                "push_docker_image:\n      image_name: ghcr.io/acme/demo\n"
                                "      tag: \"{{ get-commit.stdout }}\"\npull:")
    root = project(yaml.replace("namespace: prefect", "image_pull_policy: Never"))
    finding = only(check(root, pool_type="kubernetes"), "image-pull-policy")
    assert finding.severity == "warning" and finding.line == yaml_line(root, "Never")
    root = project(yaml.replace("namespace: prefect", "image_pull_policy: IfNotPresent"))
    assert not [f for f in check(root, pool_type="kubernetes").findings if f.severity != "info"]


def test_docker_network_is_network_mode(project: Project) -> None:
    from prefect_docker.worker import DockerWorkerJobConfiguration

    assert "network" not in DockerWorkerJobConfiguration.model_fields  # the worker drops it
    root = project(PREFECT_YAML.replace("namespace: prefect", "network: host")
                   .replace("name: k8s", "name: local-docker"))
    finding = only(check(root, pool_type="docker"), "job-variables")
    assert "did you mean 'network_mode' or 'networks'?" in finding.message


def test_unknown_trigger_keys_and_invalid_triggers(project: Project) -> None:
    from prefect.cli.deploy._triggers import DeploymentTriggerAdapter

    trigger = {"name": "t", "match": {"prefect.resource.id": "x"}, "expects": ["x.done"]}
    assert "expects" not in DeploymentTriggerAdapter.validate_python(trigger).model_dump()
    root = project(PREFECT_YAML.replace("    work_pool:", "    triggers:\n      - match:\n"
                                        "          prefect.resource.id: x\n"
                                        "        expects: [x.done]\n    work_pool:"))
    finding = only(check(root, pool_type="kubernetes"), "trigger")
    assert finding.line == yaml_line(root, "expects:") and "did you mean 'expect'?" in \
        finding.message
    root = project(PREFECT_YAML.replace("    work_pool:", "    triggers:\n      - type: event\n"
                                        "        posture: Sideways\n    work_pool:"))
    finding = only(check(root, pool_type="kubernetes"), "trigger")
    assert finding.line == yaml_line(root, "posture: Sideways")


def test_job_variable_no_worker_type_has(project: Project) -> None:
    root = project(PREFECT_YAML.replace("namespace: prefect", "namespce: prefect")
                   .replace("name: k8s", "name: main"))
    finding = next(f for f in check(root).findings if "namespce" in f.message)
    assert finding.severity == "warning" and "not a job variable of any work pool type" in \
        finding.message


def test_schedule_keys_beside_the_deployment_are_lost(project: Project) -> None:
    """`cron:` / `timezone:` written on the deployment (as `prefect deploy --cron` takes them):
    Prefect 3.9's loader and _construct_schedules leave it unscheduled, or scheduled in UTC."""
    from prefect.cli.deploy._schedules import _construct_schedules
    from rich.console import Console

    from tests.check.prefect_judge import prefect_loads

    root = project(PREFECT_YAML.replace("    schedules:\n", "    cron: '0 5 * * *'\n    timezone: "
                                        "Europe/Berlin\n    schedules:\n"))
    configs, _ = prefect_loads(root / "prefect.yaml")
    built = _construct_schedules(configs[0], {}, console=Console(), is_interactive=lambda: False)
    assert [(s["schedule"].cron, s["schedule"].timezone) for s in built] == [("0 6 * * *", "UTC")]
    findings = [f for f in check(root, pool_type="kubernetes").findings
                if f.rule == "unknown-key"]
    assert {(f.line, f.severity) for f in findings} == {
        (yaml_line(root, "cron: '0 5 * * *'"), "error"),
        (yaml_line(root, "timezone: Europe/Berlin"), "error")}
    assert all("under `schedules:`" in f.message for f in findings)



def test_parameter_of_the_wrong_type(project: Project) -> None:
    """Prefect's own Flow.validate_parameters (run before every flow run) is the judge."""
    from prefect.exceptions import ParameterTypeError
    from prefect.flows import load_flow_from_entrypoint

    from tests.check.conftest import FLOW

    wrong = PREFECT_YAML.replace("    work_pool:\n", "    parameters: {limit: ten, source: '5'}\n"
                                 "    work_pool:\n", 1)
    root = project(wrong)
    loaded = load_flow_from_entrypoint(str(root / "flows/etl.py") + ":etl")
    with pytest.raises(ParameterTypeError):
        loaded.validate_parameters({"limit": "ten"})
    assert loaded.validate_parameters({"limit": "7", "source": "5"}) == {"limit": 7, "source": "5"}
    finding = only(check(root, pool_type="kubernetes"), "parameters")
    assert "'limit' = 'ten' is not a valid int" in finding.message
    assert finding.line == yaml_line(root, "parameters: {limit: ten")
    unchecked = FLOW.replace("@flow(log_prints=True)",
                             "@flow(log_prints=True, validate_parameters=False)")
    report = check(project(wrong, **{"flows__etl.py": unchecked}), pool_type="kubernetes")
    assert [f for f in report.findings if f.rule == "parameters"] == []
