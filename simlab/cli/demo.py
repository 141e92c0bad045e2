"""``simlab demo``: the main job on its embedded defaults."""

from __future__ import annotations

import typer

from simlab.cli.app import app


@app.command()
def demo() -> None:
    """The seed's CARP reboot experiment as the article shows it, then keepalived, then captures."""
    from simlab.demo import run_demo

    run_demo(typer.echo)
