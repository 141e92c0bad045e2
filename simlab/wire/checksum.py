"""RFC 1071 Internet checksum and the pseudo-headers VRRP, ICMPv6 and friends prepend to it.

Every protocol simlab speaks (IPv4 header, VRRPv2/v3, CARP, ICMP, ICMPv6) uses the same 16-bit
one's-complement checksum; they differ only in *what* is summed. The pseudo-header builders live
here so that the "which bytes are covered" rule is written once and reused by each codec.
"""

from __future__ import annotations

import ipaddress
import struct

__all__ = [
    "internet_checksum",
    "ipv4_pseudo_header",
    "ipv6_pseudo_header",
    "pseudo_header",
]


def internet_checksum(data: bytes) -> int:
    """Return the RFC 1071 checksum of ``data`` (odd length is padded with one zero byte).

    Summing a message that already contains a correct checksum yields 0, which is how verifiers use
    it. All big-endian words are summed first and the carries folded afterwards, which gives the
    same result as folding after each addition (Python integers cannot overflow).
    """
    if len(data) % 2:
        data = bytes(data) + b"\x00"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total > 0xFFFF:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def ipv4_pseudo_header(src: str, dst: str, proto: int, length: int) -> bytes:
    """The 12-byte IPv4 pseudo-header (src, dst, zero, protocol, upper-layer length)."""
    return (
        ipaddress.IPv4Address(src).packed
        + ipaddress.IPv4Address(dst).packed
        + struct.pack("!BBH", 0, proto, length)
    )


def ipv6_pseudo_header(src: str, dst: str, next_header: int, length: int) -> bytes:
    """The 40-byte RFC 8200 §8.1 pseudo-header: src, dst, 32-bit length, zeros, next header."""
    return (
        ipaddress.IPv6Address(src).packed
        + ipaddress.IPv6Address(dst).packed
        + struct.pack("!I3xB", length, next_header)
    )


def pseudo_header(src: str, dst: str, proto: int, length: int) -> bytes:
    """Pick the IPv4 or IPv6 pseudo-header from the family of ``src``."""
    if ipaddress.ip_address(src).version == 6:
        return ipv6_pseudo_header(src, dst, proto, length)
    return ipv4_pseudo_header(src, dst, proto, length)
