"""The one version source: read by the build (hatch), the package and the answers files it writes.

A module of its own that imports nothing of ours, so any stage can read the version without
importing the package's public API (and with it every stage).
"""

__version__ = "0.1.0"
