"""A link: one cable between two ports (a NIC and a switch port, or two NICs).

A link has a one-way latency, an optional jitter (uniform 0..jitter_ns, drawn from the link's own
random stream), a loss probability (also from its stream) and two fault states:

* ``cut``: the cable is cut. Both ends lose carrier, so the hosts see their interface go down
  (CARP goes INIT, keepalived goes FAULT) and the switch flushes what it learned on that port.
* ``blocked``: the link still has carrier but carries nothing. This is the partition of the
  protocol link (the em1 split brain): no end notices anything except that the adverts stop.

Frames are never queued on a link: a frame that finds the link cut, blocked or unlucky is lost.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from simlab.sim.world import World


class Port(Protocol):
    """What a link end is: a host's NIC or a switch port."""

    name: str
    link: Link | None

    @property
    def label(self) -> str: ...

    @property
    def alive(self) -> bool:
        """True when this end drives its PHY (host booted and NIC up, switch powered)."""
        ...

    def ingress(self, frame: bytes, delay: int) -> None:
        """A frame reaches this end ``delay`` ns from now."""
        ...

    def refresh(self) -> None:
        """Re-evaluate carrier after a change at either end."""
        ...


class Link:
    """A cable between ports ``a`` and ``b`` (see the module docstring)."""

    __slots__ = (
        "a",
        "b",
        "blocked",
        "cut",
        "jitter_ns",
        "latency_ns",
        "loss",
        "name",
        "rng",
        "world",
    )

    def __init__(
        self,
        world: World,
        name: str,
        a: Port,
        b: Port,
        *,
        latency_ns: int,
        jitter_ns: int = 0,
        loss: float = 0.0,
    ) -> None:
        for what, value in (("latency_ns", latency_ns), ("jitter_ns", jitter_ns)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"link {name}: {what} must be an integer >= 0, got {value!r}")
        if not isinstance(loss, int | float) or not 0.0 <= loss <= 1.0:
            raise ValueError(f"link {name}: loss must be a probability in 0..1, got {loss!r}")
        self.world = world
        self.name = name
        self.a = a
        self.b = b
        self.latency_ns = latency_ns
        self.jitter_ns = jitter_ns
        self.loss = float(loss)
        self.cut = False
        self.blocked = False
        self.rng: random.Random = world.rng(f"link/{name}")

    def other(self, end: Port) -> Port:
        return self.b if end is self.a else self.a

    @property
    def carrier(self) -> bool:
        """Both ends see a link: the cable is whole and both ends are alive."""
        return not self.cut and self.a.alive and self.b.alive

    def delay(self) -> int | None:
        """One traversal: the delay in ns, or None when the frame is lost on this link."""
        if self.cut or self.blocked:
            return None
        if self.loss and self.rng.random() < self.loss:
            return None
        if self.jitter_ns:
            return self.latency_ns + self.rng.randint(0, self.jitter_ns)
        return self.latency_ns

    def refresh(self) -> None:
        """Tell both ends to re-evaluate carrier."""
        self.a.refresh()
        self.b.refresh()

    def __repr__(self) -> str:
        flags = " cut" if self.cut else " blocked" if self.blocked else ""
        return f"<Link {self.name} {self.latency_ns} ns{flags}>"
