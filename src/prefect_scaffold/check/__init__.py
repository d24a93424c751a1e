"""`check`: validate a Prefect project offline and return a Report of findings.

One module per artifact (prefect_yaml, steps, flows, job_variables, helm_values,
ecs_task_definition, k8s_manifests, dockerfile, serve_scripts), one for what spans files
(consistency) and one for the live API (`--api`: live). Nothing here prints or imports user code;
prefect, jsonschema, kubernetes_validate and botocore are imported inside functions.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from prefect_scaffold.errors import NothingToCheck

from .consistency import Project, check_consistency, pool_types, worker_commands
from .dockerfile import check_git_in_image
from .ecs_task_definition import check_task_definition, is_task_definition
from .flows import check_flows
from .helm_values import check_helm_values, is_worker_values
from .job_variables import (
    PoolTemplate,
    check_base_job_template,
    check_job_variables,
    is_base_job_template,
)
from .k8s_manifests import NOT_INSTALLED, check_base_job_manifest, check_manifest, is_manifest
from .live import api_url, read_pools
from .placeholders import check_placeholders
from .prefect_yaml import check_models, check_pull, check_schedules
from .report import Finding, Report
from .serve_scripts import check_serve_scripts, serve_scripts
from .source import SourceError, load, load_yaml, load_yaml_documents, project_files
from .steps import check_steps

__all__ = ["Finding", "Report", "check"]

PREFECT_YAML = "prefect.yaml"


def check(path: Path, *, pool_type: str | None = None, api: bool = False) -> Report:
    """Check the project at `path` (a directory, or its prefect.yaml).

    `pool_type` (e.g. `kubernetes`, `ecs:push`) is the work pool type for deployments whose type
    the project does not reveal. `api`: check job_variables against the work pools of the
    Prefect API at PREFECT_API_URL (raises ApiUnavailable when it is unset or unreachable).
    Raises NothingToCheck when `path` holds no Prefect artifact.
    """
    path = Path(path)
    url = api_url() if api else None
    if not path.exists():
        raise NothingToCheck(path, "no such file or directory")
    root = path.parent if path.is_file() else path

    def shown(file: Path | str) -> str:
        """How findings name a file: under the path the user gave."""
        return str(root / file)

    report = Report()
    project = _discover(root, shown, report)
    scripts = [] if project.prefect_yaml or report.checked else serve_scripts(root)
    if not (report.checked or scripts):
        raise NothingToCheck(path, "no prefect.yaml and nothing else to check")

    for file, doc in project.helm:
        report.extend(check_helm_values(doc, file))
    for file, doc in project.task_definitions:
        report.extend(check_task_definition(doc, file))
    for file, doc in project.base_job_templates:
        report.extend(check_base_job_template(doc, file))
        report.extend(check_base_job_manifest(doc, file))
    noted: set[str] = set()
    for file, doc in project.k8s_manifests:
        findings = check_manifest(doc, file)
        if file in noted and any(f.message == NOT_INSTALLED for f in findings):
            continue  # one note per file, not per document
        noted.add(file)
        report.extend(findings)
    if project.prefect_yaml:
        file, doc = project.prefect_yaml
        report.extend(check_models(doc, file))
        report.extend(check_schedules(doc, file))
        report.extend(check_steps(doc, file))
        report.extend(check_flows(doc, file, root))
        report.extend(check_pull(doc, file))
        types, notes = pool_types(project, pool_type)
        templates = _templates(project)
        if url:
            live = read_pools(project, url)
            types = {**types, **live.types}
            templates = {**templates, **live.templates}
            notes = []  # the API's word on each pool replaces what the project hints
            report.extend(live.findings)
        report.extend(notes)
        report.extend(check_job_variables(doc, file, types, templates))
        dockerfile, findings = check_git_in_image(doc.data, file, doc.line, root, shown)
        if dockerfile:
            report.checked.append(dockerfile)
        report.extend(findings)
    report.extend(check_consistency(project))
    report.extend(check_placeholders(root, shown))
    for script in scripts:
        report.checked.append(shown(script.relative_to(root)))
        report.extend(check_serve_scripts(script, shown(script.relative_to(root)), root))
    return report


def _discover(root: Path, show: Callable[[Path | str], str], report: Report) -> Project:
    """Parse prefect.yaml and the project's JSON/YAML files; note syntax errors of ours."""
    project = Project()
    prefect_yaml = root / PREFECT_YAML
    if prefect_yaml.is_file():
        file = show(PREFECT_YAML)
        report.checked.append(file)
        text = prefect_yaml.read_text(encoding="utf-8", errors="replace")
        project.prefect_yaml_text = text
        try:
            project.prefect_yaml = (file, load_yaml(text))
        except SourceError as problem:
            report.add(file, problem.line, "syntax", "error", str(problem))
    for candidate in project_files(root, ".json", ".yaml", ".yml", ".sh"):
        relative = candidate.relative_to(root)
        if relative == Path(PREFECT_YAML):
            continue
        file = show(relative)
        text = candidate.read_text(encoding="utf-8", errors="replace")
        project.workers += worker_commands(file, text)
        if candidate.suffix == ".sh":
            continue
        try:
            doc = load(candidate)
        except SourceError as problem:
            if "helm" in relative.parts or candidate.stem.startswith("values"):
                report.checked.append(file)
                report.add(file, problem.line, "syntax", "error", str(problem))
            elif candidate.suffix != ".json" and _k8s_manifests(project, file, text):
                report.checked.append(file)  # several YAML documents, Kubernetes objects
            continue  # other files (CloudFormation with !Ref tags...) are not ours to judge
        if is_task_definition(doc.data):
            project.task_definitions.append((file, doc))
        elif is_base_job_template(doc.data):
            project.base_job_templates.append((file, doc))
        elif is_worker_values(candidate, doc.data):
            project.helm.append((file, doc))
        elif is_manifest(doc.data):
            project.k8s_manifests.append((file, doc))
        else:
            continue
        report.checked.append(file)
    return project


def _k8s_manifests(project: Project, file: str, text: str) -> bool:
    """Add the Kubernetes objects of a multi-document YAML file; whether there were any."""
    try:
        documents = load_yaml_documents(text)
    except SourceError:
        return False
    found = [(file, doc) for doc in documents if is_manifest(doc.data)]
    project.k8s_manifests += found
    return bool(found)


def _templates(project: Project) -> dict[str, PoolTemplate]:
    """Pool name -> the project's base job template for it: the only template when prefect.yaml
    uses one pool, else the template whose file name contains the pool's name."""
    pools = list(project.pools())
    found: dict[str, PoolTemplate] = {}
    for file, doc in project.base_job_templates:
        template = PoolTemplate(doc.data["variables"], file)
        if len(pools) == 1 and len(project.base_job_templates) == 1:
            found[pools[0]] = template
        for pool in pools:
            if pool in Path(file).name:
                found[pool] = template
    return found
