"""prefect-scaffold: pick the right Prefect deployment pattern and render a starter repository.

The public API: `recommend` (walk the decision tree), `new` (choose, answer and render),
`render` (render a template source with given answers), `check` (validate a Prefect project) and
`update` (bring a rendered project to its template's current version). None of them imports
copier or prefect until called.
"""

from ._version import __version__
from .check import check
from .day2.update import update
from .scaffold import new
from .tree.decision_tree import TREE
from .tree.recommend import Recommendation, recommend
from .writing.render import render

__all__ = ["TREE", "Recommendation", "__version__", "check", "new", "recommend", "render",
           "update"]
