"""The ``simlab`` Typer application that every subcommand module registers on.

Exit codes for every subcommand: 0 success, 1 the command ran and found a problem, 2 bad input
(a clear message on stderr says which file and what was expected).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated

import typer

from simlab import __version__

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="simlab: see and measure service-IP failover (VRRP, CARP).",
)


def fail(message: str) -> typer.Exit:
    """Print ``simlab: message`` on stderr; raise the result to exit with code 2 (bad input)."""
    typer.echo(f"simlab: {message}", err=True)
    return typer.Exit(code=2)


@contextmanager
def progress_bars() -> Iterator[Callable[[int, int, str], None]]:
    """A ``progress(done, total, what)`` callback drawing one rich bar per ``what`` on stderr
    (stdout stays for results); the bars vanish when the block ends."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        tasks: dict[str, int] = {}

        def progress(done: int, total: int, what: str) -> None:
            if what not in tasks:
                tasks[what] = bar.add_task(what, total=total)
            bar.update(tasks[what], completed=done)  # type: ignore[arg-type]

        yield progress


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", help="Print the version and exit.", is_eager=True)
    ] = False,
) -> None:
    if version:
        typer.echo(f"simlab {__version__}")
        raise typer.Exit()
