"""scripts/check_corpus_survey.py on our own fixtures, so the measurement cannot rot unnoticed.

The real corpus stays outside the repository; these files are ours (tests/check/realworld)."""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from pathlib import Path

import pytest

from prefect_scaffold.check import Finding

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).parent / "realworld"


@pytest.fixture(scope="module")
def survey():
    spec = importlib.util.spec_from_file_location("check_corpus_survey",
                                                  ROOT / "scripts/check_corpus_survey.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["check_corpus_survey"] = module
    spec.loader.exec_module(module)
    yield module
    del sys.modules["check_corpus_survey"]


@pytest.mark.slow
def test_survey_rows_on_our_fixtures(survey, tmp_path: Path, capsys) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("02-git-clone-process.yaml", "60-prefect2-leftover-keys.yaml",
                 "seeded/s18-empty-legacy-schedule.yaml"):
        shutil.copy(HERE / name, corpus / Path(name).name)
    # A monorepo file: the source line puts it in a subfolder, entrypoints from the repo root.
    monorepo = (HERE / "41-monorepo-subdir.yaml").read_text()
    (corpus / "acme__mono__jobs__prefect.yaml").write_text(
        "# source: https://github.com/acme/mono/blob/0123abc/jobs/prefect.yaml\n"
        "# deploy-root: .\n" + monorepo)
    assert survey.main([str(corpus), "--json", str(tmp_path / "rows.json")]) == 0
    out = capsys.readouterr().out
    rows = {r["file"]: r for r in json.loads((tmp_path / "rows.json").read_text())}
    clean = rows["02-git-clone-process.yaml"]
    assert clean["errors"] == [] and clean["warnings"] == 0 and clean["breaks"] == {}
    # Prefect drops each leftover key, but nothing the run relies on: warnings only.
    leftovers = rows["60-prefect2-leftover-keys.yaml"]
    assert leftovers["errors"] == [] and leftovers["warnings"] == 6
    # `schedule: []`: Prefect's loader skips the file, so check's error is agreed.
    empty = rows["s18-empty-legacy-schedule.yaml"]
    assert len(empty["errors"]) == 1 and empty["false"] == [] and "file-skipped" in empty["breaks"]
    mono = rows["acme__mono__jobs__prefect.yaml"]
    assert mono["repo"] == "acme/mono" and mono["root"] == "." and mono["errors"] == []
    assert "files 4  repos 4  errors 1  false errors 0 (files 0)" in out
    assert all(r["misses"] == [] for r in rows.values())


def test_an_error_prefect_does_not_share_is_false(survey) -> None:
    verdict = survey.Verdict()
    verdict.add("dropped:job_variables", "job_variables: {'image': 'x'}")
    lost = Finding("p.yaml", 3, "unknown-key", "error", "unknown key 'job_variables' in ...")
    inert = Finding("p.yaml", 4, "unknown-key", "error", "unknown key 'project' in ...")
    schedule = Finding("p.yaml", 5, "schedule", "error", "bad cron")
    assert survey.agrees(lost, verdict)
    assert not survey.agrees(inert, verdict) and not survey.agrees(schedule, verdict)
    verdict.add("schedule", "etl: ValueError: Invalid cron string")
    assert survey.agrees(schedule, verdict)


def test_prefect_judge_finds_what_deploy_stops_on(survey, tmp_path: Path) -> None:
    """Without a stub for its entrypoint, the survey's replay of `prefect deploy` stops there,
    and a nameless pool is Prefect's "A work pool is required"."""
    (tmp_path / "prefect.yaml").write_text(
        "deployments:\n- name: etl\n  entrypoint: flows/missing.py:etl\n  work_pool: {}\n")
    verdict = survey.judge(tmp_path / "prefect.yaml", tmp_path)
    assert set(verdict.breaks) == {"entrypoint", "work-pool"}


def test_an_error_is_agreed_only_where_prefect_breaks(survey, tmp_path: Path) -> None:
    """Prefect breaking on one deployment's entrypoint does not agree with an entrypoint
    error on another deployment of the same file."""
    (tmp_path / "flows").mkdir()
    (tmp_path / "flows" / "etl.py").write_text("from prefect import flow\n\n\n@flow\n"
                                               "def etl():\n    pass\n")
    (tmp_path / "prefect.yaml").write_text(
        "deployments:\n- name: broken\n  entrypoint: flows/missing.py:etl\n"
        "  work_pool: {name: local}\n- name: fine\n  entrypoint: flows/etl.py:etl\n"
        "  work_pool: {name: local}\n")
    verdict = survey.judge(tmp_path / "prefect.yaml", tmp_path)
    assert verdict.spans == [(2, 4), (5, 7)]
    broken = Finding("prefect.yaml", 3, "entrypoint", "error", "no file flows/missing.py")
    fine = Finding("prefect.yaml", 6, "entrypoint", "error", "no flow etl")
    assert survey.agrees(broken, verdict) and not survey.agrees(fine, verdict)
