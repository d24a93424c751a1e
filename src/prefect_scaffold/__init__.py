"""prefect-scaffold: pick the right Prefect deployment pattern and render a starter repository.

The public API: `recommend` (walk the decision tree), `new` (choose, answer and render),
`render` (render a template source with given answers), `check` (validate a Prefect project) and
`update` (bring a rendered project to its template's current version). None of them imports
copier or prefect until called.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._version import __version__
from .check import check  # eager: the `check` subpackage would otherwise shadow the function

if TYPE_CHECKING:
    from .day2.update import update
    from .scaffold import new
    from .tree.decision_tree import TREE
    from .tree.recommend import Recommendation, recommend
    from .writing.render import render

#: The rest of the API, imported on first use: `check` and the CLI's other commands need none
#: of it (update, render and the scaffolder pull in git, YAML writing and the catalog).
_LAZY = {"update": ".day2.update", "new": ".scaffold", "TREE": ".tree.decision_tree",
         "Recommendation": ".tree.recommend", "recommend": ".tree.recommend",
         "render": ".writing.render"}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(_LAZY[name], __name__), name)
    globals()[name] = value
    return value


__all__ = ["TREE", "Recommendation", "__version__", "check", "new", "recommend", "render",
           "update"]
