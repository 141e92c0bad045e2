"""Property-based tests (hypothesis): every codec round-trips, and no input crashes a decoder.

Two families of properties:

* encode -> decode gives back the same value (with the checksum fields filled in by decode) for
  VRRPv2, VRRPv3 over IPv4 (both checksum rules) and IPv6, CARP, ARP, IPv4, IPv6, Ethernet, ICMP
  echo, neighbour advertisements, whole frames and pcap files;
* arbitrary bytes, and valid frames with random damage, make the decoders raise DecodeError or
  succeed - never any other exception.

Example counts are kept modest so the whole module runs in a few seconds.
"""

from __future__ import annotations

import ipaddress
from dataclasses import replace

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

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
    parse_frame,
    unsolicited_na_frame,
    vrrp_frame,
)
from simlab.wire.checksum import internet_checksum, ipv4_pseudo_header
from simlab.wire.frames import icmp_echo_frame
from simlab.wire.mac import mac_from_bytes
from simlab.wire.pcap import pcap_bytes, read_pcap

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FUZZ = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])

u8 = st.integers(0, 0xFF)
u16 = st.integers(0, 0xFFFF)
macs = st.binary(min_size=6, max_size=6).map(mac_from_bytes)
ipv4s = st.integers(0, 2**32 - 1).map(lambda i: str(ipaddress.IPv4Address(i)))
ipv6s = st.integers(0, 2**128 - 1).map(lambda i: str(ipaddress.IPv6Address(i)))
multicast4 = st.integers(0xE0000000, 0xEFFFFFFF).map(lambda i: str(ipaddress.IPv4Address(i)))


@st.composite
def vrrp2(draw) -> VrrpAdvert:
    return VrrpAdvert(
        version=2,
        vrid=draw(u8),
        priority=draw(u8),
        addresses=tuple(draw(st.lists(ipv4s, max_size=12))),
        advert_int=draw(u8),
        auth_type=draw(u8),
        auth_data=draw(st.binary(min_size=8, max_size=8)),
        type=draw(st.integers(0, 15)),
    )


@st.composite
def vrrp3(draw, addresses) -> VrrpAdvert:
    return VrrpAdvert(
        version=3,
        vrid=draw(u8),
        priority=draw(u8),
        addresses=tuple(draw(st.lists(addresses, min_size=1, max_size=8))),
        advert_int=draw(st.integers(0, 0xFFF)),
        type=draw(st.integers(0, 15)),
        reserved=draw(st.integers(0, 15)),
    )


carps = st.builds(
    CarpAdvert,
    vhid=u8,
    advskew=u8,
    advbase=u8,
    counter=st.integers(0, 2**64 - 1),
    md=st.binary(min_size=20, max_size=20),
    demote=u8,
    authlen=u8,
    version=st.integers(0, 15),
    type=st.integers(0, 15),
)
arps = st.builds(Arp, op=u16, sha=macs, spa=ipv4s, tha=macs, tpa=ipv4s)
ipv4_packets = st.builds(
    IPv4,
    src=ipv4s,
    dst=ipv4s,
    proto=u8,
    payload=st.binary(max_size=64),
    ttl=u8,
    tos=u8,
    ident=u16,
    df=st.booleans(),
    mf=st.booleans(),
    frag_offset=st.integers(0, 0x1FFF),
    options=st.integers(0, 10).flatmap(lambda n: st.binary(min_size=4 * n, max_size=4 * n)),
    reserved_flag=st.booleans(),
)
ipv6_packets = st.builds(
    IPv6,
    src=ipv6s,
    dst=ipv6s,
    next_header=u8,
    payload=st.binary(max_size=64),
    hop_limit=u8,
    tclass=u8,
    flow_label=st.integers(0, 0xFFFFF),
)


# --------------------------------------------------------------------------- round trips


@FAST
@given(vrrp2())
def test_vrrp2_round_trip(advert: VrrpAdvert) -> None:
    back = VrrpAdvert.decode(advert.encode())
    assert back.checksum_rule == "rfc3768" and back.checksum_ok
    assert replace(back, checksum=None, checksum_rule=None) == advert


@FAST
@given(vrrp3(ipv4s), ipv4s, multicast4, st.booleans())
def test_vrrp3_ipv4_round_trip(advert: VrrpAdvert, src: str, dst: str, pseudo: bool) -> None:
    raw = advert.encode(src=src, dst=dst, v3_ipv4_pseudo_header=pseudo)
    back = VrrpAdvert.decode(raw, src=src, dst=dst)
    assert replace(back, checksum=None, checksum_rule=None) == advert
    assert back.checksum_ok
    expected = "ipv4-pseudo-header" if pseudo else "rfc9568-no-pseudo-header"
    # Both rules hold at once only when the pseudo-header itself sums to zero (one's complement).
    # Such address pairs exist, and then the decoder reports the keepalived form.
    both = internet_checksum(ipv4_pseudo_header(src, dst, 112, len(raw))) == 0
    assert back.checksum_rule == ("ipv4-pseudo-header" if both else expected)


@FAST
@given(vrrp3(ipv6s), ipv6s, ipv6s)
def test_vrrp3_ipv6_round_trip(advert: VrrpAdvert, src: str, dst: str) -> None:
    back = VrrpAdvert.decode(advert.encode(src=src, dst=dst), src=src, dst=dst)
    assert back.checksum_rule == "ipv6-pseudo-header"
    assert replace(back, checksum=None, checksum_rule=None) == advert


@FAST
@given(carps)
def test_carp_round_trip(advert: CarpAdvert) -> None:
    back = CarpAdvert.decode(advert.encode())
    assert back.checksum_ok
    assert replace(back, checksum=None) == advert


@FAST
@given(
    st.text(max_size=25),
    u8,
    st.lists(st.one_of(ipv4s, ipv6s), max_size=5),
    st.integers(0, 2**64 - 1),
)
def test_carp_hmac_signed_adverts_verify(password, vhid, addresses, counter) -> None:
    advert = CarpAdvert.signed(
        vhid=vhid, advskew=0, advbase=1, counter=counter, password=password, addresses=addresses
    )
    back = CarpAdvert.decode(advert.encode())
    assert back.hmac_ok(password, addresses)
    assert back.hmac_ok(password, list(reversed(addresses)))  # order of configuration is irrelevant
    assert not back.hmac_ok(password, [*addresses, "203.0.113.77"]) or "203.0.113.77" in addresses


@FAST
@given(arps)
def test_arp_round_trip(arp: Arp) -> None:
    assert Arp.decode(arp.encode()) == arp


@FAST
@given(ipv4_packets)
def test_ipv4_round_trip(packet: IPv4) -> None:
    raw = packet.encode()
    back = IPv4.decode(raw + b"\x00" * 7)  # trailing padding is ignored
    assert back.checksum_ok
    assert back == replace(packet, checksum=packet.computed_checksum())
    assert internet_checksum(raw[: packet.header_length]) == 0


@FAST
@given(ipv6_packets)
def test_ipv6_round_trip(packet: IPv6) -> None:
    assert IPv6.decode(packet.encode() + b"\x00" * 3) == packet


@FAST
@given(macs, macs, u16, st.binary(max_size=80))
def test_ethernet_round_trip(dst: str, src: str, ethertype: int, payload: bytes) -> None:
    frame = Ethernet(dst, src, ethertype, payload)
    assert Ethernet.decode(frame.encode()) == frame


@FAST
@given(u16, u16, st.binary(max_size=64), st.booleans(), st.booleans(), ipv6s, ipv6s)
def test_icmp_echo_round_trip(ident, seq, data, reply, v6, src, dst) -> None:
    echo = IcmpEcho(ident, seq, data, reply=reply, ipv6=v6)
    back = IcmpEcho.decode(echo.encode(src=src, dst=dst), ipv6=v6, src=src, dst=dst)
    assert back.checksum_ok
    assert replace(back, checksum=None, checksum_rule=None) == echo


@FAST
@given(
    ipv6s,
    st.booleans(),
    st.booleans(),
    st.booleans(),
    st.one_of(st.none(), macs),
    st.lists(st.binary(min_size=6, max_size=6), max_size=3),
    ipv6s,
    ipv6s,
)
def test_neighbor_advert_round_trip(target, r, s, o, tll, sources, src, dst) -> None:
    extra = b"".join(bytes((1, 1)) + mac for mac in sources)  # source link-layer options
    na = NeighborAdvert(target, r, s, o, tll, extra)
    back = NeighborAdvert.decode(na.encode(src=src, dst=dst), src=src, dst=dst)
    assert back.checksum_rule == "ipv6-pseudo-header"
    assert replace(back, checksum=None, checksum_rule=None) == na


@st.composite
def frames(draw) -> bytes:
    """A valid frame from one of our builders, with random field values."""
    kind = draw(st.sampled_from(["v2", "v3", "v3-6", "carp", "garp", "na", "ping"]))
    mac = draw(macs)
    if kind == "v2":
        return vrrp_frame(draw(vrrp2()), src_mac=mac, src_ip=draw(ipv4s), ident=draw(u16))
    if kind == "v3":
        return vrrp_frame(
            draw(vrrp3(ipv4s)),
            src_mac=mac,
            src_ip=draw(ipv4s),
            v3_ipv4_pseudo_header=draw(st.booleans()),
        )
    if kind == "v3-6":
        return vrrp_frame(draw(vrrp3(ipv6s)), src_mac=mac, src_ip=draw(ipv6s))
    if kind == "carp":
        # real senders always use version 2 and authlen 7, which is what classification relies on
        advert = replace(draw(carps), version=2, type=1, authlen=7)
        return carp_frame(advert, src_mac=mac, src_ip=draw(ipv4s), tos=draw(u8))
    if kind == "garp":
        return garp_frame(
            mac=mac, ip=draw(ipv4s), target_mac=draw(macs), op=draw(st.integers(1, 2))
        )
    if kind == "na":
        return unsolicited_na_frame(
            src_mac=mac, src_ip=draw(ipv6s), target=draw(ipv6s), tll_mac=draw(macs)
        )
    family = draw(st.sampled_from([ipv4s, ipv6s]))
    return icmp_echo_frame(
        src_mac=mac,
        dst_mac=draw(macs),
        src_ip=draw(family),
        dst_ip=draw(family),
        ident=draw(u16),
        seq=draw(u16),
        data=draw(st.binary(max_size=32)),
    )


@FAST
@given(frames(), st.booleans())
def test_frames_parse_and_rebuild(frame: bytes, pad: bool) -> None:
    if pad:
        frame = Ethernet.decode(frame).encode(pad=True)
    parsed = parse_frame(frame)
    assert parsed.encode() == frame
    assert parsed.kind not in ("raw", "none")
    if parsed.ip is not None:
        assert getattr(parsed.ip, "checksum_ok", True)
        checked = parsed.payload.checksum_ok
        assert checked


@FAST
@given(st.lists(st.tuples(st.integers(0, 2**32 * 10**9 - 1), st.binary(max_size=90)), max_size=6))
def test_pcap_round_trip(records) -> None:
    back = list(read_pcap(pcap_bytes(records, nanoseconds=True)))
    assert [(r.ts_ns, r.frame) for r in back] == records
    micro = list(read_pcap(pcap_bytes(records)))
    assert [r.ts_ns for r in micro] == [ts - ts % 1000 for ts, _ in records]


# --------------------------------------------------------------------------- robustness

DECODERS = [
    parse_frame,
    Ethernet.decode,
    IPv4.decode,
    IPv6.decode,
    Arp.decode,
    VrrpAdvert.decode,
    lambda b: VrrpAdvert.decode(b, src="192.0.2.1", dst="224.0.0.18"),
    lambda b: VrrpAdvert.decode(b, src="fe80::1", dst="ff02::12"),
    CarpAdvert.decode,
    IcmpEcho.decode,
    lambda b: IcmpEcho.decode(b, ipv6=True, src="fe80::1", dst="fe80::2"),
    lambda b: NeighborAdvert.decode(b, src="fe80::1", dst="ff02::1"),
    classify_proto112,
    lambda b: list(read_pcap(b)),
]


def _only_decode_errors(data: bytes) -> None:
    for decode in DECODERS:
        try:
            result = decode(data)
        except DecodeError:
            continue
        if decode is parse_frame:
            result.encode()  # whatever decodes can be encoded again


@FUZZ
@given(st.binary(max_size=120))
def test_arbitrary_bytes_raise_only_decode_error(data: bytes) -> None:
    _only_decode_errors(data)


PCAP_HEADERS = [
    pcap_bytes([]),
    pcap_bytes([], nanoseconds=True),
    bytes.fromhex("0a0d0d0a1c0000004d3c2b1a01000000ffffffffffffffff1c000000"),
]


@FUZZ
@given(
    st.one_of(frames(), st.sampled_from(PCAP_HEADERS).map(lambda h: h + bytes(40))),
    st.lists(st.tuples(st.integers(0, 200), u8), max_size=4),
    st.integers(0, 200),
    st.binary(max_size=8),
)
def test_damaged_frames_raise_only_decode_error(frame, flips, cut, extra) -> None:
    data = bytearray(frame)
    for pos, value in flips:
        if pos < len(data):
            data[pos] = value
    data = bytes(data[: max(cut, 0)] if cut < len(data) else data) + extra
    assume(data)
    _only_decode_errors(data)
