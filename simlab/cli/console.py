"""``simlab console SCENARIO``: type the articles' commands on the scenario's simulated hosts."""

from __future__ import annotations

from typing import Annotated

import typer

from simlab.cli.app import app, fail


@app.command("console")
def console(
    scenario: Annotated[str, typer.Argument(help="A built-in scenario name or a YAML file.")],
    host: Annotated[
        str | None, typer.Option("--host", help="The host to start on (default: the first).")
    ] = None,
    seed: Annotated[
        int | None, typer.Option("--seed", help="Random seed (default: the scenario's).")
    ] = None,
    step: Annotated[
        float, typer.Option("--step", help="Simulated seconds each command takes.")
    ] = 1.0,
) -> None:
    """An interactive root shell on the scenario's hosts (its timeline is not played: you are
    the timeline). Meta-commands: hosts, switch HOST, advance SECONDS, time, exit."""
    from simlab.cli.run import resolve_scenario
    from simlab.config.errors import ConfigError
    from simlab.console import Lab
    from simlab.console.interactive import repl

    spec = resolve_scenario(scenario)
    if step < 0:
        raise fail(f"--step {step}: expected a number of seconds >= 0")
    try:
        lab = Lab.from_scenario(spec, seed=seed, step_s=step)
    except ConfigError as exc:
        raise fail(f"{spec.source_path} cannot be built:\n{exc.render()}") from None
    if not lab.consoles:
        raise fail(f"{spec.name} has no host with a console")
    start = host or next(iter(lab.consoles))
    if start not in lab.consoles:
        raise fail(f"--host {start}: no such host (hosts: {', '.join(lab.consoles)})")
    repl(lab, start, banner=f"simlab console: {spec.name}: {spec.description}")
