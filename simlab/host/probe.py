"""A client's view of the service IP: ICMP echo every 50 ms from a raw socket, times kept exactly.

Run inside the client's namespace (``python -m simlab.host.probe 192.0.2.50 --out FILE``); it
probes until SIGTERM/SIGINT or ``--duration``, waits ``--timeout`` for late answers, then writes
JSON ``{"target", "interval", "timeout", "probes": [[seq, sent_ns, answered_ns | null], ...]}``
with ``time.monotonic_ns()`` times (one clock for every process on the machine).
:func:`outages` turns that into outages the way :mod:`simlab.analysis.outages` defines them: a
maximal run of unanswered probes, from the first lost probe's send time to the next answered
probe's send time, i.e. (number lost) x (interval).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import selectors
import signal
import socket
import struct
import time
from dataclasses import dataclass

from simlab.wire.checksum import internet_checksum

__all__ = ["ProbeOutage", "outages", "run_probe"]


@dataclass(frozen=True)
class ProbeOutage:
    """One run of unanswered probes (times in ns, monotonic clock)."""

    start: int
    end: int | None  # send time of the first answered probe after the run; None: never answered
    lost: int

    @property
    def seconds(self) -> float:
        return 0.0 if self.end is None else (self.end - self.start) / 1e9


def outages(probes: list[list], timeout_ns: int = 1_000_000_000) -> list[ProbeOutage]:
    """Runs of unanswered probes (an answer later than ``timeout_ns`` counts as lost)."""
    found: list[ProbeOutage] = []
    run: list[list] = []
    for seq_sent_answered in sorted(probes):
        _, sent, answered = seq_sent_answered
        if answered is not None and answered - sent <= timeout_ns:
            if run:
                found.append(ProbeOutage(run[0][1], sent, len(run)))
                run = []
        else:
            run.append(seq_sent_answered)
    if run:
        found.append(ProbeOutage(run[0][1], None, len(run)))
    return found


def _echo(ident: int, seq: int) -> bytes:
    payload = b"simlab-probe-" + struct.pack("!Q", time.monotonic_ns())
    header = struct.pack("!BBHHH", 8, 0, 0, ident, seq & 0xFFFF)
    checksum = internet_checksum(header + payload)
    return struct.pack("!BBHHH", 8, 0, checksum, ident, seq & 0xFFFF) + payload


def run_probe(
    target: str, interval: float, timeout: float, duration: float | None, out: str
) -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    sock.setblocking(False)
    ident = os.getpid() & 0xFFFF
    stop = False

    def on_signal(_signum: int, _frame: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    sent: dict[int, int] = {}
    answered: dict[int, int] = {}
    sel = selectors.DefaultSelector()
    sel.register(sock, selectors.EVENT_READ)
    step = int(interval * 1e9)
    start = time.monotonic_ns()
    end = None if duration is None else start + int(duration * 1e9)
    next_send, seq, drain_until = start, 0, None
    while True:
        now = time.monotonic_ns()
        if drain_until is None and (stop or (end is not None and now >= end)):
            drain_until = now + int(timeout * 1e9)  # wait for the last answers
        if drain_until is not None and now >= drain_until:
            break
        if drain_until is None and now >= next_send:
            sent[seq] = now
            with contextlib.suppress(OSError):  # no neighbour yet: counts as unanswered
                sock.sendto(_echo(ident, seq), (target, 0))
            seq += 1
            next_send += step
            continue
        wake = drain_until if drain_until is not None else next_send
        if sel.select(max(0.0, (wake - now) / 1e9)):
            while True:
                try:
                    data = sock.recv(65535)
                except BlockingIOError:
                    break
                ihl = (data[0] & 0x0F) * 4
                kind, _, _, rid, rseq = struct.unpack("!BBHHH", data[ihl : ihl + 8])
                ours = kind == 0 and rid == ident and socket.inet_ntoa(data[12:16]) == target
                if ours and rseq in sent and rseq not in answered:  # (seq < 65536: ~55 min)
                    answered[rseq] = time.monotonic_ns()
    result = {
        "target": target,
        "interval": interval,
        "timeout": timeout,
        "probes": [[s, t, answered.get(s)] for s, t in sorted(sent.items())],
    }
    with open(out, "w") as f:
        json.dump(result, f)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m simlab.host.probe", description=__doc__)
    parser.add_argument("target")
    parser.add_argument("--interval", type=float, default=0.05)
    parser.add_argument("--timeout", type=float, default=1.0)
    parser.add_argument("--duration", type=float, default=None)
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    run_probe(args.target, args.interval, args.timeout, args.duration, args.out)


if __name__ == "__main__":
    main()
