"""push_pool: render every provider, parse and lint what it writes, refuse bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from prefect_scaffold.catalog.registry import get_template, templates_root
from tests.helpers.projects import render_template
from tests.helpers.skips import NO_HYBRID_TWIN

PROVIDERS = ["ecs", "cloud-run", "azure-container-instance", "modal"]
#: push pool type -> the hybrid worker type whose job variables it uses (modal has none)
HYBRID = {"ecs": "ecs", "cloud-run": "cloud-run",
          "azure-container-instance": "azure-container-instance"}
BIN = Path(sys.executable).parent


def worker_metadata() -> dict[str, dict]:
    """Base job templates of the hybrid worker types, as bundled with prefect (offline)."""
    import prefect

    path = (Path(prefect.__file__).parent / "server/api/collections_data/views"
            / "aggregate-worker-metadata.json")
    types: dict[str, dict] = {}
    for collection in json.loads(path.read_text()).values():
        for worker in collection.values():
            types[worker["type"]] = worker["default_base_job_configuration"]
    return types


@pytest.fixture(scope="module", params=PROVIDERS)
def project(request, tmp_path_factory) -> tuple[str, Path]:
    destination = tmp_path_factory.mktemp(request.param) / "p"
    render_template("push_pool", destination, provider=request.param)
    return request.param, destination


def load_yaml(path: Path):
    return yaml.safe_load(path.read_text())


@pytest.mark.slow
def test_every_yaml_file_parses(project):
    _, path = project
    files = [p for p in path.rglob("*") if p.suffix in (".yml", ".yaml")]
    assert len(files) >= 4
    for file in files:
        assert load_yaml(file) is not None, file


def test_deployment_targets_the_push_pool_with_the_built_image(project):
    provider, path = project
    config = load_yaml(path / "prefect.yaml")
    (deployment,) = config["deployments"]
    assert deployment["work_pool"]["name"] == f"{provider}-push-pool"
    assert deployment["entrypoint"] == "flows/hello_etl.py:hello_etl"
    job_variables = deployment["work_pool"]["job_variables"]
    if provider == "modal":
        assert not config["build"] and not config["push"]
        assert "prefect.deployments.steps.git_clone" in config["pull"][0]
        assert not (path / "Dockerfile").exists()
        assert job_variables == {}
    else:
        build = config["build"][1]["prefect_docker.deployments.steps.build_docker_image"]
        assert build["id"] == "build_image" and build["platform"] == "linux/amd64"
        assert job_variables["image"] == "{{ build_image.image }}"
        assert "prefect_docker.deployments.steps.push_docker_image" in config["push"][0]
        assert (path / "Dockerfile").is_file()


EXPECTED_IMAGE = {
    "ecs": "123456789012.dkr.ecr.us-east-1.amazonaws.com/prefect-flows",
    "cloud-run": "us-central1-docker.pkg.dev/my-gcp-project/prefect-images/my-flows",
    "azure-container-instance": "prefectmyflows.azurecr.io/my-flows",
}


@pytest.mark.parametrize("provider", EXPECTED_IMAGE)
@pytest.mark.slow
def test_image_goes_to_the_providers_registry(tmp_path, provider):
    render_template("push_pool", tmp_path / "p", provider=provider)
    build = load_yaml(tmp_path / "p" / "prefect.yaml")["build"][1]
    assert build["prefect_docker.deployments.steps.build_docker_image"]["image_name"] == (
        EXPECTED_IMAGE[provider])


def test_job_variables_are_named_as_the_hybrid_worker_names_them(project):
    """Offline check against prefect's bundled worker metadata (e2e checks a real server)."""
    provider, path = project
    if provider not in HYBRID:
        pytest.skip(NO_HYBRID_TWIN)
    import jsonschema

    variables = worker_metadata()[HYBRID[provider]]["variables"]
    job_variables = load_yaml(path / "prefect.yaml")["deployments"][0]["work_pool"][
        "job_variables"]
    assert set(job_variables) <= set(variables["properties"])
    concrete = {**job_variables, "image": "registry.example.com/flows:test"}
    jsonschema.validate(concrete, {**variables, "required": []})


def test_credentials_script_names_the_pools_variable_and_block(project):
    provider, path = project
    script = (path / "scripts" / "create_credentials_block.py").read_text()
    variable, block = {"ecs": ("aws_credentials", "aws-credentials"),
                       "cloud-run": ("credentials", "gcp-credentials"),
                       "azure-container-instance": ("aci_credentials",
                                                    "azure-container-instance-credentials"),
                       "modal": ("modal_credentials", "modal-credentials")}[provider]
    assert f'CREDENTIALS_VARIABLE = "{variable}"' in script
    assert f'BLOCK_TYPE = "{block}"' in script
    assert "os.environ" in script


@pytest.mark.slow
def test_provision_script_passes_shellcheck_and_provisions_the_push_type(project):
    provider, path = project
    script = path / "scripts" / "provision.sh"
    teardown = path / "scripts" / "teardown.sh"
    result = subprocess.run([BIN / "shellcheck", str(script), str(teardown)], capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0, result.stdout
    assert os.access(teardown, os.X_OK) and "set -euo pipefail" in teardown.read_text()
    text = script.read_text()
    assert "set -euo pipefail" in text
    assert f'POOL_TYPE="{provider}:push"' in text
    # Without prompts a provisioner cannot pick another project, subscription or resource names.
    assert 'prefect --no-prompt work-pool create "$POOL" --type "$POOL_TYPE" --provision-infra' in (
        text)
    assert "not logged in to Prefect Cloud" in text
    assert os.access(script, os.X_OK)


def test_rendered_python_passes_ruff(project):
    _, path = project
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "."], cwd=path,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_deploy_workflow_authenticates_from_secrets(project):
    provider, path = project
    workflow = load_yaml(path / ".github" / "workflows" / "deploy.yml")
    job = workflow["jobs"]["deploy"]
    assert job["env"]["PREFECT_API_KEY"] == "${{ secrets.PREFECT_API_KEY }}"
    assert job["env"]["PREFECT_API_URL"].startswith("https://api.prefect.cloud/api/accounts/")
    runs = [step.get("run", "") for step in job["steps"]]
    assert runs[-1] == "uv run prefect --no-prompt deploy --all"
    uses = " ".join(step.get("uses", "") for step in job["steps"])
    login = {"ecs": "amazon-ecr-login", "cloud-run": "google-github-actions/auth",
             "azure-container-instance": "azure/login", "modal": "checkout"}[provider]
    assert login in uses


def test_readme_says_cloud_only_and_how_to_run(project):
    provider, path = project
    readme = (path / "README.md").read_text()
    assert "only on Prefect Cloud" in readme
    assert f"--type {provider}:push" in readme.replace("\n", " ")
    assert "prefect deployment run" in readme and "--watch" in readme
    assert "{{" not in readme.replace("{{ build_image", "")


def test_only_ecs_gets_cloudformation(project):
    provider, path = project
    assert (path / "infra" / "ecs-push.yaml").exists() == (provider == "ecs")
    assert not (path / "infra").exists() or provider == "ecs"


@pytest.mark.slow
def test_ecs_cloudformation_passes_cfn_lint_with_logs_permissions(tmp_path):
    render_template("push_pool", tmp_path / "p", provider="ecs", work_pool_name="etl-pool")
    stack_file = tmp_path / "p" / "infra" / "ecs-push.yaml"
    result = subprocess.run([BIN / "cfn-lint", str(stack_file)], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    stack = load_yaml(stack_file)
    resources = stack["Resources"]
    assert {"Cluster", "Repository", "FlowRunLogGroup", "TaskExecutionRole", "TaskRole",
            "PrefectCloudUser"} <= set(resources)
    execution = resources["TaskExecutionRole"]["Properties"]["Policies"][0]["PolicyDocument"]
    assert {"logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"} <= set(
        execution["Statement"][0]["Action"])
    user = resources["PrefectCloudUser"]["Properties"]["Policies"][0]["PolicyDocument"]
    actions = {a for s in user["Statement"] for a in
               (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])}
    assert {"ecs:RunTask", "ecs:RegisterTaskDefinition", "iam:PassRole",
            "logs:GetLogEvents"} <= actions
    assert "AccessKey" not in json.dumps(resources)  # no secret in the stack
    assert set(stack["Outputs"]) >= {"ClusterName", "TaskExecutionRoleArn", "RepositoryUri",
                                      "PrefectCloudUserName"}
    # prefect.yaml sends the container logs to the stack's log group
    options = load_yaml(tmp_path / "p" / "prefect.yaml")["deployments"][0]["work_pool"][
        "job_variables"]["cloudwatch_logs_options"]
    assert options["awslogs-group"] == "/prefect/etl-pool/flow-runs"
    assert "teardown" in stack_file.read_text().lower()


@pytest.mark.slow
def test_answers_flow_into_the_provider_files(tmp_path):
    render_template("push_pool", tmp_path / "p", provider="azure-container-instance",
                    azure_subscription_id="11111111-2222-3333-4444-555555555555",
                    azure_resource_group="rg-flows", acr_name="prefectacme")
    job_variables = load_yaml(tmp_path / "p" / "prefect.yaml")["deployments"][0]["work_pool"][
        "job_variables"]
    assert job_variables["subscription_id"] == "11111111-2222-3333-4444-555555555555"
    assert job_variables["resource_group_name"] == "rg-flows"
    assert 'ACR="prefectacme"' in (tmp_path / "p" / "scripts" / "provision.sh").read_text()


def test_registry_and_plain_copier_see_the_cloud_only_override():
    template = get_template("push_pool")
    names = [q.name for q in template.questions]
    assert names.index("provider") < names.index("work_pool_name") < names.index("code_storage")
    assert "ecs_pool" in template.question("prefect_api").validator
    from copier._template import load_template_config

    config = load_template_config(templates_root() / "push_pool" / "copier.yml")
    assert "ecs_pool" in config["prefect_api"]["validator"]
    assert list(config).index("provider") < list(config).index("code_storage")


@pytest.mark.slow
def test_plain_copier_refuses_self_hosted(tmp_path):
    result = subprocess.run([sys.executable, "-m", "copier", "copy", "--defaults", "--quiet",
                             "--data", "prefect_api=self-hosted",
                             str(templates_root() / "push_pool"), str(tmp_path / "out")],
                            capture_output=True, text=True, check=False)
    assert result.returncode != 0
    assert "push work pools exist only on Prefect Cloud" in result.stderr
    assert not (tmp_path / "out" / "prefect.yaml").exists()


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "prefect_scaffold", *args], cwd=cwd,
                          capture_output=True, text=True, check=False,
                          env={**os.environ, "NO_COLOR": "1"})


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.slow
def test_the_decision_path_renders_push_pool_for_every_provider(tmp_path, provider):
    result = cli("new", "repo", "--containers", "--serverless", "--cloud-credentials",
                 "--defaults", "--data", f"provider={provider}", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    answers = load_yaml(tmp_path / "repo" / ".copier-answers.yml")
    assert answers["provider"] == provider and answers["prefect_api"] == "cloud"
    assert "push_pool" in (tmp_path / "repo" / "README.md").read_text()


@pytest.mark.parametrize(("data", "message"), [
    (["prefect_api=self-hosted"], "use the ecs_pool template (prefect-scaffold new --template "
                                  "ecs_pool)"),
    (["provider=cloud-run", "prefect_api=self-hosted"], "use the gcp_pool template"),
    (["provider=azure-container-instance", "prefect_api=self-hosted"],
     "use the azure_pool template"),
    (["provider=modal", "prefect_api=self-hosted"], "Modal has no worker to run beside a "
                                                    "self-hosted Prefect server"),
    (["provider=gke"], "one of ecs, cloud-run, azure-container-instance, modal"),
    (["provider=ecs", "aws_region=US-East"], "must be an AWS region code"),
    (["provider=ecs", "aws_account_id=12345"], "12-digit AWS account ID"),
    (["provider=cloud-run", "gcp_project_id=My_Project"], "Google Cloud project ID"),
    (["provider=cloud-run", "gcp_region=central"], "Google Cloud region"),
    (["provider=azure-container-instance", "azure_resource_group=bad/rg"],
     "Azure resource group name"),
    (["provider=azure-container-instance", "azure_subscription_id=nope"], "must be a UUID"),
    (["provider=azure-container-instance", "acr_name=Bad-Name"], "Azure Container Registry"),
    (["provider=modal", "code_storage=image"], "must be git with provider=modal"),
    (["provider=ecs", "prefect_api_key_secret_arn=arn:aws:secretsmanager:us-east-1:"
      "123456789012:secret:prefect-api-key"], "aws secretsmanager describe-secret"),
])
@pytest.mark.slow
def test_bad_input_exits_2_with_one_line_and_writes_nothing(tmp_path, data, message):
    args = [arg for pair in data for arg in ("--data", pair)]
    result = cli("new", "dest", "--template", "push_pool", "--defaults", *args, cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert message in result.stderr
    assert not (tmp_path / "dest").exists()


@pytest.mark.slow
def test_modal_prefect_yaml_does_not_claim_to_build_an_image(tmp_path):
    render_template("push_pool", tmp_path / "p", provider="modal")
    header = (tmp_path / "p" / "prefect.yaml").read_text().split("\nname:")[0]
    assert "image" not in header.replace("Modal runs", "")
    assert "registers each" in header


@pytest.mark.slow
def test_push_ecs_user_is_scoped_to_its_cluster_without_ec2_writes(tmp_path):
    render_template("push_pool", tmp_path / "p", provider="ecs")
    stack = load_yaml(tmp_path / "p" / "infra" / "ecs-push.yaml")
    (policy,) = stack["Resources"]["PrefectCloudUser"]["Properties"]["Policies"]
    statements = {s["Sid"]: s for s in policy["PolicyDocument"]["Statement"]}
    actions = {a for s in statements.values() for a in
               (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])}
    assert not {a for a in actions if a.startswith("ec2:") and not a.startswith("ec2:Describe")}
    assert statements["RunTasksInThisCluster"]["Condition"] == {
        "ArnEquals": {"ecs:cluster": {"Fn::GetAtt": ["Cluster", "Arn"]}}}
    assert statements["ManageTasksInThisCluster"]["Resource"]["Fn::Sub"].endswith(
        ":task/${Cluster}/*")
    everywhere = {a for s in statements.values() if s["Resource"] == "*" for a in
                  (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])}
    assert not {"ecs:RunTask", "ecs:StopTask", "ecs:DescribeTasks", "logs:GetLogEvents",
                "iam:PassRole"} & everywhere
    readme = (tmp_path / "p" / "README.md").read_text()
    assert "exactly the permissions" not in readme and "bash scripts/teardown.sh" in readme


@pytest.mark.slow
def test_flow_runs_can_read_the_api_key_from_secrets_manager(tmp_path):
    arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:prefect-api-key-AbCdEf"
    render_template("push_pool", tmp_path / "p", provider="ecs", prefect_api_key_secret_arn=arn)
    from prefect_aws.workers.ecs_worker import ECSWorker

    job_variables = load_yaml(tmp_path / "p" / "prefect.yaml")["deployments"][0]["work_pool"][
        "job_variables"]
    assert job_variables["prefect_api_key_secret_arn"] == arn
    assert "prefect_api_key_secret_arn" in ECSWorker.get_default_base_job_template()[
        "variables"]["properties"]
    stack_file = tmp_path / "p" / "infra" / "ecs-push.yaml"
    (policy,) = load_yaml(stack_file)["Resources"]["TaskExecutionRole"]["Properties"]["Policies"]
    (read,) = [s for s in policy["PolicyDocument"]["Statement"] if s["Sid"] == "ReadPrefectApiKey"]
    assert read["Resource"] == arn
    result = subprocess.run([BIN / "cfn-lint", str(stack_file)], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stdout
