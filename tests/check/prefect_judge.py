"""Prefect 3.9's own code as the judge of what `prefect deploy` makes of a prefect.yaml."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any


def prefect_loads(prefect_file: Path) -> tuple[list[dict[str, Any]], str]:
    """The deployment configs `prefect deploy --prefect-file` reads, and what it printed."""
    from prefect.cli.deploy._config import _load_deploy_configs_and_actions
    from rich.console import Console

    output = io.StringIO()
    configs, _ = _load_deploy_configs_and_actions(prefect_file, console=Console(file=output))
    return configs, output.getvalue()
