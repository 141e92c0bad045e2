"""What the VRRP core puts on the wire, checked against real keepalived 2.2.7 captures and the
PROTOCOLS.md §7 vectors; and the captured frames fed back to a BACKUP configured like server2.

The captures (simlab/data/captures, see their README): server1 192.0.2.11 / 02:..:11 priority 150,
server2 192.0.2.12 / 02:..:12 priority 100, VRID 51, VIP 192.0.2.50/24, auth PASS "s3cr3t" for v2.
"""

from __future__ import annotations

import pytest

from simlab.core.actions import AddAddress, ArmTimer, SendFrame
from simlab.core.interface import Interface
from simlab.core.vrrp import VrrpConfig, VrrpRouter
from simlab.data import capture_path
from simlab.wire.arp import Arp
from simlab.wire.checksum import internet_checksum
from simlab.wire.frames import parse_frame
from simlab.wire.icmp import NeighborAdvert
from simlab.wire.ipv4 import IPv4
from simlab.wire.pcap import read_pcap
from simlab.wire.vrrp import VrrpAdvert

S = 1_000_000_000
MS = 1_000_000
SERVER1 = Interface("eth0", "02:00:00:00:00:11", "192.0.2.11")
SERVER2 = Interface("eth0", "02:00:00:00:00:12", "192.0.2.12")
VIP = "192.0.2.50/24"

# keepalived.conf of the captures, per version (server2: priority 100)
V2 = {"version": 2, "auth_type": "PASS", "auth_pass": "s3cr3t"}
V3 = {"version": 3}
V3_050 = {"version": 3, "advert_int_cs": 50}
CASES = {
    "keepalived-vrrp2.pcap": V2,
    "keepalived-vrrp3.pcap": V3,
    "keepalived-vrrp3-adv050.pcap": V3_050,
}


def frames(name: str) -> list[tuple[int, bytes]]:
    """(time since the first frame in ns, frame) for every record of a bundled capture."""
    records = list(read_pcap(capture_path(name)))
    return [(r.ts_ns - records[0].ts_ns, r.frame) for r in records]


def node(iface: Interface, priority: int, **kw) -> VrrpRouter:
    return VrrpRouter(VrrpConfig(vrid=51, priority=priority, vips=(VIP,), **kw), iface)


def sent(actions, kind: str = "advert") -> list[bytes]:
    return [a.frame for a in actions if isinstance(a, SendFrame) and a.kind == kind]


def advance(r: VrrpRouter, until: int) -> list:
    out = []
    while r.next_deadline is not None and r.next_deadline <= until:
        out += r.timer_fired(r.next_deadline)
    return out


def test_keepalived_v2_advert_equals_capture_vrrp_bytes():
    r = node(SERVER1, 150, **V2)
    r.start(0)
    first = sent(r.timer_fired(r.next_deadline))[0]
    assert first[34:] == bytes.fromhex("21339601 0101 7b7d c0000232 7333637233740000")


def test_keepalived_v3_advert_equals_capture_vrrp_bytes():
    r = node(SERVER1, 150, **V3)
    r.start(0)
    first = sent(r.timer_fired(r.next_deadline))[0]
    assert first[34:] == bytes.fromhex("31339601 0064 d399 c0000232")


@pytest.mark.parametrize("capture", sorted(CASES))
def test_keepalived_master_frames_equal_capture_byte_for_byte(capture):
    """server1's adverts (frames 1-5) and its goodbye (frame 6): Ethernet, IPv4 (TOS 0xC0,
    TTL 255, IP ID 1, 2, 3...) and VRRP, identical to what keepalived sent."""
    recorded = [f for _, f in frames(capture)[:6]]
    r = node(SERVER1, 150, **CASES[capture])
    r.start(0)
    ours = sent(r.timer_fired(r.next_deadline))
    for _ in range(4):
        ours += sent(r.timer_fired(r.next_deadline))
    ours += sent(r.shutdown(r.next_deadline - 1))
    assert ours == recorded


@pytest.mark.parametrize("capture", sorted(CASES))
def test_keepalived_capture_replayed_to_backup_like_server2(capture):
    """Frames 1-5 (server1 MASTER, prio 150) keep server2 in BACKUP; frame 6 (priority 0) arms
    the Skew_Time; server2's takeover, its adverts and its own goodbye match the rest."""
    cfg = CASES[capture]
    trace = frames(capture)
    interval = cfg.get("advert_int_cs", 100) * 10 * MS
    skew = (256 - 100) * interval // 256 // 1000 * 1000
    t0 = interval  # server2 was started one interval before the first captured frame
    r = node(SERVER2, 100, **cfg)
    r.start(0)
    for t, f in trace[:5]:
        assert advance(r, t0 + t) == []
        assert r.frame_received(t0 + t, f) == [ArmTimer(t0 + t + 3 * interval + skew)]
        assert r.state == "BACKUP" and r.steady
    t6, f6 = trace[5]
    actions = r.frame_received(t0 + t6, f6)
    assert actions[-1] == ArmTimer(t0 + t6 + skew)
    takeover = advance(r, t0 + t6 + skew)
    assert r.state == "MASTER"
    ours = sent(takeover)
    while len(ours) < len(trace[6:]) - 1:
        ours += sent(r.timer_fired(r.next_deadline))
    ours += sent(r.shutdown(r.next_deadline - 1))
    assert ours == [f for _, f in trace[6:]]
    # keepalived's takeover came within a millisecond of the computed Skew_Time.
    assert abs((trace[6][0] - t6) - skew) < MS


def test_keepalived_garp_equals_capture_byte_for_byte():
    """failover-garp.pcap frames 6-10: server2's burst when it becomes MASTER, then 5 more 5 s
    later (frames 11-15)."""
    trace = frames("failover-garp.pcap")
    r = node(SERVER2, 100, **V2)
    r.start(0)
    first = r.timer_fired(r.next_deadline)
    assert sent(first, "garp") == [f for _, f in trace[5:10]]
    second = advance(r, r.next_deadline + 5 * S)
    assert sent(second, "garp") == [f for _, f in trace[10:15]]
    assert abs((trace[10][0] - trace[5][0]) - 5 * S) < MS


def test_rfc9568_v3_checksum_without_pseudo_header_matches_vector_v3_4a():
    iface = Interface("eth0", "52:54:00:00:00:03", "192.168.1.3")
    cfg = VrrpConfig(vrid=51, vips=("192.168.1.50/24",), version=3, v3_ipv4_pseudo_header=False)
    r = VrrpRouter(cfg, iface)
    r.start(0)
    advert = sent(r.timer_fired(r.next_deadline))[0]
    assert advert[34:] == bytes.fromhex("31336401 0064a88c c0a80132")


def test_rfc5798_ipv6_advert_equals_vector_v3_6():
    iface = Interface("eth0", "52:54:00:12:34:56", ip6_ll="fe80::5054:ff:fe12:3456")
    cfg = VrrpConfig(vrid=51, vips=("fe80::1/64", "2001:db8::50/64"), use_vmac=True)
    assert cfg.version == 3  # keepalived: IPv6 instances are always VRRPv3
    r = VrrpRouter(cfg, iface)
    r.start(0)
    advert = sent(r.timer_fired(r.next_deadline))[0]
    assert advert == bytes.fromhex(
        "333300000012 00005e000233 86dd"
        "6c000000 002870ff fe800000 00000000 505400ff fe123456 ff020000 00000000 00000000 00000012"
        "31336402 0064bbf0 fe800000 00000000 00000000 00000001 20010db8 00000000 00000000 00000050"
    )


def test_rfc5798_ipv6_master_sends_unsolicited_neighbour_adverts():
    iface = Interface("eth0", "52:54:00:12:34:56", ip6_ll="fe80::5054:ff:fe12:3456")
    r = VrrpRouter(VrrpConfig(vrid=52, vips=("fe80::52/64", "2001:db8::52/64")), iface)
    r.start(0)
    actions = r.timer_fired(r.next_deadline)
    nas = [parse_frame(f) for f in sent(actions, "unsolicited-na")]
    assert len(nas) == 10
    for p in nas:
        assert isinstance(p.payload, NeighborAdvert)
        assert p.ttl == 255 and p.dst_ip == "ff02::1"
        assert p.payload.override and not p.payload.solicited and p.payload.router
        assert p.payload.tll_mac == iface.mac
    assert [p.payload.target for p in nas[:2]] == ["fe80::52", "2001:db8::52"]
    assert sent(actions, "garp") == []


def test_keepalived_use_vmac_sources_adverts_and_garps_from_the_virtual_mac():
    r = node(SERVER2, 100, use_vmac=True)
    r.start(0)
    actions = r.timer_fired(r.next_deadline)
    vmac = "00:00:5e:00:01:33"
    assert [a for a in actions if isinstance(a, AddAddress)] == [AddAddress("eth0", VIP, vmac)]
    assert parse_frame(sent(actions)[0]).eth.src == vmac
    garp = parse_frame(sent(actions, "garp")[0])
    assert garp.eth.src == vmac and garp.payload.sha == vmac


def test_keepalived_default_uses_the_interface_mac():
    r = node(SERVER2, 100)
    r.start(0)
    actions = r.timer_fired(r.next_deadline)
    assert [a.mac for a in actions if isinstance(a, AddAddress)] == [SERVER2.mac]
    garp = parse_frame(sent(actions, "garp")[0])
    assert isinstance(garp.payload, Arp) and garp.payload.is_gratuitous
    assert garp.eth.dst == "ff:ff:ff:ff:ff:ff" and garp.payload.tha == "ff:ff:ff:ff:ff:ff"
    assert garp.payload.op == 1 and garp.payload.spa == garp.payload.tpa == "192.0.2.50"


@pytest.mark.parametrize("cfg", [V2, V3, V3_050, {"version": 3, "v3_ipv4_pseudo_header": False}])
def test_emitted_adverts_decode_with_the_right_envelope(cfg):
    r = node(SERVER2, 200, **cfg)
    r.start(0)
    out = sent(r.timer_fired(r.next_deadline)) + sent(r.timer_fired(r.next_deadline))
    out += sent(r.shutdown(r.next_deadline))
    for ident, f in enumerate(out, start=1):
        p = parse_frame(f)
        assert isinstance(p.ip, IPv4) and isinstance(p.payload, VrrpAdvert)
        assert p.eth.dst == "01:00:5e:00:00:12" and p.dst_ip == "224.0.0.18"
        assert p.ip.ttl == 255 and p.ip.tos == 0xC0 and not p.ip.df and p.ip.ident == ident
        assert p.ip.checksum_ok and internet_checksum(f[14:34]) == 0
        adv = p.payload
        assert adv.checksum_ok and adv.version == cfg["version"] and adv.vrid == 51
        assert adv.addresses == ("192.0.2.50",)
        assert adv.interval_cs == cfg.get("advert_int_cs", 100)
    assert [parse_frame(f).payload.priority for f in out] == [200, 200, 0]
