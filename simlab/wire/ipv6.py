"""IPv6 fixed-header codec (extension headers are left in the payload, untouched).

VRRPv3 over IPv6 and unsolicited neighbour advertisements only need the 40-byte fixed header; the
upper-layer checksums that depend on it use :func:`simlab.wire.checksum.ipv6_pseudo_header`. Bytes
after the payload length (Ethernet padding) are ignored on decode.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from .addresses import ipv6_packed, ipv6_text
from .errors import DecodeError, require

__all__ = ["IPV6_HEADER_LEN", "NH_ICMPV6", "NH_VRRP", "IPv6"]

IPV6_HEADER_LEN = 40
NH_ICMPV6 = 58
NH_VRRP = 112


@dataclass(frozen=True)
class IPv6:
    """An IPv6 packet; ``tclass`` is the 8-bit traffic class (keepalived uses 0xC0)."""

    src: str
    dst: str
    next_header: int
    payload: bytes = b""
    hop_limit: int = 64
    tclass: int = 0
    flow_label: int = 0

    def encode(self) -> bytes:
        for name, value, top in (
            ("next_header", self.next_header, 0xFF),
            ("hop_limit", self.hop_limit, 0xFF),
            ("tclass", self.tclass, 0xFF),
            ("flow_label", self.flow_label, 0xFFFFF),
            ("payload length", len(self.payload), 0xFFFF),
        ):
            if not 0 <= value <= top:
                raise ValueError(f"IPv6 {name} out of range: {value}")
        first = (6 << 28) | (self.tclass << 20) | self.flow_label
        return (
            struct.pack("!IHBB", first, len(self.payload), self.next_header, self.hop_limit)
            + ipv6_packed(self.src)
            + ipv6_packed(self.dst)
            + bytes(self.payload)
        )

    @classmethod
    def decode(cls, data: bytes) -> IPv6:
        require(data, IPV6_HEADER_LEN, "ipv6", "header")
        first, plen, nh, hlim = struct.unpack_from("!IHBB", data)
        if first >> 28 != 6:
            raise DecodeError("ipv6", 0, f"version is {first >> 28}, not 6")
        require(data, IPV6_HEADER_LEN + plen, "ipv6", "payload (payload length field)")
        return cls(
            src=ipv6_text(bytes(data[8:24])),
            dst=ipv6_text(bytes(data[24:40])),
            next_header=nh,
            payload=bytes(data[IPV6_HEADER_LEN : IPV6_HEADER_LEN + plen]),
            hop_limit=hlim,
            tclass=(first >> 20) & 0xFF,
            flow_label=first & 0xFFFFF,
        )
