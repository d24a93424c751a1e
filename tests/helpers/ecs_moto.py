"""A moto server on 127.0.0.1 for the ecs_pool tests, and CloudFormation helpers against it.

moto checks requests against botocore's service models (the same models the AWS CLI uses), so a
task definition it registers or a stack it creates has at least the shape AWS accepts. Where moto
is lossy (its ECS CloudFormation handlers keep few properties) the tests assert on the template.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from tests.helpers.loopback import free_port, running

REGION = "us-east-1"
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


@contextmanager
def moto_server(log: Path) -> Iterator[str]:
    """Start `moto_server` on 127.0.0.1 and a free port; its URL; stopped on exit."""
    url = f"http://127.0.0.1:{free_port()}"
    command = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", url.rsplit(":", 1)[1]]
    with running(command, f"{url}/moto-api/", log, timeout=60):
        yield url


def client(service: str, endpoint: str, region: str = REGION) -> Any:
    import boto3

    return boto3.client(service, endpoint_url=endpoint, region_name=region, **CREDENTIALS)


def create_stack(endpoint: str, name: str, template: Path,
                 parameters: dict[str, str] | None = None) -> dict[str, Any]:
    """Create the stack (named IAM capability, as scripts/deploy.sh does) and describe it."""
    cfn = client("cloudformation", endpoint)
    cfn.create_stack(StackName=name, TemplateBody=template.read_text(),
                     Parameters=[{"ParameterKey": k, "ParameterValue": v}
                                 for k, v in (parameters or {}).items()],
                     Capabilities=["CAPABILITY_NAMED_IAM"])
    deadline = time.monotonic() + 60
    while True:
        stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
        if not stack["StackStatus"].endswith("IN_PROGRESS") or time.monotonic() > deadline:
            return stack
        time.sleep(0.5)


def stack_failures(endpoint: str, name: str) -> list[str]:
    events = client("cloudformation", endpoint).describe_stack_events(StackName=name)
    return [f"{e['LogicalResourceId']}: {e.get('ResourceStatusReason')}"
            for e in events["StackEvents"] if "FAILED" in e["ResourceStatus"]]


def stack_resources(endpoint: str, name: str) -> dict[str, dict[str, str]]:
    """Logical id -> summary, without the blank entries moto lists for skipped resources."""
    summaries = client("cloudformation", endpoint).list_stack_resources(
        StackName=name)["StackResourceSummaries"]
    return {s["LogicalResourceId"]: s for s in summaries if s["LogicalResourceId"]}


def template_resources(template: Path) -> dict[str, Any]:
    return yaml.safe_load(template.read_text())["Resources"]



def cloudformation_deploy(argv: list[str]) -> int:
    """`aws cloudformation deploy ARGS` done as create-stack against moto (AWS_ENDPOINT_URL).

    moto 5.2 creates a stack from a change set (what `deploy` uses) without its Outputs, which
    scripts/base_job_template.py reads; create_stack computes them. Same template, same overrides.
    """
    import argparse
    import os

    parser = argparse.ArgumentParser()
    parser.add_argument("--stack-name", required=True)
    parser.add_argument("--template-file", type=Path, required=True)
    parser.add_argument("--parameter-overrides", nargs="*", default=[])
    args, _ = parser.parse_known_args(argv)
    parameters = dict(item.split("=", 1) for item in args.parameter_overrides)
    stack = create_stack(os.environ["AWS_ENDPOINT_URL"], args.stack_name, args.template_file,
                         parameters)
    print(f"stack {args.stack_name}: {stack['StackStatus']}")
    return 0 if stack["StackStatus"] == "CREATE_COMPLETE" else 1


if __name__ == "__main__":
    sys.exit(cloudformation_deploy(sys.argv[1:]))


def submit_with_ecs_worker(moto: str, api_url: str, deployment_id: Any, pool: str,
                           cluster_arn: str, monkeypatch: Any,
                           auth_string: str | None = None) -> tuple[str, dict[str, Any]]:
    """Schedule a run of the deployment and let a real prefect-aws ECS worker submit it to moto:
    the run's state and the RegisterTaskDefinition and RunTask requests the worker sent.

    The task definition really registers in moto; RunTask is answered by a botocore hook (moto
    cannot run Fargate/awsvpc tasks) with a task in the cluster.
    """
    import asyncio
    import json

    from botocore.awsrequest import AWSResponse
    from prefect.settings import PREFECT_API_AUTH_STRING, PREFECT_API_URL, temporary_settings
    from prefect_aws.credentials import AwsCredentials, _get_client_cached

    # prefect-aws caches its boto clients by credentials, not by endpoint: a client made in an
    # earlier test module points at that module's (stopped) moto server and lacks our hooks.
    _get_client_cached.cache_clear()
    for key, value in {"AWS_ENDPOINT_URL": moto, "AWS_DEFAULT_REGION": REGION,
                       "AWS_ACCESS_KEY_ID": CREDENTIALS["aws_access_key_id"],
                       "AWS_SECRET_ACCESS_KEY": CREDENTIALS["aws_secret_access_key"],
                       "PREFECT_API_URL": api_url,
                       "PREFECT_INTEGRATIONS_AWS_ECS_WORKER_CREATE_TASK_RUN_MAX_ATTEMPTS": "1",
                       }.items():
        monkeypatch.setenv(key, value)
    captured: dict[str, Any] = {}

    def record(params: dict[str, Any], **_: Any) -> None:
        captured.setdefault("RegisterTaskDefinition", dict(params))

    def run_task(model: Any, params: dict[str, Any], **_: Any) -> tuple[Any, dict[str, Any]]:
        captured["RunTask"] = json.loads(params["body"])
        http = AWSResponse(url="", status_code=200, headers={}, raw=None)
        task_arn = cluster_arn.replace(":cluster/", ":task/") + "/0123456789abcdef"
        return http, {"tasks": [{"taskArn": task_arn, "clusterArn": cluster_arn}],
                      "failures": []}

    original = AwsCredentials.get_client

    def get_client(self: Any, client_type: str, *args: Any, **kwargs: Any) -> Any:
        made = original(self, client_type, *args, **kwargs)
        if client_type == "ecs":
            made.meta.events.register("before-parameter-build.ecs.RegisterTaskDefinition", record)
            made.meta.events.register("before-call.ecs.RunTask", run_task)
        return made

    monkeypatch.setattr(AwsCredentials, "get_client", get_client)

    async def submit() -> str:
        from prefect.client.orchestration import get_client as prefect_client
        from prefect_aws.workers.ecs_worker import ECSWorker

        async with prefect_client() as prefect:
            flow_run = await prefect.create_flow_run_from_deployment(deployment_id)
            async with ECSWorker(work_pool_name=pool, create_pool_if_not_found=False) as worker:
                await worker.get_and_submit_flow_runs()
            return (await prefect.read_flow_run(flow_run.id)).state.type.value

    settings = {PREFECT_API_URL: api_url}
    if auth_string:
        settings[PREFECT_API_AUTH_STRING] = auth_string
    with temporary_settings(settings):
        return asyncio.run(submit()), captured
