"""From a scenario file to a running world, and the run itself.

:func:`build_world` turns a validated :class:`~simlab.config.scenario.Scenario` into a
:class:`~simlab.sim.world.World`: switches, routers, servers configured from their embedded
``rc_conf`` / ``sysctl_conf`` / ``keepalived_conf`` (read by the same readers as the real
files), clients, cables, probes and the timeline. Everything is checked before anything runs: a
mistake in an embedded config is reported at its line *in the scenario file*, with all the other
mistakes of the file.

Fault phase: real failures strike anywhere in the advertisement cycle, so by default every event
of the timeline is shifted by one offset drawn from the scenario's seed, uniform in [0, longest
advert interval). ``fault_phase: fixed`` (or per event ``phase: fixed``) keeps the written time.
One shared offset keeps the events' order and spacing as written.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from simlab.config.errors import ConfigError, Diagnostic
from simlab.config.freebsd import freebsd_host
from simlab.config.keepalived import parse_keepalived_conf
from simlab.config.scenario import (
    CableEvent,
    ForceStateEvent,
    GarpEvent,
    HostEvent,
    InterfaceEvent,
    InterfaceSpec,
    ParameterEvent,
    RunStep,
    Scenario,
    SwitchEvent,
    SysctlEvent,
)
from simlab.core.timing import NS_PER_S, carp_advert_interval
from simlab.sim.world import World


def ns(seconds: float) -> int:
    """Seconds as written in a scenario to integer nanoseconds (rounded, not truncated)."""
    return round(seconds * NS_PER_S)


@dataclass
class Built:
    """A world ready to run, with what the scenario asked of it."""

    scenario: Scenario
    world: World
    seed: int
    until_ns: int
    fault_offset_ns: int  # the shift applied to random-phase events


def _remap(diags: list[Diagnostic], scenario: Scenario, *key: str | int) -> list[Diagnostic]:
    """Diagnostics of an embedded file, moved to the scenario file's lines."""
    start = scenario.line_of(*key)
    if start is None:
        return diags
    # A block scalar (`rc_conf: |`) starts on the line after its key.
    first = start + 1
    return [
        dataclasses.replace(
            d,
            path=scenario.source_path,
            line=first + d.line - 1 if d.line > 0 else start,
            column=None,
            message=f"{key[-1]}: {d.message}",
        )
        for d in diags
    ]


def build_world(
    scenario: Scenario,
    *,
    seed: int | None = None,
    capture_frames: bool = True,
    fast_forward: bool = True,
) -> Built:
    """Build the scenario's world; raise :class:`ConfigError` with every problem found.

    ``capture_frames`` and ``fast_forward`` are passed to :class:`World` (fast-forward skips
    steady periods of runs that record no frames and run no probe; the trace is the same)."""
    seed = scenario.seed if seed is None else seed
    world = World(seed, capture_frames=capture_frames, fast_forward=fast_forward)
    problems: list[Diagnostic] = []
    topo = scenario.topology

    def blame(message: str, *key: str | int) -> None:
        line = scenario.line_of(*key) or 1
        problems.append(Diagnostic(scenario.source_path, line, None, message))

    for sw in topo.switches:
        world.add_switch(sw.name, aging_ns=ns(sw.mac_aging))

    cables: list[tuple[str, InterfaceSpec, tuple]] = []
    advert_intervals: list[int] = []

    for i, spec in enumerate(topo.routers):
        router = world.add_router(spec.name)
        for j, iface in enumerate(spec.interfaces):
            router.add_nic(iface.name, iface.ip, mac=iface.mac)
            cables.append((spec.name, iface, ("topology", "routers", i, "interfaces", j)))

    for i, spec in enumerate(topo.hosts):
        where = ("topology", "hosts", i)
        sysctls: dict[str, int] = dict(spec.sysctl)
        carp: list[tuple[str, Any]] = []
        vrrp: list[Any] = []
        ips: dict[str, str | None] = {iface.name: iface.ip for iface in spec.interfaces}
        if spec.os == "freebsd":
            try:
                conf = freebsd_host(
                    spec.rc_conf or "",
                    spec.sysctl_conf or "",
                    rc_conf_path="rc.conf",
                    sysctl_conf_path="sysctl.conf",
                )
            except ConfigError as exc:
                rc = [d for d in exc.errors if d.path == "rc.conf"]
                sc = [d for d in exc.errors if d.path != "rc.conf"]
                problems += _remap(rc, scenario, *where, "rc_conf")
                problems += _remap(sc, scenario, *where, "sysctl_conf")
                continue
            for name, ic in conf.interfaces.items():
                if name not in ips:
                    blame(f"rc_conf configures {name}, which is not in interfaces", *where)
                elif ic.ipv4 is not None and ips[name] is not None and ips[name] != ic.ipv4:
                    blame(
                        f"interfaces: {name} ip {ips[name]} differs from rc_conf's {ic.ipv4}",
                        *where,
                        "interfaces",
                    )
                elif ic.ipv4 is not None:
                    ips[name] = ic.ipv4
            for key, value in conf.sysctl.items():
                if isinstance(value, int):
                    sysctls[key] = value
            carp = [(v.iface, v.config) for v in conf.vhids]
        elif spec.keepalived_conf is not None:
            try:
                conf_k = parse_keepalived_conf(spec.keepalived_conf, path="keepalived.conf")
            except ConfigError as exc:
                problems += _remap(exc.errors, scenario, *where, "keepalived_conf")
                continue
            vrrp = list(conf_k.instances)

        host = world.add_host(
            spec.name,
            spec.os,
            boot_time_ns=None if spec.boot_time is None else ns(spec.boot_time),
            sysctls=sysctls,
        )
        for j, iface in enumerate(spec.interfaces):
            if iface.name.startswith("dummy"):
                host.add_dummy(iface.name, ips[iface.name])
                continue
            host.add_nic(iface.name, ips[iface.name], mac=iface.mac)
            cables.append((spec.name, iface, (*where, "interfaces", j)))
        if spec.gateway:
            host.set_gateway(spec.gateway)
        for iface_name, config in carp:
            host.add_carp(iface_name, config)
            advert_intervals.append(carp_advert_interval(config.advbase, config.advskew))
        for inst in vrrp:
            devices = {dev for dev in inst.vip_devices.values() if dev and dev != inst.interface}
            if len(devices) > 1:
                blame(f"{inst.name}: VIPs on several other devices is not modelled", *where)
                continue
            if inst.interface not in ips:
                blame(
                    f"keepalived_conf: {inst.name} uses interface {inst.interface}, which is "
                    "not in interfaces",
                    *where,
                    "keepalived_conf",
                )
                continue
            host.add_vrrp(inst.interface, inst.config, vip_iface=next(iter(devices), None))
            advert_intervals.append(inst.config.advert_int_cs * NS_PER_S // 100)
        for svc in spec.services:
            host.add_service(svc.name, svc.bind, svc.port)

    for i, spec in enumerate(topo.clients):
        client = world.add_client(spec.name, spec.os)
        for j, iface in enumerate(spec.interfaces):
            client.add_nic(iface.name, iface.ip, mac=iface.mac)
            cables.append((spec.name, iface, ("topology", "clients", i, "interfaces", j)))
        if spec.gateway:
            client.set_gateway(spec.gateway)

    if problems:
        raise ConfigError(problems)

    _cable(world, cables, blame)
    if problems:
        raise ConfigError(problems)

    for probe in scenario.probes:
        if probe.ping is not None:
            world.add_ping(
                probe.client,
                probe.ping,
                ns(probe.interval),
                timeout_ns=ns(probe.timeout),
                start_ns=ns(probe.start),
            )
        else:
            address, _, port = (probe.request or "").rpartition(":")
            world.add_requests(
                probe.client,
                address,
                int(port),
                ns(probe.interval),
                timeout_ns=ns(probe.timeout),
                start_ns=ns(probe.start),
            )

    span = max(advert_intervals, default=NS_PER_S)
    offset = world.rng("fault-phase").randrange(span)
    shifted = False
    for k, event in enumerate(scenario.events):
        if isinstance(event, RunStep):
            continue  # typed on a console, a layer above: simlab.console.script plays them
        phase = event.phase or scenario.fault_phase
        shifted |= phase == "random"
        at = ns(event.at) + (offset if phase == "random" else 0)
        try:
            action, target, params = _world_action(world, event)
        except ValueError as exc:
            blame(f"events.{k}: {exc}", "events", k)
            continue
        world.at(at, action, target, **params)
    if problems:
        raise ConfigError(problems)
    # the offset is drawn either way (the streams stay the same); it is reported only if used
    return Built(scenario, world, seed, ns(scenario.until), offset if shifted else 0)


def _cable(world: World, cables: list, blame) -> None:
    cabled: set[tuple[str, str]] = set()
    for owner, iface, where in cables:
        end = f"{owner}:{iface.name}"
        opts = {"latency_ns": ns(iface.latency), "jitter_ns": ns(iface.jitter), "loss": iface.loss}
        if iface.switch is not None:
            if iface.switch not in world.devices:
                blame(f"{end}: no switch named {iface.switch!r}", *where, "switch")
                continue
            world.connect(end, iface.switch, **opts)
        elif iface.peer is not None:
            peer_host, _, peer_iface = iface.peer.partition(".")
            pair = tuple(sorted((end, f"{peer_host}:{peer_iface}")))
            if pair in cabled:
                continue
            try:
                world.connect(end, f"{peer_host}:{peer_iface}", **opts)
            except (KeyError, ValueError) as exc:
                blame(f"{end}: cannot cable to {iface.peer}: {exc}", *where, "peer")
                continue
            cabled.add(pair)  # type: ignore[arg-type]


def _instance(world: World, host: str, vhid: int | None, instance: str | None) -> str | None:
    """The daemon instance name an event means: a CARP vhid (``1@em0``) or a VRRP instance."""
    if instance is not None:
        return instance
    if vhid is None:
        return None
    for name, daemon in world.device(host).daemons.items():
        if getattr(daemon.config, "vhid", None) == vhid:
            return name
    raise ValueError(f"{host} has no CARP vhid {vhid}")


def _world_action(world: World, event: Any) -> tuple[str, str, dict[str, Any]]:
    """The world's action name, target and parameters for one timeline event."""
    match event:
        case HostEvent(action=action, host=host):
            return action, host, {}
        case InterfaceEvent(action=action, host=host, iface=iface):
            name = {"link-down": "ifconfig-down", "link-up": "ifconfig-up"}.get(action, action)
            return name, host, {"iface": iface}
        case SwitchEvent(action=action, switch=switch):
            return {"switch-repair": "switch-recover"}.get(action, action), switch, {}
        case CableEvent(action=action, host=host, iface=iface):
            return action, f"{host}:{iface}", {}
        case GarpEvent(host=host, count=count):
            return "drop-garp", host, {"count": count}
        case SysctlEvent(host=host, name=name, value=value):
            return "sysctl", host, {"name": name, "value": value}
        case ForceStateEvent(host=host, iface=iface, vhid=vhid, state=state):
            return "force-state", host, {"state": state, "instance": f"{vhid}@{iface}"}
        case ParameterEvent(action=action, host=host, value=value, vhid=vhid, instance=inst):
            name = action.removeprefix("set-")
            return (
                "set-parameter",
                host,
                {"name": name, "value": value, "instance": _instance(world, host, vhid, inst)},
            )
    raise ValueError(f"unsupported event {event!r}")  # pragma: no cover - the schema is closed


def run(built: Built) -> Built:
    """Run the built world up to the scenario's ``until``; return the same object."""
    built.world.run(built.until_ns)
    return built
