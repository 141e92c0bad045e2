"""An Ethernet learning bridge (IEEE 802.1D without spanning tree).

* It learns every unicast source MAC on the port the frame came in on, at once, so a MAC that
  moves (a CARP virtual MAC after a takeover, a keepalived master's own MAC) moves in the table
  with the first frame the new holder sends: an advert or a gratuitous ARP.
* Entries age out ``aging_ns`` after the last frame from that MAC (300 s by default, as on most
  switches); an aged entry is treated as unknown.
* Unknown unicast, broadcast and multicast are flooded to every other port with carrier.
  (No IGMP snooping: the VRRP/CARP group 224.0.0.18 reaches every port.)
* A port that loses carrier forgets the MACs learned on it, as real switches do.
* The switch forwards with no delay of its own: a frame's path through it is resolved when the
  frame is put on the wire (see :mod:`simlab.sim.world`), and only the links add latency.
* ``fail()`` stops it: everything is dropped. With ``carrier_loss=True`` (a power failure, the
  default) every attached NIC also loses its link; with ``carrier_loss=False`` (a hung switch)
  the ports keep their link lights and silently drop. ``recover()`` restarts it with an empty
  MAC table.

Loops are not detected (there is no spanning tree): do not cable switches in a ring.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from simlab.sim.packets import mac_text
from simlab.sim.trace import FaultRecord, LogLine

if TYPE_CHECKING:
    from simlab.sim.link import Link
    from simlab.sim.world import World

DEFAULT_AGING_NS = 300 * 1_000_000_000


class SwitchPort:
    """One port of a switch (``port1``, ``port2``... in the order they were cabled)."""

    __slots__ = ("_up", "index", "link", "name", "switch")

    def __init__(self, switch: Switch, index: int) -> None:
        self.switch = switch
        self.index = index
        self.name = f"port{index}"
        self.link: Link | None = None
        self._up = False

    @property
    def label(self) -> str:
        return f"{self.switch.name}:{self.name}"

    @property
    def alive(self) -> bool:
        return self.switch.powered

    @property
    def up(self) -> bool:
        """The port has carrier (link light on)."""
        return self._up

    def ingress(self, frame: bytes, delay: int) -> None:
        self.switch.forward(frame, self, delay)

    def refresh(self) -> None:
        link = self.link
        up = link is not None and link.carrier
        if up != self._up:
            self._up = up
            if not up:
                self.switch._flush_port(self)

    def __repr__(self) -> str:
        return f"<SwitchPort {self.label}>"


class Switch:
    """A learning switch; create it with :meth:`simlab.sim.world.World.add_switch`."""

    kind = "switch"

    def __init__(self, world: World, name: str, *, aging_ns: int = DEFAULT_AGING_NS) -> None:
        if isinstance(aging_ns, bool) or not isinstance(aging_ns, int) or aging_ns <= 0:
            raise ValueError(
                f"switch {name}: aging_ns must be a positive integer, got {aging_ns!r}"
            )
        self.world = world
        self.name = name
        self.aging_ns = aging_ns
        self.powered = True
        self.hung = False  # failed with carrier kept: ports up, nothing forwarded
        self.ports: list[SwitchPort] = []
        #: MAC (6 bytes) -> (port, time last seen in ns)
        self._table: dict[bytes, tuple[SwitchPort, int]] = {}
        self._flood_cache: dict[SwitchPort, tuple[SwitchPort, ...]] = {}

    # ------------------------------------------------------------------ building
    def new_port(self) -> SwitchPort:
        port = SwitchPort(self, len(self.ports) + 1)
        self.ports.append(port)
        self._flood_cache.clear()
        return port

    # ------------------------------------------------------------------ forwarding
    def forward(self, frame: bytes, inport: SwitchPort, delay: int) -> None:
        """A frame entered ``inport``; ``delay`` is the time it took to get here (ns)."""
        if not self.powered or self.hung:
            return
        world = self.world
        now = world.env._now
        table = self._table
        src = frame[6:12]
        if not src[0] & 1:
            seen = table.get(src)
            if seen is not None and seen[0] is not inport and now - seen[1] < self.aging_ns:
                self._moved(src, seen[0], inport)
            table[src] = (inport, now)
        dst = frame[0:6]
        if not dst[0] & 1:
            entry = table.get(dst)
            if entry is not None and now - entry[1] < self.aging_ns:
                out = entry[0]
                if out is inport or not out._up:
                    return  # filtered (same segment) or the port is dark
                link = out.link
                d = link.fixed  # type: ignore[union-attr]
                if d is None:
                    d = link.delay()  # type: ignore[union-attr]
                    if d is None:
                        return
                peer = link.b if link.a is out else link.a  # type: ignore[union-attr]
                if peer.__class__ is SwitchPort:
                    world.soon(peer.switch.forward, frame, peer, delay + d)
                else:
                    peer.ingress(frame, delay + d)
                return
        ports = self._flood_cache.get(inport)
        if ports is None:
            ports = self._flood_cache[inport] = tuple(p for p in self.ports if p is not inport)
        for out in ports:
            if out._up:
                link = out.link
                d = link.fixed  # type: ignore[union-attr]
                if d is None:
                    d = link.delay()  # type: ignore[union-attr]
                    if d is None:
                        continue
                peer = link.b if link.a is out else link.a  # type: ignore[union-attr]
                if peer.__class__ is SwitchPort:
                    # another switch: through the run-to-completion queue, so frames between
                    # switches never recurse (a cabling loop ends in LivelockError)
                    world.soon(peer.switch.forward, frame, peer, delay + d)
                else:
                    peer.ingress(frame, delay + d)

    def _moved(self, mac: bytes, old: SwitchPort, new: SwitchPort) -> None:
        w = self.world
        w.trace.append(
            LogLine(
                w.env._now,
                self.name,
                "switch",
                f"MAC {mac_text(mac)} moved from {old.name} to {new.name}",
                "debug",
            )
        )

    def _flush_port(self, port: SwitchPort) -> None:
        for mac in [m for m, (p, _) in self._table.items() if p is port]:
            del self._table[mac]

    # ------------------------------------------------------------------ faults
    def fail(self, *, carrier_loss: bool = True) -> None:
        """The switch stops forwarding (see the module docstring); recorded as ``switch-fail``."""
        w = self.world
        with w.atomic():
            detail = (
                "power failure: every port loses carrier"
                if carrier_loss
                else ("hung: ports keep carrier, nothing is forwarded")
            )
            w.trace.append(FaultRecord(w.env._now, "switch-fail", self.name, detail))
            if carrier_loss:
                self.powered = False
                self._table.clear()
                for port in self.ports:
                    if port.link is not None:
                        port.link.refresh()
            else:
                self.hung = True

    def recover(self) -> None:
        """Power back / unhung, with an empty MAC table; recorded as ``switch-recover``."""
        w = self.world
        with w.atomic():
            w.trace.append(FaultRecord(w.env._now, "switch-recover", self.name, "MAC table empty"))
            self._table.clear()
            self.hung = False
            if not self.powered:
                self.powered = True
                for port in self.ports:
                    if port.link is not None:
                        port.link.refresh()

    # ------------------------------------------------------------------ reading
    def mac_table(self) -> list[tuple[str, str, int]]:
        """Live entries as ``(mac, port name, age in ns)``, sorted by MAC."""
        now = self.world.env._now
        rows = [
            (mac_text(mac), port.name, now - seen)
            for mac, (port, seen) in self._table.items()
            if now - seen < self.aging_ns
        ]
        return sorted(rows)

    def port_of(self, mac: str) -> str | None:
        """The port ``mac`` is learned on now (aged entries count as unknown), or None."""
        for m, port, _ in self.mac_table():
            if m == mac.lower():
                return port
        return None

    def port_towards(self, device: str) -> SwitchPort | None:
        """The port cabled to ``device`` (a host name), if any."""
        for port in self.ports:
            if port.link is not None:
                other = port.link.other(port)
                if getattr(other, "host", None) is not None and other.host.name == device:  # type: ignore[attr-defined]
                    return port
        return None

    def __repr__(self) -> str:
        return f"<Switch {self.name} {len(self.ports)} ports>"
