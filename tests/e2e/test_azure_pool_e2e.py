"""azure_pool end to end, with the strongest stand-ins for Azure available offline: deployments on
a real Prefect server's azure-container-instance pool, each flow run's ARM deployment built by
prefect-azure's own job configuration code (as the worker builds it) and checked against the Azure
SDK's models, every az command in the scripts parsed by the real az CLI, and the rendered
project's own tests.
"""

from __future__ import annotations

import asyncio
import json
import subprocess

import pytest

from tests.helpers.azure_offline import az_parse, container_group_problems, dry_run_commands
from tests.helpers.prefect_deploy import deploy, unknown_job_variables
from tests.helpers.projects import assert_own_tests_and_lint_pass, new_project, run_in_project

pytestmark = pytest.mark.e2e

FLOW_CLIENT_ID = "11111111-2222-3333-4444-555555555555"
IMAGE = "prefectmyflows.azurecr.io/my-flows:test"


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """The issue's acceptance path (serverless, no cloud credentials, Azure), with Prefect Cloud
    answers so the scripts hold every command (the Key Vault ones too)."""
    destination = tmp_path_factory.mktemp("azure_pool") / "my-flows"  # project_name follows it
    return new_project(destination, "--containers", "--serverless", "--no-cloud-credentials",
                       "--cloud", "azure", "--defaults", "--data", "prefect_api=cloud")


@pytest.fixture(scope="module")
def deployed(project, prefect_api, tmp_path_factory):
    """The project's own script writes the pool's base job template; then `prefect deploy`."""
    result = run_in_project(project, "python", "scripts/base_job_template.py",
                            "--flow-identity-client-id", FLOW_CLIENT_ID)
    assert result.returncode == 0, result.stderr
    return deploy(project, tmp_path_factory.mktemp("deploy"), prefect_api,
                  pool_type="azure-container-instance", image=IMAGE,
                  base_job_template=json.loads(result.stdout))


def test_deployments_deploy_to_the_aci_pool(deployed):
    assert deployed.pool.type == "azure-container-instance"
    assert unknown_job_variables(deployed) == {}
    (deployment,) = deployed.deployments
    assert deployment.job_variables == {"image": IMAGE, "cpu": 1, "memory": 2}
    defaults = {k: v.get("default") for k, v in
                deployed.pool.base_job_template["variables"]["properties"].items()}
    assert defaults["resource_group_name"] == "aci-pool-rg"
    assert defaults["env"] == {"AZURE_CLIENT_ID": FLOW_CLIENT_ID}


def test_each_flow_run_becomes_a_valid_arm_deployment(deployed, prefect_api):
    """What the worker sends to Resource Manager, built by prefect-azure's code from the server."""
    from azure.mgmt.resource import ResourceManagementClient
    from azure.mgmt.resource.resources.models import (
        Deployment,
        DeploymentMode,
        DeploymentProperties,
    )

    # No request is made: the client is only the serializer the worker's client uses.
    resources = ResourceManagementClient(credential=object(), subscription_id="0")

    for deployment in deployed.deployments:
        flow_run_id, config = asyncio.run(_job_configuration(prefect_api, deployment, deployed))
        template = config.arm_template
        (group,) = template["resources"]
        assert container_group_problems(group) == []
        # The worker's request, serialized as its ResourceManagementClient serializes it.
        request = Deployment(properties=DeploymentProperties(
            mode=DeploymentMode.INCREMENTAL, template=template,
            parameters={"container_group_name": {"value": f"hello-etl-{flow_run_id}"}}))
        body = resources.deployments._serialize.body(request, "Deployment")
        assert body["properties"]["mode"] == "Incremental"
        assert set(body["properties"]["parameters"]) <= set(template["parameters"])
        flow_identity = ("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/"
                         "aci-pool-rg/providers/Microsoft.ManagedIdentity/"
                         "userAssignedIdentities/aci-pool-flow-runs")
        assert group["identity"] == {"type": "UserAssigned",
                                     "userAssignedIdentities": {flow_identity: {}}}
        assert group["properties"]["imageRegistryCredentials"] == [
            {"server": "prefectmyflows.azurecr.io", "identity": flow_identity}]
        container = group["properties"]["containers"][0]["properties"]
        assert container["image"] == IMAGE
        assert container["resources"]["requests"] == {"cpu": 1, "memoryInGB": 2}
        assert container["command"][:2] == ["/opt/prefect/entrypoint.sh", "prefect"]
        env = {e["name"]: e for e in container["environmentVariables"]}
        assert env["PREFECT__FLOW_RUN_ID"]["value"] == str(flow_run_id)
        assert env["AZURE_CLIENT_ID"]["value"] == FLOW_CLIENT_ID
        assert config.subscription_id.get_secret_value() == "00000000-0000-0000-0000-000000000000"


async def _job_configuration(api_url: str, deployment, deployed):
    from prefect.client.orchestration import PrefectClient
    from prefect_azure.workers.container_instance import AzureContainerJobConfiguration

    async with PrefectClient(api=api_url) as client:
        flow_run = await client.create_flow_run_from_deployment(deployment.id)
        config = await AzureContainerJobConfiguration.resolve_for_flow_run(
            flow_run, client=client, work_pool=deployed.pool, worker_name="e2e")
    return flow_run.id, config


@pytest.mark.usefixtures("az")
def test_every_az_command_in_the_scripts_parses(project, tmp_path):
    """Real az, logged out and offline: a usage error (exit 2) fails; 'az login' means it parsed."""
    commands = []
    for script in ("deploy.sh", "destroy.sh"):
        result = subprocess.run(["bash", f"scripts/{script}", "--dry-run"], cwd=project,
                                capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stderr
        commands += [c[1:] for c in dry_run_commands(result.stdout) if c[0] == "az"]
    assert len(commands) >= 25
    verdicts = dict(zip([" ".join(c) for c in commands],
                        az_parse(commands, project, tmp_path / "az"), strict=True))
    failures = {c: out for c, (verdict, out) in verdicts.items() if verdict in ("usage", "other")}
    assert failures == {}
    unparseable = [c for c, (verdict, _) in verdicts.items() if verdict == "broken-cli"]
    assert all(c.startswith("keyvault secret ") for c in unparseable), unparseable


@pytest.mark.usefixtures("az")
def test_az_parse_tells_a_usage_error_from_a_missing_login(project, tmp_path):
    verdicts = az_parse([["group", "create", "--name", "g", "--location", "eastus"],
                         ["group", "create", "--nmae", "g", "--location", "eastus"],
                         ["acr", "create", "--name", "abcde", "-g", "g", "--sku", "Basik"]],
                        project, tmp_path / "az")
    assert [verdict for verdict, _ in verdicts] == ["parsed", "usage", "usage"]


def test_rendered_project_passes_its_own_tests_and_lints_clean(project):
    assert_own_tests_and_lint_pass(project)
