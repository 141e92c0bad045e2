"""Client probes: ``ping`` and a request/response client of a TCP service.

Each probe sent becomes one :class:`~simlab.sim.trace.Probe` record, dated when it was sent and
added to the trace when its fate is known: answered (with the round-trip time and the node that
answered), or lost with the reason the client would see:

* ``"timeout"``: no answer within ``timeout_ns`` (a late answer counts as lost, like
  ``ping -W``);
* ``"host unreachable"``: ARP for the next hop failed (ping's "Destination Host Unreachable");
* ``"network unreachable"``: the client has no route;
* ``"connection refused"``: (requests only) the host answered with a TCP reset: it holds the
  address but nothing listens there. This is how "ping answers but the web service is down"
  shows up.

Timeouts cost no event of their own: a probe's deadline is checked at the next tick of the same
client and when :meth:`World.run` returns.

The request client opens a TCP connection (SYN) and is answered by SYN-ACK (then resets it, as a
port checker does) or by RST.
"""

from __future__ import annotations

import ipaddress
from collections import deque
from typing import TYPE_CHECKING, Any

from simlab.sim.packets import (
    PROTO_ICMP,
    PROTO_TCP,
    TCP_ACK,
    TCP_RST,
    TCP_SYN,
    icmp_echo,
    ping_data,
    tcp_segment,
)
from simlab.sim.trace import Probe

if TYPE_CHECKING:
    from simlab.sim.host import Host
    from simlab.sim.world import World


def _positive(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{name} must be a positive integer number of ns, got {value!r}")
    return value


class _Prober:
    kind = "probe"

    def __init__(
        self,
        world: World,
        client: Host,
        target: str,
        interval_ns: int,
        timeout_ns: int,
        start_ns: int,
        count: int | None,
    ) -> None:
        self.world = world
        self.client = client
        self.target = str(ipaddress.IPv4Address(target))
        self.target_b = ipaddress.IPv4Address(target).packed
        self.interval_ns = _positive("interval_ns", interval_ns)
        self.timeout_ns = _positive("timeout_ns", timeout_ns)
        if count is not None and (not isinstance(count, int) or count <= 0):
            raise ValueError(f"count must be a positive integer or None, got {count!r}")
        if isinstance(start_ns, bool) or not isinstance(start_ns, int) or start_ns < 0:
            raise ValueError(f"start_ns must be an integer >= 0, got {start_ns!r}")
        self.count = count
        self.seq = 0
        self.sent = 0
        self.answered = 0
        self.lost = 0
        self.duplicates = 0
        self.stopped = False
        self.outstanding: dict[int, list] = {}
        self._pending: deque[tuple[int, int, list]] = deque()
        world.call_at(start_ns, self._tick)

    def stop(self) -> None:
        """Send no more probes (the ones in flight still get their record)."""
        self.stopped = True

    def _tick(self) -> None:
        if self.stopped:
            return
        now = self.world.env._now
        pending = self._pending
        if pending and pending[0][0] + self.timeout_ns <= now:  # expire()'s own first test
            self.expire(now)
        if self.client.booted:
            self.seq += 1
            self.sent += 1
            self._send(now)
        if self.count is not None and self.seq >= self.count:
            self.stopped = True
            return
        self.world.call_later(self.interval_ns, self._tick)

    def _track(self, now: int, key: int) -> list:
        entry = [now, self.seq]
        self.outstanding[key] = entry
        self._pending.append((now, key, entry))
        return entry

    def expire(self, now: int) -> None:
        """Record every probe whose timeout has passed by ``now`` as lost."""
        pending = self._pending
        timeout = self.timeout_ns
        outstanding = self.outstanding
        while pending and pending[0][0] + timeout <= now:
            _sent, key, entry = pending.popleft()
            if outstanding.get(key) is entry:
                del outstanding[key]
                self._lost(entry, "timeout")

    def unreachable(self, key: int, reason: str) -> None:
        entry = self.outstanding.pop(key, None)
        if entry is not None:
            self._lost(entry, reason)

    def _lost(self, entry: list, reason: str, responder: str | None = None) -> None:
        self.lost += 1
        self.world._probe(
            Probe(
                entry[0],
                self.client.name,
                self.target,
                entry[1],
                self.kind,
                False,
                responder=responder,
                error=reason,
            )
        )

    def _answered(self, key: int, entry: list, responder_key: bytes) -> None:
        now = self.world.env._now
        rtt = now - entry[0]
        if rtt > self.timeout_ns:
            return  # too late: expire() records it as a timeout
        del self.outstanding[key]
        self.answered += 1
        world = self.world
        responder = world._responders.pop(responder_key, None)
        world.trace.add(  # World._probe, one call less
            Probe(
                entry[0], self.client.name, self.target, entry[1], self.kind, True, rtt, responder
            )
        )

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} {self.client.name} -> {self.target} sent {self.sent} "
            f"answered {self.answered} lost {self.lost}>"
        )


class Pinger(_Prober):
    """``ping -i INTERVAL -W TIMEOUT TARGET`` (sequence numbers from 1, 56 data bytes)."""

    kind = "ping"

    def __init__(self, world: World, client: Host, *args: Any) -> None:
        n = 0
        while True:
            ident = world.rng(f"{client.name}/ping/{n}").getrandbits(16)
            if ident not in client._pingers:
                break
            n += 1
        self.ident = ident
        client._pingers[ident] = self
        super().__init__(world, client, *args)

    def _send(self, now: int) -> None:
        key = self.seq & 0xFFFF
        entry = [now, self.seq]
        self.outstanding[key] = entry
        self._pending.append((now, key, entry))
        payload = icmp_echo(self.ident, key, ping_data(now))
        self.client.send_ip(self.target_b, PROTO_ICMP, payload, "icmp", owner=self, token=key)

    def reply(self, frame: bytes) -> None:
        key = (frame[40] << 8) | frame[41]
        entry = self.outstanding.get(key)
        if entry is None:
            self.duplicates += 1  # a (DUP!) or a late answer
            return
        self._answered(key, entry, frame[18:20] + frame[38:42] + frame[30:34])


class Requester(_Prober):
    """A TCP connect probe of ``target:port`` (SYN; SYN-ACK = answered, RST = refused)."""

    kind = "request"
    PORTS = (32768, 60999)  # Linux's ip_local_port_range

    def __init__(self, world: World, client: Host, target: str, port: int, *args: Any) -> None:
        if not isinstance(port, int) or not 1 <= port <= 65535:
            raise ValueError(f"port must be 1..65535, got {port!r}")
        self.port = port
        low, high = self.PORTS
        self._rng = world.rng(f"{client.name}/requests/{target}:{port}")
        self._next_port = low + self._rng.randrange(high - low)
        self._isn: dict[int, int] = {}
        super().__init__(world, client, target, *args)

    def _send(self, now: int) -> None:
        low, high = self.PORTS
        lport = self._next_port
        self._next_port = lport + 1 if lport < high else low
        route = self.client._route(self.target_b)
        self._track(now, lport)
        if route is None:
            self.unreachable(lport, "network unreachable")
            return
        isn = self._rng.getrandbits(32)
        self._isn[lport] = isn
        self.client._tcp_ports[lport] = self
        seg = tcp_segment(route[2], self.target_b, lport, self.port, isn, 0, TCP_SYN)
        self.client.send_ip(
            self.target_b, PROTO_TCP, seg, "tcp", src=route[2], owner=self, token=lport
        )

    def segment(self, frame: bytes, sport: int, dport: int, seq: int, ack: int, flags: int) -> None:
        entry = self.outstanding.get(dport)
        if (
            entry is None
            or sport != self.port
            or ack != (self._isn.get(dport, -2) + 1) & 0xFFFFFFFF
        ):
            return
        key = frame[18:20] + frame[34:38] + frame[30:34]
        if flags & TCP_SYN and flags & TCP_ACK:
            self._answered(dport, entry, key)
            # close the half-open connection, as a port checker does
            self.client.send_ip(
                frame[26:30],
                PROTO_TCP,
                tcp_segment(frame[30:34], frame[26:30], dport, sport, ack, 0, TCP_RST),
                "tcp",
                src=frame[30:34],
            )
        elif flags & TCP_RST:
            now = self.world.env._now
            if now - entry[0] > self.timeout_ns:
                return
            del self.outstanding[dport]
            # the host that refused is known (it holds the address, nothing listens)
            self._lost(entry, "connection refused", self.world._responders.pop(key, None))
