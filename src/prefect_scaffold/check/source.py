"""Read project files as text and parse YAML and JSON, keeping the line of every key and value."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .files import MAX_FILE_BYTES, is_inside

Path_ = tuple[str | int, ...]

#: Bounds on what `check` parses, so a hostile or broken repository cannot exhaust time or memory
#: (the README states them; files.py bounds what is read).
MAX_DEPTH = 64  #: nesting of YAML/JSON collections; real prefect.yaml files stay under 15
MAX_NODES = 1_000_000  #: values after alias expansion (a "billion laughs" file expands to 10^9)


@dataclass
class Document:
    """A parsed file: its data and the 1-based line of each path (keys and list items).

    `aliases` maps the path of a YAML alias (or of a key merged with `<<:`) to the path of its
    anchor, so a finding inside anchored content is placed at the anchor, once.
    """

    data: Any
    lines: dict[Path_, int] = field(default_factory=dict)
    aliases: dict[Path_, Path_] = field(default_factory=dict)

    def anchor_path(self, path: Path_) -> Path_:
        """`path` with every alias on the way replaced by its anchor's path."""
        path = tuple(path)
        for _ in range(MAX_DEPTH):
            for n in range(len(path), 0, -1):
                if path[:n] in self.aliases:
                    path = self.aliases[path[:n]] + path[n:]
                    break
            else:
                return path
        return path

    def line(self, path: Path_) -> int | None:
        """Line of `path` (at its anchor when aliased), or of its nearest ancestor that has one."""
        path = self.anchor_path(path) if self.aliases else tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), 1)

    def shared_lines(self) -> set[int]:
        """Lines inside anchored content that aliases repeat: findings there are reported once."""
        anchors = set(self.aliases.values())
        return {line for path, line in self.lines.items()
                if any(path[:len(a)] == a for a in anchors)}


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
    """The file cannot be read or does not parse; `line` is where the parser stopped."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


def read_text(path: Path, root: Path | None = None) -> str:
    """A project file as text; SourceError for what is not a small UTF-8 text file in `root`."""
    if root is not None and not is_inside(path, root):
        raise SourceError("a symlink to outside the project; not read", None)
    if path.is_dir():
        raise SourceError("a directory, not a file", None)
    if not path.is_file():  # a FIFO or device would block or never end
        raise SourceError("not a regular file", None)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise SourceError(f"{size / 2**20:.1f} MiB; check reads files up to "
                              f"{MAX_FILE_BYTES // 2**20} MiB", None)
        raw = path.read_bytes()
    except OSError as problem:
        raise SourceError(f"cannot be read: {problem.strerror or problem}", None) from None
    if b"\0" in raw:
        raise SourceError("a binary file (it contains NUL bytes), not text", None)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as problem:
        line = raw[:problem.start].count(b"\n") + 1
        raise SourceError(f"not valid UTF-8 (byte {problem.start})", line) from None


def _yaml_error(problem: yaml.YAMLError) -> SourceError:
    mark = getattr(problem, "problem_mark", None) or getattr(problem, "context_mark", None)
    what = getattr(problem, "problem", None) or str(problem).splitlines()[0]
    return SourceError(f"YAML syntax error: {what}", mark.line + 1 if mark else None)


def _documents(text: str, single: bool) -> list[Document]:
    """Compose once (libyaml when present), bound the graph, then construct from the nodes."""
    loader_class = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    loader = loader_class(text)
    documents = []
    try:
        nodes = [loader.get_single_node()] if single else []
        while not single and loader.check_node():
            nodes.append(loader.get_node())
        for node in nodes:
            document = Document(None)
            if node is not None:
                document.lines[()] = node.start_mark.line + 1
                _walk(node, document)
                if document.aliases:  # only aliases can make the data larger than the text
                    _bound(node)
                document.data = loader.construct_document(node)
            documents.append(document)
    except yaml.YAMLError as problem:
        raise _yaml_error(problem) from None
    except (ValueError, TypeError, OverflowError) as problem:  # `2024-99-99`, a 5,000-digit int
        raise SourceError(f"YAML value error: {str(problem).splitlines()[0][:120]}", None) \
            from None
    except RecursionError:
        raise SourceError(f"nested more than {MAX_DEPTH} levels deep", None) from None
    finally:
        loader.dispose()
    return documents


def load_yaml(text: str) -> Document:
    return _documents(text, single=True)[0]


def load_yaml_documents(text: str) -> list[Document]:
    """Every document of a multi-document YAML stream, lines counted in the whole file."""
    return _documents(text, single=False)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _bound(root: yaml.Node) -> None:
    """Refuse nesting past MAX_DEPTH and alias expansion past MAX_NODES, counting each node once.

    Sizes and depths are memoised per node, so an alias bomb is measured, not expanded, and the
    walk is iterative, so depth is bounded by MAX_DEPTH rather than Python's recursion limit.
    """
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    open_: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if id(node) in size:
            continue
        children = _children(node)
        if not children_done:
            open_.add(id(node))
            stack.append((node, True))
            for child in children:
                if id(child) in open_:
                    raise SourceError("a YAML alias refers to its own anchor (a cycle); not read",
                                      child.start_mark.line + 1)
                if id(child) not in size:
                    stack.append((child, False))
            continue
        open_.discard(id(node))
        size[id(node)] = 1 + sum(size[id(c)] for c in children)
        depth[id(node)] = 1 + max((depth[id(c)] for c in children), default=0)
        if size[id(node)] > MAX_NODES:
            raise SourceError(f"YAML aliases expand to more than {MAX_NODES:,} values (an alias "
                              "bomb?); not read", node.start_mark.line + 1)
        if depth[id(node)] > MAX_DEPTH:
            raise SourceError(f"nested more than {MAX_DEPTH} levels deep; not read",
                              node.start_mark.line + 1)


def _walk(root: yaml.Node, document: Document) -> None:
    """Record the line of every path in document order, and each alias's anchor path; refuse
    nesting past MAX_DEPTH (aliases are not entered: `_bound` measures what they add)."""
    lines, first = document.lines, {}  # type: dict[Path_, int], dict[int, Path_]
    stack: list[tuple[yaml.Node, Path_]] = [(root, ())]
    while stack:
        node, path = stack.pop()
        if len(path) > MAX_DEPTH:
            raise SourceError(f"nested more than {MAX_DEPTH} levels deep; not read",
                              node.start_mark.line + 1)
        if id(node) in first:  # an alias: its anchor was walked at first[id]
            document.aliases.setdefault(path, first[id(node)])
            continue
        first[id(node)] = path
        children: list[tuple[yaml.Node, Path_]] = []
        if isinstance(node, yaml.MappingNode):
            merged: list[yaml.Node] = []
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.tag == "tag:yaml.org,2002:merge":
                    merged += value.value if isinstance(value, yaml.SequenceNode) else [value]
                elif isinstance(key, yaml.ScalarNode):
                    child = (*path, key.value)
                    lines.setdefault(child, key.start_mark.line + 1)
                    children.append((value, child))
            for source in merged:  # `<<: *defaults`: keys at this path, lines at the anchor
                if id(source) in first and isinstance(source, yaml.MappingNode):
                    for key, _ in source.value:
                        if isinstance(key, yaml.ScalarNode) and (*path, key.value) not in lines:
                            document.aliases.setdefault((*path, key.value),
                                                        (*first[id(source)], key.value))
                else:
                    children.append((source, path))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                child = (*path, index)
                lines.setdefault(child, item.start_mark.line + 1)
                children.append((item, child))
        stack.extend(reversed(children))  # pop in document order: anchors before their aliases


def load_json(text: str) -> Document:
    """JSON with lines: JSON is YAML 1.2, and nearly always YAML 1.1, so compose it as YAML."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as problem:
        raise SourceError(f"JSON syntax error: {problem.msg}", problem.lineno) from None
    except ValueError as problem:  # a 5,000-digit number
        raise SourceError(f"JSON value error: {str(problem)[:120]}", None) from None
    except RecursionError:
        raise SourceError(f"nested more than {MAX_DEPTH} levels deep", None) from None
    try:
        document = load_yaml(text)
    except SourceError:  # valid JSON that PyYAML reads differently (tabs): lines unknown
        if _depth(data) > MAX_DEPTH:
            raise SourceError(f"nested more than {MAX_DEPTH} levels deep", None) from None
        return Document(data, {(): 1})
    document.data = data
    return document


def _depth(value: Any) -> int:
    depth, level = 0, [value]
    while level and depth <= MAX_DEPTH:
        depth += 1
        level = [c for v in level for c in (v.values() if isinstance(v, dict) else
                                             v if isinstance(v, list) else [])]
    return depth


def is_template_string(value: Any) -> bool:
    """A value Prefect fills in at deploy or run time (`{{ ... }}`): not checkable offline."""
    return isinstance(value, str) and "{{" in value
