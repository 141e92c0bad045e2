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
        "_blocked",
        "_cut",
        "_jitter_ns",
        "_latency_ns",
        "_loss",
        "a",
        "b",
        "fixed",
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
        self._latency_ns = latency_ns
        self._jitter_ns = jitter_ns
        self._loss = float(loss)
        self._cut = False
        self._blocked = False
        #: the delay when it needs no draw and the link carries (hot paths read it), else None
        self.fixed: int | None = None
        self._update()
        self.rng: random.Random = world.rng(f"link/{name}")

    def _update(self) -> None:
        simple = not (self._cut or self._blocked or self._jitter_ns or self._loss)
        self.fixed = self._latency_ns if simple else None

    @property
    def latency_ns(self) -> int:
        return self._latency_ns

    @latency_ns.setter
    def latency_ns(self, value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"link {self.name}: latency_ns must be an integer >= 0")
        self._latency_ns = value
        self._update()

    @property
    def jitter_ns(self) -> int:
        return self._jitter_ns

    @jitter_ns.setter
    def jitter_ns(self, value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"link {self.name}: jitter_ns must be an integer >= 0")
        self._jitter_ns = value
        self._update()

    @property
    def loss(self) -> float:
        return self._loss

    @loss.setter
    def loss(self, value: float) -> None:
        if not isinstance(value, int | float) or not 0.0 <= value <= 1.0:
            raise ValueError(f"link {self.name}: loss must be a probability in 0..1")
        self._loss = float(value)
        self._update()

    @property
    def cut(self) -> bool:
        """The cable is cut (both ends lose carrier)."""
        return self._cut

    @cut.setter
    def cut(self, value: bool) -> None:
        self._cut = bool(value)
        self._update()

    @property
    def blocked(self) -> bool:
        """The link keeps carrier but carries nothing (a partition)."""
        return self._blocked

    @blocked.setter
    def blocked(self, value: bool) -> None:
        self._blocked = bool(value)
        self._update()

    def other(self, end: Port) -> Port:
        return self.b if end is self.a else self.a

    @property
    def carrier(self) -> bool:
        """Both ends see a link: the cable is whole and both ends are alive."""
        return not self._cut and self.a.alive and self.b.alive

    def delay(self) -> int | None:
        """One traversal: the delay in ns, or None when the frame is lost on this link."""
        if self._cut or self._blocked:
            return None
        if self._loss and self.rng.random() < self._loss:
            return None
        if self._jitter_ns:
            return self._latency_ns + self.rng.randint(0, self._jitter_ns)
        return self._latency_ns

    def refresh(self) -> None:
        """Tell both ends to re-evaluate carrier."""
        self.a.refresh()
        self.b.refresh()

    def __repr__(self) -> str:
        flags = " cut" if self.cut else " blocked" if self.blocked else ""
        return f"<Link {self.name} {self.latency_ns} ns{flags}>"
