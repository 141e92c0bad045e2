"""RFC 1071 Internet checksum and the pseudo-headers VRRP, ICMPv6 and friends prepend to it.

Every protocol simlab speaks (IPv4 header, VRRPv2/v3, CARP, ICMP, ICMPv6) uses the same 16-bit
one's-complement checksum; they differ only in *what* is summed. The pseudo-header builders live
here so that the "which bytes are covered" rule is written once and reused by each codec.
"""

from __future__ import annotations

import struct

from .addresses import ip_version, ipv4_packed, ipv6_packed

__all__ = [
    "internet_checksum",
    "ipv4_pseudo_header",
    "ipv6_pseudo_header",
    "pseudo_header",
]


def internet_checksum(data: bytes) -> int:
    """Return the RFC 1071 checksum of ``data`` (odd length is padded with one zero byte).

    Summing a message that already contains a correct checksum yields 0, which is how verifiers use
    it. The folded one's-complement sum of the big-endian 16-bit words is the whole message read
    as one number modulo 0xFFFF (2**16 = 1 mod 0xFFFF), which ``int.from_bytes`` computes in C;
    the sum is 0xFFFF, not 0, when the message is not all zeros (end-around carry never gives 0).
    """
    if len(data) % 2:
        data = bytes(data) + b"\x00"
    n = int.from_bytes(data, "big")
    total = n % 0xFFFF
    if total == 0 and n:
        total = 0xFFFF
    return ~total & 0xFFFF


def ipv4_pseudo_header(src: str, dst: str, proto: int, length: int) -> bytes:
    """The 12-byte IPv4 pseudo-header (src, dst, zero, protocol, upper-layer length)."""
    return ipv4_packed(src) + ipv4_packed(dst) + struct.pack("!BBH", 0, proto, length)


def ipv6_pseudo_header(src: str, dst: str, next_header: int, length: int) -> bytes:
    """The 40-byte RFC 8200 §8.1 pseudo-header: src, dst, 32-bit length, zeros, next header."""
    return ipv6_packed(src) + ipv6_packed(dst) + struct.pack("!I3xB", length, next_header)


def pseudo_header(src: str, dst: str, proto: int, length: int) -> bytes:
    """Pick the IPv4 or IPv6 pseudo-header from the family of ``src``."""
    if ip_version(src) == 6:
        return ipv6_pseudo_header(src, dst, proto, length)
    return ipv4_pseudo_header(src, dst, proto, length)
