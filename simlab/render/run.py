"""The text report of ``simlab run``: what happened, as the hosts and the client saw it.

A timeline of faults and the hosts' log lines (syslog layout), the state transitions, each ping
session as ``ping`` prints it, and a summary with every outage and the availability.
"""

from __future__ import annotations

from collections.abc import Iterable

from simlab.core.actions import Log
from simlab.render.ping import ping_lines
from simlab.render.syslog import syslog_line
from simlab.sim.trace import FaultRecord, LogLine, Probe, Trace


def _t(ns: int) -> str:
    return f"{ns / 1e9:9.3f} s"


def timeline_lines(trace: Trace, *, logs: bool = True, detail: bool = False) -> list[str]:
    """Faults (``---`` lines) and, with ``logs``, the log lines of every host, in time order."""
    out: list[str] = []
    for record in trace:
        if isinstance(record, FaultRecord):
            out.append(f"{_t(record.time)}  --- {record.kind} {record.target}: {record.detail}")
        elif logs and isinstance(record, LogLine) and (detail or not record.detail):
            line = syslog_line(record.time, record.node, Log(record.source, record.text))
            out.append(f"{_t(record.time)}  {line}")
    return out


def run_text(
    name: str,
    description: str,
    trace: Trace,
    report: dict,
    *,
    logs: bool = True,
) -> Iterable[str]:
    yield f"{name}: {description}"
    phase = (
        f"faults shifted by {report['fault_offset']:.3f} s (seeded phase)"
        if report["fault_offset"]
        else "faults at their written times"
    )
    yield f"seed {report['seed']}, {report['until']:g} s simulated, {phase}"
    yield ""
    yield "Timeline" + (" (faults and log lines)" if logs else " (faults)")
    yield from timeline_lines(trace, logs=logs)
    yield ""
    yield "Transitions"
    for t in report["transitions"]:
        yield (
            f"{t['time']:9.3f} s  {t['node']:<10} {t['instance']:<8} "
            f"{t['from']:>6} -> {t['to']:<6} ({t['reason']})"
        )
    probes = trace.of(Probe)
    for client, target in sorted({(p.client, p.target) for p in probes if p.kind == "ping"}):
        yield ""
        yield f"{client}$ ping {target}"
        yield from ping_lines(p for p in probes if p.client == client and p.target == target)
    yield ""
    yield "Summary"
    if not report["outages"]:
        yield "  no outage seen by any client"
    for o in report["outages"]:
        end = "still out at the end" if o["end"] is None else f"-> {o['end']:.3f} s"
        why = ", ".join(o["errors"])
        yield (
            f"  outage  {o['client']:<8} {o['kind']:<7} {o['start']:9.3f} s {end}  "
            f"{o['duration']:.3f} s ({o['lost']} lost: {why})"
        )
    if report["availability"] is not None:
        parts = ", ".join(
            f"{key} {100 * value:.2f} %" for key, value in report["availability_by_client"].items()
        )
        yield f"  probes answered: {100 * report['availability']:.2f} % ({parts})"
