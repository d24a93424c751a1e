"""ecs_pool end to end: the stack in moto, the task definition registered, deployments on a real
Prefect server's ecs pool, a real prefect-aws ECS worker submitting a run (RunTask captured), and
the rendered project's own tests.

moto stands in for AWS (it checks requests against botocore's models); it stops at RunTask: moto
cannot run Fargate/awsvpc tasks, so a botocore hook records the RunTask request and answers it.
"""

from __future__ import annotations

import json
import urllib.request

import pytest
import yaml

from tests.helpers.ecs_moto import (
    client,
    create_stack,
    moto_server,
    stack_failures,
    stack_resources,
    submit_with_ecs_worker,
    template_resources,
)
from tests.helpers.prefect_deploy import deploy, unknown_job_variables
from tests.helpers.projects import (
    assert_own_tests_and_lint_pass,
    new_project,
    render_template,
    run_in_project,
)

pytestmark = pytest.mark.e2e

STACK = "prefect-ecs-pool"
#: Resource types moto 5.2 accepts in a template but does not create or list.
NOT_IN_MOTO = {"EventsQueuePolicy"}


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """The issue's acceptance command: containers, serverless, no cloud credentials, defaults."""
    destination = tmp_path_factory.mktemp("ecs_pool") / "repo"
    return new_project(destination, "--containers", "--serverless", "--no-cloud-credentials",
                       "--defaults")


@pytest.fixture(scope="module")
def stack(moto, project):
    created = create_stack(moto, STACK, project / "infra" / "worker.yaml")
    assert created["StackStatus"] == "CREATE_COMPLETE", stack_failures(moto, STACK)
    return {o["OutputKey"]: o["OutputValue"] for o in created["Outputs"]}


@pytest.fixture(scope="module")
def base_job_template(project, stack, tmp_path_factory):
    """The project's own script turns the stack outputs into the pool's base job template."""
    outputs = tmp_path_factory.mktemp("outputs") / "outputs.json"
    outputs.write_text(json.dumps([{"OutputKey": k, "OutputValue": v} for k, v in stack.items()]))
    result = run_in_project(project, "python", "scripts/base_job_template.py",
                            "--outputs", str(outputs))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def deployed(project, base_job_template, prefect_api, tmp_path_factory):
    return deploy(project, tmp_path_factory.mktemp("deploy"), prefect_api, pool_type="ecs",
                  base_job_template=base_job_template)


def test_stack_creates_every_resource(moto, project, stack):
    expected = set(template_resources(project / "infra" / "worker.yaml")) - NOT_IN_MOTO
    created = stack_resources(moto, STACK)
    assert set(created) == expected
    assert {r["ResourceStatus"] for r in created.values()} == {"CREATE_COMPLETE"}
    ecs = client("ecs", moto)
    (cluster,) = ecs.describe_clusters(clusters=[stack["ClusterArn"]])["clusters"]
    assert (cluster["clusterName"], cluster["status"]) == ("ecs-pool-cluster", "ACTIVE")
    (service,) = ecs.describe_services(cluster="ecs-pool-cluster",
                                       services=["ecs-pool-worker"])["services"]
    assert service["desiredCount"] == 1
    worker = ecs.describe_task_definition(
        taskDefinition=stack["WorkerTaskDefinitionArn"])["taskDefinition"]
    assert worker["containerDefinitions"][0]["command"] == [
        "prefect", "worker", "start", "--pool", "ecs-pool", "--type", "ecs", "--with-healthcheck"]
    iam = client("iam", moto)
    for role, policy in [("worker-exec", "prefect-worker-execution"),
                         ("worker-task", "prefect-ecs-worker"),
                         ("flow-exec", "prefect-flow-run-execution")]:
        name = f"ecs-pool-us-east-1-{role}"
        assert iam.list_role_policies(RoleName=name)["PolicyNames"] == [policy]
    assert iam.get_role(RoleName="ecs-pool-us-east-1-flow-task")["Role"]["Arn"] == stack[
        "FlowRunTaskRoleArn"]
    groups = client("logs", moto).describe_log_groups(logGroupNamePrefix="/prefect/ecs-pool/")
    assert {g["logGroupName"] for g in groups["logGroups"]} == {
        "/prefect/ecs-pool/worker", "/prefect/ecs-pool/flow-runs"}
    assert client("sqs", moto).get_queue_url(QueueName="ecs-pool-ecs-events")["QueueUrl"]
    # The repository is not the stack's (scripts/deploy.sh makes it); the output names the one
    # prefect.yaml pushes to.
    repository = yaml.safe_load((project / ".copier-answers.yml").read_text())["ecr_repository"]
    assert stack["FlowImageRepositoryUri"] == (
        f"123456789012.dkr.ecr.us-east-1.amazonaws.com/{repository}")
    vpc = client("ec2", moto).describe_vpcs(VpcIds=[stack["VpcId"]])["Vpcs"][0]
    assert vpc["CidrBlock"] == "10.42.0.0/16"


@pytest.mark.parametrize("data", [
    {"vpc": "create-private"},
    {"vpc": "existing"},
    {"vpc": "existing", "security_group_ids": "sg-0123456789abcdef0", "subnets_are_public": True},
    {"prefect_api": "cloud"},
    {"prefect_api_auth_string_secret_arn":
     "arn:aws:secretsmanager:us-east-1:123456789012:secret:prefect-auth-AbCdEf"},
], ids=["private-vpc", "existing-vpc", "existing-vpc-own-sg", "cloud", "basic-auth"])
def test_other_option_combinations_create_too(tmp_path, data):
    project = tmp_path / "p"
    render_template("ecs_pool", project, **data)
    with moto_server(tmp_path / "moto.log") as url:
        parameters = {}
        if data.get("vpc") == "existing":
            ec2 = client("ec2", url)
            vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
            subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.9.{i}.0/24")["Subnet"]
                       ["SubnetId"] for i in (1, 2)]
            parameters = {"VpcId": vpc, "SubnetIds": ",".join(subnets)}
            if "security_group_ids" in data:
                parameters["SecurityGroupIds"] = ec2.create_security_group(
                    GroupName="flows", Description="flows", VpcId=vpc)["GroupId"]
        created = create_stack(url, "s", project / "infra" / "worker.yaml", parameters)
        assert created["StackStatus"] == "CREATE_COMPLETE", stack_failures(url, "s")
        assert set(stack_resources(url, "s")) == set(
            template_resources(project / "infra" / "worker.yaml")) - NOT_IN_MOTO
        outputs = {o["OutputKey"]: o["OutputValue"] for o in created["Outputs"]}
        if "vpc" in data and data["vpc"] == "existing":
            assert outputs["VpcId"] == parameters["VpcId"]
            assert outputs["SubnetIds"] == parameters["SubnetIds"]
        if data.get("vpc") == "create-private":
            assert outputs["AssignPublicIp"] == "DISABLED"
            assert client("ec2", url).describe_nat_gateways()["NatGateways"]


def test_worker_task_definition_registers(moto, project):
    definition = json.loads((project / "infra" / "worker-task-definition.json").read_text())
    ecs = client("ecs", moto)
    registered = ecs.register_task_definition(**definition)["taskDefinition"]
    assert registered["status"] == "ACTIVE"
    read = ecs.describe_task_definition(
        taskDefinition=registered["taskDefinitionArn"])["taskDefinition"]
    assert (read["cpu"], read["memory"], read["networkMode"]) == ("512", "1024", "awsvpc")
    assert read["requiresCompatibilities"] == ["FARGATE"]
    assert read["executionRoleArn"].endswith(":role/ecs-pool-us-east-1-worker-exec")
    container = read["containerDefinitions"][0]
    assert container["command"][:3] == ["prefect", "worker", "start"]
    env = {e["name"]: e["value"] for e in container["environment"]}
    assert env["PREFECT_API_URL"] == "https://prefect.example.com/api"


def test_deployments_deploy_to_the_ecs_pool(deployed, stack):
    assert unknown_job_variables(deployed) == {}
    (deployment,) = deployed.deployments
    assert deployment.name == "hello-etl"
    assert deployment.job_variables["cluster"] == "ecs-pool-cluster"
    assert deployment.job_variables["image"] == "registry.example.com/flows:test"
    assert deployment.job_variables["execution_role_arn"] == stack["FlowRunExecutionRoleArn"]
    assert deployed.pool.type == "ecs"
    defaults = {k: v.get("default") for k, v in
                deployed.pool.base_job_template["variables"]["properties"].items()}
    assert defaults["vpc_id"] == stack["VpcId"]
    assert defaults["network_configuration"]["subnets"] == stack["SubnetIds"].split(",")


def test_ecs_worker_submits_the_run_with_the_expected_task_definition_and_overrides(
        deployed, moto, stack, prefect_api, monkeypatch):
    (deployment,) = deployed.deployments
    state, captured = submit_with_ecs_worker(moto, prefect_api, deployment.id, deployed.pool.name,
                                             stack["ClusterArn"], monkeypatch)
    assert state in ("PENDING", "RUNNING"), state

    definition, request = captured["RegisterTaskDefinition"], captured["RunTask"]
    container = definition["containerDefinitions"][0]
    assert container["image"] == "registry.example.com/flows:test"
    assert container["logConfiguration"]["options"]["awslogs-group"] == stack[
        "FlowRunLogGroupName"]
    assert (definition["cpu"], definition["memory"]) == ("1024", "2048")
    assert definition["executionRoleArn"] == stack["FlowRunExecutionRoleArn"]
    assert definition["requiresCompatibilities"] == ["FARGATE"]
    assert request["cluster"] == "ecs-pool-cluster"
    assert request["launchType"] == "FARGATE"
    assert request["overrides"]["taskRoleArn"] == stack["FlowRunTaskRoleArn"]
    assert request["networkConfiguration"]["awsvpcConfiguration"] == {
        "subnets": stack["SubnetIds"].split(","), "securityGroups": [stack["SecurityGroupIds"]],
        "assignPublicIp": "ENABLED"}
    registered = client("ecs", moto).describe_task_definition(
        taskDefinition=request["taskDefinition"])["taskDefinition"]
    assert registered["containerDefinitions"][0]["image"] == "registry.example.com/flows:test"
    environment = {e["name"] for e in request["overrides"]["containerOverrides"][0]["environment"]}
    assert "PREFECT__FLOW_RUN_ID" in environment and "PREFECT_API_KEY" not in environment


def test_rendered_project_passes_its_own_tests_and_lints_clean(project):
    assert_own_tests_and_lint_pass(project)


def test_moto_server_is_local(moto):
    assert moto.startswith("http://127.0.0.1:")
    with urllib.request.urlopen(f"{moto}/moto-api/", timeout=5) as response:
        assert response.status == 200
