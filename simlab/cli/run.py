"""``simlab run SCENARIO`` and ``simlab examples``: the simulated experiments."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from simlab.cli.app import app, fail


def resolve_scenario(name: str):
    """A built-in scenario name or a YAML file path -> validated Scenario (exit 2 if bad)."""
    from simlab.config.errors import ConfigError
    from simlab.config.scenario import load_scenario
    from simlab.data import scenario_path

    try:
        path = scenario_path(name, hint="; `simlab examples` describes them")
    except ValueError as exc:
        raise fail(str(exc)) from None
    try:
        return load_scenario(path)
    except ConfigError as exc:
        raise fail(f"{path} is not a valid scenario:\n{exc.render()}") from None


@app.command("examples")
def examples() -> None:
    """List the built-in scenarios, one line each."""
    from simlab.config.scenario import load_scenario
    from simlab.data import builtin_scenarios

    scenarios = builtin_scenarios()
    width = max(map(len, scenarios))
    for name, path in scenarios.items():
        typer.echo(f"{name:<{width}}  {load_scenario(path).description}")


@app.command("run")
def run(
    scenario: Annotated[str, typer.Argument(help="A built-in scenario name or a YAML file.")],
    seed: Annotated[
        int | None, typer.Option("--seed", help="Random seed (default: the scenario's).")
    ] = None,
    until: Annotated[
        float | None,
        typer.Option("--until", help="Simulated seconds to run (default: the scenario's)."),
    ] = None,
    pcap: Annotated[
        Path | None, typer.Option("--pcap", help="Write every frame to this pcap file.")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object instead of the text report.")
    ] = False,
    logs: Annotated[
        bool, typer.Option("--logs/--no-logs", help="Show the hosts' log lines in the text report.")
    ] = True,
    fast_forward: Annotated[
        bool,
        typer.Option(
            "--fast-forward/--no-fast-forward",
            help="Skip steady advert periods when no frame is recorded and no probe runs "
            "(same result; --no-fast-forward simulates every advert).",
        ),
    ] = True,
) -> None:
    """Run a scenario: the client's ping view, the state transitions and a summary."""
    from simlab.analysis.report import run_report
    from simlab.config.errors import ConfigError
    from simlab.console.script import entries_json, play_scenario, render
    from simlab.render.run import run_text
    from simlab.sim.build import build_world, ns

    spec = resolve_scenario(scenario)
    if until is not None:
        if until <= 0:
            raise fail(f"--until {until}: expected a positive number of seconds")
        spec = spec.model_copy(update={"until": until})
    try:
        # frames are recorded only for --pcap (the report reads states, logs and probes), so
        # a run without --pcap can fast-forward
        built = build_world(
            spec, seed=seed, capture_frames=pcap is not None, fast_forward=fast_forward
        )
    except ConfigError as exc:
        raise fail(f"{spec.source_path} cannot be built:\n{exc.render()}") from None
    built.until_ns = ns(spec.until)
    # runs to until, typing the scenario's run: steps on the hosts' consoles on the way
    typed = play_scenario(built)
    trace = built.world.trace
    if pcap is not None:
        try:
            pcap.write_bytes(trace.pcap())
        except OSError as exc:
            raise fail(f"--pcap {pcap}: {exc.strerror}") from None
    report = run_report(
        trace,
        scenario=spec.name,
        seed=built.seed,
        until_ns=built.until_ns,
        fault_offset_ns=built.fault_offset_ns,
    )
    if typed:
        report["console"] = entries_json(typed)
    if as_json:
        typer.echo(json.dumps(report, indent=None, sort_keys=False))
        return
    for line in run_text(spec.name, spec.description, trace, report, logs=logs):
        typer.echo(line)
    if typed:
        typer.echo("\nConsole (the scenario's run: steps)\n" + render(typed))
