"""The lab bench: one scenario's world, driven live, read back as plain data.

A :class:`Bench` builds a scenario's world *without* its timeline (the learner presses the
buttons instead) but with its probes (the client keeps pinging), runs the first election, and
then lets time pass in small steps while faults and admin actions are applied at the current
simulated time. Everything it reports (states, bands, probe points, outages, log lines, the
packet list, availability, the topology) is computed from the world's trace, as plain
JSON-able data, so the views (:mod:`simlab.lab.views`) and the widgets
(:mod:`simlab.lab.widgets`) stay thin and tests can check the numbers without a browser.

Every action goes through :meth:`World.apply`, so each one is a ``FaultRecord`` in the trace,
and the same seed with the same sequence of actions at the same times gives the same trace.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import networkx as nx

from simlab.analysis.availability import MINUTES_PER_YEAR, outages_by_cause
from simlab.analysis.capture import summarize_capture
from simlab.config.scenario import Scenario, load_scenario
from simlab.core.actions import Log
from simlab.core.timing import NS_PER_S
from simlab.render.syslog import syslog_line
from simlab.sim.build import build_world
from simlab.sim.trace import FaultRecord, FrameSent, LogLine, Probe, StateChange
from simlab.wire.errors import DecodeError
from simlab.wire.frames import parse_frame
from simlab.wire.icmp import IcmpEcho, NeighborAdvert
from simlab.wire.pcap import PcapRecord

#: which state wins when a host runs several instances (one band per host)
_STATE_RANK = {"MASTER": 4, "BACKUP": 3, "FAULT": 2, "INIT": 1, "DOWN": 0}


def load(scenario: Scenario | str | Path) -> Scenario:
    """A built-in scenario name, a YAML file path or a :class:`Scenario` -> a Scenario.

    The same lookup ``simlab run`` does (built-in names first), raising ``ValueError`` with
    the built-in names when nothing matches (the CLI exits instead; the lab may not import it).
    """
    if isinstance(scenario, Scenario):
        return scenario
    from simlab.data import scenario_path

    return load_scenario(scenario_path(str(scenario)))


def _seconds(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{what} takes a number of seconds, got {value!r}")
    if value < 0:
        raise ValueError(f"{what} takes seconds >= 0, got {value!r}")
    return float(value)


class Bench:
    """A scenario's world on the bench. See docs/lab-bench.md for the tour.

    ``keep_events=False``: the scenario's timeline is not scheduled (the learner acts);
    probes are kept. ``warmup_s``: simulated seconds run at once (the first election).
    ``seed=None`` takes the scenario's seed.
    """

    def __init__(
        self,
        scenario: Scenario | str | Path,
        seed: int | None = None,
        *,
        keep_events: bool = False,
        warmup_s: float = 10.0,
    ) -> None:
        spec = load(scenario)
        self.scenario = spec if keep_events else spec.model_copy(update={"events": []})
        built = build_world(self.scenario, seed=seed)
        self.built = built
        self.world = built.world
        self.seed = built.seed
        self._consoles: dict[str, Any] = {}
        self._events_cache: list[dict[str, Any]] = []
        self._frames_seen = 0
        self.run_until(_seconds(warmup_s, "warmup_s"))

    # ------------------------------------------------------------------ who is who
    @property
    def servers(self) -> list[str]:
        """Hosts that run a protocol instance, in scenario order."""
        return [n for n, d in self.world.devices.items() if getattr(d, "daemons", None)]

    @property
    def clients(self) -> list[str]:
        return [n for n, d in self.world.devices.items() if getattr(d, "kind", None) == "client"]

    @property
    def vips(self) -> list[str]:
        """The service IPs (without prefix length) the instances share, in first-seen order."""
        out: list[str] = []
        for name in self.servers:
            for daemon in self.world.devices[name].daemons.values():
                for vip in daemon.config.vips:
                    address = vip.split("/")[0]
                    if address not in out:
                        out.append(address)
        return out

    @property
    def protocol(self) -> str:
        """``"carp"`` or ``"vrrp"`` (the first server's first instance)."""
        first = self.world.devices[self.servers[0]]
        return next(iter(first.daemons.values())).protocol

    # ------------------------------------------------------------------ time
    @property
    def now_s(self) -> float:
        return self.world.now / NS_PER_S

    def advance(self, seconds: float) -> None:
        """Let ``seconds`` of simulated time pass."""
        seconds = _seconds(seconds, "advance")
        self.world.run(self.world.now + round(seconds * NS_PER_S))

    def run_until(self, t_s: float) -> None:
        """Run to simulated time ``t_s`` (no-op when already there or past it)."""
        t_ns = round(_seconds(t_s, "run_until") * NS_PER_S)
        if t_ns > self.world.now:
            self.world.run(t_ns)

    # ------------------------------------------------------------------ checks
    def _server(self, host: str) -> Any:
        if host not in self.servers:
            raise ValueError(f"{host!r} is not a server here; servers: {', '.join(self.servers)}")
        return self.world.devices[host]

    def _host(self, host: str) -> Any:
        dev = self.world.devices.get(host)
        if dev is None or getattr(dev, "kind", None) == "switch":
            hosts = [n for n, d in self.world.devices.items() if getattr(d, "kind", "") != "switch"]
            raise ValueError(f"{host!r} is not a host here; hosts: {', '.join(hosts)}")
        return dev

    def _iface(self, host: str, iface: str | None) -> str:
        dev = self._host(host)
        if iface is None:
            if not dev.nics:
                raise ValueError(f"{host} has no NIC")
            return next(iter(dev.nics))
        if iface not in dev.nics:
            raise ValueError(f"{host} has no NIC {iface!r}; it has {', '.join(dev.nics)}")
        return iface

    def _daemon_protocol(self, host: str, instance: str | None) -> str:
        return self._server(host).daemon(instance).protocol

    # ------------------------------------------------------------------ actions
    def reboot(self, host: str) -> None:
        """``shutdown -r now`` on ``host``."""
        self._host(host)
        self.world.apply("reboot", host)

    def power_off(self, host: str) -> None:
        """Pull the power cord: nothing said on the wire."""
        self._host(host)
        self.world.apply("power-off", host)

    def power_on(self, host: str) -> None:
        self._host(host)
        self.world.apply("power-on", host)

    def nic_down(self, host: str, iface: str | None = None) -> None:
        """``ifconfig em0 down`` / ``ip link set eth0 down`` (default: the host's first NIC)."""
        self.world.apply("ifconfig-down", host, iface=self._iface(host, iface))

    def nic_up(self, host: str, iface: str | None = None) -> None:
        self.world.apply("ifconfig-up", host, iface=self._iface(host, iface))

    def nic_fail(self, host: str, iface: str | None = None) -> None:
        """The NIC dies (carrier lost, as a pulled cable)."""
        self.world.apply("nic-fail", host, iface=self._iface(host, iface))

    def nic_repair(self, host: str, iface: str | None = None) -> None:
        self.world.apply("nic-repair", host, iface=self._iface(host, iface))

    def cut(self, a: str, b: str | None = None) -> None:
        """Cut a cable (both ends lose carrier): ``cut("server-1:em1")`` or
        ``cut("server-1", "switch")``."""
        self.world.apply("cable-cut", a, peer=b)

    def repair(self, a: str, b: str | None = None) -> None:
        self.world.apply("cable-repair", a, peer=b)

    def sync_link(self) -> str | None:
        """The name of the link joining two servers directly (the sync link), or None."""
        servers = set(self.servers)
        for name, link in self.world.links.items():
            owners = {link.a.label.partition(":")[0], link.b.label.partition(":")[0]}
            if len(owners) == 2 and owners <= servers:
                return name
        return None

    def _sync(self) -> str:
        name = self.sync_link()
        if name is None:
            raise ValueError(
                f"{self.scenario.name} has no sync link (no cable joins two servers directly); "
                "cut a cable by name instead, e.g. bench.cut('server-1:em0')"
            )
        return name

    def cut_sync(self, *, carrier_loss: bool = False) -> None:
        """The sync link stops carrying adverts. By default its carrier stays up (a dropping
        firewall, a dead switch in between: nobody sees a link change, so both sides go
        MASTER, the split brain); ``carrier_loss=True`` cuts the cable instead."""
        name = self._sync()
        self.world.apply("cable-cut" if carrier_loss else "partition", name)

    def repair_sync(self) -> None:
        """Undo :meth:`cut_sync` (either kind)."""
        name = self._sync()
        link = self.world.links[name]
        if link.blocked:
            self.world.apply("heal", name)
        if link.cut:
            self.world.apply("cable-repair", name)

    def drop_garp(self, host: str, count: int = 1) -> None:
        """The next ``count`` gratuitous ARPs ``host`` sends are lost."""
        self._host(host)
        self.world.apply("drop-garp", host, count=count)

    def _set(self, host: str, name: str, value: int, instance: str | None, protocol: str) -> None:
        have = self._daemon_protocol(host, instance)
        if have != protocol:
            other = {
                "advskew": "priority",
                "advbase": "advert_int",
                "priority": "advskew",
                "advert_int": "advbase",
            }[name]
            raise ValueError(
                f"{host} runs {have.upper()}: {name} is {protocol.upper()}'s; use {other}"
            )
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{name} takes an integer, got {value!r}")
        # Checked here, before the world records the command: the protocol core checks too,
        # but only after the host has logged the action as done.
        cfg = self._server(host).daemon(instance).config
        low, high, what = _RANGES[name](cfg)
        if not low <= value <= high or (name == "advert_int" and cfg.version == 2 and value % 100):
            raise ValueError(f"{host}: {name} takes {what}, got {value}")
        self.world.apply("set-parameter", host, name=name, value=value, instance=instance)

    def set_advskew(self, host: str, v: int, instance: str | None = None) -> None:
        """``ifconfig em0 vhid 1 advskew V`` (CARP; lower wins)."""
        self._set(host, "advskew", v, instance, "carp")

    def set_advbase(self, host: str, v: int, instance: str | None = None) -> None:
        """``ifconfig em0 vhid 1 advbase V`` (CARP, whole seconds)."""
        self._set(host, "advbase", v, instance, "carp")

    def set_priority(self, host: str, v: int, instance: str | None = None) -> None:
        """keepalived ``priority V`` (VRRP; higher wins)."""
        self._set(host, "priority", v, instance, "vrrp")

    def set_advert_int(self, host: str, v: float, instance: str | None = None) -> None:
        """keepalived ``advert_int V`` in seconds (kept in centiseconds, as on the wire)."""
        seconds = _seconds(v, "advert_int")
        self._set(host, "advert_int", round(seconds * 100), instance, "vrrp")

    def set_preempt(self, on: bool, host: str | None = None) -> None:
        """Preemption on or off, on ``host`` or every server. CARP: ``sysctl
        net.inet.carp.preempt=1|0`` (host-wide); keepalived: the instance's ``nopreempt``."""
        for name in [host] if host is not None else self.servers:
            dev = self._server(name)
            if dev.os == "freebsd":
                self.world.apply("sysctl", name, name="net.inet.carp.preempt", value=int(on))
            else:
                for instance in dev.daemons:
                    self.world.apply(
                        "set-parameter", name, name="preempt", value=int(on), instance=instance
                    )

    def force_state(self, host: str, state: str, instance: str | None = None) -> None:
        """``ifconfig em0 vhid 1 state master|backup`` (CARP; keepalived logs that it cannot)."""
        wanted = state.upper()
        if wanted not in ("MASTER", "BACKUP"):
            raise ValueError(f"force_state takes 'master' or 'backup', got {state!r}")
        self._server(host)
        self.world.apply("force-state", host, state=wanted, instance=instance)

    # ------------------------------------------------------------------ reading: now
    def _host_state(self, name: str) -> str:
        dev = self.world.devices[name]
        if not dev.powered or not dev.booted:
            return "DOWN"
        states = [d.state for d in dev.daemons.values()]
        return max(states, key=lambda s: _STATE_RANK.get(s, 1)) if states else "INIT"

    def states(self) -> dict[str, str]:
        """Each server's state now: MASTER, BACKUP, INIT, FAULT or DOWN (powered off or
        booting). A host with several instances shows its 'highest' (MASTER first)."""
        return {name: self._host_state(name) for name in self.servers}

    def parameters(self) -> dict[str, dict[str, Any]]:
        """Each server's election parameters now (its first instance), whoever set them (a
        button, a console command, the config): CARP ``advskew``, ``advbase``, ``preempt``;
        VRRP ``priority`` (the effective one), ``advert_int`` (seconds), ``preempt``. A
        stopped instance shows its configuration."""
        out: dict[str, dict[str, Any]] = {}
        for name in self.servers:
            dev = self.world.devices[name]
            daemon = next(iter(dev.daemons.values()))
            m, cfg = (daemon.machine if daemon.running else None), daemon.config
            if daemon.protocol == "carp":
                out[name] = {
                    "advskew": m.advskew if m is not None else cfg.advskew,
                    "advbase": m.advbase if m is not None else cfg.advbase,
                    "preempt": bool(dev.sysctls.get("net.inet.carp.preempt", 0)),
                }
            else:
                cs = m.master_adver_interval_cs if m is not None else cfg.advert_int_cs
                out[name] = {
                    "priority": m.effective_priority if m is not None else cfg.priority,
                    "advert_int": cs / 100,
                    # VrrpRouter has no public preempt property (CarpVhid has): read its own
                    "preempt": bool(m._preempt if m is not None else cfg.preempt),
                }
        return out

    def holders(self) -> list[str]:
        """Every server holding a service IP now (two in a split brain)."""
        vips = self.vips
        return [
            name
            for name in self.servers
            if any(self.world.devices[name].holds(vip) for vip in vips)
        ]

    def master(self) -> str | None:
        """Who holds the VIP now (the first in scenario order when several do; see
        :meth:`holders`)."""
        found = self.holders()
        return found[0] if found else None

    # ------------------------------------------------------------------ reading: history
    def state_bands(self) -> list[dict[str, Any]]:
        """Each server's state over time as bands ``{"host","state","start_s","end_s"}``: the
        protocol states from the trace, and DOWN while the host was off or booting."""
        per_instance: dict[str, dict[str, str]] = {
            name: {inst: "INIT" for inst in self.world.devices[name].daemons}
            for name in self.servers
        }
        # host power is not a StateChange: take DOWN from the power faults and boot times
        changes: list[tuple[int, str, str | None, str]] = []  # (t, host, instance|None, what)
        for record in self.world.trace:
            if isinstance(record, StateChange) and record.node in per_instance:
                changes.append((record.time, record.node, record.instance, record.new))
        bands: list[tuple[str, str, int, int]] = []
        current: dict[str, tuple[str, int]] = {}
        down = self._down_intervals()
        now = self.world.now
        for name in self.servers:
            current[name] = ("INIT", 0)
        points: list[tuple[int, str]] = []
        for t, host, instance, new in changes:
            per_instance[host][instance] = new  # type: ignore[index]
            points.append((t, host))
            state = max(per_instance[host].values(), key=lambda s: _STATE_RANK.get(s, 1))
            start_state, start = current[host]
            if state != start_state:
                if t > start:
                    bands.append((host, start_state, start, t))
                current[host] = (state, t if t > start else start)
        for host, (state, start) in current.items():
            if now > start:
                bands.append((host, state, start, now))
        # overlay DOWN: cut the bands where the host was off
        pieces: list[tuple[str, str, int, int]] = []
        for band in bands:
            pieces.extend(_minus(band, down.get(band[0], [])))
        for host, spans in down.items():
            for a, b in spans:
                end = min(b, now)
                if end > a:
                    pieces.append((host, "DOWN", a, end))
        order = {name: i for i, name in enumerate(self.servers)}
        pieces.sort(key=lambda b: (order[b[0]], b[2]))
        return [_band(*piece) for piece in pieces]

    def _down_intervals(self) -> dict[str, list[tuple[int, int]]]:
        """When each server was off or booting (ns spans). The trace has no "halted" record,
        so a span starts at the power-off, or at the reboot plus the host's shutdown time,
        and ends at the host's ``boot complete`` log line."""
        out: dict[str, list[tuple[int, int]]] = {name: [] for name in self.servers}
        now = self.world.now
        for name in self.servers:
            dev = self.world.devices[name]
            start: int | None = None
            for record in self.world.trace:
                if isinstance(record, FaultRecord) and record.target == name and start is None:
                    if record.kind == "power-off":
                        start = record.time
                    elif record.kind == "reboot":
                        start = record.time + dev.shutdown_ns
                elif (
                    start is not None
                    and isinstance(record, LogLine)
                    and record.node == name
                    and record.source == "simlab"
                    and record.text == "boot complete"
                ):
                    out[name].append((start, record.time))
                    start = None
            if start is not None:
                out[name].append((start, now))
        return out

    def probe_points(self) -> list[dict[str, Any]]:
        """Every settled client probe: ``{"t_s","client","target","ok","rtt_ms"}`` plus
        ``kind``, ``responder`` and ``error``."""
        return [
            {
                "t_s": p.time / NS_PER_S,
                "client": p.client,
                "target": p.target,
                "ok": p.answered,
                "rtt_ms": None if p.rtt_ns is None else p.rtt_ns / 1e6,
                "kind": p.kind,
                "responder": p.responder,
                "error": p.error,
            }
            for p in self.world.trace.of(Probe)
        ]

    def outages(self) -> list[dict[str, Any]]:
        """Runs of unanswered probes per client: ``{"start_s","end_s","duration_s","client",
        "target"}`` plus ``kind``, ``lost``, ``errors`` and ``cause`` (failover, split brain...:
        :func:`simlab.analysis.availability.outages_by_cause`); ``end_s`` is None while it
        lasts (``duration_s`` then runs to the last lost probe)."""
        out = []
        kinds = {n: getattr(d, "kind", "") for n, d in self.world.devices.items()}
        faults = self.world.trace.of(FaultRecord)
        streams: dict[tuple[str, str, str], list[Probe]] = {}
        for p in self.world.trace.of(Probe):
            streams.setdefault((p.client, p.target, p.kind), []).append(p)
        caused = []
        # One client's stream at a time: given every client's outages at once,
        # outages_by_cause reads the faults before the second client's outage as belonging
        # to the first's, and calls it "other" (two clients, one failover).
        for stream in streams.values():
            caused += outages_by_cause(
                [*faults, *stream],
                switches=[n for n, k in kinds.items() if k == "switch"],
                routers=[n for n, k in kinds.items() if k == "router"],
            )
        caused.sort(key=lambda c: (c.outage.start, c.outage.client, c.outage.target, c.outage.kind))
        for item in caused:
            o = item.outage
            out.append(
                {
                    "start_s": o.start / NS_PER_S,
                    "end_s": None if o.end is None else o.end / NS_PER_S,
                    "duration_s": o.duration / NS_PER_S,
                    "client": o.client,
                    "target": o.target,
                    "kind": o.kind,
                    "lost": o.lost,
                    "errors": list(o.errors),
                    "cause": item.cause,
                }
            )
        return out

    def faults(self) -> list[dict[str, Any]]:
        """Every action and fault so far: ``{"t_s","kind","target","detail"}``."""
        return [
            {"t_s": f.time / NS_PER_S, "kind": f.kind, "target": f.target, "detail": f.detail}
            for f in self.world.trace.of(FaultRecord)
        ]

    def log_lines(self, host: str | None = None, *, detail: bool = False) -> list[str]:
        """The hosts' log lines as /var/log/messages or journalctl shows them (``detail``
        adds the lines keepalived prints only with ``--log-detail``)."""
        if host is not None:
            self._host(host)
        return [
            syslog_line(r.time, r.node, Log(r.source, r.text))
            for r in self.world.trace.of(LogLine)
            if (host is None or r.node == host) and (detail or not r.detail)
        ]

    def events(
        self, protocol: str | None = None, host: str | None = None, text: str | None = None
    ) -> list[dict[str, Any]]:
        """Every frame put on a wire, as a packet analyser lists it: ``{"t_s","src","dst",
        "protocol","summary"}``. Filters (all case-insensitive): ``protocol`` (``"carp"``,
        ``"vrrp"``, ``"arp"``, ``"icmp"``, ``"tcp"``), ``host`` (sender or receiver),
        ``text`` (a substring of the summary)."""
        self._update_events()
        rows = self._events_cache
        if protocol:
            want = protocol.strip().lower()
            rows = [r for r in rows if r["protocol"].lower() == want]
        if host:
            rows = [r for r in rows if host in (r["src"], r["dst"])]
        if text:
            needle = text.lower()
            rows = [r for r in rows if needle in r["summary"].lower()]
        return [dict(r) for r in rows]

    def _update_events(self) -> None:
        frames = [r for r in self.world.trace.records if isinstance(r, FrameSent)]
        new = frames[self._frames_seen :]
        if not new:
            return
        self._frames_seen = len(frames)
        summaries = summarize_capture([PcapRecord(ts_ns=f.time, frame=f.frame) for f in new])
        by_number = {s.number: s for s in summaries.packets}
        for number, frame in enumerate(new, start=1):
            self._events_cache.append(self._event(frame, by_number.get(number)))

    def _event(self, frame: FrameSent, summary: Any) -> dict[str, Any]:
        try:
            parsed = parse_frame(frame.frame)
        except DecodeError as exc:
            return _row(frame, frame.node, "?", "?", f"undecodable: {exc}")
        dst_mac = parsed.eth.dst
        owner = self.world.mac_owner(dst_mac)
        if dst_mac == "ff:ff:ff:ff:ff:ff":
            dst = "broadcast"
        elif owner is not None:
            dst = owner
        else:
            dst = parsed.dst_ip or dst_mac
        p = parsed.payload
        route = f"{parsed.src_ip} > {parsed.dst_ip}"
        if summary is not None and summary.protocol == "VRRP":
            text = (
                f"{route} VRRPv{summary.version} vrid {summary.vrid} prio {summary.priority} "
                f"int {summary.interval:g}s [{' '.join(summary.addresses or ())}]"
            )
            return _row(frame, frame.node, dst, "VRRP", text)
        if summary is not None and summary.protocol == "CARP":
            text = (
                f"{route} CARP vhid {summary.vhid} advbase {summary.advbase} "
                f"advskew {summary.advskew}"
                + (f" demote {summary.demote}" if summary.demote else "")
            )
            return _row(frame, frame.node, dst, "CARP", text)
        if summary is not None and summary.protocol == "ARP":
            if summary.gratuitous:
                text = f"gratuitous ARP: {summary.sender_ip} is at {summary.sender_mac}"
            elif summary.arp_op == "reply":
                text = f"ARP reply: {summary.sender_ip} is at {summary.sender_mac}"
            else:
                text = f"ARP who has {summary.target_ip}? tell {summary.sender_ip}"
            return _row(frame, frame.node, dst, "ARP", text)
        if isinstance(p, IcmpEcho):
            what = "echo reply" if p.reply else "echo request"
            return _row(frame, frame.node, dst, "ICMP", f"{route} {what} id {p.ident} seq {p.seq}")
        if isinstance(p, NeighborAdvert):
            return _row(frame, frame.node, dst, "ICMPv6", f"neighbour advert {p.target}")
        ip = parsed.ip
        proto = getattr(ip, "proto", None) if ip is not None else None
        if proto == 6 and isinstance(p, bytes | bytearray) and len(p) >= 14:
            sport, dport, flags = int.from_bytes(p[0:2]), int.from_bytes(p[2:4]), p[13]
            names = [
                n for bit, n in ((2, "SYN"), (16, "ACK"), (4, "RST"), (1, "FIN")) if flags & bit
            ]
            return _row(
                frame, frame.node, dst, "TCP", f"{route} {sport} > {dport} [{','.join(names)}]"
            )
        if proto == 1:
            return _row(frame, frame.node, dst, "ICMP", f"{route} ICMP")
        return _row(frame, frame.node, dst, frame.kind or "other", f"{route} {frame.kind or ''}")

    def pcap(self) -> bytes:
        """Every frame so far as a classic pcap (nanosecond timestamps = simulated time)."""
        return self.world.pcap()

    def availability(self) -> dict[str, Any]:
        """What the clients measured so far: ``availability`` (fraction of probes answered),
        ``downtime_s`` (sum of the outages), ``observed_s`` (first probe to now), ``outages``
        (how many) and ``downtime_minutes_per_year`` at that availability."""
        probes = self.world.trace.of(Probe)
        outages = self.outages()
        if not probes:
            return {
                "availability": None,
                "downtime_s": 0.0,
                "observed_s": 0.0,
                "outages": 0,
                "downtime_minutes_per_year": None,
            }
        answered = sum(p.answered for p in probes)
        a = answered / len(probes)
        return {
            "availability": a,
            "downtime_s": sum(o["duration_s"] for o in outages),
            "observed_s": (self.world.now - probes[0].time) / NS_PER_S,
            "outages": len(outages),
            "downtime_minutes_per_year": (1 - a) * MINUTES_PER_YEAR,
        }

    def topology(self) -> nx.Graph:
        """The topology now: nodes with ``kind`` (host/router/switch/client), ``holds_vip`` and
        ``state`` (a server's state, else UP/DOWN); edges with ``link`` and ``up``."""
        g = nx.Graph()
        holders = set(self.holders())
        states = self.states()
        for name, dev in self.world.devices.items():
            kind = getattr(dev, "kind", "switch")
            if name in states:
                state = states[name]
            elif kind == "switch":
                state = "DOWN" if getattr(dev, "failed", False) else "UP"
            else:
                state = "UP" if dev.powered and dev.booted else "DOWN"
            g.add_node(name, kind=kind, holds_vip=name in holders, state=state)
        for u, v, key, data in self.world.graph.edges(keys=True, data=True):
            link = data["link"]
            g.add_edge(
                u,
                v,
                link=key,
                ports=list(data.get("ports", ())),
                up=not (link.cut or link.blocked),
            )
        return g

    def console(self, host: str) -> Any:
        """A root shell on ``host`` sharing this world (same clock, same trace); its files
        are the scenario's (``rc.conf``, ``keepalived.conf``). One console per host."""
        from simlab.console.session import Console, scenario_files

        if host not in self._consoles:
            self._host(host)
            files = scenario_files(self.scenario).get(host)
            self._consoles[host] = Console(self.world, host, files=files)
        return self._consoles[host]

    def __repr__(self) -> str:
        return f"<Bench {self.scenario.name} seed={self.seed} t={self.now_s:.3f} s {self.states()}>"


#: parameter -> (config -> (lowest, highest, how the range reads)), as the hosts check them
_RANGES: dict[str, Any] = {
    "advskew": lambda c: (
        (0, 255, "0..255") if c.flavour == "ucarp" else (0, 254, "0..254 (ifconfig)")
    ),
    "advbase": lambda c: (
        (0, 255, "0..255") if c.flavour == "openbsd" else (1, 255, "1..255 seconds (ifconfig)")
    ),
    "priority": lambda c: (1, 255, "1..255 (keepalived)"),
    "advert_int": lambda c: (
        (100, 25500, "whole seconds 1..255 for VRRPv2")
        if c.version == 2
        else (1, 4095, "0.01..40.95 s for VRRPv3")
    ),
}


def _band(host: str, state: str, start: int, end: int) -> dict[str, Any]:
    return {"host": host, "state": state, "start_s": start / NS_PER_S, "end_s": end / NS_PER_S}


def _minus(
    band: tuple[str, str, int, int], spans: list[tuple[int, int]]
) -> list[tuple[str, str, int, int]]:
    """``band`` (host, state, start ns, end ns) with the ``spans`` (ns) cut out."""
    host, state, start, end = band
    pieces = [(start, end)]
    for a, b in spans:
        nxt = []
        for s, e in pieces:
            if b <= s or a >= e:
                nxt.append((s, e))
                continue
            if a > s:
                nxt.append((s, a))
            if b < e:
                nxt.append((b, e))
        pieces = nxt
    return [(host, state, s, e) for s, e in pieces if e > s]


def _row(frame: FrameSent, src: str, dst: str, protocol: str, summary: str) -> dict[str, Any]:
    return {
        "t_s": frame.time / NS_PER_S,
        "src": src,
        "dst": dst,
        "protocol": protocol,
        "summary": summary,
        "iface": frame.iface,
    }
