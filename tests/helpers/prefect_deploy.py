"""`prefect deploy` a rendered project's prefect.yaml to a real local server, without Docker.

`prefect deploy` has no flag to skip build and push steps, and this machine has no Docker daemon, so
the project is copied, its build/push sections are dropped and the built image reference is
replaced by a fixed image, as the issue tracker's guidance for such tests says.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tests.helpers.prefect_server import server_env


@dataclass
class Deployed:
    deployments: list[Any]  #: prefect DeploymentResponse models, as the API returns them
    pool: Any  #: the WorkPool model, with its base job template


def prefect_cli(*args: str, api_url: str, home: Path, cwd: Path | None = None,
                timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "prefect", "--no-prompt", *args],
                          env=server_env(home, api_url), cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, check=False)


def create_work_pool(api_url: str, name: str, pool_type: str,
                     base_job_template: dict[str, Any] | None = None) -> None:
    """What `prefect work-pool create NAME --type TYPE [--base-job-template F] --overwrite` does,
    in this process: the same default template for the type (from the installed worker package),
    the same API call, without a CLI process that imports all of Prefect (seconds each)."""
    from prefect.client.orchestration import PrefectClient
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.workers.utilities import get_default_base_job_template_for_infrastructure_type

    async def create() -> None:
        template = base_job_template
        if template is None:
            template = await get_default_base_job_template_for_infrastructure_type(pool_type)
            assert template, f"no default base job template for {pool_type!r}"
        async with PrefectClient(api=api_url) as prefect:
            await prefect.create_work_pool(WorkPoolCreate(
                name=name, type=pool_type, base_job_template=template), overwrite=True)

    asyncio.run(create())


def without_build_steps(prefect_yaml: dict[str, Any], image: str) -> dict[str, Any]:
    """The same deployments with build/push removed and the built image pinned to `image`."""
    stripped = {k: v for k, v in prefect_yaml.items() if k not in ("build", "push")}
    for deployment in stripped.get("deployments", []):
        job_variables = (deployment.get("work_pool") or {}).get("job_variables") or {}
        if "{{" in str(job_variables.get("image", "")):
            job_variables["image"] = image
    return stripped


def deploy(project: Path, workdir: Path, api_url: str, *, pool_type: str,
           image: str = "registry.example.com/flows:test",
           base_job_template: dict[str, Any] | None = None) -> Deployed:
    """Create the project's work pool on the server, deploy every deployment, read them back."""
    copy = workdir / project.name
    shutil.copytree(project, copy, ignore=shutil.ignore_patterns(".venv"))
    config = yaml.safe_load((copy / "prefect.yaml").read_text())
    (copy / "prefect.yaml").write_text(yaml.safe_dump(without_build_steps(config, image)))
    pool_names = {d["work_pool"]["name"] for d in config["deployments"]}
    home = workdir / "prefect-home"
    home.mkdir(exist_ok=True)
    for pool_name in pool_names:
        create_work_pool(api_url, pool_name, pool_type, base_job_template)
    result = prefect_cli("deploy", "--all", api_url=api_url, home=home, cwd=copy)
    assert result.returncode == 0, result.stdout + result.stderr
    return asyncio.run(_read_back(api_url, [d["name"] for d in config["deployments"]],
                                  pool_names.pop()))


async def _read_back(api_url: str, names: list[str], pool_name: str) -> Deployed:
    from prefect.client.orchestration import PrefectClient

    async with PrefectClient(api=api_url) as client:
        everything = await client.read_deployments()
        pool = await client.read_work_pool(pool_name)
    return Deployed([d for d in everything if d.name in names], pool)


def unknown_job_variables(deployed: Deployed) -> dict[str, set[str]]:
    """Per deployment, the job variables its pool's variable schema does not declare."""
    declared = set(deployed.pool.base_job_template["variables"]["properties"])
    return {d.name: set(d.job_variables or {}) - declared for d in deployed.deployments
            if set(d.job_variables or {}) - declared}
