"""Oracle test: Wireshark's dissectors (tshark) must accept the frames our encoders build.

tshark is an independent implementation written by other people, so agreement on checksums and
fields is strong evidence that our bytes are right. Checksum verification is switched on explicitly
(``ip.check_checksum``); the VRRPv3-over-IPv4 rule is chosen with ``vrrp.v3_checksum_as_in_v2``
(FALSE = pseudo-header, keepalived's default; TRUE = RFC 9568), and CARP is only recognised when the
heuristic dissectors run first, since Wireshark reads protocol 112 as VRRP by default.

In tshark field output a checksum status of 1 means "good", 0 "bad", 2 "not verified".
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from simlab.wire import (
    CarpAdvert,
    VrrpAdvert,
    auth_pass_bytes,
    carp_frame,
    garp_frame,
    parse_frame,
    ucarp_mac,
    unsolicited_na_frame,
    virtual_mac,
    vrrp_frame,
)
from simlab.wire.frames import icmp_echo_frame
from simlab.wire.pcap import write_pcap

TSHARK = shutil.which("tshark")
pytestmark = pytest.mark.skipif(
    TSHARK is None, reason="tshark not on PATH (`make test` installs it via apt)"
)

MAC1 = "02:00:00:00:00:11"
VIP = "192.0.2.50"


def tshark(tmp_path: Path, frames: list[bytes], fields: list[str], *prefs: str) -> list[dict]:
    """Run tshark over ``frames`` and return one {field: text} dict per frame."""
    pcap = tmp_path / "oracle.pcap"
    write_pcap(pcap, [(i * 1_000_000, f) for i, f in enumerate(frames)], nanoseconds=True)
    cmd = [TSHARK, "-n", "-r", str(pcap), "-o", "ip.check_checksum:TRUE"]
    for pref in prefs:
        cmd += ["-o", pref]
    cmd += ["-T", "fields", "-E", "separator=|", "-E", "occurrence=a", "-E", "aggregator=,"]
    for field in fields:
        cmd += ["-e", field]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=60).stdout
    rows = [dict(zip(fields, line.split("|"), strict=True)) for line in out.splitlines()]
    assert len(rows) == len(frames), out
    return rows


VRRP_FIELDS = [
    "ip.checksum.status",
    "ip.ttl",
    "vrrp.version",
    "vrrp.virt_rtr_id",
    "vrrp.prio",
    "vrrp.addr_count",
    "vrrp.checksum",
    "vrrp.checksum.status",
    "vrrp.adver_int",
    "vrrp.short_adver_int",
    "vrrp.ip_addr",
    "vrrp.ipv6_addr",
    "vrrp.auth_string",
]


def _vrrp_cases(pseudo: bool) -> list[tuple[bytes, VrrpAdvert]]:
    v2 = VrrpAdvert(2, 51, 150, (VIP,), 1, auth_type=1, auth_data=auth_pass_bytes("s3cr3t"))
    v2b = VrrpAdvert(2, 7, 0, ("10.0.0.1", "10.0.0.2", "10.0.0.3"), 3)
    v3 = VrrpAdvert(3, 51, 150, (VIP,), 100)
    v3b = VrrpAdvert(3, 200, 254, ("198.51.100.1", "198.51.100.2"), 4095)
    cases = [
        (vrrp_frame(v3, src_mac=MAC1, src_ip="192.0.2.11", v3_ipv4_pseudo_header=pseudo), v3),
        (vrrp_frame(v3b, src_mac=MAC1, src_ip="198.51.100.9", v3_ipv4_pseudo_header=pseudo), v3b),
    ]
    if pseudo:  # v2 and IPv6 do not depend on the preference: check them once
        v6 = VrrpAdvert(3, 52, 100, ("fe80::52", "2001:db8::52"), 50)
        cases += [
            (vrrp_frame(v2, src_mac=MAC1, src_ip="192.0.2.11", ident=1), v2),
            (vrrp_frame(v2b, src_mac=virtual_mac(7), src_ip="10.0.0.9"), v2b),
            (vrrp_frame(v6, src_mac=MAC1, src_ip="fe80::5054:ff:fe00:b"), v6),
        ]
    return cases


@pytest.mark.parametrize("pseudo", [True, False], ids=["pseudo-header", "rfc9568"])
def test_vrrp_frames_pass_tshark(tmp_path: Path, pseudo: bool) -> None:
    cases = _vrrp_cases(pseudo)
    pref = f"vrrp.v3_checksum_as_in_v2:{'FALSE' if pseudo else 'TRUE'}"
    rows = tshark(tmp_path, [f for f, _ in cases], VRRP_FIELDS, pref)
    for (frame, advert), row in zip(cases, rows, strict=True):
        assert row["vrrp.checksum.status"] == "1", row
        assert int(row["vrrp.checksum"], 0) == parse_frame(frame).payload.checksum
        assert row["vrrp.version"] == str(advert.version)
        assert row["vrrp.virt_rtr_id"] == str(advert.vrid)
        assert row["vrrp.prio"] == str(advert.priority)
        assert row["vrrp.addr_count"] == str(len(advert.addresses))
        if advert.family == 6:
            assert row["vrrp.ipv6_addr"].split(",") == list(advert.addresses)
        else:
            assert row["ip.checksum.status"] == "1"
            assert row["ip.ttl"] == "255"
            assert row["vrrp.ip_addr"].split(",") == list(advert.addresses)
        if advert.version == 2:
            assert row["vrrp.adver_int"] == str(advert.advert_int)
            if advert.auth_type == 1:
                assert row["vrrp.auth_string"] == "s3cr3t"
        else:
            assert row["vrrp.short_adver_int"] == str(advert.advert_int)


def test_v3_ipv4_checksum_forms_are_exclusive(tmp_path: Path) -> None:
    """Each IPv4 v3 form is good under its own preference and bad under the other one."""
    advert = VrrpAdvert(3, 51, 150, (VIP,), 100)
    frames = [
        vrrp_frame(advert, src_mac=MAC1, src_ip="192.0.2.11", v3_ipv4_pseudo_header=flag)
        for flag in (True, False)
    ]
    field = ["vrrp.checksum.status"]
    default = tshark(tmp_path, frames, field, "vrrp.v3_checksum_as_in_v2:FALSE")
    as_v2 = tshark(tmp_path, frames, field, "vrrp.v3_checksum_as_in_v2:TRUE")
    assert [r["vrrp.checksum.status"] for r in default] == ["1", "0"]
    assert [r["vrrp.checksum.status"] for r in as_v2] == ["0", "1"]


CARP_FIELDS = [
    "ip.checksum.status",
    "ip.dsfield",
    "ip.flags.df",
    "carp.version",
    "carp.vhid",
    "carp.advskew",
    "carp.authlen",
    "carp.demotion",
    "carp.adver_int",
    "carp.counter",
    "carp.hmac",
    "carp.checksum.status",
]


def test_carp_frames_pass_tshark(tmp_path: Path) -> None:
    freebsd = CarpAdvert.signed(
        vhid=1, advskew=100, advbase=1, counter=0x1122334455667788, password="testpass",
        addresses=["192.168.1.50"],
    )  # fmt: skip
    ucarp = CarpAdvert.signed(
        vhid=51, advskew=0, advbase=1, counter=0xCCFDB74C8088C648, password="s3cr3t",
        addresses=[VIP],
    )  # fmt: skip
    openbsd = CarpAdvert.signed(
        vhid=3, advskew=240, advbase=2, counter=(1 << 64) - 1, password="", addresses=["10.9.9.9"],
        demote=4,
    )  # fmt: skip
    cases = [
        (carp_frame(freebsd, src_mac=virtual_mac(1), src_ip="192.168.1.4"), freebsd, 0xE0),
        (carp_frame(ucarp, src_mac=ucarp_mac(51), src_ip="192.0.2.11", tos=0x10, ident=0xB1BB),
         ucarp, 0x10),
        (carp_frame(openbsd, src_mac=virtual_mac(3), src_ip="10.9.9.1", tos=0x10), openbsd, 0x10),
    ]  # fmt: skip
    rows = tshark(tmp_path, [c[0] for c in cases], CARP_FIELDS, "ip.try_heuristic_first:TRUE")
    for (_, advert, tos), row in zip(cases, rows, strict=True):
        assert row["carp.checksum.status"] == "1", row
        assert row["ip.checksum.status"] == "1"
        assert int(row["ip.dsfield"], 0) == tos
        assert row["ip.flags.df"] in ("1", "True")
        assert row["carp.version"] == "2"
        assert row["carp.vhid"] == str(advert.vhid)
        assert row["carp.advskew"] == str(advert.advskew)
        assert row["carp.authlen"] == "7"
        assert row["carp.demotion"] == str(advert.demote)
        assert row["carp.adver_int"] == str(advert.advbase)
        assert int(row["carp.counter"], 0) == advert.counter
        assert bytes.fromhex(row["carp.hmac"].replace(":", "")) == advert.md


def test_garp_na_and_ping_pass_tshark(tmp_path: Path) -> None:
    frames = [
        garp_frame(mac=MAC1, ip=VIP),
        garp_frame(mac=MAC1, ip=VIP, target_mac=MAC1),
        garp_frame(mac=MAC1, ip=VIP, op=2),
        unsolicited_na_frame(
            src_mac=MAC1, src_ip="fe80::11", target="2001:db8::50", tll_mac=virtual_mac(51, True)
        ),
        icmp_echo_frame(
            src_mac=MAC1, dst_mac="02:00:00:00:00:12", src_ip="192.0.2.100", dst_ip=VIP,
            ident=9, seq=1, data=b"simlab",
        ),
        icmp_echo_frame(
            src_mac=MAC1, dst_mac="02:00:00:00:00:12", src_ip="2001:db8::100",
            dst_ip="2001:db8::50", ident=9, seq=2, reply=True,
        ),
    ]  # fmt: skip
    fields = [
        "arp.isgratuitous",
        "arp.opcode",
        "arp.src.proto_ipv4",
        "arp.dst.proto_ipv4",
        "arp.dst.hw_mac",
        "icmpv6.checksum.status",
        "icmpv6.nd.na.flag.r",
        "icmpv6.nd.na.flag.s",
        "icmpv6.nd.na.flag.o",
        "icmpv6.nd.na.target_address",
        "icmpv6.opt.linkaddr",
        "icmp.checksum.status",
        "ip.checksum.status",
        "ipv6.hlim",
    ]
    garp, ucarp, reply, na, ping, ping6 = tshark(tmp_path, frames, fields)
    for row, op, tha in ((garp, "1", "ff:ff:ff:ff:ff:ff"), (ucarp, "1", MAC1), (reply, "2", None)):
        assert row["arp.isgratuitous"] in ("1", "True"), row
        assert row["arp.opcode"] == op
        assert row["arp.src.proto_ipv4"] == row["arp.dst.proto_ipv4"] == VIP
        if tha:
            assert row["arp.dst.hw_mac"] == tha
    assert na["icmpv6.checksum.status"] == "1"
    flags = [na[f"icmpv6.nd.na.flag.{x}"] in ("1", "True") for x in "rso"]
    assert flags == [True, False, True]
    assert na["icmpv6.nd.na.target_address"] == "2001:db8::50"
    assert na["icmpv6.opt.linkaddr"] == "00:00:5e:00:02:33"
    assert na["ipv6.hlim"] == "255"
    assert ping["icmp.checksum.status"] == "1" and ping["ip.checksum.status"] == "1"
    assert ping6["icmpv6.checksum.status"] == "1"
