"""The ping view: replies, the timeout run that is the outage, the statistics."""

from __future__ import annotations

from simlab.render.ping import ping_lines
from simlab.sim.trace import Probe

MS = 1_000_000


def pings(pattern: str):
    return [
        Probe(
            i * 100 * MS,
            "client",
            "192.168.1.50",
            i,
            "ping",
            c == ".",
            rtt_ns=150_000 + i * 1000 if c == "." else None,
            error=None if c == "." else "timeout",
        )
        for i, c in enumerate(pattern)
    ]


def test_freebsd_style_shows_the_gap_as_request_timeouts_and_folds_the_rest():
    lines = ping_lines(pings("." * 20 + "xxx" + "." * 20), context=2)
    assert lines[0] == "PING 192.168.1.50 (192.168.1.50): 56 data bytes"
    assert lines[1] == "64 bytes from 192.168.1.50: icmp_seq=0 ttl=64 time=0.150 ms"
    timeouts = [line for line in lines if line.startswith("Request timeout")]
    assert timeouts == [f"Request timeout for icmp_seq {n}" for n in (20, 21, 22)]
    assert "[... 16 replies folded ...]" in lines  # 2..17 between the head and the gap
    assert "43 packets transmitted, 40 packets received, 7.0% packet loss" in lines
    assert lines[-1].startswith("round-trip min/avg/max/stddev = 0.150/")


def test_linux_style_and_every_line_without_folding():
    lines = ping_lines(pings("..x.."), style="linux", context=None, timestamps=True)
    assert lines[0] == "PING 192.168.1.50 (192.168.1.50) 56(84) bytes of data."
    assert lines[3] == "[0.200] no answer yet for icmp_seq=2"
    assert "5 packets transmitted, 4 received, 20% packet loss, time 400ms" in lines
    assert not any("folded" in line for line in lines)


def test_no_probes_no_lines():
    assert ping_lines([]) == []
