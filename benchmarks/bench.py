"""Speed targets, as ratios measured in one run on the same machine (medians of several runs).

    uv run python benchmarks/bench.py [--runs 7]

- `--help`, `recommend --json`, `tree`: at most 0.15 x `prefect --version` (they import neither
  prefect nor copier).
- `new --template T --defaults`: at most 1.15 x a bare `copier copy --defaults` of the template.
- `check` on a prefect.yaml with 1,000 deployments: at most 3 x its time on 10 deployments.
- `check` of a rendered k8s_pool project, cold (`--no-cache`): at most 1.0 x `prefect --version`;
  answered from the cache (unchanged project): at most 0.15 x (0.3 s where `prefect --version`
  takes 2 s).
- A rendered serve_vm project's own `uv run pytest`: at most 0.85 x the same tests run under
  Prefect's documented `prefect_test_harness` session fixture (wall time, runs alternated).
- `status --jobs 1` of 25 rendered repositories, unchanged since the last look: CPU per
  repository at most 0.15 x `prefect --version` (0.3 s where it takes 2 s).
Exit 1 when a ratio misses its target.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[1]


def median_seconds(command: list[str], runs: int, cwd: Path | None = None,
                   fresh_destination: bool = False, env: dict[str, str] | None = None) -> float:
    """Median wall time of `command`; with fresh_destination its last word is a new directory."""
    times = []
    for _ in range(runs):
        scratch = Path(tempfile.mkdtemp())
        args = [*command[:-1], str(scratch / "out")] if fresh_destination else command
        start = time.perf_counter()
        subprocess.run(args, cwd=cwd or scratch, check=False, capture_output=True,
                       stdin=subprocess.DEVNULL, env=env)
        times.append(time.perf_counter() - start)
        shutil.rmtree(scratch)
    return statistics.median(times)


def _prefect_yaml(deployments: int) -> str:
    lines = ["name: bench", "prefect-version: 3.4.0", "pull:",
             "  - prefect.deployments.steps.set_working_directory:",
             "      directory: /opt/prefect/bench", "deployments:"]
    for i in range(deployments):
        lines += [f"  - name: d{i}", "    entrypoint: flows/hello.py:hello",
                  "    parameters: {n: 1}",
                  "    work_pool: {name: pool, job_variables: {image: 'x:1'}}"]
    return "\n".join(lines) + "\n"


def _check_project(deployments: int) -> Path:
    project = Path(tempfile.mkdtemp())
    (project / "flows").mkdir()
    (project / "flows" / "hello.py").write_text(
        "from prefect import flow\n\n\n@flow\ndef hello(n: int = 1) -> int:\n    return n\n")
    (project / "prefect.yaml").write_text(_prefect_yaml(deployments))
    return project


def bundled_templates() -> list[str]:
    """Every bundled template: each gets its `new` / `copier copy` row (a test holds us to it)."""
    from prefect_scaffold.catalog.registry import template_names

    return template_names()
def paired_cpu_ratio(command: list[str], baseline: list[str], runs: int,
                     env: dict[str, str] | None = None) -> tuple[float, float]:
    """(median of command/baseline CPU-time ratios, median command CPU seconds), the two run
    alternately: CPU time of the child and pairs taken together keep the ratio steady on a
    machine other jobs share, where wall times of runs minutes apart are not comparable."""
    ratios, seconds = [], []
    for _ in range(runs):
        spent = []
        for args in (command, baseline):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            subprocess.run(args, check=False, capture_output=True, stdin=subprocess.DEVNULL,
                           env=env)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            spent.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        ratios.append(spent[0] / spent[1])
        seconds.append(spent[0])
    return statistics.median(ratios), statistics.median(seconds)


def _check_rendered(scaffold: str, prefect: str, runs: int) -> list[tuple[str, float, float]]:
    """Cold and cached `check` of a freshly rendered k8s_pool project, against the baseline."""
    scratch = Path(tempfile.mkdtemp())
    project = scratch / "project"
    subprocess.run([scaffold, "new", "--template", "k8s_pool", "--defaults", str(project)],
                   check=True, capture_output=True, stdin=subprocess.DEVNULL)
    env = {**os.environ, "PREFECT_SCAFFOLD_CACHE": str(scratch / "cache")}
    command = [scaffold, "check", str(project)]
    subprocess.run(command, env=env, capture_output=True, check=False)  # fill the cache
    baseline = [prefect, "--version"]
    cold, cold_seconds = paired_cpu_ratio([*command, "--no-cache"], baseline, runs, env)
    cached, cached_seconds = paired_cpu_ratio(command, baseline, runs, env)
    shutil.rmtree(scratch)
    print(f"(check of a rendered project, CPU time: cold {cold_seconds:.3f} s, cached "
          f"{cached_seconds:.3f} s)")
    return [("check rendered project, cold / prefect --version (CPU)", cold, 1.0),
            ("check rendered project, cached / prefect --version (CPU)", cached, 0.15)]


def _status_of_many(scaffold: str, prefect: str, runs: int) -> list[tuple[str, float, float]]:
    """`status --jobs 1` over 25 repositories (copies of rendered projects of two templates),
    per repository, against the baseline; the first look fills check's cache."""
    scratch = Path(tempfile.mkdtemp())
    farm = scratch / "repos"
    for name in ("k8s_pool", "serve_vm"):
        subprocess.run([scaffold, "new", "--template", name, "--defaults",
                        str(scratch / name)], check=True, capture_output=True,
                       stdin=subprocess.DEVNULL)
    for i in range(25):
        shutil.copytree(scratch / ("k8s_pool" if i % 2 else "serve_vm"), farm / f"repo-{i:02}",
                        symlinks=True)
    env = {**os.environ, "PREFECT_SCAFFOLD_CACHE": str(scratch / "cache")}
    command = [scaffold, "status", str(farm), "--jobs", "1", "--json"]
    subprocess.run(command, env=env, capture_output=True, check=False)  # fill the cache
    ratio, seconds = paired_cpu_ratio(command, [prefect, "--version"], runs, env)
    shutil.rmtree(scratch)
    print(f"(status of 25 unchanged repositories, one at a time: {seconds / 25:.3f} s CPU each)")
    return [("status, per unchanged repository / prefect --version (CPU)", ratio / 25, 0.15)]


#: The session fixture Prefect's testing guide shows, the baseline for a rendered project's tests
#: (with time to start on a busy machine: the default 30 s can run out while it migrates).
HARNESS_CONFTEST = """\
import pytest
from prefect.testing.utilities import prefect_test_harness


def pytest_configure(config):
    config.addinivalue_line("markers", "prefect_server: runs against the harness's server")


@pytest.fixture(autouse=True, scope="session")
def prefect_test_fixture():
    with prefect_test_harness(server_startup_timeout=120):
        yield
"""


def _rendered_tests(scaffold: str, runs: int) -> list[tuple[str, float, float]]:
    """A rendered serve_vm project's own tests with its conftest.py and with the harness's,
    alternately (wall time: the project's server starts while the tests are collected)."""
    scratch = Path(tempfile.mkdtemp())
    project = scratch / "project"
    subprocess.run([scaffold, "new", "--template", "serve_vm", "--defaults", str(project)],
                   check=True, capture_output=True, stdin=subprocess.DEVNULL)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")
           and k not in ("VIRTUAL_ENV", "PYTHONDONTWRITEBYTECODE", "PYTEST_ADDOPTS")}
    subprocess.run(["uv", "sync", "--quiet"], cwd=project, env=env, check=True)
    conftest = project / "tests" / "conftest.py"
    ours = conftest.read_text()
    command = ["uv", "run", "--quiet", "pytest", "-q"]
    times: dict[str, list[float]] = {"ours": [], "harness": []}
    for run in range(runs + 1):  # the first pair compiles Prefect and keeps the database
        for label, text in (("ours", ours), ("harness", HARNESS_CONFTEST)):
            conftest.write_text(text)
            start = time.perf_counter()
            subprocess.run(command, cwd=project, env=env, check=True, capture_output=True)
            if run:
                times[label].append(time.perf_counter() - start)
    shutil.rmtree(scratch)
    ratios = [a / b for a, b in zip(times["ours"], times["harness"], strict=True)]
    print(f"(rendered serve_vm tests: {statistics.median(times['ours']):.1f} s, with Prefect's "
          f"harness {statistics.median(times['harness']):.1f} s)")
    return [("rendered project's tests / prefect_test_harness (wall)",
             statistics.median(ratios), 0.85)]


def main() -> int:
    parser = argparse.ArgumentParser(description="prefect-scaffold speed targets")
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    scaffold, prefect = str(BIN / "prefect-scaffold"), str(BIN / "prefect")
    copier = str(BIN / "copier")
    results: list[tuple[str, float, float]] = []

    baseline = median_seconds([prefect, "--version"], runs)
    for label, args in [("--help", ["--help"]),
                        ("recommend --json", ["recommend", "--containers", "--serverless",
                                              "--cloud-credentials", "--cloud", "aws", "--json"]),
                        ("tree", ["tree"])]:
        results.append((f"{label} / prefect --version", median_seconds([scaffold, *args], runs)
                        / baseline, 0.15))

    templates = ROOT / "templates"
    for name in bundled_templates():
        # --no-git: like for like, copier makes no repository either
        ours = median_seconds([scaffold, "new", "--template", name, "--defaults", "--no-git",
                               "dest"], runs, fresh_destination=True)
        bare = median_seconds([copier, "copy", "--defaults", "--quiet", str(templates / name),
                               "dest"], runs, fresh_destination=True)
        results.append((f"new --template {name} / copier copy", ours / bare, 1.15))

    has_check = subprocess.run([scaffold, "check", "--help"], capture_output=True).returncode == 0
    if has_check:
        small, large = _check_project(10), _check_project(1000)
        timing = {}
        for label, project in (("10", small), ("1000", large)):
            timing[label] = median_seconds([scaffold, "check", str(project), "--json"],
                                           max(3, runs // 2), cwd=project)
        results.append(("check 1000 deployments / 10", timing["1000"] / timing["10"], 3.0))
        results += _check_rendered(scaffold, prefect, runs)
        results += _status_of_many(scaffold, prefect, runs)
    results += _rendered_tests(scaffold, max(3, runs // 2))

    failed = False
    print(f"{'measure':<58} {'ratio':>7} {'target':>7}")
    for label, ratio, target in results:
        ok = ratio <= target
        failed |= not ok
        print(f"{label:<58} {ratio:>7.3f} {'<=':>3}{target:>4}  {'ok' if ok else 'MISSED'}")
    print(f"(prefect --version baseline: {baseline:.3f} s, {runs} runs each)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
