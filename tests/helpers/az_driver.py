"""Run az commands in one az process (run by az's own Python, not by the tests' venv).

Reads a JSON list of argument lists on stdin, writes [{"code", "output"}, ...] on stdout. One
process instead of one per command: az spends ~3 s importing itself each time it starts.
"""

import contextlib
import io
import json
import logging
import sys

from azure.cli.core import get_default_cli


class _Capture(logging.Handler):
    """az reports errors through logging, set up once per process: collect them per command."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def main() -> None:
    results = []
    for args in json.load(sys.stdin):
        output, capture = io.StringIO(), _Capture()
        loggers = [logging.getLogger(), logging.getLogger("cli")]
        for logger in loggers:
            logger.addHandler(capture)
        with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
            try:
                code = get_default_cli().invoke(args, out_file=output)
            except SystemExit as exit_:  # argparse's usage errors
                code = exit_.code
        for logger in loggers:
            logger.removeHandler(capture)
        results.append({"code": code, "output": output.getvalue() + "\n".join(capture.lines)})
    json.dump(results, sys.__stdout__)


if __name__ == "__main__":
    main()
