"""gcp_pool answers: what its validators accept, against Google's own lists where one is installed
(the Vertex AI accelerators of the aiplatform v1 discovery document), and bad input refused with
one line and nothing written."""

from __future__ import annotations

import subprocess
import sys

import pytest

from prefect_scaffold.errors import InvalidAnswer
from tests.helpers import gcp_api
from tests.helpers.projects import answers_for


def test_accelerators_are_exactly_what_vertex_ai_offers():
    """The validator's list is the discovery document's enum, less UNSPECIFIED and deprecated."""
    spec = gcp_api.discovery("aiplatform.v1")["schemas"]["GoogleCloudAiplatformV1MachineSpec"]
    field = spec["properties"]["acceleratorType"]
    offered = {v for v, deprecated in zip(field["enum"], field["enumDeprecated"], strict=True)
               if not deprecated and v != "ACCELERATOR_TYPE_UNSPECIFIED"}
    for value in field["enum"]:
        try:
            answers_for("gcp_pool", pool_type="vertex-ai", accelerator_type=value,
                        machine_type=MACHINE.get(value, "n1-standard-4"))
            accepted = True
        except InvalidAnswer:
            accepted = False
        assert accepted == (value in offered), value


#: A machine type each accelerator comes on (Vertex AI's configure-compute page).
MACHINE = {"NVIDIA_TESLA_A100": "a2-highgpu-1g", "NVIDIA_A100_80GB": "a2-ultragpu-1g",
           "NVIDIA_L4": "g2-standard-8", "NVIDIA_H100_80GB": "a3-highgpu-1g",
           "NVIDIA_H100_MEGA_80GB": "a3-megagpu-8g", "NVIDIA_H200_141GB": "a3-ultragpu-8g",
           "NVIDIA_B200": "a4-highgpu-8g", "NVIDIA_GB200": "a4x-highgpu-4g",
           "NVIDIA_RTX_PRO_6000": "g4-standard-48", "TPU_V2": "cloud-tpu", "TPU_V3": "cloud-tpu",
           "TPU_V4_POD": "ct4p-hightpu-4t", "TPU_V5_LITEPOD": "ct5lp-hightpu-4t"}


@pytest.mark.parametrize("machine, accelerator, ok", [
    ("n1-standard-4", "", True), ("n1-standard-4", "NVIDIA_TESLA_T4", True),
    ("n1-standard-4", "NVIDIA_L4", False), ("g2-standard-8", "NVIDIA_L4", True),
    ("g2-standard-8", "", False), ("a2-ultragpu-1g", "NVIDIA_TESLA_A100", False),
    ("a2-ultragpu-1g", "NVIDIA_A100_80GB", True), ("ct5lp-hightpu-4t", "TPU_V5_LITEPOD", True)])
def test_accelerators_come_on_their_machine_family(machine, accelerator, ok):
    try:
        answers_for("gcp_pool", pool_type="vertex-ai", machine_type=machine,
                    accelerator_type=accelerator)
        accepted = True
    except InvalidAnswer:
        accepted = False
    assert accepted == ok


@pytest.mark.parametrize("cpu, memory, ok", [
    (1, "512Mi", True), (1, "4Gi", True), (1, "5Gi", False), (2, "8Gi", True), (4, "1Gi", False),
    (4, "16Gi", True), (8, "32Gi", True), (8, "33Gi", False), (1, "2GB", False)])
def test_cloud_run_memory_follows_the_cpu(cpu, memory, ok):
    try:
        answers_for("gcp_pool", cpu=cpu, memory=memory)
        accepted = True
    except InvalidAnswer:
        accepted = False
    assert accepted == ok


@pytest.mark.parametrize("key, value", [
    ("gcp_project", "My-Project"),
    ("gcp_project", "abc"),
    ("gcp_project", "my-google-project"),
    ("gcp_project", "project-"),
    ("gcp_region", "us-central"),
    ("gcp_region", "mars-west1"),
    ("artifact_repository", "Flows"),
    ("artifact_repository", "1flows"),
    ("artifact_repository", "flows_images"),
    ("machine_type", "n1-standard"),
    ("machine_type", "t2a-standard-4"),
    ("accelerator_type", "NVIDIA_TESLA_K80"),
    ("accelerator_type", "nvidia-l4"),
    ("accelerator_type", "NVIDIA_L4"),  # on the default n1-standard-4
    ("vm_zone", "europe-west4-a"),
    ("prefect_api_auth_string_secret", "projects/p/secrets/x"),
])
@pytest.mark.slow
def test_bad_input_exits_2_with_one_line_and_writes_nothing(tmp_path, key, value):
    destination = tmp_path / "repo"
    extra = {"machine_type": ["pool_type=vertex-ai"], "accelerator_type": ["pool_type=vertex-ai"],
             "vm_zone": ["worker_runtime=vm"]}.get(key, [])
    command = [sys.executable, "-m", "prefect_scaffold", "new", str(destination),
               "--template", "gcp_pool", "--defaults"]
    for item in [*extra, f"{key}={value}"]:
        command += ["--data", item]
    result = subprocess.run(command, capture_output=True, text=True, check=False, cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert key in result.stderr
    assert not destination.exists()


@pytest.mark.parametrize("machine, accelerator, count, ok", [
    # Accelerator-optimized machines come with a fixed number of GPUs/TPUs: exactly that many.
    ("g2-standard-8", "NVIDIA_L4", 8, False), ("g2-standard-8", "NVIDIA_L4", 1, True),
    ("g2-standard-24", "NVIDIA_L4", 2, True), ("g2-standard-96", "NVIDIA_L4", 4, False),
    ("a2-highgpu-1g", "NVIDIA_TESLA_A100", 8, False), ("a2-highgpu-8g", "NVIDIA_TESLA_A100", 8, True),
    ("a2-megagpu-16g", "NVIDIA_TESLA_A100", 16, True), ("a3-megagpu-8g", "NVIDIA_H100_MEGA_80GB", 4, False),
    ("g4-standard-96", "NVIDIA_RTX_PRO_6000", 2, True), ("ct5lp-hightpu-4t", "TPU_V5_LITEPOD", 8, False),
    ("cloud-tpu", "TPU_V3", 8, True),
    # N1 machines take 1, 2 or 4 of these (8 V100), within a vCPU limit per count.
    ("n1-standard-4", "NVIDIA_TESLA_T4", 16, False), ("n1-standard-4", "NVIDIA_TESLA_T4", 4, True),
    ("n1-standard-4", "NVIDIA_TESLA_T4", 3, False), ("n1-standard-4", "NVIDIA_TESLA_V100", 8, True),
    ("n1-standard-4", "NVIDIA_TESLA_P4", 8, False), ("n1-highmem-32", "NVIDIA_TESLA_V100", 1, False),
    ("n1-highmem-32", "NVIDIA_TESLA_V100", 4, True)])
def test_accelerator_counts_fit_the_machine_type(machine, accelerator, count, ok):
    try:
        answers_for("gcp_pool", pool_type="vertex-ai", machine_type=machine,
                    accelerator_type=accelerator, accelerator_count=count)
        accepted = True
    except InvalidAnswer as error:
        accepted = False
        assert "accelerator_count" in str(error) and machine in str(error)
    assert accepted == ok


@pytest.mark.parametrize("machine, accelerator, count", [
    ("g2-standard-8", "NVIDIA_L4", 1), ("g2-standard-48", "NVIDIA_L4", 4),
    ("a2-highgpu-8g", "NVIDIA_TESLA_A100", 8), ("a4x-highgpu-4g", "NVIDIA_GB200", 4),
    ("n1-standard-4", "NVIDIA_TESLA_T4", 1), ("n1-standard-64", "NVIDIA_TESLA_T4", 4)])
def test_the_default_accelerator_count_is_the_machine_types(machine, accelerator, count):
    answers = answers_for("gcp_pool", pool_type="vertex-ai", machine_type=machine,
                          accelerator_type=accelerator)
    assert answers["accelerator_count"] == count
