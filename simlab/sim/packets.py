"""The few packets the simulated IP stack builds itself, as bytes, with no decoding layer.

Protocol frames (adverts, gratuitous ARPs) come from the core through :mod:`simlab.wire`. The
stack's own traffic (ARP requests and replies, pings and their answers, the request probes' TCP
segments) is built here with ``struct`` and read by fixed offsets, because a day of simulated
pings is millions of frames: a full decode of each would dominate the run. Everything produced
here is ordinary Ethernet II / IPv4 / ARP / ICMP / TCP that Wireshark decodes; the tests parse
every frame of a run with :func:`simlab.wire.frames.parse_frame` and, when installed, tshark.

Addresses are kept as bytes here (4 bytes for IPv4, 6 for MAC), converted from and to the text
forms only at the edges.
"""

from __future__ import annotations

import ipaddress
import struct

ETH_IPV4 = b"\x08\x00"
ETH_ARP = b"\x08\x06"
ETH_IPV6 = b"\x86\xdd"
BROADCAST = b"\xff" * 6
ZERO_MAC = bytes(6)

PROTO_ICMP = 1
PROTO_TCP = 6
PROTO_VRRP = 112  # VRRP and CARP

TCP_FIN, TCP_SYN, TCP_RST, TCP_ACK = 0x01, 0x02, 0x04, 0x10

_IP_HDR = struct.Struct("!BBHHHBBH4s4s")
_ARP = struct.Struct("!HHBBH6s4s6s4s")
_ICMP_ECHO = struct.Struct("!BBHHH")
_TCP = struct.Struct("!HHIIBBHHH")
_ARP_HEAD = b"\x00\x01\x08\x00\x06\x04"

#: the 40 pattern bytes iputils ping puts after its 16-byte timestamp (56 data bytes in all)
PING_PATTERN = bytes(range(0x10, 0x38))


def mac_bytes(mac: str) -> bytes:
    """ "52:54:00:12:34:56" -> 6 bytes."""
    raw = bytes.fromhex(mac.replace(":", "").replace("-", ""))
    if len(raw) != 6:
        raise ValueError(f"not a MAC address: {mac!r}")
    return raw


def mac_text(raw: bytes) -> str:
    return raw.hex(":")


def ip_bytes(ip: str) -> bytes:
    return ipaddress.IPv4Address(ip).packed


def ip_text(raw: bytes) -> str:
    return f"{raw[0]}.{raw[1]}.{raw[2]}.{raw[3]}"


def checksum(data: bytes) -> int:
    """RFC 1071 Internet checksum. The one's-complement sum of 16-bit words equals the number
    modulo 0xffff (2**16 = 1 mod 0xffff), which int.from_bytes computes in C."""
    if len(data) & 1:
        data += b"\x00"
    n = int.from_bytes(data, "big")
    s = n % 0xFFFF
    if s == 0 and n:
        s = 0xFFFF
    return ~s & 0xFFFF


def _fold(total: int) -> int:
    """The checksum field for a message whose 16-bit words (or any split of it into whole
    words, summed) add up to ``total``; ``total`` is 0 only for an all-zero message. Same rule
    as :func:`checksum`, whose number is congruent to that sum modulo 0xFFFF."""
    s = total % 0xFFFF
    if s == 0 and total:
        s = 0xFFFF
    return ~s & 0xFFFF


def ipv4_packet(
    src: bytes, dst: bytes, proto: int, payload: bytes, *, ident: int, ttl: int = 64, df=True
) -> bytes:
    """An IPv4 header (no options, TOS 0) with its checksum, followed by ``payload``."""
    total = 20 + len(payload)
    ident &= 0xFFFF
    flags = 0x4000 if df else 0
    # the header's words summed from its fields (no second pack): 0x4500, length, id, flags,
    # ttl/proto, and the addresses (a 4-byte address is congruent to its two words' sum)
    c = _fold(
        0x4500
        + total
        + ident
        + flags
        + (ttl << 8 | proto)
        + int.from_bytes(src, "big")
        + int.from_bytes(dst, "big")
    )
    return _IP_HDR.pack(0x45, 0, total, ident, flags, ttl, proto, c, src, dst) + payload


def arp_packet(op: int, sha: bytes, spa: bytes, tha: bytes, tpa: bytes) -> bytes:
    return _ARP.pack(1, 0x0800, 6, 4, op, sha, spa, tha, tpa)


def arp_eth(dst: bytes, src: bytes, op: int, sha: bytes, spa: bytes, tha: bytes, tpa: bytes):
    """A whole ARP frame (42 bytes, unpadded like the frames simlab.wire builds)."""
    return dst + src + ETH_ARP + _ARP.pack(1, 0x0800, 6, 4, op, sha, spa, tha, tpa)


def parse_arp(frame: bytes) -> tuple[int, bytes, bytes, bytes, bytes] | None:
    """(op, sha, spa, tha, tpa) of an Ethernet/IPv4 ARP frame, or None if it is not one."""
    if len(frame) < 42 or frame[14:20] != _ARP_HEAD:
        return None
    return (frame[21], frame[22:28], frame[28:32], frame[32:38], frame[38:42])


def icmp_echo(ident: int, seq: int, data: bytes, *, reply: bool = False) -> bytes:
    """An ICMPv4 echo request (or reply) message with its checksum."""
    kind = 0 if reply else 8
    # words: type/code, (checksum 0), id, sequence, then the data from an even offset
    padded = data + b"\x00" if len(data) & 1 else data
    c = _fold((kind << 8) + ident + seq + int.from_bytes(padded, "big"))
    return _ICMP_ECHO.pack(kind, 0, c, ident, seq) + data


def ping_data(now_ns: int) -> bytes:
    """56 data bytes as iputils ping sends them: a struct timeval (little-endian, 16 bytes) of
    the sending time, then the pattern 0x10..0x37."""
    sec, ns = divmod(now_ns, 1_000_000_000)
    return struct.pack("<qq", sec, ns // 1000) + PING_PATTERN


def echo_reply_from_request(ip_packet: bytes) -> bytes:
    """The ICMP message answering the echo request in ``ip_packet`` (IHL 5): same id, sequence
    and data, type 0, checksum recomputed."""
    rest = ip_packet[24:]  # id, sequence, data: the message after type, code and checksum
    c = _fold(int.from_bytes(rest + b"\x00" if len(rest) & 1 else rest, "big"))
    return b"\x00\x00" + c.to_bytes(2, "big") + rest


def tcp_segment(
    src: bytes,
    dst: bytes,
    sport: int,
    dport: int,
    seq: int,
    ack: int,
    flags: int,
    *,
    window: int = 64240,
) -> bytes:
    """A 20-byte TCP header (no options, no data) with its checksum over the pseudo-header."""
    seg = _TCP.pack(sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, 5 << 4, flags, window, 0, 0)
    c = checksum(src + dst + b"\x00\x06\x00\x14" + seg)
    return seg[:16] + bytes((c >> 8, c & 0xFF)) + seg[18:]


def parse_tcp(ip_packet: bytes) -> tuple[int, int, int, int, int] | None:
    """(sport, dport, seq, ack, flags) of the TCP segment in an IHL-5 IPv4 packet."""
    if len(ip_packet) < 40:
        return None
    sport, dport, seq, ack, _off, flags, _win, _sum, _urg = _TCP.unpack_from(ip_packet, 20)
    return sport, dport, seq, ack, flags
