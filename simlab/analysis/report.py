"""The result of one run, as data: what ``simlab run --json`` prints and graders compare.

Built from the trace alone. Times are seconds (floats rounded to the nanosecond) so people and
JSON tools read them directly; the same scenario and seed give the same object, key for key.
"""

from __future__ import annotations

from simlab.analysis.outages import availability, find_outages
from simlab.sim.trace import FaultRecord, Probe, StateChange, Trace


def _s(ns: int | None) -> float | None:
    return None if ns is None else round(ns / 1e9, 9)


def run_report(
    trace: Trace,
    *,
    scenario: str,
    seed: int,
    until_ns: int,
    fault_offset_ns: int = 0,
) -> dict[str, object]:
    """Outages, transitions, availability (fraction of probes answered) and faults of a run."""
    probes = trace.of(Probe)
    clients = sorted({(p.client, p.kind) for p in probes})
    by_client = {
        f"{client}/{kind}": availability(p for p in probes if (p.client, p.kind) == (client, kind))
        for client, kind in clients
    }
    return {
        "scenario": scenario,
        "seed": seed,
        "until": _s(until_ns),
        "fault_offset": _s(fault_offset_ns),
        "availability": availability(probes),
        "availability_by_client": by_client,
        "probes": {"sent": len(probes), "answered": sum(p.answered for p in probes)},
        "outages": [o.as_dict() for o in find_outages(probes)],
        "transitions": [
            {
                "time": _s(r.time),
                "node": r.node,
                "instance": r.instance,
                "from": r.old,
                "to": r.new,
                "reason": r.reason,
            }
            for r in trace.of(StateChange)
        ],
        "faults": [
            {"time": _s(r.time), "kind": r.kind, "target": r.target, "detail": r.detail}
            for r in trace.of(FaultRecord)
        ],
    }
