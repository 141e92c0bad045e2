"""Frame templates: a protocol instance's adverts differ from one another in a few bytes only.

A MASTER re-sends the same advert every interval; only the IP id (keepalived counts it up, CARP
draws it) and, for CARP, the counter and HMAC change. Building each one through the dataclass
codecs costs tens of microseconds; :class:`Ipv4Template` takes one frame built by the general
path (:func:`~simlab.wire.frames.vrrp_frame`, :func:`~simlab.wire.frames.carp_frame`) and
rewrites just those bytes, recomputing the IPv4 header checksum (and the CARP checksum) from the
template's word sums. tests/sim/test_sim_speedups.py checks the result against the general path
byte for byte.
"""

from __future__ import annotations

from .carp import CARP_LEN
from .ethernet import ETH_HEADER_LEN, ETHERTYPE_IPV4

__all__ = ["Ipv4Template", "carp_body"]

_IP = ETH_HEADER_LEN  # where the IPv4 header starts
_PAYLOAD = _IP + 20  # where its payload starts (templates carry no IP options)


def _fold(total: int) -> int:
    """Checksum field for a message whose 16-bit words sum to ``total`` (any grouping into whole
    words gives a number congruent to it modulo 0xFFFF; 0 only for an all-zero message), by the
    rule of :func:`~simlab.wire.checksum.internet_checksum`."""
    s = total % 0xFFFF
    if s == 0 and total:
        s = 0xFFFF
    return ~s & 0xFFFF


class Ipv4Template:
    """An Ethernet/IPv4 frame (no IP options) whose IP id and payload can be replaced."""

    __slots__ = ("_after_id", "_base", "_head", "_tail", "frame")

    def __init__(self, frame: bytes) -> None:
        if frame[12:14] != ETHERTYPE_IPV4.to_bytes(2, "big") or frame[_IP] != 0x45:
            raise ValueError("an IPv4 template needs an Ethernet/IPv4 frame without IP options")
        self.frame = bytes(frame)
        self._head = self.frame[: _IP + 4]  # Ethernet, version/IHL, TOS, total length
        self._after_id = self.frame[_IP + 6 : _IP + 10]  # flags/fragment, TTL, protocol
        self._tail = self.frame[_IP + 12 : _PAYLOAD]  # the two addresses
        header = self._head[_IP:] + b"\x00\x00" + self._after_id + b"\x00\x00" + self._tail
        self._base = int.from_bytes(header, "big")  # congruent to its word sum; never 0

    def with_id(self, ident: int, payload: bytes | None = None) -> bytes:
        """The frame with IP id ``ident`` (0..65535) and, when given, another payload of the
        same length as the template's."""
        if payload is None:
            payload = self.frame[_PAYLOAD:]
        elif len(payload) != len(self.frame) - _PAYLOAD:
            raise ValueError("a template payload keeps its length")
        if not 0 <= ident <= 0xFFFF:
            raise ValueError(f"IPv4 ident out of range: {ident}")
        check = _fold(self._base + ident)
        return (
            self._head
            + ident.to_bytes(2, "big")
            + self._after_id
            + check.to_bytes(2, "big")
            + self._tail
            + payload
        )


def carp_body(template: bytes, counter: int, md: bytes) -> bytes:
    """A CARP message like ``template`` (36 bytes, as encoded) with another counter and HMAC,
    its checksum recomputed."""
    if len(template) != CARP_LEN or len(md) != 20:
        raise ValueError("a CARP template is 36 bytes and its md 20")
    head = template[:6]
    counter_b = counter.to_bytes(8, "big")
    check = _fold(int.from_bytes(head, "big") + int.from_bytes(counter_b + md, "big"))
    return head + check.to_bytes(2, "big") + counter_b + md
