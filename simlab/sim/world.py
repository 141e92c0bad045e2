"""The simulated world: devices, links, time, randomness and the trace.

A :class:`World` owns a SimPy environment whose clock counts integer nanoseconds, a networkx
multigraph of the topology, one random stream per component and the :class:`Trace` of the run.

How it runs (the speed notes in DESIGN.md)
-----------------------------------------
Nothing in the world is a SimPy process. Every activity is a *callback* scheduled on the SimPy
event heap: one pending timer per protocol instance (re-arming bumps a generation counter, so a
stale timer fires into nothing), one event per ping tick, one event per frame arrival after a
link delay. A frame whose whole path has zero delay is delivered in the same instant without any
SimPy event, through a small run-to-completion queue: the handler that sent it finishes first,
then the queue is drained (so a protocol instance is never re-entered in the middle of carrying
out its own actions). A switch resolves a frame's path when the frame is put on the wire (MAC
learning and lookup happen then), so a frame through a switch costs one event, not two.

Fast-forward
------------
When nothing but the protocols' steady adverts is going on, the world skips whole advert periods
up to just before the next planned event (fault or admin action), with a trace identical to the
full run's: see :mod:`simlab.sim.quiesce`. ``World(fast_forward=False)`` turns it off. It only
engages in runs that record no frames and run no probe (``capture_frames=False``, no running
pinger or request client): those are the runs where a year of simulated time is affordable.

Determinism
-----------
Every random draw comes from a stream derived from ``(seed, component name)`` with SHA-256, so
adding a component never changes another component's draws. SimPy breaks ties between events at
the same instant by scheduling order, and the world never iterates over unordered sets, so the
same seed and the same construction give the same trace, record for record and byte for byte.
"""

from __future__ import annotations

import gc
import hashlib
import random
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from heapq import heappop, heappush
from typing import TYPE_CHECKING, Any

import networkx as nx
import simpy
from simpy.core import EmptySchedule, StopSimulation
from simpy.events import NORMAL, URGENT, Event

from simlab.sim.link import Link
from simlab.sim.trace import FaultRecord, Probe, Record, Trace

if TYPE_CHECKING:
    from simlab.sim.host import Host
    from simlab.sim.probes import Pinger, Requester
    from simlab.sim.switch import Switch

NS_PER_S = 1_000_000_000
NS_PER_MS = 1_000_000
NS_PER_US = 1_000

#: one-way latency of a link unless told otherwise: a switched LAN hop (ping shows ~0.2 ms)
DEFAULT_LATENCY_NS = 50 * NS_PER_US


class LivelockError(RuntimeError):
    """Too many zero-delay deliveries in one instant: frames bounce with no time passing."""


def _fire(event: _Call) -> None:
    world = event.world
    world._busy = True
    try:
        event.fn(*event.args)
        if world._soon:
            world._drain()
    finally:
        world._busy = False


class _Call(Event):
    """A SimPy event that calls ``fn(*args)`` when processed (no process, no generator).

    It is born triggered (like a ``Timeout``) and skips ``Event.__init__``'s bookkeeping."""

    def __init__(self, world: World, fn: Callable[..., Any], args: tuple) -> None:
        self.env = world.env
        self.callbacks = [_fire]
        self._ok = True
        self._value = None
        self.world = world
        self.fn = fn
        self.args = args


class _PlannedCall(_Call):
    """A fault or admin action from :meth:`World.at`: fast-forward never moves it."""


_Planned = _PlannedCall  # the name simlab.sim.quiesce tests event classes against


def stream_seed(seed: int, name: str) -> int:
    """The seed of component ``name``'s random stream: 64 bits of SHA-256 of ``"seed/name"``."""
    digest = hashlib.sha256(f"{seed}/{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


class World:
    """A simulated network. See docs/world.md for the model and the API tour.

    ``seed`` decides every random draw (link jitter and loss, CARP counters, ARP timer jitter,
    probe identifiers). ``capture_frames=False`` skips the :class:`FrameSent` records (for long
    runs where only states and probes matter; the pcap is then empty). ``fast_forward`` (on by
    default) skips steady periods when the run records no frames and runs no probe; the trace
    is the same either way (:mod:`simlab.sim.quiesce`).
    """

    #: zero-delay deliveries allowed in one instant before :class:`LivelockError`
    MAX_INLINE_PER_INSTANT = 100_000

    def __init__(
        self, seed: int = 0, *, capture_frames: bool = True, fast_forward: bool = True
    ) -> None:
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise ValueError(f"seed must be an integer, got {seed!r}")
        self.seed = seed
        self.capture_frames = capture_frames
        self.fast_forward = bool(fast_forward)
        #: fast-forward jumps made, and the simulated ns they skipped
        self.ff_jumps = 0
        self.ff_skipped_ns = 0
        self.env = simpy.Environment(initial_time=0)
        self.trace = Trace()
        self.graph = nx.MultiGraph()
        self.devices: dict[str, Any] = {}
        self.links: dict[str, Link] = {}
        self.pingers: list[Any] = []
        self.requesters: list[Any] = []
        #: SimPy events the world scheduled, and deliveries done inline (no event)
        self.events_scheduled = 0
        self.inline_deliveries = 0
        self._streams: dict[str, random.Random] = {}
        self._soon: deque[tuple[Callable[..., Any], tuple]] = deque()
        self._busy = False
        self._macs: dict[bytes, str] = {}
        #: reply identity (IP id + L4 ids + client address) -> node that sent the reply
        self._responders: dict[bytes, str] = {}

    # ------------------------------------------------------------------ time and randomness
    @property
    def now(self) -> int:
        """Simulated time in integer nanoseconds."""
        return self.env._now  # type: ignore[return-value]

    def rng(self, name: str) -> random.Random:
        """The random stream of component ``name`` (created on first use, then the same object)."""
        stream = self._streams.get(name)
        if stream is None:
            stream = self._streams[name] = random.Random(stream_seed(self.seed, name))
        return stream

    def counter_rng(self, name: str) -> random.Random:
        """Like :meth:`rng`, but the k-th draw depends only on the seed, the name and k
        (:class:`~simlab.sim.quiesce.CounterRng`): for components that draw in steady state (a
        CARP vhid's IP ids and counters), so a fast-forward can skip draws by counting them."""
        from simlab.sim.quiesce import CounterRng

        stream = self._streams.get(name)
        if stream is None:
            stream = self._streams[name] = CounterRng(stream_seed(self.seed, name))
        elif not isinstance(stream, CounterRng):
            raise ValueError(f"random stream {name!r} is already a sequential stream")
        return stream

    def run(self, until_ns: int) -> None:
        """Advance the world to ``until_ns``: every event due before it is processed (SimPy's
        ``run(until)`` rule) and :attr:`now` is ``until_ns`` afterwards. Probes whose timeout
        has passed by then are settled. Can be called again to go on."""
        if isinstance(until_ns, bool) or not isinstance(until_ns, int):
            raise ValueError(f"until_ns must be an integer number of ns, got {until_ns!r}")
        if until_ns < self.now:
            raise ValueError(f"cannot run back in time: {until_ns} < now {self.now}")
        if until_ns > self.now:
            # A long run allocates millions of short-lived objects and keeps a growing trace;
            # the default generation-0 threshold (700) makes the collector rescan it thousands
            # of times a simulated hour (~15 % of the run). Collect less often while running,
            # and give the caller its own settings back.
            thresholds = gc.get_threshold()
            gc.set_threshold(max(thresholds[0], 50_000), *thresholds[1:])
            try:
                self._run_until(until_ns)
            finally:
                gc.set_threshold(*thresholds)
        with self.atomic():
            for probe in (*self.pingers, *self.requesters):
                probe.expire(self.now)

    def _run_until(self, until: int) -> None:
        if self.fast_forward and not self.capture_frames:
            self._run_fast(until)
        else:
            self._run_plain(until)

    def _run_fast(self, until: int) -> None:
        """:meth:`_run_plain` in steps, jumping over steady periods (:mod:`simlab.sim.quiesce`).

        A check looks at the world at a moment when it is quiet, runs one period for real and
        looks again; if the two agree, the world jumps. The moments chosen avoid frames in
        flight: the first is just before the next protocol timer, a failed one retries just
        after the event that made it fail."""
        from simlab.sim import quiesce

        env = self.env
        before: quiesce.Snap | None = None
        backoff = NS_PER_S
        while env._now < until:
            if before is None:
                check = self._next_timer(until)
                self._run_plain(check)
                if env._now >= until:
                    return
                before, retry = quiesce.snapshot(self)
                if before is None:
                    if retry is None:
                        # it cannot be quiet while a probe runs or frames are recorded: look
                        # less and less often (up to once a simulated minute)
                        self._run_plain(min(until, env._now + backoff))
                        backoff = min(2 * backoff, 64 * NS_PER_S)
                    elif retry < until:
                        self._run_plain(max(retry, env._now))
                    continue
                backoff = NS_PER_S
            horizon = min(until, self._next_planned())
            period = before.period
            if before.now + 2 * period + before.reach >= horizon:
                # no room for a jump before the next planned event: run up to it
                before = None
                self._run_plain(min(until, horizon + 1))
                continue
            self._run_plain(before.now + period)
            after, _retry = quiesce.snapshot(self)
            if after is None:
                before = None
                continue
            plan = quiesce.compare(before, after)
            if plan is None:
                before = after  # look again one period on
                continue
            room = horizon - after.now - after.reach - period - 1
            periods = min(room, plan.limit - after.now) // period
            if periods >= 1:
                quiesce.apply(self, plan, periods, period)
                self.ff_jumps += 1
                self.ff_skipped_ns += periods * period
            before = None

    def _next_timer(self, until: int) -> int:
        """When to look for quiescence next: the next protocol timer (then the last advert has
        long arrived), else a second from now; never past ``until``."""
        from simlab.sim.daemon import Daemon

        now = self.env._now
        best = None
        timer = Daemon._timer
        for t, _prio, _eid, event in self.env._queue:
            if (
                t > now
                and (best is None or t < best)
                and getattr(getattr(event, "fn", None), "__func__", None) is timer
            ):
                best = t
        return min(until, best if best is not None else now + NS_PER_S)

    def _next_planned(self) -> int:
        """The time of the next planned event (fault or admin action), or "never"."""
        times = [t for t, _p, _e, ev in self.env._queue if ev.__class__ is _PlannedCall]
        return min(times) if times else 1 << 62

    def _run_plain(self, until: int) -> None:
        """``env.run(until=until)``, with the world's own events dispatched in this loop.

        SimPy's ``step`` costs a method call, a callback list and a failure check per event;
        the world's :class:`_Call` events need none of that, so they are popped and called here
        in the very order ``step`` would take them (the heap is the same). Any other event (a
        SimPy process a test added, the stop event) goes through ``env.step`` unchanged, and
        the stop event is scheduled exactly as ``env.run`` schedules it."""
        env = self.env
        stop = Event(env)
        stop._ok = True
        stop._value = None
        env.schedule(stop, URGENT, until - env._now)
        stop.callbacks.append(StopSimulation.callback)  # type: ignore[union-attr]
        queue = env._queue
        soon = self._soon
        try:
            while True:
                if queue and queue[0][3].__class__ is _Call:
                    env._now, _, _, event = heappop(queue)
                    self._busy = True
                    event.fn(*event.args)
                    if soon:
                        self._drain()
                    self._busy = False
                else:
                    env.step()
        except StopSimulation:
            return
        except EmptySchedule:  # pragma: no cover - the stop event is always queued
            raise RuntimeError(
                f'No scheduled events left but "until" event was not triggered: {stop}'
            ) from None
        finally:
            self._busy = False

    def at(self, t_ns: int, action: Callable[..., Any] | str, *args: Any, **kwargs: Any) -> None:
        """At ``t_ns``, call ``action(*args, **kwargs)``; a string ``action`` names a fault or
        admin action for :meth:`apply` (``world.at(10 * S, "power-off", "hosta")``)."""
        if isinstance(t_ns, bool) or not isinstance(t_ns, int):
            raise ValueError(f"t_ns must be an integer number of ns, got {t_ns!r}")
        if t_ns < self.now:
            raise ValueError(f"cannot schedule in the past: {t_ns} < now {self.now}")
        if isinstance(action, str):
            self._plan(t_ns, lambda: self.apply(action, *args, **kwargs))
        else:
            self._plan(t_ns, lambda: action(*args, **kwargs))

    def _plan(self, t: int, fn: Callable[[], Any]) -> None:
        """``call_at`` for a planned event: marked so that fast-forward never moves it."""
        env = self.env
        heappush(env._queue, (t, NORMAL, next(env._eid), _PlannedCall(self, fn, ())))
        self.events_scheduled += 1

    # ------------------------------------------------------------------ scheduling (internal)
    # These push onto SimPy's heap what ``env.schedule(event, NORMAL, delay)`` pushes (time,
    # priority, next event id, event), without the method call: they run for every frame.
    def call_at(self, t: int, fn: Callable[..., Any], *args: Any) -> None:
        """Schedule ``fn(*args)`` at absolute time ``t`` (clamped to now)."""
        env = self.env
        now = env._now
        heappush(env._queue, (t if t > now else now, NORMAL, next(env._eid), _Call(self, fn, args)))
        self.events_scheduled += 1

    def call_later(self, delay: int, fn: Callable[..., Any], *args: Any) -> None:
        """Schedule ``fn(*args)`` ``delay`` ns from now."""
        env = self.env
        heappush(env._queue, (env._now + delay, NORMAL, next(env._eid), _Call(self, fn, args)))
        self.events_scheduled += 1

    def soon(self, fn: Callable[..., Any], *args: Any) -> None:
        """Run ``fn(*args)`` in this instant, after the current handler has finished."""
        self._soon.append((fn, args))
        self.inline_deliveries += 1
        if not self._busy:
            self._run(None, ())

    def _run(self, fn: Callable[..., Any] | None, args: tuple) -> None:
        self._busy = True
        try:
            if fn is not None:
                fn(*args)
            if self._soon:
                self._drain()
        finally:
            self._busy = False

    def _drain(self) -> None:
        """Run the zero-delay queue to the end (the caller holds ``_busy``)."""
        soon = self._soon
        count = 0
        while soon:
            f, a = soon.popleft()
            f(*a)
            count += 1
            if count > self.MAX_INLINE_PER_INSTANT:
                soon.clear()
                raise LivelockError(
                    f"more than {self.MAX_INLINE_PER_INSTANT} zero-delay deliveries "
                    f"at t={self.now} ns: frames loop with no time passing"
                )

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """Run a block as one handler: zero-delay deliveries it causes happen after it ends.
        Every public fault/admin method uses it, so they are safe to call live between runs."""
        if self._busy:
            yield
            return
        self._busy = True
        try:
            yield
        finally:
            self._busy = False
        if self._soon:
            self._run(None, ())

    # ------------------------------------------------------------------ records
    def record(self, record: Record) -> None:
        """Add a record to the trace, keeping the trace ordered by time."""
        self.trace.add(record)

    def fault(self, kind: str, target: str, detail: str = "") -> None:
        self.trace.append(FaultRecord(self.now, kind, target, detail))

    def _probe(self, probe: Probe) -> None:
        self.trace.add(probe)

    # ------------------------------------------------------------------ building
    def _register(self, device: Any, kind: str, **attrs: Any) -> None:
        name = device.name
        if not isinstance(name, str) or not name or any(c.isspace() or c == ":" for c in name):
            raise ValueError(f"device name must be a word without ':' or spaces, got {name!r}")
        if name in self.devices:
            raise ValueError(f"there is already a device named {name!r}")
        self.devices[name] = device
        self.graph.add_node(name, kind=kind, device=device, **attrs)

    def add_host(
        self,
        name: str,
        os: str = "linux",
        *,
        boot_time_ns: int | None = None,
        shutdown_ns: int = 0,
        sysctls: dict[str, int] | None = None,
        start_ns: int = 0,
    ) -> Host:
        """A server (or any host): FreeBSD or Linux. It is up at ``start_ns`` (no boot delay
        then); ``boot_time_ns`` is what a later power-on or reboot takes (30 s FreeBSD, 20 s
        Linux by default). ``sysctls`` are set as from sysctl.conf."""
        from simlab.sim.host import Host

        host = Host(
            self,
            name,
            os,
            role="host",
            boot_time_ns=boot_time_ns,
            shutdown_ns=shutdown_ns,
            sysctls=sysctls,
            start_ns=start_ns,
        )
        self._register(host, "host", os=os)
        return host

    def add_router(self, name: str, os: str = "linux", **kwargs: Any) -> Host:
        """A host that forwards IPv4 between its subnets (ip_forward / net.inet.ip.forwarding
        set to 1): the gateway of the servers' subnet."""
        from simlab.sim.host import Host

        sysctls = dict(kwargs.pop("sysctls", None) or {})
        sysctls.setdefault("net.ipv4.ip_forward" if os == "linux" else "net.inet.ip.forwarding", 1)
        host = Host(self, name, os, role="router", sysctls=sysctls, **kwargs)
        self._register(host, "router", os=os)
        return host

    def add_client(self, name: str, os: str = "linux", **kwargs: Any) -> Host:
        """A host that runs probes (:meth:`add_ping`, :meth:`add_requests`)."""
        from simlab.sim.host import Host

        host = Host(self, name, os, role="client", **kwargs)
        self._register(host, "client", os=os)
        return host

    def add_switch(self, name: str, *, aging_ns: int | None = None) -> Switch:
        """A learning switch (MAC aging 300 s unless ``aging_ns``)."""
        from simlab.sim.switch import DEFAULT_AGING_NS, Switch

        switch = Switch(self, name, aging_ns=DEFAULT_AGING_NS if aging_ns is None else aging_ns)
        self._register(switch, "switch")
        return switch

    def connect(
        self,
        a: Any,
        b: Any,
        *,
        latency_ns: int = DEFAULT_LATENCY_NS,
        jitter_ns: int = 0,
        loss: float = 0.0,
        name: str | None = None,
    ) -> Link:
        """Cable two ports: ``a``/``b`` are NICs (object or ``"host:em0"``), switches (object or
        name: a new port is taken) or switch ports. Returns the :class:`Link`."""
        end_a, end_b = self._port(a), self._port(b)
        for end in (end_a, end_b):
            if end.link is not None:
                raise ValueError(f"{end.label} is already cabled ({end.link.name})")
        if end_a is end_b:
            raise ValueError(f"cannot cable {end_a.label} to itself")
        link_name = name or f"{end_a.label}--{end_b.label}"
        if link_name in self.links:
            raise ValueError(f"there is already a link named {link_name!r}")
        link = Link(
            self, link_name, end_a, end_b, latency_ns=latency_ns, jitter_ns=jitter_ns, loss=loss
        )
        end_a.link = link
        end_b.link = link
        self.links[link_name] = link
        self.graph.add_edge(
            _owner(end_a),
            _owner(end_b),
            key=link_name,
            link=link,
            ports=(end_a.label, end_b.label),
            latency_ns=latency_ns,
            jitter_ns=jitter_ns,
            loss=loss,
        )
        with self.atomic():
            link.refresh()
        return link

    # ------------------------------------------------------------------ looking things up
    def __getitem__(self, name: str) -> Any:
        return self.device(name)

    def device(self, name: str) -> Any:
        try:
            return self.devices[name]
        except KeyError:
            raise KeyError(f"no device named {name!r}; there are: {sorted(self.devices)}") from None

    def nic(self, spec: str) -> Any:
        """``"hosta:em0"`` -> that NIC."""
        host, sep, iface = spec.partition(":")
        if not sep:
            raise ValueError(f"a NIC is named host:iface, got {spec!r}")
        return self.device(host).nic(iface)

    def link(self, a: Any, b: Any = None) -> Link:
        """Find a link: by name, by one end (a NIC, ``"host:em0"`` or a switch port) or by the
        two devices it joins (``world.link("hosta", "switch")``)."""
        if isinstance(a, Link):
            return a
        if b is None:
            if isinstance(a, str) and a in self.links:
                return self.links[a]
            end = self._port(a) if not (isinstance(a, str) and ":" not in a) else None
            if end is None or end.link is None:
                raise ValueError(f"{a!r} names no cabled port or link")
            return end.link
        names = {_name(a), _name(b)}
        if all(isinstance(x, str) and ":" in x for x in (a, b)):
            for link in self.links.values():
                if {link.a.label, link.b.label} == names:
                    return link
        found = [
            data["link"]
            for u, v, data in self.graph.edges(data=True)
            if {u, v} == {_owner_name(a), _owner_name(b)}
        ]
        if len(found) != 1:
            raise ValueError(
                f"{len(found)} links join {a!r} and {b!r}; name one end (host:iface) instead"
            )
        return found[0]

    def _port(self, spec: Any) -> Any:
        from simlab.sim.host import Nic
        from simlab.sim.switch import Switch, SwitchPort

        if isinstance(spec, Nic | SwitchPort):
            return spec
        if isinstance(spec, Switch):
            return spec.new_port()
        if isinstance(spec, str):
            if ":" in spec:
                dev_name, _, port = spec.partition(":")
                dev = self.device(dev_name)
                if isinstance(dev, Switch):
                    for p in dev.ports:
                        if p.name == port:
                            return p
                    raise ValueError(f"switch {dev_name} has no port {port!r}")
                return dev.nic(port)
            dev = self.device(spec)
            if isinstance(dev, Switch):
                return dev.new_port()
            raise ValueError(f"{spec!r} is a host: name the NIC as {spec}:IFACE")
        raise TypeError(f"not a port: {spec!r}")

    # ------------------------------------------------------------------ probes
    def add_ping(
        self,
        client: Any,
        target: str,
        interval_ns: int = NS_PER_S,
        *,
        timeout_ns: int = NS_PER_S,
        start_ns: int = 0,
        count: int | None = None,
    ) -> Pinger:
        """``ping -i interval -W timeout target`` from ``client``: one :class:`Probe` record
        per echo request."""
        from simlab.sim.probes import Pinger

        host = self.device(client) if isinstance(client, str) else client
        pinger = Pinger(self, host, target, interval_ns, timeout_ns, start_ns, count)
        self.pingers.append(pinger)
        return pinger

    def add_requests(
        self,
        client: Any,
        target: str,
        port: int,
        interval_ns: int = NS_PER_S,
        *,
        timeout_ns: int = NS_PER_S,
        start_ns: int = 0,
        count: int | None = None,
    ) -> Requester:
        """A client of a TCP service on ``target:port`` opening a connection every
        ``interval_ns``: answered (SYN-ACK), ``"connection refused"`` (RST) or ``"timeout"``."""
        from simlab.sim.probes import Requester

        host = self.device(client) if isinstance(client, str) else client
        req = Requester(self, host, target, port, interval_ns, timeout_ns, start_ns, count)
        self.requesters.append(req)
        return req

    # ------------------------------------------------------------------ link faults
    def cut(self, a: Any, b: Any = None) -> None:
        """Cut the cable (both ends lose carrier). Recorded as ``cable-cut``."""
        link = self.link(a, b)
        with self.atomic():
            self.fault("cable-cut", link.name, f"cable {link.a.label} -- {link.b.label} cut")
            link.cut = True
            link.refresh()

    def repair(self, a: Any, b: Any = None) -> None:
        """Mend a cut cable. Recorded as ``cable-repair``."""
        link = self.link(a, b)
        with self.atomic():
            self.fault("cable-repair", link.name, f"cable {link.a.label} -- {link.b.label} mended")
            link.cut = False
            link.refresh()

    def partition(self, a: Any, b: Any = None) -> None:
        """The link keeps carrier but carries nothing (adverts stop, nobody sees a link
        change): the em1 split-brain case. Recorded as ``partition``."""
        link = self.link(a, b)
        with self.atomic():
            self.fault("partition", link.name, f"{link.a.label} -- {link.b.label} carries nothing")
            link.blocked = True

    def heal(self, a: Any, b: Any = None) -> None:
        """End a :meth:`partition`. Recorded as ``heal``."""
        link = self.link(a, b)
        with self.atomic():
            self.fault("heal", link.name, f"{link.a.label} -- {link.b.label} carries again")
            link.blocked = False

    def set_link(
        self,
        a: Any,
        b: Any = None,
        *,
        latency_ns: int | None = None,
        jitter_ns: int | None = None,
        loss: float | None = None,
    ) -> None:
        """Change a link's latency, jitter or loss from now on. Recorded as ``link-set``."""
        link = self.link(a, b)
        parts = []
        if latency_ns is not None:
            link.latency_ns = latency_ns
            parts.append(f"latency {latency_ns} ns")
        if jitter_ns is not None:
            link.jitter_ns = jitter_ns
            parts.append(f"jitter {jitter_ns} ns")
        if loss is not None:
            if not 0.0 <= loss <= 1.0:
                raise ValueError(f"loss must be a probability in 0..1, got {loss!r}")
            link.loss = float(loss)
            parts.append(f"loss {loss:g}")
        self.fault("link-set", link.name, ", ".join(parts))

    # ------------------------------------------------------------------ faults by name
    def apply(self, action: str, target: str, *args: Any, **params: Any) -> Any:
        """Carry out a fault or admin action named as in :data:`ACTIONS` on ``target`` (a
        device name, or a link end for the link actions). What a scenario file schedules."""
        try:
            method = ACTIONS[action]
        except KeyError:
            raise ValueError(
                f"unknown action {action!r}; known: {', '.join(sorted(ACTIONS))}"
            ) from None
        return method(self, target, *args, **params)

    # ------------------------------------------------------------------ results
    def pcap(self, path: Any = None, *, nanoseconds: bool = True, nodes: Any = None) -> bytes:
        """Every frame of the trace as a classic pcap (written to ``path`` when given).

        It is a capture of every NIC's transmissions, so a routed packet shows once per hop.
        ``nodes`` (names) keeps only the frames those devices sent."""
        if nodes is None:
            blob = self.trace.pcap(nanoseconds=nanoseconds)
        else:
            from simlab.sim.trace import FrameSent
            from simlab.wire.pcap import PcapRecord, pcap_bytes

            keep = {nodes} if isinstance(nodes, str) else set(nodes)
            blob = pcap_bytes(
                [
                    PcapRecord(ts_ns=r.time, frame=r.frame)
                    for r in self.trace.of(FrameSent)
                    if r.node in keep
                ],
                nanoseconds=nanoseconds,
            )
        if path is not None:
            with open(path, "wb") as fh:
                fh.write(blob)
        return blob

    def inventory(self) -> dict[str, Any]:
        """What was built, as plain data (JSON-ready): devices with their interfaces, MACs,
        configured addresses, protocol instances and their configuration, services and
        configured sysctls; links with their settings. Together with the trace this is enough
        to render ``ifconfig`` / ``ip addr`` at any time without the live world (FreeBSD, for
        one, lists a CARP VIP on the BACKUP too, with its vhid)."""
        import dataclasses

        devices = []
        for name, dev in self.devices.items():
            if getattr(dev, "kind", None) == "switch":
                devices.append(
                    {
                        "name": name,
                        "kind": "switch",
                        "aging_ns": dev.aging_ns,
                        "ports": [
                            {"name": p.name, "link": p.link.name if p.link else None}
                            for p in dev.ports
                        ],
                    }
                )
                continue
            interfaces = []
            for iface in dev.ifaces.values():
                static = [a.address for a in dev._iface_addrs[iface.name] if a.owner == "static"]
                interfaces.append(
                    {
                        "name": iface.name,
                        "type": "nic" if iface.name in dev.nics else "dummy",
                        "mac": iface.mac,
                        "addresses": static,
                        "link": iface.link.name if iface.link is not None else None,
                    }
                )
            devices.append(
                {
                    "name": name,
                    "kind": dev.kind,
                    "os": dev.os,
                    "boot_time_ns": dev.boot_time_ns,
                    "gateway": dev.gateway,
                    "interfaces": interfaces,
                    "instances": [
                        {
                            "instance": d.instance,
                            "daemon": d.daemon,
                            "protocol": d.protocol,
                            "iface": d.nic.name,
                            "vip_iface": d.vip_iface,
                            "config": dataclasses.asdict(d.config),
                        }
                        for d in dev.daemons.values()
                    ],
                    "services": [
                        {"name": s.name, "bind": s.bind, "port": s.port, "autostart": s.autostart}
                        for s in dev.services.values()
                    ],
                    "sysctls": dict(dev._configured),
                }
            )
        links = [
            {
                "name": link.name,
                "a": link.a.label,
                "b": link.b.label,
                "latency_ns": link.latency_ns,
                "jitter_ns": link.jitter_ns,
                "loss": link.loss,
            }
            for link in self.links.values()
        ]
        return {"seed": self.seed, "devices": devices, "links": links}

    def mac_owner(self, mac: str) -> str | None:
        """Which device a physical MAC belongs to (virtual MACs belong to nobody)."""
        from simlab.sim.packets import mac_bytes

        return self._macs.get(mac_bytes(mac))

    def __repr__(self) -> str:
        return f"<World seed={self.seed} t={self.now} ns {len(self.devices)} devices>"


def _owner(end: Any) -> str:
    host = getattr(end, "host", None)
    if host is not None:
        return host.name
    return end.switch.name


def _name(x: Any) -> str:
    if isinstance(x, str):
        return x
    return getattr(x, "label", None) or x.name


def _owner_name(x: Any) -> str:
    if isinstance(x, str):
        return x.partition(":")[0]
    host = getattr(x, "host", None)
    if host is not None:
        return host.name
    sw = getattr(x, "switch", None)
    return sw.name if sw is not None else x.name


def _host(world: World, target: str) -> Any:
    dev = world.device(target)
    if getattr(dev, "kind", None) == "switch":
        raise ValueError(f"{target} is a switch, not a host")
    return dev


def _switch(world: World, target: str) -> Any:
    dev = world.device(target)
    if getattr(dev, "kind", None) != "switch":
        raise ValueError(f"{target} is not a switch")
    return dev


#: action name -> how :meth:`World.apply` carries it out (the FaultRecord kind is the same name)
ACTIONS: dict[str, Callable[..., Any]] = {
    "power-off": lambda w, t: _host(w, t).power_off(),
    "power-on": lambda w, t: _host(w, t).power_on(),
    "reboot": lambda w, t: _host(w, t).reboot(),
    "daemon-crash": lambda w, t, instance=None: _host(w, t).crash_daemon(instance),
    "daemon-restart": lambda w, t, instance=None: _host(w, t).restart_daemon(instance),
    "daemon-stop": lambda w, t, instance=None: _host(w, t).stop_daemon(instance),
    "daemon-start": lambda w, t, instance=None: _host(w, t).start_daemon(instance),
    "ifconfig-down": lambda w, t, iface: _host(w, t).ifconfig(iface, "down"),
    "ifconfig-up": lambda w, t, iface: _host(w, t).ifconfig(iface, "up"),
    "nic-fail": lambda w, t, iface: _host(w, t).fail_nic(iface),
    "nic-repair": lambda w, t, iface: _host(w, t).repair_nic(iface),
    "switch-fail": lambda w, t, carrier_loss=True: _switch(w, t).fail(carrier_loss=carrier_loss),
    "switch-recover": lambda w, t: _switch(w, t).recover(),
    "cable-cut": lambda w, t, peer=None: w.cut(t, peer),
    "cable-repair": lambda w, t, peer=None: w.repair(t, peer),
    "partition": lambda w, t, peer=None: w.partition(t, peer),
    "heal": lambda w, t, peer=None: w.heal(t, peer),
    "drop-garp": lambda w, t, count=1: _host(w, t).drop_garps(count),
    "sysctl": lambda w, t, name, value: _host(w, t).sysctl(name, value),
    "force-state": lambda w, t, state, instance=None: _host(w, t).force_state(state, instance),
    "set-parameter": lambda w, t, name, value, instance=None: _host(w, t).set_parameter(
        name, value, instance
    ),
    "service-stop": lambda w, t, name: _host(w, t).stop_service(name),
    "service-start": lambda w, t, name: _host(w, t).start_service(name),
}
