"""A client's probes printed the way ``ping`` prints them, so the outage shows as it does in the
seed articles: a run of ``Request timeout for icmp_seq N`` lines (FreeBSD) between replies.

Long runs of replies are folded into one bracketed line (``context`` replies are kept on each side
of every gap), which real ping never does; the bracket says how many were folded.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from typing import Literal

from simlab.sim.trace import Probe

Style = Literal["freebsd", "linux"]


def _reply(p: Probe, style: Style, ttl: int) -> str:
    ms = (p.rtt_ns or 0) / 1e6
    return f"64 bytes from {p.target}: icmp_seq={p.seq} ttl={ttl} time={ms:.3f} ms"


def _lost(p: Probe, style: Style) -> str:
    if p.error == "host unreachable":
        return (
            f"ping: sendto: Host is down (icmp_seq {p.seq})"
            if style == "freebsd"
            else (f"From {p.client} icmp_seq={p.seq} Destination Host Unreachable")
        )
    if style == "freebsd":
        return f"Request timeout for icmp_seq {p.seq}"
    return f"no answer yet for icmp_seq={p.seq}"  # iputils ping -O


def ping_lines(
    probes: Iterable[Probe],
    *,
    style: Style = "freebsd",
    context: int | None = 3,
    timestamps: bool = False,
    ttl: int = 64,
) -> list[str]:
    """The ping session of one client towards one target (pass that stream's probes).

    ``context=None`` prints every probe. ``timestamps`` prefixes each line with the simulated
    send time in seconds, as ``ping -D`` does with wall-clock time.
    """
    stream: Sequence[Probe] = sorted(
        (p for p in probes if p.kind == "ping"), key=lambda p: (p.time, p.seq)
    )
    if not stream:
        return []
    target = stream[0].target
    head = (
        f"PING {target} ({target}): 56 data bytes"
        if style == "freebsd"
        else f"PING {target} ({target}) 56(84) bytes of data."
    )
    keep = _kept(stream, context)
    lines = [head]
    folded = 0
    for index, probe in enumerate(stream):
        if not keep[index]:
            folded += 1
            continue
        if folded:
            lines.append(f"[... {folded} replies folded ...]")
            folded = 0
        text = _reply(probe, style, ttl) if probe.answered else _lost(probe, style)
        lines.append(f"[{probe.time / 1e9:.3f}] {text}" if timestamps else text)
    if folded:
        lines.append(f"[... {folded} replies folded ...]")
    lines.extend(_summary(stream, target, style))
    return lines


def _kept(stream: Sequence[Probe], context: int | None) -> list[bool]:
    if context is None:
        return [True] * len(stream)
    keep = [False] * len(stream)
    for index, probe in enumerate(stream):
        if not probe.answered:
            lo, hi = max(0, index - context), min(len(stream), index + context + 1)
            for k in range(lo, hi):
                keep[k] = True
    for k in range(min(context, len(stream))):  # the session's first lines, as a learner sees it
        keep[k] = True
    return keep


def _summary(stream: Sequence[Probe], target: str, style: Style) -> list[str]:
    sent = len(stream)
    rtts = [p.rtt_ns / 1e6 for p in stream if p.answered and p.rtt_ns is not None]
    received = sum(p.answered for p in stream)
    loss = 100.0 * (sent - received) / sent
    lines = ["", f"--- {target} ping statistics ---"]
    if style == "freebsd":
        lines.append(
            f"{sent} packets transmitted, {received} packets received, {loss:.1f}% packet loss"
        )
    else:
        span = (stream[-1].time - stream[0].time) // 1_000_000
        lines.append(
            f"{sent} packets transmitted, {received} received, {loss:g}% packet loss, time {span}ms"
        )
    if rtts:
        spread = statistics.pstdev(rtts)
        label = "round-trip min/avg/max/stddev" if style == "freebsd" else "rtt min/avg/max/mdev"
        lines.append(
            f"{label} = {min(rtts):.3f}/{statistics.fmean(rtts):.3f}/{max(rtts):.3f}/"
            f"{spread:.3f} ms"
        )
    return lines
