"""Availability, the number of nines and downtime per year, and outages by cause.

The seed defines availability over a year of 525,600 minutes: 99 % leaves 3.65 days of downtime
a year, four nines (99.99 %) 52.56 minutes. The conversions here go both ways between an
availability fraction, its nines (``-log10(1 - A)``) and downtime in minutes or hours per year.

:func:`outages_by_cause` labels each outage a client saw with the cause the trace gives for it:
the fault records that took effect before the outage started decide it (see
:data:`CAUSES`). :func:`downtime_by_cause` sums the seconds per cause.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from simlab.analysis.outages import Outage, find_outages
from simlab.sim.trace import FaultRecord, Probe, Trace

MINUTES_PER_YEAR = 525_600
HOURS_PER_YEAR = 8_760

#: the causes an outage is attributed to, in the order reports list them
CAUSES = (
    "failover",
    "both nodes down",
    "switch",
    "router",
    "split brain",
    "preemption",
    "planned reboot",
    "other",
)

# Fault kinds that take a server's service away, and the kinds that give it back.
_DOWN = {
    "power-off",
    "reboot",
    "daemon-crash",
    "daemon-stop",
    "ifconfig-down",
    "nic-fail",
    "cable-cut",
}
_UP = {
    "power-on",
    "daemon-restart",
    "daemon-start",
    "ifconfig-up",
    "nic-repair",
    "cable-repair",
}


def _check_fraction(availability: float) -> float:
    if not 0.0 <= availability <= 1.0 or math.isnan(availability):
        raise ValueError(f"availability must be a fraction in [0, 1], got {availability!r}")
    return availability


def downtime_minutes(availability: float) -> float:
    """Minutes per year of downtime at ``availability`` (a fraction): 0.9999 -> 52.56."""
    return (1.0 - _check_fraction(availability)) * MINUTES_PER_YEAR


def downtime_hours(availability: float) -> float:
    """Hours per year of downtime at ``availability``: 0.99 -> 87.6 (3.65 days)."""
    return (1.0 - _check_fraction(availability)) * HOURS_PER_YEAR


def availability_from_downtime(minutes_per_year: float) -> float:
    """The availability that leaves ``minutes_per_year`` of downtime (0 to 525,600)."""
    if not 0.0 <= minutes_per_year <= MINUTES_PER_YEAR:
        raise ValueError(
            f"downtime must be between 0 and {MINUTES_PER_YEAR} minutes a year, "
            f"got {minutes_per_year!r}"
        )
    return 1.0 - minutes_per_year / MINUTES_PER_YEAR


def nines(availability: float) -> float:
    """The number of nines, ``-log10(1 - A)``: 0.9999 -> 4.0 (inf for A = 1)."""
    unavailability = 1.0 - _check_fraction(availability)
    return math.inf if unavailability <= 0.0 else -math.log10(unavailability)


def availability_from_nines(n: float) -> float:
    """The availability with ``n`` nines: 4 -> 0.9999 (n may be fractional: 3.5 -> 0.99968)."""
    if n < 0 or math.isnan(n):
        raise ValueError(f"the number of nines must be >= 0, got {n!r}")
    return 1.0 - 10.0 ** (-n)


def format_availability(availability: float, *, digits: int | None = None) -> str:
    """``"99.99 % = 52.6 min/yr"``: the percentage with as many decimals as its nines need,
    and the downtime in the unit people use at that scale (min/yr, h/yr or days/yr)."""
    a = _check_fraction(availability)
    if digits is None:
        n = nines(a)
        digits = 2 if math.isinf(n) else max(2, min(8, math.ceil(n - 1e-9) - 2))
        # keep the percentage honest: 0.99995 is 99.995 %, not 99.99 % or 100.00 %
        while digits < 8 and round(a * 100, digits) == 100.0 and a < 1.0:
            digits += 1
    minutes = downtime_minutes(a)
    if minutes >= 3 * 1440:
        down = f"{minutes / 1440:.3g} days/yr"
    elif minutes >= 120:
        down = f"{minutes / 60:.3g} h/yr"
    elif minutes >= 1:
        down = f"{minutes:.3g} min/yr"
    else:
        down = f"{minutes * 60:.3g} s/yr"
    return f"{a * 100:.{digits}f} % = {down}"


# --- outages by cause ------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class CausedOutage:
    """An outage and the cause the fault records give for it."""

    outage: Outage
    cause: str
    faults: tuple[FaultRecord, ...]  # the records since the previous outage that led to it


def _cause(
    down_hosts: set[str],
    recent: list[FaultRecord],
    switches: set[str],
    routers: set[str],
    split: bool,
) -> str:
    kinds = {f.kind for f in recent}
    if any(f.kind == "switch-fail" or f.target in switches for f in recent):
        return "switch"
    if any(f.target in routers for f in recent) or down_hosts & routers:
        return "router"
    if split or "partition" in kinds:
        return "split brain"
    servers_down = down_hosts - routers
    if len(servers_down) >= 2:
        return "both nodes down"
    relevant = [f.kind for f in recent if f.kind in _DOWN | _UP]
    if relevant and all(kind in _UP for kind in relevant):
        return "preemption"
    if servers_down or kinds & _DOWN:
        return "failover"
    return "other"


def outages_by_cause(
    trace: Trace | Iterable[FaultRecord | Probe],
    *,
    switches: Iterable[str] = (),
    routers: Iterable[str] = (),
) -> list[CausedOutage]:
    """Every outage the probes of ``trace`` show, with its cause (one of :data:`CAUSES`).

    The cause comes from the fault records between the end of the previous outage (or the
    start) and the start of this one, and from which hosts are down then: a switch fault ->
    ``switch``; a fault of a router (``routers`` names them) -> ``router``; a partition still
    in force -> ``split brain``; two or more servers down -> ``both nodes down``; a server's
    fault -> ``failover``; only a server coming back -> ``preemption``; nothing -> ``other``.
    ``switches`` names switches whose faults are recorded under another kind (cable cuts).
    """
    records = list(trace)
    probes = [r for r in records if isinstance(r, Probe)]
    faults = sorted((r for r in records if isinstance(r, FaultRecord)), key=lambda f: f.time)
    switch_names, router_names = set(switches), set(routers)
    result: list[CausedOutage] = []
    down: set[str] = set()
    partitions: set[str] = set()
    i = 0
    previous_end = -1
    for outage in find_outages(probes):
        recent: list[FaultRecord] = []
        while i < len(faults) and faults[i].time <= outage.start:
            f = faults[i]
            i += 1
            if f.kind in _DOWN and f.kind != "reboot":  # a reboot comes back by itself
                down.add(f.target)
            elif f.kind in _UP:
                down.discard(f.target)
            elif f.kind == "partition":
                partitions.add(f.target)
            elif f.kind == "heal":
                partitions.discard(f.target)
            if f.time > previous_end:
                recent.append(f)
        if not recent and i and faults[i - 1].time > previous_end:
            recent = [faults[i - 1]]
        cause = _cause(down, recent, switch_names, router_names, bool(partitions))
        result.append(CausedOutage(outage, cause, tuple(recent)))
        previous_end = outage.end if outage.end is not None else outage.last_sent
    return result


def downtime_by_cause(caused: Iterable[CausedOutage]) -> dict[str, float]:
    """Seconds of outage per cause (every cause of :data:`CAUSES`, zeros included)."""
    totals = dict.fromkeys(CAUSES, 0.0)
    for item in caused:
        totals[item.cause] = totals.get(item.cause, 0.0) + item.outage.duration / 1e9
    return totals
