"""The network interface a protocol instance runs on: name, own MAC and primary addresses."""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Address, IPv6Address, ip_address


@dataclass(frozen=True, slots=True)
class Interface:
    """``name`` keeps the real spelling (``em0``, ``eth0``); ``mac`` is lowercase colon form.

    ``ip`` is the interface's primary IPv4 address, the source of IPv4 adverts and the VRRP
    tie-break; ``ip6_ll`` is its IPv6 link-local address, needed for VRRPv3 over IPv6.
    """

    name: str
    mac: str
    ip: str | None = None
    ip6_ll: str | None = None

    @property
    def ipv4(self) -> IPv4Address:
        if self.ip is None:
            raise ValueError(f"interface {self.name} has no IPv4 address")
        addr = ip_address(self.ip)
        assert isinstance(addr, IPv4Address)
        return addr

    @property
    def ipv6_link_local(self) -> IPv6Address:
        if self.ip6_ll is None:
            raise ValueError(f"interface {self.name} has no IPv6 link-local address")
        addr = ip_address(self.ip6_ll)
        assert isinstance(addr, IPv6Address)
        return addr
