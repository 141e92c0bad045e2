"""An ideal shared Ethernet segment that drives protocol instances in lock-step.

Every frame a connected node sends reaches every other connected node after a fixed latency;
each node's timer fires at the deadline it last asked for. There is no switch, no loss model and
no simulation library: this is the smallest driver that lets the core be tested with several
nodes, and demonstrated, without :mod:`simlab.sim` (which replaces it with links, a learning
switch and faults). It stays pure and deterministic: ties are broken by scheduling order.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Protocol

from simlab.core.actions import (
    Action,
    AddAddress,
    ArmTimer,
    CancelTimer,
    RemoveAddress,
    SendFrame,
)
from simlab.core.events import Event, FrameReceived, TimerFired


class Machine(Protocol):
    """What the segment needs of a protocol instance."""

    state: str

    def handle(self, event: Event) -> list[Action]: ...


@dataclass(frozen=True, slots=True)
class TraceEntry:
    """One action a node took, and when (ns)."""

    time: int
    node: str
    action: Action


class LivelockError(RuntimeError):
    """Too many events at one instant: the machines are bouncing frames with no time passing."""


class Segment:
    """A broadcast domain of named protocol instances.

    ``drop`` (optional) is asked ``drop(sender, receiver, frame)`` for every delivery and loses
    the frame when it answers true; tests use it to model a lost advert or a one-way fault.
    """

    #: events allowed at a single instant before :class:`LivelockError` is raised
    MAX_EVENTS_PER_INSTANT = 10_000

    def __init__(
        self,
        latency_ns: int = 0,
        drop: Callable[[str, str, bytes], bool] | None = None,
    ) -> None:
        if latency_ns < 0:
            raise ValueError(f"latency_ns must be >= 0, got {latency_ns}")
        self.latency_ns = latency_ns
        self.drop = drop
        self.now = 0
        self.trace: list[TraceEntry] = []
        self._nodes: dict[str, Machine] = {}
        self._connected: dict[str, bool] = {}
        self._addresses: dict[str, set[str]] = {}
        # A timer entry is live only while its generation matches the node's current one, so
        # re-arming or cancelling never has to search the heap.
        self._timer_generation: dict[str, int] = {}
        self._generations = itertools.count(1)
        self._queue: list[tuple[int, int, Callable[[], None]]] = []
        self._seq = itertools.count()

    # -- building -------------------------------------------------------------------------
    def attach(self, name: str, machine: Machine, *, connected: bool = True) -> None:
        if name in self._nodes:
            raise ValueError(f"node {name!r} is already attached")
        self._nodes[name] = machine
        self._connected[name] = connected
        self._addresses[name] = set()
        self._timer_generation[name] = 0

    def detach(self, name: str) -> None:
        """Remove ``name`` at once, as a power loss does: no goodbye, its timers and the frames
        on their way to it are dropped, and it holds no address any more. The name can be
        attached again (a rebooted host is a new instance)."""
        self._node(name)
        for table in (self._nodes, self._connected, self._addresses, self._timer_generation):
            del table[name]

    def schedule(self, at: int, name: str, event: Event) -> None:
        """Deliver ``event`` to ``name`` at ``at`` ns (the event's ``now`` is set to ``at``).

        The node need not be attached yet; if it is not attached when the time comes, the
        event is dropped (it was meant for a host that is off).
        """
        self.call_at(at, lambda: self._dispatch(name, replace(event, now=at)))

    def call_at(self, at: int, fn: Callable[[], None]) -> None:
        """Run ``fn`` at ``at`` ns: for changes to the segment itself (cut a node off...)."""
        if at < self.now:
            raise ValueError(f"cannot schedule in the past: {at} < now {self.now}")
        heapq.heappush(self._queue, (at, next(self._seq), fn))

    def set_connected(self, name: str, connected: bool) -> None:
        """Cut ``name`` off the segment (its frames go nowhere, it hears nothing) or rejoin it."""
        self._node(name)
        self._connected[name] = connected

    # -- running --------------------------------------------------------------------------
    def run(self, until: int) -> list[TraceEntry]:
        """Process everything due up to and including ``until``; return the new trace entries."""
        start = len(self.trace)
        instant, count = -1, 0
        while self._queue and self._queue[0][0] <= until:
            at, _, fn = heapq.heappop(self._queue)
            if at == instant:
                count += 1
                if count > self.MAX_EVENTS_PER_INSTANT:
                    raise LivelockError(f"more than {count - 1} events at t={at} ns")
            else:
                instant, count = at, 1
            self.now = at
            fn()
        self.now = max(self.now, until)
        return self.trace[start:]

    # -- reading --------------------------------------------------------------------------
    def state(self, name: str) -> str:
        return self._node(name).state

    def states(self) -> dict[str, str]:
        return {name: m.state for name, m in self._nodes.items()}

    def masters(self) -> list[str]:
        return [name for name, m in self._nodes.items() if m.state == "MASTER"]

    def holders(self, address: str) -> list[str]:
        """Nodes that currently have ``address`` configured (from Add/RemoveAddress actions)."""
        return [name for name, held in self._addresses.items() if address in held]

    # -- internals ------------------------------------------------------------------------
    def _node(self, name: str) -> Machine:
        try:
            return self._nodes[name]
        except KeyError:
            raise KeyError(f"no node named {name!r}; attached: {sorted(self._nodes)}") from None

    def _dispatch(self, name: str, event: Event) -> None:
        machine = self._nodes.get(name)
        if machine is None:
            return
        for action in machine.handle(event):
            self.trace.append(TraceEntry(self.now, name, action))
            self._carry_out(name, action)

    def _carry_out(self, name: str, action: Action) -> None:
        match action:
            case SendFrame(frame=frame):
                self._broadcast(name, frame)
            case ArmTimer(at=at):
                generation = next(self._generations)
                self._timer_generation[name] = generation
                self.call_at(max(at, self.now), lambda: self._fire(name, generation))
            case CancelTimer():
                self._timer_generation[name] = next(self._generations)
            case AddAddress(address=address):
                self._addresses[name].add(address)
            case RemoveAddress(address=address):
                self._addresses[name].discard(address)

    def _fire(self, name: str, generation: int) -> None:
        if self._timer_generation.get(name) == generation:
            self._dispatch(name, TimerFired(now=self.now))

    def _broadcast(self, sender: str, frame: bytes) -> None:
        if not self._connected.get(sender, False):
            return
        at = self.now + self.latency_ns
        for receiver in list(self._nodes):
            if receiver == sender:
                continue
            if self.drop is not None and self.drop(sender, receiver, frame):
                continue
            self.call_at(at, lambda r=receiver: self._deliver(r, at, frame))

    def _deliver(self, receiver: str, at: int, frame: bytes) -> None:
        # Connectivity is checked on arrival too, so cutting a node off loses frames in flight.
        if self._connected.get(receiver, False):
            self._dispatch(receiver, FrameReceived(now=at, frame=frame))
