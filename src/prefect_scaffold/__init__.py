"""prefect-scaffold: pick the right Prefect deployment pattern and render a starter repository.

The public API: `recommend` (walk the decision tree), `new` (choose, answer and render),
`render` (render a template source with given answers), `check` (validate a Prefect project) and
`update` (bring a rendered project to its template's current version). None of them imports
copier or prefect until called.
"""

from .check import check
from .decision_tree import TREE
from .recommend import Recommendation, recommend
from .render import render
from .scaffold import new
from .update import update

__version__ = "0.1.0"

__all__ = ["TREE", "Recommendation", "__version__", "check", "new", "recommend", "render",
           "update"]
