"""prefect-scaffold: pick the right Prefect deployment pattern and render a starter repository."""

from .decision_tree import TREE
from .recommend import Recommendation, recommend

__version__ = "0.1.0"

__all__ = ["TREE", "Recommendation", "__version__", "recommend"]
