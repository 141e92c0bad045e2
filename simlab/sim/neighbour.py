"""The ARP cache of one host, Linux-like or FreeBSD-like (see docs/world.md, "ARP").

Linux (a small model of the kernel's neighbour state machine, net/core/neighbour.c):

* a new destination is INCOMPLETE: the packets wait in a queue (up to ``QUEUE_LEN``) while a
  broadcast request is sent ``mcast_solicit`` (3) times, ``retrans_time`` (1 s) apart; no answer
  drops them and the sender learns "host unreachable";
* an answer makes the entry REACHABLE for ``reachable_time``, drawn once per boot uniformly in
  [base/2, 3*base/2] (base_reachable_time 30 s, as the kernel does);
* after that the entry is STALE: it is still used, but the first use starts DELAY (5 s), then
  PROBE: ``ucast_solicit`` (3) unicast requests to the cached MAC, 1 s apart. An answer makes it
  REACHABLE again; none deletes it, and the next packet resolves from scratch (broadcast);
* an ARP request *for one of our addresses* creates or refreshes the sender's entry (STALE); a
  reply to us makes it REACHABLE; a gratuitous ARP (sender IP = target IP) *updates* an existing
  entry (new MAC, STALE) but creates none unless ``net.ipv4.conf.all.arp_accept=1``.

FreeBSD (sys/netinet/if_ether.c, simplified):

* an entry is valid ``net.link.ether.inet.max_age`` (1200 s) after it was last confirmed by any
  ARP packet from that address; after that the next packet resolves it again (broadcast);
* resolution sends ``net.link.ether.inet.maxtries`` (5) requests 1 s apart, queueing packets;
* a request for one of our addresses creates the sender's entry; a gratuitous ARP updates an
  existing entry and, when the MAC changes, the kernel logs
  ``arp: 192.168.1.50 moved from 52:54:00:... to 52:54:00:... on em0``; none is created.

Not modelled: Linux's locktime (gratuitous ARPs override it in current kernels anyway),
arp_announce (requests always carry the NIC's primary address), FreeBSD's pre-expiry refresh
and its 20 s "host is down" hold-down, proxy ARP.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from simlab.sim.packets import BROADCAST, ETH_IPV4, ZERO_MAC, arp_eth, ip_text, mac_text
from simlab.sim.trace import LogLine

if TYPE_CHECKING:
    from simlab.sim.host import Host, Nic

INCOMPLETE = "INCOMPLETE"
REACHABLE = "REACHABLE"
STALE = "STALE"
DELAY = "DELAY"
PROBE = "PROBE"

QUEUE_LEN = 100  # packets waiting for one resolution (Linux unres_qlen is ~100 small packets)
NS_PER_S = 1_000_000_000


class Neighbour:
    """One ARP cache entry."""

    __slots__ = ("gen", "ip", "mac", "nic", "queue", "state", "tries", "until")

    def __init__(self, ip: bytes, nic: Nic) -> None:
        self.ip = ip
        self.nic = nic
        self.mac: bytes | None = None
        self.state = INCOMPLETE
        self.until = 0  # REACHABLE until (Linux) / valid until (FreeBSD), ns
        self.tries = 0
        self.queue: list[tuple[bytes, str, Any, Any]] = []
        self.gen = 0


class NeighbourTable:
    """A host's ARP cache. ``output`` sends an IPv4 packet to a next hop on a NIC."""

    def __init__(self, host: Host) -> None:
        self.host = host
        self.world = host.world
        self.linux = host.os == "linux"
        self.entries: dict[bytes, Neighbour] = {}
        self.reachable_ns = 30 * NS_PER_S

    # ------------------------------------------------------------------ parameters
    def _param(self, name: str) -> int:
        return self.host.sysctls[name]

    def reset(self) -> None:
        """Empty the cache (boot, power loss); Linux draws its reachable time for this boot."""
        for e in self.entries.values():
            e.gen += 1
        self.entries.clear()
        if self.linux:
            base = self._param("net.ipv4.neigh.default.base_reachable_time_ms") * 1_000_000
            rng = self.world.rng(f"{self.host.name}/neigh")
            self.reachable_ns = base // 2 + int(rng.random() * base)
        else:
            self.reachable_ns = self._param("net.link.ether.inet.max_age") * NS_PER_S

    def flush_nic(self, nic: Nic) -> None:
        """The NIC went down: forget what was learned through it (both kernels do)."""
        for ip in [ip for ip, e in self.entries.items() if e.nic is nic]:
            self.entries.pop(ip).gen += 1

    # ------------------------------------------------------------------ sending
    def output(
        self,
        nic: Nic,
        nexthop: bytes,
        packet: bytes,
        kind: str,
        owner: Any = None,
        token: Any = None,
    ) -> None:
        """Send ``packet`` (an IPv4 packet) to ``nexthop`` through ``nic``; ``owner.unreachable
        (token, reason)`` is called if resolution fails."""
        e = self.entries.get(nexthop)
        if e is not None:
            state = e.state
            if state is REACHABLE:
                if self.world.env._now < e.until:
                    nic.send(e.mac + nic.mac_b + ETH_IPV4 + packet, kind)  # type: ignore[operator]
                    return
                if self.linux:
                    state = e.state = STALE
                else:
                    del self.entries[nexthop]  # FreeBSD: expired, resolve again
                    e.gen += 1
                    e = None
            if e is not None:
                if state is STALE:
                    e.state = DELAY
                    self._arm(
                        e, self._param("net.ipv4.neigh.default.delay_first_probe_time") * NS_PER_S
                    )
                    nic.send(e.mac + nic.mac_b + ETH_IPV4 + packet, kind)  # type: ignore[operator]
                elif state is DELAY or state is PROBE:
                    nic.send(e.mac + nic.mac_b + ETH_IPV4 + packet, kind)  # type: ignore[operator]
                elif len(e.queue) < QUEUE_LEN:  # INCOMPLETE
                    e.queue.append((packet, kind, owner, token))
                return
        e = Neighbour(nexthop, nic)
        e.queue.append((packet, kind, owner, token))
        e.tries = 1
        self.entries[nexthop] = e
        self._request(e, BROADCAST)
        self._arm(e, self._retrans())

    def _retrans(self) -> int:
        if self.linux:
            return self._param("net.ipv4.neigh.default.retrans_time_ms") * 1_000_000
        return NS_PER_S

    def _request(self, e: Neighbour, dst: bytes) -> None:
        nic = e.nic
        spa = nic.ip_b or b"\x00\x00\x00\x00"
        nic.send(arp_eth(dst, nic.mac_b, 1, nic.mac_b, spa, ZERO_MAC, e.ip), "arp")

    def _arm(self, e: Neighbour, delay: int) -> None:
        e.gen += 1
        self.world.call_later(delay, self._timer, e, e.gen)

    def _timer(self, e: Neighbour, gen: int) -> None:
        if e.gen != gen or self.entries.get(e.ip) is not e or not self.host.booted:
            return
        if e.state is INCOMPLETE:
            limit = (
                self._param("net.ipv4.neigh.default.mcast_solicit")
                if self.linux
                else self._param("net.link.ether.inet.maxtries")
            )
            if e.tries < limit:
                e.tries += 1
                self._request(e, BROADCAST)
                self._arm(e, self._retrans())
                return
            del self.entries[e.ip]
            for _packet, _kind, owner, token in e.queue:
                if owner is not None:
                    owner.unreachable(token, "host unreachable")
            e.queue.clear()
        elif e.state is DELAY:
            e.state = PROBE
            e.tries = 1
            self._request(e, e.mac or BROADCAST)
            self._arm(e, self._retrans())
        elif e.state is PROBE:
            if e.tries < self._param("net.ipv4.neigh.default.ucast_solicit"):
                e.tries += 1
                self._request(e, e.mac or BROADCAST)
                self._arm(e, self._retrans())
            else:
                del self.entries[e.ip]  # FAILED: the next packet resolves from scratch

    # ------------------------------------------------------------------ learning
    def learn(self, nic: Nic, ip: bytes, mac: bytes, *, confirmed: bool, create: bool) -> None:
        """An ARP packet from ``ip`` at ``mac`` arrived on ``nic``. ``confirmed``: it was a
        reply sent to us; ``create``: the rules allow a new entry (see the module docstring)."""
        now = self.world.env._now
        e = self.entries.get(ip)
        if e is None:
            if not create:
                return
            e = self.entries[ip] = Neighbour(ip, nic)
            e.mac = mac
            if self.linux:
                e.state = REACHABLE if confirmed else STALE
                e.until = now + self.reachable_ns
            else:
                e.state = REACHABLE
                e.until = now + self.reachable_ns
            return
        old = e.mac
        if old is not None and old != mac and not self.linux:
            host = self.host
            self.world.trace.append(
                LogLine(
                    now,
                    host.name,
                    "kernel",
                    f"arp: {ip_text(ip)} moved from {mac_text(old)} to {mac_text(mac)} on "
                    f"{nic.name}",
                )
            )
        e.mac = mac
        e.nic = nic
        if self.linux:
            if confirmed:
                e.state = REACHABLE
                e.until = now + self.reachable_ns
                e.gen += 1
            elif old != mac or e.state is INCOMPLETE:
                e.state = STALE
                e.gen += 1
        else:
            e.state = REACHABLE
            e.until = now + self.reachable_ns
            e.gen += 1
        if e.queue:
            queue, e.queue = e.queue, []
            for packet, kind, _owner, _token in queue:
                nic.send(mac + nic.mac_b + ETH_IPV4 + packet, kind)

    # ------------------------------------------------------------------ reading
    def table(self) -> list[tuple[str, str | None, str, str]]:
        """``(ip, mac or None, state, iface)`` per entry, as ``ip neigh`` / ``arp -an`` list
        them (REACHABLE entries past their time show as STALE on Linux, expired on FreeBSD)."""
        now = self.world.env._now
        rows = []
        for e in self.entries.values():
            state = e.state
            if state is REACHABLE and now >= e.until:
                if not self.linux:
                    continue
                state = STALE
            rows.append((ip_text(e.ip), mac_text(e.mac) if e.mac else None, state, e.nic.name))
        return sorted(rows, key=lambda r: tuple(int(x) for x in r[0].split(".")))
