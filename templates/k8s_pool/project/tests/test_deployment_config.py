"""The deployment files agree with each other: prefect.yaml, the pool's base job template, the Helm
values and the install script. Run after editing any of them; `prefect deploy` would accept most of
these mistakes and the first flow run would fail."""

import asyncio
import importlib
import json
import re
import uuid
from pathlib import Path

import pytest
import yaml
from prefect import Flow

ROOT = Path(__file__).resolve().parent.parent
PREFECT_YAML = yaml.safe_load((ROOT / "prefect.yaml").read_text())
TEMPLATE = json.loads((ROOT / "k8s" / "base-job-template.json").read_text())
VALUES = yaml.safe_load((ROOT / "helm" / "values.yaml").read_text())
INSTALL = (ROOT / "scripts" / "install-worker.sh").read_text()
DEPLOYMENTS = PREFECT_YAML["deployments"]
BUILT_IMAGE = "registry.example.com/flows:test"


def install_setting(name: str) -> str:
    match = re.search(rf"^{name}=\"?([^\"\s]+)\"?", INSTALL, re.MULTILINE)
    assert match, f"scripts/install-worker.sh sets no {name}"
    return match.group(1)


def job_variables(deployment: dict) -> dict:
    variables = dict(deployment["work_pool"].get("job_variables") or {})
    variables["image"] = BUILT_IMAGE  # what {{ build_image.image }} becomes at deploy time
    return variables


@pytest.mark.parametrize("deployment", DEPLOYMENTS, ids=lambda d: d["name"])
def test_entrypoint_is_a_flow(deployment):
    path, _, name = deployment["entrypoint"].partition(":")
    module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
    assert isinstance(getattr(module, name), Flow)


@pytest.mark.parametrize("deployment", DEPLOYMENTS, ids=lambda d: d["name"])
def test_job_variables_exist_in_the_pool_template(deployment):
    declared = set(TEMPLATE["variables"]["properties"])
    assert set(deployment["work_pool"]["job_variables"]) <= declared


@pytest.mark.parametrize("deployment", DEPLOYMENTS, ids=lambda d: d["name"])
def test_image_is_the_one_the_build_step_produces(deployment):
    step_ids = {args.get("id") for step in PREFECT_YAML["build"] for args in step.values()}
    reference = deployment["work_pool"]["job_variables"]["image"]
    assert re.fullmatch(r"\{\{ *([\w-]+)\.image *\}\}", reference)
    assert reference.strip("{} ").split(".")[0] in step_ids


def test_one_namespace_everywhere():
    namespace = install_setting("NAMESPACE")
    assert TEMPLATE["variables"]["properties"]["namespace"]["default"] == namespace
    assert VALUES["worker"]["config"]["jobNamespace"] == namespace
    for deployment in DEPLOYMENTS:
        assert deployment["work_pool"]["job_variables"].get("namespace", namespace) == namespace


def test_one_work_pool_everywhere():
    pool = install_setting("WORK_POOL")
    assert VALUES["worker"]["config"]["workPool"] == pool
    assert {d["work_pool"]["name"] for d in DEPLOYMENTS} == {pool}


def test_every_template_variable_is_used():
    configuration = json.dumps(TEMPLATE["job_configuration"])
    unused = [name for name in TEMPLATE["variables"]["properties"]
              if not re.search(r"\{\{ *" + name + r" *\}\}", configuration)]
    assert unused == []


def test_no_api_key_in_helm_values():
    assert "apiKey" not in json.dumps(VALUES).replace("apiKeySecret", "")


async def _worker_manifest(variables: dict) -> dict:
    from prefect.client.schemas.objects import Flow as FlowModel
    from prefect.client.schemas.objects import FlowRun
    from prefect.client.schemas.responses import DeploymentResponse
    from prefect_kubernetes.worker import KubernetesWorkerJobConfiguration

    class NoClient:  # the template references no blocks or Prefect variables: stay offline
        def __getattr__(self, name):
            raise RuntimeError(f"the base job template needs the Prefect API ({name})")

    configuration = await KubernetesWorkerJobConfiguration.from_template_and_values(
        base_job_template=TEMPLATE, values=variables, client=NoClient()
    )
    flow = FlowModel(id=uuid.uuid4(), name="flow")
    deployment = DeploymentResponse(id=uuid.uuid4(), name="deployment", flow_id=flow.id,
                                    job_variables=variables)
    run = FlowRun(id=uuid.uuid4(), name="a-run", flow_id=flow.id, deployment_id=deployment.id)
    configuration.prepare_for_flow_run(flow_run=run, deployment=deployment, flow=flow)
    return configuration.job_manifest


@pytest.mark.parametrize("deployment", DEPLOYMENTS, ids=lambda d: d["name"])
def test_the_worker_builds_the_job_we_expect(deployment):
    variables = job_variables(deployment)
    job = asyncio.run(_worker_manifest(variables))
    pod = job["spec"]["template"]["spec"]
    container = pod["containers"][0]
    assert job["kind"] == "Job"
    assert job["metadata"]["namespace"] == variables.get("namespace", install_setting("NAMESPACE"))
    assert container["image"] == BUILT_IMAGE
    # Job-level fields, not pod fields: strict Kubernetes validation rejects them in the pod spec.
    assert job["spec"]["parallelism"] == job["spec"]["completions"] == 1
    assert "parallelism" not in pod and "completions" not in pod
    for kind in ("requests", "limits"):
        for resource in ("cpu", "memory"):
            name = f"{resource}_{kind.removesuffix('s')}"
            default = TEMPLATE["variables"]["properties"][name].get("default")
            expected = variables.get(name, default)
            assert container["resources"].get(kind, {}).get(resource) == expected
