"""MAC address helpers: text/byte conversion and the well-known VRRP/CARP addresses.

simlab passes MAC addresses around as lowercase colon-separated strings so that they read well in
logs and test failures; only the codecs convert to the 6 wire bytes. The virtual-MAC helpers encode
what the standards and the real daemons put on the wire (see PROTOCOLS.md §1 and §2.4), including
ucarp's off-by-one-byte source address.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

__all__ = [
    "BROADCAST",
    "ZERO",
    "is_multicast_mac",
    "mac_from_bytes",
    "mac_to_bytes",
    "multicast_mac",
    "normalize_mac",
    "ucarp_mac",
    "virtual_mac",
]

BROADCAST = "ff:ff:ff:ff:ff:ff"
ZERO = "00:00:00:00:00:00"


def mac_to_bytes(mac: str) -> bytes:
    """Convert "02:00:00:00:00:11" (also accepts '-' separators, any case) to 6 bytes."""
    if type(mac) is str:
        return _mac_to_bytes_cached(mac)
    return _mac_to_bytes(mac)


def _mac_to_bytes(mac: str) -> bytes:
    parts = mac.replace("-", ":").split(":")
    if len(parts) != 6 or not all(1 <= len(p) <= 2 for p in parts):
        raise ValueError(f"not a MAC address: {mac!r}")
    try:
        return bytes(int(p, 16) for p in parts)
    except ValueError:
        raise ValueError(f"not a MAC address: {mac!r}") from None


#: the few MACs of a run are converted for every frame: parse each spelling once
_mac_to_bytes_cached = lru_cache(maxsize=4096)(_mac_to_bytes)


def mac_from_bytes(b: bytes) -> str:
    """Convert 6 bytes to the canonical lowercase colon form."""
    if len(b) != 6:
        raise ValueError(f"a MAC address is 6 bytes, got {len(b)}")
    return bytes(b).hex(":")  # same text as ":".join(f"{x:02x}" ...), done in C


def normalize_mac(mac: str) -> str:
    """Canonical form of any accepted spelling, so string comparisons are safe."""
    return mac_from_bytes(mac_to_bytes(mac))


def is_multicast_mac(mac: str) -> bool:
    """True for group addresses (I/G bit set), broadcast included."""
    return bool(mac_to_bytes(mac)[0] & 1)


def _id_byte(value: int, what: str) -> int:
    if not 0 <= value <= 255:
        raise ValueError(f"{what} must fit in one byte, got {value}")
    return value


def virtual_mac(vrid: int, ipv6: bool = False) -> str:
    """Virtual router MAC 00:00:5e:00:01:XX (IPv4; CARP for both families) or 00:00:5e:00:02:XX
    (VRRPv3 over IPv6)."""
    return f"00:00:5e:00:{2 if ipv6 else 1:02x}:{_id_byte(vrid, 'vrid'):02x}"


def ucarp_mac(vhid: int) -> str:
    """The Ethernet source ucarp 1.5.2 really uses for adverts: 00:00:5e:00:00:XX (byte 4 is 0)."""
    return f"00:00:5e:00:00:{_id_byte(vhid, 'vhid'):02x}"


@lru_cache(maxsize=1024, typed=True)  # a pure function of a few group addresses
def multicast_mac(ip: str) -> str:
    """Ethernet group address for an IP multicast group (RFC 1112 / RFC 2464 mapping).

    IPv4 keeps the low 23 bits behind 01:00:5e; IPv6 keeps the low 32 bits behind 33:33.
    """
    addr = ipaddress.ip_address(ip)
    if not addr.is_multicast:
        raise ValueError(f"{ip} is not a multicast address")
    raw = addr.packed
    if addr.version == 4:
        return mac_from_bytes(bytes((0x01, 0x00, 0x5E, raw[1] & 0x7F, raw[2], raw[3])))
    return mac_from_bytes(b"\x33\x33" + raw[12:])
