"""gcp_pool: rendered files, validated against Google's own API schemas and CLI without an account.

Google models used here: the discovery documents google-api-python-client ships (Cloud Run
`run v2`, Vertex AI `aiplatform v1`), prefect-gcp's workers (their job configuration code and the
API calls in their source) and the real gcloud's argument parser (where gcloud is installed).
"""

from __future__ import annotations

import importlib.util
import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.helpers import gcp_api
from tests.helpers.gcloud_cli import parse_failures, record
from tests.helpers.scripts import assert_strict_scripts, without_tools
from tests.helpers.projects import render_template
from tests.helpers.readme_commands import readme_commands

ROOT = Path(__file__).resolve().parents[2]

#: Option combinations that change what is rendered.
COMBINATIONS = {
    "defaults": {},
    "cloud": {"prefect_api": "cloud", "gcp_project": "acme-data-42", "gcp_region": "europe-west4"},
    "basic-auth-big-job": {"prefect_api_auth_string_secret": "prefect-auth", "cpu": 8,
                           "memory": "32Gi"},
    "vertex-gpu": {"pool_type": "vertex-ai", "machine_type": "g2-standard-8",
                   "accelerator_type": "NVIDIA_L4", "accelerator_count": 1,
                   "prefect_api": "cloud"},
    "vertex-vm-git": {"pool_type": "vertex-ai", "worker_runtime": "vm", "code_storage": "git",
                      "schedule": "", "interval_minutes": 15},
    "cloud-run-vm-auth": {"worker_runtime": "vm", "vm_zone": "us-central1-f",
                          "prefect_api_auth_string_secret": "prefect-auth"},
}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """Each option combination rendered once."""
    base = tmp_path_factory.mktemp("gcp_pool")
    for name, data in COMBINATIONS.items():
        render_template("gcp_pool", base / name, **data)
    return base


@pytest.fixture(scope="module")
def recorded(rendered, tmp_path_factory):
    """Per combination, the commands provisioning (nothing exists yet) and teardown (everything
    exists) run, with stand-ins for gcloud, uv and docker."""
    work = tmp_path_factory.mktemp("recorded")
    commands = {}
    for name in COMBINATIONS:
        scripts = rendered / name / "scripts"
        env = {"PREFECT_API_URL": "https://prefect.example.com/api", "PREFECT_API_KEY": "pnu_x"}
        commands[name] = (record(scripts / "provision.sh", work / name, existing=False, env=env),
                          record(scripts / "teardown.sh", work / name, existing=True))
    return commands


@pytest.fixture(autouse=True)
def _no_google_credentials(monkeypatch, tmp_path):
    gcp_api.fake_google_credentials(monkeypatch, tmp_path)
    monkeypatch.setenv("PREFECT_LOGGING_TO_API_ENABLED", "false")


def load(project: Path, relpath: str):
    return yaml.safe_load((project / relpath).read_text())


def _base_job_template(project: Path) -> dict:
    """What the project's scripts/base_job_template.py prints (run in-process: prefect-gcp's
    import is the slow part)."""
    spec = importlib.util.spec_from_file_location(
        f"base_job_template_{project.name}", project / "scripts" / "base_job_template.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return json.loads(json.dumps(module.base_job_template()))


def _pool_type(project: Path) -> str:
    return load(project, ".copier-answers.yml")["pool_type"]


@pytest.mark.parametrize("name", list(COMBINATIONS))
@pytest.mark.slow
def test_the_job_the_worker_submits_is_a_valid_google_api_request(rendered, name):
    """Pool template + deployment job variables -> the worker's job configuration -> the body of
    its create call, validated against the API's discovery document (unknown fields, wrong types,
    output-only fields and enum values are errors)."""
    project = rendered / name
    pool_type = _pool_type(project)
    (deployment,) = load(project, "prefect.yaml")["deployments"]
    variables = {**deployment["work_pool"]["job_variables"],
                 "image": "us-central1-docker.pkg.dev/p/r/flows:abc1234"}
    config = gcp_api.job_configuration(pool_type, _base_job_template(project), variables)
    body = gcp_api.request_body(pool_type, config)
    assert gcp_api.body_errors(*gcp_api.CREATE_METHOD[pool_type], body) == []
    if pool_type == "cloud-run-v2":
        container = body["template"]["template"]["containers"][0]
        assert container["image"] == variables["image"]
        assert container["resources"]["limits"] == {"cpu": variables["cpu"],
                                                    "memory": variables["memory"]}
        assert body["template"]["template"]["serviceAccount"] == variables["service_account_name"]
    else:
        (pool_spec,) = body["jobSpec"]["workerPoolSpecs"]
        assert pool_spec["containerSpec"]["imageUri"] == variables["image"]
        assert pool_spec["machineSpec"]["machineType"] == variables["machine_type"]
        assert pool_spec["machineSpec"].get("acceleratorType") == variables.get("accelerator_type")
        assert body["jobSpec"]["serviceAccount"] == variables["service_account_name"]
    assert variables["service_account_name"].startswith("gcp-pool-flows@")


def test_flow_runs_read_the_api_key_from_secret_manager_never_from_the_job(rendered):
    project = rendered / "cloud"
    (deployment,) = load(project, "prefect.yaml")["deployments"]
    template = _base_job_template(project)
    assert template["variables"]["properties"]["prefect_api_key_secret"]["default"] == {
        "secret": "prefect-api-key", "version": "latest"}
    config = gcp_api.job_configuration("cloud-run-v2", template, {
        **deployment["work_pool"]["job_variables"], "image": "r/i:t",
        "env": {"PREFECT_API_KEY": "pnu_never_in_the_job"}})
    body = json.dumps(gcp_api.request_body("cloud-run-v2", config))
    assert "pnu_never" not in body
    env = config.job_body["template"]["template"]["containers"][0]["env"]
    assert {"name": "PREFECT_API_KEY", "valueSource": {"secretKeyRef": {
        "secret": "prefect-api-key", "version": "latest"}}} in env


def test_job_variables_are_named_as_the_installed_workers_name_them(rendered):
    for name in COMBINATIONS:
        project = rendered / name
        declared = gcp_api.worker_class(_pool_type(project)).get_default_base_job_template()
        for deployment in load(project, "prefect.yaml")["deployments"]:
            assert set(deployment["work_pool"]["job_variables"]) <= set(
                declared["variables"]["properties"]), name


@pytest.mark.parametrize("name", ["defaults", "vertex-gpu"])
@pytest.mark.slow
def test_the_worker_role_holds_exactly_the_calls_the_worker_makes(recorded, rendered, name):
    provision, _ = recorded[name]
    (create,) = [c for c in provision if c[:4] == ["gcloud", "iam", "roles", "create"]]
    granted = set(create[create.index("--permissions") + 1].split(","))
    calls = gcp_api.worker_api_calls(_pool_type(rendered / name))
    assert calls, "no API call found in prefect-gcp's worker source: the pattern needs updating"
    assert granted == {gcp_api.PERMISSION[call] for call in calls}
    # Every call the worker makes is a method of the API's discovery document.
    document = "run.v2" if _pool_type(rendered / name) == "cloud-run-v2" else "aiplatform.v1"
    assert calls <= set(gcp_api.methods(gcp_api.discovery(document)))


def _binding(command):
    return (command[command.index("--member") + 1], command[command.index("--role") + 1])


def _created(provision, project: Path):
    """What provisioning creates, named as teardown names it."""
    created = set()
    for tool, *args in provision:
        if tool == "uv" and args[-2:] == ["deploy", "--all"]:
            for deployment in load(project, "prefect.yaml")["deployments"]:
                flow = deployment["entrypoint"].rsplit(":", 1)[1].replace("_", "-")
                created.add(("deployment", f"{flow}/{deployment['name']}"))
        elif tool == "uv" and "work-pool" in args and "create" in args:
            created.add(("work-pool", args[args.index("create") + 1]))
        elif tool == "gcloud" and args[:2] == ["run", "deploy"]:
            created.add(("run services", args[2]))
        elif tool == "gcloud" and "add-iam-policy-binding" in args:
            verb = args.index("add-iam-policy-binding")
            created.add((" ".join(args[:verb]) + " binding", args[verb + 1], *_binding(args)))
        elif tool == "gcloud" and "create" in args and args[0] != "services":
            verb = args.index("create")
            created.add((" ".join(args[:verb]), args[verb + 1]))
    return created


def _deleted(teardown, project: Path):
    deleted = set()
    for tool, *args in teardown:
        if tool == "uv" and "scripts/pool_deployments.py" in args and "--delete" in args:
            # Every deployment on the pool: of this project's, those prefect.yaml puts there.
            pool = args[args.index("scripts/pool_deployments.py") + 1]
            for deployment in load(project, "prefect.yaml")["deployments"]:
                if deployment["work_pool"]["name"] == pool:
                    flow = deployment["entrypoint"].rsplit(":", 1)[1].replace("_", "-")
                    deleted.add(("deployment", f"{flow}/{deployment['name']}"))
        elif tool == "uv" and "delete" in args:
            kind = "deployment" if "deployment" in args else "work-pool"
            deleted.add((kind, args[-1]))
        elif tool == "gcloud" and "remove-iam-policy-binding" in args:
            verb = args.index("remove-iam-policy-binding")
            deleted.add((" ".join(args[:verb]) + " binding", args[verb + 1], *_binding(args)))
        elif tool == "gcloud" and "delete" in args:
            verb = args.index("delete")  # service accounts are deleted by email, created by ID
            deleted.add((" ".join(args[:verb]), args[verb + 1].split("@")[0]))
    return deleted


@pytest.mark.parametrize("name", list(COMBINATIONS))
def test_teardown_removes_exactly_what_provisioning_creates(recorded, rendered, name):
    provision, teardown = recorded[name]
    created = _created(provision, rendered / name)
    assert {("work-pool", "gcp-pool"), ("iam service-accounts", "gcp-pool-flows")} <= created
    assert _deleted(teardown, rendered / name) == created
    # Every deployment on the pool goes (also those added after prefect.yaml's), then the pool.
    assert [args for tool, *args in teardown if tool == "uv" and "inspect" not in args] == [
        ["run", "python", "scripts/pool_deployments.py", "gcp-pool", "--delete"],
        ["run", "prefect", "--no-prompt", "work-pool", "delete", "gcp-pool"]]


def test_provisioning_twice_creates_nothing_new(rendered, tmp_path):
    """Re-running converges: with everything in place no create runs again."""
    again = record(rendered / "defaults" / "scripts" / "provision.sh", tmp_path, existing=True,
                   env={"PREFECT_API_URL": "https://prefect.example.com/api"})
    assert [c for c in again if c[0] == "gcloud" and "create" in c] == []
    assert [c[3] for c in again if c[1:3] == ["iam", "roles"]] == ["describe", "undelete", "update"]


#: Usage errors the real gcloud must reject, so the check below can fail: an unknown flag, a value
#: its enum lacks, a missing positional argument.
MISUSED = [
    ("run", "deploy", "w", "--region", "us-central1", "--project", "p", "--min-instance", "1"),
    ("artifacts", "repositories", "create", "r", "--repository-format", "dockr",
     "--location", "us-central1", "--project", "p"),
    ("iam", "roles", "create", "--project", "p", "--permissions", "run.jobs.get"),
]


@pytest.mark.usefixtures("gcloud")
@pytest.mark.slow
def test_every_gcloud_command_in_the_scripts_parses_with_the_real_gcloud(recorded, rendered):
    commands = {tuple(c[1:]) for provision, teardown in recorded.values()
                for c in provision + teardown if c[0] == "gcloud"}
    # And the README's steps (CI identity, what teardown leaves), as a user pastes them.
    commands |= {tuple(c[1:]) for name in COMBINATIONS for c in readme_commands(rendered / name)}
    assert len(commands) > 40
    failures = parse_failures([list(c) for c in sorted(commands) + MISUSED])
    assert set(failures) == {" ".join(c) for c in MISUSED}, failures


def test_worker_runs_always_on_with_healthcheck(recorded):
    provision, _ = recorded["cloud"]
    (deploy,) = [c for c in provision if c[1:3] == ["run", "deploy"]]
    assert {"--no-cpu-throttling", "--no-allow-unauthenticated"} <= set(deploy)
    assert deploy[deploy.index("--min-instances") + 1] == "1"
    assert deploy[deploy.index("--args") + 1].split(",") == [
        "prefect", "worker", "start", "--pool", "gcp-pool", "--type", "cloud-run-v2", "--with-healthcheck"]
    assert deploy[deploy.index("--set-secrets") + 1] == "PREFECT_API_KEY=prefect-api-key:latest"
    assert "PREFECT_API_KEY" not in deploy[deploy.index("--set-env-vars") + 1]
    assert "europe-west4" in deploy and "acme-data-42" in deploy


@pytest.mark.parametrize("name", list(COMBINATIONS))
def test_the_worker_runs_exact_releases_never_a_moving_tag(rendered, recorded, name):
    """The worker runs an exact Prefect release with prefect-gcp pinned: the ones this scaffold is
    tested with (uv.lock), so a restarted worker or a rebooted VM runs the worker that was tested."""
    from importlib.metadata import version

    project = rendered / name
    extra = "[aiplatform]" if _pool_type(project) == "vertex-ai" else ""
    package = f"prefect-gcp{extra}=={version('prefect-gcp')}"
    startup = project / "scripts" / "vm-startup.sh"
    if startup.exists():
        (install,) = [shlex.split(line) for line in startup.read_text().splitlines()
                      if line.startswith("uv tool install")]
        assert install[install.index("--with") + 1] == package
        assert install[-1] == f"prefect=={version('prefect')}"
    else:
        (deploy,) = [c for c in recorded[name][0] if c[1:3] == ["run", "deploy"]]
        python = load(project, ".copier-answers.yml")["python_version"]
        assert deploy[deploy.index("--image") + 1] == (
            f"docker.io/prefecthq/prefect:{version('prefect')}-python{python}")
        environment = dict(pair.split("=", 1) for pair in
                           deploy[deploy.index("--set-env-vars") + 1].split(","))
        assert environment["EXTRA_PIP_PACKAGES"] == package


def test_vm_worker_reads_its_secret_at_boot_and_runs_under_systemd(rendered, recorded):
    provision, _ = recorded["cloud-run-vm-auth"]
    (create,) = [c for c in provision if c[1:4] == ["compute", "instances", "create"]]
    assert create[create.index("--zone") + 1] == "us-central1-f"
    assert "startup-script=scripts/vm-startup.sh" in create
    startup = (rendered / "cloud-run-vm-auth" / "scripts" / "vm-startup.sh").read_text()
    assert "gcloud secrets versions access latest --secret \"prefect-auth\"" in startup
    assert "--pool gcp-pool --type cloud-run-v2 --with-healthcheck" in startup
    assert not (rendered / "defaults" / "scripts" / "vm-startup.sh").exists()


@pytest.mark.slow
def test_scripts_pass_shellcheck_and_fail_fast(rendered):
    scripts = sorted(p for name in COMBINATIONS for p in (rendered / name / "scripts").glob("*.sh"))
    for name in COMBINATIONS:
        names = {p.name for p in (rendered / name / "scripts").glob("*.sh")}
        assert {"provision.sh", "teardown.sh"} <= names, name
    assert_strict_scripts(scripts)


def test_provision_says_which_tool_is_missing(rendered, tmp_path):
    result = without_tools(rendered / "defaults" / "scripts" / "provision.sh", tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip() == "error: gcloud is not installed (see README.md, Deploy)"


def test_defaults_push_the_flow_image_to_artifact_registry(rendered):
    config = load(rendered / "defaults", "prefect.yaml")
    build = config["build"][1]["prefect_docker.deployments.steps.build_docker_image"]
    assert build["image_name"] == "us-central1-docker.pkg.dev/my-gcp-project/prefect-flows/my-flows"
    (deployment,) = config["deployments"]
    assert deployment["work_pool"]["name"] == "gcp-pool"
    assert deployment["work_pool"]["job_variables"] == {
        "image": "{{ build_image.image }}", "region": "us-central1",
        "service_account_name": "gcp-pool-flows@my-gcp-project.iam.gserviceaccount.com",
        "cpu": "1", "memory": "2Gi"}


def test_deploy_workflow_uses_workload_identity_federation(rendered):
    workflow = load(rendered / "cloud", ".github/workflows/deploy.yml")
    assert workflow["permissions"] == {"id-token": "write", "contents": "read"}
    steps = workflow["jobs"]["deploy"]["steps"]
    (auth,) = [s for s in steps if s.get("uses", "").startswith("google-github-actions/auth@")]
    assert set(auth["with"]) == {"workload_identity_provider", "service_account"}
    assert "credentials_json" not in json.dumps(workflow)


def test_readme_goes_from_zero_to_a_completed_run(rendered):
    readme = (rendered / "defaults" / "README.md").read_text()
    for phrase in ("scripts/provision.sh", "--watch", "Completed", "Troubleshooting",
                   "scripts/teardown.sh", "workload-identity-pools", "credentials never leave"):
        assert phrase in readme, phrase
    vertex = (rendered / "vertex-gpu" / "README.md").read_text()
    assert "NVIDIA_L4" in vertex and "plain environment variables" in vertex


def test_no_secret_value_is_ever_rendered(rendered):
    for name in COMBINATIONS:
        for path in (rendered / name).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:  # other tests import flows
                text = path.read_text()
                assert not re.search(r'"private_key"\s*:\s*"-----BEGIN', text), path  # key file
                # Only references: a placeholder, a shell variable or a Secret Manager name.
                assert not re.search(r"PREFECT_API_(KEY|AUTH_STRING)=[^<$\s]", text), path


@pytest.mark.parametrize("name", COMBINATIONS)
def test_readme_tables_have_one_row_per_line(rendered, name):
    """A row glued to the next (a partial without its final newline) renders as one garbled row."""
    header_cells = None
    for line in (rendered / name / "README.md").read_text().splitlines():
        if not line.startswith("|"):
            header_cells = None
            continue
        cells = line.count("|") - line.count("\\|") - line.count("`|`")
        if header_cells is None:
            header_cells = cells
        assert cells == header_cells, f"{cells - 1} cells, header {header_cells - 1}: {line}"
