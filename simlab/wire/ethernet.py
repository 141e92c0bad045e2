"""Ethernet II framing (no FCS): the outer layer of every frame simlab sends or captures.

Only the 14-byte DIX header is modelled; 802.1Q tags show up as ethertype 0x8100 with the tag left
in the payload, which is enough for a simulator that never uses VLANs. The payload is kept exactly
as received, including any padding to the 60-byte minimum, so decode followed by encode reproduces
the frame; the upper layers cut padding off using their own length fields.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from .errors import require
from .mac import mac_from_bytes, mac_to_bytes

__all__ = [
    "ETHERTYPE_ARP",
    "ETHERTYPE_IPV4",
    "ETHERTYPE_IPV6",
    "ETHERTYPE_VLAN",
    "ETH_HEADER_LEN",
    "ETH_MIN_FRAME",
    "Ethernet",
]

ETHERTYPE_IPV4 = 0x0800
ETHERTYPE_ARP = 0x0806
ETHERTYPE_IPV6 = 0x86DD
ETHERTYPE_VLAN = 0x8100
ETH_HEADER_LEN = 14
ETH_MIN_FRAME = 60  # minimum size without the 4-byte FCS, what captures show on a real wire


@dataclass(frozen=True)
class Ethernet:
    """One Ethernet II frame: addresses as lowercase colon strings, payload as raw bytes."""

    dst: str
    src: str
    ethertype: int
    payload: bytes = b""

    def encode(self, *, pad: bool = False) -> bytes:
        """Header + payload; ``pad=True`` zero-fills to 60 bytes as a NIC would on a real wire."""
        if not 0 <= self.ethertype <= 0xFFFF:
            raise ValueError(f"ethertype out of range: {self.ethertype}")
        frame = (
            mac_to_bytes(self.dst)
            + mac_to_bytes(self.src)
            + struct.pack("!H", self.ethertype)
            + bytes(self.payload)
        )
        if pad and len(frame) < ETH_MIN_FRAME:
            frame += bytes(ETH_MIN_FRAME - len(frame))
        return frame

    @classmethod
    def decode(cls, data: bytes) -> Ethernet:
        require(data, ETH_HEADER_LEN, "ethernet", "header")
        (ethertype,) = struct.unpack_from("!H", data, 12)
        return cls(
            dst=mac_from_bytes(data[0:6]),
            src=mac_from_bytes(data[6:12]),
            ethertype=ethertype,
            payload=bytes(data[ETH_HEADER_LEN:]),
        )
