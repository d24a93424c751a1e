"""The store of rendered template versions survives being killed and damaged."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from prefect_scaffold.catalog import registry
from prefect_scaffold.catalog.cache import cached, content_tag, snapshot

STORE_ONE = """
import sys, time
from prefect_scaffold.catalog.registry import get_template
from prefect_scaffold.catalog.cache import snapshot
template = get_template("k8s_pool")
print("ready", flush=True)
started = time.monotonic()
snapshot(template)
print(time.monotonic() - started, flush=True)
"""


def _store_in_background(cache: Path) -> subprocess.Popen[str]:
    process = subprocess.Popen([sys.executable, "-c", STORE_ONE], stdout=subprocess.PIPE,
                               text=True, env={**os.environ, "PREFECT_SCAFFOLD_CACHE": str(cache)})
    assert process.stdout is not None and process.stdout.readline() == "ready\n"
    return process


@pytest.mark.e2e
def test_a_store_killed_at_any_point_leaves_new_working(cli, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("PREFECT_SCAFFOLD_CACHE", str(cache))
    process = _store_in_background(cache)
    store_time = float(process.communicate()[0])
    tag = content_tag(registry.get_template("k8s_pool"))
    folder = cached("k8s_pool", tag)
    assert folder is not None

    rng = random.Random(17)
    killed_midway = 0
    for trial in range(20):
        shutil.rmtree(cache)
        process = _store_in_background(cache)
        time.sleep(rng.uniform(0, store_time))  # SIGKILL somewhere inside the store
        process.send_signal(signal.SIGKILL)
        process.communicate()
        killed_midway += bool(list(folder.parent.glob(".building-*")))
        # Whole or absent, never half: a half copy would not match its tag.
        assert cached("k8s_pool", tag) in (None, folder), trial
        result = cli("new", tmp_path / f"p{trial}", "--template", "k8s_pool", "--defaults")
        assert result.exit_code == 0, (trial, result.output)
        assert cached("k8s_pool", tag) == folder
        assert not list(folder.parent.glob(".building-*"))
    assert killed_midway, "no kill landed inside the copy: the test proved nothing"


def test_a_damaged_stored_version_is_detected_and_rebuilt(monkeypatch, tmp_path):
    monkeypatch.setenv("PREFECT_SCAFFOLD_CACHE", str(tmp_path / "cache"))
    template = registry.get_template("serve_vm")
    tag = snapshot(template)
    folder = cached("serve_vm", tag)
    (folder / "copier.yml").write_text("damaged: true\n")
    assert cached("serve_vm", tag) is None
    assert snapshot(template) == tag
    assert (cached("serve_vm", tag) / "copier.yml").read_bytes() == \
        (template.path / "copier.yml").read_bytes()
