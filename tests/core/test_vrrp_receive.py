"""VRRP receive validation (RFC 3768 §7.1, RFC 5798/9568 §7.1) with keepalived's log lines.

Each test hands a BACKUP one frame that must be dropped (the master down timer keeps running and
nothing is armed) or accepted (the timer is reset).
"""

from __future__ import annotations

from dataclasses import replace

from simlab.core.actions import ArmTimer, Log
from simlab.core.interface import Interface
from simlab.core.vrrp import VrrpConfig, VrrpRouter
from simlab.wire.carp import CarpAdvert
from simlab.wire.frames import carp_frame, garp_frame, parse_frame, vrrp_frame
from simlab.wire.vrrp import VrrpAdvert, auth_pass_bytes

S = 1_000_000_000
ME = Interface("eth0", "02:00:00:00:00:12", "192.0.2.12")
PEER = "192.0.2.11"


def backup(**kw) -> VrrpRouter:
    kw.setdefault("vrid", 51)
    kw.setdefault("vips", ("192.0.2.50/24",))
    r = VrrpRouter(VrrpConfig(**kw), ME)
    r.start(0)
    return r


def frame(
    *,
    prio: int = 150,
    version: int = 2,
    vrid: int = 51,
    interval: int | None = None,
    addresses: tuple[str, ...] = ("192.0.2.50",),
    auth_type: int = 0,
    auth_data: bytes = bytes(8),
    ttl: int = 255,
    src: str = PEER,
    pseudo: bool = True,
    checksum: int | None = None,
) -> bytes:
    if interval is None:
        interval = 1 if version == 2 else 100
    adv = VrrpAdvert(
        version=version,
        vrid=vrid,
        priority=prio,
        addresses=addresses,
        advert_int=interval,
        auth_type=auth_type,
        auth_data=auth_data,
        checksum=checksum,
    )
    return vrrp_frame(
        adv, src_mac="02:00:00:00:00:11", src_ip=src, ttl=ttl, v3_ipv4_pseudo_header=pseudo
    )


def accepted(actions) -> bool:
    return any(isinstance(a, ArmTimer) for a in actions)


def logs(actions) -> list[str]:
    return [a.text for a in actions if isinstance(a, Log)]


def test_rfc3768_7_1_valid_advert_is_accepted():
    assert accepted(backup().frame_received(S, frame()))


def test_rfc3768_7_1_ttl_not_255_is_dropped():
    actions = backup().frame_received(S, frame(ttl=64))
    assert actions == [Log("Keepalived_vrrp", "(VI_1) invalid TTL/HL. Received 64 and expect 255")]


def test_rfc3768_7_1_other_vrid_is_ignored_silently():
    assert backup().frame_received(S, frame(vrid=52)) == []


def test_not_ip_protocol_112_is_ignored_silently():
    arp = garp_frame(mac="02:00:00:00:00:11", ip="192.0.2.50")
    assert backup().frame_received(S, arp) == []


def test_carp_on_the_same_id_is_ignored_silently():
    carp = CarpAdvert(vhid=51, advskew=0, advbase=1, counter=1, md=bytes(20))
    assert backup().frame_received(S, carp_frame(carp, src_mac=ME.mac, src_ip=PEER)) == []


def test_rfc3768_7_1_v2_instance_drops_v3_adverts():
    actions = backup().frame_received(S, frame(version=3))
    assert logs(actions) == ["(VI_1) wrong version. Received 3 and expect 2"]
    assert not accepted(actions)


def test_rfc5798_7_1_v3_instance_drops_v2_adverts():
    actions = backup(version=3).frame_received(S, frame(version=2))
    assert logs(actions) == ["(VI_1) wrong version. Received 2 and expect 3"]


def test_rfc3768_7_1_bad_checksum_is_dropped():
    actions = backup().frame_received(S, frame(checksum=0x1234))
    assert logs(actions) == ["(VI_1) Invalid VRRPv2 checksum"]


def test_v3_ipv4_accepts_both_checksum_rules():
    # keepalived's RFC 5798 pseudo-header form and the RFC 9568 (v3_checksum_as_v2) form.
    r = backup(version=3)
    assert accepted(r.frame_received(S, frame(version=3, pseudo=True)))
    assert accepted(r.frame_received(2 * S, frame(version=3, pseudo=False)))
    assert logs(r.frame_received(3 * S, frame(version=3, checksum=1))) == [
        "(VI_1) Invalid VRRPv3 checksum"
    ]


def test_bad_ipv4_header_checksum_is_dropped_by_the_kernel():
    good = bytearray(frame())
    good[24] ^= 0xFF  # IPv4 header checksum, high byte
    assert backup().frame_received(S, bytes(good)) == []


def test_rfc3768_5_3_6_auth_type_mismatch_is_dropped():
    r = backup(auth_type="PASS", auth_pass="s3cr3t")
    actions = r.frame_received(S, frame(auth_type=0))
    assert logs(actions) == ["(VI_1) received a 0 auth, expecting 1!"]


def test_keepalived_pass_wrong_password_is_dropped():
    r = backup(auth_type="PASS", auth_pass="s3cr3t")
    actions = r.frame_received(S, frame(auth_type=1, auth_data=auth_pass_bytes("secret")))
    assert logs(actions) == ["(VI_1) received an invalid passwd!"]
    assert accepted(r.frame_received(S, frame(auth_type=1, auth_data=auth_pass_bytes("s3cr3t"))))


def test_keepalived_pass_uses_only_the_first_8_characters():
    r = backup(auth_type="PASS", auth_pass="longpassword")
    adv = frame(auth_type=1, auth_data=auth_pass_bytes("longpassXXXX"))
    assert accepted(r.frame_received(S, adv))


def test_keepalived_unknown_auth_type_is_dropped():
    actions = backup().frame_received(S, frame(auth_type=7))
    assert logs(actions) == ["(VI_1) Invalid auth type: 7"]


def test_rfc3768_7_1_v2_advert_interval_mismatch_is_dropped():
    actions = backup().frame_received(S, frame(interval=2))
    assert logs(actions) == [
        "(VI_1) advertisement interval mismatch with 192.0.2.11 mine=1 sec rcv'd=2 sec"
    ]
    assert not accepted(actions)


def test_rfc5798_7_1_v3_advert_interval_mismatch_is_accepted():
    assert accepted(backup(version=3).frame_received(S, frame(version=3, interval=200)))


def test_rfc9568_erratum_8301_v3_interval_0_is_dropped():
    actions = backup(version=3).frame_received(S, frame(version=3, interval=0))
    assert not accepted(actions) and len(logs(actions)) == 1


def test_rfc9568_erratum_8299_address_count_0_is_dropped():
    actions = backup().frame_received(S, frame(addresses=()))
    assert logs(actions) == ["(VI_1) received an unexpected ip number count 0, expected 1!"]


def test_keepalived_address_list_mismatch_is_dropped():
    actions = backup().frame_received(S, frame(addresses=("192.0.2.60",)))
    assert logs(actions) == [
        "(VI_1) ip address associated with VRID 51 not present in MASTER advert : 192.0.2.50"
    ]
    actions = backup().frame_received(S, frame(addresses=("192.0.2.50", "192.0.2.51")))
    assert logs(actions) == ["(VI_1) received an unexpected ip number count 2, expected 1!"]


def test_strict_rfc3768_7_1_address_mismatch_from_the_owner_is_only_logged():
    r = backup(strict_rfc=True)
    assert not accepted(r.frame_received(S, frame(prio=254, addresses=("192.0.2.60",))))
    actions = r.frame_received(S, frame(prio=255, addresses=("192.0.2.60",)))
    assert accepted(actions) and len(logs(actions)) == 1


def test_address_order_does_not_matter():
    r = backup(vips=("192.0.2.50/24", "192.0.2.51/24"))
    assert accepted(r.frame_received(S, frame(addresses=("192.0.2.51", "192.0.2.50"))))


def test_own_adverts_looped_back_are_ignored():
    assert backup().frame_received(S, frame(src=ME.ip)) == []


def test_invalid_packet_type_is_dropped():
    raw = bytearray(frame())
    # type 2 with a correct checksum, so only the type is wrong
    raw[14 + 20 :] = replace(parse_frame(frame()).payload, type=2, checksum=None).encode()
    actions = backup().frame_received(S, bytes(raw))
    assert logs(actions) == ["(VI_1) Invalid packet type. 2 and expect 1"]


def test_garbage_is_dropped_silently():
    r = backup()
    for junk in (b"", b"\x00", bytes(14), bytes(60), frame()[:40], b"\xff" * 100):
        assert r.frame_received(S, junk) == []
    assert r.state == "BACKUP"


def test_nothing_is_processed_before_start():
    r = VrrpRouter(VrrpConfig(vrid=51, vips=("192.0.2.50/24",)), ME)
    assert r.frame_received(S, frame(prio=0)) == []
