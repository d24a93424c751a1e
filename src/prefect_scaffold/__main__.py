"""`python -m prefect_scaffold`, and the `prefect-scaffold` command's entry point."""

from __future__ import annotations

from .startup_signals import note_stops


def main() -> None:
    note_stops()  # before importing the CLI: a Ctrl-C while it imports stops the command cleanly
    from ._cli import main as run_cli

    run_cli()


if __name__ == "__main__":
    main()
