"""Every worker container the templates start, run through its image's real start command.

For each one: the image's ENTRYPOINT/CMD (tests/helpers/container_start.py, read from Prefect's
Dockerfile) and the template's overrides give the argv the container executes; following it through
tini and Prefect's entrypoint script gives the process and the packages installed before it. That
process must be `prefect worker start` with the pool's name and type, and the worker type's package
(per Prefect's own worker metadata) must be baked into the image or installed at start.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.helpers import container_start as cs
from tests.helpers.gcloud_cli import record
from tests.helpers.helm import script_helm_install, template_and_lint_args
from tests.helpers.projects import render_template

#: Extras a worker type needs beyond its package: prefect-gcp's Vertex AI worker imports
#: google-cloud-aiplatform, which only prefect-gcp[aiplatform] installs.
NEEDED_EXTRAS = {"vertex-ai": {"aiplatform"}}


def _answers(project: Path) -> dict[str, Any]:
    return yaml.safe_load((project / ".copier-answers.yml").read_text())


def _check(img: cs.Image, argv: list[str], env: dict[str, str], project: Path,
           pool_type: str) -> None:
    started = cs.start(img, argv, env)
    problems = cs.worker_problems(started, pool=_answers(project)["work_pool_name"],
                                  pool_type=pool_type,
                                  needed_extras=NEEDED_EXTRAS.get(pool_type, set()))
    assert problems == [], f"{argv} -> {started}"


# --- gcp_pool: the Cloud Run service (scripts/provision.sh) and the VM (scripts/vm-startup.sh) ---

def _list_flag(command: list[str], name: str) -> list[str] | None:
    """A gcloud list flag's value; "" resets the field to the image's default (None)."""
    if name not in command:
        return None
    value = command[command.index(name) + 1]
    return value.split(",") if value else None


@pytest.mark.parametrize("pool_type", ["cloud-run-v2", "vertex-ai"])
@pytest.mark.slow
def test_the_cloud_run_worker_installs_prefect_gcp_and_starts(tmp_path, pool_type):
    project = tmp_path / "p"
    render_template("gcp_pool", project, pool_type=pool_type, work_pool_name="sales-reports")
    env = {"PREFECT_API_URL": "https://prefect.example.com/api"}
    commands = record(project / "scripts" / "provision.sh", tmp_path / "rec", existing=False,
                      env=env)
    (deploy,) = [c[1:] for c in commands if c[:3] == ["gcloud", "run", "deploy"]]
    variables = dict(v.split("=", 1) for v in _list_flag(deploy, "--set-env-vars") or [])
    img = cs.image(deploy[deploy.index("--image") + 1])
    argv = cs.effective_argv(img, _list_flag(deploy, "--command"), _list_flag(deploy, "--args"))
    _check(img, argv, variables, project, pool_type)


@pytest.mark.slow
def test_the_vm_worker_installs_prefect_gcp_and_starts(tmp_path):
    project = tmp_path / "p"
    render_template("gcp_pool", project, pool_type="vertex-ai", worker_runtime="vm")
    startup = (project / "scripts" / "vm-startup.sh").read_text()
    (install,) = [shlex.split(line) for line in startup.splitlines()
                  if line.startswith("uv tool install")]
    assert install[-1].split("==")[0] == "prefect"
    with_packages = [install[i + 1] for i, word in enumerate(install) if word == "--with"]
    (exec_start,) = re.findall(r"^ExecStart=(.*)$", startup, re.MULTILINE)
    argv = shlex.split(exec_start)
    assert argv[0] == "/root/.local/bin/prefect"  # where `uv tool install` puts it for root
    started = cs.Started(["prefect", *argv[1:]], frozenset(with_packages))
    assert cs.worker_problems(started, pool="gcp-pool", pool_type="vertex-ai",
                              needed_extras=NEEDED_EXTRAS["vertex-ai"]) == []


def test_the_check_finds_a_command_that_bypasses_the_entrypoint():
    """Today's bug in gcp_pool, as data: `--command prefect` replaces tini and entrypoint.sh."""
    img = cs.image("docker.io/prefecthq/prefect:3-python3.12")
    argv = cs.effective_argv(img, ["prefect"], ["worker", "start", "--pool", "p", "--type",
                                                "cloud-run-v2"])
    started = cs.start(img, argv, {"EXTRA_PIP_PACKAGES": "prefect-gcp"})
    assert started.installed == frozenset()
    (problem,) = cs.worker_problems(started, pool="p", pool_type="cloud-run-v2")
    assert problem.startswith("prefect-gcp (the cloud-run-v2 worker) is neither baked in")
    kubernetes = cs.image("prefecthq/prefect:3.9.1-python3.12-kubernetes")
    assert kubernetes.baked_in == {"prefect-kubernetes"}
    with pytest.raises(KeyError, match="add it to IMAGES"):
        cs.image("example.com/some/worker:1")


# --- azure_pool: the ACI container group (infra/worker.json) ---------------------------------

@pytest.mark.slow
def test_the_aci_worker_installs_prefect_azure_and_starts(tmp_path):
    project = tmp_path / "p"
    render_template("azure_pool", project, work_pool_name="p-int-azure")
    template = json.loads((project / "infra" / "worker.json").read_text())
    (group,) = template["resources"]
    (container,) = group["properties"]["containers"]
    properties = container["properties"]
    reference = re.fullmatch(r"\[parameters\('(\w+)'\)\]", properties["image"])
    image_ref = (template["parameters"][reference.group(1)]["defaultValue"] if reference
                 else properties["image"])
    img = cs.image(image_ref)
    # ACI's `command` replaces the image's ENTRYPOINT (and with it the CMD).
    argv = cs.effective_argv(img, properties.get("command"), None)
    env = {e["name"]: e.get("value", "") for e in properties["environmentVariables"]}
    _check(img, argv, env, project, "azure-container-instance")


# --- ecs_pool: the worker task definition (infra/worker-task-definition.json, infra/worker.yaml) ---

def _cfn_value(value: Any, parameters: dict[str, Any]) -> Any:
    if isinstance(value, dict) and set(value) == {"Ref"}:
        return parameters.get(value["Ref"], {}).get("Default", f"<{value['Ref']}>")
    return value


class _CfnLoader(yaml.SafeLoader):
    """CloudFormation YAML: short-form intrinsics (!Ref, !Sub, ...) read as {"Fn": value}."""


_CfnLoader.add_multi_constructor("!", lambda loader, suffix, node: {
    suffix: (loader.construct_scalar(node) if isinstance(node, yaml.ScalarNode)
             else loader.construct_sequence(node) if isinstance(node, yaml.SequenceNode)
             else loader.construct_mapping(node))})


def _ecs_containers(project: Path) -> list[tuple[str, dict[str, Any]]]:
    """(file, container definition) of every ECS worker container, keys as the ECS API names them."""
    found = []
    for path in sorted((project / "infra").glob("*.json")):
        document = json.loads(path.read_text())
        for container in document.get("containerDefinitions", []):
            found.append((path.name, container))
    for path in sorted((project / "infra").glob("*.yaml")):
        document = yaml.load(path.read_text(), Loader=_CfnLoader)  # noqa: S506 (safe loader)
        parameters = document.get("Parameters", {})
        for resource in document.get("Resources", {}).values():
            if resource.get("Type") != "AWS::ECS::TaskDefinition":
                continue
            for container in resource["Properties"]["ContainerDefinitions"]:
                found.append((path.name, {
                    "image": _cfn_value(container["Image"], parameters),
                    "entryPoint": container.get("EntryPoint"),
                    "command": container.get("Command"),
                    "environment": [{"name": e["Name"], "value": _cfn_value(e["Value"], parameters)}
                                    for e in container.get("Environment", [])]}))
    return found


@pytest.mark.slow
def test_the_ecs_worker_installs_prefect_aws_and_starts(tmp_path):
    project = tmp_path / "p"
    render_template("ecs_pool", project, work_pool_name="sales-reports")
    containers = _ecs_containers(project)
    assert {name for name, _ in containers} >= {"worker-task-definition.json", "worker.yaml"}
    for name, container in containers:
        img = cs.image(container["image"])
        # ECS: entryPoint replaces the ENTRYPOINT, command the CMD.
        argv = cs.effective_argv(img, container.get("entryPoint"), container.get("command"))
        env = {e["name"]: str(e["value"]) for e in container.get("environment", [])}
        started = cs.start(img, argv, env)
        assert cs.worker_problems(started, pool="sales-reports", pool_type="ecs") == [], name


# --- k8s_pool: the prefect-worker chart's Deployment, as helm renders it with our values ------

@pytest.mark.slow
def test_the_kubernetes_worker_has_prefect_kubernetes_and_starts(tmp_path, helm,
                                                                  prefect_worker_charts):
    project = tmp_path / "flows"
    render_template("k8s_pool", project, work_pool_name="sales-reports")
    install = script_helm_install((project / "scripts" / "install-worker.sh").read_text())
    chart = prefect_worker_charts / f"prefect-worker-{install[install.index('--version') + 1]}.tgz"
    template_args, _ = template_and_lint_args(install, chart)
    rendered = subprocess.run([str(helm), *template_args], cwd=project, capture_output=True,
                              text=True, timeout=120, check=False)
    assert rendered.returncode == 0, rendered.stderr
    (deployment,) = [m for m in yaml.safe_load_all(rendered.stdout)
                     if m and m["kind"] == "Deployment"]
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    img = cs.image(container["image"])
    # Kubernetes: command replaces the ENTRYPOINT, args the CMD.
    argv = cs.effective_argv(img, container.get("command"), container.get("args"))
    env = {e["name"]: e.get("value", "") for e in container.get("env", [])}
    started = cs.start(img, argv, env)
    assert cs.worker_problems(started, pool="sales-reports", pool_type="kubernetes") == []
