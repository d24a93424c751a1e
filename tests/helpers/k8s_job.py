"""What the Kubernetes worker would submit: the Job manifest, built offline by prefect-kubernetes'
own job-configuration code, and strict schema validation of it with kubernetes-validate."""

from __future__ import annotations

import asyncio
import copy
import json
import os
import uuid
from pathlib import Path
from typing import Any

import kubernetes_validate

#: Kubernetes versions the Job must be valid for (strict: unknown fields are errors).
K8S_VERSIONS = ("1.29", "1.33", kubernetes_validate.latest_version())


class _NoClient:
    """A non-None client keeps prefect's @inject_client from starting an ephemeral API server;
    our template references no blocks or Prefect variables, so nothing is ever called on it."""

    def __getattr__(self, name: str) -> Any:
        raise RuntimeError(f"offline render: the template needs the Prefect API ({name})")


async def _render(base_job_template: dict[str, Any], job_variables: dict[str, Any]) -> dict:
    from prefect.client.schemas.objects import Flow, FlowRun
    from prefect.client.schemas.responses import DeploymentResponse
    from prefect_kubernetes.settings import KubernetesSettings
    from prefect_kubernetes.worker import KubernetesWorker, KubernetesWorkerJobConfiguration

    configuration = await KubernetesWorkerJobConfiguration.from_template_and_values(
        base_job_template=base_job_template, values=job_variables, client=_NoClient())
    flow = Flow(id=uuid.uuid4(), name="hello-etl")
    deployment = DeploymentResponse(id=uuid.uuid4(), name="hello-etl", flow_id=flow.id,
                                    job_variables=job_variables)
    run = FlowRun(id=uuid.uuid4(), name="crimson-fox", flow_id=flow.id,
                  deployment_id=deployment.id)
    configuration.prepare_for_flow_run(flow_run=run, deployment=deployment, flow=flow)
    # What KubernetesWorker._create_job does next when the chart names the auth string's Secret:
    # the run's PREFECT_API_AUTH_STRING becomes a reference to that Secret.
    settings = KubernetesSettings().worker
    if settings.api_auth_string_secret_name and settings.api_auth_string_secret_key:
        await KubernetesWorker._replace_env_variable_with_secret(
            None, "PREFECT_API_AUTH_STRING", configuration,  # type: ignore[arg-type]
            settings.api_auth_string_secret_name, settings.api_auth_string_secret_key)
    return configuration.job_manifest


def worker_job_manifest(base_job_template: dict[str, Any], job_variables: dict[str, Any],
                        worker_env: dict[str, str] | None = None) -> dict[str, Any]:
    """The Job the worker creates for a run of a deployment with these job variables.

    `worker_env`: the worker container's environment (as the Helm chart sets it), which decides
    what the worker passes on to each run.
    """
    import prefect.settings
    from prefect.settings import temporary_settings

    env = worker_env or {}
    # Prefect's own settings (API URL, auth string) come from its settings context, which the
    # worker passes on; prefect-kubernetes' settings are read from the environment when used.
    updates = {getattr(prefect.settings, name): value for name, value in env.items()
               if hasattr(prefect.settings, name) and name.startswith("PREFECT_API")}
    saved = dict(os.environ)
    os.environ.update({k: v for k, v in env.items() if k.startswith("PREFECT_INTEGRATIONS_")})
    try:
        with temporary_settings(updates=updates):
            return asyncio.run(_render(copy.deepcopy(base_job_template), dict(job_variables)))
    finally:
        os.environ.clear()
        os.environ.update(saved)


def strict_errors(manifest: dict[str, Any]) -> dict[str, str]:
    """Per Kubernetes version, the strict validation error (empty when valid everywhere)."""
    errors = {}
    for version in K8S_VERSIONS:
        try:
            kubernetes_validate.validate(manifest, version, strict=True)
        except kubernetes_validate.ValidationError as error:
            errors[version] = f"{error.message} @ {list(error.path)}"
    return errors


def default_base_job_template() -> dict[str, Any]:
    from prefect_kubernetes.worker import KubernetesWorker

    return KubernetesWorker.get_default_base_job_template()


def load_base_job_template(project: Path) -> dict[str, Any]:
    return json.loads((project / "k8s" / "base-job-template.json").read_text())
