"""Check release artifacts before they are published: the wheel and the sdist of one version,
both carrying every bundled template, with metadata PyPI accepts.

    python scripts/check_dist.py dist/      # exit 1 and one line per problem

Run by .github/workflows/release.yml after `uv build` and by tests/e2e/test_packaging.py.
"""

from __future__ import annotations

import argparse
import re
import sys
import tarfile
import zipfile
from pathlib import Path

from packaging.metadata import InvalidMetadata, Metadata

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"


def _version() -> str:
    source = (ROOT / "src" / "prefect_scaffold" / "_version.py").read_text()
    found = re.search(r'^__version__ = "([^"]+)"$', source, re.MULTILINE)
    assert found, "src/prefect_scaffold/_version.py sets no __version__"
    return found[1]


def _template_files() -> set[str]:
    """Every file of every template, as a path under templates/ (what both artifacts need)."""
    return {p.relative_to(TEMPLATES).as_posix() for p in TEMPLATES.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts}


def _metadata_problems(raw: bytes, artifact: str, version: str) -> list[str]:
    try:
        metadata = Metadata.from_email(raw, validate=True)
    except InvalidMetadata as problem:
        return [f"{artifact}: invalid metadata: {problem}"]
    except ExceptionGroup as problems:
        return [f"{artifact}: invalid metadata: {p}" for p in problems.exceptions]
    found = []
    if str(metadata.version) != version:
        found.append(f"{artifact}: version {metadata.version}, _version.py says {version}")
    if metadata.name != "prefect-scaffold":
        found.append(f"{artifact}: name {metadata.name!r}")
    if not metadata.description or metadata.description_content_type != "text/markdown":
        found.append(f"{artifact}: no markdown long description (PyPI's project page)")
    if not metadata.requires_python:
        found.append(f"{artifact}: no Requires-Python")
    return found


def problems(dist: Path) -> list[str]:
    version, expected = _version(), _template_files()
    wheels = sorted(dist.glob(f"prefect_scaffold-{version}-*.whl"))
    sdists = sorted(dist.glob(f"prefect_scaffold-{version}.tar.gz"))
    if len(wheels) != 1 or len(sdists) != 1:
        return [f"{dist}: expected one wheel and one sdist of {version}, found "
                f"{[p.name for p in dist.iterdir()]}"]
    found: list[str] = []
    with zipfile.ZipFile(wheels[0]) as wheel:
        names = set(wheel.namelist())
        shipped = {n.removeprefix("prefect_scaffold/templates/") for n in names
                   if n.startswith("prefect_scaffold/templates/")}
        found += [f"{wheels[0].name}: lacks templates/{f}" for f in sorted(expected - shipped)]
        found += _metadata_problems(
            wheel.read(f"prefect_scaffold-{version}.dist-info/METADATA"), wheels[0].name, version)
    with tarfile.open(sdists[0]) as sdist:
        top = f"prefect_scaffold-{version}/"
        names = set(sdist.getnames())
        shipped = {n.removeprefix(f"{top}templates/") for n in names
                   if n.startswith(f"{top}templates/")}
        found += [f"{sdists[0].name}: lacks templates/{f}" for f in sorted(expected - shipped)]
        pkg_info = sdist.extractfile(f"{top}PKG-INFO")
        found += (_metadata_problems(pkg_info.read(), sdists[0].name, version) if pkg_info
                  else [f"{sdists[0].name}: no PKG-INFO"])
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dist", type=Path, help="the folder `uv build` wrote")
    found = problems(parser.parse_args(argv).dist)
    for problem in found:
        print(problem, file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
