"""The one output channel: data (JSON, file lists) to stdout, everything else to stderr."""

from __future__ import annotations

import json
import sys
from typing import Any


def data(text: str) -> None:
    print(text, file=sys.stdout)


def data_json(value: Any) -> None:
    print(json.dumps(value, indent=2), file=sys.stdout)


def info(text: str = "") -> None:
    print(text, file=sys.stderr)


def error(text: str) -> None:
    print(f"error: {text}", file=sys.stderr)
