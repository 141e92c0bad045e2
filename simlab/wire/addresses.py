"""Cached text <-> bytes conversions of IP addresses for the codecs' hot paths.

A simulated day sends the same few addresses hundreds of thousands of times, and parsing them
with :mod:`ipaddress` dominated encoding and decoding. Each helper here is the plain
``ipaddress`` expression it names, memoised: same results, same exceptions (``lru_cache`` never
stores an exception, so bad input raises every time). ``typed=True`` keeps ``1`` and ``True``
apart, as ``ipaddress`` does not treat them alike in every case.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

__all__ = [
    "ip_is_multicast",
    "ip_object",
    "ip_version",
    "ipv4_packed",
    "ipv4_text",
    "ipv6_packed",
    "ipv6_text",
]

_SIZE = 4096  # far more distinct addresses than any simulated network uses


@lru_cache(maxsize=_SIZE, typed=True)
def ipv4_packed(address: object) -> bytes:
    """``ipaddress.IPv4Address(address).packed``."""
    return ipaddress.IPv4Address(address).packed  # type: ignore[arg-type]


@lru_cache(maxsize=_SIZE)
def ipv4_text(raw: bytes) -> str:
    """``str(ipaddress.IPv4Address(raw))`` for 4 packed bytes."""
    return str(ipaddress.IPv4Address(raw))


@lru_cache(maxsize=_SIZE, typed=True)
def ipv6_packed(address: object) -> bytes:
    """``ipaddress.IPv6Address(address).packed``."""
    return ipaddress.IPv6Address(address).packed  # type: ignore[arg-type]


@lru_cache(maxsize=_SIZE, typed=True)
def ip_version(address: object) -> int:
    """``ipaddress.ip_address(address).version``: 4 or 6."""
    return ipaddress.ip_address(address).version  # type: ignore[arg-type]


@lru_cache(maxsize=_SIZE, typed=True)
def ip_is_multicast(address: object) -> bool:
    """``ipaddress.ip_address(address).is_multicast``."""
    return ipaddress.ip_address(address).is_multicast  # type: ignore[arg-type]


@lru_cache(maxsize=_SIZE)
def ipv6_text(raw: bytes) -> str:
    """``str(ipaddress.IPv6Address(raw))`` for 16 packed bytes."""
    return str(ipaddress.IPv6Address(raw))


@lru_cache(maxsize=_SIZE, typed=True)
def ip_object(address: object) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """``ipaddress.ip_address(address)``, shared: the objects are immutable values."""
    return ipaddress.ip_address(address)  # type: ignore[arg-type]
