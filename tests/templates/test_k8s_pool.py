"""k8s_pool renders a coherent Kubernetes project. Render-only checks against the real schemas:
the prefect.yaml model, the prefect-worker chart's values.schema.json, the strict Job schema."""

from __future__ import annotations

import base64
import copy
import json
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from prefect_scaffold._cli import app
from prefect_scaffold.catalog.registry import get_template
from tests.helpers.k8s_job import (
    default_base_job_template,
    load_base_job_template,
    strict_errors,
    worker_job_manifest,
)
from tests.helpers.projects import render_template
from tests.helpers.recorded_commands import locked_append

ACCOUNT = "0b4d6d2e-6a3f-4c1e-9d7a-2f5e8c9b1a01"
WORKSPACE = "7c1e2a3b-4d5e-4f60-8a9b-0c1d2e3f4a5b"
BUILT_IMAGE = "registry.example.com/flows:abc1234"
REPO_ROOT = Path(__file__).resolve().parents[2]
CHART_VERSION = get_template("k8s_pool").question("helm_chart_version").default

CASES: dict[str, dict[str, Any]] = {
    "defaults": {},
    "cloud": dict(prefect_api="cloud", prefect_account_id=ACCOUNT, prefect_workspace_id=WORKSPACE,
                  namespace="data-flows", service_account_name="prefect-flows",
                  cpu_limit="2", work_pool_name="k8s-prod", image_registry="ghcr.io/acme"),
    "self-hosted": dict(prefect_api="self-hosted", namespace="flows",
                        prefect_api_url="http://prefect-server.prefect.svc:4200/api",
                        code_storage="git", schedule="", interval_minutes=30,
                        image_registry="registry.example.com:5000/team", image_name="etl/jobs",
                        cpu_request="", memory_request="", memory_limit=""),
    # What a real team adds: a private image, a server with basic auth, a private repository.
    "private": dict(prefect_api="self-hosted", prefect_api_auth=True,
                    image_pull_secret="registry-credentials", code_storage="git",
                    git_token_secret_block="github-token", platform="linux/arm64",
                    image_registry="ghcr.io/acme",
                    cpu_request="250m", cpu_limit="1", memory_request="1Gi", memory_limit="1Gi"),
}


@pytest.fixture(scope="module", params=list(CASES))
def case(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    project = tmp_path_factory.mktemp(request.param) / "my-flows"
    render_template("k8s_pool", project, **CASES[request.param])
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    return request.param, project, answers


def _yaml(project: Path, name: str) -> Any:
    return yaml.safe_load((project / name).read_text())


def _deployment(project: Path) -> dict[str, Any]:
    (deployment,) = _yaml(project, "prefect.yaml")["deployments"]
    return deployment


def _resolved_job_variables(project: Path) -> dict[str, Any]:
    variables = dict(_deployment(project)["work_pool"]["job_variables"])
    assert variables["image"] == "{{ build_image.image }}"
    variables["image"] = BUILT_IMAGE
    return variables


@pytest.mark.slow
def test_every_yaml_and_json_file_parses(case):
    _, project, _ = case
    files = [p for p in project.rglob("*") if p.suffix in (".yaml", ".yml", ".json")]
    assert {p.relative_to(project).as_posix() for p in files} >= {
        "prefect.yaml", "helm/values.yaml", "k8s/base-job-template.json",
        ".github/workflows/deploy.yml", ".github/workflows/ci.yml", ".copier-answers.yml"}
    for path in files:
        loaded = json.loads(path.read_text()) if path.suffix == ".json" else yaml.safe_load(
            path.read_text())
        assert isinstance(loaded, dict), path


def test_prefect_yaml_is_a_valid_deployment_file(case):
    from prefect.cli.deploy._models import PrefectYamlModel

    _, project, answers = case
    config = _yaml(project, "prefect.yaml")
    PrefectYamlModel.model_validate(config)
    (build_image,) = [step["prefect_docker.deployments.steps.build_docker_image"]
                      for step in config["build"]
                      if "prefect_docker.deployments.steps.build_docker_image" in step]
    assert build_image["id"] == "build_image"
    assert build_image["image_name"] == f"{answers['image_registry']}/{answers['image_name']}"
    assert "prefect_docker.deployments.steps.push_docker_image" in config["push"][0]
    pull_step = next(iter(config["pull"][0]))
    assert pull_step == ("prefect.deployments.steps.git_clone" if answers["code_storage"] == "git"
                         else "prefect.deployments.steps.set_working_directory")

    deployment = _deployment(project)
    flow = answers["flow_name"]
    assert deployment["name"] == flow.replace("_", "-")
    assert deployment["entrypoint"] == f"flows/{flow}.py:{flow}"
    assert deployment["parameters"] == {"source": "demo", "limit": 10}
    if answers["schedule"]:
        assert deployment["schedules"] == [{"cron": answers["schedule"], "timezone": "UTC"}]
    else:
        assert deployment["schedules"] == [{"interval": answers["interval_minutes"] * 60}]
    pool = deployment["work_pool"]
    assert pool["name"] == answers["work_pool_name"]
    assert pool["work_queue_name"] == answers["work_queue_name"]
    expected = {"image": "{{ build_image.image }}", "image_pull_policy": "IfNotPresent",
                "namespace": answers["namespace"], "env": {}}
    for key in ("service_account_name", "cpu_request", "cpu_limit", "memory_request",
                "memory_limit"):
        if answers[key]:
            expected[key] = answers[key]
    assert pool["job_variables"] == expected


def test_job_variables_are_declared_by_the_pool_template(case):
    _, project, _ = case
    declared = set(load_base_job_template(project)["variables"]["properties"])
    assert set(_deployment(project)["work_pool"]["job_variables"]) <= declared
    # ...and by the template prefect-kubernetes itself ships (the names the worker knows)
    assert declared == set(default_base_job_template()["variables"]["properties"])


def test_helm_values_pass_the_chart_schema(case, helm_chart_files):
    import jsonschema

    _, project, _ = case
    schema_file, chart_values_file = helm_chart_files
    schema = json.loads(schema_file.read_text())
    chart_defaults = yaml.safe_load(chart_values_file.read_text())
    values = _yaml(project, "helm/values.yaml")

    def merged(base: dict, over: dict) -> dict:
        out = dict(base)
        for key, value in over.items():
            both = isinstance(value, dict) and isinstance(out.get(key), dict)
            out[key] = merged(out[key], value) if both else value
        return out

    validator = jsonschema.Draft7Validator(schema)
    for document in (values, merged(chart_defaults, values)):
        errors = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(document)]
        assert errors == []
    # The schema is strict under `worker`: a misspelt key would have been reported above.
    assert schema["properties"]["worker"].get("additionalProperties") is False


def test_helm_values_talk_to_the_chosen_api(case):
    _, project, answers = case
    worker = _yaml(project, "helm/values.yaml")["worker"]
    assert worker["config"]["workPool"] == answers["work_pool_name"]
    assert worker["config"]["type"] == "kubernetes"
    assert worker["image"]["prefectTag"].endswith("-kubernetes")
    assert "baseJobTemplate" not in worker["config"]  # the project owns it, see README
    if answers["prefect_api"] == "cloud":
        assert worker["apiConfig"] == "cloud"
        assert worker["cloudApiConfig"] == {
            "accountId": answers["prefect_account_id"],
            "workspaceId": answers["prefect_workspace_id"],
            "apiKeySecret": {"name": "prefect-api-key", "key": "key"}}
        assert "selfHostedServerApiConfig" not in worker
    else:
        assert worker["apiConfig"] == "selfHostedServer"
        expected = {"apiUrl": answers["prefect_api_url"]}
        if answers.get("prefect_api_auth"):
            expected["basicAuth"] = {"enabled": True, "existingSecret": "prefect-api-auth"}
        assert worker["selfHostedServerApiConfig"] == expected
        assert "cloudApiConfig" not in worker
    # An exact Prefect release: the one this scaffold is tested with (uv.lock), never a moving tag.
    from importlib.metadata import version

    assert worker["image"]["prefectTag"] == (
        f"{version('prefect')}-python{answers['python_version']}-kubernetes")


def test_one_namespace_everywhere(case):
    _, project, answers = case
    namespace = answers["namespace"]
    assert _yaml(project, "helm/values.yaml")["worker"]["config"]["jobNamespace"] == namespace
    template = load_base_job_template(project)
    assert template["variables"]["properties"]["namespace"]["default"] == namespace
    assert _deployment(project)["work_pool"]["job_variables"]["namespace"] == namespace
    script = (project / "scripts" / "install-worker.sh").read_text()
    assert f'NAMESPACE="{namespace}"\n' in script
    readme = (project / "README.md").read_text()
    assert f"prefect/prefect-worker -n {namespace} " in readme


def test_base_job_template_is_prefects_default_with_the_job_spec_fix(case):
    _, project, answers = case
    ours = load_base_job_template(project)
    expected = copy.deepcopy(default_base_job_template())
    job_spec = expected["job_configuration"]["job_manifest"]["spec"]
    pod_spec = job_spec["template"]["spec"]
    job_spec["parallelism"] = pod_spec.pop("parallelism")
    job_spec["completions"] = pod_spec.pop("completions")
    variables = expected["variables"]["properties"]
    variables["namespace"]["default"] = answers["namespace"]
    for key in ("service_account_name", "cpu_request", "cpu_limit", "memory_request",
                "memory_limit"):
        variables[key]["default"] = answers[key] or None
    variables["finished_job_ttl"]["default"] = 86400  # finished Jobs do not pile up
    # The uninstall script finds the pool's Jobs by this label.
    variables["labels"]["default"] = {"prefect.io/work-pool-name": answers["work_pool_name"]}
    if answers["image_pull_secret"]:
        pod_spec["imagePullSecrets"] = [{"name": answers["image_pull_secret"]}]
    pod_spec["securityContext"] = RESTRICTED_POD
    pod_spec["containers"][0]["securityContext"] = RESTRICTED_CONTAINER
    assert ours == expected


#: Kubernetes' "restricted" Pod Security Standard, what checkov's CKV_K8S_20/23/28/31/37 ask.
RESTRICTED_POD = {"runAsNonRoot": True, "runAsUser": 10001,
                  "seccompProfile": {"type": "RuntimeDefault"}}
RESTRICTED_CONTAINER = {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]},
                        "runAsNonRoot": True}
#: Prefect's official image has no USER instruction: it runs as root. Read from PrefectHQ/prefect
#: at ce79dd3 (2026-08-21), Dockerfile: `ENTRYPOINT ["/usr/bin/tini", "-g", "--",
#: "/opt/prefect/entrypoint.sh"]` and no USER line; our Dockerfile adds the user.
PREFECT_IMAGE_USER = "root"


@pytest.mark.slow
def test_flow_run_pods_run_restricted_as_the_flow_images_own_user(case):
    _, project, answers = case
    job = worker_job_manifest(load_base_job_template(project), _resolved_job_variables(project))
    assert strict_errors(job) == {}
    pod = job["spec"]["template"]["spec"]
    assert pod["securityContext"] == RESTRICTED_POD
    assert pod["containers"][0]["securityContext"] == RESTRICTED_CONTAINER
    # The uid the pod runs as is the user the flow image creates and switches to (a named USER
    # cannot be checked by runAsNonRoot: Kubernetes needs the number).
    dockerfile = (project / "Dockerfile").read_text()
    assert re.search(r"^FROM prefecthq/prefect:", dockerfile, re.MULTILINE)
    assert PREFECT_IMAGE_USER == "root"  # so the image's own USER line is what makes it non-root
    (uid, name), = re.findall(r"useradd [^\n]*--uid ([0-9]+) ([a-z]+)", dockerfile)
    assert re.findall(r"^USER (\S+)$", dockerfile, re.MULTILINE) == [name]
    assert int(uid) == RESTRICTED_POD["runAsUser"] and int(uid) >= 10000  # CKV_K8S_40
    # The label the uninstall script selects the pool's Jobs by.
    assert job["metadata"]["labels"]["prefect.io/work-pool-name"] == answers["work_pool_name"]


def test_the_worker_job_is_strictly_valid_kubernetes(case):
    _, project, answers = case
    variables = _resolved_job_variables(project)
    job = worker_job_manifest(load_base_job_template(project), variables)
    assert strict_errors(job) == {}
    container = job["spec"]["template"]["spec"]["containers"][0]
    assert job["metadata"]["namespace"] == answers["namespace"]
    assert container["image"] == BUILT_IMAGE
    assert container["imagePullPolicy"] == "IfNotPresent"
    requests = {k: v for k, v in (("cpu", answers["cpu_request"]),
                                  ("memory", answers["memory_request"])) if v}
    limits = {k: v for k, v in (("cpu", answers["cpu_limit"]),
                                ("memory", answers["memory_limit"])) if v}
    assert container["resources"].get("requests", {}) == requests
    assert container["resources"].get("limits", {}) == limits
    pod = job["spec"]["template"]["spec"]
    if answers["service_account_name"]:
        assert pod["serviceAccountName"] == answers["service_account_name"]
    else:
        assert "serviceAccountName" not in pod
    assert job["spec"]["ttlSecondsAfterFinished"] == 86400
    if answers["image_pull_secret"]:
        assert pod["imagePullSecrets"] == [{"name": answers["image_pull_secret"]}]
    else:
        assert "imagePullSecrets" not in pod


@pytest.mark.parametrize("field", ["parallelism", "completions"])
def test_the_worker_refuses_more_than_one_pod_per_run_as_the_readme_says(case, field):
    _, project, _ = case
    template = load_base_job_template(project)
    template["job_configuration"]["job_manifest"]["spec"][field] = 2
    with pytest.raises(ValueError, match="Job is missing required attributes"):
        worker_job_manifest(template, _resolved_job_variables(project))
    assert "Keep both at 1" in (project / "README.md").read_text()


def test_prefects_default_template_would_fail_strict_validation(case):
    """Why we ship a fixed template: the default puts Job fields into the pod spec."""
    _, project, _ = case
    job = worker_job_manifest(default_base_job_template(), _resolved_job_variables(project))
    errors = strict_errors(job)
    assert errors and all("completions" in e and "parallelism" in e for e in errors.values())


def test_deploy_workflow_builds_and_deploys_on_main(case):
    _, project, answers = case
    workflow = _yaml(project, ".github/workflows/deploy.yml")
    assert workflow[True]["push"]["branches"] == ["main"]  # YAML 1.1 reads `on` as True
    (job,) = workflow["jobs"].values()
    assert job["env"]["PREFECT_API_URL"] == "${{ secrets.PREFECT_API_URL }}"
    if answers["prefect_api"] == "cloud":
        assert job["env"]["PREFECT_API_KEY"] == "${{ secrets.PREFECT_API_KEY }}"
    if answers.get("prefect_api_auth"):
        assert job["env"]["PREFECT_API_AUTH_STRING"] == "${{ secrets.PREFECT_API_AUTH_STRING }}"
    else:
        assert "PREFECT_API_AUTH_STRING" not in job["env"]
    runs = [step["run"] for step in job["steps"] if "run" in step]
    assert runs[-1] == "uv run prefect --no-prompt deploy --all"
    assert any("--base-job-template k8s/base-job-template.json --overwrite" in r for r in runs)
    assert _registry_login(job["steps"]) == _expected_login(answers["image_registry"])


def _registry_login(steps: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """The steps between setting up buildx and setting up uv: the registry login."""
    uses = [s.get("uses", "") for s in steps]
    start, end = uses.index("docker/setup-buildx-action@v3"), uses.index("astral-sh/setup-uv@v6")
    return [(s["uses"], s.get("with", {})) for s in steps[start + 1:end]]


def _expected_login(registry: str) -> list[tuple[str, dict[str, Any]]]:
    host = registry.split("/")[0]
    if host == "ghcr.io":
        return [("docker/login-action@v3", {"registry": "ghcr.io", "username": "${{ github.actor }}",
                                            "password": "${{ secrets.GITHUB_TOKEN }}"})]
    if ".dkr.ecr." in host:
        return [("aws-actions/configure-aws-credentials@v4", {
                    "role-to-assume": "${{ vars.AWS_ROLE_ARN }}", "aws-region": host.split(".")[3]}),
                ("aws-actions/amazon-ecr-login@v2", {})]
    if host.endswith("-docker.pkg.dev"):
        return [("google-github-actions/auth@v2", {
                    "token_format": "access_token",
                    "workload_identity_provider": "${{ vars.GCP_WORKLOAD_IDENTITY_PROVIDER }}",
                    "service_account": "${{ vars.GCP_SERVICE_ACCOUNT }}",
                    "credentials_json": "${{ secrets.GCP_CREDENTIALS_JSON }}"}),
                ("docker/login-action@v3", {"registry": host, "username": "oauth2accesstoken",
                                            "password": "${{ steps.gcp.outputs.access_token }}"})]
    return [("docker/login-action@v3", {"registry": host,
                                        "username": "${{ secrets.REGISTRY_USERNAME }}",
                                        "password": "${{ secrets.REGISTRY_PASSWORD }}"})]


@pytest.mark.parametrize("registry", ["ghcr.io/acme", "123456789012.dkr.ecr.us-east-2.amazonaws.com",
                                      "europe-west1-docker.pkg.dev/acme-prod/flows",
                                      "registry.example.com:5000/team"])
@pytest.mark.slow
def test_deploy_workflow_logs_in_to_the_registry_it_pushes_to(registry, tmp_path):
    project = tmp_path / "p"
    render_template("k8s_pool", project, image_registry=registry)
    workflow = _yaml(project, ".github/workflows/deploy.yml")
    (job,) = workflow["jobs"].values()
    assert _registry_login(job["steps"]) == _expected_login(registry)
    permissions = workflow["permissions"]
    if registry.startswith("ghcr.io"):
        assert permissions == {"contents": "read", "packages": "write"}
    elif "amazonaws" in registry or "pkg.dev" in registry:
        assert permissions == {"contents": "read", "id-token": "write"}  # OIDC
    else:
        assert permissions == {"contents": "read"}
    readme = (project / "README.md").read_text()
    for name in re.findall(r"\$\{\{ (?:secrets|vars)\.([A-Z_]+) \}\}", json.dumps(job)):
        assert f"`{name}`" in readme, name  # every secret and variable the workflow reads


# --- scripts/install-worker.sh ----------------------------------------------------------------

def test_install_script_passes_shellcheck(case):
    _, project, _ = case
    script = project / "scripts" / "install-worker.sh"
    assert script.stat().st_mode & stat.S_IXUSR
    assert "set -euo pipefail" in script.read_text()
    shellcheck = shutil.which("shellcheck", path=Path(sys.executable).parent) or "shellcheck"
    result = subprocess.run([shellcheck, str(script)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


STUB = "#!/bin/sh\n" + locked_append('"$STUB_LOG"', """printf '%s %s\\n' "$(basename "$0")" "$*\"""") + """
cat >> "$STUB_LOG.stdin"
"""


# `prefect block inspect` fails unless $BLOCK_EXISTS is set, as it does for a missing block.
UV_WITHOUT_BLOCK = STUB + """case "$*" in *"block inspect"*) [ -n "$BLOCK_EXISTS" ] || exit 1 ;; esac
"""


def _run_install(project: Path, tmp_path: Path, tools: tuple[str, ...], env: dict[str, str],
                 uv_stub: str = STUB, script: str = "install-worker.sh",
                 args: tuple[str, ...] = ()):
    stubs, system = tmp_path / "stubs", tmp_path / "system"
    stubs.mkdir(parents=True)
    system.mkdir(parents=True)
    for tool in tools:
        (stubs / tool).write_text(uv_stub if tool == "uv" else STUB)
        (stubs / tool).chmod(0o755)
    for tool in ("dirname", "basename", "cat", "base64", "tr", "sed"):  # what scripts, stubs use
        (system / tool).symlink_to(shutil.which(tool))
    log = tmp_path / "calls.log"
    result = subprocess.run(
        [shutil.which("bash"), str(project / "scripts" / script), *args],
        env={"PATH": f"{stubs}:{system}", "STUB_LOG": str(log), "HOME": str(tmp_path), **env},
        stdin=subprocess.DEVNULL, capture_output=True, text=True, check=False, timeout=60)
    calls = log.read_text().splitlines() if log.exists() else []
    stdin = Path(f"{log}.stdin").read_text() if Path(f"{log}.stdin").exists() else ""
    return result, calls, stdin


SECRETS = {"PREFECT_API_KEY": "pnu_not-a-real-key-0123456789",
           "PREFECT_API_AUTH_STRING": "admin:not-a-real-password",
           "REGISTRY_USERNAME": "robot", "REGISTRY_PASSWORD": "not-a-real-registry-token",
           "GIT_ACCESS_TOKEN": "not-a-real-git-token"}


def test_install_script_runs_the_steps_in_order(case, tmp_path):
    _, project, answers = case
    env = dict(SECRETS, PREFECT_API_URL="http://127.0.0.1:4200/api")
    if answers["prefect_api"] == "cloud":
        del env["PREFECT_API_URL"]  # the script derives it from the answers
    result, calls, stdin = _run_install(project, tmp_path, ("kubectl", "helm", "uv", "docker"), env)
    assert result.returncode == 0, result.stderr
    ns, pool = answers["namespace"], answers["work_pool_name"]
    expected = [f"kubectl create namespace {ns} --dry-run=client -o yaml", "kubectl apply -f -"]
    if answers["prefect_api"] == "cloud":
        expected += [f"kubectl create secret generic prefect-api-key --namespace {ns} "
                     "--from-file=key=/dev/stdin --dry-run=client -o yaml", "kubectl apply -f -"]
    if answers.get("prefect_api_auth"):
        expected += [f"kubectl create secret generic prefect-api-auth --namespace {ns} "
                     "--from-file=auth-string=/dev/stdin --dry-run=client -o yaml",
                     "kubectl apply -f -"]
    if answers["image_pull_secret"]:
        expected += [f"kubectl create secret generic {answers['image_pull_secret']} --namespace "
                     f"{ns} --type=kubernetes.io/dockerconfigjson "
                     "--from-file=.dockerconfigjson=/dev/stdin --dry-run=client -o yaml",
                     "kubectl apply -f -"]
    if answers["service_account_name"]:
        expected += [f"kubectl create serviceaccount {answers['service_account_name']} "
                     f"--namespace {ns} --dry-run=client -o yaml", "kubectl apply -f -"]
    expected += [
        f"uv run prefect --no-prompt work-pool create {pool} --type kubernetes "
        "--base-job-template k8s/base-job-template.json --overwrite",
    ]
    if answers.get("git_token_secret_block"):
        expected += ["uv run python -c import os, sys; from prefect.blocks.system import Secret; "
                     'Secret(value=os.environ["GIT_ACCESS_TOKEN"]).save(sys.argv[1], '
                     f"overwrite=True) {answers['git_token_secret_block']}"]
    expected += [
        "helm repo add prefect https://prefecthq.github.io/prefect-helm --force-update",
        "helm repo update prefect",
        f"helm upgrade --install prefect-worker prefect/prefect-worker --namespace {ns} "
        f"--values helm/values.yaml --version {CHART_VERSION} --wait",
        "uv run prefect --no-prompt deploy --all",
    ]
    # The commands of one pipeline start together, so kubectl's order within a step is open;
    # each step finishes before the next starts.
    kubectl = [c for c in calls if c.startswith("kubectl")]
    assert sorted(kubectl) == sorted(e for e in expected if e.startswith("kubectl"))
    assert calls[:len(kubectl)] == kubectl  # namespace, secret, service account come first
    assert calls[len(kubectl):] == [e for e in expected if not e.startswith("kubectl")]
    for secret in SECRETS.values():
        assert secret not in "\n".join(calls)  # never on a command line
    if answers["prefect_api"] == "cloud":
        assert SECRETS["PREFECT_API_KEY"] in stdin  # only through a pipe into kubectl
    if answers.get("prefect_api_auth"):
        assert SECRETS["PREFECT_API_AUTH_STRING"] in stdin
    if answers["image_pull_secret"]:
        # The .dockerconfigjson kubectl stores: the registry host and base64(user:password).
        config = json.loads(stdin[stdin.index('{"auths"'):].split("}}}")[0] + "}}}")
        auth = base64.b64encode(b"robot:not-a-real-registry-token").decode()
        assert config == {"auths": {answers["image_registry"].split("/")[0]: {"auth": auth}}}


def _created(calls: list[str], pool: str) -> set[tuple[str, str]]:
    """What install-worker.sh's calls create, and what the worker it installs creates at run time
    (a Job per flow run)."""
    made = {("jobs", pool)}
    for call in calls:
        words = call.split()
        if words[:2] == ["kubectl", "create"]:
            kind = words[2]
            made.add((kind, words[4] if kind == "secret" else words[3]))
        elif "work-pool create" in call:
            made.add(("work-pool", words[words.index("create") + 1]))
        elif "Secret(value=" in call:
            made.add(("block", f"secret/{words[-1]}"))
        elif words[:3] == ["helm", "upgrade", "--install"]:
            made.add(("helm-release", words[3]))
        elif call.endswith("deploy --all"):
            made.add(("deployments", pool))
    return made


def _deleted(calls: list[str]) -> set[tuple[str, str]]:
    gone = set()
    for call in calls:
        words = call.split()
        if words[:2] == ["helm", "uninstall"]:
            gone.add(("helm-release", words[2]))
        elif words[:3] == ["kubectl", "delete", "jobs"]:
            selector = words[words.index("--selector") + 1]
            assert selector.startswith("prefect.io/work-pool-name=")
            gone.add(("jobs", selector.split("=", 1)[1]))
        elif words[:2] == ["kubectl", "delete"]:
            kind, names = words[2], words[3:words.index("--namespace")]
            gone.update((kind, name) for name in names)
        elif "pool_deployments.py" in call and call.endswith("--delete"):
            gone.add(("deployments", words[-2]))
        elif "work-pool delete" in call:
            gone.add(("work-pool", words[-1]))
        elif "block delete" in call:
            gone.add(("block", words[-1]))
    return gone


def test_uninstall_removes_what_install_and_the_worker_created_or_the_readme_says_why_not(
        case, tmp_path):
    _, project, answers = case
    env = dict(SECRETS, PREFECT_API_URL="http://127.0.0.1:4200/api")
    pool, namespace = answers["work_pool_name"], answers["namespace"]
    installed, install_calls, _ = _run_install(project, tmp_path / "install",
                                               ("kubectl", "helm", "uv", "docker"), env)
    assert installed.returncode == 0, installed.stderr
    removed, uninstall_calls, _ = _run_install(project, tmp_path / "uninstall",
                                               ("kubectl", "helm", "uv"), env,
                                               script="uninstall-worker.sh")
    assert removed.returncode == 0, removed.stderr
    # The worker goes first: a running worker would re-create the pool and start Jobs.
    assert uninstall_calls[0].startswith("helm uninstall prefect-worker ")
    readme = (project / "README.md").read_text()
    stays = readme[readme.index("## Uninstall"):]
    kept = {("namespace", namespace)}  # it may hold more than this project
    assert f"`kubectl delete namespace {namespace}`" in stays
    assert f"kept: namespace {namespace}" in removed.stdout
    assert _created(install_calls, pool) == _deleted(uninstall_calls) | kept
    assert _deleted(uninstall_calls).isdisjoint(kept)


def test_uninstall_dry_run_deletes_nothing_and_lists_what_it_would(case, tmp_path):
    _, project, answers = case
    env = dict(SECRETS, PREFECT_API_URL="http://127.0.0.1:4200/api")
    tools = ("kubectl", "helm", "uv")
    _, calls, _ = _run_install(project, tmp_path / "real", tools, env,
                               script="uninstall-worker.sh")
    dry, looked_up, _ = _run_install(project, tmp_path / "dry", tools, env,
                                     script="uninstall-worker.sh", args=("--dry-run",))
    assert dry.returncode == 0, dry.stderr
    assert [c for c in looked_up if " delete " in c or " uninstall " in c] == []
    listed = [line.removeprefix("would run: ") for line in dry.stdout.splitlines()
              if line.startswith("would run: ")]
    # The deployments are listed by name (scripts/pool_deployments.py without --delete).
    pool = answers["work_pool_name"]
    assert f"uv run python scripts/pool_deployments.py {pool}" in looked_up
    assert _deleted(listed) | {("deployments", pool)} == _deleted(calls)


@pytest.fixture(scope="module")
def private_project(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    project = tmp_path_factory.mktemp("private") / "my-flows"
    render_template("k8s_pool", project, **CASES["private"])
    return project, yaml.safe_load((project / ".copier-answers.yml").read_text())


@pytest.mark.parametrize("block_exists", [True, False])
@pytest.mark.slow
def test_install_script_never_saves_an_empty_git_token(private_project, tmp_path, block_exists):
    project, answers = private_project
    env = {k: v for k, v in SECRETS.items() if k != "GIT_ACCESS_TOKEN"}
    env["PREFECT_API_URL"] = "http://127.0.0.1:4200/api"
    env["BLOCK_EXISTS"] = "1" if block_exists else ""
    result, calls, _ = _run_install(project, tmp_path, ("kubectl", "helm", "uv", "docker"), env,
                                    uv_stub=UV_WITHOUT_BLOCK)
    saves = [c for c in calls if "Secret(value=" in c]
    assert saves == []
    inspect = f"uv run prefect --no-prompt block inspect secret/{answers['git_token_secret_block']}"
    assert inspect in calls
    if block_exists:  # a rerun keeps the block and goes on
        assert result.returncode == 0, result.stderr
        assert calls[-1] == "uv run prefect --no-prompt deploy --all"
    else:
        assert result.returncode == 1
        assert result.stderr.startswith("install-worker: set GIT_ACCESS_TOKEN ")
        assert not any(c.startswith("helm") for c in calls)


def test_install_script_needs_its_tools_and_variables(case, tmp_path):
    _, project, answers = case
    result, calls, _ = _run_install(project, tmp_path, ("kubectl", "uv", "docker"), {
        "PREFECT_API_KEY": "x", "PREFECT_API_URL": "http://127.0.0.1:4200/api"})
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "install-worker: 'helm' is not installed or not on PATH "
        "(see https://helm.sh/docs/intro/install/)"]
    assert calls == []
    missing = "PREFECT_API_KEY" if answers["prefect_api"] == "cloud" else "PREFECT_API_URL"
    result, calls, _ = _run_install(project, tmp_path / "again", (
        "kubectl", "helm", "uv", "docker"), {})
    assert result.returncode == 1
    assert result.stderr.startswith(f"install-worker: set {missing} ")
    assert calls == []


# --- README -----------------------------------------------------------------------------------

def test_readme_explains_the_commands_and_the_template_owner(case):
    _, project, answers = case
    readme = (project / "README.md").read_text()
    for text in ("scripts/install-worker.sh", "helm upgrade --install prefect-worker",
                 f"--version {CHART_VERSION}",
                 f"prefect work-pool update {answers['work_pool_name']} --base-job-template "
                 "k8s/base-job-template.json", "prefect --no-prompt deploy --all",
                 "prefect deployment run", "Kubernetes Job", "k8s/base-job-template.json"):
        assert text in readme
    assert "{{" not in readme
    table = readme.split("| path | what it is |")[1].split("## Keeping up to date")[0].strip()
    rows = table.splitlines()[1:]
    assert all(row.startswith("| `") for row in rows), table  # one table, no gaps
    for row in rows:
        path = row.split("`")[1]
        assert (project / path).exists(), path


def test_readme_names_every_variable_the_install_script_needs_before_running_it(case):
    """Followed top to bottom, the README exports each variable the script insists on, then runs
    it; the secrets CI needs are named where the workflow is explained."""
    _, project, answers = case
    readme = (project / "README.md").read_text()
    script = (project / "scripts" / "install-worker.sh").read_text()
    required = re.findall(r'\[ -n "\$\{([A-Z_]+):-\}" \]', script)
    if answers.get("git_token_secret_block"):
        required.append("GIT_ACCESS_TOKEN")  # needed until the block exists
    deploy = readme.split("## Deploy")[1]
    run_at = deploy.index("\nscripts/install-worker.sh\n")
    exports = [line for line in deploy[:run_at].splitlines() if line.startswith("export ")]
    names = set(re.findall(r"\b([A-Z_]+)=", "\n".join(exports)))
    assert set(required) <= names, (required, names)
    if answers["image_registry"].startswith("ghcr.io"):  # private by default on GHCR
        assert "make the package public" in deploy.replace("\n", " ").lower()
    if answers.get("prefect_api_auth"):  # CI reaches the server from outside the cluster
        assert "not reachable from there" in deploy.replace("\n", " ")
    workflow = (project / ".github" / "workflows" / "deploy.yml").read_text()
    for name in re.findall(r"\$\{\{ secrets\.([A-Z_]+) \}\}", workflow):
        assert f"`{name}`" in deploy, name


@pytest.mark.slow
def test_defaults_from_the_decision_tree_render(tmp_path):
    destination = tmp_path / "repo"
    result = CliRunner().invoke(app, ["new", str(destination), "--no-serverless", "--containers",
                                      "--kubernetes", "--defaults"])
    assert result.exit_code == 0, result.output
    assert "(`k8s_pool`)" in (destination / "README.md").read_text()
    assert (destination / "helm" / "values.yaml").is_file()
    assert (destination / "k8s" / "base-job-template.json").is_file()


def test_shared_parts_are_mirrored_unchanged():
    sys.path.insert(0, str(REPO_ROOT / "scripts"))
    try:
        import sync_shared_parts
    finally:
        sys.path.pop(0)
    template = REPO_ROOT / "templates" / "k8s_pool"
    stale = [p for p, (content, executable) in sync_shared_parts.expected_mirrors().items()
             if template in p.parents and (not p.exists() or p.read_text() != content
                                           or os.access(p, os.X_OK) != executable)]
    assert stale == []
    assert os.access(template / "project" / "scripts" / "install-worker.sh.jinja", os.X_OK)
