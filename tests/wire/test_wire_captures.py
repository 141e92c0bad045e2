"""Every frame of the real keepalived/ucarp captures in ../shared/captures decodes and re-encodes.

The captures (see their README) come from keepalived 2.2.7 and ucarp 1.5.2 in a namespace lab: VRID
51, VIP 192.0.2.50, password "s3cr3t", server1 02:00:00:00:00:11 / 192.0.2.11, server2 ...:12 /
192.0.2.12. The checks below restate the README's decoding notes as assertions, and require that
building each frame again from its decoded fields gives back the captured bytes.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

import pytest

from simlab.wire import (
    Arp,
    CarpAdvert,
    VrrpAdvert,
    auth_pass_bytes,
    carp_frame,
    garp_frame,
    parse_frame,
    ucarp_mac,
    vrrp_frame,
)
from simlab.wire.checksum import internet_checksum, ipv4_pseudo_header
from simlab.wire.pcap import LINKTYPE_ETHERNET, read_pcap

# CI clones the repository with the shared folder beside it: <root>/../shared/captures
CAPTURES = Path(__file__).resolve().parents[2] / ".." / "shared" / "captures"

SHA256 = {
    "keepalived-vrrp2.pcap": "08eb75750893ab77c463cbbf71bee0db7afab1c4d86a234f4544cda4bcff75f3",
    "keepalived-vrrp3.pcap": "dc1278b0d28bd32150f66f1463d41f553b3b81f5f073c70a5deafc42214a0441",
    "keepalived-vrrp3-adv050.pcap": (
        "4c4226b6f814bfd05956cc34f67a912f222d3e9d8adab045c235a41f2a16ea57"
    ),
    "ucarp-carp.pcap": "deac4b17d28a6db6d546ce419f51320972b42d973f0d06eccf228bc9a8627827",
    "failover-garp.pcap": "8ad991f8ac2948d21ad35cbbadc70913e1494fa99db854122ce0531f667f059a",
}

VIP = "192.0.2.50"
SERVERS = {"02:00:00:00:00:11": "192.0.2.11", "02:00:00:00:00:12": "192.0.2.12"}
PRIO = {"02:00:00:00:00:11": 150, "02:00:00:00:00:12": 100}


def records(name: str) -> list:
    path = CAPTURES / name
    assert path.is_file(), f"missing capture {path} (the shared folder must sit beside the repo)"
    return list(read_pcap(path))


@pytest.mark.parametrize("name", sorted(SHA256))
def test_capture_files_are_the_documented_ones(name: str) -> None:
    assert hashlib.sha256((CAPTURES / name).read_bytes()).hexdigest() == SHA256[name]


@pytest.mark.parametrize("name", sorted(SHA256))
def test_every_frame_round_trips(name: str) -> None:
    recs = records(name)
    assert recs
    for rec in recs:
        assert rec.linktype == LINKTYPE_ETHERNET
        assert rec.orig_len == len(rec.frame)
        parsed = parse_frame(rec.frame)
        assert parsed.encode() == rec.frame
        if parsed.ip is not None:
            assert parsed.ip.checksum_ok
            assert parsed.ttl == 255


@pytest.mark.parametrize(
    ("name", "version", "advert_int", "checksums", "prio0_frames"),
    [
        ("keepalived-vrrp2.pcap", 2, 1, {150: 0x7B7D, 100: 0xAD7D, 0: 0x117E}, {6, 15}),
        ("keepalived-vrrp3.pcap", 3, 100, {150: 0xD399, 100: 0x0599}, {6, 15}),
        ("keepalived-vrrp3-adv050.pcap", 3, 50, {150: 0xD3CB, 100: 0x05CB}, {6, 14}),
    ],
)
def test_keepalived_adverts(name, version, advert_int, checksums, prio0_frames) -> None:
    recs = records(name)
    for number, rec in enumerate(recs, start=1):
        parsed = parse_frame(rec.frame)
        advert = parsed.payload
        assert isinstance(advert, VrrpAdvert), f"frame {number}"
        assert parsed.kind == f"vrrp{version}"
        mac = parsed.eth.src
        assert mac in SERVERS  # keepalived sends from the physical NIC MAC
        assert parsed.eth.dst == "01:00:5e:00:00:12"
        assert (parsed.src_ip, parsed.dst_ip) == (SERVERS[mac], "224.0.0.18")
        assert (parsed.ip.tos, parsed.ip.df) == (0xC0, False)
        assert advert.vrid == 51
        assert advert.addresses == (VIP,)
        assert advert.advert_int == advert_int
        assert advert.priority == (0 if number in prio0_frames else PRIO[mac])
        assert advert.checksum_ok
        if advert.priority in checksums:
            assert advert.checksum == checksums[advert.priority]
        if version == 2:
            assert advert.interval_cs == 100
            assert (advert.auth_type, advert.auth_data) == (1, auth_pass_bytes("s3cr3t"))
            assert advert.checksum_rule == "rfc3768"
            assert len(rec.frame) == 54
        else:
            assert advert.interval_cs == advert_int
            assert advert.checksum_rule == "ipv4-pseudo-header"
            assert len(rec.frame) == 46
            # independent check of keepalived's default rule: the pseudo-header sums to zero
            msg = parsed.ip.payload
            assert (
                internet_checksum(ipv4_pseudo_header(parsed.src_ip, "224.0.0.18", 112, 12) + msg)
                == 0
            )
        # rebuilding from the fields (checksum recomputed) gives the captured frame
        fresh = replace(advert, checksum=None, checksum_rule=None)
        built = vrrp_frame(fresh, src_mac=mac, src_ip=SERVERS[mac], ident=parsed.ip.ident)
        assert built == rec.frame, f"frame {number}"


def test_keepalived_ip_ids_count_up_per_daemon() -> None:
    ids: dict[str, list[int]] = {}
    for rec in records("keepalived-vrrp2.pcap"):
        parsed = parse_frame(rec.frame)
        ids.setdefault(parsed.eth.src, []).append(parsed.ip.ident)
    for seq in ids.values():
        assert seq == list(range(1, len(seq) + 1))


def test_ucarp_capture() -> None:
    carp = arp = 0
    for number, rec in enumerate(records("ucarp-carp.pcap"), start=1):
        parsed = parse_frame(rec.frame)
        if isinstance(parsed.payload, CarpAdvert):
            carp += 1
            advert = parsed.payload
            assert parsed.kind == "carp"
            assert "CARP" in parsed.rule
            assert len(rec.frame) == 70
            assert parsed.eth.src == ucarp_mac(51) == "00:00:5e:00:00:33"
            assert (parsed.ip.tos, parsed.ip.df, parsed.ttl) == (0x10, True, 255)
            assert parsed.src_ip in SERVERS.values()
            skew = 0 if parsed.src_ip == "192.0.2.11" else 100
            assert (advert.vhid, advert.advskew, advert.advbase) == (51, skew, 1)
            assert (advert.authlen, advert.demote, advert.version, advert.type) == (7, 0, 2, 1)
            assert advert.checksum_ok
            assert advert.hmac_ok("s3cr3t", [VIP]), f"frame {number}"
            assert not advert.hmac_ok("s3cr3t", ["192.0.2.51"])
            rebuilt = CarpAdvert.signed(
                vhid=51,
                advskew=skew,
                advbase=1,
                counter=advert.counter,
                password="s3cr3t",
                addresses=[VIP],
            )
            built = carp_frame(
                rebuilt,
                src_mac=ucarp_mac(51),
                src_ip=parsed.src_ip,
                tos=0x10,
                ident=parsed.ip.ident,
            )
            assert built == rec.frame, f"frame {number}"
        else:
            arp += 1
            assert isinstance(parsed.payload, Arp)
            _check_garp(parsed, rec.frame)
    assert (carp, arp) == (13, 12)


def _check_garp(parsed, frame: bytes) -> None:
    garp = parsed.payload
    assert garp.is_gratuitous and garp.is_request
    assert garp.spa == garp.tpa == VIP
    assert parsed.eth.dst == "ff:ff:ff:ff:ff:ff"
    assert garp.sha == parsed.eth.src and garp.sha in SERVERS
    assert garp.tha in ("ff:ff:ff:ff:ff:ff", garp.sha)  # keepalived/arping vs ucarp's own form
    assert len(frame) == 42
    assert garp_frame(mac=garp.sha, ip=VIP, target_mac=garp.tha) == frame
    style = "keepalived" if garp.tha == "ff:ff:ff:ff:ff:ff" else "ucarp"
    assert Arp.gratuitous(mac=garp.sha, ip=VIP, style=style) == garp


def test_ucarp_garp_target_macs() -> None:
    recs = records("ucarp-carp.pcap")
    # frame 16: arping -U from the upscript (broadcast target); 17: ucarp's own GARP (own MAC)
    assert parse_frame(recs[15].frame).payload.tha == "ff:ff:ff:ff:ff:ff"
    assert parse_frame(recs[16].frame).payload.tha == "02:00:00:00:00:12"


def test_failover_garps() -> None:
    recs = records("failover-garp.pcap")
    assert len(recs) == 15
    senders = [parse_frame(r.frame).eth.src for r in recs]
    assert senders == ["02:00:00:00:00:11"] * 5 + ["02:00:00:00:00:12"] * 10
    for rec in recs:
        parsed = parse_frame(rec.frame)
        _check_garp(parsed, rec.frame)
        assert parsed.payload.tha == "ff:ff:ff:ff:ff:ff"  # keepalived form
    # the second burst comes garp_master_delay = 5 s after the first one of server2
    gap = recs[10].ts_ns - recs[5].ts_ns
    assert 4_900_000_000 < gap < 5_100_000_000


def test_capture_timestamps_are_microsecond_ns() -> None:
    recs = records("keepalived-vrrp2.pcap")
    assert all(r.ts_ns % 1000 == 0 for r in recs)
    # frame 7 comes Skew_Time = (256-100)/256 s = 0.609 s after the priority-0 advert of frame 6
    delta = recs[6].ts_ns - recs[5].ts_ns
    assert 0.55e9 < delta < 0.7e9
