"""VRRP advertisement codec for version 2 (RFC 3768) and version 3 (RFC 5798 / RFC 9568).

Why the checksum handling looks the way it does (PROTOCOLS.md §2.1-2.2):

* VRRPv2 sums only the VRRP message, authentication data included, with no pseudo-header.
* VRRPv3 over IPv6 prepends the RFC 8200 pseudo-header.
* VRRPv3 over IPv4 is the classic interop trap: keepalived, FRR, tcpdump and Wireshark prepend an
  IPv4 pseudo-header (RFC 5798 as commonly read), while RFC 9568 and the big vendors do not. A
  receiver that wants to interoperate accepts both, so :meth:`VrrpAdvert.decode` tries both and
  reports in ``checksum_rule`` which one matched; the encoder writes keepalived's form unless told
  otherwise. Both IPv4 rules can hold at once only when the pseudo-header itself sums to zero in
  one's complement (rare address pairs); the decoder then reports "ipv4-pseudo-header".

Checksums are reported, never raised: a wrong checksum is something the simulator shows to a
learner. :class:`DecodeError` is reserved for bytes that cannot be a VRRP message at all.
"""

from __future__ import annotations

import ipaddress
import struct
from dataclasses import dataclass
from functools import lru_cache

from .addresses import ip_version, ipv4_text, ipv6_text
from .checksum import internet_checksum, ipv4_pseudo_header, ipv6_pseudo_header
from .errors import DecodeError, require

__all__ = [
    "CHECKSUM_RULES",
    "VRRP_AUTH_AH",
    "VRRP_AUTH_NONE",
    "VRRP_AUTH_PASS",
    "VrrpAdvert",
    "auth_pass_bytes",
    "auth_pass_text",
]

VRRP_AUTH_NONE = 0
VRRP_AUTH_PASS = 1  # keepalived "auth_type PASS": plain text in the auth data field
VRRP_AUTH_AH = 2  # the advert is wrapped in IPsec AH; the auth data field stays zero

PROTO_VRRP = 112

CHECKSUM_RULES = (
    "rfc3768",
    "ipv4-pseudo-header",
    "rfc9568-no-pseudo-header",
    "ipv6-pseudo-header",
    "bad",
)

_HEADER = struct.Struct("!BBBBBBH")


def auth_pass_bytes(password: str) -> bytes:
    """keepalived's PASS authentication field: the first 8 bytes of the password, NUL padded."""
    return password.encode("utf-8")[:8].ljust(8, b"\x00")


def auth_pass_text(auth_data: bytes) -> str:
    """Readable form of a PASS auth field (stops at the first NUL, undecodable bytes escaped)."""
    return auth_data.split(b"\x00", 1)[0].decode("utf-8", errors="backslashreplace")


def _parse_addresses(addresses: tuple[str, ...]) -> tuple[tuple[int, ...], tuple[bytes, ...]]:
    """(versions, packed bytes) of the addresses, in order; ValueError for a bad one."""
    addrs = [ipaddress.ip_address(a) for a in addresses]
    return tuple(a.version for a in addrs), tuple(a.packed for a in addrs)


#: an instance sends the same address list with every advert: parse it once
_parse_addresses_cached = lru_cache(maxsize=256)(_parse_addresses)


def _addresses(addresses: tuple[str, ...]) -> tuple[tuple[int, ...], tuple[bytes, ...]]:
    addresses = tuple(addresses)
    try:
        return _parse_addresses_cached(addresses)
    except TypeError:  # unhashable items: let ipaddress say what is wrong with them
        return _parse_addresses(addresses)


def _family(addresses: tuple[str, ...]) -> int:
    versions = set(_addresses(addresses)[0])
    if len(versions) > 1:
        raise ValueError("a VRRP advert carries addresses of one family only")
    return versions.pop() if versions else 4


@dataclass(frozen=True)
class VrrpAdvert:
    """One VRRP ADVERTISEMENT. Field values are wire values (see ``advert_int``)."""

    version: int  # 2 or 3
    vrid: int
    priority: int
    addresses: tuple[str, ...]
    advert_int: int  # v2: whole seconds (8 bits); v3: centiseconds (12 bits)
    auth_type: int = 0  # v2 only
    auth_data: bytes = bytes(8)  # v2 only, exactly 8 bytes
    checksum: int | None = None  # None on encode = compute; decode fills what was on the wire
    checksum_rule: str | None = None  # decode fills one of CHECKSUM_RULES (None = unverifiable)
    type: int = 1  # 1 = ADVERTISEMENT, the only type ever defined
    reserved: int = 0  # v3 only: the 4 bits in front of Max Adver Int

    @property
    def interval_cs(self) -> int:
        """Advertisement interval in centiseconds, whatever the version."""
        return self.advert_int * 100 if self.version == 2 else self.advert_int

    @property
    def checksum_ok(self) -> bool:
        """True if the wire checksum matched one accepted rule (or will be computed on encode).

        An IPv6 v3 advert decoded without its IP addresses cannot be verified and reads False.
        """
        if self.checksum is None:
            return True
        return self.checksum_rule is not None and self.checksum_rule != "bad"

    @property
    def family(self) -> int:
        """4 or 6: the address family of the carried addresses (v2 is always 4)."""
        return 4 if self.version == 2 else _family(tuple(self.addresses))

    @property
    def length(self) -> int:
        return len(self._body(0))

    def _body(self, checksum: int) -> bytes:
        if self.version not in (2, 3):
            raise ValueError(f"VRRP version must be 2 or 3, got {self.version}")
        versions, addrs = _addresses(self.addresses)
        if len(addrs) > 255:
            raise ValueError("at most 255 addresses fit in a VRRP advert")
        family = self.family
        if any(v != family for v in versions):
            raise ValueError(f"VRRPv{self.version} advert mixes address families")
        limits = [
            ("type", self.type, 0xF),
            ("vrid", self.vrid, 0xFF),
            ("priority", self.priority, 0xFF),
            ("checksum", checksum, 0xFFFF),
        ]
        if self.version == 2:
            limits += [("advert_int", self.advert_int, 0xFF), ("auth_type", self.auth_type, 0xFF)]
        else:
            limits += [("advert_int", self.advert_int, 0xFFF), ("reserved", self.reserved, 0xF)]
        for name, value, top in limits:
            if not 0 <= value <= top:
                raise ValueError(f"VRRP {name} out of range: {value}")
        if self.version == 2:
            if len(self.auth_data) != 8:
                raise ValueError("VRRPv2 auth_data must be exactly 8 bytes")
            head = _HEADER.pack(
                0x20 | self.type,
                self.vrid,
                self.priority,
                len(addrs),
                self.auth_type,
                self.advert_int,
                checksum,
            )
            return head + b"".join(addrs) + bytes(self.auth_data)
        head = struct.pack(
            "!BBBBHH",
            0x30 | self.type,
            self.vrid,
            self.priority,
            len(addrs),
            (self.reserved << 12) | self.advert_int,
            checksum,
        )
        return head + b"".join(addrs)

    def compute_checksum(
        self,
        *,
        src: str | None = None,
        dst: str | None = None,
        v3_ipv4_pseudo_header: bool = True,
    ) -> int:
        """Checksum these fields call for under the given rule (see the module docstring)."""
        body = self._body(0)
        prefix = b""
        if self.version == 3:
            ipv6 = self.family == 6
            if ipv6 or v3_ipv4_pseudo_header:
                if src is None or dst is None:
                    raise ValueError(
                        "VRRPv3 checksum with a pseudo-header needs src and dst "
                        "(pass v3_ipv4_pseudo_header=False for the RFC 9568 IPv4 form)"
                    )
                make = ipv6_pseudo_header if ipv6 else ipv4_pseudo_header
                prefix = make(src, dst, PROTO_VRRP, len(body))
        return internet_checksum(prefix + body)

    def encode(
        self,
        *,
        src: str | None = None,
        dst: str | None = None,
        v3_ipv4_pseudo_header: bool = True,
    ) -> bytes:
        """Wire bytes. ``src``/``dst`` are the IP addresses, needed only for v3 pseudo-headers."""
        checksum = self.checksum
        if checksum is None:
            checksum = self.compute_checksum(
                src=src, dst=dst, v3_ipv4_pseudo_header=v3_ipv4_pseudo_header
            )
        return self._body(checksum)

    @classmethod
    def decode(cls, data: bytes, *, src: str | None = None, dst: str | None = None) -> VrrpAdvert:
        """Parse a VRRP message (the IP payload). Trailing bytes beyond the count are ignored.

        Without ``src``/``dst`` the address family of a v3 advert is guessed from its length and
        only the RFC 9568 IPv4 form can be checked; with them, every rule of the family is tried.
        """
        require(data, 8, "vrrp", "header")
        vt, vrid, prio, count, b4, b5, checksum = _HEADER.unpack_from(data)
        version, vtype = vt >> 4, vt & 0x0F
        if version == 2:
            need = 16 + 4 * count
            require(data, need, "vrrp", f"VRRPv2 advert with {count} addresses")
            addrs = tuple(ipv4_text(bytes(data[8 + 4 * i : 12 + 4 * i])) for i in range(count))
            msg = bytes(data[:need])
            rule = "rfc3768" if internet_checksum(msg) == 0 else "bad"
            return cls(
                version=2,
                vrid=vrid,
                priority=prio,
                addresses=addrs,
                advert_int=b5,
                auth_type=b4,
                auth_data=bytes(data[need - 8 : need]),
                checksum=checksum,
                checksum_rule=rule,
                type=vtype,
            )
        if version != 3:
            raise DecodeError("vrrp", 0, f"version {version} is neither 2 nor 3")
        if src is not None:
            ipv6 = ip_version(src) == 6
        else:
            ipv6 = count > 0 and len(data) == 8 + 16 * count
        width = 16 if ipv6 else 4
        need = 8 + width * count
        require(data, need, "vrrp", f"VRRPv3 advert with {count} IPv{6 if ipv6 else 4} addresses")
        text = ipv6_text if ipv6 else ipv4_text
        addrs = tuple(text(bytes(data[8 + width * i : 8 + width * (i + 1)])) for i in range(count))
        msg = bytes(data[:need])
        rule: str | None
        if ipv6:
            rule = None
            if src is not None and dst is not None:
                ok = internet_checksum(ipv6_pseudo_header(src, dst, PROTO_VRRP, need) + msg) == 0
                rule = "ipv6-pseudo-header" if ok else "bad"
        else:
            rule = "bad"
            if src is not None and dst is not None:
                pseudo = ipv4_pseudo_header(src, dst, PROTO_VRRP, need)
                if internet_checksum(pseudo + msg) == 0:
                    rule = "ipv4-pseudo-header"
            if rule == "bad" and internet_checksum(msg) == 0:
                rule = "rfc9568-no-pseudo-header"
        word = (b4 << 8) | b5
        return cls(
            version=3,
            vrid=vrid,
            priority=prio,
            addresses=addrs,
            advert_int=word & 0x0FFF,
            checksum=checksum,
            checksum_rule=rule,
            type=vtype,
            reserved=word >> 12,
        )
