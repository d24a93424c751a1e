"""ecs_pool's own scripts, run as a user runs them: scripts/deploy.sh against a Prefect server
with basic auth on, then scripts/destroy.sh, with the real AWS CLI pointed at moto and docker
recorded (no Docker daemon here; prefect.yaml's build/push steps are dropped, as in every deploy
test). The recorded calls show the order of steps; moto and the server show their effect."""

from __future__ import annotations

import asyncio
import shlex
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml

from tests.helpers.ecs_moto import (
    CREDENTIALS,
    REGION,
    client,
    stack_failures,
    submit_with_ecs_worker,
)
from tests.helpers.prefect_deploy import without_build_steps
from tests.helpers.prefect_server import running_server
from tests.helpers.projects import project_env, render_template, sync_project
from tests.helpers.recorded_commands import real, real_aws_cli, recorded_commands

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.e2e

AUTH = "admin:not-a-real-password"
SECRET_NAME = "prefect-auth"
PARTIAL_ARN = f"arn:aws:secretsmanager:{REGION}:123456789012:secret:{SECRET_NAME}"
STACK = "prefect-ecs-pool"
POOL = "ecs-pool"


@pytest.fixture(scope="module")
def auth_server(tmp_path_factory):
    """A Prefect server that refuses requests without the basic-auth string; its API URL."""
    home = tmp_path_factory.mktemp("auth-server")
    with running_server(home, timeout=300, PREFECT_SERVER_API_AUTH_STRING=AUTH) as api_url:
        yield api_url


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """Self-hosted with basic auth, the secret named by a partial ARN, an existing VPC (moto
    cannot delete a stack's own VPC: it deletes out of dependency order); build/push dropped."""
    path = tmp_path_factory.mktemp("ecs_pool") / "repo"
    render_template("ecs_pool", path, prefect_api_auth_string_secret_arn=PARTIAL_ARN,
                    vpc="existing")
    config = yaml.safe_load((path / "prefect.yaml").read_text())
    (path / "prefect.yaml").write_text(
        yaml.safe_dump(without_build_steps(config, "registry.example.com/flows:test")))
    return sync_project(path)


@pytest.fixture
def commands(tmp_path):
    recorded = recorded_commands(tmp_path / "commands")
    # moto keeps no Outputs for stacks made from change sets: `cloudformation deploy` is done as
    # create-stack (tests/helpers/ecs_moto.py); every other call goes to the real AWS CLI.
    recorded.add("aws", f'if [ "$1 $2" = "cloudformation deploy" ]; then\n'
                 f'  PYTHONPATH={ROOT} exec {sys.executable} -m tests.helpers.ecs_moto "$@"\nfi\n'
                 f'exec {shlex.join(real_aws_cli())} "$@"')
    recorded.delegate("uv", real("uv"))
    recorded.add("docker", "cat >/dev/null")  # `docker login --password-stdin`
    return recorded


def script_env(commands, moto, auth_server, home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in project_env().items()
           if not k.startswith("AWS_") and k != "STACK_NAME"}
    env.update(PATH=f"{commands.bin}:{env['PATH']}", AWS_ENDPOINT_URL=moto,
               AWS_ACCESS_KEY_ID=CREDENTIALS["aws_access_key_id"],
               AWS_SECRET_ACCESS_KEY=CREDENTIALS["aws_secret_access_key"],
               PREFECT_HOME=str(home), PREFECT_API_URL=auth_server,
               PREFECT_API_AUTH_STRING=AUTH)
    env.update(extra)
    return {k: v for k, v in env.items() if v}


def run(project: Path, script: str, env: dict[str, str], *args: str):
    return subprocess.run(["bash", f"scripts/{script}", *args], cwd=project, env=env,
                          capture_output=True, text=True, timeout=600, check=False)


def test_the_server_refuses_requests_without_the_auth_string(auth_server):
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{auth_server}/work_pools/filter", data=b"{}", timeout=10)
    assert refused.value.code == 401


def test_deploy_needs_the_auth_string_before_touching_aws(project, commands, moto, auth_server,
                                                          tmp_path):
    env = script_env(commands, moto, auth_server, tmp_path, PREFECT_API_AUTH_STRING="")
    result = run(project, "deploy.sh", env)
    assert result.returncode == 1
    assert result.stderr.startswith("error: set PREFECT_API_AUTH_STRING"), result.stderr
    assert commands.calls("aws") == []


@pytest.mark.parametrize("variable", ["AWS_REGION", "AWS_DEFAULT_REGION"])
def test_deploy_refuses_another_region(project, commands, moto, auth_server, tmp_path, variable):
    env = script_env(commands, moto, auth_server, tmp_path, **{variable: "eu-west-1"})
    result = run(project, "deploy.sh", env)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"error: {variable} is eu-west-1 but this project deploys to us-east-1: "
        "unset it or set it to us-east-1")
    assert commands.calls("aws") == []


def test_deploy_run_destroy_and_deploy_again(project, commands, moto, auth_server, tmp_path,
                                             monkeypatch):
    """What a team does when it starts over: deploy, a real ECS worker runs a flow (and registers
    its task definition), destroy, deploy again with the same answers."""
    secret = client("secretsmanager", moto).create_secret(Name=SECRET_NAME, SecretString=AUTH)
    assert secret["ARN"] != PARTIAL_ARN  # Secrets Manager added its 6-character suffix
    env = script_env(commands, moto, auth_server, tmp_path / "home",
                     AWS_REGION=REGION)  # the same region is fine
    ec2 = client("ec2", moto)
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.9.{i}.0/24")["Subnet"]["SubnetId"]
               for i in (1, 2)]
    network = (f"VpcId={vpc}", f"SubnetIds={','.join(subnets)}")
    cfn, ecs, ecr = client("cloudformation", moto), client("ecs", moto), client("ecr", moto)

    deployed = run(project, "deploy.sh", env, *network)
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    (stack,) = cfn.describe_stacks(StackName=STACK)["Stacks"]
    parameters = {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}
    assert parameters["PrefectSecretArn"] == secret["ARN"]  # the full ARN ECS needs
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
    pool, deployments = asyncio.run(_read(auth_server))
    assert pool is not None and pool.type == "ecs"
    defaults = {k: v.get("default") for k, v in
                pool.base_job_template["variables"]["properties"].items()}
    assert defaults["cluster"] == outputs["ClusterArn"]
    assert defaults["network_configuration"]["subnets"] == subnets
    assert defaults["prefect_api_auth_string_secret_arn"] == secret["ARN"]
    assert [d.name for d in deployments] == ["hello-etl"]
    assert ["docker", "login", "--username", "AWS", "--password-stdin",
            "123456789012.dkr.ecr.us-east-1.amazonaws.com"] in commands.calls("docker")
    (repository,) = ecr.describe_repositories(repositoryNames=["my-flows"])["repositories"]
    assert repository["repositoryUri"] == outputs["FlowImageRepositoryUri"]
    assert repository["imageScanningConfiguration"] == {"scanOnPush": True}

    # The worker runs a flow: prefect-aws registers the task definition prefect_<pool>_<deployment>.
    state, captured = submit_with_ecs_worker(moto, auth_server, deployments[0].id, POOL,
                                             outputs["ClusterArn"], monkeypatch, AUTH)
    assert state == "PENDING", state
    family = f"prefect_{POOL}_{deployments[0].id}"
    assert captured["RegisterTaskDefinition"]["family"] == family
    registered = ecs.list_task_definitions(familyPrefix=family)["taskDefinitionArns"]
    assert registered == [captured["RunTask"]["taskDefinition"]]
    # Another pool's flow-run family, on a name that starts with ours: not this project's.
    other = ecs.register_task_definition(
        family=f"prefect_{POOL}-2_{deployments[0].id}",
        containerDefinitions=[{"name": "prefect", "image": "prefecthq/prefect:3.9.1-python3.12",
                               "memory": 512}])["taskDefinition"]["taskDefinitionArn"]

    dry = run(project, "destroy.sh", env, "--dry-run")
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert f"would run: aws cloudformation delete-stack --stack-name {STACK}" in dry.stdout
    assert f"would run: aws ecs deregister-task-definition --task-definition {registered[0]}" in (
        dry.stdout)
    assert f"would run: aws ecs delete-task-definitions --task-definitions {registered[0]}" in (
        dry.stdout)
    assert "would delete: deployment hello-etl/hello-etl" in dry.stdout
    assert f"would run: uv run prefect --no-prompt work-pool delete {POOL}" in dry.stdout
    assert other not in dry.stdout
    assert cfn.describe_stacks(StackName=STACK)["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"
    assert ecs.list_task_definitions(familyPrefix=family)["taskDefinitionArns"] == registered
    assert [d.name for d in asyncio.run(_read(auth_server))[1]] == ["hello-etl"]

    before = len(commands.calls())
    destroyed = run(project, "destroy.sh", env)
    assert destroyed.returncode == 0, destroyed.stdout + destroyed.stderr
    steps = [" ".join(call[:3]) for call in commands.calls()[before:]]
    deletions = [step for step in steps if step in {
        "aws cloudformation delete-stack", "aws cloudformation wait",
        "aws ecs deregister-task-definition", "aws ecs delete-task-definitions",
        "uv run python", "uv run prefect"}]
    # The worker's stack goes first (a running worker re-creates the pool and registers task
    # definitions), then what the worker registered, the deployments and the pool.
    assert deletions == ["aws cloudformation delete-stack", "aws cloudformation wait",
                         "aws ecs deregister-task-definition", "aws ecs delete-task-definitions",
                         "uv run prefect", "uv run python", "uv run prefect"], steps
    assert commands.calls()[-1][-2:] == ["delete", POOL]
    assert not [s for s in cfn.list_stacks()["StackSummaries"]
                if s["StackName"] == STACK and s["StackStatus"] != "DELETE_COMPLETE"]
    for status in ("ACTIVE", "INACTIVE"):
        assert ecs.list_task_definitions(familyPrefix=family, status=status)[
            "taskDefinitionArns"] == []
    assert ecs.describe_task_definition(taskDefinition=other)["taskDefinition"]["status"] == (
        "ACTIVE")
    assert asyncio.run(_read(auth_server)) == (None, [])
    assert asyncio.run(_deployments(auth_server)) == []  # not orphaned: deleted with the pool
    assert "kept: ECR repository my-flows" in destroyed.stdout
    assert ecr.describe_repositories(repositoryNames=["my-flows"])["repositories"] == [repository]

    # Starting over with the same answers: the kept repository is used, not collided with.
    again = run(project, "deploy.sh", env, *network)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "ECR repository my-flows: exists, used as it is" in again.stdout
    (stack,) = cfn.describe_stacks(StackName=STACK)["Stacks"]
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack_failures(moto, STACK)
    assert {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}[
        "FlowImageRepositoryUri"] == repository["repositoryUri"]
    pool, deployments = asyncio.run(_read(auth_server))
    assert pool is not None and [d.name for d in deployments] == ["hello-etl"]
    assert run(project, "destroy.sh", env).returncode == 0  # leaves the module's moto clean


def test_destroy_dry_run_deletes_nothing_and_skips_what_is_gone(project, commands, moto,
                                                                 auth_server, tmp_path):
    result = run(project, "destroy.sh", script_env(commands, moto, auth_server, tmp_path),
                 "--dry-run")
    assert result.returncode == 0, result.stderr
    assert f"stack {STACK}: already gone" in result.stdout
    assert f"work pool {POOL}: already gone" in result.stdout
    assert "would run:" not in result.stdout
    # Only look-ups ran.
    assert {tuple(call[1:3]) for call in commands.calls("aws")} <= {
        ("cloudformation", "describe-stacks"), ("ecs", "list-task-definition-families"),
        ("ecs", "list-task-definitions")}
    assert [call[:4] for call in commands.calls("uv")] == [["uv", "run", "prefect", "work-pool"]]


async def _read(api_url: str):
    from prefect.client.orchestration import PrefectClient
    from prefect.exceptions import ObjectNotFound

    async with PrefectClient(api=api_url, auth_string=AUTH) as prefect:
        try:
            pool = await prefect.read_work_pool(POOL)
        except ObjectNotFound:
            return None, []
        return pool, await prefect.read_deployments()


async def _deployments(api_url: str):
    from prefect.client.orchestration import PrefectClient

    async with PrefectClient(api=api_url, auth_string=AUTH) as prefect:
        return await prefect.read_deployments()
