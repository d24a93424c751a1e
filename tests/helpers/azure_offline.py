"""Azure stand-ins: the Azure SDK's container instance models and the real az CLI, offline.

No Azure account exists here, so ARM request bodies are checked against the models the Azure SDK
sends requests with, and `az` commands are parsed by the real CLI with no login and no network: a
usage error exits 2 before any request; a command that parses stops at "Please run 'az login'".
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any

#: ARM envelope keys of a resource that are not part of the container group model's body.
_ARM_ENVELOPE = {"type", "apiVersion", "name", "dependsOn", "comments", "condition", "copy"}


def container_group_problems(resource: dict[str, Any]) -> list[str]:
    """What the Azure SDK's ContainerGroup model finds wrong in an ARM container group resource.

    The SDK (azure-mgmt-containerinstance) no longer checks required properties on serialize, so
    the required flags of its models are walked here; a property the model does not know is
    dropped by a deserialize/serialize round trip, and reported.
    """
    from azure.mgmt.containerinstance.models import ContainerGroup

    if resource.get("type") != "Microsoft.ContainerInstance/containerGroups":
        return [f"not a container group: type {resource.get('type')!r}"]
    body = {k: v for k, v in resource.items() if k not in _ARM_ENVELOPE}
    try:
        model = ContainerGroup.deserialize(body)
    except Exception as error:  # the SDK's DeserializationError names the bad value
        return [f"does not deserialize: {error}"]
    problems = _missing_required(model, "")
    problems += [f"unknown property {path}" for path in _dropped(body, model.serialize(), "")]
    return problems


def _missing_required(model: Any, path: str) -> list[str]:
    from azure.mgmt.containerinstance._serialization import Model

    problems = []
    for attribute, rules in model._validation.items():
        if rules.get("required") and getattr(model, attribute, None) is None:
            problems.append(f"missing required {path}{attribute}")
    for attribute in model._attribute_map:
        value = getattr(model, attribute, None)
        for index, item in enumerate(value if isinstance(value, list) else [value]):
            if isinstance(item, Model):
                problems += _missing_required(item, f"{path}{attribute}[{index}].")
    return problems


def _dropped(sent: Any, kept: Any, path: str) -> list[str]:
    """Keys in `sent` that the serialization lost (ARM keys are case-insensitive)."""
    if isinstance(sent, dict) and isinstance(kept, dict):
        lowered = {str(k).lower(): v for k, v in kept.items()}
        lost = []
        for key, value in sent.items():
            if str(key).lower() not in lowered:
                lost.append(f"{path}{key}")
            else:
                lost += _dropped(value, lowered[str(key).lower()], f"{path}{key}.")
        return lost
    if isinstance(sent, list) and isinstance(kept, list):
        return [p for a, b in zip(sent, kept, strict=False) for p in _dropped(a, b, path)]
    return []


def dry_run_commands(output: str) -> list[list[str]]:
    """The commands a rendered script's --dry-run printed (`+ cmd args...` lines)."""
    return [shlex.split(line[2:]) for line in output.splitlines() if line.startswith("+ ")]


def az_environment(config_dir: Path) -> dict[str, str]:
    """az with a private, logged-out profile and every request sent to a closed port."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AZURE_", "ARM_"))}
    env.update({
        "AZURE_CONFIG_DIR": str(config_dir),
        "AZURE_CORE_COLLECT_TELEMETRY": "false",
        "AZURE_CORE_NO_COLOR": "true",
        "HTTPS_PROXY": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9", "NO_PROXY": "",
    })
    return env


def az_parse(commands: list[list[str]], cwd: Path, config_dir: Path) -> list[tuple[str, str]]:
    """Run each `az args...` logged out; per command ("parsed" | "usage" | "broken-cli" | "other",
    output). Exit 2 is a usage error; reaching "az login" (or Docker, for `acr login`) means az
    accepted the command line and stopped where it needed an account.
    """
    az = Path(shutil.which("az") or "az")
    shebang = az.read_text(errors="ignore").split("\n", 1)[0] if az.is_file() else ""
    if not (shebang.startswith("#!") and "python" in shebang):
        raise RuntimeError(f"{az} is not the Python az script (PyPI azure-cli) the tests use")
    # -I: not this folder on sys.path (or PYTHON* variables): only az's own packages.
    driver = Path(__file__).with_name("az_driver.py")
    result = subprocess.run([shebang[2:].strip(), "-I", str(driver)],
                            input=json.dumps(commands), cwd=cwd, env=az_environment(config_dir),
                            capture_output=True, text=True, timeout=600, check=True)
    return [(_verdict(r["code"], r["output"]), r["output"]) for r in json.loads(result.stdout)]


def _verdict(code: int, output: str) -> str:
    if code == 2:
        return "usage"
    if "az login" in output or "DOCKER_COMMAND_ERROR" in output:
        return "parsed"
    # Debian's azure-cli 2.45 package lacks the Key Vault data-plane SDK (azure.keyvault.v7_0),
    # so it cannot even load `az keyvault secret ...`; PyPI's azure-cli (what .ci/run installs) can.
    if "No module named 'azure.keyvault." in output:
        return "broken-cli"
    return "other"
