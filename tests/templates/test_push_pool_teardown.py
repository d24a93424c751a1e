"""push_pool's scripts/teardown.sh for Cloud Run and Azure, with recorded gcloud, az and uv: what
provisioning creates (provision.sh's own commands plus those of prefect's provisioner, run from
prefect's own code against the same stand-ins) is what teardown deletes. ECS is compared for real,
against moto, in tests/e2e/test_push_pool_teardown_e2e.py."""

from __future__ import annotations

import asyncio
import os
import subprocess
from pathlib import Path

import pytest

from tests.helpers.projects import render_template
from tests.helpers.recorded_commands import RecordedCommands, recorded_commands

PROJECT = "my-gcp-project"
ACCOUNT = f"prefect-cloud-run@{PROJECT}.iam.gserviceaccount.com"

#: `uv` as the scripts call it: a Prefect Cloud login, and a pool and block that exist when
#: EXISTS=0 (teardown) or not (provisioning). The provisioner itself is run separately.
UV = """case "$*" in
  *PREFECT_API_URL.value*) echo https://api.prefect.cloud/api/accounts/a/workspaces/w ;;
  *" inspect "*) exit "${EXISTS:-0}" ;;
esac"""
#: `gcloud`: logged in, CLOUDSDK_* honoured, one user-managed key; describe answers by EXISTS.
GCLOUD = """case "$*" in
  "auth list"*) echo someone@example.com ;;
  "config get-value project"*) echo "$CLOUDSDK_CORE_PROJECT" ;;
  "config get-value run/region"*) echo "$CLOUDSDK_RUN_REGION" ;;
  "iam service-accounts keys create"*) echo '{"type": "service_account"}' >"$5" ;;
  "iam service-accounts keys list"*) echo 0123456789abcdef ;;
  *" describe "*) exit "${EXISTS:-0}" ;;
esac"""


@pytest.fixture(scope="module")
def cloud_run(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("cloud-run") / "p"
    render_template("push_pool", path, provider="cloud-run")
    return path


def stand_ins(folder: Path, **bodies: str) -> RecordedCommands:
    commands = recorded_commands(folder)
    for name, body in {"uv": UV, "docker": "cat >/dev/null", **bodies}.items():
        commands.add(name, body)
    return commands


def run_script(project: Path, commands: RecordedCommands, script: str, *args: str,
               exists: bool) -> subprocess.CompletedProcess[str]:
    env = {"PATH": f"{commands.bin}:/usr/bin:/bin", "HOME": os.environ.get("HOME", "/root"),
           "EXISTS": "0" if exists else "1"}
    result = subprocess.run(["bash", f"scripts/{script}", *args], cwd=project, env=env,
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def gcloud_resources(calls: list[list[str]], verbs: tuple[str, ...]) -> set[tuple[str, ...]]:
    """The Google Cloud resources that gcloud calls with these verbs act on."""
    found = set()
    for call in calls:
        args = [a for a in call[1:] if not a.startswith("--")]
        flags = dict(a[2:].split("=", 1) for a in call[1:] if a.startswith("--") and "=" in a)
        if args[:3] == ["iam", "service-accounts", verbs[0]]:
            found.add(("service-account", args[3] if "@" in args[3] else
                       f"{args[3]}@{flags['project']}.iam.gserviceaccount.com"))
        elif args[:4] == ["iam", "service-accounts", "keys", verbs[0]]:
            found.add(("key", flags["iam-account"]))
        elif args[:2] == ["projects", verbs[1]]:
            found.add(("binding", flags["member"], flags["role"]))
        elif args[:3] == ["artifacts", "repositories", verbs[0]]:
            found.add(("repository", args[3], flags["location"]))
    return found


def provisioner_calls(folder: Path, monkeypatch) -> list[list[str]]:
    """prefect's Cloud Run provisioner, its resource-making steps in provision()'s order."""
    from prefect.infrastructure.provisioners.cloud_run import CloudRunPushProvisioner

    commands = stand_ins(folder, gcloud=GCLOUD)
    monkeypatch.setenv("PATH", f"{commands.bin}:{os.environ['PATH']}")
    monkeypatch.setenv("EXISTS", "1")
    monkeypatch.setenv("CLOUDSDK_CORE_PROJECT", PROJECT)
    monkeypatch.setenv("CLOUDSDK_RUN_REGION", "us-central1")
    provisioner = CloudRunPushProvisioner()

    async def provision() -> None:
        provisioner._project = await provisioner._get_project()  # not interactive: gcloud's
        provisioner._region = await provisioner._get_default_region()
        await provisioner._enable_cloud_run_api()
        await provisioner._enable_artifact_registry_api()
        await provisioner._create_artifact_registry_repository(
            provisioner._image_repository_name)
        await provisioner._create_service_account()
        await provisioner._assign_roles()
        await provisioner._create_service_account_key()

    asyncio.run(provision())
    return commands.calls("gcloud")


@pytest.mark.slow
def test_cloud_run_teardown_deletes_what_provisioning_created(cloud_run, tmp_path, monkeypatch):
    provision = stand_ins(tmp_path / "provision", gcloud=GCLOUD)
    run_script(cloud_run, provision, "provision.sh", exists=False)
    created = gcloud_resources(provision.calls("gcloud"), ("create", "add-iam-policy-binding"))
    created |= gcloud_resources(provisioner_calls(tmp_path / "provisioner", monkeypatch),
                                ("create", "add-iam-policy-binding"))
    assert created == {
        ("service-account", ACCOUNT), ("key", ACCOUNT),
        ("binding", f"serviceAccount:{ACCOUNT}", "roles/iam.serviceAccountUser"),
        ("binding", f"serviceAccount:{ACCOUNT}", "roles/run.developer"),
        ("repository", "prefect-images", "us-central1")}
    assert ["uv", "run", "prefect", "--no-prompt", "work-pool", "create", "cloud-run-push-pool",
            "--type", "cloud-run:push", "--provision-infra"] in provision.calls("uv")

    teardown = stand_ins(tmp_path / "teardown", gcloud=GCLOUD)
    run_script(cloud_run, teardown, "teardown.sh", exists=True)
    deleted = gcloud_resources(teardown.calls("gcloud"), ("delete", "remove-iam-policy-binding"))
    assert deleted == created
    prefect = [" ".join(c[5:]) for c in teardown.calls("uv") if "delete" in c]
    assert prefect == ["work-pool delete cloud-run-push-pool",
                       "block delete gcp-credentials/cloud-run-push-pool-push-pool-credentials"]


def test_dry_run_deletes_nothing_and_lists_everything(cloud_run, tmp_path):
    commands = stand_ins(tmp_path, gcloud=GCLOUD)
    result = run_script(cloud_run, commands, "teardown.sh", "--dry-run", exists=True)
    verbs = {c[2] if c[1] != "iam" else c[3] for c in commands.calls("gcloud")}
    assert not verbs & {"delete", "remove-iam-policy-binding"}, verbs
    assert all("delete" not in c for c in commands.calls("uv"))
    lines = [line for line in result.stdout.splitlines() if line.startswith("would run: ")]
    assert len(lines) == 7  # pool, block, 2 role bindings, key, account, repository
    assert f"would run: gcloud iam service-accounts delete {ACCOUNT}" in "\n".join(lines)


@pytest.mark.slow
def test_teardown_uses_the_provisioners_own_names(cloud_run, tmp_path):
    """Names teardown looks for are those prefect's provisioners give without prompts."""
    from prefect.infrastructure.provisioners.cloud_run import CloudRunPushProvisioner
    from prefect.infrastructure.provisioners.container_instance import (
        ContainerInstancePushProvisioner,
    )

    render_template("push_pool", tmp_path / "aci", provider="azure-container-instance")
    aci = ContainerInstancePushProvisioner()
    script = (tmp_path / "aci" / "scripts" / "teardown.sh").read_text()
    for name in (aci._app_registration_name, aci._identity_name):
        assert f" {name} " in script
    assert aci._resource_group_name == "prefect-aci-push-pool-rg"  # the answer's default
    run = CloudRunPushProvisioner()
    script = (cloud_run / "scripts" / "teardown.sh").read_text()
    assert f'ACCOUNT="{run._service_account_name}@$PROJECT' in script
    assert f" {run._image_repository_name} " in script


@pytest.mark.e2e
@pytest.mark.usefixtures("gcloud")
def test_every_gcloud_call_parses_with_the_real_cli(cloud_run, tmp_path):
    """gcloud's own argument parser accepts every call the scripts make (without a login
    they fail with exit 1; a usage error is exit 2)."""
    provision = stand_ins(tmp_path / "provision", gcloud=GCLOUD)
    run_script(cloud_run, provision, "provision.sh", exists=False)
    teardown = stand_ins(tmp_path / "teardown", gcloud=GCLOUD)
    run_script(cloud_run, teardown, "teardown.sh", exists=True)
    config = tmp_path / "gcloud-config"
    env = {**os.environ, "CLOUDSDK_CONFIG": str(config), "CLOUDSDK_CORE_DISABLE_PROMPTS": "1",
           "CLOUDSDK_CORE_PROJECT": PROJECT}
    # The calls that change something (look-ups have simpler arguments): gcloud is slow to start.
    calls = {tuple(c[1:]) for c in provision.calls("gcloud") + teardown.calls("gcloud")
             if {"create", "delete", "enable", "add-iam-policy-binding",
                 "remove-iam-policy-binding", "configure-docker"} & set(c)}
    assert len(calls) >= 8
    for call in sorted(calls):
        result = subprocess.run(["gcloud", *call], env=env, capture_output=True, text=True,
                                timeout=120, check=False)
        assert result.returncode != 2, (call, result.stderr)
        assert "unrecognized arguments" not in result.stderr, (call, result.stderr)


#: `az`: logged in; the app registration, identity, registry and (then empty) group exist.
AZ = """case "$*" in
  "ad app list"*) echo 11111111-2222-3333-4444-555555555555 ;;
  "identity show"*) echo 99999999-8888-7777-6666-555555555555 ;;
  "group exists"*) echo true ;;
  "resource list"*) echo 0 ;;
esac"""


@pytest.mark.slow
def test_azure_teardown_deletes_each_kind_provisioning_creates(tmp_path):
    """What --provision-infra makes (prefect's container_instance provisioner: app registration
    with a secret and a role assignment, identity with AcrPull, a prefect* registry, the resource
    group; provision.sh makes the group and registry too) is deleted, registration and identity by
    the provisioner's own names."""
    from prefect.infrastructure.provisioners.container_instance import (
        ContainerInstancePushProvisioner,
    )

    defaults = ContainerInstancePushProvisioner()
    project = tmp_path / "aci"
    render_template("push_pool", project, provider="azure-container-instance")
    commands = stand_ins(tmp_path / "commands", az=AZ)
    run_script(project, commands, "teardown.sh", exists=True)
    deletes = [c[1:4] for c in commands.calls("az") if "delete" in c]
    assert deletes == [["role", "assignment", "delete"], ["ad", "app", "delete"],
                       ["role", "assignment", "delete"], ["identity", "delete", "--name"],
                       ["acr", "delete", "--name"], ["group", "delete", "--name"]]
    listed = " ".join(" ".join(c) for c in commands.calls("az"))
    assert f"--display-name {defaults._app_registration_name}" in listed
    assert f"identity delete --name {defaults._identity_name}" in listed
    assert "acr delete --name prefectmyflows" in listed
    assert f"group delete --name {defaults._resource_group_name}" in listed
    prefect = [" ".join(c[5:]) for c in commands.calls("uv") if "delete" in c]
    assert prefect == [
        "work-pool delete azure-container-instance-push-pool",
        "block delete azure-container-instance-credentials/"
        "azure-container-instance-push-pool-push-pool-credentials"]


@pytest.mark.e2e
@pytest.mark.usefixtures("az")
def test_every_az_call_parses_with_the_real_cli(tmp_path):
    """az's own parser accepts every teardown call (without a login: exit 1; usage error: 2)."""
    project = tmp_path / "aci"
    render_template("push_pool", project, provider="azure-container-instance")
    commands = stand_ins(tmp_path / "commands", az=AZ)
    run_script(project, commands, "teardown.sh", exists=True)
    env = {**os.environ, "AZURE_CONFIG_DIR": str(tmp_path / "az-config")}
    for call in {tuple(c[1:]) for c in commands.calls("az")}:
        result = subprocess.run(["az", *call], env=env, capture_output=True, text=True,
                                timeout=120, check=False)
        assert result.returncode != 2, (call, result.stderr)
