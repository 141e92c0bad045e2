"""``simlab console SCENARIO``: type the articles' commands on the scenario's simulated hosts."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
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
    script: Annotated[
        Path | None,
        typer.Option(
            "--script",
            help="Play a YAML list of {at, host, run} steps and print the transcript instead.",
        ),
    ] = None,
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
    if script is not None:
        _play(lab, script)
        return
    if sys.stdin.isatty():
        # arrow keys and the history of input(), where the platform has readline
        with contextlib.suppress(ImportError):
            import readline  # noqa: F401
    start = host or next(iter(lab.consoles))
    if start not in lab.consoles:
        raise fail(f"--host {start}: no such host (hosts: {', '.join(lab.consoles)})")
    repl(lab, start, banner=f"simlab console: {spec.name}: {spec.description}")


def _play(lab, path: Path) -> None:
    import yaml

    from simlab.console.script import ScriptError, parse_steps, play, render

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise fail(f"--script {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise fail(f"--script {path}: not YAML: {exc}") from None
    if isinstance(data, dict) and "steps" in data:
        data = data["steps"]
    if not isinstance(data, list):
        raise fail(f"--script {path}: expected a list of steps (at, host, run)")
    try:
        entries = play(lab, parse_steps(data))
    except ScriptError as exc:
        raise fail(f"--script {path}: {exc}") from None
    typer.echo(render(entries))
