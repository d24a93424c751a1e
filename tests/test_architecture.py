"""The package's folders are stages, and imports only point down them (ARCHITECTURE.md).

A module may import its own stage and the stages below it, never one above: otherwise the
folders stop telling which code stands on which, and a change low down can pull the whole CLI
into an import.
In-function (lazy) imports count too: they are the same dependency, paid later.
"""

from __future__ import annotations

import ast
from pathlib import Path

import prefect_scaffold

PACKAGE = Path(prefect_scaffold.__file__).parent

# Lowest first. Top-level modules not named here are the commands' edge (rank of "commands").
STAGES = [
    ("base", {"_version", "_console", "errors", "secrets", "limits", "project_files",
               "hardened_git", "startup_signals"}),
    ("tree", {"tree"}),
    ("catalog", {"catalog"}),
    ("answers", {"answers"}),
    ("writing", {"writing"}),
    ("check", {"check"}),
    ("day2", {"day2"}),
    ("commands", {"scaffold", "_cli", "__init__", "__main__"}),
]
RANK = {name: rank for rank, (_, names) in enumerate(STAGES) for name in names}


def _stage(dotted: str) -> int:
    """Rank of a module given as its path under prefect_scaffold (e.g. "day2.update")."""
    head = dotted.split(".")[0]
    if head not in RANK:
        raise AssertionError(f"{dotted}: in no stage; add it to STAGES and ARCHITECTURE.md")
    return RANK[head]


def _imports(path: Path, module: str) -> set[str]:
    """Our modules that `module` (dotted, package-relative) imports, anywhere in its body."""
    package = module.split(".")[:-1] if path.name != "__init__.py" else module.split(".")
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = [*base, *(node.module.split(".") if node.module else [])]
            elif node.module and node.module.split(".")[0] == "prefect_scaffold":
                target = node.module.split(".")[1:]
            else:
                continue
            if not target:  # `from prefect_scaffold import x` names submodules or the API
                target = [node.names[0].name]
            found.add(".".join(target))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "prefect_scaffold" and len(parts) > 1:
                    found.add(".".join(parts[1:]))
    return found


def _modules() -> dict[str, Path]:
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        if "templates" in path.relative_to(PACKAGE).parts:
            continue  # the bundled copier templates, not our code
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        modules[".".join(parts) if parts[-1] != "__init__" or len(parts) == 1 else
                ".".join(parts[:-1])] = path
    return modules


def test_every_module_belongs_to_a_stage() -> None:
    for module in _modules():
        _stage(module)


def test_no_import_points_up_a_stage() -> None:
    upward = []
    for module, path in _modules().items():
        for target in _imports(path, module):
            if _stage(target) > _stage(module):
                upward.append(f"{module} -> {target}")
    assert upward == []


def test_the_checker_sees_lazy_and_relative_imports(tmp_path: Path) -> None:
    source = tmp_path / "m.py"
    source.write_text("from ..day2 import update\ndef f():\n    from .history import x\n")
    assert _imports(source, "writing.render") == {"day2", "writing.history"}
