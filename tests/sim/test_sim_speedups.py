"""The speed-ups change nothing: every fast path gives exactly what the plain path gives.

The world runs a simulated day in seconds because of caches and fast paths (cached address
conversions, a C-speed checksum, a keyed HMAC copied per advert, the world's own event loop,
advert templates patched in place, ...). Each is pinned here against the straightforward code it
replaces: the plain ``ipaddress`` / ``struct`` / ``hmac`` expressions written out in this file,
or the general path of the same module where both exist (random inputs from hypothesis). The
byte-exact golden tests (tests/wire) and the determinism tests (tests/sim) pin the rest.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import random
import struct
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simlab.sim import S, World, packets, seed_pair
from simlab.sim.packets import checksum as stack_checksum
from simlab.wire import addresses
from simlab.wire.carp import CarpAdvert, carp_hmac, carp_hmac_key
from simlab.wire.checksum import internet_checksum, ipv4_pseudo_header
from simlab.wire.frames import carp_frame, vrrp_frame
from simlab.wire.ipv4 import IPv4
from simlab.wire.mac import mac_from_bytes, mac_to_bytes, multicast_mac
from simlab.wire.templates import Ipv4Template, carp_body
from simlab.wire.vrrp import VrrpAdvert

# ----------------------------------------------------------------------------- references


def rfc1071(data: bytes) -> int:
    """RFC 1071 as written: sum the 16-bit words, fold the carries, complement."""
    if len(data) % 2:
        data += b"\x00"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total > 0xFFFF:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def carp_hmac_reference(password: str, vhid: int, addrs: list[str], counter: int) -> bytes:
    """The CARP HMAC from scratch: key, vhid, sorted v4, sorted v6 (scope cleared), counter."""
    key = password.encode()[:19].ljust(20, b"\x00")
    v4 = sorted({ipaddress.ip_address(a).packed for a in addrs if ":" not in a})
    v6 = set()
    for a in addrs:
        if ":" in a:
            raw = ipaddress.IPv6Address(a).packed
            if raw[0] == 0xFE and raw[1] & 0xC0 == 0x80:
                raw = raw[:2] + b"\x00\x00" + raw[4:]
            v6.add(raw)
    msg = bytes((2, 1, vhid)) + b"".join(v4) + b"".join(sorted(v6)) + counter.to_bytes(8, "big")
    return hmac.new(key, msg, hashlib.sha1).digest()


ipv4s = st.integers(0, 2**32 - 1).map(lambda n: str(ipaddress.IPv4Address(n)))
ipv6s = st.integers(0, 2**128 - 1).map(lambda n: str(ipaddress.IPv6Address(n)))
link_locals = st.integers(0, 2**64 - 1).map(
    lambda n: str(ipaddress.IPv6Address((0xFE80 << 112) | ((n & 0xFFFF) << 96) | n))
)

# ----------------------------------------------------------------------------- wire helpers


@given(st.binary(max_size=200))
def test_the_checksum_is_rfc1071_word_for_word(data):
    assert internet_checksum(data) == rfc1071(data)
    assert stack_checksum(data) == rfc1071(data)


@pytest.mark.parametrize("data", [b"", b"\x00" * 7, b"\xff\xff", b"\xff\xff" * 9, b"\x00\x01"])
def test_the_checksum_edge_cases_zero_and_all_ones(data):
    assert internet_checksum(data) == rfc1071(data)
    assert stack_checksum(data) == rfc1071(data)


@given(ipv4s, ipv6s)
def test_cached_address_conversions_equal_ipaddress(v4, v6):
    for _ in range(2):  # the second call is answered by the cache
        assert addresses.ipv4_packed(v4) == ipaddress.IPv4Address(v4).packed
        assert addresses.ipv4_text(ipaddress.IPv4Address(v4).packed) == v4
        assert addresses.ipv6_packed(v6) == ipaddress.IPv6Address(v6).packed
        assert addresses.ipv6_text(ipaddress.IPv6Address(v6).packed) == v6
        assert addresses.ip_version(v4) == 4 and addresses.ip_version(v6) == 6
        for a in (v4, v6):
            assert addresses.ip_is_multicast(a) == ipaddress.ip_address(a).is_multicast


@pytest.mark.parametrize("bad", ["", "1.2.3", "256.0.0.1", "::g", "1.2.3.4/24"])
def test_bad_addresses_raise_every_time_not_only_the_first(bad):
    for _ in range(2):
        with pytest.raises(ValueError):
            addresses.ipv4_packed(bad)
        with pytest.raises(ValueError):
            addresses.ip_version(bad)


@given(st.binary(min_size=6, max_size=6), st.sampled_from([":", "-"]), st.booleans())
def test_cached_mac_conversions_equal_the_plain_ones(raw, sep, upper):
    text = ":".join(f"{x:02x}" for x in raw)
    assert mac_from_bytes(raw) == text
    spelled = text.replace(":", sep)
    spelled = spelled.upper() if upper else spelled
    for _ in range(2):
        assert mac_to_bytes(spelled) == raw


def test_bad_macs_raise_every_time():
    for _ in range(2):
        with pytest.raises(ValueError, match="not a MAC"):
            mac_to_bytes("00:11:22:33:44")
    assert multicast_mac("224.0.0.18") == "01:00:5e:00:00:12"
    assert multicast_mac("ff02::12") == "33:33:00:00:00:12"


@given(
    st.text(max_size=30),
    st.integers(0, 255),
    st.lists(st.one_of(ipv4s, ipv6s, link_locals), min_size=1, max_size=5),
    st.integers(0, 2**64 - 1),
)
@settings(max_examples=60)
def test_carp_hmac_from_the_keyed_copy_equals_a_fresh_hmac(password, vhid, addrs, counter):
    expected = carp_hmac_reference(password, vhid, addrs, counter)
    for _ in range(2):
        assert carp_hmac(password, vhid, addrs, counter) == expected
        assert carp_hmac(password, vhid, iter(addrs), counter) == expected  # any iterable
    assert carp_hmac_key(password) == password.encode()[:19].ljust(20, b"\x00")


@given(
    st.integers(0, 255),
    st.integers(0, 255),
    st.integers(0, 255),
    st.integers(0, 2**64 - 1),
    st.binary(min_size=20, max_size=20),
)
def test_carp_advert_bytes_are_the_struct_layout(vhid, skew, base, counter, md):
    body = struct.pack("!BBBBBBHQ20s", 0x21, vhid, skew, 7, 0, base, 0, counter, md)
    want = body[:6] + rfc1071(body).to_bytes(2, "big") + body[8:]
    advert = CarpAdvert(vhid=vhid, advskew=skew, advbase=base, counter=counter, md=md)
    assert advert.encode() == want


def test_out_of_range_fields_still_name_the_field():
    with pytest.raises(ValueError, match="CARP advskew out of range: 256"):
        CarpAdvert(vhid=1, advskew=256, advbase=1, counter=0, md=bytes(20)).encode()
    with pytest.raises(ValueError, match="IPv4 ident out of range: 65536"):
        IPv4("10.0.0.1", "10.0.0.2", 1, ident=65536).encode()


@given(
    ipv4s,
    ipv4s,
    st.integers(0, 255),
    st.integers(0, 0xFFFF),
    st.integers(0, 255),
    st.booleans(),
    st.binary(max_size=40),
)
def test_ipv4_header_bytes_are_the_struct_layout(src, dst, tos, ident, ttl, df, payload):
    head = struct.pack(
        "!BBHHHBBH4s4s",
        0x45,
        tos,
        20 + len(payload),
        ident,
        0x4000 if df else 0,
        ttl,
        112,
        0,
        ipaddress.IPv4Address(src).packed,
        ipaddress.IPv4Address(dst).packed,
    )
    want = head[:10] + rfc1071(head).to_bytes(2, "big") + head[12:] + payload
    ip = IPv4(src, dst, 112, payload, ttl=ttl, tos=tos, ident=ident, df=df)
    assert ip.encode() == want
    assert IPv4.decode(want) == replace(ip, checksum=int.from_bytes(want[10:12], "big"))


@given(
    st.integers(0, 255),
    st.integers(0, 255),
    st.lists(ipv4s, min_size=1, max_size=8),
    st.integers(1, 255),
    st.binary(min_size=8, max_size=8),
)
def test_vrrp2_bytes_are_the_struct_layout(vrid, prio, addrs, interval, auth):
    body = (
        struct.pack("!BBBBBBH", 0x21, vrid, prio, len(addrs), 1, interval, 0)
        + b"".join(ipaddress.IPv4Address(a).packed for a in addrs)
        + auth
    )
    want = body[:6] + rfc1071(body).to_bytes(2, "big") + body[8:]
    advert = VrrpAdvert(2, vrid, prio, tuple(addrs), interval, auth_type=1, auth_data=auth)
    for _ in range(2):
        assert advert.encode() == want
    assert VrrpAdvert.decode(want).addresses == tuple(addrs)


@given(ipv4s, st.integers(0, 255), st.lists(ipv4s, min_size=1, max_size=4), st.integers(1, 4095))
def test_vrrp3_bytes_with_the_pseudo_header(src, vrid, addrs, interval):
    body = struct.pack("!BBBBHH", 0x31, vrid, 100, len(addrs), interval, 0) + b"".join(
        ipaddress.IPv4Address(a).packed for a in addrs
    )
    pseudo = ipv4_pseudo_header(src, "224.0.0.18", 112, len(body))
    assert pseudo == (
        ipaddress.IPv4Address(src).packed
        + bytes((224, 0, 0, 18, 0, 112))
        + struct.pack("!H", len(body))
    )
    want = body[:6] + rfc1071(pseudo + body).to_bytes(2, "big") + body[8:]
    advert = VrrpAdvert(3, vrid, 100, tuple(addrs), interval)
    assert advert.encode(src=src, dst="224.0.0.18") == want


def test_vrrp_address_errors_are_unchanged():
    with pytest.raises(ValueError):
        VrrpAdvert(2, 1, 100, ("192.0.2.300",), 1).encode()
    with pytest.raises(ValueError, match="mixes address families"):
        VrrpAdvert(2, 1, 100, ("192.0.2.1", "2001:db8::1"), 1).encode()
    with pytest.raises(ValueError, match="one family only"):
        VrrpAdvert(3, 1, 100, ("192.0.2.1", "2001:db8::1"), 1).encode(src="::1", dst="ff02::12")
    assert VrrpAdvert(2, 1, 100, ["192.0.2.1"], 1).encode()  # a list is accepted as before


# ----------------------------------------------------------------------------- templates

macs = st.binary(min_size=6, max_size=6).map(lambda b: b.hex(":"))


@given(
    macs,
    ipv4s,
    st.sampled_from([0xE0, 0x10]),
    st.integers(0, 255),
    st.integers(0, 255),
    st.integers(1, 255),
    st.integers(0, 255),
    st.integers(0, 0xFFFF),
    st.integers(0, 2**64 - 1),
    st.binary(min_size=20, max_size=20),
)
def test_a_carp_template_gives_the_general_builders_frame(
    mac, src, tos, vhid, skew, base, demote, ident, counter, md
):
    def advert(counter: int, md: bytes) -> CarpAdvert:
        return CarpAdvert(
            vhid=vhid, advskew=skew, advbase=base, counter=counter, md=md, demote=demote
        )

    def general(ident: int, counter: int, md: bytes) -> bytes:
        return carp_frame(advert(counter, md), src_mac=mac, src_ip=src, tos=tos, ident=ident)

    template = Ipv4Template(general(0, 0, bytes(20)))
    body = carp_body(advert(0, bytes(20)).encode(), counter, md)
    assert body == advert(counter, md).encode()
    assert template.with_id(ident, body) == general(ident, counter, md)


@given(
    macs,
    ipv4s,
    st.sampled_from([2, 3]),
    st.integers(0, 255),
    st.lists(ipv4s, min_size=1, max_size=4),
    st.integers(0, 0xFFFF),
    st.booleans(),
)
def test_a_vrrp_template_gives_the_general_builders_frame(
    mac, src, version, prio, addrs, ident, pseudo
):
    advert = VrrpAdvert(version, 51, prio, tuple(addrs), 1 if version == 2 else 100)

    def general(ident: int) -> bytes:
        return vrrp_frame(
            advert, src_mac=mac, src_ip=src, ident=ident, v3_ipv4_pseudo_header=pseudo
        )

    assert Ipv4Template(general(0)).with_id(ident) == general(ident)


def test_templates_refuse_what_they_cannot_patch():
    v6 = vrrp_frame(
        VrrpAdvert(3, 1, 100, ("2001:db8::1",), 100), src_mac="02:00:00:00:00:01", src_ip="fe80::1"
    )
    with pytest.raises(ValueError):
        Ipv4Template(v6)
    v4 = vrrp_frame(
        VrrpAdvert(2, 1, 100, ("192.0.2.1",), 1), src_mac="02:00:00:00:00:01", src_ip="192.0.2.2"
    )
    with pytest.raises(ValueError, match="keeps its length"):
        Ipv4Template(v4).with_id(1, b"short")
    with pytest.raises(ValueError, match="ident out of range"):
        Ipv4Template(v4).with_id(65536)


# ----------------------------------------------------------------------------- the stack's packets


def _with_checksum(msg: bytes, at: int) -> bytes:
    c = rfc1071(msg)
    return msg[:at] + c.to_bytes(2, "big") + msg[at + 2 :]


@given(
    st.binary(min_size=4, max_size=4),
    st.binary(min_size=4, max_size=4),
    st.integers(0, 255),
    st.binary(max_size=80),
    st.integers(0, 2**17),
    st.integers(0, 255),
    st.booleans(),
)
def test_stack_ipv4_packets_have_the_rfc1071_checksum(src, dst, proto, payload, ident, ttl, df):
    head = struct.pack(
        "!BBHHHBBH4s4s",
        0x45,
        0,
        20 + len(payload),
        ident & 0xFFFF,
        0x4000 if df else 0,
        ttl,
        proto,
        0,
        src,
        dst,
    )
    want = _with_checksum(head, 10) + payload
    assert packets.ipv4_packet(src, dst, proto, payload, ident=ident, ttl=ttl, df=df) == want


@given(st.integers(0, 0xFFFF), st.integers(0, 0xFFFF), st.binary(max_size=70), st.booleans())
def test_stack_icmp_echo_and_its_reply_have_the_rfc1071_checksum(ident, seq, data, reply):
    msg = struct.pack("!BBHHH", 0 if reply else 8, 0, 0, ident, seq) + data
    assert packets.icmp_echo(ident, seq, data, reply=reply) == _with_checksum(msg, 2)
    request = bytes(20) + packets.icmp_echo(ident, seq, data)
    answer = b"\x00\x00\x00\x00" + request[24:]
    assert packets.echo_reply_from_request(request) == _with_checksum(answer, 2)


def test_an_all_zero_echo_reply_gets_the_all_ones_checksum():
    assert packets.echo_reply_from_request(bytes(28))[2:4] == b"\xff\xff"
    assert packets.icmp_echo(0, 0, bytes(6), reply=True)[2:4] == b"\xff\xff"


# ----------------------------------------------------------------------------- the world


def _fingerprint(world: World) -> tuple[list[str], bytes]:
    return [repr(r) for r in world.trace.records], world.pcap()


def _scenario(protocol: str, seed: int) -> World:
    world = World(seed=seed)
    pair = seed_pair(world, protocol, jitter_ns=20_000, service_port=80)
    rnd = random.Random(seed)
    world.at(rnd.randrange(5, 15) * S + rnd.randrange(S), "reboot", pair.names[0])
    world.at(30 * S + rnd.randrange(S), "ifconfig-down", pair.names[1], pair.iface)
    world.at(40 * S + rnd.randrange(S), "ifconfig-up", pair.names[1], pair.iface)
    return world


@pytest.mark.parametrize("protocol", ["carp", "vrrp"])
@pytest.mark.parametrize("seed", [1, 7])
def test_the_world_loop_gives_what_simpy_run_gives(protocol, seed):
    """World.run dispatches its own events itself; SimPy's env.run is the general path."""
    fast = _scenario(protocol, seed)
    fast.run(25 * S)
    fast.run(60 * S)  # resumed, as a notebook does
    plain = _scenario(protocol, seed)
    plain.env.run(until=25 * S)
    plain.env.run(until=60 * S)
    for probe in (*plain.pingers, *plain.requesters):
        probe.expire(plain.now)
    assert plain.now == fast.now == 60 * S
    assert _fingerprint(fast) == _fingerprint(plain)
    assert fast.events_scheduled == plain.events_scheduled
