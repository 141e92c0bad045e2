"""Every frame of a run is real: the pcap reads back, every frame parses, tshark agrees."""

from __future__ import annotations

import shutil
import subprocess
from collections import Counter

import pytest

from simlab.sim import MS, FrameSent, S, World, seed_pair
from simlab.wire.frames import parse_frame
from simlab.wire.pcap import read_pcap


def _busy_world(protocol: str) -> World:
    """A run with every kind of frame: adverts, GARPs, ARP, pings, forwarded pings, TCP."""
    world = World(seed=21)
    pair = seed_pair(world, protocol, client_behind_router=True, service_port=80)
    world.add_ping(pair.router, pair.vip, 500 * MS, start_ns=50 * MS)
    world.at(6 * S, "power-off", pair.names[0])
    world.at(9 * S, "service-stop", pair.names[1], "httpd")
    world.run(12 * S)
    return world


@pytest.fixture(scope="module", params=["carp", "vrrp"])
def world(request) -> World:
    return _busy_world(request.param)


def test_pcap_reads_back_frame_for_frame(world: World):
    sent = world.trace.of(FrameSent)
    records = list(read_pcap(world.pcap()))
    assert [(r.ts_ns, r.frame) for r in records] == [(f.time, f.frame) for f in sent]


def test_every_frame_parses_with_simlab_wire(world: World):
    kinds = Counter()
    for f in world.trace.of(FrameSent):
        parsed = parse_frame(f.frame)
        kinds[parsed.kind] += 1
        if parsed.ip is not None:
            assert parsed.ip.checksum_ok, f
        payload = parsed.payload
        if hasattr(payload, "checksum_ok"):
            assert payload.checksum_ok, f
    assert kinds["arp"] and kinds["icmp-echo"] and kinds["raw"]  # raw = TCP
    assert kinds["carp"] or kinds["vrrp2"]


@pytest.mark.skipif(shutil.which("tshark") is None, reason="tshark not installed")
def test_tshark_reads_the_pcap_without_malformed_packets(world: World, tmp_path):
    path = tmp_path / "run.pcap"
    world.pcap(path)
    malformed = subprocess.run(
        ["tshark", "-r", str(path), "-Y", "_ws.malformed || _ws.expert.severity >= error"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert malformed.returncode == 0, malformed.stderr
    assert malformed.stdout == ""
    protos = subprocess.run(
        ["tshark", "-r", str(path), "-T", "fields", "-e", "frame.protocols"],
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    assert "arp" in protos and "icmp" in protos and "tcp" in protos
    assert "vrrp" in protos  # tshark decodes CARP as VRRP unless told otherwise
