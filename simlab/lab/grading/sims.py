"""Simulations the checks (and the student API) run: a two-server pair built from a student's
config fragments, who is master when, what the client lost, and the broken-failover traces of
lab 4.

The pair comes from a built-in scenario (``keepalived-reboot`` for keepalived, ``carp-reboot``
for CARP): its network, addresses and probes stay as they are, the servers' config files are
replaced by the student's, and the timeline is the check's own. So a student's answer is
graded by what it *does* in the same world the notebooks use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml

from simlab.analysis.outages import Outage, find_outages
from simlab.analysis.report import run_report
from simlab.config.errors import ConfigError
from simlab.config.freebsd import freebsd_host
from simlab.config.keepalived import parse_keepalived_conf
from simlab.config.scenario import Scenario, parse_scenario
from simlab.core.timing import carp_master_down, vrrp_master_down_interval
from simlab.data import builtin_scenarios
from simlab.render.run import run_text
from simlab.sim.build import build_world, ns
from simlab.sim.trace import Probe, StateChange, Trace

SERVERS = ("server-1", "server-2")
TEMPLATES = {"keepalived": "keepalived-reboot", "carp": "carp-reboot"}
#: the config files a student may give per server, by protocol
FILES = {"keepalived": ("keepalived_conf",), "carp": ("rc_conf", "sysctl_conf")}


class FragmentError(ValueError):
    """A student's config fragments that cannot make a scenario (message says why)."""


def template(name: str) -> dict[str, Any]:
    """A built-in scenario as a plain mapping, to be modified."""
    return yaml.safe_load(builtin_scenarios()[name].read_text(encoding="utf-8"))


def host_files(protocol: str, config: dict[str, Any]) -> dict[str, dict[str, str]]:
    """Normalise ``{"server-1": text | {file: text}}`` to ``{host: {file: text}}``; a bare text
    is the protocol's main file (keepalived.conf, rc.conf)."""
    if protocol not in FILES:
        raise FragmentError(f"unknown protocol {protocol!r}")
    if type(config) is not dict:
        raise FragmentError('expected {"server-1": ..., "server-2": ...}')
    out: dict[str, dict[str, str]] = {}
    for host in SERVERS:
        if host not in config:
            raise FragmentError(f"no configuration for {host}")
        files = config[host]
        if type(files) is str:
            files = {FILES[protocol][0]: files}
        if type(files) is not dict:
            raise FragmentError(f"{host}: expected the config text or {{file: text}}")
        extra = set(files) - set(FILES[protocol])
        if extra:
            raise FragmentError(
                f"{host}: {protocol} takes {', '.join(FILES[protocol])}, not {', '.join(extra)}"
            )
        for name, text in files.items():
            if type(text) is not str:
                raise FragmentError(f"{host}.{name}: expected text")
        out[host] = dict(files)
    extra_hosts = set(config) - set(SERVERS)
    if extra_hosts:
        raise FragmentError(f"unknown hosts {sorted(extra_hosts)}; the pair is {SERVERS}")
    return out


def pair_scenario(
    protocol: str,
    config: dict[str, Any],
    *,
    events: list[dict[str, Any]],
    until: float,
    name: str = "lab-pair",
) -> Scenario:
    """The protocol's template pair with the student's files and the check's timeline."""
    files = host_files(protocol, config)
    doc = template(TEMPLATES[protocol])
    doc["name"] = name
    doc["description"] = "a lab check"
    doc["until"] = until
    doc["events"] = events
    for host in doc["topology"]["hosts"]:
        for key in FILES[protocol]:
            host.pop(key, None)
        host.update(files[host["name"]])
    try:
        return parse_scenario(yaml.safe_dump(doc, sort_keys=False), path="your configuration")
    except ConfigError as exc:
        raise FragmentError(_first_lines(exc.render())) from None


def _first_lines(text: str, n: int = 3) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    more = f" (+{len(lines) - n} more)" if len(lines) > n else ""
    return "; ".join(lines[:n]) + more


@dataclass
class Run:
    """One simulated run: its trace and the phase offset its faults got."""

    scenario: Scenario
    trace: Trace
    seed: int
    fault_offset_ns: int

    def masters_at(self, t: float) -> list[str]:
        """Servers in MASTER at ``t`` seconds (any instance)."""
        state: dict[tuple[str, str], str] = {}
        for sc in self.trace.of(StateChange):
            if sc.time > ns(t):
                break
            state[(sc.node, sc.instance)] = sc.new
        return sorted({node for (node, _), s in state.items() if s == "MASTER"})

    def became_master(self, node: str) -> list[float]:
        return [
            sc.time / 1e9
            for sc in self.trace.of(StateChange)
            if sc.node == node and sc.new == "MASTER"
        ]

    def outages(self, client: str = "client", kind: str = "ping") -> list[Outage]:
        return [
            o for o in find_outages(self.trace.of(Probe)) if o.client == client and o.kind == kind
        ]


def simulate(scenario: Scenario, seed: int) -> Run:
    """Build and run ``scenario`` (a build error becomes :class:`FragmentError`)."""
    try:
        built = build_world(scenario, seed=seed, capture_frames=False)
    except ConfigError as exc:
        raise FragmentError(_first_lines(exc.render())) from None
    built.world.run(built.until_ns)
    return Run(scenario, built.world.trace, built.seed, built.fault_offset_ns)


def backup_down_interval(protocol: str, files: dict[str, str]) -> float:
    """Seconds a backup configured by ``files`` waits without adverts before taking over: the
    master down interval of simlab.core.timing (keepalived: 3 x advert_int + skew by priority;
    CARP: 3 x advbase + advskew/256)."""
    if protocol == "keepalived":
        conf = parse_keepalived_conf(files.get("keepalived_conf", ""), strict=False)
        if not conf.instances:
            raise FragmentError("no vrrp_instance in keepalived.conf")
        c = conf.instances[0].config
        return vrrp_master_down_interval(c.priority, c.advert_int_cs) / 1e9
    try:
        host = freebsd_host(files.get("rc_conf", ""), files.get("sysctl_conf", ""))
    except ConfigError as exc:
        raise FragmentError(_first_lines(exc.render())) from None
    if not host.vhids:
        raise FragmentError("no CARP vhid in rc.conf")
    c = host.vhids[0].config
    return carp_master_down(c.advbase, c.advskew) / 1e9


def instance_id(protocol: str, files: dict[str, str]) -> int:
    """The configured virtual_router_id (keepalived) or vhid (CARP) of the first instance."""
    if protocol == "keepalived":
        conf = parse_keepalived_conf(files.get("keepalived_conf", ""), strict=False)
        if not conf.instances:
            raise FragmentError("no vrrp_instance in keepalived.conf")
        return conf.instances[0].config.vrid
    try:
        host = freebsd_host(files.get("rc_conf", ""), files.get("sysctl_conf", ""))
    except ConfigError as exc:
        raise FragmentError(_first_lines(exc.render())) from None
    if not host.vhids:
        raise FragmentError("no CARP vhid in rc.conf")
    return host.vhids[0].vhid


def advert_interval(protocol: str, files: dict[str, str]) -> float:
    """The configured advertisement interval, seconds (advert_int / advbase)."""
    if protocol == "keepalived":
        conf = parse_keepalived_conf(files.get("keepalived_conf", ""), strict=False)
        if not conf.instances:
            raise FragmentError("no vrrp_instance in keepalived.conf")
        return conf.instances[0].config.advert_int_cs / 100
    try:
        host = freebsd_host(files.get("rc_conf", ""), files.get("sysctl_conf", ""))
    except ConfigError as exc:
        raise FragmentError(_first_lines(exc.render())) from None
    if not host.vhids:
        raise FragmentError("no CARP vhid in rc.conf")
    return float(host.vhids[0].config.advbase)


# --- lab 4: a broken failover, as a trace to read -----------------------------------------------
FAULT_SCENARIOS = {
    "lost-garp": "keepalived-lost-garp",
    "no-nonlocal-bind": "keepalived-no-nonlocal-bind",
    "split-brain": "keepalived-split-brain",
}


def fault_run(fault: str, shift: float, seed: int) -> Run:
    """The fault's built-in scenario with its timeline shifted by ``shift`` seconds."""
    if fault not in FAULT_SCENARIOS:
        raise ValueError(f"unknown fault {fault!r}; one of {sorted(FAULT_SCENARIOS)}")
    doc = template(FAULT_SCENARIOS[fault])
    doc["name"] = "lab-04"
    doc["description"] = "a failover that did not go as planned"
    for event in doc.get("events") or []:
        event["at"] = round(event["at"] + shift, 6)
    doc["until"] = doc["until"] + shift
    return simulate(parse_scenario(yaml.safe_dump(doc, sort_keys=False), path="lab-04"), seed)


def fault_trace_text(run: Run) -> str:
    """What the student reads: the timeline, transitions and the clients' view, as text."""
    report = run_report(
        run.trace,
        scenario=run.scenario.name,
        seed=run.seed,
        until_ns=ns(run.scenario.until),
        fault_offset_ns=run.fault_offset_ns,
    )
    lines = run_text(run.scenario.name, run.scenario.description, run.trace, report, logs=True)
    # The injected fault's own records are the simulator's bookkeeping: a real administrator
    # sees the symptoms, not "a gratuitous ARP was lost".
    return "\n".join(line for line in lines if not _HIDDEN.search(line))


_HIDDEN = re.compile(r"--- (drop-garp|garp-lost) ")
