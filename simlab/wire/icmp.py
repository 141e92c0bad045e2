"""ICMP and ICMPv6 messages the simulator needs: echo (ping) and neighbour advertisement.

Client probes in the lab are pings, so echo request/reply exist for both families. An IPv6 VRRP
master announces a VIP with an unsolicited neighbour advertisement (type 136, R=1 S=0 O=1, target
link-layer address option = the MAC now owning the VIP), the IPv6 twin of gratuitous ARP.

ICMPv4 checksums cover the message only; ICMPv6 checksums include the IPv6 pseudo-header, so the
ICMPv6 encoders and decoders take the IP source and destination. As everywhere in simlab.wire, a
wrong checksum is reported in ``checksum_rule``/``checksum_ok`` rather than raised.
"""

from __future__ import annotations

import ipaddress
import struct
from dataclasses import dataclass

from .checksum import internet_checksum, ipv6_pseudo_header
from .errors import DecodeError, require
from .mac import mac_from_bytes, mac_to_bytes

__all__ = [
    "ICMPV6_ECHO_REPLY",
    "ICMPV6_ECHO_REQUEST",
    "ICMPV6_NEIGHBOR_ADVERT",
    "ICMP_ECHO_REPLY",
    "ICMP_ECHO_REQUEST",
    "IcmpEcho",
    "NeighborAdvert",
    "icmpv6_checksum",
]

ICMP_ECHO_REPLY = 0
ICMP_ECHO_REQUEST = 8
ICMPV6_ECHO_REQUEST = 128
ICMPV6_ECHO_REPLY = 129
ICMPV6_NEIGHBOR_ADVERT = 136
NH_ICMPV6 = 58

_OPT_TLL = 2  # target link-layer address option

_NA_ROUTER = 0x80000000
_NA_SOLICITED = 0x40000000
_NA_OVERRIDE = 0x20000000


def icmpv6_checksum(message: bytes, src: str, dst: str) -> int:
    """Checksum of an ICMPv6 message (checksum field zeroed) including the pseudo-header."""
    return internet_checksum(ipv6_pseudo_header(src, dst, NH_ICMPV6, len(message)) + message)


def _checked(data: bytes, ipv6: bool, src: str | None, dst: str | None) -> str | None:
    """Which checksum rule ``data`` (a whole ICMP message) satisfies, "bad", or None if unknown."""
    if not ipv6:
        return "icmp" if internet_checksum(data) == 0 else "bad"
    if src is None or dst is None:
        return None
    ok = internet_checksum(ipv6_pseudo_header(src, dst, NH_ICMPV6, len(data)) + data) == 0
    return "ipv6-pseudo-header" if ok else "bad"


def _fill_checksum(
    message: bytes, checksum: int | None, ipv6: bool, src: str | None, dst: str | None
) -> bytes:
    if checksum is None:
        if ipv6:
            if src is None or dst is None:
                raise ValueError("an ICMPv6 checksum needs the IPv6 src and dst")
            checksum = icmpv6_checksum(message, src, dst)
        else:
            checksum = internet_checksum(message)
    if not 0 <= checksum <= 0xFFFF:
        raise ValueError(f"checksum out of range: {checksum}")
    return message[:2] + struct.pack("!H", checksum) + message[4:]


@dataclass(frozen=True)
class IcmpEcho:
    """Echo request/reply for ICMPv4 (types 8/0) or ICMPv6 (128/129, ``ipv6=True``)."""

    ident: int
    seq: int
    data: bytes = b""
    reply: bool = False
    ipv6: bool = False
    code: int = 0
    checksum: int | None = None
    checksum_rule: str | None = None  # decode fills "icmp" | "ipv6-pseudo-header" | "bad" | None

    @property
    def type(self) -> int:
        if self.ipv6:
            return ICMPV6_ECHO_REPLY if self.reply else ICMPV6_ECHO_REQUEST
        return ICMP_ECHO_REPLY if self.reply else ICMP_ECHO_REQUEST

    @property
    def checksum_ok(self) -> bool:
        if self.checksum is None:
            return True
        return self.checksum_rule is not None and self.checksum_rule != "bad"

    def answer(self) -> IcmpEcho:
        """The reply a host sends back: same id, sequence and data."""
        return IcmpEcho(self.ident, self.seq, self.data, reply=True, ipv6=self.ipv6)

    def encode(self, *, src: str | None = None, dst: str | None = None) -> bytes:
        """Wire bytes; ICMPv6 needs ``src``/``dst`` unless ``checksum`` is given."""
        for name, value, top in (
            ("ident", self.ident, 0xFFFF),
            ("seq", self.seq, 0xFFFF),
            ("code", self.code, 0xFF),
        ):
            if not 0 <= value <= top:
                raise ValueError(f"ICMP {name} out of range: {value}")
        message = struct.pack("!BBHHH", self.type, self.code, 0, self.ident, self.seq) + bytes(
            self.data
        )
        return _fill_checksum(message, self.checksum, self.ipv6, src, dst)

    @classmethod
    def decode(
        cls, data: bytes, *, ipv6: bool = False, src: str | None = None, dst: str | None = None
    ) -> IcmpEcho:
        """Parse an echo message (the whole IP payload: ICMP has no length field of its own)."""
        layer = "icmpv6" if ipv6 else "icmp"
        require(data, 8, layer, "echo header")
        mtype, code, checksum, ident, seq = struct.unpack_from("!BBHHH", data)
        requests = (ICMPV6_ECHO_REQUEST, ICMPV6_ECHO_REPLY) if ipv6 else (8, 0)
        if mtype not in requests:
            raise DecodeError(layer, 0, f"type {mtype} is not an echo request/reply")
        return cls(
            ident=ident,
            seq=seq,
            data=bytes(data[8:]),
            reply=mtype == requests[1],
            ipv6=ipv6,
            code=code,
            checksum=checksum,
            checksum_rule=_checked(bytes(data), ipv6, src, dst),
        )


@dataclass(frozen=True)
class NeighborAdvert:
    """ICMPv6 Neighbour Advertisement (type 136) with an optional target link-layer option."""

    target: str
    router: bool = False
    solicited: bool = False
    override: bool = True
    tll_mac: str | None = None
    extra_options: bytes = b""  # other options, raw, written after the TLL option
    checksum: int | None = None
    checksum_rule: str | None = None  # decode fills "ipv6-pseudo-header" | "bad" | None
    code: int = 0
    reserved: int = 0  # the 29 bits after the flags

    @property
    def checksum_ok(self) -> bool:
        if self.checksum is None:
            return True
        return self.checksum_rule is not None and self.checksum_rule != "bad"

    def encode(self, *, src: str | None = None, dst: str | None = None) -> bytes:
        if not 0 <= self.code <= 0xFF or not 0 <= self.reserved < 1 << 29:
            raise ValueError("NA code/reserved out of range")
        if len(self.extra_options) % 8:
            raise ValueError("ND options come in multiples of 8 bytes")
        flags = (
            (_NA_ROUTER if self.router else 0)
            | (_NA_SOLICITED if self.solicited else 0)
            | (_NA_OVERRIDE if self.override else 0)
            | self.reserved
        )
        message = struct.pack("!BBHI", ICMPV6_NEIGHBOR_ADVERT, self.code, 0, flags)
        message += ipaddress.IPv6Address(self.target).packed
        if self.tll_mac is not None:
            message += bytes((_OPT_TLL, 1)) + mac_to_bytes(self.tll_mac)
        message += bytes(self.extra_options)
        return _fill_checksum(message, self.checksum, True, src, dst)

    @classmethod
    def decode(
        cls, data: bytes, *, src: str | None = None, dst: str | None = None
    ) -> NeighborAdvert:
        require(data, 24, "icmpv6", "neighbour advertisement")
        mtype, code, checksum, flags = struct.unpack_from("!BBHI", data)
        if mtype != ICMPV6_NEIGHBOR_ADVERT:
            raise DecodeError("icmpv6", 0, f"type {mtype} is not a neighbour advertisement")
        tll: str | None = None
        extra = b""
        pos = 24
        while pos < len(data):
            require(data, pos + 2, "icmpv6", "ND option header", pos)
            otype, olen = data[pos], data[pos + 1]
            if olen == 0:
                raise DecodeError("icmpv6", pos + 1, "ND option with length 0")
            end = pos + 8 * olen
            require(data, end, "icmpv6", "ND option", pos)
            if otype == _OPT_TLL and olen == 1 and tll is None:
                tll = mac_from_bytes(bytes(data[pos + 2 : pos + 8]))
            else:
                extra += bytes(data[pos:end])
            pos = end
        return cls(
            target=str(ipaddress.IPv6Address(bytes(data[8:24]))),
            router=bool(flags & _NA_ROUTER),
            solicited=bool(flags & _NA_SOLICITED),
            override=bool(flags & _NA_OVERRIDE),
            tll_mac=tll,
            extra_options=extra,
            checksum=checksum,
            checksum_rule=_checked(bytes(data), True, src, dst),
            code=code,
            reserved=flags & 0x1FFFFFFF,
        )
