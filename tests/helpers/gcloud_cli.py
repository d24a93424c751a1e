"""Shell scripts that drive `gcloud`, checked without a Google account or network.

`record` runs a script with stand-ins for gcloud, uv and docker first on PATH: each logs its
arguments (as bash expanded them) and answers "exists" or "not found" to describe/inspect calls.
`parse_failures` hands every recorded gcloud command to the real gcloud's own parser, in one
process of gcloud's Python: a usage error (exit 2, unknown flag, bad enum value, missing argument)
is a failure; "no active account", which gcloud says only after parsing, is the expected end.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.helpers.recorded_commands import locked_append

# A bash stand-in (thousands of Python starts would cost minutes on a busy machine). Each call
# appends its tool name and arguments, NUL-separated, then a newline.
_STUB = r"""#!/bin/bash
""" + locked_append('"$STUB_LOG"', r"""printf '%s\0' "${0##*/}" "$@"; printf '\n'""") + r"""
case "${0##*/} $*" in
  # The project and the secret are the user's: they exist before provisioning and after teardown.
  "gcloud projects describe"* | "gcloud secrets describe"*) exit 0 ;;
  "gcloud "*" describe "* | "uv "*" inspect "*) [ "$STUB_EXISTING" = 1 ] ;;
  *"scripts/base_job_template.py"*) echo "{}" ;;
esac
"""


def record(script: Path, workdir: Path, *, existing: bool,
           env: dict[str, str] | None = None) -> list[list[str]]:
    """Every gcloud, uv and docker command `script` runs, as [tool, *args]."""
    stubs = workdir / "stub-bin"
    stubs.mkdir(parents=True, exist_ok=True)
    for tool in ("gcloud", "uv", "docker"):
        stub = stubs / tool
        stub.write_text(_STUB)
        stub.chmod(0o755)
    log = workdir / f"{script.stem}.log"
    log.unlink(missing_ok=True)
    run_env = {"PATH": f"{stubs}:/usr/bin:/bin", "HOME": str(workdir), "STUB_LOG": str(log),
               "STUB_EXISTING": "1" if existing else "0", **(env or {})}
    result = subprocess.run(["/bin/bash", str(script)], env=run_env, capture_output=True,
                            text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    return [call.split("\0") for call in log.read_text().split("\0\n") if call]


def gcloud_python() -> tuple[Path, Path] | None:
    """(python, sdk root) of the installed gcloud, or None when gcloud is not installed."""
    found = shutil.which("gcloud")
    if not found:
        return None
    root = Path(found).resolve().parent.parent
    bundled = root / "platform" / "bundledpythonunix" / "bin" / "python3"
    python = bundled if bundled.is_file() else Path(os.environ.get("CLOUDSDK_PYTHON", "python3"))
    return python, root


_DRIVER = r"""
import json, os, sys, tempfile
root = sys.argv[1]
sys.path[:0] = [os.path.join(root, "lib"), os.path.join(root, "lib", "third_party")]
from googlecloudsdk import gcloud_main
cli = gcloud_main.CreateCLI([])
results = []
for argv in json.load(sys.stdin):
    with tempfile.TemporaryFile("w+") as err:
        saved = os.dup(2)
        os.dup2(err.fileno(), 2)
        try:
            cli.Execute(argv)
            code = 0
        except SystemExit as exit_:
            code = exit_.code
        except BaseException as crash:  # gcloud "crashed": e.g. a value its enum does not have
            code = "crash: " + repr(crash)
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
        err.seek(0)
        results.append({"argv": argv, "code": code, "stderr": err.read()})
print(json.dumps(results))
"""

#: What gcloud says after it parsed a command and went for credentials: the expected end here.
NO_ACCOUNT = "You do not currently have an active account selected"


def parse_failures(commands: list[list[str]]) -> dict[str, str]:
    """For each gcloud command (args after `gcloud`) the real gcloud rejects: why."""
    found = gcloud_python()
    assert found, "gcloud is not installed"
    python, root = found
    with tempfile.TemporaryDirectory() as config:
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": config,
               "CLOUDSDK_CONFIG": config, "CLOUDSDK_CORE_DISABLE_PROMPTS": "1",
               "CLOUDSDK_CORE_CHECK_GCE_METADATA": "false",
               "CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK": "true",
               "CLOUDSDK_CORE_DISABLE_USAGE_REPORTING": "true",
               # No credentials anywhere, and nowhere to send a request if one were made.
               "HTTPS_PROXY": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9",
               "NO_GCE_CHECK": "True"}
        result = subprocess.run([str(python), "-S", "-c", _DRIVER, str(root)],
                                input=json.dumps(commands), env=env, capture_output=True,
                                text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    failures = {}
    for item in json.loads(result.stdout.splitlines()[-1]):
        accepted = item["code"] == 0 or (item["code"] == 1 and NO_ACCOUNT in item["stderr"])
        if not accepted:
            message = item["stderr"].strip().splitlines()[:1] or [str(item["code"])]
            failures[" ".join(item["argv"])] = f"exit {item['code']}: {message[0]}"
    return failures
