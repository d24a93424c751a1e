"""Read YAML and JSON files keeping the line of every key and value, and find project files."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

Path_ = tuple[str | int, ...]

SKIPPED_DIRS = {".git", ".venv", "venv", "node_modules", "__pycache__", ".tox", "dist", "build",
                ".mypy_cache", ".ruff_cache", ".pytest_cache", ".terraform"}


@dataclass
class Document:
    """A parsed file: its data and the 1-based line of each path (keys and list items)."""

    data: Any
    lines: dict[Path_, int] = field(default_factory=dict)

    def line(self, path: Path_) -> int | None:
        """Line of `path`, or of its nearest ancestor that has one."""
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), 1)


def strings(value: Any, path: Path_ = ()) -> Iterator[tuple[Path_, str]]:
    """Every string inside nested data, with its path (for `{{ ... }}` references)."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from strings(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from strings(item, (*path, index))
    elif isinstance(value, str):
        yield path, value


class SourceError(Exception):
    """The file does not parse; `line` is where the parser stopped."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


def load_yaml(text: str) -> Document:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as problem:
        mark = getattr(problem, "problem_mark", None) or getattr(problem, "context_mark", None)
        what = getattr(problem, "problem", None) or str(problem).splitlines()[0]
        return_line = mark.line + 1 if mark else None
        raise SourceError(f"YAML syntax error: {what}", return_line) from None
    document = Document(data)
    if node is not None:
        document.lines[()] = node.start_mark.line + 1
        _walk(node, (), document.lines, set())
    return document


def load_yaml_documents(text: str) -> list[Document]:
    """Every document of a multi-document YAML stream, lines counted in the whole file."""
    try:
        nodes = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
        datas = list(yaml.safe_load_all(text))
    except yaml.YAMLError as problem:
        mark = getattr(problem, "problem_mark", None) or getattr(problem, "context_mark", None)
        what = getattr(problem, "problem", None) or str(problem).splitlines()[0]
        raise SourceError(f"YAML syntax error: {what}", mark.line + 1 if mark else None) from None
    documents = []
    for node, data in zip(nodes, datas, strict=True):
        document = Document(data)
        if node is not None:
            document.lines[()] = node.start_mark.line + 1
            _walk(node, (), document.lines, set())
        documents.append(document)
    return documents


def _walk(node: yaml.Node, path: Path_, lines: dict[Path_, int], seen: set[int]) -> None:
    if id(node) in seen:  # an alias of an anchor already walked
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                child = (*path, key.value)
                lines.setdefault(child, key.start_mark.line + 1)
                _walk(value, child, lines, seen)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            child = (*path, index)
            lines.setdefault(child, item.start_mark.line + 1)
            _walk(item, child, lines, seen)


def load_json(text: str) -> Document:
    """JSON with lines: JSON is YAML 1.2, and nearly always YAML 1.1, so compose it as YAML."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as problem:
        raise SourceError(f"JSON syntax error: {problem.msg}", problem.lineno) from None
    try:
        document = load_yaml(text)
    except SourceError:  # valid JSON that PyYAML reads differently (tabs): lines unknown
        return Document(data, {(): 1})
    document.data = data
    return document


def load(path: Path) -> Document:
    text = path.read_text(encoding="utf-8", errors="replace")
    return load_json(text) if path.suffix == ".json" else load_yaml(text)


def project_files(root: Path, *suffixes: str, max_bytes: int = 2_000_000) -> Iterator[Path]:
    """Files under `root` with one of `suffixes`, skipping virtualenvs, caches and VCS folders."""
    for entry in sorted(root.iterdir()):
        if entry.is_dir():
            if (entry.name not in SKIPPED_DIRS and not entry.name.startswith(".")) or \
                    entry.name == ".github":
                yield from project_files(entry, *suffixes, max_bytes=max_bytes)
        elif entry.suffix in suffixes and entry.stat().st_size <= max_bytes:
            yield entry


def is_template_string(value: Any) -> bool:
    """A value Prefect fills in at deploy or run time (`{{ ... }}`): not checkable offline."""
    return isinstance(value, str) and "{{" in value
