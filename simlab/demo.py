"""``simlab demo``: the seed article's experiment, on its embedded defaults.

Two FreeBSD servers share the service IP 192.0.2.50 with CARP, configured by the article's
rc.conf lines (the second with ``advskew 100``); a client on the same subnet pings it every
0.1 s; the master reboots. The demo prints what the article shows: ``ifconfig em0`` on both
servers before, the client's ping with the gap, the backup's /var/log/messages, ``ifconfig em0``
after, and the outage measured against the protocol's formula. Then the same failure with
keepalived (VRRP) for comparison, and a short look at the real captures bundled with simlab.
Everything comes from the built-in scenarios, so the output is identical on every run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from simlab.analysis.capture import summarize_capture
from simlab.analysis.outages import find_outages
from simlab.config.scenario import load_scenario
from simlab.core.actions import Log
from simlab.core.timing import carp_master_down, seconds, vrrp_master_down_interval
from simlab.data import builtin_scenarios, bundled_captures
from simlab.render.ifconfig import freebsd_ifconfig, interface_views
from simlab.render.packets import packet_line
from simlab.render.ping import ping_lines
from simlab.render.syslog import syslog_line
from simlab.sim.build import build_world
from simlab.sim.trace import FaultRecord, FrameSent, LogLine, Probe, StateChange
from simlab.wire.pcap import read_pcap

Out = Callable[[str], None]

CAPTURE_PASSWORD = "s3cr3t"  # what the bundled captures were made with


@dataclass(frozen=True, slots=True)
class Failover:
    """One measured takeover (all ns): the fault, the dead master's last advert before it, the
    backup becoming MASTER, and the client's outage (first lost to first answered probe)."""

    fault: int
    last_advert: int
    takeover: int
    outage: int

    @property
    def since_last_advert(self) -> int:
        return self.takeover - self.last_advert


@dataclass(frozen=True, slots=True)
class DemoResult:
    carp: Failover
    keepalived: Failover


def _banner(out: Out, title: str) -> None:
    out("")
    out(title)
    out("=" * len(title))


def _measure(trace, master: str, backup: str) -> Failover:
    fault = next(r.time for r in trace.of(FaultRecord) if r.target == master)
    last = max(
        r.time
        for r in trace.of(FrameSent)
        if r.node == master and r.kind == "advert" and r.time <= fault
    )
    takeover = next(
        r.time
        for r in trace.of(StateChange)
        if r.node == backup and r.new == "MASTER" and r.time >= fault
    )
    outage = next(o for o in find_outages(trace.of(Probe)) if o.start >= fault)
    return Failover(fault, last, takeover, outage.duration)


def carp_reboot(out: Out) -> Failover:
    scenario = load_scenario(builtin_scenarios()["carp-reboot"])
    built = build_world(scenario)
    world = built.world
    _banner(out, "The seed's experiment: FreeBSD CARP, the master reboots")
    for host in scenario.topology.hosts:
        alias = next(line for line in (host.rc_conf or "").splitlines() if "vhid" in line)
        out(f"{host.name}:/etc/rc.conf  {alias}")

    snapshots: dict[str, list[dict]] = {"before": [], "after": []}

    def take(when: str) -> None:
        snapshots[when] = [world[h.name].snapshot() for h in scenario.topology.hosts]

    fault_at = next(e.at for e in scenario.events)
    world.at(round((fault_at - 1) * 1e9), take, "before")
    world.at(built.until_ns - 1, take, "after")
    world.run(built.until_ns)
    trace = world.trace

    out("")
    out(f"Before the reboot (t = {fault_at - 1:g} s):")
    for snap in snapshots["before"]:
        out(f"root@{snap['name']}:~ # ifconfig em0")
        out(freebsd_ifconfig(interface_views(snap)[0]))
    fault = trace.of(FaultRecord)[0]
    out("")
    out(f"root@server-1:~ # reboot        (at t = {seconds(fault.time):.3f} s)")
    out("")
    out("The client, pinging the service IP every 0.1 s:")
    out("client$ ping -i 0.1 192.0.2.50")
    for line in ping_lines(trace.of(Probe)):
        out(line)
    out("")
    out("root@server-2:~ # tail /var/log/messages")
    for r in trace.of(LogLine):
        if r.node == "server-2" and not r.detail and "carp" in r.text:
            out(syslog_line(r.time, r.node, Log(r.source, r.text)))
    out("")
    out(f"After the reboot (t = {seconds(built.until_ns):g} s):")
    for snap in snapshots["after"]:
        out(f"root@{snap['name']}:~ # ifconfig em0")
        out(freebsd_ifconfig(interface_views(snap)[0]))
    result = _measure(trace, "server-1", "server-2")
    down = carp_master_down(1, 100)
    out("")
    out(
        f"-> The service IP was unreachable for {seconds(result.outage):.1f} s (the article: "
        "'about 3 seconds'). server-2 became MASTER "
        f"{seconds(result.since_last_advert):.6f} s after server-1's last advert left it: "
        f"3 x advbase + advskew/256 = 3 x 1 + 100/256 = {seconds(down):.6f} s, plus "
        f"{(result.since_last_advert - down) / 1e6:.1f} ms for the advert to cross the switch. "
        "The reboot came "
        f"{seconds(result.fault - result.last_advert):.3f} s after that advert, so the client "
        "saw less; `simlab run carp-reboot --seed N` strikes at other phases."
    )
    out(
        "-> server-1 came back as BACKUP: net.inet.carp.preempt is 0 by default "
        "(`simlab run carp-preempt` sets it)."
    )
    return result


def keepalived_power_loss(out: Out) -> Failover:
    scenario = load_scenario(builtin_scenarios()["keepalived-power-loss"])
    built = build_world(scenario)
    built.world.run(built.until_ns)
    trace = built.world.trace
    _banner(out, "The same failure with keepalived (VRRPv2, priorities 150 / 100)")
    for r in trace.of(LogLine):
        if r.node == "server-2" and not r.detail and r.source == "Keepalived_vrrp":
            out(syslog_line(r.time, r.node, Log(r.source, r.text)))
    result = _measure(trace, "server-1", "server-2")
    mdi = vrrp_master_down_interval(100, 100)
    out(
        f"-> outage {seconds(result.outage):.1f} s; server-2 took over "
        f"{seconds(result.since_last_advert):.6f} s after the last advert left server-1: "
        f"3 x advert_int + (256 - 100)/256 s = {seconds(mdi):.6f} s, plus "
        f"{(result.since_last_advert - mdi) / 1e6:.1f} ms on the wire. With a clean stop "
        "(`simlab run keepalived-reboot`) keepalived sends priority 0 and the backup waits only "
        "0.609 s."
    )
    return result


def decode_bundled(out: Out, *, lines_per_capture: int = 3) -> None:
    _banner(out, "Real packets: the captures bundled with simlab (keepalived 2.2.7, ucarp 1.5.2)")
    for path in bundled_captures():
        report = summarize_capture(read_pcap(path), password=CAPTURE_PASSWORD)
        count = len(report.packets)
        out(f"simlab decode {path.name} --password {CAPTURE_PASSWORD}   ({count} packets)")
        for packet in report.packets[:lines_per_capture]:
            out(packet_line(packet))


def run_demo(out: Out = print) -> DemoResult:
    carp = carp_reboot(out)
    vrrp = keepalived_power_loss(out)
    decode_bundled(out)
    return DemoResult(carp=carp, keepalived=vrrp)
