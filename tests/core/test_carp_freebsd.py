"""CARP as FreeBSD carp(4) does it: one test per behaviour of PROTOCOLS.md §3.4 / ip_carp.c."""

from __future__ import annotations

import itertools
import random

import pytest

from simlab.core.actions import (
    AddAddress,
    ArmTimer,
    CancelTimer,
    Log,
    RemoveAddress,
    SendFrame,
    StateChanged,
)
from simlab.core.carp import CarpConfig, CarpVhid
from simlab.core.events import ForceState, LinkChanged, SetParameter, Shutdown, Startup
from simlab.core.interface import Interface
from simlab.core.segment import Segment
from simlab.wire.carp import CarpAdvert, carp_hmac
from simlab.wire.frames import carp_frame, garp_frame, parse_frame
from simlab.wire.ipv4 import IPv4

S = 1_000_000_000
VIP = "192.168.1.50/32"
EM0_A = Interface("em0", "52:54:00:00:00:03", "192.168.1.3")
EM0_B = Interface("em0", "52:54:00:00:00:04", "192.168.1.4")
EM0_C = Interface("em0", "52:54:00:00:00:05", "192.168.1.5")


class FixedRng(random.Random):
    """Counter 0x00000001_00000002 and IP id 0, as in PROTOCOLS.md §7.3 C-1."""

    def getrandbits(self, k: int) -> int:
        return 0x0000000100000002 if k == 64 else 0


def vhid(advskew=0, iface=EM0_A, seed=1, **kw) -> CarpVhid:
    kw.setdefault("password", "testpass")
    kw.setdefault("vips", (VIP,))
    cfg = CarpConfig(vhid=1, advskew=advskew, **kw)
    return CarpVhid(cfg, iface, rng=random.Random(seed))


def advert_from(
    src="192.168.1.4",
    *,
    advbase=1,
    advskew=0,
    counter=7,
    password="testpass",
    addresses=("192.168.1.50",),
    vhid_=1,
    ttl=255,
) -> bytes:
    advert = CarpAdvert.signed(
        vhid=vhid_,
        advskew=advskew,
        advbase=advbase,
        counter=counter,
        password=password,
        addresses=addresses,
    )
    return carp_frame(advert, src_mac="00:00:5e:00:01:01", src_ip=src, ttl=ttl)


def of(actions, kind):
    return [a for a in actions if isinstance(a, kind)]


def texts(actions):
    return [a.text for a in actions if isinstance(a, Log)]


def sent(actions, kind="advert"):
    return [parse_frame(a.frame) for a in actions if isinstance(a, SendFrame) and a.kind == kind]


def run_to_master(v: CarpVhid, now=0) -> int:
    v.start(now)
    at = v.next_deadline
    v.timer_fired(at)
    assert v.state == "MASTER"
    return at


# ---------------------------------------------------------------------------- worked timings
def test_start_goes_backup_with_initialization_complete_and_arms_master_down():
    v = vhid()
    actions = v.start(0)
    assert actions == [
        StateChanged("INIT", "BACKUP", "initialization complete"),
        Log("kernel", "carp: 1@em0: INIT -> BACKUP (initialization complete)", "info"),
        ArmTimer(3_000_000_000),
    ]


def test_advskew_0_becomes_master_exactly_3_s_after_start():
    v = vhid()
    v.start(0)
    assert v.timer_fired(2_999_999_999) == [ArmTimer(3_000_000_000)]  # early call: still BACKUP
    assert v.state == "BACKUP"
    actions = v.timer_fired(3_000_000_000)
    assert actions[:3] == [
        StateChanged("BACKUP", "MASTER", "master timed out"),
        Log("kernel", "carp: 1@em0: BACKUP -> MASTER (master timed out)", "info"),
        AddAddress("em0", VIP, "00:00:5e:00:01:01"),
    ]
    assert [type(a).__name__ for a in actions[3:]] == ["SendFrame", "SendFrame", "ArmTimer"]
    assert actions[-1] == ArmTimer(4_000_000_000)


def test_advskew_100_takes_over_3_390625_s_and_advertises_every_1_390625_s():
    v = vhid(advskew=100)
    assert v.start(0)[-1] == ArmTimer(3_390_625_000)
    assert v.master_down_ns == 3_390_625_000
    assert v.advert_interval_ns == 1_390_625_000
    v.timer_fired(3_390_625_000)
    times = [3_390_625_000]
    for _ in range(3):
        at = v.next_deadline
        actions = v.timer_fired(at)
        assert len(sent(actions)) == 1
        times.append(at)
    assert {b - a for a, b in itertools.pairwise(times)} == {1_390_625_000}


def test_backup_takes_over_3_390625_s_after_the_last_advert_it_heard():
    v = vhid(advskew=100)
    v.start(0)
    assert v.frame_received(2 * S, advert_from())[-1] == ArmTimer(2 * S + 3_390_625_000)
    assert v.state == "BACKUP"
    v.timer_fired(2 * S + 3_390_625_000)
    assert v.state == "MASTER"


# ---------------------------------------------------------------------------- advert contents
def test_advert_equals_protocols_c1_byte_for_byte():
    cfg = CarpConfig(vhid=1, password="testpass", vips=(VIP,))
    v = CarpVhid(cfg, Interface("em0", "52:54:00:31:70:3d", "192.168.1.3"), rng=FixedRng())
    v.start(0)
    frame = sent(v.timer_fired(3 * S))[0].encode()
    c1 = bytes.fromhex(
        "01005e000012 00005e000101 0800"
        "45e00038 00004000 ff70d8b7 c0a80103 e0000012"
        "21010007 000168ed 00000001 00000002 333e8253 2d51d776 fe4e178c ca4c1b9e 6ac25524"
    )
    assert frame == c1


def test_advert_envelope_is_freebsd_14():
    v = vhid()
    run_to_master(v)
    p = sent(v.timer_fired(v.next_deadline))[0]
    assert p.eth.src == "00:00:5e:00:01:01" and p.eth.dst == "01:00:5e:00:00:12"
    assert isinstance(p.ip, IPv4)
    assert (p.ip.src, p.ip.dst, p.ip.tos, p.ip.df, p.ip.ttl) == (
        "192.168.1.3",
        "224.0.0.18",
        0xE0,
        True,
        255,
    )
    assert p.payload.checksum_ok and p.payload.demote == 0
    assert p.payload.hmac_ok("testpass", ["192.168.1.50"])


def test_garp_carries_the_virtual_mac_and_ethernet_source_is_the_vmac():
    v = vhid()
    v.start(0)
    garps = [a for a in v.timer_fired(3 * S) if isinstance(a, SendFrame) and a.kind == "garp"]
    assert garps == [
        SendFrame(
            garp_frame(mac="00:00:5e:00:01:01", ip="192.168.1.50", target_mac="00:00:00:00:00:00"),
            "garp",
        )
    ]


def test_counter_is_random_per_advert_until_a_valid_advert_then_follows_it():
    v = vhid()
    run_to_master(v)
    c1 = sent(v.timer_fired(v.next_deadline))[0].payload.counter
    c2 = sent(v.timer_fired(v.next_deadline))[0].payload.counter
    assert c2 != (c1 + 1) % 2**64  # fresh random draws (overwhelmingly likely)
    v.frame_received(v.next_deadline - 1, advert_from(advskew=200, counter=41))  # slower: ignored
    assert v.state == "MASTER"
    assert sent(v.timer_fired(v.next_deadline))[0].payload.counter == 42
    assert sent(v.timer_fired(v.next_deadline))[0].payload.counter == 43


def test_same_seed_same_frames():
    def frames(seed):
        v = vhid(seed=seed)
        run_to_master(v)
        return [a.frame for a in v.timer_fired(v.next_deadline) if isinstance(a, SendFrame)]

    assert frames(5) == frames(5)
    assert frames(5) != frames(6)


def test_ipv4_and_ipv6_vips_give_one_advert_per_family_hashing_both():
    iface = Interface("em0", "52:54:00:00:00:03", "192.168.1.3", "fe80::3")
    v = vhid(iface=iface, vips=(VIP, "2001:db8::50/64"))
    actions = v.start(0) + v.timer_fired(3 * S)
    adverts = sent(actions)
    assert [p.ip.src for p in adverts] == ["192.168.1.3", "fe80::3"]
    for p in adverts:
        assert p.payload.hmac_ok("testpass", ["192.168.1.50", "2001:db8::50"])
    nas = sent(actions, "unsolicited-na")
    assert len(nas) == 1 and nas[0].payload.target == "2001:db8::50"
    assert nas[0].payload.tll_mac == "00:00:5e:00:01:01" and nas[0].eth.src == "00:00:5e:00:01:01"


# ---------------------------------------------------------------------------- election
def test_backup_stays_behind_a_slower_master_when_preempt_is_off():
    v = vhid(advskew=0)  # the better node, back from a reboot
    v.start(0)
    actions = v.frame_received(S, advert_from(advskew=100))
    assert v.state == "BACKUP"
    assert actions == [ArmTimer(S + 3 * S)]


def test_preempting_a_slower_master_immediately_when_preempt_is_on():
    v = vhid(advskew=0, preempt=True)
    v.start(0)
    actions = v.frame_received(S, advert_from(advskew=100))
    assert v.state == "MASTER"
    assert actions[:2] == [
        StateChanged("BACKUP", "MASTER", "preempting a slower master"),
        Log("kernel", "carp: 1@em0: BACKUP -> MASTER (preempting a slower master)", "info"),
    ]
    assert actions[-1] == ArmTimer(2 * S)


def test_preempt_does_not_take_over_from_a_more_frequent_or_equal_master():
    for skew in (0, 50):
        v = vhid(advskew=50, preempt=True)
        v.start(0)
        v.frame_received(S, advert_from(advskew=skew))
        assert v.state == "BACKUP"


def test_master_will_time_out_rule_ignores_preempt():
    v = vhid(advskew=0, preempt=False)
    v.start(0)
    # advbase 4 > 3 * our advbase 1: that master would be declared dead anyway
    actions = v.frame_received(S, advert_from(advbase=4))
    assert v.state == "MASTER"
    assert actions[0] == StateChanged("BACKUP", "MASTER", "master will time out")
    # advbase 3 advskew 0 is exactly 3 s: not slower than 3 s + 0 -> tolerated
    w = vhid(advskew=0)
    w.start(0)
    w.frame_received(S, advert_from(advbase=3, advskew=0))
    assert w.state == "BACKUP"


def test_master_steps_down_on_a_more_frequent_advert():
    v = vhid(advskew=100)
    run_to_master(v)
    now = v.next_deadline - 5
    actions = v.frame_received(now, advert_from(advskew=0))
    assert actions == [
        StateChanged("MASTER", "BACKUP", "more frequent advertisement received"),
        Log(
            "kernel",
            "carp: 1@em0: MASTER -> BACKUP (more frequent advertisement received)",
            "info",
        ),
        RemoveAddress("em0", VIP),
        ArmTimer(now + 3_390_625_000),
    ]


def test_master_ignores_a_slower_advert_and_keeps_advertising():
    v = vhid(advskew=0)
    run_to_master(v)
    deadline = v.next_deadline
    assert v.frame_received(deadline - 5, advert_from(advskew=1)) == []
    assert v.state == "MASTER" and v.next_deadline == deadline


def test_tie_both_masters_step_down():
    seg = Segment()
    a, b = vhid(advskew=0, iface=EM0_A), vhid(advskew=0, iface=EM0_B, seed=2)
    seg.attach("a", a)
    seg.attach("b", b)
    seg.set_connected("a", False)
    seg.set_connected("b", False)  # split: both become MASTER
    seg.schedule(0, "a", Startup(0))
    seg.schedule(0, "b", Startup(0))
    seg.run(until=3 * S + 1)
    assert seg.masters() == ["a", "b"]
    seg.set_connected("a", True)
    seg.set_connected("b", True)
    trace = seg.run(until=4 * S)  # both advertise at 4 s and each hears the other: equal times
    downs = [(e.node, e.action) for e in trace if isinstance(e.action, StateChanged)]
    reason = "more frequent advertisement received"
    assert downs == [
        ("b", StateChanged("MASTER", "BACKUP", reason)),
        ("a", StateChanged("MASTER", "BACKUP", reason)),
    ]


def test_two_nodes_lower_advskew_wins_and_backup_stays_quiet():
    seg = Segment()
    a, b = vhid(advskew=0, iface=EM0_A), vhid(advskew=100, iface=EM0_B, seed=2)
    seg.attach("a", a)
    seg.attach("b", b)
    seg.schedule(0, "a", Startup(0))
    seg.schedule(0, "b", Startup(0))
    trace = seg.run(until=20 * S)
    assert seg.masters() == ["a"] and seg.holders(VIP) == ["a"]
    assert not [e for e in trace if e.node == "b" and isinstance(e.action, SendFrame)]


def test_reboot_of_the_master_costs_the_master_down_interval_no_bow_out():
    """The seed's ~3 s outage: FreeBSD sends nothing on shutdown, the backup waits it out."""
    seg = Segment()
    a, b = vhid(advskew=0, iface=EM0_A), vhid(advskew=100, iface=EM0_B, seed=2)
    seg.attach("a", a)
    seg.attach("b", b)
    seg.schedule(0, "a", Startup(0))
    seg.schedule(0, "b", Startup(0))
    seg.schedule(10 * S + 1, "a", Shutdown(0))
    trace = seg.run(until=20 * S)
    last_a_advert = max(e.time for e in trace if e.node == "a" and isinstance(e.action, SendFrame))
    assert last_a_advert == 10 * S
    took_over = next(
        e.time
        for e in trace
        if e.node == "b" and e.action == StateChanged("BACKUP", "MASTER", "master timed out")
    )
    assert took_over - last_a_advert == 3_390_625_000
    assert seg.holders(VIP) == ["b"]


# ---------------------------------------------------------------------------- shutdown
def test_shutdown_sends_nothing_and_removes_the_vips():
    v = vhid()
    run_to_master(v)
    actions = v.shutdown(5 * S)
    assert actions == [
        StateChanged("MASTER", "INIT", "shutdown"),
        RemoveAddress("em0", VIP),
        CancelTimer(),
    ]
    assert v.state == "INIT" and v.next_deadline is None
    assert v.frame_received(6 * S, advert_from()) == []


# ---------------------------------------------------------------------------- link and demotion
def test_interface_down_goes_init_and_demotes_by_240_once():
    v = vhid()
    run_to_master(v)
    actions = v.link_changed(5 * S, False)
    assert actions == [
        StateChanged("MASTER", "INIT", "hardware interface down"),
        Log("kernel", "carp: 1@em0: MASTER -> INIT (hardware interface down)", "info"),
        RemoveAddress("em0", VIP),
        Log("kernel", "carp: demoted by 240 to 240 (interface down)", "info"),
        CancelTimer(),
    ]
    assert v.demotion == 240 and v.effective_advskew == 240
    assert v.link_changed(5 * S, False) == []  # no change, no second demotion
    assert v.frame_received(6 * S, advert_from()) == []


def test_interface_up_undoes_the_demotion_and_restarts_as_backup():
    v = vhid()
    v.start(0)
    v.link_changed(S, False)
    actions = v.link_changed(2 * S, True)
    assert actions == [
        StateChanged("INIT", "BACKUP", "initialization complete"),
        Log("kernel", "carp: 1@em0: INIT -> BACKUP (initialization complete)", "info"),
        Log("kernel", "carp: demoted by -240 to 0 (interface up)", "info"),
        ArmTimer(2 * S + 3 * S),
    ]
    assert v.demotion == 0


def test_starting_with_the_link_down_stays_init_and_demotes():
    v = vhid()
    v.link_changed(0, False)
    assert v.start(0) == [Log("kernel", "carp: demoted by 240 to 240 (interface down)", "info")]
    assert v.state == "INIT"


def test_sysctl_demotion_adds_and_logs():
    v = vhid(advskew=10)
    v.start(0)
    assert v.set_parameter(S, "demotion", 50) == [
        Log("kernel", "carp: demoted by 50 to 50 (sysctl)", "info")
    ]
    v.set_parameter(S, "demotion", 50)
    assert v.demotion == 100 and v.effective_advskew == 110
    v.set_parameter(S, "demotion", 500)
    assert v.effective_advskew == 240  # capped at CARP_MAXSKEW
    v.set_parameter(S, "demotion", -1000)
    assert v.demotion == -400 and v.effective_advskew == 0  # never below 0


def test_demotion_makes_a_master_readvertise_at_once_with_skew_240():
    v = vhid(advskew=0)
    run_to_master(v)
    actions = v.handle(SetParameter(3 * S + 10, "demotion", 240))
    assert texts(actions) == ["carp: demoted by 240 to 240 (sysctl)"]
    (p,) = sent(actions)
    assert p.payload.advskew == 240
    assert actions[-1] == ArmTimer(3 * S + 10 + 1_937_500_000)
    # master-down timing of a demoted backup still uses the configured skew
    assert v.master_down_ns == 3 * S


def test_demoted_master_is_preempted_by_a_peer_with_preempt():
    seg = Segment()
    a = vhid(advskew=0, iface=EM0_A, preempt=True)
    b = vhid(advskew=100, iface=EM0_B, preempt=True, seed=2)
    seg.attach("a", a)
    seg.attach("b", b)
    seg.schedule(0, "a", Startup(0))
    seg.schedule(0, "b", Startup(0))
    seg.run(until=10 * S)
    assert seg.masters() == ["a"]
    seg.schedule(10 * S, "a", SetParameter(0, "demotion", 240))
    trace = seg.run(until=10 * S)
    assert seg.masters() == ["b"] and seg.holders(VIP) == ["b"]
    assert [e.action.reason for e in trace if isinstance(e.action, StateChanged)] == [
        "preempting a slower master",
        "more frequent advertisement received",
    ]


def test_demoted_master_is_kept_when_the_peer_has_no_preempt():
    seg = Segment()
    a = vhid(advskew=0, iface=EM0_A)
    b = vhid(advskew=100, iface=EM0_B, seed=2)
    seg.attach("a", a)
    seg.attach("b", b)
    seg.schedule(0, "a", Startup(0))
    seg.schedule(0, "b", Startup(0))
    seg.schedule(10 * S, "a", SetParameter(0, "demotion", 240))
    seg.run(until=30 * S)
    assert seg.masters() == ["a"]


def test_link_down_on_the_master_fails_over_and_the_return_needs_preempt():
    seg = Segment()
    a, b = vhid(advskew=0, iface=EM0_A), vhid(advskew=100, iface=EM0_B, seed=2)
    seg.attach("a", a)
    seg.attach("b", b)
    seg.schedule(0, "a", Startup(0))
    seg.schedule(0, "b", Startup(0))
    seg.schedule(10 * S + 1, "a", LinkChanged(0, False))
    seg.call_at(10 * S + 1, lambda: seg.set_connected("a", False))
    seg.run(until=20 * S)
    assert seg.masters() == ["b"]
    seg.schedule(20 * S, "a", LinkChanged(0, True))
    seg.call_at(20 * S, lambda: seg.set_connected("a", True))
    seg.run(until=40 * S)
    assert seg.masters() == ["b"]  # preempt=0: the better node stays BACKUP behind b
    assert a.state == "BACKUP" and a.demotion == 0


# ---------------------------------------------------------------------------- force_state
def test_force_master_from_backup_and_backup_from_master():
    v = vhid(advskew=100)
    v.start(0)
    actions = v.force_state(S, "Master")
    assert actions[:2] == [
        StateChanged("BACKUP", "MASTER", "user requested via ifconfig"),
        Log("kernel", "carp: 1@em0: BACKUP -> MASTER (user requested via ifconfig)", "info"),
    ]
    assert of(actions, AddAddress) and len(sent(actions)) == 1
    assert v.force_state(S, "master") == []  # already MASTER
    actions = v.force_state(2 * S, "BACKUP")
    assert actions == [
        StateChanged("MASTER", "BACKUP", "user requested via ifconfig"),
        Log("kernel", "carp: 1@em0: MASTER -> BACKUP (user requested via ifconfig)", "info"),
        RemoveAddress("em0", VIP),
        ArmTimer(2 * S + 3_390_625_000),
    ]


def test_force_state_is_ignored_in_init_and_rejects_unknown_states():
    v = vhid()
    assert v.force_state(0, "master") == []
    with pytest.raises(ValueError, match="master or backup"):
        v.force_state(0, "primary")


def test_forced_master_on_the_worse_node_is_undone_by_the_next_advert():
    seg = Segment()
    a, b = vhid(advskew=0, iface=EM0_A), vhid(advskew=100, iface=EM0_B, seed=2)
    seg.attach("a", a)
    seg.attach("b", b)
    seg.schedule(0, "a", Startup(0))
    seg.schedule(0, "b", Startup(0))
    seg.run(until=10 * S)
    seg.schedule(10 * S + 1, "b", ForceState(0, "master"))
    seg.run(until=10 * S + 1)
    assert sorted(seg.masters()) == ["a", "b"]
    seg.run(until=11 * S)  # a's next advert at 11 s is more frequent: b steps down
    assert seg.masters() == ["a"]


# ---------------------------------------------------------------------------- receive checks
@pytest.mark.parametrize(
    ("frame", "line"),
    [
        (advert_from(ttl=64), "carp_input_c: received ttl 64 != 255 on em0"),
        (advert_from(password="wrong"), "carp_input_c: incorrect hash for VHID 1@em0"),
        (
            advert_from(addresses=("192.168.1.50", "192.168.1.51")),
            "carp_input_c: incorrect hash for VHID 1@em0",
        ),
    ],
)
def test_bad_adverts_are_dropped_and_logged_only_with_log_2(frame, line):
    quiet, chatty = vhid(), vhid(log=2)
    for v in (quiet, chatty):
        v.start(0)
    assert quiet.frame_received(S, frame) == []
    assert chatty.frame_received(S, frame) == [Log("kernel", line, "debug")]
    assert chatty.state == "BACKUP" and chatty.next_deadline == 3 * S  # not re-armed


def test_bad_checksum_short_packet_and_bad_version_are_dropped():
    v = vhid(log=2)
    v.start(0)
    good = parse_frame(advert_from())
    ip = good.ip
    bad_sum = bytearray(ip.payload)
    bad_sum[10] ^= 0xFF
    out = v.frame_received(S, _reframe(good, bytes(bad_sum)))
    assert texts(out) == ["carp_input: checksum failed on em0"]
    out = v.frame_received(S, _reframe(good, ip.payload[:20]))
    assert texts(out) == ["carp_input: received len 20 < sizeof(struct carp_header) on em0"]
    v3 = CarpAdvert.decode(ip.payload)
    v3 = CarpAdvert(**{**v3.__dict__, "version": 3, "checksum": None})
    assert texts(v.frame_received(S, _reframe(good, v3.encode()))) == ["em0: invalid version 3"]
    assert v.next_deadline == 3 * S


def test_other_vhid_own_adverts_and_non_carp_frames_are_ignored_silently():
    v = vhid(log=2)
    v.start(0)
    assert v.frame_received(S, advert_from(vhid_=2)) == []
    assert v.frame_received(S, advert_from(src="192.168.1.3")) == []  # our own source
    assert v.frame_received(S, garp_frame(mac="02:00:00:00:00:09", ip="192.168.1.9")) == []
    assert v.frame_received(S, b"") == []
    assert v.frame_received(S, b"\x00" * 13) == []
    assert v.next_deadline == 3 * S


def _reframe(parsed, payload: bytes) -> bytes:
    from dataclasses import replace

    ip = replace(parsed.ip, payload=payload, checksum=None)
    return replace(parsed.eth, payload=ip.encode()).encode()


def test_hmac_mismatch_makes_both_nodes_master():
    """Pitfall §8.9: one side has an extra VIP (or another password): dual master."""
    seg = Segment()
    a = vhid(advskew=0, iface=EM0_A)
    b = vhid(advskew=100, iface=EM0_B, seed=2, vips=(VIP, "192.168.1.51/32"))
    c = vhid(advskew=100, iface=EM0_C, seed=3, password="other")
    for name, m in (("a", a), ("b", b), ("c", c)):
        seg.attach(name, m)
        seg.schedule(0, name, Startup(0))
    seg.run(until=20 * S)
    assert sorted(seg.masters()) == ["a", "b", "c"]


def test_wire_hmac_helper_agrees_with_the_advert():
    v = vhid()
    run_to_master(v)
    p = sent(v.timer_fired(v.next_deadline))[0]
    assert p.payload.md == carp_hmac("testpass", 1, ["192.168.1.50"], p.payload.counter)


# ---------------------------------------------------------------------------- set_parameter
def test_set_parameter_advskew_advbase_preempt_and_unknown():
    v = vhid()
    v.start(0)
    assert v.set_parameter(0, "advskew", 100) == []
    assert v.advskew == 100 and v.master_down_ns == 3_390_625_000
    assert v.next_deadline == 3 * S  # FreeBSD does not re-arm the running timer
    v.set_parameter(0, "advbase", 2)
    assert v.advert_interval_ns == 2_390_625_000
    v.set_parameter(0, "preempt", 1)
    assert v.preempt is True
    with pytest.raises(ValueError, match=r"advskew takes 0\.\.254"):
        v.set_parameter(0, "advskew", 255)
    with pytest.raises(ValueError, match=r"advbase takes 1\.\.255"):
        v.set_parameter(0, "advbase", 0)
    with pytest.raises(ValueError, match="no parameter 'priority'"):
        v.set_parameter(0, "priority", 100)


def test_no_address_stays_init():
    v = CarpVhid(CarpConfig(vhid=1), EM0_A, rng=random.Random(0))
    assert v.start(0) == []
    assert v.state == "INIT" and v.steady


# ---------------------------------------------------------------------------- handle / steady
def test_handle_dispatches_every_event_type():
    from simlab.core.events import FrameReceived, TimerFired

    v = vhid()
    assert v.handle(Startup(0))[-1] == ArmTimer(3 * S)
    assert v.handle(FrameReceived(S, advert_from(advskew=0)))[-1] == ArmTimer(4 * S)
    assert v.handle(TimerFired(4 * S))[0].new == "MASTER"
    assert v.handle(ForceState(5 * S, "backup"))[0].new == "BACKUP"
    assert v.handle(SetParameter(5 * S, "preempt", 1)) == []
    assert v.handle(LinkChanged(6 * S, False))[0].new == "INIT"
    assert v.handle(Shutdown(7 * S)) == [
        Log("kernel", "carp: demoted by -240 to 0 (vhid removed)", "info")
    ]
    with pytest.raises(TypeError):
        v.handle(object())  # type: ignore[arg-type]


def test_steady_and_next_deadline():
    v = vhid()
    assert v.steady and v.next_deadline is None  # INIT, nothing pending
    v.start(0)
    assert v.steady and v.next_deadline == 3 * S
    v.timer_fired(3 * S)
    assert v.steady and v.next_deadline == 4 * S
