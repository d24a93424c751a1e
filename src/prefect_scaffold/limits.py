"""Bounded reading of the files users hand us (answers files, team defaults).

Answers are a few lines; a path like /dev/zero, a multi-gigabyte file or a YAML "billion laughs"
(anchors referencing anchors) must be refused quickly, not read until the machine runs out of
memory.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

#: Larger answer files are refused unread: answers are a few lines, /dev/zero is endless.
MAX_FILE_BYTES = 1024 * 1024
#: Values one answers file may expand to; a "billion laughs" file expands to billions.
MAX_NODES = 100_000


def read_capped(path: Path, error: Callable[[Path, str], Exception]) -> str:
    """The text of a small answers file; `error(path, problem)` for anything else."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise error(path, "no such file") from None
    except OSError as problem:
        raise error(path, f"cannot be read ({problem.strerror or problem.__class__.__name__})"
                    ) from None
    if len(data) > MAX_FILE_BYTES:
        raise error(path, f"is larger than {MAX_FILE_BYTES // 1024} KiB")
    try:
        return data.decode()
    except UnicodeDecodeError:
        raise error(path, "is not UTF-8 text") from None


class Unbounded(ValueError):
    """A document that would take unbounded work to load (str() says why)."""


def _expanded_size(node: yaml.Node, memo: dict[int, int], open_nodes: set[int]) -> int:
    """How many nodes `node` becomes once every alias is copied out (as a walk over it sees)."""
    if id(node) in memo:
        return memo[id(node)]
    if id(node) in open_nodes:
        raise Unbounded("an alias refers to a value containing itself")
    open_nodes.add(id(node))
    size = 1
    if isinstance(node, yaml.SequenceNode):
        size += sum(_expanded_size(child, memo, open_nodes) for child in node.value)
    elif isinstance(node, yaml.MappingNode):
        size += sum(_expanded_size(key, memo, open_nodes) + _expanded_size(value, memo, open_nodes)
                    for key, value in node.value)
    open_nodes.discard(id(node))
    memo[id(node)] = size
    return size


def load_yaml(text: str) -> Any:
    """yaml.safe_load, refusing documents whose aliases expand past MAX_NODES (anchor bombs)."""
    loader = yaml.SafeLoader(text)
    try:
        try:
            node = loader.get_single_node()
        except RecursionError:
            raise Unbounded("it is nested too deeply") from None
        if node is None:
            return None
        if _expanded_size(node, {}, set()) > MAX_NODES:
            raise Unbounded(f"its aliases expand to more than {MAX_NODES} values")
        return loader.construct_document(node)
    finally:
        loader.dispose()
