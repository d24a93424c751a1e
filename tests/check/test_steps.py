from __future__ import annotations

from tests.check.conftest import PREFECT_YAML, Project, check, only, yaml_line


def test_reference_to_undeclared_step_id(project: Project) -> None:
    root = project(PREFECT_YAML.replace("{{ get-commit.stdout }}", "{{ get_commit.stdout }}"))
    finding = only(check(root, pool_type="kubernetes"), "step-reference")
    assert finding.severity == "error"
    assert finding.line == yaml_line(root, "get_commit.stdout")
    assert "'get-commit'" in finding.message  # did you mean


def test_reference_to_unknown_output_of_a_step(project: Project) -> None:
    root = project(PREFECT_YAML.replace("{{ get-commit.stdout }}", "{{ get-commit.output }}"))
    assert "no output 'output'" in only(check(root, pool_type="kubernetes"),
                                        "step-reference").message


def test_wrong_step_argument(project: Project) -> None:
    root = project(PREFECT_YAML.replace("      directory: /opt", "      dir: /opt"))
    report = check(root, pool_type="kubernetes")
    findings = [f for f in report.findings if f.rule == "step-arguments"]
    assert {f.message.split(" has ")[0].split(" needs ")[0] for f in findings} == {
        "prefect.deployments.steps.set_working_directory"}
    unknown = next(f for f in findings if "no argument 'dir'" in f.message)
    assert unknown.line == yaml_line(root, "dir: /opt")
    assert any("needs argument 'directory'" in f.message for f in findings)


def test_step_arguments_given_as_a_string(project: Project) -> None:
    # https://github.com/PrefectHQ/prefect/issues/16996: deploys fine, fails at run time
    root = project(PREFECT_YAML.replace(
        "set_working_directory:\n      directory: /opt/prefect/demo",
        "set_working_directory: /opt/prefect/demo"))
    finding = only(check(root, pool_type="kubernetes"), "step-arguments")
    assert finding.line == yaml_line(root, "set_working_directory")


def test_unknown_step_name_with_did_you_mean(project: Project) -> None:
    root = project(PREFECT_YAML.replace("steps.set_working_directory", "steps.set_working_dir"))
    finding = only(check(root, pool_type="kubernetes"), "unknown-step")
    assert finding.line == yaml_line(root, "set_working_dir")
    assert "prefect.deployments.steps.set_working_directory" in finding.message


def test_third_party_step_not_importable_is_a_note(project: Project) -> None:
    root = project(PREFECT_YAML.replace("prefect.deployments.steps.run_shell_script",
                                        "acme_steps.deploy.tag_image"))
    report = check(root, pool_type="kubernetes")
    assert only(report, "step-not-importable").severity == "info"


def test_docker_steps_arguments_and_outputs(project: Project) -> None:
    root = project(PREFECT_YAML.replace("build:\n", """build:
  - prefect_docker.deployments.steps.build_docker_image:
      id: build-image
      image_name: ghcr.io/acme/demo
      tag: latest
      platform: linux/amd64
push:
  - prefect_docker.deployments.steps.push_docker_image:
      image_name: "{{ build-image.image_name }}"
      tags: "{{ build-image.tag }}"
"""))
    finding = only(check(root, pool_type="kubernetes"), "step-arguments")
    assert "no argument 'tags'" in finding.message and "'tag'" in finding.message


def test_step_table_matches_the_installed_versions_it_stands_for() -> None:
    """`check` reads KNOWN_STEPS instead of importing prefect's steps when the installed version
    is the one the table describes: the table must then equal the real signatures."""
    from importlib import metadata

    from prefect_scaffold.check import steps

    compared = 0
    for name, table in list(steps.KNOWN_STEPS.items()):
        distribution = name.split(".", 1)[0].replace("_", "-")
        try:
            installed = metadata.version(distribution)
        except metadata.PackageNotFoundError:
            continue
        if not installed.startswith(steps.TABLE_VERSIONS.get(distribution, "-")):
            continue
        steps.KNOWN_STEPS.pop(name)  # force the import path
        try:
            live = steps.step_spec(name)
            assert live is not None, name
            assert (live.arguments, live.required, live.any_keyword) == \
                (table.arguments, table.required, table.any_keyword), name
            assert live.outputs in (None, table.outputs), name  # None: not annotated
        finally:
            steps.KNOWN_STEPS[name] = table
        compared += 1
    assert compared >= 6
