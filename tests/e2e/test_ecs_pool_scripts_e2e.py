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

from tests.helpers.ecs_moto import CREDENTIALS, REGION, client
from tests.helpers.loopback import free_port, running
from tests.helpers.prefect_deploy import without_build_steps
from tests.helpers.prefect_server import server_env
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
    port = free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    env = {**server_env(home), "PREFECT_SERVER_API_AUTH_STRING": AUTH}
    command = [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
               "--port", str(port)]
    # A generous start-up time: its database migrations take minutes on a loaded machine.
    with running(command, f"{api_url}/health", home / "server.log", env=env, timeout=300):
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


def test_deploy_then_destroy_with_basic_auth(project, commands, moto, auth_server, tmp_path):
    secret = client("secretsmanager", moto).create_secret(Name=SECRET_NAME, SecretString=AUTH)
    assert secret["ARN"] != PARTIAL_ARN  # Secrets Manager added its 6-character suffix
    env = script_env(commands, moto, auth_server, tmp_path / "home",
                     AWS_REGION=REGION)  # the same region is fine

    ec2 = client("ec2", moto)
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.9.{i}.0/24")["Subnet"]["SubnetId"]
               for i in (1, 2)]
    deployed = run(project, "deploy.sh", env, f"VpcId={vpc}", f"SubnetIds={','.join(subnets)}")
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    cfn = client("cloudformation", moto)
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

    before = len(commands.calls())
    destroyed = run(project, "destroy.sh", env)
    assert destroyed.returncode == 0, destroyed.stdout + destroyed.stderr
    steps = [" ".join(call[:5]) for call in commands.calls()[before:]]
    # The worker's stack is deleted and waited for before the pool goes: a running worker
    # would re-create the pool.
    assert steps == ["aws cloudformation delete-stack --region us-east-1",
                     "aws cloudformation wait stack-delete-complete --region",
                     "uv run prefect work-pool inspect",
                     "uv run prefect --no-prompt work-pool"], steps
    assert commands.calls()[-1][-2:] == ["delete", POOL]
    assert not [s for s in cfn.list_stacks()["StackSummaries"]
                if s["StackName"] == STACK and s["StackStatus"] != "DELETE_COMPLETE"]
    assert asyncio.run(_read(auth_server))[0] is None
    assert "kept: ECR repository my-flows" in destroyed.stdout
    client("ecr", moto).describe_repositories(repositoryNames=["my-flows"])  # kept, as it says


def test_destroy_dry_run_deletes_nothing(project, commands, moto, auth_server, tmp_path):
    result = run(project, "destroy.sh", script_env(commands, moto, auth_server, tmp_path),
                 "--dry-run")
    assert result.returncode == 0, result.stderr
    assert f"would delete: CloudFormation stack {STACK}" in result.stdout
    assert f"would delete: work pool {POOL}" in result.stdout
    assert commands.calls("aws") == [] and commands.calls("uv") == []


async def _read(api_url: str):
    from prefect.client.orchestration import PrefectClient
    from prefect.exceptions import ObjectNotFound

    async with PrefectClient(api=api_url, auth_string=AUTH) as prefect:
        try:
            pool = await prefect.read_work_pool(POOL)
        except ObjectNotFound:
            return None, []
        return pool, await prefect.read_deployments()
