"""The lock-step segment: delivery, latency, timers, cut-off nodes, livelock guard."""

from __future__ import annotations

import pytest

from simlab.core.actions import AddAddress, ArmTimer, CancelTimer, SendFrame
from simlab.core.events import FrameReceived, Startup, TimerFired
from simlab.core.segment import LivelockError, Segment


class Beacon:
    """A toy machine: on start arms a timer; on each timer sends its name and re-arms."""

    def __init__(self, name: bytes, period: int, echo: bool = False) -> None:
        self.name, self.period, self.echo = name, period, echo
        self.state = "INIT"
        self.heard: list[tuple[int, bytes]] = []

    def handle(self, event):
        match event:
            case Startup(now=now):
                self.state = "MASTER"
                return [
                    AddAddress("eth0", "192.0.2.50/24", "02:00:00:00:00:01"),
                    ArmTimer(now + self.period),
                ]
            case TimerFired(now=now):
                return [SendFrame(self.name, "advert"), ArmTimer(now + self.period)]
            case FrameReceived(now=now, frame=frame):
                self.heard.append((now, frame))
                return [SendFrame(self.name, "advert")] if self.echo else []
        return []


def test_frames_reach_every_other_node_after_the_latency():
    seg = Segment(latency_ns=5)
    a, b, c = Beacon(b"a", 100), Beacon(b"b", 1000), Beacon(b"c", 1000)
    for name, m in (("a", a), ("b", b), ("c", c)):
        seg.attach(name, m)
    seg.schedule(0, "a", Startup(now=0))
    seg.run(until=250)
    assert b.heard == [(105, b"a"), (205, b"a")]
    assert c.heard == b.heard
    assert a.heard == []


def test_rearming_replaces_the_previous_deadline_and_cancel_stops_it():
    class Rearm(Beacon):
        def handle(self, event):
            if isinstance(event, Startup):
                return [ArmTimer(50), ArmTimer(80)]
            if isinstance(event, TimerFired):
                self.heard.append((event.now, b"fired"))
                return [CancelTimer()]
            return []

    seg = Segment()
    m = Rearm(b"x", 0)
    seg.attach("x", m)
    seg.schedule(0, "x", Startup(now=0))
    seg.run(until=1000)
    assert m.heard == [(80, b"fired")]


def test_a_cut_off_node_neither_sends_nor_hears_and_frames_in_flight_are_lost():
    seg = Segment(latency_ns=10)
    a, b = Beacon(b"a", 100), Beacon(b"b", 100)
    seg.attach("a", a)
    seg.attach("b", b)
    seg.schedule(0, "a", Startup(now=0))
    seg.schedule(0, "b", Startup(now=0))
    seg.call_at(105, lambda: seg.set_connected("b", False))  # a's t=100 frame is in flight
    seg.run(until=300)
    assert a.heard == [(110, b"b")]
    assert b.heard == []


def test_drop_predicate_loses_selected_frames_and_holders_track_addresses():
    seg = Segment(drop=lambda s, r, f: r == "c")
    for name in "abc":
        seg.attach(name, Beacon(name.encode(), 100))
    seg.schedule(0, "a", Startup(now=0))
    seg.run(until=100)
    assert seg._nodes["c"].heard == []
    assert seg._nodes["b"].heard == [(100, b"a")]
    assert seg.holders("192.0.2.50/24") == ["a"]
    assert seg.masters() == ["a"]


def test_livelock_is_reported_instead_of_hanging():
    seg = Segment(latency_ns=0)
    seg.attach("a", Beacon(b"a", 100, echo=True))
    seg.attach("b", Beacon(b"b", 100, echo=True))
    seg.schedule(0, "a", Startup(now=0))
    with pytest.raises(LivelockError):
        seg.run(until=200)


def test_scheduling_in_the_past_and_unknown_nodes_are_rejected():
    seg = Segment()
    seg.attach("a", Beacon(b"a", 100))
    seg.run(until=50)
    with pytest.raises(ValueError, match="past"):
        seg.schedule(10, "a", Startup(now=10))
    with pytest.raises(KeyError, match="no node named 'z'"):
        seg.set_connected("z", False)


def test_detach_is_a_power_loss_and_a_reattached_node_starts_clean():
    seg = Segment(latency_ns=10)
    a1, b = Beacon(b"a", 100), Beacon(b"b", 1000)
    seg.attach("a", a1)
    seg.attach("b", b)
    seg.schedule(0, "a", Startup(now=0))
    seg.call_at(150, lambda: seg.detach("a"))
    seg.run(until=400)
    assert [t for t, _ in b.heard] == [110]  # nothing after the power loss
    assert seg.holders("192.0.2.50/24") == []
    a2 = Beacon(b"A", 100)
    seg.call_at(500, lambda: seg.attach("a", a2))
    seg.schedule(500, "a", Startup(now=500))
    seg.run(until=710)  # a2 sends at 600 and 700, each heard 10 ns later
    assert b.heard[1:] == [(610, b"A"), (710, b"A")]
    assert seg.holders("192.0.2.50/24") == ["a"]


def test_events_for_a_node_that_is_off_are_dropped():
    seg = Segment()
    seg.schedule(10, "ghost", Startup(now=10))
    assert seg.run(until=20) == []
