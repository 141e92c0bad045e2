"""Golden tests: every test vector of PROTOCOLS.md §7 decodes, verifies and re-encodes exactly.

The hex strings are copied from the fact sheet (test data). Each vector is checked three ways: the
decoder reads the stated fields and accepts the checksums (IPv4 header included), the HMACs match
for CARP, and building the packet from its fields with our encoders reproduces the same bytes.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from simlab.wire import (
    CarpAdvert,
    IPv4,
    IPv6,
    VrrpAdvert,
    auth_pass_bytes,
    carp_frame,
    carp_hmac,
    parse_frame,
    vrrp_frame,
)
from simlab.wire.carp import carp_hmac_message
from simlab.wire.checksum import internet_checksum, ipv4_pseudo_header
from simlab.wire.mac import ucarp_mac, virtual_mac
from simlab.wire.vrrp import auth_pass_text


def h(text: str) -> bytes:
    """Hex with spaces and '|' separators, as printed in PROTOCOLS.md."""
    return bytes.fromhex(text.replace("|", "").replace(" ", "").replace("\n", ""))


ETH_V4 = h("01005e000012")  # destination of every IPv4 advert
ETH_V6 = h("333300000012")


# --------------------------------------------------------------------------- VRRPv2 (§7.1)

V2_VECTORS = {
    "V2-1": dict(
        eth_src="00:00:5e:00:01:33",
        src="192.168.1.3",
        ident=0,
        advert=VrrpAdvert(2, 51, 100, ("192.168.1.50",), 1),
        checksum=0xB8EF,
        ip="45c00028 00000000 ff7018e8 c0a80103 e0000012",
        payload="21336401 0001b8ef c0a80132 00000000 00000000",
    ),
    "V2-2": dict(
        eth_src="00:00:5e:00:01:01",
        src="10.0.0.1",
        ident=0,
        advert=VrrpAdvert(
            2, 1, 255, ("10.0.0.1", "10.0.0.2"), 1, auth_type=1, auth_data=auth_pass_bytes("secret")
        ),
        checksum=0x8EAB,
        ip="45c0002c 00000000 ff70d08e 0a000001 e0000012",
        payload="2101ff02 01018eab 0a000001 0a000002 73656372 65740000",
    ),
    "V2-3": dict(
        eth_src="00:00:5e:00:01:33",
        src="192.168.1.3",
        ident=0,
        advert=VrrpAdvert(2, 51, 0, ("192.168.1.50",), 1),
        checksum=0x1CF0,
        ip="45c00028 00000000 ff7018e8 c0a80103 e0000012",
        payload="21330001 00011cf0 c0a80132 00000000 00000000",
    ),
    "V2-real": dict(
        eth_src="02:00:00:00:00:02",  # some physical MAC: the sheet gives only the IP part
        src="10.0.0.2",
        ident=1,
        advert=VrrpAdvert(2, 51, 100, ("10.0.0.50",), 1),
        checksum=0x7098,
        ip="45c00028 00010000 ff70d090 0a000002 e0000012",
        payload="21336401 00017098 0a000032 00000000 00000000",
    ),
}


@pytest.mark.parametrize("name", sorted(V2_VECTORS))
def test_vrrp2_vector(name: str) -> None:
    v = V2_VECTORS[name]
    ip_bytes = h(v["ip"]) + h(v["payload"])
    frame = ETH_V4 + h(v["eth_src"].replace(":", "")) + b"\x08\x00" + ip_bytes

    parsed = parse_frame(frame)
    assert isinstance(parsed.ip, IPv4)
    assert parsed.ip.checksum_ok
    assert (parsed.ip.tos, parsed.ip.ttl, parsed.ip.df, parsed.ip.ident) == (
        0xC0,
        255,
        False,
        v["ident"],
    )
    assert parsed.rule is not None and "VRRPv2" in parsed.rule
    got = parsed.payload
    assert isinstance(got, VrrpAdvert)
    assert replace(got, checksum=None, checksum_rule=None) == v["advert"]
    assert got.checksum == v["checksum"]
    assert got.checksum_rule == "rfc3768"
    assert got.checksum_ok
    assert got.interval_cs == 100
    # v2 checksum has no pseudo-header: the message alone sums to zero
    assert internet_checksum(h(v["payload"])) == 0

    built = vrrp_frame(v["advert"], src_mac=v["eth_src"], src_ip=v["src"], ident=v["ident"])
    assert built == frame
    assert parsed.encode() == frame


def test_vrrp2_pass_field() -> None:
    advert = parse_frame(
        ETH_V4
        + h("00005e000101 0800")
        + h(V2_VECTORS["V2-2"]["ip"])
        + h(V2_VECTORS["V2-2"]["payload"])
    ).payload
    assert advert.auth_type == 1
    assert advert.auth_data == b"secret\x00\x00"
    assert auth_pass_text(advert.auth_data) == "secret"
    assert auth_pass_bytes("longer-than-8") == b"longer-t"


# --------------------------------------------------------------------------- VRRPv3 (§7.2)

V3_V4_VECTORS = {
    # name: (src, ident, advert, checksum, rule, pseudo-header flag, ip hex, payload hex)
    "V3-4a": (
        "192.168.1.3",
        0,
        VrrpAdvert(3, 51, 100, ("192.168.1.50",), 100),
        0xA88C,
        "rfc9568-no-pseudo-header",
        False,
        "45c00020 00000000 ff7018f0 c0a80103 e0000012",
        "31336401 0064a88c c0a80132",
    ),
    "V3-4b": (
        "192.168.1.3",
        0,
        VrrpAdvert(3, 51, 100, ("192.168.1.50",), 100),
        0x0652,
        "ipv4-pseudo-header",
        True,
        "45c00020 00000000 ff7018f0 c0a80103 e0000012",
        "31336401 00640652 c0a80132",
    ),
    "V3-5a": (
        "10.1.1.2",
        0,
        VrrpAdvert(3, 10, 200, ("10.1.1.10", "10.1.1.11"), 50),
        0xF0A9,
        "rfc9568-no-pseudo-header",
        False,
        "45c00024 00000000 ff70cf94 0a010102 e0000012",
        "310ac802 0032f0a9 0a01010a 0a01010b",
    ),
    "V3-5b": (
        "10.1.1.2",
        0,
        VrrpAdvert(3, 10, 200, ("10.1.1.10", "10.1.1.11"), 50),
        0x0514,
        "ipv4-pseudo-header",
        True,
        "45c00024 00000000 ff70cf94 0a010102 e0000012",
        "310ac802 00320514 0a01010a 0a01010b",
    ),
    "V3-real-v4": (
        "10.0.0.1",
        1,
        VrrpAdvert(3, 53, 100, ("10.0.0.53",), 100),
        0x75A0,
        "ipv4-pseudo-header",
        True,
        "45c00020 00010000 ff70d099 0a000001 e0000012",
        "31356401 006475a0 0a000035",
    ),
}


@pytest.mark.parametrize("name", sorted(V3_V4_VECTORS))
def test_vrrp3_ipv4_vector(name: str) -> None:
    src, ident, advert, checksum, rule, pseudo, ip_hex, payload_hex = V3_V4_VECTORS[name]
    eth_src = virtual_mac(advert.vrid)
    frame = ETH_V4 + h(eth_src.replace(":", "")) + b"\x08\x00" + h(ip_hex) + h(payload_hex)

    parsed = parse_frame(frame)
    assert parsed.ip.checksum_ok
    assert parsed.rule == "version 3: VRRPv3"
    got = parsed.payload
    assert replace(got, checksum=None, checksum_rule=None) == advert
    assert (got.checksum, got.checksum_rule, got.checksum_ok) == (checksum, rule, True)
    assert got.interval_cs == advert.advert_int

    # the rule is a property of the bytes: verify it independently of the decoder
    message = h(payload_hex)
    pseudo_sum = internet_checksum(
        ipv4_pseudo_header(src, "224.0.0.18", 112, len(message)) + message
    )
    assert (pseudo_sum == 0) is pseudo
    assert (internet_checksum(message) == 0) is (not pseudo)

    built = vrrp_frame(
        advert, src_mac=eth_src, src_ip=src, ident=ident, v3_ipv4_pseudo_header=pseudo
    )
    assert built == frame
    assert parsed.encode() == frame


def test_vrrp3_ipv4_without_addresses_checks_rfc9568_only() -> None:
    plain = VrrpAdvert.decode(h("31336401 0064a88c c0a80132"))
    assert plain.checksum_rule == "rfc9568-no-pseudo-header"
    pseudo = VrrpAdvert.decode(h("31336401 00640652 c0a80132"))
    assert pseudo.checksum_rule == "bad"  # needs src/dst to be recognised
    pseudo = VrrpAdvert.decode(h("31336401 00640652 c0a80132"), src="192.168.1.3", dst="224.0.0.18")
    assert pseudo.checksum_rule == "ipv4-pseudo-header"


V6_SRC = "fe80::5054:ff:fe12:3456"

V3_V6_VECTORS = {
    "V3-6": (
        V6_SRC,
        VrrpAdvert(3, 51, 100, ("fe80::1", "2001:db8::50"), 100),
        0xBBF0,
        "6c000000 002870ff fe800000 00000000 505400ff fe123456 ff020000 00000000 00000000 00000012",
        "31336402 0064bbf0 fe800000 00000000 00000000 00000001 20010db8 00000000 00000000 00000050",
    ),
    "V3-7": (
        V6_SRC,
        VrrpAdvert(3, 7, 0, ("fe80::7",), 100),
        0x4E31,
        "6c000000 001870ff fe800000 00000000 505400ff fe123456 ff020000 00000000 00000000 00000012",
        "31070001 00644e31 fe800000 00000000 00000000 00000007",
    ),
    "V3-real-v6": (
        "fe80::5054:ff:fe00:b",
        VrrpAdvert(3, 52, 100, ("fe80::52", "2001:db8::52"), 100),
        0xEFF9,
        "6c000000 002870ff fe800000 00000000 505400ff fe00000b ff020000 00000000 00000000 00000012",
        "31346402 0064eff9 fe800000 00000000 00000000 00000052 20010db8 00000000 00000000 00000052",
    ),
}


@pytest.mark.parametrize("name", sorted(V3_V6_VECTORS))
def test_vrrp3_ipv6_vector(name: str) -> None:
    src, advert, checksum, ip_hex, payload_hex = V3_V6_VECTORS[name]
    eth_src = virtual_mac(advert.vrid, ipv6=True)
    frame = ETH_V6 + h(eth_src.replace(":", "")) + b"\x86\xdd" + h(ip_hex) + h(payload_hex)

    parsed = parse_frame(frame)
    assert isinstance(parsed.ip, IPv6)
    assert (parsed.ip.src, parsed.ip.dst, parsed.ip.tclass, parsed.ttl) == (
        src,
        "ff02::12",
        0xC0,
        255,
    )
    assert len(parsed.ip.payload) == len(h(payload_hex))
    got = parsed.payload
    assert replace(got, checksum=None, checksum_rule=None) == advert
    assert (got.checksum, got.checksum_rule, got.checksum_ok) == (
        checksum,
        "ipv6-pseudo-header",
        True,
    )
    assert got.family == 6
    assert vrrp_frame(advert, src_mac=eth_src, src_ip=src) == frame
    assert parsed.encode() == frame


def test_vrrp3_ipv6_sheet_ethernet_header() -> None:
    frame = vrrp_frame(V3_V6_VECTORS["V3-6"][1], src_mac="00:00:5e:00:02:33", src_ip=V6_SRC)
    assert frame[:14] == h("333300000012 00005e000233 86dd")


# --------------------------------------------------------------------------- CARP (§7.3)

C1_MD = "333e82532d51d776fe4e178cca4c1b9e6ac25524"

CARP_VECTORS = {
    # name: (password, addresses, advert, src, eth_src, tos, ident, ip hex, payload hex)
    "C-1": (
        "testpass",
        ["192.168.1.50"],
        CarpAdvert(
            vhid=1, advskew=0, advbase=1, counter=0x00000001_00000002, md=bytes.fromhex(C1_MD)
        ),
        "192.168.1.3",
        "00:00:5e:00:01:01",
        0xE0,
        0,
        "45e00038 00004000 ff70d8b7 c0a80103 e0000012",
        f"21010007 000168ed 00000001 00000002 {C1_MD}",
    ),
    "C-2": (
        "testpass",
        ["192.168.1.60", "192.168.1.50"],
        CarpAdvert(
            vhid=1,
            advskew=100,
            advbase=1,
            counter=0x1122334455667788,
            md=bytes.fromhex("e84563a14420d670ce1d60d59e0ed2c0903a737b"),
        ),
        "192.168.1.4",
        "00:00:5e:00:01:01",
        0xE0,
        0,
        "45e00038 00004000 ff70d8b6 c0a80104 e0000012",
        "21016407 00015fb0 11223344 55667788 e84563a1 4420d670 ce1d60d5 9e0ed2c0 903a737b",
    ),
    "C-3": (
        "",
        ["10.9.9.9", "fe80::50", "2001:db8::50"],
        CarpAdvert(
            vhid=3,
            advskew=240,
            advbase=2,
            counter=0xFFFFFFFFFFFFFFFF,
            md=bytes.fromhex("a4ad0a60e711fcd5ccc58bce10cd44b7cd317a30"),
        ),
        "10.9.9.1",
        "00:00:5e:00:01:03",
        0xE0,
        0,
        "45e00038 00004000 ff708759 0a090901 e0000012",
        "2103f007 00026682 ffffffff ffffffff a4ad0a60 e711fcd5 ccc58bce 10cd44b7 cd317a30",
    ),
    "C-real": (
        "testpass",
        ["10.0.0.50"],
        CarpAdvert(
            vhid=1,
            advskew=0,
            advbase=1,
            counter=0xCCFDB74C8088C648,
            md=bytes.fromhex("82149ddb8e7884879b90f6a902b0fd62422365b7"),
        ),
        "10.0.0.1",
        ucarp_mac(1),
        0x10,
        0xB1BB,
        "45100038 b1bb4000 ff70df76 0a000001 e0000012",
        "21010007 0001a6c2 ccfdb74c 8088c648 82149ddb 8e788487 9b90f6a9 02b0fd62 422365b7",
    ),
}


@pytest.mark.parametrize("name", sorted(CARP_VECTORS))
def test_carp_vector(name: str) -> None:
    password, addresses, advert, src, eth_src, tos, ident, ip_hex, payload_hex = CARP_VECTORS[name]
    frame = ETH_V4 + h(eth_src.replace(":", "")) + b"\x08\x00" + h(ip_hex) + h(payload_hex)

    parsed = parse_frame(frame)
    assert parsed.ip.checksum_ok
    assert (parsed.ip.tos, parsed.ip.df, parsed.ip.ttl, parsed.ip.ident) == (tos, True, 255, ident)
    assert parsed.rule == "version 2, 36 bytes with authlen 7 (VRRPv2 would need 44): CARP"
    got = parsed.payload
    assert isinstance(got, CarpAdvert)
    assert replace(got, checksum=None) == advert
    assert got.checksum == int.from_bytes(h(payload_hex)[6:8], "big")
    assert got.checksum_ok
    # CARP's checksum covers the 36 bytes only
    assert internet_checksum(h(payload_hex)) == 0
    assert got.hmac_ok(password, addresses)
    assert carp_hmac(password, advert.vhid, addresses, advert.counter) == advert.md
    assert not got.hmac_ok(password + "x", addresses)

    signed = CarpAdvert.signed(
        vhid=advert.vhid,
        advskew=advert.advskew,
        advbase=advert.advbase,
        counter=advert.counter,
        password=password,
        addresses=addresses,
    )
    assert signed == advert
    built = carp_frame(signed, src_mac=eth_src, src_ip=src, tos=tos, ident=ident)
    assert built == frame
    assert parsed.encode() == frame


def test_carp_hmac_messages_from_the_sheet() -> None:
    assert carp_hmac_message(1, ["192.168.1.50"], 0x1_00000002) == h(
        "020101 c0a80132 0000000100000002"
    )
    # C-2: configured .60 then .50, hashed sorted
    assert carp_hmac_message(1, ["192.168.1.60", "192.168.1.50"], 0) == h(
        "020101 c0a80132 c0a8013c 0000000000000000"
    )
    assert carp_hmac_message(3, ["10.9.9.9", "fe80::50", "2001:db8::50"], (1 << 64) - 1) == h(
        "020103 0a090909 20010db8000000000000000000000050"
        " fe800000000000000000000000000050 ffffffffffffffff"
    )
    # C-real
    assert carp_hmac_message(1, ["10.0.0.50"], 0xCCFDB74C8088C648) == h(
        "020101 0a000032 ccfdb74c8088c648"
    )


def test_carp_hmac_key_rules() -> None:
    # 19 bytes are used: a 20th character changes nothing, a change within the 19 does
    base = carp_hmac("a" * 19, 1, ["10.0.0.1"], 5)
    assert carp_hmac("a" * 19 + "b", 1, ["10.0.0.1"], 5) == base
    assert carp_hmac("a" * 18 + "b", 1, ["10.0.0.1"], 5) != base
    # no password = all-zero key, still a real HMAC (C-3 above), and bytes work like str
    assert carp_hmac(b"testpass", 1, ["192.168.1.50"], 0x1_00000002).hex() == C1_MD
    # duplicates are hashed once; scope bytes of link-local IPv6 are cleared
    assert carp_hmac_message(1, ["10.0.0.1", "10.0.0.1"], 0) == carp_hmac_message(
        1, ["10.0.0.1"], 0
    )
    assert carp_hmac_message(1, ["fe80:3::1"], 0) == carp_hmac_message(1, ["fe80::1"], 0)


def test_carp_c4_openbsd_flavour() -> None:
    c1 = CARP_VECTORS["C-1"][2]
    c4 = replace(c1, demote=1)
    payload = c4.encode()
    assert payload[:16] == h("21010007 010167ed 00000001 00000002")
    assert payload[16:] == c1.md  # demote is not hashed
    frame = carp_frame(c4, src_mac="00:00:5e:00:01:01", src_ip="192.168.1.3", tos=0x10)
    parsed = parse_frame(frame)
    assert parsed.ip.tos == 0x10 and parsed.ip.checksum_ok
    assert parsed.payload.demote == 1
    assert parsed.payload.checksum == 0x67ED and parsed.payload.checksum_ok
    assert parsed.payload.hmac_ok("testpass", ["192.168.1.50"])
    assert parsed.encode() == frame
