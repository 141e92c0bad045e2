"""Quiescence fast-forward: skip whole periods of a world that only repeats itself.

DESIGN.md ("Year scale"): when every protocol instance is steady and nothing is in flight, the
world does the same thing every advert interval (a MASTER adverts, its BACKUPs hear it and re-arm
their master-down timers, the switch refreshes the virtual MAC) until the next fault. Instead of
simulating months of that, :class:`~simlab.sim.world.World` shifts every pending event and
deadline by a whole number of periods, up to just before the next planned event.

How the world decides (see :meth:`World._run_fast`):

1. :func:`snapshot` first asks every protocol instance whether it is steady (the core's
   ``steady``: one master adverting, no GARP burst, preempt delay or takeover pending), then
   takes the whole state of the world at a moment ``t`` and splits it into a
   *shape* (everything that must be equal one period later: states, flags, addresses, link
   faults, every Mersenne random stream's state, the number of trace records...), *moving times*
   (pending timers, protocol deadlines, which must all move by exactly one period), *expiring
   times* (a switch's MAC entry, an ARP entry: refreshed every period, or left alone and then
   only their expiry matters) and *counters* (advert counters, IP ids, the draw counters of the
   protocol instances' random streams). It gives up (None) when the world is plainly not quiet:
   frames are recorded, a probe is running, a frame is in flight, a host is booting, an ARP
   resolution is under way, a link draws jitter or loss, or an event it does not know is queued.
2. The world runs one period ``P`` (the least common multiple of the MASTERs' advert intervals)
   for real and takes a second snapshot. :func:`compare` accepts the pair only if the shapes are
   equal and every time moved by exactly ``P`` (or, for an expiring time, did not move at all:
   the skip then stops before it expires). The world is then periodic: the next period would do
   exactly what the last did, shifted by ``P``, with the counters advanced by the same amounts.
3. :func:`apply` jumps ``N * P``: every queued event (except the planned ones: faults, admin
   actions) and every moving time is shifted, every counter advanced ``N`` times its per-period
   step. ``N`` leaves at least one period plus the longest pending timer before the next planned
   event, so the world is back to simulating for real, with every field exactly as a full run
   would have it, before anything new can happen.

Why it is byte-identical: a skipped period produces no record (the shape includes the trace's
length, and frames are not recorded when fast-forward runs), draws no Mersenne random number (the
streams' states are in the shape; a protocol instance's own stream is counter-based, its k-th
draw depends on k only, see :class:`CounterRng`) and leaves the state where the comparison says.
The two fields a comparison cannot see through (a BACKUP's copy of the last advert counter it
heard, a FreeBSD MASTER's counter redrawn before every advert) are rewritten by the first real
period after the jump, before anything can read them (the core says which: ``_ff_ignored``).
"""

from __future__ import annotations

import hashlib
import math
import random
from dataclasses import dataclass, field
from heapq import heapify
from typing import TYPE_CHECKING, Any

from simpy.events import Event

from simlab.core.machine import Snapshot, freeze

if TYPE_CHECKING:
    from simlab.sim.world import World

NS_PER_S = 1_000_000_000


class CounterRng(random.Random):
    """A random stream whose k-th draw is SHA-256 of ``(seed, k)``: a draw does not depend on the
    draws before it, so a skipped span can be accounted for by adding to :attr:`draws`.

    Only :meth:`getrandbits` and :meth:`random` are counter-based (what the protocol cores use;
    ``randrange`` and friends go through ``getrandbits``)."""

    def __init__(self, seed: int) -> None:
        super().__init__(seed)
        self._seed = seed
        self._key = seed.to_bytes(8, "big")
        #: how many draws were made (the stream's whole state)
        self.draws = 0

    def __reduce__(self) -> tuple:
        # random.Random pickles its Mersenne state and calls the class with no argument
        return (self.__class__, (self._seed,), {"draws": self.draws})

    def __setstate__(self, state: dict) -> None:
        self.draws = state["draws"]

    def getrandbits(self, k: int) -> int:
        if k < 0:
            raise ValueError("number of bits must be non-negative")
        n = self.draws
        self.draws = n + 1
        value = 0
        got = 0
        block = 0
        prefix = self._key + n.to_bytes(8, "big")
        while got < k:
            digest = hashlib.sha256(prefix + block.to_bytes(4, "big")).digest()
            value = (value << 256) | int.from_bytes(digest, "big")
            got += 256
            block += 1
        return value >> (got - k)

    def random(self) -> float:
        return self.getrandbits(53) / (1 << 53)


@dataclass
class Snap:
    """The world at one moment, as :func:`compare` needs it."""

    now: int
    period: int
    shape: list = field(default_factory=list)
    #: (kind, ref, value): kind "move" must move by one period; "expiry" may also stay put,
    #: then ``ref[-1]`` is the expiry's offset from the value (an aging time)
    times: list[tuple[str, tuple, int]] = field(default_factory=list)
    machines: list[tuple[Any, Snapshot]] = field(default_factory=list)
    streams: list[tuple[CounterRng, int]] = field(default_factory=list)
    #: latest queued (not planned) event, relative to ``now``
    reach: int = 0


@dataclass
class Plan:
    """What :func:`compare` found: how far a jump may go and what it must change."""

    limit: int  # the jump must not pass this time (an expiry left alone)
    moves: list[tuple] = field(default_factory=list)
    machines: list[tuple[Any, dict[str, int]]] = field(default_factory=list)
    streams: list[tuple[CounterRng, int]] = field(default_factory=list)


def _vars(obj: Any, leave: frozenset[str]) -> tuple:
    return tuple([(k, freeze(v)) for k, v in vars(obj).items() if k not in leave])


_HOST_LEAVE = frozenset(
    {
        "world",
        "neigh",
        "daemons",
        "rng",
        "_route_cache",  # a cache of _routes
        "nics",
        "ifaces",
        "services",
    }
)
_NIC_LEAVE = frozenset({"host", "world", "link", "daemons", "by_id", "ip"})
_SERVICE_LEAVE = frozenset({"host", "world"})


def period_of(world: World) -> int:
    """The common period: the LCM of every running MASTER's own period (1 s when none)."""
    period = 0
    for dev in world.devices.values():
        for daemon in getattr(dev, "daemons", {}).values():
            m = daemon.machine
            if daemon.running and m is not None:
                p = m.period_ns
                if p:
                    period = math.lcm(period, p) if period else p
    return period or NS_PER_S


def snapshot(world: World) -> tuple[Snap | None, int | None]:
    """The world's state now, or (None, when to look again) when it is plainly not quiet."""
    from simlab.sim.daemon import Daemon
    from simlab.sim.host import Host
    from simlab.sim.neighbour import NeighbourTable
    from simlab.sim.world import _Call, _Planned

    now = world.env._now
    if world.capture_frames or world._soon:
        return None, None
    for probe in (*world.pingers, *world.requesters):
        if not probe.stopped or probe.outstanding:
            return None, None
    for link in world.links.values():
        if link.jitter_ns or link.loss:
            return None, None

    daemon_timer = Daemon._timer
    neigh_timer = NeighbourTable._timer
    boot_events = (Host._boot_complete, Host._reboot_halt)
    snap = Snap(now, period_of(world))
    timers = []
    index: dict[int, int] = {}
    reach = 0
    for t, prio, _eid, event in world.env._queue:
        cls = event.__class__
        if cls is _Planned:
            continue
        if cls is not _Call:
            if cls is Event and not event.callbacks:
                continue  # a spent stop event of an earlier run() (SimPy keeps it queued)
            return None, t + 1
        fn = event.fn
        func = getattr(fn, "__func__", None)
        owner = getattr(fn, "__self__", None)
        if func is daemon_timer:
            if event.args[0] == owner._gen and owner.running:
                key = index.setdefault(id(owner), len(index))
                timers.append((t - now, prio, key, owner))
        elif func is neigh_timer:
            entry, gen = event.args
            if entry.gen == gen and owner.entries.get(entry.ip) is entry and owner.host.booted:
                return None, t + 1  # an ARP resolution or probe under way
        elif func in boot_events:
            if event.args[0] == owner._boot_gen:
                return None, t + 1  # a host is booting or halting
        else:
            return None, t + 1  # a frame in flight, a probe tick, a test's own callback
        if t - now > reach:
            reach = t - now
    snap.reach = reach
    timers.sort(key=lambda x: (x[0], x[1], x[2]))
    shape = snap.shape
    shape.append(tuple((rel, prio, owner) for rel, prio, _k, owner in timers))
    shape.append((len(world.trace), len(world._responders), len(world._macs)))

    for name, stream in world._streams.items():
        if stream.__class__ is CounterRng:
            snap.streams.append((stream, stream.draws))
        else:
            shape.append((name, stream.getstate()))
    for link in world.links.values():
        shape.append((link.name, link.cut, link.blocked, link.fixed))

    times = snap.times
    for dev in world.devices.values():
        if getattr(dev, "kind", None) == "switch":
            shape.append((dev.name, dev.powered, dev.hung))
            aging = dev.aging_ns
            for mac, (port, seen) in dev._table.items():
                shape.append((mac, port))
                times.append(("expiry", ("switch", dev, mac, aging), seen))
            continue
        shape.append(_vars(dev, _HOST_LEAVE))
        for nic in dev.ifaces.values():
            shape.append(_vars(nic, _NIC_LEAVE))
        for service in dev.services.values():
            shape.append(_vars(service, _SERVICE_LEAVE))
        neigh = dev.neigh
        shape.append(neigh.reachable_ns)
        for entry in neigh.entries.values():
            shape.append((entry.ip, entry.mac, entry.state, entry.nic, entry.tries, entry.queue))
            times.append(("expiry", ("neigh", entry, 0), entry.until))
        for daemon in dev.daemons.values():
            shape.append(
                (daemon, daemon.running, daemon.crashed, freeze(daemon.held), daemon.machine)
            )
            m = daemon.machine
            if daemon.running and m is not None:
                if not m.steady:
                    # the core says a transition is under way (a GARP burst, a preempt delay,
                    # a BACKUP that has heard no master): not worth a comparison
                    return None, now + 1
                snap.machines.append((m, m.snapshot()))
    return snap, None


def compare(a: Snap, b: Snap) -> Plan | None:
    """A plan if ``b`` is ``a`` one period later (module doc, step 2), else None."""
    period = a.period
    if b.period != period or b.now - a.now != period or a.shape != b.shape:
        return None
    if len(a.times) != len(b.times) or len(a.machines) != len(b.machines):
        return None
    plan = Plan(limit=1 << 62)
    for (kind, ref, va), (_k, _r, vb) in zip(a.times, b.times, strict=True):
        moved = vb - va
        if moved == period:
            plan.moves.append(ref)
        elif moved == 0 and kind == "expiry":
            expires = va + ref[-1]
            if expires > b.now:
                plan.limit = min(plan.limit, expires)
        else:
            return None
    for (ma, sa), (mb, sb) in zip(a.machines, b.machines, strict=True):
        if ma is not mb or sa.shape != sb.shape:
            return None
        for ta, tb in zip(sa.times, sb.times, strict=True):
            if ta is not None and tb - ta != period:  # the shape says both are None or not
                return None
        advance = {}
        for (name, ca, mod), (name_b, cb, _mod) in zip(sa.counts, sb.counts, strict=True):
            if name != name_b:
                return None
            advance[name] = (cb - ca) % mod
        plan.machines.append((ma, advance))
    for (sa_, da), (sb_, db) in zip(a.streams, b.streams, strict=True):
        if sa_ is not sb_:
            return None
        plan.streams.append((sa_, db - da))
    return plan


def apply(world: World, plan: Plan, periods: int, period: int) -> None:
    """Jump ``periods`` whole periods ahead (module doc, step 3)."""
    from simlab.sim.world import _Planned

    shift = periods * period
    env = world.env
    queue = env._queue
    queue[:] = [
        (t if ev.__class__ is _Planned else t + shift, prio, eid, ev) for t, prio, eid, ev in queue
    ]
    heapify(queue)
    env._now += shift
    for ref in plan.moves:
        if ref[0] == "switch":
            _kind, switch, mac, _aging = ref
            port, seen = switch._table[mac]
            switch._table[mac] = (port, seen + shift)
        else:
            ref[1].until += shift
    for machine, advance in plan.machines:
        machine.fast_forward(shift, {k: v * periods for k, v in advance.items()})
    for stream, step in plan.streams:
        stream.draws += step * periods
