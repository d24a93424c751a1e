"""What `prefect deploy` rejects (or mis-deploys) is an error, in Prefect's own terms."""

from __future__ import annotations

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
