"""Outages and availability as a client measures them: from its probes, nothing else.

The seed articles measure failover with ``ping``: count the requests that got no answer. An
outage here is exactly that, a maximal run of consecutive unanswered probes of one client. It
starts when the first unanswered probe was sent and ends when the next answered one was sent, so
its duration is (number lost) x (probe interval) for a regular prober. A run still unanswered at
the end of the trace is an outage with no end (``end`` is None), reported as lasting up to the
last probe sent.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from simlab.sim.trace import Probe


@dataclass(frozen=True, slots=True)
class Outage:
    """One outage seen by ``client`` probing ``target`` with ``kind`` probes (times in ns)."""

    client: str
    target: str
    kind: str
    start: int
    end: int | None  # None: still out when the trace ends
    lost: int
    last_sent: int  # send time of the last lost probe
    errors: tuple[str, ...] = ()  # distinct reasons the client gave, in order of appearance

    @property
    def duration(self) -> int:
        """ns from the first lost probe to the first answered one (or to the last lost one)."""
        return (self.end if self.end is not None else self.last_sent) - self.start

    def as_dict(self) -> dict[str, object]:
        """JSON shape used by ``simlab run --json``: seconds, as people read them."""
        return {
            "client": self.client,
            "target": self.target,
            "kind": self.kind,
            "start": self.start / 1e9,
            "end": None if self.end is None else self.end / 1e9,
            "duration": self.duration / 1e9,
            "lost": self.lost,
            "errors": list(self.errors),
        }


def _streams(probes: Iterable[Probe]) -> dict[tuple[str, str, str], list[Probe]]:
    streams: dict[tuple[str, str, str], list[Probe]] = {}
    for probe in probes:
        streams.setdefault((probe.client, probe.target, probe.kind), []).append(probe)
    for stream in streams.values():
        stream.sort(key=lambda p: (p.time, p.seq))
    return streams


def find_outages(probes: Iterable[Probe]) -> list[Outage]:
    """Every outage of every (client, target, kind) stream, ordered by start time."""
    found: list[Outage] = []
    for (client, target, kind), stream in _streams(probes).items():
        run: list[Probe] = []
        for probe in stream:
            if not probe.answered:
                run.append(probe)
                continue
            if run:
                found.append(_outage(client, target, kind, run, end=probe.time))
                run = []
        if run:
            found.append(_outage(client, target, kind, run, end=None))
    found.sort(key=lambda o: (o.start, o.client, o.target, o.kind))
    return found


def _outage(client: str, target: str, kind: str, run: list[Probe], end: int | None) -> Outage:
    errors: list[str] = []
    for probe in run:
        if probe.error and probe.error not in errors:
            errors.append(probe.error)
    return Outage(
        client=client,
        target=target,
        kind=kind,
        start=run[0].time,
        end=end,
        lost=len(run),
        last_sent=run[-1].time,
        errors=tuple(errors),
    )


def availability(probes: Iterable[Probe]) -> float | None:
    """Fraction of probes answered (None when there were no probes)."""
    total = answered = 0
    for probe in probes:
        total += 1
        answered += probe.answered
    return answered / total if total else None
