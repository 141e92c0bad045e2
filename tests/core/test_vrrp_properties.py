"""Hypothesis properties of the VRRP core.

1. One instance fed random event sequences (adverts from random peers and priorities, mutated
   adverts, garbage bytes, timers fired on time or late, link up/down, shutdown/startup, run-time
   parameter changes) never raises, only ever emits well-formed frames (they parse with
   simlab.wire, TTL/hop limit 255, good checksums), stays in the allowed states, never arms a
   timer in the past, keeps its ArmTimer/CancelTimer stream equal to ``next_deadline``, holds the
   VIPs exactly while MASTER; and, left alone and healthy afterwards, ends MASTER.
2. 2-4 instances of distinct priorities on a lock-step Segment, with random start times and
   disruptions (cut off, shut down, priority changes): after a quiet period exactly one is MASTER,
   it is the one with the highest priority, and only it holds the VIP.
"""

from __future__ import annotations

from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simlab.core.actions import (
    AddAddress,
    ArmTimer,
    CancelTimer,
    Log,
    RemoveAddress,
    SendFrame,
    StateChanged,
)
from simlab.core.events import LinkChanged, SetParameter, Shutdown, Startup
from simlab.core.interface import Interface
from simlab.core.segment import Segment
from simlab.core.vrrp import VrrpConfig, VrrpRouter
from simlab.wire.arp import Arp
from simlab.wire.checksum import internet_checksum, ipv6_pseudo_header
from simlab.wire.frames import parse_frame, vrrp_frame
from simlab.wire.icmp import NeighborAdvert
from simlab.wire.ipv4 import IPv4
from simlab.wire.ipv6 import IPv6
from simlab.wire.vrrp import VrrpAdvert, auth_pass_bytes

S = 1_000_000_000
MS = 1_000_000
STATES = {"INIT", "BACKUP", "MASTER", "FAULT"}
VIP4 = "192.0.2.50/24"
VIP6 = ("fe80::50/64", "2001:db8::50/64")
ME = Interface("eth0", "02:00:00:00:00:12", "192.0.2.12", "fe80::12")
PEERS4 = ["192.0.2.11", "192.0.2.13", "192.0.2.200", "10.0.0.1"]
PEERS6 = ["fe80::11", "fe80::13", "fe80::ffff", "fe80::1:0"]

# --------------------------------------------------------------------------------- strategies


@st.composite
def configs(draw) -> VrrpConfig:
    ipv6 = draw(st.booleans())
    version = 3 if ipv6 else draw(st.sampled_from([2, 3]))
    interval = draw(st.sampled_from([100, 200] if version == 2 else [20, 50, 100, 200]))
    auth = version == 2 and draw(st.booleans())
    return VrrpConfig(
        vrid=51,
        priority=draw(st.sampled_from([1, 50, 100, 150, 254, 255])),
        vips=VIP6 if ipv6 else (VIP4,),
        version=version,
        advert_int_cs=interval,
        preempt=draw(st.booleans()),
        preempt_delay_ns=draw(st.sampled_from([0, 0, 2 * S])),
        auth_type="PASS" if auth else None,
        auth_pass="s3cr3t" if auth else "",
        use_vmac=draw(st.booleans()),
        garp_master_delay_ns=draw(st.sampled_from([0, 5 * S])),
        garp_master_repeat=draw(st.sampled_from([1, 5])),
        garp_master_refresh_ns=draw(st.sampled_from([0, 3 * S])),
        lower_prio_no_advert=draw(st.booleans()),
        v3_ipv4_pseudo_header=draw(st.booleans()),
        strict_rfc=draw(st.booleans()),
    )


advert_op = st.tuples(
    st.just("advert"),
    st.integers(0, 3),  # peer
    st.sampled_from([0, 0, 1, 99, 100, 101, 150, 254, 255]),  # priority
    st.sampled_from([None, None, 1, 2, 50, 0]),  # interval override (None: match ours)
    st.sampled_from([51, 51, 51, 52]),  # vrid
    st.sampled_from([255, 255, 255, 64]),  # ttl
    st.sampled_from(["ok", "ok", "ok", "wrong-auth", "wrong-version", "no-address"]),
)
ops = st.one_of(
    advert_op,
    st.tuples(st.just("mutate"), advert_op, st.integers(0, 200), st.integers(1, 255)),
    st.tuples(st.just("garbage"), st.binary(max_size=120)),
    st.tuples(st.just("late-timer"), st.integers(0, 3 * S)),
    st.tuples(st.just("link"), st.booleans()),
    st.tuples(st.just("shutdown")),
    st.tuples(st.just("startup")),
    st.tuples(st.just("priority"), st.integers(1, 255)),
    st.tuples(st.just("preempt"), st.booleans()),
    st.tuples(st.just("advert_int"), st.sampled_from([100, 200])),
    st.tuples(st.just("force"), st.sampled_from(["MASTER", "BACKUP"])),
)
steps = st.lists(st.tuples(st.integers(0, 2 * S), ops), max_size=40)


def build_advert(cfg: VrrpConfig, op) -> bytes:
    _, peer, prio, interval, vrid, ttl, variant = op
    ipv6 = cfg.family == 6
    version = cfg.version
    if variant == "wrong-version" and not ipv6:
        version = 5 - version
    if interval is None:
        interval = cfg.advert_int_cs // 100 if version == 2 else cfg.advert_int_cs
    interval = min(interval, 255 if version == 2 else 4095)
    addresses = cfg.vip_addresses if variant != "no-address" else ()
    auth_type = cfg.auth_type_code if version == 2 else 0
    auth_data = auth_pass_bytes(cfg.auth_pass) if auth_type else bytes(8)
    if variant == "wrong-auth" and version == 2:
        auth_type, auth_data = 1, auth_pass_bytes("wrong")
    adv = VrrpAdvert(
        version=version,
        vrid=vrid,
        priority=prio,
        addresses=addresses,
        advert_int=interval,
        auth_type=auth_type,
        auth_data=auth_data,
    )
    src = (PEERS6 if ipv6 else PEERS4)[peer]
    if ipv6 and not addresses:
        # An address-less advert has no family of its own, so the encoder cannot pick the
        # pseudo-header: compute the IPv6 one here.
        body = replace(adv, checksum=0).encode()
        pseudo = ipv6_pseudo_header(src, "ff02::12", 112, len(body))
        adv = replace(adv, checksum=internet_checksum(pseudo + body))
    return vrrp_frame(adv, src_mac="02:00:00:00:00:99", src_ip=src, ttl=ttl)


# ----------------------------------------------------------------------------------- checking


def check_frame(action: SendFrame) -> VrrpAdvert | None:
    p = parse_frame(action.frame)
    if action.kind == "advert":
        assert isinstance(p.payload, VrrpAdvert)
        assert p.ttl == 255
        assert p.payload.checksum_ok and p.payload.checksum_rule != "bad"
        if isinstance(p.ip, IPv4):
            assert p.ip.checksum_ok and internet_checksum(action.frame[14:34]) == 0
            assert p.ip.tos == 0xC0 and p.dst_ip == "224.0.0.18"
        else:
            assert isinstance(p.ip, IPv6) and p.dst_ip == "ff02::12"
        return p.payload
    if action.kind == "garp":
        assert isinstance(p.payload, Arp) and p.payload.is_gratuitous
    else:
        assert action.kind == "unsolicited-na"
        assert isinstance(p.payload, NeighborAdvert) and p.ttl == 255
    return None


class Driver:
    """Plays the driver's part for one instance and checks every action list it gets back."""

    def __init__(self, router: VrrpRouter) -> None:
        self.r = router
        self.armed: int | None = None
        self.held: set[str] = set()
        self.state = router.state

    def feed(self, now: int, actions) -> None:
        for a in actions:
            match a:
                case StateChanged(old=old, new=new):
                    assert old == self.state and new in STATES and new != old
                    self.state = new
                case ArmTimer(at=at):
                    assert at >= now, f"ArmTimer in the past: {at} < {now}"
                    self.armed = at
                case CancelTimer():
                    self.armed = None
                case AddAddress(address=address):
                    assert self.state == "MASTER"
                    self.held.add(address)
                case RemoveAddress(address=address):
                    self.held.discard(address)
                case SendFrame():
                    advert = check_frame(a)
                    if advert is not None and advert.priority != 0:
                        assert self.state == "MASTER", "only a MASTER advertises"
                    if advert is None:
                        assert self.state == "MASTER", "only a MASTER announces its VIPs"
                case Log():
                    pass
                case _:
                    raise AssertionError(f"unknown action {a!r}")
        assert self.state == self.r.state in STATES
        assert self.armed == self.r.next_deadline
        assert (self.state == "MASTER") == bool(self.held)

    def fire_due(self, until: int) -> None:
        """Fire the timer at each deadline the instance asked for, up to ``until``."""
        while self.armed is not None and self.armed <= until:
            at = self.armed
            self.feed(at, self.r.timer_fired(at))


def run_steps(cfg: VrrpConfig, script) -> tuple[Driver, int]:
    r = VrrpRouter(cfg, ME)
    d = Driver(r)
    now = 0
    d.feed(now, r.start(now))
    for delta, op in script:
        now += delta
        d.fire_due(now)
        kind = op[0]
        if kind == "advert":
            actions = r.frame_received(now, build_advert(cfg, op))
        elif kind == "mutate":
            raw = bytearray(build_advert(cfg, op[1]))
            raw[op[2] % len(raw)] ^= op[3]
            actions = r.frame_received(now, bytes(raw))
        elif kind == "garbage":
            actions = r.frame_received(now, op[1])
        elif kind == "late-timer":
            if d.armed is None:
                continue
            now = max(now, d.armed + op[1])
            actions = r.timer_fired(now)
        elif kind == "link":
            actions = r.link_changed(now, op[1])
        elif kind == "shutdown":
            actions = r.shutdown(now)
        elif kind == "startup":
            actions = r.start(now)
        elif kind == "force":
            actions = r.force_state(now, op[1])
        else:
            actions = r.set_parameter(now, kind, op[1])
        d.feed(now, actions)
    return d, now


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(configs(), steps)
def test_random_event_sequences_keep_every_invariant(cfg, script):
    d, now = run_steps(cfg, script)
    # Healed and left alone, a lone instance always ends MASTER.
    d.feed(now, d.r.link_changed(now, True))
    d.feed(now, d.r.start(now))
    d.fire_due(now + 20 * S)
    assert d.r.state == "MASTER"
    assert d.held == set(cfg.vips)


@settings(max_examples=50, deadline=None)
@given(configs())
def test_a_lone_healthy_node_becomes_master_within_one_down_interval(cfg):
    r = VrrpRouter(cfg, ME)
    d = Driver(r)
    d.feed(0, r.start(0))
    limit = 0 if cfg.priority == 255 else r.master_down_interval_ns
    d.fire_due(limit)
    assert r.state == "MASTER"


# ------------------------------------------------------------------------- several instances


@st.composite
def lans(draw):
    n = draw(st.integers(2, 4))
    priorities = draw(st.lists(st.integers(1, 255), min_size=n, max_size=n, unique=True))
    version = draw(st.sampled_from([2, 3]))
    interval = draw(st.sampled_from([100] if version == 2 else [50, 100]))
    auth = version == 2 and draw(st.booleans())
    common = {
        "vrid": 7,
        "vips": (VIP4,),
        "version": version,
        "advert_int_cs": interval,
        "auth_type": "PASS" if auth else None,
        "auth_pass": "pw" if auth else "",
        "lower_prio_no_advert": draw(st.booleans()),
        "strict_rfc": draw(st.booleans()),
    }
    starts = draw(st.lists(st.integers(0, 5 * S), min_size=n, max_size=n))
    disruptions = draw(
        st.lists(
            st.tuples(
                st.integers(0, 20 * S),
                st.integers(0, n - 1),
                st.sampled_from(["cut", "shutdown", "link", "priority"]),
                st.integers(1, 6 * S),
                st.integers(1, 254),
            ),
            max_size=4,
        )
    )
    return priorities, common, starts, disruptions


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lans())
def test_segment_converges_to_the_highest_priority_master(lan):
    priorities, common, starts, disruptions = lan
    seg = Segment(latency_ns=50_000)
    nodes = {}
    for i, prio in enumerate(priorities):
        name = f"n{i}"
        iface = Interface("eth0", f"02:00:00:00:00:{i + 1:02x}", f"192.0.2.{i + 1}")
        nodes[name] = VrrpRouter(VrrpConfig(priority=prio, **common), iface)
        seg.attach(name, nodes[name])
        seg.schedule(starts[i], name, Startup(now=0))
    final = dict(zip(nodes, priorities, strict=True))
    for at, i, kind, length, value in sorted(disruptions, key=lambda d: d[0]):
        name = f"n{i}"
        if kind == "cut":
            seg.call_at(at, lambda n=name: seg.set_connected(n, False))
            seg.call_at(at + length, lambda n=name: seg.set_connected(n, True))
        elif kind == "shutdown":
            seg.schedule(at, name, Shutdown(now=0))
            seg.schedule(at + length, name, Startup(now=0))
        elif kind == "link":
            seg.schedule(at, name, LinkChanged(now=0, up=False))
            seg.schedule(at + length, name, LinkChanged(now=0, up=True))
        elif value not in final.values() and final[name] != 255:
            # keepalived keeps priorities in 1..254 unless the instance is the owner
            final[name] = value
            seg.schedule(at, name, SetParameter(now=0, name="priority", value=value))
    trace = seg.run(until=60 * S)
    for entry in trace:
        if isinstance(entry.action, SendFrame):
            check_frame(entry.action)
        if isinstance(entry.action, ArmTimer):
            assert entry.action.at >= entry.time
    best = max(final, key=final.get)
    assert seg.masters() == [best]
    assert seg.holders(VIP4) == [best]
    assert {n.state for name, n in nodes.items() if name != best} == {"BACKUP"}
    assert all(n.effective_priority == final[name] for name, n in nodes.items())
