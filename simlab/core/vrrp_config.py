"""Configuration of one VRRP instance, validated like keepalived validates ``vrrp_instance``.

Field names follow keepalived's keywords where one exists (``virtual_router_id`` is ``vrid``,
``nopreempt`` is ``preempt=False``, ``v3_checksum_as_v2`` is ``v3_ipv4_pseudo_header=False``).
Every error names the keepalived keyword and the allowed range, so a learner who typed a bad value
in a scenario file can find it in keepalived.conf(5) too.

Times are integer nanoseconds, except the advert interval, which is kept in centiseconds because
that is the unit VRRPv3 puts on the wire (VRRPv2 carries whole seconds: 100 cs).
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Interface, IPv6Interface, ip_interface

from simlab.core.timing import NS_PER_S

__all__ = ["VrrpConfig"]

_MAX_PREEMPT_DELAY_NS = 1000 * NS_PER_S  # keepalived: preempt_delay 0..1000 s


@dataclass(frozen=True, kw_only=True)
class VrrpConfig:
    """One ``vrrp_instance`` (keyword arguments only; ``vrid`` and ``vips`` are required).

    ``vips`` are the ``virtual_ipaddress`` entries with their prefix (``"192.0.2.50/24"``); a
    list is accepted and stored as a tuple. All must be of one family; an IPv6 instance is always
    VRRPv3, as in keepalived (``version=2`` is promoted to 3). ``priority`` 255 makes the instance
    the address owner (it becomes MASTER at startup without waiting). ``strict_rfc`` swaps the
    keepalived behaviours listed in ``docs/protocols/vrrp-core.md`` for the RFC text.
    """

    name: str = "VI_1"
    vrid: int
    priority: int = 100
    vips: tuple[str, ...]
    version: int = 2
    advert_int_cs: int = 100
    preempt: bool = True
    preempt_delay_ns: int = 0
    auth_type: str | None = None
    auth_pass: str = ""
    use_vmac: bool = False
    garp_master_delay_ns: int = 5 * NS_PER_S
    garp_master_repeat: int = 5
    garp_master_refresh_ns: int = 0
    lower_prio_no_advert: bool = False
    v3_ipv4_pseudo_header: bool = True
    initial_state: str = "BACKUP"
    down_timer_adverts: int = 3
    strict_rfc: bool = False

    def __post_init__(self) -> None:
        def fail(message: str) -> None:
            raise ValueError(f"vrrp_instance {self.name}: {message}")

        if not isinstance(self.name, str) or not self.name or any(c.isspace() for c in self.name):
            raise ValueError(f"vrrp_instance name must be a non-empty word, got {self.name!r}")
        _int_in(self.vrid, 1, 255, "virtual_router_id", fail)
        _int_in(self.priority, 1, 255, "priority", fail)

        if isinstance(self.vips, str):
            fail("virtual_ipaddress must be a list of addresses, not one string")
        vips = tuple(self.vips)
        object.__setattr__(self, "vips", vips)
        if not vips:
            fail("virtual_ipaddress needs at least one address (a 0-address advert is invalid)")
        if len(vips) > 255:
            fail(
                f"virtual_ipaddress has {len(vips)} addresses; the advert count field allows 1..255"
            )
        parsed = []
        for vip in vips:
            try:
                parsed.append(ip_interface(vip))
            except ValueError:
                fail(f"virtual_ipaddress {vip!r} is not an address with an optional /prefix")
        families = {iface.version for iface in parsed}
        if len(families) > 1:
            fail("virtual_ipaddress mixes IPv4 and IPv6; use one family per instance")
        if len({iface.ip for iface in parsed}) != len(parsed):
            fail("virtual_ipaddress lists the same address twice")

        if self.version not in (2, 3):
            fail(f"vrrp_version must be 2 or 3, got {self.version!r}")
        if families == {6} and self.version == 2:
            # keepalived: "IPv6 instances are always version 3".
            object.__setattr__(self, "version", 3)

        if self.version == 2:
            if (
                not isinstance(self.advert_int_cs, int)
                or isinstance(self.advert_int_cs, bool)
                or self.advert_int_cs % 100
                or not 100 <= self.advert_int_cs <= 25500
            ):
                fail(
                    "advert_int for VRRPv2 must be whole seconds, 1..255 s "
                    f"(advert_int_cs a multiple of 100 in 100..25500), got {self.advert_int_cs!r}"
                )
        else:
            _int_in(self.advert_int_cs, 1, 4095, "advert_int (VRRPv3, centiseconds)", fail)

        _bool(self.preempt, "preempt (nopreempt)", fail)
        _int_in(
            self.preempt_delay_ns, 0, _MAX_PREEMPT_DELAY_NS, "preempt_delay (ns, 0..1000 s)", fail
        )

        if self.auth_type == "AH":
            fail("authentication auth_type AH (IPsec-AH) is not modelled; use PASS or none")
        if self.auth_type not in (None, "PASS"):
            fail(f"authentication auth_type must be PASS or None, got {self.auth_type!r}")
        if not isinstance(self.auth_pass, str):
            fail(f"authentication auth_pass must be a string, got {self.auth_pass!r}")
        if self.auth_type == "PASS":
            if self.version != 2:
                fail(
                    "authentication is VRRPv2 only (RFC 5798 removed it); drop it or use version 2"
                )
            if not self.auth_pass:
                fail("authentication auth_type PASS needs a non-empty auth_pass")
            try:
                self.auth_pass.encode("ascii")
            except UnicodeEncodeError:
                fail("authentication auth_pass must be ASCII")
        elif self.auth_pass:
            fail("auth_pass given without auth_type PASS")

        _bool(self.use_vmac, "use_vmac", fail)
        _int_in(self.garp_master_delay_ns, 0, 1000 * NS_PER_S, "garp_master_delay (ns)", fail)
        _int_in(self.garp_master_repeat, 1, 255, "garp_master_repeat", fail)
        _int_in(self.garp_master_refresh_ns, 0, 1000 * NS_PER_S, "garp_master_refresh (ns)", fail)
        _bool(self.lower_prio_no_advert, "lower_prio_no_advert", fail)
        _bool(self.v3_ipv4_pseudo_header, "v3_ipv4_pseudo_header (v3_checksum_as_v2)", fail)
        if self.initial_state not in ("BACKUP", "MASTER"):
            fail(f"state must be MASTER or BACKUP, got {self.initial_state!r}")
        _int_in(self.down_timer_adverts, 1, 100, "down_timer_adverts", fail)
        _bool(self.strict_rfc, "strict_rfc", fail)

    # -- derived ----------------------------------------------------------------------------
    @property
    def family(self) -> int:
        """4 or 6: the address family of the VIPs (and of the adverts)."""
        return ip_interface(self.vips[0]).version

    @property
    def vip_interfaces(self) -> tuple[IPv4Interface | IPv6Interface, ...]:
        return tuple(ip_interface(v) for v in self.vips)

    @property
    def vip_addresses(self) -> tuple[str, ...]:
        """The VIPs without prefix, canonical text, in configuration order (the advert order)."""
        return tuple(str(ip_interface(v).ip) for v in self.vips)

    @property
    def auth_type_code(self) -> int:
        """The VRRPv2 Auth Type field: 0 none, 1 simple text password (keepalived PASS)."""
        return 1 if self.auth_type == "PASS" else 0


def _int_in(value: object, low: int, high: int, keyword: str, fail) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        fail(f"{keyword} must be an integer in {low}..{high}, got {value!r}")


def _bool(value: object, keyword: str, fail) -> None:
    if not isinstance(value, bool):
        fail(f"{keyword} must be True or False, got {value!r}")
