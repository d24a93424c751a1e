"""`check --api`: the work pools prefect.yaml deploys to, read from the live Prefect API.

Each pool's base job template on the server replaces the installed default (and any template
file in the project) when job_variables are checked; a pool the server does not have is an error
at the deployment's `work_pool.name`, since `prefect deploy` would create a default one or fail.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from prefect_scaffold.errors import ApiUnavailable, ScaffoldError

from .consistency import Project
from .job_variables import PoolTemplate
from .report import Finding


@dataclass
class LivePools:
    """What the API says about prefect.yaml's pools."""

    url: str
    templates: dict[str, PoolTemplate] = field(default_factory=dict)
    types: dict[str, str] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)


def api_url() -> str:
    """PREFECT_API_URL from the environment, else from the active Prefect profile."""
    url = os.environ.get("PREFECT_API_URL")
    if not url:
        from prefect.settings import get_current_settings

        url = get_current_settings().api.url
    if not url:
        raise ApiUnavailable("PREFECT_API_URL is not set; set it (or `prefect config set "
                             "PREFECT_API_URL=...`) to the API whose work pools to check against")
    return str(url)


def api_key() -> str | None:
    key = os.environ.get("PREFECT_API_KEY")
    if key:
        return key
    from prefect.settings import get_current_settings

    secret = get_current_settings().api.key
    return secret.get_secret_value() if secret is not None else None


def read_pools(project: Project, url: str) -> LivePools:
    """Read each pool prefect.yaml names; unknown pools become error findings."""
    from prefect.client.orchestration import SyncPrefectClient
    from prefect.exceptions import ObjectNotFound

    live = LivePools(url)
    pools = project.pools()
    if not pools or project.prefect_yaml is None:
        return live
    file, doc = project.prefect_yaml
    try:
        with SyncPrefectClient(url, api_key=api_key()) as client:
            for name, on_pool in pools.items():
                where = ("deployments", on_pool[0][0], "work_pool", "name")
                try:
                    pool = client.read_work_pool(name)
                except ObjectNotFound:
                    names = ", ".join(d.get("name") or str(i) for i, d in on_pool)
                    live.findings.append(Finding(
                        file, doc.line(where), "work-pool", "error",
                        f"work pool {name!r} does not exist at {url} (used by {names}); "
                        f"create it: prefect work-pool create {name} --type <type>"))
                    continue
                live.types[name] = pool.type
                variables = (pool.base_job_template or {}).get("variables")
                if isinstance(variables, dict):
                    live.templates[name] = PoolTemplate(
                        variables, f"work pool {name!r}'s base job template at {url}")
                live.findings.append(Finding(file, doc.line(where), "pool-type", "info",
                                             f"work pool {name!r}: type {pool.type} (from {url})"))
    except ScaffoldError:
        raise
    except Exception as problem:
        reason = str(problem).splitlines()[0] if str(problem) else type(problem).__name__
        raise ApiUnavailable(f"cannot read work pools from {url}: {reason}") from None
    return live
