"""``simlab demo``: the main job on its embedded defaults."""

from __future__ import annotations

import typer

from simlab.cli.app import app


@app.command()
def demo() -> None:
    """Decode the bundled captures, then run a VRRP and a CARP pair through a failover."""
    from simlab.demo import run_demo

    run_demo(typer.echo)
