"""``simlab demo``: the main job on its embedded defaults.

It decodes the real captures bundled with simlab, then walks a keepalived-style VRRP pair and a
FreeBSD-style CARP pair through an election, a power loss of the master and its return, printing
what each node logs and measuring how long the service IP was without a master. Everything runs
on :class:`simlab.core.segment.Segment`, so the output is the same on every run.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from simlab.analysis.capture import summarize_capture
from simlab.core.actions import Log, SendFrame, StateChanged
from simlab.core.carp import CarpConfig, CarpVhid
from simlab.core.events import SetParameter, Startup
from simlab.core.interface import Interface
from simlab.core.segment import Segment, TraceEntry
from simlab.core.timing import (
    NS_PER_S,
    carp_master_down,
    seconds,
    vrrp_master_down_interval,
)
from simlab.core.vrrp import VrrpConfig, VrrpRouter
from simlab.data import bundled_captures
from simlab.render.packets import packet_line
from simlab.render.syslog import syslog_line
from simlab.wire.pcap import read_pcap

Out = Callable[[str], None]

CAPTURE_PASSWORD = "s3cr3t"  # what the bundled captures were made with


@dataclass(frozen=True, slots=True)
class Failover:
    """One measured takeover: when the master died, the last advert the backup heard from it,
    and when the backup became MASTER (all ns)."""

    lost_at: int
    last_advert: int
    takeover: int

    @property
    def outage_ns(self) -> int:
        """Time the service IP had no master, counted from the failure."""
        return self.takeover - self.lost_at

    @property
    def since_last_advert_ns(self) -> int:
        return self.takeover - self.last_advert


@dataclass(frozen=True, slots=True)
class DemoResult:
    vrrp: Failover
    carp: Failover
    carp_preempted_at: int


def _banner(out: Out, title: str) -> None:
    out("")
    out(title)
    out("=" * len(title))


def _print_logs(out: Out, entries: list[TraceEntry]) -> None:
    for entry in entries:
        if isinstance(entry.action, Log) and not entry.action.detail:
            out(f"{seconds(entry.time):9.3f}s  {syslog_line(entry.time, entry.node, entry.action)}")


def _measure(seg: Segment, dead: str, survivor: str, lost_at: int) -> Failover:
    adverts = [
        e.time
        for e in seg.trace
        if e.node == dead
        and e.time <= lost_at
        and isinstance(e.action, SendFrame)
        and e.action.kind == "advert"
    ]
    takeover = next(
        e.time
        for e in seg.trace
        if e.node == survivor
        and e.time >= lost_at
        and isinstance(e.action, StateChanged)
        and e.action.new == "MASTER"
    )
    return Failover(lost_at=lost_at, last_advert=max(adverts), takeover=takeover)


def decode_bundled(out: Out) -> None:
    _banner(out, "1. The bundled captures, decoded (real keepalived 2.2.7 and ucarp 1.5.2)")
    for path in bundled_captures():
        report = summarize_capture(read_pcap(path), password=CAPTURE_PASSWORD)
        out("")
        out(f"{path.name}  (simlab decode {path.name} --password {CAPTURE_PASSWORD})")
        for note in report.notes:
            out(f"  note: {note}")
        for packet in report.packets:
            out(packet_line(packet))


def vrrp_pair(out: Out) -> Failover:
    _banner(out, "2. VRRPv2 as keepalived runs it: server1 priority 150, server2 priority 100")
    vip = "192.0.2.50/24"

    def router(host: str, ip: str, mac: str, priority: int) -> VrrpRouter:
        config = VrrpConfig(vrid=51, priority=priority, vips=(vip,))
        return VrrpRouter(config, Interface("eth0", mac=mac, ip=ip))

    seg = Segment()
    seg.attach("server1", router("server1", "192.0.2.11", "02:00:00:00:00:11", 150))
    seg.attach("server2", router("server2", "192.0.2.12", "02:00:00:00:00:12", 100))
    seg.schedule(0, "server1", Startup(now=0))
    seg.schedule(0, "server2", Startup(now=0))
    _print_logs(out, seg.run(until=10 * NS_PER_S))
    out(f"   -> {vip} is on {', '.join(seg.holders(vip))}")

    # Half-way between adverts, so the outage is visibly shorter than the down interval.
    lost_at = 10_500_000_000
    seg.run(until=lost_at)
    out(f"{seconds(lost_at):9.3f}s  --- server1 loses power ---")
    seg.detach("server1")
    _print_logs(out, seg.run(until=20 * NS_PER_S))
    failover = _measure(seg, "server1", "server2", lost_at)
    mdi = vrrp_master_down_interval(100, 100)
    out(
        f"   -> server2 took over {seconds(failover.outage_ns):.3f} s after the power loss, "
        f"{seconds(failover.since_last_advert_ns):.6f} s after the last advert it heard "
        f"(master down interval 3 x 1 s + (256-100)/256 s = {seconds(mdi):.6f} s)"
    )

    back = 20 * NS_PER_S
    out(f"{seconds(back):9.3f}s  --- server1 boots again; keepalived starts ---")
    seg.attach("server1", router("server1", "192.0.2.11", "02:00:00:00:00:11", 150))
    seg.schedule(back, "server1", Startup(now=back))
    _print_logs(out, seg.run(until=30 * NS_PER_S))
    out(
        f"   -> {vip} is on {', '.join(seg.holders(vip))} again: keepalived preempts by default "
        f"once server1's own down timer ({seconds(vrrp_master_down_interval(150, 100)):.6f} s) "
        "runs out"
    )
    return failover


def carp_pair(out: Out) -> tuple[Failover, int]:
    _banner(out, "3. CARP as FreeBSD runs it: hosta advskew 0, hostb advskew 100, vhid 1")
    vip = "192.168.1.50/32"

    def vhid(host: str, ip: str, mac: str, advskew: int, seed: int) -> CarpVhid:
        config = CarpConfig(vhid=1, advskew=advskew, password="testpass", vips=(vip,))
        return CarpVhid(config, Interface("em0", mac=mac, ip=ip), rng=random.Random(seed))

    seg = Segment()
    seg.attach("hosta", vhid("hosta", "192.168.1.3", "52:54:00:00:00:03", 0, 1))
    seg.attach("hostb", vhid("hostb", "192.168.1.4", "52:54:00:00:00:04", 100, 2))
    seg.schedule(0, "hosta", Startup(now=0))
    seg.schedule(0, "hostb", Startup(now=0))
    _print_logs(out, seg.run(until=10 * NS_PER_S))
    out(f"   -> {vip} is on {', '.join(seg.holders(vip))}")

    lost_at = 10_500_000_000
    seg.run(until=lost_at)
    out(f"{seconds(lost_at):9.3f}s  --- hosta reboots (FreeBSD sends no goodbye advert) ---")
    seg.detach("hosta")
    _print_logs(out, seg.run(until=40 * NS_PER_S))
    failover = _measure(seg, "hosta", "hostb", lost_at)
    down = carp_master_down(1, 100)
    out(
        f"   -> hostb took over {seconds(failover.outage_ns):.3f} s after the reboot began, "
        f"{seconds(failover.since_last_advert_ns):.6f} s after hosta's last advert "
        f"(3 x advbase + advskew/256 = {seconds(down):.6f} s)"
    )

    back = 40 * NS_PER_S
    out(f"{seconds(back):9.3f}s  --- hosta is up again (net.inet.carp.preempt=0) ---")
    seg.attach("hosta", vhid("hosta", "192.168.1.3", "52:54:00:00:00:03", 0, 3))
    seg.schedule(back, "hosta", Startup(now=back))
    _print_logs(out, seg.run(until=50 * NS_PER_S))
    out(f"   -> {vip} stays on {', '.join(seg.holders(vip))}: without preempt, a better node waits")

    change = 50 * NS_PER_S
    out(f"{seconds(change):9.3f}s  --- hosta: sysctl net.inet.carp.preempt=1 ---")
    seg.schedule(change, "hosta", SetParameter(now=change, name="preempt", value=1))
    entries = seg.run(until=55 * NS_PER_S)
    _print_logs(out, entries)
    preempted_at = next(
        e.time
        for e in entries
        if e.node == "hosta" and isinstance(e.action, StateChanged) and e.action.new == "MASTER"
    )
    out(f"   -> {vip} is on {', '.join(seg.holders(vip))}: it preempted at hostb's next advert")
    return failover, preempted_at


def run_demo(out: Out = print) -> DemoResult:
    decode_bundled(out)
    vrrp = vrrp_pair(out)
    carp, preempted_at = carp_pair(out)
    return DemoResult(vrrp=vrrp, carp=carp, carp_preempted_at=preempted_at)
