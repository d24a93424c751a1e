"""Copy the shared template parts in templates/_shared/<part>/ into every template that uses them.

Why copies: copier renders a template from its own root and refuses symlinks and includes that
leave it (ForbiddenPathError), yet `copier copy templates/<name> dest` must work without our CLI.
So each part is written once under templates/_shared/ and mirrored here; a template uses a part by
including its questions (`!include questions/<part>.yml` in its copier.yml). Every mirrored file
starts with a marker naming its original. `--check` (run by the tests) fails when a mirror is stale.

    python scripts/sync_shared_parts.py          # rewrite the mirrors
    python scripts/sync_shared_parts.py --check  # exit 1 and list the stale files
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
SHARED = TEMPLATES / "_shared"
MARKER = "generated from templates/_shared/"
_INCLUDE = re.compile(r"^!include questions/([a-z_]+)\.yml\s*$", re.MULTILINE)


def _header(part: str, relpath: Path) -> str:
    origin = f"{MARKER}{part}/{relpath.as_posix()} by scripts/sync_shared_parts.py: edit that file"
    if relpath.suffix == ".jinja":
        # A Jinja comment with whitespace control renders to nothing, not even a blank line.
        return "{#- " + origin + " -#}\n"
    return f"# {origin}\n"


def expected_mirrors() -> dict[Path, tuple[str, bool]]:
    """Every mirrored file (absolute path) with the content it must have and whether it is
    executable (a script stays runnable in the rendered project)."""
    mirrors: dict[Path, tuple[str, bool]] = {}
    for template in sorted(p for p in TEMPLATES.iterdir() if p.is_dir() and p.name[0] != "_"):
        for part in _INCLUDE.findall((template / "copier.yml").read_text()):
            source_root = SHARED / part
            if not source_root.is_dir():
                raise SystemExit(f"{template.name}/copier.yml includes unknown part {part!r}")
            for source in sorted(p for p in source_root.rglob("*") if p.is_file()):
                relpath = source.relative_to(source_root)
                mirrors[template / relpath] = (_header(part, relpath) + source.read_text(),
                                               os.access(source, os.X_OK))
    return mirrors


def _is_mirror(path: Path) -> bool:
    try:
        return MARKER in path.read_text().split("\n", 1)[0]
    except (UnicodeDecodeError, OSError):
        return False


def stale_files() -> tuple[dict[Path, tuple[str, bool]], list[Path]]:
    """(mirrors to write, mirrors to delete because their original is gone)."""
    mirrors = expected_mirrors()
    to_write = {}
    for path, (content, executable) in mirrors.items():
        if path.exists() and not _is_mirror(path):
            raise SystemExit(f"{path.relative_to(TEMPLATES)} is the template's own file "
                             "but a shared part provides it too: rename one of them")
        if (not path.exists() or path.read_text() != content
                or os.access(path, os.X_OK) != executable):
            to_write[path] = (content, executable)
    to_delete = [
        path for template in TEMPLATES.iterdir() if template.is_dir() and template.name[0] != "_"
        for path in template.rglob("*")
        if path.is_file() and path not in mirrors and _is_mirror(path)
    ]
    return to_write, to_delete


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="report stale mirrors, change nothing")
    args = parser.parse_args(argv)
    to_write, to_delete = stale_files()
    if args.check:
        for path in [*to_write, *to_delete]:
            print(f"stale: {path.relative_to(TEMPLATES.parent)}", file=sys.stderr)
        if to_write or to_delete:
            print("run: python scripts/sync_shared_parts.py", file=sys.stderr)
            return 1
        return 0
    for path, (content, executable) in to_write.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
        path.chmod(0o755 if executable else 0o644)
    for path in to_delete:
        path.unlink()
    print(f"{len(to_write)} written, {len(to_delete)} removed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
