"""Whole Ethernet frames: the builders the protocol core sends and the parser it receives with.

The builders bake in the envelope details that matter for realism (group addresses, TTL/hop limit
255, TOS 0xC0 for VRRP, TOS 0xE0 + DF for FreeBSD CARP, broadcast gratuitous ARP, unsolicited NA
to ff02::1). :func:`parse_frame` peels a frame layer by layer and re-bases any
:class:`~simlab.wire.errors.DecodeError` offset onto the frame, so the error points into the dump.

Telling CARP from VRRPv2 (:func:`classify_proto112`)
----------------------------------------------------
Both use IP protocol 112 and both start with byte 0x21 (version 2, type 1), so a dissector has to
guess, and tcpdump/Wireshark guess VRRP by default. We decide on the shape of the message, because a
well-formed message of one kind can never have the shape of the other:

1. version nibble 3 -> VRRPv3 (CARP has never used version 3);
2. version 2 and the length equals 16 + 4*count (byte 3 read as VRRPv2 "Count IP Addrs") -> VRRPv2;
3. version 2, exactly 36 bytes and byte 3 (CARP "authlen") = 7 -> CARP.

Rules 2 and 3 cannot both hold: with byte 3 = 7 a VRRPv2 advert is 16 + 28 = 44 bytes, not 36.
A VRRPv2 advert with 5 addresses is also 36 bytes long, but its byte 3 is 5, so rule 2 claims it
and rule 3 does not. Malformed input falls through to: byte 3 = 7 and more than 36 bytes -> CARP
with trailing bytes; longer than 16 + 4*count -> VRRPv2 with trailing bytes; otherwise a truncated
CARP (byte 3 = 7) or VRRPv2, which the decoder then reports with its offset.

Byte 4 is deliberately *not* decisive: VRRP puts its auth type there (0, or 1/2 with keepalived)
and CARP its demote counter (always 0 on FreeBSD/ucarp, anything from 0 to 255 on OpenBSD), so
the two value ranges overlap completely. The IP length, on the other hand, is exact.

Residual ambiguity: the rules judge shape only. A CARP message with 8 junk bytes appended (44 bytes)
is read as VRRPv2 with 7 addresses; a CARP sender using another authlen, or a VRRPv2 sender lying in
its count, is misclassified. Real traffic from keepalived, FreeBSD, OpenBSD and ucarp always takes
rule 1, 2 or 3. The rule that decided is returned as text so the simulator can show learners
*why* a packet was read as CARP or VRRP.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .addresses import ip_is_multicast, ip_version
from .arp import Arp
from .carp import CARP_AUTHLEN, CARP_LEN, CarpAdvert
from .errors import DecodeError
from .ethernet import ETH_HEADER_LEN, ETHERTYPE_ARP, ETHERTYPE_IPV4, ETHERTYPE_IPV6, Ethernet
from .icmp import (
    ICMP_ECHO_REPLY,
    ICMP_ECHO_REQUEST,
    ICMPV6_ECHO_REPLY,
    ICMPV6_ECHO_REQUEST,
    ICMPV6_NEIGHBOR_ADVERT,
    IcmpEcho,
    NeighborAdvert,
)
from .ipv4 import PROTO_ICMP, IPv4
from .ipv6 import IPV6_HEADER_LEN, NH_ICMPV6, IPv6
from .mac import BROADCAST, multicast_mac
from .vrrp import VrrpAdvert

__all__ = [
    "ALL_NODES_V6",
    "CARP_GROUP_V4",
    "CARP_GROUP_V6",
    "PROTO_VRRP",
    "VRRP_GROUP_V4",
    "VRRP_GROUP_V6",
    "ParsedFrame",
    "arp_frame",
    "carp_frame",
    "classify_proto112",
    "garp_frame",
    "icmp_echo_frame",
    "parse_frame",
    "unsolicited_na_frame",
    "vrrp_frame",
]

VRRP_GROUP_V4 = "224.0.0.18"
VRRP_GROUP_V6 = "ff02::12"
CARP_GROUP_V4 = VRRP_GROUP_V4
CARP_GROUP_V6 = VRRP_GROUP_V6
ALL_NODES_V6 = "ff02::1"
PROTO_VRRP = 112

Payload = VrrpAdvert | CarpAdvert | Arp | IcmpEcho | NeighborAdvert | bytes | None


def _is_v6(ip: str) -> bool:
    return ip_version(ip) == 6


def _dst_mac(dst_ip: str, dst_mac: str | None) -> str:
    if dst_mac is not None:
        return dst_mac
    if not ip_is_multicast(dst_ip):
        raise ValueError(f"{dst_ip} is unicast: pass dst_mac for a unicast advert")
    return multicast_mac(dst_ip)


def _ip_frame(
    *,
    src_mac: str,
    dst_mac: str,
    src_ip: str,
    dst_ip: str,
    proto: int,
    payload: bytes,
    tos: int,
    ttl: int,
    ident: int = 0,
    df: bool = False,
) -> bytes:
    if _is_v6(src_ip):
        ip6 = IPv6(src_ip, dst_ip, proto, payload, hop_limit=ttl, tclass=tos)
        return Ethernet(dst_mac, src_mac, ETHERTYPE_IPV6, ip6.encode()).encode()
    ip4 = IPv4(src_ip, dst_ip, proto, payload, ttl=ttl, tos=tos, ident=ident, df=df)
    return Ethernet(dst_mac, src_mac, ETHERTYPE_IPV4, ip4.encode()).encode()


def vrrp_frame(
    advert: VrrpAdvert,
    *,
    src_mac: str,
    src_ip: str,
    tos: int = 0xC0,
    ident: int = 0,
    ttl: int = 255,
    v3_ipv4_pseudo_header: bool = True,
    dst_ip: str | None = None,
    dst_mac: str | None = None,
) -> bytes:
    """A VRRP advert in IPv4 or IPv6 (family of ``src_ip``) and Ethernet.

    ``dst_ip`` defaults to the VRRP group; for unicast peers pass it together with ``dst_mac``.
    For IPv6, ``tos`` is used as the traffic class and ``ident`` is ignored.
    """
    v6 = _is_v6(src_ip)
    if dst_ip is None:
        dst_ip = VRRP_GROUP_V6 if v6 else VRRP_GROUP_V4
    payload = advert.encode(src=src_ip, dst=dst_ip, v3_ipv4_pseudo_header=v3_ipv4_pseudo_header)
    return _ip_frame(
        src_mac=src_mac,
        dst_mac=_dst_mac(dst_ip, dst_mac),
        src_ip=src_ip,
        dst_ip=dst_ip,
        proto=PROTO_VRRP,
        payload=payload,
        tos=tos,
        ttl=ttl,
        ident=ident,
    )


def carp_frame(
    advert: CarpAdvert,
    *,
    src_mac: str,
    src_ip: str,
    tos: int = 0xE0,
    df: bool = True,
    ident: int = 0,
    ttl: int = 255,
    dst_ip: str | None = None,
    dst_mac: str | None = None,
) -> bytes:
    """A CARP advert (FreeBSD envelope by default: TOS 0xE0, DF). ucarp: tos=0x10, ucarp_mac()."""
    v6 = _is_v6(src_ip)
    if dst_ip is None:
        dst_ip = CARP_GROUP_V6 if v6 else CARP_GROUP_V4
    return _ip_frame(
        src_mac=src_mac,
        dst_mac=_dst_mac(dst_ip, dst_mac),
        src_ip=src_ip,
        dst_ip=dst_ip,
        proto=PROTO_VRRP,
        payload=advert.encode(),
        tos=tos,
        ttl=ttl,
        ident=ident,
        df=df,
    )


def arp_frame(arp: Arp, *, src_mac: str | None = None, dst_mac: str | None = None) -> bytes:
    """Wrap an ARP packet: Ethernet src defaults to ``arp.sha``; dst to broadcast for requests
    and to ``arp.tha`` for replies."""
    if dst_mac is None:
        dst_mac = BROADCAST if arp.op == 1 else arp.tha
    return Ethernet(dst_mac, src_mac or arp.sha, ETHERTYPE_ARP, arp.encode()).encode()


def garp_frame(
    *,
    mac: str,
    ip: str,
    src_mac: str | None = None,
    target_mac: str = BROADCAST,
    op: int = 1,
) -> bytes:
    """Gratuitous ARP for ``ip`` at ``mac``, sent to broadcast.

    keepalived/FreeBSD: defaults. ucarp: ``target_mac=mac``. Reply form: ``op=2``.
    """
    arp = Arp(op=op, sha=mac, spa=ip, tha=target_mac, tpa=ip)
    return Ethernet(BROADCAST, src_mac or mac, ETHERTYPE_ARP, arp.encode()).encode()


def unsolicited_na_frame(
    *, src_mac: str, src_ip: str, target: str, tll_mac: str, router: bool = True
) -> bytes:
    """Unsolicited neighbour advertisement for ``target`` to ff02::1 (hop limit 255, S=0, O=1)."""
    na = NeighborAdvert(
        target=target, router=router, solicited=False, override=True, tll_mac=tll_mac
    )
    payload = na.encode(src=src_ip, dst=ALL_NODES_V6)
    ip6 = IPv6(src_ip, ALL_NODES_V6, NH_ICMPV6, payload, hop_limit=255)
    return Ethernet(multicast_mac(ALL_NODES_V6), src_mac, ETHERTYPE_IPV6, ip6.encode()).encode()


def icmp_echo_frame(
    *,
    src_mac: str,
    dst_mac: str,
    src_ip: str,
    dst_ip: str,
    ident: int,
    seq: int,
    data: bytes = b"",
    reply: bool = False,
    ttl: int = 64,
    ip_ident: int = 0,
) -> bytes:
    """A ping (or its answer) over IPv4 or IPv6, family taken from ``src_ip``."""
    v6 = _is_v6(src_ip)
    echo = IcmpEcho(ident, seq, data, reply=reply, ipv6=v6)
    return _ip_frame(
        src_mac=src_mac,
        dst_mac=dst_mac,
        src_ip=src_ip,
        dst_ip=dst_ip,
        proto=NH_ICMPV6 if v6 else PROTO_ICMP,
        payload=echo.encode(src=src_ip, dst=dst_ip),
        tos=0,
        ttl=ttl,
        ident=ip_ident,
        df=not v6,
    )


def classify_proto112(payload: bytes) -> tuple[str, str]:
    """Decide whether an IP protocol-112 payload is "vrrp2", "vrrp3" or "carp".

    Returns ``(kind, rule)`` where ``rule`` says in words why (see the module docstring).
    Raises :class:`DecodeError` for an empty payload or a version nibble other than 2 or 3.
    """
    if not payload:
        raise DecodeError("proto112", 0, "empty protocol-112 payload")
    version = payload[0] >> 4
    if version == 3:
        return "vrrp3", "version 3: VRRPv3"
    if version != 2:
        raise DecodeError("proto112", 0, f"version {version} is neither VRRP (2, 3) nor CARP (2)")
    size = len(payload)
    if size < 4:
        return "vrrp2", f"version 2, only {size} bytes: too short to tell, read as VRRPv2"
    count = payload[3]
    vrrp_len = 16 + 4 * count
    if size == vrrp_len:
        return "vrrp2", f"version 2, length {size} = 16+4*count (count {count}) matches: VRRPv2"
    if size == CARP_LEN and count == CARP_AUTHLEN:
        return "carp", "version 2, 36 bytes with authlen 7 (VRRPv2 would need 44): CARP"
    if count == CARP_AUTHLEN and size > CARP_LEN:
        return "carp", f"version 2, authlen 7 and {size} > 36 bytes: CARP with trailing bytes"
    if size > vrrp_len:
        return "vrrp2", (
            f"version 2, {size} bytes > 16+4*count = {vrrp_len}: VRRPv2 with trailing bytes"
        )
    if count == CARP_AUTHLEN:
        return "carp", f"version 2, authlen 7 but only {size} bytes: truncated CARP"
    return "vrrp2", f"version 2, {size} bytes < 16+4*count = {vrrp_len}: truncated VRRPv2"


@dataclass(frozen=True)
class ParsedFrame:
    """A frame taken apart: Ethernet, the network header if any, and the decoded payload."""

    eth: Ethernet
    ip: IPv4 | IPv6 | None
    payload: Payload
    rule: str | None = None  # protocol 112 only: why it was read as CARP or VRRP
    trailer: bytes = b""  # bytes after the network-layer packet (Ethernet padding)

    @property
    def src_ip(self) -> str | None:
        return self.ip.src if self.ip is not None else None

    @property
    def dst_ip(self) -> str | None:
        return self.ip.dst if self.ip is not None else None

    @property
    def ttl(self) -> int | None:
        if isinstance(self.ip, IPv4):
            return self.ip.ttl
        if isinstance(self.ip, IPv6):
            return self.ip.hop_limit
        return None

    @property
    def kind(self) -> str:
        """Short name of the payload: vrrp2, vrrp3, carp, arp, icmp-echo, na, raw or none."""
        p = self.payload
        if isinstance(p, VrrpAdvert):
            return f"vrrp{p.version}"
        if isinstance(p, CarpAdvert):
            return "carp"
        if isinstance(p, Arp):
            return "arp"
        if isinstance(p, IcmpEcho):
            return "icmp-echo"
        if isinstance(p, NeighborAdvert):
            return "na"
        return "none" if p is None else "raw"

    def encode(self) -> bytes:
        """Rebuild the frame from the decoded layers (stored checksums are written as they are)."""
        p = self.payload
        src, dst = self.src_ip, self.dst_ip
        if isinstance(p, VrrpAdvert | IcmpEcho | NeighborAdvert):
            inner = p.encode(src=src, dst=dst)
        elif isinstance(p, CarpAdvert | Arp):
            inner = p.encode()
        elif p is None:
            inner = b""
        else:
            inner = bytes(p)
        if self.ip is not None:
            inner = replace(self.ip, payload=inner).encode()
        if self.ip is not None or p is not None:
            return replace(self.eth, payload=inner + self.trailer).encode()
        return self.eth.encode()


def _decode_proto112(data: bytes, src: str, dst: str) -> tuple[Payload, str]:
    kind, rule = classify_proto112(data)
    if kind == "carp":
        return CarpAdvert.decode(data), rule
    return VrrpAdvert.decode(data, src=src, dst=dst), rule


def _decode_upper(ip: IPv4 | IPv6) -> tuple[Payload, str | None]:
    data = ip.payload
    if isinstance(ip, IPv4):
        if ip.mf or ip.frag_offset:
            return data, None  # a fragment: its payload is not a whole message
        if ip.proto == PROTO_VRRP:
            return _decode_proto112(data, ip.src, ip.dst)
        if ip.proto == PROTO_ICMP and data and data[0] in (ICMP_ECHO_REQUEST, ICMP_ECHO_REPLY):
            return IcmpEcho.decode(data), None
        return data, None
    if ip.next_header == PROTO_VRRP:
        return _decode_proto112(data, ip.src, ip.dst)
    if ip.next_header == NH_ICMPV6 and data:
        if data[0] in (ICMPV6_ECHO_REQUEST, ICMPV6_ECHO_REPLY):
            return IcmpEcho.decode(data, ipv6=True, src=ip.src, dst=ip.dst), None
        if data[0] == ICMPV6_NEIGHBOR_ADVERT:
            return NeighborAdvert.decode(data, src=ip.src, dst=ip.dst), None
    return data, None


def parse_frame(frame: bytes) -> ParsedFrame:
    """Decode an Ethernet frame down to the VRRP/CARP/ARP/ICMP payload when there is one.

    Unknown ethertypes give ``ip=None, payload=raw bytes``; unknown IP protocols keep the IP layer
    and a raw payload. Raises :class:`DecodeError` (offset counted from the frame start) when a
    layer that was recognised is malformed.
    """
    eth = Ethernet.decode(frame)
    base = ETH_HEADER_LEN
    try:
        if eth.ethertype == ETHERTYPE_ARP:
            arp = Arp.decode(eth.payload)
            return ParsedFrame(eth, None, arp, None, eth.payload[28:])
        ip: IPv4 | IPv6
        if eth.ethertype == ETHERTYPE_IPV4:
            ip = IPv4.decode(eth.payload)
            base += ip.header_length
            size = ip.total_length
        elif eth.ethertype == ETHERTYPE_IPV6:
            ip = IPv6.decode(eth.payload)
            base += IPV6_HEADER_LEN
            size = IPV6_HEADER_LEN + len(ip.payload)
        else:
            return ParsedFrame(eth, None, eth.payload, None, b"")
        payload, rule = _decode_upper(ip)
        return ParsedFrame(eth, ip, payload, rule, eth.payload[size:])
    except DecodeError as err:
        raise err.shifted(base) from None
