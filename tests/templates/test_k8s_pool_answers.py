"""k8s_pool answers: what is refused at question time (exit 2, one line, nothing written) because
only a real cluster would refuse it later, what is accepted, and the pins the answers feed."""

from __future__ import annotations

import hashlib

import pytest
import yaml
from typer.testing import CliRunner

from prefect_scaffold._cli import app
from prefect_scaffold.catalog.registry import get_template
from tests.helpers.projects import answers_for, render_template

CHART_VERSION = get_template("k8s_pool").question("helm_chart_version").default


# --- bad input --------------------------------------------------------------------------------

@pytest.mark.parametrize("data", [
    ["namespace=Data-Flows"], ["namespace=data_flows"], ["namespace=-flows"],
    ["image_registry=ghcr.io/Your Org"], ["image_registry=ghcr.io/acme:latest/x"],
    ["image_registry=https://ghcr.io/acme"], ["image_name=Flows"], ["image_name=flows:1.0"],
    ["cpu_request=1.5 cores"], ["cpu_limit=2 CPUs"], ["memory_request=512MB"],
    ["memory_limit=1GB"], ["memory_request=-1Gi"], ["service_account_name=Prefect_SA"],
    ["prefect_account_id=not-a-uuid"], ["prefect_workspace_id=1234"],
    ["prefect_api=self-hosted", "prefect_api_url=ftp://prefect.example.com/api"],
    ["prefect_api=self-hosted", "prefect_api_url=prefect-server:4200/api"],
    # What only a real API server would refuse: requests above limits, an all-digit namespace
    # (the worker's Deployment and Job observer break), a Secret name that is no DNS-1123 name.
    ["cpu_request=2", "cpu_limit=500m"], ["memory_request=2Gi", "memory_limit=1Gi"],
    ["memory_request=1536Mi"], ["cpu_request=1.5", "cpu_limit=1"], ["namespace=2024"],
    ["image_pull_secret=Registry_Creds"], ["image_pull_secret=-creds"],
    ["prefect_api_auth=true"], ["prefect_api=cloud", "prefect_api_auth=true"],
    ["platform=linux/arm/v7"],
], ids=lambda d: " ".join(d))
def test_bad_input_exits_2_with_one_line_and_writes_nothing(data, tmp_path):
    destination = tmp_path / "repo"
    args = ["new", str(destination), "--template", "k8s_pool", "--defaults"]
    for item in data:
        args += ["--data", item]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "is not allowed" in lines[0], result.output
    assert not destination.exists()


@pytest.mark.parametrize(("data", "message"), [
    (["cpu_request=2", "cpu_limit=500m"], "cpu_limit: '500m' is not allowed: must be at least "
     "cpu_request (2): Kubernetes refuses a pod whose request exceeds its limit"),
    (["memory_request=2Gi", "memory_limit=1Gi"], "memory_limit: '1Gi' is not allowed: must be at "
     "least memory_request (2Gi)"),
    (["prefect_api=cloud", "prefect_api_auth=true"],
     "prefect_api_auth: 'true' is not allowed: only applies when prefect_api == 'self-hosted'"),
])
def test_cross_field_refusals_name_both_values(data, message, tmp_path):
    args = ["new", str(tmp_path / "repo"), "--template", "k8s_pool", "--defaults"]
    result = CliRunner().invoke(app, [*args, *(a for item in data for a in ("--data", item))])
    assert result.exit_code == 2
    assert message in result.output


@pytest.mark.parametrize("registry", ["123456789012.dkr.ecr.us-east-2.amazonaws.com",
                                      "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/team"])
@pytest.mark.slow
def test_ecr_takes_no_pull_secret_its_token_would_expire_in_12_hours(registry, tmp_path):
    """`aws ecr get-login-password` makes a 12-hour token nothing would renew: images would stop
    pulling half a day after install. Nodes pull from ECR with their IAM role instead."""
    args = ["new", str(tmp_path / "refused"), "--template", "k8s_pool", "--defaults",
            "--data", f"image_registry={registry}", "--data", "image_pull_secret=ecr-creds"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert result.output.strip() == (
        "error: --data image_pull_secret: 'ecr-creds' is not allowed: must be empty for an ECR "
        "registry: a pull "
        "Secret would hold a 12-hour ECR token nothing renews; nodes pull from ECR with their IAM "
        "role (AmazonEC2ContainerRegistryPullOnly)")
    assert not (tmp_path / "refused").exists()

    render_template("k8s_pool", tmp_path / "p", image_registry=registry)
    template = (tmp_path / "p" / "k8s" / "base-job-template.json").read_text()
    assert "imagePullSecrets" not in template
    readme = (tmp_path / "p" / "README.md").read_text()
    assert "**Pulling from ECR: no pull Secret.**" in readme
    assert "`AmazonEC2ContainerRegistryPullOnly`" in readme and "12 hours" in readme
    lifetimes = readme[readme.index("**Credentials and their lifetimes.**"):]
    assert "- Image pulls from ECR: the nodes' IAM role" in lifetimes


@pytest.mark.parametrize(("request_", "limit"), [
    ("500m", "1"), ("1", "1000m"), ("512Mi", "1Gi"), ("1G", "1Gi"), ("0.5", "500m"),
    ("1Gi", "1Gi"), ("100M", "0.1G"), ("1024Ki", "1Mi")])
def test_requests_up_to_the_limit_are_accepted(request_, limit):
    """Quantities compare by value, not by spelling (validated as `new --data` does)."""
    kind = "memory" if request_[-1] in "iGM" or limit[-1] in "iGM" else "cpu"
    answers = answers_for("k8s_pool", **{f"{kind}_request": request_, f"{kind}_limit": limit})
    assert (answers[f"{kind}_request"], answers[f"{kind}_limit"]) == (request_, limit)


def test_the_pinned_chart_is_published_and_unchanged(prefect_worker_charts):
    """The pin names a release in the chart repository's index, and our copy of that package is
    byte for byte the published one (the index's digest)."""
    index = yaml.safe_load((prefect_worker_charts / "index.prefect-worker.yaml").read_text())
    releases = {entry["version"]: entry for entry in index["entries"]["prefect-worker"]}
    assert CHART_VERSION in releases
    package = prefect_worker_charts / f"prefect-worker-{CHART_VERSION}.tgz"
    assert hashlib.sha256(package.read_bytes()).hexdigest() == releases[CHART_VERSION]["digest"]


@pytest.mark.slow
def test_the_flow_image_is_built_for_the_chosen_platform(tmp_path):
    render_template("k8s_pool", tmp_path / "p", platform="linux/arm64")
    build = yaml.safe_load((tmp_path / "p" / "prefect.yaml").read_text())["build"]
    (step,) = [s["prefect_docker.deployments.steps.build_docker_image"] for s in build
               if "prefect_docker.deployments.steps.build_docker_image" in s]
    assert step["platform"] == "linux/arm64"
