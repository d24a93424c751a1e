"""gcp_pool and azure_pool READMEs against the commands the scripts, workflows and README steps run:
each pasteable command is valid bash, the APIs/providers and roles they need are named (and the
APIs enabled), and what they create is removed by teardown or listed with the command that does.
"""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.helpers.azure_offline import dry_run_commands
from tests.helpers.gcloud_cli import record
from tests.helpers.projects import render_template
from tests.helpers.readme_commands import readme_commands

pytestmark = pytest.mark.slow  # every test reads the renders of the module fixture

GCP = {"cloud-run": {"prefect_api": "cloud"},
       "vertex-vm": {"pool_type": "vertex-ai", "worker_runtime": "vm",
                     "prefect_api_auth_string_secret": "prefect-auth"}}
AZURE = {"defaults": {}, "cloud": {"prefect_api": "cloud"}}


@pytest.fixture(scope="module")
def projects(tmp_path_factory):
    base = tmp_path_factory.mktemp("readme-steps")
    rendered = {}
    for template, combinations in (("gcp_pool", GCP), ("azure_pool", AZURE)):
        for name, data in combinations.items():
            rendered[template, name] = render_template(template, base / template / name,
                                                       **data).destination
    return rendered


CASES = [("gcp_pool", n) for n in GCP] + [("azure_pool", n) for n in AZURE]


def _unquoted(line: str) -> str:
    return re.sub(r"'[^']*'|\"(?:[^\"\\\\]|\\\\.)*\"", "''", line)


@pytest.mark.parametrize("template, name", CASES)
def test_readme_commands_paste_into_bash_as_they_are(projects, template, name):
    """No <placeholder> where bash reads a redirection, and every bash block parses."""
    readme = (projects[template, name] / "README.md").read_text()
    inline = re.findall(r"`([^`]+)`", re.sub(r"```.*?```", "", readme, flags=re.DOTALL))
    pasted = [c for c in inline if c.startswith(("az ", "gcloud "))]
    blocks = re.findall(r"```bash\n(.*?)```", readme, re.DOTALL)
    for text in pasted + blocks:
        redirect = re.search(r"<[A-Za-z][^<>\n]*>", _unquoted(text))
        assert redirect is None, f"{redirect.group(0)} is read as a redirection in: {text}"
        parsed = subprocess.run(["bash", "-n"], input=text, capture_output=True, text=True,
                                check=False)
        assert parsed.returncode == 0, parsed.stderr + text


# --- what the commands create, and what removes it --------------------------------------------

#: Kinds of things that are deleted with their parent (kind -> the parent's kind).
GOES_WITH = {"iam workload-identity-pools providers": "iam workload-identity-pools",
             "ad sp": "ad app", "ad app federated-credential": "ad app"}


def _words(command: list[str]) -> list[str]:
    return [w for w in command if not w.startswith("-")]


def _created_by_readme(commands: list[list[str]]) -> set[tuple[str, str]]:
    """(kind, name) of what the README's create commands make, children left to their parents
    and role assignments to their scope (the registry or repository teardown deletes)."""
    created = set()
    for command in commands:
        words = _words(command)
        verb = next((w for w in words if w.startswith("create")), None)
        if verb is None or words[1] == "role":
            continue
        kind = " ".join(words[1:words.index(verb)])
        if kind in GOES_WITH:
            continue
        if "--display-name" in command and words[0] == "az":
            name = command[command.index("--display-name") + 1]
        else:
            name = words[words.index(verb) + 1]
        created.add((kind, name.split("@")[0]))
    return created


def _deleted(commands: list[list[str]]) -> set[tuple[str, str]]:
    deleted = set()
    for command in commands:
        words = _words(command)
        if "delete" not in words:
            continue
        kind = " ".join(words[1:words.index("delete")])
        if "--id" in command:  # az ad app delete --id "$(az ad app list --display-name X ...)"
            lookup = shlex.split(command[command.index("--id") + 1])
            name = lookup[lookup.index("--display-name") + 1]
        else:
            name = words[words.index("delete") + 1]
        deleted.add((kind, name.split("@")[0]))
    return deleted


def _teardown(template: str, project: Path, tmp_path: Path) -> list[list[str]]:
    if template == "gcp_pool":
        return record(project / "scripts" / "teardown.sh", tmp_path, existing=True)
    result = subprocess.run(["bash", str(project / "scripts" / "destroy.sh"), "--dry-run"],
                            capture_output=True, text=True, check=True)
    return dry_run_commands(result.stdout)


@pytest.mark.parametrize("template, name", CASES)
def test_what_the_readme_steps_create_is_removed_or_listed_with_its_command(
        projects, template, name, tmp_path):
    project = projects[template, name]
    readme = readme_commands(project)
    created = _created_by_readme(readme)
    assert created, "the README creates a CI identity"
    removed = _deleted(_teardown(template, project, tmp_path)) | _deleted(readme)
    assert created <= removed, created - removed
    assert "What teardown leaves" in (project / "README.md").read_text() or template != "gcp_pool"


# --- prerequisites: APIs / resource providers and roles ---------------------------------------

#: The Google API each gcloud command group calls.
GCLOUD_API = {"run": "run.googleapis.com", "artifacts": "artifactregistry.googleapis.com",
              "iam": "iam.googleapis.com", "secrets": "secretmanager.googleapis.com",
              "compute": "compute.googleapis.com",
              "projects": "cloudresourcemanager.googleapis.com",
              "services": "serviceusage.googleapis.com"}
#: The API each pool type's worker calls at run time.
WORKER_API = {"cloud-run-v2": "run.googleapis.com", "vertex-ai": "aiplatform.googleapis.com"}
#: google-github-actions/auth with service_account impersonates it through these.
WIF_APIS = {"iamcredentials.googleapis.com", "sts.googleapis.com"}
#: Enabled in every new project, and the API that enables the others.
ON_BY_DEFAULT = {"serviceusage.googleapis.com"}

#: The predefined role each gcloud command needs (prefix of the command's words -> role).
GCLOUD_ROLE = {
    ("services", "enable"): "roles/serviceusage.serviceUsageAdmin",
    ("artifacts", "repositories"): "roles/artifactregistry.admin",
    ("iam", "service-accounts"): "roles/iam.serviceAccountAdmin",
    ("iam", "roles"): "roles/iam.roleAdmin",
    ("iam", "workload-identity-pools"): "roles/iam.workloadIdentityPoolAdmin",
    ("projects", "add-iam-policy-binding"): "roles/resourcemanager.projectIamAdmin",
    ("run",): "roles/run.admin",
    ("compute", "instances"): "roles/compute.instanceAdmin.v1",
    ("secrets", "add-iam-policy-binding"): "roles/secretmanager.admin",
}


def _gcloud_commands(project: Path, tmp_path: Path) -> list[list[str]]:
    env = {"PREFECT_API_URL": "https://prefect.example.com/api", "PREFECT_API_KEY": "pnu_x"}
    scripts = record(project / "scripts" / "provision.sh", tmp_path, existing=False, env=env)
    return [c[1:] for c in scripts + readme_commands(project) if c[0] == "gcloud"]


@pytest.mark.parametrize("name", list(GCP))
def test_gcp_apis_needed_are_enabled_and_named(projects, name, tmp_path):
    project = projects["gcp_pool", name]
    commands = _gcloud_commands(project, tmp_path)
    pool_type = yaml.safe_load((project / ".copier-answers.yml").read_text())["pool_type"]
    workflow = (project / ".github" / "workflows" / "deploy.yml").read_text()
    needed = {GCLOUD_API[c[0]] for c in commands if c[0] in GCLOUD_API} | {WORKER_API[pool_type]}
    if "google-github-actions/auth" in workflow and "service_account:" in workflow:
        needed |= WIF_APIS
    enabled = {w for c in commands if c[:2] == ["services", "enable"] for w in c[2:]
               if w.endswith(".googleapis.com")}
    assert needed - ON_BY_DEFAULT <= enabled, (needed - ON_BY_DEFAULT) - enabled
    readme = (project / "README.md").read_text()
    assert {api for api in needed if f"`{api}`" not in readme} == set()


@pytest.mark.parametrize("name", list(GCP))
def test_gcp_roles_needed_are_named(projects, name, tmp_path):
    project = projects["gcp_pool", name]
    needed = set()
    for command in _gcloud_commands(project, tmp_path):
        needed |= {role for prefix, role in GCLOUD_ROLE.items()
                   if tuple(command[:len(prefix)]) == prefix}
        if "--service-account" in command:  # attaching an account to a service or VM
            needed.add("roles/iam.serviceAccountUser")
    readme = (project / "README.md").read_text()
    assert {role for role in needed if f"`{role}`" not in readme} == set()


#: The resource provider behind each az command group.
AZ_PROVIDER = {"container": "Microsoft.ContainerInstance", "acr": "Microsoft.ContainerRegistry",
               "identity": "Microsoft.ManagedIdentity", "keyvault": "Microsoft.KeyVault",
               "group": "Microsoft.Resources", "deployment": "Microsoft.Resources",
               "role": "Microsoft.Authorization"}
#: Registered in every subscription.
AZ_ALWAYS = {"Microsoft.Resources", "Microsoft.Authorization"}
#: Azure roles (and Entra ID roles) each kind of command needs.
AZ_ROLE = {("role", "assignment", "create"): "User Access Administrator",
           ("role", "definition", "create"): "User Access Administrator",
           ("group", "create"): "Contributor", ("ad", "app", "create"): "Application Developer"}


@pytest.mark.parametrize("name", list(AZURE))
def test_azure_providers_and_roles_needed_are_registered_and_named(projects, name):
    project = projects["azure_pool", name]
    result = subprocess.run(["bash", str(project / "scripts" / "deploy.sh"), "--dry-run"],
                            capture_output=True, text=True, check=True)
    commands = [c[1:] for c in dry_run_commands(result.stdout) + readme_commands(project)
                if c[0] == "az"]
    needed = {AZ_PROVIDER[c[0]] for c in commands if c[0] in AZ_PROVIDER}
    # The worker's container group, deployed from infra/worker.json.
    needed |= {r["type"].split("/")[0] for r in
               yaml.safe_load((project / "infra" / "worker.json").read_text())["resources"]}
    registered = {c[c.index("--namespace") + 1] for c in commands
                  if c[:2] == ["provider", "register"]}
    assert needed - AZ_ALWAYS <= registered
    readme = (project / "README.md").read_text()
    assert {p for p in needed if f"`{p}`" not in readme} == set()
    roles = {role for c in commands for prefix, role in AZ_ROLE.items()
             if tuple(c[:len(prefix)]) == prefix}
    assert roles >= {"User Access Administrator", "Application Developer"}
    assert {r for r in roles if f"`{r}`" not in readme} == set()
