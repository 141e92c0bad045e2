"""Unit tests: error reporting, proto-112 classification, padding, ARP/ICMP/NA and pcap variants.

The DecodeError tests check that a cut or impossible packet names the right layer and the byte
offset in the whole frame, because that is what a learner needs to find the problem in a hex dump.
"""

from __future__ import annotations

import pickle
import struct
from dataclasses import replace

import pytest

from simlab.wire import (
    Arp,
    CarpAdvert,
    DecodeError,
    Ethernet,
    IcmpEcho,
    IPv4,
    IPv6,
    NeighborAdvert,
    VrrpAdvert,
    carp_frame,
    classify_proto112,
    garp_frame,
    internet_checksum,
    multicast_mac,
    parse_frame,
    ucarp_mac,
    unsolicited_na_frame,
    virtual_mac,
    vrrp_frame,
)
from simlab.wire.frames import arp_frame, icmp_echo_frame
from simlab.wire.mac import mac_from_bytes, mac_to_bytes, normalize_mac
from simlab.wire.pcap import PcapRecord, pcap_bytes, read_pcap, write_pcap

V2 = VrrpAdvert(2, 51, 150, ("192.0.2.50",), 1)
V3 = VrrpAdvert(3, 51, 150, ("192.0.2.50",), 100)
V3_6 = VrrpAdvert(3, 51, 100, ("fe80::1", "2001:db8::50"), 100)
CARP = CarpAdvert.signed(
    vhid=51, advskew=0, advbase=1, counter=7, password="s3cr3t", addresses=["192.0.2.50"]
)
MAC = "02:00:00:00:00:11"


def v2_frame() -> bytes:
    return vrrp_frame(V2, src_mac=MAC, src_ip="192.0.2.11")


# --------------------------------------------------------------------------- errors


def test_decode_error_shape() -> None:
    err = DecodeError("vrrp", 22, "truncated")
    assert str(err) == "vrrp: truncated (at offset 22)"
    assert (err.layer, err.offset, err.message) == ("vrrp", 22, "truncated")
    assert isinstance(err, ValueError)
    copy = pickle.loads(pickle.dumps(err))
    assert (copy.layer, copy.offset, copy.message, str(copy)) == (
        "vrrp",
        22,
        "truncated",
        str(err),
    )


@pytest.mark.parametrize(
    ("cut", "layer", "offset"),
    [
        (0, "ethernet", 0),
        (13, "ethernet", 13),
        (14, "ipv4", 14),  # nothing after the Ethernet header
        (20, "ipv4", 20),  # half an IPv4 header
        (40, "ipv4", 40),  # header complete, datagram shorter than its total length
    ],
)
def test_truncated_frames_report_layer_and_offset(cut: int, layer: str, offset: int) -> None:
    with pytest.raises(DecodeError) as info:
        parse_frame(v2_frame()[:cut])
    assert (info.value.layer, info.value.offset) == (layer, offset)
    assert f"(at offset {offset})" in str(info.value)


def _with_ip_payload(frame: bytes, payload: bytes) -> bytes:
    """Replace the IP payload and fix the IPv4 total length and checksum."""
    ip = IPv4.decode(frame[14:])
    return frame[:14] + replace(ip, payload=payload, checksum=None).encode()


def test_truncated_vrrp_inside_a_frame() -> None:
    frame = _with_ip_payload(v2_frame(), V2.encode()[:12])
    with pytest.raises(DecodeError) as info:
        parse_frame(frame)
    # the VRRP message starts at 14 + 20 = 34; it is cut after 12 of its 20 bytes
    assert (info.value.layer, info.value.offset) == ("vrrp", 34 + 12)
    # the same error on the bare message counts from the message start
    with pytest.raises(DecodeError) as bare:
        VrrpAdvert.decode(V2.encode()[:12])
    assert (bare.value.layer, bare.value.offset) == ("vrrp", 12)


def test_truncated_carp_inside_a_frame() -> None:
    frame = carp_frame(CARP, src_mac=MAC, src_ip="192.0.2.11")
    cut = _with_ip_payload(frame, CARP.encode()[:30])
    with pytest.raises(DecodeError) as info:
        parse_frame(cut)
    assert (info.value.layer, info.value.offset) == ("carp", 34 + 30)


def test_truncated_arp_and_ipv6() -> None:
    garp = garp_frame(mac=MAC, ip="192.0.2.50")
    with pytest.raises(DecodeError) as info:
        parse_frame(garp[:30])
    assert (info.value.layer, info.value.offset) == ("arp", 30)
    v6 = vrrp_frame(V3_6, src_mac=MAC, src_ip="fe80::11")
    with pytest.raises(DecodeError) as info:
        parse_frame(v6[:40])
    assert (info.value.layer, info.value.offset) == ("ipv6", 40)
    with pytest.raises(DecodeError) as info:
        parse_frame(v6[:-3])
    assert (info.value.layer, info.value.offset) == ("ipv6", len(v6) - 3)


def test_structurally_impossible_headers() -> None:
    frame = bytearray(v2_frame())
    frame[14] = 0x65  # version 6 in an IPv4 ethertype
    with pytest.raises(DecodeError, match="version is 6"):
        parse_frame(bytes(frame))
    frame[14] = 0x44  # IHL 4 < 5
    with pytest.raises(DecodeError, match="header length 16") as info:
        parse_frame(bytes(frame))
    assert info.value.offset == 14
    with pytest.raises(DecodeError) as info:
        VrrpAdvert.decode(bytes([0x11]) + V2.encode()[1:])
    assert (info.value.layer, info.value.offset) == ("vrrp", 0)
    with pytest.raises(DecodeError) as info:
        parse_frame(_with_ip_payload(v2_frame(), bytes([0x41]) + V2.encode()[1:]))
    assert (info.value.layer, info.value.offset) == ("proto112", 34)


def test_bad_checksums_are_reported_not_raised() -> None:
    frame = bytearray(v2_frame())
    frame[24] ^= 0xFF  # IPv4 header checksum
    frame[40] ^= 0x01  # VRRP checksum
    parsed = parse_frame(bytes(frame))
    assert not parsed.ip.checksum_ok
    assert not parsed.payload.checksum_ok
    assert parsed.payload.checksum_rule == "bad"
    assert parsed.encode() == bytes(frame)  # wrong checksums survive a round trip
    carp = bytearray(carp_frame(CARP, src_mac=MAC, src_ip="192.0.2.11"))
    carp[40] ^= 0x10
    assert not parse_frame(bytes(carp)).payload.checksum_ok


# --------------------------------------------------------------------------- padding


def test_ethernet_padding_is_ignored_and_kept() -> None:
    for frame in (
        vrrp_frame(V3, src_mac=MAC, src_ip="192.0.2.11"),
        garp_frame(mac=MAC, ip="192.0.2.50"),
    ):
        padded = Ethernet.decode(frame).encode(pad=True)
        assert len(padded) == 60
        parsed = parse_frame(padded)
        assert parsed.trailer == bytes(60 - len(frame))
        assert parse_frame(frame).payload == parsed.payload
        assert parsed.encode() == padded
    # an IPv4 payload of exactly the total length, padding not counted in the VRRP checksum
    parsed = parse_frame(
        Ethernet.decode(vrrp_frame(V3, src_mac=MAC, src_ip="192.0.2.11")).encode(pad=True)
    )
    assert parsed.payload.checksum_rule == "ipv4-pseudo-header"


# --------------------------------------------------------------------------- classification


@pytest.mark.parametrize(
    ("payload", "kind", "words"),
    [
        (V3.encode(src="192.0.2.11", dst="224.0.0.18"), "vrrp3", "version 3"),
        (V2.encode(), "vrrp2", "16+4*count (count 1) matches"),
        (CARP.encode(), "carp", "36 bytes with authlen 7"),
        # a VRRPv2 advert with 5 addresses is 36 bytes too: byte 3 = 5 keeps it VRRP
        (
            VrrpAdvert(2, 1, 100, tuple(f"10.0.0.{i}" for i in range(1, 6)), 1).encode(),
            "vrrp2",
            "count 5",
        ),
        # 7 addresses -> 44 bytes, byte 3 = 7 but length matches the VRRP rule
        (
            VrrpAdvert(2, 1, 100, tuple(f"10.0.0.{i}" for i in range(1, 8)), 1).encode(),
            "vrrp2",
            "count 7",
        ),
        (CARP.encode() + bytes(4), "carp", "trailing bytes"),
        # residual ambiguity: CARP + 8 junk bytes has the exact shape of a 7-address VRRPv2
        (replace(CARP, demote=9).encode() + bytes(8), "vrrp2", "count 7"),
        (V2.encode() + bytes(3), "vrrp2", "trailing bytes"),
        (V2.encode()[:10], "vrrp2", "truncated VRRPv2"),
        (CARP.encode()[:20], "carp", "truncated CARP"),
        (b"\x21\x01", "vrrp2", "too short"),
    ],
)
def test_classify_proto112(payload: bytes, kind: str, words: str) -> None:
    got_kind, rule = classify_proto112(payload)
    assert got_kind == kind
    assert words in rule


def test_classify_rejects_unknown_versions() -> None:
    for payload in (b"", b"\x11" + bytes(35), b"\xf1" + bytes(19)):
        with pytest.raises(DecodeError) as info:
            classify_proto112(payload)
        assert info.value.layer == "proto112"


def test_parse_frame_carries_the_rule() -> None:
    parsed = parse_frame(carp_frame(CARP, src_mac=ucarp_mac(51), src_ip="192.0.2.11", tos=0x10))
    kind, rule = classify_proto112(parsed.ip.payload)
    assert (parsed.kind, parsed.rule) == (kind, rule) == ("carp", rule)


# --------------------------------------------------------------------------- VRRP encode rules


def test_vrrp_encode_validation() -> None:
    with pytest.raises(ValueError, match="needs src and dst"):
        V3.encode()
    assert (
        V3.encode(v3_ipv4_pseudo_header=False)[6:8]
        != V3.encode(src="192.0.2.11", dst="224.0.0.18")[6:8]
    )
    with pytest.raises(ValueError, match="version"):
        replace(V2, version=4).encode()
    with pytest.raises(ValueError, match="advert_int"):
        replace(V2, advert_int=256).encode()
    with pytest.raises(ValueError, match="one family"):
        VrrpAdvert(3, 1, 100, ("10.0.0.1", "fe80::1"), 100).encode(src="10.0.0.2", dst="224.0.0.18")
    with pytest.raises(ValueError, match="auth_data"):
        replace(V2, auth_data=b"x").encode()
    with pytest.raises(ValueError, match="unicast"):
        vrrp_frame(V2, src_mac=MAC, src_ip="192.0.2.11", dst_ip="192.0.2.12")
    unicast = vrrp_frame(V3, src_mac=MAC, src_ip="192.0.2.11", dst_ip="192.0.2.12", dst_mac=MAC)
    parsed = parse_frame(unicast)
    assert parsed.dst_ip == "192.0.2.12"
    assert parsed.payload.checksum_rule == "ipv4-pseudo-header"  # pseudo-header uses the real dst


def test_vrrp3_ipv6_family_guess_without_addresses() -> None:
    raw = V3_6.encode(src="fe80::11", dst="ff02::12")
    guessed = VrrpAdvert.decode(raw)
    assert guessed.addresses == V3_6.addresses
    assert guessed.checksum_rule is None and not guessed.checksum_ok  # cannot verify without IPs
    assert VrrpAdvert.decode(raw, src="fe80::11", dst="ff02::12").checksum_ok


# --------------------------------------------------------------------------- MAC helpers


def test_mac_helpers() -> None:
    assert virtual_mac(51) == "00:00:5e:00:01:33"
    assert virtual_mac(51, ipv6=True) == "00:00:5e:00:02:33"
    assert ucarp_mac(1) == "00:00:5e:00:00:01"
    assert multicast_mac("224.0.0.18") == "01:00:5e:00:00:12"
    assert multicast_mac("239.129.1.2") == "01:00:5e:01:01:02"  # top bit of the 2nd byte dropped
    assert multicast_mac("ff02::12") == "33:33:00:00:00:12"
    assert multicast_mac("ff02::1:ff00:50") == "33:33:ff:00:00:50"
    assert normalize_mac("02-00-00-00-00-AB") == "02:00:00:00:00:ab"
    assert mac_from_bytes(mac_to_bytes(MAC)) == MAC
    for bad in ("02:00:00:00:00", "zz:00:00:00:00:00", "020000000011"):
        with pytest.raises(ValueError):
            mac_to_bytes(bad)
    with pytest.raises(ValueError):
        multicast_mac("192.0.2.1")
    with pytest.raises(ValueError):
        virtual_mac(256)


def test_internet_checksum_basics() -> None:
    # RFC 1071 example bytes
    assert internet_checksum(bytes.fromhex("0001f203f4f5f6f7")) == 0x220D
    assert internet_checksum(b"\x01") == internet_checksum(b"\x01\x00")
    assert internet_checksum(b"") == 0xFFFF


# --------------------------------------------------------------------------- ARP


def test_arp_forms() -> None:
    keepalived = Arp.gratuitous(mac=MAC, ip="192.0.2.50")
    ucarp = Arp.gratuitous(mac=MAC, ip="192.0.2.50", style="ucarp")
    reply = Arp.gratuitous(mac=MAC, ip="192.0.2.50", style="reply")
    assert (keepalived.op, keepalived.tha) == (1, "ff:ff:ff:ff:ff:ff")
    assert (ucarp.op, ucarp.tha) == (1, MAC)
    assert reply.op == 2 and reply.is_reply
    assert all(a.is_gratuitous for a in (keepalived, ucarp, reply))
    assert garp_frame(mac=MAC, ip="192.0.2.50", target_mac=MAC) == arp_frame(ucarp)
    assert parse_frame(garp_frame(mac=MAC, ip="192.0.2.50", op=2)).payload == reply
    with pytest.raises(ValueError):
        Arp.gratuitous(mac=MAC, ip="192.0.2.50", style="nope")

    who_has = Arp.request(sha=MAC, spa="192.0.2.11", tpa="192.0.2.50")
    assert not who_has.is_gratuitous and who_has.tha == "00:00:00:00:00:00"
    frame = arp_frame(who_has)
    assert frame[:6] == b"\xff" * 6
    answer = Arp.reply(sha="02:00:00:00:00:12", spa="192.0.2.50", tha=MAC, tpa="192.0.2.11")
    frame = arp_frame(answer)
    assert Ethernet.decode(frame).dst == MAC
    assert parse_frame(frame).payload == answer
    probe = Arp.request(sha=MAC, spa="0.0.0.0", tpa="0.0.0.0")
    assert not probe.is_gratuitous


def test_arp_rejects_other_hardware() -> None:
    raw = bytearray(Arp.gratuitous(mac=MAC, ip="192.0.2.50").encode())
    raw[1] = 6  # IEEE 802 hardware type
    with pytest.raises(DecodeError) as info:
        Arp.decode(bytes(raw))
    assert info.value.layer == "arp"


# --------------------------------------------------------------------------- ICMP / NA


def test_icmp_echo_v4_and_v6() -> None:
    ping = icmp_echo_frame(
        src_mac=MAC,
        dst_mac="02:00:00:00:00:12",
        src_ip="192.0.2.100",
        dst_ip="192.0.2.50",
        ident=0x1234,
        seq=7,
        data=b"abc",
    )
    parsed = parse_frame(ping)
    echo = parsed.payload
    assert isinstance(echo, IcmpEcho)
    assert (echo.type, echo.ident, echo.seq, echo.data, echo.checksum_rule) == (
        8,
        0x1234,
        7,
        b"abc",
        "icmp",
    )
    assert parsed.ip.df and parsed.ip.checksum_ok
    assert internet_checksum(parsed.ip.payload) == 0
    assert echo.answer().type == 0
    assert parsed.encode() == ping

    ping6 = icmp_echo_frame(
        src_mac=MAC,
        dst_mac="02:00:00:00:00:12",
        src_ip="2001:db8::100",
        dst_ip="2001:db8::50",
        ident=1,
        seq=2,
        reply=True,
    )
    parsed = parse_frame(ping6)
    assert parsed.payload.type == 129 and parsed.payload.checksum_rule == "ipv6-pseudo-header"
    assert parsed.encode() == ping6
    with pytest.raises(ValueError, match="needs the IPv6"):
        IcmpEcho(1, 2, ipv6=True).encode()
    with pytest.raises(DecodeError):
        IcmpEcho.decode(bytes([3, 0]) + bytes(6))


def test_unsolicited_na() -> None:
    frame = unsolicited_na_frame(
        src_mac=MAC, src_ip="fe80::11", target="2001:db8::50", tll_mac=virtual_mac(51, ipv6=True)
    )
    parsed = parse_frame(frame)
    assert parsed.eth.dst == "33:33:00:00:00:01"
    assert isinstance(parsed.ip, IPv6)
    assert (parsed.ip.dst, parsed.ttl, parsed.ip.next_header) == ("ff02::1", 255, 58)
    na = parsed.payload
    assert isinstance(na, NeighborAdvert)
    assert (na.router, na.solicited, na.override) == (True, False, True)
    assert (na.target, na.tll_mac) == ("2001:db8::50", "00:00:5e:00:02:33")
    assert na.checksum_rule == "ipv6-pseudo-header"
    assert parsed.encode() == frame
    host = parse_frame(
        unsolicited_na_frame(
            src_mac=MAC, src_ip="2001:db8::50", target="2001:db8::50", tll_mac=MAC, router=False
        )
    ).payload
    assert not host.router
    # the checksum includes the pseudo-header: another source breaks it
    raw = parsed.ip.payload
    assert NeighborAdvert.decode(raw, src="fe80::12", dst="ff02::1").checksum_rule == "bad"


def test_na_options_and_errors() -> None:
    na = NeighborAdvert("2001:db8::1", tll_mac=MAC, extra_options=bytes([14, 1]) + bytes(6))
    raw = na.encode(src="fe80::1", dst="ff02::1")
    back = NeighborAdvert.decode(raw, src="fe80::1", dst="ff02::1")
    assert replace(back, checksum=None, checksum_rule=None) == na
    with pytest.raises(DecodeError, match="length 0") as info:
        NeighborAdvert.decode(raw[:24] + bytes([2, 0]) + bytes(6))
    assert info.value.offset == 25
    with pytest.raises(DecodeError) as info:
        NeighborAdvert.decode(raw[:-3])
    assert info.value.layer == "icmpv6"


# --------------------------------------------------------------------------- pcap


FRAMES = [v2_frame(), garp_frame(mac=MAC, ip="192.0.2.50")]


def test_pcap_write_read_us_and_ns(tmp_path) -> None:
    recs = [
        PcapRecord(1_700_000_000_123_456_789, FRAMES[0]),
        (1_700_000_001_000_000_001, FRAMES[1]),
    ]
    path = tmp_path / "x.pcap"
    blob = write_pcap(path, recs, nanoseconds=True)
    assert path.read_bytes() == blob
    assert blob[:4] == struct.pack("<I", 0xA1B23C4D)
    back = list(read_pcap(path))
    assert [(r.ts_ns, r.frame) for r in back] == [
        (1_700_000_000_123_456_789, FRAMES[0]),
        (1_700_000_001_000_000_001, FRAMES[1]),
    ]
    micro = list(read_pcap(pcap_bytes(recs)))
    assert [r.ts_ns for r in micro] == [1_700_000_000_123_456_000, 1_700_000_001_000_000_000]


def _big_endian(blob: bytes) -> bytes:
    """Rewrite a little-endian classic pcap as big-endian."""
    out = [struct.pack(">IHHiIII", *struct.unpack_from("<IHHiIII", blob))]
    pos = 24
    while pos < len(blob):
        sec, frac, incl, orig = struct.unpack_from("<IIII", blob, pos)
        out.append(struct.pack(">IIII", sec, frac, incl, orig) + blob[pos + 16 : pos + 16 + incl])
        pos += 16 + incl
    return b"".join(out)


@pytest.mark.parametrize("ns", [False, True])
def test_pcap_big_endian(ns: bool) -> None:
    little = pcap_bytes([(5_000_001_000, FRAMES[0])], nanoseconds=ns)
    (rec,) = read_pcap(_big_endian(little))
    assert (rec.ts_ns, rec.frame) == (5_000_001_000, FRAMES[0])


def _block(order: str, btype: int, body: bytes) -> bytes:
    body += bytes(-len(body) % 4)
    length = 12 + len(body)
    return struct.pack(order + "II", btype, length) + body + struct.pack(order + "I", length)


def _pcapng(order: str = "<", tsresol: int | None = None) -> bytes:
    shb = _block(order, 0x0A0D0D0A, struct.pack(order + "IHHq", 0x1A2B3C4D, 1, 0, -1))
    opts = b""
    if tsresol is not None:
        opts = struct.pack(order + "HH", 9, 1) + bytes([tsresol, 0, 0, 0]) + bytes(4)
    idb = _block(order, 1, struct.pack(order + "HHI", 1, 0, 65535) + opts)
    blocks = [shb, idb]
    for i, frame in enumerate(FRAMES):
        ts = 1_000_000 + i  # in interface units
        body = struct.pack(order + "IIIII", 0, ts >> 32, ts & 0xFFFFFFFF, len(frame), len(frame))
        blocks.append(_block(order, 6, body + frame))
    blocks.append(_block(order, 5, b"\x00" * 8))  # an interface statistics block, skipped
    blocks.append(_block(order, 3, struct.pack(order + "I", len(FRAMES[1])) + FRAMES[1]))
    return b"".join(blocks)


@pytest.mark.parametrize("order", ["<", ">"])
def test_pcapng_read(order: str) -> None:
    recs = list(read_pcap(_pcapng(order)))
    assert [r.frame for r in recs] == [*FRAMES, FRAMES[1]]
    assert [r.ts_ns for r in recs[:2]] == [1_000_000_000, 1_000_001_000]  # default µs units
    ns = list(read_pcap(_pcapng(order, tsresol=9)))
    assert [r.ts_ns for r in ns[:2]] == [1_000_000, 1_000_001]
    binary = list(read_pcap(_pcapng(order, tsresol=0x80 | 10)))  # 2^-10 s units
    assert binary[0].ts_ns == 1_000_000 * 1_000_000_000 // 1024


def test_pcap_errors() -> None:
    good = pcap_bytes([(0, FRAMES[0])])
    with pytest.raises(DecodeError) as info:
        list(read_pcap(good[:-5]))
    assert (info.value.layer, info.value.offset) == ("pcap", 32)  # record length field
    with pytest.raises(DecodeError) as info:
        list(read_pcap(good[:30]))
    assert (info.value.layer, info.value.offset) == ("pcap", 24)
    with pytest.raises(DecodeError, match="magic"):
        list(read_pcap(b"\x00" * 24))
    with pytest.raises(DecodeError):
        list(read_pcap(b"\xd4\xc3"))
    with pytest.raises(DecodeError) as info:
        list(read_pcap(good[:20]))
    assert info.value.offset == 20
    ng = _pcapng()
    with pytest.raises(DecodeError) as info:
        list(read_pcap(ng[:-3]))
    assert info.value.layer == "pcapng"
    broken = bytearray(ng)
    broken[-4] ^= 0xFF  # trailing length of the last block
    with pytest.raises(DecodeError, match="trailer"):
        list(read_pcap(bytes(broken)))
