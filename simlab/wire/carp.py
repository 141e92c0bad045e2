"""CARP advertisement codec and the CARP HMAC-SHA1 (FreeBSD carp(4), OpenBSD, ucarp).

A CARP advert is a fixed 36-byte message that reuses IP protocol 112 and even VRRPv2's first byte
(0x21), which is why :mod:`simlab.wire.frames` has to classify protocol-112 payloads.

The HMAC is computed the way the kernels and ucarp do it, not the way scapy's helper does (scapy
hashes a packed 0x21 byte and skips the counter, which matches no real implementation):

* key: the passphrase cut to 19 bytes and zero padded to 20 (``strlcpy`` into a 20-byte buffer);
* message: byte 0x02 (version), byte 0x01 (type), the vhid, every IPv4 address of the vhid sorted
  numerically, every IPv6 address sorted bytewise with the KAME scope bytes of link-local addresses
  zeroed, then the 8 counter bytes exactly as sent.

The checksum covers the 36 bytes only, for both address families.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import struct
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from .checksum import internet_checksum
from .errors import require

__all__ = [
    "CARP_AUTHLEN",
    "CARP_LEN",
    "CarpAdvert",
    "carp_hmac",
    "carp_hmac_key",
    "carp_hmac_message",
]

CARP_LEN = 36
CARP_AUTHLEN = 7  # counter + HMAC, in 32-bit words

_LAYOUT = struct.Struct("!BBBBBBHQ20s")
_MAX_COUNTER = (1 << 64) - 1


def carp_hmac_key(password: str | bytes) -> bytes:
    """The 20-byte key buffer: passphrase truncated to 19 bytes, NUL padded."""
    raw = password.encode("utf-8") if isinstance(password, str) else bytes(password)
    return raw[:19].ljust(20, b"\x00")


def carp_hmac_message(vhid: int, addresses: Iterable[str], counter: int) -> bytes:
    """The bytes that go into the HMAC (see the module docstring for the ordering rules)."""
    if not 0 <= vhid <= 255:
        raise ValueError(f"vhid out of range: {vhid}")
    if not 0 <= counter < 1 << 64:
        raise ValueError(f"CARP counter must be a 64-bit unsigned value: {counter}")
    addresses = tuple(addresses)
    try:
        packed = _hashed_addresses_cached(addresses)
    except TypeError:  # unhashable items: let ipaddress say what is wrong with them
        packed = _hashed_addresses(addresses)
    return bytes((2, 1, vhid)) + packed + counter.to_bytes(8, "big")


def _hashed_addresses(addresses: tuple[str, ...]) -> bytes:
    """The address part of the HMAC message: IPv4 sorted, then IPv6 sorted (scope cleared)."""
    v4: set[bytes] = set()
    v6: set[bytes] = set()
    for text in addresses:
        addr = ipaddress.ip_address(text)
        if addr.version == 4:
            v4.add(addr.packed)
        else:
            packed = addr.packed
            # the kernel stores link-local scope ids in bytes 2-3; it clears them before hashing
            if packed[0] == 0xFE and packed[1] & 0xC0 == 0x80:
                packed = packed[:2] + b"\x00\x00" + packed[4:]
            v6.add(packed)
    # fixed-width big-endian bytes sort the same way as the numbers they encode
    return b"".join(sorted(v4)) + b"".join(sorted(v6))


#: a vhid hashes the same address list with every advert: parse and sort it once
_hashed_addresses_cached = lru_cache(maxsize=256)(_hashed_addresses)


@lru_cache(maxsize=64)
def _keyed_sha1(key: bytes) -> hmac.HMAC:
    """An HMAC-SHA1 object keyed with ``key`` and fed nothing, to be copied: keying costs as
    much as hashing a short CARP message, and every advert of a vhid uses the same key."""
    return hmac.new(key, digestmod=hashlib.sha1)


def carp_hmac(password: str | bytes, vhid: int, addresses: Iterable[str], counter: int) -> bytes:
    """HMAC-SHA1 a CARP peer expects in ``md`` (20 bytes)."""
    msg = carp_hmac_message(vhid, addresses, counter)
    mac = _keyed_sha1(carp_hmac_key(password)).copy()
    mac.update(msg)
    return mac.digest()


@dataclass(frozen=True)
class CarpAdvert:
    """One CARP advertisement (FreeBSD layout; byte 4 is OpenBSD's demote counter)."""

    vhid: int
    advskew: int
    advbase: int
    counter: int  # 64-bit, big-endian on the wire
    md: bytes  # 20-byte HMAC-SHA1
    demote: int = 0
    authlen: int = CARP_AUTHLEN
    version: int = 2
    type: int = 1
    checksum: int | None = None  # None on encode = compute; decode fills the wire value

    def _body(self, checksum: int) -> bytes:
        # one chained comparison for the usual all-valid case; the loop names the bad field
        if not (
            0 <= self.version <= 0xF
            and 0 <= self.type <= 0xF
            and 0 <= self.vhid <= 0xFF
            and 0 <= self.advskew <= 0xFF
            and 0 <= self.authlen <= 0xFF
            and 0 <= self.demote <= 0xFF
            and 0 <= self.advbase <= 0xFF
            and 0 <= checksum <= 0xFFFF
            and 0 <= self.counter <= _MAX_COUNTER
        ):
            self._range_error(checksum)
        if len(self.md) != 20:
            raise ValueError("CARP md must be 20 bytes")
        return _LAYOUT.pack(
            (self.version << 4) | self.type,
            self.vhid,
            self.advskew,
            self.authlen,
            self.demote,
            self.advbase,
            checksum,
            self.counter,
            bytes(self.md),
        )

    def _range_error(self, checksum: int) -> None:
        for name, value, top in (
            ("version", self.version, 0xF),
            ("type", self.type, 0xF),
            ("vhid", self.vhid, 0xFF),
            ("advskew", self.advskew, 0xFF),
            ("authlen", self.authlen, 0xFF),
            ("demote", self.demote, 0xFF),
            ("advbase", self.advbase, 0xFF),
            ("checksum", checksum, 0xFFFF),
            ("counter", self.counter, (1 << 64) - 1),
        ):
            if not 0 <= value <= top:
                raise ValueError(f"CARP {name} out of range: {value}")

    def computed_checksum(self) -> int:
        return internet_checksum(self._body(0))

    @property
    def checksum_ok(self) -> bool:
        return self.checksum is None or self.checksum == self.computed_checksum()

    @property
    def interval_s(self) -> float:
        """Advertisement interval in seconds: advbase + advskew/256."""
        return self.advbase + self.advskew / 256

    def hmac_ok(self, password: str | bytes, addresses: Iterable[str]) -> bool:
        """Check ``md`` against the HMAC a peer with this password and address list computes."""
        expected = carp_hmac(password, self.vhid, addresses, self.counter)
        return hmac.compare_digest(expected, bytes(self.md))

    @classmethod
    def signed(
        cls,
        *,
        vhid: int,
        advskew: int,
        advbase: int,
        counter: int,
        password: str | bytes,
        addresses: Iterable[str],
        demote: int = 0,
    ) -> CarpAdvert:
        """Build an advert whose ``md`` is the HMAC over ``addresses`` with ``password``."""
        md = carp_hmac(password, vhid, addresses, counter)
        return cls(
            vhid=vhid, advskew=advskew, advbase=advbase, counter=counter, md=md, demote=demote
        )

    def encode(self) -> bytes:
        checksum = self.computed_checksum() if self.checksum is None else self.checksum
        return self._body(checksum)

    @classmethod
    def decode(cls, data: bytes) -> CarpAdvert:
        """Parse the 36-byte message; bytes after it are ignored. Any version nibble is kept."""
        require(data, CARP_LEN, "carp", "advert")
        vt, vhid, skew, authlen, demote, base, checksum, counter, md = _LAYOUT.unpack_from(data)
        return cls(
            vhid=vhid,
            advskew=skew,
            advbase=base,
            counter=counter,
            md=md,
            demote=demote,
            authlen=authlen,
            version=vt >> 4,
            type=vt & 0x0F,
            checksum=checksum,
        )
