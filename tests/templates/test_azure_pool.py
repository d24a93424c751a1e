"""azure_pool: rendered files, checked against the Azure SDK's models and prefect-azure's worker
without an Azure account (the az CLI parse and a real Prefect server are in the e2e module)."""

from __future__ import annotations

import inspect
import itertools
import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.helpers.azure_offline import container_group_problems, dry_run_commands
from tests.helpers.recorded_commands import locked_append
from tests.helpers.cli import assert_refused
from tests.helpers.lint import ruff_findings
from tests.helpers.scripts import assert_strict_scripts, without_tools
from tests.helpers.projects import render_template
from tests.helpers.readme_commands import readme_commands

ROOT = Path(__file__).resolve().parents[2]

#: Option combinations that change the scripts' and the worker template's structure.
COMBINATIONS = {
    "defaults": {},
    "cloud-git": {"prefect_api": "cloud", "code_storage": "git",
                  "azure_subscription_id": "0B1F6471-1BF0-4DDA-AEC3-111122223333"},
    "basic-auth-china-big": {"prefect_api_auth_string": True, "azure_region": "chinaeast2",
                             "cpu": 4, "memory_gb": 16, "schedule": "", "interval_minutes": 15},
}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """Each option combination rendered once."""
    base = tmp_path_factory.mktemp("azure_pool")
    for name, data in COMBINATIONS.items():
        render_template("azure_pool", base / name, **data)
    return base


def load(project: Path, relpath: str):
    text = (project / relpath).read_text()
    return json.loads(text) if relpath.endswith(".json") else yaml.safe_load(text)


def dry_run(project: Path, script: str) -> list[list[str]]:
    """The commands `script --dry-run` prints, run with coreutils only (no az, uv or docker)."""
    bin_dir = project.parent / "coreutils-only"
    if not bin_dir.exists():
        bin_dir.mkdir()
        for tool in ("dirname", "mktemp", "rm"):
            (bin_dir / tool).symlink_to(f"/usr/bin/{tool}")
    result = subprocess.run(["/bin/bash", str(project / "scripts" / script), "--dry-run"],
                            capture_output=True, text=True, check=False,
                            env={"PATH": str(bin_dir)})
    assert result.returncode == 0, result.stderr
    return dry_run_commands(result.stdout)


@pytest.mark.parametrize("name", list(COMBINATIONS))
@pytest.mark.slow
def test_worker_container_group_is_valid_for_the_azure_sdk(rendered, name):
    template = load(rendered / name, "infra/worker.json")
    (group,) = template["resources"]
    assert container_group_problems(group) == []
    container = group["properties"]["containers"][0]["properties"]
    assert container["command"][:4] == ["/opt/prefect/entrypoint.sh", "prefect", "worker", "start"]
    assert group["identity"]["userAssignedIdentities"] == {"[variables('workerIdentity')]": {}}
    # Every parameter the template uses is declared, and the parameters file names only those.
    used = set(re.findall(r"parameters\('([A-Za-z]+)'\)", json.dumps(template)))
    assert used <= set(template["parameters"])
    supplied = set(load(rendered / name, "infra/worker.parameters.json")["parameters"])
    required = {p for p, spec in template["parameters"].items() if "defaultValue" not in spec}
    assert supplied == required


@pytest.mark.parametrize("name", list(COMBINATIONS))
def test_the_worker_runs_exact_releases_never_a_moving_tag(rendered, name):
    """The worker image is an exact Prefect release and prefect-azure is pinned: the ones this
    scaffold is tested with (uv.lock), so a restarted worker is the worker that was tested."""
    from importlib.metadata import version

    project = rendered / name
    python = load(project, ".copier-answers.yml")["python_version"]
    template = load(project, "infra/worker.json")
    assert template["parameters"]["workerImage"]["defaultValue"] == (
        f"prefecthq/prefect:{version('prefect')}-python{python}")
    (group,) = template["resources"]
    container = group["properties"]["containers"][0]["properties"]
    assert container["image"] == "[parameters('workerImage')]"
    environment = {e["name"]: e.get("value") for e in container["environmentVariables"]}
    assert environment["EXTRA_PIP_PACKAGES"] == f"prefect-azure=={version('prefect-azure')}"


def test_the_model_check_finds_what_azure_would_refuse():
    good = {"type": "Microsoft.ContainerInstance/containerGroups", "name": "g", "location": "x",
            "properties": {"osType": "Linux", "containers": [{"name": "c", "properties": {
                "image": "i", "resources": {"requests": {"cpu": 1, "memoryInGB": 1}}}}]}}
    assert container_group_problems(good) == []
    no_os = json.loads(json.dumps(good))
    del no_os["properties"]["osType"]
    assert container_group_problems(no_os) == ["missing required os_type"]
    typo = json.loads(json.dumps(good))
    typo["properties"]["containers"][0]["properties"]["enviromentVariables"] = []
    assert container_group_problems(typo) == [
        "unknown property properties.containers.properties.enviromentVariables"]
    bad_cpu = json.loads(json.dumps(good))
    bad_cpu["properties"]["containers"][0]["properties"]["resources"]["requests"]["cpu"] = "one"
    assert container_group_problems(bad_cpu)[0].startswith("does not deserialize")


def test_secret_reaches_the_worker_only_through_a_key_vault_reference(rendered):
    template = load(rendered / "cloud-git", "infra/worker.json")
    assert template["parameters"]["prefectSecret"]["type"] == "securestring"
    env = template["resources"][0]["properties"]["containers"][0]["properties"][
        "environmentVariables"]
    assert {"name": "PREFECT_API_KEY", "secureValue": "[parameters('prefectSecret')]"} in env
    reference = load(rendered / "cloud-git", "infra/worker.parameters.json")["parameters"][
        "prefectSecret"]["reference"]
    assert reference == {"keyVault": {"id": (
        "/subscriptions/0b1f6471-1bf0-4dda-aec3-111122223333/resourceGroups/aci-pool-rg"
        "/providers/Microsoft.KeyVault/vaults/kv-myflows")}, "secretName": "prefect-api-key"}
    auth = load(rendered / "basic-auth-china-big", "infra/worker.json")
    names = [e["name"] for e in auth["resources"][0]["properties"]["containers"][0][
        "properties"]["environmentVariables"]]
    assert "PREFECT_API_AUTH_STRING" in names and "PREFECT_API_KEY" not in names
    plain = load(rendered / "defaults", "infra/worker.json")
    assert "prefectSecret" not in plain["parameters"]
    assert load(rendered / "defaults", "infra/worker.parameters.json")["parameters"] == {}


#: Each Azure SDK call in prefect-azure's ACI worker, and the role actions it needs (None: only
#: with an option this project leaves off, so the role does not grant it).
WORKER_CALLS = {
    "deployments.begin_create_or_update": {"Microsoft.Resources/deployments/*",
                                           "Microsoft.ContainerInstance/containerGroups/write",
                                           "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action"},
    "container_groups.get": {"Microsoft.ContainerInstance/containerGroups/read"},
    "container_groups.begin_delete": {"Microsoft.ContainerInstance/containerGroups/delete"},
    "container_groups.stop": None,  # keep_container_group (default false)
    "containers.list_logs": None,  # stream_output (default false)
}


def test_worker_role_grants_exactly_what_the_worker_calls(rendered):
    from prefect_azure.workers import container_instance

    source = inspect.getsource(container_instance)
    called = set(re.findall(r"\b(deployments|container_groups|containers)\.([a-z_]+)\b", source))
    assert {f"{a}.{b}" for a, b in called} == set(WORKER_CALLS)
    role = load(rendered / "defaults", "infra/worker-role.json")
    needed = set().union(*(actions for actions in WORKER_CALLS.values() if actions))
    assert set(role["Actions"]) == needed
    assert role["AssignableScopes"] == [
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/aci-pool-rg"]
    assert role["DataActions"] == [] and role["NotActions"] == []
    defaults = container_instance.AzureContainerVariables.model_fields
    assert defaults["keep_container_group"].default is False
    assert defaults["stream_output"].default is False


def _resources(commands: list[list[str]], project: Path, verbs: set[str]) -> set[tuple[str, ...]]:
    """(kind, name) of what each az create/delete and prefect command touches."""
    touched = set()
    for command in commands:
        if command[:2] == ["uv", "run"]:
            touched |= _prefect_objects(command[2:], project, verbs)
            continue
        if command[0] != "az":
            continue
        words = [w for w in command[1:] if not w.startswith("-")]
        verb_at = next((i for i, w in enumerate(words) if w in verbs), None)
        if verb_at is None:
            continue
        kind = " ".join(words[:verb_at])
        options = dict(itertools.pairwise(command))  # --option -> its value
        if kind == "role assignment":
            touched.add((kind, options["--role"], options["--scope"]))
        elif kind == "role definition":
            name = options.get("--name") or load(project, options["--role-definition"])["Name"]
            touched.add((kind, name))
        elif kind == "deployment group":
            touched.add((kind, options["--name"]))
            if "--template-file" in options:  # and what the template creates
                touched |= {("container", r["name"])
                            for r in load(project, options["--template-file"])["resources"]}
        elif kind == "keyvault secret":
            continue  # the secret lives in the vault and goes with it
        else:
            touched.add((kind, options["--name"]))
    return touched


def _project_deployments(project: Path, pool: str | None = None) -> set[tuple[str, str]]:
    """prefect.yaml's deployments (those on `pool`, if given), as flow/deployment."""
    return {("deployment", f"{d['entrypoint'].rsplit(':', 1)[1].replace('_', '-')}/{d['name']}")
            for d in load(project, "prefect.yaml")["deployments"]
            if pool is None or d["work_pool"]["name"] == pool}


def _prefect_objects(args: list[str], project: Path, verbs: set[str]) -> set[tuple[str, ...]]:
    """The work pool and deployments a `uv run prefect|python ...` command creates ("create") or
    deletes."""
    words = [w for w in args if not w.startswith("-")]
    if words[:2] == ["python", "scripts/pool_deployments.py"]:
        # Every deployment on the pool: of this project's, those prefect.yaml puts there.
        return _project_deployments(project, words[2]) if "--delete" in args and (
            "delete" in verbs) else set()
    if words[:1] != ["prefect"]:
        return set()
    words = words[1:]
    if words == ["deploy"] and "create" in verbs:  # prefect deploy --all: prefect.yaml's
        return _project_deployments(project)
    if words[:1] in (["work-pool"], ["deployment"]) and words[1] in verbs:
        return {(words[0], words[2])}
    return set()


@pytest.mark.parametrize("name", ["defaults", "cloud-git"])
def test_destroy_removes_exactly_what_deploy_creates(rendered, name):
    project = rendered / name
    created = _resources(dry_run(project, "deploy.sh"), project, {"create", "set"})
    deleted = _resources(dry_run(project, "destroy.sh"), project, {"delete"})
    assert created == deleted
    # Every deployment on the pool goes (also those added after prefect.yaml's), then the pool.
    assert [c for c in dry_run(project, "destroy.sh") if c[0] == "uv"] == [
        ["uv", "run", "python", "scripts/pool_deployments.py", "aci-pool", "--delete"],
        ["uv", "run", "prefect", "--no-prompt", "work-pool", "delete", "aci-pool"]]
    assert ("container", "aci-pool-worker") in created
    # Deployments go with their pool: left behind, their schedules create runs no worker takes.
    assert {("work-pool", "aci-pool"), ("deployment", "hello-etl/hello-etl")} <= created
    assert (("keyvault", "kv-myflows") in created) == (name == "cloud-git")
    assert {kind for kind, *_ in created} >= {"group", "acr", "identity", "role definition",
                                             "role assignment", "deployment group"}


def test_dry_run_changes_nothing_and_needs_no_tools(rendered):
    commands = dry_run(rendered / "defaults", "deploy.sh")
    assert ["az", "acr", "login", "--name", "prefectmyflows"] in commands
    assert commands[-1] == ["uv", "run", "prefect", "--no-prompt", "deploy", "--all"]


def test_defaults_deploy_the_flow_image_from_acr_to_the_aci_pool(rendered):
    config = load(rendered / "defaults", "prefect.yaml")
    build = config["build"][1]["prefect_docker.deployments.steps.build_docker_image"]
    assert build["image_name"] == "prefectmyflows.azurecr.io/my-flows"
    (deployment,) = config["deployments"]
    assert deployment["work_pool"]["name"] == "aci-pool"
    assert deployment["work_pool"]["job_variables"] == {
        "image": "{{ build_image.image }}", "cpu": 1, "memory": 2}
    china = load(rendered / "basic-auth-china-big", "prefect.yaml")
    assert china["build"][1]["prefect_docker.deployments.steps.build_docker_image"][
        "image_name"] == "prefectmyflows.azurecr.cn/my-flows"
    assert china["deployments"][0]["schedules"] == [{"interval": 900}]


def test_job_variables_are_named_as_the_installed_aci_worker_names_them(rendered):
    from prefect_azure.workers.container_instance import AzureContainerWorker

    declared = AzureContainerWorker.get_default_base_job_template()["variables"]["properties"]
    for name in COMBINATIONS:
        for deployment in load(rendered / name, "prefect.yaml")["deployments"]:
            assert set(deployment["work_pool"]["job_variables"]) <= set(declared)


def test_deploy_workflow_logs_in_with_oidc_and_stores_no_azure_secret(rendered):
    workflow = load(rendered / "cloud-git", ".github/workflows/deploy.yml")
    assert workflow["permissions"] == {"id-token": "write", "contents": "read"}
    steps = workflow["jobs"]["deploy"]["steps"]
    (login,) = [s for s in steps if s.get("uses", "").startswith("azure/login@")]
    assert set(login["with"]) == {"client-id", "tenant-id", "subscription-id"}
    assert "secrets." not in json.dumps(login)
    assert steps[-1]["run"] == "uv run prefect --no-prompt deploy --all"


@pytest.mark.slow
def test_scripts_pass_shellcheck_and_fail_fast(rendered):
    for name in COMBINATIONS:
        scripts = sorted((rendered / name / "scripts").glob("*.sh"))
        assert {"deploy.sh", "destroy.sh"} <= {script.name for script in scripts}
        assert_strict_scripts(scripts)


def test_deploy_script_says_which_tool_is_missing(rendered, tmp_path):
    result = without_tools(rendered / "defaults" / "scripts" / "deploy.sh", tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip() == "error: az is not installed (see README.md, Deploy)"


def test_readme_takes_a_user_from_zero_to_a_completed_run(rendered):
    readme = (rendered / "cloud-git" / "README.md").read_text()
    for phrase in ("az login", "scripts/deploy.sh --dry-run", "--watch", "Completed",
                   "export PREFECT_API_KEY", "Key Vault", "Troubleshooting", "scripts/destroy.sh",
                   "federated-credential", "AcrPull", "`infra/worker.json`", "cloud-run-v2"):
        assert phrase in readme, phrase


@pytest.mark.parametrize("data", [
    {"work_pool_name": "azure-pool"}, {"work_pool_name": "sales-reports"},
    {"work_pool_name": "p-int-azure"}, {"work_pool_name": "p" * 63, "project_name": "q" * 64},
    {"resource_group": "r" * 90, "acr_name": "a" * 50}])
@pytest.mark.slow
def test_the_project_lints_clean_with_long_names(tmp_path, data):
    """Names land in Python and shell files; the README promises a clean lint for any of them."""
    render_template("azure_pool", tmp_path / "p", **data)
    assert ruff_findings(tmp_path / "p") == ""


def test_no_secret_value_is_ever_rendered(rendered):
    for name in COMBINATIONS:
        for path in (rendered / name).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:  # other tests import flows
                text = path.read_text()
                assert "PREFECT_API_KEY=" not in text.replace("PREFECT_API_KEY=<", ""), path
                assert "client_secret" not in text.lower(), path


@pytest.mark.parametrize("key, value", [
    ("azure_region", "East US"),
    ("azure_region", "east-us"),
    ("resource_group", "rg/with/slashes"),
    ("resource_group", "ends-with-period."),
    ("resource_group", "r" * 91),
    ("acr_name", "my-registry"),
    ("acr_name", "abcd"),
    ("acr_name", "MyRegistry"),
    ("azure_subscription_id", "not-a-subscription"),
    ("memory_gb", "32"),
])
def test_bad_azure_names_are_refused_and_nothing_is_written(cli, tmp_path, key, value):
    destination = tmp_path / "repo"
    result = cli("new", destination, "--template", "azure_pool", "--defaults",
                 "--data", f"{key}={value}")
    assert_refused(result, f"--data {key}")
    assert not destination.exists()


@pytest.mark.parametrize("vault", ["kv", "1vault", "my--vault", "vault-", "v" * 25])
def test_bad_key_vault_names_are_refused(cli, tmp_path, vault):
    result = cli("new", tmp_path / "r", "--template", "azure_pool", "--defaults",
                 "--data", "prefect_api=cloud", "--data", f"key_vault_name={vault}")
    assert_refused(result, "key_vault_name")
    assert not (tmp_path / "r").exists()


@pytest.mark.slow
def test_bad_input_exits_2_from_a_real_process(tmp_path):
    destination = tmp_path / "repo"
    result = subprocess.run([sys.executable, "-m", "prefect_scaffold", "new", str(destination),
                             "--template", "azure_pool", "--defaults",
                             "--data", "azure_region=West Europe"],
                            capture_output=True, text=True, check=False, cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.count("\n") == 1 and "azure_region" in result.stderr
    assert "westeurope" in result.stderr  # the message shows what is allowed
    assert not destination.exists()


@pytest.mark.parametrize("key, value", [
    ("azure_region", "westeurope"), ("azure_region", "eastus2"), ("azure_region", "usgovvirginia"),
    ("resource_group", "Prefect_Flows.(prod)-1"), ("acr_name", "registry01"),
])
def test_valid_azure_names_are_accepted(key, value):
    from tests.helpers.projects import answers_for

    assert answers_for("azure_pool", **{key: value})[key] == value


def test_mirrors_are_fresh():
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "sync_shared_parts.py"),
                             "--check"], capture_output=True, text=True, check=False)
    assert "azure_pool" not in result.stderr


_FAKE_AZ = r"""#!/bin/bash
# Records each call (shell-quoted, one line) and answers the reads deploy.sh makes.
""" + locked_append('"$CALLS"', r"""printf '%q ' "$@"; printf '\n'""") + r"""
case "$*" in
  "account show"*) echo "$SUBSCRIPTION" ;;
  *"--query principalId"*) echo principal-of-"${6:-x}" ;;
  *"--query clientId"*) echo client-id-of-flow-runs ;;
  "acr show"*) echo /subscriptions/s/resourceGroups/g/providers/Microsoft.ContainerRegistry/x ;;
  *roleDefinitionName*) echo /subscriptions/s/roleAssignments/a ;;
  "keyvault secret set"*) cat >"$SECRET_STDIN" ;;
  "group exists"*) echo true ;;
esac
"""


def _recording_tools(tmp_path: Path) -> dict[str, str]:
    """PATH with the recording az and uv and a do-nothing docker; where the calls are written."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "az").write_text(_FAKE_AZ)
    (bin_dir / "uv").write_text("#!/bin/bash\n" + locked_append(
        '"$UV_CALLS"', r"""printf '%q ' uv "$@"; printf '\n'"""))
    (bin_dir / "docker").write_text("#!/bin/bash\n")
    for tool in bin_dir.iterdir():
        tool.chmod(0o755)
    return {"PATH": f"{bin_dir}:/usr/bin:/bin", "CALLS": str(tmp_path / "calls"),
            "UV_CALLS": str(tmp_path / "uv-calls"),
            "SECRET_STDIN": str(tmp_path / "stdin"),
            "SUBSCRIPTION": "0b1f6471-1bf0-4dda-aec3-111122223333",
            "PREFECT_API_URL": "https://api.prefect.cloud/api/accounts/a/workspaces/w"}


def _same_calls(calls: Path, project: Path, script: str) -> None:
    """The az calls recorded are those `script --dry-run` printed, after the login check."""
    live = [c[1:] for c in dry_run_commands("\n".join(
        "+ az " + line for line in calls.read_text().splitlines()))]
    promised = [c[1:] for c in dry_run(project, script) if c[0] == "az"]
    assert live[0] == ["account", "show", "--query", "id", "--output", "tsv"]
    # Where the dry run printed a placeholder, the live run used what the fake az answered.
    placeholders = re.compile(
        r"<[^>]+>|principal-of-[\w-]+|client-id-of-flow-runs|/subscriptions/s/[\w/.-]+")
    assert [[placeholders.sub("*", w) for w in c] for c in live[1:]] == [
        [placeholders.sub("*", w) for w in c] for c in promised]


def test_live_deploy_makes_the_dry_run_calls_and_passes_the_secret_on_stdin(rendered, tmp_path):
    """deploy.sh for real, against a recording az: same Azure calls as --dry-run promised, and
    the API key reaches `az keyvault secret set` on stdin, never in a command line."""
    project = rendered / "cloud-git"
    env = _recording_tools(tmp_path)
    script = str(project / "scripts" / "deploy.sh")
    missing = subprocess.run(["/bin/bash", script], env=env, capture_output=True, text=True,
                             check=False)
    assert missing.returncode == 1
    assert missing.stderr.strip() == (
        "error: set PREFECT_API_KEY (or run: uv run prefect cloud login)")
    result = subprocess.run(["/bin/bash", script], env={**env, "PREFECT_API_KEY": "pnu_k3y"},
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    _same_calls(Path(env["CALLS"]), project, "deploy.sh")
    assert Path(env["SECRET_STDIN"]).read_text() == "pnu_k3y"
    assert "pnu_k3y" not in Path(env["CALLS"]).read_text()


def test_live_destroy_makes_the_dry_run_calls(rendered, tmp_path):
    project = rendered / "cloud-git"
    env = _recording_tools(tmp_path)
    result = subprocess.run(["/bin/bash", str(project / "scripts" / "destroy.sh")], env=env,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    _same_calls(Path(env["CALLS"]), project, "destroy.sh")
    # The pool exists (uv answers inspect with 0): its deployments go first, every one on it as
    # the dry run printed, then the pool.
    uv_calls = [shlex.split(line) for line in Path(env["UV_CALLS"]).read_text().splitlines()]
    assert uv_calls[0] == ["uv", "run", "prefect", "work-pool", "inspect", "aci-pool"]
    assert uv_calls[1:] == [c for c in dry_run(project, "destroy.sh") if c[0] == "uv"]


def test_readme_ci_role_assignment_works_on_a_service_principal_made_a_moment_before(rendered):
    """`--assignee <appId>` looks the new service principal up in Microsoft Graph, which may not
    have it yet ("Cannot find user or service principal in graph database"): the step would work
    only when pasted a second time. By object id and principal type, ARM takes it at once."""
    assignments = [c for c in readme_commands(rendered / "defaults")
                   if c[:4] == ["az", "role", "assignment", "create"]]
    assert assignments
    for command in assignments:
        assert "--assignee" not in command, command
        assert "--assignee-object-id" in command, command
        principal_type = command[command.index("--assignee-principal-type") + 1]
        assert principal_type == "ServicePrincipal", command


_HALF_MADE_AZ = r"""#!/bin/bash
# A resource group deploy.sh left half made (registry name taken, or an interrupted destroy):
# no registry, no role assignments; answers as the real az does.
""" + locked_append('"$CALLS"', r"""printf '%q ' "$@"; printf '\n'""") + r"""
case "$*" in
  "account show"*) echo "$SUBSCRIPTION" ;;
  "group exists"*) echo true ;;
  "acr show"*) echo "ERROR: (ResourceNotFound) The Resource was not found." >&2; exit 3 ;;
  "role assignment delete"*) echo "ERROR: No matched assignments were found to delete" >&2; exit 1;;
esac
"""


def test_destroy_cleans_up_what_a_failed_deploy_left(rendered, tmp_path):
    """A deploy that stopped early (ACR names are global: `prefect<name>` may be taken) is cleaned
    up by destroy.sh: what is missing is skipped, and the resource group still goes."""
    project = rendered / "defaults"
    env = _recording_tools(tmp_path)
    (tmp_path / "bin" / "az").write_text(_HALF_MADE_AZ)
    result = subprocess.run(["/bin/bash", str(project / "scripts" / "destroy.sh")], env=env,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    calls = [shlex.split(line) for line in Path(env["CALLS"]).read_text().splitlines()]
    assert calls[-1] == ["group", "delete", "--name", "aci-pool-rg", "--yes"]
    assert not [c for c in calls if c[:3] == ["role", "assignment", "delete"] or c[:2] == [
        "acr", "delete"]]
