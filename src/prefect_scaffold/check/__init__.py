"""`check`: validate a Prefect project offline and return a Report of findings.

One module per artifact (prefect_yaml, steps, flows, job_variables, helm_values,
ecs_task_definition, k8s_manifests, dockerfile, serve_scripts), one for what spans files
(consistency, with pool_inference), one for the live API (`--api`: live); run.py runs them all,
files.py and source.py bound what is read and parsed, cache.py answers unchanged projects. Nothing
here prints or imports user code; prefect, jsonschema, kubernetes_validate and botocore are
imported inside functions, and only after a cache miss.
"""

from __future__ import annotations

from pathlib import Path

from . import cache as _cache
from .report import Finding, Report

__all__ = ["Finding", "Report", "check"]


def check(path: Path, *, pool_type: str | None = None, api: bool = False,
          cache: bool = False, root: Path | None = None) -> Report:
    """Check the project at `path`: a folder (its prefect.yaml or prefect.yml), or a prefect.yaml
    of any name (`prefect deploy --prefect-file`).

    `pool_type` (e.g. `kubernetes`, `ecs:push`) is the work pool type for deployments whose type
    the project does not reveal. `api`: check job_variables against the work pools of the
    Prefect API at PREFECT_API_URL (raises ApiUnavailable when it is unset or unreachable).
    `cache`: answer from (and store into) the user cache when nothing `check` depends on changed
    (see cache.py; never with `api`). `root`: the folder `prefect deploy` runs in, which
    entrypoints are relative to (default: see deploy_root.py); the report names the one used.
    Raises NothingToCheck when `path` holds no Prefect artifact.
    """
    from prefect_scaffold.errors import NothingToCheck

    from .deploy_root import Target, choose_root, entrypoint_files, entrypoints, prefect_file, text

    path = Path(path)
    url = None
    if api:
        from .live import api_url

        url = api_url()
    if not path.exists():
        raise NothingToCheck(path, "no such file or directory")
    if root is not None and not Path(root).is_dir():
        raise NothingToCheck(Path(root), "--root is not a folder")
    folder, prefect = prefect_file(path)
    flows = entrypoints(text(prefect, folder))
    deploy_root = choose_root(folder, flows, Path(root) if root is not None else None)
    target = Target(folder, prefect, deploy_root)
    cache_key = _cache.key(folder, str(folder), pool_type, deploy_root,
                           entrypoint_files(deploy_root, flows)) if cache and not api else None
    if cache_key and (cached := _cache.load(cache_key)) is not None:
        return cached
    from .run import run_checks  # after the cache: a cached answer needs no parser or validator

    report = run_checks(path, target, pool_type, url)
    if cache_key:
        _cache.store(cache_key, report)
    return report

