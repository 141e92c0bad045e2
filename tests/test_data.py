"""The captures bundled in the package are the team's real captures, byte for byte."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from simlab.data import bundled_captures, capture_path

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "captures"

# The sha256 sums published in shared/captures/README.md.
PUBLISHED = {
    "keepalived-vrrp2.pcap": "08eb75750893ab77c463cbbf71bee0db7afab1c4d86a234f4544cda4bcff75f3",
    "keepalived-vrrp3.pcap": "dc1278b0d28bd32150f66f1463d41f553b3b81f5f073c70a5deafc42214a0441",
    "keepalived-vrrp3-adv050.pcap": (
        "4c4226b6f814bfd05956cc34f67a912f222d3e9d8adab045c235a41f2a16ea57"
    ),
    "ucarp-carp.pcap": "deac4b17d28a6db6d546ce419f51320972b42d973f0d06eccf228bc9a8627827",
    "failover-garp.pcap": "8ad991f8ac2948d21ad35cbbadc70913e1494fa99db854122ce0531f667f059a",
}


def test_every_published_capture_is_bundled_unchanged():
    assert sorted(p.name for p in bundled_captures()) == sorted(PUBLISHED)
    for name, digest in PUBLISHED.items():
        assert hashlib.sha256(capture_path(name).read_bytes()).hexdigest() == digest, name


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/captures is not beside the repo")
def test_bundled_copies_match_the_shared_folder():
    for name in PUBLISHED:
        assert capture_path(name).read_bytes() == (SHARED / name).read_bytes(), name


def test_an_unknown_capture_name_lists_what_is_bundled():
    with pytest.raises(FileNotFoundError, match=r"ucarp-carp\.pcap"):
        capture_path("nope.pcap")
