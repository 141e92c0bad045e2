"""Whatever is typed, a console answers with text and never raises; long waits are bounded."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simlab.config.scenario import load_scenario
from simlab.console import Lab
from simlab.data import builtin_scenarios

WORDS = [
    "ifconfig",
    "em0",
    "em9",
    "eth0",
    "dummy0",
    "vhid",
    "1",
    "2",
    "300",
    "-1",
    "state",
    "master",
    "backup",
    "advskew",
    "advbase",
    "pass",
    "alias",
    "192.0.2.50/32",
    "up",
    "down",
    "sysctl",
    "net.inet.carp",
    "net.inet.carp.preempt=1",
    "net.inet.carp.demotion=-5",
    "net.ipv4.ip_nonlocal_bind=1",
    "-w",
    "-p",
    "-a",
    "-n",
    "cat",
    "/etc/rc.conf",
    "/etc/sysctl.conf",
    "echo",
    ">>",
    ">",
    "|",
    "grep",
    "-i",
    "carp",
    "sysrc",
    "x=1",
    "service",
    "netif",
    "restart",
    "tail",
    "/var/log/messages",
    "/var/log/syslog",
    "ping",
    "-c",
    "-i",
    "0.5",
    "nan",
    "inf",
    "192.0.2.50",
    "kldload",
    "kldstat",
    "ip",
    "addr",
    "link",
    "set",
    "show",
    "a",
    "modprobe",
    "lsmod",
    "systemctl",
    "status",
    "start",
    "stop",
    "keepalived",
    "journalctl",
    "-u",
    "apt",
    "install",
    "dpkg",
    "-l",
    "sleep",
    "'",
    '"',
    ";",
    "&",
    "help",
    "history",
    "hostname",
    "^C",
    "",
]


@pytest.fixture(scope="module")
def lab() -> Lab:
    return Lab.from_scenario(load_scenario(builtin_scenarios()["carp-reboot"]), step_s=0)


@pytest.fixture(scope="module")
def klab() -> Lab:
    return Lab.from_scenario(load_scenario(builtin_scenarios()["keepalived-reboot"]), step_s=0)


lines = st.lists(st.sampled_from(WORDS), max_size=7).map(" ".join)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(line=lines, host=st.sampled_from(["server-1", "server-2", "client"]))
def test_any_line_gets_text(lab: Lab, klab: Lab, line: str, host: str) -> None:
    for which in (lab, klab):
        if line.split()[:1] in (["reboot"], ["shutdown"]):
            continue
        out = which[host].run(line)
        assert isinstance(out, str)


def test_waits_are_bounded(lab: Lab) -> None:
    con = lab["server-2"]
    assert con.run("sleep 99999").startswith("simlab: sleep is limited to 3600 s")
    assert con.run("sleep nan") == "sleep: invalid time interval: nan"
    assert con.run("ping -c 100000 192.0.2.50").startswith("simlab: ping -c 100000 would take")
    assert con.run("ping -i inf 192.0.2.50").startswith("ping: invalid timing interval")
    with pytest.raises(ValueError):
        con.advance(float("nan"))
