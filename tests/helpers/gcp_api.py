"""Google's own API schemas for the gcp_pool tests: the request bodies prefect-gcp's workers send,
built through the workers' code, checked against the discovery documents google-api-python-client
ships (Cloud Run `run v2`, Vertex AI `aiplatform v1`), and the API calls each worker makes.

No Google account or network: the documents are files in the installed package.
"""

from __future__ import annotations

import asyncio
import json
import re
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any
from uuid import uuid4


def fake_google_credentials(monkeypatch: Any, folder: Path) -> None:
    """prefect-gcp resolves application default credentials: a fake user file, never the network.

    GOOGLE_CLOUD_PROJECT too: without it google-auth asks the gcloud CLI for a project (seconds
    per call, and a real configuration could leak in).
    """
    adc = folder / "adc.json"
    adc.write_text(json.dumps({"type": "authorized_user", "client_id": "x", "client_secret": "y",
                               "refresh_token": "z", "quota_project_id": "my-gcp-project"}))
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(adc))
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "my-gcp-project")


#: Which REST method each worker type calls to start a flow run, and the document that defines it.
CREATE_METHOD = {
    "cloud-run-v2": ("run.v2", "run.projects.locations.jobs.create"),
    "vertex-ai": ("aiplatform.v1", "aiplatform.projects.locations.customJobs.create"),
}

#: The IAM permission each REST method of the workers needs, as Google's IAM reference names it
#: (https://cloud.google.com/run/docs/reference/iam/permissions,
#: https://cloud.google.com/vertex-ai/docs/general/access-control).
PERMISSION = {
    "run.projects.locations.jobs.create": "run.jobs.create",
    "run.projects.locations.jobs.get": "run.jobs.get",
    "run.projects.locations.jobs.run": "run.jobs.run",
    "run.projects.locations.jobs.delete": "run.jobs.delete",
    "run.projects.locations.jobs.executions.get": "run.executions.get",
    "run.projects.locations.jobs.executions.list": "run.executions.list",
    "run.projects.locations.jobs.executions.delete": "run.executions.delete",
    "aiplatform.projects.locations.customJobs.create": "aiplatform.customJobs.create",
    "aiplatform.projects.locations.customJobs.get": "aiplatform.customJobs.get",
    "aiplatform.projects.locations.customJobs.cancel": "aiplatform.customJobs.cancel",
}


@cache
def discovery(name: str) -> dict[str, Any]:
    """A discovery document shipped with google-api-python-client, e.g. `run.v2`."""
    folder = resources.files("googleapiclient") / "discovery_cache" / "documents"
    return json.loads((folder / f"{name}.json").read_text())


def methods(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every REST method of a document by id (`run.projects.locations.jobs.create`)."""
    found: dict[str, dict[str, Any]] = {}

    def walk(node: dict[str, Any]) -> None:
        for method in node.get("methods", {}).values():
            found[method["id"]] = method
        for child in node.get("resources", {}).values():
            walk(child)

    walk(document)
    return found


def _output_only(schema: dict[str, Any]) -> bool:
    return bool(schema.get("readOnly")) or schema.get("description", "").startswith("Output only")


def _json_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """One discovery schema as strict JSON Schema: unknown and output-only fields are errors."""
    if "$ref" in schema:
        return {"$ref": f"#/definitions/{schema['$ref']}"}
    kind = schema.get("type")
    if kind == "object":
        converted: dict[str, Any] = {"type": "object"}
        if "properties" in schema:
            converted["properties"] = {name: _json_schema(field) for name, field
                                       in schema["properties"].items() if not _output_only(field)}
            converted["additionalProperties"] = False
        if "additionalProperties" in schema:
            converted["additionalProperties"] = _json_schema(schema["additionalProperties"])
        return converted
    if kind == "array":
        return {"type": "array", "items": _json_schema(schema.get("items", {}))}
    if kind == "string":
        converted = {"type": "string"}
        if schema.get("format") in ("int64", "uint64"):
            # proto3 JSON writes 64-bit integers as strings; the API takes numbers as well.
            converted = {"type": ["string", "integer"]}
        if "enum" in schema:
            converted["enum"] = schema["enum"]
        return converted
    if kind in ("integer", "number", "boolean"):
        return {"type": kind}
    return {}  # "any"


def body_errors(document_name: str, method_id: str, body: dict[str, Any]) -> list[str]:
    """Why `body` is not a valid request body of the method, per the discovery document."""
    import jsonschema

    document = discovery(document_name)
    request = methods(document)[method_id]["request"]["$ref"]
    schema = {"$ref": f"#/definitions/{request}",
              "definitions": {name: _json_schema(s) for name, s in document["schemas"].items()}}
    validator = jsonschema.Draft7Validator(schema)
    return sorted(f"{'/'.join(map(str, e.absolute_path)) or '<body>'}: {e.message}"
                  for e in validator.iter_errors(body))


def worker_class(pool_type: str) -> Any:
    if pool_type == "cloud-run-v2":
        from prefect_gcp.workers.cloud_run_v2 import CloudRunWorkerV2

        return CloudRunWorkerV2
    from prefect_gcp.workers.vertex import VertexAIWorker

    return VertexAIWorker


def job_configuration(pool_type: str, base_job_template: dict[str, Any],
                      job_variables: dict[str, Any], flow_run: Any = None) -> Any:
    """The job configuration a worker of `pool_type` builds for a run of a deployment.

    The worker's own path: BaseJobConfiguration.from_template_and_values (pool template + the
    deployment's job variables), then prepare_for_flow_run. The template holds no block or
    variable references, so the Prefect client it would resolve them with is never called.
    """
    from prefect.client.schemas.objects import FlowRun

    configuration_class = worker_class(pool_type).job_configuration
    config = asyncio.run(configuration_class.from_template_and_values(
        base_job_template, job_variables, client=object()))
    flow_run = flow_run or FlowRun(flow_id=uuid4(), deployment_id=uuid4(), name="gentle-otter")
    config.prepare_for_flow_run(flow_run)
    return config


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _proto_json(value: Any) -> Any:
    """Python values as proto3 JSON writes them: lowerCamelCase keys, unset (None/empty) dropped."""
    if isinstance(value, dict):
        return {_camel(k): _proto_json(v) for k, v in value.items() if v not in (None, [], {}, "")}
    if isinstance(value, list):
        return [_proto_json(v) for v in value]
    return value


def request_body(pool_type: str, config: Any) -> dict[str, Any]:
    """The body of the worker's create call for this prepared job configuration.

    Cloud Run: the job body itself (JobV2.create sends it unchanged). Vertex AI: the CustomJob
    that VertexAIWorker._build_job_spec and _create_and_begin_job assemble from the job spec,
    written as proto3 JSON (google-cloud-aiplatform, which would serialize it, is not installed:
    ~160 MB for one conversion).
    """
    if pool_type == "cloud-run-v2":
        return config.job_body
    spec = dict(config.job_spec)
    scheduling = dict(spec.pop("scheduling", None) or {})
    if "maximum_run_time_hours" in spec:  # as _build_job_spec does, for backward compatibility
        scheduling["timeout"] = f"{int(spec.pop('maximum_run_time_hours')) * 3600}s"
    if "service_account_name" in spec:
        spec["service_account"] = spec.pop("service_account_name")
    spec["scheduling"] = scheduling
    worker = worker_class(pool_type)(work_pool_name="test")
    return _proto_json({"display_name": config.job_name, "job_spec": spec,
                        "labels": worker._get_compatible_labels(configuration=config)})


def worker_api_calls(pool_type: str) -> set[str]:
    """The REST methods the installed worker's code calls, read from its source."""
    import prefect_gcp

    root = Path(prefect_gcp.__file__).parent
    if pool_type == "cloud-run-v2":
        source = (root / "models" / "cloud_run_v2.py").read_text()
        calls = re.findall(r"\.jobs\(\)\s*(\.executions\(\)\s*)?\.(\w+)\(", source)
        return {f"run.projects.locations.jobs.{'executions.' if nested else ''}{verb}"
                for nested, verb in calls}
    source = (root / "workers" / "vertex.py").read_text()
    verbs = re.findall(r"job_service_async_client\.(\w+)_custom_job\(", source)
    return {f"aiplatform.projects.locations.customJobs.{verb}" for verb in verbs}
