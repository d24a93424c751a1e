"""push_pool's scripts/teardown.sh for ECS removes what provisioning created, compared as lists of
AWS resources in moto before provisioning, after it and after teardown: for prefect's own
`--provision-infra` provisioner (run as provision.sh runs it, without prompts, in an account without
a default VPC so it makes one) and for the CloudFormation path. The real AWS CLI talks to moto; an
`ecs` pool on a local Prefect server stands in for the Cloud-only `ecs:push` type."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.ecs_moto import CREDENTIALS, REGION, client, create_stack, moto_server
from tests.helpers.prefect_deploy import create_work_pool, prefect_cli
from tests.helpers.projects import project_env, render_template, sync_project
from tests.helpers.recorded_commands import real, real_aws_cli, recorded_commands

pytestmark = pytest.mark.e2e

POOL = "ecs-push-pool"
BLOCK = f"{POOL}-aws-credentials"

# What prefect's provisioner runs inside `prefect work-pool create --provision-infra`, for an
# existing pool, then saves as the pool's template (the CLI does the same).
PROVISION = """
import asyncio, sys
from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import WorkPoolUpdate
from prefect.infrastructure.provisioners.ecs import ElasticContainerServicePushProvisioner

async def main(pool_name):
    async with get_client() as prefect:
        pool = await prefect.read_work_pool(pool_name)
        template = await ElasticContainerServicePushProvisioner().provision(
            work_pool_name=pool_name, base_job_template=pool.base_job_template)
        await prefect.update_work_pool(pool_name, WorkPoolUpdate(base_job_template=template))

asyncio.run(main(sys.argv[1]))
"""


def inventory(endpoint: str) -> set[str]:
    """Every resource of the kinds provisioning makes, as 'kind name' strings."""
    iam, ecs, ecr, ec2 = (client(s, endpoint) for s in ("iam", "ecs", "ecr", "ec2"))
    found = set()
    for user in iam.list_users()["Users"]:
        found.add(f"iam-user {user['UserName']}")
        for key in iam.list_access_keys(UserName=user["UserName"])["AccessKeyMetadata"]:
            found.add(f"access-key {user['UserName']}/{key['AccessKeyId']}")
    found |= {f"iam-policy {p['PolicyName']}" for p in iam.list_policies(Scope="Local")["Policies"]}
    found |= {f"iam-role {r['RoleName']}" for r in iam.list_roles()["Roles"]}
    found |= {f"ecs-cluster {arn.rsplit('/', 1)[1]}" for arn in ecs.list_clusters()["clusterArns"]
              if ecs.describe_clusters(clusters=[arn])["clusters"][0]["status"] == "ACTIVE"}
    found |= {f"ecr-repository {r['repositoryName']}"
              for r in ecr.describe_repositories()["repositories"]}
    found |= {f"vpc {v['VpcId']}" for v in ec2.describe_vpcs()["Vpcs"]}
    found |= {f"subnet {s['SubnetId']}" for s in ec2.describe_subnets()["Subnets"]}
    found |= {f"security-group {g['GroupId']}" for g in ec2.describe_security_groups()[
        "SecurityGroups"]}
    found |= {f"internet-gateway {g['InternetGatewayId']}"
              for g in ec2.describe_internet_gateways()["InternetGateways"]}
    found |= {f"route-table {t['RouteTableId']}"
              for t in ec2.describe_route_tables()["RouteTables"]}
    found |= {f"task-definition {arn.rsplit('/', 1)[1]}" for status in ("ACTIVE", "INACTIVE")
              for arn in ecs.list_task_definitions(status=status)["taskDefinitionArns"]}
    return found


def without_default_vpc(endpoint: str) -> None:
    """moto gives every region a default VPC; the provisioner makes its own when there is none."""
    ec2 = client("ec2", endpoint)
    for vpc in ec2.describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}])["Vpcs"]:
        for subnet in ec2.describe_subnets(Filters=[{"Name": "vpc-id",
                                                     "Values": [vpc["VpcId"]]}])["Subnets"]:
            ec2.delete_subnet(SubnetId=subnet["SubnetId"])
        for gateway in ec2.describe_internet_gateways(Filters=[
                {"Name": "attachment.vpc-id", "Values": [vpc["VpcId"]]}])["InternetGateways"]:
            ec2.detach_internet_gateway(InternetGatewayId=gateway["InternetGatewayId"],
                                        VpcId=vpc["VpcId"])
            ec2.delete_internet_gateway(InternetGatewayId=gateway["InternetGatewayId"])
        ec2.delete_vpc(VpcId=vpc["VpcId"])


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    path = tmp_path_factory.mktemp("push-ecs") / "repo"
    render_template("push_pool", path, provider="ecs")
    return sync_project(path)


@pytest.fixture
def env(tmp_path, prefect_api, monkeypatch):
    """A fresh moto, a Prefect home with the aws blocks registered and an `ecs` pool POOL."""
    home = tmp_path / "home"
    home.mkdir()
    result = prefect_cli("block", "register", "-m", "prefect_aws", api_url=prefect_api, home=home)
    assert result.returncode == 0, result.stdout + result.stderr
    create_work_pool(prefect_api, POOL, "ecs")
    commands = recorded_commands(tmp_path / "commands")
    commands.delegate("aws", real_aws_cli())
    commands.delegate("uv", real("uv"))
    commands.add("docker", "cat >/dev/null")  # the provisioner's `docker login`
    # The provisioner attaches AmazonECSTaskExecutionRolePolicy, an AWS managed policy.
    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    with moto_server(tmp_path / "moto.log") as url:
        values = {k: v for k, v in project_env().items() if not k.startswith("AWS_")}
        values.update(PATH=f"{commands.bin}:{values['PATH']}", AWS_ENDPOINT_URL=url,
                      AWS_ACCESS_KEY_ID=CREDENTIALS["aws_access_key_id"],
                      AWS_SECRET_ACCESS_KEY=CREDENTIALS["aws_secret_access_key"],
                      AWS_DEFAULT_REGION=REGION, PREFECT_HOME=str(home),
                      PREFECT_API_URL=prefect_api)
        yield values


def teardown(project: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(["bash", "scripts/teardown.sh", *args], cwd=project, env=env,
                            capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def test_teardown_removes_what_provision_infra_created(project, env, prefect_api):
    moto = env["AWS_ENDPOINT_URL"]
    without_default_vpc(moto)
    before = inventory(moto)
    provisioned = subprocess.run([sys.executable, "-c", PROVISION, POOL], env=env,
                                 capture_output=True, text=True, timeout=300, check=False)
    assert provisioned.returncode == 0, provisioned.stdout + provisioned.stderr
    created = inventory(moto) - before
    kinds = {item.split()[0] for item in created}
    assert {"iam-user prefect-ecs-user", "iam-policy prefect-ecs-policy",
            "iam-role PrefectEcsTaskExecutionRole", "ecs-cluster prefect-ecs-cluster",
            "ecr-repository prefect-flows"} <= created
    assert {"access-key", "vpc", "subnet", "security-group", "internet-gateway",
            "route-table"} <= kinds
    pool, block = asyncio.run(_read(prefect_api))
    assert pool is not None and block is not None
    # What running the flows adds: a deployment on the pool and, per deployment, the task
    # definition Prefect Cloud registers (prefect-aws' family name prefect_<pool>_<deployment>).
    deployment = asyncio.run(_create_deployment(prefect_api))
    ecs = client("ecs", moto)
    flow_run_family = f"prefect_{POOL}_{deployment}"
    for _ in range(2):  # two revisions: one deregistered, one active
        arn = ecs.register_task_definition(
            family=flow_run_family, containerDefinitions=[
                {"name": "prefect", "image": "prefect-flows:abc1234", "memory": 512}],
        )["taskDefinition"]["taskDefinitionArn"]
    ecs.deregister_task_definition(taskDefinition=arn.replace(":2", ":1"))
    created |= {f"task-definition {flow_run_family}:1", f"task-definition {flow_run_family}:2"}
    assert inventory(moto) - before == created

    dry = teardown(project, env, "--dry-run")
    assert "would delete: deployment hello-etl/hello-etl" in dry.stdout
    assert f"would run: aws ecs deregister-task-definition --task-definition {arn}" in dry.stdout
    assert inventory(moto) - before == created  # a dry run deletes nothing
    assert "would run: uv run --quiet prefect --no-prompt work-pool delete ecs-push-pool" in (
        dry.stdout)
    assert "would run: aws iam delete-user --user-name prefect-ecs-user" in dry.stdout

    teardown(project, env)
    assert inventory(moto) - before == set()
    assert asyncio.run(_read(prefect_api)) == (None, None)
    assert not asyncio.run(_exists(prefect_api, deployment))  # gone with its pool


def test_teardown_removes_the_stack_and_its_users_keys(project, env, prefect_api):
    moto = env["AWS_ENDPOINT_URL"]
    before = inventory(moto)
    stack = create_stack(moto, POOL, project / "infra" / "ecs-push.yaml")
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
    client("iam", moto).create_access_key(UserName=outputs["PrefectCloudUserName"])
    created = inventory(moto) - before
    assert {"iam-user", "access-key", "iam-role", "ecs-cluster", "ecr-repository"} <= {
        item.split()[0] for item in created}

    teardown(project, env)
    # moto 5.2 deletes a stack's resources except its ECS cluster (no CloudFormation delete
    # handler); AWS deletes the cluster with the stack.
    assert inventory(moto) - before <= {f"ecs-cluster {POOL}"}
    stacks = client("cloudformation", moto).list_stacks()["StackSummaries"]
    assert {s["StackStatus"] for s in stacks if s["StackName"] == POOL} == {"DELETE_COMPLETE"}
    assert asyncio.run(_read(prefect_api))[0] is None


async def _read(api_url: str):
    from prefect.client.orchestration import PrefectClient
    from prefect.exceptions import ObjectNotFound

    async with PrefectClient(api=api_url) as prefect:
        try:
            pool = await prefect.read_work_pool(POOL)
        except ObjectNotFound:
            pool = None
        try:
            block = await prefect.read_block_document_by_name(BLOCK, "aws-credentials")
        except ObjectNotFound:
            block = None
    return pool, block


async def _create_deployment(api_url: str):
    """A deployment on the pool, as `prefect deploy` makes it (flow hello-etl, one deployment)."""
    from prefect.client.orchestration import PrefectClient

    async with PrefectClient(api=api_url) as prefect:
        flow_id = await prefect.create_flow_from_name("hello-etl")
        return await prefect.create_deployment(flow_id=flow_id, name="hello-etl",
                                               work_pool_name=POOL)


async def _exists(api_url: str, deployment_id) -> bool:
    from prefect.client.orchestration import PrefectClient
    from prefect.exceptions import ObjectNotFound

    async with PrefectClient(api=api_url) as prefect:
        try:
            await prefect.read_deployment(deployment_id)
        except ObjectNotFound:
            return False
        return True
