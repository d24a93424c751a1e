"""A rendered project's linters, run as its README promises: ruff with the project's own
configuration, shellcheck on its scripts (both from this venv, so no network is needed)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.helpers.scripts import SHELLCHECK

RUFF = Path(sys.executable).parent / "ruff"


def ruff_findings(project: Path) -> str:
    """What `ruff check .` reports in the project (its pyproject.toml's rules); "" when clean."""
    result = subprocess.run([str(RUFF), "check", "--no-cache", "--output-format", "concise", "."],
                            cwd=project, capture_output=True, text=True, check=False, timeout=120)
    return "" if result.returncode == 0 else result.stdout + result.stderr


def shellcheck_findings(project: Path) -> str:
    """What shellcheck reports on every shell script of the project; "" when clean."""
    scripts = sorted(str(p) for p in project.rglob("*.sh") if ".venv" not in p.parts)
    if not scripts:
        return ""
    result = subprocess.run([str(SHELLCHECK), "--format", "gcc", *scripts], capture_output=True,
                            text=True, check=False, timeout=120)
    return "" if result.returncode == 0 else result.stdout + result.stderr
