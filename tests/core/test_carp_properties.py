"""Hypothesis properties of CarpVhid: no crash on any input, only well-formed frames out, timers
never in the past, a lone node ends MASTER, and on a shared segment exactly one MASTER remains
(the smallest advskew when preempt is on)."""

from __future__ import annotations

import ipaddress
import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simlab.core.actions import ArmTimer, CancelTimer, SendFrame
from simlab.core.carp import CarpConfig, CarpVhid
from simlab.core.events import LinkChanged, Startup
from simlab.core.interface import Interface
from simlab.core.segment import Segment
from simlab.wire.arp import Arp
from simlab.wire.carp import CarpAdvert
from simlab.wire.frames import carp_frame, parse_frame
from simlab.wire.icmp import NeighborAdvert

S = 1_000_000_000
OUR_IP, OUR_LL = "10.0.0.1", "fe80::1"
V4_VIP, V6_VIP = "10.0.0.50/24", "2001:db8::50/64"
PEERS = ("10.0.0.2", "10.0.0.3", "fe80::2")

FAST = settings(
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@st.composite
def configs(draw):
    flavour = draw(st.sampled_from(["freebsd", "openbsd", "ucarp"]))
    if flavour == "ucarp":
        vips = (V4_VIP,)
    else:
        vips = draw(st.sampled_from([(V4_VIP,), (V6_VIP,), (V4_VIP, V6_VIP), (V4_VIP, "fe80::50")]))
    return CarpConfig(
        vhid=draw(st.sampled_from([1, 7])),
        advbase=draw(st.integers(0 if flavour == "openbsd" else 1, 3)),
        advskew=draw(st.integers(0, 254)),
        password=draw(st.sampled_from(["", "pw", "a-very-long-passphrase-of-30ch"[:19]])),
        vips=vips,
        preempt=draw(st.booleans()),
        flavour=flavour,
        log=draw(st.integers(0, 7)),
    )


def peer_advert(draw, cfg: CarpConfig) -> bytes:
    src = draw(st.sampled_from(PEERS))
    good = draw(st.booleans())
    addrs = list(cfg.addresses) if good else draw(st.sampled_from([["10.0.0.99"], []]))
    advert = CarpAdvert.signed(
        vhid=cfg.vhid if draw(st.integers(0, 4)) else draw(st.integers(0, 255)),
        advskew=draw(st.integers(0, 255)),
        advbase=draw(st.integers(0, 255) | st.integers(1, 4)),
        counter=draw(st.integers(0, 2**64 - 1)),
        password=cfg.password if draw(st.integers(0, 3)) else "wrong",
        addresses=addrs,
        demote=draw(st.integers(0, 255) | st.just(0)),
    )
    ttl = 255 if draw(st.integers(0, 4)) else draw(st.integers(0, 254))
    return carp_frame(advert, src_mac="00:00:5e:00:01:07", src_ip=src, ttl=ttl)


@st.composite
def steps(draw, cfg: CarpConfig):
    kind = draw(
        st.sampled_from(
            [
                *("advert", "advert", "advert", "garbage", "mangled", "timer", "link"),
                *("force", "demotion", "advskew", "restart", "wait"),
            ]
        )
    )
    dt = draw(st.integers(0, 4 * S) | st.integers(0, 1000))
    if kind == "advert":
        return dt, kind, peer_advert(draw, cfg)
    if kind == "garbage":
        return dt, kind, draw(st.binary(max_size=120))
    if kind == "mangled":
        frame = bytearray(peer_advert(draw, cfg))
        cut = draw(st.integers(0, len(frame)))
        if draw(st.booleans()) and frame:
            i = draw(st.integers(0, len(frame) - 1))
            frame[i] ^= draw(st.integers(1, 255))
            return dt, kind, bytes(frame)
        return dt, kind, bytes(frame[:cut])
    if kind == "link":
        return dt, kind, draw(st.booleans())
    if kind == "force":
        choices = ["backup", "BACKUP"] if cfg.flavour == "ucarp" else ["master", "Backup"]
        return dt, kind, draw(st.sampled_from(choices))
    if kind == "demotion":
        return dt, kind, draw(st.integers(-300, 300))
    if kind == "advskew":
        return dt, kind, draw(st.integers(0, 254))
    return dt, kind, None


@st.composite
def scenarios(draw):
    cfg = draw(configs())
    return cfg, draw(st.integers(0, 2**32)), draw(st.lists(steps(cfg), max_size=40))


class Checker:
    """Drives one vhid like a real driver does and checks every action it emits."""

    def __init__(self, v: CarpVhid) -> None:
        self.v = v
        self.armed: int | None = None
        cfg = v.config
        self.hash_addrs = list(cfg.addresses)
        if cfg.flavour == "openbsd":
            self.hash_addrs = [
                a for a in cfg.addresses if not ipaddress.ip_address(a).is_link_local
            ]

    def check(self, now: int, actions) -> None:
        for a in actions:
            if isinstance(a, ArmTimer):
                assert a.at >= now, f"timer armed in the past: {a.at} < {now}"
                self.armed = a.at
            elif isinstance(a, CancelTimer):
                self.armed = None
            elif isinstance(a, SendFrame):
                self.check_frame(a)
        assert self.armed == self.v.next_deadline

    def check_frame(self, a: SendFrame) -> None:
        p = parse_frame(a.frame)
        assert p.encode() == a.frame
        if p.ip is not None and hasattr(p.ip, "checksum_ok"):
            assert p.ip.checksum_ok
        if a.kind == "advert":
            ad = p.payload
            assert isinstance(ad, CarpAdvert), p.rule
            assert p.ttl == 255 and ad.checksum_ok and ad.version == 2 and ad.type == 1
            assert ad.vhid == self.v.config.vhid
            assert ad.hmac_ok(self.v.config.password, self.hash_addrs)
        elif a.kind == "garp":
            assert isinstance(p.payload, Arp) and p.payload.is_gratuitous
        else:
            assert isinstance(p.payload, NeighborAdvert) and p.ttl == 255

    def fire_due(self, until: int) -> None:
        while self.armed is not None and self.armed <= until:
            at = self.armed
            self.check(at, self.v.timer_fired(at))


@FAST
@given(scenarios())
def test_any_event_sequence_is_handled_and_emits_only_well_formed_frames(scenario):
    cfg, seed, plan = scenario
    iface = Interface("em0", "02:00:00:00:00:01", OUR_IP, OUR_LL)
    v = CarpVhid(cfg, iface, rng=random.Random(seed))
    c = Checker(v)
    now = 0
    c.check(now, v.start(now))
    for dt, kind, arg in plan:
        now += dt
        c.fire_due(now)
        if kind in ("advert", "garbage", "mangled"):
            out = v.frame_received(now, arg)
        elif kind == "timer":
            out = v.timer_fired(now)  # early, late or spurious: all allowed
        elif kind == "link":
            out = v.link_changed(now, arg)
        elif kind == "force":
            out = v.force_state(now, arg)
        elif kind == "demotion":
            out = v.set_parameter(now, "demotion", arg)
        elif kind == "advskew":
            out = v.set_parameter(now, "advskew", arg)
        elif kind == "restart":
            c.check(now, v.shutdown(now))
            out = v.start(now)
        else:
            out = []
        c.check(now, out)
        assert v.state in ("INIT", "BACKUP", "MASTER")
    # left alone with a working link, it must end up MASTER
    c.check(now, v.link_changed(now, True))
    c.check(now, v.start(now))
    if v.state == "INIT":  # e.g. stopped and started again while the link was down
        c.check(now, v.shutdown(now))
        c.check(now, v.start(now))
    c.fire_due(now + 20 * 256 * S // 256)
    assert v.state == "MASTER"
    assert v.next_deadline is not None and v.next_deadline > now


# ---------------------------------------------------------------------------- segments
@st.composite
def lans(draw):
    flavour = draw(st.sampled_from(["freebsd", "openbsd", "ucarp"]))
    n = draw(st.integers(2, 4))
    skews = draw(st.lists(st.integers(0, 254), min_size=n, max_size=n, unique=True))
    starts = draw(st.lists(st.integers(0, 5 * S), min_size=n, max_size=n))
    flaps = draw(
        st.lists(
            st.tuples(st.integers(0, n - 1), st.integers(0, 15 * S), st.integers(1, 8 * S)),
            max_size=3,
        )
    )
    return flavour, skews, starts, flaps, draw(st.integers(0, 2**32))


def build(flavour, skews, starts, flaps, seed, preempt):
    seg = Segment(latency_ns=1000)
    nodes = {}
    for i, skew in enumerate(skews):
        cfg = CarpConfig(
            vhid=1,
            advskew=skew,
            password="pw",
            vips=("10.0.0.50/24",),
            preempt=preempt,
            flavour=flavour,
        )
        iface = Interface("em0", f"02:00:00:00:00:{i + 1:02x}", f"10.0.0.{i + 1}")
        name = f"n{i}"
        nodes[name] = CarpVhid(cfg, iface, rng=random.Random(seed + i))
        seg.attach(name, nodes[name])
        seg.schedule(starts[i], name, Startup(0))
    for i, at, length in flaps:
        name = f"n{i}"
        seg.schedule(at, name, LinkChanged(0, False))
        seg.call_at(at, lambda n=name: seg.set_connected(n, False))
        seg.schedule(at + length, name, LinkChanged(0, True))
        seg.call_at(at + length, lambda n=name: seg.set_connected(n, True))
    return seg, nodes


SEGMENTS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SEGMENTS
@given(lans())
def test_with_preempt_the_smallest_advskew_ends_as_the_only_master(lan):
    _flavour, skews, *_ = lan
    seg, _ = build(*lan, preempt=True)
    seg.run(until=60 * S)
    best = f"n{skews.index(min(skews))}"
    assert seg.masters() == [best]
    assert seg.holders("10.0.0.50/24") == [best]


@SEGMENTS
@given(lans())
def test_without_preempt_exactly_one_master_remains(lan):
    seg, _ = build(*lan, preempt=False)
    seg.run(until=60 * S)
    assert len(seg.masters()) == 1
    assert seg.holders("10.0.0.50/24") == seg.masters()
