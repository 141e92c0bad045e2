"""Scripted command timelines: ``at: 12.0, host: server-1, run: "ifconfig em0 down"``.

A graded lab (or a test) can play the commands a learner would type at fixed simulated times and
check the transcript. :func:`parse_steps` reads the plain data a YAML file gives (a list of
mappings), :func:`play` runs the steps on a :class:`~simlab.console.session.Lab` in time order
and :func:`render` prints what each console showed, stamped with the simulated time.

Scenario files carry the same steps in their timeline (``events:``, beside the faults).
:func:`run_scenario` builds such a scenario and runs it, typing its ``run:`` steps on the way;
:func:`play_scenario` does the running part for a world already built, which is what
``simlab run`` calls. The simulator itself cannot type on a console (``simlab.sim`` sits below
this package), so ``build_world`` schedules the faults and leaves the steps to these functions.

While a script plays, typing takes no time (each console's step is 0): a command starts at its
``at``. Commands that take time of their own (``ping -c``, ``sleep``) still do, so a step whose
``at`` has already passed runs as soon as the previous one ends: at ``max(at, now)``, and its
entry says when it ran. The same scenario, seed and steps give the same trace and transcript.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from simlab.console.session import NS_PER_S, Lab, scenario_files

if TYPE_CHECKING:
    from simlab.config.scenario import Scenario
    from simlab.sim.build import Built


@dataclass(frozen=True)
class Step:
    """One command of a timeline: at ``at`` seconds of simulated time, ``run`` on ``host``."""

    at: float
    host: str
    run: str


@dataclass(frozen=True)
class Entry:
    """What happened: the command started at ``time_ns`` on ``host`` and printed ``output``."""

    time_ns: int
    host: str
    prompt: str
    line: str
    output: str


class ScriptError(ValueError):
    """A timeline that cannot be played; the message names the step (``steps[2].at: ...``)."""


def parse_steps(items: Iterable[Any]) -> list[Step]:
    """Steps from plain data (``[{"at": 12.0, "host": "server-1", "run": "..."}]``)."""
    steps = []
    for i, item in enumerate(items):
        where = f"steps[{i}]"
        if not isinstance(item, dict):
            raise ScriptError(f"{where}: expected a mapping with at, host and run")
        extra = set(item) - {"at", "host", "run"}
        if extra:
            raise ScriptError(f"{where}: unknown key {sorted(extra)[0]!r} (at, host, run)")
        at, host, run = item.get("at"), item.get("host"), item.get("run")
        if isinstance(at, bool) or not isinstance(at, int | float) or not math.isfinite(at):
            raise ScriptError(f"{where}.at: expected a number of seconds, got {at!r}")
        if at < 0:
            raise ScriptError(f"{where}.at: expected seconds >= 0, got {at}")
        if not isinstance(host, str) or not host:
            raise ScriptError(f"{where}.host: expected a host name, got {host!r}")
        if not isinstance(run, str):
            raise ScriptError(f"{where}.run: expected a command line, got {run!r}")
        if "\n" in run.strip("\n"):
            raise ScriptError(f"{where}.run: one command line per step, got {run!r}")
        run = run.strip("\n")
        steps.append(Step(float(at), host, run))
    return steps


def play(
    lab: Lab, steps: Iterable[Step], *, until: float | None = None, until_ns: int | None = None
) -> list[Entry]:
    """Run ``steps`` in time order (steps at the same time in the order given); then let the
    world run to ``until`` seconds (or ``until_ns``) if given. Unknown hosts are refused before
    anything runs."""
    ordered = sorted(enumerate(steps), key=lambda pair: (pair[1].at, pair[0]))
    for index, step in ordered:
        if step.host not in lab.consoles:
            raise ScriptError(
                f"steps[{index}].host: no console on {step.host!r} "
                f"(hosts: {', '.join(lab.consoles)})"
            )
    saved = {name: con.step_ns for name, con in lab.consoles.items()}
    entries = []
    try:
        for con in lab.consoles.values():
            con.step_ns = 0
        for _index, step in ordered:
            at = round(step.at * NS_PER_S)
            if at > lab.world.now:
                lab.world.run(at)
            con = lab[step.host]
            start, prompt = lab.world.now, con.prompt
            out = con.run(step.run)
            entries.append(Entry(start, step.host, prompt, step.run, out))
        end = until_ns if until is None else round(until * NS_PER_S)
        if end is not None and end > lab.world.now:
            lab.world.run(end)
    finally:
        for name, ns in saved.items():
            lab.consoles[name].step_ns = ns
    return entries


def render(entries: Iterable[Entry]) -> str:
    """``[  12.000 s] root@server-1:~ # ifconfig em0 down`` then the output, per entry."""
    lines = []
    for e in entries:
        lines.append(f"[{e.time_ns / NS_PER_S:8.3f} s] {e.prompt} {e.line}".rstrip())
        if e.output:
            lines.append(e.output)
    return "\n".join(lines)


def scenario_steps(scenario: Scenario) -> list[Step]:
    """The ``run:`` steps of a scenario's timeline, in the order written."""
    from simlab.config.scenario import RunStep

    return [Step(e.at, e.host, e.run) for e in scenario.events if isinstance(e, RunStep)]


def play_scenario(built: Built) -> list[Entry]:
    """Run a built scenario's world to ``built.until_ns``, typing the scenario's ``run:`` steps
    on their hosts' consoles on the way (the faults were scheduled by ``build_world``).

    The consoles see the scenario's files (``rc_conf``, ``keepalived_conf``...), as in
    ``simlab console``. Steps after ``until_ns`` (``simlab run --until`` shortens a run) are not
    typed. A scenario without steps just runs, so this can replace ``world.run(until_ns)``.
    """
    world = built.world
    steps = [s for s in scenario_steps(built.scenario) if round(s.at * NS_PER_S) <= built.until_ns]
    if not steps:
        world.run(built.until_ns)
        return []
    lab = Lab(world, files=scenario_files(built.scenario), step_s=0)
    return play(lab, steps, until_ns=built.until_ns)


def run_scenario(
    scenario: Scenario, *, seed: int | None = None, capture_frames: bool = True
) -> tuple[Built, list[Entry]]:
    """Build ``scenario`` (faults, probes) and run it to its ``until``, typing its ``run:``
    steps: the world after the run and what each command printed (:func:`render` shows it).
    Raises :class:`~simlab.config.errors.ConfigError` as ``build_world`` does."""
    from simlab.sim.build import build_world

    built = build_world(scenario, seed=seed, capture_frames=capture_frames)
    return built, play_scenario(built)


def transcripts(entries: Iterable[Entry]) -> dict[str, str]:
    """What each host's console showed (prompt, command, output), by host, in step order."""
    out: dict[str, list[str]] = {}
    for e in entries:
        lines = out.setdefault(e.host, [])
        lines.append(f"{e.prompt} {e.line}".rstrip())
        if e.output:
            lines.append(e.output)
    return {host: "\n".join(lines) for host, lines in out.items()}


def entries_json(entries: Iterable[Entry]) -> list[dict[str, Any]]:
    """The entries as JSON-ready mappings (``time`` in seconds, ``host``, ``line``, ``output``)."""
    return [
        {"time": e.time_ns / NS_PER_S, "host": e.host, "line": e.line, "output": e.output}
        for e in entries
    ]
