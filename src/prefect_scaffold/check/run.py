"""Run every validator over one project: discover its artifacts, check each, then across them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from prefect_scaffold.errors import NothingToCheck

from .consistency import Project, check_consistency, pool_types, worker_commands
from .deploy_root import Target
from .dockerfile import check_git_in_image
from .ecs_task_definition import check_task_definition, is_task_definition
from .files import project_files
from .flows import check_flows
from .helm_values import check_helm_values, is_worker_values
from .job_variables import (
    PoolTemplate,
    check_base_job_template,
    check_job_variables,
    is_base_job_template,
)
from .k8s_manifests import NOT_INSTALLED, check_base_job_manifest, check_manifest, is_manifest
from .live import read_pools
from .placeholders import check_placeholders
from .prefect_yaml import check_models, check_pull, check_schedules
from .report import Report
from .resource_limits import (
    check_job_variable_limits,
    check_resources_blocks,
    check_template_limits,
)
from .serve_scripts import check_serve_scripts, serve_scripts
from .source import (
    Document,
    SourceError,
    load_json,
    load_yaml,
    load_yaml_documents,
    read_text,
)
from .steps import check_steps
from .triggers import check_triggers


def run_checks(path: Path, target: Target, pool_type: str | None, url: str | None) -> Report:
    """The findings of every validator on the project `target` (`path` as the user gave it)."""
    root = target.folder

    def shown(file: Path | str) -> str:
        """How findings name a file: under the path the user gave."""
        return str(root / file)

    report = Report()
    project = _discover(root, target.prefect_file, shown, report)
    scripts = [] if project.prefect_yaml or report.checked else serve_scripts(root)
    if not (report.checked or scripts):
        raise NothingToCheck(path, "no prefect.yaml and nothing else to check")
    if target.prefect_file is not None:
        report.deploy_root = str(target.deploy_root)

    for file, doc in project.helm:
        report.extend(check_helm_values(doc, file))
        report.extend(check_resources_blocks(doc, file))
    for file, doc in project.task_definitions:
        report.extend(check_task_definition(doc, file))
    for file, doc in project.base_job_templates:
        report.extend(check_base_job_template(doc, file))
        report.extend(check_base_job_manifest(doc, file))
        report.extend(check_template_limits(doc, file))
    noted: set[str] = set()
    for file, doc in project.k8s_manifests:
        report.extend(check_resources_blocks(doc, file))
        findings = check_manifest(doc, file)
        if file in noted and any(f.message.startswith(NOT_INSTALLED) for f in findings):
            continue  # one note per file, not per document
        noted.add(file)
        report.extend(findings)
    if project.prefect_yaml:
        file, doc = project.prefect_yaml
        report.extend(check_models(doc, file))
        report.extend(check_schedules(doc, file))
        report.extend(check_steps(doc, file))
        report.extend(check_triggers(doc, file))
        report.extend(check_flows(doc, file, target.deploy_root))
        types, notes, inferred = pool_types(project, pool_type)
        templates = _templates(project)
        if url:
            live = read_pools(project, url)
            types = {**types, **live.types}
            templates = {**templates, **live.templates}
            notes = []  # the API's word on each pool replaces what the project hints
            inferred -= set(live.types)
            report.extend(live.findings)
        report.extend(notes)
        report.extend(check_pull(doc, file, types))
        report.extend(check_job_variables(doc, file, types, templates, inferred))
        report.extend(check_job_variable_limits(doc, file, templates))
        dockerfile, findings = check_git_in_image(doc.data, file, doc.line, root, shown)
        if dockerfile:
            report.checked.append(dockerfile)
        report.extend(findings)
    report.extend(check_consistency(project))
    report.extend(check_placeholders(root, shown))
    if project.prefect_yaml:
        _once_per_anchor(report, *project.prefect_yaml)
    for script in scripts:
        report.checked.append(shown(script.relative_to(root)))
        report.extend(check_serve_scripts(script, shown(script.relative_to(root)), root))
    return report


def _discover(root: Path, prefect_yaml: Path | None, show: Callable[[Path | str], str],
              report: Report) -> Project:
    """Parse prefect.yaml and the project's JSON/YAML files; note syntax errors of ours."""
    project = Project()
    if prefect_yaml is not None:
        file = show(prefect_yaml.name)
        report.checked.append(file)
        try:
            text = read_text(prefect_yaml, root)
            project.prefect_yaml_text = text
            project.prefect_yaml = (file, load_yaml(text))
        except SourceError as problem:
            report.add(file, problem.line, "syntax", "error",
                       str(problem) if str(problem).startswith("YAML") else
                       f"prefect.yaml is {problem}")
    for candidate in project_files(root, ".json", ".yaml", ".yml", ".sh"):
        relative = candidate.relative_to(root)
        if prefect_yaml is not None and relative == Path(prefect_yaml.name):
            continue
        file = show(relative)
        try:
            text = read_text(candidate, root)
        except SourceError:
            continue  # not a text file of ours (too large, binary): nothing to judge
        project.workers += worker_commands(file, text)
        if candidate.suffix == ".sh":
            continue
        try:
            doc = load_json(text) if candidate.suffix == ".json" else load_yaml(text)
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


def _once_per_anchor(report: Report, file: str, doc: Document) -> None:
    """A finding inside YAML-anchored content is reported once, at the anchor, not per alias."""
    shared = doc.shared_lines()
    seen: set[tuple[int | None, str, str]] = set()
    kept = []
    for finding in report.findings:
        if finding.file == file and finding.line in shared:
            key = (finding.line, finding.rule, finding.severity)
            if key in seen:
                continue
            seen.add(key)
        kept.append(finding)
    report.findings = kept


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
