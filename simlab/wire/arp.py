"""ARP codec for Ethernet/IPv4 (RFC 826), with the gratuitous forms the HA daemons send.

A new VRRP/CARP master announces the moved address with a gratuitous ARP: sender IP = target IP =
the VIP. The daemons disagree on the rest (PROTOCOLS.md §5, captures README):

* keepalived, arping -U, FreeBSD: request (op 1), target MAC ff:ff:ff:ff:ff:ff;
* ucarp's own GARP: request, target MAC = its own MAC;
* the "reply" form some stacks send: op 2.

:meth:`Arp.gratuitous` builds each of them by name, so nobody rebuilds them by hand.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from .addresses import ipv4_packed, ipv4_text
from .errors import DecodeError, require
from .mac import BROADCAST, ZERO, mac_from_bytes, mac_to_bytes

__all__ = ["ARP_LEN", "ARP_REPLY", "ARP_REQUEST", "GARP_STYLES", "Arp"]

ARP_REQUEST = 1
ARP_REPLY = 2
ARP_LEN = 28
GARP_STYLES = ("keepalived", "ucarp", "reply")

_LAYOUT = struct.Struct("!HHBBH6s4s6s4s")


@dataclass(frozen=True)
class Arp:
    """An Ethernet/IPv4 ARP packet (sha/tha = hardware addresses, spa/tpa = IPv4 addresses)."""

    op: int
    sha: str
    spa: str
    tha: str
    tpa: str

    @property
    def is_gratuitous(self) -> bool:
        """Announcement of the sender's own address: sender IP equals target IP (not 0.0.0.0)."""
        return self.spa == self.tpa and self.spa != "0.0.0.0"

    @property
    def is_request(self) -> bool:
        return self.op == ARP_REQUEST

    @property
    def is_reply(self) -> bool:
        return self.op == ARP_REPLY

    @classmethod
    def request(cls, *, sha: str, spa: str, tpa: str, tha: str = ZERO) -> Arp:
        """Who-has ``tpa``? (the target hardware address is unknown, so zero by convention)."""
        return cls(ARP_REQUEST, sha, spa, tha, tpa)

    @classmethod
    def reply(cls, *, sha: str, spa: str, tha: str, tpa: str) -> Arp:
        """``spa`` is-at ``sha``, sent back to the asker (``tha``/``tpa``)."""
        return cls(ARP_REPLY, sha, spa, tha, tpa)

    @classmethod
    def gratuitous(cls, *, mac: str, ip: str, style: str = "keepalived") -> Arp:
        """A gratuitous ARP for ``ip`` at ``mac`` in one of :data:`GARP_STYLES`."""
        if style == "keepalived":
            return cls(ARP_REQUEST, mac, ip, BROADCAST, ip)
        if style == "ucarp":
            return cls(ARP_REQUEST, mac, ip, mac, ip)
        if style == "reply":
            return cls(ARP_REPLY, mac, ip, BROADCAST, ip)
        raise ValueError(f"unknown gratuitous ARP style {style!r}; pick one of {GARP_STYLES}")

    def encode(self) -> bytes:
        if not 0 <= self.op <= 0xFFFF:
            raise ValueError(f"ARP op out of range: {self.op}")
        return _LAYOUT.pack(
            1,  # hardware type Ethernet
            0x0800,
            6,
            4,
            self.op,
            mac_to_bytes(self.sha),
            ipv4_packed(self.spa),
            mac_to_bytes(self.tha),
            ipv4_packed(self.tpa),
        )

    @classmethod
    def decode(cls, data: bytes) -> Arp:
        """Parse Ethernet/IPv4 ARP; trailing bytes (frame padding) are ignored."""
        require(data, 8, "arp", "header")
        htype, ptype, hlen, plen = struct.unpack_from("!HHBB", data)
        if htype != 1 or hlen != 6:
            raise DecodeError("arp", 0, f"hardware type {htype}/length {hlen} is not Ethernet")
        if ptype != 0x0800 or plen != 4:
            raise DecodeError("arp", 2, f"protocol type {ptype:#06x}/length {plen} is not IPv4")
        require(data, ARP_LEN, "arp", "packet")
        _, _, _, _, op, sha, spa, tha, tpa = _LAYOUT.unpack_from(data)
        return cls(
            op=op,
            sha=mac_from_bytes(sha),
            spa=ipv4_text(spa),
            tha=mac_from_bytes(tha),
            tpa=ipv4_text(tpa),
        )
