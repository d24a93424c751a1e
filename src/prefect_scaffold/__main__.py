"""`python -m prefect_scaffold`, and the `prefect-scaffold` command's entry point."""

from __future__ import annotations

from .startup_signals import stops_noted


def main() -> None:
    # Before importing the CLI: a Ctrl-C while it imports stops the command cleanly.
    with stops_noted():
        from ._cli import main as run_cli

        run_cli()


if __name__ == "__main__":
    main()
