"""The ``simlab`` command: one module per group of subcommands, all on one Typer app.

Each subcommand is a thin shell over a library function, so notebooks and tests call the same
code as the command line.
"""

from __future__ import annotations

from simlab.cli import (  # noqa: F401  (importing registers their commands)
    capture,
    console,
    demo,
    estimate,
    grade,
    host,
    lab,
    run,
    sweep,
)
from simlab.cli.app import app


def main() -> None:
    """Entry point of the ``simlab`` console script."""
    app()


__all__ = ["app", "main"]
