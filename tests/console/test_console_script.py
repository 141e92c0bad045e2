"""Scripted command timelines on the consoles."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simlab.analysis.outages import find_outages
from simlab.config.scenario import HostEvent, RunStep, load_scenario
from simlab.console import Lab
from simlab.console.script import (
    ScriptError,
    parse_steps,
    play,
    render,
    run_scenario,
    scenario_steps,
    transcripts,
)
from simlab.data import builtin_scenarios
from simlab.sim.build import build_world
from simlab.sim.trace import FaultRecord, Probe

ARTICLE = [
    {"at": 11, "host": "server-1", "run": "ifconfig em0 | grep carp"},
    {"at": 11, "host": "server-2", "run": "ifconfig em0 | grep carp"},
    {"at": 12, "host": "client", "run": "ping -i 0.1 192.0.2.50"},
    {"at": 15, "host": "server-1", "run": "ifconfig em0 down"},
    {"at": 20, "host": "server-2", "run": "tail -n 1 /var/log/messages"},
    {"at": 22, "host": "client", "run": "^C"},
    {"at": 23, "host": "server-2", "run": "ifconfig em0 down"},
    {"at": 24, "host": "client", "run": "ping -c 3 192.0.2.50"},
]


def carp_lab() -> Lab:
    return Lab.from_scenario(load_scenario(builtin_scenarios()["carp-reboot"]))


def test_the_article_as_a_timeline() -> None:
    lab = carp_lab()
    entries = play(lab, parse_steps(ARTICLE), until=40)
    assert lab.world.now == 40_000_000_000
    assert [e.time_ns / 1e9 for e in entries] == [11, 11, 12, 15, 20, 22, 23, 24]
    by_line = {(e.host, e.line): e.output for e in entries}
    assert "carp: MASTER" in by_line[("server-1", "ifconfig em0 | grep carp")]
    assert "carp: BACKUP" in by_line[("server-2", "ifconfig em0 | grep carp")]
    assert (
        "BACKUP -> MASTER (master timed out)"
        in by_line[("server-2", "tail -n 1 /var/log/messages")]
    )
    stopped = by_line[("client", "^C")]
    gap = sum("no answer yet" in line for line in stopped.splitlines()) * 0.1
    assert 2.3 <= gap <= 3.5
    assert "100% packet loss" in by_line[("client", "ping -c 3 192.0.2.50")]
    text = render(entries)
    assert text.splitlines()[0] == "[  11.000 s] root@server-1:~ # ifconfig em0 | grep carp"
    assert text == render(play(carp_lab(), parse_steps(ARTICLE), until=40))
    assert lab["server-1"].step_ns == 1_000_000_000  # restored after the script


def test_bad_steps_are_named() -> None:
    with pytest.raises(ScriptError, match=r"steps\[0\]\.at"):
        parse_steps([{"at": "soon", "host": "server-1", "run": "reboot"}])
    with pytest.raises(ScriptError, match=r"steps\[1\]: unknown key 'cmd'"):
        parse_steps([{"at": 1, "host": "a", "run": "x"}, {"at": 2, "host": "a", "cmd": "x"}])
    with pytest.raises(ScriptError, match=r"steps\[0\]\.host: no console on 'router'"):
        play(carp_lab(), parse_steps([{"at": 12, "host": "router", "run": "hostname"}]))


# --- run: steps in scenario files ---------------------------------------------------------------
def console_scenario(**update):
    spec = load_scenario(builtin_scenarios()["carp-console-linkdown"])
    return spec.model_copy(update=update) if update else spec


def test_the_builtin_console_scenario_types_the_article() -> None:
    built, entries = run_scenario(console_scenario())
    assert built.world.now == built.until_ns == 60_000_000_000
    steps = scenario_steps(built.scenario)
    assert [(e.time_ns / 1e9, e.host, e.line) for e in entries] == [
        (s.at, s.host, s.run) for s in steps
    ]
    out = {(e.time_ns // 10**9, e.host): e.output for e in entries}
    assert out[(12, "server-1")].strip() == "carp: MASTER vhid 1 advbase 1 advskew 0"
    assert out[(13, "server-2")].strip().startswith("carp: BACKUP vhid 1")
    assert "BACKUP -> MASTER (master timed out)" in out[(25, "server-2")]
    assert out[(26, "server-2")].strip().startswith("carp: MASTER")
    assert "3 packets received" in out[(30, "server-2")]  # FreeBSD's ping to the router
    assert out[(45, "server-1")].strip().startswith("carp: BACKUP")  # no preempt
    # the commands are in the trace, shown beside the faults in run reports
    typed = [(r.time, r.target, r.detail) for r in built.world.trace.of(FaultRecord)
             if r.kind == "console"]  # fmt: skip
    assert typed == [(round(s.at * 1e9), s.host, s.run) for s in steps]
    # and they did what the article says: the client lost the VIP while server-2 took over
    outages = find_outages(built.world.trace.of(Probe))
    (gap,) = [o for o in outages if o.client == "client"]
    assert gap.start == 20_000_000_000 or 0 < gap.start - 20_000_000_000 < 100_000_000
    assert 2.2 <= gap.duration / 1e9 <= 3.5


def test_same_scenario_and_seed_same_trace_and_transcript() -> None:
    a, ea = run_scenario(console_scenario(), seed=7)
    b, eb = run_scenario(console_scenario(), seed=7)
    assert render(ea) == render(eb)
    assert a.world.trace.records == b.world.trace.records
    assert transcripts(ea) == transcripts(eb)
    assert transcripts(ea)["server-1"].startswith("root@server-1:~ # ifconfig em0 | grep carp\n")


def test_a_command_that_takes_time_delays_the_next_step() -> None:
    spec = console_scenario()
    steps = [
        RunStep(at=12, host="client", run="ping -c 3 -i 1 192.0.2.50"),
        RunStep(at=13, host="server-2", run="hostname"),  # typed while the ping runs
        RunStep(at=13, host="client", run="hostname"),  # the client's prompt is back at ~14 s
    ]
    _, entries = run_scenario(spec.model_copy(update={"events": steps}))
    times = [e.time_ns for e in entries]
    assert times[0] == 12 * 10**9
    assert times[1] > 14 * 10**9  # one world, one clock: the ping ran from 12 to 14 s and more
    assert times[2] == times[1]


def test_steps_after_until_are_not_typed_and_faults_still_happen() -> None:
    spec = console_scenario(until=22.0)
    built, entries = run_scenario(spec)
    assert [e.time_ns / 1e9 for e in entries] == [12, 13, 20]
    assert built.world.now == 22_000_000_000
    mixed = spec.model_copy(
        update={"events": [*spec.events[:3], HostEvent(at=21, action="reboot", host="server-2")]}
    )
    built, _ = run_scenario(mixed)
    kinds = [(r.kind, r.target) for r in built.world.trace.of(FaultRecord)]
    assert ("reboot", "server-2") in kinds and ("console", "server-1") in kinds


def test_a_scenario_without_steps_runs_as_before() -> None:
    spec = load_scenario(builtin_scenarios()["carp-linkdown"])
    built, entries = run_scenario(spec, seed=3)
    plain = build_world(spec, seed=3)
    plain.world.run(plain.until_ns)
    assert entries == []
    assert built.world.trace.records == plain.world.trace.records


def test_the_scenario_steps_and_the_script_format_are_the_same() -> None:
    spec = console_scenario()
    as_data = [e.model_dump() for e in spec.events if isinstance(e, RunStep)]
    assert parse_steps(as_data) == scenario_steps(spec)
    with pytest.raises(ScriptError, match=r"steps\[0\]\.run: one command line"):
        parse_steps([{"at": 1, "host": "a", "run": "ls\nreboot"}])


COMMANDS = [
    "ifconfig em0 | grep carp",
    "sleep 2",
    "ping -c 2 192.0.2.1",
    "hostname",
    "ifconfig em0 down",
    "ifconfig em0 up",
    "reboot",
    "tail -n 1 /var/log/messages",
]


@settings(max_examples=8, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 200).map(lambda t: t / 10),
            st.sampled_from(["server-1", "server-2", "client"]),
            st.sampled_from(COMMANDS),
        ),
        max_size=6,
    )
)
def test_any_timeline_plays_in_time_order_and_twice_the_same(raw) -> None:
    steps = [RunStep(at=at, host=host, run=line) for at, host, line in raw]
    spec = console_scenario(until=20.0).model_copy(update={"events": steps, "probes": []})
    built, entries = run_scenario(spec)
    again, entries2 = run_scenario(spec)
    assert render(entries) == render(entries2)
    assert built.world.trace.records == again.world.trace.records
    times = [e.time_ns for e in entries]
    assert times == sorted(times) and len(entries) == len(steps)
    order = sorted(range(len(steps)), key=lambda i: (steps[i].at, i))
    for entry, i in zip(entries, order, strict=True):
        assert entry.time_ns >= round(steps[i].at * 1e9)  # max(at, now)
        assert (entry.host, entry.line) == (steps[i].host, steps[i].run)
