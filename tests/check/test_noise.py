"""One finding per mistake: anchors once, notes once per file, warnings only where they bite."""

from __future__ import annotations

from tests.check.conftest import Project, check, yaml_line

ANCHORED = """\
definitions:
  work_pools:
    k8s: &k8s
      name: k8s
      job_variables:
        namespace: prefect
        image_pul_policy: Always
pull:
  - prefect.deployments.steps.set_working_directory:
      directory: /opt/prefect/demo
deployments:
  - name: a
    entrypoint: flows/etl.py:etl
    work_pool: *k8s
  - name: b
    entrypoint: flows/etl.py:etl
    work_pool:
      <<: *k8s
      work_queue_name: slow
  - name: c
    entrypoint: flows/etl.py:etl
    work_pool: *k8s
"""


def test_finding_inside_an_anchor_is_reported_once_at_the_anchor(project: Project) -> None:
    root = project(ANCHORED)
    found = [f for f in check(root, pool_type="kubernetes").findings if f.rule == "job-variables"]
    assert [f.line for f in found] == [yaml_line(root, "image_pul_policy")], found


def test_job_variables_not_checked_once_per_file(project: Project) -> None:
    yaml = ANCHORED.replace("name: k8s", "name: workers").replace("namespace: prefect\n", "")
    notes = [f for f in check(project(yaml)).findings
             if f.rule == "job-variables" and f.severity == "info"]
    assert len(notes) == 1


def test_empty_pull_only_for_container_pools(project: Project) -> None:
    yaml = """\
deployments:
  - name: local
    entrypoint: flows/etl.py:etl
    work_pool: {name: laptop}
  - name: boxed
    entrypoint: flows/etl.py:etl
    work_pool: {name: laptop-docker, job_variables: {image: "acme/etl:1"}}
"""
    root = project(yaml)
    assert [f.line for f in check(root, pool_type="laptop=process").findings
            if f.rule == "empty-pull"] == [yaml_line(root, "name: laptop-docker")]
    assert [f.line for f in check(root, pool_type="process").findings
            if f.rule == "empty-pull"] == []
