"""`python -m prefect_scaffold`, and the `prefect-scaffold` command's entry point."""

from __future__ import annotations

from .startup_signals import stops_noted


def main() -> None:
    """Run the command line as this process, which ends when it returns (SystemExit).

    After a command that wrote, Ctrl-C and SIGTERM stay ignored until the process exits: a signal
    while Python shuts down would otherwise kill a command that finished. A program that wants
    the CLI without ending itself runs it as a subprocess (or calls the library API)."""
    # Before importing the CLI: a Ctrl-C while it imports stops the command cleanly.
    with stops_noted():
        from ._cli import main as run_cli

        run_cli()


if __name__ == "__main__":
    main()
