"""Outages as the client counts them: runs of unanswered probes."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from simlab.analysis.outages import availability, find_outages
from simlab.sim.trace import Probe

MS = 1_000_000


def pings(pattern: str, *, interval: int = 100 * MS, client="client", target="192.0.2.50"):
    """'.' answered, 'x' lost: one probe every ``interval``."""
    return [
        Probe(
            time=i * interval,
            client=client,
            target=target,
            seq=i,
            kind="ping",
            answered=c == ".",
            rtt_ns=200_000 if c == "." else None,
            responder="server-1" if c == "." else None,
            error=None if c == "." else "timeout",
        )
        for i, c in enumerate(pattern)
    ]


def test_one_gap_lasts_lost_probes_times_the_interval():
    (o,) = find_outages(pings("....xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx......"))
    assert o.lost == 30
    assert o.start == 400 * MS and o.end == 3_400 * MS
    assert o.duration == 3_000 * MS
    assert o.errors == ("timeout",)
    assert o.as_dict()["duration"] == 3.0


def test_separate_gaps_and_an_unfinished_one():
    outages = find_outages(pings("..xx...x..xxx"))
    assert [(o.start // MS, o.end and o.end // MS, o.lost) for o in outages] == [
        (200, 400, 2),
        (700, 800, 1),
        (1000, None, 3),
    ]
    assert outages[-1].duration == 200 * MS  # up to the last lost probe sent


def test_streams_of_different_clients_are_kept_apart():
    probes = pings("..xx..", client="a") + pings("x.....", client="b")
    outages = find_outages(probes)
    assert [(o.client, o.start) for o in outages] == [("b", 0), ("a", 200 * MS)]


def test_availability_is_the_fraction_answered():
    assert availability(pings("..x.")) == 0.75
    assert availability([]) is None


@given(st.text(alphabet=".x", max_size=60))
def test_lost_probes_are_exactly_those_in_outages(pattern):
    outages = find_outages(pings(pattern))
    assert sum(o.lost for o in outages) == pattern.count("x")
    # outages never touch: an answered probe separates any two
    for a, b in itertools.pairwise(outages):
        assert a.end is not None and a.end <= b.start
