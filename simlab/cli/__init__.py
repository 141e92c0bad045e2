"""The ``simlab`` command: one module per group of subcommands, all on one Typer app.

Each subcommand is a thin shell over a library function, so notebooks and tests call the same
code as the command line.
"""

from __future__ import annotations

import inspect

import typer

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


def _one_line_summaries(group: typer.Typer) -> None:
    """The command lists show each docstring's first paragraph on one line: Typer's rich help
    would otherwise keep the source's line breaks in the middle of a sentence."""
    for info in group.registered_commands:
        doc = info.help or inspect.getdoc(info.callback) or ""
        if info.short_help is None and doc:
            info.short_help = " ".join(doc.split("\n\n")[0].split())
    for sub in group.registered_groups:
        if sub.typer_instance is not None:
            _one_line_summaries(sub.typer_instance)


_one_line_summaries(app)


def main() -> None:
    """Entry point of the ``simlab`` console script."""
    app()


__all__ = ["app", "main"]
