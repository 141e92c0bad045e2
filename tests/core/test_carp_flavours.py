"""The OpenBSD and ucarp 1.5.2 flavours of CarpVhid, and real ucarp frames from the lab capture."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from simlab.core.actions import AddAddress, Log, RemoveAddress, SendFrame, StateChanged
from simlab.core.carp import CarpConfig, CarpVhid
from simlab.core.events import SetParameter, Shutdown, Startup
from simlab.core.interface import Interface
from simlab.core.segment import Segment
from simlab.wire.carp import CarpAdvert
from simlab.wire.frames import carp_frame, garp_frame, parse_frame

S = 1_000_000_000
CAPTURES = Path(__file__).resolve().parents[3] / "shared" / "captures"


class FixedRng(random.Random):
    """Hands out fixed values by width: 64-bit counter, 16-bit IP id."""

    def __init__(self, counter: int, ident: int = 0) -> None:
        super().__init__(0)
        self.counter, self.ident = counter, ident

    def getrandbits(self, k: int) -> int:
        return self.counter if k == 64 else self.ident


def texts(actions):
    return [a.text for a in actions if isinstance(a, Log)]


def sent(actions, kind="advert"):
    return [parse_frame(a.frame) for a in actions if isinstance(a, SendFrame) and a.kind == kind]


def kinds(actions):
    return [a.kind if isinstance(a, SendFrame) else type(a).__name__ for a in actions]


def signed(src, *, advskew=0, advbase=1, demote=0, counter=9, password="pw", addrs, vhid=1, tos):
    advert = CarpAdvert.signed(
        vhid=vhid,
        advskew=advskew,
        advbase=advbase,
        counter=counter,
        password=password,
        addresses=addrs,
        demote=demote,
    )
    return carp_frame(advert, src_mac="00:00:5e:00:01:01", src_ip=src, tos=tos)


# ============================================================================ OpenBSD
def obsd(advskew=0, ip="10.0.0.1", seed=1, **kw) -> CarpVhid:
    kw.setdefault("password", "pw")
    kw.setdefault("vips", ("10.0.0.50/24",))
    cfg = CarpConfig(vhid=1, advskew=advskew, flavour="openbsd", **kw)
    return CarpVhid(cfg, Interface("em0", "02:00:00:00:00:01", ip), rng=random.Random(seed))


def obsd_advert(**kw) -> bytes:
    kw.setdefault("addrs", ("10.0.0.50",))
    return signed("10.0.0.2", tos=0x10, **kw)


def test_openbsd_logs_state_transitions_its_way():
    v = obsd()
    assert texts(v.start(0)) == []  # INIT -> BACKUP is LOG_WARNING: hidden at log 2
    actions = v.timer_fired(v.next_deadline)
    assert [a for a in actions if isinstance(a, Log)] == [
        Log("kernel", "carp0: state transition: BACKUP -> MASTER", "crit")
    ]
    chatty = obsd(log=4, carp_ifname="carp3")
    assert texts(chatty.start(0)) == ["carp3: state transition: INIT -> BACKUP"]


def test_openbsd_master_down_triples_the_whole_interval():
    v = obsd(advskew=100)
    v.start(0)
    assert v.master_down_ns == 3 * 1_390_625_000
    assert v.next_deadline == 4_171_875_000


def test_openbsd_advbase_0_advertises_every_skew_256ths_and_at_least_one():
    assert obsd(advskew=128, advbase=0).advert_interval_ns == 500_000_000
    tick = obsd(advskew=0, advbase=0)
    assert tick.advert_interval_ns == 3_906_000 and tick.master_down_ns == 3 * 3_906_000


def test_openbsd_sends_one_replay_cookie_and_tos_0x10_with_the_demote_byte():
    v = obsd(demotion=3)
    v.start(0)
    first = sent(v.timer_fired(v.next_deadline))[0]
    second = sent(v.timer_fired(v.next_deadline))[0]
    assert first.payload.counter == second.payload.counter
    assert first.ip.tos == 0x10 and first.payload.demote == 3 and first.payload.advskew == 0
    v.frame_received(v.next_deadline - 1, obsd_advert(advskew=200, counter=1234))
    assert sent(v.timer_fired(v.next_deadline))[0].payload.counter == first.payload.counter


def test_openbsd_receiving_its_own_cookie_is_a_loop():
    v = obsd(log=4)
    v.start(0)
    v.timer_fired(v.next_deadline)
    cookie = sent(v.timer_fired(v.next_deadline))[0].payload.counter
    out = v.frame_received(v.next_deadline - 1, obsd_advert(counter=cookie))
    assert texts(out) == ["carp0: replay or network loop detected"]
    assert v.state == "MASTER"


def test_openbsd_shutdown_bows_out_and_the_peer_takes_over_at_once():
    seg = Segment()
    a, b = obsd(advskew=0, ip="10.0.0.1"), obsd(advskew=100, ip="10.0.0.2", seed=2)
    seg.attach("a", a)
    seg.attach("b", b)
    seg.schedule(0, "a", Startup(0))
    seg.schedule(0, "b", Startup(0))
    seg.run(until=10 * S)
    assert seg.masters() == ["a"]
    seg.schedule(10 * S + 5, "a", Shutdown(0))
    trace = seg.run(until=10 * S + 5)
    bow = [e.action for e in trace if e.node == "a" and isinstance(e.action, SendFrame)]
    assert len(bow) == 1
    p = parse_frame(bow[0].frame).payload
    assert (p.advbase, p.advskew) == (255, 255)
    assert seg.masters() == ["b"] and seg.holders("10.0.0.50/24") == ["b"]
    assert next(e.action for e in trace if e.node == "b") == StateChanged(
        "BACKUP", "MASTER", "master will time out"
    )


def test_openbsd_lower_demote_wins_regardless_of_preempt():
    seg = Segment()
    a, b = obsd(advskew=0, ip="10.0.0.1"), obsd(advskew=100, ip="10.0.0.2", seed=2)
    seg.attach("a", a)
    seg.attach("b", b)
    seg.schedule(0, "a", Startup(0))
    seg.schedule(0, "b", Startup(0))
    seg.run(until=10 * S)
    seg.schedule(10 * S + 5, "a", SetParameter(0, "demotion", 1))  # ifconfig -g carp carpdemote
    trace = seg.run(until=10 * S + 5)
    assert seg.masters() == ["b"]
    assert [(e.node, e.action.reason) for e in trace if isinstance(e.action, StateChanged)] == [
        ("b", "master is demoted"),
        ("a", "more frequent advertisement received"),
    ]
    seg.run(until=30 * S)
    assert seg.masters() == ["b"]


def test_openbsd_link_down_demotes_the_group_by_one():
    v = obsd(log=3)
    v.start(0)
    assert texts(v.link_changed(S, False)) == ["carp: carp0 demoted group carp by 1 to 1 (carpdev)"]
    assert v.demote == 1 and v.state == "INIT"
    assert texts(v.link_changed(2 * S, True)) == [
        "carp: carp0 demoted group carp by -1 to 0 (carpdev)"
    ]
    assert v.state == "BACKUP"


def test_openbsd_sends_a_delayed_garp_two_adverts_after_takeover():
    v = obsd()
    v.start(0)
    takeover = v.timer_fired(v.next_deadline)
    assert kinds(takeover)[-3:] == ["advert", "garp", "ArmTimer"]
    assert not v.steady
    assert kinds(v.timer_fired(v.next_deadline)) == ["advert", "ArmTimer"]
    assert kinds(v.timer_fired(v.next_deadline)) == ["advert", "garp", "ArmTimer"]
    assert v.steady
    assert kinds(v.timer_fired(v.next_deadline)) == ["advert", "ArmTimer"]


def test_openbsd_hashes_without_ipv6_link_locals_but_accepts_both():
    iface = Interface("em0", "02:00:00:00:00:01", "10.0.0.1", "fe80::1")
    cfg = CarpConfig(
        vhid=1, flavour="openbsd", password="pw", vips=("10.0.0.50", "fe80::50", "2001:db8::50")
    )
    v = CarpVhid(cfg, iface, rng=random.Random(1))
    v.start(0)
    p = sent(v.timer_fired(v.next_deadline))[0].payload
    assert p.hmac_ok("pw", ["10.0.0.50", "2001:db8::50"])
    assert not p.hmac_ok("pw", ["10.0.0.50", "fe80::50", "2001:db8::50"])
    for addrs in (("10.0.0.50", "2001:db8::50"), ("10.0.0.50", "fe80::50", "2001:db8::50")):
        w = CarpVhid(cfg, iface, rng=random.Random(2))
        w.start(0)
        w.frame_received(S, obsd_advert(addrs=addrs, advskew=0))
        assert w.next_deadline == S + w.master_down_ns  # accepted: timer re-armed


# ============================================================================ ucarp
def ucarp(advskew=0, ip="10.0.0.1", seed=1, rng=None, **kw) -> CarpVhid:
    kw.setdefault("password", "testpass")
    kw.setdefault("vips", ("10.0.0.50",))
    cfg = CarpConfig(vhid=1, advskew=advskew, flavour="ucarp", **kw)
    iface = Interface("eth0", f"02:00:00:00:00:{ip.rsplit('.', 1)[1].zfill(2)}", ip)
    return CarpVhid(cfg, iface, rng=rng or random.Random(seed))


def test_ucarp_advert_equals_the_real_ucarp_frame_c_real():
    v = ucarp(rng=FixedRng(0xCCFDB74C8088C648, ident=0xB1BB))
    v.start(0)
    (frame,) = [
        a.frame for a in v.timer_fired(v.next_deadline) if getattr(a, "kind", "") == "advert"
    ]
    c_real = bytes.fromhex(
        "01005e000012 00005e000001 0800"
        "45100038 b1bb4000 ff70df76 0a000001 e0000012"
        "21010007 0001a6c2 ccfdb74c 8088c648 82149ddb 8e788487 9b90f6a9 02b0fd62 422365b7"
    )
    assert frame == c_real


def test_ucarp_logs_and_becomes_master_with_garp_before_the_advert():
    v = ucarp(advskew=100, deadratio=4)
    start = v.start(0)
    assert [a for a in start if isinstance(a, Log)] == [
        Log("ucarp", "[WARNING] Switching to state: BACKUP", "warning")
    ]
    assert v.next_deadline == 4 * S + 390_625_000  # deadratio * advbase + skew
    actions = v.timer_fired(v.next_deadline)
    assert texts(actions) == ["[WARNING] Switching to state: MASTER"]
    assert AddAddress("eth0", "10.0.0.50/32", "02:00:00:00:00:01") in actions
    assert kinds(actions)[-3:] == ["garp", "advert", "ArmTimer"]
    assert sent(actions, "garp")[0].encode() == garp_frame(
        mac="02:00:00:00:00:01", ip="10.0.0.50", target_mac="02:00:00:00:00:01"
    )


def test_ucarp_delayed_garp_comes_with_the_third_advert():
    v = ucarp()
    v.start(0)
    v.timer_fired(v.next_deadline)
    assert kinds(v.timer_fired(v.next_deadline)) == ["advert", "ArmTimer"]
    assert kinds(v.timer_fired(v.next_deadline)) == ["advert", "garp", "ArmTimer"]
    assert kinds(v.timer_fired(v.next_deadline)) == ["advert", "ArmTimer"]


def test_ucarp_equal_timing_lower_source_ip_stays_master():
    seg = Segment()
    a, b = ucarp(ip="10.0.0.1"), ucarp(ip="10.0.0.2", seed=2)
    seg.attach("a", a)
    seg.attach("b", b)
    for n in ("a", "b"):
        seg.set_connected(n, False)
        seg.schedule(0, n, Startup(0))
    seg.run(until=3 * S + 1)
    assert seg.masters() == ["a", "b"]
    seg.set_connected("a", True)
    seg.set_connected("b", True)
    trace = seg.run(until=5 * S)
    assert seg.masters() == ["a"]
    b_actions = [e.action for e in trace if e.node == "b"]
    # b yields: one more advert first (its pending delayed GARP rides along), then BACKUP
    i = b_actions.index(StateChanged("MASTER", "BACKUP", "more frequent advertisement received"))
    assert [getattr(a, "kind", None) for a in b_actions[i - 2 : i]] == ["advert", "garp"]
    assert "[WARNING] Preferred master advertised: going back to BACKUP state" in texts(b_actions)
    assert RemoveAddress("eth0", "10.0.0.50/32") in b_actions
    a_texts = texts([e.action for e in trace if e.node == "a"])
    assert (
        "[WARNING] Non-preferred master advertising: reasserting control of VIP with another "
        "gratuitous arp" in a_texts
    )


def test_ucarp_preemption_logs_putting_master_down():
    v = ucarp(advskew=0, preempt=True)
    v.start(0)
    frame = signed("10.0.0.2", advskew=100, password="testpass", addrs=("10.0.0.50",), tos=0x10)
    out = v.frame_received(S, frame)
    assert v.state == "MASTER"
    assert texts(out) == [
        "[WARNING] Switching to state: MASTER",
        "[WARNING] Putting MASTER down - preemption",
    ]


def test_ucarp_bad_digest_and_ttl_are_logged():
    v = ucarp()
    v.start(0)
    bad = signed("10.0.0.2", password="nope", addrs=("10.0.0.50",), tos=0x10)
    (line,) = texts(v.frame_received(S, bad))
    assert line.startswith("[WARNING] Bad digest - md2=[") and line.endswith(
        "...] - Check vhid, password and virtual IP address"
    )
    p = parse_frame(bad)
    low_ttl = carp_frame(p.payload, src_mac=p.eth.src, src_ip="10.0.0.2", tos=0x10, ttl=1)
    assert texts(v.frame_received(S, low_ttl)) == ["[WARNING] Bad TTL: [1]"]


def test_ucarp_cannot_be_forced_master_but_sigusr2_backs_off_for_3_s():
    v = ucarp()
    v.start(0)
    v.timer_fired(v.next_deadline)
    with pytest.raises(ValueError, match="ucarp"):
        v.force_state(4 * S, "master")
    out = v.force_state(4 * S, "backup")
    assert v.state == "BACKUP" and RemoveAddress("eth0", "10.0.0.50/32") in out
    assert v.next_deadline == 4 * S + 3 * S + 3 * S


def test_ucarp_link_down_forces_backup_without_demotion():
    v = ucarp()
    v.start(0)
    v.timer_fired(v.next_deadline)
    out = v.link_changed(5 * S, False)
    assert v.state == "BACKUP" and v.next_deadline is None and v.demotion == 0
    assert texts(out) == ["[WARNING] Switching to state: BACKUP"]
    v.link_changed(6 * S, True)
    assert v.next_deadline == 9 * S


# ============================================================================ real ucarp frames
def capture_frames():
    pcap = pytest.importorskip("simlab.wire.pcap")
    path = CAPTURES / "ucarp-carp.pcap"
    if not path.exists():
        pytest.skip(f"{path} not available")
    records = list(pcap.read_pcap(path))
    t0 = records[0].ts_ns
    return [(r.ts_ns - t0, r.frame) for r in records]


def server1_adverts():
    out = []
    for t, frame in capture_frames():
        p = parse_frame(frame)
        if isinstance(p.payload, CarpAdvert) and p.src_ip == "192.0.2.11":
            out.append((t, frame, p.payload))
    return out


def server2(flavour="ucarp", password="s3cr3t") -> CarpVhid:
    cfg = CarpConfig(
        vhid=51,
        advskew=100,
        password=password,
        vips=("192.0.2.50/24",),
        preempt=True,
        flavour=flavour,
    )
    return CarpVhid(cfg, Interface("eth0", "02:00:00:00:00:12", "192.0.2.12"), rng=random.Random(3))


@pytest.mark.parametrize("flavour", ["ucarp", "freebsd"])
def test_real_ucarp_adverts_are_accepted_and_keep_the_backup_quiet(flavour):
    adverts = server1_adverts()
    assert len(adverts) >= 4
    v = server2(flavour)
    v.start(0)
    for t, frame, advert in adverts:
        out = v.frame_received(t, frame)
        assert v.state == "BACKUP", out
        assert not texts(out)
        assert v.next_deadline == t + 3_390_625_000  # every advert re-armed the timer
        last = advert
    # the counter is now the peer's: our first advert as MASTER continues it
    takeover = v.timer_fired(v.next_deadline)
    assert sent(takeover)[0].payload.counter == last.counter + 1


def test_real_ucarp_adverts_with_a_wrong_password_are_rejected():
    adverts = server1_adverts()
    v = server2(password="wrong")
    v.start(0)
    for t, frame, _ in adverts[:3]:
        (line,) = texts(v.frame_received(t, frame))
        assert "Bad digest" in line
    assert v.next_deadline == 3_390_625_000  # never re-armed: it will take over (dual master)
