"""What a container really runs: the image's ENTRYPOINT and CMD (kept here as data, with where they
come from) combined with a platform's overrides, then what Prefect's entrypoint script does.

No Docker daemon is needed: the images' start commands are read from Prefect's own build files and
the override rules are those every runtime the templates use shares (Docker, ECS, Kubernetes,
Cloud Run, ACI): a new entrypoint drops the image's CMD; new args alone keep the ENTRYPOINT.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

#: The script Prefect's images start through; it installs EXTRA_PIP_PACKAGES, then `exec "$@"`
#: (PrefectHQ/prefect scripts/entrypoint.sh: `uv pip install --system $EXTRA_PIP_PACKAGES`).
PREFECT_ENTRYPOINT_SCRIPT = "/opt/prefect/entrypoint.sh"


@dataclass(frozen=True)
class Image:
    """An image family's start command and the packages built into it."""

    entrypoint: tuple[str, ...]
    cmd: tuple[str, ...]
    baked_in: frozenset[str] = field(default_factory=frozenset)
    source: str = ""


# PrefectHQ/prefect Dockerfile, final stage (read at commit 0235a561c4010cf0):
# `ENTRYPOINT ["/usr/bin/tini", "-g", "--", "/opt/prefect/entrypoint.sh"]` and no CMD (setting
# ENTRYPOINT resets the CMD of the python:slim base image).
_PREFECT = Image(("/usr/bin/tini", "-g", "--", PREFECT_ENTRYPOINT_SCRIPT), (),
                 source="PrefectHQ/prefect/Dockerfile (ENTRYPOINT, final stage)")

#: Image repositories -> (tag suffix -> image). Tags are matched by suffix, so a pinned tag
#: (3.9.1-python3.12-kubernetes) and a moving one (3-python3.12) resolve alike.
IMAGES: dict[str, dict[str, Image]] = {
    "prefecthq/prefect": {
        # .github/workflows/docker-images.yaml builds the "-kubernetes" flavor with the build arg
        # EXTRA_PIP_PACKAGES=prefect-kubernetes, installed at build time by the Dockerfile.
        "-kubernetes": Image(_PREFECT.entrypoint, _PREFECT.cmd, frozenset({"prefect-kubernetes"}),
                             "PrefectHQ/prefect/.github/workflows/docker-images.yaml (flavor)"),
        "": _PREFECT,
    },
    # src/integrations/prefect-aws/Dockerfile: FROM prefecthq/prefect (same ENTRYPOINT), then
    # `uv pip install prefect==... prefect-aws==...`.
    "prefecthq/prefect-aws": {
        "": Image(_PREFECT.entrypoint, _PREFECT.cmd, frozenset({"prefect-aws"}),
                  "PrefectHQ/prefect/src/integrations/prefect-aws/Dockerfile"),
    },
}


def image(reference: str) -> Image:
    """The known image a reference (docker.io/prefecthq/prefect:3-python3.12, ...) names."""
    name, _, tag = reference.rpartition(":") if ":" in reference.split("/")[-1] else (
        reference, "", "latest")
    name = re.sub(r"^(docker\.io/|index\.docker\.io/)", "", name)
    flavors = IMAGES.get(name)
    if flavors is None:
        raise KeyError(f"no start command known for image {reference!r}: add it to IMAGES")
    return next(img for suffix, img in sorted(flavors.items(), key=lambda kv: -len(kv[0]))
                if tag.endswith(suffix))


def effective_argv(img: Image, entrypoint: list[str] | None, args: list[str] | None) -> list[str]:
    """What the container executes. `entrypoint`/`args` are the platform's overrides (None: not
    set): a new entrypoint drops the image's CMD; args alone replace only the CMD."""
    if entrypoint:
        return [*entrypoint, *(args or [])]
    return [*img.entrypoint, *(img.cmd if args is None else args)]


@dataclass(frozen=True)
class Started:
    """The process a container ends up running, and what was installed before it started."""

    argv: list[str]
    installed: frozenset[str]


def _requirement_name(requirement: str) -> str:
    """prefect-gcp[aiplatform]>=0.6 -> prefect-gcp (extras kept apart by `extras`)."""
    return re.split(r"[\[<>=!~; ]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def extras(requirement: str) -> set[str]:
    found = re.search(r"\[([^\]]*)\]", requirement)
    return {e.strip() for e in found.group(1).split(",")} if found else set()


def start(img: Image, argv: list[str], env: dict[str, str]) -> Started:
    """Follow `argv` through tini and Prefect's entrypoint script to the process that runs."""
    installed = set(img.baked_in)
    rest = list(argv)
    if rest[:1] == ["/usr/bin/tini"]:
        rest = rest[rest.index("--") + 1:] if "--" in rest else rest[1:]
    if rest[:1] == [PREFECT_ENTRYPOINT_SCRIPT]:
        rest = rest[1:]
        installed |= set(env.get("EXTRA_PIP_PACKAGES", "").split())
    return Started(rest, frozenset(installed))


def installed_names(started: Started) -> set[str]:
    return {_requirement_name(r) for r in started.installed}


def worker_packages() -> dict[str, str]:
    """Worker type -> the package that provides it, from Prefect's own worker metadata."""
    import prefect

    path = (Path(prefect.__file__).parent / "server" / "api" / "collections_data" / "views"
            / "aggregate-worker-metadata.json")
    metadata = json.loads(path.read_text())
    return {worker["type"]: collection for collection, workers in metadata.items()
            for worker in workers.values()}


def option(argv: list[str], name: str) -> str | None:
    return argv[argv.index(name) + 1] if name in argv else None


def worker_problems(started: Started, *, pool: str, pool_type: str,
                    needed_extras: set[str] = frozenset()) -> list[str]:
    """Why the started process is not a worker of `pool_type` polling `pool` that can run."""
    problems = []
    argv = started.argv
    if argv[:3] != ["prefect", "worker", "start"]:
        problems.append(f"runs {argv[:3]}, not prefect worker start")
    if option(argv, "--pool") != pool:
        problems.append(f"--pool {option(argv, '--pool')!r}, not {pool!r}")
    if option(argv, "--type") != pool_type:
        problems.append(f"--type {option(argv, '--type')!r}, not {pool_type!r}")
    package = worker_packages()[pool_type]
    if package != "prefect" and package not in installed_names(started):
        problems.append(f"{package} (the {pool_type} worker) is neither baked in nor installed: "
                        f"installed {sorted(started.installed)}")
    present = set().union(*(extras(r) for r in started.installed
                            if _requirement_name(r) == package)) if started.installed else set()
    if needed_extras - present:
        problems.append(f"{package} lacks the extras {sorted(needed_extras - present)}")
    return problems
