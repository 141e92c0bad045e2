"""IPv4 header codec with header-checksum computation and verification.

The simulator needs exact IPv4 envelopes because the daemons differ in them (TOS 0xC0 for
keepalived, 0x10 for ucarp, DF on CARP, random or sequential IP ids; PROTOCOLS.md §2.4) and because
learners compare our frames with real captures. Decoding never rejects a wrong header checksum: it
records the value so the caller can report it (a bad checksum is a lesson, not a crash). Only input
that cannot be an IPv4 header at all raises :class:`DecodeError`. Trailing bytes after the total
length (Ethernet padding) are ignored.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from .addresses import ipv4_packed, ipv4_text
from .checksum import internet_checksum
from .errors import DecodeError, require

__all__ = ["IPV4_HEADER_LEN", "PROTO_ICMP", "PROTO_VRRP", "IPv4"]

IPV4_HEADER_LEN = 20
PROTO_ICMP = 1
PROTO_VRRP = 112  # shared by VRRP and CARP

_FLAG_RF = 0x8000
_FLAG_DF = 0x4000
_FLAG_MF = 0x2000
_HEADER = struct.Struct("!BBHHHBBH4s4s")


@dataclass(frozen=True)
class IPv4:
    """An IPv4 datagram. ``checksum=None`` means compute on encode; decode fills the wire value."""

    src: str
    dst: str
    proto: int
    payload: bytes = b""
    ttl: int = 64
    tos: int = 0
    ident: int = 0
    df: bool = False
    mf: bool = False
    frag_offset: int = 0  # in 8-byte units, as on the wire
    options: bytes = b""  # raw option bytes, a multiple of 4 long
    checksum: int | None = None
    reserved_flag: bool = False  # the "evil bit"; kept only so odd captures round-trip

    @property
    def header_length(self) -> int:
        return IPV4_HEADER_LEN + len(self.options)

    @property
    def total_length(self) -> int:
        return self.header_length + len(self.payload)

    def _header(self, checksum: int) -> bytes:
        options = self.options
        header_length = IPV4_HEADER_LEN + len(options)
        total_length = header_length + len(self.payload)
        if len(options) % 4 or len(options) > 40:
            raise ValueError("IPv4 options must be a multiple of 4 bytes, at most 40")
        if total_length > 0xFFFF:
            raise ValueError(f"IPv4 datagram too long: {total_length} bytes")
        ttl, tos, proto, ident, frag_offset = (
            self.ttl,
            self.tos,
            self.proto,
            self.ident,
            self.frag_offset,
        )
        # one chained comparison for the usual all-valid case; the loop names the bad field
        if not (
            0 <= ttl <= 0xFF
            and 0 <= tos <= 0xFF
            and 0 <= proto <= 0xFF
            and 0 <= ident <= 0xFFFF
            and 0 <= frag_offset <= 0x1FFF
            and 0 <= checksum <= 0xFFFF
        ):
            for name, value, top in (
                ("ttl", ttl, 0xFF),
                ("tos", tos, 0xFF),
                ("proto", proto, 0xFF),
                ("ident", ident, 0xFFFF),
                ("frag_offset", frag_offset, 0x1FFF),
                ("checksum", checksum, 0xFFFF),
            ):
                if not 0 <= value <= top:
                    raise ValueError(f"IPv4 {name} out of range: {value}")
        flags = (
            (_FLAG_RF if self.reserved_flag else 0)
            | (_FLAG_DF if self.df else 0)
            | (_FLAG_MF if self.mf else 0)
        )
        return (
            _HEADER.pack(
                0x40 | (header_length // 4),
                tos,
                total_length,
                ident,
                flags | frag_offset,
                ttl,
                proto,
                checksum,
                ipv4_packed(self.src),
                ipv4_packed(self.dst),
            )
            + options
        )

    def computed_checksum(self) -> int:
        """The header checksum these fields call for (what encode writes when checksum is None)."""
        return internet_checksum(self._header(0))

    @property
    def checksum_ok(self) -> bool:
        """True when the stored checksum matches the header (or will be computed on encode)."""
        return self.checksum is None or self.checksum == self.computed_checksum()

    def encode(self) -> bytes:
        checksum = self.computed_checksum() if self.checksum is None else self.checksum
        return self._header(checksum) + bytes(self.payload)

    @classmethod
    def decode(cls, data: bytes) -> IPv4:
        require(data, IPV4_HEADER_LEN, "ipv4", "header")
        (vihl, tos, total, ident, frag, ttl, proto, checksum, src, dst) = _HEADER.unpack_from(data)
        if vihl >> 4 != 4:
            raise DecodeError("ipv4", 0, f"version is {vihl >> 4}, not 4")
        hlen = (vihl & 0x0F) * 4
        if hlen < IPV4_HEADER_LEN:
            raise DecodeError("ipv4", 0, f"header length {hlen} is below 20")
        require(data, hlen, "ipv4", "options")
        if total < hlen:
            raise DecodeError("ipv4", 2, f"total length {total} is below header length {hlen}")
        require(data, total, "ipv4", "datagram (total length field)")
        return cls(
            src=ipv4_text(src),
            dst=ipv4_text(dst),
            proto=proto,
            payload=bytes(data[hlen:total]),
            ttl=ttl,
            tos=tos,
            ident=ident,
            df=bool(frag & _FLAG_DF),
            mf=bool(frag & _FLAG_MF),
            frag_offset=frag & 0x1FFF,
            options=bytes(data[IPV4_HEADER_LEN:hlen]),
            checksum=checksum,
            reserved_flag=bool(frag & _FLAG_RF),
        )
