"""Scripted command timelines on the consoles."""

from __future__ import annotations

import pytest

from simlab.config.scenario import load_scenario
from simlab.console import Lab
from simlab.console.script import ScriptError, parse_steps, play, render
from simlab.data import builtin_scenarios

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
