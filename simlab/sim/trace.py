"""What a run of the simulated world leaves behind: its trace.

Every frame put on a wire (as bytes, so it can be written as pcap and opened in Wireshark), every
state change and log line of a protocol instance, every address added or removed, every fault and
every client probe with its answer. Everything people read or measure (outages, availability,
ifconfig look-alikes, plots) is computed from these records, never from a live world.

Records are frozen and ordered by ``time`` (integer ns) as they were appended; two runs of the
same scenario and seed append the same records in the same order.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TypeVar

from simlab.wire.pcap import PcapRecord, pcap_bytes


@dataclass(frozen=True, slots=True)
class FrameSent:
    """A NIC put ``frame`` on its link (one record per transmission; a switch forwarding it
    adds none, so the pcap looks like a capture on the switch, as the team's captures were)."""

    time: int
    node: str
    iface: str
    frame: bytes
    kind: str | None = None  # "advert" | "garp" | "unsolicited-na" | "icmp" | "arp" | ...


@dataclass(frozen=True, slots=True)
class StateChange:
    """A protocol instance changed state. ``instance`` is ``"VI_1"`` (keepalived) or
    ``"1@em0"`` (CARP vhid@interface)."""

    time: int
    node: str
    instance: str
    old: str
    new: str
    reason: str


@dataclass(frozen=True, slots=True)
class LogLine:
    """A line the real host would log (text without the syslog prefix)."""

    time: int
    node: str
    source: str
    text: str
    level: str = "info"
    detail: bool = False


@dataclass(frozen=True, slots=True)
class AddressChange:
    """A service IP was added to or removed from an interface of ``node``."""

    time: int
    node: str
    iface: str
    address: str
    added: bool
    mac: str | None = None


@dataclass(frozen=True, slots=True)
class FaultRecord:
    """A fault or an administrator's action took effect (``kind`` e.g. ``"power-off"``,
    ``"reboot"``, ``"link-down"``, ``"daemon-crash"``, ``"sysctl"``)."""

    time: int
    kind: str
    target: str
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Probe:
    """One client probe: sent at ``time``; ``answered`` with round-trip ``rtt_ns`` by
    ``responder`` (the node that answered), or lost (``error`` says why when the client knows,
    e.g. ``"timeout"``, ``"connection refused"``, ``"host unreachable"``)."""

    time: int
    client: str
    target: str
    seq: int
    kind: str  # "ping" | "request"
    answered: bool
    rtt_ns: int | None = None
    responder: str | None = None
    error: str | None = None


Record = FrameSent | StateChange | LogLine | AddressChange | FaultRecord | Probe
R = TypeVar("R", FrameSent, StateChange, LogLine, AddressChange, FaultRecord, Probe)


def _time(record: Record) -> int:
    return record.time


@dataclass(slots=True)
class Trace:
    """The records of one run, in the order they happened."""

    records: list[Record] = field(default_factory=list)

    def append(self, record: Record) -> None:
        self.records.append(record)

    def add(self, record: Record) -> None:
        """Append ``record``, or insert it after every record with the same or an earlier time
        when it is dated in the past (a probe is recorded when its answer or timeout is known,
        dated when it was sent), so the records stay ordered by time."""
        records = self.records
        t = record.time
        if not records or records[-1].time <= t:
            records.append(record)
            return
        # the place is nearly always among the last few records: look there first
        at = len(records) - 1
        stop = max(0, at - 64)
        while at > stop and records[at - 1].time > t:
            at -= 1
        if at == stop and at and records[at - 1].time > t:
            at = bisect.bisect_right(records, t, hi=at, key=_time)
        records.insert(at, record)

    def __iter__(self) -> Iterator[Record]:
        return iter(self.records)

    def __len__(self) -> int:
        return len(self.records)

    def of(self, kind: type[R]) -> list[R]:
        """Every record of one type, in order: ``trace.of(Probe)``."""
        return [r for r in self.records if isinstance(r, kind)]

    def pcap(self, *, nanoseconds: bool = True) -> bytes:
        """Every frame as a classic pcap (Ethernet), timestamps = simulated time."""
        frames = [PcapRecord(ts_ns=r.time, frame=r.frame) for r in self.of(FrameSent)]
        return pcap_bytes(frames, nanoseconds=nanoseconds)
