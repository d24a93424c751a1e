"""Placeholders a user must replace, still in the project: the example AWS account, the all-zero
Prefect Cloud IDs, the example organization, URL and Google Cloud project our templates default to.

Which answers are placeholders is read from the answers file (`.copier-answers.yml`); each file
that still uses one gets one warning, at its first line outside comments. Tests are skipped: they
use example values on purpose.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from .files import project_files
from .report import Finding
from .source import SourceError, load_yaml, read_text

ANSWERS_FILE = ".copier-answers.yml"
#: Marker in an answer -> what it is, as the warning names it.
PLACEHOLDERS = {
    "123456789012": "the example AWS account ID",
    "00000000-0000-0000-0000-000000000000": "an all-zero Prefect Cloud ID",
    "your-org": "the example organization",
    "example.com": "an example URL",
    "my-gcp-project": "the example Google Cloud project",
}
_SCANNED = (".yaml", ".yml", ".json", ".sh", ".toml", ".py", ".env")
_COMMENT = re.compile(r"^\s*(#|//)")


def placeholder_answers(root: Path) -> dict[str, tuple[list[str], str]]:
    """Answers still holding a placeholder: value -> (the keys holding it, what it is)."""
    try:  # bounded like every file check reads: size, binary, aliases, depth
        answers: Any = load_yaml(read_text(root / ANSWERS_FILE, root)).data
    except SourceError:
        return {}
    if not isinstance(answers, dict):
        return {}
    found: dict[str, tuple[list[str], str]] = {}
    for key, value in answers.items():
        if isinstance(value, str) and not str(key).startswith("_"):
            what = next((w for marker, w in PLACEHOLDERS.items() if marker in value), None)
            if what:
                found.setdefault(value, ([], what))[0].append(str(key))
    return found


def _first_use(text: str, value: str) -> int | None:
    for number, line in enumerate(text.splitlines(), start=1):
        if value in line and not _COMMENT.match(line):
            return number
    return None


def check_placeholders(root: Path, shown: Callable[[Path | str], str]) -> Iterator[Finding]:
    """One warning per file and placeholder value it still uses (the answers file, the record
    of what was rendered, is not warned about)."""
    answers = placeholder_answers(root)
    if not answers:
        return
    for path in project_files(root, *_SCANNED):
        relative = path.relative_to(root)
        if relative.parts[0] == "tests" or relative == Path(ANSWERS_FILE):
            continue
        try:
            text = read_text(path, root)
        except SourceError:
            continue  # reported by the check that owns the file, if any
        for value, (keys, what) in answers.items():
            line = _first_use(text, value)
            if line is not None:
                given = " ".join(f"--data {key}=<yours>" for key in keys)
                yield Finding(shown(relative), line, "placeholder", "warning",
                              f"{value!r} is {what} ({', '.join(keys)} in {ANSWERS_FILE}): "
                              f"replace it with yours here, or render again with {given}")
